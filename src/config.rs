//! Where things live: the database, the user's referential override and key bindings.

use crate::domain::Referential;
use std::path::PathBuf;

/// File names in the user's config directory.
pub const REFERENTIAL_FILE: &str = "referentiel.toml";
pub const KEYS_FILE: &str = "touches.toml";
pub const SETTINGS_FILE: &str = "reglages.toml";

/// Idle lock: default and allowed range, in minutes.
pub const LOCK_MINUTES_DEFAULT: u32 = 5;
pub const LOCK_MINUTES_RANGE: std::ops::RangeInclusive<u32> = 1..=15;

fn project_dirs() -> Option<directories::ProjectDirs> {
    directories::ProjectDirs::from("fr", "parcours", "parcours")
}

/// Default database path: `<data dir>/parcours.db` (e.g. `~/.local/share/parcours/` on
/// Linux, `%APPDATA%\parcours\parcours\data\` on Windows).
pub fn default_db_path() -> Option<PathBuf> {
    project_dirs().map(|d| d.data_dir().join("parcours.db"))
}

/// Where the app writes a person's document (right of access): `<data dir>/exports`.
pub fn exports_dir() -> Option<PathBuf> {
    project_dirs().map(|d| d.data_dir().join(crate::document::EXPORT_DIR))
}

pub fn config_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("PARCOURS_CONFIG_DIR") {
        return Some(PathBuf::from(dir));
    }
    project_dirs().map(|d| d.config_dir().to_path_buf())
}

/// The referential: embedded, with the user's override merged on top when present.
/// The second value is a French warning when the override could not be used.
pub fn load_referential() -> (Referential, Option<String>) {
    let text = config_dir()
        .map(|d| d.join(REFERENTIAL_FILE))
        .and_then(|p| std::fs::read_to_string(p).ok());
    Referential::with_override(text.as_deref())
}

/// Setting: honoured collective sessions count for the monthly-interview rule.
pub const COLLECTIVE_KEY: &str = "collectif_compte_comme_entretien";

/// Settings of this post, from `reglages.toml` in the config directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// Minutes without a key before the screen locks (`verrouillage_minutes`, 1 to 15).
    pub lock_minutes: u32,
    /// An honoured collective session counts for the monthly-interview rule
    /// (`collectif_compte_comme_entretien`, off by default: only individual interviews).
    pub collective_counts_as_interview: bool,
    /// Setting a level in the diagnostic moves to the next theme
    /// (`diagnostic_theme_suivant`, true by default).
    pub level_advances: bool,
    /// The shared server of the team (`serveur = "postgresql://serveur/parcours"`), used
    /// when neither `--db` nor `PARCOURS_DB` names a base.
    pub server: Option<String>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            lock_minutes: LOCK_MINUTES_DEFAULT,
            collective_counts_as_interview: false,
            level_advances: true,
            server: None,
        }
    }
}

impl Settings {
    pub fn lock_after(&self) -> chrono::Duration {
        chrono::Duration::minutes(self.lock_minutes as i64)
    }

    /// Reads the settings text (None: no file). Keys this version does not know are left to
    /// other versions; a bad file or value gives the default and a French warning.
    pub fn from_toml(text: Option<&str>) -> (Settings, Option<String>) {
        let mut settings = Settings::default();
        let Some(text) = text else {
            return (settings, None);
        };
        let table: toml::Table = match toml::from_str(text) {
            Ok(t) => t,
            Err(e) => {
                return (
                    settings,
                    Some(format!(
                        "Fichier {SETTINGS_FILE} illisible ({}) : réglages par défaut utilisés",
                        e.message()
                    )),
                )
            }
        };
        let mut warning = None;
        if let Some(v) = table.get("verrouillage_minutes") {
            match v.as_integer() {
                Some(n) if u32::try_from(n).is_ok_and(|n| LOCK_MINUTES_RANGE.contains(&n)) => {
                    settings.lock_minutes = n as u32
                }
                _ => {
                    warning = Some(format!(
                        "{SETTINGS_FILE} : verrouillage_minutes = {v} n'est pas un nombre de minutes entre {} et {} ; verrouillage après {} minutes",
                        LOCK_MINUTES_RANGE.start(),
                        LOCK_MINUTES_RANGE.end(),
                        LOCK_MINUTES_DEFAULT
                    ))
                }
            }
        }
        if let Some(v) = table.get(COLLECTIVE_KEY) {
            match v.as_bool() {
                Some(b) => settings.collective_counts_as_interview = b,
                None => {
                    warning = Some(format!(
                        "{SETTINGS_FILE} : {COLLECTIVE_KEY} = {v} n'est ni true ni false ; seuls les entretiens individuels comptent pour la règle mensuelle"
                    ))
                }
            }
        }
        if let Some(v) = table.get("diagnostic_theme_suivant") {
            match v.as_bool() {
                Some(b) => settings.level_advances = b,
                None => {
                    let msg = format!(
                        "{SETTINGS_FILE} : diagnostic_theme_suivant = {v} n'est ni true ni false ; passage au thème suivant après un niveau"
                    );
                    warning = Some(match warning {
                        Some(w) => format!("{w} ; {msg}"),
                        None => msg,
                    });
                }
            }
        }
        if let Some(v) = table.get("serveur") {
            match v.as_str() {
                Some(url) if crate::store::server::is_server_url(url.trim()) => {
                    settings.server = Some(url.trim().to_string())
                }
                _ => {
                    let msg = format!(
                        "{SETTINGS_FILE} : serveur = {v} n'est pas une adresse postgresql://serveur/base ; base locale utilisée"
                    );
                    warning = Some(match warning {
                        Some(w) => format!("{w} ; {msg}"),
                        None => msg,
                    });
                }
            }
        }
        (settings, warning)
    }
}

/// The settings of the config directory (defaults when there is no file).
pub fn load_settings() -> (Settings, Option<String>) {
    let path = config_dir().map(|d| d.join(SETTINGS_FILE));
    match path.as_ref().map(std::fs::read_to_string) {
        Some(Ok(text)) => Settings::from_toml(Some(&text)),
        Some(Err(e)) if e.kind() != std::io::ErrorKind::NotFound => (
            Settings::default(),
            Some(format!(
                "Fichier {SETTINGS_FILE} illisible ({e}) : réglages par défaut utilisés"
            )),
        ),
        _ => (Settings::default(), None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lock_minutes_from_settings_file() {
        assert_eq!(Settings::from_toml(None), (Settings::default(), None));
        let (s, w) = Settings::from_toml(Some("verrouillage_minutes = 12\n"));
        assert_eq!((s.lock_minutes, w), (12, None));
        // Keys of other settings are left alone.
        let (s, w) = Settings::from_toml(Some("autre = true\nverrouillage_minutes = 1"));
        assert_eq!((s.lock_minutes, w), (1, None));
        for bad in [
            "verrouillage_minutes = 0",
            "verrouillage_minutes = 16",
            "verrouillage_minutes = -3",
            "verrouillage_minutes = \"cinq\"",
            "verrouillage_minutes = 5.5",
        ] {
            let (s, w) = Settings::from_toml(Some(bad));
            assert_eq!(s.lock_minutes, LOCK_MINUTES_DEFAULT, "{bad}");
            assert!(w.unwrap().contains("entre 1 et 15"), "{bad}");
        }
        // The diagnostic's move to the next theme after a level: on unless turned off.
        assert!(Settings::default().level_advances);
        let (s, w) = Settings::from_toml(Some("diagnostic_theme_suivant = false"));
        assert_eq!(
            (s.level_advances, s.lock_minutes, w),
            (false, LOCK_MINUTES_DEFAULT, None)
        );
        let (s, w) = Settings::from_toml(Some("diagnostic_theme_suivant = \"non\""));
        assert!(s.level_advances);
        assert!(w.unwrap().contains("ni true ni false"));
        let (s, w) = Settings::from_toml(Some("verrouillage_minutes = ["));
        assert_eq!(s.lock_minutes, LOCK_MINUTES_DEFAULT);
        assert!(w.unwrap().contains("illisible"));
    }

    #[test]
    fn the_team_server_from_settings_file() {
        assert_eq!(Settings::default().server, None);
        let (s, w) = Settings::from_toml(Some("serveur = \" postgresql://srv/parcours \""));
        assert_eq!(
            (s.server.as_deref(), w),
            (Some("postgresql://srv/parcours"), None)
        );
        for bad in ["serveur = \"/home/cip/parcours.db\"", "serveur = 3"] {
            let (s, w) = Settings::from_toml(Some(bad));
            assert_eq!(s.server, None, "{bad}");
            assert!(w.unwrap().contains("base locale utilisée"), "{bad}");
        }
    }
}
