//! Environment variables: which names each tool reads for an index (`names`). Values and the
//! diff against the user's shell come with the shell integration.

pub mod names;
