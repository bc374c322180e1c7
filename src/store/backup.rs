//! Online backups (SQLite backup API) and restore.
//!
//! A backup is a consistent snapshot even while another instance writes; it is verified
//! (integrity check and the same row counts as the snapshot) before it is kept.

use super::{Result, Store, StoreError};
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
pub(super) fn copy_file(src: &Path, dest: &Path) -> Result<()> {
    let c = Connection::open_with_flags(src, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(|e| StoreError::Backup(e.to_string()))?;
    let tmp = dest.with_extension("partiel");
    let _ = std::fs::remove_file(&tmp);
    let result = backup_conn(&c, &tmp)
        .and_then(|()| std::fs::rename(&tmp, dest).map_err(|e| StoreError::Backup(e.to_string())));
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// Copies what `src` sees to a new file `dest`, in one snapshot, as a self-contained file.
fn backup_conn(src: &Connection, dest: &Path) -> Result<()> {
    let mut out = Connection::open(dest).map_err(|e| StoreError::Backup(e.to_string()))?;
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
        backup_conn(&self.conn, dest)
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
        if let Err(e) = verify(&tmp, &counts) {
            let _ = std::fs::remove_file(&tmp);
            return Err(e);
        }
        std::fs::rename(&tmp, &target).map_err(|e| StoreError::Backup(e.to_string()))?;
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
        })
    }
}

/// Opens a backup read-only and checks integrity and row counts.
pub fn verify(path: &Path, expected: &[(String, i64)]) -> Result<()> {
    let c = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(|e| StoreError::Backup(e.to_string()))?;
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

/// Keeps the `keep` most recent `parcours-*.db` backups in `dir`.
fn prune(dir: &Path, keep: usize) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut backups: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .map(|n| n.to_string_lossy())
                .is_some_and(|n| n.starts_with("parcours-") && n.ends_with(".db"))
        })
        .collect();
    // Names carry the date: lexical order is chronological.
    backups.sort();
    let excess = backups.len().saturating_sub(keep.max(1));
    let mut removed = Vec::new();
    for p in backups.into_iter().take(excess) {
        if std::fs::remove_file(&p).is_ok() {
            removed.push(p);
        }
    }
    removed
}

/// Puts a backup back in place of `db`: the backup is verified first, the current file
/// (with its WAL) is moved aside as `<db>.avant-restauration-<date>.bak`, then the copy is
/// written beside the database and renamed over it.
pub fn restore(src: &Path, db: &Path, now: chrono::NaiveDateTime) -> Result<PathBuf> {
    super::preflight::check(src)?;
    let c = Connection::open_with_flags(src, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(|e| StoreError::from(e).at(src))?;
    let version: i64 = c
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(|e| StoreError::from(e).at(src))?;
    if version == 0 || version > super::schema::LATEST {
        return Err(StoreError::Backup(format!(
            "« {} » n'est pas une sauvegarde utilisable (schéma {version})",
            src.display()
        )));
    }
    let check: String = c.query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
    if check != "ok" {
        return Err(StoreError::Backup(format!(
            "sauvegarde endommagée : {check}"
        )));
    }
    // Make sure no other instance is writing, and fold the WAL into the current file so
    // the copy set aside is complete.
    let aside = sibling(
        db,
        &format!("avant-restauration-{}", now.format("%Y%m%d-%H%M%S")),
    );
    if db.exists() {
        let cur = Connection::open(db).map_err(|e| StoreError::from(e).at(db))?;
        cur.busy_timeout(std::time::Duration::from_secs(5))?;
        cur.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        drop(cur);
        std::fs::rename(db, &aside).map_err(|e| StoreError::Io(e.to_string()))?;
        for ext in ["-wal", "-shm"] {
            let side = PathBuf::from(format!("{}{ext}", db.display()));
            let _ = std::fs::remove_file(side);
        }
    }
    let tmp = db.with_extension("restauration.partiel");
    let mut out = Connection::open(&tmp).map_err(|e| StoreError::Backup(e.to_string()))?;
    {
        let b = rusqlite::backup::Backup::new(&c, &mut out)
            .map_err(|e| StoreError::Backup(e.to_string()))?;
        b.step(-1).map_err(|e| StoreError::Backup(e.to_string()))?;
    }
    drop(out);
    std::fs::rename(&tmp, db).map_err(|e| StoreError::Io(e.to_string()))?;
    Ok(aside)
}
