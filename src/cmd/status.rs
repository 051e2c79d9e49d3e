//! `ca-env status [--json]`: what ca-env sees here, tokens included. Reads no network.

use std::fmt::Write;

use anstyle::{AnsiColor, Style};
use serde::Serialize;

use crate::clock::rfc3339;
use crate::config::Config;
use crate::env::Env;
use crate::error::Result;
use crate::output::{self, printable};
use crate::sources::{Project, Source};
use crate::token::{self, Key, Tokens};
use crate::tools::{Origin, Role};

pub fn run(env: &Env, json: bool) -> Result<()> {
    let (config, _, mut project) = crate::sources::load(env);
    let tokens = token_states(env, &config, &mut project)?;
    if json {
        let mut text = serde_json::to_string_pretty(&Report::new(&project, &tokens))
            .expect("the report serialises");
        text.push('\n');
        output::stdout(&text)
    } else {
        output::stdout(&table(
            &project,
            &tokens,
            config.file.as_deref(),
            env.home().as_deref(),
        ))
    }
}

/// Each source's token, as the stores know it (no network; the keyring is asked only if it
/// needs no unlock). A store that cannot answer, or a failure remembered within its back-off,
/// is state `error` with the reason among the problems.
fn token_states(env: &Env, config: &Config, project: &mut Project) -> Result<Vec<TokenReport>> {
    if project.sources.is_empty() {
        return Ok(Vec::new());
    }
    if token::from_environment(env)?.is_some() {
        let report = TokenReport {
            state: "valid",
            expires_at: None,
            store: "environment",
        };
        return Ok(vec![report; project.sources.len()]);
    }
    let tokens = crate::credentials::tokens(env, config, crate::provider::Terminal::Detach)?;
    // Sources sharing an entry share its report; its problem is said once.
    let mut by_key: std::collections::HashMap<Key, TokenReport> = Default::default();
    let mut reports = Vec::new();
    for source in &project.sources {
        let key = crate::credentials::wanted(source, env).key;
        let report = by_key.entry(key).or_insert_with_key(|key| {
            let (report, problem) = token_report(&tokens, key);
            project
                .problems
                .extend(problem.map(crate::problem::Problem::general));
            report
        });
        reports.push(report.clone());
    }
    Ok(reports)
}

#[derive(Serialize)]
struct Report<'a> {
    project: Option<String>,
    sources: Vec<SourceReport<'a>>,
    env: &'a [String],
    problems: &'a [crate::problem::Problem],
}

#[derive(Serialize)]
struct SourceReport<'a> {
    name: &'a str,
    tool: &'static str,
    role: &'static str,
    format: &'static str,
    provider: &'static str,
    /// An absolute path, or `env:NAME`.
    file: String,
    /// 0 for a variable.
    line: usize,
    /// Which rule of the tool put it there.
    origin: &'static str,
    url: String,
    host: String,
    domain: &'a str,
    owner: &'a str,
    region: &'a str,
    repository: &'a str,
    profile: Option<&'a str>,
    profile_from: &'static str,
    duration_seconds: u64,
    trusted: bool,
    token: TokenReport,
    env: Vec<&'a str>,
    /// Variables no shell can export (`exec` and `dotenv` still set them).
    env_not_in_shells: Vec<&'a str>,
}

/// One entry's report, and the problem to say when it cannot be known or was not fetched.
fn token_report(tokens: &Tokens, key: &Key) -> (TokenReport, Option<String>) {
    let lookup = tokens.lookup(key);
    if let Some((stored, backend)) = &lookup.stored {
        let report = TokenReport {
            state: tokens.freshness(stored).as_str(),
            expires_at: Some(rfc3339(stored.expires)),
            store: backend.as_str(),
        };
        return (report, None);
    }
    let problem = match (&lookup.unavailable, tokens.remembered_failure(key)) {
        (Some(why), _) => format!("the store cannot be read: {why}"),
        (None, Some(failure)) => format!("the last fetch failed: {}", failure.reason),
        (None, None) => {
            let report = TokenReport {
                state: "missing",
                expires_at: None,
                store: "none",
            };
            return (report, None);
        }
    };
    let problem = format!("token for {}: {problem}", key.describe());
    (TokenReport::error(), Some(problem))
}

#[derive(Serialize, Clone)]
struct TokenReport {
    state: &'static str,
    expires_at: Option<String>,
    store: &'static str,
}

impl TokenReport {
    fn error() -> TokenReport {
        TokenReport {
            state: "error",
            expires_at: None,
            store: "none",
        }
    }
}

impl<'a> Report<'a> {
    fn new(p: &'a Project, tokens: &[TokenReport]) -> Report<'a> {
        Report {
            project: p.root.as_ref().map(|r| r.display().to_string()),
            sources: p
                .sources
                .iter()
                .zip(tokens)
                .map(|(s, t)| SourceReport::new(s, t.clone()))
                .collect(),
            env: &p.env,
            problems: &p.problems,
        }
    }
}

impl<'a> SourceReport<'a> {
    fn new(s: &'a Source, token: TokenReport) -> SourceReport<'a> {
        let r = &s.url.repository;
        SourceReport {
            name: &s.name,
            tool: s.tool.as_str(),
            role: s.role.as_str(),
            format: s.format.as_str(),
            provider: s.url.repository.provider.as_str(),
            file: s.file.display().to_string(),
            line: s.line,
            origin: s.origin.as_str(),
            url: s.url.url(),
            host: s.url.host(),
            domain: &r.domain,
            owner: &r.owner,
            region: &r.region,
            repository: &r.repository,
            profile: s.profile.as_deref(),
            profile_from: s.profile_origin.as_str(),
            duration_seconds: s.duration,
            trusted: s.trusted,
            token,
            env: s.vars.iter().map(|v| v.name.as_str()).collect(),
            env_not_in_shells: s
                .vars
                .iter()
                .filter(|v| !v.shell)
                .map(|v| v.name.as_str())
                .collect(),
        }
    }
}

const BOLD: Style = Style::new().bold();
const DIM: Style = Style::new().dimmed();
const GOOD: Style = AnsiColor::Green.on_default();
const WARN: Style = AnsiColor::Yellow.on_default();

/// The human view: short, aligned, never a value.
fn table(
    p: &Project,
    tokens: &[TokenReport],
    config_file: Option<&std::path::Path>,
    home: Option<&std::path::Path>,
) -> String {
    let mut out = String::new();
    // Without a Python project here, the directory of the first project file another tool
    // read (a package.json's .npmrc, a Cargo config up the tree…) is the project.
    let other = || {
        p.sources
            .iter()
            .find(|s| s.origin == crate::tools::Origin::Project)
            .and_then(|s| s.file.parent().map(std::path::Path::to_path_buf))
    };
    match p.root.clone().or_else(other) {
        Some(root) => {
            let _ = writeln!(
                out,
                "{BOLD}project{BOLD:#}   {}",
                printable(&root.display().to_string())
            );
        }
        None => {
            let _ = writeln!(out, "{BOLD}project{BOLD:#}   none here (no pyproject.toml, uv.toml, poetry.toml, pdm.toml, Pipfile, pixi.toml, pip.conf or requirements file from this directory up)");
            if p.sources.is_empty() {
                problems(&mut out, p);
                return out;
            }
        }
    }
    let config = config_file.map_or("none (built-in defaults)".into(), |f| {
        f.display().to_string()
    });
    let _ = writeln!(out, "{BOLD}config{BOLD:#}    {}", printable(&config));
    if p.sources.is_empty() {
        let _ = writeln!(
            out,
            "{BOLD}sources{BOLD:#}   none (no CodeArtifact index in this project's files, the tools' user files or variables)"
        );
    } else {
        let header = [
            "NAME",
            "TOOL",
            "FORMAT",
            "FROM",
            "REPOSITORY",
            "REGION",
            "PROFILE",
            "TRUST",
            "TOKEN",
        ];
        let rows: Vec<[String; 9]> = p
            .sources
            .iter()
            .zip(tokens)
            .map(|(s, t)| {
                let r = &s.url.repository;
                [
                    printable(&s.name),
                    match s.role {
                        Role::Index => s.tool.as_str().to_string(),
                        role => format!("{} ({})", s.tool.as_str(), role.as_str()),
                    },
                    s.format.as_str().to_string(),
                    from(s, p.root.as_deref(), home),
                    format!("{}/{}", s.domain_owner(), r.repository),
                    if r.region.is_empty() {
                        "-".into()
                    } else {
                        r.region.clone()
                    },
                    match (r.provider, s.profile.as_deref()) {
                        (_, Some(p)) => printable(p),
                        (crate::provider::ProviderKind::CodeArtifact, None) => {
                            "(AWS default)".into()
                        }
                        (_, None) => "-".into(),
                    },
                    if s.trusted { "trusted" } else { "untrusted" }.to_string(),
                    match &t.expires_at {
                        Some(at) => format!("{} until {at} ({})", t.state, t.store),
                        None if t.store == "environment" => "from CODEARTIFACT_AUTH_TOKEN".into(),
                        None => t.state.to_string(),
                    },
                ]
            })
            .collect();
        let mut widths = header.map(str::len);
        for row in &rows {
            for (w, cell) in widths.iter_mut().zip(row) {
                *w = (*w).max(cell.chars().count());
            }
        }
        let _ = writeln!(out);
        let last = header.len() - 1;
        let line: Vec<String> = header
            .iter()
            .zip(widths)
            .enumerate()
            .map(|(i, (h, w))| {
                let w = if i == last { 0 } else { w };
                format!("{DIM}{h:<w$}{DIM:#}")
            })
            .collect();
        let _ = writeln!(out, "{}", line.join("  "));
        for row in rows {
            let cells: Vec<String> = row
                .iter()
                .zip(widths)
                .enumerate()
                .map(|(i, (cell, w))| {
                    let pad = if i == last {
                        cell.clone()
                    } else {
                        format!("{cell:<w$}")
                    };
                    match (i, cell.as_str()) {
                        (7, "trusted") => format!("{GOOD}{pad}{GOOD:#}"),
                        (8, c) if c.starts_with("valid") || c.starts_with("from") => {
                            format!("{GOOD}{pad}{GOOD:#}")
                        }
                        (7 | 8, _) => format!("{WARN}{pad}{WARN:#}"),
                        _ => pad,
                    }
                })
                .collect();
            let _ = writeln!(out, "{}", cells.join("  "));
        }
        let _ = writeln!(out);
        let _ = write!(out, "{BOLD}variables{BOLD:#}");
        let mut column = "variables".len();
        for name in &p.env {
            if column + name.len() >= 80 {
                let _ = write!(out, "\n  ");
                column = 2;
            } else {
                out.push(' ');
                column += 1;
            }
            out.push_str(&printable(name));
            column += name.len();
        }
        out.push('\n');
    }
    problems(&mut out, p);
    if p.sources.iter().any(|s| !s.trusted) {
        let _ = writeln!(
            out,
            "hint: run 'ca-env allow' to trust this project's domains, organizations and projects"
        );
    }
    out
}

/// Where a source comes from, short: the file (relative to the project when inside it, else
/// to `~`) and line, or the variable, and the tool's rule when it is not the project's own file.
fn from(s: &Source, root: Option<&std::path::Path>, home: Option<&std::path::Path>) -> String {
    let file = match root.and_then(|r| s.file.strip_prefix(r).ok()) {
        Some(inside) => printable(&inside.display().to_string()),
        None => output::tilde(&s.file, home),
    };
    let at = match s.line {
        0 => file,
        line => format!("{file}:{line}"),
    };
    match s.origin {
        Origin::Project => at,
        origin => format!("{at} ({})", origin.as_str()),
    }
}

fn problems(out: &mut String, p: &Project) {
    if p.problems.is_empty() {
        return;
    }
    let _ = writeln!(out, "{WARN}problems{WARN:#}");
    for problem in &p.problems {
        let _ = writeln!(out, "  {}", printable(&problem.to_string()));
    }
}
