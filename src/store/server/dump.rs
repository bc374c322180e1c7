//! `parcours backup` against the server: PostgreSQL's own `pg_dump` (custom format, the one
//! `pg_restore` reads), written under a temporary name, checked by listing it with
//! `pg_restore --list`, then renamed: a failed or cut dump never looks like a backup.
//! Without `pg_dump` on the PC, the exact command for the IT person to schedule.

use super::{Result, ServerError};
use chrono::NaiveDateTime;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A verified dump.
#[derive(Debug, Clone)]
pub struct Dump {
    pub path: PathBuf,
    pub bytes: u64,
    /// Tables whose data the dump holds.
    pub tables: usize,
    pub removed: Vec<PathBuf>,
}

pub enum Outcome {
    Done(Dump),
    /// No `pg_dump` here: the command to run on the server (or a PC that has it).
    NoPgDump {
        command: String,
    },
}

const PREFIX: &str = "parcours-serveur-";
const SUFFIX: &str = ".dump";

/// `pg_dump` from the PATH, or from Debian's server directories.
fn program(name: &str) -> Option<PathBuf> {
    if let Some(paths) = std::env::var_os("PATH") {
        for dir in std::env::split_paths(&paths) {
            let p = dir.join(name);
            if p.is_file() {
                return Some(p);
            }
        }
    }
    let mut found: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path().join("bin").join(name)))
        .filter(|p| p.is_file())
        .collect();
    found.sort();
    found.pop()
}

/// Dumps the database at `url` into `dest` (a folder: a dated file in it, and only the
/// `keep` newest dated files kept; or a file).
pub fn dump(
    url: &str,
    password: Option<&str>,
    dest: &Path,
    keep: usize,
    now: NaiveDateTime,
) -> Result<Outcome> {
    let Some(pg_dump) = program("pg_dump") else {
        return Ok(Outcome::NoPgDump {
            command: format!(
                "pg_dump --format=custom --file=/chemin/des/sauvegardes/{PREFIX}$(date +%F){SUFFIX} '{url}'"
            ),
        });
    };
    let pg_restore = program("pg_restore");
    let (dir, path) = if dest.extension().is_none() || dest.is_dir() {
        std::fs::create_dir_all(dest)
            .map_err(|e| ServerError::Refused(format!("dossier {} : {e}", dest.display())))?;
        let name = format!("{PREFIX}{}{SUFFIX}", now.format("%Y-%m-%d-%H%M%S"));
        (Some(dest.to_path_buf()), dest.join(name))
    } else {
        (None, dest.to_path_buf())
    };
    let mut partial = path.clone().into_os_string();
    partial.push(".partiel");
    let partial = PathBuf::from(partial);
    let mut cmd = Command::new(&pg_dump);
    cmd.args(["--format=custom", "--no-password", "--file"])
        .arg(&partial)
        .arg("--dbname")
        .arg(url)
        .env("PGCONNECT_TIMEOUT", "5");
    if let Some(p) = password {
        cmd.env("PGPASSWORD", p);
    }
    let out = cmd
        .output()
        .map_err(|e| ServerError::Refused(format!("pg_dump : {e}")))?;
    if !out.status.success() {
        let _ = std::fs::remove_file(&partial);
        return Err(ServerError::Refused(format!(
            "pg_dump : {}",
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    let tables = match pg_restore {
        Some(r) => match verify(&r, &partial) {
            Ok(n) => n,
            Err(e) => {
                let _ = std::fs::remove_file(&partial);
                return Err(e);
            }
        },
        None => 0,
    };
    std::fs::rename(&partial, &path)
        .map_err(|e| ServerError::Refused(format!("{} : {e}", path.display())))?;
    let bytes = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    let removed = match dir {
        Some(d) => rotate(&d, keep),
        None => Vec::new(),
    };
    Ok(Outcome::Done(Dump {
        path,
        bytes,
        tables,
        removed,
    }))
}

/// The dump's table of contents must name the data of parcours's tables, persons first of all.
fn verify(pg_restore: &Path, file: &Path) -> Result<usize> {
    let out = Command::new(pg_restore)
        .arg("--list")
        .arg(file)
        .output()
        .map_err(|e| ServerError::Refused(format!("pg_restore : {e}")))?;
    let list = String::from_utf8_lossy(&out.stdout);
    let data: Vec<&str> = list
        .lines()
        .filter(|l| l.contains("TABLE DATA parcours "))
        .collect();
    if !out.status.success() || !data.iter().any(|l| l.contains(" persons ")) {
        return Err(ServerError::Refused(
            "la sauvegarde produite est illisible ou incomplète (pg_restore --list) : elle a été supprimée".into(),
        ));
    }
    Ok(data.len())
}

fn rotate(dir: &Path, keep: usize) -> Vec<PathBuf> {
    let mut dated: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| {
                    p.file_name()
                        .and_then(|n| n.to_str())
                        .is_some_and(|n| n.starts_with(PREFIX) && n.ends_with(SUFFIX))
                })
                .collect()
        })
        .unwrap_or_default();
    // Dated names sort in time order.
    dated.sort();
    let excess = dated.len().saturating_sub(keep.max(1));
    let mut removed = Vec::new();
    for p in dated.into_iter().take(excess) {
        if std::fs::remove_file(&p).is_ok() {
            removed.push(p);
        }
    }
    removed
}
