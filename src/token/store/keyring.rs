//! The OS keyring through the `keyring` crate: the Secret Service on Linux (GNOME Keyring,
//! KWallet), the login Keychain on macOS, Credential Manager on Windows. Entries are filed under
//! service `ca-env` with the key's id as the user name, as UTF-8 bytes: Credential Manager holds
//! 2560 bytes, which as UTF-16 (the crate's "password" form) would be only 1280 characters.

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

/// Whether the keyring can be used without showing an unlock dialog. On Linux the keyring
/// crate would ask the Secret Service to unlock a locked collection (a desktop dialog), so the
/// default collection's `Locked` property is read first; a missing collection would need a
/// dialog to create one. macOS and Windows unlock the user's keyring at login.
#[cfg(target_os = "linux")]
pub fn ready_without_prompt() -> Answer<()> {
    default_unlocked(&service()?)
}

#[cfg(not(target_os = "linux"))]
pub fn ready_without_prompt() -> Answer<()> {
    Ok(())
}

/// Whether the default collection is unlocked.
#[cfg(target_os = "linux")]
fn default_unlocked(ss: &dbus_secret_service::SecretService) -> Answer<()> {
    let locked = ss
        .get_default_collection()
        .map_err(|_| Unavailable("the Secret Service has no default keyring".into()))?
        .is_locked();
    match locked {
        Ok(false) => Ok(()),
        Ok(true) => Err(locked_keyring()),
        Err(e) => Err(Unavailable(format!("the Secret Service failed: {e}"))),
    }
}

/// A connection to the Secret Service.
///
/// The session is `plain`: the keyring crate's Diffie-Hellman session costs about 7 ms a
/// connection, most of a stored-token lookup, and guards only the hop over the user's own
/// session bus, whose other clients may ask the Secret Service for the same item anyway.
#[cfg(target_os = "linux")]
fn service() -> Answer<dbus_secret_service::SecretService> {
    use dbus_secret_service::{EncryptionType, SecretService};
    // Without a session bus address libdbus would try X11 autolaunch, starting a bus daemon.
    if std::env::var_os(crate::tools::registry::DBUS_SESSION_BUS_ADDRESS)
        .is_none_or(|v| v.is_empty())
    {
        return Err(Unavailable(
            "no D-Bus session (DBUS_SESSION_BUS_ADDRESS is not set)".into(),
        ));
    }
    SecretService::connect(EncryptionType::Plain)
        .map_err(|e| Unavailable(format!("no Secret Service: {e}")))
}

#[cfg(target_os = "linux")]
fn locked_keyring() -> Unavailable {
    Unavailable(format!(
        "{LOCKED} (unlock it, or run 'ca-env login' on a terminal)"
    ))
}

/// [`get`] for the hook and other commands that must not show a dialog, in one connection and
/// four D-Bus calls (hello, session, search, secret): the search itself tells whether the item
/// is locked, so the collection is asked only when nothing was found. The item is the one the keyring crate
/// writes (same attributes); one that would need unlocking makes the keyring unavailable, as a
/// locked collection does.
#[cfg(target_os = "linux")]
pub fn get_without_prompt(key: &Key) -> Answer<Option<String>> {
    let ss = service()?;
    let id = key.id();
    let attributes = std::collections::HashMap::from([
        ("service", SERVICE),
        ("username", id.as_str()),
        ("target", "default"),
        ("application", "rust-keyring"),
    ]);
    let found = ss
        .search_items(attributes)
        .map_err(|e| Unavailable(format!("the Secret Service failed: {e}")))?;
    if !found.locked.is_empty() {
        return Err(locked_keyring());
    }
    match found.unlocked.as_slice() {
        // Several items for one key count as missing, as in [`get`].
        [item] => match item.get_secret() {
            Ok(bytes) => Ok(String::from_utf8(bytes).ok()),
            Err(e) => Err(Unavailable(format!("the Secret Service failed: {e}"))),
        },
        // Nothing found: missing, unless the keyring is locked (then a token fetched now
        // would have nowhere to go, which `status` should say).
        [] => default_unlocked(&ss).map(|()| None),
        _ => Ok(None),
    }
}

#[cfg(not(target_os = "linux"))]
pub fn get_without_prompt(key: &Key) -> Answer<Option<String>> {
    get(key)
}
