//! Environment variables: the values a project's sources
//! get (`plan`), and the shell's state between prompts with the diff that applies a plan and
//! gives the user back what was theirs (`state`), the netrc file pip reads (`netrc`), the npm configuration npm and pnpm read (`npmrc`), and what
//! those two generated files share (`generated`).

pub mod generated;
pub mod netrc;
pub mod npmrc;
pub mod plan;

pub use plan::Plan;
