//! Injection through names, URLs, directories and tokens: nothing a project names runs in
//! any shell, and every value round-trips through every shell's quoting (docs/security.md,
//! section 1).

use super::{bounded_run, exported_names, json, strings, toml_str, PASS, SHARED, STATE, USER};
use crate::support::{self, bounded, shells};

use std::collections::BTreeMap;
use std::fs;
use std::process::{Command, Stdio};

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use shells::{Interactive, Kind};
use support::standin::StandIn;
use support::{Sandbox, BIN, CA, PROJECT};

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
        let issued: Vec<String> = standin.issued();
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
        let issued: Vec<String> = standin.issued();
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
