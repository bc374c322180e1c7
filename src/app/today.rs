//! The today view: today's and tomorrow's appointments, statuses to set, overdue actions
//! and the people to contact, read from the store each time it is shown.

use super::keys::Action;
use super::state::*;
use crate::dates::{format_date, format_datetime};
use crate::domain::referential::label_in;
use crate::domain::*;
use crate::store::Backend;
use chrono::{Duration, NaiveDate};
use std::collections::HashSet;

/// Rows of one section of the today view, or the store's error.
type Section = Result<Vec<TodayRow>, String>;

impl App {
    pub(super) fn show_today(&mut self, store: &dyn Backend) {
        self.finish_caseload(); // the view counts every person
        if self.screen != Screen::Today {
            self.previous_screen = self.screen;
        }
        self.screen = Screen::Today;
        self.today = self.build_today(store);
    }

    /// Rebuilds the view, keeping the selection where it was.
    pub(super) fn refresh_today(&mut self, store: &dyn Backend) {
        self.finish_caseload();
        let sel = self.today.selected;
        self.today = self.build_today(store);
        self.today.selected = sel.min(self.today.rows.len().saturating_sub(1));
    }

    /// Échap: back to the file it was opened from, else to the caseload.
    pub(super) fn leave_today(&mut self, store: &dyn Backend) {
        if self.previous_screen == Screen::File && self.file.is_some() {
            self.screen = Screen::File;
        } else {
            self.back_to_caseload(store);
        }
    }

    pub(super) fn open_today_row(&mut self, store: &dyn Backend) {
        if let Some(TodayRow::Item { person_id, .. }) =
            self.today.rows.get(self.today.selected).cloned()
        {
            self.open_person(person_id, store);
        }
    }

    pub(super) fn move_today(&mut self, action: Action, step: impl Fn(usize, usize) -> usize) {
        let len = self.today.rows.len();
        let mut s = step(self.today.selected, len);
        // Skip headers in the direction of travel.
        let down = matches!(action, Action::Down | Action::PageDown | Action::Top);
        while let Some(TodayRow::Header(_) | TodayRow::Empty(_)) = self.today.rows.get(s) {
            let n = if down { s + 1 } else { s.wrapping_sub(1) };
            if n >= len {
                break;
            }
            s = n;
        }
        self.today.selected = s;
    }

    pub(super) fn build_today(&self, store: &dyn Backend) -> TodayState {
        let today = self.clock.today();
        // "Ma file active": the today view shows only my people too.
        let mine: Option<HashSet<Id>> = self.caseload.mine.then(|| {
            let me = crate::text::fold(self.me.trim());
            self.caseload
                .rows
                .iter()
                .filter(|r| crate::text::fold(&r.referent) == me)
                .map(|r| r.person_id)
                .collect()
        });
        let mut rows = Vec::new();
        let mut err = None;
        let mut section = |title: &str, items: Section, empty: &str| match items {
            Ok(items) => push_section(&mut rows, mine.as_ref(), title, items, empty),
            Err(e) => err = Some(e),
        };
        let day = |d: NaiveDate| d.and_hms_opt(0, 0, 0).unwrap_or_default();
        let tomorrow = today + Duration::days(1);
        let after = tomorrow + Duration::days(1);
        let agenda = |from, to| self.agenda_rows(store, day(from), day(to));
        section("Aujourd'hui", agenda(today, tomorrow), "Aucun rendez-vous");
        section("Demain", agenda(tomorrow, after), "Aucun rendez-vous");
        section(
            "Statuts de rendez-vous à préciser",
            self.to_set_rows(store),
            "Tout est à jour",
        );
        section(
            "Actions en retard",
            self.overdue_rows(store, today),
            "Aucune action en retard",
        );
        let contact = self.contact_rows(today);
        let n = contact.len();
        let title = format!(
            "Personnes à contacter{}",
            if n > 100 { " (100 premières)" } else { "" }
        );
        section(
            &title,
            Ok(contact.into_iter().take(100).collect()),
            "Personne à relancer",
        );
        // Shown only when one is due: the section is a reminder, not a daily list.
        match self.veille_rows(store, today) {
            Ok(items) if items.is_empty() => {}
            items => section(
                "Veille à 6 mois à faire",
                items,
                "Aucune veille à 6 mois à faire",
            ),
        }
        // Only when there is one: the view stays as it was for structures outside the IAE.
        match self.eligibility_rows(store, today) {
            Ok(items) if !items.is_empty() => section(
                "Éligibilité IAE à renouveler",
                Ok(items),
                "Aucun diagnostic à renouveler",
            ),
            Ok(_) => {}
            Err(e) => err = Some(e),
        }
        if let Some(e) = err {
            rows.insert(0, TodayRow::Empty(e));
        }
        let selected = rows
            .iter()
            .position(|r| matches!(r, TodayRow::Item { .. }))
            .unwrap_or(0);
        TodayState { rows, selected }
    }

    fn agenda_rows(
        &self,
        store: &dyn Backend,
        from: chrono::NaiveDateTime,
        to: chrono::NaiveDateTime,
    ) -> Section {
        let now = self.clock.now();
        let items = store.agenda(from, to).map_err(|e| e.to_string())?;
        let mut rows: Vec<TodayRow> = items
            .into_iter()
            .map(|it| TodayRow::Item {
                person_id: it.person_id,
                when: it
                    .appointment
                    .start
                    .map(|s| s.format("%Hh%M").to_string())
                    .unwrap_or_default(),
                who: it.person_name,
                what: format!(
                    "{} · {}",
                    label_in(&self.rf.appointment_media, &it.appointment.medium),
                    self.appt_status_label(&it.appointment)
                ),
                alert: it.appointment.effective_status(now) == codes::APPT_TO_SET,
            })
            .collect();
        rows.extend(self.session_agenda_rows(store, from, to)?);
        // Appointments and sessions together, by time (stable: names stay in order).
        rows.sort_by(|a, b| match (a, b) {
            (TodayRow::Item { when: x, .. }, TodayRow::Item { when: y, .. }) => x.cmp(y),
            _ => std::cmp::Ordering::Equal,
        });
        Ok(rows)
    }

    /// One line per participant of each session in [from, to), marked « [collectif] ».
    fn session_agenda_rows(
        &self,
        store: &dyn Backend,
        from: chrono::NaiveDateTime,
        to: chrono::NaiveDateTime,
    ) -> Result<Vec<TodayRow>, String> {
        let now = self.clock.now();
        let archived: HashSet<Id> = self
            .caseload
            .rows
            .iter()
            .filter(|r| r.archived)
            .map(|r| r.person_id)
            .collect();
        let sessions = store
            .sessions_between(from, to)
            .map_err(|e| e.to_string())?;
        let mut rows = Vec::new();
        for s in &sessions {
            for p in s
                .participants
                .iter()
                .filter(|p| !archived.contains(&p.person_id))
            {
                let to_set = p.status == codes::APPT_PLANNED && s.start.is_some_and(|t| t < now);
                let status = if to_set {
                    "Statut à préciser".to_string()
                } else {
                    label_in(&self.rf.appointment_statuses, &p.status).to_string()
                };
                rows.push(TodayRow::Item {
                    person_id: p.person_id,
                    when: s
                        .start
                        .map(|t| t.format("%Hh%M").to_string())
                        .unwrap_or_default(),
                    who: self.person_name(p.person_id),
                    what: format!("[collectif] {} · {status}", s.title),
                    alert: to_set,
                });
            }
        }
        Ok(rows)
    }

    fn to_set_rows(&self, store: &dyn Backend) -> Section {
        let items = store.appointments_to_set(50).map_err(|e| e.to_string())?;
        Ok(items
            .into_iter()
            .map(|it| TodayRow::Item {
                person_id: it.person_id,
                when: it
                    .appointment
                    .start
                    .map(format_datetime)
                    .unwrap_or_default(),
                who: it.person_name,
                what: "statut à préciser".into(),
                alert: true,
            })
            .collect())
    }

    fn overdue_rows(&self, store: &dyn Backend, today: NaiveDate) -> Section {
        let items = store
            .overdue_actions(today, &self.open_statuses(), 50)
            .map_err(|e| e.to_string())?;
        Ok(items
            .into_iter()
            .map(|it| TodayRow::Item {
                person_id: it.person_id,
                when: it.action.due.map(format_date).unwrap_or_default(),
                who: it.person_name,
                what: format!("{} (en retard)", it.action.label),
                alert: true,
            })
            .collect())
    }

    /// Latest eligibility diagnostics expiring within a month (from today on).
    fn eligibility_rows(&self, store: &dyn Backend, today: NaiveDate) -> Section {
        let until = today
            .checked_add_months(chrono::Months::new(crate::domain::ALERT_MONTHS))
            .unwrap_or(today);
        let items = store
            .eligibilities_expiring(today, until, 50)
            .map_err(|e| e.to_string())?;
        Ok(items
            .into_iter()
            .map(|it| TodayRow::Item {
                person_id: it.person_id,
                when: format_date(it.expires),
                who: it.person_name,
                what: format!("éligibilité IAE ({}) expire : à renouveler", it.structure),
                alert: true,
            })
            .collect())
    }

    /// People without a first contact, or without an interview for a month.
    fn contact_rows(&self, today: NaiveDate) -> Vec<TodayRow> {
        let mut contact = Vec::new();
        // Archived files are out of the daily work.
        for r in self.caseload.rows.iter().filter(|r| !r.archived) {
            let a = r.alerts(today);
            if a.no_first_contact {
                contact.push(TodayRow::Item {
                    person_id: r.person_id,
                    when: r.date_orientation.map(format_date).unwrap_or_default(),
                    who: r.display_name(),
                    what: "orientée il y a 15 jours ou plus, premier contact à prendre".into(),
                    alert: true,
                });
            } else if a.no_interview {
                contact.push(TodayRow::Item {
                    person_id: r.person_id,
                    when: r
                        .last_honoured
                        .map(|d| format_date(d.date()))
                        .unwrap_or_default(),
                    who: r.display_name(),
                    what: "aucun entretien depuis plus d'un mois".into(),
                    alert: true,
                });
            }
        }
        contact
    }

    /// Exits 6 months old or more whose situation is not recorded yet.
    fn veille_rows(&self, store: &dyn Backend, today: NaiveDate) -> Section {
        let items = store.veilles_due(today, 50).map_err(|e| e.to_string())?;
        let key = self.parcours_key();
        Ok(items
            .into_iter()
            .map(|it| TodayRow::Item {
                person_id: it.person_id,
                when: format_date(it.sortie_date),
                who: it.person_name,
                what: format!("situation après la sortie à noter ({key})"),
                alert: true,
            })
            .collect())
    }

    pub fn appt_status_label(&self, a: &Appointment) -> String {
        let s = a.effective_status(self.clock.now());
        if s == codes::APPT_TO_SET {
            "statut à préciser".into()
        } else {
            label_in(&self.rf.appointment_statuses, s).to_string()
        }
    }
}

/// A header with the count, the rows (only my people with "ma file active"), or a line
/// saying there is nothing.
fn push_section(
    rows: &mut Vec<TodayRow>,
    mine: Option<&HashSet<Id>>,
    title: &str,
    mut items: Vec<TodayRow>,
    empty: &str,
) {
    if let Some(mine) = mine {
        items.retain(|r| match r {
            TodayRow::Item { person_id, .. } => mine.contains(person_id),
            _ => true,
        });
    }
    rows.push(TodayRow::Header(format!("{title} ({})", items.len())));
    if items.is_empty() {
        rows.push(TodayRow::Empty(empty.to_string()));
    }
    rows.extend(items);
}
