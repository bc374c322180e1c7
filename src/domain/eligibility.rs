//! IAE eligibility (« diagnostic d'éligibilité », Les emplois de l'inclusion): the 18
//! administrative criteria, each evaluated from the person's file as met / not met /
//! unknown **with the field it comes from**, and the rule: one level-1 criterion, or at
//! least 3 level-2 criteria for an ACI / EI / EITI and 2 for an AI / ETTI.
//!
//! The file is read in one place, [`Facts::from_file`]; the rules ([`evaluate`],
//! [`decide`]) only see [`Facts`]. No SQL, no terminal.

use super::{Code, PersonFile, Referential};
use crate::dates::{age_on, format_date};
use chrono::{Months, NaiveDate};
use serde::{Deserialize, Serialize};

/// The kind of SIAE the person is oriented to (chosen by the advisor).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum StructureKind {
    Aci,
    Ei,
    Eiti,
    Ai,
    Etti,
}

impl StructureKind {
    pub const ALL: [StructureKind; 5] = [
        StructureKind::Aci,
        StructureKind::Ei,
        StructureKind::Eiti,
        StructureKind::Ai,
        StructureKind::Etti,
    ];

    /// The stored code (and the short label): "ACI", "EI", "EITI", "AI", "ETTI".
    pub fn code(self) -> &'static str {
        match self {
            StructureKind::Aci => "ACI",
            StructureKind::Ei => "EI",
            StructureKind::Eiti => "EITI",
            StructureKind::Ai => "AI",
            StructureKind::Etti => "ETTI",
        }
    }

    pub fn from_code(code: &str) -> Option<StructureKind> {
        Self::ALL
            .into_iter()
            .find(|k| k.code().eq_ignore_ascii_case(code.trim()))
    }

    pub fn label(self) -> &'static str {
        match self {
            StructureKind::Aci => "Atelier et chantier d'insertion (ACI)",
            StructureKind::Ei => "Entreprise d'insertion (EI)",
            StructureKind::Eiti => "Entreprise d'insertion par le travail indépendant (EITI)",
            StructureKind::Ai => "Association intermédiaire (AI)",
            StructureKind::Etti => "Entreprise de travail temporaire d'insertion (ETTI)",
        }
    }

    /// Level-2 criteria needed when no level-1 criterion is met.
    pub fn level2_needed(self) -> usize {
        match self {
            StructureKind::Aci | StructureKind::Ei | StructureKind::Eiti => 3,
            StructureKind::Ai | StructureKind::Etti => 2,
        }
    }

    /// The next kind, for a cycling key.
    pub fn next(self) -> StructureKind {
        let i = Self::ALL.iter().position(|k| *k == self).unwrap_or(0);
        Self::ALL[(i + 1) % Self::ALL.len()]
    }
}

/// One of the 18 administrative criteria.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Criterion {
    Rsa,
    Ass,
    Aah,
    Detld,
    Niveau,
    Senior,
    Jeune,
    Ase,
    Deld,
    Handicap,
    ParentIsole,
    Hebergement,
    Refugie,
    Zrr,
    Qpv,
    Justice,
    Francais,
    Mobilite,
}

impl Criterion {
    /// Level 1 first, then level 2, in the order of Les emplois de l'inclusion.
    pub const ALL: [Criterion; 18] = [
        Criterion::Rsa,
        Criterion::Ass,
        Criterion::Aah,
        Criterion::Detld,
        Criterion::Niveau,
        Criterion::Senior,
        Criterion::Jeune,
        Criterion::Ase,
        Criterion::Deld,
        Criterion::Handicap,
        Criterion::ParentIsole,
        Criterion::Hebergement,
        Criterion::Refugie,
        Criterion::Zrr,
        Criterion::Qpv,
        Criterion::Justice,
        Criterion::Francais,
        Criterion::Mobilite,
    ];

    /// The stored code.
    pub fn code(self) -> &'static str {
        match self {
            Criterion::Rsa => "rsa",
            Criterion::Ass => "ass",
            Criterion::Aah => "aah",
            Criterion::Detld => "detld",
            Criterion::Niveau => "niveau_infra_cap",
            Criterion::Senior => "senior_50",
            Criterion::Jeune => "jeune_26",
            Criterion::Ase => "sortant_ase",
            Criterion::Deld => "deld",
            Criterion::Handicap => "travailleur_handicape",
            Criterion::ParentIsole => "parent_isole",
            Criterion::Hebergement => "sans_hebergement",
            Criterion::Refugie => "refugie_asile",
            Criterion::Zrr => "zrr",
            Criterion::Qpv => "qpv",
            Criterion::Justice => "justice",
            Criterion::Francais => "francais_a1",
            Criterion::Mobilite => "mobilite",
        }
    }

    pub fn from_code(code: &str) -> Option<Criterion> {
        Self::ALL.into_iter().find(|c| c.code() == code)
    }

    pub fn level(self) -> u8 {
        match self {
            Criterion::Rsa | Criterion::Ass | Criterion::Aah | Criterion::Detld => 1,
            _ => 2,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Criterion::Rsa => "Bénéficiaire du RSA",
            Criterion::Ass => "Allocataire de l'ASS",
            Criterion::Aah => "Bénéficiaire de l'AAH",
            Criterion::Detld => "Demandeur d'emploi de très longue durée (24 mois et plus)",
            Criterion::Niveau => "Niveau de formation CAP/BEP ou infra",
            Criterion::Senior => "Senior (50 ans et plus)",
            Criterion::Jeune => "Jeune (moins de 26 ans)",
            Criterion::Ase => "Sortant de l'ASE",
            Criterion::Deld => "Demandeur d'emploi de longue durée (12 à 24 mois)",
            Criterion::Handicap => "Travailleur handicapé (RQTH)",
            Criterion::ParentIsole => "Parent isolé",
            Criterion::Hebergement => "Sans hébergement, hébergé ou parcours de rue",
            Criterion::Refugie => "Réfugié, protection subsidiaire ou demandeur d'asile",
            Criterion::Zrr => "Résident en ZRR / ZFRR",
            Criterion::Qpv => "Résident en QPV",
            Criterion::Justice => "Sortant de détention ou sous main de justice",
            Criterion::Francais => "Maîtrise du français inférieure au niveau A1",
            Criterion::Mobilite => "Problème de mobilité",
        }
    }

    /// Short label for narrow screens (at most 18 characters).
    pub fn short(self) -> &'static str {
        match self {
            Criterion::Rsa => "RSA",
            Criterion::Ass => "ASS",
            Criterion::Aah => "AAH",
            Criterion::Detld => "DETLD 24 mois+",
            Criterion::Niveau => "Niveau CAP/infra",
            Criterion::Senior => "50 ans et plus",
            Criterion::Jeune => "Moins de 26 ans",
            Criterion::Ase => "Sortant de l'ASE",
            Criterion::Deld => "DELD 12-24 mois",
            Criterion::Handicap => "Travailleur handi.",
            Criterion::ParentIsole => "Parent isolé",
            Criterion::Hebergement => "Sans hébergement",
            Criterion::Refugie => "Réfugié / asile",
            Criterion::Zrr => "Résident ZRR/ZFRR",
            Criterion::Qpv => "Résident QPV",
            Criterion::Justice => "Justice",
            Criterion::Francais => "Français < A1",
            Criterion::Mobilite => "Mobilité",
        }
    }

    /// The usual proofs (« justificatifs ») of the criterion, offered in turn by the view;
    /// free text is accepted as well.
    pub fn proofs(self) -> &'static [&'static str] {
        match self {
            Criterion::Rsa => &["Attestation CAF / MSA", "Notification de droit RSA"],
            Criterion::Ass => &["Attestation France Travail (ASS)", "Avis de paiement ASS"],
            Criterion::Aah => &["Notification MDPH / CDAPH (AAH)", "Attestation CAF (AAH)"],
            Criterion::Detld | Criterion::Deld => &[
                "Attestation d'inscription France Travail",
                "Relevé de situation France Travail",
            ],
            Criterion::Niveau => &[
                "Déclaration sur l'honneur",
                "Copie du diplôme le plus élevé",
            ],
            Criterion::Senior | Criterion::Jeune => &["Pièce d'identité", "Titre de séjour"],
            Criterion::Ase => &["Attestation du Conseil départemental (ASE)"],
            Criterion::Handicap => &["Notification MDPH (RQTH)", "Carte mobilité inclusion"],
            Criterion::ParentIsole => &["Attestation CAF (composition du foyer)"],
            Criterion::Hebergement => &[
                "Attestation d'hébergement ou de domiciliation",
                "Attestation SIAO / 115",
            ],
            Criterion::Refugie => &[
                "Titre de séjour réfugié / protection subsidiaire",
                "Attestation de demande d'asile",
            ],
            Criterion::Zrr | Criterion::Qpv => {
                &["Justificatif de domicile", "Attestation de domiciliation"]
            }
            Criterion::Justice => &["Attestation du SPIP", "Justificatif de levée d'écrou"],
            Criterion::Francais => &[
                "Attestation de positionnement linguistique",
                "Attestation OFII",
            ],
            Criterion::Mobilite => &["Déclaration sur l'honneur", "Attestation d'un prescripteur"],
        }
    }
}

/// What the file says about a criterion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Status {
    Met,
    NotMet,
    Unknown,
}

impl Status {
    pub fn label(self) -> &'static str {
        match self {
            Status::Met => "rempli",
            Status::NotMet => "non rempli",
            Status::Unknown => "inconnu",
        }
    }
}

/// A criterion evaluated from the file, with the field it comes from (in French).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evaluation {
    pub criterion: Criterion,
    pub status: Status,
    pub source: String,
}

/// A yes/no fact of the file, `None` when the field is empty, with where it comes from.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Fact {
    pub value: Option<bool>,
    /// The field (and its value, a date…), shown beside the criterion.
    pub source: String,
}

impl Fact {
    pub fn known(value: bool, source: impl Into<String>) -> Fact {
        Fact {
            value: Some(value),
            source: source.into(),
        }
    }

    pub fn unknown(source: impl Into<String>) -> Fact {
        Fact {
            value: None,
            source: source.into(),
        }
    }
}

/// A ticked barrier situation of the checklist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ticked {
    pub theme: Code,
    pub code: Code,
    pub label: String,
    /// Still open (identifié, en cours, non traité); false once lifted.
    pub open: bool,
}

/// Everything the criteria are decided on, read from the file by [`Facts::from_file`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Facts {
    pub birth_date: Option<NaiveDate>,
    /// Niveau de formation code of the latest diagnostic (empty: not filled) and its label.
    pub niveau: Option<(Code, String)>,
    /// Months of inactivity of the latest diagnostic.
    pub inactivity_months: Option<u32>,
    /// Registered at France Travail (latest diagnostic), and since when.
    pub ft_registered: Option<bool>,
    pub ft_since: Option<NaiveDate>,
    /// Ticked situations of the barrier checklist (referential codes).
    pub situations: Vec<Ticked>,
    /// Themes whose level was assessed in the latest diagnostic (not « non abordé »).
    pub themes_assessed: Vec<Code>,
    /// The justice theme is switched on in this structure (CNIL): else never asked.
    pub justice_enabled: bool,
    pub rsa: Fact,
    pub ass: Fact,
    pub aah: Fact,
    pub ase: Fact,
    pub handicap: Fact,
    pub parent_isole: Fact,
    pub refugee: Fact,
    pub zrr: Fact,
    pub qpv: Fact,
    pub french_below_a1: Fact,
}

/// Situations of the referential that meet a criterion when ticked and open.
pub const HOUSING_SITUATIONS: &[&str] = &[
    "log_sans_hebergement",
    "log_heberge_tiers",
    "log_hebergement_collectif",
    "log_hotel",
];
pub const JUSTICE_SITUATIONS: &[&str] = &[
    "jus_mesure_en_cours",
    "jus_pointage",
    "jus_sortie_detention",
];
pub const MOBILITY_SITUATIONS: &[&str] = &[
    "mob_aucun_transport",
    "mob_permis_invalide",
    "mob_permis_etranger",
    "mob_sante_conduite",
    "mob_rural_isole",
];
/// Hints only: ticked, they make the criterion « inconnu, à vérifier », not met.
const RQTH_HINT: &str = "san_rqth";
const FLE_HINT: &str = "lan_fle";
const PARENT_ISOLE: &str = "fam_parent_isole";
/// Niveaux CAP/BEP or below (France Travail / Carnet de bord codes).
pub const LOW_NIVEAUX: &[&str] = &["AFS", "CP4", "CFG", "C3A", "C12", "NV5"];

impl Facts {
    /// Reads the facts from the person's file. The only place that knows which field of the
    /// file feeds which criterion.
    pub fn from_file(file: &PersonFile, rf: &Referential, today: NaiveDate) -> Facts {
        let p = &file.person;
        let diag = file.current_diagnostic();
        let situations = file
            .barriers
            .iter()
            .filter_map(|b| {
                let code = b.situation.clone()?;
                Some(Ticked {
                    theme: b.theme.clone(),
                    label: rf.barrier_label(b).to_string(),
                    open: b.resolved.is_none() && b.status != super::codes::BARRIER_LIFTED,
                    code,
                })
            })
            .collect();
        let on_rsa = file
            .current_suivi()
            .filter(|s| s.is_open() && s.dispositif == "rsa");
        let rsa = match (benefit(rf, "RSA", &p.rsa_statut, p.rsa_depuis), on_rsa) {
            // The right's status says it; else an open RSA suivi does.
            (f, _) if f.value.is_some() => f,
            (_, Some(s)) => Fact::known(
                true,
                format!(
                    "Suivi : dispositif {}",
                    super::referential::label_in(&rf.dispositifs, &s.dispositif)
                ),
            ),
            (f, None) => f,
        };
        let yes_no = |v: Option<bool>, what: &str| match v {
            Some(b) => Fact::known(b, format!("{what} : {}", if b { "oui" } else { "non" })),
            None => Fact::unknown(format!("{what} : à renseigner")),
        };
        let label = |list: &[super::referential::Item], code: &str| {
            super::referential::label_in(list, code).to_string()
        };
        let protection = match p.protection.as_str() {
            "" => Fact::unknown("Statut de protection : non renseigné"),
            code => Fact::known(
                [
                    super::codes::PROTECTION_REFUGEE,
                    super::codes::PROTECTION_SUBSIDIARY,
                    super::codes::PROTECTION_ASYLUM_SEEKER,
                ]
                .contains(&code),
                format!(
                    "Statut de protection : {}",
                    label(&rf.protection_statuses, code)
                ),
            ),
        };
        let rqth = match (p.rqth, p.rqth_fin) {
            (Some(true), Some(end)) if end < today => {
                Fact::known(false, format!("RQTH : échue le {}", format_date(end)))
            }
            (Some(true), Some(end)) => {
                Fact::known(true, format!("RQTH : oui, jusqu'au {}", format_date(end)))
            }
            (Some(true), None) => Fact::known(true, "RQTH : oui (sans date de fin)"),
            (Some(false), _) => Fact::known(false, "RQTH : non"),
            (None, _) => Fact::unknown("RQTH : non renseignée"),
        };
        let french = match p.niveau_francais.as_str() {
            "" => Fact::unknown("Niveau de français : non renseigné"),
            code => Fact::known(
                code == super::codes::FRENCH_BELOW_A1,
                format!("Niveau de français : {}", label(&rf.french_levels, code)),
            ),
        };
        Facts {
            birth_date: file.person.birth_date,
            niveau: diag.filter(|d| !d.niveau.is_empty()).map(|d| {
                let label = super::referential::label_in(&rf.niveaux, &d.niveau).to_string();
                (d.niveau.clone(), label)
            }),
            inactivity_months: diag.and_then(|d| d.inactivite_mois),
            ft_registered: diag.map(|d| d.ft_inscrit),
            ft_since: diag.and_then(|d| d.ft_date),
            situations,
            themes_assessed: diag
                .map(|d| {
                    d.themes
                        .iter()
                        .filter(|t| t.level != super::codes::LEVEL_NOT_ADDRESSED)
                        .map(|t| t.theme.clone())
                        .collect()
                })
                .unwrap_or_default(),
            justice_enabled: rf.theme("justice").is_some_and(|t| t.enabled),
            rsa,
            ass: benefit(rf, "ASS", &p.ass_statut, p.ass_depuis),
            aah: benefit(rf, "AAH", &p.aah_statut, p.aah_depuis),
            ase: yes_no(p.ase_sortant, "Sortant de l'ASE"),
            handicap: rqth,
            parent_isole: yes_no(p.parent_isole, "Parent isolé"),
            refugee: protection,
            zrr: yes_no(p.zrr, "Résidence en ZRR / ZFRR"),
            qpv: yes_no(p.qpv, "Résidence en QPV"),
            french_below_a1: french,
        }
    }

    fn ticked(&self, codes: &[&str]) -> Option<&Ticked> {
        self.situations
            .iter()
            .find(|s| s.open && codes.contains(&s.code.as_str()))
    }

    /// Months of registration at France Travail as of `today`: from the registration
    /// date when known, else the diagnostic's months of inactivity when registered.
    fn registration_months(&self, today: NaiveDate) -> Option<(u32, String)> {
        match (self.ft_registered, self.ft_since) {
            (Some(false), _) => None,
            (_, Some(since)) if since <= today => {
                let mut months = 0u32;
                while since
                    .checked_add_months(Months::new(months + 1))
                    .is_some_and(|d| d <= today)
                {
                    months += 1;
                }
                Some((
                    months,
                    format!(
                        "Diagnostic : inscription France Travail depuis le {} ({months} mois)",
                        format_date(since)
                    ),
                ))
            }
            (Some(true), _) => self.inactivity_months.map(|m| {
                (
                    m,
                    format!("Diagnostic : inscrit·e à France Travail, inactivité {m} mois"),
                )
            }),
            _ => None,
        }
    }
}

/// A minimum social benefit from its right's status: open is met; closed or not concerned
/// is not; suspended or being examined is to check; no status is unknown.
fn benefit(rf: &Referential, name: &str, status: &str, since: Option<NaiveDate>) -> Fact {
    let since = since
        .map(|d| format!(" depuis le {}", format_date(d)))
        .unwrap_or_default();
    let label = super::referential::label_in(&rf.benefit_statuses, status);
    let source = format!("Droits : {name} {}{since}", label.to_lowercase());
    match status {
        "" => Fact::unknown(format!("Allocation {name} : non renseignée")),
        super::codes::BENEFIT_OPEN => Fact::known(true, source),
        "radie" | "non_concerne" => Fact::known(false, source),
        _ => Fact::unknown(format!("{source} (à vérifier)")),
    }
}

/// Met if one of `codes` is ticked and open; not met if the theme was assessed or another
/// of its situations is ticked (the advisor looked at it); unknown otherwise.
fn from_situations(facts: &Facts, theme: &str, codes: &[&str]) -> (Status, String) {
    if let Some(s) = facts.ticked(codes) {
        return (Status::Met, format!("Obstacle coché : {}", s.label));
    }
    let other = facts.situations.iter().find(|s| s.open && s.theme == theme);
    if let Some(s) = other {
        return (Status::NotMet, format!("Obstacle coché : {}", s.label));
    }
    if facts.themes_assessed.iter().any(|t| t == theme) {
        return (
            Status::NotMet,
            "Diagnostic : thème évalué, aucune situation en ce sens".to_string(),
        );
    }
    (
        Status::Unknown,
        "Obstacles : aucune situation cochée".to_string(),
    )
}

fn from_fact(fact: &Fact) -> (Status, String) {
    let status = match fact.value {
        Some(true) => Status::Met,
        Some(false) => Status::NotMet,
        None => Status::Unknown,
    };
    (status, fact.source.clone())
}

/// A fact of the file when known, else what a ticked situation hints at.
fn from_fact_or_hint(fact: &Fact, facts: &Facts, hint: &str, met: bool) -> (Status, String) {
    if fact.value.is_some() {
        return from_fact(fact);
    }
    match facts.ticked(&[hint]) {
        Some(s) if met => (Status::Met, format!("Obstacle coché : {}", s.label)),
        Some(s) => (
            Status::Unknown,
            format!("Obstacle coché : {} (à vérifier)", s.label),
        ),
        None => from_fact(fact),
    }
}

/// Evaluates one criterion from the facts, on `today`.
pub fn evaluate_one(c: Criterion, facts: &Facts, today: NaiveDate) -> Evaluation {
    let age = |test: fn(u32) -> bool| match facts.birth_date {
        Some(b) => {
            let a = age_on(b, today);
            let s = if test(a) { Status::Met } else { Status::NotMet };
            (
                s,
                format!("Date de naissance : {} ({a} ans)", format_date(b)),
            )
        }
        None => (
            Status::Unknown,
            "Date de naissance : non renseignée".to_string(),
        ),
    };
    let registration =
        |test: fn(u32) -> bool| match (facts.ft_registered, facts.registration_months(today)) {
            (_, Some((m, source))) => (if test(m) { Status::Met } else { Status::NotMet }, source),
            (Some(false), _) => (
                Status::NotMet,
                "Diagnostic : non inscrit·e à France Travail".to_string(),
            ),
            _ => (
                Status::Unknown,
                "Diagnostic : inscription France Travail et durée non renseignées".to_string(),
            ),
        };
    let (status, source) = match c {
        Criterion::Rsa => from_fact(&facts.rsa),
        Criterion::Ass => from_fact(&facts.ass),
        Criterion::Aah => from_fact(&facts.aah),
        Criterion::Detld => registration(|m| m >= 24),
        Criterion::Deld => registration(|m| (12..24).contains(&m)),
        Criterion::Niveau => match &facts.niveau {
            Some((code, label)) => (
                if LOW_NIVEAUX.contains(&code.as_str()) {
                    Status::Met
                } else {
                    Status::NotMet
                },
                format!("Diagnostic : niveau de formation {label}"),
            ),
            None => (
                Status::Unknown,
                "Diagnostic : niveau de formation non renseigné".to_string(),
            ),
        },
        Criterion::Senior => age(|a| a >= 50),
        Criterion::Jeune => age(|a| a < 26),
        Criterion::Ase => from_fact(&facts.ase),
        Criterion::Handicap => from_fact_or_hint(&facts.handicap, facts, RQTH_HINT, false),
        Criterion::ParentIsole => from_fact_or_hint(&facts.parent_isole, facts, PARENT_ISOLE, true),
        Criterion::Hebergement => from_situations(facts, "logement", HOUSING_SITUATIONS),
        Criterion::Refugie => from_fact(&facts.refugee),
        Criterion::Zrr => from_fact(&facts.zrr),
        Criterion::Qpv => from_fact(&facts.qpv),
        Criterion::Justice if !facts.justice_enabled => (
            Status::Unknown,
            "Thème justice désactivé dans cette structure : à demander".to_string(),
        ),
        Criterion::Justice => from_situations(facts, "justice", JUSTICE_SITUATIONS),
        Criterion::Francais => from_fact_or_hint(&facts.french_below_a1, facts, FLE_HINT, false),
        Criterion::Mobilite => from_situations(facts, "mobilite", MOBILITY_SITUATIONS),
    };
    Evaluation {
        criterion: c,
        status,
        source,
    }
}

/// The 18 criteria evaluated from the facts, in [`Criterion::ALL`] order.
pub fn evaluate(facts: &Facts, today: NaiveDate) -> Vec<Evaluation> {
    Criterion::ALL
        .into_iter()
        .map(|c| evaluate_one(c, facts, today))
        .collect()
}

/// The result of the rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Verdict {
    Eligible,
    NotEligible,
    /// Not eligible on what is known, but the unknown criteria could make it.
    ToComplete,
}

impl Verdict {
    pub fn label(self) -> &'static str {
        match self {
            Verdict::Eligible => "Éligible",
            Verdict::NotEligible => "Non éligible",
            Verdict::ToComplete => "À compléter",
        }
    }
}

/// The rule applied to a set of statuses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decision {
    pub verdict: Verdict,
    pub level1_met: usize,
    pub level2_met: usize,
    pub level2_needed: usize,
}

impl Decision {
    /// « Éligible (1 critère de niveau 1) » / « Non éligible (1 critère de niveau 2 sur 3) ».
    pub fn summary(&self) -> String {
        let n2 = format!(
            "{} critère{} de niveau 2 sur {}",
            self.level2_met,
            if self.level2_met > 1 { "s" } else { "" },
            self.level2_needed
        );
        match (self.verdict, self.level1_met) {
            (Verdict::Eligible, n) if n > 0 => format!(
                "Éligible ({n} critère{} de niveau 1)",
                if n > 1 { "s" } else { "" }
            ),
            (v, _) => format!("{} ({n2})", v.label()),
        }
    }
}

/// One level-1 criterion met, or at least [`StructureKind::level2_needed`] level-2 ones.
/// Unknown criteria count as not met, but make a negative result « à compléter » when they
/// could change it.
pub fn decide(
    kind: StructureKind,
    statuses: impl IntoIterator<Item = (Criterion, Status)>,
) -> Decision {
    let (mut l1, mut l2, mut u1, mut u2) = (0, 0, 0, 0);
    for (c, s) in statuses {
        match (c.level(), s) {
            (1, Status::Met) => l1 += 1,
            (1, Status::Unknown) => u1 += 1,
            (_, Status::Met) if c.level() == 2 => l2 += 1,
            (_, Status::Unknown) if c.level() == 2 => u2 += 1,
            _ => {}
        }
    }
    let needed = kind.level2_needed();
    let verdict = if l1 > 0 || l2 >= needed {
        Verdict::Eligible
    } else if u1 > 0 || l2 + u2 >= needed {
        Verdict::ToComplete
    } else {
        Verdict::NotEligible
    };
    Decision {
        verdict,
        level1_met: l1,
        level2_met: l2,
        level2_needed: needed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Barrier, Diagnostic, Person, Suivi, ThemeAssessment};

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    const TODAY: (i32, u32, u32) = (2026, 12, 1);

    fn today() -> NaiveDate {
        d(TODAY.0, TODAY.1, TODAY.2)
    }

    fn barrier(theme: &str, code: &str, lifted: bool) -> Barrier {
        Barrier {
            theme: theme.into(),
            situation: Some(code.into()),
            status: if lifted { "leve" } else { "identifie" }.into(),
            resolved: lifted.then(|| d(2026, 6, 1)),
            ..Default::default()
        }
    }

    fn file_with(edit: impl FnOnce(&mut PersonFile)) -> PersonFile {
        let mut f = PersonFile {
            person: Person::new("Martin", "Léa"),
            ..Default::default()
        };
        edit(&mut f);
        f
    }

    fn diag(edit: impl FnOnce(&mut Diagnostic)) -> Diagnostic {
        let mut d = Diagnostic::default();
        edit(&mut d);
        d
    }

    /// Each criterion from each of its sources, through `Facts::from_file`: the status and
    /// the words of the source shown to the advisor.
    #[test]
    fn each_criterion_from_its_source() {
        let rf = Referential::embedded();
        type Case = (Criterion, fn(&mut PersonFile), Status, &'static str);
        let cases: &[Case] = &[
            (
                Criterion::Rsa,
                |_| {},
                Status::Unknown,
                "RSA : non renseignée",
            ),
            (
                Criterion::Rsa,
                |f| {
                    f.suivis.push(Suivi {
                        dispositif: "rsa".into(),
                        ..Default::default()
                    })
                },
                Status::Met,
                "dispositif RSA – référent unique",
            ),
            (
                Criterion::Rsa,
                |f| {
                    f.suivis.push(Suivi {
                        dispositif: "rsa".into(),
                        sortie_date: Some(d(2026, 1, 1)),
                        ..Default::default()
                    })
                },
                Status::Unknown,
                "non renseignée",
            ),
            (Criterion::Ass, |_| {}, Status::Unknown, "ASS"),
            (Criterion::Aah, |_| {}, Status::Unknown, "AAH"),
            (
                Criterion::Detld,
                |f| {
                    f.diagnostics.push(diag(|d| {
                        d.ft_inscrit = true;
                        d.ft_date = Some(super::tests::d(2024, 12, 1));
                    }))
                },
                Status::Met,
                "inscription France Travail depuis le 01/12/2024 (24 mois)",
            ),
            (
                Criterion::Detld,
                |f| {
                    f.diagnostics.push(diag(|d| {
                        d.ft_inscrit = true;
                        d.ft_date = Some(super::tests::d(2024, 12, 2));
                    }))
                },
                Status::NotMet,
                "(23 mois)",
            ),
            (
                Criterion::Deld,
                |f| {
                    f.diagnostics.push(diag(|d| {
                        d.ft_inscrit = true;
                        d.ft_date = Some(super::tests::d(2024, 12, 2));
                    }))
                },
                Status::Met,
                "(23 mois)",
            ),
            (
                Criterion::Deld,
                |f| {
                    f.diagnostics.push(diag(|d| {
                        d.ft_inscrit = true;
                        d.inactivite_mois = Some(11);
                    }))
                },
                Status::NotMet,
                "inactivité 11 mois",
            ),
            (
                Criterion::Deld,
                |f| {
                    f.diagnostics.push(diag(|d| {
                        d.ft_inscrit = true;
                        d.inactivite_mois = Some(12);
                    }))
                },
                Status::Met,
                "inactivité 12 mois",
            ),
            (
                Criterion::Detld,
                |f| {
                    f.diagnostics.push(diag(|d| {
                        d.ft_inscrit = false;
                        d.inactivite_mois = Some(36);
                    }))
                },
                Status::NotMet,
                "non inscrit·e à France Travail",
            ),
            (Criterion::Detld, |_| {}, Status::Unknown, "non renseignées"),
            (
                Criterion::Niveau,
                |f| f.diagnostics.push(diag(|d| d.niveau = "NV5".into())),
                Status::Met,
                "niveau de formation CAP / BEP",
            ),
            (
                Criterion::Niveau,
                |f| f.diagnostics.push(diag(|d| d.niveau = "AFS".into())),
                Status::Met,
                "Aucune formation scolaire",
            ),
            (
                Criterion::Niveau,
                |f| f.diagnostics.push(diag(|d| d.niveau = "NV4".into())),
                Status::NotMet,
                "niveau de formation Bac",
            ),
            (Criterion::Niveau, |_| {}, Status::Unknown, "non renseigné"),
            (
                Criterion::Senior,
                |f| f.person.birth_date = Some(d(1976, 12, 1)),
                Status::Met,
                "01/12/1976 (50 ans)",
            ),
            (
                Criterion::Senior,
                |f| f.person.birth_date = Some(d(1976, 12, 2)),
                Status::NotMet,
                "(49 ans)",
            ),
            (
                Criterion::Senior,
                |_| {},
                Status::Unknown,
                "Date de naissance : non renseignée",
            ),
            (
                Criterion::Jeune,
                |f| f.person.birth_date = Some(d(2000, 12, 2)),
                Status::Met,
                "(25 ans)",
            ),
            (
                Criterion::Jeune,
                |f| f.person.birth_date = Some(d(2000, 12, 1)),
                Status::NotMet,
                "(26 ans)",
            ),
            (Criterion::Ase, |_| {}, Status::Unknown, "ASE"),
            (
                Criterion::Handicap,
                |_| {},
                Status::Unknown,
                "RQTH : non renseignée",
            ),
            (
                Criterion::Handicap,
                |f| f.barriers.push(barrier("sante", "san_rqth", false)),
                Status::Unknown,
                "Reconnaissance RQTH (obtenue ou à demander) (à vérifier)",
            ),
            (
                Criterion::ParentIsole,
                |f| {
                    f.barriers
                        .push(barrier("famille", "fam_parent_isole", false))
                },
                Status::Met,
                "Obstacle coché : Parent isolé",
            ),
            (
                Criterion::ParentIsole,
                |_| {},
                Status::Unknown,
                "à renseigner",
            ),
            (
                Criterion::Hebergement,
                |f| {
                    f.barriers
                        .push(barrier("logement", "log_heberge_tiers", false))
                },
                Status::Met,
                "Obstacle coché : Hébergé chez un tiers",
            ),
            (
                Criterion::Hebergement,
                |f| {
                    f.barriers
                        .push(barrier("logement", "log_sans_hebergement", true))
                },
                Status::Unknown,
                "aucune situation cochée",
            ),
            (
                Criterion::Hebergement,
                |f| {
                    f.barriers
                        .push(barrier("logement", "log_locataire_social", false))
                },
                Status::NotMet,
                "Obstacle coché : Locataire du parc social",
            ),
            (
                Criterion::Hebergement,
                |f| {
                    f.diagnostics.push(diag(|d| {
                        d.themes.push(ThemeAssessment {
                            theme: "logement".into(),
                            level: "appui".into(),
                            comment: String::new(),
                        })
                    }))
                },
                Status::NotMet,
                "thème évalué",
            ),
            (Criterion::Refugie, |_| {}, Status::Unknown, "protection"),
            (Criterion::Zrr, |_| {}, Status::Unknown, "ZRR"),
            (Criterion::Qpv, |_| {}, Status::Unknown, "QPV"),
            (
                Criterion::Justice,
                |f| {
                    f.barriers
                        .push(barrier("justice", "jus_sortie_detention", false))
                },
                Status::Met,
                "sortie de détention",
            ),
            (
                Criterion::Justice,
                |f| {
                    f.barriers
                        .push(barrier("justice", "jus_procedure_civile", false))
                },
                Status::NotMet,
                "Procédure civile",
            ),
            (
                Criterion::Francais,
                |_| {},
                Status::Unknown,
                "français : non renseigné",
            ),
            (
                Criterion::Francais,
                |f| f.barriers.push(barrier("langue", "lan_fle", false)),
                Status::Unknown,
                "FLE en cours d'apprentissage (à vérifier)",
            ),
            (
                Criterion::Mobilite,
                |f| {
                    f.barriers
                        .push(barrier("mobilite", "mob_aucun_transport", false))
                },
                Status::Met,
                "Aucun moyen de transport",
            ),
            (
                Criterion::Mobilite,
                |f| f.barriers.push(barrier("mobilite", "mob_vehicule", false)),
                Status::NotMet,
                "Obstacle coché : Véhicule",
            ),
            (
                Criterion::Mobilite,
                |_| {},
                Status::Unknown,
                "aucune situation",
            ),
            // The person's fields « Droits et situation administrative ».
            (
                Criterion::Rsa,
                |f| {
                    f.person.rsa_statut = "ouvert".into();
                    f.person.rsa_depuis = Some(d(2024, 3, 1));
                },
                Status::Met,
                "Droits : RSA droit ouvert depuis le 01/03/2024",
            ),
            (
                Criterion::Rsa,
                |f| {
                    f.person.rsa_statut = "radie".into();
                    f.suivis.push(Suivi {
                        dispositif: "rsa".into(),
                        ..Default::default()
                    })
                },
                Status::NotMet,
                "Droits : RSA radié",
            ),
            (
                Criterion::Rsa,
                |f| f.person.rsa_statut = "suspendu".into(),
                Status::Unknown,
                "RSA suspendu (à vérifier)",
            ),
            (
                Criterion::Ass,
                |f| f.person.ass_statut = "ouvert".into(),
                Status::Met,
                "Droits : ASS droit ouvert",
            ),
            (
                Criterion::Aah,
                |f| f.person.aah_statut = "non_concerne".into(),
                Status::NotMet,
                "Droits : AAH non concerné",
            ),
            (
                Criterion::Ase,
                |f| f.person.ase_sortant = Some(true),
                Status::Met,
                "Sortant de l'ASE : oui",
            ),
            (
                Criterion::Handicap,
                |f| {
                    f.person.rqth = Some(true);
                    f.person.rqth_fin = Some(d(2027, 6, 30));
                },
                Status::Met,
                "RQTH : oui, jusqu'au 30/06/2027",
            ),
            (
                Criterion::Handicap,
                |f| {
                    f.person.rqth = Some(true);
                    f.person.rqth_fin = Some(d(2026, 11, 30));
                },
                Status::NotMet,
                "RQTH : échue le 30/11/2026",
            ),
            (
                Criterion::ParentIsole,
                |f| {
                    f.person.parent_isole = Some(false);
                    f.barriers
                        .push(barrier("famille", "fam_parent_isole", false));
                },
                Status::NotMet,
                "Parent isolé : non",
            ),
            (
                Criterion::Refugie,
                |f| f.person.protection = "refugie".into(),
                Status::Met,
                "Statut de protection : Réfugié·e",
            ),
            (
                Criterion::Refugie,
                |f| f.person.protection = "aucune".into(),
                Status::NotMet,
                "Statut de protection : Aucune",
            ),
            (
                Criterion::Zrr,
                |f| f.person.zrr = Some(true),
                Status::Met,
                "Résidence en ZRR / ZFRR : oui",
            ),
            (
                Criterion::Qpv,
                |f| f.person.qpv = Some(false),
                Status::NotMet,
                "Résidence en QPV : non",
            ),
            (
                Criterion::Francais,
                |f| {
                    f.person.niveau_francais = "infra_a1".into();
                },
                Status::Met,
                "Niveau de français : Inférieur à A1",
            ),
            (
                Criterion::Francais,
                |f| {
                    f.person.niveau_francais = "a2".into();
                    f.barriers.push(barrier("langue", "lan_fle", false));
                },
                Status::NotMet,
                "Niveau de français : A2",
            ),
        ];
        for (c, edit, status, source) in cases {
            let file = file_with(edit);
            let facts = Facts::from_file(&file, &rf, today());
            let e = evaluate_one(*c, &facts, today());
            assert_eq!(e.status, *status, "{c:?}: {}", e.source);
            assert!(
                e.source.contains(source),
                "{c:?}: « {} » lacks « {source} »",
                e.source
            );
        }
        // Every criterion has at least one case.
        for c in Criterion::ALL {
            assert!(cases.iter().any(|k| k.0 == c), "no case for {c:?}");
        }
    }

    #[test]
    fn known_person_fields_win_over_hints() {
        let facts = Facts {
            handicap: Fact::known(true, "RQTH : jusqu'au 31/12/2027"),
            french_below_a1: Fact::known(false, "Niveau de français : A2"),
            situations: vec![Ticked {
                theme: "langue".into(),
                code: FLE_HINT.into(),
                label: "FLE".into(),
                open: true,
            }],
            ..Default::default()
        };
        let e = evaluate_one(Criterion::Handicap, &facts, today());
        assert_eq!(
            (e.status, e.source.as_str()),
            (Status::Met, "RQTH : jusqu'au 31/12/2027")
        );
        let e = evaluate_one(Criterion::Francais, &facts, today());
        assert_eq!(e.status, Status::NotMet);
        // The justice theme switched off: never asked, never guessed.
        let facts = Facts {
            justice_enabled: false,
            situations: vec![Ticked {
                theme: "justice".into(),
                code: "jus_pointage".into(),
                label: "Pointage".into(),
                open: true,
            }],
            ..Default::default()
        };
        let e = evaluate_one(Criterion::Justice, &facts, today());
        assert_eq!(e.status, Status::Unknown);
        assert!(e.source.contains("désactivé"));
    }

    /// The rule over every structure kind: one level-1, or 3 (ACI, EI, EITI) / 2 (AI,
    /// ETTI) level-2 criteria.
    #[test]
    fn rule_over_structure_kinds() {
        use Criterion as C;
        use Status::*;
        use Verdict::*;
        let three_level2 = [(C::Niveau, Met), (C::Senior, Met), (C::Mobilite, Met)];
        let two_level2 = [(C::Niveau, Met), (C::Qpv, Met)];
        type Case = (&'static [(Criterion, Status)], [Verdict; 5]);
        // Order of StructureKind::ALL: ACI, EI, EITI, AI, ETTI.
        let cases: &[Case] = &[
            (&[], [ToComplete; 5]),
            (&[(C::Rsa, Met)], [Eligible; 5]),
            (&[(C::Ass, Met)], [Eligible; 5]),
            (&[(C::Aah, Met)], [Eligible; 5]),
            (&[(C::Detld, Met)], [Eligible; 5]),
            (
                &[(C::Niveau, Met), (C::Qpv, Met)],
                [ToComplete, ToComplete, ToComplete, Eligible, Eligible],
            ),
            (
                &[(C::Jeune, Met), (C::Deld, Met), (C::Ase, Met)],
                [Eligible; 5],
            ),
            (&[(C::Handicap, Met)], [ToComplete; 5]),
        ];
        for (met, expected) in cases {
            for (kind, want) in StructureKind::ALL.into_iter().zip(expected) {
                // What is not listed is unknown.
                let statuses = Criterion::ALL.map(|c| {
                    (
                        c,
                        met.iter()
                            .find(|m| m.0 == c)
                            .map(|m| m.1)
                            .unwrap_or(Unknown),
                    )
                });
                assert_eq!(decide(kind, statuses).verdict, *want, "{kind:?} {met:?}");
            }
        }
        // Everything known: not met is final.
        for kind in StructureKind::ALL {
            let none = Criterion::ALL.map(|c| (c, NotMet));
            assert_eq!(decide(kind, none).verdict, NotEligible);
            let with = |extra: &[(Criterion, Status)]| {
                Criterion::ALL.map(|c| {
                    (
                        c,
                        extra
                            .iter()
                            .find(|m| m.0 == c)
                            .map(|m| m.1)
                            .unwrap_or(NotMet),
                    )
                })
            };
            let two = decide(kind, with(&two_level2));
            let three = decide(kind, with(&three_level2));
            assert_eq!(three.verdict, Eligible, "{kind:?}");
            assert_eq!(three.level2_met, 3);
            assert_eq!(
                two.verdict,
                if kind.level2_needed() == 2 {
                    Eligible
                } else {
                    NotEligible
                },
                "{kind:?}"
            );
            // One level-1 criterion unknown: the negative answer is not final.
            let mut open = with(&two_level2);
            open[0].1 = Unknown;
            assert_ne!(decide(kind, open).verdict, NotEligible);
        }
        assert_eq!(
            decide(StructureKind::Aci, [(C::Rsa, Met)]).summary(),
            "Éligible (1 critère de niveau 1)"
        );
        assert_eq!(
            decide(StructureKind::Ei, Criterion::ALL.map(|c| (c, NotMet))).summary(),
            "Non éligible (0 critère de niveau 2 sur 3)"
        );
    }

    #[test]
    fn codes_read_back_and_eighteen_criteria() {
        assert_eq!(Criterion::ALL.len(), 18);
        assert_eq!(Criterion::ALL.iter().filter(|c| c.level() == 1).count(), 4);
        for c in Criterion::ALL {
            assert_eq!(Criterion::from_code(c.code()), Some(c));
            assert!(c.short().chars().count() <= 18, "{c:?}");
            assert!(!c.proofs().is_empty());
        }
        for k in StructureKind::ALL {
            assert_eq!(StructureKind::from_code(&k.code().to_lowercase()), Some(k));
        }
        assert_eq!(StructureKind::Etti.next(), StructureKind::Aci);
    }

    #[test]
    fn situation_codes_exist_in_the_referential() {
        let rf = Referential::embedded();
        for code in HOUSING_SITUATIONS
            .iter()
            .chain(JUSTICE_SITUATIONS)
            .chain(MOBILITY_SITUATIONS)
            .chain(&[RQTH_HINT, FLE_HINT, PARENT_ISOLE])
        {
            assert!(
                rf.situation(code).is_some(),
                "{code} not in the referential"
            );
        }
        for code in LOW_NIVEAUX {
            assert!(rf.knows("niveaux", code), "{code}");
        }
        for code in ["ouvert", "suspendu", "radie", "non_concerne"] {
            assert!(rf.benefit_statuses.iter().any(|i| i.code == code), "{code}");
        }
    }
}
