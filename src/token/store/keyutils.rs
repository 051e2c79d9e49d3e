//! Linux kernel keyutils through the `keyring` crate: the session keyring (linked to the
//! persistent keyring where the kernel has one). Fast (microseconds) and shared by every
//! process of the login session; gone at logout. Elsewhere it does not exist.

use super::{Answer, Unavailable};
use crate::token::entry::Key;

#[cfg(target_os = "linux")]
fn entry(key: &Key) -> Answer<keyring::Entry> {
    let cred =
        keyring::keyutils::KeyutilsCredential::new_with_target(None, super::SERVICE, &key.id())
            .map_err(|e| Unavailable(format!("keyutils failed: {e}")))?;
    Ok(keyring::Entry::new_with_credential(Box::new(cred)))
}

#[cfg(target_os = "linux")]
pub fn get(key: &Key) -> Answer<Option<String>> {
    match entry(key)?.get_secret() {
        // Not UTF-8: not ours, so missing.
        Ok(bytes) => Ok(String::from_utf8(bytes).ok()),
        Err(keyring::Error::NoEntry | keyring::Error::BadEncoding(_)) => Ok(None),
        Err(e) => Err(failed(&e)),
    }
}

#[cfg(target_os = "linux")]
pub fn set(key: &Key, text: &str) -> Answer<()> {
    match entry(key)?.set_secret(text.as_bytes()) {
        // What the crate says when the process has no session keyring to write into.
        Err(keyring::Error::NoEntry) => Err(Unavailable(
            "no session keyring in this login session".into(),
        )),
        other => other.map_err(|e| failed(&e)),
    }
}

#[cfg(target_os = "linux")]
pub fn delete(key: &Key) -> Answer<bool> {
    match entry(key)?.delete_credential() {
        Ok(()) => Ok(true),
        Err(keyring::Error::NoEntry) => Ok(false),
        Err(e) => Err(failed(&e)),
    }
}

#[cfg(target_os = "linux")]
fn failed(e: &keyring::Error) -> Unavailable {
    match e {
        keyring::Error::BadEncoding(_) => {
            Unavailable("keyutils holds something that is not text".into())
        }
        other => Unavailable(format!("keyutils failed: {other}")),
    }
}

#[cfg(not(target_os = "linux"))]
pub fn get(_: &Key) -> Answer<Option<String>> {
    Err(absent())
}

#[cfg(not(target_os = "linux"))]
pub fn set(_: &Key, _: &str) -> Answer<()> {
    Err(absent())
}

#[cfg(not(target_os = "linux"))]
pub fn delete(_: &Key) -> Answer<bool> {
    Err(absent())
}

#[cfg(not(target_os = "linux"))]
fn absent() -> Unavailable {
    Unavailable("keyutils exists only on Linux".into())
}
