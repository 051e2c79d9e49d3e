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
//! Related tests elsewhere, not repeated here: tests/hook.rs
//! `hostile_token_values_round_trip_and_run_nothing` (quotes, `$(…)`, backticks, `;`, `\` in a
//! token, all three shells), `hostile_names_and_directories_run_nothing` (`$(…)`, `'`, `;` in
//! source names and the directory), `an_untrusted_domain_is_said_once_with_the_command_to_allow_it`;
//! tests/status.rs `hostile_urls_are_problems_and_never_sources`,
//! `names_that_collide_after_normalising_export_nothing` (status side),
//! `a_deleted_working_directory_is_a_problem_not_a_crash` (status side), `status_makes_no_network_call`;
//! tests/exec_dotenv.rs `exec_refuses_an_untrusted_domain_before_running_anything`; the URL
//! table and its Python cross-check in src/codeartifact/url/tests.rs.

use crate::support::{self, bounded, shells};

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use shells::{Interactive, Kind};
use support::standin::StandIn;
use support::{Decoy, Sandbox, BIN, CA, PROJECT};

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

// ---------------------------------------------------------------------------------------------
// 7. Hostile files
// ---------------------------------------------------------------------------------------------

/// The project in `cwd` has exactly `problems` (path and line, never content), no source, and
/// every command that reads it finishes in bounded time and memory, exports nothing, says
/// nothing in the hook, and never prints `MARKER`.
fn assert_hostile(sb: &Sandbox, cwd: &str, problems: &[&str]) {
    let st = bounded_run(sb, cwd, &["status", "--json"]);
    assert_eq!(st.code, Some(0), "{}", st.stderr);
    assert_eq!(st.stderr, "");
    let v = json(&st.stdout);
    assert_eq!(v["sources"], serde_json::json!([]), "{cwd}");
    assert_eq!(v["env"], serde_json::json!([]), "{cwd}");
    assert_eq!(strings(&v["problems"]), problems, "{cwd}");

    let human = bounded_run(sb, cwd, &["status"]);
    assert_eq!(human.code, Some(0), "{}", human.stderr);
    for p in problems {
        assert!(
            human.stdout.contains(p),
            "{cwd}: {p} not in {}",
            human.stdout
        );
    }
    let mut all = st.all() + &human.all();
    for shell in ["bash", "zsh", "fish"] {
        let out = bounded_run(sb, cwd, &["export", shell]);
        assert_eq!(out.code, Some(0), "{shell}: {}", out.stderr);
        assert_eq!(out.stderr, "", "{shell}: the hook stays quiet");
        if shell != "fish" {
            assert_eq!(exported_names(&out.stdout), Vec::<String>::new());
        } else {
            let sets: Vec<&str> = out
                .stdout
                .lines()
                .filter(|l| l.contains("set -gx ") && !l.starts_with("set -gx __CA_ENV_STATE "))
                .collect();
            assert!(sets.is_empty(), "{sets:?}");
        }
        all += &out.all();
    }
    let j = bounded_run(sb, cwd, &["export", "json"]);
    assert_eq!(j.code, Some(0), "{}", j.stderr);
    let keys: Vec<String> = json(&j.stdout)
        .as_object()
        .unwrap()
        .keys()
        .filter(|k| *k != STATE)
        .cloned()
        .collect();
    assert!(keys.is_empty(), "{keys:?}");
    all += &j.all();
    assert!(!all.contains(MARKER), "{cwd}: content was quoted: {all}");
}

#[test]
fn a_100_mb_sparse_pyproject_is_not_read() {
    let sb = Sandbox::new();
    let path = sb.write("p/pyproject.toml", &format!("# {MARKER}\n"));
    fs::OpenOptions::new()
        .write(true)
        .open(&path)
        .unwrap()
        .set_len(100 * 1024 * 1024)
        .unwrap();
    assert_hostile(&sb, "p", &["pyproject.toml: larger than 1 MiB; not read"]);
}

#[test]
fn bad_utf8_is_named_by_line_and_never_quoted() {
    let sb = Sandbox::new();
    let dir = sb.home().join("p");
    fs::create_dir_all(&dir).unwrap();
    let mut bytes = format!("[[tool.poetry.source]]\nname = \"{MARKER}\"\nurl = \"").into_bytes();
    bytes.extend_from_slice(b"\xff\xfe\xc0\xaf");
    bytes.extend_from_slice(format!("{MARKER}\"\n").as_bytes());
    fs::write(dir.join("pyproject.toml"), &bytes).unwrap();
    fs::write(
        dir.join("pip.conf"),
        [b"[global]\nindex-url = \xed\xa0\x80\n".as_slice()].concat(),
    )
    .unwrap();
    assert_hostile(
        &sb,
        "p",
        &[
            "pyproject.toml:3: not valid UTF-8; not read",
            "pip.conf:2: not valid UTF-8; not read",
        ],
    );
}

#[test]
fn nesting_ten_thousand_deep_neither_overflows_nor_hangs() {
    let sb = Sandbox::new();
    let n = 10_000;
    let arrays = format!("a = {}{}\n", "[".repeat(n), "]".repeat(n));
    let inline = format!("a = {}1{}\n", "{b=".repeat(n), "}".repeat(n));
    let header = format!("[{}]\nurl = \"{MARKER}\"\n", vec!["tool"; n].join("."));
    let dotted = format!("{}b = \"{MARKER}\"\n", "a.".repeat(n));
    let header_array = format!("[[{}]]\nname = \"{MARKER}\"\n", vec!["x"; n].join("."));
    sb.write("p/pyproject.toml", &arrays);
    sb.write("p/uv.toml", &inline);
    sb.write("p/poetry.toml", &header);
    sb.write("q/pyproject.toml", &dotted);
    sb.write("r/pyproject.toml", &header_array);
    assert_hostile(
        &sb,
        "p",
        &[
            "pyproject.toml:1: not valid TOML",
            "uv.toml:1: not valid TOML",
            "poetry.toml:1: not valid TOML",
        ],
    );
    assert_hostile(&sb, "q", &["pyproject.toml:1: not valid TOML"]);
    assert_hostile(&sb, "r", &["pyproject.toml:1: not valid TOML"]);
}

#[test]
fn include_chains_and_loops_in_requirements_are_cut() {
    let sb = Sandbox::new();
    // A chain of 10 000 includes, and a loop.
    sb.write("p/requirements.txt", "-r d/1.txt\n");
    for i in 1..10_000 {
        sb.write(
            &format!("p/d/{i}.txt"),
            &format!("# {MARKER}\n-r {}.txt\n", i + 1),
        );
    }
    sb.write("q/requirements.txt", "-r requirements-b.txt\n");
    sb.write(
        "q/requirements-b.txt",
        &format!("# {MARKER}\n-r requirements.txt\n"),
    );
    assert_hostile(
        &sb,
        "p",
        &["d/31.txt:2: include: includes nested too deep; not followed"],
    );
    assert_hostile(
        &sb,
        "q",
        &["requirements.txt:1: include: an include loop; not followed"],
    );
}

#[test]
fn devices_fifos_loops_and_links_outside_are_never_opened_for_reading() {
    let sb = Sandbox::new();
    let p = sb.home().join("p");
    fs::create_dir_all(p.join("requirements")).unwrap();
    std::os::unix::fs::symlink("/dev/zero", p.join("pyproject.toml")).unwrap();
    for fifo in ["requirements.txt", "requirements/a.txt", "inner.fifo"] {
        mkfifo(&p.join(fifo));
    }
    // A FIFO reached through a symlink inside the project, and through an include.
    std::os::unix::fs::symlink("inner.fifo", p.join("uv.toml")).unwrap();
    fs::write(p.join("requirements/b.txt"), "-r ../inner.fifo\n").unwrap();
    std::os::unix::fs::symlink("poetry.toml", p.join("pip.ini")).unwrap();
    std::os::unix::fs::symlink("pip.ini", p.join("poetry.toml")).unwrap();
    // The user's AWS credentials as pip.conf, by symlink.
    let creds = sb.write(
        ".aws/credentials",
        &format!("[default]\naws_access_key_id = AKIA{MARKER}\naws_secret_access_key = {MARKER}\n"),
    );
    std::os::unix::fs::symlink(&creds, p.join("pip.conf")).unwrap();
    assert_hostile(
        &sb,
        "p",
        &[
            "pyproject.toml: leads outside the project; not read",
            "uv.toml: not a regular file; not read",
            "poetry.toml: a symlink loop",
            "pip.conf: leads outside the project; not read",
            "pip.ini: a symlink loop",
            "requirements.txt: not a regular file; not read",
            "requirements/a.txt: not a regular file; not read",
            "inner.fifo: not a regular file; not read",
        ],
    );
    // The same credentials hard-linked in are a regular file inside the project: read as INI,
    // and still never echoed.
    let q = sb.home().join("q");
    fs::create_dir_all(&q).unwrap();
    fs::hard_link(&creds, q.join("pip.conf")).unwrap();
    assert_hostile(&sb, "q", &[]);
}

fn mkfifo(path: &Path) {
    let c = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).unwrap();
    // SAFETY: a valid C string.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0, "mkfifo");
}

/// Many requirements files (a clone can hold thousands): only the first 64 are read and watched,
/// at most 8 MiB is read in all, and the state stays small enough that the shell can still start
/// commands (one environment variable may not exceed 128 KiB, or every exec fails with E2BIG).
#[test]
fn thousands_of_requirements_files_keep_the_shell_usable() {
    let sb = Sandbox::new();
    let p = sb.home().join("p");
    fs::create_dir_all(p.join("requirements")).unwrap();
    let long = "x".repeat(200);
    for i in 0..1500 {
        fs::write(p.join(format!("requirements-{long}-{i:04}.txt")), "").unwrap();
    }
    // 100 sparse files of almost 1 MiB each: 100 MiB if all were read.
    for i in 0..100 {
        let f = fs::File::create(p.join(format!("requirements/{i:03}.txt"))).unwrap();
        f.set_len(1024 * 1024 - 1).unwrap();
    }
    let st = bounded_run(&sb, "p", &["status", "--json"]);
    assert_eq!(st.code, Some(0), "{}", st.stderr);
    let problems = strings(&json(&st.stdout)["problems"]);
    assert_eq!(
        problems,
        [format!(
            "requirements-{long}-0064.txt: more than 64 requirements files; the rest not read"
        )]
    );
    let out = bounded_run(&sb, "p", &["export", "bash"]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let script = format!("{}\n/bin/sh -c 'exit 7'\n", out.stdout);
    let sh = bounded::run(
        {
            let mut c = sb.inside(Command::new("bash"), "p");
            c.args(["--norc", "--noprofile", "-c", &script]);
            c
        },
        "bash eval",
    );
    assert_eq!(
        sh.code,
        Some(7),
        "the shell cannot start commands: {}",
        sh.stderr
    );

    // Only the folder: 64 files of 1 MiB would be 64 MiB; reading stops at 8 MiB.
    let q = sb.home().join("q/requirements");
    fs::create_dir_all(&q).unwrap();
    for i in 0..20 {
        let f = fs::File::create(q.join(format!("{i:02}.txt"))).unwrap();
        f.set_len(1024 * 1024 - 1).unwrap();
    }
    let st = bounded_run(&sb, "q", &["status", "--json"]);
    let problems = strings(&json(&st.stdout)["problems"]);
    let want: Vec<String> = (8..20)
        .map(|i| {
            format!("requirements/{i:02}.txt: the project's files are larger than 8 MiB in all; not read")
        })
        .collect();
    assert_eq!(problems, want);
}

/// An unreadable file and an unreadable directory above the working directory, as an ordinary
/// user (root reads anything, so the commands run as `nobody` through setpriv).
#[test]
fn unreadable_files_and_directories_as_an_ordinary_user() {
    let top = tempfile::tempdir().unwrap();
    let home = top.path().join("home");
    let p = home.join("p");
    fs::create_dir_all(p.join("sub")).unwrap();
    fs::write(
        p.join("pyproject.toml"),
        format!("[[tool.poetry.source]]\nname = \"corp\"\nurl = \"{CA}\"\n# {MARKER}\n"),
    )
    .unwrap();
    let locked = home.join("locked");
    fs::create_dir_all(locked.join("inner")).unwrap();
    fs::write(locked.join("pyproject.toml"), format!("# {MARKER}\n")).unwrap();
    use std::os::unix::fs::PermissionsExt;
    let mode =
        |path: &Path, m: u32| fs::set_permissions(path, fs::Permissions::from_mode(m)).unwrap();
    mode(top.path(), 0o755);
    mode(&home, 0o777);
    mode(&p.join("pyproject.toml"), 0o000);
    let run = |cwd: &Path, args: &[&str]| {
        let mut cmd = Command::new("setpriv");
        cmd.args(["--reuid=65534", "--regid=65534", "--clear-groups", BIN])
            .args(args)
            .current_dir(cwd)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", &home)
            .env("PWD", cwd)
            .env("XDG_CONFIG_HOME", top.path().join("config"))
            .env("XDG_STATE_HOME", top.path().join("state"))
            .env("AWS_EC2_METADATA_DISABLED", "true");
        bounded::run(cmd, &format!("setpriv ca-env {}", args.join(" ")))
    };
    let st = run(&p.join("sub"), &["status", "--json"]);
    assert_eq!(st.code, Some(0), "{}", st.stderr);
    let v = json(&st.stdout);
    assert_eq!(
        strings(&v["problems"]),
        ["pyproject.toml: cannot read: permission denied"]
    );
    assert_eq!(v["sources"], serde_json::json!([]));
    let ex = run(&p.join("sub"), &["export", "bash"]);
    assert_eq!(ex.code, Some(0), "{}", ex.stderr);
    assert_eq!(ex.stderr, "");
    assert_eq!(exported_names(&ex.stdout), Vec::<String>::new());

    // The working directory is inside a directory nobody may read or search any more.
    mode(&locked, 0o000);
    let st = run(&locked.join("inner"), &["status", "--json"]);
    let ex = run(&locked.join("inner"), &["export", "bash"]);
    mode(&locked, 0o755);
    assert_eq!(st.code, Some(0), "{}", st.stderr);
    assert_eq!(st.stderr, "");
    assert_eq!(json(&st.stdout)["sources"], serde_json::json!([]));
    assert_eq!(ex.code, Some(0), "{}", ex.stderr);
    assert_eq!(exported_names(&ex.stdout), Vec::<String>::new());
    for out in [&st, &ex] {
        assert!(!out.all().contains(MARKER));
    }
}

/// The working directory removed under the shell: the hook gives back what it had set, says
/// nothing, and every shell's output still evaluates.
#[test]
fn a_deleted_working_directory_unloads_in_the_hook() {
    let standin = StandIn::start();
    let sb = Sandbox::for_tokens(&standin, "file");
    let inside = sb.run(PROJECT, &["export", "json"]);
    let set = json(&support::ok(&inside));
    assert!(set[PASS].is_string());
    let gone = sb.home().join(PROJECT).join("gone");
    fs::create_dir_all(&gone).unwrap();
    for dialect in ["bash", "zsh", "fish", "json"] {
        let mut cmd = Command::new("sh");
        cmd.arg("-c")
            .arg("cd \"$1\" && rmdir \"$1\" && exec \"$0\" export \"$2\"")
            .arg(BIN)
            .arg(&gone)
            .arg(dialect);
        let mut cmd = sb.inside(cmd, "");
        for (k, v) in set.as_object().unwrap() {
            cmd.env(k, v.as_str().unwrap());
        }
        cmd.env("PWD", &gone);
        let out = bounded::run(cmd, dialect);
        fs::create_dir_all(&gone).unwrap();
        assert_eq!(out.code, Some(0), "{dialect}: {}", out.stderr);
        assert_eq!(out.stderr, "", "{dialect}");
        match dialect {
            "json" => {
                let v = json(&out.stdout);
                assert_eq!(v[PASS], serde_json::Value::Null, "{dialect}: unset");
                assert_eq!(v[SHARED], serde_json::Value::Null, "{dialect}: unset");
            }
            "fish" => assert!(
                out.stdout.contains(&format!("set -e -g {PASS};")),
                "{}",
                out.stdout
            ),
            _ => assert!(
                out.stdout.contains(&format!("\\builtin unset -v {PASS};")),
                "{}",
                out.stdout
            ),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// 1. Injection through names, URLs, directories and tokens
// ---------------------------------------------------------------------------------------------

/// Every ASCII punctuation character in a token (the most a token may hold), and project files
/// whose names, URLs and directory carry `$(…)`, backticks, `;`, quotes, backslashes, newlines,
/// NUL and non-ASCII text: in each real interactive shell nothing runs, the token and the
/// directory round-trip exactly, and only the valid source's variables are set.
#[test]
fn hostile_project_files_and_punctuation_tokens_run_nothing_in_every_shell() {
    for kind in Kind::ALL {
        let standin = StandIn::start();
        let mut sb = Sandbox::for_tokens(&standin, "file");
        sb.set_env("LANG", "C.UTF-8");
        let canary = sb.path().join("canary");
        let c = canary.display().to_string();
        standin.token_suffix(&format!(
            "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{{|}}~$(touch${{IFS}}{c})`touch${{IFS}}{c}`(touch${{IFS}}{c})\\'\\\\'\\''!!%self{{a,b}}$status"
        ));
        let dir = format!("pr\noj é\t$(touch {c})`touch {c}`;touch {c}'\"\\");
        let names = [
            "a\nb".to_string(),
            "a\u{0}b".to_string(),
            "é".to_string(),
            "back\\slash".to_string(),
            "q\"uote".to_string(),
            format!("$(touch {c})"),
            "\u{1b}]0;x\u{7}".to_string(),
        ];
        let urls = [
            format!("{CA}$(touch {c})"),
            format!("{CA}`touch {c}`"),
            format!("{CA};touch {c}"),
            format!("{CA}'\"x"),
            format!("{CA}\n"),
            format!("{CA}\u{0}"),
            CA.replace("pypi-store", "pypi-störe"),
            CA.replace("corp", "c\u{0}rp"),
            CA.replace("/pypi/", "/pypi\\/"),
        ];
        let mut text = String::new();
        for (i, name) in names.iter().enumerate() {
            text += &format!(
                "[[tool.poetry.source]]\nname = {}\nurl = \"{CA}\"\n\n",
                toml_str(name)
            );
            text += &format!(
                "[[tool.uv.index]]\nname = \"u{i}\"\nurl = {}\n\n",
                toml_str(&urls[i])
            );
        }
        text += &format!(
            "[[tool.uv.index]]\nname = \"u7\"\nurl = {}\n\n",
            toml_str(&urls[7])
        );
        text += &format!("[[tool.poetry.source]]\nname = \"corp\"\nurl = \"{CA}\"\n");
        let root = sb.home().join(PROJECT).join(&dir);
        fs::create_dir_all(&root).unwrap();
        fs::write(root.join("pyproject.toml"), &text).unwrap();
        let mut req = String::new();
        for u in &urls[..4] {
            req += &format!("--extra-index-url {u}\n");
        }
        fs::write(root.join("requirements.txt"), req).unwrap();
        fs::write(
            root.join("pip.conf"),
            format!("[global]\nextra-index-url = {}\n    {}\n", urls[0], urls[1]),
        )
        .unwrap();

        let init = match kind {
            Kind::Fish => format!("{BIN} hook fish | source"),
            _ => format!("eval \"$({BIN} hook {})\"", kind.name()),
        };
        let mut sh = Interactive::start(kind, &sb.env_pairs(), &root, &init);
        let issued: Vec<String> = standin
            .calls()
            .into_iter()
            .filter_map(|c| c.token)
            .collect();
        assert_eq!(issued.len(), 1, "{kind:?}: {}", sh.transcript());
        let t = issued[0].as_str();
        assert!(
            t.contains("$(touch"),
            "{kind:?}: the suffix is in the token"
        );
        assert_eq!(sh.var(PASS).as_deref(), Some(t), "{kind:?}");
        assert_eq!(sh.var(USER).as_deref(), Some("aws"), "{kind:?}");
        assert_eq!(sh.var(SHARED).as_deref(), Some(t), "{kind:?}");
        assert_eq!(
            sh.var("PWD").as_deref(),
            Some(root.display().to_string().as_str()),
            "{kind:?}"
        );
        // Nothing else than the valid source's variables (the bash/zsh fast path's own
        // `_ca_env_*` shell variables aside).
        let mut cmd = Command::new(BIN);
        cmd.args(["export", "json"]);
        let mut cmd = sb.inside(cmd, "");
        cmd.current_dir(&root).env("PWD", &root);
        let out = cmd.output().unwrap();
        let mut keys: Vec<String> = json(&support::stdout(&out))
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect();
        keys.sort();
        assert_eq!(keys, [SHARED, PASS, USER, STATE], "{kind:?}");
        sh.run("cd ~");
        assert_eq!(sh.var(PASS), None, "{kind:?}");
        assert_eq!(sh.var(SHARED), None, "{kind:?}");
        assert!(!canary.exists(), "{kind:?}: the canary was created");
        assert_eq!(standin.ok_calls(), 1);
    }
}

/// A token with white space, a control character, NUL or non-ASCII text (an error page, a
/// foreign value) is refused whole: nothing is stored or exported, the hook says one line that
/// quotes nothing of it, and `ca-env token` prints nothing on stdout.
#[test]
fn tokens_that_are_not_visible_ascii_are_refused_whole() {
    for suffix in [
        "\n",
        "\r",
        "\t",
        " x",
        "é",
        "\u{0}",
        "\u{1b}[2J",
        "\u{7f}",
        "\u{2028}",
    ] {
        let standin = StandIn::start();
        let sb = Sandbox::for_tokens(&standin, "file");
        standin.token_suffix(suffix);
        let out = bounded_run(&sb, PROJECT, &["export", "bash"]);
        assert_eq!(out.code, Some(0), "{suffix:?}: {}", out.stderr);
        assert_eq!(
            exported_names(&out.stdout),
            Vec::<String>::new(),
            "{suffix:?}"
        );
        let lines: Vec<&str> = out.stderr.lines().collect();
        assert_eq!(lines.len(), 1, "{suffix:?}: {}", out.stderr);
        assert!(
            lines[0].starts_with("ca-env: "),
            "{suffix:?}: {}",
            out.stderr
        );
        let issued: Vec<String> = standin
            .calls()
            .into_iter()
            .filter_map(|c| c.token)
            .collect();
        assert_eq!(issued.len(), 1, "{suffix:?}");
        let token = &issued[0];
        let stem = token.trim_end_matches(suffix);
        let tok = bounded_run(&sb, PROJECT, &["token", "corp"]);
        assert_eq!(tok.code, Some(1), "{suffix:?}: {}", tok.stderr);
        assert_eq!(tok.stdout, "", "{suffix:?}");
        assert_eq!(tok.stderr.lines().count(), 1, "{suffix:?}: {}", tok.stderr);
        for o in [&out, &tok] {
            assert!(!o.all().contains(stem), "{suffix:?}: the token was echoed");
            assert!(
                !o.stderr
                    .contains(['\u{1b}', '\u{7f}', '\0', 'é', '\u{2028}']),
                "{suffix:?}"
            );
        }
        let secrets = sb.state_dir().join("ca-env/secrets");
        let stored = fs::read_dir(&secrets).map(|d| d.count()).unwrap_or(0);
        assert_eq!(stored, 0, "{suffix:?}: nothing stored");
    }
}

/// Runs `script` in a non-interactive `shell` with `env` (and a UTF-8 locale), then reports for
/// each of `names` its value or None when unset, read back byte for byte (NUL-framed).
fn eval_in(
    shell: &str,
    env: &[(String, String)],
    script: &str,
    names: &[String],
) -> Vec<Option<String>> {
    let mut code = String::from(script);
    code.push('\n');
    for n in names {
        code += &match shell {
            "fish" => {
                format!("if set -q {n}; printf 'S%s\\0' \"${n}\"; else; printf 'U\\0'; end\n")
            }
            _ => format!(
                "if [ -n \"${{{n}+x}}\" ]; then printf 'S%s\\0' \"${n}\"; else printf 'U\\0'; fi\n"
            ),
        };
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("script");
    fs::write(&file, code).unwrap();
    let args: &[&str] = match shell {
        "bash" => &["--norc", "--noprofile"],
        "zsh" => &["-f"],
        "fish" => &["--no-config"],
        _ => unreachable!(),
    };
    let out = Command::new(shell)
        .args(args)
        .arg(&file)
        .current_dir(dir.path())
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("LANG", "C.UTF-8")
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("{shell} is needed for this test: {e}"));
    if !out.status.success() || !out.stderr.is_empty() {
        let _ = fs::write(
            std::env::temp_dir().join("adversarial-failed-script"),
            script,
        );
    }
    assert!(out.status.success(), "{shell}: {}", support::stderr(&out));
    assert_eq!(support::stderr(&out), "", "{shell}");
    let text = String::from_utf8(out.stdout).expect("UTF-8 back");
    let got: Vec<Option<String>> = text
        .split_terminator('\0')
        .map(|f| match f.strip_prefix('S') {
            Some(v) => Some(v.to_string()),
            None => {
                assert_eq!(f, "U");
                None
            }
        })
        .collect();
    assert_eq!(got.len(), names.len(), "{shell}");
    got
}

/// Strings for quoting: control characters, quotes, backslashes, `$`, history and glob
/// characters, fish escapes, non-ASCII text; never NUL (no environment value can hold one).
fn hostile_string() -> impl Strategy<Value = String> {
    let nasty = prop::sample::select(vec![
        '\'',
        '"',
        '\\',
        '$',
        '`',
        '(',
        ')',
        ';',
        '\n',
        '\r',
        '\t',
        '\u{1b}',
        '\u{7f}',
        '\u{1}',
        '!',
        '#',
        '%',
        '*',
        '?',
        '~',
        '{',
        '}',
        '[',
        ']',
        '|',
        '&',
        '<',
        '>',
        '=',
        ' ',
        'é',
        '\u{2028}',
        '\u{feff}',
        '\u{ff07}',
        '\u{1f600}',
        '\u{f600}',
        '\u{fffd}',
        'x',
        '-',
    ]);
    let any_char = any::<char>().prop_filter("no NUL", |c| *c != '\0');
    prop::collection::vec(prop_oneof![3 => nasty, 1 => any_char], 0..24)
        .prop_map(|v| v.into_iter().collect())
}

/// Property: what a user had in a variable before ca-env set it comes back byte for byte in
/// bash, zsh and fish when they leave the project, for arbitrary strings. Rendered by the real
/// binary (`export SHELL`, whose restore path quotes the user's own values), evaluated by the
/// real shells, 40 values a batch, one process per shell and batch.
#[test]
fn property_any_user_value_round_trips_through_every_shells_quoting() {
    let standin = StandIn::start();
    let sb = Sandbox::for_tokens(&standin, "file");
    let mut text = String::new();
    for i in 0..20 {
        text += &format!("[[tool.uv.index]]\nname = \"s{i}\"\nurl = \"{CA}\"\n\n");
    }
    sb.write(&format!("{PROJECT}/pyproject.toml"), &text);
    let first = json(&support::ok(&sb.run(PROJECT, &["export", "json"])));
    let names: Vec<String> = first
        .as_object()
        .unwrap()
        .keys()
        // The user's own CODEARTIFACT_AUTH_TOKEN is a token ca-env uses, not a value it replaces.
        .filter(|k| k.starts_with("UV_INDEX_"))
        .cloned()
        .collect();
    assert!(names.len() >= 40, "{names:?}");

    let mut runner = TestRunner::new(Config {
        cases: 8,
        failure_persistence: None,
        ..Config::default()
    });
    let values = prop::collection::vec(prop::option::weighted(0.9, hostile_string()), names.len());
    runner
        .run(&values, |values| {
            // Entering: the user's values are in the environment.
            let mut cmd = sb.command(PROJECT, &["export", "json"]);
            for (n, v) in names.iter().zip(&values) {
                if let Some(v) = v {
                    cmd.env(n, v);
                }
            }
            let out = cmd.output().unwrap();
            let inside = json(&support::ok(&out));
            let env: Vec<(String, String)> = inside
                .as_object()
                .unwrap()
                .iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
                .collect();
            // Leaving: each shell's own export restores them.
            for shell in ["bash", "zsh", "fish"] {
                let mut cmd = sb.command("", &["export", shell]);
                cmd.envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())));
                let out = cmd.output().unwrap();
                let script = support::ok(&out);
                let got = eval_in(shell, &env, &script, &names);
                for ((n, want), got) in names.iter().zip(&values).zip(&got) {
                    prop_assert_eq!(got, want, "{}: {}", shell, n);
                }
            }
            Ok(())
        })
        .unwrap();
    // One token served every batch: the values, not AWS, were what changed.
    assert_eq!(standin.ok_calls(), 1);
}

/// Property: tokens of any visible ASCII characters (all a token may hold) come out of
/// `export bash|zsh|fish` such that each shell reads back exactly the token, in one shell
/// process per shell for the whole batch.
#[test]
fn property_any_token_round_trips_through_every_shells_quoting() {
    let standin = StandIn::start();
    let sb = Sandbox::for_tokens(&standin, "file");
    let suffix = prop::collection::vec(prop::char::range('!', '~'), 1..40)
        .prop_map(|v| v.into_iter().collect::<String>());
    let mut runner = TestRunner::new(Config {
        cases: 1,
        failure_persistence: None,
        ..Config::default()
    });
    runner
        .run(&prop::collection::vec(suffix, 24), |suffixes| {
            let mut scripts: BTreeMap<&str, String> = BTreeMap::new();
            let mut tokens = Vec::new();
            for (i, s) in suffixes.iter().enumerate() {
                standin.token_suffix(s);
                let login = sb.run(PROJECT, &["login", "--force"]);
                prop_assert_eq!(login.status.code(), Some(0), "{}", support::stderr(&login));
                tokens.push(standin.calls().last().unwrap().token.clone().unwrap());
                for shell in ["bash", "zsh", "fish"] {
                    let out = sb.run(PROJECT, &["export", shell]);
                    let code = support::ok(&out);
                    prop_assert!(!code.contains('\0'));
                    let copy = match shell {
                        "fish" => format!("set -g T{i} \"${PASS}\""),
                        _ => format!("T{i}=\"${PASS}\""),
                    };
                    let s = scripts.entry(shell).or_default();
                    *s += &format!("{code}\n{copy}\n");
                }
            }
            let names: Vec<String> = (0..tokens.len()).map(|i| format!("T{i}")).collect();
            for (shell, script) in &scripts {
                let got = eval_in(shell, &sb.env_pairs(), script, &names);
                for (t, g) in tokens.iter().zip(got) {
                    prop_assert_eq!(Some(t.clone()), g, "{}", shell);
                }
            }
            Ok(())
        })
        .unwrap();
}

/// Hundreds of sources on a trusted domain: each adds variables (a token of about 1 KB each, a
/// keyed hash each in the state, a URL with the token in a list variable), which past a few
/// hundred would make one string longer than the kernel's 128 KiB or the whole environment
/// longer than its 2 MiB, and every command the shell starts would fail with E2BIG. Only the
/// first 64 sources are used, the 65th named as a problem, and the shell can still start
/// commands.
#[test]
fn hundreds_of_sources_keep_the_shell_usable() {
    let standin = StandIn::start();
    let sb = Sandbox::for_tokens(&standin, "file");
    // A token of about the size CodeArtifact hands out.
    standin.token_suffix(&"T".repeat(1000));
    let long = "n".repeat(60);
    let mut poetry = String::new();
    for i in 0..600 {
        poetry += &format!("[[tool.poetry.source]]\nname = \"s{i:03}-{long}\"\nurl = \"{CA}\"\n\n");
    }
    sb.write("p/pyproject.toml", &poetry);
    let mut uv = String::from("[tool.uv]\nextra-index-url = [\n");
    for i in 0..300 {
        uv += &format!("  \"{}\",\n", CA.replace("pypi-store", &format!("r{i:03}")));
    }
    uv += "]\n";
    sb.write("q/pyproject.toml", &uv);

    for (dir, line, passwords) in [("p", 4 * 64 + 3, 64), ("q", 64 + 3, 0)] {
        let out = bounded_run(&sb, dir, &["export", "bash"]);
        assert_eq!(out.code, Some(0), "{}", out.stderr);
        assert_eq!(out.stderr, "", "{dir}");
        // From a file: the script itself is larger than one argument may be.
        let script = sb.path().join("script.bash");
        fs::write(&script, format!("{}\n/bin/sh -c 'exit 7'\n", out.stdout)).unwrap();
        let sh = bounded::run(
            {
                let mut c = sb.inside(Command::new("bash"), dir);
                c.args(["--norc", "--noprofile"]).arg(&script);
                c
            },
            "bash eval",
        );
        assert_eq!(
            sh.code,
            Some(7),
            "{dir}: the shell cannot start commands: {}",
            sh.stderr
        );
        let names = exported_names(&out.stdout);
        let pw = names
            .iter()
            .filter(|n| n.starts_with("POETRY_HTTP_BASIC_") && n.ends_with("_PASSWORD"))
            .count();
        assert_eq!(pw, passwords, "{dir}: {names:?}");
        let st = bounded_run(&sb, dir, &["status", "--json"]);
        assert_eq!(st.code, Some(0), "{}", st.stderr);
        let v = json(&st.stdout);
        assert_eq!(v["sources"].as_array().unwrap().len(), 64, "{dir}");
        assert_eq!(
            strings(&v["problems"]),
            [format!(
                "pyproject.toml:{line}: more than 64 sources; the rest not used"
            )],
            "{dir}"
        );
    }
    // One domain: one token served them all.
    assert_eq!(standin.ok_calls(), 1);
}

// ---------------------------------------------------------------------------------------------
// 2. Host confusion
// ---------------------------------------------------------------------------------------------

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

/// A small deterministic generator (splitmix64), so a failure names a reproducible candidate.
fn splitmix(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

const AWS_HOST: &str = "corp-111122223333.d.codeartifact.us-west-2.amazonaws.com";
const DUAL_HOST: &str = "corp-111122223333.d.codeartifact.us-west-2.on.aws";
const VPCE_HOST: &str = "vpce-0123abcd-4567efgh.d.codeartifact.us-west-2.vpce.amazonaws.com";

/// The valid URLs the candidates are made from: the three CodeArtifact shapes, the documented
/// placeholder userinfo, and three mapped hosts (two of them loopback with a port).
fn host_bases(port: u16) -> Vec<String> {
    vec![
        format!("https://{AWS_HOST}/pypi/pypi-store/simple/"),
        format!("https://{DUAL_HOST}/pypi/pypi-store/simple/"),
        format!("https://{VPCE_HOST}/pypi/d/corp-111122223333/pypi-store/simple/"),
        format!("https://aws:${{CODEARTIFACT_AUTH_TOKEN}}@{AWS_HOST}/pypi/pypi-store/simple/"),
        format!("http://127.0.0.1:{port}/simple/"),
        format!("http://[::1]:{port}/loop/simple/"),
        "https://pypi.corp.example/simple/".to_string(),
    ]
}

/// Pieces put into a valid URL at every interesting place: userinfo, backslashes,
/// percent-escapes, look-alike dots, ports, brackets, white space, case, dot segments,
/// fragments, queries, double slashes and look-alike suffixes.
const PIECES: &[&str] = &[
    "@evil.example",
    "@",
    "\\@evil.example",
    "\\",
    "%2e",
    "%2E",
    "%40evil.example",
    "%2f",
    "%2F",
    "%5c",
    "%00",
    "\u{3002}",
    "\u{ff0e}",
    "\u{ff61}",
    "\u{ff20}evil.example",
    "\u{ff0f}",
    "\u{2215}",
    ".",
    "..",
    "/..",
    "/../",
    "/./",
    ":443",
    ":",
    ":8443",
    "[::1]",
    "\t",
    "\n",
    "\r",
    " ",
    "\u{7f}",
    "A",
    "x",
    "-",
    "#",
    "#@evil.example/",
    "?",
    "?@evil.example/",
    "//",
    ".evil.example",
    ".amazonaws.com.evil",
    "evil.example/",
];

/// Whole-URL rewrites: look-alike suffixes, case, schemes, trailing dots, other spellings of
/// the loopback addresses.
const REWRITES: &[(&str, &str)] = &[
    ("amazonaws.com", "amazonaws.co"),
    ("amazonaws.com", "amazonaws.com.evil"),
    ("amazonaws.com", "amazonaws.com@evil"),
    ("amazonaws.com", "amazonaws.com."),
    ("amazonaws.com", "AMAZONAWS.COM"),
    ("amazonaws.com/", "amazonaws.com:443/"),
    ("on.aws", "on.aws.evil"),
    ("on.aws", "on.aws."),
    ("https://", "HTTPS://"),
    ("https://", "https:/"),
    ("https://", "https:\\\\"),
    ("https://", "https:///"),
    ("https://", "http://"),
    ("http://", "https://"),
    ("://", ":/\\"),
    ("127.0.0.1", "127.0.0.1."),
    ("127.0.0.1", "127.1"),
    ("127.0.0.1", "0x7f.0.0.1"),
    ("127.0.0.1", "127.0.0.01"),
    ("127.0.0.1", "localhost"),
    ("[::1]", "[0:0:0:0:0:0:0:1]"),
    ("[::1]", "[::1%25lo]"),
    ("[::1]", "::1"),
    ("pypi.corp.example", "pypi.corp.example."),
    ("pypi.corp.example", "PYPI.corp.example"),
    ("pypi.corp.example", "pypi.corp.example.evil"),
    ("pypi.corp.example", "pypi.corp.example@evil.example"),
    ("/simple/", "/simple/.."),
    ("/simple/", "/simple/#"),
];

/// Where pieces go in `u`: after the scheme, at the host's start, inside its first label, at
/// its first dot, at its end, and along the path.
fn host_positions(u: &str) -> Vec<usize> {
    let after_scheme = u.find("://").unwrap() + 3;
    let host_start = u[after_scheme..]
        .find('@')
        .filter(|i| *i < u[after_scheme..].find('/').unwrap())
        .map_or(after_scheme, |i| after_scheme + i + 1);
    let host_end = host_start + u[host_start..].find('/').unwrap();
    let mut at = vec![
        after_scheme,
        host_start,
        host_start + 1,
        host_end,
        host_end + 1,
    ];
    if let Some(dot) = u[host_start..host_end].find('.') {
        at.push(host_start + dot);
        at.push(host_start + dot + 1);
    }
    at.extend([u.len() - "simple/".len(), u.len() - 1, u.len()]);
    at.sort();
    at.dedup();
    at
}

/// Every candidate: the bases, each piece at each place in each base, each rewrite, the whole
/// URL upper-cased, and 600 pairs of pieces chosen by a fixed seed.
fn host_candidates(bases: &[String]) -> Vec<String> {
    let insert = |u: &str, at: usize, piece: &str| format!("{}{piece}{}", &u[..at], &u[at..]);
    let mut out: Vec<String> = bases.to_vec();
    for b in bases {
        for at in host_positions(b) {
            for p in PIECES {
                out.push(insert(b, at, p));
            }
        }
        for (from, to) in REWRITES {
            if b.contains(from) {
                out.push(b.replacen(from, to, 1));
            }
        }
        out.push(b.to_uppercase());
    }
    let mut seed = 0x0005_EED0_FCAE_u64;
    for _ in 0..600 {
        let b = &bases[splitmix(&mut seed) as usize % bases.len()];
        let at = host_positions(b);
        let (i, j) = (
            at[splitmix(&mut seed) as usize % at.len()],
            at[splitmix(&mut seed) as usize % at.len()],
        );
        let (p, q) = (
            PIECES[splitmix(&mut seed) as usize % PIECES.len()],
            PIECES[splitmix(&mut seed) as usize % PIECES.len()],
        );
        let (lo, hi) = (i.min(j), i.max(j));
        out.push(insert(&insert(b, hi, q), lo, p));
    }
    let mut seen = std::collections::HashSet::new();
    out.retain(|c| seen.insert(c.clone()));
    out
}

/// Checks, in one Python process, that each accepted URL (as written, and as ca-env reports
/// it) has the host and port ca-env names to both `urllib.parse.urlsplit` and
/// `urllib3.util.parse_url` (what pip, Poetry and uv's Python tooling use), and that each
/// exported URL names the same host to both, carries exactly `aws` and the token, and is one
/// of the accepted sources' URLs. Prints one line per mismatch.
const HOST_CHECK: &str = r#"
import json, sys
from urllib.parse import urlsplit, unquote
from urllib3.util import parse_url
d = json.load(open(sys.argv[1], encoding="utf-8"))
toks = set(d["tokens"])
bad = []
def us(x):
    s = urlsplit(x)
    return (s.hostname, s.port)
def u3(x):
    r = parse_url(x)
    h = r.host
    if h and h.startswith("[") and h.endswith("]"):
        h = h[1:-1]
    return (h.lower() if h else h, r.port)
def want(h):
    if h.startswith("["):
        i = h.index("]")
        host, rest = h[1:i], h[i + 1:]
    else:
        host, _, port = h.partition(":")
        rest = ":" + port if port else ""
    return (host, int(rest[1:]) if rest else None)
def both(x, w, what):
    for name, f in (("urlsplit", us), ("urllib3", u3)):
        try:
            got = f(x)
        except Exception as e:
            got = repr(e)
        if got != w:
            bad.append(f"{what}: {name}: {x!r}: {got} != {w}")
for it in d["items"]:
    w = want(it["host"])
    both(it["raw"], w, "accepted")
    both(it["url"], w, "reported")
urls = set(d["urls"])
seen = set()
for e in d["exported"]:
    s = urlsplit(e)
    try:
        w = (s.hostname, s.port)
    except Exception as ex:
        bad.append(f"exported: {e!r}: {ex!r}")
        continue
    both(e, w, "exported")
    plain = e
    if "@" in s.netloc:
        if s.username != "aws" or unquote(s.password or "") not in toks:
            bad.append(f"exported: urlsplit: wrong credentials: {e!r}")
        a = unquote(parse_url(e).auth or "")
        if not a.startswith("aws:") or a[4:] not in toks:
            bad.append(f"exported: urllib3: wrong credentials: {e!r}")
        plain = e.replace(s.netloc, s.netloc.rsplit("@", 1)[1], 1)
    if plain not in urls:
        bad.append(f"exported: not an accepted source's URL: {plain!r}")
    seen.add(plain)
for u in sorted(urls - seen):
    bad.append(f"accepted but not exported: {u!r}")
print(len(bad), "mismatches")
print("\n".join(b[:400] for b in bad[:20]))
"#;

/// Property over a deterministic generator of about two thousand hostile URLs: every URL ca-env
/// accepts names, to Python's `urlsplit` and to urllib3's `parse_url`, exactly the host and port
/// ca-env reports and rebuilds, and that host is one of the legitimate ones; the URL it exports
/// carries the token (with `@`, `/`, `#`, `?`, `:`, `\`, `[`, `%` in it) as `aws`'s password
/// to that host and no other. No accepted URL holds userinfo other than the placeholder, a
/// backslash, a percent-escape, white space, a fragment, a query, non-ASCII text or upper case
/// in the host, and the known-bad shapes are problems on their own line, never sources.
#[test]
fn property_accepted_urls_name_one_host_to_ca_env_python_and_urllib3() {
    let python = support::python_tool("python");
    let index = Decoy::new();
    let port = index.port();
    let standin = StandIn::start();
    let sb = Sandbox::for_tokens(&standin, "file");
    standin.token_suffix("@evil.example/#?:x[::1]\\%2e%40");
    let mut config = String::from("[trust]\nowners = [\"111122223333\"]\n");
    for url in [
        format!("http://127.0.0.1:{port}/simple/"),
        format!("http://[::1]:{port}/loop/simple/"),
        "https://pypi.corp.example/simple/".to_string(),
    ] {
        config += &format!(
            "\n[[mapping]]\nurl = \"{url}\"\ndomain = \"corp\"\nowner = \"111122223333\"\nregion = \"us-west-2\"\nrepository = \"pypi-store\"\n"
        );
    }
    sb.write_config(&config);
    let bases = host_bases(port);
    let legit = [
        AWS_HOST.to_string(),
        DUAL_HOST.to_string(),
        VPCE_HOST.to_string(),
        format!("127.0.0.1:{port}"),
        format!("[::1]:{port}"),
        "pypi.corp.example".to_string(),
    ];
    let known_bad = [
        format!("https://{AWS_HOST}\\@evil.example/pypi/pypi-store/simple/"),
        format!("https://{AWS_HOST}@evil.example/pypi/pypi-store/simple/"),
        format!("https://{AWS_HOST}%40evil.example/pypi/pypi-store/simple/"),
        bases[0].replacen("amazonaws.com", "amazonaws.com.evil", 1),
        bases[0].replacen("amazonaws.com", "amazonaws.co", 1),
        bases[0].replacen("amazonaws.com", "amazonaws.com@evil", 1),
        bases[0].replacen("amazonaws.com", "amazonaws.com.", 1),
        bases[0].replacen("amazonaws.com", "amazonaws\u{3002}com", 1),
        format!("https://{AWS_HOST}:443/pypi/pypi-store/simple/"),
        format!("http://127.0.0.1:{port}@evil.example/simple/"),
        format!("http://127.0.0.1:{port}/simple/#@evil.example/"),
        format!("http://127.0.0.1:{port}/simple/?@evil.example/"),
        format!("http://127.0.0.1:{port}/simple/\\@evil.example"),
        format!("http://127.0.0.1:{port}/simple/%2e%2e/"),
        "https://pypi.corp.example.evil/simple/".to_string(),
        "https://pypi.corp.example@evil.example/simple/".to_string(),
    ];
    let mut candidates = host_candidates(&bases);
    for bad in &known_bad {
        if !candidates.contains(bad) {
            candidates.push(bad.clone());
        }
    }
    assert!(candidates.len() > 2000, "{}", candidates.len());

    // (raw, url, host) of each accepted candidate; every URL exported.
    let mut items: Vec<(String, String, String)> = Vec::new();
    let mut urls: Vec<String> = Vec::new();
    let mut exported: Vec<String> = Vec::new();
    let mut rejected: Vec<String> = Vec::new();
    for (k, chunk) in candidates.chunks(50).enumerate() {
        let dir = format!("h{k:02}");
        // index-url, publish-url, then the rest as extra indexes, one a line.
        let mut text = format!(
            "[tool.uv]\nindex-url = {}\npublish-url = {}\nextra-index-url = [\n",
            toml_str(&chunk[0]),
            toml_str(&chunk[1])
        );
        let mut line_of = BTreeMap::from([(2, &chunk[0]), (3, &chunk[1])]);
        for (i, c) in chunk[2..].iter().enumerate() {
            text += &format!("  {},\n", toml_str(c));
            line_of.insert(i + 5, c);
        }
        text += "]\n";
        sb.write(&format!("{dir}/pyproject.toml"), &text);
        let st = sb.status(&dir);
        let problems = strings(&st["problems"]);
        assert!(
            !problems.iter().any(|p| p.contains("not valid TOML")),
            "{dir}: {problems:?}"
        );
        for s in st["sources"].as_array().unwrap() {
            let line = s["line"].as_u64().unwrap() as usize;
            let raw = line_of.get(&line).unwrap_or_else(|| panic!("{dir}:{line}"));
            let url = s["url"].as_str().unwrap().to_string();
            let host = s["host"].as_str().unwrap().to_string();
            // One of the bases' hosts, or another CodeArtifact host of the same shape (a
            // piece at the host's start makes `xcorp-…`, a domain of its own).
            let first = [
                ".d.codeartifact.us-west-2.amazonaws.com",
                ".d.codeartifact.us-west-2.on.aws",
                ".d.codeartifact.us-west-2.vpce.amazonaws.com",
            ]
            .iter()
            .find_map(|t| host.strip_suffix(t));
            assert!(
                legit.contains(&host)
                    || first.is_some_and(|f| {
                        !f.is_empty()
                            && f.bytes()
                                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                    }),
                "{raw:?} names {host}"
            );
            assert_eq!(s["trusted"], true, "{raw:?}");
            items.push((raw.to_string(), url.clone(), host));
            urls.push(url);
        }
        for (line, raw) in &line_of {
            let said = problems
                .iter()
                .any(|p| p.starts_with(&format!("pyproject.toml:{line}: ")));
            let accepted = items.iter().any(|(r, _, _)| r == *raw);
            if said {
                assert!(!accepted, "{raw:?} is both a problem and a source");
                rejected.push(raw.to_string());
            }
        }
        let out = bounded_run(&sb, &dir, &["export", "json"]);
        assert_eq!(out.code, Some(0), "{dir}: {}", out.stderr);
        assert_eq!(out.stderr, "", "{dir}");
        for (name, value) in json(&out.stdout).as_object().unwrap() {
            let Some(v) = value.as_str().filter(|v| v.contains("://")) else {
                continue;
            };
            assert!(name.contains("URL") || name == "UV_INDEX", "{name}");
            exported.extend(v.split(' ').map(str::to_string));
        }
    }

    let accepted: Vec<&String> = items.iter().map(|(r, _, _)| r).collect();
    for b in &bases {
        assert!(accepted.contains(&b), "a valid base was not accepted: {b}");
    }
    for bad in &known_bad {
        assert!(rejected.contains(bad), "not said to be a problem: {bad:?}");
    }
    for raw in &accepted {
        let bare = raw.replacen(url_placeholder(), "", 1);
        let authority = bare.split('/').nth(2).unwrap_or_default();
        assert!(
            !bare.contains(['@', '\\', '%', '#', '?'])
                && !authority.contains("evil")
                && bare.chars().all(|c| c.is_ascii_graphic())
                && !authority.chars().any(|c| c.is_ascii_uppercase()),
            "accepted: {raw:?}"
        );
    }
    assert!(items.len() >= 40, "only {} accepted", items.len());
    assert!(rejected.len() >= 1500, "only {} rejected", rejected.len());

    let data = serde_json::json!({
        "tokens": standin.calls().iter().filter_map(|c| c.token.clone()).collect::<Vec<_>>(),
        "items": items.iter().map(|(raw, url, host)| serde_json::json!({"raw": raw, "url": url, "host": host})).collect::<Vec<_>>(),
        "urls": urls,
        "exported": exported,
    });
    let file = sb.path().join("accepted.json");
    fs::write(&file, data.to_string()).unwrap();
    let out = Command::new(&python)
        .arg("-c")
        .arg(HOST_CHECK)
        .arg(&file)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", support::stderr(&out));
    assert_eq!(support::stdout(&out).trim(), "0 mismatches");
    // One token for the one domain behind every accepted host, and no connection to the
    // mapped index itself.
    assert!(standin.calls().iter().all(|c| c.owner == "111122223333"));
    index.assert_untouched("the index was contacted");
}

fn url_placeholder() -> &'static str {
    "aws:${CODEARTIFACT_AUTH_TOKEN}@"
}

// ---------------------------------------------------------------------------------------------
// 2. Names that collide, the export side
// ---------------------------------------------------------------------------------------------

/// `corp-repo` on another host beside `corp.repo` on CodeArtifact (Poetry sources), and `a-b`
/// beside `a.b` (uv indexes): `export bash` and `export json` set nothing for either, `exec`
/// gives the command no token under any name, no token is fetched for them, and the other
/// host (a loopback listener) is never contacted.
#[test]
fn names_that_collide_after_normalising_export_no_token() {
    let other = Decoy::new();
    let o = other.url("/simple/");
    let standin = StandIn::start();
    let sb = Sandbox::for_tokens(&standin, "file");
    sb.write(
        &format!("{PROJECT}/pyproject.toml"),
        &format!(
            "[[tool.poetry.source]]\nname = \"corp-repo\"\nurl = \"{o}\"\n\n\
             [[tool.poetry.source]]\nname = \"corp.repo\"\nurl = \"{CA}\"\n\n\
             [[tool.uv.index]]\nname = \"a-b\"\nurl = \"https://other.example/simple/\"\n\n\
             [[tool.uv.index]]\nname = \"a.b\"\nurl = \"{CA}\"\n"
        ),
    );
    let st = sb.status(PROJECT);
    assert_eq!(st["sources"], serde_json::json!([]));
    assert_eq!(strings(&st["problems"]).len(), 2);
    for shell in ["bash", "json"] {
        let out = bounded_run(&sb, PROJECT, &["export", shell]);
        assert_eq!(out.code, Some(0), "{shell}: {}", out.stderr);
        assert_eq!(out.stderr, "", "{shell}");
        if shell == "json" {
            let keys: Vec<String> = json(&out.stdout)
                .as_object()
                .unwrap()
                .keys()
                .filter(|k| *k != STATE)
                .cloned()
                .collect();
            assert_eq!(keys, Vec::<String>::new());
        } else {
            assert_eq!(exported_names(&out.stdout), Vec::<String>::new());
        }
    }
    let out = bounded_run(&sb, PROJECT, &["exec", "--", "env"]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert_eq!(out.stderr, "");
    for name in ["POETRY_HTTP_BASIC_", "UV_INDEX_", SHARED] {
        assert!(!out.stdout.contains(name), "{name}: {}", out.stdout);
    }
    assert!(standin.calls().is_empty(), "a token was fetched");
    other.assert_untouched("the other host was contacted");

    // Beside a source that does not collide, only that one's variables are set.
    sb.write(
        &format!("{PROJECT}/uv.toml"),
        &format!("[[index]]\nname = \"same\"\nurl = \"{CA}\"\n"),
    );
    let out = bounded_run(&sb, PROJECT, &["export", "json"]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let v = json(&out.stdout);
    let mut keys: Vec<&String> = v.as_object().unwrap().keys().collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            SHARED,
            "UV_INDEX_SAME_PASSWORD",
            "UV_INDEX_SAME_USERNAME",
            STATE
        ]
    );
    assert_eq!(standin.ok_calls(), 1);
}

// ---------------------------------------------------------------------------------------------
// 3. Untrusted projects and confused deputies
// ---------------------------------------------------------------------------------------------

/// Runs `cmd` with stdin a pipe that is never written, kept open until the command returns
/// (a command that waited for input would never return: after 10 s the test fails), then
/// closed. Returns (status, stdout, stderr).
fn run_with_silent_stdin(mut cmd: Command, what: &str) -> (Option<i32>, String, String) {
    cmd.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    let stdin = child.stdin.take().unwrap();
    let started = std::time::Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > std::time::Duration::from_secs(10) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{what}: still running after 10 s with stdin open: it waits for input");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    drop(stdin);
    let out = child.wait_with_output().unwrap();
    (
        out.status.code(),
        support::stdout(&out),
        support::stderr(&out),
    )
}

/// An untrusted project: every `export` dialect exits 0 with exactly the one line naming the
/// domain and account, sets nothing and reads no input; `exec` exits 3 with one line and never
/// runs the command; the stand-in gets no call at all.
#[test]
fn an_untrusted_project_calls_nothing_reads_nothing_and_says_one_line() {
    let standin = StandIn::start();
    let sb = Sandbox::for_tokens(&standin, "file");
    sb.write_config("");
    let line = "ca-env: this project uses domain corp in account 111122223333, which is not trusted; nothing is set for it; hint: run 'ca-env allow' to trust it";
    for dialect in ["bash", "zsh", "fish", "json"] {
        let (code, out, err) =
            run_with_silent_stdin(sb.command(PROJECT, &["export", dialect]), dialect);
        assert_eq!(code, Some(0), "{dialect}: {err}");
        assert_eq!(err.lines().collect::<Vec<_>>(), [line], "{dialect}");
        for name in [PASS, USER, SHARED] {
            assert!(!out.contains(name), "{dialect}: {out}");
        }
    }
    let canary = sb.path().join("canary");
    let (code, out, err) = run_with_silent_stdin(
        sb.command(PROJECT, &["exec", "--", "touch", canary.to_str().unwrap()]),
        "exec",
    );
    assert_eq!(code, Some(3), "{err}");
    assert_eq!(out, "");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with("ca-env: ") && err.contains("corp") && err.contains("111122223333"),
        "{err}"
    );
    assert!(err.contains("ca-env allow"), "{err}");
    assert!(!canary.exists(), "the command ran");
    assert!(standin.calls().is_empty(), "{:?}", standin.calls());
}

/// Writes, inside the project, every place a cloned repository might try to name the AWS
/// endpoint, credentials or a credential process: pyproject tables, pip.conf, poetry.toml,
/// `.envrc`, `.env`, and `.aws/config` + `.aws/credentials`. The credential process touches
/// `canary` and would hand out the second test key.
fn write_hostile_aws_files(sb: &Sandbox, decoy: &str, canary: &Path, profile_line: &str) {
    let p = sb.home().join(PROJECT);
    let script = p.join("bin/creds.sh");
    fs::create_dir_all(script.parent().unwrap()).unwrap();
    support::write_executable(
        &script,
        &format!(
            "#!/bin/sh\ntouch '{}'\nprintf '%s' '{{\"Version\":1,\"AccessKeyId\":\"{}\",\"SecretAccessKey\":\"{}\"}}'\n",
            canary.display(),
            support::standin::OTHER_KEY_ID,
            support::standin::OTHER_SECRET
        ),
    );
    let s = script.display();
    sb.write(
        &format!("{PROJECT}/pyproject.toml"),
        &format!(
            "[[tool.poetry.source]]\nname = \"corp\"\nurl = \"{CA}\"\n\n\
             [tool.ca-env]\nendpoint_url = \"{decoy}\"\nendpoint-url = \"{decoy}\"\nAWS_ENDPOINT_URL = \"{decoy}\"\ncredential_process = \"{s}\"\n\n\
             [[tool.poetry_codeartifact_login.source]]\nname = \"corp\"\ndomain = \"corp\"\ndomain_owner = \"111122223333\"\n{profile_line}\
             endpoint_url = \"{decoy}\"\naws_endpoint_url = \"{decoy}\"\nregion = \"us-east-1\"\ncredential_process = \"{s}\"\n"
        ),
    );
    sb.write(
        &format!("{PROJECT}/pip.conf"),
        &format!("[global]\nendpoint_url = {decoy}\n[aws]\nendpoint_url = {decoy}\ncredential_process = {s}\n"),
    );
    sb.write(
        &format!("{PROJECT}/poetry.toml"),
        &format!("[aws]\nendpoint_url = \"{decoy}\"\n[repositories.corp]\nurl = \"{CA}\"\n"),
    );
    for f in [".envrc", ".env"] {
        sb.write(
            &format!("{PROJECT}/{f}"),
            &format!(
                "export AWS_ENDPOINT_URL={decoy}\nexport AWS_ENDPOINT_URL_CODEARTIFACT={decoy}\nexport AWS_CONFIG_FILE={}/.aws/config\n",
                p.display()
            ),
        );
    }
    let aws = format!(
        "[default]\nendpoint_url = {decoy}\ncredential_process = {s}\nservices = evil\n\n\
         [profile evil]\nendpoint_url = {decoy}\ncredential_process = {s}\n\n\
         [services evil]\ncodeartifact =\n  endpoint_url = {decoy}\n"
    );
    sb.write(&format!("{PROJECT}/.aws/config"), &aws);
    sb.write(
        &format!("{PROJECT}/.aws/credentials"),
        &format!(
            "[default]\naws_access_key_id = {}\naws_secret_access_key = {}\n",
            support::standin::OTHER_KEY_ID,
            support::standin::OTHER_SECRET
        ),
    );
}

/// The sandbox's AWS files unset, so the AWS configuration is HOME's own (absent here).
fn without_aws_files(sb: &mut Sandbox) {
    sb.extra_env
        .retain(|(k, _)| k != "AWS_CONFIG_FILE" && k != "AWS_SHARED_CREDENTIALS_FILE");
}

/// Project files cannot choose the endpoint nor the credentials: with `endpoint_url`,
/// `AWS_ENDPOINT_URL` and `credential_process` written in every project file and in the
/// project's own `.aws/config` and `.aws/credentials`, the one fetch goes to the stand-in the
/// environment names, signed with the environment's key; the decoy endpoint the files name gets
/// no connection and the project's credential process never runs.
#[test]
fn project_files_cannot_choose_the_endpoint_or_the_credentials() {
    let decoy = Decoy::new();
    let decoy_url = decoy.url("");
    let standin = StandIn::start();
    let mut sb = Sandbox::for_tokens(&standin, "file");
    without_aws_files(&mut sb);
    let canary = sb.path().join("canary");
    write_hostile_aws_files(&sb, &decoy_url, &canary, "");
    fs::create_dir_all(sb.home().join(PROJECT).join("sub")).unwrap();
    for (cwd, args) in [
        (PROJECT.to_string(), vec!["export", "json"]),
        (format!("{PROJECT}/sub"), vec!["export", "bash"]),
        (PROJECT.to_string(), vec!["exec", "--", "env"]),
    ] {
        let (code, out, err) = run_with_silent_stdin(sb.command(&cwd, &args), &args.join(" "));
        assert_eq!(code, Some(0), "{args:?}: {err}");
        assert_eq!(err, "", "{args:?}");
        let token = standin.calls()[0].token.clone().unwrap();
        assert!(out.contains(&token), "{args:?}: {out}");
    }
    let calls = standin.calls();
    assert_eq!(calls.len(), 1, "{calls:?}");
    assert_eq!(calls[0].status, 200);
    assert_eq!(calls[0].key_id, support::standin::TEST_KEY_ID);
    assert_eq!(calls[0].region, "us-west-2");
    assert!(!canary.exists(), "the project's credential process ran");
    decoy.assert_untouched("the project's endpoint was contacted");
}

/// `aws_profile` in `[[tool.poetry_codeartifact_login.source]]` naming a profile defined only in
/// the project's own `.aws/config` (with a credential process in the repository): nothing of
/// the project's runs, no call is made, the hook says one line and sets nothing. Naming a
/// profile of the user's own AWS configuration works: that is the plugin's documented feature,
/// and the credentials come from the user's file.
#[test]
fn a_profile_named_by_the_project_comes_only_from_the_users_aws_config() {
    let decoy = Decoy::new();
    let decoy_url = decoy.url("");
    let standin = StandIn::start();
    let mut sb = Sandbox::for_tokens(&standin, "file");
    without_aws_files(&mut sb);
    sb.without_env_keys();
    let canary = sb.path().join("canary");
    write_hostile_aws_files(&sb, &decoy_url, &canary, "aws_profile = \"evil\"\n");
    // Only the Poetry source, the one `aws_profile` applies to (poetry.toml's publish target
    // would be a second source with the default profile).
    sb.write(
        &format!("{PROJECT}/poetry.toml"),
        &format!("[aws]\nendpoint_url = \"{decoy_url}\"\nprofile = \"evil\"\n"),
    );
    let st = sb.status(PROJECT);
    assert_eq!(st["sources"][0]["profile"], "evil");
    let (code, out, err) =
        run_with_silent_stdin(sb.command(PROJECT, &["export", "json"]), "export");
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with("ca-env: no token for corp-111122223333 in us-west-2 (profile evil) ")
            && err.contains("no usable AWS credentials from profile 'evil'"),
        "{err}"
    );
    assert!(!out.contains(PASS), "{out}");
    let (code, out, err) =
        run_with_silent_stdin(sb.command(PROJECT, &["exec", "--", "env"]), "exec");
    assert_ne!(code, Some(0), "{out}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert_eq!(out, "");
    assert!(standin.calls().is_empty(), "{:?}", standin.calls());
    assert!(!canary.exists(), "the project's credential process ran");

    // The same profile name in the user's own configuration: its credential process (outside
    // the project) runs, and the fetch is signed with what it gives.
    let mine = sb.path().join("mine");
    let script = sb.home().join(".local/bin/my-creds.sh");
    fs::create_dir_all(script.parent().unwrap()).unwrap();
    support::write_executable(
        &script,
        &format!(
            "#!/bin/sh\ntouch '{}'\nprintf '%s' '{{\"Version\":1,\"AccessKeyId\":\"{}\",\"SecretAccessKey\":\"{}\"}}'\n",
            mine.display(),
            support::standin::OTHER_KEY_ID,
            support::standin::OTHER_SECRET
        ),
    );
    sb.write(
        ".aws/config",
        &format!(
            "[profile evil]\ncredential_process = {}\n",
            script.display()
        ),
    );
    // `token` tries at once (the hook waits out the back-off of the failure above).
    let (code, tok, err) = run_with_silent_stdin(sb.command(PROJECT, &["token", "corp"]), "token");
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(err, "");
    let (code, out, err) =
        run_with_silent_stdin(sb.command(PROJECT, &["export", "json"]), "export");
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(err, "");
    let calls = standin.calls();
    assert_eq!(Some(tok.trim_end()), calls[0].token.as_deref());
    assert_eq!(calls.len(), 1, "{calls:?}");
    assert_eq!(calls[0].key_id, support::standin::OTHER_KEY_ID);
    assert_eq!(
        json(&out)[PASS].as_str(),
        calls[0].token.as_deref(),
        "{out}"
    );
    assert!(mine.exists());
    assert!(!canary.exists(), "the project's credential process ran");
    decoy.assert_untouched("the project's endpoint was contacted");
}

/// Indexes that are not CodeArtifact (a loopback index with no `[[mapping]]`, and
/// `https://evil.example`) in every file ca-env reads, beside a trusted CodeArtifact source:
/// the token goes only into the variables of the CodeArtifact source, no variable names those
/// hosts, and the loopback index is never contacted.
#[test]
fn hosts_that_are_not_codeartifact_never_get_the_token() {
    let index = Decoy::new();
    let loop_url = index.url("/simple/");
    let evil = "https://evil.example/simple/";
    let standin = StandIn::start();
    let sb = Sandbox::for_tokens(&standin, "file");
    sb.write(
        &format!("{PROJECT}/pyproject.toml"),
        &format!(
            "[[tool.poetry.source]]\nname = \"corp\"\nurl = \"{CA}\"\n\n\
             [[tool.poetry.source]]\nname = \"loop\"\nurl = \"{loop_url}\"\n\n\
             [[tool.poetry.source]]\nname = \"evil\"\nurl = \"{evil}\"\n\n\
             [[tool.pdm.source]]\nname = \"pypi\"\nurl = \"{evil}\"\n\n\
             [tool.uv]\nindex-url = \"{loop_url}\"\nextra-index-url = [\"{evil}\"]\npublish-url = \"{evil}\"\n\n\
             [[tool.uv.index]]\nname = \"evil\"\nurl = \"{evil}\"\n\n\
             [[tool.uv.index]]\nurl = \"{loop_url}\"\ndefault = true\n"
        ),
    );
    sb.write(
        &format!("{PROJECT}/requirements.txt"),
        &format!("--index-url {loop_url}\n--extra-index-url {evil}\n"),
    );
    sb.write(
        &format!("{PROJECT}/pip.conf"),
        &format!("[global]\nindex-url = {evil}\nextra-index-url = {loop_url}\n"),
    );
    sb.write(
        &format!("{PROJECT}/poetry.toml"),
        &format!("[repositories.evil]\nurl = \"{evil}\"\n"),
    );
    let st = sb.status(PROJECT);
    let names: Vec<String> = support::sources(&st)
        .into_iter()
        .map(|s| s[0].clone())
        .collect();
    assert_eq!(names, ["corp"]);

    let out = bounded_run(&sb, PROJECT, &["export", "json"]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert_eq!(out.stderr, "");
    let token = standin.calls()[0].token.clone().unwrap();
    let v = json(&out.stdout);
    let mut with_token: Vec<&str> = v
        .as_object()
        .unwrap()
        .iter()
        .filter(|(_, v)| v.as_str().is_some_and(|s| s.contains(&token)))
        .map(|(k, _)| k.as_str())
        .collect();
    with_token.sort();
    assert_eq!(with_token, [SHARED, PASS]);
    let port = index.port().to_string();
    for (k, val) in v.as_object().unwrap() {
        let s = val.as_str().unwrap_or_default();
        assert!(
            !s.contains("evil") && !s.contains(&port),
            "{k} names another host: {s}"
        );
    }

    let run = bounded_run(&sb, PROJECT, &["exec", "--", "env"]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let mut with_token: Vec<&str> = run
        .stdout
        .lines()
        .filter(|l| l.contains(&token))
        .filter_map(|l| l.split_once('=').map(|(k, _)| k))
        .collect();
    with_token.sort();
    assert_eq!(with_token, [SHARED, PASS]);
    assert!(!run.stdout.contains("evil.example") && !run.stdout.contains(&format!(":{port}")));
    assert_eq!(standin.ok_calls(), 1);
    index.assert_untouched("the loopback index was contacted");
}
