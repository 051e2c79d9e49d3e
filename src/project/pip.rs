//! pip's configuration files: `index-url` and `extra-index-url` (or with underscores, as pip
//! accepts) in any section; values may list several URLs.
//!
//! - The project's own `pip.conf` / `pip.ini` (pip reads none; a project points
//!   `PIP_CONFIG_FILE` at it, and ca-env reads it as that).
//! - pip's own files, in its order (`pip/_internal/configuration.py`,
//!   `Configuration.iter_config_files`): global (`$XDG_CONFIG_DIRS/pip/pip.conf`, default
//!   `/etc/xdg`, then `/etc/pip.conf`), user (`~/.pip/pip.conf`, then
//!   `$XDG_CONFIG_HOME/pip/pip.conf`; skipped when `PIP_CONFIG_FILE` names a file that exists),
//!   site (`$VIRTUAL_ENV/pip.conf`), then the file `PIP_CONFIG_FILE` names. A later file's value
//!   for a key replaces an earlier one's, and pip's own variable (`PIP_INDEX_URL`…) replaces
//!   them all, so only the winner of each key is a source. `PIP_CONFIG_FILE=/dev/null`
//!   (`os.devnull`) turns every file off.
//!
//! `aws codeartifact login --tool pip` writes `index-url = https://aws:TOKEN@…` into the user's
//! file: the token is dropped as the URL is read, and the entry says so.

use std::path::{Path, PathBuf};

use super::{Collector, Entry, Form, Found, Origin, Role, Tool};
use crate::codeartifact::url::without_credentials;
use crate::env::Env;
use crate::ini;
use crate::tools::registry::{
    PIP_CONFIG_FILE, PIP_EXTRA_INDEX_URL, PIP_INDEX_URL, VIRTUAL_ENV, XDG_CONFIG_DIRS,
};

/// The project's own files.
pub fn read_project(c: &mut Collector) {
    for file in ["pip.conf", "pip.ini"] {
        read_file(c, Path::new(file));
    }
}

/// pip's own files, in its order, each with the rule that has pip read it. None at all with
/// `PIP_CONFIG_FILE=/dev/null`.
pub fn files(env: &Env) -> Vec<(PathBuf, Origin)> {
    let named = env.var(PIP_CONFIG_FILE).filter(|f| !f.is_empty());
    if named.as_deref() == Some("/dev/null") {
        return Vec::new();
    }
    let mut files: Vec<(PathBuf, Origin)> = system_dirs(env)
        .into_iter()
        .map(|d| (d.join("pip/pip.conf"), Origin::SystemConfig))
        .collect();
    files.push((PathBuf::from("/etc/pip.conf"), Origin::SystemConfig));
    let named = named.map(|f| absolute(env, &f));
    if !named.as_ref().is_some_and(|f| f.exists()) {
        if let Some(home) = env.home() {
            files.push((home.join(".pip/pip.conf"), Origin::UserConfig));
        }
        if let Some(config) = env.xdg_config_home() {
            files.push((config.join("pip/pip.conf"), Origin::UserConfig));
        }
    }
    if let Some(venv) = env.var(VIRTUAL_ENV).filter(|v| Path::new(v).is_absolute()) {
        files.push((Path::new(&venv).join("pip.conf"), Origin::SiteConfig));
    }
    if let Some(named) = named {
        files.push((named, Origin::EnvConfig));
    }
    files
}

/// pip's own files, in its order; only the last file that sets a key counts for it.
pub fn discover(env: &Env, found: &mut Found) {
    let files = files(env);
    let mut ranges = Vec::new();
    for (path, origin) in &files {
        let start = found.entries.len();
        found.read_file(path, *origin, read_file);
        ranges.push(start..found.entries.len());
    }
    // Per key, the last file that sets it; the user's own variable replaces them all.
    let entries = &found.entries;
    let winner = |extra: bool, var: &str| {
        let sets =
            |r: &std::ops::Range<usize>| entries[r.clone()].iter().any(|e| is_extra(e) == extra);
        (!env.is_set(var))
            .then(|| ranges.iter().rposition(sets))
            .flatten()
    };
    let winners = [
        winner(false, PIP_INDEX_URL),
        winner(true, PIP_EXTRA_INDEX_URL),
    ];
    let mut drop = vec![false; found.entries.len()];
    for (file, range) in ranges.iter().enumerate() {
        for i in range.clone() {
            drop[i] = winners[is_extra(&found.entries[i]) as usize] != Some(file);
        }
    }
    let mut i = 0;
    found.entries.retain(|_| {
        i += 1;
        !drop[i - 1]
    });
}

fn is_extra(e: &Entry) -> bool {
    e.role == Role::Extra
}

/// `$XDG_CONFIG_DIRS` (absolute entries only), default `/etc/xdg`.
pub fn system_dirs(env: &Env) -> Vec<PathBuf> {
    let dirs: Vec<PathBuf> = env
        .var(XDG_CONFIG_DIRS)
        .unwrap_or_default()
        .split(':')
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .collect();
    if dirs.is_empty() {
        vec![PathBuf::from("/etc/xdg")]
    } else {
        dirs
    }
}

/// A path a variable names, as the tool opens it: relative to the working directory.
pub fn absolute(env: &Env, path: &str) -> PathBuf {
    match env.cwd() {
        Some(cwd) => cwd.join(path),
        None => PathBuf::from(path),
    }
}

/// One pip configuration file.
pub(super) fn read_file(c: &mut Collector, rel: &Path) {
    let Some(text) = c.read(rel) else {
        return;
    };
    for section in ini::parse(&text) {
        // The sections of pip's commands that use an index (a command's own over `[global]`).
        let used = ["global", "install", "download", "wheel", "index", "lock"];
        if !used.contains(&section.name.to_ascii_lowercase().as_str()) {
            continue;
        }
        for (key, value, line) in &section.entries {
            let role = match key.replace('_', "-").as_str() {
                "index-url" => Role::Index,
                "extra-index-url" => Role::Extra,
                _ => continue,
            };
            for (i, value_line) in value.split('\n').enumerate() {
                for raw in value_line.split_whitespace() {
                    let (url, had_credentials) = without_credentials(raw);
                    let mut e =
                        Entry::new(Tool::Pip, Form::PipConf, role, None, &url, rel, line + i);
                    e.had_credentials = had_credentials;
                    c.add(e);
                }
            }
        }
    }
}
