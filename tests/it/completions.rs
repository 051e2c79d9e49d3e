//! The completion scripts under completions/ and the manual pages under man/ are what ca-env
//! prints today, and each loads in its shell or renders with man.

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

/// The manual pages under man/ are what `ca-env __man` writes today (from the command line
/// itself, with clap_mangen), one per subcommand besides ca-env.1, and each renders with
/// `man -l` with its name and synopsis.
#[test]
fn checked_in_man_pages_are_current_and_render() {
    let out = tempfile::tempdir().unwrap();
    let status = Command::new(BIN)
        .arg("__man")
        .arg(out.path())
        .status()
        .unwrap();
    assert!(status.success());
    let checked_in = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("man");
    let names = |dir: &std::path::Path| {
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    };
    let written = names(out.path());
    assert_eq!(
        written,
        names(&checked_in),
        "man/ is out of date; run: ca-env __man man"
    );
    assert!(written.contains(&"ca-env.1".to_string()));
    assert!(written.contains(&"ca-env-hook.1".to_string()));
    for name in &written {
        let new = std::fs::read_to_string(out.path().join(name)).unwrap();
        let old = std::fs::read_to_string(checked_in.join(name)).unwrap();
        assert!(
            new == old,
            "man/{name} is out of date; run: ca-env __man man"
        );
        let shown = Command::new("man")
            .args(["-l", "-P", "cat"])
            .arg(checked_in.join(name))
            .env("MANWIDTH", "100")
            .output()
            .expect("man (Debian's man-db) is installed by scripts/test");
        assert!(shown.status.success(), "man -l man/{name}");
        let text = String::from_utf8_lossy(&shown.stdout);
        let page = name.trim_end_matches(".1");
        assert!(
            text.contains("NAME") && text.contains("SYNOPSIS") && text.contains(page),
            "man/{name} renders as: {text}"
        );
    }
}
