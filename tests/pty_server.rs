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
/// `tag` names the database (and its team's roles): one per test, as they run at once.
fn server_with_people(tag: &str) -> Option<TestServer> {
    let srv = TestServer::with_team(tag)?;
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
    let Some(srv) = server_with_people("pty") else {
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

/// A TCP relay between the app and the server that can lose one answer: armed, it lets the
/// next COMMIT that follows an INSERT into `table` reach the server, then closes that
/// connection before the server's answer comes back (the cable pulled at the worst
/// moment). The server commits; the app only sees a closed connection. Every other
/// connection, and every one after, is relayed as it is.
struct LossyRelay {
    addr: String,
    armed: std::sync::Arc<std::sync::atomic::AtomicBool>,
    cut: std::sync::Arc<std::sync::atomic::AtomicUsize>,
}

impl LossyRelay {
    fn start(server: &str, table: &'static str) -> LossyRelay {
        use std::io::{Read, Write};
        use std::net::{Shutdown, TcpListener, TcpStream};
        use std::sync::atomic::Ordering;
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        let armed = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let cut = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let (armed2, cut2, server) = (armed.clone(), cut.clone(), server.to_string());
        std::thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(mut client) = client else { continue };
                let Ok(mut upstream) = TcpStream::connect(&server) else {
                    continue;
                };
                let (mut c2, mut u2) = (client.try_clone().unwrap(), upstream.try_clone().unwrap());
                let lost = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
                let lost2 = lost.clone();
                // Server to app: stops at once when the answer is to be lost.
                std::thread::spawn(move || {
                    let mut buf = [0u8; 16384];
                    while let Ok(n) = u2.read(&mut buf) {
                        if n == 0
                            || lost2.load(Ordering::SeqCst)
                            || c2.write_all(&buf[..n]).is_err()
                        {
                            break;
                        }
                    }
                    let _ = c2.shutdown(Shutdown::Both);
                });
                let (armed, cut) = (armed2.clone(), cut2.clone());
                std::thread::spawn(move || {
                    let mut buf = [0u8; 16384];
                    let insert = format!("INSERT INTO \"{table}\"");
                    let mut seen_insert = false;
                    while let Ok(n) = client.read(&mut buf) {
                        if n == 0 {
                            break;
                        }
                        let chunk = String::from_utf8_lossy(&buf[..n]).to_string();
                        seen_insert |= chunk.contains(&insert);
                        let commit = chunk.contains("COMMIT");
                        if armed.load(Ordering::SeqCst) && seen_insert && commit {
                            armed.store(false, Ordering::SeqCst);
                            lost.store(true, Ordering::SeqCst);
                            cut.fetch_add(1, Ordering::SeqCst);
                            let _ = upstream.write_all(&buf[..n]);
                            // Let the server take the COMMIT in before the line goes.
                            std::thread::sleep(std::time::Duration::from_millis(300));
                            let _ = client.shutdown(Shutdown::Both);
                            let _ = upstream.shutdown(Shutdown::Both);
                            return;
                        }
                        if commit {
                            seen_insert = false;
                        }
                        if upstream.write_all(&buf[..n]).is_err() {
                            break;
                        }
                    }
                    let _ = upstream.shutdown(Shutdown::Both);
                });
            }
        });
        LossyRelay { addr, armed, cut }
    }
}

/// The advisor logged in through a [`LossyRelay`] that can lose the answer to a COMMIT
/// after an INSERT into `table`, on her caseload (the config directory kept alive).
fn through_relay(srv: &TestServer, table: &'static str) -> (LossyRelay, Tui, tempfile::TempDir) {
    let relay = LossyRelay::start(&srv.addr, table);
    let config = tempfile::tempdir().unwrap();
    // Plain TCP on the relay, so that it can tell the COMMIT.
    let url = format!(
        "postgresql://{}@{}/{}?sslmode=disable",
        srv.name(CLAIRE),
        relay.addr,
        srv.database
    );
    let mut tui = Tui::start(std::path::Path::new(&url), config.path(), 100, 30);
    tui.wait_for("Connexion au serveur");
    tui.send(&format!("{CLAIRE_PW}\r"));
    tui.wait_for("ZERBIB Nadia");
    (relay, tui, config)
}

#[test]
fn a_save_whose_answer_is_lost_is_found_stored_and_never_written_twice() {
    use std::sync::atomic::Ordering;
    let Some(srv) = server_with_people("ptyack") else {
        return;
    };
    let (relay, mut tui, _config) = through_relay(&srv, "actions");
    tui.send("\r");
    tui.wait_for("ZERBIB Nadia · n°");
    tui.send("\x01"); // Ctrl+A: a new action
    tui.wait_for("Nouvelle action");
    tui.send("Inscription au Pôle santé");
    tui.wait_for("Inscription au Pôle santé");

    relay.armed.store(true, Ordering::SeqCst);
    tui.send("\x1b[21~"); // F10: the server commits, the answer is lost
    tui.wait_for("Le serveur ne répond plus");
    assert_eq!(relay.cut.load(Ordering::SeqCst), 1, "{}", tui.screen());
    assert_eq!(
        actions_named(&srv, "Inscription au Pôle santé"),
        1,
        "the server did commit it"
    );
    assert!(
        tui.screen().contains("Inscription au Pôle santé"),
        "{}",
        tui.screen()
    );
    tui.wait_until("the app reconnects", |t| {
        !t.screen().contains("Serveur injoignable")
    });
    // The advisor saves again, as the message says: found stored, not written twice.
    tui.send("\x1b[21~");
    tui.wait_for("déjà enregistré");
    assert_eq!(actions_named(&srv, "Inscription au Pôle santé"), 1);
    tui.wait_for("Plan d'action · 1 action");
    // Undone like any save.
    tui.send("u");
    tui.wait_for("Annulé");
    assert_eq!(actions_named(&srv, "Inscription au Pôle santé"), 0);
    tui.send("\x03");
    tui.wait_exit();
    tui.assert_terminal_restored();
}

#[test]
fn a_new_person_whose_answer_is_lost_is_found_stored_and_never_created_twice() {
    use std::sync::atomic::Ordering;
    let Some(srv) = server_with_people("ptyper") else {
        return;
    };
    let (relay, mut tui, _config) = through_relay(&srv, "persons");
    tui.send("n");
    tui.wait_for("Nouvelle personne");
    tui.send("Martinez\rHugo");
    tui.wait_for("Hugo");
    relay.armed.store(true, Ordering::SeqCst);
    tui.send("\x1b[21~"); // F10: the server commits, the answer is lost
    tui.wait_for("Le serveur ne répond plus");
    let people = |srv: &TestServer| -> i64 {
        srv.superuser()
            .query_one("SELECT count(*) FROM persons WHERE nom = 'Martinez'", &[])
            .unwrap()
            .get(0)
    };
    assert_eq!(relay.cut.load(Ordering::SeqCst), 1);
    assert_eq!(people(&srv), 1, "the server did commit it");
    tui.wait_until("the app reconnects", |t| {
        !t.screen().contains("Serveur injoignable")
    });
    tui.send("\x1b[21~");
    tui.wait_for("déjà enregistré");
    tui.wait_for("MARTINEZ Hugo · n°");
    assert_eq!(people(&srv), 1, "not created twice");
    tui.send("\x03");
    tui.wait_exit();
    tui.assert_terminal_restored();
}

#[test]
fn a_new_session_whose_answer_is_lost_is_found_stored_and_never_created_twice() {
    use std::sync::atomic::Ordering;
    let Some(srv) = server_with_people("ptyses") else {
        return;
    };
    let (relay, mut tui, _config) = through_relay(&srv, "sessions");
    tui.send("c");
    tui.wait_for("parcours · Actions collectives");
    tui.send("n");
    tui.wait_for("Nouvelle séance collective");
    tui.send("Atelier budget\r\rdemain 9h\r11h00");
    tui.wait_for("11h00");
    relay.armed.store(true, Ordering::SeqCst);
    tui.send("\x1b[21~"); // F10: the server commits, the answer is lost
    tui.wait_for("Le serveur ne répond plus");
    let sessions = |srv: &TestServer| -> i64 {
        srv.superuser()
            .query_one(
                "SELECT count(*) FROM sessions WHERE title = 'Atelier budget'",
                &[],
            )
            .unwrap()
            .get(0)
    };
    assert_eq!(relay.cut.load(Ordering::SeqCst), 1);
    assert_eq!(sessions(&srv), 1, "the server did commit it");
    tui.wait_until("the app reconnects", |t| {
        !t.screen().contains("Serveur injoignable")
    });
    tui.send("\x1b[21~");
    tui.wait_for("déjà enregistrée");
    assert_eq!(sessions(&srv), 1, "not created twice");
    tui.send("\x03");
    tui.wait_exit();
    tui.assert_terminal_restored();
}
