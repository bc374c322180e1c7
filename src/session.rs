//! Opening the database for a person: unlock the key with an account, open the store
//! encrypted, and record the login in the audit log. Shared by the command line and the
//! interactive screen.

use crate::auth::{password, Account, DbKey, FailedLogin, Keyring, Role};
use crate::clock::Clock;
use crate::store::Store;
use std::io::IsTerminal;
use std::path::Path;
use zeroize::Zeroizing;

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
    let (key, account) = ring
        .unlock(login, password, clock.now())
        .map_err(|e| e.to_string())?;
    let failures = ring.failures().to_vec();
    drop(ring);
    let mut store = Store::open_keyed(path, clock, &key).map_err(|e| e.to_string())?;
    store.set_actor(&account.login);
    Ok(Session {
        store,
        account,
        key,
        pending_login: Some(failures),
    })
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
