//! `ca-env doctor`: what stands between a user and their credentials, one check a line, each
//! with what to run when it fails. The groups follow what goes wrong: the hook in this shell
//! (`hook`), tools that fight ca-env for the same indexes (`tools`), AWS credentials and, with
//! `--online`, AWS itself and the clock (`aws`), Azure's and Google's token sources and, with
//! `--online`, a token from each (`clouds`), where tokens go and ca-env's own files
//! (`store`), and this directory's project (`project`).
//!
//! Checks look and change nothing: no token is fetched or stored, no file written, except the
//! probe entry the store check writes into keyutils or the file store and removes at once.
//! Only `--online` calls AWS or another cloud. A check never shows a value: files by path and line, variables by
//! name.

mod aws;
mod clouds;
mod hook;
mod project;
mod store;
mod tools;

use std::path::PathBuf;

use crate::config::Config;
use crate::env::Env;
use crate::sources::Project;

/// How a check came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Ok,
    Fail,
    /// Not applicable here (no Poetry installed, not run from a shell), or not asked for.
    Skip,
}

/// One line of the report.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Check {
    /// `hook`, `tools`, `aws`, `clouds`, `store`, `project`.
    pub group: &'static str,
    /// Which check, stable for scripts (`prompt`, `pip-token`, …); several lines may share one.
    pub check: &'static str,
    pub status: Status,
    pub message: String,
    /// What to run, for a failure.
    pub hint: Option<String>,
    /// The file (and line) the message is about, when it is about one.
    pub file: Option<String>,
    pub line: Option<usize>,
}

impl Check {
    fn new(group: &'static str, check: &'static str, status: Status, message: String) -> Check {
        Check {
            group,
            check,
            status,
            message,
            hint: None,
            file: None,
            line: None,
        }
    }

    pub fn ok(group: &'static str, check: &'static str, message: impl Into<String>) -> Check {
        Check::new(group, check, Status::Ok, message.into())
    }

    pub fn skip(group: &'static str, check: &'static str, message: impl Into<String>) -> Check {
        Check::new(group, check, Status::Skip, message.into())
    }

    pub fn fail(
        group: &'static str,
        check: &'static str,
        message: impl Into<String>,
        hint: impl Into<String>,
    ) -> Check {
        Check {
            hint: Some(hint.into()),
            ..Check::new(group, check, Status::Fail, message.into())
        }
    }

    /// About `file` (at `line` when known).
    pub fn at(mut self, file: Option<PathBuf>, line: Option<usize>) -> Check {
        self.file = file.map(|f| f.display().to_string());
        self.line = line;
        self
    }
}

/// What every group of checks reads.
pub struct Context<'a> {
    /// The process's own environment: the hook's state, what the hook's function handed over.
    pub raw: &'a Env,
    /// The user's own environment (what the hook set taken back out).
    pub env: &'a Env,
    pub config: Config,
    pub project: Project,
    pub home: Option<PathBuf>,
    /// Whether AWS (and the other clouds) may be called.
    pub online: bool,
}

impl Context<'_> {
    /// A path for messages, `~/…` under HOME.
    pub fn shown(&self, path: &std::path::Path) -> String {
        crate::output::tilde(path, self.home.as_deref())
    }

    /// `FILE:LINE` for messages.
    pub fn shown_at(&self, path: &std::path::Path, line: usize) -> String {
        format!("{}:{line}", self.shown(path))
    }
}

/// Every check, in the report's order.
pub fn run(raw: &Env, env: &Env, online: bool) -> Vec<Check> {
    let (config, _, project) = crate::sources::load(env);
    let cx = Context {
        raw,
        env,
        config,
        project,
        home: env.home(),
        online,
    };
    let mut checks = Vec::new();
    hook::check(&cx, &mut checks);
    tools::check(&cx, &mut checks);
    aws::check(&cx, &mut checks);
    clouds::check(&cx, &mut checks);
    store::check(&cx, &mut checks);
    project::check(&cx, &mut checks);
    checks
}
