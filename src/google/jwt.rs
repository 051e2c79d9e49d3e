//! The signed assertion a Google service account key exchanges for an access token (RFC 7523,
//! as google-auth's `service_account.Credentials` makes it): RS256 over
//! `{"alg":"RS256","typ":"JWT","kid":KEY_ID}` and the claims `iss` (the account), `scope`,
//! `aud` (the token endpoint), `iat` and `exp` (an hour later), signed with the key's
//! PKCS#8 private key.

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;

/// The scope Artifact Registry takes.
pub(super) const SCOPE: &str = "https://www.googleapis.com/auth/cloud-platform";

pub fn assertion(
    email: &str,
    pem: &str,
    key_id: &str,
    audience: &str,
) -> Result<String, &'static str> {
    if email.is_empty() {
        return Err("the key names no client_email");
    }
    let der = pem_body(pem).ok_or("the private key is not a PEM PKCS#8 key")?;
    let pair = aws_lc_rs::signature::RsaKeyPair::from_pkcs8(&der)
        .map_err(|_| "the private key is not an RSA key")?;
    let now = crate::clock::now();
    let header = serde_json::json!({"alg": "RS256", "typ": "JWT", "kid": key_id});
    let claims = serde_json::json!({
        "iss": email, "scope": SCOPE, "aud": audience, "iat": now, "exp": now + 3600,
    });
    let signed = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    );
    let rng = aws_lc_rs::rand::SystemRandom::new();
    let mut signature = vec![0; pair.public_modulus_len()];
    pair.sign(
        &aws_lc_rs::signature::RSA_PKCS1_SHA256,
        &rng,
        signed.as_bytes(),
        &mut signature,
    )
    .map_err(|_| "the private key could not sign")?;
    Ok(format!("{signed}.{}", URL_SAFE_NO_PAD.encode(signature)))
}

/// The DER bytes of `-----BEGIN PRIVATE KEY----- … -----END PRIVATE KEY-----`.
fn pem_body(pem: &str) -> Option<Vec<u8>> {
    let start = pem.find("-----BEGIN PRIVATE KEY-----")? + "-----BEGIN PRIVATE KEY-----".len();
    let end = pem.find("-----END PRIVATE KEY-----")?;
    let body: String = pem
        .get(start..end)?
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    STANDARD.decode(body).ok()
}
