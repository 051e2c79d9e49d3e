//! Maven: the repositories of the `pom.xml` Maven would build here and of the parents it
//! inherits from, and the mirrors and profile repositories of the user's and the installation's
//! `settings.xml`.
//!
//! - The project: Maven builds the `pom.xml` of the working directory (`-f` aside); ca-env
//!   takes the nearest one from the working directory up, so that a shell anywhere in the
//!   project has the credentials. Its `<repositories>`, `<pluginRepositories>` and
//!   `<distributionManagement>` (`<repository>`, `<snapshotRepository>`: publish targets),
//!   also those inside `<profiles>` (whether a profile is active is not worked out), each
//!   named by its `<id>`.
//! - Its parents: a `<parent>` is read from `<relativePath>` (default `../pom.xml`, a directory
//!   meaning its `pom.xml`, empty meaning none), as Maven's model builder does
//!   (`DefaultModelBuilder.readParentLocally`), when that file is the parent named (its
//!   groupId and artifactId) and lies inside the project: the directory holding `.mvn/`, else
//!   the highest directory of the unbroken chain of `pom.xml` files above.
//! - Settings: `${user.home}/.m2/settings.xml` and `${maven.home}/conf/settings.xml`
//!   (`SettingsXmlConfigurationProcessor`), `maven.home` being where the `mvn` on `PATH`
//!   really lives (the `mvn` script finds its home the same way). Their `<mirrors>`
//!   and the repositories of their `<profiles>`, and the ids of their `<server>`s: Maven
//!   sends credentials to a repository only through the `<server>` of its id, so a
//!   CodeArtifact repository without one gets a hint (`sources.rs`).
//!
//! A URL with `${…}` is interpolated by Maven from properties: it is skipped.

use std::path::{Path, PathBuf};

use roxmltree::Node;

use super::xml_doc::{at_path, child, child_text, Xml};
use super::{root, Collector, Entry, Form, Found, Origin, Role, Tool};
use crate::env::Env;
use crate::tools::registry::{
    AZURE_ARTIFACTS_ENV_ACCESS_TOKEN, CODEARTIFACT_AUTH_TOKEN, GOOGLE_ARTIFACT_REGISTRY_TOKEN,
};

/// The providers' token variables a `<server>` may read.
const TOKEN_VARIABLES: [&str; 3] = [
    CODEARTIFACT_AUTH_TOKEN,
    AZURE_ARTIFACTS_ENV_ACCESS_TOKEN,
    GOOGLE_ARTIFACT_REGISTRY_TOKEN,
];

/// The most parent POMs followed.
const MAX_PARENTS: usize = 10;

/// The `<server>` ids of the settings files, for the hint about credentials.
#[derive(Debug, Default, Clone)]
pub struct Servers {
    /// The user's settings file, where the hint says to add a `<server>`.
    pub settings: Option<PathBuf>,
    pub ids: Vec<String>,
    /// The ids whose `<server>` sends a provider's token variable (`${env.CODEARTIFACT_AUTH_TOKEN}`
    /// in it), with the variable: a repository of such an id elsewhere would get the token.
    pub token_ids: Vec<(String, &'static str)>,
}

pub fn discover(env: &Env, cwd: &Path, found: &mut Found) {
    let home = env.home();
    if let Some(dir) = root::nearest(cwd, home.as_deref(), |d| d.join("pom.xml").is_file()) {
        project(found, &dir, home.as_deref());
    }
    let mut servers = Servers::default();
    if let Some(maven_home) = maven_home(env) {
        let file = maven_home.join("conf/settings.xml");
        found.read_file(&file, Origin::SystemConfig, |c, rel| {
            read_settings(c, rel, &mut servers)
        });
    }
    if let Some(home) = home {
        let file = home.join(".m2/settings.xml");
        found.read_file(&file, Origin::UserConfig, |c, rel| {
            read_settings(c, rel, &mut servers)
        });
        servers.settings = Some(file);
    }
    found.maven_servers = servers;
}

/// Where the `mvn` on `PATH` is installed (`/usr/share/maven` for Debian's `/usr/bin/mvn`).
fn maven_home(env: &Env) -> Option<PathBuf> {
    let mvn = env.which("mvn")?.canonicalize().ok()?;
    Some(mvn.parent()?.parent()?.to_path_buf())
}

/// The POM in `dir` and the parents it inherits from inside the project.
fn project(found: &mut Found, dir: &Path, home: Option<&Path>) {
    let Ok(top) = project_top(dir, home).canonicalize() else {
        return;
    };
    let mut dir = dir.to_path_buf();
    let mut file = PathBuf::from("pom.xml");
    let mut seen: Vec<PathBuf> = Vec::new();
    let mut wanted: Option<(String, String)> = None;
    for _ in 0..MAX_PARENTS {
        let Ok(real) = dir.join(&file).canonicalize() else {
            return;
        };
        if seen.contains(&real) || !real.starts_with(&top) || !real.is_file() {
            return;
        }
        if !seen.is_empty() {
            // A parent is named by where it really is.
            match (real.parent(), real.file_name()) {
                (Some(d), Some(f)) => (dir, file) = (d.to_path_buf(), PathBuf::from(f)),
                _ => return,
            }
        }
        seen.push(real);
        let (entries, problems) = (found.entries.len(), found.problems.len());
        let mut pom = None;
        found.read_in(&dir, Origin::Project, |c| pom = read_pom(c, &file));
        let Some(pom) = pom else {
            return;
        };
        // Maven takes the file at relativePath only when it is the parent named.
        if let Some(want) = &wanted {
            if pom.coordinates.as_ref() != Some(want) {
                found.entries.truncate(entries);
                found.problems.truncate(problems);
                return;
            }
        }
        let Some(parent) = pom.parent else {
            return;
        };
        let next = dir.join(&parent.path);
        (dir, file) = if next.is_dir() {
            (next, PathBuf::from("pom.xml"))
        } else {
            match (next.parent(), next.file_name()) {
                (Some(d), Some(f)) => (d.to_path_buf(), PathBuf::from(f)),
                _ => return,
            }
        };
        wanted = Some(parent.coordinates);
    }
}

/// The project's top: the nearest directory with `.mvn/` (Maven's multi-module project
/// directory), else the highest directory above `dir` whose every step holds a `pom.xml`.
fn project_top(dir: &Path, home: Option<&Path>) -> PathBuf {
    if let Some(top) = root::nearest(dir, home, |d| d.join(".mvn").is_dir()) {
        return top;
    }
    let mut top = dir.to_path_buf();
    for d in dir.ancestors().skip(1) {
        if !d.join("pom.xml").is_file() || home.is_some_and(|h| !d.starts_with(h)) {
            break;
        }
        top = d.to_path_buf();
    }
    top
}

/// What a POM says of itself and its parent.
struct Pom {
    /// groupId (its parent's when it has none) and artifactId.
    coordinates: Option<(String, String)>,
    parent: Option<Parent>,
}

struct Parent {
    coordinates: (String, String),
    /// Relative to the POM's directory.
    path: PathBuf,
}

fn read_pom(c: &mut Collector, rel: &Path) -> Option<Pom> {
    let mut pom = None;
    c.with_xml(rel, |c, xml| {
        let project = xml.root();
        if project.tag_name().name() != "project" {
            c.problem(rel, Some(1), "not a Maven POM: its root is not <project>");
            return;
        }
        for scope in std::iter::once(project).chain(at_path(project, &["profiles", "profile"])) {
            repositories(
                c,
                rel,
                xml,
                scope,
                &["repositories", "repository"],
                Role::Index,
            );
            repositories(
                c,
                rel,
                xml,
                scope,
                &["pluginRepositories", "pluginRepository"],
                Role::Index,
            );
            for kind in ["repository", "snapshotRepository"] {
                let path = ["distributionManagement", kind];
                repositories(c, rel, xml, scope, &path, Role::Publish);
            }
        }
        let text = |node: Option<Node>, name| {
            node.and_then(|n| child_text(n, name))
                .map(|(t, _)| t.to_string())
                .filter(|t| !t.is_empty())
        };
        let parent_node = child(project, "parent");
        let group = text(Some(project), "groupId").or_else(|| text(parent_node, "groupId"));
        let artifact = text(Some(project), "artifactId");
        let parent = parent_node.and_then(|p| {
            let coordinates = (text(Some(p), "groupId")?, text(Some(p), "artifactId")?);
            let path = match child_text(p, "relativePath") {
                Some(("", _)) => return None,
                Some((path, _)) => path,
                None => "../pom.xml",
            };
            Some(Parent {
                coordinates,
                path: PathBuf::from(path),
            })
        });
        pom = Some(Pom {
            coordinates: group.zip(artifact),
            parent,
        });
    });
    pom
}

/// Each repository at `path` below `scope`, as an entry named by its `<id>`.
fn repositories(c: &mut Collector, rel: &Path, xml: &Xml, scope: Node, path: &[&str], role: Role) {
    for repo in at_path(scope, path) {
        let id = child_text(repo, "id")
            .map(|(id, _)| id)
            .filter(|id| !id.is_empty());
        match child_text(repo, "url") {
            Some((url, node)) if !url.is_empty() => {
                if url.contains("${") {
                    continue;
                }
                c.add(Entry::new(
                    Tool::Maven,
                    Form::ToolConfig,
                    role,
                    id,
                    url,
                    rel,
                    xml.line(node),
                ));
            }
            _ => c.problem(
                rel,
                Some(xml.line(repo)),
                format!("a Maven <{}> has no <url>", path[path.len() - 1]),
            ),
        }
    }
}

/// A `settings.xml`: mirrors, the repositories of profiles, and the server ids.
fn read_settings(c: &mut Collector, rel: &Path, servers: &mut Servers) {
    c.with_xml(rel, |c, xml| {
        let settings = xml.root();
        if settings.tag_name().name() != "settings" {
            c.problem(
                rel,
                Some(1),
                "not a Maven settings file: its root is not <settings>",
            );
            return;
        }
        repositories(c, rel, xml, settings, &["mirrors", "mirror"], Role::Index);
        for profile in at_path(settings, &["profiles", "profile"]) {
            repositories(
                c,
                rel,
                xml,
                profile,
                &["repositories", "repository"],
                Role::Index,
            );
            let path = ["pluginRepositories", "pluginRepository"];
            repositories(c, rel, xml, profile, &path, Role::Index);
        }
        for server in at_path(settings, &["servers", "server"]) {
            if let Some((id, _)) = child_text(server, "id").filter(|(id, _)| !id.is_empty()) {
                servers.ids.push(id.to_string());
                for var in TOKEN_VARIABLES {
                    let token = format!("env.{var}");
                    let sends = server
                        .descendants()
                        .any(|n| n.text().is_some_and(|t| t.contains(&token)));
                    if sends {
                        servers.token_ids.push((id.to_string(), var));
                    }
                }
            }
        }
    });
}

#[cfg(test)]
mod tests;
