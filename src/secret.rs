//! Secrets as a type that cannot be printed by accident: tokens, and the variable values that
//! carry them (a password, a URL with the token in it). Debug and Display redact, the memory is
//! wiped when dropped, and the only way to the text is `expose`, which the few places that hand
//! it on (the renderer, a child's environment, the store, `ca-env token`'s stdout) call by name.

use std::fmt;

/// Longest token accepted. Real ones are about 800 characters; Windows Credential Manager holds
/// at most 2560 bytes, which an entry of this size still fits.
pub const MAX_LEN: usize = 2048;

#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// A token, when `text` could be one: 1 to MAX_LEN visible ASCII characters (real ones are
    /// base64url with `.`; anything visible is let through, and whoever puts a token in a URL
    /// percent-encodes it). White space, control characters and non-ASCII text (an error page,
    /// a foreign value) are refused so they are never exported.
    pub fn token(text: String) -> Option<Secret> {
        let ok =
            !text.is_empty() && text.len() <= MAX_LEN && text.bytes().all(|b| b.is_ascii_graphic());
        ok.then_some(Secret(text))
    }

    /// Any text, as secret: a variable's value built from a token, or the user's own value.
    pub fn plain(text: impl Into<String>) -> Secret {
        Secret(text.into())
    }

    /// The secret itself.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl Drop for Secret {
    fn drop(&mut self) {
        wipe(&mut self.0);
    }
}

/// Overwrites a secret's text before its memory is freed, so it does not linger in the heap.
pub fn wipe(text: &mut str) {
    // SAFETY: zero bytes are valid UTF-8.
    wipe_bytes(unsafe { text.as_bytes_mut() });
}

/// Overwrites bytes that held a secret (a buffer read from a keyring, say).
pub fn wipe_bytes(bytes: &mut [u8]) {
    for b in bytes {
        // SAFETY: a plain write to a byte we borrow; volatile so it is not elided.
        unsafe { std::ptr::write_volatile(b, 0) };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_redact() {
        let t = Secret::token("eyJzZWNyZXQ.abc-_".into()).unwrap();
        assert_eq!(format!("{t}"), "<redacted>");
        assert_eq!(format!("{t:?}"), "Secret(<redacted>)");
        assert_eq!(format!("{:?}", Some(&t)), "Some(Secret(<redacted>))");
        assert_eq!(
            format!("{:?}", Secret::plain("https://aws:tok@h/")),
            "Secret(<redacted>)"
        );
        assert_eq!(t.expose(), "eyJzZWNyZXQ.abc-_");
    }

    #[test]
    fn refuses_what_is_not_a_token() {
        for bad in ["", "a b", "tok\n", "<html> <body>", "x\u{7f}", "é", "\ttok"] {
            assert!(Secret::token(bad.into()).is_none(), "{bad:?}");
        }
        assert!(Secret::token("a".repeat(MAX_LEN + 1)).is_none());
        assert!(Secret::token("a".repeat(MAX_LEN)).is_some());
    }
}
