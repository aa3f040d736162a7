//! The `topoc` binary: parse the arguments, run the command.

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    topoc::cli::run(topoc::cli::args::Cli::parse())
}
