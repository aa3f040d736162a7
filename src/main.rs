//! The `topoc` binary: parse the arguments, run the command.

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    match topoc::cli::args::Cli::try_parse() {
        Ok(cli) => topoc::cli::run(cli),
        Err(e) => topoc::cli::clap_error(e),
    }
}
