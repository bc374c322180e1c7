//! Referential codes the application logic depends on. The referential loader checks
//! that every one of them exists, so a user override cannot silently break the rules.

pub const LEVEL_NOT_ADDRESSED: &str = "non_aborde";

pub const APPT_PLANNED: &str = "a_venir";
pub const APPT_HONOURED: &str = "honore";
pub const APPT_EXCUSED: &str = "excuse";
pub const APPT_CANCELLED: &str = "annule";
pub const APPT_ABSENT: &str = "absent";
/// Not stored: what a past appointment still "à venir" is shown as.
pub const APPT_TO_SET: &str = "a_preciser";

pub const BARRIER_IDENTIFIED: &str = "identifie";
pub const BARRIER_IN_PROGRESS: &str = "en_cours";
pub const BARRIER_LIFTED: &str = "leve";

pub const ACTION_PLANNED: &str = "en_projet";
pub const OBJECTIVE_OPEN: &str = "en_cours";

pub const DIAG_INITIAL: &str = "initial";
pub const DIAG_REVIEW: &str = "intermediaire";

pub const CONTRACT_NONE: &str = "aucun";
pub const SEX_UNKNOWN: &str = "NR";
pub const MEDIUM_DEFAULT: &str = "rdv";

/// Benefit right statuses the activity report counts as « bénéficiaire » (`benefit_statuses`).
pub const BENEFIT_OPEN: &str = "ouvert";
pub const BENEFIT_SUSPENDED: &str = "suspendu";

/// Protection statuses the IAE eligibility reads (`protection_statuses`).
pub const PROTECTION_REFUGEE: &str = "refugie";
pub const PROTECTION_SUBSIDIARY: &str = "protection_subsidiaire";
pub const PROTECTION_ASYLUM_SEEKER: &str = "demandeur_asile";
pub const PROTECTION_NONE: &str = "aucune";

/// French level below A1 (an IAE criterion, `french_levels`).
pub const FRENCH_BELOW_A1: &str = "infra_a1";
