//! The caseload list as shown, written as a CSV for Excel / LibreOffice in the exports
//! folder (the same format as `parcours export --format csv`, see `crate::export`).

use super::App;
use crate::store::audit::actions;
use crate::store::Store;

impl App {
    /// Writes the visible caseload rows (filters, search and sort applied) and says where.
    pub(super) fn export_caseload_csv(&mut self, store: &Store) {
        let Some(dir) = self.export_dir.clone().or_else(crate::config::exports_dir) else {
            self.set_error("Dossier des exports introuvable (dossier de données de l'utilisateur) : utilisez « parcours export --format csv -o FICHIER »");
            return;
        };
        // Audited first: an export that cannot be logged is not made.
        if let Err(e) = store.audit(actions::EXPORT, None) {
            self.set_error(e.to_string());
            return;
        }
        let path = dir.join(crate::export::spreadsheet::caseload_file_name(
            self.clock.now(),
        ));
        let c = &self.caseload;
        let rows = c.visible.iter().filter_map(|i| c.rows.get(*i));
        let written = std::fs::create_dir_all(&dir)
            .and_then(|()| crate::document::create_private(&path))
            .map_err(crate::export::ExportError::from)
            .and_then(|f| {
                let mut out = std::io::BufWriter::new(f);
                let n = crate::export::spreadsheet::write_caseload(&self.rf, rows, &mut out)?;
                out.into_inner().map_err(|e| e.into_error())?.sync_all()?;
                Ok(n)
            });
        match written {
            Ok(n) => self.set_info(format!(
                "{n} ligne(s) exportée(s) : {} (non chiffré : supprimez-le après usage)",
                path.display()
            )),
            Err(e) => self.set_error(e.to_string()),
        }
    }
}
