//! Reads of collective sessions: the sessions list, one person's sessions (their file,
//! document and export), the sessions of a day range (today view, report) and the last
//! honoured session per person (the monthly-interview rule, when configured to count it).
//! Writes go through the single write path (`Record::Session`). Each read is a function on
//! [`Exec`], for both backends.

use super::db::{self, Exec};
use super::tables::{Stored, SESSIONS};
use super::{sql, Result, Store};
use crate::domain::{Id, PersonSession, Session};
use chrono::NaiveDateTime;
use rusqlite::types::ToSql;
use std::collections::HashMap;

impl Store {
    /// Every session, in date order, with their participants. A service runs a few
    /// hundred a year: the list holds them all.
    pub fn sessions(&self) -> Result<Vec<Session>> {
        sessions_where(&self.conn, "1 = 1", &[])
    }

    /// Sessions starting in [from, to), in date order (through `sessions_by_start`).
    pub fn sessions_between(&self, from: NaiveDateTime, to: NaiveDateTime) -> Result<Vec<Session>> {
        sessions_between_on(&self.conn, from, to)
    }

    pub fn session(&self, id: Id) -> Result<Option<Session>> {
        sql::one(&self.conn, id)
    }

    /// The sessions person `person_id` is enrolled in, in date order, as their file shows
    /// them (without the other participants). Through `session_participants_by_person`.
    pub fn person_sessions(&self, person_id: Id) -> Result<Vec<PersonSession>> {
        person_sessions(&self.conn, person_id)
    }

    /// Latest honoured session per person (for the monthly rule when a setting counts
    /// collective sessions as interviews).
    pub fn last_honoured_sessions(&self) -> Result<HashMap<Id, NaiveDateTime>> {
        last_honoured_sessions(&self.conn)
    }
}

pub(super) fn sessions_where(
    db: &dyn Exec,
    condition: &str,
    params: &[&dyn ToSql],
) -> Result<Vec<Session>> {
    let q = format!(
        "SELECT {} FROM {} WHERE {condition} ORDER BY start, id",
        sql::select_list(&SESSIONS, None),
        SESSIONS.name
    );
    let mut at: Option<Vec<Option<usize>>> = None;
    let mut rows = db::query_map(db, &q, params, |r| {
        if at.is_none() {
            at = Some(
                Session::FIELDS
                    .iter()
                    .map(|f| r.column_index(f).map(Some))
                    .collect::<rusqlite::Result<_>>()?,
            );
        }
        Session::read_columns(r, at.as_deref().unwrap_or_default())
    })?;
    for s in &mut rows {
        s.load_sub_rows(db)?;
    }
    Ok(rows)
}

/// See [`Store::sessions_between`], on either backend.
pub(super) fn sessions_between_on(
    db: &dyn Exec,
    from: NaiveDateTime,
    to: NaiveDateTime,
) -> Result<Vec<Session>> {
    sessions_where(db, "start >= ?1 AND start < ?2", &[&from, &to])
}

pub(super) fn person_sessions(db: &dyn Exec, person_id: Id) -> Result<Vec<PersonSession>> {
    let ids: Vec<Id> = db::query_map(
        db,
        "SELECT s.id FROM session_participants sp JOIN sessions s ON s.id = sp.session_id
         WHERE sp.person_id = ?1 ORDER BY s.start, s.id",
        &[&person_id],
        |r| r.get(0),
    )?;
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        if let Some(s) = sql::one::<Session>(db, id)? {
            out.extend(s.for_person(person_id));
        }
    }
    Ok(out)
}

pub(super) fn last_honoured_sessions(db: &dyn Exec) -> Result<HashMap<Id, NaiveDateTime>> {
    Ok(db::query_map(
        db,
        "SELECT sp.person_id, MAX(s.start) FROM session_participants sp
         JOIN sessions s ON s.id = sp.session_id
         WHERE sp.status = 'honore' AND s.start IS NOT NULL GROUP BY sp.person_id",
        &[],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?
    .into_iter()
    .collect())
}
