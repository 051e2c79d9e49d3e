//! The only place that decides whether a string names a repository ca-env serves: CodeArtifact's
//! hosts and the user's mappings here, Azure Artifacts and Google Artifact Registry through
//! their own rules (`azure::url`, `google::url`), which [`judge`] asks in turn.
//!
//! Judged by exact matching on the raw string, never through a URL parser: pip, Poetry and uv
//! parse with Python, and `https://a-111122223333.d.codeartifact.us-east-1.amazonaws.com\@evil.com/`
//! is one host to WHATWG parsers and another to Python. Anything outside the few accepted shapes
//! is rejected, and a URL that will carry a token is always rebuilt from the parsed parts.

use super::{regions, Repository};
use crate::provider::{Located, ProviderKind};
use crate::text::{check_authority_chars, percent_decode_lossy};
use crate::tools::Format;

/// The literal userinfo the AWS documentation puts in requirements files and PDM sources
/// (`https://aws:${CODEARTIFACT_AUTH_TOKEN}@…`). It is a placeholder pip and PDM expand from
/// the environment, not a credential, so it is the one userinfo accepted.
pub const TOKEN_PLACEHOLDER: &str = "aws:${CODEARTIFACT_AUTH_TOKEN}@";

/// A user-configured host that serves a CodeArtifact repository (a proxy, a test index).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mapping {
    /// `scheme://host[:port]/path`, checked by [`parse_mapping_prefix`].
    pub prefix: String,
    pub repository: Repository,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Host {
    /// `{domain}-{owner}.d.codeartifact.{region}.amazonaws.com`
    Standard,
    /// `{domain}-{owner}.d.codeartifact.{region}.on.aws`
    DualStack,
    /// `{vpce-id}.d.codeartifact.{region}.vpce.amazonaws.com`, repository path under `/d/…`
    Vpce(String),
    /// A [`Mapping`] prefix.
    Mapped(String),
    /// Another provider's host (`https://host`), the path in `rest`.
    Other(String),
}

/// An accepted CodeArtifact repository URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepoUrl {
    pub repository: Repository,
    host: Host,
    /// What followed the repository in the input: `""`, `/`, `/simple` or `/simple/`, or for a
    /// mapping whatever checked-clean path followed its prefix.
    rest: String,
    /// The input carried [`TOKEN_PLACEHOLDER`].
    pub placeholder: bool,
    /// The format the path names (none for a mapped host, whose prefix stands for the path).
    pub format: Option<Format>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Accepted(RepoUrl),
    /// Looks like CodeArtifact (or a mapped host) but breaks a rule: the reason, without
    /// quoting the input.
    Rejected(&'static str),
    /// Nothing to do with CodeArtifact: ignored silently.
    Other,
}

impl RepoUrl {
    /// `scheme://host[:port]` with no path.
    fn origin(&self) -> String {
        let r = &self.repository;
        match &self.host {
            Host::Standard => format!(
                "https://{}-{}.d.codeartifact.{}.amazonaws.com",
                r.domain, r.owner, r.region
            ),
            Host::DualStack => format!(
                "https://{}-{}.d.codeartifact.{}.on.aws",
                r.domain, r.owner, r.region
            ),
            Host::Vpce(id) => format!(
                "https://{id}.d.codeartifact.{}.vpce.amazonaws.com",
                r.region
            ),
            Host::Other(origin) => origin.clone(),
            Host::Mapped(prefix) => {
                let after_scheme = prefix.find("://").map_or(0, |i| i + 3);
                let end = prefix[after_scheme..]
                    .find('/')
                    .map_or(prefix.len(), |i| after_scheme + i);
                prefix[..end].to_string()
            }
        }
    }

    /// The host (with port, for a mapping) that credentials are sent to.
    pub fn host(&self) -> String {
        let origin = self.origin();
        origin[origin.find("://").map_or(0, |i| i + 3)..].to_string()
    }

    fn segment(&self) -> &'static str {
        self.format.unwrap_or(Format::Pypi).as_str()
    }

    /// The URL rebuilt from its parts, as the project wrote it (placeholder left out).
    pub fn url(&self) -> String {
        let r = &self.repository;
        match &self.host {
            Host::Standard | Host::DualStack => {
                format!(
                    "{}/{}/{}{}",
                    self.origin(),
                    self.segment(),
                    r.repository,
                    self.rest
                )
            }
            Host::Vpce(_) => format!(
                "{}/{}/d/{}-{}/{}{}",
                self.origin(),
                self.segment(),
                r.domain,
                r.owner,
                r.repository,
                self.rest
            ),
            Host::Mapped(prefix) => format!("{prefix}{}", self.rest),
            Host::Other(origin) => format!("{origin}{}", self.rest),
        }
    }
}

/// `raw` without the credentials in its userinfo, split off as Python's `urllib` splits them
/// (the authority ends at the first `/`, `?` or `#`; the userinfo at its last `@`), and
/// whether there were any. The placeholder is kept: it is no credential. Used on files where
/// `aws codeartifact login` leaves a token in the URL, so the token is dropped as it is read.
pub fn without_credentials(raw: &str) -> (String, bool) {
    let Some((scheme, rest)) = raw.split_once("://") else {
        return (raw.to_string(), false);
    };
    if rest.starts_with(TOKEN_PLACEHOLDER) {
        return (raw.to_string(), false);
    }
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => (format!("{scheme}://{}", &rest[at + 1..]), true),
        None => (raw.to_string(), false),
    }
}

/// Judges one raw string from a project file against the CodeArtifact shapes and the user's
/// mappings (the longest matching prefix wins).
pub fn judge(raw: &str, mappings: &[Mapping]) -> Verdict {
    let (input, placeholder) = match raw.strip_prefix("https://") {
        Some(rest) if rest.starts_with(TOKEN_PLACEHOLDER) => (
            format!("https://{}", &rest[TOKEN_PLACEHOLDER.len()..]),
            true,
        ),
        _ => (raw.to_string(), false),
    };
    let lower = raw.to_ascii_lowercase();
    if lower.starts_with("artifactregistry://") {
        // The Artifact Registry wagon's own scheme: it signs in by itself.
        return Verdict::Other;
    }
    let judged = match judge_mapped(&input, mappings) {
        Some(judged) => judged,
        None if crate::azure::url::mentions(&lower) => {
            crate::azure::url::judge(&input).map(located)
        }
        None if crate::google::url::mentions(&lower) => {
            crate::google::url::judge(&input).map(located)
        }
        None if !looks_like_codeartifact(raw, mappings) => return Verdict::Other,
        None => judge_aws(&input),
    };
    match judged {
        Ok(url) => Verdict::Accepted(RepoUrl { placeholder, ..url }),
        Err(reason) => Verdict::Rejected(reason),
    }
}

/// Another provider's repository as an accepted URL.
fn located(l: Located) -> RepoUrl {
    RepoUrl {
        repository: l.repository,
        host: Host::Other(l.origin),
        rest: l.path,
        placeholder: false,
        format: Some(l.format),
    }
}

/// What a credential lookup names (uv's and pip's `keyring get`): the tool is about to send a
/// request there and asks for credentials for exactly that place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requested {
    /// The repository; its name is empty when only the host told the domain (a domain's token
    /// serves all its repositories).
    pub repository: Repository,
    /// Named by the user's `[[mapping]]`, which is their word.
    pub mapped: bool,
}

/// Judges what a tool asks credentials for. A URL is judged as a project's URL would be
/// (userinfo and the placeholder refused: a tool asking has neither); failing that, an
/// `https://` URL whose host names a CodeArtifact domain (standard or dual-stack) is that
/// domain's, whatever its path (the files an index links to), and a URL below an Azure feed or
/// an Artifact Registry repository is that feed's or repository's. A host alone (`HOST[:PORT]` or
/// `http://HOST[:PORT]`, the tools' later tries) is answered only for a loopback host that
/// `http://` mappings name: the tools ask for a host after a URL that was refused, which may
/// have been plain http, and only there would the token not travel in clear. None for anything
/// else.
pub fn judge_request(asked: &str, mappings: &[Mapping]) -> Option<Requested> {
    let Some((scheme, rest)) = asked.split_once("://") else {
        return loopback_mapped_host(asked, mappings);
    };
    match judge(asked, mappings) {
        Verdict::Accepted(url) if !url.placeholder => return Some(url.into()),
        Verdict::Accepted(_) => return None,
        _ => {}
    }
    match scheme {
        "https" => other_provider(asked)
            .or_else(|| codeartifact_host(rest.split('/').next().unwrap_or(rest))),
        "http" => loopback_mapped_host(rest.strip_suffix('/').unwrap_or(rest), mappings),
        _ => None,
    }
}

impl From<RepoUrl> for Requested {
    fn from(url: RepoUrl) -> Requested {
        Requested {
            mapped: matches!(url.host, Host::Mapped(_)),
            repository: url.repository,
        }
    }
}

/// A URL below an Azure Artifacts feed or an Artifact Registry repository (the files their
/// indexes link to), judged by their own rules.
fn other_provider(asked: &str) -> Option<Requested> {
    let lower = asked.to_ascii_lowercase();
    let repository = if crate::azure::url::mentions(&lower) {
        crate::azure::url::requested(asked)
    } else if crate::google::url::mentions(&lower) {
        crate::google::url::requested(asked)
    } else {
        None
    }?;
    Some(Requested {
        repository,
        mapped: false,
    })
}

/// A standard or dual-stack CodeArtifact host, which names its domain.
fn codeartifact_host(authority: &str) -> Option<Requested> {
    let (first, region, host) = aws_host(authority).ok()?;
    if let Host::Vpce(_) = host {
        // A VPC endpoint's host names no domain: that is in its URLs' paths.
        return None;
    }
    let (domain, owner) = split_domain_owner(first).ok()?;
    Some(Requested {
        repository: Repository {
            provider: ProviderKind::CodeArtifact,
            domain: domain.to_string(),
            owner: owner.to_string(),
            region: region.to_string(),
            repository: String::new(),
        },
        mapped: false,
    })
}

/// `HOST:PORT` when `http://` mappings name that loopback host and agree on its domain,
/// compared exactly with their prefixes (checked when the configuration was read).
fn loopback_mapped_host(authority: &str, mappings: &[Mapping]) -> Option<Requested> {
    let mapped: Vec<&Repository> = mappings
        .iter()
        .filter(|m| {
            m.prefix
                .strip_prefix("http://")
                .is_some_and(|after| after.split('/').next() == Some(authority))
        })
        .map(|m| &m.repository)
        .collect();
    let first = *mapped.first()?;
    let same_domain =
        |r: &&Repository| r.domain_owner() == first.domain_owner() && r.region == first.region;
    if !mapped.iter().all(same_domain) {
        return None;
    }
    let mut repository = first.clone();
    if mapped.iter().any(|r| r.repository != first.repository) {
        repository.repository.clear();
    }
    Some(Requested {
        repository,
        mapped: true,
    })
}

/// Whether a string that failed to match should be reported rather than ignored: it mentions
/// CodeArtifact (in any case, or percent-escaped), an AWS host with an account id in it, or a
/// mapped host. An S3 bucket serving wheels is none of these and stays silent.
fn looks_like_codeartifact(raw: &str, mappings: &[Mapping]) -> bool {
    let lower = raw.to_ascii_lowercase();
    let decoded = percent_decode_lossy(&lower).to_ascii_lowercase();
    let mentions = |s: &str| {
        s.contains("codeartifact")
            || (s.contains("amazonaws") && has_account_id(s))
            || mappings.iter().any(|m| {
                let host = mapping_host(&m.prefix);
                !host.is_empty() && s.contains(host)
            })
    };
    mentions(&lower) || mentions(&decoded)
}

/// A run of exactly twelve digits.
fn has_account_id(s: &str) -> bool {
    s.split(|c: char| !c.is_ascii_digit())
        .any(|run| run.len() == 12)
}

fn judge_aws(input: &str) -> Result<RepoUrl, &'static str> {
    let Some(after) = input.strip_prefix("https://") else {
        return Err(if input.to_ascii_lowercase().starts_with("https://") {
            "the scheme must be lower-case https"
        } else {
            "CodeArtifact is reached over https only"
        });
    };
    let (authority, path) = match after.find('/') {
        Some(i) => (&after[..i], &after[i..]),
        None => (after, ""),
    };
    let (first, region, host) = aws_host(authority)?;
    // The format (`/pypi/`, `/npm/`…), then the repository (standard hosts) or
    // `d/DOMAIN-OWNER/` and the repository (VPC endpoints).
    if path.is_empty() || path == "/" {
        return Err("no repository in the path");
    }
    let (format, p) = Format::ALL
        .iter()
        .find_map(|f| {
            let p = path.strip_prefix('/')?.strip_prefix(f.as_str())?;
            Some((*f, p.strip_prefix('/')?))
        })
        .ok_or("not a repository path of a format CodeArtifact serves (/pypi/REPOSITORY/, /npm/REPOSITORY/, …)")?;
    let (domain_owner, p) = match &host {
        Host::Vpce(_) => {
            let p = p
                .strip_prefix("d/")
                .ok_or("a VPC endpoint URL needs /FORMAT/d/DOMAIN-OWNER/REPOSITORY/")?;
            let i = p.find('/').ok_or("no repository in the path")?;
            (&p[..i], &p[i + 1..])
        }
        _ => (first, p),
    };
    let (domain, owner) = split_domain_owner(domain_owner)?;
    let (repo, rest) = match p.find('/') {
        Some(i) => (&p[..i], &p[i..]),
        None => (p, ""),
    };
    if !is_repository(repo) {
        return Err("not a valid repository name");
    }
    if !format.endings().contains(&rest) {
        return Err(match format {
            Format::Pypi => "unexpected path after the repository (only /simple/ may follow)",
            Format::Nuget => {
                "unexpected path after the repository (only /v3/index.json may follow)"
            }
            _ => "unexpected path after the repository",
        });
    }
    Ok(RepoUrl {
        repository: Repository {
            provider: ProviderKind::CodeArtifact,
            domain: domain.to_string(),
            owner: owner.to_string(),
            region: region.to_string(),
            repository: repo.to_string(),
        },
        host,
        rest: rest.to_string(),
        placeholder: false,
        format: Some(format),
    })
}

/// A CodeArtifact host's parts: its first label (`DOMAIN-OWNER`, or a VPC endpoint's id), its
/// region, and which form it is.
fn aws_host(authority: &str) -> Result<(&str, &str, Host), &'static str> {
    check_authority_chars(authority)?;
    if authority.ends_with('.') {
        return Err("the host ends in a dot");
    }
    let labels: Vec<&str> = authority.split('.').collect();
    let (first, region, host) = match labels.as_slice() {
        [first, "d", "codeartifact", region, "amazonaws", "com"] => {
            (*first, *region, Host::Standard)
        }
        [first, "d", "codeartifact", region, "on", "aws"] => (*first, *region, Host::DualStack),
        [first, "d", "codeartifact", region, "vpce", "amazonaws", "com"] => {
            if !is_vpce_id(first) {
                return Err("not a VPC endpoint id");
            }
            (*first, *region, Host::Vpce(first.to_string()))
        }
        _ => return Err("not a CodeArtifact host"),
    };
    if !regions::is_known(region) {
        return Err("not a known AWS region");
    }
    Ok((first, region, host))
}

fn split_domain_owner(label: &str) -> Result<(&str, &str), &'static str> {
    let (domain, owner) = label
        .rsplit_once('-')
        .ok_or("the host does not start with DOMAIN-OWNER")?;
    if !is_owner(owner) {
        return Err("the domain owner is not a 12-digit account id");
    }
    if !is_domain(domain) {
        return Err("not a valid domain name");
    }
    Ok((domain, owner))
}

/// `[a-z][a-z0-9-]{0,48}[a-z0-9]`, and no punycode (`xn--`) look-alikes.
pub fn is_domain(s: &str) -> bool {
    let b = s.as_bytes();
    (2..=50).contains(&b.len())
        && b[0].is_ascii_lowercase()
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
        && b[b.len() - 1] != b'-'
        && !s.starts_with("xn--")
}

/// Exactly twelve ASCII digits.
pub fn is_owner(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|c| c.is_ascii_digit())
}

/// `[A-Za-z0-9][A-Za-z0-9._-]{1,99}`
pub fn is_repository(s: &str) -> bool {
    let b = s.as_bytes();
    (2..=100).contains(&b.len())
        && b[0].is_ascii_alphanumeric()
        && b.iter()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b'-'))
}

/// `vpce-` then lower-case alphanumeric groups joined by single hyphens, one DNS label long.
fn is_vpce_id(s: &str) -> bool {
    let Some(id) = s.strip_prefix("vpce-") else {
        return false;
    };
    s.len() <= 63
        && !id.is_empty()
        && id.split('-').all(|g| {
            !g.is_empty()
                && g.bytes()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        })
}

/// Checks a `[[mapping]] url` from the user's configuration: `https://` (or `http://` on a
/// loopback host) and a plain host with an optional port; no userinfo, query or fragment.
pub fn parse_mapping_prefix(prefix: &str) -> Result<(), &'static str> {
    let (scheme, after) = prefix
        .split_once("://")
        .ok_or("a mapping url must start with https:// or http://")?;
    let (authority, path) = match after.find('/') {
        Some(i) => (&after[..i], &after[i..]),
        None => (after, ""),
    };
    let (host, port) = split_port(authority)?;
    let loopback = host == "localhost" || host == "[::1]" || is_loopback_v4(host);
    match scheme {
        "https" => {}
        "http" if loopback => {}
        "http" => return Err("a mapping may use http only on a loopback address"),
        _ => return Err("a mapping url must start with https:// or http://"),
    }
    if host != "[::1]" {
        check_authority_chars(host)?;
        if host.starts_with('.') || host.ends_with('.') || host.contains("..") {
            return Err("not a valid host name");
        }
    }
    if let Some(port) = port {
        if port.is_empty() || port.len() > 5 || !port.bytes().all(|c| c.is_ascii_digit()) {
            return Err("not a valid port");
        }
    }
    if !path.bytes().all(is_clean_path_byte) {
        return Err("unexpected characters in the mapping's path");
    }
    Ok(())
}

fn split_port(authority: &str) -> Result<(&str, Option<&str>), &'static str> {
    if let Some(rest) = authority.strip_prefix("[::1]") {
        return match rest.strip_prefix(':') {
            Some(port) => Ok(("[::1]", Some(port))),
            None if rest.is_empty() => Ok(("[::1]", None)),
            None => Err("not a valid host name"),
        };
    }
    Ok(match authority.split_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (authority, None),
    })
}

fn is_loopback_v4(host: &str) -> bool {
    let parts: Vec<&str> = host.split('.').collect();
    parts.len() == 4
        && parts[0] == "127"
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.len() <= 3 && p.parse::<u8>().is_ok())
}

/// Path bytes that mean the same to every URL parser: no `\`, `%`, `@`, `?`, `#`, spaces or
/// control characters.
fn is_clean_path_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'/' | b'.' | b'-' | b'_' | b'~' | b'+')
}

fn mapping_host(prefix: &str) -> &str {
    let after = prefix.split_once("://").map_or(prefix, |(_, a)| a);
    let authority = after.split('/').next().unwrap_or("");
    split_port(authority).map_or(authority, |(host, _)| host)
}

/// The mapping whose prefix `input` starts with on a path boundary (longest first). A prefix's
/// trailing `/` is optional in the input: `…/simple` and `…/simple/` name the same index.
fn judge_mapped(input: &str, mappings: &[Mapping]) -> Option<Result<RepoUrl, &'static str>> {
    let (m, base) = mappings
        .iter()
        .map(|m| (m, m.prefix.trim_end_matches('/')))
        .filter(|(_, base)| {
            input.starts_with(base) && matches!(input.as_bytes().get(base.len()), None | Some(b'/'))
        })
        .max_by_key(|(_, base)| base.len())?;
    let rest = &input[base.len()..];
    if !rest.bytes().all(is_clean_path_byte) || rest.contains("..") {
        return Some(Err("unexpected characters after the mapped prefix"));
    }
    Some(Ok(RepoUrl {
        repository: m.repository.clone(),
        host: Host::Mapped(base.to_string()),
        rest: rest.to_string(),
        placeholder: false,
        format: None,
    }))
}

#[cfg(test)]
mod tests;
