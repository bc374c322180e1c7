//! Bulk insert into an empty base (`parcours demo`, a first import): the secondary indexes
//! of the files' tables are dropped at the start of the transaction and created again,
//! from their own stored text, just before its commit.
//!
//! Why: each appointment goes into three secondary indexes (by person, by start, for the
//! report), each person into `persons_by_nom`, and so on; inserted one row at a time in
//! random key order, their B-trees were about a fifth of `parcours demo --persons 100000`
//! (`perf`: `sqlite3BtreeIndexMoveto`, `pcache1Fetch`, `balance_nonroot`). `CREATE INDEX`
//! on a filled table sorts the keys once and writes each page once. Inside the same
//! transaction: another connection never sees the base without its indexes (it waits on
//! the write lock, and reads the snapshot before), and a failure rolls the drop back.
//!
//! Only non-unique indexes that a `CREATE INDEX` made (`sql IS NOT NULL`): unique ones
//! enforce constraints the inserts rely on, and the primary keys stay. No statement of
//! the insert path looks rows up through a dropped index (the person row is bumped by its
//! id, sub-rows are deleted by their owner's primary key), so nothing becomes a scan.

use super::db::{Dialect, Exec, Row};
use super::Result;
use rusqlite::types::ToSql;
use rusqlite::{Connection, Statement};
use std::cell::RefCell;

/// The indexes dropped by [`drop_secondary_indexes`]: (name, `CREATE INDEX` text).
pub(super) struct Dropped(Vec<(String, String)>);

/// Whether the base holds no person yet (then a bulk insert rebuilds the indexes after).
pub(super) fn is_empty(conn: &Connection) -> Result<bool> {
    Ok(
        conn.query_row("SELECT NOT EXISTS (SELECT 1 FROM persons)", [], |r| {
            r.get(0)
        })?,
    )
}

/// Drops every non-unique secondary index (see the module's comment); the audit log's
/// own index is kept (one row per file: it stays in append order anyway).
pub(super) fn drop_secondary_indexes(conn: &Connection) -> Result<Dropped> {
    let mut stmt = conn.prepare(
        "SELECT name, sql FROM sqlite_master
         WHERE type = 'index' AND sql IS NOT NULL AND tbl_name <> 'audit'
           AND upper(substr(ltrim(sql), 1, 13)) <> 'CREATE UNIQUE'
         ORDER BY name",
    )?;
    let found = stmt
        .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    for (name, _) in &found {
        conn.execute_batch(&format!("DROP INDEX \"{}\";", name.replace('"', "\"\"")))?;
    }
    Ok(Dropped(found))
}

/// Creates the dropped indexes again, each from its stored text (so `sqlite_master` ends
/// with the same definitions). Each sorts in memory on this thread: SQLCipher keeps
/// temporary data in memory, and SQLite's sorter uses helper threads (`PRAGMA threads`)
/// only with temporary files, which would hold the keys (names, dates) unencrypted.
pub(super) fn recreate(conn: &Connection, dropped: Dropped) -> Result<()> {
    for (_, sql) in &dropped.0 {
        conn.execute_batch(sql)?;
    }
    Ok(())
}

/// Leaves WAL for the rollback journal before a bulk insert into an empty base: with WAL
/// every page of the transaction is written twice, into the WAL (encrypted) and then, by
/// the checkpoint at its commit, into the file; with the journal it goes into the file
/// once and the journal holds only the few pages the base had. A base that another
/// connection has open stays in WAL (SQLite refuses the change): `false`.
/// Meanwhile a second instance waits for the write lock as it would for any transaction;
/// a crash leaves a journal that the next opening rolls back, like a WAL it ignores.
pub(super) fn leave_wal(conn: &Connection) -> Result<bool> {
    // Refused or failed: the insert goes through the WAL, as before.
    Ok(conn
        .query_row("PRAGMA journal_mode = DELETE", [], |r| {
            r.get::<_, String>(0)
        })
        .is_ok_and(|mode| mode.eq_ignore_ascii_case("delete")))
}

/// Back to WAL after [`leave_wal`] (as the store opens every base), waiting as long as
/// the store's busy timeout for a reader that came meanwhile.
pub(super) fn back_to_wal(conn: &Connection) -> Result<()> {
    let started = std::time::Instant::now();
    loop {
        match conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get::<_, String>(0)) {
            Ok(mode) if mode.eq_ignore_ascii_case("wal") => {
                // A first read opens the WAL: until then SQLite answers a checkpoint
                // (`Store::compact`) with "busy".
                conn.query_row("SELECT count(*) FROM sqlite_master", [], |_| Ok(()))?;
                return Ok(());
            }
            Ok(mode) if started.elapsed() >= super::BUSY_TIMEOUT => {
                return Err(super::StoreError::Sqlite(format!(
                    "mode WAL indisponible (mode obtenu : {mode})"
                )))
            }
            Err(e) if started.elapsed() >= super::BUSY_TIMEOUT => return Err(e.into()),
            _ => std::thread::sleep(std::time::Duration::from_millis(20)),
        }
    }
}

/// The bulk transaction's connection for the write path: the same statements, run
/// through statements of its own, prepared once each for the whole transaction, their
/// named parameters looked up once per statement (then bound by position).
///
/// Why: the connection's statement cache hashes the whole SQL text twice per row (taking
/// the statement out, putting it back) and clears its bindings, and rusqlite looks each
/// named parameter up by name, per row: ≈ 8 % of `parcours demo --persons 100000`
/// (`perf`: `StatementCache::get`/`cache_stmt`, `ParamIndexCache`, `foldhash`).
/// The statements are found by their text (a bulk insert runs about 25 different ones).
pub(super) struct Bulk<'c> {
    conn: &'c Connection,
    prepared: RefCell<Vec<Prepared<'c>>>,
}

struct Prepared<'c> {
    sql: Box<str>,
    stmt: Statement<'c>,
    /// The names of the last named call, and the parameter each binds (None: not in the
    /// statement, left out as [`Exec::execute_named`] says).
    names: Vec<Box<str>>,
    at: Vec<Option<usize>>,
    /// Whether those names bind every parameter of the statement; else the others are
    /// cleared (NULL) before each run, as the statement cache does.
    complete: bool,
}

/// More distinct statements than a bulk insert runs: past it they go through the
/// connection's own cache (nothing grows without bound).
const BULK_STATEMENTS: usize = 64;

impl<'c> Bulk<'c> {
    pub(super) fn new(conn: &'c Connection) -> Bulk<'c> {
        Bulk {
            conn,
            prepared: RefCell::new(Vec::new()),
        }
    }

    /// Runs `f` on the statement of `sql`, prepared on first use; `None` when it cannot
    /// be kept (too many statements, or a call made from inside another's rows).
    fn with<T>(
        &self,
        sql: &str,
        f: impl FnOnce(&mut Prepared<'c>) -> Result<T>,
    ) -> Option<Result<T>> {
        let mut prepared = self.prepared.try_borrow_mut().ok()?;
        let i = match prepared
            .iter()
            .position(|p| p.sql.len() == sql.len() && *p.sql == *sql)
        {
            Some(i) => i,
            None if prepared.len() < BULK_STATEMENTS => {
                let stmt = match self.conn.prepare(sql) {
                    Ok(s) => s,
                    Err(e) => return Some(Err(e.into())),
                };
                prepared.push(Prepared {
                    sql: sql.into(),
                    stmt,
                    names: Vec::new(),
                    at: Vec::new(),
                    complete: false,
                });
                prepared.len() - 1
            }
            None => return None,
        };
        Some(f(&mut prepared[i]))
    }
}

impl Prepared<'_> {
    /// Binds `params` by the indexes their names had the last time (looked up again when
    /// the names differ).
    fn bind_named(&mut self, params: &[(&str, &dyn ToSql)]) -> Result<()> {
        let same = self.names.len() == params.len()
            && self.names.iter().zip(params).all(|(a, (b, _))| **a == **b);
        if !same {
            self.names = params.iter().map(|(n, _)| Box::from(*n)).collect();
            self.at = params
                .iter()
                .map(|(n, _)| self.stmt.parameter_index(n))
                .collect::<rusqlite::Result<_>>()?;
            let mut bound: Vec<usize> = self.at.iter().flatten().copied().collect();
            bound.sort_unstable();
            bound.dedup();
            self.complete = bound.len() == self.stmt.parameter_count();
        }
        if !self.complete {
            self.stmt.clear_bindings();
        }
        for (i, (_, value)) in self.at.iter().zip(params) {
            if let Some(i) = i {
                self.stmt.raw_bind_parameter(*i, value)?;
            }
        }
        Ok(())
    }
}

impl Exec for Bulk<'_> {
    fn dialect(&self) -> Dialect {
        Dialect::Sqlite
    }

    fn execute(&self, sql: &str, params: &[&dyn ToSql]) -> Result<usize> {
        self.with(sql, |p| Ok(p.stmt.execute(params)?))
            .unwrap_or_else(|| Exec::execute(self.conn, sql, params))
    }

    fn execute_named(&self, sql: &str, params: &[(&str, &dyn ToSql)]) -> Result<usize> {
        self.with(sql, |p| {
            p.bind_named(params)?;
            Ok(p.stmt.raw_execute()?)
        })
        .unwrap_or_else(|| Exec::execute_named(self.conn, sql, params))
    }

    fn insert_named(&self, sql: &str, _key: &str, params: &[(&str, &dyn ToSql)]) -> Result<i64> {
        self.execute_named(sql, params)?;
        Ok(self.conn.last_insert_rowid())
    }

    fn query_each(
        &self,
        sql: &str,
        params: &[&dyn ToSql],
        f: &mut dyn FnMut(&Row<'_>) -> rusqlite::Result<()>,
    ) -> Result<()> {
        let mut f = Some(f);
        let done = self.with(sql, |p| {
            let f = f.take().expect("once");
            let mut rows = p.stmt.query(params)?;
            while let Some(r) = rows.next()? {
                f(&Row::lite(r))?;
            }
            Ok(())
        });
        match (done, f) {
            (Some(done), _) => done,
            (None, Some(f)) => Exec::query_each(self.conn, sql, params, f),
            (None, None) => unreachable!("f is only taken by a statement that ran"),
        }
    }
}

/// Length of the longest text [`date_text`] writes (`YYYY-MM-DD HH:MM:SS`).
pub(super) const DATE_TIME_LEN: usize = 19;

/// The text rusqlite binds for a date (`%F`) or a date and time (`%F %T%.f`), written
/// directly: chrono's generic formatter (parsing the format string, `Display` through
/// `DelayedFormat`, an allocation) was ≈ 3 % of a bulk insert, once per bound date.
/// `None` for any other type, for `None` and for what the short form does not cover
/// (years outside 0–9999, fractions of a second, leap seconds): bound as before.
pub(super) fn date_text<'b>(
    value: &dyn std::any::Any,
    buf: &'b mut [u8; DATE_TIME_LEN],
) -> Option<&'b str> {
    use chrono::{Datelike, NaiveDate, NaiveDateTime, Timelike};
    fn digits(out: &mut [u8], mut n: u32) {
        for b in out.iter_mut().rev() {
            *b = b'0' + (n % 10) as u8;
            n /= 10;
        }
    }
    fn date(d: &NaiveDate, buf: &mut [u8]) -> Option<()> {
        let year = u32::try_from(d.year()).ok().filter(|y| *y <= 9999)?;
        digits(&mut buf[0..4], year);
        buf[4] = b'-';
        digits(&mut buf[5..7], d.month());
        buf[7] = b'-';
        digits(&mut buf[8..10], d.day());
        Some(())
    }
    let date_only = value
        .downcast_ref::<NaiveDate>()
        .or_else(|| value.downcast_ref::<Option<NaiveDate>>()?.as_ref());
    if let Some(d) = date_only {
        date(d, &mut buf[..])?;
        return std::str::from_utf8(&buf[..10]).ok();
    }
    let at = value
        .downcast_ref::<NaiveDateTime>()
        .or_else(|| value.downcast_ref::<Option<NaiveDateTime>>()?.as_ref())?;
    if at.nanosecond() != 0 {
        return None;
    }
    date(&at.date(), &mut buf[..])?;
    buf[10] = b' ';
    digits(&mut buf[11..13], at.hour());
    buf[13] = b':';
    digits(&mut buf[14..16], at.minute());
    buf[16] = b':';
    digits(&mut buf[17..19], at.second());
    std::str::from_utf8(&buf[..]).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::Clock;
    use crate::domain::Referential;
    use crate::store::Store;

    fn schema(store: &Store) -> Vec<(String, String, Option<String>)> {
        let mut stmt = store
            .conn()
            .prepare("SELECT type, name, sql FROM sqlite_master ORDER BY type, name")
            .unwrap();
        let rows = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap();
        rows.collect::<rusqlite::Result<Vec<_>>>().unwrap()
    }

    /// Into an empty base and then into a filled one: the same schema objects with the
    /// same text afterwards, and indexes that hold every row (integrity check).
    #[test]
    fn bulk_insert_ends_with_the_same_indexes() {
        let dir = tempfile::tempdir().unwrap();
        let now = chrono::NaiveDate::from_ymd_opt(2026, 3, 2)
            .unwrap()
            .and_hms_opt(10, 0, 0)
            .unwrap();
        let mut store = Store::open(&dir.path().join("p.db"), Clock::fixed(now)).unwrap();
        let before = schema(&store);
        assert!(before
            .iter()
            .any(|(t, n, _)| t == "index" && n == "persons_by_nom"));
        let rf = Referential::embedded();
        let files = crate::demo::generate(&rf, 200, 3, now);
        assert!(is_empty(store.conn()).unwrap());
        store.insert_files(&files[..150]).unwrap();
        assert_eq!(schema(&store), before);
        assert!(!is_empty(store.conn()).unwrap());
        store.insert_files(&files[150..]).unwrap();
        assert_eq!(schema(&store), before);
        assert_eq!(store.integrity_problems().unwrap(), Vec::<String>::new());
        assert_eq!(store.person_ids().unwrap().len(), 200);
    }

    /// A bulk insert into an empty base leaves it in WAL, as every base is opened; with
    /// another connection open on it (SQLite then refuses to leave WAL) it runs in WAL.
    #[test]
    fn bulk_insert_leaves_the_base_in_wal() {
        let dir = tempfile::tempdir().unwrap();
        let now = chrono::NaiveDate::from_ymd_opt(2026, 3, 2)
            .unwrap()
            .and_hms_opt(10, 0, 0)
            .unwrap();
        let rf = Referential::embedded();
        let files = crate::demo::generate(&rf, 40, 5, now);
        let mode = |c: &Connection| -> String {
            c.query_row("PRAGMA journal_mode", [], |r| r.get(0))
                .unwrap()
        };
        let path = dir.path().join("a.db");
        let mut store = Store::open(&path, Clock::fixed(now)).unwrap();
        let bulk = |store: &mut Store, files: &[crate::domain::PersonFile]| {
            store
                .insert_files_bulk(files.iter().cloned(), |_| {})
                .unwrap()
        };
        bulk(&mut store, &files[..20]);
        assert_eq!(mode(store.conn()), "wal");
        assert!(!dir.path().join("a.db-journal").exists());
        // The WAL is open again: a checkpoint right after works (it said "busy" before).
        assert!(store.compact().unwrap());
        // A second connection reading the base meanwhile: the insert stays in WAL.
        let path = dir.path().join("b.db");
        let mut store = Store::open(&path, Clock::fixed(now)).unwrap();
        let reader = Connection::open(&path).unwrap();
        assert_eq!(mode(&reader), "wal");
        bulk(&mut store, &files[20..]);
        assert_eq!(mode(store.conn()), "wal");
        let n: i64 = reader
            .query_row("SELECT count(*) FROM persons", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 20);
        assert_eq!(store.integrity_problems().unwrap(), Vec::<String>::new());
    }

    /// The bulk connection binds by the position a name had: names in another order, or
    /// fewer names (the others NULL, as the statement cache leaves them), bind right.
    #[test]
    fn bulk_statements_bind_each_name_to_its_parameter() {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch("CREATE TABLE t (a, b, c)").unwrap();
        let bulk = Bulk::new(&conn);
        let sql = "INSERT INTO t (a, b, c) VALUES (:a, :b, :c)";
        let run = |params: &[(&str, &dyn ToSql)]| bulk.execute_named(sql, params).unwrap();
        run(&[(":a", &1), (":b", &2), (":c", &3)]);
        run(&[(":c", &6), (":a", &4), (":b", &5)]);
        run(&[(":b", &8), (":zz", &0)]);
        run(&[(":a", &10), (":b", &11), (":c", &12)]);
        assert_eq!(bulk.insert_named(sql, "rowid", &[(":a", &13)]).unwrap(), 5);
        let n: i64 = {
            let mut n = 0;
            bulk.query_each("SELECT count(*) FROM t WHERE a > ?1", &[&0], &mut |r| {
                n = r.get(0)?;
                Ok(())
            })
            .unwrap();
            n
        };
        assert_eq!(n, 4);
        drop(bulk);
        let rows: Vec<(Option<i64>, Option<i64>, Option<i64>)> = conn
            .prepare("SELECT a, b, c FROM t ORDER BY rowid")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        assert_eq!(
            rows,
            vec![
                (Some(1), Some(2), Some(3)),
                (Some(4), Some(5), Some(6)),
                (None, Some(8), None),
                (Some(10), Some(11), Some(12)),
                (Some(13), None, None),
            ]
        );
    }

    /// Sub-rows past one statement's worth (16 a statement): all of them, in their order,
    /// through the bulk insert and through an edit (which replaces them).
    #[test]
    fn sub_rows_over_several_statements_keep_their_order() {
        use crate::domain::{Change, Demarche, Record, ThemeAssessment};
        let dir = tempfile::tempdir().unwrap();
        let now = chrono::NaiveDate::from_ymd_opt(2026, 3, 2)
            .unwrap()
            .and_hms_opt(10, 0, 0)
            .unwrap();
        let mut store = Store::open(&dir.path().join("p.db"), Clock::fixed(now)).unwrap();
        let rf = Referential::embedded();
        let mut file = crate::demo::generate(&rf, 30, 9, now)
            .into_iter()
            .find(|f| !f.diagnostics.is_empty() && !f.appointments.is_empty())
            .unwrap();
        let themes: Vec<ThemeAssessment> = (0..37)
            .map(|i| ThemeAssessment {
                theme: format!("t{i:02}"),
                level: ["0", "1", "2", "3", "4"][i % 5].into(),
                comment: if i % 3 == 0 {
                    format!("n° {i}")
                } else {
                    String::new()
                },
            })
            .collect();
        let demarches: Vec<Demarche> = (0..20)
            .map(|i| Demarche {
                theme: format!("z{}", 19 - i),
                label: format!("démarche {i}"),
            })
            .collect();
        file.diagnostics[0].themes = themes.clone();
        file.appointments[0].demarches = demarches.clone();
        let pid = store.insert_files(&[file]).unwrap()[0];
        let back = store.person_file(pid).unwrap();
        assert_eq!(back.diagnostics[0].themes, themes);
        let appt = back.appointments.iter().find(|a| a.demarches.len() == 20);
        assert_eq!(appt.unwrap().demarches, demarches);
        let mut d = back.diagnostics[0].clone();
        d.themes.truncate(17);
        d.themes[16].comment = "changé".into();
        store
            .apply(&Change::Upsert(Record::Diagnostic(d.clone())))
            .unwrap();
        assert_eq!(
            store.person_file(pid).unwrap().diagnostics[0].themes,
            d.themes
        );
        assert_eq!(store.integrity_problems().unwrap(), Vec::<String>::new());
    }

    use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime};
    use rusqlite::types::{ToSql, ToSqlOutput, Value, ValueRef};

    /// What rusqlite itself binds for `v`, as text.
    fn rusqlite_text(v: &dyn ToSql) -> Option<String> {
        match v.to_sql().unwrap() {
            ToSqlOutput::Owned(Value::Text(s)) => Some(s),
            ToSqlOutput::Borrowed(ValueRef::Text(s)) => {
                Some(String::from_utf8(s.to_vec()).unwrap())
            }
            _ => None,
        }
    }

    #[test]
    fn dates_are_bound_as_rusqlite_binds_them() {
        let mut buf = [0u8; DATE_TIME_LEN];
        let mut checked = 0;
        // Every day of a few centuries' edges and a stride through the rest; times with
        // every hour, minute and second position, with and without a fraction.
        let start = NaiveDate::from_ymd_opt(-5, 1, 1).unwrap();
        let mut d = start;
        while d < NaiveDate::from_ymd_opt(10_002, 1, 1).unwrap() {
            let fast = date_text(&d, &mut buf).map(str::to_string);
            let want = rusqlite_text(&d).unwrap();
            if let Some(fast) = fast {
                assert_eq!(fast, want);
                checked += 1;
            } else {
                assert!(!(0..=9999).contains(&d.year()), "{want}");
            }
            assert_eq!(
                date_text(&Some(d), &mut buf)
                    .map(str::to_string)
                    .unwrap_or(want.clone()),
                want
            );
            let secs = (checked * 7919) % 86_400;
            for nanos in [0, 1_000_000, 123_456_789] {
                let at: NaiveDateTime = d.and_hms_opt(0, 0, 0).unwrap()
                    + Duration::seconds(secs)
                    + Duration::nanoseconds(nanos);
                let want = rusqlite_text(&at).unwrap();
                let fast = date_text(&at, &mut buf).map(str::to_string);
                assert_eq!(fast.clone().unwrap_or(want.clone()), want);
                assert_eq!(fast.is_some(), nanos == 0 && want.len() == DATE_TIME_LEN);
                let fast = date_text(&Some(at), &mut buf).map(str::to_string);
                assert_eq!(fast.unwrap_or(want.clone()), want);
            }
            d += Duration::days(if d.year_ce().1 % 100 < 2 { 1 } else { 13 });
        }
        assert!(checked > 100_000, "{checked}");
        let none: Option<NaiveDate> = None;
        assert!(date_text(&none, &mut buf).is_none());
        assert!(date_text(&"2026-01-01".to_string(), &mut buf).is_none());
        assert!(date_text(&42_i64, &mut buf).is_none());
    }
}
