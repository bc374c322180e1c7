//! The file screen: opening, reloading and closing one person's file, moving between its
//! panes, and the actions shared by the panes (edit, delete, cycle the status of the
//! selected row) dispatched to the pane's own module.

pub mod appointments;
pub mod barriers;
pub mod diagnostic;
pub mod eligibility;
pub mod journal;
pub mod parcours;
pub mod plan;

use super::form::Refusal;
use super::keys::Action;
use super::state::*;
use crate::domain::*;
use crate::store::Backend;

/// Records of a file that forms edit by id.
pub trait Keyed {
    fn record_id(&self) -> Id;
}

macro_rules! keyed {
    ($($t:ty),*) => {
        $(impl Keyed for $t {
            fn record_id(&self) -> Id {
                self.id
            }
        })*
    };
}
keyed!(
    Barrier,
    PlanAction,
    Objective,
    Appointment,
    Note,
    Etape,
    Saisine,
    Veille
);

impl App {
    /// Opens a person's file; the consultation is written in the audit log (a file that
    /// cannot be audited is not shown).
    pub fn open_person(&mut self, id: Id, store: &dyn Backend) {
        let loaded = store.person_file(id).and_then(|data| {
            store.audit(crate::store::audit::actions::OPEN_FILE, Some(id))?;
            Ok(data)
        });
        match loaded {
            Ok(data) => {
                let mut file = FileState {
                    data,
                    focus: Pane::Diagnostic,
                    selected: [0; 4],
                    journal: None,
                    checked_only: false,
                    undo: Vec::new(),
                    journal_selected: 0,
                    nir_shown: false,
                    parcours: false,
                    parcours_selected: 0,
                    jump_pending: false,
                    eligibility: None,
                };
                // Start the checklist on its first situation row, not a theme header.
                file.selected[Pane::Barriers.index()] = 1;
                // A file with barriers opens on the checked ones: the full list is one key away.
                file.checked_only = !file.data.barriers.is_empty();
                self.file = Some(file);
                self.screen = Screen::File;
                self.load_file_sessions(store);
                self.clamp_selection();
            }
            Err(e) => self.set_error(e.to_string()),
        }
    }

    /// Another instance changed the database: reload what is shown, and say so when the
    /// open file itself changed.
    pub fn external_change(&mut self, store: &dyn Backend) {
        if let Some(f) = &self.file {
            let pid = f.data.person.id;
            let old = f.data.person.version;
            match store.person_version(pid) {
                Ok(Some(v)) if v != old => {
                    self.changed_elsewhere(store);
                    self.set_info(
                        "Ce dossier a été modifié sur un autre poste : affichage mis à jour",
                    );
                }
                Ok(None) => {
                    self.file = None;
                    self.screen = Screen::Caseload;
                    self.set_error("Ce dossier a été supprimé sur un autre poste");
                }
                _ => {}
            }
        }
        if self.screen != Screen::File {
            if let Err(e) = self.reload_caseload(store) {
                self.set_error(e.to_string());
            }
            if self.screen == Screen::Today {
                self.refresh_today(store);
            }
        }
    }

    pub(super) fn reload_file(&mut self, store: &dyn Backend) {
        let Some(f) = self.file.as_mut() else { return };
        match store.person_file(f.data.person.id) {
            Ok(data) => f.data = data,
            Err(e) => {
                let msg = e.to_string();
                self.set_error(msg);
            }
        }
        self.load_file_sessions(store);
        self.clamp_selection();
    }

    pub(super) fn clamp_selection(&mut self) {
        let Some(file) = self.file.as_ref() else {
            return;
        };
        let lens: Vec<usize> = Pane::ALL.iter().map(|p| self.pane_len(file, *p)).collect();
        let notes = file.data.notes.len();
        if let Some(f) = self.file.as_mut() {
            for (i, len) in lens.iter().enumerate() {
                if f.selected[i] >= *len {
                    f.selected[i] = len.saturating_sub(1);
                }
            }
            if f.journal_selected >= notes {
                f.journal_selected = notes.saturating_sub(1);
            }
        }
    }

    /// Échap in the file: closes the journal, else back to the caseload.
    pub(super) fn leave_file(&mut self, store: &dyn Backend) {
        if self.file.as_ref().is_some_and(|f| f.eligibility.is_some()) {
            self.close_eligibility();
        } else if let Some(f) = self.file.as_mut().filter(|f| f.journal.is_some()) {
            f.journal = None;
        } else if let Some(f) = self.file.as_mut().filter(|f| f.parcours) {
            f.parcours = false;
        } else {
            self.back_to_caseload(store);
        }
    }

    pub(super) fn focus(&mut self, pane: Pane) {
        if self.file.as_ref().is_some_and(|f| f.focus != pane) {
            self.leave_pane();
        }
        if let Some(f) = self.file.as_mut() {
            f.focus = pane;
            f.journal = None;
            f.parcours = false;
        }
        self.clamp_selection();
    }

    /// Moves the focus `by` panes forward (3 = one back).
    pub(super) fn next_pane(&mut self, by: usize) {
        let Some(pane) = self
            .file
            .as_ref()
            .map(|f| Pane::ALL[(f.focus.index() + by) % 4])
        else {
            return;
        };
        self.focus(pane);
    }

    /// Leaving the obstacles pane with something ticked folds it to the ticked situations:
    /// the full checklist is taller than any pane, and what matters afterwards is what was
    /// ticked (one key, `f` by default, shows the whole list again).
    fn leave_pane(&mut self) {
        if let Some(f) = self.file.as_mut() {
            if f.focus == Pane::Barriers && !f.checked_only && !f.data.barriers.is_empty() {
                f.checked_only = true;
                f.selected[Pane::Barriers.index()] = 1;
            }
        }
    }

    pub(super) fn move_in_file(&mut self, action: Action, step: impl Fn(usize, usize) -> usize) {
        let Some(file) = self.file.as_ref() else {
            return;
        };
        if file.parcours {
            return self.move_in_parcours(step);
        }
        if file.eligibility.is_some() {
            return self.move_in_eligibility(step);
        }
        if file.journal.is_some() {
            let s = step(file.journal_selected, file.data.notes.len());
            if let Some(f) = self.file.as_mut() {
                f.journal_selected = s;
            }
            return;
        }
        let pane = file.focus;
        let mut s = step(file.selected[pane.index()], self.pane_len(file, pane));
        if pane == Pane::Barriers {
            // Skip theme headers in the direction of travel.
            let rows = self.barrier_rows(file);
            let down = !matches!(action, Action::Up | Action::PageUp | Action::Bottom);
            while let Some(BarrierRow::Theme(_)) = rows.get(s) {
                let n = if down { s + 1 } else { s.wrapping_sub(1) };
                if n >= rows.len() {
                    break;
                }
                s = n;
            }
        }
        if let Some(f) = self.file.as_mut() {
            f.selected[pane.index()] = s;
        }
    }

    /// The selected row of the focused pane opens its form.
    pub(super) fn edit_selected(&mut self) {
        let Some(f) = &self.file else { return };
        if f.journal.is_some() {
            return self.edit_selected_note();
        }
        if f.parcours {
            return self.edit_selected_parcours();
        }
        match f.focus {
            Pane::Diagnostic => self.open_comment_form(),
            Pane::Barriers => self.open_barrier_details_form(),
            Pane::Plan => self.edit_selected_plan_row(),
            Pane::Appointments => self.open_report_form(),
        }
    }

    pub(super) fn delete_selected(&mut self, store: &mut dyn Backend) {
        let Some(f) = &self.file else { return };
        if f.journal.is_some() {
            return self.delete_selected_note(store);
        }
        if f.parcours {
            return self.delete_selected_parcours(store);
        }
        match f.focus {
            Pane::Plan => self.delete_selected_plan_row(store),
            Pane::Appointments => self.delete_selected_appointment(store),
            _ => {}
        }
    }

    pub(super) fn cycle_status(&mut self, store: &mut dyn Backend) {
        match self.file.as_ref().map(|f| f.focus) {
            Some(Pane::Barriers) => self.cycle_barrier_status(store),
            Some(Pane::Plan) => self.cycle_plan_status(store),
            _ => {}
        }
    }

    // ----- what the forms' readers start from -----

    pub(super) fn open_data(&self) -> Result<&PersonFile, Refusal> {
        self.file.as_ref().map(|f| &f.data).ok_or(Refusal::Stale)
    }

    pub(super) fn pid(&self) -> Result<Id, Refusal> {
        Ok(self.open_data()?.person.id)
    }

    /// A copy of the open file's record `id` from `list`.
    pub(super) fn record<T: Keyed + Clone>(
        &self,
        list: fn(&PersonFile) -> &[T],
        id: Id,
    ) -> Result<T, Refusal> {
        list(self.open_data()?)
            .iter()
            .find(|r| r.record_id() == id)
            .cloned()
            .ok_or(Refusal::Stale)
    }
}

/// Does the theme's label or short label start with the letter `c` (accents and case
/// ignored)? « d » finds « Difficultés financières » and « Droits ».
pub(crate) fn theme_starts_with(theme: &crate::domain::referential::Theme, c: char) -> bool {
    let c = crate::text::fold(&c.to_string());
    !c.is_empty()
        && [&theme.label, &theme.short]
            .iter()
            .any(|l| crate::text::fold(l).starts_with(&c))
}

/// Theme choices of the active referential, with « (aucun) » first if asked.
pub(super) fn theme_choices(rf: &Referential, with_none: bool) -> Vec<(String, String)> {
    let mut v = Vec::new();
    if with_none {
        v.push((String::new(), "(aucun)".to_string()));
    }
    v.extend(
        rf.active_themes()
            .map(|t| (t.code.clone(), t.label.clone())),
    );
    v
}
