//! pixi's PyPI indexes: `[pypi-options]` `index-url` and `extra-index-urls` in `pixi.toml`, or
//! under `[tool.pixi]` in `pyproject.toml`, and the same in `[workspace]` and each
//! `[feature.<name>]` (`pixi_manifest`, `PypiOptions`). pixi takes credentials for them from a
//! netrc (`rattler_networking`'s `NetRcStorage` reads `NETRC`, and uv's client behind it too).

use std::path::Path;

use toml::de::{DeTable, DeValue};

use super::toml_doc::{Doc, Field};
use super::{Collector, Entry, Form, Role, Tool};

pub fn read(c: &mut Collector) {
    for (file, base) in [
        ("pixi.toml", &[][..]),
        ("pyproject.toml", &["tool", "pixi"][..]),
    ] {
        let rel = Path::new(file);
        let path = c.fs.root().join(rel);
        // A pyproject.toml is parsed again only when it may name pixi at all.
        let may_hold =
            base.is_empty() || super::uv::small_file(&path).is_some_and(|t| t.contains("pixi"));
        if !path.exists() || !may_hold {
            continue;
        }
        c.with_toml(rel, |c, doc| {
            let Ok(Some(top)) = doc.table(base) else {
                return;
            };
            options(c, doc, top, rel);
            if let Ok(Some(workspace)) = doc.table_in(top, &["workspace"]) {
                options(c, doc, workspace, rel);
            }
            if let Ok(Some(features)) = doc.table_in(top, &["feature"]) {
                for (_, feature) in features.iter() {
                    if let DeValue::Table(feature) = feature.get_ref() {
                        options(c, doc, feature, rel);
                    }
                }
            }
        });
    }
}

fn options(c: &mut Collector, doc: &Doc, table: &DeTable, rel: &Path) {
    let Ok(Some(options)) = doc.table_in(table, &["pypi-options"]) else {
        return;
    };
    let add = |c: &mut Collector, url: &str, role, line| {
        c.add(Entry::new(
            Tool::Pixi,
            Form::ToolConfig,
            role,
            None,
            url,
            rel,
            line,
        ));
    };
    match doc.str_field(options, "index-url") {
        Field::Str(url, line) => add(c, url, Role::Index, line),
        Field::Missing => {}
        Field::WrongType(line) => c.problem(rel, Some(line), "pixi's index-url is not a string"),
    }
    if let Some(extras) = options.get("extra-index-urls") {
        let DeValue::Array(items) = extras.get_ref() else {
            let line = doc.line(extras.span());
            return c.problem(rel, Some(line), "pixi's extra-index-urls is not a list");
        };
        for item in items {
            let line = doc.line(item.span());
            match item.get_ref() {
                DeValue::String(url) => add(c, url, Role::Extra, line),
                _ => c.problem(
                    rel,
                    Some(line),
                    "pixi's extra-index-urls holds a non-string",
                ),
            }
        }
    }
}
