//! Who the person is, and their support period (suivi): orientation, entry, contract, exit.

use super::data::{COMMUNES, NOMS, PRENOMS_F, PRENOMS_H, REFERENTS};
use super::{crate_fold, rng_age, weekday, Rng};
use crate::domain::codes;
use crate::domain::*;
use chrono::{Duration, NaiveDate};

/// Identity: name, sex, age, contact details (created_at is set from the suivi).
pub(super) fn person(rng: &mut Rng, today: NaiveDate) -> Person {
    let female = rng.chance(52);
    let sexe = if rng.chance(2) {
        "NR"
    } else if female {
        "F"
    } else {
        "H"
    };
    let prenom = if female {
        *rng.pick(PRENOMS_F)
    } else {
        *rng.pick(PRENOMS_H)
    };
    let nom = *rng.pick(NOMS);
    let age = *rng.weighted(&[
        (rng_age(18, 25), 22),
        (rng_age(26, 49), 55),
        (rng_age(50, 64), 23),
    ]);
    let age_years = rng.range(age.0, age.1);
    let birth = today - Duration::days(age_years * 365 + rng.range(0, 364));
    let nom_usage = if female && rng.chance(18) {
        rng.pick(NOMS).to_string()
    } else {
        String::new()
    };
    let commune = rng.pick(COMMUNES).to_string();
    let phone = format!(
        "0{} {:02} {:02} {:02} {:02}",
        rng.pick(&[6, 7]),
        rng.below(100),
        rng.below(100),
        rng.below(100),
        rng.below(100)
    );
    let email = if rng.chance(65) {
        format!(
            "{}.{}{}@exemple.fr",
            crate_fold(prenom),
            crate_fold(nom),
            rng.below(100)
        )
    } else {
        String::new()
    };
    Person {
        nom: nom.to_string(),
        prenom: prenom.to_string(),
        nom_usage,
        birth_date: Some(birth),
        sexe: sexe.to_string(),
        phone,
        email,
        commune,
        ..Default::default()
    }
}

/// The support period: oriented up to 24 months ago; met (entry) or not yet, exited or not.
pub(super) fn suivi(rf: &Referential, rng: &mut Rng, today: NaiveDate) -> Suivi {
    let orientation = today - Duration::days(rng.range(3, 730));
    let contacted = rng.chance(94) || (today - orientation).num_days() < 15;
    let first_contact = if contacted && (today - orientation).num_days() > 4 {
        Some(weekday(orientation + Duration::days(rng.range(2, 20))).min(today))
    } else {
        None
    };
    let entree = first_contact
        .map(|d| d + Duration::days(rng.range(0, 14)))
        .map(|d| d.min(today));
    let dispositif = rng
        .weighted(&[
            ("rsa", 40),
            ("asp", 15),
            ("plie", 12),
            ("iae", 15),
            ("ahi", 8),
            ("cej", 7),
            ("autre", 3),
        ])
        .to_string();
    let contrat = match dispositif.as_str() {
        "rsa" => "cer",
        "cej" => "cej",
        "plie" | "iae" => *rng.pick(&["ppae", "aucun"]),
        _ => "aucun",
    }
    .to_string();
    let exited = entree.is_some() && rng.chance(14);
    let sortie_date = if exited {
        entree.map(|e| (e + Duration::days(rng.range(60, 540))).min(today - Duration::days(1)))
    } else {
        None
    };
    let sortie_categorie = sortie_date.map(|_| rng.pick(DEMO_EXITS).to_string());
    let prescripteur = rng
        .pick(&[
            "conseil_departemental",
            "france_travail",
            "mission_locale",
            "ccas",
            "spip",
            "siao",
        ])
        .to_string();
    let prescripteur = if rf.knows("partners", &prescripteur) {
        prescripteur
    } else {
        "france_travail".to_string()
    };
    Suivi {
        id: 0,
        person_id: 0,
        dispositif,
        referent: rng.pick(REFERENTS).to_string(),
        prescripteur,
        date_orientation: Some(orientation),
        date_premier_contact: first_contact,
        date_entree: entree,
        contrat_debut: if contrat != codes::CONTRACT_NONE {
            entree
        } else {
            None
        },
        contrat_fin: if contrat != codes::CONTRACT_NONE {
            entree.map(|e| e + Duration::days(*rng.pick(&[182, 365])))
        } else {
            None
        },
        contrat,
        sortie_date,
        sortie_categorie,
        sortie_detail: String::new(),
        version: 0,
        // The contract's details are left empty (demo output unchanged).
        ..Default::default()
    }
}

/// Exit codes the demo draws from: the referential's list as it was when the demo was
/// written, so codes added to the referential since do not change existing demo bases.
const DEMO_EXITS: &[&str] = &[
    "ed_cdi",
    "ed_cdd6",
    "ed_interim6",
    "ed_creation",
    "ed_fonction_publique",
    "et_cdd",
    "et_interim",
    "et_contrat_aide",
    "sp_formation",
    "sp_siae",
    "sp_accompagnement",
    "ro_france_travail",
    "ro_social",
    "ro_referent",
    "au_fin_rsa",
    "au_demenagement",
    "au_incarceration",
    "au_sans_nouvelles",
    "au_deces",
    "au_autre",
];
