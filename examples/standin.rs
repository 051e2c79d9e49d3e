//! The loopback CodeArtifact used by the comparison script (`scripts/compare`).
//!
//! Starts the SigV4-checking stand-in from the test suite on a free port of 127.0.0.1, prints
//! its URL (`http://127.0.0.1:PORT`, for `AWS_ENDPOINT_URL_CODEARTIFACT`) as one line on
//! standard output, and serves until its standard input is closed. Requests must be signed
//! with one of the stand-in's test keys (`TEST_KEY_ID` and `TEST_SECRET` in
//! `tests/it/support/standin.rs`), as AWS would check them.
//!
//! ```sh
//! cargo build --release --example standin
//! ```

#[allow(dead_code)]
#[path = "../tests/it/support/standin.rs"]
mod standin;

use std::io::{self, Write};

fn main() -> io::Result<()> {
    let server = standin::StandIn::start();
    let mut stdout = io::stdout().lock();
    writeln!(stdout, "{}", server.url())?;
    stdout.flush()?;
    drop(stdout);

    // Serve until whoever started us closes our standard input.
    io::copy(&mut io::stdin().lock(), &mut io::sink())?;
    drop(server);
    Ok(())
}
