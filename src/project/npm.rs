//! npm and pnpm: `registry=` and `@scope:registry=` in `.npmrc` files, and `package.json`
//! `publishConfig.registry`, found as npm finds its configuration (`@npmcli/config`,
//! `lib/index.js`): the project's `.npmrc` at npm's local prefix (the nearest directory, from
//! the working directory up, holding `package.json` or `node_modules`; the working directory
//! when none does), the user's file (`NPM_CONFIG_USERCONFIG`, else `~/.npmrc`), and npm's
//! variables over both (`npm_config_registry`, in any case). For each key the highest layer
//! wins: variable, then project, then user. pnpm reads the same files and, in a workspace, the
//! workspace root's `.npmrc` between the user's and the project's (`@pnpm/config`).
//!
//! The tool is pnpm when the project is a pnpm one (`pnpm-lock.yaml` or
//! `pnpm-workspace.yaml` at the prefix, a `pnpm-workspace.yaml` above it, or
//! `"packageManager": "pnpm@…"`); npm otherwise. npm and pnpm read the `.npmrc` format
//! alike (the `ini` package: `key=value`, `;` and `#` comments, quoted values, `${VAR}`
//! replaced from the environment).

use std::path::{Path, PathBuf};

use super::{Collector, Entry, Form, Found, Origin, Role, Tool};
use crate::codeartifact::url::without_credentials;
use crate::env::Env;
use crate::tools::registry::{
    CODEARTIFACT_AUTH_TOKEN, NPM_CONFIG_REGISTRY, NPM_CONFIG_USERCONFIG, NPM_CONFIG_USERCONFIG_LC,
    NPM_REGISTRY_LC,
};

/// How far up npm's local prefix and a pnpm workspace root are looked for.
const MAX_UP: usize = 64;

pub fn discover(env: &Env, cwd: &Path, found: &mut Found) {
    let package = local_prefix(cwd);
    // In an npm workspace, the root's `.npmrc` is the project's; `package.json` is still the
    // package's own (its `publishConfig`).
    let prefix = package
        .as_deref()
        .map(|p| workspace_root(p).unwrap_or_else(|| p.to_path_buf()));
    let workspace = prefix.as_deref().and_then(pnpm_workspace);
    let tool = match &prefix {
        Some(p) if is_pnpm(p, workspace.is_some()) => Tool::Pnpm,
        _ => Tool::Npm,
    };
    let start = found.entries.len();
    if let Some((file, origin)) = user_file(env) {
        found.read_file(&file, origin, |c, rel| read_npmrc(c, rel, tool, env));
    }
    let project = prefix.clone().unwrap_or_else(|| cwd.to_path_buf());
    if tool == Tool::Pnpm {
        if let Some(root) = workspace.as_deref().filter(|r| *r != project) {
            found.read_in(root, Origin::WorkspaceRoot, |c| {
                read_npmrc(c, Path::new(".npmrc"), tool, env)
            });
        }
    }
    found.read_in(&project, Origin::Project, |c| {
        read_npmrc(c, Path::new(".npmrc"), tool, env);
    });
    let package = package.unwrap_or_else(|| cwd.to_path_buf());
    found.read_in(&package, Origin::Project, |c| read_package_json(c, tool));
    for var in [NPM_CONFIG_REGISTRY, NPM_REGISTRY_LC] {
        if let Some(url) = env.var(var).filter(|v| !v.is_empty()) {
            let mut e = Entry::new(
                tool,
                Form::ToolConfig,
                Role::Index,
                None,
                &without_credentials(&url).0,
                Path::new(&format!("env:{var}")),
                0,
            );
            e.origin = Origin::Environment;
            found.entries.push(e);
        }
    }
    keep_winners(&mut found.entries, start);
}

/// Per key (`registry`, `@scope:registry`) only the highest layer's value counts: entries
/// were added from the lowest layer up, so the last one of each key wins.
pub(super) fn keep_winners(entries: &mut Vec<Entry>, start: usize) {
    let mut keep = vec![true; entries.len()];
    for i in start..entries.len() {
        let later = entries[i + 1..].iter().any(|e| {
            e.role == entries[i].role && e.name == entries[i].name && e.tool == entries[i].tool
        });
        keep[i] = !later;
    }
    let mut i = 0;
    entries.retain(|_| {
        i += 1;
        keep[i - 1]
    });
}

/// npm's local prefix: the nearest directory from `cwd` up with `package.json` or
/// `node_modules`. None when there is none (npm then uses the working directory).
fn local_prefix(cwd: &Path) -> Option<PathBuf> {
    cwd.ancestors()
        .take(MAX_UP)
        .find(|d| d.join("package.json").is_file() || d.join("node_modules").is_dir())
        .map(Path::to_path_buf)
}

/// The npm workspace root `package` belongs to: the nearest directory above it whose
/// `package.json` lists `workspaces` (an array of globs, or `{"packages": [...]}`) one of
/// which matches `package` (`@npmcli/config` `loadLocalPrefix`, `@npmcli/map-workspaces`).
fn workspace_root(package: &Path) -> Option<PathBuf> {
    package.ancestors().skip(1).take(MAX_UP).find_map(|dir| {
        let fs = super::files::ProjectFs::new(dir).ok()?;
        let text = fs.read(Path::new("package.json")).ok()??;
        let pkg: serde_json::Value = serde_json::from_str(&text).ok()?;
        let globs = match pkg.get("workspaces")? {
            serde_json::Value::Array(a) => a.clone(),
            serde_json::Value::Object(o) => o.get("packages")?.as_array()?.clone(),
            _ => return None,
        };
        let rel = package.strip_prefix(dir).ok()?;
        let mut member = false;
        for glob in globs.iter().filter_map(|g| g.as_str()) {
            let (negated, glob) = match glob.strip_prefix('!') {
                Some(g) => (true, g),
                None => (false, glob),
            };
            let glob = glob.trim_start_matches("./").trim_end_matches('/');
            if glob::Pattern::new(glob).is_ok_and(|p| p.matches_path(rel)) {
                member = !negated;
            }
        }
        member.then(|| dir.to_path_buf())
    })
}

/// The pnpm workspace root: the nearest directory from `prefix` up with `pnpm-workspace.yaml`.
fn pnpm_workspace(prefix: &Path) -> Option<PathBuf> {
    prefix
        .ancestors()
        .take(MAX_UP)
        .find(|d| d.join("pnpm-workspace.yaml").is_file())
        .map(Path::to_path_buf)
}

fn is_pnpm(prefix: &Path, in_workspace: bool) -> bool {
    if in_workspace || prefix.join("pnpm-lock.yaml").is_file() {
        return true;
    }
    // `"packageManager": "pnpm@…"`, read cheaply: the full read happens with the project's.
    let Ok(fs) = super::files::ProjectFs::new(prefix) else {
        return false;
    };
    let Ok(Some(text)) = fs.read(Path::new("package.json")) else {
        return false;
    };
    serde_json::from_str::<serde_json::Value>(&text)
        .ok()
        .and_then(|v| v.get("packageManager")?.as_str().map(str::to_string))
        .is_some_and(|pm| pm.starts_with("pnpm@"))
}

/// The user's npmrc: the file `NPM_CONFIG_USERCONFIG` (or `npm_config_userconfig`) names,
/// unless it is ca-env's own generated one, else `~/.npmrc`.
pub fn user_file(env: &Env) -> Option<(PathBuf, Origin)> {
    let ours = crate::state::generated_dirs(env);
    let named = [NPM_CONFIG_USERCONFIG, NPM_CONFIG_USERCONFIG_LC]
        .iter()
        .filter_map(|v| env.var(v).filter(|v| !v.is_empty()))
        .map(|v| match v.strip_prefix("~/") {
            Some(rest) => env.home().map(|h| h.join(rest)),
            None => Some(super::pip::absolute(env, &v)),
        })
        .find_map(|p| p.filter(|p| !ours.iter().any(|d| p.starts_with(d))));
    match named {
        Some(p) => Some((p, Origin::EnvConfig)),
        None => env.home().map(|h| (h.join(".npmrc"), Origin::UserConfig)),
    }
}

/// One `.npmrc` line: key and value (quotes removed), or None for comments and blanks.
pub fn line_kv(raw: &str) -> Option<(String, String)> {
    let line = raw.trim();
    if line.is_empty() || line.starts_with([';', '#']) || line.starts_with('[') {
        return None;
    }
    let (key, value) = match line.split_once('=') {
        Some((k, v)) => (k.trim(), v.trim()),
        None => (line, "true"),
    };
    Some((unquote(key).to_string(), unquote(value).to_string()))
}

fn unquote(s: &str) -> &str {
    for q in ['"', '\''] {
        if let Some(inner) = s.strip_prefix(q).and_then(|r| r.strip_suffix(q)) {
            return inner;
        }
    }
    s
}

/// `registry` and `@scope:registry` of one `.npmrc`.
fn read_npmrc(c: &mut Collector, rel: &Path, tool: Tool, env: &Env) {
    let Some(text) = c.read(rel) else {
        return;
    };
    for (i, raw) in text.lines().enumerate() {
        let Some((key, value)) = line_kv(raw) else {
            continue;
        };
        let name = match key.as_str() {
            "registry" => None,
            k if k.starts_with('@') && k.ends_with(":registry") => {
                Some(&k[..k.len() - ":registry".len()])
            }
            _ => continue,
        };
        let (url, had_credentials) = without_credentials(&expand(&value, env));
        let mut e = Entry::new(tool, Form::ToolConfig, Role::Index, name, &url, rel, i + 1);
        e.had_credentials = had_credentials;
        c.add(e);
    }
}

/// `publishConfig.registry` of the project's `package.json`: where `npm publish` sends it.
fn read_package_json(c: &mut Collector, tool: Tool) {
    let rel = Path::new("package.json");
    let Some(text) = c.read(rel) else {
        return;
    };
    let doc: serde_json::Value = match serde_json::from_str(&text) {
        Ok(v) => v,
        Err(e) => return c.problem(rel, Some(e.line().max(1)), "not valid JSON"),
    };
    let Some(registry) = doc.get("publishConfig").and_then(|p| p.get("registry")) else {
        return;
    };
    let line = line_of_key(&text, "\"registry\"");
    match registry.as_str() {
        Some(url) => {
            let (url, had_credentials) = without_credentials(url);
            let mut e = Entry::new(tool, Form::ToolConfig, Role::Publish, None, &url, rel, line);
            e.had_credentials = had_credentials;
            c.add(e);
        }
        None => c.problem(rel, Some(line), "publishConfig.registry is not a string"),
    }
}

/// The line of the first `key` in `text` (JSON parsers keep no lines for values); 1 if absent.
fn line_of_key(text: &str, key: &str) -> usize {
    let after = text.find("\"publishConfig\"").unwrap_or(0);
    text[after..]
        .find(key)
        .map_or(1, |i| 1 + text[..after + i].matches('\n').count())
}

/// `${VAR}` (and `${VAR?}`) replaced as npm replaces them in `.npmrc` values; one that is not
/// set stays as written. The token's variable is never spliced into a URL.
pub fn expand(value: &str, env: &Env) -> String {
    let mut out = String::new();
    let mut rest = value;
    while let Some(at) = rest.find("${") {
        out.push_str(&rest[..at]);
        let after = &rest[at + 2..];
        let Some(end) = after.find('}') else {
            out.push_str(&rest[at..]);
            return out;
        };
        let name = &after[..end];
        let (bare, optional) = match name.strip_suffix('?') {
            Some(n) => (n, true),
            None => (name, false),
        };
        let value = (bare != CODEARTIFACT_AUTH_TOKEN)
            .then(|| env.var(bare))
            .flatten();
        match value {
            Some(v) => out.push_str(&v),
            None if optional && bare != CODEARTIFACT_AUTH_TOKEN => {}
            None => out.push_str(&rest[at..at + 3 + end]),
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn npmrc_lines() {
        assert_eq!(
            line_kv(" registry = \"https://a/\" "),
            Some(("registry".into(), "https://a/".into()))
        );
        assert_eq!(
            line_kv("@corp:registry=https://b/"),
            Some(("@corp:registry".into(), "https://b/".into()))
        );
        assert_eq!(line_kv("; registry=x"), None);
        assert_eq!(line_kv("# registry=x"), None);
        assert_eq!(line_kv("[section]"), None);
    }

    #[test]
    fn variables_expand_as_npm_expands_them() {
        let env = Env::from_pairs(&[("D", "corp"), (CODEARTIFACT_AUTH_TOKEN, "secret")], None);
        assert_eq!(
            expand("https://${D}-1/${NOPE}/", &env),
            "https://corp-1/${NOPE}/"
        );
        assert_eq!(expand("a${NOPE?}b", &env), "ab");
        assert_eq!(
            expand("x${CODEARTIFACT_AUTH_TOKEN}y", &env),
            "x${CODEARTIFACT_AUTH_TOKEN}y"
        );
        assert_eq!(expand("${unclosed", &env), "${unclosed");
    }
}
