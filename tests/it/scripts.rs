//! The hook scripts as `ca-env hook` prints them (the binary's path filled in): each passes its
//! shell's checks, and evaluating one prints nothing.

use std::io::Write;
use std::process::{Command, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_ca-env");

fn hook(shell: &str) -> String {
    let out = Command::new(BIN).args(["hook", shell]).output().unwrap();
    assert!(out.status.success(), "{shell}");
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains(BIN), "{shell}: the script names this binary");
    text
}

fn check(program: &str, args: &[&str], input: &str) -> std::process::Output {
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{program} runs (the test command installs it): {e}"));
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn rendered_scripts_pass_their_linters() {
    for shell in ["bash", "direnv"] {
        let out = check(
            "shellcheck",
            &["--enable=all", "--shell=bash", "-"],
            &hook(shell),
        );
        assert!(
            out.status.success(),
            "{shell}: {}",
            String::from_utf8_lossy(&out.stdout)
        );
    }
    let out = check("zsh", &["--no-rcs", "-n"], &hook("zsh"));
    assert!(out.status.success(), "{out:?}");
    let out = check("fish", &["--no-config", "--no-execute"], &hook("fish"));
    assert!(out.status.success(), "{out:?}");
}

#[test]
fn evaluating_a_hook_prints_nothing() {
    let home = tempfile::tempdir().unwrap();
    let cases = [
        (
            "bash",
            vec!["--noprofile", "--norc", "-e", "-u", "-o", "pipefail", "-c"],
            format!("eval \"$({BIN} hook bash)\""),
        ),
        (
            "zsh",
            vec!["--no-rcs", "-e", "-u", "-c"],
            format!("eval \"$({BIN} hook zsh)\""),
        ),
        (
            "fish",
            vec!["--no-config", "-c"],
            format!("{BIN} hook fish | source"),
        ),
    ];
    for (shell, args, line) in cases {
        let out = Command::new(shell)
            .args(&args)
            .arg(&line)
            .current_dir(home.path())
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", home.path())
            .output()
            .unwrap_or_else(|e| panic!("{shell} runs: {e}"));
        assert!(out.status.success(), "{shell}: {out:?}");
        assert_eq!(String::from_utf8_lossy(&out.stderr), "", "{shell}");
        assert_eq!(String::from_utf8_lossy(&out.stdout), "", "{shell}");
    }
}
