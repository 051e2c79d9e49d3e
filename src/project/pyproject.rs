//! The project's `pyproject.toml`: Poetry's `[[tool.poetry.source]]`, PDM's
//! `[[tool.pdm.source]]`, and poetry-codeartifact-login-plugin's
//! `[[tool.poetry_codeartifact_login.source]]`, whose users switch to ca-env with no edits.
//! (uv's `[tool.uv]` is read where uv reads it: `uv.rs`.)

use std::path::Path;

use super::toml_doc::{Doc, Field};
use super::{quoted_name, Collector, Entry, Form, Role, Tool};

pub fn read(c: &mut Collector) {
    let rel = Path::new("pyproject.toml");
    c.with_toml(rel, |c, doc| {
        let first_poetry = c.entries_mut().len();
        named_sources(c, doc, rel, &["tool", "poetry", "source"], Tool::Poetry);
        login_plugin(c, doc, rel, first_poetry);
        named_sources(c, doc, rel, &["tool", "pdm", "source"], Tool::Pdm);
    });
}

/// An array of `{name, url}` tables (Poetry's and PDM's sources).
fn named_sources(c: &mut Collector, doc: &Doc, rel: &Path, path: &[&str], tool: Tool) {
    let what = path.join(".");
    let list = c.array_of_tables(doc, rel, doc.root(), path);
    for (table, line) in list {
        let name = match doc.str_field(table, "name") {
            Field::Str(name, _) => name,
            Field::Missing => {
                c.problem(rel, Some(line), format!("a {what} entry has no name"));
                continue;
            }
            Field::WrongType(l) => {
                c.problem(rel, Some(l), format!("a {what} name is not a string"));
                continue;
            }
        };
        if tool == Tool::Pdm && matches!(doc.str_field(table, "type"), Field::Str("find_links", _))
        {
            continue;
        }
        match doc.str_field(table, "url") {
            Field::Str(url, url_line) => c.add(Entry::new(
                tool,
                Form::ToolConfig,
                Role::Index,
                Some(name),
                url,
                rel,
                url_line,
            )),
            // Poetry's own PyPI source needs no url.
            Field::Missing => {}
            Field::WrongType(l) => c.problem(
                rel,
                Some(l),
                format!("the url of {what} {} is not a string", quoted_name(name)),
            ),
        }
    }
}

/// `[[tool.poetry_codeartifact_login.source]]`: `name` matches a Poetry source; `domain` and
/// `domain_owner` must agree with its URL; `aws_profile` names the profile to use.
fn login_plugin(c: &mut Collector, doc: &Doc, rel: &Path, first_poetry: usize) {
    let what = "tool.poetry_codeartifact_login.source";
    let list = c.array_of_tables(
        doc,
        rel,
        doc.root(),
        &["tool", "poetry_codeartifact_login", "source"],
    );
    for (table, line) in list {
        let field = |key: &str| match doc.str_field(table, key) {
            Field::Str(s, _) => Ok(Some(s.to_string())),
            Field::Missing => Ok(None),
            Field::WrongType(l) => Err(l),
        };
        let (name, domain, owner, profile) = match (
            field("name"),
            field("domain"),
            field("domain_owner"),
            field("aws_profile"),
        ) {
            (Ok(Some(n)), Ok(Some(d)), Ok(Some(o)), Ok(p)) => (n, d, o, p),
            (Err(l), ..) | (_, Err(l), ..) | (_, _, Err(l), _) | (.., Err(l)) => {
                c.problem(rel, Some(l), format!("a {what} field is not a string"));
                continue;
            }
            _ => {
                c.problem(
                    rel,
                    Some(line),
                    format!("a {what} entry needs name, domain and domain_owner"),
                );
                continue;
            }
        };
        let matching = c.entries_mut()[first_poetry..]
            .iter_mut()
            .filter(|e| e.tool == Tool::Poetry && e.name.as_deref() == Some(name.as_str()));
        let mut found = false;
        for entry in matching {
            entry.profile = profile.clone();
            entry.expect = Some((domain.clone(), owner.clone()));
            found = true;
        }
        if !found {
            c.problem(
                rel,
                Some(line),
                format!(
                    "{what} {} names no [[tool.poetry.source]]",
                    quoted_name(&name)
                ),
            );
        }
    }
}
