//! Environment variables: the values a project's sources
//! get (`plan`), and the shell's state between prompts with the diff that applies a plan and
//! gives the user back what was theirs (`state`), and the netrc file pip reads (`netrc`).

pub mod netrc;
pub mod npmrc;
pub mod plan;

pub use plan::Plan;
