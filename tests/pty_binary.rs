//! End-to-end tests of the real `parcours` binary in a pseudo-terminal.
//!
//! The binary runs in a PTY exactly as an advisor would run it; a reader thread feeds
//! everything it writes into a `vt100` terminal emulator, the tests type bytes on the PTY
//! master and wait (polling, with a generous deadline) until the emulated screen shows
//! the expected text. Nothing is asserted on timing: every step waits for what the screen
//! must show before typing the next keys, so a slow, loaded machine only makes the test
//! slower. On a failure the message carries the whole emulated screen.
//!
//! Each test owns a temporary directory (database + empty config directory, so a
//! developer's `touches.toml` or `referentiel.toml` never leaks in) and a fixed clock.

#![cfg(unix)]

use harness::{Tui, BIN};
use serde_json::Value;
use std::path::Path;
use std::process::Command;

/// Small PTY + vt100 harness shared by the tests of this file.
mod harness {
    use portable_pty::{native_pty_system, Child, CommandBuilder, MasterPty, PtySize};
    use std::io::{Read, Write};
    use std::path::Path;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::{Arc, Mutex};
    use std::time::{Duration, Instant};

    pub const BIN: &str = env!("CARGO_BIN_EXE_parcours");
    /// The fixed clock of every run (a Sunday).
    pub const NOW: &str = "2026-11-22 10:00:00";
    /// The advisor of the session: nobody in the demo caseload, so the caseload shows
    /// everyone whatever the demo generator picks as referents.
    pub const REFERENT: &str = "Camille Testeur";
    /// How long a screen may take to show what a step expects. Generous on purpose: the
    /// tests run on slow, loaded machines; a passing step returns as soon as it is true.
    pub const WAIT: Duration = Duration::from_secs(10);
    /// How long the process may take to exit after the quit key.
    pub const EXIT_WAIT: Duration = Duration::from_secs(10);
    /// Pause after a lone Esc: crossterm reads Esc immediately followed by other bytes
    /// as Alt+key. Not an assertion, only a gap between two writes.
    const ESC_GAP: Duration = Duration::from_millis(150);
    const POLL: Duration = Duration::from_millis(20);

    /// The environment every invocation of the binary gets (PTY or plain command).
    pub fn env_vars(config_dir: &Path) -> Vec<(&'static str, String)> {
        vec![
            ("PARCOURS_NOW", NOW.to_string()),
            ("PARCOURS_REFERENT", REFERENT.to_string()),
            (
                "PARCOURS_CONFIG_DIR",
                config_dir.to_string_lossy().into_owned(),
            ),
            ("TERM", "xterm-256color".to_string()),
        ]
    }

    /// Variables of the developer's shell that would change what the binary does.
    pub const ENV_REMOVED: &[&str] = &["PARCOURS_DB", "PARCOURS_EXIT_AFTER_FIRST_FRAME"];

    struct Shared {
        parser: vt100::Parser,
        /// Every byte the program wrote, for checks on the raw escape sequences.
        raw: Vec<u8>,
    }

    /// `parcours` running in a pseudo-terminal.
    pub struct Tui {
        shared: Arc<Mutex<Shared>>,
        eof: Arc<AtomicBool>,
        master: Box<dyn MasterPty + Send>,
        writer: Box<dyn Write + Send>,
        child: Box<dyn Child + Send + Sync>,
        exited: bool,
    }

    impl Tui {
        /// Starts `parcours --db DB` in a `cols`×`rows` PTY.
        pub fn start(db: &Path, config_dir: &Path, cols: u16, rows: u16) -> Tui {
            let pair = native_pty_system()
                .openpty(PtySize {
                    rows,
                    cols,
                    pixel_width: 0,
                    pixel_height: 0,
                })
                .expect("openpty");
            let mut cmd = CommandBuilder::new(BIN);
            cmd.arg("--db");
            cmd.arg(db);
            for k in ENV_REMOVED {
                cmd.env_remove(k);
            }
            for (k, v) in env_vars(config_dir) {
                cmd.env(k, v);
            }
            cmd.cwd(config_dir);
            let child = pair.slave.spawn_command(cmd).expect("spawn parcours");
            // Only the child holds the slave now: when it exits, reads on the master end.
            drop(pair.slave);

            let shared = Arc::new(Mutex::new(Shared {
                parser: vt100::Parser::new(rows, cols, 0),
                raw: Vec::new(),
            }));
            let eof = Arc::new(AtomicBool::new(false));
            let mut reader = pair.master.try_clone_reader().expect("pty reader");
            {
                let shared = Arc::clone(&shared);
                let eof = Arc::clone(&eof);
                std::thread::spawn(move || {
                    let mut buf = [0u8; 8192];
                    loop {
                        match reader.read(&mut buf) {
                            // EOF, or EIO on Linux once the slave side is closed.
                            Ok(0) | Err(_) => break,
                            Ok(n) => {
                                let mut s = shared.lock().unwrap();
                                s.parser.process(&buf[..n]);
                                s.raw.extend_from_slice(&buf[..n]);
                            }
                        }
                    }
                    eof.store(true, Ordering::SeqCst);
                });
            }
            let writer = pair.master.take_writer().expect("pty writer");
            Tui {
                shared,
                eof,
                master: pair.master,
                writer,
                child,
                exited: false,
            }
        }

        /// The emulated screen as text, one line per row.
        pub fn screen(&self) -> String {
            self.shared.lock().unwrap().parser.screen().contents()
        }

        /// The screen rows (trailing blanks trimmed).
        pub fn lines(&self) -> Vec<String> {
            self.screen()
                .lines()
                .map(|l| l.trim_end().to_string())
                .collect()
        }

        pub fn alternate_screen(&self) -> bool {
            self.shared
                .lock()
                .unwrap()
                .parser
                .screen()
                .alternate_screen()
        }

        /// Everything the program wrote so far.
        pub fn output(&self) -> Vec<u8> {
            self.shared.lock().unwrap().raw.clone()
        }

        fn dump(&self) -> String {
            let (rows, cols) = self.shared.lock().unwrap().parser.screen().size();
            let mut out = format!("--- écran {cols}×{rows} ---\n");
            for l in self.lines() {
                out.push('|');
                out.push_str(&l);
                out.push('\n');
            }
            out.push_str("---");
            out
        }

        /// Polls the screen until `pred` holds; panics with the screen after `WAIT`.
        pub fn wait_until(&self, what: &str, pred: impl Fn(&Tui) -> bool) {
            let start = Instant::now();
            loop {
                if pred(self) {
                    return;
                }
                if start.elapsed() > WAIT {
                    panic!(
                        "attendu au bout de {:?} : {what}\n{}",
                        start.elapsed(),
                        self.dump()
                    );
                }
                if self.eof.load(Ordering::SeqCst) && !pred(self) {
                    panic!(
                        "le programme a fermé le terminal avant : {what}\n{}\nsortie brute (fin) : {:?}",
                        self.dump(),
                        tail(&self.output(), 400)
                    );
                }
                std::thread::sleep(POLL);
            }
        }

        /// Waits until `text` is on screen. Runs of blanks and line breaks are compared as
        /// one space, so a message wrapped by a narrow window still matches.
        pub fn wait_for(&self, text: &str) {
            let wanted = squash(text);
            self.wait_until(&format!("« {text} » à l'écran"), |t| {
                squash(&t.screen()).contains(&wanted)
            });
        }

        /// Writes bytes on the keyboard side of the terminal.
        pub fn send(&mut self, bytes: &str) {
            self.writer.write_all(bytes.as_bytes()).expect("write pty");
            self.writer.flush().expect("flush pty");
        }

        /// A lone Esc, with a gap so that the next bytes are not read as Alt+key.
        pub fn esc(&mut self) {
            self.send("\x1b");
            std::thread::sleep(ESC_GAP);
        }

        /// Resizes the emulated terminal, then the PTY (the program gets SIGWINCH).
        pub fn resize(&self, cols: u16, rows: u16) {
            self.shared
                .lock()
                .unwrap()
                .parser
                .screen_mut()
                .set_size(rows, cols);
            self.master
                .resize(PtySize {
                    rows,
                    cols,
                    pixel_width: 0,
                    pixel_height: 0,
                })
                .expect("resize pty");
        }

        /// The terminal's local mode flags (ICANON, ECHO, ISIG…) as names.
        pub fn local_flags(&self) -> Vec<String> {
            let termios = self.master.get_termios().expect("termios of the pty");
            format!("{:?}", termios.local_flags)
                .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect()
        }

        /// Waits for the process to exit and for its last output to be read; returns the
        /// exit code. Panics (after killing it) when it is still running after `EXIT_WAIT`.
        pub fn wait_exit(&mut self) -> u32 {
            let start = Instant::now();
            let status = loop {
                if let Some(status) = self.child.try_wait().expect("try_wait") {
                    break status;
                }
                if start.elapsed() > EXIT_WAIT {
                    let _ = self.child.kill();
                    panic!(
                        "parcours tourne encore {:?} après la touche pour quitter\n{}",
                        start.elapsed(),
                        self.dump()
                    );
                }
                std::thread::sleep(POLL);
            };
            self.exited = true;
            while !self.eof.load(Ordering::SeqCst) {
                if start.elapsed() > EXIT_WAIT * 2 {
                    panic!("la sortie du terminal ne se ferme pas après la fin de parcours");
                }
                std::thread::sleep(POLL);
            }
            status.exit_code()
        }

        /// Checks that the program gave the terminal back: main screen, cooked mode, and
        /// the output ends by leaving the alternate screen (nothing visible after it).
        pub fn assert_terminal_restored(&self) {
            let out = self.output();
            assert!(
                !self.alternate_screen(),
                "toujours sur l'écran alternatif\n{}",
                self.dump()
            );
            let enter = rfind(&out, b"\x1b[?1049h").expect("never entered the alternate screen");
            let leave = rfind(&out, b"\x1b[?1049l").expect("never left the alternate screen");
            assert!(
                leave > enter,
                "left the alternate screen before entering it"
            );
            let after = strip_escapes(&out[leave..]);
            assert!(
                after.trim().is_empty(),
                "output after leaving the alternate screen: {after:?}"
            );
            // The cursor, hidden while drawing, is shown again.
            if let Some(hide) = rfind(&out, b"\x1b[?25l") {
                let show = rfind(&out, b"\x1b[?25h").expect("cursor left hidden");
                assert!(show > hide, "cursor left hidden");
            }
            // Bracketed paste, turned on at start, is turned off again.
            if let Some(on) = rfind(&out, b"\x1b[?2004h") {
                let off = rfind(&out, b"\x1b[?2004l").expect("bracketed paste left on");
                assert!(off > on, "bracketed paste left on");
            }
            // Raw mode left: line editing and echo are back.
            let flags = self.local_flags();
            for f in ["ICANON", "ECHO", "ISIG"] {
                assert!(flags.iter().any(|x| x == f), "{f} not restored: {flags:?}");
            }
        }
    }

    impl Drop for Tui {
        fn drop(&mut self) {
            // A failed test must not leave a parcours running.
            if !self.exited {
                let _ = self.child.kill();
                let _ = self.child.wait();
            }
        }
    }

    fn squash(s: &str) -> String {
        s.split_whitespace().collect::<Vec<_>>().join(" ")
    }

    fn rfind(hay: &[u8], needle: &[u8]) -> Option<usize> {
        hay.windows(needle.len()).rposition(|w| w == needle)
    }

    fn tail(bytes: &[u8], n: usize) -> String {
        String::from_utf8_lossy(&bytes[bytes.len().saturating_sub(n)..]).into_owned()
    }

    /// Removes CSI (`ESC [ … final`) and other two-byte escape sequences.
    fn strip_escapes(bytes: &[u8]) -> String {
        let mut out = Vec::new();
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] != 0x1b {
                out.push(bytes[i]);
                i += 1;
            } else if bytes.get(i + 1) == Some(&b'[') {
                // CSI: parameters and intermediates, then one final byte in 0x40..=0x7e.
                i += 2;
                while i < bytes.len() && !(0x40..=0x7e).contains(&bytes[i]) {
                    i += 1;
                }
                i += 1;
            } else {
                i += 2;
            }
        }
        String::from_utf8_lossy(&out).into_owned()
    }
}

const F10: &str = "\x1b[21~";
const CTRL_C: &str = "\x03";

/// `parcours --db DB ARGS…` as a plain command (no terminal); returns stdout.
fn run_cli(db: &Path, config_dir: &Path, args: &[&str]) -> String {
    let mut cmd = Command::new(BIN);
    cmd.arg("--db").arg(db).args(args);
    for k in harness::ENV_REMOVED {
        cmd.env_remove(k);
    }
    cmd.envs(harness::env_vars(config_dir));
    let out = cmd.output().expect("run parcours");
    assert!(
        out.status.success(),
        "parcours {args:?} failed: {}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8 output")
}

fn export(db: &Path, config_dir: &Path) -> Value {
    let text = run_cli(db, config_dir, &["export", "--format", "json"]);
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("export is not JSON ({e}): {text}"))
}

/// The "N / M personnes" counter of the caseload: (shown, total).
fn caseload_count(screen: &str) -> Option<(usize, usize)> {
    screen.match_indices(" personnes").find_map(|(end, _)| {
        let (shown, total) = screen[..end].rsplit_once(" / ")?;
        let total = total.trim().parse().ok()?;
        let shown = shown
            .rsplit(|c: char| !c.is_ascii_digit())
            .next()?
            .parse()
            .ok()?;
        Some((shown, total))
    })
}

/// The first caseload row under the column headers.
fn first_row(tui: &Tui) -> Option<String> {
    let lines = tui.lines();
    let header = lines.iter().position(|l| l.contains("N° dossier"))?;
    lines.get(header + 1).cloned()
}

#[test]
fn create_person_set_level_quit_and_export() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config");
    std::fs::create_dir(&config).unwrap();
    let db = dir.path().join("parcours.db");

    let mut tui = Tui::start(&db, &config, 100, 30);
    tui.wait_for("Bienvenue");
    // The program owns the terminal: raw mode (no line editing, no echo).
    let flags = tui.local_flags();
    assert!(
        !flags.iter().any(|f| f == "ICANON" || f == "ECHO"),
        "not in raw mode: {flags:?}"
    );
    assert!(tui.alternate_screen());

    tui.send("n");
    tui.wait_for("Nouvelle personne");
    tui.send("Dupont\rHélène");
    tui.wait_for("Hélène");
    tui.send(F10);
    tui.wait_for("DUPONT Hélène ·");
    tui.wait_for("Mobilité");

    // The selected theme is the first one, Mobilité: level 3 = obstacle.
    tui.send("3");
    tui.wait_for("Obstacle — enregistré");

    tui.esc();
    tui.wait_for("File active");
    tui.wait_until("la ligne DUPONT Hélène dans la file active", |t| {
        first_row(t).is_some_and(|r| r.contains("DUPONT Hélène"))
    });

    tui.send("q");
    assert_eq!(tui.wait_exit(), 0, "exit code");
    tui.assert_terminal_restored();

    let json = export(&db, &config);
    let persons = json["persons"].as_array().expect("persons");
    assert_eq!(persons.len(), 1, "{json}");
    let p = &persons[0];
    assert_eq!(p["person"]["nom"], "Dupont");
    assert_eq!(p["person"]["prenom"], "Hélène");
    let themes: Vec<&Value> = p["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .flat_map(|d| d["themes"].as_array().into_iter().flatten())
        .filter(|t| t["theme"] == "mobilite")
        .collect();
    assert_eq!(themes.len(), 1, "{p}");
    assert_eq!(themes[0]["level"], "obstacle", "{p}");
}

#[test]
fn search_demo_caseload_open_file_ctrl_c() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config");
    std::fs::create_dir(&config).unwrap();
    let db = dir.path().join("demo.db");
    run_cli(&db, &config, &["demo", "--persons", "30", "--seed", "7"]);

    // A person still followed (shown by the default "en cours" filter) whose surname is
    // shared with nobody: typing it must bring that person to the top.
    let json = export(&db, &config);
    let persons = json["persons"].as_array().expect("persons");
    assert_eq!(persons.len(), 30);
    let nom_of = |p: &Value| p["person"]["nom"].as_str().unwrap().to_string();
    let target = persons
        .iter()
        .filter(|p| {
            let nom = nom_of(p);
            nom.len() >= 4
                && nom.chars().all(|c| c.is_ascii_alphabetic())
                && persons.iter().filter(|q| nom_of(q) == nom).count() == 1
                && p["suivis"]
                    .as_array()
                    .is_some_and(|s| !s.is_empty() && s.iter().all(|s| s["sortie_date"].is_null()))
        })
        .max_by_key(|p| nom_of(p).len())
        .expect("a person to search for in the demo caseload");
    let nom = nom_of(target);
    let prenom = target["person"]["prenom"].as_str().unwrap();
    let dossier = target["person"]["dossier"].as_str().unwrap();
    let shown_name = format!("{} {prenom}", nom.to_uppercase());

    let mut tui = Tui::start(&db, &config, 100, 30);
    tui.wait_for("File active");
    tui.wait_until("le compteur de la file active", |t| {
        caseload_count(&t.screen()).is_some_and(|(shown, total)| shown > 1 && total == 30)
    });
    let (before, _) = caseload_count(&tui.screen()).unwrap();

    tui.send("/");
    tui.send(&nom.to_lowercase());
    tui.wait_for(&format!("Recherche : {}", nom.to_lowercase()));
    tui.wait_until(
        &format!("{shown_name} en tête d'une liste réduite"),
        |t| {
            caseload_count(&t.screen()).is_some_and(|(shown, _)| shown >= 1 && shown < before)
                && first_row(t).is_some_and(|r| r.contains(&shown_name) && r.contains(dossier))
        },
    );

    tui.send("\r");
    tui.wait_for(&format!("{shown_name} · n° {dossier}"));
    tui.wait_for("Diagnostic");

    tui.send(CTRL_C);
    assert_eq!(tui.wait_exit(), 0, "exit code");
    tui.assert_terminal_restored();
}

#[test]
fn too_small_then_resized() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config");
    std::fs::create_dir(&config).unwrap();
    let db = dir.path().join("parcours.db");

    let mut tui = Tui::start(&db, &config, 20, 5);
    tui.wait_for("Fenêtre trop petite");

    tui.resize(100, 30);
    tui.wait_for("parcours · File active");
    tui.wait_for("Bienvenue");
    assert!(
        !tui.screen().contains("trop petite"),
        "message still shown:\n{}",
        tui.screen()
    );

    tui.send("q");
    assert_eq!(tui.wait_exit(), 0, "exit code");
    tui.assert_terminal_restored();
}
