//! Column headers: normalised (case, accents, spaces and punctuation ignored, « n° » read as
//! « numero ») and matched to the fields an orientation list can carry.

use crate::text::fold;

/// What a column of an orientation list can hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Field {
    Nom,
    Prenom,
    NomNaissance,
    NomUsage,
    Sexe,
    DateNaissance,
    NumeroCaf,
    Nir,
    IdFranceTravail,
    IdDepartement,
    Role,
    Email,
    Telephone,
    /// Several columns may hold parts of the address (« Champ adresse 1–5 »): joined.
    Adresse,
    CodePostal,
    Commune,
    DateOuvertureDroit,
    StatutDroit,
    DateOrientation,
    StructureReferente,
    EmailReferent,
    /// A column a profile says to leave aside.
    Ignorer,
}

impl Field {
    /// Every field, with the code a profile names it by.
    pub const ALL: [(Field, &'static str); 22] = [
        (Field::Nom, "nom"),
        (Field::Prenom, "prenom"),
        (Field::NomNaissance, "nom_naissance"),
        (Field::NomUsage, "nom_usage"),
        (Field::Sexe, "sexe"),
        (Field::DateNaissance, "date_naissance"),
        (Field::NumeroCaf, "numero_caf"),
        (Field::Nir, "nir"),
        (Field::IdFranceTravail, "id_france_travail"),
        (Field::IdDepartement, "id_departement"),
        (Field::Role, "role"),
        (Field::Email, "email"),
        (Field::Telephone, "telephone"),
        (Field::Adresse, "adresse"),
        (Field::CodePostal, "code_postal"),
        (Field::Commune, "commune"),
        (Field::DateOuvertureDroit, "date_ouverture_droit"),
        (Field::StatutDroit, "statut_droit"),
        (Field::DateOrientation, "date_orientation"),
        (Field::StructureReferente, "structure_referente"),
        (Field::EmailReferent, "email_referent"),
        (Field::Ignorer, "ignorer"),
    ];

    pub fn from_code(code: &str) -> Option<Field> {
        let c = normalize(code);
        Field::ALL
            .iter()
            .find(|(_, k)| normalize(k) == c)
            .map(|(f, _)| *f)
    }

    pub fn code(self) -> &'static str {
        Field::ALL
            .iter()
            .find(|(f, _)| *f == self)
            .map(|(_, k)| *k)
            .unwrap_or("ignorer")
    }

    /// The French name of the field, for messages.
    pub fn label(self) -> &'static str {
        match self {
            Field::Nom => "nom",
            Field::Prenom => "prénom",
            Field::NomNaissance => "nom de naissance",
            Field::NomUsage => "nom d'usage",
            Field::Sexe => "sexe",
            Field::DateNaissance => "date de naissance",
            Field::NumeroCaf => "n° CAF",
            Field::Nir => "NIR",
            Field::IdFranceTravail => "ID France Travail",
            Field::IdDepartement => "ID Département",
            Field::Role => "rôle",
            Field::Email => "email",
            Field::Telephone => "téléphone",
            Field::Adresse => "adresse",
            Field::CodePostal => "code postal",
            Field::Commune => "commune",
            Field::DateOuvertureDroit => "date d'ouverture du droit",
            Field::StatutDroit => "statut du droit",
            Field::DateOrientation => "date d'orientation",
            Field::StructureReferente => "structure référente",
            Field::EmailReferent => "email de l'agent référent",
            Field::Ignorer => "colonne ignorée",
        }
    }
}

/// The default headers (already normalised), as Départements and RDV-Insertion write them.
const DEFAULT_ALIASES: &[(&str, Field)] = &[
    ("nomdefamille", Field::Nom),
    ("nom", Field::Nom),
    ("nomdefamillenomdusage", Field::Nom),
    ("prenom", Field::Prenom),
    ("prenoms", Field::Prenom),
    ("nomdenaissance", Field::NomNaissance),
    ("nomdusage", Field::NomUsage),
    ("civilite", Field::Sexe),
    ("sexe", Field::Sexe),
    ("genre", Field::Sexe),
    ("datedenaissance", Field::DateNaissance),
    ("datenaissance", Field::DateNaissance),
    ("numerocaf", Field::NumeroCaf),
    ("numerocafmsa", Field::NumeroCaf),
    ("numeroallocataire", Field::NumeroCaf),
    ("numerodallocataire", Field::NumeroCaf),
    ("nir", Field::Nir),
    ("numerodesecuritesociale", Field::Nir),
    ("idfrancetravail", Field::IdFranceTravail),
    ("identifiantfrancetravail", Field::IdFranceTravail),
    ("idbeneficiairedepartement", Field::IdDepartement),
    ("iddepartement", Field::IdDepartement),
    ("role", Field::Role),
    ("email", Field::Email),
    ("courriel", Field::Email),
    ("adressemail", Field::Email),
    ("numerodetelephone", Field::Telephone),
    ("telephone", Field::Telephone),
    ("adresse", Field::Adresse),
    ("champadresse1", Field::Adresse),
    ("champadresse2", Field::Adresse),
    ("champadresse3", Field::Adresse),
    ("champadresse4", Field::Adresse),
    ("champadresse5", Field::Adresse),
    ("codepostal", Field::CodePostal),
    ("commune", Field::Commune),
    ("ville", Field::Commune),
    ("datedouverturedudroit", Field::DateOuvertureDroit),
    ("dateouverturedudroit", Field::DateOuvertureDroit),
    ("statutdudroit", Field::StatutDroit),
    ("datedorientation", Field::DateOrientation),
    ("structurereferente", Field::StructureReferente),
    ("emaildelagentreferent", Field::EmailReferent),
];

/// A header as it is compared: folded (lowercase, no accents), « n° » / « nº » / a lone
/// « no » word read as « numero », then only letters and digits kept.
pub fn normalize(header: &str) -> String {
    let f = fold(header)
        .replace("n°", "numero ")
        .replace("nº", "numero ")
        .replace("n o ", "numero ");
    // « No CAF », « No. allocataire »: a word « no » alone.
    let words: Vec<&str> = f
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let mut out = String::with_capacity(f.len());
    for w in &words {
        if *w == "no" && words.len() > 1 {
            out.push_str("numero");
        } else {
            out.push_str(w);
        }
    }
    out
}

/// The field of a header by the default aliases.
pub fn default_field(header: &str) -> Option<Field> {
    let n = normalize(header);
    DEFAULT_ALIASES
        .iter()
        .find(|(a, _)| *a == n)
        .map(|(_, f)| *f)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_fold_case_accents_punctuation_and_numero() {
        assert_eq!(normalize("  PRÉNOM "), "prenom");
        assert_eq!(normalize("N° CAF"), "numerocaf");
        assert_eq!(normalize("n°allocataire"), "numeroallocataire");
        assert_eq!(normalize("No. CAF"), "numerocaf");
        assert_eq!(normalize("Date d'orientation"), "datedorientation");
        assert_eq!(default_field("Numéro CAF"), Some(Field::NumeroCaf));
        assert_eq!(default_field("nom DE famille"), Some(Field::Nom));
        assert_eq!(default_field("E-mail"), Some(Field::Email));
        assert_eq!(default_field("Champ adresse 3"), Some(Field::Adresse));
        assert_eq!(
            default_field("ID bénéficiaire département"),
            Some(Field::IdDepartement)
        );
        assert_eq!(default_field("Couleur préférée"), None);
        assert_eq!(
            Field::from_code("date_naissance"),
            Some(Field::DateNaissance)
        );
    }
}
