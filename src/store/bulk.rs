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

use super::Result;
use rusqlite::Connection;

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
/// with the same definitions).
/// The sorts of `CREATE INDEX` may use a helper thread (`PRAGMA threads`) meanwhile.
pub(super) fn recreate(conn: &Connection, dropped: Dropped) -> Result<()> {
    let threads: i64 = conn.query_row("PRAGMA threads", [], |r| r.get(0))?;
    conn.execute_batch("PRAGMA threads = 2;")?;
    let made = dropped
        .0
        .iter()
        .try_for_each(|(_, sql)| conn.execute_batch(sql));
    let _ = conn.execute_batch(&format!("PRAGMA threads = {threads};"));
    Ok(made?)
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
