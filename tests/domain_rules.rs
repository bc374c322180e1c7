//! The domain rules (`src/domain/rules.rs`) against generated data: every record the
//! demonstration writes respects the rules the forms apply, so the same checks can guard
//! `Store::insert_files` and the imports without refusing the demo.

use chrono::NaiveDate;
use parcours::demo;
use parcours::domain::{Person, Referential, RuleError};

fn now() -> chrono::NaiveDateTime {
    NaiveDate::from_ymd_opt(2026, 11, 23)
        .unwrap()
        .and_hms_opt(10, 0, 0)
        .unwrap()
}

#[test]
fn the_demonstration_respects_every_field_rule() {
    let rf = Referential::embedded();
    let today = now().date();
    let mut broken: Vec<(String, RuleError)> = Vec::new();
    for seed in [1, 7, 42] {
        for f in demo::generate(&rf, 300, seed, now()) {
            let who = format!("seed {seed}, {}", f.person.display_name());
            let checks = std::iter::once(f.person.check(today))
                .chain(f.person.unusual(&Person::default()).into_iter().map(Err))
                .chain(f.suivis.iter().map(|s| s.check()))
                .chain(
                    f.suivis
                        .iter()
                        .map(|s| s.check_dates(&Default::default(), today)),
                )
                .chain(
                    f.actions
                        .iter()
                        .map(|a| a.check(&Default::default(), today)),
                )
                .chain(f.barriers.iter().map(|b| b.check()))
                .chain(
                    f.barriers
                        .iter()
                        .map(|b| b.check_dates(&Default::default(), today)),
                )
                .chain(
                    f.diagnostics
                        .iter()
                        .map(|d| d.check_professional(&Default::default(), today)),
                )
                .chain(f.appointments.iter().map(|a| a.check(today)))
                .chain(
                    f.appointments
                        .iter()
                        .map(|a| a.check_status(&a.status, today)),
                );
            broken.extend(checks.filter_map(Result::err).map(|e| (who.clone(), e)));
        }
    }
    assert!(
        broken.is_empty(),
        "{} broken rules: {:?}",
        broken.len(),
        &broken[..broken.len().min(10)]
    );
}

#[test]
fn a_rule_error_reads_as_its_french_message() {
    let p = Person {
        birth_date: NaiveDate::from_ymd_opt(2030, 1, 1),
        ..Person::new("Martin", "Léa")
    };
    let e = p.check(now().date()).unwrap_err();
    assert_eq!(e.field, "birth_date");
    assert_eq!(e.to_string(), "La date de naissance est dans le futur");
}
