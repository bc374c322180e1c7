//! The write path: applies one change (insert / update / delete of one record) with its
//! inverse and its audit entry; loads one record. Statements come from the table
//! descriptions (`tables.rs`).

use super::db::{self, Dialect, Exec};
use super::{sql, Applied, Result, StoreError};
use crate::domain::*;
use chrono::{Datelike, NaiveDateTime};

/// The write path's transaction body, on either backend (the caller begins and commits):
/// `expected` is the person's file version to find (see `Store::apply_if_version`),
/// checked before anything is written; `rebase`: see `Store::undo`.
pub(super) fn apply_in(
    db: &dyn Exec,
    changes: &[Change],
    expected: Option<(Id, i64)>,
    rebase: bool,
    now: NaiveDateTime,
    actor: &str,
) -> Result<Vec<Applied>> {
    if let Some((person_id, version)) = expected {
        // SQLite's write transaction already holds the whole base; the server locks the
        // person's row until the commit, so a second PC's write waits, then finds the new
        // version and is refused.
        let sql = match db.dialect() {
            Dialect::Sqlite => "SELECT version FROM persons WHERE id=?1",
            Dialect::Postgres => "SELECT version FROM persons WHERE id=?1 FOR UPDATE",
        };
        let current: Option<i64> = db::query_optional(db, sql, &[&person_id], |r| r.get(0))?;
        match current {
            None => return Err(StoreError::NotFound),
            Some(v) if v != version => return Err(StoreError::Conflict),
            Some(_) => {}
        }
    }
    let mut out = Vec::with_capacity(changes.len());
    for change in changes {
        let rebased;
        let change = if rebase {
            rebased = self::rebased(db, change)?;
            &rebased
        } else {
            change
        };
        out.push(apply(db, change, now, Some(actor))?);
    }
    Ok(out)
}

/// Applies one change. With `audit` (the actor), writes its audit entry in the same
/// transaction: the record changed and its person, never the content.
pub(super) fn apply(
    conn: &dyn Exec,
    change: &Change,
    now: NaiveDateTime,
    audit: Option<&str>,
) -> Result<Applied> {
    let applied = apply_change(conn, change, now)?;
    if let Some(actor) = audit {
        let (action, person) = match change {
            Change::Upsert(r) => (
                if matches!(applied.inverse, Some(Change::Delete(..))) {
                    super::audit::actions::CREATE
                } else {
                    super::audit::actions::UPDATE
                },
                if r.kind() == RecordKind::Person {
                    applied.id
                } else {
                    r.person_id()
                },
            ),
            Change::Delete(kind, id) => (
                super::audit::actions::DELETE,
                match &applied.inverse {
                    Some(Change::Upsert(prev)) => prev.person_id(),
                    _ if *kind == RecordKind::Person => *id,
                    _ => 0,
                },
            ),
        };
        super::audit::write(
            conn,
            now,
            actor,
            action,
            Some(change.kind().table().name),
            Some(applied.id),
            (person > 0).then_some(person),
        )?;
    }
    Ok(applied)
}

fn apply_change(conn: &dyn Exec, change: &Change, now: NaiveDateTime) -> Result<Applied> {
    match change {
        Change::Upsert(record) => {
            let previous = if record.id() > 0 {
                load(conn, record.kind(), record.id())?
            } else {
                None
            };
            let id = upsert(conn, record, previous.is_some(), now)?;
            touch_record(conn, record, now)?;
            let inverse = match previous {
                // Undo of an update writes the previous content back, over the version just
                // written: refused if the record changes elsewhere before the undo.
                Some(mut prev) => {
                    *version_mut(&mut prev) = current_version(conn, record.kind(), id)?;
                    Some(Change::Upsert(prev))
                }
                // Undo of an insert deletes it.
                None => Some(Change::Delete(record.kind(), id)),
            };
            Ok(Applied { id, inverse })
        }
        Change::Delete(kind, id) => {
            let previous = load(conn, *kind, *id)?;
            if previous.is_none() {
                return Err(StoreError::NotFound);
            }
            delete(conn, *kind, *id, now)?;
            // Deleting a person removes the whole file: no undo (the UI asks first).
            let inverse = match (kind, previous) {
                (RecordKind::Person, _) => None,
                (_, Some(prev)) => Some(Change::Upsert(prev)),
                _ => None,
            };
            Ok(Applied { id: *id, inverse })
        }
    }
}

/// A record of a file just inserted with [`insert_in_new_file`]: the same statements as
/// [`apply`] without its audit entry and without bumping the person's version, which the
/// caller does once for the whole file with [`touch_n`] (a bulk insert of 100 000 files
/// otherwise rewrites each person's row once per record: ~30 times).
pub(super) fn insert_in_new_file(
    conn: &dyn Exec,
    record: &Record,
    now: NaiveDateTime,
) -> Result<Id> {
    debug_assert_eq!(record.id(), 0, "only new records");
    upsert(conn, record, false, now)
}

/// The rows of a new file (its person, `pid`, just written) in their order, moved into it
/// through the write path's statements, then the person's version bumped once for all of
/// them ([`touch_n`]: the same stored versions as one bump per record). In the file an
/// action's `objective_id` / `barrier_id` is the 1-based position of its objective /
/// barrier, a saisine's or veille's `suivi_id` that of its suivi: remapped to the stored
/// ids. The bulk insert (demo) and the import share it. The file's person is not read.
pub(super) fn insert_file_rows(
    db: &dyn Exec,
    f: PersonFile,
    pid: Id,
    now: NaiveDateTime,
) -> Result<()> {
    let mut changes = 0;
    let mut put = |r: Record| -> Result<Id> {
        changes += 1;
        insert_in_new_file(db, &in_file(r, pid), now)
    };
    let suivi_ids = f
        .suivis
        .into_iter()
        .map(|r| put(Record::Suivi(r)))
        .collect::<Result<Vec<_>>>()?;
    for r in f.diagnostics {
        put(Record::Diagnostic(r))?;
    }
    let barrier_ids = f
        .barriers
        .into_iter()
        .map(|r| put(Record::Barrier(r)))
        .collect::<Result<Vec<_>>>()?;
    let objective_ids = f
        .objectives
        .into_iter()
        .map(|r| put(Record::Objective(r)))
        .collect::<Result<Vec<_>>>()?;
    let pick = |ids: &[Id], pos: Option<Id>| {
        pos.and_then(|p| ids.get((p as usize).wrapping_sub(1)).copied())
    };
    for a in f.actions {
        put(Record::Action(PlanAction {
            objective_id: pick(&objective_ids, a.objective_id),
            barrier_id: pick(&barrier_ids, a.barrier_id),
            ..a
        }))?;
    }
    for r in f.appointments {
        put(Record::Appointment(r))?;
    }
    for r in f.notes {
        put(Record::Note(r))?;
    }
    for r in f.etapes {
        put(Record::Etape(r))?;
    }
    // A saisine's or veille's suivi is its position in the file (see `Saisine`); a
    // position the file does not have goes on its last suivi (none: refused by the
    // foreign key, nothing of the file written).
    let on_suivi = |pos: Id| {
        pick(&suivi_ids, Some(pos))
            .or(suivi_ids.last().copied())
            .unwrap_or(0)
    };
    for s in f.saisines {
        put(Record::Saisine(Saisine {
            suivi_id: on_suivi(s.suivi_id),
            ..s
        }))?;
    }
    for v in f.veilles {
        put(Record::Veille(Veille {
            suivi_id: on_suivi(v.suivi_id),
            ..v
        }))?;
    }
    for r in f.eligibilities {
        put(Record::Eligibility(r))?;
    }
    if changes > 0 {
        touch_n(db, pid, changes, now)?;
    }
    Ok(())
}

/// The person's version and time of change after a change of one of its records.
fn touch_record(conn: &dyn Exec, record: &Record, now: NaiveDateTime) -> Result<()> {
    match record {
        // A session touches the files of the participants it changes (`write_session`).
        Record::Person(_) | Record::Session(_) => Ok(()),
        _ => touch(conn, record.person_id(), now),
    }
}

/// `id` of the written row. `exists` tells update from insert (an id > 0 that does not
/// exist is re-inserted with that id: that is how undo of a delete restores a row).
/// The person's version is bumped by the caller ([`touch_record`], [`touch_n`]).
fn upsert(conn: &dyn Exec, record: &Record, exists: bool, now: NaiveDateTime) -> Result<Id> {
    let id = record.id();
    let written = match record {
        Record::Person(p) => return write_person(conn, p, exists, now),
        Record::Suivi(r) => sql::write(conn, r, id, exists)?,
        Record::Diagnostic(r) => sql::write(conn, r, id, exists)?,
        Record::Barrier(r) => sql::write(conn, r, id, exists)?,
        Record::Objective(r) => sql::write(conn, r, id, exists)?,
        Record::Action(r) => sql::write(conn, r, id, exists)?,
        Record::Appointment(r) => sql::write(conn, r, id, exists)?,
        Record::Eligibility(r) => sql::write(conn, r, id, exists)?,
        Record::Note(r) => {
            let at = Some(r.at.unwrap_or(now));
            sql::write(conn, &Note { at, ..r.clone() }, id, exists)?
        }
        Record::Etape(r) => sql::write(conn, r, id, exists)?,
        Record::Saisine(r) => sql::write(conn, r, id, exists)?,
        Record::Veille(r) => sql::write(conn, r, id, exists)?,
        Record::Session(r) => return write_session(conn, r, exists, now),
    };
    Ok(written)
}

/// A session belongs to nobody: the files of the people whose participation it adds,
/// removes or changes are touched instead (their rendez-vous pane shows it).
fn write_session(conn: &dyn Exec, s: &Session, exists: bool, now: NaiveDateTime) -> Result<Id> {
    let before: Vec<Participation> = if exists {
        sql::list(conn, s.id)?
    } else {
        Vec::new()
    };
    let id = sql::write(conn, s, s.id, exists)?;
    let mut touched: Vec<Id> = Vec::new();
    for p in before.iter().chain(&s.participants) {
        let same = before.iter().find(|b| b.person_id == p.person_id)
            == s.participants.iter().find(|n| n.person_id == p.person_id);
        if !same && !touched.contains(&p.person_id) {
            touched.push(p.person_id);
        }
    }
    for pid in touched {
        touch(conn, pid, now)?;
    }
    Ok(id)
}

/// A person's generated fields: the n° de dossier and creation time when new, the time of
/// the change always.
fn write_person(conn: &dyn Exec, p: &Person, exists: bool, now: NaiveDateTime) -> Result<Id> {
    let mut p = p.clone();
    p.updated_at = Some(now);
    if !exists {
        if p.dossier.is_empty() {
            p.dossier = next_dossier(conn, now)?;
        } else {
            reserve_dossier(conn, &p.dossier)?;
        }
        p.created_at = Some(p.created_at.unwrap_or(now));
        p.version = 1;
    }
    sql::write(conn, &p, p.id, exists)
}

/// `change` made on the record as it is stored now: an upsert of an existing record takes
/// its current version. For undo only, once the caller made sure nothing else changed.
pub(super) fn rebased(conn: &dyn Exec, change: &Change) -> Result<Change> {
    let mut change = change.clone();
    if let Change::Upsert(record) = &mut change {
        let (kind, id) = (record.kind(), record.id());
        if id > 0 && load(conn, kind, id)?.is_some() {
            *version_mut(record) = current_version(conn, kind, id)?;
        }
    }
    Ok(change)
}

/// The version of the stored record `id`.
fn current_version(conn: &dyn Exec, kind: RecordKind, id: Id) -> Result<i64> {
    db::query_one(conn, &sql::version_of(kind.table()), &[&id], |r| r.get(0))
}

/// The fields every record has that the store sets: its person (none for a person) and
/// its version.
fn stamps_mut(record: &mut Record) -> (Option<&mut Id>, &mut i64) {
    match record {
        Record::Person(r) => (None, &mut r.version),
        Record::Suivi(r) => (Some(&mut r.person_id), &mut r.version),
        Record::Diagnostic(r) => (Some(&mut r.person_id), &mut r.version),
        Record::Barrier(r) => (Some(&mut r.person_id), &mut r.version),
        Record::Objective(r) => (Some(&mut r.person_id), &mut r.version),
        Record::Action(r) => (Some(&mut r.person_id), &mut r.version),
        Record::Appointment(r) => (Some(&mut r.person_id), &mut r.version),
        Record::Note(r) => (Some(&mut r.person_id), &mut r.version),
        Record::Etape(r) => (Some(&mut r.person_id), &mut r.version),
        Record::Saisine(r) => (Some(&mut r.person_id), &mut r.version),
        Record::Veille(r) => (Some(&mut r.person_id), &mut r.version),
        Record::Session(r) => (None, &mut r.version),
        Record::Eligibility(r) => (Some(&mut r.person_id), &mut r.version),
    }
}

fn version_mut(record: &mut Record) -> &mut i64 {
    stamps_mut(record).1
}

/// `record` moved into the file of person `person_id` (a new file's rows, whose person id
/// is known once the person is written).
pub(super) fn in_file(mut record: Record, person_id: Id) -> Record {
    if let Some(p) = stamps_mut(&mut record).0 {
        *p = person_id;
    }
    record
}

/// Any change in a person's file bumps the person's `updated_at` and `version`, so a second
/// instance can tell the file changed underneath it.
fn touch(conn: &dyn Exec, person_id: Id, now: NaiveDateTime) -> Result<()> {
    touch_n(conn, person_id, 1, now)
}

/// [`touch`] for `changes` changes at once: the same end state as `changes` touches.
pub(super) fn touch_n(
    conn: &dyn Exec,
    person_id: Id,
    changes: i64,
    now: NaiveDateTime,
) -> Result<()> {
    let n = conn.execute(
        "UPDATE persons SET updated_at=?2, version=version+?3 WHERE id=?1",
        &[&person_id, &now, &changes],
    )?;
    if n == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

/// Next n° de dossier for the year of `now`: "2026-00042", from the year's counter, which
/// deleting or erasing a file never takes back (a number is never given twice).
fn next_dossier(conn: &dyn Exec, now: NaiveDateTime) -> Result<String> {
    let year = now.year();
    // On the server the counter row is locked by the upsert until the transaction ends:
    // two PCs creating a file at once get two numbers.
    let n: i64 = db::query_one(
        conn,
        "INSERT INTO dossier_counters (year, last) VALUES (?1, 1)
         ON CONFLICT (year) DO UPDATE SET last = dossier_counters.last + 1
         RETURNING last",
        &[&year],
        |r| r.get(0),
    )?;
    // Past 99999 the numbers just get longer.
    Ok(format!("{year}-{n:05}"))
}

/// A n° de dossier given with the file (an import) in the generated shape ("2026-00500":
/// year, dash, 5 digits or more) moves its year's counter past it, so that number is never
/// generated later, even once the file is gone. Other shapes do not touch the series.
fn reserve_dossier(conn: &dyn Exec, dossier: &str) -> Result<()> {
    let Some((year, number)) = dossier.split_once('-') else {
        return Ok(());
    };
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if year.len() != 4 || !digits(year) || number.len() < 5 || !digits(number) {
        return Ok(());
    }
    let (Ok(year), Ok(number)) = (year.parse::<i64>(), number.parse::<i64>()) else {
        return Ok(()); // more digits than a counter holds: no generated number comes near
    };
    // The larger of two values: `max(a, b)` in SQLite, `greatest(a, b)` on the server.
    let larger = match conn.dialect() {
        Dialect::Sqlite => "max",
        Dialect::Postgres => "greatest",
    };
    conn.execute(
        &format!(
            "INSERT INTO dossier_counters (year, last) VALUES (?1, ?2)
             ON CONFLICT (year) DO UPDATE SET last = {larger}(dossier_counters.last, excluded.last)"
        ),
        &[&year, &number],
    )?;
    Ok(())
}

fn delete(conn: &dyn Exec, kind: RecordKind, id: Id, now: NaiveDateTime) -> Result<()> {
    let table = kind.table();
    let person: Option<Id> = match sql::owner_of(table) {
        Some(owner) => db::query_optional(conn, &owner, &[&id], |r| r.get(0))?,
        None => None,
    };
    // A session's participants lose it from their files.
    let participants: Vec<Participation> = if kind == RecordKind::Session {
        sql::list(conn, id)?
    } else {
        Vec::new()
    };
    conn.execute(&sql::delete_by_id(table), &[&id])?;
    for p in participants {
        touch(conn, p.person_id, now)?;
    }
    if let Some(p) = person {
        touch(conn, p, now)?;
    }
    Ok(())
}

pub(super) fn load(conn: &dyn Exec, kind: RecordKind, id: Id) -> Result<Option<Record>> {
    Ok(match kind {
        RecordKind::Person => sql::one(conn, id)?.map(Record::Person),
        RecordKind::Suivi => sql::one(conn, id)?.map(Record::Suivi),
        RecordKind::Diagnostic => sql::one(conn, id)?.map(Record::Diagnostic),
        RecordKind::Barrier => sql::one(conn, id)?.map(Record::Barrier),
        RecordKind::Objective => sql::one(conn, id)?.map(Record::Objective),
        RecordKind::Action => sql::one(conn, id)?.map(Record::Action),
        RecordKind::Appointment => sql::one(conn, id)?.map(Record::Appointment),
        RecordKind::Note => sql::one(conn, id)?.map(Record::Note),
        RecordKind::Etape => sql::one(conn, id)?.map(Record::Etape),
        RecordKind::Saisine => sql::one(conn, id)?.map(Record::Saisine),
        RecordKind::Veille => sql::one(conn, id)?.map(Record::Veille),
        RecordKind::Session => sql::one(conn, id)?.map(Record::Session),
        RecordKind::Eligibility => sql::one(conn, id)?.map(Record::Eligibility),
    })
}
