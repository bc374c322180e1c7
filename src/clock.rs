//! An injectable clock, so time-dependent rules (alerts, idle lock, "statut à préciser")
//! are testable without waiting.

use chrono::{NaiveDate, NaiveDateTime, Timelike};
use std::sync::{Arc, Mutex};

#[derive(Clone)]
pub struct Clock(Inner);

#[derive(Clone)]
enum Inner {
    System,
    Fixed(Arc<Mutex<NaiveDateTime>>),
}

impl Clock {
    /// Local wall-clock time, to the second.
    pub fn system() -> Clock {
        Clock(Inner::System)
    }

    /// A clock that stays at `at` until [`Clock::advance`] moves it.
    pub fn fixed(at: NaiveDateTime) -> Clock {
        Clock(Inner::Fixed(Arc::new(Mutex::new(at))))
    }

    pub fn now(&self) -> NaiveDateTime {
        match &self.0 {
            Inner::System => {
                let n = chrono::Local::now().naive_local();
                n.with_nanosecond(0).unwrap_or(n)
            }
            Inner::Fixed(t) => *t.lock().unwrap_or_else(|p| p.into_inner()),
        }
    }

    pub fn today(&self) -> NaiveDate {
        self.now().date()
    }

    /// Moves a fixed clock forward (no effect on the system clock).
    pub fn advance(&self, by: chrono::Duration) {
        if let Inner::Fixed(t) = &self.0 {
            let mut g = t.lock().unwrap_or_else(|p| p.into_inner());
            *g += by;
        }
    }
}

impl std::fmt::Debug for Clock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Clock({})", self.now())
    }
}

/// Test hooks: what the tests and benchmarks may change from the environment. The shipped
/// `parcours` binary always uses [`TestHooks::default`] (none); only the test twin
/// `parcours-hooks` (built with the `test-hooks` feature, which only tests and benchmarks
/// turn on) reads them with [`TestHooks::from_env`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TestHooks {
    /// `PARCOURS_NOW="2026-11-22 10:00:00"`: a fixed clock.
    pub now: Option<NaiveDateTime>,
    /// `PARCOURS_EXIT_AFTER_FIRST_FRAME`: the app quits once its first frame is drawn.
    pub exit_after_first_frame: bool,
}

impl TestHooks {
    #[cfg(feature = "test-hooks")]
    pub fn from_env() -> TestHooks {
        TestHooks {
            now: std::env::var("PARCOURS_NOW")
                .ok()
                .and_then(|s| NaiveDateTime::parse_from_str(&s, "%Y-%m-%d %H:%M:%S").ok()),
            exit_after_first_frame: std::env::var_os("PARCOURS_EXIT_AFTER_FIRST_FRAME").is_some(),
        }
    }

    /// The clock: fixed by the hook, else the system's.
    pub fn clock(&self) -> Clock {
        match self.now {
            Some(t) => Clock::fixed(t),
            None => Clock::system(),
        }
    }
}
