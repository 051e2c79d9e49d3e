//! Host confusion: every URL ca-env accepts names the same host and port to ca-env, to
//! Python's `urlsplit` and to urllib3's `parse_url`, and the token goes only there
//! (docs/security.md, section 2).

use super::{bounded_run, json, strings, toml_str};
use crate::support;

use std::collections::BTreeMap;
use std::fs;
use std::process::Command;

use support::standin::StandIn;
use support::{Decoy, Sandbox};

/// A small deterministic generator (splitmix64), so a failure names a reproducible candidate.
fn splitmix(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

const AWS_HOST: &str = "corp-111122223333.d.codeartifact.us-west-2.amazonaws.com";
const DUAL_HOST: &str = "corp-111122223333.d.codeartifact.us-west-2.on.aws";
const VPCE_HOST: &str = "vpce-0123abcd-4567efgh.d.codeartifact.us-west-2.vpce.amazonaws.com";

/// The valid URLs the candidates are made from: the three CodeArtifact shapes, the documented
/// placeholder userinfo, and three mapped hosts (two of them loopback with a port).
fn host_bases(port: u16) -> Vec<String> {
    vec![
        format!("https://{AWS_HOST}/pypi/pypi-store/simple/"),
        format!("https://{DUAL_HOST}/pypi/pypi-store/simple/"),
        format!("https://{VPCE_HOST}/pypi/d/corp-111122223333/pypi-store/simple/"),
        format!("https://aws:${{CODEARTIFACT_AUTH_TOKEN}}@{AWS_HOST}/pypi/pypi-store/simple/"),
        format!("http://127.0.0.1:{port}/simple/"),
        format!("http://[::1]:{port}/loop/simple/"),
        "https://pypi.corp.example/simple/".to_string(),
    ]
}

/// Pieces put into a valid URL at every interesting place: userinfo, backslashes,
/// percent-escapes, look-alike dots, ports, brackets, white space, case, dot segments,
/// fragments, queries, double slashes and look-alike suffixes.
const PIECES: &[&str] = &[
    "@evil.example",
    "@",
    "\\@evil.example",
    "\\",
    "%2e",
    "%2E",
    "%40evil.example",
    "%2f",
    "%2F",
    "%5c",
    "%00",
    "\u{3002}",
    "\u{ff0e}",
    "\u{ff61}",
    "\u{ff20}evil.example",
    "\u{ff0f}",
    "\u{2215}",
    ".",
    "..",
    "/..",
    "/../",
    "/./",
    ":443",
    ":",
    ":8443",
    "[::1]",
    "\t",
    "\n",
    "\r",
    " ",
    "\u{7f}",
    "A",
    "x",
    "-",
    "#",
    "#@evil.example/",
    "?",
    "?@evil.example/",
    "//",
    ".evil.example",
    ".amazonaws.com.evil",
    "evil.example/",
];

/// Whole-URL rewrites: look-alike suffixes, case, schemes, trailing dots, other spellings of
/// the loopback addresses.
const REWRITES: &[(&str, &str)] = &[
    ("amazonaws.com", "amazonaws.co"),
    ("amazonaws.com", "amazonaws.com.evil"),
    ("amazonaws.com", "amazonaws.com@evil"),
    ("amazonaws.com", "amazonaws.com."),
    ("amazonaws.com", "AMAZONAWS.COM"),
    ("amazonaws.com/", "amazonaws.com:443/"),
    ("on.aws", "on.aws.evil"),
    ("on.aws", "on.aws."),
    ("https://", "HTTPS://"),
    ("https://", "https:/"),
    ("https://", "https:\\\\"),
    ("https://", "https:///"),
    ("https://", "http://"),
    ("http://", "https://"),
    ("://", ":/\\"),
    ("127.0.0.1", "127.0.0.1."),
    ("127.0.0.1", "127.1"),
    ("127.0.0.1", "0x7f.0.0.1"),
    ("127.0.0.1", "127.0.0.01"),
    ("127.0.0.1", "localhost"),
    ("[::1]", "[0:0:0:0:0:0:0:1]"),
    ("[::1]", "[::1%25lo]"),
    ("[::1]", "::1"),
    ("pypi.corp.example", "pypi.corp.example."),
    ("pypi.corp.example", "PYPI.corp.example"),
    ("pypi.corp.example", "pypi.corp.example.evil"),
    ("pypi.corp.example", "pypi.corp.example@evil.example"),
    ("/simple/", "/simple/.."),
    ("/simple/", "/simple/#"),
];

/// Where pieces go in `u`: after the scheme, at the host's start, inside its first label, at
/// its first dot, at its end, and along the path.
fn host_positions(u: &str) -> Vec<usize> {
    let after_scheme = u.find("://").unwrap() + 3;
    let host_start = u[after_scheme..]
        .find('@')
        .filter(|i| *i < u[after_scheme..].find('/').unwrap())
        .map_or(after_scheme, |i| after_scheme + i + 1);
    let host_end = host_start + u[host_start..].find('/').unwrap();
    let mut at = vec![
        after_scheme,
        host_start,
        host_start + 1,
        host_end,
        host_end + 1,
    ];
    if let Some(dot) = u[host_start..host_end].find('.') {
        at.push(host_start + dot);
        at.push(host_start + dot + 1);
    }
    at.extend([u.len() - "simple/".len(), u.len() - 1, u.len()]);
    at.sort();
    at.dedup();
    at
}

/// Every candidate: the bases, each piece at each place in each base, each rewrite, the whole
/// URL upper-cased, and 600 pairs of pieces chosen by a fixed seed.
fn host_candidates(bases: &[String]) -> Vec<String> {
    let insert = |u: &str, at: usize, piece: &str| format!("{}{piece}{}", &u[..at], &u[at..]);
    let mut out: Vec<String> = bases.to_vec();
    for b in bases {
        for at in host_positions(b) {
            for p in PIECES {
                out.push(insert(b, at, p));
            }
        }
        for (from, to) in REWRITES {
            if b.contains(from) {
                out.push(b.replacen(from, to, 1));
            }
        }
        out.push(b.to_uppercase());
    }
    let mut seed = 0x0005_EED0_FCAE_u64;
    for _ in 0..600 {
        let b = &bases[splitmix(&mut seed) as usize % bases.len()];
        let at = host_positions(b);
        let (i, j) = (
            at[splitmix(&mut seed) as usize % at.len()],
            at[splitmix(&mut seed) as usize % at.len()],
        );
        let (p, q) = (
            PIECES[splitmix(&mut seed) as usize % PIECES.len()],
            PIECES[splitmix(&mut seed) as usize % PIECES.len()],
        );
        let (lo, hi) = (i.min(j), i.max(j));
        out.push(insert(&insert(b, hi, q), lo, p));
    }
    let mut seen = std::collections::HashSet::new();
    out.retain(|c| seen.insert(c.clone()));
    out
}

/// Checks, in one Python process, that each accepted URL (as written, and as ca-env reports
/// it) has the host and port ca-env names to both `urllib.parse.urlsplit` and
/// `urllib3.util.parse_url` (what pip, Poetry and uv's Python tooling use), and that each
/// exported URL names the same host to both, carries exactly `aws` and the token, and is one
/// of the accepted sources' URLs. Prints one line per mismatch.
const HOST_CHECK: &str = r#"
import json, sys
from urllib.parse import urlsplit, unquote
from urllib3.util import parse_url
d = json.load(open(sys.argv[1], encoding="utf-8"))
toks = set(d["tokens"])
bad = []
def us(x):
    s = urlsplit(x)
    return (s.hostname, s.port)
def u3(x):
    r = parse_url(x)
    h = r.host
    if h and h.startswith("[") and h.endswith("]"):
        h = h[1:-1]
    return (h.lower() if h else h, r.port)
def want(h):
    if h.startswith("["):
        i = h.index("]")
        host, rest = h[1:i], h[i + 1:]
    else:
        host, _, port = h.partition(":")
        rest = ":" + port if port else ""
    return (host, int(rest[1:]) if rest else None)
def both(x, w, what):
    for name, f in (("urlsplit", us), ("urllib3", u3)):
        try:
            got = f(x)
        except Exception as e:
            got = repr(e)
        if got != w:
            bad.append(f"{what}: {name}: {x!r}: {got} != {w}")
for it in d["items"]:
    w = want(it["host"])
    both(it["raw"], w, "accepted")
    both(it["url"], w, "reported")
urls = set(d["urls"])
seen = set()
for e in d["exported"]:
    s = urlsplit(e)
    try:
        w = (s.hostname, s.port)
    except Exception as ex:
        bad.append(f"exported: {e!r}: {ex!r}")
        continue
    both(e, w, "exported")
    plain = e
    if "@" in s.netloc:
        if s.username != "aws" or unquote(s.password or "") not in toks:
            bad.append(f"exported: urlsplit: wrong credentials: {e!r}")
        a = unquote(parse_url(e).auth or "")
        if not a.startswith("aws:") or a[4:] not in toks:
            bad.append(f"exported: urllib3: wrong credentials: {e!r}")
        plain = e.replace(s.netloc, s.netloc.rsplit("@", 1)[1], 1)
    if plain not in urls:
        bad.append(f"exported: not an accepted source's URL: {plain!r}")
    seen.add(plain)
for u in sorted(urls - seen):
    bad.append(f"accepted but not exported: {u!r}")
print(len(bad), "mismatches")
print("\n".join(b[:400] for b in bad[:20]))
"#;

/// Property over a deterministic generator of about two thousand hostile URLs: every URL ca-env
/// accepts names, to Python's `urlsplit` and to urllib3's `parse_url`, exactly the host and port
/// ca-env reports and rebuilds, and that host is one of the legitimate ones; the URL it exports
/// carries the token (with `@`, `/`, `#`, `?`, `:`, `\`, `[`, `%` in it) as `aws`'s password
/// to that host and no other. No accepted URL holds userinfo other than the placeholder, a
/// backslash, a percent-escape, white space, a fragment, a query, non-ASCII text or upper case
/// in the host, and the known-bad shapes are problems on their own line, never sources.
#[test]
fn property_accepted_urls_name_one_host_to_ca_env_python_and_urllib3() {
    let python = support::python_tool("python");
    let index = Decoy::new();
    let port = index.port();
    let standin = StandIn::start();
    let sb = Sandbox::for_tokens(&standin, "file");
    standin.token_suffix("@evil.example/#?:x[::1]\\%2e%40");
    let mut config = String::from("[trust]\nowners = [\"111122223333\"]\n");
    for url in [
        format!("http://127.0.0.1:{port}/simple/"),
        format!("http://[::1]:{port}/loop/simple/"),
        "https://pypi.corp.example/simple/".to_string(),
    ] {
        config += &format!(
            "\n[[mapping]]\nurl = \"{url}\"\ndomain = \"corp\"\nowner = \"111122223333\"\nregion = \"us-west-2\"\nrepository = \"pypi-store\"\n"
        );
    }
    sb.write_config(&config);
    let bases = host_bases(port);
    let legit = [
        AWS_HOST.to_string(),
        DUAL_HOST.to_string(),
        VPCE_HOST.to_string(),
        format!("127.0.0.1:{port}"),
        format!("[::1]:{port}"),
        "pypi.corp.example".to_string(),
    ];
    let known_bad = [
        format!("https://{AWS_HOST}\\@evil.example/pypi/pypi-store/simple/"),
        format!("https://{AWS_HOST}@evil.example/pypi/pypi-store/simple/"),
        format!("https://{AWS_HOST}%40evil.example/pypi/pypi-store/simple/"),
        bases[0].replacen("amazonaws.com", "amazonaws.com.evil", 1),
        bases[0].replacen("amazonaws.com", "amazonaws.co", 1),
        bases[0].replacen("amazonaws.com", "amazonaws.com@evil", 1),
        bases[0].replacen("amazonaws.com", "amazonaws.com.", 1),
        bases[0].replacen("amazonaws.com", "amazonaws\u{3002}com", 1),
        format!("https://{AWS_HOST}:443/pypi/pypi-store/simple/"),
        format!("http://127.0.0.1:{port}@evil.example/simple/"),
        format!("http://127.0.0.1:{port}/simple/#@evil.example/"),
        format!("http://127.0.0.1:{port}/simple/?@evil.example/"),
        format!("http://127.0.0.1:{port}/simple/\\@evil.example"),
        format!("http://127.0.0.1:{port}/simple/%2e%2e/"),
        "https://pypi.corp.example.evil/simple/".to_string(),
        "https://pypi.corp.example@evil.example/simple/".to_string(),
    ];
    let mut candidates = host_candidates(&bases);
    for bad in &known_bad {
        if !candidates.contains(bad) {
            candidates.push(bad.clone());
        }
    }
    assert!(candidates.len() > 2000, "{}", candidates.len());

    // (raw, url, host) of each accepted candidate; every URL exported.
    let mut items: Vec<(String, String, String)> = Vec::new();
    let mut urls: Vec<String> = Vec::new();
    let mut exported: Vec<String> = Vec::new();
    let mut rejected: Vec<String> = Vec::new();
    for (k, chunk) in candidates.chunks(50).enumerate() {
        let dir = format!("h{k:02}");
        // index-url, publish-url, then the rest as extra indexes, one a line.
        let mut text = format!(
            "[tool.uv]\nindex-url = {}\npublish-url = {}\nextra-index-url = [\n",
            toml_str(&chunk[0]),
            toml_str(&chunk[1])
        );
        let mut line_of = BTreeMap::from([(2, &chunk[0]), (3, &chunk[1])]);
        for (i, c) in chunk[2..].iter().enumerate() {
            text += &format!("  {},\n", toml_str(c));
            line_of.insert(i + 5, c);
        }
        text += "]\n";
        sb.write(&format!("{dir}/pyproject.toml"), &text);
        let st = sb.status(&dir);
        let problems = strings(&st["problems"]);
        assert!(
            !problems.iter().any(|p| p.contains("not valid TOML")),
            "{dir}: {problems:?}"
        );
        for s in st["sources"].as_array().unwrap() {
            let line = s["line"].as_u64().unwrap() as usize;
            let raw = line_of.get(&line).unwrap_or_else(|| panic!("{dir}:{line}"));
            let url = s["url"].as_str().unwrap().to_string();
            let host = s["host"].as_str().unwrap().to_string();
            // One of the bases' hosts, or another CodeArtifact host of the same shape (a
            // piece at the host's start makes `xcorp-…`, a domain of its own).
            let first = [
                ".d.codeartifact.us-west-2.amazonaws.com",
                ".d.codeartifact.us-west-2.on.aws",
                ".d.codeartifact.us-west-2.vpce.amazonaws.com",
            ]
            .iter()
            .find_map(|t| host.strip_suffix(t));
            assert!(
                legit.contains(&host)
                    || first.is_some_and(|f| {
                        !f.is_empty()
                            && f.bytes()
                                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                    }),
                "{raw:?} names {host}"
            );
            assert_eq!(s["trusted"], true, "{raw:?}");
            items.push((raw.to_string(), url.clone(), host));
            urls.push(url);
        }
        for (line, raw) in &line_of {
            let said = problems
                .iter()
                .any(|p| p.starts_with(&format!("pyproject.toml:{line}: ")));
            let accepted = items.iter().any(|(r, _, _)| r == *raw);
            if said {
                assert!(!accepted, "{raw:?} is both a problem and a source");
                rejected.push(raw.to_string());
            }
        }
        let out = bounded_run(&sb, &dir, &["export", "json"]);
        assert_eq!(out.code, Some(0), "{dir}: {}", out.stderr);
        assert_eq!(out.stderr, "", "{dir}");
        for (name, value) in json(&out.stdout).as_object().unwrap() {
            let Some(v) = value.as_str().filter(|v| v.contains("://")) else {
                continue;
            };
            assert!(name.contains("URL") || name == "UV_INDEX", "{name}");
            exported.extend(v.split(' ').map(str::to_string));
        }
    }

    let accepted: Vec<&String> = items.iter().map(|(r, _, _)| r).collect();
    for b in &bases {
        assert!(accepted.contains(&b), "a valid base was not accepted: {b}");
    }
    for bad in &known_bad {
        assert!(rejected.contains(bad), "not said to be a problem: {bad:?}");
    }
    for raw in &accepted {
        let bare = raw.replacen(url_placeholder(), "", 1);
        let authority = bare.split('/').nth(2).unwrap_or_default();
        assert!(
            !bare.contains(['@', '\\', '%', '#', '?'])
                && !authority.contains("evil")
                && bare.chars().all(|c| c.is_ascii_graphic())
                && !authority.chars().any(|c| c.is_ascii_uppercase()),
            "accepted: {raw:?}"
        );
    }
    assert!(items.len() >= 40, "only {} accepted", items.len());
    assert!(rejected.len() >= 1500, "only {} rejected", rejected.len());

    let data = serde_json::json!({
        "tokens": standin.calls().iter().filter_map(|c| c.token.clone()).collect::<Vec<_>>(),
        "items": items.iter().map(|(raw, url, host)| serde_json::json!({"raw": raw, "url": url, "host": host})).collect::<Vec<_>>(),
        "urls": urls,
        "exported": exported,
    });
    let file = sb.path().join("accepted.json");
    fs::write(&file, data.to_string()).unwrap();
    let out = Command::new(&python)
        .arg("-c")
        .arg(HOST_CHECK)
        .arg(&file)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", support::stderr(&out));
    assert_eq!(support::stdout(&out).trim(), "0 mismatches");
    // One token for the one domain behind every accepted host, and no connection to the
    // mapped index itself.
    assert!(standin.calls().iter().all(|c| c.owner == "111122223333"));
    index.assert_untouched("the index was contacted");
}

fn url_placeholder() -> &'static str {
    "aws:${CODEARTIFACT_AUTH_TOKEN}@"
}
