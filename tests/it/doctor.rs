//! `ca-env doctor` against problems planted for real: a hook that a later rc line undid, in
//! real interactive bash, zsh and fish; direnv loading ca-env a second time; the tokens
//! `aws codeartifact login` leaves in pip's, twine's and npm's files (named by file and line,
//! never shown); a Poetry plugin and keyrings.codeartifact where the tools load them; profiles
//! without credentials; a locked GNOME Keyring; a state directory open to others; a broken
//! configuration; and a stand-in AWS whose clock is off.

use crate::support;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use support::shells::{Interactive, Kind};
use support::standin::StandIn;
use support::{python_tool, stderr, stdout, write_executable, Sandbox, BIN, CA, PROJECT};

/// Looks like what AWS hands out (`eyJ…`, base64url, long), and is found by its middle.
const PLANTED: &str = "PLANTEDxTOKENxNEVERxSHOWN";

fn planted(n: u32) -> String {
    format!("eyJ{PLANTED}{n}{}", "Q".repeat(120))
}

/// This build's ca-env first, then the system's programs only: no developer's Poetry.
fn path_with_bin() -> String {
    let dir = Path::new(BIN).parent().unwrap();
    format!("{}:/usr/bin:/bin", dir.display())
}

fn sandbox() -> Sandbox {
    let mut sb = Sandbox::new();
    sb.set_env("PATH", path_with_bin());
    sb
}

/// The token tests' sandbox (a trusted project, AWS stood in for), with doctor's PATH.
fn with_standin(store: &str) -> (StandIn, Sandbox) {
    let standin = StandIn::start();
    let mut sb = Sandbox::for_tokens(&standin, store);
    sb.set_env("PATH", path_with_bin());
    (standin, sb)
}

/// `doctor ARGS` in `cwd` with no terminal.
fn doctor(sb: &Sandbox, cwd: &str, args: &[&str]) -> Output {
    let mut all = vec!["doctor"];
    all.extend_from_slice(args);
    sb.command(cwd, &all)
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap()
}

/// `doctor --json ARGS`, parsed; its exit status agrees with `ok`.
fn report(sb: &Sandbox, cwd: &str, args: &[&str]) -> serde_json::Value {
    let mut all = vec!["--json"];
    all.extend_from_slice(args);
    let out = doctor(sb, cwd, &all);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("doctor --json prints JSON ({e}): {}", stdout(&out)));
    let ok = json["ok"].as_bool().unwrap();
    assert_eq!(out.status.code(), Some(if ok { 0 } else { 1 }), "{json:#}");
    json
}

/// The checks named `check` as (status, message, file, line).
fn checks(
    json: &serde_json::Value,
    check: &str,
) -> Vec<(String, String, Option<String>, Option<u64>)> {
    json["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["check"] == check)
        .map(|c| {
            (
                c["status"].as_str().unwrap().to_string(),
                c["message"].as_str().unwrap().to_string(),
                c["file"].as_str().map(str::to_string),
                c["line"].as_u64(),
            )
        })
        .collect()
}

fn statuses(json: &serde_json::Value, check: &str) -> Vec<String> {
    checks(json, check).into_iter().map(|c| c.0).collect()
}

/// The lines of the `hook` group in doctor's text.
fn hook_lines(shown: &str) -> String {
    shown
        .lines()
        .skip_while(|l| l.trim() != "hook")
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .collect::<Vec<_>>()
        .join("\n")
}

/// A shell that read `rc` (lines written into its rc file first) as its rc file.
fn shell_with_rc(sb: &Sandbox, kind: Kind, rc: &[&str]) -> Interactive {
    let file = match kind {
        Kind::Bash => sb.home().join(".bashrc"),
        Kind::Zsh => sb.home().join(".zshrc"),
        Kind::Fish => sb.path().join("config/fish/config.fish"),
    };
    fs::create_dir_all(file.parent().unwrap()).unwrap();
    fs::write(&file, rc.join("\n") + "\n").unwrap();
    let source = if kind == Kind::Fish { "source" } else { "." };
    Interactive::start(
        kind,
        &sb.env_pairs(),
        &sb.home(),
        &format!("{source} '{}'", file.display()),
    )
}

fn hook_line(kind: Kind) -> String {
    match kind {
        Kind::Fish => "ca-env hook fish | source".into(),
        kind => format!("eval \"$(ca-env hook {})\"", kind.name()),
    }
}

#[test]
fn every_shell_hands_doctor_its_hook_and_a_later_line_that_undoes_it_is_named() {
    for kind in Kind::ALL {
        let sb = sandbox();
        let line = hook_line(kind);
        let mut sh = shell_with_rc(&sb, kind, &[&line]);
        let shown = hook_lines(&sh.run("ca-env doctor"));
        for want in [
            format!("✓ loaded in this {}", kind.name()),
            "✓ runs before each prompt".into(),
            "✓ loaded once".into(),
            format!(
                "✓ printed by ca-env {}, as this one",
                env!("CARGO_PKG_VERSION")
            ),
        ] {
            assert!(
                shown.contains(&want),
                "{kind:?}: {want}\n{}",
                sh.transcript()
            );
        }
        assert!(!shown.contains('✗'), "{kind:?}: {shown}");

        // Every other command goes through the function untouched, its status too.
        let status = if kind == Kind::Fish { "$status" } else { "$?" };
        let out = sh.run(&format!("ca-env frobnicate; echo \"rc={status}\""));
        assert!(out.contains("rc=2"), "{kind:?}: {out}");

        // A hook printed by another version.
        let old = match kind {
            Kind::Fish => "set -g _ca_env_version 0.0.1",
            _ => "_ca_env_version=0.0.1",
        };
        sh.run(old);
        let shown = hook_lines(&sh.run("ca-env doctor"));
        assert!(
            shown.contains(&format!(
                "✗ the hook was printed by ca-env 0.0.1; this ca-env is {}",
                env!("CARGO_PKG_VERSION")
            )),
            "{kind:?}: {shown}"
        );

        // Bypassing the function: doctor sees the hook ran but cannot see how.
        let shown = hook_lines(&sh.run("command ca-env doctor"));
        assert!(
            shown.contains("does not hand doctor what it knows"),
            "{kind:?}: {shown}"
        );
        if kind == Kind::Zsh {
            // A theme that resets the cd hooks only.
            sh.run("chpwd_functions=()");
            let shown = hook_lines(&sh.run("ca-env doctor"));
            assert!(
                shown.contains("✗ the hook runs before each prompt but no longer at each cd (chpwd_functions lost it)"),
                "{shown}"
            );
        }
        drop(sh);

        // A later line of the rc file takes the hook away from the prompt.
        let undo = match kind {
            Kind::Bash => "PROMPT_COMMAND='history -a'",
            Kind::Zsh => "precmd_functions=(history_theme)",
            Kind::Fish => "functions --erase _ca_env_hook",
        };
        let mut sh = shell_with_rc(&sb, kind, &[&line, undo]);
        let shown = hook_lines(&sh.run("ca-env doctor"));
        let want = match kind {
            Kind::Bash => "✗ the hook is loaded but no longer runs before each prompt: PROMPT_COMMAND lost it: ~/.bashrc:2 sets it after the hook's line 1; hint: move the hook's line below line 2, to the end of ~/.bashrc",
            Kind::Zsh => "✗ the hook is loaded but no longer runs before each prompt: precmd_functions lost it: ~/.zshrc:2 sets it after the hook's line 1",
            Kind::Fish => "✗ the hook's function _ca_env_hook is gone from this fish",
        };
        assert!(shown.contains(want), "{kind:?}: {shown}");
        drop(sh);

        // No hook at all in an interactive shell.
        let mut sh = shell_with_rc(&sb, kind, &["true"]);
        let shown = hook_lines(&sh.run("ca-env doctor"));
        let rc = match kind {
            Kind::Bash => "~/.bashrc",
            Kind::Zsh => "~/.zshrc",
            Kind::Fish => "config/fish/config.fish",
        };
        assert!(
            shown.contains(&format!("✗ not loaded in this {}; hint: add ", kind.name()))
                && shown.contains(rc),
            "{kind:?}: {shown}"
        );
    }
}

/// The hook and direnv's `use codeartifact` both loading ca-env for one project.
#[test]
fn bash_the_hook_and_direnv_together_are_loaded_twice() {
    let (_standin, sb) = with_standin("file");
    let lib = sb.path().join("config/direnv/lib/ca-env.sh");
    fs::create_dir_all(lib.parent().unwrap()).unwrap();
    fs::write(&lib, support::ok(&sb.run("", &["hook", "direnv"]))).unwrap();
    sb.write(&format!("{PROJECT}/.envrc"), "# ca-env\nuse codeartifact\n");
    let mut allow = Command::new("direnv");
    allow
        .args(["allow", "."])
        .stdin(std::process::Stdio::null());
    let out = sb.inside(allow, PROJECT).output().expect("direnv runs");
    assert!(out.status.success(), "{}", stderr(&out));

    let mut sh = shell_with_rc(
        &sb,
        Kind::Bash,
        &["eval \"$(direnv hook bash)\"", &hook_line(Kind::Bash)],
    );
    let shown = hook_lines(&sh.run("ca-env doctor"));
    assert!(shown.contains("✓ loaded once"), "{shown}");
    sh.run(&format!("cd {PROJECT}"));
    let shown = hook_lines(&sh.run("ca-env doctor"));
    assert!(
        shown.contains(&format!(
            "✗ loaded twice: direnv's 'use codeartifact' (~/{PROJECT}/.envrc:2) sets this project's variables too"
        )),
        "{shown}\n{}",
        sh.transcript()
    );
    drop(sh);

    // direnv alone is how some load ca-env: that is fine.
    let mut sh = shell_with_rc(&sb, Kind::Bash, &["eval \"$(direnv hook bash)\""]);
    sh.run(&format!("cd {PROJECT}"));
    let shown = hook_lines(&sh.run("ca-env doctor"));
    assert_eq!(
        shown,
        format!("  ✓ direnv's 'use codeartifact' loads this project (~/{PROJECT}/.envrc:2)"),
        "{}",
        sh.transcript()
    );
}

/// The checks the next test provokes.
const PLANTED_CHECKS: [&str; 5] = [
    "pip-token",
    "pypirc",
    "npmrc",
    "user-variable",
    "keyrings-codeartifact",
];

#[test]
fn tokens_left_in_pip_twine_and_npm_files_are_named_by_file_and_line_and_never_shown() {
    let mut sb = sandbox();
    let host = "corp-111122223333.d.codeartifact.us-west-2.amazonaws.com";
    // Both pip user files: the legacy one loses to the XDG one, and is named all the same.
    sb.write(
        ".pip/pip.conf",
        &format!(
            "[global]\n\nextra-index-url = https://aws:{}@{host}/pypi/other/simple/\n",
            planted(1)
        ),
    );
    let xdg_pip = sb.path().join("config/pip/pip.conf");
    fs::create_dir_all(xdg_pip.parent().unwrap()).unwrap();
    fs::write(
        &xdg_pip,
        format!(
            "[global]\nindex-url = https://aws:{}@{host}/pypi/pypi-store/simple/\n",
            planted(2)
        ),
    )
    .unwrap();
    sb.write(
        ".pypirc",
        &format!(
            "[distutils]\nindex-servers =\n    codeartifact\n\n[codeartifact]\nrepository = https://{host}/pypi/pypi-store/\nusername = aws\npassword = {}\n",
            planted(3)
        ),
    );
    sb.write(
        ".npmrc",
        &format!(
            "registry=https://{host}/npm/npm-store/\n//{host}/npm/npm-store/:_authToken={}\n",
            planted(4)
        ),
    );
    // A project whose Poetry source the user also gave credentials by hand.
    sb.write(
        &format!("{PROJECT}/pyproject.toml"),
        &format!("[[tool.poetry.source]]\nname = \"corp\"\nurl = \"{CA}\"\n"),
    );
    sb.write_config("[trust]\nowners = [\"111122223333\"]\n");
    sb.set_env("POETRY_HTTP_BASIC_CORP_PASSWORD", planted(5));
    // keyrings.codeartifact where python3 (and so `python3 -m pip`) imports it.
    let lib = sb.path().join("pylib/keyrings");
    fs::create_dir_all(&lib).unwrap();
    fs::write(
        lib.join("codeartifact.py"),
        "# a stand-in for keyrings.codeartifact\n",
    )
    .unwrap();
    sb.set_env("PYTHONPATH", sb.path().join("pylib").display().to_string());
    sb.set_env("CA_ENV_LOG", "debug");

    let out = doctor(&sb, PROJECT, &[]);
    let shown = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{shown}");
    for want in [
        "✗ ~/.pip/pip.conf:3: a CodeArtifact URL with credentials in it".to_string(),
        format!(
            "✗ {}:2: a CodeArtifact URL with credentials in it",
            xdg_pip.display()
        ),
        "✗ ~/.pypirc:8: a CodeArtifact token as the password of [codeartifact]".into(),
        "✗ ~/.npmrc:2: a CodeArtifact token".into(),
        format!("hint: npm config delete '//{host}/npm/npm-store/:_authToken'"),
        "✗ POETRY_HTTP_BASIC_CORP_PASSWORD is set in your environment for poetry source 'corp'"
            .into(),
        "✗ keyrings.codeartifact (".into(),
        "is importable by /usr/bin/python3, the Python of ".into(),
    ] {
        assert!(shown.contains(&want), "{want}\n{shown}");
    }
    let said = format!("{shown}{}", stderr(&out));
    assert!(!said.contains(PLANTED), "a token was shown:\n{said}");

    sb.set_env("CA_ENV_LOG", "error");
    let json = report(&sb, PROJECT, &[]);
    assert!(!json.to_string().contains(PLANTED));
    let pip = checks(&json, "pip-token");
    let at: Vec<(Option<String>, Option<u64>)> = pip.iter().map(|c| (c.2.clone(), c.3)).collect();
    assert_eq!(
        at,
        vec![
            (
                Some(sb.home().join(".pip/pip.conf").display().to_string()),
                Some(3)
            ),
            (Some(xdg_pip.display().to_string()), Some(2)),
        ],
        "{json:#}"
    );
    for check in PLANTED_CHECKS {
        assert!(
            statuses(&json, check).iter().all(|s| s == "fail"),
            "{check}: {json:#}"
        );
    }

    // Taken away, each is a ✓.
    for file in [".pip/pip.conf", ".pypirc", ".npmrc"] {
        fs::remove_file(sb.home().join(file)).unwrap();
    }
    fs::remove_file(&xdg_pip).unwrap();
    sb.extra_env
        .retain(|(k, _)| k != "PYTHONPATH" && k != "POETRY_HTTP_BASIC_CORP_PASSWORD");
    let json = report(&sb, PROJECT, &[]);
    for check in PLANTED_CHECKS {
        assert_eq!(statuses(&json, check), ["ok"], "{check}: {json:#}");
    }
}

/// A Poetry whose own environment has a CodeArtifact login plugin, as `poetry self add` puts
/// it: a virtualenv on top of the test tools' Poetry, with a plugin Poetry really loads.
#[test]
fn a_poetry_codeartifact_plugin_is_found_where_poetry_loads_it() {
    let mut sb = sandbox();
    let tools = python_tool("python");
    let venv = sb.path().join("poetry-env");
    let made = Command::new(&tools)
        .args(["-m", "venv", "--without-pip"])
        .arg(&venv)
        .output()
        .unwrap();
    assert!(made.status.success(), "{}", stderr(&made));
    let purelib = |python: &Path| {
        let out = Command::new(python)
            .args([
                "-c",
                "import sysconfig; print(sysconfig.get_paths()['purelib'])",
            ])
            .output()
            .unwrap();
        PathBuf::from(support::ok(&out))
    };
    let site = purelib(&venv.join("bin/python"));
    fs::write(
        site.join("tools.pth"),
        purelib(&tools).display().to_string() + "\n",
    )
    .unwrap();
    let info = "poetry_codeartifact_login_plugin-1.0.0.dist-info";
    for (file, text) in [
        ("poetry_codeartifact_login_plugin/__init__.py", "from poetry.plugins.application_plugin import ApplicationPlugin\n\nclass Plugin(ApplicationPlugin):\n    def activate(self, application):\n        pass\n"),
        (&format!("{info}/METADATA"), "Metadata-Version: 2.1\nName: poetry-codeartifact-login-plugin\nVersion: 1.0.0\n"),
        (&format!("{info}/entry_points.txt"), "[poetry.application.plugin]\ncodeartifact = poetry_codeartifact_login_plugin:Plugin\n"),
        (&format!("{info}/RECORD"), ""),
    ] {
        let path = site.join(file);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }
    write_executable(
        &venv.join("bin/poetry"),
        &format!(
            "#!{}\nimport sys\nfrom poetry.console.application import main\nsys.exit(main())\n",
            venv.join("bin/python").display()
        ),
    );

    sb.set_env(
        "PATH",
        format!("{}:{}", venv.join("bin").display(), path_with_bin()),
    );
    let json = report(&sb, "", &[]);
    let found = checks(&json, "poetry-plugin");
    assert_eq!(found.len(), 1, "{json:#}");
    assert_eq!(found[0].0, "fail", "{json:#}");
    assert!(
        found[0].1.contains("poetry-codeartifact-login-plugin"),
        "{json:#}"
    );
    let hint = json["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["check"] == "poetry-plugin")
        .unwrap()["hint"]
        .clone();
    assert!(
        hint.as_str()
            .unwrap()
            .starts_with("poetry self remove poetry-codeartifact-login-plugin"),
        "{hint}"
    );

    // The test tools' own Poetry has none.
    let bin = tools.parent().unwrap();
    sb.set_env("PATH", format!("{}:{}", bin.display(), path_with_bin()));
    let json = report(&sb, "", &[]);
    assert_eq!(statuses(&json, "poetry-plugin"), ["ok"], "{json:#}");
}

#[test]
fn profiles_without_credentials_are_found_without_calling_aws() {
    let (standin, mut sb) = with_standin("file");
    let json = report(&sb, PROJECT, &[]);
    let creds = checks(&json, "credentials");
    assert_eq!(creds.len(), 1, "{json:#}");
    assert_eq!(creds[0].0, "ok");
    assert!(
        creds[0]
            .1
            .contains("access keys in the environment (AWS_ACCESS_KEY_ID)"),
        "{json:#}"
    );

    // An SSO profile whose sign-in has run out, and a profile that does not exist.
    sb.without_env_keys();
    fs::write(
        sb.aws_dir().join("config"),
        "[profile sso]\nsso_session = corp\n[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = us-west-2\n",
    )
    .unwrap();
    // The AWS CLI's cache of session `corp`: the SHA-1 of its name.
    sb.write(
        ".aws/sso/cache/ee0bfd2552fbd840c02cc48b6e823320543c450f.json",
        &format!(
            "{{\"accessToken\": \"{}\", \"expiresAt\": \"2020-01-01T00:00:00Z\"}}",
            planted(1)
        ),
    );
    sb.write_config(
        "[trust]\nowners = [\"111122223333\"]\n[[profile]]\ndomain = \"corp\"\nprofile = \"sso\"\n[[profile]]\ndomain = \"other\"\nprofile = \"nope\"\n",
    );
    sb.write(
        &format!("{PROJECT}/uv.toml"),
        "[[index]]\nname = \"other\"\nurl = \"https://other-111122223333.d.codeartifact.eu-west-1.amazonaws.com/pypi/repo/simple/\"\n",
    );
    let json = report(&sb, PROJECT, &[]);
    assert!(!json.to_string().contains(PLANTED));
    let messages: Vec<String> = checks(&json, "credentials")
        .into_iter()
        .filter(|c| c.0 == "fail")
        .map(|c| c.1)
        .collect();
    assert_eq!(messages.len(), 2, "{json:#}");
    assert!(
        messages.iter().any(|m| m.contains(
            "profile 'sso' uses SSO session 'corp': signed out since 2020-01-01T00:00:00Z"
        )),
        "{messages:?}"
    );
    assert!(
        messages
            .iter()
            .any(|m| m.contains("profile 'nope' is in neither")),
        "{messages:?}"
    );
    assert!(
        standin.calls().is_empty(),
        "doctor without --online calls no AWS"
    );
}

#[test]
fn online_asks_aws_once_per_entry_keeps_nothing_and_measures_the_clock() {
    let (standin, sb) = with_standin("file");
    let json = report(&sb, PROJECT, &["--online"]);
    assert_eq!(statuses(&json, "online"), ["ok"], "{json:#}");
    assert_eq!(statuses(&json, "clock"), ["ok"], "{json:#}");
    assert_eq!(standin.ok_calls(), 1);
    assert_eq!(standin.calls()[0].duration, Some(900), "the shortest token");
    let status = sb.status(PROJECT);
    assert_eq!(
        status["sources"][0]["token"]["state"], "missing",
        "nothing kept"
    );

    // The service ten minutes ahead: AWS still answers, the clock is a failure.
    standin.clock_skew(600);
    let json = report(&sb, PROJECT, &["--online"]);
    assert_eq!(statuses(&json, "online"), ["ok"], "{json:#}");
    let clock = checks(&json, "clock");
    assert_eq!(clock[0].0, "fail", "{json:#}");
    assert!(clock[0].1.contains("behind AWS's"), "{json:#}");
    assert!(clock[0].1.contains(" min "), "{json:#}");

    // An hour behind: AWS refuses the signature, and the clock says why.
    standin.clock_skew(-3600);
    let out = doctor(&sb, PROJECT, &["--online"]);
    let shown = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{shown}");
    assert!(
        shown.contains("InvalidSignatureException: Signature expired"),
        "{shown}"
    );
    assert!(
        shown.contains("hint: check this machine's clock"),
        "{shown}"
    );
    assert!(
        shown.contains("✗ this machine's clock is 1 h 0 min ahead of AWS's"),
        "{shown}"
    );
}

#[cfg(target_os = "linux")]
#[test]
fn a_locked_gnome_keyring_is_a_failure_and_is_never_asked_to_unlock() {
    use support::keyrings::{require, SecretService};
    require("gnome-keyring-daemon");
    for (ss, locked) in [
        (SecretService::locked(), true),
        (SecretService::unlocked(), false),
    ] {
        let (_standin, mut sb) = with_standin("auto");
        for (k, v) in ss.env() {
            sb.set_env(&k, v);
        }
        let json = report(&sb, PROJECT, &[]);
        let store = checks(&json, "store");
        if locked {
            assert_eq!(store[0].0, "fail", "{json:#}");
            assert!(
                store[0]
                    .1
                    .starts_with("the keyring is locked: auto stores new tokens in "),
                "{json:#}"
            );
            assert!(ss.is_locked());
        } else {
            assert_eq!(store[0].0, "ok", "{json:#}");
            assert!(
                store[0].1.starts_with("auto stores tokens in the keyring"),
                "{json:#}"
            );
        }
        assert_eq!(ss.prompt_attempts(), 0, "{}", ss.logs());
    }
}

#[cfg(unix)]
#[test]
fn an_open_state_directory_and_a_broken_configuration_are_named() {
    use std::os::unix::fs::PermissionsExt;
    let sb = sandbox();
    let state = sb.state_dir().join("ca-env");
    fs::create_dir_all(state.join("secrets")).unwrap();
    fs::write(state.join("secrets/0123"), "{}").unwrap();
    let modes = |dir: u32, file: u32| {
        fs::set_permissions(&state, fs::Permissions::from_mode(dir)).unwrap();
        let file_mode = fs::Permissions::from_mode(file);
        fs::set_permissions(state.join("secrets/0123"), file_mode).unwrap();
    };
    modes(0o755, 0o644);
    sb.write_config("[defaults]\nduration = \"12h\"\nhook_deadline = \"soon\"\n");
    let out = doctor(&sb, "", &[]);
    let shown = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{shown}");
    for want in [
        format!(
            "✗ {} is open to others (mode 755); hint: chmod 700 {}",
            state.display(),
            state.display()
        ),
        format!(
            "✗ {}/secrets/0123 is open to others (mode 644); hint: chmod 600",
            state.display()
        ),
        format!("✗ {}:3: ", sb.config_file().display()),
    ] {
        assert!(shown.contains(&want), "{want}\n{shown}");
    }

    modes(0o700, 0o600);
    sb.write_config("[defaults]\nduration = \"12h\"\n");
    let json = report(&sb, "", &[]);
    assert_eq!(statuses(&json, "state-dir"), ["ok"], "{json:#}");
    assert_eq!(statuses(&json, "config"), ["ok"], "{json:#}");
}

/// From a script (no terminal, no hook), in a sandbox with nothing wrong: nothing fails, the
/// hook is not checked, and the text and JSON agree.
#[test]
fn from_a_script_nothing_planted_nothing_fails() {
    let sb = sandbox();
    let out = doctor(&sb, "", &[]);
    let shown = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{shown}{}", stderr(&out));
    assert!(
        shown.contains("– not run from an interactive bash, zsh or fish"),
        "{shown}"
    );
    assert!(shown.ends_with("no problem found\n"), "{shown}");
    assert_eq!(stderr(&out), "");
    let json = report(&sb, "", &[]);
    assert_eq!(json["ok"], true);
    assert_eq!(statuses(&json, "loaded"), ["skip"]);
}

/// A project of an Azure feed and a Google repository: the clouds group names where each
/// token would come from (the stand-in CLIs on PATH) without running them, and fails with what
/// to install when neither a CLI nor a variable is there; `--online` gets one token from each,
/// keeps nothing, and the AWS group has no profile to check.
#[test]
fn azure_and_google_sources_are_checked_by_their_own_clouds() {
    use support::clouds::Clouds;

    let mut sb = sandbox();
    let clouds = Clouds::new(sb.path());
    // Neither CLI: only ca-env's own directory on PATH (a machine may have a real gcloud).
    let bin = Path::new(BIN).parent().unwrap().display().to_string();
    sb.set_env("PATH", bin);
    sb.write_config("[trust]\ndomains = [\"azure:contoso\", \"google:acme-prod\"]\n");
    sb.write(
        "app/pyproject.toml",
        "[[tool.uv.index]]\nname = \"corp\"\n\
         url = \"https://pkgs.dev.azure.com/contoso/web/_packaging/corp/pypi/simple/\"\n\n\
         [[tool.uv.index]]\nname = \"gar\"\n\
         url = \"https://us-central1-python.pkg.dev/acme-prod/py-private/simple/\"\n",
    );
    let json = report(&sb, "app", &[]);
    assert_eq!(
        statuses(&json, "credentials"),
        ["skip", "fail", "fail"],
        "{json:#}"
    );
    let shown = checks(&json, "credentials");
    assert!(shown[0].1.contains("no CodeArtifact source"), "{json:#}");
    assert!(
        shown[1].1.starts_with("Azure Artifacts: no source"),
        "{json:#}"
    );
    assert!(
        shown[2].1.starts_with("Artifact Registry: no source"),
        "{json:#}"
    );
    let text = stdout(&doctor(&sb, "app", &[]));
    assert!(
        text.contains("hint: install the Azure CLI and run 'az login'"),
        "{text}"
    );

    sb.set_env(
        "PATH",
        format!("{}:{}", clouds.bin.display(), path_with_bin()),
    );
    let json = report(&sb, "app", &[]);
    assert_eq!(
        statuses(&json, "credentials"),
        ["skip", "ok", "ok"],
        "{json:#}"
    );
    let shown = checks(&json, "credentials");
    assert!(
        shown[1].1.contains("tokens from the Azure CLI ("),
        "{json:#}"
    );
    assert!(
        shown[2].1.contains("tokens from the gcloud CLI ("),
        "{json:#}"
    );
    assert!(clouds.calls().is_empty(), "{:?}", clouds.calls());

    let json = report(&sb, "app", &["--online"]);
    assert_eq!(statuses(&json, "online"), ["ok", "ok"], "{json:#}");
    assert_eq!(clouds.calls().len(), 2, "{:?}", clouds.calls());
    let status = sb.status("app");
    for source in status["sources"].as_array().unwrap() {
        assert_eq!(
            source["token"]["state"], "missing",
            "nothing kept: {status}"
        );
    }

    // Signed out: the failure names the way back.
    clouds.sign_out(true);
    let out = doctor(&sb, "app", &["--online"]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("ca-env login"), "{text}");
}
