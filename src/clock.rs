//! Time as ca-env counts it: seconds for durations and Unix times, RFC 3339 for people.

/// Seconds, as the configuration's durations are written (`"12h"`, `"15m"`, `"2s"`).
pub type Seconds = u64;

/// Unix seconds now.
pub fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// Unix milliseconds now: a logout and a shell entering the project often share a second.
pub fn now_millis() -> i64 {
    i64::try_from(time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000)
        .unwrap_or(i64::MAX)
}

/// RFC 3339 in UTC, for `status --json` and messages.
pub fn rfc3339(t: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(t)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}

/// Unix seconds of an RFC 3339 time (`2026-11-29T22:10:00Z`), as the gcloud CLI writes expiries.
pub fn parse_rfc3339(s: &str) -> Option<i64> {
    time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339)
        .ok()
        .map(time::OffsetDateTime::unix_timestamp)
}
