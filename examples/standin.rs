//! The loopback CodeArtifact used by the comparison script (`scripts/compare`).
//!
//! Starts the SigV4-checking stand-in from the test suite on a free port of 127.0.0.1, prints
//! its URL (`http://127.0.0.1:PORT`, for `AWS_ENDPOINT_URL_CODEARTIFACT`) as one line on
//! standard output, and serves until its standard input is closed. Requests must be signed
//! with one of the stand-in's test keys (`TEST_KEY_ID` and `TEST_SECRET` in
//! `tests/it/support/standin.rs`), as AWS would check them.
//!
//! `--skew SECONDS` sets the service's clock that far ahead of this machine's (behind when
//! negative), for trying `ca-env doctor --online`'s clock check by hand.
//!
//! ```sh
//! cargo build --release --example standin
//! cargo run --example standin -- --skew 3600
//! ```

#[allow(dead_code)]
#[path = "../tests/it/support/standin.rs"]
mod standin;

use std::io::{self, Write};

fn main() -> io::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let skew = match args.as_slice() {
        [] => 0,
        [flag, secs] if flag == "--skew" => secs.parse().map_err(|_| {
            io::Error::new(io::ErrorKind::InvalidInput, "--skew takes whole seconds")
        })?,
        _ => {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "usage: standin [--skew SECONDS]",
            ))
        }
    };
    let server = standin::StandIn::start();
    server.clock_skew(skew);
    let mut stdout = io::stdout().lock();
    writeln!(stdout, "{}", server.url())?;
    stdout.flush()?;
    drop(stdout);

    // Serve until whoever started us closes our standard input.
    io::copy(&mut io::stdin().lock(), &mut io::sink())?;
    drop(server);
    Ok(())
}
