//! The « parcours » list of a file: étapes de parcours, saisines of the Département and
//! veilles à 6 mois, opened over the file by a key (like the journal), with their forms.

use crate::app::form::{items, Field, Form, Purpose, Reader, Refusal};
use crate::app::keys::Action;
use crate::app::state::*;
use crate::domain::*;
use crate::store::Backend;
use chrono::NaiveDate;

/// One row of the parcours list: an index into the file's étapes, saisines or veilles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParcoursRow {
    Etape(usize),
    Saisine(usize),
    Veille(usize),
}

/// The rows of the list, newest first (étapes by start, saisines and veilles by date).
pub fn parcours_rows(data: &PersonFile) -> Vec<ParcoursRow> {
    let mut rows: Vec<(Option<NaiveDate>, u8, Id, ParcoursRow)> = Vec::new();
    for (i, e) in data.etapes.iter().enumerate() {
        rows.push((e.debut, 0, e.id, ParcoursRow::Etape(i)));
    }
    for (i, s) in data.saisines.iter().enumerate() {
        rows.push((s.date, 1, s.id, ParcoursRow::Saisine(i)));
    }
    for (i, v) in data.veilles.iter().enumerate() {
        rows.push((v.date, 2, v.id, ParcoursRow::Veille(i)));
    }
    rows.sort_by_key(|(d, k, id, _)| std::cmp::Reverse((*d, *k, *id)));
    rows.into_iter().map(|(_, _, _, r)| r).collect()
}

/// The suivi a new veille goes on: the latest exit without a veille, else the latest exit.
pub fn veille_suivi(data: &PersonFile) -> Option<&Suivi> {
    let exited = || data.suivis.iter().filter(|s| s.sortie_date.is_some());
    exited()
        .filter(|s| !data.veilles.iter().any(|v| v.suivi_id == s.id))
        .max_by_key(|s| (s.sortie_date, s.id))
        .or_else(|| exited().max_by_key(|s| (s.sortie_date, s.id)))
}

impl App {
    pub(crate) fn open_parcours(&mut self) {
        if let Some(f) = self.file.as_mut() {
            f.parcours = true;
            f.journal = None;
            f.parcours_selected = 0;
        }
    }

    fn selected_parcours(&self) -> Option<ParcoursRow> {
        let f = self.file.as_ref()?;
        parcours_rows(&f.data).get(f.parcours_selected).copied()
    }

    pub(crate) fn edit_selected_parcours(&mut self) {
        let Some(f) = &self.file else { return };
        let form = match self.selected_parcours() {
            Some(ParcoursRow::Etape(i)) => {
                let e = f.data.etapes[i].clone();
                etape_form(&self.rf, Some(&e)).with_origin(Record::Etape(e))
            }
            Some(ParcoursRow::Saisine(i)) => {
                let s = f.data.saisines[i].clone();
                saisine_form(&self.rf, Some(&s)).with_origin(Record::Saisine(s))
            }
            Some(ParcoursRow::Veille(i)) => {
                let v = f.data.veilles[i].clone();
                veille_form(&self.rf, Some(&v)).with_origin(Record::Veille(v))
            }
            None => return,
        };
        self.overlay = Some(Overlay::Form(Box::new(form)));
    }

    pub(crate) fn delete_selected_parcours(&mut self, store: &mut dyn Backend) {
        let Some(f) = &self.file else { return };
        let (kind, id, what) = match self.selected_parcours() {
            Some(ParcoursRow::Etape(i)) => {
                (RecordKind::Etape, f.data.etapes[i].id, "Étape supprimée")
            }
            Some(ParcoursRow::Saisine(i)) => (
                RecordKind::Saisine,
                f.data.saisines[i].id,
                "Saisine supprimée",
            ),
            Some(ParcoursRow::Veille(i)) => {
                (RecordKind::Veille, f.data.veilles[i].id, "Veille supprimée")
            }
            None => return,
        };
        self.commit_or_report(store, Change::Delete(kind, id), &self.undo_hint(what));
    }

    pub(crate) fn open_etape_form(&mut self) {
        let form = etape_form(&self.rf, None);
        self.overlay = Some(Overlay::Form(Box::new(form)));
    }

    pub(crate) fn open_saisine_form(&mut self) {
        let Some(f) = &self.file else { return };
        if f.data.current_suivi().is_none() {
            let key = self.keymap.key_label(
                crate::app::keys::Context::File,
                crate::app::keys::Action::EditSuivi,
            );
            self.set_error(format!(
                "Aucun suivi : une saisine se fait sur un suivi ({key} depuis le dossier pour le créer)"
            ));
            return;
        }
        let form = saisine_form(&self.rf, None);
        self.overlay = Some(Overlay::Form(Box::new(form)));
    }

    pub(crate) fn open_veille_form(&mut self) {
        let Some(f) = &self.file else { return };
        if veille_suivi(&f.data).is_none() {
            self.set_error(
                "Aucune sortie enregistrée : la veille à 6 mois suit la sortie d'un suivi",
            );
            return;
        }
        let form = veille_form(&self.rf, None);
        self.overlay = Some(Overlay::Form(Box::new(form)));
    }

    /// Moves in the parcours list.
    pub(crate) fn move_in_parcours(&mut self, step: impl Fn(usize, usize) -> usize) {
        let Some(f) = self.file.as_mut() else { return };
        let len = parcours_rows(&f.data).len();
        f.parcours_selected = step(f.parcours_selected, len);
    }

    /// The key that opens the list, for messages.
    pub fn parcours_key(&self) -> String {
        self.keymap
            .key_label(crate::app::keys::Context::File, Action::Parcours)
    }
}

/// `choices` with `code` added (shown raw) when the referential no longer has it, so editing
/// a record never changes a code silently.
fn keeping(mut choices: Vec<(String, String)>, code: &str) -> Vec<(String, String)> {
    if !code.is_empty() && !choices.iter().any(|(c, _)| c == code) {
        choices.push((code.to_string(), code.to_string()));
    }
    choices
}

// ----- étape de parcours -----

/// Field keys of the étape form.
pub mod etape_key {
    pub const KIND: &str = "kind";
    pub const DEBUT: &str = "debut";
    pub const FIN: &str = "fin";
    pub const ORGANISME: &str = "organisme";
    pub const NOTE: &str = "note";
}

fn etape_key_of(field: &str) -> Option<&'static str> {
    match field {
        "kind" => Some(etape_key::KIND),
        "debut" => Some(etape_key::DEBUT),
        "fin" => Some(etape_key::FIN),
        _ => None,
    }
}

pub fn etape_form(rf: &Referential, existing: Option<&Etape>) -> Form {
    use etape_key as k;
    let e = existing.cloned().unwrap_or_default();
    let (title, purpose) = match existing {
        Some(e) => ("Modifier l'étape de parcours", Purpose::EditEtape(e.id)),
        None => ("Nouvelle étape de parcours", Purpose::NewEtape),
    };
    let kind = if e.kind.is_empty() {
        rf.etape_types
            .first()
            .map(|t| t.code.clone())
            .unwrap_or_default()
    } else {
        e.kind.clone()
    };
    Form::new(
        title,
        purpose,
        vec![
            Field::choice(k::KIND, "Type", keeping(items(&rf.etape_types), &kind), &kind),
            Field::date(k::DEBUT, "Début", e.debut).required(),
            Field::date(k::FIN, "Fin (prévue)", e.fin),
            Field::text(k::ORGANISME, "Employeur ou organisme", &e.organisme),
            Field::multiline(k::NOTE, "Note", &e.note),
        ],
    )
    .with_hint("Résultat pendant l'accompagnement qui n'est pas une sortie (contrat, immersion, formation, logement).")
}

/// Reads the étape form into `e` (a copy of the edited étape, or a new one of the person).
pub fn read_etape(r: &Reader, mut e: Etape) -> Result<Change, Refusal> {
    use etape_key as k;
    let before = e.clone();
    e.kind = r.choice(k::KIND)?;
    e.debut = r.date(k::DEBUT)?;
    e.fin = r.date(k::FIN)?;
    e.organisme = r.text(k::ORGANISME)?;
    e.note = r.raw(k::NOTE)?;
    e.check(&before, r.now().date())
        .map_err(|err| Refusal::rule(err, etape_key_of))?;
    Ok(Change::Upsert(Record::Etape(e)))
}

pub fn new_etape(person_id: Id) -> Etape {
    Etape {
        person_id,
        ..Default::default()
    }
}

// ----- saisine -----

/// Field keys of the saisine form.
pub mod saisine_key {
    pub const DATE: &str = "date";
    pub const MOTIF: &str = "motif";
    pub const DETAIL: &str = "detail";
}

fn saisine_key_of(field: &str) -> Option<&'static str> {
    match field {
        "date" => Some(saisine_key::DATE),
        "motif" => Some(saisine_key::MOTIF),
        _ => None,
    }
}

pub fn saisine_form(rf: &Referential, existing: Option<&Saisine>) -> Form {
    use saisine_key as k;
    let s = existing.cloned().unwrap_or_default();
    let (title, purpose) = match existing {
        Some(s) => ("Modifier la saisine", Purpose::EditSaisine(s.id)),
        None => ("Nouvelle saisine du Département", Purpose::NewSaisine),
    };
    let motif = if s.motif.is_empty() {
        rf.saisine_motifs
            .first()
            .map(|m| m.code.clone())
            .unwrap_or_default()
    } else {
        s.motif.clone()
    };
    Form::new(
        title,
        purpose,
        vec![
            Field::date(k::DATE, "Date de la saisine", s.date).required(),
            Field::choice(k::MOTIF, "Motif", keeping(items(&rf.saisine_motifs), &motif), &motif),
            Field::multiline(k::DETAIL, "Précisions", &s.detail),
        ],
    )
    .with_hint("Saisine du Département pour une personne qui ne participe pas à son accompagnement (sur le suivi en cours).")
}

/// Reads the saisine form into `s` (a copy of the edited saisine, or [`new_saisine`]).
pub fn read_saisine(r: &Reader, mut s: Saisine) -> Result<Change, Refusal> {
    use saisine_key as k;
    let before = s.clone();
    s.date = r.date(k::DATE)?;
    s.motif = r.choice(k::MOTIF)?;
    s.detail = r.raw(k::DETAIL)?;
    s.check(&before, r.now().date())
        .map_err(|err| Refusal::rule(err, saisine_key_of))?;
    Ok(Change::Upsert(Record::Saisine(s)))
}

/// A new saisine on the file's current suivi (refused without one).
pub fn new_saisine(data: &PersonFile) -> Result<Saisine, Refusal> {
    let suivi = data
        .current_suivi()
        .ok_or_else(|| Refusal::Error("Aucun suivi : une saisine se fait sur un suivi".into()))?;
    Ok(Saisine {
        person_id: data.person.id,
        suivi_id: suivi.id,
        ..Default::default()
    })
}

// ----- veille à 6 mois -----

/// Field keys of the veille form.
pub mod veille_key {
    pub const DATE: &str = "date";
    pub const SITUATION: &str = "situation";
    pub const NOTE: &str = "note";
}

fn veille_key_of(field: &str) -> Option<&'static str> {
    match field {
        "date" => Some(veille_key::DATE),
        "situation" => Some(veille_key::SITUATION),
        _ => None,
    }
}

pub fn veille_form(rf: &Referential, existing: Option<&Veille>) -> Form {
    use veille_key as k;
    let v = existing.cloned().unwrap_or_default();
    let (title, purpose) = match existing {
        Some(v) => ("Modifier la veille à 6 mois", Purpose::EditVeille(v.id)),
        None => ("Veille à 6 mois", Purpose::NewVeille),
    };
    let situation = if v.situation.is_empty() {
        rf.veille_situations
            .first()
            .map(|m| m.code.clone())
            .unwrap_or_default()
    } else {
        v.situation.clone()
    };
    Form::new(
        title,
        purpose,
        vec![
            Field::date(k::DATE, "Date de la veille", v.date).required(),
            Field::choice(
                k::SITUATION,
                "Situation",
                keeping(items(&rf.veille_situations), &situation),
                &situation,
            ),
            Field::multiline(k::NOTE, "Note", &v.note),
        ],
    )
    .with_hint("Situation de la personne 6 mois après sa sortie (dernière sortie enregistrée).")
}

/// Reads the veille form into `v` (a copy of the edited veille, or [`new_veille`]); `exit`
/// is the exit date of its suivi.
pub fn read_veille(r: &Reader, mut v: Veille, exit: Option<NaiveDate>) -> Result<Change, Refusal> {
    use veille_key as k;
    let before = v.clone();
    v.date = r.date(k::DATE)?;
    v.situation = r.choice(k::SITUATION)?;
    v.note = r.raw(k::NOTE)?;
    v.check(&before, exit, r.now().date())
        .map_err(|err| Refusal::rule(err, veille_key_of))?;
    Ok(Change::Upsert(Record::Veille(v)))
}

/// A new veille on the latest exit still without one (see [`veille_suivi`]).
pub fn new_veille(data: &PersonFile) -> Result<Veille, Refusal> {
    let suivi = veille_suivi(data).ok_or_else(|| {
        Refusal::Error("Aucune sortie enregistrée : la veille suit une sortie".into())
    })?;
    Ok(Veille {
        person_id: data.person.id,
        suivi_id: suivi.id,
        ..Default::default()
    })
}

/// The exit date of the suivi `id` of the file.
pub fn exit_of(data: &PersonFile, id: Id) -> Option<NaiveDate> {
    data.suivis
        .iter()
        .find(|s| s.id == id)
        .and_then(|s| s.sortie_date)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::form::tests::{now, set, validated};

    fn etape(c: Result<Change, Refusal>) -> Result<Etape, Refusal> {
        match c? {
            Change::Upsert(Record::Etape(e)) => Ok(e),
            other => panic!("not an étape upsert: {other:?}"),
        }
    }

    #[test]
    fn etape_reader_reads_every_key_and_refuses_bad_dates() {
        let rf = Referential::embedded();
        let mut form = etape_form(&rf, None);
        set(&mut form, etape_key::DEBUT, "01/10/2026");
        set(&mut form, etape_key::FIN, "31/12/2026");
        set(&mut form, etape_key::ORGANISME, " Boulangerie Martin ");
        let form = validated(form);
        let e = etape(read_etape(&Reader::new(&form, now()), new_etape(9))).unwrap();
        assert_eq!(e.person_id, 9);
        assert_eq!(e.kind, rf.etape_types[0].code);
        assert_eq!(e.organisme, "Boulangerie Martin");
        assert_eq!(e.fin, NaiveDate::from_ymd_opt(2026, 12, 31));

        // An end before the start: a French message under the end field, nothing written.
        let mut form = etape_form(&rf, None);
        set(&mut form, etape_key::DEBUT, "01/10/2026");
        set(&mut form, etape_key::FIN, "01/09/2026");
        let form = validated(form);
        match read_etape(&Reader::new(&form, now()), new_etape(9)) {
            Err(Refusal::Field { key, message }) => {
                assert_eq!(key, etape_key::FIN);
                assert!(message.contains("précède"), "{message}");
            }
            other => panic!("expected a refusal, got {other:?}"),
        }
        // A mistyped year.
        let mut form = etape_form(&rf, None);
        set(&mut form, etape_key::DEBUT, "01/10/1926");
        let form = validated(form);
        match read_etape(&Reader::new(&form, now()), new_etape(9)) {
            Err(Refusal::Field { key, message }) => {
                assert_eq!(key, etape_key::DEBUT);
                assert!(message.contains("hors limites"), "{message}");
            }
            other => panic!("expected a refusal, got {other:?}"),
        }
    }

    #[test]
    fn veille_goes_on_the_latest_exit_without_one_and_not_before_it() {
        let rf = Referential::embedded();
        let day = |m, d| NaiveDate::from_ymd_opt(2026, m, d);
        let mut data = PersonFile::default();
        data.person.id = 4;
        data.suivis = vec![
            Suivi {
                id: 1,
                sortie_date: day(1, 10),
                ..Default::default()
            },
            Suivi {
                id: 2,
                sortie_date: day(3, 10),
                ..Default::default()
            },
        ];
        data.veilles = vec![Veille {
            suivi_id: 2,
            ..Default::default()
        }];
        let v = new_veille(&data).unwrap();
        assert_eq!((v.person_id, v.suivi_id), (4, 1));
        let mut form = veille_form(&rf, None);
        set(&mut form, veille_key::DATE, "01/01/2026");
        let form = validated(form);
        match read_veille(&Reader::new(&form, now()), v, exit_of(&data, 1)) {
            Err(Refusal::Field { key, message }) => {
                assert_eq!(key, veille_key::DATE);
                assert!(message.contains("10/01/2026"), "{message}");
            }
            other => panic!("expected a refusal, got {other:?}"),
        }
    }
}
