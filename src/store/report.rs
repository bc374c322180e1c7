//! Reads for the activity report (`crate::report`): only the rows and columns it needs for
//! one period, in four queries. No index is added: the suivis and persons are read in one
//! pass each (one suivi per person or so, and every one may matter for the period), the
//! latest diagnostics come in `diagnostics_by_person` order, and the appointments of the
//! period are a range of `appointments_for_report` (migration 5), read from that covering
//! index alone, so the year's report reads that year's appointments only. The démarches of
//! those appointments are read by the same range joined to `demarches` by its primary key;
//! the étapes of the period come from `etapes_by_debut` (migration 6); saisines are few (a
//! handful per person at most), read in one pass, each with one seek into
//! `appointments_by_person_status` for the person's first honoured interview.

use super::sql;
use super::tables::{Stored, ETAPES, SAISINES, SUIVIS};
use super::{Result, Store};
use crate::domain::{Appointment, Diagnostic, Etape, Id, Person, Saisine, Suivi};
use crate::report::{Cohort, Period, TaggedDemarche};
use std::collections::HashMap;

/// Suivis open at some point of [?1, ?2]: started (entry, else orientation, else exit, or
/// no date at all) by ?2 and not left before ?1 (as `report::overlaps`).
const OVERLAPPING: &str = "(sortie_date IS NULL OR sortie_date >= ?1)
    AND (COALESCE(date_entree, date_orientation, sortie_date) IS NULL
         OR COALESCE(date_entree, date_orientation, sortie_date) <= ?2)";

/// The period's appointments, from the covering index `appointments_for_report` alone.
const APPOINTMENTS_SQL: &str = "SELECT person_id, start, medium, status FROM appointments
     WHERE start >= ?1 AND start < ?2";

/// The démarches of the period's appointments: the same range, each appointment's démarches
/// by the primary key of `demarches`.
const DEMARCHES_SQL: &str = "SELECT a.person_id, a.start, d.theme FROM appointments a
     JOIN demarches d ON d.appointment_id = a.id
     WHERE a.start >= ?1 AND a.start < ?2";

impl Store {
    /// What the report of `period` needs: the suivis from the start of N-1 to the end of
    /// the period, their people, their latest diagnostics, the period's appointments.
    pub fn report_cohort(&self, period: &Period) -> Result<Cohort> {
        // The démarches of a year are read by one seek per appointment, in date order, into
        // a table laid out by person: with the default page cache each page is decrypted
        // again and again. A larger cache while the report reads keeps each page decrypted
        // once (the same setting as the bulk insert, given back after).
        let cache: i64 = self.pragma_i64("cache_size")?;
        self.conn
            .execute_batch(&format!("PRAGMA cache_size = -{};", super::BULK_CACHE_KIB))?;
        let cohort = self.report_cohort_cached(period);
        let _ = self
            .conn
            .execute_batch(&format!("PRAGMA cache_size = {cache};"));
        cohort
    }

    fn report_cohort_cached(&self, period: &Period) -> Result<Cohort> {
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
        let (demarches, etapes, saisines) = self.report_year_records(period)?;
        let sessions = {
            let day = |d: chrono::NaiveDate| d.and_hms_opt(0, 0, 0).unwrap_or_default();
            let until = period.au.succ_opt().unwrap_or(period.au);
            self.sessions_between(day(period.du), day(until))?
        };
        Ok(Cohort {
            persons,
            suivis,
            diagnostics,
            appointments,
            demarches,
            etapes,
            saisines,
            sessions,
        })
    }

    /// The period's démarches, étapes (begun in it) and saisines (dated in it, with the
    /// person's first honoured individual interview).
    #[allow(clippy::type_complexity)]
    fn report_year_records(
        &self,
        period: &Period,
    ) -> Result<(
        Vec<TaggedDemarche>,
        Vec<Etape>,
        Vec<(Saisine, Option<chrono::NaiveDate>)>,
    )> {
        let c = &self.conn;
        let (du, au) = (period.du, period.au);
        let until = au.succ_opt().unwrap_or(au);
        let demarches = c
            .prepare(DEMARCHES_SQL)?
            .query_map(rusqlite::params![du, until], |r| {
                let start: Option<chrono::NaiveDateTime> = r.get(1)?;
                Ok(TaggedDemarche {
                    person_id: r.get(0)?,
                    date: start.map(|s| s.date()),
                    theme: r.get(2)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let etapes = {
            let q = format!(
                "SELECT {} FROM etapes WHERE debut >= ?1 AND debut <= ?2 ORDER BY debut, id",
                sql::select_list(&ETAPES, None)
            );
            let mut stmt = c.prepare(&q)?;
            let at = sql::columns::<Etape>(&stmt)?;
            let rows = stmt
                .query_map(rusqlite::params![du, au], |r| Etape::from_columns(r, &at))?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            rows
        };
        let saisines = {
            // The first honoured interview: a seek into appointments_by_person_status
            // (person_id, status, start), collective sessions skipped.
            let q = format!(
                "SELECT {}, (SELECT MIN(a.start) FROM appointments a
                     WHERE a.person_id = s.person_id AND a.status = ?3 AND a.medium <> ?4)
                     AS first_honoured
                 FROM saisines s WHERE s.date >= ?1 AND s.date <= ?2 ORDER BY s.date, s.id",
                sql::select_list(&SAISINES, Some("s"))
            );
            let mut stmt = c.prepare(&q)?;
            let at = sql::columns::<Saisine>(&stmt)?;
            let first = stmt.column_index("first_honoured")?;
            let rows = stmt
                .query_map(
                    rusqlite::params![
                        du,
                        au,
                        crate::domain::codes::APPT_HONOURED,
                        crate::report::MEDIUM_COLLECTIVE
                    ],
                    |r| {
                        let f: Option<chrono::NaiveDateTime> = r.get(first)?;
                        Ok((Saisine::from_columns(r, &at)?, f.map(|f| f.date())))
                    },
                )?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            rows
        };
        Ok((demarches, etapes, saisines))
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
