//! Reading project files defensively: a cloned repository may hold anything. Only regular files
//! of at most 1 MiB are read, never through a symlink that leaves the project, never blocking
//! on a FIFO or device, and bad UTF-8 is reported by line without quoting the bytes. The
//! user's own configuration directories are read the same way, except that a symlink may lead
//! anywhere (dotfiles are often links into a repository of them).

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use crate::error::io_reason;
use crate::text::line_of;

/// The largest project file ca-env reads.
pub const MAX_FILE: u64 = 1024 * 1024;

/// The most ca-env reads of one project's files in all, so that many large files cannot hold
/// up the prompt.
pub const MAX_TOTAL: u64 = 8 * MAX_FILE;

/// Why a project file could not be used.
#[derive(Debug)]
pub struct Unreadable {
    pub line: Option<usize>,
    pub reason: String,
}

impl Unreadable {
    fn new(reason: impl Into<String>) -> Unreadable {
        Unreadable {
            line: None,
            reason: reason.into(),
        }
    }
}

pub struct ProjectFs {
    root: PathBuf,
    /// The root with every symlink resolved: what "inside the project" is checked against.
    canonical: PathBuf,
    /// Bytes read so far, against [`MAX_TOTAL`].
    read_total: std::cell::Cell<u64>,
    /// Whether symlinks must stay under the root (a project's files) or may lead anywhere
    /// (the user's own configuration).
    confined: bool,
}

impl ProjectFs {
    /// A project's files: symlinks must stay inside it.
    pub fn new(root: &Path) -> Result<ProjectFs, String> {
        ProjectFs::open(root, true)
    }

    /// A directory of the user's own configuration: symlinks may lead anywhere.
    pub fn users(dir: &Path) -> Result<ProjectFs, String> {
        ProjectFs::open(dir, false)
    }

    fn open(root: &Path, confined: bool) -> Result<ProjectFs, String> {
        let canonical = root.canonicalize().map_err(|e| {
            format!(
                "{}: cannot open the project: {}",
                root.display(),
                io_reason(&e)
            )
        })?;
        Ok(ProjectFs {
            root: root.to_path_buf(),
            canonical,
            read_total: std::cell::Cell::new(0),
            confined,
        })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Where `rel` (relative to the root) really is, when that is inside the project.
    /// `Ok(None)` when nothing is there.
    pub fn resolve(&self, rel: &Path) -> Result<Option<PathBuf>, Unreadable> {
        let path = self.root.join(rel);
        match std::fs::symlink_metadata(&path) {
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(Unreadable::new(format!("cannot read: {}", io_reason(&e)))),
        }
        let real = path.canonicalize().map_err(|e| {
            Unreadable::new(match e.raw_os_error() {
                #[cfg(unix)]
                Some(libc::ELOOP) => "a symlink loop".to_string(),
                _ if e.kind() == std::io::ErrorKind::NotFound => "a dangling symlink".to_string(),
                _ => format!("cannot resolve: {}", io_reason(&e)),
            })
        })?;
        if self.confined && !real.starts_with(&self.canonical) {
            return Err(Unreadable::new("leads outside the project; not read"));
        }
        Ok(Some(real))
    }

    /// The text of `rel`, or `Ok(None)` when it does not exist.
    pub fn read(&self, rel: &Path) -> Result<Option<String>, Unreadable> {
        match self.resolve(rel)? {
            Some(real) => self.read_resolved(&real).map(Some),
            None => Ok(None),
        }
    }

    /// The text of a path [`resolve`](Self::resolve) returned.
    pub fn read_resolved(&self, real: &Path) -> Result<String, Unreadable> {
        let file = open_nonblocking(real)
            .map_err(|e| Unreadable::new(format!("cannot read: {}", io_reason(&e))))?;
        let meta = file
            .metadata()
            .map_err(|e| Unreadable::new(format!("cannot read: {}", io_reason(&e))))?;
        if !meta.is_file() {
            return Err(Unreadable::new("not a regular file; not read"));
        }
        if meta.len() > MAX_FILE {
            return Err(Unreadable::new("larger than 1 MiB; not read"));
        }
        if self.read_total.get() + meta.len() > MAX_TOTAL {
            return Err(Unreadable::new(
                "the project's files are larger than 8 MiB in all; not read",
            ));
        }
        let mut bytes = Vec::with_capacity(meta.len() as usize);
        file.take(MAX_FILE + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| Unreadable::new(format!("cannot read: {}", io_reason(&e))))?;
        if bytes.len() as u64 > MAX_FILE {
            return Err(Unreadable::new("larger than 1 MiB; not read"));
        }
        self.read_total
            .set(self.read_total.get() + bytes.len() as u64);
        let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(&bytes);
        match std::str::from_utf8(bytes) {
            Ok(text) => Ok(text.to_string()),
            Err(e) => Err(Unreadable {
                line: Some(line_of(bytes, e.valid_up_to())),
                reason: "not valid UTF-8; not read".into(),
            }),
        }
    }

    /// Whether `rel` names a directory inside the project.
    pub fn is_dir(&self, rel: &Path) -> bool {
        matches!(self.resolve(rel), Ok(Some(real)) if real.is_dir())
    }

    /// A path inside the project shown relative to its root (as problems name files).
    pub fn relative(&self, real: &Path) -> PathBuf {
        real.strip_prefix(&self.canonical)
            .map(Path::to_path_buf)
            .unwrap_or_else(|_| real.to_path_buf())
    }
}

/// Opens without following a final symlink and without blocking on a FIFO.
#[cfg(unix)]
fn open_nonblocking(path: &Path) -> std::io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOFOLLOW)
        .open(path)
}

#[cfg(not(unix))]
fn open_nonblocking(path: &Path) -> std::io::Result<File> {
    File::open(path)
}
