//! Collective sessions through the app, key by key: create a session, enrol 5 people from
//! the caseload's search, set their attendance, see it in a person's rendez-vous pane, in
//! the today view and in the activity report; capacity, double enrolment and deletion
//! with attendance set; snapshots of the list and attendance screens at 80x24 and 120x40.

mod support;
use support::app::*;

use parcours::app::Screen;
use parcours::domain::*;
use parcours::report::{self, Period};

/// Six people named « Qzlefèvre » (one exited), each with a suivi in 2026.
fn people(ctx: &mut Ctx) -> Vec<Id> {
    let mut ids = Vec::new();
    for (i, prenom) in ["Anna", "Bruno", "Chloé", "David", "Emma", "Farid"]
        .iter()
        .enumerate()
    {
        let id = ctx
            .store
            .apply(&Change::Upsert(Record::Person(Person::new(
                "Qzlefèvre",
                prenom,
            ))))
            .unwrap()
            .id;
        let exited = i == 5;
        ctx.store
            .apply(&Change::Upsert(Record::Suivi(Suivi {
                person_id: id,
                dispositif: "plie".into(),
                referent: ME.into(),
                date_orientation: NaiveDateExt::d(2026, 1, 5),
                date_entree: NaiveDateExt::d(2026, 1, 12),
                sortie_date: if exited {
                    NaiveDateExt::d(2026, 10, 1)
                } else {
                    None
                },
                sortie_categorie: exited.then(|| "au_demenagement".into()),
                ..Default::default()
            })))
            .unwrap();
        ids.push(id);
    }
    ctx.app.reload_caseload(&ctx.store).unwrap();
    ids
}

struct NaiveDateExt;
impl NaiveDateExt {
    fn d(y: i32, m: u32, d: u32) -> Option<chrono::NaiveDate> {
        chrono::NaiveDate::from_ymd_opt(y, m, d)
    }
}

fn only_session(ctx: &Ctx) -> Session {
    let all = ctx.store.sessions().unwrap();
    assert_eq!(all.len(), 1, "{all:?}");
    all[0].clone()
}

/// Creates « Atelier CV » today 9h00–11h00 (already started at the fixed 10h00) through
/// the form, from the caseload.
fn create_session(ctx: &mut Ctx) {
    ctx.press("c");
    assert_eq!(ctx.app.screen, Screen::Sessions);
    ctx.press("n");
    ctx.press(
        "Atelier CV<Enter><Enter>23/11 9h00<Enter>11h00<Enter><Enter>Salle 2, mairie annexe<F10>",
    );
    assert!(ctx.app.overlay.is_none(), "{}", ctx.render(120, 40));
}

#[test]
fn a_session_from_creation_to_the_report() {
    let mut ctx = Ctx::empty();
    let ids = people(&mut ctx);
    create_session(&mut ctx);
    let s = only_session(&ctx);
    assert_eq!(s.title, "Atelier CV");
    assert_eq!(s.duration_min, 120);
    assert_eq!(s.capacity, 10);
    assert_eq!(s.place, "Salle 2, mairie annexe");

    // Enrol 5 people from the caseload's search: one key to mark each, Entrée to confirm.
    ctx.press("i");
    assert_eq!(ctx.app.screen, Screen::Enrol);
    ctx.press("qzlef");
    let hits = ctx.app.sessions.enrol.as_ref().unwrap().hits.len();
    assert_eq!(hits, 6, "the search finds the six (exited included)");
    let before = ctx.keys;
    ctx.press("<Tab><Tab><Tab><Tab><Tab><Enter>");
    assert_eq!(ctx.keys - before, 6, "five marks and one confirmation");
    assert_eq!(ctx.app.screen, Screen::Attendance);
    assert!(
        ctx.status().contains("5 personnes inscrites"),
        "{}",
        ctx.status()
    );
    assert!(ctx.status().contains("5 / 10 inscrits"), "{}", ctx.status());
    let s = only_session(&ctx);
    assert_eq!(s.participants.len(), 5);

    // Attendance: one key per person (the selection moves on), a shared report, a note.
    ctx.press("hhhen");
    ctx.press("r");
    ctx.press("Tour de table, CV relus<F10>");
    ctx.press("c");
    ctx.press("À relancer par téléphone<F10>");
    let s = only_session(&ctx);
    let statuses: Vec<&str> = s.participants.iter().map(|p| p.status.as_str()).collect();
    assert_eq!(statuses, ["honore", "honore", "honore", "excuse", "absent"]);
    assert_eq!(s.report, "Tour de table, CV relus");
    assert_eq!(s.participants[4].note, "À relancer par téléphone");

    // Undo on the attendance screen: the note goes back.
    ctx.press("u");
    assert_eq!(only_session(&ctx).participants[4].note, "");
    ctx.press("u");
    assert_eq!(only_session(&ctx).report, "");

    // A participant's file shows it in the rendez-vous pane, marked collective.
    let first = s.participants[0].person_id;
    ctx.app.open_person(first, &ctx.store);
    let screen = ctx.render(120, 40);
    assert!(screen.contains("[collectif] Atelier CV"), "{screen}");
    assert!(screen.contains("Honoré"), "{screen}");
    // The today view lists each participant.
    ctx.press("<F2>");
    let today = ctx.render(120, 40);
    assert_eq!(
        today.matches("[collectif] Atelier CV").count(),
        5,
        "{today}"
    );

    // The monthly rule still counts individual interviews only (no setting).
    let row = ctx
        .app
        .caseload
        .rows
        .iter()
        .find(|r| r.person_id == first)
        .unwrap();
    assert_eq!(row.last_honoured, None);
    // With the setting, an honoured session counts.
    ctx.app.sessions.counts_as_interview = true;
    ctx.app.reload_caseload(&ctx.store).unwrap();
    let row = ctx
        .app
        .caseload
        .rows
        .iter()
        .find(|r| r.person_id == first)
        .unwrap();
    assert_eq!(row.last_honoured, s.start);

    // The report counts it apart from individual interviews.
    let rf = Referential::embedded();
    let period = Period::year(2026);
    let r = report::compute(&ctx.store.report_cohort(&period).unwrap(), &period, &rf);
    let t = r
        .tables
        .iter()
        .find(|t| t.title.starts_with("3c."))
        .unwrap();
    let cell = |label: &str| t.row(label).unwrap().cells[0].text();
    assert_eq!(cell("Séances de la période"), "1");
    assert_eq!(cell("Séances tenues (au moins une personne présente)"), "1");
    assert_eq!(cell("Inscriptions"), "5");
    assert_eq!(
        cell("Présents (honorés) : taux de présence"),
        "3 soit 60,00 %"
    );
    let t3 = r
        .tables
        .iter()
        .find(|t| t.title == "3. Rendez-vous")
        .unwrap();
    assert_eq!(
        t3.row("Proposés (honorés + excusés + absents)")
            .unwrap()
            .cells[0]
            .text(),
        "0"
    );
    let _ = ids;
}

#[test]
fn capacity_double_enrolment_exited_people_and_deletion() {
    let mut ctx = Ctx::empty();
    let ids = people(&mut ctx);
    create_session(&mut ctx);
    // Capacity 2 through the form.
    ctx.press("e");
    ctx.press("<Down><Down><Down><Down><C-u>2<F10>");
    assert_eq!(only_session(&ctx).capacity, 2, "{}", ctx.status());

    // Three marked for two places: the third mark is refused with a French message.
    ctx.press("iqzlef<Tab><Tab><Tab>");
    assert!(
        ctx.status()
            .contains("Plus de place : 0 / 2 inscrits et 2 cochées"),
        "{}",
        ctx.status()
    );
    ctx.press("<Enter>");
    assert_eq!(only_session(&ctx).participants.len(), 2);

    // The form refuses a capacity below the people enrolled; nothing is lost.
    ctx.press("<Esc>e<Down><Down><Down><Down><C-u>1<F10>");
    let form = ctx.form();
    let field = form.field("capacity").unwrap();
    assert!(field
        .error
        .as_deref()
        .unwrap()
        .contains("2 personnes sont déjà inscrites"));
    ctx.press("<Esc>");

    // The same person twice: refused.
    ctx.press("iqzlef<Tab>");
    assert!(
        ctx.status().contains("est déjà inscrit·e"),
        "{}",
        ctx.status()
    );
    ctx.press("<Esc>");

    // An exited person: enrolled, with a warning (capacity raised first).
    ctx.press("e<Down><Down><Down><Down><C-u>10<F10>");
    ctx.press("iqzlefèvre farid<Enter>");
    assert!(
        ctx.status()
            .contains("attention : QZLEFÈVRE Farid est sorti·e du dispositif"),
        "{}",
        ctx.status()
    );
    assert!(only_session(&ctx).participation(ids[5]).is_some());

    // Deleting with attendance set asks; the same key again deletes; u undoes.
    ctx.press("h<Esc>");
    assert_eq!(ctx.app.screen, Screen::Sessions);
    ctx.press("x");
    assert!(
        ctx.status().contains("1 présence saisie"),
        "{}",
        ctx.status()
    );
    assert_eq!(ctx.store.sessions().unwrap().len(), 1, "asked, not deleted");
    ctx.press("x");
    assert!(ctx.store.sessions().unwrap().is_empty());
    ctx.press("u");
    let back = only_session(&ctx);
    assert_eq!(back.participants.len(), 3);
    assert_eq!(back.participants[0].status, codes::APPT_HONOURED);
}

#[test]
fn enrolment_from_a_persons_file() {
    let mut ctx = Ctx::empty();
    let ids = people(&mut ctx);
    create_session(&mut ctx);
    ctx.press("<Esc>");
    ctx.app.open_person(ids[0], &ctx.store);
    ctx.press("<F8>i");
    assert!(ctx.app.overlay.is_some(), "{}", ctx.status());
    ctx.press("<F10>");
    assert!(
        ctx.status()
            .contains("Inscrit·e à « Atelier CV » (1 / 10 inscrits)"),
        "{}",
        ctx.status()
    );
    assert_eq!(ctx.app.sessions.of_person.len(), 1);
    // Undone with the file's own undo.
    ctx.press("u");
    assert!(only_session(&ctx).participants.is_empty());
    assert!(ctx.app.sessions.of_person.is_empty());
}

/// A list with one session of each kind of section, and its attendance screen.
fn snapshot_ctx() -> Ctx {
    let mut ctx = Ctx::empty();
    let ids = people(&mut ctx);
    let at = |d: u32, h: u32| {
        chrono::NaiveDate::from_ymd_opt(2026, 11, d)
            .unwrap()
            .and_hms_opt(h, 0, 0)
    };
    let part = |id: Id, st: &str, note: &str| Participation {
        person_id: id,
        status: st.into(),
        note: note.into(),
    };
    for s in [
        Session {
            title: "Information collective PLIE".into(),
            kind: "info_co".into(),
            start: at(26, 9),
            duration_min: 90,
            place: "Maison de l'emploi".into(),
            partner: "plie".into(),
            capacity: 12,
            participants: vec![part(ids[0], "a_venir", ""), part(ids[1], "a_venir", "")],
            ..Default::default()
        },
        Session {
            title: "Atelier CV".into(),
            kind: "atelier".into(),
            start: at(16, 14),
            duration_min: 120,
            place: "Salle 2, mairie annexe".into(),
            capacity: 10,
            themes: "numerique savoir_etre".into(),
            animateur: "Claire Fontaine".into(),
            report: "Tour de table, CV relus ensemble.".into(),
            participants: vec![
                part(ids[0], "honore", "CV terminé"),
                part(ids[1], "excuse", "Rendez-vous médical"),
                part(ids[2], "absent", ""),
                part(ids[3], "a_venir", ""),
            ],
            ..Default::default()
        },
        Session {
            title: "Visite de l'entreprise d'insertion".into(),
            kind: "visite".into(),
            start: at(2, 10),
            duration_min: 180,
            capacity: 8,
            participants: vec![part(ids[4], "honore", "")],
            ..Default::default()
        },
    ] {
        ctx.store
            .apply(&Change::Upsert(Record::Session(s)))
            .unwrap();
    }
    ctx.press("c");
    ctx
}

fn snap(name: &str, c: &Ctx) {
    insta::assert_snapshot!(format!("{name}_80x24"), c.render(80, 24));
    insta::assert_snapshot!(format!("{name}_120x40"), c.render(120, 40));
}

#[test]
fn snapshots_of_the_list_and_attendance_screens() {
    let mut ctx = snapshot_ctx();
    let list = ctx.render(80, 24);
    assert!(list.contains("2 / 12 inscrits"), "{list}");
    assert!(list.contains("1 à préciser"), "{list}");
    snap("sessions_list", &ctx);
    // The session with a status to set, then its attendance.
    ctx.press("j<Enter>");
    assert_eq!(ctx.app.screen, Screen::Attendance);
    let att = ctx.render(80, 24);
    assert!(att.contains("Atelier CV · 4 / 10 inscrits"), "{att}");
    assert!(att.contains("Statut à préciser"), "{att}");
    snap("sessions_attendance", &ctx);
}
