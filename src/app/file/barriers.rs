//! The barriers pane: the checklist (check / uncheck a situation, cycle its status, show
//! only the checked ones), the details form of a barrier and the free barrier form.

use crate::app::form::{items, Field, Form, Purpose, Reader, Refusal};
use crate::app::state::*;
use crate::domain::referential::{label_in, next_code};
use crate::domain::*;
use crate::store::Backend;
use chrono::NaiveDate;

impl App {
    /// « Cochez d'abord la situation (Espace) », with the key that ticks.
    fn check_first(&self) -> String {
        let key = self.keymap.key_label(
            crate::app::keys::Context::Barriers,
            crate::app::keys::Action::Toggle,
        );
        format!("Cochez d'abord la situation ({key})")
    }

    fn selected_barrier_row(&self) -> Option<BarrierRow> {
        let f = self.file.as_ref()?;
        self.barrier_rows(f)
            .get(f.selected[Pane::Barriers.index()])
            .cloned()
    }

    /// Index in the file of the selected barrier; says so when the row is not checked.
    fn selected_barrier(&mut self) -> Option<usize> {
        match self.selected_barrier_row() {
            Some(BarrierRow::Situation {
                barrier: Some(i), ..
            })
            | Some(BarrierRow::Free(i)) => Some(i),
            Some(BarrierRow::Situation { .. }) => {
                self.set_info(self.check_first());
                None
            }
            _ => None,
        }
    }

    pub(crate) fn toggle_barrier(&mut self, store: &mut dyn Backend) {
        let Some(f) = &self.file else { return };
        match self.selected_barrier_row() {
            Some(BarrierRow::Situation {
                theme,
                code,
                barrier: None,
            }) => self.tick_situation(theme, code, store),
            Some(BarrierRow::Situation {
                barrier: Some(i), ..
            })
            | Some(BarrierRow::Free(i)) => {
                let b = f.data.barriers[i].clone();
                let label = self.rf.barrier_label(&b).to_string();
                self.commit_or_report(
                    store,
                    Change::Delete(RecordKind::Barrier, b.id),
                    &self.undo_hint(&format!("Obstacle décoché : {label}")),
                );
            }
            _ => {}
        }
    }

    /// Ticks a situation of the referential (dated today).
    fn tick_situation(&mut self, theme: String, code: String, store: &mut dyn Backend) {
        let Some(f) = &self.file else { return };
        let b = Barrier {
            person_id: f.data.person.id,
            theme,
            situation: Some(code.clone()),
            status: codes::BARRIER_IDENTIFIED.into(),
            since: Some(self.clock.today()),
            ..Default::default()
        };
        let label = self
            .rf
            .situation(&code)
            .map(|(_, s)| s.label.clone())
            .unwrap_or(code);
        self.commit_or_report(
            store,
            Change::Upsert(Record::Barrier(b)),
            &format!("Obstacle coché : {label}"),
        );
    }

    /// The theme of the selected row of the checklist.
    fn selected_barrier_theme(&self) -> Option<String> {
        match self.selected_barrier_row()? {
            BarrierRow::Situation { theme, .. } | BarrierRow::Theme(theme) => Some(theme),
            BarrierRow::Free(i) => Some(self.file.as_ref()?.data.barriers.get(i)?.theme.clone()),
        }
    }

    /// A digit key: ticks (or unticks) the `n`-th situation (from 1) of the selected row's
    /// theme, and selects it. The checklist shows these numbers.
    pub(crate) fn tick_nth(&mut self, n: usize, store: &mut dyn Backend) {
        let Some(theme) = self.selected_barrier_theme() else {
            return;
        };
        let Some(code) = self
            .rf
            .theme(&theme)
            .and_then(|t| t.situations.get(n.wrapping_sub(1)))
            .map(|s| s.code.clone())
        else {
            let label = self
                .rf
                .theme(&theme)
                .map(|t| t.label.as_str())
                .unwrap_or("");
            self.set_info(format!("Pas de situation n° {n} dans « {label} »"));
            return;
        };
        let ticked = self.file.as_ref().and_then(|f| {
            f.data
                .barriers
                .iter()
                .position(|b| b.situation.as_deref() == Some(code.as_str()))
        });
        match ticked {
            Some(_) => {
                self.select_situation(&code);
                self.toggle_barrier(store);
            }
            None => self.tick_situation(theme, code.clone(), store),
        }
        self.select_situation(&code);
    }

    /// Selects the checklist row of situation `code`, when it is shown.
    fn select_situation(&mut self, code: &str) {
        let Some(f) = self.file.as_ref() else { return };
        let row = self
            .barrier_rows(f)
            .iter()
            .position(|r| matches!(r, BarrierRow::Situation { code: c, .. } if c == code));
        if let (Some(row), Some(f)) = (row, self.file.as_mut()) {
            f.selected[Pane::Barriers.index()] = row;
        }
        self.clamp_selection();
    }

    /// A letter in the checklist: the first row of the next theme (after the selected row,
    /// wrapping round) whose label or short label starts with it.
    pub(crate) fn jump_barriers(&mut self, c: char) {
        let Some(f) = self.file.as_ref() else { return };
        let rows = self.barrier_rows(f);
        let sel = f.selected[Pane::Barriers.index()];
        let n = rows.len();
        let found = (1..=n).map(|step| (sel + step) % n).find(|&i| {
            matches!(&rows[i], BarrierRow::Theme(t)
                if self.rf.theme(t).is_some_and(|t| super::theme_starts_with(t, c)))
        });
        match found {
            Some(i) => {
                if let Some(f) = self.file.as_mut() {
                    f.selected[Pane::Barriers.index()] = (i + 1).min(n - 1);
                }
            }
            None if f.checked_only => {
                let full = self.keymap.key_label(
                    crate::app::keys::Context::Barriers,
                    crate::app::keys::Action::ToggleCheckedOnly,
                );
                self.set_info(format!(
                    "Aucun thème coché ne commence par « {c} » ({full} : liste complète)"
                ))
            }
            None => self.set_info(format!("Aucun thème ne commence par « {c} »")),
        }
    }

    pub(crate) fn cycle_barrier_status(&mut self, store: &mut dyn Backend) {
        let Some(idx) = self.selected_barrier() else {
            return;
        };
        let Some(f) = &self.file else { return };
        let mut b = f.data.barriers[idx].clone();
        b.status = next_code(&self.rf.barrier_statuses, &b.status);
        if b.status == codes::BARRIER_LIFTED {
            b.resolved = Some(self.clock.today());
        } else {
            b.resolved = None;
        }
        let what = format!(
            "{} : {}",
            self.rf.barrier_label(&b),
            label_in(&self.rf.barrier_statuses, &b.status)
        );
        self.commit_or_report(store, Change::Upsert(Record::Barrier(b)), &what);
    }

    pub(crate) fn toggle_checked_only(&mut self) {
        if let Some(f) = self.file.as_mut() {
            f.checked_only = !f.checked_only;
            f.selected[Pane::Barriers.index()] = 1;
        }
        self.clamp_selection();
    }

    pub(crate) fn open_barrier_details_form(&mut self) {
        let Some(idx) = self.selected_barrier() else {
            return;
        };
        let Some(f) = &self.file else { return };
        let b = &f.data.barriers[idx];
        let form = details_form(&self.rf, b).with_origin(Record::Barrier(b.clone()));
        self.overlay = Some(Overlay::Form(Box::new(form)));
    }

    pub(crate) fn open_free_barrier_form(&mut self) {
        let theme = match self.selected_barrier_row() {
            Some(BarrierRow::Situation { theme, .. }) | Some(BarrierRow::Theme(theme)) => theme,
            Some(BarrierRow::Free(i)) => self
                .file
                .as_ref()
                .map(|f| f.data.barriers[i].theme.clone())
                .unwrap_or_default(),
            None => String::new(),
        };
        let form = free_form(&self.rf, &theme, self.clock.today());
        self.overlay = Some(Overlay::Form(Box::new(form)));
    }
}

/// Field keys of the barrier forms (details and free barrier).
pub mod key {
    /// Free barriers only: the situation in the advisor's words.
    pub const LABEL: &str = "label";
    pub const THEME: &str = "theme";
    pub const STATUS: &str = "status";
    pub const SINCE: &str = "since";
    pub const RESOLVED: &str = "resolved";
    pub const NOTE: &str = "note";
}

/// The form field showing a barrier's struct field named by a rule of `Barrier::check`.
fn key_of(field: &str) -> Option<&'static str> {
    match field {
        "since" => Some(key::SINCE),
        "resolved" => Some(key::RESOLVED),
        _ => None,
    }
}

// ----- details of a checked barrier -----

/// The details of a barrier; a free one (no referential situation) also has its label.
pub fn details_form(rf: &Referential, b: &Barrier) -> Form {
    let mut fields = Vec::new();
    if b.situation.is_none() {
        fields.push(Field::text(key::LABEL, "Situation", &b.label).required());
    }
    fields.extend([
        Field::choice(
            key::STATUS,
            "Statut",
            items(&rf.barrier_statuses),
            &b.status,
        ),
        Field::date(key::SINCE, "Depuis le", b.since),
        Field::date(key::RESOLVED, "Levé le", b.resolved),
        Field::multiline(key::NOTE, "Note", &b.note),
    ]);
    let title = format!("Obstacle — {}", rf.barrier_label(b));
    Form::new(&title, Purpose::BarrierDetails(b.id), fields)
}

/// A barrier set to « levé » without a date is lifted `today`.
pub fn read_details(r: &Reader, mut b: Barrier, today: NaiveDate) -> Result<Change, Refusal> {
    let before = b.clone();
    if r.has(key::LABEL) {
        b.label = r.text(key::LABEL)?;
    }
    b.status = r.choice(key::STATUS)?;
    b.since = r.date(key::SINCE)?;
    b.resolved = r.date(key::RESOLVED)?;
    b.check_dates(&before, today)
        .map_err(|e| Refusal::rule(e, key_of))?;
    b.check().map_err(|e| Refusal::rule(e, key_of))?;
    if b.status == codes::BARRIER_LIFTED && b.resolved.is_none() {
        b.resolved = Some(today);
    }
    b.note = r.text(key::NOTE)?;
    Ok(Change::Upsert(Record::Barrier(b)))
}

// ----- a free barrier -----

pub fn free_form(rf: &Referential, theme: &str, today: NaiveDate) -> Form {
    let mut form = Form::new(
        "Autre obstacle",
        Purpose::FreeBarrier,
        vec![
            Field::choice(key::THEME, "Thème", super::theme_choices(rf, false), theme),
            Field::text(key::LABEL, "Situation", "").required(),
            Field::choice(
                key::STATUS,
                "Statut",
                items(&rf.barrier_statuses),
                codes::BARRIER_IDENTIFIED,
            ),
            Field::date(key::SINCE, "Depuis le", Some(today)),
            Field::multiline(key::NOTE, "Note", ""),
        ],
    );
    form.focus = 1;
    form
}

pub fn read_free(r: &Reader, person_id: Id) -> Result<Change, Refusal> {
    let b = Barrier {
        person_id,
        theme: r.choice(key::THEME)?,
        situation: None,
        label: r.text(key::LABEL)?,
        status: r.choice(key::STATUS)?,
        since: r.date(key::SINCE)?,
        note: r.text(key::NOTE)?,
        ..Default::default()
    };
    b.check_dates(&Barrier::default(), r.now().date())
        .map_err(|e| Refusal::rule(e, key_of))?;
    Ok(Change::Upsert(Record::Barrier(b)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::form::tests::{choose, now, set, validated};

    fn d(y: i32, m: u32, day: u32) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(y, m, day)
    }

    fn upserted(c: Result<Change, Refusal>) -> Result<Barrier, Refusal> {
        match c? {
            Change::Upsert(Record::Barrier(b)) => Ok(b),
            other => panic!("not a barrier upsert: {other:?}"),
        }
    }

    fn situation_barrier(rf: &Referential) -> Barrier {
        let theme = rf.active_themes().next().unwrap();
        Barrier {
            id: 3,
            person_id: 9,
            theme: theme.code.clone(),
            situation: Some(theme.situations[0].code.clone()),
            status: codes::BARRIER_IDENTIFIED.into(),
            since: d(2026, 1, 5),
            ..Default::default()
        }
    }

    fn free_barrier() -> Barrier {
        Barrier {
            situation: None,
            label: "Garde d'enfant le soir".into(),
            ..situation_barrier(&Referential::embedded())
        }
    }

    #[test]
    fn details_reader_reads_every_key_of_both_variants() {
        let rf = Referential::embedded();
        for b in [situation_barrier(&rf), free_barrier()] {
            let form = validated(details_form(&rf, &b));
            let got = upserted(read_details(
                &Reader::new(&form, now()),
                b.clone(),
                now().date(),
            ));
            assert_eq!(got, Ok(b), "an untouched form changes nothing");
        }
    }

    #[test]
    fn details_reader_cases() {
        let rf = Referential::embedded();
        let today = now().date();
        struct Case {
            name: &'static str,
            barrier: Barrier,
            typed: &'static [(&'static str, &'static str)],
            status: &'static str,
            want: Result<(Option<NaiveDate>, &'static str), Refusal>,
        }
        let cases = [
            Case {
                name: "lifted_with_its_date",
                barrier: situation_barrier(&rf),
                typed: &[(key::RESOLVED, "01/03/2026")],
                status: codes::BARRIER_LIFTED,
                want: Ok((d(2026, 3, 1), "")),
            },
            Case {
                name: "lifted_without_date_is_lifted_today",
                barrier: situation_barrier(&rf),
                typed: &[],
                status: codes::BARRIER_LIFTED,
                want: Ok((Some(today), "")),
            },
            Case {
                name: "in_progress_keeps_no_date",
                barrier: situation_barrier(&rf),
                typed: &[(key::NOTE, " suivi PMI ")],
                status: codes::BARRIER_IN_PROGRESS,
                want: Ok((None, "suivi PMI")),
            },
            Case {
                name: "lifted_before_identified",
                barrier: situation_barrier(&rf),
                typed: &[(key::RESOLVED, "04/01/2026")],
                status: codes::BARRIER_LIFTED,
                want: Err(Refusal::field(
                    key::RESOLVED,
                    "La levée précède la date d'apparition",
                )),
            },
            Case {
                name: "free_barrier_relabelled",
                barrier: free_barrier(),
                typed: &[(key::LABEL, "Garde d'enfant le mercredi")],
                status: codes::BARRIER_IDENTIFIED,
                want: Ok((None, "")),
            },
        ];
        for c in cases {
            let mut form = details_form(&rf, &c.barrier);
            for (k, v) in c.typed {
                set(&mut form, k, v);
            }
            choose(&mut form, key::STATUS, c.status);
            let form = validated(form);
            let got = upserted(read_details(
                &Reader::new(&form, now()),
                c.barrier.clone(),
                today,
            ));
            match (got, c.want) {
                (Ok(b), Ok((resolved, note))) => {
                    assert_eq!(b.status, c.status, "{}", c.name);
                    assert_eq!(b.resolved, resolved, "{}", c.name);
                    assert_eq!(b.note, note, "{}", c.name);
                    assert_eq!((b.id, b.person_id), (3, 9), "{}", c.name);
                    let label = c.typed.iter().find(|(k, _)| *k == key::LABEL);
                    let want_label = label.map(|(_, v)| *v).unwrap_or(&c.barrier.label);
                    assert_eq!(b.label, want_label, "{}", c.name);
                }
                (got, want) => assert_eq!(got.map(|_| ()), want.map(|_| ()), "{}", c.name),
            }
        }
    }

    #[test]
    fn free_reader_builds_a_new_barrier() {
        let rf = Referential::embedded();
        let theme = rf.active_themes().nth(1).unwrap().code.clone();
        let mut form = free_form(&rf, &theme, now().date());
        set(&mut form, key::LABEL, "  Dettes de loyer ");
        set(&mut form, key::NOTE, "voir CCAS");
        let form = validated(form);
        let b = upserted(read_free(&Reader::new(&form, now()), 9)).unwrap();
        assert_eq!(
            b,
            Barrier {
                person_id: 9,
                theme,
                situation: None,
                label: "Dettes de loyer".into(),
                status: codes::BARRIER_IDENTIFIED.into(),
                since: Some(now().date()),
                note: "voir CCAS".into(),
                ..Default::default()
            }
        );
    }
}
