//! Import of parcours's own JSON export (`parcours export --format json`: one person or the
//! whole base) into another base: moving or merging a base, and the right to portability.
//! New internal ids; the n° de dossier kept unless the target already has it (then a new
//! one, listed); referential codes the target does not know kept as they are. A person the
//! target already has (same matching rules as the lists, or the same n° de dossier and
//! name) is not imported again: re-importing an export changes nothing.

use super::{person_ids, Ids, ImportError, Index, Plan};
use crate::domain::{Id, Person, PersonFile, Suivi};
use std::collections::HashSet;

#[derive(serde::Deserialize)]
struct Export {
    #[serde(default)]
    format: String,
    persons: Vec<PersonFile>,
}

/// Reads an export's text.
pub fn read(bytes: &[u8]) -> Result<Vec<PersonFile>, ImportError> {
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(ImportError::Empty);
    }
    let e: Export = serde_json::from_slice(bytes).map_err(|e| {
        ImportError::Unreadable(format!(
            "ce n'est pas un export JSON de parcours (ligne {}, colonne {})",
            e.line(),
            e.column()
        ))
    })?;
    if !e.format.is_empty() && e.format != crate::export::FORMAT {
        return Err(ImportError::Unreadable(format!(
            "format « {} » inconnu (attendu : {})",
            e.format,
            crate::export::FORMAT
        )));
    }
    Ok(e.persons)
}

/// A file as the store's bulk insert takes it: ids 0, an action's objective / barrier as
/// its 1-based position in the file (see `Store::insert_files`).
pub fn detached(mut f: PersonFile) -> PersonFile {
    let position = |ids: &[Id], id: Option<Id>| {
        id.and_then(|id| ids.iter().position(|x| *x == id))
            .map(|p| p as Id + 1)
    };
    let objectives: Vec<Id> = f.objectives.iter().map(|o| o.id).collect();
    let barriers: Vec<Id> = f.barriers.iter().map(|b| b.id).collect();
    for a in &mut f.actions {
        a.objective_id = position(&objectives, a.objective_id);
        a.barrier_id = position(&barriers, a.barrier_id);
        a.id = 0;
        a.person_id = 0;
        a.version = 0;
    }
    // A saisine's or veille's suivi: its position among the file's suivis, like an action's
    // objective (0 when the export names no suivi of the file: the store puts it on the last).
    let suivis: Vec<Id> = f.suivis.iter().map(|s| s.id).collect();
    for s in &mut f.saisines {
        s.suivi_id = position(&suivis, Some(s.suivi_id)).unwrap_or(0);
    }
    for v in &mut f.veilles {
        v.suivi_id = position(&suivis, Some(v.suivi_id)).unwrap_or(0);
    }
    f.person.id = 0;
    f.person.version = 0;
    f.person.created_at = None;
    f.person.updated_at = None;
    macro_rules! reset {
        ($($rows:ident),*) => {$(
            for r in &mut f.$rows {
                r.id = 0;
                r.person_id = 0;
                r.version = 0;
            }
        )*};
    }
    reset!(
        suivis,
        diagnostics,
        barriers,
        objectives,
        appointments,
        notes,
        etapes,
        saisines,
        veilles,
        eligibilities
    );
    f
}

/// The preview of an export's import into the base of `known`.
pub fn plan(files: Vec<PersonFile>, known: Vec<(Person, Option<Suivi>)>, file_name: &str) -> Plan {
    let mut plan = Plan {
        file_name: file_name.to_string(),
        format: "export JSON de parcours".into(),
        lines: files.len(),
        ..Plan::default()
    };
    let mut index = Index::default();
    let mut taken: HashSet<String> = HashSet::new();
    let mut by_dossier: std::collections::HashMap<String, Ids> = Default::default();
    for (i, (p, _)) in known.iter().enumerate() {
        index.add(&person_ids(p), i);
        taken.insert(p.dossier.clone());
        by_dossier.insert(p.dossier.clone(), person_ids(p));
    }
    let base = known.len();
    for (n, f) in files.into_iter().enumerate() {
        let number = n + 1;
        let ids = person_ids(&f.person);
        let same_dossier = by_dossier
            .get(&f.person.dossier)
            .is_some_and(|k| k.name == ids.name && (k.birth == ids.birth || k.birth.is_none()));
        match index.find(&ids) {
            Some((at, _)) if at >= base => {
                plan.rejected.push((
                    number,
                    format!(
                        "{} : même personne qu'une autre fiche de l'export (doublon)",
                        f.person.display_name()
                    ),
                ));
                continue;
            }
            Some(_) => {
                plan.known += 1;
                continue;
            }
            None if same_dossier => {
                plan.known += 1;
                continue;
            }
            None => {}
        }
        let mut f = detached(f);
        if f.person.dossier.trim().is_empty() || taken.contains(&f.person.dossier) {
            if !f.person.dossier.trim().is_empty() {
                plan.notes.push((
                    number,
                    format!(
                        "{} : n° de dossier {} déjà pris dans cette base, un nouveau numéro est donné",
                        f.person.display_name(),
                        f.person.dossier
                    ),
                ));
            }
            f.person.dossier = String::new();
        } else {
            taken.insert(f.person.dossier.clone());
        }
        index.add(&ids, base + n);
        plan.new += 1;
        plan.batch.new_files.push(f);
    }
    plan.batch.audit_detail = plan.audit_detail();
    plan
}
