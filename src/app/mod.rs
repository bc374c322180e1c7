//! Application state and update logic, independent of the terminal: tests drive it with
//! key events and a real store, without a screen.

pub mod form;
pub mod input;
pub mod keys;
pub mod login;
pub mod protect;
mod resume;
mod rows;
pub mod shell;
pub mod state;
mod update;

pub use resume::ResumePoint;
pub use state::*;
pub use update::NOTE_REMINDER;
