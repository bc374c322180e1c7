//! Idle detection and the resume point: where the user was (screen, open file, focused
//! pane, selections, caseload filters) kept across a lock while the `App`, the store and
//! the key are dropped. It holds ids and positions, not the content of any file; the
//! search text, the only typed value kept, is zeroised on drop.

use super::state::*;
use crate::domain::Id;
use crate::store::Backend;
use chrono::NaiveDateTime;
use zeroize::Zeroizing;

/// Where the user was when the session locked.
pub struct ResumePoint {
    /// The account whose session this was: only its unlock resumes here.
    pub login: String,
    screen: Screen,
    previous_screen: Screen,
    query: Zeroizing<String>,
    searching: bool,
    mine: bool,
    dispositif: Option<String>,
    open: OpenFilter,
    sort: Sort,
    caseload_selected: usize,
    caseload_person: Option<Id>,
    today_selected: usize,
    file: Option<FileResume>,
    /// A form was open (its content is not kept).
    pub form_dropped: bool,
}

struct FileResume {
    person_id: Id,
    focus: Pane,
    selected: [usize; 4],
    journal: Option<usize>,
    journal_selected: usize,
    checked_only: bool,
}

impl App {
    /// True when no key came for the idle delay: the session must lock.
    pub fn idle_expired(&self, now: NaiveDateTime) -> bool {
        now - self.last_input >= self.idle_lock
    }

    pub fn resume_point(&self, login: &str) -> ResumePoint {
        let c = &self.caseload;
        ResumePoint {
            login: login.to_string(),
            screen: self.screen,
            previous_screen: self.previous_screen,
            query: Zeroizing::new(c.query.text()),
            searching: c.searching,
            mine: c.mine,
            dispositif: c.dispositif.clone(),
            open: c.open,
            sort: c.sort,
            caseload_selected: c.selected,
            caseload_person: self.selected_person(),
            today_selected: self.today.selected,
            file: self.file.as_ref().map(|f| FileResume {
                person_id: f.data.person.id,
                focus: f.focus,
                selected: f.selected,
                journal: f.journal,
                journal_selected: f.journal_selected,
                checked_only: f.checked_only,
            }),
            form_dropped: matches!(self.overlay, Some(Overlay::Form(_))),
        }
    }

    /// Brings a freshly built `App` back to `rp`. Reopening the file is a new consultation
    /// and is audited as such.
    pub fn restore(&mut self, rp: &ResumePoint, store: &dyn Backend) {
        let c = &mut self.caseload;
        c.mine = rp.mine;
        c.dispositif = rp.dispositif.clone();
        c.open = rp.open;
        c.sort = rp.sort;
        c.query.set(&rp.query);
        c.searching = rp.searching;
        c.selected = rp.caseload_selected;
        self.refresh_visible();
        if let Some(pos) = rp.caseload_person.and_then(|id| {
            let c = &self.caseload;
            c.visible
                .iter()
                .position(|i| c.rows.get(*i).is_some_and(|r| r.person_id == id))
        }) {
            self.caseload.selected = pos;
        }
        self.screen = Screen::Caseload;
        self.previous_screen = Screen::Caseload;
        // The file last shown, when the user was in it (or in the today view over it).
        let in_file = rp.screen == Screen::File
            || (rp.screen == Screen::Today && rp.previous_screen == Screen::File);
        if let Some(f) = rp.file.as_ref().filter(|_| in_file) {
            self.open_person(f.person_id, store);
            if let Some(file) = self.file.as_mut() {
                file.focus = f.focus;
                file.selected = f.selected;
                file.journal = f.journal;
                file.journal_selected = f.journal_selected;
                file.checked_only = f.checked_only;
                self.clamp_selection();
            } else {
                // Deleted in the meantime (the error is in the status line).
                self.screen = Screen::Caseload;
            }
        }
        match rp.screen {
            Screen::Today => {
                self.previous_screen = if self.file.is_some() {
                    rp.previous_screen
                } else {
                    Screen::Caseload
                };
                self.screen = Screen::Today;
                self.today = self.build_today(store);
                let last = self.today.rows.len().saturating_sub(1);
                self.today.selected = rp.today_selected.min(last);
            }
            Screen::File if self.file.is_some() => self.screen = Screen::File,
            _ => self.screen = Screen::Caseload,
        }
        if self
            .status
            .as_ref()
            .is_some_and(|s| s.kind == StatusKind::Error)
        {
            // Keep the reason a file could not be reopened.
        } else if rp.form_dropped {
            self.set_info(
                "Session reprise. Le formulaire ouvert au verrouillage n'avait pas été enregistré : refaites la saisie.",
            );
        } else {
            self.set_info("Session reprise là où vous étiez");
        }
    }
}
