//! Discovery: every index URL the Python tools would use from the working directory, found as
//! each tool finds its own settings. The project around the working directory (the nearest
//! directory, walking up, that holds a file naming indexes), uv's workspace root and the
//! nearest uv settings, the user's and the system's configuration files, and the user's own
//! variables. One module per tool; each reports what it found as [`Entry`]s (CodeArtifact or
//! not: names of other indexes matter for collisions), each with the rule that put it there
//! ([`Origin`]), and what it could not read as problems naming path and line, never quoting
//! the content.

mod bundler;
mod cargo;
mod environment;
mod files;
mod gradle;
mod maven;
mod npm;
mod nuget;
mod pdm;
mod pip;
mod pipenv;
mod pixi;
mod poetry;
mod pyproject;
mod requirements;
mod root;
mod swift;
mod toml_doc;
mod uv;
mod xml_doc;
mod yaml_doc;
mod yarn;

use std::path::{Path, PathBuf};

use files::ProjectFs;

use crate::env::Env;
use crate::problem::Problem;
pub use crate::tools::{Entry, Form, Origin, Role, Tool};
pub use maven::Servers as MavenServers;
pub use npm::{line_kv as npmrc_line, user_file as npm_user_file};

/// What discovery found.
#[derive(Debug, Default)]
pub struct Found {
    /// The project around the working directory, if any.
    pub root: Option<PathBuf>,
    pub entries: Vec<Entry>,
    pub problems: Vec<Problem>,
    /// The files that may name indexes and exist (read or not), and the directories that would
    /// hold the user's configuration files, for the hook to watch.
    pub files: Vec<PathBuf>,
    /// The `<server>` ids of Maven's settings files: Maven sends credentials only through them.
    pub maven_servers: MavenServers,
}

/// Finds every index the tools would use here: the user's variables first (pip and uv read
/// them over any file), then the project's files, then the user's and the system's files.
pub fn discover(env: &Env) -> Found {
    let mut found = Found::default();
    let Some(cwd) = env.cwd() else {
        found
            .problems
            .push(Problem::general("the working directory no longer exists"));
        return found;
    };
    environment::read(env, &mut found);
    let home = env.home();
    found.root = root::find(&cwd, home.as_deref());
    if let Some(root) = found.root.clone() {
        found.read_project(&root);
    }
    uv::discover(env, &cwd, &mut found);
    pip::discover(env, &mut found);
    poetry::discover(env, &mut found);
    pdm::discover(env, &mut found);
    pipenv::discover(env, &cwd, &mut found);
    // The other formats' tools, each finding its files from the working directory its way.
    npm::discover(env, &cwd, &mut found);
    yarn::discover(env, &cwd, &mut found);
    cargo::discover(env, &cwd, &mut found);
    maven::discover(env, &cwd, &mut found);
    gradle::discover(env, &cwd, &mut found);
    nuget::discover(env, &cwd, &mut found);
    bundler::discover(env, &cwd, &mut found);
    swift::discover(env, &cwd, &mut found);
    found
}

/// Every entry of pip's own files, whichever wins: where `aws codeartifact login` may have
/// left a token (`Entry::had_credentials`), for `ca-env doctor`.
pub fn pip_entries(env: &Env) -> Found {
    let mut found = Found::default();
    for (path, origin) in pip::files(env) {
        found.read_file(&path, origin, pip::read_file);
    }
    found
}

impl Found {
    /// Reads every project file in `root` that tools read from the project's own directory.
    fn read_project(&mut self, root: &Path) {
        self.read_in(root, Origin::Project, |c| {
            pyproject::read(c);
            poetry::read_project(c);
            pdm::read_project(c);
            pip::read_project(c);
            pixi::read(c);
            requirements::read(c);
        });
    }

    /// Reads files in `dir` with `read`; entries and problems get `origin`. A project's files
    /// must stay inside it; the user's own may be symlinks to anywhere. A directory that does
    /// not exist is nothing to read.
    fn read_in(&mut self, dir: &Path, origin: Origin, read: impl FnOnce(&mut Collector)) {
        let opened = match origin {
            Origin::Project
            | Origin::WorkspaceRoot
            | Origin::WorkspaceMember
            | Origin::SiteConfig => ProjectFs::new(dir),
            _ => ProjectFs::users(dir),
        };
        let fs = match opened {
            Ok(fs) => fs,
            Err(_) if std::fs::symlink_metadata(dir).is_err() => return,
            Err(problem) => return self.problems.push(Problem::general(problem)),
        };
        // Files of the project's own directory are named relative to it, as the user sees them.
        let relative = origin == Origin::Project && self.root.as_deref() == Some(dir);
        let mut c = Collector {
            fs,
            origin,
            relative,
            entries: Vec::new(),
            problems: Vec::new(),
            files: Vec::new(),
        };
        read(&mut c);
        self.entries.append(&mut c.entries);
        // Several tools read one file (`pyproject.toml`): what is wrong with it is said once.
        for p in c.problems {
            if !self.problems.contains(&p) {
                self.problems.push(p);
            }
        }
        // System files are read at every export but not watched: they change with the system,
        // and every watched path costs every prompt.
        if origin != Origin::SystemConfig {
            for f in c.files {
                self.watch(f);
            }
        }
    }

    /// Reads one file of the user's (or the system's, or one a variable names) with `read`.
    fn read_file(&mut self, path: &Path, origin: Origin, read: impl FnOnce(&mut Collector, &Path)) {
        let (Some(dir), Some(name)) = (path.parent(), path.file_name()) else {
            return;
        };
        // Watched even while absent, so that a file created later is noticed: its directory,
        // or the one above while that is missing too (`~/.config` for `~/.config/uv/`). The
        // hook leaves out $HOME and /etc, where something changes all the time; system files
        // are not watched at all (below).
        let parent = dir.parent().filter(|_| !dir.exists());
        if origin != Origin::SystemConfig {
            self.watch(parent.unwrap_or(dir).to_path_buf());
        }
        self.read_in(dir, origin, |c| read(c, Path::new(name)));
    }

    /// Notes a path for the hook to watch, when something is there.
    fn watch(&mut self, path: PathBuf) {
        if std::fs::symlink_metadata(&path).is_ok() && !self.files.contains(&path) {
            self.files.push(path);
        }
    }
}

/// Shared by the readers of one directory: its files, and what was found so far.
pub(crate) struct Collector {
    pub fs: ProjectFs,
    origin: Origin,
    /// Whether files are named relative to the directory (the project's own) or in full.
    relative: bool,
    entries: Vec<Entry>,
    pub problems: Vec<Problem>,
    files: Vec<PathBuf>,
}

impl Collector {
    /// How a file of this directory is named in entries and problems.
    fn shown(&self, rel: &Path) -> PathBuf {
        if self.relative {
            rel.to_path_buf()
        } else {
            self.fs.root().join(rel)
        }
    }

    /// Records what a file declares (its `file` relative to this directory).
    pub fn add(&mut self, mut entry: Entry) {
        entry.origin = self.origin;
        entry.file = self.shown(&entry.file);
        self.entries.push(entry);
    }

    /// The entries recorded so far, for readers that amend them (the login plugin's table).
    pub fn entries_mut(&mut self) -> &mut [Entry] {
        &mut self.entries
    }

    /// Records a problem in `file` (relative to this directory), at `line` when known.
    pub fn problem(&mut self, file: &Path, line: Option<usize>, message: impl std::fmt::Display) {
        let shown = self.shown(file);
        self.problems.push(Problem::in_file(&shown, line, message));
    }

    /// Reads a file, recording why when it cannot be used. `None` when absent or unusable.
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

    /// Notes `rel` as a file to watch, when something is there.
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

    /// Reads `rel` as XML (no DTD, bounded in size, nodes and depth) and hands it to `read`;
    /// a file that is not is one problem naming the line when known, never quoting it.
    pub fn with_xml(&mut self, rel: &Path, read: impl FnOnce(&mut Collector, &xml_doc::Xml)) {
        let Some(text) = self.read(rel) else {
            return;
        };
        match xml_doc::Xml::parse(&text) {
            Ok(xml) => read(self, &xml),
            Err((line, why)) => self.problem(rel, line, why),
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

/// The nearest directory from `start` upward for which `test` holds, with the walk's usual
/// bounds: not past the home directory (which is still looked at).
pub(crate) fn nearest(
    start: &Path,
    home: Option<&Path>,
    test: impl Fn(&Path) -> bool,
) -> Option<PathBuf> {
    for dir in start.ancestors() {
        if test(dir) {
            return Some(dir.to_path_buf());
        }
        if home == Some(dir) {
            break;
        }
    }
    None
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
