//! ca-env's own files under `$XDG_STATE_HOME/ca-env`: one private directory ([`StateDir`]
//! names every file in it), and files replaced whole by rename so a reader sees the old content
//! or the new, never half of either.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::env::Env;

/// `$XDG_STATE_HOME/ca-env`, else `~/.local/state/ca-env`.
pub fn dir(env: &Env) -> Option<StateDir> {
    env.xdg_state_home().map(|d| StateDir(d.join("ca-env")))
}

/// ca-env's state directory, and the one place that names what it keeps there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateDir(PathBuf);

impl StateDir {
    /// The (domain, owner) pairs `ca-env allow` trusts, one a line.
    pub fn allowed(&self) -> PathBuf {
        self.0.join("allowed")
    }

    /// The token index: which store holds each entry, its expiry, failures, logouts.
    pub fn index(&self) -> PathBuf {
        self.0.join("tokens.json")
    }

    /// The lock taken while the index is rewritten.
    pub fn index_lock(&self) -> PathBuf {
        self.0.join("tokens.lock")
    }

    /// One lock per entry while its token is fetched (`stem`: the entry's file stem).
    pub fn entry_lock(&self, stem: &str) -> PathBuf {
        self.0.join("locks").join(format!("{stem}.lock"))
    }

    /// The file store's entries.
    pub fn secrets(&self) -> PathBuf {
        self.0.join("secrets")
    }

    /// The key of the shell state's hashes.
    pub fn shell_key(&self) -> PathBuf {
        self.0.join("shell.key")
    }

    /// The hook's reference files.
    pub fn references(&self) -> PathBuf {
        self.0.join("ref")
    }

    /// The file fish's hook writes at each prompt to read the time from, where the runtime
    /// directory cannot hold it.
    pub fn clock(&self) -> PathBuf {
        self.0.join("clock")
    }

    /// netrc copies, where the runtime directory cannot hold them.
    pub fn netrc(&self) -> PathBuf {
        self.0.join("netrc")
    }

    /// What background refreshes say.
    pub fn refresh_log(&self) -> PathBuf {
        self.0.join("refresh.log")
    }

    /// A file written and removed to learn why nothing could be stored.
    pub fn probe(&self) -> PathBuf {
        self.0.join(".probe")
    }
}

impl std::ops::Deref for StateDir {
    type Target = Path;

    fn deref(&self) -> &Path {
        &self.0
    }
}

/// `$XDG_RUNTIME_DIR/ca-env` (memory, cleared at logout) when the runtime directory is there
/// and private to this user. The runtime directory is logind's: ca-env never creates it or its
/// parents, and one left behind by `su` or a tmux server outliving the login (gone, another
/// user's, read-only) is skipped.
pub fn runtime_dir(env: &Env) -> Option<PathBuf> {
    let run = env
        .var(crate::tools::registry::XDG_RUNTIME_DIR)
        .filter(|d| d.starts_with('/'))
        .map(PathBuf::from)?;
    private_to_us(&run).then(|| run.join("ca-env"))
}

/// Where fish's hook reads the time from (a file it empties at each prompt, whose date is then
/// now), in order: the runtime directory, where that write costs no disk, then the state
/// directory.
pub fn clock_files(env: &Env) -> Vec<PathBuf> {
    let mut files = Vec::new();
    files.extend(runtime_dir(env).map(|d| d.join("clock")));
    files.extend(dir(env).map(|d| d.clock()));
    files
}

#[cfg(unix)]
fn private_to_us(dir: &Path) -> bool {
    use std::os::unix::ffi::OsStrExt;
    use std::os::unix::fs::MetadataExt;
    let Ok(meta) = fs::symlink_metadata(dir) else {
        return false;
    };
    let Ok(c) = std::ffi::CString::new(dir.as_os_str().as_bytes()) else {
        return false;
    };
    // SAFETY: geteuid cannot fail; access reads a NUL-terminated path.
    let writable = unsafe { libc::access(c.as_ptr(), libc::W_OK | libc::X_OK) } == 0;
    meta.is_dir()
        && meta.uid() == unsafe { libc::geteuid() }
        && meta.mode() & 0o077 == 0
        && writable
}

#[cfg(not(unix))]
fn private_to_us(dir: &Path) -> bool {
    dir.is_dir()
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

/// Why [`read_regular`] gave no text.
#[derive(Debug)]
pub enum Unreadable {
    /// A directory, FIFO, device or socket.
    NotRegular,
    /// Larger than the limit.
    TooLarge,
    Io(std::io::Error),
}

/// The bytes of the regular file at `path`, at most `max`; `None` when there is no such file.
/// Opened without blocking, so a FIFO there never holds the caller.
pub fn read_regular(path: &Path, max: u64) -> Result<Option<Vec<u8>>, Unreadable> {
    use std::io::Read;
    let mut options = fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    let file = match options.open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(Unreadable::Io(e)),
    };
    if !file.metadata().map_err(Unreadable::Io)?.is_file() {
        return Err(Unreadable::NotRegular);
    }
    let mut bytes = Vec::new();
    file.take(max + 1)
        .read_to_end(&mut bytes)
        .map_err(Unreadable::Io)?;
    if bytes.len() as u64 > max {
        return Err(Unreadable::TooLarge);
    }
    Ok(Some(bytes))
}

/// Where the files ca-env generates for tools go (the netrc and npm configuration copies), in
/// order: `$XDG_RUNTIME_DIR/ca-env` (memory, cleared at logout) when the runtime directory is
/// usable (see [`runtime_dir`]), then the state directory.
pub fn generated_dirs(env: &Env) -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    dirs.extend(runtime_dir(env));
    dirs.extend(dir(env).map(|d| d.netrc()));
    dirs
}
