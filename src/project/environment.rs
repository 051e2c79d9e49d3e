//! The user's own variables that name indexes, read as the tools read them: pip's and uv's URL
//! variables (over any configuration file), Poetry's `POETRY_REPOSITORIES_<NAME>_URL` and PDM's
//! `PDM_PYPI_URL`. A URL that already carries credentials is the user's to keep and is left
//! alone; the others get credentials in that same variable (`Form::Variable`), the rest of its
//! value kept as it was.

use std::path::PathBuf;

use super::{Entry, Form, Found, Origin, Role, Tool};
use crate::codeartifact::url::without_credentials;
use crate::env::Env;
use crate::tools::registry::{
    PDM_PYPI_URL, PIP_EXTRA_INDEX_URL, PIP_INDEX_URL, POETRY_REPOSITORIES_PREFIX, UV_DEFAULT_INDEX,
    UV_EXTRA_INDEX_URL, UV_INDEX, UV_INDEX_URL,
};

/// The URL variables, the tool that reads each, and what it is to that tool. The list
/// variables hold URLs separated by white space; uv's `UV_INDEX` and `UV_DEFAULT_INDEX` items
/// may be `name=url`.
const URL_VARIABLES: &[(&str, Tool, Role)] = &[
    (PIP_INDEX_URL, Tool::Pip, Role::Index),
    (PIP_EXTRA_INDEX_URL, Tool::Pip, Role::Extra),
    (UV_DEFAULT_INDEX, Tool::Uv, Role::Index),
    (UV_INDEX, Tool::Uv, Role::Extra),
    (UV_INDEX_URL, Tool::Uv, Role::Index),
    (UV_EXTRA_INDEX_URL, Tool::Uv, Role::Extra),
];

pub fn read(env: &Env, found: &mut Found) {
    for &(var, tool, role) in URL_VARIABLES {
        let Some(value) = env.var(var) else {
            continue;
        };
        for item in value.split_whitespace() {
            let (name, url) = split_name(var, item);
            if without_credentials(url).1 {
                continue;
            }
            let form = Form::Variable(var);
            found.entries.push(entry(tool, form, role, name, url, var));
        }
    }
    for (key, value) in env.all() {
        let (Some(key), Some(url)) = (key.to_str(), value.to_str()) else {
            continue;
        };
        // `POETRY_REPOSITORIES_<NAME>_URL`, NAME of `[A-Z_]+`, defines repository <name>,
        // lower-cased with `_` as `-` (`Config._get_environment_repositories`): a target for
        // `poetry publish -r <name>`.
        let name = key
            .strip_prefix(POETRY_REPOSITORIES_PREFIX)
            .and_then(|rest| rest.strip_suffix("_URL"))
            .filter(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_uppercase() || b == b'_'));
        if let Some(name) = name {
            let name = name.to_lowercase().replace('_', "-");
            let e = entry(
                Tool::Poetry,
                Form::ToolConfig,
                Role::Publish,
                Some(&name),
                url,
                key,
            );
            found.entries.push(e);
        }
    }
    if let Some(url) = env.var(PDM_PYPI_URL) {
        let e = entry(
            Tool::Pdm,
            Form::ToolConfig,
            Role::Index,
            Some("pypi"),
            &url,
            PDM_PYPI_URL,
        );
        found.entries.push(e);
    }
}

/// uv's `name=url` items (a name has no `:` or `/`, so a URL is never split).
fn split_name<'a>(var: &str, item: &'a str) -> (Option<&'a str>, &'a str) {
    if var == UV_INDEX || var == UV_DEFAULT_INDEX {
        if let Some((name, url)) = item.split_once('=') {
            if !name.is_empty() && !name.contains([':', '/']) {
                return (Some(name), url);
            }
        }
    }
    (None, item)
}

fn entry(tool: Tool, form: Form, role: Role, name: Option<&str>, url: &str, var: &str) -> Entry {
    let mut e = Entry::new(
        tool,
        form,
        role,
        name,
        url,
        &PathBuf::from(format!("env:{var}")),
        0,
    );
    e.origin = Origin::Environment;
    e
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uv_names_are_split_off_and_urls_never() {
        assert_eq!(
            split_name(UV_INDEX, "corp=https://h/simple/"),
            (Some("corp"), "https://h/simple/")
        );
        assert_eq!(
            split_name(UV_INDEX, "https://h/simple/?a=b"),
            (None, "https://h/simple/?a=b")
        );
        assert_eq!(
            split_name(PIP_INDEX_URL, "corp=https://h/"),
            (None, "corp=https://h/")
        );
    }
}
