//! `$XDG_STATE_HOME/ca-env/tokens.json`: what is known about each entry without opening a
//! store — which backend holds it, when it was fetched and expires, and the last failure to
//! fetch it (for back-off). It never holds a token. Rewritten whole, under a lock, by rename.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use super::entry::Key;
use super::lock;
use super::store::Backend;
use crate::provider::ProviderKind;
use crate::state::StateDir;

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Record {
    /// Entries written before other providers existed are CodeArtifact's.
    #[serde(default, skip_serializing_if = "is_codeartifact")]
    pub provider: ProviderKind,
    pub domain: String,
    pub owner: String,
    pub region: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<String>,
    /// The backend holding the entry; None once removed or never stored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub store: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issued: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure: Option<Failure>,
    /// Unix milliseconds of the `ca-env logout` that removed the entry: the hook fetches it
    /// again only in a shell that entered the project after that (or once the user asks).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logged_out: Option<i64>,
}

fn is_codeartifact(p: &ProviderKind) -> bool {
    *p == ProviderKind::CodeArtifact
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Failure {
    /// Unix seconds of the last failed attempt.
    pub at: i64,
    /// Failed attempts in a row.
    pub count: u32,
    /// What went wrong, as the error line said it (never a token: errors cannot hold one).
    pub reason: String,
    /// What to do about it, as the error line said it: the hook repeats both.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
    /// For a token that could not be stored: the store chosen then (`CA_ENV_STORE`). Another
    /// choice is another attempt, not the same failure.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub store: Option<String>,
}

/// Automatic attempts after a failure wait 30 s, then 1, 2, 4, 8 min, then 15 min at most.
pub fn backoff(count: u32) -> i64 {
    (30_i64 << count.saturating_sub(1).min(5)).min(15 * 60)
}

impl Failure {
    /// When the next automatic attempt may call AWS.
    pub fn retry_at(&self) -> i64 {
        self.at + backoff(self.count)
    }
}

impl Record {
    pub fn key(&self) -> Key {
        Key {
            provider: self.provider,
            domain: self.domain.clone(),
            owner: self.owner.clone(),
            region: self.region.clone(),
            profile: self.profile.clone(),
            endpoint: self.endpoint.clone(),
        }
    }

    pub fn backend(&self) -> Option<Backend> {
        self.store.as_deref().and_then(Backend::parse)
    }

    fn new(key: &Key) -> Record {
        Record {
            provider: key.provider,
            domain: key.domain.clone(),
            owner: key.owner.clone(),
            region: key.region.clone(),
            profile: key.profile.clone(),
            endpoint: key.endpoint.clone(),
            ..Record::default()
        }
    }
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct File {
    v: u32,
    entries: BTreeMap<String, Record>,
}

#[derive(Debug, Default)]
pub struct Index {
    dir: Option<StateDir>,
    entries: BTreeMap<String, Record>,
}

impl Index {
    /// The index under `state_dir` (`$XDG_STATE_HOME/ca-env`); empty when absent or unreadable.
    pub fn load(state_dir: Option<StateDir>) -> Index {
        let entries = state_dir
            .as_ref()
            .and_then(|d| std::fs::read(d.index()).ok())
            .and_then(|bytes| serde_json::from_slice::<File>(&bytes).ok())
            .filter(|f| f.v == 1)
            .map(|f| f.entries)
            .unwrap_or_default();
        Index {
            dir: state_dir,
            entries,
        }
    }

    pub fn get(&self, key: &Key) -> Option<&Record> {
        self.entries.get(&key.id())
    }

    pub fn records(&self) -> impl Iterator<Item = &Record> {
        self.entries.values()
    }

    /// Changes `key`'s record (created if new; removed if `change` leaves it with no store, no
    /// failure and no logout) under the index lock, reading the file afresh so no other
    /// process's change is lost.
    pub fn update(&mut self, key: &Key, change: impl FnOnce(&mut Record)) -> std::io::Result<()> {
        let Some(dir) = self.dir.clone() else {
            return Ok(());
        };
        let _held = match lock::acquire(&dir.index_lock(), Instant::now() + Duration::from_secs(5))?
        {
            lock::Waited::Held(h) => h,
            lock::Waited::TimedOut => {
                return Err(std::io::Error::other("the token index stayed locked"))
            }
        };
        let mut fresh = Index::load(Some(dir.clone()));
        let id = key.id();
        let mut record = fresh
            .entries
            .remove(&id)
            .unwrap_or_else(|| Record::new(key));
        change(&mut record);
        if record.store.is_some() || record.failure.is_some() || record.logged_out.is_some() {
            fresh.entries.insert(id, record);
        }
        let text = serde_json::to_vec_pretty(&File {
            v: 1,
            entries: fresh.entries.clone(),
        })
        .expect("the index serialises");
        crate::state::write_atomic(&dir.index(), &text)?;
        self.entries = fresh.entries;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_then_caps() {
        let waits: Vec<i64> = (1..=8).map(backoff).collect();
        assert_eq!(waits, [30, 60, 120, 240, 480, 900, 900, 900]);
        assert_eq!(backoff(0), 30);
        assert_eq!(backoff(u32::MAX), 900);
    }
}
