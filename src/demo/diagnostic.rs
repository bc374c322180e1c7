//! The diagnostic: initial at entry, a review after about six months for longer supports.

use super::data::{COMPETENCES, ENVIES, METIERS};
use super::Rng;
use crate::domain::codes;
use crate::domain::*;
use chrono::{Duration, NaiveDate};

/// Theme weights: how often a theme is an obstacle in the field survey (per mille).
fn theme_weight(code: &str) -> u64 {
    match code {
        "mobilite" => 95,
        "sante" => 87,
        "finances" => 86,
        "logement" => 84,
        "numerique" => 82,
        "savoir_etre" => 80,
        "langue" => 77,
        "droits" => 62,
        "justice" => 61,
        "famille" => 50,
        "violences" => 40,
        _ => 45,
    }
}

/// The initial diagnostic, and the review when the support lasted long enough.
pub(super) fn diagnostics(
    rf: &Referential,
    rng: &mut Rng,
    entree: NaiveDate,
    end: NaiveDate,
) -> Vec<Diagnostic> {
    let diag = initial(rf, rng, entree);
    let mut all = vec![diag.clone()];
    if (end - entree).num_days() > 200 {
        let date = entree + Duration::days(rng.range(170, 200));
        let mut review = diag.next_review(codes::DIAG_REVIEW, date);
        for t in &mut review.themes {
            // Some obstacles ease, a few worsen.
            if rf.level_rank(&t.level) >= 2 && rng.chance(40) {
                t.level = "vigilance".into();
                t.comment = "En amélioration".into();
            } else if t.level == "appui" && rng.chance(5) {
                t.level = "vigilance".into();
            }
        }
        all.push(review);
    }
    all
}

fn initial(rf: &Referential, rng: &mut Rng, entree: NaiveDate) -> Diagnostic {
    let mut diag = Diagnostic {
        kind: codes::DIAG_INITIAL.to_string(),
        date: Some(entree),
        niveau: rng.pick(&rf.niveaux).code.clone(),
        diplomes: rng
            .pick(&[
                "",
                "CAP cuisine",
                "BEP vente",
                "Bac pro commerce",
                "CAP petite enfance",
                "diplôme étranger non reconnu",
            ])
            .to_string(),
        situation_pro: rng
            .pick(&[
                "sans emploi",
                "sans emploi depuis plus de 2 ans",
                "emploi à temps partiel",
                "jamais travaillé en France",
                "missions d'intérim ponctuelles",
            ])
            .to_string(),
        dernier_emploi: rng.pick(METIERS).to_string(),
        inactivite_mois: Some(rng.range(0, 72) as u32),
        ft_inscrit: rng.chance(70),
        ft_date: Some(entree - Duration::days(rng.range(0, 900))),
        projet: format!("Accéder à un emploi de {}", rng.pick(METIERS)),
        metiers_cibles: format!("{}, {}", rng.pick(METIERS), rng.pick(METIERS)),
        competences: format!("{} ; {}", rng.pick(COMPETENCES), rng.pick(COMPETENCES)),
        envies: rng.pick(ENVIES).to_string(),
        ..Default::default()
    };
    if !diag.ft_inscrit {
        diag.ft_date = None;
    }
    for theme in rf.active_themes() {
        let w = theme_weight(&theme.code);
        // Most themes are addressed; severity follows the field survey's frequencies.
        let level = if rng.chance(12) {
            "non_aborde"
        } else if rng.below(1000) < w * 5 {
            *rng.weighted(&[("vigilance", 45), ("obstacle", 40), ("obstacle_majeur", 15)])
        } else {
            "appui"
        };
        let comment = match level {
            "appui" | "non_aborde" => "",
            "vigilance" => "À surveiller",
            "obstacle" => "Frein identifié, démarches à engager",
            _ => "Bloquant pour une reprise immédiate",
        };
        diag.themes.push(ThemeAssessment {
            theme: theme.code.clone(),
            level: level.to_string(),
            comment: comment.to_string(),
        });
    }
    diag
}
