//! pipenv's `Pipfile`: each `[[source]]` `url`, the first the index and the others further
//! indexes, as pipenv hands them to pip. pipenv expands `${VAR}` and `$VAR` in a source's URL
//! from the environment (`pipenv/utils/internet.py`, `os.path.expandvars`); so does this,
//! except the token placeholder AWS documents (`aws:${CODEARTIFACT_AUTH_TOKEN}@`), which ca-env
//! fills itself.

use std::path::Path;

use super::toml_doc::Field;
use super::{quoted_name, Collector, Entry, Form, Found, Origin, Role, Tool};
use crate::codeartifact::url::TOKEN_PLACEHOLDER;
use crate::env::Env;
use crate::tools::registry::{CODEARTIFACT_AUTH_TOKEN, PIPENV_PIPFILE};

/// How far up pipenv looks for a Pipfile: the working directory and nine parents
/// (`PIPENV_MAX_DEPTH`, default 10; checked with pipenv 2026.10).
const MAX_DEPTH: usize = 10;

/// The Pipfile pipenv would use: the one `PIPENV_PIPFILE` names, else the nearest one up.
pub fn discover(env: &Env, cwd: &Path, found: &mut Found) {
    let named = env.var(PIPENV_PIPFILE).filter(|f| !f.is_empty());
    let file = match named {
        Some(f) => Some(super::pip::absolute(env, &f)),
        None => cwd
            .ancestors()
            .take(MAX_DEPTH)
            .map(|d| d.join("Pipfile"))
            .find(|f| f.is_file()),
    };
    let Some(file) = file else {
        return;
    };
    let (Some(dir), Some(name)) = (file.parent(), file.file_name()) else {
        return;
    };
    // A project's file, whichever way it was found: it needs trust like the others.
    found.read_in(dir, Origin::Project, |c| read(c, Path::new(name), env));
    // pipenv copies pip's configured index into the Pipfile and its lock, credentials and
    // all, when the Pipfile has no source: pip's indexes get the netrc alone here.
    netrc_for_pip(&mut found.entries);
}

fn read(c: &mut Collector, rel: &Path, env: &Env) {
    c.with_toml(rel, |c, doc| {
        let sources = c.array_of_tables(doc, rel, doc.root(), &["source"]);
        for (i, (table, line)) in sources.into_iter().enumerate() {
            let name = match doc.str_field(table, "name") {
                Field::Str(n, _) => Some(n),
                _ => None,
            };
            let role = if i == 0 { Role::Index } else { Role::Extra };
            match doc.str_field(table, "url") {
                Field::Str(url, l) => {
                    let url = expand(url, env);
                    c.add(Entry::new(
                        Tool::Pipenv,
                        Form::Requirements,
                        role,
                        name,
                        &url,
                        rel,
                        l,
                    ));
                }
                Field::Missing => c.problem(rel, Some(line), "a Pipfile source has no url"),
                Field::WrongType(l) => c.problem(
                    rel,
                    Some(l),
                    format!(
                        "the url of Pipfile source {} is not a string",
                        quoted_name(name.unwrap_or(""))
                    ),
                ),
            }
        }
    });
}

/// In a pipenv project, pip's indexes from the user's files and variables get credentials
/// through the netrc alone: pipenv copies pip's index URL into the Pipfile and its lock file
/// when the Pipfile has no source, credentials and all (checked with pipenv 2026.10).
fn netrc_for_pip(entries: &mut [Entry]) {
    for e in entries {
        if e.tool == Tool::Pip && e.origin != Origin::Project {
            e.form = Form::Requirements;
        }
    }
}

/// `$VAR` and `${VAR}` replaced by their values, as Python's `os.path.expandvars` does (a
/// variable that is not set stays as written); the placeholder's own variable is left.
pub fn expand(url: &str, env: &Env) -> String {
    let (kept, rest) = match url.strip_prefix("https://") {
        Some(r) if r.starts_with(TOKEN_PLACEHOLDER) => url.split_at(8 + TOKEN_PLACEHOLDER.len()),
        _ => ("", url),
    };
    let mut out = kept.to_string();
    let mut chars = rest.char_indices().peekable();
    while let Some((i, ch)) = chars.next() {
        if ch != '$' {
            out.push(ch);
            continue;
        }
        let after = &rest[i + 1..];
        let (name, len) = if let Some(inner) = after.strip_prefix('{') {
            match inner.find('}') {
                Some(end) => (&inner[..end], end + 2),
                None => ("", 0),
            }
        } else {
            let end = after
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(after.len());
            (&after[..end], end)
        };
        // The token is never spliced in: only the placeholder carries it, filled by ca-env.
        let usable = !name.is_empty() && name != CODEARTIFACT_AUTH_TOKEN;
        match env.var(name).filter(|_| usable) {
            Some(value) => {
                out.push_str(&value);
                for _ in 0..len {
                    chars.next();
                }
            }
            None => out.push('$'),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variables_expand_as_python_expands_them() {
        let env = Env::from_pairs(&[("DOMAIN", "corp"), ("OWNER", "111122223333")], None);
        assert_eq!(
            expand(
                "https://${DOMAIN}-$OWNER.d.codeartifact.us-west-2.amazonaws.com/pypi/r/simple/",
                &env
            ),
            "https://corp-111122223333.d.codeartifact.us-west-2.amazonaws.com/pypi/r/simple/"
        );
        assert_eq!(
            expand("https://$UNSET/${ALSO}/$", &env),
            "https://$UNSET/${ALSO}/$"
        );
        assert_eq!(
            expand("https://aws:${CODEARTIFACT_AUTH_TOKEN}@${DOMAIN}-1/", &env),
            "https://aws:${CODEARTIFACT_AUTH_TOKEN}@corp-1/"
        );
    }
}
