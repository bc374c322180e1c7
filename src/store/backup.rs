//! Online backups (SQLite backup API) and restore.
//!
//! A backup is a consistent snapshot even while another instance writes; it is verified
//! (integrity check and the same row counts as the snapshot) before it is kept.

use super::{Result, Store, StoreError};
use crate::auth::DbKey;
use rusqlite::{Connection, OpenFlags};
use std::path::{Path, PathBuf};

/// Default folder for backups, beside the database.
pub const BACKUP_DIR: &str = "sauvegardes";

#[derive(Debug, Clone)]
pub struct BackupReport {
    pub path: PathBuf,
    pub counts: Vec<(String, i64)>,
    pub bytes: u64,
    /// Older generations removed to keep the requested number.
    pub removed: Vec<PathBuf>,
    /// The `sauvegarde` audit entry could not be written (the base stayed busy).
    pub audit_missing: bool,
}

/// `<db file>.<tag>.bak` beside the database.
pub(super) fn sibling(db: &Path, tag: &str) -> PathBuf {
    let name = db
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_else(|| "parcours.db".into());
    db.with_file_name(format!("{name}.{tag}.bak"))
}

/// Copies the database file `src` (with what its WAL holds) to `dest` through a read-only
/// connection of its own: usable while another connection holds the write lock. The copy is
/// written beside `dest` and renamed over it once complete.
pub(super) fn copy_file(src: &Path, dest: &Path, key: Option<&DbKey>) -> Result<()> {
    let c = Connection::open_with_flags(src, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(|e| StoreError::Backup(e.to_string()))?;
    if let Some(k) = key {
        super::apply_key(&c, k)?;
    }
    let tmp = dest.with_extension("partiel");
    let _ = std::fs::remove_file(&tmp);
    let result = backup_conn(&c, &tmp, key)
        .and_then(|()| std::fs::rename(&tmp, dest).map_err(|e| StoreError::Backup(e.to_string())));
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// Copies what `src` sees to a new file `dest`, in one snapshot, as a self-contained file.
/// An encrypted source gives an encrypted copy, under the same key.
fn backup_conn(src: &Connection, dest: &Path, key: Option<&DbKey>) -> Result<()> {
    let mut out = Connection::open(dest).map_err(|e| StoreError::Backup(e.to_string()))?;
    if let Some(k) = key {
        super::apply_key(&out, k)?;
    }
    let b = rusqlite::backup::Backup::new(src, &mut out)
        .map_err(|e| StoreError::Backup(e.to_string()))?;
    // All pages in one step: the source is read in one snapshot.
    b.step(-1).map_err(|e| StoreError::Backup(e.to_string()))?;
    drop(b);
    // A backup is a single self-contained file (no WAL beside it).
    out.pragma_update(None, "journal_mode", "DELETE")
        .map_err(|e| StoreError::Backup(e.to_string()))?;
    Ok(())
}

impl Store {
    /// Copies the database to `dest` (which must not exist) with the backup API, in one
    /// consistent snapshot. No verification: see [`Store::backup`].
    pub(super) fn backup_raw(&self, dest: &Path) -> Result<()> {
        backup_conn(&self.conn, dest, self.key.as_ref())
    }

    /// Takes a verified backup. `dest` is a folder (a dated file is created in it and only
    /// the `keep` most recent backups of that folder are kept) or a file path.
    pub fn backup(&self, dest: Option<&Path>, keep: usize) -> Result<BackupReport> {
        let now = self.clock.now();
        let dir_default = self
            .path
            .parent()
            .map(|p| p.join(BACKUP_DIR))
            .unwrap_or_else(|| PathBuf::from(BACKUP_DIR));
        let (dir, file) = match dest {
            Some(d) if d.extension().is_some() && !d.is_dir() => (
                d.parent().map(Path::to_path_buf).unwrap_or_default(),
                Some(d.to_path_buf()),
            ),
            Some(d) => (d.to_path_buf(), None),
            None => (dir_default, None),
        };
        if !dir.as_os_str().is_empty() {
            std::fs::create_dir_all(&dir)
                .map_err(|e| StoreError::Backup(format!("dossier « {} » : {e}", dir.display())))?;
        }
        let target = file.unwrap_or_else(|| {
            // Two backups in the same second get -2, -3... (names still sort by date).
            let stamp = now.format("%Y%m%d-%H%M%S").to_string();
            let mut p = dir.join(format!("parcours-{stamp}.db"));
            let mut n = 2;
            while p.exists() {
                p = dir.join(format!("parcours-{stamp}-{n}.db"));
                n += 1;
            }
            p
        });
        if target.exists() {
            return Err(StoreError::Backup(format!(
                "« {} » existe déjà",
                target.display()
            )));
        }
        let tmp = target.with_extension("db.partiel");
        let _ = std::fs::remove_file(&tmp);
        // Counts and copy from the same snapshot: one read transaction around both.
        self.conn.execute_batch("BEGIN")?;
        let result = (|| {
            let counts = self.table_counts()?;
            self.backup_raw(&tmp)?;
            Ok::<_, StoreError>(counts)
        })();
        let _ = self.conn.execute_batch("COMMIT");
        let counts = match result {
            Ok(c) => c,
            Err(e) => {
                let _ = std::fs::remove_file(&tmp);
                return Err(e);
            }
        };
        if let Err(e) = verify(&tmp, &counts, self.key.as_ref()) {
            let _ = std::fs::remove_file(&tmp);
            return Err(e);
        }
        std::fs::rename(&tmp, &target).map_err(|e| StoreError::Backup(e.to_string()))?;
        // The accounts file travels with the backup, so the backup opens on its own with
        // the accounts of that day (the database key never changes).
        let ring = crate::auth::keyring_path(&self.path);
        if ring.exists() {
            std::fs::copy(&ring, crate::auth::keyring_path(&target))
                .map_err(|e| StoreError::Backup(format!("fichier des comptes : {e}")))?;
        }
        // In the log of the base (not of the copy, taken before): who made a backup, when.
        // Another instance writing without pause may keep the write lock past the busy
        // timeout: the backup is kept all the same, and the report says the entry is missing.
        let _ = self
            .conn
            .busy_timeout(std::time::Duration::from_millis(500));
        let audited = super::audit::write(
            &self.conn,
            now,
            &self.actor,
            super::audit::actions::BACKUP,
            None,
            None,
            None,
        );
        let _ = self.conn.busy_timeout(super::BUSY_TIMEOUT);
        if audited.is_ok() {
            self.wrote();
        }
        let bytes = std::fs::metadata(&target).map(|m| m.len()).unwrap_or(0);
        let removed = if dest.is_none_or(|d| d.is_dir()) {
            prune(&dir, keep)
        } else {
            Vec::new()
        };
        Ok(BackupReport {
            path: target,
            counts,
            bytes,
            removed,
            audit_missing: audited.is_err(),
        })
    }
}

/// Opens a backup read-only and checks integrity and row counts.
pub fn verify(path: &Path, expected: &[(String, i64)], key: Option<&DbKey>) -> Result<()> {
    let c = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(|e| StoreError::Backup(e.to_string()))?;
    if let Some(k) = key {
        super::apply_key(&c, k)?;
    }
    let check: String = c
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .map_err(|e| StoreError::Backup(e.to_string()))?;
    if check != "ok" {
        return Err(StoreError::Backup(format!("copie endommagée : {check}")));
    }
    for (table, n) in expected {
        let got: i64 = c
            .query_row(&format!("SELECT count(*) FROM \"{table}\""), [], |r| {
                r.get(0)
            })
            .map_err(|e| StoreError::Backup(e.to_string()))?;
        if got != *n {
            return Err(StoreError::Backup(format!(
                "la copie a {got} lignes dans {table} au lieu de {n}"
            )));
        }
    }
    Ok(())
}

/// The order of a backup made by [`Store::backup`] from its name,
/// `parcours-AAAAMMJJ-HHMMSS.db` or `parcours-AAAAMMJJ-HHMMSS-N.db` (the N-th of a
/// second): `None` for any other file, which pruning never touches.
fn backup_rank(name: &str) -> Option<(String, u32)> {
    let rest = name.strip_prefix("parcours-")?.strip_suffix(".db")?;
    let (stamp, n) = match rest.get(15..) {
        Some("") => (rest, 1),
        Some(suffix) => (&rest[..15], suffix.strip_prefix('-')?.parse().ok()?),
        None => return None,
    };
    let b = stamp.as_bytes();
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    (b.len() == 15 && digits(0..8) && b[8] == b'-' && digits(9..15)).then(|| (stamp.to_string(), n))
}

/// Keeps the `keep` most recent backups made by parcours in `dir`; other files are left.
fn prune(dir: &Path, keep: usize) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut backups: Vec<((String, u32), PathBuf)> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter_map(|p| {
            let rank = backup_rank(&p.file_name()?.to_string_lossy())?;
            Some((rank, p))
        })
        .collect();
    // Date and time, then the number within the second: chronological.
    backups.sort();
    let excess = backups.len().saturating_sub(keep.max(1));
    let mut removed = Vec::new();
    for (_, p) in backups.into_iter().take(excess) {
        if std::fs::remove_file(&p).is_ok() {
            // Its accounts file goes with it.
            let _ = std::fs::remove_file(crate::auth::keyring_path(&p));
            removed.push(p);
        }
    }
    removed
}

/// Puts a backup back in place of `db`: the backup is verified and copied beside the
/// database first; then, only if no other instance has the database open, the current file
/// (with its WAL) is moved aside as `<db>.avant-restauration-<date>.bak` and the copy is
/// renamed over it. Any refusal leaves every file as it was.
///
/// The audit log does not go back with the data: the entries of the current base newer
/// than the backup are carried over into the restored copy, followed by the restore itself
/// (by `actor`). A current base too damaged to read gives only the restore entry.
pub fn restore(
    src: &Path,
    db: &Path,
    now: chrono::NaiveDateTime,
    key: Option<&DbKey>,
    actor: &str,
) -> Result<PathBuf> {
    restore_rekeyed(src, key, db, now, key, actor)
}

/// Does the backup `src` open under `key`? (A backup made before a key rotation keeps the
/// key of its day.)
pub fn opens_with(src: &Path, key: &DbKey) -> bool {
    Connection::open_with_flags(src, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .ok()
        .filter(|c| super::apply_key(c, key).is_ok())
        .is_some_and(|c| {
            c.query_row("SELECT count(*) FROM sqlite_master", [], |_| Ok(()))
                .is_ok()
        })
}

/// [`restore`] of a backup made under another key (before a key rotation): `src` is read
/// under `src_key` and the restored base is re-encrypted under the base's current `key`, so
/// the current accounts open it (and an account removed since stays removed).
pub fn restore_rekeyed(
    src: &Path,
    src_key: Option<&DbKey>,
    db: &Path,
    now: chrono::NaiveDateTime,
    key: Option<&DbKey>,
    actor: &str,
) -> Result<PathBuf> {
    let rekey_to = match (src_key, key) {
        (Some(s), Some(k)) if !s.same_as(k) => Some(k),
        _ => None,
    };
    // Until the copy is made, `key` is the backup's.
    let key = src_key;
    super::preflight::check_readable(src, key.is_some())?;
    // A read-only base is not replaced either (its mode bits say so, even to root).
    if std::fs::metadata(db).is_ok_and(|m| m.len() > 0)
        && super::preflight::access(db) == super::preflight::Access::ReadOnly
    {
        return Err(StoreError::ReadOnly(db.to_path_buf()));
    }
    if !src.is_file() {
        return Err(StoreError::Restore(format!(
            "« {} » n'existe pas",
            src.display()
        )));
    }
    let c = Connection::open_with_flags(src, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(|e| StoreError::from(e).at(src))?;
    if let Some(k) = key {
        super::apply_key(&c, k)?;
    }
    let version: i64 = c
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(|e| match (StoreError::from(e), key) {
            // With the base's key, "not a database": not a backup of this base.
            (StoreError::NotADatabase(_), Some(_)) => StoreError::Restore(format!(
                "« {} » ne s'ouvre pas avec la clé de cette base : ce n'est pas une sauvegarde \
                 de cette base (ou elle est endommagée) ; rien n'a été modifié",
                src.display()
            )),
            (e, _) => e.at(src),
        })?;
    if version == 0 || version > super::schema::LATEST {
        return Err(StoreError::Restore(format!(
            "« {} » n'est pas une sauvegarde utilisable (schéma {version}) ; rien n'a été modifié",
            src.display()
        )));
    }
    let check: String = c
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .map_err(|e| match StoreError::from(e) {
            StoreError::Busy => StoreError::Busy,
            // SQLCipher stops its check with an error on a page that fails authentication.
            _ => StoreError::Restore(format!(
                "la sauvegarde « {} » est endommagée (pages illisibles) ; rien n'a été modifié",
                src.display()
            )),
        })?;
    if check != "ok" {
        return Err(StoreError::Restore(format!(
            "la sauvegarde « {} » est endommagée ({check}) ; rien n'a été modifié",
            src.display()
        )));
    }
    // The copy first, beside the database: if that fails, nothing was touched.
    let tmp = db.with_extension("restauration.partiel");
    let _ = std::fs::remove_file(&tmp);
    if let Err(e) = backup_conn(&c, &tmp, key) {
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    drop(c);
    // From here on, the copy and the current base are under the base's key.
    let key = match rekey_to {
        Some(current) => {
            let r = Connection::open(&tmp)
                .map_err(|e| StoreError::Restore(e.to_string()))
                .and_then(|t| {
                    if let Some(k) = key {
                        super::apply_key(&t, k)?;
                    }
                    t.execute_batch(&zeroize::Zeroizing::new(format!(
                        "PRAGMA rekey = \"{}\";",
                        current.sqlcipher_literal().as_str()
                    )))?;
                    Ok(())
                });
            if let Err(e) = r {
                let _ = std::fs::remove_file(&tmp);
                return Err(e);
            }
            Some(current)
        }
        None => key,
    };
    let aside = sibling(
        db,
        &format!("avant-restauration-{}", now.format("%Y%m%d-%H%M%S")),
    );
    if db.exists() {
        if let Err(e) = take_over(db, key) {
            let _ = std::fs::remove_file(&tmp);
            return Err(e);
        }
        if let Err(e) = carry_audit(&tmp, db, key, now, actor) {
            let _ = std::fs::remove_file(&tmp);
            return Err(e);
        }
        std::fs::rename(db, &aside).map_err(|e| StoreError::Io(e.to_string()))?;
        // A WAL left (when the current file could not be checkpointed: a damaged base)
        // goes with it; the index (-shm) is rebuilt from the WAL.
        let side = |p: &Path, ext: &str| PathBuf::from(format!("{}{ext}", p.display()));
        if side(db, "-wal").exists() {
            let _ = std::fs::rename(side(db, "-wal"), side(&aside, "-wal"));
        }
        let _ = std::fs::remove_file(side(db, "-shm"));
    } else if let Err(e) = carry_audit(&tmp, db, key, now, actor) {
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    std::fs::rename(&tmp, db).map_err(|e| StoreError::Io(e.to_string()))?;
    Ok(aside)
}

/// Into the restored copy `copy`: the audit entries of the current base `db` made after the
/// backup (ids above the backup's last one: ids only grow), then the restore entry.
fn carry_audit(
    copy: &Path,
    db: &Path,
    key: Option<&DbKey>,
    now: chrono::NaiveDateTime,
    actor: &str,
) -> Result<()> {
    let c = Connection::open(copy).map_err(|e| StoreError::Restore(e.to_string()))?;
    if let Some(k) = key {
        super::apply_key(&c, k)?;
    }
    let has_audit: bool = c.query_row(
        "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE name = 'audit')",
        [],
        |r| r.get(0),
    )?;
    if !has_audit {
        return Ok(());
    }
    let last: i64 = c.query_row("SELECT coalesce(max(id), 0) FROM audit", [], |r| r.get(0))?;
    if db.exists() {
        let attach = zeroize::Zeroizing::new(format!(
            "ATTACH DATABASE '{}' AS cur KEY \"{}\";",
            db.display().to_string().replace('\'', "''"),
            key.map(|k| k.sqlcipher_literal().to_string())
                .unwrap_or_default()
        ));
        if c.execute_batch(&attach).is_ok() {
            super::silence_sqlcipher(&c);
            // A current base that cannot be read (the reason for restoring, often) has no
            // entries to give: the restore entry is written all the same.
            let _ = c.execute(
                "INSERT INTO main.audit (at, actor, action, record_kind, record_id, person_id)
                 SELECT at, actor, action, record_kind, record_id, person_id FROM cur.audit
                 WHERE id > ?1 ORDER BY id",
                [last],
            );
            let _ = c.execute_batch("DETACH DATABASE cur");
        }
    }
    super::audit::write(
        &c,
        now,
        actor,
        super::audit::actions::RESTORE,
        None,
        None,
        None,
    )?;
    c.pragma_update(None, "journal_mode", "DELETE")
        .map_err(|e| StoreError::Restore(e.to_string()))?;
    Ok(())
}

/// Makes sure no other connection has `db` open (another window of parcours would go on
/// writing into the file set aside) and folds its WAL into it, so the file set aside is
/// complete on its own. A damaged current base is no reason to refuse: it is set aside
/// as it is.
fn take_over(db: &Path, key: Option<&DbKey>) -> Result<()> {
    let busy = || {
        StoreError::Restore(format!(
            "la base « {} » est ouverte dans une autre fenêtre ou sur un autre poste : \
             fermez parcours partout puis recommencez ; rien n'a été modifié",
            db.display()
        ))
    };
    let cur = match Connection::open_with_flags(db, OpenFlags::SQLITE_OPEN_READ_WRITE) {
        Ok(c) => c,
        Err(_) => return Ok(()),
    };
    if let Some(k) = key {
        super::apply_key(&cur, k)?;
    }
    let _ = cur.busy_timeout(std::time::Duration::from_secs(2));
    // In exclusive locking mode, the first read of a WAL base takes an exclusive lock on
    // the file, which fails while any other connection has it open.
    let locked = cur
        .pragma_update(None, "locking_mode", "EXCLUSIVE")
        .and_then(|()| cur.query_row("SELECT count(*) FROM sqlite_master", [], |_| Ok(())))
        .and_then(|()| {
            cur.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| {
                r.get::<_, i64>(0)
            })
        });
    match locked.map_err(StoreError::from) {
        Ok(0) => Ok(()),
        Ok(_) | Err(StoreError::Busy) => Err(busy()),
        // Not readable as a database: nothing can be using it, set it aside as it is.
        Err(_) => Ok(()),
    }
}
