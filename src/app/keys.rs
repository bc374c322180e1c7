//! The key table: one list from which the bottom bar, the help overlay and key dispatch
//! are all generated, so help never lies. Defaults are embedded; a user file
//! `touches.toml` in the config directory can rebind actions (see README).

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serde::Deserialize;
use std::collections::HashMap;

/// Where a binding applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Context {
    Global,
    Caseload,
    Today,
    File,
    Diagnostic,
    Barriers,
    Plan,
    Appointments,
    Journal,
    Retention,
    Audit,
}

impl Context {
    pub fn title(self) -> &'static str {
        match self {
            Context::Global => "Partout",
            Context::Caseload => "File active",
            Context::Today => "Aujourd'hui",
            Context::File => "Dossier",
            Context::Diagnostic => "Diagnostic",
            Context::Barriers => "Obstacles",
            Context::Plan => "Plan d'action",
            Context::Appointments => "Rendez-vous",
            Context::Journal => "Journal",
            Context::Retention => "Conservation des dossiers (admin)",
            Context::Audit => "Journal d'audit (admin)",
        }
    }

    fn from_name(s: &str) -> Option<Context> {
        Some(match s {
            "global" => Context::Global,
            "caseload" => Context::Caseload,
            "today" => Context::Today,
            "file" => Context::File,
            "diagnostic" => Context::Diagnostic,
            "barriers" => Context::Barriers,
            "plan" => Context::Plan,
            "appointments" => Context::Appointments,
            "journal" => Context::Journal,
            "retention" => Context::Retention,
            "audit" => Context::Audit,
            _ => return None,
        })
    }
}

/// Everything a key can do outside text entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    Quit,
    Lock,
    Help,
    Today,
    GoCaseload,
    Back,
    Undo,
    Up,
    Down,
    PageUp,
    PageDown,
    Top,
    Bottom,
    Open,
    Search,
    NewPerson,
    LoadDemo,
    ToggleMine,
    CycleDispositif,
    CycleOpen,
    CycleSort,
    NextPane,
    PrevPane,
    FocusDiagnostic,
    FocusBarriers,
    FocusPlan,
    FocusAppointments,
    Journal,
    EditPerson,
    EditSuivi,
    Level(u8),
    CycleLevel,
    EditComment,
    EditProfessional,
    NewReview,
    Toggle,
    CycleStatus,
    Edit,
    AddFree,
    ToggleCheckedOnly,
    AddAction,
    AddObjective,
    Delete,
    AddAppointment,
    SetHonoured,
    SetExcused,
    SetAbsent,
    SetCancelled,
    AddNote,
    TogglePrivate,
    ExportDocument,
    ExportList,
    ErasePerson,
    Retention,
    ToggleArchive,
    AuditLog,
    CycleAuditAccount,
    CycleAuditAction,
}

impl Action {
    /// Name used in `touches.toml`.
    pub fn name(self) -> String {
        match self {
            Action::Level(n) => format!("level_{n}"),
            other => {
                let dbg = format!("{other:?}");
                let mut out = String::new();
                for (i, c) in dbg.chars().enumerate() {
                    if c.is_uppercase() {
                        if i > 0 {
                            out.push('_');
                        }
                        out.extend(c.to_lowercase());
                    } else {
                        out.push(c);
                    }
                }
                out
            }
        }
    }
}

/// A key with modifiers, comparable with crossterm events.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key {
    pub code: KeyCode,
    pub ctrl: bool,
    pub alt: bool,
}

impl Key {
    pub fn from_event(e: &KeyEvent) -> Key {
        // Shift is folded into the character itself ('A' vs 'a'), except for BackTab.
        Key {
            code: match e.code {
                KeyCode::Char(c) if e.modifiers.contains(KeyModifiers::CONTROL) => {
                    KeyCode::Char(c.to_ascii_lowercase())
                }
                other => other,
            },
            ctrl: e.modifiers.contains(KeyModifiers::CONTROL),
            alt: e.modifiers.contains(KeyModifiers::ALT),
        }
    }

    /// Parses "a", "A", "?", "ctrl+u", "f1", "enter", "esc", "tab", "backtab", "space",
    /// "up", "down", "left", "right", "pageup", "pagedown", "home", "end", "delete".
    pub fn parse(s: &str) -> Option<Key> {
        let mut ctrl = false;
        let mut alt = false;
        let mut rest = s.trim();
        loop {
            let lower = rest.to_ascii_lowercase();
            if lower.starts_with("ctrl+") && rest.len() > 5 {
                ctrl = true;
                rest = &rest[5..];
            } else if lower.starts_with("alt+") && rest.len() > 4 {
                alt = true;
                rest = &rest[4..];
            } else {
                break;
            }
        }
        let code = match rest.to_ascii_lowercase().as_str() {
            "enter" | "entrée" => KeyCode::Enter,
            "esc" | "échap" => KeyCode::Esc,
            "tab" => KeyCode::Tab,
            "backtab" | "shift+tab" => KeyCode::BackTab,
            "space" | "espace" => KeyCode::Char(' '),
            "up" => KeyCode::Up,
            "down" => KeyCode::Down,
            "left" => KeyCode::Left,
            "right" => KeyCode::Right,
            "pageup" => KeyCode::PageUp,
            "pagedown" => KeyCode::PageDown,
            "home" => KeyCode::Home,
            "end" => KeyCode::End,
            "delete" | "suppr" => KeyCode::Delete,
            "backspace" => KeyCode::Backspace,
            f if f.len() >= 2 && f.starts_with('f') && f[1..].parse::<u8>().is_ok() => {
                KeyCode::F(f[1..].parse().ok()?)
            }
            _ => {
                let mut chars = rest.chars();
                let c = chars.next()?;
                if chars.next().is_some() {
                    return None;
                }
                KeyCode::Char(if ctrl { c.to_ascii_lowercase() } else { c })
            }
        };
        Some(Key { code, ctrl, alt })
    }

    /// How the key is shown in the bar and help ("Ctrl+U", "F1", "Entrée", "a").
    pub fn label(&self) -> String {
        let base = match self.code {
            KeyCode::Enter => "Entrée".to_string(),
            KeyCode::Esc => "Échap".to_string(),
            KeyCode::Tab => "Tab".to_string(),
            KeyCode::BackTab => "Maj+Tab".to_string(),
            KeyCode::Char(' ') => "Espace".to_string(),
            KeyCode::Up => "↑".to_string(),
            KeyCode::Down => "↓".to_string(),
            KeyCode::Left => "←".to_string(),
            KeyCode::Right => "→".to_string(),
            KeyCode::PageUp => "PgPréc".to_string(),
            KeyCode::PageDown => "PgSuiv".to_string(),
            KeyCode::Home => "Début".to_string(),
            KeyCode::End => "Fin".to_string(),
            KeyCode::Delete => "Suppr".to_string(),
            KeyCode::Backspace => "Retour".to_string(),
            KeyCode::F(n) => format!("F{n}"),
            KeyCode::Char(c) => c.to_string(),
            _ => "?".to_string(),
        };
        match (self.ctrl, self.alt) {
            (true, _) => format!("Ctrl+{}", base.to_uppercase()),
            (_, true) => format!("Alt+{base}"),
            _ => base,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Binding {
    pub context: Context,
    pub keys: Vec<Key>,
    pub action: Action,
    /// Short French label for the bottom bar; empty = help overlay only.
    pub bar: &'static str,
    /// French description for the help overlay.
    pub help: &'static str,
}

/// (context, keys, action, bar label, help)
type Row = (Context, &'static str, Action, &'static str, &'static str);

const DEFAULTS: &[Row] = &[
    (
        Context::Global,
        "f1|?",
        Action::Help,
        "aide",
        "Afficher l'aide (toutes les touches)",
    ),
    (
        Context::Global,
        "f2",
        Action::Today,
        "aujourd'hui",
        "Vue du jour : rendez-vous, statuts à préciser, actions en retard",
    ),
    (
        Context::Global,
        "f3",
        Action::GoCaseload,
        "",
        "Revenir à la file active",
    ),
    (
        Context::Global,
        "f4",
        Action::AuditLog,
        "",
        "Journal d'audit : qui a fait quoi, quand (administrateur·rices)",
    ),
    (
        Context::Global,
        "ctrl+c",
        Action::Quit,
        "",
        "Quitter parcours (tout est déjà enregistré)",
    ),
    (
        Context::Global,
        "ctrl+l",
        Action::Lock,
        "verrouiller",
        "Verrouiller l'écran (mot de passe pour reprendre là où vous étiez)",
    ),
    (Context::Global, "up|k", Action::Up, "", "Ligne précédente"),
    (
        Context::Global,
        "down|j",
        Action::Down,
        "",
        "Ligne suivante",
    ),
    (
        Context::Global,
        "pageup",
        Action::PageUp,
        "",
        "Page précédente",
    ),
    (
        Context::Global,
        "pagedown",
        Action::PageDown,
        "",
        "Page suivante",
    ),
    (Context::Global, "home|g", Action::Top, "", "Première ligne"),
    (
        Context::Global,
        "end|G",
        Action::Bottom,
        "",
        "Dernière ligne",
    ),
    (
        Context::Caseload,
        "/",
        Action::Search,
        "chercher",
        "Rechercher (nom, n°, commune, date de naissance)",
    ),
    (
        Context::Caseload,
        "enter",
        Action::Open,
        "ouvrir",
        "Ouvrir le dossier",
    ),
    (
        Context::Caseload,
        "n",
        Action::NewPerson,
        "nouvelle personne",
        "Créer une personne",
    ),
    (
        Context::Caseload,
        "m",
        Action::ToggleMine,
        "ma file/toutes",
        "Ma file active / toutes les personnes",
    ),
    (
        Context::Caseload,
        "d",
        Action::CycleDispositif,
        "dispositif",
        "Filtrer par dispositif",
    ),
    (
        Context::Caseload,
        "o",
        Action::CycleOpen,
        "en cours/sortis",
        "En cours / sortis / tous (puis archivés, administrateur·rices)",
    ),
    (
        Context::Caseload,
        "s",
        Action::CycleSort,
        "tri",
        "Trier : nom, dernier contact, prochain RDV, alertes",
    ),
    (
        Context::Caseload,
        "E",
        Action::ExportList,
        "",
        "Exporter la liste affichée en CSV (Excel, LibreOffice)",
    ),
    (
        Context::Caseload,
        "D",
        Action::LoadDemo,
        "",
        "Charger la file active de démonstration (base vide)",
    ),
    (
        Context::Caseload,
        "r",
        Action::Retention,
        "",
        "Conservation : dossiers sans contact depuis plus de 2 ans (administrateur·rices)",
    ),
    (
        Context::Caseload,
        "q",
        Action::Quit,
        "quitter",
        "Quitter parcours",
    ),
    (
        Context::Today,
        "enter",
        Action::Open,
        "ouvrir",
        "Ouvrir le dossier de la ligne",
    ),
    (
        Context::Today,
        "esc|q",
        Action::Back,
        "retour",
        "Revenir à l'écran précédent",
    ),
    (
        Context::File,
        "tab",
        Action::NextPane,
        "volet suivant",
        "Volet suivant",
    ),
    (
        Context::File,
        "backtab",
        Action::PrevPane,
        "",
        "Volet précédent",
    ),
    (
        Context::File,
        "f5",
        Action::FocusDiagnostic,
        "",
        "Aller au diagnostic",
    ),
    (
        Context::File,
        "f6",
        Action::FocusBarriers,
        "",
        "Aller aux obstacles",
    ),
    (
        Context::File,
        "f7",
        Action::FocusPlan,
        "",
        "Aller au plan d'action",
    ),
    (
        Context::File,
        "f8",
        Action::FocusAppointments,
        "",
        "Aller aux rendez-vous",
    ),
    (
        Context::File,
        "J",
        Action::Journal,
        "journal",
        "Journal (notes) de la personne",
    ),
    (
        Context::File,
        "u|ctrl+z",
        Action::Undo,
        "annuler",
        "Annuler la dernière modification",
    ),
    (
        Context::File,
        "I",
        Action::EditPerson,
        "",
        "Modifier l'identité",
    ),
    (
        Context::File,
        "S",
        Action::EditSuivi,
        "",
        "Modifier le suivi (dispositif, contrat, sortie)",
    ),
    (
        Context::File,
        "E",
        Action::ExportDocument,
        "",
        "Document du dossier complet à imprimer ou remettre (droit d'accès)",
    ),
    (
        Context::File,
        "X",
        Action::ErasePerson,
        "",
        "Effacer définitivement le dossier (droit à l'effacement, administrateur·rices)",
    ),
    (
        Context::File,
        "esc|q",
        Action::Back,
        "retour",
        "Revenir à la file active",
    ),
    (
        Context::Diagnostic,
        "0",
        Action::Level(0),
        "",
        "Niveau : non abordé",
    ),
    (
        Context::Diagnostic,
        "1",
        Action::Level(1),
        "niveau",
        "Niveau : point d'appui",
    ),
    (
        Context::Diagnostic,
        "2",
        Action::Level(2),
        "",
        "Niveau : vigilance",
    ),
    (
        Context::Diagnostic,
        "3",
        Action::Level(3),
        "",
        "Niveau : obstacle",
    ),
    (
        Context::Diagnostic,
        "4",
        Action::Level(4),
        "",
        "Niveau : obstacle majeur",
    ),
    (
        Context::Diagnostic,
        "space",
        Action::CycleLevel,
        "",
        "Niveau suivant",
    ),
    (
        Context::Diagnostic,
        "c|enter",
        Action::EditComment,
        "commentaire",
        "Commenter le thème",
    ),
    (
        Context::Diagnostic,
        "p",
        Action::EditProfessional,
        "volet pro",
        "Volet professionnel (niveau, situation, projet, compétences, envies)",
    ),
    (
        Context::Diagnostic,
        "r",
        Action::NewReview,
        "bilan",
        "Nouveau bilan (repart du précédent)",
    ),
    (
        Context::Barriers,
        "space",
        Action::Toggle,
        "cocher",
        "Cocher / décocher la situation",
    ),
    (
        Context::Barriers,
        "s",
        Action::CycleStatus,
        "statut",
        "Statut suivant (identifié, en cours, levé, non traité)",
    ),
    (
        Context::Barriers,
        "enter|e",
        Action::Edit,
        "détails",
        "Dates et note de l'obstacle",
    ),
    (
        Context::Barriers,
        "a",
        Action::AddFree,
        "autre",
        "Ajouter un obstacle libre",
    ),
    (
        Context::Barriers,
        "f",
        Action::ToggleCheckedOnly,
        "cochés seuls",
        "Afficher seulement les situations cochées",
    ),
    (
        Context::Plan,
        "a",
        Action::AddAction,
        "action",
        "Ajouter une action",
    ),
    (
        Context::Plan,
        "o",
        Action::AddObjective,
        "objectif",
        "Ajouter un objectif",
    ),
    (
        Context::Plan,
        "s",
        Action::CycleStatus,
        "statut",
        "Statut suivant",
    ),
    (
        Context::Plan,
        "enter|e",
        Action::Edit,
        "modifier",
        "Modifier la ligne",
    ),
    (
        Context::Plan,
        "x|delete",
        Action::Delete,
        "",
        "Supprimer la ligne",
    ),
    (
        Context::Appointments,
        "a",
        Action::AddAppointment,
        "RDV",
        "Ajouter un rendez-vous",
    ),
    (
        Context::Appointments,
        "h",
        Action::SetHonoured,
        "honoré",
        "Statut : honoré",
    ),
    (
        Context::Appointments,
        "e",
        Action::SetExcused,
        "excusé",
        "Statut : excusé",
    ),
    (
        Context::Appointments,
        "n",
        Action::SetAbsent,
        "absent",
        "Statut : absent non excusé",
    ),
    (
        Context::Appointments,
        "c",
        Action::SetCancelled,
        "",
        "Statut : annulé par la structure",
    ),
    (
        Context::Appointments,
        "enter|r",
        Action::Edit,
        "compte rendu",
        "Compte rendu et démarches",
    ),
    (
        Context::Appointments,
        "x|delete",
        Action::Delete,
        "",
        "Supprimer le rendez-vous",
    ),
    (
        Context::Journal,
        "a",
        Action::AddNote,
        "note",
        "Ajouter une note",
    ),
    (
        Context::Journal,
        "enter|e",
        Action::Edit,
        "modifier",
        "Modifier la note",
    ),
    (
        Context::Journal,
        "p",
        Action::TogglePrivate,
        "privée/partagée",
        "Note privée / partagée",
    ),
    (
        Context::Journal,
        "x|delete",
        Action::Delete,
        "",
        "Supprimer la note",
    ),
    (
        Context::Journal,
        "esc|q",
        Action::Back,
        "fermer",
        "Fermer le journal",
    ),
    (
        Context::Retention,
        "enter",
        Action::Open,
        "ouvrir",
        "Ouvrir le dossier",
    ),
    (
        Context::Retention,
        "a",
        Action::ToggleArchive,
        "archiver",
        "Archiver le dossier (masqué de la file active) / le désarchiver",
    ),
    (
        Context::Retention,
        "x|delete",
        Action::ErasePerson,
        "effacer",
        "Effacer définitivement le dossier (le n° de dossier est demandé)",
    ),
    (
        Context::Retention,
        "E",
        Action::ExportDocument,
        "document",
        "Document du dossier complet, à remettre avant effacement",
    ),
    (
        Context::Retention,
        "esc|q",
        Action::Back,
        "retour",
        "Revenir à la file active",
    ),
    (
        Context::Audit,
        "c",
        Action::CycleAuditAccount,
        "compte",
        "Filtrer par compte (tous, puis chacun)",
    ),
    (
        Context::Audit,
        "a",
        Action::CycleAuditAction,
        "action",
        "Filtrer par action (toutes, puis chacune)",
    ),
    (
        Context::Audit,
        "esc|q",
        Action::Back,
        "retour",
        "Revenir à l'écran précédent",
    ),
];

/// The embedded defaults, as TOML, for the README and for users to copy.
pub fn defaults_as_toml() -> String {
    let mut out = String::from("# parcours : touches (copie des valeurs par défaut)\n");
    let mut last = None;
    for (ctx, keys, action, _, help) in DEFAULTS {
        if last != Some(*ctx) {
            out.push_str(&format!("\n[{}]\n", ctx_name(*ctx)));
            last = Some(*ctx);
        }
        let list: Vec<String> = keys.split('|').map(|k| format!("\"{k}\"")).collect();
        out.push_str(&format!(
            "{} = [{}]  # {}\n",
            action.name(),
            list.join(", "),
            help
        ));
    }
    out
}

fn ctx_name(c: Context) -> &'static str {
    match c {
        Context::Global => "global",
        Context::Caseload => "caseload",
        Context::Today => "today",
        Context::File => "file",
        Context::Diagnostic => "diagnostic",
        Context::Barriers => "barriers",
        Context::Plan => "plan",
        Context::Appointments => "appointments",
        Context::Journal => "journal",
        Context::Retention => "retention",
        Context::Audit => "audit",
    }
}

#[derive(Debug, Clone)]
pub struct Keymap {
    pub bindings: Vec<Binding>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl Keymap {
    pub fn defaults() -> Keymap {
        let bindings = DEFAULTS
            .iter()
            .map(|(context, keys, action, bar, help)| Binding {
                context: *context,
                keys: keys.split('|').filter_map(Key::parse).collect(),
                action: *action,
                bar,
                help,
            })
            .collect();
        Keymap { bindings }
    }

    /// Defaults with the user's file applied. A bad file is reported (French) and ignored.
    pub fn with_user_file(text: Option<&str>) -> (Keymap, Option<String>) {
        let mut map = Keymap::defaults();
        let Some(text) = text else {
            return (map, None);
        };
        match map.apply_user(text) {
            Ok(()) => (map, None),
            Err(e) => (
                Keymap::defaults(),
                Some(format!(
                    "Fichier touches.toml ignoré ({e}) ; touches par défaut utilisées"
                )),
            ),
        }
    }

    fn apply_user(&mut self, text: &str) -> Result<(), String> {
        let table: HashMap<String, HashMap<String, OneOrMany>> =
            toml::from_str(text).map_err(|e| e.message().to_string())?;
        for (ctx_name, actions) in table {
            let ctx = Context::from_name(&ctx_name)
                .ok_or_else(|| format!("section inconnue [{ctx_name}]"))?;
            for (action_name, keys) in actions {
                let keys = match keys {
                    OneOrMany::One(k) => vec![k],
                    OneOrMany::Many(v) => v,
                };
                let parsed: Vec<Key> = keys
                    .iter()
                    .map(|k| Key::parse(k).ok_or_else(|| format!("touche illisible « {k} »")))
                    .collect::<Result<_, _>>()?;
                let b = self
                    .bindings
                    .iter_mut()
                    .find(|b| b.context == ctx && b.action.name() == action_name)
                    .ok_or_else(|| {
                        format!("action inconnue « {action_name} » dans [{ctx_name}]")
                    })?;
                b.keys = parsed;
            }
        }
        Ok(())
    }

    /// The action bound to `key` in `contexts` (searched in order).
    pub fn lookup(&self, contexts: &[Context], key: &Key) -> Option<Action> {
        for ctx in contexts {
            if let Some(b) = self
                .bindings
                .iter()
                .find(|b| b.context == *ctx && b.keys.contains(key))
            {
                return Some(b.action);
            }
        }
        None
    }

    /// Bottom-bar entries ("key label") for the given contexts.
    pub fn bar(&self, contexts: &[Context]) -> Vec<(String, &'static str)> {
        let mut out = Vec::new();
        for ctx in contexts {
            for b in self
                .bindings
                .iter()
                .filter(|b| b.context == *ctx && !b.bar.is_empty())
            {
                if let Some(k) = b.keys.first() {
                    // The five level keys share one entry.
                    let label = match b.action {
                        Action::Level(_) => "0…4".to_string(),
                        _ => k.label(),
                    };
                    out.push((label, b.bar));
                }
            }
        }
        out
    }

    /// Help overlay sections: (context title, [(keys, help)]).
    pub fn help(&self, contexts: &[Context]) -> Vec<(&'static str, Vec<(String, &'static str)>)> {
        contexts
            .iter()
            .map(|ctx| {
                let rows = self
                    .bindings
                    .iter()
                    .filter(|b| b.context == *ctx)
                    .map(|b| {
                        let keys: Vec<String> = b.keys.iter().map(Key::label).collect();
                        (keys.join(" / "), b.help)
                    })
                    .collect();
                (ctx.title(), rows)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_default_key_parses_and_no_key_is_bound_twice_in_a_context() {
        let map = Keymap::defaults();
        for (ctx, keys, ..) in DEFAULTS {
            for k in keys.split('|') {
                assert!(Key::parse(k).is_some(), "{k}");
            }
            let _ = ctx;
        }
        for b in &map.bindings {
            for k in &b.keys {
                let n = map
                    .bindings
                    .iter()
                    .filter(|o| o.context == b.context && o.keys.contains(k))
                    .count();
                assert_eq!(n, 1, "{:?} bound twice in {:?}", k, b.context);
            }
        }
    }

    #[test]
    fn user_file_rebinds_and_bad_file_falls_back() {
        let (map, warn) = Keymap::with_user_file(Some("[caseload]\nsearch = \"ctrl+f\"\n"));
        assert!(warn.is_none());
        let k = Key::parse("ctrl+f").unwrap();
        assert_eq!(map.lookup(&[Context::Caseload], &k), Some(Action::Search));
        let (map, warn) = Keymap::with_user_file(Some("[caseload]\nsearhc = \"x\""));
        assert!(warn.unwrap().contains("searhc"));
        let slash = Key::parse("/").unwrap();
        assert_eq!(
            map.lookup(&[Context::Caseload], &slash),
            Some(Action::Search)
        );
    }

    #[test]
    fn defaults_dump_is_valid_user_file() {
        let (_, warn) = Keymap::with_user_file(Some(&defaults_as_toml()));
        assert!(warn.is_none(), "{warn:?}");
    }
}

#[cfg(test)]
mod readme {
    /// The README documents the keymap: it must show the current defaults.
    #[test]
    fn readme_lists_the_default_keys() {
        let readme = include_str!("../../README.md");
        assert!(
            readme.contains(&super::defaults_as_toml()),
            "README.md « Touches » is out of date: paste the output of `parcours touches`"
        );
    }
}
