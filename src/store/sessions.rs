//! Reads of collective sessions: the sessions list, one person's sessions (their file,
//! document and export), the sessions of a day range (today view, report) and the last
//! honoured session per person (the monthly-interview rule, when configured to count it).
//! Writes go through the single write path (`Record::Session`).

use super::tables::{Stored, SESSIONS};
use super::{sql, Result, Store};
use crate::domain::{Id, PersonSession, Session};
use chrono::NaiveDateTime;
use std::collections::HashMap;

impl Store {
    /// Every session, in date order, with their participants. A service runs a few
    /// hundred a year: the list holds them all.
    pub fn sessions(&self) -> Result<Vec<Session>> {
        self.sessions_where("1", [])
    }

    /// Sessions starting in [from, to), in date order (through `sessions_by_start`).
    pub fn sessions_between(&self, from: NaiveDateTime, to: NaiveDateTime) -> Result<Vec<Session>> {
        self.sessions_where("start >= ?1 AND start < ?2", rusqlite::params![from, to])
    }

    fn sessions_where(
        &self,
        condition: &str,
        params: impl rusqlite::Params,
    ) -> Result<Vec<Session>> {
        let q = format!(
            "SELECT {} FROM {} WHERE {condition} ORDER BY start, id",
            sql::select_list(&SESSIONS, None),
            SESSIONS.name
        );
        let mut stmt = self.conn.prepare_cached(&q)?;
        let at = sql::columns::<Session>(&stmt)?;
        let mut rows = stmt
            .query_map(params, |r| Session::from_columns(r, &at))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        for s in &mut rows {
            s.load_sub_rows(&self.conn)?;
        }
        Ok(rows)
    }

    pub fn session(&self, id: Id) -> Result<Option<Session>> {
        Ok(sql::one(&self.conn, id)?)
    }

    /// The sessions person `person_id` is enrolled in, in date order, as their file shows
    /// them (without the other participants). Through `session_participants_by_person`.
    pub fn person_sessions(&self, person_id: Id) -> Result<Vec<PersonSession>> {
        let ids: Vec<Id> = {
            let mut stmt = self.conn.prepare_cached(
                "SELECT s.id FROM session_participants sp JOIN sessions s ON s.id = sp.session_id
                 WHERE sp.person_id = ?1 ORDER BY s.start, s.id",
            )?;
            let v = stmt
                .query_map([person_id], |r| r.get(0))?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            v
        };
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            if let Some(s) = self.session(id)? {
                out.extend(s.for_person(person_id));
            }
        }
        Ok(out)
    }

    /// Latest honoured session per person (for the monthly rule when a setting counts
    /// collective sessions as interviews).
    pub fn last_honoured_sessions(&self) -> Result<HashMap<Id, NaiveDateTime>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT sp.person_id, MAX(s.start) FROM session_participants sp
             JOIN sessions s ON s.id = sp.session_id
             WHERE sp.status = 'honore' AND s.start IS NOT NULL GROUP BY sp.person_id",
        )?;
        let v = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<HashMap<Id, NaiveDateTime>>>()?;
        Ok(v)
    }
}
