//! Read-only queries of the CSV and calendar exports (see `crate::export`): each one walks
//! its rows in an index order and hands them one by one to a callback, so an export of
//! 100k people holds one row in memory at a time (no sort, no temporary B-tree).
//!
//! Archived files (past the retention period, restricted access) are never exported here.
//! "The person's suivi" is the current one (the open one, else the latest), as in the
//! caseload.

use super::sql::{self, Joined};
use super::{Result, Store, StoreError};
use crate::domain::{Appointment, Person, PlanAction, Suivi};
use chrono::NaiveDate;
use rusqlite::{params, Params, Row, Statement};

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

/// Referent and dispositif filters on `s` (parameters ?1 and ?2, NULL = any).
const SUIVI_FILTER: &str = "(?1 IS NULL OR s.referent = ?1) AND (?2 IS NULL OR s.dispositif = ?2)";

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
    fn new(stmt: &Statement<'_>) -> rusqlite::Result<Self> {
        Ok(PersonTag {
            person: Joined::new(stmt, "p", &[])?,
            dispositif: stmt.column_index("suivi_dispositif")?,
            referent: stmt.column_index("suivi_referent")?,
        })
    }

    /// The person, the dispositif (None without a suivi) and the referent (empty without one).
    fn read(&self, r: &Row<'_>) -> rusqlite::Result<(Person, Option<String>, String)> {
        let referent: Option<String> = r.get(self.referent)?;
        let person = self.person.read(r)?;
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

/// Raises the connection's page cache for one export, and puts it back after.
struct BiggerCache<'a> {
    conn: &'a rusqlite::Connection,
    before: Option<i64>,
}

impl<'a> BiggerCache<'a> {
    fn new(conn: &'a rusqlite::Connection) -> Self {
        let before = conn
            .query_row("PRAGMA cache_size", [], |r| r.get::<_, i64>(0))
            .ok();
        let _ = conn.execute_batch(&format!("PRAGMA cache_size = -{APPOINTMENTS_CACHE_KIB};"));
        BiggerCache { conn, before }
    }
}

impl Drop for BiggerCache<'_> {
    fn drop(&mut self) {
        if let Some(n) = self.before {
            let _ = self
                .conn
                .execute_batch(&format!("PRAGMA cache_size = {n};"));
        }
    }
}

/// The appointments query; with a period, ?3 and ?4 are its ends (a range of
/// `appointments_by_start`, which also gives the order: no sort, no temporary B-tree).
pub fn appointments_sql(period: bool) -> String {
    let range = if period {
        "a.start >= ?3 AND a.start < ?4"
    } else {
        "coalesce(?3, ?4) IS NULL"
    };
    format!(
        "SELECT {}, {SUIVI_TAG}, {},
                (SELECT group_concat(theme, ',') FROM (SELECT d.theme FROM demarches d
                  WHERE d.appointment_id = a.id ORDER BY d.position)) AS demarche_themes
         FROM appointments a JOIN persons p ON p.id = a.person_id {CURRENT_SUIVI}
         WHERE {range} AND p.archived_at IS NULL AND {SUIVI_FILTER}
         ORDER BY a.start, a.id",
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
           AND (?3 IS NULL OR s.sortie_date IS NULL OR s.sortie_date >= ?3)
           AND (?4 IS NULL OR COALESCE(s.date_entree, s.date_orientation) <= ?4)
         ORDER BY p.dossier",
        person_and_suivi()
    )
}

/// The actions query: person then due date is `actions_by_person_due` (no sort).
pub fn actions_sql() -> String {
    format!(
        "SELECT {}, {SUIVI_TAG}, {}, o.label AS objective_label
         FROM actions x JOIN persons p ON p.id = x.person_id {CURRENT_SUIVI}
         LEFT JOIN objectives o ON o.id = x.objective_id
         WHERE p.archived_at IS NULL AND {SUIVI_FILTER}
           AND (?3 IS NULL OR x.due >= ?3) AND (?4 IS NULL OR x.due <= ?4)
           AND (?5 = 0 OR x.due IS NOT NULL)
         ORDER BY x.person_id, x.due, x.id",
        sql::select_joined::<Person>("p", &[]),
        sql::select_joined::<PlanAction>("x", ACTION_UNREAD),
    )
}

/// The exits query: person then suivi is `suivis_by_person` (no sort).
pub fn exits_sql() -> String {
    format!(
        "SELECT {} FROM suivis s JOIN persons p ON p.id = s.person_id
         WHERE s.sortie_date IS NOT NULL AND p.archived_at IS NULL AND {SUIVI_FILTER}
           AND (?3 IS NULL OR s.sortie_date >= ?3) AND (?4 IS NULL OR s.sortie_date <= ?4)
         ORDER BY s.person_id, s.id",
        person_and_suivi()
    )
}

impl Store {
    /// Referent names written in the suivis (to check a `--referent`), sorted.
    pub fn export_referents(&self) -> Result<Vec<String>> {
        Ok(sql::values(
            &self.conn,
            "SELECT DISTINCT referent FROM suivis WHERE referent <> '' ORDER BY referent",
        )?)
    }

    /// Dispositif codes written in the suivis (some may have left the referential).
    pub fn export_dispositifs(&self) -> Result<Vec<String>> {
        Ok(sql::values(
            &self.conn,
            "SELECT DISTINCT dispositif FROM suivis ORDER BY dispositif",
        )?)
    }

    /// Runs `sql` with `params` and hands its rows one by one to `each`, as `read` reads
    /// them with the column positions `find` gives (once per statement). Returns the number
    /// of rows.
    fn walk<At, T, E: From<StoreError>>(
        &self,
        sql: &str,
        params: impl Params,
        find: impl FnOnce(&Statement<'_>) -> rusqlite::Result<At>,
        read: impl Fn(&At, &Row<'_>) -> rusqlite::Result<T>,
        mut each: impl FnMut(T) -> std::result::Result<(), E>,
    ) -> std::result::Result<usize, E> {
        let mut stmt = self.conn.prepare(sql).map_err(StoreError::from)?;
        let at = find(&stmt).map_err(StoreError::from)?;
        let mut rows = stmt.query(params).map_err(StoreError::from)?;
        let mut n = 0;
        while let Some(r) = rows.next().map_err(StoreError::from)? {
            each(read(&at, r).map_err(StoreError::from)?)?;
            n += 1;
        }
        Ok(n)
    }

    /// Each person with the current suivi, in n° de dossier order (the unique index on
    /// `dossier`). With a period: people whose suivi was open during it (entered, or
    /// oriented, by its end; not left before its start).
    pub fn export_persons<E: From<StoreError>>(
        &self,
        f: &ExportFilter,
        mut each: impl FnMut(Person, Option<Suivi>) -> std::result::Result<(), E>,
    ) -> std::result::Result<usize, E> {
        self.walk(
            &persons_sql(),
            params![f.referent, f.dispositif, f.from, f.to, f.has_period()],
            |stmt| {
                Ok((
                    Joined::<Person>::new(stmt, "p", &[])?,
                    Joined::<Suivi>::new(stmt, "s", &[])?,
                ))
            },
            |(person, suivi), r| Ok((person.read(r)?, suivi.read_optional(r)?)),
            |(person, suivi)| each(person, suivi),
        )
    }

    /// Appointments in date order (`appointments_by_start`: the period is a range of it,
    /// and the order needs no sort), with the person's current suivi. An appointment
    /// without a date is only taken when there is no period.
    pub fn export_appointments<E: From<StoreError>>(
        &self,
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
            (None, None)
        };
        let _cache = BiggerCache::new(&self.conn);
        self.walk(
            &appointments_sql(f.has_period()),
            params![f.referent, f.dispositif, from, to],
            |stmt| {
                let appointment = Joined::new(stmt, "a", APPOINTMENT_UNREAD)?;
                Ok((
                    PersonTag::new(stmt)?,
                    appointment,
                    stmt.column_index("demarche_themes")?,
                ))
            },
            |(tag, appointment, themes), r| {
                let (person, dispositif, referent) = tag.read(r)?;
                let themes: Option<String> = r.get(*themes)?;
                Ok(AppointmentExport {
                    person,
                    dispositif,
                    referent,
                    appointment: appointment.read(r)?,
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
    pub fn export_actions<E: From<StoreError>>(
        &self,
        f: &ExportFilter,
        each: impl FnMut(ActionExport) -> std::result::Result<(), E>,
    ) -> std::result::Result<usize, E> {
        self.walk(
            &actions_sql(),
            params![f.referent, f.dispositif, f.from, f.to, f.has_period()],
            |stmt| {
                let action = Joined::new(stmt, "x", ACTION_UNREAD)?;
                Ok((
                    PersonTag::new(stmt)?,
                    action,
                    stmt.column_index("objective_label")?,
                ))
            },
            |(tag, action, objective), r| {
                let (person, dispositif, referent) = tag.read(r)?;
                Ok(ActionExport {
                    person,
                    dispositif,
                    referent,
                    action: action.read(r)?,
                    objective: r.get(*objective)?,
                })
            },
            each,
        )
    }

    /// Exits: every suivi with a sortie date (filters on that suivi itself), person by
    /// person (`suivis_by_person`). With a period: exits dated in it.
    pub fn export_exits<E: From<StoreError>>(
        &self,
        f: &ExportFilter,
        mut each: impl FnMut(Person, Suivi) -> std::result::Result<(), E>,
    ) -> std::result::Result<usize, E> {
        self.walk(
            &exits_sql(),
            params![f.referent, f.dispositif, f.from, f.to],
            |stmt| {
                Ok((
                    Joined::<Person>::new(stmt, "p", &[])?,
                    Joined::<Suivi>::new(stmt, "s", &[])?,
                ))
            },
            // An inner join: the suivi is always there.
            |(person, suivi), r| Ok((person.read(r)?, suivi.read(r)?)),
            |(person, suivi)| each(person, suivi),
        )
    }
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
