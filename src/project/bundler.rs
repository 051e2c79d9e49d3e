//! Bundler's Gemfile, found as Bundler finds it (rubygems/rubygems
//! `bundler/lib/bundler/shared_helpers.rb`, `find_gemfile`): the file `BUNDLE_GEMFILE` names,
//! else the first directory from the working directory up that holds `gems.rb` or `Gemfile`
//! (in that order).
//!
//! A Gemfile is Ruby, and is never run: its `source "URL"` lines and `source "URL" do` blocks
//! are read as text, and a `source:` option of a `gem` line. Only a plain string literal is
//! taken; a source built any other way (interpolation, a variable, a method call) is a problem
//! naming the line.
//!
//! Then Bundler's settings files (`bundler/lib/bundler/settings.rb`): the project's
//! (`$BUNDLE_APP_CONFIG/config`, else `.bundle/config` beside the Gemfile) and the user's
//! (`BUNDLE_CONFIG`, `BUNDLE_USER_CONFIG`, `$BUNDLE_USER_HOME/config`, else
//! `~/.bundle/config`), for two things: a mirror of one of the Gemfile's sources
//! (`BUNDLE_MIRROR__<URL>`, or `…__ALL`), where Bundler then sends the requests; and
//! credentials Bundler would take before ca-env's variable (one for the source's full URL in
//! either file, one for its host in the project's, which Bundler reads before the
//! environment), which `status` names.

use std::path::{Path, PathBuf};

use super::{Collector, Entry, Form, Found, Origin, Role, Tool};
use crate::codeartifact::url::without_credentials;
use crate::env::Env;
use crate::tools::names::bundler_key;
use crate::tools::registry::{
    BUNDLE_APP_CONFIG, BUNDLE_CONFIG, BUNDLE_GEMFILE, BUNDLE_USER_CONFIG, BUNDLE_USER_HOME,
};

/// Bundler's names for a Gemfile, in the order it looks for them in each directory.
const NAMES: [&str; 2] = ["gems.rb", "Gemfile"];

/// Said of a CodeArtifact source whose credentials a settings file already holds.
const SHADOWED: &str = "Bundler takes the credentials this file holds for it before ca-env's variable (hint: remove them with 'bundle config unset')";

pub fn discover(env: &Env, cwd: &Path, found: &mut Found) {
    let file = match env.var(BUNDLE_GEMFILE).filter(|f| !f.is_empty()) {
        Some(f) => super::pip::absolute(env, &f),
        None => {
            let Some(file) = cwd
                .ancestors()
                .flat_map(|d| NAMES.map(|n| d.join(n)))
                .find(|f| f.is_file())
            else {
                return;
            };
            file
        }
    };
    let (Some(dir), Some(name)) = (file.parent(), file.file_name()) else {
        return;
    };
    // A project's file, whichever way it was found: it needs trust like the others.
    let first = found.entries.len();
    found.read_in(dir, Origin::Project, |c| read(c, Path::new(name)));
    let sources: Vec<String> = found.entries[first..]
        .iter()
        .map(|e| e.url.clone())
        .collect();
    if sources.is_empty() {
        return;
    }
    let app = match env.var(BUNDLE_APP_CONFIG).filter(|a| !a.is_empty()) {
        Some(a) => dir.join(a),
        None => dir.join(".bundle"),
    };
    if app.is_dir() {
        found.read_in(&app, Origin::Project, |c| {
            settings(c, Path::new("config"), &sources, true);
        });
    }
    if let Some(file) = users_settings(env) {
        found.read_file(&file, Origin::UserConfig, |c, rel| {
            settings(c, rel, &sources, false);
        });
    }
}

/// The user's settings file, as `Settings#global_config_file` finds it.
fn users_settings(env: &Env) -> Option<PathBuf> {
    let var = |name| env.var(name).filter(|v| !v.is_empty());
    if let Some(file) = var(BUNDLE_CONFIG).or_else(|| var(BUNDLE_USER_CONFIG)) {
        return Some(super::pip::absolute(env, &file));
    }
    if let Some(home) = var(BUNDLE_USER_HOME) {
        return Some(super::pip::absolute(env, &home).join("config"));
    }
    env.home().map(|h| h.join(".bundle/config"))
}

/// One settings file (YAML, one `KEY: "value"` a line, as Bundler writes it): mirrors of the
/// Gemfile's `sources`, and credentials that would come before ca-env's (`project`: the
/// project's file, which Bundler reads before the environment).
fn settings(c: &mut Collector, rel: &Path, sources: &[String], project: bool) {
    let Some(text) = c.read(rel) else {
        return;
    };
    for (i, line) in text.lines().enumerate() {
        let Some((key, value)) = line.split_once(": ") else {
            continue;
        };
        let Some(setting) = key.trim().strip_prefix("BUNDLE_") else {
            continue;
        };
        if let Some(mirrored) = setting.strip_prefix("MIRROR__") {
            if mirrored.ends_with("__FALLBACK_TIMEOUT") {
                continue;
            }
            // Keyed by the source's URL or its host, or `all` (`Mirrors#for`), in the keys'
            // spelling.
            let used = mirrored == "ALL"
                || sources
                    .iter()
                    .any(|s| mirrored == uri_key(s) || bundler_key(s).as_deref() == Some(mirrored));
            let (url, had_credentials) = without_credentials(unquoted(value.trim()));
            // A mirror with credentials of its own: Bundler sends those, not ca-env's.
            if used && !had_credentials {
                let e = Entry::new(
                    Tool::Bundler,
                    Form::ToolConfig,
                    Role::Extra,
                    None,
                    &url,
                    rel,
                    i + 1,
                );
                c.add(e);
            }
            continue;
        }
        for source in sources {
            let for_url = setting == uri_key(source);
            let for_host = project && bundler_key(source).as_deref() == Some(setting);
            if for_url || for_host {
                let form = Form::Unusable(SHADOWED);
                c.add(Entry::new(
                    Tool::Bundler,
                    form,
                    Role::Extra,
                    None,
                    source,
                    rel,
                    i + 1,
                ));
            }
        }
    }
}

/// A YAML scalar without its quotes.
fn unquoted(value: &str) -> &str {
    for q in ['"', '\''] {
        if let Some(inner) = value.strip_prefix(q).and_then(|v| v.strip_suffix(q)) {
            return inner;
        }
    }
    value
}

/// The URL as Bundler normalizes a source (`URINormalizer.normalize_suffix`: a final `/`).
fn normalized(url: &str) -> String {
    if url.ends_with('/') {
        url.to_string()
    } else {
        format!("{url}/")
    }
}

/// Bundler's key for a source's full URL (`Settings.key_for`), without `BUNDLE_`.
fn uri_key(url: &str) -> String {
    normalized(url)
        .replace('.', "__")
        .replace('-', "___")
        .to_uppercase()
}

fn read(c: &mut Collector, rel: &Path) {
    let Some(text) = c.read(rel) else {
        return;
    };
    let mut in_comment = false;
    for (i, line) in text.lines().enumerate() {
        // `=begin` … `=end` at the start of a line is a comment block.
        if in_comment {
            in_comment = !line.starts_with("=end");
            continue;
        }
        if line.starts_with("=begin") {
            in_comment = true;
            continue;
        }
        let line_no = i + 1;
        let code = line.trim_start();
        let (found, role) = if let Some(rest) = call(code, "source") {
            (literal(rest), Role::Index)
        } else if let Some(rest) = gem_source_option(code) {
            (literal(rest), Role::Extra)
        } else {
            continue;
        };
        match found {
            Literal::Plain(url, after) => {
                // A `source … do` block's gems come from it alone; the global source is the
                // index for the rest.
                let block = after
                    .split('#')
                    .next()
                    .unwrap_or("")
                    .split_whitespace()
                    .any(|w| w == "do" || w == "{");
                let role = if block { Role::Extra } else { role };
                let e = Entry::new(Tool::Bundler, Form::ToolConfig, role, None, &url, rel, line_no);
                c.add(e);
            }
            Literal::Interpolated => c.problem(
                rel,
                Some(line_no),
                "a gem source built with interpolation is not read (ca-env reads only plain strings)",
            ),
            Literal::Other => c.problem(
                rel,
                Some(line_no),
                "a gem source that is not a plain string is not read",
            ),
        }
    }
}

/// What follows `name` when `code` is a call of it (`source "…"`, `source("…")`).
fn call<'a>(code: &'a str, name: &str) -> Option<&'a str> {
    let rest = code.strip_prefix(name)?;
    let rest = rest
        .strip_prefix('(')
        .or_else(|| rest.starts_with([' ', '\t']).then_some(rest))?;
    Some(rest.trim_start())
}

/// What follows the `source:` (or `:source =>`) option of a `gem` line.
fn gem_source_option(code: &str) -> Option<&str> {
    call(code, "gem")?;
    for key in ["source:", ":source =>", ":source=>"] {
        if let Some(i) = code.find(key) {
            return Some(code[i + key.len()..].trim_start());
        }
    }
    None
}

enum Literal<'a> {
    /// The string's value, and what follows it on the line.
    Plain(String, &'a str),
    /// A double-quoted string with `#{…}` in it.
    Interpolated,
    /// Anything else: a variable, a call, an unfinished string.
    Other,
}

/// The string literal at the start of `code`: `'…'` (only `\\` and `\'` are escapes) or `"…"`
/// without interpolation (only `\\` and `\"` taken; any other escape makes it another thing).
fn literal(code: &str) -> Literal<'_> {
    let mut chars = code.char_indices();
    let quote = match chars.next() {
        Some((_, q @ ('"' | '\''))) => q,
        _ => return Literal::Other,
    };
    let mut value = String::new();
    while let Some((i, ch)) = chars.next() {
        match ch {
            c if c == quote => return Literal::Plain(value, &code[i + 1..]),
            '\\' => match chars.next() {
                Some((_, c)) if c == quote || c == '\\' => value.push(c),
                Some((_, c)) if quote == '\'' => {
                    value.push('\\');
                    value.push(c);
                }
                _ => return Literal::Other,
            },
            '#' if quote == '"' && code[i + 1..].starts_with('{') => return Literal::Interpolated,
            c => value.push(c),
        }
    }
    Literal::Other
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(code: &str) -> Option<(String, String)> {
        match literal(code) {
            Literal::Plain(v, rest) => Some((v, rest.to_string())),
            _ => None,
        }
    }

    #[test]
    fn only_plain_string_literals() {
        assert_eq!(
            plain("\"https://h/ruby/r/\" do"),
            Some(("https://h/ruby/r/".into(), " do".into()))
        );
        assert_eq!(
            plain("'https://h/' # x"),
            Some(("https://h/".into(), " # x".into()))
        );
        assert_eq!(
            plain(r#""a\"b\\c""#),
            Some((r#"a"b\c"#.into(), String::new()))
        );
        assert_eq!(plain(r"'a\nb'"), Some((r"a\nb".into(), String::new())));
        assert!(matches!(
            literal("\"https://#{host}/\""),
            Literal::Interpolated
        ));
        // `#` without `{` is no interpolation.
        assert_eq!(
            plain("\"https://h/#x\""),
            Some(("https://h/#x".into(), String::new()))
        );
        for other in [
            "ENV['GEMS']",
            "\"unfinished",
            "\"a\\nb\"",
            "%q(https://h/)",
            "",
        ] {
            assert!(matches!(literal(other), Literal::Other), "{other}");
        }
    }

    #[test]
    fn calls_and_gem_options() {
        assert_eq!(call("source \"x\"", "source"), Some("\"x\""));
        assert_eq!(call("source(\"x\")", "source"), Some("\"x\")"));
        assert_eq!(call("sources \"x\"", "source"), None);
        assert_eq!(call("source_x", "source"), None);
        assert_eq!(
            gem_source_option("gem \"rails\", source: \"https://h/\""),
            Some("\"https://h/\"")
        );
        assert_eq!(
            gem_source_option("gem 'rails', :source => 'https://h/'"),
            Some("'https://h/'")
        );
        assert_eq!(gem_source_option("gem 'rails'"), None);
    }
}
