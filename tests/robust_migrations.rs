//! Migrations on real files: from an empty file, from a fixture of every earlier schema
//! version (built from `schema::MIGRATIONS` itself), with a future migration (a test one,
//! through `Store::open_with_migrations`), and with a failing one. A copy of the database is
//! taken before any migration of an existing schema; a failing migration leaves the schema
//! and the data as they were and says so in French.

use parcours::clock::Clock;
use parcours::domain::*;
use parcours::store::{schema, Store, StoreError};
use rusqlite::{Connection, OpenFlags};
use std::path::{Path, PathBuf};

fn clock() -> Clock {
    Clock::fixed(
        chrono::NaiveDateTime::parse_from_str("2026-11-22 10:00:00", "%Y-%m-%d %H:%M:%S").unwrap(),
    )
}

/// A schema change a future version could make (new column, new table, new index).
const NEXT: &str = "
ALTER TABLE persons ADD COLUMN pronoms TEXT NOT NULL DEFAULT '';
CREATE TABLE documents (
    id        INTEGER PRIMARY KEY,
    person_id INTEGER NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
    titre     TEXT NOT NULL
);
CREATE INDEX documents_by_person ON documents(person_id);
";

/// Starts well, then fails: nothing of it may remain.
const BROKEN: &str = "
CREATE TABLE essai (a INTEGER);
UPDATE persons SET nom = 'ÉCRASÉ';
THIS IS NOT SQL;
";

fn copy_of(db: &Path, version: i64) -> PathBuf {
    let name = db.file_name().unwrap().to_string_lossy();
    db.with_file_name(format!("{name}.avant-migration-v{version}.bak"))
}

/// A database at schema `version`, built by applying the first `version` migrations, with a
/// few demo files when the schema has tables. Returns what was stored.
///
/// Today's write code targets the latest schema (it writes the audit log, say): an earlier
/// schema gets its rows as an earlier version wrote them, copied from a database at the
/// latest schema, column by column for the columns that schema has.
fn fixture(db: &Path, version: usize) -> Vec<PersonFile> {
    let store =
        Store::open_with_migrations(db, clock(), &schema::MIGRATIONS[..version]).expect("fixture");
    assert_eq!(store.schema_version().unwrap(), version as i64);
    if version == 0 {
        return Vec::new();
    }
    let (mut latest, _tmp) = if version == schema::LATEST as usize {
        (store, None)
    } else {
        drop(store);
        let tmp = tempfile::tempdir().unwrap();
        (
            Store::open(&tmp.path().join("latest.db"), clock()).unwrap(),
            Some(tmp),
        )
    };
    let rf = Referential::embedded();
    let mut files = parcours::demo::generate(&rf, 8, 3, clock().now());
    // Records of tables an earlier schema does not have cannot be copied into it: left out.
    for f in &mut files {
        f.veilles.clear();
    }
    let ids = latest.insert_files(&files).unwrap();
    let stored: Vec<PersonFile> = ids
        .iter()
        .map(|id| latest.person_file(*id).unwrap())
        .collect();
    if latest.path() != db {
        copy_rows(latest.path(), db);
    }
    stored
}

/// Copies every row of `from` (latest schema) into the tables `to` has, keeping the columns
/// both have (ids included).
fn copy_rows(from: &Path, to: &Path) {
    let c = Connection::open(to).unwrap();
    c.execute("ATTACH DATABASE ?1 AS latest", [from.to_str().unwrap()])
        .unwrap();
    let columns = |schema: &str, table: &str| -> Vec<String> {
        let mut stmt = c
            .prepare(&format!("SELECT name FROM {schema}.pragma_table_info(?1)"))
            .unwrap();
        stmt.query_map([table], |r| r.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap()
    };
    let tables: Vec<String> = table_names(&c)
        .into_iter()
        .filter(|t| !t.starts_with("sqlite_"))
        .collect();
    c.execute_batch("PRAGMA foreign_keys = OFF; BEGIN;")
        .unwrap();
    let mut copied = 0;
    for t in &tables {
        let theirs = columns("latest", t);
        let common: Vec<String> = columns("main", t)
            .into_iter()
            .filter(|col| theirs.contains(col))
            .map(|col| format!("\"{col}\""))
            .collect();
        let list = common.join(", ");
        copied += c
            .execute(
                &format!("INSERT INTO main.\"{t}\" ({list}) SELECT {list} FROM latest.\"{t}\""),
                [],
            )
            .unwrap();
    }
    c.execute_batch("COMMIT;").unwrap();
    assert!(copied > 8, "rows copied into the earlier schema");
    c.execute_batch("DETACH DATABASE latest;").unwrap();
}

fn files(store: &Store) -> Vec<PersonFile> {
    store
        .caseload(&[])
        .unwrap()
        .iter()
        .map(|r| store.person_file(r.person_id).unwrap())
        .collect()
}

fn sorted(mut v: Vec<PersonFile>) -> Vec<PersonFile> {
    v.sort_by_key(|f| f.person.id);
    v
}

fn table_names(c: &Connection) -> Vec<String> {
    let mut stmt = c
        .prepare("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")
        .unwrap();
    stmt.query_map([], |r| r.get(0))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap()
}

fn read_only(path: &Path) -> Connection {
    Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap()
}

fn user_version(c: &Connection) -> i64 {
    c.query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap()
}

/// The copy taken before a migration: a self-contained file (rollback journal, no WAL) at
/// the old schema, sound, with the data.
fn assert_sound_copy(copy: &Path, version: i64, want: &[PersonFile]) {
    assert!(copy.exists(), "copy {} missing", copy.display());
    let bytes = std::fs::read(copy).unwrap();
    assert_eq!(&bytes[..16], b"SQLite format 3\0");
    assert_eq!((bytes[18], bytes[19]), (1, 1), "rollback journal mode");
    assert!(!PathBuf::from(format!("{}-wal", copy.display())).exists());
    let c = read_only(copy);
    assert_eq!(user_version(&c), version);
    let check: String = c
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(check, "ok");
    drop(c);
    // Put back in use (brought to today's schema, as today's parcours opens it), it holds
    // the same files.
    let tmp = tempfile::tempdir().unwrap();
    let probe = tmp.path().join("copie.db");
    std::fs::copy(copy, &probe).unwrap();
    let store = Store::open(&probe, clock()).unwrap();
    assert_eq!(sorted(files(&store)), sorted(want.to_vec()));
}

#[test]
fn an_empty_or_absent_file_gets_the_latest_schema() {
    let dir = tempfile::tempdir().unwrap();
    for (name, create) in [("vide.db", true), ("absent.db", false)] {
        let db = dir.path().join(name);
        if create {
            std::fs::write(&db, b"").unwrap();
        }
        let store = Store::open(&db, clock()).unwrap();
        assert_eq!(store.schema_version().unwrap(), schema::LATEST);
        assert!(store.integrity_problems().unwrap().is_empty());
        assert!(!copy_of(&db, 0).exists(), "nothing to copy for a new file");
    }
}

#[test]
fn every_earlier_schema_version_migrates_to_the_latest_with_its_data() {
    // Today: v0 (empty) and v1 (before the audit log); each new migration adds a fixture.
    for version in 0..schema::LATEST as usize {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("parcours.db");
        let before = fixture(&db, version);
        let store = Store::open(&db, clock()).unwrap();
        assert_eq!(
            store.schema_version().unwrap(),
            schema::LATEST,
            "from v{version}"
        );
        assert_eq!(
            sorted(files(&store)),
            sorted(before.clone()),
            "from v{version}"
        );
        assert!(store.integrity_problems().unwrap().is_empty());
        if version > 0 {
            assert_sound_copy(&copy_of(&db, version as i64), version as i64, &before);
        }
    }
}

#[test]
fn the_latest_schema_migrates_to_a_future_one_after_a_copy() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("parcours.db");
    let before = fixture(&db, schema::LATEST as usize);
    let mut next: Vec<&str> = schema::MIGRATIONS.to_vec();
    next.push(NEXT);
    let store = Store::open_with_migrations(&db, clock(), &next).unwrap();
    assert_eq!(store.schema_version().unwrap(), schema::LATEST + 1);
    assert_eq!(sorted(files(&store)), sorted(before.clone()));
    assert!(store.integrity_problems().unwrap().is_empty());
    let tables: Vec<String> = store
        .table_counts()
        .unwrap()
        .into_iter()
        .map(|t| t.0)
        .collect();
    assert!(tables.contains(&"documents".to_string()));
    assert_sound_copy(&copy_of(&db, schema::LATEST), schema::LATEST, &before);
    drop(store);
    // The binary of today refuses the migrated file (newer schema), untouched.
    let bytes = std::fs::read(&db).unwrap();
    let err = Store::open(&db, clock()).err().expect("refused");
    assert!(matches!(err, StoreError::TooNew { .. }), "{err}");
    assert_eq!(std::fs::read(&db).unwrap(), bytes);
    // Reopening at the same future version migrates nothing more.
    let store = Store::open_with_migrations(&db, clock(), &next).unwrap();
    assert_eq!(store.schema_version().unwrap(), schema::LATEST + 1);
}

#[test]
fn the_copy_includes_edits_still_in_the_wal() {
    // A file left by a crash: its last edits are only in the WAL when the migration starts.
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("source.db");
    let db = dir.path().join("parcours.db");
    fixture(&src, schema::LATEST as usize);
    {
        let conn = Connection::open(&src).unwrap();
        conn.execute_batch("PRAGMA wal_autocheckpoint=0; UPDATE persons SET commune='Douai';")
            .unwrap();
        std::fs::copy(&src, &db).unwrap();
        std::fs::copy(
            format!("{}-wal", src.display()),
            format!("{}-wal", db.display()),
        )
        .unwrap();
    }
    let mut next: Vec<&str> = schema::MIGRATIONS.to_vec();
    next.push(NEXT);
    let store = Store::open_with_migrations(&db, clock(), &next).unwrap();
    assert!(files(&store).iter().all(|f| f.person.commune == "Douai"));
    let c = read_only(&copy_of(&db, schema::LATEST));
    let douai: i64 = c
        .query_row(
            "SELECT count(*) FROM persons WHERE commune='Douai'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(douai, 8, "the copy holds the WAL's edits");
}

#[test]
fn a_failing_migration_leaves_the_schema_and_the_data_intact() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("parcours.db");
    let before = fixture(&db, schema::LATEST as usize);
    let tables_before = table_names(&read_only(&db));
    // A good migration followed by a broken one: all or nothing.
    let mut next: Vec<&str> = schema::MIGRATIONS.to_vec();
    next.push(NEXT);
    next.push(BROKEN);
    let err = Store::open_with_migrations(&db, clock(), &next)
        .err()
        .expect("the migration fails");
    let msg = err.to_string();
    assert!(matches!(err, StoreError::Migration { .. }), "{msg}");
    assert!(msg.starts_with("La mise à jour de la base"), "{msg}");
    assert!(
        msg.contains(&format!("restée au schéma {}", schema::LATEST)),
        "{msg}"
    );
    assert!(msg.contains("avant-migration"), "names the copy: {msg}");

    let c = read_only(&db);
    assert_eq!(user_version(&c), schema::LATEST, "schema version unchanged");
    assert_eq!(table_names(&c), tables_before, "no table added");
    let overwritten: i64 = c
        .query_row(
            "SELECT count(*) FROM persons WHERE nom='ÉCRASÉ'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(overwritten, 0, "no half-applied migration");
    drop(c);
    assert_sound_copy(&copy_of(&db, schema::LATEST), schema::LATEST, &before);

    // Today's binary still opens the file as it was.
    let store = Store::open(&db, clock()).unwrap();
    assert_eq!(store.schema_version().unwrap(), schema::LATEST);
    assert_eq!(sorted(files(&store)), sorted(before));
    assert!(store.integrity_problems().unwrap().is_empty());
}

#[test]
fn a_failing_first_migration_of_a_new_file_leaves_it_empty() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("parcours.db");
    let err = Store::open_with_migrations(&db, clock(), &[schema::MIGRATIONS[0], BROKEN])
        .err()
        .expect("fails");
    assert!(err.to_string().contains("schéma 0"), "{err}");
    let c = read_only(&db);
    assert_eq!(user_version(&c), 0);
    assert!(table_names(&c).is_empty(), "no table left behind");
    drop(c);
    // And a normal open then creates the schema.
    let store = Store::open(&db, clock()).unwrap();
    assert_eq!(store.schema_version().unwrap(), schema::LATEST);
}

#[test]
fn an_encrypted_base_migrates_after_an_encrypted_copy() {
    // The copy taken before a migration holds the whole base: it must be as unreadable as
    // the base without its key. An encrypted base at the previous schema: a plain fixture,
    // encrypted as the first account does it.
    let version = schema::LATEST as usize - 1;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("parcours.db");
    let before = fixture(&db, version);
    let key = parcours::auth::DbKey::random();
    parcours::store::encrypt_in_place(&db, &key).unwrap();

    let store = Store::open_keyed(&db, clock(), &key).unwrap();
    assert_eq!(store.schema_version().unwrap(), schema::LATEST);
    assert_eq!(sorted(files(&store)), sorted(before.clone()));
    drop(store);

    let copy = copy_of(&db, version as i64);
    let bytes = std::fs::read(&copy).unwrap();
    assert_ne!(&bytes[..16], b"SQLite format 3\0", "the copy is encrypted");
    let nom = &before[0].person.nom;
    assert!(
        !bytes.windows(nom.len()).any(|w| w == nom.as_bytes()),
        "a name is readable in the copy"
    );
    // Without the key it is not a database; with it, the base as it was, sound.
    let plain = read_only(&copy);
    assert!(plain
        .query_row("SELECT count(*) FROM sqlite_master", [], |r| r
            .get::<_, i64>(0))
        .is_err());
    drop(plain);
    let c = read_only(&copy);
    c.execute_batch("PRAGMA cipher_log_level = NONE;").unwrap();
    c.execute_batch(&format!(
        "PRAGMA key = \"{}\";",
        key.sqlcipher_literal().as_str()
    ))
    .unwrap();
    assert_eq!(user_version(&c), version as i64);
    let check: String = c
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(check, "ok");
    drop(c);
    let tmp = tempfile::tempdir().unwrap();
    let probe = tmp.path().join("copie.db");
    std::fs::copy(&copy, &probe).unwrap();
    let store = Store::open_keyed(&probe, clock(), &key).unwrap();
    assert_eq!(sorted(files(&store)), sorted(before));
}

#[test]
fn a_base_of_schema_2_migrates_without_reusing_the_ids_and_numbers_of_erased_files() {
    // A base of the schema before identifiers were kept (v2), where the latest file was
    // erased as that version did it: the rows gone, a tombstone in the audit log, earlier
    // entries still naming the person's id.
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("parcours.db");
    let before = fixture(&db, 2);
    let erased = before.iter().max_by_key(|f| f.person.id).unwrap().clone();
    {
        let c = Connection::open(&db).unwrap();
        c.execute_batch("PRAGMA foreign_keys = ON;").unwrap();
        c.execute(
            "INSERT INTO audit (at, actor, action, record_kind, record_id, person_id)
             VALUES ('2026-11-22 09:00:00', 'claire', 'consultation', 'persons', ?1, ?1)",
            [erased.person.id],
        )
        .unwrap();
        c.execute("DELETE FROM persons WHERE id = ?1", [erased.person.id])
            .unwrap();
        c.execute(
            "INSERT INTO audit (at, actor, action, record_kind) VALUES
             ('2026-11-22 09:05:00', 'claire', 'effacement', 'persons')",
            [],
        )
        .unwrap();
        let notes: i64 = c
            .query_row(
                "SELECT count(*) FROM notes WHERE person_id = ?1",
                [erased.person.id],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(notes, 0, "the erasure cascaded");
    }
    let kept: Vec<PersonFile> = before
        .iter()
        .filter(|f| f.person.id != erased.person.id)
        .cloned()
        .collect();

    let mut store = Store::open(&db, clock()).unwrap();
    assert_eq!(store.schema_version().unwrap(), schema::LATEST);
    assert_eq!(
        sorted(files(&store)),
        sorted(kept.clone()),
        "every row kept"
    );
    assert!(store.integrity_problems().unwrap().is_empty());
    assert_eq!(store.pragma_i64("foreign_keys").unwrap(), 1, "back on");
    assert_sound_copy(&copy_of(&db, 2), 2, &kept);

    // The next file gets neither the erased id nor its number.
    let id = store
        .apply(&Change::Upsert(Record::Person(Person::new(
            "NOUVEAU", "Test",
        ))))
        .unwrap()
        .id;
    assert!(id > erased.person.id, "id {id} reuses {}", erased.person.id);
    let dossier = store.person_file(id).unwrap().person.dossier;
    let numbers: Vec<&str> = before.iter().map(|f| f.person.dossier.as_str()).collect();
    assert!(
        !numbers.contains(&dossier.as_str()),
        "{dossier} given again"
    );
    // Children too: a new note gets an id above every note the base ever had.
    let max_note = before
        .iter()
        .flat_map(|f| &f.notes)
        .map(|n| n.id)
        .max()
        .unwrap();
    let note = store
        .apply(&Change::Upsert(Record::Note(Note {
            person_id: id,
            text: "après migration".into(),
            ..Default::default()
        })))
        .unwrap()
        .id;
    assert!(note > max_note);

    // The rebuilt tables still cascade: deleting a file removes its rows everywhere.
    let gone = kept[0].person.id;
    store
        .apply(&Change::Delete(RecordKind::Person, gone))
        .unwrap();
    let c = read_only(&db);
    for table in [
        "suivis",
        "diagnostics",
        "barriers",
        "objectives",
        "actions",
        "appointments",
        "notes",
    ] {
        let n: i64 = c
            .query_row(
                &format!("SELECT count(*) FROM {table} WHERE person_id = ?1"),
                [gone],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(n, 0, "{table} kept rows of a deleted person");
    }
    assert!(store.integrity_problems().unwrap().is_empty());
}
