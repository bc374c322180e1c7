//! Import of orientation lists (CSV, XLSX, XLS, ODS): the file is read ([`read`]), its
//! columns matched by header ([`headers`], [`profile`]), each line read ([`rows`]) and
//! matched against the base, giving a [`Plan`]: the preview, and what the import writes
//! in one transaction ([`crate::store::imports`]).
//!
//! Matching an existing person, in this order: NIR; ID Département; n° CAF + date de
//! naissance; nom + prénom + date de naissance (folded as search folds them). A match
//! fills only the person's empty fields, and adds a suivi when the current one is closed
//! (or there is none); a match whose other identifiers disagree (same NIR, another birth
//! date...) is a conflict, listed and never merged.

pub mod headers;
pub mod json;
pub mod profile;
pub mod read;
pub mod rows;

use crate::domain::{Change, Person, PersonFile, Record, Suivi};
use crate::store::imports::ImportBatch;
use chrono::NaiveDate;
use headers::Field;
pub use profile::Profile;
pub use read::Sheet;
use rows::{Columns, ImportRow};
use std::collections::HashMap;
use std::path::Path;

/// Why a file cannot be imported at all (the base is not touched).
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("fichier vide : aucune ligne à importer")]
    Empty,
    #[error("fichier illisible : {0}")]
    Unreadable(String),
    #[error("fichier trop gros ({0} Mo) pour une liste d'orientation (100 Mo au plus)")]
    TooBig(u64),
    #[error("impossible de lire « {} » : {}", .0.display(), .1)]
    Io(std::path::PathBuf, String),
    #[error("aucune feuille « {} » dans ce classeur (feuilles : {})", .0, .1.join(", "))]
    NoSheet(String, Vec<String>),
    #[error("colonnes introuvables : {missing} ; en-têtes du fichier : {found}")]
    MissingColumns { missing: String, found: String },
    #[error("profil d'import « {0} » illisible : {1}")]
    Profile(String, String),
    #[error("aucun profil d'import « {0} » (parcours import --profil pour la liste)")]
    NoProfile(String),
}

/// What becomes of one line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LineOutcome {
    New,
    /// Already in the base: filled in or not.
    Known {
        changed: bool,
    },
    Conflict(String),
    Rejected(String),
}

/// The preview of an import, and what it writes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    /// The file's name (no path), for the audit entry.
    pub file_name: String,
    pub format: String,
    pub lines: usize,
    pub new: usize,
    pub known: usize,
    /// Known people whose file gets something (empty fields filled, a new suivi).
    pub updated: usize,
    pub conflicts: Vec<(usize, String)>,
    pub rejected: Vec<(usize, String)>,
    /// Imported, with something to know (a n° de dossier already taken, replaced).
    pub notes: Vec<(usize, String)>,
    pub batch: ImportBatch,
}

impl Plan {
    /// « 412 lignes : 380 nouvelles personnes, 25 déjà connues (mise à jour), 4 conflits,
    /// 3 rejetées ».
    pub fn summary(&self) -> String {
        format!(
            "{} ligne{} : {} nouvelle{} personne{}, {} déjà connue{} (mise à jour), {} conflit{}, {} rejetée{}",
            self.lines,
            s(self.lines),
            self.new,
            s(self.new),
            s(self.new),
            self.known,
            s(self.known),
            self.conflicts.len(),
            s(self.conflicts.len()),
            self.rejected.len(),
            s(self.rejected.len())
        )
    }

    /// The summary, then one line per conflict and rejected line.
    pub fn details(&self) -> Vec<String> {
        let mut out = vec![self.summary()];
        if self.known > 0 {
            out.push(format!(
                "Déjà connues : {} dossier{} à compléter, {} sans changement",
                self.updated,
                s(self.updated),
                self.known - self.updated
            ));
        }
        for (line, why) in &self.conflicts {
            out.push(format!("Ligne {line} : conflit, {why}"));
        }
        for (line, why) in &self.rejected {
            out.push(format!("Ligne {line} : rejetée, {why}"));
        }
        for (line, what) in &self.notes {
            out.push(format!("Fiche {line} : {what}"));
        }
        out
    }

    fn audit_detail(&self) -> String {
        format!("{} — {}", self.file_name, self.summary())
    }
}

fn s(n: usize) -> &'static str {
    if n > 1 {
        "s"
    } else {
        ""
    }
}

/// Reads a file (any supported format), refusing what is not an orientation list.
pub fn read_file(path: &Path, profile: &Profile) -> Result<Sheet, ImportError> {
    let io = |e: std::io::Error| {
        ImportError::Io(path.to_path_buf(), crate::store::preflight::os_error_fr(&e))
    };
    let meta = std::fs::metadata(path).map_err(io)?;
    if meta.is_dir() {
        return Err(ImportError::Unreadable("c'est un dossier".into()));
    }
    if meta.len() > read::MAX_BYTES {
        return Err(ImportError::TooBig(meta.len() / (1024 * 1024)));
    }
    let bytes = std::fs::read(path).map_err(io)?;
    read::read_bytes(&bytes, profile.sheet.as_deref())
}

/// Which field each column of `sheet` fills; refused without the nom and prénom columns.
pub fn columns(sheet: &Sheet, profile: &Profile) -> Result<Columns, ImportError> {
    let cols = Columns(sheet.headers.iter().map(|h| profile.field_of(h)).collect());
    let missing: Vec<&str> = [Field::Nom, Field::Prenom]
        .into_iter()
        .filter(|f| !cols.has(*f))
        .map(Field::label)
        .collect();
    if !missing.is_empty() {
        let found: Vec<String> = sheet
            .headers
            .iter()
            .take(12)
            .map(|h| format!("« {} »", h.chars().take(40).collect::<String>()))
            .collect();
        return Err(ImportError::MissingColumns {
            missing: missing.join(", "),
            found: if found.is_empty() {
                "aucun".into()
            } else {
                found.join(", ")
            },
        });
    }
    Ok(cols)
}

/// The identifiers a line is matched on, as the person holds them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Ids {
    nir: String,
    id_departement: String,
    caf: String,
    birth: Option<NaiveDate>,
    /// Folded nom and prénom.
    name: (String, String),
}

fn person_ids(p: &Person) -> Ids {
    Ids {
        nir: ident::nir(p).to_string(),
        id_departement: ident::id_departement(p).to_string(),
        caf: ident::caf(p).to_string(),
        birth: p.birth_date,
        name: (fold_name(&p.nom), fold_name(&p.prenom)),
    }
}

fn row_ids(r: &ImportRow) -> Ids {
    Ids {
        nir: r.nir.clone(),
        id_departement: r.id_departement.clone(),
        caf: r.numero_caf.clone(),
        birth: r.birth_date,
        name: (fold_name(&r.nom), fold_name(&r.prenom)),
    }
}

/// Names compared folded, hyphens and repeated spaces as one space.
fn fold_name(s: &str) -> String {
    crate::text::fold(s)
        .split(|c: char| c.is_whitespace() || c == '-')
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Who a line may be: the people of the base and those created by earlier lines.
#[derive(Default)]
struct Index {
    nir: HashMap<String, usize>,
    dept: HashMap<String, usize>,
    caf: HashMap<(String, NaiveDate), usize>,
    name: HashMap<(String, String, NaiveDate), usize>,
}

impl Index {
    fn add(&mut self, ids: &Ids, at: usize) {
        if !ids.nir.is_empty() {
            self.nir.entry(ids.nir.clone()).or_insert(at);
        }
        if !ids.id_departement.is_empty() {
            self.dept.entry(ids.id_departement.clone()).or_insert(at);
        }
        if let Some(b) = ids.birth {
            if !ids.caf.is_empty() {
                self.caf.entry((ids.caf.clone(), b)).or_insert(at);
            }
            self.name
                .entry((ids.name.0.clone(), ids.name.1.clone(), b))
                .or_insert(at);
        }
    }

    /// The first rule that finds someone, with its name.
    fn find(&self, ids: &Ids) -> Option<(usize, &'static str)> {
        if let Some(i) = self.nir.get(&ids.nir) {
            return Some((*i, "NIR"));
        }
        if let Some(i) = self.dept.get(&ids.id_departement) {
            return Some((*i, "ID Département"));
        }
        let b = ids.birth?;
        if !ids.caf.is_empty() {
            if let Some(i) = self.caf.get(&(ids.caf.clone(), b)) {
                return Some((*i, "n° CAF et date de naissance"));
            }
        }
        self.name
            .get(&(ids.name.0.clone(), ids.name.1.clone(), b))
            .map(|i| (*i, "nom, prénom et date de naissance"))
    }
}

/// Identifiers both sides know and that differ: a conflict.
fn disagreement(a: &Ids, b: &Ids) -> Option<&'static str> {
    let differ = |x: &str, y: &str| !x.is_empty() && !y.is_empty() && x != y;
    if differ(&a.nir, &b.nir) {
        return Some("NIR différent");
    }
    if a.birth.is_some() && b.birth.is_some() && a.birth != b.birth {
        return Some("date de naissance différente");
    }
    if differ(&a.id_departement, &b.id_departement) {
        return Some("ID Département différent");
    }
    None
}

/// The identity fields of the person (n° CAF, NIR, IDs, address, RSA): read and filled in
/// one place.
mod ident {
    use super::ImportRow;
    use crate::domain::Person;

    pub fn nir(p: &Person) -> &str {
        &p.nir
    }
    pub fn id_departement(p: &Person) -> &str {
        &p.id_departement
    }
    pub fn caf(p: &Person) -> &str {
        &p.caf_numero
    }

    /// The right's status as lists write it, to a `benefit_statuses` code ('' when not
    /// understood: unknown, never guessed).
    pub fn statut_code(s: &str) -> &'static str {
        let f = crate::text::fold(s);
        let f = f.trim();
        if f.contains("suspen") {
            "suspendu"
        } else if f.contains("instruction") {
            "en_instruction"
        } else if f.contains("radi") || f.contains("clos") || f.contains("fin de droit") {
            "radie"
        } else if f.contains("ouvert") || f.contains("versable") {
            "ouvert"
        } else {
            ""
        }
    }

    /// Fills the person's empty identity fields from the line; true when one was.
    pub fn fill(p: &mut Person, r: &ImportRow) -> bool {
        let mut changed = false;
        let mut text = |field: &mut String, value: &str| {
            if field.trim().is_empty() && !value.is_empty() {
                *field = value.to_string();
                changed = true;
            }
        };
        text(&mut p.nom_naissance, &r.nom_naissance);
        text(&mut p.caf_numero, &r.numero_caf);
        text(&mut p.nir, &r.nir);
        text(&mut p.id_france_travail, &r.id_france_travail);
        text(&mut p.id_departement, &r.id_departement);
        text(&mut p.role_foyer, &r.role);
        text(&mut p.adresse, &r.adresse);
        text(&mut p.code_postal, &r.code_postal);
        text(&mut p.rsa_statut, statut_code(&r.statut_droit));
        if p.rsa_depuis.is_none() && r.date_ouverture_droit.is_some() {
            p.rsa_depuis = r.date_ouverture_droit;
            changed = true;
        }
        changed
    }
}

/// Fills `p`'s empty fields from `r`; true when one was.
fn fill_person(p: &mut Person, r: &ImportRow) -> bool {
    let mut changed = false;
    let mut text = |field: &mut String, value: &str| {
        if field.trim().is_empty() && !value.is_empty() {
            *field = value.to_string();
            changed = true;
        }
    };
    text(&mut p.nom_usage, &r.nom_usage);
    text(&mut p.phone, &r.telephone);
    text(&mut p.email, &r.email);
    text(&mut p.commune, &r.commune);
    if (p.sexe.is_empty() || p.sexe == crate::domain::codes::SEX_UNKNOWN)
        && r.sexe != crate::domain::codes::SEX_UNKNOWN
    {
        p.sexe = r.sexe.clone();
        changed = true;
    }
    if p.birth_date.is_none() && r.birth_date.is_some() {
        p.birth_date = r.birth_date;
        changed = true;
    }
    ident::fill(p, r) || changed
}

fn new_person(r: &ImportRow) -> Person {
    let mut p = Person::new(&r.nom, &r.prenom);
    fill_person(&mut p, r);
    p
}

/// The suivi of an imported orientation.
fn new_suivi(r: &ImportRow, profile: &Profile) -> Suivi {
    Suivi {
        dispositif: profile.dispositif.clone(),
        referent: if profile.referent.is_empty() {
            r.email_referent.clone()
        } else {
            profile.referent.clone()
        },
        prescripteur: profile.prescripteur.clone(),
        date_orientation: r.date_orientation,
        ..Suivi::default()
    }
}

/// Fills an open suivi's empty orientation fields; true when one was.
fn fill_suivi(s: &mut Suivi, new: &Suivi) -> bool {
    let mut changed = false;
    if s.date_orientation.is_none() && new.date_orientation.is_some() {
        s.date_orientation = new.date_orientation;
        changed = true;
    }
    for (field, value) in [
        (&mut s.prescripteur, &new.prescripteur),
        (&mut s.referent, &new.referent),
        (&mut s.dispositif, &new.dispositif),
    ] {
        if field.trim().is_empty() && !value.is_empty() {
            *field = value.clone();
            changed = true;
        }
    }
    changed
}

/// A person a line may match: one of the base (with its current suivi) or one the
/// import creates.
// One per person of the base, for one preview: boxing the person would only add noise.
#[allow(clippy::large_enum_variant)]
enum Candidate {
    Base {
        person: Person,
        suivi: Option<Suivi>,
        line: Option<usize>,
    },
    New {
        line: usize,
    },
}

/// Builds the preview: every line read, matched, and what the import would write.
pub fn plan(
    sheet: &Sheet,
    profile: &Profile,
    known: Vec<(Person, Option<Suivi>)>,
    file_name: &str,
    today: NaiveDate,
) -> Result<Plan, ImportError> {
    let cols = columns(sheet, profile)?;
    let mut plan = Plan {
        file_name: file_name.to_string(),
        format: sheet.format.clone(),
        lines: sheet.rows.len(),
        ..Plan::default()
    };
    let mut index = Index::default();
    let mut cands: Vec<Candidate> = Vec::with_capacity(known.len() + sheet.rows.len());
    for (person, suivi) in known {
        index.add(&person_ids(&person), cands.len());
        cands.push(Candidate::Base {
            person,
            suivi,
            line: None,
        });
    }
    for (line, cells) in &sheet.rows {
        let row = match rows::read_row(&cols, *line, cells, today) {
            Ok(r) => r,
            Err(why) => {
                plan.rejected.push((*line, why));
                continue;
            }
        };
        let ids = row_ids(&row);
        let suivi = new_suivi(&row, profile);
        match index.find(&ids) {
            None => {
                index.add(&ids, cands.len());
                cands.push(Candidate::New { line: *line });
                plan.batch.new_files.push(PersonFile {
                    person: new_person(&row),
                    suivis: vec![suivi],
                    ..PersonFile::default()
                });
                plan.new += 1;
            }
            Some((at, rule)) => match &mut cands[at] {
                Candidate::New { line: first, .. } => plan.rejected.push((
                    *line,
                    format!(
                        "même personne que la ligne {first} ({rule}) : doublon dans le fichier"
                    ),
                )),
                Candidate::Base {
                    person,
                    suivi: current,
                    line: seen,
                } => {
                    if let Some(why) = disagreement(&person_ids(person), &ids) {
                        plan.conflicts.push((
                            *line,
                            format!(
                                "{} (dossier {}) retrouvé·e par {rule}, mais {why} : à vérifier, rien n'est modifié",
                                person.display_name(),
                                person.dossier
                            ),
                        ));
                        continue;
                    }
                    if let Some(first) = seen {
                        plan.rejected.push((
                            *line,
                            format!("même personne que la ligne {first} ({rule}) : doublon dans le fichier"),
                        ));
                        continue;
                    }
                    *seen = Some(*line);
                    let mut changed = false;
                    let mut p = person.clone();
                    if fill_person(&mut p, &row) {
                        plan.batch
                            .changes
                            .push(Change::Upsert(Record::Person(p.clone())));
                        changed = true;
                    }
                    match current {
                        Some(s) if s.is_open() => {
                            let mut s = s.clone();
                            if fill_suivi(&mut s, &suivi) {
                                plan.batch.changes.push(Change::Upsert(Record::Suivi(s)));
                                changed = true;
                            }
                        }
                        // The same orientation, already closed: not opened again.
                        Some(s)
                            if s.date_orientation.is_some()
                                && s.date_orientation == suivi.date_orientation => {}
                        _ => {
                            plan.batch.changes.push(Change::Upsert(Record::Suivi(Suivi {
                                person_id: p.id,
                                ..suivi
                            })));
                            changed = true;
                        }
                    }
                    plan.known += 1;
                    if changed {
                        plan.updated += 1;
                    }
                }
            },
        }
    }
    plan.batch.audit_detail = plan.audit_detail();
    Ok(plan)
}

/// The file name shown and audited (no folders: they may name a person).
pub fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Reads `path` and builds its preview against `store`.
pub fn preview(
    store: &dyn crate::store::Backend,
    path: &Path,
    profile: &Profile,
) -> Result<Plan, Box<dyn std::error::Error>> {
    let sheet = read_file(path, profile)?;
    let known = crate::store::read(store, crate::store::imports::candidates_on)?;
    Ok(plan(
        &sheet,
        profile,
        known,
        &file_name(path),
        store.clock().today(),
    )?)
}
