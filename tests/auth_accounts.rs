//! Accounts against a hostile colleague (issue 9), with the real binary and real files:
//! rights from the slot actually unlocked, revocation by key rotation, conversion of the
//! previous accounts format, throttling that holds under parallel attempts and a clock set
//! forward, weak passwords, and the copies left after an erasure.
//!
//! The binary runs on the real clock (no test hook): dates are not fixed here.

use parcours::app::keys::Keymap;
use parcours::app::shell::Shell;
use parcours::auth::{keyring_path, Account, DbKey, Keyring, Role, MAX_DELAY_SECS};
use parcours::clock::Clock;
use parcours::config::Settings;
use parcours::domain::Referential;
use parcours::session;
use parcours::store::Store;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const ADMIN: &str = "claire";
const ADMIN_PW: &str = "correct horse battery staple";
const OTHER: &str = "yanis";
const OTHER_PW: &str = "un autre mot de passe solide";
const WRONG_PW: &str = "pas le bon mot de passe du tout";

fn real_now() -> chrono::NaiveDateTime {
    use chrono::Timelike;
    chrono::Local::now()
        .naive_local()
        .with_nanosecond(0)
        .unwrap()
}

struct Env {
    dir: tempfile::TempDir,
    config: tempfile::TempDir,
}

impl Env {
    fn new() -> Env {
        Env {
            dir: tempfile::tempdir().unwrap(),
            config: tempfile::tempdir().unwrap(),
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// A password file (the binary reads the password there: no terminal here).
    fn pw_file(&self, pw: &str) -> PathBuf {
        let p = self.config.path().join(format!("pw-{:x}", fxhash(pw)));
        std::fs::write(&p, format!("{pw}\n")).unwrap();
        p
    }

    /// `parcours --db DB [--compte LOGIN --mot-de-passe-fichier F] ARGS`, `stdin` on its
    /// standard input (new passwords for `compte`).
    fn run(&self, db: &Path, login: Option<(&str, &str)>, args: &[&str], stdin: &str) -> Output {
        let mut c = self.command(db, login, args);
        c.stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = c.spawn().expect("run parcours");
        let _ = child.stdin.take().unwrap().write_all(stdin.as_bytes());
        child.wait_with_output().unwrap()
    }

    fn command(&self, db: &Path, login: Option<(&str, &str)>, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_parcours"));
        c.arg("--db")
            .arg(db)
            .env("PARCOURS_CONFIG_DIR", self.config.path())
            .env_remove("PARCOURS_DB")
            .env_remove("PARCOURS_NOW");
        if let Some((l, pw)) = login {
            c.arg("--compte")
                .arg(l)
                .arg("--mot-de-passe-fichier")
                .arg(self.pw_file(pw));
        }
        c.args(args);
        c
    }

    /// A demo base with an admin `claire` and a conseiller `yanis` (added with the binary);
    /// returns the demo account's password.
    fn base(&self, db: &Path) -> String {
        let out = self.run(db, None, &["demo", "--persons", "6"], "");
        assert_ok(&out);
        let said = stdout(&out);
        let demo_pw = said
            .split("mot de passe « ")
            .nth(1)
            .and_then(|r| r.split(" »").next())
            .unwrap()
            .to_string();
        let add = |login: &str, pw: &str, admin: bool| {
            let mut args = vec!["compte", "ajouter", login, "--nom", login];
            if admin {
                args.push("--admin");
            }
            let out = self.run(
                db,
                Some(("demo", &demo_pw)),
                &args,
                &format!("{pw}\n{pw}\n"),
            );
            assert_ok(&out);
        };
        add(ADMIN, ADMIN_PW, true);
        add(OTHER, OTHER_PW, false);
        demo_pw
    }
}

fn fxhash(s: &str) -> u64 {
    s.bytes().fold(0xcbf29ce484222325u64, |h, b| {
        (h ^ b as u64).wrapping_mul(0x100000001b3)
    })
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn assert_ok(o: &Output) {
    assert!(
        o.status.success(),
        "stdout: {}\nstderr: {}",
        stdout(o),
        stderr(o)
    );
}

fn assert_refused(o: &Output, needle: &str) {
    assert!(!o.status.success(), "accepted: {}", stdout(o));
    assert!(
        stderr(o).contains(needle),
        "{needle:?} not in {}",
        stderr(o)
    );
}

/// The key of the base, unlocked as `login`.
fn key_of(db: &Path, login: &str, pw: &str) -> DbKey {
    Keyring::load(db)
        .unwrap()
        .unlock(login, pw, real_now())
        .unwrap()
        .0
}

fn shell(db: &Path) -> Result<Shell, String> {
    Shell::new(
        db,
        Clock::system(),
        Referential::embedded(),
        Keymap::defaults(),
        Settings::default(),
    )
}

fn log_in(db: &Path, login: &str, pw: &str) -> Shell {
    use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
    let mut s = shell(db).expect("login screen");
    for v in [login, pw] {
        for c in v.chars() {
            s.handle_event(&Event::Key(KeyEvent::new(
                KeyCode::Char(c),
                KeyModifiers::NONE,
            )));
        }
        s.handle_event(&Event::Key(KeyEvent::new(
            KeyCode::Enter,
            KeyModifiers::NONE,
        )));
        s.run_pending();
    }
    assert!(s.app().is_some(), "{login} could not log in");
    s
}

fn is_admin(s: &mut Shell) -> bool {
    let r = s.running().unwrap();
    r.app.is_admin(&*r.session.store)
}

#[test]
fn rights_come_from_the_slot_unlocked_not_from_a_text_edit() {
    let env = Env::new();
    let db = env.path("parcours.db");
    env.base(&db);
    let ring_file = keyring_path(&db);
    let original = std::fs::read_to_string(&ring_file).unwrap();
    let mut yanis = log_in(&db, OTHER, OTHER_PW);
    let mut claire = log_in(&db, ADMIN, ADMIN_PW);
    assert!(!is_admin(&mut yanis));
    assert!(is_admin(&mut claire));

    // The conseiller turns his own slot into an admin one with a text editor, while logged
    // in: no rights (the slot is not tagged under the base's key for that role).
    let mut v: serde_json::Value = serde_json::from_str(&original).unwrap();
    let pos = v["slots"]
        .as_array()
        .unwrap()
        .iter()
        .position(|s| s["login"] == OTHER)
        .unwrap();
    v["slots"][pos]["role"] = "admin".into();
    std::fs::write(&ring_file, serde_json::to_string_pretty(&v).unwrap()).unwrap();
    assert!(
        !is_admin(&mut yanis),
        "a role edited in the file gave rights"
    );

    // A copy of his slot appended with the admin role: the file is refused whole.
    let mut v: serde_json::Value = serde_json::from_str(&original).unwrap();
    let mut copy = v["slots"][pos].clone();
    copy["role"] = "admin".into();
    v["slots"].as_array_mut().unwrap().push(copy);
    std::fs::write(&ring_file, serde_json::to_string_pretty(&v).unwrap()).unwrap();
    assert!(!is_admin(&mut yanis), "an appended slot gave rights");
    let err = shell(&db)
        .err()
        .expect("a file with a login twice is refused");
    assert!(err.contains("deux fois"), "{err}");
    let out = env.run(
        &db,
        Some((OTHER, OTHER_PW)),
        &["effacer", "2026-00001", "--oui"],
        "",
    );
    assert_refused(&out, "deux fois");

    // Back to the real file: the admin's rights come back; her slot removed by another
    // admin withdraws them at once, in the running session.
    std::fs::write(&ring_file, &original).unwrap();
    assert!(is_admin(&mut claire));
    let demo = Keyring::load(&db).unwrap().accounts()[0].clone();
    assert_eq!(demo.role, Role::Admin);
    Keyring::load(&db)
        .unwrap()
        .remove_account(&demo, ADMIN)
        .unwrap();
    assert!(!is_admin(&mut claire), "a removed slot kept its rights");
}

#[test]
fn old_accounts_files_no_longer_open_the_base_after_removal_or_password_change() {
    let env = Env::new();
    let db = env.path("parcours.db");
    let demo_pw = env.base(&db);
    let counts = |db: &Path, login: &str, pw: &str| {
        let out = env.run(db, Some((login, pw)), &["check"], "");
        assert_ok(&out);
        stdout(&out)
            .lines()
            .filter(|l| l.contains("lignes") && !l.contains("audit"))
            .map(str::to_string)
            .collect::<Vec<_>>()
    };
    let before = counts(&db, OTHER, OTHER_PW);
    // A thief's copy of the accounts file of today (or the one beside a backup).
    let old = std::fs::read(keyring_path(&db)).unwrap();

    let out = env.run(
        &db,
        Some(("demo", &demo_pw)),
        &["compte", "supprimer", OTHER],
        "",
    );
    assert_ok(&out);
    let said = stdout(&out);
    assert!(said.contains("rechiffrée"), "{said}");
    assert!(
        said.contains("Les sauvegardes faites avant ce changement gardent l'ancienne clé"),
        "{said}"
    );
    // With the old accounts file beside the current base: the removed account does not
    // open it, nor does anyone else's old slot.
    let thief = tempfile::tempdir().unwrap();
    let stolen = thief.path().join("parcours.db");
    std::fs::copy(&db, &stolen).unwrap();
    std::fs::write(keyring_path(&stolen), &old).unwrap();
    for (login, pw) in [
        (OTHER, OTHER_PW),
        (ADMIN, ADMIN_PW),
        ("demo", demo_pw.as_str()),
    ] {
        let out = env.run(&stolen, Some((login, pw)), &["check"], "");
        assert_refused(&out, "clé de chiffrement ne correspond pas");
    }
    // The current file: the removed account is gone, the others open the same data.
    let out = env.run(&db, Some((OTHER, OTHER_PW)), &["check"], "");
    assert_refused(&out, "Identifiant ou mot de passe incorrect");
    assert_eq!(counts(&db, ADMIN, ADMIN_PW), before);

    // A password change: the old password does not open the base, even with the accounts
    // file of before the change.
    let old = std::fs::read(keyring_path(&db)).unwrap();
    let new_pw = "une toute nouvelle phrase secrète";
    let out = env.run(
        &db,
        Some((ADMIN, ADMIN_PW)),
        &["compte", "mot-de-passe"],
        &format!("{new_pw}\n{new_pw}\n"),
    );
    assert_ok(&out);
    std::fs::copy(&db, &stolen).unwrap();
    std::fs::write(keyring_path(&stolen), &old).unwrap();
    let out = env.run(&stolen, Some((ADMIN, ADMIN_PW)), &["check"], "");
    assert_refused(&out, "clé de chiffrement ne correspond pas");
    let out = env.run(&db, Some((ADMIN, ADMIN_PW)), &["check"], "");
    assert_refused(&out, "Identifiant ou mot de passe incorrect");
    assert_eq!(counts(&db, ADMIN, new_pw), before);
    assert_eq!(counts(&db, "demo", &demo_pw), before);
}

#[test]
fn accounts_files_of_the_previous_format_convert_without_loss() {
    // A base and its accounts file made by the previous version (format 1: the database
    // key wrapped directly under each password): demo (admin), claire (admin), yanis.
    let env = Env::new();
    let db = env.path("parcours.db");
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/comptes-v1");
    std::fs::copy(fixture.join("parcours.db"), &db).unwrap();
    std::fs::copy(fixture.join("parcours.db.comptes"), keyring_path(&db)).unwrap();
    let demo_pw = "KyCC-anjj-Nnyw-R7mU";
    let slots = || -> Vec<serde_json::Value> {
        let v: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(keyring_path(&db)).unwrap()).unwrap();
        v["slots"].as_array().unwrap().clone()
    };
    assert!(slots().iter().all(|s| s.get("public_key").is_none()));
    let key_before = key_of(&db, "demo", demo_pw);
    let persons = |key: &DbKey| {
        let store = Store::open_keyed(&db, Clock::system(), key).unwrap();
        store.caseload(&[]).unwrap().len()
    };
    assert_eq!(persons(&key_before), 8);

    // Removing an account needs every remaining one converted: refused, nothing changed.
    let out = env.run(
        &db,
        Some(("demo", demo_pw)),
        &["compte", "supprimer", ADMIN],
        "",
    );
    assert_refused(&out, "doivent d'abord se connecter une fois");
    assert_eq!(slots().len(), 3);
    // Each account converts at its login, with its old password.
    for (login, pw) in [(ADMIN, ADMIN_PW), (OTHER, OTHER_PW)] {
        let out = env.run(&db, Some((login, pw)), &["check"], "");
        assert_ok(&out);
    }
    assert!(slots().iter().all(|s| s.get("public_key").is_some()));
    let out = env.run(
        &db,
        Some(("demo", demo_pw)),
        &["compte", "supprimer", ADMIN],
        "",
    );
    assert_ok(&out);
    // The data is all there, under a new key; the old file's key no longer opens it.
    let key_after = key_of(&db, OTHER, OTHER_PW);
    assert!(!key_after.same_as(&key_before));
    assert_eq!(persons(&key_after), 8);
    assert!(Store::open_keyed(&db, Clock::system(), &key_before).is_err());
}

#[test]
fn a_failure_stamped_in_the_future_counts_as_now_and_the_wait_stays_under_five_minutes() {
    let env = Env::new();
    let db = env.path("parcours.db");
    env.base(&db);
    let p = keyring_path(&db);
    let mut v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
    let ahead = (real_now() + chrono::Duration::days(3 * 365))
        .format("%Y-%m-%dT%H:%M:%S")
        .to_string();
    v["failures"] = (0..20)
        .map(|_| serde_json::json!({"login": OTHER, "at": ahead}))
        .collect();
    std::fs::write(&p, serde_json::to_string(&v).unwrap()).unwrap();
    let out = env.run(&db, Some((OTHER, OTHER_PW)), &["check"], "");
    let err = stderr(&out);
    let secs: i64 = err
        .split("réessayez dans ")
        .nth(1)
        .and_then(|r| r.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no wait in {err}"));
    assert!((1..=MAX_DELAY_SECS).contains(&secs), "{secs} s");
}

#[test]
fn forty_parallel_wrong_attempts_are_all_recorded_and_throttle() {
    let env = Env::new();
    let db = env.path("parcours.db");
    env.base(&db);
    let children: Vec<_> = (0..40)
        .map(|_| {
            env.command(&db, Some((OTHER, WRONG_PW)), &["check"])
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let outs: Vec<Output> = children
        .into_iter()
        .map(|c| c.wait_with_output().unwrap())
        .collect();
    for o in &outs {
        assert!(!o.status.success());
        let e = stderr(o);
        assert!(
            e.contains("mot de passe incorrect") || e.contains("réessayez dans"),
            "{e}"
        );
    }
    let ring = Keyring::load(&db).unwrap();
    let recorded = ring.failures().iter().filter(|f| f.login == OTHER).count();
    assert_eq!(recorded, 40);
    // 40 failures: the longest delay, counted from the last password checked.
    let wait = ring.wait_secs(OTHER, real_now());
    assert!(
        wait > MAX_DELAY_SECS - 60 && wait <= MAX_DELAY_SECS,
        "{wait}"
    );
    // The right password waits too.
    let out = env.run(&db, Some((OTHER, OTHER_PW)), &["check"], "");
    assert_refused(&out, "réessayez dans");
}

#[test]
fn a_removal_racing_failed_logins_sticks() {
    let env = Env::new();
    let db = env.path("parcours.db");
    let demo_pw = env.base(&db);
    let children: Vec<_> = (0..12)
        .map(|_| {
            env.command(&db, Some((ADMIN, WRONG_PW)), &["check"])
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let out = env.run(
        &db,
        Some(("demo", &demo_pw)),
        &["compte", "supprimer", OTHER],
        "",
    );
    for c in children {
        let _ = c.wait_with_output().unwrap();
    }
    assert_ok(&out);
    let ring = Keyring::load(&db).unwrap();
    assert!(
        ring.accounts().iter().all(|a| a.login != OTHER),
        "removal lost"
    );
    // Every failure is somewhere: still in the accounts file, or already copied into the
    // audit log by the admin's login.
    let in_file = ring.failures().iter().filter(|f| f.login == ADMIN).count();
    let key = key_of(&db, "demo", &demo_pw);
    let store = Store::open_keyed(&db, Clock::system(), &key).unwrap();
    let in_log = store
        .audit_entries(Some(ADMIN), Some("echec_connexion"), 1000)
        .unwrap()
        .len();
    assert_eq!(in_file + in_log, 12, "failures lost");
    let out = env.run(&db, Some((OTHER, OTHER_PW)), &["check"], "");
    assert_refused(&out, "Identifiant ou mot de passe incorrect");
}

#[test]
fn weak_passwords_are_refused_with_the_reason_in_french() {
    let env = Env::new();
    let db = env.path("parcours.db");
    env.base(&db);
    for (pw, why) in [
        ("aaaaaaaaaaaa", "répété"),
        ("abcabcabcabc", "répète le motif « abc »"),
        ("motdepasse2024!", "plus courants"),
    ] {
        let out = env.run(
            &db,
            Some((ADMIN, ADMIN_PW)),
            &["compte", "ajouter", "sam", "--nom", "Sam"],
            &format!("{pw}\n{pw}\n"),
        );
        assert_refused(&out, why);
    }
    assert!(Keyring::load(&db)
        .unwrap()
        .accounts()
        .iter()
        .all(|a| a.login != "sam"));
    // The cost of the new slots is stored with each slot, above OWASP's minimum.
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(keyring_path(&db)).unwrap()).unwrap();
    for s in v["slots"].as_array().unwrap() {
        let (m, t) = (s["m_cost"].as_u64().unwrap(), s["t_cost"].as_u64().unwrap());
        assert!(m * t > 19 * 1024 * 2, "{m} KiB × {t}");
    }
}

#[test]
fn backups_and_restores_are_audited_and_erasure_lists_the_copies_made_before_it() {
    let env = Env::new();
    let db = env.path("parcours.db");
    let demo_pw = env.base(&db);
    let demo = Some(("demo", demo_pw.as_str()));
    let out = env.run(&db, demo, &["backup"], "");
    assert_ok(&out);
    let backup = stdout(&out)
        .split("Sauvegarde vérifiée : ")
        .nth(1)
        .and_then(|r| r.split(" (").next())
        .unwrap()
        .to_string();
    let out = env.run(&db, demo, &["backup"], "");
    assert_ok(&out);
    let out = env.run(
        &db,
        demo,
        &["export", "-o", env.path("x.json").to_str().unwrap()],
        "",
    );
    assert_ok(&out);
    let out = env.run(&db, demo, &["restore", "--oui", &backup], "");
    assert_ok(&out);

    let key = key_of(&db, "demo", &demo_pw);
    let (dossiers, log) = {
        let store = Store::open_keyed(&db, Clock::system(), &key).unwrap();
        let ids: Vec<_> = store
            .caseload(&[])
            .unwrap()
            .iter()
            .map(|r| r.person_id)
            .collect();
        let dossiers: Vec<String> = ids
            .iter()
            .map(|id| store.person_file(*id).unwrap().person.dossier)
            .collect();
        (dossiers, store.audit_entries(None, None, 1000).unwrap())
    };
    let actions: Vec<&str> = log.iter().map(|e| e.action.as_str()).collect();
    // Newest first: the restore, then what happened after the backup (carried over).
    assert_eq!(actions[0], "restauration", "{actions:?}");
    assert!(actions.contains(&"export"), "{actions:?}");
    assert_eq!(
        actions.iter().filter(|a| **a == "sauvegarde").count(),
        2,
        "{actions:?}"
    );

    let out = env.run(&db, demo, &["effacer", &dossiers[0], "--oui"], "");
    assert_ok(&out);
    let said = stdout(&out);
    assert!(said.contains("faites avant cet effacement"), "{said}");
    let listed: Vec<&str> = said.lines().filter(|l| l.starts_with("  ")).collect();
    assert_eq!(
        listed.len(),
        3,
        "two backups and the base set aside: {said}"
    );
    assert!(
        listed.iter().any(|l| l.contains("avant-restauration")),
        "{said}"
    );
    assert!(listed.iter().all(|l| l.ends_with(')')), "dated: {said}");
    let out = env.run(
        &db,
        demo,
        &["effacer", &dossiers[1], "--oui", "--supprimer-copies"],
        "",
    );
    assert_ok(&out);
    assert!(parcours::store::old_copies(&db).is_empty());
    assert!(stdout(&out).contains("3 copie(s) supprimée(s)"));
}

#[test]
fn a_session_keeps_no_rights_once_the_key_is_rotated() {
    // Rights are checked against the key the session holds: after a rotation elsewhere
    // (password change), a session still running under the old key has none.
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("parcours.db");
    let s = session::create_first_account(&db, Clock::system(), ADMIN, "Claire", ADMIN_PW).unwrap();
    let mut ring = Keyring::load(&db).unwrap();
    ring.add_account(
        &s.account,
        &s.key,
        Account {
            login: "sam".into(),
            display_name: "Sam".into(),
            role: Role::Admin,
        },
        OTHER_PW,
        real_now(),
    )
    .unwrap();
    let old_key = s.key.duplicate();
    assert!(session::store_is_admin(&s.store));
    let noop = |_: std::time::Duration, _: u64| {};
    let (s, _) = session::change_password(s, "encore une autre phrase", &noop).unwrap();
    assert!(session::store_is_admin(&s.store));
    assert!(Keyring::load(&db)
        .unwrap()
        .verified_account(ADMIN, &old_key)
        .is_none());
}

#[test]
fn a_backup_made_before_a_rotation_restores_under_the_current_key() {
    let env = Env::new();
    let db = env.path("parcours.db");
    let demo_pw = env.base(&db);
    let demo = Some(("demo", demo_pw.as_str()));
    let out = env.run(&db, demo, &["backup"], "");
    assert_ok(&out);
    let backup = stdout(&out)
        .split("Sauvegarde vérifiée : ")
        .nth(1)
        .and_then(|r| r.split(" (").next())
        .unwrap()
        .to_string();
    let out = env.run(&db, demo, &["compte", "supprimer", OTHER], "");
    assert_ok(&out);
    // The backup keeps its old key: the current one does not open it...
    let key = key_of(&db, "demo", &demo_pw);
    assert!(!parcours::store::opens_with(Path::new(&backup), &key));
    // ...but it restores, read with its own accounts file and re-encrypted under the
    // current key: the removed account stays removed.
    let out = env.run(&db, demo, &["restore", "--oui", &backup], "");
    assert_ok(&out);
    let out = env.run(&db, Some((ADMIN, ADMIN_PW)), &["check"], "");
    assert_ok(&out);
    let out = env.run(&db, Some((OTHER, OTHER_PW)), &["check"], "");
    assert_refused(&out, "Identifiant ou mot de passe incorrect");
    let store = Store::open_keyed(&db, Clock::system(), &key).unwrap();
    assert_eq!(store.caseload(&[]).unwrap().len(), 6);
}

#[test]
fn a_rotation_is_refused_while_the_base_is_open_elsewhere_and_changes_nothing() {
    // Another window writing under the old key into a re-encrypted base would ruin it: the
    // rotation needs the base to itself, and otherwise leaves every file as it was.
    let env = Env::new();
    let db = env.path("parcours.db");
    let demo_pw = env.base(&db);
    let key = key_of(&db, "demo", &demo_pw);
    let mut other = Store::open_keyed(&db, Clock::system(), &key).unwrap();
    other.set_actor("demo");
    other.audit("consultation", None).unwrap();
    let ring_before = std::fs::read(keyring_path(&db)).unwrap();
    let out = env.run(
        &db,
        Some(("demo", &demo_pw)),
        &["compte", "supprimer", OTHER],
        "",
    );
    assert_refused(&out, "ouverte dans une autre fenêtre");
    assert_eq!(std::fs::read(keyring_path(&db)).unwrap(), ring_before);
    // The other window goes on under the same key.
    other.audit("consultation", None).unwrap();
    assert!(other.integrity_problems().unwrap().is_empty());
    drop(other);
    let out = env.run(&db, Some((OTHER, OTHER_PW)), &["check"], "");
    assert_ok(&out);
}

#[test]
fn an_interrupted_rotation_is_finished_at_the_next_login() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("parcours.db");
    let s = session::create_first_account(&db, Clock::system(), ADMIN, "Claire", ADMIN_PW).unwrap();
    let account = s.account.clone();
    let key = s.key.duplicate();
    drop(s);
    // Stopped after the accounts file got the next key, before the base was re-encrypted:
    // the next login re-encrypts it and finishes.
    let next = Keyring::load(&db)
        .unwrap()
        .begin_rotation(&account, &key, None, None, real_now())
        .unwrap();
    assert!(Keyring::load(&db).unwrap().rotation_pending());
    let s = session::login(&db, Clock::system(), ADMIN, ADMIN_PW).unwrap();
    assert!(s.key.same_as(&next));
    assert!(!Keyring::load(&db).unwrap().rotation_pending());
    assert!(Store::open_keyed(&db, Clock::system(), &key).is_err());
    drop(s);
    // Stopped after the re-encryption, before the accounts file was finished.
    let key = next;
    let next = Keyring::load(&db)
        .unwrap()
        .begin_rotation(&account, &key, None, None, real_now())
        .unwrap();
    parcours::store::Exclusive::take(&db, &key)
        .unwrap()
        .rekey(&next)
        .unwrap();
    let s = session::login(&db, Clock::system(), ADMIN, ADMIN_PW).unwrap();
    assert!(s.key.same_as(&next));
    assert!(session::store_is_admin(&s.store));
    assert!(!Keyring::load(&db).unwrap().rotation_pending());
}
