//! One HTTPS request to a cloud's token service (Entra ID for Azure workload identity, Google's
//! OAuth endpoint for application default credentials, Google's security token service and IAM
//! credentials API for workload identity federation, a subject token's URL), with the HTTP
//! stack the AWS SDK already brings (hyper, rustls with aws-lc, the system's root
//! certificates). Plain http only to a loopback address (a test's stand-in), never elsewhere:
//! the request carries secrets.

use std::time::Duration;

use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Bytes;

use crate::text::percent_encode;

/// The most an answer may hold: a token response is a few kilobytes.
const MAX_ANSWER: usize = 64 * 1024;

/// What a request sends: a form (a token endpoint's POST), JSON (IAM's POST), or nothing (a
/// GET).
pub enum Body<'a> {
    Form(&'a [(&'a str, &'a str)]),
    Json(&'a serde_json::Value),
    Nothing,
}

/// POSTs `form` to `url` within `within`: the status and the body parsed as JSON (Null when it
/// is not), or why not (never the body's text: it may hold a token).
pub fn post_form(
    url: &str,
    form: &[(&str, &str)],
    within: Duration,
) -> Result<(u16, serde_json::Value), String> {
    let (status, body) = request(url, &[], Body::Form(form), within)?;
    Ok((status, serde_json::from_slice(&body).unwrap_or_default()))
}

/// Sends `body` to `url` with `headers` (a POST, or a GET for [`Body::Nothing`]) within
/// `within`: the status and the answer's bytes, or why not (never the answer's text, nor a
/// header's value: either may hold a token).
pub fn request(
    url: &str,
    headers: &[(&str, &str)],
    body: Body,
    within: Duration,
) -> Result<(u16, Vec<u8>), String> {
    if let Some(rest) = url.strip_prefix("http://") {
        let host = rest.split(['/', ':']).next().unwrap_or_default();
        if !matches!(host, "127.0.0.1" | "localhost") {
            return Err("a token endpoint must be https (plain http only on loopback)".into());
        }
    } else if !url.starts_with("https://") {
        return Err("a token endpoint must be an https:// URL".into());
    }
    let (method, content_type, bytes) = match body {
        Body::Form(form) => (
            hyper::Method::POST,
            Some("application/x-www-form-urlencoded"),
            form.iter()
                .map(|(k, v)| format!("{}={}", percent_encode(k), percent_encode(v)))
                .collect::<Vec<_>>()
                .join("&"),
        ),
        Body::Json(json) => (
            hyper::Method::POST,
            Some("application/json"),
            json.to_string(),
        ),
        Body::Nothing => (hyper::Method::GET, None, String::new()),
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the HTTP client: {e}"))?;
    runtime.block_on(async {
        let connector = hyper_rustls::HttpsConnectorBuilder::new()
            .with_provider_and_native_roots(rustls::crypto::aws_lc_rs::default_provider())
            .map_err(|e| format!("no root certificates: {e}"))?
            .https_or_http()
            .enable_http1()
            .build();
        let client =
            hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
                .build(connector);
        let mut builder = hyper::Request::builder()
            .method(method)
            .uri(url)
            .header("accept", "application/json");
        if let Some(content_type) = content_type {
            builder = builder.header("content-type", content_type);
        }
        for (name, value) in headers {
            builder = builder.header(*name, *value);
        }
        // The error names what was wrong, never a header's value.
        let request = builder
            .body(Full::new(Bytes::from(bytes)))
            .map_err(|_| "cannot build the request (a URL or header that HTTP cannot carry)")?;
        let exchange = async {
            let answer = client
                .request(request)
                .await
                .map_err(|e| format!("cannot reach the token endpoint: {e}"))?;
            let status = answer.status().as_u16();
            let bytes = Limited::new(answer.into_body(), MAX_ANSWER)
                .collect()
                .await
                .map_err(|_| "the token endpoint's answer could not be read".to_string())?
                .to_bytes();
            Ok::<_, String>((status, bytes.to_vec()))
        };
        tokio::time::timeout(within, exchange)
            .await
            .map_err(|_| format!("no answer within {} s", within.as_secs_f64().ceil()))?
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_https_or_loopback() {
        let quick = Duration::from_millis(200);
        for url in ["http://login.example/token", "ftp://x/", "token"] {
            assert!(post_form(url, &[], quick).is_err(), "{url}");
        }
        assert_eq!(percent_encode("a b/c=d&é"), "a%20b%2Fc%3Dd%26%C3%A9");
    }
}
