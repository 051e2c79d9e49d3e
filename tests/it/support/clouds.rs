//! Stand-ins for the Azure and Google CLIs on PATH: scripts that print a token the way
//! `az account get-access-token --output json` and `gcloud config config-helper --format=json`
//! do, count their calls, and can be signed out (then they fail as the real ones do, naming
//! their own login command on stderr).

use std::fs;
use std::path::{Path, PathBuf};

use crate::support::write_executable;

/// The tokens the stand-ins print.
pub const AZ_TOKEN: &str = "eyJ0eXAiOiJKV1QiLCJhbGciOi.azure-entra-token_1";
pub const GCLOUD_TOKEN: &str = "ya29.a0AfB_byGoogleAccessToken-1";

/// A directory holding `az` and `gcloud`, to put first on PATH.
pub struct Clouds {
    pub bin: PathBuf,
}

impl Clouds {
    pub fn new(dir: &Path) -> Clouds {
        let bin = dir.join("cloud-bin");
        fs::create_dir_all(&bin).unwrap();
        let calls = bin.join("calls");
        // Each call is a line in `calls`; `signed-out` makes the next calls fail; `slow` makes
        // them take half a second (so that concurrent fetches overlap).
        let az = format!(
            "#!/bin/sh\nd='{bin}'\necho \"az $*\" >> \"$d/calls\"\n\
             [ -e \"$d/slow\" ] && sleep 0.5\n\
             if [ -e \"$d/signed-out\" ]; then echo \"ERROR: Please run 'az login' to setup account.\" >&2; exit 1; fi\n\
             printf '{{\"accessToken\": \"{AZ_TOKEN}\", \"expiresOn\": \"2099-01-01 00:00:00.000000\", \"expires_on\": %s, \"subscription\": \"s\", \"tenant\": \"t\", \"tokenType\": \"Bearer\"}}\\n' $(( $(date +%s) + 3599 ))\n",
            bin = bin.display()
        );
        let gcloud = format!(
            "#!/bin/sh\nd='{bin}'\necho \"gcloud $*\" >> \"$d/calls\"\n\
             if [ -e \"$d/signed-out\" ]; then echo 'ERROR: (gcloud.config.config-helper) You do not currently have an active account selected.' >&2; exit 1; fi\n\
             printf '{{\"configuration\": {{\"active_configuration\": \"default\"}}, \"credential\": {{\"access_token\": \"{GCLOUD_TOKEN}\", \"token_expiry\": \"%s\"}}, \"sentinels\": {{}}}}\\n' \"$(date -u -d '+59 minutes' +%Y-%m-%dT%H:%M:%SZ)\"\n",
            bin = bin.display()
        );
        write_executable(&bin.join("az"), &az);
        write_executable(&bin.join("gcloud"), &gcloud);
        let _ = fs::remove_file(calls);
        Clouds { bin }
    }

    /// The calls made so far, one line each (`az account get-access-token …`).
    pub fn calls(&self) -> Vec<String> {
        fs::read_to_string(self.bin.join("calls"))
            .unwrap_or_default()
            .lines()
            .map(str::to_string)
            .collect()
    }

    pub fn sign_out(&self, out: bool) {
        self.flag("signed-out", out);
    }

    pub fn slow(&self, slow: bool) {
        self.flag("slow", slow);
    }

    fn flag(&self, name: &str, on: bool) {
        let path = self.bin.join(name);
        if on {
            fs::write(path, "").unwrap();
        } else {
            let _ = fs::remove_file(path);
        }
    }

    /// PATH with the stand-ins first.
    pub fn path(&self) -> String {
        format!(
            "{}:{}",
            self.bin.display(),
            std::env::var("PATH").unwrap_or_default()
        )
    }
}

/// A stand-in for the clouds' metadata endpoints on loopback: Azure's managed identity
/// endpoint (`/msi/token`, which App Service names in `IDENTITY_ENDPOINT` and which needs the
/// `X-IDENTITY-HEADER` secret) and Google's metadata server
/// (`/computeMetadata/v1/instance/service-accounts/default/token`, `Metadata-Flavor: Google`).
/// It records each request line.
pub struct Metadata {
    pub port: u16,
    seen: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

pub const MI_TOKEN: &str = "eyJ0eXAiOiJKV1Qi.managed-identity-token";
pub const METADATA_TOKEN: &str = "ya29.c.metadata-server-token";
pub const MI_SECRET: &str = "identity-header-secret";

impl Metadata {
    pub fn start() -> Metadata {
        use std::io::{BufRead, BufReader, Write};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let log = seen.clone();
        std::thread::spawn(move || {
            for conn in listener.incoming().flatten() {
                let mut reader = BufReader::new(conn.try_clone().unwrap());
                let mut head = Vec::new();
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                        break;
                    }
                    head.push(line.trim_end().to_string());
                }
                let request = head.first().cloned().unwrap_or_default();
                log.lock().unwrap().push(request.clone());
                let has = |h: &str| head.iter().any(|l| l.eq_ignore_ascii_case(h));
                let now = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .unwrap()
                    .as_secs();
                let (status, body) = if request.starts_with(
                    "GET /msi/token?api-version=2019-08-01&resource=499b84ac-1321-427f-aa17-267ca6975798 ",
                ) {
                    if has(&format!("X-IDENTITY-HEADER: {MI_SECRET}")) {
                        let body = format!(
                            "{{\"access_token\": \"{MI_TOKEN}\", \"expires_on\": \"{}\", \"resource\": \"499b84ac-1321-427f-aa17-267ca6975798\", \"token_type\": \"Bearer\"}}",
                            now + 3600
                        );
                        (200, body)
                    } else {
                        (401, "{}".to_string())
                    }
                } else if request
                    .starts_with("GET /computeMetadata/v1/instance/service-accounts/default/token ")
                    && has("Metadata-Flavor: Google")
                {
                    (200, format!("{{\"access_token\": \"{METADATA_TOKEN}\", \"expires_in\": 3599, \"token_type\": \"Bearer\"}}"))
                } else {
                    (404, "{}".to_string())
                };
                // Chunked, as real metadata servers may answer.
                let answer = format!(
                    "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n{:x}\r\n{body}\r\n0\r\n\r\n",
                    body.len()
                );
                let mut conn = conn;
                let _ = conn.write_all(answer.as_bytes());
            }
        });
        Metadata { port, seen }
    }

    pub fn seen(&self) -> Vec<String> {
        self.seen.lock().unwrap().clone()
    }
}
