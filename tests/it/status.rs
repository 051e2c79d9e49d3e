//! `ca-env status` end to end: the real binary, sandboxed HOME and configuration, real files.

use crate::support;

use support::{sources, stderr, stdout, strings, Sandbox, CA};

fn s(x: &str) -> String {
    x.to_string()
}

#[test]
fn the_json_report_has_the_contract_fields() {
    let sb = Sandbox::new();
    sb.write(
        "svc/pyproject.toml",
        &format!("[[tool.poetry.source]]\nname = \"corp-private\"\nurl = \"{CA}\"\n"),
    );
    std::fs::create_dir_all(sb.home().join("svc/src/pkg")).unwrap();
    let st = sb.status("svc/src/pkg");
    assert_eq!(st["project"], sb.home().join("svc").to_str().unwrap());
    assert_eq!(
        sources(&st),
        vec![[
            s("corp-private"),
            s("poetry"),
            s("corp"),
            s("111122223333"),
            s("us-west-2"),
            s("pypi-store")
        ]]
    );
    let src = &st["sources"][0];
    assert_eq!(
        src["file"],
        sb.home().join("svc/pyproject.toml").to_str().unwrap()
    );
    assert_eq!(src["url"], CA);
    assert_eq!(src["profile"], serde_json::Value::Null);
    assert_eq!(src["trusted"], false);
    assert_eq!(src["token"]["state"], "missing");
    assert_eq!(src["token"]["expires_at"], serde_json::Value::Null);
    assert_eq!(src["token"]["store"], "none");
    assert_eq!(
        strings(&st["env"]),
        [
            "POETRY_HTTP_BASIC_CORP_PRIVATE_USERNAME",
            "POETRY_HTTP_BASIC_CORP_PRIVATE_PASSWORD",
            "CODEARTIFACT_AUTH_TOKEN"
        ]
    );
    assert_eq!(strings(&st["problems"]), Vec::<String>::new());
}

#[test]
fn no_project_is_null_not_an_error() {
    let sb = Sandbox::new();
    std::fs::create_dir_all(sb.home().join("empty")).unwrap();
    let st = sb.status("empty");
    assert_eq!(st["project"], serde_json::Value::Null);
    assert_eq!(st["sources"], serde_json::json!([]));
    assert_eq!(st["env"], serde_json::json!([]));
    let out = sb.run("empty", &["status"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(
        stdout(&out).starts_with("project   none here"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn hostile_urls_are_problems_and_never_sources() {
    let sb = Sandbox::new();
    let hostile = [
        "https://corp-111122223333.d.codeartifact.us-west-2.amazonaws.com.evil.com/pypi/r1/simple/",
        "https://a-111122223333.d.codeartifact.us-east-1.amazonaws.com\\\\@evil.com/pypi/r1/simple/",
        "https://user@corp-111122223333.d.codeartifact.us-west-2.amazonaws.com/pypi/r1/simple/",
        "https://corp-111122223333.d.codeartifact.us-west-2.amazonaws.com:443/pypi/r1/simple/",
        "https://evil.com/corp-111122223333.d.codeartifact.us-west-2.amazonaws.com/pypi/r1/",
    ];
    let mut text = String::new();
    for (i, url) in hostile.iter().enumerate() {
        text.push_str(&format!(
            "[[tool.poetry.source]]\nname = \"s{i}\"\nurl = \"{url}\"\n\n"
        ));
    }
    sb.write("p/pyproject.toml", &text);
    let st = sb.status("p");
    assert_eq!(st["sources"], serde_json::json!([]));
    assert_eq!(st["env"], serde_json::json!([]));
    let problems = strings(&st["problems"]);
    assert_eq!(problems.len(), hostile.len(), "{problems:?}");
    for p in &problems {
        assert!(p.starts_with("pyproject.toml:"), "{p}");
        assert!(!p.contains("evil"), "problems never quote the input: {p}");
    }
}

#[test]
fn a_poetry_name_with_a_dot_is_kept_for_exec_and_flagged_for_shells() {
    let sb = Sandbox::new();
    sb.write(
        "p/pyproject.toml",
        &format!("[[tool.poetry.source]]\nname = \"corp.private\"\nurl = \"{CA}\"\n"),
    );
    let st = sb.status("p");
    assert_eq!(st["sources"][0]["name"], "corp.private");
    assert_eq!(
        strings(&st["sources"][0]["env_not_in_shells"]),
        [
            "POETRY_HTTP_BASIC_CORP.PRIVATE_USERNAME",
            "POETRY_HTTP_BASIC_CORP.PRIVATE_PASSWORD"
        ]
    );
    let problems = strings(&st["problems"]);
    assert_eq!(problems.len(), 1);
    assert!(
        problems[0].contains("no shell can export") && problems[0].contains("'corp-private'"),
        "{problems:?}"
    );
}

#[test]
fn names_that_collide_after_normalising_export_nothing() {
    let sb = Sandbox::new();
    sb.write(
        "p/pyproject.toml",
        &format!(
            "[[tool.poetry.source]]\nname = \"corp-repo\"\nurl = \"https://other.example/simple/\"\n\n\
             [[tool.poetry.source]]\nname = \"corp.repo\"\nurl = \"{CA}\"\n\n\
             [[tool.uv.index]]\nname = \"a-b\"\nurl = \"https://other.example/simple/\"\n\n\
             [[tool.uv.index]]\nname = \"a.b\"\nurl = \"{CA}\"\n\n\
             [[tool.uv.index]]\nname = \"same\"\nurl = \"{CA}\"\n"
        ),
    );
    let st = sb.status("p");
    let names: Vec<String> = sources(&st).into_iter().map(|s| s[0].clone()).collect();
    assert_eq!(names, ["same"]);
    let problems = strings(&st["problems"]);
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert!(problems.iter().all(|p| p.contains("points elsewhere")));
}

#[test]
fn bad_names_are_problems() {
    let sb = Sandbox::new();
    sb.write(
        "p/pyproject.toml",
        &format!("[[tool.poetry.source]]\nname = \"$(touch canary) x\"\nurl = \"{CA}\"\n"),
    );
    let st = sb.status("p");
    assert_eq!(st["sources"], serde_json::json!([]));
    let problems = strings(&st["problems"]);
    assert_eq!(problems.len(), 1);
    assert!(
        problems[0].starts_with(
            "pyproject.toml:3: poetry source '$(touch canary) x': no environment variable"
        ),
        "{problems:?}"
    );
    sb.write(
        "q/pyproject.toml",
        &format!("[[tool.poetry.source]]\nname = \"a\\u001b[31mb\"\nurl = \"{CA}\"\n"),
    );
    let problems = strings(&sb.status("q")["problems"]);
    assert!(
        problems[0].starts_with(
            "pyproject.toml:3: poetry source (a name with unprintable or unusual characters)"
        ),
        "{problems:?}"
    );
    assert!(!sb.home().join("p/canary").exists());
}

#[test]
fn the_user_configuration_chooses_profiles_trust_and_mappings() {
    let sb = Sandbox::new();
    sb.write_config(
        r#"
[defaults]
profile = "dev"
duration = "1h"

[[profile]]
domain = "corp"
owner = "111122223333"
profile = "corp-dev"

[trust]
owners = ["111122223333"]

[[mapping]]
url = "http://127.0.0.1:8080/simple/"
domain = "test"
owner = "444455556666"
region = "eu-west-1"
repository = "local"
"#,
    );
    sb.write(
        "p/requirements.txt",
        &format!("-i {CA}\n--extra-index-url http://127.0.0.1:8080/simple/\n"),
    );
    let st = sb.status("p");
    assert_eq!(strings(&st["problems"]), Vec::<String>::new());
    let [corp, test] = [&st["sources"][0], &st["sources"][1]];
    assert_eq!(
        (corp["profile"].as_str(), corp["trusted"].as_bool()),
        (Some("corp-dev"), Some(true))
    );
    assert_eq!(corp["duration_seconds"], 3600);
    assert_eq!(corp["tool"], "pip");
    assert_eq!(
        (test["domain"].as_str(), test["repository"].as_str()),
        (Some("test"), Some("local"))
    );
    assert_eq!(
        (test["profile"].as_str(), test["trusted"].as_bool()),
        (Some("dev"), Some(false))
    );
    assert_eq!(test["host"], "127.0.0.1:8080");
    assert_eq!(
        strings(&st["env"]),
        [
            "PIP_INDEX_URL",
            "UV_INDEX_URL",
            "NETRC",
            "PIP_EXTRA_INDEX_URL",
            "UV_EXTRA_INDEX_URL"
        ]
    );
}

#[test]
fn allow_and_deny_keep_trust_across_projects() {
    let sb = Sandbox::new();
    let source = format!("[[tool.poetry.source]]\nname = \"corp\"\nurl = \"{CA}\"\n");
    sb.write("a/pyproject.toml", &source);
    sb.write("b/pyproject.toml", &source);
    assert_eq!(sb.status("b")["sources"][0]["trusted"], false);

    let out = sb.run("a", &["allow"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), "", "messages go to stderr");
    assert!(stderr(&out).contains("allowed domain corp in account 111122223333"));
    assert_eq!(sb.status("b")["sources"][0]["trusted"], true);
    let allowed = std::fs::read_to_string(sb.state_dir().join("ca-env/allowed")).unwrap();
    assert_eq!(allowed, "corp-111122223333\n");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(sb.state_dir().join("ca-env"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o700);
    }

    let out = sb.run("b", &["deny"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(sb.status("a")["sources"][0]["trusted"], false);
}

#[test]
fn deny_says_when_the_configuration_still_trusts() {
    let sb = Sandbox::new();
    sb.write_config("[trust]\nowners = [\"111122223333\"]\n");
    sb.write(
        "p/pyproject.toml",
        &format!("[[tool.poetry.source]]\nname = \"corp\"\nurl = \"{CA}\"\n"),
    );
    let out = sb.run("p", &["deny"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("stays trusted by [trust]"),
        "{}",
        stderr(&out)
    );
    assert_eq!(sb.status("p")["sources"][0]["trusted"], true);
}

#[test]
fn allow_without_sources_is_bad_input() {
    let sb = Sandbox::new();
    std::fs::create_dir_all(sb.home().join("empty")).unwrap();
    let out = sb.run("empty", &["allow"]);
    assert_eq!(out.status.code(), Some(3));
    assert_eq!(stderr(&out).lines().count(), 1, "{}", stderr(&out));
    sb.write("p/requirements.txt", "-i https://pypi.org/simple/\n");
    let out = sb.run("p", &["deny"]);
    assert_eq!(out.status.code(), Some(3));
    assert_eq!(stderr(&out).lines().count(), 1);
}

#[test]
fn usage_errors_are_one_line_and_status_2() {
    let sb = Sandbox::new();
    for args in [
        &["status", "--bogus"][..],
        &["frobnicate"],
        &["hook", "tcsh"],
        &[],
    ] {
        let out = sb.run("", args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = stderr(&out);
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(err.starts_with("ca-env: "), "{err}");
    }
    assert_eq!(
        stderr(&sb.run("", &[])),
        "ca-env: a command is required; hint: see 'ca-env --help'\n"
    );
    assert!(stderr(&sb.run("", &["hook", "tcsh"])).starts_with("ca-env: invalid value 'tcsh'"));
    let out = sb.run("", &["--help"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(stdout(&out).contains("Examples:"));
}

/// A command missing its argument names the argument, on the one line.
#[test]
fn a_missing_argument_is_named() {
    let sb = Sandbox::new();
    for (args, missing) in [
        (&["token"][..], "<URL|NAME>"),
        (&["exec"], "<CMD>..."),
        (&["export"], "<FORMAT>"),
        (&["hook"], "<SHELL>"),
        (&["completions"], "<SHELL>"),
    ] {
        let out = sb.run("", args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert_eq!(
            stderr(&out),
            format!(
                "ca-env: the following required arguments were not provided: {missing}; hint: see 'ca-env --help'\n"
            ),
            "{args:?}"
        );
    }
}

#[test]
fn human_output_is_plain_when_piped_and_shows_no_values() {
    let mut sb = Sandbox::new();
    sb.extra_env.push((
        "POETRY_HTTP_BASIC_CORP_PASSWORD".into(),
        "s3cr3t-value".into(),
    ));
    sb.write(
        "p/pyproject.toml",
        &format!("[[tool.poetry.source]]\nname = \"corp\"\nurl = \"{CA}\"\n"),
    );
    let out = sb.run("p", &["status"]);
    assert_eq!(out.status.code(), Some(0));
    let text = stdout(&out);
    assert!(!text.contains('\x1b'), "no colour codes off a terminal");
    assert!(!text.contains("s3cr3t"));
    assert!(text.contains("POETRY_HTTP_BASIC_CORP_PASSWORD"));
    assert!(text.contains("corp-111122223333/pypi-store"));
}

#[test]
fn status_makes_no_network_call() {
    let listener = support::Decoy::new();
    let endpoint = listener.url("");
    let mut sb = Sandbox::new();
    sb.extra_env
        .push(("AWS_ENDPOINT_URL_CODEARTIFACT".into(), endpoint.clone()));
    sb.extra_env.push(("AWS_ENDPOINT_URL".into(), endpoint));
    sb.write_config("[trust]\nowners = [\"111122223333\"]\n");
    sb.write(
        "p/pyproject.toml",
        &format!("[[tool.poetry.source]]\nname = \"corp\"\nurl = \"{CA}\"\n"),
    );
    sb.status("p");
    listener.assert_untouched("status connected to the endpoint");
}

#[cfg(unix)]
#[test]
fn a_deleted_working_directory_is_a_problem_not_a_crash() {
    let sb = Sandbox::new();
    let gone = sb.home().join("gone");
    std::fs::create_dir_all(&gone).unwrap();
    let mut cmd = std::process::Command::new("sh");
    cmd.arg("-c")
        .arg(format!(
            "cd '{}' && rmdir '{}' && exec \"$0\" status --json",
            gone.display(),
            gone.display()
        ))
        .arg(env!("CARGO_BIN_EXE_ca-env"))
        .env("HOME", sb.home());
    let out = cmd.output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let st: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(st["project"], serde_json::Value::Null);
    assert_eq!(
        strings(&st["problems"]),
        ["the working directory no longer exists"]
    );
}

#[test]
fn the_walk_does_not_cross_home() {
    let sb = Sandbox::new();
    // A pyproject above HOME (the sandbox root) is not the project of a directory inside it.
    std::fs::write(
        sb.home().parent().unwrap().join("pyproject.toml"),
        format!("[[tool.poetry.source]]\nname = \"x\"\nurl = \"{CA}\"\n"),
    )
    .unwrap();
    std::fs::create_dir_all(sb.home().join("d")).unwrap();
    assert_eq!(sb.status("d")["project"], serde_json::Value::Null);
}

#[cfg(unix)]
#[test]
fn a_project_entered_through_a_symlink_keeps_the_shells_path() {
    let sb = Sandbox::new();
    sb.write(
        "real/svc/pyproject.toml",
        &format!("[[tool.poetry.source]]\nname = \"corp\"\nurl = \"{CA}\"\n"),
    );
    std::os::unix::fs::symlink(sb.home().join("real/svc"), sb.home().join("link")).unwrap();
    let st = sb.status("link");
    assert_eq!(st["project"], sb.home().join("link").to_str().unwrap());
    assert_eq!(sources(&st).len(), 1);
}

#[test]
fn the_table_is_aligned() {
    let sb = Sandbox::new();
    sb.write(
        "p/pyproject.toml",
        &format!("[[tool.poetry.source]]\nname = \"a-much-longer-name\"\nurl = \"{CA}\"\n\n[[tool.poetry.source]]\nname = \"b\"\nurl = \"{CA}\"\n"),
    );
    let text = stdout(&sb.run("p", &["status"]));
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("poetry") || l.starts_with("NAME"))
        .collect();
    assert_eq!(lines.len(), 3, "{text}");
    let columns = |l: &str| ["poetry", "TOOL"].iter().filter_map(|w| l.find(w)).min();
    assert!(
        lines.iter().all(|l| columns(l) == columns(lines[0])),
        "{text}"
    );
}
