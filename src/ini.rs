//! A reader for the INI dialect of Python's `configparser`, as pip (`pip.conf`) and
//! keyrings.codeartifact (`keyringrc.cfg`) read it: `[section]` headers, `key = value` or
//! `key: value` (keys lower-cased), indented continuation lines, `#`/`;` comment lines, and
//! inline comments only after white space. Every value keeps its line for error messages.

#[derive(Debug, Default, PartialEq, Eq)]
pub struct Section {
    pub name: String,
    pub line: usize,
    /// (key, value, line), in file order.
    pub entries: Vec<(String, String, usize)>,
}

impl Section {
    /// The last value given for `key` (configparser keeps the last one).
    pub fn get(&self, key: &str) -> Option<String> {
        self.entries
            .iter()
            .rev()
            .find(|(k, _, _)| k == key)
            .map(|(_, v, _)| v.clone())
    }

    pub fn line_of(&self, key: &str) -> Option<usize> {
        self.entries
            .iter()
            .rev()
            .find(|(k, _, _)| k == key)
            .map(|(_, _, l)| *l)
    }
}

/// Parses `text`; lines that fit no rule are skipped (configparser would refuse the file, but
/// a reader that only looks for index URLs loses nothing by going on).
pub fn parse(text: &str) -> Vec<Section> {
    let mut sections: Vec<Section> = Vec::new();
    let mut in_value = false;
    for (i, raw) in text.lines().enumerate() {
        let line_no = i + 1;
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            in_value = false;
            continue;
        }
        if trimmed.starts_with('#') || trimmed.starts_with(';') {
            continue;
        }
        let indented = raw.starts_with([' ', '\t']);
        if indented && in_value {
            if let Some((_, value, _)) = sections.last_mut().and_then(|s| s.entries.last_mut()) {
                value.push('\n');
                value.push_str(strip_inline_comment(trimmed));
            }
            continue;
        }
        if let Some(name) = trimmed.strip_prefix('[').and_then(|t| t.strip_suffix(']')) {
            sections.push(Section {
                name: name.to_string(),
                line: line_no,
                entries: Vec::new(),
            });
            in_value = false;
            continue;
        }
        let Some(section) = sections.last_mut() else {
            continue;
        };
        let split = trimmed.find(['=', ':']);
        let Some(at) = split else {
            in_value = false;
            continue;
        };
        let key = trimmed[..at].trim().to_lowercase();
        let value = strip_inline_comment(trimmed[at + 1..].trim()).to_string();
        section.entries.push((key, value, line_no));
        in_value = true;
    }
    sections
}

fn strip_inline_comment(value: &str) -> &str {
    let bytes = value.as_bytes();
    for i in 1..bytes.len() {
        if matches!(bytes[i], b'#' | b';') && bytes[i - 1].is_ascii_whitespace() {
            return value[..i].trim_end();
        }
    }
    value
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sections_keys_continuations_and_comments() {
        let text = "\
# comment
[global]
index-url = https://a/simple/
Extra-Index-URL:
    https://b/simple/
    https://c/simple/  # trailing
; another comment

[codeartifact domain=corp]
profile_name=dev ; inline
";
        let s = parse(text);
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].name, "global");
        assert_eq!(s[0].get("index-url").as_deref(), Some("https://a/simple/"));
        assert_eq!(
            s[0].get("extra-index-url").as_deref(),
            Some("\nhttps://b/simple/\nhttps://c/simple/")
        );
        assert_eq!(s[0].line_of("extra-index-url"), Some(4));
        assert_eq!(s[1].name, "codeartifact domain=corp");
        assert_eq!(s[1].get("profile_name").as_deref(), Some("dev"));
    }

    #[test]
    fn keys_before_any_section_and_junk_lines_are_skipped() {
        let s = parse("stray = 1\n[a]\njunk line\nk=v\n");
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].entries, vec![("k".into(), "v".into(), 4)]);
    }
}
