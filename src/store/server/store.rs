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
    CaseloadRow, Change, Id, Person, PersonFile, PersonSession, Record, RecordKind, Session, Suivi,
};
use crate::store::db::{self, Exec, PgConn};
use crate::store::{
    audit, eligibility, imports, parcours, protect, queries, records, report, sessions, sql,
    Applied, Result, StoreError,
};
use crate::store::{AgendaItem, ExpiringEligibility, OverdueItem, VeilleDue};
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
    /// The database's name: its group roles are named after it (`ddl::Roles`).
    database: String,
    pub(super) user: String,
    pub(super) password: zeroize::Zeroizing<String>,
    /// This connection's server process: its own notifications are not news.
    backend_pid: i32,
    /// Changes committed by other connections, as announced so far.
    changes: u64,
    /// A reconnection under way on another thread (see [`ServerStore::reconnect`]).
    reconnecting: Option<std::sync::mpsc::Receiver<super::Result<(postgres::Client, i32)>>>,
}

impl ServerStore {
    /// Logs in to the server at `url` and checks its schema is this program's.
    pub fn open(url: &str, who: &Credentials, clock: Clock) -> super::Result<ServerStore> {
        let mut client = connect(url, who)?;
        check_schema(&mut client)?;
        let actor: String = client.query_one("SELECT session_user::text", &[])?.get(0);
        client.batch_execute(&session_settings())?;
        let backend_pid = client.query_one("SELECT pg_backend_pid()", &[])?.get(0);
        let database: String = client.query_one("SELECT current_database()", &[])?.get(0);
        Ok(ServerStore {
            database,
            db: PgConn::new(client),
            backend_pid,
            changes: 0,
            reconnecting: None,
            clock,
            user: actor.clone(),
            actor,
            url: url.to_string(),
            password: zeroize::Zeroizing::new(who.password.unwrap_or_default().to_string()),
        })
    }

    /// A new connection with the same credentials, after [`StoreError::ServerGone`],
    /// waiting for it (the command line, tests).
    pub fn reconnect_now(&mut self) -> super::Result<()> {
        let (client, pid) = open_again(&self.url, &self.user, &self.password)?;
        self.install(client, pid);
        Ok(())
    }

    /// The screen's reconnection: never waits for the network (a cut cable makes a
    /// connection attempt last seconds). The first call starts an attempt on another
    /// thread and says « not yet »; a later call installs its connection once it is
    /// there, or starts another attempt after a failure.
    pub fn reconnect(&mut self) -> Result<()> {
        if let Some(rx) = &self.reconnecting {
            match rx.try_recv() {
                Ok(Ok((client, pid))) => {
                    self.reconnecting = None;
                    self.install(client, pid);
                    return Ok(());
                }
                Err(std::sync::mpsc::TryRecvError::Empty) => {
                    return Err(StoreError::ServerGone("reconnexion en cours".into()))
                }
                Ok(Err(e)) => {
                    self.reconnecting = None;
                    return Err(e.into());
                }
                Err(std::sync::mpsc::TryRecvError::Disconnected) => self.reconnecting = None,
            }
        }
        let (tx, rx) = std::sync::mpsc::channel();
        let (url, user) = (self.url.clone(), self.user.clone());
        let password = self.password.clone();
        std::thread::Builder::new()
            .name("reconnexion".into())
            .spawn(move || {
                let _ = tx.send(open_again(&url, &user, &password));
            })
            .map_err(|e| StoreError::ServerGone(e.to_string()))?;
        self.reconnecting = Some(rx);
        Err(StoreError::ServerGone("reconnexion en cours".into()))
    }

    fn install(&mut self, client: postgres::Client, backend_pid: i32) {
        self.backend_pid = backend_pid;
        self.db = PgConn::new(client);
        // What happened while the connection was gone was not announced: count it as a
        // change, so that a screen reloads what it shows.
        self.changes += 1;
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

    /// See [`crate::store::Backend::connection_lost`].
    pub fn connection_lost(&self) -> bool {
        self.db.is_closed()
    }

    /// The server and database, without the password (for the top line).
    pub fn label(&self) -> String {
        super::display_url(&self.url)
    }

    /// Member of the administrators' role, as the server decides (asked each time: an
    /// admin's rights removed on the server end at the next action).
    pub fn is_admin(&self) -> bool {
        db::query_one(
            &self.db,
            "SELECT EXISTS (SELECT 1 FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid \
             JOIN pg_roles u ON u.oid = m.member \
             WHERE u.rolname = session_user AND g.rolname = ?1)",
            &[&super::Roles::for_database(&self.database).admin],
            |r| r.get::<_, bool>(0),
        )
        .unwrap_or(false)
    }

    /// The account's name as shown (the role's comment, set by `parcours compte ajouter`),
    /// the login when it has none.
    pub fn display_name(&self) -> String {
        db::query_one(
            &self.db,
            "SELECT coalesce(shobj_description(oid, 'pg_authid'), '') FROM pg_roles \
             WHERE rolname = session_user",
            &[],
            |r| r.get::<_, String>(0),
        )
        .ok()
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| self.actor.clone())
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

    // --- The operations of the admin views, the today lists and the imports: the same
    // statements as the file's (`*_on` functions), each read in one snapshot and each
    // write in one transaction with its audit entries.

    /// Entries newest first (see [`crate::store::Store::audit_entries`]). Only
    /// administrators read the audit log on the server: an advisor gets
    /// [`StoreError::Forbidden`].
    pub fn audit_entries(
        &self,
        actor: Option<&str>,
        action: Option<&str>,
        limit: usize,
    ) -> Result<Vec<audit::AuditEntry>> {
        self.read(|db| audit::entries_on(db, actor, action, limit))
    }

    /// Accounts and actions present in the audit log (administrators only, as above).
    pub fn audit_filters(&self) -> Result<(Vec<String>, Vec<String>)> {
        self.read(audit::filters_on)
    }

    /// Files past the retention period (see [`crate::store::Store::retention_list`]).
    pub fn retention_list(&self) -> Result<Vec<protect::RetentionRow>> {
        let today = self.clock.today();
        self.read(|db| protect::retention_list_on(db, today))
    }

    /// Archives (or brings back) a file, with its audit entry, in one transaction.
    pub fn set_archived(&mut self, person_id: Id, archived: bool) -> Result<()> {
        crate::store::write(self, |db, now, actor| {
            protect::set_archived_on(db, now, actor, person_id, archived)
        })
    }

    /// When a file was archived, if it is.
    pub fn archived_at(&self, person_id: Id) -> Result<Option<NaiveDateTime>> {
        protect::archived_at_on(&self.db, person_id)
    }

    /// Erases a person (see [`crate::store::Store::erase_person`]): their rows and a
    /// tombstone in the audit log, in one transaction. The server's grants give DELETE on
    /// persons to administrators only: an advisor's erasure is refused by the server
    /// ([`StoreError::Forbidden`]) and nothing is written. There is no file to compact on
    /// the PC: the rows are gone at the commit; the server reclaims their space itself
    /// (autovacuum), on its encrypted disk.
    pub fn erase_person(&mut self, person_id: Id) -> Result<protect::Erasure> {
        crate::store::write(self, |db, now, actor| {
            protect::erase_on(db, now, actor, person_id)
        })?;
        Ok(protect::Erasure { compacted: true })
    }

    /// Veilles à 6 mois due on `today` and not recorded, at most `limit`.
    pub fn veilles_due(&self, today: NaiveDate, limit: usize) -> Result<Vec<VeilleDue>> {
        self.read(|db| parcours::veilles_due_on(db, today, limit))
    }

    /// Files whose latest eligibility diagnostic expires in `[from, to)`, soonest first.
    pub fn eligibilities_expiring(
        &self,
        from: NaiveDate,
        to: NaiveDate,
        limit: usize,
    ) -> Result<Vec<ExpiringEligibility>> {
        self.read(|db| eligibility::expiring_on(db, from, to, limit))
    }

    /// Sessions starting in [from, to), in date order, with their participants.
    pub fn sessions_between(&self, from: NaiveDateTime, to: NaiveDateTime) -> Result<Vec<Session>> {
        self.read(|db| sessions::sessions_between_on(db, from, to))
    }

    /// Every person with their current suivi, for matching an import's lines.
    pub fn import_candidates(&self) -> Result<Vec<(Person, Option<Suivi>)>> {
        self.read(imports::candidates_on)
    }

    /// Writes an import in ONE transaction (see [`crate::store::Store::import_batch`]).
    pub fn import_batch(
        &mut self,
        batch: &imports::ImportBatch,
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<Vec<Id>> {
        if batch.is_empty() {
            return Ok(Vec::new());
        }
        let ids = crate::store::write(self, |db, now, actor| {
            imports::batch_on(db, now, actor, batch, progress)
        })?;
        progress(batch.len(), batch.len());
        Ok(ids)
    }

    /// The details of the import entries of the audit log, oldest first (administrators).
    pub fn import_audit_details(&self) -> Result<Vec<String>> {
        self.read(imports::audit_details_on)
    }

    /// Inserts whole new files in ONE transaction (see
    /// [`crate::store::Store::insert_files`]: the same per-record statements and one audit
    /// entry per file).
    pub fn insert_files(&mut self, files: &[PersonFile]) -> Result<Vec<Id>> {
        crate::store::write(self, |db, now, actor| {
            imports::insert_files_on(db, now, actor, files)
        })
    }

    /// Whether `me` is the referent of somebody's current suivi (« ma file active »).
    pub fn is_referent_of_anybody(&self, me: &str) -> Result<bool> {
        self.read(|db| queries::is_referent_of_anybody_on(db, me))
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

    /// The 12-month purge of the audit log, as the file does at each login: through the
    /// owner's function (no staff role may delete audit rows itself). Entries deleted.
    pub fn purge_audit(&self) -> Result<i64> {
        db::query_one(&self.db, "SELECT purger_audit()", &[], |r| r.get(0))
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

/// A connection as [`ServerStore::open`] makes it, with its server process id.
fn open_again(url: &str, user: &str, password: &str) -> super::Result<(postgres::Client, i32)> {
    let mut client = connect(
        url,
        &Credentials {
            user: Some(user),
            password: Some(password),
        },
    )?;
    check_schema(&mut client)?;
    client.batch_execute(&session_settings())?;
    let pid = client.query_one("SELECT pg_backend_pid()", &[])?.get(0);
    Ok((client, pid))
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
