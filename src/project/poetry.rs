//! Poetry's configuration: `[repositories.NAME] url` declares upload targets for
//! `poetry publish -r NAME`, in the project's `poetry.toml` and in the user's `config.toml`
//! (`$POETRY_CONFIG_DIR`, else `$XDG_CONFIG_HOME/pypoetry`: `poetry/locations.py`), which
//! `poetry config repositories.NAME URL` writes. (`POETRY_REPOSITORIES_<NAME>_URL` is read
//! with the other variables; `[[tool.poetry.source]]` with `pyproject.toml`.)

use std::path::{Path, PathBuf};

use toml::de::DeValue;

use super::toml_doc::Field;
use super::{quoted_name, Collector, Entry, Form, Found, Origin, Role, Tool};
use crate::env::Env;
use crate::tools::registry::POETRY_CONFIG_DIR;

/// The project's `poetry.toml`.
pub fn read_project(c: &mut Collector) {
    read(c, Path::new("poetry.toml"));
}

/// The user's `config.toml`. Once a variable defines a repository, Poetry's repositories are
/// the variables' alone (`Config.get("repositories")`): the files' are dropped.
pub fn discover(env: &Env, found: &mut Found) {
    let by_variable = found.entries.iter().any(|e| {
        e.tool == Tool::Poetry && e.origin == Origin::Environment && e.role == Role::Publish
    });
    if by_variable {
        found.entries.retain(|e| {
            !(e.tool == Tool::Poetry && e.role == Role::Publish && e.origin != Origin::Environment)
        });
        return;
    }
    let dir = match env
        .var(POETRY_CONFIG_DIR)
        .filter(|d| Path::new(d).is_absolute())
    {
        Some(dir) => Some(PathBuf::from(dir)),
        None => env.xdg_config_home().map(|c| c.join("pypoetry")),
    };
    if let Some(dir) = dir {
        found.read_file(&dir.join("config.toml"), Origin::UserConfig, read);
    }
}

fn read(c: &mut Collector, rel: &Path) {
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
                Field::Str(url, line) => c.add(Entry::new(
                    Tool::Poetry,
                    Form::ToolConfig,
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
