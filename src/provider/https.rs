//! One HTTPS POST of a form to a cloud's token endpoint (Entra ID for Azure workload identity,
//! Google's OAuth endpoint for application default credentials), with the HTTP stack the AWS
//! SDK already brings (hyper, rustls with aws-lc, the system's root certificates). Plain http
//! only to a loopback address (a test's stand-in), never elsewhere: the form carries secrets.

use std::time::Duration;

use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Bytes;

use crate::text::percent_encode;

/// The most an answer may hold: a token response is a few kilobytes.
const MAX_ANSWER: usize = 64 * 1024;

/// POSTs `form` to `url` within `within`: the status and the body parsed as JSON (Null when it
/// is not), or why not (never the body's text: it may hold a token).
pub fn post_form(
    url: &str,
    form: &[(&str, &str)],
    within: Duration,
) -> Result<(u16, serde_json::Value), String> {
    if let Some(rest) = url.strip_prefix("http://") {
        let host = rest.split(['/', ':']).next().unwrap_or_default();
        if !matches!(host, "127.0.0.1" | "localhost") {
            return Err("a token endpoint must be https (plain http only on loopback)".into());
        }
    } else if !url.starts_with("https://") {
        return Err("a token endpoint must be an https:// URL".into());
    }
    let body = form
        .iter()
        .map(|(k, v)| format!("{}={}", percent_encode(k), percent_encode(v)))
        .collect::<Vec<_>>()
        .join("&");
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
        let request = hyper::Request::post(url)
            .header("content-type", "application/x-www-form-urlencoded")
            .header("accept", "application/json")
            .body(Full::new(Bytes::from(body)))
            .map_err(|e| format!("cannot build the request: {e}"))?;
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
            let json = serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null);
            Ok::<_, String>((status, json))
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
