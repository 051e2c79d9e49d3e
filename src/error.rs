//! The one error type: a message, an optional hint, and the exit status DESIGN section 2 gives
//! its cause. Printed as one line on stderr.

use std::fmt;
use std::path::Path;
use std::process::ExitCode;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// AWS refused, the network, the store.
    Runtime,
    /// The command line.
    Usage,
    /// The project's files: bad or untrusted input.
    Input,
    /// A deadline passed (124, as timeout(1) says).
    Deadline,
    /// `exec`: the command exists but cannot be run.
    CannotRun,
    /// `exec`: no such command.
    NotFound,
    /// `exec` where ca-env cannot become the command: the command's own status.
    #[cfg(not(unix))]
    Child(u8),
}

impl Exit {
    pub fn code(self) -> u8 {
        match self {
            Exit::Runtime => 1,
            Exit::Usage => 2,
            Exit::Input => 3,
            Exit::Deadline => 124,
            Exit::CannotRun => 126,
            Exit::NotFound => 127,
            #[cfg(not(unix))]
            Exit::Child(code) => code,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Error {
    pub exit: Exit,
    pub message: String,
    pub hint: Option<String>,
}

pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    pub fn new(exit: Exit, message: impl Into<String>) -> Error {
        Error {
            exit,
            message: message.into(),
            hint: None,
        }
    }

    /// The exit status of errors already printed one by one (a command that went on past
    /// them): nothing more is printed.
    pub fn already_said(first: &Error) -> Error {
        Error::new(first.exit, "")
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Error {
        self.hint = Some(hint.into());
        self
    }

    pub fn exit_code(&self) -> ExitCode {
        ExitCode::from(self.exit.code())
    }
}

impl fmt::Display for Error {
    /// `ca-env: message; hint: what to run` — one line, so a hook's stderr stays one line too.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ca-env: {}", self.message)?;
        if let Some(hint) = &self.hint {
            write!(f, "; hint: {hint}")?;
        }
        Ok(())
    }
}

/// A file of ca-env's own state could not be written: the cause in plain words, naming `place`
/// (the file or directory that matters, never the temporary file the write went through), with
/// the hint that fits the cause.
pub fn cannot_write(place: &Path, e: &std::io::Error) -> Error {
    let err = Error::new(
        Exit::Runtime,
        format!(
            "cannot write {}: {}",
            place.display(),
            crate::error::io_reason(e)
        ),
    );
    match write_hint(place, e.kind()) {
        Some(hint) => err.with_hint(hint),
        None => err,
    }
}

/// What to do when a file under `place` (in ca-env's state directory) cannot be written.
pub fn write_hint(place: &Path, kind: std::io::ErrorKind) -> Option<String> {
    use std::io::ErrorKind;
    let place = place.display();
    match kind {
        ErrorKind::StorageFull | ErrorKind::QuotaExceeded => {
            Some(format!("free some space on the disk holding {place}"))
        }
        ErrorKind::ReadOnlyFilesystem | ErrorKind::PermissionDenied => Some(format!(
            "make {place} writable, or set XDG_STATE_HOME to a writable directory"
        )),
        _ => None,
    }
}

/// An I/O error's kind in plain words, without the OS message's extras (a temporary file's
/// name, an errno).
pub fn io_reason(e: &std::io::Error) -> String {
    use std::io::ErrorKind;
    match e.kind() {
        ErrorKind::PermissionDenied => "permission denied".into(),
        ErrorKind::NotFound => "not found".into(),
        ErrorKind::StorageFull => "the disk is full".into(),
        ErrorKind::QuotaExceeded => "the disk quota is used up".into(),
        ErrorKind::ReadOnlyFilesystem => "the file system is read-only".into(),
        _ => e.kind().to_string(),
    }
}
