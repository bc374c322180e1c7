//! iCalendar (RFC 5545) of appointments, for the advisor's calendar (Outlook, Thunderbird,
//! a phone). Each appointment is written by the `icalendar` crate (its TEXT escaping of
//! `\ ; ,` and newlines, and its folding of content lines at 75 octets on a UTF-8
//! boundary); the calendar around them is written here, one event at a time, so memory
//! stays flat whatever the number of appointments.
//!
//! - `UID` is stable (the appointment's number and its person's n° de dossier): importing
//!   a newer export updates the events instead of duplicating them; `SEQUENCE` is the
//!   file's version, which grows with every change.
//! - Times are Paris wall-clock times, as stored: `DTSTART;TZID=Europe/Paris`, with the
//!   `VTIMEZONE` that defines it (EU summer time rules); `DTSTAMP` is in UTC.
//! - Privacy by default: the summary holds the person's initials and n° de dossier, never
//!   the name nor anything of the report; `--avec-noms` puts the name (and is audited).
//! - A cancelled appointment is `STATUS:CANCELLED` (the calendar strikes it out).

use super::selection::Selection;
use super::ExportError;
use crate::domain::referential::label_in;
use crate::domain::{codes, Person, Referential};
use crate::store::exports::AppointmentExport;
use crate::store::{exports, Backend};
use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, TimeZone, Utc, Weekday};
use icalendar::{CalendarDateTime, Component, Event, EventLike, EventStatus};
use std::io::Write;

pub const PRODID: &str = "-//parcours//Rendez-vous d'accompagnement//FR";
pub const TZID: &str = "Europe/Paris";

/// The calendar's head: version, product, and the Europe/Paris time zone (CET / CEST,
/// summer time from the last Sunday of March to the last Sunday of October).
const HEAD: &[&str] = &[
    "BEGIN:VCALENDAR",
    "VERSION:2.0",
    "PRODID:-//parcours//Rendez-vous d'accompagnement//FR",
    "CALSCALE:GREGORIAN",
    "METHOD:PUBLISH",
    "X-WR-TIMEZONE:Europe/Paris",
    "BEGIN:VTIMEZONE",
    "TZID:Europe/Paris",
    "BEGIN:DAYLIGHT",
    "TZOFFSETFROM:+0100",
    "TZOFFSETTO:+0200",
    "TZNAME:CEST",
    "DTSTART:19700329T020000",
    "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU",
    "END:DAYLIGHT",
    "BEGIN:STANDARD",
    "TZOFFSETFROM:+0200",
    "TZOFFSETTO:+0100",
    "TZNAME:CET",
    "DTSTART:19701025T030000",
    "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU",
    "END:STANDARD",
    "END:VTIMEZONE",
];

/// An appointment stored without a duration lasts as long as the form's default.
const DEFAULT_MINUTES: i64 = 45;

/// Last Sunday of `month` in `year`.
fn last_sunday(year: i32, month: u32) -> NaiveDate {
    let first_next = if month == 12 {
        NaiveDate::from_ymd_opt(year + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(year, month + 1, 1)
    }
    .unwrap_or(NaiveDate::MIN);
    let mut d = first_next - Duration::days(1);
    while d.weekday() != Weekday::Sun {
        d -= Duration::days(1);
    }
    d
}

/// A Paris wall-clock time in UTC, by the rules of the VTIMEZONE above (the repeated hour
/// of October is taken as summer time; the missing hour of March as winter time).
pub fn paris_to_utc(local: NaiveDateTime) -> chrono::DateTime<Utc> {
    let y = local.year();
    let summer_start = last_sunday(y, 3).and_hms_opt(2, 0, 0);
    let summer_end = last_sunday(y, 10).and_hms_opt(3, 0, 0);
    let summer = matches!((summer_start, summer_end), (Some(a), Some(b)) if local >= a + Duration::hours(1) && local < b);
    let offset = if summer { 2 } else { 1 };
    Utc.from_utc_datetime(&(local - Duration::hours(offset)))
}

/// "M. D." : the first letter of the first name and of the name.
pub fn initials(p: &Person) -> String {
    [&p.prenom, &p.nom]
        .iter()
        .filter_map(|s| s.chars().find(|c| c.is_alphabetic()))
        .map(|c| format!("{}.", c.to_uppercase()))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Line breaks as `\n` only: the crate escapes `\n`, a lone CR would stay raw.
fn one_kind_of_newline(s: &str) -> String {
    s.replace("\r\n", "\n").replace('\r', "\n")
}

/// The UID of an appointment: stable across exports.
pub fn uid(appointment_id: i64, dossier: &str) -> String {
    format!("rdv-{appointment_id}-{dossier}@parcours")
}

/// One VEVENT (None for an appointment without a date).
fn event(
    rf: &Referential,
    a: &AppointmentExport,
    stamp: chrono::DateTime<Utc>,
    with_names: bool,
) -> Option<Event> {
    let appt = &a.appointment;
    let start = appt.start?;
    let minutes = match i64::from(appt.duration_min) {
        0 => DEFAULT_MINUTES,
        m => m,
    };
    let who = if with_names {
        a.person.display_name()
    } else {
        initials(&a.person)
    };
    let summary = format!("RDV {who} – n° {}", a.person.dossier);
    let description = format!(
        "Modalité : {}\nN° de dossier : {}",
        label_in(&rf.appointment_media, &appt.medium),
        a.person.dossier
    );
    let at = |dt: NaiveDateTime| CalendarDateTime::WithTimezone {
        date_time: dt,
        tzid: TZID.to_string(),
    };
    let status = if appt.status == codes::APPT_CANCELLED {
        EventStatus::Cancelled
    } else {
        EventStatus::Confirmed
    };
    Some(
        Event::new()
            .uid(&uid(appt.id, &a.person.dossier))
            .timestamp(stamp)
            .sequence(u32::try_from(a.person.version).unwrap_or(0))
            .starts(at(start))
            .ends(at(start + Duration::minutes(minutes)))
            .summary(&one_kind_of_newline(&summary))
            .description(&one_kind_of_newline(&description))
            .status(status)
            .class(icalendar::Class::Confidential)
            .done(),
    )
}

/// Writes the calendar of `sel`; returns the number of events.
pub fn write_ics<W: Write>(
    store: &dyn Backend,
    rf: &Referential,
    sel: &Selection,
    mut out: W,
) -> Result<usize, ExportError> {
    for line in HEAD {
        write!(out, "{line}\r\n")?;
    }
    let stamp = paris_to_utc(store.clock().now());
    let mut events = 0;
    let mut text = String::new();
    // One snapshot: the rows stream from it (a cursor on the server) as they are written.
    crate::store::read(store, |db| {
        Ok(exports::export_appointments_on(db, &sel.filter, |a| {
            if let Some(e) = event(rf, &a, stamp, sel.with_names) {
                text.clear();
                e.fmt_write(&mut text).map_err(|_| {
                    ExportError::Invalid("Export ics impossible (mise en forme)".into())
                })?;
                out.write_all(text.as_bytes())?;
                events += 1;
            }
            Ok::<(), ExportError>(())
        }))
    })??;
    out.write_all(b"END:VCALENDAR\r\n")?;
    out.flush()?;
    Ok(events)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dt(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
    }

    #[test]
    fn paris_offsets_follow_the_summer_time_rules() {
        let utc = |s| paris_to_utc(dt(s)).format("%Y-%m-%d %H:%M").to_string();
        assert_eq!(utc("2026-01-15 10:00"), "2026-01-15 09:00");
        assert_eq!(utc("2026-07-15 10:00"), "2026-07-15 08:00");
        // 29 March 2026 and 25 October 2026 are the last Sundays.
        assert_eq!(utc("2026-03-29 01:59"), "2026-03-29 00:59");
        assert_eq!(utc("2026-03-29 03:00"), "2026-03-29 01:00");
        assert_eq!(utc("2026-10-25 02:30"), "2026-10-25 00:30");
        assert_eq!(utc("2026-10-25 03:00"), "2026-10-25 02:00");
        assert_eq!(
            last_sunday(2027, 3),
            NaiveDate::from_ymd_opt(2027, 3, 28).unwrap()
        );
        assert_eq!(
            last_sunday(2027, 10),
            NaiveDate::from_ymd_opt(2027, 10, 31).unwrap()
        );
    }

    #[test]
    fn initials_take_first_name_then_name() {
        let p = Person::new("dupont", "élodie");
        assert_eq!(initials(&p), "É. D.");
        let p = Person::new("'t Hooft", "");
        assert_eq!(initials(&p), "T.");
    }

    #[test]
    fn head_lines_are_short_and_plain() {
        for l in HEAD {
            assert!(l.len() <= 75 && l.is_ascii(), "{l}");
        }
        assert!(HEAD.contains(&format!("PRODID:{PRODID}").as_str()));
    }
}
