//! Which strings name a Google Artifact Registry repository. Judged on the raw string, as
//! CodeArtifact's URLs are: the host exactly `LOCATION-FORMAT.pkg.dev` (`python`, `npm`,
//! `maven`), over https with no userinfo or port, then `/PROJECT/REPOSITORY/` and, for a
//! Python index, `simple/` (the upload URL twine takes is the repository itself). Maven's
//! `artifactregistry://` URLs are the Artifact Registry wagon's, which signs in by itself:
//! `codeartifact::url` leaves them alone.

use crate::provider::{Located, ProviderKind, Repository};
use crate::text::check_authority_chars;
use crate::tools::Format;

const SUFFIX: &str = ".pkg.dev";

/// Whether `lower` mentions an Artifact Registry host.
pub fn mentions(lower: &str) -> bool {
    lower.contains(".pkg.dev")
}

/// A repository's place in a URL: its host's parts, project and repository, and what follows.
struct Parts<'a> {
    authority: &'a str,
    location: &'a str,
    format: Format,
    project: &'a str,
    repository: &'a str,
    /// `/` when the repository was followed by one, and the path after it.
    slash: &'static str,
    tail: &'a str,
}

/// Splits `input` at its repository, or says why it names none.
fn parts(input: &str) -> Result<Parts<'_>, &'static str> {
    let Some(after) = input.strip_prefix("https://") else {
        return Err("Artifact Registry repositories are served over https only");
    };
    let (authority, path) = after.split_once('/').ok_or("no path after the host")?;
    check_authority_chars(authority)?;
    let label = authority
        .strip_suffix(SUFFIX)
        .filter(|l| !l.contains('.'))
        .ok_or("not an Artifact Registry host")?;
    let (location, kind) = label
        .rsplit_once('-')
        .ok_or("not an Artifact Registry host")?;
    if !is_location(location) {
        return Err("not a valid Artifact Registry location");
    }
    let format = match kind {
        "python" => Format::Pypi,
        "npm" => Format::Npm,
        "maven" => Format::Maven,
        _ => {
            return Err("ca-env serves the Python, npm and Maven repositories of Artifact Registry")
        }
    };
    let (project, rest) = path
        .split_once('/')
        .ok_or("no PROJECT/REPOSITORY in the path")?;
    let (repository, tail) = rest.split_once('/').unwrap_or((rest, ""));
    if !is_project(project) {
        return Err("not a valid Google Cloud project id");
    }
    if !is_repository(repository) {
        return Err("not a valid Artifact Registry repository name");
    }
    Ok(Parts {
        authority,
        location,
        format,
        project,
        repository,
        slash: if rest.contains('/') { "/" } else { "" },
        tail,
    })
}

impl Parts<'_> {
    fn repository(&self) -> Repository {
        Repository {
            provider: ProviderKind::Google,
            domain: self.project.to_string(),
            owner: String::new(),
            region: self.location.to_string(),
            repository: self.repository.to_string(),
        }
    }
}

/// The repository `input` names, or why it names none.
pub fn judge(input: &str) -> Result<Located, &'static str> {
    let p = parts(input)?;
    let tail = p.tail;
    match p.format {
        Format::Pypi if !matches!(tail, "" | "simple" | "simple/") => {
            return Err("unexpected path after the repository (only simple/ may follow)");
        }
        Format::Npm | Format::Maven if !tail.is_empty() => {
            return Err("unexpected path after the repository");
        }
        _ => {}
    }
    Ok(Located {
        repository: p.repository(),
        origin: format!("https://{}", p.authority),
        path: format!("/{}/{}{}{tail}", p.project, p.repository, p.slash),
        format: p.format,
    })
}

/// The repository a tool asking for credentials names (uv's and pip's `keyring get`): any URL
/// below a repository, such as the files its index links to. Its project's token serves them
/// all, and the host is Google's own.
pub fn requested(input: &str) -> Option<Repository> {
    let p = parts(input).ok()?;
    let clean = p
        .tail
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'/' | b'.' | b'_' | b'-' | b'~' | b'+'));
    let dots = p.tail.split('/').any(|s| matches!(s, "." | ".."));
    (clean && !dots).then(|| p.repository())
}

/// `us`, `europe`, `asia`, or a region such as `us-central1`, `europe-west4`.
fn is_location(s: &str) -> bool {
    is_lower_id(s, 2..=30) && !s.ends_with('-')
}

/// Google Cloud project ids: 6 to 30 of `[a-z0-9-]`, starting with a letter, not ending in `-`.
fn is_project(s: &str) -> bool {
    is_lower_id(s, 6..=30) && !s.ends_with('-')
}

/// Repository ids: 1 to 63 of `[a-z0-9-]`, starting with a letter.
fn is_repository(s: &str) -> bool {
    is_lower_id(s, 1..=63)
}

/// `len` of `[a-z0-9-]`, starting with a letter.
fn is_lower_id(s: &str, len: std::ops::RangeInclusive<usize>) -> bool {
    len.contains(&s.len())
        && s.starts_with(|c: char| c.is_ascii_lowercase())
        && s.bytes()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_repository_forms() {
        #[rustfmt::skip]
        let ok = [
            ("https://us-central1-python.pkg.dev/my-project/py-repo/simple/", "us-central1", "my-project", "py-repo", Format::Pypi),
            ("https://europe-python.pkg.dev/my-project/py-repo/", "europe", "my-project", "py-repo", Format::Pypi),
            ("https://asia-east1-python.pkg.dev/acme-prod-42/internal/simple", "asia-east1", "acme-prod-42", "internal", Format::Pypi),
            ("https://us-python.pkg.dev/my-project/py-repo", "us", "my-project", "py-repo", Format::Pypi),
            ("https://us-central1-npm.pkg.dev/my-project/npm-repo/", "us-central1", "my-project", "npm-repo", Format::Npm),
            ("https://europe-west4-maven.pkg.dev/my-project/jars", "europe-west4", "my-project", "jars", Format::Maven),
        ];
        for (url, location, project, repo, format) in ok {
            let got = judge(url).unwrap_or_else(|e| panic!("{url}: {e}"));
            assert_eq!(got.repository.region, location);
            assert_eq!(got.repository.domain, project);
            assert_eq!(got.repository.repository, repo);
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
            "https://us-python.pkg.dev.evil.example/my-project/py-repo/simple/",
            "https://evil.us-python.pkg.dev/my-project/py-repo/simple/",
            "https://oauth2accesstoken:x@us-python.pkg.dev/my-project/py-repo/simple/",
            "https://us-python.pkg.dev:443/my-project/py-repo/simple/",
            "http://us-python.pkg.dev/my-project/py-repo/simple/",
            "https://us-npm.pkg.dev/my-project/npm-repo/x/",
            "https://us-docker.pkg.dev/my-project/images/",
            "https://us-maven.pkg.dev/my-project/repo/com/",
            "https://us-python.pkg.dev/My-Project/py-repo/simple/",
            "https://us-python.pkg.dev/my-project/py-repo/simple/x",
            "https://us-python.pkg.dev/my-project/",
            "https://-python.pkg.dev/my-project/py-repo/",
        ] {
            assert!(judge(url).is_err(), "{url}");
        }
    }
}
