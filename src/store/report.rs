//! Reads for the activity report (`crate::report`): only the rows and columns it needs for
//! one period, each table read once, in order, without a seek per row. The suivis and
//! persons are read in one pass each (one suivi per person or so, and every one may matter
//! for the period); the diagnostics in one pass, the latest of each person kept; the
//! appointments of the period are a range of `appointments_for_report` (migration 5), read
//! from that covering index alone; their démarches come from one range scan of `demarches`
//! in its primary key order, joined to those appointments in memory (a merge on the
//! appointment id); the étapes of the period come from `etapes_by_debut` (migration 7);
//! saisines are few (a handful per person at most), read in one pass, each with one seek
//! into `appointments_by_person_status` for the person's first honoured interview. Dates
//! are read from their ISO text directly (chrono's parser is slow over a million rows).

use super::db::{self, Exec};
use super::tables::{Stored, ETAPES, SAISINES};
use super::{sessions, sql};
use super::{Result, Store};
use crate::domain::{Etape, Id, Saisine};
use crate::report::{
    Codes, Cohort, DemarcheCount, IdMap, IdSet, Period, ReportAppointment, ReportDiagnostic,
    ReportPerson, ReportSuivi,
};
use chrono::{NaiveDate, NaiveDateTime};
use rusqlite::types::ValueRef;

/// Suivis open at some point of [?1, ?2]: started (entry, else orientation, else exit, or
/// no date at all) by ?2 and not left before ?1 (as `report::overlaps`).
const OVERLAPPING: &str = "(sortie_date IS NULL OR sortie_date >= ?1)
    AND (COALESCE(date_entree, date_orientation, sortie_date) IS NULL
         OR COALESCE(date_entree, date_orientation, sortie_date) <= ?2)";

/// The period's appointments, from the covering index `appointments_for_report` alone (the
/// id is the row id, held by every index), in its order (by start).
const APPOINTMENTS_SQL: &str = "SELECT id, person_id, start, medium, status FROM appointments
     WHERE start >= ?1 AND start < ?2";

/// Of each person, what the report reads: from the covering index `persons_for_report`.
const PERSONS_SQL: &str =
    "SELECT id, dossier, birth_date, sexe, rsa_statut, rsa_depuis FROM persons ORDER BY id";

/// Diagnostics dated up to ?1, by person and date (undated first), from the covering index
/// `diagnostics_by_person`.
const DIAGNOSTICS_SQL: &str = "SELECT person_id, date, niveau, inactivite_mois FROM diagnostics
     WHERE date IS NULL OR date <= ?1 ORDER BY person_id, date, id";

/// The démarches of the appointments with an id in [?1, ?2], in primary key order (a range
/// of the table itself, which is its primary key: WITHOUT ROWID).
const DEMARCHES_SQL: &str = "SELECT appointment_id, theme FROM demarches
     WHERE appointment_id BETWEEN ?1 AND ?2 ORDER BY appointment_id";

/// A date column ("YYYY-MM-DD"), read from its text; anything else goes through rusqlite's
/// conversion (and its error).
fn date_at(r: &db::Row, i: usize) -> rusqlite::Result<Option<NaiveDate>> {
    match r.get_ref(i)? {
        ValueRef::Null => Ok(None),
        ValueRef::Text(t) if t.len() == 10 => match iso_day(t) {
            Some(d) => Ok(Some(d)),
            None => r.get(i),
        },
        _ => r.get(i),
    }
}

/// The day of a date-time column ("YYYY-MM-DD HH:MM:SS"), read from its text; anything else
/// goes through rusqlite's conversion (and its error).
fn day_at(r: &db::Row, i: usize) -> rusqlite::Result<Option<NaiveDate>> {
    match r.get_ref(i)? {
        ValueRef::Null => Ok(None),
        ValueRef::Text(t) if t.len() == 19 && t[10] == b' ' && t[13] == b':' && t[16] == b':' => {
            match iso_day(t) {
                Some(d) => Ok(Some(d)),
                None => Ok(r.get::<_, Option<NaiveDateTime>>(i)?.map(|t| t.date())),
            }
        }
        _ => Ok(r.get::<_, Option<NaiveDateTime>>(i)?.map(|t| t.date())),
    }
}

/// "YYYY-MM-DD…" → the date, if valid.
fn iso_day(t: &[u8]) -> Option<NaiveDate> {
    let num = |b: &[u8]| {
        b.iter().try_fold(0u32, |n, c| {
            c.is_ascii_digit().then(|| n * 10 + (c - b'0') as u32)
        })
    };
    if t.len() < 10 || t[4] != b'-' || t[7] != b'-' {
        return None;
    }
    NaiveDate::from_ymd_opt(num(&t[0..4])? as i32, num(&t[5..7])?, num(&t[8..10])?)
}

/// A text column as a code of `codes`.
fn code_at(r: &db::Row, i: usize, codes: &mut Codes) -> rusqlite::Result<u32> {
    match r.get_ref(i)? {
        ValueRef::Text(t) => match codes.find_bytes(t) {
            Some(c) => Ok(c),
            None => Ok(codes.intern(r.get_ref(i)?.as_str()?)),
        },
        v => Ok(codes.intern(v.as_str()?)),
    }
}

impl Store {
    /// What the report of `period` needs: the suivis from the start of N-1 to the end of
    /// the period, their people, their latest diagnostics, the period's appointments and
    /// démarches, étapes, saisines and collective sessions.
    pub fn report_cohort(&self, period: &Period) -> Result<Cohort> {
        cohort_on(&self.conn, period)
    }

    /// Every référent·e named on a suivi (to check a `--referent` filter).
    pub fn report_referents(&self) -> Result<Vec<String>> {
        referents_on(&self.conn)
    }
}

/// Every référent·e named on a suivi, on either backend.
pub(super) fn referents_on(c: &dyn Exec) -> Result<Vec<String>> {
    db::query_map(
        c,
        "SELECT DISTINCT referent FROM suivis ORDER BY referent",
        &[],
        |r| r.get(0),
    )
}

/// What the report of `period` needs (see `Store::report_cohort`), on either backend.
pub(super) fn cohort_on(c: &dyn Exec, period: &Period) -> Result<Cohort> {
    let (from, to) = (period.load_from(), period.au);
    let suivis = read_suivis(c, from, to)?;
    let followed: IdSet<Id> = suivis.iter().map(|s| s.person_id).collect();
    let persons = read_persons(c, &followed)?;
    let diagnostics = read_diagnostics(c, &followed, to)?;
    let mut codes = Codes::default();
    // The appointments of the period (and 30 days after, for first interviews), with
    // the ids of those dated in the period (whose démarches count).
    let (appointments, in_period) = read_appointments(c, period, &mut codes)?;
    let demarches = read_demarches(c, in_period, &mut codes)?;
    let (etapes, saisines) = read_year_records(c, period)?;
    let sessions = {
        let day = |d: chrono::NaiveDate| d.and_hms_opt(0, 0, 0).unwrap_or_default();
        let until = period.au.succ_opt().unwrap_or(period.au);
        sessions::sessions_where(
            c,
            "start >= ?1 AND start < ?2",
            &[&day(period.du), &day(until)],
        )?
    };
    Ok(Cohort {
        persons,
        suivis,
        diagnostics,
        codes,
        appointments,
        demarches,
        etapes,
        saisines,
        sessions,
    })
}

/// The period's étapes (begun in it) and saisines (dated in it, with the person's first
/// honoured individual interview).
#[allow(clippy::type_complexity)]
fn read_year_records(
    c: &dyn Exec,
    period: &Period,
) -> Result<(Vec<Etape>, Vec<(Saisine, Option<chrono::NaiveDate>)>)> {
    let (du, au) = (period.du, period.au);
    let q = format!(
        "SELECT {} FROM etapes WHERE debut >= ?1 AND debut <= ?2 ORDER BY debut, id",
        sql::select_list(&ETAPES, None)
    );
    let mut at = None;
    let etapes = db::query_map(c, &q, &[&du, &au], |r| {
        let at = fields::<Etape>(&mut at, r)?;
        Etape::read_columns(r, &at)
    })?;
    // The first honoured interview: a seek into appointments_by_person_status
    // (person_id, status, start), collective sessions skipped.
    let q = format!(
        "SELECT {}, (SELECT MIN(a.start) FROM appointments a
             WHERE a.person_id = s.person_id AND a.status = ?3 AND a.medium <> ?4)
             AS first_honoured
         FROM saisines s WHERE s.date >= ?1 AND s.date <= ?2 ORDER BY s.date, s.id",
        sql::select_list(&SAISINES, Some("s"))
    );
    let mut at = None;
    let params: [&dyn rusqlite::ToSql; 4] = [
        &du,
        &au,
        &crate::domain::codes::APPT_HONOURED,
        &crate::report::MEDIUM_COLLECTIVE,
    ];
    let saisines = db::query_map(c, &q, &params, |r| {
        let at = fields::<Saisine>(&mut at, r)?;
        let f: Option<chrono::NaiveDateTime> = r.get("first_honoured")?;
        Ok((Saisine::read_columns(r, &at)?, f.map(|f| f.date())))
    })?;
    Ok((etapes, saisines))
}

/// Where the fields of `T` are among the columns of `r`, found by name on the first row.
fn fields<T: Stored>(
    at: &mut Option<Vec<Option<usize>>>,
    r: &db::Row,
) -> rusqlite::Result<Vec<Option<usize>>> {
    if at.is_none() {
        *at = Some(
            T::FIELDS
                .iter()
                .map(|f| r.column_index(f).map(Some))
                .collect::<rusqlite::Result<_>>()?,
        );
    }
    Ok(at.clone().unwrap_or_default())
}

/// The suivis open at some point of [from, to], in id order.
fn read_suivis(c: &dyn Exec, from: NaiveDate, to: NaiveDate) -> Result<Vec<ReportSuivi>> {
    let q = format!(
        "SELECT id, person_id, dispositif, referent, date_orientation,
                date_premier_contact, date_entree, sortie_date, sortie_categorie
         FROM suivis WHERE {OVERLAPPING} ORDER BY id"
    );
    db::query_map(c, &q, &[&from, &to], |r| {
        Ok(ReportSuivi {
            id: r.get(0)?,
            person_id: r.get(1)?,
            dispositif: r.get(2)?,
            referent: r.get(3)?,
            date_orientation: date_at(r, 4)?,
            date_premier_contact: date_at(r, 5)?,
            date_entree: date_at(r, 6)?,
            sortie_date: date_at(r, 7)?,
            sortie_categorie: r.get(8)?,
        })
    })
}

/// The people of `followed`.
fn read_persons(c: &dyn Exec, followed: &IdSet<Id>) -> Result<Vec<ReportPerson>> {
    // One pass over `persons_for_report` (migration 13), the people of the suivis kept.
    let mut v = Vec::with_capacity(followed.len());
    c.query_each(PERSONS_SQL, &[], &mut |r| {
        let id: Id = r.get(0)?;
        if !followed.contains(&id) {
            return Ok(());
        }
        v.push(ReportPerson {
            id,
            dossier: r.get(1)?,
            birth_date: date_at(r, 2)?,
            sexe: r.get(3)?,
            rsa_statut: r.get(4)?,
            rsa_depuis: date_at(r, 5)?,
        });
        Ok(())
    })?;
    Ok(v)
}

/// The latest diagnostic dated up to `to` of each person of `followed`.
fn read_diagnostics(
    c: &dyn Exec,
    followed: &IdSet<Id>,
    to: NaiveDate,
) -> Result<Vec<ReportDiagnostic>> {
    // One pass over `diagnostics_by_person` (migration 13) in its order: of a
    // person's diagnostics dated up to the end, the latest is the last (undated first).
    let mut v: Vec<ReportDiagnostic> = Vec::with_capacity(followed.len());
    c.query_each(DIAGNOSTICS_SQL, &[&to], &mut |r| {
        let person_id: Id = r.get(0)?;
        if !followed.contains(&person_id) {
            return Ok(());
        }
        let d = ReportDiagnostic {
            person_id,
            date: date_at(r, 1)?,
            niveau: r.get(2)?,
            inactivite_mois: r.get(3)?,
        };
        match v.last_mut() {
            Some(last) if last.person_id == person_id => *last = d,
            _ => v.push(d),
        }
        Ok(())
    })?;
    Ok(v)
}

/// An appointment's id and its person's.
type AppointmentOf = (Id, Id);

/// The appointments of the period and the 30 days after it, and the (id, person) of those
/// dated in the period.
fn read_appointments(
    c: &dyn Exec,
    period: &Period,
    codes: &mut Codes,
) -> Result<(Vec<ReportAppointment>, Vec<AppointmentOf>)> {
    // `start` is "YYYY-MM-DD HH:MM:SS": the day after the last one bounds the range.
    let until = period
        .appointments_until()
        .succ_opt()
        .unwrap_or(period.appointments_until());
    let mut v = Vec::new();
    let mut ids: Vec<(Id, Id)> = Vec::new();
    c.query_each(APPOINTMENTS_SQL, &[&period.du, &until], &mut |r| {
        let Some(day) = day_at(r, 2)? else {
            return Ok(());
        };
        let a = ReportAppointment {
            person_id: r.get(1)?,
            day,
            medium: code_at(r, 3, codes)?,
            status: code_at(r, 4, codes)?,
        };
        if day <= period.au {
            ids.push((r.get(0)?, a.person_id));
        }
        v.push(a);
        Ok(())
    })?;
    Ok((v, ids))
}

/// The démarches of the appointments `in_period`, counted per person and theme.
fn read_demarches(
    c: &dyn Exec,
    mut in_period: Vec<AppointmentOf>,
    codes: &mut Codes,
) -> Result<Vec<DemarcheCount>> {
    // A merge of the period's appointments (sorted by id) with the démarches in
    // appointment order: one sequential scan instead of a seek per appointment.
    // Ids grow with time, so the id range keeps the scan near the period.
    in_period.sort_unstable();
    let mut counts: IdMap<(Id, u32), u64> = IdMap::default();
    if let (Some(first), Some(last)) = (in_period.first(), in_period.last()) {
        let mut at = 0;
        c.query_each(DEMARCHES_SQL, &[&first.0, &last.0], &mut |r| {
            let appointment: Id = r.get(0)?;
            while at < in_period.len() && in_period[at].0 < appointment {
                at += 1;
            }
            match in_period.get(at) {
                Some((id, person)) if *id == appointment => {
                    let theme = code_at(r, 1, codes)?;
                    *counts.entry((*person, theme)).or_default() += 1;
                }
                // Past the last appointment of the period: nothing more counts.
                Some(_) | None => {}
            }
            Ok(())
        })?;
    }
    Ok(counts
        .into_iter()
        .map(|((person_id, theme), n)| DemarcheCount {
            person_id,
            theme,
            n,
        })
        .collect::<Vec<_>>())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::Clock;

    fn plan(sql: &str) -> String {
        let dir = tempfile::tempdir().unwrap();
        let at = chrono::NaiveDate::from_ymd_opt(2026, 1, 1)
            .unwrap()
            .and_hms_opt(9, 0, 0)
            .unwrap();
        let store = Store::open(&dir.path().join("r.db"), Clock::fixed(at)).unwrap();
        store.explain(sql).unwrap().join("\n")
    }

    #[test]
    fn people_and_diagnostics_are_read_from_covering_indexes_in_order() {
        let p = plan(PERSONS_SQL);
        assert!(p.contains("USING COVERING INDEX persons_for_report"), "{p}");
        let d = plan(&DIAGNOSTICS_SQL.replace("?1", "'2026-12-31'"));
        assert!(
            d.contains("USING COVERING INDEX diagnostics_by_person"),
            "{d}"
        );
        // In index order: no sort.
        assert!(
            !p.contains("TEMP B-TREE") && !d.contains("TEMP B-TREE"),
            "{p}\n{d}"
        );
    }

    #[test]
    fn the_demarches_are_one_range_of_their_primary_key_without_sort() {
        let p = plan(&DEMARCHES_SQL.replace("?1", "1").replace("?2", "1000"));
        assert!(p.contains("USING PRIMARY KEY"), "{p}");
        assert!(!p.contains("TEMP B-TREE"), "{p}");
    }

    #[test]
    fn iso_dates_are_read_as_chrono_reads_them() {
        for s in ["2026-01-31", "1999-12-01", "2024-02-29"] {
            let want = chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").ok();
            assert_eq!(iso_day(s.as_bytes()), want, "{s}");
        }
        for s in [
            "2026-02-30",
            "2026-13-01",
            "20x6-01-01",
            "2026/01/01",
            "2026-1-011",
        ] {
            assert_eq!(iso_day(s.as_bytes()), None, "{s}");
        }
    }

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
