//! Opening the database for a person: unlock the key with an account, open the store
//! encrypted, and record the login in the audit log. Shared by the command line and the
//! interactive screen.

use crate::auth::{password, Account, AuthError, DbKey, FailedLogin, Keyring, Role, Unlocked};
use crate::clock::Clock;
use crate::store::{Backend, Exclusive, Store};
use std::io::IsTerminal;
use std::path::Path;
use zeroize::Zeroizing;

/// Where the base is: the local encrypted file (the default) or the shared server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Place {
    File(std::path::PathBuf),
    /// A `postgresql://` URL (`--db`, `PARCOURS_DB` or `serveur` in `reglages.toml`).
    Server(String),
}

impl Place {
    /// The file, if the base is one (what only a file has: its accounts file, its waits).
    pub fn file(&self) -> Option<&Path> {
        match self {
            Place::File(p) => Some(p),
            Place::Server(_) => None,
        }
    }
}

/// A logged-in session as the screen holds it, on either backend.
pub struct Opened {
    pub store: Box<dyn Backend>,
    pub account: Account,
    /// The file's key (wiped when dropped); the server's sessions have none on the PC.
    pub key: Option<DbKey>,
}

impl From<Session> for Opened {
    fn from(s: Session) -> Opened {
        Opened {
            store: Box::new(s.store),
            account: s.account,
            key: Some(s.key),
        }
    }
}

/// Logs in to the shared server with a staff member's own role and password (the server
/// checks it: SCRAM-SHA-256), and records the login in the server's audit log. Nothing
/// of the base is written to the PC.
pub fn login_server(
    url: &str,
    clock: Clock,
    login: &str,
    password: &str,
) -> Result<Opened, String> {
    let login = login.trim();
    let who = crate::store::server::Credentials {
        user: (!login.is_empty()).then_some(login),
        password: Some(password),
    };
    let store =
        crate::store::server::ServerStore::open(url, &who, clock).map_err(|e| e.to_string())?;
    let account = Account {
        login: store.actor().to_string(),
        display_name: store.display_name(),
        role: if store.is_admin() {
            Role::Admin
        } else {
            Role::Conseiller
        },
    };
    store
        .audit(crate::store::audit::actions::LOGIN, None)
        .map_err(|e| e.to_string())?;
    store.purge_audit().map_err(|e| e.to_string())?;
    Ok(Opened {
        store: Box::new(store),
        account,
        key: None,
    })
}

pub struct Session {
    pub store: Store,
    pub account: Account,
    pub key: DbKey,
    /// Failed attempts still to write in the audit log with the login; `None` once the
    /// login is written (see [`unlock`] and [`Session::audit_login`]).
    pending_login: Option<Vec<FailedLogin>>,
}

/// What a new database or a plain one needs before it can be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DbState {
    /// Accounts exist: log in.
    Accounts,
    /// No file (or an empty one) and no accounts: create the first (admin) account.
    New,
    /// A plain database made before accounts existed: the first account encrypts it.
    Plain,
}

pub fn db_state(path: &Path) -> DbState {
    if Keyring::exists(path) {
        DbState::Accounts
    } else if std::fs::metadata(path)
        .map(|m| m.len() > 0)
        .unwrap_or(false)
    {
        DbState::Plain
    } else {
        DbState::New
    }
}

/// Logs in with a password and opens the store; the login is in the audit log.
pub fn login(path: &Path, clock: Clock, login: &str, password: &str) -> Result<Session, String> {
    let mut s = unlock(path, clock, login, password)?;
    if s.store.is_read_only() {
        // The interactive app does not let anyone type what it could not save.
        return Err(crate::store::StoreError::ReadOnly(s.store.path().to_path_buf()).to_string());
    }
    s.audit_login()?;
    Ok(s)
}

/// Logs in and opens the store without writing anything yet: the caller writes the login
/// in the audit log ([`Session::audit_login`]) before its first change, and may first read
/// (the command line's `check` does not write into a damaged base). A refused opening (newer
/// schema, damaged file) leaves the database and the failed attempts where they were.
pub fn unlock(path: &Path, clock: Clock, login: &str, password: &str) -> Result<Session, String> {
    let mut ring = Keyring::load(path).map_err(|e| e.to_string())?;
    let unlocked = ring
        .unlock_full(login, password, clock.now())
        .map_err(|e| e.to_string())?;
    let failures = ring.failures().to_vec();
    let account = unlocked.account.clone();
    let (store, key) = open_rotated(path, clock, unlocked, &mut ring)?;
    drop(ring);
    let mut store = store;
    store.set_actor(&account.login);
    Ok(Session {
        store,
        account,
        key,
        pending_login: Some(failures),
    })
}

/// Opens the store with the key of a slot. While a key rotation is under way (begun, not
/// finished: a crash, or another window had the base open) the base opens under one of the
/// two keys: under the next one, the rotation is finished in the accounts file; under the
/// current one, the re-encryption is tried again when the base is free.
fn open_rotated(
    path: &Path,
    clock: Clock,
    u: Unlocked,
    ring: &mut Keyring,
) -> Result<(Store, DbKey), String> {
    let Some(next) = u.next else {
        let store = Store::open_keyed(path, clock, &u.key).map_err(|e| e.to_string())?;
        return Ok((store, u.key));
    };
    if let Ok(store) = Store::open_keyed(path, clock.clone(), &next) {
        // Re-encrypted already: only the accounts file was left to finish.
        let _ = ring.finish_rotation();
        return Ok((store, next));
    }
    if let Ok(ex) = Exclusive::take(path, &u.key) {
        if ex.rekey(&next).is_ok() {
            let _ = ring.finish_rotation();
            let store = Store::open_keyed(path, clock, &next).map_err(|e| e.to_string())?;
            return Ok((store, next));
        }
    }
    let store = Store::open_keyed(path, clock, &u.key).map_err(|e| e.to_string())?;
    Ok((store, u.key))
}

/// Does the account of this store hold admin rights now? Decided on the accounts file as
/// it is at this moment (a slot removed or changed since the login withdraws them at once)
/// and only on a slot written by a holder of the key the store was opened with: a slot
/// added or edited in a text editor gives nothing, and a file with a login twice is
/// refused whole.
pub fn store_is_admin(store: &Store) -> bool {
    let login = store.actor();
    match store.key() {
        Some(key) if !login.is_empty() => Keyring::load(store.path())
            .ok()
            .and_then(|ring| ring.verified_account(login, key))
            .is_some_and(|a| a.role == Role::Admin),
        _ => false,
    }
}

/// What a key rotation did.
#[derive(Debug, Clone)]
pub struct Rotation {
    /// Bytes re-encrypted.
    pub bytes: u64,
    pub elapsed: std::time::Duration,
}

/// Called about every second while a rotation takes longer than one: time elapsed and the
/// size of the base.
pub type Progress<'a> = &'a (dyn Fn(std::time::Duration, u64) + Sync);

/// Removes an account and rotates the database key: the base is re-encrypted under a new
/// random key sealed to every remaining account, so no earlier copy of the accounts file
/// (the one beside a backup included) opens it any more. Backups made before keep their
/// own key. Admin only; the base must be open nowhere else. The session is closed for the
/// re-encryption and comes back open under the new key, with the change in the audit log.
pub fn remove_account(
    s: Session,
    login: &str,
    progress: Progress,
) -> Result<(Session, Rotation), String> {
    rotate(s, Some(login), None, progress)
}

/// Changes the password of the session's account, with a new key pair, and rotates the
/// database key (see [`remove_account`]): the old password no longer opens the base, even
/// with an earlier copy of the accounts file.
pub fn change_password(
    s: Session,
    new_password: &str,
    progress: Progress,
) -> Result<(Session, Rotation), String> {
    rotate(s, None, Some(new_password), progress)
}

fn rotate(
    s: Session,
    remove: Option<&str>,
    replace: Option<&str>,
    progress: Progress,
) -> Result<(Session, Rotation), String> {
    let started = std::time::Instant::now();
    let path = s.store.path().to_path_buf();
    let clock = s.store.clock().clone();
    let account = s.account.clone();
    let key = s.key.duplicate();
    if remove.is_some() && !store_is_admin(&s.store) {
        return Err(AuthError::NotAdmin.to_string());
    }
    if let Some(pw) = replace {
        crate::auth::check_password(pw).map_err(|e| e.to_string())?;
    }
    // Our own connection closes first: the base must be free for the re-encryption.
    drop(s);
    let reopen = |key: &DbKey| -> Result<Session, String> {
        let mut store = Store::open_keyed(&path, clock.clone(), key).map_err(|e| e.to_string())?;
        store.set_actor(&account.login);
        Ok(Session {
            store,
            account: account.clone(),
            key: key.duplicate(),
            pending_login: None,
        })
    };
    let ex = match Exclusive::take(&path, &key) {
        Ok(ex) => ex,
        Err(crate::store::StoreError::Busy) => {
            return Err(format!(
                "la base « {} » est ouverte dans une autre fenêtre ou sur un autre poste : \
                 fermez parcours partout puis recommencez ; rien n'a été modifié",
                path.display()
            ))
        }
        Err(e) => return Err(e.to_string()),
    };
    let mut ring = Keyring::load(&path).map_err(|e| e.to_string())?;
    let next = match ring.begin_rotation(&account, &key, remove, replace, clock.now()) {
        Ok(n) => n,
        Err(e) => {
            drop(ex);
            return Err(e.to_string());
        }
    };
    let bytes = ex.bytes();
    let (tx, rx) = std::sync::mpsc::channel::<()>();
    let result = std::thread::scope(|scope| {
        scope.spawn(move || {
            let t0 = std::time::Instant::now();
            while let Err(std::sync::mpsc::RecvTimeoutError::Timeout) =
                rx.recv_timeout(std::time::Duration::from_secs(1))
            {
                progress(t0.elapsed(), bytes);
            }
        });
        let r = ex.rekey(&next);
        let _ = tx.send(());
        r
    });
    if let Err(e) = result {
        // The accounts file holds both keys: the base still opens under the current one,
        // and the next login finishes the re-encryption.
        return Err(format!(
            "le rechiffrement de la base a échoué ({e}) : la base reste sous l'ancienne clé et \
             le changement se terminera à la prochaine connexion"
        ));
    }
    ring.finish_rotation().map_err(|e| e.to_string())?;
    let s = reopen(&next)?;
    s.store
        .audit(crate::store::audit::actions::ACCOUNTS, None)
        .map_err(|e| e.to_string())?;
    Ok((
        s,
        Rotation {
            bytes,
            elapsed: started.elapsed(),
        },
    ))
}

impl Session {
    /// Writes the login, and the failed attempts recorded before it, in the audit log (once),
    /// then removes those attempts from the accounts file.
    pub fn audit_login(&mut self) -> Result<(), String> {
        let Some(failures) = self.pending_login.take() else {
            return Ok(());
        };
        if self.store.is_read_only() {
            // Nothing is written into a read-only base; the failed attempts stay in the
            // accounts file for the next login that can write them.
            return Ok(());
        }
        if let Err(e) = self.store.audit_login(&failures) {
            self.pending_login = Some(failures);
            return Err(e.to_string());
        }
        if !failures.is_empty() {
            // Written: a failure to tidy the accounts file only repeats them next time.
            if let Ok(mut ring) = Keyring::load(self.store.path()) {
                let _ = ring.forget_failures(&failures);
            }
        }
        Ok(())
    }
}

/// First account of a database: creates the key (and encrypts a plain database).
pub fn create_first_account(
    path: &Path,
    clock: Clock,
    login: &str,
    display_name: &str,
    password: &str,
) -> Result<Session, String> {
    let state = db_state(path);
    if state == DbState::Accounts {
        return Err("Des comptes existent déjà pour cette base : identifiez-vous.".into());
    }
    // A missing or read-only folder, or a read-only plain base (say), before the accounts
    // file is written beside the base.
    crate::store::preflight::check(path, state == DbState::New).map_err(|e| e.to_string())?;
    if state == DbState::Plain {
        // Check it is a parcours database (and bring its schema up to date) while plain.
        let store = Store::open(path, clock.clone()).map_err(|e| e.to_string())?;
        if store.is_read_only() {
            return Err(crate::store::StoreError::ReadOnly(path.to_path_buf()).to_string());
        }
    }
    // What this creation may leave: removed again if it fails, so a failed first account
    // leaves the path as it found it (a stray accounts file would make it unusable).
    let keyring = crate::auth::keyring_path(path);
    let side = |ext: &str| {
        let mut p = path.as_os_str().to_owned();
        p.push(ext);
        std::path::PathBuf::from(p)
    };
    let candidates = [
        path.to_path_buf(),
        keyring.clone(),
        keyring.with_extension("comptes.tmp"),
        crate::auth::lock_path(path),
        side("-wal"),
        side("-shm"),
        side("-journal"),
    ];
    let new_files: Vec<std::path::PathBuf> = if state == DbState::New {
        candidates.into_iter().filter(|p| !p.exists()).collect()
    } else {
        vec![keyring.clone()]
    };
    let undo = || {
        for p in &new_files {
            let _ = std::fs::remove_file(p);
        }
    };
    let (_ring, key, account) = Keyring::create(path, login, display_name, password, clock.now())
        .map_err(|e| {
        undo();
        e.to_string()
    })?;
    if state == DbState::Plain {
        if let Err(e) = crate::store::encrypt_in_place(path, &key) {
            // Without the encrypted file the new account would be useless: take it back.
            undo();
            return Err(e.to_string());
        }
    }
    let opened = Store::open_keyed(path, clock, &key).and_then(|mut store| {
        store.set_actor(&account.login);
        store.audit_login(&[])?;
        Ok(store)
    });
    let store = match opened {
        Ok(store) => store,
        Err(e) => {
            // The store is closed (dropped) before its files are removed.
            if state == DbState::New {
                undo();
            }
            return Err(e.to_string());
        }
    };
    Ok(Session {
        store,
        account,
        key,
        pending_login: None,
    })
}

/// A readable random password for the demo account (no ambiguous characters).
pub fn random_password() -> Zeroizing<String> {
    use chacha20poly1305::aead::rand_core::RngCore;
    use chacha20poly1305::aead::OsRng;
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzACDEFGHJKLMNPQRTUVWXY3479";
    let mut bytes = [0u8; 16];
    OsRng.fill_bytes(&mut bytes);
    let mut s = Zeroizing::new(String::new());
    for (i, b) in bytes.iter().enumerate() {
        if i > 0 && i % 4 == 0 {
            s.push('-');
        }
        s.push(ALPHABET[*b as usize % ALPHABET.len()] as char);
    }
    s
}

/// Command-line login: the account from `--compte` (or the only account), the password
/// from `--mot-de-passe-fichier`, the terminal, or a line of standard input. Like
/// [`unlock`], the login is not in the audit log yet: the command writes it.
pub fn cli_login(
    path: &Path,
    clock: Clock,
    account: Option<&str>,
    password_file: Option<&Path>,
) -> Result<Session, String> {
    match db_state(path) {
        DbState::New => {
            return Err(format!(
                "aucun compte pour « {} » : lancez parcours sans commande pour créer le premier compte, ou « parcours demo »",
                path.display()
            ))
        }
        DbState::Plain => {
            return Err(format!(
                "« {} » n'est pas encore chiffrée : lancez parcours sans commande pour créer le premier compte (la base sera chiffrée)",
                path.display()
            ))
        }
        DbState::Accounts => {}
    }
    let ring = Keyring::load(path).map_err(|e| e.to_string())?;
    let login = match account {
        Some(a) => a.to_string(),
        None => {
            let accounts = ring.accounts();
            if accounts.len() == 1 {
                accounts[0].login.clone()
            } else if std::io::stdin().is_terminal() {
                eprint!("Identifiant : ");
                password::read_line()?.to_string()
            } else {
                return Err("plusieurs comptes : précisez --compte IDENTIFIANT".into());
            }
        }
    };
    drop(ring);
    let pw = password::read_secret(&format!("Mot de passe de {login} : "), password_file)?;
    unlock(path, clock, &login, &pw)
}

/// Is this account allowed to administer (accounts, audit, erasure)?
pub fn is_admin(a: &Account) -> bool {
    a.role == Role::Admin
}
