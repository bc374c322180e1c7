//! Damaged or wrong database files, through the real binary (`check` and `export`): each
//! gets a clear French message on stderr, a non-zero exit, no panic text, and the file —
//! and its WAL, when there is one — is left byte-for-byte unchanged.
//!
//! Read-only files: root ignores file permissions, and CI runs as root. When the tests run
//! as root, the binary is started as the unprivileged user `nobody` (uid 65534) so that the
//! permission check is real; when that is impossible the test says so and checks what it
//! can (see `read_only_file_is_refused_and_left_unchanged`).
//!
//! Each case is run on a plain file (a base made before accounts, or not parcours at all:
//! the header checks apply) and, where it makes sense, on an encrypted base made by `demo`,
//! opened with its password (typed on standard input) — its accounts file must not change
//! either.

use parcours::auth::{keyring_path, DbKey, Keyring};
use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const NOW: &str = "2026-11-22 10:00:00";

fn now() -> chrono::NaiveDateTime {
    chrono::NaiveDateTime::parse_from_str(NOW, "%Y-%m-%d %H:%M:%S").unwrap()
}

struct Env {
    dir: tempfile::TempDir,
    config: tempfile::TempDir,
    /// Password of the encrypted bases made by [`Env::demo`], by path (copies included).
    passwords: RefCell<HashMap<PathBuf, String>>,
}

/// The password `demo` prints for the account it creates on a new base.
fn demo_password(o: &Output) -> String {
    let text = String::from_utf8_lossy(&o.stdout);
    text.split("mot de passe « ")
        .nth(1)
        .and_then(|r| r.split(" »").next())
        .unwrap_or_else(|| panic!("no demo password in {text:?}"))
        .to_string()
}

/// The key of an encrypted base, from its accounts file and the demo password.
fn key_of(db: &Path, password: &str) -> DbKey {
    Keyring::load(db)
        .unwrap()
        .unlock("demo", password, now())
        .expect("demo password")
        .0
}

/// A connection as another SQLite tool would open the file (with the key when encrypted).
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

impl Env {
    fn new() -> Env {
        Env {
            dir: tempfile::tempdir().unwrap(),
            config: tempfile::tempdir().unwrap(),
            passwords: RefCell::new(HashMap::new()),
        }
    }

    /// `db` is a copy of the encrypted base `of` (same accounts, same password).
    fn same_password(&self, db: &Path, of: &Path) {
        let pw = self.passwords.borrow()[of].clone();
        self.passwords.borrow_mut().insert(db.to_path_buf(), pw);
    }

    fn key(&self, db: &Path) -> DbKey {
        key_of(db, &self.passwords.borrow()[db])
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

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

    /// Runs a command; for an encrypted base made here, its password is typed on standard
    /// input (as a script does).
    fn run(&self, db: &Path, args: &[&str]) -> Output {
        let pw = self.passwords.borrow().get(db).cloned();
        run_with_password(self.cmd(db, args), pw.as_deref())
    }

    /// A real encrypted database of `n` demo persons (account « demo »), as a single file
    /// (no WAL left beside it) and its accounts file.
    fn demo(&self, name: &str, n: usize) -> PathBuf {
        let db = self.path(name);
        let out = self.run(&db, &["demo", "--persons", &n.to_string()]);
        assert!(out.status.success(), "{}", stderr(&out));
        assert!(!wal_of(&db).exists());
        assert!(keyring_path(&db).exists());
        self.passwords
            .borrow_mut()
            .insert(db.clone(), demo_password(&out));
        db
    }

    /// A plain database of `n` demo persons, as made before accounts existed (through the
    /// library, without a key), as a single file.
    fn plain_demo(&self, name: &str, n: usize) -> PathBuf {
        let db = self.path(name);
        let clock = parcours::clock::Clock::fixed(now());
        let mut store = parcours::store::Store::open(&db, clock).unwrap();
        let rf = parcours::domain::Referential::embedded();
        store
            .insert_files(&parcours::demo::generate(&rf, n, 1, now()))
            .unwrap();
        drop(store);
        assert!(!wal_of(&db).exists());
        assert_eq!(&std::fs::read(&db).unwrap()[..16], b"SQLite format 3\0");
        db
    }
}

/// Runs `c`, typing `password` and Entrée on its standard input when there is one.
fn run_with_password(mut c: Command, password: Option<&str>) -> Output {
    let Some(pw) = password else {
        return c.output().expect("run parcours");
    };
    c.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = c.spawn().expect("run parcours");
    // A command refused before it reads the password closes the pipe: not an error here.
    let _ = writeln!(child.stdin.take().unwrap(), "{pw}");
    child.wait_with_output().expect("run parcours")
}

fn wal_of(db: &Path) -> PathBuf {
    PathBuf::from(format!("{}-wal", db.display()))
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Every file of a directory with its bytes.
fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect()
}

/// The database and its WAL are unchanged; the only file that may appear is the WAL index
/// (`-shm`, rebuilt from the WAL by SQLite: it holds no data).
fn assert_unchanged(before: &BTreeMap<String, Vec<u8>>, dir: &Path, what: &str) {
    let mut after = snapshot(dir);
    after.retain(|name, _| !name.ends_with("-shm") || before.contains_key(name));
    let names = |m: &BTreeMap<String, Vec<u8>>| m.keys().cloned().collect::<Vec<_>>();
    assert_eq!(
        names(&after),
        names(before),
        "{what}: files added or removed"
    );
    for (name, bytes) in before {
        if name.ends_with("-shm") {
            continue;
        }
        assert!(after[name] == *bytes, "{what}: {name} was modified");
    }
}

fn assert_no_panic(o: &Output, what: &str) {
    let err = stderr(o);
    assert!(
        !err.contains("panicked") && !err.contains("RUST_BACKTRACE"),
        "{what}: panic: {err}"
    );
    assert_ne!(o.status.code(), Some(101), "{what}: panic exit code: {err}");
}

/// Non-zero exit, one French line on stderr mentioning one of `expected`, no debug text.
fn assert_refused(o: &Output, expected: &[&str], what: &str) {
    assert_no_panic(o, what);
    let err = stderr(o);
    assert!(
        !o.status.success(),
        "{what}: should have failed; stderr: {err}"
    );
    // A plain base (made before accounts) opens with a warning line first.
    let err = err
        .strip_prefix("Attention : cette base n'est pas chiffrée. Lancez parcours sans commande pour créer le premier compte : la base sera chiffrée.\n")
        .unwrap_or(&err);
    assert!(err.starts_with("parcours : "), "{what}: {err}");
    assert_eq!(err.lines().count(), 1, "{what}: one line: {err}");
    assert!(
        expected.iter().any(|e| err.contains(e)),
        "{what}: expected one of {expected:?} in {err:?}"
    );
    assert!(
        !err.contains("Error {") && !err.contains("Os {") && !err.contains("«  »"),
        "{what}: debug text or empty path: {err}"
    );
}

/// `check` and `export` on `db` both refused, nothing changed in its folder.
fn refused_by_check_and_export(env: &Env, db: &Path, expected: &[&str], what: &str) {
    let dir = db.parent().unwrap();
    let before = snapshot(dir);
    for args in [&["check"][..], &["export", "--format", "json"]] {
        let out = env.run(db, args);
        let what = format!("{what}, {args:?}");
        assert_refused(&out, expected, &what);
        assert!(
            out.stdout.is_empty() || args[0] == "check",
            "{what}: partial export"
        );
        assert_unchanged(&before, dir, &what);
    }
}

const NOT_PARCOURS: &[&str] = &["n'est pas une base parcours"];
const DAMAGED: &[&str] = &["endommagée"];

#[test]
fn text_and_random_bytes_are_not_databases() {
    let env = Env::new();
    let db = env.path("liste.db");
    std::fs::write(&db, "Nom;Prénom;Téléphone\nDUPONT;Marie;06 00 00 00 00\n").unwrap();
    refused_by_check_and_export(&env, &db, NOT_PARCOURS, "text file");

    let mut seed = 0x9E37_79B9_7F4A_7C15u64;
    let random: Vec<u8> = (0..20_000)
        .map(|_| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed as u8
        })
        .collect();
    std::fs::write(&db, &random).unwrap();
    refused_by_check_and_export(&env, &db, NOT_PARCOURS, "random bytes");

    // Random bytes after a valid SQLite magic string.
    let mut fake = b"SQLite format 3\0".to_vec();
    fake.extend_from_slice(&random);
    std::fs::write(&db, &fake).unwrap();
    refused_by_check_and_export(
        &env,
        &db,
        &["endommagée", "n'est pas une base"],
        "fake header",
    );
}

#[test]
fn truncated_databases_are_refused() {
    let env = Env::new();
    let plain = env.plain_demo("plain.db", 40);
    let encrypted = env.demo("parcours.db", 40);
    for db in [plain, encrypted] {
        let full = std::fs::read(&db).unwrap();
        assert!(full.len() > 8 * 4096, "a real file of several pages");
        let name = db.file_name().unwrap().to_string_lossy().into_owned();

        std::fs::write(&db, &full[..full.len() / 2]).unwrap();
        refused_by_check_and_export(&env, &db, DAMAGED, &format!("{name} cut in half"));
        let err = stderr(&env.run(&db, &["check"]));
        assert!(err.contains("tronqué"), "{err}");

        std::fs::write(&db, &full[..50]).unwrap();
        refused_by_check_and_export(&env, &db, DAMAGED, &format!("{name} cut to 50 bytes"));
        let err = stderr(&env.run(&db, &["check"]));
        assert!(err.contains("tronqué"), "{err}");

        // Cut on a page boundary, one page short.
        std::fs::write(&db, &full[..full.len() - 4096]).unwrap();
        refused_by_check_and_export(&env, &db, DAMAGED, &format!("{name} one page short"));
    }
}

/// Page size of a database file, from its header.
fn page_size(bytes: &[u8]) -> usize {
    match u16::from_be_bytes([bytes[16], bytes[17]]) {
        1 => 65536,
        p => p as usize,
    }
}

#[test]
fn corrupted_pages_are_reported_by_check_and_never_panic() {
    let env = Env::new();
    let db = env.plain_demo("parcours.db", 40);
    let good = std::fs::read(&db).unwrap();
    let size = page_size(&good);
    let pages = good.len() / size;
    assert!(pages >= 10, "{pages} pages");
    // Each page in turn (and the middle of page 1, after the header) gets its first bytes
    // overwritten: b-tree page headers and overflow pointers become garbage.
    let mut damaged_positions: Vec<(String, usize)> = vec![("page 1 (schema)".into(), 100)];
    for p in 1..pages {
        damaged_positions.push((format!("page {}", p + 1), p * size));
    }
    let mut check_refusals = 0;
    let mut export_refusals = 0;
    for (what, at) in &damaged_positions {
        let mut bytes = good.clone();
        for (i, b) in bytes[*at..*at + 48].iter_mut().enumerate() {
            *b = 0xA5 ^ (i as u8);
        }
        std::fs::write(&db, &bytes).unwrap();
        let before = snapshot(env.dir.path());
        let out = env.run(&db, &["check"]);
        let what_c = format!("{what}, check");
        assert_refused(&out, &["endommagée", "intégrité"], &what_c);
        assert_unchanged(&before, env.dir.path(), &what_c);
        check_refusals += 1;
        // Export may not read the damaged page (an index, say): then it succeeds; when it
        // does read it, it fails cleanly.
        let out = env.run(&db, &["export", "--format", "json"]);
        let what_e = format!("{what}, export");
        assert_no_panic(&out, &what_e);
        if !out.status.success() {
            assert_refused(&out, &["endommagée", "base de données"], &what_e);
            export_refusals += 1;
        }
        assert_unchanged(&before, env.dir.path(), &what_e);
    }
    println!(
        "{} damaged files: check refused {check_refusals}, export refused {export_refusals}",
        damaged_positions.len()
    );
    assert!(export_refusals > 0);
}

#[test]
fn corrupted_pages_of_an_encrypted_base_are_reported_and_never_panic() {
    // Every page carries an authentication code: altered bytes anywhere make the page
    // unreadable, and `check` says so instead of reading on.
    let env = Env::new();
    let db = env.demo("parcours.db", 40);
    let good = std::fs::read(&db).unwrap();
    let size = 4096;
    assert_eq!(good.len() % size, 0);
    let pages = good.len() / size;
    assert!(pages >= 10, "{pages} pages");
    // Page 1 after its salt (the start of the encrypted header), then pages spread over
    // the file, the last one included.
    let mut damaged_positions: Vec<(String, usize)> = vec![("page 1".into(), 100)];
    for p in [1, 2, pages / 4, pages / 2, 3 * pages / 4, pages - 1] {
        damaged_positions.push((format!("page {}", p + 1), p * size + 32));
    }
    let mut export_refusals = 0;
    for (what, at) in &damaged_positions {
        let mut bytes = good.clone();
        for (i, b) in bytes[*at..*at + 48].iter_mut().enumerate() {
            *b = 0xA5 ^ (i as u8);
        }
        std::fs::write(&db, &bytes).unwrap();
        let before = snapshot(env.dir.path());
        let out = env.run(&db, &["check"]);
        let what_c = format!("{what}, check");
        assert_refused(&out, &["endommag", "intégrité"], &what_c);
        assert!(
            !stderr(&out).contains("SQL logic error"),
            "{what_c}: {}",
            stderr(&out)
        );
        assert_unchanged(&before, env.dir.path(), &what_c);
        // Export fails cleanly when it reads the page, and then writes nothing either. When
        // it does not read it, it succeeds (and the export is in the audit log).
        let out = env.run(&db, &["export", "--format", "json"]);
        let what_e = format!("{what}, export");
        assert_no_panic(&out, &what_e);
        if !out.status.success() {
            assert_refused(&out, &["endommag", "base de données"], &what_e);
            assert_unchanged(&before, env.dir.path(), &what_e);
            export_refusals += 1;
        }
    }
    assert!(export_refusals > 0);
}

/// A base made by [`Env::demo`] (`encrypted`) or [`Env::plain_demo`], and its key.
fn base(env: &Env, name: &str, n: usize, encrypted: bool) -> (PathBuf, Option<DbKey>) {
    if encrypted {
        let db = env.demo(name, n);
        let key = env.key(&db);
        (db, Some(key))
    } else {
        (env.plain_demo(name, n), None)
    }
}

/// Copies `src` with `sql` still in its WAL (as a crash leaves a file: the copy is taken
/// while the writer is still open, it would checkpoint on close) to `parcours.db`, with
/// its accounts file; `src` is removed.
fn copy_with_pending_wal(env: &Env, src: &Path, key: Option<&DbKey>, sql: &str) -> PathBuf {
    let db = env.path("parcours.db");
    {
        let conn = connect(src, key);
        conn.execute_batch(&format!(
            "PRAGMA journal_mode=WAL; PRAGMA wal_autocheckpoint=0; {sql}"
        ))
        .unwrap();
        std::fs::copy(src, &db).unwrap();
        std::fs::copy(wal_of(src), wal_of(&db)).unwrap();
    }
    if key.is_some() {
        std::fs::rename(keyring_path(src), keyring_path(&db)).unwrap();
        env.same_password(&db, src);
    }
    std::fs::remove_file(src).unwrap();
    let _ = std::fs::remove_file(wal_of(src));
    let _ = std::fs::remove_file(PathBuf::from(format!("{}-shm", src.display())));
    assert!(std::fs::metadata(wal_of(&db)).unwrap().len() > 32);
    db
}

#[test]
fn newer_schema_with_a_pending_wal_is_refused_and_nothing_is_checkpointed() {
    for encrypted in [false, true] {
        let env = Env::new();
        let (src, key) = base(&env, "source.db", 10, encrypted);
        let db = copy_with_pending_wal(
            &env,
            &src,
            key.as_ref(),
            "UPDATE persons SET commune = 'Valenciennes'; PRAGMA user_version = 99;",
        );
        let what = format!("schema 99 in the WAL (encrypted: {encrypted})");
        refused_by_check_and_export(&env, &db, &["version plus récente"], &what);
        let err = stderr(&env.run(&db, &["check"]));
        assert!(err.contains("schéma 99"), "{err}");
    }
}

#[test]
fn newer_schema_without_wal_is_refused() {
    for encrypted in [false, true] {
        let env = Env::new();
        let (db, key) = base(&env, "parcours.db", 5, encrypted);
        {
            let conn = connect(&db, key.as_ref());
            conn.execute_batch("PRAGMA user_version = 99; PRAGMA wal_checkpoint(TRUNCATE);")
                .unwrap();
            conn.pragma_update(None, "journal_mode", "DELETE").unwrap();
        }
        let what = format!("schema 99 (encrypted: {encrypted})");
        refused_by_check_and_export(&env, &db, &["version plus récente"], &what);
    }
}

#[test]
fn a_sound_file_with_a_pending_wal_opens_with_its_last_edits() {
    // The counterpart of the refusals above: a file left by a crash is not "damaged".
    for encrypted in [false, true] {
        let env = Env::new();
        let (src, key) = base(&env, "source.db", 10, encrypted);
        let db = copy_with_pending_wal(
            &env,
            &src,
            key.as_ref(),
            "UPDATE persons SET commune = 'Valenciennes';",
        );
        let out = env.run(&db, &["check"]);
        assert!(out.status.success(), "{}", stderr(&out));
        let out = env.run(&db, &["export", "--format", "json"]);
        assert!(out.status.success(), "{}", stderr(&out));
        let json = String::from_utf8(out.stdout).unwrap();
        assert_eq!(
            json.matches("Valenciennes").count(),
            10,
            "the WAL's edit is there (encrypted: {encrypted})"
        );
    }
}

#[test]
fn a_missing_directory_is_refused_and_not_created() {
    let env = Env::new();
    let db = env.path("Documents").join("parcours").join("parcours.db");
    for args in [&["check"][..], &["export", "--format", "json"]] {
        let out = env.run(&db, args);
        assert_refused(&out, &["n'existe pas"], &format!("{args:?}"));
    }
    assert!(!env.path("Documents").exists());
    assert!(snapshot(env.dir.path()).is_empty());
}

#[test]
fn a_directory_given_as_the_database_is_refused() {
    let env = Env::new();
    let db = env.path("dossier.db");
    std::fs::create_dir(&db).unwrap();
    for args in [&["check"][..], &["export", "--format", "json"]] {
        let out = env.run(&db, args);
        assert_refused(&out, &["dossier"], &format!("{args:?}"));
    }
    assert_eq!(std::fs::read_dir(&db).unwrap().count(), 0);
}

#[test]
fn network_file_systems_are_recognised() {
    use parcours::store::preflight::{network_fs, network_fs_in};
    let mounts = "\
/dev/sda2 / ext4 rw,relatime 0 0
proc /proc proc rw 0 0
//nas/partage /mnt/nas cifs rw,vers=3.0 0 0
//nas/partage\\040commun /mnt/partage\\040commun smb3 rw 0 0
nas:/export/home /home nfs4 rw 0 0
nas:/export/home/local /home/local ext4 rw 0 0
user@host:/data /mnt/ssh fuse.sshfs rw 0 0
";
    let cases = [
        ("/mnt/nas/parcours/parcours.db", Some("cifs")),
        ("/mnt/partage commun/parcours.db", Some("smb3")),
        ("/home/claire/parcours.db", Some("nfs4")),
        // A local file system mounted inside a network one: the longest mount point wins.
        ("/home/local/parcours.db", None),
        ("/mnt/ssh/parcours.db", Some("fuse.sshfs")),
        ("/var/lib/parcours.db", None),
        // Not a prefix match on names: /mnt/nasty is not under /mnt/nas.
        ("/mnt/nasty/parcours.db", None),
    ];
    for (path, want) in cases {
        assert_eq!(
            network_fs_in(mounts, Path::new(path)).as_deref(),
            want,
            "{path}"
        );
    }
    // Windows shares given as UNC paths.
    assert!(network_fs(Path::new(r"\\serveur\partage\parcours.db")).is_some());
    assert!(network_fs(Path::new("//serveur/partage/parcours.db")).is_some());
    // Where the tests run is local.
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(network_fs(&dir.path().join("parcours.db")), None);
}

// ----- read-only -----

fn is_root() -> bool {
    // SAFETY-free way: the owner of a file we just created.
    let f = tempfile::NamedTempFile::new().unwrap();
    std::os::unix::fs::MetadataExt::uid(&f.as_file().metadata().unwrap()) == 0
}

/// A folder `nobody` can enter (tempdir is 0700).
fn open_to_all(dir: &Path) {
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// Runs the binary as an ordinary user: as root, drops to `nobody`.
fn run_unprivileged(env: &Env, db: &Path, args: &[&str]) -> Output {
    let mut c = env.cmd(db, args);
    if is_root() {
        use std::os::unix::process::CommandExt;
        c.uid(65534).gid(65534);
    }
    let pw = env.passwords.borrow().get(db).cloned();
    run_with_password(c, pw.as_deref())
}

/// True when the unprivileged process really cannot write a 0444 file (false when
/// permissions are not enforced at all, e.g. as root without the ability to drop them).
fn permissions_enforced(env: &Env) -> bool {
    let probe = env.path("sonde.txt");
    std::fs::write(&probe, "x").unwrap();
    std::fs::set_permissions(&probe, std::fs::Permissions::from_mode(0o444)).unwrap();
    let mut c = Command::new("sh");
    c.args(["-c", "echo y >> \"$1\"", "sh"]).arg(&probe);
    if is_root() {
        use std::os::unix::process::CommandExt;
        c.uid(65534).gid(65534);
    }
    let ok = match c.output() {
        Ok(o) => !o.status.success(),
        Err(_) => false,
    };
    std::fs::remove_file(&probe).unwrap();
    ok
}

#[test]
fn read_only_file_is_refused_and_left_unchanged() {
    let env = Env::new();
    open_to_all(env.dir.path());
    open_to_all(env.config.path());
    let plain = env.plain_demo("plain.db", 5);
    let encrypted = env.demo("parcours.db", 5);
    for db in [&plain, &encrypted] {
        std::fs::set_permissions(db, std::fs::Permissions::from_mode(0o444)).unwrap();
    }
    // The accounts file is read-only too, but readable: the password opens the key.
    std::fs::set_permissions(
        keyring_path(&encrypted),
        std::fs::Permissions::from_mode(0o444),
    )
    .unwrap();
    if !permissions_enforced(&env) {
        println!(
            "NOT TESTED: file permissions are not enforced here (running as root and unable \
             to run a process as another user); only the refusal path is checked below"
        );
        return;
    }
    if is_root() {
        println!("running as root: the binary is started as uid 65534 (nobody)");
    }
    let before = snapshot(env.dir.path());
    for db in [&plain, &encrypted] {
        for args in [&["check"][..], &["export", "--format", "json"]] {
            let out = run_unprivileged(&env, db, args);
            let what = format!("read-only file {}, {args:?}", db.display());
            assert_refused(&out, &["lecture seule"], &what);
            assert_unchanged(&before, env.dir.path(), &what);
        }
    }
}

#[test]
fn read_only_folder_is_refused_and_left_unchanged() {
    // The file is writable but its folder is not: SQLite cannot create the WAL beside it.
    let env = Env::new();
    open_to_all(env.config.path());
    let dir = env.path("lecture-seule");
    std::fs::create_dir(&dir).unwrap();
    let plain = dir.join("plain.db");
    std::fs::rename(env.plain_demo("plain.db", 5), &plain).unwrap();
    // The encrypted base moves with its accounts file.
    let made = env.demo("parcours.db", 5);
    let encrypted = dir.join("parcours.db");
    std::fs::rename(&made, &encrypted).unwrap();
    std::fs::rename(keyring_path(&made), keyring_path(&encrypted)).unwrap();
    env.same_password(&encrypted, &made);
    for db in [&plain, &encrypted] {
        std::fs::set_permissions(db, std::fs::Permissions::from_mode(0o666)).unwrap();
    }
    // parcours makes it 0600: readable by the unprivileged user for this test.
    std::fs::set_permissions(
        keyring_path(&encrypted),
        std::fs::Permissions::from_mode(0o644),
    )
    .unwrap();
    open_to_all(env.dir.path());
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o555)).unwrap();
    if !permissions_enforced(&env) {
        println!("NOT TESTED: file permissions are not enforced here (see above)");
        return;
    }
    let before = snapshot(&dir);
    for db in [&plain, &encrypted] {
        for args in [&["check"][..], &["export", "--format", "json"]] {
            let out = run_unprivileged(&env, db, args);
            let what = format!("read-only folder {}, {args:?}", db.display());
            assert_refused(
                &out,
                &["lecture seule", "Impossible d'ouvrir", "écrire"],
                &what,
            );
            assert_unchanged(&before, &dir, &what);
        }
    }
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
}
