//! The SQLite store: the only module that speaks SQL.
//!
//! Durability: WAL with `synchronous=FULL` (a committed edit survives a power cut), foreign
//! keys on, a busy timeout so a second instance waits instead of failing, and `BEGIN
//! IMMEDIATE` for every write so two writers queue up rather than deadlock on upgrade.
//!
//! One write path: every change goes through [`Store::apply`], which commits it at once
//! and returns its inverse (for undo); the audit log will hook in there too.

pub mod audit;
mod backup;
mod cipher;
mod error;
pub mod preflight;
mod protect;
mod queries;
mod records;
pub mod schema;

pub use backup::{restore, verify, BackupReport, BACKUP_DIR};
pub use cipher::encrypt_in_place;
pub use error::{Result, StoreError};
pub use protect::{ContactBasis, Erasure, RetentionRow, RETENTION_MONTHS};
pub use queries::{AgendaItem, OverdueItem, CASELOAD_SQL};

use crate::auth::DbKey;
use crate::clock::Clock;
use crate::domain::{
    Appointment, Barrier, Change, Diagnostic, Id, Note, Objective, PersonFile, PlanAction, Record,
    Suivi,
};
use rusqlite::{Connection, OpenFlags, TransactionBehavior};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How long a write waits for another instance's transaction before reporting "occupée".
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

pub struct Store {
    conn: Connection,
    path: PathBuf,
    clock: Clock,
    /// The SQLCipher key this file was opened with (zeroised on drop); backups use it too.
    key: Option<DbKey>,
    /// Account written in the audit log (set at login).
    actor: String,
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
        preflight::check(path, key.is_some())?;
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| StoreError::CannotOpen(path.to_path_buf(), e.to_string()))?;
        conn.busy_timeout(BUSY_TIMEOUT)?;
        if let Some(k) = &key {
            apply_key(&conn, k)?;
        }
        // Read-only checks first: nothing below writes until we know the file is ours.
        let version: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(|e| match (StoreError::from(e), &key) {
                // With a key, "not a database" means the key does not fit this file.
                (StoreError::NotADatabase(_), Some(_)) => StoreError::WrongKey(path.to_path_buf()),
                (e, _) => e.at(path),
            })?;
        let objects: i64 = conn
            .query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))
            .map_err(|e| StoreError::from(e).at(path))?;
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
        let mut store = Store {
            conn,
            path: path.to_path_buf(),
            clock,
            key,
            actor: String::new(),
        };
        store.configure().map_err(|e| e.at(path))?;
        store.migrate(migrations).map_err(|e| e.at(path))?;
        Ok(store)
    }

    fn configure(&self) -> Result<()> {
        let mode: String = self
            .conn
            .query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))?;
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
        let current: i64 = self.pragma_i64("user_version")?;
        if current > 0 && current < migrations.len() as i64 {
            // A copy before touching an existing schema: if anything goes wrong, the
            // previous database is still there, whole.
            let copy = backup::sibling(&self.path, &format!("avant-migration-v{current}"));
            self.backup_raw(&copy)?;
        }
        for (i, sql) in migrations.iter().enumerate() {
            let target = i as i64 + 1;
            if target <= current {
                continue;
            }
            let tx = self
                .conn
                .transaction_with_behavior(TransactionBehavior::Immediate)?;
            tx.execute_batch(sql)?;
            tx.pragma_update(None, "user_version", target)?;
            tx.commit()?;
        }
        Ok(())
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

    pub fn schema_version(&self) -> Result<i64> {
        self.pragma_i64("user_version")
    }

    /// `PRAGMA integrity_check` and `foreign_key_check`: an empty list means healthy.
    pub fn integrity_problems(&self) -> Result<Vec<String>> {
        let mut problems = Vec::new();
        let mut stmt = self.conn.prepare("PRAGMA integrity_check")?;
        for row in stmt.query_map([], |r| r.get::<_, String>(0))? {
            let line = row?;
            if line != "ok" {
                problems.push(line);
            }
        }
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

    /// Several changes in one transaction (all or nothing), e.g. a demo person's file.
    pub fn apply_all(&mut self, changes: &[Change]) -> Result<Vec<Applied>> {
        let now = self.clock.now();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut out = Vec::with_capacity(changes.len());
        for change in changes {
            out.push(records::apply(&tx, change, now, Some(&self.actor))?);
        }
        tx.commit()?;
        Ok(out)
    }

    /// Inserts whole new files (demo, import) in one transaction, through the same per-record
    /// write code as [`Store::apply`]. In the given files ids are 0; an action's
    /// `objective_id` / `barrier_id`, when set, is the 1-based position of the objective /
    /// barrier in the same file, remapped here to the stored ids.
    pub fn insert_files(&mut self, files: &[PersonFile]) -> Result<Vec<Id>> {
        let now = self.clock.now();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut ids = Vec::with_capacity(files.len());
        for f in files {
            let up = |r: Record| Change::Upsert(r);
            let pid = records::apply(&tx, &up(Record::Person(f.person.clone())), now, None)?.id;
            // One audit entry per imported file, not one per row.
            audit::write(
                &tx,
                now,
                &self.actor,
                audit::actions::CREATE,
                Some("persons"),
                Some(pid),
                Some(pid),
            )?;
            for s in &f.suivis {
                let s = Suivi {
                    person_id: pid,
                    ..s.clone()
                };
                records::apply(&tx, &up(Record::Suivi(s)), now, None)?;
            }
            for d in &f.diagnostics {
                let d = Diagnostic {
                    person_id: pid,
                    ..d.clone()
                };
                records::apply(&tx, &up(Record::Diagnostic(d)), now, None)?;
            }
            let mut barrier_ids = Vec::new();
            for b in &f.barriers {
                let b = Barrier {
                    person_id: pid,
                    ..b.clone()
                };
                barrier_ids.push(records::apply(&tx, &up(Record::Barrier(b)), now, None)?.id);
            }
            let mut objective_ids = Vec::new();
            for o in &f.objectives {
                let o = Objective {
                    person_id: pid,
                    ..o.clone()
                };
                objective_ids.push(records::apply(&tx, &up(Record::Objective(o)), now, None)?.id);
            }
            let pick = |ids: &[Id], pos: Option<Id>| {
                pos.and_then(|p| ids.get((p as usize).wrapping_sub(1)).copied())
            };
            for a in &f.actions {
                let a = PlanAction {
                    person_id: pid,
                    objective_id: pick(&objective_ids, a.objective_id),
                    barrier_id: pick(&barrier_ids, a.barrier_id),
                    ..a.clone()
                };
                records::apply(&tx, &up(Record::Action(a)), now, None)?;
            }
            for a in &f.appointments {
                let a = Appointment {
                    person_id: pid,
                    ..a.clone()
                };
                records::apply(&tx, &up(Record::Appointment(a)), now, None)?;
            }
            for n in &f.notes {
                let n = Note {
                    person_id: pid,
                    ..n.clone()
                };
                records::apply(&tx, &up(Record::Note(n)), now, None)?;
            }
            ids.push(pid);
        }
        tx.commit()?;
        Ok(ids)
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
