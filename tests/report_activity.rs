//! The activity report (issue 12 §1, first slice): a cohort with known figures built through
//! the store, every figure of every table checked in the report data and in the three
//! formats (texte, csv, html) written by the real binary; the N-1 column, the filters, an
//! empty period, the « à vérifier » list, bad input, the audit entry and the file mode.

use chrono::{NaiveDate, NaiveDateTime};
use parcours::clock::Clock;
use parcours::domain::*;
use parcours::report::{self, Period};
use parcours::store::Store;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use support::{connect, demo_key};

mod support;

const NOW: &str = "2026-11-22 10:00:00";

fn now() -> NaiveDateTime {
    NaiveDateTime::parse_from_str(NOW, "%Y-%m-%d %H:%M:%S").unwrap()
}

fn d(s: &str) -> Option<NaiveDate> {
    Some(NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap())
}

fn at(s: &str) -> Option<NaiveDateTime> {
    Some(NaiveDateTime::parse_from_str(&format!("{s} 10:00:00"), "%Y-%m-%d %H:%M:%S").unwrap())
}

struct Builder {
    store: Store,
}

impl Builder {
    fn person(&mut self, sexe: &str, birth: Option<NaiveDate>) -> Id {
        let mut p = Person::new("Test", "Personne");
        p.sexe = sexe.into();
        p.birth_date = birth;
        self.store
            .apply(&Change::Upsert(Record::Person(p)))
            .unwrap()
            .id
    }

    /// The person's RSA right: status code and « depuis le ».
    fn rsa(&mut self, person: Id, statut: &str, depuis: Option<NaiveDate>) {
        let mut p = self.store.person_file(person).unwrap().person;
        p.rsa_statut = statut.into();
        p.rsa_depuis = depuis;
        self.store
            .apply(&Change::Upsert(Record::Person(p)))
            .unwrap();
    }

    /// A suivi: (orientation, premier contact, entrée, sortie, type de sortie).
    #[allow(clippy::too_many_arguments)]
    fn suivi(
        &mut self,
        person: Id,
        dispositif: &str,
        referent: &str,
        orient: Option<NaiveDate>,
        contact: Option<NaiveDate>,
        entry: Option<NaiveDate>,
        exit: Option<NaiveDate>,
        code: Option<&str>,
    ) -> Id {
        let s = Suivi {
            person_id: person,
            dispositif: dispositif.into(),
            referent: referent.into(),
            date_orientation: orient,
            date_premier_contact: contact,
            date_entree: entry,
            contrat: "aucun".into(),
            sortie_date: exit,
            sortie_categorie: code.map(str::to_string),
            ..Default::default()
        };
        self.store
            .apply(&Change::Upsert(Record::Suivi(s)))
            .unwrap()
            .id
    }

    fn etape(&mut self, person: Id, kind: &str, debut: &str, fin: Option<&str>) {
        let e = Etape {
            person_id: person,
            kind: kind.into(),
            debut: d(debut),
            fin: fin.and_then(d),
            organisme: "Employeur".into(),
            ..Default::default()
        };
        self.store.apply(&Change::Upsert(Record::Etape(e))).unwrap();
    }

    fn saisine(&mut self, person: Id, suivi: Id, date: &str, motif: &str) {
        let s = Saisine {
            person_id: person,
            suivi_id: suivi,
            date: d(date),
            motif: motif.into(),
            detail: "précisions".into(),
            ..Default::default()
        };
        self.store
            .apply(&Change::Upsert(Record::Saisine(s)))
            .unwrap();
    }

    fn diag(&mut self, person: Id, date: &str, niveau: &str, inactivite: Option<u32>) {
        let g = Diagnostic {
            person_id: person,
            kind: "initial".into(),
            date: d(date),
            niveau: niveau.into(),
            inactivite_mois: inactivite,
            ..Default::default()
        };
        self.store
            .apply(&Change::Upsert(Record::Diagnostic(g)))
            .unwrap();
    }

    fn appt(&mut self, person: Id, day: &str, medium: &str, status: &str) {
        self.appt_with(person, day, medium, status, &[]);
    }

    /// An appointment with one démarche per theme (social theme or démarche category).
    fn appt_with(&mut self, person: Id, day: &str, medium: &str, status: &str, themes: &[&str]) {
        let a = Appointment {
            demarches: themes
                .iter()
                .map(|t| Demarche {
                    theme: t.to_string(),
                    label: "démarche".into(),
                })
                .collect(),
            person_id: person,
            start: at(day),
            duration_min: 45,
            medium: medium.into(),
            status: status.into(),
            report: "contenu du compte rendu".into(),
            ..Default::default()
        };
        self.store
            .apply(&Change::Upsert(Record::Appointment(a)))
            .unwrap();
    }
}

impl Builder {
    /// A collective session on `day` with (person, status) participants.
    fn session(&mut self, day: &str, kind: &str, people: &[(Id, &str)]) {
        let s = Session {
            title: format!("Séance {kind}"),
            kind: kind.into(),
            start: at(day),
            duration_min: 120,
            capacity: 10,
            participants: people
                .iter()
                .map(|(p, st)| Participation {
                    person_id: *p,
                    status: st.to_string(),
                    note: "compte rendu personnel".into(),
                })
                .collect(),
            ..Default::default()
        };
        self.store
            .apply(&Change::Upsert(Record::Session(s)))
            .unwrap();
    }
}

/// The cohort (figures worked out by hand in the comments; period 2025, N-1 2024).
/// Returns the n° de dossier of the two files « à vérifier » (unknown exit code, no entry).
fn build(db: &Path) -> (String, String) {
    let store = Store::open(db, Clock::fixed(now())).unwrap();
    let mut b = Builder { store };
    // P1 F, 35 at 31/12/2025; oriented in 2024; 2025-01-10 → 2025-07-10 CDI.
    let p1 = b.person("F", d("1990-05-01"));
    let _ = b.suivi(
        p1,
        "plie",
        "claire",
        d("2024-12-20"),
        d("2025-01-02"),
        d("2025-01-10"),
        d("2025-07-10"),
        Some("ed_cdi"),
    );
    b.diag(p1, "2025-01-10", "NV5", Some(3));
    // Démarches: 1 social (logement), 1 emploi (offres).
    b.appt_with(
        p1,
        "2025-01-15",
        "rdv",
        "honore",
        &["logement", "emp_mise_en_relation"],
    );
    // Étapes begun in 2025: a CDD and a PMSMP.
    b.etape(p1, "cdd", "2025-02-01", Some("2025-05-31"));
    b.etape(p1, "pmsmp", "2025-01-20", Some("2025-01-31"));
    // P2 H, 24; contact after 19 days; 2025-03-01 → 2025-09-01 CDD < 6 mois.
    let p2 = b.person("H", d("2001-03-01"));
    let s2 = b.suivi(
        p2,
        "plie",
        "claire",
        d("2025-02-01"),
        d("2025-02-20"),
        d("2025-03-01"),
        d("2025-09-01"),
        Some("et_cdd"),
    );
    b.diag(p2, "2025-03-01", "C3A", Some(12));
    b.appt(p2, "2025-02-25", "telephone", "honore");
    // Saisine before the first honoured interview (25/02).
    b.saisine(p2, s2, "2025-02-10", "injoignable");
    b.appt(p2, "2025-03-20", "rdv", "absent");
    b.appt(p2, "2025-04-10", "rdv", "excuse");
    // P3 F, 50; still followed at the end.
    let p3 = b.person("F", d("1975-06-15"));
    let s3 = b.suivi(
        p3,
        "plie",
        "marc",
        d("2025-03-01"),
        d("2025-03-05"),
        d("2025-03-10"),
        None,
        None,
    );
    b.diag(p3, "2025-03-10", "NV4", Some(30));
    // Démarches: 2 emploi (TRE, offres), 1 social (lien avec le prescripteur).
    b.appt_with(
        p3,
        "2025-03-05",
        "rdv",
        "honore",
        &[
            "emp_techniques",
            "emp_mise_en_relation",
            "lien_prescripteur",
        ],
    );
    b.appt(p3, "2025-04-07", "atelier", "honore");
    // Saisine after the first honoured interview (05/03).
    b.saisine(p3, s3, "2025-06-20", "engagements");
    // A formation begun in 2025; a flat found in 2024 is not counted.
    b.etape(p3, "formation_qualifiante", "2025-09-01", None);
    b.etape(p3, "logement", "2024-12-01", None);
    b.appt(p3, "2025-05-12", "rdv", "annule");
    b.appt(p3, "2025-06-10", "visio", "honore");
    // After the period: its démarche is not counted.
    b.appt_with(p3, "2026-01-05", "rdv", "a_venir", &["emp_formation"]);
    // P4 sex unknown, no birth date: oriented, not entered (en cours d'intégration).
    let p4 = b.person("NR", None);
    let s4 = b.suivi(p4, "plie", "marc", d("2025-11-20"), None, None, None, None);
    b.appt(p4, "2025-12-01", "rdv", "absent");
    // Saisine without any honoured interview: before the first one.
    b.saisine(p4, s4, "2025-12-15", "absences");
    // P5 H, 65: an exit in N-1 (réorientation), back in 2025 with an exit code the
    // referential no longer has.
    let p5 = b.person("H", d("1960-01-01"));
    let s5 = b.suivi(
        p5,
        "plie",
        "marc",
        d("2023-05-01"),
        d("2023-05-02"),
        d("2023-06-01"),
        d("2024-03-01"),
        Some("ro_france_travail"),
    );
    b.suivi(
        p5,
        "plie",
        "marc",
        d("2025-04-01"),
        d("2025-04-01"),
        d("2025-04-15"),
        d("2025-10-15"),
        Some("zz_ancien_code"),
    );
    b.diag(p5, "2025-04-15", "NV2", Some(8));
    // Démarche: 1 social (santé).
    b.appt_with(p5, "2025-06-01", "rdv", "honore", &["sante"]);
    // A saisine of N-1 on the first suivi: not in 2025.
    b.saisine(p5, s5, "2024-01-10", "autre");
    b.appt(p5, "2025-12-20", "rdv", "a_venir");
    // P6 F, 40: an exit without any entry date; a diagnostic after the period is ignored.
    let p6 = b.person("F", d("1985-01-01"));
    b.suivi(
        p6,
        "plie",
        "marc",
        None,
        None,
        None,
        d("2025-05-05"),
        Some("sp_formation"),
    );
    b.diag(p6, "2024-10-01", "AFS", Some(6));
    b.diag(p6, "2026-02-01", "NV1", Some(40));
    // P7 H, 30, another dispositif: 2025-01-06 → 2025-12-01 déménagement.
    let p7 = b.person("H", d("1995-01-01"));
    b.suivi(
        p7,
        "rsa",
        "marc",
        d("2025-01-05"),
        d("2025-01-06"),
        d("2025-01-06"),
        d("2025-12-01"),
        Some("au_demenagement"),
    );
    // A démarche whose theme the referential does not know.
    b.appt_with(p7, "2025-01-20", "rdv", "honore", &["zz_theme"]);
    // P8: only in N-1 (CDD ≥ 6 mois); its 2025 appointment is not counted.
    let p8 = b.person("H", d("1980-01-01"));
    b.suivi(
        p8,
        "plie",
        "marc",
        d("2024-01-10"),
        d("2024-01-11"),
        d("2024-01-15"),
        d("2024-06-30"),
        Some("ed_cdd6"),
    );
    // RSA rights: counted when « ouvert » or « suspendu », opened by 31/12/2025 or at an
    // unknown date: P1, P2, P6, P7 (P8 has no suivi in 2025).
    b.rsa(p1, "ouvert", d("2024-06-01"));
    b.rsa(p2, "suspendu", None);
    b.rsa(p3, "radie", d("2023-01-01"));
    b.rsa(p4, "ouvert", d("2026-02-01"));
    b.rsa(p5, "en_instruction", d("2025-04-01"));
    b.rsa(p6, "ouvert", d("2025-05-01"));
    b.rsa(p7, "ouvert", d("2020-01-01"));
    b.rsa(p8, "ouvert", d("2020-01-01"));
    // Not counted (P8 is not supported in 2025): démarche, étape.
    b.appt_with(p8, "2025-03-01", "rdv", "honore", &["logement"]);
    b.etape(p8, "cdi", "2025-02-01", None);
    // Collective sessions (table 3c): 3 in 2025 with people counted, 2 held; 6 enrolments
    // of those people, all set: 3 present (P1 twice, P7), 2 excused, 1 absent; 2 people
    // present at least once. Not counted: one in N-1, one whose only participant (P8) is
    // not followed in 2025.
    b.session(
        "2025-03-10",
        "atelier",
        &[(p1, "honore"), (p2, "absent"), (p3, "excuse")],
    );
    b.session("2025-06-05", "info_co", &[(p1, "honore"), (p7, "honore")]);
    b.session("2025-09-01", "sortie", &[(p2, "excuse")]);
    b.session("2024-05-01", "atelier", &[(p1, "honore")]);
    b.session("2025-10-01", "forum", &[(p8, "honore")]);
    let dossier = |id| b.store.person_file(id).unwrap().person.dossier;
    (dossier(p5), dossier(p6))
}

type Expected = &'static [(
    &'static str,
    &'static [(&'static str, &'static [&'static str])],
)];

/// Every figure of every table for 2025, all dispositifs.
const EXPECTED_2025: Expected = &[
    (
        "1. Personnes accompagnées",
        &[
            ("Personnes accompagnées", &["7"]),
            ("Femmes", &["3 soit 42,86 %"]),
            ("Hommes", &["3 soit 42,86 %"]),
            ("Autre", &["0 soit 0,00 %"]),
            ("Sexe non renseigné", &["1 soit 14,29 %"]),
            // P1, P2, P6, P7 (P3 radié·e, P4 opened after the period, P5 en instruction).
            ("Bénéficiaires du RSA", &["4 soit 57,14 %"]),
            ("Entrées dans la période", &["5"]),
            ("Toujours suivies au 31/12/2025", &["1 soit 14,29 %"]),
            ("Mesures en cours d'intégration", &["1 soit 14,29 %"]),
        ],
    ),
    (
        "1b. Âge au 31/12/2025",
        &[
            ("Moins de 26 ans", &["1 soit 14,29 %"]),
            ("26 à 44 ans", &["3 soit 42,86 %"]),
            ("45 à 54 ans", &["1 soit 14,29 %"]),
            ("55 ans et plus", &["1 soit 14,29 %"]),
            ("Non renseigné", &["1 soit 14,29 %"]),
        ],
    ),
    (
        "1c. Niveau de formation (dernier diagnostic)",
        &[
            ("Infra CAP (AFS à C12)", &["2 soit 28,57 %"]),
            ("CAP / BEP (NV5)", &["1 soit 14,29 %"]),
            ("Bac (NV4)", &["1 soit 14,29 %"]),
            ("Supérieur (NV3 à NV1)", &["1 soit 14,29 %"]),
            ("Non renseigné", &["2 soit 28,57 %"]),
        ],
    ),
    (
        "1d. Durée d'inactivité (dernier diagnostic)",
        &[
            ("Moins de 6 mois", &["1 soit 14,29 %"]),
            ("6 à 11 mois", &["2 soit 28,57 %"]),
            ("12 à 23 mois", &["1 soit 14,29 %"]),
            ("24 mois et plus", &["1 soit 14,29 %"]),
            ("Non renseignée", &["2 soit 28,57 %"]),
        ],
    ),
    (
        "2. Sorties",
        &[
            ("CDI", &["1 soit 20,00 %", "1", "0 soit 0,00 %"]),
            (
                "CDD de 6 mois ou plus",
                &["0 soit 0,00 %", "0", "1 soit 50,00 %"],
            ),
            (
                "Intérim de 6 mois ou plus",
                &["0 soit 0,00 %", "0", "0 soit 0,00 %"],
            ),
            ("Emploi durable", &["1 soit 20,00 %", "1", "1 soit 50,00 %"]),
            (
                "CDD de moins de 6 mois",
                &["1 soit 20,00 %", "1", "0 soit 0,00 %"],
            ),
            (
                "Emploi de transition",
                &["1 soit 20,00 %", "1", "0 soit 0,00 %"],
            ),
            (
                "Formation qualifiante",
                &["1 soit 20,00 %", "1", "0 soit 0,00 %"],
            ),
            (
                "Formation pré-qualifiante",
                &["0 soit 0,00 %", "0", "0 soit 0,00 %"],
            ),
            (
                "Autre sortie vers l'emploi",
                &["0 soit 0,00 %", "0", "0 soit 0,00 %"],
            ),
            (
                "Sorties positives",
                &["1 soit 20,00 %", "1", "0 soit 0,00 %"],
            ),
            (
                "Sous-total sorties dynamiques",
                &["3 soit 60,00 %", "3", "1 soit 50,00 %"],
            ),
            (
                "Réorientation vers France Travail",
                &["0 soit 0,00 %", "0", "1 soit 50,00 %"],
            ),
            (
                "Relais création d'entreprise",
                &["0 soit 0,00 %", "0", "0 soit 0,00 %"],
            ),
            ("Réorientations", &["0 soit 0,00 %", "0", "1 soit 50,00 %"]),
            ("Déménagement", &["1 soit 20,00 %", "1", "0 soit 0,00 %"]),
            (
                "Chômage (demandeur d'emploi)",
                &["0 soit 0,00 %", "0", "0 soit 0,00 %"],
            ),
            ("Inactivité", &["0 soit 0,00 %", "0", "0 soit 0,00 %"]),
            ("Autres sorties", &["1 soit 20,00 %", "1", "0 soit 0,00 %"]),
            (
                "Type inconnu ou absent (à vérifier)",
                &["1 soit 20,00 %", "0", "0 soit 0,00 %"],
            ),
            ("Total des sorties", &["5", "4", "2"]),
        ],
    ),
    (
        "3. Rendez-vous",
        &[
            ("Proposés (honorés + excusés + absents)", &["10"]),
            ("Réalisés (honorés) : taux de présence", &["7 soit 70,00 %"]),
            ("Excusés", &["1 soit 10,00 %"]),
            ("Absents non excusés", &["2 soit 20,00 %"]),
            ("Taux d'absence (excusés + absents)", &["3 soit 30,00 %"]),
            ("Annulés par la structure (à part)", &["1"]),
            ("À venir ou statut à préciser (à part)", &["1"]),
        ],
    ),
    (
        "3b. Rendez-vous par modalité",
        &[
            ("Sur rendez-vous", &["7 soit 70,00 %", "4 soit 57,14 %"]),
            ("Accueil spontané", &["0 soit 0,00 %", "0 soit —"]),
            ("Téléphone", &["1 soit 10,00 %", "1 soit 100,00 %"]),
            ("Visio", &["1 soit 10,00 %", "1 soit 100,00 %"]),
            ("À domicile", &["0 soit 0,00 %", "0 soit —"]),
            ("Extérieur", &["0 soit 0,00 %", "0 soit —"]),
            ("Atelier collectif", &["1 soit 10,00 %", "1 soit 100,00 %"]),
        ],
    ),
    (
        "3c. Actions collectives (à part des entretiens individuels)",
        &[
            ("Séances de la période", &["3"]),
            ("Séances tenues (au moins une personne présente)", &["2"]),
            ("Inscriptions", &["6"]),
            ("Présents (honorés) : taux de présence", &["3 soit 50,00 %"]),
            ("Excusés", &["2 soit 33,33 %"]),
            ("Absents non excusés", &["1 soit 16,67 %"]),
            ("À venir ou statut à préciser (à part)", &["0"]),
            ("Personnes présentes au moins une fois", &["2"]),
        ],
    ),
    (
        "4. Délais et suivi mensuel",
        &[
            ("Orientations de la période", &["5"]),
            ("Premier contact sous 15 jours", &["3 soit 60,00 %"]),
            (
                "Premier entretien honoré sous 30 jours",
                &["3 soit 60,00 %"],
            ),
            ("Mois de suivi (personne × mois)", &["43"]),
            (
                "Mois avec au moins un entretien honoré",
                &["5 soit 11,63 %"],
            ),
        ],
    ),
    (
        "5. Durée moyenne d'accompagnement",
        &[
            ("Sorties de la période (entrée → sortie)", &["4", "7,2"]),
            ("Toujours suivies (entrée → 31/12/2025)", &["1", "9,7"]),
        ],
    ),
    (
        "6. Démarches par thème",
        &[
            ("Logement / hébergement", &["1 soit 14,29 %"]),
            ("Santé", &["1 soit 14,29 %"]),
            ("Mobilité", &["0 soit 0,00 %"]),
            ("Lien avec le prescripteur", &["1 soit 14,29 %"]),
            ("Social", &["3 soit 42,86 %"]),
            ("Mises en relation sur des offres", &["2 soit 28,57 %"]),
            ("Techniques de recherche d'emploi", &["1 soit 14,29 %"]),
            ("Emploi / formation", &["0 soit 0,00 %"]),
            ("Emploi", &["3 soit 42,86 %"]),
            ("Thème inconnu du référentiel", &["1 soit 14,29 %"]),
            ("Total des démarches", &["7"]),
        ],
    ),
    (
        "7. Étapes de parcours",
        &[
            ("CDD", &["1 soit 33,33 %"]),
            ("CDDI", &["0 soit 0,00 %"]),
            ("CDI", &["0 soit 0,00 %"]),
            ("PMSMP (immersion)", &["1 soit 33,33 %"]),
            ("Formation qualifiante", &["1 soit 33,33 %"]),
            ("Mise en logement", &["0 soit 0,00 %"]),
            ("Total des étapes", &["3"]),
            ("Personnes ayant au moins une étape", &["2 soit 28,57 %"]),
        ],
    ),
    (
        "8. Saisines du Département",
        &[
            ("Saisines de la période", &["3"]),
            ("Avant le premier entretien honoré", &["2 soit 66,67 %"]),
            ("Absences répétées aux rendez-vous", &["1 soit 33,33 %"]),
            ("Personne injoignable", &["1 soit 33,33 %"]),
            ("Non-respect des engagements", &["1 soit 33,33 %"]),
            (
                "Refus de signer le contrat d'engagement",
                &["0 soit 0,00 %"],
            ),
            ("Autre motif", &["0 soit 0,00 %"]),
            ("Personnes concernées", &["3"]),
        ],
    ),
];

fn report_of(db: &Path, period: &Period) -> report::Report {
    let store = Store::open(db, Clock::fixed(now())).unwrap();
    let rf = Referential::embedded();
    report::compute(&store.report_cohort(period).unwrap(), period, &rf)
}

/// The report data holds every expected figure, and nothing but them in the tables listed.
fn check_data(r: &report::Report, expected: Expected) {
    for (title, rows) in expected {
        let t = r
            .tables
            .iter()
            .find(|t| t.title == *title)
            .unwrap_or_else(|| panic!("no table {title}"));
        for (label, cells) in *rows {
            let row = t
                .rows
                .iter()
                .find(|r| r.label.trim() == *label)
                .unwrap_or_else(|| panic!("{title}: no row {label}"));
            let got: Vec<String> = row.cells.iter().map(|c| c.text()).collect();
            assert_eq!(got, *cells, "{title} / {label}");
        }
    }
}

/// `texte`: each row is one line, label then cells, separated by two spaces or more.
fn check_text(text: &str, expected: Expected) {
    for (title, rows) in expected {
        let start = text
            .find(&format!("\n{title}\n"))
            .unwrap_or_else(|| panic!("no table {title} in text"));
        let section = &text[start + 1..];
        let section = &section[..section[1..].find("\n\n").map_or(section.len(), |e| e + 1)];
        for (label, cells) in *rows {
            let line = section
                .lines()
                .find(|l| {
                    let l = l.trim_start();
                    l.starts_with(label) && l[label.len()..].starts_with("  ")
                })
                .unwrap_or_else(|| panic!("{title}: no line {label} in {section}"));
            let parts: Vec<&str> = line
                .trim()
                .split("  ")
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .collect();
            let mut want = vec![*label];
            want.extend(cells.iter());
            assert_eq!(parts, want, "{title} / {label}");
        }
    }
}

/// A cell as the CSV writes it: a share is two columns (count, percentage).
fn csv_fields(cell: &str) -> Vec<String> {
    match cell.split_once(" soit ") {
        Some((n, p)) => vec![n.to_string(), p.trim_end_matches(" %").to_string()],
        None => vec![cell.to_string()],
    }
}

fn check_csv(bytes: &[u8], expected: Expected) {
    assert!(bytes.starts_with("\u{feff}".as_bytes()), "UTF-8 BOM");
    let body = std::str::from_utf8(&bytes[3..]).unwrap();
    assert!(body.contains("\r\n"), "CRLF line ends");
    assert!(
        !body.replace("\r\n", "").contains('\n'),
        "no bare LF outside CRLF"
    );
    let records: Vec<csv::StringRecord> = csv::ReaderBuilder::new()
        .delimiter(b';')
        .has_headers(false)
        .flexible(true)
        .from_reader(body.as_bytes())
        .records()
        .map(|r| r.unwrap())
        .collect();
    for (title, rows) in expected {
        let start = records
            .iter()
            .position(|r| r.get(0) == Some(title))
            .unwrap_or_else(|| panic!("no table {title} in CSV"));
        let section: Vec<&csv::StringRecord> = records[start + 1..]
            .iter()
            .take_while(|r| r.get(0) != Some(""))
            .collect();
        // The header says which columns are shares: each is followed by its « (%) » column.
        let head: Vec<&str> = section[0].iter().skip(1).collect();
        let mut share_cols = Vec::new();
        let mut i = 0;
        while i < head.len() {
            let share = head.get(i + 1).is_some_and(|h| h.ends_with(" (%)"));
            share_cols.push(share);
            i += if share { 2 } else { 1 };
        }
        for (label, cells) in *rows {
            let rec = section
                .iter()
                .find(|r| r.get(0) == Some(label))
                .unwrap_or_else(|| panic!("{title}: no row {label} in CSV"));
            let got: Vec<String> = rec.iter().skip(1).map(str::to_string).collect();
            let mut want = Vec::new();
            for (cell, share) in cells.iter().zip(&share_cols) {
                let mut f = csv_fields(cell);
                if *share && f.len() == 1 {
                    f.push(String::new());
                }
                want.extend(f);
            }
            assert_eq!(got, want, "{title} / {label}");
        }
    }
}

/// The text of the cells of the HTML row `label` in the table `title` (bars left out).
fn html_cells(html: &str, title: &str, label: &str) -> Vec<String> {
    let start = html
        .find(&format!("<h2>{}</h2>", esc(title)))
        .unwrap_or_else(|| panic!("no table {title} in HTML"));
    let section = &html[start..start + html[start..].find("</table>").unwrap()];
    let needle = format!(">{}</td>", esc(label));
    let row_start = section
        .find(&needle)
        .unwrap_or_else(|| panic!("{title}: no row {label} in HTML"));
    let row = &section[row_start + needle.len()..];
    let row = &row[..row.find("</tr>").unwrap()];
    row.split("<td>")
        .skip(1)
        .map(|c| {
            let c = c.trim_end_matches("</td>");
            c.split("<svg").next().unwrap().to_string()
        })
        .collect()
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('\'', "&#39;")
}

fn check_html(html: &str, expected: Expected) {
    for (title, rows) in expected {
        for (label, cells) in *rows {
            assert_eq!(html_cells(html, title, label), *cells, "{title} / {label}");
        }
    }
    assert!(!html.to_lowercase().contains("<script"), "no script");
    for external in ["http://", "https://", "src=", "<link", "@import", "url("] {
        assert!(!html.contains(external), "external resource: {external}");
    }
    assert!(html.contains("size: A4"), "printable A4");
    assert!(html.contains("<svg"), "bars as inline SVG");
}

fn cmd(db: &Path, config: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_parcours-hooks"));
    c.arg("--db")
        .arg(db)
        .args(args)
        .env("PARCOURS_NOW", NOW)
        .env("PARCOURS_CONFIG_DIR", config)
        .env_remove("PARCOURS_DB")
        .env_remove("RUST_BACKTRACE")
        .stdin(Stdio::null());
    c
}

fn run(db: &Path, config: &Path, args: &[&str]) -> Output {
    cmd(db, config, args).output().unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn assert_success(o: &Output) {
    assert!(o.status.success(), "failed: {}", stderr(o));
    assert!(!stderr(o).contains("panicked"), "{}", stderr(o));
}

fn assert_failure(o: &Output, expected: &str) {
    let err = stderr(o);
    assert!(!o.status.success(), "should have failed");
    assert_ne!(o.status.code(), Some(101), "panic: {err}");
    // The last line (a plain base is announced before).
    let last = err.trim_end().lines().last().unwrap_or("");
    assert!(last.starts_with("parcours : "), "{err}");
    assert!(last.contains(expected), "expected {expected:?} in {err:?}");
    assert!(o.stdout.is_empty(), "no report on a refusal");
}

struct Fixture {
    _dir: tempfile::TempDir,
    config: tempfile::TempDir,
    db: PathBuf,
    to_check: (String, String),
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("cohorte.db");
    let to_check = build(&db);
    Fixture {
        _dir: dir,
        config: tempfile::tempdir().unwrap(),
        db,
        to_check,
    }
}

#[test]
fn every_figure_of_every_table_in_the_data_and_the_three_formats() {
    let f = fixture();
    let r = report_of(&f.db, &Period::year(2025));
    check_data(&r, EXPECTED_2025);
    assert!(!r.empty);
    // À vérifier: the unknown code and the exit without entry, by n° de dossier only.
    let (unknown, no_entry) = &f.to_check;
    assert_eq!(r.to_check.len(), 2, "{:?}", r.to_check);
    assert!(r
        .to_check
        .iter()
        .any(|l| l.starts_with(unknown.as_str()) && l.contains("zz_ancien_code")));
    assert!(r
        .to_check
        .iter()
        .any(|l| l.starts_with(no_entry.as_str()) && l.contains("sans date d'entrée")));

    // The default period (the last calendar year before 22/11/2026) is 2025.
    let texte = run(&f.db, f.config.path(), &["rapport"]);
    assert_success(&texte);
    let text = String::from_utf8(texte.stdout).unwrap();
    assert!(
        text.contains("Période du 01/01/2025 au 31/12/2025"),
        "{text}"
    );
    assert!(text.contains("N-1 (01/01/2024 – 31/12/2024)"), "{text}");
    check_text(&text, EXPECTED_2025);
    for line in &r.to_check {
        assert!(
            text.contains(line.as_str()),
            "à vérifier line {line} in text"
        );
    }
    // Every table of the issue is delivered (RSA, étapes, saisines, démarches, occupation):
    // nothing is announced as missing any more.
    assert!(
        !text
            .to_lowercase()
            .contains("non disponible dans cette version"),
        "{text}"
    );
    assert!(
        text.contains("Bénéficiaires du RSA : personnes dont le droit RSA"),
        "{text}"
    );
    assert!(text.contains("Définitions"));
    let definitions = &text[text.rfind("Définitions").unwrap()..];
    for defined in [
        "Démarches par thème",
        "Étapes de parcours",
        "Saisines",
        "Saisine avant le premier entretien",
    ] {
        assert!(definitions.contains(defined), "{defined} is defined");
    }
    assert!(!text.contains("NaN") && !text.contains("inf"));
    // No name and no report content leaves in the report.
    assert!(!text.contains("TEST") && !text.contains("compte rendu"));

    let out = run(
        &f.db,
        f.config.path(),
        &["rapport", "--annee", "2025", "--format", "csv"],
    );
    assert_success(&out);
    check_csv(&out.stdout, EXPECTED_2025);

    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("rapport.html");
    let out = run(
        &f.db,
        f.config.path(),
        &[
            "rapport",
            "--du",
            "01/01/2025",
            "--au",
            "31/12/2025",
            "--format",
            "html",
            "-o",
            page.to_str().unwrap(),
        ],
    );
    assert_success(&out);
    assert!(out.stdout.is_empty());
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(html.contains("Période du 01/01/2025 au 31/12/2025"));
    check_html(&html, EXPECTED_2025);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&page).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "the report file is private");
    }
}

#[test]
fn filters_by_dispositif_and_referent() {
    let f = fixture();
    // Without the RSA suivi (P7): 6 people, 4 exits of which 3 dynamic; N-1 unchanged.
    let expected: Expected = &[
        (
            "1. Personnes accompagnées",
            &[
                ("Personnes accompagnées", &["6"]),
                ("Hommes", &["2 soit 33,33 %"]),
            ],
        ),
        (
            "2. Sorties",
            &[
                (
                    "Sous-total sorties dynamiques",
                    &["3 soit 75,00 %", "3", "1 soit 50,00 %"],
                ),
                // P1, P2, P6 (P5 en instruction).
                ("Total des sorties", &["4", "3", "2"]),
            ],
        ),
        (
            "3. Rendez-vous",
            &[("Proposés (honorés + excusés + absents)", &["9"])],
        ),
        // P7's démarche (unknown theme) goes with its RSA suivi.
        (
            "6. Démarches par thème",
            &[
                ("Thème inconnu du référentiel", &["0 soit 0,00 %"]),
                ("Total des démarches", &["6"]),
            ],
        ),
    ];
    let mut p = Period::year(2025);
    p.dispositif = Some("plie".into());
    check_data(&report_of(&f.db, &p), expected);
    let out = run(
        &f.db,
        f.config.path(),
        &["rapport", "--annee", "2025", "--dispositif", "plie"],
    );
    assert_success(&out);
    let text = String::from_utf8(out.stdout).unwrap();
    check_text(&text, expected);
    assert!(text.contains("Dispositif : Sécurisation de parcours / PLIE (plie)"));

    // Claire's two files: both exits dynamic; nothing of hers in N-1: « — », never NaN.
    let expected: Expected = &[
        (
            "1. Personnes accompagnées",
            &[("Personnes accompagnées", &["2"])],
        ),
        (
            "2. Sorties",
            &[
                (
                    "Sous-total sorties dynamiques",
                    &["2 soit 100,00 %", "2", "0 soit —"],
                ),
                ("Total des sorties", &["2", "2", "0"]),
            ],
        ),
        // P2's saisine only, made before its first honoured interview.
        (
            "8. Saisines du Département",
            &[
                ("Saisines de la période", &["1"]),
                ("Avant le premier entretien honoré", &["1 soit 100,00 %"]),
            ],
        ),
    ];
    let out = run(
        &f.db,
        f.config.path(),
        &[
            "rapport",
            "--annee",
            "2025",
            "--referent",
            "claire",
            "--format",
            "csv",
        ],
    );
    assert_success(&out);
    check_csv(&out.stdout, expected);
}

#[test]
fn an_empty_period_says_so_and_divides_by_nothing() {
    let f = fixture();
    let r = report_of(&f.db, &Period::year(2010));
    assert!(r.empty);
    let expected: Expected = &[
        (
            "1. Personnes accompagnées",
            &[
                ("Personnes accompagnées", &["0"]),
                ("Femmes", &["0 soit —"]),
            ],
        ),
        (
            "2. Sorties",
            &[
                (
                    "Sous-total sorties dynamiques",
                    &["0 soit —", "0", "0 soit —"],
                ),
                ("Total des sorties", &["0", "0", "0"]),
            ],
        ),
        (
            "3. Rendez-vous",
            &[("Réalisés (honorés) : taux de présence", &["0 soit —"])],
        ),
        (
            "4. Délais et suivi mensuel",
            &[("Premier contact sous 15 jours", &["0 soit —"])],
        ),
        (
            "5. Durée moyenne d'accompagnement",
            &[("Sorties de la période (entrée → sortie)", &["0", "—"])],
        ),
        (
            "6. Démarches par thème",
            &[
                ("Social", &["0 soit —"]),
                ("Mises en relation sur des offres", &["0 soit —"]),
                ("Total des démarches", &["0"]),
            ],
        ),
        (
            "7. Étapes de parcours",
            &[
                ("CDD", &["0 soit —"]),
                ("Personnes ayant au moins une étape", &["0 soit —"]),
                ("Total des étapes", &["0"]),
            ],
        ),
        (
            "8. Saisines du Département",
            &[
                ("Saisines de la période", &["0"]),
                ("Avant le premier entretien honoré", &["0 soit —"]),
            ],
        ),
    ];
    check_data(&r, expected);
    for format in ["texte", "csv", "html"] {
        let out = run(
            &f.db,
            f.config.path(),
            &["rapport", "--annee", "2010", "--format", format],
        );
        assert_success(&out);
        let body = String::from_utf8(out.stdout.clone()).unwrap();
        assert!(
            body.contains("Aucune donnée pour cette période"),
            "{format}"
        );
        assert!(!body.contains("NaN") && !body.contains("inf %"), "{format}");
        assert!(stderr(&out).contains("Période sans données"), "{format}");
    }
    let out = run(&f.db, f.config.path(), &["rapport", "--annee", "2010"]);
    check_text(&String::from_utf8(out.stdout).unwrap(), expected);
}

#[test]
fn bad_input_gets_a_french_message() {
    let f = fixture();
    let cases: &[(&[&str], &str)] = &[
        (
            &["--du", "31/12/2025", "--au", "01/01/2025"],
            "est après la date de fin",
        ),
        (
            &["--du", "32/01/2025", "--au", "31/12/2025"],
            "date illisible pour --du : « 32/01/2025 »",
        ),
        (
            &["--du", "01/01/2025", "--au", "2025-12-31"],
            "date illisible pour --au",
        ),
        (
            &["--du", "01/01/2025"],
            "--du JJ/MM/AAAA et --au JJ/MM/AAAA ensemble",
        ),
        (&["--au", "01/01/2025"], "ensemble"),
        (&["--annee", "20x5"], "année illisible : « 20x5 »"),
        (
            &[
                "--annee",
                "2025",
                "--du",
                "01/01/2025",
                "--au",
                "02/01/2025",
            ],
            "--annee ne se combine pas",
        ),
        (
            &["--dispositif", "inconnu"],
            "dispositif inconnu : « inconnu »",
        ),
        (
            &["--referent", "personne"],
            "aucun suivi n'a pour référent·e « personne »",
        ),
    ];
    for (args, expected) in cases {
        let mut all = vec!["rapport"];
        all.extend(args.iter());
        let out = run(&f.db, f.config.path(), &all);
        assert_failure(&out, expected);
    }
    // A refused report leaves no file behind.
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("r.html");
    let out = run(
        &f.db,
        f.config.path(),
        &[
            "rapport",
            "--dispositif",
            "zz",
            "-o",
            page.to_str().unwrap(),
        ],
    );
    assert_failure(&out, "dispositif inconnu");
    assert!(!page.exists());
}

/// The password printed by `demo` on a new base.
fn demo_password(o: &Output) -> String {
    let text = String::from_utf8_lossy(&o.stdout);
    text.lines()
        .find_map(|l| l.split("mot de passe « ").nth(1))
        .and_then(|r| r.strip_suffix(" »"))
        .expect("demo password")
        .to_string()
}

#[test]
fn the_report_is_audited_like_an_export() {
    let dir = tempfile::tempdir().unwrap();
    let config = tempfile::tempdir().unwrap();
    let db = dir.path().join("demo.db");
    let out = run(
        &db,
        config.path(),
        &["demo", "--persons", "40", "--seed", "7"],
    );
    assert_success(&out);
    let pw = demo_password(&out);
    let exports = || -> i64 {
        let conn = connect(&db, Some(&demo_key(&db, &pw, now())));
        conn.query_row(
            "SELECT COUNT(*) FROM audit WHERE action = ?1",
            [parcours::store::audit::actions::EXPORT],
            |r| r.get(0),
        )
        .unwrap()
    };
    let before = exports();
    let mut c = cmd(&db, config.path(), &["rapport", "--format", "html"]);
    c.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = c.spawn().unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(format!("{pw}\n").as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_success(&out);
    assert!(String::from_utf8_lossy(&out.stdout).contains("Rapport d'activité"));
    assert_eq!(exports(), before + 1, "one export entry for the report");
}

#[test]
fn the_exit_codes_follow_the_dgefp_typology() {
    let rf = Referential::embedded();
    let group = |code: &str| {
        let e = rf
            .exit_category(code)
            .unwrap_or_else(|| panic!("{code} missing"));
        (e.group.as_str(), e.dynamic)
    };
    assert_eq!(group("sp_preformation"), ("sortie_positive", true));
    assert_eq!(group("sp_autre_emploi"), ("sortie_positive", true));
    assert_eq!(group("sp_accompagnement"), ("reorientation", false));
    assert_eq!(group("ro_creation"), ("reorientation", false));
    assert_eq!(group("au_chomage"), ("autre", false));
    assert_eq!(group("au_inactivite"), ("autre", false));
    // A new exit counts where it belongs: a pré-qualifiante exit is a dynamic one.
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("sorties.db");
    let store = Store::open(&db, Clock::fixed(now())).unwrap();
    let mut b = Builder { store };
    for code in ["sp_preformation", "au_chomage", "au_inactivite"] {
        let p = b.person("F", d("1990-01-01"));
        let _ = b.suivi(
            p,
            "plie",
            "claire",
            d("2025-01-02"),
            d("2025-01-03"),
            d("2025-01-06"),
            d("2025-06-30"),
            Some(code),
        );
    }
    drop(b);
    check_data(
        &report_of(&db, &Period::year(2025)),
        &[(
            "2. Sorties",
            &[
                (
                    "Formation pré-qualifiante",
                    &["1 soit 33,33 %", "0", "0 soit —"],
                ),
                (
                    "Sous-total sorties dynamiques",
                    &["1 soit 33,33 %", "0", "0 soit —"],
                ),
                (
                    "Chômage (demandeur d'emploi)",
                    &["1 soit 33,33 %", "0", "0 soit —"],
                ),
                ("Inactivité", &["1 soit 33,33 %", "0", "0 soit —"]),
                ("Autres sorties", &["2 soit 66,67 %", "0", "0 soit —"]),
            ],
        )],
    );
}
