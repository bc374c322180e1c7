use argon2::{Algorithm, Argon2, Params, Version};
use blake2::digest::Mac as _;
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
/// How a failed attempt with an identifier that has no account is recorded: what was typed
/// there may be a password typed in the wrong field, and must not be kept.
pub const UNKNOWN_LOGIN: &str = "identifiant inconnu";

/// Argon2id cost of new slots: 64 MiB, 3 passes, 1 lane — 5 times OWASP's minimum (19 MiB,
/// 2 passes) in memory × passes; about 0.1 s on an idle 2-core machine and under 0.3 s with
/// the machine loaded 4 times over (BENCHMARKS.md, « Keys »). Stored per slot: slots made at
/// another cost keep working, and a cheaper one is re-wrapped at this cost at its next login.
pub const M_COST_KIB: u32 = 64 * 1024;
pub const T_COST: u32 = 3;
pub const P_COST: u32 = 1;

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

    /// Same key (constant time is not needed: both sides are held by the caller).
    pub fn same_as(&self, other: &DbKey) -> bool {
        *self.0 == *other.0
    }

    fn from_plain(mut plain: Vec<u8>) -> Option<DbKey> {
        if plain.len() != 32 {
            plain.zeroize();
            return None;
        }
        let mut k = Zeroizing::new([0u8; 32]);
        k.copy_from_slice(&plain);
        plain.zeroize();
        Some(DbKey(k))
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

/// One account's key slot.
///
/// Format 2 (this version): the slot holds an X25519 key pair; the private key is wrapped
/// (ChaCha20-Poly1305) under a key derived from the password (Argon2id), with the login, the
/// role and the public key as authenticated data; the database key is sealed to the public
/// key (libsodium sealed box, `crypto_box`), so an admin can give a new database key to every
/// account without knowing their passwords. `tag` authenticates the slot's login, name, role
/// and public key under the database key: a slot written without the key (a text edit) has
/// no rights.
///
/// Format 1 (before): no key pair, `wrapped` is the database key itself wrapped under the
/// password-derived key. Such a slot still opens, and is converted at its owner's next login
/// (the password is needed to wrap a new private key).
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
    /// Format 1: the database key; format 2: the X25519 private key. Wrapped under the
    /// password-derived key; the login and role (and public key) are authenticated data.
    wrapped: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    public_key: Option<String>,
    /// The database key sealed to `public_key`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    sealed: Option<String>,
    /// During a key rotation: the next database key, sealed to `public_key`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    sealed_next: Option<String>,
    /// MAC of the slot's identity under the database key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    tag: Option<String>,
    /// During a key rotation: the same MAC under the next key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    tag_next: Option<String>,
}

/// A failed login, kept until the next successful login copies it into the audit log
/// (the database cannot be written without a key). Also drives the throttling.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FailedLogin {
    /// The account's login, or [`UNKNOWN_LOGIN`].
    pub login: String,
    pub at: NaiveDateTime,
    /// Refused without checking the password (the wait was not over): counts towards the
    /// delay, but does not restart it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub throttled: bool,
    /// Random: two failures of the same second stay two (see [`Keyring::forget_failures`]).
    #[serde(default)]
    pub id: u64,
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
const VERSION: u32 = 2;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum AuthError {
    #[error("Identifiant ou mot de passe incorrect.")]
    WrongPassword,
    #[error("Trop d'essais manqués : réessayez dans {0} s.")]
    Throttled(i64),
    #[error("Le mot de passe doit compter au moins {MIN_PASSWORD_CHARS} caractères.")]
    TooShort,
    #[error("{0}")]
    Weak(String),
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
    #[error(
        "Le ou les comptes {0} doivent d'abord se connecter une fois avec cette version de \
         parcours (leur mot de passe sert à créer leur clé), ou être retirés : rien n'a été modifié."
    )]
    NotConverted(String),
    #[error(
        "Un changement de la clé de la base est en cours : reconnectez-vous pour le terminer, \
         puis recommencez."
    )]
    RotationPending,
    #[error("Fichier des comptes « {0} » illisible : {1}")]
    BadFile(PathBuf, String),
    #[error("Fichier des comptes « {0} » : écriture impossible ({1})")]
    Write(PathBuf, String),
}

/// The accounts file of a database, as last read. Every change re-reads it under an
/// exclusive lock (see [`Keyring::update`]), so two posts never lose each other's changes.
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

/// `<db>.comptes.verrou`: the file locked around every change of the accounts file (the
/// accounts file itself is replaced by a rename, so it cannot carry the lock).
pub fn lock_path(db_or_ring: &Path) -> PathBuf {
    let ring = if db_or_ring.to_string_lossy().ends_with(".comptes") {
        db_or_ring.to_path_buf()
    } else {
        keyring_path(db_or_ring)
    };
    PathBuf::from(format!("{}.verrou", ring.display()))
}

pub fn valid_login(login: &str) -> bool {
    !login.is_empty()
        && login.chars().count() <= 32
        && login
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '.' | '-' | '_'))
}

/// A new password: long enough, not trivially weak (see [`super::strength`]).
pub fn check_password(password: &str) -> Result<(), AuthError> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(AuthError::TooShort);
    }
    if let Some(why) = super::strength::weakness(password) {
        return Err(AuthError::Weak(why));
    }
    Ok(())
}

pub fn check_new_password(password: &str, confirm: &str) -> Result<(), AuthError> {
    check_password(password)?;
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

/// The password derivation at the current cost, for timing (benchmarks) and for answering
/// an unknown login in the same time as a real one.
pub fn derive_at_current_cost(password: &str) {
    let _ = derive(password, &[0u8; 16], M_COST_KIB, T_COST, P_COST);
}

/// One Argon2id derivation at the given cost (benchmarks: the cost of an unlock).
#[doc(hidden)]
pub fn derive_with_cost(password: &str, m_cost_kib: u32, t_cost: u32) {
    let _ = derive(password, &[0u8; 16], m_cost_kib, t_cost, P_COST);
}

fn aad_v1(login: &str, role: Role) -> Vec<u8> {
    format!("parcours-slot:{login}:{role:?}").into_bytes()
}

fn aad_v2(login: &str, role: Role, public_key: &str) -> Vec<u8> {
    format!("parcours-slot-2:{login}:{role:?}:{public_key}").into_bytes()
}

type TagMac = blake2::Blake2bMac<blake2::digest::consts::U32>;

/// MAC of a slot's identity under the database key: only a holder of the key can write a
/// slot that gives rights.
fn slot_tag(key: &DbKey, login: &str, name: &str, role: Role, public_key: &str) -> String {
    let mut mac = <TagMac as blake2::digest::KeyInit>::new_from_slice(key.0.as_ref())
        .expect("32-byte key fits BLAKE2b");
    for part in [
        "parcours-slot-tag-2",
        login,
        name,
        &format!("{role:?}"),
        public_key,
    ] {
        mac.update(&(part.len() as u64).to_le_bytes());
        mac.update(part.as_bytes());
    }
    hex(&mac.finalize().into_bytes())
}

fn tag_ok(slot: &Slot, key: &DbKey) -> bool {
    let (Some(pk), Some(tag)) = (&slot.public_key, &slot.tag) else {
        return false;
    };
    let want = slot_tag(key, &slot.login, &slot.display_name, slot.role, pk);
    // Equal length hex strings; a timing difference tells nothing a key holder does not know.
    want == *tag
}

fn seal(key: &DbKey, public_key: &crypto_box::PublicKey) -> String {
    hex(&public_key
        .seal(&mut crypto_box::aead::OsRng, key.0.as_ref())
        .expect("sealing 32 bytes cannot fail"))
}

fn public_key_of(slot: &Slot) -> Option<crypto_box::PublicKey> {
    let bytes: [u8; 32] = unhex(slot.public_key.as_deref()?)?.try_into().ok()?;
    Some(crypto_box::PublicKey::from_bytes(bytes))
}

/// A new format-2 slot: a fresh key pair, its private key wrapped under `password`, the
/// database key (and the next one, during a rotation) sealed to it and the slot tagged.
fn make_slot(
    key: &DbKey,
    next: Option<&DbKey>,
    account: &Account,
    password: &str,
    now: NaiveDateTime,
) -> Slot {
    let secret = crypto_box::SecretKey::generate(&mut crypto_box::aead::OsRng);
    let public = secret.public_key();
    let pk = hex(public.as_bytes());
    let mut slot = Slot {
        login: account.login.clone(),
        display_name: account.display_name.clone(),
        role: account.role,
        created_at: now,
        m_cost: 0,
        t_cost: 0,
        p_cost: 0,
        salt: String::new(),
        nonce: String::new(),
        wrapped: String::new(),
        public_key: Some(pk.clone()),
        sealed: Some(seal(key, &public)),
        sealed_next: next.map(|n| seal(n, &public)),
        tag: Some(slot_tag(
            key,
            &account.login,
            &account.display_name,
            account.role,
            &pk,
        )),
        tag_next: next
            .map(|n| slot_tag(n, &account.login, &account.display_name, account.role, &pk)),
    };
    wrap_secret(&mut slot, &secret, password);
    slot
}

/// Wraps the slot's private key under `password` at the current Argon2id cost.
fn wrap_secret(slot: &mut Slot, secret: &crypto_box::SecretKey, password: &str) {
    let mut salt = [0u8; 16];
    OsRng.fill_bytes(&mut salt);
    let mut nonce = [0u8; 12];
    OsRng.fill_bytes(&mut nonce);
    let kek = derive(password, &salt, M_COST_KIB, T_COST, P_COST)
        .expect("fixed Argon2 parameters are valid");
    let cipher = ChaCha20Poly1305::new(Key::from_slice(kek.as_ref()));
    let secret_bytes = Zeroizing::new(secret.to_bytes());
    let wrapped = cipher
        .encrypt(
            Nonce::from_slice(&nonce),
            Payload {
                msg: secret_bytes.as_ref(),
                aad: &aad_v2(
                    &slot.login,
                    slot.role,
                    slot.public_key.as_deref().unwrap_or(""),
                ),
            },
        )
        .expect("ChaCha20-Poly1305 encryption of 32 bytes cannot fail");
    slot.m_cost = M_COST_KIB;
    slot.t_cost = T_COST;
    slot.p_cost = P_COST;
    slot.salt = hex(&salt);
    slot.nonce = hex(&nonce);
    slot.wrapped = hex(&wrapped);
}

/// What a password opens in a slot.
enum Opened {
    /// Format 1: the database key itself.
    Legacy(DbKey),
    /// Format 2: the private key, then what is sealed to it.
    Current {
        secret: crypto_box::SecretKey,
        key: DbKey,
        next: Option<DbKey>,
    },
}

fn open_slot(slot: &Slot, password: &str) -> Option<Opened> {
    let salt = unhex(&slot.salt)?;
    let nonce = unhex(&slot.nonce)?;
    let wrapped = unhex(&slot.wrapped)?;
    if nonce.len() != 12 {
        return None;
    }
    let kek = derive(password, &salt, slot.m_cost, slot.t_cost, slot.p_cost)?;
    let cipher = ChaCha20Poly1305::new(Key::from_slice(kek.as_ref()));
    let aad = match &slot.public_key {
        None => aad_v1(&slot.login, slot.role),
        Some(pk) => aad_v2(&slot.login, slot.role, pk),
    };
    let plain = cipher
        .decrypt(
            Nonce::from_slice(&nonce),
            Payload {
                msg: &wrapped,
                aad: &aad,
            },
        )
        .ok()?;
    if slot.public_key.is_none() {
        return DbKey::from_plain(plain).map(Opened::Legacy);
    }
    let secret_key = DbKey::from_plain(plain)?;
    let secret = crypto_box::SecretKey::from_bytes(*secret_key.0);
    // The key pair must be the slot's: a public key swapped in the file is refused here.
    if Some(secret.public_key()) != public_key_of(slot) {
        return None;
    }
    let unseal = |s: &Option<String>| -> Option<DbKey> {
        DbKey::from_plain(secret.unseal(&unhex(s.as_deref()?)?).ok()?)
    };
    let key = unseal(&slot.sealed)?;
    let next = unseal(&slot.sealed_next);
    Some(Opened::Current { secret, key, next })
}

/// What a successful unlock gives: the database key, the next one while a key rotation is
/// under way (the base opens with one of the two), and the account of the slot opened.
pub struct Unlocked {
    pub key: DbKey,
    pub next: Option<DbKey>,
    pub account: Account,
}

fn parse(path: &Path, text: &str) -> Result<KeyringFile, AuthError> {
    let file: KeyringFile =
        serde_json::from_str(text).map_err(|e| AuthError::BadFile(path.into(), e.to_string()))?;
    if file.format != FORMAT || !(1..=VERSION).contains(&file.version) {
        return Err(AuthError::BadFile(path.into(), "format inconnu".into()));
    }
    // One slot per login: a second slot with the same login (say, a copy with another
    // role) is an edit of the file, and is refused whole.
    let mut logins: Vec<&str> = file.slots.iter().map(|s| s.login.as_str()).collect();
    logins.sort_unstable();
    if let Some(w) = logins.windows(2).find(|w| w[0] == w[1]) {
        return Err(AuthError::BadFile(
            path.into(),
            format!(
                "l'identifiant « {} » y figure deux fois : le fichier a été modifié hors de parcours ; \
                 remettez celui d'une sauvegarde",
                w[0]
            ),
        ));
    }
    Ok(file)
}

fn read(path: &Path) -> Result<KeyringFile, AuthError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| AuthError::BadFile(path.into(), e.to_string()))?;
    parse(path, &text)
}

/// Holds the exclusive lock of an accounts file until dropped (`None`: no lock file could be
/// opened, see [`lock`]).
struct Lock(#[allow(dead_code)] Option<std::fs::File>);

fn lock(ring: &Path) -> Result<Lock, AuthError> {
    use fs4::fs_std::FileExt;
    let p = lock_path(ring);
    let err = |e: std::io::Error| AuthError::Write(ring.to_path_buf(), format!("verrou : {e}"));
    let opened = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&p)
        // Another user's lock file, or a read-only copy: a lock needs only a read handle.
        .or_else(|_| std::fs::File::open(&p));
    let Ok(f) = opened else {
        // No lock file and none can be made: the folder is read-only, so no post can
        // replace the accounts file there either (a change would fail at its rename).
        return Ok(Lock(None));
    };
    // flock on Unix, LockFileEx on Windows; waits for the other post (a change takes well
    // under a second, an unlock one Argon2 derivation).
    f.lock_exclusive().map_err(err)?;
    Ok(Lock(Some(f)))
}

/// Writes the file atomically: a temporary file with a name of its own (two posts never
/// share it), synced, then renamed over the file. Called with the lock held.
fn write(path: &Path, file: &KeyringFile) -> Result<(), AuthError> {
    use std::io::Write;
    let err = |e: std::io::Error| AuthError::Write(path.to_path_buf(), e.to_string());
    let text = serde_json::to_string_pretty(file)
        .map_err(|e| AuthError::Write(path.to_path_buf(), e.to_string()))?;
    let mut tag = [0u8; 6];
    OsRng.fill_bytes(&mut tag);
    let tmp = PathBuf::from(format!(
        "{}.{}-{}.tmp",
        path.display(),
        std::process::id(),
        hex(&tag)
    ));
    let result = (|| {
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)?;
        f.write_all(text.as_bytes())?;
        f.sync_all()?;
        drop(f);
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.map_err(err)
}

/// Seconds before the next attempt, from the failures recorded for one login. A failure
/// dated after `now` (a clock set forward, a file from another post) counts as now, and
/// the answer never exceeds [`MAX_DELAY_SECS`].
fn wait_for(failures: &[FailedLogin], login: &str, now: NaiveDateTime) -> i64 {
    let fails: Vec<&FailedLogin> = failures.iter().filter(|f| f.login == login).collect();
    if fails.len() < FREE_ATTEMPTS {
        return 0;
    }
    let extra = (fails.len() - FREE_ATTEMPTS) as u32;
    let delay = 2i64.saturating_pow(extra.min(20)).min(MAX_DELAY_SECS);
    let checked = fails
        .iter()
        .filter(|f| !f.throttled)
        .map(|f| f.at.min(now))
        .max();
    let last = checked
        .or_else(|| fails.iter().map(|f| f.at.min(now)).max())
        .unwrap_or(now);
    (last + chrono::Duration::seconds(delay) - now)
        .num_seconds()
        .clamp(0, MAX_DELAY_SECS)
}

fn record(file: &mut KeyringFile, login: &str, now: NaiveDateTime, throttled: bool) {
    file.failures.push(FailedLogin {
        login: login.to_string(),
        at: now,
        throttled,
        id: OsRng.next_u64(),
    });
    // Keep the file small even under a brute-force attempt.
    if file.failures.len() > 1000 {
        let cut = file.failures.len() - 1000;
        file.failures.drain(..cut);
    }
}

impl Keyring {
    pub fn exists(db: &Path) -> bool {
        keyring_path(db).exists()
    }

    /// Reads the accounts file (no lock: it is only ever replaced whole, by a rename).
    /// Refused when a login appears twice.
    pub fn load(db: &Path) -> Result<Keyring, AuthError> {
        let path = keyring_path(db);
        let file = read(&path)?;
        Ok(Keyring { path, file })
    }

    /// Read-modify-write under the exclusive lock: the file is read again once locked, `f`
    /// changes it, and it is written back (only when `f` succeeds).
    fn update<T>(
        &mut self,
        f: impl FnOnce(&mut KeyringFile) -> Result<T, AuthError>,
    ) -> Result<T, AuthError> {
        let _lock = lock(&self.path)?;
        self.file = read(&self.path)?;
        let mut file = self.file.clone();
        let out = f(&mut file)?;
        file.version = VERSION;
        write(&self.path, &file)?;
        self.file = file;
        Ok(out)
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
        if !valid_login(login) {
            return Err(AuthError::BadLogin);
        }
        check_password(password)?;
        let _lock = lock(&path)?;
        if path.exists() {
            return Err(AuthError::AlreadyInitialised);
        }
        let key = DbKey::random();
        let account = Account {
            login: login.to_string(),
            display_name: display_name.trim().to_string(),
            role: Role::Admin,
        };
        let file = KeyringFile {
            format: FORMAT.into(),
            version: VERSION,
            slots: vec![make_slot(&key, None, &account, password, now)],
            failures: Vec::new(),
        };
        write(&path, &file)?;
        Ok((Keyring { path, file }, key, account))
    }

    /// Seconds to wait before the next attempt for `login` is allowed (0 = now).
    pub fn wait_secs(&self, login: &str, now: NaiveDateTime) -> i64 {
        let recorded = if self.file.slots.iter().any(|s| s.login == login) {
            login
        } else {
            UNKNOWN_LOGIN
        };
        wait_for(&self.file.failures, recorded, now)
    }

    /// Unlocks the database key with a password (see [`Keyring::unlock_full`]).
    pub fn unlock(
        &mut self,
        login: &str,
        password: &str,
        now: NaiveDateTime,
    ) -> Result<(DbKey, Account), AuthError> {
        self.unlock_full(login, password, now)
            .map(|u| (u.key, u.account))
    }

    /// Unlocks with a password. The whole attempt runs under the lock of the accounts file,
    /// so attempts from several posts or processes are checked one after the other against
    /// every failure recorded before them. Every refused attempt is recorded (for throttling
    /// and for the audit log at the next successful login) under the login when it has an
    /// account, else as [`UNKNOWN_LOGIN`], and answered with one message either way. A slot
    /// in the old format is converted here (the password is at hand), and a slot wrapped at
    /// a lower Argon2id cost is re-wrapped at the current one.
    pub fn unlock_full(
        &mut self,
        login: &str,
        password: &str,
        now: NaiveDateTime,
    ) -> Result<Unlocked, AuthError> {
        let path = self.path.clone();
        let _lock = lock(&path)?;
        let mut file = read(&path)?;
        // A failure stamped ahead of now (a clock set forward, another post's clock) counts
        // as now, once and for all: it is re-stamped, so it ages like the others.
        for f in file.failures.iter_mut() {
            f.at = f.at.min(now);
        }
        let pos = file.slots.iter().position(|s| s.login == login);
        let recorded = if pos.is_some() { login } else { UNKNOWN_LOGIN };
        let wait = wait_for(&file.failures, recorded, now);
        if wait > 0 {
            record(&mut file, recorded, now, true);
            write(&path, &file)?;
            self.file = file;
            return Err(AuthError::Throttled(wait));
        }
        let opened = match pos {
            Some(p) => open_slot(&file.slots[p], password),
            None => {
                // Same work as a real attempt: the answer time does not tell which logins exist.
                derive_at_current_cost(password);
                None
            }
        };
        let (Some(opened), Some(pos)) = (opened, pos) else {
            record(&mut file, recorded, now, false);
            write(&path, &file)?;
            self.file = file;
            return Err(AuthError::WrongPassword);
        };
        let slot = &mut file.slots[pos];
        let account = Account {
            login: slot.login.clone(),
            display_name: slot.display_name.clone(),
            role: slot.role,
        };
        let (key, next, changed) = match opened {
            Opened::Legacy(key) => {
                // Conversion: a key pair for this account. The role is the one the password
                // authenticated (format-1 authenticated data).
                let mut fresh = make_slot(&key, None, &account, password, now);
                fresh.created_at = slot.created_at;
                *slot = fresh;
                (key, None, true)
            }
            Opened::Current { secret, key, next } => {
                let cheaper = (slot.m_cost, slot.t_cost) < (M_COST_KIB, T_COST)
                    && slot.m_cost <= M_COST_KIB
                    && slot.t_cost <= T_COST;
                if cheaper {
                    wrap_secret(slot, &secret, password);
                }
                (key, next, cheaper)
            }
        };
        if changed {
            // A file that cannot be written (read-only folder) still lets one log in; the
            // conversion is tried again at the next login.
            let mut converted = file.clone();
            converted.version = VERSION;
            if write(&path, &converted).is_ok() {
                file = converted;
            }
        }
        self.file = file;
        Ok(Unlocked { key, next, account })
    }

    /// Failed logins recorded since the last successful one (still in the file).
    pub fn failures(&self) -> &[FailedLogin] {
        &self.file.failures
    }

    /// Removes these failed logins from the file, once they are in the audit log. Failures
    /// recorded since (another post) stay for the next login.
    pub fn forget_failures(&mut self, written: &[FailedLogin]) -> Result<(), AuthError> {
        if written.is_empty() {
            return Ok(());
        }
        self.update(|file| {
            file.failures.retain(|f| !written.contains(f));
            Ok(())
        })
    }

    /// Failed logins recorded since the last successful one; cleared from the file (the
    /// caller writes them to the audit log).
    pub fn take_failures(&mut self) -> Result<Vec<FailedLogin>, AuthError> {
        self.update(|file| Ok(std::mem::take(&mut file.failures)))
    }

    /// The accounts as the file lists them (login screen, `compte liste`). Not a proof of
    /// rights: see [`Keyring::verified_account`].
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

    /// The account of `login` as the file holds it now, if its slot was written by a holder
    /// of `key` (tag valid): this is what rights are decided on. `None` for a removed
    /// account, a slot changed without the key (a text edit), a slot not yet converted, or
    /// a key that is no longer the base's (rotated since).
    pub fn verified_account(&self, login: &str, key: &DbKey) -> Option<Account> {
        let slot = self.file.slots.iter().find(|s| s.login == login)?;
        tag_ok(slot, key).then(|| Account {
            login: slot.login.clone(),
            display_name: slot.display_name.clone(),
            role: slot.role,
        })
    }

    /// Is `by`, holding `key`, an admin according to the file as it is now?
    fn check_admin(file: &KeyringFile, by: &Account, key: &DbKey) -> Result<(), AuthError> {
        let ok = file
            .slots
            .iter()
            .find(|s| s.login == by.login)
            .is_some_and(|s| s.role == Role::Admin && tag_ok(s, key));
        if ok {
            Ok(())
        } else {
            Err(AuthError::NotAdmin)
        }
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
        if !valid_login(&account.login) {
            return Err(AuthError::BadLogin);
        }
        check_password(password)?;
        // The Argon2 derivation before the lock: other posts are not kept waiting.
        let slot = make_slot(key, None, &account, password, now);
        self.update(|file| {
            Self::check_admin(file, by, key)?;
            if file.slots.iter().any(|s| s.login == account.login) {
                return Err(AuthError::Exists(account.login.clone()));
            }
            if file.slots.iter().any(|s| s.sealed_next.is_some()) {
                return Err(AuthError::RotationPending);
            }
            file.slots.push(slot);
            Ok(())
        })
    }

    /// Removes an account's slot: its password no longer opens the database through this
    /// file. Without a key rotation an earlier copy of the file still opens it: the
    /// command line and [`crate::session::remove_account`] rotate the key.
    pub fn remove_account(&mut self, by: &Account, login: &str) -> Result<(), AuthError> {
        if by.role != Role::Admin {
            return Err(AuthError::NotAdmin);
        }
        self.update(|file| {
            let Some(pos) = file.slots.iter().position(|s| s.login == login) else {
                return Err(AuthError::NoSuchAccount(login.to_string()));
            };
            let admins = file.slots.iter().filter(|s| s.role == Role::Admin).count();
            if file.slots[pos].role == Role::Admin && admins <= 1 {
                return Err(AuthError::LastAdmin);
            }
            file.slots.remove(pos);
            Ok(())
        })
    }

    /// First step of a key rotation (removing an account, changing a password): under the
    /// lock, removes the slot of `remove` and/or replaces the slot of `replace` (a new key
    /// pair under the new password), and seals a new random database key (returned) to every
    /// remaining slot beside the current one. The base opens with either key until
    /// [`Keyring::finish_rotation`]. Every remaining slot must be converted and tagged under
    /// `key`, and `by` must hold rights in the file as it is: an admin to remove an
    /// account, its own slot to change its password.
    pub fn begin_rotation(
        &mut self,
        by: &Account,
        key: &DbKey,
        remove: Option<&str>,
        replace: Option<&str>,
        now: NaiveDateTime,
    ) -> Result<DbKey, AuthError> {
        if let Some(pw) = replace {
            check_password(pw)?;
        }
        let next = DbKey::random();
        // The new slot (if any) before the lock: Argon2 takes a moment.
        let fresh = replace.map(|pw| make_slot(key, Some(&next), by, pw, now));
        self.update(|file| {
            let own = file
                .slots
                .iter()
                .find(|s| s.login == by.login)
                .filter(|s| tag_ok(s, key))
                .ok_or(AuthError::NotAdmin)?;
            if remove.is_some() && own.role != Role::Admin {
                return Err(AuthError::NotAdmin);
            }
            if let Some(login) = remove {
                let Some(pos) = file.slots.iter().position(|s| s.login == login) else {
                    return Err(AuthError::NoSuchAccount(login.to_string()));
                };
                // At least one admin whose rights hold must remain.
                let admins_left = file
                    .slots
                    .iter()
                    .enumerate()
                    .filter(|(i, s)| *i != pos && s.role == Role::Admin && tag_ok(s, key))
                    .count();
                if admins_left == 0 {
                    return Err(AuthError::LastAdmin);
                }
                file.slots.remove(pos);
            }
            if let Some(mut fresh) = fresh {
                let pos = file
                    .slots
                    .iter()
                    .position(|s| s.login == by.login)
                    .ok_or_else(|| AuthError::NoSuchAccount(by.login.clone()))?;
                fresh.created_at = file.slots[pos].created_at;
                file.slots[pos] = fresh;
            }
            let stale: Vec<String> = file
                .slots
                .iter()
                .filter(|s| s.login != by.login || replace.is_none())
                .filter(|s| !tag_ok(s, key))
                .map(|s| format!("« {} »", s.login))
                .collect();
            if !stale.is_empty() {
                return Err(AuthError::NotConverted(stale.join(", ")));
            }
            for s in file.slots.iter_mut() {
                if replace.is_some() && s.login == by.login {
                    continue; // sealed to both keys already
                }
                let pk = public_key_of(s)
                    .ok_or_else(|| AuthError::NotConverted(format!("« {} »", s.login)))?;
                let hex_pk = s.public_key.clone().unwrap_or_default();
                s.sealed_next = Some(seal(&next, &pk));
                s.tag_next = Some(slot_tag(&next, &s.login, &s.display_name, s.role, &hex_pk));
            }
            Ok(())
        })?;
        Ok(next)
    }

    /// Last step of a key rotation, once the base is re-encrypted under the next key: the
    /// next key and tags replace the current ones. From then on no earlier copy of this
    /// file opens the base.
    pub fn finish_rotation(&mut self) -> Result<(), AuthError> {
        self.update(|file| {
            for s in file.slots.iter_mut() {
                if let Some(n) = s.sealed_next.take() {
                    s.sealed = Some(n);
                    s.tag = s.tag_next.take();
                }
            }
            Ok(())
        })
    }

    /// A rotation is under way (begun, not finished).
    pub fn rotation_pending(&self) -> bool {
        self.file.slots.iter().any(|s| s.sealed_next.is_some())
    }

    /// Changes one's own password without rotating the database key (see
    /// [`crate::session::change_password`], which rotates it).
    pub fn change_password(
        &mut self,
        account: &Account,
        key: &DbKey,
        new_password: &str,
        now: NaiveDateTime,
    ) -> Result<(), AuthError> {
        check_password(new_password)?;
        let fresh = make_slot(key, None, account, new_password, now);
        self.update(|file| {
            let Some(pos) = file.slots.iter().position(|s| s.login == account.login) else {
                return Err(AuthError::NoSuchAccount(account.login.clone()));
            };
            let mut slot = fresh;
            slot.created_at = file.slots[pos].created_at;
            file.slots[pos] = slot;
            Ok(())
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
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

    fn yanis() -> Account {
        Account {
            login: "yanis".into(),
            display_name: "Yanis".into(),
            role: Role::Conseiller,
        }
    }

    #[test]
    fn slots_wrap_the_same_key_and_wrong_passwords_fail() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("p.db");
        let (mut ring, key, admin) =
            Keyring::create(&db, "claire", "Claire F.", "correct horse battery", now()).unwrap();
        ring.add_account(&admin, &key, yanis(), "un autre mot de passe", now())
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
        // The unknown identifier is not kept as typed (it may be a password).
        assert!(ring.failures().iter().all(|f| f.login != "nobody"));
        assert!(ring.failures().iter().any(|f| f.login == UNKNOWN_LOGIN));
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
        // The refused attempt counts: 6 failures, 2 s after the last one checked.
        let later = now() + chrono::Duration::seconds(2);
        assert!(ring
            .unlock("claire", "correct horse battery", later)
            .is_ok());
        assert_eq!(ring.take_failures().unwrap().len(), FREE_ATTEMPTS + 1);
    }

    #[test]
    fn failures_in_the_future_count_as_now_and_the_wait_is_capped() {
        // Failures stamped three years ahead (a clock set forward) must not lock anyone out
        // for three years: they count as now, and the wait never exceeds 5 minutes.
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("p.db");
        let (_, _, _) =
            Keyring::create(&db, "claire", "Claire", "correct horse battery", now()).unwrap();
        let p = keyring_path(&db);
        let mut v: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
        let ahead = (now() + chrono::Duration::days(3 * 365))
            .format("%Y-%m-%dT%H:%M:%S")
            .to_string();
        v["failures"] = (0..40)
            .map(|_| serde_json::json!({"login": "claire", "at": ahead}))
            .collect();
        std::fs::write(&p, serde_json::to_string(&v).unwrap()).unwrap();
        let mut ring = Keyring::load(&db).unwrap();
        match ring.unlock("claire", "correct horse battery", now()) {
            Err(AuthError::Throttled(s)) => assert!((1..=MAX_DELAY_SECS).contains(&s), "{s}"),
            other => panic!("{:?}", other.map(|_| ()).err()),
        }
        let later = now() + chrono::Duration::seconds(MAX_DELAY_SECS);
        assert!(ring
            .unlock("claire", "correct horse battery", later)
            .is_ok());
    }

    #[test]
    fn editing_the_role_in_the_file_breaks_the_slot() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("p.db");
        let (mut ring, key, admin) =
            Keyring::create(&db, "claire", "Claire", "correct horse battery", now()).unwrap();
        ring.add_account(&admin, &key, yanis(), "un autre mot de passe", now())
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
        // And it gives no rights to anyone holding the key either way.
        assert_eq!(ring.verified_account("yanis", &key), None);
        assert!(ring.verified_account("claire", &key).is_some());
    }

    #[test]
    fn a_duplicated_login_is_refused_on_load() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("p.db");
        let (mut ring, key, admin) =
            Keyring::create(&db, "claire", "Claire", "correct horse battery", now()).unwrap();
        ring.add_account(&admin, &key, yanis(), "un autre mot de passe", now())
            .unwrap();
        let p = keyring_path(&db);
        let mut v: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
        let mut copy = v["slots"][1].clone();
        copy["role"] = "admin".into();
        v["slots"].as_array_mut().unwrap().push(copy);
        std::fs::write(&p, serde_json::to_string(&v).unwrap()).unwrap();
        let err = Keyring::load(&db).err().expect("refused");
        assert!(err.to_string().contains("deux fois"), "{err}");
    }

    #[test]
    fn a_rotation_gives_every_account_the_new_key() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("p.db");
        let (mut ring, key, admin) =
            Keyring::create(&db, "claire", "Claire", "correct horse battery", now()).unwrap();
        ring.add_account(&admin, &key, yanis(), "un autre mot de passe", now())
            .unwrap();
        let next = ring
            .begin_rotation(&admin, &key, None, None, now())
            .unwrap();
        let u = ring
            .unlock_full("yanis", "un autre mot de passe", now())
            .unwrap();
        assert!(u.key.same_as(&key));
        assert!(u.next.as_ref().unwrap().same_as(&next));
        ring.finish_rotation().unwrap();
        let u = ring
            .unlock_full("yanis", "un autre mot de passe", now())
            .unwrap();
        assert!(u.key.same_as(&next) && u.next.is_none());
        assert!(ring.verified_account("claire", &next).is_some());
        assert!(ring.verified_account("claire", &key).is_none());
    }

    #[test]
    fn weak_new_passwords_are_refused_with_the_reason() {
        let err = check_new_password("aaaaaaaaaaaa", "aaaaaaaaaaaa").unwrap_err();
        assert!(matches!(err, AuthError::Weak(_)), "{err:?}");
        assert!(err.to_string().contains("répété"), "{err}");
    }
}
