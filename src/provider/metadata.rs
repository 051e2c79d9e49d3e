//! Tokens from a cloud's metadata endpoint, for code running in that cloud (an Azure VM, App
//! Service or Container App's managed identity; a Google Compute Engine, Cloud Run or GKE
//! service account): one plain-HTTP GET to an address on the machine or link-local, which
//! answers JSON holding the token. Plain HTTP is what these endpoints speak; they are asked
//! only where the cloud says it is there (an endpoint variable, or the machine's DMI data), so
//! a laptop never waits on an address that does not answer.

use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

/// The most an answer may hold: a token response is a few kilobytes.
const MAX_ANSWER: u64 = 64 * 1024;

/// GETs `url` (`http://host[:port]/path?query`) with `headers`, within `within`; the status
/// and the body parsed as JSON (Null when it is not), or why not (never the body's text: it
/// may hold a token).
pub fn get_json(
    url: &str,
    headers: &[(&str, &str)],
    within: Duration,
) -> Result<(u16, serde_json::Value), String> {
    let (status, body) = get(url, headers, within)?;
    Ok((status, serde_json::from_slice(&body).unwrap_or_default()))
}

/// [`get_json`]'s request: the status and the body's bytes.
pub fn get(
    url: &str,
    headers: &[(&str, &str)],
    within: Duration,
) -> Result<(u16, Vec<u8>), String> {
    // The request is written as text: a line break in a header would start another one.
    if headers
        .iter()
        .any(|(k, v)| format!("{k}{v}").chars().any(char::is_control))
    {
        return Err("a header holds a control character".into());
    }
    let deadline = Instant::now() + within;
    let rest = url
        .strip_prefix("http://")
        .ok_or("the metadata endpoint is not an http:// URL")?;
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let hostport = if authority.contains(':') {
        authority.to_string()
    } else {
        format!("{authority}:80")
    };
    let left = |d: Instant| {
        d.saturating_duration_since(Instant::now())
            .max(Duration::from_millis(1))
    };
    let addr = hostport
        .to_socket_addrs()
        .map_err(|e| format!("cannot resolve {authority}: {e}"))?
        .next()
        .ok_or_else(|| format!("cannot resolve {authority}"))?;
    let mut conn = TcpStream::connect_timeout(&addr, left(deadline))
        .map_err(|e| format!("cannot reach {authority}: {e}"))?;
    conn.set_read_timeout(Some(left(deadline))).ok();
    conn.set_write_timeout(Some(left(deadline))).ok();
    let mut request = format!("GET {path} HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\n");
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    conn.write_all(request.as_bytes())
        .map_err(|e| format!("cannot ask {authority}: {e}"))?;
    let mut answer = Vec::new();
    conn.take(MAX_ANSWER)
        .read_to_end(&mut answer)
        .map_err(|e| format!("no answer from {authority}: {e}"))?;
    let split = answer
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| format!("{authority} gave no HTTP answer"))?;
    let head = String::from_utf8_lossy(&answer[..split]).to_string();
    let mut body = answer[split + 4..].to_vec();
    let status: u16 = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("{authority} gave no HTTP status"))?;
    let chunked = head.lines().any(|l| {
        l.split_once(':').is_some_and(|(k, v)| {
            k.trim().eq_ignore_ascii_case("transfer-encoding")
                && v.trim().eq_ignore_ascii_case("chunked")
        })
    });
    if chunked {
        body = dechunk(&body).ok_or_else(|| format!("{authority} gave a broken chunked answer"))?;
    }
    Ok((status, body))
}

/// The body of a chunked answer.
fn dechunk(mut data: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        let line_end = data.windows(2).position(|w| w == b"\r\n")?;
        let size_text = std::str::from_utf8(&data[..line_end]).ok()?;
        let size = usize::from_str_radix(size_text.split(';').next()?.trim(), 16).ok()?;
        data = &data[line_end + 2..];
        if size == 0 {
            return Some(out);
        }
        out.extend_from_slice(data.get(..size)?);
        data = data.get(size + 2..)?;
    }
}

/// Whether the machine's firmware names `vendor` (`/sys/class/dmi/id/sys_vendor` or
/// `product_name`), as the clouds' own libraries detect their VMs without a network call;
/// never with `CA_ENV_CLOUD_METADATA=off`.
pub fn dmi_says(env: &crate::env::Env, vendor: &str) -> bool {
    if env
        .var(crate::tools::registry::CA_ENV_CLOUD_METADATA)
        .is_some_and(|v| v.eq_ignore_ascii_case("off"))
    {
        return false;
    }
    ["sys_vendor", "product_name"].iter().any(|f| {
        std::fs::read_to_string(format!("/sys/class/dmi/id/{f}")).is_ok_and(|t| t.contains(vendor))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunked_bodies_are_put_together() {
        assert_eq!(
            dechunk(b"4\r\n{\"a\"\r\n3\r\n:1}\r\n0\r\n\r\n").unwrap(),
            b"{\"a\":1}"
        );
        assert!(dechunk(b"zz\r\n").is_none());
        assert!(dechunk(b"10\r\nshort\r\n").is_none());
    }
}
