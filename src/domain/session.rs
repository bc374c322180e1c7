//! Collective sessions (« actions collectives »: ateliers, informations collectives, sorties,
//! forums): one session gathers several people; each participation has its own status
//! (the appointment statuses: à venir, honoré, excusé, absent) and note. The rules a
//! session must respect, whoever writes it (forms, command line, imports), are here.

use super::{codes, Code, Id, RuleError};
use chrono::{NaiveDateTime, NaiveTime};
use serde::{Deserialize, Serialize};

/// A session lasts at least this many minutes (its end is after its start)...
pub const SESSION_MIN_MINUTES: u32 = 5;
/// ...and at most this many (a day-long outing or forum).
pub const SESSION_MAX_MINUTES: u32 = 12 * 60;
/// Minutes proposed for a new session.
pub const SESSION_DEFAULT_MINUTES: u32 = 120;
/// Places proposed for a new session.
pub const SESSION_DEFAULT_CAPACITY: u32 = 10;
/// More places than any room holds: surely a typing slip.
pub const SESSION_MAX_CAPACITY: u32 = 500;

/// One collective session. Its participants are kept with it (one version covers them:
/// two windows enrolling people in one session cannot overwrite each other).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Session {
    pub id: Id,
    pub title: String,
    /// Code from the referential's `session_types` (atelier, information collective...).
    pub kind: Code,
    pub start: Option<NaiveDateTime>,
    pub duration_min: u32,
    pub place: String,
    /// Partner code from the referential or free text.
    pub partner: String,
    /// Places: at least 1, never below the number of people enrolled.
    pub capacity: u32,
    /// Theme codes, separated by spaces (see [`Session::theme_codes`]).
    pub themes: String,
    /// Who runs it (« animateur·rice »).
    pub animateur: String,
    /// The shared report of the session (not per person: see [`Participation::note`]).
    pub report: String,
    /// In enrolment order.
    pub participants: Vec<Participation>,
    /// Bumped by every update; an update carrying an older one is refused.
    #[serde(default)]
    pub version: i64,
}

/// One person enrolled in a session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Participation {
    pub person_id: Id,
    /// Appointment status code: à venir, honoré, excusé, absent.
    pub status: Code,
    /// A note about this person at this session.
    pub note: String,
}

/// Where a person stands when enrolled: enrolling someone who left or whose file is
/// archived is allowed, with a warning.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    Followed,
    Exited,
    Archived,
}

/// A session as one participant's file shows it: the session without the other
/// participants (nor the shared report, which may name them), and this person's status
/// and note. A read model: the session is written through [`Session`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct PersonSession {
    pub session_id: Id,
    pub title: String,
    pub kind: Code,
    pub start: Option<NaiveDateTime>,
    pub duration_min: u32,
    pub place: String,
    pub partner: String,
    pub themes: String,
    pub animateur: String,
    pub status: Code,
    pub note: String,
    /// People enrolled (for « 7 / 10 inscrits »).
    pub enrolled: u32,
    pub capacity: u32,
}

impl PersonSession {
    /// As [`crate::domain::Appointment::effective_status`]: a past session still « à venir »
    /// for this person is « statut à préciser ».
    pub fn effective_status(&self, now: NaiveDateTime) -> &str {
        match self.start {
            Some(s) if self.status == codes::APPT_PLANNED && s < now => codes::APPT_TO_SET,
            _ => self.status.as_str(),
        }
    }
}

fn refuse(field: &'static str, message: String) -> RuleError {
    RuleError { field, message }
}

impl Session {
    /// A new session with the usual duration and capacity.
    pub fn new(title: &str, kind: &str, start: NaiveDateTime) -> Session {
        Session {
            title: title.to_string(),
            kind: kind.to_string(),
            start: Some(start),
            duration_min: SESSION_DEFAULT_MINUTES,
            capacity: SESSION_DEFAULT_CAPACITY,
            ..Default::default()
        }
    }

    pub fn theme_codes(&self) -> Vec<String> {
        self.themes.split_whitespace().map(str::to_string).collect()
    }

    pub fn set_themes(&mut self, codes: &[String]) {
        self.themes = codes.join(" ");
    }

    pub fn end(&self) -> Option<NaiveDateTime> {
        self.start
            .map(|s| s + chrono::Duration::minutes(self.duration_min as i64))
    }

    /// « 7 / 10 inscrits ».
    pub fn capacity_label(&self) -> String {
        format!("{} / {} inscrits", self.participants.len(), self.capacity)
    }

    pub fn places_left(&self) -> usize {
        (self.capacity as usize).saturating_sub(self.participants.len())
    }

    /// The participation of `person_id`, if enrolled.
    pub fn participation(&self, person_id: Id) -> Option<&Participation> {
        self.participants.iter().find(|p| p.person_id == person_id)
    }

    /// Participants whose status was set (anything but « à venir »).
    pub fn attendance_set(&self) -> usize {
        self.participants
            .iter()
            .filter(|p| p.status != codes::APPT_PLANNED)
            .count()
    }

    pub fn count(&self, status: &str) -> usize {
        self.participants
            .iter()
            .filter(|p| p.status == status)
            .count()
    }

    /// Past, with people still « à venir »: statuses to set.
    pub fn statuses_to_set(&self, now: NaiveDateTime) -> usize {
        if self.start.is_some_and(|s| s < now) {
            self.count(codes::APPT_PLANNED)
        } else {
            0
        }
    }

    /// The whole record: a title, a date, a duration (end after start), a capacity of at
    /// least 1 and not below the people enrolled, nobody enrolled twice.
    pub fn check(&self) -> Result<(), RuleError> {
        if self.title.trim().is_empty() {
            return Err(refuse(
                "title",
                "Donnez un intitulé à la séance (ex. « Atelier CV »)".into(),
            ));
        }
        if self.start.is_none() {
            return Err(refuse(
                "start",
                "Indiquez la date et l'heure de la séance (ex. 12/03 14h00)".into(),
            ));
        }
        Self::check_duration(self.duration_min)?;
        self.check_capacity(self.capacity)?;
        let mut seen = std::collections::HashSet::new();
        if let Some(p) = self.participants.iter().find(|p| !seen.insert(p.person_id)) {
            return Err(refuse(
                "participants",
                format!(
                    "La personne n° {} est inscrite deux fois à cette séance",
                    p.person_id
                ),
            ));
        }
        Ok(())
    }

    /// End after start, within a day.
    pub fn check_duration(minutes: u32) -> Result<(), RuleError> {
        if minutes < SESSION_MIN_MINUTES {
            return Err(refuse(
                "duration_min",
                format!(
                    "La fin doit être après le début : une séance dure au moins {SESSION_MIN_MINUTES} minutes"
                ),
            ));
        }
        if minutes > SESSION_MAX_MINUTES {
            return Err(refuse(
                "duration_min",
                format!(
                    "Durée de {minutes} min hors limites : une séance dure au plus {} heures",
                    SESSION_MAX_MINUTES / 60
                ),
            ));
        }
        Ok(())
    }

    /// A capacity for this session: at least 1, and at least the people already enrolled.
    pub fn check_capacity(&self, capacity: u32) -> Result<(), RuleError> {
        let enrolled = self.participants.len();
        if capacity == 0 {
            return Err(refuse(
                "capacity",
                "La capacité doit être d'au moins 1 place".into(),
            ));
        }
        if capacity > SESSION_MAX_CAPACITY {
            return Err(refuse(
                "capacity",
                format!("Capacité de {capacity} places : {SESSION_MAX_CAPACITY} au plus"),
            ));
        }
        if (capacity as usize) < enrolled {
            return Err(refuse(
                "capacity",
                format!(
                    "Capacité de {capacity} place{} : {enrolled} personnes sont déjà inscrites. Désinscrivez-en {} ou gardez au moins {enrolled} places",
                    if capacity > 1 { "s" } else { "" },
                    enrolled - capacity as usize
                ),
            ));
        }
        Ok(())
    }

    /// The duration from an end time typed as « 16h30 » (same day as the start).
    pub fn minutes_until(start: NaiveDateTime, end: NaiveTime) -> Result<u32, RuleError> {
        let end_at = start.date().and_time(end);
        if end_at <= start {
            return Err(refuse(
                "duration_min",
                format!(
                    "La fin ({}) doit être après le début ({})",
                    end.format("%Hh%M"),
                    start.format("%Hh%M")
                ),
            ));
        }
        let minutes = (end_at - start).num_minutes() as u32;
        Self::check_duration(minutes)?;
        Ok(minutes)
    }

    /// Enrols `person_id` (status « à venir »). Refused when already enrolled or when the
    /// session is full; a person who left or whose file is archived is enrolled with a
    /// warning (returned). `name` is for the messages.
    pub fn enrol(
        &mut self,
        person_id: Id,
        name: &str,
        standing: Standing,
    ) -> Result<Option<String>, RuleError> {
        if self.participation(person_id).is_some() {
            return Err(refuse(
                "participants",
                format!("{name} est déjà inscrit·e à « {} »", self.title),
            ));
        }
        if self.places_left() == 0 {
            return Err(refuse(
                "participants",
                format!(
                    "Séance complète ({}) : impossible d'inscrire {name}. Augmentez la capacité ou désinscrivez quelqu'un",
                    self.capacity_label()
                ),
            ));
        }
        self.participants.push(Participation {
            person_id,
            status: codes::APPT_PLANNED.to_string(),
            note: String::new(),
        });
        Ok(match standing {
            Standing::Followed => None,
            Standing::Exited => Some(format!("{name} est sorti·e du dispositif")),
            Standing::Archived => Some(format!("le dossier de {name} est archivé")),
        })
    }

    /// Enrols several people at once: all or none (the capacity is checked for the whole
    /// list first, with one message). Returns the warnings.
    pub fn enrol_all(
        &mut self,
        people: &[(Id, String, Standing)],
    ) -> Result<Vec<String>, RuleError> {
        let new: Vec<_> = people
            .iter()
            .filter(|(id, _, _)| self.participation(*id).is_none())
            .collect();
        if new.len() > self.places_left() {
            let left = self.places_left();
            return Err(refuse(
                "participants",
                format!(
                    "Capacité dépassée : {} et {} personne{} à inscrire, {left} place{} restante{}. Décochez {} personne{} ou augmentez la capacité",
                    self.capacity_label(),
                    new.len(),
                    if new.len() > 1 { "s" } else { "" },
                    if left > 1 { "s" } else { "" },
                    if left > 1 { "s" } else { "" },
                    new.len() - left,
                    if new.len() - left > 1 { "s" } else { "" },
                ),
            ));
        }
        let mut warnings = Vec::new();
        for (id, name, standing) in people {
            warnings.extend(self.enrol(*id, name, *standing)?);
        }
        Ok(warnings)
    }

    /// Removes `person_id` from the session (true if they were enrolled).
    pub fn unenrol(&mut self, person_id: Id) -> bool {
        let before = self.participants.len();
        self.participants.retain(|p| p.person_id != person_id);
        self.participants.len() != before
    }

    /// Sets a participant's status: before the session's day, only « excusé » or « à venir ».
    pub fn set_status(
        &mut self,
        person_id: Id,
        status: &str,
        now: NaiveDateTime,
    ) -> Result<(), RuleError> {
        let not_yet = self.start.is_some_and(|s| s > now);
        if not_yet && (status == codes::APPT_HONOURED || status == codes::APPT_ABSENT) {
            return Err(refuse(
                "status",
                "Cette séance n'a pas encore eu lieu : une personne peut seulement être excusée"
                    .into(),
            ));
        }
        match self
            .participants
            .iter_mut()
            .find(|p| p.person_id == person_id)
        {
            Some(p) => {
                p.status = status.to_string();
                Ok(())
            }
            None => Err(refuse(
                "participants",
                "Cette personne n'est pas inscrite à la séance".into(),
            )),
        }
    }

    /// The view of this session for participant `person_id`.
    pub fn for_person(&self, person_id: Id) -> Option<PersonSession> {
        let p = self.participation(person_id)?;
        Some(PersonSession {
            session_id: self.id,
            title: self.title.clone(),
            kind: self.kind.clone(),
            start: self.start,
            duration_min: self.duration_min,
            place: self.place.clone(),
            partner: self.partner.clone(),
            themes: self.themes.clone(),
            animateur: self.animateur.clone(),
            status: p.status.clone(),
            note: p.note.clone(),
            enrolled: self.participants.len() as u32,
            capacity: self.capacity,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn at(d: u32, h: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 3, d)
            .unwrap()
            .and_hms_opt(h, 0, 0)
            .unwrap()
    }

    fn session(capacity: u32) -> Session {
        Session {
            capacity,
            ..Session::new("Atelier CV", "atelier", at(12, 14))
        }
    }

    #[test]
    fn capacity_is_at_least_one_and_never_below_the_enrolled() {
        assert_eq!(session(0).check().unwrap_err().field, "capacity");
        let mut s = session(3);
        for id in 1..=3 {
            assert_eq!(s.enrol(id, "X", Standing::Followed), Ok(None));
        }
        assert!(s.check().is_ok());
        let e = s.check_capacity(2).unwrap_err();
        assert_eq!(e.field, "capacity");
        assert!(e.message.contains("3 personnes sont déjà inscrites"), "{e}");
        assert_eq!(s.capacity_label(), "3 / 3 inscrits");
        let full = s.enrol(4, "DUPONT Marie", Standing::Followed).unwrap_err();
        assert!(
            full.message.starts_with("Séance complète (3 / 3 inscrits)"),
            "{full}"
        );
        assert_eq!(s.participants.len(), 3);
    }

    #[test]
    fn end_after_start() {
        let start = at(12, 14);
        let e = Session::minutes_until(start, NaiveTime::from_hms_opt(13, 0, 0).unwrap());
        assert_eq!(
            e.unwrap_err().message,
            "La fin (13h00) doit être après le début (14h00)"
        );
        assert_eq!(
            Session::minutes_until(start, NaiveTime::from_hms_opt(16, 30, 0).unwrap()),
            Ok(150)
        );
        let mut s = session(5);
        s.duration_min = 0;
        assert_eq!(s.check().unwrap_err().field, "duration_min");
    }

    #[test]
    fn no_double_enrolment_and_a_warning_for_people_who_left() {
        let mut s = session(5);
        assert_eq!(s.enrol(1, "A", Standing::Followed), Ok(None));
        let twice = s.enrol(1, "DUPONT Marie", Standing::Followed).unwrap_err();
        assert_eq!(
            twice.message,
            "DUPONT Marie est déjà inscrit·e à « Atelier CV »"
        );
        assert_eq!(
            s.enrol(2, "MARTIN Paul", Standing::Exited),
            Ok(Some("MARTIN Paul est sorti·e du dispositif".into()))
        );
        assert!(s.enrol(3, "B", Standing::Archived).unwrap().is_some());
        s.participants.push(s.participants[0].clone());
        assert_eq!(s.check().unwrap_err().field, "participants");
    }

    #[test]
    fn enrolling_several_checks_the_capacity_once() {
        let mut s = session(3);
        s.enrol(1, "A", Standing::Followed).unwrap();
        let people: Vec<_> = (2..=5)
            .map(|i| (i, format!("P{i}"), Standing::Followed))
            .collect();
        let e = s.enrol_all(&people).unwrap_err();
        assert!(
            e.message.starts_with("Capacité dépassée : 1 / 3 inscrits"),
            "{e}"
        );
        assert_eq!(s.participants.len(), 1, "all or nothing");
        assert_eq!(s.enrol_all(&people[..2]), Ok(vec![]));
        assert_eq!(s.capacity_label(), "3 / 3 inscrits");
    }

    #[test]
    fn attendance_only_once_the_session_started() {
        let mut s = session(3);
        s.enrol(1, "A", Standing::Followed).unwrap();
        assert!(s.set_status(1, codes::APPT_HONOURED, at(11, 9)).is_err());
        assert!(s.set_status(1, codes::APPT_EXCUSED, at(11, 9)).is_ok());
        assert!(s.set_status(1, codes::APPT_HONOURED, at(12, 15)).is_ok());
        assert_eq!(s.attendance_set(), 1);
        assert!(s.set_status(9, codes::APPT_ABSENT, at(12, 15)).is_err());
        let mine = s.for_person(1).unwrap();
        assert_eq!(mine.status, codes::APPT_HONOURED);
        assert_eq!(mine.enrolled, 1);
        assert!(s.for_person(2).is_none());
    }
}
