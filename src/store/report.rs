//! Reads for the activity report (`crate::report`): only the rows and columns it needs for
//! one period, in four queries. No index is added: the suivis and persons are read in one
//! pass each (one suivi per person or so, and every one may matter for the period), the
//! latest diagnostics come in `diagnostics_by_person` order, and the appointments of the
//! period are a range of `appointments_for_report` (migration 5), read from that covering
//! index alone, so the year's report reads that year's appointments only.

use super::sql;
use super::tables::{Stored, SUIVIS};
use super::{Result, Store};
use crate::domain::{Appointment, Diagnostic, Id, Person, Suivi};
use crate::report::{Cohort, Period};
use std::collections::HashMap;

/// Suivis open at some point of [?1, ?2]: started (entry, else orientation, else exit, or
/// no date at all) by ?2 and not left before ?1 (as `report::overlaps`).
const OVERLAPPING: &str = "(sortie_date IS NULL OR sortie_date >= ?1)
    AND (COALESCE(date_entree, date_orientation, sortie_date) IS NULL
         OR COALESCE(date_entree, date_orientation, sortie_date) <= ?2)";

/// The period's appointments, from the covering index `appointments_for_report` alone.
const APPOINTMENTS_SQL: &str = "SELECT person_id, start, medium, status FROM appointments
     WHERE start >= ?1 AND start < ?2";

impl Store {
    /// What the report of `period` needs: the suivis from the start of N-1 to the end of
    /// the period, their people, their latest diagnostics, the period's appointments.
    pub fn report_cohort(&self, period: &Period) -> Result<Cohort> {
        let (from, to) = (period.load_from(), period.au);
        let c = &self.conn;
        let suivis = {
            let q = format!(
                "SELECT {} FROM suivis WHERE {OVERLAPPING} ORDER BY id",
                sql::select_list(&SUIVIS, None)
            );
            let mut stmt = c.prepare(&q)?;
            let at = sql::columns::<Suivi>(&stmt)?;
            let rows = stmt
                .query_map(rusqlite::params![from, to], |r| Suivi::from_columns(r, &at))?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            rows
        };
        let persons = {
            let q = format!(
                "SELECT id, dossier, birth_date, sexe, rsa_statut, rsa_depuis FROM persons
                 WHERE id IN (SELECT person_id FROM suivis WHERE {OVERLAPPING}) ORDER BY id"
            );
            let mut stmt = c.prepare(&q)?;
            let rows = stmt
                .query_map(rusqlite::params![from, to], |r| {
                    Ok(Person {
                        id: r.get(0)?,
                        dossier: r.get(1)?,
                        birth_date: r.get(2)?,
                        sexe: r.get(3)?,
                        rsa_statut: r.get(4)?,
                        rsa_depuis: r.get(5)?,
                        ..Default::default()
                    })
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            rows
        };
        let diagnostics = {
            // In (person, date, id) order, undated first: the last of a person is the latest.
            let q = format!(
                "SELECT person_id, date, niveau, inactivite_mois FROM diagnostics
                 WHERE (date IS NULL OR date <= ?2)
                   AND person_id IN (SELECT person_id FROM suivis WHERE {OVERLAPPING})
                 ORDER BY person_id, date, id"
            );
            let mut stmt = c.prepare(&q)?;
            let mut latest: HashMap<Id, Diagnostic> = HashMap::new();
            let rows = stmt.query_map(rusqlite::params![from, to], |r| {
                Ok(Diagnostic {
                    person_id: r.get(0)?,
                    date: r.get(1)?,
                    niveau: r.get(2)?,
                    inactivite_mois: r.get(3)?,
                    ..Default::default()
                })
            })?;
            for d in rows {
                let d = d?;
                latest.insert(d.person_id, d);
            }
            let mut v: Vec<Diagnostic> = latest.into_values().collect();
            v.sort_by_key(|d| d.person_id);
            v
        };
        let appointments = {
            // `start` is "YYYY-MM-DD HH:MM:SS": the day after the last one bounds the range.
            let until = period
                .appointments_until()
                .succ_opt()
                .unwrap_or(period.appointments_until());
            let mut stmt = c.prepare(APPOINTMENTS_SQL)?;
            let rows = stmt
                .query_map(rusqlite::params![period.du, until], |r| {
                    Ok(Appointment {
                        person_id: r.get(0)?,
                        start: r.get(1)?,
                        medium: r.get(2)?,
                        status: r.get(3)?,
                        ..Default::default()
                    })
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            rows
        };
        Ok(Cohort {
            persons,
            suivis,
            diagnostics,
            appointments,
        })
    }

    /// Every référent·e named on a suivi (to check a `--referent` filter).
    pub fn report_referents(&self) -> Result<Vec<String>> {
        let mut stmt = self
            .conn
            .prepare("SELECT DISTINCT referent FROM suivis ORDER BY referent")?;
        let v = stmt
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<Vec<String>>>()?;
        Ok(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::Clock;

    #[test]
    fn the_periods_appointments_are_read_from_the_covering_index_alone() {
        let dir = tempfile::tempdir().unwrap();
        let at = chrono::NaiveDate::from_ymd_opt(2026, 1, 1)
            .unwrap()
            .and_hms_opt(9, 0, 0)
            .unwrap();
        let store = Store::open(&dir.path().join("r.db"), Clock::fixed(at)).unwrap();
        // Literal bounds: `explain` binds no parameter.
        let sql = APPOINTMENTS_SQL
            .replace("?1", "'2025-01-01'")
            .replace("?2", "'2026-01-31'");
        let plan = store.explain(&sql).unwrap().join("\n");
        assert!(
            plan.contains("USING COVERING INDEX appointments_for_report"),
            "{plan}"
        );
    }
}
