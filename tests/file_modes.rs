//! File modes (issue 9, point 7): on Unix every file parcours writes is its user's only
//! (0600) and every folder it creates 0700, whatever the shell's umask: the base, its WAL
//! and shared memory, the accounts file, exports (an existing `-o` file made private
//! again), backups and their folder, the data folder. A password file others can read gets
//! a French warning.
//!
//! The binary runs under the usual umask 022 here, which would give 0644 / 0755.

#![cfg(unix)]

#[path = "support/pty.rs"]
mod harness;

use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o777
}

fn assert_mode(path: &Path, expected: u32) {
    assert_eq!(
        mode(path),
        expected,
        "{}: {:o} instead of {expected:o}",
        path.display(),
        mode(path)
    );
}

struct Env {
    _tmp: tempfile::TempDir,
    root: PathBuf,
    config: PathBuf,
    db: PathBuf,
    password: String,
}

impl Env {
    /// A demo base made by the binary.
    fn new() -> Env {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().to_path_buf();
        let config = root.join("config");
        std::fs::create_dir(&config).unwrap();
        let mut env = Env {
            _tmp: tmp,
            db: root.join("base").join("demo.db"),
            root,
            config,
            password: String::new(),
        };
        std::fs::create_dir(env.db.parent().unwrap()).unwrap();
        let out = env.run(&["demo", "--persons", "3"], "");
        env.password = harness::demo_password(&String::from_utf8_lossy(&out.stdout));
        env
    }

    /// The binary with the test environment and the usual shell umask (022), no `--db`.
    fn bare_cmd(&self) -> Command {
        let mut c = Command::new(harness::BIN);
        for k in harness::ENV_REMOVED {
            c.env_remove(k);
        }
        c.envs(harness::env_vars(&self.config));
        // SAFETY: umask is async-signal-safe and touches nothing else.
        unsafe {
            c.pre_exec(|| {
                libc::umask(0o022);
                Ok(())
            });
        }
        c
    }

    fn cmd(&self, args: &[&str]) -> Command {
        let mut c = self.bare_cmd();
        c.arg("--db").arg(&self.db).args(args);
        c
    }

    fn output(&self, mut c: Command, input: &str) -> Output {
        c.stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = c.spawn().expect("run parcours");
        let _ = child.stdin.take().unwrap().write_all(input.as_bytes());
        child.wait_with_output().unwrap()
    }

    /// Runs a command, the password on standard input; it must succeed.
    fn run(&self, args: &[&str], input: &str) -> Output {
        let out = self.output(self.cmd(args), input);
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        out
    }

    fn run_logged_in(&self, args: &[&str]) -> Output {
        self.run(args, &format!("{}\n", self.password))
    }
}

#[test]
fn base_accounts_file_and_wal_are_private() {
    let env = Env::new();
    assert_mode(&env.db, 0o600);
    assert_mode(&parcours::auth::keyring_path(&env.db), 0o600);

    // While the app has the base open, its WAL and shared memory exist.
    let mut tui = harness::Tui::start(&env.db, &env.config, 100, 30);
    tui.log_in(&env.password);
    tui.wait_for("parcours · File active");
    let wal = PathBuf::from(format!("{}-wal", env.db.display()));
    let shm = PathBuf::from(format!("{}-shm", env.db.display()));
    assert_mode(&wal, 0o600);
    assert_mode(&shm, 0o600);
    tui.send("\x03");
    assert_eq!(tui.wait_exit(), 0);
}

#[test]
fn exports_are_private_even_over_an_existing_file() {
    let env = Env::new();
    let new = env.root.join("export.json");
    env.run_logged_in(&["export", "-o", new.to_str().unwrap()]);
    assert_mode(&new, 0o600);

    for format in ["json", "document"] {
        let old = env.root.join(format!("ancien-{format}"));
        std::fs::write(&old, "ancien contenu").unwrap();
        std::fs::set_permissions(&old, std::fs::Permissions::from_mode(0o644)).unwrap();
        env.run_logged_in(&[
            "export",
            "--format",
            format,
            "--person",
            "2026-00001",
            "-o",
            old.to_str().unwrap(),
        ]);
        assert_mode(&old, 0o600);
        assert_ne!(std::fs::read_to_string(&old).unwrap(), "ancien contenu");
    }
}

#[test]
fn backups_and_their_folder_are_private() {
    let env = Env::new();
    env.run_logged_in(&["backup"]);
    let folder = env.db.parent().unwrap().join("sauvegardes");
    assert_mode(&folder, 0o700);
    let files: Vec<_> = std::fs::read_dir(&folder)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert!(files.len() >= 2, "backup and its accounts file: {files:?}");
    for f in files {
        assert_mode(&f, 0o600);
    }
}

#[test]
fn default_data_folder_is_private() {
    let env = Env::new();
    let data = env.root.join("xdg-data");
    // No --db: the base goes to the user's data folder, which parcours creates.
    let mut c = env.bare_cmd();
    c.arg("check")
        .env("XDG_DATA_HOME", &data)
        .env("HOME", env.root.join("home"));
    let out = env.output(c, "");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("aucune base"), "{err}");
    assert_mode(&data, 0o700);
    assert_mode(&data.join("parcours"), 0o700);
}

#[test]
fn password_file_readable_by_others_gets_a_warning() {
    let env = Env::new();
    let file = harness::password_file(&env.root, &env.password);
    let file_arg = file.to_str().unwrap();

    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
    let out = env.run(&["--mot-de-passe-fichier", file_arg, "check"], "");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("Attention : le fichier de mot de passe")
            && err.contains("lisible par d'autres")
            && err.contains("chmod 600"),
        "{err}"
    );

    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
    let out = env.run(&["--mot-de-passe-fichier", file_arg, "check"], "");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("mot de passe"), "{err}");
}
