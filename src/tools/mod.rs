//! What ca-env knows of each Python tool: the tools (`Tool`), what a tool's configuration
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
}

impl Tool {
    pub fn as_str(self) -> &'static str {
        match self {
            Tool::Poetry => "poetry",
            Tool::Uv => "uv",
            Tool::Pdm => "pdm",
            Tool::Pip => "pip",
        }
    }
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

/// Which file declared an index, and how.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// `pyproject.toml`, `uv.toml`, `poetry.toml`
    ToolConfig,
    /// uv's pip-style `index-url` / `extra-index-url` keys (rather than `[[index]]`).
    UvUrlKey,
    /// `pip.conf` / `pip.ini`
    PipConf,
    /// A requirements file's own `--index-url` / `--extra-index-url` (pip then ignores the
    /// credentials in `PIP_INDEX_URL`; see DESIGN section 6).
    Requirements,
}

/// One index URL as a project file declares it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub tool: Tool,
    pub origin: Origin,
    /// The name the tool knows the index by, when it has one.
    pub name: Option<String>,
    pub url: String,
    pub role: Role,
    /// Path relative to the project root.
    pub file: PathBuf,
    pub line: usize,
    /// An AWS profile the project names for it (poetry-codeartifact-login-plugin).
    pub profile: Option<String>,
    /// Domain and owner the project states separately (the same plugin): must agree with the
    /// URL.
    pub expect: Option<(String, String)>,
}

impl Entry {
    pub fn new(
        tool: Tool,
        origin: Origin,
        role: Role,
        name: Option<&str>,
        url: &str,
        file: &Path,
        line: usize,
    ) -> Entry {
        Entry {
            tool,
            origin,
            name: name.map(str::to_string),
            url: url.to_string(),
            role,
            file: file.to_path_buf(),
            line,
            profile: None,
            expect: None,
        }
    }
}
