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
