//! The OS keyring through the `keyring` crate: the Secret Service on Linux (GNOME Keyring,
//! KWallet), the login Keychain on macOS, Credential Manager on Windows. Entries are filed under
//! service `ca-env` with the key's id as the user name, as UTF-8 bytes: Credential Manager holds
//! 2560 bytes, which as UTF-16 (the crate's "password" form) would be only 1280 characters.

use std::time::Duration;

use super::{Answer, Unavailable, SERVICE};
use crate::token::entry::Key;

/// How every message about a locked keyring starts.
pub const LOCKED: &str = "the keyring is locked";

fn entry(key: &Key) -> Answer<keyring::Entry> {
    #[cfg(target_os = "linux")]
    {
        // Explicitly the Secret Service: keyutils is a backend of its own here.
        let cred = keyring::secret_service::SsCredential::new_with_target(None, SERVICE, &key.id())
            .map_err(|e| unavailable(&e))?;
        Ok(keyring::Entry::new_with_credential(Box::new(cred)))
    }
    #[cfg(not(target_os = "linux"))]
    keyring::Entry::new(SERVICE, &key.id()).map_err(|e| unavailable(&e))
}

pub fn get(key: &Key) -> Answer<Option<String>> {
    match entry(key)?.get_secret() {
        // Not UTF-8: not ours, so missing.
        Ok(bytes) => Ok(String::from_utf8(bytes).ok()),
        // Not there, not text, or several items for one key: all count as missing.
        Err(
            keyring::Error::NoEntry | keyring::Error::BadEncoding(_) | keyring::Error::Ambiguous(_),
        ) => Ok(None),
        Err(e) => Err(unavailable(&e)),
    }
}

pub fn set(key: &Key, text: &str) -> Answer<()> {
    let entry = entry(key)?;
    match entry.set_secret(text.as_bytes()) {
        Err(keyring::Error::Ambiguous(items)) => {
            // Duplicates left by another program: remove them, then write one.
            for item in items {
                let _ = item.delete_credential();
            }
            entry
                .set_secret(text.as_bytes())
                .map_err(|e| unavailable(&e))
        }
        other => other.map_err(|e| unavailable(&e)),
    }
}

pub fn delete(key: &Key) -> Answer<bool> {
    match entry(key)?.delete_credential() {
        Ok(()) => Ok(true),
        Err(keyring::Error::NoEntry) => Ok(false),
        Err(e) => Err(unavailable(&e)),
    }
}

/// The keyring's own words, never an entry's bytes (`BadEncoding`'s payload is not shown).
fn unavailable(e: &keyring::Error) -> Unavailable {
    Unavailable(match e {
        keyring::Error::NoStorageAccess(_) => format!("{LOCKED} or refused access"),
        keyring::Error::PlatformFailure(inner) => format!("the keyring failed: {inner}"),
        keyring::Error::TooLong(what, max) => format!("{what} is longer than the keyring's {max}"),
        keyring::Error::BadEncoding(_) => "the keyring holds something that is not text".into(),
        other => format!("the keyring failed: {other}"),
    })
}

/// Whether the keyring can be used without showing an unlock dialog, asked within `patience`.
/// On Linux the keyring crate would ask the Secret Service to unlock a locked collection (a
/// desktop dialog), so the default collection's `Locked` property is read first; a missing
/// collection would need a dialog to create one. macOS and Windows unlock the user's keyring
/// at login.
#[cfg(target_os = "linux")]
pub fn ready_without_prompt(patience: Duration) -> Answer<()> {
    super::secret_service::default_unlocked(patience)
}

#[cfg(not(target_os = "linux"))]
pub fn ready_without_prompt(_patience: Duration) -> Answer<()> {
    Ok(())
}

/// [`get`] for the hook and other commands that must not show a dialog, within `patience`: on
/// Linux a read of ca-env's own ([`super::secret_service`]) of the item the keyring crate
/// writes (same attributes). One that would need unlocking makes the keyring unavailable, as
/// a locked collection does.
#[cfg(target_os = "linux")]
pub fn get_without_prompt(key: &Key, patience: Duration) -> Answer<Option<String>> {
    let id = key.id();
    let attributes = [
        ("service", SERVICE),
        ("username", id.as_str()),
        ("target", "default"),
        ("application", "rust-keyring"),
    ];
    super::secret_service::find(&attributes, patience)
}

#[cfg(not(target_os = "linux"))]
pub fn get_without_prompt(key: &Key, patience: Duration) -> Answer<Option<String>> {
    let key = key.clone();
    super::bounded(patience, move || get(&key))?
}
