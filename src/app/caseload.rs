//! The caseload screen ("file active"): building the app on it, its rows and search index,
//! the search line, the filters and sorts, the demonstration data.

use super::input::TextInput;
use super::keys::{Action, Context, Key, Keymap};
use super::state::*;
use crate::clock::Clock;
use crate::domain::*;
use crate::search::{SearchEntry, SearchIndex};
use crate::store::{Backend, StoreError};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

impl CaseloadState {
    fn new() -> CaseloadState {
        CaseloadState {
            rows: Vec::new(),
            mine_rows: Vec::new(),
            index: SearchIndex::new(Vec::new()),
            loading: None,
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

/// Rows of the first screenful when the terminal's height is not known.
pub const FIRST_SCREEN: usize = 120;
/// Full rows read for the first screenful at most (a filter that keeps few people): each
/// is a few random page reads (≈ 50 µs), unlike the sequential pages of the whole list.
const FIRST_READ_MAX: usize = 600;

/// The search entry of a row: the name column, then dossier, commune and birth date.
fn search_entry(r: &CaseloadRow) -> SearchEntry {
    SearchEntry {
        id: r.person_id,
        display: r.display_name().into(),
        extra: format!(
            "{} {} {}",
            r.dossier,
            r.commune,
            r.birth_date
                .map(crate::dates::format_date)
                .unwrap_or_default()
        ),
    }
}

/// The search index over `rows`, in their order.
fn build_index(rows: &[CaseloadRow]) -> SearchIndex {
    SearchIndex::new(rows.iter().map(search_entry).collect())
}

/// Whether the list's filters (not the search) show `r`; `mine`: `r` is the advisor's.
fn shown(c: &CaseloadState, mine: bool, r: &CaseloadRow) -> bool {
    (!c.mine || mine)
        && c.dispositif
            .as_ref()
            .is_none_or(|d| r.dispositif.as_deref() == Some(d.as_str()))
        && match c.open {
            OpenFilter::EnCours => r.is_open() && !r.archived,
            OpenFilter::Sortis => !r.is_open() && !r.archived,
            OpenFilter::Tous => !r.archived,
            OpenFilter::Archives => r.archived,
        }
}

impl App {
    /// The app on the caseload, the whole list loaded (tests, small bases).
    pub fn new(
        store: &dyn Backend,
        rf: Referential,
        keymap: Keymap,
        clock: Clock,
        me: String,
    ) -> Result<App, StoreError> {
        let mut app = App::bare(store, rf, keymap, clock, me);
        app.reload_caseload(store)?;
        // "Ma file active" when this advisor has people in the list.
        app.caseload.mine = app.caseload.mine_rows.iter().any(|m| *m);
        app.refresh_visible();
        Ok(app)
    }

    /// The app on the caseload's first screenful, what the terminal shows after the login:
    /// the first rows in name order from `persons_by_nom` ([`Store::caseload_first`]),
    /// then the whole list and its search index from a second, read-only connection on
    /// another thread ([`Store::caseload_reader`]), taken by [`App::poll_caseload`]
    /// between events. Keys work meanwhile; a search typed before the index is ready waits
    /// for it (« recherche prête »). Same list as [`App::new`] once loaded. `screen_rows`:
    /// the terminal's height, the most rows the first frame can show.
    pub fn new_progressive(
        store: &dyn Backend,
        rf: Referential,
        keymap: Keymap,
        clock: Clock,
        me: String,
        screen_rows: usize,
    ) -> Result<App, StoreError> {
        let mut app = App::bare(store, rf, keymap, clock, me);
        let me_f = crate::text::fold(app.me.trim());
        app.caseload.mine = store.is_referent_of_anybody(&app.me)?;
        let statuses = app.open_statuses();
        let c = &app.caseload;
        let start = store.caseload_first(&statuses, screen_rows, FIRST_READ_MAX, &mut |r| {
            shown(
                c,
                !me_f.is_empty() && crate::text::fold(&r.referent) == me_f,
                r,
            )
        })?;
        if start.complete {
            app.set_rows(start.rows, None);
        } else {
            let reader = store.caseload_reader()?;
            let (tx, rx) = std::sync::mpsc::channel();
            std::thread::Builder::new()
                .name("caseload".into())
                .spawn(move || {
                    let loaded = reader
                        .caseload(&statuses)
                        .map(|rows| {
                            let index = build_index(&rows);
                            (rows, index)
                        })
                        .map_err(|e| e.to_string());
                    // The app may be gone (locked, quit): nobody to tell.
                    let _ = tx.send(loaded);
                })
                .map_err(|e| StoreError::Sqlite(e.to_string()))?;
            // An index over the first rows (the view reads their entries); no search uses
            // it while loading.
            app.set_rows(start.rows, None);
            app.caseload.loading = Some(CaseloadLoading {
                rx,
                search_waited: false,
            });
        }
        app.refresh_visible();
        Ok(app)
    }

    fn bare(store: &dyn Backend, rf: Referential, keymap: Keymap, clock: Clock, me: String) -> App {
        let now = clock.now();
        App {
            rf,
            keymap,
            clock,
            me,
            db_label: store.label(),
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
            import: Default::default(),
            export_dir: None,
            last_input: now,
            idle_lock: chrono::Duration::minutes(crate::config::LOCK_MINUTES_DEFAULT as i64),
            sessions: Default::default(),
            level_advances: true,
            lost_inserts: Vec::new(),
            lost_person: None,
            report: None,
            offline: None,
        }
    }

    /// New rows (and their index, built here when None); the search is redone.
    fn set_rows(&mut self, rows: Vec<CaseloadRow>, index: Option<SearchIndex>) {
        let me = crate::text::fold(self.me.trim());
        let c = &mut self.caseload;
        c.index = index.unwrap_or_else(|| build_index(&rows));
        c.mine_rows = rows
            .iter()
            .map(|r| !me.is_empty() && crate::text::fold(&r.referent) == me)
            .collect();
        c.rows = rows;
        c.search_pending = true;
    }

    /// Takes the whole list when the loading thread has it; the loop calls this between
    /// events. Returns true when the screen changed.
    pub fn poll_caseload(&mut self) -> bool {
        self.take_loaded(false)
    }

    /// Waits for the whole list (the today view needs every person; tests).
    pub fn finish_caseload(&mut self) {
        self.take_loaded(true);
    }

    fn take_loaded(&mut self, wait: bool) -> bool {
        let Some(loading) = &self.caseload.loading else {
            return false;
        };
        let got = if wait {
            loading.rx.recv().ok()
        } else {
            match loading.rx.try_recv() {
                Ok(v) => Some(v),
                Err(std::sync::mpsc::TryRecvError::Empty) => return false,
                Err(std::sync::mpsc::TryRecvError::Disconnected) => None,
            }
        };
        let waited = loading.search_waited;
        self.caseload.loading = None;
        match got {
            Some(Ok((rows, index))) => {
                let keep = self.selected_person();
                self.set_rows(rows, Some(index));
                self.refresh_visible();
                self.select_person_row(keep);
                if waited {
                    self.set_info("Recherche prête");
                }
            }
            Some(Err(e)) => {
                self.set_error(format!("La liste n'a pu être chargée qu'en partie : {e}"))
            }
            None => self.set_error("La liste n'a pu être chargée qu'en partie"),
        }
        true
    }

    /// Puts the selection back on person `keep` when the list shows it.
    fn select_person_row(&mut self, keep: Option<Id>) {
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
    /// A background load still running is superseded (its rows would be older).
    pub fn reload_caseload(&mut self, store: &dyn Backend) -> Result<(), StoreError> {
        let keep = self.selected_person();
        let mut rows = store.caseload(&self.open_statuses())?;
        self.with_collective_contacts(store, &mut rows);
        self.caseload.loading = None;
        self.set_rows(rows, None);
        self.refresh_visible();
        self.select_person_row(keep);
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
        c.search_pending = false;
        if searching && c.loading.is_some() {
            // No index yet: no answer rather than a wrong one (the list says it waits).
            if let Some(l) = &mut c.loading {
                l.search_waited = true;
            }
            c.visible.clear();
            c.selected = 0;
            return;
        }
        let candidates: Vec<usize> = if searching {
            c.index.search(&query).iter().map(|h| h.index).collect()
        } else {
            (0..c.rows.len()).collect()
        };
        let mut visible: Vec<usize> = candidates
            .into_iter()
            .filter(|i| shown(c, c.mine_rows[*i], &c.rows[*i]))
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
    pub(super) fn back_to_caseload(&mut self, store: &dyn Backend) {
        self.screen = Screen::Caseload;
        self.caseload.searching = false;
        if let Err(e) = self.reload_caseload(store) {
            self.set_error(e.to_string());
        }
    }

    pub(super) fn open_caseload_row(&mut self, store: &dyn Backend) {
        self.settle();
        if let Some(id) = self.selected_person() {
            self.open_person(id, store);
        }
    }

    // ----- the search line -----

    /// Keys while the search line is open (contexts `search` and `edit`; a printable
    /// character is always text). Returns true when the key was used.
    pub(super) fn search_key(&mut self, key: &KeyEvent, store: &mut dyn Backend) -> bool {
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

    pub(super) fn cycle_open(&mut self, store: &dyn Backend) {
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

    pub(super) fn load_demo(&mut self, store: &mut dyn Backend) {
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
