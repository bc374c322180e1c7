//! Import profiles: TOML files in `<config dir>/imports/`, one embedded default. A profile
//! maps a source's own headers to fields and fixes the dispositif, prescripteur,
//! référent·e and the sheet to read.

use super::headers::{default_field, normalize, Field};
use super::ImportError;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Sub-folder of the config directory holding the profiles.
pub const PROFILES_DIR: &str = "imports";
/// The name of the embedded profile.
pub const DEFAULT_NAME: &str = "defaut";
pub const DEFAULT_TOML: &str = include_str!("../../assets/import-defaut.toml");

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Profile {
    pub name: String,
    pub label: String,
    pub dispositif: String,
    pub prescripteur: String,
    pub referent: String,
    pub sheet: Option<String>,
    /// Normalised header → field.
    pub columns: HashMap<String, Field>,
}

#[derive(serde::Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct ProfileToml {
    #[serde(default)]
    libelle: String,
    #[serde(default)]
    dispositif: String,
    #[serde(default)]
    prescripteur: String,
    #[serde(default)]
    referent: String,
    feuille: Option<String>,
    #[serde(default)]
    colonnes: HashMap<String, String>,
}

impl Profile {
    pub fn parse(name: &str, text: &str) -> Result<Profile, ImportError> {
        let bad = |m: String| ImportError::Profile(name.to_string(), m);
        let t: ProfileToml = toml::from_str(text).map_err(|e| bad(e.message().to_string()))?;
        let mut columns = HashMap::new();
        for (header, field) in &t.colonnes {
            let f = Field::from_code(field).ok_or_else(|| {
                bad(format!(
                    "« {header} » = « {field} » : champ inconnu (champs : {})",
                    Field::ALL.map(|(_, c)| c).join(", ")
                ))
            })?;
            columns.insert(normalize(header), f);
        }
        Ok(Profile {
            name: name.to_string(),
            label: t.libelle,
            dispositif: t.dispositif.trim().to_string(),
            prescripteur: t.prescripteur.trim().to_string(),
            referent: t.referent.trim().to_string(),
            sheet: t.feuille.filter(|s| !s.trim().is_empty()),
            columns,
        })
    }

    pub fn embedded() -> Profile {
        Profile::parse(DEFAULT_NAME, DEFAULT_TOML).expect("the embedded profile parses")
    }

    /// The field of a header: the profile's own mapping first, then the default aliases.
    pub fn field_of(&self, header: &str) -> Option<Field> {
        self.columns
            .get(&normalize(header))
            .copied()
            .or_else(|| default_field(header))
    }
}

/// Where the profiles are (None when there is no config directory).
pub fn profiles_dir() -> Option<PathBuf> {
    crate::config::config_dir().map(|d| d.join(PROFILES_DIR))
}

/// The profiles there are: the embedded default, then those of `dir` by name. A profile
/// file that does not parse is listed with its error.
pub fn list(dir: Option<&Path>) -> Vec<Result<Profile, ImportError>> {
    let mut out = vec![Ok(Profile::embedded())];
    let Some(dir) = dir else { return out };
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    for p in files {
        let name = p
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        if name == DEFAULT_NAME {
            continue;
        }
        out.push(load_file(&name, &p));
    }
    out
}

fn load_file(name: &str, path: &Path) -> Result<Profile, ImportError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| ImportError::Profile(name.into(), crate::store::preflight::os_error_fr(&e)))?;
    Profile::parse(name, &text)
}

/// The profile `name` (None: the one named « defaut » in `dir`, else the embedded one).
pub fn load(dir: Option<&Path>, name: Option<&str>) -> Result<Profile, ImportError> {
    let name = name.map(str::trim).unwrap_or(DEFAULT_NAME);
    if let Some(d) = dir {
        let p = d.join(format!("{name}.toml"));
        if p.is_file() {
            return load_file(name, &p);
        }
    }
    if name == DEFAULT_NAME {
        return Ok(Profile::embedded());
    }
    Err(ImportError::NoProfile(name.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_profile_maps_its_headers_and_fixes_the_suivi() {
        let p = Profile::parse(
            "nord",
            "dispositif = \"plie\"\nreferent = \"C. Fontaine\"\nfeuille = \"Liste\"\n\
             [colonnes]\n\"Code individu IODAS\" = \"id_departement\"\n",
        )
        .unwrap();
        assert_eq!(
            p.field_of("code individu iodas"),
            Some(Field::IdDepartement)
        );
        assert_eq!(p.field_of("Prénom"), Some(Field::Prenom));
        assert_eq!(p.dispositif, "plie");
        assert_eq!(p.sheet.as_deref(), Some("Liste"));
        let e = Profile::parse("x", "[colonnes]\n\"a\" = \"pointure\"\n").unwrap_err();
        assert!(e.to_string().contains("champ inconnu"), "{e}");
        assert_eq!(Profile::embedded().dispositif, "rsa");
    }
}
