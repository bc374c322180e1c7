//! The activity report screen (from the caseload): the report of `crate::report` for a
//! period (by default the last calendar year), a dispositif and a référent·e, recomputed on
//! every change of filter; an export of the same report as HTML and CSV into the exports
//! folder. Nothing is computed here: the figures are `report::compute`'s.

use super::form::{Field, Form, Purpose, Reader, Refusal};
use super::keys::Action;
use super::state::*;
use crate::dates::format_date;
use crate::report::{self, Period, Report};
use crate::store::audit::actions;
use crate::store::Backend;
use crate::structure::Structure;
use chrono::Months;

/// The report screen's state.
#[derive(Debug, Clone)]
pub struct ReportState {
    pub period: Period,
    /// The report of `period` (None when it could not be read: the status line says why).
    pub report: Option<Report>,
    /// First line of the tables shown.
    pub scroll: usize,
    /// Référent·es named on suivis (the référent·e filter cycles through them).
    pub referents: Vec<String>,
    /// `structure.toml` as read when the screen opened.
    pub structure: Structure,
    /// Where Échap goes back to.
    pub back_to: Screen,
}

/// Field keys of the period form.
pub mod period_key {
    pub const DU: &str = "du";
    pub const AU: &str = "au";
}

/// Lines of the tables part (the screen scrolls through them): the `texte` format of the
/// report from its first table on, the « ==== » underlines left out (titles are styled).
pub fn body_lines(r: &Report) -> Vec<String> {
    let text = report::render::text(r);
    let lines: Vec<&str> = text.lines().collect();
    let first = r
        .tables
        .first()
        .and_then(|t| lines.iter().position(|l| *l == t.title))
        .unwrap_or(0);
    lines[first..]
        .iter()
        .filter(|l| !(l.len() >= 2 && l.chars().all(|c| c == '=')))
        .map(|l| l.to_string())
        .collect()
}

impl App {
    /// Opens the report screen with the structure of `structure.toml` (a bad file is said
    /// in the status line and ignored).
    pub(super) fn show_report(&mut self, store: &dyn Backend) {
        let (st, warning) = crate::structure::load();
        self.open_report(store, st);
        if let Some(w) = warning {
            self.set_error(w);
        }
    }

    /// Opens the report screen on the last calendar year with `structure` (tests give
    /// their own).
    pub fn open_report(&mut self, store: &dyn Backend, structure: Structure) {
        let back_to = match (&self.report, self.screen) {
            (Some(r), Screen::Report) => r.back_to,
            (_, s) => s,
        };
        self.report = Some(ReportState {
            period: Period::last_year(self.clock.today()),
            report: None,
            scroll: 0,
            referents: Vec::new(),
            structure,
            back_to,
        });
        self.screen = Screen::Report;
        self.refresh_report(store);
    }

    /// Recomputes the report of the current period and filters.
    fn refresh_report(&mut self, store: &dyn Backend) {
        let Some(st) = self.report.as_mut() else {
            return;
        };
        let result = store.report_referents().and_then(|referents| {
            st.referents = referents.into_iter().filter(|r| !r.is_empty()).collect();
            store.report_cohort(&st.period)
        });
        match result {
            Ok(cohort) => {
                let r = report::compute(&cohort, &st.period, &self.rf).with_structure(
                    &cohort,
                    &st.structure,
                    &self.rf,
                );
                st.scroll = st.scroll.min(body_lines(&r).len().saturating_sub(1));
                st.report = Some(r);
            }
            Err(e) => {
                st.report = None;
                self.set_error(format!("Rapport impossible à calculer : {e}"));
            }
        }
    }

    pub(super) fn leave_report(&mut self, store: &dyn Backend) {
        let back = self.report.take().map(|r| r.back_to);
        match back {
            Some(Screen::Today) => self.show_today(store),
            _ => self.back_to_caseload(store),
        }
    }

    /// Year − / year +: the same period one year earlier or later.
    pub(super) fn report_shift_year(&mut self, forward: bool, store: &dyn Backend) {
        let Some(st) = self.report.as_mut() else {
            return;
        };
        let shift = |d: chrono::NaiveDate| {
            if forward {
                d.checked_add_months(Months::new(12))
            } else {
                d.checked_sub_months(Months::new(12))
            }
        };
        match (shift(st.period.du), shift(st.period.au)) {
            (Some(du), Some(au)) if (1900..=9999).contains(&chrono::Datelike::year(&du)) => {
                st.period.du = du;
                st.period.au = au;
                st.scroll = 0;
            }
            _ => return,
        }
        self.refresh_report(store);
    }

    /// Dispositif filter: all, then each dispositif of the referential.
    pub(super) fn report_cycle_dispositif(&mut self, store: &dyn Backend) {
        let codes: Vec<String> = self.rf.dispositifs.iter().map(|d| d.code.clone()).collect();
        let Some(st) = self.report.as_mut() else {
            return;
        };
        st.period.dispositif = next_of(&codes, &st.period.dispositif);
        self.refresh_report(store);
    }

    /// Référent·e filter: all, then each référent·e named on a suivi.
    pub(super) fn report_cycle_referent(&mut self, store: &dyn Backend) {
        let Some(st) = self.report.as_mut() else {
            return;
        };
        st.period.referent = next_of(&st.referents, &st.period.referent);
        self.refresh_report(store);
    }

    pub(super) fn scroll_report(&mut self, action: Action) {
        let Some(st) = self.report.as_mut() else {
            return;
        };
        let len = st.report.as_ref().map(|r| body_lines(r).len()).unwrap_or(0);
        st.scroll = super::update::step(action, st.scroll, len);
    }

    /// The period form: du / au typed (JJ/MM/AAAA).
    pub(super) fn open_report_period_form(&mut self) {
        let Some(st) = &self.report else { return };
        let form = Form::new(
            "Période du rapport",
            Purpose::ReportPeriod,
            vec![
                Field::date(period_key::DU, "Du", Some(st.period.du)).required(),
                Field::date(period_key::AU, "Au", Some(st.period.au)).required(),
            ],
        )
        .with_hint("Premier et dernier jour de la période (JJ/MM/AAAA), inclus.");
        self.overlay = Some(Overlay::Form(Box::new(form)));
    }

    /// Reads the period form; « au » before « du » is refused under « au ».
    pub(super) fn submit_report_period(
        &mut self,
        r: &Reader,
        store: &dyn Backend,
    ) -> Result<(), Refusal> {
        let du = r.date(period_key::DU)?;
        let au = r.date(period_key::AU)?;
        let (Some(du), Some(au)) = (du, au) else {
            return Err(Refusal::field(
                period_key::DU,
                "Date attendue au format JJ/MM/AAAA",
            ));
        };
        if au < du {
            return Err(Refusal::field(
                period_key::AU,
                format!(
                    "La fin ({}) est avant le début ({}) : rien n'a été changé",
                    format_date(au),
                    format_date(du)
                ),
            ));
        }
        if let Some(st) = self.report.as_mut() {
            st.period.du = du;
            st.period.au = au;
            st.scroll = 0;
        }
        self.overlay = None;
        self.refresh_report(store);
        Ok(())
    }

    /// Writes the report shown as HTML and CSV into the exports folder and says where.
    pub(super) fn export_report(&mut self, store: &dyn Backend) {
        let Some(r) = self.report.as_ref().and_then(|s| s.report.clone()) else {
            return;
        };
        let Some(dir) = self.export_dir.clone().or_else(crate::config::exports_dir) else {
            self.set_error("Dossier des exports introuvable (dossier de données de l'utilisateur) : utilisez « parcours rapport --format html -o FICHIER »");
            return;
        };
        // Audited first, like `parcours rapport`: an export that cannot be logged is not made.
        if let Err(e) = store.audit(actions::EXPORT, None) {
            self.set_error(e.to_string());
            return;
        }
        let stem = format!(
            "rapport-{}-{}-{}",
            r.period.du.format("%Y%m%d"),
            r.period.au.format("%Y%m%d"),
            self.clock.now().format("%Y%m%d-%H%M%S")
        );
        let html = dir.join(format!("{stem}.html"));
        let csv = dir.join(format!("{stem}.csv"));
        let written = std::fs::create_dir_all(&dir)
            .and_then(|()| {
                let mut f = crate::document::create_private(&html)?;
                std::io::Write::write_all(&mut f, report::render::html(&r).as_bytes())?;
                f.sync_all()
            })
            .and_then(|()| {
                let f = crate::document::create_private(&csv)?;
                let mut w = std::io::BufWriter::new(f);
                report::render::csv(&r, &mut w)?;
                w.into_inner().map_err(|e| e.into_error())?.sync_all()
            });
        match written {
            Ok(()) => self.set_info(format!(
                "Rapport exporté : {} et {}",
                html.display(),
                csv.file_name().unwrap_or_default().to_string_lossy()
            )),
            Err(e) => self.set_error(format!(
                "Export du rapport impossible ({}) : {}",
                dir.display(),
                crate::store::preflight::french_os_errors(&e.to_string())
            )),
        }
    }
}

/// None → the first, each → the next, the last → None.
fn next_of(list: &[String], current: &Option<String>) -> Option<String> {
    match current {
        None => list.first().cloned(),
        Some(c) => list
            .iter()
            .position(|x| x == c)
            .and_then(|i| list.get(i + 1))
            .cloned(),
    }
}
