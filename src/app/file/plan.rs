//! The action plan pane: objectives and their actions (cycle a status, edit, delete), the
//! action form and the objective form.

use crate::app::form::{items, Field, Form, Purpose, Reader, Refusal};
use crate::app::keys::{Action, Context, Keymap};
use crate::app::state::*;
use crate::domain::referential::{label_in, next_code};
use crate::domain::*;
use crate::store::Backend;

impl App {
    fn selected_plan_row(&self) -> Option<PlanRow> {
        let f = self.file.as_ref()?;
        self.plan_rows(f)
            .get(f.selected[Pane::Plan.index()])
            .copied()
    }

    pub(crate) fn cycle_plan_status(&mut self, store: &mut dyn Backend) {
        let Some(f) = &self.file else { return };
        match self.selected_plan_row() {
            Some(PlanRow::Action(i)) => {
                let mut a = f.data.actions[i].clone();
                a.status = next_code(&self.rf.action_statuses, &a.status);
                let what = format!(
                    "{} : {}",
                    a.label,
                    label_in(&self.rf.action_statuses, &a.status)
                );
                self.commit_or_report(store, Change::Upsert(Record::Action(a)), &what);
            }
            Some(PlanRow::Objective(i)) => {
                let mut o = f.data.objectives[i].clone();
                o.status = next_code(&self.rf.objective_statuses, &o.status);
                let what = format!(
                    "{} : {}",
                    o.label,
                    label_in(&self.rf.objective_statuses, &o.status)
                );
                self.commit_or_report(store, Change::Upsert(Record::Objective(o)), &what);
            }
            None => {}
        }
    }

    pub(crate) fn edit_selected_plan_row(&mut self) {
        let Some(f) = &self.file else { return };
        match self.selected_plan_row() {
            Some(PlanRow::Action(i)) => {
                let a = f.data.actions[i].clone();
                self.open_action_form(Some(a));
            }
            Some(PlanRow::Objective(i)) => {
                let o = f.data.objectives[i].clone();
                self.open_objective_form(Some(o));
            }
            None => {}
        }
    }

    pub(crate) fn delete_selected_plan_row(&mut self, store: &mut dyn Backend) {
        let Some(f) = &self.file else { return };
        match self.selected_plan_row() {
            Some(PlanRow::Action(i)) => {
                let id = f.data.actions[i].id;
                self.commit_or_report(
                    store,
                    Change::Delete(RecordKind::Action, id),
                    &self.undo_hint("Action supprimée"),
                );
            }
            Some(PlanRow::Objective(i)) => {
                let id = f.data.objectives[i].id;
                self.commit_or_report(
                    store,
                    Change::Delete(RecordKind::Objective, id),
                    &self.undo_hint("Objectif supprimé"),
                );
            }
            None => {}
        }
    }

    pub(crate) fn open_action_form(&mut self, existing: Option<PlanAction>) {
        let Some(f) = &self.file else { return };
        // New action: attach to the objective under the cursor, if any.
        let objective_id = match (&existing, self.selected_plan_row()) {
            (Some(a), _) => a.objective_id,
            (None, Some(PlanRow::Objective(i))) => Some(f.data.objectives[i].id),
            (None, Some(PlanRow::Action(i))) => f.data.actions[i].objective_id,
            (None, None) => None,
        };
        let origin = existing.clone().map(Record::Action);
        let mut form = action_form(
            &self.rf,
            &f.data.objectives,
            existing,
            objective_id,
            &self.keymap,
        );
        form.origin = origin;
        let themes = self.themes_in_hand(objective_id);
        if let Some(field) = form.field_mut(action_key::LABEL) {
            field.preferred = self
                .rf
                .action_types
                .iter()
                .filter(|t| t.theme.as_ref().is_some_and(|th| themes.contains(th)))
                .map(|t| t.code.clone())
                .collect();
        }
        self.overlay = Some(Overlay::Form(Box::new(form)));
    }

    /// The themes a new action most likely belongs to, for the order of its suggestions:
    /// its objective's theme; else the themes of the open obstacles; else those the
    /// diagnostic rates as an obstacle.
    fn themes_in_hand(&self, objective_id: Option<Id>) -> Vec<String> {
        let Some(f) = &self.file else {
            return Vec::new();
        };
        let d = &f.data;
        if let Some(t) = objective_id
            .and_then(|id| d.objectives.iter().find(|o| o.id == id))
            .and_then(|o| o.theme.clone())
        {
            return vec![t];
        }
        let open: Vec<String> = d
            .barriers
            .iter()
            .filter(|b| b.status != codes::BARRIER_LIFTED)
            .map(|b| b.theme.clone())
            .collect();
        if !open.is_empty() {
            return open;
        }
        d.current_diagnostic()
            .map(|diag| {
                diag.themes
                    .iter()
                    .filter(|t| self.rf.level_rank(&t.level) >= 3)
                    .map(|t| t.theme.clone())
                    .collect()
            })
            .unwrap_or_default()
    }

    pub(crate) fn open_objective_form(&mut self, existing: Option<Objective>) {
        let origin = existing.clone().map(Record::Objective);
        let mut form = objective_form(&self.rf, existing);
        form.origin = origin;
        self.overlay = Some(Overlay::Form(Box::new(form)));
    }
}

// ----- the action form -----

/// Field keys of the action form.
pub mod action_key {
    pub const LABEL: &str = "label";
    pub const PARTNER: &str = "partner";
    pub const DUE: &str = "due";
    pub const STATUS: &str = "status";
    pub const OBJECTIVE: &str = "objective";
    pub const OUTCOME: &str = "outcome";
}

/// A new action of the open file, before its form is read.
pub fn new_action(person_id: Id) -> PlanAction {
    PlanAction {
        person_id,
        ..Default::default()
    }
}

/// The action form; `objective_id` preselects its objective.
pub fn action_form(
    rf: &Referential,
    objectives: &[Objective],
    existing: Option<PlanAction>,
    objective_id: Option<Id>,
    keymap: &Keymap,
) -> Form {
    use action_key as k;
    let a = existing.clone().unwrap_or_else(|| PlanAction {
        status: codes::ACTION_PLANNED.into(),
        ..Default::default()
    });
    let mut choices = vec![(String::new(), "(aucun)".to_string())];
    choices.extend(
        objectives
            .iter()
            .map(|o| (o.id.to_string(), o.label.clone())),
    );
    let types: Vec<(String, String)> = rf
        .action_types
        .iter()
        .map(|t| (t.code.clone(), t.label.clone()))
        .collect();
    let partner_label = label_in(&rf.partners, &a.partner).to_string();
    let objective = objective_id.map(|i| i.to_string()).unwrap_or_default();
    let fields = vec![
        Field::completion(k::LABEL, "Action", types, &a.label).required(),
        Field::completion(
            k::PARTNER,
            "Partenaire",
            items(&rf.partners),
            &partner_label,
        )
        .names(),
        Field::date(k::DUE, "Échéance", a.due),
        Field::choice(k::STATUS, "Statut", items(&rf.action_statuses), &a.status),
        Field::choice(k::OBJECTIVE, "Objectif", choices, &objective),
        Field::text(k::OUTCOME, "Résultat", &a.outcome),
    ];
    let (title, purpose) = match existing {
        Some(a) => ("Modifier l'action", Purpose::EditAction(a.id)),
        None => ("Nouvelle action", Purpose::NewAction),
    };
    Form::new(title, purpose, fields)
        .with_hint(&format!(
        "Tapez quelques lettres : {} complète avec la 1re suggestion, {} puis {} en choisit une autre ; ou écrivez librement. Un partenaire marqué → est pris tel quel.",
        keymap.key_label(Context::Completion, Action::Complete),
        keymap.key_label(Context::Completion, Action::NextSuggestion),
        keymap.key_label(Context::Completion, Action::PickSuggestion),
    ))
}

/// The form field showing an action's struct field named by a rule of `PlanAction::check`.
fn action_key_of(field: &str) -> Option<&'static str> {
    match field {
        "due" => Some(action_key::DUE),
        _ => None,
    }
}

/// Reads the action form into `a` (a copy of the edited action, or [`new_action`]) and
/// checks its rules (an échéance kept as stored is not questioned again).
pub fn read_action(r: &Reader, mut a: PlanAction) -> Result<Change, Refusal> {
    use action_key as k;
    let before = a.clone();
    a.action_type = r.get(k::LABEL)?.completion_code();
    a.label = r.text(k::LABEL)?;
    a.partner = r.code_or_text(k::PARTNER)?;
    a.due = r.date(k::DUE)?;
    a.status = r.choice(k::STATUS)?;
    a.objective_id = r.choice(k::OBJECTIVE)?.parse().ok();
    a.outcome = r.text(k::OUTCOME)?;
    a.check(&before, r.now().date())
        .map_err(|e| Refusal::rule(e, action_key_of))?;
    Ok(Change::Upsert(Record::Action(a)))
}

// ----- the objective form -----

/// Field keys of the objective form.
pub mod objective_key {
    pub const LABEL: &str = "label";
    pub const THEME: &str = "theme";
    pub const STATUS: &str = "status";
    pub const CONTRAT: &str = "contrat";
}

/// A new objective of the open file, before its form is read.
pub fn new_objective(person_id: Id) -> Objective {
    Objective {
        person_id,
        ..Default::default()
    }
}

pub fn objective_form(rf: &Referential, existing: Option<Objective>) -> Form {
    use objective_key as k;
    let o = existing.clone().unwrap_or_else(|| Objective {
        status: codes::OBJECTIVE_OPEN.into(),
        ..Default::default()
    });
    let fields = vec![
        Field::text(k::LABEL, "Objectif", &o.label).required(),
        Field::choice(
            k::THEME,
            "Thème",
            super::theme_choices(rf, true),
            o.theme.as_deref().unwrap_or(""),
        ),
        Field::choice(
            k::STATUS,
            "Statut",
            items(&rf.objective_statuses),
            &o.status,
        ),
        Field::check(k::CONTRAT, "Au contrat d'engagement", o.contrat),
    ];
    let (title, purpose) = match existing {
        Some(o) => ("Modifier l'objectif", Purpose::EditObjective(o.id)),
        None => ("Nouvel objectif", Purpose::NewObjective),
    };
    Form::new(title, purpose, fields)
}

/// Reads the objective form into `o` (a copy of the edited one, or [`new_objective`]).
pub fn read_objective(r: &Reader, mut o: Objective) -> Result<Change, Refusal> {
    use objective_key as k;
    o.label = r.text(k::LABEL)?;
    o.theme = r.opt_choice(k::THEME)?;
    o.status = r.choice(k::STATUS)?;
    o.contrat = r.checked(k::CONTRAT)?;
    Ok(Change::Upsert(Record::Objective(o)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::form::tests::{choose, now, set, validated};

    fn objectives() -> Vec<Objective> {
        vec![Objective {
            id: 21,
            person_id: 9,
            label: "Retrouver un logement".into(),
            status: codes::OBJECTIVE_OPEN.into(),
            ..Default::default()
        }]
    }

    fn action(c: Result<Change, Refusal>) -> PlanAction {
        match c {
            Ok(Change::Upsert(Record::Action(a))) => a,
            other => panic!("not an action upsert: {other:?}"),
        }
    }

    fn objective(c: Result<Change, Refusal>) -> Objective {
        match c {
            Ok(Change::Upsert(Record::Objective(o))) => o,
            other => panic!("not an objective upsert: {other:?}"),
        }
    }

    #[test]
    fn action_reader_reads_every_key_of_its_form() {
        let rf = Referential::embedded();
        let existing = PlanAction {
            id: 5,
            person_id: 9,
            label: "Atelier CV".into(),
            status: codes::ACTION_PLANNED.into(),
            objective_id: Some(21),
            ..Default::default()
        };
        let form = validated(action_form(
            &rf,
            &objectives(),
            Some(existing.clone()),
            Some(21),
            &Keymap::defaults(),
        ));
        let a = action(read_action(&Reader::new(&form, now()), existing.clone()));
        assert_eq!(a, existing, "an untouched form changes nothing");
    }

    #[test]
    fn action_reader_cases() {
        let rf = Referential::embedded();
        let typed_type = rf.action_types[0].clone();
        let partner = rf.partners[0].clone();
        // (name, label typed, partner typed, objective, want type, want partner, want objective)
        type Case<'a> = (
            &'a str,
            &'a str,
            &'a str,
            &'a str,
            Option<String>,
            String,
            Option<Id>,
        );
        let cases: Vec<Case> = vec![
            (
                "referential_type_and_partner",
                &typed_type.label,
                &partner.label,
                "21",
                Some(typed_type.code.clone()),
                partner.code.clone(),
                Some(21),
            ),
            (
                "free_label_and_partner",
                "Rencontre employeur",
                "Boulangerie Petit",
                "",
                None,
                "Boulangerie Petit".into(),
                None,
            ),
        ];
        for (name, label, partner_typed, obj, want_type, want_partner, want_obj) in cases {
            let mut form = action_form(&rf, &objectives(), None, None, &Keymap::defaults());
            set(&mut form, action_key::LABEL, label);
            set(&mut form, action_key::PARTNER, partner_typed);
            set(&mut form, action_key::DUE, "20/03/2026");
            choose(&mut form, action_key::OBJECTIVE, obj);
            set(&mut form, action_key::OUTCOME, " ok ");
            let form = validated(form);
            let a = action(read_action(&Reader::new(&form, now()), new_action(9)));
            assert_eq!(a.id, 0, "{name}: new");
            assert_eq!(a.person_id, 9, "{name}");
            assert_eq!(a.label, label, "{name}");
            assert_eq!(a.action_type, want_type, "{name}");
            assert_eq!(a.partner, want_partner, "{name}");
            assert_eq!(
                a.due,
                chrono::NaiveDate::from_ymd_opt(2026, 3, 20),
                "{name}"
            );
            assert_eq!(a.status, codes::ACTION_PLANNED, "{name}");
            assert_eq!(a.objective_id, want_obj, "{name}");
            assert_eq!(a.outcome, "ok", "{name}");
        }
    }

    #[test]
    fn action_reader_due_range() {
        const DUE: &str = "Échéance hors limites : entre le 10/03/2024 (il y a 2 ans) et le 10/03/2031 (dans 5 ans) — vérifiez l'année";
        let d = |y, m, day| chrono::NaiveDate::from_ymd_opt(y, m, day);
        let rf = Referential::embedded();
        let old = PlanAction {
            id: 5,
            person_id: 9,
            label: "Atelier CV".into(),
            due: d(2021, 6, 1),
            status: codes::ACTION_PLANNED.into(),
            ..Default::default()
        };
        // (name, edited action or None for a new one, due typed, due read or refusal)
        type Case = (
            &'static str,
            Option<PlanAction>,
            &'static str,
            Result<Option<chrono::NaiveDate>, Refusal>,
        );
        let cases: Vec<Case> = vec![
            ("new_in_range", None, "20/03/2026", Ok(d(2026, 3, 20))),
            ("new_empty", None, "", Ok(None)),
            (
                "new_1900",
                None,
                "01/01/1900",
                Err(Refusal::field(action_key::DUE, DUE)),
            ),
            (
                "new_2062",
                None,
                "01/01/2062",
                Err(Refusal::field(action_key::DUE, DUE)),
            ),
            (
                "old_due_untouched",
                Some(old.clone()),
                "01/06/2021",
                Ok(d(2021, 6, 1)),
            ),
            (
                "old_due_moved_still_old",
                Some(old.clone()),
                "02/06/2021",
                Err(Refusal::field(action_key::DUE, DUE)),
            ),
            (
                "old_due_moved_to_next_month",
                Some(old.clone()),
                "10/04/2026",
                Ok(d(2026, 4, 10)),
            ),
        ];
        for (name, existing, due, want) in cases {
            let mut form = action_form(
                &rf,
                &objectives(),
                existing.clone(),
                None,
                &Keymap::defaults(),
            );
            set(&mut form, action_key::LABEL, "Atelier CV");
            set(&mut form, action_key::DUE, due);
            let form = validated(form);
            let start = existing.unwrap_or_else(|| new_action(9));
            let got = read_action(&Reader::new(&form, now()), start).map(|c| action(Ok(c)).due);
            assert_eq!(got, want, "{name}");
        }
    }

    #[test]
    fn objective_reader_reads_every_key_of_its_form() {
        let rf = Referential::embedded();
        let existing = objectives().remove(0);
        let form = validated(objective_form(&rf, Some(existing.clone())));
        let o = objective(read_objective(&Reader::new(&form, now()), existing.clone()));
        assert_eq!(o, existing, "an untouched form changes nothing");
    }

    #[test]
    fn objective_reader_theme_or_none() {
        let rf = Referential::embedded();
        let theme = rf.active_themes().next().unwrap().code.clone();
        for (name, code, want) in [
            ("with_theme", theme.as_str(), Some(theme.clone())),
            ("no_theme", "", None),
        ] {
            let mut form = objective_form(&rf, None);
            set(&mut form, objective_key::LABEL, "Passer le permis");
            choose(&mut form, objective_key::THEME, code);
            let form = validated(form);
            let o = objective(read_objective(&Reader::new(&form, now()), new_objective(9)));
            assert_eq!(
                o,
                Objective {
                    person_id: 9,
                    theme: want,
                    label: "Passer le permis".into(),
                    status: codes::OBJECTIVE_OPEN.into(),
                    ..Default::default()
                },
                "{name}"
            );
        }
    }
}
