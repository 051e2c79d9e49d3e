//! What identifies a stored token (its key), what is stored with it, and when it is fresh.

use serde::{Deserialize, Serialize};

use crate::secret::Secret;

pub use crate::provider::Key;

/// A token with its lifetime, as one store entry holds it.
#[derive(Debug, Clone)]
pub struct Stored {
    pub token: Secret,
    /// Unix seconds when it was fetched and when it expires.
    pub issued: i64,
    pub expires: i64,
}

/// The largest entry read back from any store; anything longer is not ours.
pub const MAX_ENTRY: usize = 4096;

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Encoded {
    v: u32,
    key: String,
    token: String,
    issued: i64,
    expires: i64,
}

impl Stored {
    /// The entry's text: JSON naming its key, so an entry copied under another name or written
    /// by another program is recognised as foreign.
    pub fn encode(&self, key: &Key) -> String {
        serde_json::to_string(&Encoded {
            v: 1,
            key: key.id(),
            token: self.token.expose().to_string(),
            issued: self.issued,
            expires: self.expires,
        })
        .expect("an entry serialises")
    }

    /// The entry `text` holds for `key`, or None when it is corrupt, truncated, oversized,
    /// foreign or nonsensical: such an entry counts as missing. The text is never echoed.
    pub fn decode(key: &Key, text: &str) -> Option<Stored> {
        if text.len() > MAX_ENTRY {
            return None;
        }
        let e: Encoded = serde_json::from_str(text).ok()?;
        if e.v != 1 || e.key != key.id() || e.expires <= e.issued {
            return None;
        }
        Some(Stored {
            token: Secret::token(e.token)?,
            issued: e.issued,
            expires: e.expires,
        })
    }

    pub fn freshness(&self, now: i64, refresh_before: u64) -> Freshness {
        freshness(self.issued, self.expires, now, refresh_before)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Freshness {
    /// More than the refresh margin left: used as is.
    Fresh,
    /// Used, and a refresh is started in the background.
    Expiring,
    /// Not used: fetched again first.
    Expired,
}

impl Freshness {
    pub fn as_str(self) -> &'static str {
        match self {
            Freshness::Fresh => "valid",
            Freshness::Expiring => "expiring",
            Freshness::Expired => "expired",
        }
    }
}

/// A token with less than this left is treated as expired: a `poetry install` started with it
/// would fail half-way.
pub const EXPIRED_MARGIN: i64 = 60;

/// Fresh while more than max(`refresh_before`, 10 % of the lifetime) is left — but never more
/// than half the lifetime, or a 15-minute token would be "expiring" from birth and refreshed at
/// every prompt.
pub fn freshness(issued: i64, expires: i64, now: i64, refresh_before: u64) -> Freshness {
    if expires - now <= EXPIRED_MARGIN {
        Freshness::Expired
    } else if now < refresh_at(issued, expires, refresh_before) {
        Freshness::Fresh
    } else {
        Freshness::Expiring
    }
}

/// When a token stops being fresh: its expiry less the refresh margin.
pub fn refresh_at(issued: i64, expires: i64, refresh_before: u64) -> i64 {
    let lifetime = (expires - issued).max(0);
    let margin = i64::try_from(refresh_before)
        .unwrap_or(i64::MAX)
        .max(lifetime / 10)
        .min(lifetime / 2);
    expires - margin
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> Key {
        Key {
            provider: Default::default(),
            domain: "corp".into(),
            owner: "111122223333".into(),
            region: "us-west-2".into(),
            profile: Some("dev:1".into()),
            endpoint: Some("http://127.0.0.1:9".into()),
        }
    }

    #[test]
    fn ids_keep_profiles_and_endpoints_apart() {
        let a = key();
        let mut b = key();
        b.profile = Some("dev".into());
        b.endpoint = Some("1:http://127.0.0.1:9".into());
        assert_ne!(a.id(), b.id());
        assert_ne!(a.file_stem(), b.file_stem());
        assert_eq!(
            a.id(),
            "codeartifact:corp-111122223333:us-west-2:dev%3A1:http%3A//127.0.0.1%3A9"
        );
        let mut real = key();
        real.endpoint = None;
        assert_ne!(real.id(), a.id());
        assert_eq!(a.file_stem().len(), 32);
    }

    #[test]
    fn entries_round_trip_and_refuse_foreign_text() {
        let s = Stored {
            token: Secret::token("eyJabc.def-_".into()).unwrap(),
            issued: 1000,
            expires: 44200,
        };
        let text = s.encode(&key());
        let back = Stored::decode(&key(), &text).unwrap();
        assert_eq!(back.token, s.token);
        assert_eq!((back.issued, back.expires), (1000, 44200));

        let mut other = key();
        other.region = "eu-west-1".into();
        assert!(
            Stored::decode(&other, &text).is_none(),
            "another key's entry"
        );
        for bad in [
            "",
            "eyJabc.def-_",
            &text[..text.len() - 3],
            &text.replace("\"v\":1", "\"v\":2"),
            &text.replace("eyJabc.def-_", "eyJ abc"),
            &text.replace("44200", "999"),
            &text.replace('}', ",\"x\":1}"),
            &format!("{text}{}", " ".repeat(MAX_ENTRY)),
        ] {
            assert!(Stored::decode(&key(), bad).is_none(), "{bad:?}");
        }
    }

    #[test]
    fn freshness_rule() {
        let h = 3600;
        // A 12-hour token: fresh until 72 minutes (10 %) are left.
        assert_eq!(freshness(0, 12 * h, 0, 900), Freshness::Fresh);
        assert_eq!(
            freshness(0, 12 * h, 12 * h - 73 * 60, 900),
            Freshness::Fresh
        );
        assert_eq!(
            freshness(0, 12 * h, 12 * h - 71 * 60, 900),
            Freshness::Expiring
        );
        assert_eq!(freshness(0, 12 * h, 12 * h - 61, 900), Freshness::Expiring);
        assert_eq!(freshness(0, 12 * h, 12 * h - 60, 900), Freshness::Expired);
        assert_eq!(freshness(0, 12 * h, 13 * h, 900), Freshness::Expired);
        // A 1-hour token: the 15-minute floor wins over 10 %.
        assert_eq!(freshness(0, h, h - 16 * 60, 900), Freshness::Fresh);
        assert_eq!(freshness(0, h, h - 14 * 60, 900), Freshness::Expiring);
        // A 15-minute token is fresh for its first half, not expiring from birth.
        assert_eq!(freshness(0, 900, 0, 900), Freshness::Fresh);
        assert_eq!(freshness(0, 900, 500, 900), Freshness::Expiring);
    }
}
