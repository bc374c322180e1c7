//! The caseload on the server: the first screenful after the login in a few milliseconds
//! whatever the number of people ([`ServerStore::caseload_first`]), then the whole list on a
//! second connection of the same role, on another thread ([`ServerStore::caseload_reader`]),
//! as the app does on the local file (`Store::caseload_first`, `Store::caseload_reader`).
//!
//! Rows are decoded straight from the server's binary results into [`CaseloadRow`] (no
//! intermediate SQLite value per column) and streamed as they arrive; each statement goes
//! with its parameters' types in one round trip (nothing prepared apart).

use super::{connect, Credentials, ServerError, ServerStore};
use crate::domain::{CaseloadRow, Id};
use crate::store::db::server_error;
use crate::store::queries::{self, CASELOAD_SQL_SERVER};
use crate::store::{CaseloadStart, Result, StoreError, CASELOAD_SMALL};
use chrono::{NaiveDate, NaiveDateTime};
use postgres::fallible_iterator::FallibleIterator;
use postgres::types::{ToSql, Type};
use postgres::Client;
use std::collections::HashMap;
use std::time::Duration;

/// The caseload rows of the people whose ids are in `$4` (same columns as
/// [`CASELOAD_SQL_SERVER`]): for a screenful of people, one seek per person and figure
/// (`suivis_by_person`, `appointments_by_person_status`, `actions_by_person_due`), where the
/// set-based form would read every table whole.
const CASELOAD_OF_SQL: &str = "
SELECT p.id, p.dossier, p.nom, p.prenom, p.nom_usage, p.birth_date, p.commune,
       s.dispositif, s.referent, s.date_orientation, s.date_premier_contact, s.sortie_date,
       s.contrat_fin, a.last_honoured, a.next_appt, a.to_set, x.overdue,
       p.archived_at IS NOT NULL AS archived
FROM persons p
LEFT JOIN LATERAL (
    SELECT s2.dispositif, s2.referent, s2.date_orientation, s2.date_premier_contact,
           s2.sortie_date, s2.contrat_fin
    FROM suivis s2 WHERE s2.person_id = p.id
    ORDER BY (s2.sortie_date IS NULL) DESC, s2.id DESC LIMIT 1) s ON true
CROSS JOIN LATERAL (
    SELECT MAX(start) FILTER (WHERE status = 'honore') AS last_honoured,
           MIN(start) FILTER (WHERE status = 'a_venir' AND start >= $1) AS next_appt,
           COUNT(*) FILTER (WHERE status = 'a_venir' AND start < $1) AS to_set
    FROM appointments WHERE person_id = p.id) a
CROSS JOIN LATERAL (
    SELECT COUNT(*) AS overdue FROM actions
    WHERE person_id = p.id AND due < $2 AND status = ANY($3)) x
WHERE p.id = ANY($4)";

/// People by the first byte of their nom, in byte order (`COLLATE \"C\"`, the columns'
/// own collation, see `ddl.rs`): two ranges of [`SERVER_INDEXES`]'s `persons_by_nom_id`,
/// the upper- and lower-case letters; index-only scans, hence `UNION ALL` rather than `OR`
/// (which PostgreSQL runs as a bitmap scan, visiting the table's pages).
const NAMES_BETWEEN_SQL: &str = "
SELECT id, nom, prenom FROM persons WHERE nom COLLATE \"C\" >= $1 AND nom COLLATE \"C\" < $2
UNION ALL
SELECT id, nom, prenom FROM persons WHERE nom COLLATE \"C\" >= $3 AND nom COLLATE \"C\" < $4";

/// The people whose nom does not start with an ASCII letter (accents, digits, spaces,
/// punctuation: they may sort anywhere) and those starting with A or a, in one statement.
const NAMES_FIRST_SQL: &str = "
SELECT id, nom, prenom FROM persons WHERE nom COLLATE \"C\" < 'B'
UNION ALL
SELECT id, nom, prenom FROM persons WHERE nom COLLATE \"C\" >= '[' AND nom COLLATE \"C\" < 'b'
UNION ALL
SELECT id, nom, prenom FROM persons WHERE nom COLLATE \"C\" >= '{'";

/// Indexes only the server has, created by `serveur initialiser` after those derived from
/// the SQLite schema (`ddl::initialise`).
///
/// `persons_by_nom_id`: the first screenful's letter ranges ([`NAMES_FIRST_SQL`],
/// [`NAMES_BETWEEN_SQL`]) read id, nom and prénom of a few thousand people at 100k. On the
/// file `persons_by_nom` covers them (a SQLite index holds the rowid, the id); a PostgreSQL
/// index holds a pointer to the table's row instead, so without the id included each
/// person is a visit to the table's page: 6–14 ms for the 3,441 people of the odd names and
/// the A's at 100k, against 0.7 ms as index-only scans (`EXPLAIN ANALYZE`, loopback).
///
/// `appointments_to_come`: the whole caseload's appointments to come and to set per person
/// ([`CASELOAD_SQL_SERVER`]) are the « à venir » ones, a tenth of all: a pass over this
/// small index instead of a filtered pass over the table (10 → 3 ms of the server's CPU at
/// 10k people, measured on the backend process); it is written only for « à venir »
/// appointments.
pub(crate) const SERVER_INDEXES: &[&str] = &[
    "CREATE INDEX persons_by_nom_id ON persons (nom, prenom) INCLUDE (id)",
    "CREATE INDEX appointments_to_come ON appointments (person_id, start) \
     WHERE status = 'a_venir'",
];

/// How long the whole list may take on the reader's connection: it loads in the background
/// (the screen shows the first rows meanwhile), so past the interactive
/// [`super::STATEMENT_TIMEOUT`]; still bounded, so a server in trouble does not hold it.
const READER_STATEMENT_TIMEOUT: Duration = Duration::from_secs(30);

/// The statement's parameters: the instant as the file binds it (rusqlite's text form, so
/// the comparisons with the stored texts are the same), today's date, the open statuses.
struct Params {
    now: String,
    today: String,
    statuses: Vec<String>,
}

impl Params {
    fn new(now: NaiveDateTime, open_action_statuses: &[String]) -> Result<Params> {
        let text = |v: &dyn rusqlite::ToSql| -> Result<String> {
            match v.to_sql()? {
                rusqlite::types::ToSqlOutput::Owned(rusqlite::types::Value::Text(s)) => Ok(s),
                rusqlite::types::ToSqlOutput::Borrowed(rusqlite::types::ValueRef::Text(t)) => {
                    Ok(String::from_utf8_lossy(t).into_owned())
                }
                _ => Err(StoreError::Server("date sans forme texte".into())),
            }
        };
        Ok(Params {
            now: text(&now)?,
            today: text(&now.date())?,
            statuses: open_action_statuses.to_vec(),
        })
    }

    fn typed(&self) -> [(&(dyn ToSql + Sync), Type); 3] {
        [
            (&self.now, Type::TEXT),
            (&self.today, Type::TEXT),
            (&self.statuses, Type::TEXT_ARRAY),
        ]
    }
}

/// Column `i` as text (NULL: `None`), borrowed from the row.
fn text(r: &postgres::Row, i: usize) -> Result<Option<&str>> {
    r.try_get::<_, Option<&str>>(i).map_err(server_error)
}

fn compact(r: &postgres::Row, i: usize) -> Result<compact_str::CompactString> {
    Ok(text(r, i)?.unwrap_or_default().into())
}

/// A conversion the fast forms did not take: rusqlite's own, as the file reads it.
fn by_rusqlite<T: rusqlite::types::FromSql>(i: usize, t: &str) -> Result<T> {
    T::column_result(rusqlite::types::ValueRef::Text(t.as_bytes())).map_err(|e| {
        StoreError::from(rusqlite::Error::FromSqlConversionFailure(
            i,
            rusqlite::types::Type::Text,
            Box::new(e),
        ))
    })
}

fn date(r: &postgres::Row, i: usize) -> Result<Option<NaiveDate>> {
    match text(r, i)? {
        None => Ok(None),
        Some(t) => match queries::canonical_date(t.as_bytes()) {
            Some(d) => Ok(Some(d)),
            None => by_rusqlite(i, t).map(Some),
        },
    }
}

fn datetime(r: &postgres::Row, i: usize) -> Result<Option<NaiveDateTime>> {
    match text(r, i)? {
        None => Ok(None),
        Some(t) => match queries::canonical_datetime(t.as_bytes()) {
            Some(d) => Ok(Some(d)),
            None => by_rusqlite(i, t).map(Some),
        },
    }
}

fn count(r: &postgres::Row, i: usize) -> Result<u32> {
    let n = r.try_get::<_, Option<i64>>(i).map_err(server_error)?;
    u32::try_from(n.unwrap_or(0))
        .map_err(|_| StoreError::Server(format!("compte hors bornes ({n:?})")))
}

/// One caseload row from a row of [`CASELOAD_SQL_SERVER`] or [`CASELOAD_OF_SQL`].
fn caseload_row(r: &postgres::Row) -> Result<CaseloadRow> {
    Ok(CaseloadRow {
        person_id: r.try_get(0).map_err(server_error)?,
        dossier: compact(r, 1)?,
        nom: compact(r, 2)?,
        prenom: compact(r, 3)?,
        nom_usage: compact(r, 4)?,
        birth_date: date(r, 5)?,
        commune: compact(r, 6)?,
        dispositif: text(r, 7)?.map(Into::into),
        referent: compact(r, 8)?,
        date_orientation: date(r, 9)?,
        date_premier_contact: date(r, 10)?,
        sortie_date: date(r, 11)?,
        contrat_fin: date(r, 12)?,
        last_honoured: datetime(r, 13)?,
        next_appt: datetime(r, 14)?,
        to_set: count(r, 15)?,
        overdue: count(r, 16)?,
        archived: r.try_get(17).map_err(server_error)?,
    })
}

/// Runs `sql` with its typed parameters, each row decoded as it arrives.
fn rows_of(
    client: &mut Client,
    sql: &str,
    params: &[(&(dyn ToSql + Sync), Type)],
) -> Result<Vec<CaseloadRow>> {
    let mut it = client
        .query_typed_raw(sql, params.iter().map(|(v, t)| (*v, t.clone())))
        .map_err(server_error)?;
    let mut out = Vec::with_capacity(it.size_hint().0);
    while let Some(r) = it.next().map_err(server_error)? {
        out.push(caseload_row(&r)?);
    }
    Ok(out)
}

/// The whole caseload in name order on `client` (see [`ServerStore::caseload`]).
pub(crate) fn whole(
    client: &mut Client,
    now: NaiveDateTime,
    open_action_statuses: &[String],
) -> Result<Vec<CaseloadRow>> {
    let p = Params::new(now, open_action_statuses)?;
    let mut rows = rows_of(client, CASELOAD_SQL_SERVER, &p.typed())?;
    queries::sort_caseload(&mut rows);
    Ok(rows)
}

/// `(sort key, id)` of the people `sql` gives (`id, nom, prenom`).
fn names(
    client: &mut Client,
    sql: &str,
    params: &[(&(dyn ToSql + Sync), Type)],
) -> Result<Vec<(crate::text::SortKey, Id)>> {
    let mut it = client
        .query_typed_raw(sql, params.iter().map(|(v, t)| (*v, t.clone())))
        .map_err(server_error)?;
    let mut out = Vec::new();
    while let Some(r) = it.next().map_err(server_error)? {
        let nom = text(&r, 1)?.unwrap_or_default();
        let prenom = text(&r, 2)?.unwrap_or_default();
        out.push((
            crate::text::sort_key(&[nom, prenom]),
            r.try_get(0).map_err(server_error)?,
        ));
    }
    Ok(out)
}

impl ServerStore {
    /// The first rows of the caseload in name order (a prefix of [`ServerStore::caseload`]'s
    /// rows, in the same order), as [`crate::store::Store::caseload_first`] gives them on
    /// the file: at least `want` rows that `keep` accepts, or all of them; at most about
    /// `max_rows` full rows read. The people are taken by the first byte of their nom
    /// (`persons_by_nom`, byte order): first, in one statement, those not starting with an
    /// ASCII letter (they may sort anywhere) and the A's, then the next letters, more of
    /// them per statement each time; once all those whose folded name comes before the next
    /// letter are known, they are sorted and their full rows read in that order, a batch
    /// per statement (a round trip each: few of them, whatever the network).
    pub fn caseload_first(
        &self,
        open_action_statuses: &[String],
        want: usize,
        max_rows: usize,
        keep: &mut dyn FnMut(&CaseloadRow) -> bool,
    ) -> Result<CaseloadStart> {
        let now = self.clock.now();
        let mut client = self.db.client();
        let small: i64 = client
            .query_one(
                &format!("SELECT count(*) FROM (SELECT 1 FROM persons LIMIT {CASELOAD_SMALL}) t"),
                &[],
            )
            .map_err(server_error)?
            .get(0);
        if (small as usize) < CASELOAD_SMALL {
            return Ok(CaseloadStart {
                rows: whole(&mut client, now, open_action_statuses)?,
                complete: true,
            });
        }
        let p = Params::new(now, open_action_statuses)?;
        let mut pending = names(&mut client, NAMES_FIRST_SQL, &[])?;
        let mut order: Vec<Id> = Vec::new(); // known prefix, sorted
        let mut next = 0; // first of `order` whose full row is not read yet
        let mut rows = Vec::new();
        let (mut kept, mut read) = (0, 0);
        // Letters known: a, then b, c–d, e–h…: few statements even when a filter keeps few.
        let mut last = b'a';
        let mut step = 1;
        loop {
            // Everybody whose folded letters come before the letter after `last` is known.
            queries::known_through(last, &mut pending, &mut order);
            // Full rows of the known prefix, in order, a batch at a time, until enough kept:
            // a quarter more than `want` first (one statement for the default filter, which
            // hides the few who left), then what the filter's share so far says is missing
            // (a quarter more again), at least 16 a time.
            while next < order.len() && kept < want && read < max_rows {
                let batch = if read == 0 {
                    want + want / 4
                } else if kept == 0 {
                    2 * read
                } else {
                    (want - kept) * read * 5 / (kept * 4) + 1
                };
                let n = batch.max(16).min(order.len() - next).min(max_rows - read);
                let ids: Vec<Id> = order[next..next + n].to_vec();
                next += n;
                read += n;
                let [a, b, c] = p.typed();
                let got = rows_of(
                    &mut client,
                    CASELOAD_OF_SQL,
                    &[a, b, c, (&ids, Type::INT8_ARRAY)],
                )?;
                let mut by_id: HashMap<Id, CaseloadRow> =
                    got.into_iter().map(|r| (r.person_id, r)).collect();
                // In name order; a person erased meanwhile is simply not there.
                for id in &ids {
                    if let Some(r) = by_id.remove(id) {
                        if keep(&r) {
                            kept += 1;
                        }
                        rows.push(r);
                    }
                }
            }
            if kept >= want || read >= max_rows {
                let complete = pending.is_empty() && last == b'z' && next == order.len();
                return Ok(CaseloadStart { rows, complete });
            }
            if last == b'z' {
                return Ok(CaseloadStart {
                    complete: next == order.len(),
                    rows,
                });
            }
            let (from, to) = (last + 1, (last + step).min(b'z'));
            let range = |a: u8, b: u8| ((a as char).to_string(), ((b + 1) as char).to_string());
            let (lo, hi) = range(from, to);
            let (ulo, uhi) = range(from.to_ascii_uppercase(), to.to_ascii_uppercase());
            pending.extend(names(
                &mut client,
                NAMES_BETWEEN_SQL,
                &[
                    (&ulo, Type::TEXT),
                    (&uhi, Type::TEXT),
                    (&lo, Type::TEXT),
                    (&hi, Type::TEXT),
                ],
            )?);
            last = to;
            step *= 2;
        }
    }

    /// A second connection's worth of credentials, the clock read now (the rows it loads
    /// are those [`ServerStore::caseload`] would give at this instant). The connection is
    /// opened by [`crate::store::CaseloadSource::caseload`], on the thread that loads the
    /// list: the login (a TCP connection and SCRAM) does not delay the first screen.
    pub fn caseload_reader(&self) -> Result<ServerCaseloadReader> {
        Ok(ServerCaseloadReader {
            url: self.url.clone(),
            user: self.user.clone(),
            password: self.password.clone(),
            now: self.clock.now(),
        })
    }
}

/// The whole caseload loaded on a connection of its own, with the same role and password
/// as the store it came from (see [`ServerStore::caseload_reader`]); it can move to another
/// thread. Nothing it reads is written to the PC's disk.
pub struct ServerCaseloadReader {
    url: String,
    user: String,
    password: zeroize::Zeroizing<String>,
    now: NaiveDateTime,
}

impl ServerCaseloadReader {
    /// [`ServerStore::caseload`] on a new connection (closed when done).
    pub fn caseload(&self, open_action_statuses: &[String]) -> Result<Vec<CaseloadRow>> {
        let mut client = connect(
            &self.url,
            &Credentials {
                user: Some(&self.user),
                password: Some(&self.password),
            },
        )
        .map_err(store_error)?;
        client
            .batch_execute(&format!(
                "SET statement_timeout = {}",
                READER_STATEMENT_TIMEOUT.as_millis()
            ))
            .map_err(server_error)?;
        set_jit_off(&mut client)?;
        whole(&mut client, self.now, open_action_statuses)
    }
}

impl crate::store::CaseloadSource for ServerCaseloadReader {
    fn caseload(&self, open_action_statuses: &[String]) -> Result<Vec<CaseloadRow>> {
        ServerCaseloadReader::caseload(self, open_action_statuses)
    }
}

/// PostgreSQL compiles a statement it estimates costly (the whole caseload from about 100k
/// people) to machine code first: 150 ms or more of compilation for a statement that runs
/// once (measured at 100k on loopback, `EXPLAIN ANALYZE`), more than it saves.
fn set_jit_off(client: &mut Client) -> Result<()> {
    client.batch_execute("SET jit = off").map_err(server_error)
}

/// [`whole`] on the store's own connection ([`ServerStore::caseload`]), in a read-only
/// transaction whose settings end with it: no machine-code compilation (see
/// [`set_jit_off`]), and the reader's time limit rather than the interactive one, since
/// the whole list of 100k people takes about a second of the server (the app loads it on
/// its reader, on another thread, while the first screenful is shown).
pub(crate) fn whole_on_store_connection(
    client: &mut Client,
    now: NaiveDateTime,
    open_action_statuses: &[String],
) -> Result<Vec<CaseloadRow>> {
    client
        .batch_execute(&format!(
            "BEGIN READ ONLY; SET LOCAL jit = off; SET LOCAL statement_timeout = {}",
            READER_STATEMENT_TIMEOUT.as_millis()
        ))
        .map_err(server_error)?;
    let rows = whole(client, now, open_action_statuses);
    let end = client
        .batch_execute(if rows.is_ok() { "COMMIT" } else { "ROLLBACK" })
        .map_err(server_error);
    let rows = rows?;
    end?;
    Ok(rows)
}

fn store_error(e: ServerError) -> StoreError {
    match e {
        ServerError::Store(e) => e,
        ServerError::Unreachable(m) => StoreError::ServerGone(m),
        other => StoreError::Server(other.to_string()),
    }
}
