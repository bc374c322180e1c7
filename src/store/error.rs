use std::path::PathBuf;

/// Store errors. `Display` is the French message shown to the user.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("Le dossier « {0} » n'existe pas. Créez-le ou choisissez un autre fichier (--db).")]
    MissingDirectory(PathBuf),
    #[error("{} n'est pas une base parcours (ce n'est pas un fichier SQLite). Le fichier n'a pas été modifié.", named("Ce fichier", .0))]
    NotADatabase(PathBuf),
    #[error("« {0} » n'est pas une base parcours (c'est une base SQLite d'une autre application). Le fichier n'a pas été modifié.")]
    Foreign(PathBuf),
    #[error("{} est endommagée ({}). Le fichier n'a pas été modifié ; restaurez une sauvegarde.", named("La base", .0), .1)]
    Corrupt(PathBuf, String),
    #[error("La base « {path} » a été créée par une version plus récente de parcours (schéma {found}, cette version connaît le schéma {known}). Mettez parcours à jour ; le fichier n'a pas été modifié.")]
    TooNew {
        path: PathBuf,
        found: i64,
        known: i64,
    },
    #[error("{} est en lecture seule : impossible d'enregistrer. Vérifiez les droits du fichier et de son dossier.", named("La base", .0))]
    ReadOnly(PathBuf),
    #[error(
        "La base est occupée par un autre poste ou une autre fenêtre ; réessayez dans un instant."
    )]
    Busy,
    #[error("Disque plein : la modification n'a pas été enregistrée. Libérez de la place puis réessayez (votre saisie est conservée).")]
    DiskFull,
    #[error("Fiche introuvable (elle a peut-être été supprimée sur un autre poste).")]
    NotFound,
    #[error("Cette fiche a été modifiée entre-temps sur un autre poste ou une autre fenêtre. Rechargez-la avant de modifier (votre saisie est conservée).")]
    Conflict,
    #[error("« {0} » est sur un partage réseau ({1}) : parcours ne peut pas y garantir l'intégrité des données (mode WAL). Copiez la base sur le disque local du poste et ouvrez cette copie ; le fichier n'a pas été modifié.")]
    NetworkFs(PathBuf, String),
    #[error("La clé de chiffrement ne correspond pas à « {0} » : fichier des comptes d'une autre base, ou début de la base endommagé (restaurez une sauvegarde). Le fichier n'a pas été modifié.")]
    WrongKey(PathBuf),
    #[error("La mise à jour de la base (schéma {from} vers {to}) a échoué : {detail}. La base est restée au schéma {from}, intacte{}.", copy.as_ref().map(|c| format!(" (copie prise avant : « {} »)", c.display())).unwrap_or_default())]
    Migration {
        from: i64,
        to: i64,
        detail: String,
        copy: Option<PathBuf>,
    },
    #[error("Restauration impossible : {0}")]
    Restore(String),
    #[error("Sauvegarde impossible : {0}")]
    Backup(String),
    #[error("Impossible d'ouvrir « {0} » : {1}")]
    CannotOpen(PathBuf, String),
    #[error("Erreur d'écriture sur le disque : {0}")]
    Io(String),
    #[error("Erreur de la base de données : {0}")]
    Sqlite(String),
    // Not « rien n'a été enregistré »: a commit whose answer is lost did land (a new
    // record saved again is then found stored, see `App::commit_checked`).
    #[error("Le serveur ne répond plus ({0}) : votre saisie est conservée ; parcours se reconnecte, puis enregistrez à nouveau (rien ne sera en double).")]
    ServerGone(String),
    #[error("Le serveur refuse : droits insuffisants pour ce compte ({0}).")]
    Forbidden(String),
    #[error("Le serveur refuse : {0}")]
    Server(String),
    #[error("{0} : pas encore disponible sur le serveur partagé (possible sur une base locale).")]
    NotOnServer(&'static str),
}

pub type Result<T> = std::result::Result<T, StoreError>;

/// "La base « /chemin/parcours.db »", or just "La base" when the error does not know the
/// path (an error raised by SQLite in the middle of a query).
fn named(what: &str, path: &std::path::Path) -> String {
    if path.as_os_str().is_empty() {
        what.to_string()
    } else if what == "Ce fichier" {
        format!("« {} »", path.display())
    } else {
        format!("{what} « {} »", path.display())
    }
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        use rusqlite::ErrorCode as C;
        if let rusqlite::Error::SqliteFailure(f, msg) = &e {
            return match f.code {
                C::DatabaseBusy | C::DatabaseLocked => StoreError::Busy,
                C::DiskFull => StoreError::DiskFull,
                C::ReadOnly => StoreError::ReadOnly(PathBuf::new()),
                C::NotADatabase => StoreError::NotADatabase(PathBuf::new()),
                C::DatabaseCorrupt => {
                    StoreError::Corrupt(PathBuf::new(), "contenu illisible".into())
                }
                C::SystemIoFailure | C::CannotOpen => {
                    StoreError::Io(msg.clone().unwrap_or_else(|| e.to_string()))
                }
                _ => StoreError::Sqlite(e.to_string()),
            };
        }
        if let rusqlite::Error::QueryReturnedNoRows = e {
            return StoreError::NotFound;
        }
        StoreError::Sqlite(e.to_string())
    }
}

impl StoreError {
    /// Attach the database path to errors that name it.
    pub(crate) fn at(self, path: &std::path::Path) -> Self {
        let p = path.to_path_buf();
        match self {
            StoreError::ReadOnly(_) => StoreError::ReadOnly(p),
            StoreError::NotADatabase(_) => StoreError::NotADatabase(p),
            StoreError::Corrupt(_, m) => StoreError::Corrupt(p, m),
            other => other,
        }
    }
}
