//! Application state and update logic, independent of the terminal: tests drive it with
//! key events and a real store, without a screen.
//!
//! `update` dispatches keys to actions; each screen or pane holds its actions and its
//! forms (builder and reader side by side): `caseload`, `today`, `file/*` (one module per
//! pane), `person` (identity and suivi), `admin` (retention, audit, erasure, export). All
//! state types are in `state`.

pub mod admin;
mod caseload;
mod contract;
mod export_list;
pub mod file;
pub mod form;
pub mod import;
pub mod input;
pub mod keys;
pub mod login;
pub mod person;
pub mod report;
mod resume;
mod rows;
pub mod sessions;
pub mod shell;
pub mod state;
mod today;
mod update;

pub use caseload::FIRST_SCREEN;
pub use file::journal::NOTE_REMINDER;
pub use resume::ResumePoint;
pub use state::*;
