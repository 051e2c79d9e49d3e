//! uv's settings, found as uv finds them (`crates/uv/src/lib.rs`, the `filesystem` settings):
//!
//! - `UV_NO_CONFIG`: no file at all; `UV_CONFIG_FILE`: that one `uv.toml` and no other;
//! - otherwise the project's: from the workspace root (a member directory uses the root's
//!   settings; `uv-workspace`, `find_workspace`: the first `pyproject.toml` above the project,
//!   when its `[tool.uv.workspace]` `members` globs include the project and `exclude` does not),
//!   else from the project, the nearest directory upward holding a `uv.toml` or a
//!   `pyproject.toml` with a `[tool.uv]` table (`FilesystemOptions::find`; `uv.toml` first);
//! - then the user's `$XDG_CONFIG_HOME/uv/uv.toml` and the system's (the first
//!   `$XDG_CONFIG_DIRS/uv/uv.toml`, else `/etc/uv/uv.toml`).
//!
//! The three combine as uv's `Combine` does: a single value (`index-url`, `publish-url`) from
//! the first file that sets it, lists (`[[index]]`, `extra-index-url`) from all. A variable of
//! the user's that sets the same (`UV_INDEX_URL`, `UV_DEFAULT_INDEX`) replaces the files'.
//!
//! In a file: `[[index]]` (named or not, `default`, `publish-url`), `index-url`,
//! `extra-index-url`, `publish-url`, and `index-url` and `extra-index-url` under `[pip]`.

use std::path::{Path, PathBuf};

use toml::de::{DeTable, DeValue};

use super::pip::{absolute, system_dirs};
use super::toml_doc::{Doc, Field};
use super::{Collector, Entry, Form, Found, Origin, Role};
use crate::env::Env;
use crate::tools::registry::{UV_CONFIG_FILE, UV_DEFAULT_INDEX, UV_INDEX_URL, UV_NO_CONFIG};
use crate::tools::Tool;

pub fn discover(env: &Env, cwd: &Path, found: &mut Found) {
    let first = found.entries.len();
    // The file `UV_CONFIG_FILE` names is read even with `UV_NO_CONFIG` (checked with uv 0.13).
    if let Some(file) = env.var(UV_CONFIG_FILE).filter(|f| !f.is_empty()) {
        found.read_file(&absolute(env, &file), Origin::EnvConfig, read_uv_toml);
        return keep_winners(env, found, first);
    }
    if env.var(UV_NO_CONFIG).is_some_and(|v| is_true(&v)) {
        return;
    }
    project(env, cwd, found);
    if let Some(config) = env.xdg_config_home() {
        found.read_file(&config.join("uv/uv.toml"), Origin::UserConfig, read_uv_toml);
    }
    let system = system_dirs(env)
        .into_iter()
        .map(|d| d.join("uv/uv.toml"))
        .find(|f| f.is_file())
        .unwrap_or_else(|| PathBuf::from("/etc/uv/uv.toml"));
    found.read_file(&system, Origin::SystemConfig, read_uv_toml);
    keep_winners(env, found, first);
}

/// The project's settings: from the workspace root, else from the nearest project, the nearest
/// directory upward that holds any.
pub fn project(env: &Env, cwd: &Path, found: &mut Found) {
    let home = env.home();
    let project = super::nearest(cwd, home.as_deref(), |d| d.join("pyproject.toml").is_file());
    let workspace = project.as_deref().and_then(Workspace::of);
    let start = match (&workspace, &project) {
        (Some(w), _) => &w.root,
        (None, Some(p)) => p,
        (None, None) => cwd,
    };
    if let Some(dir) = super::nearest(start, home.as_deref(), has_settings) {
        let origin = match &workspace {
            Some(w) if w.root == dir && found.root.as_ref() != Some(&w.root) => {
                Origin::WorkspaceRoot
            }
            _ => Origin::Project,
        };
        if present(&dir.join("uv.toml")) {
            found.read_in(&dir, origin, |c| read_uv_toml(c, Path::new("uv.toml")));
        } else {
            found.read_in(&dir, origin, read_pyproject);
        }
    }
    if let Some(w) = workspace {
        let members = w.member_dirs();
        let mut all = members.clone();
        all.push(w.root.clone());
        let pinned = pinned(&all);
        if !pinned.is_empty() {
            for member in &members {
                found.read_in(member, Origin::WorkspaceMember, |c| read_member(c, &pinned));
            }
        }
    }
}

/// uv's boolean variables: `1`, `true`, `yes`, `on`, `y`, `t` (clap's boolish values).
fn is_true(value: &str) -> bool {
    matches!(
        value.to_ascii_lowercase().as_str(),
        "1" | "true" | "yes" | "on" | "y" | "t"
    )
}

/// Whether uv takes its project settings from `dir`.
fn has_settings(dir: &Path) -> bool {
    present(&dir.join("uv.toml")) || {
        // Parsed only when it may hold the table: entering a directory reads this at each step.
        let text = small_file(&dir.join("pyproject.toml")).filter(|t| t.contains("uv"));
        text.and_then(|t| toml::from_str::<toml::Table>(&t).ok())
            .is_some_and(|t| tool_uv(&t).is_some())
    }
}

/// Something is there (the collector says what is wrong with it if it cannot be read).
fn present(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok()
}

fn tool_uv(t: &toml::Table) -> Option<&toml::Table> {
    t.get("tool")?.as_table()?.get("uv")?.as_table()
}

/// A small regular file's text (the collector reads and reports the one chosen; this only
/// looks for the table).
pub fn small_file(path: &Path) -> Option<String> {
    let meta = std::fs::metadata(path).ok()?;
    (meta.is_file() && meta.len() <= super::files::MAX_FILE)
        .then(|| std::fs::read_to_string(path).ok())
        .flatten()
}

/// A uv workspace: its root and its `members` and `exclude` globs (relative to the root).
struct Workspace {
    root: PathBuf,
    members: Vec<String>,
    exclude: Vec<String>,
}

/// The most workspace members whose indexes are read: each is a file read at every export.
const MAX_MEMBERS: usize = 64;

impl Workspace {
    /// The workspace declared in `dir`'s `pyproject.toml`, if any.
    fn declared_in(dir: &Path) -> Option<Workspace> {
        let text = small_file(&dir.join("pyproject.toml")).filter(|t| t.contains("workspace"))?;
        let t = toml::from_str::<toml::Table>(&text).ok()?;
        let table = tool_uv(&t)?.get("workspace")?.as_table()?;
        let globs = |key: &str| -> Vec<String> {
            let list = table.get(key).and_then(toml::Value::as_array);
            let items = list.into_iter().flatten();
            items
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        };
        Some(Workspace {
            root: dir.to_path_buf(),
            members: globs("members"),
            exclude: globs("exclude"),
        })
    }

    /// The workspace `project` belongs to: its own, else the one declared in the first
    /// `pyproject.toml` above it when that includes it and does not exclude it.
    fn of(project: &Path) -> Option<Workspace> {
        if let Some(w) = Workspace::declared_in(project) {
            return Some(w);
        }
        let above = project
            .ancestors()
            .skip(1)
            .find(|d| d.join("pyproject.toml").is_file())?;
        let w = Workspace::declared_in(above)?;
        w.is_member(project).then_some(w)
    }

    fn patterns<'a>(&'a self, globs: &'a [String]) -> impl Iterator<Item = String> + 'a {
        globs
            .iter()
            .map(|g| self.root.join(g).to_string_lossy().into_owned())
    }

    fn is_member(&self, dir: &Path) -> bool {
        let matches = |globs: &[String]| {
            self.patterns(globs)
                .any(|g| glob::Pattern::new(&g).is_ok_and(|p| p.matches_path(dir)))
        };
        matches(&self.members) && !matches(&self.exclude)
    }

    /// The members' directories (the root aside), as uv expands the globs.
    fn member_dirs(&self) -> Vec<PathBuf> {
        let mut dirs: Vec<PathBuf> = self
            .patterns(&self.members)
            .filter_map(|g| glob::glob(&g).ok())
            .flatten()
            .flatten()
            .filter(|d| *d != self.root && d.join("pyproject.toml").is_file())
            .filter(|d| self.is_member(d))
            .take(MAX_MEMBERS)
            .collect();
        dirs.sort();
        dirs.dedup();
        dirs
    }
}

/// The index names the workspace's `[tool.uv.sources]` pin packages to (`index = "NAME"`): a
/// member's own `[[tool.uv.index]]` is used for those alone (checked with uv 0.13: an index a
/// member declares and nothing pins gets no request).
fn pinned(dirs: &[PathBuf]) -> Vec<String> {
    let mut names = Vec::new();
    for dir in dirs {
        let Some(t) = small_file(&dir.join("pyproject.toml"))
            .and_then(|text| toml::from_str::<toml::Table>(&text).ok())
        else {
            continue;
        };
        let sources = tool_uv(&t).and_then(|u| u.get("sources")?.as_table().cloned());
        for value in sources.iter().flat_map(|s| s.values()) {
            let tables: Vec<&toml::Value> = match value {
                toml::Value::Array(items) => items.iter().collect(),
                other => vec![other],
            };
            for table in tables {
                if let Some(name) = table.get("index").and_then(toml::Value::as_str) {
                    names.push(name.to_string());
                }
            }
        }
    }
    names
}

/// A member's `[[tool.uv.index]]` tables whose names something pins to.
fn read_member(c: &mut Collector, pinned: &[String]) {
    let rel = Path::new("pyproject.toml");
    c.with_toml(rel, |c, doc| {
        let Ok(Some(uv)) = doc.table(&["tool", "uv"]) else {
            return;
        };
        for (index, line) in c.array_of_tables(doc, rel, uv, &["index"]) {
            let named = match doc.str_field(index, "name") {
                Field::Str(n, _) => pinned.iter().any(|p| p == n),
                _ => false,
            };
            if named {
                read_index(c, doc, index, line, rel);
            }
        }
    });
}

/// `pyproject.toml`'s `[tool.uv]`.
fn read_pyproject(c: &mut Collector) {
    let rel = Path::new("pyproject.toml");
    c.with_toml(rel, |c, doc| match doc.table(&["tool", "uv"]) {
        Ok(Some(table)) => read_settings(c, doc, table, rel),
        Ok(None) => {}
        Err(line) => c.problem(rel, Some(line), "tool.uv is not a table"),
    });
}

/// A `uv.toml`.
fn read_uv_toml(c: &mut Collector, rel: &Path) {
    c.with_toml(rel, |c, doc| read_settings(c, doc, doc.root(), rel));
}

/// Single values from the first file that sets them (project, user, system), and none where
/// the user's own variable sets it.
fn keep_winners(env: &Env, found: &mut Found, first: usize) {
    let single = |e: &Entry| match (e.form, e.role) {
        (Form::UvUrlKey, Role::Index) => Some(("index-url", env.is_set(UV_INDEX_URL))),
        (Form::ToolConfig, Role::Index) if e.name.is_none() => {
            Some(("default", env.is_set(UV_DEFAULT_INDEX)))
        }
        (_, Role::Publish) if e.name.is_none() => Some(("publish-url", false)),
        _ => None,
    };
    let mut winners: Vec<(&str, PathBuf)> = Vec::new();
    let mut drop = Vec::new();
    for (i, e) in found.entries.iter().enumerate().skip(first) {
        let Some((key, overridden)) = single(e) else {
            continue;
        };
        match winners.iter().find(|(k, _)| *k == key) {
            _ if overridden => drop.push(i),
            Some((_, file)) if *file != e.file => drop.push(i),
            Some(_) => {}
            None => winners.push((key, e.file.clone())),
        }
    }
    let mut i = 0;
    found.entries.retain(|_| {
        i += 1;
        !drop.contains(&(i - 1))
    });
}

fn read_settings(c: &mut Collector, doc: &Doc, table: &DeTable, rel: &Path) {
    for (index, line) in c.array_of_tables(doc, rel, table, &["index"]) {
        read_index(c, doc, index, line, rel);
    }
    read_url_keys(c, doc, table, rel);
    // `[tool.uv] publish-url`: where a plain `uv publish` uploads (not a key of `[pip]`).
    match doc.str_field(table, "publish-url") {
        Field::Str(url, l) => push(c, rel, Form::ToolConfig, None, url, Role::Publish, l),
        Field::Missing => {}
        Field::WrongType(l) => c.problem(rel, Some(l), "uv's publish-url is not a string"),
    }
    if let Some(pip) = table.get("pip") {
        match pip.get_ref() {
            DeValue::Table(pip) => read_url_keys(c, doc, pip, rel),
            _ => c.problem(
                rel,
                Some(doc.line(pip.span())),
                "uv's pip settings are not a table",
            ),
        }
    }
}

fn push(
    c: &mut Collector,
    rel: &Path,
    form: Form,
    name: Option<&str>,
    url: &str,
    role: Role,
    line: usize,
) {
    c.add(Entry::new(Tool::Uv, form, role, name, url, rel, line));
}

fn read_index(c: &mut Collector, doc: &Doc, index: &DeTable, line: usize, rel: &Path) {
    let name = match doc.str_field(index, "name") {
        Field::Str(n, _) => Some(n),
        Field::Missing => None,
        Field::WrongType(l) => return c.problem(rel, Some(l), "a uv index name is not a string"),
    };
    let role = if name.is_some() || doc.bool_field(index, "default") {
        Role::Index
    } else {
        Role::Extra
    };
    match doc.str_field(index, "url") {
        Field::Str(url, l) => push(c, rel, Form::ToolConfig, name, url, role, l),
        Field::Missing => c.problem(rel, Some(line), "a uv index has no url"),
        Field::WrongType(l) => c.problem(rel, Some(l), "a uv index url is not a string"),
    }
    match doc.str_field(index, "publish-url") {
        Field::Str(url, l) => push(c, rel, Form::ToolConfig, name, url, Role::Publish, l),
        Field::Missing => {}
        Field::WrongType(l) => c.problem(rel, Some(l), "a uv publish-url is not a string"),
    }
}

/// `index-url = "…"` and `extra-index-url = ["…"]` (a lone string is taken too).
fn read_url_keys(c: &mut Collector, doc: &Doc, table: &DeTable, rel: &Path) {
    for (key, role) in [("index-url", Role::Index), ("extra-index-url", Role::Extra)] {
        let Some(value) = table.get(key) else {
            continue;
        };
        let items: Vec<_> = match value.get_ref() {
            DeValue::Array(items) => items.iter().collect(),
            _ => vec![value],
        };
        for item in items {
            let line = doc.line(item.span());
            match item.get_ref() {
                DeValue::String(url) => push(c, rel, Form::UvUrlKey, None, url, role, line),
                _ => c.problem(rel, Some(line), format!("uv's {key} is not a string")),
            }
        }
    }
}
