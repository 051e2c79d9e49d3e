//! The variable names each tool reads credentials from, and the checks on them.
//!
//! - Poetry source N: `POETRY_HTTP_BASIC_<N'>_USERNAME`/`_PASSWORD`, N' = N upper-cased with
//!   `-` → `_`. Poetry 2 keeps a `.` as a `.` (checked with Poetry 2.5.1): such a name can be
//!   set by `exec` and `dotenv` but by no shell.
//! - uv index N: `UV_INDEX_<N'>_USERNAME`/`_PASSWORD`, N' = N upper-cased with every
//!   non-alphanumeric character → `_` (uv's `IndexName::to_env_var`).
//! - pip: `PIP_INDEX_URL` / `PIP_EXTRA_INDEX_URL` carry the credentials in the URL; uv's pip
//!   interface reads `UV_INDEX_URL` / `UV_EXTRA_INDEX_URL`; when a requirements file names the
//!   index itself pip ignores those for it, and `NETRC` is what works.

use super::registry::{self, Kind, BUNDLE_PREFIX, CARGO_REGISTRIES_PREFIX};
use super::{Entry, Form, Role, Service, Tool};

/// One variable a source sets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VarName {
    pub name: String,
    /// Whether a shell can export it (`^[A-Z_][A-Z0-9_]*$`); otherwise only `exec` and
    /// `dotenv` can set it.
    pub shell: bool,
    /// What it carries, as the registry says.
    pub kind: Kind,
}

impl VarName {
    fn new(name: String) -> VarName {
        let shell = is_portable(&name);
        let kind = registry::kind(&name).expect("every variable ca-env sets is in the registry");
        VarName { name, shell, kind }
    }
}

/// `^[A-Za-z_][A-Za-z0-9_]*$`: a name every shell can export. The names ca-env makes from a
/// source's name are upper-cased; NuGet's prefix is not.
pub fn is_portable(name: &str) -> bool {
    let b = name.as_bytes();
    !b.is_empty()
        && (b[0].is_ascii_alphabetic() || b[0] == b'_')
        && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'_')
}

/// Letters, digits, `-`, `_` and `.`: what uv accepts as an index name.
fn is_plain_name(name: &str) -> bool {
    name.bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

/// Poetry's N' (Poetry 2): upper-cased, `-` → `_`.
pub fn poetry_key(name: &str) -> String {
    name.to_uppercase().replace('-', "_")
}

/// What Poetry 1.x made of a name (`.` → `_` as well): names that meet here collide for some
/// user, so they count as one for collision checks.
pub fn poetry_loose_key(name: &str) -> String {
    name.to_uppercase().replace(['-', '.'], "_")
}

/// uv's N': upper-cased, every non-alphanumeric character → `_`.
pub fn uv_key(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect()
}

/// Cargo's NAME' (`ConfigKey`'s environment spelling): upper-cased, `-` → `_`.
pub fn cargo_key(name: &str) -> String {
    name.to_uppercase().replace('-', "_")
}

/// A registry name whose variables every shell can export: Cargo allows any Unicode
/// identifier, but only ASCII ones make portable names.
fn is_cargo_name(name: &str) -> bool {
    let b = name.as_bytes();
    !b.is_empty()
        && (b[0].is_ascii_alphabetic() || b[0] == b'_')
        && b.iter()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_'))
}

/// Bundler's HOST' for a source URL: its host without the port (`credentials_for` looks up
/// `uri.host` once the full URI has no setting), `.` → `__`, `-` → `___`, upper-cased
/// (`Settings.key_for`). None when there is no host.
pub fn bundler_key(url: &str) -> Option<String> {
    let (_, rest) = url.split_once("://")?;
    let authority = rest.split(['/', '?', '#']).next()?;
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = match host.rsplit_once(':') {
        Some((h, port)) if port.bytes().all(|b| b.is_ascii_digit()) => h,
        _ => host,
    };
    (!host.is_empty()).then(|| host.replace('.', "__").replace('-', "___").to_uppercase())
}

pub use super::registry::CODEARTIFACT_AUTH_TOKEN;

/// NuGet's credentials for source N: `NuGetPackageSourceCredentials_N`.
const NUGET_PREFIX: &str = "NuGetPackageSourceCredentials_";

/// A project's publish target, for `uv publish` and `twine upload`. The URL travels with the
/// credentials: alone, they would go to PyPI on a plain `uv publish` or `twine upload`.
const PUBLISH: [&str; 6] = [
    "UV_PUBLISH_URL",
    "UV_PUBLISH_USERNAME",
    "UV_PUBLISH_PASSWORD",
    "TWINE_REPOSITORY_URL",
    "TWINE_USERNAME",
    "TWINE_PASSWORD",
];

/// Whether ca-env could have written `name` (a variable of the registry's): a dotenv file
/// holding only such lines is ca-env's to replace.
pub fn is_written(name: &str) -> bool {
    registry::written(name).is_some()
}

/// The variables that give `entry`'s tool its credentials, or why there can be none.
pub fn for_entry(entry: &Entry, service: Service) -> Result<Vec<VarName>, String> {
    let pair = |prefix: &str, key: &str| {
        vec![
            VarName::new(format!("{prefix}{key}_USERNAME")),
            VarName::new(format!("{prefix}{key}_PASSWORD")),
        ]
    };
    let fixed = |names: &[&str]| names.iter().map(|n| VarName::new(n.to_string())).collect();
    let name = entry.name.as_deref();
    if name == Some("") {
        return Err("an empty name".into());
    }
    if let Form::Variable(var) = entry.form {
        // The user's own variable gets the credentials in place (other tools read no other).
        return Ok(fixed(&[var]));
    }
    if let Form::Unusable(why) = entry.form {
        return Err(why.into());
    }
    Ok(match (entry.tool, name) {
        (Tool::Poetry, Some(name)) => {
            let vars = pair("POETRY_HTTP_BASIC_", &poetry_key(name));
            // A `.` is the one character Poetry keeps that no shell can export.
            if vars.iter().any(|v| !is_portable(&v.name.replace('.', "_"))) {
                return Err("no environment variable can carry Poetry's credentials for this name (only letters, digits, '-', '_' and '.' work)".into());
            }
            vars
        }
        // uv itself refuses other index names; one it would refuse is not ours to export.
        // PDM has no rule of its own; the same one keeps odd names out of every message.
        (Tool::Uv | Tool::Pdm, Some(name)) if !is_plain_name(name) => {
            return Err(format!(
                "{} allows only letters, digits, '-', '_' and '.' in names",
                entry.tool.as_str()
            ));
        }
        (Tool::Uv, Some(_)) if entry.role == Role::Publish => fixed(&PUBLISH),
        (Tool::Uv, Some(name)) => pair("UV_INDEX_", &uv_key(name)),
        // uv's own names for the keys the project used.
        (Tool::Uv, None) => match (entry.role, entry.form) {
            (Role::Index, Form::UvUrlKey) => fixed(&["UV_INDEX_URL"]),
            (Role::Extra, Form::UvUrlKey) => fixed(&["UV_EXTRA_INDEX_URL"]),
            (Role::Index, _) => fixed(&["UV_DEFAULT_INDEX"]),
            (Role::Extra, _) => fixed(&["UV_INDEX"]),
            (Role::Publish, _) => fixed(&PUBLISH),
        },
        (Tool::Pdm, Some("pypi")) => fixed(&["PDM_PYPI_USERNAME", "PDM_PYPI_PASSWORD"]),
        // A URL with the token placeholder gets the shared token, which pipenv and PDM expand.
        (Tool::Pipenv | Tool::Pdm, _) if has_placeholder(entry) => Vec::new(),
        // PDM reads no variable for other sources, but reads the netrc (checked with PDM 2.29).
        (Tool::Pdm, _) => fixed(&[registry::NETRC]),
        // pipenv hands its sources to pip on the command line, where pip reads no variable
        // for them but does read a netrc (NETRC); pixi's resolver reads the same file.
        (Tool::Pipenv | Tool::Pixi, _) => fixed(&[registry::NETRC]),
        // pip's own files: pip's variables only (uv reads no pip.conf); the netrc alone where
        // another tool would copy the URL variable into a file (a Pipfile project).
        (Tool::Pip, _) if entry.origin != super::Origin::Project => {
            match (entry.form, entry.role) {
                (Form::Requirements, _) => fixed(&[registry::NETRC]),
                (_, Role::Extra) => fixed(&[registry::PIP_EXTRA_INDEX_URL]),
                _ => fixed(&[registry::PIP_INDEX_URL]),
            }
        }
        // npm and pnpm read `_authToken`s from their user configuration file only: ca-env's
        // copy of the user's, which this variable names (see `vars::npmrc`).
        (Tool::Npm | Tool::Pnpm, _) => fixed(&[registry::NPM_CONFIG_USERCONFIG]),
        // Yarn: a registry with settings of its own reads no variable of ca-env's.
        // A service that takes no bearer token gets Yarn's `user:password` instead (Yarn sends
        // it as Basic; `npmHttpUtils.ts`, `getAuthenticationHeader`).
        (Tool::Yarn, _) => match entry.form {
            Form::OwnAuth { .. } => Vec::new(),
            _ if service.bearer => fixed(&[
                registry::YARN_NPM_AUTH_TOKEN,
                registry::YARN_NPM_ALWAYS_AUTH,
            ]),
            _ => fixed(&[
                registry::YARN_NPM_AUTH_IDENT,
                registry::YARN_NPM_ALWAYS_AUTH,
            ]),
        },
        // Maven's settings.xml and Gradle's build files read the token from the variable the
        // service's documentation shows: `${env.CODEARTIFACT_AUTH_TOKEN}` for CodeArtifact.
        (Tool::Maven | Tool::Gradle, _) => fixed(&[service.token_variable]),
        // Cargo reads `CARGO_REGISTRIES_<NAME'>_TOKEN` only through the `cargo:token` provider,
        // which an `auth-required` registry needs named (`auth/mod.rs`, `credential_provider`).
        (Tool::Cargo, _) if !service.bearer => {
            return Err(
                "Cargo sends a registry's token as it is, and this service takes none that way"
                    .into(),
            );
        }
        (Tool::Cargo, Some(name)) if is_cargo_name(name) => {
            let key = cargo_key(name);
            vec![
                VarName::new(format!("{CARGO_REGISTRIES_PREFIX}{key}_TOKEN")),
                VarName::new(format!(
                    "{CARGO_REGISTRIES_PREFIX}{key}_CREDENTIAL_PROVIDER"
                )),
            ]
        }
        (Tool::Cargo, _) => {
            return Err("no variable can carry Cargo's token for this registry name (only ASCII letters, digits, '-' and '_' work)".into());
        }
        (Tool::Bundler, _) => match bundler_key(&entry.url) {
            Some(key) if registry::is_bundler_host_key(&key) => {
                vec![VarName::new(format!("{BUNDLE_PREFIX}{key}"))]
            }
            _ => return Err("no variable can carry Bundler's credentials for this host".into()),
        },
        // NuGet takes the source's name as it is: a name with other characters than letters,
        // digits and `_` makes a variable only `exec` and `dotenv` can set.
        (Tool::Nuget, Some(name)) if !is_plain_name(name) => {
            return Err(
                "only NuGet source names of letters, digits, '-', '_' and '.' can name a variable"
                    .into(),
            );
        }
        (Tool::Nuget, Some(name)) => vec![VarName::new(format!("{NUGET_PREFIX}{name}"))],
        (Tool::Nuget, None) => return Err("a NuGet source needs a name".into()),
        // SwiftPM takes per-host credentials from netrc text in a variable.
        (Tool::Swift, _) => fixed(&[registry::SWIFTPM_NETRC_DATA]),
        (Tool::Pip, _) | (Tool::Poetry, None) => {
            let mut names: Vec<VarName> = match entry.role {
                Role::Extra => fixed(&["PIP_EXTRA_INDEX_URL", "UV_EXTRA_INDEX_URL"]),
                _ => fixed(&["PIP_INDEX_URL", "UV_INDEX_URL"]),
            };
            if entry.form == Form::Requirements {
                names.push(VarName::new("NETRC".into()));
            }
            names
        }
    })
}

/// `https://aws:${CODEARTIFACT_AUTH_TOKEN}@…`, the form the AWS documentation gives.
fn has_placeholder(entry: &Entry) -> bool {
    let placeholder = format!("https://aws:${{{CODEARTIFACT_AUTH_TOKEN}}}@");
    entry.url.starts_with(&placeholder)
}

/// Keys under which two named entries would share variables, for collision checks (Poetry's
/// include the 1.x spelling).
pub fn collision_keys(entry: &Entry) -> Vec<String> {
    match (entry.tool, entry.name.as_deref(), entry.role) {
        (Tool::Poetry, Some(n), _) => vec![
            format!("poetry:{}", poetry_key(n)),
            format!("poetry:{}", poetry_loose_key(n)),
        ],
        (Tool::Uv, _, Role::Publish) => vec!["uv-publish".into()],
        (Tool::Uv, Some(n), _) => vec![format!("uv:{}", uv_key(n))],
        (Tool::Pdm, Some("pypi"), _) => vec!["pdm:pypi".into()],
        (Tool::Cargo, Some(n), _) => vec![format!("cargo:{}", cargo_key(n))],
        (Tool::Bundler, _, _) => bundler_key(&entry.url)
            .map(|k| format!("bundler:{k}"))
            .into_iter()
            .collect(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use super::{Entry, Form, Role, Tool};
    use std::path::PathBuf;

    fn entry(tool: Tool, name: Option<&str>, role: Role, form: Form) -> Entry {
        Entry {
            tool,
            form,
            name: name.map(str::to_string),
            url: String::new(),
            role,
            origin: super::super::Origin::Project,
            file: PathBuf::from("pyproject.toml"),
            line: 1,
            profile: None,
            expect: None,
            had_credentials: false,
        }
    }

    #[test]
    fn names_ca_env_writes() {
        for name in [
            "POETRY_HTTP_BASIC_CORP_PASSWORD",
            "POETRY_HTTP_BASIC_CORP.PRIVATE_USERNAME",
            "UV_INDEX_CORP_USERNAME",
            "PIP_INDEX_URL",
            "NETRC",
            "TWINE_PASSWORD",
            "CODEARTIFACT_AUTH_TOKEN",
        ] {
            assert!(is_written(name), "{name}");
        }
        for name in [
            "COMPOSE_PROJECT_NAME",
            "POETRY_HTTP_BASIC__PASSWORD",
            "UV_INDEX_CORP_URL",
            "PIP_TRUSTED_HOST",
            "# PIP_INDEX_URL",
        ] {
            assert!(!is_written(name), "{name}");
        }
    }

    fn names(e: &Entry) -> Result<Vec<(String, bool)>, String> {
        for_entry(e, Service::CODEARTIFACT)
            .map(|v| v.into_iter().map(|v| (v.name, v.shell)).collect())
    }

    #[test]
    fn poetry_names() {
        #[rustfmt::skip]
        let cases: &[(&str, Option<(&str, bool)>)] = &[
            ("corp-private", Some(("POETRY_HTTP_BASIC_CORP_PRIVATE_USERNAME", true))),
            ("corp_private", Some(("POETRY_HTTP_BASIC_CORP_PRIVATE_USERNAME", true))),
            ("MyRepository", Some(("POETRY_HTTP_BASIC_MYREPOSITORY_USERNAME", true))),
            ("corp.private", Some(("POETRY_HTTP_BASIC_CORP.PRIVATE_USERNAME", false))),
            ("repo1", Some(("POETRY_HTTP_BASIC_REPO1_USERNAME", true))),
            ("1repo", Some(("POETRY_HTTP_BASIC_1REPO_USERNAME", true))),
            ("my repo", None),
            ("$(touch x)", None),
            ("a;b", None),
            ("caf\u{e9}", None),
            ("a\nb", None),
            ("", None),
        ];
        for (name, want) in cases {
            let got = names(&entry(
                Tool::Poetry,
                Some(name),
                Role::Index,
                Form::ToolConfig,
            ));
            match (want, got) {
                (Some((user, shell)), Ok(v)) => {
                    assert_eq!(v[0], (user.to_string(), *shell), "{name}");
                    assert_eq!(v[1].0, user.replace("_USERNAME", "_PASSWORD"));
                }
                (None, Err(_)) => {}
                (want, got) => panic!("{name:?}: want {want:?}, got {got:?}"),
            }
        }
    }

    #[test]
    fn uv_names_follow_uvs_rule() {
        #[rustfmt::skip]
        let cases = [
            ("corp.Private-repo", "UV_INDEX_CORP_PRIVATE_REPO_USERNAME"),
            ("internal", "UV_INDEX_INTERNAL_USERNAME"),
            ("a_b-c.d", "UV_INDEX_A_B_C_D_USERNAME"),
        ];
        for (name, want) in cases {
            let got = names(&entry(Tool::Uv, Some(name), Role::Index, Form::ToolConfig)).unwrap();
            assert_eq!(got[0], (want.to_string(), true));
        }
        for bad in ["x y", "$(touch x)", "caf\u{e9}", "a;b", "a\nb"] {
            for role in [Role::Index, Role::Publish] {
                let e = entry(Tool::Uv, Some(bad), role, Form::ToolConfig);
                assert!(names(&e).is_err(), "{bad:?}");
            }
        }
        let publish = names(&entry(Tool::Uv, Some("x"), Role::Publish, Form::ToolConfig)).unwrap();
        let publish: Vec<_> = publish.into_iter().map(|(n, _)| n).collect();
        assert_eq!(publish, PUBLISH);
        let default = names(&entry(Tool::Uv, None, Role::Index, Form::ToolConfig)).unwrap();
        assert_eq!(default, vec![("UV_DEFAULT_INDEX".to_string(), true)]);
        let key = names(&entry(Tool::Uv, None, Role::Index, Form::UvUrlKey)).unwrap();
        assert_eq!(key, vec![("UV_INDEX_URL".to_string(), true)]);
        let key = names(&entry(Tool::Uv, None, Role::Extra, Form::UvUrlKey)).unwrap();
        assert_eq!(key, vec![("UV_EXTRA_INDEX_URL".to_string(), true)]);
        let extra = names(&entry(Tool::Uv, None, Role::Extra, Form::ToolConfig)).unwrap();
        assert_eq!(extra, vec![("UV_INDEX".to_string(), true)]);
    }

    #[test]
    fn pip_names_depend_on_where_the_index_is_named() {
        let req = names(&entry(Tool::Pip, None, Role::Index, Form::Requirements)).unwrap();
        let req: Vec<_> = req.into_iter().map(|(n, _)| n).collect();
        assert_eq!(req, ["PIP_INDEX_URL", "UV_INDEX_URL", "NETRC"]);
        let conf = names(&entry(Tool::Pip, None, Role::Extra, Form::PipConf)).unwrap();
        let conf: Vec<_> = conf.into_iter().map(|(n, _)| n).collect();
        assert_eq!(conf, ["PIP_EXTRA_INDEX_URL", "UV_EXTRA_INDEX_URL"]);
    }

    #[test]
    fn cargo_names_follow_cargos_environment_spelling() {
        #[rustfmt::skip]
        let cases: &[(&str, Option<&str>)] = &[
            ("corp", Some("CORP")),
            ("corp-repo", Some("CORP_REPO")),
            ("Corp_Repo-2", Some("CORP_REPO_2")),
            ("_private", Some("_PRIVATE")),
            ("caf\u{e9}", None),
            ("1corp", None),
            ("a.b", None),
            ("$(x)", None),
            ("", None),
        ];
        for (name, want) in cases {
            let e = entry(Tool::Cargo, Some(name), Role::Index, Form::ToolConfig);
            match (want, for_entry(&e, Service::CODEARTIFACT)) {
                (Some(key), Ok(v)) => {
                    let got: Vec<_> = v.iter().map(|v| (v.name.as_str(), v.kind)).collect();
                    assert_eq!(
                        got,
                        [
                            (
                                format!("CARGO_REGISTRIES_{key}_TOKEN").as_str(),
                                Kind::BearerToken
                            ),
                            (
                                format!("CARGO_REGISTRIES_{key}_CREDENTIAL_PROVIDER").as_str(),
                                Kind::Fixed("cargo:token")
                            ),
                        ],
                        "{name}"
                    );
                    assert!(v.iter().all(|v| v.shell));
                }
                (None, Err(_)) => {}
                (want, got) => panic!("{name:?}: want {want:?}, got {got:?}"),
            }
        }
        // `corp-repo` and `corp_repo` read the same variables.
        let a = entry(
            Tool::Cargo,
            Some("corp-repo"),
            Role::Index,
            Form::ToolConfig,
        );
        let b = entry(
            Tool::Cargo,
            Some("corp_repo"),
            Role::Index,
            Form::ToolConfig,
        );
        assert_eq!(collision_keys(&a), collision_keys(&b));
        let git = entry(
            Tool::Cargo,
            Some("corp"),
            Role::Index,
            Form::Unusable("why"),
        );
        assert_eq!(
            for_entry(&git, Service::CODEARTIFACT),
            Err("why".to_string())
        );
    }

    #[test]
    fn bundler_names_are_the_host_without_its_port() {
        #[rustfmt::skip]
        let cases: &[(&str, Option<&str>)] = &[
            ("https://corp-111122223333.d.codeartifact.us-west-2.amazonaws.com/ruby/gems/",
             Some("BUNDLE_CORP___111122223333__D__CODEARTIFACT__US___WEST___2__AMAZONAWS__COM")),
            ("http://127.0.0.1:8080/", Some("BUNDLE_127__0__0__1")),
            ("http://gems-1.corp.example:81/x", Some("BUNDLE_GEMS___1__CORP__EXAMPLE")),
            ("https://localhost:8080/", None),
            ("http://[::1]:8080/", None),
            ("no-scheme", None),
        ];
        for (url, want) in cases {
            let mut e = entry(Tool::Bundler, None, Role::Index, Form::ToolConfig);
            e.url = url.to_string();
            match (want, for_entry(&e, Service::CODEARTIFACT)) {
                (Some(name), Ok(v)) => {
                    assert_eq!(v.len(), 1);
                    assert_eq!(
                        (v[0].name.as_str(), v[0].kind, v[0].shell),
                        (*name, Kind::UserInfo, true)
                    );
                }
                (None, Err(_)) => {}
                (want, got) => panic!("{url:?}: want {want:?}, got {got:?}"),
            }
        }
        assert_eq!(
            bundler_key("http://127.0.0.1:1/"),
            bundler_key("http://127.0.0.1:2/a")
        );
    }

    #[test]
    fn portable_names() {
        for ok in ["A", "_", "A_1", "POETRY_HTTP_BASIC_X_USERNAME"] {
            assert!(is_portable(ok), "{ok}");
        }
        for ok in ["a", "NuGetPackageSourceCredentials_corp"] {
            assert!(is_portable(ok), "{ok}");
        }
        for bad in [
            "",
            "1A",
            "A.B",
            "A-B",
            "A B",
            "Ä",
            "NuGetPackageSourceCredentials_a.b",
        ] {
            assert!(!is_portable(bad), "{bad}");
        }
    }

    #[test]
    fn poetry_1_spellings_collide() {
        let a = entry(
            Tool::Poetry,
            Some("corp-repo"),
            Role::Index,
            Form::ToolConfig,
        );
        let b = entry(
            Tool::Poetry,
            Some("corp.repo"),
            Role::Index,
            Form::ToolConfig,
        );
        let ka = collision_keys(&a);
        assert!(collision_keys(&b).iter().any(|k| ka.contains(k)));
    }
}
