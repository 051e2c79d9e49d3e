//! The token stores with the real thing: GNOME Keyring on a private D-Bus session (unlocked,
//! locked, without a keyring, or no Secret Service at all) and kernel keyutils in a session
//! keyring of the test's own.

use crate::support;

use std::process::Output;
use std::time::{Duration, Instant};

use support::keyrings::{require, KeyutilsSession, SecretService};
use support::standin::StandIn;
use support::{ok, stderr, stdout, Sandbox, PROJECT};

const ENTRY_ID: &str = "codeartifact:corp-111122223333:us-west-2::";

fn setup(standin: &StandIn) -> Sandbox {
    Sandbox::for_tokens(standin, "auto")
}

/// The entry id for `CA` fetched through `standin`.
fn entry_id(standin: &StandIn) -> String {
    format!("{ENTRY_ID}{}", standin.url().replace(':', "%3A"))
}

fn with_keyring(sb: &mut Sandbox, ss: &SecretService) {
    for (k, v) in ss.env() {
        sb.set_env(&k, v);
    }
}

fn token_state(sb: &Sandbox) -> (String, String) {
    let t = &sb.status(PROJECT)["sources"][0]["token"];
    (
        t["state"].as_str().unwrap().to_string(),
        t["store"].as_str().unwrap().to_string(),
    )
}

#[test]
fn an_unlocked_secret_service_holds_the_token() {
    require("gnome-keyring-daemon");
    let standin = StandIn::start();
    let ss = SecretService::unlocked();
    let mut sb = setup(&standin);
    with_keyring(&mut sb, &ss);

    let token = ok(&sb.run(PROJECT, &["token", "corp"]));
    let items = ss.items();
    assert_eq!(items.len(), 1, "{items:?}");
    let item = &items[0];
    assert_eq!(item.attributes["service"], "ca-env");
    assert_eq!(item.attributes["username"], entry_id(&standin));
    let secret: serde_json::Value = serde_json::from_str(item.secret.as_deref().unwrap()).unwrap();
    assert_eq!(secret["token"], token.as_str());
    assert_eq!(token_state(&sb), ("valid".into(), "keyring".into()));
    // Nothing else on disk holds it.
    assert!(!sb.state_dir().join("ca-env/secrets").exists());

    assert_eq!(ok(&sb.run(PROJECT, &["token", "corp"])), token);
    assert_eq!(standin.calls().len(), 1);

    assert_eq!(ok(&sb.run(PROJECT, &["logout"])), "removed 1 stored token");
    assert!(ss.items().is_empty());
    assert_eq!(ss.prompt_attempts(), 0);
}

#[test]
fn a_locked_secret_service_is_never_asked_to_unlock() {
    require("gnome-keyring-daemon");
    let standin = StandIn::start();
    let ss = SecretService::locked();
    let mut sb = setup(&standin);
    with_keyring(&mut sb, &ss);

    let t0 = Instant::now();
    ok(&sb.run(PROJECT, &["token", "corp"]));
    assert!(t0.elapsed() < Duration::from_secs(3), "{:?}", t0.elapsed());
    let (state, store) = token_state(&sb);
    assert_eq!(state, "valid");
    assert_ne!(store, "keyring");
    assert_eq!(ss.prompt_attempts(), 0, "{}", ss.logs());
    assert!(ss.is_locked());

    // Asked for the keyring only: refused before AWS is called, in one line.
    sb.set_env("CA_ENV_STORE", "keyring");
    let out = sb.run(PROJECT, &["login", "--force"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stderr(&out).lines().count(), 1, "{}", stderr(&out));
    assert!(stderr(&out).contains("locked"), "{}", stderr(&out));
    assert_eq!(
        standin.calls().len(),
        1,
        "no AWS call for a token with nowhere to go"
    );
    let status = sb.status(PROJECT);
    assert_eq!(status["sources"][0]["token"]["state"], "error");
    assert!(
        status["problems"].to_string().contains("locked"),
        "{status}"
    );
    assert_eq!(ss.prompt_attempts(), 0, "{}", ss.logs());
}

#[test]
fn no_keyring_or_no_secret_service_falls_back_at_once() {
    require("gnome-keyring-daemon");
    for ss in [SecretService::without_keyring(), SecretService::bus_only()] {
        let standin = StandIn::start();
        let mut sb = setup(&standin);
        with_keyring(&mut sb, &ss);
        let t0 = Instant::now();
        ok(&sb.run(PROJECT, &["token", "corp"]));
        assert!(t0.elapsed() < Duration::from_secs(3), "{:?}", t0.elapsed());
        assert_ne!(token_state(&sb).1, "keyring");
        assert_eq!(ss.prompt_attempts(), 0, "{}", ss.logs());
    }
    // A bus address that leads nowhere.
    let standin = StandIn::start();
    let mut sb = setup(&standin);
    sb.set_env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus");
    ok(&sb.run(PROJECT, &["token", "corp"]));
    assert_ne!(token_state(&sb).1, "keyring");
}

#[test]
fn a_foreign_keyring_item_counts_as_missing_and_is_replaced() {
    require("gnome-keyring-daemon");
    let standin = StandIn::start();
    let ss = SecretService::unlocked();
    let mut sb = setup(&standin);
    with_keyring(&mut sb, &ss);
    ok(&sb.run(PROJECT, &["token", "corp"]));
    let id = entry_id(&standin);
    let attrs = [
        ("service", "ca-env"),
        ("username", id.as_str()),
        ("target", "default"),
        ("application", "rust-keyring"),
    ];
    ss.store("planted", &attrs, "FOREIGNVALUE not a ca-env entry");
    let out = sb.run(PROJECT, &["status", "--json"]);
    assert!(!stdout(&out).contains("FOREIGNVALUE") && !stderr(&out).contains("FOREIGNVALUE"));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["sources"][0]["token"]["state"], "missing");
    let out = sb.run(PROJECT, &["token", "corp"]);
    let token = ok(&out);
    assert!(!stderr(&out).contains("FOREIGNVALUE"));
    assert_eq!(standin.calls().len(), 2);
    let secret = ss
        .lookup(&[("service", "ca-env"), ("username", &id)])
        .unwrap();
    assert!(secret.contains(&token));
}

#[test]
fn keyutils_holds_the_token_for_every_process_of_the_session() {
    require("keyctl");
    let standin = StandIn::start();
    let keys = KeyutilsSession::new();
    let mut sb = setup(&standin);
    sb.set_env("CA_ENV_STORE", "keyutils");
    let run = |sb: &Sandbox, args: &[&str]| {
        let mut cmd = sb.command(PROJECT, args);
        keys.apply(&mut cmd);
        cmd.output().unwrap()
    };
    let token = ok(&run(&sb, &["token", "corp"]));
    let entry = keys.read_entry("ca-env", &entry_id(&standin)).unwrap();
    assert!(entry.contains(&token));
    assert_eq!(ok(&run(&sb, &["token", "corp"])), token);
    assert_eq!(standin.calls().len(), 1);
    let status: serde_json::Value =
        serde_json::from_slice(&run(&sb, &["status", "--json"]).stdout).unwrap();
    assert_eq!(status["sources"][0]["token"]["store"], "keyutils");

    // auto, without a Secret Service: keyutils answers, so it is used.
    sb.set_env("CA_ENV_STORE", "auto");
    ok(&run(&sb, &["logout"]));
    assert!(keys.read_entry("ca-env", &entry_id(&standin)).is_none());
    ok(&run(&sb, &["login"]));
    let status: serde_json::Value =
        serde_json::from_slice(&run(&sb, &["status", "--json"]).stdout).unwrap();
    assert_eq!(status["sources"][0]["token"]["store"], "keyutils");

    // A foreign value under our name counts as missing and is never echoed.
    keys.add_entry("ca-env", &entry_id(&standin), "FOREIGNVALUE");
    let out = run(&sb, &["status", "--json"]);
    assert!(!stdout(&out).contains("FOREIGNVALUE"));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["sources"][0]["token"]["state"], "missing");
}

#[test]
fn twenty_processes_one_call_with_the_keyring() {
    let _alone = support::heavy();
    require("gnome-keyring-daemon");
    let standin = StandIn::start();
    let ss = SecretService::unlocked();
    let mut sb = setup(&standin);
    with_keyring(&mut sb, &ss);
    standin.delay(Duration::from_millis(300));
    let outs: Vec<Output> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..20)
            .map(|_| scope.spawn(|| sb.run(PROJECT, &["token", "corp"])))
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let tokens: Vec<String> = outs.iter().map(ok).collect();
    assert!(tokens.iter().all(|t| *t == tokens[0]));
    assert_eq!(standin.calls().len(), 1);
    assert_eq!(ss.items().len(), 1);
}
