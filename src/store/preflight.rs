//! Checks made on a database path before SQLite opens it, so that a wrong, damaged or
//! network file is refused with a clear message and left byte-for-byte unchanged (opening
//! a file in WAL mode would otherwise write to its header), and a read-only one is known
//! before anything tries to write to it. Also: resolving a symbolic link once (so the base,
//! its WAL, its backups and its accounts file sit together), and operating-system errors
//! said in French.

use super::{Result, StoreError};
use std::io::Read;
use std::path::{Path, PathBuf};

/// Most symbolic links followed before a path is taken as a loop (Linux's own limit).
const MAX_LINKS: usize = 40;

/// The path itself when it is not a symbolic link; otherwise what the link (and the links
/// it leads to) points at, even when that does not exist yet. Resolved once, before
/// anything is opened or created: the base, its WAL and its accounts file (`.comptes`,
/// named after the base) then all sit at the real place, never half beside the link.
pub fn resolve(path: &Path) -> Result<PathBuf> {
    let mut p = path.to_path_buf();
    for _ in 0..MAX_LINKS {
        match std::fs::symlink_metadata(&p) {
            Ok(m) if m.file_type().is_symlink() => {
                let target = std::fs::read_link(&p)
                    .map_err(|e| StoreError::CannotOpen(path.to_path_buf(), os_error_fr(&e)))?;
                p = match p.parent() {
                    Some(dir) if target.is_relative() => dir.join(target),
                    _ => target,
                };
            }
            _ => return Ok(p),
        }
    }
    Err(StoreError::CannotOpen(
        path.to_path_buf(),
        "trop de liens symboliques à suivre (une boucle ?) : donnez le chemin du fichier lui-même"
            .into(),
    ))
}

/// An operating-system error in French, with what to do about it (never « Permission
/// denied (os error 13) »).
pub fn os_error_fr(e: &std::io::Error) -> String {
    use std::io::ErrorKind as K;
    // Linux errno values for the kinds std reports as `Other` or `Uncategorized` (unstable
    // kinds): see `linux_errno`.
    const EROFS: i32 = 30;
    const ENOSPC: i32 = 28;
    const ELOOP: i32 = 40;
    const ENAMETOOLONG: i32 = 36;
    const ENOTDIR: i32 = 20;
    const EISDIR: i32 = 21;
    const EDQUOT: i32 = 122;
    let text = match (e.kind(), linux_errno(e)) {
        (K::PermissionDenied, _) => {
            "accès refusé (droits insuffisants) : vérifiez les droits du fichier et de son \
             dossier, ou demandez-les à la personne qui administre le poste"
        }
        (K::NotFound, _) => "fichier ou dossier introuvable : vérifiez le chemin",
        (K::ReadOnlyFilesystem, _) | (_, Some(EROFS)) => {
            "le support est en lecture seule (clé verrouillée, CD, partage monté sans écriture) : \
             copiez la base sur un disque modifiable"
        }
        (K::StorageFull, _) | (K::QuotaExceeded, _) | (_, Some(ENOSPC)) | (_, Some(EDQUOT)) => {
            "disque plein (ou quota atteint) : libérez de la place puis réessayez"
        }
        (_, Some(ELOOP)) => {
            "trop de liens symboliques (une boucle ?) : donnez le chemin du fichier lui-même"
        }
        (K::InvalidFilename, _) | (_, Some(ENAMETOOLONG)) => {
            "nom de fichier trop long ou invalide : choisissez un nom plus court"
        }
        (K::NotADirectory, _) | (_, Some(ENOTDIR)) => {
            "un élément du chemin n'est pas un dossier : vérifiez le chemin"
        }
        (K::IsADirectory, _) | (_, Some(EISDIR)) => "c'est un dossier, pas un fichier",
        (K::AlreadyExists, _) => "le fichier existe déjà",
        (K::ResourceBusy, _) | (K::ExecutableFileBusy, _) => {
            "le fichier est occupé par un autre programme : réessayez dans un instant"
        }
        (K::Interrupted, _) | (K::TimedOut, _) | (K::WouldBlock, _) => {
            "opération interrompue : réessayez"
        }
        (K::UnexpectedEof, _) => "fichier tronqué (fin inattendue)",
        _ => {
            return match e.raw_os_error() {
                Some(code) => format!(
                    "erreur du système (code {code}) : vérifiez le disque et les droits, puis réessayez"
                ),
                None => "erreur du système : vérifiez le disque et les droits, puis réessayez"
                    .to_string(),
            }
        }
    };
    text.to_string()
}

/// The errno of `e` on Linux, where the constants of [`os_error_fr`] hold; elsewhere the
/// error kinds alone decide.
fn linux_errno(e: &std::io::Error) -> Option<i32> {
    if cfg!(target_os = "linux") {
        e.raw_os_error()
    } else {
        None
    }
}

/// `msg` with every operating-system error text of the standard library (« Permission
/// denied (os error 13) ») replaced by its French [`os_error_fr`]: the last net before a
/// message reaches the user, for errors that were formatted deep down.
pub fn french_os_errors(msg: &str) -> String {
    let mut out = msg.to_string();
    let mut from = 0;
    while let Some(at) = out[from..].find("(os error ") {
        let start = from + at;
        let digits: String = out[start + "(os error ".len()..]
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        let Ok(code) = digits.parse::<i32>() else {
            from = start + 1;
            continue;
        };
        let e = std::io::Error::from_raw_os_error(code);
        let english = e.to_string(); // "Permission denied (os error 13)"
        let french = os_error_fr(&e);
        let end = start + "(os error ".len() + digits.len() + 1;
        match out[..end].rfind(&english) {
            Some(s) if s + english.len() == end => {
                out.replace_range(s..end, &french);
                from = s + french.len();
            }
            _ => {
                out.replace_range(start..end.min(out.len()), &format!("({french})"));
                from = start + french.len() + 2;
            }
        }
    }
    out
}

/// Why a database can only be read, if it can.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    ReadWrite,
    /// The file, its folder or the medium cannot be written: open it read-only.
    ReadOnly,
}

/// Whether `path` (an existing, non-empty file) can only be read. The mode bits are read
/// here and not left to the system: root may write to a 0444 file, and parcours must not
/// (the person who made it read-only meant it). A folder without any write bit (the WAL
/// and its index are created beside the base) and a read-only medium count too.
pub fn access(path: &Path) -> Access {
    let no_write_bit = |p: &Path| std::fs::metadata(p).is_ok_and(|m| m.permissions().readonly());
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    if no_write_bit(path) || no_write_bit(dir) {
        return Access::ReadOnly;
    }
    // Opening for writing without writing anything tells the rest (another owner, EROFS).
    match std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(path)
    {
        Err(e)
            if e.kind() == std::io::ErrorKind::PermissionDenied
                || e.kind() == std::io::ErrorKind::ReadOnlyFilesystem =>
        {
            Access::ReadOnly
        }
        _ => Access::ReadWrite,
    }
}

const MAGIC: &[u8; 16] = b"SQLite format 3\0";
/// SQLCipher's page size (its default, which parcours keeps).
const CIPHER_PAGE: u64 = 4096;

/// Checks for a base about to be opened to write (the interactive app, a new base): a
/// read-only base ([`access`]) or a new one in a read-only folder is refused.
///
/// `encrypted`: the file is expected to be SQLCipher-encrypted (its header is random
/// bytes), so only the checks that do not read the header apply.
pub fn check(path: &Path, encrypted: bool) -> Result<()> {
    check_readable(path, encrypted)?;
    check_writable(path)
}

/// The write half of [`check`], once [`check_readable`] passed.
pub(crate) fn check_writable(path: &Path) -> Result<()> {
    let exists = std::fs::metadata(path).is_ok_and(|m| m.len() > 0);
    if exists && access(path) == Access::ReadOnly {
        return Err(StoreError::ReadOnly(path.to_path_buf()));
    }
    if !exists {
        // A new base: its folder must take the file, its WAL and its accounts file.
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        if std::fs::metadata(dir).is_ok_and(|m| m.permissions().readonly()) {
            return Err(StoreError::CannotOpen(
                path.to_path_buf(),
                format!(
                    "le dossier « {} » est en lecture seule : impossible d'y créer la base. \
                     Choisissez un autre dossier (--db) ou faites-le rendre modifiable",
                    dir.display()
                ),
            ));
        }
    }
    Ok(())
}

/// [`check`] without the write checks: what a read-only opening (`check`, `export`) needs.
pub fn check_readable(path: &Path, encrypted: bool) -> Result<()> {
    if let Some(dir) = path.parent() {
        if !dir.as_os_str().is_empty() && !dir.is_dir() {
            return Err(StoreError::MissingDirectory(dir.to_path_buf()));
        }
    }
    if let Some(fs) = network_fs(path) {
        return Err(StoreError::NetworkFs(path.to_path_buf(), fs));
    }
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()), // new database
        Err(e) => return Err(StoreError::CannotOpen(path.to_path_buf(), os_error_fr(&e))),
    };
    if meta.is_dir() {
        return Err(StoreError::CannotOpen(
            path.to_path_buf(),
            "c'est un dossier, pas un fichier".into(),
        ));
    }
    if meta.len() == 0 {
        return Ok(()); // an empty file becomes a new database
    }
    // Readable at all? (A file of another user, mode 0600.)
    if let Err(e) = std::fs::File::open(path) {
        return Err(StoreError::CannotOpen(path.to_path_buf(), os_error_fr(&e)));
    }
    if encrypted {
        // An encrypted file is a whole number of SQLCipher pages (4096 bytes, the default,
        // never changed by parcours); anything else was cut short. The header itself is
        // encrypted: the rest is for SQLCipher to find.
        if meta.len() % CIPHER_PAGE != 0 {
            return Err(StoreError::Corrupt(
                path.to_path_buf(),
                format!(
                    "fichier tronqué : {} octets, pas un nombre entier de pages",
                    meta.len()
                ),
            ));
        }
        return Ok(());
    }
    let mut header = [0u8; 100];
    let mut f = std::fs::File::open(path)
        .map_err(|e| StoreError::CannotOpen(path.to_path_buf(), os_error_fr(&e)))?;
    let n = read_up_to(&mut f, &mut header).map_err(|e| StoreError::Io(os_error_fr(&e)))?;
    if n < 16 || &header[..16] != MAGIC {
        return Err(StoreError::NotADatabase(path.to_path_buf()));
    }
    if n < 100 {
        return Err(StoreError::Corrupt(
            path.to_path_buf(),
            "fichier tronqué (en-tête incomplet)".into(),
        ));
    }
    // Page size (1 means 65536) and the in-header page count, valid when the "version
    // valid for" number equals the change counter (SQLite file format, §1.3).
    let page_size = match u16::from_be_bytes([header[16], header[17]]) {
        1 => 65536u64,
        p => p as u64,
    };
    let pages = u32::from_be_bytes([header[28], header[29], header[30], header[31]]) as u64;
    let change_counter = &header[24..28];
    let valid_for = &header[92..96];
    if !page_size.is_power_of_two() || !(512..=65536).contains(&page_size) {
        return Err(StoreError::Corrupt(
            path.to_path_buf(),
            "en-tête illisible".into(),
        ));
    }
    // A process killed while a WAL checkpoint copies pages back (page 1, with the new size,
    // is written first) leaves a main file shorter than its header says: its WAL still holds
    // every page, and SQLite finishes the job on open. Only without a WAL is it truncated.
    if change_counter == valid_for
        && pages > 0
        && meta.len() < pages * page_size
        && !has_wal_frames(path)
    {
        return Err(StoreError::Corrupt(
            path.to_path_buf(),
            format!(
                "fichier tronqué : {} octets au lieu de {}",
                meta.len(),
                pages * page_size
            ),
        ));
    }
    Ok(())
}

/// True when `<path>-wal` holds at least one frame (a 32-byte header, then frames).
fn has_wal_frames(path: &Path) -> bool {
    let mut wal = path.as_os_str().to_owned();
    wal.push("-wal");
    std::fs::metadata(PathBuf::from(wal)).is_ok_and(|m| m.len() > 32)
}

fn read_up_to(f: &mut std::fs::File, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut total = 0;
    while total < buf.len() {
        let n = f.read(&mut buf[total..])?;
        if n == 0 {
            break;
        }
        total += n;
    }
    Ok(total)
}

/// The network file system type holding `path`, if it is one. WAL needs shared memory
/// between processes, which SMB/CIFS/NFS do not provide reliably: such paths are refused.
pub fn network_fs(path: &Path) -> Option<String> {
    let s = path.to_string_lossy();
    // Windows UNC paths (\\server\share\...).
    if s.starts_with("\\\\") || s.starts_with("//") {
        return Some("partage réseau Windows (UNC)".into());
    }
    #[cfg(target_os = "linux")]
    {
        let dir = absolute_existing(path)?;
        let mounts = std::fs::read_to_string("/proc/self/mounts").ok()?;
        return network_fs_in(&mounts, &dir);
    }
    #[allow(unreachable_code)]
    None
}

/// Longest mount point containing `dir`, and its type when it is a network one.
pub fn network_fs_in(mounts: &str, dir: &Path) -> Option<String> {
    const NETWORK: &[&str] = &[
        "nfs",
        "nfs4",
        "cifs",
        "smb3",
        "smbfs",
        "ncpfs",
        "afs",
        "9p",
        "fuse.sshfs",
        "davfs",
        "fuse.davfs2",
        "ceph",
        "glusterfs",
        "fuse.glusterfs",
        "lustre",
    ];
    let mut best: Option<(usize, String)> = None;
    for line in mounts.lines() {
        let mut parts = line.split_whitespace();
        let (_dev, Some(mnt), Some(fstype)) = (parts.next(), parts.next(), parts.next()) else {
            continue;
        };
        // /proc/mounts escapes spaces as \040.
        let mnt = mnt.replace("\\040", " ");
        if dir.starts_with(&mnt) && best.as_ref().is_none_or(|(l, _)| mnt.len() > *l) {
            best = Some((mnt.len(), fstype.to_string()));
        }
    }
    best.and_then(|(_, t)| NETWORK.contains(&t.as_str()).then_some(t))
}

fn absolute_existing(path: &Path) -> Option<PathBuf> {
    let abs = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir().ok()?.join(path)
    };
    // The file may not exist yet: canonicalise its nearest existing ancestor.
    let mut p = abs.as_path();
    loop {
        if let Ok(c) = p.canonicalize() {
            return Some(c);
        }
        p = p.parent()?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[cfg(target_os = "linux")]
    fn os_errors_are_said_in_french() {
        let denied = std::io::Error::from_raw_os_error(13);
        assert!(os_error_fr(&denied).starts_with("accès refusé"));
        let msg = format!("impossible de créer « /x » : {denied}");
        let fr = french_os_errors(&msg);
        assert!(
            fr.starts_with("impossible de créer « /x » : accès refusé"),
            "{fr}"
        );
        assert!(
            !fr.contains("os error") && !fr.contains("Permission"),
            "{fr}"
        );
        let two = format!(
            "{} puis {}",
            std::io::Error::from_raw_os_error(30),
            std::io::Error::from_raw_os_error(2)
        );
        let fr = french_os_errors(&two);
        assert!(
            fr.contains("lecture seule") && fr.contains("introuvable"),
            "{fr}"
        );
        assert!(!fr.contains("os error"), "{fr}");
        assert_eq!(french_os_errors("rien à changer"), "rien à changer");
        assert_eq!(french_os_errors("(os error x)"), "(os error x)");
        for code in 1..140 {
            let e = std::io::Error::from_raw_os_error(code);
            let fr = french_os_errors(&e.to_string());
            assert!(!fr.contains("os error"), "{code}: {fr}");
        }
    }

    #[test]
    #[cfg(unix)]
    fn links_are_followed_to_the_real_place() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real.db");
        let link = dir.path().join("link.db");
        std::os::unix::fs::symlink("real.db", &link).unwrap();
        assert_eq!(
            resolve(&link).unwrap(),
            real,
            "relative to the link's folder"
        );
        let chain = dir.path().join("chain.db");
        std::os::unix::fs::symlink(&link, &chain).unwrap();
        assert_eq!(resolve(&chain).unwrap(), real);
        assert_eq!(resolve(&real).unwrap(), real, "not a link: unchanged");
        let a = dir.path().join("a");
        let b = dir.path().join("b");
        std::os::unix::fs::symlink(&b, &a).unwrap();
        std::os::unix::fs::symlink(&a, &b).unwrap();
        let e = resolve(&a).unwrap_err().to_string();
        assert!(e.contains("trop de liens"), "{e}");
    }

    #[test]
    fn network_mounts_are_recognised() {
        let mounts = "/dev/sda1 / ext4 rw 0 0\n//srv/partage /mnt/partage cifs rw 0 0\nsrv:/export /home/nfs nfs4 rw 0 0\n";
        assert_eq!(
            network_fs_in(mounts, Path::new("/mnt/partage/parcours")),
            Some("cifs".into())
        );
        assert_eq!(
            network_fs_in(mounts, Path::new("/home/nfs/a/b")),
            Some("nfs4".into())
        );
        assert_eq!(network_fs_in(mounts, Path::new("/home/local")), None);
        assert!(network_fs(Path::new("\\\\serveur\\partage\\parcours.db")).is_some());
    }
}
