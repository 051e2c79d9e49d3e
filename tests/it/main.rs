//! The integration tests, one binary so that the fixtures under `support` are compiled and
//! linked once. Each module was a test binary of its own; run one with a filter, e.g.
//! `cargo test --test it hook::` or `cargo test --test it adversarial::input::`.
//!
//! Every test here shares one process with the others: nothing may change process-wide state
//! (environment variables, the working directory, the umask) outside a child process, and
//! the tests that start many processes at once or time a bound hold `support::heavy()`.

// Most of the fixtures serve the Linux-only modules below.
#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
mod support;

#[cfg(target_os = "linux")]
mod adversarial;
mod completions;
mod corpus;
mod doctor;
mod e2e;
mod exec_dotenv;
mod hook;
#[cfg(target_os = "linux")]
mod keyrings_fixture;
mod nuget_swift;
#[cfg(target_os = "linux")]
mod providers;
mod scripts;
mod shell_driver;
mod standin;
mod status;
#[cfg(target_os = "linux")]
mod stores;
#[cfg(target_os = "linux")]
mod tokens;
