//! The referential: themes, situations, levels, statuses, action types, partners...
//!
//! Records store stable codes; labels come from here. A code the referential no longer
//! knows is kept in the record and shown raw (see [`Referential::label`]).

use serde::{Deserialize, Serialize};

/// The referential shipped with the binary.
pub const EMBEDDED: &str = include_str!("../../assets/referentiel.toml");

/// A plain code + label entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Item {
    pub code: String,
    pub label: String,
}

/// A barrier situation of a theme.
pub type Situation = Item;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Theme {
    pub code: String,
    pub label: String,
    /// Short label for narrow screens (at most 10 characters).
    pub short: String,
    /// A structure may switch a theme off (e.g. "justice", see the CNIL note).
    #[serde(default = "yes")]
    pub enabled: bool,
    #[serde(default)]
    pub situations: Vec<Situation>,
}

/// A level of the diagnostic grid, from "non abordé" to "obstacle majeur".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Level {
    pub code: String,
    pub label: String,
    /// One-character glyph shown beside the word (never colour alone).
    pub glyph: String,
    /// Severity rank used for trends: 0 = non abordé, 1 = point d'appui ... 4 = obstacle majeur.
    pub rank: u8,
}

/// A status whose "open" flag tells whether the item still needs work
/// (an open action past its due date is overdue).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Status {
    pub code: String,
    pub label: String,
    #[serde(default)]
    pub open: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActionType {
    pub code: String,
    pub label: String,
    /// Theme the action usually addresses, if any.
    #[serde(default)]
    pub theme: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExitCategory {
    pub code: String,
    pub label: String,
    /// Group of the typology: emploi_durable, emploi_transition, sortie_positive, reorientation, autre.
    pub group: String,
    /// Counts as a "sortie dynamique" (emploi durable + transition + sortie positive).
    pub dynamic: bool,
}

/// A category of démarche beside the social themes (employment, link with the prescripteur).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DemarcheCategory {
    pub code: String,
    pub label: String,
    /// Short label for the report form's check boxes (at most 10 characters).
    pub short: String,
    /// Group of the activity report: [`GROUP_SOCIAL`] or [`GROUP_EMPLOI`].
    pub group: String,
}

/// Démarche group of the social themes (and of « lien avec le prescripteur »).
pub const GROUP_SOCIAL: &str = "social";
/// Démarche group of the employment categories.
pub const GROUP_EMPLOI: &str = "emploi";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Referential {
    pub version: u32,
    pub themes: Vec<Theme>,
    pub levels: Vec<Level>,
    pub barrier_statuses: Vec<Status>,
    pub objective_statuses: Vec<Status>,
    pub action_statuses: Vec<Status>,
    pub appointment_statuses: Vec<Status>,
    pub appointment_media: Vec<Item>,
    pub action_types: Vec<ActionType>,
    pub partners: Vec<Item>,
    pub dispositifs: Vec<Item>,
    pub contracts: Vec<Item>,
    pub exit_categories: Vec<ExitCategory>,
    pub niveaux: Vec<Item>,
    pub diagnostic_kinds: Vec<Item>,
    pub sexes: Vec<Item>,
    pub job_needs: Vec<Item>,
    /// Who pays the benefits, for the n° allocataire (CAF, MSA).
    pub benefit_organisms: Vec<Item>,
    /// Role in the household of the benefit (demandeur, conjoint).
    pub household_roles: Vec<Item>,
    /// Status of a benefit right (RSA, ASS, AAH): ouvert, suspendu, radié...
    pub benefit_statuses: Vec<Item>,
    /// Protection status (réfugié·e, protection subsidiaire, demandeur·se d'asile, aucune).
    pub protection_statuses: Vec<Item>,
    /// Level of French (inférieur à A1 ... langue maternelle).
    pub french_levels: Vec<Item>,
    /// Démarche categories beside the social themes (grouped social / emploi).
    #[serde(default)]
    pub demarche_categories: Vec<DemarcheCategory>,
    /// Types of étape de parcours (CDD, PMSMP, mise en logement...).
    #[serde(default)]
    pub etape_types: Vec<Item>,
    /// Motifs of a saisine of the Département.
    #[serde(default)]
    pub saisine_motifs: Vec<Item>,
    /// Situations recorded by the veille à 6 mois.
    #[serde(default)]
    pub veille_situations: Vec<Item>,
    /// Types of collective sessions (atelier, information collective, sortie, forum...).
    #[serde(default)]
    pub session_types: Vec<Item>,
}

fn yes() -> bool {
    true
}

/// Partial override read from `referentiel.toml` in the user's config directory.
/// Items are merged by code (same code replaces, new code is appended); themes listed in
/// `disabled_themes` are switched off (e.g. "justice" for structures not named by decree).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Override {
    pub disabled_themes: Vec<String>,
    pub themes: Vec<Theme>,
    pub action_types: Vec<ActionType>,
    pub partners: Vec<Item>,
    pub dispositifs: Vec<Item>,
    pub session_types: Vec<Item>,
}

/// Problems with a referential file, in French for the user.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReferentialError {
    #[error("Référentiel illisible ({0})")]
    Syntax(String),
    #[error("Référentiel : code « {code} » en double dans « {list} »")]
    Duplicate { list: &'static str, code: String },
    #[error("Référentiel : le code obligatoire « {code} » manque dans « {list} »")]
    Missing { list: &'static str, code: String },
}

/// Any list entry with a code and a label.
pub trait Coded {
    fn code(&self) -> &str;
    fn label(&self) -> &str;
}

macro_rules! coded {
    ($($t:ty),*) => {$(
        impl Coded for $t {
            fn code(&self) -> &str { &self.code }
            fn label(&self) -> &str { &self.label }
        }
    )*};
}
coded!(
    DemarcheCategory,
    Item,
    Theme,
    Level,
    Status,
    ActionType,
    ExitCategory
);

/// Label for `code` in `list`, or the raw code when unknown (never dropped).
pub fn label_in<'a, T: Coded>(list: &'a [T], code: &'a str) -> &'a str {
    list.iter()
        .find(|i| i.code() == code)
        .map(|i| i.label())
        .unwrap_or(code)
}

/// The code following `code` in `list` (wrapping), for one-key cycling.
pub fn next_code<T: Coded>(list: &[T], code: &str) -> String {
    let pos = list.iter().position(|i| i.code() == code);
    let next = match pos {
        Some(p) => (p + 1) % list.len().max(1),
        None => 0,
    };
    list.get(next)
        .map(|i| i.code().to_string())
        .unwrap_or_else(|| code.to_string())
}

impl Referential {
    /// The embedded referential. It is validated by the test suite, so this cannot fail
    /// in a released binary; a failure here is a build defect.
    pub fn embedded() -> Referential {
        Self::parse(EMBEDDED).expect("embedded referential is valid (checked by tests)")
    }

    pub fn parse(text: &str) -> Result<Referential, ReferentialError> {
        let r: Referential =
            toml::from_str(text).map_err(|e| ReferentialError::Syntax(e.to_string()))?;
        r.validate()?;
        Ok(r)
    }

    /// Embedded referential with a user override merged on top. A broken override is
    /// reported (French message) and ignored: the embedded referential is used.
    pub fn with_override(text: Option<&str>) -> (Referential, Option<String>) {
        let base = Self::embedded();
        let Some(text) = text else {
            return (base, None);
        };
        match toml::from_str::<Override>(text) {
            Ok(o) => {
                let mut merged = base.clone();
                merged.merge(o);
                match merged.validate() {
                    Ok(()) => (merged, None),
                    Err(e) => (base, Some(format!("{e} ; référentiel par défaut utilisé"))),
                }
            }
            Err(e) => (
                base,
                Some(format!(
                    "Fichier referentiel.toml illisible ({}) ; référentiel par défaut utilisé",
                    first_line(&e.to_string())
                )),
            ),
        }
    }

    fn merge(&mut self, o: Override) {
        fn merge_list<T: Coded + Clone>(base: &mut Vec<T>, extra: Vec<T>) {
            for item in extra {
                match base.iter_mut().find(|b| b.code() == item.code()) {
                    Some(b) => *b = item,
                    None => base.push(item),
                }
            }
        }
        merge_list(&mut self.themes, o.themes);
        merge_list(&mut self.action_types, o.action_types);
        merge_list(&mut self.partners, o.partners);
        merge_list(&mut self.dispositifs, o.dispositifs);
        merge_list(&mut self.session_types, o.session_types);
        for t in &mut self.themes {
            if o.disabled_themes.iter().any(|d| d == &t.code) {
                t.enabled = false;
            }
        }
    }

    fn validate(&self) -> Result<(), ReferentialError> {
        fn unique<T: Coded>(list: &'static str, items: &[T]) -> Result<(), ReferentialError> {
            let mut seen = std::collections::HashSet::new();
            for i in items {
                if !seen.insert(i.code()) {
                    return Err(ReferentialError::Duplicate {
                        list,
                        code: i.code().to_string(),
                    });
                }
            }
            Ok(())
        }
        fn need<T: Coded>(
            list: &'static str,
            items: &[T],
            codes: &[&str],
        ) -> Result<(), ReferentialError> {
            for c in codes {
                if !items.iter().any(|i| i.code() == *c) {
                    return Err(ReferentialError::Missing {
                        list,
                        code: c.to_string(),
                    });
                }
            }
            Ok(())
        }
        use super::codes as c;
        unique("themes", &self.themes)?;
        let all_situations: Vec<Item> = self
            .themes
            .iter()
            .flat_map(|t| t.situations.iter().cloned())
            .collect();
        unique("situations", &all_situations)?;
        unique("levels", &self.levels)?;
        unique("barrier_statuses", &self.barrier_statuses)?;
        unique("objective_statuses", &self.objective_statuses)?;
        unique("action_statuses", &self.action_statuses)?;
        unique("appointment_statuses", &self.appointment_statuses)?;
        unique("appointment_media", &self.appointment_media)?;
        unique("action_types", &self.action_types)?;
        unique("partners", &self.partners)?;
        unique("dispositifs", &self.dispositifs)?;
        unique("contracts", &self.contracts)?;
        unique("exit_categories", &self.exit_categories)?;
        unique("niveaux", &self.niveaux)?;
        unique("diagnostic_kinds", &self.diagnostic_kinds)?;
        unique("sexes", &self.sexes)?;
        unique("job_needs", &self.job_needs)?;
        unique("benefit_organisms", &self.benefit_organisms)?;
        unique("household_roles", &self.household_roles)?;
        unique("benefit_statuses", &self.benefit_statuses)?;
        unique("protection_statuses", &self.protection_statuses)?;
        unique("french_levels", &self.french_levels)?;
        need(
            "benefit_statuses",
            &self.benefit_statuses,
            &[c::BENEFIT_OPEN, c::BENEFIT_SUSPENDED],
        )?;
        need(
            "protection_statuses",
            &self.protection_statuses,
            &[
                c::PROTECTION_REFUGEE,
                c::PROTECTION_SUBSIDIARY,
                c::PROTECTION_ASYLUM_SEEKER,
                c::PROTECTION_NONE,
            ],
        )?;
        need("french_levels", &self.french_levels, &[c::FRENCH_BELOW_A1])?;
        unique("demarche_categories", &self.demarche_categories)?;
        unique("etape_types", &self.etape_types)?;
        unique("saisine_motifs", &self.saisine_motifs)?;
        unique("veille_situations", &self.veille_situations)?;
        // A démarche is tagged by a theme or a category code: one list of codes.
        let tags: Vec<Item> = self
            .themes
            .iter()
            .map(|t| Item {
                code: t.code.clone(),
                label: t.label.clone(),
            })
            .chain(self.demarche_categories.iter().map(|c| Item {
                code: c.code.clone(),
                label: c.label.clone(),
            }))
            .collect();
        unique("themes + demarche_categories", &tags)?;
        unique("session_types", &self.session_types)?;
        need("levels", &self.levels, &[c::LEVEL_NOT_ADDRESSED])?;
        need(
            "appointment_statuses",
            &self.appointment_statuses,
            &[
                c::APPT_PLANNED,
                c::APPT_HONOURED,
                c::APPT_EXCUSED,
                c::APPT_CANCELLED,
                c::APPT_ABSENT,
            ],
        )?;
        need(
            "barrier_statuses",
            &self.barrier_statuses,
            &[
                c::BARRIER_IDENTIFIED,
                c::BARRIER_IN_PROGRESS,
                c::BARRIER_LIFTED,
            ],
        )?;
        need(
            "action_statuses",
            &self.action_statuses,
            &[c::ACTION_PLANNED],
        )?;
        need(
            "objective_statuses",
            &self.objective_statuses,
            &[c::OBJECTIVE_OPEN],
        )?;
        need(
            "diagnostic_kinds",
            &self.diagnostic_kinds,
            &[c::DIAG_INITIAL, c::DIAG_REVIEW],
        )?;
        need("contracts", &self.contracts, &[c::CONTRACT_NONE])?;
        need("sexes", &self.sexes, &[c::SEX_UNKNOWN])?;
        need(
            "appointment_media",
            &self.appointment_media,
            &[c::MEDIUM_DEFAULT],
        )?;
        Ok(())
    }

    /// Themes a structure has switched on, in referential order.
    pub fn active_themes(&self) -> impl Iterator<Item = &Theme> {
        self.themes.iter().filter(|t| t.enabled)
    }

    pub fn theme(&self, code: &str) -> Option<&Theme> {
        self.themes.iter().find(|t| t.code == code)
    }

    pub fn level(&self, code: &str) -> Option<&Level> {
        self.levels.iter().find(|l| l.code == code)
    }

    /// Severity rank of a level (unknown codes rank 0: they are shown raw, not guessed).
    pub fn level_rank(&self, code: &str) -> u8 {
        self.level(code).map(|l| l.rank).unwrap_or(0)
    }

    pub fn situation(&self, code: &str) -> Option<(&Theme, &Situation)> {
        self.themes
            .iter()
            .find_map(|t| t.situations.iter().find(|s| s.code == code).map(|s| (t, s)))
    }

    /// Label of a barrier: its situation label, its free label, or the raw code.
    pub fn barrier_label<'a>(&'a self, b: &'a super::Barrier) -> &'a str {
        match &b.situation {
            Some(code) => self
                .situation(code)
                .map(|(_, s)| s.label.as_str())
                .unwrap_or(if b.label.is_empty() { code } else { &b.label }),
            None => &b.label,
        }
    }

    /// Is this action status still open (so a past due date makes the action overdue)?
    pub fn action_open(&self, status: &str) -> bool {
        self.action_statuses
            .iter()
            .find(|s| s.code == status)
            .map(|s| s.open)
            // Unknown status: count it as open so it is not silently forgotten.
            .unwrap_or(true)
    }

    /// What a démarche may be tagged with, in the report form's order: the active social
    /// themes (short labels), then the categories. (code, short label, group).
    pub fn demarche_tags(&self) -> Vec<(String, String, String)> {
        self.active_themes()
            .map(|t| (t.code.clone(), t.short.clone(), GROUP_SOCIAL.to_string()))
            .chain(
                self.demarche_categories
                    .iter()
                    .map(|c| (c.code.clone(), c.short.clone(), c.group.clone())),
            )
            .collect()
    }

    /// The démarche tags (codes, in [`Referential::demarche_tags`] order) that a démarche's
    /// text names: a word of it that belongs to one tag's words only — its label, short
    /// label, and for a social theme its situations and the actions addressing it
    /// (« Point budget et mobilité » names Finances by « Gestion du budget » and Mobilité).
    /// Case, accents and a plural s / x are ignored; words of fewer than 4 letters and
    /// common ones never count. A suggestion for the advisor to check, never stored alone.
    pub fn demarche_tags_named_in(&self, text: &str) -> Vec<String> {
        use std::collections::{BTreeMap, BTreeSet};
        let tags = self.demarche_tags();
        // The tag's short name (« Logement ») names it even when a situation elsewhere has
        // the word (Justice's « Procédure civile (famille, logement) »); any other word
        // counts when it belongs to one tag only (« social » is Isolement's and
        // Logement's: neither).
        let mut names: BTreeMap<String, usize> = BTreeMap::new();
        let mut owners: BTreeMap<String, BTreeSet<usize>> = BTreeMap::new();
        for (i, (code, short, _)) in tags.iter().enumerate() {
            let mut texts = vec![short.clone()];
            if let [name] = &tag_words(short)[..] {
                names.entry(name.clone()).or_insert(i);
            }
            if let Some(t) = self.theme(code) {
                texts.push(t.label.clone());
                texts.extend(t.situations.iter().map(|s| s.label.clone()));
                texts.extend(
                    self.action_types
                        .iter()
                        .filter(|a| a.theme.as_deref() == Some(code.as_str()))
                        .map(|a| a.label.clone()),
                );
            } else if let Some(c) = self.demarche_categories.iter().find(|c| &c.code == code) {
                texts.push(c.label.clone());
            }
            for w in texts.iter().flat_map(|t| tag_words(t)) {
                owners.entry(w).or_default().insert(i);
            }
        }
        let named: BTreeSet<usize> = tag_words(text)
            .iter()
            .filter_map(|w| {
                names.get(w).copied().or_else(|| {
                    owners
                        .get(w)
                        .filter(|o| o.len() == 1)
                        .and_then(|o| o.first().copied())
                })
            })
            .collect();
        named.into_iter().map(|i| tags[i].0.clone()).collect()
    }

    /// Label of what a démarche is tagged with (theme or category), `None` when unknown.
    pub fn demarche_label(&self, code: &str) -> Option<&str> {
        self.theme(code).map(|t| t.label.as_str()).or_else(|| {
            self.demarche_categories
                .iter()
                .find(|c| c.code == code)
                .map(|c| c.label.as_str())
        })
    }

    pub fn exit_category(&self, code: &str) -> Option<&ExitCategory> {
        self.exit_categories.iter().find(|e| e.code == code)
    }

    /// Every code a record may legitimately use, for checks (e.g. the demo generator test).
    pub fn knows(&self, list: &str, code: &str) -> bool {
        fn has<T: Coded>(l: &[T], c: &str) -> bool {
            l.iter().any(|i| i.code() == c)
        }
        match list {
            "themes" => has(&self.themes, code),
            "situations" => self.situation(code).is_some(),
            "levels" => has(&self.levels, code),
            "barrier_statuses" => has(&self.barrier_statuses, code),
            "objective_statuses" => has(&self.objective_statuses, code),
            "action_statuses" => has(&self.action_statuses, code),
            "appointment_statuses" => has(&self.appointment_statuses, code),
            "appointment_media" => has(&self.appointment_media, code),
            "action_types" => has(&self.action_types, code),
            "partners" => has(&self.partners, code),
            "dispositifs" => has(&self.dispositifs, code),
            "contracts" => has(&self.contracts, code),
            "exit_categories" => has(&self.exit_categories, code),
            "niveaux" => has(&self.niveaux, code),
            "diagnostic_kinds" => has(&self.diagnostic_kinds, code),
            "sexes" => has(&self.sexes, code),
            "demarche_categories" => has(&self.demarche_categories, code),
            "etape_types" => has(&self.etape_types, code),
            "saisine_motifs" => has(&self.saisine_motifs, code),
            "veille_situations" => has(&self.veille_situations, code),
            _ => false,
        }
    }
}

fn first_line(s: &str) -> &str {
    s.lines().find(|l| !l.trim().is_empty()).unwrap_or(s).trim()
}

/// Words that tell nothing of a démarche's theme (French function words and the
/// vocabulary of any démarche), folded.
const COMMON_WORDS: &[&str] = &[
    "avec",
    "dans",
    "pour",
    "sans",
    "chez",
    "entre",
    "vers",
    "sous",
    "leur",
    "cette",
    "etre",
    "avoir",
    "faire",
    "fait",
    "faite",
    "plus",
    "moins",
    "autre",
    "tout",
    "tous",
    "toute",
    "point",
    "suite",
    "demande",
    "dossier",
    "aide",
    "besoin",
    "difficulte",
    "difficultes",
    "personne",
    "orientation",
    "accompagnement",
    "accompagner",
    "rendez",
    "vous",
];

/// The words of `text` that may name a démarche's theme: folded, of 4 letters or more, a
/// final plural s / x dropped, common words left out.
fn tag_words(text: &str) -> Vec<String> {
    crate::text::fold(text)
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().count() >= 4 && !COMMON_WORDS.contains(w))
        .map(|w| {
            let stem = w
                .strip_suffix(['s', 'x'])
                .filter(|s| s.chars().count() >= 4);
            stem.unwrap_or(w).to_string()
        })
        .filter(|w| !COMMON_WORDS.contains(&w.as_str()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_demarche_names_the_themes_of_its_words() {
        let rf = Referential::embedded();
        let cases: &[(&str, &[&str])] = &[
            ("Point budget et mobilité", &["mobilite", "finances"]),
            ("Dossier de surendettement déposé", &["finances"]),
            ("Demande de logement social", &["logement"]),
            ("BUDGETS", &["finances"]),
            ("Appel à la CAF", &[]),
            ("", &[]),
            ("Point sur la suite", &[]),
            ("Inscription à l'atelier numérique", &["numerique"]),
            ("Hébergé chez sa sœur : demande SIAO", &["logement"]),
        ];
        for (text, want) in cases {
            assert_eq!(rf.demarche_tags_named_in(text), *want, "{text}");
        }
    }
}
