//! The fallback store: one file per key in `$XDG_STATE_HOME/ca-env/secrets/`, the directory
//! 0700 and each file 0600, written to a temporary file and renamed into place, opened without
//! following symlinks. Used where neither a keyring nor keyutils answers (containers, CI).

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

use super::{Answer, Unavailable};
use crate::token::entry::{Key, MAX_ENTRY};

fn path(dir: &Path, key: &Key) -> PathBuf {
    dir.join(format!("{}.json", key.file_stem()))
}

pub fn get(dir: &Path, key: &Key) -> Answer<Option<String>> {
    let mut file = match open_private(&path(dir, key)) {
        Ok(Some(f)) => f,
        Ok(None) => return Ok(None),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(failed("read", dir, &e)),
    };
    let mut bytes = Vec::new();
    Read::by_ref(&mut file)
        .take(MAX_ENTRY as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| failed("read", dir, &e))?;
    Ok(String::from_utf8(bytes).ok())
}

/// Writes the entry; on failure also the error's kind, which decides the hint.
pub fn set(dir: &Path, key: &Key, text: &str) -> Result<(), (Unavailable, std::io::ErrorKind)> {
    crate::state::write_atomic(&path(dir, key), text.as_bytes())
        .map_err(|e| (failed("write", dir, &e), e.kind()))
}

pub fn delete(dir: &Path, key: &Key) -> Answer<bool> {
    match fs::remove_file(path(dir, key)) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(failed("remove", dir, &e)),
    }
}

/// Every entry file, for `logout --all` (entries whose index line was lost included).
pub fn entries(dir: &Path) -> Vec<PathBuf> {
    let Ok(read) = fs::read_dir(dir) else {
        return Vec::new();
    };
    read.filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.ends_with(".json") || n.starts_with(".entry"))
        })
        .collect()
}

/// Names the store's directory, not the entry's (hashed) or a temporary file's name.
fn failed(what: &str, dir: &Path, e: &std::io::Error) -> Unavailable {
    Unavailable(format!(
        "cannot {what} in {}: {}",
        dir.display(),
        crate::error::io_reason(e)
    ))
}

/// Opens an entry without following a symlink; Ok(None) when it is not a private regular file
/// of this user's (someone else's file, or one others can read, is not trusted).
#[cfg(unix)]
fn open_private(path: &Path) -> std::io::Result<Option<fs::File>> {
    use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
    let file = fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(path);
    let file = match file {
        Ok(f) => f,
        // ELOOP: the entry is a symlink.
        Err(e) if e.raw_os_error() == Some(libc::ELOOP) => return Ok(None),
        Err(e) => return Err(e),
    };
    let meta = file.metadata()?;
    let ours =
        meta.is_file() && meta.uid() == unsafe { libc::geteuid() } && meta.mode() & 0o077 == 0;
    Ok(ours.then_some(file))
}

#[cfg(not(unix))]
fn open_private(path: &Path) -> std::io::Result<Option<fs::File>> {
    let file = fs::File::open(path)?;
    Ok(file.metadata()?.is_file().then_some(file))
}
