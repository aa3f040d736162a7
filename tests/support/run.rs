//! The one way to run the `topoc` binary in a test.
//!
//! [`topoc`] starts from what nearly every test wants: the binary Cargo
//! built for this test run, the repository as working directory (so paths
//! like `examples/mi300a.toml` work) and `NO_COLOR=1`; the builder methods
//! change that for the tests that look at colour, the environment or
//! another directory. [`Topoc::run`] waits for the process and returns
//! everything it did; [`Ran::ok`] turns a failed run into an error that
//! quotes the command and its standard error.

use std::ffi::OsStr;
use std::io::Write as _;
use std::path::Path;
use std::process::{Command, ExitStatus, Stdio};

use super::data;

/// A `topoc` command line, not yet run.
pub struct Topoc {
    cmd: Command,
    args: Vec<String>,
    stdin: Option<Vec<u8>>,
}

/// `topoc ARGS`, from the repository root, with `NO_COLOR=1`.
pub fn topoc<I, S>(args: I) -> Topoc
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_topoc"));
    let mut shown = Vec::new();
    for a in args {
        shown.push(a.as_ref().to_string_lossy().into_owned());
        cmd.arg(a);
    }
    cmd.current_dir(data::root()).env("NO_COLOR", "1");
    Topoc {
        cmd,
        args: shown,
        stdin: None,
    }
}

impl Topoc {
    pub fn env(mut self, key: &str, value: impl AsRef<OsStr>) -> Topoc {
        self.cmd.env(key, value);
        self
    }

    pub fn envs(mut self, vars: &[(&str, &str)]) -> Topoc {
        for (k, v) in vars {
            self.cmd.env(k, v);
        }
        self
    }

    /// Runs without this variable (`NO_COLOR` for the colour tests).
    pub fn env_remove(mut self, key: &str) -> Topoc {
        self.cmd.env_remove(key);
        self
    }

    /// Runs with an empty environment (then [`Topoc::envs`] adds to it).
    pub fn env_clear(mut self) -> Topoc {
        self.cmd.env_clear();
        self
    }

    pub fn current_dir(mut self, dir: impl AsRef<Path>) -> Topoc {
        self.cmd.current_dir(dir);
        self
    }

    /// Feeds these bytes to standard input (otherwise it is closed).
    pub fn stdin(mut self, bytes: impl Into<Vec<u8>>) -> Topoc {
        self.stdin = Some(bytes.into());
        self
    }

    /// Runs the command to its end. Panics only when the binary cannot be
    /// started at all: that is a broken test setup, not a test result.
    pub fn run(mut self) -> Ran {
        let label = format!("topoc {}", self.args.join(" "));
        self.cmd
            .stdin(if self.stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = self
            .cmd
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run {label}: {e}"));
        // Written from a thread, so a child that prints before it has read
        // all of its input cannot deadlock against us.
        let feeder = match (self.stdin.take(), child.stdin.take()) {
            (Some(bytes), Some(mut pipe)) => Some(std::thread::spawn(move || {
                // A child that exits without reading everything closes the
                // pipe; that is its business, not an error of the test.
                let _ = pipe.write_all(&bytes);
            })),
            _ => None,
        };
        let out = child
            .wait_with_output()
            .unwrap_or_else(|e| panic!("{label} did not finish: {e}"));
        if let Some(f) = feeder {
            let _ = f.join();
        }
        Ran {
            label,
            status: out.status,
            stdout: out.stdout,
            stderr: out.stderr,
        }
    }
}

/// What one run did.
#[derive(Debug)]
pub struct Ran {
    /// `topoc ARGS`, for messages.
    pub label: String,
    pub status: ExitStatus,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
}

impl Ran {
    /// The exit status, or -1 when a signal ended the process.
    pub fn code(&self) -> i32 {
        self.status.code().unwrap_or(-1)
    }

    pub fn out(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }

    pub fn err(&self) -> String {
        String::from_utf8_lossy(&self.stderr).into_owned()
    }

    /// The run itself if it exited 0, else an error with its standard error.
    pub fn ok(self) -> Result<Ran, String> {
        if self.status.success() {
            Ok(self)
        } else {
            Err(format!(
                "{} exited with {}:\n{}",
                self.label,
                self.status,
                self.err()
            ))
        }
    }

    /// [`Ran::ok`] for tests that panic on failure.
    pub fn expect_ok(self) -> Ran {
        self.ok().unwrap_or_else(|e| panic!("{e}"))
    }
}
