//! Import of orientation lists (and of parcours's own exports): the people already in the
//! base, to match the lines against, and the import itself in one transaction through the
//! same per-record write code as [`Store::apply`].

use super::db::{self, Exec};
use super::sql::{self, Joined};
use super::{audit, records, Result, Store};
use crate::domain::{Change, Id, Person, PersonFile, Record, Suivi};
use chrono::NaiveDateTime;

/// The audit action of an import (one entry per import, with the file name and counts).
pub const IMPORT_ACTION: &str = "import";

/// What one import writes: new files (ids 0) and changes to existing records (with the
/// versions they were read at: a record changed since the preview refuses the whole
/// import).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportBatch {
    pub new_files: Vec<PersonFile>,
    pub changes: Vec<Change>,
    /// The audit entry's detail: file name and counts, never content.
    pub audit_detail: String,
}

impl ImportBatch {
    /// Nothing to write: re-importing a file already imported leaves the base as it is.
    pub fn is_empty(&self) -> bool {
        self.new_files.is_empty() && self.changes.is_empty()
    }

    /// Records written: for the progress indication.
    pub fn len(&self) -> usize {
        self.new_files.len() + self.changes.len()
    }
}

impl Store {
    /// Every person with their current suivi (the open one, else the latest), for matching.
    pub fn import_candidates(&self) -> Result<Vec<(Person, Option<Suivi>)>> {
        candidates_on(&self.conn)
    }

    /// Writes an import in ONE transaction (all or nothing): each new file (person, then its
    /// rows, see `records::insert_file_rows`) and each change, with their audit entries,
    /// then one `import` entry with `audit_detail`. `progress(done, total)` is called along
    /// the way. Returns the ids of the new persons. An empty batch writes nothing, not even
    /// the audit entry.
    pub fn import_batch(
        &mut self,
        batch: &ImportBatch,
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<Vec<Id>> {
        if batch.is_empty() {
            self.writable()?;
            return Ok(Vec::new());
        }
        let ids = super::write(self, |db, now, actor| {
            batch_on(db, now, actor, batch, progress)
        })?;
        progress(batch.len(), batch.len());
        Ok(ids)
    }

    /// The details of the import entries of the audit log, oldest first.
    pub fn import_audit_details(&self) -> Result<Vec<String>> {
        audit_details_on(&self.conn)
    }
}

/// See [`Store::import_candidates`], on either backend.
pub fn candidates_on(db: &dyn Exec) -> Result<Vec<(Person, Option<Suivi>)>> {
    let q = format!(
        "SELECT {}, {} FROM persons p
         LEFT JOIN suivis s ON s.id = (
            SELECT s2.id FROM suivis s2 WHERE s2.person_id = p.id
            ORDER BY (s2.sortie_date IS NULL) DESC, s2.id DESC LIMIT 1)",
        sql::select_joined::<Person>("p", &[]),
        sql::select_joined::<Suivi>("s", &[])
    );
    let mut at: Option<(Joined<Person>, Joined<Suivi>)> = None;
    db::query_map(db, &q, &[], |r| {
        if at.is_none() {
            at = Some((Joined::on_row(r, "p", &[])?, Joined::on_row(r, "s", &[])?));
        }
        let (person, suivi) = at.as_ref().expect("found on the first row");
        Ok((person.read_row(r)?, suivi.read_optional_row(r)?))
    })
}

/// The body of [`Store::import_batch`] in the caller's write transaction, on either
/// backend (the batch is not empty); the ids of the new persons.
pub fn batch_on(
    db: &dyn Exec,
    now: NaiveDateTime,
    actor: &str,
    batch: &ImportBatch,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<Vec<Id>> {
    let total = batch.len();
    let mut ids = Vec::with_capacity(batch.new_files.len());
    let mut done = 0;
    for f in &batch.new_files {
        let up = Change::Upsert(Record::Person(f.person.clone()));
        let pid = records::apply(db, &up, now, None)?.id;
        audit::write(
            db,
            now,
            actor,
            audit::actions::CREATE,
            Some("persons"),
            Some(pid),
            Some(pid),
        )?;
        records::insert_file_rows(db, f.clone(), pid, now)?;
        ids.push(pid);
        done += 1;
        if done % 500 == 0 {
            progress(done, total);
        }
    }
    for c in &batch.changes {
        records::apply(db, c, now, Some(actor))?;
        done += 1;
        if done % 500 == 0 {
            progress(done, total);
        }
    }
    db.execute(
        "INSERT INTO audit (at, actor, action, detail) VALUES (?1, ?2, ?3, ?4)",
        &[
            &now.min(chrono::Local::now().naive_local()),
            &actor,
            &IMPORT_ACTION,
            &batch.audit_detail,
        ],
    )?;
    Ok(ids)
}

/// See [`Store::import_audit_details`], on either backend (on the server, an
/// administrator's read: advisors do not read the audit log).
pub fn audit_details_on(db: &dyn Exec) -> Result<Vec<String>> {
    db::query_map(
        db,
        "SELECT coalesce(detail, '') FROM audit WHERE action = ?1 ORDER BY id",
        &[&IMPORT_ACTION],
        |r| r.get(0),
    )
}

/// Whole new files (the JSON import, a new person) in one write transaction, on either
/// backend: each person then its rows through the write path's statements
/// (`records::insert_file_rows`), one audit entry per file. The file's bulk tricks (page
/// cache, indexes rebuilt at the end) are the file's own (`Store::insert_files_each`).
pub fn insert_files_on(
    db: &dyn Exec,
    now: NaiveDateTime,
    actor: &str,
    files: &[PersonFile],
) -> Result<Vec<Id>> {
    let mut ids = Vec::with_capacity(files.len());
    for f in files {
        let mut f = f.clone();
        let person = std::mem::take(&mut f.person);
        let pid = records::insert_in_new_file(db, &Record::Person(person), now)?;
        audit::write(
            db,
            now,
            actor,
            audit::actions::CREATE,
            Some("persons"),
            Some(pid),
            Some(pid),
        )?;
        records::insert_file_rows(db, f, pid, now)?;
        ids.push(pid);
    }
    Ok(ids)
}
