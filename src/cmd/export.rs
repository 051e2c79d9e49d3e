//! `ca-env export SHELL`: what brings the shell up to date for `$PWD` (see `hook`).

pub use crate::hook::run;
