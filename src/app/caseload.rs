//! The caseload screen ("file active"): building the app on it, its rows and search index,
//! the search line, the filters and sorts, the demonstration data.

use super::input::TextInput;
use super::keys::{Action, Context, Key, Keymap};
use super::state::*;
use crate::clock::Clock;
use crate::domain::*;
use crate::search::{SearchEntry, SearchIndex};
use crate::store::{Store, StoreError};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

impl CaseloadState {
    fn new() -> CaseloadState {
        CaseloadState {
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
        }
    }
}

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
            caseload: CaseloadState::new(),
            today: TodayState::default(),
            file: None,
            overlay: None,
            status: None,
            quit_armed: false,
            retention: Default::default(),
            audit: Default::default(),
            export_dir: None,
            last_input: now,
            idle_lock: chrono::Duration::minutes(crate::config::LOCK_MINUTES_DEFAULT as i64),
            report: None,
        };
        app.reload_caseload(store)?;
        // "Ma file active" when this advisor has people in the list.
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

    /// Action statuses that count as open (the caseload and today queries need them).
    pub(super) fn open_statuses(&self) -> Vec<String> {
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

    /// Back to the caseload's list (F3, Échap from a screen): the search typed stays shown,
    /// but keys are the list's again, not the search line's.
    pub(super) fn back_to_caseload(&mut self, store: &Store) {
        self.screen = Screen::Caseload;
        self.caseload.searching = false;
        if let Err(e) = self.reload_caseload(store) {
            self.set_error(e.to_string());
        }
    }

    pub(super) fn open_caseload_row(&mut self, store: &Store) {
        self.settle();
        if let Some(id) = self.selected_person() {
            self.open_person(id, store);
        }
    }

    // ----- the search line -----

    /// Keys while the search line is open (contexts `search` and `edit`; a printable
    /// character is always text). Returns true when the key was used.
    pub(super) fn search_key(&mut self, key: &KeyEvent, store: &mut Store) -> bool {
        let k = Key::from_event(key);
        let c = &mut self.caseload;
        if let Some(ch) = k.text() {
            c.query.insert(ch);
            c.search_pending = true;
            c.selected = 0;
            return true;
        }
        match self.keymap.lookup(&[Context::Search, Context::Edit], &k) {
            Some(Action::ClearSearch) => {
                c.searching = false;
                c.query.set("");
                c.search_pending = true;
            }
            Some(Action::Open) => self.open_caseload_row(store),
            Some(a @ (Action::Up | Action::Down | Action::PageUp | Action::PageDown)) => {
                self.status = None;
                self.move_selection(a);
            }
            Some(a) => {
                if c.query.apply(a) == Some(true) {
                    c.search_pending = true;
                    c.selected = 0;
                }
            }
            None => return false,
        }
        true
    }

    /// Pasted text on the caseload goes into the search line.
    pub(super) fn search_paste(&mut self, text: &str) {
        let c = &mut self.caseload;
        c.searching = true;
        c.query.insert_str(text);
        c.search_pending = true;
        c.selected = 0;
    }

    /// A key bound to nothing: a capital letter on the list (a name) starts a search with it.
    pub(super) fn unbound_key(&mut self, key: &KeyEvent) {
        if let KeyCode::Char(c) = key.code {
            if self.screen == Screen::Caseload
                && !key.modifiers.contains(KeyModifiers::CONTROL)
                && c.is_uppercase()
            {
                let cl = &mut self.caseload;
                cl.searching = true;
                cl.query.insert(c);
                cl.search_pending = true;
                cl.selected = 0;
            }
        }
    }

    // ----- filters and sorts -----

    pub(super) fn toggle_mine(&mut self) {
        if self.me.trim().is_empty() {
            // Without a name there is no "my caseload" to show: say so, keep the list.
            self.caseload.mine = false;
            self.set_error("Référent·e inconnu·e : impossible de filtrer « ma file active »");
        } else {
            self.caseload.mine = !self.caseload.mine;
            self.caseload.selected = 0;
            self.refresh_visible();
        }
    }

    pub(super) fn cycle_dispositif(&mut self) {
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

    pub(super) fn cycle_open(&mut self, store: &Store) {
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

    pub(super) fn cycle_sort(&mut self) {
        self.caseload.sort = match self.caseload.sort {
            Sort::Name => Sort::LastContact,
            Sort::LastContact => Sort::NextAppointment,
            Sort::NextAppointment => Sort::Alerts,
            Sort::Alerts => Sort::Name,
        };
        self.caseload.selected = 0;
        self.refresh_visible();
    }

    // ----- demonstration -----

    pub(super) fn load_demo(&mut self, store: &mut Store) {
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
}
