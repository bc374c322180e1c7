//! Snapshots of the person's forms with the identity fields of issue 13 and the new form
//! « Droits et situation administrative » (issue 12), at 80x24 and 120x40, on a demo file.

mod support;

use parcours::app::form::Purpose;
use parcours::app::Screen;
use support::app::Ctx;

fn snap(name: &str, c: &Ctx) {
    insta::assert_snapshot!(format!("{name}_80x24"), c.render(80, 24));
    insta::assert_snapshot!(format!("{name}_120x40"), c.render(120, 40));
}

/// The demo file of DAVID Jérémy, opened through the search line.
fn david() -> Ctx {
    let mut c = Ctx::with_demo(40, 7);
    c.press("/david jer<Enter>");
    assert_eq!(c.app.screen, Screen::File);
    c
}

#[test]
fn rights_form() {
    let mut c = david();
    c.press("A");
    assert_eq!(c.form().purpose, Purpose::EditRights);
    assert_eq!(c.form().title, "Droits et situation administrative");
    // Every flag starts unknown, never « non ».
    for key in ["ase_sortant", "rqth", "zrr", "qpv", "parent_isole"] {
        assert_eq!(
            c.form().field(key).unwrap().shown(),
            "Non renseigné",
            "{key}"
        );
    }
    snap("form_rights", &c);
}

#[test]
fn identity_form_with_the_new_fields() {
    let mut c = david();
    c.press("I");
    assert_eq!(c.form().purpose, Purpose::EditPerson);
    // Down to the last field: the form scrolls to keep it in view.
    for _ in 0..c.form().fields.len() - 1 {
        c.press("<Tab>");
    }
    assert_eq!(c.form().focused().unwrap().key, "role_foyer");
    snap("form_identity_end", &c);
}

#[test]
fn file_header_with_a_nir_and_an_rsa_right_typed_through_the_forms() {
    let mut c = david();
    let body = "1820669123045";
    let nir = format!("{body}{:02}", parcours::domain::nir::key(body).unwrap());
    // Identity form: Tab down to the NIR, typed with spaces as on the card.
    c.press("I");
    while c.form().focused().unwrap().key != "nir" {
        c.press("<Tab>");
    }
    c.press(&format!("{}<F10>", parcours::domain::nir::spaced(&nir)));
    assert!(c.app.overlay.is_none(), "{}", c.status());
    // Rights form: RSA « droit ouvert » since a date.
    c.press("A<Right><Tab>01/02/2024<F10>");
    assert!(c.app.overlay.is_none(), "{}", c.status());
    let p = c.stored(c.person_id()).person;
    assert_eq!(p.nir, nir, "stored normalised");
    assert_eq!(p.rsa_statut, "ouvert");
    assert_eq!(p.rsa_depuis, chrono::NaiveDate::from_ymd_opt(2024, 2, 1));
    let screen = c.render(120, 40);
    assert!(screen.contains("NIR 1 82 06 •• ••• ••• ••"), "{screen}");
    assert!(!screen.contains(&nir[5..]), "{screen}");
    snap("file_header_nir_rsa", &c);
}
