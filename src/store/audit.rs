//! The audit log: who did what, when, to which record; never the content (CNIL).

use super::db::{self, Exec};
use super::{Result, Store};
use crate::auth::FailedLogin;
use crate::domain::Id;
use chrono::NaiveDateTime;

/// Audited actions (stored as these codes).
pub mod actions {
    pub const LOGIN: &str = "connexion";
    pub const LOGIN_FAILED: &str = "echec_connexion";
    pub const LOGOUT: &str = "deconnexion";
    pub const LOCK: &str = "verrouillage";
    pub const OPEN_FILE: &str = "consultation";
    pub const CREATE: &str = "creation";
    pub const UPDATE: &str = "modification";
    pub const DELETE: &str = "suppression";
    pub const EXPORT: &str = "export";
    pub const ERASE: &str = "effacement";
    pub const ARCHIVE: &str = "archivage";
    pub const UNARCHIVE: &str = "desarchivage";
    pub const ACCOUNTS: &str = "gestion_comptes";
    pub const BACKUP: &str = "sauvegarde";
    pub const RESTORE: &str = "restauration";
}

/// One entry, as the admin view shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    pub id: Id,
    pub at: NaiveDateTime,
    pub actor: String,
    pub action: String,
    pub record_kind: Option<String>,
    pub record_id: Option<Id>,
    pub person_id: Option<Id>,
}

/// The wall clock, to the second (local time, like the triggers).
fn real_now() -> NaiveDateTime {
    use chrono::Timelike;
    let n = chrono::Local::now().naive_local();
    n.with_nanosecond(0).unwrap_or(n)
}

/// Writes one entry (inside the caller's transaction when there is one). An entry is never
/// dated after the real clock: a clock set forward cannot hide an entry in the future.
pub(super) fn write(
    conn: &dyn super::db::Exec,
    at: NaiveDateTime,
    actor: &str,
    action: &str,
    kind: Option<&str>,
    record_id: Option<Id>,
    person_id: Option<Id>,
) -> Result<()> {
    conn.execute(
        "INSERT INTO audit (at, actor, action, record_kind, record_id, person_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        &[
            &at.min(real_now()),
            &actor,
            &action,
            &kind,
            &record_id,
            &person_id,
        ],
    )?;
    Ok(())
}

impl Store {
    /// The account name written in the audit log for this session's actions.
    pub fn set_actor(&mut self, actor: &str) {
        self.actor = actor.to_string();
    }

    pub fn actor(&self) -> &str {
        &self.actor
    }

    /// Records an event that is not a record change (open a file, export, lock...).
    /// Nothing on a read-only base (the file is left as it is; the command line says so).
    pub fn audit(&self, action: &str, person_id: Option<Id>) -> Result<()> {
        if self.is_read_only() {
            return Ok(());
        }
        let now = self.clock.now();
        write(
            &self.conn,
            now,
            &self.actor,
            action,
            person_id.map(|_| "persons"),
            person_id,
            person_id,
        )?;
        self.wrote();
        Ok(())
    }

    /// At login: the failed attempts recorded since the last login (they could not be
    /// written without the key), the login itself, and the 12-month purge.
    /// Nothing on a read-only base, like [`Store::audit`].
    pub fn audit_login(&mut self, failures: &[FailedLogin]) -> Result<()> {
        if self.is_read_only() {
            return Ok(());
        }
        let now = self.clock.now();
        let actor = self.actor.clone();
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        for f in failures {
            write(&tx, f.at, &f.login, actions::LOGIN_FAILED, None, None, None)?;
        }
        write(&tx, now, &actor, actions::LOGIN, None, None, None)?;
        tx.commit()?;
        self.wrote();
        self.purge_audit()?;
        Ok(())
    }

    /// Deletes entries older than 12 months (the only deletion the triggers allow). The
    /// cutoff is taken on the real clock when the session's clock runs ahead of it: a clock
    /// set forward never purges recent entries.
    pub fn purge_audit(&self) -> Result<usize> {
        let cutoff = self.clock.now().min(real_now()) - chrono::Months::new(12);
        let n = self
            .conn
            .execute("DELETE FROM audit WHERE at < ?1", [cutoff])?;
        if n > 0 {
            self.wrote();
        }
        Ok(n)
    }

    /// Entries newest first, optionally filtered by actor and/or action.
    pub fn audit_entries(
        &self,
        actor: Option<&str>,
        action: Option<&str>,
        limit: usize,
    ) -> Result<Vec<AuditEntry>> {
        entries_on(&self.conn, actor, action, limit)
    }
}

/// See [`Store::audit_entries`], on either backend (on the server only administrators read
/// the audit log: an advisor's read is refused by the server's grants).
pub(super) fn entries_on(
    db: &dyn Exec,
    actor: Option<&str>,
    action: Option<&str>,
    limit: usize,
) -> Result<Vec<AuditEntry>> {
    // Uses audit_by_at (newest first); filters are applied while walking the index. The
    // casts give the server the parameters' type (`IS NULL` alone does not).
    db::query_map(
        db,
        "SELECT id, at, actor, action, record_kind, record_id, person_id FROM audit
         WHERE (CAST(?1 AS TEXT) IS NULL OR actor = ?1)
           AND (CAST(?2 AS TEXT) IS NULL OR action = ?2)
         ORDER BY at DESC, id DESC LIMIT ?3",
        &[&actor, &action, &(limit as i64)],
        |r| {
            Ok(AuditEntry {
                id: r.get(0)?,
                at: r.get(1)?,
                actor: r.get(2)?,
                action: r.get(3)?,
                record_kind: r.get(4)?,
                record_id: r.get(5)?,
                person_id: r.get(6)?,
            })
        },
    )
}

/// Accounts and actions present in the audit log (filters of the admin view), on either
/// backend.
pub(super) fn filters_on(db: &dyn Exec) -> Result<(Vec<String>, Vec<String>)> {
    let list = |sql: &str| db::query_map(db, sql, &[], |r| r.get::<_, String>(0));
    Ok((
        list("SELECT DISTINCT actor FROM audit ORDER BY actor")?,
        list("SELECT DISTINCT action FROM audit ORDER BY action")?,
    ))
}
