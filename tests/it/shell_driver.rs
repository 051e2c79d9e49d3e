//! Tests of the interactive-shell driver in tests/it/support/shells.rs itself: that it reads
//! variables exactly, sees every prompt hook run, sees processes being started (and none when
//! there are none), follows `cd`, and survives Ctrl-C, in bash, zsh and fish.

use crate::support::shells;

use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use shells::{Interactive, Kind};

/// A value with everything that is easy to get wrong when quoting or reading it back.
const AWKWARD: &str = "it's \"quoted\" back\\slash $HOME ünï €\nsecond  line\ttab trailing\\";

/// A minimal environment in a directory of its own: nothing inherited from the test run.
struct Place {
    dir: tempfile::TempDir,
}

impl Place {
    fn new() -> Place {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir_all(dir.path().join("home")).unwrap();
        fs::create_dir_all(dir.path().join("work/sub")).unwrap();
        Place { dir }
    }

    fn work(&self) -> PathBuf {
        self.dir.path().join("work").canonicalize().unwrap()
    }

    fn env(&self) -> Vec<(String, String)> {
        let home = self.dir.path().join("home");
        vec![
            ("PATH".into(), "/usr/local/bin:/usr/bin:/bin".into()),
            ("HOME".into(), home.to_str().unwrap().into()),
            ("TERM".into(), "dumb".into()),
            ("LANG".into(), "C.UTF-8".into()),
        ]
    }

    fn start(&self, kind: Kind, init: &str) -> Interactive {
        Interactive::start(kind, &self.env(), &self.work(), init)
    }
}

/// A one-line command that exports `name` with exactly `value`; newlines and tabs are written
/// as escapes, everything else (non-ASCII too) as is.
fn export(kind: Kind, name: &str, value: &str) -> String {
    match kind {
        Kind::Bash | Kind::Zsh => {
            let mut quoted = String::from("$'");
            for c in value.chars() {
                match c {
                    '\\' => quoted.push_str("\\\\"),
                    '\'' => quoted.push_str("\\'"),
                    '\n' => quoted.push_str("\\n"),
                    '\t' => quoted.push_str("\\t"),
                    c => quoted.push(c),
                }
            }
            quoted.push('\'');
            format!("export {name}={quoted}")
        }
        Kind::Fish => {
            // Single-quoted pieces joined by an unquoted \n escape.
            let pieces: Vec<String> = value
                .split('\n')
                .map(|piece| {
                    format!(
                        "'{}'",
                        piece
                            .replace('\\', "\\\\")
                            .replace('\'', "\\'")
                            .replace('\t', "'\\t'")
                    )
                })
                .collect();
            format!("set -gx {name} {}", pieces.join("\\n"))
        }
    }
}

/// An `init` that counts prompts in `hook_n` the way a prompt hook is installed in `kind`.
fn counting_hook(kind: Kind) -> &'static str {
    match kind {
        Kind::Bash => "hook_n=0\nPROMPT_COMMAND=('hook_n=$((hook_n+1))')",
        Kind::Zsh => "hook_n=0\ncount_prompt() { hook_n=$((hook_n+1)); }\nprecmd_functions+=(count_prompt)",
        Kind::Fish => {
            "set -g hook_n 0\nfunction count_prompt --on-event fish_prompt\n    set -g hook_n (math $hook_n + 1)\nend"
        }
    }
}

fn counter(shell: &mut Interactive) -> u32 {
    let kind = shell.kind().name();
    let value = shell.var("hook_n");
    value
        .as_deref()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| {
            panic!(
                "{kind}: hook_n = {value:?}; transcript:\n{}",
                shell.transcript()
            )
        })
}

#[test]
fn variables_round_trip_exactly() {
    let place = Place::new();
    for kind in Kind::ALL {
        let mut shell = place.start(kind, "");
        let name = kind.name();
        let shown = shell.run(&export(kind, "AWKWARD", AWKWARD));
        assert_eq!(shown, "", "{name}: exporting printed something");
        assert_eq!(
            shell.var("AWKWARD").as_deref(),
            Some(AWKWARD),
            "{name}: transcript:\n{}",
            shell.transcript()
        );
        assert_eq!(
            shell.var("NEVER_SET_ANYWHERE"),
            None,
            "{name}: an unset variable"
        );
        let set_empty = match kind {
            Kind::Fish => "set -gx EMPTY ''",
            _ => "export EMPTY=",
        };
        shell.run(set_empty);
        assert_eq!(
            shell.var("EMPTY").as_deref(),
            Some(""),
            "{name}: an empty variable"
        );
        // The output of a line comes back without the echo of the line itself.
        assert_eq!(
            shell.run("echo \"$AWKWARD\""),
            format!("{AWKWARD}\n"),
            "{name}: output of echo"
        );
        assert_eq!(shell.run("echo out; echo err >&2"), "out\nerr\n", "{name}");
        // `var` leaves the exit status of the previous line alone.
        shell.run("false");
        assert_eq!(
            shell.var("LANG").as_deref(),
            Some("C.UTF-8"),
            "{name}: LANG"
        );
        let status = match kind {
            Kind::Fish => "echo $status",
            _ => "echo $?",
        };
        assert_eq!(shell.run(status), "1\n", "{name}: $? after var");
        // Exactly the given environment: nothing inherited, and no SHELL (which portable-pty
        // would add) when none was given.
        let exported = shell.run("/usr/bin/env");
        for (key, value) in place.env() {
            assert!(
                exported
                    .lines()
                    .any(|line| line == format!("{key}={value}")),
                "{name}: {key} missing from\n{exported}"
            );
        }
        for absent in ["SHELL=", "CARGO", "RUST"] {
            assert!(
                !exported.lines().any(|line| line.starts_with(absent)),
                "{name}: {absent} in\n{exported}"
            );
        }
    }
}

#[test]
fn prompt_hook_runs_once_per_line() {
    let place = Place::new();
    for kind in Kind::ALL {
        let mut shell = place.start(kind, counting_hook(kind));
        let name = kind.name();
        // Once for the first prompt, as with an rc file; `var` reads it before its own prompt.
        assert_eq!(counter(&mut shell), 1, "{name}: after start");
        shell.run(":");
        shell.run("");
        shell.run("echo hi");
        // +1 for the prompt after the first `var`, +3 for the lines.
        assert_eq!(counter(&mut shell), 5, "{name}: after three lines");
        assert_eq!(counter(&mut shell), 6, "{name}: after another var");
    }
}

#[test]
fn processes_are_seen_only_when_started() {
    let place = Place::new();
    for kind in Kind::ALL {
        let mut shell = place.start(kind, "");
        let name = kind.name();
        let builtin = match kind {
            Kind::Fish => "true",
            _ => ":",
        };
        let none = shell.processes_during(&[builtin, builtin]);
        assert!(none.is_empty(), "{name}: builtins started {none:#?}");
        let some = shell.processes_during(&["/bin/true"]);
        assert!(
            some.iter()
                .any(|call| call.contains("execve(\"/bin/true\"")),
            "{name}: /bin/true not seen in {some:#?}"
        );
        // The shell is still fine after strace let go of it.
        assert_eq!(shell.run("echo still here"), "still here\n", "{name}");
    }
}

#[test]
fn processes_started_by_a_prompt_hook_are_seen() {
    let place = Place::new();
    for kind in Kind::ALL {
        let init = match kind {
            Kind::Bash => "PROMPT_COMMAND='/bin/true'",
            Kind::Zsh => "spawn() { /bin/true; }\nprecmd_functions+=(spawn)",
            Kind::Fish => "function spawn --on-event fish_prompt\n    /bin/true\nend",
        };
        let mut shell = place.start(kind, init);
        let name = kind.name();
        let builtin = match kind {
            Kind::Fish => "true",
            _ => ":",
        };
        let seen = shell.processes_during(&[builtin]);
        assert!(
            seen.iter()
                .any(|call| call.contains("execve(\"/bin/true\"")),
            "{name}: the hook's /bin/true not seen in {seen:#?}"
        );
    }
}

#[test]
fn cd_changes_pwd() {
    let place = Place::new();
    for kind in Kind::ALL {
        let mut shell = place.start(kind, "");
        let name = kind.name();
        let work = place.work();
        assert_eq!(
            shell.var("PWD").map(PathBuf::from),
            Some(work.clone()),
            "{name}: start"
        );
        shell.run("cd sub");
        assert_eq!(
            shell.var("PWD").map(PathBuf::from),
            Some(work.join("sub")),
            "{name}: after cd; transcript:\n{}",
            shell.transcript()
        );
        assert!(Path::new(&work.join("sub")).is_dir());
    }
}

#[test]
fn interrupt_returns_to_the_prompt() {
    let place = Place::new();
    for kind in Kind::ALL {
        let mut shell = place.start(kind, "");
        let name = kind.name();
        let started = Instant::now();
        // Long enough that a missed ^C cannot pass for slowness.
        shell.send_line("sleep 30");
        shell.interrupt();
        assert_eq!(shell.run("echo usable"), "usable\n", "{name}");
        let took = started.elapsed();
        assert!(
            took < Duration::from_secs(10),
            "{name}: took {took:?}, so sleep was not interrupted; transcript:\n{}",
            shell.transcript()
        );
    }
}
