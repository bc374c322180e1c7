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

pub struct CaseloadState {
    pub rows: Vec<CaseloadRow>,
    pub index: SearchIndex,
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
    /// Where a person's document is written (None: `exports` in the user's data dir).
    pub export_dir: Option<std::path::PathBuf>,
    /// Time of the last key or paste (idle lock).
    pub last_input: chrono::NaiveDateTime,
    /// Idle time after which the session locks.
    pub idle_lock: chrono::Duration,
    /// The activity report screen, while open.
    pub report: Option<super::report::ReportState>,
}

pub const UNDO_DEPTH: usize = 20;
