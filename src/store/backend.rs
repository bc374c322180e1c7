//! The store interface both backends give: the local encrypted file ([`Store`]) and the
//! shared server ([`ServerStore`]). Both run the same statements (`db.rs`) through the same
//! write path (`records.rs`); the store tests run on both (`tests/store_backends.rs`).
//!
//! This is the part of the store a file screen needs: the caseload, a person's file, and
//! every change with its version check and undo. What is not here yet (report, exports,
//! imports, retention, backups) runs on the local file only.

use super::server::ServerStore;
use super::db::Exec;
use super::{AgendaItem, Applied, OverdueItem, Result, Store};
use crate::clock::Clock;
use crate::domain::{
    CaseloadRow, Change, Id, PersonFile, PersonSession, Record, RecordKind, Session,
};
use chrono::{NaiveDate, NaiveDateTime};

/// The operations of a store, whichever its backend.
pub trait Backend {
    /// THE write path: one change in its own transaction, committed at once.
    fn apply(&mut self, change: &Change) -> Result<Applied>;
    /// [`Backend::apply`] only if the person's file is still at `version` (checked in the
    /// write transaction); else [`super::StoreError::Conflict`] and nothing is written.
    fn apply_if_version(&mut self, change: &Change, person_id: Id, version: i64)
        -> Result<Applied>;
    /// Undo of an earlier write (its inverse), refused over another window's edit.
    fn undo(&mut self, change: &Change, person_id: Id, version: i64) -> Result<Applied>;
    /// Several changes in one transaction, all or nothing.
    fn apply_all(&mut self, changes: &[Change]) -> Result<Vec<Applied>>;
    fn load(&self, kind: RecordKind, id: Id) -> Result<Option<Record>>;
    fn person_file(&self, person_id: Id) -> Result<PersonFile>;
    fn person_ids(&self) -> Result<Vec<Id>>;
    fn person_version(&self, person_id: Id) -> Result<Option<i64>>;
    fn caseload(&self, open_action_statuses: &[String]) -> Result<Vec<CaseloadRow>>;
    /// Appointments starting in [from, to), all people (the today view).
    fn agenda(&self, from: NaiveDateTime, to: NaiveDateTime) -> Result<Vec<AgendaItem>>;
    /// Past appointments still « à venir », oldest first.
    fn appointments_to_set(&self, limit: usize) -> Result<Vec<AgendaItem>>;
    /// Open actions due before `today`, oldest due first.
    fn overdue_actions(
        &self,
        today: NaiveDate,
        open_action_statuses: &[String],
        limit: usize,
    ) -> Result<Vec<OverdueItem>>;
    /// Every collective session, with their participants.
    fn sessions(&self) -> Result<Vec<Session>>;
    /// The sessions a person is enrolled in (their rendez-vous pane).
    fn person_sessions(&self, person_id: Id) -> Result<Vec<PersonSession>>;
    /// An audit entry for an event that is not a record change (a file opened…).
    fn audit(&self, action: &str, person_id: Option<Id>) -> Result<()>;
    /// Grows when another window or PC commits a change (the file: SQLite's
    /// `data_version`; the server: its announcements, LISTEN / NOTIFY).
    fn data_version(&mut self) -> Result<u64>;
    /// Who writes: the account name in the audit log.
    fn actor(&self) -> &str;
    fn clock(&self) -> &Clock;
    /// Runs reads in one consistent snapshot of the base: any read written on [`Exec`]
    /// (exports, documents, lists) runs on both backends through here.
    fn snapshot(&self, f: &mut dyn FnMut(&dyn Exec) -> Result<()>) -> Result<()>;
    /// Runs writes that are not record changes (archive, erasure, an import batch) in one
    /// write transaction, all or nothing; `f` gets the time and the actor to audit with.
    fn transaction(
        &mut self,
        f: &mut dyn FnMut(&dyn Exec, NaiveDateTime, &str) -> Result<()>,
    ) -> Result<()>;
    /// The local file behind this store, for what only a file has (its path, its key and
    /// accounts file, copies and compaction); `None` on the server.
    fn local(&self) -> Option<&Store>;
    fn local_mut(&mut self) -> Option<&mut Store>;
}

/// A second connection that loads the whole caseload on another thread while the first
/// screenful is already shown (the file: a read-only connection under the same key; the
/// server: a connection of the same role).
pub trait CaseloadSource: Send {
    fn caseload(&self, open_action_statuses: &[String]) -> Result<Vec<CaseloadRow>>;
}

impl CaseloadSource for super::CaseloadReader {
    fn caseload(&self, open_action_statuses: &[String]) -> Result<Vec<CaseloadRow>> {
        super::CaseloadReader::caseload(self, open_action_statuses)
    }
}

/// [`Backend::snapshot`] with a value: `read(store, |db| queries::something_on(db, …))`.
pub fn read<T>(store: &dyn Backend, f: impl FnOnce(&dyn Exec) -> Result<T>) -> Result<T> {
    let mut f = Some(f);
    let mut out = None;
    store.snapshot(&mut |db| {
        let f = f.take().expect("a snapshot runs its reads once");
        out = Some(f(db)?);
        Ok(())
    })?;
    Ok(out.expect("the snapshot ran its reads"))
}

/// [`Backend::transaction`] with a value.
pub fn write<T>(
    store: &mut dyn Backend,
    f: impl FnOnce(&dyn Exec, NaiveDateTime, &str) -> Result<T>,
) -> Result<T> {
    let mut f = Some(f);
    let mut out = None;
    store.transaction(&mut |db, now, actor| {
        let f = f.take().expect("a transaction runs its writes once");
        out = Some(f(db, now, actor)?);
        Ok(())
    })?;
    Ok(out.expect("the transaction ran its writes"))
}

/// Both implementations only forward to the inherent methods of the same names.
macro_rules! backend_for {
    ($ty:ty) => {
        impl Backend for $ty {
            fn apply(&mut self, change: &Change) -> Result<Applied> {
                <$ty>::apply(self, change)
            }
            fn apply_if_version(
                &mut self,
                change: &Change,
                person_id: Id,
                version: i64,
            ) -> Result<Applied> {
                <$ty>::apply_if_version(self, change, person_id, version)
            }
            fn undo(&mut self, change: &Change, person_id: Id, version: i64) -> Result<Applied> {
                <$ty>::undo(self, change, person_id, version)
            }
            fn apply_all(&mut self, changes: &[Change]) -> Result<Vec<Applied>> {
                <$ty>::apply_all(self, changes)
            }
            fn load(&self, kind: RecordKind, id: Id) -> Result<Option<Record>> {
                <$ty>::load(self, kind, id)
            }
            fn person_file(&self, person_id: Id) -> Result<PersonFile> {
                <$ty>::person_file(self, person_id)
            }
            fn person_ids(&self) -> Result<Vec<Id>> {
                <$ty>::person_ids(self)
            }
            fn person_version(&self, person_id: Id) -> Result<Option<i64>> {
                <$ty>::person_version(self, person_id)
            }
            fn caseload(&self, open_action_statuses: &[String]) -> Result<Vec<CaseloadRow>> {
                <$ty>::caseload(self, open_action_statuses)
            }
            fn agenda(&self, from: NaiveDateTime, to: NaiveDateTime) -> Result<Vec<AgendaItem>> {
                <$ty>::agenda(self, from, to)
            }
            fn appointments_to_set(&self, limit: usize) -> Result<Vec<AgendaItem>> {
                <$ty>::appointments_to_set(self, limit)
            }
            fn overdue_actions(
                &self,
                today: NaiveDate,
                open_action_statuses: &[String],
                limit: usize,
            ) -> Result<Vec<OverdueItem>> {
                <$ty>::overdue_actions(self, today, open_action_statuses, limit)
            }
            fn sessions(&self) -> Result<Vec<Session>> {
                <$ty>::sessions(self)
            }
            fn person_sessions(&self, person_id: Id) -> Result<Vec<PersonSession>> {
                <$ty>::person_sessions(self, person_id)
            }
            fn audit(&self, action: &str, person_id: Option<Id>) -> Result<()> {
                <$ty>::audit(self, action, person_id)
            }
            fn data_version(&mut self) -> Result<u64> {
                <$ty>::data_version(self)
            }
            fn actor(&self) -> &str {
                <$ty>::actor(self)
            }
            fn clock(&self) -> &Clock {
                <$ty>::clock(self)
            }
            fn snapshot(&self, f: &mut dyn FnMut(&dyn Exec) -> Result<()>) -> Result<()> {
                <$ty>::snapshot(self, f)
            }
            fn transaction(
                &mut self,
                f: &mut dyn FnMut(&dyn Exec, NaiveDateTime, &str) -> Result<()>,
            ) -> Result<()> {
                <$ty>::transaction(self, f)
            }
            fn local(&self) -> Option<&Store> {
                <$ty>::local(self)
            }
            fn local_mut(&mut self) -> Option<&mut Store> {
                <$ty>::local_mut(self)
            }
        }
    };
}

backend_for!(Store);
backend_for!(ServerStore);
