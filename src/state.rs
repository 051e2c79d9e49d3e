//! ca-env's own files under `$XDG_STATE_HOME/ca-env` (allowed pairs, the token index, locks,
//! the file store): one private directory, and files replaced whole by rename so a reader sees
//! the old content or the new, never half of either.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::env::Env;

/// `$XDG_STATE_HOME/ca-env`, else `~/.local/state/ca-env`.
pub fn dir(env: &Env) -> Option<PathBuf> {
    env.xdg_state_home().map(|d| d.join("ca-env"))
}

/// Creates `dir` 0700, or makes an existing one of ours 0700; refuses a symlink or a directory
/// owned by someone else. Missing parents (`~/.local/state` on a fresh account) are made 0700
/// too: a mode given to mkdir, so no umask (`umask 000` included) can open them to others.
#[cfg(unix)]
pub fn private_dir(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::{DirBuilderExt, MetadataExt, PermissionsExt};
    if let Some(parent) = dir.parent().filter(|p| !p.exists()) {
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(parent)?;
    }
    match fs::DirBuilder::new().mode(0o700).create(dir) {
        Ok(()) => return Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(e),
    }
    let meta = fs::symlink_metadata(dir)?;
    // SAFETY: geteuid cannot fail.
    if !meta.is_dir() || meta.uid() != unsafe { libc::geteuid() } {
        return Err(std::io::Error::other(format!(
            "{} is not a directory of this user's",
            dir.display()
        )));
    }
    if meta.mode() & 0o077 != 0 {
        fs::set_permissions(dir, fs::Permissions::from_mode(0o700))?;
    }
    Ok(())
}

#[cfg(not(unix))]
pub fn private_dir(dir: &Path) -> std::io::Result<()> {
    fs::create_dir_all(dir)
}

/// Replaces `path` with `bytes` in a private (0700) directory: see [`replace_file`].
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    private_dir(path.parent().expect("a state file has a parent"))?;
    replace_file(path, bytes)
}

/// Replaces `path` with `bytes`: a 0600 temporary file (tempfile's mode) in the same directory,
/// synced, then renamed over it. A reader sees the old content or the new; a symlink at `path`
/// is replaced, never written through.
pub fn replace_file(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::Builder::new().prefix(".tmp").tempfile_in(dir)?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}
