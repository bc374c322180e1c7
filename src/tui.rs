//! The terminal loop: synchronous, redraws only when something changed, drains every
//! pending event before searching and drawing once (fast typing on a slow PC costs one
//! search, not one per key).

use crate::app::keys::Keymap;
use crate::app::{App, Screen};
use crate::clock::Clock;
use crate::config;
use crate::store::Store;
use crossterm::event::{self, DisableBracketedPaste, EnableBracketedPaste};
use crossterm::execute;
use std::path::Path;
use std::time::{Duration, Instant};

/// How often the loop wakes up without input, to notice changes made by another instance
/// (via `PRAGMA data_version`) and to keep the clock in the top line current.
const TICK: Duration = Duration::from_secs(2);

/// Loads the user's key bindings (a bad file is reported, defaults used).
pub fn load_keymap() -> (Keymap, Option<String>) {
    let text = config::config_dir()
        .map(|d| d.join(config::KEYS_FILE))
        .and_then(|p| std::fs::read_to_string(p).ok());
    Keymap::with_user_file(text.as_deref())
}

pub fn run(path: &Path, clock: Clock) -> Result<(), Box<dyn std::error::Error>> {
    // Everything that can fail with a plain message happens before the screen is taken.
    let mut store = Store::open(path, clock.clone())?;
    let (rf, rf_warning) = config::load_referential();
    let (keymap, key_warning) = load_keymap();
    let mut app = App::new(&store, rf, keymap, clock, config::current_referent())?;
    if let Some(w) = rf_warning.or(key_warning) {
        app.set_error(w);
    }
    let exit_after_first_frame = std::env::var_os("PARCOURS_EXIT_AFTER_FIRST_FRAME").is_some();

    install_panic_hook();
    let mut terminal = ratatui::init();
    let _ = execute!(std::io::stdout(), EnableBracketedPaste);
    let result = event_loop(&mut terminal, &mut app, &mut store, exit_after_first_frame);
    let _ = execute!(std::io::stdout(), DisableBracketedPaste);
    ratatui::restore();
    result
}

fn event_loop(
    terminal: &mut ratatui::DefaultTerminal,
    app: &mut App,
    store: &mut Store,
    exit_after_first_frame: bool,
) -> Result<(), Box<dyn std::error::Error>> {
    let mut dirty = true;
    let mut data_version = store.pragma_i64("data_version").unwrap_or(0);
    let mut last_tick = Instant::now();
    loop {
        if dirty {
            app.settle();
            terminal.draw(|f| crate::ui::draw(f, app))?;
            dirty = false;
            if exit_after_first_frame {
                return Ok(());
            }
        }
        if app.quit {
            return Ok(());
        }
        if event::poll(TICK)? {
            // Drain everything already typed before doing the (possibly slow) work once.
            loop {
                let ev = event::read()?;
                dirty |= app.handle_event(&ev, store);
                if app.quit || !event::poll(Duration::ZERO)? {
                    break;
                }
            }
        }
        if last_tick.elapsed() >= TICK {
            last_tick = Instant::now();
            // Another instance committed something: refresh what is on screen.
            if let Ok(v) = store.pragma_i64("data_version") {
                if v != data_version {
                    data_version = v;
                    app.external_change(store);
                    dirty = true;
                }
            }
            // Minute changes show in the top line and in "statut à préciser".
            if app.screen != Screen::File || app.overlay.is_none() {
                dirty = true;
            }
        }
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
