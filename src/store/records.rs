//! Per-aggregate SQL: insert / update / delete / load one record.

use super::{Applied, Result, StoreError};
use crate::domain::*;
use chrono::{Datelike, NaiveDateTime};
use rusqlite::{params, Connection, OptionalExtension, Row};

/// Applies one change. With `audit` (the actor), writes its audit entry in the same
/// transaction: the record changed and its person, never the content.
pub(super) fn apply(
    conn: &Connection,
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
            Some(super::audit::kind_name(change.kind())),
            Some(applied.id),
            (person > 0).then_some(person),
        )?;
    }
    Ok(applied)
}

fn apply_change(conn: &Connection, change: &Change, now: NaiveDateTime) -> Result<Applied> {
    match change {
        Change::Upsert(record) => {
            let previous = if record.id() > 0 {
                load(conn, record.kind(), record.id())?
            } else {
                None
            };
            let id = upsert(conn, record, previous.is_some(), now)?;
            let inverse = match previous {
                // Undo of an update writes the previous content back.
                Some(mut prev) => {
                    if let (Record::Person(p), Some(Record::Person(cur))) =
                        (&mut prev, load(conn, RecordKind::Person, id)?)
                    {
                        p.version = cur.version;
                    }
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

/// `id` of the written row. `exists` tells update from insert (an id > 0 that does not
/// exist is re-inserted with that id: that is how undo of a delete restores a row).
fn upsert(conn: &Connection, record: &Record, exists: bool, now: NaiveDateTime) -> Result<Id> {
    let id = record.id();
    let row_id = |conn: &Connection| if exists { id } else { conn.last_insert_rowid() };
    let opt_id = if id > 0 { Some(id) } else { None };
    match record {
        Record::Person(p) => {
            if exists {
                let n = exec(
                    conn,
                    "UPDATE persons SET nom=?2, prenom=?3, nom_usage=?4, birth_date=?5, sexe=?6,
                        phone=?7, email=?8, commune=?9, updated_at=?10, version=version+1
                     WHERE id=?1 AND version=?11",
                    params![
                        p.id,
                        p.nom,
                        p.prenom,
                        p.nom_usage,
                        p.birth_date,
                        p.sexe,
                        p.phone,
                        p.email,
                        p.commune,
                        now,
                        p.version
                    ],
                )?;
                if n == 0 {
                    return Err(StoreError::Conflict);
                }
                Ok(id)
            } else {
                let dossier = if p.dossier.is_empty() {
                    next_dossier(conn, now)?
                } else {
                    p.dossier.clone()
                };
                exec(
                    conn,
                    "INSERT INTO persons (id, dossier, nom, prenom, nom_usage, birth_date, sexe,
                        phone, email, commune, created_at, updated_at, version)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, 1)",
                    params![
                        opt_id,
                        dossier,
                        p.nom,
                        p.prenom,
                        p.nom_usage,
                        p.birth_date,
                        p.sexe,
                        p.phone,
                        p.email,
                        p.commune,
                        p.created_at.unwrap_or(now),
                        now
                    ],
                )?;
                Ok(row_id(conn))
            }
        }
        Record::Suivi(s) => {
            let sql = if exists {
                "UPDATE suivis SET person_id=?2, dispositif=?3, referent=?4, prescripteur=?5,
                    date_orientation=?6, date_premier_contact=?7, date_entree=?8, contrat=?9,
                    contrat_debut=?10, contrat_fin=?11, sortie_date=?12, sortie_categorie=?13,
                    sortie_detail=?14 WHERE id=?1"
            } else {
                "INSERT INTO suivis (id, person_id, dispositif, referent, prescripteur,
                    date_orientation, date_premier_contact, date_entree, contrat, contrat_debut,
                    contrat_fin, sortie_date, sortie_categorie, sortie_detail)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)"
            };
            exec(
                conn,
                sql,
                params![
                    opt_id,
                    s.person_id,
                    s.dispositif,
                    s.referent,
                    s.prescripteur,
                    s.date_orientation,
                    s.date_premier_contact,
                    s.date_entree,
                    s.contrat,
                    s.contrat_debut,
                    s.contrat_fin,
                    s.sortie_date,
                    s.sortie_categorie,
                    s.sortie_detail
                ],
            )?;
            touch(conn, s.person_id, now)?;
            Ok(row_id(conn))
        }
        Record::Diagnostic(d) => {
            let sql = if exists {
                "UPDATE diagnostics SET person_id=?2, kind=?3, date=?4, niveau=?5, diplomes=?6,
                    situation_pro=?7, dernier_emploi=?8, inactivite_mois=?9, ft_inscrit=?10,
                    ft_date=?11, projet=?12, metiers_cibles=?13, competences=?14, envies=?15
                 WHERE id=?1"
            } else {
                "INSERT INTO diagnostics (id, person_id, kind, date, niveau, diplomes,
                    situation_pro, dernier_emploi, inactivite_mois, ft_inscrit, ft_date, projet,
                    metiers_cibles, competences, envies)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)"
            };
            exec(
                conn,
                sql,
                params![
                    opt_id,
                    d.person_id,
                    d.kind,
                    d.date,
                    d.niveau,
                    d.diplomes,
                    d.situation_pro,
                    d.dernier_emploi,
                    d.inactivite_mois,
                    d.ft_inscrit,
                    d.ft_date,
                    d.projet,
                    d.metiers_cibles,
                    d.competences,
                    d.envies
                ],
            )?;
            let did = row_id(conn);
            exec(
                conn,
                "DELETE FROM diagnostic_themes WHERE diagnostic_id=?1",
                [did],
            )?;
            let mut ins = conn.prepare_cached(
                "INSERT INTO diagnostic_themes (diagnostic_id, theme, level, comment)
                 VALUES (?1, ?2, ?3, ?4)",
            )?;
            for t in &d.themes {
                ins.execute(params![did, t.theme, t.level, t.comment])?;
            }
            touch(conn, d.person_id, now)?;
            Ok(did)
        }
        Record::Barrier(b) => {
            let sql = if exists {
                "UPDATE barriers SET person_id=?2, theme=?3, situation=?4, label=?5, status=?6,
                    since=?7, resolved=?8, note=?9 WHERE id=?1"
            } else {
                "INSERT INTO barriers (id, person_id, theme, situation, label, status, since,
                    resolved, note) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"
            };
            exec(
                conn,
                sql,
                params![
                    opt_id,
                    b.person_id,
                    b.theme,
                    b.situation,
                    b.label,
                    b.status,
                    b.since,
                    b.resolved,
                    b.note
                ],
            )?;
            touch(conn, b.person_id, now)?;
            Ok(row_id(conn))
        }
        Record::Objective(o) => {
            let sql = if exists {
                "UPDATE objectives SET person_id=?2, theme=?3, label=?4, status=?5 WHERE id=?1"
            } else {
                "INSERT INTO objectives (id, person_id, theme, label, status)
                 VALUES (?1, ?2, ?3, ?4, ?5)"
            };
            exec(
                conn,
                sql,
                params![opt_id, o.person_id, o.theme, o.label, o.status],
            )?;
            touch(conn, o.person_id, now)?;
            Ok(row_id(conn))
        }
        Record::Action(a) => {
            let sql = if exists {
                "UPDATE actions SET person_id=?2, objective_id=?3, barrier_id=?4, label=?5,
                    action_type=?6, partner=?7, due=?8, status=?9, outcome=?10 WHERE id=?1"
            } else {
                "INSERT INTO actions (id, person_id, objective_id, barrier_id, label,
                    action_type, partner, due, status, outcome)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"
            };
            exec(
                conn,
                sql,
                params![
                    opt_id,
                    a.person_id,
                    a.objective_id,
                    a.barrier_id,
                    a.label,
                    a.action_type,
                    a.partner,
                    a.due,
                    a.status,
                    a.outcome
                ],
            )?;
            touch(conn, a.person_id, now)?;
            Ok(row_id(conn))
        }
        Record::Appointment(a) => {
            let sql = if exists {
                "UPDATE appointments SET person_id=?2, start=?3, duration_min=?4, medium=?5,
                    status=?6, report=?7 WHERE id=?1"
            } else {
                "INSERT INTO appointments (id, person_id, start, duration_min, medium, status,
                    report) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"
            };
            exec(
                conn,
                sql,
                params![
                    opt_id,
                    a.person_id,
                    a.start,
                    a.duration_min,
                    a.medium,
                    a.status,
                    a.report
                ],
            )?;
            let aid = row_id(conn);
            exec(conn, "DELETE FROM demarches WHERE appointment_id=?1", [aid])?;
            let mut ins = conn.prepare_cached(
                "INSERT INTO demarches (appointment_id, position, theme, label)
                 VALUES (?1, ?2, ?3, ?4)",
            )?;
            for (i, d) in a.demarches.iter().enumerate() {
                ins.execute(params![aid, i as i64, d.theme, d.label])?;
            }
            touch(conn, a.person_id, now)?;
            Ok(aid)
        }
        Record::Note(n) => {
            let sql = if exists {
                "UPDATE notes SET person_id=?2, at=?3, author=?4, private=?5, text=?6 WHERE id=?1"
            } else {
                "INSERT INTO notes (id, person_id, at, author, private, text)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
            };
            exec(
                conn,
                sql,
                params![
                    opt_id,
                    n.person_id,
                    n.at.unwrap_or(now),
                    n.author,
                    n.private,
                    n.text
                ],
            )?;
            touch(conn, n.person_id, now)?;
            Ok(row_id(conn))
        }
    }
}

/// Runs one statement through the connection's statement cache: bulk inserts (demo, import)
/// run the same few statements hundreds of thousands of times.
fn exec<P: rusqlite::Params>(conn: &Connection, sql: &str, params: P) -> rusqlite::Result<usize> {
    conn.prepare_cached(sql)?.execute(params)
}

/// Any change in a person's file bumps the person's `updated_at` and `version`, so a second
/// instance can tell the file changed underneath it.
fn touch(conn: &Connection, person_id: Id, now: NaiveDateTime) -> Result<()> {
    let n = exec(
        conn,
        "UPDATE persons SET updated_at=?2, version=version+1 WHERE id=?1",
        params![person_id, now],
    )?;
    if n == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

/// Next n° de dossier for the year of `now`: "2026-00042".
fn next_dossier(conn: &Connection, now: NaiveDateTime) -> Result<String> {
    let year = now.year();
    // Generated numbers are zero-padded to 5 digits, so the highest one is the last
    // 10-character, all-digit dossier of the year in the unique index of `dossier`: one seek
    // (scanning the whole year made bulk inserts quadratic). Other shapes in that range
    // (imported numbers) are skipped by the GLOB.
    let last: Option<String> = conn
        .prepare_cached(
            "SELECT dossier FROM persons
             WHERE dossier >= ?1 AND dossier <= ?2
               AND dossier GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9][0-9][0-9][0-9]'
             ORDER BY dossier DESC LIMIT 1",
        )?
        .query_row(
            params![format!("{year}-00000"), format!("{year}-99999")],
            |r| r.get(0),
        )
        .optional()?;
    let last = last.and_then(|d| d[5..].parse::<i64>().ok()).unwrap_or(0);
    let max = if last < 99_999 {
        last
    } else {
        // Past 99999 the numbers get longer and no longer sort as text: compare numbers.
        conn.query_row(
            "SELECT MAX(CAST(substr(dossier, 6) AS INTEGER)) FROM persons
             WHERE dossier >= ?1 AND dossier < ?2",
            params![format!("{year}-"), format!("{year}.")],
            |r| r.get::<_, Option<i64>>(0),
        )?
        .unwrap_or(0)
    };
    Ok(format!("{year}-{:05}", max + 1))
}

fn delete(conn: &Connection, kind: RecordKind, id: Id, now: NaiveDateTime) -> Result<()> {
    let table = table_of(kind);
    let person: Option<Id> = if kind == RecordKind::Person {
        None
    } else {
        conn.query_row(
            &format!("SELECT person_id FROM {table} WHERE id=?1"),
            [id],
            |r| r.get(0),
        )
        .optional()?
    };
    exec(conn, &format!("DELETE FROM {table} WHERE id=?1"), [id])?;
    if let Some(p) = person {
        touch(conn, p, now)?;
    }
    Ok(())
}

fn table_of(kind: RecordKind) -> &'static str {
    match kind {
        RecordKind::Person => "persons",
        RecordKind::Suivi => "suivis",
        RecordKind::Diagnostic => "diagnostics",
        RecordKind::Barrier => "barriers",
        RecordKind::Objective => "objectives",
        RecordKind::Action => "actions",
        RecordKind::Appointment => "appointments",
        RecordKind::Note => "notes",
    }
}

pub(super) const PERSON_COLS: &str = "id, dossier, nom, prenom, nom_usage, birth_date, sexe, phone, email, commune, created_at, updated_at, version";
pub(super) fn person_from(r: &Row) -> rusqlite::Result<Person> {
    Ok(Person {
        id: r.get(0)?,
        dossier: r.get(1)?,
        nom: r.get(2)?,
        prenom: r.get(3)?,
        nom_usage: r.get(4)?,
        birth_date: r.get(5)?,
        sexe: r.get(6)?,
        phone: r.get(7)?,
        email: r.get(8)?,
        commune: r.get(9)?,
        created_at: r.get(10)?,
        updated_at: r.get(11)?,
        version: r.get(12)?,
    })
}

pub(super) const SUIVI_COLS: &str = "id, person_id, dispositif, referent, prescripteur, date_orientation, date_premier_contact, date_entree, contrat, contrat_debut, contrat_fin, sortie_date, sortie_categorie, sortie_detail";
pub(super) fn suivi_from(r: &Row) -> rusqlite::Result<Suivi> {
    Ok(Suivi {
        id: r.get(0)?,
        person_id: r.get(1)?,
        dispositif: r.get(2)?,
        referent: r.get(3)?,
        prescripteur: r.get(4)?,
        date_orientation: r.get(5)?,
        date_premier_contact: r.get(6)?,
        date_entree: r.get(7)?,
        contrat: r.get(8)?,
        contrat_debut: r.get(9)?,
        contrat_fin: r.get(10)?,
        sortie_date: r.get(11)?,
        sortie_categorie: r.get(12)?,
        sortie_detail: r.get(13)?,
    })
}

pub(super) const DIAG_COLS: &str = "id, person_id, kind, date, niveau, diplomes, situation_pro, dernier_emploi, inactivite_mois, ft_inscrit, ft_date, projet, metiers_cibles, competences, envies";
pub(super) fn diag_from(r: &Row) -> rusqlite::Result<Diagnostic> {
    Ok(Diagnostic {
        id: r.get(0)?,
        person_id: r.get(1)?,
        kind: r.get(2)?,
        date: r.get(3)?,
        niveau: r.get(4)?,
        diplomes: r.get(5)?,
        situation_pro: r.get(6)?,
        dernier_emploi: r.get(7)?,
        inactivite_mois: r.get(8)?,
        ft_inscrit: r.get(9)?,
        ft_date: r.get(10)?,
        projet: r.get(11)?,
        metiers_cibles: r.get(12)?,
        competences: r.get(13)?,
        envies: r.get(14)?,
        themes: Vec::new(),
    })
}

pub(super) fn diag_themes(conn: &Connection, diag_id: Id) -> Result<Vec<ThemeAssessment>> {
    let mut stmt = conn.prepare_cached(
        "SELECT theme, level, comment FROM diagnostic_themes WHERE diagnostic_id=?1
         ORDER BY theme",
    )?;
    let rows = stmt
        .query_map([diag_id], |r| {
            Ok(ThemeAssessment {
                theme: r.get(0)?,
                level: r.get(1)?,
                comment: r.get(2)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

pub(super) const BARRIER_COLS: &str =
    "id, person_id, theme, situation, label, status, since, resolved, note";
pub(super) fn barrier_from(r: &Row) -> rusqlite::Result<Barrier> {
    Ok(Barrier {
        id: r.get(0)?,
        person_id: r.get(1)?,
        theme: r.get(2)?,
        situation: r.get(3)?,
        label: r.get(4)?,
        status: r.get(5)?,
        since: r.get(6)?,
        resolved: r.get(7)?,
        note: r.get(8)?,
    })
}

pub(super) const OBJECTIVE_COLS: &str = "id, person_id, theme, label, status";
pub(super) fn objective_from(r: &Row) -> rusqlite::Result<Objective> {
    Ok(Objective {
        id: r.get(0)?,
        person_id: r.get(1)?,
        theme: r.get(2)?,
        label: r.get(3)?,
        status: r.get(4)?,
    })
}

pub(super) const ACTION_COLS: &str =
    "id, person_id, objective_id, barrier_id, label, action_type, partner, due, status, outcome";
pub(super) fn action_from(r: &Row) -> rusqlite::Result<PlanAction> {
    Ok(PlanAction {
        id: r.get(0)?,
        person_id: r.get(1)?,
        objective_id: r.get(2)?,
        barrier_id: r.get(3)?,
        label: r.get(4)?,
        action_type: r.get(5)?,
        partner: r.get(6)?,
        due: r.get(7)?,
        status: r.get(8)?,
        outcome: r.get(9)?,
    })
}

pub(super) const APPT_COLS: &str = "id, person_id, start, duration_min, medium, status, report";
pub(super) fn appt_from(r: &Row) -> rusqlite::Result<Appointment> {
    Ok(Appointment {
        id: r.get(0)?,
        person_id: r.get(1)?,
        start: r.get(2)?,
        duration_min: r.get(3)?,
        medium: r.get(4)?,
        status: r.get(5)?,
        report: r.get(6)?,
        demarches: Vec::new(),
    })
}

pub(super) fn appt_demarches(conn: &Connection, appt_id: Id) -> Result<Vec<Demarche>> {
    let mut stmt = conn.prepare_cached(
        "SELECT theme, label FROM demarches WHERE appointment_id=?1 ORDER BY position",
    )?;
    let rows = stmt
        .query_map([appt_id], |r| {
            Ok(Demarche {
                theme: r.get(0)?,
                label: r.get(1)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

pub(super) const NOTE_COLS: &str = "id, person_id, at, author, private, text";
pub(super) fn note_from(r: &Row) -> rusqlite::Result<Note> {
    Ok(Note {
        id: r.get(0)?,
        person_id: r.get(1)?,
        at: r.get(2)?,
        author: r.get(3)?,
        private: r.get(4)?,
        text: r.get(5)?,
    })
}

pub(super) fn load(conn: &Connection, kind: RecordKind, id: Id) -> Result<Option<Record>> {
    fn one<T>(
        conn: &Connection,
        cols: &str,
        table: &str,
        id: Id,
        f: fn(&Row) -> rusqlite::Result<T>,
    ) -> Result<Option<T>> {
        Ok(conn
            .query_row(&format!("SELECT {cols} FROM {table} WHERE id=?1"), [id], f)
            .optional()?)
    }
    let t = table_of(kind);
    Ok(match kind {
        RecordKind::Person => one(conn, PERSON_COLS, t, id, person_from)?.map(Record::Person),
        RecordKind::Suivi => one(conn, SUIVI_COLS, t, id, suivi_from)?.map(Record::Suivi),
        RecordKind::Diagnostic => match one(conn, DIAG_COLS, t, id, diag_from)? {
            Some(mut d) => {
                d.themes = diag_themes(conn, d.id)?;
                Some(Record::Diagnostic(d))
            }
            None => None,
        },
        RecordKind::Barrier => one(conn, BARRIER_COLS, t, id, barrier_from)?.map(Record::Barrier),
        RecordKind::Objective => {
            one(conn, OBJECTIVE_COLS, t, id, objective_from)?.map(Record::Objective)
        }
        RecordKind::Action => one(conn, ACTION_COLS, t, id, action_from)?.map(Record::Action),
        RecordKind::Appointment => match one(conn, APPT_COLS, t, id, appt_from)? {
            Some(mut a) => {
                a.demarches = appt_demarches(conn, a.id)?;
                Some(Record::Appointment(a))
            }
            None => None,
        },
        RecordKind::Note => one(conn, NOTE_COLS, t, id, note_from)?.map(Record::Note),
    })
}
