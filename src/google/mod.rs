//! Google Artifact Registry: which URLs name one of its repositories (`url`) and where its
//! tokens come from (`client`: an access token the user exported, else the gcloud CLI).

pub mod client;
mod jwt;
pub mod url;
