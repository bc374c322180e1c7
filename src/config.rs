//! Where things live: the database, the user's referential override and key bindings.

use crate::domain::Referential;
use std::path::PathBuf;

/// File names in the user's config directory.
pub const REFERENTIAL_FILE: &str = "referentiel.toml";
pub const KEYS_FILE: &str = "touches.toml";

fn project_dirs() -> Option<directories::ProjectDirs> {
    directories::ProjectDirs::from("fr", "parcours", "parcours")
}

/// Default database path: `<data dir>/parcours.db` (e.g. `~/.local/share/parcours/` on
/// Linux, `%APPDATA%\parcours\parcours\data\` on Windows).
pub fn default_db_path() -> Option<PathBuf> {
    project_dirs().map(|d| d.data_dir().join("parcours.db"))
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

/// Name of the advisor using this session ("ma file active"): `PARCOURS_REFERENT`, else the
/// OS user name. Accounts (one login per staff member) will replace this.
pub fn current_referent() -> String {
    std::env::var("PARCOURS_REFERENT")
        .or_else(|_| std::env::var("USER"))
        .or_else(|_| std::env::var("USERNAME"))
        .unwrap_or_default()
}
