//! What Linux's `execve` takes: the limit a VMM's command line must fit.
//!
//! `execve` copies the arguments and the environment onto the new
//! program's stack and refuses the exec with `E2BIG` ("Argument list too
//! long") when they do not fit (`bprm_stack_limits`, fs/exec.c): together
//! with a pointer to each string they may take a quarter of the stack limit
//! (`ulimit -s`), and never more than three quarters of `_STK_LIM` (8 MiB).
//! Both targets put the whole topology on their command line, whose size
//! grows with the square of the nodes (QEMU's `-numa dist` and `hmat-lb`,
//! cloud-hypervisor's `distances=`).

use crate::diag::{Code, Diagnostic, Severity};
use crate::source::Span;
use crate::units::fmt_size;

/// What execve takes for all arguments and the environment with the
/// default 8 MiB stack limit: a quarter of it.
pub const DEFAULT_ARG_LIMIT: u64 = 2 * 1024 * 1024;
/// The most it takes with any stack limit: 3/4 of `_STK_LIM` (8 MiB).
pub const MAX_ARG_LIMIT: u64 = 6 * 1024 * 1024;

/// Bytes as MiB with two decimals: the limits are whole MiB, the lines not.
fn mib(bytes: u64) -> String {
    format!("{:.2} MiB", bytes as f64 / 1048576.0)
}

/// What execve counts for `program ARGS`: each string with its NUL and a
/// pointer to it (the environment comes on top).
pub fn exec_bytes(program: &str, args: &[String]) -> u64 {
    let strings: u64 = args.iter().map(|a| a.len() as u64 + 1).sum();
    strings + program.len() as u64 + 1 + 8 * (args.len() as u64 + 1)
}

/// The finding for a command line of `total` bytes, if it does not fit: an
/// error above what any stack limit allows, a warning above what the
/// default one allows (with the `ulimit -s` that starts it).
pub fn too_long(
    code: &'static Code,
    vmm: &str,
    nodes: usize,
    total: u64,
    span: Span,
    shorten: &str,
) -> Option<Diagnostic> {
    if total > MAX_ARG_LIMIT {
        Some(
            Diagnostic::new(
                code,
                format!("the {vmm} command line of {nodes} nodes takes {} of execve's argument space, which holds at most {}", mib(total), fmt_size(MAX_ARG_LIMIT)),
                span,
                "this machine",
            )
            .help(shorten.to_string())
            .note("Linux refuses the exec with E2BIG (\"Argument list too long\"): arguments and environment get a quarter of the stack limit, never more than 6 MiB"),
        )
    } else if total > DEFAULT_ARG_LIMIT {
        let mut d = Diagnostic::new(
            code,
            format!("the {vmm} command line of {nodes} nodes takes {} of execve's argument space; with the default 8 MiB stack limit it holds {}", mib(total), fmt_size(DEFAULT_ARG_LIMIT)),
            span,
            "this machine",
        )
        .help(format!("raise the stack limit of the shell that starts it to at least 4 × ({} + the environment), e.g. `ulimit -s {}`, or {shorten}", mib(total), (total * 4).div_ceil(1024) + 1024))
        .note("arguments and environment get a quarter of the stack limit (bprm_stack_limits); beyond it Linux refuses the exec with E2BIG (\"Argument list too long\")");
        d.severity = Severity::Warning;
        Some(d)
    } else {
        None
    }
}
