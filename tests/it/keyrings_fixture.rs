//! The keyring fixtures of `support::keyrings` work, and fail when they should: a private
//! Secret Service that stores and finds secrets, refuses them when locked (without hanging),
//! and is absent on a bare bus; private keyutils sessions shared between the processes of one
//! test and invisible to every other. The `keyring` crate itself is driven against them (in a
//! child process, see `keyring_crate_child`) to pin down what it writes.

use crate::support;

use std::collections::BTreeMap;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use support::keyrings::{self, KeyutilsSession, SecretService};

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn attrs(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// Not a test: when `KEYRINGS_FIXTURE_CHILD` is set this process was started by a test below to
/// use the `keyring` crate the way ca-env does (Secret Service `ss-*`, keyutils `ku-*`), with
/// the environment that test chose. Otherwise it does nothing.
#[test]
fn keyring_crate_child() {
    let Ok(op) = std::env::var("KEYRINGS_FIXTURE_CHILD") else {
        return;
    };
    let user = std::env::var("KEYRINGS_FIXTURE_USER").unwrap();
    let entry = if op.starts_with("ss-") {
        let cred =
            keyring::secret_service::SsCredential::new_with_target(None, "ca-env", &user).unwrap();
        keyring::Entry::new_with_credential(Box::new(cred))
    } else {
        let cred =
            keyring::keyutils::KeyutilsCredential::new_with_target(None, "ca-env", &user).unwrap();
        keyring::Entry::new_with_credential(Box::new(cred))
    };
    match &op[3..] {
        "set" => {
            let secret = std::env::var("KEYRINGS_FIXTURE_SECRET").unwrap();
            entry.set_password(&secret).unwrap();
        }
        "get" => match entry.get_password() {
            Ok(secret) => println!("FOUND:{secret}:"),
            Err(keyring::Error::NoEntry) => println!("NO-ENTRY"),
            Err(e) => println!("ERROR:{e:?}"),
        },
        other => panic!("unknown operation {other}"),
    }
}

/// Runs `keyring_crate_child` with `op` and `user` (and `secret`) in `env`, optionally in a
/// keyutils session; returns its stdout. Bounded, so a prompt that hangs fails the test.
fn keyring_crate(
    op: &str,
    user: &str,
    secret: &str,
    env: &[(String, String)],
    session: Option<&KeyutilsSession>,
) -> String {
    let mut cmd = Command::new(std::env::current_exe().unwrap());
    cmd.args([
        "--exact",
        "keyrings_fixture::keyring_crate_child",
        "--nocapture",
        "--test-threads=1",
    ])
    .env_clear()
    .env("PATH", std::env::var_os("PATH").unwrap_or_default())
    .env("KEYRINGS_FIXTURE_CHILD", op)
    .env("KEYRINGS_FIXTURE_USER", user)
    .env("KEYRINGS_FIXTURE_SECRET", secret)
    .envs(env.iter().cloned());
    if let Some(session) = session {
        session.apply(&mut cmd);
    }
    let out = keyrings::run_with_timeout(&mut cmd, None, Duration::from_secs(10))
        .unwrap_or_else(|| panic!("the keyring crate did not finish {op} within 10 s"));
    assert!(
        out.status.success(),
        "{op} failed:\n{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    text(&out.stdout)
}

fn found(stdout: &str) -> Option<String> {
    let at = stdout.find("FOUND:")? + 6;
    Some(stdout[at..].split(':').next().unwrap().to_string())
}

#[test]
fn unlocked_stores_and_finds_secrets() {
    let started = Instant::now();
    let ss = SecretService::unlocked();
    eprintln!("unlocked Secret Service up in {:?}", started.elapsed());
    assert!(!ss.is_locked());
    assert_eq!(
        ss.default_collection().as_deref(),
        Some("/org/freedesktop/secrets/collection/login")
    );
    assert!(
        ss.keyrings_dir().join("login.keyring").exists(),
        "{}",
        ss.logs()
    );
    assert_eq!(
        ss.lookup(&[("service", "ca-env"), ("username", "k1")]),
        None
    );

    ss.store(
        "a token",
        &[("service", "ca-env"), ("username", "k1")],
        "tok-1",
    );
    assert_eq!(
        ss.lookup(&[("service", "ca-env"), ("username", "k1")])
            .as_deref(),
        Some("tok-1")
    );
    assert_eq!(
        ss.lookup(&[("service", "ca-env"), ("username", "k2")]),
        None
    );
    let items = ss.items();
    assert_eq!(items.len(), 1, "{items:?}");
    assert_eq!(items[0].label, "a token");
    assert_eq!(items[0].secret.as_deref(), Some("tok-1"));
    assert_eq!(
        items[0].attributes,
        attrs(&[("service", "ca-env"), ("username", "k1")])
    );
    assert_eq!(ss.prompt_attempts(), 0, "{}", ss.logs());
}

#[test]
fn locked_refuses_to_store() {
    let started = Instant::now();
    let ss = SecretService::locked();
    eprintln!("locked Secret Service up in {:?}", started.elapsed());
    assert!(ss.is_locked());
    assert_eq!(
        ss.default_collection().as_deref(),
        Some("/org/freedesktop/secrets/collection/login")
    );
    let out = ss.secret_tool(
        &["store", "--label=x", "service", "ca-env", "username", "k1"],
        Some("v"),
    );
    assert!(!out.status.success(), "{out:?}");
    assert!(text(&out.stderr).contains("locked"), "{out:?}");
    assert_eq!(ss.items(), vec![]);
    assert!(ss.is_locked());
}

#[test]
fn locked_item_is_listed_but_not_read_and_nothing_hangs() {
    let ss = SecretService::unlocked();
    ss.store(
        "a token",
        &[("service", "ca-env"), ("username", "k1")],
        "tok-1",
    );
    ss.lock();
    assert!(ss.is_locked());
    assert_eq!(ss.prompt_attempts(), 0, "{}", ss.logs());

    let mut lookup = ss.command("secret-tool");
    lookup.args(["lookup", "service", "ca-env", "username", "k1"]);
    let started = Instant::now();
    let out = keyrings::run_with_timeout(&mut lookup, None, Duration::from_secs(5))
        .expect("secret-tool lookup on a locked collection hung for 5 s");
    eprintln!(
        "secret-tool lookup on a locked keyring: {:?}, {out:?}",
        started.elapsed()
    );
    assert!(!out.status.success(), "{out:?}");
    assert_eq!(text(&out.stdout), "");
    // It asked for an unlock prompt, which cannot be shown on the fixture's bus.
    assert!(
        ss.prompt_attempts() >= 1,
        "no unlock prompt was attempted\n{}",
        ss.logs()
    );

    // Searching without unlocking still lists the item, without its secret.
    let items = ss.items();
    assert_eq!(items.len(), 1, "{items:?}");
    assert_eq!(items[0].label, "a token");
    assert_eq!(items[0].secret, None);
    assert!(ss.is_locked());
}

#[test]
fn bus_only_has_no_secret_service() {
    let ss = SecretService::bus_only();
    assert!(ss.name_has_owner("org.freedesktop.DBus"));
    assert!(!ss.name_has_owner("org.freedesktop.secrets"));
    let out = ss.secret_tool(
        &["store", "--label=x", "service", "ca-env", "username", "k1"],
        Some("v"),
    );
    assert!(!out.status.success(), "{out:?}");
    assert_eq!(
        ss.lookup(&[("service", "ca-env"), ("username", "k1")]),
        None
    );
    assert_eq!(ss.locked_state(), None);
    // Nothing was activated by those calls.
    assert!(!ss.name_has_owner("org.freedesktop.secrets"));
}

#[test]
fn without_keyring_has_no_default_collection() {
    let ss = SecretService::without_keyring();
    assert!(ss.name_has_owner("org.freedesktop.secrets"));
    assert_eq!(ss.default_collection().as_deref(), Some("/"));
    assert_eq!(ss.locked_state(), None);
    let out = ss.secret_tool(
        &["store", "--label=x", "service", "ca-env", "username", "k1"],
        Some("v"),
    );
    eprintln!("secret-tool store without a keyring: {out:?}");
    assert_eq!(
        ss.lookup(&[("service", "ca-env"), ("username", "k1")]),
        None
    );
}

#[test]
fn two_secret_services_are_isolated() {
    let a = SecretService::unlocked();
    let b = SecretService::unlocked();
    assert_ne!(a.address(), b.address());
    a.store("a", &[("service", "ca-env"), ("username", "k1")], "in-a");
    b.store("b", &[("service", "ca-env"), ("username", "k2")], "in-b");
    assert_eq!(
        a.lookup(&[("service", "ca-env"), ("username", "k1")])
            .as_deref(),
        Some("in-a")
    );
    assert_eq!(b.lookup(&[("service", "ca-env"), ("username", "k1")]), None);
    assert_eq!(a.lookup(&[("service", "ca-env"), ("username", "k2")]), None);
    assert_eq!(
        b.lookup(&[("service", "ca-env"), ("username", "k2")])
            .as_deref(),
        Some("in-b")
    );
    assert_eq!(a.items().len(), 1);
    assert_eq!(b.items().len(), 1);
}

#[test]
fn keyring_crate_writes_what_the_docs_say() {
    let ss = SecretService::unlocked();
    keyring_crate("ss-set", "k1", "tok-1", &ss.env(), None);
    let items = ss.items();
    assert_eq!(items.len(), 1, "{items:?}");
    assert_eq!(items[0].label, "k1@ca-env:default (keyring v3.6.3)");
    assert_eq!(items[0].secret.as_deref(), Some("tok-1"));
    assert_eq!(
        items[0].attributes,
        attrs(&[
            ("application", "rust-keyring"),
            ("service", "ca-env"),
            ("target", "default"),
            ("username", "k1"),
        ])
    );
    assert_eq!(
        ss.lookup(&[("service", "ca-env"), ("username", "k1")])
            .as_deref(),
        Some("tok-1")
    );
    let got = keyring_crate("ss-get", "k1", "", &ss.env(), None);
    assert_eq!(found(&got).as_deref(), Some("tok-1"), "{got}");
    // An item secret-tool wrote (no `target`) is found by the crate's fallback search.
    ss.store(
        "by hand",
        &[("service", "ca-env"), ("username", "k2")],
        "tok-2",
    );
    let got = keyring_crate("ss-get", "k2", "", &ss.env(), None);
    assert_eq!(found(&got).as_deref(), Some("tok-2"), "{got}");
    assert_eq!(ss.prompt_attempts(), 0, "{}", ss.logs());

    // Locked: the crate asks for an unlock prompt, which fails here at once.
    ss.lock();
    let got = keyring_crate("ss-get", "k1", "", &ss.env(), None);
    assert!(got.contains("ERROR:"), "{got}");
    assert!(ss.prompt_attempts() >= 1, "{}", ss.logs());

    // No Secret Service at all.
    let bare = SecretService::bus_only();
    let got = keyring_crate("ss-get", "k1", "", &bare.env(), None);
    assert!(got.contains("ERROR:"), "{got}");
}

#[test]
fn keyutils_session_is_shared_by_its_processes_only() {
    let started = Instant::now();
    let ks = KeyutilsSession::new();
    eprintln!("keyutils session up in {:?}", started.elapsed());
    let other = KeyutilsSession::new();
    assert_ne!(ks.name(), other.name());

    ks.add("fixture-key", "v1");
    assert_eq!(
        ks.read("fixture-key").as_deref(),
        Some("v1"),
        "{}",
        ks.show()
    );
    // Another process, started with its own arguments, sees it too.
    let out = ks
        .wrap({
            let mut sh = Command::new("sh");
            sh.args(["-c", "keyctl pipe \"$(keyctl search @s user fixture-key)\""]);
            sh
        })
        .output()
        .unwrap();
    assert_eq!(text(&out.stdout), "v1", "{out:?}");
    assert_eq!(ks.keyctl(&["rdescribe", "@s"], None).status.code(), Some(0));
    assert!(
        text(&ks.keyctl(&["rdescribe", "@s"], None).stdout).ends_with(&format!(";{}\n", ks.name()))
    );

    // Not in another session, nor outside any.
    assert_eq!(other.read("fixture-key"), None, "{}", other.show());
    let outside = Command::new("keyctl")
        .args(["search", "@s", "user", "fixture-key"])
        .output()
        .unwrap();
    assert!(!outside.status.success(), "{outside:?}");

    // Gone with the fixture: a new session of the same name would be empty. (Names are unique,
    // so check the key itself is unreachable from a fresh session.)
    drop(ks);
    let fresh = KeyutilsSession::new();
    assert_eq!(fresh.read("fixture-key"), None);
}

#[test]
fn wrap_keeps_the_command_settings() {
    let ks = KeyutilsSession::new();
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = Command::new("sh");
    cmd.args(["-c", "pwd; echo \"$FOO\"; echo \"${HOME-unset}\"; id -u"])
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("FOO", "bar")
        .current_dir(dir.path());
    let out: Output = ks.wrap(cmd).output().unwrap();
    let uid = unsafe { libc::getuid() };
    assert_eq!(
        text(&out.stdout),
        format!(
            "{}\nbar\nunset\n{uid}\n",
            dir.path().canonicalize().unwrap().display()
        ),
        "{out:?}"
    );
}

#[test]
fn keyutils_session_sees_what_the_keyring_crate_wrote() {
    let ks = KeyutilsSession::new();
    let other = KeyutilsSession::new();
    keyring_crate("ku-set", "k1", "tok-1", &[], Some(&ks));
    assert_eq!(
        ks.read_entry("ca-env", "k1").as_deref(),
        Some("tok-1"),
        "{}",
        ks.show()
    );
    let got = keyring_crate("ku-get", "k1", "", &[], Some(&ks));
    assert_eq!(found(&got).as_deref(), Some("tok-1"), "{got}");
    // The crate linked the key into the persistent keyring, and links that keyring into every
    // session it touches; each fixture's persistent keyring is its own.
    assert!(ks.show().contains("_persistent"), "{}", ks.show());
    assert_eq!(other.read_entry("ca-env", "k1"), None, "{}", other.show());
    let got = keyring_crate("ku-get", "k1", "", &[], Some(&other));
    assert!(got.contains("NO-ENTRY"), "{got}");
    // A key put there by the fixture is what the crate reads.
    other.add_entry("ca-env", "k1", "tok-other");
    let got = keyring_crate("ku-get", "k1", "", &[], Some(&other));
    assert_eq!(found(&got).as_deref(), Some("tok-other"), "{got}");
    assert_eq!(ks.read_entry("ca-env", "k1").as_deref(), Some("tok-1"));
}

#[test]
#[should_panic(expected = "no-such-tool-for-ca-env is not installed; ./scripts/test installs it")]
fn require_fails_for_a_missing_tool() {
    keyrings::require("no-such-tool-for-ca-env");
}

#[test]
fn run_with_timeout_kills_what_runs_too_long() {
    let started = Instant::now();
    let mut cmd = Command::new("sh");
    cmd.args(["-c", "sleep 30; echo late"]);
    assert!(keyrings::run_with_timeout(&mut cmd, None, Duration::from_millis(300)).is_none());
    assert!(started.elapsed() < Duration::from_secs(5));
    let mut cmd = Command::new("cat");
    let out = keyrings::run_with_timeout(&mut cmd, Some(b"in"), Duration::from_secs(5)).unwrap();
    assert_eq!(text(&out.stdout), "in");
}
