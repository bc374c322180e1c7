//! The plan: barriers from the hardest themes of the diagnostic, objectives, actions.

use super::data::METIERS;
use super::Rng;
use crate::domain::codes;
use crate::domain::referential::{ActionType, Theme};
use crate::domain::*;
use chrono::{Duration, NaiveDate};

/// The themes rated vigilance or worse in the diagnostic that have situations.
pub(super) fn hard_themes<'a>(rf: &'a Referential, diag: &Diagnostic) -> Vec<&'a Theme> {
    rf.active_themes()
        .filter(|t| rf.level_rank(diag.level_of(&t.code)) >= 2 && !t.situations.is_empty())
        .collect()
}

/// Barriers from the hard themes (at most four), sometimes one more without a situation.
pub(super) fn barriers(
    rng: &mut Rng,
    hard: &[&Theme],
    entree: NaiveDate,
    end: NaiveDate,
) -> Vec<Barrier> {
    let mut barriers = Vec::new();
    for theme in hard.iter().take(4) {
        let s = rng.pick(&theme.situations);
        let since = entree - Duration::days(rng.range(0, 400));
        let status = rng
            .weighted(&[
                ("identifie", 35),
                ("en_cours", 40),
                ("leve", 20),
                ("non_traite", 5),
            ])
            .to_string();
        let resolved = if status == "leve" {
            Some((entree + Duration::days(rng.range(20, 200))).min(end))
        } else {
            None
        };
        barriers.push(Barrier {
            theme: theme.code.clone(),
            situation: Some(s.code.clone()),
            status,
            since: Some(since),
            resolved,
            ..Default::default()
        });
    }
    if rng.chance(8) {
        barriers.push(Barrier {
            theme: "numerique".into(),
            situation: None,
            label: "Téléphone sans forfait internet".into(),
            status: "identifie".into(),
            since: Some(entree),
            ..Default::default()
        });
    }
    barriers
}

/// One or two objectives: the professional project, and lifting the hardest obstacle.
pub(super) fn objectives(rng: &mut Rng, diag: &Diagnostic, hard: &[&Theme]) -> Vec<Objective> {
    let mut objectives = vec![Objective {
        theme: None,
        // The first objective is the professional project of the diagnostic (the draw
        // is kept so the generated caseload stays the same for a given seed).
        label: {
            let _ = rng.pick(METIERS);
            diag.projet.clone()
        },
        status: codes::OBJECTIVE_OPEN.into(),
        ..Default::default()
    }];
    if let Some(t) = hard.first() {
        objectives.push(Objective {
            theme: Some(t.code.clone()),
            label: format!("Lever l'obstacle {}", t.label.to_lowercase()),
            status: (if rng.chance(25) {
                "atteint"
            } else {
                codes::OBJECTIVE_OPEN
            })
            .into(),
            ..Default::default()
        });
    }
    objectives
}

/// Two to four actions, linked to the objectives and barriers of the file.
pub(super) fn actions(
    rf: &Referential,
    rng: &mut Rng,
    hard: &[&Theme],
    file: &PersonFile,
    entree: NaiveDate,
    today: NaiveDate,
) -> Vec<PlanAction> {
    let mut actions = Vec::new();
    let n_actions = rng.range(2, 4);
    for i in 0..n_actions {
        let theme = hard.get(i as usize).map(|t| t.code.clone());
        let candidates: Vec<&ActionType> = rf
            .action_types
            .iter()
            .filter(|a| theme.is_none() || a.theme == theme || a.theme.is_none())
            .collect();
        let at_ = if candidates.is_empty() {
            rng.pick(&rf.action_types)
        } else {
            *rng.pick(&candidates)
        };
        let due = entree + Duration::days(rng.range(15, 240));
        let status = if due < today {
            rng.weighted(&[
                ("realisee", 55),
                ("en_cours", 15),
                ("en_attente", 10),
                ("abandonnee", 8),
                ("annulee", 4),
                ("en_projet", 8),
            ])
        } else {
            rng.weighted(&[("en_projet", 45), ("en_cours", 40), ("en_attente", 15)])
        }
        .to_string();
        let outcome = if status == "realisee" {
            rng.pick(&[
                "Accord obtenu",
                "Dossier déposé",
                "Inscription confirmée",
                "Réalisé avec succès",
            ])
            .to_string()
        } else {
            String::new()
        };
        let barrier_pos = theme
            .as_ref()
            .and_then(|t| file.barriers.iter().position(|b| &b.theme == t))
            .map(|p| p as Id + 1);
        actions.push(PlanAction {
            objective_id: Some(if theme.is_some() && file.objectives.len() > 1 {
                2
            } else {
                1
            }),
            barrier_id: barrier_pos,
            label: at_.label.clone(),
            action_type: Some(at_.code.clone()),
            partner: rng.pick(&rf.partners).code.clone(),
            due: Some(due),
            status,
            outcome,
            ..Default::default()
        });
    }
    actions
}
