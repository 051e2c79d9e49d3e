//! Azure Artifacts: which URLs name one of its feeds (`url`) and where its tokens come from
//! (`client`: a personal access token the user exported, else the Azure CLI).

pub mod client;
pub mod url;
