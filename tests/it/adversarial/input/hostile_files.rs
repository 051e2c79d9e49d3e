//! Hostile files: huge, sparse, deeply nested, looping, unreadable or not files at all; bounded
//! time and memory, an error naming path and line only (docs/security.md, section 7).

use super::{bounded_run, exported_names, json, strings, MARKER, PASS, SHARED, STATE};
use crate::support::{self, bounded};

use std::fs;
use std::path::Path;
use std::process::Command;

use support::standin::StandIn;
use support::{Sandbox, BIN, CA, PROJECT};

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
            "poetry.toml:1: not valid TOML",
            // uv's settings are read after the project's own files, as uv finds them.
            "uv.toml:1: not valid TOML",
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
            "poetry.toml: a symlink loop",
            "pip.conf: leads outside the project; not read",
            "pip.ini: a symlink loop",
            "requirements.txt: not a regular file; not read",
            "requirements/a.txt: not a regular file; not read",
            "inner.fifo: not a regular file; not read",
            "uv.toml: not a regular file; not read",
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
