//! The IAE eligibility view of a file (issue 13 §3): snapshots at 80x24 and 120x40, the
//! confirmations and proofs, recording through the single write path (undo, audit), the
//! alert a month before expiry in the today view, and the printed page.

mod support;
use support::app as common;

use common::*;
use parcours::app::Screen;
use parcours::domain::eligibility::{Criterion, StructureKind};
use parcours::domain::{Change, Eligibility, EligibilityCriterion, Record};

fn snap(name: &str, c: &Ctx) -> String {
    let small = c.render(80, 24);
    let large = c.render(120, 40);
    insta::assert_snapshot!(format!("{name}_80x24"), small);
    insta::assert_snapshot!(format!("{name}_120x40"), large);
    small
}

fn on_screen(c: &Ctx, needle: &str) {
    for (w, h) in [(80, 24), (120, 40)] {
        let s = c.render(w, h);
        assert!(s.contains(needle), "« {needle} » missing at {w}x{h}:\n{s}");
    }
}

/// DAVID Jérémy of the demo (40 persons, seed 7), his file open.
fn david() -> Ctx {
    let mut c = Ctx::with_demo(40, 7);
    c.press("/david jer<Enter>");
    assert_eq!(c.app.screen, Screen::File);
    assert_eq!(c.file().data.person.display_name(), "DAVID Jérémy");
    c
}

fn index(c: Criterion) -> usize {
    Criterion::ALL.iter().position(|x| *x == c).unwrap()
}

#[test]
fn view_lists_the_criteria_with_their_source() {
    let mut c = david();
    c.press("L");
    let d = c.file().eligibility.as_ref().expect("view open");
    assert_eq!(d.kind, StructureKind::Aci);
    snap("eligibility_view", &c);
    on_screen(&c, "Éligibilité IAE — ACI");
    on_screen(&c, "Date de naissance");
    on_screen(&c, "Aucun diagnostic enregistré");
    // The bottom bar comes from the key table.
    on_screen(&c, "o oui");
    c.press("<Esc>");
    assert!(c.file().eligibility.is_none());
    assert_eq!(c.app.screen, Screen::File);
}

#[test]
fn confirm_proofs_structure_then_record_and_undo() {
    let mut c = david();
    let pid = c.person_id();
    c.press("L");
    // From the file: every known criterion confirmed as it says.
    c.press("r");
    assert!(c.status().contains("repris du dossier"), "{}", c.status());
    let d = c.file().eligibility.clone().unwrap();
    let evaluations = c.app.eligibility_evaluations(c.file());
    for (i, e) in evaluations.iter().enumerate() {
        use parcours::domain::eligibility::Status;
        let want = match e.status {
            Status::Met => Some(true),
            Status::NotMet => Some(false),
            Status::Unknown => None,
        };
        assert_eq!(d.confirmed[i], want, "{:?}", e.criterion);
    }
    // RSA (first row): confirmed met, proof from the list, then free text.
    c.press("<Home>o");
    assert_eq!(c.file().eligibility.as_ref().unwrap().selected, 1);
    c.press("<Up>p");
    let proof =
        |c: &Ctx, k: Criterion| c.file().eligibility.as_ref().unwrap().proofs[index(k)].clone();
    assert_eq!(proof(&c, Criterion::Rsa), "Attestation CAF / MSA");
    c.press("p");
    assert_eq!(proof(&c, Criterion::Rsa), "Notification de droit RSA");
    c.press("<Enter>");
    assert!(c.app.overlay.is_some(), "proof form open");
    c.press("<C-u>Attestation CAF du 02/11/2026<Enter>");
    assert!(c.app.overlay.is_none(), "{}", c.status());
    assert_eq!(proof(&c, Criterion::Rsa), "Attestation CAF du 02/11/2026");
    // Structure kind and who makes it.
    c.press("ttt");
    assert_eq!(
        c.file().eligibility.as_ref().unwrap().kind,
        StructureKind::Ai
    );
    snap("eligibility_confirmed", &c);
    // Record: one row, dated, with the proof and the source.
    let before = c.stored(pid).eligibilities.len();
    c.press("s");
    assert!(c.status().contains("enregistré"), "{}", c.status());
    let stored = c.stored(pid).eligibilities;
    assert_eq!(stored.len(), before + 1);
    let e = stored.last().unwrap();
    assert_eq!(e.date, Some(today()));
    assert_eq!(e.structure, "AI");
    assert!(e.prescriber);
    assert!(e.eligible, "RSA confirmed");
    assert_eq!(
        e.expires,
        today().checked_add_months(chrono::Months::new(6))
    );
    let rsa = e.criterion(Criterion::Rsa).unwrap();
    assert!(rsa.met);
    assert_eq!(rsa.proof, "Attestation CAF du 02/11/2026");
    assert!(!rsa.source.is_empty());
    on_screen(&c, "valable jusqu'au");
    // The audit log names the new record (no content).
    let audit = c.store.audit_entries(None, None, 1000).expect("audit");
    assert!(audit
        .iter()
        .any(|a| a.record_kind.as_deref() == Some("eligibilities") && a.person_id == Some(pid)));
    // Undo takes it back.
    c.press("u");
    assert!(c.status().starts_with("Annulé"), "{}", c.status());
    assert_eq!(c.stored(pid).eligibilities.len(), before);
}

#[test]
fn nothing_confirmed_is_not_recorded() {
    let mut c = david();
    let pid = c.person_id();
    c.press("Ls");
    assert!(
        c.status().starts_with("ERREUR: Aucun critère confirmé"),
        "{}",
        c.status()
    );
    assert!(c.stored(pid).eligibilities.is_empty());
}

#[test]
fn expiring_diagnostic_is_announced_a_month_before() {
    let mut c = david();
    let pid = c.person_id();
    // Made by a prescriber on 10/06/2026: valid until 10/12/2026, within a month of the
    // fixed clock (23/11/2026).
    let made = chrono::NaiveDate::from_ymd_opt(2026, 6, 10).unwrap();
    let e = Eligibility {
        person_id: pid,
        date: Some(made),
        structure: "ACI".into(),
        prescriber: true,
        eligible: true,
        expires: Eligibility::expiry_of(made, true),
        criteria: vec![EligibilityCriterion {
            criterion: Criterion::Rsa.code().into(),
            met: true,
            proof: "Attestation CAF / MSA".into(),
            source: String::new(),
        }],
        ..Default::default()
    };
    c.store
        .apply(&Change::Upsert(Record::Eligibility(e.clone())))
        .unwrap();
    // A file whose diagnostic is far from its end is not listed.
    let far = chrono::NaiveDate::from_ymd_opt(2026, 11, 1).unwrap();
    let other = c
        .store
        .person_ids()
        .unwrap()
        .into_iter()
        .find(|i| *i != pid)
        .unwrap();
    c.store
        .apply(&Change::Upsert(Record::Eligibility(Eligibility {
            person_id: other,
            date: Some(far),
            expires: Eligibility::expiry_of(far, true),
            ..e.clone()
        })))
        .unwrap();
    c.press("<Esc><F2>");
    assert_eq!(c.app.screen, Screen::Today);
    let s = c.render(120, 40);
    assert!(s.contains("Éligibilité IAE à renouveler (1)"), "{s}");
    assert!(s.contains("DAVID Jérémy"), "{s}");
    assert!(s.contains("10/12/2026"), "{s}");
    // In the view: the expiry, said as an alert.
    // The row (the last one of the view) opens the file, one key from the view.
    c.press("<End><Enter>");
    assert_eq!(c.app.screen, Screen::File);
    assert_eq!(c.person_id(), pid);
    c.press("L");
    on_screen(&c, "expire le 10/12/2026, à renouveler");
}

#[test]
fn print_writes_a_private_self_contained_page() {
    let mut c = david();
    let out = c.dir.path().join("exports");
    c.app.export_dir = Some(out.clone());
    c.press("Lri");
    assert!(c.status().contains("à imprimer"), "{}", c.status());
    let files: Vec<_> = std::fs::read_dir(&out).unwrap().flatten().collect();
    assert_eq!(files.len(), 1);
    let path = files[0].path();
    assert!(path
        .file_name()
        .unwrap()
        .to_string_lossy()
        .starts_with("eligibilite-"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let html = std::fs::read_to_string(&path).unwrap();
    assert!(html.contains("Diagnostic d'éligibilité IAE"));
    assert!(html.contains("DAVID Jérémy"));
    for c in Criterion::ALL {
        assert!(
            html.contains(&parcours::document::esc(c.label())),
            "{c:?} missing"
        );
    }
    assert!(html.contains("@page { size: A4"));
    for bad in ["<script", "http://", "https://", "<img", "<link"] {
        assert!(!html.contains(bad), "{bad} in the page");
    }
}

#[test]
fn erasure_takes_the_diagnostics_and_their_criteria_away() {
    let mut c = david();
    let pid = c.person_id();
    c.press("Lrs");
    assert_eq!(c.stored(pid).eligibilities.len(), 1);
    let count = |c: &Ctx, table: &str| {
        c.counts()
            .into_iter()
            .find(|(t, _)| t == table)
            .map(|(_, n)| n)
            .unwrap_or(0)
    };
    assert_eq!(count(&c, "eligibilities"), 1);
    assert!(count(&c, "eligibility_criteria") > 0);
    c.store.erase_person(pid).expect("erase");
    assert_eq!(count(&c, "eligibilities"), 0);
    assert_eq!(count(&c, "eligibility_criteria"), 0);
}
