//! Small helpers for text the readers of files share.

/// The 1-based line holding byte `offset`.
pub fn line_of(bytes: &[u8], offset: usize) -> usize {
    bytes[..offset.min(bytes.len())]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        + 1
}

/// The characters a package host may hold (lower-case DNS names), with a reason for the usual
/// offenders.
pub fn check_authority_chars(authority: &str) -> Result<(), &'static str> {
    if authority.is_empty() {
        return Err("no host");
    }
    for c in authority.chars() {
        match c {
            'a'..='z' | '0'..='9' | '.' | '-' => {}
            '@' => return Err("userinfo before the host"),
            ':' => return Err("a port or userinfo in the host"),
            '%' => return Err("percent-escapes in the host"),
            '\\' => return Err("a backslash in the host"),
            '$' => return Err("a variable reference, which ca-env never expands"),
            'A'..='Z' => return Err("upper case in the host"),
            c if c.is_whitespace() || c.is_control() => {
                return Err("whitespace or a control character in the URL")
            }
            c if !c.is_ascii() => return Err("non-ASCII characters in the host"),
            _ => return Err("an unexpected character in the host"),
        }
    }
    Ok(())
}

/// `%XX` escapes decoded where valid, for checks that must see through them.
pub fn percent_decode_lossy(s: &str) -> String {
    let hex = |b: u8| (b as char).to_digit(16);
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Every byte but the unreserved ones (`A-Z a-z 0-9 - . _ ~`) percent-encoded: a value that
/// goes into a URL's userinfo or a form.
pub fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}
