//! Import of orientation lists (and of parcours's own exports): the people already in the
//! base, to match the lines against, and the import itself in one transaction through the
//! same per-record write code as [`Store::apply`].

use super::sql::{self, Joined};
use super::{audit, records, Result, Store};
use crate::domain::{Change, Person, PersonFile, Record, Suivi};

use rusqlite::{params, TransactionBehavior};

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
        let q = format!(
            "SELECT {}, {} FROM persons p
             LEFT JOIN suivis s ON s.id = (
                SELECT s2.id FROM suivis s2 WHERE s2.person_id = p.id
                ORDER BY (s2.sortie_date IS NULL) DESC, s2.id DESC LIMIT 1)",
            sql::select_joined::<Person>("p", &[]),
            sql::select_joined::<Suivi>("s", &[])
        );
        let mut stmt = self.conn.prepare(&q)?;
        let person = Joined::<Person>::new(&stmt, "p", &[])?;
        let suivi = Joined::<Suivi>::new(&stmt, "s", &[])?;
        let rows = stmt
            .query_map([], |r| Ok((person.read(r)?, suivi.read_optional(r)?)))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    /// Writes an import in ONE transaction (all or nothing): each new file (person, then its
    /// rows, see `records::insert_file_rows`) and each change, with their audit entries, then one `import` entry with
    /// `audit_detail`. `progress(done, total)` is called along the way. Returns the ids of
    /// the new persons. An empty batch writes nothing, not even the audit entry.
    pub fn import_batch(
        &mut self,
        batch: &ImportBatch,
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<Vec<crate::domain::Id>> {
        self.writable()?;
        if batch.is_empty() {
            return Ok(Vec::new());
        }
        let now = self.clock.now();
        let actor = self.actor.clone();
        let total = batch.len();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut ids = Vec::with_capacity(batch.new_files.len());
        let mut done = 0;
        for f in &batch.new_files {
            let up = Change::Upsert(Record::Person(f.person.clone()));
            let pid = records::apply(&tx, &up, now, None)?.id;
            audit::write(
                &tx,
                now,
                &actor,
                audit::actions::CREATE,
                Some("persons"),
                Some(pid),
                Some(pid),
            )?;
            records::insert_file_rows(&tx, f.clone(), pid, now)?;
            ids.push(pid);
            done += 1;
            if done % 500 == 0 {
                progress(done, total);
            }
        }
        for c in &batch.changes {
            records::apply(&tx, c, now, Some(&actor))?;
            done += 1;
            if done % 500 == 0 {
                progress(done, total);
            }
        }
        tx.prepare_cached("INSERT INTO audit (at, actor, action, detail) VALUES (?1, ?2, ?3, ?4)")?
            .execute(params![
                now.min(chrono::Local::now().naive_local()),
                actor,
                IMPORT_ACTION,
                batch.audit_detail
            ])?;
        tx.commit()?;
        self.wrote();
        progress(total, total);
        Ok(ids)
    }

    /// The details of the import entries of the audit log, oldest first.
    pub fn import_audit_details(&self) -> Result<Vec<String>> {
        let mut stmt = self
            .conn
            .prepare("SELECT coalesce(detail, '') FROM audit WHERE action = ?1 ORDER BY id")?;
        let rows = stmt
            .query_map([IMPORT_ACTION], |r| r.get(0))?
            .collect::<rusqlite::Result<Vec<String>>>()?;
        Ok(rows)
    }
}
