//! A small YAML tree for the few keys ca-env reads from `.yarnrc.yml`: mappings, sequences and
//! scalars, each with its line. Built from saphyr-parser's events (no recursion in the
//! parser), bounded in nesting and in nodes, so a hostile file costs at most its size (which
//! [`super::files`] caps) and ends as one problem naming a line, never quoting the content.
//! Anchors, aliases and tags are not followed: an alias reads as nothing.

use saphyr_parser::{Event, Parser};

/// The deepest nesting read; Yarn's own settings nest three levels.
pub const MAX_DEPTH: usize = 64;

/// The most nodes read from one file.
pub const MAX_NODES: usize = 100_000;

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Scalar(String),
    Seq(Vec<Node>),
    /// Keys in file order (a later duplicate wins in [`Value::get`], as Yarn's parser keeps it).
    Map(Vec<(String, Node)>),
    /// An alias or anything else not read.
    Other,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub value: Value,
    /// 1-based.
    pub line: usize,
}

impl Node {
    /// The value of `key` when this is a mapping.
    pub fn get(&self, key: &str) -> Option<&Node> {
        match &self.value {
            Value::Map(entries) => entries.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Scalar(s) => Some(s),
            _ => None,
        }
    }

    pub fn entries(&self) -> &[(String, Node)] {
        match &self.value {
            Value::Map(entries) => entries,
            _ => &[],
        }
    }

    pub fn is_map(&self) -> bool {
        matches!(self.value, Value::Map(_))
    }
}

/// Why a file was not read: the line, and what is wrong.
#[derive(Debug, PartialEq, Eq)]
pub struct Invalid {
    pub line: usize,
    pub reason: &'static str,
}

/// One container being filled.
enum Open {
    Seq(Vec<Node>, usize),
    /// Entries so far, a key waiting for its value, and the mapping's line.
    Map(Vec<(String, Node)>, Option<String>, usize),
}

/// The first document of `text`; an empty file is an empty mapping.
pub fn parse(text: &str) -> Result<Node, Invalid> {
    let mut parser = Parser::new_from_str(text);
    let mut stack: Vec<Open> = Vec::new();
    let mut nodes = 0usize;
    let invalid = |line: usize, reason| Invalid { line, reason };
    loop {
        let (event, span) = match parser.next_event() {
            Some(Ok(e)) => e,
            Some(Err(e)) => return Err(invalid(e.marker().line().max(1), "not valid YAML")),
            None => return Ok(empty()),
        };
        let line = span.start.line().max(1);
        let node = match event {
            Event::StreamEnd => return Ok(empty()),
            Event::Nothing | Event::StreamStart | Event::DocumentStart(_) | Event::DocumentEnd => {
                continue
            }
            Event::SequenceStart(..) | Event::MappingStart(..) => {
                if stack.len() >= MAX_DEPTH {
                    return Err(invalid(line, "nested too deeply"));
                }
                stack.push(match event {
                    Event::SequenceStart(..) => Open::Seq(Vec::new(), line),
                    _ => Open::Map(Vec::new(), None, line),
                });
                continue;
            }
            Event::SequenceEnd | Event::MappingEnd => match stack.pop() {
                Some(Open::Seq(items, l)) => Node {
                    value: Value::Seq(items),
                    line: l,
                },
                Some(Open::Map(entries, _, l)) => Node {
                    value: Value::Map(entries),
                    line: l,
                },
                None => return Err(invalid(line, "not valid YAML")),
            },
            Event::Scalar(s, ..) => Node {
                value: Value::Scalar(s.into_owned()),
                line,
            },
            Event::Alias(_) => Node {
                value: Value::Other,
                line,
            },
        };
        nodes += 1;
        if nodes > MAX_NODES {
            return Err(invalid(line, "too many values"));
        }
        match stack.last_mut() {
            None => return Ok(node),
            Some(Open::Seq(items, _)) => items.push(node),
            Some(Open::Map(entries, key, _)) => match key.take() {
                Some(k) => entries.push((k, node)),
                None => match node.value {
                    Value::Scalar(k) => *key = Some(k),
                    // A mapping or sequence as a key: nothing Yarn reads.
                    _ => *key = Some(String::new()),
                },
            },
        }
    }
}

fn empty() -> Node {
    Node {
        value: Value::Map(Vec::new()),
        line: 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mappings_with_lines() {
        let doc = parse(
            "npmRegistryServer: \"https://a/\"\nnpmScopes:\n  corp:\n    npmRegistryServer: https://b/\n",
        )
        .unwrap();
        let server = doc.get("npmRegistryServer").unwrap();
        assert_eq!((server.as_str(), server.line), (Some("https://a/"), 1));
        let b = doc
            .get("npmScopes")
            .and_then(|s| s.get("corp"))
            .and_then(|c| c.get("npmRegistryServer"))
            .unwrap();
        assert_eq!((b.as_str(), b.line), (Some("https://b/"), 4));
        assert_eq!(parse("").unwrap(), empty());
        assert_eq!(parse("# only a comment\n").unwrap(), empty());
    }

    #[test]
    fn hostile_input_is_one_error_with_a_line() {
        assert_eq!(
            parse("a: [1, 2\nb: c").unwrap_err().reason,
            "not valid YAML"
        );
        // The scanner refuses deep flow nesting itself; block nesting stops here.
        assert!(parse(&"[".repeat(100_000)).is_err());
        let deep = "- ".repeat(10_000);
        assert_eq!(parse(&deep).unwrap_err().reason, "nested too deeply");
        let deep_maps: String = (0..200)
            .map(|i| format!("{}k:\n", "  ".repeat(i)))
            .collect();
        assert!(parse(&deep_maps).is_err());
        let many = "[".to_string() + &"1,".repeat(MAX_NODES + 1) + "]";
        assert_eq!(parse(&many).unwrap_err().reason, "too many values");
        let aliases = "a: &x [1]\nb: *x\n";
        assert_eq!(
            parse(aliases).unwrap().get("b").unwrap().value,
            Value::Other
        );
    }
}
