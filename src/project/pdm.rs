//! PDM's configuration besides `[[tool.pdm.source]]` (read with `pyproject.toml`): `pypi.url`
//! and `pypi.<name>.url` in the project's `pdm.toml` and in the user's `config.toml`
//! (`$PDM_CONFIG_FILE`, else `$XDG_CONFIG_HOME/pdm/config.toml`: `pdm/project/config.py`).
//! `PDM_PYPI_URL` is read with the other variables.

use std::path::{Path, PathBuf};

use toml::de::DeValue;

use super::toml_doc::Field;
use super::{quoted_name, Collector, Entry, Form, Found, Origin, Role, Tool};
use crate::env::Env;
use crate::tools::registry::PDM_CONFIG_FILE;

/// The project's `pdm.toml`.
pub fn read_project(c: &mut Collector) {
    read(c, Path::new("pdm.toml"));
}

/// The user's `config.toml`.
pub fn discover(env: &Env, found: &mut Found) {
    let file = match env
        .var(PDM_CONFIG_FILE)
        .filter(|f| Path::new(f).is_absolute())
    {
        Some(f) => Some(PathBuf::from(f)),
        None => env.xdg_config_home().map(|c| c.join("pdm/config.toml")),
    };
    if let Some(file) = file {
        found.read_file(&file, Origin::UserConfig, read);
    }
}

/// `[pypi] url` is the source named `pypi`; `[pypi.<name>] url` the source `<name>`.
fn read(c: &mut Collector, rel: &Path) {
    c.with_toml(rel, |c, doc| {
        let pypi = match doc.table(&["pypi"]) {
            Ok(Some(t)) => t,
            Ok(None) => return,
            Err(line) => return c.problem(rel, Some(line), "pypi is not a table"),
        };
        let add = |c: &mut Collector, name: &str, field: Field| match field {
            Field::Str(url, line) => c.add(Entry::new(
                Tool::Pdm,
                Form::ToolConfig,
                Role::Index,
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
                    "the url of PDM source {} is not a string",
                    quoted_name(name)
                ),
            ),
        };
        add(c, "pypi", doc.str_field(pypi, "url"));
        for (name, value) in pypi.iter() {
            let name = name.get_ref().as_ref();
            if let DeValue::Table(source) = value.get_ref() {
                add(c, name, doc.str_field(source, "url"));
            }
        }
    });
}
