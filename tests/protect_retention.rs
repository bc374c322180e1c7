//! Retention (CNIL: 2 years after the last contact): the admin view lists files whose last
//! contact (last honoured appointment or sortie, else last change) is older; an admin can
//! archive them (hidden from the caseload and the today view unless the "archivés" filter
//! shows them) or erase them.

mod support;
use support::protect as protect_support;

use chrono::NaiveDate;
use crossterm::event::KeyCode;
use parcours::app::{OpenFilter, Overlay, Screen, TodayRow};
use parcours::clock::Clock;
use parcours::domain::*;
use parcours::store::audit::actions;
use parcours::store::{ContactBasis, Store};
use protect_support::*;

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn up(store: &mut Store, r: Record) -> Id {
    store.apply(&Change::Upsert(r)).unwrap().id
}

fn person(store: &mut Store, nom: &str, exit: Option<&str>, honoured: Option<&str>) -> Id {
    let pid = up(store, Record::Person(Person::new(nom, "Test")));
    up(
        store,
        Record::Suivi(Suivi {
            person_id: pid,
            dispositif: "rsa".into(),
            referent: "Claire Fontaine".into(),
            contrat: "aucun".into(),
            date_premier_contact: Some(d("2023-05-01")),
            sortie_date: exit.map(d),
            sortie_categorie: exit.map(|_| "ed_cdi".into()),
            ..Default::default()
        }),
    );
    if let Some(h) = honoured {
        up(
            store,
            Record::Appointment(Appointment {
                person_id: pid,
                start: Some(dt(&format!("{h} 10:00:00"))),
                duration_min: 45,
                medium: "rdv".into(),
                status: "honore".into(),
                ..Default::default()
            }),
        );
    }
    pid
}

#[test]
fn the_retention_view_lists_archives_and_erases_old_files() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("parcours.db");
    let clock = Clock::fixed(dt("2023-06-01 09:00:00"));
    let s = admin_session(&db, clock.clone());
    let mut store = s.store;
    let forgotten = person(&mut store, "Oublie", None, None);
    let old = person(&mut store, "Ancien", None, Some("2023-06-10"));
    let left = person(&mut store, "Sorti", Some("2024-01-15"), Some("2023-05-20"));
    let recent = person(&mut store, "Recent", None, Some("2026-10-01"));
    clock.advance(dt(NOW) - clock.now());
    assert_eq!(clock.today(), d("2026-11-22"));
    // Changed recently: its last change is recent, but it has a (recent) contact anyway.
    let touched = person(&mut store, "Touche", None, None);

    let list = store.retention_list().unwrap();
    let ids: Vec<Id> = list.iter().map(|r| r.person_id).collect();
    assert_eq!(ids, vec![forgotten, old, left], "{list:#?}");
    assert_eq!(list[0].basis, ContactBasis::Update);
    assert_eq!(list[0].last_contact, d("2023-06-01"));
    assert_eq!(list[1].basis, ContactBasis::Interview);
    assert_eq!(list[1].last_contact, d("2023-06-10"));
    assert_eq!(list[2].basis, ContactBasis::Exit);
    assert_eq!(list[2].last_contact, d("2024-01-15"));
    assert!(list[1].open && !list[2].open);
    assert!(!ids.contains(&recent) && !ids.contains(&touched));

    // From the caseload, r opens the view.
    let mut app = new_app(&store, clock.clone());
    let caseload_ids = |app: &parcours::app::App| -> Vec<Id> {
        app.caseload
            .visible
            .iter()
            .map(|i| app.caseload.rows[*i].person_id)
            .collect()
    };
    assert!(caseload_ids(&app).contains(&old));
    ch(&mut app, &mut store, 'r');
    assert_eq!(app.screen, Screen::Retention, "{:?}", app.status);
    assert_eq!(app.retention.rows.len(), 3);
    let backend = ratatui::backend::TestBackend::new(120, 30);
    let mut terminal = ratatui::Terminal::new(backend).unwrap();
    terminal.draw(|f| parcours::ui::draw(f, &app)).unwrap();
    let screen: String = terminal
        .backend()
        .buffer()
        .content()
        .iter()
        .map(|c| c.symbol())
        .collect();
    assert!(
        screen.contains("sans contact depuis plus de 2 ans"),
        "{screen}"
    );
    assert!(screen.contains("10/06/2023"), "{screen}");
    assert!(screen.contains("dernier entretien"), "{screen}");
    // The smallest window the app accepts keeps the n° and the date.
    let mut small = ratatui::Terminal::new(ratatui::backend::TestBackend::new(60, 16)).unwrap();
    small.draw(|f| parcours::ui::draw(f, &app)).unwrap();
    let screen: String = small
        .backend()
        .buffer()
        .content()
        .iter()
        .map(|c| c.symbol())
        .collect();
    assert!(screen.contains(&list[1].dossier), "{screen}");
    assert!(screen.contains("10/06/2023"), "{screen}");

    // Archive the second row (Ancien).
    key(&mut app, &mut store, KeyCode::Down);
    let before = store.audit_entries(None, None, 1000).unwrap().len();
    ch(&mut app, &mut store, 'a');
    assert!(store.archived_at(old).unwrap().is_some());
    assert!(app.retention.rows[1].archived_at.is_some());
    let entries = store.audit_entries(None, None, 1000).unwrap();
    assert_eq!(entries.len(), before + 1);
    assert_eq!(entries[0].action, actions::ARCHIVE);
    assert_eq!(entries[0].person_id, Some(old));
    // Archiving is not a contact: the file stays in the view, with the same date.
    assert_eq!(app.retention.rows[1].last_contact, d("2023-06-10"));

    // Hidden from the caseload and the today view...
    key(&mut app, &mut store, KeyCode::Esc);
    assert_eq!(app.screen, Screen::Caseload);
    assert!(!caseload_ids(&app).contains(&old));
    key(&mut app, &mut store, KeyCode::F(2));
    assert!(app.today.rows.iter().all(|r| !matches!(r,
        TodayRow::Item { person_id, .. } if *person_id == old)));
    assert!(app.today.rows.iter().any(|r| matches!(r,
        TodayRow::Item { person_id, .. } if *person_id == forgotten)));
    key(&mut app, &mut store, KeyCode::Esc);
    // ... unless the "archivés" filter (after en cours / sortis / tous) shows them.
    for _ in 0..3 {
        ch(&mut app, &mut store, 'o');
    }
    assert_eq!(app.caseload.open, OpenFilter::Archives);
    assert_eq!(caseload_ids(&app), vec![old]);
    ch(&mut app, &mut store, 'o');
    assert_eq!(app.caseload.open, OpenFilter::EnCours);

    // Bring it back.
    ch(&mut app, &mut store, 'r');
    key(&mut app, &mut store, KeyCode::Down);
    ch(&mut app, &mut store, 'a');
    assert!(store.archived_at(old).unwrap().is_none());
    assert_eq!(
        store.audit_entries(None, None, 1).unwrap()[0].action,
        actions::UNARCHIVE
    );

    // Erase the first row (Oublie) from the view: the n° de dossier is asked.
    key(&mut app, &mut store, KeyCode::Up);
    let dossier = app.retention.rows[0].dossier.clone();
    ch(&mut app, &mut store, 'x');
    assert!(matches!(app.overlay, Some(Overlay::Form(_))));
    type_text(&mut app, &mut store, &dossier);
    key(&mut app, &mut store, KeyCode::Enter);
    assert!(app.overlay.is_none(), "{:?}", app.status);
    assert_eq!(app.screen, Screen::Retention);
    assert!(store.person_file(forgotten).is_err());
    let ids: Vec<Id> = app.retention.rows.iter().map(|r| r.person_id).collect();
    assert_eq!(ids, vec![old, left]);
    key(&mut app, &mut store, KeyCode::Esc);
    assert!(!app.caseload.rows.iter().any(|r| r.person_id == forgotten));
}

#[test]
fn advisors_do_not_see_archived_files() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("parcours.db");
    let s = admin_session(&db, clock());
    let mut store = s.store;
    let a = person(&mut store, "Archive", None, None);
    store.set_archived(a, true).unwrap();
    // An account that is not an admin: the filter never reaches "archivés".
    store.set_actor("yanis");
    let mut app = new_app(&store, clock());
    for _ in 0..8 {
        ch(&mut app, &mut store, 'o');
        assert_ne!(app.caseload.open, OpenFilter::Archives);
        assert!(app.caseload.visible.is_empty());
    }
}
