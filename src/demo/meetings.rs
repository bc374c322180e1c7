//! Appointments (about monthly from entry, one upcoming) and journal notes.

use super::data::{NOTES, REPORTS};
use super::{at, weekday, Rng};
use crate::domain::codes;
use crate::domain::referential::Theme;
use crate::domain::*;
use chrono::{Duration, NaiveDate, NaiveDateTime};

/// About monthly from entry, over at most the last 18 months, then one upcoming; a
/// follow-up planned for most people still in support.
pub(super) fn appointments(
    rng: &mut Rng,
    hard: &[&Theme],
    entree: NaiveDate,
    end: NaiveDate,
    now: NaiveDateTime,
    exited: bool,
) -> Vec<Appointment> {
    let today = now.date();
    let mut appointments = Vec::new();
    let start = entree.max(today - Duration::days(548));
    let mut d = weekday(start);
    let mut first = true;
    while d <= end {
        let time = at(
            d,
            *rng.pick(&[9, 10, 11, 14, 15, 16]),
            *rng.pick(&[0, 0, 30]),
        );
        let past = time < now;
        let status = if !past {
            codes::APPT_PLANNED
        } else if rng.chance(3) {
            // Forgotten: still "à venir" after the date (statut à préciser).
            codes::APPT_PLANNED
        } else {
            rng.weighted(&[
                ("honore", 72),
                ("excuse", 11),
                ("absent", 13),
                ("annule", 4),
            ])
        };
        let medium = if first {
            "rdv"
        } else {
            rng.weighted(&[
                ("rdv", 60),
                ("telephone", 18),
                ("spontane", 8),
                ("visio", 4),
                ("domicile", 4),
                ("atelier", 6),
            ])
        };
        let (report, demarches) = if status == codes::APPT_HONOURED {
            let t = hard
                .first()
                .map(|t| t.code.clone())
                .unwrap_or_else(|| "numerique".into());
            (
                rng.pick(REPORTS).to_string(),
                vec![Demarche {
                    theme: t,
                    label: rng
                        .pick(&[
                            "Appel partenaire",
                            "Dossier complété",
                            "Orientation",
                            "Mise à jour des droits",
                        ])
                        .to_string(),
                }],
            )
        } else {
            (String::new(), Vec::new())
        };
        appointments.push(Appointment {
            start: Some(time),
            duration_min: *rng.pick(&[30, 45, 60]),
            medium: medium.to_string(),
            status: status.to_string(),
            report,
            demarches,
            ..Default::default()
        });
        first = false;
        d = weekday(d + Duration::days(rng.range(21, 45)));
        if !past {
            break; // one upcoming appointment is enough
        }
    }
    if !exited
        && appointments
            .last()
            .and_then(|a| a.start)
            .is_some_and(|s| s < now)
        && rng.chance(70)
    {
        let d = weekday(today + Duration::days(rng.range(0, 20)));
        appointments.push(Appointment {
            start: Some(at(d, *rng.pick(&[9, 10, 14, 15]), 0)),
            duration_min: 45,
            medium: "rdv".into(),
            status: codes::APPT_PLANNED.into(),
            ..Default::default()
        });
    }
    appointments
}

/// Zero to two notes by the referent, between entry and the end of the support.
pub(super) fn notes(rng: &mut Rng, entree: NaiveDate, end: NaiveDate, author: &str) -> Vec<Note> {
    let mut notes = Vec::new();
    for _ in 0..rng.range(0, 2) {
        let day = entree + Duration::days(rng.range(0, (end - entree).num_days().max(0)));
        notes.push(Note {
            at: Some(at(day, 12, 15)),
            author: author.to_string(),
            private: rng.chance(50),
            text: rng.pick(NOTES).to_string(),
            ..Default::default()
        });
    }
    notes
}
