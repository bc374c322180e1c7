//! The person's identity and suivi: the new person form (identity and first suivi), the
//! identity form and the suivi form of an open file.

use super::form::{items, Field, Form, Purpose, Reader, Refusal};
use super::state::*;
use crate::domain::nir;
use crate::domain::referential::label_in;
use crate::domain::*;
use crate::store::Backend;
use chrono::NaiveDate;

/// Dispositif proposed for a new person and a new suivi.
const DEFAULT_DISPOSITIF: &str = "rsa";

impl App {
    pub(super) fn open_new_person_form(&mut self) {
        let form = new_person_form(&self.rf, &self.me, self.clock.today());
        self.overlay = Some(Overlay::Form(Box::new(form)));
    }

    pub(super) fn open_identity_form(&mut self) {
        if let Some(f) = &self.file {
            let form = identity_form_nir(&self.rf, &f.data.person, f.nir_shown)
                .with_origin(Record::Person(f.data.person.clone()));
            self.overlay = Some(Overlay::Form(Box::new(form)));
        }
    }

    /// The second form of the person: benefits and the sources of the IAE criteria.
    pub(super) fn open_rights_form(&mut self) {
        if let Some(f) = &self.file {
            let form = rights_form(&self.rf, &f.data.person)
                .with_origin(Record::Person(f.data.person.clone()));
            self.overlay = Some(Overlay::Form(Box::new(form)));
        }
    }

    /// Shows the open file's NIR in full, or masked again (this file only, not stored).
    pub(super) fn toggle_nir(&mut self) {
        let Some(f) = &mut self.file else { return };
        if f.data.person.nir.is_empty() {
            self.set_info("Pas de NIR enregistré pour cette personne");
            return;
        }
        f.nir_shown = !f.nir_shown;
        let what = if f.nir_shown {
            "NIR affiché en clair pour ce dossier"
        } else {
            "NIR masqué"
        };
        self.set_info(what);
    }

    /// Whether the open file shows its NIR in full.
    pub(super) fn nir_shown(&self) -> bool {
        self.file.as_ref().is_some_and(|f| f.nir_shown)
    }

    pub(super) fn open_suivi_form(&mut self) {
        let Some(f) = &self.file else { return };
        let s = f.data.current_suivi().cloned().unwrap_or_else(|| Suivi {
            dispositif: DEFAULT_DISPOSITIF.into(),
            contrat: codes::CONTRACT_NONE.into(),
            ..Default::default()
        });
        let mut form = suivi_form(&self.rf, &s);
        // A first suivi (not stored yet) has nothing to compare with.
        if s.id > 0 {
            form = form.with_origin(Record::Suivi(s));
        }
        self.overlay = Some(Overlay::Form(Box::new(form)));
    }

    /// The suivi the suivi form edits: the current one, or a first one.
    pub(super) fn current_suivi(&self) -> Result<Suivi, Refusal> {
        let data = self.open_data()?;
        Ok(data.current_suivi().cloned().unwrap_or_else(|| Suivi {
            person_id: data.person.id,
            ..Default::default()
        }))
    }

    /// Creates the person of the new person form and opens the file.
    pub(super) fn create_person(
        &mut self,
        r: &Reader,
        store: &mut dyn Backend,
    ) -> Result<(), Refusal> {
        let file = read_new_person(r)?;
        let name = file.person.display_name();
        let mut saved = "enregistré";
        let id = match self.person_landed_before(store, &file.person) {
            Some(id) => {
                saved = "déjà enregistré : le serveur l'avait reçu juste avant la coupure (rien en double)";
                id
            }
            None => {
                let max_before = self.caseload.rows.iter().map(|r| r.person_id).max();
                match store.insert_files(std::slice::from_ref(&file)) {
                    Ok(ids) => ids[0],
                    Err(e) => {
                        if matches!(e, crate::store::StoreError::ServerGone(_)) {
                            self.lost_person = Some((file.person.clone(), max_before.unwrap_or(0)));
                        }
                        return Err(Refusal::Error(e.to_string()));
                    }
                }
            }
        };
        self.lost_person = None;
        self.overlay = None;
        self.caseload.query.set("");
        self.caseload.searching = false;
        if let Err(e) = self.reload_caseload(store) {
            self.set_error(e.to_string());
        }
        self.open_person(id, store);
        self.set_info(format!("{name} créé·e — {saved}"));
        Ok(())
    }

    /// A new person's save met a closed connection earlier (see [`App::lost_person`]):
    /// a person created since, with the identity typed then and typed again now, is that
    /// save, committed by the server before the answer was lost.
    fn person_landed_before(&mut self, store: &dyn Backend, typed: &Person) -> Option<Id> {
        let (attempt, max_before) = self.lost_person.clone()?;
        let identity = |p: &Person| {
            (
                p.nom.clone(),
                p.prenom.clone(),
                p.birth_date,
                p.sexe.clone(),
                p.phone.clone(),
                p.email.clone(),
                p.commune.clone(),
            )
        };
        if identity(&attempt) != identity(typed) {
            return None;
        }
        self.reload_caseload(store).ok()?;
        let candidates: Vec<Id> = self
            .caseload
            .rows
            .iter()
            .map(|r| r.person_id)
            .filter(|id| *id > max_before)
            .collect();
        candidates.into_iter().find(|id| {
            store
                .person_file(*id)
                .is_ok_and(|f| identity(&f.person) == identity(typed))
        })
    }
}

// ----- identity -----

/// Field keys of the identity form (and of the first part of the new person form).
pub mod identity_key {
    pub const NOM: &str = "nom";
    pub const PRENOM: &str = "prenom";
    pub const NOM_USAGE: &str = "nom_usage";
    pub const BIRTH: &str = "birth";
    pub const SEXE: &str = "sexe";
    pub const PHONE: &str = "phone";
    pub const EMAIL: &str = "email";
    pub const COMMUNE: &str = "commune";
    pub const NOM_NAISSANCE: &str = "nom_naissance";
    pub const ADRESSE: &str = "adresse";
    pub const CODE_POSTAL: &str = "code_postal";
    pub const CAF_NUMERO: &str = "caf_numero";
    pub const CAF_ORGANISME: &str = "caf_organisme";
    pub const NIR: &str = "nir";
    pub const ID_FRANCE_TRAVAIL: &str = "id_france_travail";
    pub const ID_DEPARTEMENT: &str = "id_departement";
    pub const ROLE_FOYER: &str = "role_foyer";
}

/// Field keys of the first suivi, in the new person form.
pub mod first_suivi_key {
    pub const DISPOSITIF: &str = "dispositif";
    pub const REFERENT: &str = "referent";
    pub const PRESCRIPTEUR: &str = "prescripteur";
    pub const ORIENTATION: &str = "orientation";
}

/// The form field showing a person's struct field named by a rule of `Person::check`.
fn identity_key_of(field: &str) -> Option<&'static str> {
    match field {
        "birth_date" => Some(identity_key::BIRTH),
        "phone" => Some(identity_key::PHONE),
        "email" => Some(identity_key::EMAIL),
        "nir" => Some(identity_key::NIR),
        "code_postal" => Some(identity_key::CODE_POSTAL),
        _ => None,
    }
}

/// A list with « Non renseigné » first (the empty code: not known).
fn with_unknown(list: Vec<(String, String)>) -> Vec<(String, String)> {
    let mut out = vec![(String::new(), UNKNOWN.to_string())];
    out.extend(list);
    out
}

/// What an unknown value is shown as in the forms.
const UNKNOWN: &str = "Non renseigné";

/// Oui / non / non renseigné, for a flag that must stay « unknown » until known.
fn tristate(key: &'static str, label: &str, v: Option<bool>) -> Field {
    let choices = with_unknown(vec![
        ("oui".to_string(), "Oui".to_string()),
        ("non".to_string(), "Non".to_string()),
    ]);
    let code = match v {
        None => "",
        Some(true) => "oui",
        Some(false) => "non",
    };
    Field::choice(key, label, choices, code)
}

fn read_tristate(r: &Reader, key: &'static str) -> Result<Option<bool>, Refusal> {
    Ok(match r.choice(key)?.as_str() {
        "oui" => Some(true),
        "non" => Some(false),
        _ => None,
    })
}

/// The NIR field: the number spaced as on the card when shown, else masked (then a value
/// left as it is keeps the stored NIR).
fn nir_field(p: &Person, shown: bool) -> Field {
    let label = if shown || p.nir.is_empty() {
        "NIR"
    } else {
        "NIR (masqué)"
    };
    Field::text(identity_key::NIR, label, &nir::display(&p.nir, shown))
}

/// The NIR typed in the form, normalised; the stored one when the masked value is left.
fn read_nir(r: &Reader, p: &Person) -> Result<String, Refusal> {
    let typed = r.text(identity_key::NIR)?;
    if !p.nir.is_empty() && typed == nir::masked(&p.nir) {
        return Ok(p.nir.clone());
    }
    Ok(nir::normalise(&typed))
}

fn identity_fields(rf: &Referential, p: &Person) -> Vec<Field> {
    use identity_key as k;
    let sexe = if p.sexe.is_empty() {
        codes::SEX_UNKNOWN
    } else {
        &p.sexe
    };
    vec![
        Field::text(k::NOM, "Nom", &p.nom).required(),
        Field::text(k::PRENOM, "Prénom", &p.prenom).required(),
        Field::text(k::NOM_USAGE, "Nom d'usage", &p.nom_usage),
        Field::date(k::BIRTH, "Date de naissance", p.birth_date),
        Field::choice(k::SEXE, "Sexe", items(&rf.sexes), sexe),
        Field::text(k::PHONE, "Téléphone", &p.phone),
        Field::text(k::EMAIL, "E-mail", &p.email),
        Field::text(k::COMMUNE, "Commune", &p.commune),
    ]
}

/// The identity fields only the identity form has (the new person form stays short).
fn more_identity_fields(rf: &Referential, p: &Person, nir_shown: bool) -> Vec<Field> {
    use identity_key as k;
    vec![
        Field::text(k::NOM_NAISSANCE, "Nom de naissance", &p.nom_naissance),
        Field::multiline(k::ADRESSE, "Adresse", &p.adresse),
        Field::text(k::CODE_POSTAL, "Code postal", &p.code_postal),
        Field::text(k::CAF_NUMERO, "N° allocataire", &p.caf_numero),
        Field::choice(
            k::CAF_ORGANISME,
            "Organisme (CAF/MSA)",
            with_unknown(items(&rf.benefit_organisms)),
            &p.caf_organisme,
        ),
        nir_field(p, nir_shown),
        Field::text(
            k::ID_FRANCE_TRAVAIL,
            "ID France Travail",
            &p.id_france_travail,
        ),
        Field::text(k::ID_DEPARTEMENT, "ID Département", &p.id_departement),
        Field::choice(
            k::ROLE_FOYER,
            "Rôle dans le foyer",
            with_unknown(items(&rf.household_roles)),
            &p.role_foyer,
        ),
    ]
}

/// The identity form, the NIR masked.
pub fn identity_form(rf: &Referential, p: &Person) -> Form {
    identity_form_nir(rf, p, false)
}

/// The identity form, the NIR shown in full when `nir_shown` (the file's display).
pub fn identity_form_nir(rf: &Referential, p: &Person, nir_shown: bool) -> Form {
    let mut fields = identity_fields(rf, p);
    fields.extend(more_identity_fields(rf, p, nir_shown));
    Form::new("Identité", Purpose::EditPerson, fields)
}

/// Reads the fields of [`more_identity_fields`] into `p`.
fn read_more_identity(r: &Reader, mut p: Person) -> Result<Person, Refusal> {
    use identity_key as k;
    p.nir = read_nir(r, &p)?;
    p.nom_naissance = r.text(k::NOM_NAISSANCE)?;
    p.adresse = r.text(k::ADRESSE)?;
    p.code_postal = r.text(k::CODE_POSTAL)?.replace(' ', "");
    p.caf_numero = r.text(k::CAF_NUMERO)?;
    p.caf_organisme = r.choice(k::CAF_ORGANISME)?;
    p.id_france_travail = r.text(k::ID_FRANCE_TRAVAIL)?;
    p.id_departement = r.text(k::ID_DEPARTEMENT)?;
    p.role_foyer = r.choice(k::ROLE_FOYER)?;
    Ok(p)
}

/// Reads the identity fields into `p` and checks the person's rules.
fn read_person(r: &Reader, mut p: Person) -> Result<Person, Refusal> {
    use identity_key as k;
    p.nom = r.text(k::NOM)?;
    p.prenom = r.text(k::PRENOM)?;
    // Not in the new person form (kept short): the identity form has it.
    if r.has(k::NOM_USAGE) {
        p.nom_usage = r.text(k::NOM_USAGE)?;
    }
    p.birth_date = r.date(k::BIRTH)?;
    p.sexe = r.choice(k::SEXE)?;
    p.phone = r.text(k::PHONE)?;
    p.email = r.text(k::EMAIL)?;
    p.commune = r.text(k::COMMUNE)?;
    if r.has(k::NIR) {
        p = read_more_identity(r, p)?;
    }
    p.check(r.now().date())
        .map_err(|e| Refusal::rule(e, identity_key_of))?;
    Ok(p)
}

/// An unusual phone or e-mail (changed from `before`'s) is refused once with a warning,
/// and accepted when the form is confirmed again with it unchanged. Checked after every
/// other rule, so that the warning is the last thing standing before the save.
fn warn_unusual(r: &Reader, p: &Person, before: &Person) -> Result<(), Refusal> {
    let mut warnings = Vec::new();
    for e in p.unusual(before) {
        let Some(key) = identity_key_of(e.field) else {
            return Err(Refusal::Error(e.message));
        };
        if !r.insisted(key)? {
            warnings.push((key, e.message));
        }
    }
    if warnings.is_empty() {
        Ok(())
    } else {
        Err(Refusal::Unusual(warnings))
    }
}

/// Reads the identity form into `p` (a copy of the open file's person).
pub fn read_identity(r: &Reader, p: Person) -> Result<Change, Refusal> {
    let before = p.clone();
    let p = read_person(r, p)?;
    warn_unusual(r, &p, &before)?;
    Ok(Change::Upsert(Record::Person(p)))
}

// ----- rights and administrative situation -----

/// Field keys of the form « Droits et situation administrative ».
pub mod rights_key {
    pub const RSA_STATUT: &str = "rsa_statut";
    pub const RSA_DEPUIS: &str = "rsa_depuis";
    pub const ASS_STATUT: &str = "ass_statut";
    pub const ASS_DEPUIS: &str = "ass_depuis";
    pub const AAH_STATUT: &str = "aah_statut";
    pub const AAH_DEPUIS: &str = "aah_depuis";
    pub const ASE: &str = "ase_sortant";
    pub const PROTECTION: &str = "protection";
    pub const RQTH: &str = "rqth";
    pub const RQTH_FIN: &str = "rqth_fin";
    pub const ZRR: &str = "zrr";
    pub const QPV: &str = "qpv";
    pub const FRANCAIS: &str = "niveau_francais";
    pub const PARENT_ISOLE: &str = "parent_isole";
}

/// The form field showing a person's struct field named by `Person::check_administrative`.
fn rights_key_of(field: &str) -> Option<&'static str> {
    use rights_key as k;
    match field {
        "rsa_depuis" => Some(k::RSA_DEPUIS),
        "ass_depuis" => Some(k::ASS_DEPUIS),
        "aah_depuis" => Some(k::AAH_DEPUIS),
        "rqth_fin" => Some(k::RQTH_FIN),
        _ => None,
    }
}

/// « Droits et situation administrative »: the minimum social benefits (status and since
/// when) and the sources of the IAE eligibility criteria, each « non renseigné » until known.
pub fn rights_form(rf: &Referential, p: &Person) -> Form {
    use rights_key as k;
    let statuses = || with_unknown(items(&rf.benefit_statuses));
    Form::new(
        "Droits et situation administrative",
        Purpose::EditRights,
        vec![
            Field::choice(k::RSA_STATUT, "RSA : droit", statuses(), &p.rsa_statut),
            Field::date(k::RSA_DEPUIS, "RSA depuis le", p.rsa_depuis),
            Field::choice(k::ASS_STATUT, "ASS : droit", statuses(), &p.ass_statut),
            Field::date(k::ASS_DEPUIS, "ASS depuis le", p.ass_depuis),
            Field::choice(k::AAH_STATUT, "AAH : droit", statuses(), &p.aah_statut),
            Field::date(k::AAH_DEPUIS, "AAH depuis le", p.aah_depuis),
            tristate(k::ASE, "Sortant·e de l'ASE", p.ase_sortant),
            Field::choice(
                k::PROTECTION,
                "Statut de protection",
                with_unknown(items(&rf.protection_statuses)),
                &p.protection,
            ),
            tristate(k::RQTH, "RQTH", p.rqth),
            Field::date(k::RQTH_FIN, "RQTH jusqu'au", p.rqth_fin),
            tristate(k::ZRR, "Résident·e ZRR / FRR", p.zrr),
            tristate(k::QPV, "Résident·e QPV", p.qpv),
            Field::choice(
                k::FRANCAIS,
                "Niveau de français",
                with_unknown(items(&rf.french_levels)),
                &p.niveau_francais,
            ),
            tristate(k::PARENT_ISOLE, "Parent isolé·e", p.parent_isole),
        ],
    )
}

/// Reads the form « Droits et situation administrative » into `p` and checks its rules.
pub fn read_rights(r: &Reader, mut p: Person) -> Result<Change, Refusal> {
    use rights_key as k;
    p.rsa_statut = r.choice(k::RSA_STATUT)?;
    p.rsa_depuis = r.date(k::RSA_DEPUIS)?;
    p.ass_statut = r.choice(k::ASS_STATUT)?;
    p.ass_depuis = r.date(k::ASS_DEPUIS)?;
    p.aah_statut = r.choice(k::AAH_STATUT)?;
    p.aah_depuis = r.date(k::AAH_DEPUIS)?;
    p.ase_sortant = read_tristate(r, k::ASE)?;
    p.protection = r.choice(k::PROTECTION)?;
    p.rqth = read_tristate(r, k::RQTH)?;
    p.rqth_fin = r.date(k::RQTH_FIN)?;
    p.zrr = read_tristate(r, k::ZRR)?;
    p.qpv = read_tristate(r, k::QPV)?;
    p.niveau_francais = r.choice(k::FRANCAIS)?;
    p.parent_isole = read_tristate(r, k::PARENT_ISOLE)?;
    p.check_administrative(r.now().date())
        .map_err(|e| Refusal::rule(e, rights_key_of))?;
    Ok(Change::Upsert(Record::Person(p)))
}

// ----- a new person -----

/// Identity, then the first suivi: the prescripteur (always typed) first, then the
/// fields that come pre-filled (dispositif, référent·e, orientation today), so that after
/// the last field typed F10 saves without walking through the defaults. The nom d'usage,
/// rarely known at a first contact, waits in the identity form with the nom de naissance
/// (one field less to pass on the way to the date of birth).
pub fn new_person_form(rf: &Referential, me: &str, today: NaiveDate) -> Form {
    use first_suivi_key as k;
    let mut fields = identity_fields(rf, &Person::default());
    fields.retain(|f| f.key != identity_key::NOM_USAGE);
    fields.extend([
        Field::completion(k::PRESCRIPTEUR, "Prescripteur", items(&rf.partners), "").names(),
        Field::choice(
            k::DISPOSITIF,
            "Dispositif",
            items(&rf.dispositifs),
            DEFAULT_DISPOSITIF,
        ),
        Field::text(k::REFERENT, "Référent·e", me),
        Field::date(k::ORIENTATION, "Date d'orientation", Some(today)),
    ]);
    Form::new("Nouvelle personne", Purpose::NewPerson, fields)
}

/// The new person and the first suivi, ready for `Store::insert_files`.
pub fn read_new_person(r: &Reader) -> Result<PersonFile, Refusal> {
    use first_suivi_key as k;
    let person = read_person(r, Person::default())?;
    let suivi = Suivi {
        dispositif: r.choice(k::DISPOSITIF)?,
        referent: r.text(k::REFERENT)?,
        prescripteur: r.code_or_text(k::PRESCRIPTEUR)?,
        date_orientation: r.date(k::ORIENTATION)?,
        contrat: codes::CONTRACT_NONE.into(),
        ..Default::default()
    };
    suivi
        .check_dates(&Suivi::default(), r.now().date())
        .map_err(|e| {
            Refusal::rule(e, |f| {
                (f == "date_orientation").then_some(first_suivi_key::ORIENTATION)
            })
        })?;
    warn_unusual(r, &person, &Person::default())?;
    Ok(PersonFile {
        person,
        suivis: vec![suivi],
        ..Default::default()
    })
}

// ----- the suivi -----

/// Field keys of the suivi form.
pub mod suivi_key {
    pub const DISPOSITIF: &str = "dispositif";
    pub const REFERENT: &str = "referent";
    pub const PRESCRIPTEUR: &str = "prescripteur";
    pub const ORIENTATION: &str = "orientation";
    pub const CONTACT: &str = "contact";
    pub const ENTREE: &str = "entree";
    pub const CONTRAT: &str = "contrat";
    pub const CONTRAT_DEBUT: &str = "contrat_debut";
    pub const CONTRAT_FIN: &str = "contrat_fin";
    pub const SORTIE: &str = "sortie";
    pub const SORTIE_CAT: &str = "sortie_cat";
    pub const SORTIE_DETAIL: &str = "sortie_detail";
    pub const SIGNE_LE: &str = "contrat_signe_le";
    pub const REVISION: &str = "contrat_revision";
    pub const INTENSITE: &str = "contrat_intensite";
    pub const METIERS: &str = "contrat_metiers";
    pub const ZONE: &str = "contrat_zone";
    pub const ENG_PERSONNE: &str = "engagements_personne";
    pub const ENG_STRUCTURE: &str = "engagements_structure";
}

/// The form field showing a suivi's struct field named by a rule of `Suivi::check`.
fn suivi_key_of(field: &str) -> Option<&'static str> {
    use suivi_key as k;
    match field {
        "date_orientation" => Some(k::ORIENTATION),
        "date_premier_contact" => Some(k::CONTACT),
        "date_entree" => Some(k::ENTREE),
        "contrat_debut" => Some(k::CONTRAT_DEBUT),
        "contrat_fin" => Some(k::CONTRAT_FIN),
        "sortie_date" => Some(k::SORTIE),
        "sortie_categorie" => Some(k::SORTIE_CAT),
        "contrat_signe_le" => Some(k::SIGNE_LE),
        "contrat_revision" => Some(k::REVISION),
        "contrat_intensite" => Some(k::INTENSITE),
        _ => None,
    }
}

pub fn suivi_form(rf: &Referential, s: &Suivi) -> Form {
    use suivi_key as k;
    let mut exits = vec![(String::new(), "(pas de sortie)".to_string())];
    exits.extend(
        rf.exit_categories
            .iter()
            .map(|e| (e.code.clone(), e.label.clone())),
    );
    let presc = label_in(&rf.partners, &s.prescripteur).to_string();
    let exit = s.sortie_categorie.as_deref().unwrap_or("");
    Form::new(
        "Suivi",
        Purpose::EditSuivi,
        vec![
            Field::choice(
                k::DISPOSITIF,
                "Dispositif",
                items(&rf.dispositifs),
                &s.dispositif,
            ),
            Field::text(k::REFERENT, "Référent·e", &s.referent),
            Field::completion(k::PRESCRIPTEUR, "Prescripteur", items(&rf.partners), &presc).names(),
            Field::date(k::ORIENTATION, "Orientation le", s.date_orientation),
            Field::date(k::CONTACT, "Premier contact le", s.date_premier_contact),
            Field::date(k::ENTREE, "Entrée le", s.date_entree),
            Field::choice(k::CONTRAT, "Contrat", items(&rf.contracts), &s.contrat),
            Field::date(k::CONTRAT_DEBUT, "Contrat du", s.contrat_debut),
            Field::date(k::CONTRAT_FIN, "Contrat au", s.contrat_fin),
            Field::date(k::SORTIE, "Sortie le", s.sortie_date),
            Field::choice(k::SORTIE_CAT, "Motif de sortie", exits, exit),
            Field::text(k::SORTIE_DETAIL, "Précision", &s.sortie_detail),
            // The contrat d'engagement (after the exit fields: the form's first fields
            // keep their place).
            Field::date(k::SIGNE_LE, "Contrat signé le", s.contrat_signe_le),
            Field::date(k::REVISION, "Révision le", s.contrat_revision),
            Field::number(k::INTENSITE, "Heures / semaine", s.contrat_intensite),
            Field::text(k::METIERS, "Métiers recherchés", &s.contrat_metiers),
            Field::text(k::ZONE, "Zone de recherche", &s.contrat_zone),
            Field::multiline(
                k::ENG_PERSONNE,
                "Engagements personne",
                &s.engagements_personne,
            ),
            Field::multiline(
                k::ENG_STRUCTURE,
                "Engagements structure",
                &s.engagements_structure,
            ),
        ],
    )
}

/// Reads the suivi form into `s` (a copy of the current suivi) and checks its rules: the
/// date ranges first (a mistyped year), then the dates' consistency.
pub fn read_suivi(r: &Reader, mut s: Suivi) -> Result<Change, Refusal> {
    use suivi_key as k;
    let before = s.clone();
    s.dispositif = r.choice(k::DISPOSITIF)?;
    s.referent = r.text(k::REFERENT)?;
    s.prescripteur = r.code_or_text(k::PRESCRIPTEUR)?;
    s.date_orientation = r.date(k::ORIENTATION)?;
    s.date_premier_contact = r.date(k::CONTACT)?;
    s.date_entree = r.date(k::ENTREE)?;
    s.contrat = r.choice(k::CONTRAT)?;
    s.contrat_debut = r.date(k::CONTRAT_DEBUT)?;
    s.contrat_fin = r.date(k::CONTRAT_FIN)?;
    s.sortie_date = r.date(k::SORTIE)?;
    s.sortie_categorie = r.opt_choice(k::SORTIE_CAT)?;
    s.sortie_detail = r.text(k::SORTIE_DETAIL)?;
    s.contrat_signe_le = r.date(k::SIGNE_LE)?;
    s.contrat_revision = r.date(k::REVISION)?;
    s.contrat_intensite = r.number(k::INTENSITE)?;
    s.contrat_metiers = r.text(k::METIERS)?;
    s.contrat_zone = r.text(k::ZONE)?;
    s.engagements_personne = r.raw(k::ENG_PERSONNE)?.trim_end().to_string();
    s.engagements_structure = r.raw(k::ENG_STRUCTURE)?.trim_end().to_string();
    s.check_dates(&before, r.now().date())
        .map_err(|e| Refusal::rule(e, suivi_key_of))?;
    s.check().map_err(|e| Refusal::rule(e, suivi_key_of))?;
    s.check_contract(&before, r.now().date())
        .map_err(|e| Refusal::rule(e, suivi_key_of))?;
    // Signed more than a month after the orientation: said once, stored when confirmed
    // (a signature date kept as stored is not questioned again).
    if let Some(w) = s.contract_late() {
        let changed = s.contrat_signe_le != before.contrat_signe_le
            || s.date_orientation != before.date_orientation;
        if changed && !r.insisted(k::SIGNE_LE)? {
            return Err(Refusal::Unusual(vec![(k::SIGNE_LE, w)]));
        }
    }
    Ok(Change::Upsert(Record::Suivi(s)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::form::tests::{choose, now, set, validated};

    fn d(y: i32, m: u32, day: u32) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(y, m, day)
    }

    fn person() -> Person {
        Person {
            id: 9,
            dossier: "2026-00009".into(),
            birth_date: d(1990, 5, 4),
            phone: "06 12 34 56 78".into(),
            version: 3,
            ..Person::new("Martin", "Léa")
        }
    }

    #[test]
    fn identity_reader_reads_every_key_of_its_form() {
        let rf = Referential::embedded();
        let form = validated(identity_form(&rf, &person()));
        let got = read_identity(&Reader::new(&form, now()), person());
        assert_eq!(got, Ok(Change::Upsert(Record::Person(person()))));
    }

    #[test]
    fn identity_reader_cases() {
        let rf = Referential::embedded();
        let typed = |birth: &str| {
            let mut form = identity_form(&rf, &person());
            set(&mut form, identity_key::NOM, " Durand ");
            set(&mut form, identity_key::COMMUNE, "Lens");
            set(&mut form, identity_key::BIRTH, birth);
            validated(form)
        };
        // (name, birth date typed, the birth date read or the refusal)
        type Case = (
            &'static str,
            &'static str,
            Result<Option<NaiveDate>, Refusal>,
        );
        let cases: &[Case] = &[
            ("birth_kept", "04/05/1990", Ok(d(1990, 5, 4))),
            ("birth_cleared", "", Ok(None)),
            (
                "born_in_the_future",
                "11/03/2026",
                Err(Refusal::field(
                    identity_key::BIRTH,
                    "La date de naissance est dans le futur",
                )),
            ),
            (
                "born_yesterday",
                "hier",
                Err(Refusal::field(
                    identity_key::BIRTH,
                    "Moins de 15 ans (0 an) : vérifiez l'année, l'âge attendu va de 15 à 120 ans",
                )),
            ),
            ("just_15", "10/03/2011", Ok(d(2011, 3, 10))),
            (
                "older_than_120",
                "01/01/1900",
                Err(Refusal::field(
                    identity_key::BIRTH,
                    "Plus de 120 ans : vérifiez l'année",
                )),
            ),
        ];
        for (name, birth, want) in cases {
            let form = typed(birth);
            let got = read_identity(&Reader::new(&form, now()), person());
            let want = want.clone().map(|birth_date| {
                Change::Upsert(Record::Person(Person {
                    nom: "Durand".into(),
                    commune: "Lens".into(),
                    birth_date,
                    ..person()
                }))
            });
            assert_eq!(got, want, "{name}");
        }
    }

    #[test]
    fn new_person_reader_reads_identity_and_first_suivi() {
        let rf = Referential::embedded();
        let partner = rf.partners[0].clone();
        let mut form = new_person_form(&rf, "Camille", now().date());
        set(&mut form, identity_key::NOM, "Durand");
        set(&mut form, identity_key::PRENOM, "Paul");
        set(&mut form, first_suivi_key::PRESCRIPTEUR, &partner.label);
        let form = validated(form);
        let file = read_new_person(&Reader::new(&form, now())).unwrap();
        assert_eq!(
            file.person,
            Person {
                sexe: codes::SEX_UNKNOWN.into(),
                ..Person::new("Durand", "Paul")
            }
        );
        assert_eq!(
            file.suivis,
            vec![Suivi {
                dispositif: DEFAULT_DISPOSITIF.into(),
                referent: "Camille".into(),
                prescripteur: partner.code.clone(),
                date_orientation: Some(now().date()),
                contrat: codes::CONTRACT_NONE.into(),
                ..Default::default()
            }]
        );
    }

    #[test]
    fn new_person_reader_refuses_a_future_birth_date() {
        let rf = Referential::embedded();
        let mut form = new_person_form(&rf, "", now().date());
        set(&mut form, identity_key::NOM, "Durand");
        set(&mut form, identity_key::PRENOM, "Paul");
        set(&mut form, identity_key::BIRTH, "01/01/2027");
        let form = validated(form);
        assert_eq!(
            read_new_person(&Reader::new(&form, now())),
            Err(Refusal::field(
                identity_key::BIRTH,
                "La date de naissance est dans le futur"
            ))
        );
    }

    #[test]
    fn identity_reader_warns_once_about_unusual_contact_details() {
        use crate::domain::rules::{EMAIL_UNUSUAL, PHONE_UNUSUAL};
        use identity_key as k;
        let rf = Referential::embedded();
        // (name, phone typed, e-mail typed, warnings on the first confirmation)
        type Case = (
            &'static str,
            &'static str,
            &'static str,
            Vec<(&'static str, String)>,
        );
        let cases: Vec<Case> = vec![
            ("usual_values", "03 21 45 67 89", "lea@exemple.fr", vec![]),
            ("stored_phone_kept", "06 12 34 56 78", "", vec![]),
            (
                "eight_digit_phone",
                "06 12 34 56",
                "",
                vec![(k::PHONE, PHONE_UNUSUAL.to_string())],
            ),
            (
                "not_an_email",
                "06 12 34 56 78",
                "pas un mail",
                vec![(k::EMAIL, EMAIL_UNUSUAL.to_string())],
            ),
            (
                "both",
                "0612",
                "lea@",
                vec![
                    (k::PHONE, PHONE_UNUSUAL.to_string()),
                    (k::EMAIL, EMAIL_UNUSUAL.to_string()),
                ],
            ),
        ];
        for (name, phone, email, warnings) in cases {
            let mut form = identity_form(&rf, &person());
            set(&mut form, k::PHONE, phone);
            set(&mut form, k::EMAIL, email);
            let mut form = validated(form);
            let want = Change::Upsert(Record::Person(Person {
                phone: phone.into(),
                email: email.into(),
                ..person()
            }));
            let first = read_identity(&Reader::new(&form, now()), person());
            if warnings.is_empty() {
                assert_eq!(first, Ok(want), "{name}");
                continue;
            }
            assert_eq!(first, Err(Refusal::Unusual(warnings.clone())), "{name}");
            // The app shows the warnings; the same values confirmed again are stored.
            for (key, message) in &warnings {
                form.warn(key, message);
            }
            assert_eq!(
                form.field(warnings[0].0).unwrap().error.as_deref(),
                Some(warnings[0].1.as_str()),
                "{name}: shown under the field"
            );
            let form = validated(form);
            let again = read_identity(&Reader::new(&form, now()), person());
            assert_eq!(again, Ok(want), "{name}: insisted");
            // Changing a warned value asks again.
            let mut form = form;
            set(&mut form, warnings[0].0, "0");
            let form = validated(form);
            assert!(
                matches!(
                    read_identity(&Reader::new(&form, now()), person()),
                    Err(Refusal::Unusual(_))
                ),
                "{name}: changed value warned again"
            );
        }
    }

    #[test]
    fn new_person_reader_warns_about_an_unusual_phone_then_stores_it() {
        use crate::domain::rules::PHONE_UNUSUAL;
        let rf = Referential::embedded();
        let mut form = new_person_form(&rf, "", now().date());
        set(&mut form, identity_key::NOM, "Durand");
        set(&mut form, identity_key::PRENOM, "Paul");
        set(&mut form, identity_key::PHONE, "12 34 56");
        let mut form = validated(form);
        assert_eq!(
            read_new_person(&Reader::new(&form, now())),
            Err(Refusal::Unusual(vec![(
                identity_key::PHONE,
                PHONE_UNUSUAL.to_string()
            )]))
        );
        form.warn(identity_key::PHONE, PHONE_UNUSUAL);
        let form = validated(form);
        let file = read_new_person(&Reader::new(&form, now())).unwrap();
        assert_eq!(file.person.phone, "12 34 56");
    }

    #[test]
    fn new_person_reader_checks_birth_and_orientation_ranges() {
        let rf = Referential::embedded();
        // (name, birth typed, orientation typed, refusal)
        let cases: Vec<(&str, &str, &str, Option<Refusal>)> = vec![
            ("usual", "04/05/1990", "10/03/2026", None),
            (
                "born_yesterday",
                "hier",
                "10/03/2026",
                Some(Refusal::field(
                    identity_key::BIRTH,
                    "Moins de 15 ans (0 an) : vérifiez l'année, l'âge attendu va de 15 à 120 ans",
                )),
            ),
            (
                "orientation_year_typo",
                "04/05/1990",
                "10/03/2062",
                Some(Refusal::field(
                    first_suivi_key::ORIENTATION,
                    format!("Date d'orientation {RANGE_1Y}"),
                )),
            ),
        ];
        for (name, birth, orientation, want) in cases {
            let mut form = new_person_form(&rf, "", now().date());
            set(&mut form, identity_key::NOM, "Durand");
            set(&mut form, identity_key::PRENOM, "Paul");
            set(&mut form, identity_key::BIRTH, birth);
            set(&mut form, first_suivi_key::ORIENTATION, orientation);
            let form = validated(form);
            let got = read_new_person(&Reader::new(&form, now())).err();
            assert_eq!(got, want, "{name}");
        }
        // A refused date comes before the warning about an unusual phone.
        let mut form = new_person_form(&rf, "", now().date());
        set(&mut form, identity_key::NOM, "Durand");
        set(&mut form, identity_key::PRENOM, "Paul");
        set(&mut form, identity_key::PHONE, "12");
        set(&mut form, first_suivi_key::ORIENTATION, "10/03/2062");
        let form = validated(form);
        assert!(matches!(
            read_new_person(&Reader::new(&form, now())),
            Err(Refusal::Field {
                key: first_suivi_key::ORIENTATION,
                ..
            })
        ));
    }

    /// A person with every identity, benefit and eligibility-source field set.
    fn filled() -> Person {
        let body = "1850578006084";
        Person {
            nom_naissance: "Lefebvre".into(),
            caf_numero: "1234567".into(),
            caf_organisme: "msa".into(),
            nir: format!("{body}{:02}", nir::key(body).unwrap()),
            id_france_travail: "FT-1".into(),
            id_departement: "D-2".into(),
            role_foyer: "demandeur".into(),
            adresse: "Bât. B\n3 rue Haute".into(),
            code_postal: "62300".into(),
            rsa_depuis: d(2024, 3, 1),
            rsa_statut: codes::BENEFIT_SUSPENDED.into(),
            ass_statut: "en_instruction".into(),
            aah_depuis: d(2019, 1, 1),
            aah_statut: "radie".into(),
            ase_sortant: Some(true),
            protection: codes::PROTECTION_ASYLUM_SEEKER.into(),
            rqth: Some(true),
            rqth_fin: d(2027, 6, 30),
            zrr: Some(false),
            qpv: None,
            niveau_francais: "a2".into(),
            parent_isole: Some(false),
            ..person()
        }
    }

    #[test]
    fn identity_and_rights_readers_read_every_new_field_back() {
        let rf = Referential::embedded();
        for shown in [false, true] {
            let form = validated(identity_form_nir(&rf, &filled(), shown));
            let got = read_identity(&Reader::new(&form, now()), filled());
            assert_eq!(got, Ok(Change::Upsert(Record::Person(filled()))), "{shown}");
        }
        let form = validated(rights_form(&rf, &filled()));
        let got = read_rights(&Reader::new(&form, now()), filled());
        assert_eq!(got, Ok(Change::Upsert(Record::Person(filled()))));
        // Unknown stays unknown through the form (never read as « non »).
        let form = validated(rights_form(&rf, &person()));
        assert_eq!(
            read_rights(&Reader::new(&form, now()), person()),
            Ok(Change::Upsert(Record::Person(person())))
        );
    }

    #[test]
    fn identity_form_masks_the_nir_unless_shown() {
        let rf = Referential::embedded();
        let p = filled();
        let masked = identity_form(&rf, &p);
        assert_eq!(masked.value(identity_key::NIR), "1 85 05 •• ••• ••• ••");
        let shown = identity_form_nir(&rf, &p, true);
        assert_eq!(shown.value(identity_key::NIR), nir::spaced(&p.nir));
    }

    #[test]
    fn identity_reader_new_field_cases() {
        use identity_key as k;
        let rf = Referential::embedded();
        let p = filled();
        let corsica_body = "290012A012345";
        let corsica = format!("{corsica_body}{:02}", nir::key(corsica_body).unwrap());
        let spaced_corsica = nir::spaced(&corsica).to_lowercase();
        // (name, field, typed, the person read or the refusal)
        type Case = (&'static str, &'static str, String, Result<Person, Refusal>);
        let cases: Vec<Case> = vec![
            (
                "nir_typed_spaced_lower_case",
                k::NIR,
                spaced_corsica,
                Ok(Person {
                    nir: corsica.clone(),
                    ..filled()
                }),
            ),
            (
                "nir_cleared",
                k::NIR,
                String::new(),
                Ok(Person {
                    nir: String::new(),
                    ..filled()
                }),
            ),
            (
                "nir_wrong_key",
                k::NIR,
                format!("{}00", &corsica[..13]),
                Err(Refusal::field(
                    k::NIR,
                    "NIR : la clé ne correspond pas au numéro (vérifiez chaque chiffre)",
                )),
            ),
            (
                "nir_short",
                k::NIR,
                "1 85 05".into(),
                Err(Refusal::field(
                    k::NIR,
                    "NIR : 15 caractères attendus (13 chiffres et la clé), 5 saisis",
                )),
            ),
            (
                "postcode_spaced",
                k::CODE_POSTAL,
                "62 300".into(),
                Ok(filled()),
            ),
            (
                "postcode_four_digits",
                k::CODE_POSTAL,
                "6230".into(),
                Err(Refusal::field(
                    k::CODE_POSTAL,
                    "Code postal : 5 chiffres attendus (ex. 62300)",
                )),
            ),
        ];
        for (name, key, typed, want) in cases {
            let mut form = identity_form(&rf, &p);
            set(&mut form, key, &typed);
            let form = validated(form);
            let got = read_identity(&Reader::new(&form, now()), p.clone());
            assert_eq!(
                got,
                want.map(|p| Change::Upsert(Record::Person(p))),
                "{name}"
            );
        }
    }

    #[test]
    fn rights_reader_cases() {
        use rights_key as k;
        let rf = Referential::embedded();
        // (name, typed, choices, want)
        type Case = (
            &'static str,
            Vec<(&'static str, &'static str)>,
            Vec<(&'static str, &'static str)>,
            Result<Person, Refusal>,
        );
        let cases: Vec<Case> = vec![
            (
                "rsa_open_since",
                vec![(k::RSA_DEPUIS, "01/02/2025")],
                vec![(k::RSA_STATUT, "ouvert")],
                Ok(Person {
                    rsa_statut: "ouvert".into(),
                    rsa_depuis: d(2025, 2, 1),
                    ..person()
                }),
            ),
            (
                "rsa_since_tomorrow",
                vec![(k::RSA_DEPUIS, "11/03/2026")],
                vec![],
                Err(Refusal::field(
                    k::RSA_DEPUIS,
                    "Droit RSA : la date « depuis le » est dans le futur",
                )),
            ),
            (
                "rqth_no_with_end_date",
                vec![(k::RQTH_FIN, "01/01/2027")],
                vec![(k::RQTH, "non")],
                Err(Refusal::field(
                    k::RQTH_FIN,
                    "Une date de fin de RQTH suppose une RQTH : choisissez « oui », ou effacez la date",
                )),
            ),
            (
                "flags_no_and_yes",
                vec![],
                vec![(k::QPV, "non"), (k::ZRR, "oui"), (k::FRANCAIS, "infra_a1")],
                Ok(Person {
                    qpv: Some(false),
                    zrr: Some(true),
                    niveau_francais: "infra_a1".into(),
                    ..person()
                }),
            ),
        ];
        for (name, typed, choices, want) in cases {
            let mut form = rights_form(&rf, &person());
            for (key, v) in typed {
                set(&mut form, key, v);
            }
            for (key, code) in choices {
                choose(&mut form, key, code);
            }
            let form = validated(form);
            let got = read_rights(&Reader::new(&form, now()), person());
            assert_eq!(
                got,
                want.map(|p| Change::Upsert(Record::Person(p))),
                "{name}"
            );
        }
    }

    fn suivi() -> Suivi {
        Suivi {
            id: 4,
            person_id: 9,
            dispositif: DEFAULT_DISPOSITIF.into(),
            referent: "Camille".into(),
            prescripteur: "Mission locale de Lens".into(),
            date_orientation: d(2026, 1, 5),
            contrat: codes::CONTRACT_NONE.into(),
            ..Default::default()
        }
    }

    #[test]
    fn suivi_reader_reads_every_key_of_its_form() {
        let rf = Referential::embedded();
        let form = validated(suivi_form(&rf, &suivi()));
        let got = read_suivi(&Reader::new(&form, now()), suivi());
        assert_eq!(got, Ok(Change::Upsert(Record::Suivi(suivi()))));
    }

    const RANGE_1Y: &str = "hors limites : entre le 10/03/2006 (il y a 20 ans) et le 10/03/2027 (dans 1 an) — vérifiez l'année";

    #[test]
    fn suivi_reader_old_dates_kept_as_stored_are_not_questioned() {
        let rf = Referential::embedded();
        let old = Suivi {
            date_orientation: d(2001, 9, 3),
            date_entree: d(2001, 9, 10),
            ..suivi()
        };
        let mut form = suivi_form(&rf, &old);
        set(&mut form, suivi_key::REFERENT, "Camille B.");
        let form = validated(form);
        assert_eq!(
            read_suivi(&Reader::new(&form, now()), old.clone()),
            Ok(Change::Upsert(Record::Suivi(Suivi {
                referent: "Camille B.".into(),
                ..old
            })))
        );
    }

    #[test]
    fn suivi_reader_cases() {
        use suivi_key as k;
        let rf = Referential::embedded();
        let exit = rf.exit_categories[0].code.clone();
        // (name, typed, exit reason, want)
        type Case<'a> = (
            &'a str,
            Vec<(&'a str, &'a str)>,
            &'a str,
            Result<Suivi, Refusal>,
        );
        let cases: Vec<Case> = vec![
            (
                "contract_dates",
                vec![
                    (k::CONTRAT_DEBUT, "01/02/2026"),
                    (k::CONTRAT_FIN, "31/07/2026"),
                ],
                "",
                Ok(Suivi {
                    contrat_debut: d(2026, 2, 1),
                    contrat_fin: d(2026, 7, 31),
                    ..suivi()
                }),
            ),
            (
                "contract_ends_before_it_starts",
                vec![
                    (k::CONTRAT_DEBUT, "01/02/2026"),
                    (k::CONTRAT_FIN, "31/01/2026"),
                ],
                "",
                Err(Refusal::field(
                    k::CONTRAT_FIN,
                    "La fin du contrat précède son début",
                )),
            ),
            (
                "exit_with_date_and_reason",
                vec![(k::SORTIE, "09/03/2026"), (k::SORTIE_DETAIL, " CDI ")],
                &exit,
                Ok(Suivi {
                    sortie_date: d(2026, 3, 9),
                    sortie_categorie: Some(exit.clone()),
                    sortie_detail: "CDI".into(),
                    ..suivi()
                }),
            ),
            (
                "exit_without_reason",
                vec![(k::SORTIE, "09/03/2026")],
                "",
                Err(Refusal::field(k::SORTIE_CAT, "Indiquez le motif de sortie")),
            ),
            (
                "reason_without_date",
                vec![],
                &exit,
                Err(Refusal::field(k::SORTIE, "Indiquez la date de sortie")),
            ),
            (
                "orientation_year_typo",
                vec![(k::ORIENTATION, "05/01/1926")],
                "",
                Err(Refusal::field(k::ORIENTATION, format!("Date d'orientation {RANGE_1Y}"))),
            ),
            (
                "entry_planned_next_month",
                vec![(k::ENTREE, "10/04/2026")],
                "",
                Ok(Suivi {
                    date_entree: d(2026, 4, 10),
                    ..suivi()
                }),
            ),
            (
                "contact_2062",
                vec![(k::CONTACT, "01/02/2062")],
                "",
                Err(Refusal::field(k::CONTACT, format!("Date de premier contact {RANGE_1Y}"))),
            ),
            (
                "contract_start_too_far",
                vec![(k::CONTRAT_DEBUT, "01/02/2028")],
                "",
                Err(Refusal::field(k::CONTRAT_DEBUT, format!("Début du contrat {RANGE_1Y}"))),
            ),
            (
                "contract_end_in_4_years",
                vec![(k::CONTRAT_DEBUT, "01/02/2026"), (k::CONTRAT_FIN, "31/01/2030")],
                "",
                Ok(Suivi {
                    contrat_debut: d(2026, 2, 1),
                    contrat_fin: d(2030, 1, 31),
                    ..suivi()
                }),
            ),
            (
                "contract_end_year_typo",
                vec![(k::CONTRAT_DEBUT, "01/02/2026"), (k::CONTRAT_FIN, "31/01/2062")],
                "",
                Err(Refusal::field(k::CONTRAT_FIN, "Fin du contrat hors limites : entre le 10/03/2006 (il y a 20 ans) et le 10/03/2031 (dans 5 ans) — vérifiez l'année")),
            ),
            (
                "exit_in_the_future",
                vec![(k::SORTIE, "11/03/2026")],
                &exit,
                Err(Refusal::field(k::SORTIE, "Date de sortie hors limites : entre le 10/03/2006 (il y a 20 ans) et aujourd'hui (10/03/2026) — vérifiez l'année")),
            ),
            (
                "range_before_consistency",
                vec![(k::SORTIE, "11/03/2062")],
                "",
                Err(Refusal::field(k::SORTIE, "Date de sortie hors limites : entre le 10/03/2006 (il y a 20 ans) et aujourd'hui (10/03/2026) — vérifiez l'année")),
            ),
        ];
        for (name, typed, reason, want) in cases {
            let mut form = suivi_form(&rf, &suivi());
            for (key, v) in typed {
                set(&mut form, key, v);
            }
            choose(&mut form, k::SORTIE_CAT, reason);
            let form = validated(form);
            let got = read_suivi(&Reader::new(&form, now()), suivi());
            assert_eq!(
                got,
                want.map(|s| Change::Upsert(Record::Suivi(s))),
                "{name}"
            );
        }
    }
}
