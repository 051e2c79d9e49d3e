//! Names that collide after normalising, the export side: no token under either name
//! (docs/security.md, section 2).

use super::{bounded_run, exported_names, json, strings, SHARED, STATE};
use crate::support;

use support::standin::StandIn;
use support::{Decoy, Sandbox, CA, PROJECT};

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
