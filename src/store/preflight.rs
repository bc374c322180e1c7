//! Checks made on a database path before SQLite opens it, so that a wrong, damaged,
//! read-only or network file is refused with a clear message and left byte-for-byte
//! unchanged (opening a file in WAL mode would otherwise write to its header).

use super::{Result, StoreError};
use std::io::Read;
use std::path::{Path, PathBuf};

const MAGIC: &[u8; 16] = b"SQLite format 3\0";
/// SQLCipher's page size (its default, which parcours keeps).
const CIPHER_PAGE: u64 = 4096;

/// `encrypted`: the file is expected to be SQLCipher-encrypted (its header is random
/// bytes), so only the checks that do not read the header apply.
pub fn check(path: &Path, encrypted: bool) -> Result<()> {
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
        Err(e) => return Err(StoreError::CannotOpen(path.to_path_buf(), e.to_string())),
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
    // Opening for writing without writing anything tells a read-only file early.
    if let Err(e) = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(path)
    {
        return Err(if e.kind() == std::io::ErrorKind::PermissionDenied {
            StoreError::ReadOnly(path.to_path_buf())
        } else {
            StoreError::CannotOpen(path.to_path_buf(), e.to_string())
        });
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
        .map_err(|e| StoreError::CannotOpen(path.to_path_buf(), e.to_string()))?;
    let n = read_up_to(&mut f, &mut header).map_err(|e| StoreError::Io(e.to_string()))?;
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
