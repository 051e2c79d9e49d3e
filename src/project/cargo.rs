//! Cargo's registries, found as Cargo reads its configuration (rust-lang/cargo
//! `src/cargo/util/context/mod.rs`, `walk_tree` and `get_file_path`):
//!
//! - `.cargo/config` or `.cargo/config.toml` (the one without extension when both exist) in the
//!   working directory and every parent up to the root, the closest first; then the one in
//!   `$CARGO_HOME` (default `~/.cargo`) unless the walk already passed it;
//! - a key set in several files takes the closest file's value; a variable of the user's
//!   (`CARGO_REGISTRIES_<NAME>_INDEX`, `CARGO_REGISTRY_DEFAULT`) wins over every file.
//!
//! In a file: `[registries.NAME] index` (a registry a dependency or `--registry NAME` names),
//! `[registry] default` (where a plain `cargo publish` goes), and `[source.NAME]` with
//! `replace-with` and `registry` (source replacement).
//!
//! Cargo finds a registry's token by its name, and finds the name by the index URL among the
//! `CARGO_REGISTRIES_<NAME>_INDEX` variables and the `[registries]` tables
//! (`src/cargo/util/auth/mod.rs`, `registry_credential_config_raw_uncached`): a replacement
//! defined only under `[source]` has no name there, so no variable can give it a token.
//! CodeArtifact serves only the sparse protocol: an index is `sparse+https://…/cargo/REPO/`,
//! and the `sparse+` is dropped before the URL is judged.

use std::path::{Path, PathBuf};

use toml::de::{DeTable, DeValue};

use super::toml_doc::{Doc, Field};
use super::{quoted_name, Collector, Entry, Form, Found, Origin, Role, Tool};
use crate::env::Env;
use crate::tools::names::cargo_key;
use crate::tools::registry::{CARGO_HOME, CARGO_REGISTRIES_PREFIX, CARGO_REGISTRY_DEFAULT};

/// Said of a CodeArtifact repository given as a git index.
const GIT_INDEX: &str = "a git index, but CodeArtifact serves Cargo's sparse protocol only (hint: write the index as sparse+URL); not used";

/// Said of a CodeArtifact repository that a `[source]` table alone defines.
const SOURCE_ONLY: &str = "defined only under [source], where Cargo reads no token variable (hint: define it as [registries.NAME] index = URL and write replace-with = NAME); not used";

/// Where Cargo's sparse protocol is asked for.
const SPARSE: &str = "sparse+";

/// What an entry came from, for settling the winners once every file is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Def {
    Registry,
    Source,
}

/// What the files say beyond their entries, gathered across all of them.
#[derive(Default)]
struct Seen {
    /// For each entry added (in order): what it came from, its name, and the index as written.
    defs: Vec<(Def, String, String)>,
    /// `[registry] default`, from the closest file (or the variable) that sets it.
    default: Option<String>,
    /// Every `replace-with` target.
    replacements: Vec<String>,
}

pub fn discover(env: &Env, cwd: &Path, found: &mut Found) {
    let first = found.entries.len();
    let mut seen = Seen::default();
    variables(env, found, &mut seen);
    let home = cargo_home(env);
    let canonical_home = home.as_deref().and_then(|h| h.canonicalize().ok());
    let users = env.home();
    let mut passed_home = false;
    for dir in cwd.ancestors() {
        let dot = dir.join(".cargo");
        let is_home = home.as_deref() == Some(dot.as_path())
            || (canonical_home.is_some() && dot.canonicalize().ok() == canonical_home);
        passed_home |= is_home;
        let Some(name) = config_name(&dot) else {
            continue;
        };
        // `$CARGO_HOME` and `~/.cargo` are the user's own, their word; any other directory's
        // needs `allow`.
        let origin = if is_home || users.as_deref() == Some(dir) {
            Origin::UserConfig
        } else {
            Origin::Project
        };
        found.read_in(&dot, origin, |c| read(c, Path::new(name), &mut seen));
    }
    if let (Some(home), false) = (home, passed_home) {
        let name = config_name(&home).unwrap_or("config.toml");
        found.read_file(&home.join(name), Origin::UserConfig, |c, rel| {
            read(c, rel, &mut seen);
        });
    }
    settle(found, first, &seen);
}

/// `$CARGO_HOME` (relative to the working directory when relative), else `~/.cargo`.
fn cargo_home(env: &Env) -> Option<PathBuf> {
    match env.var(CARGO_HOME).filter(|h| !h.is_empty()) {
        Some(h) => Some(super::pip::absolute(env, &h)),
        None => env.home().map(|h| h.join(".cargo")),
    }
}

/// The configuration file Cargo reads in `dir`: `config` when it exists, else `config.toml`.
fn config_name(dir: &Path) -> Option<&'static str> {
    ["config", "config.toml"]
        .into_iter()
        .find(|name| std::fs::symlink_metadata(dir.join(name)).is_ok())
}

/// `CARGO_REGISTRIES_<NAME>_INDEX` and `CARGO_REGISTRY_DEFAULT`. Cargo knows such a registry
/// by NAME lower-cased (`auth/mod.rs`), and `-` and `_` meet in the variable's name anyway.
fn variables(env: &Env, found: &mut Found, seen: &mut Seen) {
    let mut vars: Vec<(String, String)> = env
        .all()
        .filter_map(|(k, v)| Some((k.to_str()?, v.to_str()?)))
        .filter(|(k, _)| {
            // Cargo looks a registry's index up under the upper-cased name.
            k.strip_prefix(CARGO_REGISTRIES_PREFIX)
                .and_then(|rest| rest.strip_suffix("_INDEX"))
                .is_some_and(|n| {
                    !n.is_empty()
                        && n.bytes()
                            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
                })
        })
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    vars.sort();
    for (var, index) in vars {
        let name = var[CARGO_REGISTRIES_PREFIX.len()..var.len() - "_INDEX".len()].to_lowercase();
        let (url, form) = index_url(&index);
        let file = PathBuf::from(format!("env:{var}"));
        let mut e = Entry::new(Tool::Cargo, form, Role::Index, Some(&name), url, &file, 0);
        e.origin = Origin::Environment;
        found.entries.push(e);
        seen.defs.push((Def::Registry, name, index));
    }
    seen.default = env.var(CARGO_REGISTRY_DEFAULT).filter(|d| !d.is_empty());
}

/// The URL to judge, and how the index may be used: `sparse+` dropped; a git index (no
/// `sparse+`) cannot be CodeArtifact's.
fn index_url(index: &str) -> (&str, Form) {
    match index.strip_prefix(SPARSE) {
        Some(url) => (url, Form::ToolConfig),
        None => (index, Form::Unusable(GIT_INDEX)),
    }
}

/// One configuration file.
fn read(c: &mut Collector, rel: &Path, seen: &mut Seen) {
    c.with_toml(rel, |c, doc| {
        for (name, table) in tables(c, doc, rel, "registries") {
            index(c, doc, rel, seen, (Def::Registry, name), table);
        }
        match doc.table(&["registry"]) {
            Ok(Some(table)) => match doc.str_field(table, "default") {
                Field::Str(name, _) => {
                    seen.default.get_or_insert_with(|| name.to_string());
                }
                Field::Missing => {}
                Field::WrongType(l) => c.problem(rel, Some(l), "registry.default is not a string"),
            },
            Ok(None) => {}
            Err(l) => c.problem(rel, Some(l), "registry is not a table"),
        }
        for (name, table) in tables(c, doc, rel, "source") {
            match doc.str_field(table, "replace-with") {
                Field::Str(to, _) => seen.replacements.push(to.to_string()),
                Field::Missing => {}
                Field::WrongType(l) => c.problem(
                    rel,
                    Some(l),
                    format!(
                        "replace-with of source {} is not a string",
                        quoted_name(&name)
                    ),
                ),
            }
            index(c, doc, rel, seen, (Def::Source, name), table);
        }
    });
}

/// The index a `[registries.NAME]` (`index`) or `[source.NAME]` (`registry`) table names, as
/// an entry; a source's cannot get a token even when sparse.
fn index(
    c: &mut Collector,
    doc: &Doc,
    rel: &Path,
    seen: &mut Seen,
    (def, name): (Def, String),
    table: &DeTable,
) {
    let (key, what) = match def {
        Def::Registry => ("index", "registry"),
        Def::Source => ("registry", "source"),
    };
    match doc.str_field(table, key) {
        Field::Str(index, l) => {
            let (url, form) = match index_url(index) {
                (url, Form::ToolConfig) if def == Def::Source => (url, Form::Unusable(SOURCE_ONLY)),
                other => other,
            };
            let e = Entry::new(Tool::Cargo, form, Role::Index, Some(&name), url, rel, l);
            c.add(e);
            seen.defs.push((def, name, index.to_string()));
        }
        Field::Missing => {}
        Field::WrongType(l) => c.problem(
            rel,
            Some(l),
            format!("the {key} of {what} {} is not a string", quoted_name(&name)),
        ),
    }
}

/// The tables under `[key]` (`[registries.NAME]`, `[source.NAME]`), each with its name; what
/// is not a table is a problem.
fn tables<'a, 't>(
    c: &mut Collector,
    doc: &'a Doc<'t>,
    rel: &Path,
    key: &str,
) -> Vec<(String, &'a DeTable<'t>)> {
    let parent = match doc.table(&[key]) {
        Ok(Some(t)) => t,
        Ok(None) => return Vec::new(),
        Err(line) => {
            c.problem(rel, Some(line), format!("{key} is not a table"));
            return Vec::new();
        }
    };
    let mut out = Vec::new();
    for (name, value) in parent.iter() {
        let name = name.get_ref().to_string();
        match value.get_ref() {
            DeValue::Table(t) => out.push((name, t)),
            _ => c.problem(
                rel,
                Some(doc.line(value.span())),
                format!("{key}.{} is not a table", quoted_name(&name)),
            ),
        }
    }
    out
}

/// Keeps what Cargo would use: for each registry name the first definition (a variable, then
/// the closest file), a variable also standing for every name Cargo spells the same way in it;
/// sources that a `replace-with` names and that no registry's index covers (those get the
/// registry's token); and `[registry] default` as a publish target.
fn settle(found: &mut Found, first: usize, seen: &Seen) {
    let entries = found.entries.split_off(first);
    let trimmed = |index: &str| index.trim_end_matches('/').to_string();
    let mut registries: Vec<(Entry, String)> = Vec::new();
    let mut sources: Vec<(Entry, String)> = Vec::new();
    for (e, (def, name, index)) in entries.into_iter().zip(&seen.defs) {
        match def {
            Def::Registry => {
                let shadowed = registries.iter().any(|(r, _)| {
                    r.name.as_deref() == Some(name.as_str())
                        || (r.origin == Origin::Environment
                            && r.name.as_deref().map(cargo_key) == Some(cargo_key(name)))
                });
                if !shadowed {
                    registries.push((e, trimmed(index)));
                }
            }
            Def::Source => {
                let shadowed = sources
                    .iter()
                    .any(|(s, _)| s.name.as_deref() == Some(name.as_str()));
                if !shadowed && seen.replacements.contains(name) {
                    sources.push((e, trimmed(index)));
                }
            }
        }
    }
    sources.retain(|(_, index)| !registries.iter().any(|(_, r)| r == index));
    let publish = seen.default.as_deref().and_then(|d| {
        let (e, _) = registries
            .iter()
            .find(|(r, _)| r.name.as_deref() == Some(d))
            // An index ca-env cannot serve is said once, as an index.
            .filter(|(r, _)| r.form == Form::ToolConfig)?;
        Some(Entry {
            role: Role::Publish,
            ..e.clone()
        })
    });
    found.entries.extend(registries.into_iter().map(|(e, _)| e));
    found.entries.extend(sources.into_iter().map(|(e, _)| e));
    found.entries.extend(publish);
}
