//! `ca-env exec` and `ca-env dotenv`, run as scripts, CI and docker builds run them.

use crate::support;

use std::fs;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use support::standin::StandIn;
use support::{ok, stderr, stdout, Sandbox, CA, PROJECT};

const PASS: &str = "POETRY_HTTP_BASIC_CORP_PASSWORD";

fn setup() -> (StandIn, Sandbox) {
    let standin = StandIn::start();
    let sb = Sandbox::for_tokens(&standin, "file");
    (standin, sb)
}

fn token_of(standin: &StandIn) -> String {
    standin
        .calls()
        .into_iter()
        .find_map(|c| c.token)
        .expect("a token was issued")
}

#[test]
fn exec_gives_the_child_this_projects_variables_only() {
    let (standin, mut sb) = setup();
    sb.write(
        "two/pyproject.toml",
        "[[tool.uv.index]]\nname = \"other\"\nurl = \"https://other-111122223333.d.codeartifact.eu-west-1.amazonaws.com/pypi/repo/simple/\"\n",
    );
    // A shell whose hook set project two's variables, now running exec in the first project.
    let two: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(&ok(&sb.run("two", &["export", "json"]))).unwrap();
    assert!(two.contains_key("UV_INDEX_OTHER_PASSWORD"), "{two:?}");
    for (k, v) in &two {
        sb.set_env(k, v.as_str().unwrap());
    }
    let out = sb.run(
        PROJECT,
        &[
            "exec",
            "--",
            "sh",
            "-c",
            "printf '%s|%s|%s' \"$POETRY_HTTP_BASIC_CORP_PASSWORD\" \"${UV_INDEX_OTHER_PASSWORD-none}\" \"${__CA_ENV_STATE-none}\"",
        ],
    );
    let issued: Vec<String> = standin.issued();
    assert_eq!(issued.len(), 2);
    assert_eq!(ok(&out), format!("{}|none|none", issued[1]));
}

#[test]
fn exec_passes_the_exit_status_and_signals_through() {
    let (_standin, sb) = setup();
    let out = sb.run(PROJECT, &["exec", "--", "sh", "-c", "exit 7"]);
    assert_eq!(out.status.code(), Some(7));
    assert_eq!(stderr(&out), "");

    let out = sb.run(PROJECT, &["exec", "--", "no-such-command-here"]);
    assert_eq!(out.status.code(), Some(127));
    assert_eq!(stderr(&out).lines().count(), 1, "{}", stderr(&out));

    let mut child = sb
        .command(
            PROJECT,
            &[
                "exec",
                "--",
                "sh",
                "-c",
                "trap 'exit 42' TERM; echo ready; while :; do sleep 0.05; done",
            ],
        )
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert_eq!(line, "ready\n");
    // SAFETY: kill with a valid pid and signal.
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    assert_eq!(child.wait().unwrap().code(), Some(42));
}

#[test]
fn exec_refuses_an_untrusted_domain_before_running_anything() {
    let (standin, sb) = setup();
    sb.write_config("");
    let marker = sb.path().join("ran");
    let out = sb.run(PROJECT, &["exec", "--", "touch", marker.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(3));
    let said = stderr(&out);
    assert_eq!(said.lines().count(), 1, "{said}");
    assert!(
        said.contains("ca-env allow") && said.contains("111122223333"),
        "{said}"
    );
    assert!(!marker.exists());
    assert!(standin.calls().is_empty());
}

#[test]
fn exec_sets_names_no_shell_can_export() {
    let (standin, sb) = setup();
    sb.write(
        &format!("{PROJECT}/pyproject.toml"),
        &format!("[[tool.poetry.source]]\nname = \"corp.private\"\nurl = \"{CA}\"\n"),
    );
    let out = ok(&sb.run(PROJECT, &["exec", "--", "env"]));
    let t = token_of(&standin);
    assert!(
        out.lines()
            .any(|l| l == format!("POETRY_HTTP_BASIC_CORP.PRIVATE_PASSWORD={t}")),
        "{out}"
    );
    // The hook cannot, and says so only where asked (status), exporting nothing for it.
    let hook = ok(&sb.run(PROJECT, &["export", "bash"]));
    assert!(!hook.contains("CORP.PRIVATE"), "{hook}");
}

#[test]
fn dotenv_prints_or_writes_a_private_file() {
    let (standin, sb) = setup();
    let printed = ok(&sb.run(PROJECT, &["dotenv"]));
    let t = token_of(&standin);
    assert!(
        printed.lines().any(|l| l == format!("{PASS}={t}")),
        "{printed}"
    );
    assert!(printed
        .lines()
        .any(|l| l == "POETRY_HTTP_BASIC_CORP_USERNAME=aws"));

    let out = sb.run(PROJECT, &["dotenv", "-o", ".env.codeartifact"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let file = sb.home().join(PROJECT).join(".env.codeartifact");
    assert_eq!(fs::read_to_string(&file).unwrap().trim_end(), printed);
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        fs::metadata(&file).unwrap().permissions().mode() & 0o777,
        0o600
    );
    assert_eq!(stdout(&out), "");
}

/// A symlink the user keeps stays a link: the file it leads to is written (created 0600 when
/// new), through the same rules as a file named directly, so a link to a file holding the
/// user's own lines (their rc file) is refused and the file kept.
#[test]
fn dotenv_writes_where_a_symlink_leads_and_keeps_the_link() {
    use std::os::unix::fs::PermissionsExt;
    let (_standin, sb) = setup();
    let project = sb.home().join(PROJECT);
    let secrets = sb.home().join("secrets");
    fs::create_dir_all(&secrets).unwrap();
    let link = project.join(".env.ca");
    std::os::unix::fs::symlink("../secrets/ca.env", &link).unwrap();
    let out = sb.run(PROJECT, &["dotenv", "-o", ".env.ca"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    let real = secrets.join("ca.env");
    assert!(fs::read_to_string(&real).unwrap().contains(PASS));
    assert_eq!(
        fs::metadata(&real).unwrap().permissions().mode() & 0o777,
        0o600
    );
    assert_eq!(
        fs::read_dir(&secrets).unwrap().count(),
        1,
        "no temporary file left"
    );
    // Written again over the file it wrote before.
    let out = sb.run(PROJECT, &["dotenv", "-o", ".env.ca"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());

    let victim = sb.write(".bashrc", "# the user's rc file\nexport EDITOR=vi\n");
    let rc = project.join(".env.rc");
    std::os::unix::fs::symlink(&victim, &rc).unwrap();
    let out = sb.run(PROJECT, &["dotenv", "-o", ".env.rc"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert_eq!(stderr(&out).lines().count(), 1, "{}", stderr(&out));
    assert_eq!(
        fs::read_to_string(&victim).unwrap(),
        "# the user's rc file\nexport EDITOR=vi\n"
    );
    assert!(fs::symlink_metadata(&rc).unwrap().file_type().is_symlink());
}

/// `-` is standard output; a FIFO, a character device and a link to `/proc/self/fd/1` are
/// written through and stay what they were; a directory is refused. No file holding tokens
/// appears in place of any of them.
#[test]
fn dotenv_writes_through_special_files_and_never_replaces_them() {
    use std::os::unix::fs::FileTypeExt;
    let (_standin, sb) = setup();
    let project = sb.home().join(PROJECT);
    let printed = ok(&sb.run(PROJECT, &["dotenv"]));

    let out = sb.run(PROJECT, &["dotenv", "-o", "-"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out).trim_end(), printed);
    assert!(!project.join("-").exists(), "no file named '-'");

    // A link to the process's standard output, as /dev/stdout is.
    let fd1 = project.join("out");
    std::os::unix::fs::symlink("/proc/self/fd/1", &fd1).unwrap();
    let out = sb.run(PROJECT, &["dotenv", "-o", "out"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out).trim_end(), printed);
    assert_eq!(
        fs::read_link(&fd1).unwrap(),
        std::path::PathBuf::from("/proc/self/fd/1")
    );

    // A character device: a link to /dev/null, which stays the device.
    let null = project.join("null");
    std::os::unix::fs::symlink("/dev/null", &null).unwrap();
    let out = sb.run(PROJECT, &["dotenv", "-o", "null"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(fs::metadata("/dev/null")
        .unwrap()
        .file_type()
        .is_char_device());
    assert!(fs::symlink_metadata(&null)
        .unwrap()
        .file_type()
        .is_symlink());

    let fifo = project.join("fifo");
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || fs::read_to_string(fifo).unwrap())
    };
    let out = sb.run(PROJECT, &["dotenv", "-o", "fifo"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(reader.join().unwrap().trim_end(), printed);
    assert!(fs::symlink_metadata(&fifo).unwrap().file_type().is_fifo());

    let dir = project.join("build");
    fs::create_dir_all(&dir).unwrap();
    let out = sb.run(PROJECT, &["dotenv", "-o", "build"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert_eq!(stderr(&out).lines().count(), 1, "{}", stderr(&out));
    assert!(fs::metadata(&dir).unwrap().is_dir());
    assert_eq!(fs::read_dir(&dir).unwrap().count(), 0);
    assert_eq!(
        fs::read_dir(&project).unwrap().count(),
        5,
        "pyproject.toml, out, null, fifo, build and no temporary file"
    );
}

/// docker compose reads `.env` by default, so it is a natural target: one holding the user's
/// own settings is refused and kept; one ca-env wrote (or an empty one) is replaced.
#[test]
fn dotenv_keeps_an_env_file_holding_the_users_own_settings() {
    let (_standin, sb) = setup();
    let env = sb.home().join(PROJECT).join(".env");
    let theirs =
        "# compose settings\nCOMPOSE_PROJECT_NAME=shop\nPIP_INDEX_URL=https://pypi.org/simple/\n";
    fs::write(&env, theirs).unwrap();
    let out = sb.run(PROJECT, &["dotenv", "-o", ".env"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let said = stderr(&out);
    assert_eq!(said.lines().count(), 1, "{said}");
    assert!(
        said.contains(".env.codeartifact") && said.contains("--env-file"),
        "{said}"
    );
    assert_eq!(fs::read_to_string(&env).unwrap(), theirs);

    fs::write(&env, "\n").unwrap();
    let out = sb.run(PROJECT, &["dotenv", "-o", ".env"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(fs::read_to_string(&env).unwrap().contains(PASS));
    let out = sb.run(PROJECT, &["dotenv", "-o", ".env"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

fn git(sb: &Sandbox, args: &[&str]) {
    let status = Command::new("git")
        .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
        .args(args)
        .current_dir(sb.home().join(PROJECT))
        .env("HOME", sb.home())
        .stdout(Stdio::null())
        .status()
        .expect("git runs (the test command installs it)");
    assert!(status.success(), "git {args:?}");
}

#[test]
fn dotenv_refuses_a_tracked_file_and_warns_about_unignored_ones() {
    let (_standin, sb) = setup();
    git(&sb, &["init", "-q"]);
    sb.write(&format!("{PROJECT}/.env.tracked"), "KEEP=1\n");
    git(&sb, &["add", ".env.tracked"]);
    git(&sb, &["commit", "-q", "-m", "x"]);
    let out = sb.run(PROJECT, &["dotenv", "-o", ".env.tracked"]);
    assert_eq!(out.status.code(), Some(3));
    assert_eq!(stderr(&out).lines().count(), 1, "{}", stderr(&out));
    let tracked = sb.home().join(PROJECT).join(".env.tracked");
    assert_eq!(fs::read_to_string(tracked).unwrap(), "KEEP=1\n");

    sb.write(&format!("{PROJECT}/Dockerfile"), "FROM scratch\n");
    let out = sb.run(PROJECT, &["dotenv", "-o", ".env.ca"]);
    assert_eq!(out.status.code(), Some(0));
    let said = stderr(&out);
    assert!(said.contains("git does not ignore"), "{said}");
    assert!(said.contains(".dockerignore"), "{said}");

    sb.write(&format!("{PROJECT}/.gitignore"), ".env.ca\n");
    sb.write(&format!("{PROJECT}/.dockerignore"), ".env*\n");
    let out = sb.run(PROJECT, &["dotenv", "-o", ".env.ca"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(stderr(&out), "");
}

/// The command exec becomes gets the input and the terminal ca-env was given, even after a
/// fetch, during which the credential chain had neither.
#[test]
fn exec_after_a_fetch_keeps_stdin_and_the_terminal() {
    let (standin, sb) = setup();
    let line = format!("cat; echo \"[${{{PASS}:+set}}]\"");
    let mut child = sb
        .command(PROJECT, &["exec", "--", "sh", "-c", &line])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"typed input\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(standin.ok_calls(), 1, "the token was fetched");
    assert_eq!(stdout(&out), "typed input\n[set]\n", "{}", stderr(&out));

    // On a terminal (script gives ca-env one), the command can still open /dev/tty.
    ok(&sb.run(PROJECT, &["logout", "--all"]));
    let shell_line = format!(
        "'{}' exec -- sh -c 'test -t 0 && echo tty-in; echo to-tty > /dev/tty && echo tty-ok'",
        support::BIN
    );
    let mut script = sb.inside(Command::new("script"), PROJECT);
    script.args(["-qec", &shell_line, "/dev/null"]);
    let out = script.stdin(Stdio::null()).output().unwrap();
    assert_eq!(standin.ok_calls(), 2, "fetched again: {}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("tty-in") && text.contains("tty-ok"),
        "{text:?} {}",
        stderr(&out)
    );
}
