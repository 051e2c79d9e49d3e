//! The URL rules as a table: every accepted shape and the hostile ones that must not pass.

use super::*;
use crate::codeartifact::regions::CODEARTIFACT_REGIONS;

enum Want {
    /// domain, owner, region, repository
    Ok(&'static str, &'static str, &'static str, &'static str),
    /// Reported as a problem.
    Rejected,
    /// Not CodeArtifact at all: ignored silently.
    Other,
}
use Want::*;

const H: &str = "https://corp-111122223333.d.codeartifact.us-west-2.amazonaws.com";

#[rustfmt::skip]
const CASES: &[(&str, Want)] = &[
    // Valid: standard host, every path ending
    ("https://corp-111122223333.d.codeartifact.us-west-2.amazonaws.com/pypi/pypi-store/simple/", Ok("corp", "111122223333", "us-west-2", "pypi-store")),
    ("https://corp-111122223333.d.codeartifact.us-west-2.amazonaws.com/pypi/pypi-store/simple", Ok("corp", "111122223333", "us-west-2", "pypi-store")),
    ("https://corp-111122223333.d.codeartifact.us-west-2.amazonaws.com/pypi/pypi-store/", Ok("corp", "111122223333", "us-west-2", "pypi-store")),
    ("https://corp-111122223333.d.codeartifact.us-west-2.amazonaws.com/pypi/pypi-store", Ok("corp", "111122223333", "us-west-2", "pypi-store")),
    // Hyphens and digits in domains; the owner split at the last hyphen
    ("https://my-corp-2-111122223333.d.codeartifact.eu-west-1.amazonaws.com/pypi/r1/simple/", Ok("my-corp-2", "111122223333", "eu-west-1", "r1")),
    ("https://a1-000000000000.d.codeartifact.ap-south-1.amazonaws.com/pypi/My.Repo_x-1/simple/", Ok("a1", "000000000000", "ap-south-1", "My.Repo_x-1")),
    ("https://ab-123456789012.d.codeartifact.us-east-1.amazonaws.com/pypi/ab/", Ok("ab", "123456789012", "us-east-1", "ab")),
    ("https://abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmn-123456789012.d.codeartifact.us-east-1.amazonaws.com/pypi/repo/", Ok("abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmn", "123456789012", "us-east-1", "repo")),
    // Dual-stack
    ("https://corp-111122223333.d.codeartifact.us-west-2.on.aws/pypi/pypi-store/simple/", Ok("corp", "111122223333", "us-west-2", "pypi-store")),
    ("https://corp-111122223333.d.codeartifact.eu-central-1.on.aws/pypi/r2", Ok("corp", "111122223333", "eu-central-1", "r2")),
    // VPC endpoint
    ("https://vpce-0123456789abcdef0-abcdefgh.d.codeartifact.us-west-2.vpce.amazonaws.com/pypi/d/corp-111122223333/pypi-store/simple/", Ok("corp", "111122223333", "us-west-2", "pypi-store")),
    ("https://vpce-0dc4daf7fca331ed6-et36qa1d.d.codeartifact.us-east-1.vpce.amazonaws.com/pypi/d/my-domain-111122223333/my_repo/", Ok("my-domain", "111122223333", "us-east-1", "my_repo")),
    // The documented placeholder userinfo
    ("https://aws:${CODEARTIFACT_AUTH_TOKEN}@corp-111122223333.d.codeartifact.us-west-2.amazonaws.com/pypi/pypi-store/simple/", Ok("corp", "111122223333", "us-west-2", "pypi-store")),
    // Not CodeArtifact: ignored
    ("https://pypi.org/simple/", Other),
    ("https://download.pytorch.org/whl/cpu", Other),
    ("http://127.0.0.1:8080/simple/", Other),
    ("file:///srv/wheels", Other),
    ("https://my-wheels.s3.amazonaws.com/simple/", Other),
    ("https://corp-111122223333.d.c0deartifact.us-west-2.amazonaws.com/pypi/r1/simple/", Rejected),
    ("", Other),
    // Userinfo and the backslash trick
    ("https://user:pass@corp-111122223333.d.codeartifact.us-west-2.amazonaws.com/pypi/r/simple/", Rejected),
    ("https://corp-111122223333.d.codeartifact.us-west-2.amazonaws.com@evil.com/pypi/r/simple/", Rejected),
    ("https://a-111122223333.d.codeartifact.us-east-1.amazonaws.com\\@evil.com/pypi/r/simple/", Rejected),
    ("https://evil.com\\@corp-111122223333.d.codeartifact.us-west-2.amazonaws.com/pypi/r/simple/", Rejected),
    ("https://aws:${OTHER_VAR}@corp-111122223333.d.codeartifact.us-west-2.amazonaws.com/pypi/r/simple/", Rejected),
    ("https://aws:${CODEARTIFACT_AUTH_TOKEN}@evil.com/corp-111122223333.d.codeartifact.us-west-2.amazonaws.com/pypi/r/", Rejected),
    // Ports
    ("https://corp-111122223333.d.codeartifact.us-west-2.amazonaws.com:443/pypi/r/simple/", Rejected),
    ("https://corp-111122223333.d.codeartifact.us-west-2.amazonaws.com:8443/pypi/r/simple/", Rejected),
    // Case
    ("https://CORP-111122223333.d.codeartifact.us-west-2.amazonaws.com/pypi/r/simple/", Rejected),
    ("https://corp-111122223333.d.codeartifact.us-west-2.AMAZONAWS.com/pypi/r/simple/", Rejected),
    ("HTTPS://corp-111122223333.d.codeartifact.us-west-2.amazonaws.com/pypi/r/simple/", Rejected),
    ("Https://corp-111122223333.d.codeartifact.us-west-2.amazonaws.com/pypi/r/simple/", Rejected),
    // Scheme
    ("http://corp-111122223333.d.codeartifact.us-west-2.amazonaws.com/pypi/r/simple/", Rejected),
    ("ftp://corp-111122223333.d.codeartifact.us-west-2.amazonaws.com/pypi/r/simple/", Rejected),
    ("//corp-111122223333.d.codeartifact.us-west-2.amazonaws.com/pypi/r/simple/", Rejected),
    ("https:/corp-111122223333.d.codeartifact.us-west-2.amazonaws.com/pypi/r/simple/", Rejected),
    // Trailing dot, look-alike suffixes, punycode
    ("https://corp-111122223333.d.codeartifact.us-west-2.amazonaws.com./pypi/r/simple/", Rejected),
    ("https://corp-111122223333.d.codeartifact.us-west-2.amazonaws.com.evil.com/pypi/r/simple/", Rejected),
    ("https://corp-111122223333.d.codeartifact.us-west-2.amazonaws.co/pypi/r/simple/", Rejected),
    ("https://corp-111122223333.d.codeartifact.us-west-2.amazonaws.com-evil.com/pypi/r/simple/", Rejected),
    ("https://corp-111122223333.d.codeartifact.us-west-2.on.aws.evil.com/pypi/r/simple/", Rejected),
    ("https://corp-111122223333.d.codeartifact.us-west-2.evilamazonaws.com/pypi/r/simple/", Rejected),
    ("https://corp-111122223333.x.codeartifact.us-west-2.amazonaws.com/pypi/r/simple/", Rejected),
    ("https://corp-111122223333.d.codeartifact.us-west-2.xn--amazonaws-abc.com/pypi/r/simple/", Rejected),
    ("https://xn--crp-111122223333.d.codeartifact.us-west-2.amazonaws.com/pypi/r/simple/", Rejected),
    ("https://corp-111122223333.d.codeartifact.us-west-2.amazonaws.com.cn/pypi/r/simple/", Rejected),
    ("https://sub.corp-111122223333.d.codeartifact.us-west-2.amazonaws.com/pypi/r/simple/", Rejected),
    // A CodeArtifact host inside the path of another host
    ("https://evil.com/corp-111122223333.d.codeartifact.us-west-2.amazonaws.com/pypi/r/simple/", Rejected),
    ("https://evil.com/?u=https://corp-111122223333.d.codeartifact.us-west-2.amazonaws.com/pypi/r/simple/", Rejected),
    // Percent-escapes
    ("https://corp-111122223333.d.codeartifact.us-west-2.amazonaws%2ecom/pypi/r/simple/", Rejected),
    ("https://corp-111122223333%2Ed.codeartifact.us-west-2.amazonaws.com/pypi/r/simple/", Rejected),
    ("https://evil.com/%63odeartifact", Rejected),
    ("https://corp-111122223333.d.codeartifact.us-west-2.amazonaws.com/pypi/r%2F..%2Fx/simple/", Rejected),
    // Whitespace and NUL
    (" https://corp-111122223333.d.codeartifact.us-west-2.amazonaws.com/pypi/r/simple/", Rejected),
    ("https://corp-111122223333.d.codeartifact.us-west-2.amazonaws.com/pypi/r/simple/ ", Rejected),
    ("https://corp-111122223333.d.codeartifact.us-west-2.amazonaws.com /pypi/r/simple/", Rejected),
    ("https://corp-111122223333.d.codeartifact.us-west-2.amazonaws.com/pypi/r/simple/\n", Rejected),
    ("https://corp-111122223333.d.codeartifact.us-west-2.amazonaws.com\0.evil.com/pypi/r/simple/", Rejected),
    ("https://corp-111122223333.d.codeartifact.us-west-2.amazonaws.com\t/pypi/r/simple/", Rejected),
    // Owners of the wrong length, domains that break the rule
    ("https://corp-11112222333.d.codeartifact.us-west-2.amazonaws.com/pypi/r/simple/", Rejected),
    ("https://corp-1111222233334.d.codeartifact.us-west-2.amazonaws.com/pypi/r/simple/", Rejected),
    ("https://corp-11112222333a.d.codeartifact.us-west-2.amazonaws.com/pypi/r/simple/", Rejected),
    ("https://corp--111122223333.d.codeartifact.us-west-2.amazonaws.com/pypi/r/simple/", Rejected),
    ("https://corp111122223333.d.codeartifact.us-west-2.amazonaws.com/pypi/r/simple/", Rejected),
    ("https://1corp-111122223333.d.codeartifact.us-west-2.amazonaws.com/pypi/r/simple/", Rejected),
    ("https://c-111122223333.d.codeartifact.us-west-2.amazonaws.com/pypi/r/simple/", Rejected),
    ("https://abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmno-123456789012.d.codeartifact.us-east-1.amazonaws.com/pypi/repo/", Rejected),
    ("https://cor_p-111122223333.d.codeartifact.us-west-2.amazonaws.com/pypi/r/simple/", Rejected),
    ("https://-111122223333.d.codeartifact.us-west-2.amazonaws.com/pypi/r/simple/", Rejected),
    // Regions
    ("https://corp-111122223333.d.codeartifact.us-west-9.amazonaws.com/pypi/r/simple/", Rejected),
    ("https://corp-111122223333.d.codeartifact.evil.amazonaws.com/pypi/r/simple/", Rejected),
    ("https://corp-111122223333.d.codeartifact.amazonaws.com/pypi/r/simple/", Rejected),
    // Paths
    ("https://corp-111122223333.d.codeartifact.us-west-2.amazonaws.com", Rejected),
    ("https://corp-111122223333.d.codeartifact.us-west-2.amazonaws.com/", Rejected),
    ("https://corp-111122223333.d.codeartifact.us-west-2.amazonaws.com/npm/r/", Rejected),
    ("https://corp-111122223333.d.codeartifact.us-west-2.amazonaws.com/pypi/", Rejected),
    ("https://corp-111122223333.d.codeartifact.us-west-2.amazonaws.com/pypi/r/", Rejected),
    ("https://corp-111122223333.d.codeartifact.us-west-2.amazonaws.com/pypi/-r/simple/", Rejected),
    ("https://corp-111122223333.d.codeartifact.us-west-2.amazonaws.com/pypi/re po/simple/", Rejected),
    ("https://corp-111122223333.d.codeartifact.us-west-2.amazonaws.com/pypi/repo/simple/pkg/", Rejected),
    ("https://corp-111122223333.d.codeartifact.us-west-2.amazonaws.com/pypi/repo/simple/?x=1", Rejected),
    ("https://corp-111122223333.d.codeartifact.us-west-2.amazonaws.com/pypi/repo/simple/#frag", Rejected),
    ("https://corp-111122223333.d.codeartifact.us-west-2.amazonaws.com/pypi/repo/../other/simple/", Rejected),
    ("https://corp-111122223333.d.codeartifact.us-west-2.amazonaws.com//pypi/repo/simple/", Rejected),
    ("https://corp-111122223333.d.codeartifact.us-west-2.amazonaws.com/pypi/repo//simple/", Rejected),
    // VPC endpoint shapes that do not hold
    ("https://vpce-0123456789abcdef0-abcdefgh.d.codeartifact.us-west-2.vpce.amazonaws.com/pypi/pypi-store/simple/", Rejected),
    ("https://vpce-.d.codeartifact.us-west-2.vpce.amazonaws.com/pypi/d/corp-111122223333/r1/simple/", Rejected),
    ("https://evil-0123.d.codeartifact.us-west-2.vpce.amazonaws.com/pypi/d/corp-111122223333/r1/simple/", Rejected),
    ("https://vpce-0123456789abcdef0-abcdefgh.d.codeartifact.us-west-2.vpce.amazonaws.com/pypi/d/corp-1111/r1/simple/", Rejected),
    // Every format CodeArtifact serves, with the endings its clients' configuration uses
    ("https://corp-111122223333.d.codeartifact.us-west-2.amazonaws.com/npm/web-store/", Ok("corp", "111122223333", "us-west-2", "web-store")),
    ("https://corp-111122223333.d.codeartifact.us-west-2.amazonaws.com/cargo/crates/", Ok("corp", "111122223333", "us-west-2", "crates")),
    ("https://corp-111122223333.d.codeartifact.us-west-2.amazonaws.com/maven/jvm", Ok("corp", "111122223333", "us-west-2", "jvm")),
    ("https://corp-111122223333.d.codeartifact.us-west-2.amazonaws.com/nuget/dotnet/v3/index.json", Ok("corp", "111122223333", "us-west-2", "dotnet")),
    ("https://corp-111122223333.d.codeartifact.us-west-2.amazonaws.com/ruby/gems/", Ok("corp", "111122223333", "us-west-2", "gems")),
    ("https://corp-111122223333.d.codeartifact.us-west-2.on.aws/swift/apple/", Ok("corp", "111122223333", "us-west-2", "apple")),
    ("https://vpce-0123456789abcdef0-abcdefgh.d.codeartifact.us-west-2.vpce.amazonaws.com/npm/d/corp-111122223333/web-store/", Ok("corp", "111122223333", "us-west-2", "web-store")),
    ("https://corp-111122223333.d.codeartifact.us-west-2.amazonaws.com/npm/web-store/simple/", Rejected),
    ("https://corp-111122223333.d.codeartifact.us-west-2.amazonaws.com/nuget/dotnet/v2/", Rejected),
    ("https://corp-111122223333.d.codeartifact.us-west-2.amazonaws.com/generic/things/", Rejected),
    ("https://corp-111122223333.d.codeartifact.us-west-2.amazonaws.com/NPM/web-store/", Rejected),
    ("https://corp-111122223333.d.codeartifact.us-west-2.amazonaws.com/npmx/web-store/", Rejected),
    ("https://corp-111122223333.d.codeartifact.us-west-2.amazonaws.com/npm/web-store/../../pypi/x/", Rejected),
    // Non-ASCII look-alikes
    ("https://corp-111122223333.d.codeartifact.us-west-2.amazonаws.com/pypi/r/simple/", Rejected),
    ("https://cörp-111122223333.d.codeartifact.us-west-2.amazonaws.com/pypi/r/simple/", Rejected),
];

#[test]
fn url_table() {
    assert!(CASES.len() >= 60, "the table keeps at least 60 cases");
    let mut failures = Vec::new();
    for (input, want) in CASES {
        let got = judge(input, &[]);
        let ok = match (want, &got) {
            (Ok(d, o, r, repo), Verdict::Accepted(url)) => {
                let loc = &url.repository;
                (
                    loc.domain.as_str(),
                    loc.owner.as_str(),
                    loc.region.as_str(),
                    loc.repository.as_str(),
                ) == (*d, *o, *r, *repo)
            }
            (Rejected, Verdict::Rejected(_)) | (Other, Verdict::Other) => true,
            _ => false,
        };
        if !ok {
            failures.push(format!("{input:?}: got {got:?}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_codeartifact_region_is_accepted_in_every_host_form() {
    for region in CODEARTIFACT_REGIONS {
        for url in [
            format!("https://corp-111122223333.d.codeartifact.{region}.amazonaws.com/pypi/r1/simple/"),
            format!("https://corp-111122223333.d.codeartifact.{region}.on.aws/pypi/r1/simple/"),
            format!("https://vpce-0a1b2c3d-x1y2.d.codeartifact.{region}.vpce.amazonaws.com/pypi/d/corp-111122223333/r1/simple/"),
        ] {
            match judge(&url, &[]) {
                Verdict::Accepted(u) => {
                    assert_eq!(u.repository.region, *region);
                    assert_eq!(u.url(), url, "rebuilt from its parts");
                }
                other => panic!("{url}: {other:?}"),
            }
        }
    }
}

#[test]
fn accepted_urls_rebuild_to_the_input_and_name_their_host() {
    for (input, want) in CASES {
        if let (Ok(..), Verdict::Accepted(u)) = (want, judge(input, &[])) {
            let plain = input.replacen(TOKEN_PLACEHOLDER, "", 1);
            assert_eq!(u.url(), plain);
            assert!(plain.starts_with(&format!("https://{}/", u.host())));
            assert_eq!(u.placeholder, input.contains(TOKEN_PLACEHOLDER));
        }
    }
}

fn mapping(prefix: &str) -> Mapping {
    Mapping {
        prefix: prefix.to_string(),
        repository: Repository {
            provider: Default::default(),
            domain: "corp".into(),
            owner: "111122223333".into(),
            region: "us-west-2".into(),
            repository: "pypi".into(),
        },
    }
}

#[test]
fn mappings_match_on_a_path_boundary_only() {
    let maps = [
        mapping("http://127.0.0.1:8080/simple"),
        mapping("https://pypi.corp.example/"),
    ];
    let accepted = |s: &str| matches!(judge(s, &maps), Verdict::Accepted(_));
    assert!(accepted("http://127.0.0.1:8080/simple"));
    assert!(accepted("http://127.0.0.1:8080/simple/"));
    assert!(accepted("https://pypi.corp.example/simple/"));
    assert!(
        accepted("https://pypi.corp.example"),
        "the prefix's trailing slash is optional"
    );
    assert!(!accepted("http://127.0.0.1:8080/simplex/"));
    assert!(!accepted("http://127.0.0.1:80800/simple/"));
    assert!(!accepted("http://127.0.0.1:8080@evil.com/simple/"));
    assert!(!accepted("https://pypi.corp.example.evil.com/simple/"));
    assert!(!accepted("https://pypi.corp.example/simple/?x"));
    assert!(!accepted("https://pypi.corp.example/a\\b"));
    // Near misses of a mapped host are reported, not ignored.
    assert!(matches!(
        judge("https://user@pypi.corp.example/simple/", &maps),
        Verdict::Rejected(_)
    ));
    assert!(matches!(
        judge("https://pypi.corp.example/../x", &maps),
        Verdict::Rejected(_)
    ));
    let u = match judge("http://127.0.0.1:8080/simple/", &maps) {
        Verdict::Accepted(u) => u,
        other => panic!("{other:?}"),
    };
    assert_eq!(u.host(), "127.0.0.1:8080");
    assert_eq!(u.url(), "http://127.0.0.1:8080/simple/");
}

#[test]
fn mapping_prefixes_are_checked() {
    for good in [
        "https://pypi.corp.example/simple/",
        "http://127.0.0.1:8080/",
        "http://localhost:1/x",
        "http://[::1]:9000/simple/",
        "https://h",
    ] {
        assert_eq!(
            parse_mapping_prefix(good),
            std::result::Result::Ok(()),
            "{good}"
        );
    }
    for bad in [
        "http://pypi.corp.example/",
        "http://127.0.0.1.evil.com/",
        "https://u:p@h/",
        "https://h/?q",
        "https://H/",
        "https://h:x/",
        "ftp://h/",
        "h/simple",
        "https://h/a b",
        "https://h..x/",
    ] {
        assert!(parse_mapping_prefix(bad).is_err(), "{bad}");
    }
}

#[test]
fn reasons_never_quote_the_input() {
    for (input, _) in CASES {
        if let Verdict::Rejected(reason) = judge(input, &[]) {
            assert!(
                !reason.contains("evil") && !reason.contains("corp"),
                "{reason}"
            );
        }
    }
}

#[test]
fn constant_host_is_in_the_table() {
    assert!(CASES.iter().any(|(u, _)| u.starts_with(H)));
}

/// pip, Poetry and uv parse URLs with Python: every URL ca-env accepts (and the rebuilt form it
/// would put a token in) must name the same host to Python's `urllib.parse.urlsplit`. Fails,
/// never skips, when python3 is missing.
#[test]
fn python_sees_the_same_host_for_every_accepted_url() {
    use std::io::Write;
    let maps = [
        mapping("http://127.0.0.1:8080/simple"),
        mapping("https://pypi.corp.example/"),
    ];
    let mut inputs: Vec<String> = CASES.iter().map(|(u, _)| u.to_string()).collect();
    for region in CODEARTIFACT_REGIONS {
        inputs.push(format!(
            "https://a-b-1-000011112222.d.codeartifact.{region}.amazonaws.com/pypi/r.x/simple/"
        ));
        inputs.push(format!("https://vpce-1a-2b.d.codeartifact.{region}.vpce.amazonaws.com/pypi/d/a-b-000011112222/r.x/"));
    }
    inputs.extend(
        [
            "http://127.0.0.1:8080/simple/",
            "https://pypi.corp.example/simple/x/",
        ]
        .map(String::from),
    );
    let accepted: Vec<(String, RepoUrl)> = inputs
        .into_iter()
        .filter_map(|raw| match judge(&raw, &maps) {
            Verdict::Accepted(u) => Some((raw, u)),
            _ => None,
        })
        .collect();
    assert!(accepted.len() >= 40, "only {} accepted", accepted.len());

    // One URL per line, hex-encoded so that nothing in them can break the framing.
    let mut lines = String::new();
    for (raw, u) in &accepted {
        for url in [
            raw.clone(),
            u.url(),
            u.url().replacen("://", "://aws:TOKEN@", 1),
        ] {
            lines.push_str(&url.bytes().map(|b| format!("{b:02x}")).collect::<String>());
            lines.push('\n');
        }
    }
    let script = [
        "import sys, urllib.parse as p",
        "for line in sys.stdin:",
        "    s = p.urlsplit(bytes.fromhex(line.strip()).decode())",
        "    print(s.hostname, s.port, s.path, sep='\\t')",
    ]
    .join("\n");
    let mut child = std::process::Command::new("python3")
        .args(["-c", &script])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("python3 is needed for this test (scripts/test installs it)");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(lines.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let stdout = String::from_utf8(out.stdout).unwrap();
    let got: Vec<&str> = stdout.lines().collect();
    assert_eq!(got.len(), accepted.len() * 3);
    for (i, (raw, u)) in accepted.iter().enumerate() {
        let host = u.host();
        let (name, port) = match host.rsplit_once(':') {
            Some((n, p)) => (n.to_string(), p.to_string()),
            None => (host.clone(), "None".to_string()),
        };
        for line in &got[i * 3..i * 3 + 3] {
            let fields: Vec<&str> = line.split('\t').collect();
            assert_eq!(
                (fields[0], fields[1]),
                (name.as_str(), port.as_str()),
                "{raw}"
            );
            assert!(fields[2].starts_with('/'), "{raw}: path {}", fields[2]);
        }
    }
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    const VALID: &[&str] = &[
        "https://corp-111122223333.d.codeartifact.us-west-2.amazonaws.com/pypi/pypi-store/simple/",
        "https://corp-111122223333.d.codeartifact.us-west-2.on.aws/pypi/pypi-store/",
        "https://vpce-0123-ab.d.codeartifact.us-west-2.vpce.amazonaws.com/pypi/d/corp-111122223333/r1/simple",
    ];

    /// Characters that have fooled URL parsers before.
    const NASTY: &[char] = &[
        '@', '\\', ':', '%', '.', '/', '?', '#', ' ', '\t', '\n', '\0', 'A', '-', '$', '`', ';',
        '\'', '"', '\u{430}', '\u{ff0e}', '\u{2024}', '[', ']', '1',
    ];

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn never_panics(s in any::<String>()) {
            let _ = judge(&s, &[]);
            let _ = judge_request(&s, &[mapping("http://127.0.0.1:8080/simple")]);
        }

        /// One nasty character put anywhere in a valid URL: either rejected, or the result is
        /// exactly what its parts rebuild (nothing hidden), with a plain host.
        #[test]
        fn edits_of_valid_urls_are_rejected_or_rebuilt_exactly(
            which in 0..VALID.len(),
            at in 0usize..200,
            c in proptest::sample::select(NASTY),
            replace in any::<bool>(),
        ) {
            let mut chars: Vec<char> = VALID[which].chars().collect();
            let at = at % (chars.len() + 1);
            if replace && at < chars.len() {
                chars[at] = c;
            } else {
                chars.insert(at, c);
            }
            let input: String = chars.into_iter().collect();
            if let Verdict::Accepted(u) = judge(&input, &[]) {
                prop_assert_eq!(u.url(), input.clone());
                prop_assert!(u.host().bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-'));
            }
        }
    }
}

#[test]
fn credentials_are_split_off_as_python_splits_them() {
    let cases = [
        ("https://aws:eyJx@corp-111122223333.d.codeartifact.us-west-2.amazonaws.com/pypi/r/simple/",
         ("https://corp-111122223333.d.codeartifact.us-west-2.amazonaws.com/pypi/r/simple/", true)),
        ("https://a@b:c@host/x@y", ("https://host/x@y", true)),
        ("https://host/simple/", ("https://host/simple/", false)),
        ("https://aws:${CODEARTIFACT_AUTH_TOKEN}@host/simple/", ("https://aws:${CODEARTIFACT_AUTH_TOKEN}@host/simple/", false)),
        ("https://a\\@evil.example/", ("https://evil.example/", true)),
        ("https://host?q=a@b", ("https://host?q=a@b", false)),
        ("no-scheme@host", ("no-scheme@host", false)),
    ];
    for (raw, (want, had)) in cases {
        assert_eq!(without_credentials(raw), (want.to_string(), had), "{raw}");
    }
}

/// What uv's and pip's keyring lookups ask for: index URLs as a project's, a URL on a
/// CodeArtifact host by its host over https only, and a host alone only for a loopback http
/// mapping.
#[test]
fn requests_for_credentials() {
    let maps = [
        mapping("http://127.0.0.1:8080/simple"),
        mapping("https://pypi.corp.example/"),
    ];
    let corp = |repository: &str| Repository {
        provider: Default::default(),
        domain: "corp".into(),
        owner: "111122223333".into(),
        region: "us-west-2".into(),
        repository: repository.into(),
    };
    let want = |repository: &str, mapped: bool| {
        Some(Requested {
            repository: corp(repository),
            mapped,
        })
    };
    #[rustfmt::skip]
    let cases = [
        // Index URLs, as projects name them.
        (format!("{H}/pypi/pypi-store/simple/"), want("pypi-store", false)),
        ("https://corp-111122223333.d.codeartifact.us-west-2.on.aws/pypi/r2/".into(), want("r2", false)),
        ("https://vpce-0123-ab.d.codeartifact.us-west-2.vpce.amazonaws.com/pypi/d/corp-111122223333/r1/simple".into(), want("r1", false)),
        ("http://127.0.0.1:8080/simple/".into(), want("pypi", true)),
        ("http://127.0.0.1:8080/simple/corp-private-lib/".into(), want("pypi", true)),
        ("https://pypi.corp.example/simple/".into(), want("pypi", true)),
        // A CodeArtifact host over https names its domain, whatever the path.
        (format!("{H}/pypi/pypi-store/simple/corp-private-lib/1.0/x.whl"), want("", false)),
        (format!("{H}/"), want("", false)),
        (H.into(), want("", false)),
        // ... never over http, and never a VPC endpoint's host (the domain is in its path).
        ("http://corp-111122223333.d.codeartifact.us-west-2.amazonaws.com/pypi/r/simple/".into(), None),
        ("https://vpce-0123-ab.d.codeartifact.us-west-2.vpce.amazonaws.com/".into(), None),
        // A host alone (with uv's scheme or without): only a loopback host an http mapping names.
        ("127.0.0.1:8080".into(), want("pypi", true)),
        ("http://127.0.0.1:8080".into(), want("pypi", true)),
        ("http://127.0.0.1:8080/".into(), want("pypi", true)),
        ("https://127.0.0.1:8080".into(), None),
        ("http://127.0.0.1:8080/other/".into(), None),
        ("127.0.0.1:8081".into(), None),
        ("127.0.0.1".into(), None),
        ("corp-111122223333.d.codeartifact.us-west-2.amazonaws.com".into(), None),
        ("pypi.corp.example".into(), None),
        // Userinfo, look-alikes, other hosts.
        (H.replace("https://", "https://aws@") + "/pypi/r/simple/", None),
        (H.replace("https://", "https://aws:${CODEARTIFACT_AUTH_TOKEN}@") + "/pypi/r/simple/", None),
        (format!("{H}\\@evil.example/pypi/r/simple/"), None),
        (format!("{H}.evil.example/pypi/r/simple/"), None),
        (format!("{H}:443/pypi/r/simple/"), None),
        (format!("{H}?x=1"), None),
        ("https://pypi.org/simple/".into(), None),
        ("https://pypi.corp.example.evil.example/simple/".into(), None),
        ("http://127.0.0.1:8080@evil.example/simple/".into(), None),
        ("".into(), None),
    ];
    for (asked, want) in cases {
        assert_eq!(judge_request(&asked, &maps), want, "{asked}");
    }
}

/// One loopback host mapped to two domains: a host alone cannot say which; two repositories of
/// one domain share the domain's token.
#[test]
fn a_host_alone_answers_only_when_its_mappings_agree() {
    let mut other = mapping("http://127.0.0.1:8080/other/");
    other.repository.repository = "other".into();
    let maps = [mapping("http://127.0.0.1:8080/simple/"), other.clone()];
    let got = judge_request("127.0.0.1:8080", &maps).unwrap();
    assert_eq!(got.repository.repository, "");
    assert_eq!(got.repository.domain, "corp");
    other.repository.owner = "444455556666".into();
    let maps = [mapping("http://127.0.0.1:8080/simple/"), other];
    assert_eq!(judge_request("127.0.0.1:8080", &maps), None);
}

/// A tool asking for a file below an Azure feed or an Artifact Registry repository gets that
/// feed's or repository's credentials; a look-alike host, a path that climbs out, a query or
/// a URL naming no feed gets nothing.
#[test]
fn files_below_azure_feeds_and_google_repositories_are_theirs() {
    let feed = |org: &str, project: &str, feed: &str| Repository {
        provider: ProviderKind::Azure,
        domain: org.into(),
        owner: project.into(),
        region: String::new(),
        repository: feed.into(),
    };
    let gar = Repository {
        provider: ProviderKind::Google,
        domain: "acme-prod".into(),
        owner: String::new(),
        region: "us-central1".into(),
        repository: "py-private".into(),
    };
    #[rustfmt::skip]
    let cases: Vec<(&str, Option<Repository>)> = vec![
        ("https://pkgs.dev.azure.com/contoso/web/_packaging/corp/pypi/download/pkg/1.0/pkg-1.0-py3-none-any.whl", Some(feed("contoso", "web", "corp"))),
        ("https://pkgs.dev.azure.com/contoso/_packaging/corp/npm/registry/@corp/pkg/-/pkg-1.0.0.tgz", Some(feed("contoso", "", "corp"))),
        ("https://contoso.pkgs.visualstudio.com/_packaging/corp/pypi/simple/", Some(feed("contoso", "", "corp"))),
        ("https://us-central1-python.pkg.dev/acme-prod/py-private/pkg/pkg-1.0.tar.gz", Some(gar.clone())),
        ("https://us-central1-python.pkg.dev/acme-prod/py-private/simple/pkg/", Some(gar)),
        ("https://pkgs.dev.azure.com/contoso/_packaging/corp/../../other/_packaging/x/", None),
        ("https://pkgs.dev.azure.com/contoso/_packaging/corp/pypi/simple/?x=1", None),
        ("https://pkgs.dev.azure.com/contoso/web/", None),
        ("https://pkgs.dev.azure.com.evil.example/contoso/_packaging/corp/pypi/simple/", None),
        ("https://us-central1-python.pkg.dev/acme-prod/py-private/../other/x", None),
        ("https://us-central1-python.pkg.dev.evil.example/acme-prod/py-private/x", None),
        ("http://us-central1-python.pkg.dev/acme-prod/py-private/x", None),
    ];
    for (asked, want) in cases {
        let got = judge_request(asked, &[]).map(|r| r.repository);
        assert_eq!(got, want, "{asked}");
    }
}
