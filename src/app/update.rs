//! Update: keys become actions, actions change the state and, through the store's single
//! write path, the database. Every confirmed edit is committed at once.
//!
//! This file only dispatches: the work of each screen and pane (its actions and its forms)
//! is in its own module (`caseload`, `today`, `file/*`, `person`, `admin`).

use super::file::{appointments, barriers, diagnostic, journal, plan};
use super::form::{FormOutcome, Purpose, Reader, Refusal};
use super::keys::{Action, Context, Key};
use super::person;
use super::state::*;
use crate::domain::*;
use crate::store::{Store, StoreError};
use crossterm::event::{Event, KeyEvent, KeyEventKind};

/// Shown when an edit is refused because another instance changed the open file.
const CHANGED_ELSEWHERE: &str = "Ce dossier a été modifié sur un autre poste ou dans une autre fenêtre : il vient d'être rechargé. Refaites la modification si elle est toujours utile.";

impl App {
    pub fn set_info(&mut self, text: impl Into<String>) {
        self.status = Some(StatusLine {
            text: text.into(),
            kind: StatusKind::Info,
        });
    }

    pub fn set_error(&mut self, text: impl Into<String>) {
        self.status = Some(StatusLine {
            text: text.into(),
            kind: StatusKind::Error,
        });
    }

    /// Contexts whose bindings apply now, most specific first.
    pub fn contexts(&self) -> Vec<Context> {
        match self.screen {
            Screen::Caseload => vec![Context::Caseload, Context::Global],
            Screen::Today => vec![Context::Today, Context::Global],
            Screen::Retention => vec![Context::Retention, Context::Global],
            Screen::Audit => vec![Context::Audit, Context::Global],
            Screen::File => {
                if self.file.as_ref().is_some_and(|f| f.journal.is_some()) {
                    return vec![Context::Journal, Context::Global];
                }
                let pane = match self.file.as_ref().map(|f| f.focus) {
                    Some(Pane::Barriers) => Context::Barriers,
                    Some(Pane::Plan) => Context::Plan,
                    Some(Pane::Appointments) => Context::Appointments,
                    _ => Context::Diagnostic,
                };
                vec![pane, Context::File, Context::Global]
            }
        }
    }

    /// The label of the key doing `action` on the current screen, for messages that name
    /// a key (the user may have rebound it in `touches.toml`).
    pub fn key_here(&self, action: Action) -> String {
        self.keymap.key_in(&self.contexts(), action)
    }

    /// « {what} (u pour annuler) », with the key that undoes here.
    pub fn undo_hint(&self, what: &str) -> String {
        format!("{what} ({} pour annuler)", self.key_here(Action::Undo))
    }

    /// One terminal event, and what the loop must do next.
    pub fn handle_event(&mut self, event: &Event, store: &mut Store) -> Outcome {
        if matches!(event, Event::Key(_) | Event::Paste(_)) {
            self.last_input = self.clock.now();
        }
        match event {
            Event::Key(k) if k.kind != KeyEventKind::Release => self.handle_key(*k, store),
            Event::Paste(text) => {
                if let Some(Overlay::Form(form)) = &mut self.overlay {
                    form.paste(text);
                } else if self.screen == Screen::Caseload {
                    self.search_paste(text);
                }
                Outcome::Redraw
            }
            Event::Resize(..) => Outcome::Redraw,
            _ => Outcome::Idle,
        }
    }

    /// One key (tests call it directly): overlays first, then the search line, then the
    /// key table.
    pub fn handle_key(&mut self, key: KeyEvent, store: &mut Store) -> Outcome {
        let outcome = self.dispatch_key(key, store);
        // Leaving a screen leaves its input mode: the search line belongs to the caseload.
        if self.screen != Screen::Caseload {
            self.caseload.searching = false;
        }
        outcome
    }

    fn dispatch_key(&mut self, key: KeyEvent, store: &mut Store) -> Outcome {
        // Ctrl+C always gets out; with a form open, a first press warns (what is typed in
        // the form would be lost) and a second one quits.
        if self
            .keymap
            .lookup(&[Context::Global], &Key::from_event(&key))
            == Some(Action::Quit)
        {
            if matches!(self.overlay, Some(Overlay::Form(_))) && !self.quit_armed {
                self.quit_armed = true;
                let (submit, cancel, quit) = (
                    self.keymap.key_label(Context::Form, Action::Submit),
                    self.keymap.key_label(Context::Form, Action::Cancel),
                    self.keymap.key_label(Context::Global, Action::Quit),
                );
                self.set_error(format!("Formulaire en cours : {submit} pour l'enregistrer, {cancel} pour l'abandonner, {quit} à nouveau pour quitter sans l'enregistrer"));
                return Outcome::Redraw;
            }
            return Outcome::Quit;
        }
        self.quit_armed = false;
        // The lock key locks from anywhere (a form left open is dropped; the app says so
        // after the unlock), unless what has the focus would use that key itself.
        if self.is_lock_key(&key) {
            return Outcome::Lock;
        }
        // Overlays take every key first.
        if self.overlay.is_some() {
            self.overlay_key(&key, store);
            return Outcome::Redraw;
        }
        if self.screen == Screen::Caseload
            && self.caseload.searching
            && self.search_key(&key, store)
        {
            return Outcome::Redraw;
        }
        let k = Key::from_event(&key);
        match self.keymap.lookup(&self.contexts(), &k) {
            Some(a) => {
                self.status = None;
                self.do_action(a, store)
            }
            None => {
                self.unbound_key(&key);
                Outcome::Redraw
            }
        }
    }

    /// The key locks here: bound to the lock in `global`, and neither a character typed
    /// into the focused text (a lock rebound to a letter still types it in a form) nor a key
    /// the focused form field, the help or the search line binds to something else.
    pub fn is_lock_key(&self, key: &KeyEvent) -> bool {
        let k = Key::from_event(key);
        if self.keymap.lookup(&[Context::Global], &k) != Some(Action::Lock) {
            return false;
        }
        match &self.overlay {
            Some(Overlay::Form(form)) => form.focused().is_none_or(|f| {
                !(k.text().is_some() && f.is_text_like())
                    && self.keymap.lookup(f.contexts(), &k).is_none()
            }),
            Some(Overlay::Help { .. }) => self.keymap.lookup(&[Context::Help], &k).is_none(),
            None if self.screen == Screen::Caseload && self.caseload.searching => {
                k.text().is_none()
                    && self
                        .keymap
                        .lookup(&[Context::Search, Context::Edit], &k)
                        .is_none()
            }
            None => true,
        }
    }

    fn overlay_key(&mut self, key: &KeyEvent, store: &mut Store) {
        match &mut self.overlay {
            Some(Overlay::Help { scroll }) => {
                match self.keymap.lookup(&[Context::Help], &Key::from_event(key)) {
                    Some(Action::Down) => *scroll += 1,
                    Some(Action::Up) => *scroll = scroll.saturating_sub(1),
                    Some(Action::PageDown) => *scroll += 10,
                    Some(Action::PageUp) => *scroll = scroll.saturating_sub(10),
                    _ => self.overlay = None,
                }
            }
            Some(Overlay::Form(form)) => match form.handle_key(key, &self.keymap) {
                FormOutcome::Continue => {}
                FormOutcome::Cancel => {
                    self.overlay = None;
                    self.set_info("Saisie abandonnée : rien n'a été modifié");
                }
                FormOutcome::Submit => self.submit_form(store),
            },
            None => {}
        }
    }

    fn do_action(&mut self, action: Action, store: &mut Store) -> Outcome {
        use Action as A;
        match action {
            A::Quit => return Outcome::Quit,
            A::Lock => return Outcome::Lock,
            A::Help => self.overlay = Some(Overlay::Help { scroll: 0 }),
            A::Today => self.show_today(store),
            A::GoCaseload => self.back_to_caseload(store),
            A::Up | A::Down | A::PageUp | A::PageDown | A::Top | A::Bottom => {
                self.move_selection(action)
            }
            A::Back => self.back(store),
            A::Search => self.caseload.searching = true,
            A::Open => self.open_selected(store),
            A::NewPerson => self.open_new_person_form(),
            A::LoadDemo => self.load_demo(store),
            A::ToggleMine => self.toggle_mine(),
            A::CycleDispositif => self.cycle_dispositif(),
            A::CycleOpen => self.cycle_open(store),
            A::CycleSort => self.cycle_sort(),
            A::NextPane => self.next_pane(1),
            A::PrevPane => self.next_pane(3),
            A::FocusDiagnostic => self.focus(Pane::Diagnostic),
            A::FocusBarriers => self.focus(Pane::Barriers),
            A::FocusPlan => self.focus(Pane::Plan),
            A::FocusAppointments => self.focus(Pane::Appointments),
            A::Journal => self.open_journal(),
            A::Undo => self.undo(store),
            A::EditPerson => self.open_identity_form(),
            A::EditSuivi => self.open_suivi_form(),
            A::Level0 | A::Level1 | A::Level2 | A::Level3 | A::Level4 => {
                self.set_level_rank(action.level().unwrap_or(0), store)
            }
            A::CycleLevel => self.cycle_level(store),
            A::EditComment => self.open_comment_form(),
            A::EditProfessional => self.open_professional_form(),
            A::NewReview => self.new_review(store),
            A::Toggle => self.toggle_barrier(store),
            A::CycleStatus => self.cycle_status(store),
            A::Edit => self.edit_selected(),
            A::AddFree => self.open_free_barrier_form(),
            A::ToggleCheckedOnly => self.toggle_checked_only(),
            A::AddAction => self.open_action_form(None),
            A::AddObjective => self.open_objective_form(None),
            A::Delete => self.delete_selected(store),
            A::AddAppointment => self.open_appointment_form(),
            A::SetHonoured => self.set_appointment_status(codes::APPT_HONOURED, store),
            A::SetExcused => self.set_appointment_status(codes::APPT_EXCUSED, store),
            A::SetAbsent => self.set_appointment_status(codes::APPT_ABSENT, store),
            A::SetCancelled => self.set_appointment_status(codes::APPT_CANCELLED, store),
            A::AddNote => self.open_note_form(None),
            A::TogglePrivate => self.toggle_private(store),
            A::ExportDocument => self.export_document(store),
            A::ExportList => self.export_caseload_csv(store),
            A::ErasePerson => self.ask_erase(store),
            A::Retention => self.show_retention(store),
            A::ToggleArchive => self.toggle_archive(store),
            A::AuditLog => self.show_audit(store),
            A::CycleAuditAccount => self.cycle_audit_actor(store),
            A::CycleAuditAction => self.cycle_audit_action(store),
            // Search line, form and text actions: handled where they apply.
            _ => {}
        }
        Outcome::Redraw
    }

    /// Échap: back one level from the current screen.
    fn back(&mut self, store: &Store) {
        match self.screen {
            Screen::Today => self.leave_today(store),
            Screen::File => self.leave_file(store),
            Screen::Retention => self.back_to_caseload(store),
            Screen::Audit => self.leave_audit(store),
            Screen::Caseload => {}
        }
    }

    /// Entrée: opens the selected row's file.
    fn open_selected(&mut self, store: &Store) {
        match self.screen {
            Screen::Caseload => self.open_caseload_row(store),
            Screen::Today => self.open_today_row(store),
            Screen::Retention => self.open_retention_row(store),
            Screen::File | Screen::Audit => {}
        }
    }

    pub(super) fn move_selection(&mut self, action: Action) {
        let step = |sel: usize, len: usize| step(action, sel, len);
        match self.screen {
            Screen::Caseload => {
                self.settle();
                self.caseload.selected = step(self.caseload.selected, self.caseload.visible.len());
            }
            Screen::Today => self.move_today(action, step),
            Screen::File => self.move_in_file(action, step),
            Screen::Retention => {
                let r = &mut self.retention;
                r.selected = step(r.selected, r.rows.len());
            }
            Screen::Audit => {
                let a = &mut self.audit;
                a.selected = step(a.selected, a.entries.len());
            }
        }
    }

    /// Commits one change of the open file. Refuses (and reloads) when the file changed
    /// underneath (another instance): the version is checked inside the write transaction.
    /// Returns the written id.
    pub(super) fn commit(
        &mut self,
        store: &mut Store,
        change: Change,
        what: &str,
    ) -> Result<Id, String> {
        let result = match &self.file {
            Some(f) => store.apply_if_version(&change, f.data.person.id, f.data.person.version),
            None => store.apply(&change),
        };
        match result {
            Ok(applied) => {
                if let Some(f) = self.file.as_mut() {
                    if let Some(inv) = applied.inverse {
                        f.undo.push((inv, what.to_string()));
                        if f.undo.len() > UNDO_DEPTH {
                            f.undo.remove(0);
                        }
                    }
                }
                self.reload_file(store);
                self.set_info(format!("{what} — enregistré"));
                Ok(applied.id)
            }
            Err(StoreError::Conflict) => {
                self.changed_elsewhere(store);
                Err(CHANGED_ELSEWHERE.into())
            }
            Err(e) => Err(e.to_string()),
        }
    }

    /// The open file was changed by another instance: show its current state, and forget
    /// the undo history (undoing would write our old copy over the other instance's edit).
    pub(super) fn changed_elsewhere(&mut self, store: &Store) {
        self.reload_file(store);
        if let Some(f) = self.file.as_mut() {
            f.undo.clear();
        }
    }

    pub(super) fn commit_or_report(&mut self, store: &mut Store, change: Change, what: &str) {
        if let Err(e) = self.commit(store, change, what) {
            self.set_error(e);
        }
    }

    fn undo(&mut self, store: &mut Store) {
        let Some(f) = self.file.as_mut() else { return };
        let Some((change, what)) = f.undo.pop() else {
            self.set_info("Rien à annuler");
            return;
        };
        let (pid, version) = (f.data.person.id, f.data.person.version);
        match store.undo(&change, pid, version) {
            Ok(_) => {
                self.reload_file(store);
                self.set_info(format!("Annulé : {what}"));
            }
            Err(StoreError::Conflict) => {
                self.changed_elsewhere(store);
                self.set_error(format!("Annulation impossible : {CHANGED_ELSEWHERE}"));
            }
            Err(e) => self.set_error(format!("Annulation impossible : {e}")),
        }
    }

    // ----- form submission -----

    fn submit_form(&mut self, store: &mut Store) {
        let now = self.clock.now();
        let Some(Overlay::Form(mut form)) = self.overlay.take() else {
            return;
        };
        if !form.validate(now) {
            self.overlay = Some(Overlay::Form(form));
            return;
        }
        match self.apply_form(&Reader::new(&form, now), &form.purpose, &form.title, store) {
            Ok(()) => return,
            Err(Refusal::Field { key, message }) => form.refuse(key, &message),
            Err(Refusal::Unusual(warnings)) => {
                for (key, message) in warnings {
                    form.warn(key, &message);
                }
            }
            // The record is gone (reloaded): keep what was typed.
            Err(Refusal::Stale) => {}
            Err(Refusal::Error(msg)) => form.error = Some(msg),
            Err(Refusal::UnknownField(key)) => {
                form.error = Some(format!(
                    "Erreur interne : le champ « {key} » manque à ce formulaire, rien n'a été enregistré. Merci de le signaler."
                ))
            }
        }
        self.overlay = Some(Overlay::Form(form));
    }

    /// Reads the form back into a change (each form's reader beside its builder) and
    /// commits it; closes the form when it is saved.
    fn apply_form(
        &mut self,
        r: &Reader,
        purpose: &Purpose,
        title: &str,
        store: &mut Store,
    ) -> Result<(), Refusal> {
        let today = r.now().date();
        let change = match purpose {
            // Login forms belong to the login screen, never to the app.
            Purpose::Login | Purpose::FirstAccount => return Ok(()),
            Purpose::ErasePerson(id, dossier) => return self.submit_erase(r, store, *id, dossier),
            Purpose::NewPerson => return self.create_person(r, store),
            Purpose::EditPerson => person::read_identity(r, self.open_data()?.person.clone())?,
            Purpose::EditSuivi => person::read_suivi(r, self.current_suivi()?)?,
            Purpose::ThemeComment(theme) => diagnostic::read_comment(r, self.diag()?, theme)?,
            Purpose::Professional => diagnostic::read_professional(r, self.diag()?)?,
            Purpose::BarrierDetails(id) => {
                barriers::read_details(r, self.record(|d| &d.barriers, *id)?, today)?
            }
            Purpose::FreeBarrier => barriers::read_free(r, self.pid()?)?,
            Purpose::NewAction => plan::read_action(r, plan::new_action(self.pid()?))?,
            Purpose::EditAction(id) => plan::read_action(r, self.record(|d| &d.actions, *id)?)?,
            Purpose::NewObjective => plan::read_objective(r, plan::new_objective(self.pid()?))?,
            Purpose::EditObjective(id) => {
                plan::read_objective(r, self.record(|d| &d.objectives, *id)?)?
            }
            Purpose::NewAppointment => appointments::read_new(r, self.pid()?)?,
            Purpose::Report(id) => {
                appointments::read_report(r, self.record(|d| &d.appointments, *id)?)?
            }
            Purpose::NewNote => {
                journal::read_note(r, journal::new_note(self.pid()?, r.now(), &self.me))?
            }
            Purpose::EditNote(id) => journal::read_note(r, self.record(|d| &d.notes, *id)?)?,
        };
        self.commit(store, change, title).map_err(Refusal::Error)?;
        self.overlay = None;
        Ok(())
    }
}

/// The selection after a move key, in a list of `len` rows.
fn step(action: Action, sel: usize, len: usize) -> usize {
    const PAGE: usize = 10;
    if len == 0 {
        return 0;
    }
    match action {
        Action::Up => sel.saturating_sub(1),
        Action::Down => (sel + 1).min(len - 1),
        Action::PageUp => sel.saturating_sub(PAGE),
        Action::PageDown => (sel + PAGE).min(len - 1),
        Action::Top => 0,
        Action::Bottom => len - 1,
        _ => sel,
    }
}
