//! The IAE eligibility view of the file: the 18 criteria as the file says them (with the
//! field each comes from), the advisor's confirmation and the proof seen for each, the
//! structure kind, then recording a dated diagnostic and printing its one-page summary.

use crate::app::form::{Field, Form, Purpose, Reader, Refusal};
use crate::app::keys::{Action, Context};
use crate::app::state::*;
use crate::domain::eligibility;
use crate::domain::eligibility::{
    decide, evaluate, Criterion, Decision, Evaluation, Facts, Status, StructureKind,
};
use crate::domain::*;
use crate::store::Backend;

const N: usize = Criterion::ALL.len();

/// What the advisor is confirming, before it is recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EligibilityDraft {
    pub kind: StructureKind,
    pub prescriber: bool,
    /// Selected criterion (index in [`Criterion::ALL`]).
    pub selected: usize,
    /// Per criterion: confirmed met (`Some(true)`), not met (`Some(false)`), or not yet.
    pub confirmed: [Option<bool>; N],
    /// Per criterion: the proof seen.
    pub proofs: [String; N],
}

impl EligibilityDraft {
    /// A new draft; the structure kind and who makes it follow the last recorded one.
    pub fn new(last: Option<&Eligibility>) -> EligibilityDraft {
        EligibilityDraft {
            kind: last.and_then(|e| e.kind()).unwrap_or(StructureKind::Aci),
            prescriber: last.is_none_or(|e| e.prescriber),
            selected: 0,
            confirmed: [None; N],
            proofs: Default::default(),
        }
    }

    pub fn criterion(&self) -> Criterion {
        Criterion::ALL[self.selected.min(N - 1)]
    }

    /// The rule on what was confirmed (not confirmed counts as not met).
    pub fn decision(&self) -> Decision {
        decide(
            self.kind,
            Criterion::ALL
                .into_iter()
                .zip(self.confirmed)
                .map(|(c, x)| {
                    (
                        c,
                        if x == Some(true) {
                            Status::Met
                        } else {
                            Status::NotMet
                        },
                    )
                }),
        )
    }

    /// The diagnostic this draft records for `person_id` on `today`.
    pub fn to_record(
        &self,
        person_id: Id,
        today: chrono::NaiveDate,
        author: &str,
        evaluations: &[Evaluation],
    ) -> Eligibility {
        let criteria = Criterion::ALL
            .into_iter()
            .enumerate()
            .filter_map(|(i, c)| {
                let met = self.confirmed[i]?;
                Some(EligibilityCriterion {
                    criterion: c.code().to_string(),
                    met,
                    proof: self.proofs[i].trim().to_string(),
                    source: evaluations
                        .iter()
                        .find(|e| e.criterion == c)
                        .map(|e| format!("{} ({})", e.source, e.status.label()))
                        .unwrap_or_default(),
                })
            })
            .collect();
        Eligibility {
            person_id,
            date: Some(today),
            structure: self.kind.code().to_string(),
            prescriber: self.prescriber,
            author: author.to_string(),
            eligible: self.decision().verdict == eligibility::Verdict::Eligible,
            expires: Eligibility::expiry_of(today, self.prescriber),
            criteria,
            ..Default::default()
        }
    }
}

/// Field key of the proof form.
pub mod key {
    pub const PROOF: &str = "proof";
}

impl App {
    /// The criteria as the open file says them today.
    pub fn eligibility_evaluations(&self, file: &FileState) -> Vec<Evaluation> {
        let today = self.clock.today();
        evaluate(&Facts::from_file(&file.data, &self.rf, today), today)
    }

    pub(crate) fn open_eligibility(&mut self) {
        if let Some(f) = self.file.as_mut() {
            f.eligibility = Some(EligibilityDraft::new(f.data.eligibilities.last()));
        }
    }

    fn draft_mut(&mut self) -> Option<&mut EligibilityDraft> {
        self.file.as_mut()?.eligibility.as_mut()
    }

    pub(crate) fn move_in_eligibility(&mut self, step: impl Fn(usize, usize) -> usize) {
        if let Some(d) = self.draft_mut() {
            d.selected = step(d.selected, N);
        }
    }

    /// Sets the selected criterion's confirmation (`None`: cycles yes → no → not yet) and
    /// moves to the next criterion when set directly.
    pub(crate) fn confirm_criterion(&mut self, value: Option<bool>) {
        let Some(d) = self.draft_mut() else { return };
        let i = d.selected;
        match value {
            Some(v) => {
                d.confirmed[i] = Some(v);
                d.selected = (i + 1).min(N - 1);
            }
            None => {
                d.confirmed[i] = match d.confirmed[i] {
                    None => Some(true),
                    Some(true) => Some(false),
                    Some(false) => None,
                }
            }
        }
    }

    /// Every criterion the file decides (met or not met) is confirmed as it says; unknown
    /// ones are left for the advisor.
    pub(crate) fn confirm_from_file(&mut self) {
        let Some(file) = self.file.as_ref() else {
            return;
        };
        let evaluations = self.eligibility_evaluations(file);
        let Some(d) = self.draft_mut() else { return };
        let mut n = 0;
        for (i, e) in evaluations.iter().enumerate() {
            if d.confirmed[i].is_none() && e.status != Status::Unknown {
                d.confirmed[i] = Some(e.status == Status::Met);
                n += 1;
            }
        }
        self.set_info(format!(
            "{n} critère{} repris du dossier : vérifiez-les avec les justificatifs",
            if n > 1 { "s" } else { "" }
        ));
    }

    /// The next usual proof of the selected criterion (then none).
    pub(crate) fn cycle_proof(&mut self) {
        let Some(d) = self.draft_mut() else { return };
        let i = d.selected;
        let proofs = Criterion::ALL[i].proofs();
        let next = match proofs.iter().position(|p| *p == d.proofs[i]) {
            Some(p) if p + 1 < proofs.len() => proofs[p + 1],
            Some(_) => "",
            None if d.proofs[i].is_empty() => proofs[0],
            None => "",
        };
        d.proofs[i] = next.to_string();
    }

    pub(crate) fn cycle_structure_kind(&mut self) {
        if let Some(d) = self.draft_mut() {
            d.kind = d.kind.next();
        }
    }

    pub(crate) fn toggle_prescriber(&mut self) {
        if let Some(d) = self.draft_mut() {
            d.prescriber = !d.prescriber;
        }
    }

    /// The proof of the selected criterion as free text (the usual ones suggested).
    pub(crate) fn open_proof_form(&mut self) {
        let Some(d) = self.file.as_ref().and_then(|f| f.eligibility.as_ref()) else {
            return;
        };
        let i = d.selected;
        let c = Criterion::ALL[i];
        let choices = c
            .proofs()
            .iter()
            .map(|p| (p.to_string(), p.to_string()))
            .collect();
        let form = Form::new(
            &format!("Justificatif vu — {}", c.label()),
            Purpose::EligibilityProof(i),
            vec![Field::completion(
                key::PROOF,
                "Justificatif vu",
                choices,
                &d.proofs[i],
            )],
        );
        self.overlay = Some(Overlay::Form(Box::new(form)));
    }

    /// The proof form was confirmed: the draft takes the text (nothing is stored yet).
    pub(crate) fn read_proof(&mut self, r: &Reader, index: usize) -> Result<(), Refusal> {
        let text = r.text(key::PROOF)?;
        let d = self.draft_mut().ok_or(Refusal::Stale)?;
        if let Some(p) = d.proofs.get_mut(index) {
            *p = text;
        }
        self.overlay = None;
        Ok(())
    }

    /// Records the draft as a dated diagnostic (one write, undoable).
    pub(crate) fn record_eligibility(&mut self, store: &mut dyn Backend) {
        let Some(file) = self.file.as_ref() else {
            return;
        };
        let Some(d) = file.eligibility.as_ref() else {
            return;
        };
        if d.confirmed.iter().all(|c| c.is_none()) {
            let (yes, from_file) = (
                self.key_here(Action::ConfirmMet),
                self.key_here(Action::ConfirmFromFile),
            );
            self.set_error(format!(
                "Aucun critère confirmé : {yes} sur chaque critère rempli (ou {from_file} pour reprendre le dossier), puis enregistrez"
            ));
            return;
        }
        let evaluations = self.eligibility_evaluations(file);
        let record = d.to_record(
            file.data.person.id,
            self.clock.today(),
            &self.me,
            &evaluations,
        );
        let what = format!(
            "Diagnostic d'éligibilité IAE ({}, {})",
            d.kind.code(),
            if record.eligible {
                "éligible"
            } else {
                "non éligible"
            }
        );
        let what = self.undo_hint(&what);
        self.commit_or_report(store, Change::Upsert(Record::Eligibility(record)), &what);
    }

    /// Writes the one-page summary of what the view shows into the exports folder.
    pub(crate) fn print_eligibility(&mut self, store: &dyn Backend) {
        let Some(file) = self.file.as_ref() else {
            return;
        };
        let Some(d) = file.eligibility.as_ref() else {
            return;
        };
        let Some(dir) = self.export_dir.clone().or_else(crate::config::exports_dir) else {
            self.set_error("Dossier des exports introuvable (dossier de données de l'utilisateur) : utilisez « parcours document eligibilite --person N° -o FICHIER »");
            return;
        };
        let id = file.data.person.id;
        // Audited first: an export that cannot be logged is not made.
        if let Err(e) = store.audit(crate::store::audit::actions::EXPORT, Some(id)) {
            self.set_error(e.to_string());
            return;
        }
        let now = self.clock.now();
        let evaluations = self.eligibility_evaluations(file);
        let draft = d.to_record(id, now.date(), &self.me, &evaluations);
        let summary = crate::eligibility_document::Summary {
            file: &file.data,
            diagnostic: &draft,
            recorded: false,
        };
        match crate::eligibility_document::write_to_dir(&summary, &self.rf, now, &dir) {
            Ok(path) => self.set_info(format!(
                "Diagnostic d'éligibilité à imprimer : {} (non chiffré : supprimez-le après impression)",
                path.display()
            )),
            Err(e) => self.set_error(e.to_string()),
        }
    }

    pub(crate) fn close_eligibility(&mut self) {
        if let Some(f) = self.file.as_mut() {
            f.eligibility = None;
        }
    }

    /// The key hint of an action of this view, for messages.
    pub fn eligibility_key(&self, action: Action) -> String {
        self.keymap.key_label(Context::Eligibility, action)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    #[test]
    fn draft_records_only_confirmed_criteria_with_their_proof_and_source() {
        let mut d = EligibilityDraft::new(None);
        assert_eq!((d.kind, d.prescriber), (StructureKind::Aci, true));
        let rsa = Criterion::ALL
            .iter()
            .position(|c| *c == Criterion::Rsa)
            .unwrap();
        d.confirmed[rsa] = Some(true);
        d.proofs[rsa] = " Attestation CAF / MSA ".into();
        d.confirmed[5] = Some(false);
        let today = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        let ev = vec![Evaluation {
            criterion: Criterion::Rsa,
            status: Status::Met,
            source: "Suivi : dispositif RSA".into(),
        }];
        let r = d.to_record(7, today, "cfontaine", &ev);
        assert_eq!(r.criteria.len(), 2);
        assert_eq!(r.criteria[0].proof, "Attestation CAF / MSA");
        assert_eq!(r.criteria[0].source, "Suivi : dispositif RSA (rempli)");
        assert!(r.eligible);
        assert_eq!(r.expires, NaiveDate::from_ymd_opt(2027, 6, 1));
        // Made by the structure: no expiry; the next draft follows the last one.
        d.prescriber = false;
        d.kind = StructureKind::Etti;
        let r = d.to_record(7, today, "cfontaine", &ev);
        assert_eq!(r.expires, None);
        let next = EligibilityDraft::new(Some(&r));
        assert_eq!((next.kind, next.prescriber), (StructureKind::Etti, false));
        assert!(next.confirmed.iter().all(|c| c.is_none()));
    }
}
