//! The wait after repeated failed logins, in the real binary in a pseudo-terminal with the
//! system clock: shown as soon as the screen opens, counting down by itself (no key
//! pressed), the password typed meanwhile kept and tried when the wait ends.

#![cfg(unix)]

use chrono::{Duration, NaiveDateTime, Timelike};
use harness::{demo_password, run_cli, Tui, BIN};
use parcours::auth::Keyring;
use std::path::Path;

mod support;
use support::pty as harness;

const CTRL_C: &str = "\x03";
const LOGIN: &str = "demo";
/// The wait wanted on screen: long enough to watch it count down on a loaded machine.
const WANTED_WAIT: i64 = 6;

/// The wall clock, to the second, as the binary reads it without the clock hook.
fn real_now() -> NaiveDateTime {
    let n = chrono::Local::now().naive_local();
    n.with_nanosecond(0).unwrap_or(n)
}

/// The seconds of « … dans N s » on the screen (`None`: no wait shown).
fn wait_shown(text: &str) -> Option<i64> {
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let i = flat.find("Trop d'essais manqués")?;
    let rest = &flat[i..];
    let j = rest.find(" dans ")? + " dans ".len();
    let n: String = rest[j..]
        .chars()
        .take_while(|c| c.is_ascii_digit())
        .collect();
    n.parse().ok()
}

/// Wrong passwords for `LOGIN` at `times`, in the accounts file of `db`.
fn record_failures(db: &Path, times: &[NaiveDateTime]) {
    let mut ring = Keyring::load(db).unwrap();
    for t in times {
        assert!(ring.unlock(LOGIN, "pas le bon mot de passe", *t).is_err());
    }
}

/// The times of failures that leave a wait of at least `WANTED_WAIT` seconds after the
/// last one, learned on a copy of the accounts file (the rule is the keyring's, not
/// repeated here): each failure at the earliest time allowed after the previous one.
fn failure_times(db: &Path, scratch: &Path) -> Vec<std::time::Duration> {
    let copy = scratch.join("copie.db");
    std::fs::copy(
        db.with_file_name("demo.db.comptes"),
        scratch.join("copie.db.comptes"),
    )
    .unwrap();
    let mut ring = Keyring::load(&copy).unwrap();
    let start = real_now() - Duration::minutes(10);
    let mut t = start;
    let mut offsets = Vec::new();
    loop {
        t += Duration::seconds(ring.wait_secs(LOGIN, t));
        assert!(ring.unlock(LOGIN, "pas le bon mot de passe", t).is_err());
        offsets.push((t - start).to_std().unwrap());
        if ring.wait_secs(LOGIN, t) >= WANTED_WAIT {
            return offsets;
        }
        assert!(
            offsets.len() < 40,
            "no wait after {} failures",
            offsets.len()
        );
    }
}

#[test]
fn login_wait_counts_down_on_screen_and_the_password_typed_is_tried_at_the_end() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("base");
    let config = tmp.path().join("config");
    let scratch = tmp.path().join("essai");
    for d in [&dir, &config, &scratch] {
        std::fs::create_dir(d).unwrap();
    }
    let db = dir.join("demo.db");
    let password = demo_password(&run_cli(&db, &config, &["demo", "--persons", "5"]));

    // The same failures on the real file, shifted so that the last one is now.
    let offsets = failure_times(&db, &scratch);
    let last = real_now();
    let span = *offsets.last().unwrap();
    let times: Vec<NaiveDateTime> = offsets
        .iter()
        .map(|o| last - Duration::from_std(span - *o).unwrap())
        .collect();
    record_failures(&db, &times);
    let total = Keyring::load(&db).unwrap().wait_secs(LOGIN, last);
    assert!(total >= WANTED_WAIT, "wait of {total} s only");
    let until = last + Duration::seconds(total);

    // The system clock (an empty clock hook), as an advisor runs it.
    let mut tui = Tui::start_bin(BIN, &db, &config, (100, 30), &[("PARCOURS_NOW", "")]);
    tui.wait_for("parcours · Connexion");
    // Shown without any attempt, then counting down by itself.
    tui.wait_until("the wait shown", |t| wait_shown(&t.screen()).is_some());
    let first = wait_shown(&tui.screen()).unwrap();
    assert!(first <= total, "{first} s shown for a wait of {total} s");
    tui.wait_until("the wait counting down without a key", |t| {
        wait_shown(&t.screen()).is_some_and(|n| n < first)
    });
    let second = wait_shown(&tui.screen()).unwrap();
    assert!(
        real_now() < until - Duration::seconds(1),
        "the wait ended before the test could type: machine too slow"
    );

    // Typed during the wait: kept (shown as dots), not tried before the end.
    tui.send(&format!("{password}\r"));
    tui.wait_for("votre saisie sera essayée dans");
    assert!(!tui.screen().contains(&password), "{}", tui.screen());
    let queued = wait_shown(&tui.screen()).unwrap();
    assert!(queued <= second, "{queued} after {second}");
    tui.wait_for("parcours · File active");
    assert!(
        real_now() >= until,
        "logged in at {} before the end of the wait at {until}",
        real_now()
    );
    tui.send(CTRL_C);
    assert_eq!(tui.wait_exit(), 0, "exit code");
    tui.assert_terminal_restored();
}
