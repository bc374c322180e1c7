//! Update: keys become actions, actions change the state and, through the store's single
//! write path, the database. Every confirmed edit is committed at once.

use super::form::{Field, Form, FormOutcome, Purpose};
use super::input::TextInput;
use super::keys::{Action, Context, Key, Keymap};
use super::state::*;
use crate::clock::Clock;
use crate::domain::referential::{label_in, next_code};
use crate::domain::*;
use crate::search::{SearchEntry, SearchIndex};
use crate::store::{Store, StoreError};
use crossterm::event::{Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

/// Shown when an edit is refused because another instance changed the open file.
const CHANGED_ELSEWHERE: &str = "Ce dossier a été modifié sur un autre poste ou dans une autre fenêtre : il vient d'être rechargé. Refaites la modification si elle est toujours utile.";

/// Right-of-access reminder shown in the note editor (CNIL).
pub const NOTE_REMINDER: &str =
    "La personne peut demander à lire ses notes (droit d'accès) : écrivez des faits, sans jugement. Privée = visible de l'équipe seulement.";

impl App {
    pub fn new(
        store: &Store,
        rf: Referential,
        keymap: Keymap,
        clock: Clock,
        me: String,
    ) -> Result<App, StoreError> {
        let now = clock.now();
        let mut app = App {
            rf,
            keymap,
            clock,
            me,
            db_label: store.path().display().to_string(),
            screen: Screen::Caseload,
            previous_screen: Screen::Caseload,
            caseload: CaseloadState {
                rows: Vec::new(),
                index: SearchIndex::new(Vec::new()),
                query: TextInput::new("", false),
                searching: false,
                search_pending: false,
                mine: false,
                dispositif: None,
                open: OpenFilter::EnCours,
                sort: Sort::Name,
                visible: Vec::new(),
                selected: 0,
            },
            today: TodayState::default(),
            file: None,
            overlay: None,
            status: None,
            quit: false,
            quit_armed: false,
            retention: Default::default(),
            audit: Default::default(),
            export_dir: None,
            lock_requested: false,
            last_input: now,
            idle_lock: chrono::Duration::minutes(crate::config::LOCK_MINUTES_DEFAULT as i64),
        };
        app.reload_caseload(store)?;
        let me_f = crate::text::fold(app.me.trim());
        app.caseload.mine = !me_f.is_empty()
            && app
                .caseload
                .rows
                .iter()
                .any(|r| crate::text::fold(&r.referent) == me_f);
        app.refresh_visible();
        Ok(app)
    }

    fn open_statuses(&self) -> Vec<String> {
        self.rf
            .action_statuses
            .iter()
            .filter(|s| s.open)
            .map(|s| s.code.clone())
            .collect()
    }

    /// Reloads the caseload rows and rebuilds the search index (keeps the selection's person).
    pub fn reload_caseload(&mut self, store: &Store) -> Result<(), StoreError> {
        let keep = self.selected_person();
        let rows = store.caseload(&self.open_statuses())?;
        let entries = rows
            .iter()
            .map(|r| SearchEntry {
                id: r.person_id,
                display: r.display_name(),
                extra: format!(
                    "{} {} {}",
                    r.dossier,
                    r.commune,
                    r.birth_date
                        .map(crate::dates::format_date)
                        .unwrap_or_default()
                ),
            })
            .collect();
        self.caseload.index = SearchIndex::new(entries);
        self.caseload.rows = rows;
        self.caseload.search_pending = true;
        self.refresh_visible();
        if let Some(id) = keep {
            if let Some(pos) = self
                .caseload
                .visible
                .iter()
                .position(|i| self.caseload.rows[*i].person_id == id)
            {
                self.caseload.selected = pos;
            }
        }
        Ok(())
    }

    pub fn selected_person(&self) -> Option<Id> {
        let c = &self.caseload;
        c.visible
            .get(c.selected)
            .and_then(|i| c.rows.get(*i))
            .map(|r| r.person_id)
    }

    /// Runs the pending search (once, however many keys were typed) and re-applies filters
    /// and sort. This is the code path the benchmark measures.
    pub fn refresh_visible(&mut self) {
        let today = self.clock.today();
        let c = &mut self.caseload;
        let query = c.query.text();
        let searching = !query.trim().is_empty();
        let candidates: Vec<usize> = if searching {
            c.index.search(&query).iter().map(|h| h.index).collect()
        } else {
            (0..c.rows.len()).collect()
        };
        c.search_pending = false;
        let me = crate::text::fold(self.me.trim());
        let mut visible: Vec<usize> = candidates
            .into_iter()
            .filter(|i| {
                let r = &c.rows[*i];
                (!c.mine || crate::text::fold(&r.referent) == me)
                    && c.dispositif
                        .as_ref()
                        .is_none_or(|d| r.dispositif.as_deref() == Some(d.as_str()))
                    && match c.open {
                        OpenFilter::EnCours => r.is_open() && !r.archived,
                        OpenFilter::Sortis => !r.is_open() && !r.archived,
                        OpenFilter::Tous => !r.archived,
                        OpenFilter::Archives => r.archived,
                    }
            })
            .collect();
        if !searching {
            let rows = &c.rows;
            match c.sort {
                Sort::Name => {} // the query already orders by name
                Sort::LastContact => {
                    // Longest without contact first: they need a call.
                    visible.sort_by_key(|i| rows[*i].last_honoured);
                }
                Sort::NextAppointment => {
                    visible.sort_by_key(|i| (rows[*i].next_appt.is_none(), rows[*i].next_appt))
                }
                Sort::Alerts => {
                    visible.sort_by_key(|i| std::cmp::Reverse(rows[*i].alerts(today).count()))
                }
            }
        }
        c.visible = visible;
        if c.selected >= c.visible.len() {
            c.selected = c.visible.len().saturating_sub(1);
        }
    }

    /// Call after a batch of events: performs the deferred search once.
    pub fn settle(&mut self) {
        if self.caseload.search_pending {
            self.refresh_visible();
        }
    }

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

    /// One terminal event. Returns true when the screen must be redrawn.
    pub fn handle_event(&mut self, event: &Event, store: &mut Store) -> bool {
        if matches!(event, Event::Key(_) | Event::Paste(_)) {
            self.last_input = self.clock.now();
        }
        match event {
            Event::Key(k) if k.kind != KeyEventKind::Release => {
                self.handle_key(*k, store);
                true
            }
            Event::Paste(text) => {
                if let Some(Overlay::Form(form)) = &mut self.overlay {
                    form.paste(text);
                } else if self.screen == Screen::Caseload {
                    self.caseload.searching = true;
                    self.caseload.query.insert_str(text);
                    self.caseload.search_pending = true;
                    self.caseload.selected = 0;
                }
                true
            }
            Event::Resize(..) => true,
            _ => false,
        }
    }

    pub fn handle_key(&mut self, key: KeyEvent, store: &mut Store) {
        // Ctrl+C always gets out; with a form open, a first press warns (what is typed in
        // the form would be lost) and a second one quits.
        if key.code == KeyCode::Char('c') && key.modifiers.contains(KeyModifiers::CONTROL) {
            if matches!(self.overlay, Some(Overlay::Form(_))) && !self.quit_armed {
                self.quit_armed = true;
                self.set_error("Formulaire en cours : F10 pour l'enregistrer, Échap pour l'abandonner, Ctrl+C à nouveau pour quitter sans l'enregistrer");
                return;
            }
            self.quit = true;
            return;
        }
        self.quit_armed = false;
        // Overlays take every key first.
        if let Some(overlay) = &mut self.overlay {
            match overlay {
                Overlay::Help { scroll } => match key.code {
                    KeyCode::Down | KeyCode::Char('j') => *scroll += 1,
                    KeyCode::Up | KeyCode::Char('k') => *scroll = scroll.saturating_sub(1),
                    KeyCode::PageDown => *scroll += 10,
                    KeyCode::PageUp => *scroll = scroll.saturating_sub(10),
                    _ => self.overlay = None,
                },
                Overlay::Form(form) => match form.handle_key(&key) {
                    FormOutcome::Continue => {}
                    FormOutcome::Cancel => {
                        self.overlay = None;
                        self.set_info("Saisie abandonnée : rien n'a été modifié");
                    }
                    FormOutcome::Submit => self.submit_form(store),
                },
            }
            return;
        }
        if self.screen == Screen::Caseload
            && self.caseload.searching
            && self.search_key(&key, store)
        {
            return;
        }
        let k = Key::from_event(&key);
        let action = self.keymap.lookup(&self.contexts(), &k);
        match action {
            Some(a) => {
                self.status = None;
                self.do_action(a, store);
            }
            None => {
                if let KeyCode::Char(c) = key.code {
                    if self.screen == Screen::Caseload
                        && !key.modifiers.contains(KeyModifiers::CONTROL)
                        && c.is_uppercase()
                        && self.keymap.lookup(&self.contexts(), &k).is_none()
                    {
                        // A capital letter on the list (a name) starts a search with it.
                        self.caseload.searching = true;
                        self.caseload.query.insert(c);
                        self.caseload.search_pending = true;
                        self.caseload.selected = 0;
                    }
                }
            }
        }
    }

    /// Keys while the search line is open. Returns true when the key was used.
    fn search_key(&mut self, key: &KeyEvent, store: &mut Store) -> bool {
        let c = &mut self.caseload;
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        match key.code {
            KeyCode::Esc => {
                c.searching = false;
                c.query.set("");
                c.search_pending = true;
            }
            KeyCode::Enter => {
                self.settle();
                if let Some(id) = self.selected_person() {
                    self.open_person(id, store);
                }
            }
            KeyCode::Backspace => {
                if ctrl {
                    c.query.delete_word();
                } else {
                    c.query.backspace();
                }
                c.search_pending = true;
                c.selected = 0;
            }
            KeyCode::Char('u') if ctrl => {
                c.query.set("");
                c.search_pending = true;
            }
            KeyCode::Char(ch) if !ctrl => {
                c.query.insert(ch);
                c.search_pending = true;
                c.selected = 0;
            }
            KeyCode::Left => c.query.left(),
            KeyCode::Right => c.query.right(),
            KeyCode::Up | KeyCode::Down | KeyCode::PageUp | KeyCode::PageDown => return false,
            KeyCode::F(_) => return false,
            KeyCode::Char(_) => return false,
            _ => {}
        }
        true
    }

    fn move_selection(&mut self, action: Action) {
        let page = 10;
        let step = |sel: usize, len: usize| -> usize {
            if len == 0 {
                return 0;
            }
            match action {
                Action::Up => sel.saturating_sub(1),
                Action::Down => (sel + 1).min(len - 1),
                Action::PageUp => sel.saturating_sub(page),
                Action::PageDown => (sel + page).min(len - 1),
                Action::Top => 0,
                Action::Bottom => len - 1,
                _ => sel,
            }
        };
        match self.screen {
            Screen::Caseload => {
                self.settle();
                let len = self.caseload.visible.len();
                self.caseload.selected = step(self.caseload.selected, len);
            }
            Screen::Today => {
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
            Screen::File => {
                let Some(file) = self.file.as_ref() else {
                    return;
                };
                if file.journal.is_some() {
                    let len = file.data.notes.len();
                    let s = step(file.journal_selected, len);
                    if let Some(f) = self.file.as_mut() {
                        f.journal_selected = s;
                    }
                    return;
                }
                let pane = file.focus;
                let len = self.pane_len(file, pane);
                let mut s = step(file.selected[pane.index()], len);
                if pane == Pane::Barriers {
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

    fn do_action(&mut self, action: Action, store: &mut Store) {
        use Action as A;
        match action {
            A::Quit => self.quit = true,
            A::Lock => self.lock_requested = true,
            A::Help => self.overlay = Some(Overlay::Help { scroll: 0 }),
            A::Today => self.show_today(store),
            A::GoCaseload => self.back_to_caseload(store),
            A::Up | A::Down | A::PageUp | A::PageDown | A::Top | A::Bottom => {
                self.move_selection(action)
            }
            A::Back => match self.screen {
                Screen::Today => {
                    if self.previous_screen == Screen::File && self.file.is_some() {
                        self.screen = Screen::File;
                    } else {
                        self.back_to_caseload(store);
                    }
                }
                Screen::File => {
                    if let Some(f) = self.file.as_mut().filter(|f| f.journal.is_some()) {
                        f.journal = None;
                    } else {
                        self.back_to_caseload(store);
                    }
                }
                Screen::Retention => self.back_to_caseload(store),
                Screen::Audit => self.leave_audit(store),
                Screen::Caseload => {}
            },
            A::Search => {
                self.caseload.searching = true;
            }
            A::Open => match self.screen {
                Screen::Caseload => {
                    self.settle();
                    if let Some(id) = self.selected_person() {
                        self.open_person(id, store);
                    }
                }
                Screen::Today => {
                    if let Some(TodayRow::Item { person_id, .. }) =
                        self.today.rows.get(self.today.selected).cloned()
                    {
                        self.open_person(person_id, store);
                    }
                }
                Screen::Retention => self.open_retention_row(store),
                Screen::File | Screen::Audit => {}
            },
            A::NewPerson => self.overlay = Some(Overlay::Form(Box::new(self.person_form(None)))),
            A::LoadDemo => self.load_demo(store),
            A::ToggleMine => {
                if self.me.trim().is_empty() {
                    // Without a name there is no "my caseload" to show: say so, keep the list.
                    self.caseload.mine = false;
                    self.set_error(
                        "Référent·e inconnu·e : impossible de filtrer « ma file active »",
                    );
                } else {
                    self.caseload.mine = !self.caseload.mine;
                    self.caseload.selected = 0;
                    self.refresh_visible();
                }
            }
            A::CycleDispositif => {
                let list = &self.rf.dispositifs;
                self.caseload.dispositif = match &self.caseload.dispositif {
                    None => list.first().map(|d| d.code.clone()),
                    Some(cur) => {
                        let pos = list.iter().position(|d| &d.code == cur);
                        pos.and_then(|p| list.get(p + 1)).map(|d| d.code.clone())
                    }
                };
                self.caseload.selected = 0;
                self.refresh_visible();
            }
            A::CycleOpen => {
                self.caseload.open = match self.caseload.open {
                    OpenFilter::EnCours => OpenFilter::Sortis,
                    OpenFilter::Sortis => OpenFilter::Tous,
                    // Archived files: restricted access, admins only.
                    OpenFilter::Tous if self.is_admin(store) => OpenFilter::Archives,
                    OpenFilter::Tous | OpenFilter::Archives => OpenFilter::EnCours,
                };
                self.caseload.selected = 0;
                self.refresh_visible();
            }
            A::CycleSort => {
                self.caseload.sort = match self.caseload.sort {
                    Sort::Name => Sort::LastContact,
                    Sort::LastContact => Sort::NextAppointment,
                    Sort::NextAppointment => Sort::Alerts,
                    Sort::Alerts => Sort::Name,
                };
                self.caseload.selected = 0;
                self.refresh_visible();
            }
            A::NextPane | A::PrevPane => {
                if let Some(f) = self.file.as_mut() {
                    let i = f.focus.index();
                    let n = if action == A::NextPane {
                        (i + 1) % 4
                    } else {
                        (i + 3) % 4
                    };
                    f.focus = Pane::ALL[n];
                }
            }
            A::FocusDiagnostic => self.focus(Pane::Diagnostic),
            A::FocusBarriers => self.focus(Pane::Barriers),
            A::FocusPlan => self.focus(Pane::Plan),
            A::FocusAppointments => self.focus(Pane::Appointments),
            A::Journal => {
                if let Some(f) = self.file.as_mut() {
                    f.journal = Some(0);
                    f.journal_selected = 0;
                }
            }
            A::Undo => self.undo(store),
            A::EditPerson => {
                if let Some(f) = &self.file {
                    let form = self.person_form(Some(&f.data));
                    self.overlay = Some(Overlay::Form(Box::new(form)));
                }
            }
            A::EditSuivi => self.open_suivi_form(),
            A::Level(rank) => self.set_level_rank(rank, store),
            A::CycleLevel => self.cycle_level(store),
            A::EditComment => self.open_comment_form(),
            A::EditProfessional => self.open_professional_form(),
            A::NewReview => self.new_review(store),
            A::Toggle => self.toggle_barrier(store),
            A::CycleStatus => self.cycle_status(store),
            A::Edit => self.edit_selected(),
            A::AddFree => self.open_free_barrier_form(),
            A::ToggleCheckedOnly => {
                if let Some(f) = self.file.as_mut() {
                    f.checked_only = !f.checked_only;
                    f.selected[Pane::Barriers.index()] = 1;
                }
                self.clamp_selection();
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
            A::ErasePerson => self.ask_erase(store),
            A::Retention => self.show_retention(store),
            A::ToggleArchive => self.toggle_archive(store),
            A::AuditLog => self.show_audit(store),
            A::CycleAuditAccount => self.cycle_audit_actor(store),
            A::CycleAuditAction => self.cycle_audit_action(store),
        }
    }

    fn focus(&mut self, pane: Pane) {
        if let Some(f) = self.file.as_mut() {
            f.focus = pane;
            f.journal = None;
        }
    }

    fn back_to_caseload(&mut self, store: &Store) {
        self.screen = Screen::Caseload;
        if let Err(e) = self.reload_caseload(store) {
            self.set_error(e.to_string());
        }
    }

    /// Opens a person's file; the consultation is written in the audit log (a file that
    /// cannot be audited is not shown).
    pub fn open_person(&mut self, id: Id, store: &Store) {
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
                };
                // Start the checklist on its first situation row, not a theme header.
                file.selected[Pane::Barriers.index()] = 1;
                // A file with barriers opens on the checked ones: the full list is one key away.
                file.checked_only = !file.data.barriers.is_empty();
                self.file = Some(file);
                self.screen = Screen::File;
                self.clamp_selection();
            }
            Err(e) => self.set_error(e.to_string()),
        }
    }

    /// Another instance changed the database: reload what is shown, and say so when the
    /// open file itself changed.
    pub fn external_change(&mut self, store: &Store) {
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
                let sel = self.today.selected;
                self.today = self.build_today(store);
                self.today.selected = sel.min(self.today.rows.len().saturating_sub(1));
            }
        }
    }

    fn reload_file(&mut self, store: &Store) {
        let Some(f) = self.file.as_mut() else { return };
        match store.person_file(f.data.person.id) {
            Ok(data) => f.data = data,
            Err(e) => {
                let msg = e.to_string();
                self.set_error(msg);
            }
        }
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

    /// Commits one change of the open file. Refuses (and reloads) when the file changed
    /// underneath (another instance): the version is checked inside the write transaction.
    /// Returns the written id.
    fn commit(&mut self, store: &mut Store, change: Change, what: &str) -> Result<Id, String> {
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
    fn changed_elsewhere(&mut self, store: &Store) {
        self.reload_file(store);
        if let Some(f) = self.file.as_mut() {
            f.undo.clear();
        }
    }

    fn commit_or_report(&mut self, store: &mut Store, change: Change, what: &str) {
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

    fn show_today(&mut self, store: &Store) {
        if self.screen != Screen::Today {
            self.previous_screen = self.screen;
        }
        self.screen = Screen::Today;
        self.today = self.build_today(store);
    }

    pub(super) fn build_today(&self, store: &Store) -> TodayState {
        use crate::dates::{format_date, format_datetime};
        let now = self.clock.now();
        let today = now.date();
        let mut rows = Vec::new();
        let mut err = None;
        // "Ma file active": the today view shows only my people too.
        let mine: Option<std::collections::HashSet<Id>> = self.caseload.mine.then(|| {
            let me = crate::text::fold(self.me.trim());
            self.caseload
                .rows
                .iter()
                .filter(|r| crate::text::fold(&r.referent) == me)
                .map(|r| r.person_id)
                .collect()
        });
        let section =
            |title: &str, mut items: Vec<TodayRow>, empty: &str, rows: &mut Vec<TodayRow>| {
                if let Some(mine) = &mine {
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
            };
        let day = |d: chrono::NaiveDate| d.and_hms_opt(0, 0, 0).unwrap_or_default();
        let tomorrow = today + chrono::Duration::days(1);
        for (title, from, to) in [
            ("Aujourd'hui", day(today), day(tomorrow)),
            (
                "Demain",
                day(tomorrow),
                day(tomorrow + chrono::Duration::days(1)),
            ),
        ] {
            match store.agenda(from, to) {
                Ok(items) => {
                    let rows_: Vec<TodayRow> = items
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
                    section(title, rows_, "Aucun rendez-vous", &mut rows);
                }
                Err(e) => err = Some(e.to_string()),
            }
        }
        match store.appointments_to_set(50) {
            Ok(items) => {
                let v = items
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
                    .collect();
                section(
                    "Statuts de rendez-vous à préciser",
                    v,
                    "Tout est à jour",
                    &mut rows,
                );
            }
            Err(e) => err = Some(e.to_string()),
        }
        match store.overdue_actions(today, &self.open_statuses(), 50) {
            Ok(items) => {
                let v = items
                    .into_iter()
                    .map(|it| TodayRow::Item {
                        person_id: it.person_id,
                        when: it.action.due.map(format_date).unwrap_or_default(),
                        who: it.person_name,
                        what: format!("{} (en retard)", it.action.label),
                        alert: true,
                    })
                    .collect();
                section("Actions en retard", v, "Aucune action en retard", &mut rows);
            }
            Err(e) => err = Some(e.to_string()),
        }
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
        let n = contact.len();
        contact.truncate(100);
        section(
            &format!(
                "Personnes à contacter{}",
                if n > 100 { " (100 premières)" } else { "" }
            ),
            contact,
            "Personne à relancer",
            &mut rows,
        );
        if let Some(e) = err {
            rows.insert(0, TodayRow::Empty(e));
        }
        let selected = rows
            .iter()
            .position(|r| matches!(r, TodayRow::Item { .. }))
            .unwrap_or(0);
        TodayState { rows, selected }
    }

    pub fn appt_status_label(&self, a: &Appointment) -> String {
        let s = a.effective_status(self.clock.now());
        if s == codes::APPT_TO_SET {
            "statut à préciser".into()
        } else {
            label_in(&self.rf.appointment_statuses, s).to_string()
        }
    }

    fn load_demo(&mut self, store: &mut Store) {
        if !self.caseload.rows.is_empty() {
            self.set_info("La démonstration se charge seulement dans une base vide (parcours demo --db AUTRE_FICHIER)");
            return;
        }
        let files = crate::demo::generate(&self.rf, 60, 1, self.clock.now());
        match store.insert_files(&files) {
            Ok(_) => {
                self.caseload.mine = false;
                self.caseload.open = OpenFilter::EnCours;
                if let Err(e) = self.reload_caseload(store) {
                    self.set_error(e.to_string());
                } else {
                    self.set_info("60 personnes fictives chargées (démonstration)");
                }
            }
            Err(e) => self.set_error(e.to_string()),
        }
    }

    // ----- diagnostic -----

    fn selected_theme(&self) -> Option<String> {
        let f = self.file.as_ref()?;
        self.diag_rows()
            .get(f.selected[Pane::Diagnostic.index()])
            .map(|t| t.code.clone())
    }

    /// The diagnostic to edit: the latest, or a new initial one dated today.
    fn working_diagnostic(&self) -> Option<Diagnostic> {
        let f = self.file.as_ref()?;
        Some(
            f.data
                .current_diagnostic()
                .cloned()
                .unwrap_or_else(|| Diagnostic {
                    person_id: f.data.person.id,
                    kind: codes::DIAG_INITIAL.into(),
                    date: Some(self.clock.today()),
                    ..Default::default()
                }),
        )
    }

    fn set_level(&mut self, level: String, store: &mut Store) {
        let (Some(theme), Some(mut d)) = (self.selected_theme(), self.working_diagnostic()) else {
            return;
        };
        d.assessment_mut(&theme).level = level.clone();
        let what = format!(
            "{} : {}",
            self.rf
                .theme(&theme)
                .map(|t| t.label.as_str())
                .unwrap_or(&theme),
            label_in(&self.rf.levels, &level)
        );
        self.commit_or_report(store, Change::Upsert(Record::Diagnostic(d)), &what);
    }

    fn set_level_rank(&mut self, rank: u8, store: &mut Store) {
        if let Some(l) = self.rf.levels.iter().find(|l| l.rank == rank) {
            self.set_level(l.code.clone(), store);
        }
    }

    fn cycle_level(&mut self, store: &mut Store) {
        let (Some(theme), Some(d)) = (self.selected_theme(), self.working_diagnostic()) else {
            return;
        };
        let next = next_code(&self.rf.levels, d.level_of(&theme));
        self.set_level(next, store);
    }

    fn open_comment_form(&mut self) {
        let (Some(theme), Some(d)) = (self.selected_theme(), self.working_diagnostic()) else {
            return;
        };
        let comment = d
            .themes
            .iter()
            .find(|t| t.theme == theme)
            .map(|t| t.comment.clone())
            .unwrap_or_default();
        let label = self
            .rf
            .theme(&theme)
            .map(|t| t.label.clone())
            .unwrap_or(theme.clone());
        let levels: Vec<(String, String)> = self
            .rf
            .levels
            .iter()
            .map(|l| (l.code.clone(), format!("{} {}", l.glyph, l.label)))
            .collect();
        let form = Form::new(
            &format!("Diagnostic — {label}"),
            Purpose::ThemeComment(theme.clone()),
            vec![
                Field::choice("level", "Niveau", levels, d.level_of(&theme)),
                Field::multiline("comment", "Commentaire", &comment),
            ],
        );
        let mut form = form;
        form.focus = 1;
        self.overlay = Some(Overlay::Form(Box::new(form)));
    }

    fn open_professional_form(&mut self) {
        let Some(d) = self.working_diagnostic() else {
            return;
        };
        let mut niveaux = vec![(String::new(), "(non renseigné)".to_string())];
        niveaux.extend(
            self.rf
                .niveaux
                .iter()
                .map(|n| (n.code.clone(), format!("{} — {}", n.code, n.label))),
        );
        let form = Form::new(
            "Volet professionnel",
            Purpose::Professional,
            vec![
                Field::choice("niveau", "Niveau de formation", niveaux, &d.niveau),
                Field::text("diplomes", "Diplômes, formations", &d.diplomes),
                Field::text("situation", "Situation actuelle", &d.situation_pro),
                Field::text("dernier", "Dernier emploi", &d.dernier_emploi),
                Field::number("inactivite", "Inactivité (mois)", d.inactivite_mois),
                Field::check("ft", "Inscrit·e à FT", d.ft_inscrit),
                Field::date("ft_date", "Inscrit·e depuis le", d.ft_date),
                Field::text("projet", "Projet professionnel", &d.projet),
                Field::text("metiers", "Métiers visés", &d.metiers_cibles),
                Field::multiline("competences", "Compétences, atouts", &d.competences),
                Field::multiline("envies", "Envies", &d.envies),
            ],
        );
        self.overlay = Some(Overlay::Form(Box::new(form)));
    }

    fn new_review(&mut self, store: &mut Store) {
        let Some(f) = &self.file else { return };
        let Some(cur) = f.data.current_diagnostic() else {
            self.set_info(
                "Pas encore de diagnostic : réglez un niveau (touches 0 à 4) pour le commencer",
            );
            return;
        };
        let review = cur.next_review(codes::DIAG_REVIEW, self.clock.today());
        self.commit_or_report(
            store,
            Change::Upsert(Record::Diagnostic(review)),
            "Nouveau bilan intermédiaire (repris du précédent)",
        );
    }

    // ----- barriers -----

    fn selected_barrier_row(&self) -> Option<BarrierRow> {
        let f = self.file.as_ref()?;
        self.barrier_rows(f)
            .get(f.selected[Pane::Barriers.index()])
            .cloned()
    }

    fn toggle_barrier(&mut self, store: &mut Store) {
        let Some(f) = &self.file else { return };
        let pid = f.data.person.id;
        match self.selected_barrier_row() {
            Some(BarrierRow::Situation {
                theme,
                code,
                barrier: None,
            }) => {
                let b = Barrier {
                    person_id: pid,
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
            Some(BarrierRow::Situation {
                barrier: Some(i), ..
            })
            | Some(BarrierRow::Free(i)) => {
                let b = f.data.barriers[i].clone();
                let label = self.rf.barrier_label(&b).to_string();
                self.commit_or_report(
                    store,
                    Change::Delete(RecordKind::Barrier, b.id),
                    &format!("Obstacle décoché : {label} (u pour annuler)"),
                );
            }
            _ => {}
        }
    }

    fn cycle_status(&mut self, store: &mut Store) {
        let Some(f) = &self.file else { return };
        match f.focus {
            Pane::Barriers => {
                let idx = match self.selected_barrier_row() {
                    Some(BarrierRow::Situation {
                        barrier: Some(i), ..
                    })
                    | Some(BarrierRow::Free(i)) => i,
                    Some(BarrierRow::Situation { .. }) => {
                        self.set_info("Cochez d'abord la situation (Espace)");
                        return;
                    }
                    _ => return,
                };
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
            Pane::Plan => {
                let rows = self.plan_rows(f);
                match rows.get(f.selected[Pane::Plan.index()]) {
                    Some(PlanRow::Action(i)) => {
                        let mut a = f.data.actions[*i].clone();
                        a.status = next_code(&self.rf.action_statuses, &a.status);
                        let what = format!(
                            "{} : {}",
                            a.label,
                            label_in(&self.rf.action_statuses, &a.status)
                        );
                        self.commit_or_report(store, Change::Upsert(Record::Action(a)), &what);
                    }
                    Some(PlanRow::Objective(i)) => {
                        let mut o = f.data.objectives[*i].clone();
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
            _ => {}
        }
    }

    fn open_free_barrier_form(&mut self) {
        let theme = match self.selected_barrier_row() {
            Some(BarrierRow::Situation { theme, .. }) | Some(BarrierRow::Theme(theme)) => theme,
            Some(BarrierRow::Free(i)) => self
                .file
                .as_ref()
                .map(|f| f.data.barriers[i].theme.clone())
                .unwrap_or_default(),
            None => String::new(),
        };
        let form = Form::new(
            "Autre obstacle",
            Purpose::FreeBarrier,
            vec![
                Field::choice("theme", "Thème", self.theme_choices(false), &theme),
                Field::text("label", "Situation", "").required(),
                Field::choice(
                    "status",
                    "Statut",
                    items(&self.rf.barrier_statuses),
                    codes::BARRIER_IDENTIFIED,
                ),
                Field::date("since", "Depuis le", Some(self.clock.today())),
                Field::multiline("note", "Note", ""),
            ],
        );
        let mut form = form;
        form.focus = 1;
        self.overlay = Some(Overlay::Form(Box::new(form)));
    }

    fn theme_choices(&self, with_none: bool) -> Vec<(String, String)> {
        let mut v = Vec::new();
        if with_none {
            v.push((String::new(), "(aucun)".to_string()));
        }
        v.extend(
            self.rf
                .active_themes()
                .map(|t| (t.code.clone(), t.label.clone())),
        );
        v
    }

    // ----- editing the selected row -----

    fn edit_selected(&mut self) {
        let Some(f) = &self.file else { return };
        if f.journal.is_some() {
            let rows = self.journal_rows(f);
            if let Some(i) = rows.get(f.journal_selected) {
                let n = f.data.notes[*i].clone();
                self.open_note_form(Some(n));
            }
            return;
        }
        match f.focus {
            Pane::Diagnostic => self.open_comment_form(),
            Pane::Barriers => {
                let idx = match self.selected_barrier_row() {
                    Some(BarrierRow::Situation {
                        barrier: Some(i), ..
                    })
                    | Some(BarrierRow::Free(i)) => i,
                    Some(BarrierRow::Situation { .. }) => {
                        self.set_info("Cochez d'abord la situation (Espace)");
                        return;
                    }
                    _ => return,
                };
                let b = f.data.barriers[idx].clone();
                let mut fields = Vec::new();
                if b.situation.is_none() {
                    fields.push(Field::text("label", "Situation", &b.label).required());
                }
                fields.extend([
                    Field::choice(
                        "status",
                        "Statut",
                        items(&self.rf.barrier_statuses),
                        &b.status,
                    ),
                    Field::date("since", "Depuis le", b.since),
                    Field::date("resolved", "Levé le", b.resolved),
                    Field::multiline("note", "Note", &b.note),
                ]);
                let title = format!("Obstacle — {}", self.rf.barrier_label(&b));
                self.overlay = Some(Overlay::Form(Box::new(Form::new(
                    &title,
                    Purpose::BarrierDetails(b.id),
                    fields,
                ))));
            }
            Pane::Plan => {
                let rows = self.plan_rows(f);
                match rows.get(f.selected[Pane::Plan.index()]).copied() {
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
            Pane::Appointments => {
                let rows = self.appointment_rows(f, self.clock.now());
                if let Some(i) = rows.get(f.selected[Pane::Appointments.index()]) {
                    let a = f.data.appointments[*i].clone();
                    let tagged: Vec<String> = a.demarches.iter().map(|d| d.theme.clone()).collect();
                    let labels = a
                        .demarches
                        .iter()
                        .map(|d| d.label.clone())
                        .filter(|l| !l.is_empty())
                        .collect::<Vec<_>>()
                        .join(" ; ");
                    let title = format!(
                        "Compte rendu — {}",
                        a.start
                            .map(crate::dates::format_datetime)
                            .unwrap_or_default()
                    );
                    let form = Form::new(
                        &title,
                        Purpose::Report(a.id),
                        vec![
                            Field::multiline("report", "Compte rendu", &a.report),
                            Field::multicheck(
                                "themes",
                                "Démarches (thèmes)",
                                self.rf
                                    .active_themes()
                                    .map(|t| (t.code.clone(), t.short.clone()))
                                    .collect(),
                                &tagged,
                            ),
                            Field::text("demarches", "Démarches faites", &labels),
                        ],
                    );
                    self.overlay = Some(Overlay::Form(Box::new(form)));
                }
            }
        }
    }

    fn delete_selected(&mut self, store: &mut Store) {
        let Some(f) = &self.file else { return };
        if f.journal.is_some() {
            let rows = self.journal_rows(f);
            if let Some(i) = rows.get(f.journal_selected) {
                let id = f.data.notes[*i].id;
                self.commit_or_report(
                    store,
                    Change::Delete(RecordKind::Note, id),
                    "Note supprimée (u pour annuler)",
                );
            }
            return;
        }
        match f.focus {
            Pane::Plan => {
                let rows = self.plan_rows(f);
                match rows.get(f.selected[Pane::Plan.index()]).copied() {
                    Some(PlanRow::Action(i)) => {
                        let id = f.data.actions[i].id;
                        self.commit_or_report(
                            store,
                            Change::Delete(RecordKind::Action, id),
                            "Action supprimée (u pour annuler)",
                        );
                    }
                    Some(PlanRow::Objective(i)) => {
                        let id = f.data.objectives[i].id;
                        self.commit_or_report(
                            store,
                            Change::Delete(RecordKind::Objective, id),
                            "Objectif supprimé (u pour annuler)",
                        );
                    }
                    None => {}
                }
            }
            Pane::Appointments => {
                let rows = self.appointment_rows(f, self.clock.now());
                if let Some(i) = rows.get(f.selected[Pane::Appointments.index()]) {
                    let id = f.data.appointments[*i].id;
                    self.commit_or_report(
                        store,
                        Change::Delete(RecordKind::Appointment, id),
                        "Rendez-vous supprimé (u pour annuler)",
                    );
                }
            }
            _ => {}
        }
    }

    // ----- plan -----

    fn open_action_form(&mut self, existing: Option<PlanAction>) {
        let Some(f) = &self.file else { return };
        let a = existing.clone().unwrap_or_else(|| PlanAction {
            status: codes::ACTION_PLANNED.into(),
            ..Default::default()
        });
        // New action: attach to the objective under the cursor, if any.
        let objective_id = if existing.is_some() {
            a.objective_id
        } else {
            let rows = self.plan_rows(f);
            match rows.get(f.selected[Pane::Plan.index()]) {
                Some(PlanRow::Objective(i)) => Some(f.data.objectives[*i].id),
                Some(PlanRow::Action(i)) => f.data.actions[*i].objective_id,
                None => None,
            }
        };
        let mut objectives = vec![(String::new(), "(aucun)".to_string())];
        objectives.extend(
            f.data
                .objectives
                .iter()
                .map(|o| (o.id.to_string(), o.label.clone())),
        );
        let types: Vec<(String, String)> = self
            .rf
            .action_types
            .iter()
            .map(|t| (t.code.clone(), t.label.clone()))
            .collect();
        let partner_label = label_in(&self.rf.partners, &a.partner).to_string();
        let fields = vec![
            Field::completion("label", "Action", types, &a.label).required(),
            Field::completion(
                "partner",
                "Partenaire",
                items(&self.rf.partners),
                &partner_label,
            ),
            Field::date("due", "Échéance", a.due),
            Field::choice(
                "status",
                "Statut",
                items(&self.rf.action_statuses),
                &a.status,
            ),
            Field::choice(
                "objective",
                "Objectif",
                objectives,
                &objective_id.map(|i| i.to_string()).unwrap_or_default(),
            ),
            Field::text("outcome", "Résultat", &a.outcome),
        ];
        let (title, purpose) = match existing {
            Some(a) => ("Modifier l'action", Purpose::EditAction(a.id)),
            None => ("Nouvelle action", Purpose::NewAction),
        };
        let form = Form::new(title, purpose, fields)
            .with_hint("Tapez quelques lettres : Tab complète avec la 1re suggestion, ↓ puis Entrée en choisit une autre ; ou écrivez librement");
        self.overlay = Some(Overlay::Form(Box::new(form)));
    }

    fn open_objective_form(&mut self, existing: Option<Objective>) {
        let o = existing.clone().unwrap_or_else(|| Objective {
            status: codes::OBJECTIVE_OPEN.into(),
            ..Default::default()
        });
        let fields = vec![
            Field::text("label", "Objectif", &o.label).required(),
            Field::choice(
                "theme",
                "Thème",
                self.theme_choices(true),
                o.theme.as_deref().unwrap_or(""),
            ),
            Field::choice(
                "status",
                "Statut",
                items(&self.rf.objective_statuses),
                &o.status,
            ),
        ];
        let (title, purpose) = match existing {
            Some(o) => ("Modifier l'objectif", Purpose::EditObjective(o.id)),
            None => ("Nouvel objectif", Purpose::NewObjective),
        };
        self.overlay = Some(Overlay::Form(Box::new(Form::new(title, purpose, fields))));
    }

    // ----- appointments -----

    fn open_appointment_form(&mut self) {
        let form = Form::new(
            "Nouveau rendez-vous",
            Purpose::NewAppointment,
            vec![
                Field::datetime("start", "Date et heure", None).required(),
                Field::number("duration", "Durée (minutes)", Some(45)),
                Field::choice(
                    "medium",
                    "Modalité",
                    items(&self.rf.appointment_media),
                    codes::MEDIUM_DEFAULT,
                ),
            ],
        )
        .with_hint("Exemples : 12/03 14h30 · 12/03/2027 · demain 9h · lundi 14h");
        self.overlay = Some(Overlay::Form(Box::new(form)));
    }

    fn set_appointment_status(&mut self, status: &str, store: &mut Store) {
        let Some(f) = &self.file else { return };
        let now = self.clock.now();
        let rows = self.appointment_rows(f, now);
        let Some(i) = rows.get(f.selected[Pane::Appointments.index()]) else {
            self.set_info("Aucun rendez-vous : a pour en ajouter un");
            return;
        };
        let mut a = f.data.appointments[*i].clone();
        // Before its day, an appointment can only be excused or cancelled.
        let not_yet = a.start.is_some_and(|s| s.date() > now.date());
        if not_yet && (status == codes::APPT_HONOURED || status == codes::APPT_ABSENT) {
            self.set_error(
                "Ce rendez-vous n'a pas encore eu lieu : il peut seulement être excusé ou annulé",
            );
            return;
        }
        a.status = status.to_string();
        let what = format!(
            "Rendez-vous : {}",
            label_in(&self.rf.appointment_statuses, status)
        );
        self.commit_or_report(store, Change::Upsert(Record::Appointment(a)), &what);
    }

    // ----- journal -----

    fn open_note_form(&mut self, existing: Option<Note>) {
        let n = existing.clone().unwrap_or(Note {
            private: true,
            ..Default::default()
        });
        let (title, purpose) = match existing {
            Some(n) => ("Modifier la note", Purpose::EditNote(n.id)),
            None => ("Nouvelle note", Purpose::NewNote),
        };
        let form = Form::new(
            title,
            purpose,
            vec![
                Field::multiline("text", "Note", &n.text).required(),
                Field::check("private", "Note privée", n.private),
            ],
        )
        .with_hint(NOTE_REMINDER);
        self.overlay = Some(Overlay::Form(Box::new(form)));
    }

    fn toggle_private(&mut self, store: &mut Store) {
        let Some(f) = &self.file else { return };
        let rows = self.journal_rows(f);
        if let Some(i) = rows.get(f.journal_selected) {
            let mut n = f.data.notes[*i].clone();
            n.private = !n.private;
            let what = if n.private {
                "Note privée"
            } else {
                "Note partagée"
            };
            self.commit_or_report(store, Change::Upsert(Record::Note(n)), what);
        }
    }

    // ----- person and suivi -----

    fn person_form(&self, existing: Option<&PersonFile>) -> Form {
        let p = existing.map(|f| f.person.clone()).unwrap_or_default();
        let mut fields = vec![
            Field::text("nom", "Nom", &p.nom).required(),
            Field::text("prenom", "Prénom", &p.prenom).required(),
            Field::text("nom_usage", "Nom d'usage", &p.nom_usage),
            Field::date("birth", "Date de naissance", p.birth_date),
            Field::choice(
                "sexe",
                "Sexe",
                items(&self.rf.sexes),
                if p.sexe.is_empty() {
                    codes::SEX_UNKNOWN
                } else {
                    &p.sexe
                },
            ),
            Field::text("phone", "Téléphone", &p.phone),
            Field::text("email", "E-mail", &p.email),
            Field::text("commune", "Commune", &p.commune),
        ];
        if existing.is_none() {
            fields.extend([
                Field::choice(
                    "dispositif",
                    "Dispositif",
                    items(&self.rf.dispositifs),
                    "rsa",
                ),
                Field::text("referent", "Référent·e", &self.me),
                Field::completion("prescripteur", "Prescripteur", items(&self.rf.partners), ""),
                Field::date(
                    "orientation",
                    "Date d'orientation",
                    Some(self.clock.today()),
                ),
            ]);
            Form::new("Nouvelle personne", Purpose::NewPerson, fields)
        } else {
            Form::new("Identité", Purpose::EditPerson, fields)
        }
    }

    fn open_suivi_form(&mut self) {
        let Some(f) = &self.file else { return };
        let s = f.data.current_suivi().cloned().unwrap_or_else(|| Suivi {
            dispositif: "rsa".into(),
            contrat: codes::CONTRACT_NONE.into(),
            ..Default::default()
        });
        let mut exits = vec![(String::new(), "(pas de sortie)".to_string())];
        exits.extend(
            self.rf
                .exit_categories
                .iter()
                .map(|e| (e.code.clone(), e.label.clone())),
        );
        let presc = label_in(&self.rf.partners, &s.prescripteur).to_string();
        let form = Form::new(
            "Suivi",
            Purpose::EditSuivi,
            vec![
                Field::choice(
                    "dispositif",
                    "Dispositif",
                    items(&self.rf.dispositifs),
                    &s.dispositif,
                ),
                Field::text("referent", "Référent·e", &s.referent),
                Field::completion(
                    "prescripteur",
                    "Prescripteur",
                    items(&self.rf.partners),
                    &presc,
                ),
                Field::date("orientation", "Orientation le", s.date_orientation),
                Field::date("contact", "Premier contact le", s.date_premier_contact),
                Field::date("entree", "Entrée le", s.date_entree),
                Field::choice("contrat", "Contrat", items(&self.rf.contracts), &s.contrat),
                Field::date("contrat_debut", "Contrat du", s.contrat_debut),
                Field::date("contrat_fin", "Contrat au", s.contrat_fin),
                Field::date("sortie", "Sortie le", s.sortie_date),
                Field::choice(
                    "sortie_cat",
                    "Motif de sortie",
                    exits,
                    s.sortie_categorie.as_deref().unwrap_or(""),
                ),
                Field::text("sortie_detail", "Précision", &s.sortie_detail),
            ],
        );
        self.overlay = Some(Overlay::Form(Box::new(form)));
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
        let result = self.apply_form(&mut form, store);
        match result {
            Ok(()) => {}
            Err(None) => {
                // A field was refused: keep the form, with its message in place.
                self.overlay = Some(Overlay::Form(form));
            }
            Err(Some(msg)) => {
                form.error = Some(msg);
                self.overlay = Some(Overlay::Form(form));
            }
        }
    }

    /// Err(None): a field was refused in place; Err(Some(msg)): a general error.
    fn apply_form(&mut self, form: &mut Form, store: &mut Store) -> Result<(), Option<String>> {
        let now = self.clock.now();
        let today = now.date();
        let pid = self.file.as_ref().map(|f| f.data.person.id).unwrap_or(0);
        let purpose = form.purpose.clone();
        let change = match purpose {
            // Login forms belong to the login screen, never to the app.
            Purpose::Login | Purpose::FirstAccount => return Ok(()),
            Purpose::ErasePerson(id, dossier) => {
                return self.submit_erase(form, store, id, &dossier)
            }
            Purpose::NewPerson | Purpose::EditPerson => {
                let birth = form.date("birth", now);
                if let Some(b) = birth {
                    if b > today {
                        form.refuse("birth", "La date de naissance est dans le futur");
                        return Err(None);
                    }
                    if crate::dates::age_on(b, today) > 120 {
                        form.refuse("birth", "Plus de 120 ans : vérifiez l'année");
                        return Err(None);
                    }
                }
                let mut p = match &self.file {
                    Some(f) if purpose == Purpose::EditPerson => f.data.person.clone(),
                    _ => Person::default(),
                };
                p.nom = form.value("nom");
                p.prenom = form.value("prenom");
                p.nom_usage = form.value("nom_usage");
                p.birth_date = birth;
                p.sexe = form
                    .field("sexe")
                    .map(|f| f.choice_code())
                    .unwrap_or_default();
                p.phone = form.value("phone");
                p.email = form.value("email");
                p.commune = form.value("commune");
                if purpose == Purpose::NewPerson {
                    let presc = form.field("prescripteur");
                    let suivi = Suivi {
                        dispositif: form
                            .field("dispositif")
                            .map(|f| f.choice_code())
                            .unwrap_or_default(),
                        referent: form.value("referent"),
                        prescripteur: presc
                            .and_then(|f| f.completion_code())
                            .unwrap_or_else(|| form.value("prescripteur")),
                        date_orientation: form.date("orientation", now),
                        contrat: codes::CONTRACT_NONE.into(),
                        ..Default::default()
                    };
                    let name = p.display_name();
                    let file = PersonFile {
                        person: p,
                        suivis: vec![suivi],
                        ..Default::default()
                    };
                    let id = store
                        .insert_files(std::slice::from_ref(&file))
                        .map_err(|e| Some(e.to_string()))?[0];
                    self.overlay = None;
                    self.caseload.query.set("");
                    self.caseload.searching = false;
                    if let Err(e) = self.reload_caseload(store) {
                        self.set_error(e.to_string());
                    }
                    self.open_person(id, store);
                    self.set_info(format!("{name} créé·e — enregistré"));
                    return Ok(());
                }
                Change::Upsert(Record::Person(p))
            }
            Purpose::EditSuivi => {
                let f = self.file.as_ref().ok_or(None)?;
                let mut s = f.data.current_suivi().cloned().unwrap_or_else(|| Suivi {
                    person_id: pid,
                    ..Default::default()
                });
                s.dispositif = form
                    .field("dispositif")
                    .map(|f| f.choice_code())
                    .unwrap_or_default();
                s.referent = form.value("referent");
                s.prescripteur = form
                    .field("prescripteur")
                    .and_then(|f| f.completion_code())
                    .unwrap_or_else(|| form.value("prescripteur"));
                s.date_orientation = form.date("orientation", now);
                s.date_premier_contact = form.date("contact", now);
                s.date_entree = form.date("entree", now);
                s.contrat = form
                    .field("contrat")
                    .map(|f| f.choice_code())
                    .unwrap_or_default();
                s.contrat_debut = form.date("contrat_debut", now);
                s.contrat_fin = form.date("contrat_fin", now);
                if let (Some(a), Some(b)) = (s.contrat_debut, s.contrat_fin) {
                    if b < a {
                        form.refuse("contrat_fin", "La fin du contrat précède son début");
                        return Err(None);
                    }
                }
                s.sortie_date = form.date("sortie", now);
                let cat = form
                    .field("sortie_cat")
                    .map(|f| f.choice_code())
                    .unwrap_or_default();
                s.sortie_categorie = if cat.is_empty() { None } else { Some(cat) };
                if s.sortie_date.is_some() && s.sortie_categorie.is_none() {
                    form.refuse("sortie_cat", "Indiquez le motif de sortie");
                    return Err(None);
                }
                if s.sortie_date.is_none() && s.sortie_categorie.is_some() {
                    form.refuse("sortie", "Indiquez la date de sortie");
                    return Err(None);
                }
                s.sortie_detail = form.value("sortie_detail");
                Change::Upsert(Record::Suivi(s))
            }
            Purpose::ThemeComment(theme) => {
                let mut d = self.working_diagnostic().ok_or(None)?;
                let level = form
                    .field("level")
                    .map(|f| f.choice_code())
                    .unwrap_or_default();
                let a = d.assessment_mut(&theme);
                a.level = level;
                a.comment = form.value("comment");
                Change::Upsert(Record::Diagnostic(d))
            }
            Purpose::Professional => {
                let mut d = self.working_diagnostic().ok_or(None)?;
                d.niveau = form
                    .field("niveau")
                    .map(|f| f.choice_code())
                    .unwrap_or_default();
                d.diplomes = form.value("diplomes");
                d.situation_pro = form.value("situation");
                d.dernier_emploi = form.value("dernier");
                d.inactivite_mois = form.number("inactivite");
                d.ft_inscrit = form.field("ft").is_some_and(|f| f.is_checked());
                d.ft_date = form.date("ft_date", now);
                d.projet = form.value("projet");
                d.metiers_cibles = form.value("metiers");
                d.competences = form.value("competences");
                d.envies = form.value("envies");
                Change::Upsert(Record::Diagnostic(d))
            }
            Purpose::BarrierDetails(id) => {
                let f = self.file.as_ref().ok_or(None)?;
                let mut b = f
                    .data
                    .barriers
                    .iter()
                    .find(|b| b.id == id)
                    .cloned()
                    .ok_or(None)?;
                if form.field("label").is_some() {
                    b.label = form.value("label");
                }
                b.status = form
                    .field("status")
                    .map(|f| f.choice_code())
                    .unwrap_or_default();
                b.since = form.date("since", now);
                b.resolved = form.date("resolved", now);
                if let (Some(s), Some(r)) = (b.since, b.resolved) {
                    if r < s {
                        form.refuse("resolved", "La levée précède la date d'apparition");
                        return Err(None);
                    }
                }
                if b.status == codes::BARRIER_LIFTED && b.resolved.is_none() {
                    b.resolved = Some(today);
                }
                b.note = form.value("note");
                Change::Upsert(Record::Barrier(b))
            }
            Purpose::FreeBarrier => Change::Upsert(Record::Barrier(Barrier {
                person_id: pid,
                theme: form
                    .field("theme")
                    .map(|f| f.choice_code())
                    .unwrap_or_default(),
                situation: None,
                label: form.value("label"),
                status: form
                    .field("status")
                    .map(|f| f.choice_code())
                    .unwrap_or_default(),
                since: form.date("since", now),
                note: form.value("note"),
                ..Default::default()
            })),
            Purpose::NewAction | Purpose::EditAction(_) => {
                let f = self.file.as_ref().ok_or(None)?;
                let mut a = match purpose {
                    Purpose::EditAction(id) => f
                        .data
                        .actions
                        .iter()
                        .find(|a| a.id == id)
                        .cloned()
                        .ok_or(None)?,
                    _ => PlanAction {
                        person_id: pid,
                        ..Default::default()
                    },
                };
                let label_field = form.field("label").ok_or(None)?;
                a.action_type = label_field.completion_code();
                a.label = form.value("label");
                a.partner = form
                    .field("partner")
                    .and_then(|f| f.completion_code())
                    .unwrap_or_else(|| form.value("partner"));
                a.due = form.date("due", now);
                a.status = form
                    .field("status")
                    .map(|f| f.choice_code())
                    .unwrap_or_default();
                a.objective_id = form
                    .field("objective")
                    .map(|f| f.choice_code())
                    .and_then(|c| c.parse().ok());
                a.outcome = form.value("outcome");
                Change::Upsert(Record::Action(a))
            }
            Purpose::NewObjective | Purpose::EditObjective(_) => {
                let f = self.file.as_ref().ok_or(None)?;
                let mut o = match purpose {
                    Purpose::EditObjective(id) => f
                        .data
                        .objectives
                        .iter()
                        .find(|o| o.id == id)
                        .cloned()
                        .ok_or(None)?,
                    _ => Objective {
                        person_id: pid,
                        ..Default::default()
                    },
                };
                o.label = form.value("label");
                let t = form
                    .field("theme")
                    .map(|f| f.choice_code())
                    .unwrap_or_default();
                o.theme = if t.is_empty() { None } else { Some(t) };
                o.status = form
                    .field("status")
                    .map(|f| f.choice_code())
                    .unwrap_or_default();
                Change::Upsert(Record::Objective(o))
            }
            Purpose::NewAppointment => {
                let start = form.datetime("start", now);
                if let Some(s) = start {
                    if (s.date() - today).num_days().abs() > 3 * 366 {
                        form.refuse(
                            "start",
                            "Date à plus de 3 ans d'aujourd'hui : vérifiez l'année",
                        );
                        return Err(None);
                    }
                }
                let duration = form.number("duration").unwrap_or(45);
                if duration > 24 * 60 {
                    form.refuse("duration", "Durée de plus de 24 heures : vérifiez");
                    return Err(None);
                }
                Change::Upsert(Record::Appointment(Appointment {
                    person_id: pid,
                    start,
                    duration_min: duration,
                    medium: form
                        .field("medium")
                        .map(|f| f.choice_code())
                        .unwrap_or_default(),
                    status: codes::APPT_PLANNED.into(),
                    ..Default::default()
                }))
            }
            Purpose::Report(id) => {
                let f = self.file.as_ref().ok_or(None)?;
                let mut a = f
                    .data
                    .appointments
                    .iter()
                    .find(|a| a.id == id)
                    .cloned()
                    .ok_or(None)?;
                a.report = form
                    .field("report")
                    .map(|f| f.input.text())
                    .unwrap_or_default();
                let label = form.value("demarches");
                let themes = form
                    .field("themes")
                    .map(|f| f.checked_codes())
                    .unwrap_or_default();
                a.demarches = themes
                    .into_iter()
                    .map(|t| Demarche {
                        theme: t,
                        label: label.clone(),
                    })
                    .collect();
                Change::Upsert(Record::Appointment(a))
            }
            Purpose::NewNote | Purpose::EditNote(_) => {
                let f = self.file.as_ref().ok_or(None)?;
                let mut n = match purpose {
                    Purpose::EditNote(id) => f
                        .data
                        .notes
                        .iter()
                        .find(|n| n.id == id)
                        .cloned()
                        .ok_or(None)?,
                    _ => Note {
                        person_id: pid,
                        at: Some(now),
                        author: self.me.clone(),
                        ..Default::default()
                    },
                };
                n.text = form
                    .field("text")
                    .map(|f| f.input.text())
                    .unwrap_or_default();
                n.private = form.field("private").is_some_and(|f| f.is_checked());
                Change::Upsert(Record::Note(n))
            }
        };
        let what = form.title.clone();
        match self.commit(store, change, &what) {
            Ok(_) => {
                self.overlay = None;
                Ok(())
            }
            Err(msg) => Err(Some(msg)),
        }
    }
}

fn items<T: crate::domain::referential::Coded>(list: &[T]) -> Vec<(String, String)> {
    list.iter()
        .map(|i| (i.code().to_string(), i.label().to_string()))
        .collect()
}
