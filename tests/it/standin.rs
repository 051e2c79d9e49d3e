//! Tests of the CodeArtifact stand-in itself: its SigV4 against an official test vector, its
//! answers to hand-built requests, and that the real AWS SDK accepts it (and is rejected by
//! it) the way it would be by AWS.

use crate::support;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use support::standin::{
    amz_date, http_date, sign, Failure, StandIn, OTHER_KEY_ID, OTHER_SECRET, TEST_KEY_ID,
    TEST_SECRET, TOKEN_PATH,
};

const GOOD_QUERY: &[(&str, &str)] = &[
    ("domain", "corp"),
    ("domain-owner", "111122223333"),
    ("duration", "900"),
];

/// One response as a client sees it.
#[derive(Debug)]
struct Reply {
    status: u16,
    error_type: Option<String>,
    /// The `Date` header.
    date: Option<String>,
    body: String,
}

impl Reply {
    fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.body))
    }

    fn token(&self) -> String {
        self.json()["authorizationToken"]
            .as_str()
            .expect("authorizationToken is a string")
            .to_string()
    }
}

/// What a request should carry; the defaults make a good one signed by TEST_KEY_ID.
struct Req<'a> {
    key_id: &'a str,
    secret: &'a str,
    session_token: Option<&'a str>,
    /// Sent but left out of the signature.
    unsigned_session_token: Option<&'a str>,
    query: &'a [(&'a str, &'a str)],
    region: &'a str,
    service: &'a str,
    amz_date: String,
    /// Overrides the date in the credential scope (normally `amz_date`'s).
    scope_date: Option<&'a str>,
    sign_host: bool,
    body: &'a [u8],
    expect_continue: bool,
}

impl Default for Req<'_> {
    fn default() -> Self {
        Req {
            key_id: TEST_KEY_ID,
            secret: TEST_SECRET,
            session_token: None,
            unsigned_session_token: None,
            query: GOOD_QUERY,
            region: "us-west-2",
            service: "codeartifact",
            amz_date: amz_date(SystemTime::now()),
            scope_date: None,
            sign_host: true,
            body: b"",
            expect_continue: false,
        }
    }
}

impl Req<'_> {
    /// The request head (everything up to and including the blank line), signed.
    fn head(&self, port: u16) -> String {
        let host = format!("127.0.0.1:{port}");
        let mut signed: Vec<(&str, &str)> = vec![("x-amz-date", &self.amz_date)];
        if self.sign_host {
            signed.push(("host", &host));
        }
        if let Some(t) = self.session_token {
            signed.push(("x-amz-security-token", t));
        }
        let mut auth = sign(
            "POST",
            TOKEN_PATH,
            self.query,
            &signed,
            self.body,
            self.key_id,
            self.secret,
            self.region,
            self.service,
            &self.amz_date,
        );
        if let Some(d) = self.scope_date {
            auth = auth.replacen(&self.amz_date[..8], d, 1);
        }
        let query: Vec<String> = self
            .query
            .iter()
            .map(|(k, v)| format!("{k}={}", v.replace(' ', "%20")))
            .collect();
        let mut head = format!(
            "POST {TOKEN_PATH}?{} HTTP/1.1\r\nhost: {host}\r\nx-amz-date: {}\r\n\
             x-amz-user-agent: standin-test\r\nauthorization: {auth}\r\ncontent-length: {}\r\n",
            query.join("&"),
            self.amz_date,
            self.body.len()
        );
        if let Some(t) = self.session_token.or(self.unsigned_session_token) {
            head.push_str(&format!("x-amz-security-token: {t}\r\n"));
        }
        if self.expect_continue {
            head.push_str("expect: 100-continue\r\n");
        }
        head.push_str("\r\n");
        head
    }

    /// Sends the request on `conn` (which stays usable for the next one) and reads the reply.
    fn send_on(&self, conn: &mut BufReader<TcpStream>, port: u16) -> Reply {
        conn.get_mut()
            .write_all(self.head(port).as_bytes())
            .unwrap();
        if self.expect_continue {
            // The body must wait for the interim answer.
            let interim = read_reply(conn);
            assert_eq!(interim.status, 100, "expected 100 Continue first");
        }
        conn.get_mut().write_all(self.body).unwrap();
        read_reply(conn)
    }

    fn send(&self, standin: &StandIn) -> Reply {
        self.send_on(&mut connect(standin), standin.port())
    }
}

fn connect(standin: &StandIn) -> BufReader<TcpStream> {
    let conn = TcpStream::connect(("127.0.0.1", standin.port())).unwrap();
    conn.set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    BufReader::new(conn)
}

fn read_reply(conn: &mut BufReader<TcpStream>) -> Reply {
    let mut line = String::new();
    conn.read_line(&mut line).unwrap();
    let status = line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("bad status line {line:?}"));
    let (mut len, mut error_type, mut date) = (0, None, None);
    loop {
        line.clear();
        conn.read_line(&mut line).unwrap();
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        let (name, value) = line.split_once(':').unwrap();
        match name.to_ascii_lowercase().as_str() {
            "content-length" => len = value.trim().parse().unwrap(),
            "x-amzn-errortype" => error_type = Some(value.trim().to_string()),
            "date" => date = Some(value.trim().to_string()),
            _ => {}
        }
    }
    let mut body = vec![0; len];
    conn.read_exact(&mut body).unwrap();
    Reply {
        status,
        error_type,
        date,
        body: String::from_utf8(body).unwrap(),
    }
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn assert_error(reply: &Reply, status: u16, error_type: &str) {
    assert_eq!(reply.status, status, "{reply:?}");
    assert_eq!(reply.error_type.as_deref(), Some(error_type), "{reply:?}");
    assert!(reply.json()["message"].is_string(), "{reply:?}");
}

// ---------------------------------------------------------------------------------------------
// SigV4 itself.

/// "get-vanilla" from the AWS SigV4 test suite: checks `sign`, and so the canonicalisation the
/// stand-in verifies with, against a value computed by AWS rather than by this code.
#[test]
fn signer_matches_the_aws_get_vanilla_vector() {
    let auth = sign(
        "GET",
        "/",
        &[],
        &[
            ("Host", "example.amazonaws.com"),
            ("X-Amz-Date", "20150830T123600Z"),
        ],
        b"",
        "AKIDEXAMPLE",
        "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
        "us-east-1",
        "service",
        "20150830T123600Z",
    );
    assert_eq!(
        auth,
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, \
         SignedHeaders=host;x-amz-date, \
         Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"
    );
}

#[test]
fn amz_date_formats_utc() {
    assert_eq!(
        amz_date(UNIX_EPOCH + Duration::from_secs(1_440_938_160)),
        "20150830T123600Z"
    );
    // A leap day, to check the calendar arithmetic past February.
    assert_eq!(
        amz_date(UNIX_EPOCH + Duration::from_secs(1_709_251_199)),
        "20240229T235959Z"
    );
}

#[test]
fn http_date_formats_utc() {
    assert_eq!(
        http_date(UNIX_EPOCH + Duration::from_secs(784_111_777)),
        "Sun, 06 Nov 1994 08:49:37 GMT"
    );
    assert_eq!(
        http_date(UNIX_EPOCH + Duration::from_secs(1_709_251_199)),
        "Thu, 29 Feb 2024 23:59:59 GMT"
    );
}

// ---------------------------------------------------------------------------------------------
// Hand-built requests.

/// Whether `date` is the HTTP date of now + `offset` seconds, give or take two seconds.
fn dated(date: Option<&str>, offset: i64) -> bool {
    let now = SystemTime::now();
    (-2..=2).any(|d: i64| {
        let at = offset + d;
        let t = if at >= 0 {
            now + Duration::from_secs(at as u64)
        } else {
            now - Duration::from_secs(at.unsigned_abs())
        };
        date == Some(http_date(t).as_str())
    })
}

/// A stand-in whose clock is off dates its answers by that clock, judges signatures by it (a
/// request signed an hour off is a replay to it), and issues tokens that expire by it.
#[test]
fn a_skewed_clock_dates_answers_and_judges_signatures_by_itself() {
    let standin = StandIn::start();
    let reply = Req::default().send(&standin);
    assert!(dated(reply.date.as_deref(), 0), "{reply:?}");

    standin.clock_skew(3600);
    let reply = Req::default().send(&standin);
    assert_error(&reply, 403, "InvalidSignatureException");
    assert!(reply.body.contains("Signature expired"), "{reply:?}");
    assert!(dated(reply.date.as_deref(), 3600), "{reply:?}");

    let reply = Req {
        amz_date: amz_date(SystemTime::now() + Duration::from_secs(3600)),
        ..Req::default()
    }
    .send(&standin);
    assert_eq!(reply.status, 200, "{reply:?}");
    let expiration = reply.json()["expiration"].as_u64().unwrap();
    assert!(
        expiration.abs_diff(now_secs() + 3600 + 900) <= 2,
        "{reply:?}"
    );

    standin.clock_skew(-600);
    let reply = Req::default().send(&standin);
    assert_eq!(
        reply.status, 200,
        "ten minutes is within what AWS allows: {reply:?}"
    );
    assert!(dated(reply.date.as_deref(), -600), "{reply:?}");
}

#[test]
fn signed_request_gets_a_token() {
    let standin = StandIn::start();
    let before = now_secs();
    let reply = Req::default().send(&standin);
    assert_eq!(reply.status, 200, "{reply:?}");
    assert_eq!(reply.error_type, None);

    let json = reply.json();
    let token = json["authorizationToken"].as_str().unwrap();
    assert!(token.starts_with("eyJ"), "{token}");
    assert!((700..=1000).contains(&token.len()), "{}", token.len());
    assert!(token
        .bytes()
        .all(|c| c.is_ascii_alphanumeric() || b"._-".contains(&c)));
    // Epoch seconds as a JSON number, the request's 900 seconds from now.
    let expiration = json["expiration"].as_u64().expect("expiration is a number");
    assert!((before + 900..=now_secs() + 900).contains(&expiration));

    let calls = standin.calls();
    assert_eq!(calls.len(), 1);
    let call = &calls[0];
    assert_eq!(call.key_id, TEST_KEY_ID);
    assert_eq!(call.region, "us-west-2");
    assert_eq!(call.domain, "corp");
    assert_eq!(call.owner, "111122223333");
    assert_eq!(call.duration, Some(900));
    assert_eq!(call.session_token, None);
    assert_eq!(call.status, 200);
    assert_eq!(call.token.as_deref(), Some(token));
    assert_eq!(standin.ok_calls(), 1);
}

#[test]
fn keep_alive_connection_serves_several_requests_with_distinct_tokens() {
    let standin = StandIn::start();
    let mut conn = connect(&standin);
    let first = Req::default().send_on(&mut conn, standin.port());
    // A body and `Expect: 100-continue` on the same connection: the payload hash covers the body.
    let second = Req {
        body: b"{}",
        expect_continue: true,
        ..Req::default()
    }
    .send_on(&mut conn, standin.port());
    let third = Req::default().send_on(&mut conn, standin.port());
    for reply in [&first, &second, &third] {
        assert_eq!(reply.status, 200, "{reply:?}");
    }
    let tokens = [first.token(), second.token(), third.token()];
    assert_ne!(tokens[0], tokens[1]);
    assert_ne!(tokens[1], tokens[2]);
    assert_ne!(tokens[0], tokens[2]);
    assert_eq!(standin.ok_calls(), 3);
}

#[test]
fn two_stand_ins_hand_out_different_tokens() {
    let (a, b) = (StandIn::start(), StandIn::start());
    assert_ne!(
        Req::default().send(&a).token(),
        Req::default().send(&b).token()
    );
}

#[test]
fn wrong_secret_is_an_invalid_signature() {
    let standin = StandIn::start();
    let reply = Req {
        secret: OTHER_SECRET,
        ..Req::default()
    }
    .send(&standin);
    assert_error(&reply, 403, "InvalidSignatureException");
    // Rejected requests are recorded too, with what could be read from them.
    let calls = standin.calls();
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].status, 403);
    assert_eq!(calls[0].key_id, TEST_KEY_ID);
    assert_eq!(calls[0].token, None);
    assert_eq!(standin.ok_calls(), 0);
}

#[test]
fn unknown_key_is_an_unrecognized_client() {
    let standin = StandIn::start();
    let reply = Req {
        key_id: "AKIDNOBODYKNOWS00000",
        ..Req::default()
    }
    .send(&standin);
    assert_error(&reply, 403, "UnrecognizedClientException");
}

#[test]
fn other_key_works_and_added_keys_work() {
    let standin = StandIn::start();
    let reply = Req {
        key_id: OTHER_KEY_ID,
        secret: OTHER_SECRET,
        ..Req::default()
    }
    .send(&standin);
    assert_eq!(reply.status, 200, "{reply:?}");

    standin.add_key("AKIDADDEDLATER000000", "added/secret", None);
    let reply = Req {
        key_id: "AKIDADDEDLATER000000",
        secret: "added/secret",
        ..Req::default()
    }
    .send(&standin);
    assert_eq!(reply.status, 200, "{reply:?}");
}

#[test]
fn denied_key_gets_access_denied_after_authenticating() {
    let standin = StandIn::start();
    standin.deny_key(TEST_KEY_ID);
    assert_error(&Req::default().send(&standin), 403, "AccessDeniedException");
    // The signature is still checked first, as AWS authenticates before it authorises.
    let reply = Req {
        secret: OTHER_SECRET,
        ..Req::default()
    }
    .send(&standin);
    assert_error(&reply, 403, "InvalidSignatureException");
    // Other keys are unaffected.
    let reply = Req {
        key_id: OTHER_KEY_ID,
        secret: OTHER_SECRET,
        ..Req::default()
    }
    .send(&standin);
    assert_eq!(reply.status, 200, "{reply:?}");
}

#[test]
fn fail_next_fails_that_many_then_succeeds() {
    let standin = StandIn::start();
    standin.fail_next(2, Failure::Throttling);
    assert_error(&Req::default().send(&standin), 429, "ThrottlingException");
    assert_error(&Req::default().send(&standin), 429, "ThrottlingException");
    assert_eq!(Req::default().send(&standin).status, 200);
    let statuses: Vec<u16> = standin.calls().iter().map(|c| c.status).collect();
    assert_eq!(statuses, [429, 429, 200]);
    assert_eq!(standin.ok_calls(), 1);
}

#[test]
fn every_failure_kind_has_its_status_and_type() {
    let standin = StandIn::start();
    for (failure, status, error_type) in [
        (Failure::AccessDenied, 403, "AccessDeniedException"),
        (Failure::Validation, 400, "ValidationException"),
        (Failure::ResourceNotFound, 404, "ResourceNotFoundException"),
        (Failure::Throttling, 429, "ThrottlingException"),
        (Failure::Internal, 500, "InternalServerException"),
    ] {
        standin.fail_next(1, failure);
        assert_error(&Req::default().send(&standin), status, error_type);
    }
}

#[test]
fn invalid_parameters_are_validation_errors() {
    let standin = StandIn::start();
    let long = "a".repeat(51);
    let bad: &[&[(&str, &str)]] = &[
        &[("domain", "c"), ("domain-owner", "111122223333")],
        &[("domain", "Corp"), ("domain-owner", "111122223333")],
        &[("domain", "1corp"), ("domain-owner", "111122223333")],
        &[("domain", "co rp"), ("domain-owner", "111122223333")],
        &[("domain", &long), ("domain-owner", "111122223333")],
        &[("domain-owner", "111122223333")],
        &[("domain", "corp"), ("domain-owner", "11112222333")],
        &[("domain", "corp"), ("domain-owner", "11112222333x")],
        &[("domain", "corp"), ("duration", "899")],
        &[("domain", "corp"), ("duration", "43201")],
        &[("domain", "corp"), ("duration", "soon")],
    ];
    for query in bad {
        let reply = Req {
            query,
            ..Req::default()
        }
        .send(&standin);
        assert_error(&reply, 400, "ValidationException");
    }
    let good: &[&[(&str, &str)]] = &[
        &[("domain", "my-domain-2"), ("domain-owner", "111122223333")],
        &[("domain", "corp")],
        &[("domain", "corp"), ("duration", "0")],
        &[("domain", "corp"), ("duration", "43200")],
        &[("domain", &long[..50])],
    ];
    for query in good {
        let reply = Req {
            query,
            ..Req::default()
        }
        .send(&standin);
        assert_eq!(reply.status, 200, "{query:?}: {reply:?}");
    }
}

#[test]
fn signature_checks_beyond_the_hmac() {
    let standin = StandIn::start();
    let twenty_minutes_ago = amz_date(SystemTime::now() - Duration::from_secs(20 * 60));
    let cases = [
        // Correctly signed, but long ago: a replay.
        Req {
            amz_date: twenty_minutes_ago,
            ..Req::default()
        },
        // Scoped to another service.
        Req {
            service: "s3",
            ..Req::default()
        },
        // Scope date that is not x-amz-date's date.
        Req {
            scope_date: Some("20000101"),
            ..Req::default()
        },
        // Host left out of the signature.
        Req {
            sign_host: false,
            ..Req::default()
        },
    ];
    for req in cases {
        assert_error(&req.send(&standin), 403, "InvalidSignatureException");
    }
    // Clock skew inside the 15 minutes is fine.
    let reply = Req {
        amz_date: amz_date(SystemTime::now() - Duration::from_secs(10 * 60)),
        ..Req::default()
    }
    .send(&standin);
    assert_eq!(reply.status, 200, "{reply:?}");
}

#[test]
fn session_keys_need_their_signed_token() {
    let standin = StandIn::start();
    standin.add_key(
        "ASIASESSIONKEY000001",
        "session/secret",
        Some("the-session-token"),
    );
    let base = || Req {
        key_id: "ASIASESSIONKEY000001",
        secret: "session/secret",
        ..Req::default()
    };
    assert_error(&base().send(&standin), 403, "UnrecognizedClientException");
    let reply = Req {
        session_token: Some("another-token"),
        ..base()
    }
    .send(&standin);
    assert_error(&reply, 403, "UnrecognizedClientException");
    let reply = Req {
        unsigned_session_token: Some("the-session-token"),
        ..base()
    }
    .send(&standin);
    assert_error(&reply, 403, "InvalidSignatureException");

    let reply = Req {
        session_token: Some("the-session-token"),
        ..base()
    }
    .send(&standin);
    assert_eq!(reply.status, 200, "{reply:?}");
    let last = standin.calls().pop().unwrap();
    assert_eq!(last.session_token.as_deref(), Some("the-session-token"));

    // A long-term key does not take a session token.
    let reply = Req {
        session_token: Some("the-session-token"),
        ..Req::default()
    }
    .send(&standin);
    assert_error(&reply, 403, "UnrecognizedClientException");
}

#[test]
fn expiration_follows_duration_unless_overridden() {
    let standin = StandIn::start();
    let expires_after = |query: &[(&str, &str)]| {
        let before = now_secs();
        let reply = Req {
            query,
            ..Req::default()
        }
        .send(&standin);
        reply.json()["expiration"].as_u64().unwrap() - before
    };
    let close_to = |got: u64, want: u64| assert!((want..=want + 2).contains(&got), "{got}");
    close_to(expires_after(&[("domain", "corp")]), 43_200);
    close_to(
        expires_after(&[("domain", "corp"), ("duration", "0")]),
        43_200,
    );
    close_to(
        expires_after(&[("domain", "corp"), ("duration", "3600")]),
        3_600,
    );
    standin.expires_in(Some(60));
    close_to(
        expires_after(&[("domain", "corp"), ("duration", "3600")]),
        60,
    );
    standin.expires_in(None);
    close_to(
        expires_after(&[("domain", "corp"), ("duration", "3600")]),
        3_600,
    );
}

#[test]
fn delay_holds_each_answer_but_not_the_others() {
    let standin = StandIn::start();
    let delay = Duration::from_millis(500);
    standin.delay(delay);
    let started = Instant::now();
    // Two requests at once on two connections: each waits, but side by side.
    let handles: Vec<_> = (0..2)
        .map(|_| {
            let standin = standin.clone();
            thread::spawn(move || Req::default().send(&standin).status)
        })
        .collect();
    for h in handles {
        assert_eq!(h.join().unwrap(), 200);
    }
    let took = started.elapsed();
    assert!(took >= delay, "{took:?}");
    assert!(took < delay * 2, "answers were serialised: {took:?}");

    standin.delay(Duration::ZERO);
    let started = Instant::now();
    assert_eq!(Req::default().send(&standin).status, 200);
    assert!(started.elapsed() < delay);
}

#[test]
fn dropping_the_last_handle_stops_serving() {
    let standin = StandIn::start();
    let port = standin.port();
    let clone = standin.clone();
    drop(standin);
    // A clone keeps it alive.
    assert_eq!(Req::default().send(&clone).status, 200);
    drop(clone);
    // Give the accept loop a moment to see it has been stopped.
    thread::sleep(Duration::from_millis(100));
    let refused = TcpStream::connect(("127.0.0.1", port)).map(|mut conn| {
        // The port may be accepted by the kernel backlog; nothing must answer then.
        conn.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
        let _ = conn.write_all(Req::default().head(port).as_bytes());
        let mut buf = [0u8; 1];
        matches!(conn.read(&mut buf), Ok(0) | Err(_))
    });
    assert!(refused.unwrap_or(true));
}

// ---------------------------------------------------------------------------------------------
// The real SDK against the stand-in: the point of it all.

mod sdk {
    use super::*;
    use aws_sdk_codeartifact::config::{BehaviorVersion, Builder, Credentials, Region};
    use aws_sdk_codeartifact::error::ProvideErrorMetadata;
    use aws_sdk_codeartifact::Client;

    /// A client that can only reach the stand-in: explicit credentials and region, so nothing
    /// is looked up in the environment or on IMDS.
    fn client(standin: &StandIn, key_id: &str, secret: &str, token: Option<&str>) -> Client {
        let config = Builder::new()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new("us-west-2"))
            .credentials_provider(Credentials::new(
                key_id,
                secret,
                token.map(str::to_string),
                None,
                "test",
            ))
            .endpoint_url(standin.url())
            .build();
        Client::from_conf(config)
    }

    #[tokio::test(flavor = "current_thread")]
    async fn sdk_gets_a_token_and_signs_what_the_stand_in_checks() {
        let standin = StandIn::start();
        let out = client(&standin, TEST_KEY_ID, TEST_SECRET, None)
            .get_authorization_token()
            .domain("corp")
            .domain_owner("111122223333")
            .duration_seconds(900)
            .send()
            .await
            .expect("the SDK accepts the stand-in's answer");

        let calls = standin.calls();
        assert_eq!(calls.len(), 1, "{calls:?}");
        let call = &calls[0];
        assert_eq!(call.status, 200);
        assert_eq!(call.key_id, TEST_KEY_ID);
        assert_eq!(call.region, "us-west-2");
        assert_eq!(call.domain, "corp");
        assert_eq!(call.owner, "111122223333");
        assert_eq!(call.duration, Some(900));
        assert_eq!(out.authorization_token(), call.token.as_deref());
        let expiration = out.expiration().expect("expiration parsed").secs() as u64;
        assert!(expiration.abs_diff(now_secs() + 900) <= 5, "{expiration}");
    }

    #[tokio::test(flavor = "current_thread")]
    async fn sdk_with_the_wrong_secret_gets_invalid_signature() {
        let standin = StandIn::start();
        let err = client(&standin, OTHER_KEY_ID, TEST_SECRET, None)
            .get_authorization_token()
            .domain("corp")
            .domain_owner("111122223333")
            .send()
            .await
            .expect_err("a wrong secret must not get a token");
        assert_eq!(err.code(), Some("InvalidSignatureException"), "{err:?}");
        assert_eq!(standin.ok_calls(), 0);
        assert!(standin.calls().iter().all(|c| c.key_id == OTHER_KEY_ID));
    }

    #[tokio::test(flavor = "current_thread")]
    async fn sdk_with_session_credentials() {
        let standin = StandIn::start();
        standin.add_key(
            "ASIASESSIONKEY000001",
            "session/secret",
            Some("sdk-session-token"),
        );
        let out = client(
            &standin,
            "ASIASESSIONKEY000001",
            "session/secret",
            Some("sdk-session-token"),
        )
        .get_authorization_token()
        .domain("corp")
        .domain_owner("111122223333")
        .send()
        .await
        .expect("session credentials are accepted");
        assert!(out.authorization_token().unwrap().starts_with("eyJ"));
        let call = standin.calls().pop().unwrap();
        assert_eq!(call.session_token.as_deref(), Some("sdk-session-token"));
        assert_eq!(call.duration, None);

        // The same key without its token is refused.
        let err = client(&standin, "ASIASESSIONKEY000001", "session/secret", None)
            .get_authorization_token()
            .domain("corp")
            .send()
            .await
            .expect_err("a session key without its token must fail");
        assert_eq!(err.code(), Some("UnrecognizedClientException"), "{err:?}");
    }

    #[tokio::test(flavor = "current_thread")]
    async fn sdk_sees_modelled_errors() {
        let standin = StandIn::start();
        standin.fail_next(1, Failure::ResourceNotFound);
        let err = client(&standin, TEST_KEY_ID, TEST_SECRET, None)
            .get_authorization_token()
            .domain("corp")
            .send()
            .await
            .expect_err("injected failure");
        assert!(
            err.as_service_error()
                .is_some_and(|e| e.is_resource_not_found_exception()),
            "{err:?}"
        );
    }
}
