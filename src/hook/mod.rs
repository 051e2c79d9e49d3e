//! The shell hook's side of ca-env: what `ca-env export SHELL` does. The hook runs it when
//! something changed (fish before 3.6: at every prompt, where it returns at once if nothing
//! did). It never prompts, waits at most the hook deadline, and always leaves the shell
//! consistent: whatever it cannot do is one message (said once per project), never a failed
//! prompt.
//!
//! - `state`: what the shell remembers between prompts (`__CA_ENV_STATE`), the user's own
//!   environment behind what ca-env set, and the diff from one project to the next;
//! - here: the export itself, what it watches, and the messages it says once.

pub mod state;

use crate::credentials::{self, Mode, Outcome};
use crate::env::Env;
use crate::error::{Error, Exit, Result};
use crate::output::{self, log, Level};
use crate::secret::Secret;
use crate::shell::{self, Change, Shell};
use crate::sources::Project;
use crate::vars::Plan;
use state::{MacKey, State, STATE_VAR};

/// However far off the tokens' deadline, look again within the hour (a cheap export), so an
/// idle shell never depends on a reference file older than a day.
const MAX_WAIT: i64 = 3600;

/// When to look again at the latest: within the hour, at a five-minute mark, so that shells
/// share the few files fish's hook reads the deadline from (one per deadline).
fn look_again(now: i64) -> i64 {
    (now + MAX_WAIT) / 300 * 300
}

pub fn run(raw: &Env, dialect: Shell) -> Result<()> {
    let now = crate::clock::now();
    let previous = State::from_env(raw).filter(|_| dialect.keeps_state());
    if let Some(s) = &previous {
        if s.still_current(raw, now) {
            let fast = dialect.keeps_fast_path().then(|| s.fast_path());
            return output::code(&shell::render(dialect, &[], fast, &[]));
        }
    }

    let state_dir = crate::state::dir(raw);
    let key = match &state_dir {
        Some(d) => MacKey::load(d).map_err(|e| {
            Error::new(
                Exit::Runtime,
                format!(
                    "cannot keep shell state in {}: {}",
                    d.display(),
                    crate::error::io_reason(&e)
                ),
            )
        }),
        None => Err(Error::new(
            Exit::Runtime,
            "cannot keep shell state: neither XDG_STATE_HOME nor HOME is set",
        )),
    };
    let (user, ours) = state::user_env(raw, previous.as_ref(), key.as_ref().ok());
    let (config, _, project) = crate::sources::load(&user);
    for p in &project.problems {
        log(Level::Warn, || p.to_string());
    }

    let root = project
        .root
        .as_ref()
        .map(|r| r.to_string_lossy().into_owned());
    let same_project = previous.as_ref().is_some_and(|p| p.root == root);
    // When this shell entered the project: a logout after it holds in this shell. direnv keeps
    // no state, so there a logout holds until `ca-env login`.
    let entered = match &previous {
        Some(p) if same_project => p.entered,
        _ if dialect.keeps_state() => crate::clock::now_millis(),
        _ => i64::MIN,
    };
    let mut outcome = match (&key, project.sources.is_empty()) {
        (_, true) => Outcome::default(),
        (Err(e), false) => Outcome {
            messages: vec![e.clone()],
            ..Outcome::default()
        },
        (Ok(_), false) => {
            let mode = Mode::Hook { entered };
            credentials::gather(&user, &config, &project, mode).unwrap_or_else(|e| Outcome {
                messages: vec![e],
                ..Outcome::default()
            })
        }
    };
    let mut watch = watched(&user, &project, state_dir.as_deref(), dialect);
    // Files of the user's that the plan copies (their netrc): an edit is taken up at the next
    // prompt.
    for s in outcome.read.iter().filter_map(|p| p.to_str()) {
        if !watch.iter().any(|w| w == s) {
            watch.push(s.to_string());
        }
    }
    // Variables the user changed after ca-env set them stay theirs while in this project.
    let mut kept: Vec<String> = Vec::new();
    if let (Some(p), true) = (&previous, same_project) {
        kept.extend(p.kept.iter().cloned());
        let given_up = p
            .vars
            .iter()
            .filter(|m| !ours.iter().any(|o| o.name == m.name));
        kept.extend(given_up.map(|m| m.name.clone()));
    }
    let plan = match dialect {
        Shell::Json => std::mem::take(&mut outcome.plan),
        _ => std::mem::take(&mut outcome.plan).portable(),
    }
    .without(&kept);

    let mut said = match &previous {
        Some(p) if same_project => p.said.clone(),
        _ => Vec::new(),
    };
    for e in &outcome.messages {
        let id = state::message_id(&e.to_string());
        if !said.contains(&id) {
            output::error_line(e);
            said.push(id);
        }
    }

    if dialect == Shell::Direnv {
        let changes: Vec<Change> = plan
            .iter()
            .map(|(n, v)| Change {
                name: n.to_string(),
                value: Some(v.clone()),
            })
            .collect();
        return output::code(&shell::render(dialect, &changes, None, &watch));
    }

    // Without a key nothing set now could be told apart later: set nothing, give back what
    // was ours (the reason was said above).
    let plan = if key.is_ok() { plan } else { Plan::default() };
    let (mut changes, managed) = state::diff(raw, &ours, &plan, key.as_ref().ok());
    let deadline = outcome
        .deadline
        .map_or(look_again(now), |d| d.min(look_again(now)));
    let clock = dialect
        .reads_deadline_from_a_file()
        .then(|| state::clock_file(raw))
        .flatten();
    let references = state_dir
        .as_ref()
        .and_then(|d| {
            let dated = clock.is_some().then_some(deadline);
            state::reference_files(d, &watch, dated).ok()
        })
        .unwrap_or_default();
    let next = State {
        v: state::VERSION,
        dir: raw.var(crate::tools::registry::PWD).unwrap_or_default(),
        profile: raw
            .var(crate::tools::registry::AWS_PROFILE)
            .unwrap_or_default(),
        deadline,
        deadline_file: references.deadline,
        clock,
        watched: references.files,
        dirs: references.dirs,
        root,
        entered,
        vars: managed,
        said,
        kept,
    };
    let text = next.to_json();
    if raw.var(STATE_VAR).as_deref() != Some(text.as_str()) {
        changes.push(Change {
            name: STATE_VAR.to_string(),
            value: Some(Secret::plain(text)),
        });
    }
    let fast = dialect.keeps_fast_path().then(|| next.fast_path());
    output::code(&shell::render(dialect, &changes, fast, &[]))
}

/// What, when changed, may change the export: the project's files and, for the shells, the
/// directories that hold them (a file moved over another, one added or removed, which zsh's
/// tests miss for a file that is gone; direnv, which reloads visibly, watches the files alone), the configuration file (its directory while there
/// is none, to see it appear), and the state directory (trust given or taken, a token stored or
/// a failure remembered: each rewrites a file there). Each costs the hook two tests (some
/// `stat`s, a few microseconds) at every prompt, so the list stops there.
fn watched(
    env: &Env,
    project: &Project,
    state_dir: Option<&std::path::Path>,
    dialect: Shell,
) -> Vec<String> {
    let mut paths: Vec<std::path::PathBuf> = Vec::new();
    // Not $HOME: shells write there at every prompt (zsh's history lock), which would make
    // every prompt an export; nor /etc, where system services replace files all the time.
    let home = env.home();
    let busy =
        |dir: &std::path::Path| home.as_deref() == Some(dir) || dir == std::path::Path::new("/etc");
    if dialect != Shell::Direnv {
        let files = project.files.iter().filter(|f| !f.is_dir());
        for dir in files.filter_map(|f| f.parent()) {
            if !busy(dir) && !paths.iter().any(|p| p == dir) {
                paths.push(dir.to_path_buf());
            }
        }
    }
    paths.extend(project.files.iter().filter(|f| !busy(f)).cloned());
    let project_paths = paths.len();
    if let Some(config) = crate::config::config_path(env) {
        if config.exists() {
            paths.push(config);
        } else {
            paths.extend(config.parent().map(std::path::Path::to_path_buf));
        }
    }
    paths.extend(state_dir.map(std::path::Path::to_path_buf));
    // Each path travels with its reference file, under the state directory.
    let reference_len = state_dir.map_or(0, |d| d.as_os_str().len()) + 32;
    let mut out: Vec<String> = Vec::new();
    let mut bytes = 0;
    for (i, p) in paths.into_iter().enumerate() {
        if std::fs::symlink_metadata(&p).is_ok() {
            if let Some(s) = p.to_str() {
                // The state travels in the environment, where one variable may not exceed
                // 128 KiB or no command starts: past the budget, project paths go unwatched
                // (the configuration and the state directory always are).
                let cost = s.len() + reference_len;
                if i < project_paths && bytes + cost > MAX_WATCH_BYTES {
                    continue;
                }
                if !out.iter().any(|o| o == s) {
                    bytes += cost;
                    out.push(s.to_string());
                }
            }
        }
    }
    out
}

/// Total length of the project's watched paths and their reference files the state may name.
const MAX_WATCH_BYTES: usize = 16 * 1024;
