//! A small package registry on loopback for the end-to-end tests of the other formats: it
//! serves the files of a directory (GET), stores what is PUT there, and hands a format's own
//! calls to a handler (Cargo's publish API). Every request must carry the token the
//! CodeArtifact stand-in issued last, as CodeArtifact accepts only the tokens it issued: as
//! `Bearer TOKEN` (Cargo) or as Basic `aws:TOKEN` (Bundler, Maven); anything else is 401.
//!
//! Only std and `sha2`, like the stand-in. One thread per connection; every answer closes its
//! connection, which every client handles.

use std::fs;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use sha2::{Digest, Sha256};

use crate::support::pyindex::base64;
use crate::support::standin::StandIn;

/// How a request must present the token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Auth {
    /// `Authorization: Bearer TOKEN`.
    Bearer,
    /// `Authorization: Basic base64(USER:TOKEN)`, the user `aws` unless [`Registry::accept`]
    /// names another.
    Basic,
}

/// One request, as the handler sees it.
#[derive(Debug)]
pub struct Request {
    pub method: String,
    /// The path without the query.
    pub path: String,
    pub body: Vec<u8>,
}

pub struct Response {
    pub status: u16,
    pub body: Vec<u8>,
}

impl Response {
    pub fn json(status: u16, body: &str) -> Response {
        Response {
            status,
            body: body.as_bytes().to_vec(),
        }
    }
}

/// A format's own calls: the answer, or None to serve or store the file as usual.
pub type Handler = Box<dyn Fn(&Request, &Path) -> Option<Response> + Send + Sync>;

/// What the registry saw: method, path and the status it answered.
pub type Seen = (String, String, u16);

struct Shared {
    dir: PathBuf,
    auth: Auth,
    token: Mutex<Option<String>>,
    user: Mutex<String>,
    handler: Option<Handler>,
    seen: Mutex<Vec<Seen>>,
    stop: AtomicBool,
}

/// The server; dropping it stops it.
pub struct Registry {
    shared: Arc<Shared>,
    port: u16,
    _dir: tempfile::TempDir,
}

impl Registry {
    /// Starts a registry whose files live in a fresh directory, accepting no token until
    /// [`Registry::follow`].
    pub fn start(auth: Auth, handler: Option<Handler>) -> Registry {
        let dir = tempfile::tempdir().unwrap();
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let shared = Arc::new(Shared {
            dir: dir.path().to_path_buf(),
            auth,
            token: Mutex::new(None),
            user: Mutex::new("aws".to_string()),
            handler,
            seen: Mutex::new(Vec::new()),
            stop: AtomicBool::new(false),
        });
        let s = Arc::clone(&shared);
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                if s.stop.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(conn) = conn else { continue };
                let s = Arc::clone(&s);
                std::thread::spawn(move || serve(&s, conn));
            }
        });
        Registry {
            shared,
            port,
            _dir: dir,
        }
    }

    /// `http://127.0.0.1:PORT/`: the registry's root, and the prefix a `[[mapping]]` names.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/", self.port)
    }

    /// The directory whose files it serves.
    pub fn dir(&self) -> &Path {
        &self.shared.dir
    }

    /// The text stored at `rel` (below the root), if any: what a client uploaded.
    pub fn file(&self, rel: &str) -> Option<String> {
        fs::read_to_string(self.dir().join(rel)).ok()
    }

    /// Writes `rel` under the served directory.
    pub fn put_file(&self, rel: &str, bytes: &[u8]) {
        let path = self.dir().join(rel);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, bytes).unwrap();
    }

    /// From now on the registry accepts exactly the token `standin` issued last.
    pub fn follow(&self, standin: &StandIn) {
        let s = Arc::clone(&self.shared);
        standin.on_issue(move |token| *s.token.lock().unwrap() = Some(token.to_string()));
    }

    /// From now on the registry accepts exactly `user` and `token` (Basic), or `token` (Bearer).
    pub fn accept(&self, user: &str, token: &str) {
        *self.shared.user.lock().unwrap() = user.to_string();
        *self.shared.token.lock().unwrap() = Some(token.to_string());
    }

    /// Every request so far.
    pub fn seen(&self) -> Vec<Seen> {
        self.shared.seen.lock().unwrap().clone()
    }

    /// GET `path` with `token` presented as this registry wants it (or none): the status.
    pub fn get(&self, path: &str, token: Option<&str>) -> u16 {
        let mut conn = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        let auth = token
            .map(|t| format!("Authorization: {}\r\n", presented(&self.shared, t)))
            .unwrap_or_default();
        write!(conn, "GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n{auth}\r\n").unwrap();
        let mut answer = String::new();
        let _ = conn.read_to_string(&mut answer);
        answer
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0)
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

/// The `Authorization` value that carries `token`.
fn presented(s: &Shared, token: &str) -> String {
    match s.auth {
        Auth::Bearer => format!("Bearer {token}"),
        Auth::Basic => {
            let user = s.user.lock().unwrap().clone();
            format!("Basic {}", base64(&format!("{user}:{token}")))
        }
    }
}

fn serve(s: &Shared, conn: TcpStream) {
    let _ = conn.set_read_timeout(Some(Duration::from_secs(60)));
    let mut out = conn.try_clone().unwrap();
    let mut reader = BufReader::new(conn);
    let Some((req, authorization)) = read_request(&mut reader, &mut out) else {
        return;
    };
    let wanted = s.token.lock().unwrap().clone();
    let authorized = wanted.is_some_and(|t| authorization.as_deref() == Some(&presented(s, &t)));
    let response = if !authorized {
        Response::json(401, "{\"errors\":[{\"detail\":\"unauthorized\"}]}")
    } else if let Some(r) = s.handler.as_ref().and_then(|h| h(&req, &s.dir)) {
        r
    } else {
        files(s, &req)
    };
    s.seen
        .lock()
        .unwrap()
        .push((req.method.clone(), req.path.clone(), response.status));
    let reason = match response.status {
        200 => "OK",
        201 => "Created",
        401 => "Unauthorized",
        404 => "Not Found",
        _ => "Other",
    };
    let mut head = format!(
        "HTTP/1.1 {} {reason}\r\nContent-Length: {}\r\nConnection: close\r\n",
        response.status,
        response.body.len()
    );
    if response.status == 401 {
        head.push_str(match s.auth {
            Auth::Bearer => "WWW-Authenticate: Bearer realm=\"registry\"\r\n",
            Auth::Basic => "WWW-Authenticate: Basic realm=\"registry\"\r\n",
        });
    }
    head.push_str("\r\n");
    let _ = out.write_all(head.as_bytes());
    if req.method != "HEAD" {
        let _ = out.write_all(&response.body);
    }
    let _ = out.flush();
}

/// Reads one request: the request and its `Authorization` value. A client waiting for
/// `100 Continue` gets it before the body is read.
fn read_request(
    reader: &mut BufReader<TcpStream>,
    out: &mut TcpStream,
) -> Option<(Request, Option<String>)> {
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_string();
    let target = parts.next()?.to_string();
    let mut length = 0usize;
    let mut chunked = false;
    let mut authorization = None;
    let mut expect = false;
    loop {
        let mut header = String::new();
        reader.read_line(&mut header).ok()?;
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        let (name, value) = header.split_once(':')?;
        let value = value.trim();
        match name.to_ascii_lowercase().as_str() {
            "content-length" => length = value.parse().ok()?,
            "transfer-encoding" => chunked = value.eq_ignore_ascii_case("chunked"),
            "authorization" => authorization = Some(value.to_string()),
            "expect" => expect = value.eq_ignore_ascii_case("100-continue"),
            _ => {}
        }
    }
    if expect {
        out.write_all(b"HTTP/1.1 100 Continue\r\n\r\n").ok()?;
    }
    let mut body = Vec::new();
    if chunked {
        loop {
            let mut size = String::new();
            reader.read_line(&mut size).ok()?;
            let size = usize::from_str_radix(size.trim().split(';').next()?, 16).ok()?;
            let mut chunk = vec![0; size + 2];
            reader.read_exact(&mut chunk).ok()?;
            if size == 0 {
                break;
            }
            body.extend_from_slice(&chunk[..size]);
        }
    } else {
        body.resize(length, 0);
        reader.read_exact(&mut body).ok()?;
    }
    let path = target.split('?').next().unwrap_or("/").to_string();
    Some((Request { method, path, body }, authorization))
}

/// GET and HEAD serve a file, PUT stores one; paths with `..` or the like are refused.
fn files(s: &Shared, req: &Request) -> Response {
    let rel = Path::new(req.path.trim_start_matches('/'));
    if rel.components().any(|c| !matches!(c, Component::Normal(_))) {
        return Response::json(404, "");
    }
    let path = s.dir.join(rel);
    match req.method.as_str() {
        "GET" | "HEAD" => match fs::read(&path) {
            Ok(body) if path.is_file() => Response { status: 200, body },
            _ => Response::json(404, ""),
        },
        "PUT" => {
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(&path, &req.body).unwrap();
            Response::json(201, "")
        }
        _ => Response::json(405, ""),
    }
}

// Cargo: a sparse registry (`config.json`, index files at the root) with the publish API.

/// Writes the sparse registry's `config.json`: downloads and the API on this server, a token
/// needed for everything.
pub fn cargo_config(registry: &Registry) {
    let url = registry.url();
    let config = format!(
        "{{\"dl\": \"{url}dl\", \"api\": \"{}\", \"auth-required\": true}}",
        url.trim_end_matches('/')
    );
    registry.put_file("config.json", config.as_bytes());
}

/// Cargo's publish call (`PUT /api/v1/crates/new`): the body is the metadata's length (u32,
/// little-endian), the metadata (JSON), the crate's length and the `.crate`. The crate is
/// stored where `dl` points and its line appended to the index file.
pub fn cargo_publish() -> Handler {
    Box::new(|req: &Request, dir: &Path| {
        if req.method != "PUT" || req.path != "/api/v1/crates/new" {
            return None;
        }
        let b = &req.body;
        let len = |at: usize| u32::from_le_bytes(b[at..at + 4].try_into().unwrap()) as usize;
        let json_len = len(0);
        let meta: serde_json::Value = serde_json::from_slice(&b[4..4 + json_len]).unwrap();
        let crate_at = 4 + json_len + 4;
        let krate = &b[crate_at..crate_at + len(4 + json_len)];
        let name = meta["name"].as_str().unwrap().to_string();
        let vers = meta["vers"].as_str().unwrap().to_string();
        let dl = dir.join("dl").join(&name).join(&vers).join("download");
        fs::create_dir_all(dl.parent().unwrap()).unwrap();
        fs::write(&dl, krate).unwrap();
        let deps: Vec<serde_json::Value> = meta["deps"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| {
                serde_json::json!({
                    "name": d["explicit_name_in_toml"].as_str().or(d["name"].as_str()),
                    "package": d["explicit_name_in_toml"].as_str().and(d["name"].as_str()),
                    "req": d["version_req"],
                    "features": d["features"],
                    "optional": d["optional"],
                    "default_features": d["default_features"],
                    "target": d["target"],
                    "kind": d["kind"],
                    "registry": d["registry"],
                })
            })
            .collect();
        let line = serde_json::json!({
            "name": name,
            "vers": vers,
            "deps": deps,
            "cksum": format!("{:x}", Sha256::digest(krate)),
            "features": meta["features"],
            "yanked": false,
        });
        let index = dir.join(cargo_index_path(&name));
        fs::create_dir_all(index.parent().unwrap()).unwrap();
        let mut file = fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(index)
            .unwrap();
        writeln!(file, "{line}").unwrap();
        Some(Response::json(
            200,
            "{\"warnings\":{\"invalid_categories\":[],\"invalid_badges\":[],\"other\":[]}}",
        ))
    })
}

/// Where the index keeps a crate's file: `1/a`, `2/ab`, `3/a/abc`, `ab/cd/abcd…`.
pub fn cargo_index_path(name: &str) -> String {
    let n = name.to_lowercase();
    match n.len() {
        1 => format!("1/{n}"),
        2 => format!("2/{n}"),
        3 => format!("3/{}/{n}", &n[..1]),
        _ => format!("{}/{}/{n}", &n[..2], &n[2..4]),
    }
}
