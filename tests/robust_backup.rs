//! Backups and restore on real files: a backup taken while another instance writes is one
//! consistent, verified snapshot; generations are pruned to the number asked (and only
//! parcours' own backups are ever removed); restore puts a backup back, keeping the current
//! file aside, and refuses anything that is not a usable backup without touching a thing.

use parcours::clock::Clock;
use parcours::domain::*;
use parcours::store::{Store, BACKUP_DIR};
use rusqlite::{Connection, OpenFlags};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

const NOW: &str = "2026-11-22 10:00:00";

fn now() -> chrono::NaiveDateTime {
    chrono::NaiveDateTime::parse_from_str(NOW, "%Y-%m-%d %H:%M:%S").unwrap()
}

fn clock() -> Clock {
    Clock::fixed(now())
}

fn demo_store(db: &Path, n: usize) -> Store {
    let mut store = Store::open(db, clock()).unwrap();
    let rf = Referential::embedded();
    store
        .insert_files(&parcours::demo::generate(&rf, n, 5, now()))
        .unwrap();
    store
}

fn read_only(path: &Path) -> Connection {
    Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap()
}

fn count(c: &Connection, sql: &str) -> i64 {
    c.query_row(sql, [], |r| r.get(0)).unwrap()
}

fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file() && !p.to_string_lossy().ends_with("-shm"))
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect()
}

/// `sha256sum` of the files of `dir` (but the WAL index), computed by another process.
fn hashes(dir: &Path) -> String {
    let out = Command::new("sh")
        .arg("-c")
        .arg("cd \"$1\" && find . -maxdepth 1 -type f ! -name '*-shm' -exec sha256sum {} + | sort")
        .arg("sh")
        .arg(dir)
        .output()
        .unwrap();
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap()
}

fn note(pid: Id, text: String) -> Change {
    Change::Upsert(Record::Note(Note {
        person_id: pid,
        text,
        ..Default::default()
    }))
}

#[test]
fn backups_taken_while_another_instance_writes_are_consistent_and_verified() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("parcours.db");
    let pid = demo_store(&db, 20).caseload(&[]).unwrap()[0].person_id;
    let stop = Arc::new(AtomicBool::new(false));
    // The other instance: notes go in pairs, in one transaction each.
    let writer = {
        let (db, stop) = (db.clone(), stop.clone());
        std::thread::spawn(move || {
            let mut store = Store::open(&db, clock()).unwrap();
            let mut i = 0u64;
            while !stop.load(Ordering::Relaxed) {
                let text = format!("paire {i} {}", "x".repeat((i % 50) as usize * 40));
                store
                    .apply_all(&[note(pid, text.clone()), note(pid, text)])
                    .expect("writer");
                i += 1;
            }
            i
        })
    };
    let clock = clock();
    let store = Store::open(&db, clock.clone()).unwrap();
    let dest = dir.path().join("sauvegardes");
    let mut taken = Vec::new();
    for _ in 0..15 {
        let report = store
            .backup(Some(&dest), 100)
            .expect("backup while writing");
        clock.advance(chrono::Duration::seconds(1));
        let c = read_only(&report.path);
        let check: String = c
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .unwrap();
        assert_eq!(check, "ok");
        for (table, n) in &report.counts {
            assert_eq!(count(&c, &format!("SELECT count(*) FROM \"{table}\"")), *n);
        }
        // One snapshot: never half of a transaction.
        let odd = count(
            &c,
            "SELECT count(*) FROM (SELECT text FROM notes WHERE text LIKE 'paire %'
             GROUP BY text HAVING count(*) != 2)",
        );
        assert_eq!(odd, 0, "a backup holds half a transaction");
        assert_eq!(
            (c.query_row("PRAGMA journal_mode", [], |r| r.get::<_, String>(0)))
                .unwrap()
                .to_lowercase(),
            "delete",
            "self-contained file"
        );
        taken.push(count(&c, "SELECT count(*) FROM notes"));
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    stop.store(true, Ordering::Relaxed);
    let written = writer.join().unwrap();
    assert!(written > 0);
    assert!(
        taken.windows(2).all(|w| w[0] <= w[1]),
        "later backups see more: {taken:?}"
    );
    assert!(
        taken.first() < taken.last(),
        "the writer ran during the backups"
    );
    assert!(!names(&dest).iter().any(|n| n.contains("partiel")));
}

#[test]
fn generations_are_pruned_to_the_number_kept_and_only_backups_are_removed() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("parcours.db");
    let clock = clock();
    drop(demo_store(&db, 3));
    let store = Store::open(&db, clock.clone()).unwrap();
    let folder = dir.path().join(BACKUP_DIR);
    std::fs::create_dir(&folder).unwrap();
    // Files of the user that happen to sit in the folder.
    for keep in ["parcours-a-garder.db", "parcours-2020.db", "notes.txt"] {
        std::fs::write(folder.join(keep), "à garder").unwrap();
    }
    let mut made = Vec::new();
    for _ in 0..14 {
        let r = store.backup(None, 10).unwrap();
        assert_eq!(
            r.path.parent().unwrap(),
            folder,
            "default folder beside the base"
        );
        made.push(r.path.file_name().unwrap().to_string_lossy().into_owned());
        clock.advance(chrono::Duration::seconds(61));
    }
    // Several in the same second (a script, a double Entrée): still the newest kept.
    for _ in 0..4 {
        let r = store.backup(None, 10).unwrap();
        made.push(r.path.file_name().unwrap().to_string_lossy().into_owned());
    }
    let mut want: Vec<String> = made[made.len() - 10..].to_vec();
    want.extend(
        ["notes.txt", "parcours-2020.db", "parcours-a-garder.db"]
            .iter()
            .map(|s| s.to_string()),
    );
    want.sort();
    assert_eq!(names(&folder), want, "made in order: {made:?}");
    for keep in ["parcours-a-garder.db", "parcours-2020.db", "notes.txt"] {
        assert_eq!(
            std::fs::read(folder.join(keep)).unwrap(),
            "à garder".as_bytes()
        );
    }
}

#[test]
fn restore_puts_the_backup_back_and_keeps_the_current_file_aside() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("parcours.db");
    let mut store = demo_store(&db, 6);
    let backup = store
        .backup(Some(&dir.path().join("copie.db")), 10)
        .unwrap()
        .path;
    let at_backup = store.table_counts().unwrap();
    // Work continues after the backup; the last edit stays in the WAL (the store is
    // closed without writing again, as after a crash: see the copy below).
    let pid = store.caseload(&[]).unwrap()[0].person_id;
    store
        .apply(&note(pid, "écrite après la sauvegarde".into()))
        .unwrap();
    let after = store.table_counts().unwrap();
    drop(store);

    let aside = parcours::store::restore(&backup, &db, now()).expect("restore");
    assert!(
        aside.to_string_lossy().contains("avant-restauration"),
        "{aside:?}"
    );
    let store = Store::open(&db, clock()).unwrap();
    assert_eq!(store.table_counts().unwrap(), at_backup);
    assert!(store.integrity_problems().unwrap().is_empty());
    drop(store);
    // The file set aside is the base as it was, with its last edit.
    let c = read_only(&aside);
    assert_eq!(
        count(
            &c,
            "SELECT count(*) FROM notes WHERE text='écrite après la sauvegarde'"
        ),
        1
    );
    let notes = after.iter().find(|t| t.0 == "notes").unwrap().1;
    assert_eq!(count(&c, "SELECT count(*) FROM notes"), notes);
    // The backup itself is untouched and still a backup.
    assert!(backup.exists());
    assert!(!names(dir.path()).iter().any(|n| n.contains("partiel")));
}

/// Restoring `src` over `db` fails and changes nothing at all in the folder.
fn assert_restore_refused(src: &Path, db: &Path, expected: &str) {
    let folder = db.parent().unwrap();
    let before = snapshot(folder);
    let src_before = std::fs::read(src).ok();
    let err = parcours::store::restore(src, db, now()).expect_err("restore refused");
    let msg = err.to_string();
    assert!(msg.contains(expected), "expected {expected:?} in {msg:?}");
    assert_eq!(
        snapshot(folder),
        before,
        "folder changed by a refused restore"
    );
    assert_eq!(std::fs::read(src).ok(), src_before, "source changed");
}

#[test]
fn restore_refuses_what_is_not_a_usable_backup() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("parcours.db");
    drop(demo_store(&db, 4));
    let other = tempfile::tempdir().unwrap();

    let text = other.path().join("sauvegarde.db");
    std::fs::write(&text, "ceci n'est pas une base").unwrap();
    assert_restore_refused(&text, &db, "n'est pas une base parcours");

    let newer = other.path().join("recente.db");
    drop(demo_store(&newer, 2));
    Connection::open(&newer)
        .unwrap()
        .execute_batch("PRAGMA user_version = 99;")
        .unwrap();
    assert_restore_refused(&newer, &db, "schéma 99");

    let foreign = other.path().join("compta.db");
    Connection::open(&foreign)
        .unwrap()
        .execute_batch("CREATE TABLE factures (id INTEGER PRIMARY KEY);")
        .unwrap();
    assert_restore_refused(&foreign, &db, "schéma 0");

    let damaged = other.path().join("abimee.db");
    drop(demo_store(&damaged, 30));
    let mut bytes = std::fs::read(&damaged).unwrap();
    let n = bytes.len();
    for b in &mut bytes[n / 2..n / 2 + 64] {
        *b = 0x5A;
    }
    let page = 4096;
    let start = (n / 2 / page) * page;
    for b in &mut bytes[start..start + 16] {
        *b = 0xFF;
    }
    std::fs::write(&damaged, &bytes).unwrap();
    assert_restore_refused(&damaged, &db, "endommagée");

    assert_restore_refused(&other.path().join("absente.db"), &db, "absente.db");
}

#[test]
fn restore_refuses_while_the_base_is_open_elsewhere() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("parcours.db");
    let mut open_elsewhere = demo_store(&db, 4);
    let backup = open_elsewhere
        .backup(Some(&dir.path().join("copie.db")), 10)
        .unwrap()
        .path;
    let pid = open_elsewhere.caseload(&[]).unwrap()[0].person_id;
    open_elsewhere.apply(&note(pid, "pendant".into())).unwrap();
    // Another window of parcours still has the base open: its next edits would go to the
    // file set aside and be lost from view. Refuse, touch nothing.
    let started = std::time::Instant::now();
    assert_restore_refused(&backup, &db, "ouverte");
    assert!(started.elapsed().as_secs() < 10);
    // The other instance goes on working normally.
    open_elsewhere.apply(&note(pid, "après".into())).unwrap();
    drop(open_elsewhere);
    // Once it is closed, restore works.
    parcours::store::restore(&backup, &db, now()).expect("restore once closed");
}

#[test]
fn restore_replaces_a_damaged_base_and_keeps_it_aside_as_it_was() {
    // The day a backup is needed most: the base itself is broken.
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("parcours.db");
    let store = demo_store(&db, 5);
    let backup = store
        .backup(Some(&dir.path().join("copie.db")), 10)
        .unwrap()
        .path;
    let counts = store.table_counts().unwrap();
    drop(store);
    let garbage: Vec<u8> = (0..10_000u32).map(|i| (i * 7 % 251) as u8).collect();
    std::fs::write(&db, &garbage).unwrap();
    let aside = parcours::store::restore(&backup, &db, now()).expect("restore");
    assert_eq!(
        std::fs::read(&aside).unwrap(),
        garbage,
        "set aside as it was"
    );
    let store = Store::open(&db, clock()).unwrap();
    assert_eq!(store.table_counts().unwrap(), counts);
}

// ----- the command line -----

fn cli(db: &Path, args: &[&str]) -> Output {
    let config = tempfile::tempdir().unwrap();
    Command::new(env!("CARGO_BIN_EXE_parcours"))
        .arg("--db")
        .arg(db)
        .args(args)
        .env("PARCOURS_NOW", NOW)
        .env("PARCOURS_CONFIG_DIR", config.path())
        .env_remove("PARCOURS_DB")
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn cli_backup_and_restore() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("parcours.db");
    let out = cli(&db, &["demo", "--persons", "7"]);
    assert!(out.status.success(), "{}", text(&out.stderr));

    // Default folder, beside the base.
    let out = cli(&db, &["backup"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let said = text(&out.stdout);
    assert!(said.contains("Sauvegarde vérifiée"), "{said}");
    assert!(
        said.contains("hors du poste"),
        "reminds to take it off the PC: {said}"
    );
    let folder = dir.path().join(BACKUP_DIR);
    let first: Vec<String> = names(&folder);
    assert_eq!(first.len(), 1, "{first:?}");
    // A second one in the same (fixed) second, kept 1: the older one goes.
    let out = cli(&db, &["backup", "--garder", "1"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("ancienne sauvegarde supprimée"));
    let kept = names(&folder);
    assert_eq!(kept.len(), 1);
    assert_ne!(kept, first, "the newest is kept");
    let backup = folder.join(&kept[0]);

    // Change the base, then restore.
    let out = cli(&db, &["demo", "--persons", "3", "--seed", "9"]);
    assert!(out.status.success());
    let before_restore = std::fs::read(&db).unwrap();

    // Without --oui and without a terminal: refused, nothing touched.
    let listing = names(dir.path());
    let out = cli(&db, &["restore", backup.to_str().unwrap()]);
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(err.contains("--oui"), "{err}");
    assert!(!err.contains("panicked"));
    assert_eq!(std::fs::read(&db).unwrap(), before_restore);
    assert_eq!(names(dir.path()), listing);

    let out = cli(&db, &["restore", "--oui", backup.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let said = text(&out.stdout);
    assert!(said.contains("conservée"), "{said}");
    let export = cli(&db, &["export"]);
    let json: serde_json::Value = serde_json::from_slice(&export.stdout).unwrap();
    assert_eq!(
        json["persons"].as_array().map(|a| a.len()),
        Some(7),
        "the 7 persons of the backup"
    );
    let aside: Vec<PathBuf> = names(dir.path())
        .iter()
        .filter(|n| n.contains("avant-restauration"))
        .map(|n| dir.path().join(n))
        .collect();
    assert_eq!(aside.len(), 1);
    assert_eq!(
        count(&read_only(&aside[0]), "SELECT count(*) FROM persons"),
        10
    );

    // While the base is open in another window (here: this process), refused. The files
    // are hashed by another process: opening them here would drop this process's POSIX
    // locks, which is how SQLite tells that the base is in use.
    let open_elsewhere = Store::open(&db, clock()).unwrap();
    let before = hashes(dir.path());
    let out = cli(&db, &["restore", "--oui", backup.to_str().unwrap()]);
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(err.contains("ouverte dans une autre fenêtre"), "{err}");
    assert_eq!(hashes(dir.path()), before);
    drop(open_elsewhere);

    // A file that is not a backup: refused in French.
    let junk = dir.path().join("pas-une-base.db");
    std::fs::write(&junk, "bonjour").unwrap();
    let out = cli(&db, &["restore", "--oui", junk.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).starts_with("parcours : "),
        "{}",
        text(&out.stderr)
    );
}
