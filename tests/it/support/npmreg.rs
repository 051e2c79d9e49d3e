//! A private npm registry on loopback for the end-to-end tests: verdaccio with htpasswd auth
//! (`access` and `publish` for authenticated users only), behind a small proxy that behaves as
//! the service's npm endpoint does. CodeArtifact takes the token it issued as a bearer token
//! (`_authToken`); the proxy accepts exactly `Authorization: Bearer <the token the stand-in
//! issued last>` (or the one credential [`NpmRegistry::accept`] names: Azure DevOps's Basic
//! user and token), answers 401 to anything else, and forwards what it accepts to verdaccio as
//! user `aws` with a fixed password of its own (verdaccio's htpasswd never changes).

use std::fs;
use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::support::pyindex::{base64, write_htpasswd};
use crate::support::standin::StandIn;

/// The password the proxy gives verdaccio (the test's secret, never a token).
const BACKEND_PASSWORD: &str = "verdaccio-backend-secret";

/// A Node tool (verdaccio, pnpm, yarn) that `scripts/node-tools` (run by `scripts/test`)
/// installs under target/node. Fails, rather than skips, when it is missing.
pub fn node_tool(name: &str) -> PathBuf {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("target/node/node_modules/.bin")
        .join(name);
    assert!(
        path.exists(),
        "{} is missing: run scripts/node-tools (scripts/test does)",
        path.display()
    );
    path
}

/// verdaccio and the token-checking proxy in front of it. Dropping it stops verdaccio.
pub struct NpmRegistry {
    child: Child,
    proxy_port: u16,
    accepted: Arc<Mutex<Option<String>>>,
    dir: tempfile::TempDir,
}

impl NpmRegistry {
    pub fn start() -> NpmRegistry {
        let dir = tempfile::tempdir().unwrap();
        write_htpasswd(&dir.path().join("htpasswd"), BACKEND_PASSWORD);
        fs::write(
            dir.path().join("config.yaml"),
            "storage: ./storage\nauth:\n  htpasswd:\n    file: ./htpasswd\n    max_users: -1\n\
             uplinks: {}\npackages:\n  '**':\n    access: $authenticated\n    publish: $authenticated\n\
             \x20   unpublish: $authenticated\nlog: {type: stdout, format: pretty, level: warn}\n",
        )
        .unwrap();
        let (child, backend) = crate::support::serve_on_free_port(
            "verdaccio",
            &dir.path().join("server.log"),
            Duration::from_secs(60),
            |port| {
                let mut cmd = Command::new(node_tool("verdaccio"));
                cmd.arg("--config")
                    .arg(dir.path().join("config.yaml"))
                    .args(["--listen", &format!("127.0.0.1:{port}")])
                    .env("HOME", dir.path());
                cmd
            },
            pings,
        );
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let proxy_port = listener.local_addr().unwrap().port();
        let accepted: Arc<Mutex<Option<String>>> = Arc::new(Mutex::new(None));
        let token = accepted.clone();
        std::thread::spawn(move || {
            for conn in listener.incoming().flatten() {
                let token = token.clone();
                std::thread::spawn(move || proxy(conn, backend, &token));
            }
        });
        NpmRegistry {
            child,
            proxy_port,
            accepted,
            dir,
        }
    }

    /// `http://127.0.0.1:PORT/`: the registry URL the tools are given (the proxy's).
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/", self.proxy_port)
    }

    /// From now on the registry accepts exactly the token `standin` issued last.
    pub fn follow(&self, standin: &StandIn) {
        let accepted = self.accepted.clone();
        standin.on_issue(move |token| *accepted.lock().unwrap() = Some(format!("Bearer {token}")));
    }

    /// From now on the registry accepts exactly this `Authorization` value.
    pub fn accept(&self, authorization: &str) {
        *self.accepted.lock().unwrap() = Some(authorization.to_string());
    }

    /// GET `path` through the proxy with `token` as bearer (or none): the status.
    pub fn status_of(&self, path: &str, token: Option<&str>) -> u16 {
        let mut conn = TcpStream::connect(("127.0.0.1", self.proxy_port)).unwrap();
        conn.set_read_timeout(Some(Duration::from_secs(30)))
            .unwrap();
        let auth = token
            .map(|t| format!("Authorization: Bearer {t}\r\n"))
            .unwrap_or_default();
        let request = format!(
            "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nConnection: close\r\n{auth}\r\n",
            self.proxy_port
        );
        conn.write_all(request.as_bytes()).unwrap();
        let mut response = Vec::new();
        let _ = conn.read_to_end(&mut response);
        let text = String::from_utf8_lossy(&response);
        text.split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0)
    }

    /// What verdaccio wrote to its log, for failure messages.
    pub fn log(&self) -> String {
        fs::read_to_string(self.dir.path().join("server.log")).unwrap_or_default()
    }
}

impl Drop for NpmRegistry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Whether verdaccio answers `/-/ping`.
fn pings(port: u16) -> bool {
    let Ok(mut conn) = TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = conn.set_read_timeout(Some(Duration::from_secs(5)));
    let req = format!("GET /-/ping HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\n\r\n");
    let mut buf = [0u8; 12];
    conn.write_all(req.as_bytes()).is_ok()
        && conn.read_exact(&mut buf).is_ok()
        && buf.starts_with(b"HTTP/1.")
}

/// One client connection: its request head read, its credential checked, then the request
/// passed to verdaccio with basic auth instead (and `Connection: close`), and the answer back.
fn proxy(mut client: TcpStream, backend: u16, accepted: &Mutex<Option<String>>) {
    let _ = client.set_read_timeout(Some(Duration::from_secs(60)));
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        match client.read(&mut byte) {
            Ok(1) => head.push(byte[0]),
            _ => return,
        }
        if head.len() > 64 * 1024 {
            return;
        }
    }
    let head = String::from_utf8_lossy(&head).into_owned();
    let mut lines = head.split("\r\n").filter(|l| !l.is_empty());
    let request_line = lines.next().unwrap_or_default().to_string();
    let mut headers = Vec::new();
    let mut presented = None;
    for line in lines {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let lower = name.trim().to_ascii_lowercase();
        match lower.as_str() {
            "authorization" => presented = Some(value.trim().to_string()),
            "connection" | "proxy-connection" | "keep-alive" => {}
            _ => headers.push(line.to_string()),
        }
    }
    let want = accepted.lock().unwrap().clone();
    if want.is_none() || presented != want {
        let body = "{\"error\":\"authorization required\"}";
        let _ = write!(
            client,
            "HTTP/1.1 401 Unauthorized\r\nContent-Type: application/json\r\nWWW-Authenticate: Bearer realm=\"codeartifact\"\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
        let _ = client.shutdown(Shutdown::Both);
        return;
    }
    let Ok(mut upstream) = TcpStream::connect(("127.0.0.1", backend)) else {
        return;
    };
    let mut out = format!("{request_line}\r\n");
    for h in headers {
        out.push_str(&h);
        out.push_str("\r\n");
    }
    out.push_str(&format!(
        "Authorization: Basic {}\r\nConnection: close\r\n\r\n",
        base64(&format!("aws:{BACKEND_PASSWORD}"))
    ));
    if upstream.write_all(out.as_bytes()).is_err() {
        return;
    }
    // The body (if any) goes on as it comes; the answer comes back until verdaccio closes.
    let (Ok(mut from_client), Ok(mut to_upstream)) = (client.try_clone(), upstream.try_clone())
    else {
        return;
    };
    std::thread::spawn(move || {
        let _ = std::io::copy(&mut from_client, &mut to_upstream);
    });
    let _ = std::io::copy(&mut upstream, &mut client);
    let _ = client.shutdown(Shutdown::Both);
}
