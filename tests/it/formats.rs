//! The formats whose clients cannot be installed on the test machines (NuGet, Swift): what
//! `status --json` reports for their files and the variables `exec` hands them, checked against
//! the clients' documented variables rather than the clients themselves.

use crate::support;

use support::standin::StandIn;
use support::{ok, Sandbox};

const SWIFT: &str =
    "https://corp-111122223333.d.codeartifact.us-west-2.amazonaws.com/swift/swift-store/";

fn setup() -> (StandIn, Sandbox) {
    let standin = StandIn::start();
    let sb = Sandbox::for_tokens(&standin, "file");
    (standin, sb)
}

fn issued(standin: &StandIn) -> Vec<String> {
    standin
        .calls()
        .into_iter()
        .filter_map(|c| c.token)
        .collect()
}

/// SwiftPM 6.4 takes per-host credentials from `SWIFTPM_NETRC_DATA`; the user's own entries
/// stay, before ca-env's (the last entry for a host wins), and come back alone after logout.
#[test]
fn swift_registries_get_netrc_text_after_the_users_own() {
    let (standin, mut sb) = setup();
    sb.write("pkg/Package.swift", "// swift-tools-version:5.9\n");
    sb.write(
        "pkg/.swiftpm/configuration/registries.json",
        &format!(
            "{{\"registries\": {{\"[default]\": {{\"url\": \"{SWIFT}\"}}}}, \"version\": 1}}\n"
        ),
    );
    let status = sb.status("pkg");
    let source = &status["sources"][0];
    assert_eq!(source["format"], "swift", "{status}");
    assert_eq!(source["tool"], "swift");
    assert_eq!(support::strings(&source["env"]), ["SWIFTPM_NETRC_DATA"]);

    let users = "machine github.com login me password mine";
    sb.set_env("SWIFTPM_NETRC_DATA", users);
    let out = sb.run(
        "pkg",
        &[
            "exec",
            "--",
            "sh",
            "-c",
            "printf '%s' \"$SWIFTPM_NETRC_DATA\"",
        ],
    );
    let token = issued(&standin).pop().expect("a token was issued");
    assert_eq!(
        ok(&out),
        format!(
            "{users}\nmachine corp-111122223333.d.codeartifact.us-west-2.amazonaws.com login aws password {token}"
        )
    );
}
