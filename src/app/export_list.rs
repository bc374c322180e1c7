//! The list on screen (the caseload as filtered, searched and sorted; the today view as
//! shown), written as a CSV for Excel / LibreOffice in the exports folder (the same format as
//! `parcours export --format csv`, see `crate::export`).

use super::{App, Screen, TodayRow};
use crate::export::spreadsheet::{self, TodayLine};
use crate::export::ExportError;
use crate::store::audit::actions;
use crate::store::Backend;
use std::io::BufWriter;

impl App {
    /// Writes the list of the screen shown (caseload or today view) and says where.
    pub(super) fn export_list_csv(&mut self, store: &dyn Backend) {
        let now = self.clock.now();
        if self.screen == Screen::Today {
            let name = spreadsheet::today_file_name(now);
            let mut section = String::new();
            let mut lines: Vec<(String, &TodayRow)> = Vec::new();
            for r in &self.today.rows {
                match r {
                    TodayRow::Header(h) => section = h.clone(),
                    TodayRow::Item { .. } => lines.push((section.clone(), r)),
                    TodayRow::Empty(_) => {}
                }
            }
            let lines: Vec<TodayLine> = lines
                .iter()
                .filter_map(|(s, r)| match r {
                    TodayRow::Item {
                        when,
                        who,
                        what,
                        alert,
                        ..
                    } => Some(TodayLine {
                        section: s,
                        when,
                        who,
                        what,
                        alert: *alert,
                    }),
                    _ => None,
                })
                .collect();
            let written =
                self.write_export(store, &name, |out| spreadsheet::write_today(lines, out));
            self.report_export(written);
        } else {
            let name = spreadsheet::caseload_file_name(now);
            let c = &self.caseload;
            let rows: Vec<_> = c.visible.iter().filter_map(|i| c.rows.get(*i)).collect();
            let rf = &self.rf;
            let written = self.write_export(store, &name, |out| {
                spreadsheet::write_caseload(rf, rows, out)
            });
            self.report_export(written);
        }
    }

    /// Audits, then writes `name` (0600) in the exports folder with `write`.
    fn write_export(
        &self,
        store: &dyn Backend,
        name: &str,
        write: impl FnOnce(&mut BufWriter<std::fs::File>) -> Result<usize, ExportError>,
    ) -> Result<(usize, std::path::PathBuf), String> {
        let Some(dir) = self.export_dir.clone().or_else(crate::config::exports_dir) else {
            return Err("Dossier des exports introuvable (dossier de données de l'utilisateur) : utilisez « parcours export --format csv -o FICHIER »".into());
        };
        // Audited first: an export that cannot be logged is not made.
        store
            .audit(actions::EXPORT, None)
            .map_err(|e| e.to_string())?;
        let path = dir.join(name);
        std::fs::create_dir_all(&dir)
            .and_then(|()| crate::document::create_private(&path))
            .map_err(ExportError::from)
            .and_then(|f| {
                let mut out = BufWriter::new(f);
                let n = write(&mut out)?;
                out.into_inner().map_err(|e| e.into_error())?.sync_all()?;
                Ok(n)
            })
            .map(|n| (n, path))
            .map_err(|e| e.to_string())
    }

    fn report_export(&mut self, written: Result<(usize, std::path::PathBuf), String>) {
        match written {
            Ok((n, path)) => self.set_info(format!(
                "{n} ligne(s) exportée(s) : {} (non chiffré : supprimez-le après usage)",
                path.display()
            )),
            Err(e) => self.set_error(e),
        }
    }
}
