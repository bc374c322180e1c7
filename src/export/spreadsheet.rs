//! CSV for a French Excel or LibreOffice: UTF-8 with a BOM (else Excel reads it as
//! Windows-1252), `;` between cells (the comma is the decimal separator), CRLF line ends,
//! decimal commas, dates dd/mm/yyyy, one header row of French labels, codes written as
//! their labels. Written row by row from the store (memory stays flat).
//!
//! Formula injection: a cell starting with `=`, `+`, `-`, `@`, a tab or a carriage return
//! would be run as a formula by the spreadsheet (a name typed as `=HYPERLINK(…)`): it gets
//! a leading `'`, which makes it text. Phone numbers written `+33…` get it too.

use super::selection::{Selection, What};
use super::ExportError;
use crate::dates::format_date;
use crate::domain::codes;
use crate::domain::referential::label_in;
use crate::domain::{Person, Referential, Suivi};
use crate::store::exports::{ActionExport, AppointmentExport};
use crate::store::{exports, Backend};
use chrono::NaiveDate;
use std::borrow::Cow;
use std::io::Write;

/// UTF-8 byte order mark: tells Excel the file is UTF-8.
pub const BOM: &[u8] = b"\xEF\xBB\xBF";

pub const PERSONS_HEADER: &[&str] = &[
    "N° de dossier",
    "Nom",
    "Prénom",
    "Nom d'usage",
    "Sexe",
    "Date de naissance",
    "Âge",
    "Téléphone",
    "Courriel",
    "Commune",
    "Dispositif",
    "Référent·e",
    "Prescripteur",
    "Date d'orientation",
    "Date du premier contact",
    "Date d'entrée",
    "Contrat",
    "Début du contrat",
    "Fin du contrat",
    "Date de sortie",
    "Motif de sortie",
];

pub const APPOINTMENTS_HEADER: &[&str] = &[
    "Date",
    "Heure",
    "Durée (h)",
    "N° de dossier",
    "Nom",
    "Prénom",
    "Modalité",
    "Statut",
    "Démarches (thèmes)",
    "Dispositif",
    "Référent·e",
];

pub const ACTIONS_HEADER: &[&str] = &[
    "N° de dossier",
    "Nom",
    "Prénom",
    "Action",
    "Type d'action",
    "Partenaire",
    "Échéance",
    "Statut",
    "En retard",
    "Objectif",
    "Dispositif",
    "Référent·e",
];

pub const EXITS_HEADER: &[&str] = &[
    "N° de dossier",
    "Nom",
    "Prénom",
    "Sexe",
    "Dispositif",
    "Référent·e",
    "Date d'entrée",
    "Date de sortie",
    "Durée d'accompagnement (mois)",
    "Motif de sortie",
    "Type de sortie",
    "Sortie dynamique",
    "Précision",
];

pub const SESSIONS_HEADER: &[&str] = &[
    "Date",
    "Heure",
    "Durée (heures)",
    "Séance",
    "Type",
    "Lieu",
    "Partenaire",
    "Animateur·rice",
    "Capacité",
    "Inscrits",
    "Présents",
    "N° de dossier",
    "Nom",
    "Prénom",
    "Statut",
];

/// The header row of a table.
pub fn header(what: What) -> &'static [&'static str] {
    match what {
        What::Personnes => PERSONS_HEADER,
        What::RendezVous => APPOINTMENTS_HEADER,
        What::Actions => ACTIONS_HEADER,
        What::Sorties => EXITS_HEADER,
        What::Seances => SESSIONS_HEADER,
    }
}

/// A cell the spreadsheet will not read as a formula (see the module doc).
pub fn guard(cell: &str) -> Cow<'_, str> {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

/// `x` with `places` decimals and a decimal comma: `0,75`.
pub fn decimal(x: f64, places: usize) -> String {
    format!("{x:.places$}").replace('.', ",")
}

fn date(d: Option<NaiveDate>) -> String {
    d.map(format_date).unwrap_or_default()
}

fn yes_no(b: bool) -> String {
    if b { "oui" } else { "non" }.to_string()
}

/// Average length of a month in days (365,25 / 12).
const DAYS_PER_MONTH: f64 = 30.4375;

/// French label of an exit group of the typology.
fn exit_group_label(group: &str) -> &str {
    match group {
        "emploi_durable" => "Emploi durable",
        "emploi_transition" => "Emploi de transition",
        "sortie_positive" => "Sortie positive",
        "reorientation" => "Réorientation",
        "autre" => "Autre sortie",
        other => other,
    }
}

/// A CSV writer for a French Excel / LibreOffice: the UTF-8 BOM first, `;`, CRLF.
fn excel_writer<W: Write>(mut out: W) -> Result<csv::Writer<W>, ExportError> {
    out.write_all(BOM)?;
    Ok(csv::WriterBuilder::new()
        .delimiter(b';')
        .terminator(csv::Terminator::CRLF)
        .from_writer(out))
}

/// Writes the CSV table of `sel`; returns the number of rows (header aside).
pub fn write_csv<W: Write>(
    store: &dyn Backend,
    rf: &Referential,
    sel: &Selection,
    out: W,
) -> Result<usize, ExportError> {
    let mut w = excel_writer(out)?;
    let mut row = |cells: Vec<String>| -> Result<(), ExportError> {
        w.write_record(cells.iter().map(|c| guard(c).into_owned()))?;
        Ok(())
    };
    row(header(sel.what).iter().map(|s| s.to_string()).collect())?;
    let now = store.clock().now();
    let today = now.date();
    let f = &sel.filter;
    // One snapshot per table: the rows stream from it (a cursor on the server).
    let n = match sel.what {
        What::Seances => write_sessions(store, rf, f, now, &mut row)?,
        what => crate::store::read(store, |db| {
            Ok(match what {
                What::Personnes => exports::export_persons_on(db, f, |p, s| {
                    row(person_cells(rf, today, &p, s.as_ref()))
                }),
                What::RendezVous => {
                    exports::export_appointments_on(db, f, |a| row(appointment_cells(rf, now, &a)))
                }
                What::Actions => {
                    exports::export_actions_on(db, f, |a| row(action_cells(rf, today, &a)))
                }
                What::Sorties => {
                    exports::export_exits_on(db, f, |p, s| row(exit_cells(rf, &p, &s)))
                }
                What::Seances => unreachable!("written above"),
            })
        })??,
    };
    w.flush()?;
    Ok(n)
}

/// One row per participant of each session of the period (one row for a session without
/// participants); returns the number of rows.
fn write_sessions(
    store: &dyn Backend,
    rf: &Referential,
    f: &crate::store::exports::ExportFilter,
    now: chrono::NaiveDateTime,
    row: &mut dyn FnMut(Vec<String>) -> Result<(), ExportError>,
) -> Result<usize, ExportError> {
    let mut n = 0;
    for s in store.sessions()? {
        let day = s.start.map(|t| t.date());
        if f.from.is_some_and(|d| day.is_none_or(|x| x < d))
            || f.to.is_some_and(|d| day.is_none_or(|x| x > d))
        {
            continue;
        }
        let facts = vec![
            date(day),
            s.start
                .map(|t| t.format("%H:%M").to_string())
                .unwrap_or_default(),
            decimal(f64::from(s.duration_min) / 60.0, 2),
            s.title.clone(),
            label_in(&rf.session_types, &s.kind).to_string(),
            s.place.clone(),
            label_in(&rf.partners, &s.partner).to_string(),
            s.animateur.clone(),
            s.capacity.to_string(),
            s.participants.len().to_string(),
            s.count(codes::APPT_HONOURED).to_string(),
        ];
        if s.participants.is_empty() {
            let mut cells = facts.clone();
            cells.extend([String::new(), String::new(), String::new(), String::new()]);
            row(cells)?;
            n += 1;
        }
        for p in &s.participants {
            let person = match store.load(crate::domain::RecordKind::Person, p.person_id)? {
                Some(crate::domain::Record::Person(x)) => x,
                _ => Person::default(),
            };
            let status = match s.start {
                Some(t) if p.status == codes::APPT_PLANNED && t < now => {
                    "Statut à préciser".to_string()
                }
                _ => label_in(&rf.appointment_statuses, &p.status).to_string(),
            };
            let mut cells = facts.clone();
            cells.extend([person.dossier, person.nom, person.prenom, status]);
            row(cells)?;
            n += 1;
        }
    }
    Ok(n)
}

fn person_cells(rf: &Referential, today: NaiveDate, p: &Person, s: Option<&Suivi>) -> Vec<String> {
    let mut cells = vec![
        p.dossier.clone(),
        p.nom.clone(),
        p.prenom.clone(),
        p.nom_usage.clone(),
        label_in(&rf.sexes, &p.sexe).to_string(),
        date(p.birth_date),
        p.birth_date
            .map(|b| crate::dates::age_on(b, today).to_string())
            .unwrap_or_default(),
        p.phone.clone(),
        p.email.clone(),
        p.commune.clone(),
    ];
    match s {
        Some(s) => cells.extend([
            label_in(&rf.dispositifs, &s.dispositif).to_string(),
            s.referent.clone(),
            label_in(&rf.partners, &s.prescripteur).to_string(),
            date(s.date_orientation),
            date(s.date_premier_contact),
            date(s.date_entree),
            label_in(&rf.contracts, &s.contrat).to_string(),
            date(s.contrat_debut),
            date(s.contrat_fin),
            date(s.sortie_date),
            s.sortie_categorie
                .as_deref()
                .map(|c| label_in(&rf.exit_categories, c).to_string())
                .unwrap_or_default(),
        ]),
        None => cells.resize(PERSONS_HEADER.len(), String::new()),
    }
    cells
}

fn appointment_cells(
    rf: &Referential,
    now: chrono::NaiveDateTime,
    a: &AppointmentExport,
) -> Vec<String> {
    let appt = &a.appointment;
    let status = match appt.effective_status(now) {
        codes::APPT_TO_SET => "Statut à préciser".to_string(),
        code => label_in(&rf.appointment_statuses, code).to_string(),
    };
    let themes: Vec<&str> = a
        .demarche_themes
        .iter()
        .map(|t| rf.demarche_label(t).unwrap_or(t))
        .collect();
    vec![
        date(appt.start.map(|s| s.date())),
        appt.start
            .map(|s| s.format("%H:%M").to_string())
            .unwrap_or_default(),
        decimal(f64::from(appt.duration_min) / 60.0, 2),
        a.person.dossier.clone(),
        a.person.nom.clone(),
        a.person.prenom.clone(),
        label_in(&rf.appointment_media, &appt.medium).to_string(),
        status,
        themes.join(", "),
        a.dispositif
            .as_deref()
            .map(|d| label_in(&rf.dispositifs, d).to_string())
            .unwrap_or_default(),
        a.referent.clone(),
    ]
}

fn action_cells(rf: &Referential, today: NaiveDate, a: &ActionExport) -> Vec<String> {
    let x = &a.action;
    let late = rf.action_open(&x.status) && x.due.is_some_and(|d| d < today);
    vec![
        a.person.dossier.clone(),
        a.person.nom.clone(),
        a.person.prenom.clone(),
        x.label.clone(),
        x.action_type
            .as_deref()
            .map(|t| label_in(&rf.action_types, t).to_string())
            .unwrap_or_default(),
        label_in(&rf.partners, &x.partner).to_string(),
        date(x.due),
        label_in(&rf.action_statuses, &x.status).to_string(),
        yes_no(late),
        a.objective.clone().unwrap_or_default(),
        a.dispositif
            .as_deref()
            .map(|d| label_in(&rf.dispositifs, d).to_string())
            .unwrap_or_default(),
        a.referent.clone(),
    ]
}

fn exit_cells(rf: &Referential, p: &Person, s: &Suivi) -> Vec<String> {
    let months = match (s.date_entree, s.sortie_date) {
        (Some(a), Some(b)) if b >= a => decimal((b - a).num_days() as f64 / DAYS_PER_MONTH, 1),
        _ => String::new(),
    };
    let code = s.sortie_categorie.as_deref().unwrap_or_default();
    let category = rf.exit_category(code);
    vec![
        p.dossier.clone(),
        p.nom.clone(),
        p.prenom.clone(),
        label_in(&rf.sexes, &p.sexe).to_string(),
        label_in(&rf.dispositifs, &s.dispositif).to_string(),
        s.referent.clone(),
        date(s.date_entree),
        date(s.sortie_date),
        months,
        category
            .map(|c| c.label.clone())
            .unwrap_or_else(|| code.to_string()),
        category
            .map(|c| exit_group_label(&c.group).to_string())
            .unwrap_or_default(),
        category.map(|c| yes_no(c.dynamic)).unwrap_or_default(),
        s.sortie_detail.clone(),
    ]
}

pub const CASELOAD_HEADER: &[&str] = &[
    "N° de dossier",
    "Nom",
    "Prénom",
    "Nom d'usage",
    "Date de naissance",
    "Commune",
    "Dispositif",
    "Référent·e",
    "Date d'orientation",
    "Date du premier contact",
    "Dernier entretien honoré",
    "Prochain rendez-vous",
    "Date de sortie",
    "Actions en retard",
    "Statuts de rendez-vous à préciser",
];

/// File name of a caseload list written by the app: `file-active-20261122-100000.csv`.
pub fn caseload_file_name(now: chrono::NaiveDateTime) -> String {
    format!("file-active-{}.csv", now.format("%Y%m%d-%H%M%S"))
}

/// Header of the today view's export.
pub const TODAY_HEADER: [&str; 5] = ["Rubrique", "Quand", "Personne", "Détail", "Alerte"];

/// File name of the today view's export.
pub fn today_file_name(now: chrono::NaiveDateTime) -> String {
    format!("aujourdhui-{}.csv", now.format("%Y%m%d-%H%M%S"))
}

/// One line of the today view as shown: its section, time, person and what to do.
pub struct TodayLine<'a> {
    pub section: &'a str,
    pub when: &'a str,
    pub who: &'a str,
    pub what: &'a str,
    pub alert: bool,
}

/// The today view as shown (its sections in order), one line per row, in the same French
/// CSV as the tables above.
pub fn write_today<'a, W: Write>(
    lines: impl IntoIterator<Item = TodayLine<'a>>,
    out: W,
) -> Result<usize, ExportError> {
    let mut w = excel_writer(out)?;
    w.write_record(TODAY_HEADER.iter().map(|c| guard(c).into_owned()))?;
    let mut n = 0;
    for l in lines {
        let alert = if l.alert { "oui" } else { "" };
        let cells = [l.section, l.when, l.who, l.what, alert];
        w.write_record(cells.iter().map(|c| guard(c).into_owned()))?;
        n += 1;
    }
    w.flush()?;
    Ok(n)
}

/// The caseload list as shown (its filters, search and sort), one row per line, in the
/// same French CSV as the tables above.
pub fn write_caseload<'a, W: Write>(
    rf: &Referential,
    rows: impl IntoIterator<Item = &'a crate::domain::CaseloadRow>,
    out: W,
) -> Result<usize, ExportError> {
    let mut w = excel_writer(out)?;
    w.write_record(CASELOAD_HEADER.iter().map(|c| guard(c).into_owned()))?;
    let mut n = 0;
    let datetime = |d: Option<chrono::NaiveDateTime>| {
        d.map(|d| d.format("%d/%m/%Y %H:%M").to_string())
            .unwrap_or_default()
    };
    for r in rows {
        let cells = [
            r.dossier.to_string(),
            r.nom.to_string(),
            r.prenom.to_string(),
            r.nom_usage.to_string(),
            date(r.birth_date),
            r.commune.to_string(),
            r.dispositif
                .as_deref()
                .map(|d| label_in(&rf.dispositifs, d).to_string())
                .unwrap_or_default(),
            r.referent.to_string(),
            date(r.date_orientation),
            date(r.date_premier_contact),
            datetime(r.last_honoured),
            datetime(r.next_appt),
            date(r.sortie_date),
            r.overdue.to_string(),
            r.to_set.to_string(),
        ];
        w.write_record(cells.iter().map(|c| guard(c).into_owned()))?;
        n += 1;
    }
    w.flush()?;
    Ok(n)
}
