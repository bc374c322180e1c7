//! The SQLite store: the only module that speaks SQL.
//!
//! Durability: WAL with `synchronous=FULL` (a committed edit survives a power cut), foreign
//! keys on, a busy timeout so a second instance waits instead of failing, and `BEGIN
//! IMMEDIATE` for every write so two writers queue up rather than deadlock on upgrade.
//!
//! One write path: every change goes through [`Store::apply`], which commits it at once
//! and returns its inverse (for undo); the audit log will hook in there too.

pub mod audit;
mod backend;
mod backup;
mod bulk;
mod cipher;
pub mod db;
mod eligibility;
mod error;
pub mod exports;
pub mod imports;
mod parcours;
pub mod preflight;
mod protect;
mod queries;
mod records;
mod report;
pub mod schema;
pub mod server;
mod sessions;
mod sql;
mod tables;

pub use backend::{read, write, Backend, CaseloadSource};
pub use backup::{opens_with, restore, restore_rekeyed, verify, BackupReport, BACKUP_DIR};
pub use cipher::{encrypt_in_place, Exclusive};
pub use eligibility::ExpiringEligibility;
pub use error::{Result, StoreError};
pub use parcours::VeilleDue;
pub use protect::{
    delete_copies, old_copies, ContactBasis, Erasure, OldCopy, RetentionRow, RETENTION_MONTHS,
};
pub use queries::{
    AgendaItem, CaseloadReader, CaseloadStart, OverdueItem, CASELOAD_SMALL, CASELOAD_SQL,
    CASELOAD_SQL_SERVER,
};

use crate::auth::DbKey;
use crate::clock::Clock;
use crate::domain::{Change, Id, PersonFile, Record};
use rusqlite::{Connection, OpenFlags, TransactionBehavior};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// SQLite could not open the base or create its WAL index beside it.
const SIDE_FILES_REFUSED: &str = "le fichier ou ceux que parcours crée à côté (-wal, -shm) ne \
     peuvent pas être ouverts : vérifiez les droits du fichier et de son dossier";

/// How long a write waits for another instance's transaction before reporting "occupée".
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Page cache during a bulk insert ([`Store::insert_files_each`]), in KiB: the indexes of
/// a 100 000-person base (appointments by start, by person…) are written in random order.
const BULK_CACHE_KIB: i64 = 128 * 1024;

pub struct Store {
    conn: Connection,
    path: PathBuf,
    clock: Clock,
    /// Whether this connection wrote: only then does closing it fold the WAL back into
    /// the main file (see [`Store::wrote`]). A cell: the audit log is written through
    /// `&self` methods too.
    wrote: std::cell::Cell<bool>,
    /// The SQLCipher key this file was opened with (zeroised on drop); backups use it too.
    key: Option<DbKey>,
    /// Account written in the audit log (set at login).
    actor: String,
    /// Opened read-only ([`preflight::access`]): every write is refused, the audit log
    /// included (see [`Store::is_read_only`]).
    read_only: bool,
}

/// Keys a fresh connection. SQLCipher's own logging is silenced: it writes to stderr on a
/// wrong key, which would garble the screen; errors are reported in the interface.
pub(crate) fn apply_key(conn: &Connection, key: &DbKey) -> Result<()> {
    silence_sqlcipher(conn);
    let sql = zeroize::Zeroizing::new(format!(
        "PRAGMA key = \"{}\";",
        key.sqlcipher_literal().as_str()
    ));
    conn.execute_batch(&sql)?;
    // Again after the key: the first key of the process activates SQLCipher, which then
    // sets its default logging (warnings, to stderr) unless logging was already set up. The
    // key itself reads nothing, so nothing can be logged before this line.
    silence_sqlcipher(conn);
    Ok(())
}

/// Turns SQLCipher's process-wide log off (no level, no destination).
pub(crate) fn silence_sqlcipher(conn: &Connection) {
    let _ = conn.execute_batch("PRAGMA cipher_log_level = NONE; PRAGMA cipher_log = off;");
}

/// What a committed change did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    /// Id of the record written (the new id for an insert).
    pub id: Id,
    /// The change that undoes this one, when undo is possible.
    pub inverse: Option<Change>,
}

impl Store {
    /// Opens (creating if needed) a database file and brings its schema up to date.
    /// Never writes to a file that is not a parcours database or is from a newer version.
    ///
    /// Without a key the file is plain SQLite (tests, tools); the application always opens
    /// with the key unlocked from an account (see [`Store::open_keyed`]).
    pub fn open(path: &Path, clock: Clock) -> Result<Store> {
        Self::open_inner(path, clock, schema::MIGRATIONS, None)
    }

    /// Opens a database encrypted with SQLCipher under `key`.
    pub fn open_keyed(path: &Path, clock: Clock, key: &DbKey) -> Result<Store> {
        Self::open_inner(path, clock, schema::MIGRATIONS, Some(key.duplicate()))
    }

    /// `open` with an explicit list of migrations: lets tests check that a failing
    /// migration leaves the previous schema intact. Not for application code.
    #[doc(hidden)]
    pub fn open_with_migrations(path: &Path, clock: Clock, migrations: &[&str]) -> Result<Store> {
        Self::open_inner(path, clock, migrations, None)
    }

    fn open_inner(
        path: &Path,
        clock: Clock,
        migrations: &[&str],
        key: Option<DbKey>,
    ) -> Result<Store> {
        // A symbolic link is followed once, here: the WAL, the backups and the accounts
        // file go beside the real base (`Store::path`), never beside the link.
        let path = &preflight::resolve(path)?;
        preflight::check_readable(path, key.is_some())?;
        let exists = std::fs::metadata(path).is_ok_and(|m| m.len() > 0);
        if exists && preflight::access(path) == preflight::Access::ReadOnly {
            return Self::open_mode(path, clock, migrations, key, true);
        }
        preflight::check_writable(path)?;
        let again = key.as_ref().map(DbKey::duplicate);
        match Self::open_mode(path, clock.clone(), migrations, key, false) {
            // A folder this user may not write to (another owner's, with its write bits):
            // SQLite could not create the WAL index beside the base, and wrote nothing.
            // Read-only after all.
            Err(StoreError::CannotOpen(_, m)) if exists && m == SIDE_FILES_REFUSED => {
                Self::open_mode(path, clock, migrations, again, true)
            }
            other => other,
        }
    }

    fn open_mode(
        path: &Path,
        clock: Clock,
        migrations: &[&str],
        key: Option<DbKey>,
        read_only: bool,
    ) -> Result<Store> {
        let conn = if read_only {
            open_read_only(path)?
        } else {
            Connection::open_with_flags(
                path,
                OpenFlags::SQLITE_OPEN_READ_WRITE
                    | OpenFlags::SQLITE_OPEN_CREATE
                    | OpenFlags::SQLITE_OPEN_NO_MUTEX,
            )
            .map_err(|e| {
                StoreError::CannotOpen(path.to_path_buf(), StoreError::from(e).to_string())
            })?
        };
        // From here on, the store owns the connection: however this ends, dropping it
        // closes the file tidily (see `Drop`).
        let mut store = Store {
            conn,
            path: path.to_path_buf(),
            clock,
            wrote: std::cell::Cell::new(false),
            key,
            actor: String::new(),
            read_only,
        };
        store.conn.busy_timeout(BUSY_TIMEOUT)?;
        if let Some(k) = &store.key {
            apply_key(&store.conn, k)?;
        }
        // SQLite folds the WAL into the main file when the last connection closes. A file
        // refused below (newer schema, damaged), or only read (check, export), must be left
        // byte-for-byte as it was, WAL included: no checkpoint on close until we write.
        store.conn.set_db_config(
            rusqlite::config::DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE,
            true,
        )?;
        // Read-only checks first: nothing below writes until we know the file is ours.
        // One statement, one snapshot: another instance may be creating the schema.
        let keyed = store.key.is_some();
        let (version, objects): (i64, i64) = store
            .conn
            .query_row(
                "SELECT (SELECT user_version FROM pragma_user_version),
                        (SELECT count(*) FROM sqlite_master)",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .map_err(|e| match (StoreError::from(e), keyed) {
                // With a key, "not a database" means the key does not fit this file.
                (StoreError::NotADatabase(_), true) => StoreError::WrongKey(path.to_path_buf()),
                // SQLite could not open the file or create its WAL index beside it.
                (StoreError::Io(_) | StoreError::ReadOnly(_), _) => {
                    StoreError::CannotOpen(path.to_path_buf(), SIDE_FILES_REFUSED.into())
                }
                (e, _) => e.at(path),
            })?;
        // Schema version 0 with tables: another application's SQLite file.
        if version == 0 && objects > 0 {
            return Err(StoreError::Foreign(path.to_path_buf()));
        }
        let latest = migrations.len() as i64;
        if version > latest {
            return Err(StoreError::TooNew {
                path: path.to_path_buf(),
                found: version,
                known: latest,
            });
        }
        if read_only {
            if version < latest {
                return Err(StoreError::CannotOpen(
                    path.to_path_buf(),
                    format!(
                        "la base est en lecture seule et son schéma (version {version}) doit \
                         d'abord être mis à jour (version {latest}) : rendez-la modifiable le \
                         temps d'une ouverture, puis remettez-la en lecture seule"
                    ),
                ));
            }
            store.configure_read_only().map_err(|e| e.at(path))?;
            return Ok(store);
        }
        store.configure().map_err(|e| e.at(path))?;
        store.migrate(migrations).map_err(|e| e.at(path))?;
        Ok(store)
    }

    /// True when the base was opened read-only (the file, its folder or its medium cannot
    /// be written): `check` and `export` work, every write is refused with
    /// [`StoreError::ReadOnly`], and nothing is added to the audit log — the file is left
    /// exactly as it is.
    pub fn is_read_only(&self) -> bool {
        self.read_only
    }

    /// The connection settings that do not write (a read-only base keeps its journal mode).
    fn configure_read_only(&self) -> Result<()> {
        self.conn.pragma_update(None, "foreign_keys", "ON")?;
        self.conn.set_prepared_statement_cache_capacity(64);
        Ok(())
    }

    /// Refuses a write on a read-only base, naming it.
    fn writable(&self) -> Result<()> {
        if self.read_only {
            return Err(StoreError::ReadOnly(self.path.clone()));
        }
        Ok(())
    }

    fn configure(&self) -> Result<()> {
        // Switching a new file to WAL needs it to itself for a moment: when instances start
        // together, SQLite reports "busy" at once instead of waiting (each holds the read
        // lock the other needs), so wait here.
        let started = std::time::Instant::now();
        let mode: String = loop {
            match self
                .conn
                .query_row("PRAGMA journal_mode=WAL", [], |r| r.get::<_, String>(0))
                .map_err(StoreError::from)
            {
                Err(StoreError::Busy) if started.elapsed() < BUSY_TIMEOUT => {
                    std::thread::sleep(Duration::from_millis(20));
                }
                other => break other?,
            }
        };
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(StoreError::Sqlite(format!(
                "mode WAL indisponible (mode obtenu : {mode})"
            )));
        }
        self.conn.pragma_update(None, "synchronous", "FULL")?;
        self.conn.pragma_update(None, "foreign_keys", "ON")?;
        // Deleted rows are overwritten with zeros, not left in free pages (right to erasure).
        self.conn.pragma_update(None, "secure_delete", "ON")?;
        // Room for every statement of the write path and the read models at once.
        self.conn.set_prepared_statement_cache_capacity(64);
        Ok(())
    }

    fn migrate(&mut self, migrations: &[&str]) -> Result<()> {
        let latest = migrations.len() as i64;
        if self.pragma_i64("user_version")? >= latest {
            return Ok(());
        }
        // A migration may rebuild a table (new, copy, drop the old, rename): with foreign
        // keys on, dropping the old one would delete its children through the cascades.
        // They are off while migrating (the pragma is a no-op inside a transaction, so it is
        // set around it), and the migration is refused if it left a dangling reference.
        self.conn.pragma_update(None, "foreign_keys", "OFF")?;
        let migrated = self.migrate_with_foreign_keys_off(migrations);
        self.conn.pragma_update(None, "foreign_keys", "ON")?;
        migrated
    }

    fn migrate_with_foreign_keys_off(&mut self, migrations: &[&str]) -> Result<()> {
        let latest = migrations.len() as i64;
        // The write lock first, then the version: another instance started at the same
        // moment may have just migrated (or created) the file.
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let current: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        if current >= latest {
            return Ok(());
        }
        let copy = if current > 0 {
            // A copy before touching an existing schema: if anything goes wrong, the
            // previous database is still there, whole. Taken through a second connection:
            // the write lock held here guarantees it is the state being migrated.
            let copy = backup::sibling(&self.path, &format!("avant-migration-v{current}"));
            backup::copy_file(&self.path, &copy, self.key.as_ref())?;
            Some(copy)
        } else {
            None
        };
        // All pending migrations and the version bump in one transaction: a failing
        // migration leaves the schema as it was.
        let failed = |to: usize, e: rusqlite::Error| StoreError::Migration {
            from: current,
            to: to as i64,
            detail: StoreError::from(e).to_string(),
            copy: copy.clone(),
        };
        let dangling = |tx: &rusqlite::Transaction| -> rusqlite::Result<i64> {
            tx.query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| {
                r.get(0)
            })
        };
        let dangling_before = dangling(&tx).map_err(|e| failed(current as usize + 1, e))?;
        for (i, sql) in migrations.iter().enumerate().skip(current as usize) {
            tx.execute_batch(sql).map_err(|e| failed(i + 1, e))?;
        }
        // A base may hold dangling references already (`check` reports them): only new
        // ones are the migration's doing.
        let dangling_after = dangling(&tx).map_err(|e| failed(migrations.len(), e))?;
        if dangling_after > dangling_before {
            return Err(StoreError::Migration {
                from: current,
                to: latest,
                detail: format!(
                    "{} référence(s) orpheline(s) après la mise à jour",
                    dangling_after - dangling_before
                ),
                copy: copy.clone(),
            });
        }
        tx.pragma_update(None, "user_version", latest)
            .map_err(|e| failed(migrations.len(), e))?;
        tx.commit().map_err(|e| failed(migrations.len(), e))?;
        self.wrote();
        Ok(())
    }

    /// Path of the WAL beside the database.
    fn wal_path(&self) -> PathBuf {
        let mut p = self.path.as_os_str().to_owned();
        p.push("-wal");
        PathBuf::from(p)
    }

    /// After a commit: this session writes, so its WAL is folded back into the main file
    /// on close (a copied `.db` file alone is then complete).
    fn wrote(&self) {
        if !self.wrote.replace(true) {
            let _ = self.conn.set_db_config(
                rusqlite::config::DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE,
                false,
            );
        }
    }

    /// Caps the file size in pages: simulates a full disk in tests. Not for application code.
    #[doc(hidden)]
    pub fn set_max_page_count(&self, pages: i64) -> Result<()> {
        self.conn
            .query_row(&format!("PRAGMA max_page_count = {pages}"), [], |_| Ok(()))?;
        Ok(())
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    pub fn pragma_i64(&self, name: &str) -> Result<i64> {
        Ok(self
            .conn
            .query_row(&format!("PRAGMA {name}"), [], |r| r.get(0))?)
    }

    pub fn pragma_string(&self, name: &str) -> Result<String> {
        Ok(self
            .conn
            .query_row(&format!("PRAGMA {name}"), [], |r| r.get(0))?)
    }

    /// Grows when another connection commits a change to the base (`PRAGMA data_version`).
    pub fn data_version(&self) -> Result<u64> {
        Ok(self.pragma_i64("data_version")?.max(0) as u64)
    }

    pub fn schema_version(&self) -> Result<i64> {
        self.pragma_i64("user_version")
    }

    /// `PRAGMA integrity_check` and `foreign_key_check`: an empty list means healthy.
    pub fn integrity_problems(&self) -> Result<Vec<String>> {
        let mut problems = Vec::new();
        let mut stmt = self.conn.prepare("PRAGMA integrity_check")?;
        let mut rows = stmt.query([])?;
        loop {
            match rows.next() {
                Ok(Some(r)) => {
                    let line: String = r.get(0)?;
                    if line != "ok" {
                        problems.push(line);
                    }
                }
                Ok(None) => break,
                // An encrypted page that fails its authentication (altered or damaged bytes)
                // stops SQLCipher's check with an error: that is what the check is for, a
                // problem to report, not a failure to run it. The rest of the file cannot be
                // trusted either, so the foreign keys are not checked.
                Err(e) => match StoreError::from(e) {
                    StoreError::Busy => return Err(StoreError::Busy),
                    other => {
                        problems.push(if self.key.is_some() {
                            "pages illisibles : contenu chiffré endommagé ou modifié".to_string()
                        } else {
                            other.to_string()
                        });
                        return Ok(problems);
                    }
                },
            }
        }
        drop(rows);
        let mut stmt = self.conn.prepare("PRAGMA foreign_key_check")?;
        let rows = stmt.query_map([], |r| {
            Ok(format!(
                "référence orpheline dans {} (ligne {})",
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1)?
            ))
        })?;
        for row in rows {
            problems.push(row?);
        }
        Ok(problems)
    }

    /// Row count of every table, for `check` and backup verification.
    pub fn table_counts(&self) -> Result<Vec<(String, i64)>> {
        let tables = self.table_names()?;
        let mut out = Vec::new();
        for t in tables {
            let n: i64 =
                self.conn
                    .query_row(&format!("SELECT count(*) FROM \"{t}\""), [], |r| r.get(0))?;
            out.push((t, n));
        }
        Ok(out)
    }

    fn table_names(&self) -> Result<Vec<String>> {
        let mut stmt = self.conn.prepare(
            "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
        )?;
        let names = stmt
            .query_map([], |r| r.get::<_, String>(0))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(names)
    }

    /// Tables that refer to a person, directly or through another table (read from the
    /// schema's foreign keys), so the export test cannot forget a future table.
    pub fn tables_referring_to_persons(&self) -> Result<Vec<String>> {
        let tables = self.table_names()?;
        let mut edges: Vec<(String, String)> = Vec::new();
        for t in &tables {
            let mut stmt = self
                .conn
                .prepare("SELECT \"table\" FROM pragma_foreign_key_list(?1)")?;
            for parent in stmt.query_map([t], |r| r.get::<_, String>(0))? {
                edges.push((t.clone(), parent?));
            }
        }
        let mut reached = vec!["persons".to_string()];
        loop {
            let before = reached.len();
            for (child, parent) in &edges {
                if reached.contains(parent) && !reached.contains(child) {
                    reached.push(child.clone());
                }
            }
            if reached.len() == before {
                break;
            }
        }
        reached.sort();
        Ok(reached)
    }

    /// The query plan of a statement (for tests checking that hot queries use indexes).
    pub fn explain(&self, sql: &str) -> Result<Vec<String>> {
        let mut stmt = self.conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}"))?;
        let rows = stmt
            .query_map([], |r| r.get::<_, String>(3))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    /// THE write path: applies one change in its own immediate transaction and commits it.
    pub fn apply(&mut self, change: &Change) -> Result<Applied> {
        self.apply_all(std::slice::from_ref(change))
            .map(|mut v| v.pop().expect("one change gives one result"))
    }

    /// [`Store::apply`] only if person `person_id`'s file is still at `version` (checked
    /// inside the write transaction, so no other instance can slip in between): otherwise
    /// [`StoreError::Conflict`] (or [`StoreError::NotFound`] when it was deleted) and
    /// nothing is written. The app's edits of an open file go through here.
    pub fn apply_if_version(
        &mut self,
        change: &Change,
        person_id: Id,
        version: i64,
    ) -> Result<Applied> {
        self.apply_checked(change, (person_id, version), false)
    }

    /// Undo: applies `change` (an inverse returned by an earlier write of this window) if
    /// person `person_id`'s file is still at `version`, as [`Store::apply_if_version`] does.
    /// That check proves nothing else changed in the file since this window last read it,
    /// so the record's own version is taken as stored: undoing two edits of one record in
    /// a row works, while an undo over another window's edit is still refused.
    pub fn undo(&mut self, change: &Change, person_id: Id, version: i64) -> Result<Applied> {
        self.apply_checked(change, (person_id, version), true)
    }

    /// Several changes in one transaction (all or nothing), e.g. a demo person's file.
    pub fn apply_all(&mut self, changes: &[Change]) -> Result<Vec<Applied>> {
        self.apply_inner(changes, None, false)
    }

    fn apply_checked(
        &mut self,
        change: &Change,
        expected: (Id, i64),
        rebase: bool,
    ) -> Result<Applied> {
        self.apply_inner(std::slice::from_ref(change), Some(expected), rebase)
            .map(|mut v| v.pop().expect("one change gives one result"))
    }

    /// `expected`: the person's file version to find; `rebase`: see [`Store::undo`].
    fn apply_inner(
        &mut self,
        changes: &[Change],
        expected: Option<(Id, i64)>,
        rebase: bool,
    ) -> Result<Vec<Applied>> {
        self.writable()?;
        let now = self.clock.now();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let out = records::apply_in(&tx, changes, expected, rebase, now, &self.actor)?;
        tx.commit()?;
        self.wrote();
        Ok(out)
    }

    /// Inserts whole new files (demo, import) in one transaction, through the same per-record
    /// write code as [`Store::apply`]. In the given files ids are 0; an action's
    /// `objective_id` / `barrier_id`, when set, is the 1-based position of the objective /
    /// barrier in the same file, remapped here to the stored ids.
    pub fn insert_files(&mut self, files: &[PersonFile]) -> Result<Vec<Id>> {
        let mut ids = Vec::with_capacity(files.len());
        self.insert_files_each(files.iter().cloned(), |id| ids.push(id))?;
        Ok(ids)
    }

    /// Turns SQLite's process-wide memory statistics off, for a process about to write a
    /// bulk insert (`parcours demo`): with them on, every allocation SQLite makes takes a
    /// global mutex to count itself (≈ 2 allocations and 4 mutex calls per bound text,
    /// cursor and record: ≈ 6 % of the instructions of `parcours demo`, `callgrind`).
    /// Nothing in parcours reads them (`sqlite3_memory_used`, heap limits). Only before
    /// SQLite's first use in the process: later it is refused (`false`), and nothing changes.
    pub fn skip_sqlite_memory_statistics() -> bool {
        // SAFETY: `sqlite3_config` is only allowed before `sqlite3_initialize` or after
        // `sqlite3_shutdown`; at any other time it returns SQLITE_MISUSE without effect.
        unsafe {
            rusqlite::ffi::sqlite3_config(rusqlite::ffi::SQLITE_CONFIG_MEMSTATUS, 0)
                == rusqlite::ffi::SQLITE_OK
        }
    }

    /// [`Store::insert_files`] for a stream of files (`parcours demo`: 100 000 files without
    /// holding them all), in ONE transaction; `inserted` gets each new person's id. The
    /// statements are the write path's own, prepared once (statement cache); each file's
    /// person row is bumped once for all its records ([`records::touch_n`]), which gives
    /// the same stored versions as one bump per record. The page cache is enlarged for the
    /// transaction: the index pages of a large base stay decrypted in memory between files.
    pub fn insert_files_each(
        &mut self,
        files: impl IntoIterator<Item = PersonFile>,
        inserted: impl FnMut(Id),
    ) -> Result<usize> {
        self.insert_files_with(files, inserted, false)
    }

    /// [`Store::insert_files_each`] for many files at once (`parcours demo`): into an empty
    /// base, WAL is left for the time of the transaction (`bulk::leave_wal`), so its pages
    /// are written once, into the file. Not for a few files (the app's first person): the
    /// two switches cost more than they save there.
    pub fn insert_files_bulk(
        &mut self,
        files: impl IntoIterator<Item = PersonFile>,
        inserted: impl FnMut(Id),
    ) -> Result<usize> {
        self.insert_files_with(files, inserted, true)
    }

    fn insert_files_with(
        &mut self,
        files: impl IntoIterator<Item = PersonFile>,
        mut inserted: impl FnMut(Id),
        many: bool,
    ) -> Result<usize> {
        self.writable()?;
        let now = self.clock.now();
        let cache: i64 = self.pragma_i64("cache_size")?;
        self.conn
            .execute_batch(&format!("PRAGMA cache_size = -{BULK_CACHE_KIB};"))?;
        // Into an empty base the pages go once into the file, not into the WAL and then
        // into the file (`bulk::leave_wal`).
        let rollback = many && bulk::is_empty(&self.conn)? && bulk::leave_wal(&self.conn)?;
        let mut result = self.insert_files_tx(files, now, &mut inserted);
        if rollback {
            let back = bulk::back_to_wal(&self.conn);
            result = result.and_then(|n| back.map(|()| n));
        }
        let _ = self
            .conn
            .execute_batch(&format!("PRAGMA cache_size = {cache};"));
        let n = result?;
        self.wrote();
        Ok(n)
    }

    fn insert_files_tx(
        &mut self,
        files: impl IntoIterator<Item = PersonFile>,
        now: chrono::NaiveDateTime,
        inserted: &mut impl FnMut(Id),
    ) -> Result<usize> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        // Into an empty base the secondary indexes are built once at the end (`bulk`).
        let dropped = if bulk::is_empty(&tx)? {
            Some(bulk::drop_secondary_indexes(&tx)?)
        } else {
            None
        };
        let mut count = 0;
        // The write path's statements, prepared once for the transaction (`bulk::Bulk`).
        let bulk = bulk::Bulk::new(&tx);
        let db: &dyn db::Exec = &bulk;
        for mut f in files {
            let person = std::mem::take(&mut f.person);
            let pid = records::insert_in_new_file(db, &Record::Person(person), now)?;
            // One audit entry per imported file, not one per row.
            audit::write(
                db,
                now,
                &self.actor,
                audit::actions::CREATE,
                Some("persons"),
                Some(pid),
                Some(pid),
            )?;
            records::insert_file_rows(db, f, pid, now)?;
            inserted(pid);
            count += 1;
        }
        // Its statements are finalized before the indexes change the schema.
        drop(bulk);
        if let Some(dropped) = dropped {
            bulk::recreate(&tx, dropped)?;
        }
        tx.commit()?;
        Ok(count)
    }

    /// See [`Backend::snapshot`]: a deferred transaction, so that every read sees one
    /// state of the file (another window's commit lands wholly before or after).
    pub fn snapshot(&self, f: &mut dyn FnMut(&dyn db::Exec) -> Result<()>) -> Result<()> {
        if !self.conn.is_autocommit() {
            return f(&self.conn);
        }
        self.conn.execute_batch("BEGIN DEFERRED")?;
        let out = f(&self.conn);
        let end = self
            .conn
            .execute_batch(if out.is_ok() { "COMMIT" } else { "ROLLBACK" });
        out?;
        end?;
        Ok(())
    }

    /// See [`Backend::transaction`]: an immediate transaction, as the write path's.
    pub fn transaction(
        &mut self,
        f: &mut dyn FnMut(&dyn db::Exec, chrono::NaiveDateTime, &str) -> Result<()>,
    ) -> Result<()> {
        self.writable()?;
        let now = self.clock.now();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        f(&tx, now, &self.actor)?;
        tx.commit()?;
        self.wrote();
        Ok(())
    }

    /// The file's rights are in its accounts file (see [`crate::session::store_is_admin`]).
    pub fn is_admin(&self) -> bool {
        crate::session::store_is_admin(self)
    }

    pub fn label(&self) -> String {
        self.path.display().to_string()
    }

    /// A file is never « disconnected ».
    pub fn connection_lost(&self) -> bool {
        false
    }

    pub fn reconnect(&mut self) -> Result<()> {
        Ok(())
    }

    /// This store is the local file.
    pub fn local(&self) -> Option<&Store> {
        Some(self)
    }

    pub fn local_mut(&mut self) -> Option<&mut Store> {
        Some(self)
    }

    /// Loads one record by kind and id.
    pub fn load(&self, kind: crate::domain::RecordKind, id: Id) -> Result<Option<Record>> {
        records::load(&self.conn, kind, id)
    }

    /// Runs `f` with a raw connection. Crate-private: for sibling modules of the store
    /// (backup) only.
    #[allow(dead_code)]
    pub(crate) fn conn(&self) -> &Connection {
        &self.conn
    }
}

/// Opens an existing base read-only without creating or changing anything beside it. With
/// no WAL to read, `immutable=1`: SQLite then needs no `-shm` index, which a read-only
/// folder or medium could not hold (nobody writes such a base; a base that someone else
/// writes has its WAL and index open beside it, and is read through them instead). Last
/// edits still in a WAL that has no index cannot be read without writing one: refused.
fn open_read_only(path: &Path) -> Result<Connection> {
    let side = |ext: &str| {
        let mut p = path.as_os_str().to_owned();
        p.push(ext);
        PathBuf::from(p)
    };
    let wal_frames = std::fs::metadata(side("-wal")).is_ok_and(|m| m.len() > 32);
    let shm = side("-shm").exists();
    if wal_frames && !shm {
        return Err(StoreError::CannotOpen(
            path.to_path_buf(),
            format!(
                "la base est en lecture seule et ses dernières modifications sont encore dans \
                 « {} », que parcours ne peut pas lire sans écrire à côté : rendez la base et \
                 son dossier modifiables le temps d'une ouverture (parcours check), puis \
                 remettez-les en lecture seule",
                side("-wal").display()
            ),
        ));
    }
    let abs = std::path::absolute(path)
        .map_err(|e| StoreError::CannotOpen(path.to_path_buf(), preflight::os_error_fr(&e)))?;
    let uri = format!(
        "file:{}?mode=ro{}",
        uri_escape(&abs.to_string_lossy()),
        if wal_frames { "" } else { "&immutable=1" }
    );
    Connection::open_with_flags(
        uri,
        OpenFlags::SQLITE_OPEN_READ_ONLY
            | OpenFlags::SQLITE_OPEN_URI
            | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| StoreError::CannotOpen(path.to_path_buf(), StoreError::from(e).to_string()))
}

/// A path as the path part of an SQLite URI: `%`, `?` and `#` escaped (on Windows, `/`
/// separators and a `/` before the drive letter, as SQLite's URIs want).
fn uri_escape(path: &str) -> String {
    let mut out = String::with_capacity(path.len() + 1);
    if cfg!(windows) && !path.starts_with(['/', '\\']) {
        out.push('/');
    }
    for c in path.chars() {
        match c {
            '\\' if cfg!(windows) => out.push('/'),
            '%' => out.push_str("%25"),
            '?' => out.push_str("%3f"),
            '#' => out.push_str("%23"),
            c => out.push(c),
        }
    }
    out
}

impl Drop for Store {
    /// A session that did not write leaves a WAL with content as it found it (see `open`).
    /// An empty WAL holds nothing to fold back: then SQLite may checkpoint on close, which
    /// only removes the empty `-wal` and `-shm` files it created.
    fn drop(&mut self) {
        if !self.wrote.get() && std::fs::metadata(self.wal_path()).map_or(true, |m| m.len() == 0) {
            let _ = self.conn.set_db_config(
                rusqlite::config::DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE,
                false,
            );
        }
    }
}
