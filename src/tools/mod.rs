//! What ca-env knows of each package tool: the tools (`Tool`), what a tool's configuration
//! declares (`Entry`: an index or upload target, its role, the file and line), and the
//! variables each tool reads for it (`names`). The readers in `project` produce entries; the
//! layers above turn them into sources and variables.

pub mod names;
pub mod registry;

use std::path::{Path, PathBuf};

/// The tool whose configuration declared an index; decides the variables it gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tool {
    Poetry,
    Uv,
    Pdm,
    Pip,
    Pipenv,
    Pixi,
    Npm,
    Pnpm,
    Yarn,
    Cargo,
    Maven,
    Gradle,
    Nuget,
    Bundler,
    Swift,
}

impl Tool {
    /// The format of the repositories the tool reads.
    pub fn format(self) -> Format {
        match self {
            Tool::Poetry | Tool::Uv | Tool::Pdm | Tool::Pip | Tool::Pipenv | Tool::Pixi => {
                Format::Pypi
            }
            Tool::Npm | Tool::Pnpm | Tool::Yarn => Format::Npm,
            Tool::Cargo => Format::Cargo,
            Tool::Maven | Tool::Gradle => Format::Maven,
            Tool::Nuget => Format::Nuget,
            Tool::Bundler => Format::Ruby,
            Tool::Swift => Format::Swift,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Tool::Poetry => "poetry",
            Tool::Uv => "uv",
            Tool::Pdm => "pdm",
            Tool::Pip => "pip",
            Tool::Pipenv => "pipenv",
            Tool::Pixi => "pixi",
            Tool::Npm => "npm",
            Tool::Pnpm => "pnpm",
            Tool::Yarn => "yarn",
            Tool::Cargo => "cargo",
            Tool::Maven => "maven",
            Tool::Gradle => "gradle",
            Tool::Nuget => "nuget",
            Tool::Bundler => "bundler",
            Tool::Swift => "swift",
        }
    }
}

/// A package format, as a repository URL's path names it (`/pypi/REPO/`, `/npm/REPO/`…).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Pypi,
    Npm,
    Cargo,
    Maven,
    Nuget,
    Ruby,
    Swift,
}

impl Format {
    pub const ALL: [Format; 7] = [
        Format::Pypi,
        Format::Npm,
        Format::Cargo,
        Format::Maven,
        Format::Nuget,
        Format::Ruby,
        Format::Swift,
    ];

    /// The path segment, and what `status` shows.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Pypi => "pypi",
            Format::Npm => "npm",
            Format::Cargo => "cargo",
            Format::Maven => "maven",
            Format::Nuget => "nuget",
            Format::Ruby => "ruby",
            Format::Swift => "swift",
        }
    }

    /// The name people write.
    pub fn title(self) -> &'static str {
        match self {
            Format::Pypi => "PyPI",
            Format::Npm => "npm",
            Format::Cargo => "Cargo",
            Format::Maven => "Maven",
            Format::Nuget => "NuGet",
            Format::Ruby => "Ruby",
            Format::Swift => "Swift",
        }
    }

    /// What a client's configuration may put after the repository: the PyPI simple index,
    /// NuGet's service index, otherwise the repository's root.
    pub fn endings(self) -> &'static [&'static str] {
        match self {
            Format::Pypi => &["", "/", "/simple", "/simple/"],
            Format::Nuget => &["", "/", "/v3/index.json"],
            _ => &["", "/"],
        }
    }
}

/// How a repository's service takes its token, where a tool's variables depend on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Service {
    /// The one variable Maven's settings.xml and Gradle's build files read the token from, as
    /// the service's own documentation writes it (`CODEARTIFACT_AUTH_TOKEN`…).
    pub token_variable: &'static str,
    /// Whether it takes the token as a bearer token. Azure DevOps takes a personal access
    /// token only as a Basic password, so its clients get a user name and the token.
    pub bearer: bool,
}

impl Service {
    /// CodeArtifact's, which the tests of the layers below the providers use.
    pub const CODEARTIFACT: Service = Service {
        token_variable: registry::CODEARTIFACT_AUTH_TOKEN,
        bearer: true,
    };
}

/// What the project uses an index for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// The primary index (pip `--index-url`, uv's default index) or a named source.
    Index,
    /// An additional index (`--extra-index-url`, a non-default unnamed uv index).
    Extra,
    /// An upload target (Poetry repositories, uv `publish-url`).
    Publish,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Index => "index",
            Role::Extra => "extra",
            Role::Publish => "publish",
        }
    }
}

/// Which rule of the tool's own configuration resolution put an entry there (`status` shows
/// it as `origin`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Origin {
    /// A file of the project around the working directory.
    #[default]
    Project,
    /// The root of the uv workspace the project is a member of.
    WorkspaceRoot,
    /// A uv workspace member's own index, which a package of the workspace is pinned to.
    WorkspaceMember,
    /// A file in the user's own configuration directory (`~/.config/uv/uv.toml`, pip.conf…).
    UserConfig,
    /// A system-wide file (`/etc/uv/uv.toml`, `/etc/pip.conf`).
    SystemConfig,
    /// The file a variable of the user's names (`UV_CONFIG_FILE`, `PIP_CONFIG_FILE`).
    EnvConfig,
    /// The active virtual environment's `pip.conf` (pip's "site" file).
    SiteConfig,
    /// A variable of the user's own environment (`PIP_INDEX_URL`, `UV_INDEX`…).
    Environment,
}

impl Origin {
    pub fn as_str(self) -> &'static str {
        match self {
            Origin::Project => "project",
            Origin::WorkspaceRoot => "workspace-root",
            Origin::WorkspaceMember => "workspace-member",
            Origin::UserConfig => "user-config",
            Origin::SystemConfig => "system-config",
            Origin::EnvConfig => "env-config-file",
            Origin::SiteConfig => "site-config",
            Origin::Environment => "environment",
        }
    }

    /// The user's own word, like ca-env's configuration: what it names needs no `ca-env allow`.
    /// A project's files and a virtual environment (which may live inside a cloned project)
    /// are not.
    pub fn is_users_word(self) -> bool {
        matches!(
            self,
            Origin::UserConfig | Origin::SystemConfig | Origin::EnvConfig | Origin::Environment
        )
    }
}

/// Which key declared an index, and how: decides the variables it gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    /// `pyproject.toml`, `uv.toml`, `poetry.toml`
    ToolConfig,
    /// uv's pip-style `index-url` / `extra-index-url` keys (rather than `[[index]]`).
    UvUrlKey,
    /// `pip.conf` / `pip.ini`
    PipConf,
    /// A requirements file's own `--index-url` / `--extra-index-url` (pip then ignores the
    /// credentials in `PIP_INDEX_URL`; see DESIGN section 6), or an index another tool hands
    /// pip on its command line (pipenv's `Pipfile` sources).
    Requirements,
    /// A variable of the user's that names the index (`PIP_INDEX_URL`, `UV_INDEX`…): the
    /// credentials go into that same variable.
    Variable(&'static str),
    /// A registry whose credentials the tool's own file sets (Yarn's `npmRegistries` entry, or
    /// a scope with its own `npmAuthToken`): no variable of ca-env's reaches it, only
    /// `${CODEARTIFACT_AUTH_TOKEN}` written there (`placeholder`) carries the token.
    OwnAuth { placeholder: bool },
    /// Declared in a way the tool can be given no credentials for (a Cargo git index, a Cargo
    /// replacement source without a registry name): why, said only of a repository ca-env
    /// knows; another host's is nothing to ca-env.
    Unusable(&'static str),
}

/// One index URL as a project file declares it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub tool: Tool,
    pub form: Form,
    /// The name the tool knows the index by, when it has one.
    pub name: Option<String>,
    pub url: String,
    pub role: Role,
    /// Which rule of the tool put it there.
    pub origin: Origin,
    /// Path relative to the project root for the project's files; absolute for other files;
    /// `env:NAME` for a variable.
    pub file: PathBuf,
    pub line: usize,
    /// An AWS profile the project names for it (poetry-codeartifact-login-plugin).
    pub profile: Option<String>,
    /// Domain and owner the project states separately (the same plugin): must agree with the
    /// URL.
    pub expect: Option<(String, String)>,
    /// The file wrote credentials into the URL (a token `aws codeartifact login` left): they
    /// were dropped when it was read, and `status` says they can be removed.
    pub had_credentials: bool,
}

impl Entry {
    pub fn new(
        tool: Tool,
        form: Form,
        role: Role,
        name: Option<&str>,
        url: &str,
        file: &Path,
        line: usize,
    ) -> Entry {
        Entry {
            tool,
            form,
            name: name.map(str::to_string),
            url: url.to_string(),
            role,
            origin: Origin::Project,
            file: file.to_path_buf(),
            line,
            profile: None,
            expect: None,
            had_credentials: false,
        }
    }
}
