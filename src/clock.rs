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
