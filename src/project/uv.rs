//! uv's settings, in `uv.toml` or in `pyproject.toml`'s `[tool.uv]`: `[[index]]` (named or
//! not, `default`, `publish-url`), `index-url`, `extra-index-url`, `publish-url`, and the
//! `index-url` and `extra-index-url` keys under `[pip]`.

use std::path::Path;

use toml::de::{DeTable, DeValue};

use super::toml_doc::{Doc, Field};
use super::{Collector, Entry, Origin, Role};
use crate::tools::Tool;

pub fn read_uv_toml(c: &mut Collector) {
    let rel = Path::new("uv.toml");
    c.with_toml(rel, |c, doc| read_settings(c, doc, doc.root(), rel));
}

pub fn read_settings(c: &mut Collector, doc: &Doc, table: &DeTable, rel: &Path) {
    for (index, line) in c.array_of_tables(doc, rel, table, &["index"]) {
        read_index(c, doc, index, line, rel);
    }
    read_url_keys(c, doc, table, rel);
    // `[tool.uv] publish-url`: where a plain `uv publish` uploads (not a key of `[pip]`).
    match doc.str_field(table, "publish-url") {
        Field::Str(url, l) => push(c, rel, Origin::ToolConfig, None, url, Role::Publish, l),
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
    origin: Origin,
    name: Option<&str>,
    url: &str,
    role: Role,
    line: usize,
) {
    c.entries
        .push(Entry::new(Tool::Uv, origin, role, name, url, rel, line));
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
        Field::Str(url, l) => push(c, rel, Origin::ToolConfig, name, url, role, l),
        Field::Missing => c.problem(rel, Some(line), "a uv index has no url"),
        Field::WrongType(l) => c.problem(rel, Some(l), "a uv index url is not a string"),
    }
    match doc.str_field(index, "publish-url") {
        Field::Str(url, l) => push(c, rel, Origin::ToolConfig, name, url, Role::Publish, l),
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
                DeValue::String(url) => push(c, rel, Origin::UvUrlKey, None, url, role, line),
                _ => c.problem(rel, Some(line), format!("uv's {key} is not a string")),
            }
        }
    }
}
