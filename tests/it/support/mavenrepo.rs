//! A small package repository on loopback for the end-to-end tests of clients that fetch and
//! upload plain files over HTTP (Maven's layout, but nothing here knows it): GET and HEAD
//! serve files from a directory, PUT stores them (a deploy's artifacts, checksums and
//! `maven-metadata.xml`). Every request needs basic auth `aws:<token>`, the token being the one
//! the CodeArtifact stand-in issued last, as CodeArtifact accepts the tokens it issued; without
//! it the answer is 401 with a `WWW-Authenticate` challenge, which clients that send
//! credentials only when challenged (Maven's wagon, Gradle) need.

use std::fs;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Component, Path};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::support::standin::StandIn;

/// One request as the repository saw it.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    pub path: String,
    pub status: u16,
}

struct State {
    /// The one password accepted for user `aws`.
    token: String,
    requests: Vec<Request>,
}

/// The repository; dropping it leaves its thread serving a port nobody knows.
pub struct MavenRepo {
    port: u16,
    dir: tempfile::TempDir,
    state: Arc<Mutex<State>>,
}

impl MavenRepo {
    /// Serves an empty directory with a password nobody knows until [`MavenRepo::follow`].
    pub fn start() -> MavenRepo {
        let dir = tempfile::tempdir().unwrap();
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let state = Arc::new(Mutex::new(State {
            token: format!("unset-{}", std::process::id()),
            requests: Vec::new(),
        }));
        let (root, shared) = (dir.path().to_path_buf(), state.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (root, shared) = (root.clone(), shared.clone());
                std::thread::spawn(move || {
                    let _ = serve(stream, &root, &shared);
                });
            }
        });
        MavenRepo { port, dir, state }
    }

    /// `http://127.0.0.1:PORT/maven/`: the repository's URL, and the prefix a `[[mapping]]`
    /// names.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/maven/", self.port)
    }

    /// From now on the repository accepts exactly the token `standin` issued last.
    pub fn follow(&self, standin: &StandIn) {
        let state = self.state.clone();
        standin.on_issue(move |token| state.lock().unwrap().token = token.to_string());
    }

    /// The file stored at `rel` (below the repository's URL), if any.
    pub fn file(&self, rel: &str) -> Option<String> {
        fs::read_to_string(self.dir.path().join(rel)).ok()
    }

    /// Stores `text` at `rel`, as an upload would have.
    pub fn put(&self, rel: &str, text: &str) {
        let path = self.dir.path().join(rel);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }

    /// Every request so far.
    pub fn requests(&self) -> Vec<Request> {
        self.state.lock().unwrap().requests.clone()
    }
}

/// The base64 of `aws:<token>`, as a Basic `Authorization` header carries it.
fn basic(token: &str) -> String {
    const ABC: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let bytes = format!("aws:{token}").into_bytes();
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ABC[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// One connection, one request (the answer closes it: the body of a refused upload is never
/// read).
fn serve(stream: TcpStream, root: &Path, state: &Mutex<State>) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut out = stream;
    {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            return Ok(());
        }
        let mut parts = line.split_whitespace();
        let (method, target) = (
            parts.next().unwrap_or("").to_string(),
            parts.next().unwrap_or("").to_string(),
        );
        let mut headers: Vec<(String, String)> = Vec::new();
        loop {
            let mut h = String::new();
            reader.read_line(&mut h)?;
            let h = h.trim_end();
            if h.is_empty() {
                break;
            }
            if let Some((k, v)) = h.split_once(':') {
                headers.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
            }
        }
        let header = |name: &str| {
            headers
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
        };
        let path = target.split('?').next().unwrap_or("").to_string();
        let authorized = header("authorization")
            == Some(format!("Basic {}", basic(&state.lock().unwrap().token)).as_str());
        let file = path
            .strip_prefix("/maven/")
            .map(Path::new)
            .filter(|p| p.components().all(|c| matches!(c, Component::Normal(_))))
            .map(|p| root.join(p));
        let (status, body): (u16, Vec<u8>) = match (&file, method.as_str()) {
            _ if !authorized => (401, b"credentials required\n".to_vec()),
            (None, _) => (404, Vec::new()),
            (Some(file), "GET" | "HEAD") => match fs::read(file) {
                Ok(bytes) if file.is_file() => (200, bytes),
                _ => (404, Vec::new()),
            },
            (Some(file), "PUT") => {
                if header("expect").is_some_and(|e| e.eq_ignore_ascii_case("100-continue")) {
                    out.write_all(b"HTTP/1.1 100 Continue\r\n\r\n")?;
                }
                let data = read_body(
                    &mut reader,
                    header("content-length"),
                    header("transfer-encoding"),
                )?;
                fs::create_dir_all(file.parent().unwrap())?;
                fs::write(file, data)?;
                (201, Vec::new())
            }
            _ => (405, Vec::new()),
        };
        state.lock().unwrap().requests.push(Request {
            method: method.clone(),
            path: path.clone(),
            status,
        });
        let reason = match status {
            200 => "OK",
            201 => "Created",
            401 => "Unauthorized",
            404 => "Not Found",
            _ => "Method Not Allowed",
        };
        let mut head = format!(
            "HTTP/1.1 {status} {reason}\r\nContent-Length: {}\r\nConnection: close\r\n",
            body.len()
        );
        if status == 401 {
            head.push_str("WWW-Authenticate: Basic realm=\"repository\"\r\n");
        }
        head.push_str("\r\n");
        out.write_all(head.as_bytes())?;
        if method != "HEAD" {
            out.write_all(&body)?;
        }
        out.flush()
    }
}

/// A request's body, by its length or in chunks.
fn read_body(
    reader: &mut BufReader<TcpStream>,
    length: Option<&str>,
    encoding: Option<&str>,
) -> std::io::Result<Vec<u8>> {
    let mut data = Vec::new();
    if encoding.is_some_and(|e| e.eq_ignore_ascii_case("chunked")) {
        loop {
            let mut size = String::new();
            reader.read_line(&mut size)?;
            let n = usize::from_str_radix(size.trim().split(';').next().unwrap_or("0"), 16)
                .unwrap_or(0);
            let mut chunk = vec![0; n + 2];
            reader.read_exact(&mut chunk)?;
            if n == 0 {
                return Ok(data);
            }
            data.extend_from_slice(&chunk[..n]);
        }
    }
    let n: usize = length.and_then(|l| l.parse().ok()).unwrap_or(0);
    data.resize(n, 0);
    reader.read_exact(&mut data)?;
    Ok(data)
}

#[cfg(test)]
mod tests {
    #[test]
    fn basic_is_base64() {
        assert_eq!(super::basic("t"), "YXdzOnQ=");
        assert_eq!(super::basic("to"), "YXdzOnRv");
        assert_eq!(super::basic("tok"), "YXdzOnRvaw==");
    }
}
