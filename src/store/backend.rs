//! The store interface both backends give: the local encrypted file ([`Store`]) and the
//! shared server ([`ServerStore`]). Both run the same statements (`db.rs`) through the same
//! write path (`records.rs`); the store tests run on both (`tests/store_backends.rs`).
//!
//! Every operation the app's screens use is here; reads written on [`Exec`] (exports,
//! documents) run on both through [`Backend::snapshot`]. What only a file has (its accounts
//! file and key, copies, compaction, `check`, `restore`) is reached through
//! [`Backend::local`]; the server's backups are `pg_dump` (`server/dump.rs`).

use super::audit::AuditEntry;
use super::db::Exec;
use super::imports::ImportBatch;
use super::server::ServerStore;
use super::{
    AgendaItem, Applied, CaseloadStart, Erasure, ExpiringEligibility, OverdueItem, Result,
    RetentionRow, Store, VeilleDue,
};
use crate::clock::Clock;
use crate::domain::{
    CaseloadRow, Change, Id, PersonFile, PersonSession, Record, RecordKind, Session,
};
use chrono::{NaiveDate, NaiveDateTime};
use std::collections::HashMap;

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
    /// The caseload's first rows in name order, at least `want` that `keep` accepts (see
    /// [`Store::caseload_first`]); the rest comes from [`Backend::caseload_reader`].
    fn caseload_first(
        &self,
        open_action_statuses: &[String],
        want: usize,
        max_rows: usize,
        keep: &mut dyn FnMut(&CaseloadRow) -> bool,
    ) -> Result<CaseloadStart>;
    /// A second connection that loads the whole caseload on another thread.
    fn caseload_reader(&self) -> Result<Box<dyn CaseloadSource>>;
    /// Whether `me` is the référent·e of somebody's current suivi (« ma file active »).
    fn is_referent_of_anybody(&self, me: &str) -> Result<bool>;
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
    fn session(&self, id: Id) -> Result<Option<Session>>;
    /// Sessions starting in [from, to), in date order.
    fn sessions_between(&self, from: NaiveDateTime, to: NaiveDateTime) -> Result<Vec<Session>>;
    /// Latest honoured collective session per person.
    fn last_honoured_sessions(&self) -> Result<HashMap<Id, NaiveDateTime>>;
    /// Veilles à 6 mois due by `today`.
    fn veilles_due(&self, today: NaiveDate, limit: usize) -> Result<Vec<VeilleDue>>;
    /// Eligibility diagnostics expiring in [from, to].
    fn eligibilities_expiring(
        &self,
        from: NaiveDate,
        to: NaiveDate,
        limit: usize,
    ) -> Result<Vec<ExpiringEligibility>>;
    /// The activity report's reads for `period`, in one snapshot.
    fn report_cohort(&self, period: &crate::report::Period) -> Result<crate::report::Cohort>;
    fn report_referents(&self) -> Result<Vec<String>>;
    /// An audit entry for an event that is not a record change (a file opened…).
    fn audit(&self, action: &str, person_id: Option<Id>) -> Result<()>;
    /// The audit log, newest first, filtered by actor and action.
    fn audit_entries(
        &self,
        actor: Option<&str>,
        action: Option<&str>,
        limit: usize,
    ) -> Result<Vec<AuditEntry>>;
    /// The actors and actions the audit log holds (its screen's filters).
    fn audit_filters(&self) -> Result<(Vec<String>, Vec<String>)>;
    /// People past the retention period (CNIL), with their last contact.
    fn retention_list(&self) -> Result<Vec<RetentionRow>>;
    fn set_archived(&mut self, person_id: Id, archived: bool) -> Result<()>;
    /// Erasure of a person and everything about them (admin only).
    fn erase_person(&mut self, person_id: Id) -> Result<Erasure>;
    /// An orientation list's batch, in one transaction.
    fn import_batch(
        &mut self,
        batch: &ImportBatch,
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<Vec<Id>>;
    /// Whole new files (JSON import, demo), in one transaction.
    fn insert_files(&mut self, files: &[PersonFile]) -> Result<Vec<Id>>;
    /// Whether the logged-in account has admin rights now (the file: its accounts file;
    /// the server: membership of the administrators' role).
    fn is_admin(&self) -> bool;
    /// Where the base is, for the screen (a path, or the server without its password).
    fn label(&self) -> String;
    /// The connection is known to be lost (the server); never for the file.
    fn connection_lost(&self) -> bool;
    /// A new connection after one was lost; nothing to do for the file.
    fn reconnect(&mut self) -> Result<()>;
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
            fn caseload_first(
                &self,
                open_action_statuses: &[String],
                want: usize,
                max_rows: usize,
                keep: &mut dyn FnMut(&CaseloadRow) -> bool,
            ) -> Result<CaseloadStart> {
                <$ty>::caseload_first(self, open_action_statuses, want, max_rows, keep)
            }
            fn caseload_reader(&self) -> Result<Box<dyn CaseloadSource>> {
                Ok(Box::new(<$ty>::caseload_reader(self)?))
            }
            fn is_referent_of_anybody(&self, me: &str) -> Result<bool> {
                <$ty>::is_referent_of_anybody(self, me)
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
            fn session(&self, id: Id) -> Result<Option<Session>> {
                <$ty>::session(self, id)
            }
            fn sessions_between(
                &self,
                from: NaiveDateTime,
                to: NaiveDateTime,
            ) -> Result<Vec<Session>> {
                <$ty>::sessions_between(self, from, to)
            }
            fn last_honoured_sessions(&self) -> Result<HashMap<Id, NaiveDateTime>> {
                <$ty>::last_honoured_sessions(self)
            }
            fn veilles_due(&self, today: NaiveDate, limit: usize) -> Result<Vec<VeilleDue>> {
                <$ty>::veilles_due(self, today, limit)
            }
            fn eligibilities_expiring(
                &self,
                from: NaiveDate,
                to: NaiveDate,
                limit: usize,
            ) -> Result<Vec<ExpiringEligibility>> {
                <$ty>::eligibilities_expiring(self, from, to, limit)
            }
            fn report_cohort(
                &self,
                period: &crate::report::Period,
            ) -> Result<crate::report::Cohort> {
                <$ty>::report_cohort(self, period)
            }
            fn report_referents(&self) -> Result<Vec<String>> {
                <$ty>::report_referents(self)
            }
            fn audit(&self, action: &str, person_id: Option<Id>) -> Result<()> {
                <$ty>::audit(self, action, person_id)
            }
            fn audit_entries(
                &self,
                actor: Option<&str>,
                action: Option<&str>,
                limit: usize,
            ) -> Result<Vec<AuditEntry>> {
                <$ty>::audit_entries(self, actor, action, limit)
            }
            fn audit_filters(&self) -> Result<(Vec<String>, Vec<String>)> {
                <$ty>::audit_filters(self)
            }
            fn retention_list(&self) -> Result<Vec<RetentionRow>> {
                <$ty>::retention_list(self)
            }
            fn set_archived(&mut self, person_id: Id, archived: bool) -> Result<()> {
                <$ty>::set_archived(self, person_id, archived)
            }
            fn erase_person(&mut self, person_id: Id) -> Result<Erasure> {
                <$ty>::erase_person(self, person_id)
            }
            fn import_batch(
                &mut self,
                batch: &ImportBatch,
                progress: &mut dyn FnMut(usize, usize),
            ) -> Result<Vec<Id>> {
                <$ty>::import_batch(self, batch, progress)
            }
            fn insert_files(&mut self, files: &[PersonFile]) -> Result<Vec<Id>> {
                <$ty>::insert_files(self, files)
            }
            fn is_admin(&self) -> bool {
                <$ty>::is_admin(self)
            }
            fn label(&self) -> String {
                <$ty>::label(self)
            }
            fn connection_lost(&self) -> bool {
                <$ty>::connection_lost(self)
            }
            fn reconnect(&mut self) -> Result<()> {
                <$ty>::reconnect(self)
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
