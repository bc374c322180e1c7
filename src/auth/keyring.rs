use argon2::{Algorithm, Argon2, Params, Version};
use chacha20poly1305::aead::rand_core::RngCore;
use chacha20poly1305::aead::{Aead, KeyInit, OsRng, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use zeroize::{Zeroize, Zeroizing};

/// Minimum password length (CNIL: 12 characters, with throttled attempts).
pub const MIN_PASSWORD_CHARS: usize = 12;
/// Failed attempts allowed before delays start.
pub const FREE_ATTEMPTS: usize = 5;
/// Longest delay between attempts once throttled.
pub const MAX_DELAY_SECS: i64 = 300;

/// Argon2id cost: OWASP's recommended minimum (19 MiB, 2 passes), about 0.1-0.3 s on an old
/// PC. Stored per slot, so it can be raised later without breaking existing slots.
const M_COST_KIB: u32 = 19 * 1024;
const T_COST: u32 = 2;
const P_COST: u32 = 1;

/// The database key. Zeroised when dropped; never printed (no Debug).
pub struct DbKey(Zeroizing<[u8; 32]>);

impl DbKey {
    pub fn random() -> DbKey {
        let mut k = Zeroizing::new([0u8; 32]);
        OsRng.fill_bytes(k.as_mut());
        DbKey(k)
    }

    /// The SQLCipher raw-key pragma value: `x'…'` (64 hex digits), zeroised on drop.
    pub fn sqlcipher_literal(&self) -> Zeroizing<String> {
        let mut s = Zeroizing::new(String::with_capacity(67));
        s.push_str("x'");
        for b in self.0.iter() {
            s.push_str(&format!("{b:02x}"));
        }
        s.push('\'');
        s
    }

    pub fn duplicate(&self) -> DbKey {
        DbKey(Zeroizing::new(*self.0))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    Conseiller,
}

impl Role {
    pub fn label(self) -> &'static str {
        match self {
            Role::Admin => "administrateur·rice",
            Role::Conseiller => "conseiller·ère",
        }
    }
}

/// Who is logged in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub login: String,
    pub display_name: String,
    pub role: Role,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Slot {
    login: String,
    display_name: String,
    role: Role,
    created_at: NaiveDateTime,
    m_cost: u32,
    t_cost: u32,
    p_cost: u32,
    salt: String,
    nonce: String,
    /// The database key encrypted with the password-derived key; the login and role are
    /// authenticated data, so editing them in the file makes the slot unusable.
    wrapped: String,
}

/// A failed login, kept until the next successful login copies it into the audit log
/// (the database cannot be written without a key). Also drives the throttling.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FailedLogin {
    pub login: String,
    pub at: NaiveDateTime,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct KeyringFile {
    format: String,
    version: u32,
    slots: Vec<Slot>,
    #[serde(default)]
    failures: Vec<FailedLogin>,
}

const FORMAT: &str = "parcours-comptes";

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum AuthError {
    #[error("Identifiant ou mot de passe incorrect.")]
    WrongPassword,
    #[error("Trop d'essais manqués : réessayez dans {0} s.")]
    Throttled(i64),
    #[error("Le mot de passe doit compter au moins {MIN_PASSWORD_CHARS} caractères.")]
    TooShort,
    #[error("Les deux mots de passe ne sont pas identiques.")]
    Mismatch,
    #[error("L'identifiant « {0} » existe déjà.")]
    Exists(String),
    #[error("Identifiant vide ou invalide (lettres, chiffres, . - _ ; 32 caractères au plus).")]
    BadLogin,
    #[error("Aucun compte « {0} ».")]
    NoSuchAccount(String),
    #[error("Impossible de supprimer le dernier compte administrateur.")]
    LastAdmin,
    #[error("Réservé aux administrateur·rices.")]
    NotAdmin,
    #[error("Des comptes existent déjà pour cette base.")]
    AlreadyInitialised,
    #[error("Fichier des comptes « {0} » illisible : {1}")]
    BadFile(PathBuf, String),
    #[error("Fichier des comptes « {0} » : écriture impossible ({1})")]
    Write(PathBuf, String),
}

pub struct Keyring {
    path: PathBuf,
    file: KeyringFile,
}

/// `<db>.comptes`, beside the database.
pub fn keyring_path(db: &Path) -> PathBuf {
    let name = db
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_else(|| "parcours.db".into());
    db.with_file_name(format!("{name}.comptes"))
}

pub fn valid_login(login: &str) -> bool {
    !login.is_empty()
        && login.chars().count() <= 32
        && login
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '.' | '-' | '_'))
}

pub fn check_new_password(password: &str, confirm: &str) -> Result<(), AuthError> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(AuthError::TooShort);
    }
    if password != confirm {
        return Err(AuthError::Mismatch);
    }
    Ok(())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

fn derive(password: &str, salt: &[u8], m: u32, t: u32, p: u32) -> Option<Zeroizing<[u8; 32]>> {
    let params = Params::new(m, t, p, Some(32)).ok()?;
    let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
    let mut out = Zeroizing::new([0u8; 32]);
    argon
        .hash_password_into(password.as_bytes(), salt, out.as_mut())
        .ok()?;
    Some(out)
}

fn aad(login: &str, role: Role) -> Vec<u8> {
    format!("parcours-slot:{login}:{role:?}").into_bytes()
}

fn make_slot(key: &DbKey, account: &Account, password: &str, now: NaiveDateTime) -> Slot {
    let mut salt = [0u8; 16];
    OsRng.fill_bytes(&mut salt);
    let mut nonce = [0u8; 12];
    OsRng.fill_bytes(&mut nonce);
    let kek = derive(password, &salt, M_COST_KIB, T_COST, P_COST)
        .expect("fixed Argon2 parameters are valid");
    let cipher = ChaCha20Poly1305::new(Key::from_slice(kek.as_ref()));
    let wrapped = cipher
        .encrypt(
            Nonce::from_slice(&nonce),
            Payload {
                msg: key.0.as_ref(),
                aad: &aad(&account.login, account.role),
            },
        )
        .expect("ChaCha20-Poly1305 encryption of 32 bytes cannot fail");
    Slot {
        login: account.login.clone(),
        display_name: account.display_name.clone(),
        role: account.role,
        created_at: now,
        m_cost: M_COST_KIB,
        t_cost: T_COST,
        p_cost: P_COST,
        salt: hex(&salt),
        nonce: hex(&nonce),
        wrapped: hex(&wrapped),
    }
}

fn open_slot(slot: &Slot, password: &str) -> Option<DbKey> {
    let salt = unhex(&slot.salt)?;
    let nonce = unhex(&slot.nonce)?;
    let wrapped = unhex(&slot.wrapped)?;
    if nonce.len() != 12 {
        return None;
    }
    let kek = derive(password, &salt, slot.m_cost, slot.t_cost, slot.p_cost)?;
    let cipher = ChaCha20Poly1305::new(Key::from_slice(kek.as_ref()));
    let mut plain = cipher
        .decrypt(
            Nonce::from_slice(&nonce),
            Payload {
                msg: &wrapped,
                aad: &aad(&slot.login, slot.role),
            },
        )
        .ok()?;
    if plain.len() != 32 {
        plain.zeroize();
        return None;
    }
    let mut k = Zeroizing::new([0u8; 32]);
    k.copy_from_slice(&plain);
    plain.zeroize();
    Some(DbKey(k))
}

impl Keyring {
    pub fn exists(db: &Path) -> bool {
        keyring_path(db).exists()
    }

    pub fn load(db: &Path) -> Result<Keyring, AuthError> {
        let path = keyring_path(db);
        let text = std::fs::read_to_string(&path)
            .map_err(|e| AuthError::BadFile(path.clone(), e.to_string()))?;
        let file: KeyringFile = serde_json::from_str(&text)
            .map_err(|e| AuthError::BadFile(path.clone(), e.to_string()))?;
        if file.format != FORMAT || file.version != 1 {
            return Err(AuthError::BadFile(path, "format inconnu".into()));
        }
        Ok(Keyring { path, file })
    }

    /// First start: creates the first (admin) account and a new random database key.
    pub fn create(
        db: &Path,
        login: &str,
        display_name: &str,
        password: &str,
        now: NaiveDateTime,
    ) -> Result<(Keyring, DbKey, Account), AuthError> {
        let path = keyring_path(db);
        if path.exists() {
            return Err(AuthError::AlreadyInitialised);
        }
        if !valid_login(login) {
            return Err(AuthError::BadLogin);
        }
        if password.chars().count() < MIN_PASSWORD_CHARS {
            return Err(AuthError::TooShort);
        }
        let key = DbKey::random();
        let account = Account {
            login: login.to_string(),
            display_name: display_name.trim().to_string(),
            role: Role::Admin,
        };
        let ring = Keyring {
            path,
            file: KeyringFile {
                format: FORMAT.into(),
                version: 1,
                slots: vec![make_slot(&key, &account, password, now)],
                failures: Vec::new(),
            },
        };
        ring.save()?;
        Ok((ring, key, account))
    }

    /// Seconds to wait before the next attempt for `login` is allowed (0 = now).
    pub fn wait_secs(&self, login: &str, now: NaiveDateTime) -> i64 {
        let fails: Vec<&FailedLogin> = self
            .file
            .failures
            .iter()
            .filter(|f| f.login == login)
            .collect();
        if fails.len() < FREE_ATTEMPTS {
            return 0;
        }
        let extra = (fails.len() - FREE_ATTEMPTS) as u32;
        let delay = 2i64.saturating_pow(extra.min(20)).min(MAX_DELAY_SECS);
        let last = fails.iter().map(|f| f.at).max().unwrap_or(now);
        (last + chrono::Duration::seconds(delay) - now)
            .num_seconds()
            .max(0)
    }

    /// Unlocks the database key with a password. A failure is recorded (for throttling and
    /// for the audit log at the next successful login) and answered with one message,
    /// whether the login exists or not.
    pub fn unlock(
        &mut self,
        login: &str,
        password: &str,
        now: NaiveDateTime,
    ) -> Result<(DbKey, Account), AuthError> {
        let wait = self.wait_secs(login, now);
        if wait > 0 {
            return Err(AuthError::Throttled(wait));
        }
        let slot = self.file.slots.iter().find(|s| s.login == login).cloned();
        let key = match &slot {
            Some(s) => open_slot(s, password),
            None => {
                // Same work as a real attempt: the answer time does not tell which logins exist.
                let _ = derive(password, &[0u8; 16], M_COST_KIB, T_COST, P_COST);
                None
            }
        };
        match (key, slot) {
            (Some(key), Some(slot)) => Ok((
                key,
                Account {
                    login: slot.login,
                    display_name: slot.display_name,
                    role: slot.role,
                },
            )),
            _ => {
                self.file.failures.push(FailedLogin {
                    login: login.chars().take(64).collect(),
                    at: now,
                });
                // Keep the file small even under a brute-force attempt.
                if self.file.failures.len() > 1000 {
                    let cut = self.file.failures.len() - 1000;
                    self.file.failures.drain(..cut);
                }
                self.save()?;
                Err(AuthError::WrongPassword)
            }
        }
    }

    /// Failed logins recorded since the last successful one (still in the file).
    pub fn failures(&self) -> &[FailedLogin] {
        &self.file.failures
    }

    /// Removes these failed logins from the file, once they are in the audit log. Failures
    /// recorded since (another post) stay for the next login.
    pub fn forget_failures(&mut self, written: &[FailedLogin]) -> Result<(), AuthError> {
        let before = self.file.failures.len();
        self.file.failures.retain(|f| !written.contains(f));
        if self.file.failures.len() != before {
            self.save()?;
        }
        Ok(())
    }

    /// Failed logins recorded since the last successful one; cleared from the file (the
    /// caller writes them to the audit log).
    pub fn take_failures(&mut self) -> Result<Vec<FailedLogin>, AuthError> {
        let f = std::mem::take(&mut self.file.failures);
        if !f.is_empty() {
            self.save()?;
        }
        Ok(f)
    }

    pub fn accounts(&self) -> Vec<Account> {
        self.file
            .slots
            .iter()
            .map(|s| Account {
                login: s.login.clone(),
                display_name: s.display_name.clone(),
                role: s.role,
            })
            .collect()
    }

    /// Adds an account. `by` must be an admin who unlocked `key`.
    pub fn add_account(
        &mut self,
        by: &Account,
        key: &DbKey,
        account: Account,
        password: &str,
        now: NaiveDateTime,
    ) -> Result<(), AuthError> {
        if by.role != Role::Admin {
            return Err(AuthError::NotAdmin);
        }
        if !valid_login(&account.login) {
            return Err(AuthError::BadLogin);
        }
        if self.file.slots.iter().any(|s| s.login == account.login) {
            return Err(AuthError::Exists(account.login));
        }
        if password.chars().count() < MIN_PASSWORD_CHARS {
            return Err(AuthError::TooShort);
        }
        self.file
            .slots
            .push(make_slot(key, &account, password, now));
        self.save()
    }

    /// Removes an account's slot: its password no longer opens the database.
    pub fn remove_account(&mut self, by: &Account, login: &str) -> Result<(), AuthError> {
        if by.role != Role::Admin {
            return Err(AuthError::NotAdmin);
        }
        let Some(pos) = self.file.slots.iter().position(|s| s.login == login) else {
            return Err(AuthError::NoSuchAccount(login.to_string()));
        };
        let admins = self
            .file
            .slots
            .iter()
            .filter(|s| s.role == Role::Admin)
            .count();
        if self.file.slots[pos].role == Role::Admin && admins <= 1 {
            return Err(AuthError::LastAdmin);
        }
        self.file.slots.remove(pos);
        self.save()
    }

    /// Changes one's own password (the caller has unlocked `key` as `account`).
    pub fn change_password(
        &mut self,
        account: &Account,
        key: &DbKey,
        new_password: &str,
        now: NaiveDateTime,
    ) -> Result<(), AuthError> {
        if new_password.chars().count() < MIN_PASSWORD_CHARS {
            return Err(AuthError::TooShort);
        }
        let Some(pos) = self
            .file
            .slots
            .iter()
            .position(|s| s.login == account.login)
        else {
            return Err(AuthError::NoSuchAccount(account.login.clone()));
        };
        let mut slot = make_slot(key, account, new_password, now);
        slot.created_at = self.file.slots[pos].created_at;
        self.file.slots[pos] = slot;
        self.save()
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes the file atomically (temporary file, sync, rename).
    fn save(&self) -> Result<(), AuthError> {
        use std::io::Write;
        let err = |e: std::io::Error| AuthError::Write(self.path.clone(), e.to_string());
        let text = serde_json::to_string_pretty(&self.file)
            .map_err(|e| AuthError::Write(self.path.clone(), e.to_string()))?;
        let tmp = self.path.with_extension("comptes.tmp");
        {
            let mut f = std::fs::File::create(&tmp).map_err(err)?;
            f.write_all(text.as_bytes()).map_err(err)?;
            f.sync_all().map_err(err)?;
        }
        std::fs::rename(&tmp, &self.path).map_err(err)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> NaiveDateTime {
        chrono::NaiveDate::from_ymd_opt(2026, 11, 23)
            .unwrap()
            .and_hms_opt(10, 0, 0)
            .unwrap()
    }

    #[test]
    fn slots_wrap_the_same_key_and_wrong_passwords_fail() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("p.db");
        let (mut ring, key, admin) =
            Keyring::create(&db, "claire", "Claire F.", "correct horse battery", now()).unwrap();
        ring.add_account(
            &admin,
            &key,
            Account {
                login: "yanis".into(),
                display_name: "Yanis".into(),
                role: Role::Conseiller,
            },
            "un autre mot de passe",
            now(),
        )
        .unwrap();
        let mut ring = Keyring::load(&db).unwrap();
        let (k1, a1) = ring
            .unlock("claire", "correct horse battery", now())
            .unwrap();
        let (k2, a2) = ring
            .unlock("yanis", "un autre mot de passe", now())
            .unwrap();
        assert_eq!(*k1.sqlcipher_literal(), *key.sqlcipher_literal());
        assert_eq!(*k2.sqlcipher_literal(), *key.sqlcipher_literal());
        assert_eq!(a1.role, Role::Admin);
        assert_eq!(a2.role, Role::Conseiller);
        assert_eq!(
            ring.unlock("claire", "wrong password!!", now()).err(),
            Some(AuthError::WrongPassword)
        );
        assert_eq!(
            ring.unlock("nobody", "wrong password!!", now()).err(),
            Some(AuthError::WrongPassword)
        );
        // A removed account can no longer unlock.
        ring.remove_account(&a1, "yanis").unwrap();
        assert!(ring
            .unlock("yanis", "un autre mot de passe", now())
            .is_err());
        assert_eq!(
            ring.remove_account(&a1, "claire"),
            Err(AuthError::LastAdmin)
        );
    }

    #[test]
    fn attempts_are_throttled_after_five_failures() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("p.db");
        let (mut ring, _, _) =
            Keyring::create(&db, "claire", "Claire", "correct horse battery", now()).unwrap();
        for _ in 0..FREE_ATTEMPTS {
            let _ = ring.unlock("claire", "nope nope nope", now());
        }
        assert!(matches!(
            ring.unlock("claire", "correct horse battery", now()),
            Err(AuthError::Throttled(_))
        ));
        let later = now() + chrono::Duration::seconds(2);
        assert!(ring
            .unlock("claire", "correct horse battery", later)
            .is_ok());
        assert_eq!(ring.take_failures().unwrap().len(), FREE_ATTEMPTS);
    }

    #[test]
    fn editing_the_role_in_the_file_breaks_the_slot() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("p.db");
        let (mut ring, key, admin) =
            Keyring::create(&db, "claire", "Claire", "correct horse battery", now()).unwrap();
        ring.add_account(
            &admin,
            &key,
            Account {
                login: "yanis".into(),
                display_name: "Yanis".into(),
                role: Role::Conseiller,
            },
            "un autre mot de passe",
            now(),
        )
        .unwrap();
        let p = keyring_path(&db);
        let text = std::fs::read_to_string(&p).unwrap();
        let tampered = text.replacen("\"conseiller\"", "\"admin\"", 1);
        assert_ne!(text, tampered);
        std::fs::write(&p, tampered).unwrap();
        let mut ring = Keyring::load(&db).unwrap();
        assert!(ring
            .unlock("yanis", "un autre mot de passe", now())
            .is_err());
    }
}
