//! A loopback stand-in for the one CodeArtifact call ca-env makes, GetAuthorizationToken.
//!
//! The binary under test is pointed at it with
//! `AWS_ENDPOINT_URL_CODEARTIFACT=http://127.0.0.1:PORT`. It speaks just enough HTTP/1.1 for
//! the SDK's client (keep-alive, Content-Length bodies, `Expect: 100-continue`), verifies
//! SigV4 signatures for real so that a wrong key or secret fails the way AWS fails, and records
//! every request so tests can check what the binary asked for.
//!
//! Only std, `hmac` and `sha2`: an HTTP server crate or an async runtime here would make the
//! stand-in harder to reason about than the few hundred lines it replaces.

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

pub const TEST_KEY_ID: &str = "AKIDSTANDINTEST00001";
pub const TEST_SECRET: &str = "standin/secret/key/one/0000000000000000";
pub const OTHER_KEY_ID: &str = "AKIDSTANDINTEST00002";
pub const OTHER_SECRET: &str = "standin/secret/key/two/0000000000000000";

/// The one path GetAuthorizationToken is served on.
pub const TOKEN_PATH: &str = "/v1/authorization-token";

/// How far `x-amz-date` may be from now before AWS calls the signature expired.
const MAX_SKEW_SECS: u64 = 15 * 60;

/// Lifetime of a token when the request asks for none (duration absent or 0): 12 hours.
const DEFAULT_LIFETIME_SECS: u64 = 43_200;

/// Modelled errors of GetAuthorizationToken that a test can inject with [`StandIn::fail_next`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    AccessDenied,
    Validation,
    ResourceNotFound,
    Throttling,
    Internal,
}

impl Failure {
    fn status(self) -> u16 {
        match self {
            Failure::AccessDenied => 403,
            Failure::Validation => 400,
            Failure::ResourceNotFound => 404,
            Failure::Throttling => 429,
            Failure::Internal => 500,
        }
    }

    fn error_type(self) -> &'static str {
        match self {
            Failure::AccessDenied => "AccessDeniedException",
            Failure::Validation => "ValidationException",
            Failure::ResourceNotFound => "ResourceNotFoundException",
            Failure::Throttling => "ThrottlingException",
            Failure::Internal => "InternalServerException",
        }
    }

    fn message(self) -> &'static str {
        match self {
            Failure::AccessDenied => {
                "User is not authorized to perform: codeartifact:GetAuthorizationToken"
            }
            Failure::Validation => "1 validation error detected",
            Failure::ResourceNotFound => "Domain not found",
            Failure::Throttling => "Rate exceeded",
            Failure::Internal => "An internal error occurred",
        }
    }
}

/// One request that reached the handler, whatever it was answered.
///
/// Fields the request did not carry (or that could not be parsed) are empty or `None`.
#[derive(Debug, Clone)]
pub struct Call {
    /// Access key id from the `Credential=` part of the Authorization header.
    pub key_id: String,
    /// Region from the credential scope.
    pub region: String,
    pub domain: String,
    pub owner: String,
    pub duration: Option<u64>,
    pub session_token: Option<String>,
    pub status: u16,
    /// The token handed out, on a 200 only.
    pub token: Option<String>,
    /// When the request arrived (before any [`StandIn::delay`]).
    pub at: SystemTime,
}

struct Key {
    secret: String,
    session_token: Option<String>,
}

/// Everything tests can change or read, behind one lock.
struct State {
    keys: HashMap<String, Key>,
    denied: HashSet<String>,
    delay: Duration,
    /// Injected failures still to hand out, and which.
    failures: usize,
    failure: Failure,
    /// `None`: lifetime follows the request's duration.
    expires_in: Option<u64>,
    calls: Vec<Call>,
    /// Counts tokens issued, so that no two are alike.
    issued: u64,
    /// Appended to every token issued (hostile characters, for the injection tests).
    suffix: String,
    /// Told each token issued, before the answer leaves (see [`StandIn::on_issue`]).
    on_issue: Option<OnIssue>,
    /// Seconds the service's clock is ahead of this machine's (behind when negative).
    skew: i64,
}

type OnIssue = Arc<dyn Fn(&str) + Send + Sync>;

struct Shared {
    addr: SocketAddr,
    /// Mixed into tokens so two stand-ins in one test run do not hand out the same ones.
    nonce: u64,
    state: Mutex<State>,
    stopped: AtomicBool,
    /// Clones of open connections, so that dropping the stand-in can close them.
    conns: Mutex<Vec<TcpStream>>,
}

impl Shared {
    fn state(&self) -> MutexGuard<'_, State> {
        // A panicking connection thread must not take every later test assertion down with it.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Stops the server when the last handle is dropped. Kept apart from `Shared` because the
/// serving threads hold `Shared` themselves and would otherwise keep it alive forever.
struct Owner {
    shared: Arc<Shared>,
}

impl Drop for Owner {
    fn drop(&mut self) {
        self.shared.stopped.store(true, Ordering::SeqCst);
        // Wake the accept loop so it sees the flag.
        let _ = TcpStream::connect(self.shared.addr);
        for conn in self
            .shared
            .conns
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .drain(..)
        {
            let _ = conn.shutdown(Shutdown::Both);
        }
    }
}

/// Handle on a running stand-in. Clones share the same server; it stops when the last one
/// is dropped.
#[derive(Clone)]
pub struct StandIn {
    shared: Arc<Shared>,
    _owner: Arc<Owner>,
}

impl StandIn {
    /// Binds 127.0.0.1 on a free port and serves in background threads. [`TEST_KEY_ID`] and
    /// [`OTHER_KEY_ID`] are registered, without session tokens.
    pub fn start() -> StandIn {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind stand-in on loopback");
        let addr = listener.local_addr().unwrap();
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        let mut keys = HashMap::new();
        for (id, secret) in [(TEST_KEY_ID, TEST_SECRET), (OTHER_KEY_ID, OTHER_SECRET)] {
            keys.insert(
                id.to_string(),
                Key {
                    secret: secret.to_string(),
                    session_token: None,
                },
            );
        }
        let shared = Arc::new(Shared {
            addr,
            nonce: now.as_nanos() as u64 ^ (u64::from(addr.port()) << 48),
            state: Mutex::new(State {
                keys,
                denied: HashSet::new(),
                delay: Duration::ZERO,
                failures: 0,
                failure: Failure::Internal,
                expires_in: None,
                calls: Vec::new(),
                issued: 0,
                suffix: String::new(),
                on_issue: None,
                skew: 0,
            }),
            stopped: AtomicBool::new(false),
            conns: Mutex::new(Vec::new()),
        });
        let acceptor = Arc::clone(&shared);
        thread::Builder::new()
            .name(format!("standin-accept-{}", addr.port()))
            .spawn(move || accept_loop(listener, acceptor))
            .expect("spawn stand-in thread");
        StandIn {
            _owner: Arc::new(Owner {
                shared: Arc::clone(&shared),
            }),
            shared,
        }
    }

    /// `http://127.0.0.1:PORT`, for `AWS_ENDPOINT_URL_CODEARTIFACT` or `endpoint_url`.
    pub fn url(&self) -> String {
        format!("http://{}", self.shared.addr)
    }

    pub fn port(&self) -> u16 {
        self.shared.addr.port()
    }

    /// Registers (or replaces) a key. With a session token, requests signed by this key must
    /// carry that token in a signed `x-amz-security-token`, as with temporary credentials.
    pub fn add_key(&self, id: &str, secret: &str, session_token: Option<&str>) {
        self.shared.state().keys.insert(
            id.to_string(),
            Key {
                secret: secret.to_string(),
                session_token: session_token.map(str::to_string),
            },
        );
    }

    /// Requests correctly signed by this key get AccessDeniedException, as when the IAM
    /// policy lacks codeartifact:GetAuthorizationToken.
    pub fn deny_key(&self, id: &str) {
        self.shared.state().denied.insert(id.to_string());
    }

    /// Every request arriving from now on waits `d` before it is answered.
    pub fn delay(&self, d: Duration) {
        self.shared.state().delay = d;
    }

    /// The next `n` requests that would have succeeded get `f` instead. Authentication and
    /// validation errors still come first, so a failure is only used up by a good request.
    pub fn fail_next(&self, n: usize, f: Failure) {
        let mut state = self.shared.state();
        state.failures = n;
        state.failure = f;
    }

    /// Overrides the lifetime of issued tokens; `None` restores the default, which follows
    /// the request's duration (0 or absent meaning 12 hours) like the service.
    pub fn expires_in(&self, secs: Option<u64>) {
        self.shared.state().expires_in = secs;
    }

    /// Appends `suffix` to every token issued from now on.
    pub fn token_suffix(&self, suffix: &str) {
        self.shared.state().suffix = suffix.to_string();
    }

    /// Calls `f` with each token issued from now on, before the caller receives it, so that a
    /// test server (a package index) can accept exactly the current token. `f` runs on the
    /// connection's thread, with no lock held.
    pub fn on_issue(&self, f: impl Fn(&str) + Send + Sync + 'static) {
        self.shared.state().on_issue = Some(Arc::new(f));
    }

    /// Sets the service's clock `secs` ahead of this machine's (behind when negative): its
    /// `Date` headers, the 15 minutes it allows a signature, and the expiry of its tokens all
    /// follow that clock, as they would with the machine's clock off by as much.
    pub fn clock_skew(&self, secs: i64) {
        self.shared.state().skew = secs;
    }

    /// Every request that reached the handler, in arrival order, including rejected ones.
    pub fn calls(&self) -> Vec<Call> {
        self.shared.state().calls.clone()
    }

    /// Every token issued so far, in order.
    pub fn issued(&self) -> Vec<String> {
        self.calls().into_iter().filter_map(|c| c.token).collect()
    }

    /// How many requests were answered 200.
    pub fn ok_calls(&self) -> usize {
        self.shared
            .state()
            .calls
            .iter()
            .filter(|c| c.status == 200)
            .count()
    }
}

fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    for conn in listener.incoming() {
        if shared.stopped.load(Ordering::SeqCst) {
            return;
        }
        let Ok(conn) = conn else { continue };
        if let Ok(clone) = conn.try_clone() {
            shared
                .conns
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(clone);
        }
        let shared = Arc::clone(&shared);
        // One thread per connection: a delayed answer on one keep-alive connection must not
        // hold up requests the client sends on another.
        let _ = thread::Builder::new()
            .name("standin-conn".to_string())
            .spawn(move || {
                let _ = serve_connection(conn, &shared);
            });
    }
}

// ---------------------------------------------------------------------------------------------
// HTTP/1.1, the small part of it the SDK uses.

struct Request {
    method: String,
    /// Path as sent, still percent-encoded, without the query.
    path: String,
    /// Query as sent, still percent-encoded.
    query: String,
    /// Lowercased names, in arrival order; repeated headers stay separate entries.
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Request {
    /// Value of a header; repeated headers are joined with commas, as SigV4 canonicalises them.
    fn header(&self, name: &str) -> Option<String> {
        let values: Vec<&str> = self
            .headers
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .collect();
        (!values.is_empty()).then(|| values.join(","))
    }
}

struct Response {
    status: u16,
    error_type: Option<&'static str>,
    body: String,
    /// The `Date` header, from the service's clock, as AWS sends one with every answer.
    date: String,
}

impl Response {
    fn error(status: u16, error_type: &'static str, message: &str) -> Response {
        Response {
            status,
            error_type: Some(error_type),
            body: format!("{{\"message\":\"{}\"}}", json_escape(message)),
            date: String::new(),
        }
    }
}

fn serve_connection(conn: TcpStream, shared: &Shared) -> io::Result<()> {
    let mut writer = conn.try_clone()?;
    let mut reader = BufReader::new(conn);
    loop {
        let Some(req) = read_request(&mut reader, &mut writer)? else {
            return Ok(()); // the client closed the connection between requests
        };
        if shared.stopped.load(Ordering::SeqCst) {
            return Ok(());
        }
        let close = req
            .header("connection")
            .is_some_and(|v| v.eq_ignore_ascii_case("close"));
        let (resp, delay) = handle(shared, &req);
        if !delay.is_zero() {
            thread::sleep(delay);
        }
        write_response(&mut writer, &resp, close)?;
        if close {
            return Ok(());
        }
    }
}

/// Reads one request; `None` on a clean EOF before its first byte.
fn read_request(
    reader: &mut BufReader<TcpStream>,
    writer: &mut TcpStream,
) -> io::Result<Option<Request>> {
    let bad = |what: &str| io::Error::new(io::ErrorKind::InvalidData, what.to_string());
    let mut line = String::new();
    if reader.read_line(&mut line)? == 0 {
        return Ok(None);
    }
    let mut parts = line.split_whitespace();
    let (Some(method), Some(target), Some(_version)) = (parts.next(), parts.next(), parts.next())
    else {
        return Err(bad("malformed request line"));
    };
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let mut req = Request {
        method: method.to_string(),
        path: path.to_string(),
        query: query.to_string(),
        headers: Vec::new(),
        body: Vec::new(),
    };
    let mut head_bytes = line.len();
    loop {
        line.clear();
        let n = reader.read_line(&mut line)?;
        head_bytes += n;
        if n == 0 {
            return Err(bad("connection closed inside the headers"));
        }
        if head_bytes > 64 * 1024 {
            return Err(bad("headers too large"));
        }
        let trimmed = line.trim_end_matches(['\r', '\n']);
        if trimmed.is_empty() {
            break;
        }
        let (name, value) = trimmed
            .split_once(':')
            .ok_or_else(|| bad("malformed header"))?;
        req.headers
            .push((name.trim().to_ascii_lowercase(), value.trim().to_string()));
    }
    if req.header("transfer-encoding").is_some() {
        // GetAuthorizationToken has an empty body; the SDK never streams one here.
        return Err(bad("chunked bodies are not supported"));
    }
    let len: usize = match req.header("content-length") {
        Some(v) => v.trim().parse().map_err(|_| bad("bad content-length"))?,
        None => 0,
    };
    if len > 0
        && req
            .header("expect")
            .is_some_and(|v| v.eq_ignore_ascii_case("100-continue"))
    {
        writer.write_all(b"HTTP/1.1 100 Continue\r\n\r\n")?;
        writer.flush()?;
    }
    req.body = vec![0; len];
    reader.read_exact(&mut req.body)?;
    Ok(Some(req))
}

fn write_response(out: &mut TcpStream, resp: &Response, close: bool) -> io::Result<()> {
    let mut head = format!(
        "HTTP/1.1 {} {}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n",
        resp.status,
        reason(resp.status),
        resp.body.len()
    );
    if let Some(t) = resp.error_type {
        let _ = write!(head, "x-amzn-ErrorType: {t}\r\n");
    }
    if !resp.date.is_empty() {
        let _ = write!(head, "Date: {}\r\n", resp.date);
    }
    if close {
        head.push_str("connection: close\r\n");
    }
    head.push_str("\r\n");
    // One write, so a client never sees the head without the body it announces.
    let mut bytes = head.into_bytes();
    bytes.extend_from_slice(resp.body.as_bytes());
    out.write_all(&bytes)?;
    out.flush()
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        _ => "Unknown",
    }
}

// ---------------------------------------------------------------------------------------------
// The service: authenticate, authorise, validate, answer.

/// Decides the answer to one request and records it; returns how long to wait before sending.
fn handle(shared: &Shared, req: &Request) -> (Response, Duration) {
    let arrived = SystemTime::now();
    let skew = shared.state().skew;
    let now = if skew >= 0 {
        arrived + Duration::from_secs(skew.unsigned_abs())
    } else {
        arrived - Duration::from_secs(skew.unsigned_abs())
    };
    let query: Vec<(String, String)> = parse_query(&req.query);
    let param = |name: &str| {
        query
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
    };
    let auth = req.header("authorization").unwrap_or_default();
    let parsed = parse_authorization(&auth);
    let mut call = Call {
        key_id: parsed
            .as_ref()
            .map(|a| a.key_id.clone())
            .unwrap_or_default(),
        region: parsed
            .as_ref()
            .map(|a| a.region.clone())
            .unwrap_or_default(),
        domain: param("domain").unwrap_or_default(),
        owner: param("domain-owner").unwrap_or_default(),
        duration: param("duration").and_then(|d| d.parse().ok()),
        session_token: req.header("x-amz-security-token"),
        status: 0,
        token: None,
        at: arrived,
    };

    let mut state = shared.state();
    let delay = state.delay;
    let resp = match decide(&mut state, req, &query, parsed, &call, now) {
        Ok(lifetime) => {
            state.issued += 1;
            let token = make_token(shared.nonce, state.issued) + &state.suffix;
            let expiration = unix_secs(now) + lifetime;
            call.token = Some(token.clone());
            let token = serde_json::to_string(&token).expect("a string serialises");
            Response {
                status: 200,
                error_type: None,
                body: format!("{{\"authorizationToken\":{token},\"expiration\":{expiration}}}"),
                date: String::new(),
            }
        }
        Err(resp) => resp,
    };
    let resp = Response {
        date: http_date(now),
        ..resp
    };
    call.status = resp.status;
    let issued = call.token.clone().zip(state.on_issue.clone());
    state.calls.push(call);
    drop(state);
    if let Some((token, f)) = issued {
        f(&token);
    }
    (resp, delay)
}

/// Runs the checks in the order the service does; `Ok` carries the token's lifetime.
fn decide(
    state: &mut State,
    req: &Request,
    query: &[(String, String)],
    auth: Option<Authorization>,
    call: &Call,
    now: SystemTime,
) -> Result<u64, Response> {
    if req.method != "POST" || req.path != TOKEN_PATH {
        return Err(Response::error(
            404,
            "UnknownOperationException",
            "Unknown operation",
        ));
    }
    if req.header("authorization").is_none() {
        return Err(Response::error(
            403,
            "MissingAuthenticationTokenException",
            "Missing Authentication Token",
        ));
    }
    let Some(auth) = auth else {
        return Err(Response::error(
            400,
            "IncompleteSignatureException",
            "Authorization header requires Credential, SignedHeaders and Signature",
        ));
    };
    let Some(key) = state.keys.get(&auth.key_id) else {
        return Err(unrecognized());
    };
    verify(req, query, &auth, key, now)?;
    if state.denied.contains(&auth.key_id) {
        return Err(Response::error(
            403,
            "AccessDeniedException",
            Failure::AccessDenied.message(),
        ));
    }
    validate(call, query)?;
    if state.failures > 0 {
        state.failures -= 1;
        let f = state.failure;
        return Err(Response::error(f.status(), f.error_type(), f.message()));
    }
    Ok(state.expires_in.unwrap_or(match call.duration {
        Some(d) if d > 0 => d,
        _ => DEFAULT_LIFETIME_SECS,
    }))
}

/// What AWS answers for an unknown key, and for a session token that does not belong to it.
fn unrecognized() -> Response {
    Response::error(
        403,
        "UnrecognizedClientException",
        "The security token included in the request is invalid.",
    )
}

fn invalid_signature(message: &str) -> Response {
    Response::error(403, "InvalidSignatureException", message)
}

/// The parts of `Authorization: AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…`.
struct Authorization {
    key_id: String,
    date: String,
    region: String,
    service: String,
    signed_headers: Vec<String>,
    signature: String,
}

fn parse_authorization(value: &str) -> Option<Authorization> {
    let rest = value.strip_prefix("AWS4-HMAC-SHA256 ")?;
    let mut fields = HashMap::new();
    for part in rest.split(',') {
        let (k, v) = part.trim().split_once('=')?;
        fields.insert(k, v);
    }
    let scope: Vec<&str> = fields.get("Credential")?.split('/').collect();
    let [key_id, date, region, service, "aws4_request"] = scope[..] else {
        return None;
    };
    Some(Authorization {
        key_id: key_id.to_string(),
        date: date.to_string(),
        region: region.to_string(),
        service: service.to_string(),
        signed_headers: fields
            .get("SignedHeaders")?
            .split(';')
            .map(str::to_string)
            .collect(),
        signature: fields.get("Signature")?.to_string(),
    })
}

/// Recomputes the signature from the request as received, with the key's secret.
fn verify(
    req: &Request,
    query: &[(String, String)],
    auth: &Authorization,
    key: &Key,
    now: SystemTime,
) -> Result<(), Response> {
    let signed = |name: &str| auth.signed_headers.iter().any(|h| h == name);

    // Session tokens first: AWS reports a missing or foreign token as an unknown client,
    // before it looks at the signature.
    let sent_token = req.header("x-amz-security-token");
    if sent_token != key.session_token {
        return Err(unrecognized());
    }
    if sent_token.is_some() && !signed("x-amz-security-token") {
        return Err(invalid_signature(
            "'x-amz-security-token' must be a signed header",
        ));
    }
    for required in ["host", "x-amz-date"] {
        if !signed(required) {
            return Err(invalid_signature(&format!(
                "'{required}' must be a signed header"
            )));
        }
    }
    if auth.service != "codeartifact" {
        return Err(invalid_signature(&format!(
            "Credential should be scoped to correct service: 'codeartifact', not '{}'",
            auth.service
        )));
    }
    let amz_date = req.header("x-amz-date").unwrap_or_default();
    let Some(signed_at) = parse_amz_date(&amz_date) else {
        return Err(invalid_signature("x-amz-date is not yyyymmddThhmmssZ"));
    };
    if amz_date[..8] != auth.date {
        return Err(invalid_signature(&format!(
            "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '{}' != '{}'",
            auth.date,
            &amz_date[..8]
        )));
    }
    if unix_secs(now).abs_diff(signed_at) > MAX_SKEW_SECS {
        return Err(invalid_signature(&format!(
            "Signature expired: {amz_date} is more than 15 minutes from now"
        )));
    }

    let mut headers = Vec::new();
    for name in &auth.signed_headers {
        let Some(value) = req.header(name) else {
            return Err(invalid_signature(&format!(
                "signed header '{name}' is missing from the request"
            )));
        };
        headers.push((name.clone(), value));
    }
    let payload_hash = req
        .header("x-amz-content-sha256")
        .unwrap_or_else(|| hex_sha256(&req.body));
    let canonical = canonical_request(
        &req.method,
        &percent_decode(&req.path),
        query,
        &headers,
        &payload_hash,
    );
    let expected = signature(
        &key.secret,
        &amz_date,
        &auth.region,
        &auth.service,
        &canonical,
    );
    if expected != auth.signature {
        return Err(invalid_signature(
            "The request signature we calculated does not match the signature you provided. \
             Check your AWS Secret Access Key and signing method.",
        ));
    }
    Ok(())
}

/// The service's input validation for GetAuthorizationToken.
fn validate(call: &Call, query: &[(String, String)]) -> Result<(), Response> {
    let invalid = |what: String| Err(Response::error(400, "ValidationException", &what));
    let d = call.domain.as_bytes();
    let domain_ok = (2..=50).contains(&d.len())
        && d[0].is_ascii_lowercase()
        && d.iter()
            .all(|&c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-');
    if !domain_ok {
        return invalid(format!(
            "1 validation error detected: Value '{}' at 'domain' failed to satisfy constraint: \
             Member must be 2 to 50 characters matching [a-z][a-z0-9\\-]*",
            call.domain
        ));
    }
    // domain-owner is optional in the API (it defaults to the caller's account).
    let owner = &call.owner;
    let owner_ok = owner.len() == 12 && owner.bytes().all(|c| c.is_ascii_digit());
    if !owner.is_empty() && !owner_ok {
        return invalid(format!(
            "1 validation error detected: Value '{owner}' at 'domainOwner' failed to satisfy \
             constraint: Member must satisfy regular expression pattern: [0-9]{{12}}"
        ));
    }
    // Checked from the raw parameter: a duration that is not a number never made it into
    // `call.duration`, but the service rejects it all the same.
    let raw_duration = query.iter().find(|(n, _)| n == "duration").map(|(_, v)| v);
    match (raw_duration, call.duration) {
        (None, _) | (Some(_), Some(0 | 900..=43_200)) => {}
        (Some(d), _) => {
            return invalid(format!(
                "1 validation error detected: Value '{d}' at 'durationSeconds' failed to satisfy \
                 constraint: Member must be 0 or between 900 and 43200"
            ))
        }
    }
    Ok(())
}

/// Tokens shaped like real ones ("eyJ" and ~800 URL-safe characters), unique per call because
/// they embed the stand-in's nonce and the call counter in plain text.
fn make_token(nonce: u64, counter: u64) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut seed = nonce ^ counter.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    let mut filler = |n: usize| -> String {
        (0..n)
            .map(|_| ALPHABET[(splitmix64(&mut seed) % 64) as usize] as char)
            .collect()
    };
    let head = filler(250);
    let tail = filler(520);
    format!("eyJ{head}.{nonce:016x}{counter:08}.{tail}")
}

/// A small, well-known PRNG step; good enough to make tokens look random.
fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn json_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// SigV4, shared by the verifier above and by `sign` for tests, so that the test-suite vector
// checks the same canonicalisation the stand-in verifies with.

/// Signs a request the way AWS SigV4 clients do and returns the `Authorization` value.
///
/// `path` and query values are given unencoded. Every header in `headers` is signed, so it
/// must include `host` and `x-amz-date` (whose value must equal `amz_date`) for the stand-in to
/// accept it. The payload hash is `x-amz-content-sha256` if given, else the body's SHA-256.
#[allow(clippy::too_many_arguments)]
pub fn sign(
    method: &str,
    path: &str,
    query: &[(&str, &str)],
    headers: &[(&str, &str)],
    body: &[u8],
    key_id: &str,
    secret: &str,
    region: &str,
    service: &str,
    amz_date: &str,
) -> String {
    // Lowercase and sort by name; repeated headers are joined with commas in the order given.
    let mut merged: Vec<(String, String)> = Vec::new();
    for (name, value) in headers {
        let name = name.to_ascii_lowercase();
        match merged.iter_mut().find(|(n, _)| *n == name) {
            Some((_, v)) => {
                v.push(',');
                v.push_str(value);
            }
            None => merged.push((name, value.to_string())),
        }
    }
    merged.sort_by(|a, b| a.0.cmp(&b.0));
    let payload_hash = merged
        .iter()
        .find(|(n, _)| n == "x-amz-content-sha256")
        .map(|(_, v)| v.clone())
        .unwrap_or_else(|| hex_sha256(body));
    let query: Vec<(String, String)> = query
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let canonical = canonical_request(method, path, &query, &merged, &payload_hash);
    let sig = signature(secret, amz_date, region, service, &canonical);
    let signed_headers: Vec<&str> = merged.iter().map(|(n, _)| n.as_str()).collect();
    format!(
        "AWS4-HMAC-SHA256 Credential={key_id}/{}/{region}/{service}/aws4_request, SignedHeaders={}, Signature={sig}",
        &amz_date[..8.min(amz_date.len())],
        signed_headers.join(";")
    )
}

/// The canonical request. `path` and query pairs are unencoded; `headers` are the signed ones,
/// lowercase, in the order of the SignedHeaders list.
fn canonical_request(
    method: &str,
    path: &str,
    query: &[(String, String)],
    headers: &[(String, String)],
    payload_hash: &str,
) -> String {
    // Each segment encoded once. (Services other than S3 encode twice, but that only differs
    // for paths with reserved characters, and the token path has none.)
    let uri = if path.is_empty() {
        "/".to_string()
    } else {
        path.split('/')
            .map(uri_encode)
            .collect::<Vec<_>>()
            .join("/")
    };
    let mut pairs: Vec<(String, String)> = query
        .iter()
        .map(|(k, v)| (uri_encode(k), uri_encode(v)))
        .collect();
    pairs.sort();
    let query_string = pairs
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&");
    let mut canonical_headers = String::new();
    for (name, value) in headers {
        let value = value.split_whitespace().collect::<Vec<_>>().join(" ");
        let _ = writeln!(canonical_headers, "{name}:{value}");
    }
    let signed_headers = headers
        .iter()
        .map(|(n, _)| n.as_str())
        .collect::<Vec<_>>()
        .join(";");
    format!(
        "{method}\n{uri}\n{query_string}\n{canonical_headers}\n{signed_headers}\n{payload_hash}"
    )
}

/// Hex signature of a canonical request under the scope derived from `amz_date`.
fn signature(secret: &str, amz_date: &str, region: &str, service: &str, canonical: &str) -> String {
    let date = &amz_date[..8.min(amz_date.len())];
    let string_to_sign = format!(
        "AWS4-HMAC-SHA256\n{amz_date}\n{date}/{region}/{service}/aws4_request\n{}",
        hex_sha256(canonical.as_bytes())
    );
    let mut key = hmac(format!("AWS4{secret}").as_bytes(), date.as_bytes());
    for part in [region, service, "aws4_request"] {
        key = hmac(&key, part.as_bytes());
    }
    hex(&hmac(&key, string_to_sign.as_bytes()))
}

fn hmac(key: &[u8], data: &[u8]) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes keys of any length");
    mac.update(data);
    mac.finalize().into_bytes().to_vec()
}

fn hex_sha256(data: &[u8]) -> String {
    hex(&Sha256::digest(data))
}

fn hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// RFC 3986 encoding: everything but the unreserved set, uppercase hex, as SigV4 requires.
fn uri_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for &b in s.as_bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex_pair = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex_pair) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Splits a raw query into decoded pairs; a name without `=` has an empty value.
fn parse_query(raw: &str) -> Vec<(String, String)> {
    raw.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Dates, by hand: the civil-calendar conversions are a few lines and keep `time` out of here.

/// `yyyymmddThhmmssZ` for `t`, the form `x-amz-date` takes.
pub fn amz_date(t: SystemTime) -> String {
    let secs = unix_secs(t);
    let (y, m, d) = civil_from_days((secs / 86_400) as i64);
    let rem = secs % 86_400;
    format!(
        "{y:04}{m:02}{d:02}T{:02}{:02}{:02}Z",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}

/// `Sun, 06 Nov 1994 08:49:37 GMT` for `t`, the form of HTTP's `Date` header.
pub fn http_date(t: SystemTime) -> String {
    let secs = unix_secs(t);
    let days = (secs / 86_400) as i64;
    let (y, m, d) = civil_from_days(days);
    // 1970-01-01 was a Thursday.
    let weekday = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"][days.rem_euclid(7) as usize];
    let month = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ][m as usize - 1];
    let rem = secs % 86_400;
    format!(
        "{weekday}, {d:02} {month} {y:04} {:02}:{:02}:{:02} GMT",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}

fn unix_secs(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// Seconds since the epoch for `yyyymmddThhmmssZ`, or `None` if it is not one.
fn parse_amz_date(s: &str) -> Option<u64> {
    let b = s.as_bytes();
    if b.len() != 16 || b[8] != b'T' || b[15] != b'Z' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u64> {
        let part = &s[r];
        part.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| part.parse().ok())?
    };
    let (y, mo, d) = (num(0..4)?, num(4..6)?, num(6..8)?);
    let (h, mi, se) = (num(9..11)?, num(11..13)?, num(13..15)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || se > 60 {
        return None;
    }
    let days = days_from_civil(y as i64, mo as u32, d as u32);
    u64::try_from(days * 86_400 + (h * 3600 + mi * 60 + se) as i64).ok()
}

/// Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = i64::from((m + 9) % 12);
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Inverse of [`days_from_civil`].
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = (if mp < 10 { mp + 3 } else { mp - 9 }) as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}
