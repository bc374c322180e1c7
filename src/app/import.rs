//! The import screen (from the caseload): the file's path typed with completion (Tab), the
//! preview, then the import in one transaction, with a gauge. Same code as
//! `parcours import` (see `crate::import`).

use super::input::TextInput;
use super::keys::{Action, Context, Key};
use super::state::*;
use crate::import::{self, Plan};
use crate::store::Backend;
use crossterm::event::KeyEvent;
use std::path::{Path, PathBuf};

/// How many completions are shown under the path.
pub const SHOWN_COMPLETIONS: usize = 8;

#[derive(Debug, Clone, Default)]
pub struct ImportState {
    pub path: TextInput,
    /// Files and folders that complete what is typed (after Tab), names only.
    pub completions: Vec<String>,
    /// The preview, once Entrée was pressed on a readable file.
    pub plan: Option<Plan>,
    /// First detail line shown (the preview scrolls).
    pub scroll: usize,
    /// Records written / to write: the gauge.
    pub progress: Option<(usize, usize)>,
    /// Set once the import is done (or found nothing to do).
    pub done: Option<String>,
    /// Why the file could not be read or imported (nothing was written).
    pub error: Option<String>,
}

/// `~/` is the home folder, as in a shell.
fn expand(typed: &str) -> PathBuf {
    match (typed.strip_prefix("~/"), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) => Path::new(&home).join(rest),
        _ => PathBuf::from(typed),
    }
}

/// The folder to list and the start of the name typed.
fn split(typed: &str) -> (String, String) {
    match typed.rfind('/') {
        Some(i) => (typed[..=i].to_string(), typed[i + 1..].to_string()),
        None => (String::new(), typed.to_string()),
    }
}

/// Entries of the folder of `typed` whose name starts with what is typed (case and
/// accents ignored): folders (with a trailing `/`) and the spreadsheet files, sorted.
/// Hidden entries only when the name typed starts with a dot.
pub fn completions(typed: &str) -> Vec<String> {
    let (dir, start) = split(typed);
    let listed = if dir.is_empty() {
        PathBuf::from(".")
    } else {
        expand(&dir)
    };
    let start_f = crate::text::fold(&start);
    let mut out: Vec<String> = std::fs::read_dir(listed)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            if name.starts_with('.') && !start.starts_with('.') {
                return None;
            }
            if !crate::text::fold(&name).starts_with(&start_f) {
                return None;
            }
            let is_dir = e.path().is_dir();
            let ext = Path::new(&name)
                .extension()
                .map(|x| x.to_string_lossy().to_ascii_lowercase())
                .unwrap_or_default();
            if is_dir {
                Some(format!("{name}/"))
            } else if ["csv", "tsv", "txt", "xlsx", "xls", "ods"].contains(&ext.as_str()) {
                Some(name)
            } else {
                None
            }
        })
        .collect();
    out.sort();
    out
}

/// The longest start shared by all `names` (by characters).
fn common_start(names: &[String]) -> String {
    let Some(first) = names.first() else {
        return String::new();
    };
    let mut len = first.chars().count();
    for n in &names[1..] {
        len = len.min(
            first
                .chars()
                .zip(n.chars())
                .take_while(|(a, b)| a == b)
                .count(),
        );
    }
    first.chars().take(len).collect()
}

impl App {
    /// From the caseload: the import screen, path first.
    pub(super) fn show_import(&mut self) {
        self.import = ImportState::default();
        self.screen = Screen::Import;
    }

    /// Keys of the import screen; false for a key it does not use (the global keys then).
    pub(super) fn import_key(&mut self, key: &KeyEvent, store: &mut dyn Backend) -> bool {
        let k = Key::from_event(key);
        // As on every screen, a key clears the last message (what it does may set another).
        self.status = None;
        let entering = self.import.plan.is_none() && self.import.done.is_none();
        if entering {
            if let Some(c) = k.text() {
                self.import.path.insert(c);
                self.import.completions.clear();
                self.import.error = None;
                return true;
            }
        }
        match self.keymap.lookup(&[Context::Import, Context::Edit], &k) {
            Some(Action::Complete) if entering => self.complete_path(),
            Some(Action::Submit) => {
                if self.import.done.is_some() {
                    self.leave_import(store);
                } else if self.import.plan.is_some() {
                    self.run_import(store);
                } else {
                    self.preview_import(store);
                }
            }
            Some(Action::Back) => {
                if self.import.plan.is_some() && self.import.done.is_none() {
                    self.import.plan = None;
                    self.import.scroll = 0;
                    self.set_info("Import abandonné : rien n'a été modifié");
                } else {
                    self.leave_import(store);
                }
            }
            Some(Action::Down) => self.import.scroll += 1,
            Some(Action::Up) => self.import.scroll = self.import.scroll.saturating_sub(1),
            Some(a) if entering => {
                if self.import.path.apply(a) == Some(true) {
                    self.import.completions.clear();
                }
            }
            _ => return false,
        }
        true
    }

    /// Pasted text goes into the path.
    pub(super) fn import_paste(&mut self, text: &str) {
        if self.import.plan.is_none() {
            self.import
                .path
                .insert_str(text.trim_end_matches(['\n', '\r']));
        }
    }

    fn complete_path(&mut self) {
        let typed = self.import.path.text();
        let found = completions(&typed);
        let (dir, start) = split(&typed);
        let common = common_start(&found);
        if common.chars().count() > start.chars().count() || found.len() == 1 {
            self.import.path.set(&format!("{dir}{common}"));
        }
        self.import.completions = if found.len() > 1 { found } else { Vec::new() };
        if found_none(&self.import.completions, &common) {
            self.set_error("Aucun fichier CSV, XLSX, XLS ou ODS ni dossier ne commence ainsi");
        }
    }

    fn preview_import(&mut self, store: &dyn Backend) {
        let typed = self.import.path.text();
        if typed.trim().is_empty() {
            self.set_error("Tapez le chemin du fichier à importer");
            return;
        }
        let dir = import::profile::profiles_dir();
        let result = import::profile::load(dir.as_deref(), None)
            .map_err(|e| e.to_string())
            .and_then(|p| {
                import::preview(store, &expand(typed.trim()), &p).map_err(|e| e.to_string())
            });
        match result {
            Ok(plan) => {
                self.import.plan = Some(plan);
                self.import.scroll = 0;
                self.import.error = None;
            }
            Err(e) => self.import.error = Some(format!("{e} ; rien n'a été importé")),
        }
    }

    fn run_import(&mut self, store: &mut dyn Backend) {
        let Some(plan) = self.import.plan.as_ref() else {
            return;
        };
        if plan.batch.is_empty() {
            self.import.done =
                Some("Rien à importer : la base a déjà tout ce que contient ce fichier".into());
            return;
        }
        let mut progress = (0, plan.batch.len());
        match store.import_batch(&plan.batch, &mut |d, t| progress = (d, t)) {
            Ok(ids) => {
                self.import.progress = Some(progress);
                self.import.done = Some(format!(
                    "Import terminé : {} personne{} créée{}, {} dossier{} complété{}",
                    ids.len(),
                    plural(ids.len()),
                    plural(ids.len()),
                    plan.updated,
                    plural(plan.updated),
                    plural(plan.updated)
                ));
                if let Err(e) = self.reload_caseload(store) {
                    self.set_error(e.to_string());
                }
            }
            Err(e) => {
                self.import.plan = None;
                self.import.error = Some(format!("{e} ; rien n'a été importé"));
            }
        }
    }

    fn leave_import(&mut self, store: &dyn Backend) {
        if let Some(done) = self.import.done.take() {
            self.set_info(done);
        }
        self.import = ImportState::default();
        self.back_to_caseload(store);
    }
}

fn found_none(shown: &[String], common: &str) -> bool {
    shown.is_empty() && common.is_empty()
}

fn plural(n: usize) -> &'static str {
    if n > 1 {
        "s"
    } else {
        ""
    }
}
