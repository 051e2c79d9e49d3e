//! The completion scripts under completions/ are what `ca-env completions` prints today, and
//! each loads in its shell.

use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_ca-env");

const FILES: [(&str, &str); 3] = [
    ("bash", "completions/ca-env.bash"),
    ("zsh", "completions/_ca-env"),
    ("fish", "completions/ca-env.fish"),
];

#[test]
fn checked_in_completions_are_current() {
    for (shell, file) in FILES {
        let out = Command::new(BIN)
            .args(["completions", shell])
            .output()
            .unwrap();
        assert!(out.status.success(), "{shell}");
        let printed = String::from_utf8(out.stdout).unwrap();
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(file);
        let checked_in = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            printed == checked_in,
            "{file} is out of date; run: ca-env completions {shell} > {file}"
        );
    }
}

#[test]
fn completions_load_in_their_shells() {
    let dir = env!("CARGO_MANIFEST_DIR");
    let bash = Command::new("bash")
        .args(["--norc", "--noprofile", "-c"])
        .arg(format!(
            "source '{dir}/completions/ca-env.bash' && complete -p ca-env"
        ))
        .output()
        .expect("bash runs");
    assert!(bash.status.success(), "{bash:?}");
    assert!(String::from_utf8_lossy(&bash.stdout).contains("ca-env"));

    let zsh = Command::new("zsh")
        .args(["-f", "-c"])
        .arg(format!(
            "autoload -Uz compinit && compinit -u -D && fpath=('{dir}/completions' $fpath) && autoload -Uz _ca-env && whence -w _ca-env"
        ))
        .output()
        .expect("zsh runs (the test command installs it)");
    assert!(zsh.status.success(), "{zsh:?}");
    assert!(String::from_utf8_lossy(&zsh.stdout).contains("function"));

    let fish = Command::new("fish")
        .args(["--no-config", "-c"])
        .arg(format!(
            "source '{dir}/completions/ca-env.fish'; complete -C 'ca-env ex'"
        ))
        .output()
        .expect("fish runs (the test command installs it)");
    assert!(fish.status.success(), "{fish:?}");
    let offered = String::from_utf8_lossy(&fish.stdout);
    assert!(
        offered.contains("exec") && offered.contains("export"),
        "{offered}"
    );
}
