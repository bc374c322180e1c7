//! Update: keys become actions, actions change the state and, through the store's single
//! write path, the database. Every confirmed edit is committed at once.
//!
//! This file only dispatches: the work of each screen and pane (its actions and its forms)
//! is in its own module (`caseload`, `today`, `file/*`, `person`, `admin`).

use super::file::{appointments, barriers, diagnostic, journal, parcours, plan};
use super::form::{Form, FormOutcome, Hint, Purpose, Reader, Refusal};
use super::keys::{Action, Context, Key};
use super::person;
use super::state::*;
use crate::domain::*;
use crate::store::{Backend, StoreError};
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
            Screen::Sessions => vec![Context::Sessions, Context::Global],
            Screen::Attendance => vec![Context::Attendance, Context::Global],
            Screen::Enrol => vec![Context::Enrol, Context::Global],
            Screen::Import => vec![Context::Import, Context::Global],
            Screen::Report => vec![Context::Report, Context::Global],
            Screen::File => {
                if self.file.as_ref().is_some_and(|f| f.eligibility.is_some()) {
                    return vec![Context::Eligibility, Context::Global];
                }
                if self.file.as_ref().is_some_and(|f| f.journal.is_some()) {
                    return vec![Context::Journal, Context::Global];
                }
                if self.file.as_ref().is_some_and(|f| f.parcours) {
                    return vec![Context::Parcours, Context::Global];
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
    pub fn handle_event(&mut self, event: &Event, store: &mut dyn Backend) -> Outcome {
        if matches!(event, Event::Key(_) | Event::Paste(_)) {
            self.last_input = self.clock.now();
        }
        match event {
            Event::Key(k) if k.kind != KeyEventKind::Release => self.handle_key(*k, store),
            Event::Paste(text) => {
                if let Some(Overlay::Form(form)) = &mut self.overlay {
                    form.paste(text);
                    if matches!(form.purpose, Purpose::Report(_)) {
                        appointments::follow_demarche(&self.rf, form);
                    }
                } else if self.screen == Screen::Caseload {
                    self.search_paste(text);
                } else if self.screen == Screen::Import {
                    self.import_paste(text);
                }
                Outcome::Redraw
            }
            Event::Resize(..) => Outcome::Redraw,
            _ => Outcome::Idle,
        }
    }

    /// One key (tests call it directly): overlays first, then the search line, then the
    /// key table.
    pub fn handle_key(&mut self, key: KeyEvent, store: &mut dyn Backend) -> Outcome {
        let outcome = self.dispatch_key(key, store);
        // Leaving a screen leaves its input mode: the search line belongs to the caseload.
        if self.screen != Screen::Caseload {
            self.caseload.searching = false;
        }
        outcome
    }

    fn dispatch_key(&mut self, key: KeyEvent, store: &mut dyn Backend) -> Outcome {
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
        if self.screen == Screen::Enrol && self.enrol_key(&key, store) {
            return Outcome::Redraw;
        }
        if self.screen == Screen::Import && self.import_key(&key, store) {
            return Outcome::Redraw;
        }
        let k = Key::from_event(&key);
        let contexts = self.contexts();
        // After the jump prefix, a letter jumps even when it has an action of its own.
        if let Some(f) = self.file.as_mut().filter(|f| f.jump_pending) {
            f.jump_pending = false;
            if let Some(c) = k.letter() {
                self.status = None;
                self.jump_to_letter(c);
                return Outcome::Redraw;
            }
        }
        match self.keymap.lookup(&contexts, &k) {
            Some(Action::TickNth) => {
                self.status = None;
                let n = self.keymap.key_position(&contexts, Action::TickNth, &k);
                self.tick_nth(n.map_or(0, |p| p + 1), store);
                Outcome::Redraw
            }
            Some(a) => {
                self.status = None;
                self.do_action(a, store)
            }
            None => {
                match k.letter() {
                    Some(c)
                        if self.keymap.letter_action(&contexts) == Some(Action::JumpToLetter) =>
                    {
                        self.status = None;
                        self.jump_to_letter(c);
                    }
                    _ => self.unbound_key(&key),
                }
                Outcome::Redraw
            }
        }
    }

    /// A letter in a pane that lists themes: the next theme starting with it.
    fn jump_to_letter(&mut self, c: char) {
        match self.file.as_ref().map(|f| f.focus) {
            Some(Pane::Diagnostic) => self.jump_diagnostic(c),
            Some(Pane::Barriers) => self.jump_barriers(c),
            _ => {}
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

    fn overlay_key(&mut self, key: &KeyEvent, store: &mut dyn Backend) {
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
                FormOutcome::Continue => {
                    if matches!(form.purpose, Purpose::Report(_)) {
                        appointments::follow_demarche(&self.rf, form);
                    }
                }
                FormOutcome::Cancel => {
                    let info = form.cancel_info.take();
                    self.overlay = None;
                    self.set_info(
                        info.unwrap_or_else(|| "Saisie abandonnée : rien n'a été modifié".into()),
                    );
                }
                FormOutcome::Submit => self.submit_form(store),
                FormOutcome::SubmitAndNew => {
                    let purpose = form.purpose.clone();
                    self.submit_form(store);
                    // Saved (the form is closed): the same form again, empty.
                    if self.overlay.is_none() {
                        self.reopen_form(&purpose);
                    }
                }
            },
            None => {}
        }
    }

    fn do_action(&mut self, action: Action, store: &mut dyn Backend) -> Outcome {
        use Action as A;
        if self.session_action(action, store) {
            return Outcome::Redraw;
        }
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
            A::CycleDispositif if self.screen == Screen::Report => {
                self.report_cycle_dispositif(store)
            }
            A::CycleDispositif => self.cycle_dispositif(),
            A::CycleOpen => self.cycle_open(store),
            A::CycleSort => self.cycle_sort(),
            A::NextPane => self.next_pane(1),
            A::PrevPane => self.next_pane(3),
            A::FocusDiagnostic => self.focus(Pane::Diagnostic),
            A::FocusBarriers => self.focus(Pane::Barriers),
            A::FocusPlan => self.focus(Pane::Plan),
            A::FocusAppointments => self.focus(Pane::Appointments),
            // What is said during the interview goes where it belongs without leaving the
            // pane by hand: the form, and its pane behind it to see the new line.
            A::NewActionAnywhere => {
                self.focus(Pane::Plan);
                self.open_action_form(None);
            }
            A::NewAppointmentAnywhere => {
                self.focus(Pane::Appointments);
                self.open_appointment_form();
            }
            A::Journal => self.open_journal(),
            A::Parcours => self.open_parcours(),
            A::AddEtape => self.open_etape_form(),
            A::AddSaisine => self.open_saisine_form(),
            A::AddVeille => self.open_veille_form(),
            A::Undo => self.undo(store),
            A::EditPerson => self.open_identity_form(),
            A::EditRights => self.open_rights_form(),
            A::ToggleNir => self.toggle_nir(),
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
            A::JumpPrefix => {
                if let Some(f) = self.file.as_mut() {
                    f.jump_pending = true;
                }
                self.set_info("Thème : tapez sa première lettre");
            }
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
            A::ExportList => self.export_list_csv(store),
            A::ErasePerson => self.ask_erase(store),
            A::Retention => self.show_retention(store),
            A::Import => self.show_import(),
            A::ToggleArchive => self.toggle_archive(store),
            A::AuditLog => self.show_audit(store),
            A::CycleAuditAccount => self.cycle_audit_actor(store),
            A::CycleAuditAction => self.cycle_audit_action(store),
            A::Eligibility => self.open_eligibility(),
            A::ConfirmMet => self.confirm_criterion(Some(true)),
            A::ConfirmNotMet => self.confirm_criterion(Some(false)),
            A::CycleConfirm => self.confirm_criterion(None),
            A::ConfirmFromFile => self.confirm_from_file(),
            A::CycleProof => self.cycle_proof(),
            A::EditProof => self.open_proof_form(),
            A::CycleStructureKind => self.cycle_structure_kind(),
            A::TogglePrescriber => self.toggle_prescriber(),
            A::RecordEligibility => self.record_eligibility(store),
            A::PrintEligibility => self.print_eligibility(store),
            A::ReportScreen => self.show_report(store),
            A::PrevYear => self.report_shift_year(false, store),
            A::NextYear => self.report_shift_year(true, store),
            A::EditPeriod => self.open_report_period_form(),
            A::CycleReferent => self.report_cycle_referent(store),
            A::ExportReport => self.export_report(store),
            A::ExportContract => self.export_contract(store),
            // Search line, form and text actions: handled where they apply.
            _ => {}
        }
        Outcome::Redraw
    }

    /// Échap: back one level from the current screen.
    fn back(&mut self, store: &dyn Backend) {
        match self.screen {
            Screen::Today => self.leave_today(store),
            Screen::File => self.leave_file(store),
            Screen::Retention => self.back_to_caseload(store),
            Screen::Audit => self.leave_audit(store),
            Screen::Caseload | Screen::Sessions | Screen::Attendance | Screen::Enrol => {}
            Screen::Import => self.back_to_caseload(store),
            Screen::Report => self.leave_report(store),
        }
    }

    /// Entrée: opens the selected row's file.
    fn open_selected(&mut self, store: &dyn Backend) {
        match self.screen {
            Screen::Caseload => self.open_caseload_row(store),
            Screen::Today => self.open_today_row(store),
            Screen::Retention => self.open_retention_row(store),
            Screen::File | Screen::Audit => {}
            Screen::Sessions | Screen::Attendance | Screen::Enrol => {}
            Screen::Import => {}
            Screen::Report => {}
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
            Screen::Sessions | Screen::Attendance | Screen::Enrol => self.move_in_sessions(step),
            Screen::Import => {}
            Screen::Report => self.scroll_report(action),
        }
    }

    /// Commits one change of the open file; returns the written id. The file-level check
    /// (the person's version, which every change in the file bumps) is made against the
    /// file as shown, inside the write transaction: a change decided on a stale view is
    /// refused (and the view reloaded) rather than written over another window's edit.
    /// When that check fails but the reloaded file still holds the record being changed
    /// or deleted at the very version the change was made on, only other records changed
    /// elsewhere: the change is written over the reloaded file (the store still checks
    /// the record's own version). Inserts (a barrier ticked, a first diagnostic) are
    /// refused then, since the other window may have made the same one.
    pub(super) fn commit(
        &mut self,
        store: &mut dyn Backend,
        change: Change,
        what: &str,
    ) -> Result<Id, String> {
        self.commit_checked(store, change, what)
            .map_err(|e| match e {
                StoreError::Conflict => CHANGED_ELSEWHERE.into(),
                e => e.to_string(),
            })
    }

    /// [`App::commit`], with the store's error (a conflict is `StoreError::Conflict`).
    fn commit_checked(
        &mut self,
        store: &mut dyn Backend,
        change: Change,
        what: &str,
    ) -> Result<Id, StoreError> {
        let expected = match (&change, &self.file) {
            (Change::Upsert(r), _) if r.id() > 0 => Some(version_of(r)),
            (Change::Delete(kind, id), Some(f)) => stored_version(&f.data, *kind, *id),
            _ => None,
        };
        // A new record of the open file (never a person, a session).
        let new_record = match &change {
            Change::Upsert(r) if r.id() == 0 && r.person_id() > 0 => Some(r.clone()),
            _ => None,
        };
        if let Some(id) = new_record
            .as_ref()
            .and_then(|r| self.landed_before(store, r))
        {
            if let Some(f) = self.file.as_mut() {
                f.undo
                    .push((Change::Delete(change.kind(), id), what.to_string()));
            }
            self.set_info(format!(
                "{what} — déjà enregistré : le serveur l'avait reçu juste avant la coupure (rien en double)"
            ));
            return Ok(id);
        }
        let ids_before: Vec<Id> = match (&new_record, &self.file) {
            (Some(r), Some(f)) => f.data.records(r.kind()).iter().map(Record::id).collect(),
            _ => Vec::new(),
        };
        let mut result = self.write_checked(store, &change);
        if let (Some(r), Err(StoreError::ServerGone(_))) = (&new_record, &result) {
            self.remember_lost_insert(r.clone(), ids_before);
        }
        if matches!(result, Err(StoreError::Conflict)) {
            self.changed_elsewhere(store);
            let (kind, id) = match &change {
                Change::Upsert(r) => (r.kind(), r.id()),
                Change::Delete(kind, id) => (*kind, *id),
            };
            let now = self
                .file
                .as_ref()
                .and_then(|f| stored_version(&f.data, kind, id));
            if expected.is_some() && now == expected {
                result = self.write_checked(store, &change);
                if matches!(result, Err(StoreError::Conflict)) {
                    self.changed_elsewhere(store);
                }
            }
        }
        let applied = result?;
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

    /// The save of the new `record` met a closed connection, `before` the ids of its kind
    /// shown then (see [`App::lost_inserts`]).
    pub(super) fn remember_lost_insert(&mut self, record: Record, before: Vec<Id>) {
        // A few are enough: each is one form saved while the line was going.
        if self.lost_inserts.len() >= LOST_INSERTS {
            self.lost_inserts.remove(0);
        }
        self.lost_inserts.push((record, before));
    }

    /// A save of `record` (new) met a closed connection earlier: the server may have
    /// committed it and lost only the answer. The file read again holds a record of its
    /// kind that was not there before, with the same content: that is the save, its id.
    fn landed_before(&mut self, store: &dyn Backend, record: &Record) -> Option<Id> {
        let pid = record.person_id();
        let pending: Vec<usize> = (0..self.lost_inserts.len())
            .filter(|&i| {
                let r = &self.lost_inserts[i].0;
                r.kind() == record.kind() && r.person_id() == pid
            })
            .collect();
        if pending.is_empty() || self.file.as_ref().map(|f| f.data.person.id) != Some(pid) {
            return None;
        }
        self.reload_file(store);
        let stored = self.file.as_ref()?.data.records(record.kind());
        for i in pending.into_iter().rev() {
            let (attempt, before) = &self.lost_inserts[i];
            let found = stored
                .iter()
                .find(|s| {
                    !before.contains(&s.id())
                        && s.with_identity(0, 0) == attempt.with_identity(0, 0)
                })
                .map(Record::id);
            if let Some(id) = found {
                self.lost_inserts.remove(i);
                return Some(id);
            }
        }
        None
    }

    /// One write, checked against the version of the file as shown.
    fn write_checked(
        &self,
        store: &mut dyn Backend,
        change: &Change,
    ) -> Result<crate::store::Applied, StoreError> {
        match &self.file {
            Some(f) => store.apply_if_version(change, f.data.person.id, f.data.person.version),
            None => store.apply(change),
        }
    }

    /// The open file was changed by another instance: show its current state, and forget
    /// the undo history (undoing would write our old copy over the other instance's edit).
    pub(super) fn changed_elsewhere(&mut self, store: &dyn Backend) {
        self.reload_file(store);
        if let Some(f) = self.file.as_mut() {
            f.undo.clear();
        }
    }

    pub(super) fn commit_or_report(&mut self, store: &mut dyn Backend, change: Change, what: &str) {
        if let Err(e) = self.commit(store, change, what) {
            self.set_error(e);
        }
    }

    fn undo(&mut self, store: &mut dyn Backend) {
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

    /// Opens the empty form of `purpose` again after « save and add » (see
    /// [`Form::repeatable`]), where the pane's `a` would open it.
    fn reopen_form(&mut self, purpose: &Purpose) {
        match purpose {
            Purpose::NewAction => self.open_action_form(None),
            Purpose::NewObjective => self.open_objective_form(None),
            Purpose::NewAppointment => self.open_appointment_form(),
            Purpose::FreeBarrier => self.open_free_barrier_form(),
            _ => {}
        }
    }

    fn submit_form(&mut self, store: &mut dyn Backend) {
        let now = self.clock.now();
        let Some(Overlay::Form(mut form)) = self.overlay.take() else {
            return;
        };
        if !form.validate(now) {
            self.overlay = Some(Overlay::Form(form));
            return;
        }
        // A conflict where none of the form's fields changed elsewhere is written again at
        // once on the new version (once: a second conflict is shown).
        let mut retried = false;
        // A message of an earlier attempt (a conflict, a full disk) is answered or shown
        // again below.
        form.error = None;
        loop {
            match self.apply_form(&form, now, store) {
                Ok(()) => return,
                Err(Refusal::Conflict) => {
                    let untouched = self.rebase_form(&mut form, store);
                    if untouched && !retried {
                        retried = true;
                        continue;
                    }
                    if untouched {
                        let submit = self.keymap.key_label(Context::Form, Action::Submit);
                        form.error = Some(format!(
                            "Ce dossier vient encore d'être modifié sur un autre poste, rien n'a été enregistré : {submit} pour réessayer (votre saisie est gardée)."
                        ));
                        form.footer = Some(CONFLICT_HINTS);
                    }
                }
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
            break;
        }
        self.overlay = Some(Overlay::Form(form));
    }

    /// The save of `form` was refused because its record (or, for a new record, the file)
    /// changed elsewhere: the form is rebased on the record as stored now (untouched
    /// fields take the new values, typed ones are kept) and says field by field what
    /// changed. Returns true when no field of the form changed elsewhere, so the save can
    /// be made again on the new version without overwriting anything.
    fn rebase_form(&mut self, form: &mut Form, store: &dyn Backend) -> bool {
        let (submit, cancel) = (
            self.keymap.key_label(Context::Form, Action::Submit),
            self.keymap.key_label(Context::Form, Action::Cancel),
        );
        let keep = format!(
            "Votre saisie est gardée : {submit} pour l'enregistrer sur la nouvelle version, {cancel} pour l'abandonner."
        );
        let Some(origin) = form.origin.clone().filter(|o| o.id() > 0) else {
            // A new record: nothing of it exists elsewhere, but the file changed under a
            // view the advisor had not seen yet (now reloaded).
            if NEW_RECORD_FORMS.contains(&form.purpose) {
                return true;
            }
            form.error = Some(format!(
                "Ce dossier a été modifié sur un autre poste pendant votre saisie (affichage mis à jour), rien n'a été enregistré. {keep}"
            ));
            form.footer = Some(CONFLICT_HINTS);
            return false;
        };
        let fresh = match store.load(origin.kind(), origin.id()) {
            Ok(Some(fresh)) => fresh,
            Ok(None) => {
                form.error = Some(deleted_elsewhere(&cancel));
                return false;
            }
            Err(e) => {
                form.error = Some(e.to_string());
                return false;
            }
        };
        let Some(fresh) = self.form_for(&form.purpose, fresh) else {
            form.error = Some(CHANGED_ELSEWHERE.into());
            return false;
        };
        let changed = form.rebase(fresh);
        if changed.is_empty() {
            return true;
        }
        let list = changed
            .iter()
            .map(|c| format!("{c} (modifié sur un autre poste)"))
            .collect::<Vec<_>>()
            .join(" ; ");
        form.error = Some(format!(
            "Enregistrement refusé, la fiche a changé pendant votre saisie — {list}. {keep}"
        ));
        form.footer = Some(CONFLICT_HINTS);
        false
    }

    /// The form of `purpose` built from `record` as stored now (see [`App::rebase_form`]).
    fn form_for(&self, purpose: &Purpose, record: Record) -> Option<Form> {
        let rf = &self.rf;
        let form = match (purpose, &record) {
            (Purpose::EditPerson, Record::Person(p)) => {
                person::identity_form_nir(rf, p, self.nir_shown())
            }
            (Purpose::EditRights, Record::Person(p)) => person::rights_form(rf, p),
            (Purpose::EditSuivi, Record::Suivi(s)) => person::suivi_form(rf, s),
            (Purpose::ThemeComment(t), Record::Diagnostic(d)) => diagnostic::comment_form(rf, d, t),
            (Purpose::Professional, Record::Diagnostic(d)) => diagnostic::professional_form(rf, d),
            (Purpose::BarrierDetails(_), Record::Barrier(b)) => barriers::details_form(rf, b),
            (Purpose::EditAction(_), Record::Action(a)) => plan::action_form(
                rf,
                &self.open_data().ok()?.objectives,
                Some(a.clone()),
                a.objective_id,
                &self.keymap,
            ),
            (Purpose::EditObjective(_), Record::Objective(o)) => {
                plan::objective_form(rf, Some(o.clone()))
            }
            (Purpose::Report(_), Record::Appointment(a)) => appointments::report_form(rf, a),
            (Purpose::EditNote(_), Record::Note(n)) => journal::note_form(Some(n.clone())),
            (Purpose::EditEtape(_), Record::Etape(e)) => parcours::etape_form(rf, Some(e)),
            (Purpose::EditSaisine(_), Record::Saisine(s)) => parcours::saisine_form(rf, Some(s)),
            (Purpose::EditVeille(_), Record::Veille(v)) => parcours::veille_form(rf, Some(v)),
            _ => return None,
        };
        Some(form.with_origin(record))
    }

    /// The record a form's reader starts from: the one the form was opened on (with its
    /// version), refused when it was deleted elsewhere meanwhile; `fallback` for a form
    /// opened without one.
    fn start<T: Clone>(
        &self,
        form: &Form,
        pick: fn(&Record) -> Option<&T>,
        fallback: impl FnOnce(&Self) -> Result<T, Refusal>,
    ) -> Result<T, Refusal> {
        let Some(origin) = &form.origin else {
            return fallback(self);
        };
        let Some(record) = pick(origin) else {
            return fallback(self);
        };
        if origin.id() > 0 {
            let data = self.open_data()?;
            if stored_version(data, origin.kind(), origin.id()).is_none() {
                let cancel = self.keymap.key_label(Context::Form, Action::Cancel);
                return Err(Refusal::Error(deleted_elsewhere(&cancel)));
            }
        }
        Ok(record.clone())
    }

    /// Reads the form back into a change (each form's reader beside its builder, starting
    /// from the record the form was opened on) and commits it; closes the form when it is
    /// saved.
    fn apply_form(
        &mut self,
        form: &Form,
        now: chrono::NaiveDateTime,
        store: &mut dyn Backend,
    ) -> Result<(), Refusal> {
        let r = &Reader::new(form, now);
        let today = now.date();
        macro_rules! pick {
            ($v:ident) => {
                |rec: &Record| match rec {
                    Record::$v(x) => Some(x),
                    _ => None,
                }
            };
        }
        let change = match &form.purpose {
            // Login forms belong to the login screen, never to the app.
            Purpose::Login | Purpose::FirstAccount => return Ok(()),
            Purpose::ErasePerson(id, dossier) => return self.submit_erase(r, store, *id, dossier),
            Purpose::ReportPeriod => return self.submit_report_period(r, store),
            Purpose::NewPerson => return self.create_person(r, store),
            Purpose::Session(p) => return self.apply_session_form(form, p.clone(), r, store),
            Purpose::EligibilityProof(i) => return self.read_proof(r, *i),
            Purpose::EditPerson => {
                let p = self.start(form, pick!(Person), |a| Ok(a.open_data()?.person.clone()))?;
                person::read_identity(r, p)?
            }
            Purpose::EditRights => {
                let p = self.start(form, pick!(Person), |a| Ok(a.open_data()?.person.clone()))?;
                person::read_rights(r, p)?
            }
            Purpose::EditSuivi => {
                person::read_suivi(r, self.start(form, pick!(Suivi), |a| a.current_suivi())?)?
            }
            Purpose::ThemeComment(theme) => {
                let d = self.start(form, pick!(Diagnostic), |a| a.diag())?;
                diagnostic::read_comment(r, d, theme)?
            }
            Purpose::Professional => diagnostic::read_professional(
                r,
                self.start(form, pick!(Diagnostic), |a| a.diag())?,
            )?,
            Purpose::BarrierDetails(id) => {
                let b = self.start(form, pick!(Barrier), |a| a.record(|d| &d.barriers, *id))?;
                barriers::read_details(r, b, today)?
            }
            Purpose::FreeBarrier => barriers::read_free(r, self.pid()?)?,
            Purpose::NewAction => plan::read_action(r, plan::new_action(self.pid()?))?,
            Purpose::EditAction(id) => {
                let a = self.start(form, pick!(Action), |a| a.record(|d| &d.actions, *id))?;
                plan::read_action(r, a)?
            }
            Purpose::NewObjective => plan::read_objective(r, plan::new_objective(self.pid()?))?,
            Purpose::EditObjective(id) => {
                let o = self.start(form, pick!(Objective), |a| a.record(|d| &d.objectives, *id))?;
                plan::read_objective(r, o)?
            }
            Purpose::NewAppointment => appointments::read_new(r, self.pid()?)?,
            Purpose::Report(id) => {
                let a = self.start(form, pick!(Appointment), |a| {
                    a.record(|d| &d.appointments, *id)
                })?;
                appointments::read_report(r, a)?
            }
            Purpose::NewNote => {
                journal::read_note(r, journal::new_note(self.pid()?, r.now(), &self.me))?
            }
            Purpose::EditNote(id) => {
                let n = self.start(form, pick!(Note), |a| a.record(|d| &d.notes, *id))?;
                journal::read_note(r, n)?
            }
            Purpose::NewEtape => parcours::read_etape(r, parcours::new_etape(self.pid()?))?,
            Purpose::EditEtape(id) => {
                let e = self.start(form, pick!(Etape), |a| a.record(|d| &d.etapes, *id))?;
                parcours::read_etape(r, e)?
            }
            Purpose::NewSaisine => {
                parcours::read_saisine(r, parcours::new_saisine(self.open_data()?)?)?
            }
            Purpose::EditSaisine(id) => {
                let s = self.start(form, pick!(Saisine), |a| a.record(|d| &d.saisines, *id))?;
                parcours::read_saisine(r, s)?
            }
            Purpose::NewVeille => {
                let v = parcours::new_veille(self.open_data()?)?;
                let exit = parcours::exit_of(self.open_data()?, v.suivi_id);
                parcours::read_veille(r, v, exit)?
            }
            Purpose::EditVeille(id) => {
                let v = self.start(form, pick!(Veille), |a| a.record(|d| &d.veilles, *id))?;
                let exit = parcours::exit_of(self.open_data()?, v.suivi_id);
                parcours::read_veille(r, v, exit)?
            }
        };
        match self.commit_checked(store, change, &form.title) {
            Ok(_) => {
                self.overlay = None;
                Ok(())
            }
            Err(StoreError::Conflict) => Err(Refusal::Conflict),
            Err(e) => Err(Refusal::Error(e.to_string())),
        }
    }
}

/// New records remembered after a closed connection (see `App::lost_inserts`).
const LOST_INSERTS: usize = 16;

/// Forms that only create a record: a file-level conflict cannot make them overwrite or
/// duplicate anything, so they are saved again on the reloaded file at once.
const NEW_RECORD_FORMS: &[Purpose] = &[
    Purpose::FreeBarrier,
    Purpose::NewAction,
    Purpose::NewObjective,
    Purpose::NewAppointment,
    Purpose::NewNote,
    Purpose::NewEtape,
    Purpose::NewSaisine,
    Purpose::NewVeille,
];

/// Keys reminder of a form whose save was refused because its record changed elsewhere.
const CONFLICT_HINTS: &[Hint] = &[
    (Context::Form, Action::Submit, "réappliquer ma saisie"),
    (Context::Form, Action::Cancel, "abandonner"),
];

fn deleted_elsewhere(cancel: &str) -> String {
    format!(
        "Cette fiche a été supprimée sur un autre poste pendant votre saisie : rien n'a été enregistré. Votre saisie reste affichée (à recopier si besoin) ; {cancel} pour fermer."
    )
}

/// The version a change was made on.
fn version_of(r: &Record) -> i64 {
    match r {
        Record::Person(x) => x.version,
        Record::Suivi(x) => x.version,
        Record::Diagnostic(x) => x.version,
        Record::Barrier(x) => x.version,
        Record::Objective(x) => x.version,
        Record::Action(x) => x.version,
        Record::Appointment(x) => x.version,
        Record::Note(x) => x.version,
        Record::Etape(x) => x.version,
        Record::Saisine(x) => x.version,
        Record::Veille(x) => x.version,
        Record::Session(x) => x.version,
        Record::Eligibility(x) => x.version,
    }
}

/// The version of record `id` of `kind` in the loaded file, `None` when it is not there.
fn stored_version(data: &PersonFile, kind: RecordKind, id: Id) -> Option<i64> {
    fn find<T>(list: &[T], id: Id, key: fn(&T) -> (Id, i64)) -> Option<i64> {
        list.iter().map(key).find(|(i, _)| *i == id).map(|(_, v)| v)
    }
    match kind {
        RecordKind::Person => (data.person.id == id).then_some(data.person.version),
        RecordKind::Suivi => find(&data.suivis, id, |x| (x.id, x.version)),
        RecordKind::Diagnostic => find(&data.diagnostics, id, |x| (x.id, x.version)),
        RecordKind::Barrier => find(&data.barriers, id, |x| (x.id, x.version)),
        RecordKind::Objective => find(&data.objectives, id, |x| (x.id, x.version)),
        RecordKind::Action => find(&data.actions, id, |x| (x.id, x.version)),
        RecordKind::Appointment => find(&data.appointments, id, |x| (x.id, x.version)),
        RecordKind::Note => find(&data.notes, id, |x| (x.id, x.version)),
        RecordKind::Etape => find(&data.etapes, id, |x| (x.id, x.version)),
        RecordKind::Saisine => find(&data.saisines, id, |x| (x.id, x.version)),
        RecordKind::Veille => find(&data.veilles, id, |x| (x.id, x.version)),
        // Sessions are not part of the file (their version is checked by the store).
        RecordKind::Session => None,
        RecordKind::Eligibility => find(&data.eligibilities, id, |x| (x.id, x.version)),
    }
}

/// The selection after a move key, in a list of `len` rows.
pub(super) fn step(action: Action, sel: usize, len: usize) -> usize {
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
