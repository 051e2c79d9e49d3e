//! The hook in real interactive bash, zsh and fish on a pseudo-terminal: entering a project
//! sets its variables, leaving gives back what the user had, and a prompt where nothing changed
//! starts no process (fish from 3.6 on).

use crate::support::{self, shells};

use std::fs;
use std::time::Duration;

use shells::{Interactive, Kind};
use support::standin::{StandIn, OTHER_KEY_ID, OTHER_SECRET, TEST_KEY_ID, TEST_SECRET};
use support::{Sandbox, BIN, PROJECT};

const USER: &str = "POETRY_HTTP_BASIC_CORP_USERNAME";
const PASS: &str = "POETRY_HTTP_BASIC_CORP_PASSWORD";
const SHARED: &str = "CODEARTIFACT_AUTH_TOKEN";

/// The line an rc file holds.
fn hook_line(kind: Kind) -> String {
    match kind {
        Kind::Fish => format!("{BIN} hook fish | source"),
        _ => format!("eval \"$({BIN} hook {})\"", kind.name()),
    }
}

/// A shell in HOME with the hook installed after `before` (shell code run first).
fn shell(sb: &Sandbox, kind: Kind, before: &str) -> Interactive {
    let init = format!("{before}\n{}\n", hook_line(kind));
    Interactive::start(kind, &sb.env_pairs(), &sb.home(), &init)
}

/// `export NAME=VALUE` in the shell's own syntax, the value already quoted.
fn export(kind: Kind, name: &str, quoted: &str) -> String {
    match kind {
        Kind::Fish => format!("set -gx {name} {quoted}"),
        _ => format!("export {name}={quoted}"),
    }
}

/// Asserts the shell's value of `name`, naming the shell when it differs.
fn expect(sh: &mut Interactive, name: &str, want: Option<&str>) {
    let kind = sh.kind();
    assert_eq!(sh.var(name).as_deref(), want, "{kind:?}: {name}");
}

fn setup() -> (StandIn, Sandbox) {
    let standin = StandIn::start();
    let sb = Sandbox::for_tokens(&standin, "file");
    (standin, sb)
}

/// A `kind` shell with the hook, already inside the token tests' project.
fn in_project(kind: Kind) -> (StandIn, Sandbox, Interactive) {
    let (standin, sb) = setup();
    let mut sh = shell(&sb, kind, "");
    sh.run(&format!("cd {PROJECT}"));
    (standin, sb, sh)
}

#[test]
fn entering_sets_and_leaving_gives_back_set_empty_and_unset() {
    for kind in Kind::ALL {
        let (standin, sb) = setup();
        let mut sh = shell(&sb, kind, "");
        sh.run(&export(kind, PASS, "'mine'"));
        sh.run(&export(kind, USER, "''"));
        sh.run(&format!("cd {PROJECT}"));
        let issued = standin.issued();
        assert_eq!(issued.len(), 1, "{kind:?}: {}", sh.transcript());
        expect(&mut sh, PASS, Some(issued[0].as_str()));
        expect(&mut sh, USER, Some("aws"));
        expect(&mut sh, SHARED, Some(issued[0].as_str()));
        let state = sh.var("__CA_ENV_STATE").expect("the state is exported");
        assert!(
            !state.contains(&issued[0]),
            "{kind:?}: no token in the state"
        );

        sh.run("cd ..");
        expect(&mut sh, PASS, Some("mine"));
        expect(&mut sh, USER, Some(""));
        expect(&mut sh, SHARED, None);
        assert_eq!(standin.ok_calls(), 1, "{kind:?}");
    }
}

#[test]
fn a_value_the_user_changes_inside_is_kept_and_subdirectories_keep_the_project() {
    for kind in Kind::ALL {
        let (_standin, sb) = setup();
        fs::create_dir_all(sb.home().join(PROJECT).join("src/pkg")).unwrap();
        let mut sh = shell(&sb, kind, "");
        sh.run(&format!("cd {PROJECT}/src/pkg"));
        expect(&mut sh, USER, Some("aws"));
        sh.run(&export(kind, PASS, "'edited'"));
        sh.run("cd ..");
        expect(&mut sh, PASS, Some("edited"));
        expect(&mut sh, USER, Some("aws"));
        sh.run("cd ~");
        expect(&mut sh, PASS, Some("edited"));
        expect(&mut sh, USER, None);
    }
}

#[test]
fn moving_from_one_project_straight_into_another_swaps_cleanly() {
    for kind in Kind::ALL {
        let (standin, sb) = setup();
        sb.write(
            "two/pyproject.toml",
            "[[tool.uv.index]]\nname = \"other\"\nurl = \"https://other-111122223333.d.codeartifact.eu-west-1.amazonaws.com/pypi/repo/simple/\"\n",
        );
        let mut sh = shell(&sb, kind, "");
        sh.run(&format!("cd {PROJECT}"));
        assert!(sh.var(PASS).is_some(), "{kind:?}: {}", sh.transcript());
        sh.run("cd ../two");
        expect(&mut sh, PASS, None);
        expect(&mut sh, USER, None);
        let issued = standin.issued();
        assert_eq!(issued.len(), 2, "{kind:?}");
        expect(&mut sh, "UV_INDEX_OTHER_PASSWORD", Some(issued[1].as_str()));
        expect(&mut sh, SHARED, Some(issued[1].as_str()));
        sh.run("cd ..");
        for name in ["UV_INDEX_OTHER_PASSWORD", "UV_INDEX_OTHER_USERNAME", SHARED] {
            assert_eq!(sh.var(name), None, "{kind:?}: {name}");
        }
    }
}

/// Whether any of the traced process starts is ca-env's.
fn runs_ca_env(started: &[String]) -> bool {
    started
        .iter()
        .any(|p| p.contains("execve") && p.contains("ca-env"))
}

/// Twenty prompts where nothing changed start no process at all, in every shell (fish 3.6 or
/// later, which this machine has: see `fish_is_at_least_3_6`).
#[test]
fn a_prompt_where_nothing_changed_starts_no_process_in_bash_zsh_and_fish() {
    for kind in Kind::ALL {
        let (_standin, _sb, mut sh) = in_project(kind);
        assert!(sh.var(PASS).is_some(), "{kind:?}");
        let quiet = sh.processes_during(&[":"; 20]);
        assert!(quiet.is_empty(), "{kind:?}: {quiet:#?}");
        // A changed project file is noticed at the next prompt, which runs ca-env.
        let changed = sh.processes_during(&["echo >> pyproject.toml"]);
        assert!(runs_ca_env(&changed), "{kind:?}: {changed:#?}");
    }
}

/// `AWS_PROFILE` changed at the prompt is taken up at the next one, in every shell: that prompt
/// runs ca-env, which gets the other profile's token (the profile is part of the entry); the
/// prompts after it start nothing, and going back serves the first token from the store.
#[test]
fn a_changed_aws_profile_is_taken_up_at_the_next_prompt() {
    for kind in Kind::ALL {
        let (standin, mut sb) = setup();
        sb.without_env_keys();
        sb.write_credentials(&[
            ("a", TEST_KEY_ID, TEST_SECRET),
            ("b", OTHER_KEY_ID, OTHER_SECRET),
        ]);
        sb.set_env("AWS_PROFILE", "a");
        let mut sh = shell(&sb, kind, "");
        sh.run(&format!("cd {PROJECT}"));
        let first = sh.var(PASS).expect("a token for profile a");
        let changed = sh.processes_during(&[&export(kind, "AWS_PROFILE", "b")]);
        assert!(runs_ca_env(&changed), "{kind:?}: {changed:#?}");
        let second = sh.var(PASS).expect("a token for profile b");
        assert_ne!(first, second, "{kind:?}");
        let keys: Vec<String> = standin.calls().into_iter().map(|c| c.key_id).collect();
        assert_eq!(keys, [TEST_KEY_ID, OTHER_KEY_ID], "{kind:?}");
        let quiet = sh.processes_during(&[":", ":"]);
        assert!(quiet.is_empty(), "{kind:?}: {quiet:#?}");
        sh.run(&export(kind, "AWS_PROFILE", "a"));
        expect(&mut sh, PASS, Some(first.as_str()));
        assert_eq!(standin.calls().len(), 2, "{kind:?}: served from the store");
    }
}

/// The fish tests above hold for the fast path only from fish 3.6 on (`test -nt`).
#[test]
fn fish_is_at_least_3_6() {
    let out = std::process::Command::new("fish")
        .arg("--version")
        .output()
        .expect("fish is installed");
    let text = String::from_utf8_lossy(&out.stdout);
    let version: Vec<u32> = text
        .trim()
        .rsplit(' ')
        .next()
        .unwrap_or_default()
        .split(['.', '-'])
        .take(2)
        .map(|n| n.parse().unwrap_or(0))
        .collect();
    assert!(version >= vec![3, 6], "{text}");
}

/// The deadline alone (no file changed) makes the next prompt look again: here a token's
/// renewal time, a few seconds ahead. Before it the prompts start nothing; after it the hook
/// runs ca-env, which renews the token in the background.
#[test]
fn the_deadline_alone_makes_the_next_prompt_look_again() {
    for kind in Kind::ALL {
        let (standin, sb, mut sh) = in_project(kind);
        // A 12-hour token is renewed with 72 minutes (10 % of its lifetime) left: make that a
        // few seconds from now, and let the hook see the entry (an edit makes it look).
        sb.age_entry(72 * 60 + 8);
        sh.run("echo >> pyproject.toml");
        let state: serde_json::Value =
            serde_json::from_str(&sh.var("__CA_ENV_STATE").unwrap()).unwrap();
        let deadline = state["deadline"].as_i64().unwrap();
        let left = deadline - support::now();
        assert!((1..=10).contains(&left), "{kind:?}: deadline in {left} s");
        let before = sh.processes_during(&[":"]);
        assert!(before.is_empty(), "{kind:?}: {before:#?}");
        assert_eq!(standin.ok_calls(), 1, "{kind:?}");
        while support::now() <= deadline {
            std::thread::sleep(Duration::from_millis(200));
        }
        let after = sh.processes_during(&[":"]);
        assert!(runs_ca_env(&after), "{kind:?}: {after:#?}");
        let renewed = std::time::Instant::now() + Duration::from_secs(10);
        while standin.ok_calls() < 2 && std::time::Instant::now() < renewed {
            std::thread::sleep(Duration::from_millis(50));
        }
        assert_eq!(standin.ok_calls(), 2, "{kind:?}: renewed once");
    }
}

#[test]
fn the_exit_status_of_the_last_command_is_kept() {
    for kind in Kind::ALL {
        let (_standin, _sb, mut sh) = in_project(kind);
        let status = match kind {
            Kind::Fish => "echo status=$status",
            _ => "echo status=$?",
        };
        sh.run("false");
        let shown = sh.run(status);
        assert!(shown.contains("status=1"), "{kind:?}: {shown}");
        // Also when the hook ran an export at that prompt (the directory changed).
        sh.run("cd ..; false");
        let shown = sh.run(status);
        assert!(shown.contains("status=1"), "{kind:?}: {shown}");
    }
}

#[test]
fn bash_prompt_command_as_string_or_array_with_another_hook_already_there() {
    let (_standin, sb) = setup();
    for before in [
        "PROMPT_COMMAND='n=$((n+1))'",
        "PROMPT_COMMAND=('n=$((n+1))')",
    ] {
        let mut sh = shell(&sb, Kind::Bash, before);
        // Evaluating the hook again (a re-read ~/.bashrc) does not add it twice.
        sh.run(&hook_line(Kind::Bash));
        let pc = sh.run("printf '<%s>' \"${PROMPT_COMMAND[@]}\"");
        assert!(
            pc.contains("<_ca_env_hook && :;n=$((n+1))>")
                || pc.contains("<_ca_env_hook && :><n=$((n+1))>"),
            "{before}: {pc}"
        );
        let before_n: u32 = sh.var("n").unwrap().parse().unwrap();
        sh.run(&format!("cd {PROJECT}"));
        let after_n: u32 = sh.var("n").unwrap().parse().unwrap();
        assert_eq!(
            after_n,
            before_n + 2,
            "{before}: the other hook still runs once per prompt"
        );
        assert_eq!(sh.var(USER).as_deref(), Some("aws"), "{before}");
    }
}

#[test]
fn strict_modes_and_tracing_neither_break_the_shell_nor_show_a_token() {
    for kind in Kind::ALL {
        let (standin, sb) = setup();
        let strict = match kind {
            Kind::Bash => "set -u -e -x",
            Kind::Zsh => "setopt nounset errexit xtrace",
            Kind::Fish => "set -g fish_trace 1",
        };
        let mut sh = shell(&sb, kind, strict);
        sh.run("alias cd='cd'; alias command='false'; alias eval='false'");
        // What the terminal shows around the prompts where the hook applies variables (the
        // test's own reads of them are traced too, so they are left out).
        let seen = [
            sh.run(&format!("cd {PROJECT}")),
            sh.run("cd .."),
            sh.run(&format!("cd {PROJECT}")),
        ]
        .concat();
        let issued = standin.issued();
        assert!(!issued.is_empty(), "{kind:?}: {}", sh.transcript());
        for t in &issued {
            assert!(
                !seen.contains(t.as_str()),
                "{kind:?}: a token was traced: {seen}"
            );
        }
        expect(&mut sh, PASS, Some(issued[0].as_str()));
        // The shell is still there and tracing still on where the user set it.
        let echoed = sh.run("echo still-here");
        assert!(echoed.contains("still-here"), "{kind:?}");
    }
}

#[test]
fn hostile_token_values_round_trip_and_run_nothing() {
    for kind in Kind::ALL {
        let (standin, sb) = setup();
        let canary = sb.path().join("canary");
        let c = canary.display();
        standin.token_suffix(&format!(
            "'\"$(touch${{IFS}}{c})`touch${{IFS}}{c}`;(touch${{IFS}}{c});\\'\\\\$HOME\\"
        ));
        let mut sh = shell(&sb, kind, "");
        sh.run(&format!("cd {PROJECT}"));
        let issued = standin.issued();
        assert_eq!(issued.len(), 1, "{kind:?}: {}", sh.transcript());
        expect(&mut sh, PASS, Some(issued[0].as_str()));
        expect(&mut sh, SHARED, Some(issued[0].as_str()));
        sh.run("cd ..");
        expect(&mut sh, PASS, None);
        assert!(!canary.exists(), "{kind:?}: the canary was created");
    }
}

#[test]
fn an_untrusted_domain_is_said_once_with_the_command_to_allow_it() {
    for kind in Kind::ALL {
        let (standin, sb) = setup();
        sb.write_config("");
        fs::create_dir_all(sb.home().join(PROJECT).join("sub")).unwrap();
        let mut sh = shell(&sb, kind, "");
        let first = sh.run(&format!("cd {PROJECT}"));
        let said: Vec<&str> = first.lines().filter(|l| l.contains("ca-env:")).collect();
        assert_eq!(said.len(), 1, "{kind:?}: {first}");
        assert!(
            said[0].contains("corp")
                && said[0].contains("111122223333")
                && said[0].contains("ca-env allow"),
            "{kind:?}: {first}"
        );
        let later = [sh.run(":"), sh.run("cd sub"), sh.run("cd ..")].concat();
        assert!(!later.contains("ca-env:"), "{kind:?}: said again: {later}");
        expect(&mut sh, PASS, None);
        assert!(standin.calls().is_empty(), "{kind:?}: no AWS call");

        let allowed = sh.run(&format!("{BIN} allow"));
        assert!(!allowed.contains("error"), "{kind:?}: {allowed}");
        sh.run(":");
        assert!(sh.var(PASS).is_some(), "{kind:?}: exported once allowed");
    }
}

#[test]
fn a_fetch_past_the_deadline_goes_on_detached_and_the_next_prompt_picks_it_up() {
    let _alone = support::heavy();
    for kind in Kind::ALL {
        let (standin, sb) = setup();
        sb.write_config(
            "[trust]\nowners = [\"111122223333\"]\n[defaults]\nhook_deadline = \"1s\"\n",
        );
        standin.delay(Duration::from_millis(2500));
        let mut sh = shell(&sb, kind, "");
        let started = std::time::Instant::now();
        let said = sh.run(&format!("cd {PROJECT}"));
        assert!(
            started.elapsed() < Duration::from_millis(2400),
            "{kind:?}: the prompt waited"
        );
        assert!(said.contains("still fetching"), "{kind:?}: {said}");
        expect(&mut sh, PASS, None);
        std::thread::sleep(Duration::from_millis(3000));
        sh.run(":");
        let issued = standin.issued();
        assert_eq!(issued.len(), 1, "{kind:?}");
        expect(&mut sh, PASS, Some(issued[0].as_str()));
    }
}

#[test]
fn a_token_renewed_elsewhere_is_picked_up_at_the_next_prompt() {
    for kind in Kind::ALL {
        let (standin, sb, mut sh) = in_project(kind);
        let first = sh.var(PASS).unwrap();
        let out = sb.run(PROJECT, &["login", "--force"]);
        assert!(out.status.success(), "{}", support::stderr(&out));
        sh.run(":");
        let issued = standin.issued();
        assert_eq!(issued.len(), 2);
        assert_ne!(first, issued[1]);
        expect(&mut sh, PASS, Some(issued[1].as_str()));
    }
}

/// direnv with `use codeartifact`: plain exports while inside, removed by direnv on leaving,
/// and a token renewed elsewhere reloads the .envrc at the next prompt (ca-env's state
/// directory is among the watched files).
#[test]
fn direnv_use_codeartifact_exports_and_reloads_on_renewal() {
    let (standin, mut sb) = setup();
    let data = sb.path().join("data");
    sb.set_env("XDG_DATA_HOME", data.display().to_string());
    let lib = sb.path().join("config/direnv/lib/ca-env.sh");
    fs::create_dir_all(lib.parent().unwrap()).unwrap();
    let out = sb.run("", &["hook", "direnv"]);
    assert!(out.status.success());
    fs::write(&lib, &out.stdout).unwrap();
    sb.write(&format!("{PROJECT}/.envrc"), "use codeartifact\n");
    let direnv = |args: &[&str]| {
        let mut cmd = std::process::Command::new("direnv");
        cmd.args(args);
        sb.inside(cmd, PROJECT)
            .output()
            .expect("direnv runs (the test command installs it)")
    };
    assert!(direnv(&["allow", "."]).status.success());
    let shown = direnv(&["exec", ".", "sh", "-c", &format!("printf %s \"${PASS}\"")]);
    let issued = standin.issued();
    assert_eq!(issued.len(), 1, "{}", support::stderr(&shown));
    assert_eq!(support::stdout(&shown), issued[0]);

    let mut sh = Interactive::start(
        Kind::Bash,
        &sb.env_pairs(),
        &sb.home(),
        "eval \"$(direnv hook bash)\"",
    );
    sh.run(&format!("cd {PROJECT}"));
    assert_eq!(sh.var(PASS).as_deref(), Some(issued[0].as_str()));
    // direnv compares watched files' times in whole seconds.
    std::thread::sleep(Duration::from_millis(1100));
    let out = sb.run(PROJECT, &["login", "--force"]);
    assert!(out.status.success(), "{}", support::stderr(&out));
    sh.run(":");
    let issued = standin.issued();
    assert_eq!(issued.len(), 2);
    assert_eq!(
        sh.var(PASS).as_deref(),
        Some(issued[1].as_str()),
        "{}",
        sh.transcript()
    );
    sh.run("cd ..");
    assert_eq!(sh.var(PASS), None);
    assert_eq!(sh.var("__CA_ENV_STATE"), None, "direnv keeps its own state");
}

/// A requirements file naming its own index: pip reads credentials from NETRC there, so the
/// hook points NETRC at a private file holding this host's token; uv's pip interface and a
/// plain pip read the URL variables.
#[test]
fn requirements_with_their_own_index_get_a_private_netrc() {
    let (standin, mut sb) = setup();
    // Private to the user, as logind makes it (one that is not is skipped: see
    // tests/it/adversarial/faults.rs).
    let runtime = sb.path().join("run");
    fs::create_dir_all(&runtime).unwrap();
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(&runtime, fs::Permissions::from_mode(0o700)).unwrap();
    sb.set_env("XDG_RUNTIME_DIR", runtime.display().to_string());
    fs::remove_file(sb.home().join(PROJECT).join("pyproject.toml")).unwrap();
    sb.write(
        &format!("{PROJECT}/requirements.txt"),
        &format!("--index-url {}\nrequests\n", support::CA),
    );
    let mut sh = shell(&sb, Kind::Bash, "");
    sh.run(&format!("cd {PROJECT}"));
    let t = standin.issued().remove(0);
    let netrc = sh.var("NETRC").expect("NETRC is set");
    assert!(netrc.starts_with(&runtime.display().to_string()), "{netrc}");
    let text = fs::read_to_string(&netrc).unwrap();
    assert_eq!(
        text,
        format!("machine corp-111122223333.d.codeartifact.us-west-2.amazonaws.com login aws password {t}\n")
    );
    assert_eq!(
        fs::metadata(&netrc).unwrap().permissions().mode() & 0o777,
        0o600
    );
    let url = sh.var("PIP_INDEX_URL").unwrap();
    assert_eq!(
        url,
        support::CA.replace("https://", &format!("https://aws:{t}@"))
    );
    assert_eq!(sh.var("UV_INDEX_URL").as_deref(), Some(url.as_str()));
    sh.run("cd ..");
    assert_eq!(sh.var("NETRC"), None);
    assert_eq!(sh.var("PIP_INDEX_URL"), None);
}

/// What Python's netrc module (pip's reader) makes of `file` for `host`: "login|password", or
/// "none".
fn python_netrc(file: &str, host: &str) -> String {
    let out = std::process::Command::new(support::python_tool("python"))
        .args([
            "-c",
            "import netrc, sys\na = netrc.netrc(sys.argv[1]).authenticators(sys.argv[2])\nprint('none' if a is None else a[0] + '|' + a[2])",
            file,
            host,
        ])
        .output()
        .unwrap();
    support::ok(&out)
}

/// The netrc NETRC points at keeps every entry of the user's own (their `~/.netrc`, or the
/// file their NETRC names), with their stale entry for the CodeArtifact host replaced by
/// ca-env's, and follows an edit of theirs at the next prompt.
#[test]
fn the_private_netrc_keeps_the_users_own_entries_and_follows_their_edits() {
    let (standin, mut sb) = setup();
    let runtime = sb.path().join("run");
    fs::create_dir_all(&runtime).unwrap();
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(&runtime, fs::Permissions::from_mode(0o700)).unwrap();
    sb.set_env("XDG_RUNTIME_DIR", runtime.display().to_string());
    fs::remove_file(sb.home().join(PROJECT).join("pyproject.toml")).unwrap();
    sb.write(
        &format!("{PROJECT}/requirements.txt"),
        &format!("--index-url {}\nrequests\n", support::CA),
    );
    let ca = "corp-111122223333.d.codeartifact.us-west-2.amazonaws.com";
    let mine = sb.write(
        ".netrc",
        &format!(
            "# my hosts\nmachine git.corp.example login me password mypw\n\
             machine {} login old password stale\n\
             macdef init\ncd /pub\n\n\
             default login anonymous password guest\n",
            ca.to_uppercase()
        ),
    );
    let mut sh = shell(&sb, Kind::Bash, "");
    sh.run(&format!("cd {PROJECT}"));
    let t = standin.issued().remove(0);
    let netrc = sh.var("NETRC").expect("NETRC is set");
    assert_eq!(python_netrc(&netrc, "git.corp.example"), "me|mypw");
    assert_eq!(python_netrc(&netrc, ca), format!("aws|{t}"));
    assert_eq!(python_netrc(&netrc, "elsewhere.example"), "anonymous|guest");
    let text = fs::read_to_string(&netrc).unwrap();
    assert!(!text.contains("stale"), "{text}");
    assert_eq!(
        fs::metadata(&netrc).unwrap().permissions().mode() & 0o777,
        0o600
    );

    // An edit of the user's netrc is taken up at the next prompt.
    std::thread::sleep(Duration::from_millis(20));
    fs::write(
        &mine,
        "machine git.corp.example login me password newpw\nmachine pkgs.example login you password pw2\n",
    )
    .unwrap();
    sh.run("true");
    let netrc = sh.var("NETRC").expect("NETRC is still set");
    assert_eq!(python_netrc(&netrc, "git.corp.example"), "me|newpw");
    assert_eq!(python_netrc(&netrc, "pkgs.example"), "you|pw2");
    assert_eq!(python_netrc(&netrc, ca), format!("aws|{t}"));

    // The user's own NETRC, not ~/.netrc, when they set one.
    let theirs = sb.write(
        "netrc.d/work",
        "machine work.example login w password wpw\n",
    );
    sh.run("cd ..");
    sh.run(&format!("export NETRC='{}'", theirs.display()));
    sh.run(&format!("cd {PROJECT}"));
    let netrc = sh.var("NETRC").expect("NETRC is set");
    assert_ne!(netrc, theirs.display().to_string());
    assert_eq!(python_netrc(&netrc, "work.example"), "w|wpw");
    assert_eq!(python_netrc(&netrc, "pkgs.example"), "none");
    sh.run("cd ..");
    assert_eq!(sh.var("NETRC"), Some(theirs.display().to_string()));
}

/// A user netrc ca-env cannot take in (too large, not a file Python's netrc reads) is one
/// line naming it, and ca-env's own entry still works.
#[test]
fn a_user_netrc_that_cannot_be_read_is_one_line_and_ours_still_works() {
    let (standin, sb) = setup();
    fs::remove_file(sb.home().join(PROJECT).join("pyproject.toml")).unwrap();
    sb.write(
        &format!("{PROJECT}/requirements.txt"),
        &format!("--index-url {}\nrequests\n", support::CA),
    );
    let ca = "corp-111122223333.d.codeartifact.us-west-2.amazonaws.com";
    for (text, why) in [
        (
            "machine a login x password y\n".repeat(10_000),
            "larger than",
        ),
        ("machine a login x port 22\n".to_string(), "line 1"),
    ] {
        let mine = sb.write(".netrc", &text);
        let out = sb.run(PROJECT, &["export", "json"]);
        assert_eq!(out.status.code(), Some(0));
        let said = support::stderr(&out);
        assert_eq!(said.lines().count(), 1, "{said}");
        assert!(
            said.contains(&mine.display().to_string()) && said.contains(why),
            "{said}"
        );
        assert!(!said.contains("password"), "{said}");
        let vars: serde_json::Value = serde_json::from_str(&support::stdout(&out)).unwrap();
        let netrc = vars["NETRC"].as_str().expect("NETRC is set");
        let t = standin.issued().remove(0);
        assert_eq!(python_netrc(netrc, ca), format!("aws|{t}"));
        assert_eq!(python_netrc(netrc, "a"), "none");
    }
}

/// Source names and a project directory name built to break out of quoting: the names are
/// refused (nothing exported for them), the directory round-trips through the state, and no
/// canary file appears.
#[test]
fn hostile_names_and_directories_run_nothing() {
    for kind in Kind::ALL {
        let (standin, sb) = setup();
        let canary = sb.path().join("canary");
        let c = canary.display();
        let dir = format!("we\"ird $(touch {c}) `touch {c}`;(touch {c})");
        sb.write(
            &format!("{dir}/pyproject.toml"),
            &format!(
                "[[tool.poetry.source]]\nname = \"x$(touch {c})\"\nurl = \"{ca}\"\n\n[[tool.uv.index]]\nname = \"a'b;touch {c}\"\nurl = \"{ca}\"\n\n[[tool.poetry.source]]\nname = \"corp\"\nurl = \"{ca}\"\n",
                ca = support::CA
            ),
        );
        let mut sh = shell(&sb, kind, "");
        sh.run(&format!("cd '{dir}'"));
        assert_eq!(
            sh.var("PWD").unwrap(),
            sb.home().join(&dir).display().to_string()
        );
        let issued = standin.issued();
        assert_eq!(issued.len(), 1, "{kind:?}: {}", sh.transcript());
        expect(&mut sh, PASS, Some(issued[0].as_str()));
        sh.run(":");
        sh.run("cd ..");
        expect(&mut sh, PASS, None);
        assert!(!canary.exists(), "{kind:?}: the canary was created");
    }
}

/// Ctrl-C while the hook waits for a token: afterwards the variables are all set or none is,
/// and the next prompt completes the job.
#[test]
fn ctrl_c_during_the_hook_leaves_nothing_half_applied() {
    for kind in Kind::ALL {
        let (standin, sb) = setup();
        sb.write_config(
            "[trust]\nowners = [\"111122223333\"]\n[defaults]\nhook_deadline = \"5s\"\n",
        );
        // The hook is still waiting when the ^C comes (the driver sends it after 2 s at most).
        standin.delay(Duration::from_millis(3000));
        let mut sh = shell(&sb, kind, "");
        sh.send_line(&format!("cd {PROJECT}"));
        sh.interrupt();
        let set: Vec<bool> = [USER, PASS, SHARED]
            .iter()
            .map(|n| sh.var(n).is_some())
            .collect();
        assert!(
            set.iter().all(|s| *s) || set.iter().all(|s| !*s),
            "{kind:?}: half applied {set:?}: {}",
            sh.transcript()
        );
        std::thread::sleep(Duration::from_millis(3000));
        sh.run(":");
        let issued = standin.issued();
        assert_eq!(issued.len(), 1, "{kind:?}");
        expect(&mut sh, PASS, Some(issued[0].as_str()));
        expect(&mut sh, USER, Some("aws"));
    }
}

/// A token that expired and cannot be renewed: the variables are taken away first, then one
/// line says why and what to do (for AccessDenied: the profile's permissions, as `login` says),
/// and the prompts after it say nothing more (back-off).
#[test]
fn a_failed_renewal_unloads_then_says_so_once() {
    for kind in Kind::ALL {
        let (standin, sb, mut sh) = in_project(kind);
        assert!(sh.var(PASS).is_some(), "{kind:?}");
        sb.age_entry(30);
        standin.deny_key(support::standin::TEST_KEY_ID);
        let said = sh.run("echo >> pyproject.toml");
        let lines: Vec<&str> = said.lines().filter(|l| l.contains("ca-env:")).collect();
        assert_eq!(lines.len(), 1, "{kind:?}: {said}");
        assert!(
            lines[0].contains("AccessDenied")
                && lines[0].contains("hint: check that this profile may call"),
            "{kind:?}: {said}"
        );
        for name in [USER, PASS, SHARED] {
            assert_eq!(sh.var(name), None, "{kind:?}: {name} unloaded");
        }
        let later = [sh.run("echo >> pyproject.toml"), sh.run(":")].concat();
        assert!(!later.contains("ca-env:"), "{kind:?}: said again: {later}");
        assert_eq!(
            standin.calls().len(),
            2,
            "{kind:?}: one refused call, then back-off"
        );
    }
}

/// A token near expiry is still exported while a background refresh renews it; the prompt
/// after the refresh stored the new token exports that one.
#[test]
fn an_expiring_token_is_renewed_in_the_background_and_picked_up() {
    for kind in Kind::ALL {
        let (standin, sb, mut sh) = in_project(kind);
        let first = sh.var(PASS).unwrap();
        sb.age_entry(600);
        sh.run("echo >> pyproject.toml");
        assert_eq!(
            sh.var(PASS).as_deref(),
            Some(first.as_str()),
            "{kind:?}: still used"
        );
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while standin.ok_calls() < 2 && std::time::Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
        }
        std::thread::sleep(Duration::from_millis(300));
        sh.run(":");
        let issued = standin.issued();
        assert_eq!(issued.len(), 2, "{kind:?}: one background refresh");
        expect(&mut sh, PASS, Some(issued[1].as_str()));
    }
}

/// Lines of `text` equal to `line` (trimmed), for counting what a trap printed: the typed
/// command lines spell the words apart (`ERR""-TRAP`), so only the trap's output matches.
fn count_lines(text: &str, line: &str) -> usize {
    text.lines().filter(|l| l.trim() == line).count()
}

/// `set -e` and ERR traps see the user's commands only: a failing status at a prompt neither
/// ends the shell nor runs the trap a second time, whether the hook takes its fast path or runs
/// an export. (fish has neither errexit nor an ERR trap; its status is kept, see above.)
#[test]
fn errexit_and_err_traps_are_never_set_off_by_the_hook() {
    for kind in [Kind::Bash, Kind::Zsh] {
        let (_standin, sb) = setup();
        let errexit = match kind {
            Kind::Bash => "set -e",
            _ => "setopt errexit",
        };
        let mut sh = shell(&sb, kind, errexit);
        sh.run(&format!("cd {PROJECT}"));
        // Nothing changed at this prompt (fast path), then a changed file (an export).
        sh.run("grep -q nomatch /etc/hostname && echo found");
        sh.run("touch pyproject.toml; grep -q nomatch /etc/hostname && echo found");
        let alive = sh.run("echo still\"\"-alive");
        assert_eq!(
            count_lines(&alive, "still-alive"),
            1,
            "{kind:?}: {}",
            sh.transcript()
        );
        expect(&mut sh, USER, Some("aws"));

        let trap = match kind {
            Kind::Bash => "trap 'echo ERR\"\"-TRAP' ERR",
            _ => "trap 'echo ERR\"\"-TRAP' ZERR",
        };
        let mut sh = shell(&sb, kind, trap);
        sh.run(&format!("cd {PROJECT}"));
        let shown = [sh.run("false"), sh.run("touch pyproject.toml; false")].concat();
        assert_eq!(
            count_lines(&shown, "ERR-TRAP"),
            2,
            "{kind:?}: once per failing command: {shown}"
        );
    }
}

/// Aliases and functions named after every word the hook and the code it evaluates use, set
/// after the hook is loaded (as an rc file's later lines would), change nothing: the variables
/// are set and given back, and no token reaches the terminal.
#[test]
fn aliases_and_functions_named_like_builtins_change_nothing() {
    for kind in Kind::ALL {
        let (standin, sb) = setup();
        let hijack = match kind {
            // fish reserves `set`, `if`, `builtin`, `command`, `string` and `test`; a function
            // named `source` would break fish's own autoloading before ca-env's.
            Kind::Fish => ["printf", "path", "true"]
                .map(|w| format!("function {w}; echo HIJACKED $argv; end"))
                .join("; "),
            _ => {
                let functions: Vec<String> = ["export", "unset", "printf", "eval", "trap"]
                    .iter()
                    .map(|w| format!("{w}() {{ echo HIJACKED \"$@\"; }}"))
                    .collect();
                let aliases: Vec<String> = [
                    "export", "unset", "printf", "eval", "trap", "set", "local", "command",
                    "typeset", "return", "emulate", "setopt", "builtin", "if", "fi",
                ]
                .iter()
                .map(|w| format!("alias {w}='echo HIJACKED'"))
                .collect();
                format!("{}; {}", functions.join("; "), aliases.join("; "))
            }
        };
        let mut sh = shell(&sb, kind, "");
        sh.run(&hijack);
        let seen = [
            sh.run(&format!("cd {PROJECT}")),
            sh.run("cd .."),
            sh.run(&format!("cd {PROJECT}")),
        ]
        .concat();
        let issued = standin.issued();
        assert_eq!(issued.len(), 1, "{kind:?}: {}", sh.transcript());
        assert!(!seen.contains("HIJACKED"), "{kind:?}: {seen}");
        assert!(!seen.contains(&issued[0]), "{kind:?}: the token was shown");
        expect(&mut sh, PASS, Some(issued[0].as_str()));
        sh.run("cd ..");
        expect(&mut sh, PASS, None);
    }
}

/// A DEBUG trap (audit loggers use them: bash with `set -T`, zsh's `trap … DEBUG` and
/// `TRAPDEBUG`) sees the hook's own commands, never the assignments that carry a token, and is
/// still in place afterwards.
#[test]
fn debug_traps_never_see_a_token() {
    for (kind, trap) in [
        (
            Kind::Bash,
            "set -T; trap 'builtin printf \"%s\\n\" \"$BASH_COMMAND\" >> LOG' DEBUG",
        ),
        (
            Kind::Zsh,
            "trap 'builtin print -r -- \"$ZSH_DEBUG_CMD\" >> LOG' DEBUG",
        ),
        (
            Kind::Zsh,
            "TRAPDEBUG() { builtin print -r -- \"$ZSH_DEBUG_CMD\" >> LOG; }",
        ),
    ] {
        let (standin, sb) = setup();
        let log = sb.path().join("debug.log");
        let mut sh = shell(&sb, kind, &trap.replace("LOG", &log.display().to_string()));
        sh.run(&format!("cd {PROJECT}"));
        sh.run("cd ..");
        sh.run(&format!("cd {PROJECT}"));
        sh.run("echo after\"\"-the-hook");
        let issued = standin.issued();
        assert_eq!(issued.len(), 1, "{kind:?}: {}", sh.transcript());
        let logged = fs::read_to_string(&log).unwrap();
        assert!(
            !logged.contains(&issued[0]),
            "{kind:?} {trap}: the trap saw the token"
        );
        assert!(
            logged.contains("echo after-the-hook") || logged.contains("echo after\"\"-the-hook"),
            "{kind:?} {trap}: the trap is gone after the hook: {logged}"
        );
        expect(&mut sh, PASS, Some(issued[0].as_str()));
    }
}

/// zsh stops evaluating at an assignment to a read-only variable, bash goes on with a message
/// of its own at every attempt: in both a read-only variable is left alone, said once, and the
/// project's other variables are set. (fish has no read-only variables of the user's.)
#[test]
fn a_read_only_variable_is_left_alone_and_the_rest_applies() {
    for kind in [Kind::Bash, Kind::Zsh] {
        let (standin, sb) = setup();
        let mut sh = shell(&sb, kind, &format!("typeset -rx {USER}=mine"));
        let shown = [
            sh.run(&format!("cd {PROJECT}")),
            sh.run("touch pyproject.toml"),
            sh.run("touch pyproject.toml"),
        ]
        .concat();
        let issued = standin.issued();
        assert_eq!(issued.len(), 1, "{kind:?}: {}", sh.transcript());
        expect(&mut sh, USER, Some("mine"));
        expect(&mut sh, PASS, Some(issued[0].as_str()));
        expect(&mut sh, SHARED, Some(issued[0].as_str()));
        let said = format!("ca-env: {USER} is read-only in this shell; ca-env leaves it as it is");
        assert_eq!(
            count_lines(&shown, &said),
            1,
            "{kind:?}: said once: {shown}"
        );
        assert!(!shown.contains("read-only variable"), "{kind:?}: {shown}");
        sh.run("cd ..");
        expect(&mut sh, USER, Some("mine"));
        expect(&mut sh, PASS, None);
    }
}

/// A shell variable the user set without exporting it comes back exactly, still unexported,
/// when ca-env stops setting it.
#[test]
fn a_variable_the_shell_has_unexported_comes_back_unexported() {
    for kind in Kind::ALL {
        let (_standin, sb) = setup();
        let mine = "it's mine $HOME";
        let set_local = match kind {
            Kind::Fish => format!("set -g {USER} 'it\\'s mine $HOME'"),
            _ => format!("{USER}='it'\\''s mine $HOME'"),
        };
        let mut sh = shell(&sb, kind, &set_local);
        expect(&mut sh, USER, Some(mine));
        sh.run(&format!("cd {PROJECT}"));
        expect(&mut sh, USER, Some("aws"));
        let env = sh.run(&format!("printenv {USER}; echo end\"\"-of-env"));
        assert!(env.contains("aws\n"), "{kind:?}: exported inside: {env}");
        // A renewal or another export inside keeps the user's value for later.
        sh.run("touch pyproject.toml");
        sh.run("cd ..");
        expect(&mut sh, USER, Some(mine));
        let env = sh.run(&format!("printenv {USER}; echo end\"\"-of-env"));
        assert_eq!(env.trim(), "end-of-env", "{kind:?}: not exported");
        // Entering and leaving again.
        sh.run(&format!("cd {PROJECT}"));
        expect(&mut sh, USER, Some("aws"));
        sh.run("cd ..");
        expect(&mut sh, USER, Some(mine));
        let env = sh.run(&format!("printenv {USER}; echo end\"\"-of-env"));
        assert_eq!(env.trim(), "end-of-env", "{kind:?}: not exported");
    }
}

/// A project file replaced by an older one (`cp -p`, `mv`, `tar x` keep the old time) is
/// noticed at the next prompt, as an edit is, and the prompt where nothing changed still starts
/// no process.
#[test]
fn a_project_file_replaced_by_an_older_one_is_noticed_at_the_next_prompt() {
    for kind in Kind::ALL {
        for replace in ["cp -p", "mv"] {
            let (_standin, sb) = setup();
            let other = sb.write(
                "older/pyproject.toml",
                &format!(
                    "[[tool.poetry.source]]\nname = \"other\"\nurl = \"{}\"\npriority = \"primary\"\n",
                    support::CA
                ),
            );
            let old = std::time::SystemTime::now() - Duration::from_secs(86_400 * 30);
            fs::File::options()
                .write(true)
                .open(&other)
                .unwrap()
                .set_modified(old)
                .unwrap();
            let mut sh = shell(&sb, kind, "");
            sh.run(&format!("cd {PROJECT}"));
            expect(&mut sh, USER, Some("aws"));
            sh.run(&format!("{replace} {} pyproject.toml", other.display()));
            expect(&mut sh, USER, None);
            expect(&mut sh, "POETRY_HTTP_BASIC_OTHER_USERNAME", Some("aws"));
        }
    }
}

/// `ca-env logout` inside a project holds in that shell: the next prompt unsets the variables
/// and says once how to get a token again, and no later prompt calls AWS, until `ca-env login`
/// (which sets them again) or leaving and entering the project anew.
#[test]
fn a_logout_holds_until_login_or_reentering() {
    for kind in Kind::ALL {
        let (standin, _sb, mut sh) = in_project(kind);
        assert!(sh.var(PASS).is_some(), "{kind:?}: {}", sh.transcript());
        assert_eq!(standin.calls().len(), 1, "{kind:?}");

        let said = sh.run(&format!("{BIN} logout"));
        assert!(said.contains("removed 1 stored token"), "{kind:?}: {said}");
        let lines: Vec<&str> = said.lines().filter(|l| l.contains("ca-env:")).collect();
        assert_eq!(
            lines,
            [
                "ca-env: logged out of domain corp in account 111122223333; hint: run 'ca-env login' to get a token again"
            ],
            "{kind:?}: {said}"
        );
        for name in [USER, PASS, SHARED] {
            assert_eq!(sh.var(name), None, "{kind:?}: {name} unset after logout");
        }
        let later = [sh.run(":"), sh.run("echo >> pyproject.toml"), sh.run(":")].concat();
        assert!(!later.contains("ca-env:"), "{kind:?}: said again: {later}");
        assert_eq!(standin.calls().len(), 1, "{kind:?}: the logout held");

        let login = sh.run(&format!("{BIN} login"));
        assert!(!login.contains("ca-env:"), "{kind:?}: {login}");
        let issued = standin.issued();
        assert_eq!(issued.len(), 2, "{kind:?}");
        expect(&mut sh, PASS, Some(issued[1].as_str()));

        sh.run(&format!("{BIN} logout"));
        expect(&mut sh, PASS, None);
        assert_eq!(standin.calls().len(), 2, "{kind:?}: the logout held again");
        sh.run("cd ..");
        sh.run(&format!("cd {PROJECT}"));
        let issued = standin.issued();
        assert_eq!(issued.len(), 3, "{kind:?}: entering anew fetches");
        expect(&mut sh, PASS, Some(issued[2].as_str()));
    }
}

/// The user's own uv.toml names an index outside any project: created (its directory too),
/// edited or removed after the shell started, it is taken up at the next prompt, and a prompt
/// where nothing changed still starts no process. A uv workspace root above
/// the project is watched the same way.
#[test]
fn the_users_own_configuration_and_a_workspace_root_are_taken_up_at_the_next_prompt() {
    for kind in Kind::ALL {
        let (standin, sb) = setup();
        fs::create_dir_all(sb.home().join("scratch")).unwrap();
        let mut sh = shell(&sb, kind, "");
        sh.run("cd scratch");
        expect(&mut sh, "UV_INDEX_URL", None);
        let dir = sb.path().join("config/uv");
        let file = dir.join("uv.toml");
        sh.run(&format!(
            "mkdir -p '{}' && echo 'index-url = \"{}\"' > '{}'",
            dir.display(),
            support::CA,
            file.display()
        ));
        let token = standin
            .issued()
            .pop()
            .expect("a token for the user's index");
        let with = support::CA.replace("https://", &format!("https://aws:{token}@"));
        expect(&mut sh, "UV_INDEX_URL", Some(&with));
        let quiet = sh.processes_during(&[":", ":"]);
        assert!(quiet.is_empty(), "{kind:?}: {quiet:#?}");
        sh.run(&format!(
            "echo '[[index]]' > '{0}' && echo 'name = \"mine\"' >> '{0}' && echo 'url = \"{1}\"' >> '{0}'",
            file.display(),
            support::CA
        ));
        expect(&mut sh, "UV_INDEX_URL", None);
        expect(&mut sh, "UV_INDEX_MINE_PASSWORD", Some(&token));
        sh.run(&format!("rm '{}'", file.display()));
        expect(&mut sh, "UV_INDEX_MINE_PASSWORD", None);

        sb.write(
            "ws/pyproject.toml",
            &format!(
                "[tool.uv.workspace]\nmembers = [\"m\"]\n\n[[tool.uv.index]]\nname = \"root\"\nurl = \"{}\"\n",
                support::CA
            ),
        );
        sb.write("ws/m/pyproject.toml", "[project]\nname = \"m\"\n");
        sh.run("cd ../ws/m");
        expect(&mut sh, "UV_INDEX_ROOT_PASSWORD", Some(&token));
        sh.run("sed -i 's/\"root\"/\"renamed\"/' ../pyproject.toml");
        expect(&mut sh, "UV_INDEX_ROOT_PASSWORD", None);
        expect(&mut sh, "UV_INDEX_RENAMED_PASSWORD", Some(&token));
    }
}
