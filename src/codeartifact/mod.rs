//! What CodeArtifact is to ca-env: which URLs name one of its repositories (`url`), and the
//! region list those URLs are checked against.

pub mod client;
pub mod profile;
pub mod regions;
pub mod url;

use std::fmt;

use crate::env::Env;

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

/// The endpoint the AWS SDK will send CodeArtifact calls to instead of AWS, as the AWS CLI
/// reads it: `AWS_ENDPOINT_URL_CODEARTIFACT`, else `AWS_ENDPOINT_URL`, unless
/// `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS` is true.
pub fn endpoint_override(env: &Env) -> Option<String> {
    if env
        .var(crate::tools::registry::AWS_IGNORE_CONFIGURED_ENDPOINT_URLS)
        .is_some_and(|v| v.eq_ignore_ascii_case("true"))
    {
        return None;
    }
    [
        crate::tools::registry::AWS_ENDPOINT_URL_CODEARTIFACT,
        crate::tools::registry::AWS_ENDPOINT_URL,
    ]
    .iter()
    .find_map(|name| env.var(name).filter(|v| !v.is_empty()))
}
