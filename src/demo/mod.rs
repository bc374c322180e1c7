//! A realistic synthetic caseload, deterministic for a seed and a reference date.
//!
//! Uses its own tiny PRNG (SplitMix64) rather than the `rand` crate, so the same seed gives
//! the same caseload whatever the dependency versions.

//! One file per record kind, drawn in a fixed order (the order of the draws is what keeps
//! a seed's caseload the same): `identity` (person, suivi), `diagnostic`, `plan` (barriers,
//! objectives, actions), `meetings` (appointments, notes); `data` holds the word lists.

mod data;
mod diagnostic;
mod identity;
mod meetings;
mod plan;

use crate::domain::*;
use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, Weekday};

pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x9E37_79B9_7F4A_7C15)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in [0, n) (n > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }
    pub fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + self.below((hi - lo + 1).max(1) as u64) as i64
    }
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
    /// Picks by weight: `items` are (value, weight).
    pub fn weighted<'a, T>(&mut self, items: &'a [(T, u64)]) -> &'a T {
        let total: u64 = items.iter().map(|(_, w)| w).sum();
        let mut x = self.below(total);
        for (v, w) in items {
            if x < *w {
                return v;
            }
            x -= w;
        }
        &items[items.len() - 1].0
    }
}

fn at(d: NaiveDate, h: u32, m: u32) -> NaiveDateTime {
    d.and_time(NaiveTime::from_hms_opt(h, m, 0).unwrap_or_default())
}

/// Moves a date off the week-end.
fn weekday(d: NaiveDate) -> NaiveDate {
    match d.weekday() {
        Weekday::Sat => d + Duration::days(2),
        Weekday::Sun => d + Duration::days(1),
        _ => d,
    }
}

/// Generates `n` person files relative to `now`.
pub fn generate(rf: &Referential, n: usize, seed: u64, now: NaiveDateTime) -> Vec<PersonFile> {
    files(rf, seed, now).take(n).collect()
}

/// The same people as [`generate`], one at a time, endlessly: lets the demo command insert
/// batches without holding the whole caseload in memory.
pub fn files(
    rf: &Referential,
    seed: u64,
    now: NaiveDateTime,
) -> impl Iterator<Item = PersonFile> + '_ {
    let mut rng = Rng::new(seed);
    // Veilles à 6 mois come from their own stream, after the rest of each file: the people
    // drawn before they existed stay the same.
    let mut veilles = Rng::new(seed ^ 0x5EED_0012);
    std::iter::repeat_with(move || {
        let mut file = person(rf, &mut rng, now);
        add_veille(&mut veilles, &mut file, now.date());
        file
    })
}

/// Situations the demo draws for veilles à 6 mois.
const DEMO_VEILLES: &[&str] = &[
    "emploi_durable",
    "emploi_transition",
    "formation",
    "recherche",
    "sans_activite",
    "sans_nouvelles",
];

/// A recorded veille for an exit 6 months old or more (the demo's today view then shows
/// no reminder: advisors of the demo are up to date).
fn add_veille(rng: &mut Rng, file: &mut PersonFile, today: NaiveDate) {
    let Some(due) = file.suivis.first().and_then(veille_due) else {
        return;
    };
    if due > today {
        return;
    }
    let date = (due + Duration::days(rng.range(0, 30))).min(today);
    file.veilles.push(Veille {
        // The suivi's position in the new file (see `Store::insert_files`).
        suivi_id: 1,
        date: Some(date),
        situation: rng.pick(DEMO_VEILLES).to_string(),
        ..Default::default()
    });
}

/// One person's file: identity and suivi always; the rest once the person has entered.
fn person(rf: &Referential, rng: &mut Rng, now: NaiveDateTime) -> PersonFile {
    let today = now.date();
    let mut person = identity::person(rng, today);
    let suivi = identity::suivi(rf, rng, today);
    person.created_at = suivi.date_orientation.map(|d| at(d, 9, 0));
    let mut file = PersonFile {
        person,
        suivis: vec![suivi.clone()],
        ..Default::default()
    };
    let Some(entree) = suivi.date_entree else {
        // Not met yet: identity and orientation only.
        return file;
    };
    let end = suivi.sortie_date.unwrap_or(today);
    file.diagnostics = diagnostic::diagnostics(rf, rng, entree, end);
    let hard = plan::hard_themes(rf, &file.diagnostics[0]);
    file.barriers = plan::barriers(rng, &hard, entree, end);
    file.objectives = plan::objectives(rng, &file.diagnostics[0], &hard);
    file.actions = plan::actions(rf, rng, &hard, &file, entree, today);
    let exited = suivi.sortie_date.is_some();
    file.appointments = meetings::appointments(rng, &hard, entree, end, now, exited);
    file.notes = meetings::notes(rng, entree, end, &suivi.referent);
    file
}

fn rng_age(lo: i64, hi: i64) -> (i64, i64) {
    (lo, hi)
}

/// ASCII e-mail local part from a name.
fn crate_fold(s: &str) -> String {
    crate::text::fold(s)
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect()
}
