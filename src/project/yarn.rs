//! Yarn Berry: `.yarnrc.yml` registries, found as Yarn finds them (`@yarnpkg/core`
//! `Configuration.find`): every `.yarnrc.yml` from the working directory up to the filesystem
//! root, the nearest winning per key, and the user's `~/.yarnrc.yml` below them all; Yarn's
//! variables (`YARN_NPM_REGISTRY_SERVER`, `YARN_NPM_PUBLISH_REGISTRY`) over every file.
//!
//! Read: `npmRegistryServer` (default `https://registry.yarnpkg.com`), `npmPublishRegistry`,
//! `npmScopes.<scope>.npmRegistryServer` / `.npmPublishRegistry`, and the keys of
//! `npmRegistries`. Which credentials reach which registry follows
//! `plugin-npm/sources/npmConfigUtils.ts` (`getAuthConfiguration`): a scope with its own
//! `npmAuthToken`/`npmAuthIdent` uses those, else a registry with an `npmRegistries` entry uses
//! that entry's, else the top-level settings, which `YARN_NPM_AUTH_TOKEN` sets. So the
//! top-level token reaches every registry without settings of its own, and ca-env sets it only
//! when all of those are CodeArtifact repositories of one domain and owner (see `sources`).

use std::path::{Path, PathBuf};

use super::yaml_doc::{self, Node};
use super::{Collector, Entry, Form, Found, Origin, Role, Tool};
use crate::codeartifact::url::without_credentials;
use crate::env::Env;
use crate::tools::registry::{
    CODEARTIFACT_AUTH_TOKEN, YARN_NPM_PUBLISH_REGISTRY, YARN_NPM_REGISTRY_SERVER,
};

const FILE: &str = ".yarnrc.yml";

/// How far up `.yarnrc.yml` files are looked for.
const MAX_UP: usize = 64;

/// Yarn's registry when no file names one.
pub const DEFAULT_REGISTRY: &str = "https://registry.yarnpkg.com";

pub fn discover(env: &Env, cwd: &Path, found: &mut Found) {
    let home = env.home();
    let start = found.entries.len();
    let mut read_any: Option<(PathBuf, Origin)> = None;
    if let Some(home) = &home {
        let file = home.join(FILE);
        if file.is_file() {
            read_any = Some((file.clone(), Origin::UserConfig));
        }
        found.read_file(&file, Origin::UserConfig, read);
    }
    // Farthest first, so that the nearest file's values come last and win.
    let dirs: Vec<&Path> = cwd.ancestors().take(MAX_UP).collect();
    for dir in dirs.into_iter().rev() {
        if home.as_deref() == Some(dir) {
            continue;
        }
        let file = dir.join(FILE);
        if std::fs::symlink_metadata(&file).is_err() {
            continue;
        }
        read_any = Some((file, Origin::Project));
        found.read_in(dir, Origin::Project, |c| read(c, Path::new(FILE)));
    }
    let Some((nearest, origin)) = read_any else {
        return;
    };
    for (var, role) in [
        (YARN_NPM_REGISTRY_SERVER, Role::Index),
        (YARN_NPM_PUBLISH_REGISTRY, Role::Publish),
    ] {
        if let Some(url) = env.var(var).filter(|v| !v.is_empty()) {
            let mut e = Entry::new(
                Tool::Yarn,
                Form::ToolConfig,
                role,
                None,
                &url,
                Path::new(&format!("env:{var}")),
                0,
            );
            e.origin = Origin::Environment;
            found.entries.push(e);
        }
    }
    super::npm::keep_winners(&mut found.entries, start);
    let ours = &mut found.entries[start..];
    // Yarn's default registry is one the top-level token would reach too.
    if !ours
        .iter()
        .any(|e| e.tool == Tool::Yarn && e.role == Role::Index && e.name.is_none())
    {
        let mut e = Entry::new(
            Tool::Yarn,
            Form::ToolConfig,
            Role::Index,
            None,
            DEFAULT_REGISTRY,
            &nearest,
            0,
        );
        e.origin = origin;
        found.entries.push(e);
    }
    // A registry with an `npmRegistries` entry takes its credentials from there.
    let ours = &mut found.entries[start..];
    let own: Vec<(String, Form)> = ours
        .iter()
        .filter(|e| e.tool == Tool::Yarn && matches!(e.form, Form::OwnAuth { .. }))
        .map(|e| (registry_key(&e.url), e.form))
        .collect();
    for e in ours.iter_mut() {
        if e.tool == Tool::Yarn && e.form == Form::ToolConfig {
            if let Some((_, form)) = own.iter().find(|(k, _)| *k == registry_key(&e.url)) {
                e.form = *form;
            }
        }
    }
}

/// A registry URL as Yarn looks it up in `npmRegistries`: without its trailing `/` and its
/// protocol.
fn registry_key(url: &str) -> String {
    let url = url.trim_end_matches('/');
    match url.split_once("://") {
        Some((_, rest)) => format!("//{rest}"),
        None => url.to_string(),
    }
}

/// Whether an auth setting is ca-env's placeholder, which Yarn fills from the environment.
fn is_placeholder(node: Option<&Node>) -> bool {
    node.and_then(Node::as_str)
        .is_some_and(|s| s.trim() == format!("${{{CODEARTIFACT_AUTH_TOKEN}}}"))
}

fn own_auth(settings: &Node) -> Option<Form> {
    let token = settings.get("npmAuthToken");
    let ident = settings.get("npmAuthIdent");
    (token.is_some() || ident.is_some()).then(|| Form::OwnAuth {
        placeholder: is_placeholder(token),
    })
}

fn read(c: &mut Collector, rel: &Path) {
    let Some(text) = c.read(rel) else {
        return;
    };
    let doc = match yaml_doc::parse(&text) {
        Ok(doc) => doc,
        Err(e) => return c.problem(rel, Some(e.line), e.reason),
    };
    if !doc.is_map() {
        return c.problem(rel, Some(doc.line), "not a mapping of settings");
    }
    let add = |c: &mut Collector, node: &Node, role, name: Option<&str>, form| {
        let Some(url) = node.as_str() else {
            return c.problem(rel, Some(node.line), "a registry that is not a string");
        };
        let (url, had_credentials) = without_credentials(url.trim());
        let mut e = Entry::new(Tool::Yarn, form, role, name, &url, rel, node.line);
        e.had_credentials = had_credentials;
        c.add(e);
    };
    for (key, role) in [
        ("npmRegistryServer", Role::Index),
        ("npmPublishRegistry", Role::Publish),
    ] {
        if let Some(node) = doc.get(key) {
            add(c, node, role, None, Form::ToolConfig);
        }
    }
    if let Some(scopes) = doc.get("npmScopes") {
        for (scope, settings) in scopes.entries() {
            let name = format!("@{}", scope.trim_start_matches('@'));
            let form = own_auth(settings).unwrap_or(Form::ToolConfig);
            for (key, role) in [
                ("npmRegistryServer", Role::Index),
                ("npmPublishRegistry", Role::Publish),
            ] {
                if let Some(node) = settings.get(key) {
                    add(c, node, role, Some(&name), form);
                }
            }
        }
    }
    if let Some(registries) = doc.get("npmRegistries") {
        for (key, settings) in registries.entries() {
            let url = match key.strip_prefix("//") {
                Some(rest) => format!("https://{rest}"),
                None => key.clone(),
            };
            let form = Form::OwnAuth {
                placeholder: is_placeholder(settings.get("npmAuthToken")),
            };
            let (url, had_credentials) = without_credentials(&url);
            let mut e = Entry::new(
                Tool::Yarn,
                form,
                Role::Index,
                Some(key),
                &url,
                rel,
                settings.line,
            );
            e.had_credentials = had_credentials;
            c.add(e);
        }
    }
}
