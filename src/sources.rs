//! From what the project's files declare to the CodeArtifact sources ca-env acts on: each entry's
//! URL judged, its profile and lifetime chosen from the user's configuration, its trust looked
//! up, and its variable names settled. Whatever is rejected becomes a problem, not a source.

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::clock::Seconds;
use crate::codeartifact::url::{judge, RepoUrl, Verdict};
use crate::codeartifact::DomainOwner;
use crate::config::{Config, ProfileOrigin};
use crate::problem::Problem;
use crate::project::{quoted_name, Found, MavenServers};
use crate::provider::ProviderKind;
use crate::tools::names::{self, VarName, CODEARTIFACT_AUTH_TOKEN};
use crate::tools::registry::Kind;
use crate::tools::{Entry, Form, Format, Origin, Role, Tool};
use crate::trust::{is_trusted, Allowed};

#[derive(Debug, Clone)]
pub struct Source {
    /// The tool's name for it; for unnamed indexes, the repository name.
    pub name: String,
    pub tool: Tool,
    pub role: Role,
    /// The format of the repository (the tool's).
    pub format: Format,
    /// Which rule of the tool put it there, and how it was written.
    pub origin: Origin,
    pub form: Form,
    /// The file that names it (absolute), or `env:NAME`.
    pub file: PathBuf,
    /// 0 for a variable.
    pub line: usize,
    pub url: RepoUrl,
    /// The URL as the file or variable has it (without any credentials it had).
    pub declared: String,
    pub profile: Option<String>,
    pub profile_origin: ProfileOrigin,
    pub duration: Seconds,
    pub trusted: bool,
    pub vars: Vec<VarName>,
}

impl Source {
    pub fn domain_owner(&self) -> DomainOwner {
        self.url.repository.domain_owner()
    }
}

#[derive(Debug, Default)]
pub struct Project {
    /// The project around the working directory; sources may also come from the user's own
    /// configuration and variables, in or out of a project.
    pub root: Option<PathBuf>,
    pub sources: Vec<Source>,
    /// Every variable name ca-env manages here, in first-seen order.
    pub env: Vec<String>,
    pub problems: Vec<Problem>,
    /// The project's files, for the hook to watch.
    pub files: Vec<PathBuf>,
}

/// The most sources one project gets. Each adds variables (a token of about 1 KB, a keyed hash
/// in the state, a URL in a list variable): a few hundred would make one environment string
/// longer than the kernel's 128 KiB, or all of them longer than its 2 MiB, and every command
/// the shell starts would fail with E2BIG.
pub const MAX_SOURCES: usize = 64;

/// A judged entry on its way to becoming a source.
struct Candidate<'a> {
    entry: &'a Entry,
    url: Option<RepoUrl>,
}

impl Candidate<'_> {
    /// Where credentials for this entry would go: two entries that share variable names must
    /// agree on it.
    fn destination(&self) -> String {
        match &self.url {
            Some(u) => format!("{} {}", u.host(), u.repository.domain_owner()),
            None => format!("other {}", self.entry.url),
        }
    }

    fn label(&self) -> String {
        let e = self.entry;
        let what = match e.role {
            Role::Publish => "publish target",
            _ => "source",
        };
        match &e.name {
            Some(n) => format!("{} {what} {}", e.tool.as_str(), quoted_name(n)),
            None => format!("{} {what}", e.tool.as_str()),
        }
    }

    fn at(&self) -> String {
        match self.entry.line {
            0 => self.entry.file.display().to_string(),
            line => format!("{}:{line}", self.entry.file.display()),
        }
    }

    /// A problem at this entry's file and line (a variable has no line).
    fn problem(&self, what: impl std::fmt::Display) -> Problem {
        let line = Some(self.entry.line).filter(|&l| l > 0);
        Problem::in_file(&self.entry.file, line, what)
    }
}

pub fn resolve(found: Found, config: &Config, allowed: &Allowed) -> Project {
    let mut problems = config.problems.clone();
    problems.extend(found.problems.iter().cloned());
    let root = found.root.clone();

    let mut candidates: Vec<Candidate> = Vec::new();
    for entry in &found.entries {
        match judge(&entry.url, &config.mappings) {
            // A repository of another format is not one this tool can read.
            Verdict::Accepted(url) if url.format.is_some_and(|f| f != entry.tool.format()) => {
                let c = Candidate { entry, url: None };
                let want = entry.tool.format();
                problems.push(c.problem(format!(
                    "{}: not a usable CodeArtifact URL: not a {} repository path (/{}/REPOSITORY/)",
                    c.label(),
                    want.title(),
                    want.as_str()
                )));
            }
            Verdict::Accepted(url) => candidates.push(Candidate {
                entry,
                url: Some(url),
            }),
            Verdict::Rejected(reason) => {
                let c = Candidate { entry, url: None };
                problems.push(c.problem(format!(
                    "{}: not a usable CodeArtifact URL: {reason}",
                    c.label()
                )));
            }
            Verdict::Other => candidates.push(Candidate { entry, url: None }),
        }
    }

    let rejected = collisions(&candidates, &mut problems);
    let mut sources: Vec<Source> = Vec::new();
    for (c, rejected) in candidates.iter().zip(rejected) {
        let Some(url) = c.url.as_ref().filter(|_| !rejected) else {
            continue;
        };
        let Some(s) = source(c, url, root.as_deref(), config, allowed, &mut problems) else {
            continue;
        };
        if sources.len() == MAX_SOURCES {
            problems.push(c.problem(format!(
                "more than {MAX_SOURCES} sources; the rest not used"
            )));
            break;
        }
        sources.push(s);
    }
    yarn_token(&candidates, &mut sources, &mut problems);
    let leaks = maven_leaks(&candidates, &found.maven_servers, &mut problems);
    let mut env = managed_env(&sources, &mut problems);
    env.retain(|n| !leaks.contains(&n.as_str()));
    maven_servers(&sources, &found.maven_servers, &mut problems);
    Project {
        root,
        sources,
        env,
        problems,
        files: found.files.clone(),
    }
}

/// The source an accepted entry makes, or None (with the problem said) when its declaration
/// contradicts itself or its name cannot carry variables.
fn source(
    c: &Candidate,
    url: &RepoUrl,
    root: Option<&std::path::Path>,
    config: &Config,
    allowed: &Allowed,
    problems: &mut Vec<Problem>,
) -> Option<Source> {
    let entry = c.entry;
    let repo = &url.repository;
    if let Some((domain, owner)) = &entry.expect {
        if *domain != repo.domain || *owner != repo.owner {
            problems.push(c.problem(format!(
                "{}: tool.poetry_codeartifact_login names another domain or owner than its URL; not used",
                c.label()
            )));
            return None;
        }
    }
    let vars = match names::for_entry(entry, repo.provider.service()) {
        Ok(vars) => vars,
        // A declaration the tool can be given nothing for says itself what follows.
        Err(why) if matches!(entry.form, Form::Unusable(_)) => {
            problems.push(c.problem(format!("{}: {why}", c.label())));
            return None;
        }
        Err(why) => {
            problems.push(c.problem(format!("{}: {why}; not used", c.label())));
            return None;
        }
    };
    if let Some(var) = vars.iter().find(|v| !v.shell) {
        // Poetry keeps a '.' and NuGet the whole name; '-' is fine for Poetry, not for NuGet.
        let (why, with) = match entry.tool {
            Tool::Poetry => (" (Poetry keeps the '.')", "-"),
            _ => ("", "_"),
        };
        let suggestion = entry
            .name
            .as_deref()
            .unwrap_or("")
            .replace(['.', '-'], with);
        problems.push(c.problem(format!(
            "{}: no shell can export {}{why}, so the hook skips it; exec and dotenv still set it; hint: name the source with letters, digits and '{with}' only, e.g. {}",
            c.label(),
            var.name,
            quoted_name(&suggestion)
        )));
    }
    if entry.had_credentials {
        problems.push(c.problem(format!(
            "{}: the URL holds credentials (a token 'aws codeartifact login' left?); ca-env's variables take precedence and never read it; the credentials there can be removed",
            c.label()
        )));
    }
    let (profile, profile_origin) = config.profile_for(repo, entry.profile.as_deref());
    let file = match (entry.origin, root) {
        (Origin::Project, Some(root)) => root.join(&entry.file),
        _ => entry.file.clone(),
    };
    Some(Source {
        name: entry
            .name
            .clone()
            .unwrap_or_else(|| repo.repository.clone()),
        tool: entry.tool,
        role: entry.role,
        format: entry.tool.format(),
        origin: entry.origin,
        form: entry.form,
        file,
        line: entry.line,
        url: url.clone(),
        declared: entry.url.clone(),
        profile,
        profile_origin,
        duration: config.duration_for(repo),
        // The user's own files and variables are their word, as ca-env's configuration is.
        trusted: entry.origin.is_users_word() || is_trusted(config, allowed, &repo.domain_owner()),
        vars,
    })
}

/// Yarn sends its top-level token (`YARN_NPM_AUTH_TOKEN`) to every registry without settings
/// of its own (`npmConfigUtils.ts`, `getAuthConfiguration`): it is set only when every such
/// registry of the project is a CodeArtifact repository of one domain and owner. Otherwise,
/// and for a registry with settings of its own, the token's way in is
/// `${CODEARTIFACT_AUTH_TOKEN}` in `.yarnrc.yml`, which Yarn fills from the environment.
fn yarn_token(candidates: &[Candidate], sources: &mut [Source], problems: &mut Vec<Problem>) {
    let reached: Vec<Option<DomainOwner>> = candidates
        .iter()
        .filter(|c| c.entry.tool == Tool::Yarn && c.entry.form == Form::ToolConfig)
        .map(|c| c.url.as_ref().map(|u| u.repository.domain_owner()))
        .collect();
    let one = match reached.first() {
        Some(Some(first)) => reached.iter().all(|p| p.as_ref() == Some(first)),
        _ => false,
    };
    let hint = format!("npmAuthToken: \"${{{CODEARTIFACT_AUTH_TOKEN}}}\"");
    for s in sources.iter_mut().filter(|s| s.tool == Tool::Yarn) {
        let label = format!("yarn source {}", quoted_name(&s.name));
        let line = Some(s.line).filter(|&l| l > 0);
        let why = match s.form {
            Form::OwnAuth { placeholder: true } => continue,
            Form::OwnAuth { placeholder: false } => format!(
                "{label}: .yarnrc.yml sets this registry's credentials itself (npmRegistries, or the scope's npmAuthToken); to have ca-env's token there, write {hint} in those settings"
            ),
            _ if !one => {
                s.vars.clear();
                format!(
                    "{label}: Yarn would send YARN_NPM_AUTH_TOKEN to this project's other registries too, so it is not set; write {hint} under npmScopes.<scope> (or npmRegistries) for this registry"
                )
            }
            _ => continue,
        };
        problems.push(Problem::in_file(&s.file, line, why));
    }
}

/// Every variable the sources set, in first-seen order, and each provider's token variable
/// (`CODEARTIFACT_AUTH_TOKEN`…) when that provider's sources share one domain (the one token it
/// can hold). CodeArtifact's is the AWS documentation's convention, set for any project of one
/// domain; the others only where a tool of the project reads them (Maven, Gradle).
fn managed_env(sources: &[Source], problems: &mut Vec<Problem>) -> Vec<String> {
    let mut env: Vec<String> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    // The shared tokens are added below, when they can be set.
    let shared = |v: &&VarName| v.kind == Kind::SharedToken;
    for v in sources.iter().flat_map(|s| &s.vars).filter(|v| !shared(v)) {
        if seen.insert(v.name.as_str()) {
            env.push(v.name.clone());
        }
    }
    for provider in ProviderKind::ALL {
        let of: Vec<&Source> = sources
            .iter()
            .filter(|s| s.url.repository.provider == provider)
            .collect();
        let name = provider.service().token_variable;
        let read = of
            .iter()
            .any(|s| s.url.placeholder || s.vars.iter().any(|v| v.name == name));
        let mut units: Vec<DomainOwner> = of.iter().map(|s| s.domain_owner()).collect();
        units.sort();
        units.dedup();
        if units.len() == 1 && (read || provider == ProviderKind::CodeArtifact) {
            env.push(name.to_string());
        } else if units.len() > 1 && read {
            problems.push(Problem::general(format!(
                "{name} holds one token, but this project's sources are in {} {}; it is not set",
                units.len(),
                provider.units()
            )));
        }
    }
    env
}

/// A Maven repository elsewhere than the providers whose id has a `<server>` in settings.xml
/// that sends a provider's token variable: Maven would hand it the token, so that variable is
/// not set at all here. The variables to leave unset.
fn maven_leaks(
    candidates: &[Candidate],
    servers: &MavenServers,
    problems: &mut Vec<Problem>,
) -> Vec<&'static str> {
    let mut leaks = Vec::new();
    for c in candidates
        .iter()
        .filter(|c| c.url.is_none() && c.entry.tool == Tool::Maven)
    {
        let Some(id) = c.entry.name.as_deref() else {
            continue;
        };
        for (_, var) in servers.token_ids.iter().filter(|(t, _)| t == id) {
            problems.push(c.problem(format!(
                "{}: not a repository ca-env serves, but the <server> of this id in settings.xml sends it {var}; it is not set",
                c.label()
            )));
            leaks.push(*var);
        }
    }
    leaks
}

/// Maven sends credentials to a repository only through the `<server>` of its id in
/// settings.xml: a repository without one gets the snippet its service documents (user name,
/// and the token from the provider's variable), once per id. ca-env never writes settings.xml
/// itself.
fn maven_servers(sources: &[Source], servers: &MavenServers, problems: &mut Vec<Problem>) {
    let mut said: Vec<&str> = Vec::new();
    for s in sources.iter().filter(|s| s.tool == Tool::Maven) {
        let id = s.name.as_str();
        if servers.ids.iter().any(|i| i == id) || said.contains(&id) {
            continue;
        }
        said.push(id);
        let settings = servers
            .settings
            .as_ref()
            .map_or("~/.m2/settings.xml".into(), |f| f.display().to_string());
        let plain = |t: &str| {
            t.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        };
        let user = s.url.repository.user_name();
        let var = s.url.repository.provider.service().token_variable;
        let credentials = format!("<username>{user}</username><password>${{env.{var}}}</password>");
        let hint = if plain(id) && plain(user) {
            format!("add to <servers> there: <server><id>{id}</id>{credentials}</server>")
        } else {
            format!("add a <server> of this id there, with {credentials}")
        };
        let line = Some(s.line).filter(|&l| l > 0);
        problems.push(Problem::in_file(
            &s.file,
            line,
            format!(
                "maven repository {}: {settings} has no <server> of this id, so Maven sends it no credentials; hint: {hint}",
                quoted_name(id)
            ),
        ));
    }
}

/// Entries whose tool would read credentials from the same variables for different
/// destinations (Poetry 1.x spellings included): none of the CodeArtifact ones may be used,
/// or a token could be sent to the other host. Returns the indexes rejected.
fn collisions(candidates: &[Candidate], problems: &mut Vec<Problem>) -> Vec<bool> {
    let destinations: Vec<String> = candidates.iter().map(Candidate::destination).collect();
    let mut by_key: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, c) in candidates.iter().enumerate() {
        for key in names::collision_keys(c.entry) {
            let list = by_key.entry(key).or_default();
            if list.last() != Some(&i) {
                list.push(i);
            }
        }
    }
    let mut rejected = vec![false; candidates.len()];
    for group in by_key.values() {
        let first = group[0];
        // The first member pointing somewhere else than the first: every member has, in one
        // of these two, another destination to name.
        let Some(&differing) = group
            .iter()
            .find(|&&i| destinations[i] != destinations[first])
        else {
            continue;
        };
        for &i in group {
            let c = &candidates[i];
            if c.url.is_none() || rejected[i] {
                continue;
            }
            let other = if destinations[i] != destinations[first] {
                first
            } else {
                differing
            };
            let other = &candidates[other];
            problems.push(c.problem(format!(
                "{}: its credential variables are also read for {} ({}), which points elsewhere; nothing is exported for it",
                c.label(),
                other.label(),
                other.at()
            )));
            rejected[i] = true;
        }
    }
    rejected
}

/// The user's configuration, the allowed pairs and this directory's project, resolved.
pub fn load(env: &crate::env::Env) -> (Config, Allowed, Project) {
    let config = Config::load(env);
    let allowed = Allowed::load(env);
    let project = resolve(crate::project::discover(env), &config, &allowed);
    log_project(&config, &allowed, &project);
    (config, allowed, project)
}

/// `CA_ENV_LOG=debug`: what was read and what each source is, with why it is trusted or not.
fn log_project(config: &Config, allowed: &Allowed, project: &Project) {
    use crate::output::{log, printable, Level};
    log(Level::Debug, || match &config.file {
        Some(f) => format!("configuration: {}", f.display()),
        None => "configuration: none".into(),
    });
    let Some(root) = &project.root else {
        log(Level::Debug, || "no project here".into());
        return;
    };
    log(Level::Debug, || {
        let files: Vec<String> = project
            .files
            .iter()
            .map(|f| f.display().to_string())
            .collect();
        format!(
            "project root {}; files: {}",
            root.display(),
            if files.is_empty() {
                "none".into()
            } else {
                files.join(", ")
            }
        )
    });
    for s in &project.sources {
        log(Level::Debug, || {
            let pair = s.domain_owner();
            let trust = if config.trusts(&pair) {
                "trusted by [trust] in the configuration"
            } else if allowed.contains(&pair) {
                "trusted: allowed with 'ca-env allow' or 'ca-env login'"
            } else {
                "not trusted: neither allowed nor in [trust]"
            };
            format!(
                "source {} ({}, {} line {}): domain {} in account {}, {}, profile {} ({}); {trust}",
                printable(&s.name),
                s.tool.as_str(),
                s.file.display(),
                s.line,
                pair.domain,
                pair.owner,
                s.url.repository.region,
                s.profile
                    .as_deref()
                    .map_or("(AWS default)".into(), printable),
                s.profile_origin.as_str(),
            )
        });
    }
    if project.sources.is_empty() {
        log(Level::Debug, || {
            "no CodeArtifact source in the project".into()
        });
    }
}
