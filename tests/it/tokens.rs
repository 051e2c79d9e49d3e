//! Tokens end to end: the real binary against the loopback CodeArtifact stand-in, which checks
//! every request's SigV4 signature and records which key signed it. Linux: the tests use
//! shell scripts, strace and script(1).

use crate::support;

use std::fs;
use std::process::Output;
use std::time::{Duration, Instant};

use support::standin::{Failure, StandIn, OTHER_KEY_ID, OTHER_SECRET, TEST_KEY_ID, TEST_SECRET};
use support::{ok, stderr, stdout, write_executable, Sandbox, BIN, CA, PROJECT};

fn setup(standin: &StandIn) -> Sandbox {
    Sandbox::for_tokens(standin, "file")
}

fn token(sb: &Sandbox) -> Output {
    sb.run(PROJECT, &["token", "corp"])
}

/// `setup`, with credentials only from two profiles: `a` signs with the test key, `b` with the
/// other key.
fn with_two_profiles(standin: &StandIn, a: &str, b: &str) -> Sandbox {
    let mut sb = setup(standin);
    sb.without_env_keys();
    sb.write_credentials(&[
        (a, TEST_KEY_ID, TEST_SECRET),
        (b, OTHER_KEY_ID, OTHER_SECRET),
    ]);
    sb
}

/// Rewrites the one file-store entry so its token, of a 12-hour lifetime, has `left` seconds
/// to go.
fn status_token(sb: &Sandbox) -> serde_json::Value {
    sb.status(PROJECT)["sources"][0]["token"].clone()
}

#[test]
fn token_is_fetched_once_then_served_from_the_store() {
    let standin = StandIn::start();
    let sb = setup(&standin);
    assert_eq!(status_token(&sb)["state"], "missing");

    let first = ok(&token(&sb));
    assert!(first.starts_with("eyJ") && first.len() > 700, "{first}");
    let calls = standin.calls();
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].key_id, TEST_KEY_ID);
    assert_eq!(calls[0].region, "us-west-2");
    assert_eq!(
        (calls[0].domain.as_str(), calls[0].owner.as_str()),
        ("corp", "111122223333")
    );
    assert_eq!(calls[0].duration, Some(43200));
    assert_eq!(calls[0].token.as_deref(), Some(first.as_str()));

    assert_eq!(ok(&token(&sb)), first, "served from the store");
    assert_eq!(standin.calls().len(), 1, "no second AWS call");

    let t = status_token(&sb);
    assert_eq!(t["state"], "valid");
    assert_eq!(t["store"], "file");
    assert!(t["expires_at"].as_str().unwrap().ends_with('Z'), "{t}");
}

#[cfg(unix)]
#[test]
fn file_store_is_private() {
    use std::os::unix::fs::PermissionsExt;
    let standin = StandIn::start();
    let sb = setup(&standin);
    let t = ok(&token(&sb));
    let dir = sb.state_dir().join("ca-env/secrets");
    let mode = |p: &std::path::Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&dir), 0o700);
    let entries: Vec<_> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(entries.len(), 1);
    assert_eq!(mode(&entries[0]), 0o600);
    assert!(fs::read_to_string(&entries[0]).unwrap().contains(&t));
    assert_eq!(mode(&sb.state_dir().join("ca-env")), 0o700);
}

#[test]
fn a_profile_from_aws_config_file_signs() {
    let standin = StandIn::start();
    let mut sb = setup(&standin);
    sb.without_env_keys();
    // The keys in the config file itself, as `aws configure set` can put them.
    let aws = sb.aws_dir();
    fs::write(
        aws.join("config"),
        format!(
            "[profile dev]\nregion = eu-west-1\naws_access_key_id = {OTHER_KEY_ID}\naws_secret_access_key = {OTHER_SECRET}\n"
        ),
    )
    .unwrap();
    sb.write_config(
        "[trust]\nowners = [\"111122223333\"]\n[[profile]]\ndomain = \"corp\"\nprofile = \"dev\"\n",
    );
    ok(&token(&sb));
    let calls = standin.calls();
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].key_id, OTHER_KEY_ID);
    // The source's region signs, not the profile's.
    assert_eq!(calls[0].region, "us-west-2");
    assert_eq!(calls[0].status, 200);
}

#[test]
fn a_credential_process_profile_signs_with_its_session_token() {
    let standin = StandIn::start();
    standin.add_key(
        "AKIDPROCESS000000001",
        "process/secret",
        Some("session-token-1"),
    );
    let mut sb = setup(&standin);
    sb.without_env_keys();
    let script = sb.aws_dir().join("creds.sh");
    write_executable(
        &script,
        "#!/bin/sh\necho '{\"Version\": 1, \"AccessKeyId\": \"AKIDPROCESS000000001\", \"SecretAccessKey\": \"process/secret\", \"SessionToken\": \"session-token-1\"}'\n",
    );
    fs::write(
        sb.aws_dir().join("config"),
        format!(
            "[profile proc]\ncredential_process = {}\n",
            script.display()
        ),
    )
    .unwrap();
    sb.set_env("AWS_PROFILE", "proc");
    ok(&token(&sb));
    let calls = standin.calls();
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].key_id, "AKIDPROCESS000000001");
    assert_eq!(calls[0].session_token.as_deref(), Some("session-token-1"));
    assert_eq!(calls[0].status, 200);
}

#[test]
fn two_sources_two_profiles_chosen_by_the_configuration() {
    let standin = StandIn::start();
    let sb = with_two_profiles(&standin, "one", "two");
    let other =
        "https://data-444455556666.d.codeartifact.eu-central-1.amazonaws.com/pypi/ml/simple/";
    sb.write(
        "two/pyproject.toml",
        &format!(
            "[[tool.poetry.source]]\nname = \"corp\"\nurl = \"{CA}\"\n\n\
             [[tool.poetry.source]]\nname = \"data\"\nurl = \"{other}\"\npriority = \"supplemental\"\n"
        ),
    );
    sb.write_config(
        "[[profile]]\ndomain = \"corp\"\nprofile = \"one\"\n\n[[profile]]\nowner = \"444455556666\"\nprofile = \"two\"\n",
    );
    let out = sb.run("two", &["login"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let mut seen: Vec<(String, String, String)> = standin
        .calls()
        .iter()
        .map(|c| (c.domain.clone(), c.key_id.clone(), c.region.clone()))
        .collect();
    seen.sort();
    assert_eq!(
        seen,
        [
            ("corp".into(), TEST_KEY_ID.into(), "us-west-2".into()),
            ("data".into(), OTHER_KEY_ID.into(), "eu-central-1".into()),
        ]
    );
    // login trusted both domains, and both tokens are now valid.
    let status = sb.status("two");
    for s in status["sources"].as_array().unwrap() {
        assert_eq!(s["trusted"], true, "{s}");
        assert_eq!(s["token"]["state"], "valid", "{s}");
    }
    // A second login calls AWS for neither.
    let out = sb.run("two", &["login"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(standin.calls().len(), 2);
    let out = sb.run("two", &["login", "--force", "data"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(standin.calls().len(), 3);
    assert_eq!(standin.calls()[2].domain, "data");
}

#[test]
fn twenty_processes_one_aws_call() {
    let _alone = support::heavy();
    let standin = StandIn::start();
    let sb = setup(&standin);
    // A slow answer keeps every process waiting on the first one's lock.
    standin.delay(Duration::from_millis(300));
    let outs: Vec<Output> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..20).map(|_| scope.spawn(|| token(&sb))).collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let tokens: Vec<String> = outs.iter().map(ok).collect();
    assert_eq!(standin.calls().len(), 1, "one call for twenty processes");
    assert!(tokens.iter().all(|t| *t == tokens[0]));

    // Expired: twenty at once again cause exactly one more call.
    standin.expires_in(Some(30));
    ok(&sb.run(PROJECT, &["login", "--force"]));
    assert_eq!(standin.calls().len(), 2);
    assert_eq!(status_token(&sb)["state"], "expired");
    standin.expires_in(None);
    let outs: Vec<Output> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..20).map(|_| scope.spawn(|| token(&sb))).collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let tokens: Vec<String> = outs.iter().map(ok).collect();
    assert_eq!(standin.calls().len(), 3, "one call for twenty processes");
    assert!(tokens.iter().all(|t| *t == tokens[0]));
    assert_eq!(status_token(&sb)["state"], "valid");
}

#[test]
fn a_lock_holder_killed_does_not_block_the_next() {
    let standin = StandIn::start();
    let sb = setup(&standin);
    standin.delay(Duration::from_secs(30));
    let mut child = sb.command(PROJECT, &["token", "corp"]).spawn().unwrap();
    // Wait until it is inside the call (holding the lock), then SIGKILL it.
    let t0 = Instant::now();
    while standin.calls().is_empty() && t0.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    standin.delay(Duration::ZERO);
    let t0 = Instant::now();
    ok(&token(&sb));
    assert!(t0.elapsed() < Duration::from_secs(5), "{:?}", t0.elapsed());
}

#[test]
fn a_slow_endpoint_ends_in_status_124_within_the_deadline() {
    let _alone = support::heavy();
    let standin = StandIn::start();
    let sb = setup(&standin);
    sb.write_config(
        "[trust]\nowners = [\"111122223333\"]\n[defaults]\ncommand_deadline = \"2s\"\n",
    );
    standin.delay(Duration::from_secs(30));
    let t0 = Instant::now();
    let out = token(&sb);
    let took = t0.elapsed();
    assert_eq!(out.status.code(), Some(124), "{}", stderr(&out));
    assert!(took < Duration::from_millis(2500), "took {took:?}");
    assert_eq!(stderr(&out).lines().count(), 1, "{}", stderr(&out));
    assert!(stderr(&out).contains("within 2"), "{}", stderr(&out));
    assert_eq!(stdout(&out), "");
}

#[test]
fn aws_refusals_are_one_line_with_status_1() {
    let standin = StandIn::start();
    let sb = setup(&standin);
    standin.deny_key(TEST_KEY_ID);
    let out = token(&sb);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("AccessDeniedException"), "{err}");
    assert_eq!(stdout(&out), "");

    // A wrong secret: the stand-in's signature check refuses it.
    let standin = StandIn::start();
    let mut sb = setup(&standin);
    sb.set_env("AWS_SECRET_ACCESS_KEY", OTHER_SECRET);
    let out = token(&sb);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("InvalidSignatureException"),
        "{}",
        stderr(&out)
    );
    assert_eq!(standin.calls()[0].status, 403);

    // No credentials at all (IMDS disabled): fails at once, naming the cause.
    let standin = StandIn::start();
    let mut sb = setup(&standin);
    sb.without_env_keys();
    let t0 = Instant::now();
    let out = token(&sb);
    assert_eq!(out.status.code(), Some(1));
    assert!(t0.elapsed() < Duration::from_secs(3));
    assert!(
        stderr(&out).contains("no usable AWS credentials"),
        "{}",
        stderr(&out)
    );
    assert!(standin.calls().is_empty());
}

#[test]
fn failures_are_remembered_with_backoff_for_unasked_refreshes() {
    let standin = StandIn::start();
    let sb = setup(&standin);
    standin.fail_next(1, Failure::Throttling);
    let out = token(&sb);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("ThrottlingException"));
    let status = sb.status(PROJECT);
    assert_eq!(status["sources"][0]["token"]["state"], "error");
    assert!(
        status["problems"]
            .to_string()
            .contains("ThrottlingException"),
        "{status}"
    );

    // A background refresh within the back-off does not call AWS.
    let out = sb.run(PROJECT, &support::REFRESH);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("remembered"), "{}", stderr(&out));
    assert_eq!(standin.calls().len(), 1);

    // The user asking (token, login) does call, and success clears the memory.
    ok(&token(&sb));
    assert_eq!(standin.calls().len(), 2);
    assert_eq!(status_token(&sb)["state"], "valid");
    assert_eq!(sb.status(PROJECT)["problems"], serde_json::json!([]));
}

#[test]
fn an_expiring_token_is_served_and_refreshed_in_the_background() {
    let standin = StandIn::start();
    let sb = setup(&standin);
    // 20 minutes left of a 12-hour token: less than 10 %.
    let first = ok(&token(&sb));
    sb.age_entry(20 * 60);
    assert_eq!(status_token(&sb)["state"], "expiring");
    assert_eq!(ok(&token(&sb)), first, "still served while it lasts");
    let t0 = Instant::now();
    while standin.ok_calls() < 2 && t0.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(standin.ok_calls(), 2, "a background refresh ran");
    let t0 = Instant::now();
    while status_token(&sb)["state"] != "valid" && t0.elapsed() < Duration::from_secs(5) {
        std::thread::sleep(Duration::from_millis(20));
    }
    let second = ok(&token(&sb));
    assert_ne!(second, first);
    assert_eq!(standin.calls().len(), 2);
}

#[test]
fn a_token_the_user_set_is_used_and_aws_is_not_called() {
    let standin = StandIn::start();
    let mut sb = setup(&standin);
    sb.set_env("CODEARTIFACT_AUTH_TOKEN", "eyJfromci.token");
    assert_eq!(ok(&token(&sb)), "eyJfromci.token");
    let out = sb.run(PROJECT, &["login"]);
    assert_eq!(out.status.code(), Some(0));
    let t = status_token(&sb);
    assert_eq!(t["state"], "valid");
    assert_eq!(t["store"], "environment");
    assert!(standin.calls().is_empty());
    sb.set_env("CODEARTIFACT_AUTH_TOKEN", "not a token");
    let out = token(&sb);
    assert_eq!(out.status.code(), Some(3));
    assert!(!stderr(&out).contains("not a token"), "never echoed");
}

#[test]
fn corrupt_foreign_and_oversized_entries_count_as_missing_and_are_not_echoed() {
    let standin = StandIn::start();
    let sb = setup(&standin);
    ok(&token(&sb));
    let dir = sb.state_dir().join("ca-env/secrets");
    let entry = fs::read_dir(&dir).unwrap().next().unwrap().unwrap().path();
    let good = fs::read_to_string(&entry).unwrap();
    let marker = "SECRETMARKER";
    let bad_entries = [
        format!("{marker}{{not json"),
        good[..good.len() / 2].to_string(),
        good.replace("us-west-2", "eu-west-1")
            .replace("eyJ", &format!("eyJ{marker}")),
        format!("{}{marker}", "x".repeat(10_000)),
        good.replace("\"token\":\"eyJ", &format!("\"token\":\"{marker} eyJ")),
    ];
    for (i, bad) in bad_entries.iter().enumerate() {
        fs::write(&entry, bad).unwrap();
        let status = sb.run(PROJECT, &["status", "--json"]);
        assert!(!stdout(&status).contains(marker) && !stderr(&status).contains(marker));
        let v: serde_json::Value = serde_json::from_slice(&status.stdout).unwrap();
        assert_eq!(v["sources"][0]["token"]["state"], "missing", "case {i}");
        let out = token(&sb);
        let t = ok(&out);
        assert!(
            !t.contains(marker) && !stderr(&out).contains(marker),
            "case {i}"
        );
        assert_eq!(standin.calls().len(), i + 2, "case {i}: fetched anew");
    }
}

#[cfg(unix)]
#[test]
fn a_symlinked_or_shared_entry_is_not_used() {
    use std::os::unix::fs::PermissionsExt;
    let standin = StandIn::start();
    let sb = setup(&standin);
    ok(&token(&sb));
    let dir = sb.state_dir().join("ca-env/secrets");
    let entry = fs::read_dir(&dir).unwrap().next().unwrap().unwrap().path();
    let elsewhere = sb.path().join("elsewhere.json");
    fs::rename(&entry, &elsewhere).unwrap();
    std::os::unix::fs::symlink(&elsewhere, &entry).unwrap();
    assert_eq!(status_token(&sb)["state"], "missing");
    fs::remove_file(&entry).unwrap();
    fs::rename(&elsewhere, &entry).unwrap();
    assert_eq!(status_token(&sb)["state"], "valid");
    fs::set_permissions(&entry, fs::Permissions::from_mode(0o644)).unwrap();
    assert_eq!(status_token(&sb)["state"], "missing");
}

#[test]
fn logout_removes_this_projects_tokens_or_all() {
    let standin = StandIn::start();
    let sb = setup(&standin);
    let other =
        "https://data-444455556666.d.codeartifact.eu-central-1.amazonaws.com/pypi/ml/simple/";
    sb.write(
        "two/requirements.txt",
        &format!("--index-url {other}\nrequests\n"),
    );
    ok(&token(&sb));
    ok(&sb.run("two", &["login"]));
    let out = sb.run(PROJECT, &["logout"]);
    assert_eq!(ok(&out), "removed 1 stored token");
    assert_eq!(status_token(&sb)["state"], "missing");
    assert_eq!(
        sb.status("two")["sources"][0]["token"]["state"],
        "valid",
        "another project's token stays"
    );
    let out = sb.run("", &["logout"]);
    assert_eq!(out.status.code(), Some(3), "no project here");
    assert_eq!(
        ok(&sb.run("", &["logout", "--all"])),
        "removed 1 stored token"
    );
    assert_eq!(sb.status("two")["sources"][0]["token"]["state"], "missing");
    let left: Vec<_> = fs::read_dir(sb.state_dir().join("ca-env/secrets"))
        .unwrap()
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn token_arguments() {
    let standin = StandIn::start();
    let mut sb = setup(&standin);
    // A URL outside any project works without trust: the user typed it.
    sb.write_config("");
    let out = sb.run("", &["token", CA]);
    assert!(!ok(&out).is_empty());
    // A name needs a trusted source.
    let out = token(&sb);
    assert_eq!(out.status.code(), Some(3));
    assert!(stderr(&out).contains("ca-env allow"), "{}", stderr(&out));
    // Unknown names are usage errors; bad URLs are bad input.
    let out = sb.run(PROJECT, &["token", "nope"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("corp"),
        "lists the sources: {}",
        stderr(&out)
    );
    let out = sb.run(PROJECT, &["token", "https://pypi.org/simple/"]);
    assert_eq!(out.status.code(), Some(3));
    let out = sb.run(
        PROJECT,
        &[
            "token",
            "https://corp-1111.d.codeartifact.us-west-2.amazonaws.com/pypi/x/simple/",
        ],
    );
    assert_eq!(out.status.code(), Some(3));
    sb.set_env("CA_ENV_STORE", "vault");
    let out = sb.run("", &["token", CA]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(stderr(&out).lines().count(), 1);
    assert_eq!(standin.calls().len(), 1);
}

#[test]
fn an_endpoint_override_keeps_its_tokens_apart() {
    let standin = StandIn::start();
    let mut sb = setup(&standin);
    let first = ok(&token(&sb));
    let other = StandIn::start();
    sb.set_env("AWS_ENDPOINT_URL_CODEARTIFACT", other.url());
    let second = ok(&token(&sb));
    assert_ne!(first, second);
    assert_eq!((standin.calls().len(), other.calls().len()), (1, 1));
}

/// Every command at `CA_ENV_LOG=debug` and `RUST_LOG=trace`, each under strace: no token in any
/// stderr, in the argv of any process ca-env starts (a background refresh included), in stdout
/// but where printing it is the command's job, or in any file but the store's own entries.
#[test]
fn no_token_leaks_into_stderr_logs_argv_or_files() {
    support::keyrings::require("strace");
    let standin = StandIn::start();
    let mut sb = setup(&standin);
    sb.set_env("CA_ENV_LOG", "debug");
    sb.set_env("RUST_LOG", "trace");
    let traces = sb.path().join("traces");
    fs::create_dir_all(&traces).unwrap();
    let mut outputs: Vec<(String, Output)> = Vec::new();
    let run = |sb: &Sandbox, outputs: &mut Vec<(String, Output)>, args: &[&str]| {
        let log = traces.join(format!("{}.log", outputs.len()));
        let mut strace = std::process::Command::new("strace");
        strace
            .args(["-f", "-qq", "-e", "trace=execve", "-s", "100000", "-o"])
            .arg(&log)
            .arg(BIN)
            .args(args);
        let out = sb.inside(strace, PROJECT).output().unwrap();
        outputs.push((args.join(" "), out));
    };
    run(&sb, &mut outputs, &["status"]);
    run(&sb, &mut outputs, &["login"]);
    run(&sb, &mut outputs, &["status", "--json"]);
    run(&sb, &mut outputs, &["login", "--force"]);
    run(&sb, &mut outputs, &["token", "corp"]);
    run(&sb, &mut outputs, &["token", CA]);
    // Expiring: `token` starts a background refresh, which strace -f follows.
    sb.age_entry(600);
    run(&sb, &mut outputs, &["token", "corp"]);
    run(&sb, &mut outputs, &support::REFRESH);
    run(&sb, &mut outputs, &["allow"]);
    for shell in ["bash", "zsh", "fish"] {
        run(&sb, &mut outputs, &["hook", shell]);
        run(&sb, &mut outputs, &["export", shell]);
        run(&sb, &mut outputs, &["completions", shell]);
    }
    run(&sb, &mut outputs, &["export", "json"]);
    run(&sb, &mut outputs, &["exec", "--", "env"]);
    run(&sb, &mut outputs, &["dotenv"]);
    run(&sb, &mut outputs, &["logout"]);
    standin.deny_key(TEST_KEY_ID);
    run(&sb, &mut outputs, &["login"]);
    run(&sb, &mut outputs, &["token", "corp"]);
    run(&sb, &mut outputs, &["deny"]);
    run(&sb, &mut outputs, &["logout", "--all"]);

    let tokens: Vec<String> = standin.issued();
    assert!(tokens.len() >= 3, "{} tokens issued", tokens.len());
    let said = outputs.iter().map(|(_, o)| stderr(o)).collect::<String>();
    assert!(said.contains("ca-env[debug]"), "debug logging ran: {said}");
    assert!(said.contains("in the background"), "{said}");
    for (args, out) in &outputs {
        for t in &tokens {
            assert!(!stderr(out).contains(t.as_str()), "{args}: token on stderr");
            // Printing tokens is the job of token, export (shell code), exec (the child's
            // environment) and dotenv; of nothing else.
            let prints_tokens = ["token", "export", "exec", "dotenv"]
                .iter()
                .any(|c| args.starts_with(c));
            if !prints_tokens {
                assert!(!stdout(out).contains(t.as_str()), "{args}: token on stdout");
            }
        }
    }
    let all_traces: String = fs::read_dir(&traces)
        .unwrap()
        .map(|t| fs::read_to_string(t.unwrap().path()).unwrap())
        .collect();
    assert!(
        all_traces.contains("\"__refresh\""),
        "the background refresh was traced"
    );
    for t in &tokens {
        assert!(
            !all_traces.contains(t.as_str()),
            "token in a process's argv"
        );
    }
    // Files: only the store's entries may hold a token (logout --all removed them too).
    let mut stack = vec![sb.path().to_path_buf()];
    while let Some(p) = stack.pop() {
        if p.is_dir() {
            stack.extend(fs::read_dir(&p).unwrap().map(|e| e.unwrap().path()));
        } else if let Ok(bytes) = fs::read(&p) {
            let text = String::from_utf8_lossy(&bytes);
            for t in &tokens {
                assert!(!text.contains(t.as_str()), "token in {}", p.display());
            }
        }
    }
}

/// A credential_process that reads standard input (as an MFA prompt would) gets none: `token`
/// finishes although its own stdin is a pipe the test keeps open.
#[test]
fn nothing_but_login_on_a_terminal_can_prompt() {
    let standin = StandIn::start();
    let mut sb = setup(&standin);
    sb.without_env_keys();
    let aws = sb.aws_dir();
    let script = aws.join("mfa.sh");
    write_executable(
        &script,
        &format!(
            "#!/bin/sh\nread -r code || echo 'no input' >> {}\necho '{{\"Version\": 1, \"AccessKeyId\": \"{TEST_KEY_ID}\", \"SecretAccessKey\": \"{TEST_SECRET}\"}}'\n",
            aws.join("asked").display()
        ),
    );
    let sso_marker = aws.join("aws-ran");
    let bin = sb.path().join("bin");
    fs::create_dir_all(&bin).unwrap();
    write_executable(
        &bin.join("aws"),
        &format!("#!/bin/sh\necho \"$@\" > {}\n", sso_marker.display()),
    );
    fs::write(
        aws.join("config"),
        format!(
            "[profile mfa]\ncredential_process = {}\n\n[profile sso]\nsso_session = corp\nsso_account_id = 111122223333\nsso_role_name = dev\nregion = us-west-2\n\n[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = us-west-2\n",
            script.display()
        ),
    )
    .unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    sb.set_env("PATH", path);

    sb.set_env("AWS_PROFILE", "mfa");
    let mut child = sb
        .command(PROJECT, &["token", "corp"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let _stdin_held_open = child.stdin.take();
    let t0 = Instant::now();
    while child.try_wait().unwrap().is_none() && t0.elapsed() < Duration::from_secs(8) {
        std::thread::sleep(Duration::from_millis(20));
    }
    let finished = child.try_wait().unwrap().is_some();
    if !finished {
        child.kill().unwrap();
    }
    let out = child.wait_with_output().unwrap();
    assert!(finished, "token waited for input");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(fs::read_to_string(aws.join("asked")).unwrap(), "no input\n");

    // An expired SSO session: off a terminal, login says what to do and runs nothing.
    sb.set_env("AWS_PROFILE", "sso");
    let out = sb
        .command(PROJECT, &["login", "--force"])
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("no usable AWS credentials"),
        "{}",
        stderr(&out)
    );
    assert!(!sso_marker.exists(), "aws sso login ran without a terminal");

    // On a terminal (a pseudo-terminal from script(1)), login runs `aws sso login` for the
    // profile, then tries again.
    support::keyrings::require("script");
    let mut script = std::process::Command::new("script");
    script
        .args([
            "-q",
            "-e",
            "-c",
            &format!("{BIN} login --force"),
            "/dev/null",
        ])
        .stdin(std::process::Stdio::null());
    let out = sb.inside(script, PROJECT).output().unwrap();
    assert_eq!(
        fs::read_to_string(&sso_marker).unwrap_or_default(),
        "sso login --profile sso\n",
        "{}",
        stdout(&out)
    );
}

/// A token fetched as one identity is not served to another: `AWS_PROFILE` is part of the entry.
#[test]
fn aws_profile_names_the_entry() {
    let standin = StandIn::start();
    let mut sb = with_two_profiles(&standin, "a", "b");
    sb.set_env("AWS_PROFILE", "a");
    let a = ok(&token(&sb));
    sb.set_env("AWS_PROFILE", "b");
    let b = ok(&token(&sb));
    sb.set_env("AWS_PROFILE", "a");
    assert_eq!(ok(&token(&sb)), a);
    assert_ne!(a, b);
    let keys: Vec<String> = standin.calls().into_iter().map(|c| c.key_id).collect();
    assert_eq!(keys, [TEST_KEY_ID, OTHER_KEY_ID]);
}

/// The hook (`export`) and `login` say the same cause and hint for a failed fetch, naming the
/// entry once: AWS refusing (IAM permissions, not a login, are the fix) and an `AWS_PROFILE`
/// that does not exist.
#[test]
fn the_hook_says_the_cause_and_hint_login_says() {
    let entry = |standin: &StandIn| format!("corp-111122223333 in us-west-2 via {}", standin.url());
    let line = |out: &Output| {
        let err = stderr(out);
        let lines: Vec<&str> = err.lines().collect();
        assert_eq!(lines.len(), 1, "{err}");
        lines[0].to_string()
    };

    let standin = StandIn::start();
    let sb = setup(&standin);
    standin.deny_key(TEST_KEY_ID);
    let hook = sb.run(PROJECT, &["export", "bash"]);
    assert_eq!(hook.status.code(), Some(0));
    let hook = line(&hook);
    let login = sb.run(PROJECT, &["login"]);
    assert_eq!(login.status.code(), Some(1));
    let login = line(&login);
    assert_eq!(hook, login);
    assert!(hook.contains("AccessDeniedException"), "{hook}");
    assert!(
        hook.contains("; hint: check that this profile may call"),
        "{hook}"
    );
    assert!(!hook.contains("ca-env login"), "{hook}");
    assert_eq!(hook.matches(&entry(&standin)).count(), 1, "{hook}");

    let standin = StandIn::start();
    let mut sb = setup(&standin);
    sb.without_env_keys();
    sb.set_env("AWS_PROFILE", "no-such-profile");
    let hook = line(&sb.run(PROJECT, &["export", "bash"]));
    let login = line(&sb.run(PROJECT, &["login"]));
    assert_eq!(hook, login);
    assert!(
        hook.contains("the AWS profile 'no-such-profile' does not exist"),
        "{hook}"
    );
    assert!(!hook.contains("ca-env login"), "{hook}");
    assert!(standin.calls().is_empty());
}

/// `CA_ENV_LOG=debug` says what `status`, `token` and `export` read and decide, with a token
/// stored and for an untrusted project, and never the token.
#[test]
fn debug_logging_says_what_was_read_and_decided() {
    let standin = StandIn::start();
    let mut sb = setup(&standin);
    let token = ok(&token(&sb));
    sb.set_env("CA_ENV_LOG", "debug");
    let root = sb.home().join(PROJECT).display().to_string();
    for args in [&["status"][..], &["token", "corp"], &["export", "bash"]] {
        let out = sb.run(PROJECT, args);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
        let err = stderr(&out);
        for needle in [
            format!("project root {root}"),
            "pyproject.toml".into(),
            "source corp (poetry".into(),
            "trusted by [trust] in the configuration".into(),
            "token store: file".into(),
            "found in the file store: valid".into(),
        ] {
            assert!(err.contains(&needle), "{args:?}: {needle:?} in {err}");
        }
        assert!(
            err.lines().all(|l| l.starts_with("ca-env[debug]: ")),
            "{args:?}: {err}"
        );
        assert!(!err.contains(&token), "{args:?}: the token was logged");
    }

    sb.write_config("");
    let out = sb.run(PROJECT, &["export", "bash"]);
    let err = stderr(&out);
    assert!(
        err.contains("not trusted: neither allowed nor in [trust]"),
        "{err}"
    );
    assert!(err.contains("is not trusted: not fetched"), "{err}");
    assert_eq!(standin.calls().len(), 1);
}

/// `ca-env prompt`: nothing outside a project; in one, `ca -` before a token is there, the time
/// left on the nearest expiry once it is, `ca !` after a failed fetch; no AWS call of its own.
/// The forms the README shows for bash's PS1, zsh's RPROMPT and fish's right prompt print it.
#[test]
fn the_prompt_segment_says_the_nearest_expiry_or_a_failure() {
    let standin = StandIn::start();
    let sb = setup(&standin);
    let prompt = |cwd: &str| {
        let out = sb.run(cwd, &["prompt"]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        assert_eq!(stderr(&out), "");
        stdout(&out)
    };
    fs::create_dir_all(sb.home().join("elsewhere")).unwrap();
    assert_eq!(prompt("elsewhere"), "");
    assert_eq!(prompt(PROJECT), "ca -");
    standin.expires_in(Some(3 * 3600 + 120));
    ok(&sb.run(PROJECT, &["login"]));
    assert_eq!(prompt(PROJECT), "ca 3h");
    let calls = standin.calls().len();
    for _ in 0..3 {
        prompt(PROJECT);
    }
    assert_eq!(standin.calls().len(), calls, "the prompt calls no AWS");

    for (shell, code) in [
        (
            "bash",
            format!("PS1='$({BIN} prompt) \\$ '; printf '%s' \"${{PS1@P}}\""),
        ),
        (
            "zsh",
            format!("setopt prompt_subst; RPROMPT='$({BIN} prompt)'; print -rnP -- \"$RPROMPT\""),
        ),
        (
            "fish",
            format!("function fish_right_prompt; {BIN} prompt; end; fish_right_prompt"),
        ),
    ] {
        let args: &[&str] = match shell {
            "bash" => &["--norc", "--noprofile", "-c"],
            "zsh" => &["-f", "-c"],
            _ => &["--no-config", "-c"],
        };
        let mut cmd = std::process::Command::new(shell);
        cmd.args(args).arg(&code);
        let out = sb.inside(cmd, PROJECT).output().unwrap();
        let shown = stdout(&out);
        assert!(
            shown.starts_with("ca 3h"),
            "{shell}: {shown:?} {}",
            stderr(&out)
        );
    }

    standin.deny_key(TEST_KEY_ID);
    ok(&sb.run(PROJECT, &["logout"]));
    let out = sb.run(PROJECT, &["token", "corp"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(prompt(PROJECT), "ca !");
}
