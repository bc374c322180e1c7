//! The one support module of the integration tests (`mod support;` in a test file):
//! - [`app`]: the `ui_*` tests' store, `App`, key language and text renderer;
//! - [`protect`]: the `protect_*` tests' encrypted base, app driver, markers and file readers;
//! - [`pty`]: the real binary in a pseudo-terminal, and as a plain command;
//! - here: what several of them and other test files need (a keyed SQLite connection).
//!
//! Each test file uses a part of it; the rest is dead code there.

#![allow(dead_code)]

pub mod app;
pub mod pg;
pub mod protect;
pub mod pty;

use parcours::auth::{DbKey, Keyring};
use std::path::Path;

/// A connection as another SQLite tool would open the file (with the key when encrypted).
pub fn connect(db: &Path, key: Option<&DbKey>) -> rusqlite::Connection {
    let conn = rusqlite::Connection::open(db).unwrap();
    if let Some(k) = key {
        conn.execute_batch("PRAGMA cipher_log_level = NONE;")
            .unwrap();
        conn.execute_batch(&format!(
            "PRAGMA key = \"{}\";",
            k.sqlcipher_literal().as_str()
        ))
        .unwrap();
    }
    conn
}

/// The database key, unlocked with the password of the account « demo » (made by `demo`),
/// to read or alter the file as another tool would.
pub fn demo_key(db: &Path, password: &str, now: chrono::NaiveDateTime) -> DbKey {
    Keyring::load(db)
        .unwrap()
        .unlock("demo", password, now)
        .expect("demo password")
        .0
}
