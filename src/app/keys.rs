//! The key table: one list from which key dispatch (screens, forms, the search line, the
//! help overlay, the login screen), the bottom bar, the form footers, the help overlay and
//! every message naming a key are generated, so help never lies. Defaults are embedded; a
//! user file `touches.toml` in the config directory can rebind actions (see README).
//!
//! Context and action names in `touches.toml` are the serde names of [`Context`] and
//! [`Action`] (`snake_case`), so the table and the file cannot drift apart.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serde::de::IntoDeserializer;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Where a binding applies. Screens use the screen's context and `Global`; forms use the
/// focused field's contexts (see `Field::contexts`); text keys are the fallback for
/// printable characters, which always go into a text field or the search line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Context {
    Global,
    Caseload,
    /// The caseload's search line, while it is open.
    Search,
    Today,
    File,
    Diagnostic,
    Barriers,
    Plan,
    Appointments,
    Journal,
    Retention,
    Audit,
    /// The collective sessions list.
    Sessions,
    /// One session's attendance.
    Attendance,
    /// Enrolment in a session (the caseload's search; typed characters go to it).
    Enrol,
    /// The activity report screen.
    Report,
    /// The help overlay.
    Help,
    /// Every form field (confirmation forms included).
    Form,
    /// A multi-line text field (notes, reports).
    Multiline,
    /// A text field with suggestions.
    Completion,
    /// A choice list, a check box, a list of check boxes.
    Choice,
    /// Text editing: form text fields, the search line, the login form.
    Edit,
    /// The login and lock screen.
    Login,
    /// The parcours list of a file: étapes, saisines, veilles à 6 mois.
    Parcours,
    /// The IAE eligibility view of a file.
    Eligibility,
    /// The import screen (path, preview).
    Import,
}

impl Context {
    pub fn title(self) -> &'static str {
        match self {
            Context::Global => "Partout",
            Context::Caseload => "File active",
            Context::Search => "Ligne de recherche (file active)",
            Context::Today => "Aujourd'hui",
            Context::File => "Dossier",
            Context::Diagnostic => "Diagnostic",
            Context::Barriers => "Obstacles",
            Context::Plan => "Plan d'action",
            Context::Appointments => "Rendez-vous",
            Context::Journal => "Journal",
            Context::Retention => "Conservation des dossiers (admin)",
            Context::Audit => "Journal d'audit (admin)",
            Context::Sessions => "Actions collectives",
            Context::Attendance => "Présences d'une séance",
            Context::Enrol => "Inscription à une séance (recherche)",
            Context::Report => "Rapport d'activité",
            Context::Help => "Cette aide",
            Context::Form => "Dans un formulaire",
            Context::Multiline => "Texte sur plusieurs lignes (notes, comptes rendus)",
            Context::Completion => "Champ avec suggestions",
            Context::Choice => "Choix dans une liste, cases à cocher",
            Context::Edit => "Saisie de texte (formulaires, recherche, connexion)",
            Context::Login => "Écran de connexion",
            Context::Parcours => "Étapes de parcours, saisines, veille à 6 mois",
            Context::Eligibility => "Éligibilité IAE",
            Context::Import => "Import d'une liste d'orientation",
        }
    }

    /// The name used in `touches.toml` (its serde name).
    pub fn name(self) -> String {
        serde_name(&self)
    }

    /// A context where a printable character is text: binding one there would make it
    /// impossible to type.
    fn is_text(self) -> bool {
        matches!(
            self,
            Context::Search
                | Context::Enrol
                | Context::Form
                | Context::Multiline
                | Context::Completion
                | Context::Edit
                | Context::Login
                | Context::Import
        )
    }
}

/// Everything a key can do. Screen actions go through `App::do_action`; form, text and
/// overlay actions are carried out where they apply (`Form::handle_key`,
/// `TextInput::apply`, the search line, the help overlay).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
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
    /// From any pane of the file: the plan, and a new action's form.
    NewActionAnywhere,
    /// From any pane of the file: the rendez-vous, and a new one's form.
    NewAppointmentAnywhere,
    Journal,
    EditPerson,
    EditSuivi,
    #[serde(rename = "level_0")]
    Level0,
    #[serde(rename = "level_1")]
    Level1,
    #[serde(rename = "level_2")]
    Level2,
    #[serde(rename = "level_3")]
    Level3,
    #[serde(rename = "level_4")]
    Level4,
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
    EditRights,
    ToggleNir,
    // Collective sessions.
    Sessions,
    NewSession,
    Enrol,
    SessionReport,
    // The IAE eligibility view.
    Eligibility,
    ConfirmMet,
    ConfirmNotMet,
    CycleConfirm,
    ConfirmFromFile,
    CycleProof,
    EditProof,
    CycleStructureKind,
    TogglePrescriber,
    RecordEligibility,
    PrintEligibility,
    Import,
    // The activity report screen.
    ReportScreen,
    PrevYear,
    NextYear,
    EditPeriod,
    CycleReferent,
    ExportReport,
    ExportContract,
    // The search line.
    ClearSearch,
    // Forms.
    NextOrSubmit,
    Submit,
    /// Save, then the same form again, empty (new records of a list).
    SubmitAndNew,
    Cancel,
    NextField,
    PrevField,
    Newline,
    LineUp,
    LineDown,
    Complete,
    NextSuggestion,
    PrevSuggestion,
    PickSuggestion,
    PrevChoice,
    NextChoice,
    /// In a list of check boxes: the first / last item.
    FirstChoice,
    LastChoice,
    /// A letter that has no other action jumps to the next item starting with it (a theme
    /// in the panes, a choice in a form): bound to the pseudo-key « lettre ».
    JumpToLetter,
    /// The next key is a letter to jump with, even one that has its own action.
    JumpPrefix,
    /// Ticks / unticks the n-th situation of the selected row's theme (n = the position of
    /// the key pressed in the binding: « 1 » to « 9 »).
    TickNth,
    // Text editing.
    CursorLeft,
    CursorRight,
    WordLeft,
    WordRight,
    LineStart,
    LineEnd,
    DeleteBefore,
    DeleteAfter,
    DeleteWord,
    ClearText,
    // The parcours list.
    Parcours,
    AddEtape,
    AddSaisine,
    AddVeille,
}

impl Action {
    /// The name used in `touches.toml` (its serde name).
    pub fn name(self) -> String {
        serde_name(&self)
    }

    /// The diagnostic level a `level_N` action sets.
    pub fn level(self) -> Option<u8> {
        match self {
            Action::Level0 => Some(0),
            Action::Level1 => Some(1),
            Action::Level2 => Some(2),
            Action::Level3 => Some(3),
            Action::Level4 => Some(4),
            _ => None,
        }
    }
}

/// The serde name of a unit variant (`Context`, `Action`).
fn serde_name<T: Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        _ => String::new(),
    }
}

/// A unit variant from its serde name.
fn from_serde_name<'de, T: Deserialize<'de>>(name: &'de str) -> Option<T> {
    let d: serde::de::value::StrDeserializer<'de, serde::de::value::Error> =
        name.into_deserializer();
    T::deserialize(d).ok()
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

    /// The character this key types into a text field (any character without Ctrl).
    pub fn text(&self) -> Option<char> {
        match self.code {
            KeyCode::Char(c) if !self.ctrl => Some(c),
            _ => None,
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
            // Any letter without another action here (see `Action::JumpToLetter`).
            "lettre" | "letter" => KeyCode::Null,
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
            KeyCode::Null => "lettre".to_string(),
            _ => "?".to_string(),
        };
        match (self.ctrl, self.alt) {
            // Ctrl+C, Ctrl+S (as printed on keys), but Ctrl+Retour, Ctrl+←.
            (true, _) if base.chars().count() == 1 => format!("Ctrl+{}", base.to_uppercase()),
            (true, _) => format!("Ctrl+{base}"),
            (_, true) => format!("Alt+{base}"),
            _ => base,
        }
    }
}

/// The pseudo-key « lettre » of the table: any letter that has no action of its own in the
/// context (see [`Action::JumpToLetter`]). No terminal sends it.
pub const LETTER: Key = Key {
    code: KeyCode::Null,
    ctrl: false,
    alt: false,
};

impl Key {
    /// The letter this key is, when it could jump (a letter without Ctrl or Alt).
    pub fn letter(&self) -> Option<char> {
        self.text().filter(|c| c.is_alphabetic() && !self.alt)
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
    /// Cannot be rebound (Ctrl+C always quits).
    pub fixed: bool,
}

/// (context, keys separated by `|`, action, bar label, help)
type Row = (Context, &'static str, Action, &'static str, &'static str);

use Action as A;
use Context as C;

/// Bindings that `touches.toml` cannot change: Ctrl+C gets out from anywhere.
const FIXED: &[(Context, Action)] = &[(C::Global, A::Quit), (C::Login, A::Quit)];

/// The default bindings, one per line, grouped by context (the order of the bar, the
/// help overlay and `parcours touches`). The same action may appear in several contexts.
/// Neighbours sharing a bar label are shown once in the bar ("0…4 niveau", "↑↓ choisir").
#[rustfmt::skip]
const DEFAULTS: &[Row] = &[
    // context        keys                   action                bar                    help
    (C::Global,       "f1|?",                A::Help,              "aide",                "Afficher l'aide (toutes les touches)"),
    (C::Global,       "f2",                  A::Today,             "aujourd'hui",         "Vue du jour : rendez-vous, statuts à préciser, actions en retard"),
    (C::Global,       "f3",                  A::GoCaseload,        "",                    "Revenir à la file active"),
    (C::Global,       "f4",                  A::AuditLog,          "",                    "Journal d'audit : qui a fait quoi, quand (administrateur·rices)"),
    (C::Global,       "ctrl+c",              A::Quit,              "",                    "Quitter parcours (tout est déjà enregistré)"),
    (C::Global,       "ctrl+l",              A::Lock,              "verrouiller",         "Verrouiller l'écran (mot de passe pour reprendre là où vous étiez)"),
    (C::Global,       "up|k",                A::Up,                "",                    "Ligne précédente"),
    (C::Global,       "down|j",              A::Down,              "",                    "Ligne suivante"),
    (C::Global,       "pageup",              A::PageUp,            "",                    "Page précédente"),
    (C::Global,       "pagedown",            A::PageDown,          "",                    "Page suivante"),
    (C::Global,       "home|g",              A::Top,               "",                    "Première ligne"),
    (C::Global,       "end|G",               A::Bottom,            "",                    "Dernière ligne"),
    (C::Caseload,     "/",                   A::Search,            "chercher",            "Rechercher (nom, n°, commune, date de naissance)"),
    (C::Caseload,     "enter",               A::Open,              "ouvrir",              "Ouvrir le dossier"),
    (C::Caseload,     "n",                   A::NewPerson,         "nouvelle personne",   "Créer une personne"),
    (C::Caseload,     "m",                   A::ToggleMine,        "ma file/toutes",      "Ma file active / toutes les personnes"),
    (C::Caseload,     "d",                   A::CycleDispositif,   "dispositif",          "Filtrer par dispositif"),
    (C::Caseload,     "o",                   A::CycleOpen,         "en cours/sortis",     "En cours / sortis / tous (puis archivés, administrateur·rices)"),
    (C::Caseload,     "s",                   A::CycleSort,         "tri",                 "Trier : nom, dernier contact, prochain RDV, alertes"),
    (C::Caseload,     "E",                   A::ExportList,        "",                    "Exporter la liste affichée en CSV (Excel, LibreOffice)"),
    (C::Caseload,     "D",                   A::LoadDemo,          "",                    "Charger la file active de démonstration (base vide)"),
    (C::Caseload,     "r",                   A::Retention,         "",                    "Conservation : dossiers sans contact depuis plus de 2 ans (administrateur·rices)"),
    (C::Caseload,     "q",                   A::Quit,              "quitter",             "Quitter parcours"),
    (C::Caseload,     "c",                   A::Sessions,          "",                    "Actions collectives : séances à venir, statuts à préciser, passées"),
    (C::Caseload,     "i",                   A::Import,            "",                    "Importer une liste d'orientation (CSV, XLSX, XLS, ODS) : aperçu, puis import"),
    (C::Caseload,     "f9",                  A::ReportScreen,      "",                    "Rapport d'activité (tableaux, graphiques, export)"),
    (C::Search,       "enter",               A::Open,              "ouvrir",              "Ouvrir le dossier surligné"),
    (C::Search,       "up",                  A::Up,                "choisir",             "Personne précédente"),
    (C::Search,       "down",                A::Down,              "choisir",             "Personne suivante"),
    (C::Search,       "pageup",              A::PageUp,            "",                    "Page précédente"),
    (C::Search,       "pagedown",            A::PageDown,          "",                    "Page suivante"),
    (C::Search,       "esc",                 A::ClearSearch,       "effacer la recherche", "Effacer la recherche et fermer la ligne"),
    (C::Today,        "enter",               A::Open,              "ouvrir",              "Ouvrir le dossier de la ligne"),
    (C::Today,        "esc|q",               A::Back,              "retour",              "Revenir à l'écran précédent"),
    (C::Today,        "E",                   A::ExportList,        "",                    "Exporter la liste affichée en CSV (Excel, LibreOffice)"),
    (C::File,         "tab",                 A::NextPane,          "volet suivant",       "Volet suivant"),
    (C::File,         "backtab",             A::PrevPane,          "",                    "Volet précédent"),
    (C::File,         "f5",                  A::FocusDiagnostic,   "",                    "Aller au diagnostic"),
    (C::File,         "f6",                  A::FocusBarriers,     "",                    "Aller aux obstacles"),
    (C::File,         "f7",                  A::FocusPlan,         "",                    "Aller au plan d'action"),
    (C::File,         "f8",                  A::FocusAppointments, "",                    "Aller aux rendez-vous"),
    (C::File,         "ctrl+a",              A::NewActionAnywhere, "",                    "Ajouter une action depuis n'importe quel volet"),
    (C::File,         "ctrl+r",              A::NewAppointmentAnywhere, "",               "Ajouter un rendez-vous depuis n'importe quel volet"),
    (C::File,         "J",                   A::Journal,           "journal",             "Journal (notes) de la personne"),
    (C::File,         "u|ctrl+z",            A::Undo,              "annuler",             "Annuler la dernière modification"),
    (C::File,         "I",                   A::EditPerson,        "",                    "Modifier l'identité"),
    (C::File,         "S",                   A::EditSuivi,         "",                    "Modifier le suivi (dispositif, contrat, sortie)"),
    (C::File,         "E",                   A::ExportDocument,    "",                    "Document du dossier complet à imprimer ou remettre (droit d'accès)"),
    (C::File,         "X",                   A::ErasePerson,       "",                    "Effacer définitivement le dossier (droit à l'effacement, administrateur·rices)"),
    (C::File,         "esc|q",               A::Back,              "retour",              "Revenir à la file active"),
    (C::File,         "A",                   A::EditRights,        "",                    "Droits et situation administrative (RSA, ASS, AAH, RQTH, QPV, ZRR…)"),
    (C::File,         "N",                   A::ToggleNir,         "",                    "Afficher le NIR en clair / le masquer (ce dossier seulement)"),
    (C::File,         "P",                   A::Parcours,          "",                    "Étapes de parcours, saisines du Département, veille à 6 mois"),
    (C::File,         "L",                   A::Eligibility,       "",                    "Éligibilité IAE : les 18 critères, justificatifs, diagnostic à enregistrer et imprimer"),
    (C::File,         "C",                   A::ExportContract,    "",                    "Contrat d'engagement à imprimer et signer (page A4)"),
    (C::Diagnostic,   "0",                   A::Level0,            "niveau",              "Niveau : non abordé"),
    (C::Diagnostic,   "1",                   A::Level1,            "niveau",              "Niveau : point d'appui"),
    (C::Diagnostic,   "2",                   A::Level2,            "niveau",              "Niveau : vigilance"),
    (C::Diagnostic,   "3",                   A::Level3,            "niveau",              "Niveau : obstacle"),
    (C::Diagnostic,   "4",                   A::Level4,            "niveau",              "Niveau : obstacle majeur"),
    (C::Diagnostic,   "space",               A::CycleLevel,        "",                    "Niveau suivant"),
    (C::Diagnostic,   "c|enter",             A::EditComment,       "commentaire",         "Commenter le thème"),
    (C::Diagnostic,   "p",                   A::EditProfessional,  "volet pro",           "Volet professionnel (niveau, situation, projet, compétences, envies)"),
    (C::Diagnostic,   "r",                   A::NewReview,         "bilan",               "Nouveau bilan (repart du précédent)"),
    (C::Diagnostic,   "lettre",              A::JumpToLetter,      "",                    "Aller au thème suivant qui commence par cette lettre (une lettre qui a déjà une action ici la garde : t puis la lettre)"),
    (C::Diagnostic,   "t",                   A::JumpPrefix,        "",                    "Puis une lettre : aller au thème suivant qui commence par elle, même si la lettre a une action"),
    (C::Barriers,     "space",               A::Toggle,            "cocher",              "Cocher / décocher la situation"),
    (C::Barriers,     "s",                   A::CycleStatus,       "statut",              "Statut suivant (identifié, en cours, levé, non traité)"),
    (C::Barriers,     "enter|e",             A::Edit,              "détails",             "Dates et note de l'obstacle"),
    (C::Barriers,     "a",                   A::AddFree,           "autre",               "Ajouter un obstacle libre"),
    (C::Barriers,     "f",                   A::ToggleCheckedOnly, "cochés seuls",        "Afficher seulement les situations cochées"),
    (C::Barriers,     "lettre",              A::JumpToLetter,      "",                    "Aller au thème suivant qui commence par cette lettre (une lettre qui a déjà une action ici la garde : t puis la lettre)"),
    (C::Barriers,     "t",                   A::JumpPrefix,        "",                    "Puis une lettre : aller au thème suivant qui commence par elle, même si la lettre a une action"),
    (C::Barriers,     "1|2|3|4|5|6|7|8|9",   A::TickNth,           "cocher n°",           "Cocher / décocher la 1re… 9e situation du thème de la ligne (numéros affichés)"),
    (C::Plan,         "a",                   A::AddAction,         "action",              "Ajouter une action"),
    (C::Plan,         "o",                   A::AddObjective,      "objectif",            "Ajouter un objectif"),
    (C::Plan,         "s",                   A::CycleStatus,       "statut",              "Statut suivant"),
    (C::Plan,         "enter|e",             A::Edit,              "modifier",            "Modifier la ligne"),
    (C::Plan,         "x|delete",            A::Delete,            "",                    "Supprimer la ligne"),
    (C::Appointments, "a",                   A::AddAppointment,    "RDV",                 "Ajouter un rendez-vous"),
    (C::Appointments, "h",                   A::SetHonoured,       "honoré",              "Statut : honoré, puis son compte rendu s'il n'est pas encore écrit"),
    (C::Appointments, "e",                   A::SetExcused,        "excusé",              "Statut : excusé"),
    (C::Appointments, "n",                   A::SetAbsent,         "absent",              "Statut : absent non excusé"),
    (C::Appointments, "c",                   A::SetCancelled,      "",                    "Statut : annulé par la structure"),
    (C::Appointments, "enter|r",             A::Edit,              "compte rendu",        "Compte rendu et démarches"),
    (C::Appointments, "x|delete",            A::Delete,            "",                    "Supprimer le rendez-vous"),
    (C::Appointments, "i",                   A::Enrol,             "",                    "Inscrire la personne à une action collective"),
    (C::Journal,      "a",                   A::AddNote,           "note",                "Ajouter une note"),
    (C::Journal,      "enter|e",             A::Edit,              "modifier",            "Modifier la note"),
    (C::Journal,      "p",                   A::TogglePrivate,     "privée/partagée",     "Note privée / partagée"),
    (C::Journal,      "x|delete",            A::Delete,            "",                    "Supprimer la note"),
    (C::Journal,      "u|ctrl+z",            A::Undo,              "",                    "Annuler la dernière modification"),
    (C::Journal,      "esc|q",               A::Back,              "fermer",              "Fermer le journal"),
    (C::Parcours,     "a",                   A::AddEtape,          "étape",               "Ajouter une étape de parcours (contrat, immersion, formation, logement)"),
    (C::Parcours,     "s",                   A::AddSaisine,        "saisine",             "Saisir le Département (personne qui ne participe pas), sur le suivi en cours"),
    (C::Parcours,     "v",                   A::AddVeille,         "veille 6 mois",       "Veille à 6 mois : situation après la dernière sortie"),
    (C::Parcours,     "enter|e",             A::Edit,              "modifier",            "Modifier la ligne"),
    (C::Parcours,     "x|delete",            A::Delete,            "",                    "Supprimer la ligne"),
    (C::Parcours,     "u|ctrl+z",            A::Undo,              "",                    "Annuler la dernière modification"),
    (C::Parcours,     "esc|q",               A::Back,              "fermer",              "Fermer la liste"),
    (C::Eligibility,  "o",                   A::ConfirmMet,        "oui",                 "Critère confirmé rempli (puis critère suivant)"),
    (C::Eligibility,  "n",                   A::ConfirmNotMet,     "non",                 "Critère confirmé non rempli (puis critère suivant)"),
    (C::Eligibility,  "space",               A::CycleConfirm,      "",                    "Confirmation suivante : rempli, non rempli, à confirmer"),
    (C::Eligibility,  "r",                   A::ConfirmFromFile,   "reprendre",           "Reprendre ce que le dossier indique (critères connus seulement)"),
    (C::Eligibility,  "p",                   A::CycleProof,        "justificatif",        "Justificatif vu suivant (attestation CAF, notification MDPH…)"),
    (C::Eligibility,  "enter|e",             A::EditProof,         "",                    "Saisir le justificatif vu (texte libre, suggestions)"),
    (C::Eligibility,  "t",                   A::CycleStructureKind, "structure",          "Type de structure : ACI, EI, EITI, AI, ETTI"),
    (C::Eligibility,  "P",                   A::TogglePrescriber,  "",                    "Réalisé par un prescripteur (valable 6 mois) / par la structure"),
    (C::Eligibility,  "s",                   A::RecordEligibility, "enregistrer",         "Enregistrer le diagnostic daté"),
    (C::Eligibility,  "i",                   A::PrintEligibility,  "imprimer",            "Page A4 à imprimer (exports, non chiffrée)"),
    (C::Eligibility,  "u|ctrl+z",            A::Undo,              "",                    "Annuler la dernière modification"),
    (C::Eligibility,  "esc|q",               A::Back,              "fermer",              "Fermer l'éligibilité IAE"),
    (C::Retention,    "enter",               A::Open,              "ouvrir",              "Ouvrir le dossier"),
    (C::Retention,    "a",                   A::ToggleArchive,     "archiver",            "Archiver le dossier (masqué de la file active) / le désarchiver"),
    (C::Retention,    "x|delete",            A::ErasePerson,       "effacer",             "Effacer définitivement le dossier (le n° de dossier est demandé)"),
    (C::Retention,    "E",                   A::ExportDocument,    "document",            "Document du dossier complet, à remettre avant effacement"),
    (C::Retention,    "esc|q",               A::Back,              "retour",              "Revenir à la file active"),
    (C::Audit,        "c",                   A::CycleAuditAccount, "compte",              "Filtrer par compte (tous, puis chacun)"),
    (C::Audit,        "a",                   A::CycleAuditAction,  "action",              "Filtrer par action (toutes, puis chacune)"),
    (C::Audit,        "esc|q",               A::Back,              "retour",              "Revenir à l'écran précédent"),
    (C::Sessions,     "n",                   A::NewSession,        "nouvelle séance",     "Créer une séance (atelier, information collective, sortie, forum…)"),
    (C::Sessions,     "enter",               A::Open,              "présences",           "Présences de la séance (statut de chaque personne, compte rendu)"),
    (C::Sessions,     "e",                   A::Edit,              "modifier",            "Modifier la séance (date, lieu, capacité…)"),
    (C::Sessions,     "i",                   A::Enrol,             "inscrire",            "Inscrire des personnes (recherche de la file active)"),
    (C::Sessions,     "x|delete",            A::Delete,            "",                    "Supprimer la séance (demande confirmation si des présences sont saisies)"),
    (C::Sessions,     "u|ctrl+z",            A::Undo,              "annuler",             "Annuler la dernière modification"),
    (C::Sessions,     "esc|q",               A::Back,              "retour",              "Revenir à l'écran précédent"),
    (C::Attendance,   "h",                   A::SetHonoured,       "honoré",              "Statut de la personne : honoré (présente)"),
    (C::Attendance,   "e",                   A::SetExcused,        "excusé",              "Statut de la personne : excusé"),
    (C::Attendance,   "n",                   A::SetAbsent,         "absent",              "Statut de la personne : absent non excusé"),
    (C::Attendance,   "c|enter",             A::EditComment,       "note",                "Note sur la personne pour cette séance"),
    (C::Attendance,   "r",                   A::SessionReport,     "compte rendu",        "Compte rendu commun de la séance"),
    (C::Attendance,   "i",                   A::Enrol,             "inscrire",            "Inscrire d'autres personnes"),
    (C::Attendance,   "x|delete",            A::Delete,            "",                    "Désinscrire la personne"),
    (C::Attendance,   "u|ctrl+z",            A::Undo,              "annuler",             "Annuler la dernière modification"),
    (C::Attendance,   "esc|q",               A::Back,              "retour",              "Revenir aux actions collectives"),
    (C::Enrol,        "tab",                 A::Toggle,            "cocher",              "Cocher / décocher la personne surlignée"),
    (C::Enrol,        "enter",               A::Submit,            "inscrire",            "Inscrire les personnes cochées (ou la personne surlignée)"),
    (C::Enrol,        "up",                  A::Up,                "",                    "Personne précédente"),
    (C::Enrol,        "down",                A::Down,              "",                    "Personne suivante"),
    (C::Enrol,        "pageup",              A::PageUp,            "",                    "Page précédente"),
    (C::Enrol,        "pagedown",            A::PageDown,          "",                    "Page suivante"),
    (C::Enrol,        "esc",                 A::Cancel,            "annuler",             "Revenir sans inscrire personne"),
    (C::Import,       "enter",               A::Submit,            "aperçu / importer",   "Aperçu du fichier ; sur l'aperçu, importer (tout en une fois)"),
    (C::Import,       "tab",                 A::Complete,          "compléter",           "Compléter le chemin du fichier (dossiers, CSV, XLSX, XLS, ODS)"),
    (C::Import,       "esc",                 A::Back,              "retour",              "Revenir au chemin (depuis l'aperçu), ou à la file active"),
    (C::Import,       "up",                  A::Up,                "",                    "Faire défiler l'aperçu"),
    (C::Import,       "down",                A::Down,              "",                    "Faire défiler l'aperçu"),
    (C::Report,       "left|-",              A::PrevYear,          "année −",             "Période un an plus tôt"),
    (C::Report,       "right|+",             A::NextYear,          "année +",             "Période un an plus tard"),
    (C::Report,       "p",                   A::EditPeriod,        "période",             "Saisir la période (du, au)"),
    (C::Report,       "d",                   A::CycleDispositif,   "dispositif",          "Filtrer par dispositif (tous, puis chacun)"),
    (C::Report,       "r",                   A::CycleReferent,     "référent·e",          "Filtrer par référent·e (tou·tes, puis chacun·e)"),
    (C::Report,       "E",                   A::ExportReport,      "exporter",            "Exporter le rapport affiché en HTML (A4) et CSV dans le dossier des exports"),
    (C::Report,       "esc|q",               A::Back,              "retour",              "Revenir à l'écran précédent"),
    (C::Help,         "esc",                 A::Back,              "fermer",              "Fermer l'aide (toute autre touche aussi)"),
    (C::Help,         "up|k",                A::Up,                "défiler",             "Remonter"),
    (C::Help,         "down|j",              A::Down,              "défiler",             "Descendre"),
    (C::Help,         "pageup",              A::PageUp,            "",                    "Page précédente"),
    (C::Help,         "pagedown",            A::PageDown,          "",                    "Page suivante"),
    (C::Form,         "enter",               A::NextOrSubmit,      "suivant",             "Champ suivant (enregistre sur le dernier champ)"),
    (C::Form,         "f10|ctrl+s",          A::Submit,            "enregistrer",         "Enregistrer le formulaire, depuis n'importe quel champ"),
    (C::Form,         "ctrl+n",              A::SubmitAndNew,      "et un autre",         "Enregistrer, puis le même formulaire vide pour en ajouter un autre (action, objectif, rendez-vous, obstacle libre)"),
    (C::Form,         "esc",                 A::Cancel,            "annuler",             "Annuler sans rien modifier"),
    (C::Form,         "tab",                 A::NextField,         "champ suivant",       "Champ suivant"),
    (C::Form,         "backtab",             A::PrevField,         "",                    "Champ précédent"),
    (C::Form,         "up",                  A::Up,                "",                    "Champ précédent"),
    (C::Form,         "down",                A::Down,              "",                    "Champ suivant"),
    (C::Multiline,    "enter",               A::Newline,           "nouvelle ligne",      "Nouvelle ligne"),
    (C::Multiline,    "alt+enter",           A::NextOrSubmit,      "",                    "Champ suivant (enregistre sur le dernier champ)"),
    (C::Multiline,    "up",                  A::LineUp,            "",                    "Ligne précédente (sur la première : champ précédent)"),
    (C::Multiline,    "down",                A::LineDown,          "",                    "Ligne suivante (sur la dernière : champ suivant)"),
    (C::Completion,   "tab",                 A::Complete,          "",                    "Prendre la suggestion surlignée ou la 1re, puis champ suivant"),
    (C::Completion,   "down",                A::NextSuggestion,    "",                    "Surligner la suggestion suivante"),
    (C::Completion,   "up",                  A::PrevSuggestion,    "",                    "Surligner la suggestion précédente"),
    (C::Completion,   "enter",               A::PickSuggestion,    "",                    "Prendre la suggestion surlignée"),
    (C::Choice,       "left",                A::PrevChoice,        "",                    "Choix précédent"),
    (C::Choice,       "right",               A::NextChoice,        "",                    "Choix suivant"),
    (C::Choice,       "space",               A::Toggle,            "",                    "Cocher / décocher ; dans une liste : choix suivant"),
    (C::Choice,       "lettre",              A::JumpToLetter,      "",                    "Aller au choix suivant qui commence par cette lettre (liste : le seul choix qui commence par elle est pris, puis champ suivant)"),
    (C::Choice,       "home",                A::FirstChoice,       "",                    "Cases à cocher : première case"),
    (C::Choice,       "end",                 A::LastChoice,        "",                    "Cases à cocher : dernière case"),
    (C::Edit,         "left",                A::CursorLeft,        "",                    "Caractère précédent"),
    (C::Edit,         "right",               A::CursorRight,       "",                    "Caractère suivant"),
    (C::Edit,         "ctrl+left",           A::WordLeft,          "",                    "Mot précédent"),
    (C::Edit,         "ctrl+right",          A::WordRight,         "",                    "Mot suivant"),
    (C::Edit,         "home",                A::LineStart,         "",                    "Début de la ligne"),
    (C::Edit,         "end",                 A::LineEnd,           "",                    "Fin de la ligne"),
    (C::Edit,         "backspace",           A::DeleteBefore,      "",                    "Effacer le caractère avant le curseur"),
    (C::Edit,         "delete",              A::DeleteAfter,       "",                    "Effacer le caractère sous le curseur"),
    (C::Edit,         "ctrl+w|ctrl+backspace|alt+backspace", A::DeleteWord,        "",                    "Effacer le mot avant le curseur"),
    (C::Edit,         "ctrl+u",              A::ClearText,         "",                    "Effacer tout le champ"),
    (C::Login,        "ctrl+c",              A::Quit,              "quitter",             "Quitter parcours"),
];

/// The embedded defaults, as TOML, for the README and for users to copy. Fixed bindings
/// are shown as comments.
pub fn defaults_as_toml() -> String {
    let mut out = String::from("# parcours : touches (copie des valeurs par défaut)\n");
    let mut last = None;
    for (ctx, keys, action, _, help) in DEFAULTS {
        if last != Some(*ctx) {
            out.push_str(&format!("\n[{}]\n", ctx.name()));
            last = Some(*ctx);
        }
        let list: Vec<String> = keys.split('|').map(|k| format!("\"{k}\"")).collect();
        let line = format!("{} = [{}]  # {}", action.name(), list.join(", "), help);
        if FIXED.contains(&(*ctx, *action)) {
            out.push_str(&format!("# {line} — non modifiable\n"));
        } else {
            out.push_str(&line);
            out.push('\n');
        }
    }
    out
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

/// Shown for an action that the user's file left without a key.
const NO_KEY: &str = "(aucune touche)";

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
                fixed: FIXED.contains(&(*context, *action)),
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
        match map.apply_user(text).and_then(|()| map.check_conflicts()) {
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
            let ctx: Context = from_serde_name(&ctx_name)
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
                let unknown = || format!("action inconnue « {action_name} » dans [{ctx_name}]");
                let action: Action = from_serde_name(&action_name).ok_or_else(unknown)?;
                let b = self
                    .bindings
                    .iter_mut()
                    .find(|b| b.context == ctx && b.action == action)
                    .ok_or_else(unknown)?;
                if b.fixed && parsed != b.keys {
                    return Err(format!(
                        "« {action_name} » dans [{ctx_name}] n'est pas modifiable"
                    ));
                }
                if let Some(k) = parsed.iter().find(|k| ctx.is_text() && k.text().is_some()) {
                    return Err(format!(
                        "« {} » dans [{ctx_name}] : ce caractère s'écrit dans le texte, choisissez une touche avec Ctrl ou une touche spéciale",
                        k.label()
                    ));
                }
                b.keys = parsed;
            }
        }
        Ok(())
    }

    /// A key bound twice in one context would do only the first action: refused.
    fn check_conflicts(&self) -> Result<(), String> {
        for (i, b) in self.bindings.iter().enumerate() {
            for k in &b.keys {
                if let Some(o) = self.bindings[i + 1..]
                    .iter()
                    .find(|o| o.context == b.context && o.keys.contains(k))
                {
                    return Err(format!(
                        "« {} » sert deux fois dans [{}] ({} et {})",
                        k.label(),
                        b.context.name(),
                        b.action.name(),
                        o.action.name()
                    ));
                }
            }
        }
        Ok(())
    }

    /// The action bound to `key` in `contexts` (searched in order).
    pub fn lookup(&self, contexts: &[Context], key: &Key) -> Option<Action> {
        self.actions(contexts, key).next()
    }

    /// Every action bound to `key` in `contexts`, most specific context first: a form tries
    /// them in turn until one applies (↑ on the first line of a note goes to the field
    /// above).
    pub fn actions<'a>(
        &'a self,
        contexts: &'a [Context],
        key: &'a Key,
    ) -> impl Iterator<Item = Action> + 'a {
        contexts.iter().flat_map(move |ctx| {
            self.bindings
                .iter()
                .filter(move |b| b.context == *ctx && b.keys.contains(key))
                .map(|b| b.action)
        })
    }

    fn binding(&self, context: Context, action: Action) -> Option<&Binding> {
        self.bindings
            .iter()
            .find(|b| b.context == context && b.action == action)
    }

    /// The position of `key` among the keys of `action` in the first of `contexts` that binds
    /// it (« 3 » is the third key of `tick_nth`).
    pub fn key_position(&self, contexts: &[Context], action: Action, key: &Key) -> Option<usize> {
        contexts
            .iter()
            .find_map(|ctx| self.binding(*ctx, action))
            .and_then(|b| b.keys.iter().position(|k| k == key))
    }

    /// The labels of every key of `action` in `context`, in order (« 1 » … « 9 »).
    pub fn key_labels(&self, context: Context, action: Action) -> Vec<String> {
        self.binding(context, action)
            .map(|b| b.keys.iter().map(Key::label).collect())
            .unwrap_or_default()
    }

    /// What a letter without a binding of its own does in `contexts` (the pseudo-key
    /// « lettre »), if anything.
    pub fn letter_action(&self, contexts: &[Context]) -> Option<Action> {
        self.lookup(contexts, &LETTER)
    }

    /// The label of the first key of `action` in `context`, for messages and short hints
    /// (« u pour annuler »): it follows `touches.toml`.
    pub fn key_label(&self, context: Context, action: Action) -> String {
        self.binding(context, action)
            .and_then(|b| b.keys.first())
            .map(Key::label)
            .unwrap_or_else(|| NO_KEY.to_string())
    }

    /// The label of the first key doing `action` in `contexts` (those active now, most
    /// specific first), for messages: `key_in(&app.contexts(), Action::Undo)` is the key
    /// that undoes on this screen. "(aucune touche)" when none does.
    pub fn key_in(&self, contexts: &[Context], action: Action) -> String {
        contexts
            .iter()
            .find_map(|ctx| self.binding(*ctx, action).and_then(|b| b.keys.first()))
            .map(Key::label)
            .unwrap_or_else(|| NO_KEY.to_string())
    }

    /// The labels of all the keys of `action` in `context` ("F10 / Ctrl+S").
    pub fn keys_label(&self, context: Context, action: Action) -> String {
        match self.binding(context, action) {
            Some(b) if !b.keys.is_empty() => {
                let keys: Vec<String> = b.keys.iter().map(Key::label).collect();
                keys.join(" / ")
            }
            _ => NO_KEY.to_string(),
        }
    }

    /// The bar label of `action` in `context` (for bars composed in a fixed order).
    pub fn bar_label(&self, context: Context, action: Action) -> &'static str {
        self.binding(context, action).map(|b| b.bar).unwrap_or("")
    }

    /// Bottom-bar entries ("key label") for the given contexts. Neighbours sharing a label
    /// are merged: "↑↓ défiler", "0…4 niveau".
    pub fn bar(&self, contexts: &[Context]) -> Vec<(String, &'static str)> {
        let mut out = Vec::new();
        for ctx in contexts {
            let mut group: Vec<String> = Vec::new();
            let mut label = "";
            let mut flush = |group: &mut Vec<String>, label: &'static str| {
                match group.len() {
                    0 => {}
                    1 => out.push((group[0].clone(), label)),
                    2 if group.iter().all(|k| k.chars().count() == 1) => {
                        out.push((group.concat(), label))
                    }
                    _ => out.push((format!("{}…{}", group[0], group[group.len() - 1]), label)),
                }
                group.clear();
            };
            for b in self
                .bindings
                .iter()
                .filter(|b| b.context == *ctx && !b.bar.is_empty())
            {
                let Some(k) = b.keys.first() else {
                    continue;
                };
                if b.bar != label {
                    flush(&mut group, label);
                    label = b.bar;
                }
                // One action on a run of keys (« 1 » to « 9 »): shown as its ends.
                match b.keys.last().filter(|_| b.keys.len() > 2) {
                    Some(last) => group.push(format!("{}…{}", k.label(), last.label())),
                    None => group.push(k.label()),
                }
            }
            flush(&mut group, label);
        }
        out
    }

    /// Help overlay sections: (context title, [(keys, help)]).
    pub fn help(&self, contexts: &[Context]) -> Vec<(&'static str, Vec<(String, String)>)> {
        contexts
            .iter()
            .map(|ctx| {
                let rows = self
                    .bindings
                    .iter()
                    .filter(|b| b.context == *ctx)
                    .map(|b| {
                        let keys: Vec<String> = b.keys.iter().map(Key::label).collect();
                        let help = if b.fixed {
                            format!("{} — non modifiable", b.help)
                        } else {
                            b.help.to_string()
                        };
                        (keys.join(" / "), help)
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

    const ALL_CONTEXTS: &[Context] = &[
        C::Global,
        C::Caseload,
        C::Search,
        C::Today,
        C::File,
        C::Diagnostic,
        C::Barriers,
        C::Plan,
        C::Appointments,
        C::Journal,
        C::Retention,
        C::Audit,
        C::Sessions,
        C::Attendance,
        C::Enrol,
        C::Report,
        C::Help,
        C::Form,
        C::Multiline,
        C::Completion,
        C::Choice,
        C::Edit,
        C::Login,
        C::Parcours,
        C::Eligibility,
        C::Import,
    ];

    #[test]
    fn every_context_has_keys_that_parse_and_none_is_bound_twice() {
        for ctx in ALL_CONTEXTS {
            let rows: Vec<&Row> = DEFAULTS.iter().filter(|r| r.0 == *ctx).collect();
            assert!(!rows.is_empty(), "no binding in {ctx:?}");
            let mut seen: Vec<Key> = Vec::new();
            for (_, keys, action, ..) in rows {
                for k in keys.split('|') {
                    let key = Key::parse(k).unwrap_or_else(|| panic!("{k} in {ctx:?}"));
                    assert!(
                        !seen.contains(&key),
                        "{k} bound twice in {ctx:?} ({action:?})"
                    );
                    assert!(
                        !(ctx.is_text() && key.text().is_some()),
                        "{k} is text in {ctx:?}"
                    );
                    seen.push(key);
                }
            }
        }
        assert!(Keymap::defaults().check_conflicts().is_ok());
        // Each (context, action) once: `touches.toml` names it unambiguously.
        for (i, r) in DEFAULTS.iter().enumerate() {
            assert!(
                !DEFAULTS[i + 1..].iter().any(|o| o.0 == r.0 && o.2 == r.2),
                "{:?} twice in {:?}",
                r.2,
                r.0
            );
        }
    }

    #[test]
    fn names_come_from_serde_and_read_back() {
        assert_eq!(A::ToggleCheckedOnly.name(), "toggle_checked_only");
        assert_eq!(A::Level3.name(), "level_3");
        assert_eq!(C::Multiline.name(), "multiline");
        for (ctx, _, action, ..) in DEFAULTS {
            assert_eq!(from_serde_name::<Context>(&ctx.name()), Some(*ctx));
            assert_eq!(from_serde_name::<Action>(&action.name()), Some(*action));
        }
    }

    #[test]
    fn user_file_rebinds_and_bad_file_falls_back() {
        let (map, warn) = Keymap::with_user_file(Some("[caseload]\nsearch = \"ctrl+f\"\n"));
        assert!(warn.is_none());
        let k = Key::parse("ctrl+f").unwrap();
        assert_eq!(map.lookup(&[Context::Caseload], &k), Some(Action::Search));
        assert_eq!(map.key_label(C::Caseload, A::Search), "Ctrl+F");
        assert_eq!(map.key_in(&[C::Caseload, C::Global], A::Search), "Ctrl+F");
        assert_eq!(map.key_in(&[C::Journal, C::Global], A::Undo), "u");
        assert_eq!(
            map.key_in(&[C::Today, C::Global], A::Undo),
            "(aucune touche)"
        );
        let (map, warn) = Keymap::with_user_file(Some("[caseload]\nsearhc = \"x\""));
        assert!(warn.unwrap().contains("searhc"));
        let slash = Key::parse("/").unwrap();
        assert_eq!(
            map.lookup(&[Context::Caseload], &slash),
            Some(Action::Search)
        );
    }

    #[test]
    fn form_keys_rebind_but_ctrl_c_and_text_characters_do_not() {
        let (map, warn) = Keymap::with_user_file(Some("[form]\nsubmit = [\"f9\", \"ctrl+s\"]\n"));
        assert!(warn.is_none(), "{warn:?}");
        assert_eq!(map.keys_label(C::Form, A::Submit), "F9 / Ctrl+S");
        for bad in [
            "[global]\nquit = \"ctrl+q\"",
            "[login]\nquit = \"esc\"",
            "[form]\nsubmit = \"x\"",
            "[edit]\nclear_text = \"space\"",
            "[caseload]\nsearch = \"n\"",
        ] {
            let (map, warn) = Keymap::with_user_file(Some(bad));
            assert!(warn.is_some(), "{bad} accepted");
            assert_eq!(map.keys_label(C::Form, A::Submit), "F10 / Ctrl+S");
        }
        // Ctrl+C may be written as it is.
        let (_, warn) = Keymap::with_user_file(Some("[global]\nquit = \"ctrl+c\""));
        assert!(warn.is_none());
        assert!(Keymap::defaults().help(&[C::Global])[0]
            .1
            .iter()
            .any(|(k, h)| k == "Ctrl+C" && h.ends_with("— non modifiable")));
    }

    #[test]
    fn bar_merges_neighbours_with_one_label() {
        let map = Keymap::defaults();
        assert!(map
            .bar(&[C::Diagnostic])
            .contains(&("0…4".into(), "niveau")));
        assert_eq!(
            map.bar(&[C::Help]),
            vec![("Échap".into(), "fermer"), ("↑↓".into(), "défiler")]
        );
        // One action on a run of keys shows its ends.
        assert!(map
            .bar(&[C::Barriers])
            .contains(&("1…9".into(), "cocher n°")));
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
