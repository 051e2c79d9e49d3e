//! A real package index on loopback for the end-to-end tests: pypiserver with basic auth from
//! an htpasswd file, user `aws`, whose password follows the token the CodeArtifact stand-in
//! issued last, as CodeArtifact accepts the tokens it issued.
//!
//! pypiserver rereads the htpasswd file when its modification time changes (passlib's
//! `load_if_changed`), so rewriting the file is enough to change the accepted password.

use std::fs;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::support::python_tool;
use crate::support::standin::StandIn;

/// The private package's distribution name and its import name.
pub const PACKAGE: &str = "corp-private-lib";
pub const MODULE: &str = "corp_private_lib";

/// pypiserver on 127.0.0.1, serving `packages/` of its own directory. Dropping it stops the
/// server.
pub struct PyIndex {
    child: Child,
    port: u16,
    dir: tempfile::TempDir,
}

impl PyIndex {
    /// Starts pypiserver (downloads, listings and uploads need credentials) with a password
    /// nobody knows until [`PyIndex::set_token`] or [`PyIndex::follow`].
    pub fn start() -> PyIndex {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir_all(dir.path().join("packages")).unwrap();
        let htpasswd = dir.path().join("htpasswd");
        write_htpasswd(&htpasswd, &format!("unset-{}", std::process::id()));
        let (child, port) = crate::support::serve_on_free_port(
            "pypi-server",
            &dir.path().join("server.log"),
            Duration::from_secs(30),
            |port| {
                let mut cmd = Command::new(python_tool("pypi-server"));
                cmd.args(["run", "-i", "127.0.0.1", "-p", &port.to_string(), "-P"])
                    .arg(&htpasswd)
                    .args(["-a", "download,list,update"])
                    .arg(dir.path().join("packages"))
                    .env("HOME", dir.path());
                cmd
            },
            |port| matches!(try_get(port, "/simple/", None), Some((401, _))),
        );
        PyIndex { child, port, dir }
    }

    /// `http://127.0.0.1:PORT/`: the upload URL, and the prefix a `[[mapping]]` names.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/", self.port)
    }

    /// `http://127.0.0.1:PORT/simple/`: the index URL the tools read from.
    pub fn simple(&self) -> String {
        format!("{}simple/", self.url())
    }

    /// From now on the index accepts exactly the token `standin` issued last, as soon as it
    /// is issued.
    pub fn follow(&self, standin: &StandIn) {
        let htpasswd = self.htpasswd();
        standin.on_issue(move |token| write_htpasswd(&htpasswd, token));
    }

    /// From now on the index accepts `user` with `token` alone (another provider's user name:
    /// the Azure feed's, Google's `oauth2accesstoken`).
    pub fn accept(&self, user: &str, token: &str) {
        write_login(&self.htpasswd(), user, token);
    }

    fn htpasswd(&self) -> PathBuf {
        self.dir.path().join("htpasswd")
    }

    /// GET `path` as user `aws` with `token` (or without credentials): status and body.
    pub fn get(&self, path: &str, token: Option<&str>) -> (u16, String) {
        try_get(self.port, path, token)
            .unwrap_or_else(|| panic!("GET {path} failed: {}", self.log()))
    }

    /// The files the index lists for the package, with `token`; panics unless it answers 200.
    pub fn files(&self, token: &str) -> Vec<String> {
        let (status, body) = self.get(&format!("/simple/{PACKAGE}/"), Some(token));
        assert_eq!(status, 200, "listing {PACKAGE}: {body}");
        let mut files: Vec<String> = body
            .split("\">")
            .skip(1)
            .filter_map(|s| s.split("</a>").next())
            .map(str::to_string)
            .collect();
        files.sort();
        files
    }

    /// The versions the index lists for the package, sorted.
    pub fn versions(&self, token: &str) -> Vec<String> {
        let mut versions: Vec<String> = self
            .files(token)
            .iter()
            .filter_map(|f| f.strip_prefix(&format!("{MODULE}-")))
            .map(|rest| {
                rest.trim_end_matches(".tar.gz")
                    .split('-')
                    .next()
                    .unwrap()
                    .to_string()
            })
            .collect();
        versions.sort();
        versions.dedup();
        versions
    }

    /// Uploads `files` with `uv publish`, as user `aws` with `token` given on the command line.
    pub fn upload(&self, files: &[PathBuf], token: &str) {
        let out = Command::new(python_tool("uv"))
            .arg("publish")
            .args(["--publish-url", &self.url(), "--username", "aws"])
            .args(["--password", token])
            .args(files)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.dir.path())
            .env("UV_CACHE_DIR", self.dir.path().join("uv-cache"))
            .env("UV_TRUSTED_PUBLISHING", "never")
            .env("UV_NO_CONFIG", "1")
            .stdin(Stdio::null())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "uv publish: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// What the server wrote to its log, for failure messages.
    pub fn log(&self) -> String {
        fs::read_to_string(self.dir.path().join("server.log")).unwrap_or_default()
    }
}

impl Drop for PyIndex {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Writes the htpasswd file with passlib (the library pypiserver reads it with), through a
/// temporary file and a rename so the server never reads half a file.
pub fn write_htpasswd(path: &Path, token: &str) {
    write_login(path, "aws", token);
}

/// An htpasswd file holding `user` alone, with `token` as the password.
fn write_login(path: &Path, user: &str, token: &str) {
    let tmp = path.with_extension("new");
    let mut child = Command::new(python_tool("python"))
        .args([
            "-c",
            "import sys\nfrom passlib.apache import HtpasswdFile\n\
             h = HtpasswdFile(sys.argv[1], new=True)\n\
             h.set_password(sys.argv[2], sys.stdin.read())\nh.save()\n",
        ])
        .arg(&tmp)
        .arg(user)
        .env_clear()
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run python for passlib");
    // Through stdin: the token is no business of the process list.
    child
        .stdin
        .take()
        .unwrap()
        .write_all(token.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "passlib: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    fs::rename(&tmp, path).unwrap();
}

/// One HTTP/1.0 GET to 127.0.0.1:`port`; None when the connection fails.
fn try_get(port: u16, path: &str, token: Option<&str>) -> Option<(u16, String)> {
    let mut conn = TcpStream::connect(("127.0.0.1", port)).ok()?;
    conn.set_read_timeout(Some(Duration::from_secs(30))).ok()?;
    let auth = token
        .map(|t| format!("Authorization: Basic {}\r\n", base64(&format!("aws:{t}"))))
        .unwrap_or_default();
    let request = format!("GET {path} HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\n{auth}\r\n");
    conn.write_all(request.as_bytes()).ok()?;
    let mut response = Vec::new();
    conn.read_to_end(&mut response).ok()?;
    let text = String::from_utf8_lossy(&response).into_owned();
    let status = text.split_whitespace().nth(1)?.parse().ok()?;
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    Some((status, body))
}

/// Standard base64 with padding, for the Authorization header.
pub fn base64(input: &str) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in input.as_bytes().chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Writes the private package's project in `dir` at `version`, with `extra` appended to its
/// pyproject.toml, and builds it with `uv build` (uv's own build backend, which needs no
/// index); returns the files in `dir/dist`.
pub fn build_package(
    dir: &Path,
    version: &str,
    extra: &str,
    env: &[(String, String)],
) -> Vec<PathBuf> {
    let module = dir.join("src").join(MODULE);
    fs::create_dir_all(&module).unwrap();
    fs::write(
        module.join("__init__.py"),
        format!("VERSION = \"{version}\"\n"),
    )
    .unwrap();
    fs::write(
        dir.join("pyproject.toml"),
        format!(
            "[project]\nname = \"{PACKAGE}\"\nversion = \"{version}\"\nrequires-python = \">=3.8\"\n\n\
             [build-system]\nrequires = [\"uv_build>=0.8,<0.14\"]\nbuild-backend = \"uv_build\"\n{extra}"
        ),
    )
    .unwrap();
    let dist = dir.join("dist");
    let _ = fs::remove_dir_all(&dist);
    let out = Command::new(python_tool("uv"))
        .arg("build")
        .current_dir(dir)
        .env_clear()
        .envs(env.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "uv build: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut files: Vec<PathBuf> = fs::read_dir(&dist)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| !p.file_name().unwrap().to_string_lossy().starts_with('.'))
        .collect();
    files.sort();
    assert_eq!(files.len(), 2, "a wheel and an sdist: {files:?}");
    files
}
