//! The shared server as a store: the same write path as the local file (`records.rs` on
//! [`Exec`]: version checks in the write transaction, inverse changes for undo, the audit
//! entry in the same transaction), the same reads of a file and of the caseload.
//!
//! Each staff member connects with their own login role: the server signs the audit entries
//! with it and enforces the rights (`ddl.rs`); the app's actor is that role. Every write is
//! its own transaction, committed at once. A cut connection is reported as
//! [`StoreError::ServerGone`] (nothing of the write landed: the transaction dies with the
//! connection); [`ServerStore::reconnect`] opens a new one with the same credentials.
//! Nothing read from the server is written to the PC's disk.

use super::{check_schema, connect, Credentials};
use crate::clock::Clock;
use crate::domain::{
    CaseloadRow, Change, Id, PersonFile, PersonSession, Record, RecordKind, Session,
};
use crate::store::db::{self, Exec, PgConn};
use crate::store::{audit, queries, records, report, sessions, sql, Applied, Result, StoreError};
use crate::store::{AgendaItem, OverdueItem};
use chrono::{NaiveDate, NaiveDateTime};
use std::collections::HashMap;
use std::time::Duration;

/// How long a statement may run before the server cancels it: the screen never waits
/// longer for one write or one file (a write waiting on another PC's lock gets « occupée »).
pub const STATEMENT_TIMEOUT: Duration = Duration::from_millis(1500);
/// How long a write waits for a row another PC is writing.
pub const LOCK_TIMEOUT: Duration = Duration::from_millis(1000);

/// A connection to the shared server, logged in as one staff member.
pub struct ServerStore {
    pub(super) db: PgConn,
    pub(super) clock: Clock,
    actor: String,
    pub(super) url: String,
    pub(super) user: String,
    pub(super) password: zeroize::Zeroizing<String>,
    /// This connection's server process: its own notifications are not news.
    backend_pid: i32,
    /// Changes committed by other connections, as announced so far.
    changes: u64,
}

impl ServerStore {
    /// Logs in to the server at `url` and checks its schema is this program's.
    pub fn open(url: &str, who: &Credentials, clock: Clock) -> super::Result<ServerStore> {
        let mut client = connect(url, who)?;
        check_schema(&mut client)?;
        let actor: String = client.query_one("SELECT session_user::text", &[])?.get(0);
        client.batch_execute(&session_settings())?;
        let backend_pid = client.query_one("SELECT pg_backend_pid()", &[])?.get(0);
        Ok(ServerStore {
            db: PgConn::new(client),
            backend_pid,
            changes: 0,
            clock,
            user: actor.clone(),
            actor,
            url: url.to_string(),
            password: zeroize::Zeroizing::new(who.password.unwrap_or_default().to_string()),
        })
    }

    /// A new connection with the same credentials, after [`StoreError::ServerGone`].
    pub fn reconnect(&mut self) -> super::Result<()> {
        let mut client = connect(
            &self.url,
            &Credentials {
                user: Some(&self.user),
                password: Some(&self.password),
            },
        )?;
        check_schema(&mut client)?;
        client.batch_execute(&session_settings())?;
        self.backend_pid = client.query_one("SELECT pg_backend_pid()", &[])?.get(0);
        self.db = PgConn::new(client);
        // What happened while the connection was gone was not announced: count it as a
        // change, so that a screen reloads what it shows.
        self.changes += 1;
        Ok(())
    }

    /// A number that grows when another PC (or window) commits a change, like SQLite's
    /// `PRAGMA data_version` for the file: the app compares it to the last one it saw.
    /// One round trip (an empty statement): it reads the notifications arrived meanwhile —
    /// the synchronous client only reads its socket while it waits for an answer — and
    /// tells a connection that is gone ([`StoreError::ServerGone`]) within the timeouts.
    pub fn data_version(&mut self) -> Result<u64> {
        self.db.batch("SELECT 1")?;
        let pid = self.backend_pid;
        let mut client = self.db.client();
        let mut pending = client.notifications();
        let mut it = pending.iter();
        while let Some(n) = postgres::fallible_iterator::FallibleIterator::next(&mut it)
            .map_err(db::server_error)?
        {
            if n.process_id() != pid {
                self.changes += 1;
            }
        }
        Ok(self.changes)
    }

    /// Whether the connection is known to be gone.
    pub fn is_closed(&self) -> bool {
        self.db.is_closed()
    }

    /// The login role: the name in the audit log and of « ma file active ».
    pub fn actor(&self) -> &str {
        &self.actor
    }

    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    /// See [`crate::store::Store::apply`].
    pub fn apply(&mut self, change: &Change) -> Result<Applied> {
        self.apply_inner(std::slice::from_ref(change), None, false)
            .map(|mut v| v.pop().expect("one change gives one result"))
    }

    /// See [`crate::store::Store::apply_if_version`]: the person's row is locked while the
    /// version is checked and the change written, so two PCs never both pass the check.
    pub fn apply_if_version(
        &mut self,
        change: &Change,
        person_id: Id,
        version: i64,
    ) -> Result<Applied> {
        self.apply_inner(
            std::slice::from_ref(change),
            Some((person_id, version)),
            false,
        )
        .map(|mut v| v.pop().expect("one change gives one result"))
    }

    /// See [`crate::store::Store::undo`].
    pub fn undo(&mut self, change: &Change, person_id: Id, version: i64) -> Result<Applied> {
        self.apply_inner(
            std::slice::from_ref(change),
            Some((person_id, version)),
            true,
        )
        .map(|mut v| v.pop().expect("one change gives one result"))
    }

    /// See [`crate::store::Store::apply_all`].
    pub fn apply_all(&mut self, changes: &[Change]) -> Result<Vec<Applied>> {
        self.apply_inner(changes, None, false)
    }

    fn apply_inner(
        &mut self,
        changes: &[Change],
        expected: Option<(Id, i64)>,
        rebase: bool,
    ) -> Result<Vec<Applied>> {
        let now = self.clock.now();
        self.db.batch("BEGIN")?;
        let done = records::apply_in(&self.db, changes, expected, rebase, now, &self.actor);
        match done {
            Ok(out) => {
                self.db.batch("COMMIT")?;
                Ok(out)
            }
            Err(e) => {
                // A connection that is gone took its transaction with it.
                let _ = self.db.batch("ROLLBACK");
                Err(e)
            }
        }
    }

    /// See [`crate::store::Store::load`].
    pub fn load(&self, kind: RecordKind, id: Id) -> Result<Option<Record>> {
        records::load(&self.db, kind, id)
    }

    /// One person's complete file, read in one snapshot (a write of another PC lands
    /// wholly before or after it).
    pub fn person_file(&self, person_id: Id) -> Result<PersonFile> {
        self.read(|db| queries::person_file_on(db, person_id))
    }

    /// Every person's id in n° de dossier order.
    pub fn person_ids(&self) -> Result<Vec<Id>> {
        queries::person_ids_on(&self.db)
    }

    /// Current version of a person's file.
    pub fn person_version(&self, person_id: Id) -> Result<Option<i64>> {
        queries::person_version_on(&self.db, person_id)
    }

    /// The whole caseload in name order (see [`crate::store::Store::caseload`]).
    pub fn caseload(&self, open_action_statuses: &[String]) -> Result<Vec<CaseloadRow>> {
        queries::caseload_server(&self.db, self.clock.now(), open_action_statuses)
    }

    /// Appointments starting in [from, to), all people (the today view).
    pub fn agenda(&self, from: NaiveDateTime, to: NaiveDateTime) -> Result<Vec<AgendaItem>> {
        queries::agenda_on(&self.db, from, to)
    }

    /// Past appointments still « à venir », oldest first.
    pub fn appointments_to_set(&self, limit: usize) -> Result<Vec<AgendaItem>> {
        queries::appointments_to_set_on(&self.db, self.clock.now(), limit)
    }

    /// Open actions due before `today`, oldest due first.
    pub fn overdue_actions(
        &self,
        today: NaiveDate,
        open_action_statuses: &[String],
        limit: usize,
    ) -> Result<Vec<OverdueItem>> {
        queries::overdue_on(&self.db, today, open_action_statuses, limit)
    }

    /// What the activity report of `period` needs, read in one snapshot (the same reads as
    /// the file's, see `store/report.rs`).
    pub fn report_cohort(&self, period: &crate::report::Period) -> Result<crate::report::Cohort> {
        self.read(|db| report::cohort_on(db, period))
    }

    /// Every référent·e named on a suivi.
    pub fn report_referents(&self) -> Result<Vec<String>> {
        report::referents_on(&self.db)
    }

    /// Every collective session, in date order, with their participants.
    pub fn sessions(&self) -> Result<Vec<Session>> {
        self.read(|db| sessions::sessions_where(db, "1 = 1", &[]))
    }

    pub fn session(&self, id: Id) -> Result<Option<Session>> {
        self.read(|db| sql::one(db, id))
    }

    /// The sessions a person is enrolled in, as their file shows them.
    pub fn person_sessions(&self, person_id: Id) -> Result<Vec<PersonSession>> {
        self.read(|db| sessions::person_sessions(db, person_id))
    }

    /// Latest honoured session per person.
    pub fn last_honoured_sessions(&self) -> Result<HashMap<Id, NaiveDateTime>> {
        sessions::last_honoured_sessions(&self.db)
    }

    /// Records an event that is not a record change (a file opened, an export…); the
    /// server signs it with the login role and its own time.
    pub fn audit(&self, action: &str, person_id: Option<Id>) -> Result<()> {
        audit::write(
            &self.db,
            self.clock.now(),
            &self.actor,
            action,
            person_id.map(|_| "persons"),
            person_id,
            person_id,
        )
    }

    /// See [`crate::store::Backend::snapshot`].
    pub fn snapshot(&self, f: &mut dyn FnMut(&dyn Exec) -> Result<()>) -> Result<()> {
        self.read(|db| f(db))
    }

    /// See [`crate::store::Backend::transaction`]: BEGIN / COMMIT on this connection, a
    /// rollback on any error (a connection that is gone took its transaction with it).
    pub fn transaction(
        &mut self,
        f: &mut dyn FnMut(&dyn Exec, NaiveDateTime, &str) -> Result<()>,
    ) -> Result<()> {
        let now = self.clock.now();
        self.db.batch("BEGIN")?;
        match f(&self.db, now, &self.actor) {
            Ok(()) => self.db.batch("COMMIT"),
            Err(e) => {
                let _ = self.db.batch("ROLLBACK");
                Err(e)
            }
        }
    }

    /// The server has no local file.
    pub fn local(&self) -> Option<&crate::store::Store> {
        None
    }

    pub fn local_mut(&mut self) -> Option<&mut crate::store::Store> {
        None
    }

    /// Runs reads in one read-only snapshot.
    fn read<T>(&self, f: impl FnOnce(&dyn Exec) -> Result<T>) -> Result<T> {
        self.db
            .batch("BEGIN TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")?;
        let out = f(&self.db);
        let end = self
            .db
            .batch(if out.is_ok() { "COMMIT" } else { "ROLLBACK" });
        let out = out?;
        end?;
        Ok(out)
    }

    /// Raw SQL on this connection, for tests that prove what the server refuses.
    pub fn execute_raw(&self, sql: &str) -> Result<usize> {
        self.db.execute(sql, &[])
    }

    /// The number of rows of `sql` (a `SELECT count(*)…`), for tests and checks.
    pub fn count(&self, sql: &str) -> Result<i64> {
        db::query_one(&self.db, sql, &[], |r| r.get(0))
    }

    /// Errors that mean « the connection is gone » (as opposed to a refusal).
    pub fn is_gone(e: &StoreError) -> bool {
        matches!(e, StoreError::ServerGone(_))
    }
}

fn session_settings() -> String {
    format!(
        "SET statement_timeout = {}; SET lock_timeout = {}; \
         SET idle_in_transaction_session_timeout = 60000; LISTEN {}",
        STATEMENT_TIMEOUT.as_millis(),
        LOCK_TIMEOUT.as_millis(),
        super::ddl::CHANGES_CHANNEL
    )
}
