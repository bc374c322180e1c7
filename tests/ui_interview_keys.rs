//! The keys that make a first interview short (issue « at the speed of talk », §1), each
//! against the real app on a temp-dir store: a level moves on, letters jump to themes,
//! digits tick situations, the démarche grid, completions, the honoured-before-start rule,
//! what the plan and the form footers show at 100 columns, the login habits.

mod support;
use support::app as common;

use common::*;
use parcours::app::{Overlay, Pane};
use parcours::domain::codes;

/// A new person's file, open on the diagnostic pane.
fn new_file() -> Ctx {
    let mut c = Ctx::empty();
    c.press("nDurand<Enter>Léa<F10>");
    c
}

fn selected(c: &Ctx, pane: Pane) -> usize {
    c.file().selected[pane.index()]
}

fn theme_at(c: &Ctx, i: usize) -> String {
    c.app.diag_rows()[i].code.clone()
}

#[test]
fn a_level_moves_to_the_next_theme_unless_the_setting_says_not() {
    // (level_advances, keys, selected theme after, levels set in order)
    let cases: [(bool, &str, usize); 5] = [
        (true, "3", 1),
        (true, "32", 2),
        (true, "321321112411", 11), // the last theme stays selected
        (false, "3", 0),
        (false, "32", 0),
    ];
    for (advances, keys, want) in cases {
        let mut c = new_file();
        c.app.level_advances = advances;
        let id = c.person_id();
        c.press(keys);
        assert_eq!(selected(&c, Pane::Diagnostic), want, "{advances} {keys}");
        let d = c.stored(id);
        let d = d.current_diagnostic().expect("diagnostic");
        if advances {
            for (i, k) in keys.chars().enumerate() {
                let rank = k.to_digit(10).unwrap() as u8;
                assert_eq!(c.app.rf.level_rank(d.level_of(&theme_at(&c, i))), rank);
            }
        } else {
            // Every digit went to the first theme: the last one is its level.
            let last = keys.chars().last().unwrap().to_digit(10).unwrap() as u8;
            assert_eq!(c.app.rf.level_rank(d.level_of(&theme_at(&c, 0))), last);
        }
    }
}

#[test]
fn letters_jump_to_themes_in_the_diagnostic_and_bound_letters_keep_their_action() {
    // (keys, theme selected after)
    let cases = [
        ("n", "numerique"),
        ("d", "finances"), // « Difficultés financières »
        ("dd", "droits"),  // then « Droits » (short label)
        ("l", "logement"),
        ("ll", "langue"),
        ("lll", "logement"), // wraps round
        ("v", "violences"),
        ("tj", "justice"), // « j » moves down: the prefix makes it jump
        ("j", "logement"), // bound: next row
    ];
    for (keys, want) in cases {
        let mut c = new_file();
        c.press(keys);
        assert_eq!(
            theme_at(&c, selected(&c, Pane::Diagnostic)),
            want,
            "keys {keys:?}"
        );
    }
    // « c » comments (bound), it does not jump to « Codes pro ».
    let mut c = new_file();
    c.press("c");
    assert!(matches!(c.app.overlay, Some(Overlay::Form(_))));
    // A letter no theme starts with says so.
    let mut c = new_file();
    c.press("y");
    assert_eq!(selected(&c, Pane::Diagnostic), 0);
    assert!(c.status().contains("« y »"), "{}", c.status());
}

#[test]
fn in_the_checklist_letters_jump_and_digits_tick_the_nth_situation() {
    let mut c = new_file();
    let id = c.person_id();
    c.press("<F6>");
    // (keys, situation codes ticked after, in order)
    c.press("d4");
    c.press("n3");
    // « s » cycles the status: the prefix makes it jump (after Numérique: Savoir-être).
    c.press("ts2");
    let mut got: Vec<String> = c
        .stored(id)
        .barriers
        .iter()
        .filter_map(|b| b.situation.clone())
        .collect();
    got.sort();
    assert_eq!(
        got,
        [
            "fin_gestion_budget",
            "num_pas_email",
            "sav_codes_entreprise"
        ]
    );
    // The digit selects the row it ticked: « s » now cycles its status.
    c.press("s");
    let b = c.stored(id);
    let san = b
        .barriers
        .iter()
        .find(|b| b.situation.as_deref() == Some("sav_codes_entreprise"))
        .unwrap();
    assert_eq!(san.status, codes::BARRIER_IN_PROGRESS);
    // The same digit again unticks it.
    c.press("2");
    assert_eq!(c.stored(id).barriers.len(), 2);
    // A theme without a 9th situation says so and ticks nothing.
    c.press("n9");
    assert_eq!(c.stored(id).barriers.len(), 2);
    assert!(c.status().contains("n° 9"), "{}", c.status());
}

#[test]
fn leaving_the_checklist_folds_it_to_the_ticked_situations() {
    let mut c = new_file();
    c.press("<F6>");
    assert!(!c.file().checked_only);
    c.press("<Tab>"); // nothing ticked: stays the full list
    assert!(!c.file().checked_only);
    c.press("<F6>14l2d4n3<Tab>");
    assert!(c.file().checked_only);
    let screen = c.render(100, 30);
    for label in [
        "Aucun moyen de transp",
        "Permis / code en cours",
        "Hébergé chez un tiers",
        "Gestion du budget",
        "Pas d'adresse e-mail",
    ] {
        assert!(screen.contains(label), "{label}:\n{screen}");
    }
    // One key shows the whole list again.
    c.press("<F6>f");
    assert!(!c.file().checked_only);
}

/// An appointment today 9h (the clock says 10h), its report form open.
fn report_form() -> Ctx {
    let mut c = new_file();
    c.press("<F8>a23/11 9h<F10>h"); // honoured: its report opens
    assert!(matches!(c.app.overlay, Some(Overlay::Form(_))));
    c
}

#[test]
fn a_demarche_without_a_theme_is_refused_in_place_and_kept() {
    let mut c = report_form();
    let id = c.person_id();
    let before = c.stored(id);
    // « Appel CAF » names no theme: nothing is ticked for it.
    c.press("Vu ensemble.<Tab>Appel CAF<F10>");
    // Still open, on the theme grid, with the text kept and a French message.
    let form = c.form();
    assert_eq!(form.fields[form.focus].key, "themes");
    let err = form.fields[form.focus].error.clone().unwrap_or_default();
    assert!(err.contains("Cochez le thème"), "{err}");
    assert_eq!(form.value("demarches"), "Appel CAF");
    assert_eq!(c.stored(id), before, "nothing written");
    // « i » jumps to the last theme (Isolement), Espace ticks it, F10 saves.
    c.press("i<Space><F10>");
    assert!(c.app.overlay.is_none(), "{}", c.status());
    let a = &c.stored(id).appointments[0];
    assert_eq!(a.report, "Vu ensemble.");
    assert_eq!(a.demarches.len(), 1);
    assert_eq!(a.demarches[0].theme, "isolement");
    assert_eq!(a.demarches[0].label, "Appel CAF");
}

#[test]
fn in_the_theme_grid_arrows_stay_in_the_grid_and_end_reaches_the_last_box() {
    // (keys on the grid, box under the cursor after, field focused after). The grid holds
    // the 12 social themes then the 4 démarche categories (emploi, lien avec le
    // prescripteur): its last box is 15.
    let cases = [
        ("<Down>", 1, "themes"),
        ("<Down><Down><Up>", 1, "themes"),
        ("<End>", 15, "themes"),
        ("<End><Home>", 0, "themes"),
        ("<End><Down>", 15, "themes"), // past the last box of the last field: stays
        ("f", 3, "themes"),            // Finances
        ("ff", 8, "themes"),           // Famille
        ("<Up>", 0, "demarches"),      // before the first box: the field above
    ];
    for (keys, want, field) in cases {
        let mut c = report_form();
        c.press("<Tab><Tab>"); // the report, the démarche, then its themes
        c.press(keys);
        let form = c.form();
        let grid = form.field("themes").unwrap();
        assert_eq!(grid.choice, want, "{keys:?}");
        assert_eq!(form.fields[form.focus].key, field, "{keys:?}");
    }
}

#[test]
fn a_label_typed_in_other_letters_takes_its_spelling_and_word_starts_rank_first() {
    // « ofii » is a partner: Tab keeps « OFII », as the list spells it.
    let mut c = new_file();
    let id = c.person_id();
    c.press("<F7>acv<Tab>ofii");
    let f = c.form().field("partner").unwrap();
    let first = f.suggestions().first().map(|i| f.choices[*i].1.clone());
    assert_eq!(first.as_deref(), Some("OFII"), "the label is shown");
    c.press("<Tab><F10>");
    assert!(c.app.overlay.is_none(), "{}", c.status());
    let a = &c.stored(id).actions[0];
    assert_eq!((a.label.as_str(), a.partner.as_str()), ("CV", "ofii"));
    // Moving on without Tab gives the same spelling.
    c.press("acv<Tab>caf<Enter>");
    assert_eq!(c.form().value("partner"), "CAF");
    c.press("<Esc>");

    // « fran »: both labels have a word starting with it; in a language context (an open
    // obstacle of the theme « langue ») « Cours de français » comes first.
    let labels = |c: &Ctx| -> Vec<String> {
        let f = c.form().field("label").unwrap();
        f.suggestions()
            .iter()
            .map(|i| f.choices[*i].1.clone())
            .collect()
    };
    c.press("afran");
    let plain = labels(&c);
    assert_eq!(plain[0], "Inscription France Travail", "{plain:?}");
    // Langue: « l » twice (Logement, then Langue), its first situation.
    c.press("<Esc><F6>ll1<F7>afran");
    let lang = labels(&c);
    assert!(c.stored(id).barriers.iter().any(|b| b.theme == "langue"));
    assert_eq!(lang[0], "Cours de français (heures OFII)", "{lang:?}");
    assert!(lang.contains(&"Inscription France Travail".to_string()));
}

#[test]
fn honoured_is_refused_before_the_start_time_on_the_same_day() {
    // The clock says 10h00.
    for (start, status_key, ok) in [
        ("23/11 11h", "h", false),
        ("23/11 11h", "n", false),
        ("23/11 11h", "e", true),
        ("23/11 9h", "h", true),
        ("23/11 10h", "h", true),
    ] {
        let mut c = new_file();
        let id = c.person_id();
        c.press(&format!("<F8>a{start}<F10>"));
        c.press(status_key);
        let status = &c.stored(id).appointments[0].status;
        if ok {
            assert_ne!(status, codes::APPT_PLANNED, "{start} {status_key}");
        } else {
            assert_eq!(status, codes::APPT_PLANNED, "{start} {status_key}");
            assert!(
                c.status()
                    .contains("Rendez-vous à 11h00, pas encore eu lieu"),
                "{start}: {}",
                c.status()
            );
        }
    }
}

#[test]
fn at_100_columns_the_plan_shows_partners_and_form_footers_are_whole() {
    let mut c = new_file();
    c.press("<F7>abourse<Tab>auto-école<Tab><F10>alogement soc<Tab>bailleur<Tab><F10>");
    let screen = c.render(100, 30);
    assert!(screen.contains("· Auto-école"), "{screen}");
    assert!(screen.contains("· Bailleur"), "{screen}");
    // Every footer ends with its last hint, at 100 and 80 columns (multi-line fields have
    // the longest one).
    for (keys, size) in [
        ("<F8>a23/11 9h<F10><Enter>", (100, 30)),
        ("<F8>a23/11 9h<F10><Enter>", (80, 24)),
        ("Ja", (100, 30)),
        ("Ja", (80, 24)),
        ("<F5>c", (100, 30)),
    ] {
        let mut c = new_file();
        c.press(keys);
        assert!(matches!(c.app.overlay, Some(Overlay::Form(_))), "{keys}");
        let screen = c.render(size.0, size.1);
        assert!(
            screen.contains("Échap : annuler"),
            "{keys} at {size:?}:\n{screen}"
        );
    }
}

#[test]
fn login_with_one_account_accepts_both_habits() {
    use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
    use parcours::app::shell::Shell;
    use parcours::clock::Clock;
    const LOGIN: &str = "cfontaine";
    const PW: &str = "une phrase de passe assez longue";
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("parcours.db");
    let clock = Clock::fixed(now());
    drop(parcours::session::create_first_account(&db, clock.clone(), LOGIN, ME, PW).unwrap());
    // (keys typed on the prefilled login screen; « <PW> » stands for the password)
    let cases = [
        "<PW><Enter>",                        // the password only: cursor already there
        "cfontaine<Tab><PW><Enter>",          // identifier, Tab, password
        "cfontaine<Enter><PW><Enter>",        // identifier, Entrée, password
        "<BackTab>cfontaine<Tab><PW><Enter>", // into the prefilled identifier: replaced
    ];
    for keys in cases {
        let mut shell = Shell::new(
            &db,
            clock.clone(),
            parcours::domain::Referential::embedded(),
            parcours::app::keys::Keymap::defaults(),
            parcours::config::Settings::default(),
        )
        .expect("login screen");
        let l = shell.login_screen().expect("login");
        assert_eq!((l.form.value("login").as_str(), l.form.focus), (LOGIN, 1));
        for e in parse_keys(&keys.replace("<PW>", PW)) {
            shell.handle_event(&Event::Key(e));
            while shell.pending() {
                shell.run_pending();
            }
        }
        assert!(
            shell.app().is_some(),
            "{keys}: not logged in: {:?}",
            shell.login_screen().map(|l| l.form.error.clone())
        );
    }
    // A password typed then Tab is never moved into the identifier field.
    let mut shell = Shell::new(
        &db,
        clock,
        parcours::domain::Referential::embedded(),
        parcours::app::keys::Keymap::defaults(),
        parcours::config::Settings::default(),
    )
    .unwrap();
    for c in "pas un identifiant".chars() {
        shell.handle_event(&Event::Key(KeyEvent::new(
            KeyCode::Char(c),
            KeyModifiers::NONE,
        )));
    }
    shell.handle_event(&Event::Key(KeyEvent::new(KeyCode::Tab, KeyModifiers::NONE)));
    assert_eq!(shell.login_screen().unwrap().form.value("login"), LOGIN);
}
