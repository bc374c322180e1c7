//! The app on the shared server, through the real binary in a pseudo-terminal: an advisor
//! logs in with their own server role, sees the caseload (« ma file active » is theirs),
//! opens a file and types an action; the server goes away in the middle (the connection
//! cut, new ones refused, as during a restart): the banner says so, the form stays with
//! what was typed; the server comes back: the app reconnects by itself and the same save
//! lands once.

mod support;

use chrono::{NaiveDate, NaiveDateTime};
use parcours::clock::Clock;
use parcours::domain::*;
use parcours::store::server::{Credentials, ServerStore};
use support::pg::{TestServer, CHEF, CHEF_PW, CLAIRE, CLAIRE_PW};
use support::pty::Tui;

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn clock() -> Clock {
    Clock::fixed(NaiveDateTime::parse_from_str(support::pty::NOW, "%Y-%m-%d %H:%M:%S").unwrap())
}

/// The test team's server database (see [`TestServer::with_team`]) with two people:
/// one followed by the advisor, one by a colleague.
fn server_with_people() -> Option<TestServer> {
    let srv = TestServer::with_team("pty")?;
    let mut store = ServerStore::open(
        &srv.url(),
        &Credentials {
            user: Some(&srv.name(CHEF)),
            password: Some(CHEF_PW),
        },
        clock(),
    )
    .expect("store");
    for (nom, prenom, referent) in [
        ("Zerbib", "Nadia", "Claire Fontaine"),
        ("Arnaud", "Kevin", "Paul Martin"),
    ] {
        let pid = store
            .apply(&Change::Upsert(Record::Person(Person {
                nom: nom.into(),
                prenom: prenom.into(),
                birth_date: Some(d("1990-03-04")),
                commune: "Lens".into(),
                ..Default::default()
            })))
            .expect("person")
            .id;
        store
            .apply(&Change::Upsert(Record::Suivi(Suivi {
                person_id: pid,
                dispositif: "rsa".into(),
                referent: referent.into(),
                date_orientation: Some(d("2026-01-05")),
                ..Default::default()
            })))
            .expect("suivi");
    }
    Some(srv)
}

fn actions_named(srv: &TestServer, label: &str) -> i64 {
    srv.superuser()
        .query_one("SELECT count(*) FROM actions WHERE label = $1", &[&label])
        .unwrap()
        .get(0)
}

/// As during a restart: this advisor's connection is cut and no new one is accepted.
fn server_away(srv: &TestServer, away: bool) {
    let mut su = srv.superuser_on("postgres");
    su.batch_execute(&format!(
        "ALTER DATABASE \"{}\" ALLOW_CONNECTIONS {}",
        srv.database, !away
    ))
    .unwrap();
    if away {
        su.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND usename = $2",
            &[&srv.database, &srv.name(CLAIRE)],
        )
        .unwrap();
    }
}

#[test]
fn an_advisor_works_on_the_server_and_a_restart_loses_nothing() {
    let Some(srv) = server_with_people() else {
        return;
    };
    let config = tempfile::tempdir().unwrap();
    let url = srv.url_as(&srv.name(CLAIRE));
    let mut tui = Tui::start(std::path::Path::new(&url), config.path(), 100, 30);
    tui.wait_for("Connexion au serveur");
    tui.send(&format!("{CLAIRE_PW}\r"));
    tui.wait_for("parcours · File active");
    // Her own caseload: « ma file active » shows the person she follows, not the other.
    tui.wait_for("ZERBIB Nadia");
    tui.wait_for("Claire Fontaine");
    assert!(!tui.screen().contains("ARNAUD"), "{}", tui.screen());
    tui.send("\r");
    tui.wait_for("ZERBIB Nadia · n°");
    // The plan pane, a new action, typed but not saved yet.
    tui.send("\x1b[18~a");
    tui.wait_for("Nouvelle action");
    tui.send("Atelier CV au PIJ");
    tui.wait_for("Atelier CV au PIJ");

    server_away(&srv, true);
    tui.send("\x1b[21~"); // F10: save
    tui.wait_for("Le serveur ne répond plus");
    tui.wait_for("Serveur injoignable");
    assert!(
        tui.screen().contains("Atelier CV au PIJ"),
        "{}",
        tui.screen()
    );

    server_away(&srv, false);
    // Nothing landed while the server was away (the app saves only on F10).
    assert_eq!(actions_named(&srv, "Atelier CV au PIJ"), 0);
    tui.wait_until("the app reconnects", |t| {
        !t.screen().contains("Serveur injoignable")
    });
    tui.send("\x1b[21~");
    tui.wait_for("Nouvelle action — enregistré");
    assert_eq!(actions_named(&srv, "Atelier CV au PIJ"), 1);
    tui.send("\x03");
    tui.wait_exit();
    tui.assert_terminal_restored();
}
