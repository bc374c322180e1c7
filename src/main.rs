//! The `parcours` command line.

use clap::{Parser, Subcommand, ValueEnum};
use parcours::auth::{keyring_path, Account, Keyring, Role};
use parcours::clock::Clock;
use parcours::store::Store;
use parcours::{config, demo, document, export, session};
use std::path::PathBuf;
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
    /// Exporte les dossiers (tous, ou celui d'une personne) en JSON, ou le dossier d'une
    /// personne en document lisible à imprimer ou remettre (droit d'accès)
    Export {
        #[arg(long, value_enum, default_value_t = Format::Json)]
        format: Format,
        /// N° de dossier d'une personne (export de son dossier complet)
        #[arg(long, value_name = "N°")]
        person: Option<String>,
        /// Fichier de sortie (par défaut : sortie standard)
        #[arg(long, short, value_name = "FICHIER")]
        output: Option<PathBuf>,
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
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(msg) => {
            eprintln!("parcours : {msg}");
            ExitCode::FAILURE
        }
    }
}

fn db_path(cli_db: Option<PathBuf>) -> Result<PathBuf, String> {
    if let Some(p) = cli_db {
        return Ok(p);
    }
    let p = config::default_db_path().ok_or(
        "impossible de trouver le dossier de données de l'utilisateur ; utilisez --db FICHIER",
    )?;
    if let Some(dir) = p.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("impossible de créer « {} » : {e}", dir.display()))?;
    }
    Ok(p)
}

fn clock() -> Clock {
    // Hidden hook for reproducible demos and tests: PARCOURS_NOW="2026-11-22 10:00:00".
    match std::env::var("PARCOURS_NOW")
        .ok()
        .and_then(|s| chrono::NaiveDateTime::parse_from_str(&s, "%Y-%m-%d %H:%M:%S").ok())
    {
        Some(t) => Clock::fixed(t),
        None => Clock::system(),
    }
}

/// Writes to standard output; a reader that went away (`| head`) is not an error
/// (`println!` would panic there).
fn print_stdout(text: &str) -> Result<(), String> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(format!("écriture sur la sortie standard impossible : {e}"))
        }
        _ => Ok(()),
    }
}

fn run(cli: Cli) -> Result<(), String> {
    if let Some(Command::Touches) = cli.command {
        print!("{}", parcours::app::keys::defaults_as_toml());
        if let Some(dir) = config::config_dir() {
            eprintln!(
                "Pour changer une touche : copiez les lignes voulues dans {}",
                dir.join(config::KEYS_FILE).display()
            );
        }
        return Ok(());
    }
    let path = db_path(cli.db.clone())?;
    let clock = clock();
    let auth = Auth {
        compte: cli.compte.clone(),
        file: cli.mot_de_passe_fichier.clone(),
    };
    match cli.command {
        None => parcours::tui::run(&path, clock).map_err(|e| e.to_string()),
        Some(Command::Demo { persons, seed }) => {
            let mut store = if session::db_state(&path) == session::DbState::New {
                // A new demo database gets a demo account whose password is printed.
                let password = session::random_password();
                let s = session::create_first_account(
                    &path,
                    clock.clone(),
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
                let mut opened = open_any(&path, clock.clone(), &auth)?;
                opened.audit_login()?;
                opened.into_store()
            };
            let (rf, warning) = config::load_referential();
            if let Some(w) = warning {
                eprintln!("{w}");
            }
            let started = std::time::Instant::now();
            let mut people = demo::files(&rf, seed, clock.now()).take(persons);
            // Batches keep memory flat and each transaction short (another instance can
            // write in between).
            let mut done = 0;
            loop {
                let chunk: Vec<_> = people.by_ref().take(500).collect();
                if chunk.is_empty() {
                    break;
                }
                store.insert_files(&chunk).map_err(|e| e.to_string())?;
                done += chunk.len();
            }
            eprintln!(
                "{done} personnes fictives créées dans {} ({:.1} s)",
                path.display(),
                started.elapsed().as_secs_f64()
            );
            Ok(())
        }
        Some(Command::Export {
            format: Format::Document,
            person,
            output,
        }) => export_document(&path, clock, &auth, person, output),
        Some(Command::Effacer {
            dossier,
            oui,
            supprimer_copies,
        }) => erase(&path, clock, &auth, &dossier, oui, supprimer_copies),
        Some(Command::Export {
            format: Format::Json,
            person,
            output,
        }) => {
            let mut opened = open_any(&path, clock, &auth)?;
            let store = opened.store();
            let ids = match &person {
                Some(n) => Some(vec![store
                    .person_id_by_dossier(n)
                    .map_err(|e| e.to_string())?
                    .ok_or_else(|| format!("aucun dossier n° « {n} » dans cette base"))?]),
                None => None,
            };
            // The audit log records that an export was made (and of whom), not what.
            let audited = ids.as_ref().and_then(|v| v.first().copied());
            let written = match output {
                Some(file) => {
                    let f = std::fs::File::create(&file)
                        .map_err(|e| format!("impossible de créer « {} » : {e}", file.display()))?;
                    export::write_json(store, ids.as_deref(), std::io::BufWriter::new(f))
                }
                None => {
                    let stdout = std::io::stdout().lock();
                    export::write_json(store, ids.as_deref(), std::io::BufWriter::new(stdout))
                }
            };
            opened.audit_after_read(&written, audited)?;
            match written {
                Ok(count) => {
                    eprintln!("{count} dossier(s) exporté(s)");
                    Ok(())
                }
                // The reader stopped early (`| head`): nothing went wrong on our side.
                Err(e) if e.is_broken_pipe() => Ok(()),
                Err(e) => Err(e.to_string()),
            }
        }
        Some(Command::Touches) => Ok(()), // handled above: needs no database
        Some(Command::Backup { dest, garder }) => {
            let mut opened = open_any(&path, clock, &auth)?;
            let r = opened
                .store()
                .backup(dest.as_deref(), garder)
                .map_err(|e| e.to_string())?;
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
        Some(Command::Restore { src, oui }) => {
            use std::io::IsTerminal;
            if !oui {
                if !std::io::stdin().is_terminal() {
                    return Err("confirmation impossible sans terminal : ajoutez --oui".into());
                }
                eprint!(
                    "Remplacer la base « {} » par la sauvegarde « {} » ? La base actuelle sera mise de côté. Tapez oui : ",
                    path.display(),
                    src.display()
                );
                let mut answer = String::new();
                std::io::stdin()
                    .read_line(&mut answer)
                    .map_err(|e| e.to_string())?;
                if answer.trim().to_lowercase() != "oui" {
                    return Err("restauration abandonnée : rien n'a été modifié".into());
                }
            }
            // The key comes from the current accounts (or the backup's, if the base is gone):
            // a database keeps one key for life, so either opens the backup.
            let key = if Keyring::exists(&path) || Keyring::exists(&src) {
                let ring_db = if Keyring::exists(&path) { &path } else { &src };
                let mut ring = Keyring::load(ring_db).map_err(|e| e.to_string())?;
                let login = match &auth.compte {
                    Some(c) => c.clone(),
                    None => ring
                        .accounts()
                        .first()
                        .map(|a| a.login.clone())
                        .unwrap_or_default(),
                };
                let pw = parcours::auth::password::read_secret(
                    &format!("Mot de passe de {login} : "),
                    auth.file.as_deref(),
                )?;
                let (key, account) = ring
                    .unlock(&login, &pw, clock.now())
                    .map_err(|e| e.to_string())?;
                if account.role != Role::Admin {
                    return Err("restauration réservée aux administrateur·rices".into());
                }
                Some((key, account.login))
            } else {
                None
            };
            let (key, actor) = match key {
                Some((k, a)) => (Some(k), a),
                None => (None, String::new()),
            };
            // A backup made before a key rotation keeps the key of its day: it is read with
            // the accounts file beside it (same account and password as then) and
            // re-encrypted under the base's current key.
            let src_key = match &key {
                Some(k) if !parcours::store::opens_with(&src, k) && Keyring::exists(&src) => {
                    let pw = parcours::auth::password::read_secret(
                        &format!("Mot de passe de {actor} à la date de la sauvegarde : "),
                        auth.file.as_deref(),
                    )?;
                    let (old, _) = Keyring::load(&src)
                        .and_then(|mut r| r.unlock(&actor, &pw, clock.now()))
                        .map_err(|e| format!("sauvegarde faite avant un changement de clé, avec son propre fichier des comptes : {e}"))?;
                    Some(old)
                }
                _ => None,
            };
            let aside = parcours::store::restore_rekeyed(
                &src,
                src_key.as_ref().or(key.as_ref()),
                &path,
                clock.now(),
                key.as_ref(),
                &actor,
            )
            .map_err(|e| e.to_string())?;
            if !Keyring::exists(&path) && Keyring::exists(&src) {
                std::fs::copy(keyring_path(&src), keyring_path(&path))
                    .map_err(|e| format!("fichier des comptes : {e}"))?;
            }
            println!("Sauvegarde remise en place dans {}", path.display());
            if aside.exists() {
                println!("L'ancienne base est conservée : {}", aside.display());
            }
            Ok(())
        }
        Some(Command::Compte { action }) => compte(&path, clock, &auth, action),
        Some(Command::Check) => {
            let mut opened = open_any(&path, clock, &auth)?;
            let store = opened.store();
            let problems = store.integrity_problems().map_err(|e| e.to_string())?;
            let version = store.schema_version().map_err(|e| e.to_string())?;
            let mut report = format!(
                "Base : {}\nSchéma : version {version} (cette version de parcours : {})\n",
                path.display(),
                parcours::store::schema::LATEST
            );
            for (table, n) in store.table_counts().map_err(|e| e.to_string())? {
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
                Err(format!(
                    "{} problème(s) d'intégrité : restaurez une sauvegarde (la base n'a pas été modifiée)",
                    problems.len()
                ))
            }
        }
    }
}

struct Auth {
    compte: Option<String>,
    file: Option<PathBuf>,
}

/// `export --format document --person N°`: the readable document of one person's file.
fn export_document(
    path: &std::path::Path,
    clock: Clock,
    auth: &Auth,
    person: Option<String>,
    output: Option<PathBuf>,
) -> Result<(), String> {
    let Some(n) = person else {
        return Err(
            "le document se fait pour une personne : précisez --person N° (n° de dossier)".into(),
        );
    };
    let mut opened = open_any(path, clock, auth)?;
    let store = opened.store();
    let id = store
        .person_id_by_dossier(&n)
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("aucun dossier n° « {n} » dans cette base"))?;
    let (rf, warning) = config::load_referential();
    if let Some(w) = warning {
        eprintln!("{w}");
    }
    let written = match &output {
        Some(file) => {
            let f = document::create_private(file)
                .map_err(|e| format!("impossible de créer « {} » : {e}", file.display()))?;
            document::write_document(store, &rf, id, std::io::BufWriter::new(f))
        }
        None => {
            let stdout = std::io::stdout().lock();
            document::write_document(store, &rf, id, std::io::BufWriter::new(stdout))
        }
    };
    opened.audit_after_read(&written, Some(id))?;
    match written {
        Ok(()) => {
            if let Some(file) = output {
                eprintln!(
                    "Document du dossier n° {n} écrit dans {} (non chiffré : à imprimer ou remettre, puis à supprimer)",
                    file.display()
                );
            }
            Ok(())
        }
        Err(e) if e.is_broken_pipe() => Ok(()),
        Err(e) => Err(e.to_string()),
    }
}

/// `effacer N°`: erases a person everywhere (admin only), after retyping the n° de dossier.
fn erase(
    path: &std::path::Path,
    clock: Clock,
    auth: &Auth,
    dossier: &str,
    oui: bool,
    delete_copies: bool,
) -> Result<(), String> {
    use std::io::IsTerminal;
    let mut opened = open_any(path, clock, auth)?;
    opened.audit_login()?;
    if !opened.account().is_some_and(session::is_admin) {
        return Err("l'effacement d'un dossier est réservé aux administrateur·rices".into());
    }
    let mut store = opened.into_store();
    let id = store
        .person_id_by_dossier(dossier)
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("aucun dossier n° « {dossier} » dans cette base"))?;
    if !oui {
        if !std::io::stdin().is_terminal() {
            return Err("confirmation impossible sans terminal : ajoutez --oui".into());
        }
        let name = store
            .person_file(id)
            .map(|f| f.person.display_name())
            .map_err(|e| e.to_string())?;
        eprint!(
            "Effacer définitivement le dossier n° {dossier} ({name}) et toutes ses données ? Rien ne pourra être annulé. Retapez le n° de dossier pour confirmer : "
        );
        let mut answer = String::new();
        std::io::stdin()
            .read_line(&mut answer)
            .map_err(|e| e.to_string())?;
        if answer.trim() != dossier.trim() {
            return Err("effacement abandonné : rien n'a été modifié".into());
        }
    }
    let erased = store.erase_person(id).map_err(|e| e.to_string())?;
    println!("Dossier n° {dossier} effacé : ses données ont quitté la base.");
    if !erased.compacted {
        println!("Un autre poste a la base ouverte : le nettoyage du fichier se terminera quand parcours sera fermé sur tous les postes.");
    }
    erase_copies(path, oui, delete_copies)
}

/// After an erasure: the copies of the base made before it still hold the person. Lists
/// them with their date and offers to delete them.
fn erase_copies(path: &std::path::Path, oui: bool, delete: bool) -> Result<(), String> {
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
        Err(format!(
            "{} copie(s) n'ont pas pu être supprimées",
            failed.len()
        ))
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

/// A database opened for a command.
enum Opened {
    /// With an account: the login is not in the audit log until [`Opened::audit_login`].
    Encrypted(session::Session),
    /// A plain base made before accounts existed: no account, no audit log entries.
    Plain(Store),
}

impl Opened {
    fn store(&self) -> &Store {
        match self {
            Opened::Encrypted(s) => &s.store,
            Opened::Plain(store) => store,
        }
    }

    fn into_store(self) -> Store {
        match self {
            Opened::Encrypted(s) => s.store,
            Opened::Plain(store) => store,
        }
    }

    fn account(&self) -> Option<&Account> {
        match self {
            Opened::Encrypted(s) => Some(&s.account),
            Opened::Plain(_) => None,
        }
    }

    /// Writes the login in the audit log (once); a plain base has no accounts to audit.
    fn audit_login(&mut self) -> Result<(), String> {
        match self {
            Opened::Encrypted(s) => s.audit_login(),
            Opened::Plain(_) => Ok(()),
        }
    }

    /// After an export's reads: the login and the export (of whom, never what) go in the
    /// audit log, unless the reads found the base damaged, which is left as it was.
    fn audit_after_read<T>(
        &mut self,
        read: &Result<T, export::ExportError>,
        person: Option<parcours::domain::Id>,
    ) -> Result<(), String> {
        use parcours::store::StoreError as E;
        if let Err(export::ExportError::Store(
            E::Corrupt(..) | E::NotADatabase(_) | E::WrongKey(_) | E::Sqlite(_),
        )) = read
        {
            return Ok(());
        }
        self.audit_login()?;
        if let Opened::Encrypted(s) = self {
            s.store
                .audit(parcours::store::audit::actions::EXPORT, person)
                .map_err(|e| e.to_string())?;
        }
        Ok(())
    }
}

/// Opens the database for a command: with an account when the base has accounts; a plain
/// base made before accounts existed opens as is (with a warning) so it can still be checked,
/// exported or backed up. Nothing is written yet: see [`Opened::audit_login`].
fn open_any(path: &std::path::Path, clock: Clock, auth: &Auth) -> Result<Opened, String> {
    match session::db_state(path) {
        session::DbState::Accounts => Ok(Opened::Encrypted(session::cli_login(
            path,
            clock,
            auth.compte.as_deref(),
            auth.file.as_deref(),
        )?)),
        session::DbState::Plain => {
            let store = Store::open(path, clock).map_err(|e| match e {
                // Random bytes to SQLite: maybe an encrypted base whose accounts file stayed
                // behind (a copy of the .db alone).
                parcours::store::StoreError::NotADatabase(_) => format!(
                    "{e} Si c'est une base chiffrée, son fichier des comptes « {} » doit être à côté d'elle.",
                    keyring_path(path).display()
                ),
                e => e.to_string(),
            })?;
            eprintln!(
                "Attention : cette base n'est pas chiffrée. Lancez parcours sans commande pour créer le premier compte : la base sera chiffrée."
            );
            Ok(Opened::Plain(store))
        }
        session::DbState::New => {
            // A missing folder says so (and how to choose another file).
            parcours::store::preflight::check(path, true).map_err(|e| e.to_string())?;
            Err(format!(
                "aucune base « {} » : lancez parcours sans commande pour la créer (premier compte), ou « parcours demo »",
                path.display()
            ))
        }
    }
}

fn compte(
    path: &std::path::Path,
    clock: Clock,
    auth: &Auth,
    action: CompteAction,
) -> Result<(), String> {
    use parcours::auth::password::read_secret;
    if session::db_state(path) != session::DbState::Accounts {
        return Err(
            "aucun compte pour cette base : lancez parcours sans commande pour créer le premier"
                .into(),
        );
    }
    let mut s = session::cli_login(
        path,
        clock.clone(),
        auth.compte.as_deref(),
        auth.file.as_deref(),
    )?;
    s.audit_login()?;
    let mut ring = Keyring::load(path).map_err(|e| e.to_string())?;
    let audit = |s: &session::Session| {
        s.store
            .audit(parcours::store::audit::actions::ACCOUNTS, None)
            .map_err(|e| e.to_string())
    };
    match action {
        CompteAction::Liste => {
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
        CompteAction::Ajouter {
            identifiant,
            nom,
            admin,
        } => {
            let pw = read_secret(&format!("Nouveau mot de passe pour {identifiant} : "), None)?;
            let confirm = read_secret("Confirmez : ", None)?;
            parcours::auth::check_new_password(&pw, &confirm).map_err(|e| e.to_string())?;
            ring.add_account(
                &s.account,
                &s.key,
                Account {
                    login: identifiant.clone(),
                    display_name: nom,
                    role: if admin { Role::Admin } else { Role::Conseiller },
                },
                &pw,
                clock.now(),
            )
            .map_err(|e| e.to_string())?;
            audit(&s)?;
            println!("Compte « {identifiant} » ajouté.");
            Ok(())
        }
        CompteAction::Supprimer { identifiant } => {
            drop(ring);
            let (_, r) = session::remove_account(s, &identifiant, &rotation_progress)?;
            end_progress(&r);
            println!("Compte « {identifiant} » retiré : la base a été rechiffrée sous une nouvelle clé ; ni son mot de passe ni aucune copie antérieure du fichier des comptes ne l'ouvrent plus.");
            println!("{BACKUPS_KEEP_OLD_KEY}");
            Ok(())
        }
        CompteAction::MotDePasse => {
            let pw = read_secret("Nouveau mot de passe : ", None)?;
            let confirm = read_secret("Confirmez : ", None)?;
            parcours::auth::check_new_password(&pw, &confirm).map_err(|e| e.to_string())?;
            drop(ring);
            let (_, r) = session::change_password(s, &pw, &rotation_progress)?;
            end_progress(&r);
            println!("Mot de passe changé : la base a été rechiffrée sous une nouvelle clé ; l'ancien mot de passe ne l'ouvre plus, même avec une copie antérieure du fichier des comptes.");
            println!("{BACKUPS_KEEP_OLD_KEY}");
            Ok(())
        }
    }
}
