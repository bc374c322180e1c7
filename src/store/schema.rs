//! Numbered migrations. Each runs in one transaction with the bump of `PRAGMA user_version`,
//! so a failing migration leaves the previous schema intact. Never edit a released migration:
//! add a new one.
//!
//! Dates are ISO-8601 text ("2027-03-12", "2027-03-12 14:30:00"): they sort as text,
//! stay readable with the sqlite3 shell, and map to chrono types.

pub const MIGRATIONS: &[&str] = &[
    // 1: initial schema
    r#"
CREATE TABLE persons (
    id           INTEGER PRIMARY KEY,
    dossier      TEXT NOT NULL UNIQUE,  -- unique index also serves lookups by n° de dossier
    nom          TEXT NOT NULL,
    prenom       TEXT NOT NULL,
    nom_usage    TEXT NOT NULL DEFAULT '',
    birth_date   TEXT,
    sexe         TEXT NOT NULL,
    phone        TEXT NOT NULL DEFAULT '',
    email        TEXT NOT NULL DEFAULT '',
    commune      TEXT NOT NULL DEFAULT '',
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    version      INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE suivis (
    id                   INTEGER PRIMARY KEY,
    person_id            INTEGER NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
    dispositif           TEXT NOT NULL,
    referent             TEXT NOT NULL DEFAULT '',
    prescripteur         TEXT NOT NULL DEFAULT '',
    date_orientation     TEXT,
    date_premier_contact TEXT,
    date_entree          TEXT,
    contrat              TEXT NOT NULL,
    contrat_debut        TEXT,
    contrat_fin          TEXT,
    sortie_date          TEXT,
    sortie_categorie     TEXT,
    sortie_detail        TEXT NOT NULL DEFAULT ''
);
-- Caseload query: "current suivi of each person" (ORDER BY ... LIMIT 1 per person_id),
-- and the file header; also makes ON DELETE CASCADE from persons an index lookup.
CREATE INDEX suivis_by_person ON suivis(person_id, id);

CREATE TABLE diagnostics (
    id              INTEGER PRIMARY KEY,
    person_id       INTEGER NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
    kind            TEXT NOT NULL,
    date            TEXT,
    niveau          TEXT NOT NULL DEFAULT '',
    diplomes        TEXT NOT NULL DEFAULT '',
    situation_pro   TEXT NOT NULL DEFAULT '',
    dernier_emploi  TEXT NOT NULL DEFAULT '',
    inactivite_mois INTEGER,
    ft_inscrit      INTEGER NOT NULL DEFAULT 0,
    ft_date         TEXT,
    projet          TEXT NOT NULL DEFAULT '',
    metiers_cibles  TEXT NOT NULL DEFAULT '',
    competences     TEXT NOT NULL DEFAULT '',
    envies          TEXT NOT NULL DEFAULT ''
);
-- Diagnostic pane: a person's snapshots in date order.
CREATE INDEX diagnostics_by_person ON diagnostics(person_id, date, id);

-- The primary key (diagnostic_id, theme) serves "levels of one snapshot".
CREATE TABLE diagnostic_themes (
    diagnostic_id INTEGER NOT NULL REFERENCES diagnostics(id) ON DELETE CASCADE,
    theme         TEXT NOT NULL,
    level         TEXT NOT NULL,
    comment       TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (diagnostic_id, theme)
) WITHOUT ROWID;

CREATE TABLE barriers (
    id        INTEGER PRIMARY KEY,
    person_id INTEGER NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
    theme     TEXT NOT NULL,
    situation TEXT,
    label     TEXT NOT NULL DEFAULT '',
    status    TEXT NOT NULL,
    since     TEXT,
    resolved  TEXT,
    note      TEXT NOT NULL DEFAULT ''
);
-- Barrier pane: a person's barriers.
CREATE INDEX barriers_by_person ON barriers(person_id);

CREATE TABLE objectives (
    id        INTEGER PRIMARY KEY,
    person_id INTEGER NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
    theme     TEXT,
    label     TEXT NOT NULL,
    status    TEXT NOT NULL
);
-- Plan pane: a person's objectives.
CREATE INDEX objectives_by_person ON objectives(person_id);

CREATE TABLE actions (
    id           INTEGER PRIMARY KEY,
    person_id    INTEGER NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
    objective_id INTEGER REFERENCES objectives(id) ON DELETE SET NULL,
    barrier_id   INTEGER REFERENCES barriers(id) ON DELETE SET NULL,
    label        TEXT NOT NULL,
    action_type  TEXT,
    partner      TEXT NOT NULL DEFAULT '',
    due          TEXT,
    status       TEXT NOT NULL,
    outcome      TEXT NOT NULL DEFAULT ''
);
-- Caseload "overdue actions" count (person_id = ? AND due < today) and the plan pane.
CREATE INDEX actions_by_person_due ON actions(person_id, due);
-- ON DELETE SET NULL from objectives / barriers would otherwise scan all actions.
CREATE INDEX actions_by_objective ON actions(objective_id) WHERE objective_id IS NOT NULL;
CREATE INDEX actions_by_barrier ON actions(barrier_id) WHERE barrier_id IS NOT NULL;

CREATE TABLE appointments (
    id           INTEGER PRIMARY KEY,
    person_id    INTEGER NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
    start        TEXT,
    duration_min INTEGER NOT NULL DEFAULT 0,
    medium       TEXT NOT NULL,
    status       TEXT NOT NULL,
    report       TEXT NOT NULL DEFAULT ''
);
-- Caseload: last honoured interview (MAX(start) WHERE status='honore'), next appointment
-- (MIN(start) WHERE status='a_venir' AND start >= now) and past ones to set, per person:
-- each is one seek in this index. Also serves the appointment pane (person_id prefix).
CREATE INDEX appointments_by_person_status ON appointments(person_id, status, start);
-- Today view: appointments of a day range across all people.
CREATE INDEX appointments_by_start ON appointments(start);

-- The primary key serves "démarches of one appointment" in order.
CREATE TABLE demarches (
    appointment_id INTEGER NOT NULL REFERENCES appointments(id) ON DELETE CASCADE,
    position       INTEGER NOT NULL,
    theme          TEXT NOT NULL,
    label          TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (appointment_id, position)
) WITHOUT ROWID;

CREATE TABLE notes (
    id        INTEGER PRIMARY KEY,
    person_id INTEGER NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
    at        TEXT,
    author    TEXT NOT NULL DEFAULT '',
    private   INTEGER NOT NULL DEFAULT 1,
    text      TEXT NOT NULL DEFAULT ''
);
-- Notes pane: a person's journal in date order.
CREATE INDEX notes_by_person ON notes(person_id, at);
"#,
    // 2: audit log and archiving (data protection)
    r#"
-- Who did what, when, to which record: never the content. Append-only: the triggers refuse
-- any change, and deletes except of entries older than 12 months (the retention purge).
-- No foreign key: entries outlive the records they name (an erased person leaves only a
-- tombstone without identity).
CREATE TABLE audit (
    id          INTEGER PRIMARY KEY,
    at          TEXT NOT NULL,
    actor       TEXT NOT NULL,
    action      TEXT NOT NULL,
    record_kind TEXT,
    record_id   INTEGER,
    person_id   INTEGER
);
-- The admin view lists entries newest first, and the purge deletes by date: both by `at`.
CREATE INDEX audit_by_at ON audit(at);
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN
    SELECT RAISE(ABORT, 'journal d''audit : modification interdite');
END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
WHEN OLD.at >= strftime('%Y-%m-%d %H:%M:%S', 'now', 'localtime', '-12 months')
BEGIN
    SELECT RAISE(ABORT, 'journal d''audit : seules les entrées de plus de 12 mois peuvent être purgées');
END;

-- Files past the retention period (2 years after the last contact) can be archived: hidden
-- from the caseload, kept with restricted access, then erased.
ALTER TABLE persons ADD COLUMN archived_at TEXT;
"#,
];

/// The schema version this binary writes.
pub const LATEST: i64 = MIGRATIONS.len() as i64;
