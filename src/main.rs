//! The `parcours` command line.

use clap::{Parser, Subcommand, ValueEnum};
use parcours::auth::password::read_secret;
use parcours::auth::{keyring_path, Account, AuthError, Keyring, Role};
use parcours::clock::{Clock, TestHooks};
use parcours::export::ExportError;
use parcours::store::server::{self, ServerError};
use parcours::store::{Backend, Store, StoreError};
use parcours::{config, demo, document, export, session};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "parcours",
    version,
    about = "Dossier d'accompagnement socio-professionnel, au clavier, hors ligne"
)]
struct Cli {
    /// Fichier de base de données (par défaut : dans le dossier de données de l'utilisateur)
    #[arg(long, global = true, env = "PARCOURS_DB", value_name = "FICHIER")]
    db: Option<PathBuf>,
    /// Identifiant du compte (commandes ; par défaut le seul compte, ou demandé)
    #[arg(long, global = true, value_name = "IDENTIFIANT")]
    compte: Option<String>,
    /// Lire le mot de passe dans ce fichier (scripts) ; sinon il est demandé au terminal,
    /// ou lu sur l'entrée standard quand elle n'est pas un terminal
    #[arg(long, global = true, value_name = "FICHIER")]
    mot_de_passe_fichier: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Crée une file active fictive réaliste (démonstration, formation)
    Demo {
        /// Nombre de personnes
        #[arg(long, default_value_t = 60)]
        persons: usize,
        /// Graine : la même graine donne la même file active
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// Exporte les dossiers (tous, ou celui d'une personne) en JSON, le dossier d'une
    /// personne en document lisible à imprimer ou remettre (droit d'accès), un tableau CSV
    /// pour Excel ou l'agenda des rendez-vous (ics)
    Export {
        #[arg(long, value_enum, default_value_t = Format::Json)]
        format: Format,
        /// N° de dossier d'une personne (export de son dossier complet)
        #[arg(long, value_name = "N°")]
        person: Option<String>,
        /// Fichier de sortie (par défaut : sortie standard)
        #[arg(long, short, value_name = "FICHIER")]
        output: Option<PathBuf>,
        #[command(flatten)]
        selection: export::selection::SelectionArgs,
    },
    /// Efface une personne partout (droit à l'effacement) : toutes ses données quittent la
    /// base ; réservé aux administrateur·rices
    Effacer {
        /// N° de dossier de la personne
        #[arg(value_name = "N°")]
        dossier: String,
        /// Ne pas demander de retaper le n° de dossier
        #[arg(long)]
        oui: bool,
        /// Supprimer aussi, sans le demander, les copies de la base faites avant cet
        /// effacement (sauvegardes du dossier par défaut, bases mises de côté)
        #[arg(long)]
        supprimer_copies: bool,
    },
    /// Rapport d'activité d'une période (par défaut l'année civile précédente), pour les
    /// financeurs : personnes accompagnées, sorties, rendez-vous, délais, durées
    Rapport {
        /// Premier jour de la période (avec --au)
        #[arg(long, value_name = "JJ/MM/AAAA")]
        du: Option<String>,
        /// Dernier jour de la période (avec --du)
        #[arg(long, value_name = "JJ/MM/AAAA")]
        au: Option<String>,
        /// Une année civile entière (au lieu de --du / --au)
        #[arg(long, value_name = "AAAA")]
        annee: Option<String>,
        /// Code d'un dispositif du référentiel (ex. rsa, plie) ; par défaut tous
        #[arg(long, value_name = "CODE")]
        dispositif: Option<String>,
        /// Référent·e des suivis (tel qu'enregistré sur le suivi) ; par défaut tou·tes
        #[arg(long, value_name = "ID")]
        referent: Option<String>,
        #[arg(long, value_enum, default_value_t = RapportFormat::Texte)]
        format: RapportFormat,
        /// Fichier de sortie (par défaut : sortie standard)
        #[arg(long, short, value_name = "FICHIER")]
        output: Option<PathBuf>,
    },
    /// Importe une liste d'orientation (CSV, XLSX, XLS, ODS) : aperçu d'abord, puis tout
    /// en une fois ; les personnes déjà connues sont complétées, jamais dédoublées
    Import {
        /// Le fichier à importer
        #[arg(value_name = "FICHIER")]
        fichier: Option<PathBuf>,
        /// Profil d'import (en-têtes propres à une source, dispositif, référent·e) ; sans
        /// nom : la liste des profils
        #[arg(long, value_name = "NOM", num_args = 0..=1, default_missing_value = "")]
        profil: Option<String>,
        /// Montrer l'aperçu sans rien importer
        #[arg(long)]
        simulation: bool,
        /// Importer sans demander de confirmation (scripts)
        #[arg(long)]
        oui: bool,
        /// tableur : liste d'orientation (CSV, XLSX, XLS, ODS) ; json : export JSON de
        /// parcours (changement de poste, fusion de bases, portabilité)
        #[arg(long, value_enum, default_value_t = ImportFormat::Tableur)]
        format: ImportFormat,
    },
    /// Affiche les réglages de la structure (nom, adresse, capacités de la convention)
    /// et le chemin de structure.toml (ne lit pas la base)
    Structure,
    /// Vérifie l'intégrité de la base et affiche la version du schéma
    Check,
    /// Affiche les touches par défaut (modèle pour touches.toml)
    Touches,
    /// Comptes du personnel (un par personne ; ajout et retrait par un·e administrateur·rice)
    Compte {
        #[command(subcommand)]
        action: CompteAction,
    },
    /// Sauvegarde vérifiée de la base, même pendant son utilisation
    Backup {
        /// Dossier (une copie datée y est créée) ou fichier ; par défaut « sauvegardes » à côté de la base
        #[arg(value_name = "DESTINATION")]
        dest: Option<PathBuf>,
        /// Nombre de sauvegardes gardées dans le dossier
        #[arg(long, default_value_t = 10)]
        garder: usize,
    },
    /// Remet une sauvegarde à la place de la base (la base actuelle est mise de côté)
    Restore {
        #[arg(value_name = "SAUVEGARDE")]
        src: PathBuf,
        /// Ne pas demander de confirmation
        #[arg(long)]
        oui: bool,
    },
    /// Serveur PostgreSQL partagé (travail en équipe) : préparer une base du serveur, y
    /// copier une base locale. Les comptes du serveur : « parcours --db postgresql://… compte »
    Serveur {
        #[command(subcommand)]
        action: ServeurAction,
    },
    /// Documents d'une personne à imprimer et à faire signer (page A4 HTML, sans script)
    Document {
        #[command(subcommand)]
        kind: DocumentKind,
    },
}

#[derive(Subcommand)]
enum ServeurAction {
    /// Prépare une base PostgreSQL vide pour parcours : schéma, rôles, droits, premier compte
    /// administrateur (son mot de passe est demandé deux fois). À lancer par le
    /// propriétaire de la base (la personne chargée de l'informatique)
    Initialiser {
        /// Adresse de la base, ex. postgresql://informatique@serveur/parcours
        url: String,
        /// Identifiant du premier compte administrateur
        #[arg(long)]
        admin: String,
        /// Nom affiché du premier compte administrateur
        #[arg(long, default_value = "")]
        nom: String,
    },
    /// Copie une base locale (fichier) vers une base du serveur initialisée et vide, en une
    /// seule transaction vérifiée (lignes comptées des deux côtés). À lancer par le
    /// propriétaire de la base du serveur ; --compte et --mot-de-passe-fichier ouvrent le fichier
    Migrer {
        /// La base locale (fichier .db)
        fichier: PathBuf,
        /// Adresse de la base du serveur
        url: String,
    },
}

#[derive(Subcommand)]
enum DocumentKind {
    /// Diagnostic d'éligibilité IAE : le dernier enregistré, sinon ce que le dossier indique
    Eligibilite {
        /// N° de dossier de la personne
        #[arg(long, value_name = "N°")]
        person: String,
        /// Type de structure quand aucun diagnostic n'est enregistré : aci, ei, eiti, ai, etti
        #[arg(long, value_name = "TYPE", default_value = "aci")]
        structure: String,
        /// Fichier de sortie (par défaut : sortie standard)
        #[arg(long, short, value_name = "FICHIER")]
        output: Option<PathBuf>,
    },
    /// Contrat d'engagement d'une personne (page A4 à imprimer et signer : identité,
    /// structure, plan d'action, engagements, signatures)
    Contrat {
        /// N° de dossier de la personne
        #[arg(long, value_name = "N°")]
        person: String,
        /// Fichier de sortie (par défaut : sortie standard)
        #[arg(long, short, value_name = "FICHIER")]
        output: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum CompteAction {
    /// Liste les comptes
    Liste,
    /// Ajoute un compte (le nouveau mot de passe est demandé deux fois)
    Ajouter {
        identifiant: String,
        /// Nom affiché (ex. « Claire Fontaine »)
        #[arg(long)]
        nom: String,
        /// Compte administrateur (comptes, journal d'audit, effacement)
        #[arg(long)]
        admin: bool,
    },
    /// Retire un compte : son mot de passe n'ouvre plus la base
    Supprimer { identifiant: String },
    /// Change le mot de passe du compte connecté
    MotDePasse,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    /// Données structurées (codes, dates ISO), tous les dossiers ou un seul
    Json,
    /// Page HTML lisible et imprimable du dossier complet d'une personne (--person)
    Document,
    /// Tableau pour Excel ou LibreOffice (--quoi personnes|rendez-vous|actions|sorties)
    Csv,
    /// Agenda iCalendar des rendez-vous (initiales et n° de dossier, sauf --avec-noms)
    Ics,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ImportFormat {
    /// Liste d'orientation : CSV, XLSX, XLS ou ODS
    Tableur,
    /// Ce qu'écrit « parcours export --format json » (un dossier ou toute la base)
    Json,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum RapportFormat {
    /// Tableaux alignés pour un terminal
    Texte,
    /// Pour Excel / LibreOffice (UTF-8 avec BOM, « ; », virgule décimale)
    Csv,
    /// Page HTML autonome imprimable en A4, avec graphiques
    Html,
}

/// Why a command failed: one French sentence, printed after « parcours : ».
#[derive(Debug, thiserror::Error)]
enum CliError {
    /// Already a French sentence (login, password reading, the app).
    #[error("{0}")]
    Message(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Auth(#[from] AuthError),
    #[error(transparent)]
    Export(#[from] ExportError),
    #[error(transparent)]
    Report(#[from] parcours::report::ReportError),
    #[error(transparent)]
    Server(#[from] ServerError),
    #[error("{0}")]
    App(Box<dyn std::error::Error>),
    #[error(
        "impossible de trouver le dossier de données de l'utilisateur ; utilisez --db FICHIER"
    )]
    NoDataDir,
    #[error("impossible de créer « {} » : {source}", .path.display())]
    Create {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("écriture sur la sortie standard impossible : {0}")]
    Stdout(std::io::Error),
    #[error("lecture de la réponse impossible : {0}")]
    Answer(std::io::Error),
    #[error("fichier des comptes : {0}")]
    AccountsCopy(std::io::Error),
    #[error("aucun dossier n° « {0} » dans cette base")]
    NoSuchFile(String),
    #[error("aucune base « {} » : lancez parcours sans commande pour la créer (premier compte), ou « parcours demo »", .0.display())]
    NoBase(PathBuf),
    #[error("aucun compte pour cette base : lancez parcours sans commande pour créer le premier")]
    NoAccounts,
    /// Random bytes to SQLite: maybe an encrypted base whose accounts file stayed behind
    /// (a copy of the .db alone).
    #[error("{source} Si c'est une base chiffrée, son fichier des comptes « {} » doit être à côté d'elle.", .accounts.display())]
    AccountsMissing {
        source: StoreError,
        accounts: PathBuf,
    },
    #[error("le nom affiché est vide : précisez --nom « Prénom Nom » (il apparaît en haut de l'écran et comme référent·e)")]
    EmptyName,
    #[error("le document se fait pour une personne : précisez --person N° (n° de dossier)")]
    DocumentNeedsPerson,
    #[error("confirmation impossible sans terminal : ajoutez --oui")]
    NeedsTerminal,
    #[error("restauration abandonnée : rien n'a été modifié")]
    RestoreAbandoned,
    #[error("effacement abandonné : rien n'a été modifié")]
    EraseAbandoned,
    #[error("restauration réservée aux administrateur·rices")]
    RestoreNotAdmin,
    #[error("l'effacement d'un dossier est réservé aux administrateur·rices")]
    EraseNotAdmin,
    #[error(
        "{0} problème(s) d'intégrité : restaurez une sauvegarde (la base n'a pas été modifiée)"
    )]
    Integrity(usize),
}

impl From<String> for CliError {
    fn from(msg: String) -> Self {
        CliError::Message(msg)
    }
}

type Result<T, E = CliError> = std::result::Result<T, E>;

fn main() -> ExitCode {
    // The shipped binary never reads a test hook: see src/bin/parcours-hooks.rs.
    start(TestHooks::default())
}

/// The command line, with the given test hooks (none for the shipped binary).
pub fn start(hooks: TestHooks) -> ExitCode {
    protect_process();
    let cli = Cli::parse();
    match run(cli, &hooks) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // Operating-system errors formatted deep down still reach the user in French.
            let msg = parcours::store::preflight::french_os_errors(&e.to_string());
            eprintln!("parcours : {msg}");
            ExitCode::FAILURE
        }
    }
}

/// Before anything else: what this process writes and holds stays its user's.
fn protect_process() {
    // SAFETY (both blocks): system calls with valid arguments and no pointer kept; they
    // cannot fail in a way that could be handled here.
    #[cfg(unix)]
    // Files created 0600 and folders 0700 (base, WAL, accounts file, exports, backups).
    unsafe {
        libc::umask(0o077);
    }
    // The memory holds names, notes and the database key: no core dump of it (a crash or a
    // signal would write it in clear to the disk), and no other process of the same user
    // may read it (not dumpable also refuses ptrace and /proc/PID/mem).
    #[cfg(target_os = "linux")]
    unsafe {
        let none = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        libc::prctl(libc::PR_SET_DUMPABLE, 0, 0, 0, 0);
        libc::setrlimit(libc::RLIMIT_CORE, &none);
    }
}

/// A password file others can read is a password others know: say so (it still works).
fn warn_if_shared(password_file: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(m) = std::fs::metadata(password_file) {
            let mode = m.permissions().mode() & 0o777;
            if mode & 0o044 != 0 {
                eprintln!(
                    "Attention : le fichier de mot de passe « {} » est lisible par d'autres utilisateurs de cet ordinateur (droits {mode:o}). Rendez-le privé : chmod 600 « {} ».",
                    password_file.display(),
                    password_file.display()
                );
            }
        }
    }
    #[cfg(not(unix))]
    let _ = password_file;
}

/// What every command on a database needs.
struct Ctx {
    path: PathBuf,
    clock: Clock,
    auth: Auth,
    /// `--db postgresql://…`: the commands that read and write through the store interface
    /// (export, document, import) work on the server, as the logged-in role.
    server: Option<String>,
}

struct Auth {
    compte: Option<String>,
    file: Option<PathBuf>,
}

fn run(mut cli: Cli, hooks: &TestHooks) -> Result<()> {
    if let Some(Command::Touches) = cli.command {
        return touches();
    }
    if let Some(Command::Structure) = cli.command {
        return structure();
    }
    clean_args(&mut cli)?;
    if let Some(f) = &cli.mot_de_passe_fichier {
        warn_if_shared(f);
    }
    if let Some(Command::Serveur { action }) = cli.command {
        return serveur(
            &cli.compte,
            cli.mot_de_passe_fichier.as_deref(),
            hooks,
            action,
        );
    }
    let server_url = server_url(&mut cli);
    if let Some(url) = &server_url {
        if !works_on_server(&cli.command) {
            return server_only(url, cli, hooks);
        }
    }
    let ctx = Ctx {
        path: match &server_url {
            Some(url) => PathBuf::from(url),
            None => db_path(cli.db)?,
        },
        clock: hooks.clock(),
        auth: Auth {
            compte: cli.compte,
            file: cli.mot_de_passe_fichier,
        },
        server: server_url,
    };
    match cli.command {
        None => parcours::tui::run(&ctx.path, ctx.clock, hooks.exit_after_first_frame)
            .map_err(CliError::App),
        Some(Command::Demo { persons, seed }) => demo(&ctx, persons, seed),
        Some(Command::Export {
            format: Format::Json | Format::Document,
            selection,
            ..
        }) if !selection.is_empty() => Err(CliError::Message(
            "--quoi, --referent, --dispositif, --du, --au et --avec-noms s'appliquent aux formats csv et ics : rien n'a été exporté".into(),
        )),
        Some(Command::Export {
            format: Format::Json,
            person,
            output,
            ..
        }) => export_json(&ctx, person, output),
        Some(Command::Export {
            format: Format::Document,
            person,
            output,
            ..
        }) => export_document(&ctx, person, output),
        Some(Command::Export {
            format,
            person,
            output,
            selection,
        }) => export_selection(&ctx, format == Format::Ics, person, &selection, output),
        Some(Command::Effacer {
            dossier,
            oui,
            supprimer_copies,
        }) => erase(&ctx, &dossier, oui, supprimer_copies),
        Some(Command::Rapport {
            du,
            au,
            annee,
            dispositif,
            referent,
            format,
            output,
        }) => rapport(
            &ctx,
            RapportArgs {
                du,
                au,
                annee,
                dispositif,
                referent,
                format,
            },
            output,
        ),
        Some(Command::Import {
            fichier,
            profil,
            simulation,
            oui,
            format,
        }) => import(&ctx, fichier, profil, simulation, oui, format),
        Some(Command::Document {
            kind: DocumentKind::Contrat { person, output },
        }) => contract_document(&ctx, &one_line(&person), output),
        Some(Command::Check) => check(&ctx),
        Some(Command::Touches) => touches(),
        Some(Command::Structure) => structure(),
        Some(Command::Compte { action }) => compte(&ctx, action),
        Some(Command::Backup { dest, garder }) => backup(&ctx, dest, garder),
        Some(Command::Restore { src, oui }) => restore(&ctx, &src, oui),
        Some(Command::Serveur { .. }) => unreachable!("handled before the database path"),
        Some(Command::Document {
            kind:
                DocumentKind::Eligibilite {
                    person,
                    structure,
                    output,
                },
        }) => document_eligibility(&ctx, &person, &structure, output),
    }
}

/// The commands that run on the shared server the same way as on the file (the others
/// go through [`on_server`]).
/// The base named by `--db`, `PARCOURS_DB` or, when neither names one, `serveur` in
/// `reglages.toml` (the team's server), when it is a server.
fn server_url(cli: &mut Cli) -> Option<String> {
    if cli.db.is_none() {
        cli.db = parcours::config::load_settings()
            .0
            .server
            .map(PathBuf::from);
    }
    cli.db
        .as_ref()
        .and_then(|p| p.to_str())
        .filter(|url| server::is_server_url(url))
        .map(str::to_string)
}

/// On the server, the commands with their own code there: the screen, accounts, backups,
/// the report (export, document and import share the file's, see [`works_on_server`]).
fn server_only(url: &str, cli: Cli, hooks: &TestHooks) -> Result<()> {
    if cli.command.is_none() {
        return parcours::tui::run_server(url, hooks.clock(), hooks.exit_after_first_frame)
            .map_err(CliError::App);
    }
    on_server(
        url,
        &cli.compte,
        cli.mot_de_passe_fichier.as_deref(),
        cli.command,
        hooks.clock(),
    )
}

fn works_on_server(command: &Option<Command>) -> bool {
    matches!(
        command,
        Some(Command::Export { .. } | Command::Document { .. } | Command::Import { .. })
    )
}

/// Text typed on the command line, cleaned as in a one-line form field (the same code):
/// control characters and escape sequences' ESC dropped (`compte liste` must not clear the
/// terminal), tabs and line breaks flattened to spaces, ends trimmed.
fn one_line(text: &str) -> String {
    parcours::app::input::TextInput::new(text, false)
        .text()
        .trim()
        .to_string()
}

/// Every text argument that is stored or shown back goes through [`one_line`] before use;
/// paths are left as given. An empty display name is refused before any password is asked.
fn clean_args(cli: &mut Cli) -> Result<()> {
    if let Some(c) = &mut cli.compte {
        *c = one_line(c);
    }
    match &mut cli.command {
        Some(Command::Compte {
            action: CompteAction::Ajouter {
                identifiant, nom, ..
            },
        }) => {
            *identifiant = one_line(identifiant);
            *nom = one_line(nom);
            if nom.is_empty() {
                return Err(CliError::EmptyName);
            }
        }
        Some(Command::Compte {
            action: CompteAction::Supprimer { identifiant },
        }) => *identifiant = one_line(identifiant),
        Some(Command::Export {
            person: Some(n), ..
        }) => *n = one_line(n),
        Some(Command::Effacer { dossier, .. }) => *dossier = one_line(dossier),
        _ => {}
    }
    Ok(())
}

/// The database path, a symbolic link resolved once (the accounts file goes beside the
/// real base).
fn db_path(cli_db: Option<PathBuf>) -> Result<PathBuf> {
    if let Some(p) = cli_db {
        return Ok(parcours::store::preflight::resolve(&p)?);
    }
    let p = config::default_db_path().ok_or(CliError::NoDataDir)?;
    if let Some(dir) = p.parent() {
        std::fs::create_dir_all(dir).map_err(|source| CliError::Create {
            path: dir.to_path_buf(),
            source,
        })?;
    }
    Ok(parcours::store::preflight::resolve(&p)?)
}

/// Writes to standard output; a reader that went away (`| head`) is not an error
/// (`println!` would panic there).
fn print_stdout(text: &str) -> Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(CliError::Stdout(e)),
        _ => Ok(()),
    }
}

/// Asks a question on the terminal and returns the line typed (`--oui` skips this).
fn ask(question: &str) -> Result<String> {
    if !std::io::stdin().is_terminal() {
        return Err(CliError::NeedsTerminal);
    }
    eprint!("{question}");
    let mut answer = String::new();
    std::io::stdin()
        .read_line(&mut answer)
        .map_err(CliError::Answer)?;
    Ok(answer)
}

/// The file an export writes (`-o`), readable by its owner only: a file that was there
/// before is made private again (a device such as /dev/null is left as it is).
fn create_output(file: &Path) -> Result<std::fs::File> {
    let create = |source| CliError::Create {
        path: file.to_path_buf(),
        source,
    };
    let f = document::create_private(file).map_err(create)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if f.metadata().map_err(create)?.is_file() {
            f.set_permissions(std::fs::Permissions::from_mode(0o600))
                .map_err(create)?;
        }
    }
    Ok(f)
}

/// The referential, its override's warning (if any) on standard error.
fn referential() -> parcours::domain::Referential {
    let (rf, warning) = config::load_referential();
    if let Some(w) = warning {
        eprintln!("{w}");
    }
    rf
}

/// `touches`: the default key bindings, as a template for touches.toml (needs no database).
fn touches() -> Result<()> {
    print!("{}", parcours::app::keys::defaults_as_toml());
    if let Some(dir) = config::config_dir() {
        eprintln!(
            "Pour changer une touche : copiez les lignes voulues dans {}",
            dir.join(config::KEYS_FILE).display()
        );
    }
    Ok(())
}

/// `structure`: the effective structure settings and where they come from (needs no
/// database). A bad file's warnings go to standard error; the command still succeeds.
fn structure() -> Result<()> {
    use parcours::structure;
    let rf = referential();
    let (st, warning) = structure::load();
    if let Some(w) = warning {
        eprintln!("{w}");
    }
    for w in st.unknown_dispositifs(&rf) {
        eprintln!("{w}");
    }
    let mut out = st.describe(&rf);
    match structure::path() {
        Some(p) if p.exists() => out.push_str(&format!("Fichier : {}\n", p.display())),
        Some(p) => out.push_str(&format!(
            "Fichier : {} (absent ; modèle ci-dessous)\n\n{}",
            p.display(),
            structure::TEMPLATE
        )),
        None => out.push_str("Fichier : aucun dossier de configuration trouvé\n"),
    }
    print_stdout(&out)
}

/// `demo`: fictitious people added to the base (a new base gets a demo account).
fn demo(ctx: &Ctx, persons: usize, seed: u64) -> Result<()> {
    // Before the first connection of the process (see the function).
    Store::skip_sqlite_memory_statistics();
    let path = &ctx.path;
    let mut store = if session::db_state(path) == session::DbState::New {
        // A new demo database gets a demo account whose password is printed.
        let password = session::random_password();
        let s = session::create_first_account(
            path,
            ctx.clock.clone(),
            "demo",
            "Compte de démonstration",
            &password,
        )?;
        println!(
            "Compte de démonstration : identifiant « demo », mot de passe « {} »",
            password.as_str()
        );
        s.store
    } else {
        let mut opened = open_any(ctx)?;
        opened.audit_login()?;
        opened.into_store()?
    };
    let rf = referential();
    let started = std::time::Instant::now();
    // One transaction for all (the write path's statements, prepared once): 100 000 people
    // in seconds rather than minutes. The files are generated on a second thread while they
    // are inserted (the same files in the same order: one generator, one stream), a few
    // hundred ahead at most, in batches (one wake-up of the other thread per batch).
    let now = ctx.clock.now();
    let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<_>>(4);
    let generator = std::thread::spawn(move || {
        let mut files = demo::files(&rf, seed, now).take(persons).peekable();
        while files.peek().is_some() {
            if tx.send(files.by_ref().take(64).collect()).is_err() {
                break; // the insert stopped (an error): nothing more to make
            }
        }
    });
    let done = store.insert_files_bulk(rx.into_iter().flatten(), |_| {});
    let _ = generator.join();
    let done = done?;
    eprintln!(
        "{done} personnes fictives créées dans {} ({:.1} s)",
        path.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// `import FICHIER [--profil NOM] [--simulation] [--oui]`. The file is read and its
/// columns checked before the base is even opened: a file refused leaves it untouched.
fn import(
    ctx: &Ctx,
    file: Option<PathBuf>,
    profil: Option<String>,
    simulation: bool,
    oui: bool,
    format: ImportFormat,
) -> Result<()> {
    use parcours::import;
    let dir = import::profile::profiles_dir();
    let Some(file) = file else {
        if profil.as_deref() == Some("") {
            return import_profiles(dir.as_deref());
        }
        return Err(CliError::Message(
            "précisez le fichier à importer : parcours import FICHIER".into(),
        ));
    };
    if format == ImportFormat::Json {
        return import_json(ctx, &file, simulation, oui);
    }
    let name = profil.as_deref().filter(|p| !p.trim().is_empty());
    let profile = import::profile::load(dir.as_deref(), name).map_err(|e| e.to_string())?;
    let refused = |e: import::ImportError| CliError::Message(format!("{e} ; rien n'a été importé"));
    let sheet = import::read_file(&file, &profile).map_err(refused)?;
    import::columns(&sheet, &profile).map_err(refused)?;
    let mut opened = open_any(ctx)?;
    let plan = {
        let store = opened.backend();
        import::plan(
            &sheet,
            &profile,
            parcours::store::read(store, parcours::store::imports::candidates_on)?,
            &import::file_name(&file),
            store.clock().today(),
        )
        .map_err(refused)?
    };
    drop(sheet);
    import_plan(&mut opened, &file, &plan, simulation, oui)
}

/// `import --format json FICHIER`: an export of parcours, read and checked before the base
/// is opened.
fn import_json(ctx: &Ctx, file: &Path, simulation: bool, oui: bool) -> Result<()> {
    use parcours::import;
    let refused = |e: import::ImportError| CliError::Message(format!("{e} ; rien n'a été importé"));
    let bytes = std::fs::read(file).map_err(|e| {
        refused(import::ImportError::Io(
            file.to_path_buf(),
            parcours::store::preflight::os_error_fr(&e),
        ))
    })?;
    let files = import::json::read(&bytes).map_err(refused)?;
    drop(bytes);
    let mut opened = open_any(ctx)?;
    let known = parcours::store::read(opened.backend(), parcours::store::imports::candidates_on)?;
    let plan = import::json::plan(files, known, &import::file_name(file));
    import_plan(&mut opened, file, &plan, simulation, oui)
}

/// The preview on standard output, then (unless `--simulation`) the import after
/// confirmation, in one transaction.
fn import_plan(
    opened: &mut Opened,
    file: &Path,
    plan: &parcours::import::Plan,
    simulation: bool,
    oui: bool,
) -> Result<()> {
    use parcours::import;
    let mut out = format!("{} — {}\n", import::file_name(file), plan.format);
    for line in plan.details() {
        out.push_str(&line);
        out.push('\n');
    }
    print_stdout(&out)?;
    if simulation {
        eprintln!("Simulation : rien n'a été importé.");
        return Ok(());
    }
    if plan.batch.is_empty() {
        eprintln!("Rien à importer : la base a déjà tout ce que contient ce fichier.");
        return Ok(());
    }
    if !oui
        && !ask("Importer ? Tapez « oui » pour confirmer : ")?
            .trim()
            .eq_ignore_ascii_case("oui")
    {
        return Err(CliError::Message(
            "import abandonné : rien n'a été modifié".into(),
        ));
    }
    opened.audit_login()?;
    let started = std::time::Instant::now();
    let ids = opened.import_batch(&plan.batch, &mut |done, total| {
        // Only long imports say how far they are.
        if done < total && started.elapsed().as_millis() > 500 {
            eprintln!("Import : {done} / {total}…");
        }
    })?;
    eprintln!(
        "Import terminé : {} personne(s) créée(s), {} dossier(s) complété(s) ({:.1} s).",
        ids.len(),
        plan.updated,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// `import --profil`: the import profiles, the embedded default first.
fn import_profiles(dir: Option<&Path>) -> Result<()> {
    let mut out = String::new();
    for p in parcours::import::profile::list(dir) {
        match p {
            Ok(p) => out.push_str(&format!("{:<16} {}\n", p.name, p.label)),
            Err(e) => out.push_str(&format!("{e}\n")),
        }
    }
    if let Some(d) = dir {
        out.push_str(&format!(
            "Pour ajouter un profil : un fichier NOM.toml dans {} (modèle : le profil « defaut » ci-dessus, voir README « Import »)\n",
            d.display()
        ));
    }
    print_stdout(&out)
}

/// The internal id of the person with this n° de dossier.
fn person_id(store: &dyn Backend, dossier: &str) -> Result<parcours::domain::Id> {
    parcours::store::read(store, |db| {
        parcours::store::exports::person_id_by_dossier_on(db, dossier)
    })?
    .ok_or_else(|| CliError::NoSuchFile(dossier.to_string()))
}

/// `export --format json [--person N°] [-o FICHIER]`.
fn export_json(ctx: &Ctx, person: Option<String>, output: Option<PathBuf>) -> Result<()> {
    let mut opened = open_any(ctx)?;
    let store = opened.backend();
    let ids = match &person {
        Some(n) => Some(vec![person_id(store, n)?]),
        None => None,
    };
    // The audit log records that an export was made (and of whom), not what.
    let audited = ids.as_ref().and_then(|v| v.first().copied());
    let written = match &output {
        Some(file) => {
            let f = create_output(file)?;
            export::write_json(store, ids.as_deref(), std::io::BufWriter::new(f))
        }
        None => {
            let stdout = std::io::stdout().lock();
            export::write_json(store, ids.as_deref(), std::io::BufWriter::new(stdout))
        }
    };
    opened.audit_export(&written, audited, output.as_deref())?;
    match written {
        Ok(count) => {
            eprintln!("{count} dossier(s) exporté(s)");
            Ok(())
        }
        // The reader stopped early (`| head`): nothing went wrong on our side.
        Err(e) if e.is_broken_pipe() => Ok(()),
        Err(e) => Err(e.into()),
    }
}

/// `export --format document --person N°`: the readable document of one person's file.
/// The filters and format of `rapport`, as typed.
struct RapportArgs {
    du: Option<String>,
    au: Option<String>,
    annee: Option<String>,
    dispositif: Option<String>,
    referent: Option<String>,
    format: RapportFormat,
}

/// `rapport`: the period and filters are checked before the base is opened (dates) and
/// right after (dispositif, référent·e); the report is audited like an export (no person).
fn rapport(ctx: &Ctx, args: RapportArgs, output: Option<PathBuf>) -> Result<()> {
    let mut opened = open_any(ctx)?;
    let store = opened.store()?;
    let written = write_report(
        &args,
        ctx.clock.today(),
        &store.report_referents()?,
        |p| store.report_cohort(p),
        output.as_deref(),
    )?;
    opened.audit_export(&written, None, output.as_deref())?;
    report_outcome(written)
}

/// `rapport` with `--db postgresql://…`: the same report from the shared server, read in
/// one snapshot as the logged-in role, the export audited there.
fn rapport_server(
    url: &str,
    user: Option<&str>,
    file: Option<&Path>,
    clock: Clock,
    args: RapportArgs,
    output: Option<PathBuf>,
) -> Result<()> {
    let pw = server_password(url, user, file)?;
    let store = server::ServerStore::open(
        url,
        &server::Credentials {
            user,
            password: pw.as_ref().map(|p| p.as_str()),
        },
        clock.clone(),
    )?;
    let written = write_report(
        &args,
        clock.today(),
        &store.report_referents()?,
        |p| store.report_cohort(p),
        output.as_deref(),
    )?;
    if written.is_ok() {
        store.audit(parcours::store::audit::actions::EXPORT, None)?;
    }
    report_outcome(written)
}

/// The report of `args`' period from `cohort`, checked against the base's `referents`,
/// written to `output` (or stdout): whether the period was empty, or why it was not written.
fn write_report(
    args: &RapportArgs,
    today: chrono::NaiveDate,
    referents: &[String],
    cohort: impl FnOnce(&parcours::report::Period) -> parcours::store::Result<parcours::report::Cohort>,
    output: Option<&Path>,
) -> Result<std::result::Result<bool, ExportError>> {
    use parcours::report;
    let mut period = report::Period::from_args(
        args.du.as_deref(),
        args.au.as_deref(),
        args.annee.as_deref(),
        today,
    )?;
    let clean = |s: &Option<String>| s.as_deref().map(one_line).filter(|s| !s.is_empty());
    period.dispositif = clean(&args.dispositif);
    period.referent = clean(&args.referent);
    let rf = referential();
    let (structure, warning) = parcours::structure::load();
    if let Some(w) = warning {
        eprintln!("{w}");
    }
    report::check_filters(&period, &rf, referents)?;
    let file = match output {
        Some(path) => Some(create_output(path)?),
        None => None,
    };
    let read = cohort(&period).map_err(ExportError::from).map(|cohort| {
        report::compute(&cohort, &period, &rf).with_structure(&cohort, &structure, &rf)
    });
    Ok(read.and_then(|r| {
        let write = |w: &mut dyn std::io::Write| -> std::io::Result<()> {
            match args.format {
                RapportFormat::Texte => w.write_all(report::render::text(&r).as_bytes()),
                RapportFormat::Html => w.write_all(report::render::html(&r).as_bytes()),
                RapportFormat::Csv => report::render::csv(&r, &mut *w),
            }?;
            w.flush()
        };
        match file {
            Some(f) => {
                let mut w = std::io::BufWriter::new(f);
                write(&mut w)?;
                w.into_inner().map_err(|e| e.into_error())?.sync_all()?;
            }
            None => write(&mut std::io::BufWriter::new(std::io::stdout().lock()))?,
        }
        Ok(r.empty)
    }))
}

/// What `rapport` says once the report is written (or not).
fn report_outcome(written: std::result::Result<bool, ExportError>) -> Result<()> {
    match written {
        Ok(empty) => {
            if empty {
                eprintln!("Période sans données : le rapport le dit.");
            }
            Ok(())
        }
        Err(e) if e.is_broken_pipe() => Ok(()),
        Err(e) => Err(e.into()),
    }
}

/// `document contrat --person N° [-o FICHIER]`: the contract of the person's current suivi.
fn contract_document(ctx: &Ctx, dossier: &str, output: Option<PathBuf>) -> Result<()> {
    let (structure, warning) = parcours::structure::load();
    if let Some(w) = warning {
        eprintln!("{w}");
    }
    let mut opened = open_any(ctx)?;
    let store = opened.backend();
    let id = person_id(store, dossier)?;
    let rf = referential();
    // Checked before any file is created: no empty file for a person without suivi.
    if store.person_file(id)?.suivis.is_empty() {
        return Err(CliError::Message(parcours::contract_doc::NO_SUIVI.into()));
    }
    let written = match &output {
        Some(file) => {
            let f = create_output(file)?;
            parcours::contract_doc::write_contract(
                store,
                &rf,
                &structure,
                id,
                std::io::BufWriter::new(f),
            )
        }
        None => {
            let stdout = std::io::stdout().lock();
            parcours::contract_doc::write_contract(
                store,
                &rf,
                &structure,
                id,
                std::io::BufWriter::new(stdout),
            )
        }
    };
    opened.audit_export(&written, Some(id), output.as_deref())?;
    printed_outcome(
        written,
        output.as_deref(),
        &format!("Contrat du dossier n° {dossier}"),
        "à imprimer, puis à supprimer",
    )
}

fn export_document(ctx: &Ctx, person: Option<String>, output: Option<PathBuf>) -> Result<()> {
    let Some(n) = person else {
        return Err(CliError::DocumentNeedsPerson);
    };
    let mut opened = open_any(ctx)?;
    let store = opened.backend();
    let id = person_id(store, &n)?;
    let rf = referential();
    let written = match &output {
        Some(file) => {
            let f = create_output(file)?;
            document::write_document(store, &rf, id, std::io::BufWriter::new(f))
        }
        None => {
            let stdout = std::io::stdout().lock();
            document::write_document(store, &rf, id, std::io::BufWriter::new(stdout))
        }
    };
    opened.audit_export(&written, Some(id), output.as_deref())?;
    printed_outcome(
        written,
        output.as_deref(),
        &format!("Document du dossier n° {n}"),
        "à imprimer ou remettre, puis à supprimer",
    )
}

/// What a command writing a page to print says once it is written: where it went and that
/// it is not encrypted (`what` it is, `advice` on what to do with it); a closed pipe is no
/// error.
fn printed_outcome(
    written: std::result::Result<(), ExportError>,
    output: Option<&Path>,
    what: &str,
    advice: &str,
) -> Result<()> {
    match written {
        Ok(()) => {
            if let Some(file) = output {
                eprintln!(
                    "{what} écrit dans {} (non chiffré : {advice})",
                    file.display()
                );
            }
            Ok(())
        }
        Err(e) if e.is_broken_pipe() => Ok(()),
        Err(e) => Err(e.into()),
    }
}

/// `document eligibilite --person N° [--structure TYPE] [-o FICHIER]`: the one-page summary
/// of the person's IAE eligibility, audited as an export of that person.
fn document_eligibility(
    ctx: &Ctx,
    person: &str,
    structure: &str,
    output: Option<PathBuf>,
) -> Result<()> {
    use parcours::domain::eligibility::StructureKind;
    let Some(kind) = StructureKind::from_code(structure) else {
        return Err(CliError::Message(format!(
            "type de structure inconnu « {} » : aci, ei, eiti, ai ou etti",
            one_line(structure)
        )));
    };
    let mut opened = open_any(ctx)?;
    let store = opened.backend();
    let id = person_id(store, person)?;
    let rf = referential();
    let write = |w: &mut dyn std::io::Write| {
        parcours::eligibility_document::write_latest(store, &rf, id, kind, w)
    };
    let written = match &output {
        Some(file) => {
            let f = create_output(file)?;
            let mut w = std::io::BufWriter::new(f);
            write(&mut w).and_then(|()| {
                w.into_inner()
                    .map_err(|e| ExportError::Io(e.into_error()))?
                    .sync_all()?;
                Ok(())
            })
        }
        None => write(&mut std::io::BufWriter::new(std::io::stdout().lock())),
    };
    opened.audit_export(&written, Some(id), output.as_deref())?;
    printed_outcome(
        written,
        output.as_deref(),
        &format!(
            "Diagnostic d'éligibilité du dossier n° {}",
            one_line(person)
        ),
        "à imprimer, puis à supprimer",
    )
}

/// `export --format csv|ics [--quoi …] [--referent ID] [--dispositif CODE] [--du …] [--au …]`
/// (src/export/): the options are checked before any file is created.
fn export_selection(
    ctx: &Ctx,
    ics: bool,
    person: Option<String>,
    args: &export::selection::SelectionArgs,
    output: Option<PathBuf>,
) -> Result<()> {
    use export::selection::Target;
    if person.is_some() {
        return Err(CliError::Message("--person s'applique aux formats json et document ; les exports csv et ics se filtrent par --referent, --dispositif, --du et --au".into()));
    }
    let mut opened = open_any(ctx)?;
    let rf = referential();
    let target = if ics { Target::Ics } else { Target::Csv };
    let sel = args.resolve(target, opened.backend(), &rf)?;
    let store = opened.backend();
    let written = match &output {
        Some(file) => export::write_selection(
            store,
            &rf,
            &sel,
            std::io::BufWriter::new(create_output(file)?),
        ),
        None => export::write_selection(
            store,
            &rf,
            &sel,
            std::io::BufWriter::new(std::io::stdout().lock()),
        ),
    };
    opened.audit_after_read(&written, None)?;
    // Names left the base even if the reader stopped early (`| head`).
    if sel.with_names
        && written
            .as_ref()
            .map_or_else(|e| e.is_broken_pipe(), |_| true)
    {
        match &opened {
            Opened::Encrypted(s) => s.store.audit(export::AUDIT_EXPORT_WITH_NAMES, None)?,
            Opened::Server(s) => s.audit(export::AUDIT_EXPORT_WITH_NAMES, None)?,
            Opened::Plain(_) => {}
        }
    }
    match written {
        Ok(n) => {
            match sel.target {
                Target::Ics => eprintln!("{n} rendez-vous exporté(s)"),
                Target::Csv => eprintln!("{n} ligne(s) exportée(s) ({})", sel.what.word()),
            }
            Ok(())
        }
        Err(e) if e.is_broken_pipe() => Ok(()),
        Err(e) => Err(e.into()),
    }
}

/// `effacer N°`: erases a person everywhere (admin only), after retyping the n° de dossier.
fn erase(ctx: &Ctx, dossier: &str, oui: bool, delete_copies: bool) -> Result<()> {
    let mut opened = open_any(ctx)?;
    opened.audit_login()?;
    if !opened.account().is_some_and(session::is_admin) {
        return Err(CliError::EraseNotAdmin);
    }
    let mut store = opened.into_store()?;
    let id = person_id(&store, dossier)?;
    if !oui {
        if !std::io::stdin().is_terminal() {
            return Err(CliError::NeedsTerminal);
        }
        let name = store.person_file(id).map(|f| f.person.display_name())?;
        let answer = ask(&format!(
            "Effacer définitivement le dossier n° {dossier} ({name}) et toutes ses données ? Rien ne pourra être annulé. Retapez le n° de dossier pour confirmer : "
        ))?;
        if answer.trim() != dossier.trim() {
            return Err(CliError::EraseAbandoned);
        }
    }
    let erased = store.erase_person(id)?;
    println!("Dossier n° {dossier} effacé : ses données ont quitté la base.");
    if !erased.compacted {
        println!("Un autre poste a la base ouverte : le nettoyage du fichier se terminera quand parcours sera fermé sur tous les postes.");
    }
    erase_copies(&ctx.path, oui, delete_copies)
}

/// After an erasure: the copies of the base made before it still hold the person. Lists
/// them with their date and offers to delete them.
fn erase_copies(path: &Path, oui: bool, delete: bool) -> Result<()> {
    use std::io::IsTerminal;
    let copies = parcours::store::old_copies(path);
    if copies.is_empty() {
        println!("Aucune copie de la base faite avant cet effacement n'a été trouvée à côté d'elle. Les sauvegardes rangées ailleurs (clé USB, serveur) contiennent encore ce dossier.");
        return Ok(());
    }
    println!("Ces copies de la base, faites avant cet effacement, contiennent encore ce dossier :");
    for c in &copies {
        let when = c
            .modified
            .map(|d| d.format("%d/%m/%Y %H:%M").to_string())
            .unwrap_or_else(|| "date inconnue".into());
        println!("  {} ({when})", c.path.display());
    }
    println!("Les sauvegardes rangées ailleurs (clé USB, serveur) le contiennent aussi.");
    let mut go = delete;
    if !go && !oui && std::io::stdin().is_terminal() {
        eprint!("Supprimer ces {} copies ? Tapez oui : ", copies.len());
        let mut answer = String::new();
        std::io::stdin()
            .read_line(&mut answer)
            .map_err(|e| e.to_string())?;
        go = answer.trim().eq_ignore_ascii_case("oui");
    }
    if !go {
        println!("Copies gardées : supprimez-les quand elles ne sont plus utiles (ou relancez avec --supprimer-copies).");
        return Ok(());
    }
    let failed = parcours::store::delete_copies(&copies);
    for (p, e) in &failed {
        eprintln!("  impossible de supprimer {} : {e}", p.display());
    }
    println!("{} copie(s) supprimée(s).", copies.len() - failed.len());
    if failed.is_empty() {
        Ok(())
    } else {
        Err(CliError::Message(format!(
            "{} copie(s) n'ont pas pu être supprimées",
            failed.len()
        )))
    }
}

const BACKUPS_KEEP_OLD_KEY: &str = "Les sauvegardes faites avant ce changement gardent l'ancienne clé : elles s'ouvrent encore avec le fichier des comptes posé à côté d'elles (anciens comptes et anciens mots de passe). Supprimez-les ou gardez-les en lieu sûr.";

/// Shown while a key rotation takes more than a second.
fn rotation_progress(elapsed: std::time::Duration, bytes: u64) {
    eprint!(
        "\rRechiffrement de la base ({} Mo) : {} s…",
        bytes / (1024 * 1024),
        elapsed.as_secs()
    );
    use std::io::Write;
    let _ = std::io::stderr().flush();
}

fn end_progress(r: &session::Rotation) {
    if r.elapsed.as_secs() >= 1 {
        eprintln!();
    }
}

/// `check`: integrity, schema version and row counts.
fn check(ctx: &Ctx) -> Result<()> {
    let mut opened = open_any(ctx)?;
    let store = opened.store()?;
    let problems = store.integrity_problems()?;
    let version = store.schema_version()?;
    let mut report = format!(
        "Base : {}\nSchéma : version {version} (cette version de parcours : {})\n",
        ctx.path.display(),
        parcours::store::schema::LATEST
    );
    for (table, n) in store.table_counts()? {
        report.push_str(&format!("  {table:<18} {n:>9} lignes\n"));
    }
    if problems.is_empty() {
        report.push_str("Intégrité : OK\n");
    }
    for p in &problems {
        report.push_str(&format!("  problème : {p}\n"));
    }
    // The login goes in the audit log only once the base is known to be sound:
    // nothing is written into a damaged base.
    if problems.is_empty() {
        opened.audit_login()?;
    }
    print_stdout(&report)?;
    if problems.is_empty() {
        Ok(())
    } else {
        Err(CliError::Integrity(problems.len()))
    }
}

/// `backup [DESTINATION] [--garder N]`: a verified copy, the oldest ones rotated out.
fn backup(ctx: &Ctx, dest: Option<PathBuf>, garder: usize) -> Result<()> {
    let mut opened = open_any(ctx)?;
    let r = opened.store()?.backup(dest.as_deref(), garder)?;
    // After the copy: a backup refused (damaged base) wrote nothing into the base.
    opened.audit_login()?;
    let rows: i64 = r.counts.iter().map(|(_, n)| n).sum();
    println!(
        "Sauvegarde vérifiée : {} ({} Ko, {} lignes, intégrité OK)",
        r.path.display(),
        r.bytes / 1024,
        rows
    );
    for old in r.removed {
        println!("  ancienne sauvegarde supprimée : {}", old.display());
    }
    println!("Pensez à copier cette sauvegarde hors du poste (clé USB chiffrée, serveur de la structure).");
    Ok(())
}

/// `restore SAUVEGARDE [--oui]`: the backup replaces the base (kept aside), admin only.
fn restore(ctx: &Ctx, src: &Path, oui: bool) -> Result<()> {
    let path = &ctx.path;
    if !oui {
        let answer = ask(&format!(
            "Remplacer la base « {} » par la sauvegarde « {} » ? La base actuelle sera mise de côté. Tapez oui : ",
            path.display(),
            src.display()
        ))?;
        if answer.trim().to_lowercase() != "oui" {
            return Err(CliError::RestoreAbandoned);
        }
    }
    // The key comes from the current accounts (or the backup's, if the base is gone):
    // a database keeps one key for life, so either opens the backup.
    let key = if Keyring::exists(path) || Keyring::exists(src) {
        let ring_db = if Keyring::exists(path) { path } else { src };
        let mut ring = Keyring::load(ring_db)?;
        let login = match &ctx.auth.compte {
            Some(c) => c.clone(),
            None => ring
                .accounts()
                .first()
                .map(|a| a.login.clone())
                .unwrap_or_default(),
        };
        let pw = read_secret(
            &format!("Mot de passe de {login} : "),
            ctx.auth.file.as_deref(),
        )?;
        let (key, account) = ring.unlock(&login, &pw, ctx.clock.now())?;
        if account.role != Role::Admin {
            return Err(CliError::RestoreNotAdmin);
        }
        Some((key, account.login))
    } else {
        None
    };
    let (key, actor) = match key {
        Some((k, a)) => (Some(k), a),
        None => (None, String::new()),
    };
    // A backup made before a key rotation keeps the key of its day: it is read with the
    // accounts file beside it (same account and password as then) and re-encrypted under
    // the base's current key.
    let src_key = match &key {
        Some(k) if !parcours::store::opens_with(src, k) && Keyring::exists(src) => {
            let pw = read_secret(
                &format!("Mot de passe de {actor} à la date de la sauvegarde : "),
                ctx.auth.file.as_deref(),
            )?;
            let (old, _) = Keyring::load(src)
                .and_then(|mut r| r.unlock(&actor, &pw, ctx.clock.now()))
                .map_err(|e| {
                    CliError::Message(format!(
                        "sauvegarde faite avant un changement de clé, avec son propre fichier des comptes : {e}"
                    ))
                })?;
            Some(old)
        }
        _ => None,
    };
    let aside = parcours::store::restore_rekeyed(
        src,
        src_key.as_ref().or(key.as_ref()),
        path,
        ctx.clock.now(),
        key.as_ref(),
        &actor,
    )?;
    if !Keyring::exists(path) && Keyring::exists(src) {
        std::fs::copy(keyring_path(src), keyring_path(path)).map_err(CliError::AccountsCopy)?;
    }
    println!("Sauvegarde remise en place dans {}", path.display());
    if aside.exists() {
        println!("L'ancienne base est conservée : {}", aside.display());
    }
    Ok(())
}

/// What a file-only operation says if it ever meets the server.
const ONLY_A_FILE: &str = "cette opération demande un fichier local (--db FICHIER) : elle ne se fait pas encore sur le serveur partagé";

/// A database opened for a command.
enum Opened {
    /// With an account: the login is not in the audit log until [`Opened::audit_login`].
    Encrypted(session::Session),
    /// A plain base made before accounts existed: no account, no audit log entries.
    Plain(Store),
    /// The shared server, logged in as one staff member: the server signs the audit
    /// entries with that role and enforces its rights.
    Server(server::ServerStore),
}

impl Opened {
    /// The local file, for the commands that only a file has (check, backup, erasure…):
    /// those never open the server ([`works_on_server`]).
    fn store(&self) -> Result<&Store> {
        match self {
            Opened::Encrypted(s) => Ok(&s.store),
            Opened::Plain(store) => Ok(store),
            Opened::Server(_) => Err(CliError::Message(ONLY_A_FILE.into())),
        }
    }

    fn into_store(self) -> Result<Store> {
        match self {
            Opened::Encrypted(s) => Ok(s.store),
            Opened::Plain(store) => Ok(store),
            Opened::Server(_) => Err(CliError::Message(ONLY_A_FILE.into())),
        }
    }

    /// The store, whichever its backend.
    fn backend(&self) -> &dyn Backend {
        match self {
            Opened::Encrypted(s) => &s.store,
            Opened::Plain(store) => store,
            Opened::Server(store) => store,
        }
    }

    /// Writes an import in one transaction, on the file or on the server.
    fn import_batch(
        &mut self,
        batch: &parcours::store::imports::ImportBatch,
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<Vec<parcours::domain::Id>> {
        Ok(match self {
            Opened::Encrypted(s) => s.store.import_batch(batch, progress)?,
            Opened::Plain(store) => store.import_batch(batch, progress)?,
            Opened::Server(store) => store.import_batch(batch, progress)?,
        })
    }

    fn account(&self) -> Option<&Account> {
        match self {
            Opened::Encrypted(s) => Some(&s.account),
            Opened::Plain(_) | Opened::Server(_) => None,
        }
    }

    /// Writes the login in the audit log (once); a plain base has no accounts to audit,
    /// the server logs its connections itself.
    fn audit_login(&mut self) -> Result<()> {
        match self {
            Opened::Encrypted(s) => Ok(s.audit_login()?),
            Opened::Plain(_) | Opened::Server(_) => Ok(()),
        }
    }

    /// [`Opened::audit_after_read`] for an export written to `file` (`-o`): when the audit
    /// cannot be written, the file is removed, so that no export exists without its entry.
    fn audit_export<T>(
        &mut self,
        read: &Result<T, ExportError>,
        person: Option<parcours::domain::Id>,
        file: Option<&Path>,
    ) -> Result<()> {
        let audited = self.audit_after_read(read, person);
        if let (Err(_), Some(f)) = (&audited, file) {
            let _ = std::fs::remove_file(f);
        }
        audited
    }

    /// After an export's reads: the login and the export (of whom, never what) go in the
    /// audit log, unless the reads found the base damaged, which is left as it was.
    fn audit_after_read<T>(
        &mut self,
        read: &Result<T, ExportError>,
        person: Option<parcours::domain::Id>,
    ) -> Result<()> {
        use StoreError as E;
        if let Err(ExportError::Store(
            E::Corrupt(..) | E::NotADatabase(_) | E::WrongKey(_) | E::Sqlite(_),
        )) = read
        {
            return Ok(());
        }
        self.audit_login()?;
        match self {
            Opened::Encrypted(s) => s
                .store
                .audit(parcours::store::audit::actions::EXPORT, person)?,
            Opened::Server(s) => s.audit(parcours::store::audit::actions::EXPORT, person)?,
            Opened::Plain(_) => {}
        }
        Ok(())
    }
}

/// Opens the database for a command: with an account when the base has accounts; a plain
/// base made before accounts existed opens as is (with a warning) so it can still be checked,
/// exported or backed up. Nothing is written yet: see [`Opened::audit_login`].
fn open_any(ctx: &Ctx) -> Result<Opened> {
    if let Some(url) = &ctx.server {
        return open_server(url, ctx);
    }
    let opened = open_any_inner(ctx)?;
    if opened.store()?.is_read_only() {
        eprintln!(
            "Attention : « {} » est en lecture seule (droits du fichier ou de son dossier, ou support non modifiable) : consultation seulement ; rien n'y est écrit, pas même au journal d'audit. Pour y travailler, faites-la rendre modifiable.",
            ctx.path.display()
        );
    }
    Ok(opened)
}

fn open_any_inner(ctx: &Ctx) -> Result<Opened> {
    let path = &ctx.path;
    match session::db_state(path) {
        session::DbState::Accounts => Ok(Opened::Encrypted(login(ctx)?)),
        session::DbState::Plain => {
            let store = Store::open(path, ctx.clock.clone()).map_err(|e| match e {
                StoreError::NotADatabase(_) => CliError::AccountsMissing {
                    source: e,
                    accounts: keyring_path(path),
                },
                e => e.into(),
            })?;
            eprintln!(
                "Attention : cette base n'est pas chiffrée. Lancez parcours sans commande pour créer le premier compte : la base sera chiffrée."
            );
            Ok(Opened::Plain(store))
        }
        session::DbState::New => {
            // A missing folder says so (and how to choose another file).
            parcours::store::preflight::check(path, true)?;
            Err(CliError::NoBase(path.clone()))
        }
    }
}

/// The server at `url`, logged in with `--compte` (or the URL's user) and the password of
/// `--mot-de-passe-fichier`, the URL or `PGPASSWORD` (else asked), as `rapport` does.
fn open_server(url: &str, ctx: &Ctx) -> Result<Opened> {
    let user = ctx.auth.compte.as_deref();
    let pw = server_password(url, user, ctx.auth.file.as_deref())?;
    Ok(Opened::Server(server::ServerStore::open(
        url,
        &server::Credentials {
            user,
            password: pw.as_ref().map(|p| p.as_str()),
        },
        ctx.clock.clone(),
    )?))
}

/// The command-line login (`--compte`, `--mot-de-passe-fichier`), not audited yet.
fn login(ctx: &Ctx) -> Result<session::Session> {
    Ok(session::cli_login(
        &ctx.path,
        ctx.clock.clone(),
        ctx.auth.compte.as_deref(),
        ctx.auth.file.as_deref(),
    )?)
}

/// `compte liste | ajouter | supprimer | mot-de-passe`, after an audited login.
fn compte(ctx: &Ctx, action: CompteAction) -> Result<()> {
    if session::db_state(&ctx.path) != session::DbState::Accounts {
        return Err(CliError::NoAccounts);
    }
    let mut s = login(ctx)?;
    if s.store.is_read_only() {
        // The accounts go with the base: neither changes while it is read-only.
        return Err(StoreError::ReadOnly(ctx.path.clone()).into());
    }
    s.audit_login()?;
    let mut ring = Keyring::load(&ctx.path)?;
    match action {
        CompteAction::Liste => compte_liste(&ring),
        CompteAction::Ajouter {
            identifiant,
            nom,
            admin,
        } => compte_ajouter(ctx, &s, &mut ring, identifiant, nom, admin),
        CompteAction::Supprimer { identifiant } => {
            drop(ring);
            let (_, r) = session::remove_account(s, &identifiant, &rotation_progress)?;
            end_progress(&r);
            println!("Compte « {identifiant} » retiré : la base a été rechiffrée sous une nouvelle clé ; ni son mot de passe ni aucune copie antérieure du fichier des comptes ne l'ouvrent plus.");
            println!("{BACKUPS_KEEP_OLD_KEY}");
            Ok(())
        }
        CompteAction::MotDePasse => {
            let pw = new_password("Nouveau mot de passe : ")?;
            drop(ring);
            let (_, r) = session::change_password(s, &pw, &rotation_progress)?;
            end_progress(&r);
            println!("Mot de passe changé : la base a été rechiffrée sous une nouvelle clé ; l'ancien mot de passe ne l'ouvre plus, même avec une copie antérieure du fichier des comptes.");
            println!("{BACKUPS_KEEP_OLD_KEY}");
            Ok(())
        }
    }
}

/// A change to the accounts, in the audit log.
fn audit_accounts(s: &session::Session) -> Result<()> {
    s.store
        .audit(parcours::store::audit::actions::ACCOUNTS, None)?;
    Ok(())
}

/// A new password, asked twice and checked.
fn new_password(prompt: &str) -> Result<zeroize::Zeroizing<String>> {
    let pw = read_secret(prompt, None)?;
    let confirm = read_secret("Confirmez : ", None)?;
    parcours::auth::check_new_password(&pw, &confirm)?;
    Ok(pw)
}

fn compte_liste(ring: &Keyring) -> Result<()> {
    let mut out = String::new();
    for a in ring.accounts() {
        out.push_str(&format!(
            "{:<20} {:<30} {}\n",
            a.login,
            a.display_name,
            a.role.label()
        ));
    }
    print_stdout(&out)
}

fn compte_ajouter(
    ctx: &Ctx,
    s: &session::Session,
    ring: &mut Keyring,
    identifiant: String,
    nom: String,
    admin: bool,
) -> Result<()> {
    let pw = new_password(&format!("Nouveau mot de passe pour {identifiant} : "))?;
    ring.add_account(
        &s.account,
        &s.key,
        Account {
            login: identifiant.clone(),
            display_name: nom,
            role: if admin { Role::Admin } else { Role::Conseiller },
        },
        &pw,
        ctx.clock.now(),
    )?;
    audit_accounts(s)?;
    println!("Compte « {identifiant} » ajouté.");
    Ok(())
}

/// The password of the role connecting to a server: in the URL, `PGPASSWORD` (as psql),
/// the password file, or asked.
fn server_password(
    url: &str,
    user: Option<&str>,
    file: Option<&Path>,
) -> Result<Option<zeroize::Zeroizing<String>>> {
    if server::url_has_password(url)? {
        return Ok(None);
    }
    if let Ok(p) = std::env::var("PGPASSWORD") {
        return Ok(Some(zeroize::Zeroizing::new(p)));
    }
    let who = match user {
        Some(u) => u.to_string(),
        None => server::url_user(url)?.unwrap_or_default(),
    };
    let prompt = format!("Mot de passe du serveur pour « {who} » : ");
    Ok(Some(read_secret(&prompt, file).map_err(CliError::Message)?))
}

fn server_client(url: &str, user: Option<&str>, file: Option<&Path>) -> Result<postgres::Client> {
    let pw = server_password(url, user, file)?;
    Ok(server::connect(
        url,
        &server::Credentials {
            user,
            password: pw.as_ref().map(|p| p.as_str()),
        },
    )?)
}

/// `serveur initialiser | migrer`.
fn serveur(
    compte: &Option<String>,
    file: Option<&Path>,
    hooks: &TestHooks,
    action: ServeurAction,
) -> Result<()> {
    match action {
        ServeurAction::Initialiser { url, admin, nom } => {
            let admin = one_line(&admin);
            if admin.is_empty() {
                return Err(CliError::Message("--admin : identifiant vide".into()));
            }
            let mut client = server_client(&url, compte.as_deref(), file)?;
            let pw = new_password(&format!("Nouveau mot de passe pour {admin} : "))?;
            let roles = server::initialise(&mut client, &admin, &pw, &one_line(&nom))?;
            println!(
                "Base du serveur prête. Compte administrateur « {admin} » créé (groupe {}). Groupes : {} (conseiller·ères), {} (administrateur·rices).",
                roles.admin, roles.advisor, roles.admin
            );
            Ok(())
        }
        ServeurAction::Migrer { fichier, url } => {
            let ctx = Ctx {
                path: db_path(Some(fichier))?,
                clock: hooks.clock(),
                auth: Auth {
                    compte: compte.clone(),
                    file: file.map(Path::to_path_buf),
                },
                server: None,
            };
            let s = login(&ctx)?;
            // The server's password cannot come from the file's password file.
            let mut client = server_client(&url, None, None)?;
            let done = server::migrate(&s.store, &mut client)?;
            let rows: i64 = done.tables.iter().map(|t| t.1).sum();
            let persons = done
                .tables
                .iter()
                .find(|t| t.0 == "persons")
                .map_or(0, |t| t.1);
            println!(
                "Base copiée sur le serveur : {persons} dossier(s), {rows} ligne(s) dans {} tables, comptées des deux côtés. Le fichier local n'a pas été modifié.",
                done.tables.len()
            );
            Ok(())
        }
    }
}

/// A command with `--db postgresql://…`: accounts work on the server; the rest does not yet.
fn on_server(
    url: &str,
    compte: &Option<String>,
    file: Option<&Path>,
    command: Option<Command>,
    clock: Clock,
) -> Result<()> {
    if let Some(Command::Backup { dest, garder }) = command {
        return server_backup(url, compte.as_deref(), file, dest, garder, clock);
    }
    if let Some(Command::Rapport {
        du,
        au,
        annee,
        dispositif,
        referent,
        format,
        output,
    }) = command
    {
        let args = RapportArgs {
            du,
            au,
            annee,
            dispositif,
            referent,
            format,
        };
        return rapport_server(url, compte.as_deref(), file, clock, args, output);
    }
    let Some(Command::Compte { action }) = command else {
        return Err(CliError::Message(
            "Cette version ne travaille sur le serveur partagé que pour l'écran, « compte », « backup », « rapport », « export », « document », « import » et « serveur » ; les autres commandes utilisent encore un fichier local (--db FICHIER).".into(),
        ));
    };
    let mut client = server_client(url, compte.as_deref(), file)?;
    server::check_schema(&mut client)?;
    match action {
        CompteAction::Liste => {
            let mut out = String::new();
            for a in server::accounts(&mut client)? {
                let role = if a.admin {
                    Role::Admin.label()
                } else {
                    Role::Conseiller.label()
                };
                out.push_str(&format!("{:<20} {:<30} {}\n", a.login, a.name, role));
            }
            print_stdout(&out)
        }
        CompteAction::Ajouter {
            identifiant,
            nom,
            admin,
        } => {
            let pw = new_password(&format!("Nouveau mot de passe pour {identifiant} : "))?;
            server::add_account(&mut client, &identifiant, &pw, admin, &nom)?;
            println!("Compte « {identifiant} » ajouté sur le serveur.");
            Ok(())
        }
        CompteAction::Supprimer { identifiant } => {
            server::remove_account(&mut client, &identifiant)?;
            println!(
                "Compte « {identifiant} » supprimé du serveur : il ne peut plus s'y connecter."
            );
            Ok(())
        }
        CompteAction::MotDePasse => {
            let pw = new_password("Nouveau mot de passe : ")?;
            server::set_password(&mut client, None, &pw)?;
            println!("Mot de passe changé sur le serveur.");
            Ok(())
        }
    }
}

/// `backup` with `--db postgresql://…`: `pg_dump`, run as the connecting role (the IT person,
/// member of the owner's role, so that row-level security leaves no note out).
fn server_backup(
    url: &str,
    user: Option<&str>,
    file: Option<&Path>,
    dest: Option<PathBuf>,
    keep: usize,
    clock: Clock,
) -> Result<()> {
    let dest = match dest {
        Some(d) => d,
        None => config::default_db_path()
            .and_then(|p| p.parent().map(|d| d.join("sauvegardes-serveur")))
            .ok_or(CliError::NoDataDir)?,
    };
    let url = match user {
        Some(u) => with_user(url, u),
        None => url.to_string(),
    };
    let pw = server_password(&url, user, file)?;
    match server::dump::dump(&url, pw.as_ref().map(|p| p.as_str()), &dest, keep, clock.now())? {
        server::dump::Outcome::Done(d) => {
            println!(
                "Sauvegarde du serveur vérifiée : {} ({} Ko, {} tables)",
                d.path.display(),
                d.bytes / 1024,
                d.tables
            );
            for old in d.removed {
                println!("  ancienne sauvegarde supprimée : {}", old.display());
            }
            println!("Pensez à la copier hors du serveur (support chiffré).");
            Ok(())
        }
        server::dump::Outcome::NoPgDump { command } => Err(CliError::Message(format!(
            "pg_dump est absent de ce poste : aucune sauvegarde faite. Sur le serveur, planifiez chaque nuit (cron) :\n  {command}"
        ))),
    }
}

/// The URL with `user@` (for `--compte`), replacing a user it names.
fn with_user(url: &str, user: &str) -> String {
    match url.split_once("://") {
        Some((scheme, rest)) => {
            let host = rest.rsplit_once('@').map_or(rest, |(_, h)| h);
            format!("{scheme}://{user}@{host}")
        }
        None => url.to_string(),
    }
}
