//! Read-only queries of the CSV and calendar exports (see `crate::export`): each one walks
//! its rows in an index order and hands them one by one to a callback, so an export of
//! 100k people holds one row in memory at a time (no sort, no temporary B-tree).
//!
//! Archived files (past the retention period, restricted access) are never exported here.
//! "The person's suivi" is the current one (the open one, else the latest), as in the
//! caseload.

use super::db::{self, Dialect, Exec, Row};
use super::sql::{self, Joined};
use super::{Result, Store, StoreError};
use crate::domain::{Appointment, Person, PlanAction, Suivi};
use chrono::NaiveDate;
use rusqlite::types::ToSql;

/// Which rows an export takes. Text filters are exact stored values (the caller resolves
/// what the user typed first); dates are inclusive.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExportFilter {
    /// `suivis.referent`, as stored (a display name).
    pub referent: Option<String>,
    /// Dispositif code.
    pub dispositif: Option<String>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
}

impl ExportFilter {
    fn has_period(&self) -> bool {
        self.from.is_some() || self.to.is_some()
    }

    /// The day after `to`: appointments are date-times, compared as text with a date.
    fn to_exclusive(&self) -> Option<NaiveDate> {
        self.to.and_then(|d| d.succ_opt())
    }
}

/// An appointment with its person, the person's suivi and the themes of its démarches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppointmentExport {
    pub person: Person,
    pub dispositif: Option<String>,
    pub referent: String,
    pub appointment: Appointment,
    /// Theme codes of the démarches, in their order.
    pub demarche_themes: Vec<String>,
}

/// A plan action with its person, the person's suivi and its objective's label.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionExport {
    pub person: Person,
    pub dispositif: Option<String>,
    pub referent: String,
    pub action: PlanAction,
    pub objective: Option<String>,
}

/// The current suivi of person `p` (one seek in `suivis_by_person`, as the caseload).
const CURRENT_SUIVI: &str = "LEFT JOIN suivis s ON s.id = (
    SELECT s2.id FROM suivis s2 WHERE s2.person_id = p.id
    ORDER BY (s2.sortie_date IS NULL) DESC, s2.id DESC LIMIT 1)";

/// Referent and dispositif filters on `s` (parameters ?1 and ?2, NULL = any). A parameter
/// tested for NULL is cast to its type where it first appears: PostgreSQL gives a cursor's
/// parameters the type of their first use, and `IS NULL` alone gives none.
const SUIVI_FILTER: &str = "(CAST(?1 AS TEXT) IS NULL OR s.referent = ?1) AND (CAST(?2 AS TEXT) IS NULL OR s.dispositif = ?2)";

/// What the appointments and actions exports take of the suivi `s`, as [`PersonTag`] reads it.
const SUIVI_TAG: &str = "s.dispositif AS suivi_dispositif, s.referent AS suivi_referent";

/// Free texts no export writes, left out of the reads: an interview's report (the calendar
/// keeps nothing of it, and it can be long)...
const APPOINTMENT_UNREAD: &[&str] = &["report"];
/// ... and an action's outcome.
const ACTION_UNREAD: &[&str] = &["outcome"];

/// The person `p` and the suivi `s`, each column named after its table's alias.
fn person_and_suivi() -> String {
    format!(
        "{}, {}",
        sql::select_joined::<Person>("p", &[]),
        sql::select_joined::<Suivi>("s", &[])
    )
}

/// Where the person `p` is, and where [`SUIVI_TAG`] put the suivi's dispositif and
/// referent (found once per statement).
struct PersonTag {
    person: Joined<Person>,
    dispositif: usize,
    referent: usize,
}

impl PersonTag {
    fn new(row: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(PersonTag {
            person: Joined::on_row(row, "p", &[])?,
            dispositif: row.column_index("suivi_dispositif")?,
            referent: row.column_index("suivi_referent")?,
        })
    }

    /// The person, the dispositif (None without a suivi) and the referent (empty without one).
    fn read(&self, r: &Row<'_>) -> rusqlite::Result<(Person, Option<String>, String)> {
        let referent: Option<String> = r.get(self.referent)?;
        let person = self.person.read_row(r)?;
        Ok((
            person,
            r.get(self.dispositif)?,
            referent.unwrap_or_default(),
        ))
    }
}

/// Page cache of the appointments walk, in KiB. The walk goes in date order, so each row
/// reads its person, suivi and démarches from pages all over the file: with SQLite's
/// default 2 MB cache every row decrypts pages again (10k people: 5 s for all appointments;
/// 1 s with 32 MB). A fixed bound: memory does not grow with the base.
const APPOINTMENTS_CACHE_KIB: i64 = 32 * 1024;

/// Raises the file's page cache for one export, and puts it back after (the server has
/// its own shared buffers: nothing to do there).
struct BiggerCache<'a> {
    db: &'a dyn Exec,
    before: Option<i64>,
}

impl<'a> BiggerCache<'a> {
    fn new(db: &'a dyn Exec) -> Self {
        let before = match db.dialect() {
            Dialect::Sqlite => {
                db::query_optional(db, "PRAGMA cache_size", &[], |r| r.get::<_, i64>(0))
                    .ok()
                    .flatten()
            }
            Dialect::Postgres => None,
        };
        if before.is_some() {
            let _ = db.execute(
                &format!("PRAGMA cache_size = -{APPOINTMENTS_CACHE_KIB}"),
                &[],
            );
        }
        BiggerCache { db, before }
    }
}

impl Drop for BiggerCache<'_> {
    fn drop(&mut self) {
        if let Some(n) = self.before {
            let _ = self.db.execute(&format!("PRAGMA cache_size = {n}"), &[]);
        }
    }
}

/// The appointments query; with a period, ?3 and ?4 are its ends (a range of
/// `appointments_by_start`, which also gives the order: no sort, no temporary B-tree).
pub fn appointments_sql(period: bool) -> String {
    appointments_sql_in(Dialect::Sqlite, period)
}

/// [`appointments_sql`] in the SQL of `dialect`: PostgreSQL has `string_agg` for
/// `group_concat`, and sorts NULL last where SQLite sorts it first (an appointment without
/// a date comes first on both).
pub fn appointments_sql_in(dialect: Dialect, period: bool) -> String {
    let range = if period {
        "a.start >= ?3 AND a.start < ?4"
    } else {
        "coalesce(CAST(?3 AS TEXT), CAST(?4 AS TEXT)) IS NULL"
    };
    let (themes, nulls) = match dialect {
        Dialect::Sqlite => (
            "(SELECT group_concat(theme, ',') FROM (SELECT d.theme FROM demarches d
                  WHERE d.appointment_id = a.id ORDER BY d.position))",
            "",
        ),
        Dialect::Postgres => (
            "(SELECT string_agg(d.theme, ',' ORDER BY d.position) FROM demarches d
                  WHERE d.appointment_id = a.id)",
            " NULLS FIRST",
        ),
    };
    format!(
        "SELECT {}, {SUIVI_TAG}, {},
                {themes} AS demarche_themes
         FROM appointments a JOIN persons p ON p.id = a.person_id {CURRENT_SUIVI}
         WHERE {range} AND p.archived_at IS NULL AND {SUIVI_FILTER}
         ORDER BY a.start{nulls}, a.id",
        sql::select_joined::<Person>("p", &[]),
        sql::select_joined::<Appointment>("a", APPOINTMENT_UNREAD),
    )
}

/// The persons query: n° de dossier order is the unique index on `dossier` (no sort).
pub fn persons_sql() -> String {
    format!(
        "SELECT {} FROM persons p {CURRENT_SUIVI}
         WHERE p.archived_at IS NULL AND {SUIVI_FILTER}
           AND (?5 = 0 OR s.id IS NOT NULL)
           AND (CAST(?3 AS TEXT) IS NULL OR s.sortie_date IS NULL OR s.sortie_date >= ?3)
           AND (CAST(?4 AS TEXT) IS NULL OR COALESCE(s.date_entree, s.date_orientation) <= ?4)
         ORDER BY p.dossier",
        person_and_suivi()
    )
}

/// The actions query: person then due date is `actions_by_person_due` (no sort).
pub fn actions_sql() -> String {
    actions_sql_in(Dialect::Sqlite)
}

/// [`actions_sql`] in the SQL of `dialect` (an action without a due date first on both).
pub fn actions_sql_in(dialect: Dialect) -> String {
    let nulls = match dialect {
        Dialect::Sqlite => "",
        Dialect::Postgres => " NULLS FIRST",
    };
    format!(
        "SELECT {}, {SUIVI_TAG}, {}, o.label AS objective_label
         FROM actions x JOIN persons p ON p.id = x.person_id {CURRENT_SUIVI}
         LEFT JOIN objectives o ON o.id = x.objective_id
         WHERE p.archived_at IS NULL AND {SUIVI_FILTER}
           AND (CAST(?3 AS TEXT) IS NULL OR x.due >= ?3) AND (CAST(?4 AS TEXT) IS NULL OR x.due <= ?4)
           AND (?5 = 0 OR x.due IS NOT NULL)
         ORDER BY x.person_id, x.due{nulls}, x.id",
        sql::select_joined::<Person>("p", &[]),
        sql::select_joined::<PlanAction>("x", ACTION_UNREAD),
    )
}

/// The exits query: person then suivi is `suivis_by_person` (no sort).
pub fn exits_sql() -> String {
    format!(
        "SELECT {} FROM suivis s JOIN persons p ON p.id = s.person_id
         WHERE s.sortie_date IS NOT NULL AND p.archived_at IS NULL AND {SUIVI_FILTER}
           AND (CAST(?3 AS TEXT) IS NULL OR s.sortie_date >= ?3) AND (CAST(?4 AS TEXT) IS NULL OR s.sortie_date <= ?4)
         ORDER BY s.person_id, s.id",
        person_and_suivi()
    )
}

impl Store {
    /// Referent names written in the suivis (to check a `--referent`), sorted.
    pub fn export_referents(&self) -> Result<Vec<String>> {
        referents_on(&self.conn)
    }

    /// Dispositif codes written in the suivis (some may have left the referential).
    pub fn export_dispositifs(&self) -> Result<Vec<String>> {
        dispositifs_on(&self.conn)
    }

    /// See [`export_persons_on`].
    pub fn export_persons<E: From<StoreError>>(
        &self,
        f: &ExportFilter,
        each: impl FnMut(Person, Option<Suivi>) -> std::result::Result<(), E>,
    ) -> std::result::Result<usize, E> {
        export_persons_on(&self.conn, f, each)
    }

    /// See [`export_appointments_on`].
    pub fn export_appointments<E: From<StoreError>>(
        &self,
        f: &ExportFilter,
        each: impl FnMut(AppointmentExport) -> std::result::Result<(), E>,
    ) -> std::result::Result<usize, E> {
        export_appointments_on(&self.conn, f, each)
    }

    /// See [`export_actions_on`].
    pub fn export_actions<E: From<StoreError>>(
        &self,
        f: &ExportFilter,
        each: impl FnMut(ActionExport) -> std::result::Result<(), E>,
    ) -> std::result::Result<usize, E> {
        export_actions_on(&self.conn, f, each)
    }

    /// See [`export_exits_on`].
    pub fn export_exits<E: From<StoreError>>(
        &self,
        f: &ExportFilter,
        each: impl FnMut(Person, Suivi) -> std::result::Result<(), E>,
    ) -> std::result::Result<usize, E> {
        export_exits_on(&self.conn, f, each)
    }
}

/// Referent names written in the suivis (to check a `--referent`), sorted.
pub fn referents_on(db: &dyn Exec) -> Result<Vec<String>> {
    db::query_map(
        db,
        "SELECT DISTINCT referent FROM suivis WHERE referent <> '' ORDER BY referent",
        &[],
        |r| r.get(0),
    )
}

/// Dispositif codes written in the suivis (some may have left the referential).
pub fn dispositifs_on(db: &dyn Exec) -> Result<Vec<String>> {
    db::query_map(
        db,
        "SELECT DISTINCT dispositif FROM suivis ORDER BY dispositif",
        &[],
        |r| r.get(0),
    )
}

/// The internal id of the person with this n° de dossier (`export --person`, `document`),
/// on either backend.
pub fn person_id_by_dossier_on(db: &dyn Exec, dossier: &str) -> Result<Option<crate::domain::Id>> {
    db::query_optional(
        db,
        "SELECT id FROM persons WHERE dossier = ?1",
        &[&dossier.trim()],
        |r| r.get(0),
    )
}

/// The schema version of the base (the file's `user_version`, the server's
/// `schema_version` table: numbered alike), as the JSON export states it.
pub fn schema_version_on(db: &dyn Exec) -> Result<i64> {
    let sql = match db.dialect() {
        Dialect::Sqlite => "PRAGMA user_version",
        Dialect::Postgres => "SELECT version FROM schema_version",
    };
    db::query_one(db, sql, &[], |r| r.get(0))
}

/// Rows fetched at a time from the server's cursor: the export's memory stays that of a
/// few hundred rows, whatever the base's size.
const CURSOR_BATCH: usize = 500;

/// Stops a walk whose callback failed (its own error is kept apart).
fn stopped() -> rusqlite::Error {
    rusqlite::Error::ExecuteReturnedResults
}

/// Runs `sql` with `params` and hands its rows one by one to `each`, as `read` reads
/// them with the column positions `find` gives (once per statement). Returns the number
/// of rows. The file steps through SQLite's rows; the server reads a cursor
/// ([`CURSOR_BATCH`] rows at a time) in the caller's snapshot, so neither holds the whole
/// result.
fn walk<At, T, E: From<StoreError>>(
    db: &dyn Exec,
    sql: &str,
    params: &[&dyn ToSql],
    find: impl Fn(&Row<'_>) -> rusqlite::Result<At>,
    read: impl Fn(&At, &Row<'_>) -> rusqlite::Result<T>,
    mut each: impl FnMut(T) -> std::result::Result<(), E>,
) -> std::result::Result<usize, E> {
    let mut at: Option<At> = None;
    let mut failed: Option<E> = None;
    let mut n = 0;
    let mut on_row = |r: &Row<'_>| -> rusqlite::Result<()> {
        if at.is_none() {
            at = Some(find(r)?);
        }
        let t = read(at.as_ref().expect("found on the first row"), r)?;
        if let Err(e) = each(t) {
            failed = Some(e);
            return Err(stopped());
        }
        n += 1;
        Ok(())
    };
    let ran = match db.dialect() {
        Dialect::Sqlite => db.query_each(sql, params, &mut on_row),
        Dialect::Postgres => cursor_each(db, sql, params, &mut on_row),
    };
    if let Some(e) = failed {
        return Err(e);
    }
    ran?;
    Ok(n)
}

/// The rows of `sql` through a server-side cursor, in the current transaction. The cursor
/// is named after the statement: its FETCH is prepared once with the statement's columns.
fn cursor_each(
    db: &dyn Exec,
    sql: &str,
    params: &[&dyn ToSql],
    on_row: &mut dyn FnMut(&Row<'_>) -> rusqlite::Result<()>,
) -> Result<()> {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    sql.hash(&mut h);
    let name = format!("parcours_export_{:016x}", h.finish());
    db.execute(
        &format!("DECLARE {name} NO SCROLL CURSOR FOR {sql}"),
        params,
    )?;
    let fetch = format!("FETCH {CURSOR_BATCH} FROM {name}");
    loop {
        let mut got = 0;
        db.query_each(&fetch, &[], &mut |r| {
            got += 1;
            on_row(r)
        })?;
        if got < CURSOR_BATCH {
            break;
        }
    }
    db.execute(&format!("CLOSE {name}"), &[])?;
    Ok(())
}

/// Each person with the current suivi, in n° de dossier order (the unique index on
/// `dossier`). With a period: people whose suivi was open during it (entered, or
/// oriented, by its end; not left before its start).
pub fn export_persons_on<E: From<StoreError>>(
    db: &dyn Exec,
    f: &ExportFilter,
    mut each: impl FnMut(Person, Option<Suivi>) -> std::result::Result<(), E>,
) -> std::result::Result<usize, E> {
    walk(
        db,
        &persons_sql(),
        &[&f.referent, &f.dispositif, &f.from, &f.to, &f.has_period()],
        |r| {
            Ok((
                Joined::<Person>::on_row(r, "p", &[])?,
                Joined::<Suivi>::on_row(r, "s", &[])?,
            ))
        },
        |(person, suivi), r| Ok((person.read_row(r)?, suivi.read_optional_row(r)?)),
        |(person, suivi)| each(person, suivi),
    )
}

/// Appointments in date order (`appointments_by_start`: the period is a range of it,
/// and the order needs no sort), with the person's current suivi. An appointment
/// without a date is only taken when there is no period.
pub fn export_appointments_on<E: From<StoreError>>(
    db: &dyn Exec,
    f: &ExportFilter,
    each: impl FnMut(AppointmentExport) -> std::result::Result<(), E>,
) -> std::result::Result<usize, E> {
    // With a period, both ends are bound (an open end as a bound no date reaches), so
    // the planner seeks the range; without one, both are NULL and the test is constant.
    let (from, to) = if f.has_period() {
        (
            Some(f.from.map_or("0000".into(), |d| d.to_string())),
            Some(f.to_exclusive().map_or("9999".into(), |d| d.to_string())),
        )
    } else {
        (None::<String>, None::<String>)
    };
    let _cache = BiggerCache::new(db);
    walk(
        db,
        &appointments_sql_in(db.dialect(), f.has_period()),
        &[&f.referent, &f.dispositif, &from, &to],
        |r| {
            let appointment = Joined::on_row(r, "a", APPOINTMENT_UNREAD)?;
            Ok((
                PersonTag::new(r)?,
                appointment,
                r.column_index("demarche_themes")?,
            ))
        },
        |(tag, appointment, themes), r| {
            let (person, dispositif, referent) = tag.read(r)?;
            let themes: Option<String> = r.get(*themes)?;
            Ok(AppointmentExport {
                person,
                dispositif,
                referent,
                appointment: appointment.read_row(r)?,
                demarche_themes: themes
                    .map(|t| t.split(',').map(str::to_string).collect())
                    .unwrap_or_default(),
            })
        },
        each,
    )
}

/// Plan actions, person by person then by due date (`actions_by_person_due`), with the
/// person's current suivi. With a period: actions due in it.
pub fn export_actions_on<E: From<StoreError>>(
    db: &dyn Exec,
    f: &ExportFilter,
    each: impl FnMut(ActionExport) -> std::result::Result<(), E>,
) -> std::result::Result<usize, E> {
    walk(
        db,
        &actions_sql_in(db.dialect()),
        &[&f.referent, &f.dispositif, &f.from, &f.to, &f.has_period()],
        |r| {
            let action = Joined::on_row(r, "x", ACTION_UNREAD)?;
            Ok((
                PersonTag::new(r)?,
                action,
                r.column_index("objective_label")?,
            ))
        },
        |(tag, action, objective), r| {
            let (person, dispositif, referent) = tag.read(r)?;
            Ok(ActionExport {
                person,
                dispositif,
                referent,
                action: action.read_row(r)?,
                objective: r.get(*objective)?,
            })
        },
        each,
    )
}

/// Exits: every suivi with a sortie date (filters on that suivi itself), person by
/// person (`suivis_by_person`). With a period: exits dated in it.
pub fn export_exits_on<E: From<StoreError>>(
    db: &dyn Exec,
    f: &ExportFilter,
    mut each: impl FnMut(Person, Suivi) -> std::result::Result<(), E>,
) -> std::result::Result<usize, E> {
    walk(
        db,
        &exits_sql(),
        &[&f.referent, &f.dispositif, &f.from, &f.to],
        |r| {
            Ok((
                Joined::<Person>::on_row(r, "p", &[])?,
                Joined::<Suivi>::on_row(r, "s", &[])?,
            ))
        },
        // An inner join: the suivi is always there.
        |(person, suivi), r| Ok((person.read_row(r)?, suivi.read_row(r)?)),
        |(person, suivi)| each(person, suivi),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::Clock;

    /// Memory stays flat only if no query sorts: each walks an index in its order.
    #[test]
    fn export_queries_walk_indexes_without_sorting() {
        let dir = tempfile::tempdir().unwrap();
        let now = chrono::NaiveDate::from_ymd_opt(2026, 11, 22)
            .unwrap()
            .and_hms_opt(10, 0, 0)
            .unwrap();
        let store = Store::open(&dir.path().join("t.db"), Clock::fixed(now)).unwrap();
        for (sql, index) in [
            (persons_sql(), "persons"),
            (appointments_sql(false), "appointments_by_start"),
            (
                appointments_sql(true),
                "appointments_by_start (start>? AND start<?)",
            ),
            (actions_sql(), "actions_by_person_due"),
            (exits_sql(), "suivis_by_person"),
        ] {
            let mut stmt = store
                .conn
                .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
                .unwrap();
            let nulls = vec![rusqlite::types::Null; stmt.parameter_count()];
            let lines = stmt
                .query_map(rusqlite::params_from_iter(nulls), |r| {
                    Ok((r.get::<_, i64>(1)?, r.get::<_, String>(3)?))
                })
                .unwrap()
                .collect::<rusqlite::Result<Vec<_>>>()
                .unwrap();
            let plan = format!("{lines:?}");
            // The current suivi's subquery orders a person's few suivis (as the caseload
            // does); the walk over all rows itself (parent 0) must not sort.
            assert!(
                !lines
                    .iter()
                    .any(|(parent, d)| *parent == 0 && d.contains("TEMP B-TREE")),
                "{plan}"
            );
            assert!(plan.contains(index), "{index} in {plan}");
        }
    }
}
