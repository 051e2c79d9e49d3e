//! Untrusted projects and confused deputies: no call, no input read, one line; endpoints,
//! credentials and profiles are never the project's to choose (docs/security.md, section 3).

use super::{bounded_run, json, PASS, SHARED, USER};
use crate::support;

use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};

use support::standin::StandIn;
use support::{Decoy, Sandbox, CA, PROJECT};

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
    // The project's own .aws/config does not count: for ca-env the profile does not exist.
    assert!(
        err.starts_with("ca-env: the AWS profile 'evil' does not exist"),
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
