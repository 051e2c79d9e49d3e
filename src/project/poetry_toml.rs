//! `poetry.toml`, Poetry's project-local configuration: `[repositories.NAME] url` declares
//! upload targets for `poetry publish -r NAME`.

use std::path::Path;

use toml::de::DeValue;

use super::toml_doc::Field;
use super::{quoted_name, Collector, Entry, Origin, Role, Tool};

pub fn read(c: &mut Collector) {
    let rel = Path::new("poetry.toml");
    c.with_toml(rel, |c, doc| {
        let repositories = match doc.table(&["repositories"]) {
            Ok(Some(t)) => t,
            Ok(None) => return,
            Err(line) => return c.problem(rel, Some(line), "repositories is not a table"),
        };
        for (name, value) in repositories.iter() {
            let name = name.get_ref().as_ref();
            let DeValue::Table(repo) = value.get_ref() else {
                c.problem(
                    rel,
                    Some(doc.line(value.span())),
                    format!("repository {} is not a table", quoted_name(name)),
                );
                continue;
            };
            match doc.str_field(repo, "url") {
                Field::Str(url, line) => c.entries.push(Entry::new(
                    Tool::Poetry,
                    Origin::ToolConfig,
                    Role::Publish,
                    Some(name),
                    url,
                    rel,
                    line,
                )),
                Field::Missing => {}
                Field::WrongType(line) => c.problem(
                    rel,
                    Some(line),
                    format!(
                        "the url of repository {} is not a string",
                        quoted_name(name)
                    ),
                ),
            }
        }
    });
}
