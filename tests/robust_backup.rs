//! Backups and restore on real files: a backup taken while another instance writes is one
//! consistent, verified snapshot; generations are pruned to the number asked (and only
//! parcours' own backups are ever removed); restore puts a backup back, keeping the current
//! file aside, and refuses anything that is not a usable backup without touching a thing.
//!
//! Each is run on a plain base (made before accounts: `key` is `None`) and on an encrypted
//! one, whose backups are encrypted under the same key and restored with it.

use parcours::auth::{keyring_path, DbKey, Keyring};
use parcours::clock::Clock;
use parcours::domain::*;
use parcours::store::{Store, BACKUP_DIR};
use rusqlite::{Connection, OpenFlags};
use std::collections::BTreeMap;
use std::io::Write;
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

/// Opens a base, encrypted under `key` or plain.
fn open(db: &Path, key: Option<&DbKey>) -> Store {
    match key {
        Some(k) => Store::open_keyed(db, clock(), k),
        None => Store::open(db, clock()),
    }
    .unwrap()
}

fn demo_store_keyed(db: &Path, n: usize, key: Option<&DbKey>) -> Store {
    let mut store = open(db, key);
    let rf = Referential::embedded();
    store
        .insert_files(&parcours::demo::generate(&rf, n, 5, now()))
        .unwrap();
    store
}

fn demo_store(db: &Path, n: usize) -> Store {
    demo_store_keyed(db, n, None)
}

/// A plain key (`None`) and an encrypted one: each test runs on both kinds of base.
fn both() -> [Option<DbKey>; 2] {
    [None, Some(DbKey::random())]
}

fn read_only_keyed(path: &Path, key: Option<&DbKey>) -> Connection {
    let c = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
    if let Some(k) = key {
        c.execute_batch("PRAGMA cipher_log_level = NONE;").unwrap();
        c.execute_batch(&format!(
            "PRAGMA key = \"{}\";",
            k.sqlcipher_literal().as_str()
        ))
        .unwrap();
    }
    c
}

fn read_only(path: &Path) -> Connection {
    read_only_keyed(path, None)
}

/// A file is encrypted: no SQLite header, and not readable without its key.
fn assert_encrypted(path: &Path) {
    let bytes = std::fs::read(path).unwrap();
    assert_ne!(
        &bytes[..16],
        b"SQLite format 3\0",
        "{} is plain",
        path.display()
    );
    let c = read_only(path);
    assert!(
        c.query_row("SELECT count(*) FROM sqlite_master", [], |r| r
            .get::<_, i64>(0))
            .is_err(),
        "{} readable without its key",
        path.display()
    );
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
    for key in both() {
        backups_while_writing(key);
    }
}

fn backups_while_writing(key: Option<DbKey>) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("parcours.db");
    let pid = demo_store_keyed(&db, 20, key.as_ref())
        .caseload(&[])
        .unwrap()[0]
        .person_id;
    let stop = Arc::new(AtomicBool::new(false));
    // The other instance: notes go in pairs, in one transaction each.
    let writer = {
        let (db, stop) = (db.clone(), stop.clone());
        let key = key.as_ref().map(DbKey::duplicate);
        std::thread::spawn(move || {
            let mut store = open(&db, key.as_ref());
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
    let store = match &key {
        Some(k) => Store::open_keyed(&db, clock.clone(), k),
        None => Store::open(&db, clock.clone()),
    }
    .unwrap();
    let dest = dir.path().join("sauvegardes");
    let mut taken = Vec::new();
    for _ in 0..15 {
        let report = store
            .backup(Some(&dest), 100)
            .expect("backup while writing");
        clock.advance(chrono::Duration::seconds(1));
        if key.is_some() {
            assert_encrypted(&report.path);
        }
        let c = read_only_keyed(&report.path, key.as_ref());
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
    for key in both() {
        restore_round_trip(key.as_ref());
    }
}

fn restore_round_trip(key: Option<&DbKey>) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("parcours.db");
    let mut store = demo_store_keyed(&db, 6, key);
    let backup = store
        .backup(Some(&dir.path().join("copie.db")), 10)
        .unwrap()
        .path;
    if key.is_some() {
        assert_encrypted(&backup);
    }
    let at_backup = store.table_counts().unwrap();
    // Work continues after the backup; the last edit stays in the WAL (the store is
    // closed without writing again, as after a crash: see the copy below).
    let pid = store.caseload(&[]).unwrap()[0].person_id;
    store
        .apply(&note(pid, "écrite après la sauvegarde".into()))
        .unwrap();
    let after = store.table_counts().unwrap();
    drop(store);

    if key.is_some() {
        // Without the key an encrypted backup is not one: refused, nothing touched.
        assert_restore_refused(&backup, &db, None, "n'est pas une base parcours");
        // Nor with another base's key.
        assert_restore_refused(
            &backup,
            &db,
            Some(&DbKey::random()),
            "ne s'ouvre pas avec la clé de cette base",
        );
    }
    let aside = parcours::store::restore(&backup, &db, now(), key).expect("restore");
    assert!(
        aside.to_string_lossy().contains("avant-restauration"),
        "{aside:?}"
    );
    let store = open(&db, key);
    assert_eq!(store.table_counts().unwrap(), at_backup);
    assert!(store.integrity_problems().unwrap().is_empty());
    drop(store);
    if key.is_some() {
        assert_encrypted(&db);
        assert_encrypted(&aside);
    }
    // The file set aside is the base as it was, with its last edit.
    let c = read_only_keyed(&aside, key);
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

/// Restoring `src` over `db` (with `key`) fails and changes nothing at all in the folder.
fn assert_restore_refused(src: &Path, db: &Path, key: Option<&DbKey>, expected: &str) {
    let folder = db.parent().unwrap();
    let before = snapshot(folder);
    let src_before = std::fs::read(src).ok();
    let err = parcours::store::restore(src, db, now(), key).expect_err("restore refused");
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
    assert_restore_refused(&text, &db, None, "n'est pas une base parcours");

    let newer = other.path().join("recente.db");
    drop(demo_store(&newer, 2));
    Connection::open(&newer)
        .unwrap()
        .execute_batch("PRAGMA user_version = 99;")
        .unwrap();
    assert_restore_refused(&newer, &db, None, "schéma 99");

    let foreign = other.path().join("compta.db");
    Connection::open(&foreign)
        .unwrap()
        .execute_batch("CREATE TABLE factures (id INTEGER PRIMARY KEY);")
        .unwrap();
    assert_restore_refused(&foreign, &db, None, "schéma 0");

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
    assert_restore_refused(&damaged, &db, None, "endommagée");

    assert_restore_refused(&other.path().join("absente.db"), &db, None, "absente.db");
}

#[test]
fn restore_over_an_encrypted_base_refuses_what_is_not_one_of_its_backups() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("parcours.db");
    let key = DbKey::random();
    drop(demo_store_keyed(&db, 4, Some(&key)));
    let other = tempfile::tempdir().unwrap();

    // A text file, a plain base (made before accounts), another base's encrypted backup.
    let text = other.path().join("sauvegarde.db");
    std::fs::write(&text, "ceci n'est pas une base").unwrap();
    assert_restore_refused(&text, &db, Some(&key), "endommagée");
    let plain = other.path().join("ancienne.db");
    drop(demo_store(&plain, 2));
    assert_restore_refused(&plain, &db, Some(&key), "ne s'ouvre pas avec la clé");
    let foreign = other.path().join("autre-structure.db");
    drop(demo_store_keyed(&foreign, 2, Some(&DbKey::random())));
    assert_restore_refused(&foreign, &db, Some(&key), "ne s'ouvre pas avec la clé");

    // One of its own backups, but from a newer version.
    let newer = other.path().join("recente.db");
    drop(demo_store_keyed(&newer, 2, Some(&key)));
    {
        let c = Connection::open(&newer).unwrap();
        c.execute_batch("PRAGMA cipher_log_level = NONE;").unwrap();
        c.execute_batch(&format!(
            "PRAGMA key = \"{}\"; PRAGMA user_version = 99;",
            key.sqlcipher_literal().as_str()
        ))
        .unwrap();
    }
    assert_restore_refused(&newer, &db, Some(&key), "schéma 99");

    // Damaged: altered bytes in a page, a file cut short.
    let good = other.path().join("bonne.db");
    drop(demo_store_keyed(&good, 30, Some(&key)));
    let bytes = std::fs::read(&good).unwrap();
    let page = 4096;
    let mut altered = bytes.clone();
    let start = (bytes.len() / 2 / page) * page + 100;
    for b in &mut altered[start..start + 64] {
        *b ^= 0x5A;
    }
    let damaged = other.path().join("abimee.db");
    std::fs::write(&damaged, &altered).unwrap();
    assert_restore_refused(&damaged, &db, Some(&key), "endommagée");
    let cut = other.path().join("coupee.db");
    std::fs::write(&cut, &bytes[..bytes.len() / 2 + 10]).unwrap();
    assert_restore_refused(&cut, &db, Some(&key), "endommagée");

    // The sound backup still restores.
    parcours::store::restore(&good, &db, now(), Some(&key)).expect("restore");
}

#[test]
fn restore_refuses_while_the_base_is_open_elsewhere() {
    for key in both() {
        restore_while_open_elsewhere(key.as_ref());
    }
}

fn restore_while_open_elsewhere(key: Option<&DbKey>) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("parcours.db");
    let mut open_elsewhere = demo_store_keyed(&db, 4, key);
    let backup = open_elsewhere
        .backup(Some(&dir.path().join("copie.db")), 10)
        .unwrap()
        .path;
    let pid = open_elsewhere.caseload(&[]).unwrap()[0].person_id;
    open_elsewhere.apply(&note(pid, "pendant".into())).unwrap();
    // Another window of parcours still has the base open: its next edits would go to the
    // file set aside and be lost from view. Refuse, touch nothing.
    let started = std::time::Instant::now();
    assert_restore_refused(&backup, &db, key, "ouverte");
    assert!(started.elapsed().as_secs() < 10);
    // The other instance goes on working normally.
    open_elsewhere.apply(&note(pid, "après".into())).unwrap();
    drop(open_elsewhere);
    // Once it is closed, restore works.
    parcours::store::restore(&backup, &db, now(), key).expect("restore once closed");
}

#[test]
fn restore_replaces_a_damaged_base_and_keeps_it_aside_as_it_was() {
    for key in both() {
        restore_over_a_damaged_base(key.as_ref());
    }
}

fn restore_over_a_damaged_base(key: Option<&DbKey>) {
    // The day a backup is needed most: the base itself is broken.
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("parcours.db");
    let store = demo_store_keyed(&db, 5, key);
    let backup = store
        .backup(Some(&dir.path().join("copie.db")), 10)
        .unwrap()
        .path;
    let counts = store.table_counts().unwrap();
    drop(store);
    let garbage: Vec<u8> = (0..10_000u32).map(|i| (i * 7 % 251) as u8).collect();
    std::fs::write(&db, &garbage).unwrap();
    let aside = parcours::store::restore(&backup, &db, now(), key).expect("restore");
    assert_eq!(
        std::fs::read(&aside).unwrap(),
        garbage,
        "set aside as it was"
    );
    let store = open(&db, key);
    assert_eq!(store.table_counts().unwrap(), counts);
}

// ----- the command line -----

/// Runs the binary; `password`, when given, is typed on its standard input (as a script
/// does: standard input is not a terminal here).
fn cli_with(db: &Path, args: &[&str], password: Option<&str>) -> Output {
    let config = tempfile::tempdir().unwrap();
    let mut c = Command::new(env!("CARGO_BIN_EXE_parcours-hooks"));
    c.arg("--db")
        .arg(db)
        .args(args)
        .env("PARCOURS_NOW", NOW)
        .env("PARCOURS_CONFIG_DIR", config.path())
        .env_remove("PARCOURS_DB");
    let Some(pw) = password else {
        return c.stdin(Stdio::null()).output().unwrap();
    };
    let mut child = c
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // A command refused before it reads the password closes the pipe: not an error here.
    let _ = writeln!(child.stdin.take().unwrap(), "{pw}");
    child.wait_with_output().unwrap()
}

fn cli(db: &Path, args: &[&str]) -> Output {
    cli_with(db, args, None)
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
    // The demo base is encrypted; its account's password is printed once.
    let said = text(&out.stdout);
    let password = said
        .split("mot de passe « ")
        .nth(1)
        .and_then(|r| r.split(" »").next())
        .unwrap_or_else(|| panic!("no demo password in {said:?}"))
        .to_string();
    let pw = Some(password.as_str());
    let key = Keyring::load(&db)
        .unwrap()
        .unlock("demo", &password, now())
        .unwrap()
        .0;
    let cli = |db: &Path, args: &[&str]| cli_with(db, args, pw);

    // Without the password: no backup.
    let out = cli_with(&db, &["backup"], None);
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("mot de passe incorrect"));
    assert!(!dir.path().join(BACKUP_DIR).exists());

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
    // The backup is encrypted under the base's key, and its accounts file goes with it.
    assert_eq!(first.len(), 2, "{first:?}");
    assert!(first[1].ends_with(".db.comptes"), "{first:?}");
    assert_encrypted(&folder.join(&first[0]));
    let c = read_only_keyed(&folder.join(&first[0]), Some(&key));
    assert_eq!(count(&c, "SELECT count(*) FROM persons"), 7);
    drop(c);
    // A second one in the same (fixed) second, kept 1: the older one goes.
    let out = cli(&db, &["backup", "--garder", "1"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("ancienne sauvegarde supprimée"));
    let kept: Vec<String> = names(&folder);
    // The older backup went with its accounts file.
    assert_eq!(kept.len(), 2, "{kept:?}");
    assert_eq!(kept[1], format!("{}.comptes", kept[0]));
    assert_ne!(kept[0], first[0], "the newest is kept");
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

    // A wrong password: refused, nothing touched.
    let out = cli_with(
        &db,
        &["restore", "--oui", backup.to_str().unwrap()],
        Some("pas le bon mot de passe"),
    );
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("mot de passe incorrect"));
    assert_eq!(std::fs::read(&db).unwrap(), before_restore);

    let out = cli(&db, &["restore", "--oui", backup.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let said = text(&out.stdout);
    assert!(said.contains("conservée"), "{said}");
    assert_encrypted(&db);
    let export = cli(&db, &["export"]);
    assert!(export.status.success(), "{}", text(&export.stderr));
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
    assert_encrypted(&aside[0]);
    assert_eq!(
        count(
            &read_only_keyed(&aside[0], Some(&key)),
            "SELECT count(*) FROM persons"
        ),
        10
    );

    // While the base is open in another window (here: this process), refused. The files
    // are hashed by another process: opening them here would drop this process's POSIX
    // locks, which is how SQLite tells that the base is in use.
    let open_elsewhere = Store::open_keyed(&db, clock(), &key).unwrap();
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
    let before = std::fs::read(&db).unwrap();
    let out = cli(&db, &["restore", "--oui", junk.to_str().unwrap()]);
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(err.starts_with("parcours : "), "{err}");
    assert!(err.contains("endommagée"), "{err}");
    assert_eq!(std::fs::read(&db).unwrap(), before);
    assert!(keyring_path(&db).exists());
}

#[test]
fn cli_backup_and_restore_of_a_plain_base() {
    // A base made before accounts: backed up and restored as it is (with a warning), no
    // password asked.
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("parcours.db");
    drop(demo_store(&db, 4));
    let out = cli(&db, &["backup"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("n'est pas chiffrée"));
    let folder = dir.path().join(BACKUP_DIR);
    let made = names(&folder);
    assert_eq!(made.len(), 1, "no accounts file: {made:?}");
    let backup = folder.join(&made[0]);
    assert_eq!(
        count(&read_only(&backup), "SELECT count(*) FROM persons"),
        4
    );
    let mut store = Store::open(&db, clock()).unwrap();
    store
        .insert_files(&parcours::demo::generate(
            &Referential::embedded(),
            3,
            9,
            now(),
        ))
        .unwrap();
    drop(store);
    let out = cli(&db, &["restore", "--oui", backup.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(count(&read_only(&db), "SELECT count(*) FROM persons"), 4);
    assert!(!keyring_path(&db).exists());
}
