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
    // 3: identifiers never reused (issue 10)
    r#"
-- An erased or deleted record's id must never come back: the audit log names records by id,
-- so a new person with an old id would inherit its history. SQLite gives a plain INTEGER
-- PRIMARY KEY the highest id + 1, reusing the last one after a delete; AUTOINCREMENT never
-- does. It cannot be added to an existing table: each table is rebuilt (foreign keys are
-- off during migrations, so dropping the old table cascades nowhere; see `Store::migrate`).
-- Same columns in the same order, so rows copy with SELECT *; indexes as before.

CREATE TABLE persons_v3 (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
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
    version      INTEGER NOT NULL DEFAULT 1,
    archived_at  TEXT
);
INSERT INTO persons_v3 SELECT * FROM persons;
DROP TABLE persons;
ALTER TABLE persons_v3 RENAME TO persons;

CREATE TABLE suivis_v3 (
    id                   INTEGER PRIMARY KEY AUTOINCREMENT,
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
INSERT INTO suivis_v3 SELECT * FROM suivis;
DROP TABLE suivis;
ALTER TABLE suivis_v3 RENAME TO suivis;
-- Caseload current suivi, file header, ON DELETE CASCADE (see migration 1).
CREATE INDEX suivis_by_person ON suivis(person_id, id);

CREATE TABLE diagnostics_v3 (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
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
INSERT INTO diagnostics_v3 SELECT * FROM diagnostics;
DROP TABLE diagnostics;
ALTER TABLE diagnostics_v3 RENAME TO diagnostics;
-- Diagnostic pane: a person's snapshots in date order.
CREATE INDEX diagnostics_by_person ON diagnostics(person_id, date, id);

CREATE TABLE barriers_v3 (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    person_id INTEGER NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
    theme     TEXT NOT NULL,
    situation TEXT,
    label     TEXT NOT NULL DEFAULT '',
    status    TEXT NOT NULL,
    since     TEXT,
    resolved  TEXT,
    note      TEXT NOT NULL DEFAULT ''
);
INSERT INTO barriers_v3 SELECT * FROM barriers;
DROP TABLE barriers;
ALTER TABLE barriers_v3 RENAME TO barriers;
-- Barrier pane: a person's barriers.
CREATE INDEX barriers_by_person ON barriers(person_id);

CREATE TABLE objectives_v3 (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    person_id INTEGER NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
    theme     TEXT,
    label     TEXT NOT NULL,
    status    TEXT NOT NULL
);
INSERT INTO objectives_v3 SELECT * FROM objectives;
DROP TABLE objectives;
ALTER TABLE objectives_v3 RENAME TO objectives;
-- Plan pane: a person's objectives.
CREATE INDEX objectives_by_person ON objectives(person_id);

CREATE TABLE actions_v3 (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
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
INSERT INTO actions_v3 SELECT * FROM actions;
DROP TABLE actions;
ALTER TABLE actions_v3 RENAME TO actions;
-- Caseload "overdue actions" count and the plan pane; ON DELETE SET NULL from objectives /
-- barriers (see migration 1).
CREATE INDEX actions_by_person_due ON actions(person_id, due);
CREATE INDEX actions_by_objective ON actions(objective_id) WHERE objective_id IS NOT NULL;
CREATE INDEX actions_by_barrier ON actions(barrier_id) WHERE barrier_id IS NOT NULL;

CREATE TABLE appointments_v3 (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    person_id    INTEGER NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
    start        TEXT,
    duration_min INTEGER NOT NULL DEFAULT 0,
    medium       TEXT NOT NULL,
    status       TEXT NOT NULL,
    report       TEXT NOT NULL DEFAULT ''
);
INSERT INTO appointments_v3 SELECT * FROM appointments;
DROP TABLE appointments;
ALTER TABLE appointments_v3 RENAME TO appointments;
-- Caseload per-person seeks and the appointment pane; the today view by day range (see
-- migration 1).
CREATE INDEX appointments_by_person_status ON appointments(person_id, status, start);
CREATE INDEX appointments_by_start ON appointments(start);

CREATE TABLE notes_v3 (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    person_id INTEGER NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
    at        TEXT,
    author    TEXT NOT NULL DEFAULT '',
    private   INTEGER NOT NULL DEFAULT 1,
    text      TEXT NOT NULL DEFAULT ''
);
INSERT INTO notes_v3 SELECT * FROM notes;
DROP TABLE notes;
ALTER TABLE notes_v3 RENAME TO notes;
-- Notes pane: a person's journal in date order.
CREATE INDEX notes_by_person ON notes(person_id, at);

-- Ids already given out and gone before this migration (the last person erased, say) are
-- still named in the audit log: the counters start above those too.
-- The copies above set each counter to the table's highest id; ids given out and gone
-- before this migration (the last person erased, say) may still be named in the audit log:
-- the counters start above those too.
INSERT INTO sqlite_sequence (name, seq)
SELECT name, 0 FROM (
    SELECT 'persons' AS name UNION ALL SELECT 'suivis' UNION ALL SELECT 'diagnostics'
    UNION ALL SELECT 'barriers' UNION ALL SELECT 'objectives' UNION ALL SELECT 'actions'
    UNION ALL SELECT 'appointments' UNION ALL SELECT 'notes')
WHERE name NOT IN (SELECT name FROM sqlite_sequence);
UPDATE sqlite_sequence SET seq = max(seq,
    coalesce((SELECT MAX(record_id) FROM audit WHERE record_kind = sqlite_sequence.name), 0),
    CASE name WHEN 'persons' THEN coalesce((SELECT MAX(person_id) FROM audit), 0) ELSE 0 END);

-- N° de dossier: the last number given out per year, kept when the person is deleted or
-- erased. The primary key is the one lookup (the year of the new file).
CREATE TABLE dossier_counters (
    year INTEGER PRIMARY KEY,
    last INTEGER NOT NULL
);
-- Started from the highest generated-shape number of each year ("2026-00042", 5 digits or
-- more), and at least the number of files created that year according to the audit log
-- (which still counts files erased before this migration).
INSERT INTO dossier_counters (year, last)
SELECT year, MAX(n) FROM (
    SELECT CAST(substr(dossier, 1, 4) AS INTEGER) AS year,
           CAST(substr(dossier, 6) AS INTEGER) AS n
    FROM persons
    WHERE dossier GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9][0-9][0-9][0-9]*'
      AND substr(dossier, 6) NOT GLOB '*[^0-9]*'
    UNION ALL
    SELECT CAST(substr(at, 1, 4) AS INTEGER), COUNT(*)
    FROM audit
    WHERE action = 'creation' AND record_kind = 'persons'
    GROUP BY 1
)
GROUP BY year;
"#,
    // 4: a version per record (issue 10)
    r#"
-- Two windows on one file: an update is written only if the record is still at the version
-- it was read at, and bumps it (persons have had theirs since migration 1). Existing
-- records start at 0, as new ones do.
ALTER TABLE suivis ADD COLUMN version INTEGER NOT NULL DEFAULT 0;
ALTER TABLE diagnostics ADD COLUMN version INTEGER NOT NULL DEFAULT 0;
ALTER TABLE barriers ADD COLUMN version INTEGER NOT NULL DEFAULT 0;
ALTER TABLE objectives ADD COLUMN version INTEGER NOT NULL DEFAULT 0;
ALTER TABLE actions ADD COLUMN version INTEGER NOT NULL DEFAULT 0;
ALTER TABLE appointments ADD COLUMN version INTEGER NOT NULL DEFAULT 0;
ALTER TABLE notes ADD COLUMN version INTEGER NOT NULL DEFAULT 0;
"#,
    // 5: the activity report reads a period's appointments from an index alone (issue 12)
    r#"
-- The report reads every appointment of a year (about a million at 100k people): through
-- `appointments_by_start` each row is a seek into the table, whose pages (report text
-- included) are decrypted again and again: 1 s at 10k people. This index holds all the
-- report needs (start, person, status, medium), so the range is read from it alone, in
-- order. `appointments_by_start` stays for the today view.
CREATE INDEX appointments_for_report ON appointments(start, person_id, status, medium);
"#,
    // 6: wt-ident: identity, benefit and eligibility-source fields of the person (issues 12, 13)
    r#"
-- Identity fields of the orientation lists, the minimum social benefits (since when, right
-- status) and the sources of the IAE criteria. Text fields are '' when not known, codes ''
-- when not known, dates NULL; yes / no / unknown flags are 1 / 0 / NULL, so an old base
-- reads « unknown » everywhere, never « no ». No index: none of them is searched (the NIR
-- must never be in the caseload nor its search index); the import helper's matching by NIR
-- or ID Département adds its own if it needs one.
ALTER TABLE persons ADD COLUMN nom_naissance TEXT NOT NULL DEFAULT '';
ALTER TABLE persons ADD COLUMN caf_numero TEXT NOT NULL DEFAULT '';
ALTER TABLE persons ADD COLUMN caf_organisme TEXT NOT NULL DEFAULT '';
ALTER TABLE persons ADD COLUMN nir TEXT NOT NULL DEFAULT '';
ALTER TABLE persons ADD COLUMN id_france_travail TEXT NOT NULL DEFAULT '';
ALTER TABLE persons ADD COLUMN id_departement TEXT NOT NULL DEFAULT '';
ALTER TABLE persons ADD COLUMN role_foyer TEXT NOT NULL DEFAULT '';
ALTER TABLE persons ADD COLUMN adresse TEXT NOT NULL DEFAULT '';
ALTER TABLE persons ADD COLUMN code_postal TEXT NOT NULL DEFAULT '';
ALTER TABLE persons ADD COLUMN rsa_depuis TEXT;
ALTER TABLE persons ADD COLUMN rsa_statut TEXT NOT NULL DEFAULT '';
ALTER TABLE persons ADD COLUMN ass_depuis TEXT;
ALTER TABLE persons ADD COLUMN ass_statut TEXT NOT NULL DEFAULT '';
ALTER TABLE persons ADD COLUMN aah_depuis TEXT;
ALTER TABLE persons ADD COLUMN aah_statut TEXT NOT NULL DEFAULT '';
ALTER TABLE persons ADD COLUMN ase_sortant INTEGER;
ALTER TABLE persons ADD COLUMN protection TEXT NOT NULL DEFAULT '';
ALTER TABLE persons ADD COLUMN rqth INTEGER;
ALTER TABLE persons ADD COLUMN rqth_fin TEXT;
ALTER TABLE persons ADD COLUMN zrr INTEGER;
ALTER TABLE persons ADD COLUMN qpv INTEGER;
ALTER TABLE persons ADD COLUMN niveau_francais TEXT NOT NULL DEFAULT '';
ALTER TABLE persons ADD COLUMN parent_isole INTEGER;
"#,
    // 7: wt-year: étapes de parcours, saisines, veilles à 6 mois (issue 12)
    r#"
-- Ids never reused (AUTOINCREMENT, as every record table since migration 3): the audit log
-- names records by id. Each goes with its person (erasure) and, for saisines and veilles,
-- with its suivi.
CREATE TABLE etapes (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    person_id INTEGER NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
    kind      TEXT NOT NULL,
    debut     TEXT,
    fin       TEXT,
    organisme TEXT NOT NULL DEFAULT '',
    note      TEXT NOT NULL DEFAULT '',
    version   INTEGER NOT NULL DEFAULT 0
);
-- The file's list (person_id = ?, by start) and the cascade from persons.
CREATE INDEX etapes_by_person ON etapes(person_id, debut);
-- The report's étapes of a period (debut BETWEEN ? AND ?) across all people.
CREATE INDEX etapes_by_debut ON etapes(debut);

CREATE TABLE saisines (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    person_id INTEGER NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
    suivi_id  INTEGER NOT NULL REFERENCES suivis(id) ON DELETE CASCADE,
    date      TEXT,
    motif     TEXT NOT NULL,
    detail    TEXT NOT NULL DEFAULT '',
    version   INTEGER NOT NULL DEFAULT 0
);
-- The file's list (person_id = ?, by date) and the cascade from persons.
CREATE INDEX saisines_by_person ON saisines(person_id, date);
-- The cascade from suivis would otherwise scan every saisine.
CREATE INDEX saisines_by_suivi ON saisines(suivi_id);

CREATE TABLE veilles (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    person_id INTEGER NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
    suivi_id  INTEGER NOT NULL REFERENCES suivis(id) ON DELETE CASCADE,
    date      TEXT,
    situation TEXT NOT NULL,
    note      TEXT NOT NULL DEFAULT '',
    version   INTEGER NOT NULL DEFAULT 0
);
-- The file's list (person_id = ?, by date) and the cascade from persons.
CREATE INDEX veilles_by_person ON veilles(person_id, date);
-- The today view's « veille due » test (NOT EXISTS ... WHERE suivi_id = ?) and the cascade
-- from suivis.
CREATE INDEX veilles_by_suivi ON veilles(suivi_id);
-- The today view's exits 6 months old or more (sortie_date <= ?), latest first, without
-- reading the suivis still open (most of them).
CREATE INDEX suivis_by_exit ON suivis(sortie_date) WHERE sortie_date IS NOT NULL;
"#,
    // 8: wt-sessions: collective sessions and their participants (issue 14 §2)
    r#"
CREATE TABLE sessions (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    title        TEXT NOT NULL,
    kind         TEXT NOT NULL,
    start        TEXT,
    duration_min INTEGER NOT NULL DEFAULT 0,
    place        TEXT NOT NULL DEFAULT '',
    partner      TEXT NOT NULL DEFAULT '',
    capacity     INTEGER NOT NULL CHECK (capacity >= 1),
    themes       TEXT NOT NULL DEFAULT '',
    animateur    TEXT NOT NULL DEFAULT '',
    report       TEXT NOT NULL DEFAULT '',
    version      INTEGER NOT NULL DEFAULT 0
);
-- Sessions list, today view and report: sessions of a date range, in date order.
CREATE INDEX sessions_by_start ON sessions(start);

CREATE TABLE session_participants (
    session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    position   INTEGER NOT NULL,
    person_id  INTEGER NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
    status     TEXT NOT NULL,
    note       TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (session_id, position),
    UNIQUE (session_id, person_id)
) WITHOUT ROWID;
-- A person's sessions (their file, document, export) and the cascade when a person is
-- erased: both look participations up by person.
CREATE INDEX session_participants_by_person ON session_participants(person_id);
"#,
    // 9: wt-speed: the caseload's first screenful without reading every person (issue 14)
    r#"
-- The first screenful of the caseload (name order) reads only the people whose nom starts
-- with the first letters of the alphabet (and the odd ones: accents, digits, spaces): range
-- scans of this index, which holds all they read (id, nom, prénom), so no table page (the
-- wide identity rows) is decrypted for them. See `Store::caseload_first`.
CREATE INDEX persons_by_nom ON persons(nom, prenom);
-- « Ma file active » is the default when this advisor follows somebody: the distinct
-- referents are found by one seek each in this index (a handful of advisors) instead of a
-- pass over every suivi. See `Store::referents`.
CREATE INDEX suivis_by_referent ON suivis(referent);
"#,
    // 10: wt-elig: IAE eligibility diagnostics (issue 13)
    r#"
-- A dated eligibility diagnostic per SIAE orientation; ids never reused (AUTOINCREMENT, as
-- every record since migration 3: the audit log names records by id).
CREATE TABLE eligibilities (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    person_id  INTEGER NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
    date       TEXT,
    structure  TEXT NOT NULL,
    prescriber INTEGER NOT NULL DEFAULT 0,
    author     TEXT NOT NULL DEFAULT '',
    eligible   INTEGER NOT NULL DEFAULT 0,
    expires    TEXT,
    version    INTEGER NOT NULL DEFAULT 0
);
-- The file's list in date order, and ON DELETE CASCADE from persons as an index lookup.
CREATE INDEX eligibilities_by_person ON eligibilities(person_id, date, id);
-- The today view's « éligibilité IAE à renouveler » reads the diagnostics expiring in a
-- date range without scanning the table.
CREATE INDEX eligibilities_by_expiry ON eligibilities(expires) WHERE expires IS NOT NULL;

-- The confirmed criteria of a diagnostic; the primary key serves « criteria of one
-- diagnostic » in order, and the cascade from eligibilities.
CREATE TABLE eligibility_criteria (
    eligibility_id INTEGER NOT NULL REFERENCES eligibilities(id) ON DELETE CASCADE,
    position       INTEGER NOT NULL,
    criterion      TEXT NOT NULL,
    met            INTEGER NOT NULL DEFAULT 0,
    proof          TEXT NOT NULL DEFAULT '',
    source         TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (eligibility_id, position)
) WITHOUT ROWID;
"#,
    // 11: wt-import: the audit entry of an import says what was imported (issue 13)
    r#"
-- An import's entry carries the file name and the counts (never the content): one entry
-- for the whole file. NULL for every other entry.
ALTER TABLE audit ADD COLUMN detail TEXT;
"#,
    // 12: wt-print: the contrat d'engagement on the suivi, objectives tied to it (issue 12 §3)
    r#"
-- Since 2025 the contrat d'engagement (L5411-6) replaces CER / PPAE / CEJ / PACEA (the
-- type stays in `contrat`, old types kept): its signature and revision dates, its
-- intensity (hours a week), the jobs sought and the zone, both sides' commitments. No
-- index: these columns are read with the suivi, never searched.
ALTER TABLE suivis ADD COLUMN contrat_signe_le TEXT;
ALTER TABLE suivis ADD COLUMN contrat_revision TEXT;
ALTER TABLE suivis ADD COLUMN contrat_intensite INTEGER;
ALTER TABLE suivis ADD COLUMN contrat_metiers TEXT NOT NULL DEFAULT '';
ALTER TABLE suivis ADD COLUMN contrat_zone TEXT NOT NULL DEFAULT '';
ALTER TABLE suivis ADD COLUMN engagements_personne TEXT NOT NULL DEFAULT '';
ALTER TABLE suivis ADD COLUMN engagements_structure TEXT NOT NULL DEFAULT '';
-- An objective of the plan that belongs to the contract (1) or not (0).
ALTER TABLE objectives ADD COLUMN contrat INTEGER NOT NULL DEFAULT 0;
"#,
    // 13: wt-rep12: the activity report reads people and diagnostics from indexes alone (issue 12)
    r#"
-- The report reads, for every person with a suivi of the period, six columns of the person
-- and, of their diagnostics, the date, niveau and durée d'inactivité. A pass over those
-- tables decrypts every page of their wide rows (identity, address, projet, compétences…):
-- 0.5 s of a 100 000-person report. These indexes hold all it reads, so it reads them
-- alone. `persons_for_report` starts with the id so that new people are appended at its
-- end (no random insert); the diagnostics pane's index gains the two columns (same order,
-- same use: a person's snapshots by date) instead of a second index.
CREATE INDEX persons_for_report ON persons(id, sexe, birth_date, rsa_statut, rsa_depuis, dossier);
DROP INDEX diagnostics_by_person;
CREATE INDEX diagnostics_by_person ON diagnostics(person_id, date, id, niveau, inactivite_mois);
"#,
];

/// The schema version this binary writes.
pub const LATEST: i64 = MIGRATIONS.len() as i64;
