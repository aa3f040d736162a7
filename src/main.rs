//! The `topoc` binary: parse the arguments, run the command.

use std::process::ExitCode;

fn main() -> ExitCode {
    topoc::cli::main()
}
