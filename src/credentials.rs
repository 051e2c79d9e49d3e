//! A project's credentials right now: a token for each trusted source, then the plan of
//! variables. Two ways to get there:
//!
//! - `Mode::Hook` (the prompt): never waits past the hook deadline and never fails as a whole.
//!   An untrusted domain, a failure remembered within its back-off, or a fetch still running at
//!   the deadline each become one message, and that source exports nothing. Missing or expired
//!   tokens are fetched by detached `ca-env __refresh` processes, which carry on past the
//!   deadline and store the token for the next prompt.
//! - `Mode::Command` (`exec`, `dotenv`): the user asked, so an untrusted source or a failed
//!   fetch is an error with its exit status.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use crate::azure::client::Azure;
use crate::clock::Seconds;
use crate::codeartifact::client::CodeArtifact;
use crate::codeartifact::Repository;
use crate::config::Config;
use crate::env::Env;
use crate::error::{Error, Exit, Result};
use crate::google::client::Google;
use crate::output::{log, Level};
use crate::provider::{FetchError, Fetched, Key, Provider, ProviderKind, Terminal};
use crate::secret::Secret;
use crate::sources::{Project, Source};
use crate::token::{self, Asked, Freshness, Tokens, Wanted};
use crate::vars::generated::Written;
use crate::vars::{self, plan, Plan};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// `entered`: when the shell entered the project (Unix milliseconds); an entry logged out
    /// since is not fetched again.
    Hook { entered: i64 },
    /// How a fetch may use the terminal: `exec` keeps it for the command it becomes.
    Command(Terminal),
}

/// Where every entry's token comes from: its key's provider.
pub struct Providers;

impl Provider for Providers {
    fn fetch(
        &self,
        key: &Key,
        duration: u64,
        within: Duration,
        terminal: Terminal,
    ) -> std::result::Result<Fetched, FetchError> {
        match key.provider {
            ProviderKind::CodeArtifact => CodeArtifact.fetch(key, duration, within, terminal),
            ProviderKind::Azure => Azure.fetch(key, duration, within, terminal),
            ProviderKind::Google => Google.fetch(key, duration, within, terminal),
        }
    }
}

static PROVIDER: Providers = Providers;

/// The token layer, wired to the provider and the user's renewal margin.
pub fn tokens(env: &Env, config: &Config, terminal: Terminal) -> Result<Tokens> {
    Tokens::new(env, config.defaults.refresh_before, terminal, &PROVIDER)
}

/// The entry and lifetime a source's token is kept under.
pub fn wanted(source: &Source, env: &Env) -> Wanted {
    wanted_for(
        &source.url.repository,
        source.profile.clone(),
        source.duration,
        env,
    )
}

/// With no profile chosen, `AWS_PROFILE` names the entry (and is passed on explicitly), so a
/// token fetched as one identity is never served to another; an endpoint override (a test
/// stand-in) is another entry too.
pub fn wanted_for(
    repo: &Repository,
    profile: Option<String>,
    duration: Seconds,
    env: &Env,
) -> Wanted {
    // The AWS profile and endpoint override are CodeArtifact's alone.
    let aws = repo.provider == ProviderKind::CodeArtifact;
    let profile = profile.or_else(|| {
        env.var(crate::tools::registry::AWS_PROFILE)
            .filter(|p| aws && !p.is_empty())
    });
    Wanted {
        key: Key {
            provider: repo.provider,
            domain: repo.domain.clone(),
            // One token per trust unit: an Azure organization, a Google project.
            owner: repo.domain_owner().owner,
            region: if aws {
                repo.region.clone()
            } else {
                String::new()
            },
            profile,
            endpoint: crate::codeartifact::endpoint_override(env).filter(|_| aws),
        },
        duration,
    }
}

#[derive(Debug, Default)]
pub struct Outcome {
    pub plan: Plan,
    /// One error per cause, for the hook to say once.
    pub messages: Vec<Error>,
    /// When the tokens need another look (renewal due, a back-off over), if ever.
    pub deadline: Option<i64>,
    /// The user's files the plan copies from (their netrc, their npmrc): the hook watches them.
    pub read: Vec<PathBuf>,
}

/// How long a hook waits between looks at the refreshes it started.
const POLL: Duration = Duration::from_millis(5);

pub fn gather(env: &Env, config: &Config, project: &Project, mode: Mode) -> Result<Outcome> {
    let mut out = Outcome::default();
    let mut usable: Vec<&Source> = Vec::new();
    for source in &project.sources {
        if source.trusted {
            usable.push(source);
            continue;
        }
        let pair = source.domain_owner();
        // One line per domain, however many of the project's sources use it.
        let e = Error::new(
            Exit::Input,
            format!(
                "this project uses {}, which is not trusted; nothing is set for it",
                pair.describe()
            ),
        )
        .with_hint("run 'ca-env allow' to trust it");
        log(Level::Debug, || {
            format!("{} is not trusted: not fetched", pair.describe())
        });
        if let Mode::Command(_) = mode {
            return Err(e);
        }
        if !out.messages.iter().any(|m| m.message == e.message) {
            out.messages.push(e);
        }
    }
    if usable.is_empty() {
        return Ok(out);
    }

    let tokens: BTreeMap<Wanted, Secret> = match token::from_environment(env)? {
        // The user's own token (CI): used for every source, AWS is not asked.
        Some(t) => {
            log(Level::Debug, || {
                "CODEARTIFACT_AUTH_TOKEN is set: used for every source, nothing fetched".into()
            });
            usable.iter().map(|s| (wanted(s, env), t.clone())).collect()
        }
        None => {
            let wanted: Vec<Wanted> = {
                let mut w: Vec<Wanted> = usable.iter().map(|s| wanted(s, env)).collect();
                w.sort();
                w.dedup();
                w
            };
            let terminal = match mode {
                Mode::Hook { .. } => Terminal::Detach,
                Mode::Command(t) => t,
            };
            let mut store = tokens(env, config, terminal)?;
            match mode {
                Mode::Command(_) => {
                    let deadline = token::deadline_in(config.defaults.command_deadline);
                    let mut got = BTreeMap::new();
                    for w in wanted {
                        let stored = store.get(&w, deadline, Asked::ByUser)?;
                        got.insert(w, stored.token.clone());
                    }
                    got
                }
                Mode::Hook { entered } => for_hook(&mut store, wanted, config, entered, &mut out),
            }
        }
    };

    let with_tokens: Vec<(&Source, &Secret)> = usable
        .iter()
        .filter_map(|s| tokens.get(&wanted(s, env)).map(|t| (*s, t)))
        .collect();
    // A provider's token variable holds one token: only when every source of that provider has
    // it.
    let has_token = |s: &Source| with_tokens.iter().any(|(t, _)| std::ptr::eq(*t, s));
    let shared: Vec<&str> = ProviderKind::ALL
        .iter()
        .filter(|p| {
            project
                .sources
                .iter()
                .filter(|s| s.url.repository.provider == **p)
                .all(has_token)
        })
        .map(|p| p.service().token_variable)
        .filter(|name| project.env.iter().any(|n| n == name))
        .collect();
    // pip's credentials for an index a requirements file names, and npm's and pnpm's in a copy
    // of the user's npm configuration. Without them the rest still works, so the hook says why
    // and sets the others; a command the user ran stops.
    let written = settle(vars::netrc::write(&with_tokens, env), mode, &mut out)?;
    let npmrc = settle(vars::npmrc::write(&with_tokens, env), mode, &mut out)?;
    out.plan = plan::build(
        &with_tokens,
        &shared,
        written.path.as_deref(),
        npmrc.path.as_deref(),
        env,
    );
    out.read.extend(written.user);
    out.read.extend(npmrc.user);
    Ok(out)
}

/// A generated file's outcome: in the hook, a failure or a problem is said and the rest still
/// applies; in a command the user ran, a failure stops it.
fn settle(
    result: std::result::Result<Written, String>,
    mode: Mode,
    out: &mut Outcome,
) -> Result<Written> {
    let hook = matches!(mode, Mode::Hook { .. });
    let mut written = match result {
        Ok(w) => w,
        Err(why) if hook => {
            out.messages.push(Error::new(Exit::Runtime, why));
            Written::default()
        }
        Err(why) => return Err(Error::new(Exit::Runtime, why)),
    };
    if let Some(problem) = written.problem.take() {
        let e = Error::new(Exit::Input, problem);
        if hook {
            out.messages.push(e);
        } else {
            crate::output::error_line(&e);
        }
    }
    Ok(written)
}

/// One token the hook's way, for a tool that asks (`keyring get`): never waiting past the hook
/// deadline, never calling AWS within a remembered failure's back-off, a fetch past the deadline
/// carrying on detached so the tool's next ask finds the token. A logout does not hold: the
/// tool asking is the user asking. The error is what the hook would say.
pub fn token_for_tool(env: &Env, config: &Config, wanted: &Wanted) -> Result<Secret> {
    let mut store = tokens(env, config, Terminal::Detach)?;
    let mut out = Outcome::default();
    let mut got = for_hook(&mut store, vec![wanted.clone()], config, i64::MAX, &mut out);
    if let Some(token) = got.remove(wanted) {
        return Ok(token);
    }
    let mut e = out
        .messages
        .into_iter()
        .next()
        .unwrap_or_else(|| token::nothing_stored(&wanted.key, store.state_dir()));
    if e.exit == Exit::Deadline {
        e.hint = Some("it goes on in the background, and the next ask finds it".into());
    }
    Err(e)
}

/// Tokens for the hook: stored ones when usable (an expiring one starts a background refresh),
/// else fetched by detached refreshes waited for until the hook deadline.
fn for_hook(
    store: &mut Tokens,
    wanted: Vec<Wanted>,
    config: &Config,
    entered: i64,
    out: &mut Outcome,
) -> BTreeMap<Wanted, Secret> {
    let mut got = BTreeMap::new();
    let mut started = Vec::new();
    let earliest = |out: &mut Outcome, t: i64| {
        out.deadline = Some(out.deadline.map_or(t, |d| d.min(t)));
    };
    for w in wanted {
        let lookup = store.lookup(&w.key);
        if let Some(why) = lookup.unavailable {
            out.messages.push(
                Error::new(
                    Exit::Runtime,
                    format!("cannot read the token for {}: {why}", w.key.describe()),
                )
                .with_hint(store.read_hint(&w.key)),
            );
            continue;
        }
        let failure = store
            .remembered_failure(&w.key)
            .map(|f| (token::failure_error(f), f.retry_at()));
        if let Some((stored, _)) = lookup.stored {
            match store.freshness(&stored) {
                Freshness::Fresh => {
                    earliest(out, renew_at(store, &stored));
                    got.insert(w, stored.token.clone());
                    continue;
                }
                Freshness::Expiring => {
                    match &failure {
                        Some((_, retry)) => earliest(out, *retry),
                        None => token::refresh::in_background(&w),
                    }
                    earliest(out, stored.expires - token::entry::EXPIRED_MARGIN);
                    got.insert(w, stored.token.clone());
                    continue;
                }
                Freshness::Expired => {}
            }
        }
        // Logged out after this shell entered the project: the logout holds here until the
        // user asks again (`ca-env login`) or enters the project anew.
        if let Some(at) = store.logged_out(&w.key).filter(|at| *at >= entered) {
            log(Level::Debug, || {
                format!(
                    "not fetching {}: logged out at {} ms, after this shell entered the project",
                    w.key.describe(),
                    at
                )
            });
            out.messages.push(
                Error::new(
                    Exit::Runtime,
                    format!(
                        "logged out of domain {} in account {}",
                        w.key.domain, w.key.owner
                    ),
                )
                .with_hint("run 'ca-env login' to get a token again"),
            );
            continue;
        }
        if let Some((e, retry)) = failure {
            log(Level::Debug, || {
                format!(
                    "not fetching {}: the last fetch failed, next try after {}",
                    w.key.describe(),
                    crate::clock::rfc3339(retry)
                )
            });
            earliest(out, retry);
            out.messages.push(e);
            continue;
        }
        log(Level::Debug, || {
            format!(
                "fetching the token for {} in the background, waiting up to the hook deadline",
                w.key.describe()
            )
        });
        match token::refresh::spawn(&w) {
            Ok(child) => started.push((w, child)),
            Err(e) => out
                .messages
                .push(failed(&w, &format!("cannot start ca-env: {e}"))),
        }
    }
    if started.is_empty() {
        return got;
    }

    let deadline = token::deadline_in(config.defaults.hook_deadline);
    let mut running: Vec<(Wanted, std::process::Child)> = started;
    let mut ended: Vec<Wanted> = Vec::new();
    loop {
        let mut still = Vec::new();
        for (w, mut child) in running {
            match child.try_wait() {
                Ok(None) => still.push((w, child)),
                _ => ended.push(w),
            }
        }
        running = still;
        if running.is_empty() || Instant::now() >= deadline {
            break;
        }
        std::thread::sleep(POLL);
    }
    // What the refreshes that ended stored, or the failure they remembered.
    store.reload();
    for w in ended {
        match store.lookup(&w.key).stored {
            Some((stored, _)) if store.freshness(&stored) != Freshness::Expired => {
                earliest(out, renew_at(store, &stored));
                got.insert(w, stored.token.clone());
            }
            _ => {
                let failure = store
                    .remembered_failure(&w.key)
                    .map(|f| (token::failure_error(f), f.retry_at()));
                let (e, retry) = failure.unwrap_or_else(|| {
                    (
                        token::nothing_stored(&w.key, store.state_dir()),
                        crate::clock::now() + 30,
                    )
                });
                earliest(out, retry);
                out.messages.push(e);
            }
        }
    }
    // Those still running carry on detached; storing the token changes the index, which the
    // hook watches, so the next prompt picks it up.
    for (w, _) in &running {
        out.messages.push(
            Error::new(
                Exit::Deadline,
                format!(
                    "still fetching the token for {} at the hook's deadline",
                    w.key.describe()
                ),
            )
            .with_hint("it is set at a later prompt, once stored"),
        );
    }
    got
}

/// When a token now fresh needs another look: when it starts expiring, or for a short-lived one
/// when it counts as expired, if that comes first.
fn renew_at(store: &Tokens, stored: &token::Stored) -> i64 {
    store
        .refresh_at(stored)
        .min(stored.expires - token::entry::EXPIRED_MARGIN)
}

fn failed(w: &Wanted, reason: &str) -> Error {
    Error::new(
        Exit::Runtime,
        format!("no token for {}: {reason}", w.key.describe()),
    )
    .with_hint("run 'ca-env login'")
}
