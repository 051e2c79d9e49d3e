//! Which strings name an Azure Artifacts feed. Judged on the raw string, as CodeArtifact's
//! URLs are (`codeartifact::url`): the host exactly `pkgs.dev.azure.com` (the organization as
//! the path's first segment) or `ORG.pkgs.visualstudio.com` (the legacy form), over https with
//! no userinfo or port, then `[/PROJECT]/_packaging/FEED/` and one of the formats' paths:
//! `pypi/simple/` (an index) or `pypi/upload/` (twine's upload URL), `npm/registry/`,
//! `maven/v1`, `nuget/v3/index.json`. Cargo and Universal Packages feeds are refused.

use crate::provider::{Located, ProviderKind, Repository};
use crate::text::check_authority_chars;
use crate::tools::Format;

const HOST: &str = "pkgs.dev.azure.com";
const LEGACY: &str = ".pkgs.visualstudio.com";

/// The feed's path segment for each format Azure Artifacts serves that ca-env gives
/// credentials for, and what may follow it (Azure DevOps's "Connect to feed" URLs): the
/// PyPI index and twine's upload URL, npm's registry, Maven's repository, NuGet's service
/// index.
const FORMATS: [(&str, Format, &[&str]); 4] = [
    (
        "pypi",
        Format::Pypi,
        &["simple", "simple/", "upload", "upload/"],
    ),
    ("npm", Format::Npm, &["registry", "registry/"]),
    ("maven", Format::Maven, &["v1", "v1/"]),
    ("nuget", Format::Nuget, &["v3/index.json"]),
];

/// Whether `lower` (the input, lower-cased) mentions an Azure Artifacts host, so that a URL
/// breaking a rule is reported rather than ignored.
pub fn mentions(lower: &str) -> bool {
    lower.contains(HOST) || lower.contains("pkgs.visualstudio.com")
}

/// A feed's place in a URL: everything up to the format's path segment, and what follows.
struct Parts<'a> {
    authority: &'a str,
    organization: &'a str,
    project: &'a str,
    feed: &'a str,
    /// The format's segment (`pypi`, `npm`…) and the path after it.
    rest: &'a [&'a str],
}

/// Splits `input` at its feed, or says why it names none.
fn parts<'a>(input: &'a str, segments: &'a mut Vec<&'a str>) -> Result<Parts<'a>, &'static str> {
    let Some(after) = input.strip_prefix("https://") else {
        return Err("Azure Artifacts feeds are served over https only");
    };
    let (authority, path) = after.split_once('/').ok_or("no path after the host")?;
    check_authority_chars(authority)?;
    let (organization, path) = if authority == HOST {
        path.split_once('/').ok_or("no organization in the path")?
    } else if let Some(org) = authority.strip_suffix(LEGACY) {
        (org, path)
    } else {
        return Err("not an Azure Artifacts host");
    };
    if !is_organization(organization) {
        return Err("not a valid Azure DevOps organization name");
    }
    segments.extend(path.split('/'));
    let at = segments
        .iter()
        .position(|s| *s == "_packaging")
        .ok_or("no _packaging/FEED in the path")?;
    let project = match &segments[..at] {
        [] => "",
        [project] if is_name(project) => project,
        _ => return Err("not a valid Azure DevOps project in the path"),
    };
    let (feed, rest) = match &segments[at + 1..] {
        [feed, rest @ ..] => (*feed, rest),
        _ => return Err("no FEED after _packaging"),
    };
    if !is_feed(feed) {
        return Err("not a valid feed name");
    }
    Ok(Parts {
        authority,
        organization,
        project,
        feed,
        rest,
    })
}

impl Parts<'_> {
    fn repository(&self) -> Repository {
        Repository {
            provider: ProviderKind::Azure,
            domain: self.organization.to_string(),
            owner: self.project.to_string(),
            region: String::new(),
            repository: self.feed.to_string(),
        }
    }
}

/// The feed `input` names, or why it names none.
pub fn judge(input: &str) -> Result<Located, &'static str> {
    let mut segments = Vec::new();
    let p = parts(input, &mut segments)?;
    let (kind, tail) = match p.rest {
        [kind, tail @ ..] => (*kind, tail),
        _ => return Err("no FEED/FORMAT after _packaging"),
    };
    let (format, endings) = FORMATS
        .iter()
        .find(|(segment, ..)| *segment == kind)
        .map(|(_, format, endings)| (*format, *endings))
        .ok_or("ca-env serves the PyPI, npm, Maven and NuGet feeds of Azure Artifacts")?;
    let tail = tail.join("/");
    if !endings.contains(&tail.as_str()) {
        return Err(match format {
            Format::Pypi => {
                "unexpected path after the feed (only pypi/simple/ or pypi/upload/ may follow)"
            }
            Format::Npm => "unexpected path after the feed (only npm/registry/ may follow)",
            Format::Maven => "unexpected path after the feed (only maven/v1 may follow)",
            _ => "unexpected path after the feed (only nuget/v3/index.json may follow)",
        });
    }
    let scope = if p.authority == HOST {
        format!("/{}", p.organization)
    } else {
        String::new()
    };
    let project_path = if p.project.is_empty() {
        String::new()
    } else {
        format!("/{}", p.project)
    };
    Ok(Located {
        repository: p.repository(),
        origin: format!("https://{}", p.authority),
        path: format!("{scope}{project_path}/_packaging/{}/{kind}/{tail}", p.feed),
        format,
    })
}

/// The feed a tool asking for credentials names (uv's and pip's `keyring get`): any URL below
/// a feed, such as the files its index links to (`…/_packaging/FEED/pypi/download/…`). Its
/// organization's token serves them all, and the host is Azure's own.
pub fn requested(input: &str) -> Option<Repository> {
    let mut segments = Vec::new();
    let p = parts(input, &mut segments).ok()?;
    let clean = p.rest.iter().all(|s| {
        !matches!(*s, "." | "..")
            && s.bytes().all(|b| {
                b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-' | b'~' | b'+' | b'@')
            })
    });
    clean.then(|| p.repository())
}

/// Azure DevOps organization names: letters, digits and `-`, not at either end, 1 to 50.
pub fn is_organization(s: &str) -> bool {
    let b = s.as_bytes();
    (1..=50).contains(&b.len())
        && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'-')
        && b[0] != b'-'
        && b[b.len() - 1] != b'-'
}

/// A project or feed name as it may stand in a path: letters, digits, `.`, `_`, `-`, not
/// starting with `.` or `_` (a project with a space in its name is not served yet).
fn is_name(s: &str) -> bool {
    let b = s.as_bytes();
    (1..=64).contains(&b.len())
        && b[0].is_ascii_alphanumeric()
        && b.iter()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b'-'))
}

/// A feed, optionally with its view (`corp@Release`).
fn is_feed(s: &str) -> bool {
    match s.split_once('@') {
        Some((feed, view)) => is_name(feed) && is_name(view),
        None => is_name(s),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_feed_forms() {
        #[rustfmt::skip]
        let ok = [
            ("https://pkgs.dev.azure.com/contoso/web/_packaging/corp/pypi/simple/", "contoso", "web", "corp", Format::Pypi),
            ("https://pkgs.dev.azure.com/contoso/_packaging/corp/pypi/simple/", "contoso", "", "corp", Format::Pypi),
            ("https://pkgs.dev.azure.com/contoso/_packaging/corp@Release/pypi/simple", "contoso", "", "corp@Release", Format::Pypi),
            ("https://contoso.pkgs.visualstudio.com/web/_packaging/corp/pypi/simple/", "contoso", "web", "corp", Format::Pypi),
            ("https://contoso.pkgs.visualstudio.com/_packaging/corp/pypi/upload/", "contoso", "", "corp", Format::Pypi),
            ("https://pkgs.dev.azure.com/contoso/web/_packaging/corp/npm/registry/", "contoso", "web", "corp", Format::Npm),
            ("https://contoso.pkgs.visualstudio.com/_packaging/corp/npm/registry", "contoso", "", "corp", Format::Npm),
            ("https://pkgs.dev.azure.com/contoso/web/_packaging/corp/maven/v1", "contoso", "web", "corp", Format::Maven),
            ("https://pkgs.dev.azure.com/contoso/_packaging/corp@Local/maven/v1/", "contoso", "", "corp@Local", Format::Maven),
            ("https://pkgs.dev.azure.com/contoso/_packaging/corp/nuget/v3/index.json", "contoso", "", "corp", Format::Nuget),
        ];
        for (url, org, project, feed, format) in ok {
            let got = judge(url).unwrap_or_else(|e| panic!("{url}: {e}"));
            assert_eq!(got.repository.domain, org);
            assert_eq!(got.repository.owner, project);
            assert_eq!(got.repository.repository, feed);
            assert_eq!(got.format, format, "{url}");
            assert_eq!(
                format!("{}{}", got.origin, got.path),
                url,
                "rebuilt as written"
            );
        }
    }

    #[test]
    fn look_alikes_and_odd_shapes_are_refused() {
        for url in [
            "https://pkgs.dev.azure.com.evil.example/contoso/_packaging/corp/pypi/simple/",
            "https://evil.example/pkgs.dev.azure.com/contoso/_packaging/corp/pypi/simple/",
            "https://me:pat@pkgs.dev.azure.com/contoso/_packaging/corp/pypi/simple/",
            "https://pkgs.dev.azure.com:8443/contoso/_packaging/corp/pypi/simple/",
            "http://pkgs.dev.azure.com/contoso/_packaging/corp/pypi/simple/",
            "https://PKGS.dev.azure.com/contoso/_packaging/corp/pypi/simple/",
            "https://pkgs.dev.azure.com/contoso/_packaging/corp/npm/",
            "https://pkgs.dev.azure.com/contoso/_packaging/corp/maven/v2",
            "https://pkgs.dev.azure.com/contoso/_packaging/corp/nuget/v2",
            "https://pkgs.dev.azure.com/contoso/_packaging/corp/Cargo/index/",
            "https://pkgs.dev.azure.com/contoso/_packaging/corp/npm/registry/x/",
            "https://pkgs.dev.azure.com/contoso/_packaging/corp/pypi/simple/x/",
            "https://pkgs.dev.azure.com/con$oso/_packaging/corp/pypi/simple/",
            "https://pkgs.dev.azure.com/contoso/a/b/_packaging/corp/pypi/simple/",
            "https://pkgs.dev.azure.com/contoso/_packaging/co rp/pypi/simple/",
            "https://evilpkgs.visualstudio.com.x/_packaging/corp/pypi/simple/",
        ] {
            assert!(judge(url).is_err(), "{url}");
        }
    }
}
