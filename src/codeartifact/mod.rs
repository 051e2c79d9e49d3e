//! What CodeArtifact is to ca-env: which URLs name one of its repositories (`url`), and the
//! region list those URLs are checked against.

pub mod client;
pub mod profile;
pub mod regions;
pub mod url;

use crate::env::Env;

use crate::provider::ProviderKind;
pub use crate::provider::{DomainOwner, Repository};

/// Parses what `DomainOwner`'s `Display` writes: `DOMAIN-OWNER` (split at the last `-`), the
/// form `[trust] domains` and the allowed file use, or `azure:ORG`, `google:PROJECT`.
pub fn parse_trust_unit(s: &str) -> Option<DomainOwner> {
    if let Some((kind, name)) = s.split_once(':') {
        let provider = ProviderKind::parse(kind).filter(|k| *k != ProviderKind::CodeArtifact)?;
        return url::is_repository(name).then(|| DomainOwner {
            provider,
            domain: name.to_string(),
            owner: String::new(),
        });
    }
    let (domain, owner) = s.rsplit_once('-')?;
    (url::is_domain(domain) && url::is_owner(owner)).then(|| DomainOwner {
        provider: ProviderKind::CodeArtifact,
        domain: domain.to_string(),
        owner: owner.to_string(),
    })
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trust_units_parse_back_from_what_they_display() {
        for text in ["corp-111122223333", "azure:contoso", "google:acme-prod"] {
            let unit = parse_trust_unit(text).unwrap_or_else(|| panic!("{text}"));
            assert_eq!(unit.to_string(), text);
        }
        assert_eq!(
            parse_trust_unit("azure:contoso").unwrap().describe(),
            "Azure DevOps organization contoso"
        );
        for bad in [
            "codeartifact:corp",
            "aws:corp",
            "azure:",
            "azure:a b",
            "corp-1234",
            "corp",
        ] {
            assert!(parse_trust_unit(bad).is_none(), "{bad}");
        }
    }
}
