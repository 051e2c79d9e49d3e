//! Gradle: the Maven repositories of the build's settings and build scripts, read as text and
//! never run (a build script is a program; ca-env only looks for the few literal forms the
//! Gradle and AWS documentation show).
//!
//! - The build's root: the nearest directory from the working directory up with
//!   `settings.gradle` or `settings.gradle.kts` (as Gradle looks for its settings file), else
//!   the working directory when it has a build script. Its `settings.gradle(.kts)` and
//!   `build.gradle(.kts)`, and the working directory's own build script when it is a
//!   subproject's.
//! - Inside a `maven { … }` block: `url "…"`, `url '…'`, `url = "…"`, `url uri("…")`,
//!   `url = uri("…")`, `setUrl("…")`, and `name "…"` / `name = "…"` for its name; also
//!   `maven("…")` and `maven(url = "…")` / `maven(url: "…")`. Only string literals: a string
//!   with `$` (Groovy and Kotlin interpolate it) is skipped, as is any other expression.
//! - A `maven` block inside `publishing { … }` (the `maven-publish` plugin's repositories) is a
//!   publish target.

use std::path::Path;

use super::{root, Collector, Entry, Form, Found, Origin, Role, Tool};
use crate::env::Env;

const SETTINGS: [&str; 2] = ["settings.gradle", "settings.gradle.kts"];
const BUILD: [&str; 2] = ["build.gradle", "build.gradle.kts"];

/// The deepest nesting of braces and parentheses read.
const MAX_DEPTH: usize = 64;

pub fn discover(env: &Env, cwd: &Path, found: &mut Found) {
    let home = env.home();
    let has = |d: &Path, names: &[&str]| names.iter().any(|n| d.join(n).is_file());
    let root = root::nearest(cwd, home.as_deref(), |d| has(d, &SETTINGS))
        .or_else(|| has(cwd, &BUILD).then(|| cwd.to_path_buf()));
    let Some(root) = root else {
        return;
    };
    found.read_in(&root, Origin::Project, |c| {
        for name in SETTINGS.iter().chain(&BUILD) {
            read(c, Path::new(name));
        }
    });
    if cwd != root && cwd.starts_with(&root) {
        found.read_in(cwd, Origin::Project, |c| {
            for name in BUILD {
                read(c, Path::new(name));
            }
        });
    }
}

fn read(c: &mut Collector, rel: &Path) {
    let Some(text) = c.read(rel) else {
        return;
    };
    match scan(&text) {
        Ok(found) => {
            for f in found {
                let role = if f.publish {
                    Role::Publish
                } else {
                    Role::Index
                };
                let name = f.name.as_deref();
                let e = Entry::new(
                    Tool::Gradle,
                    Form::ToolConfig,
                    role,
                    name,
                    &f.url,
                    rel,
                    f.line,
                );
                c.add(e);
            }
        }
        Err((line, why)) => c.problem(rel, Some(line), why),
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Tok<'t> {
    Ident(&'t str),
    /// A string literal's contents (escapes left as written), and whether it interpolates.
    Str(&'t str, bool),
    Punct(char),
}

/// The tokens of a Groovy or Kotlin script that matter here, each with its line; comments
/// dropped. Errors: an unterminated string or comment.
fn tokens(text: &str) -> Result<Vec<(Tok<'_>, usize)>, (usize, &'static str)> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut line = 1;
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        match c {
            b'\n' => {
                line += 1;
                i += 1;
            }
            b'/' if b.get(i + 1) == Some(&b'/') => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                let start = line;
                let end = text[i + 2..]
                    .find("*/")
                    .ok_or((start, "a comment is not closed"))?;
                line += text[i..i + 2 + end].matches('\n').count();
                i += 2 + end + 2;
            }
            b'"' | b'\'' => {
                let start = line;
                let quote = c as char;
                let triple: String = [quote; 3].iter().collect();
                let (body, len) = if text[i..].starts_with(&triple) {
                    let end = text[i + 3..]
                        .find(&triple)
                        .ok_or((start, "a string is not closed"))?;
                    (&text[i + 3..i + 3 + end], end + 6)
                } else {
                    let mut j = i + 1;
                    loop {
                        match b.get(j) {
                            None | Some(b'\n') => return Err((start, "a string is not closed")),
                            Some(b'\\') => j += 2,
                            Some(&q) if q == c => break,
                            Some(_) => j += 1,
                        }
                    }
                    (&text[i + 1..j], j + 1 - i)
                };
                line += body.matches('\n').count();
                // Groovy's single quotes never interpolate; Kotlin has no single-quoted
                // strings (a char literal is no URL either way).
                let interpolates = quote == '"' && body.contains('$');
                out.push((Tok::Str(body, interpolates || body.contains('\\')), start));
                i += len;
            }
            c if c.is_ascii_alphabetic() || c == b'_' => {
                let start = i;
                while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                    i += 1;
                }
                out.push((Tok::Ident(&text[start..i]), line));
            }
            c if c.is_ascii_whitespace() => i += 1,
            c if c.is_ascii() => {
                out.push((Tok::Punct(c as char), line));
                i += 1;
            }
            _ => {
                // Any other character (in an identifier or an operator): skipped whole.
                i += text[i..].chars().next().map_or(1, char::len_utf8);
            }
        }
    }
    Ok(out)
}

/// A repository found in a script.
#[derive(Debug, PartialEq)]
struct Repo {
    url: String,
    name: Option<String>,
    line: usize,
    publish: bool,
}

/// What a block or parenthesis opened: its name (the identifier before it) or nothing.
struct Open<'t> {
    name: &'t str,
    brace: bool,
    /// For a `maven { … }` block: what it says so far.
    repo: Option<Block>,
}

/// What a `maven { … }` block said so far: its URL with the line, its name.
#[derive(Default)]
struct Block {
    url: Option<(String, usize)>,
    name: Option<String>,
}

/// The Maven repositories a script names with literal URLs.
fn scan(text: &str) -> Result<Vec<Repo>, (usize, &'static str)> {
    let toks = tokens(text)?;
    let mut found = Vec::new();
    let mut stack: Vec<Open> = Vec::new();
    let ident = |i: usize| match toks.get(i) {
        Some((Tok::Ident(n), _)) => Some(*n),
        _ => None,
    };
    let punct = |i: usize, p: char| matches!(toks.get(i), Some((Tok::Punct(q), _)) if *q == p);
    // A literal string at `i`, or `uri("…")` there: the URL, its line and the tokens used. Not
    // when an expression goes on (`"…" + x`, `"…".trim()`).
    let literal = |i: usize| -> Option<(String, usize, usize)> {
        let got = match toks.get(i) {
            Some((Tok::Str(s, false), l)) => Some((s.to_string(), *l, 1)),
            Some((Tok::Ident("uri" | "URI"), _)) if punct(i + 1, '(') && punct(i + 3, ')') => {
                match toks.get(i + 2) {
                    Some((Tok::Str(s, false), l)) => Some((s.to_string(), *l, 4)),
                    _ => None,
                }
            }
            _ => None,
        };
        got.filter(|(_, _, used)| {
            !matches!(
                toks.get(i + used),
                Some((Tok::Punct('+' | '.' | '[' | '?'), _))
            )
        })
    };
    let publishing = |stack: &[Open]| stack.iter().any(|o| o.brace && o.name == "publishing");
    let mut i = 0;
    while i < toks.len() {
        let (tok, line) = &toks[i];
        match tok {
            Tok::Punct(open @ ('{' | '(')) => {
                if stack.len() == MAX_DEPTH {
                    return Err((*line, "nested too deeply; not read"));
                }
                let name = if i > 0 {
                    ident(i - 1).unwrap_or("")
                } else {
                    ""
                };
                let brace = *open == '{';
                // `maven("…")`, `maven(url = "…")`, `maven(url: "…")`.
                if !brace && name == "maven" {
                    let at = if ident(i + 1) == Some("url")
                        && (punct(i + 2, '=') || punct(i + 2, ':'))
                    {
                        i + 3
                    } else {
                        i + 1
                    };
                    if let Some((url, l, _)) = literal(at) {
                        found.push(Repo {
                            url,
                            name: None,
                            line: l,
                            publish: publishing(&stack),
                        });
                    }
                }
                let repo = (brace && name == "maven").then(Block::default);
                stack.push(Open { name, brace, repo });
            }
            Tok::Punct(close @ ('}' | ')')) => {
                let Some(open) = stack.pop() else {
                    return Err((*line, "a closing bracket without an opening one"));
                };
                if open.brace != (*close == '}') {
                    return Err((*line, "brackets do not match"));
                }
                if let Some(Block {
                    url: Some((url, l)),
                    name,
                }) = open.repo
                {
                    found.push(Repo {
                        url,
                        name,
                        line: l,
                        publish: publishing(&stack),
                    });
                }
            }
            Tok::Ident(key @ ("url" | "setUrl" | "name" | "setName")) => {
                // Only the maven block's own statements (not a nested `credentials { … }`),
                // and only at the start of one (not `foo.url`).
                let own = stack.last().is_some_and(|o| o.repo.is_some());
                let statement = i == 0 || !punct(i - 1, '.');
                if own && statement {
                    let mut at = i + 1;
                    let call = punct(at, '(');
                    if punct(at, '=') || call {
                        at += 1;
                    }
                    if let Some((value, l, used)) = literal(at) {
                        // `setUrl("…")` takes exactly the one argument.
                        if call && !punct(at + used, ')') {
                            i += 1;
                            continue;
                        }
                        if let Some(repo) = stack.last_mut().and_then(|o| o.repo.as_mut()) {
                            if matches!(*key, "url" | "setUrl") {
                                repo.url = Some((value, l));
                            } else {
                                repo.name = Some(value);
                            }
                        }
                        // The call's own parentheses are used up with it.
                        i = at + used + usize::from(call);
                        continue;
                    }
                }
            }
            _ => {}
        }
        i += 1;
    }
    if !stack.is_empty() {
        let line = toks.last().map_or(1, |t| t.1);
        return Err((line, "a bracket is not closed"));
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::project::tests::write;

    fn urls(text: &str) -> Vec<(String, Option<String>, usize, bool)> {
        scan(text)
            .unwrap()
            .into_iter()
            .map(|f| (f.url, f.name, f.line, f.publish))
            .collect()
    }

    #[test]
    fn the_documented_forms() {
        let groovy = r#"
plugins { id 'maven-publish' }
repositories {
    mavenCentral()
    maven {
        url 'https://corp-111122223333.d.codeartifact.us-west-2.amazonaws.com/maven/a/'
        credentials {
            username "aws"
            password System.env.CODEARTIFACT_AUTH_TOKEN
            url "https://not-this.example/"
        }
    }
    maven { url = uri("https://b.example/") ; name = 'b' }
    maven { setUrl("https://c.example/") }
    maven { url "https://${host}/interpolated/" }
    maven { url "$base/also/" }
    maven { url someVariable }
    // maven { url 'https://commented.example/' }
    /* maven { url 'https://commented.example/' } */
    maven {
        name "d"
        url uri('https://d.example/')
    }
}
publishing {
    publications { mavenJava(MavenPublication) { from components.java } }
    repositories {
        maven {
            name = "corp"
            url = "https://e.example/"
        }
    }
}
"#;
        assert_eq!(
            urls(groovy),
            vec![
                (
                    "https://corp-111122223333.d.codeartifact.us-west-2.amazonaws.com/maven/a/"
                        .into(),
                    None,
                    6,
                    false
                ),
                ("https://b.example/".into(), Some("b".into()), 13, false),
                ("https://c.example/".into(), None, 14, false),
                ("https://d.example/".into(), Some("d".into()), 22, false),
                ("https://e.example/".into(), Some("corp".into()), 30, true),
            ]
        );
        let kotlin = r#"
dependencyResolutionManagement {
    repositories {
        maven("https://f.example/")
        maven(url = "https://g.example/")
        maven(url = uri("https://h.example/"))
        maven { url = uri("https://i.example/$x") }
        maven(url: 'https://j.example/')
    }
}
"#;
        let got: Vec<String> = urls(kotlin).into_iter().map(|u| u.0).collect();
        assert_eq!(
            got,
            [
                "https://f.example/",
                "https://g.example/",
                "https://h.example/",
                "https://j.example/"
            ]
        );
    }

    #[test]
    fn bad_scripts_are_one_problem_each() {
        for (text, line, why) in [
            ("maven {\n url 'https://x/", 2, "a string is not closed"),
            (
                "maven {\n url \"https://x/\n\"",
                2,
                "a string is not closed",
            ),
            ("a {\n /* x", 2, "a comment is not closed"),
            (
                "a {\n b }\n}",
                3,
                "a closing bracket without an opening one",
            ),
            ("a (\n b }", 2, "brackets do not match"),
            ("a {\n maven {", 2, "a bracket is not closed"),
            ("x = '''never\nclosed", 1, "a string is not closed"),
        ] {
            assert_eq!(scan(text), Err((line, why)), "{text:?}");
        }
        let deep = "a { ".repeat(10_000);
        assert_eq!(scan(&deep), Err((1, "nested too deeply; not read")));
        let huge = "maven { url 'https://x.example/' }\n".repeat(30_000);
        assert_eq!(scan(&huge).unwrap().len(), 30_000);
    }

    #[test]
    fn odd_quoting_is_not_a_url() {
        assert_eq!(
            urls("maven { url \"\"\"https://x.example/\"\"\" }").len(),
            1
        );
        assert!(urls("maven { url 'https://x.example/\\u0041' }").is_empty());
        assert!(urls("maven { url 'https://a' + 'b' }").is_empty());
        assert!(urls("maven { url 'https://a'.trim() }").is_empty());
        assert!(urls("x.url 'https://x.example/'").is_empty());
        assert!(urls("maven { credentials { url 'https://x.example/' } }").is_empty());
    }

    fn find(home: &Path, cwd: &str) -> Found {
        let h = home.display().to_string();
        let env = Env::from_pairs(&[("HOME", h.as_str())], Some(home.join(cwd)));
        std::fs::create_dir_all(home.join(cwd)).unwrap();
        let mut found = Found::default();
        discover(&env, &home.join(cwd), &mut found);
        found
    }

    #[test]
    fn the_builds_root_and_the_subproject() {
        let home = tempfile::tempdir().unwrap();
        let h = home.path();
        write(
            h,
            "p/settings.gradle.kts",
            b"pluginManagement {\n repositories { maven(\"https://plugins.example/\") }\n}\n",
        );
        write(
            h,
            "p/build.gradle",
            b"repositories { maven { url 'https://root.example/' } }\n",
        );
        write(h, "p/sub/build.gradle.kts", b"publishing { repositories { maven { name = \"corp\"; url = uri(\"https://pub.example/\") } } }\n");
        let found = find(h, "p/sub/src");
        // From a directory below the subproject: only the root's files.
        let urls: Vec<&str> = found.entries.iter().map(|e| e.url.as_str()).collect();
        assert_eq!(urls, ["https://plugins.example/", "https://root.example/"]);
        let found = find(h, "p/sub");
        let got: Vec<(String, Role, Option<String>, usize)> = found
            .entries
            .iter()
            .map(|e| {
                assert_eq!((e.tool, e.origin), (Tool::Gradle, Origin::Project));
                let file = e
                    .file
                    .strip_prefix(h)
                    .unwrap_or(&e.file)
                    .display()
                    .to_string();
                (file, e.role, e.name.clone(), e.line)
            })
            .collect();
        assert_eq!(
            got,
            [
                ("p/settings.gradle.kts".into(), Role::Index, None, 2),
                ("p/build.gradle".into(), Role::Index, None, 1),
                (
                    "p/sub/build.gradle.kts".into(),
                    Role::Publish,
                    Some("corp".into()),
                    1
                ),
            ]
        );
        // No settings file: the working directory's build script alone.
        write(
            h,
            "q/build.gradle",
            b"repositories { maven { url 'https://q.example/' } }\n",
        );
        assert_eq!(find(h, "q").entries.len(), 1);
        assert_eq!(find(h, "q/x").entries.len(), 0);
    }

    #[test]
    fn hostile_files_are_one_problem_each() {
        let huge = "// x\n".repeat(300_000);
        for (text, want) in [
            (huge.as_bytes(), "build.gradle: larger than 1 MiB; not read"),
            (
                b"maven {\n url 'SECRET\xff' }".as_slice(),
                "build.gradle:2: not valid UTF-8; not read",
            ),
            (
                b"maven {\n url \"SECRET }".as_slice(),
                "build.gradle:2: a string is not closed",
            ),
            (
                b"a { b { c }\n".as_slice(),
                "build.gradle:1: a bracket is not closed",
            ),
        ] {
            let home = tempfile::tempdir().unwrap();
            let h = home.path();
            write(h, "p/build.gradle", text);
            let found = find(h, "p");
            let shown: Vec<String> = found
                .problems
                .iter()
                .map(|p| p.to_string().replace(&format!("{}/p/", h.display()), ""))
                .collect();
            assert_eq!(shown, [want]);
            assert!(found.entries.is_empty());
        }
    }
}
