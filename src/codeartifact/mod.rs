//! What CodeArtifact is to ca-env: which URLs name one of its repositories (`url`), and the
//! region list those URLs are checked against.

pub mod client;
pub mod profile;
pub mod regions;
pub mod url;

use crate::env::Env;

pub use crate::provider::{DomainOwner, Repository};

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
