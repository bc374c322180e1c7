//! Application state. Only `App::handle_*` mutates it; views read it.

use super::form::Form;
use super::input::TextInput;
use super::keys::Keymap;
use crate::clock::Clock;
use crate::domain::*;
use crate::search::SearchIndex;
use crate::store::audit::AuditEntry;
use crate::store::RetentionRow;

/// What the loop must do after an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Nothing changed on screen.
    Idle,
    Redraw,
    /// Leave parcours (the shell logs out).
    Quit,
    /// Lock the session (the shell drops the app and asks for the password).
    Lock,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Screen {
    Caseload,
    Today,
    File,
    /// Files past the retention period (admin).
    Retention,
    /// The audit log (admin).
    Audit,
    /// Collective sessions: upcoming, statuses to set, past.
    Sessions,
    /// One session's attendance: each participant's status and note, the shared report.
    Attendance,
    /// Enrolment: the caseload's search, several people marked, then confirmed.
    Enrol,
    /// Import of an orientation list (path, preview, import).
    Import,
    /// The activity report (tables and charts).
    Report,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pane {
    Diagnostic,
    Barriers,
    Plan,
    Appointments,
}

impl Pane {
    pub const ALL: [Pane; 4] = [
        Pane::Diagnostic,
        Pane::Barriers,
        Pane::Plan,
        Pane::Appointments,
    ];

    pub fn index(self) -> usize {
        match self {
            Pane::Diagnostic => 0,
            Pane::Barriers => 1,
            Pane::Plan => 2,
            Pane::Appointments => 3,
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Pane::Diagnostic => "Diagnostic",
            Pane::Barriers => "Obstacles",
            Pane::Plan => "Plan d'action",
            Pane::Appointments => "Rendez-vous",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpenFilter {
    EnCours,
    Sortis,
    Tous,
    /// Archived files only (admin): the other filters hide them.
    Archives,
}

impl OpenFilter {
    pub fn label(self) -> &'static str {
        match self {
            OpenFilter::EnCours => "en cours",
            OpenFilter::Sortis => "sortis",
            OpenFilter::Tous => "en cours et sortis",
            OpenFilter::Archives => "archivés",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sort {
    Name,
    LastContact,
    NextAppointment,
    Alerts,
}

impl Sort {
    pub fn label(self) -> &'static str {
        match self {
            Sort::Name => "nom",
            Sort::LastContact => "dernier contact",
            Sort::NextAppointment => "prochain RDV",
            Sort::Alerts => "alertes",
        }
    }
}

/// The whole caseload and its search index, built on another thread after the first
/// screenful is drawn (see `App::new_progressive`).
pub type LoadedCaseload = Result<(Vec<CaseloadRow>, SearchIndex), String>;

/// The caseload being completed: `rows` holds the first screenful only.
pub struct CaseloadLoading {
    pub(crate) rx: std::sync::mpsc::Receiver<LoadedCaseload>,
    /// A search was typed before the index was ready: say « recherche prête » when it is.
    pub search_waited: bool,
}

pub struct CaseloadState {
    pub rows: Vec<CaseloadRow>,
    /// Per row of `rows`: this session's advisor is its referent (folded once per load, not
    /// on every keystroke of a search in « ma file active »).
    pub mine_rows: Vec<bool>,
    pub index: SearchIndex,
    /// Some while the list is completed in the background; None once whole.
    pub loading: Option<CaseloadLoading>,
    pub query: TextInput,
    pub searching: bool,
    /// The query changed since the last search: search once after draining events.
    pub search_pending: bool,
    pub mine: bool,
    pub dispositif: Option<String>,
    pub open: OpenFilter,
    pub sort: Sort,
    /// Indexes into `rows`, filtered and ordered.
    pub visible: Vec<usize>,
    pub selected: usize,
}

impl CaseloadState {
    /// The list holds only its first rows: the rest is loading.
    pub fn is_loading(&self) -> bool {
        self.loading.is_some()
    }

    /// A search is typed but its index is not ready: the list shows no answer yet.
    pub fn search_waiting(&self) -> bool {
        self.is_loading() && !self.query.text().trim().is_empty()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TodayRow {
    Header(String),
    Item {
        person_id: Id,
        when: String,
        who: String,
        what: String,
        alert: bool,
    },
    Empty(String),
}

#[derive(Debug, Clone, Default)]
pub struct TodayState {
    pub rows: Vec<TodayRow>,
    pub selected: usize,
}

/// A row of the barrier checklist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BarrierRow {
    Theme(String),
    /// A referential situation, with the index of its barrier in the file if checked.
    Situation {
        theme: String,
        code: String,
        barrier: Option<usize>,
    },
    /// A free barrier (or one whose situation the referential no longer knows).
    Free(usize),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlanRow {
    Objective(usize),
    Action(usize),
}

pub struct FileState {
    pub data: PersonFile,
    pub focus: Pane,
    pub selected: [usize; 4],
    pub journal: Option<usize>,
    pub checked_only: bool,
    /// Inverse changes of the last edits, most recent last, with a French description.
    pub undo: Vec<(Change, String)>,
    /// Journal selection when open.
    pub journal_selected: usize,
    /// The NIR shown in full (a key toggles it for this file only; masked when reopened).
    pub nir_shown: bool,
    /// The parcours list (étapes, saisines, veilles) is open over the file.
    pub parcours: bool,
    pub parcours_selected: usize,
    /// The jump prefix key was pressed: the next letter jumps to a theme.
    pub jump_pending: bool,
    /// The IAE eligibility view, when open.
    pub eligibility: Option<super::file::eligibility::EligibilityDraft>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StatusKind {
    Info,
    Error,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusLine {
    pub text: String,
    pub kind: StatusKind,
}

pub enum Overlay {
    Help { scroll: usize },
    Form(Box<Form>),
}

/// The retention view: files whose last contact is more than 2 years old.
#[derive(Debug, Clone, Default)]
pub struct RetentionState {
    pub rows: Vec<RetentionRow>,
    pub selected: usize,
}

/// The audit view: entries newest first, filtered by account and by action.
#[derive(Debug, Clone, Default)]
pub struct AuditState {
    pub entries: Vec<AuditEntry>,
    pub selected: usize,
    /// Filter: one account (None = all).
    pub actor: Option<String>,
    /// Filter: one action code (None = all).
    pub action: Option<String>,
    /// Accounts and actions present in the log, for cycling the filters.
    pub actors: Vec<String>,
    pub actions: Vec<String>,
    /// Where Échap goes back to.
    pub back_to: Option<Screen>,
}

pub struct App {
    pub rf: Referential,
    pub keymap: Keymap,
    pub clock: Clock,
    /// Advisor of this session ("ma file active").
    pub me: String,
    pub db_label: String,
    pub screen: Screen,
    /// Where Esc from the today view goes back to.
    pub previous_screen: Screen,
    pub caseload: CaseloadState,
    pub today: TodayState,
    pub file: Option<FileState>,
    pub overlay: Option<Overlay>,
    pub status: Option<StatusLine>,
    /// Ctrl+C was pressed once with a form open.
    pub quit_armed: bool,
    /// Retention view (admin).
    pub retention: RetentionState,
    /// Audit view (admin).
    pub audit: AuditState,
    /// Import screen.
    pub import: super::import::ImportState,
    /// Where a person's document is written (None: `exports` in the user's data dir).
    pub export_dir: Option<std::path::PathBuf>,
    /// Time of the last key or paste (idle lock).
    pub last_input: chrono::NaiveDateTime,
    /// Idle time after which the session locks.
    pub idle_lock: chrono::Duration,
    /// Setting a level in the diagnostic moves to the next theme (`reglages.toml`:
    /// `diagnostic_theme_suivant`).
    pub level_advances: bool,
    /// New records whose save met a closed connection (the server may have committed them
    /// before the answer was lost), with the ids of their kind in the file before: a save
    /// again first looks for them (see `App::commit_checked`), so nothing is stored twice.
    pub lost_inserts: Vec<(crate::domain::Record, Vec<crate::domain::Id>)>,
    /// The same for a new person: the identity typed and the highest person id the
    /// caseload held before (see `App::create_person`).
    pub lost_person: Option<(crate::domain::Person, crate::domain::Id)>,
    /// Collective sessions: list, attendance, enrolment, the open file's sessions.
    pub sessions: SessionsState,
    /// The activity report screen, while open.
    pub report: Option<super::report::ReportState>,
    /// The shared server is out of reach since this time: the top line says so until
    /// the automatic reconnection; what is shown and typed stays.
    pub offline: Option<chrono::NaiveDateTime>,
}

/// The collective-sessions screens (see `app::sessions`).
#[derive(Debug, Clone, Default)]
pub struct SessionsState {
    /// Every session, in date order.
    pub list: Vec<Session>,
    /// The last new session saved was found stored (its first save's answer was lost).
    pub found_stored: bool,
    /// Rows of the list screen (sections and sessions, by index into `list`).
    pub rows: Vec<SessionRow>,
    pub selected: usize,
    /// The session of the attendance screen.
    pub current: Option<Id>,
    /// Selected participant on the attendance screen.
    pub participant: usize,
    pub enrol: Option<EnrolState>,
    /// Inverse changes of the last edits on these screens, most recent last.
    pub undo: Vec<(Change, String)>,
    /// A session whose deletion was asked while attendance is set: the same key again
    /// deletes it.
    pub pending_delete: Option<Id>,
    /// The open file's sessions (its rendez-vous pane).
    pub of_person: Vec<PersonSession>,
    /// From `reglages.toml`: an honoured collective session counts for the monthly
    /// interview rule (off by default: only individual interviews count).
    pub counts_as_interview: bool,
    /// Where Échap from the list goes back to.
    pub back_to: Option<Screen>,
    /// The version each session is at after this window's last write or undo.
    pub written: std::collections::HashMap<Id, i64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionRow {
    Header(String),
    Session(usize),
    Empty(String),
}

/// Enrolment in session `session_id` with the caseload's search.
#[derive(Debug, Clone)]
pub struct EnrolState {
    pub session_id: Id,
    pub query: TextInput,
    /// Indexes into the caseload's rows, best match first.
    pub hits: Vec<usize>,
    pub selected: usize,
    /// People marked, in the order marked.
    pub marked: Vec<Id>,
    /// Where Échap goes back to.
    pub back_to: Screen,
}

pub const UNDO_DEPTH: usize = 20;
