//! Read queries: the caseload list, one person's file, the today view.

use super::db::{self, Exec};
use super::tables::{Stored, ACTIONS, APPOINTMENTS, PERSONS};
use super::{sql, Result, Store, StoreError};
use crate::domain::*;
use chrono::{NaiveDate, NaiveDateTime};
use rusqlite::{params, Connection, OpenFlags, OptionalExtension};

/// An appointment with who it is for (today view).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgendaItem {
    pub person_id: Id,
    pub person_name: String,
    pub dossier: String,
    pub appointment: Appointment,
}

/// An open action past its due date, with who it is for (today view).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OverdueItem {
    pub person_id: Id,
    pub person_name: String,
    pub action: PlanAction,
}

/// The caseload query. The correlated subqueries each resolve with one seek in
/// `appointments_by_person_status` / `actions_by_person_due` (checked by a test with
/// EXPLAIN QUERY PLAN); the current suivi comes from `suivis_by_person`.
pub const CASELOAD_SQL: &str = "
SELECT p.id, p.dossier, p.nom, p.prenom, p.nom_usage, p.birth_date, p.commune,
       s.dispositif, s.referent, s.date_orientation, s.date_premier_contact, s.sortie_date,
       s.contrat_fin,
       (SELECT MAX(a.start) FROM appointments a
         WHERE a.person_id = p.id AND a.status = 'honore') AS last_honoured,
       (SELECT MIN(a.start) FROM appointments a
         WHERE a.person_id = p.id AND a.status = 'a_venir' AND a.start >= ?1) AS next_appt,
       (SELECT COUNT(*) FROM appointments a
         WHERE a.person_id = p.id AND a.status = 'a_venir' AND a.start < ?1) AS to_set,
       (SELECT COUNT(*) FROM actions x
         WHERE x.person_id = p.id AND x.due < ?2
           AND x.status IN (SELECT value FROM json_each(?3))) AS overdue,
       p.archived_at IS NOT NULL AS archived
FROM persons p
LEFT JOIN suivis s ON s.id = (
    SELECT s2.id FROM suivis s2 WHERE s2.person_id = p.id
    ORDER BY (s2.sortie_date IS NULL) DESC, s2.id DESC LIMIT 1)";

/// The caseload query on the server: the same columns as [`CASELOAD_SQL`], computed set by
/// set (each person's current suivi by `DISTINCT ON`, appointment and action figures by one
/// grouped pass each, hash-joined), because PostgreSQL runs a correlated subquery once per
/// row as a sub-plan: the per-person form took 453 ms at 10k people on a loopback server
/// (`cargo bench --bench server`), this one reads each table once. Only the suivi columns
/// shown are carried through its sort (`SELECT *` sorted rows of 480 bytes). The last
/// honoured interview is the first entry per person of a backward index-only scan of
/// `appointments_by_person_status` (no aggregate state copied per row), the appointments to
/// come and to set a pass over the small `appointments_to_come` (`server/caseload.rs`):
/// the one grouped pass over every appointment with three `FILTER` aggregates was half of
/// the server's time (26 ms of CPU at 10k people, against 8 + 3 ms). Parameters (in
/// the server's numbering, run by `server/caseload.rs`): `$1` the instant, `$2` today, `$3`
/// the open action statuses (`text[]`).
pub const CASELOAD_SQL_SERVER: &str = "
SELECT p.id, p.dossier, p.nom, p.prenom, p.nom_usage, p.birth_date, p.commune,
       s.dispositif, s.referent, s.date_orientation, s.date_premier_contact, s.sortie_date,
       s.contrat_fin,
       h.last_honoured, a.next_appt, coalesce(a.to_set, 0) AS to_set,
       coalesce(x.overdue, 0) AS overdue,
       p.archived_at IS NOT NULL AS archived
FROM persons p
LEFT JOIN (SELECT DISTINCT ON (person_id) person_id, dispositif, referent, date_orientation,
                  date_premier_contact, sortie_date, contrat_fin
           FROM suivis
           ORDER BY person_id, (sortie_date IS NULL) DESC, id DESC) s ON s.person_id = p.id
LEFT JOIN (SELECT DISTINCT ON (person_id) person_id, start AS last_honoured
           FROM appointments WHERE status = 'honore' AND start IS NOT NULL
           ORDER BY person_id DESC, start DESC) h ON h.person_id = p.id
LEFT JOIN (SELECT person_id,
                  MIN(start) FILTER (WHERE start >= $1) AS next_appt,
                  COUNT(*) FILTER (WHERE start < $1) AS to_set
           FROM appointments WHERE status = 'a_venir' GROUP BY person_id) a ON a.person_id = p.id
LEFT JOIN (SELECT person_id, COUNT(*) AS overdue FROM actions
           WHERE due < $2 AND status = ANY($3)
           GROUP BY person_id) x ON x.person_id = p.id";

/// Two ASCII digits as a number.
fn two_digits(hi: u8, lo: u8) -> Option<u32> {
    (hi.is_ascii_digit() && lo.is_ascii_digit())
        .then(|| u32::from(hi - b'0') * 10 + u32::from(lo - b'0'))
}

/// "YYYY-MM-DD", the form the store writes, parsed without chrono's format interpreter.
pub(crate) fn canonical_date(t: &[u8]) -> Option<NaiveDate> {
    let [y0, y1, y2, y3, b'-', m0, m1, b'-', d0, d1] = *t else {
        return None;
    };
    let year = two_digits(y0, y1)? * 100 + two_digits(y2, y3)?;
    NaiveDate::from_ymd_opt(year as i32, two_digits(m0, m1)?, two_digits(d0, d1)?)
}

/// Column `i` as an optional date: the canonical text fast, anything else (and errors)
/// through rusqlite's own conversion, so the result is the same as `r.get(i)`.
fn date_at(r: &db::Row, i: usize) -> rusqlite::Result<Option<NaiveDate>> {
    if let Ok(rusqlite::types::ValueRef::Text(t)) = r.get_ref(i) {
        if let Some(d) = canonical_date(t) {
            return Ok(Some(d));
        }
    }
    r.get(i)
}

/// Column `i` as an optional date and time, like [`date_at`] for "YYYY-MM-DD HH:MM:SS".
fn datetime_at(r: &db::Row, i: usize) -> rusqlite::Result<Option<NaiveDateTime>> {
    if let Ok(rusqlite::types::ValueRef::Text(t)) = r.get_ref(i) {
        if let Some(d) = canonical_datetime(t) {
            return Ok(Some(d));
        }
    }
    r.get(i)
}

/// "YYYY-MM-DD HH:MM:SS", the form the store writes, like [`canonical_date`].
pub(crate) fn canonical_datetime(t: &[u8]) -> Option<NaiveDateTime> {
    let [date @ .., b' ', h0, h1, b':', m0, m1, b':', s0, s1] = t else {
        return None;
    };
    let time = two_digits(*h0, *h1).and_then(|h| {
        chrono::NaiveTime::from_hms_opt(h, two_digits(*m0, *m1)?, two_digits(*s0, *s1)?)
    })?;
    Some(canonical_date(date)?.and_time(time))
}

/// Column `i` as a compact text (no `String` in between); NULL as `None`.
fn compact_at(r: &db::Row, i: usize) -> rusqlite::Result<Option<compact_str::CompactString>> {
    match r.get_ref(i)? {
        rusqlite::types::ValueRef::Null => Ok(None),
        rusqlite::types::ValueRef::Text(t) => std::str::from_utf8(t)
            .map(|t| Some(t.into()))
            .map_err(rusqlite::Error::Utf8Error),
        other => Err(rusqlite::Error::InvalidColumnType(
            i,
            format!("column {i}"),
            other.data_type(),
        )),
    }
}

/// [`compact_at`] for a NOT NULL column.
fn compact_text(r: &db::Row, i: usize) -> rusqlite::Result<compact_str::CompactString> {
    compact_at(r, i)?.ok_or(rusqlite::Error::InvalidColumnType(
        i,
        format!("column {i}"),
        rusqlite::types::Type::Null,
    ))
}

/// Builds one caseload row from a row of [`CASELOAD_SQL`].
pub(super) fn caseload_row(r: &db::Row) -> rusqlite::Result<CaseloadRow> {
    Ok(CaseloadRow {
        person_id: r.get(0)?,
        dossier: compact_text(r, 1)?,
        nom: compact_text(r, 2)?,
        prenom: compact_text(r, 3)?,
        nom_usage: compact_text(r, 4)?,
        birth_date: date_at(r, 5)?,
        commune: compact_text(r, 6)?,
        dispositif: compact_at(r, 7)?,
        referent: compact_at(r, 8)?.unwrap_or_default(),
        date_orientation: date_at(r, 9)?,
        date_premier_contact: date_at(r, 10)?,
        sortie_date: date_at(r, 11)?,
        contrat_fin: date_at(r, 12)?,
        last_honoured: datetime_at(r, 13)?,
        next_appt: datetime_at(r, 14)?,
        to_set: r.get(15)?,
        overdue: r.get(16)?,
        archived: r.get(17)?,
    })
}

/// The caseload rows of `persons p` matching `condition` (SQL after `WHERE`, may use
/// `?4`), unordered.
fn caseload_where(
    conn: &Connection,
    now: NaiveDateTime,
    open_action_statuses: &[String],
    condition: Option<(&str, &dyn rusqlite::ToSql)>,
) -> Result<Vec<CaseloadRow>> {
    let statuses = serde_json::to_string(open_action_statuses).unwrap_or_else(|_| "[]".into());
    let rows = match condition {
        None => conn
            .prepare_cached(CASELOAD_SQL)?
            .query_map(params![now, now.date(), statuses], |r| {
                caseload_row(&db::Row::lite(r))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?,
        Some((cond, p4)) => conn
            .prepare_cached(&format!("{CASELOAD_SQL}\nWHERE {cond}"))?
            .query_map(params![now, now.date(), statuses, p4], |r| {
                caseload_row(&db::Row::lite(r))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?,
    };
    Ok(rows)
}

/// The sort key of the caseload: [`crate::text::sort_key`] of nom and prénom.
fn name_key(nom: &str, prenom: &str) -> crate::text::SortKey {
    crate::text::sort_key(&[nom, prenom])
}

/// The whole caseload in name order on `conn` (see [`Store::caseload`]).
fn caseload_on(
    conn: &Connection,
    now: NaiveDateTime,
    open_action_statuses: &[String],
) -> Result<Vec<CaseloadRow>> {
    let mut rows = caseload_where(conn, now, open_action_statuses, None)?;
    sort_caseload(&mut rows);
    Ok(rows)
}

/// The caseload's order, on both backends: name order in Rust, on the folded key (SQL's
/// byte order put « dupont », « Œuvray » and « HUET Émilie » after « VIDAL » / « HUET
/// Yasmine »), the id between homonyms.
///
/// Each distinct name's key is made and compared once: a caseload holds many homonyms
/// (the same nom and prénom), whose keys compare equal only after their lowercased texts
/// are built, at each comparison. The order is exactly that of sorting the rows by
/// `(name_key, id)` (a test says so): equal keys share a rank, the id orders each rank.
/// At 100k demo people the sort took 287 ms that way (`cargo bench --bench server`).
pub(crate) fn sort_caseload(rows: &mut Vec<CaseloadRow>) {
    let mut keys: Vec<crate::text::SortKey> = Vec::new();
    let name_of: Vec<usize> = {
        let mut distinct: std::collections::HashMap<(&str, &str), usize> =
            std::collections::HashMap::with_capacity(rows.len() / 2);
        rows.iter()
            .map(|r| {
                *distinct
                    .entry((r.nom.as_str(), r.prenom.as_str()))
                    .or_insert_with(|| {
                        keys.push(name_key(&r.nom, &r.prenom));
                        keys.len() - 1
                    })
            })
            .collect()
    };
    let mut by_key: Vec<usize> = (0..keys.len()).collect();
    by_key.sort_unstable_by(|&a, &b| keys[a].cmp(&keys[b]));
    let mut rank = vec![0usize; keys.len()];
    for (i, &k) in by_key.iter().enumerate() {
        rank[k] = match i {
            0 => 0,
            _ if keys[by_key[i - 1]] == keys[k] => rank[by_key[i - 1]],
            _ => i,
        };
    }
    let mut order: Vec<(usize, Id, usize)> = rows
        .iter()
        .zip(&name_of)
        .enumerate()
        .map(|(i, (r, &n))| (rank[n], r.person_id, i))
        .collect();
    order.sort_unstable();
    let mut taken: Vec<Option<CaseloadRow>> = std::mem::take(rows).into_iter().map(Some).collect();
    *rows = order
        .into_iter()
        .filter_map(|(_, _, i)| taken[i].take())
        .collect();
}

/// The whole caseload in name order on the server ([`CASELOAD_SQL_SERVER`], see
/// `server/caseload.rs`).
pub(super) fn caseload_server(
    db: &db::PgConn,
    now: NaiveDateTime,
    open_action_statuses: &[String],
) -> Result<Vec<CaseloadRow>> {
    super::server::caseload::whole_on_store_connection(&mut db.client(), now, open_action_statuses)
}

/// The caseload's first screenful, both backends: once every name starting with a letter up
/// to `last` has been read into `pending`, the people whose folded name sorts before the
/// next letter are known; they leave `pending` for the sorted prefix `order`.
pub(super) fn known_through(
    last: u8,
    pending: &mut Vec<(crate::text::SortKey, Id)>,
    order: &mut Vec<Id>,
) {
    let (mut ready, rest): (Vec<_>, Vec<_>) = if last == b'z' {
        (std::mem::take(pending), Vec::new())
    } else {
        let bound = crate::text::sort_key(&[&((last + 1) as char).to_string()]);
        std::mem::take(pending)
            .into_iter()
            .partition(|(k, _)| *k < bound)
    };
    *pending = rest;
    ready.sort();
    order.extend(ready.into_iter().map(|(_, id)| id));
}

/// The first rows of the caseload, as [`Store::caseload_first`] returns them.
pub struct CaseloadStart {
    /// A prefix of [`Store::caseload`]'s rows, in the same order.
    pub rows: Vec<CaseloadRow>,
    /// The prefix is the whole caseload.
    pub complete: bool,
}

/// Below this many people the first screenful is the whole caseload (one query, as fast).
pub const CASELOAD_SMALL: usize = 1000;

/// A second, read-only connection to the same base, for loading the whole caseload on
/// another thread while the first screenful is on screen (the store's connection stays
/// on the terminal's thread: a `rusqlite::Connection` is `Send`, not `Sync`).
pub struct CaseloadReader {
    conn: Connection,
    now: NaiveDateTime,
}

impl CaseloadReader {
    /// [`Store::caseload`], on this connection.
    pub fn caseload(&self, open_action_statuses: &[String]) -> Result<Vec<CaseloadRow>> {
        caseload_on(&self.conn, self.now, open_action_statuses)
    }
}

impl Store {
    /// The whole caseload, one row per person, in one query, in name order
    /// ([`crate::text::sort_key`] of nom and prénom; the id between homonyms).
    /// `open_action_statuses`: action status codes that still need work (from the referential).
    pub fn caseload(&self, open_action_statuses: &[String]) -> Result<Vec<CaseloadRow>> {
        caseload_on(&self.conn, self.clock.now(), open_action_statuses)
    }

    /// A read-only connection to this base under the same key, the clock read now (the
    /// rows it loads are those [`Store::caseload`] would give at this instant).
    pub fn caseload_reader(&self) -> Result<CaseloadReader> {
        let conn = Connection::open_with_flags(
            &self.path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        conn.busy_timeout(super::BUSY_TIMEOUT)?;
        if let Some(k) = self.key() {
            super::apply_key(&conn, k)?;
        }
        Ok(CaseloadReader {
            conn,
            now: self.clock.now(),
        })
    }

    /// The first rows of the caseload in name order, without reading every person: at
    /// least `want` rows that `keep` accepts (the list's filters), or all of them. The
    /// people are taken by the first letter of their nom: the odd ones (not starting with
    /// an ASCII letter: accents, digits, spaces), then A, B… through `persons_by_nom`;
    /// all people whose folded name starts before the next letter are then known, sorted,
    /// and their full rows read in that order, a batch at a time. `max_rows` bounds the
    /// full rows read (a filter that keeps few people): the prefix is then shorter.
    pub fn caseload_first(
        &self,
        open_action_statuses: &[String],
        want: usize,
        max_rows: usize,
        keep: &mut dyn FnMut(&CaseloadRow) -> bool,
    ) -> Result<CaseloadStart> {
        let small: i64 = self.conn.query_row(
            &format!("SELECT COUNT(*) FROM (SELECT 1 FROM persons LIMIT {CASELOAD_SMALL})"),
            [],
            |r| r.get(0),
        )?;
        if (small as usize) < CASELOAD_SMALL {
            return Ok(CaseloadStart {
                rows: self.caseload(open_action_statuses)?,
                complete: true,
            });
        }
        let now = self.clock.now();
        let names =
            |sql: &str, p: &[&dyn rusqlite::ToSql]| -> Result<Vec<(crate::text::SortKey, Id)>> {
                let mut stmt = self.conn.prepare_cached(sql)?;
                let v = stmt
                    .query_map(p, |r| {
                        let nom: String = r.get(1)?;
                        let prenom: String = r.get(2)?;
                        Ok((name_key(&nom, &prenom), r.get(0)?))
                    })?
                    .collect::<rusqlite::Result<Vec<_>>>()?;
                Ok(v)
            };
        // One range of `persons_by_nom` each (checked by a test with EXPLAIN QUERY PLAN).
        const BETWEEN: &str = "SELECT id, nom, prenom FROM persons WHERE nom >= ?1 AND nom < ?2";
        let between = |a: &str, b: &str| names(BETWEEN, &[&a, &b]);
        // Not starting with an ASCII letter: before A, between Z and a, after z.
        let mut pending = names("SELECT id, nom, prenom FROM persons WHERE nom < 'A'", &[])?;
        pending.extend(between("[", "a")?);
        pending.extend(names(
            "SELECT id, nom, prenom FROM persons WHERE nom >= '{'",
            &[],
        )?);
        let mut order: Vec<Id> = Vec::new(); // known prefix, sorted
        let mut next = 0; // first of `order` whose full row is not read yet
        let mut rows = Vec::new();
        let mut kept = 0;
        let mut read = 0;
        for letter in b'a'..=b'z' {
            let range = |c: u8| ((c as char).to_string(), ((c + 1) as char).to_string());
            for (from, to) in [range(letter.to_ascii_uppercase()), range(letter)] {
                pending.extend(between(&from, &to)?);
            }
            // Everybody whose letters come before the next letter is known now.
            known_through(letter, &mut pending, &mut order);
            // Full rows for the known prefix, in order, until enough are kept.
            while next < order.len() && kept < want && read < max_rows {
                // One seek per person (`p.id = ?4`): an `IN` list made SQLite scan persons.
                let id = order[next];
                next += 1;
                let got = caseload_where(
                    &self.conn,
                    now,
                    open_action_statuses,
                    Some(("p.id = ?4", &id)),
                )?;
                read += 1;
                kept += got.iter().filter(|r| keep(r)).count();
                rows.extend(got);
            }
            if kept >= want || read >= max_rows {
                let complete = pending.is_empty() && letter == b'z' && next == order.len();
                return Ok(CaseloadStart { rows, complete });
            }
        }
        Ok(CaseloadStart {
            complete: next == order.len(),
            rows,
        })
    }

    /// Whether `me` (compared folded) is the referent of somebody's current suivi: the
    /// distinct referents by one seek each in `suivis_by_referent`, then, for a referent
    /// that matches, one of its suivis that is its person's current one.
    pub fn is_referent_of_anybody(&self, me: &str) -> Result<bool> {
        is_referent_of_anybody_on(&self.conn, me)
    }

    /// One person's complete file.
    pub fn person_file(&self, person_id: Id) -> Result<PersonFile> {
        person_file_on(&self.conn, person_id)
    }

    pub fn person_id_by_dossier(&self, dossier: &str) -> Result<Option<Id>> {
        Ok(self
            .conn
            .query_row(
                "SELECT id FROM persons WHERE dossier=?1",
                [dossier.trim()],
                |r| r.get(0),
            )
            .optional()?)
    }

    pub fn person_ids(&self) -> Result<Vec<Id>> {
        person_ids_on(&self.conn)
    }

    /// Current version of a person's file (bumped by every change in it).
    pub fn person_version(&self, person_id: Id) -> Result<Option<i64>> {
        person_version_on(&self.conn, person_id)
    }

    /// Appointments starting in [from, to), all people (uses `appointments_by_start`).
    pub fn agenda(&self, from: NaiveDateTime, to: NaiveDateTime) -> Result<Vec<AgendaItem>> {
        agenda_on(&self.conn, from, to)
    }

    /// Past appointments still "à venir" (status to set), all people, oldest first.
    /// Scans `appointments_by_start` up to `now`.
    pub fn appointments_to_set(&self, limit: usize) -> Result<Vec<AgendaItem>> {
        appointments_to_set_on(&self.conn, self.clock.now(), limit)
    }

    /// Open actions due before `today`, all people, oldest due first.
    pub fn overdue_actions(
        &self,
        today: NaiveDate,
        open_action_statuses: &[String],
        limit: usize,
    ) -> Result<Vec<OverdueItem>> {
        overdue_on(&self.conn, today, open_action_statuses, limit)
    }
}

/// The person's name columns of a join on `persons p`, read by [`person_name`].
const PERSON_NAME: &str = "p.nom AS p_nom, p.prenom AS p_prenom";

/// "NOM Prénom" from the columns of [`PERSON_NAME`].
fn person_name(r: &db::Row) -> rusqlite::Result<String> {
    Ok(format!(
        "{} {}",
        r.get::<_, String>("p_nom")?.to_uppercase(),
        r.get::<_, String>("p_prenom")?
    ))
}

/// One person's complete file on `db` (either backend).
pub(super) fn person_file_on(c: &dyn Exec, person_id: Id) -> Result<PersonFile> {
    Ok(PersonFile {
        person: sql::one(c, person_id)?.ok_or(StoreError::NotFound)?,
        suivis: sql::list(c, person_id)?,
        diagnostics: sql::list(c, person_id)?,
        barriers: sql::list(c, person_id)?,
        objectives: sql::list(c, person_id)?,
        actions: sql::list(c, person_id)?,
        appointments: sql::list(c, person_id)?,
        notes: sql::list(c, person_id)?,
        etapes: sql::list(c, person_id)?,
        saisines: sql::list(c, person_id)?,
        veilles: sql::list(c, person_id)?,
        eligibilities: sql::list(c, person_id)?,
    })
}

/// Every person's id in n° de dossier order.
pub(super) fn person_ids_on(db: &dyn Exec) -> Result<Vec<Id>> {
    db::query_map(db, "SELECT id FROM persons ORDER BY dossier", &[], |r| {
        r.get(0)
    })
}

/// Current version of a person's file.
pub(super) fn person_version_on(db: &dyn Exec, person_id: Id) -> Result<Option<i64>> {
    db::query_optional(
        db,
        "SELECT version FROM persons WHERE id=?1",
        &[&person_id],
        |r| r.get(0),
    )
}

/// See [`Store::is_referent_of_anybody`], on either backend.
pub(super) fn is_referent_of_anybody_on(db: &dyn Exec, me: &str) -> Result<bool> {
    let me = crate::text::fold(me.trim());
    if me.is_empty() {
        return Ok(false);
    }
    let mut after = String::new();
    // The empty referent never matches a non-empty name: start after it.
    while let Some(r) = db::query_one(
        db,
        "SELECT MIN(referent) FROM suivis WHERE referent > ?1",
        &[&after],
        |r| r.get::<_, Option<String>>(0),
    )? {
        if crate::text::fold(&r) == me
            && db::query_one(
                db,
                "SELECT EXISTS (SELECT 1 FROM suivis s WHERE s.referent = ?1 AND s.id = (
                    SELECT s2.id FROM suivis s2 WHERE s2.person_id = s.person_id
                    ORDER BY (s2.sortie_date IS NULL) DESC, s2.id DESC LIMIT 1))",
                &[&r],
                |r| r.get::<_, bool>(0),
            )?
        {
            return Ok(true);
        }
        after = r;
    }
    Ok(false)
}

/// Appointments starting in [from, to), all people (see [`Store::agenda`]).
pub(super) fn agenda_on(
    db: &dyn Exec,
    from: NaiveDateTime,
    to: NaiveDateTime,
) -> Result<Vec<AgendaItem>> {
    agenda_items(
        db,
        "a.start >= ?1 AND a.start < ?2 ORDER BY a.start, p.nom",
        &[&from, &to],
    )
}

/// Past appointments still "à venir" (see [`Store::appointments_to_set`]).
pub(super) fn appointments_to_set_on(
    db: &dyn Exec,
    now: NaiveDateTime,
    limit: usize,
) -> Result<Vec<AgendaItem>> {
    agenda_items(
        db,
        "a.status = 'a_venir' AND a.start < ?1 ORDER BY a.start DESC LIMIT ?2",
        &[&now, &(limit as i64)],
    )
}

/// Where the fields of `T` are among the columns of `r`, found by name once per query.
fn fields_at<T: Stored>(
    at: &mut Option<Vec<Option<usize>>>,
    r: &db::Row,
) -> rusqlite::Result<Vec<Option<usize>>> {
    if at.is_none() {
        *at = Some(
            T::FIELDS
                .iter()
                .map(|f| r.column_index(f).map(Some))
                .collect::<rusqlite::Result<_>>()?,
        );
    }
    Ok(at.clone().unwrap_or_default())
}

/// Appointments of files not archived, with who they are for: `condition` on the
/// appointment `a` and the person `p`, followed by its order.
fn agenda_items(
    db: &dyn Exec,
    condition: &str,
    params: &[&dyn rusqlite::ToSql],
) -> Result<Vec<AgendaItem>> {
    let sql = format!(
        "SELECT {}, p.dossier AS p_dossier, {PERSON_NAME}
         FROM {} a JOIN {} p ON p.id = a.person_id
         WHERE p.archived_at IS NULL AND {condition}",
        sql::select_list(&APPOINTMENTS, Some("a")),
        APPOINTMENTS.name,
        PERSONS.name,
    );
    let mut at = None;
    db::query_map(db, &sql, params, |r| {
        let at = fields_at::<Appointment>(&mut at, r)?;
        Ok(AgendaItem {
            appointment: Appointment::read_columns(r, &at)?,
            person_id: r.get("person_id")?,
            person_name: person_name(r)?,
            dossier: r.get("p_dossier")?,
        })
    })
}

/// Open actions due before `today`, all people, oldest due first.
pub(super) fn overdue_on(
    db: &dyn Exec,
    today: NaiveDate,
    open_action_statuses: &[String],
    limit: usize,
) -> Result<Vec<OverdueItem>> {
    let statuses = serde_json::to_string(open_action_statuses).unwrap_or_else(|_| "[]".into());
    let sql = format!(
        "SELECT {}, {PERSON_NAME}
         FROM {} x JOIN {} p ON p.id = x.person_id
         WHERE x.due < ?1 AND x.status IN (SELECT value FROM {})
           AND p.archived_at IS NULL
         ORDER BY x.due LIMIT ?3",
        sql::select_list(&ACTIONS, Some("x")),
        ACTIONS.name,
        PERSONS.name,
        json_list(db, 2),
    );
    let mut at = None;
    db::query_map(db, &sql, &[&today, &statuses, &(limit as i64)], |r| {
        let at = fields_at::<PlanAction>(&mut at, r)?;
        Ok(OverdueItem {
            action: PlanAction::read_columns(r, &at)?,
            person_id: r.get("person_id")?,
            person_name: person_name(r)?,
        })
    })
}

/// The table of the texts of the JSON array in parameter `?n`: `json_each` in SQLite,
/// `jsonb_array_elements_text` on the server.
fn json_list(db: &dyn Exec, n: usize) -> String {
    match db.dialect() {
        db::Dialect::Sqlite => format!("json_each(?{n})"),
        db::Dialect::Postgres => format!("jsonb_array_elements_text(CAST(?{n} AS text)::jsonb)"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rusqlite::types::Value;

    /// The fast conversions give exactly what rusqlite's chrono conversion gives.
    fn same_as_rusqlite(v: Value) {
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        conn.query_row("SELECT ?1", [&v], |r| {
            let fast = date_at(&db::Row::lite(r), 0).map_err(|e| e.to_string());
            let slow = r.get::<_, Option<NaiveDate>>(0).map_err(|e| e.to_string());
            assert_eq!(fast, slow, "{v:?}");
            let fast = datetime_at(&db::Row::lite(r), 0).map_err(|e| e.to_string());
            let slow = r
                .get::<_, Option<NaiveDateTime>>(0)
                .map_err(|e| e.to_string());
            assert_eq!(fast, slow, "{v:?}");
            Ok(())
        })
        .unwrap();
    }

    #[test]
    fn fast_dates_match_rusqlite_examples() {
        for s in [
            "2026-03-02",
            "2024-02-29",
            "2023-02-29",
            "2026-13-01",
            "0000-01-01",
            "2026-3-02",
            " 2026-03-02",
            "2026-03-02 10:00:00",
            "2026-03-02 23:59:60",
            "2026-03-02 24:00:00",
            "2026-03-02T10:00:00",
            "2026-03-02 10:00:00.250",
            "2026-03-02 10:00",
            "",
        ] {
            same_as_rusqlite(Value::Text(s.into()));
        }
        same_as_rusqlite(Value::Null);
        same_as_rusqlite(Value::Integer(20260302));
    }

    /// The caseload's sort gives exactly the order of sorting by `(name_key, id)`: names
    /// that differ by case, accents, spaces or punctuation only, homonyms, ids in any order.
    #[test]
    fn the_caseload_sort_is_the_name_key_order() {
        let noms = [
            "Dupont",
            "DUPONT",
            "dupont",
            "Dupont ",
            "Du Pont",
            "Dupont-Martin",
            "Dûpont",
            "Œuvray",
            "Oeuvray",
            "1er",
            "",
            " aaron",
            "Ярослав",
            "Le Bris",
            "LE",
            "ß",
            "ss",
        ];
        let prenoms = ["Léa", "Lea", "LÉA", "", "Émilie", "emilie", "Zoé"];
        let mut rows = Vec::new();
        let mut id = 7919;
        for round in 0..3 {
            for (i, nom) in noms.iter().enumerate() {
                for (j, prenom) in prenoms.iter().enumerate() {
                    if (i + j + round) % 3 != 0 {
                        id = (id * 7 + 13) % 100_003;
                        rows.push(CaseloadRow {
                            person_id: id,
                            nom: (*nom).into(),
                            prenom: (*prenom).into(),
                            ..Default::default()
                        });
                    }
                }
            }
        }
        let mut expected = rows.clone();
        expected.sort_by_cached_key(|r| (name_key(&r.nom, &r.prenom), r.person_id));
        sort_caseload(&mut rows);
        assert_eq!(rows, expected);
    }

    proptest! {
        #[test]
        fn fast_dates_match_rusqlite(s in "[0-9]{4}-[0-9]{2}-[0-9]{2}( [0-9]{2}:[0-9]{2}:[0-9]{2})?") {
            same_as_rusqlite(Value::Text(s));
        }
    }
}
