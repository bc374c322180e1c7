//! What a CSV or ICS export takes: the command-line options, checked against the base
//! before anything is written (an unknown référent·e or dispositif, a period upside down
//! or an unreadable date is refused in French, and no file is created).

use super::ExportError;
use crate::auth::Keyring;
use crate::domain::Referential;
use crate::store::exports::ExportFilter;
use crate::store::{exports, Backend};
use crate::text::fold;

/// The options of `export --format csv|ics` (flattened into the `export` command).
#[derive(Debug, Clone, Default, clap::Args)]
pub struct SelectionArgs {
    /// CSV : ce que contient le tableau (une ligne par personne, rendez-vous, action ou sortie)
    #[arg(long, value_enum)]
    pub quoi: Option<What>,
    /// CSV, ICS : seulement les personnes de ce·tte référent·e (identifiant de compte, ou nom
    /// tel qu'il figure dans les suivis)
    #[arg(long, value_name = "ID")]
    pub referent: Option<String>,
    /// CSV, ICS : seulement ce dispositif (code du référentiel : rsa, plie, iae…)
    #[arg(long, value_name = "CODE")]
    pub dispositif: Option<String>,
    /// CSV, ICS : début de la période (incluse)
    #[arg(long, value_name = "JJ/MM/AAAA")]
    pub du: Option<String>,
    /// CSV, ICS : fin de la période (incluse)
    #[arg(long, value_name = "JJ/MM/AAAA")]
    pub au: Option<String>,
    /// ICS : les noms des personnes dans les rendez-vous (sinon initiales et n° de dossier) ;
    /// noté au journal d'audit
    #[arg(long)]
    pub avec_noms: bool,
}

/// The table of a CSV export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum What {
    /// Une ligne par personne, avec son suivi en cours
    Personnes,
    /// Une ligne par rendez-vous
    RendezVous,
    /// Une ligne par action du plan
    Actions,
    /// Une ligne par sortie
    Sorties,
    /// Une ligne par personne inscrite à une action collective (séance sans inscrit : une ligne)
    Seances,
}

impl What {
    /// The word of `--quoi`, as typed.
    pub fn word(self) -> &'static str {
        match self {
            What::Personnes => "personnes",
            What::RendezVous => "rendez-vous",
            What::Actions => "actions",
            What::Sorties => "sorties",
            What::Seances => "seances",
        }
    }
}

/// The two formats of these exports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Csv,
    Ics,
}

/// A checked selection, ready to be written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selection {
    pub target: Target,
    /// The CSV table (appointments for the ICS).
    pub what: What,
    pub filter: ExportFilter,
    /// ICS only: names in the summary (audited).
    pub with_names: bool,
}

fn invalid(msg: String) -> ExportError {
    ExportError::Invalid(msg)
}

/// Typed text cleaned as a one-line form field (the same code as the other arguments).
fn one_line(text: &str) -> String {
    crate::app::input::TextInput::new(text, false)
        .text()
        .trim()
        .to_string()
}

impl SelectionArgs {
    /// No option given (the json and document formats take none of them: a filter there
    /// would be silently ignored and export more than asked).
    pub fn is_empty(&self) -> bool {
        self.quoi.is_none()
            && self.referent.is_none()
            && self.dispositif.is_none()
            && self.du.is_none()
            && self.au.is_none()
            && !self.avec_noms
    }

    /// Checks the options against the base and the referential. Reads only.
    pub fn resolve(
        &self,
        target: Target,
        store: &dyn Backend,
        rf: &Referential,
    ) -> Result<Selection, ExportError> {
        let what = match (target, self.quoi) {
            (Target::Csv, Some(w)) => w,
            (Target::Csv, None) => {
                return Err(invalid(
                    "précisez ce que contient le tableau : --quoi personnes, rendez-vous, actions ou sorties".into(),
                ))
            }
            (Target::Ics, None | Some(What::RendezVous)) => What::RendezVous,
            (Target::Ics, Some(_)) => {
                return Err(invalid(
                    "l'export ics contient les rendez-vous : --quoi ne s'applique qu'au format csv"
                        .into(),
                ))
            }
        };
        if what == What::Seances && (self.referent.is_some() || self.dispositif.is_some()) {
            return Err(invalid(
                "--quoi seances se filtre par période seulement (--du, --au) : --referent et --dispositif ne s'y appliquent pas encore".into(),
            ));
        }
        if target == Target::Csv && self.avec_noms {
            return Err(invalid(
                "--avec-noms s'applique au format ics (le tableau CSV contient déjà les noms)"
                    .into(),
            ));
        }
        let today = store.clock().today();
        let date = |opt: &'static str, text: &Option<String>| -> Result<_, ExportError> {
            match text {
                None => Ok(None),
                Some(t) => crate::dates::parse_date(&one_line(t), today)
                    .map(Some)
                    .map_err(|e| invalid(format!("{opt} : {}", e.message()))),
            }
        };
        let from = date("--du", &self.du)?;
        let to = date("--au", &self.au)?;
        if let (Some(f), Some(t)) = (from, to) {
            if f > t {
                return Err(invalid(format!(
                    "période à l'envers : --du {} est après --au {} (rien n'a été écrit)",
                    crate::dates::format_date(f),
                    crate::dates::format_date(t)
                )));
            }
        }
        let referent = match &self.referent {
            None => None,
            Some(r) => Some(resolve_referent(store, &one_line(r))?),
        };
        let dispositif = match &self.dispositif {
            None => None,
            Some(d) => Some(resolve_dispositif(store, rf, &one_line(d))?),
        };
        Ok(Selection {
            target,
            what,
            filter: ExportFilter {
                referent,
                dispositif,
                from,
                to,
            },
            with_names: self.avec_noms,
        })
    }
}

/// A référent·e as written in the suivis (accents and case aside), or the login of an
/// account, which stands for its display name (what « ma file active » matches).
fn resolve_referent(store: &dyn Backend, typed: &str) -> Result<String, ExportError> {
    let known = crate::store::read(store, exports::referents_on)?;
    let key = fold(typed);
    if let Some(name) = known.iter().find(|n| fold(n) == key) {
        return Ok(name.clone());
    }
    // On the local file, the accounts file beside it (the server's accounts are its roles,
    // whose display names are the suivis' referents).
    let path = store.local().map(|s| s.path().to_path_buf());
    if let Some(path) = path.filter(|p| Keyring::exists(p)) {
        // The accounts file only holds logins, names and wrapped keys: loading it to
        // read the names needs no password.
        if let Ok(ring) = Keyring::load(&path) {
            if let Some(a) = ring
                .accounts()
                .into_iter()
                .find(|a| fold(&a.login) == key || fold(&a.display_name) == key)
            {
                return Ok(a.display_name);
            }
        }
    }
    let list = if known.is_empty() {
        "aucun·e dans cette base".to_string()
    } else {
        known
            .iter()
            .map(|n| format!("« {n} »"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    Err(invalid(format!(
        "aucun·e référent·e « {typed} » (ni compte ni nom dans les suivis) ; référent·es connu·es : {list}"
    )))
}

/// A dispositif code of the referential or of the suivis, or its label.
fn resolve_dispositif(
    store: &dyn Backend,
    rf: &Referential,
    typed: &str,
) -> Result<String, ExportError> {
    let key = fold(typed);
    if let Some(d) = rf
        .dispositifs
        .iter()
        .find(|d| fold(&d.code) == key || fold(&d.label) == key)
    {
        return Ok(d.code.clone());
    }
    let stored = crate::store::read(store, exports::dispositifs_on)?;
    if let Some(code) = stored.iter().find(|c| fold(c) == key) {
        return Ok(code.clone());
    }
    let codes: Vec<String> = rf
        .dispositifs
        .iter()
        .map(|d| format!("{} ({})", d.code, d.label))
        .collect();
    Err(invalid(format!(
        "aucun dispositif « {typed} » ; codes connus : {}",
        codes.join(", ")
    )))
}
