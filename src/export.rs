//! JSON export of the whole database or of one person's complete file (right of access).
//!
//! Shape (stable; `format_version` changes only if it breaks):
//! ```json
//! { "format": "parcours-export", "format_version": 1, "schema_version": 1,
//!   "exported_at": "2026-11-22T10:00:00",
//!   "persons": [ { "person": {...}, "suivis": [...], "diagnostics": [{..., "themes": [...]}],
//!                  "barriers": [...], "objectives": [...], "actions": [...],
//!                  "appointments": [{..., "demarches": [...]}], "notes": [...],
//!                  "etapes": [...], "saisines": [...], "veilles": [...] } ] }
//!                  "sessions": [...] } ],
//!   "sessions": [ {..., "participants": [...]} ] }
//! ```
//! A person's `sessions` are the collective sessions they are enrolled in, with their own
//! status and note only (not the other participants, nor the shared report, which may
//! name them). The top-level `sessions` (the whole base only) are the sessions themselves,
//! with every participant by person id.
//! Values are the stored codes; dates are ISO-8601. Persons are written one by one, so
//! memory stays flat on large databases.
//!
//! Beside it, the tables for Excel / LibreOffice ([`spreadsheet`], CSV) and the calendar
//! of appointments ([`ics`], iCalendar), over a [`selection`] checked before writing.

pub mod ics;
pub mod selection;
pub mod spreadsheet;

use crate::domain::{Id, Referential};
use crate::store::{exports, Backend, StoreError};
use std::io::Write;

pub const FORMAT: &str = "parcours-export";
pub const FORMAT_VERSION: u32 = 1;

/// Audit action of an ICS export with `--avec-noms` (beside the `export` entry): the
/// calendar then holds the people's names.
pub const AUDIT_EXPORT_WITH_NAMES: &str = "export_noms";

/// Keys of a person's file in the export, with the tables they come from. A test checks
/// that every table referring to a person (from the schema) is listed here.
pub const TABLE_KEYS: &[(&str, &str)] = &[
    ("persons", "person"),
    ("suivis", "suivis"),
    ("diagnostics", "diagnostics"),
    ("diagnostic_themes", "diagnostics[].themes"),
    ("barriers", "barriers"),
    ("objectives", "objectives"),
    ("actions", "actions"),
    ("appointments", "appointments"),
    ("demarches", "appointments[].demarches"),
    ("notes", "notes"),
    ("etapes", "etapes"),
    ("saisines", "saisines"),
    ("veilles", "veilles"),
    ("session_participants", "sessions"),
    ("eligibilities", "eligibilities"),
    ("eligibility_criteria", "eligibilities[].criteria"),
];

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("Écriture de l'export impossible : {0}")]
    Io(#[from] std::io::Error),
    #[error("Export impossible : {0}")]
    Json(serde_json::Error),
    /// Bad options (unknown référent·e, period upside down...): nothing was written.
    #[error("{0}")]
    Invalid(String),
}

impl From<csv::Error> for ExportError {
    fn from(e: csv::Error) -> Self {
        let msg = e.to_string();
        match e.into_kind() {
            csv::ErrorKind::Io(io) => ExportError::Io(io),
            _ => ExportError::Invalid(format!("Export CSV impossible : {msg}")),
        }
    }
}

impl From<serde_json::Error> for ExportError {
    fn from(e: serde_json::Error) -> Self {
        // serde_json wraps the writer's errors: keep them as I/O errors (e.g. broken pipe).
        if e.is_io() {
            ExportError::Io(e.into())
        } else {
            ExportError::Json(e)
        }
    }
}

impl ExportError {
    /// The reader of the output went away (`parcours export | head`): not a failure.
    pub fn is_broken_pipe(&self) -> bool {
        matches!(self, ExportError::Io(e) if e.kind() == std::io::ErrorKind::BrokenPipe)
    }
}

/// Writes the export of `persons` (all when `None`).
pub fn write_json<W: Write>(
    store: &dyn Backend,
    persons: Option<&[Id]>,
    mut out: W,
) -> Result<usize, ExportError> {
    let ids = match persons {
        Some(ids) => ids.to_vec(),
        None => store.person_ids()?,
    };
    write!(
        out,
        "{{\"format\":\"{FORMAT}\",\"format_version\":{FORMAT_VERSION},\"schema_version\":{},\"exported_at\":{},\"persons\":[",
        crate::store::read(store, exports::schema_version_on)?,
        serde_json::to_string(&store.clock().now())?
    )?;
    for (i, id) in ids.iter().enumerate() {
        if i > 0 {
            out.write_all(b",")?;
        }
        out.write_all(b"\n")?;
        let file = store.person_file(*id)?;
        // The file as before, then its sessions as one more key (the file's own keys keep
        // their order).
        let text = serde_json::to_string(&file)?;
        out.write_all(text.strip_suffix('}').unwrap_or(&text).as_bytes())?;
        out.write_all(b",\"sessions\":")?;
        serde_json::to_writer(&mut out, &store.person_sessions(*id)?)?;
        out.write_all(b"}")?;
    }
    out.write_all(b"\n]")?;
    if persons.is_none() {
        out.write_all(b",\"sessions\":")?;
        serde_json::to_writer(&mut out, &store.sessions()?)?;
    }
    out.write_all(b"}\n")?;
    out.flush()?;
    Ok(ids.len())
}

/// Writes a checked CSV or ICS selection; returns the number of rows or events.
pub fn write_selection<W: Write>(
    store: &dyn Backend,
    rf: &Referential,
    sel: &selection::Selection,
    out: W,
) -> Result<usize, ExportError> {
    match sel.target {
        selection::Target::Csv => spreadsheet::write_csv(store, rf, sel, out),
        selection::Target::Ics => ics::write_ics(store, rf, sel, out),
    }
}
