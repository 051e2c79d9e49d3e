//! What the Azure Artifacts and Google Artifact Registry token sources share: a token from the
//! cloud's own CLI (`az`, `gcloud`), run as the user's tools are run (their PATH and
//! environment, no input, within the fetch's deadline, and detached from the terminal unless
//! the user is at it); and, for every source (CLI, variable, metadata or token endpoint), the
//! answer made a token, or one error line when it gives none.

use std::time::Duration;

use super::{FetchError, Fetched, Key, Terminal};
use crate::env::Env;
use crate::error::{Error, Exit};
use crate::output::printable;
use crate::secret::Secret;

/// What `program ARGS` printed as JSON. A missing or signed-out CLI is a credentials error
/// (the hook says it once and names `ca-env login`, which runs `sign_in`).
pub fn run(
    env: &Env,
    program: &str,
    args: &[&str],
    key: &Key,
    within: Duration,
    terminal: Terminal,
    sign_in: &[&str],
) -> Result<serde_json::Value, FetchError> {
    let Some(path) = env.which(program) else {
        return Err(FetchError {
            error: Error::new(
                Exit::Runtime,
                format!("no token for {}: {program} is not on PATH", key.describe()),
            )
            .with_hint(format!(
                "install the {program} CLI and run '{}'",
                sign_in.join(" ")
            )),
            credentials: true,
        });
    };
    let detach = terminal != Terminal::Interactive;
    let ran = crate::process::run_as(env, &path, args, within, detach).map_err(|why| {
        FetchError::from(Error::new(
            Exit::Deadline,
            format!("no token for {}: {why}", key.describe()),
        ))
    })?;
    if !ran.success {
        // The CLI's own first line says why (signed out, expired); never its output, which a
        // token could be in.
        let why = ran
            .stderr
            .lines()
            .map(str::trim)
            .find(|l| !l.is_empty())
            .map(|l| l.chars().take(200).collect::<String>())
            .unwrap_or_else(|| "it failed".into());
        let hint = format!(
            "run 'ca-env login' on a terminal (it runs '{}')",
            sign_in.join(" ")
        );
        return Err(no_token(program, key, &why, &hint));
    }
    serde_json::from_str(&ran.stdout).map_err(|_| unreadable(program, key))
}

/// A fetched token that expires at `expires`, or an error when `text` cannot be one.
pub fn token(text: String, expires: i64, from: &str) -> Result<Fetched, FetchError> {
    match Secret::token(text) {
        Some(token) => Ok(Fetched { token, expires }),
        None => Err(Error::new(
            Exit::Runtime,
            format!("{from} gave something that is not a token"),
        )
        .into()),
    }
}

/// The CLI answered with something ca-env cannot read.
pub fn unreadable(program: &str, key: &Key) -> FetchError {
    Error::new(
        Exit::Runtime,
        format!(
            "{program} gave no token ca-env can read for {}",
            key.describe()
        ),
    )
    .into()
}

/// The token of an OAuth answer (`access_token`) that lasts `expires_in` seconds from now, as
/// Entra ID's, Google's token endpoint, security token service and metadata server give it
/// (a number; google-auth also takes a string of digits, which some services send).
pub fn lasting(answer: &serde_json::Value, from: &str, key: &Key) -> Result<Fetched, FetchError> {
    let token = answer.get("access_token").and_then(|t| t.as_str());
    let lasts = answer.get("expires_in").and_then(|v| {
        v.as_i64()
            .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
    });
    match (token, lasts) {
        (Some(token), Some(lasts)) => {
            self::token(token.to_string(), crate::clock::now() + lasts, from)
        }
        _ => Err(unreadable(from, key)),
    }
}

/// `from` gave no token for `key`, and why (shown printable), with what to do: a credentials
/// failure, which the hook says once.
pub fn no_token(from: &str, key: &Key, why: &str, hint: &str) -> FetchError {
    FetchError {
        error: Error::new(
            Exit::Runtime,
            format!(
                "{from} gave no token for {}: {}",
                key.describe(),
                printable(why)
            ),
        )
        .with_hint(hint),
        credentials: true,
    }
}

/// The JSON of an endpoint's 200 answer; a request that failed, or another status (`who
/// answered N`), is `failed`'s error.
pub fn answered(
    result: Result<(u16, serde_json::Value), String>,
    who: &str,
    failed: impl Fn(&str) -> FetchError,
) -> Result<serde_json::Value, FetchError> {
    match result {
        Ok((200, answer)) => Ok(answer),
        Ok((status, _)) => Err(failed(&format!("{who} answered {status}"))),
        Err(why) => Err(failed(&why)),
    }
}
