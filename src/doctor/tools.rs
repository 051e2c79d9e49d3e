//! Tools that fight ca-env for the same indexes: a Poetry plugin or keyrings.codeartifact that
//! fetches tokens of its own, tokens `aws codeartifact login` left in pip's, twine's and npm's
//! files, and credential variables the user set by hand for a source ca-env manages. Files are
//! named by path and line, variables by name; no value is ever shown.

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::{Check, Context};
use crate::codeartifact::url::{judge, Verdict};
use crate::process::{interpreter, run, which};
use crate::tools::registry::{self, Kind, NPM_CONFIG_USERCONFIG};

const GROUP: &str = "tools";

/// Poetry takes a second or more to start; a hung one must not hold doctor for ever.
const PATIENCE: Duration = Duration::from_secs(30);

/// Plugins that log in to CodeArtifact by themselves (README, "Coming from another tool").
const POETRY_PLUGINS: &[&str] = &[
    "poetry-codeartifact-login-plugin",
    "poetry-codeartifact-login",
    "poetry-codeartifact-auth",
    "poetry-aws-plugin",
];

pub fn check(cx: &Context, out: &mut Vec<Check>) {
    out.push(poetry_plugins(cx));
    out.extend(keyrings_codeartifact(cx));
    out.extend(pip_tokens(cx));
    out.extend(pypirc(cx));
    out.extend(npmrc(cx));
    out.extend(hand_set(cx));
}

fn poetry_plugins(cx: &Context) -> Check {
    let Some(poetry) = which(cx.env, "poetry") else {
        return Check::skip(
            GROUP,
            "poetry-plugin",
            "Poetry is not on PATH: no plugin to look for",
        );
    };
    let ran = match run(cx.env, &poetry, &["self", "show", "plugins"], PATIENCE) {
        Ok(ran) if ran.success => ran,
        Ok(ran) => {
            let why = ran
                .stderr
                .lines()
                .find(|l| !l.trim().is_empty())
                .unwrap_or("it failed");
            return Check::skip(
                GROUP,
                "poetry-plugin",
                format!(
                    "'poetry self show plugins' failed: {}",
                    crate::output::printable(why.trim())
                ),
            );
        }
        Err(why) => return Check::skip(GROUP, "poetry-plugin", why),
    };
    // `  - NAME (VERSION) SUMMARY`, then indented lines on what it provides.
    let found: Vec<&str> = ran
        .stdout
        .lines()
        .filter_map(|l| l.trim_start().strip_prefix("- ")?.split_whitespace().next())
        .filter(|name| {
            let name = name.to_ascii_lowercase();
            name.contains("codeartifact") || POETRY_PLUGINS.contains(&name.as_str())
        })
        .collect();
    match found.as_slice() {
        [] => Check::ok(
            GROUP,
            "poetry-plugin",
            format!("no CodeArtifact plugin in Poetry ({})", cx.shown(&poetry)),
        ),
        names => {
            let names: Vec<String> = names.iter().map(|n| crate::output::printable(n)).collect();
            Check::fail(
                GROUP,
                "poetry-plugin",
                format!(
                    "Poetry ({}) has a plugin that fetches CodeArtifact tokens of its own: {}",
                    cx.shown(&poetry),
                    names.join(", ")
                ),
                format!(
                    "poetry self remove {}; then remove the token it saved: poetry config --unset http-basic.SOURCE",
                    names.join(" ")
                ),
            )
        }
    }
}

/// keyrings.codeartifact where pip, Poetry or the `keyring` command (which uv runs) would load
/// it: each of their Pythons, and `python3` (for `python3 -m pip`), is asked whether it can
/// import it.
fn keyrings_codeartifact(cx: &Context) -> Vec<Check> {
    let mut pythons: Vec<(PathBuf, Vec<&str>)> = Vec::new();
    for tool in ["pip", "pip3", "python3", "poetry", "keyring"] {
        let Some(found) = which(cx.env, tool) else {
            continue;
        };
        let python = match tool {
            "python3" => Some(found),
            _ => interpreter(cx.env, &found),
        };
        let Some(python) = python else {
            continue;
        };
        let real = python.canonicalize().unwrap_or_else(|_| python.clone());
        match pythons
            .iter_mut()
            .find(|(p, _)| p.canonicalize().unwrap_or_else(|_| p.clone()) == real)
        {
            Some((_, tools)) => tools.push(tool),
            None => pythons.push((python, vec![tool])),
        }
    }
    if pythons.is_empty() {
        return vec![Check::skip(
            GROUP,
            "keyrings-codeartifact",
            "no Python on PATH (pip, python3, poetry, keyring)",
        )];
    }
    const FIND: &str = "import importlib.util as u\ntry:\n    s = u.find_spec('keyrings.codeartifact')\nexcept Exception:\n    s = None\nprint(s.origin if s and s.origin else '')\n";
    let mut checks = Vec::new();
    let mut clean = Vec::new();
    for (python, tools) in &pythons {
        let origin = match run(cx.env, python, &["-c", FIND], PATIENCE) {
            Ok(ran) if ran.success => ran.stdout.trim().to_string(),
            _ => continue,
        };
        let shown = cx.shown(python);
        if origin.is_empty() {
            clean.push(shown);
            continue;
        }
        checks.push(
            Check::fail(
                GROUP,
                "keyrings-codeartifact",
                format!(
                    "keyrings.codeartifact ({}) is importable by {shown}, the Python of {}: it fetches a token at every lookup",
                    cx.shown(Path::new(&origin)),
                    tools.join(", ")
                ),
                format!("{shown} -m pip uninstall keyrings.codeartifact"),
            )
            .at(Some(PathBuf::from(origin)), None),
        );
    }
    or_clean(checks, "keyrings-codeartifact", || {
        format!(
            "keyrings.codeartifact is not importable by {}",
            clean.join(", ")
        )
    })
}

/// Credentials in the URLs of pip's own files, every file pip reads (not only the one whose
/// value wins): what `aws codeartifact login --tool pip` leaves. Discovery drops them as it
/// reads, and says here where they were.
fn pip_tokens(cx: &Context) -> Vec<Check> {
    let found = crate::project::pip_entries(cx.env);
    let checks: Vec<Check> = found
        .entries
        .iter()
        .filter(|e| e.had_credentials && !matches!(judge(&e.url, &cx.config.mappings), Verdict::Other))
        .map(|e| {
            Check::fail(
                GROUP,
                "pip-token",
                format!(
                    "{}: a CodeArtifact URL with credentials in it, as 'aws codeartifact login --tool pip' leaves them",
                    cx.shown_at(&e.file, e.line)
                ),
                format!(
                    "take the 'aws:…@' out of the URL on line {} (ca-env gives pip the token), or 'pip config unset global.index-url' when the index is not needed",
                    e.line
                ),
            )
            .at(Some(e.file.clone()), Some(e.line))
        })
        .collect();
    or_clean(checks, "pip-token", || {
        let files: Vec<String> = found
            .files
            .iter()
            .filter(|f| f.is_file())
            .map(|f| cx.shown(f))
            .collect();
        match files.as_slice() {
            [] => "no pip configuration file".to_string(),
            files => format!(
                "no credentials in pip's configuration ({})",
                files.join(", ")
            ),
        }
    })
}

/// `found`, or when it is empty one ✓ saying `clean`.
fn or_clean(found: Vec<Check>, check: &'static str, clean: impl FnOnce() -> String) -> Vec<Check> {
    if found.is_empty() {
        return vec![Check::ok(GROUP, check, clean())];
    }
    found
}

/// `~/.pypirc`: a `password` in a section whose repository is CodeArtifact, or that looks like
/// a CodeArtifact token (`aws codeartifact login --tool twine` writes both).
fn pypirc(cx: &Context) -> Vec<Check> {
    let Some(file) = cx.home.as_ref().map(|h| h.join(".pypirc")) else {
        return Vec::new();
    };
    let Some(text) = read(&file) else {
        return vec![Check::ok(
            GROUP,
            "pypirc",
            format!("no {}", cx.shown(&file)),
        )];
    };
    let found: Vec<Check> = crate::ini::parse(&text)
        .iter()
        .filter_map(|section| {
            let password = section.get("password")?;
            let line = section.line_of("password")?;
            let repository = section.get("repository").unwrap_or_default();
            let codeartifact = !matches!(judge(&repository, &cx.config.mappings), Verdict::Other);
            (codeartifact || looks_like_token(&password)).then(|| {
                Check::fail(
                    GROUP,
                    "pypirc",
                    format!(
                        "{}: a CodeArtifact token as the password of [{}], as 'aws codeartifact login --tool twine' leaves it",
                        cx.shown_at(&file, line),
                        crate::output::printable(&section.name)
                    ),
                    format!("delete the password on line {line} (ca-env sets TWINE_PASSWORD in a project that publishes there)"),
                )
                .at(Some(file.clone()), Some(line))
            })
        })
        .collect();
    or_clean(found, "pypirc", || {
        format!("no CodeArtifact token in {}", cx.shown(&file))
    })
}

/// npm's user configuration: an `_authToken` (or `_password`, `_auth`) for a CodeArtifact
/// host, or one that looks like a CodeArtifact token (`aws codeartifact login --tool npm`).
fn npmrc(cx: &Context) -> Vec<Check> {
    let file = match cx
        .env
        .var(NPM_CONFIG_USERCONFIG)
        .filter(|f| Path::new(f).is_absolute())
    {
        Some(f) => PathBuf::from(f),
        None => match &cx.home {
            Some(h) => h.join(".npmrc"),
            None => return Vec::new(),
        },
    };
    let Some(text) = read(&file) else {
        return vec![Check::ok(GROUP, "npmrc", format!("no {}", cx.shown(&file)))];
    };
    let found: Vec<Check> = npm_tokens(&text)
        .into_iter()
        .map(|(line, key)| {
            Check::fail(
                GROUP,
                "npmrc",
                format!(
                    "{}: a CodeArtifact token, as 'aws codeartifact login --tool npm' leaves it; it expires within 12 hours",
                    cx.shown_at(&file, line)
                ),
                format!("npm config delete '{}'", crate::output::printable(&key)),
            )
            .at(Some(file.clone()), Some(line))
        })
        .collect();
    or_clean(found, "npmrc", || {
        format!("no CodeArtifact token in {}", cx.shown(&file))
    })
}

/// `(line, key)` of each credential in an npmrc that belongs to CodeArtifact: `key=value`
/// lines, `;` and `#` comments.
fn npm_tokens(text: &str) -> Vec<(usize, String)> {
    text.lines()
        .enumerate()
        .filter_map(|(i, raw)| {
            let line = raw.trim();
            if line.starts_with([';', '#']) {
                return None;
            }
            let (key, value) = line.split_once('=')?;
            let (key, value) = (key.trim(), value.trim().trim_matches('"'));
            let credential = ["_authToken", "_password", "_auth"]
                .iter()
                .any(|k| key.ends_with(k));
            let codeartifact = key.contains(".d.codeartifact.") || looks_like_token(value);
            (credential && codeartifact).then(|| (i + 1, key.to_string()))
        })
        .collect()
}

/// A CodeArtifact token: a long base64url JWT-like string (`eyJ…`, with `.`, `-`, `_`).
fn looks_like_token(value: &str) -> bool {
    let value = value.trim();
    value.len() >= 100
        && value.starts_with("eyJ")
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b'='))
}

/// A variable that carries a source's token (`POETRY_HTTP_BASIC_CORP_PASSWORD`, …) set in the
/// user's own environment, holding something other than the token ca-env keeps for it (direnv
/// and `exec` set ca-env's own, which is fine).
fn hand_set(cx: &Context) -> Vec<Check> {
    if cx.project.sources.is_empty() {
        return Vec::new();
    }
    let tokens =
        crate::credentials::tokens(cx.env, &cx.config, crate::provider::Terminal::Detach).ok();
    let mut checks = Vec::new();
    let mut said: Vec<&str> = Vec::new();
    for s in &cx.project.sources {
        for v in s
            .vars
            .iter()
            .filter(|v| registry::kind(&v.name) == Some(Kind::Password))
        {
            let Some(value) = cx.env.var(&v.name) else {
                continue;
            };
            if said.contains(&v.name.as_str()) {
                continue;
            }
            let key = crate::credentials::wanted(s, cx.env).key;
            let stored = tokens.as_ref().and_then(|t| t.lookup(&key).stored);
            if stored.is_some_and(|(stored, _)| stored.token.expose() == value) {
                continue;
            }
            said.push(&v.name);
            checks.push(Check::fail(
                GROUP,
                "user-variable",
                format!(
                    "{} is set in your environment for {} source {}, which ca-env manages: it holds a token of yours that ca-env does not renew",
                    v.name,
                    s.tool.as_str(),
                    crate::project::quoted_name(&s.name)
                ),
                format!("unset {} and remove it where you set it (your shell's rc file?)", v.name),
            ));
        }
    }
    or_clean(checks, "user-variable", || {
        "no credential variable of this project's sources set by hand".into()
    })
}

/// A small text file of the user's, lossily; None when absent or unreadable.
fn read(path: &Path) -> Option<String> {
    let bytes = crate::state::read_regular(path, 1 << 20).ok().flatten()?;
    Some(String::from_utf8_lossy(&bytes).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token() -> String {
        format!("eyJ{}", "a".repeat(120))
    }

    #[test]
    fn npm_credentials_for_codeartifact_only() {
        let text = format!(
            "; comment\nregistry=https://corp-111122223333.d.codeartifact.us-west-2.amazonaws.com/npm/npm-store/\n//corp-111122223333.d.codeartifact.us-west-2.amazonaws.com/npm/npm-store/:_authToken=x\n//registry.npmjs.org/:_authToken=npm_abc\n//proxy.example/:_authToken={}\n# //x.d.codeartifact.y/:_authToken=z\n",
            token()
        );
        let found = npm_tokens(&text);
        assert_eq!(
            found.iter().map(|(l, _)| *l).collect::<Vec<_>>(),
            vec![3, 5]
        );
        assert!(found[0].1.ends_with(":_authToken"));
    }

    #[test]
    fn tokens_look_like_jwts() {
        assert!(looks_like_token(&token()));
        assert!(!looks_like_token("eyJshort"));
        assert!(!looks_like_token(&format!("{} x", token())));
        assert!(!looks_like_token(&"a".repeat(200)));
    }
}
