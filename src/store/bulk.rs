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
            Ok(mode) if mode.eq_ignore_ascii_case("wal") => return Ok(()),
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
