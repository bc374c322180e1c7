//! The real `parcours` binary, driven like a user would from a shell: `demo`, `check`,
//! `export`, and the failures they must report in French without touching the file.
//!
//! `demo` on a new path makes an encrypted base with the account `demo` and prints its
//! password; the other commands read it from standard input (not a terminal here), as a
//! script would. Plain files (made before accounts, or not parcours at all) keep their own
//! paths: they are tested as such.
//!
//! Never run the binary without a subcommand here: that starts the interactive screen.

use parcours::auth::{DbKey, Keyring};
use parcours::store::schema;
use std::cell::RefCell;
use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const NOW: &str = "2026-11-22 10:00:00";

fn now() -> chrono::NaiveDateTime {
    chrono::NaiveDateTime::parse_from_str(NOW, "%Y-%m-%d %H:%M:%S").unwrap()
}

struct Env {
    dir: tempfile::TempDir,
    config: tempfile::TempDir,
    /// The demo account's password of each base made by [`Env::demo`] / `demo` runs.
    passwords: RefCell<HashMap<PathBuf, String>>,
}

/// The password printed by `demo` on a new base (account « demo »).
fn demo_password(o: &Output) -> String {
    let text = stdout(o);
    let line = text
        .lines()
        .find(|l| l.starts_with("Compte de démonstration : identifiant « demo », mot de passe « "))
        .unwrap_or_else(|| panic!("no demo account line in {text:?}"));
    let pw = line
        .split("mot de passe « ")
        .nth(1)
        .and_then(|r| r.strip_suffix(" »"))
        .unwrap_or_else(|| panic!("password not found in {line:?}"))
        .to_string();
    assert_eq!(pw.len(), 19, "XXXX-XXXX-XXXX-XXXX: {pw:?}");
    assert_eq!(pw.matches('-').count(), 3, "{pw:?}");
    pw
}

/// Runs `c` with `input` on its standard input (then closed).
fn output_with_input(mut c: Command, input: &str) -> Output {
    c.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = c.spawn().expect("run parcours");
    // A command refused before it reads its password closes the pipe: not an error here.
    let _ = child.stdin.take().unwrap().write_all(input.as_bytes());
    child.wait_with_output().expect("run parcours")
}

/// The database key, unlocked with the demo account's password (to alter the file as
/// another tool would).
fn demo_key(db: &Path, password: &str) -> DbKey {
    Keyring::load(db)
        .unwrap()
        .unlock("demo", password, now())
        .expect("demo password")
        .0
}

/// A connection to an encrypted base (or a plain one with `None`).
fn connect(db: &Path, key: Option<&DbKey>) -> rusqlite::Connection {
    let conn = rusqlite::Connection::open(db).unwrap();
    if let Some(k) = key {
        conn.execute_batch("PRAGMA cipher_log_level = NONE;")
            .unwrap();
        conn.execute_batch(&format!(
            "PRAGMA key = \"{}\";",
            k.sqlcipher_literal().as_str()
        ))
        .unwrap();
    }
    conn
}

/// A plain base of `n` demo persons, as made before accounts existed (through the library,
/// without a key).
fn plain_demo(db: &Path, n: usize, seed: u64) {
    let clock = parcours::clock::Clock::fixed(now());
    let mut store = parcours::store::Store::open(db, clock).unwrap();
    let rf = parcours::domain::Referential::embedded();
    store
        .insert_files(&parcours::demo::generate(&rf, n, seed, now()))
        .unwrap();
}

impl Env {
    fn new() -> Env {
        Env {
            dir: tempfile::tempdir().unwrap(),
            config: tempfile::tempdir().unwrap(),
            passwords: RefCell::new(HashMap::new()),
        }
    }

    fn password(&self, db: &Path) -> Option<String> {
        self.passwords.borrow().get(db).cloned()
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// A command with a fixed clock, an empty config directory and no inherited database.
    fn cmd(&self, db: &Path, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_parcours-hooks"));
        c.arg("--db")
            .arg(db)
            .args(args)
            .env("PARCOURS_NOW", NOW)
            .env("PARCOURS_CONFIG_DIR", self.config.path())
            .env_remove("PARCOURS_DB")
            .env_remove("RUST_BACKTRACE")
            .stdin(Stdio::null());
        c
    }

    /// Runs a command; on a base made by `demo` here, its password is typed on standard
    /// input, as a script does. A `demo` that creates a base records the printed password.
    fn run(&self, db: &Path, args: &[&str]) -> Output {
        let out = match self.password(db) {
            Some(pw) => output_with_input(self.cmd(db, args), &format!("{pw}\n")),
            None => self.cmd(db, args).output().expect("run parcours"),
        };
        if args.first() == Some(&"demo") && stdout(&out).contains("Compte de démonstration") {
            self.passwords
                .borrow_mut()
                .insert(db.to_path_buf(), demo_password(&out));
        }
        out
    }

    /// Runs a command with nothing on standard input: no password.
    fn run_without_password(&self, db: &Path, args: &[&str]) -> Output {
        self.cmd(db, args).output().expect("run parcours")
    }

    /// A demo database of `n` persons (encrypted, account « demo »).
    fn demo(&self, name: &str, n: usize, seed: u64) -> PathBuf {
        let db = self.path(name);
        let out = self.run(
            &db,
            &[
                "demo",
                "--persons",
                &n.to_string(),
                "--seed",
                &seed.to_string(),
            ],
        );
        assert_success(&out);
        assert!(self.password(&db).is_some(), "demo printed no password");
        db
    }
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn assert_no_panic(o: &Output) {
    let err = stderr(o);
    assert!(
        !err.contains("panicked") && !err.contains("RUST_BACKTRACE"),
        "panic: {err}"
    );
    assert_ne!(o.status.code(), Some(101), "panic exit code: {err}");
}

fn assert_success(o: &Output) {
    assert_no_panic(o);
    assert!(o.status.success(), "failed: {}", stderr(o));
}

/// Exit non-zero with one clear French line on stderr containing `expected`.
fn assert_failure(o: &Output, expected: &str) {
    assert_no_panic(o);
    assert!(!o.status.success(), "should have failed: {}", stdout(o));
    let err = stderr(o);
    assert!(err.starts_with("parcours : "), "{err}");
    assert!(err.contains(expected), "expected {expected:?} in {err:?}");
    assert!(
        !err.contains("Error {") && !err.contains("Os {"),
        "debug text: {err}"
    );
}

/// Files in a directory, sorted.
fn listing(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn demo_then_check_then_export_one_person() {
    let env = Env::new();
    let db = env.path("file.db");
    let out = env.run(&db, &["demo", "--persons", "50", "--seed", "3"]);
    assert_success(&out);
    assert!(
        stderr(&out).contains("50 personnes fictives créées"),
        "{}",
        stderr(&out)
    );
    let password = demo_password(&out);
    // Encrypted: the file does not start as a SQLite file, and nothing is left beside it
    // but its accounts file.
    let bytes = std::fs::read(&db).unwrap();
    assert_ne!(
        &bytes[..16],
        b"SQLite format 3\0",
        "the demo base is encrypted"
    );
    assert_eq!(listing(env.dir.path()), ["file.db", "file.db.comptes"]);

    // Without the password: refused, nothing shown, the base untouched.
    let out = env.run_without_password(&db, &["check"]);
    assert_failure(&out, "Identifiant ou mot de passe incorrect");
    assert!(out.stdout.is_empty());
    assert_eq!(std::fs::read(&db).unwrap(), bytes);

    let out = env.run(&db, &["check"]);
    assert_success(&out);
    let text = stdout(&out);
    assert!(text.contains("Intégrité : OK"), "{text}");
    assert!(
        text.contains(&format!("Schéma : version {}", schema::LATEST)),
        "{text}"
    );
    assert!(
        text.lines()
            .any(|l| l.trim_start().starts_with("persons") && l.contains(" 50 lignes")),
        "{text}"
    );
    // The audit log counts too: one entry per demo file, the logins since.
    let audit_rows: i64 = text
        .lines()
        .find(|l| l.trim_start().starts_with("audit "))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no audit line in {text}"));
    assert!(audit_rows >= 50, "{text}");
    // A command that wrote its login folds it into the file: nothing left beside it.
    assert_eq!(listing(env.dir.path()), ["file.db", "file.db.comptes"]);
    // The same password from a file (scripts).
    let pw_file = env.config.path().join("mot-de-passe.txt");
    std::fs::write(&pw_file, format!("{password}\n")).unwrap();
    let out = env.run_without_password(
        &db,
        &["--mot-de-passe-fichier", pw_file.to_str().unwrap(), "check"],
    );
    assert_success(&out);
    assert!(stdout(&out).contains("Intégrité : OK"));

    let out = env.run(
        &db,
        &["export", "--format", "json", "--person", "2026-00007"],
    );
    assert_success(&out);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    assert_eq!(json["format"], "parcours-export");
    assert_eq!(json["format_version"], 1);
    assert_eq!(json["schema_version"], schema::LATEST);
    assert_eq!(json["exported_at"], "2026-11-22T10:00:00");
    let persons = json["persons"].as_array().unwrap();
    assert_eq!(persons.len(), 1);
    assert_eq!(persons[0]["person"]["dossier"], "2026-00007");
    assert!(!persons[0]["suivis"].as_array().unwrap().is_empty());
    assert!(stderr(&out).contains("1 dossier(s) exporté(s)"));
}

#[test]
fn export_everything_to_a_file() {
    let env = Env::new();
    let db = env.demo("file.db", 40, 5);
    let target = env.path("export.json");
    let out = env.run(
        &db,
        &["export", "--format", "json", "-o", target.to_str().unwrap()],
    );
    assert_success(&out);
    assert!(out.stdout.is_empty(), "nothing on stdout with -o");
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(&target).unwrap()).unwrap();
    assert_eq!(json["format"], "parcours-export");
    let persons = json["persons"].as_array().unwrap();
    assert_eq!(persons.len(), 40);
    let mut dossiers: Vec<&str> = persons
        .iter()
        .map(|p| p["person"]["dossier"].as_str().unwrap())
        .collect();
    dossiers.dedup();
    assert_eq!(dossiers.len(), 40);
}

#[test]
fn same_seed_same_clock_gives_the_same_export() {
    let env = Env::new();
    let export = |db: &Path| {
        let out = env.run(db, &["export", "--format", "json"]);
        assert_success(&out);
        out.stdout
    };
    let a = export(&env.demo("a.db", 30, 9));
    let b = export(&env.demo("b.db", 30, 9));
    let c = export(&env.demo("c.db", 30, 10));
    assert_eq!(a, b);
    assert_ne!(a, c);
}

#[test]
fn unknown_dossier_is_a_clear_error() {
    let env = Env::new();
    let db = env.demo("file.db", 5, 1);
    let out = env.run(
        &db,
        &["export", "--format", "json", "--person", "2026-99999"],
    );
    assert_failure(&out, "aucun dossier n° « 2026-99999 »");
    assert!(out.stdout.is_empty(), "no partial export");
}

#[test]
fn a_file_that_is_not_sqlite_is_refused_and_left_unchanged() {
    let env = Env::new();
    let db = env.path("notes.db");
    let garbage: Vec<u8> = (0..8192u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    std::fs::write(&db, &garbage).unwrap();
    for args in [
        &["check"][..],
        &["export", "--format", "json"],
        &["demo", "--persons", "3"],
    ] {
        let out = env.run(&db, args);
        assert_failure(&out, "n'est pas une base parcours");
        assert!(stderr(&out).contains("n'a pas été modifié"));
        assert_eq!(
            std::fs::read(&db).unwrap(),
            garbage,
            "file changed by {args:?}"
        );
        assert_eq!(
            listing(env.dir.path()),
            ["notes.db"],
            "side files by {args:?}"
        );
    }
    // A text file too.
    std::fs::write(&db, "nom;prénom\nDupont;Marie\n").unwrap();
    let out = env.run(&db, &["check"]);
    assert_failure(&out, "n'est pas une base parcours");
    assert_eq!(
        std::fs::read(&db).unwrap(),
        b"nom;pr\xc3\xa9nom\nDupont;Marie\n"
    );
}

#[test]
fn another_applications_sqlite_file_is_refused_and_left_unchanged() {
    let env = Env::new();
    let db = env.path("compta.db");
    {
        let conn = rusqlite::Connection::open(&db).unwrap();
        conn.execute_batch("CREATE TABLE factures (id INTEGER PRIMARY KEY, montant REAL);")
            .unwrap();
    }
    let before = std::fs::read(&db).unwrap();
    let out = env.run(&db, &["demo", "--persons", "3"]);
    assert_failure(&out, "n'est pas une base parcours");
    assert_eq!(std::fs::read(&db).unwrap(), before);
    assert_eq!(listing(env.dir.path()), ["compta.db"]);
}

#[test]
fn a_missing_directory_is_a_clear_error() {
    let env = Env::new();
    let db = env.path("absent").join("sous-dossier").join("parcours.db");
    for args in [&["check"][..], &["demo", "--persons", "2"]] {
        let out = env.run(&db, args);
        assert_failure(&out, "n'existe pas");
        assert!(stderr(&out).contains("--db"), "says how to fix it");
    }
    assert!(!env.path("absent").exists(), "directory created");
}

#[test]
fn a_database_from_a_newer_version_is_refused_and_left_unchanged() {
    let env = Env::new();
    // A plain base (made before accounts) and an encrypted one (opened with its password).
    let plain = env.path("plain.db");
    plain_demo(&plain, 3, 1);
    let encrypted = env.demo("file.db", 3, 1);
    let key = demo_key(&encrypted, &env.password(&encrypted).unwrap());
    for (db, key) in [(&plain, None), (&encrypted, Some(&key))] {
        let conn = connect(db, key);
        conn.execute_batch(&format!(
            "PRAGMA user_version = {}; PRAGMA wal_checkpoint(TRUNCATE);",
            schema::LATEST + 1
        ))
        .unwrap();
        conn.pragma_update(None, "journal_mode", "DELETE").unwrap();
    }
    let names = listing(env.dir.path());
    assert!(names.contains(&"file.db.comptes".to_string()), "{names:?}");
    for db in [&plain, &encrypted] {
        let before = std::fs::read(db).unwrap();
        let accounts = std::fs::read(parcours::auth::keyring_path(db)).ok();
        for args in [
            &["check"][..],
            &["export", "--format", "json"],
            &["demo", "--persons", "2"],
        ] {
            let out = env.run(db, args);
            assert_failure(&out, "version plus récente");
            assert!(stderr(&out).contains(&format!("schéma {}", schema::LATEST + 1)));
            assert!(out.stdout.is_empty(), "{args:?}");
            assert_eq!(
                std::fs::read(db).unwrap(),
                before,
                "{} changed by {args:?}",
                db.display()
            );
            assert_eq!(
                std::fs::read(parcours::auth::keyring_path(db)).ok(),
                accounts,
                "accounts file changed by {args:?}"
            );
            assert_eq!(listing(env.dir.path()), names, "side files by {args:?}");
        }
    }
}

#[test]
fn an_encrypted_base_refuses_a_wrong_password_or_another_bases_key_and_is_left_unchanged() {
    let env = Env::new();
    let db = env.demo("file.db", 3, 1);
    let other = env.demo("autre.db", 2, 2);
    let before = std::fs::read(&db).unwrap();

    // A wrong password: one French message, nothing read, the base untouched (the failed
    // attempt is kept in the accounts file, for the audit log at the next login).
    let out = output_with_input(
        env.cmd(&db, &["export", "--format", "json"]),
        "pas-le-bon-mot-de-passe\n",
    );
    assert_failure(&out, "Identifiant ou mot de passe incorrect");
    assert!(out.stdout.is_empty());
    assert_eq!(std::fs::read(&db).unwrap(), before);

    // The accounts file of another base: its password opens its slot, but that key does not
    // fit this file. A clear message, the base untouched.
    std::fs::copy(
        parcours::auth::keyring_path(&other),
        parcours::auth::keyring_path(&db),
    )
    .unwrap();
    let other_pw = env.password(&other).unwrap();
    for args in [&["check"][..], &["export", "--format", "json"]] {
        let out = output_with_input(env.cmd(&db, args), &format!("{other_pw}\n"));
        assert_failure(&out, "La clé de chiffrement ne correspond pas");
        assert!(out.stdout.is_empty(), "{args:?}");
        assert_eq!(std::fs::read(&db).unwrap(), before, "changed by {args:?}");
    }

    // The encrypted file copied alone, without its accounts file: refused as not readable,
    // and the message says where the accounts file should be.
    let alone = env.dir.path().join("seule");
    std::fs::create_dir(&alone).unwrap();
    let copy = alone.join("copie.db");
    std::fs::copy(&db, &copy).unwrap();
    let out = env.run_without_password(&copy, &["check"]);
    assert_failure(&out, "n'est pas une base parcours");
    assert!(
        stderr(&out).contains("copie.db.comptes"),
        "{}",
        stderr(&out)
    );
    assert_eq!(std::fs::read(&copy).unwrap(), before);
    assert_eq!(listing(&alone), ["copie.db"]);
}

#[test]
fn export_to_an_impossible_file_is_a_clear_error() {
    let env = Env::new();
    let db = env.demo("file.db", 2, 1);
    let target = env.path("absent").join("export.json");
    let out = env.run(
        &db,
        &["export", "--format", "json", "-o", target.to_str().unwrap()],
    );
    assert_failure(&out, "impossible de créer");
}

#[test]
fn export_to_a_closed_pipe_exits_quietly() {
    let env = Env::new();
    // Far more than a pipe buffer, so the writer meets the closed pipe.
    let db = env.demo("file.db", 200, 2);
    let mut child = env
        .cmd(&db, &["export", "--format", "json"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let pw = env.password(&db).unwrap();
    writeln!(child.stdin.take().unwrap(), "{pw}").unwrap();
    let out = child.wait_with_output().unwrap();
    assert_no_panic(&out);
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        !err.contains("Broken pipe") && !err.contains("parcours :"),
        "{err}"
    );
}

#[test]
fn check_to_a_closed_pipe_does_not_panic() {
    let env = Env::new();
    let db = env.demo("file.db", 2, 1);
    let mut child = env
        .cmd(&db, &["check"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let pw = env.password(&db).unwrap();
    writeln!(child.stdin.take().unwrap(), "{pw}").unwrap();
    let out = child.wait_with_output().unwrap();
    assert_no_panic(&out);
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn a_broken_referential_override_is_reported_and_the_default_used() {
    let env = Env::new();
    std::fs::write(
        env.config.path().join("referentiel.toml"),
        "disabled_themes = [\"justice\"\nthemes = 3",
    )
    .unwrap();
    let db = env.path("file.db");
    let out = env.run(&db, &["demo", "--persons", "5"]);
    assert_success(&out);
    let err = stderr(&out);
    assert!(err.contains("referentiel.toml illisible"), "{err}");
    assert!(err.contains("référentiel par défaut utilisé"), "{err}");
}

#[test]
fn the_justice_theme_can_be_switched_off() {
    let env = Env::new();
    std::fs::write(
        env.config.path().join("referentiel.toml"),
        "disabled_themes = [\"justice\"]\n",
    )
    .unwrap();
    let db = env.demo("file.db", 60, 4);
    let out = env.run(&db, &["export", "--format", "json"]);
    assert_success(&out);
    assert!(!stderr(&out).contains("référentiel"), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(!text.contains("\"theme\":\"justice\""), "justice assessed");
}

#[test]
fn parcours_db_variable_selects_the_database() {
    let env = Env::new();
    let db = env.demo("file.db", 4, 1);
    let pw_file = env.config.path().join("mot-de-passe");
    std::fs::write(&pw_file, env.password(&db).unwrap()).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_parcours-hooks"))
        .arg("check")
        .arg("--mot-de-passe-fichier")
        .arg(&pw_file)
        .env("PARCOURS_DB", &db)
        .env("PARCOURS_NOW", NOW)
        .env("PARCOURS_CONFIG_DIR", env.config.path())
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_success(&out);
    assert!(stdout(&out).contains(&format!("Base : {}", db.display())));
}

/// Adds an account from the command line: the demo password, then the new one twice.
fn add_account(env: &Env, db: &Path, login: &str, name: &str) -> Output {
    let pw = env.password(db).expect("demo base");
    let new_pw = "une autre phrase de passe";
    output_with_input(
        env.cmd(
            db,
            &[
                "--compte", "demo", "compte", "ajouter", login, "--nom", name,
            ],
        ),
        &format!("{pw}\n{new_pw}\n{new_pw}\n"),
    )
}

#[test]
fn account_names_from_the_command_line_are_cleaned_like_form_input() {
    let env = Env::new();
    let db = env.demo("file.db", 2, 1);
    assert_success(&add_account(&env, &db, "rouge", "\x1b[2J\x1b[31mrouge"));
    assert_success(&add_account(
        &env,
        &db,
        "claire",
        "  Claire\tFontaine\nBis ",
    ));

    let names: Vec<String> = Keyring::load(&db)
        .unwrap()
        .accounts()
        .iter()
        .map(|a| a.display_name.clone())
        .collect();
    assert!(names.contains(&"[2J[31mrouge".to_string()), "{names:?}");
    assert!(
        names.contains(&"Claire Fontaine Bis".to_string()),
        "{names:?}"
    );

    // `compte liste` no longer clears the terminal nor turns it red.
    let list = env.run(&db, &["--compte", "demo", "compte", "liste"]);
    assert_success(&list);
    let text = stdout(&list);
    assert!(!text.contains('\x1b') && !text.contains('\t'), "{text:?}");
    assert!(text.contains("[2J[31mrouge"), "{text}");
}

#[test]
fn an_empty_account_name_is_refused_before_any_password() {
    let env = Env::new();
    let db = env.demo("file.db", 2, 1);
    let accounts = parcours::auth::keyring_path(&db);
    let before = std::fs::read(&accounts).unwrap();
    for name in ["", "   ", "\x1b", "\t\n\r"] {
        // Nothing on standard input: the refusal comes before the password is asked.
        let out = env.run_without_password(&db, &["compte", "ajouter", "vide", "--nom", name]);
        assert_failure(&out, "le nom affiché est vide");
        assert_eq!(std::fs::read(&accounts).unwrap(), before, "{name:?}");
    }
}
