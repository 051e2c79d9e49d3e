//! Environment variables: which names each tool reads (`names`), the values a project's sources
//! get (`plan`), and the shell's state between prompts with the diff that applies a plan and
//! gives the user back what was theirs (`state`), and the netrc file pip reads (`netrc`).

pub mod names;
pub mod netrc;
pub mod plan;
pub mod state;

use std::fmt;

pub use plan::Plan;

/// A variable's value. Most carry a token, so Debug never shows one.
#[derive(Clone, PartialEq, Eq)]
pub struct Value(String);

impl Value {
    pub fn plain(text: impl Into<String>) -> Value {
        Value(text.into())
    }

    /// The text itself, for the renderer, a child's environment or a dotenv file.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Value(<redacted>)")
    }
}

impl Drop for Value {
    fn drop(&mut self) {
        crate::token::wipe(&mut self.0);
    }
}
