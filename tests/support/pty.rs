//! PTY + vt100 harness for end-to-end tests of the real `parcours` binary, shared by the
//! test files that include it (`#[path = "support/pty.rs"] mod harness;`).
//!
//! The binary runs in a PTY exactly as an advisor would run it; a reader thread feeds
//! everything it writes into a `vt100` terminal emulator, the tests type bytes on the PTY
//! master and wait (polling, with a generous deadline) until the emulated screen shows
//! the expected text.

#![allow(dead_code)]

use portable_pty::{native_pty_system, Child, CommandBuilder, MasterPty, PtySize};
use std::io::{Read, Write};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The test twin of `parcours`, which honours the test hooks (fixed clock): every test drives
/// it, except those proving that the shipped binary ignores the hooks.
pub const BIN: &str = env!("CARGO_BIN_EXE_parcours-hooks");
/// The binary a user builds (`cargo build --release`): same source, no test hooks.
pub const SHIPPED_BIN: &str = env!("CARGO_BIN_EXE_parcours");
/// The fixed clock of every run (a Sunday).
pub const NOW: &str = "2026-11-22 10:00:00";
/// The advisor of the session (display name of the test account): nobody in the demo
/// caseload, so the caseload shows everyone whatever the demo generator picks as referents.
pub const REFERENT: &str = "Camille Testeur";
/// The test account created on the first-account screen.
pub const LOGIN: &str = "camille";
pub const PASSWORD: &str = "une phrase de passe assez longue";
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
        Tui::start_inner(BIN, db, config_dir, cols, rows, None, &[])
    }

    /// Starts `bin --db DB` with extra environment variables (set after the usual ones).
    pub fn start_bin(
        bin: &str,
        db: &Path,
        config_dir: &Path,
        (cols, rows): (u16, u16),
        extra_env: &[(&str, &str)],
    ) -> Tui {
        Tui::start_inner(bin, db, config_dir, cols, rows, None, extra_env)
    }

    /// Same, with the program's standard error sent to the file `stderr` instead of the
    /// terminal (to check that nothing is written there).
    pub fn start_with_stderr(
        db: &Path,
        config_dir: &Path,
        cols: u16,
        rows: u16,
        stderr: &Path,
    ) -> Tui {
        Tui::start_inner(BIN, db, config_dir, cols, rows, Some(stderr), &[])
    }

    fn start_inner(
        bin: &str,
        db: &Path,
        config_dir: &Path,
        cols: u16,
        rows: u16,
        stderr: Option<&Path>,
        extra_env: &[(&str, &str)],
    ) -> Tui {
        let pair = native_pty_system()
            .openpty(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("openpty");
        let mut cmd = match stderr {
            None => CommandBuilder::new(bin),
            Some(err) => {
                // sh -c 'f=$1; shift; exec "$@" 2>"$f"' sh ERR BIN --db DB
                let mut c = CommandBuilder::new("/bin/sh");
                c.arg("-c");
                c.arg(r#"f=$1; shift; exec "$@" 2>"$f""#);
                c.arg("sh");
                c.arg(err);
                c.arg(bin);
                c
            }
        };
        cmd.arg("--db");
        cmd.arg(db);
        for k in ENV_REMOVED {
            cmd.env_remove(k);
        }
        for (k, v) in env_vars(config_dir) {
            cmd.env(k, v);
        }
        for (k, v) in extra_env {
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

    /// On the first-account screen of a new database: creates the test account
    /// (`LOGIN`, `REFERENT`, `PASSWORD`) and waits for the caseload.
    pub fn create_first_account(&mut self) {
        self.wait_for("Création du premier compte");
        self.send(&format!("{LOGIN}\r{REFERENT}\r{PASSWORD}\r{PASSWORD}\r"));
        self.wait_for("parcours · File active");
    }

    /// On the login screen with the identifier filled in: types the password.
    pub fn log_in(&mut self, password: &str) {
        self.wait_for("parcours · Connexion");
        self.send(&format!("{password}\r"));
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

    /// Whether the process is still running.
    pub fn running(&mut self) -> bool {
        self.child.try_wait().expect("try_wait").is_none()
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

/// The demo account's password, from the output of `parcours demo` on a new database.
pub fn demo_password(stdout: &str) -> String {
    let line = stdout
        .lines()
        .find(|l| l.starts_with("Compte de démonstration"))
        .unwrap_or_else(|| panic!("no demo account in: {stdout}"));
    let start = line.rfind('«').expect("«") + '«'.len_utf8();
    let end = line.rfind('»').expect("»");
    line[start..end].trim().to_string()
}

/// Writes a password file for `--mot-de-passe-fichier`.
pub fn password_file(dir: &Path, password: &str) -> std::path::PathBuf {
    let p = dir.join("mot-de-passe");
    std::fs::write(&p, format!("{password}\n")).expect("password file");
    p
}
