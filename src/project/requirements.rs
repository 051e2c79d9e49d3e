//! Requirements files: `requirements*.txt` and pip-tools' `requirements*.in` in the root and
//! the same under `requirements/`, following
//! `-r`/`-c` includes that stay inside the project (loops are reported, URLs never fetched),
//! and reading `--index-url`/`-i` and `--extra-index-url` the way pip does: option lines only,
//! `\` continuations, `#` comments. Variables are never expanded.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use super::{Collector, Entry, Form, Role, Tool};

/// Deeper include chains than this are reported rather than followed.
const MAX_DEPTH: usize = 32;

/// Requirements files read at most (listed and included): each is watched by the hook and
/// named in its state, which must stay small enough for the shell to start commands.
const MAX_FILES: usize = 64;

pub fn read(c: &mut Collector) {
    let mut files = list(c.fs.root(), "", |n| {
        n.starts_with("requirements") && is_requirements(n)
    });
    if c.fs.is_dir(Path::new("requirements")) {
        files.extend(list(
            &c.fs.root().join("requirements"),
            "requirements",
            is_requirements,
        ));
    }
    let mut done = HashSet::new();
    for rel in files {
        read_file(c, &rel, &mut Vec::new(), &mut done, None);
    }
}

/// A requirements file's name: pip's `.txt`, or pip-tools' `.in`, which pip-compile reads
/// index options from as pip does.
pub fn is_requirements(name: &str) -> bool {
    name.ends_with(".txt") || name.ends_with(".in")
}

/// Said once: the first file past the limit marks `done` with an empty path.
fn too_many() -> String {
    format!("more than {MAX_FILES} requirements files; the rest not read")
}

/// The names in `dir` that `keep` accepts, sorted, as paths under `prefix`.
fn list(dir: &Path, prefix: &str, keep: impl Fn(&str) -> bool) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut names: Vec<String> = entries
        .flatten()
        .filter_map(|e| e.file_name().to_str().map(str::to_string))
        .filter(|n| keep(n))
        .collect();
    names.sort();
    names
        .into_iter()
        .map(|n| Path::new(prefix).join(n))
        .collect()
}

/// Reads one file; `from` is the including file and line.
fn read_file(
    c: &mut Collector,
    rel: &Path,
    stack: &mut Vec<PathBuf>,
    done: &mut HashSet<PathBuf>,
    from: Option<(&Path, usize)>,
) {
    let report = |c: &mut Collector, reason: &str| match from {
        Some((file, line)) => c.problem(file, Some(line), format!("include: {reason}")),
        None => c.problem(rel, None, reason),
    };
    if done.len() >= MAX_FILES {
        if done.insert(PathBuf::new()) {
            report(c, &too_many());
        }
        return;
    }
    c.saw(rel);
    let real = match c.fs.resolve(rel) {
        Ok(Some(real)) => real,
        Ok(None) => return report(c, "file not found"),
        Err(e) => return report(c, &e.reason),
    };
    if stack.contains(&real) {
        return report(c, "an include loop; not followed");
    }
    if stack.len() >= MAX_DEPTH {
        return report(c, "includes nested too deep; not followed");
    }
    if !done.insert(real.clone()) {
        return;
    }
    let rel = c.fs.relative(&real);
    let text = match c.fs.read_resolved(&real) {
        Ok(text) => text,
        Err(e) => return c.problem(&rel, e.line, e.reason),
    };
    stack.push(real);
    for (line, words) in option_lines(&text) {
        let mut words = words.into_iter();
        while let Some(word) = words.next() {
            let Some((option, inline)) = split_option(&word) else {
                continue;
            };
            let value = match inline {
                Some(v) => v,
                None => match words.next() {
                    Some(v) => v,
                    None => break,
                },
            };
            match option {
                Opt::Index | Opt::Extra => {
                    let role = if option == Opt::Index {
                        Role::Index
                    } else {
                        Role::Extra
                    };
                    let entry = Entry::new(
                        Tool::Pip,
                        Form::Requirements,
                        role,
                        None,
                        &value,
                        &rel,
                        line,
                    );
                    c.add(entry);
                }
                // Includes by URL are never fetched.
                Opt::Include if value.contains("://") => {}
                Opt::Include => {
                    let target = rel.parent().unwrap_or(Path::new("")).join(&value);
                    read_file(c, &target, stack, done, Some((&rel, line)));
                }
            }
        }
    }
    stack.pop();
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Opt {
    Index,
    Extra,
    Include,
}

/// Recognises `-i URL`, `-iURL`, `--index-url URL`, `--index-url=URL`, and the same for
/// `--extra-index-url`, `-r`/`--requirement`, `-c`/`--constraint`: the option, and its value
/// when it is in the same word.
fn split_option(word: &str) -> Option<(Opt, Option<String>)> {
    const LONG: &[(&str, Opt)] = &[
        ("--index-url", Opt::Index),
        ("--extra-index-url", Opt::Extra),
        ("--requirement", Opt::Include),
        ("--constraint", Opt::Include),
    ];
    const SHORT: &[(&str, Opt)] = &[
        ("-i", Opt::Index),
        ("-r", Opt::Include),
        ("-c", Opt::Include),
    ];
    for (name, opt) in LONG {
        if word == *name {
            return Some((*opt, None));
        }
        if let Some(v) = word.strip_prefix(name).and_then(|r| r.strip_prefix('=')) {
            return Some((*opt, Some(v.to_string())));
        }
    }
    for (name, opt) in SHORT {
        if let Some(rest) = word.strip_prefix(name) {
            if !word.starts_with("--") {
                return Some((*opt, (!rest.is_empty()).then(|| rest.to_string())));
            }
        }
    }
    None
}

/// The logical lines that hold options (pip allows index options only on lines of their own),
/// split into words, with the line each starts on. Continuations (`\` at the end) are joined
/// and comments (`#` at the start or after white space) removed, as pip does.
fn option_lines(text: &str) -> Vec<(usize, Vec<String>)> {
    let mut out = Vec::new();
    let mut joined = String::new();
    let mut start = 0;
    for (i, raw) in text.lines().enumerate() {
        if joined.is_empty() {
            start = i + 1;
        }
        if let Some(body) = raw.strip_suffix('\\') {
            joined.push_str(body);
            continue;
        }
        joined.push_str(raw);
        let line = strip_comment(&joined).trim();
        if line.starts_with('-') {
            out.push((start, line.split_whitespace().map(str::to_string).collect()));
        }
        joined.clear();
    }
    out
}

fn strip_comment(line: &str) -> &str {
    let bytes = line.as_bytes();
    for (i, b) in bytes.iter().enumerate() {
        if *b == b'#' && (i == 0 || bytes[i - 1].is_ascii_whitespace()) {
            return &line[..i];
        }
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_in_every_spelling() {
        let text = "\
# comment
-i https://a/simple/
--index-url=https://b/simple/
--extra-index-url https://c/simple/ # trailing
-ihttps://d/simple/
requests==2.0 --hash=sha256:abc
--extra-index-url \\
    https://e/simple/
-r other.txt
";
        let lines = option_lines(text);
        let found: Vec<_> = lines
            .iter()
            .flat_map(|(line, words)| {
                let mut out = Vec::new();
                let mut it = words.iter();
                while let Some(w) = it.next() {
                    if let Some((opt, v)) = split_option(w) {
                        let v = v.or_else(|| it.next().cloned()).unwrap();
                        out.push((*line, opt == Opt::Extra, opt == Opt::Include, v));
                    }
                }
                out
            })
            .collect();
        assert_eq!(
            found,
            vec![
                (2, false, false, "https://a/simple/".to_string()),
                (3, false, false, "https://b/simple/".to_string()),
                (4, true, false, "https://c/simple/".to_string()),
                (5, false, false, "https://d/simple/".to_string()),
                (7, true, false, "https://e/simple/".to_string()),
                (9, false, true, "other.txt".to_string()),
            ]
        );
    }

    #[test]
    fn a_hash_inside_a_word_is_not_a_comment() {
        assert_eq!(strip_comment("-i https://a/#x # c"), "-i https://a/#x ");
    }
}
