//! parcours: a keyboard-first terminal file for socio-professional integration advisors.
//!
//! Layers: [`domain`] (plain types and the referential), [`store`] (SQLite, the only SQL),
//! [`search`] (caseload fuzzy index), [`app`] (state and update), [`ui`] (pure views), and
//! [`tui`] (the terminal loop).

pub mod app;
pub mod auth;
pub mod clock;
pub mod config;
pub mod contract_doc;
pub mod dates;
pub mod demo;
pub mod document;
pub mod domain;
pub mod eligibility_document;
pub mod export;
pub mod import;
pub mod report;
pub mod search;
pub mod session;
pub mod store;
pub mod structure;
pub mod text;
pub mod tui;
pub mod ui;
