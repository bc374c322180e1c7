//! Admin screens and the person's rights: the readable document of a file (right of
//! access), erasure (right to erasure), the retention view and the audit log. Erasure, the
//! retention view, archived files and the audit log are for admin accounts only.

use super::form::{Field, Form, Purpose, Reader, Refusal};
use super::keys::{Action, Context, Keymap};
use super::state::*;
use crate::domain::Id;
use crate::store::audit::actions;
use crate::store::Backend;
use std::path::PathBuf;

/// The audit view shows at most this many entries (newest first).
pub const AUDIT_LIMIT: usize = 1000;

pub const ADMIN_ONLY_ERASE: &str =
    "Effacer un dossier est réservé aux administrateur·rices de la structure : adressez-leur la demande de la personne.";
pub const ADMIN_ONLY_RETENTION: &str =
    "La conservation des dossiers (archivage, effacement) est réservée aux administrateur·rices de la structure.";
pub const ADMIN_ONLY_AUDIT: &str =
    "Le journal d'audit est réservé aux administrateur·rices de la structure.";

/// Field keys of the erasure confirmation.
mod erase_key {
    pub const DOSSIER: &str = "dossier";
}

/// The erasure confirmation: the n° de dossier must be retyped.
fn erase_form(id: Id, dossier: &str, name: &str, keymap: &Keymap) -> Form {
    let cancel = keymap.key_label(Context::Form, Action::Cancel);
    Form::new(
        "Effacer définitivement un dossier",
        Purpose::ErasePerson(id, dossier.to_string()),
        vec![Field::text(erase_key::DOSSIER, "N° de dossier", "").required()],
    )
    .with_hint(&format!(
        "Toutes les données de {name} (n° {dossier}) vont quitter la base : identité, suivis, diagnostic, obstacles, plan d'action, rendez-vous et notes. Rien ne pourra être annulé ; les sauvegardes déjà faites le contiennent encore. Retapez le n° de dossier pour confirmer, {cancel} pour renoncer."
    ))
}

/// Accepts the confirmation when the typed n° is the file's.
fn read_erase(r: &Reader, dossier: &str) -> Result<(), Refusal> {
    if r.text(erase_key::DOSSIER)? != dossier.trim() {
        return Err(Refusal::field(
            erase_key::DOSSIER,
            format!("Ce n'est pas le n° de ce dossier ({dossier}) : rien n'a été effacé"),
        ));
    }
    Ok(())
}

/// An audited action, in French.
pub fn action_label(code: &str) -> &str {
    match code {
        actions::LOGIN => "Connexion",
        actions::LOGIN_FAILED => "Échec de connexion",
        actions::LOGOUT => "Déconnexion",
        actions::LOCK => "Verrouillage",
        actions::OPEN_FILE => "Consultation",
        actions::CREATE => "Création",
        actions::UPDATE => "Modification",
        actions::DELETE => "Suppression",
        actions::EXPORT => "Export",
        crate::export::AUDIT_EXPORT_WITH_NAMES => "Export avec les noms",
        actions::ERASE => "Effacement",
        actions::ARCHIVE => "Archivage",
        actions::UNARCHIVE => "Désarchivage",
        actions::ACCOUNTS => "Gestion des comptes",
        other => other,
    }
}

/// A record kind (table name) of the audit log, in French.
pub fn kind_label(kind: &str) -> &str {
    match kind {
        "persons" => "personne",
        "suivis" => "suivi",
        "diagnostics" => "diagnostic",
        "barriers" => "obstacle",
        "objectives" => "objectif",
        "actions" => "action",
        "appointments" => "rendez-vous",
        "notes" => "note",
        "eligibilities" => "éligibilité IAE",
        other => other,
    }
}

/// The next value of a filter: all → first → ... → last → all.
fn cycle(list: &[String], current: &Option<String>) -> Option<String> {
    match current {
        None => list.first().cloned(),
        Some(cur) => list
            .iter()
            .position(|x| x == cur)
            .and_then(|p| list.get(p + 1))
            .cloned(),
    }
}

/// What the app says after an erasure about the copies of the base made before it (they
/// still hold the person): how many, the oldest, where; the command line lists and deletes
/// them (`parcours effacer … --supprimer-copies` does it with the erasure).
fn copies_note(copies: &[crate::store::OldCopy]) -> String {
    if copies.is_empty() {
        return "Les sauvegardes rangées ailleurs (clé USB, serveur) le contiennent encore.".into();
    }
    let oldest = copies
        .iter()
        .filter_map(|c| c.modified)
        .min()
        .map(|d| format!("la plus ancienne du {}, ", d.format("%d/%m/%Y")))
        .unwrap_or_default();
    let folder = copies[0]
        .path
        .parent()
        .map(|p| p.display().to_string())
        .unwrap_or_default();
    format!(
        "{} copie(s) de la base faite(s) avant cet effacement le contiennent encore ({oldest}dans {folder}) : supprimez-les quand elles ne servent plus ; les sauvegardes rangées ailleurs aussi.",
        copies.len()
    )
}

impl App {
    /// Is the account of this session an admin? Decided by the accounts file as it is now,
    /// on the slot authenticated under the session's key (see [`crate::session::store_is_admin`]).
    pub fn is_admin(&self, store: &dyn Backend) -> bool {
        store.is_admin()
    }

    /// The person an erase or export applies to: the open file, or the retention row.
    fn target_person(&self) -> Option<(Id, String, String)> {
        match self.screen {
            Screen::File => self.file.as_ref().map(|f| {
                (
                    f.data.person.id,
                    f.data.person.dossier.clone(),
                    f.data.person.display_name(),
                )
            }),
            Screen::Retention => self
                .retention
                .rows
                .get(self.retention.selected)
                .map(|r| (r.person_id, r.dossier.clone(), r.name.clone())),
            _ => None,
        }
    }

    // ----- right of access: the readable document -----

    /// Writes the open file's document in the exports folder and says where.
    pub(super) fn export_document(&mut self, store: &dyn Backend) {
        let Some((id, dossier, _)) = self.target_person() else {
            return;
        };
        let Some(dir) = self.export_dir.clone().or_else(crate::config::exports_dir) else {
            self.set_error("Dossier des exports introuvable (dossier de données de l'utilisateur) : utilisez « parcours export --format document --person N° -o FICHIER »");
            return;
        };
        // Audited first: an export that cannot be logged is not made.
        if let Err(e) = store.audit(actions::EXPORT, Some(id)) {
            self.set_error(e.to_string());
            return;
        }
        // The NIR in full only when the advisor shows it in this very file.
        let nir_shown = self
            .file
            .as_ref()
            .is_some_and(|f| f.data.person.id == id && f.nir_shown);
        let written = crate::document::write_to_dir_nir(store, &self.rf, id, &dir, nir_shown);
        match written {
            Ok(path) => self.set_info(format!(
                "Dossier n° {dossier} exporté : {} (non chiffré : imprimez-le ou remettez-le, puis supprimez-le)",
                path.display()
            )),
            Err(e) => self.set_error(e.to_string()),
        }
    }

    // ----- right to erasure -----

    /// Opens the confirmation of an erasure: the n° de dossier must be typed.
    pub(super) fn ask_erase(&mut self, store: &dyn Backend) {
        if !self.is_admin(store) {
            self.set_error(ADMIN_ONLY_ERASE);
            return;
        }
        let Some((id, dossier, name)) = self.target_person() else {
            return;
        };
        self.overlay = Some(Overlay::Form(Box::new(erase_form(
            id,
            &dossier,
            &name,
            &self.keymap,
        ))));
    }

    /// The confirmation was submitted: erase when the typed n° is the file's.
    pub(super) fn submit_erase(
        &mut self,
        r: &Reader,
        store: &mut dyn Backend,
        id: Id,
        dossier: &str,
    ) -> Result<(), Refusal> {
        if !self.is_admin(store) {
            return Err(Refusal::Error(ADMIN_ONLY_ERASE.into()));
        }
        read_erase(r, dossier)?;
        let erased = store
            .erase_person(id)
            .map_err(|e| Refusal::Error(e.to_string()))?;
        // Nothing of the person stays in memory either: the open file (and its undo
        // stack), the today rows, the search text; the caseload and its search index are
        // rebuilt from the database.
        if self.file.as_ref().is_some_and(|f| f.data.person.id == id) {
            self.file = None;
        }
        self.today = TodayState::default();
        self.caseload.query.set("");
        self.caseload.searching = false;
        if self.screen == Screen::Retention {
            self.reload_retention(store);
        } else {
            self.screen = Screen::Caseload;
            self.previous_screen = Screen::Caseload;
        }
        if let Err(e) = self.reload_caseload(store) {
            self.set_error(e.to_string());
            return Ok(());
        }
        let mut msg = format!(
            "Dossier n° {dossier} effacé : ses données ont quitté la base. {}",
            store
                .local()
                .map_or_else(String::new, |s| copies_note(&crate::store::old_copies(
                    s.path()
                )))
        );
        if !erased.compacted {
            msg.push_str(
                " ; nettoyage du fichier terminé à la fermeture de parcours sur les autres postes",
            );
        }
        self.set_info(msg);
        Ok(())
    }

    // ----- retention view -----

    pub(super) fn show_retention(&mut self, store: &dyn Backend) {
        if !self.is_admin(store) {
            self.set_error(ADMIN_ONLY_RETENTION);
            return;
        }
        self.retention = RetentionState::default();
        self.screen = Screen::Retention;
        self.reload_retention(store);
    }

    fn reload_retention(&mut self, store: &dyn Backend) {
        match store.retention_list() {
            Ok(rows) => {
                self.retention.rows = rows;
                let last = self.retention.rows.len().saturating_sub(1);
                self.retention.selected = self.retention.selected.min(last);
            }
            Err(e) => self.set_error(e.to_string()),
        }
    }

    /// Archives the selected file, or brings an archived one back.
    pub(super) fn toggle_archive(&mut self, store: &mut dyn Backend) {
        if !self.is_admin(store) {
            self.set_error(ADMIN_ONLY_RETENTION);
            return;
        }
        let Some(row) = self.retention.rows.get(self.retention.selected).cloned() else {
            return;
        };
        let archive = row.archived_at.is_none();
        match store.set_archived(row.person_id, archive) {
            Ok(()) => {
                self.reload_retention(store);
                if let Err(e) = self.reload_caseload(store) {
                    self.set_error(e.to_string());
                    return;
                }
                self.set_info(if archive {
                    format!("Dossier n° {} archivé : il n'apparaît plus dans la file active (filtre « archivés » avec o)", row.dossier)
                } else {
                    format!(
                        "Dossier n° {} désarchivé : il revient dans la file active",
                        row.dossier
                    )
                });
            }
            Err(e) => self.set_error(e.to_string()),
        }
    }

    pub(super) fn open_retention_row(&mut self, store: &dyn Backend) {
        if let Some(id) = self
            .retention
            .rows
            .get(self.retention.selected)
            .map(|r| r.person_id)
        {
            self.open_person(id, store);
        }
    }

    // ----- audit view -----

    pub(super) fn show_audit(&mut self, store: &dyn Backend) {
        if !self.is_admin(store) {
            self.set_error(ADMIN_ONLY_AUDIT);
            return;
        }
        if self.screen != Screen::Audit {
            self.audit = AuditState {
                back_to: Some(self.screen),
                ..AuditState::default()
            };
        }
        self.screen = Screen::Audit;
        self.reload_audit(store);
    }

    fn reload_audit(&mut self, store: &dyn Backend) {
        let a = &mut self.audit;
        let result = store.audit_filters().and_then(|(actors, actions)| {
            a.actors = actors;
            a.actions = actions;
            store.audit_entries(a.actor.as_deref(), a.action.as_deref(), AUDIT_LIMIT)
        });
        match result {
            Ok(entries) => {
                a.entries = entries;
                a.selected = a.selected.min(a.entries.len().saturating_sub(1));
            }
            Err(e) => self.set_error(e.to_string()),
        }
    }

    pub(super) fn cycle_audit_actor(&mut self, store: &dyn Backend) {
        self.audit.actor = cycle(&self.audit.actors, &self.audit.actor);
        self.audit.selected = 0;
        self.reload_audit(store);
    }

    pub(super) fn cycle_audit_action(&mut self, store: &dyn Backend) {
        self.audit.action = cycle(&self.audit.actions, &self.audit.action);
        self.audit.selected = 0;
        self.reload_audit(store);
    }

    /// Échap from the audit view: back where it was opened from.
    pub(super) fn leave_audit(&mut self, store: &dyn Backend) {
        match self.audit.back_to.take() {
            Some(Screen::File) if self.file.is_some() => self.screen = Screen::File,
            Some(Screen::Today) => self.screen = Screen::Today,
            Some(Screen::Retention) => {
                self.screen = Screen::Retention;
                self.reload_retention(store);
            }
            _ => {
                self.screen = Screen::Caseload;
                if let Err(e) = self.reload_caseload(store) {
                    self.set_error(e.to_string());
                }
            }
        }
        self.audit.entries.clear();
    }

    /// Where the exports of this session go (tests point it at a temporary folder).
    pub fn set_export_dir(&mut self, dir: PathBuf) {
        self.export_dir = Some(dir);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_cycle_through_all_values_then_back_to_all() {
        let list = vec!["a".to_string(), "b".to_string()];
        let mut cur = None;
        let mut seen = Vec::new();
        for _ in 0..3 {
            cur = cycle(&list, &cur);
            seen.push(cur.clone());
        }
        assert_eq!(seen, vec![Some("a".into()), Some("b".into()), None]);
        assert_eq!(cycle(&[], &None), None);
    }

    #[test]
    fn erase_reader_accepts_only_the_files_number() {
        let now = chrono::NaiveDate::from_ymd_opt(2026, 3, 10)
            .unwrap()
            .and_hms_opt(9, 0, 0)
            .unwrap();
        let cases: &[(&str, &str, bool)] = &[
            ("same_number", "2026-00042", true),
            ("spaces_around", "  2026-00042 ", true),
            ("empty", "", false),
            ("other_number", "2026-00043", false),
        ];
        for (name, typed, ok) in cases {
            let mut form = erase_form(7, "2026-00042", "MARTIN Léa", &Keymap::defaults());
            form.field_mut(erase_key::DOSSIER).unwrap().input.set(typed);
            let got = read_erase(&Reader::new(&form, now), "2026-00042");
            if *ok {
                assert_eq!(got, Ok(()), "{name}");
            } else {
                assert_eq!(
                    got,
                    Err(Refusal::field(
                        erase_key::DOSSIER,
                        "Ce n'est pas le n° de ce dossier (2026-00042) : rien n'a été effacé"
                    )),
                    "{name}"
                );
            }
        }
    }

    #[test]
    fn every_audited_action_has_a_french_label() {
        for code in [
            actions::LOGIN,
            actions::LOGIN_FAILED,
            actions::LOGOUT,
            actions::LOCK,
            actions::OPEN_FILE,
            actions::CREATE,
            actions::UPDATE,
            actions::DELETE,
            actions::EXPORT,
            actions::ERASE,
            actions::ARCHIVE,
            actions::UNARCHIVE,
            actions::ACCOUNTS,
        ] {
            assert_ne!(action_label(code), code, "{code}");
        }
    }
}
