//! What ca-env found but could not use (a bad URL, a file it could not read, a name no shell
//! can export), as a value: where (a file, a line, or neither) and what. Shown by `status`, in
//! `status --json` and at `CA_ENV_LOG=warn`, always as `FILE:LINE: what` — a path and a line,
//! never the file's content.

use std::fmt;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub file: Option<PathBuf>,
    pub line: Option<usize>,
    pub what: String,
}

impl Problem {
    /// A problem of no one file (the working directory is gone, sources in several domains).
    pub fn general(what: impl Into<String>) -> Problem {
        Problem {
            file: None,
            line: None,
            what: what.into(),
        }
    }

    /// A problem in `file`, at `line` when known.
    pub fn in_file(file: &Path, line: Option<usize>, what: impl fmt::Display) -> Problem {
        Problem {
            file: Some(file.to_path_buf()),
            line,
            what: what.to_string(),
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.file, self.line) {
            (Some(file), Some(line)) => write!(f, "{}:{line}: {}", file.display(), self.what),
            (Some(file), None) => write!(f, "{}: {}", file.display(), self.what),
            (None, _) => f.write_str(&self.what),
        }
    }
}

impl serde::Serialize for Problem {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shown_as_file_line_what() {
        let p = Path::new("/p/pyproject.toml");
        assert_eq!(
            Problem::in_file(p, Some(3), "not valid TOML").to_string(),
            "/p/pyproject.toml:3: not valid TOML"
        );
        assert_eq!(
            Problem::in_file(p, None, "cannot read: permission denied").to_string(),
            "/p/pyproject.toml: cannot read: permission denied"
        );
        assert_eq!(Problem::general("gone").to_string(), "gone");
        assert_eq!(
            serde_json::to_string(&[Problem::in_file(p, Some(1), "x")]).unwrap(),
            "[\"/p/pyproject.toml:1: x\"]"
        );
    }
}
