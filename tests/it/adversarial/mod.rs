//! The adversarial suite: what a cloned repository, the network, the keyring, the clock and
//! crashes can do to ca-env, each case with the exact behaviour it must keep (exit status, one
//! line, nothing exported, nothing the user had lost). docs/security.md is the map: the threat
//! model, and which test proves what.
//!
//! - `input`: hostile project files, names, URLs and tokens; hosts, endpoints, credentials and
//!   profiles a project must not choose.
//! - `faults`: hangs, prompts, locked or missing keyrings, clock skew, concurrency, crashes,
//!   leaks, and nothing lost.

mod faults;
mod input;
