//! Hostile input from a cloned repository: names, URLs and tokens built to break out of shell
//! quoting, URLs built to name one host to ca-env and another to Python, project files that try
//! to choose the endpoint, the profile or the credentials, and files built to hang, exhaust or
//! leak (huge, sparse, FIFOs, devices, symlink loops, deep nesting, bad UTF-8).
//!
//! Here: about two thousand generated URLs checked against Python's `urlsplit` and urllib3's
//! `parse_url` (every accepted one names the same host and port to ca-env, to both, and in the
//! URL ca-env exports with the token); the export side of colliding names; untrusted projects
//! through every `export` dialect and `exec` (no call, no input read, one line); endpoints,
//! credentials, credential processes and profiles named by project files; indexes that are not
//! CodeArtifact; and hundreds of sources (at most 64 are used, or the environment would grow
//! past what the kernel lets a command start with).
//!
//! Related tests elsewhere, not repeated here: tests/it/hook.rs
//! `hostile_token_values_round_trip_and_run_nothing` (quotes, `$(…)`, backticks, `;`, `\` in a
//! token, all three shells), `hostile_names_and_directories_run_nothing` (`$(…)`, `'`, `;` in
//! source names and the directory), `an_untrusted_domain_is_said_once_with_the_command_to_allow_it`;
//! tests/it/status.rs `hostile_urls_are_problems_and_never_sources`,
//! `names_that_collide_after_normalising_export_nothing` (status side),
//! `a_deleted_working_directory_is_a_problem_not_a_crash` (status side), `status_makes_no_network_call`;
//! tests/it/exec_dotenv.rs `exec_refuses_an_untrusted_domain_before_running_anything`; the URL
//! table and its Python cross-check in src/codeartifact/url/tests.rs.

mod collisions;
mod host_confusion;
mod hostile_files;
mod injection;
mod untrusted_projects;

use crate::support::{self, bounded, Sandbox};

const PASS: &str = "POETRY_HTTP_BASIC_CORP_PASSWORD";
const USER: &str = "POETRY_HTTP_BASIC_CORP_USERNAME";
const SHARED: &str = "CODEARTIFACT_AUTH_TOKEN";
const STATE: &str = "__CA_ENV_STATE";

/// Put inside hostile files: must never appear in anything ca-env prints.
const MARKER: &str = "MARKER-d41d8cd98f00b204";

fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

fn strings(v: &serde_json::Value) -> Vec<String> {
    support::strings(v)
}

/// `ca-env ARGS` in `cwd` (under HOME) within the time and memory bounds.
fn bounded_run(sb: &Sandbox, cwd: &str, args: &[&str]) -> bounded::Bounded {
    bounded::run(sb.command(cwd, args), &format!("ca-env {}", args.join(" ")))
}

/// Names set by an `export bash` output, the state aside.
fn exported_names(bash: &str) -> Vec<String> {
    bash.lines()
        .filter_map(|l| l.split_once("\\builtin export ").map(|(_, rest)| rest))
        .filter_map(|l| l.split_once('='))
        .map(|(n, _)| n.to_string())
        .filter(|n| n != STATE)
        .collect()
}

/// `s` as a TOML basic string, control characters escaped.
fn toml_str(s: &str) -> String {
    let mut out = String::from("\"");
    for ch in s.chars() {
        match ch {
            '"' | '\\' => {
                out.push('\\');
                out.push(ch);
            }
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
