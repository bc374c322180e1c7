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
