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

/// A stand-in for the clouds' metadata and token endpoints on loopback, checking what the
/// real ones check: Azure's managed identity endpoint (`/msi/token`, which App Service names in
/// `IDENTITY_ENDPOINT`, with the `X-IDENTITY-HEADER` secret); Entra ID's token endpoint for
/// workload identity (`/TENANT/oauth2/v2.0/token`, the client credentials flow with the
/// federated token as client assertion); Google's metadata server
/// (`/computeMetadata/v1/instance/service-accounts/default/token`, `Metadata-Flavor: Google`)
/// and OAuth endpoint (`/token`: a refresh token, or a service account's RS256 assertion,
/// verified with openssl against the key's public half); for workload identity federation,
/// Google's security token service (`/v1/token`), IAM's generateAccessToken and a subject
/// token URL (`/subject-token`). It records each request line.
pub struct Metadata {
    pub port: u16,
    seen: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

pub const MI_TOKEN: &str = "eyJ0eXAiOiJKV1Qi.managed-identity-token";
pub const METADATA_TOKEN: &str = "ya29.c.metadata-server-token";
pub const MI_SECRET: &str = "identity-header-secret";
pub const WI_TOKEN: &str = "eyJ0eXAiOiJKV1Qi.workload-identity-token";
pub const FEDERATED: &str = "eyJhbGciOiJSUzI1NiJ9.federated-kubernetes-token.sig";
pub const ADC_USER_TOKEN: &str = "ya29.a0-authorized-user-token";
pub const ADC_SA_TOKEN: &str = "ya29.c.service-account-token";
pub const REFRESH: &str = "1//refresh-token";

/// Workload identity federation: the subject token another identity provider issued, the
/// token Google's security token service gives for it, and the service account's token IAM's
/// generateAccessToken gives for that; the audience's prefix (a provider named `with-client`
/// expects the client's Basic authentication).
pub const SUBJECT: &str = "eyJhbGciOiJSUzI1NiJ9.external-oidc-subject.sig";
pub const STS_TOKEN: &str = "ya29.d.security-token-service-token";
pub const IMPERSONATED_TOKEN: &str = "ya29.c.impersonated-service-account-token";
pub const EXTERNAL_AUDIENCE: &str =
    "//iam.googleapis.com/projects/123/locations/global/workloadIdentityPools/pool/providers/";
pub const SUBJECT_KEY: &str = "subject-url-key";
pub const WORKFORCE_AUDIENCE: &str =
    "//iam.googleapis.com/locations/global/workforcePools/pool/providers/";
/// Workforce identity federation: the refresh token of an `external_account_authorized_user`
/// file, and the token the security token service gives for it.
pub const WORKFORCE_REFRESH: &str = "workforce-refresh-token";
pub const WORKFORCE_TOKEN: &str = "ya29.d.workforce-user-token";

/// What the stand-in knows of a service account key: its public half and its email.
pub struct ServiceAccount {
    pub public_pem: PathBuf,
    pub email: String,
}

impl Metadata {
    pub fn start(account: Option<ServiceAccount>) -> Metadata {
        use std::io::{BufRead, BufReader, Read, Write};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let log = seen.clone();
        let account = std::sync::Arc::new(account);
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
                let length = head
                    .iter()
                    .find_map(|l| {
                        let (k, v) = l.split_once(':')?;
                        k.eq_ignore_ascii_case("content-length")
                            .then(|| v.trim().parse().ok())?
                    })
                    .unwrap_or(0usize);
                let mut body = vec![0; length];
                let _ = reader.read_exact(&mut body);
                let raw = String::from_utf8_lossy(&body).to_string();
                let form = parse_form(&raw);
                let request = head.first().cloned().unwrap_or_default();
                log.lock().unwrap().push(request.clone());
                let has = |h: &str| head.iter().any(|l| l.eq_ignore_ascii_case(h));
                let got = |k: &str| form.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
                let now = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .unwrap()
                    .as_secs();
                let lasting = |token: &str| {
                    (200, format!("{{\"access_token\": \"{token}\", \"expires_in\": 3599, \"token_type\": \"Bearer\"}}"))
                };
                let (status, body) = if request.starts_with(
                    "GET /msi/token?api-version=2019-08-01&resource=499b84ac-1321-427f-aa17-267ca6975798 ",
                ) {
                    if has(&format!("X-IDENTITY-HEADER: {MI_SECRET}")) {
                        let body = format!(
                            "{{\"access_token\": \"{MI_TOKEN}\", \"expires_on\": \"{}\", \"token_type\": \"Bearer\"}}",
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
                    lasting(METADATA_TOKEN)
                } else if request.starts_with("POST /tenant-1/oauth2/v2.0/token ") {
                    let ok = got("grant_type") == Some("client_credentials")
                        && got("client_id") == Some("app-1")
                        && got("scope") == Some("499b84ac-1321-427f-aa17-267ca6975798/.default")
                        && got("client_assertion_type")
                            == Some("urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
                        && got("client_assertion") == Some(FEDERATED);
                    if ok { lasting(WI_TOKEN) } else { (400, "{}".to_string()) }
                } else if request.starts_with("POST /v1/oauthtoken ") {
                    // Workforce identity federation's refresh: the refresh token in the form,
                    // the workforce pool's client as Basic authentication.
                    use base64::Engine;
                    let basic = format!(
                        "Authorization: Basic {}",
                        base64::engine::general_purpose::STANDARD.encode("client-1:secret-1")
                    );
                    let ok = form.len() == 2
                        && has(&basic)
                        && got("grant_type") == Some("refresh_token")
                        && got("refresh_token") == Some(WORKFORCE_REFRESH);
                    if ok { lasting(WORKFORCE_TOKEN) } else { (400, "{\"error\": \"invalid_grant\"}".to_string()) }
                } else if request.starts_with("POST /v1/token ") {
                    // Google's security token service: an RFC 8693 exchange, every field as
                    // google-auth sends it, the client's Basic authentication only when the
                    // configuration has a client.
                    use base64::Engine;
                    let audience = got("audience").unwrap_or_default();
                    let basic = format!(
                        "Authorization: Basic {}",
                        base64::engine::general_purpose::STANDARD.encode("client-1:secret-1")
                    );
                    let client = if audience.ends_with("/with-client") {
                        has(&basic)
                    } else {
                        !head.iter().any(|l| l.to_ascii_lowercase().starts_with("authorization:"))
                    };
                    // A workforce pool without a client names the project to bill.
                    let options = if audience.starts_with(WORKFORCE_AUDIENCE) {
                        form.len() == 7 && got("options") == Some("{\"userProject\":\"acme-billing\"}")
                    } else {
                        form.len() == 6
                    };
                    let ok = options
                        && client
                        && has("Content-Type: application/x-www-form-urlencoded")
                        && got("grant_type") == Some("urn:ietf:params:oauth:grant-type:token-exchange")
                        && (audience.starts_with(EXTERNAL_AUDIENCE)
                            || audience.starts_with(WORKFORCE_AUDIENCE))
                        && got("scope") == Some("https://www.googleapis.com/auth/cloud-platform")
                        && got("requested_token_type")
                            == Some("urn:ietf:params:oauth:token-type:access_token")
                        && got("subject_token") == Some(SUBJECT)
                        && got("subject_token_type") == Some("urn:ietf:params:oauth:token-type:jwt");
                    if ok {
                        (200, format!("{{\"access_token\": \"{STS_TOKEN}\", \"issued_token_type\": \"urn:ietf:params:oauth:token-type:access_token\", \"token_type\": \"Bearer\", \"expires_in\": 3599}}"))
                    } else {
                        (400, "{\"error\": \"invalid_grant\"}".to_string())
                    }
                } else if request.starts_with(
                    "POST /v1/projects/-/serviceAccounts/builder@acme-prod.iam.gserviceaccount.com:generateAccessToken ",
                ) {
                    // IAM's generateAccessToken: the exchanged token as Bearer, a JSON body with
                    // the scope and lifetime; the expiry tells the lifetimes apart.
                    let asked: serde_json::Value = serde_json::from_str(&raw).unwrap_or_default();
                    let expire = match asked["lifetime"].as_str() {
                        Some("3600s") => Some("2099-01-01T00:00:00Z"),
                        Some("1800s") => Some("2098-01-01T00:00:00Z"),
                        _ => None,
                    };
                    let ok = has(&format!("Authorization: Bearer {STS_TOKEN}"))
                        && has("Content-Type: application/json")
                        && asked.as_object().map(|o| o.len()) == Some(2)
                        && asked["scope"]
                            == serde_json::json!(["https://www.googleapis.com/auth/cloud-platform"]);
                    match expire {
                        Some(expire) if ok => (200, format!("{{\"accessToken\": \"{IMPERSONATED_TOKEN}\", \"expireTime\": \"{expire}\"}}")),
                        _ => (403, "{}".to_string()),
                    }
                } else if request.starts_with("GET /subject-token ") {
                    // A URL-sourced subject token, JSON, behind a header.
                    if has(&format!("X-Subject-Key: {SUBJECT_KEY}")) {
                        (200, format!("{{\"value\": \"{SUBJECT}\"}}"))
                    } else {
                        (403, "{}".to_string())
                    }
                } else if request.starts_with("POST /token ") {
                    match got("grant_type") {
                        Some("refresh_token")
                            if got("refresh_token") == Some(REFRESH)
                                && got("client_id") == Some("client-1")
                                && got("client_secret") == Some("secret-1") =>
                        {
                            lasting(ADC_USER_TOKEN)
                        }
                        Some("urn:ietf:params:oauth:grant-type:jwt-bearer") => {
                            let valid = account.as_ref().as_ref().is_some_and(|a| {
                                verify(got("assertion").unwrap_or_default(), a, port)
                            });
                            if valid { lasting(ADC_SA_TOKEN) } else { (400, "{}".to_string()) }
                        }
                        _ => (400, "{}".to_string()),
                    }
                } else {
                    (404, "{}".to_string())
                };
                // Chunked, as real metadata servers may answer.
                let answer = format!(
                    "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n{:x}\r\n{body}\r\n0\r\n\r\n",
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

/// `a=b&c=d`, percent-decoded.
fn parse_form(body: &str) -> Vec<(String, String)> {
    let decode = |s: &str| {
        let bytes = s.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] == b'%' && i + 2 < bytes.len() {
                if let Ok(b) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                    out.push(b);
                    i += 3;
                    continue;
                }
            }
            out.push(if bytes[i] == b'+' { b' ' } else { bytes[i] });
            i += 1;
        }
        String::from_utf8_lossy(&out).into_owned()
    };
    body.split('&')
        .filter_map(|pair| pair.split_once('='))
        .map(|(k, v)| (decode(k), decode(v)))
        .collect()
}

/// Whether `jwt` is an RS256 assertion by `account`'s key for this endpoint, as Google checks
/// it: the signature (openssl, against the public key), the issuer and the audience.
fn verify(jwt: &str, account: &ServiceAccount, port: u16) -> bool {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine;
    let parts: Vec<&str> = jwt.split('.').collect();
    let [header, claims, signature] = parts[..] else {
        return false;
    };
    let Ok(claims_json) = URL_SAFE_NO_PAD.decode(claims) else {
        return false;
    };
    let claims_json: serde_json::Value = serde_json::from_slice(&claims_json).unwrap_or_default();
    if claims_json["iss"] != account.email.as_str()
        || claims_json["aud"] != format!("http://127.0.0.1:{port}/token").as_str()
    {
        return false;
    }
    let dir = tempfile::tempdir().unwrap();
    let (data, sig) = (dir.path().join("data"), dir.path().join("sig"));
    std::fs::write(&data, format!("{header}.{claims}")).unwrap();
    std::fs::write(&sig, URL_SAFE_NO_PAD.decode(signature).unwrap_or_default()).unwrap();
    std::process::Command::new("openssl")
        .args(["dgst", "-sha256", "-verify"])
        .arg(&account.public_pem)
        .arg("-signature")
        .arg(&sig)
        .arg(&data)
        .output()
        .is_ok_and(|o| o.status.success())
}
