//! Field ranges and unusual values through the app's key events, one test per form: the
//! refusal shows in place, under its field, with every typed value kept and nothing
//! written; an unusual phone or e-mail is stored when the form is confirmed again
//! unchanged (the « insist » path). The clock says Monday 23 November 2026, 10h.

mod support;
use support::app as common;

use chrono::NaiveDate;
use common::*;
use parcours::app::Screen;
use parcours::domain::rules::{EMAIL_UNUSUAL, PHONE_UNUSUAL};

/// A new person's file, open on the diagnostic pane.
fn new_file() -> Ctx {
    let mut c = Ctx::empty();
    c.press("nDurand<Enter>Léa<F10>");
    assert_eq!(c.app.screen, Screen::File, "{}", c.status());
    c
}

impl Ctx {
    fn error_of(&self, key: &str) -> String {
        self.form()
            .field(key)
            .unwrap_or_else(|| panic!("no field {key}"))
            .error
            .clone()
            .unwrap_or_default()
    }

    /// The form is open, `key` carries a message starting with `message`, shown on screen,
    /// and each of `kept` still holds what was typed.
    fn assert_refused(&self, key: &str, message: &str, kept: &[(&str, &str)]) {
        let err = self.error_of(key);
        assert!(err.starts_with(message), "{key}: {err:?}");
        for (k, v) in kept {
            assert_eq!(self.form().value(k), *v, "field {k} kept");
        }
        let screen = self.render(120, 40);
        let head: String = message.chars().take(30).collect();
        assert!(screen.contains(&head), "{head:?} not on screen:\n{screen}");
    }
}

#[test]
fn new_person_form_refuses_a_baby_then_warns_and_stores_unusual_contact_details() {
    let mut c = Ctx::empty();
    let counts = c.counts();
    // Every field with Entrée; Entrée on the last one (orientation) confirms.
    c.press("nDurand<Enter>Léa<Enter>hier<Enter><Enter>06 12 34 56<Enter>pas un mail<Enter>Lens<Enter><Enter><Enter><Enter>");
    assert_eq!(c.form().fields[c.form().focus].key, "orientation");
    c.press("<Enter>");
    let kept = [
        ("nom", "Durand"),
        ("prenom", "Léa"),
        ("birth", "hier"),
        ("phone", "06 12 34 56"),
        ("email", "pas un mail"),
        ("commune", "Lens"),
    ];
    c.assert_refused("birth", "Moins de 15 ans (0 an)", &kept);
    assert_eq!(c.form().fields[c.form().focus].key, "birth");
    assert_eq!(c.counts(), counts, "nothing written");

    // A real birth date (typed whole, it moves on to the sexe): now the phone and the
    // e-mail are questioned, both at once.
    c.press("<C-u>14/03/1991<F10>");
    let kept = [
        ("birth", "14/03/1991"),
        ("phone", "06 12 34 56"),
        ("email", "pas un mail"),
        ("commune", "Lens"),
    ];
    c.assert_refused("phone", "Numéro inhabituel", &kept);
    assert_eq!(c.error_of("phone"), PHONE_UNUSUAL);
    assert_eq!(c.error_of("email"), EMAIL_UNUSUAL);
    assert!(c.error_of("phone").contains("Confirmez à nouveau"));
    assert_eq!(c.counts(), counts, "nothing written");
    assert_eq!(
        c.form().fields[c.form().focus].key,
        "sexe",
        "the focus stays, so the same key confirms again"
    );

    // The advisor insists: confirmed again unchanged, both are stored as typed.
    c.press("<F10>");
    assert!(c.app.overlay.is_none(), "{}", c.status());
    let p = c.stored(c.person_id()).person;
    assert_eq!(p.phone, "06 12 34 56");
    assert_eq!(p.email, "pas un mail");
    assert_eq!(p.birth_date, NaiveDate::from_ymd_opt(1991, 3, 14));
}

#[test]
fn new_person_form_second_enter_on_the_last_field_stores_the_unusual_phone() {
    let mut c = Ctx::empty();
    let counts = c.counts();
    c.press("nDurand<Enter>Léa<Enter><Enter><Enter>+44 12<Enter><Enter><Enter><Enter><Enter><Enter><Enter>");
    c.assert_refused("phone", "Numéro inhabituel", &[("phone", "+44 12")]);
    assert_eq!(c.counts(), counts);
    c.press("<Enter>");
    assert!(c.app.overlay.is_none(), "{}", c.status());
    assert_eq!(c.stored(c.person_id()).person.phone, "+44 12");
}

#[test]
fn identity_form_refuses_in_place_then_stores_what_the_advisor_insists_on() {
    let mut c = new_file();
    let id = c.person_id();
    let before = c.stored(id);
    c.press("I<Tab><Tab><Tab>hier<Tab><Tab>12 34 56 78<Tab>lea@exemple<F10>");
    let kept = [
        ("nom", "Durand"),
        ("prenom", "Léa"),
        ("birth", "hier"),
        ("phone", "12 34 56 78"),
        ("email", "lea@exemple"),
    ];
    c.assert_refused("birth", "Moins de 15 ans (0 an)", &kept);
    assert_eq!(c.stored(id), before, "nothing written");

    c.press("<C-u>01/01/2011<F10>"); // 15 years old
    c.assert_refused("phone", PHONE_UNUSUAL, &[("email", "lea@exemple")]);
    assert_eq!(c.error_of("email"), EMAIL_UNUSUAL);
    assert_eq!(c.stored(id), before, "nothing written");

    // A changed value is questioned again: fix the e-mail only, keep the odd phone (the
    // whole date moved the focus on to the sexe).
    c.press("<Tab><Tab><C-u>lea@exemple.fr<F10>");
    assert!(c.app.overlay.is_none(), "{}", c.status());
    let p = c.stored(id).person;
    assert_eq!(
        (p.phone.as_str(), p.email.as_str(), p.birth_date),
        (
            "12 34 56 78",
            "lea@exemple.fr",
            NaiveDate::from_ymd_opt(2011, 1, 1)
        )
    );

    // Stored, the odd phone is not questioned again when another field changes.
    c.press("I<Tab><Tab><Tab><Tab><Tab><Tab><Tab>Arras<F10>");
    assert!(c.app.overlay.is_none(), "{}", c.status());
    let p = c.stored(id).person;
    assert_eq!(
        (p.phone.as_str(), p.commune.as_str()),
        ("12 34 56 78", "Arras")
    );
}

#[test]
fn suivi_form_refuses_dates_out_of_range_in_place() {
    // (keys after S, refused field, message start, kept, fix)
    let cases = [
        (
            "<Tab><Tab><Tab><Tab><Tab>23/11/2062",
            "entree",
            "Date d'entrée hors limites : entre le 23/11/2006 (il y a 20 ans) et le 23/11/2027 (dans 1 an)",
            "23/11/2062",
            "23/11/2026",
        ),
        (
            "<Tab><Tab><Tab><C-u>01/09/1926",
            "orientation",
            "Date d'orientation hors limites : entre le 23/11/2006",
            "01/09/1926",
            "01/09/2026",
        ),
        (
            "<Tab><Tab><Tab><Tab><Tab><Tab><Tab><Tab><Tab>demain<Tab><Right>",
            "sortie",
            "Date de sortie hors limites : entre le 23/11/2006 (il y a 20 ans) et aujourd'hui (23/11/2026)",
            "demain",
            "hier",
        ),
    ];
    for (keys, field, message, typed, fix) in cases {
        let mut c = new_file();
        let id = c.person_id();
        let before = c.stored(id);
        c.press(&format!("S<Tab><C-u>Camille B.<BackTab>{keys}<F10>"));
        c.assert_refused(
            field,
            message,
            &[(field, typed), ("referent", "Camille B.")],
        );
        assert_eq!(c.form().fields[c.form().focus].key, field, "{keys}");
        assert_eq!(c.stored(id), before, "{keys}: nothing written");
        c.press(&format!("<C-u>{fix}<F10>"));
        assert!(c.app.overlay.is_none(), "{keys}: {}", c.status());
        let s = c.stored(id).suivis.remove(0);
        assert_eq!(s.referent, "Camille B.", "{keys}");
    }
}

#[test]
fn action_form_refuses_an_echeance_out_of_range_in_place() {
    // (échéance typed, then a fix, and the date stored)
    let cases = [
        ("01/01/1900", "15/12", NaiveDate::from_ymd_opt(2026, 12, 15)),
        (
            "01/06/2024",
            "01/12/2024",
            NaiveDate::from_ymd_opt(2024, 12, 1),
        ),
        (
            "15/12/2032",
            "15/11/2031",
            NaiveDate::from_ymd_opt(2031, 11, 15),
        ),
    ];
    for (due, fix, want) in cases {
        let mut c = new_file();
        let id = c.person_id();
        let before = c.stored(id);
        c.press(&format!("<F7>acv<Tab>france tr<Tab>{due}<F10>"));
        c.assert_refused(
            "due",
            "Échéance hors limites : entre le 23/11/2024 (il y a 2 ans) et le 23/11/2031 (dans 5 ans)",
            &[("label", "CV"), ("partner", "France Travail"), ("due", due)],
        );
        assert_eq!(c.stored(id), before, "{due}: nothing written");
        c.press(&format!("<C-u>{fix}<F10>"));
        assert!(c.app.overlay.is_none(), "{due}: {}", c.status());
        assert_eq!(c.stored(id).actions[0].due, want, "{due}");
    }
}

#[test]
fn appointment_form_refuses_zero_and_cleared_durations_in_place() {
    let mut c = new_file();
    let id = c.person_id();
    let before = c.stored(id);
    const RANGE: &str = "un rendez-vous dure de 5 à 480 minutes (8 heures)";
    // (duration typed, message start)
    let cases = [
        ("0", "Durée de 0 min hors limites"),
        ("", "Indiquez la durée"),
        ("481", "Durée de 481 min hors limites"),
        ("1440", "Durée de 1440 min hors limites"),
    ];
    c.press("<F8>a25/11 9h");
    for (duration, message) in cases {
        c.press(&format!("<Tab><C-u>{duration}<F10>"));
        c.assert_refused(
            "duration",
            message,
            &[("start", "25/11 9h"), ("duration", duration)],
        );
        assert!(c.error_of("duration").contains(RANGE), "{duration:?}");
        assert_eq!(c.stored(id), before, "{duration:?}: nothing written");
        c.press("<BackTab>");
    }
    c.press("<Tab><C-u>30<F10>");
    assert!(c.app.overlay.is_none(), "{}", c.status());
    let a = &c.stored(id).appointments;
    assert_eq!(a.len(), 1);
    assert_eq!(a[0].duration_min, 30);
}

#[test]
fn free_barrier_form_refuses_a_date_in_the_future_in_place() {
    let mut c = new_file();
    let id = c.person_id();
    let before = c.stored(id);
    c.press("<F6>aSans mutuelle<Tab><Tab><C-u>01/01/2062<F10>");
    c.assert_refused(
        "since",
        "Date d'apparition hors limites : entre le 23/11/1926 (il y a 100 ans) et aujourd'hui (23/11/2026)",
        &[("label", "Sans mutuelle"), ("since", "01/01/2062")],
    );
    assert_eq!(c.stored(id), before, "nothing written");
    c.press("<C-u>01/01/2020<F10>");
    assert!(c.app.overlay.is_none(), "{}", c.status());
    let b = &c.stored(id).barriers;
    assert_eq!(b.len(), 1);
    assert_eq!(b[0].since, NaiveDate::from_ymd_opt(2020, 1, 1));
}

#[test]
fn professional_form_refuses_inactivity_and_registration_out_of_range_in_place() {
    let mut c = new_file();
    let id = c.person_id();
    let before = c.stored(id);
    c.press("p<Tab>CAP cuisine<Tab><Tab><Tab>700<Tab><Tab>01/01/2062<F10>");
    let kept = [
        ("diplomes", "CAP cuisine"),
        ("inactivite", "700"),
        ("ft_date", "01/01/2062"),
    ];
    c.assert_refused(
        "inactivite",
        "Inactivité de 700 mois hors limites : de 0 à 600 mois (50 ans)",
        &kept,
    );
    assert_eq!(c.stored(id), before, "nothing written");
    c.press("<C-u>18<F10>");
    c.assert_refused(
        "ft_date",
        "Date d'inscription à France Travail hors limites : entre le 23/11/1996 (il y a 30 ans) et aujourd'hui (23/11/2026)",
        &[("inactivite", "18"), ("ft_date", "01/01/2062")],
    );
    assert_eq!(c.stored(id), before, "nothing written");
    c.press("<C-u>01/09/2025<F10>");
    assert!(c.app.overlay.is_none(), "{}", c.status());
    let d = c.stored(id).diagnostics.remove(0);
    assert_eq!(
        (d.diplomes.as_str(), d.inactivite_mois, d.ft_date),
        ("CAP cuisine", Some(18), NaiveDate::from_ymd_opt(2025, 9, 1))
    );
}

#[test]
fn barrier_details_form_refuses_a_lifting_date_in_the_future_in_place() {
    let mut c = new_file();
    let id = c.person_id();
    c.press("<F6><Space>");
    let before = c.stored(id);
    assert_eq!(before.barriers.len(), 1);
    c.press("e<Tab><Tab><C-u>01/01/2062<Tab>Bus le matin<F10>");
    c.assert_refused(
        "resolved",
        "Date de levée hors limites : entre le 23/11/1926 (il y a 100 ans) et aujourd'hui (23/11/2026)",
        &[("resolved", "01/01/2062"), ("note", "Bus le matin")],
    );
    assert_eq!(c.stored(id), before, "nothing written");
    c.press("<C-u>23/11/2026<F10>");
    assert!(c.app.overlay.is_none(), "{}", c.status());
    let b = &c.stored(id).barriers[0];
    assert_eq!(
        (b.resolved, b.note.as_str()),
        (Some(today()), "Bus le matin")
    );
}
