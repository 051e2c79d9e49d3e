//! Google Artifact Registry: which URLs name one of its repositories (`url`) and where its
//! tokens come from (`client`: an access token the user exported, application default
//! credentials, the metadata server, else the gcloud CLI; `external`: workload identity
//! federation).

pub mod client;
mod external;
mod jwt;
pub mod url;
