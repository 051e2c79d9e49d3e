//! What CodeArtifact is to ca-env: which URLs name one of its repositories (`url`), and the
//! region list those URLs are checked against.

pub mod client;
pub mod regions;
pub mod url;

use std::fmt;

/// One CodeArtifact repository: everything GetAuthorizationToken and the variable plan need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Repository {
    pub domain: String,
    pub owner: String,
    pub region: String,
    pub repository: String,
}

/// The unit of trust and of tokens: a domain in one AWS account.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct DomainOwner {
    pub domain: String,
    pub owner: String,
}

impl Repository {
    pub fn domain_owner(&self) -> DomainOwner {
        DomainOwner {
            domain: self.domain.clone(),
            owner: self.owner.clone(),
        }
    }
}

impl fmt::Display for DomainOwner {
    /// The form AWS itself writes in host names: `corp-111122223333`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.domain, self.owner)
    }
}

impl DomainOwner {
    /// Parses `DOMAIN-OWNER` (split at the last `-`), the form `[trust] domains` uses.
    pub fn parse(s: &str) -> Option<DomainOwner> {
        let (domain, owner) = s.rsplit_once('-')?;
        (url::is_domain(domain) && url::is_owner(owner)).then(|| DomainOwner {
            domain: domain.to_string(),
            owner: owner.to_string(),
        })
    }
}
