//! The token as a type that cannot be printed by accident: Debug and Display redact it, and the
//! only way to the text is `expose`, which the few places that hand it on call by name.

use std::fmt;

/// Longest token accepted. Real ones are about 800 characters; Windows Credential Manager holds
/// at most 2560 bytes, which an entry of this size still fits.
pub const MAX_LEN: usize = 2048;

#[derive(Clone, PartialEq, Eq)]
pub struct Token(String);

impl Token {
    /// A token when `text` looks like one: 1 to MAX_LEN characters of the base64url/JWT
    /// alphabet. Anything else (a truncated entry, an HTML error page, a foreign value) is
    /// refused so it is never exported.
    pub fn new(text: String) -> Option<Token> {
        let ok = !text.is_empty()
            && text.len() <= MAX_LEN
            && text
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"._-~+/=".contains(&b));
        ok.then_some(Token(text))
    }

    /// The secret itself, for the store, the child's environment, or `ca-env token`'s stdout.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token(<redacted>)")
    }
}

impl fmt::Display for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl Drop for Token {
    /// Overwrites the text before the memory is freed, so it does not linger in the heap.
    fn drop(&mut self) {
        // SAFETY: zero bytes are valid UTF-8; the writes are volatile so they are not elided.
        for b in unsafe { self.0.as_bytes_mut() } {
            unsafe { std::ptr::write_volatile(b, 0) };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_redact() {
        let t = Token::new("eyJzZWNyZXQ.abc-_".into()).unwrap();
        assert_eq!(format!("{t}"), "<redacted>");
        assert_eq!(format!("{t:?}"), "Token(<redacted>)");
        assert_eq!(format!("{:?}", Some(&t)), "Some(Token(<redacted>))");
        assert_eq!(t.expose(), "eyJzZWNyZXQ.abc-_");
    }

    #[test]
    fn refuses_what_is_not_a_token() {
        for bad in ["", "a b", "tok\n", "<html>", "x\u{7f}", "é"] {
            assert!(Token::new(bad.into()).is_none(), "{bad:?}");
        }
        assert!(Token::new("a".repeat(MAX_LEN + 1)).is_none());
        assert!(Token::new("a".repeat(MAX_LEN)).is_some());
    }
}
