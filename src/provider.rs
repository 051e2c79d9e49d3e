//! The seam between tokens and where they come from. The token layer (entries, stores, the
//! index, single-flight fetches, refresh ahead of expiry) knows a repository only as a [`Key`]
//! and asks a [`Provider`] for a new token; CodeArtifact (`codeartifact`) is the provider
//! today. How long a fetch may take and whether it may use the terminal are passed in with each
//! request, never kept in a process-wide flag.

use std::time::Duration;

use sha2::{Digest, Sha256};

use crate::error::Error;
use crate::secret::Secret;

/// One stored entry per (domain, owner, region, profile, endpoint override): a token for the
/// same domain signed by another profile, or fetched from a test endpoint, is another entry.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Key {
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
            "codeartifact:{}-{}:{}:{}:{}",
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
        let mut s = format!("{}-{} in {}", self.domain, self.owner, self.region);
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
