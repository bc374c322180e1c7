//! Turning a plain (unencrypted) database into an encrypted one, when the first account is
//! created on a database made before accounts existed.

use super::{Result, StoreError};
use crate::auth::DbKey;
use rusqlite::Connection;
use std::path::{Path, PathBuf};

/// Rewrites the plain database at `path` encrypted under `key` (SQLCipher's
/// `sqlcipher_export`), then replaces the plain file. The plain file is deleted: a copy
/// left on disk would defeat the encryption.
pub fn encrypt_in_place(path: &Path, key: &DbKey) -> Result<()> {
    let tmp = PathBuf::from(format!("{}.chiffrement.partiel", path.display()));
    let _ = std::fs::remove_file(&tmp);
    {
        let conn = Connection::open(path).map_err(|e| StoreError::from(e).at(path))?;
        conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        let attach = zeroize::Zeroizing::new(format!(
            "ATTACH DATABASE '{}' AS enc KEY \"{}\";",
            tmp.display().to_string().replace('\'', "''"),
            key.sqlcipher_literal().as_str()
        ));
        conn.execute_batch(&attach)?;
        // The first key of the process turns SQLCipher's default logging on: off again.
        super::silence_sqlcipher(&conn);
        conn.query_row("SELECT sqlcipher_export('enc')", [], |_| Ok(()))?;
        // sqlcipher_export copies the schema and rows, not the schema version.
        conn.execute_batch(&format!(
            "PRAGMA enc.user_version = {version}; DETACH DATABASE enc;"
        ))?;
    }
    for ext in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{ext}", path.display()));
    }
    std::fs::rename(&tmp, path).map_err(|e| StoreError::Io(e.to_string()))?;
    Ok(())
}

impl super::Store {
    /// The key this store was opened with (rights are checked against it: see
    /// [`crate::session::store_is_admin`]).
    pub(crate) fn key(&self) -> Option<&DbKey> {
        self.key.as_ref()
    }
}

/// The base opened alone, for a key rotation: no other connection (another window, another
/// post) may have it open while its pages are re-encrypted, or it would go on with the old
/// key. Held from before the accounts file changes until the base is re-encrypted.
pub struct Exclusive {
    conn: Connection,
    path: PathBuf,
}

impl Exclusive {
    /// Opens the base under `key` and takes it for this connection alone (SQLite exclusive
    /// locking mode: the first read of a WAL base takes an exclusive lock, refused while any
    /// other connection has it open), with the WAL folded into the main file.
    pub fn take(path: &Path, key: &DbKey) -> Result<Exclusive> {
        let busy = || StoreError::Busy;
        let conn = Connection::open_with_flags(
            path,
            rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| StoreError::from(e).at(path))?;
        super::apply_key(&conn, key)?;
        conn.busy_timeout(std::time::Duration::from_secs(2))?;
        conn.pragma_update(None, "locking_mode", "EXCLUSIVE")?;
        conn.query_row("SELECT count(*) FROM sqlite_master", [], |_| Ok(()))
            .map_err(|e| StoreError::from(e).at(path))?;
        let busy_pages: i64 =
            conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| r.get(0))?;
        if busy_pages != 0 {
            return Err(busy());
        }
        Ok(Exclusive {
            conn,
            path: path.to_path_buf(),
        })
    }

    /// Size of the base in bytes (for the progress shown during a rotation).
    pub fn bytes(&self) -> u64 {
        std::fs::metadata(&self.path).map(|m| m.len()).unwrap_or(0)
    }

    /// Re-encrypts every page under `new` (SQLCipher `PRAGMA rekey`, in one transaction:
    /// a crash leaves the base under the old key), then checks it opens under `new`. The
    /// base leaves WAL mode for the rekey (SQLCipher 4 rekeys in rollback-journal mode) and
    /// goes back to it.
    pub fn rekey(self, new: &DbKey) -> Result<()> {
        let conn = self.conn;
        let mode: String = conn.query_row("PRAGMA journal_mode = DELETE", [], |r| r.get(0))?;
        if !mode.eq_ignore_ascii_case("delete") {
            return Err(StoreError::Busy);
        }
        let sql = zeroize::Zeroizing::new(format!(
            "PRAGMA rekey = \"{}\";",
            new.sqlcipher_literal().as_str()
        ));
        conn.execute_batch(&sql)?;
        conn.query_row("PRAGMA journal_mode = WAL", [], |_| Ok(()))?;
        drop(conn);
        let check =
            Connection::open_with_flags(&self.path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
                .map_err(|e| StoreError::from(e).at(&self.path))?;
        super::apply_key(&check, new)?;
        check
            .query_row("SELECT count(*) FROM sqlite_master", [], |_| Ok(()))
            .map_err(|e| StoreError::from(e).at(&self.path))?;
        Ok(())
    }
}
