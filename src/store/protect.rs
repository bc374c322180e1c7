//! The person's rights and the retention rules (CNIL): erasure that makes the data leave the
//! file, archiving, and the list of files past the retention period.

use super::audit::{self, actions};
use super::db::{self, Exec};
use super::{Result, Store, StoreError};
use crate::domain::{codes, Id};
use chrono::{NaiveDate, NaiveDateTime, Timelike};
use rusqlite::types::ToSql;

/// An active file is kept this long after the last contact (CNIL référentiel on social
/// support, délib. 2021-028 / 2023-095), then archived or erased.
pub const RETENTION_MONTHS: u32 = 24;

/// What the last contact of a file is dated from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContactBasis {
    /// The last honoured appointment.
    Interview,
    /// The end of a support period (sortie).
    Exit,
    /// Neither: the last change made to the file.
    Update,
}

impl ContactBasis {
    pub fn label(self) -> &'static str {
        match self {
            ContactBasis::Interview => "dernier entretien",
            ContactBasis::Exit => "sortie",
            ContactBasis::Update => "dernière modification",
        }
    }
}

/// A file past the retention period (admin retention view).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetentionRow {
    pub person_id: Id,
    pub dossier: String,
    /// "NOM Prénom".
    pub name: String,
    pub last_contact: NaiveDate,
    pub basis: ContactBasis,
    /// A support period is still open (no sortie).
    pub open: bool,
    pub archived_at: Option<NaiveDateTime>,
}

/// What an erasure did to the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Erasure {
    /// The WAL was checkpointed and truncated and the file vacuumed: no page of the erased
    /// rows is left. False when another instance held a read transaction: the rows are
    /// gone from the tables (and their pages overwritten, `secure_delete`), but the WAL
    /// could not be emptied yet; SQLite does it when the last connection closes.
    pub compacted: bool,
}

impl Store {
    /// Erases a person everywhere (right to erasure): every row of the file (the foreign
    /// keys cascade to every table that refers to the person), a tombstone in the audit
    /// log without identity (no record or person id), then a checkpoint and a VACUUM so the
    /// data leaves the database file and its WAL. Earlier audit entries that name the
    /// person's internal id stay: they carry no content, and neither that id nor the n° de
    /// dossier is ever given to another file (AUTOINCREMENT, per-year counters).
    pub fn erase_person(&mut self, person_id: Id) -> Result<Erasure> {
        super::write(self, |db, now, actor| erase_on(db, now, actor, person_id))?;
        // The rows are gone (and their pages zeroed): a compaction that cannot run now
        // (another instance busy) is reported, not an error.
        let compacted = self.compact().unwrap_or(false);
        Ok(Erasure { compacted })
    }

    /// Checkpoints the WAL into the database, rebuilds the file (VACUUM: no free page keeps
    /// old content) and truncates the WAL to zero bytes. Returns false when another
    /// connection's read transaction kept part of the WAL alive.
    pub fn compact(&self) -> Result<bool> {
        let checkpoint = |conn: &rusqlite::Connection| -> Result<bool> {
            let busy: i64 = conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| r.get(0))?;
            Ok(busy == 0)
        };
        checkpoint(&self.conn)?;
        self.conn.execute_batch("VACUUM")?;
        checkpoint(&self.conn)
    }

    /// Archives (or brings back) a file: archived files are hidden from the caseload and
    /// the today view, and shown to admins only (restricted access).
    pub fn set_archived(&mut self, person_id: Id, archived: bool) -> Result<()> {
        super::write(self, |db, now, actor| {
            set_archived_on(db, now, actor, person_id, archived)
        })
    }

    /// When a file was archived, if it is.
    pub fn archived_at(&self, person_id: Id) -> Result<Option<NaiveDateTime>> {
        archived_at_on(&self.conn, person_id)
    }

    /// Files whose last contact is more than [`RETENTION_MONTHS`] old, oldest first. The
    /// last contact is the later of the last honoured appointment and the last sortie;
    /// a file with neither is dated by its last change.
    pub fn retention_list(&self) -> Result<Vec<RetentionRow>> {
        retention_list_on(&self.conn, self.clock.today())
    }

    /// Accounts and actions present in the audit log (filters of the admin view).
    pub fn audit_filters(&self) -> Result<(Vec<String>, Vec<String>)> {
        audit::filters_on(&self.conn)
    }
}

/// Runs `sql` on one person (`NotFound` when it touches no row) and writes `action` in
/// the audit log, naming `named` (none: a tombstone), in the caller's transaction.
fn person_write(
    db: &dyn Exec,
    now: NaiveDateTime,
    actor: &str,
    sql: &str,
    params: &[&dyn ToSql],
    action: &str,
    named: Option<Id>,
) -> Result<()> {
    if db.execute(sql, params)? == 0 {
        return Err(StoreError::NotFound);
    }
    audit::write(db, now, actor, action, Some("persons"), named, named)
}

/// The rows of an erasure (see [`Store::erase_person`]), in the caller's write
/// transaction, on either backend. On the server only an administrator may delete a
/// person (its grants): an advisor's erasure is refused there, whatever the app says.
pub(super) fn erase_on(
    db: &dyn Exec,
    now: NaiveDateTime,
    actor: &str,
    person_id: Id,
) -> Result<()> {
    person_write(
        db,
        now,
        actor,
        "DELETE FROM persons WHERE id = ?1",
        &[&person_id],
        actions::ERASE,
        None,
    )
    .map_err(|e| match e {
        StoreError::Forbidden(_) => StoreError::Forbidden(ERASE_FORBIDDEN.into()),
        other => other,
    })
}

/// Why the server refused an advisor's erasure (in [`StoreError::Forbidden`]'s words).
pub const ERASE_FORBIDDEN: &str =
    "l'effacement d'un dossier est réservé aux administrateur·rices du serveur";

/// See [`Store::set_archived`], in the caller's write transaction, on either backend.
pub(super) fn set_archived_on(
    db: &dyn Exec,
    now: NaiveDateTime,
    actor: &str,
    person_id: Id,
    archived: bool,
) -> Result<()> {
    // The version moves (another instance reloads) but not `updated_at`: archiving is
    // not a contact and must not restart the retention period.
    person_write(
        db,
        now,
        actor,
        "UPDATE persons SET archived_at = ?2, version = version + 1 WHERE id = ?1",
        &[&person_id, &archived.then_some(now)],
        if archived {
            actions::ARCHIVE
        } else {
            actions::UNARCHIVE
        },
        Some(person_id),
    )
}

/// See [`Store::archived_at`], on either backend.
pub(super) fn archived_at_on(db: &dyn Exec, person_id: Id) -> Result<Option<NaiveDateTime>> {
    Ok(db::query_optional(
        db,
        "SELECT archived_at FROM persons WHERE id = ?1",
        &[&person_id],
        |r| r.get::<_, Option<NaiveDateTime>>(0),
    )?
    .flatten())
}

/// See [`Store::retention_list`], on either backend; `today` is the session's date.
pub(super) fn retention_list_on(db: &dyn Exec, today: NaiveDate) -> Result<Vec<RetentionRow>> {
    let cutoff = today - chrono::Months::new(RETENTION_MONTHS);
    // Each subquery is one seek in appointments_by_person_status / suivis_by_person.
    let mut out = Vec::new();
    db.query_each(
        "SELECT p.id, p.dossier, p.nom, p.prenom, p.nom_usage, p.archived_at,
                substr(p.updated_at, 1, 10),
                (SELECT substr(MAX(a.start), 1, 10) FROM appointments a
                  WHERE a.person_id = p.id AND a.status = ?1),
                (SELECT MAX(s.sortie_date) FROM suivis s WHERE s.person_id = p.id),
                EXISTS (SELECT 1 FROM suivis s
                         WHERE s.person_id = p.id AND s.sortie_date IS NULL)
         FROM persons p",
        &[&codes::APPT_HONOURED],
        &mut |r| {
            let nom: String = r.get(2)?;
            let prenom: String = r.get(3)?;
            let usage: String = r.get(4)?;
            let mut name = format!("{} {}", nom.to_uppercase(), prenom);
            if !usage.trim().is_empty() {
                name.push_str(&format!(" ({})", usage.to_uppercase()));
            }
            let updated: NaiveDate = r.get(6)?;
            let interview: Option<NaiveDate> = r.get(7)?;
            let exit: Option<NaiveDate> = r.get(8)?;
            let (last_contact, basis) = match (interview, exit) {
                (Some(i), Some(e)) if e > i => (e, ContactBasis::Exit),
                (Some(i), _) => (i, ContactBasis::Interview),
                (None, Some(e)) => (e, ContactBasis::Exit),
                (None, None) => (updated, ContactBasis::Update),
            };
            if last_contact < cutoff {
                out.push(RetentionRow {
                    person_id: r.get(0)?,
                    dossier: r.get(1)?,
                    name,
                    last_contact,
                    basis,
                    open: r.get(9)?,
                    archived_at: r.get(5)?,
                });
            }
            Ok(())
        },
    )?;
    out.sort_by(|a, b| {
        a.last_contact
            .cmp(&b.last_contact)
            .then(a.dossier.cmp(&b.dossier))
    });
    Ok(out)
}

/// A copy of the base that may still hold an erased person: the base set aside before a
/// migration or a restore, or a backup in the default folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OldCopy {
    pub path: PathBuf,
    /// When the copy was last written (local time).
    pub modified: Option<NaiveDateTime>,
}

use std::path::{Path, PathBuf};

/// Every copy of the base at `db` that parcours made and may still hold what was just
/// erased: `<db>.avant-migration-vN.bak`, `<db>.avant-restauration-….bak` beside it, and
/// the backups (`parcours-….db`) of the default backup folder. Oldest first. Backups kept
/// elsewhere (another folder, a USB key) cannot be listed.
pub fn old_copies(db: &Path) -> Vec<OldCopy> {
    let name = db
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    let dir = db
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut out = Vec::new();
    let mut scan = |folder: &Path, keep: &dyn Fn(&str) -> bool| {
        if let Ok(entries) = std::fs::read_dir(folder) {
            for e in entries.flatten() {
                let n = e.file_name().to_string_lossy().to_string();
                if keep(&n) && e.path().is_file() {
                    let modified = e.metadata().ok().and_then(|m| m.modified().ok()).map(|t| {
                        chrono::DateTime::<chrono::Local>::from(t)
                            .naive_local()
                            .with_nanosecond(0)
                            .unwrap_or_default()
                    });
                    out.push(OldCopy {
                        path: e.path(),
                        modified,
                    });
                }
            }
        }
    };
    let prefix = format!("{name}.");
    scan(dir, &|n: &str| {
        n.strip_prefix(&prefix).is_some_and(|rest| {
            rest.ends_with(".bak")
                && (rest.starts_with("avant-migration-") || rest.starts_with("avant-restauration-"))
        })
    });
    scan(&dir.join(super::BACKUP_DIR), &|n: &str| {
        n.starts_with("parcours-") && n.ends_with(".db")
    });
    out.sort_by(|a, b| a.modified.cmp(&b.modified).then(a.path.cmp(&b.path)));
    out
}

/// Deletes these copies, with what goes with each (accounts file, WAL). Returns the
/// copies that could not be deleted, with the reason.
pub fn delete_copies(copies: &[OldCopy]) -> Vec<(PathBuf, String)> {
    let mut failed = Vec::new();
    for c in copies {
        match std::fs::remove_file(&c.path) {
            Ok(()) => {
                for side in [".comptes", ".comptes.verrou", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{side}", c.path.display()));
                }
            }
            Err(e) => failed.push((c.path.clone(), e.to_string())),
        }
    }
    failed
}
