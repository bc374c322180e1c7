//! The terminal loop: synchronous, redraws only when something changed, drains every
//! pending event before searching and drawing once (fast typing on a slow PC costs one
//! search, not one per key). The session itself (login, lock, the app) is [`Shell`].

use crate::app::keys::Keymap;
use crate::app::shell::Shell;
use crate::clock::Clock;
use crate::config;
use crate::session::{self, DbState, Place};
use crate::store::Store;
use crossterm::event::{self, DisableBracketedPaste, EnableBracketedPaste};
use crossterm::execute;
use std::path::Path;
use std::time::{Duration, Instant};

/// How often the loop wakes up without input, to lock an idle session, to notice changes
/// made by another instance (via `PRAGMA data_version`) and to keep the clock in the top
/// line current.
const TICK: Duration = Duration::from_secs(2);

/// How often the loop looks for the caseload loaded in the background.
const LOADING_POLL: Duration = Duration::from_millis(5);

/// Loads the user's key bindings (a bad file is reported, defaults used).
pub fn load_keymap() -> (Keymap, Option<String>) {
    let text = config::config_dir()
        .map(|d| d.join(config::KEYS_FILE))
        .and_then(|p| std::fs::read_to_string(p).ok());
    Keymap::with_user_file(text.as_deref())
}

/// `exit_after_first_frame`: a test hook (see [`crate::clock::TestHooks`]), false for users.
pub fn run(
    path: &Path,
    clock: Clock,
    exit_after_first_frame: bool,
) -> Result<(), Box<dyn std::error::Error>> {
    // Raw mode first, before anything slow (files, Argon2 later): keys typed while the app
    // starts are never echoed and reach the login form. Given back on every exit path.
    let _raw = RawMode::enable();
    // Everything that can fail with a plain message happens before the screen is taken.
    let state = session::db_state(path);
    // Refuses a read-only base too: the app does not open what it could not save into
    // (`check` and `export` read it).
    let read_only = || {
        format!(
            "{} Pour la consulter sans rien y écrire : « parcours --db {} export » ou « check ».",
            crate::store::StoreError::ReadOnly(path.to_path_buf()),
            path.display()
        )
    };
    match crate::store::preflight::check(path, state != DbState::Plain) {
        Err(crate::store::StoreError::ReadOnly(_)) => return Err(read_only().into()),
        other => other?,
    }
    if state == DbState::Plain {
        // A plain database made before accounts: check it is ours (and up to date), and
        // writable (a folder of another owner tells only when SQLite tries).
        if Store::open(path, clock.clone())?.is_read_only() {
            return Err(read_only().into());
        }
    }
    run_shell(
        Place::File(path.to_path_buf()),
        clock,
        exit_after_first_frame,
    )
}

/// The app on the shared server at `url`: its own login screen (the staff member's server
/// account); nothing of the base is read before the login, nothing is written to the PC.
pub fn run_server(
    url: &str,
    clock: Clock,
    exit_after_first_frame: bool,
) -> Result<(), Box<dyn std::error::Error>> {
    let _raw = RawMode::enable();
    run_shell(
        Place::Server(url.to_string()),
        clock,
        exit_after_first_frame,
    )
}

fn run_shell(
    place: Place,
    clock: Clock,
    exit_after_first_frame: bool,
) -> Result<(), Box<dyn std::error::Error>> {
    let (rf, rf_warning) = config::load_referential();
    let (keymap, key_warning) = load_keymap();
    let (settings, settings_warning) = config::load_settings();
    let (_, structure_warning) = crate::structure::load();
    let mut shell = Shell::open(place, clock, rf, keymap, settings)?;
    for w in [rf_warning, key_warning, settings_warning, structure_warning]
        .into_iter()
        .flatten()
    {
        shell.warn(w);
    }
    install_panic_hook();
    let mut terminal = ratatui::init();
    let _ = execute!(std::io::stdout(), EnableBracketedPaste);
    let result = event_loop(&mut terminal, &mut shell, exit_after_first_frame);
    // Logout in the audit log, and the store and key dropped, whatever ended the loop.
    shell.shutdown();
    let _ = execute!(std::io::stdout(), DisableBracketedPaste);
    ratatui::restore();
    result
}

fn event_loop(
    terminal: &mut ratatui::DefaultTerminal,
    shell: &mut Shell,
    exit_after_first_frame: bool,
) -> Result<(), Box<dyn std::error::Error>> {
    let mut dirty = true;
    let mut last_tick = Instant::now();
    loop {
        if dirty {
            shell.settle();
            let frame = terminal.draw(|f| crate::ui::draw_shell(f, shell))?;
            shell.set_size(frame.area.width, frame.area.height);
            dirty = false;
            if exit_after_first_frame {
                return Ok(());
            }
        }
        if shell.quit {
            return Ok(());
        }
        // A password to check: the screen already says "Vérification…".
        if shell.pending() {
            dirty = shell.run_pending();
            continue;
        }
        // While a wait runs on the login screen, wake at each second to show it counting
        // down (blocking in between: no busy loop).
        let counting = shell.counting_down();
        let timeout = if counting {
            until_next_second().min(TICK)
        } else if shell.loading() {
            // The caseload loads on another thread: look for it often, keys still first.
            LOADING_POLL
        } else {
            TICK
        };
        if event::poll(timeout)? {
            // Drain everything already typed before doing the (possibly slow) work once.
            loop {
                let ev = event::read()?;
                dirty |= shell.handle_event(&ev);
                if shell.quit || shell.pending() || !event::poll(Duration::ZERO)? {
                    break;
                }
            }
        }
        dirty |= shell.poll_loading();
        if counting || last_tick.elapsed() >= TICK {
            last_tick = Instant::now();
            // Idle lock, changes made by another instance, the clock in the top line.
            dirty |= shell.tick();
        }
    }
}

/// Time until the wall clock's next second (plus a little, to land after it): the clock
/// the app reads ticks by whole seconds.
fn until_next_second() -> Duration {
    let sub = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    Duration::from_nanos(u64::from(1_000_000_000 - sub)) + Duration::from_millis(10)
}

/// The terminal in raw mode until dropped (early errors and panics included); the screen
/// itself is taken later by `ratatui::init`, which leaves raw mode as it is.
struct RawMode;

impl RawMode {
    fn enable() -> RawMode {
        // Not a terminal: `ratatui::init` reports it later, as before.
        let _ = crossterm::terminal::enable_raw_mode();
        RawMode
    }
}

impl Drop for RawMode {
    fn drop(&mut self) {
        let _ = crossterm::terminal::disable_raw_mode();
    }
}

/// On a panic: give the terminal back, then say what happened in French. Every confirmed
/// edit is already committed, so nothing typed before is lost.
fn install_panic_hook() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        ratatui::restore();
        let _ = execute!(std::io::stdout(), DisableBracketedPaste);
        eprintln!(
            "parcours s'est arrêté sur une erreur interne. Les modifications déjà confirmées sont enregistrées.\nMerci de signaler ce message :"
        );
        previous(info);
    }));
}
