//! The referential (embedded file, validation, user override) and the demo generator's use
//! of it.

use chrono::NaiveDateTime;
use parcours::demo;
use parcours::domain::referential::{label_in, ReferentialError, EMBEDDED};
use parcours::domain::*;
use std::collections::HashSet;

fn now() -> NaiveDateTime {
    NaiveDateTime::parse_from_str("2026-11-22 10:00:00", "%Y-%m-%d %H:%M:%S").unwrap()
}

#[test]
fn embedded_referential_loads_with_unique_codes() {
    let rf = Referential::parse(EMBEDDED).expect("embedded referential is valid");
    assert_eq!(rf, Referential::embedded());
    assert!(rf.version >= 1);
    assert!(rf.themes.len() >= 12, "the twelve themes of the field");
    // Codes are unique in each list, situations across all themes.
    let mut all_situations = HashSet::new();
    for t in &rf.themes {
        assert!(t.enabled, "{} off by default", t.code);
        assert!(
            t.short.chars().count() <= 10,
            "short label too long: {}",
            t.short
        );
        for s in &t.situations {
            assert!(all_situations.insert(&s.code), "situation {} twice", s.code);
        }
    }
    let levels: HashSet<_> = rf.levels.iter().map(|l| &l.code).collect();
    assert_eq!(levels.len(), rf.levels.len());
    // Ranks go from "non abordé" (0) to "obstacle majeur" (4).
    assert_eq!(rf.level_rank(codes::LEVEL_NOT_ADDRESSED), 0);
    assert_eq!(rf.level_rank("obstacle_majeur"), 4);
    for l in &rf.levels {
        assert_eq!(l.glyph.chars().count(), 1, "glyph of {}", l.code);
    }
    // Action types point at existing themes.
    for a in &rf.action_types {
        if let Some(t) = &a.theme {
            assert!(rf.knows("themes", t), "action {} -> theme {t}", a.code);
        }
    }
    // Every code the application logic relies on exists.
    for (list, code) in [
        ("levels", codes::LEVEL_NOT_ADDRESSED),
        ("appointment_statuses", codes::APPT_PLANNED),
        ("appointment_statuses", codes::APPT_HONOURED),
        ("appointment_statuses", codes::APPT_EXCUSED),
        ("appointment_statuses", codes::APPT_CANCELLED),
        ("appointment_statuses", codes::APPT_ABSENT),
        ("barrier_statuses", codes::BARRIER_IDENTIFIED),
        ("barrier_statuses", codes::BARRIER_IN_PROGRESS),
        ("barrier_statuses", codes::BARRIER_LIFTED),
        ("action_statuses", codes::ACTION_PLANNED),
        ("objective_statuses", codes::OBJECTIVE_OPEN),
        ("diagnostic_kinds", codes::DIAG_INITIAL),
        ("diagnostic_kinds", codes::DIAG_REVIEW),
        ("contracts", codes::CONTRACT_NONE),
        ("sexes", codes::SEX_UNKNOWN),
        ("appointment_media", codes::MEDIUM_DEFAULT),
    ] {
        assert!(rf.knows(list, code), "{list}: {code}");
    }
    // "Statut à préciser" is computed, never stored.
    assert!(!rf.knows("appointment_statuses", codes::APPT_TO_SET));
    // Sorties dynamiques = emploi durable + transition + sortie positive.
    for e in &rf.exit_categories {
        let dynamic = matches!(
            e.group.as_str(),
            "emploi_durable" | "emploi_transition" | "sortie_positive"
        );
        assert_eq!(e.dynamic, dynamic, "exit category {}", e.code);
    }
}

#[test]
fn parse_rejects_a_duplicate_code() {
    let text = EMBEDDED.replacen("{ code = \"appui\",", "{ code = \"vigilance\",", 1);
    assert_ne!(text, EMBEDDED);
    let err = Referential::parse(&text).unwrap_err();
    assert_eq!(
        err,
        ReferentialError::Duplicate {
            list: "levels",
            code: "vigilance".into()
        }
    );
    assert!(err.to_string().contains("en double"), "{err}");

    // Situation codes must be unique across themes.
    let text = EMBEDDED.replacen("{ code = \"mob_velo\",", "{ code = \"mob_permis_b\",", 1);
    assert!(matches!(
        Referential::parse(&text),
        Err(ReferentialError::Duplicate {
            list: "situations",
            ..
        })
    ));
}

#[test]
fn parse_rejects_a_missing_required_code() {
    let text = EMBEDDED.replacen("{ code = \"non_aborde\",", "{ code = \"pas_vu\",", 1);
    assert_ne!(text, EMBEDDED);
    let err = Referential::parse(&text).unwrap_err();
    assert_eq!(
        err,
        ReferentialError::Missing {
            list: "levels",
            code: "non_aborde".into()
        }
    );
    assert!(err.to_string().contains("obligatoire"), "{err}");

    let text = EMBEDDED.replacen("{ code = \"honore\",", "{ code = \"vu\",", 1);
    assert!(matches!(
        Referential::parse(&text),
        Err(ReferentialError::Missing {
            list: "appointment_statuses",
            ..
        })
    ));
}

#[test]
fn parse_rejects_broken_toml_with_a_french_message() {
    let err = Referential::parse("version = ").unwrap_err();
    assert!(matches!(err, ReferentialError::Syntax(_)));
    assert!(
        err.to_string().starts_with("Référentiel illisible"),
        "{err}"
    );
    // A list missing altogether is a syntax error too.
    assert!(Referential::parse("version = 1").is_err());
}

#[test]
fn no_override_gives_the_embedded_referential() {
    let (rf, warning) = Referential::with_override(None);
    assert_eq!(rf, Referential::embedded());
    assert_eq!(warning, None);
    let (rf, warning) = Referential::with_override(Some(""));
    assert_eq!(rf, Referential::embedded());
    assert_eq!(warning, None);
}

#[test]
fn broken_override_falls_back_to_the_embedded_one_with_a_french_warning() {
    let (rf, warning) = Referential::with_override(Some("disabled_themes = [\"justice\"\n]]] ="));
    assert_eq!(rf, Referential::embedded());
    let w = warning.expect("a warning");
    assert!(w.contains("referentiel.toml illisible"), "{w}");
    assert!(w.contains("référentiel par défaut utilisé"), "{w}");
    assert!(!w.contains('\n'), "one line: {w}");

    // Valid TOML, but the merge breaks a rule: a situation code already used elsewhere.
    let text = r#"
[[themes]]
code = "sport"
label = "Sport"
short = "Sport"
situations = [ { code = "mob_permis_b", label = "Permis bateau" } ]
"#;
    let (rf, warning) = Referential::with_override(Some(text));
    assert_eq!(rf, Referential::embedded());
    let w = warning.expect("a warning");
    assert!(w.contains("mob_permis_b") && w.contains("en double"), "{w}");
    assert!(w.contains("référentiel par défaut utilisé"), "{w}");

    // Wrong type for a known key.
    let (rf, warning) = Referential::with_override(Some("disabled_themes = \"justice\""));
    assert_eq!(rf, Referential::embedded());
    assert!(warning.is_some());
}

#[test]
fn disabled_themes_switches_justice_off() {
    let (rf, warning) = Referential::with_override(Some("disabled_themes = [\"justice\"]\n"));
    assert_eq!(warning, None);
    assert!(!rf.theme("justice").expect("still known").enabled);
    assert!(rf.active_themes().all(|t| t.code != "justice"));
    assert_eq!(
        rf.active_themes().count(),
        Referential::embedded().active_themes().count() - 1
    );
    // Existing records keep their label.
    assert!(rf.knows("themes", "justice"));
    assert_ne!(label_in(&rf.themes, "justice"), "justice");

    // The demo does not assess a theme that is switched off.
    for f in demo::generate(&rf, 80, 4, now()) {
        for d in &f.diagnostics {
            assert!(d.themes.iter().all(|t| t.theme != "justice"));
        }
        assert!(f.barriers.iter().all(|b| b.theme != "justice"));
    }
}

#[test]
fn override_merges_by_code() {
    let text = r#"
partners = [
  { code = "caf", label = "Caisse d'allocations familiales" },
  { code = "epi_solidaire", label = "Épicerie solidaire du quartier" },
]
action_types = [ { code = "atelier_cv", label = "Atelier CV du jeudi" } ]
"#;
    let (rf, warning) = Referential::with_override(Some(text));
    assert_eq!(warning, None);
    let base = Referential::embedded();
    assert_eq!(rf.partners.len(), base.partners.len() + 1);
    assert_eq!(
        label_in(&rf.partners, "caf"),
        "Caisse d'allocations familiales"
    );
    assert!(rf.knows("partners", "epi_solidaire"));
    assert!(rf.knows("action_types", "atelier_cv"));
}

#[test]
fn unknown_codes_are_shown_raw() {
    let rf = Referential::embedded();
    assert_eq!(label_in(&rf.themes, "theme_retire"), "theme_retire");
    assert_eq!(label_in(&rf.levels, "niveau_inconnu"), "niveau_inconnu");
    let b = Barrier {
        theme: "theme_retire".into(),
        situation: Some("situation_retiree".into()),
        ..Default::default()
    };
    assert_eq!(rf.barrier_label(&b), "situation_retiree");
    let free = Barrier {
        label: "Téléphone sans forfait".into(),
        ..Default::default()
    };
    assert_eq!(rf.barrier_label(&free), "Téléphone sans forfait");
    // An unknown action status counts as open (not silently forgotten).
    assert!(rf.action_open("statut_inconnu"));
    assert!(!rf.action_open("realisee"));
}

#[test]
fn every_code_the_demo_uses_exists_in_the_referential() {
    let rf = Referential::embedded();
    let files = demo::generate(&rf, 300, 42, now());
    assert_eq!(files.len(), 300);
    let check = |list: &str, code: &str, what: &str| {
        assert!(
            rf.knows(list, code),
            "demo uses unknown {list} code {code:?} ({what})"
        );
    };
    let mut seen_lists = HashSet::new();
    let mut mark = |list: &'static str| {
        seen_lists.insert(list);
    };
    for f in &files {
        check("sexes", &f.person.sexe, "person.sexe");
        mark("sexes");
        for s in &f.suivis {
            check("dispositifs", &s.dispositif, "suivi.dispositif");
            check("contracts", &s.contrat, "suivi.contrat");
            check("partners", &s.prescripteur, "suivi.prescripteur");
            mark("dispositifs");
            if let Some(c) = &s.sortie_categorie {
                check("exit_categories", c, "suivi.sortie_categorie");
                mark("exit_categories");
            }
        }
        for d in &f.diagnostics {
            check("diagnostic_kinds", &d.kind, "diagnostic.kind");
            check("niveaux", &d.niveau, "diagnostic.niveau");
            for t in &d.themes {
                check("themes", &t.theme, "diagnostic theme");
                check("levels", &t.level, "diagnostic level");
                mark("levels");
            }
        }
        for b in &f.barriers {
            check("themes", &b.theme, "barrier.theme");
            check("barrier_statuses", &b.status, "barrier.status");
            mark("barrier_statuses");
            match &b.situation {
                Some(s) => {
                    check("situations", s, "barrier.situation");
                    let (theme, _) = rf.situation(s).unwrap();
                    assert_eq!(theme.code, b.theme, "situation {s} under another theme");
                }
                None => assert!(!b.label.is_empty(), "free barrier without a label"),
            }
        }
        for o in &f.objectives {
            check("objective_statuses", &o.status, "objective.status");
            if let Some(t) = &o.theme {
                check("themes", t, "objective.theme");
            }
        }
        for a in &f.actions {
            check("action_statuses", &a.status, "action.status");
            check("partners", &a.partner, "action.partner");
            if let Some(t) = &a.action_type {
                check("action_types", t, "action.action_type");
                mark("action_types");
            }
            // Links are 1-based positions in the same file.
            if let Some(o) = a.objective_id {
                assert!(o >= 1 && (o as usize) <= f.objectives.len());
            }
            if let Some(b) = a.barrier_id {
                assert!(b >= 1 && (b as usize) <= f.barriers.len());
            }
        }
        for a in &f.appointments {
            check("appointment_media", &a.medium, "appointment.medium");
            check("appointment_statuses", &a.status, "appointment.status");
            mark("appointment_statuses");
            for d in &a.demarches {
                check("themes", &d.theme, "demarche.theme");
            }
        }
    }
    // The check above really ran over each kind of code.
    for list in [
        "sexes",
        "dispositifs",
        "exit_categories",
        "levels",
        "barrier_statuses",
        "action_types",
        "appointment_statuses",
    ] {
        assert!(seen_lists.contains(list), "no {list} code generated");
    }
}

#[test]
fn demo_is_deterministic_for_a_seed() {
    let rf = Referential::embedded();
    let a = demo::generate(&rf, 120, 7, now());
    let b = demo::generate(&rf, 120, 7, now());
    assert_eq!(a, b, "same seed, same now: same caseload");
    let c = demo::generate(&rf, 120, 8, now());
    assert_ne!(a, c, "another seed gives another caseload");
    // A prefix of a larger caseload is the smaller one.
    let small = demo::generate(&rf, 30, 7, now());
    assert_eq!(&a[..30], &small[..]);
}

#[test]
fn demo_caseload_is_realistic() {
    let rf = Referential::embedded();
    let files = demo::generate(&rf, 300, 42, now());
    let today = now().date();
    let open = files
        .iter()
        .filter(|f| f.current_suivi().is_some_and(|s| s.is_open()))
        .count();
    assert!(open > 200, "most people are still followed ({open})");
    let names: HashSet<_> = files
        .iter()
        .map(|f| (&f.person.nom, &f.person.prenom))
        .collect();
    assert!(names.len() > 250, "varied names");
    for f in &files {
        let p = &f.person;
        assert!(!p.nom.is_empty() && !p.prenom.is_empty());
        let age = (today - p.birth_date.unwrap()).num_days() / 365;
        assert!((17..=66).contains(&age), "age {age}");
        for s in &f.suivis {
            if let (Some(o), Some(c)) = (s.date_orientation, s.date_premier_contact) {
                assert!(c >= o, "first contact before orientation");
            }
            if let Some(out) = s.sortie_date {
                assert!(out < today);
            }
        }
        for a in &f.appointments {
            let start = a.start.unwrap();
            if start > now() {
                assert_eq!(
                    a.status,
                    codes::APPT_PLANNED,
                    "future appointment already done"
                );
            }
            if a.status == codes::APPT_HONOURED {
                assert!(!a.report.is_empty());
            }
        }
    }
}

#[test]
fn exit_typology_follows_the_dgefp_groups() {
    // Issue 12: « Autre dispositif d'accompagnement » is a réorientation, not a dynamic exit;
    // dynamic exits are exactly the three employment / positive groups.
    let rf = Referential::embedded();
    let other = rf
        .exit_categories
        .iter()
        .find(|e| e.code == "sp_accompagnement")
        .expect("the code stays: stored files refer to it");
    assert_eq!(other.group, "reorientation");
    assert!(!other.dynamic);
    for e in &rf.exit_categories {
        let dynamic_group = matches!(
            e.group.as_str(),
            "emploi_durable" | "emploi_transition" | "sortie_positive"
        );
        assert_eq!(e.dynamic, dynamic_group, "{}", e.code);
    }
}
