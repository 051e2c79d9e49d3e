//! The netrc file `NETRC` points at for requirements files that name their own index (pip
//! takes credentials for such an index from netrc only). `NETRC` names one file, so pointing it
//! at one holding only ca-env's hosts would hide the user's own netrc (their other hosts would
//! get no credentials): the file holds ca-env's entries first, then every entry of the user's
//! netrc except those for ca-env's hosts.
//!
//! Readers differ: Python's `netrc` module (pip, requests) keeps the last entry for a host and
//! refuses the whole file on a token it does not know; curl takes the first entry matching a
//! host, `default` included, and compares host names ignoring case. So the user's entries for
//! ca-env's hosts are dropped (not merely outranked), ca-env's come before any `default`, and
//! the user's part is kept only when it parses as Python's module parses it.

use std::path::PathBuf;

use super::generated::{finish, Kind, Written};
use crate::env::Env;
use crate::secret::Secret;
use crate::sources::Source;

const NETRC_FILE: Kind = Kind {
    extension: "netrc",
    what: "the netrc file",
    left_out: "its entries are not in the netrc file ca-env gives pip",
};

/// A token netrc readers take as one word: Python's netrc splits on white space and treats
/// quotes, `\` and `#` specially.
pub fn safe(token: &Secret) -> bool {
    token.expose().bytes().all(|b| {
        b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'=' | b'+' | b'/')
    })
}

/// Writes (when something changed) the netrc file for the sources that list `NETRC` into the
/// first of [`dirs`] that takes it, and returns its path. One file per set of hosts and user
/// netrc, so its name stays the same when the tokens in it are renewed. The error names the
/// directory that could not be written.
pub fn write(with_tokens: &[(&Source, &Secret)], env: &Env) -> Result<Written, String> {
    use sha2::{Digest, Sha256};
    let mut hosts: Vec<String> = Vec::new();
    let mut text = String::new();
    let mut name = Sha256::new();
    for (source, token) in with_tokens {
        if !source.vars.iter().any(|v| v.name == "NETRC") || !safe(token) {
            continue;
        }
        let host = source.url.host();
        let host = host.split(':').next().unwrap_or_default().to_string();
        if hosts.contains(&host) {
            continue;
        }
        name.update(host.as_bytes());
        name.update([0]);
        text.push_str(&format!(
            "machine {host} login {} password {}\n",
            source.url.repository.user_name(),
            token.expose()
        ));
        hosts.push(host);
    }
    if hosts.is_empty() {
        return Ok(Written::default());
    }
    let dirs = crate::state::generated_dirs(env);
    if dirs.is_empty() {
        return Ok(Written::default());
    }
    let user = user_file(env, &dirs);
    let keep = |t: &str| without_hosts(t, &hosts);
    finish(&dirs, name, text, user, keep, &NETRC_FILE)
}

/// The netrc the user's tools read: `NETRC` (as requests reads it, `~` expanded), else
/// `~/.netrc`. A `NETRC` pointing into ca-env's own directories is ca-env's, not the user's.
fn user_file(env: &Env, ours: &[PathBuf]) -> Option<PathBuf> {
    let named = env
        .var(crate::tools::registry::NETRC)
        .filter(|v| !v.is_empty())
        .and_then(|v| {
            let path = match v.strip_prefix("~/") {
                Some(rest) => env.home()?.join(rest),
                None => PathBuf::from(&v),
            };
            match env.cwd() {
                Some(cwd) if path.is_relative() => Some(cwd.join(path)),
                _ => Some(path),
            }
        });
    match named {
        Some(p) if !ours.iter().any(|d| p.starts_with(d)) => Some(p),
        _ => env.home().map(|h| h.join(".netrc")),
    }
}

/// `text` without its `machine` entries for `hosts` (compared ignoring case, as curl does),
/// or why Python's netrc module would refuse it.
fn without_hosts(text: &str, hosts: &[String]) -> Result<String, String> {
    let entries = parse(text)?;
    let mut kept = String::new();
    let mut from = 0;
    for e in entries {
        if e.machine
            .as_deref()
            .is_some_and(|m| hosts.iter().any(|h| h.eq_ignore_ascii_case(m)))
        {
            kept.push_str(&text[from..e.start]);
            from = e.end;
        }
    }
    kept.push_str(&text[from..]);
    // What is left must still read as it did, without the dropped hosts.
    match parse(&kept) {
        Ok(left)
            if !left.iter().any(|e| {
                e.machine
                    .as_deref()
                    .is_some_and(|m| hosts.iter().any(|h| h.eq_ignore_ascii_case(m)))
            }) =>
        {
            Ok(kept)
        }
        _ => Err("its entries for ca-env's hosts cannot be taken out".into()),
    }
}

/// One `machine` or `default` entry: where it starts and ends in the text.
#[derive(Debug)]
struct Entry {
    machine: Option<String>,
    start: usize,
    end: usize,
}

/// Python's `netrc._netrclex` (3.11 to 3.13), with byte offsets: white space separates tokens,
/// `"` quotes, `\` escapes the next character; `lineno` counts the newlines read by
/// characters only (Python's comment rules depend on it).
struct Lex<'a> {
    s: &'a [u8],
    pos: usize,
    lineno: usize,
    pushback: Option<(usize, String)>,
}

impl Lex<'_> {
    fn char(&mut self) -> Option<u8> {
        let c = *self.s.get(self.pos)?;
        self.pos += 1;
        if c == b'\n' {
            self.lineno += 1;
        }
        Some(c)
    }

    /// The next token and the offset where it starts; an empty token at the end.
    fn token(&mut self) -> (usize, String) {
        if let Some(t) = self.pushback.take() {
            return t;
        }
        let mut token = Vec::new();
        let start;
        loop {
            let Some(c) = self.char() else {
                return (self.pos, String::new());
            };
            if matches!(c, b'\n' | b'\t' | b'\r' | b' ') {
                continue;
            }
            start = self.pos - 1;
            if c == b'"' {
                while let Some(c) = self.char() {
                    match c {
                        b'"' => break,
                        b'\\' => token.extend(self.char()),
                        c => token.push(c),
                    }
                }
            } else {
                let c = if c == b'\\' { self.char() } else { Some(c) };
                token.extend(c);
                while let Some(c) = self.char() {
                    match c {
                        b'\n' | b'\t' | b'\r' | b' ' => break,
                        b'\\' => token.extend(self.char()),
                        c => token.push(c),
                    }
                }
            }
            break;
        }
        (start, String::from_utf8_lossy(&token).into_owned())
    }

    /// The rest of the current line, its newline included (`readline`).
    fn line(&mut self) -> &[u8] {
        let from = self.pos;
        let end = self.s[from..]
            .iter()
            .position(|&c| c == b'\n')
            .map_or(self.s.len(), |i| from + i + 1);
        self.pos = end;
        &self.s[from..end]
    }

    fn line_of(&self, at: usize) -> usize {
        1 + self.s[..at.min(self.s.len())]
            .iter()
            .filter(|&&c| c == b'\n')
            .count()
    }
}

/// The entries of a netrc as Python's `netrc._parse` reads it, or the line it refuses.
fn parse(text: &str) -> Result<Vec<Entry>, String> {
    let mut lex = Lex {
        s: text.as_bytes(),
        pos: 0,
        lineno: 1,
        pushback: None,
    };
    let bad = |lex: &Lex, at: usize, what: &str| format!("line {}: {what}", lex.line_of(at));
    let mut entries = Vec::new();
    loop {
        let saved = lex.lineno;
        let (start, tt) = lex.token();
        if tt.is_empty() {
            break;
        }
        let machine = match tt.as_str() {
            t if t.starts_with('#') => {
                if lex.lineno == saved && t.len() == 1 {
                    lex.line();
                }
                continue;
            }
            "machine" => {
                let (at, name) = lex.token();
                if name.is_empty() {
                    return Err(bad(&lex, at, "a machine without a name"));
                }
                Some(name)
            }
            "default" => None,
            "macdef" => {
                let (at, name) = lex.token();
                if name.is_empty() {
                    return Err(bad(&lex, at, "a macdef without a name"));
                }
                loop {
                    let line = lex.line();
                    if line.is_empty() {
                        return Err(bad(
                            &lex,
                            start,
                            "a macdef without the empty line that ends it",
                        ));
                    }
                    if line == b"\n" {
                        break;
                    }
                }
                continue;
            }
            _ => return Err(bad(&lex, start, "a word netrc readers do not know")),
        };
        let end = loop {
            let prev = lex.lineno;
            let (at, tt) = lex.token();
            if tt.starts_with('#') {
                if lex.lineno == prev {
                    lex.line();
                }
                continue;
            }
            match tt.as_str() {
                "" | "machine" | "default" | "macdef" => {
                    let end = if tt.is_empty() { text.len() } else { at };
                    lex.pushback = Some((at, tt));
                    break end;
                }
                "login" | "user" | "account" | "password" => {
                    lex.token();
                }
                _ => return Err(bad(&lex, at, "a word netrc readers do not know")),
            }
        };
        entries.push(Entry {
            machine,
            start,
            end,
        });
    }
    Ok(entries)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hosts(list: &[&str]) -> Vec<String> {
        list.iter().map(|h| h.to_string()).collect()
    }

    #[test]
    fn entries_for_our_hosts_are_dropped_and_the_rest_kept_verbatim() {
        let ca = hosts(&["ca.example"]);
        #[rustfmt::skip]
        let cases: &[(&str, &str)] = &[
            ("", ""),
            ("machine git.corp.example login me password mypw\n",
             "machine git.corp.example login me password mypw\n"),
            ("machine CA.example login old password x\nmachine git login me password p\n",
             "machine git login me password p\n"),
            ("# mine\nmachine git login me\n  password p\nmachine ca.example login a password b\n",
             "# mine\nmachine git login me\n  password p\n"),
            ("machine ca.example login a password \"machine b\"\ndefault login anon password x\n",
             "default login anon password x\n"),
            ("macdef init\nmachine ca.example\n\nmachine ca.example login a password b\n",
             "macdef init\nmachine ca.example\n\n"),
            ("machine a login x password y\n# machine ca.example\n",
             "machine a login x password y\n# machine ca.example\n"),
        ];
        for (text, want) in cases {
            assert_eq!(without_hosts(text, &ca).as_deref(), Ok(*want), "{text:?}");
        }
    }

    #[test]
    fn files_python_refuses_are_refused() {
        let ca = hosts(&["ca.example"]);
        for text in [
            "machine a login x port 22\n",
            "hello\n",
            "macdef init\necho hi\n",
            "machine\n",
            "machine a password x\n\n#comment words\n",
        ] {
            assert!(without_hosts(text, &ca).is_err(), "{text:?}");
        }
    }
}
