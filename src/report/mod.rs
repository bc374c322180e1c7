//! The activity report (« rapport d'activité »): the tables a structure owes its financeurs,
//! computed as plain data from domain records (no SQL, no terminal). The store loads a
//! [`Cohort`] for a [`Period`] (`Store::report_cohort`); [`compute`] turns it into a
//! [`Report`] of generic tables; [`render`] writes them as text, CSV or HTML.
//!
//! What the base does not hold yet is announced as « non disponible » (see [`UNAVAILABLE`]).

pub mod render;

use crate::dates::{age_on, format_date};
use crate::domain::referential::{label_in, GROUP_EMPLOI, GROUP_SOCIAL};
use crate::domain::{codes, Code, Etape, Id, Referential, Saisine};
use chrono::{Datelike, Months, NaiveDate};
use std::collections::{BTreeSet, HashMap, HashSet};

/// First contact is due within this many days of the orientation (service rule).
pub const FIRST_CONTACT_DAYS: i64 = 15;
/// The first honoured interview is due within this many days of the orientation.
pub const FIRST_INTERVIEW_DAYS: i64 = 30;
/// Medium of collective sessions: not an individual interview.
pub(crate) const MEDIUM_COLLECTIVE: &str = "atelier";
/// Average month length in days (365.25 / 12), for durations in months.
const MONTH_DAYS: f64 = 30.4375;

/// Why a report cannot be made (French sentences: shown as they are).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReportError {
    #[error("date illisible pour {flag} : « {input} » (attendu JJ/MM/AAAA, ex. 31/12/2025)")]
    BadDate { flag: &'static str, input: String },
    #[error("année illisible : « {0} » (attendu AAAA, ex. 2025)")]
    BadYear(String),
    #[error("précisez la période complète : --du JJ/MM/AAAA et --au JJ/MM/AAAA ensemble")]
    HalfPeriod,
    #[error("--annee ne se combine pas avec --du / --au : choisissez l'un ou l'autre")]
    YearAndRange,
    #[error("la date de début (--du {du}) est après la date de fin (--au {au})")]
    StartAfterEnd { du: String, au: String },
    #[error("dispositif inconnu : « {code} » (dispositifs du référentiel : {known})")]
    UnknownDispositif { code: String, known: String },
    #[error("aucun suivi n'a pour référent·e « {id} » dans cette base (référent·es des suivis : {known})")]
    UnknownReferent { id: String, known: String },
}

/// What the report is about: an inclusive date range and optional filters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Period {
    pub du: NaiveDate,
    pub au: NaiveDate,
    pub dispositif: Option<Code>,
    pub referent: Option<String>,
}

impl Period {
    /// The last full calendar year before `today`, no filter.
    pub fn last_year(today: NaiveDate) -> Period {
        Self::year(today.year() - 1)
    }

    pub fn year(year: i32) -> Period {
        Period {
            du: NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or(NaiveDate::MIN),
            au: NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or(NaiveDate::MAX),
            dispositif: None,
            referent: None,
        }
    }

    /// From the command line's `--du`, `--au`, `--annee` (default: the last calendar year).
    pub fn from_args(
        du: Option<&str>,
        au: Option<&str>,
        annee: Option<&str>,
        today: NaiveDate,
    ) -> Result<Period, ReportError> {
        let date = |flag: &'static str, s: &str| {
            let t = s.trim();
            NaiveDate::parse_from_str(t, "%d/%m/%Y")
                .ok()
                .filter(|d| (1900..=9999).contains(&d.year()) && t.len() == 10)
                .ok_or_else(|| ReportError::BadDate {
                    flag,
                    input: s.to_string(),
                })
        };
        match (du, au, annee) {
            (None, None, None) => Ok(Period::last_year(today)),
            (None, None, Some(y)) => {
                let t = y.trim();
                match t.parse::<i32>() {
                    Ok(n) if t.len() == 4 && (1900..=9999).contains(&n) => Ok(Period::year(n)),
                    _ => Err(ReportError::BadYear(y.to_string())),
                }
            }
            (_, _, Some(_)) => Err(ReportError::YearAndRange),
            (Some(a), Some(b), None) => {
                let (d, e) = (date("--du", a)?, date("--au", b)?);
                if d > e {
                    return Err(ReportError::StartAfterEnd {
                        du: format_date(d),
                        au: format_date(e),
                    });
                }
                Ok(Period {
                    du: d,
                    au: e,
                    dispositif: None,
                    referent: None,
                })
            }
            _ => Err(ReportError::HalfPeriod),
        }
    }

    /// The same period one year earlier (the N-1 column).
    pub fn previous(&self) -> (NaiveDate, NaiveDate) {
        let back = |d: NaiveDate| d.checked_sub_months(Months::new(12)).unwrap_or(d);
        (back(self.du), back(self.au))
    }

    /// Earliest date whose records the report needs (the start of N-1).
    pub fn load_from(&self) -> NaiveDate {
        self.previous().0
    }

    /// Latest appointment date the report needs: a first interview of an orientation made
    /// at the end of the period may be held up to 30 days after it.
    pub fn appointments_until(&self) -> NaiveDate {
        self.au
            .checked_add_days(chrono::Days::new(FIRST_INTERVIEW_DAYS as u64))
            .unwrap_or(self.au)
    }

    fn matches(&self, s: &ReportSuivi) -> bool {
        self.dispositif.as_ref().is_none_or(|d| &s.dispositif == d)
            && self.referent.as_ref().is_none_or(|r| &s.referent == r)
    }
}

/// Checks the filters against the referential and the référent·es found in the base.
pub fn check_filters(
    period: &Period,
    rf: &Referential,
    referents: &[String],
) -> Result<(), ReportError> {
    if let Some(code) = &period.dispositif {
        if !rf.dispositifs.iter().any(|d| &d.code == code) {
            let known: Vec<&str> = rf.dispositifs.iter().map(|d| d.code.as_str()).collect();
            return Err(ReportError::UnknownDispositif {
                code: code.clone(),
                known: known.join(", "),
            });
        }
    }
    if let Some(id) = &period.referent {
        if !referents.iter().any(|r| r == id) {
            let known: Vec<&str> = referents
                .iter()
                .filter(|r| !r.is_empty())
                .map(String::as_str)
                .collect();
            return Err(ReportError::UnknownReferent {
                id: id.clone(),
                known: if known.is_empty() {
                    "aucun".into()
                } else {
                    known.join(", ")
                },
            });
        }
    }
    Ok(())
}

/// What the store loads for a report (see `Store::report_cohort`): only what it needs,
/// in compact rows (a year at 100 000 people is about a million appointments).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Cohort {
    /// People with a suivi in the loaded range (id, dossier, birth date, sex, RSA right).
    pub persons: Vec<ReportPerson>,
    /// Suivis open at some point between [`Period::load_from`] and the end of the period
    /// (the columns the report reads; contract fields left empty).
    pub suivis: Vec<ReportSuivi>,
    /// The latest diagnostic of each person dated up to the end (niveau, inactivité).
    pub diagnostics: Vec<ReportDiagnostic>,
    /// The status, medium and démarche theme codes the rows below name by index.
    pub codes: Codes,
    /// Appointments from the start of the period to [`Period::appointments_until`], in
    /// date order.
    pub appointments: Vec<ReportAppointment>,
    /// The démarches of the appointments dated in the period, counted by person and theme
    /// (table 6).
    pub demarches: Vec<DemarcheCount>,
    /// Étapes de parcours begun in the period (table 7).
    pub etapes: Vec<Etape>,
    /// Saisines dated in the period, each with its person's first honoured individual
    /// interview, if any (table 8).
    pub saisines: Vec<(Saisine, Option<NaiveDate>)>,
    /// Collective sessions dated in the period, with their participants.
    pub sessions: Vec<crate::domain::Session>,
}

/// A person as the report reads them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReportPerson {
    pub id: Id,
    pub dossier: String,
    pub birth_date: Option<NaiveDate>,
    pub sexe: Code,
    /// The RSA right: its status code and since when.
    pub rsa_statut: Code,
    pub rsa_depuis: Option<NaiveDate>,
}

/// A suivi as the report reads it (dates, dispositif, référent·e, exit).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReportSuivi {
    pub id: Id,
    pub person_id: Id,
    pub dispositif: Code,
    pub referent: String,
    pub date_orientation: Option<NaiveDate>,
    pub date_premier_contact: Option<NaiveDate>,
    pub date_entree: Option<NaiveDate>,
    pub sortie_date: Option<NaiveDate>,
    pub sortie_categorie: Option<Code>,
}

/// A person's latest diagnostic as the report reads it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReportDiagnostic {
    pub person_id: Id,
    pub date: Option<NaiveDate>,
    pub niveau: Code,
    pub inactivite_mois: Option<u32>,
}

/// Codes named by index in a [`Cohort`]'s rows: each distinct code is held once.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Codes {
    list: Vec<Code>,
    index: HashMap<Code, u32>,
}

impl Codes {
    /// The index of `code`, added if new.
    pub fn intern(&mut self, code: &str) -> u32 {
        if let Some(i) = self.find(code) {
            return i;
        }
        let i = self.list.len() as u32;
        self.list.push(code.to_string());
        self.index.insert(code.to_string(), i);
        i
    }

    /// The index of `code`, if some row names it.
    pub fn find(&self, code: &str) -> Option<u32> {
        self.find_bytes(code.as_bytes())
    }

    /// The index of the code spelt `bytes`: a look along the list while it is short (a
    /// handful of statuses, media and themes: faster than hashing each of a million rows).
    pub fn find_bytes(&self, bytes: &[u8]) -> Option<u32> {
        if self.list.len() <= 32 {
            return self
                .list
                .iter()
                .position(|c| c.as_bytes() == bytes)
                .map(|i| i as u32);
        }
        std::str::from_utf8(bytes)
            .ok()
            .and_then(|s| self.index.get(s))
            .copied()
    }

    /// The code of index `i` ("" if unknown).
    pub fn code(&self, i: u32) -> &str {
        self.list.get(i as usize).map(String::as_str).unwrap_or("")
    }

    pub fn len(&self) -> usize {
        self.list.len()
    }

    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }
}

/// One appointment, as the report needs it: whose, which day, status and medium (indices
/// into [`Cohort::codes`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReportAppointment {
    pub person_id: Id,
    pub day: NaiveDate,
    pub status: u32,
    pub medium: u32,
}

/// The démarches of one person's appointments of the period under one theme (an index
/// into [`Cohort::codes`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DemarcheCount {
    pub person_id: Id,
    pub theme: u32,
    pub n: u64,
}

/// A hasher for integer keys (ids, person-months): the report hashes millions of them, and
/// they are not chosen by an attacker, so SipHash's protection buys nothing here.
#[derive(Default, Clone, Copy)]
pub struct IdHasher(u64);

impl std::hash::Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.write_u64(*b as u64);
        }
    }

    fn write_u64(&mut self, n: u64) {
        // Fx-style mix, then a fold of the high bits (hashbrown uses the top 7 bits).
        let h = (self.0.rotate_left(5) ^ n).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
        self.0 = h ^ (h >> 29);
    }

    fn write_i64(&mut self, n: i64) {
        self.write_u64(n as u64);
    }

    fn write_u32(&mut self, n: u32) {
        self.write_u64(n as u64);
    }

    fn write_i32(&mut self, n: i32) {
        self.write_u64(n as u64);
    }

    fn write_usize(&mut self, n: usize) {
        self.write_u64(n as u64);
    }
}

/// A map keyed by integers, hashed with [`IdHasher`].
pub type IdMap<K, V> = HashMap<K, V, std::hash::BuildHasherDefault<IdHasher>>;
/// A set of integers, hashed with [`IdHasher`].
pub type IdSet<K> = HashSet<K, std::hash::BuildHasherDefault<IdHasher>>;

/// One figure of a table.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Count(u64),
    /// `n` out of `of`: « 22 soit 40,74 % », « — » for the share when `of` is 0.
    Share {
        n: u64,
        of: u64,
    },
    /// A mean duration in months (one decimal), `None` when nothing to average.
    Months(Option<f64>),
    Blank,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowKind {
    Normal,
    /// A group sub-total (e.g. « Emploi durable »).
    Subtotal,
    /// A key total (sorties dynamiques, total).
    Total,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub label: String,
    pub kind: RowKind,
    pub cells: Vec<Cell>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    pub title: String,
    /// Headers of the value columns (the label column has none).
    pub columns: Vec<String>,
    pub rows: Vec<Row>,
}

impl Table {
    fn new(title: &str, columns: &[&str]) -> Table {
        Table {
            title: title.to_string(),
            columns: columns.iter().map(|c| c.to_string()).collect(),
            rows: Vec::new(),
        }
    }

    fn push(&mut self, label: impl Into<String>, kind: RowKind, cells: Vec<Cell>) {
        self.rows.push(Row {
            label: label.into(),
            kind,
            cells,
        });
    }

    /// The row labelled `label` (tests, screens).
    pub fn row(&self, label: &str) -> Option<&Row> {
        self.rows.iter().find(|r| r.label == label)
    }
}

/// The report: header facts, tables in the order, notes and definitions.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    pub period: Period,
    /// Label of the dispositif filter (« tous » when none).
    pub dispositif_label: String,
    pub referent_label: String,
    /// Nothing at all in the period (no person, no exit, no appointment).
    pub empty: bool,
    pub tables: Vec<Table>,
    /// Parts of the report this version cannot compute yet.
    pub unavailable: String,
    /// Records to check: counted, but incomplete or with an unknown code.
    pub to_check: Vec<String>,
    /// How each figure is counted: (figure, definition).
    pub definitions: Vec<(String, String)>,
    /// The structure's name (`structure.toml`), empty when unknown: see [`Report::with_structure`].
    pub structure: String,
    /// Occupation of the convention at the end of the period, per dispositif with a capacity.
    pub occupation: Vec<Occupation>,
    /// Honoured appointments of table 3 per month of the period (each month's first day
    /// and its count, months without any at 0): the screen's sparkline (not printed).
    pub honoured_per_month: Vec<(NaiveDate, u64)>,
}

/// People followed in a dispositif at the end of the period, against the convention's
/// capacity (« 131 / 140 »).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Occupation {
    pub dispositif: Code,
    pub label: String,
    pub followed: u64,
    pub capacity: u32,
}

impl Occupation {
    /// « RSA : 131 / 140 mesures (93,57 %) ».
    pub fn text(&self) -> String {
        let pct = percent(self.followed, self.capacity as u64)
            .map(|p| format!(" ({p} %)"))
            .unwrap_or_default();
        format!(
            "{} : {} / {} mesures{pct}",
            self.label, self.followed, self.capacity
        )
    }
}

impl Report {
    /// The report with the structure's name and the occupation of its convention: for each
    /// dispositif with a capacity (only the filtered one when there is a filter), the
    /// distinct people entered and not left on the last day, whoever their référent·e
    /// (the capacity is the structure's).
    pub fn with_structure(
        mut self,
        cohort: &Cohort,
        st: &crate::structure::Structure,
        rf: &Referential,
    ) -> Report {
        self.structure = st.nom.clone();
        let au = self.period.au;
        self.occupation = st
            .capacites
            .iter()
            .filter(|(code, _)| self.period.dispositif.as_ref().is_none_or(|d| d == *code))
            .filter(|(code, _)| rf.dispositifs.iter().any(|d| &d.code == *code))
            .map(|(code, cap)| {
                let people: HashSet<Id> = cohort
                    .suivis
                    .iter()
                    .filter(|s| &s.dispositif == code && followed_at(s, au))
                    .map(|s| s.person_id)
                    .collect();
                Occupation {
                    dispositif: code.clone(),
                    label: crate::domain::referential::label_in(&rf.dispositifs, code).to_string(),
                    followed: people.len() as u64,
                    capacity: *cap,
                }
            })
            .collect();
        if !self.occupation.is_empty() {
            self.definitions.push((
                "Occupation de la convention".into(),
                "personnes entrées et pas encore sorties du dispositif le dernier jour de la période, tous référent·es confondus, rapportées au nombre de mesures de la convention (structure.toml).".into(),
            ));
        }
        self
    }
}

/// Bénéficiaire du RSA during [.., `au`]: the RSA right recorded in the file is « ouvert » or
/// « suspendu » (a suspended right is still a right), opened by the last day of the period
/// or at an unknown date. The file holds the right's current status, not its history.
pub fn rsa_beneficiary(p: &ReportPerson, au: NaiveDate) -> bool {
    matches!(
        p.rsa_statut.as_str(),
        codes::BENEFIT_OPEN | codes::BENEFIT_SUSPENDED
    ) && p.rsa_depuis.is_none_or(|d| d <= au)
}
/// What the report cannot give yet (printed before « À vérifier » when not empty): nothing
/// since every table of the issue is delivered.
pub const UNAVAILABLE: &str = "";

/// Exit typology groups in report order, with their labels.
const EXIT_GROUPS: &[(&str, &str)] = &[
    ("emploi_durable", "Emploi durable"),
    ("emploi_transition", "Emploi de transition"),
    ("sortie_positive", "Sorties positives"),
    ("reorientation", "Réorientations"),
    ("autre", "Autres sorties"),
];

fn in_range(d: Option<NaiveDate>, from: NaiveDate, to: NaiveDate) -> bool {
    d.is_some_and(|d| from <= d && d <= to)
}

/// When a suivi starts for the report: its entry, else its orientation, else (no date at
/// all) its exit, so that an undated suivi counts in the period of its exit only.
fn start_of(s: &ReportSuivi) -> Option<NaiveDate> {
    s.date_entree.or(s.date_orientation).or(s.sortie_date)
}

/// Open at some point of [from, to]: started by `to` (or start unknown), not left before `from`.
fn overlaps(s: &ReportSuivi, from: NaiveDate, to: NaiveDate) -> bool {
    start_of(s).is_none_or(|d| d <= to) && s.sortie_date.is_none_or(|d| d >= from)
}

/// Entered by `on` and not left by then.
fn followed_at(s: &ReportSuivi, on: NaiveDate) -> bool {
    s.date_entree.is_some_and(|e| e <= on) && s.sortie_date.is_none_or(|x| x > on)
}

/// Oriented (or without dates), not entered and not left by `on`.
fn integrating_at(s: &ReportSuivi, on: NaiveDate) -> bool {
    s.date_entree.is_none_or(|e| e > on)
        && s.sortie_date.is_none_or(|x| x > on)
        && s.date_orientation.is_none_or(|o| o <= on)
}

fn months_between(a: NaiveDate, b: NaiveDate) -> f64 {
    (b - a).num_days() as f64 / MONTH_DAYS
}

fn mean(v: &[f64]) -> Option<f64> {
    (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64)
}

fn share(n: usize, of: usize) -> Cell {
    Cell::Share {
        n: n as u64,
        of: of as u64,
    }
}

/// What every table of one report looks at: the period's bounds, the records by person and
/// the suivis open during the period (`current`) with their distinct people.
struct Scope<'a> {
    du: NaiveDate,
    au: NaiveDate,
    persons: IdMap<Id, &'a ReportPerson>,
    current: Vec<&'a ReportSuivi>,
    people: IdSet<Id>,
    /// Each person counted with their record and latest diagnostic (one look-up each).
    facts: Vec<(Id, Option<&'a ReportPerson>, Option<&'a ReportDiagnostic>)>,
    total: usize,
}

impl Scope<'_> {
    /// The person `id` counts as bénéficiaire du RSA in the period ([`rsa_beneficiary`]).
    fn is_rsa(&self, id: Id) -> bool {
        self.persons
            .get(&id)
            .is_some_and(|p| rsa_beneficiary(p, self.au))
    }
}

/// The report of `cohort` for `period`.
pub fn compute(cohort: &Cohort, period: &Period, rf: &Referential) -> Report {
    let (du, au) = (period.du, period.au);
    let suivis: Vec<&ReportSuivi> = cohort.suivis.iter().filter(|s| period.matches(s)).collect();
    let current: Vec<&ReportSuivi> = suivis
        .iter()
        .copied()
        .filter(|s| overlaps(s, du, au))
        .collect();
    let people: IdSet<Id> = current.iter().map(|s| s.person_id).collect();
    let persons: IdMap<Id, &ReportPerson> = cohort.persons.iter().map(|p| (p.id, p)).collect();
    let diagnostics: IdMap<Id, &ReportDiagnostic> = cohort
        .diagnostics
        .iter()
        .map(|d| (d.person_id, d))
        .collect();
    let facts = people
        .iter()
        .map(|id| (*id, persons.get(id).copied(), diagnostics.get(id).copied()))
        .collect();
    let scope = Scope {
        du,
        au,
        persons,
        current,
        total: people.len(),
        people,
        facts,
    };

    let mut tables = vec![people_table(&scope)];
    tables.extend(profile_tables(&scope));

    // 2. Sorties, period and N-1.
    let (n1_du, n1_au) = period.previous();
    let exits_now = exits_between(&suivis, du, au);
    let exits_before = exits_between(&suivis, n1_du, n1_au);
    let n1_header = format!("N-1 ({} – {})", format_date(n1_du), format_date(n1_au));
    let rsa = |id: Id| scope.is_rsa(id);
    tables.push(exits_table(rf, &exits_now, &exits_before, &n1_header, &rsa));

    // 3. Rendez-vous of the people counted, dated in the period.
    let appts: Vec<&ReportAppointment> = cohort
        .appointments
        .iter()
        .filter(|a| du <= a.day && a.day <= au && scope.people.contains(&a.person_id))
        .collect();
    tables.extend(appointment_tables(rf, &cohort.codes, &appts));
    let honoured_per_month = honoured_per_month(&cohort.codes, &appts, du, au);
    let filtered = period.dispositif.is_some() || period.referent.is_some();
    tables.push(sessions_table(&scope, &cohort.sessions, filtered));

    tables.push(delays_table(
        &scope,
        &honoured_days(&cohort.codes, &cohort.appointments),
    ));
    tables.push(durations_table(&scope, &exits_now));
    tables.push(demarches_table(
        rf,
        &scope,
        &cohort.codes,
        &cohort.demarches,
    ));
    tables.push(etapes_table(rf, &scope, &cohort.etapes));
    let suivi_ids: HashSet<Id> = suivis.iter().map(|s| s.id).collect();
    tables.push(saisines_table(rf, &scope, &suivi_ids, &cohort.saisines));

    let to_check = to_check(rf, &scope.persons, &exits_now);
    let empty = scope.total == 0 && exits_now.is_empty() && appts.is_empty();
    Report {
        period: period.clone(),
        dispositif_label: dispositif_label(rf, period),
        referent_label: period.referent.clone().unwrap_or_else(|| "tou·tes".into()),
        empty,
        tables,
        unavailable: UNAVAILABLE.to_string(),
        to_check,
        definitions: definitions(),
        structure: String::new(),
        occupation: Vec::new(),
        honoured_per_month,
    }
}

/// Honoured appointments among `appts` (dated in [du, au]) per month of [du, au].
fn honoured_per_month(
    codes: &Codes,
    appts: &[&ReportAppointment],
    du: NaiveDate,
    au: NaiveDate,
) -> Vec<(NaiveDate, u64)> {
    let first = month_number(du);
    let mut counts = vec![0u64; (month_number(au) - first + 1).max(0) as usize];
    if let Some(honoured) = codes.find(codes::APPT_HONOURED) {
        for a in appts.iter().filter(|a| a.status == honoured) {
            if let Some(n) = counts.get_mut((month_number(a.day) - first) as usize) {
                *n += 1;
            }
        }
    }
    counts
        .into_iter()
        .enumerate()
        .filter_map(|(i, n)| {
            let m = first + i as i64;
            NaiveDate::from_ymd_opt((m / 12) as i32, (m % 12) as u32 + 1, 1).map(|d| (d, n))
        })
        .collect()
}

/// Suivis left between `from` and `to` (inclusive).
fn exits_between<'a>(
    suivis: &[&'a ReportSuivi],
    from: NaiveDate,
    to: NaiveDate,
) -> Vec<&'a ReportSuivi> {
    suivis
        .iter()
        .copied()
        .filter(|s| in_range(s.sortie_date, from, to))
        .collect()
}

/// Table 1: people supported, by sex, entries, still followed and still integrating.
fn people_table(sc: &Scope) -> Table {
    let (du, au, total) = (sc.du, sc.au, sc.total);
    let by_person = |pred: &dyn Fn(&ReportSuivi) -> bool| -> IdSet<Id> {
        sc.current
            .iter()
            .filter(|s| pred(s))
            .map(|s| s.person_id)
            .collect()
    };
    let followed = by_person(&|s| followed_at(s, au));
    let integrating = by_person(&|s| integrating_at(s, au))
        .difference(&followed)
        .count();
    let entries = sc
        .current
        .iter()
        .filter(|s| in_range(s.date_entree, du, au))
        .count();
    let (mut women, mut men, mut other, mut rsa) = (0, 0, 0, 0);
    for (_, p, _) in &sc.facts {
        match p.map(|p| p.sexe.as_str()) {
            Some("F") => women += 1,
            Some("H") => men += 1,
            Some("A") => other += 1,
            _ => {}
        }
        if p.is_some_and(|p| rsa_beneficiary(p, au)) {
            rsa += 1;
        }
    }
    let mut t = Table::new("1. Personnes accompagnées", &["Personnes"]);
    t.push(
        "Personnes accompagnées",
        RowKind::Total,
        vec![Cell::Count(total as u64)],
    );
    t.push("Femmes", RowKind::Normal, vec![share(women, total)]);
    t.push("Hommes", RowKind::Normal, vec![share(men, total)]);
    t.push("Autre", RowKind::Normal, vec![share(other, total)]);
    t.push(
        "Sexe non renseigné",
        RowKind::Normal,
        vec![share(total - women - men - other, total)],
    );
    t.push(
        "Bénéficiaires du RSA",
        RowKind::Normal,
        vec![share(rsa, total)],
    );
    t.push(
        "Entrées dans la période",
        RowKind::Normal,
        vec![Cell::Count(entries as u64)],
    );
    t.push(
        format!("Toujours suivies au {}", format_date(au)),
        RowKind::Normal,
        vec![share(followed.len(), total)],
    );
    t.push(
        "Mesures en cours d'intégration",
        RowKind::Normal,
        vec![share(integrating, total)],
    );
    t
}

/// Bands of people (by their record and latest diagnostic), each with its share of the total.
fn banded(
    sc: &Scope,
    title: String,
    bands: &[&str],
    band_of: &dyn Fn(Option<&ReportPerson>, Option<&ReportDiagnostic>) -> usize,
) -> Table {
    let mut counts = vec![0usize; bands.len()];
    for (_, p, d) in &sc.facts {
        counts[band_of(*p, *d)] += 1;
    }
    let mut t = Table::new(&title, &["Personnes"]);
    for (label, n) in bands.iter().zip(counts) {
        t.push(*label, RowKind::Normal, vec![share(n, sc.total)]);
    }
    t
}

/// Tables 1b–1d: people by age, level of education and length of inactivity.
fn profile_tables(sc: &Scope) -> [Table; 3] {
    let au = sc.au;
    let age = banded(
        sc,
        format!("1b. Âge au {}", format_date(au)),
        &[
            "Moins de 26 ans",
            "26 à 44 ans",
            "45 à 54 ans",
            "55 ans et plus",
            "Non renseigné",
        ],
        &|p, _| match p.and_then(|p| p.birth_date) {
            None => 4,
            Some(b) => match age_on(b, au) {
                0..=25 => 0,
                26..=44 => 1,
                45..=54 => 2,
                _ => 3,
            },
        },
    );
    let level = banded(
        sc,
        "1c. Niveau de formation (dernier diagnostic)".into(),
        &[
            "Infra CAP (AFS à C12)",
            "CAP / BEP (NV5)",
            "Bac (NV4)",
            "Supérieur (NV3 à NV1)",
            "Non renseigné",
        ],
        &|_, d| match d.map(|d| d.niveau.as_str()) {
            Some("AFS" | "CP4" | "CFG" | "C3A" | "C12") => 0,
            Some("NV5") => 1,
            Some("NV4") => 2,
            Some("NV3" | "NV2" | "NV1") => 3,
            _ => 4,
        },
    );
    let inactivity = banded(
        sc,
        "1d. Durée d'inactivité (dernier diagnostic)".into(),
        &[
            "Moins de 6 mois",
            "6 à 11 mois",
            "12 à 23 mois",
            "24 mois et plus",
            "Non renseignée",
        ],
        &|_, d| match d.and_then(|d| d.inactivite_mois) {
            None => 4,
            Some(0..=5) => 0,
            Some(6..=11) => 1,
            Some(12..=23) => 2,
            Some(_) => 3,
        },
    );
    [age, level, inactivity]
}

/// Tables 3 and 3b: appointments by status, then by medium.
fn appointment_tables(rf: &Referential, codes: &Codes, appts: &[&ReportAppointment]) -> [Table; 2] {
    // One pass: counts by status, and by medium of the honoured / excused / absent ones.
    let mut by_status = vec![0usize; codes.len()];
    let mut by_medium = vec![[0usize; 3]; codes.len()];
    let mut is_seen = vec![false; codes.len()];
    let mut media_seen: Vec<u32> = Vec::new();
    let offered_kinds = [
        codes.find(codes::APPT_HONOURED),
        codes.find(codes::APPT_EXCUSED),
        codes.find(codes::APPT_ABSENT),
    ];
    for a in appts {
        by_status[a.status as usize] += 1;
        if !is_seen[a.medium as usize] {
            is_seen[a.medium as usize] = true;
            media_seen.push(a.medium);
        }
        if let Some(k) = offered_kinds.iter().position(|c| *c == Some(a.status)) {
            by_medium[a.medium as usize][k] += 1;
        }
    }
    let status_count = |st: &str| codes.find(st).map_or(0, |i| by_status[i as usize]);
    let honoured = status_count(codes::APPT_HONOURED);
    let excused = status_count(codes::APPT_EXCUSED);
    let absent = status_count(codes::APPT_ABSENT);
    let cancelled = status_count(codes::APPT_CANCELLED);
    let offered = honoured + excused + absent;
    let pending = appts.len() - offered - cancelled;
    let mut t = Table::new("3. Rendez-vous", &["Rendez-vous"]);
    t.push(
        "Proposés (honorés + excusés + absents)",
        RowKind::Total,
        vec![Cell::Count(offered as u64)],
    );
    t.push(
        "Réalisés (honorés) : taux de présence",
        RowKind::Normal,
        vec![share(honoured, offered)],
    );
    t.push("Excusés", RowKind::Normal, vec![share(excused, offered)]);
    t.push(
        "Absents non excusés",
        RowKind::Normal,
        vec![share(absent, offered)],
    );
    t.push(
        "Taux d'absence (excusés + absents)",
        RowKind::Subtotal,
        vec![share(excused + absent, offered)],
    );
    t.push(
        "Annulés par la structure (à part)",
        RowKind::Normal,
        vec![Cell::Count(cancelled as u64)],
    );
    t.push(
        "À venir ou statut à préciser (à part)",
        RowKind::Normal,
        vec![Cell::Count(pending as u64)],
    );
    let media: Vec<(&str, [usize; 3])> = media_seen
        .iter()
        .map(|m| (codes.code(*m), by_medium[*m as usize]))
        .collect();
    [t, media_table(rf, &media, offered)]
}

/// Table 3c: collective sessions, apart from individual interviews. Sessions of the
/// period with a participant among the people counted (any session when no filter is
/// set); enrolments and attendance of those people only.
fn sessions_table(sc: &Scope, sessions: &[crate::domain::Session], filtered: bool) -> Table {
    let mut held = 0;
    let mut scheduled = 0;
    let mut statuses: Vec<&str> = Vec::new();
    let mut present: HashSet<Id> = HashSet::new();
    for s in sessions {
        if !in_range(s.start.map(|t| t.date()), sc.du, sc.au) {
            continue;
        }
        let ours: Vec<_> = s
            .participants
            .iter()
            .filter(|p| sc.people.contains(&p.person_id))
            .collect();
        if ours.is_empty() && (filtered || !s.participants.is_empty()) {
            continue;
        }
        scheduled += 1;
        if ours.iter().any(|p| p.status == codes::APPT_HONOURED) {
            held += 1;
        }
        for p in &ours {
            statuses.push(p.status.as_str());
            if p.status == codes::APPT_HONOURED {
                present.insert(p.person_id);
            }
        }
    }
    let n = |st: &str| statuses.iter().filter(|s| **s == st).count();
    let (h, e, a) = (
        n(codes::APPT_HONOURED),
        n(codes::APPT_EXCUSED),
        n(codes::APPT_ABSENT),
    );
    let offered = h + e + a;
    let mut t = Table::new(
        "3c. Actions collectives (à part des entretiens individuels)",
        &["Nombre"],
    );
    let c = |v: usize| vec![Cell::Count(v as u64)];
    t.push("Séances de la période", RowKind::Normal, c(scheduled));
    t.push(
        "Séances tenues (au moins une personne présente)",
        RowKind::Total,
        c(held),
    );
    t.push("Inscriptions", RowKind::Total, c(statuses.len()));
    t.push(
        "Présents (honorés) : taux de présence",
        RowKind::Normal,
        vec![share(h, offered)],
    );
    t.push("Excusés", RowKind::Normal, vec![share(e, offered)]);
    t.push(
        "Absents non excusés",
        RowKind::Normal,
        vec![share(a, offered)],
    );
    t.push(
        "À venir ou statut à préciser (à part)",
        RowKind::Normal,
        c(statuses.len() - offered),
    );
    t.push(
        "Personnes présentes au moins une fois",
        RowKind::Normal,
        c(present.len()),
    );
    t
}

/// Table 3b: offered appointments by medium (share of all `offered`) and their honoured
/// share; `seen` holds each medium of the appointments, in order of first appearance, with
/// its honoured, excused and absent counts.
fn media_table(rf: &Referential, seen: &[(&str, [usize; 3])], offered: usize) -> Table {
    let mut t = Table::new("3b. Rendez-vous par modalité", &["Proposés", "Réalisés"]);
    let mut media: Vec<(String, String)> = rf
        .appointment_media
        .iter()
        .map(|m| (m.code.clone(), m.label.clone()))
        .collect();
    for (code, _) in seen {
        if !media.iter().any(|(c, _)| c == code) {
            media.push((code.to_string(), code.to_string()));
        }
    }
    for (code, label) in media {
        let [h, e, a] = seen
            .iter()
            .find(|(c, _)| *c == code)
            .map_or([0; 3], |(_, n)| *n);
        let o = h + e + a;
        t.push(label, RowKind::Normal, vec![share(o, offered), share(h, o)]);
    }
    t
}

/// Days of honoured individual interviews (collective sessions excluded), sorted by person
/// and day.
fn honoured_days(codes: &Codes, appointments: &[ReportAppointment]) -> Vec<(Id, NaiveDate)> {
    let Some(honoured) = codes.find(codes::APPT_HONOURED) else {
        return Vec::new();
    };
    let collective = codes.find(MEDIUM_COLLECTIVE);
    let mut days: Vec<(Id, NaiveDate)> = appointments
        .iter()
        .filter(|a| a.status == honoured && Some(a.medium) != collective)
        .map(|a| (a.person_id, a.day))
        .collect();
    days.sort_unstable();
    days
}

/// The days of `person` in `days` (sorted by person).
fn days_of(days: &[(Id, NaiveDate)], person: Id) -> &[(Id, NaiveDate)] {
    let from = days.partition_point(|(p, _)| *p < person);
    let to = from + days[from..].partition_point(|(p, _)| *p == person);
    &days[from..to]
}

/// A month as a number (months since year 0), to count person-months.
fn month_number(d: NaiveDate) -> i64 {
    d.year() as i64 * 12 + d.month0() as i64
}

/// Person-months of support in the period (entered, not yet left), and those with an
/// honoured interview: per person, the union of the month ranges of their suivis, and the
/// distinct months of their honoured days in the period that fall in it.
fn support_months(sc: &Scope, honoured_days: &[(Id, NaiveDate)]) -> (usize, usize) {
    let mut ranges: Vec<(Id, i64, i64)> = sc
        .current
        .iter()
        .filter_map(|s| {
            let entry = s.date_entree?;
            let from = entry.max(sc.du);
            let to = s.sortie_date.unwrap_or(sc.au).min(sc.au);
            let (a, b) = (month_number(from), month_number(to));
            (a <= b).then_some((s.person_id, a, b))
        })
        .collect();
    ranges.sort_unstable();
    let (mut months, mut seen) = (0, 0);
    let mut i = 0;
    while i < ranges.len() {
        let person = ranges[i].0;
        let mut j = i;
        while j < ranges.len() && ranges[j].0 == person {
            j += 1;
        }
        // The person's ranges, sorted by start, merged.
        let mut merged: Vec<(i64, i64)> = Vec::new();
        for &(_, a, b) in &ranges[i..j] {
            match merged.last_mut() {
                Some(last) if a <= last.1 + 1 => last.1 = last.1.max(b),
                _ => merged.push((a, b)),
            }
        }
        months += merged
            .iter()
            .map(|(a, b)| (b - a + 1) as usize)
            .sum::<usize>();
        let mut last_month = None;
        for (_, d) in days_of(honoured_days, person) {
            if *d < sc.du || *d > sc.au {
                continue;
            }
            let m = month_number(*d);
            if last_month == Some(m) {
                continue;
            }
            last_month = Some(m);
            if merged.iter().any(|(a, b)| *a <= m && m <= *b) {
                seen += 1;
            }
        }
        i = j;
    }
    (months, seen)
}

/// Table 4: délais (service rules) and person-months with an honoured interview.
fn delays_table(sc: &Scope, honoured_days: &[(Id, NaiveDate)]) -> Table {
    let (du, au) = (sc.du, sc.au);
    let oriented: Vec<&ReportSuivi> = sc
        .current
        .iter()
        .copied()
        .filter(|s| in_range(s.date_orientation, du, au))
        .collect();
    let mut contact_ok = 0;
    let mut interview_ok = 0;
    for s in &oriented {
        let o = s.date_orientation.unwrap_or(du);
        if s.date_premier_contact
            .is_some_and(|c| (0..=FIRST_CONTACT_DAYS).contains(&(c - o).num_days()))
        {
            contact_ok += 1;
        }
        if days_of(honoured_days, s.person_id)
            .iter()
            .any(|(_, d)| (0..=FIRST_INTERVIEW_DAYS).contains(&(*d - o).num_days()))
        {
            interview_ok += 1;
        }
    }
    let (months, months_seen) = support_months(sc, honoured_days);
    let mut t = Table::new("4. Délais et suivi mensuel", &["Nombre"]);
    t.push(
        "Orientations de la période",
        RowKind::Total,
        vec![Cell::Count(oriented.len() as u64)],
    );
    t.push(
        "Premier contact sous 15 jours",
        RowKind::Normal,
        vec![share(contact_ok, oriented.len())],
    );
    t.push(
        "Premier entretien honoré sous 30 jours",
        RowKind::Normal,
        vec![share(interview_ok, oriented.len())],
    );
    t.push(
        "Mois de suivi (personne × mois)",
        RowKind::Total,
        vec![Cell::Count(months as u64)],
    );
    t.push(
        "Mois avec au moins un entretien honoré",
        RowKind::Normal,
        vec![share(months_seen, months)],
    );
    t
}

/// Table 5: mean length of support, for the period's exits and for those still followed.
fn durations_table(sc: &Scope, exits_now: &[&ReportSuivi]) -> Table {
    let au = sc.au;
    let exit_durations: Vec<f64> = exits_now
        .iter()
        .filter_map(|s| match (s.date_entree, s.sortie_date) {
            (Some(e), Some(x)) if e <= x => Some(months_between(e, x)),
            _ => None,
        })
        .collect();
    let ongoing: Vec<f64> = sc
        .current
        .iter()
        .filter(|s| followed_at(s, au))
        .filter_map(|s| s.date_entree.map(|e| months_between(e, au)))
        .collect();
    let mut t = Table::new(
        "5. Durée moyenne d'accompagnement",
        &["Personnes", "Durée moyenne (mois)"],
    );
    t.push(
        "Sorties de la période (entrée → sortie)",
        RowKind::Normal,
        vec![
            Cell::Count(exit_durations.len() as u64),
            Cell::Months(mean(&exit_durations)),
        ],
    );
    t.push(
        format!("Toujours suivies (entrée → {})", format_date(au)),
        RowKind::Normal,
        vec![
            Cell::Count(ongoing.len() as u64),
            Cell::Months(mean(&ongoing)),
        ],
    );
    t
}

/// « À vérifier »: exits counted, but incomplete or with a code the referential no longer has.
fn to_check(
    rf: &Referential,
    persons: &IdMap<Id, &ReportPerson>,
    exits_now: &[&ReportSuivi],
) -> Vec<String> {
    let dossier = |id: Id| {
        persons
            .get(&id)
            .map(|p| p.dossier.clone())
            .unwrap_or_else(|| format!("personne {id}"))
    };
    let mut to_check = Vec::new();
    for s in exits_now {
        let when = s.sortie_date.map(format_date).unwrap_or_default();
        if s.date_entree.is_none() {
            to_check.push(format!(
                "{} : sortie le {when} sans date d'entrée (comptée dans les sorties, pas dans la durée moyenne)",
                dossier(s.person_id)
            ));
        }
        match s.sortie_categorie.as_deref() {
            None | Some("") => to_check.push(format!(
                "{} : sortie le {when} sans type de sortie (comptée en « type inconnu »)",
                dossier(s.person_id)
            )),
            Some(c) if rf.exit_category(c).is_none() => to_check.push(format!(
                "{} : sortie le {when}, type « {c} » absent du référentiel (compté en « type inconnu »)",
                dossier(s.person_id)
            )),
            _ => {}
        }
    }
    to_check
}

/// The dispositif filter as shown in the report's header: « label (code) », or « tous ».
fn dispositif_label(rf: &Referential, period: &Period) -> String {
    let label_of = |code: &str| {
        rf.dispositifs
            .iter()
            .find(|d| d.code == code)
            .map(|d| format!("{} ({code})", d.label))
            .unwrap_or_else(|| code.to_string())
    };
    period
        .dispositif
        .as_deref()
        .map(label_of)
        .unwrap_or_else(|| "tous".into())
}

/// Table 2: exits by the referential's typology, with group sub-totals, the sous-total of
/// sorties dynamiques (categories flagged `dynamic`) and the total; the exits of
/// bénéficiaires du RSA (`rsa`, by person) beside the period's, N-1 after.
fn exits_table(
    rf: &Referential,
    now: &[&ReportSuivi],
    before: &[&ReportSuivi],
    n1: &str,
    rsa: &dyn Fn(Id) -> bool,
) -> Table {
    let mut t = Table::new("2. Sorties", &["Période", RSA_COLUMN, n1]);
    let count = |exits: &[&ReportSuivi], pred: &dyn Fn(Option<&str>) -> bool| {
        exits
            .iter()
            .filter(|s| pred(s.sortie_categorie.as_deref()))
            .count()
    };
    let now_rsa: Vec<&ReportSuivi> = now.iter().copied().filter(|s| rsa(s.person_id)).collect();
    let (tn, tb) = (now.len(), before.len());
    let cells = |pred: &dyn Fn(Option<&str>) -> bool| {
        vec![
            share(count(now, pred), tn),
            Cell::Count(count(&now_rsa, pred) as u64),
            share(count(before, pred), tb),
        ]
    };
    let in_group = |c: Option<&str>, g: &str| {
        c.and_then(|c| rf.exit_category(c))
            .is_some_and(|e| e.group == g)
    };
    let mut groups: Vec<(String, String)> = EXIT_GROUPS
        .iter()
        .map(|(c, l)| (c.to_string(), l.to_string()))
        .collect();
    for e in &rf.exit_categories {
        if !groups.iter().any(|(c, _)| c == &e.group) {
            groups.push((e.group.clone(), e.group.clone()));
        }
    }
    for (i, (group, label)) in groups.iter().enumerate() {
        for e in rf.exit_categories.iter().filter(|e| &e.group == group) {
            t.push(
                format!("  {}", e.label),
                RowKind::Normal,
                cells(&|c| c == Some(e.code.as_str())),
            );
        }
        t.push(
            label.clone(),
            RowKind::Subtotal,
            cells(&|c| in_group(c, group)),
        );
        if i == 2 {
            t.push(
                "Sous-total sorties dynamiques",
                RowKind::Total,
                cells(&|c| {
                    c.and_then(|c| rf.exit_category(c))
                        .is_some_and(|e| e.dynamic)
                }),
            );
        }
    }
    t.push(
        "Type inconnu ou absent (à vérifier)",
        RowKind::Normal,
        cells(&|c| c.and_then(|c| rf.exit_category(c)).is_none()),
    );
    t.push(
        "Total des sorties",
        RowKind::Total,
        vec![
            Cell::Count(tn as u64),
            Cell::Count(now_rsa.len() as u64),
            Cell::Count(tb as u64),
        ],
    );
    t
}

/// Header of table 2's RSA column.
pub const RSA_COLUMN: &str = "dont bénéficiaires du RSA";
/// Table 6: démarches of the period's appointments by theme, grouped social / emploi, each
/// with its share of all démarches.
fn demarches_table(
    rf: &Referential,
    sc: &Scope,
    codes: &Codes,
    demarches: &[DemarcheCount],
) -> Table {
    // The store gives the démarches of the period's appointments: only the people counted.
    let mut by_theme: IdMap<u32, usize> = IdMap::default();
    for d in demarches
        .iter()
        .filter(|d| sc.people.contains(&d.person_id))
    {
        *by_theme.entry(d.theme).or_default() += d.n as usize;
    }
    let total: usize = by_theme.values().sum();
    let tags = rf.demarche_tags();
    // Every theme of the referential, switched off or not: a démarche tagged before a theme
    // was switched off still counts under it.
    let mut rows: Vec<(String, String, String)> = rf
        .themes
        .iter()
        .map(|t| (t.code.clone(), t.label.clone(), GROUP_SOCIAL.to_string()))
        .collect();
    for c in &rf.demarche_categories {
        rows.push((c.code.clone(), c.label.clone(), c.group.clone()));
    }
    let count = |code: &str| {
        codes
            .find(code)
            .and_then(|i| by_theme.get(&i))
            .copied()
            .unwrap_or(0)
    };
    let known = |code: &str| rows.iter().any(|(c, _, _)| c == code);
    let mut t = Table::new("6. Démarches par thème", &["Démarches"]);
    for (group, label) in [(GROUP_SOCIAL, "Social"), (GROUP_EMPLOI, "Emploi")] {
        let mut in_group = 0;
        for (code, name, g) in rows.iter().filter(|(_, _, g)| g == group) {
            let n = count(code);
            in_group += n;
            // Themes switched off show only when they hold démarches.
            let active = tags.iter().any(|(c, _, _)| c == code) || g != GROUP_SOCIAL;
            if n > 0 || active {
                t.push(format!("  {name}"), RowKind::Normal, vec![share(n, total)]);
            }
        }
        t.push(label, RowKind::Subtotal, vec![share(in_group, total)]);
    }
    let other: usize = by_theme
        .iter()
        .filter(|(i, _)| !known(codes.code(**i)))
        .map(|(_, n)| n)
        .sum();
    t.push(
        "Thème inconnu du référentiel",
        RowKind::Normal,
        vec![share(other, total)],
    );
    t.push(
        "Total des démarches",
        RowKind::Total,
        vec![Cell::Count(total as u64)],
    );
    t
}

/// Table 7: étapes de parcours begun in the period, by type, with the people concerned.
fn etapes_table(rf: &Referential, sc: &Scope, etapes: &[Etape]) -> Table {
    let counted: Vec<&Etape> = etapes
        .iter()
        .filter(|e| sc.people.contains(&e.person_id) && in_range(e.debut, sc.du, sc.au))
        .collect();
    let total = counted.len();
    let mut t = Table::new("7. Étapes de parcours", &["Étapes"]);
    let mut kinds: Vec<(String, String)> = rf
        .etape_types
        .iter()
        .map(|k| (k.code.clone(), k.label.clone()))
        .collect();
    for e in &counted {
        if !kinds.iter().any(|(c, _)| c == &e.kind) {
            kinds.push((e.kind.clone(), e.kind.clone()));
        }
    }
    for (code, label) in kinds {
        let n = counted.iter().filter(|e| e.kind == code).count();
        t.push(label, RowKind::Normal, vec![share(n, total)]);
    }
    t.push(
        "Total des étapes",
        RowKind::Total,
        vec![Cell::Count(total as u64)],
    );
    let people: BTreeSet<Id> = counted.iter().map(|e| e.person_id).collect();
    t.push(
        "Personnes ayant au moins une étape",
        RowKind::Normal,
        vec![share(people.len(), sc.total)],
    );
    t
}

/// Table 8: saisines of the Département dated in the period (on the suivis of the report's
/// filters), by motif, and those made before the person's first honoured interview.
fn saisines_table(
    rf: &Referential,
    sc: &Scope,
    suivi_ids: &HashSet<Id>,
    saisines: &[(Saisine, Option<NaiveDate>)],
) -> Table {
    let counted: Vec<&(Saisine, Option<NaiveDate>)> = saisines
        .iter()
        .filter(|(s, _)| suivi_ids.contains(&s.suivi_id) && in_range(s.date, sc.du, sc.au))
        .collect();
    let total = counted.len();
    let before_first = counted
        .iter()
        .filter(|(s, first)| match (s.date, first) {
            (_, None) => true,
            (Some(d), Some(f)) => d < *f,
            (None, Some(_)) => false,
        })
        .count();
    let people: BTreeSet<Id> = counted.iter().map(|(s, _)| s.person_id).collect();
    let mut t = Table::new("8. Saisines du Département", &["Saisines"]);
    t.push(
        "Saisines de la période",
        RowKind::Total,
        vec![Cell::Count(total as u64)],
    );
    t.push(
        "Avant le premier entretien honoré",
        RowKind::Normal,
        vec![share(before_first, total)],
    );
    let mut motifs: Vec<(String, String)> = rf
        .saisine_motifs
        .iter()
        .map(|m| (m.code.clone(), m.label.clone()))
        .collect();
    for (s, _) in &counted {
        if !motifs.iter().any(|(c, _)| c == &s.motif) {
            motifs.push((
                s.motif.clone(),
                label_in(&rf.saisine_motifs, &s.motif).into(),
            ));
        }
    }
    for (code, label) in motifs {
        let n = counted.iter().filter(|(s, _)| s.motif == code).count();
        t.push(format!("  {label}"), RowKind::Normal, vec![share(n, total)]);
    }
    t.push(
        "Personnes concernées",
        RowKind::Normal,
        vec![Cell::Count(people.len() as u64)],
    );
    t
}

fn definitions() -> Vec<(String, String)> {
    let d = |a: &str, b: &str| (a.to_string(), b.to_string());
    vec![
        d("Période", "du premier au dernier jour inclus ; la colonne N-1 est la même période un an plus tôt."),
        d("Personnes accompagnées", "personnes ayant un suivi (du dispositif et du ou de la référent·e choisis) ouvert à un moment de la période : commencé (entrée, à défaut orientation, à défaut sortie ; un suivi sans aucune date est compté) au plus tard le dernier jour, sans sortie avant le premier jour. Une personne compte une fois."),
        d("Bénéficiaires du RSA", "personnes dont le droit RSA enregistré au dossier (« Droits et situation administrative ») est « ouvert » ou « suspendu » pendant la période : statut ouvert ou suspendu, droit ouvert au plus tard le dernier jour de la période (ou date d'ouverture non renseignée). Le dossier tient le statut actuel du droit, pas son historique. Dans les sorties, la colonne « dont bénéficiaires du RSA » compte les sorties de la période de ces personnes."),
        d("Entrées", "suivis dont la date d'entrée est dans la période."),
        d("Toujours suivies", "personnes entrées au plus tard le dernier jour et sans sortie à cette date."),
        d("Mesures en cours d'intégration", "personnes orientées, pas encore entrées et sans sortie au dernier jour."),
        d("Âge", "âge au dernier jour de la période, d'après la date de naissance."),
        d("Niveau de formation, durée d'inactivité", "d'après le dernier diagnostic daté au plus tard du dernier jour."),
        d("Sorties", "suivis dont la date de sortie est dans la période, par type de sortie du référentiel ; la part est calculée sur le total des sorties."),
        d("Actions collectives", "séances collectives (ateliers, sorties, forums…) datées dans la période ; comptées à part des rendez-vous individuels du tableau 3. Une séance est tenue quand au moins une personne y a été présente ; le taux de présence est calculé sur les inscriptions dont le statut est saisi (honoré, excusé, absent)."),
        d("Sorties dynamiques", "types marqués « sortie dynamique » dans le référentiel (emploi durable, emploi de transition, sorties positives)."),
        d("Rendez-vous proposés", "rendez-vous des personnes accompagnées datés dans la période, honorés, excusés ou absents non excusés ; les rendez-vous annulés par la structure et ceux encore à venir ou à préciser sont comptés à part."),
        d("Taux de présence / d'absence", "honorés / proposés ; (excusés + absents) / proposés."),
        d("Premier contact sous 15 jours", "orientations de la période dont la date de premier contact est au plus 15 jours après l'orientation."),
        d("Premier entretien sous 30 jours", "orientations de la période suivies d'un entretien individuel honoré (hors atelier collectif) au plus 30 jours après l'orientation."),
        d("Mois avec un entretien", "pour chaque personne, chaque mois de la période où elle était entrée et pas sortie ; part de ces mois avec au moins un entretien individuel honoré."),
        d("Durée moyenne", "en mois de 30,44 jours, une décimale : de l'entrée à la sortie pour les sorties de la période, de l'entrée au dernier jour pour les personnes toujours suivies ; les suivis sans date d'entrée n'y entrent pas."),
        d("Démarches par thème", "démarches notées dans les comptes rendus des rendez-vous des personnes accompagnées datés dans la période (quel que soit leur statut), une par thème coché ; groupe social (thèmes sociaux et lien avec le prescripteur) et groupe emploi (mises en relation sur des offres, techniques de recherche d'emploi, emploi / formation) ; la part est calculée sur le total des démarches."),
        d("Étapes de parcours", "étapes (contrats, missions, formations, immersions, mise en logement…) des personnes accompagnées dont la date de début est dans la période, par type ; la part est calculée sur le total des étapes, celle des personnes sur les personnes accompagnées."),
        d("Saisines", "saisines du Département datées dans la période, sur un suivi du dispositif et du ou de la référent·e choisis, par motif."),
        d("Saisine avant le premier entretien", "saisine datée avant le premier entretien individuel honoré de la personne (hors atelier collectif), ou sans aucun entretien honoré ; la part est calculée sur les saisines de la période."),
        d("Pourcentages", "deux décimales ; « — » quand il n'y a rien à diviser."),
        d("À vérifier", "sorties sans date d'entrée ou dont le type n'existe plus dans le référentiel : comptées, et listées pour correction."),
    ]
}

/// « 40,74 » (two decimals, French comma), `None` when `of` is 0.
pub fn percent(n: u64, of: u64) -> Option<String> {
    (of > 0).then(|| format!("{:.2}", n as f64 * 100.0 / of as f64).replace('.', ","))
}

/// « 22 soit 40,74 % », « 0 soit — » over nothing.
pub fn share_text(n: u64, of: u64) -> String {
    match percent(n, of) {
        Some(p) => format!("{n} soit {p} %"),
        None => format!("{n} soit —"),
    }
}

/// « 9,0 » months, « — » when there is nothing to average.
pub fn months_text(m: Option<f64>) -> String {
    match m {
        Some(m) if m.is_finite() => format!("{m:.1}").replace('.', ","),
        _ => "—".into(),
    }
}

impl Cell {
    /// The cell as text (texte and HTML formats).
    pub fn text(&self) -> String {
        match self {
            Cell::Count(n) => n.to_string(),
            Cell::Share { n, of } => share_text(*n, *of),
            Cell::Months(m) => months_text(*m),
            Cell::Blank => String::new(),
        }
    }
}
