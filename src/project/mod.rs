//! Project discovery: walk up from the working directory to the project root, then read every
//! index URL the project's files declare. One module per kind of file; each reports what it
//! found as [`Entry`]s (CodeArtifact or not: names of other indexes matter for collisions) and
//! what it could not read as problems naming path and line, never quoting the content.

mod files;
mod pip_conf;
mod poetry_toml;
mod pyproject;
mod requirements;
mod root;
mod toml_doc;
mod uv;

use std::path::{Path, PathBuf};

use files::ProjectFs;

use crate::env::Env;
use crate::problem::Problem;
pub use crate::tools::{Entry, Origin, Role, Tool};

/// What discovery found.
#[derive(Debug, Default)]
pub struct Found {
    pub root: Option<PathBuf>,
    pub entries: Vec<Entry>,
    pub problems: Vec<Problem>,
    /// The project files that exist (read or not), for the hook to watch.
    pub files: Vec<PathBuf>,
}

/// Finds the project around the working directory and reads every file that may name an index.
pub fn discover(env: &Env) -> Found {
    let Some(cwd) = env.cwd() else {
        return Found {
            problems: vec![Problem::general("the working directory no longer exists")],
            ..Found::default()
        };
    };
    let Some(root) = root::find(&cwd, env.home().as_deref()) else {
        return Found::default();
    };
    read_project(&root)
}

/// Reads every project file in `root`.
pub fn read_project(root: &Path) -> Found {
    let mut c = match ProjectFs::new(root) {
        Ok(fs) => Collector::new(fs),
        Err(problem) => {
            return Found {
                root: Some(root.to_path_buf()),
                problems: vec![Problem::general(problem)],
                ..Found::default()
            }
        }
    };
    pyproject::read(&mut c);
    uv::read_uv_toml(&mut c);
    poetry_toml::read(&mut c);
    pip_conf::read(&mut c);
    requirements::read(&mut c);
    Found {
        root: Some(root.to_path_buf()),
        entries: c.entries,
        problems: c.problems,
        files: c.files,
    }
}

/// Shared by the readers: the project's files, and what was found so far.
pub(crate) struct Collector {
    pub fs: ProjectFs,
    pub entries: Vec<Entry>,
    pub problems: Vec<Problem>,
    pub files: Vec<PathBuf>,
}

impl Collector {
    fn new(fs: ProjectFs) -> Collector {
        Collector {
            fs,
            entries: Vec::new(),
            problems: Vec::new(),
            files: Vec::new(),
        }
    }

    /// Records a problem in `file` (relative to the root), at `line` when known.
    pub fn problem(&mut self, file: &Path, line: Option<usize>, message: impl std::fmt::Display) {
        self.problems.push(Problem::in_file(file, line, message));
    }

    /// Reads a project file, recording why when it cannot be used. `None` when absent or
    /// unusable.
    pub fn read(&mut self, rel: &Path) -> Option<String> {
        self.saw(rel);
        match self.fs.read(rel) {
            Ok(text) => text,
            Err(e) => {
                self.problem(rel, e.line, e.reason);
                None
            }
        }
    }

    /// Notes `rel` as a project file to watch, when something is there.
    pub fn saw(&mut self, rel: &Path) {
        let path = self.fs.root().join(rel);
        if std::fs::symlink_metadata(&path).is_ok() && !self.files.contains(&path) {
            self.files.push(path);
        }
    }

    /// Reads `rel` as TOML and hands it to `read`; a file that is not TOML is a problem that
    /// names the line and never quotes it.
    pub fn with_toml(&mut self, rel: &Path, read: impl FnOnce(&mut Collector, &toml_doc::Doc)) {
        let Some(text) = self.read(rel) else {
            return;
        };
        match toml_doc::Doc::parse(&text) {
            Ok(doc) => read(self, &doc),
            Err(line) => self.problem(rel, Some(line), "not valid TOML"),
        }
    }

    /// The tables of the array of tables at `path` under `base` (`[[tool.poetry.source]]`):
    /// empty when absent, a problem when something on the way has another type.
    pub fn array_of_tables<'a, 't>(
        &mut self,
        doc: &toml_doc::Doc<'t>,
        rel: &Path,
        base: &'a toml::de::DeTable<'t>,
        path: &[&str],
    ) -> Vec<(&'a toml::de::DeTable<'t>, usize)> {
        let what = path.join(".");
        let (parent, key) = path.split_at(path.len() - 1);
        let parent = match doc.table_in(base, parent) {
            Ok(Some(t)) => t,
            Ok(None) => return Vec::new(),
            Err(line) => {
                self.problem(
                    rel,
                    Some(line),
                    format!("{} is not a table", parent.join(".")),
                );
                return Vec::new();
            }
        };
        let Some(value) = parent.get(key[0]) else {
            return Vec::new();
        };
        toml_doc::tables(doc, value).unwrap_or_else(|line| {
            self.problem(rel, Some(line), format!("{what} is not an array of tables"));
            Vec::new()
        })
    }
}

/// A name quoted for a problem message when it is short and printable, else a stand-in: a
/// hostile name must not put control characters on the user's terminal.
pub fn quoted_name(name: &str) -> String {
    if !name.is_empty()
        && name.len() <= 64
        && name.chars().all(|c| c.is_ascii_graphic() || c == ' ')
        && !name.contains('\'')
    {
        format!("'{name}'")
    } else {
        "(a name with unprintable or unusual characters)".into()
    }
}

#[cfg(test)]
mod tests;
