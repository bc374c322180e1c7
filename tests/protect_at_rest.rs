//! Data at rest: what an advisor types through the app never reaches the disk in clear,
//! neither in the database file, nor in its WAL, nor in a backup. A plain database written
//! the same way shows the check would see it.

mod support;
use support::protect as protect_support;

use protect_support::*;

#[test]
fn markers_typed_in_the_app_are_not_readable_in_the_file_the_wal_or_a_backup() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("parcours.db");
    let s = admin_session(&db, clock());
    let key = s.key.duplicate();
    let mut store = s.store;
    let mut app = new_app(&store, clock());
    write_markers_through_the_app(&mut app, &mut store);
    let markers = MARKERS.all();

    // While the app is open: the database and its WAL (where the last writes are).
    let files = companions(&db);
    assert!(
        files.iter().any(|f| f.to_string_lossy().ends_with("-wal")),
        "{files:?}"
    );
    let found = found_in_raw(&files, &markers);
    assert!(found.is_empty(), "readable on disk: {found:?}");

    // A backup taken now.
    let report = store
        .backup(Some(&dir.path().join("sauvegardes")), 10)
        .unwrap();
    let found = found_in_raw(std::slice::from_ref(&report.path), &markers);
    assert!(found.is_empty(), "readable in the backup: {found:?}");

    // Positive control: with the key, every marker is there, in the base and the backup.
    let dump = decrypted_dump(&db, Some(&key));
    let backup_dump = decrypted_dump(&report.path, Some(&key));
    for m in &markers {
        assert!(dump.contains(m), "{m} was not written");
        assert!(backup_dump.contains(m), "{m} is not in the backup");
    }

    // After closing (WAL folded into the file).
    drop(app);
    drop(store);
    let found = found_in_raw(&companions(&db), &markers);
    assert!(
        found.is_empty(),
        "readable on disk after closing: {found:?}"
    );
}

#[test]
fn the_same_markers_are_readable_in_a_plain_database() {
    // The control that makes the test above meaningful: without encryption the very same
    // raw-byte search finds the markers.
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("clair.db");
    let mut store = parcours::store::Store::open(&db, clock()).unwrap();
    let mut app = new_app(&store, clock());
    write_markers_through_the_app(&mut app, &mut store);
    let found = found_in_raw(&companions(&db), &MARKERS.all());
    assert!(
        found.len() >= MARKERS.all().len(),
        "the raw search should find every marker in a plain file: {found:?}"
    );
}
