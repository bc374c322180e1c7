//! The contrat d'engagement of the open file, printed: written as an A4 HTML page into the
//! exports folder (see `crate::contract_doc`), audited like every export.

use super::state::*;
use crate::store::audit::actions;
use crate::store::Backend;

impl App {
    /// Writes the open file's contract in the exports folder and says where.
    pub(super) fn export_contract(&mut self, store: &dyn Backend) {
        let Some((id, dossier)) = self
            .file
            .as_ref()
            .map(|f| (f.data.person.id, f.data.person.dossier.clone()))
        else {
            return;
        };
        let Some(dir) = self.export_dir.clone().or_else(crate::config::exports_dir) else {
            self.set_error("Dossier des exports introuvable (dossier de données de l'utilisateur) : utilisez « parcours document contrat --person N° -o FICHIER »");
            return;
        };
        if self.file.as_ref().is_some_and(|f| f.data.suivis.is_empty()) {
            self.set_error(format!("Contrat : {}", crate::contract_doc::NO_SUIVI));
            return;
        }
        // Audited first: an export that cannot be logged is not made.
        if let Err(e) = store.audit(actions::EXPORT, Some(id)) {
            self.set_error(e.to_string());
            return;
        }
        let (structure, warning) = crate::structure::load();
        let written = crate::contract_doc::write_to_dir(store, &self.rf, &structure, id, &dir);
        match written {
            Ok(path) => {
                let mut msg = format!(
                    "Contrat du dossier n° {dossier} prêt à imprimer : {} (non chiffré : supprimez-le après impression)",
                    path.display()
                );
                if let Some(w) = warning {
                    msg.push_str(&format!(" · {w}"));
                }
                self.set_info(msg);
            }
            Err(e) => self.set_error(e.to_string()),
        }
    }
}
