//! Every environment variable ca-env reads or writes, in one place (as uv keeps its own), each
//! written one with the kind of value it carries: the plan of variables is a match on kinds.

/// What a variable ca-env writes carries; decides its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The repository's user name (`aws` for CodeArtifact).
    UserName,
    /// The token.
    Password,
    /// The index URL with the user name and the token in its userinfo.
    IndexUrl,
    /// Space-separated index URLs with credentials: several sources add up.
    IndexUrls,
    /// The URL as written, without credentials (it travels with a user name and password).
    Url,
    /// The path of a netrc file holding the host's credentials.
    NetrcPath,
    /// The token, shared by every source of one domain and owner.
    SharedToken,
    /// netrc text: `machine HOST login aws password TOKEN` per host, after the user's own.
    NetrcText,
    /// NuGet's `Username=aws;Password=TOKEN`.
    NugetCredentials,
    /// The path of an npm user configuration file holding the registries' `_authToken`s and
    /// everything the user's own npmrc says.
    NpmrcPath,
    /// `Bearer ` and the token: Cargo sends a registry's token as the `Authorization` header
    /// as it is, and AWS documents this form for CodeArtifact.
    BearerToken,
    /// The user name, `:` and the token, as they are: Yarn's `npmAuthIdent`, which Yarn sends
    /// base64-encoded as a Basic credential.
    UserToken,
    /// `aws:` and the token percent-encoded: a `user:password` that Bundler puts in the URL's
    /// userinfo and decodes again (`CGI.unescape`).
    UserInfo,
    /// A value that is always the same (Cargo's `cargo:token`, Yarn's `true`).
    Fixed(&'static str),
}

/// A variable, or a family of them.
#[derive(Debug, Clone, Copy)]
pub enum Name {
    Exact(&'static str),
    /// `PREFIX<KEY>SUFFIX`, with a non-empty key made from an index's name.
    Family {
        prefix: &'static str,
        suffix: &'static str,
    },
    /// Bundler's `BUNDLE_<HOST>`: a key that is a host name as Bundler spells it (see
    /// [`is_bundler_host_key`]), so that Bundler's other settings (`BUNDLE_PATH`…) are not
    /// taken for ca-env's.
    BundlerHost,
}

impl Name {
    fn matches(self, name: &str) -> bool {
        match self {
            Name::Exact(n) => n == name,
            Name::Family { prefix, suffix } => name
                .strip_prefix(prefix)
                .and_then(|rest| rest.strip_suffix(suffix))
                .is_some_and(|key| !key.is_empty()),
            Name::BundlerHost => name
                .strip_prefix(BUNDLE_PREFIX)
                .is_some_and(is_bundler_host_key),
        }
    }
}

/// Whether `key` is what Bundler makes of a host (`settings.rb`, `key_for`: `.` → `__`, `-` →
/// `___`, upper-cased): two labels or more of letters, digits and `-`, and no single `_` left
/// over. Bundler's own dotted settings (`local.GEM`, `mirror.URL`, `gem.*`, `build.GEM`) are
/// not hosts.
pub fn is_bundler_host_key(key: &str) -> bool {
    let host = key.replace("___", "-").replace("__", ".");
    let labels: Vec<&str> = host.split('.').collect();
    labels.len() >= 2
        && labels.iter().all(|l| {
            !l.is_empty()
                && l.bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-')
        })
        && !matches!(labels[0], "LOCAL" | "MIRROR" | "GEM" | "BUILD")
}

/// A variable ca-env writes (the comment beside each says which tool reads it), and the kind
/// of value it gets.
#[derive(Debug, Clone, Copy)]
pub struct Written {
    pub name: Name,
    pub kind: Kind,
}

const fn exact(name: &'static str, kind: Kind) -> Written {
    Written {
        name: Name::Exact(name),
        kind,
    }
}

const fn family(prefix: &'static str, suffix: &'static str, kind: Kind) -> Written {
    Written {
        name: Name::Family { prefix, suffix },
        kind,
    }
}

/// Every variable ca-env sets for a tool.
pub const WRITTEN: &[Written] = &[
    // Poetry: POETRY_HTTP_BASIC_<source>_USERNAME / _PASSWORD.
    family("POETRY_HTTP_BASIC_", "_USERNAME", Kind::UserName),
    family("POETRY_HTTP_BASIC_", "_PASSWORD", Kind::Password),
    // uv: named indexes, the pip interface's URLs, unnamed indexes, publishing.
    family("UV_INDEX_", "_USERNAME", Kind::UserName),
    family("UV_INDEX_", "_PASSWORD", Kind::Password),
    exact(UV_INDEX_URL, Kind::IndexUrl),
    exact(UV_EXTRA_INDEX_URL, Kind::IndexUrls),
    exact(UV_DEFAULT_INDEX, Kind::IndexUrl),
    exact(UV_INDEX, Kind::IndexUrls),
    exact("UV_PUBLISH_URL", Kind::Url),
    exact("UV_PUBLISH_USERNAME", Kind::UserName),
    exact("UV_PUBLISH_PASSWORD", Kind::Password),
    // twine, for the same publish URL.
    exact("TWINE_REPOSITORY_URL", Kind::Url),
    exact("TWINE_USERNAME", Kind::UserName),
    exact("TWINE_PASSWORD", Kind::Password),
    // pip; NETRC also for curl and anything using Python's netrc.
    exact(PIP_INDEX_URL, Kind::IndexUrl),
    exact(PIP_EXTRA_INDEX_URL, Kind::IndexUrls),
    exact(NETRC, Kind::NetrcPath),
    // PDM's source named `pypi`.
    exact("PDM_PYPI_USERNAME", Kind::UserName),
    exact("PDM_PYPI_PASSWORD", Kind::Password),
    // NuGet: NuGetPackageSourceCredentials_<source name, as the configuration writes it>.
    family("NuGetPackageSourceCredentials_", "", Kind::NugetCredentials),
    // SwiftPM 6.4 and later: netrc text for the registries' hosts.
    exact(SWIFTPM_NETRC_DATA, Kind::NetrcText),
    // npm and pnpm read their user configuration from the file this names (and the
    // `_authToken` of each registry in it).
    exact(NPM_CONFIG_USERCONFIG, Kind::NpmrcPath),
    // Yarn Berry: the top-level token, sent to every registry without settings of its own, and
    // sent even for packages without a scope.
    exact(YARN_NPM_AUTH_TOKEN, Kind::Password),
    exact(YARN_NPM_AUTH_IDENT, Kind::UserToken),
    exact(YARN_NPM_ALWAYS_AUTH, Kind::Fixed("true")),
    // Cargo: a registry's token, and the provider that reads it (without one, an
    // `auth-required` registry is refused, and `global-credential-providers` could leave the
    // variable unread).
    family(CARGO_REGISTRIES_PREFIX, "_TOKEN", Kind::BearerToken),
    family(
        CARGO_REGISTRIES_PREFIX,
        "_CREDENTIAL_PROVIDER",
        Kind::Fixed("cargo:token"),
    ),
    // Bundler: `user:password` for a host.
    Written {
        name: Name::BundlerHost,
        kind: Kind::UserInfo,
    },
    // The AWS documentation's convention (Maven, Gradle, npm's .npmrc, requirements files).
    exact(CODEARTIFACT_AUTH_TOKEN, Kind::SharedToken),
    // Azure DevOps's own Gradle snippet, which Microsoft's credential provider reads too.
    exact(AZURE_ARTIFACTS_ENV_ACCESS_TOKEN, Kind::SharedToken),
    // Artifact Registry's token for Maven and Gradle (Google documents no variable: its own
    // helpers read application default credentials in the build).
    exact(GOOGLE_ARTIFACT_REGISTRY_TOKEN, Kind::SharedToken),
];

// Every variable ca-env reads. Code reads them through these names only (a test checks).

/// The configuration file (default `$XDG_CONFIG_HOME/ca-env/config.toml`).
pub const CA_ENV_CONFIG: &str = "CA_ENV_CONFIG";
/// The token store: `auto`, `keyring`, `keyutils`, `file`.
pub const CA_ENV_STORE: &str = "CA_ENV_STORE";
/// How much to log: `off`, `error`, `warn`, `info`, `debug`.
pub const CA_ENV_LOG: &str = "CA_ENV_LOG";
/// The shell's state between prompts (names, keyed hashes, earlier values; never a token).
pub const CA_ENV_STATE: &str = "__CA_ENV_STATE";
/// The user's own token (CI), used as it is; also written, for a project's sources of one domain.
pub const CODEARTIFACT_AUTH_TOKEN: &str = "CODEARTIFACT_AUTH_TOKEN";
/// Azure Artifacts' token for Maven and Gradle (written): the variable Azure DevOps's Gradle
/// snippet reads (`System.getenv("AZURE_ARTIFACTS_ENV_ACCESS_TOKEN")`).
pub const AZURE_ARTIFACTS_ENV_ACCESS_TOKEN: &str = "AZURE_ARTIFACTS_ENV_ACCESS_TOKEN";
/// Artifact Registry's token for Maven and Gradle (written): ca-env's name, as Google's
/// documentation names none.
pub const GOOGLE_ARTIFACT_REGISTRY_TOKEN: &str = "GOOGLE_ARTIFACT_REGISTRY_TOKEN";
/// The AWS profile when the configuration names none, as the AWS CLI reads it.
pub const AWS_PROFILE: &str = "AWS_PROFILE";
/// An endpoint for CodeArtifact calls (a test stand-in): another token entry.
pub const AWS_ENDPOINT_URL_CODEARTIFACT: &str = "AWS_ENDPOINT_URL_CODEARTIFACT";
/// An endpoint for every AWS call, after the one above.
pub const AWS_ENDPOINT_URL: &str = "AWS_ENDPOINT_URL";
/// `true`: the endpoint overrides are ignored.
pub const AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: &str = "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS";
/// The AWS config file, where `login` looks a profile up.
pub const AWS_CONFIG_FILE: &str = "AWS_CONFIG_FILE";
/// The AWS credentials file, where `login` looks a profile up.
pub const AWS_SHARED_CREDENTIALS_FILE: &str = "AWS_SHARED_CREDENTIALS_FILE";
/// The Poetry plugins' profile, read without a ca-env configuration file.
pub const POETRY_CA_DEFAULT_AWS_PROFILE: &str = "POETRY_CA_DEFAULT_AWS_PROFILE";
/// The user's own netrc, whose entries ca-env's copy keeps; also written.
pub const NETRC: &str = "NETRC";
/// SwiftPM's per-host credentials as netrc text; the user's own entries are kept, before ours.
pub const SWIFTPM_NETRC_DATA: &str = "SWIFTPM_NETRC_DATA";
/// A personal access token for Azure DevOps (the Azure DevOps CLI's variable): Azure Artifacts'
/// token when set, before the Azure CLI.
pub const AZURE_DEVOPS_EXT_PAT: &str = "AZURE_DEVOPS_EXT_PAT";
/// `off`: never ask a cloud's metadata service on the strength of the machine's firmware (the
/// tests set it, so that no test can reach one); an endpoint a variable names is still asked.
pub const CA_ENV_CLOUD_METADATA: &str = "CA_ENV_CLOUD_METADATA";
/// A managed identity's endpoint and secret header (App Service, Functions, Container Apps).
pub const IDENTITY_ENDPOINT: &str = "IDENTITY_ENDPOINT";
pub const IDENTITY_HEADER: &str = "IDENTITY_HEADER";
/// A user-assigned managed identity's client id; workload identity's app registration.
pub const AZURE_CLIENT_ID: &str = "AZURE_CLIENT_ID";
/// Azure workload identity: the federated token's file, the tenant, the Entra ID host.
pub const AZURE_FEDERATED_TOKEN_FILE: &str = "AZURE_FEDERATED_TOKEN_FILE";
pub const AZURE_TENANT_ID: &str = "AZURE_TENANT_ID";
pub const AZURE_AUTHORITY_HOST: &str = "AZURE_AUTHORITY_HOST";
/// Where Google's metadata server is (`host[:port]`), as google-auth reads it.
pub const GCE_METADATA_HOST: &str = "GCE_METADATA_HOST";
/// Google's application default credentials file, and gcloud's configuration directory
/// (where `gcloud auth application-default login` writes one).
pub const GOOGLE_APPLICATION_CREDENTIALS: &str = "GOOGLE_APPLICATION_CREDENTIALS";
pub const CLOUDSDK_CONFIG: &str = "CLOUDSDK_CONFIG";
/// Set on Cloud Run, which has a metadata server.
pub const K_SERVICE: &str = "K_SERVICE";
/// An access token for Google Cloud (CI): Artifact Registry's token when set, before gcloud.
pub const GOOGLE_OAUTH_ACCESS_TOKEN: &str = "GOOGLE_OAUTH_ACCESS_TOKEN";
/// The user's home: the walk's end, `~/.netrc`, the XDG defaults.
pub const HOME: &str = "HOME";
/// The configuration directory.
pub const XDG_CONFIG_HOME: &str = "XDG_CONFIG_HOME";
/// The state directory.
pub const XDG_STATE_HOME: &str = "XDG_STATE_HOME";
/// Where netrc copies go when it is the user's and private.
pub const XDG_RUNTIME_DIR: &str = "XDG_RUNTIME_DIR";
/// The working directory as the shell names it.
pub const PWD: &str = "PWD";
/// Where the tools doctor asks (poetry, pip, python3, keyring) are found, and where
/// `ca-env keyring install` looks for the `keyring` uv and pip would run.
pub const PATH: &str = "PATH";
/// Whether a Secret Service can answer at all (Linux only: elsewhere the OS keyring needs none).
#[cfg(target_os = "linux")]
pub const DBUS_SESSION_BUS_ADDRESS: &str = "DBUS_SESSION_BUS_ADDRESS";

// Read by `ca-env doctor` only.

/// What the hook's `ca-env` shell function hands `ca-env doctor`: the shell, the version and
/// binary that printed the hook, and how often the shell runs it (never a value of the user's).
pub const CA_ENV_SHELL: &str = "__CA_ENV_SHELL";
/// The user's login shell, when doctor was not started through the hook's function.
pub const SHELL: &str = "SHELL";
/// zsh's directory of rc files (default `$HOME`).
pub const ZDOTDIR: &str = "ZDOTDIR";
/// The `.envrc` direnv loaded for this directory.
pub const DIRENV_FILE: &str = "DIRENV_FILE";
/// Access keys in the environment, which the SDK takes before any profile (never read for
/// their value).
pub const AWS_ACCESS_KEY_ID: &str = "AWS_ACCESS_KEY_ID";
pub const AWS_SECRET_ACCESS_KEY: &str = "AWS_SECRET_ACCESS_KEY";
/// A web identity token, for the SDK's chain without a profile.
pub const AWS_WEB_IDENTITY_TOKEN_FILE: &str = "AWS_WEB_IDENTITY_TOKEN_FILE";
/// A container's credentials endpoint (ECS, EKS Pod Identity), for the chain without a profile.
pub const AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: &str = "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI";
pub const AWS_CONTAINER_CREDENTIALS_FULL_URI: &str = "AWS_CONTAINER_CREDENTIALS_FULL_URI";
/// `true`: the SDK does not ask the instance metadata service.
pub const AWS_EC2_METADATA_DISABLED: &str = "AWS_EC2_METADATA_DISABLED";

// The user's own variables that name indexes or the tools' configuration files (read as each
// tool reads them; the URL variables are also written, with credentials added).

/// pip's index, over its configuration files.
pub const PIP_INDEX_URL: &str = "PIP_INDEX_URL";
/// pip's further indexes, space-separated.
pub const PIP_EXTRA_INDEX_URL: &str = "PIP_EXTRA_INDEX_URL";
/// uv's pip-style index.
pub const UV_INDEX_URL: &str = "UV_INDEX_URL";
/// uv's pip-style further indexes, space-separated.
pub const UV_EXTRA_INDEX_URL: &str = "UV_EXTRA_INDEX_URL";
/// uv's default index (`[name=]url`).
pub const UV_DEFAULT_INDEX: &str = "UV_DEFAULT_INDEX";
/// uv's indexes (`[name=]url`, space-separated).
pub const UV_INDEX: &str = "UV_INDEX";
/// The one pip configuration file to read besides the global and site ones (`os.devnull`:
/// none at all).
pub const PIP_CONFIG_FILE: &str = "PIP_CONFIG_FILE";
/// The one uv.toml uv reads instead of discovering any.
pub const UV_CONFIG_FILE: &str = "UV_CONFIG_FILE";
/// uv reads no configuration file when set (to anything but a false value).
pub const UV_NO_CONFIG: &str = "UV_NO_CONFIG";
/// System configuration directories (default `/etc/xdg`), for pip's and uv's system files.
pub const XDG_CONFIG_DIRS: &str = "XDG_CONFIG_DIRS";
/// The active virtual environment, whose `pip.conf` pip reads.
pub const VIRTUAL_ENV: &str = "VIRTUAL_ENV";
/// Poetry's configuration directory (default `$XDG_CONFIG_HOME/pypoetry`).
pub const POETRY_CONFIG_DIR: &str = "POETRY_CONFIG_DIR";
/// Poetry's repositories named by variables: `POETRY_REPOSITORIES_<NAME>_URL`.
pub const POETRY_REPOSITORIES_PREFIX: &str = "POETRY_REPOSITORIES_";
/// PDM's index named `pypi`.
pub const PDM_PYPI_URL: &str = "PDM_PYPI_URL";
/// PDM's user configuration file, instead of the default one.
pub const PDM_CONFIG_FILE: &str = "PDM_CONFIG_FILE";

/// npm's user configuration file (default `~/.npmrc`); also written, naming ca-env's copy.
pub const NPM_CONFIG_USERCONFIG: &str = "NPM_CONFIG_USERCONFIG";
/// The same, as npm itself passes it to scripts (npm and pnpm read either case; when both are
/// set, the later in the environment wins).
pub const NPM_CONFIG_USERCONFIG_LC: &str = "npm_config_userconfig";
/// npm's and pnpm's registry, over every file.
pub const NPM_CONFIG_REGISTRY: &str = "NPM_CONFIG_REGISTRY";
/// The same, lower-cased.
pub const NPM_REGISTRY_LC: &str = "npm_config_registry";
/// Yarn Berry's registry, over every `.yarnrc.yml`.
pub const YARN_NPM_REGISTRY_SERVER: &str = "YARN_NPM_REGISTRY_SERVER";
/// Yarn Berry's publish registry, over every `.yarnrc.yml`.
pub const YARN_NPM_PUBLISH_REGISTRY: &str = "YARN_NPM_PUBLISH_REGISTRY";
/// Yarn Berry's top-level token (written).
pub const YARN_NPM_AUTH_TOKEN: &str = "YARN_NPM_AUTH_TOKEN";
/// Yarn Berry's top-level `user:password` (written, for a service that takes no bearer token).
pub const YARN_NPM_AUTH_IDENT: &str = "YARN_NPM_AUTH_IDENT";
/// Yarn Berry: send the token for every request, not only scoped ones (written).
pub const YARN_NPM_ALWAYS_AUTH: &str = "YARN_NPM_ALWAYS_AUTH";

/// pipenv's Pipfile, instead of the nearest one up.
pub const PIPENV_PIPFILE: &str = "PIPENV_PIPFILE";

/// Cargo's home, whose `config.toml` is the user's (default `~/.cargo`).
pub const CARGO_HOME: &str = "CARGO_HOME";
/// Cargo's registries named by variables (`CARGO_REGISTRIES_<NAME>_INDEX`); also the prefix of
/// the token and credential-provider variables ca-env writes.
pub const CARGO_REGISTRIES_PREFIX: &str = "CARGO_REGISTRIES_";
/// Where a plain `cargo publish` goes, over `[registry] default`.
pub const CARGO_REGISTRY_DEFAULT: &str = "CARGO_REGISTRY_DEFAULT";
/// Bundler's Gemfile, instead of the nearest one up.
pub const BUNDLE_GEMFILE: &str = "BUNDLE_GEMFILE";
/// The directory of the project's Bundler settings (default `.bundle` beside the Gemfile).
pub const BUNDLE_APP_CONFIG: &str = "BUNDLE_APP_CONFIG";
/// The user's Bundler settings file, in Bundler's order: these two, then
/// `$BUNDLE_USER_HOME/config`, then `~/.bundle/config`.
pub const BUNDLE_CONFIG: &str = "BUNDLE_CONFIG";
pub const BUNDLE_USER_CONFIG: &str = "BUNDLE_USER_CONFIG";
/// Bundler's home directory.
pub const BUNDLE_USER_HOME: &str = "BUNDLE_USER_HOME";
/// Bundler's settings from the environment; `BUNDLE_<HOST>` holds a host's credentials.
pub const BUNDLE_PREFIX: &str = "BUNDLE_";

/// The registry's entry for a variable ca-env writes.
pub fn written(name: &str) -> Option<&'static Written> {
    WRITTEN.iter().find(|w| w.name.matches(name))
}

/// The kind of value `name` carries, when ca-env writes it.
pub fn kind(name: &str) -> Option<Kind> {
    written(name).map(|w| w.kind)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_families() {
        assert_eq!(
            kind("POETRY_HTTP_BASIC_CORP_USERNAME"),
            Some(Kind::UserName)
        );
        assert_eq!(kind("UV_INDEX_CORP_PASSWORD"), Some(Kind::Password));
        assert_eq!(kind("UV_INDEX"), Some(Kind::IndexUrls));
        assert_eq!(kind("UV_INDEX_URL"), Some(Kind::IndexUrl));
        assert_eq!(kind("POETRY_HTTP_BASIC__PASSWORD"), None);
        assert_eq!(kind("UV_INDEX_CORP_URL"), None);
        assert_eq!(kind("PIP_TRUSTED_HOST"), None);
        assert_eq!(
            kind("CARGO_REGISTRIES_CORP_REPO_TOKEN"),
            Some(Kind::BearerToken)
        );
        assert_eq!(
            kind("CARGO_REGISTRIES_CORP_CREDENTIAL_PROVIDER"),
            Some(Kind::Fixed("cargo:token"))
        );
        assert_eq!(kind("CARGO_REGISTRIES_CORP_INDEX"), None);
        assert_eq!(kind("CARGO_REGISTRIES__TOKEN"), None);
    }

    #[test]
    fn bundler_host_keys_and_bundlers_other_settings() {
        for host in [
            "BUNDLE_CORP___111122223333__D__CODEARTIFACT__US___WEST___2__AMAZONAWS__COM",
            "BUNDLE_127__0__0__1",
            "BUNDLE_GEMS__CORP__EXAMPLE",
        ] {
            assert_eq!(kind(host), Some(Kind::UserInfo), "{host}");
        }
        for other in [
            "BUNDLE_PATH",
            "BUNDLE_GEMFILE",
            "BUNDLE_USER_HOME",
            "BUNDLE_APP_CONFIG",
            "BUNDLE_LOCAL__RACK",
            "BUNDLE_MIRROR__HTTPS://RUBYGEMS__ORG/",
            "BUNDLE_GEM__TEST",
            "BUNDLE_BUILD__NOKOGIRI",
            "BUNDLE_LOCALHOST",
            "BUNDLE_A____B",
            "BUNDLE___A",
            "BUNDLE_",
            "BUNDLE_a__b",
        ] {
            assert_eq!(kind(other), None, "{other}");
        }
    }

    /// Every variable the code reads goes through this registry's names: no literal name in a
    /// read, anywhere in `src/` (test code aside).
    #[test]
    fn the_code_reads_variables_by_their_registered_names() {
        let reads = literal_reads(std::path::Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/src"
        )));
        assert_eq!(reads, Vec::<String>::new());
    }

    /// `file:line` of each `var("…")`, `var_os("…")` or `path_var("…")` outside tests.
    fn literal_reads(dir: &std::path::Path) -> Vec<String> {
        let mut found = Vec::new();
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                found.extend(literal_reads(&path));
                continue;
            }
            if path.file_name().is_some_and(|n| n == "tests.rs") {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            let code = text.split("#[cfg(test)]\nmod ").next().unwrap_or_default();
            for (i, line) in code.lines().enumerate() {
                if ["var(\"", "var_os(\"", "path_var(\""]
                    .iter()
                    .any(|call| line.contains(call))
                {
                    found.push(format!("{}:{}", path.display(), i + 1));
                }
            }
        }
        found
    }
}
