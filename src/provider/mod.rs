//! The seam between tokens and where they come from. The token layer (entries, stores, the
//! index, single-flight fetches, refresh ahead of expiry) knows a repository only as a [`Key`]
//! and asks a [`Provider`] for a new token; CodeArtifact (`codeartifact`) is the provider
//! today. How long a fetch may take and whether it may use the terminal are passed in with each
//! request, never kept in a process-wide flag.

use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

pub mod cli;
pub mod https;
pub mod metadata;

use crate::error::Error;
use crate::secret::Secret;
use crate::tools::registry;
use crate::tools::Service;

/// Who serves a repository and issues its tokens. CodeArtifact's entries keep the ids they had
/// before other providers existed, so stored tokens stay valid.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum ProviderKind {
    #[default]
    CodeArtifact,
    /// Azure Artifacts (Azure DevOps feeds): a repository is a feed of an organization.
    Azure,
    /// Google Artifact Registry: a repository of a project in a location.
    Google,
}

impl ProviderKind {
    pub const ALL: [ProviderKind; 3] = [
        ProviderKind::CodeArtifact,
        ProviderKind::Azure,
        ProviderKind::Google,
    ];

    /// What `status --json` shows as `provider`, the refresh argument and the id's prefix.
    pub fn as_str(self) -> &'static str {
        match self {
            ProviderKind::CodeArtifact => "codeartifact",
            ProviderKind::Azure => "azure",
            ProviderKind::Google => "google",
        }
    }

    /// What its trust units are called, in the plural.
    pub fn units(self) -> &'static str {
        match self {
            ProviderKind::CodeArtifact => "domains",
            ProviderKind::Azure => "organizations",
            ProviderKind::Google => "projects",
        }
    }

    /// How the provider's repositories take a token.
    pub fn service(self) -> Service {
        match self {
            ProviderKind::CodeArtifact => Service::CODEARTIFACT,
            ProviderKind::Azure => Service {
                token_variable: registry::AZURE_ARTIFACTS_ENV_ACCESS_TOKEN,
                bearer: false,
            },
            ProviderKind::Google => Service {
                token_variable: registry::GOOGLE_ARTIFACT_REGISTRY_TOKEN,
                bearer: true,
            },
        }
    }

    pub fn parse(s: &str) -> Option<ProviderKind> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// One stored entry per (domain, owner, region, profile, endpoint override): a token for the
/// same domain signed by another profile, or fetched from a test endpoint, is another entry.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Key {
    /// Who issues the token (the other fields are that provider's: for Azure the domain is
    /// the organization, for Google the project and the region its location).
    pub provider: ProviderKind,
    pub domain: String,
    pub owner: String,
    pub region: String,
    pub profile: Option<String>,
    pub endpoint: Option<String>,
}

impl Key {
    /// The entry's name in every store: readable in a keyring browser, unambiguous because the
    /// fields that may hold `:` or `%` are percent-escaped.
    pub fn id(&self) -> String {
        format!(
            "{}:{}-{}:{}:{}:{}",
            self.provider.as_str(),
            self.domain,
            self.owner,
            self.region,
            escape(self.profile.as_deref().unwrap_or("")),
            escape(self.endpoint.as_deref().unwrap_or(""))
        )
    }

    /// A file name for this key (the file store, the lock): a hash, so no profile or endpoint
    /// text ever becomes a path.
    pub fn file_stem(&self) -> String {
        let digest = Sha256::digest(self.id().as_bytes());
        digest[..16].iter().map(|b| format!("{b:02x}")).collect()
    }

    /// For messages: `corp-111122223333 in us-west-2 (profile dev)`.
    pub fn describe(&self) -> String {
        let mut s = match self.provider {
            ProviderKind::CodeArtifact => {
                format!("{}-{} in {}", self.domain, self.owner, self.region)
            }
            ProviderKind::Azure => format!("Azure DevOps organization {}", self.domain),
            ProviderKind::Google => format!("Google Cloud project {}", self.domain),
        };
        if let Some(p) = &self.profile {
            s.push_str(&format!(" (profile {p})"));
        }
        if let Some(e) = &self.endpoint {
            s.push_str(&format!(" via {e}"));
        }
        s
    }
}

fn escape(s: &str) -> String {
    s.replace('%', "%25").replace(':', "%3A")
}

/// One repository: everything its provider's token call and the variable plan need. The
/// fields are CodeArtifact's names; for Azure Artifacts `domain` is the organization, `owner`
/// the project (empty for an organization-scoped feed) and `repository` the feed; for Google
/// Artifact Registry `domain` is the project, `region` the location.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Repository {
    pub provider: ProviderKind,
    pub domain: String,
    pub owner: String,
    pub region: String,
    pub repository: String,
}

/// The unit of trust and of tokens: a domain in one AWS account, an Azure DevOps organization
/// (owner empty), a Google Cloud project (owner empty).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct DomainOwner {
    pub provider: ProviderKind,
    pub domain: String,
    pub owner: String,
}

impl Repository {
    /// The user name the service takes beside the token: `aws` for CodeArtifact, the feed for
    /// Azure Artifacts (any name works there; Microsoft's examples use the feed's),
    /// `oauth2accesstoken` for Google Artifact Registry.
    pub fn user_name(&self) -> &str {
        match self.provider {
            ProviderKind::CodeArtifact => "aws",
            ProviderKind::Azure => &self.repository,
            ProviderKind::Google => "oauth2accesstoken",
        }
    }

    pub fn domain_owner(&self) -> DomainOwner {
        // Azure trusts and tokens go by organization, not project.
        let owner = match self.provider {
            ProviderKind::CodeArtifact => self.owner.clone(),
            _ => String::new(),
        };
        DomainOwner {
            provider: self.provider,
            domain: self.domain.clone(),
            owner,
        }
    }
}

impl fmt::Display for DomainOwner {
    /// The form AWS itself writes in host names, `corp-111122223333`; `azure:ORG` and
    /// `google:PROJECT` for the others.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.provider {
            ProviderKind::CodeArtifact => write!(f, "{}-{}", self.domain, self.owner),
            other => write!(f, "{}:{}", other.as_str(), self.domain),
        }
    }
}

impl DomainOwner {
    /// For messages: `domain corp in account 111122223333`, `Azure DevOps organization ORG`,
    /// `Google Cloud project P`.
    pub fn describe(&self) -> String {
        match self.provider {
            ProviderKind::CodeArtifact => {
                format!("domain {} in account {}", self.domain, self.owner)
            }
            ProviderKind::Azure => format!("Azure DevOps organization {}", self.domain),
            ProviderKind::Google => format!("Google Cloud project {}", self.domain),
        }
    }
}

/// Where another provider's URL rules (`azure::url`, `google::url`) found a repository: the
/// repository, and the URL rebuilt from its parts (`origin` + `path`), which `codeartifact::url`
/// turns into the one accepted-URL type every source carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Located {
    pub repository: Repository,
    /// `https://host`
    pub origin: String,
    /// From the first `/` on, as the project wrote it.
    pub path: String,
    pub format: crate::tools::Format,
}

/// How a fetch may use the terminal ca-env was given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Terminal {
    /// Nothing the fetch starts may ask the user: no input, and no controlling terminal (the
    /// hook, `token`, `dotenv`, background refreshes).
    Detach,
    /// No input during the fetch, but the process keeps its controlling terminal: `exec`, which
    /// becomes the user's command afterwards.
    Keep,
    /// May prompt (an SSO login, an MFA code, a keyring's unlock dialog): `login` on a terminal.
    Interactive,
}

/// A new token and when it expires (Unix seconds).
pub struct Fetched {
    pub token: Secret,
    pub expires: i64,
}

pub struct FetchError {
    pub error: Error,
    /// The credential chain failed (no credentials, an expired SSO session, a failing
    /// credential_process), as opposed to the service or the network.
    pub credentials: bool,
}

impl From<Error> for FetchError {
    fn from(error: Error) -> Self {
        FetchError {
            error,
            credentials: false,
        }
    }
}

/// Where tokens come from.
pub trait Provider {
    /// A new token for `key`, lasting `duration` seconds (0: as long as the credentials'
    /// session), within `within` (exit status 124 past it).
    fn fetch(
        &self,
        key: &Key,
        duration: u64,
        within: Duration,
        terminal: Terminal,
    ) -> Result<Fetched, FetchError>;
}
