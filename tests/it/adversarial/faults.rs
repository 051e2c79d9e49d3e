//! Faults from outside: credential processes that hang or want a terminal, keyrings that are
//! locked or absent, a kernel that refuses keyutils, AWS that never answers, refuses or
//! throttles, a clock hours off, twenty shells at once, a refresher killed mid-fetch, tracing
//! and crashes that could leak a token, thousands of enter/leave cycles, a huge variable and a
//! full disk. Each test states the exact behaviour: exit status, the one stderr line, nothing
//! exported, the prompt back within its deadline, nothing the user had lost.
//!
//! Already proven elsewhere, so not repeated here: a locked keyring and `token`/`login --force`
//! (tests/it/stores.rs `a_locked_secret_service_is_never_asked_to_unlock`), a missing keyring or
//! bus with `token` (`no_keyring_or_no_secret_service_falls_back_at_once`), a credential_process
//! reading stdin (tests/it/tokens.rs `nothing_but_login_on_a_terminal_can_prompt`), twenty
//! `token` processes (`twenty_processes_one_aws_call`), a `token` killed holding the lock
//! (`a_lock_holder_killed_does_not_block_the_next`), `token` past `command_deadline`
//! (`a_slow_endpoint_ends_in_status_124_within_the_deadline`), a hook fetch past its deadline in
//! the three interactive shells (tests/it/hook.rs
//! `a_fetch_past_the_deadline_goes_on_detached_and_the_next_prompt_picks_it_up`), the token in
//! argv, stderr and files of every command (tests/it/tokens.rs
//! `no_token_leaks_into_stderr_logs_argv_or_files`), `set -x` showing no token
//! (tests/it/hook.rs `strict_modes_and_tracing_neither_break_the_shell_nor_show_a_token`), and
//! dotenv over a symlink or a tracked file (tests/it/exec_dotenv.rs
//! `dotenv_writes_where_a_symlink_leads_and_keeps_the_link`,
//! `dotenv_refuses_a_tracked_file_and_warns_about_unignored_ones`).
use crate::support::{self, bounded, shells};

use std::fs;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use shells::{Interactive, Kind};
use support::keyrings::{require, KeyutilsSession, SecretService};
use support::standin::{Failure, StandIn, TEST_KEY_ID, TEST_SECRET};
use support::{ok, stderr, stdout, write_executable, Sandbox, BIN, PROJECT};

const USER: &str = "POETRY_HTTP_BASIC_CORP_USERNAME";
const PASS: &str = "POETRY_HTTP_BASIC_CORP_PASSWORD";
const SHARED: &str = "CODEARTIFACT_AUTH_TOKEN";

/// The deadlines every test here configures, and what a prompt or command may take beyond
/// them on a loaded 2-core machine (an upper bound proving "within the deadline", not a speed
/// goal: process start, the debug binary, strace).
const HOOK_DEADLINE: Duration = Duration::from_secs(1);
const COMMAND_DEADLINE: Duration = Duration::from_secs(2);
const MARGIN: Duration = Duration::from_millis(2500);

/// The token tests' sandbox (file store) with the deadlines above and `extra` defaults.
fn setup(standin: &StandIn) -> Sandbox {
    let sb = Sandbox::for_tokens(standin, "file");
    configure(&sb, "");
    sb
}

fn configure(sb: &Sandbox, extra: &str) {
    sb.write_config(&format!(
        "[trust]\nowners = [\"111122223333\"]\n[defaults]\nhook_deadline = \"1s\"\ncommand_deadline = \"2s\"\n{extra}"
    ));
}

fn timed(mut cmd: Command) -> (Output, Duration) {
    let t0 = Instant::now();
    let out = cmd.output().unwrap();
    (out, t0.elapsed())
}

/// Asserts stderr is exactly one `ca-env: …` line containing each of `needles`.
fn one_line(what: &str, out: &Output, needles: &[&str]) {
    let err = stderr(out);
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 1, "{what}: one line on stderr: {err}");
    assert!(lines[0].starts_with("ca-env: "), "{what}: {err}");
    for n in needles {
        assert!(lines[0].contains(n), "{what}: {n:?} in {err}");
    }
}

/// Asserts an `export bash` exported none of the project's variables.
fn exported_nothing(what: &str, out: &Output) {
    let text = stdout(out);
    for name in [USER, PASS, SHARED] {
        assert!(!text.contains(name), "{what}: {name} exported: {text}");
    }
}

fn wait_for(what: &str, limit: Duration, mut done: impl FnMut() -> bool) {
    let t0 = Instant::now();
    while !done() {
        assert!(t0.elapsed() < limit, "{what}: not within {limit:?}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The line an rc file holds, for `kind`.
fn hook_line(kind: Kind) -> String {
    match kind {
        Kind::Fish => format!("{BIN} hook fish | source"),
        _ => format!("eval \"$({BIN} hook {})\"", kind.name()),
    }
}

/// `ca-env:` lines in what a shell showed.
fn said_lines(screen: &str) -> Vec<String> {
    screen
        .lines()
        .filter(|l| l.contains("ca-env:"))
        .map(str::to_string)
        .collect()
}

/// An `http://127.0.0.1:PORT` nothing listens on.
fn closed_port() -> String {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    drop(l);
    format!("http://127.0.0.1:{port}")
}

/// Sandbox whose credentials come from profile `name` in the AWS config file, through a
/// `credential_process` running `script` (shell code) before it prints the test keys.
fn with_credential_process(standin: &StandIn, name: &str, script: &str) -> Sandbox {
    let mut sb = setup(standin);
    sb.without_env_keys();
    let path = sb.aws_dir().join(format!("{name}.sh"));
    write_executable(
        &path,
        &format!(
            "#!/bin/sh\n{script}\necho '{{\"Version\": 1, \"AccessKeyId\": \"{TEST_KEY_ID}\", \"SecretAccessKey\": \"{TEST_SECRET}\"}}'\n"
        ),
    );
    fs::write(
        sb.aws_dir().join("config"),
        format!(
            "[profile {name}]\ncredential_process = {}\n",
            path.display()
        ),
    )
    .unwrap();
    sb.set_env("AWS_PROFILE", name);
    sb
}

// ---------------------------------------------------------------------------------------------
// 4. Prompts and hangs

/// A credential_process that sleeps a minute: the hook returns within its deadline saying
/// "still fetching" once and exporting nothing; `token` and `login` exit 124 within
/// `command_deadline` with one line and no output, and leave nothing holding their pipes.
#[test]
fn a_credential_process_that_hangs_holds_neither_the_prompt_nor_a_command() {
    let _alone = support::heavy();
    let standin = StandIn::start();
    let sb = with_credential_process(&standin, "sleepy", "sleep 60");

    let (out, took) = timed(sb.command(PROJECT, &["export", "bash"]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(took < HOOK_DEADLINE + MARGIN, "export took {took:?}");
    one_line("export", &out, &["still fetching", "corp-111122223333"]);
    exported_nothing("export", &out);

    for args in [&["token", "corp"][..], &["login", "--force"]] {
        let (out, took) = timed(sb.command(PROJECT, args));
        assert_eq!(out.status.code(), Some(124), "{args:?}: {}", stderr(&out));
        assert!(took < COMMAND_DEADLINE + MARGIN, "{args:?} took {took:?}");
        // "within 1 s" when the hook's detached refresh held the entry a second of it.
        one_line(&format!("{args:?}"), &out, &["within"]);
        assert_eq!(stdout(&out), "", "{args:?}");
    }
    assert!(
        standin.calls().is_empty(),
        "no AWS call without credentials"
    );
}

/// A credential_process that asks on /dev/tty (as an MFA prompt does): neither the hook in a
/// real interactive shell nor `ca-env token` on a terminal lets it reach the terminal. It finds
/// none, fails at once, and that is one line; nothing is exported and nothing waits.
#[test]
fn a_credential_process_reading_the_terminal_never_reaches_it() {
    require("script");
    let standin = StandIn::start();
    let probe = "if true 3<>/dev/tty 2>/dev/null; then exec 3<>/dev/tty; echo tty >> \"$0.asked\"; read -r code <&3; else echo no-tty >> \"$0.asked\"; exit 1; fi";
    let sb = with_credential_process(&standin, "mfa", probe);
    let asked = sb.aws_dir().join("mfa.sh.asked");

    // The hook in a real interactive bash, whose terminal the credential process could ask on.
    let mut sh = Interactive::start(
        Kind::Bash,
        &sb.env_pairs(),
        &sb.home(),
        &hook_line(Kind::Bash),
    );
    let t0 = Instant::now();
    let shown = sh.run(&format!("cd {PROJECT}"));
    let took = t0.elapsed();
    assert!(took < HOOK_DEADLINE + MARGIN, "the prompt waited {took:?}");
    assert_eq!(fs::read_to_string(&asked).unwrap_or_default(), "no-tty\n");
    let lines = said_lines(&shown);
    assert_eq!(lines.len(), 1, "{shown}");
    assert!(lines[0].contains("ca-env login"), "{shown}");
    for name in [USER, PASS, SHARED] {
        assert_eq!(sh.var(name), None, "{name}");
    }
    drop(sh);

    // `token` on a terminal (a pseudo-terminal from script(1)), stdin a pipe held open. The
    // user asked, so the hook's remembered failure does not stop it from trying.
    fs::remove_file(&asked).unwrap();
    let mut script = Command::new("script");
    script.args(["-q", "-e", "-c", &format!("{BIN} token corp"), "/dev/null"]);
    let mut cmd = sb.inside(script, PROJECT);
    cmd.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let t0 = Instant::now();
    let mut child = cmd.spawn().unwrap();
    let _held_open = child.stdin.take();
    while child.try_wait().unwrap().is_none() && t0.elapsed() < Duration::from_secs(15) {
        std::thread::sleep(Duration::from_millis(20));
    }
    let finished = child.try_wait().unwrap().is_some();
    if !finished {
        child.kill().unwrap();
    }
    let out = child.wait_with_output().unwrap();
    let took = t0.elapsed();
    let screen = stdout(&out);
    assert_eq!(
        fs::read_to_string(&asked).unwrap_or_default(),
        "no-tty\n",
        "the credential process reached the terminal: {screen}"
    );
    assert!(
        finished && took < COMMAND_DEADLINE + MARGIN,
        "took {took:?}"
    );
    assert_eq!(out.status.code(), Some(1), "{screen}");
    let lines = said_lines(&screen);
    assert_eq!(lines.len(), 1, "{screen}");
    assert!(lines[0].contains("no usable AWS credentials"), "{screen}");
    assert_eq!(screen.trim().lines().count(), 1, "nothing else: {screen}");

    assert!(standin.calls().is_empty());
}

/// The Secret Service locked, without a keyring, with no Secret Service on the bus, a bus
/// address leading nowhere, or no bus at all, with `CA_ENV_STORE=keyring`: the hook returns
/// within its deadline with exactly one line and exports nothing, `token` exits 1 with one line,
/// AWS is not called for a token that has nowhere to go, and the keyring never tried to prompt.
/// With `auto` the same environments export a token from the file store and say nothing.
#[test]
fn an_unusable_keyring_never_prompts_and_costs_one_line() {
    require("gnome-keyring-daemon");
    let empty_runtime = tempfile::tempdir().unwrap();
    let nowhere = vec![(
        "DBUS_SESSION_BUS_ADDRESS".to_string(),
        "unix:path=/nonexistent/bus".to_string(),
    )];
    let no_bus = vec![(
        "XDG_RUNTIME_DIR".to_string(),
        empty_runtime.path().display().to_string(),
    )];
    type Case = (&'static str, Option<SecretService>, Vec<(String, String)>);
    let cases: Vec<Case> = vec![
        ("locked", Some(SecretService::locked()), vec![]),
        ("no keyring", Some(SecretService::without_keyring()), vec![]),
        ("bus only", Some(SecretService::bus_only()), vec![]),
        ("bus nowhere", None, nowhere),
        ("no bus", None, no_bus),
    ];
    for (what, ss, env) in cases {
        let standin = StandIn::start();
        let mut sb = setup(&standin);
        let pairs = ss.as_ref().map(SecretService::env).unwrap_or(env);
        for (k, v) in pairs {
            sb.set_env(&k, v);
        }
        sb.set_env("CA_ENV_STORE", "keyring");
        let (out, took) = timed(sb.command(PROJECT, &["export", "bash"]));
        assert_eq!(out.status.code(), Some(0), "{what}");
        assert!(took < HOOK_DEADLINE + MARGIN, "{what}: took {took:?}");
        one_line(&format!("{what}: export"), &out, &["ca-env login"]);
        exported_nothing(what, &out);

        let (out, took) = timed(sb.command(PROJECT, &["token", "corp"]));
        assert_eq!(out.status.code(), Some(1), "{what}: {}", stderr(&out));
        assert!(took < COMMAND_DEADLINE + MARGIN, "{what}: took {took:?}");
        one_line(&format!("{what}: token"), &out, &[]);
        assert_eq!(stdout(&out), "", "{what}");
        assert!(standin.calls().is_empty(), "{what}: AWS called");

        sb.set_env("CA_ENV_STORE", "auto");
        let (out, took) = timed(sb.command(PROJECT, &["export", "bash"]));
        assert!(took < HOOK_DEADLINE + MARGIN, "{what}: took {took:?}");
        assert_eq!(stderr(&out), "", "{what}");
        let t = standin.issued();
        assert_eq!(t.len(), 1, "{what}");
        assert!(stdout(&out).contains(&t[0]), "{what}: exported");
        if let Some(ss) = &ss {
            assert_eq!(ss.prompt_attempts(), 0, "{what}: {}", ss.logs());
            if what == "locked" {
                assert!(ss.is_locked());
            }
        }
    }
}

/// A session bus that takes the connection and never answers (a hung bus or Secret Service):
/// with `CA_ENV_STORE=keyring` the hook and `token` give up on the keyring within its 2 s,
/// each with one line, and AWS is not called for a token that would have nowhere to go.
#[test]
fn a_session_bus_that_never_answers_holds_neither_the_prompt_nor_a_command() {
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("bus");
    let listener = std::os::unix::net::UnixListener::bind(&socket).unwrap();
    std::thread::spawn(move || {
        // Every connection is kept open and hears nothing.
        let held: Vec<_> = listener.incoming().flatten().collect();
        drop(held);
    });
    let standin = StandIn::start();
    let mut sb = setup(&standin);
    sb.set_env(
        "DBUS_SESSION_BUS_ADDRESS",
        format!("unix:path={}", socket.display()),
    );
    sb.set_env("CA_ENV_STORE", "keyring");
    let (out, took) = timed(sb.command(PROJECT, &["export", "bash"]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(took < HOOK_DEADLINE + MARGIN, "export took {took:?}");
    one_line("export", &out, &["did not answer"]);
    exported_nothing("export", &out);

    let (out, took) = timed(sb.command(PROJECT, &["token", "corp"]));
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(took < COMMAND_DEADLINE + MARGIN, "token took {took:?}");
    one_line("token", &out, &["did not answer"]);
    assert!(standin.calls().is_empty(), "AWS called");
}

/// The strace command that makes every keyutils system call fail with EACCES (as a seccomp
/// policy refusing them does) around ca-env `args`.
fn keyutils_refused(sb: &Sandbox, keys: &KeyutilsSession, args: &[&str]) -> Command {
    require("strace");
    let mut strace = Command::new("strace");
    strace.args(["-f", "-qq", "-o", "/dev/null"]);
    for call in ["keyctl", "add_key", "request_key"] {
        strace.args(["-e", &format!("inject={call}:error=EACCES")]);
    }
    strace.arg(BIN).args(args);
    let mut cmd = sb.inside(strace, PROJECT);
    keys.apply(&mut cmd);
    cmd
}

/// Keyutils refused by the kernel inside a session keyring that otherwise works: with
/// `CA_ENV_STORE=keyutils` `token` exits 1 with one line and the hook says the same cause and
/// hint and exports nothing, without calling AWS; with `auto` the token goes to the file store, silently.
#[test]
fn keyutils_refused_by_the_kernel_costs_one_line_or_falls_back() {
    let standin = StandIn::start();
    let keys = KeyutilsSession::new();
    let mut sb = setup(&standin);
    sb.set_env("CA_ENV_STORE", "keyutils");

    let out = keyutils_refused(&sb, &keys, &["token", "corp"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    // The advice fits keyutils (no keyring to unlock), in `token` and in the hook alike.
    one_line(
        "token",
        &out,
        &["cannot store", "hint: set CA_ENV_STORE=auto"],
    );
    assert!(!stderr(&out).contains("unlock"), "{}", stderr(&out));
    assert_eq!(stdout(&out), "");
    let (out, took) = timed(keyutils_refused(&sb, &keys, &["export", "bash"]));
    assert_eq!(out.status.code(), Some(0));
    assert!(took < HOOK_DEADLINE + MARGIN, "took {took:?}");
    one_line("export", &out, &["keyutils", "hint: set CA_ENV_STORE=auto"]);
    exported_nothing("export", &out);
    assert!(
        standin.calls().is_empty(),
        "AWS called for nowhere to store"
    );

    sb.set_env("CA_ENV_STORE", "auto");
    let out = keyutils_refused(&sb, &keys, &["token", "corp"])
        .output()
        .unwrap();
    let token = ok(&out);
    assert_eq!(stderr(&out), "");
    let mut status = sb.command(PROJECT, &["status", "--json"]);
    keys.apply(&mut status);
    let v: serde_json::Value = serde_json::from_slice(&status.output().unwrap().stdout).unwrap();
    assert_eq!(v["sources"][0]["token"]["store"], "file", "{v}");
    assert_eq!(standin.issued(), [token]);

    // The control: without the injected refusal this session's keyutils holds tokens.
    sb.set_env("CA_ENV_STORE", "keyutils");
    let mut cmd = sb.command(PROJECT, &["login", "--force"]);
    keys.apply(&mut cmd);
    ok(&cmd.output().unwrap());
    assert!(keys
        .read_entry("ca-env", &keyutils_user(&standin))
        .is_some());
}

fn keyutils_user(standin: &StandIn) -> String {
    format!(
        "codeartifact:corp-111122223333:us-west-2::{}",
        standin.url().replace(':', "%3A")
    )
}

#[derive(Debug, Clone, Copy)]
enum Fault {
    NeverAnswers,
    Refused,
    Throttled,
    Internal,
}

/// AWS that never answers, a closed port, throttling and an internal error: the hook returns
/// within its deadline with one line and exports nothing (a second prompt in the project says
/// nothing more and, within the back-off, calls nothing); `token` and `login` exit with the
/// README's status (124 past the deadline, else 1) and one line, printing nothing.
#[test]
fn aws_that_hangs_refuses_or_throttles_costs_one_line_within_the_deadline() {
    let _alone = support::heavy();
    for fault in [
        Fault::NeverAnswers,
        Fault::Refused,
        Fault::Throttled,
        Fault::Internal,
    ] {
        let what = format!("{fault:?}");
        let standin = StandIn::start();
        let mut sb = setup(&standin);
        match fault {
            Fault::NeverAnswers => standin.delay(Duration::from_secs(60)),
            Fault::Refused => sb.set_env("AWS_ENDPOINT_URL_CODEARTIFACT", closed_port()),
            Fault::Throttled => standin.fail_next(100, Failure::Throttling),
            Fault::Internal => standin.fail_next(100, Failure::Internal),
        }
        let (out, took) = timed(sb.command(PROJECT, &["export", "bash"]));
        assert_eq!(out.status.code(), Some(0), "{what}");
        assert!(
            took < HOOK_DEADLINE + MARGIN,
            "{what}: export took {took:?}"
        );
        let expect = match fault {
            Fault::NeverAnswers => "still fetching",
            Fault::Refused => "Connection refused",
            Fault::Throttled => "ThrottlingException",
            Fault::Internal => "InternalServerException",
        };
        one_line(&what, &out, &[expect]);
        exported_nothing(&what, &out);

        if !matches!(fault, Fault::NeverAnswers) {
            // The next prompt of that shell: the failure is remembered and was said.
            let calls = standin.calls().len();
            let state = shell_state(&out);
            let mut next = sb.command(PROJECT, &["export", "bash"]);
            next.env("__CA_ENV_STATE", state);
            let out = next.output().unwrap();
            assert_eq!(stderr(&out), "", "{what}: said again");
            exported_nothing(&what, &out);
            assert_eq!(
                standin.calls().len(),
                calls,
                "{what}: called within back-off"
            );
            // A new shell: told once itself, still without a call.
            let out = sb.run(PROJECT, &["export", "bash"]);
            one_line(&what, &out, &[expect, "ca-env login"]);
            assert_eq!(
                standin.calls().len(),
                calls,
                "{what}: called within back-off"
            );
        }

        let status = match fault {
            Fault::NeverAnswers => 124,
            _ => 1,
        };
        for args in [&["token", "corp"][..], &["login", "--force"]] {
            let (out, took) = timed(sb.command(PROJECT, args));
            assert_eq!(
                out.status.code(),
                Some(status),
                "{what} {args:?}: {}",
                stderr(&out)
            );
            assert!(
                took < COMMAND_DEADLINE + MARGIN,
                "{what} {args:?}: took {took:?}"
            );
            let label = format!("{what} {args:?}");
            one_line(&label, &out, &[]);
            let err = stderr(&out);
            match fault {
                // Past the deadline in its own call, or waiting for the hook's refresh.
                Fault::NeverAnswers => assert!(
                    err.contains("within") || err.contains("at the deadline"),
                    "{label}: {err}"
                ),
                _ => assert!(err.contains(expect), "{label}: {err}"),
            }
            assert_eq!(stdout(&out), "", "{what} {args:?}");
        }
    }
}

/// The `__CA_ENV_STATE` value an `export bash` set (bash single-quoted, `'\''` for a quote).
fn shell_state(out: &Output) -> String {
    let text = stdout(out);
    let line = text
        .lines()
        .find(|l| l.starts_with("\\builtin export __CA_ENV_STATE="))
        .unwrap_or_else(|| panic!("no state in {text}"));
    let quoted = line
        .trim_start_matches("\\builtin export __CA_ENV_STATE=")
        .trim_end_matches(';');
    quoted
        .trim_start_matches('\'')
        .trim_end_matches('\'')
        .replace("'\\''", "'")
}

// ---------------------------------------------------------------------------------------------
// 5. Clock and expiry

/// README "Freshness": two minutes left is "expiring", never "valid": the stored token is still
/// exported while exactly one background refresh renews it. Less than a minute left is
/// "expired": the hook fetches first and exports the new token, within its deadline.
#[test]
fn two_minutes_left_is_renewed_behind_the_prompt_and_under_a_minute_is_fetched_first() {
    let standin = StandIn::start();
    let sb = setup(&standin);
    ok(&sb.run(PROJECT, &["login"]));
    let first = standin.issued().remove(0);

    sb.age_entry(120);
    assert_eq!(
        sb.status(PROJECT)["sources"][0]["token"]["state"],
        "expiring"
    );
    let (out, took) = timed(sb.command(PROJECT, &["export", "bash"]));
    assert!(took < HOOK_DEADLINE + MARGIN, "took {took:?}");
    assert_eq!(stderr(&out), "");
    assert!(stdout(&out).contains(&first), "the stored token is used");
    wait_for("the background refresh", Duration::from_secs(10), || {
        standin.ok_calls() == 2 && sb.status(PROJECT)["sources"][0]["token"]["state"] == "valid"
    });
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(standin.calls().len(), 2, "exactly one background refresh");
    let second = standin.issued().remove(1);

    sb.age_entry(59);
    assert_eq!(
        sb.status(PROJECT)["sources"][0]["token"]["state"],
        "expired"
    );
    let (out, took) = timed(sb.command(PROJECT, &["export", "bash"]));
    assert!(took < HOOK_DEADLINE + MARGIN, "took {took:?}");
    assert_eq!(stderr(&out), "");
    let third = standin.issued();
    assert_eq!(third.len(), 3, "fetched first");
    assert!(
        stdout(&out).contains(&third[2]),
        "the new token is exported"
    );
    assert!(
        !stdout(&out).contains(&second),
        "not the one about to expire"
    );
}

/// The environment that runs a process under libfaketime with the wall clock `offset` away
/// (the monotonic clock is left alone, as a wrong wall clock leaves it).
fn faketime_env(offset: &str) -> Vec<(String, String)> {
    require("faketime");
    // The wrapper sets up shared memory first, which has failed once in a while under a
    // loaded test run: a second try, and what it said, before giving up.
    let ask = || {
        Command::new("faketime")
            .args(["-f", "+0", "sh", "-c", "printf %s \"$LD_PRELOAD\""])
            .output()
            .unwrap()
    };
    let mut out = ask();
    if !stdout(&out).contains("faketime") {
        out = ask();
    }
    let preload = stdout(&out);
    assert!(
        preload.contains("faketime"),
        "faketime's library: {preload:?} ({:?}: {})",
        out.status,
        stderr(&out)
    );
    vec![
        ("LD_PRELOAD".into(), preload),
        ("FAKETIME".into(), offset.into()),
        ("FAKETIME_DONT_FAKE_MONOTONIC".into(), "1".into()),
    ]
}

/// A clock 13 hours ahead or behind. Ahead, the stored token looks expired and AWS rejects the
/// skewed signature (as AWS does past 15 minutes): N fresh shells and N prompts of one shell
/// make at most one call, the failure is remembered, each shell says one line and exports
/// nothing. Behind, the stored token still looks fresh: no call, exported. Once the clock is
/// right again, a failure remembered "in the future" does not stop the next refresh for hours:
/// back-off is at most 15 minutes.
#[test]
fn a_clock_thirteen_hours_off_makes_at_most_one_call() {
    const N: usize = 5;
    let standin = StandIn::start();
    let mut sb = setup(&standin);
    ok(&sb.run(PROJECT, &["login"]));
    let first = standin.issued().remove(0);
    let real = sb.extra_env.clone();

    for (k, v) in faketime_env("-13h") {
        sb.set_env(&k, v);
    }
    for i in 0..N {
        let out = sb.run(PROJECT, &["export", "bash"]);
        assert_eq!(stderr(&out), "", "behind, prompt {i}");
        assert!(stdout(&out).contains(&first), "behind, prompt {i}");
    }
    assert_eq!(standin.calls().len(), 1, "behind: no call");

    for (k, v) in faketime_env("+13h") {
        sb.set_env(&k, v);
    }
    // Whether the library works: `date` says tomorrow.
    let mut date = Command::new("date");
    date.arg("+%s");
    let shown: i64 = stdout(&sb.inside(date, "").output().unwrap())
        .trim()
        .parse()
        .unwrap();
    assert!((shown - support::now() - 13 * 3600).abs() < 60, "{shown}");
    for i in 0..N {
        let (out, took) = timed(sb.command(PROJECT, &["export", "bash"]));
        assert!(took < HOOK_DEADLINE + MARGIN, "ahead, shell {i}: {took:?}");
        one_line(&format!("ahead, shell {i}"), &out, &["ca-env login"]);
        exported_nothing(&format!("ahead, shell {i}"), &out);
    }
    let calls = standin.calls();
    assert!(calls.len() <= 2, "ahead: at most one call: {}", calls.len());
    // One interactive bash under the same clock: N prompts that each run an export.
    let mut sh = Interactive::start(
        Kind::Bash,
        &sb.env_pairs(),
        &sb.home(),
        &hook_line(Kind::Bash),
    );
    let mut shown = sh.run(&format!("cd {PROJECT}"));
    for _ in 0..N {
        shown.push_str(&sh.run("echo >> pyproject.toml"));
    }
    assert_eq!(said_lines(&shown).len(), 1, "{shown}");
    assert_eq!(sh.var(PASS), None);
    drop(sh);
    assert_eq!(standin.calls().len(), calls.len(), "ahead: remembered");
    if calls.len() == 2 {
        assert_eq!(
            calls[1].status, 403,
            "rejected as AWS rejects a skewed signature"
        );
    }

    // The clock put right, the token really expiring: the next refresh calls AWS.
    sb.extra_env = real;
    sb.age_entry(30);
    let (out, took) = timed(sb.command(PROJECT, &["export", "bash"]));
    assert!(took < HOOK_DEADLINE + MARGIN, "took {took:?}");
    assert_eq!(
        stderr(&out),
        "",
        "a failure from 13 hours ahead is not remembered"
    );
    let t = standin.issued();
    assert_eq!(t.len(), 2);
    assert!(stdout(&out).contains(&t[1]));
}

// ---------------------------------------------------------------------------------------------
// 6. Concurrency

/// Twenty `export bash` at once (twenty shells at one prompt), at expiry and then near it: one
/// AWS call each time, and every shell exports the same token.
#[test]
fn twenty_shells_at_expiry_make_one_aws_call() {
    let _alone = support::heavy();
    let standin = StandIn::start();
    let sb = Sandbox::for_tokens(&standin, "file");
    sb.write_config("[trust]\nowners = [\"111122223333\"]\n[defaults]\nhook_deadline = \"10s\"\n");
    ok(&sb.run(PROJECT, &["login"]));
    let twenty = |sb: &Sandbox| -> Vec<Output> {
        std::thread::scope(|scope| {
            let handles: Vec<_> = (0..20)
                .map(|_| scope.spawn(|| sb.run(PROJECT, &["export", "bash"])))
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        })
    };

    standin.delay(Duration::from_millis(300));
    sb.age_entry(30);
    let outs = twenty(&sb);
    let t = standin.issued();
    assert_eq!(t.len(), 2, "one call for twenty shells at expiry");
    for out in &outs {
        assert_eq!(stderr(out), "");
        assert!(stdout(out).contains(&t[1]));
    }

    sb.age_entry(600);
    let outs = twenty(&sb);
    for out in &outs {
        assert_eq!(stderr(out), "");
        assert!(stdout(out).contains(&t[1]), "the expiring token is used");
    }
    wait_for("the background refresh", Duration::from_secs(10), || {
        standin.ok_calls() == 3
    });
    std::thread::sleep(Duration::from_secs(1));
    assert_eq!(
        standin.calls().len(),
        3,
        "one background refresh for twenty shells"
    );
}

/// A background refresh (`__refresh`) or a `login` killed with SIGKILL in the middle of the AWS
/// call, holding the entry's lock: the next hook gets a token within its deadline and the next
/// `token` within its own, and no failure is remembered. (`token` killed the same way:
/// tests/it/tokens.rs `a_lock_holder_killed_does_not_block_the_next`.)
#[test]
fn a_refresher_killed_mid_fetch_leaves_no_stuck_lock() {
    let refresh: &[&str] = &support::REFRESH;
    for args in [refresh, &["login", "--force"]] {
        let standin = StandIn::start();
        let sb = setup(&standin);
        standin.delay(Duration::from_secs(30));
        let mut child = sb
            .command(PROJECT, args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        wait_for("the call", Duration::from_secs(10), || {
            !standin.calls().is_empty()
        });
        child.kill().unwrap();
        child.wait().unwrap();
        standin.delay(Duration::ZERO);

        let (out, took) = timed(sb.command(PROJECT, &["export", "bash"]));
        assert!(took < HOOK_DEADLINE + MARGIN, "{args:?}: took {took:?}");
        assert_eq!(stderr(&out), "", "{args:?}");
        // The killed call may still have been answered (into a closed connection).
        let t = standin.issued();
        assert!(!t.is_empty() && t.len() <= 2, "{args:?}: {}", t.len());
        let last = t.last().unwrap();
        assert!(stdout(&out).contains(last.as_str()), "{args:?}");
        let (out, took) = timed(sb.command(PROJECT, &["token", "corp"]));
        assert_eq!(&ok(&out), last, "{args:?}");
        assert_eq!(
            standin.issued().len(),
            t.len(),
            "{args:?}: served from the store"
        );
        assert!(took < COMMAND_DEADLINE + MARGIN, "{args:?}: took {took:?}");
        assert_eq!(sb.status(PROJECT)["problems"], serde_json::json!([]));
    }
}

// ---------------------------------------------------------------------------------------------
// 8. Leaks

fn base64(bytes: &[u8], alphabet: &[u8; 64], pad: bool) -> String {
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..=chunk.len() {
            out.push(alphabet[(n >> (18 - 6 * i) & 63) as usize] as char);
        }
        if pad {
            out.push_str(&"=".repeat(3 - chunk.len()));
        }
    }
    out
}

const STD: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const URL: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// Every form a token could leak in: as it is, percent-encoded, base64 (standard and URL-safe,
/// alone and as the `aws:TOKEN` of a basic-auth header).
fn forms(token: &str) -> Vec<String> {
    let pct: String = token
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    let basic = format!("aws:{token}");
    vec![
        token.to_string(),
        pct,
        base64(token.as_bytes(), STD, true),
        base64(token.as_bytes(), URL, false),
        base64(basic.as_bytes(), STD, true),
    ]
}

/// Interactive bash (`set -x`), zsh (`xtrace`) and fish (`fish_trace`) with `CA_ENV_LOG=debug`
/// and `RUST_LOG=trace`, every ca-env they run under `strace -f -y -s 100000` (execve, write,
/// writev, pwrite64, sendto, sendmsg), through entering, a background refresh, leaving and
/// entering again: no form of any token (raw, percent-encoded, base64) in the terminal, in any
/// process's argv, in any write but the export's stdout and the store's own entry files, in
/// `refresh.log`, `__CA_ENV_STATE` or any other file. Extends tests/it/tokens.rs
/// `no_token_leaks_into_stderr_logs_argv_or_files` (commands, not shells) to the shells'
/// tracing, every system call that writes, and the encoded forms.
#[test]
fn no_token_in_traced_shells_syscalls_logs_or_state() {
    require("strace");
    for kind in Kind::ALL {
        let standin = StandIn::start();
        // Characters that percent-encoding and base64 change.
        standin.token_suffix("+/=@:%~");
        let mut sb = setup(&standin);
        sb.write(
            &format!("{PROJECT}/pip.conf"),
            &format!("[global]\nindex-url = {}\n", support::CA),
        );
        sb.set_env("CA_ENV_LOG", "debug");
        sb.set_env("RUST_LOG", "trace");
        let traces = sb.path().join("traces");
        fs::create_dir_all(&traces).unwrap();
        let wrapper = sb.path().join("traced-ca-env");
        write_executable(
            &wrapper,
            &format!(
                "#!/bin/sh\nexec strace -f -qq -y -s 100000 -e trace=execve,write,writev,pwrite64,sendto,sendmsg -o '{}'/$$.log '{BIN}' \"$@\"\n",
                traces.display()
            ),
        );
        let (trace_on, use_wrapper) = match kind {
            Kind::Bash => ("set -x", format!("_ca_env_bin='{}'", wrapper.display())),
            Kind::Zsh => (
                "setopt xtrace",
                format!("_ca_env_bin='{}'", wrapper.display()),
            ),
            Kind::Fish => (
                "set -g fish_trace 1",
                format!("set -g _ca_env_bin '{}'", wrapper.display()),
            ),
        };
        let init = format!("{}\n{use_wrapper}\n{trace_on}\n", hook_line(kind));
        let mut sh = Interactive::start(kind, &sb.env_pairs(), &sb.home(), &init);
        let mut screen = sh.run(&format!("cd {PROJECT}"));
        assert_eq!(standin.issued().len(), 1, "{kind:?}: {}", sh.transcript());
        sb.age_entry(600);
        screen.push_str(&sh.run("echo >> pyproject.toml"));
        wait_for("the background refresh", Duration::from_secs(15), || {
            standin.ok_calls() == 2
        });
        std::thread::sleep(Duration::from_millis(500));
        screen.push_str(&sh.run(":"));
        screen.push_str(&sh.run("cd .."));
        screen.push_str(&sh.run(&format!("cd {PROJECT}")));
        let state = sh.var("__CA_ENV_STATE").expect("the state is exported");
        let pip = sh.var("PIP_INDEX_URL").expect("PIP_INDEX_URL is set");
        drop(sh);

        let tokens = standin.issued();
        assert_eq!(tokens.len(), 2, "{kind:?}");
        let mut all_forms: Vec<String> = tokens.iter().flat_map(|t| forms(t)).collect();
        // The form ca-env itself percent-encodes into URLs, whatever its rule.
        let userinfo = pip
            .split_once("aws:")
            .and_then(|(_, r)| r.split_once('@'))
            .map(|(u, _)| u.to_string())
            .expect("credentials in the URL");
        assert_ne!(userinfo, tokens[1], "{kind:?}: the URL's token is encoded");
        all_forms.push(userinfo);
        let refresh_log =
            fs::read_to_string(sb.state_dir().join("ca-env/refresh.log")).unwrap_or_default();
        let index = fs::read_to_string(sb.state_dir().join("ca-env/tokens.json")).unwrap();
        for f in &all_forms {
            assert!(
                !screen.contains(f.as_str()),
                "{kind:?}: {f} on the terminal"
            );
            assert!(!state.contains(f.as_str()), "{kind:?}: {f} in the state");
            assert!(
                !refresh_log.contains(f.as_str()),
                "{kind:?}: {f} in refresh.log"
            );
            assert!(!index.contains(f.as_str()), "{kind:?}: {f} in the index");
        }

        let mut seen_export = false;
        let mut seen_refresh = false;
        for entry in fs::read_dir(&traces).unwrap() {
            let text = fs::read_to_string(entry.unwrap().path()).unwrap();
            seen_refresh |= text.contains("\"__refresh\"");
            for line in text.lines() {
                let Some(f) = all_forms.iter().find(|f| line.contains(f.as_str())) else {
                    continue;
                };
                // The shell code on the export's stdout, and the store writing its entry.
                let to_shell = line.contains(" write(1<pipe:");
                let to_store = line.contains("/ca-env/secrets/");
                seen_export |= to_shell;
                assert!(
                    to_shell || to_store,
                    "{kind:?}: {f} in a system call: {}",
                    &line[..line.len().min(300)]
                );
            }
        }
        assert!(seen_export, "{kind:?}: the traces show the export's output");
        assert!(seen_refresh, "{kind:?}: the background refresh was traced");
        // Files: none but the store's entries holds a token in any form.
        let mut stack = vec![sb.path().to_path_buf()];
        while let Some(p) = stack.pop() {
            if p == traces || p.ends_with("secrets") {
                continue;
            }
            if p.is_dir() {
                stack.extend(fs::read_dir(&p).unwrap().map(|e| e.unwrap().path()));
            } else if let Ok(bytes) = fs::read(&p) {
                let text = String::from_utf8_lossy(&bytes);
                for f in &all_forms {
                    assert!(
                        !text.contains(f.as_str()),
                        "{kind:?}: {f} in {}",
                        p.display()
                    );
                }
            }
        }
    }
}

/// Lets the command dump core as far as limits go (`ulimit -c unlimited`).
fn allow_core(cmd: &mut Command) -> &mut Command {
    // SAFETY: setrlimit is async-signal-safe and the value is prepared beforehand.
    unsafe {
        cmd.pre_exec(|| {
            let unlimited = libc::rlimit {
                rlim_cur: libc::RLIM_INFINITY,
                rlim_max: libc::RLIM_INFINITY,
            };
            if libc::setrlimit(libc::RLIMIT_CORE, &unlimited) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        })
    }
}

fn core_files(dir: &Path) -> Vec<PathBuf> {
    fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("core"))
        })
        .collect()
}

/// A ca-env that crashes (SIGABRT, as an abort or a stack overflow ends it) with
/// `ulimit -c unlimited`, in the middle of an AWS call and while writing a token it holds,
/// writes no core file: the kernel reports no dump and none is in its directory. The control
/// (`sleep`, killed the same way) shows this machine would have written one.
#[test]
fn a_crash_holding_a_token_writes_no_core_file() {
    require("strace");
    let control_dir = tempfile::tempdir().unwrap();
    let mut sleep = Command::new("sleep");
    sleep.arg("30").current_dir(control_dir.path());
    let mut child = allow_core(&mut sleep).spawn().unwrap();
    std::thread::sleep(Duration::from_millis(100));
    // SAFETY: signalling our own child.
    unsafe { libc::kill(child.id() as i32, libc::SIGABRT) };
    let status = child.wait().unwrap();
    assert!(
        status.core_dumped(),
        "this machine must dump core for the test to mean anything (core_pattern {:?})",
        fs::read_to_string("/proc/sys/kernel/core_pattern")
    );

    let standin = StandIn::start();
    let sb = setup(&standin);
    let cwd = sb.home().join(PROJECT);
    standin.delay(Duration::from_secs(30));
    let mut cmd = sb.command(PROJECT, &["token", "corp"]);
    cmd.stdout(Stdio::null()).stderr(Stdio::null());
    let mut child = allow_core(&mut cmd).spawn().unwrap();
    wait_for("the call", Duration::from_secs(10), || {
        !standin.calls().is_empty()
    });
    // SAFETY: signalling our own child.
    unsafe { libc::kill(child.id() as i32, libc::SIGABRT) };
    let status = child.wait().unwrap();
    assert_eq!(status.signal(), Some(libc::SIGABRT));
    assert!(!status.core_dumped(), "ca-env dumped core mid-fetch");
    assert_eq!(core_files(&cwd), Vec::<PathBuf>::new());

    // Holding a token: killed on its first write, which prints it.
    standin.delay(Duration::ZERO);
    ok(&sb.run(PROJECT, &["login"]));
    // Once before, so the export's first write is its output, not its new shell key.
    ok(&sb.run(PROJECT, &["export", "bash"]));
    for args in [&["token", "corp"][..], &["export", "bash"]] {
        let log = sb.path().join("crash.log");
        let mut strace = Command::new("strace");
        strace
            .args(["-qq", "-s", "100000", "-e", "trace=write", "-o"])
            .arg(&log)
            .args(["-e", "inject=write:signal=SIGABRT:when=1"])
            .arg(BIN)
            .args(args);
        let mut cmd = sb.inside(strace, PROJECT);
        let out = allow_core(&mut cmd).output().unwrap();
        let trace = fs::read_to_string(&log).unwrap();
        let token = &standin.issued()[1];
        assert!(
            trace.contains(token.as_str()),
            "{args:?}: crashed writing the token: {trace}"
        );
        assert!(trace.contains("killed by SIGABRT"), "{args:?}: {trace}");
        assert!(!trace.contains("core dumped"), "{args:?}: {trace}");
        assert_eq!(out.status.signal(), Some(libc::SIGABRT), "{args:?}");
        assert_eq!(core_files(&cwd), Vec::<PathBuf>::new(), "{args:?}");
    }
}

// ---------------------------------------------------------------------------------------------
// 9. Nothing lost

/// Enter/leave cycles driven in one non-interactive bash, each running `ca-env export` twice.
/// With the debug binary a cycle takes about 18 ms, so this test takes about 3 minutes: the
/// longest of the suite, kept whole because growth of a few bytes per cycle must show.
const CYCLES: usize = 10_000;

/// Every exported variable's length (and every `_ca_env_*` shell variable's, and
/// `PROMPT_COMMAND`'s) is the same after the first leave, at the midpoint and at the end, and
/// likewise inside the project; the user's own earlier values come back exactly.
#[test]
fn thousands_of_enter_leave_cycles_keep_every_variable_the_same_length() {
    let standin = StandIn::start();
    let sb = setup(&standin);
    let script = format!(
        r#"
snap() {{
  local n v
  # OLDPWD is bash's own (where the last cd came from), not something ca-env keeps.
  for n in $(compgen -e | grep -vx OLDPWD) $(compgen -v _ca_env_) PROMPT_COMMAND; do
    v=$(declare -p "$n" 2>/dev/null)
    printf '%s %s %s\n' "$1" "$n" "${{#v}}"
  done
}}
export {PASS}='the user'"'"'s own' {USER}=
eval "$('{BIN}' hook bash)"
snap before
for ((i = 1; i <= {CYCLES}; i++)); do
  cd {PROJECT}; _ca_env_hook
  if ((i == 1 || i == {CYCLES} / 2 || i == {CYCLES})); then snap in$i; fi
  cd ..; _ca_env_hook
  if ((i == 1 || i == {CYCLES} / 2 || i == {CYCLES})); then snap out$i; fi
done
printf 'value %s|%s|%s\n' "${{{PASS}}}" "${{{USER}-unset}}" "${{{SHARED}-unset}}"
"#
    );
    let mut bash = Command::new("bash");
    bash.args(["--norc", "--noprofile", "-c", &script]);
    let t0 = Instant::now();
    let out = sb.inside(bash, "").output().unwrap();
    let took = t0.elapsed();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stderr(&out), "");
    let text = stdout(&out);
    assert!(
        text.contains("value the user's own||unset\n"),
        "earlier values back: {text}"
    );
    let snap = |tag: &str| -> Vec<(String, String)> {
        text.lines()
            .filter_map(|l| l.strip_prefix(&format!("{tag} ")))
            .filter_map(|l| l.split_once(' '))
            .map(|(n, len)| (n.to_string(), len.to_string()))
            .collect()
    };
    let mid = CYCLES / 2;
    for side in ["in", "out"] {
        let first = snap(&format!("{side}1"));
        assert!(first.len() > 5, "{side}: {text}");
        assert!(first.iter().any(|(n, _)| n == "__CA_ENV_STATE"));
        assert_eq!(first, snap(&format!("{side}{mid}")), "{side}: midpoint");
        assert_eq!(first, snap(&format!("{side}{CYCLES}")), "{side}: end");
    }
    // Leaving gives back the environment as it was before the first enter, but for the state.
    let before: Vec<_> = snap("before")
        .into_iter()
        .filter(|(n, _)| n != "__CA_ENV_STATE" && n != "PWD" && !n.starts_with("_ca_env_"))
        .collect();
    let after: Vec<_> = snap("out1")
        .into_iter()
        .filter(|(n, _)| n != "__CA_ENV_STATE" && n != "PWD" && !n.starts_with("_ca_env_"))
        .collect();
    // (PWD left out: the test starts bash with a trailing slash in it.)
    assert_eq!(before, after);
    assert_eq!(standin.calls().len(), 1, "one token for every cycle");
    eprintln!("{CYCLES} enter/leave cycles took {took:?}");
}

/// A 120 KiB value with every character JSON and shells escape, in a variable ca-env manages
/// and in one it does not: entering, running commands inside (the shell, `ca-env exec`), and
/// leaving never fail with E2BIG ("Argument list too long"), and both values come back exactly.
/// (Kept in the exported state, the earlier value made every command fail: ca-env now leaves a
/// variable whose earlier value is too long to keep as the user set it.)
#[test]
fn a_120_kib_variable_causes_no_e2big_and_comes_back_exactly() {
    let standin = StandIn::start();
    let sb = setup(&standin);
    let unit = "a\"b\\c'd$e`f\u{1}g\th\n";
    let big: String = unit.repeat(120 * 1024 / unit.len());
    let values = sb.path().join("values");
    fs::create_dir_all(&values).unwrap();
    fs::write(values.join("big"), &big).unwrap();
    let v = values.display();
    let script = format!(
        r#"
set -e
export {PASS}="$(cat '{v}/big'; printf x)"; {PASS}=${{{PASS}%x}}
export UNRELATED_BIG="${PASS}"
eval "$('{BIN}' hook bash)"
cd {PROJECT}; _ca_env_hook
env > /dev/null
'{BIN}' exec -- sh -c 'printf %s "$UNRELATED_BIG"' > '{v}/inside-exec'
printf %s "${PASS}" > '{v}/inside'
printf %s "${SHARED}" > '{v}/inside-shared'
cd ..; _ca_env_hook
env > /dev/null
printf %s "${PASS}" > '{v}/after'
printf %s "$UNRELATED_BIG" > '{v}/after-unrelated'
echo done
"#
    );
    let mut bash = Command::new("bash");
    bash.args(["--norc", "--noprofile", "-c", &script]);
    let out = sb.inside(bash, "").output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), "done\n");
    assert!(
        !stderr(&out).contains("Argument list too long"),
        "{}",
        stderr(&out)
    );
    let read = |name: &str| fs::read_to_string(values.join(name)).unwrap();
    assert!(
        read("after") == big,
        "the managed variable came back exactly"
    );
    assert!(read("after-unrelated") == big, "the other one too");
    assert!(read("inside-exec") == big, "exec carried it");
    // Too long to keep in the state, the user's value is left alone inside too; the other
    // variables carry the token.
    assert!(read("inside") == big, "the managed variable was left alone");
    let t = standin.issued();
    assert_eq!(read("inside-shared"), t[0], "the token was set inside");
}

/// `dotenv -o` over an existing file when the disk is full (every write, or the sync, fails
/// with ENOSPC): exit 1 with one line, the original file intact, no temporary file left. (A
/// symlink to ~/.bashrc and a tracked file: tests/it/exec_dotenv.rs.)
#[test]
fn dotenv_on_a_full_disk_leaves_the_original_intact() {
    require("strace");
    let standin = StandIn::start();
    let sb = setup(&standin);
    let dir = sb.home().join(PROJECT);
    // A file ca-env wrote earlier (one holding the user's own lines is refused before any
    // write: tests/it/exec_dotenv.rs).
    let original = "POETRY_HTTP_BASIC_CORP_PASSWORD=the-last-token\n";
    ok(&sb.run(PROJECT, &["login"]));
    for inject in ["write:error=ENOSPC:when=1", "fsync:error=ENOSPC"] {
        let target = dir.join(".env.ca");
        fs::write(&target, original).unwrap();
        let before: Vec<_> = fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        let mut strace = Command::new("strace");
        strace
            .args(["-qq", "-o", "/dev/null", "-e"])
            .arg(format!("inject={inject}"))
            .arg(BIN)
            .args(["dotenv", "-o", ".env.ca"]);
        let out = sb.inside(strace, PROJECT).output().unwrap();
        assert_eq!(out.status.code(), Some(1), "{inject}: {}", stderr(&out));
        one_line(inject, &out, &["cannot write", ".env.ca"]);
        assert_eq!(fs::read_to_string(&target).unwrap(), original, "{inject}");
        let after: Vec<_> = fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        assert_eq!(before, after, "{inject}: a temporary file was left");
    }
}

/// The runtime directory `su` or a long-lived tmux server leaves behind: gone, another user's,
/// or read-only. As root and as `nobody`, under `umask 000`: the netrc goes to the state
/// directory, nothing is created where the runtime directory was named, and every directory
/// ca-env makes (the state directory's missing parents included) is 0700, the file 0600.
#[test]
fn a_stale_runtime_directory_falls_back_to_private_state_under_any_umask() {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let top = tempfile::tempdir().unwrap();
    fs::set_permissions(top.path(), fs::Permissions::from_mode(0o755)).unwrap();
    let foreign = top.path().join("run-foreign");
    fs::create_dir(&foreign).unwrap();
    fs::set_permissions(&foreign, fs::Permissions::from_mode(0o700)).unwrap();
    for (who, uid) in [("root", 0), ("nobody", 65534)] {
        let home = top.path().join(who);
        let project = home.join("p");
        fs::create_dir_all(&project).unwrap();
        fs::write(
            project.join("requirements.txt"),
            format!("--index-url {}\n", support::CA),
        )
        .unwrap();
        fs::create_dir_all(home.join(".config/ca-env")).unwrap();
        fs::write(
            home.join(".config/ca-env/config.toml"),
            "[trust]\nowners = [\"111122223333\"]\n",
        )
        .unwrap();
        let chown = Command::new("chown")
            .args(["-R", &format!("{uid}:{uid}")])
            .arg(&home)
            .status()
            .unwrap();
        assert!(chown.success());
        // Root's runtime directory is another user's to nobody; nobody's is another's to root.
        let owner = if uid == 0 { 65534 } else { 0 };
        std::os::unix::fs::chown(&foreign, Some(owner), Some(owner)).unwrap();
        let gone = top.path().join(format!("run-{who}/user/{uid}"));
        for runtime in [&gone, &foreign] {
            let mut cmd = Command::new("setpriv");
            cmd.args([
                &format!("--reuid={uid}"),
                &format!("--regid={uid}"),
                "--clear-groups",
                "sh",
                "-c",
                "umask 000; exec \"$0\" exec -- sh -c 'printf %s \"$NETRC\"'",
                BIN,
            ])
            .current_dir(&project)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", &home)
            .env("PWD", &project)
            .env("XDG_RUNTIME_DIR", runtime)
            .env("CODEARTIFACT_AUTH_TOKEN", "eyJ-a-token-of-the-users")
            .env("AWS_EC2_METADATA_DISABLED", "true");
            let what = format!("{who}, XDG_RUNTIME_DIR={}", runtime.display());
            let out = bounded::run(cmd, &what);
            assert_eq!(out.code, Some(0), "{what}: {}", out.stderr);
            assert_eq!(out.stderr, "", "{what}");
            let state = home.join(".local/state/ca-env/netrc");
            assert!(
                out.stdout.starts_with(&state.display().to_string()),
                "{what}: {}",
                out.stdout
            );
            let file = fs::metadata(&out.stdout).unwrap();
            assert_eq!(file.mode() & 0o777, 0o600, "{what}");
            assert_eq!(file.uid(), uid, "{what}");
            for dir in [
                ".local",
                ".local/state",
                ".local/state/ca-env",
                ".local/state/ca-env/netrc",
            ] {
                let mode = fs::metadata(home.join(dir)).unwrap().mode() & 0o777;
                assert_eq!(mode, 0o700, "{what}: {dir}");
            }
            assert!(!top.path().join(format!("run-{who}")).exists(), "{what}");
            assert_eq!(fs::read_dir(&foreign).unwrap().count(), 0, "{what}");
        }
    }
}

/// How the state directory is broken for one command.
#[derive(Debug, Clone, Copy)]
enum Disk {
    /// A tmpfs holding what was there, filled to the last byte: writes fail with ENOSPC.
    Full,
    /// Bind-mounted read-only: writes fail with EROFS (as root, where chmod would not stop them).
    ReadOnly,
}

/// `ca-env args` in the project, inside a private mount namespace where the sandbox's state
/// directory is `disk`.
fn on_broken_disk(sb: &Sandbox, disk: Disk, args: &[&str]) -> Output {
    require("unshare");
    let state = sb.state_dir();
    let saved = sb.path().join("state-saved");
    let _ = fs::remove_dir_all(&saved);
    fs::create_dir_all(&saved).unwrap();
    let script = match disk {
        Disk::Full => {
            "cp -a \"$S/.\" \"$T/\" && mount -t tmpfs -o size=256k tmpfs \"$S\" && cp -a \"$T/.\" \"$S/\" \
             && { dd if=/dev/zero of=\"$S/filler\" bs=4k 2>/dev/null; true; } && exec \"$@\""
        }
        Disk::ReadOnly => "mount --bind \"$S\" \"$S\" && mount -o remount,ro,bind \"$S\" && exec \"$@\"",
    };
    let mut cmd = Command::new("unshare");
    cmd.args(["-rm", "sh", "-c", script, "sh", BIN])
        .args(args)
        .env("S", &state)
        .env("T", &saved);
    let mut cmd = sb.inside(cmd, PROJECT);
    cmd.env("S", &state).env("T", &saved);
    cmd.output().unwrap()
}

/// A full or read-only disk under the state directory: `token` (file store), `login` and the
/// hook each say one line with the cause in plain words, the directory or file that matters
/// (never a temporary file's name or an errno) and a hint that fits, never "run 'ca-env login'"
/// nor "set CA_ENV_STORE=file" (it is the file store already).
#[test]
fn a_full_or_read_only_disk_is_named_with_a_hint_that_fits() {
    let standin = StandIn::start();
    let sb = setup(&standin);
    // The shell key exists already, as it does after the first prompt anywhere.
    ok(&sb.run("", &["export", "bash"]));
    let state = sb.state_dir().join("ca-env");
    let secrets = state.join("secrets").display().to_string();
    let state_s = state.display().to_string();
    let allowed = state.join("allowed").display().to_string();
    for (disk, cause, hint) in [
        (
            Disk::Full,
            "the disk is full",
            "free some space on the disk holding",
        ),
        (Disk::ReadOnly, "the file system is read-only", "writable"),
    ] {
        let checks = |what: &str, out: &Output, place: &str| {
            one_line(what, out, &[cause, place, hint]);
            let err = stderr(out);
            for wrong in [
                "ca-env/.tmp",
                "secrets/.tmp",
                "os error",
                "CA_ENV_STORE=file",
                "ca-env login",
            ] {
                assert!(!err.contains(wrong), "{disk:?} {what}: {wrong:?} in {err}");
            }
        };
        let out = on_broken_disk(&sb, disk, &["token", "corp"]);
        assert_eq!(out.status.code(), Some(1), "{disk:?}: {}", stderr(&out));
        checks("token", &out, &secrets);
        assert_eq!(stdout(&out), "");

        let out = on_broken_disk(&sb, disk, &["login"]);
        assert_eq!(out.status.code(), Some(1), "{disk:?}: {}", stderr(&out));
        checks("login", &out, &allowed);

        let out = on_broken_disk(&sb, disk, &["export", "bash"]);
        assert_eq!(out.status.code(), Some(0), "{disk:?}: {}", stderr(&out));
        checks("export", &out, &state_s);
        exported_nothing("export", &out);
    }
    // Nothing was left behind in the real state directory.
    assert!(
        !state.join("secrets").exists()
            || fs::read_dir(state.join("secrets")).unwrap().count() == 0
    );
}
