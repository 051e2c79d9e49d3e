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
    let token = standin.issued().pop().expect("a token was issued");
    assert_eq!(
        ok(&out),
        format!(
            "{users}\nmachine corp-111122223333.d.codeartifact.us-west-2.amazonaws.com login aws password {token}"
        )
    );
}

const NUGET: &str =
    "https://corp-111122223333.d.codeartifact.us-west-2.amazonaws.com/nuget/feed/v3/index.json";

/// NuGet reads `NuGetPackageSourceCredentials_<name>` (`Username=…;Password=…`); a name with a
/// `.` or `-` makes a variable only `exec` and `dotenv` can set, and status says so.
#[test]
fn nuget_sources_get_their_credential_variables() {
    let (standin, sb) = setup();
    sb.write(
        "dotnet/nuget.config",
        &format!(
            "<configuration>\n  <packageSources>\n    <add key=\"corp\" value=\"{NUGET}\" />\n    \
             <add key=\"corp.dev\" value=\"{NUGET}\" />\n  </packageSources>\n</configuration>\n"
        ),
    );
    let status = sb.status("dotnet");
    let sources = status["sources"].as_array().unwrap();
    assert_eq!(sources.len(), 2, "{status}");
    for s in sources {
        assert_eq!(s["format"], "nuget");
        assert_eq!(s["tool"], "nuget");
    }
    assert_eq!(
        support::strings(&sources[0]["env"]),
        ["NuGetPackageSourceCredentials_corp"]
    );
    let table = ok(&sb.run("dotnet", &["status"]));
    assert!(table.contains(" FORMAT "), "{table}");
    assert!(
        table
            .lines()
            .any(|l| l.split_whitespace().take(3).eq(["corp", "nuget", "nuget"])),
        "{table}"
    );
    let problems = support::strings(&status["problems"]);
    assert!(
        problems
            .iter()
            .any(|p| p.contains("NuGetPackageSourceCredentials_corp.dev")
                && p.contains("no shell can export")
                && p.contains("'corp_dev'")),
        "{problems:?}"
    );
    // `env` itself: a shell would drop a name it cannot hold from its children's environment.
    let out = ok(&sb.run("dotnet", &["exec", "--", "env"]));
    let token = standin.issued().pop().expect("a token was issued");
    for name in ["corp", "corp.dev"] {
        let line = format!("NuGetPackageSourceCredentials_{name}=Username=aws;Password={token}");
        assert!(out.lines().any(|l| l == line), "{name}");
    }
    // The hook exports only what a shell can.
    let exported = ok(&sb.run("dotnet", &["export", "bash"]));
    assert!(
        exported.contains("NuGetPackageSourceCredentials_corp="),
        "{exported}"
    );
    assert!(!exported.contains("corp.dev"), "{exported}");
}

/// An Azure Artifacts NuGet feed: `Username=FEED;Password=TOKEN`, the feed's name as the user
/// (Azure DevOps takes any; Microsoft's examples use the feed's) and the token `az` prints,
/// fetched in a network namespace with only loopback.
#[cfg(target_os = "linux")]
#[test]
fn azure_nuget_feeds_get_the_feed_and_the_azure_token() {
    use support::clouds::{Clouds, AZ_TOKEN};

    let mut sb = Sandbox::new();
    let clouds = Clouds::new(sb.path());
    sb.set_env("PATH", clouds.path());
    sb.set_env("CA_ENV_STORE", "file");
    sb.write_config("[trust]\ndomains = [\"azure:contoso\"]\n");
    sb.write(
        "dotnet/nuget.config",
        "<configuration>\n  <packageSources>\n    <add key=\"corp\" \
         value=\"https://pkgs.dev.azure.com/contoso/web/_packaging/corp/nuget/v3/index.json\" />\n  \
         </packageSources>\n</configuration>\n",
    );
    let status = sb.status("dotnet");
    let source = &status["sources"][0];
    assert_eq!(source["provider"], "azure", "{status}");
    assert_eq!(source["format"], "nuget", "{status}");
    assert_eq!(
        support::strings(&status["env"]),
        ["NuGetPackageSourceCredentials_corp"],
        "{status}"
    );
    support::keyrings::require("unshare");
    let mut cmd = std::process::Command::new("unshare");
    cmd.args(["-rn", support::BIN, "exec", "--", "sh", "-c"])
        .arg("printf '%s' \"$NuGetPackageSourceCredentials_corp\"");
    let out = sb.inside(cmd, "dotnet").output().unwrap();
    assert_eq!(ok(&out), format!("Username=corp;Password={AZ_TOKEN}"));
    assert_eq!(clouds.calls().len(), 1, "{:?}", clouds.calls());
}
