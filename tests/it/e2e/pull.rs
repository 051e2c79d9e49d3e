//! Pull mode: tools started with no hook and no variable of ca-env's ask the `keyring` link
//! (`ca-env keyring install`) for the URL they are about to fetch, through uv's and pip's
//! subprocess keyring provider. The link answers trusted CodeArtifact repositories and mapped
//! hosts and nothing else; real uv (`uv pip install`, `uv sync`) and real pip install from the
//! loopback index through it, and fail without it.

use super::*;

use support::{stderr, stdout, Decoy, CA, PROJECT};

/// `dir/keyring`, run with the sandbox's environment in `cwd`.
fn keyring(sb: &Sandbox, dir: &Path, cwd: &str, args: &[&str]) -> std::process::Output {
    let mut cmd = Command::new(dir.join("keyring"));
    cmd.args(args).stdin(std::process::Stdio::null());
    sb.inside(cmd, cwd).output().unwrap()
}

/// `PATH` with `dirs` in front of this process's own.
fn path_with(dirs: &[&Path]) -> String {
    let mut parts: Vec<String> = dirs.iter().map(|d| d.display().to_string()).collect();
    parts.push(std::env::var("PATH").unwrap_or_default());
    parts.join(":")
}

/// Asserts `out` is the silent refusal another credential source follows: status 1, nothing on
/// stdout, and on stderr nothing or (`said`) one line containing it.
fn refused(out: &std::process::Output, said: Option<&str>, what: &str) {
    assert_eq!(out.status.code(), Some(1), "{what}: {}", stderr(out));
    assert_eq!(stdout(out), "", "{what}");
    match said {
        None => assert_eq!(stderr(out), "", "{what}"),
        Some(text) => {
            assert_eq!(stderr(out).lines().count(), 1, "{what}: {}", stderr(out));
            assert!(stderr(out).contains(text), "{what}: {}", stderr(out));
        }
    }
}

#[test]
fn the_keyring_link_answers_trusted_and_mapped_indexes_and_nothing_else() {
    let standin = StandIn::start();
    let mut sb = Sandbox::for_tokens(&standin, "file");
    let mapped = Decoy::new();
    let other = Decoy::new();
    sb.write_config(&format!(
        "[trust]\nowners = [\"{OWNER}\"]\n\n[[mapping]]\nurl = \"{}\"\ndomain = \"corp\"\n\
         owner = \"{OWNER}\"\nregion = \"us-west-2\"\nrepository = \"pypi-store\"\n",
        mapped.url("/")
    ));
    let bin = sb.path().join("bin");
    sb.set_env("PATH", path_with(&[&bin]));

    let out = sb.run(
        "",
        &["keyring", "install", "--dir", &bin.display().to_string()],
    );
    let link = bin.join("keyring");
    assert_eq!(
        support::ok(&out),
        format!(
            "{} -> {}",
            link.display(),
            fs::canonicalize(BIN).unwrap().display()
        )
    );
    assert_eq!(stderr(&out), "", "first on PATH: nothing to say");
    assert!(fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());

    // From outside any project, as a cron job or an IDE would run it.
    let token = support::ok(&keyring(&sb, &bin, "", &["get", CA, "aws"]));
    assert_eq!(standin.ok_calls(), 1);
    let host = CA.split('/').take(3).collect::<Vec<_>>().join("/");
    let mapped_index = mapped.url("/simple/");
    let port = format!("127.0.0.1:{}", mapped.port());
    let creds = format!("aws\n{token}\n");
    let json = format!("{{\"password\":\"{token}\",\"username\":\"aws\"}}\n");
    let answered: &[(&[&str], &str)] = &[
        // uv with a user name, then without (`authenticate = "always"`); pip 25 and later.
        (&["get", CA, "aws"], &format!("{token}\n")),
        (&["get", CA, "--mode", "creds"], &creds),
        (&["--mode=creds", "--output=json", "get", CA], &json),
        (&["--mode=creds", "--output=json", "get", CA, "aws"], &json),
        // The files an index links to, on its host.
        (
            &[
                "get",
                &format!("{host}/pypi/pypi-store/simple/corp-private-lib/"),
                "aws",
            ],
            &format!("{token}\n"),
        ),
        // A mapped index, and its loopback host as uv and pip ask next.
        (&["get", &mapped_index, "aws"], &format!("{token}\n")),
        (&["get", &port, "--mode", "creds"], &creds),
        (&["get", &mapped.url(""), "aws"], &format!("{token}\n")),
    ];
    for (args, want) in answered {
        let out = keyring(&sb, &bin, "", args);
        assert_eq!(stdout(&out), *want, "{args:?}: {}", stderr(&out));
        assert_eq!(out.status.code(), Some(0), "{args:?}");
        assert_eq!(stderr(&out), "", "{args:?}");
    }
    // The same through ca-env's own command line, and from inside the project.
    let out = sb.run(PROJECT, &["keyring", "get", CA, "aws"]);
    assert_eq!(support::ok(&out), token);
    assert_eq!(standin.ok_calls(), 1, "every answer came from the store");

    let untrusted =
        "https://other-444455556666.d.codeartifact.us-west-2.amazonaws.com/pypi/r/simple/";
    let refusals: &[(&[&str], Option<&str>)] = &[
        (&["get", "https://pypi.org/simple/", "aws"], None),
        (&["get", "pypi.org", "--mode", "creds"], None),
        (&["get", &other.url("/simple/"), "aws"], None),
        (
            &["get", &format!("127.0.0.1:{}", other.port()), "aws"],
            None,
        ),
        (
            &["--mode=creds", "--output=json", "get", &other.url("/")],
            None,
        ),
        // CodeArtifact over http, a host alone (its scheme unknown), a look-alike, userinfo.
        (&["get", &CA.replace("https://", "http://"), "aws"], None),
        (&["get", &host["https://".len()..], "aws"], None),
        (
            &["get", &CA.replace(".com/", ".com.evil.example/"), "aws"],
            None,
        ),
        (
            &["get", &CA.replace("https://", "https://aws@"), "aws"],
            None,
        ),
        // An untrusted domain: said, and no AWS call.
        (&["get", untrusted, "aws"], Some("not trusted")),
        (
            &["--mode=creds", "--output=json", "get", untrusted],
            Some("ca-env allow"),
        ),
    ];
    for (args, said) in refusals {
        refused(&keyring(&sb, &bin, "", args), *said, &format!("{args:?}"));
    }
    assert_eq!(standin.calls().len(), 1);
    mapped.assert_untouched("the mapped host is never contacted");
    other.assert_untouched("nor any other");

    // Only `get`: anything else is a usage error.
    let out = keyring(&sb, &bin, "", &["set", CA, "aws"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert_eq!(stdout(&out), "");
}

#[test]
fn a_fetch_past_hook_deadline_is_refused_in_time_and_stored_for_the_next_ask() {
    let _alone = support::heavy();
    let standin = StandIn::start();
    let sb = Sandbox::for_tokens(&standin, "file");
    sb.write_config(&format!(
        "[trust]\nowners = [\"{OWNER}\"]\n[defaults]\nhook_deadline = \"1s\"\n"
    ));
    let bin = sb.path().join("bin");
    support::ok(&sb.run(
        "",
        &["keyring", "install", "--dir", &bin.display().to_string()],
    ));
    standin.delay(Duration::from_millis(2500));
    let started = Instant::now();
    let out = keyring(&sb, &bin, "", &["get", CA, "--mode", "creds"]);
    let took = started.elapsed();
    refused(&out, Some("still fetching"), "past the deadline");
    assert!(took < Duration::from_millis(2400), "waited {took:?}");
    // The fetch goes on detached and stores the token; a later ask answers from the store.
    let waited = Instant::now();
    let token = loop {
        let out = keyring(&sb, &bin, "", &["get", CA, "aws"]);
        if out.status.success() {
            break stdout(&out).trim_end().to_string();
        }
        assert!(
            waited.elapsed() < Duration::from_secs(20),
            "{}",
            stderr(&out)
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    let issued: Vec<String> = standin.issued();
    assert_eq!(issued, [token], "one fetch");
}

#[test]
fn install_says_when_another_keyring_comes_first_and_replaces_only_its_own_link() {
    let sb = Sandbox::new();
    let bin = sb.path().join("bin");
    let dir = bin.display().to_string();
    let link = bin.join("keyring");
    // A Python keyring (the one Poetry brings) first on PATH, as pipx or pip --user leave it.
    let python = python_tool("keyring");
    let python_dir = python.parent().unwrap();
    let mut cmd = sb.command("", &["keyring", "install", "--dir", &dir]);
    let out = cmd
        .env("PATH", path_with(&[python_dir, &bin]))
        .output()
        .unwrap();
    support::ok(&out);
    let said = stderr(&out);
    assert_eq!(said.lines().count(), 1, "{said}");
    assert!(
        said.contains(&format!("{} comes first on PATH", python.display())),
        "{said}"
    );
    assert!(said.contains(&format!("put {dir} before")), "{said}");

    // Not on PATH at all.
    let mut cmd = sb.command("", &["keyring", "install", "--dir", &dir]);
    let out = cmd.env("PATH", "/usr/bin:/bin").output().unwrap();
    support::ok(&out);
    assert!(stderr(&out).contains("is not on PATH"), "{}", stderr(&out));

    // Its own link goes; something else in its place stays.
    support::ok(&sb.run("", &["keyring", "uninstall", "--dir", &dir]));
    assert!(fs::symlink_metadata(&link).is_err());
    let out = sb.run("", &["keyring", "uninstall", "--dir", &dir]);
    support::ok(&out);
    assert!(stderr(&out).contains("no keyring link"), "{}", stderr(&out));
    support::write_executable(&link, "#!/bin/sh\nexit 1\n");
    for action in ["install", "uninstall"] {
        let out = sb.run("", &["keyring", action, "--dir", &dir]);
        assert_eq!(out.status.code(), Some(1), "{action}");
        assert_eq!(stderr(&out).lines().count(), 1, "{}", stderr(&out));
        assert!(stderr(&out).contains("not a link to ca-env"), "{action}");
        assert_eq!(fs::read_to_string(&link).unwrap(), "#!/bin/sh\nexit 1\n");
    }

    // The default place: ~/.local/bin.
    let out = sb.run("", &["keyring", "install"]);
    support::ok(&out);
    let default = sb.home().join(".local/bin/keyring");
    assert!(fs::symlink_metadata(&default)
        .unwrap()
        .file_type()
        .is_symlink());
    support::ok(&sb.run("", &["keyring", "uninstall"]));
    assert!(fs::symlink_metadata(&default).is_err());
}

/// The variables ca-env sets or reads for itself: none may be set for pull mode's tools.
const CA_ENV_VARIABLES: &[&str] = &[
    "CA_ENV_",
    "__CA_ENV_",
    "PIP_INDEX_URL",
    "PIP_EXTRA_INDEX_URL",
    "UV_INDEX",
    "UV_DEFAULT_INDEX",
    "UV_EXTRA_INDEX_URL",
    "NETRC",
    "CODEARTIFACT_AUTH_TOKEN",
];

/// `program` run directly in `dir` (no shell, no hook), with the sandbox's environment less
/// every variable of ca-env's, `env` added, and the link's directory first on PATH or not there.
fn pull(
    w: &World,
    dir: &str,
    link: Option<&Path>,
    program: &Path,
    args: &[&str],
    env: &[(&str, &str)],
) -> std::process::Output {
    let py_bin = python_tool("python").parent().unwrap().to_path_buf();
    let mut dirs: Vec<&Path> = link.into_iter().collect();
    dirs.push(&py_bin);
    let mut cmd = Command::new(program);
    cmd.args(args).stdin(std::process::Stdio::null());
    let mut cmd = w.sb.inside(cmd, dir);
    cmd.env("PATH", path_with(&dirs));
    for (name, _) in w.sb.env_pairs() {
        if CA_ENV_VARIABLES.iter().any(|v| name.starts_with(v)) {
            cmd.env_remove(&name);
        }
    }
    cmd.envs(env.iter().copied());
    let out = cmd.output().unwrap();
    assert!(
        cmd.get_envs().all(|(name, value)| value.is_none()
            || !CA_ENV_VARIABLES
                .iter()
                .any(|v| name.to_string_lossy().starts_with(v))),
        "no variable of ca-env's"
    );
    out
}

/// A tool's run in a project directory.
struct Run<'a> {
    dir: &'a str,
    program: &'a Path,
    args: Vec<&'a str>,
    env: Vec<(&'a str, &'a str)>,
    /// What the tool says when the index turns it away.
    refused: &'a str,
}

#[test]
fn uv_and_pip_install_through_the_keyring_link_with_no_hook_and_fail_without() {
    let mut w = World::start(None);
    let bin = w.sb.path().join("bin");
    support::ok(&w.sb.run(
        "",
        &["keyring", "install", "--dir", &bin.display().to_string()],
    ));
    let token = w.token();
    let index = w.index.simple();
    let with_user = index.replace("http://", "http://aws@");

    // uv's pip interface, the user name in the URL: `keyring get URL aws`.
    let uv_pip = "uv-pip-pull";
    fs::create_dir_all(w.sb.home().join(uv_pip)).unwrap();
    // uv sync, the index saying `authenticate = "always"`: `keyring get URL --mode creds`.
    let uv_sync = "uv-sync-pull";
    w.sb.write(
        &format!("{uv_sync}/pyproject.toml"),
        &format!(
            "[project]\nname = \"app\"\nversion = \"0.1.0\"\nrequires-python = \">=3.9\"\n\
             dependencies = [\"{PACKAGE}\"]\n\n[[tool.uv.index]]\nname = \"corp\"\nurl = \"{index}\"\n\
             authenticate = \"always\"\n\n[tool.uv.sources]\n{PACKAGE} = {{ index = \"corp\" }}\n"
        ),
    );
    // pip, a requirements file naming its own index (no netrc copy anywhere).
    let pip = "pip-pull";
    w.sb.write(
        &format!("{pip}/requirements.txt"),
        &format!("--index-url {index}\n{PACKAGE}\n"),
    );
    let uv = python_tool("uv");
    let pip_bin = python_tool("pip");
    let python = python_tool("python3");
    let runs = [
        Run {
            dir: uv_pip,
            program: &uv,
            args: vec![
                "pip",
                "install",
                "--keyring-provider",
                "subprocess",
                "--index-url",
                &with_user,
                PACKAGE,
            ],
            env: vec![],
            // The user name alone.
            refused: "403 Forbidden",
        },
        Run {
            dir: uv_sync,
            program: &uv,
            args: vec!["sync"],
            env: vec![("UV_KEYRING_PROVIDER", "subprocess")],
            refused: "Missing credentials",
        },
        Run {
            dir: pip,
            program: &pip_bin,
            args: vec![
                "--python",
                ".venv/bin/python",
                "install",
                "--keyring-provider",
                "subprocess",
                "-r",
                "requirements.txt",
            ],
            env: vec![],
            refused: "No matching distribution found",
        },
    ];
    let venv = |w: &World, dir: &str, link: Option<&Path>| {
        let _ = fs::remove_dir_all(w.sb.home().join(dir).join(".venv"));
        let _ = fs::remove_file(w.sb.home().join(dir).join("uv.lock"));
        if dir != uv_sync {
            support::ok(&pull(w, dir, link, &python, &["-m", "venv", ".venv"], &[]));
        }
    };

    for (label, link) in [("without", None), ("with", Some(bin.as_path()))] {
        w.caches(label);
        for Run {
            dir,
            program,
            args,
            env,
            refused,
        } in &runs
        {
            venv(&w, dir, link);
            let out = pull(&w, dir, link, program, args, env);
            let said = format!("{}{}", stdout(&out), stderr(&out));
            let root = w.sb.home().join(dir);
            if link.is_none() {
                assert_ne!(out.status.code(), Some(0), "{dir} without the link: {said}");
                assert!(said.contains(refused), "{dir} without the link: {said}");
                assert!(!installed(&root), "{dir}");
                continue;
            }
            assert_eq!(out.status.code(), Some(0), "{dir}: {said}");
            assert!(installed(&root), "{dir}: {said}");
            let imported = Command::new(root.join(".venv/bin/python"))
                .args(["-c", IMPORT])
                .output()
                .unwrap();
            assert_eq!(support::ok(&imported), "1.0.0", "{dir}");
            assert!(!said.contains(&token), "{dir}: the token in the output");
        }
    }
    assert_eq!(
        w.issued(),
        [token],
        "every answer came from the stored token"
    );
    assert!(!w.sb.home().join(".netrc").exists());
    let state = w.sb.state_dir().join("ca-env/netrc");
    assert!(!state.exists(), "no netrc copy");
}
