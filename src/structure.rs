//! The structure's settings (`structure.toml` in the config directory): its name, address
//! and phone for the printed documents and the report header, and the capacity of its
//! convention per dispositif (« 140 mesures »), shown as occupation (« 131 / 140 »).
//!
//! A missing file is no error (nothing is printed for the structure, no occupation); a bad
//! file or value is reported in French and ignored, like `reglages.toml`.

use crate::domain::{Code, Referential};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// File name in the user's config directory.
pub const STRUCTURE_FILE: &str = "structure.toml";

/// Largest capacity accepted for one dispositif (a typo such as 14000 is still accepted;
/// a negative or absurd number is not).
pub const MAX_CAPACITY: i64 = 1_000_000;

/// What `structure.toml` says (every field may be empty).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Structure {
    /// `nom`: the structure's name (« Association Tremplin »).
    pub nom: String,
    /// `adresse`: one line or several.
    pub adresse: String,
    /// `telephone`.
    pub telephone: String,
    /// `[capacites]`: dispositif code → number of places of the convention.
    pub capacites: BTreeMap<Code, u32>,
}

/// A template for the file (`parcours structure` prints it when there is none).
pub const TEMPLATE: &str = "# parcours : la structure (documents imprimés, rapport d'activité)
nom = \"Association Tremplin\"
adresse = \"12 rue des Lilas, 59000 Lille\"
telephone = \"03 20 00 00 00\"

# Capacité de la convention par dispositif (code du référentiel) : nombre de mesures.
[capacites]
rsa = 140
";

impl Structure {
    /// Reads the file's text (None: no file). Keys this version does not know are left
    /// alone; each bad value is left out with a French warning; an unreadable file gives
    /// the empty structure and one warning.
    pub fn from_toml(text: Option<&str>) -> (Structure, Vec<String>) {
        let mut st = Structure::default();
        let Some(text) = text else {
            return (st, Vec::new());
        };
        let table: toml::Table = match toml::from_str(text) {
            Ok(t) => t,
            Err(e) => {
                return (
                    st,
                    vec![format!(
                        "Fichier {STRUCTURE_FILE} illisible ({}) : il est ignoré (pas de nom de structure ni de capacités)",
                        e.message().trim()
                    )],
                )
            }
        };
        let mut warnings = Vec::new();
        for (key, field) in [
            ("nom", &mut st.nom),
            ("adresse", &mut st.adresse),
            ("telephone", &mut st.telephone),
        ] {
            match table.get(key) {
                None => {}
                Some(toml::Value::String(s)) => *field = s.trim().to_string(),
                Some(v) => warnings.push(format!(
                    "{STRUCTURE_FILE} : {key} = {v} n'est pas un texte entre guillemets ; ignoré"
                )),
            }
        }
        match table.get("capacites") {
            None => {}
            Some(toml::Value::Table(caps)) => {
                for (code, v) in caps {
                    match v.as_integer() {
                        Some(n) if (1..=MAX_CAPACITY).contains(&n) => {
                            st.capacites.insert(code.clone(), n as u32);
                        }
                        _ => warnings.push(format!(
                            "{STRUCTURE_FILE} : capacites.{code} = {v} n'est pas un nombre de mesures (entier de 1 à {MAX_CAPACITY}) ; ignoré"
                        )),
                    }
                }
            }
            Some(v) => warnings.push(format!(
                "{STRUCTURE_FILE} : capacites = {v} doit être une section [capacites] (ex. rsa = 140) ; ignoré"
            )),
        }
        (st, warnings)
    }

    /// Capacities whose dispositif the referential does not know (a French warning each;
    /// they are kept, but no report shows them).
    pub fn unknown_dispositifs(&self, rf: &Referential) -> Vec<String> {
        let known: Vec<&str> = rf.dispositifs.iter().map(|d| d.code.as_str()).collect();
        self.capacites
            .keys()
            .filter(|c| !known.contains(&c.as_str()))
            .map(|c| {
                format!(
                    "{STRUCTURE_FILE} : capacites.{c} : dispositif inconnu du référentiel (dispositifs : {})",
                    known.join(", ")
                )
            })
            .collect()
    }

    /// The name, or « » when the file gives none.
    pub fn name_or<'a>(&'a self, default: &'a str) -> &'a str {
        if self.nom.is_empty() {
            default
        } else {
            &self.nom
        }
    }

    /// The settings as they are used, in French (`parcours structure`).
    pub fn describe(&self, rf: &Referential) -> String {
        let or_none = |s: &str| {
            if s.is_empty() {
                "(non renseigné)".to_string()
            } else {
                s.replace('\n', " / ")
            }
        };
        let mut out = format!(
            "Nom : {}\nAdresse : {}\nTéléphone : {}\nCapacité de la convention :\n",
            or_none(&self.nom),
            or_none(&self.adresse),
            or_none(&self.telephone)
        );
        if self.capacites.is_empty() {
            out.push_str("  (aucune : l'occupation n'est pas affichée)\n");
        }
        for (code, n) in &self.capacites {
            let label = crate::domain::referential::label_in(&rf.dispositifs, code);
            out.push_str(&format!("  {label} ({code}) : {n} mesures\n"));
        }
        out
    }
}

/// The path of `structure.toml` (None: no config directory).
pub fn path() -> Option<PathBuf> {
    crate::config::config_dir().map(|d| d.join(STRUCTURE_FILE))
}

/// The structure of the config directory (empty when there is no file), and the French
/// warnings of a bad file (joined with « · »).
pub fn load() -> (Structure, Option<String>) {
    let read = path().map(std::fs::read_to_string);
    let (st, warnings) = match read {
        Some(Ok(text)) => Structure::from_toml(Some(&text)),
        Some(Err(e)) if e.kind() != std::io::ErrorKind::NotFound => (
            Structure::default(),
            vec![format!(
                "Fichier {STRUCTURE_FILE} illisible ({e}) : il est ignoré"
            )],
        ),
        _ => (Structure::default(), Vec::new()),
    };
    let w = (!warnings.is_empty()).then(|| warnings.join(" · "));
    (st, w)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_name_address_and_capacities() {
        let (st, w) = Structure::from_toml(Some(TEMPLATE));
        assert!(w.is_empty(), "{w:?}");
        assert_eq!(st.nom, "Association Tremplin");
        assert_eq!(st.telephone, "03 20 00 00 00");
        assert_eq!(st.capacites.get("rsa"), Some(&140));
        assert_eq!(Structure::from_toml(None), (Structure::default(), vec![]));
    }

    #[test]
    fn bad_values_are_left_out_with_a_french_warning() {
        let (st, w) = Structure::from_toml(Some(
            "nom = 3\nautre = true\n[capacites]\nrsa = -4\nplie = \"beaucoup\"\niae = 12\n",
        ));
        assert_eq!(st.nom, "");
        assert_eq!(st.capacites.len(), 1);
        assert_eq!(st.capacites.get("iae"), Some(&12));
        assert_eq!(w.len(), 3, "{w:?}");
        assert!(w[0].contains("nom = 3"));
        assert!(w.iter().any(|x| x.contains("capacites.rsa = -4")));
        let (st, w) = Structure::from_toml(Some("capacites = 140"));
        assert!(st.capacites.is_empty());
        assert!(w[0].contains("section [capacites]"));
        let (st, w) = Structure::from_toml(Some("nom = \"sans fin"));
        assert_eq!(st, Structure::default());
        assert!(w[0].contains("illisible"), "{w:?}");
    }

    #[test]
    fn unknown_dispositif_is_reported() {
        let rf = Referential::embedded();
        let (st, _) = Structure::from_toml(Some("[capacites]\nrsa = 10\nxyz = 3\n"));
        let w = st.unknown_dispositifs(&rf);
        assert_eq!(w.len(), 1);
        assert!(w[0].contains("capacites.xyz"));
        assert!(st.describe(&rf).contains("(rsa) : 10 mesures"));
    }
}
