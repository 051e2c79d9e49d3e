//! Quoting a value so the shell reads back exactly its bytes.

/// POSIX single quotes, for bash and zsh: nothing is special inside them but `'` itself, which
/// ends the quote, is escaped outside, and starts a new one (`'\''`). zsh's RC_QUOTES (`''`
/// inside quotes) never applies, since no two quotes ever meet.
pub fn posix(s: &str) -> String {
    let escaped = shell_escape::unix::escape(s.into());
    // shell-escape leaves a plain word bare; quoting every value keeps the output uniform
    // (and a lone `~` or `=word` literal in zsh).
    if escaped.starts_with('\'') {
        escaped.into_owned()
    } else {
        format!("'{escaped}'")
    }
}

/// fish single quotes: unlike POSIX, `\'` and `\\` are escapes inside them, so both are
/// escaped and everything else (newlines, `$`, `(`) is literal.
pub fn fish(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('\'');
    for c in s.chars() {
        if c == '\\' || c == '\'' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('\'');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn posix_quotes_everything_literal() {
        let cases = [
            ("", "''"),
            ("plain", "'plain'"),
            ("a b", "'a b'"),
            ("it's", r"'it'\''s'"),
            ("$(touch x)", "'$(touch x)'"),
            ("back\\slash\\", "'back\\slash\\'"),
            ("new\nline", "'new\nline'"),
            ("~", "'~'"),
            ("é", "'é'"),
        ];
        for (input, want) in cases {
            assert_eq!(posix(input), want, "{input:?}");
        }
    }

    #[test]
    fn fish_escapes_backslash_and_quote_only() {
        let cases = [
            ("", "''"),
            ("plain", "'plain'"),
            ("it's", r"'it\'s'"),
            ("a\\b", r"'a\\b'"),
            ("trailing\\", r"'trailing\\'"),
            ("$(touch x) (y)", "'$(touch x) (y)'"),
            ("new\nline", "'new\nline'"),
        ];
        for (input, want) in cases {
            assert_eq!(fish(input), want, "{input:?}");
        }
    }
}
