//! The checks, as data. [`CHECKS`] registers every comparison `verify`
//! makes, in report order: its name, its title, what the book says it
//! compares, the checks whose failure explains it (its prerequisites), and
//! the function that compares. The area files hold the functions; this file
//! holds the registry, the runner and the comparison helpers they share.
//!
//! A check function looks at the prediction and the dump and returns an
//! [`Outcome`]: nothing to compare, not applicable (with the reason), or a
//! comparison (expected, seen, differences, its own likely cause). The
//! runner turns outcomes into [`Check`]s and chains causes: when a
//! prerequisite failed, a failure names it first (or, for a prerequisite
//! that [`Explains::Instead`], only it). The model is the device tree
//! compiler's `checks.c`, where a check is declared with a name and its
//! prerequisites.

use super::predict::Prediction;
use super::{Check, Status};
use crate::acpi::{ChecksumPolicy, Srat};
use crate::guest::dump::{GuestDump, NodeInfo};
use crate::linux::guest::Guest;
use crate::linux::version::Kernel;
use crate::units::{KIB, fmt_cpulist};
use std::collections::BTreeSet;
use std::mem::discriminant;

mod boot;
mod devices;
mod e820;
mod hmat;
mod memory;
mod node;
mod numa;
mod spm;
mod tables;

/// One registered check.
pub struct Spec {
    /// Stable dotted name. A name that starts with `nodeN.` is checked once
    /// per node, `N` standing for its id.
    pub name: &'static str,
    /// The report's title: `{node}` stands for the node's label
    /// (`node4 (PXM 2, apu0-hbm)`), `{}` for what the check adds (the
    /// online nodes, the dax driver, ...).
    pub title: &'static str,
    /// What the guest shows that is compared (for the book).
    pub compares: &'static str,
    /// How it is compared (for the book).
    pub how: &'static str,
    /// Checks whose failure explains a failure of this one, first one first.
    /// Each comes earlier in [`CHECKS`] and says how it [`Explains`].
    pub prerequisites: &'static [&'static str],
    /// How a failure of this check explains the checks that list it as a
    /// prerequisite.
    pub explains: Option<Explains>,
    run: Run,
}

/// How a failed prerequisite enters the likely cause of a check that fails
/// after it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Explains {
    /// Named first: `TEXT; otherwise: <the check's own cause>`.
    First(&'static str),
    /// Named instead of the check's own cause.
    Instead(&'static str),
}

/// When a check runs.
#[derive(Clone, Copy)]
enum Run {
    Once(fn(&Ctx) -> Outcome),
    /// For every node the SRAT, the boot log or sysfs knows.
    EachNode(fn(&Ctx, u32) -> Outcome),
    /// For every node predicted online.
    EachOnlineNode(fn(&Ctx, u32) -> Outcome),
}

/// Every check, in report order. Consecutive per-node checks run node by
/// node: `node0.state`, `node0.srat`, ..., `node1.state`, ...
pub static CHECKS: &[Spec] = &[
    boot::PREDICTION,
    boot::FIRMWARE,
    boot::CMDLINE,
    e820::FW_CFG,
    e820::BIOS,
    e820::USER,
    numa::INIT,
    numa::PXM_MAP,
    numa::SRAT_CPUS,
    numa::POSSIBLE,
    numa::ONLINE,
    numa::HAS_CPU,
    numa::HAS_MEMORY,
    numa::HAS_NORMAL_MEMORY,
    numa::HAS_GENERIC_INITIATOR,
    node::STATE,
    node::SRAT,
    node::INITMEM,
    node::CPULIST,
    node::MEMTOTAL,
    node::DISTANCE,
    hmat::ABSENT,
    hmat::VALID,
    hmat::ACCESS0,
    hmat::ACCESS1,
    hmat::MEMORY_SIDE_CACHE,
    spm::IOMEM,
    spm::MEMTOTAL,
    spm::DAX,
    memory::IOMEM_VIRT,
    devices::PCI,
    devices::PCI_NUMA,
    devices::GENERIC_INITIATORS,
    tables::UPGRADE,
    tables::SRAT,
    tables::SLIT,
    tables::HMAT,
];

/// A kernel-version rule that changed what a check expects; the report
/// lists it with the checks it was applied to.
struct Rule {
    text: &'static str,
    applied_to: &'static str,
}

/// What one check found.
struct Outcome {
    verdict: Verdict,
    rule: Option<&'static Rule>,
    /// Fills `{}` in the title.
    detail: String,
}

enum Verdict {
    /// Nothing to compare: neither the topology nor the guest has it.
    Skip,
    NotApplicable(String),
    Compared {
        expected: String,
        seen: String,
        differences: Vec<String>,
        cause: String,
        /// The cause is of a kind no prerequisite explains.
        self_explained: bool,
    },
}

impl Outcome {
    fn new(verdict: Verdict) -> Outcome {
        Outcome {
            verdict,
            rule: None,
            detail: String::new(),
        }
    }

    fn skip() -> Outcome {
        Outcome::new(Verdict::Skip)
    }

    fn not_applicable(reason: impl Into<String>) -> Outcome {
        Outcome::new(Verdict::NotApplicable(reason.into()))
    }

    /// A comparison that passes when `differences` is empty; `cause` is
    /// the likely cause of a failure.
    fn compared(
        expected: impl Into<String>,
        seen: impl Into<String>,
        differences: Vec<String>,
        cause: impl Into<String>,
    ) -> Outcome {
        Outcome::new(Verdict::Compared {
            expected: expected.into(),
            seen: seen.into(),
            differences,
            cause: cause.into(),
            self_explained: false,
        })
    }

    /// The failure names its own cause, which no failed prerequisite
    /// explains (a file the guest lacks, a map it should not have).
    fn self_explained(mut self) -> Outcome {
        if let Verdict::Compared { self_explained, .. } = &mut self.verdict {
            *self_explained = true;
        }
        self
    }

    fn rule(mut self, rule: &'static Rule) -> Outcome {
        self.rule = Some(rule);
        self
    }

    fn detail(mut self, detail: impl Into<String>) -> Outcome {
        self.detail = detail.into();
        self
    }
}

/// What every check reads: the prediction, the dump, and what follows from
/// them once.
struct Ctx<'a> {
    p: &'a Prediction,
    d: &'a GuestDump,
    kernel: Kernel,
    /// The guest as Linux boots it on the kernel's final map
    /// ([`e820::kernel_map`]).
    guest: Guest,
    /// The guest's own SRAT, when the dump has one that decodes.
    guest_srat: Option<Srat>,
    /// What Linux registers from topoc's HMAT, when it predicts one.
    hmat: Option<hmat::Registered>,
}

impl<'a> Ctx<'a> {
    fn new(p: &'a Prediction, d: &'a GuestDump) -> Ctx<'a> {
        // kmem: the guest handed its dax devices to kmem (`daxctl
        // reconfigure-device --mode=system-ram`, or topoc.kmem=1 in the test
        // initramfs), so soft-reserved memory is online System RAM.
        let kmem = !d.dax.is_empty() && d.dax.iter().all(|x| x.driver.as_deref() == Some("kmem"));
        let guest = Guest::new(&p.numa, &e820::kernel_map(p, d), &p.cpus, kmem);
        let hmat = hmat::Registered::new(p, &guest);
        Ctx {
            p,
            d,
            kernel: Kernel::from_release(d.kernel.as_deref()),
            guest,
            guest_srat: d
                .acpi_table("SRAT")
                .and_then(|b| Srat::decode_with(b, ChecksumPolicy::Ignore).ok()),
            hmat,
        }
    }

    /// What the probe said about a path it could not read, if anything.
    fn note_about(&self, needle: &str) -> Option<String> {
        self.d
            .notes
            .iter()
            .find(|n| n.text.contains(needle))
            .map(|n| n.text.clone())
    }

    /// Why the boot log cannot be used, if it cannot (the probe was not
    /// root, or the system has no dmesg).
    fn dmesg_missing(&self) -> Option<String> {
        if let Some(n) = self.d.notes_in("dmesg").next() {
            return Some(format!("the probe could not read the boot log ({n})"));
        }
        self.d
            .dmesg
            .is_empty()
            .then(|| "the dump has no boot log lines".to_string())
    }

    /// Why `/proc/iomem` addresses cannot be used, if they cannot.
    fn iomem_missing(&self) -> Option<String> {
        if let Some(n) = self.d.notes_in("iomem").next() {
            return Some(format!("/proc/iomem is not usable ({n})"));
        }
        self.d
            .iomem
            .is_empty()
            .then(|| "the dump has no /proc/iomem".to_string())
    }

    /// The distance `nodeN/distance` should show from `a` to `b`.
    fn distance(&self, a: u32, b: u32) -> u32 {
        crate::linux::numa::distance(self.p.slit.as_ref(), &self.p.numa, a, b)
    }

    /// The node's sysfs directory, when the node is predicted online and
    /// the guest has one.
    fn online_node(&self, n: u32) -> Option<&'a NodeInfo> {
        self.d
            .nodes
            .get(&n)
            .filter(|_| self.guest.online.contains(&n))
    }
}

/// Runs every check; returns the checks and the kernel-version rules that
/// were applied.
pub fn run(p: &Prediction, d: &GuestDump) -> (Vec<Check>, Vec<String>) {
    let cx = Ctx::new(p, d);
    let mut r = Runner::default();
    for specs in CHECKS.chunk_by(|a, b| discriminant(&a.run) == discriminant(&b.run)) {
        let nodes: BTreeSet<u32> = match specs[0].run {
            Run::Once(_) => {
                for s in specs {
                    if let Run::Once(f) = s.run {
                        r.record(&cx, s, None, f(&cx));
                    }
                }
                continue;
            }
            Run::EachNode(_) => {
                let mut all = cx.guest.possible.clone();
                all.extend(d.nodes.keys().copied());
                all.extend(d.srat_memory.iter().map(|m| m.node));
                all
            }
            Run::EachOnlineNode(_) => cx.guest.online.clone(),
        };
        for n in nodes {
            for s in specs {
                if let Run::EachNode(f) | Run::EachOnlineNode(f) = s.run {
                    r.record(&cx, s, Some(n), f(&cx, n));
                }
            }
        }
    }
    (r.checks, r.rules)
}

/// The registered check called `name`.
pub fn spec(name: &str) -> Option<&'static Spec> {
    CHECKS.iter().find(|s| s.name == name)
}

#[derive(Default)]
struct Runner {
    checks: Vec<Check>,
    rules: Vec<String>,
    /// Registered names of the checks that failed so far.
    failed: BTreeSet<&'static str>,
}

impl Runner {
    fn record(&mut self, cx: &Ctx, s: &'static Spec, node: Option<u32>, o: Outcome) {
        if let Some(rule) = o.rule {
            let line = format!("{} (applied to {})", rule.text, rule.applied_to);
            if !self.rules.contains(&line) {
                self.rules.push(line);
            }
        }
        let (status, reason, expected, seen, differences, cause) = match o.verdict {
            Verdict::Skip => return,
            Verdict::NotApplicable(reason) => (
                Status::NotApplicable,
                Some(reason),
                String::new(),
                String::new(),
                Vec::new(),
                None,
            ),
            Verdict::Compared {
                expected,
                seen,
                differences,
                cause,
                self_explained,
            } => {
                if differences.is_empty() {
                    (Status::Pass, None, expected, seen, differences, None)
                } else {
                    self.failed.insert(s.name);
                    let cause = if self_explained {
                        cause
                    } else {
                        self.chain(s, cause)
                    };
                    (Status::Fail, None, expected, seen, differences, Some(cause))
                }
            }
        };
        let label = node.map(|n| cx.p.node_label(n));
        self.checks.push(Check {
            name: match (node, s.name.strip_prefix("nodeN")) {
                (Some(n), Some(rest)) => format!("node{n}{rest}"),
                _ => s.name.to_string(),
            },
            title: fill(s.title, label.as_deref().unwrap_or(""), &o.detail),
            status,
            reason,
            expected,
            seen,
            differences,
            cause,
        });
    }

    /// `own`, after the first prerequisite of `s` that failed.
    fn chain(&self, s: &Spec, own: String) -> String {
        let explained = s
            .prerequisites
            .iter()
            .filter(|p| self.failed.contains(*p))
            .find_map(|p| spec(p).and_then(|p| p.explains));
        match explained {
            Some(Explains::First(first)) => format!("{first}; otherwise: {own}"),
            Some(Explains::Instead(instead)) => instead.to_string(),
            None => own,
        }
    }
}

/// A title template with `{node}` and `{}` filled in, in one pass (a node
/// label is the topology's text and may hold braces of its own).
fn fill(template: &str, node: &str, detail: &str) -> String {
    let mut out = String::with_capacity(template.len() + node.len() + detail.len());
    let mut rest = template;
    while let Some(at) = rest.find('{') {
        out.push_str(&rest[..at]);
        let tail = &rest[at..];
        if let Some(after) = tail.strip_prefix("{node}") {
            out.push_str(node);
            rest = after;
        } else if let Some(after) = tail.strip_prefix("{}") {
            out.push_str(detail);
            rest = after;
        } else {
            out.push('{');
            rest = &tail[1..];
        }
    }
    out.push_str(rest);
    out
}

// ---- comparison helpers -----------------------------------------------------

/// Two line lists that must be equal, in order: what is missing, what is
/// unexpected, or that the same lines come in another order.
fn lines(expected: &[String], seen: &[String]) -> Vec<String> {
    let mut d = Vec::new();
    for e in expected {
        if !seen.contains(e) {
            d.push(format!("missing: {e}"));
        }
    }
    for s in seen {
        if !expected.contains(s) {
            d.push(format!("unexpected: {s}"));
        }
    }
    if d.is_empty() && expected != seen {
        d.push("same entries in a different order".into());
    }
    d
}

/// Two line lists that must hold the same lines, in any order.
fn sorted_lines(expected: &[String], seen: &[String]) -> Vec<String> {
    let mut a = expected.to_vec();
    a.sort();
    let mut b = seen.to_vec();
    b.sort();
    lines(&a, &b)
}

/// Two sets that must be equal: each missing and each unexpected member,
/// in its own words.
fn sets<T: Ord>(
    expected: &BTreeSet<T>,
    seen: &BTreeSet<T>,
    missing: impl Fn(&T) -> String,
    unexpected: impl Fn(&T) -> String,
) -> Vec<String> {
    let mut d: Vec<String> = expected
        .difference(seen)
        .map(|x| format!("missing: {}", missing(x)))
        .collect();
    d.extend(
        seen.difference(expected)
            .map(|x| format!("unexpected: {}", unexpected(x))),
    );
    d
}

/// One value that must be equal: `WHAT: expected E, seen S`, or nothing.
fn field<T: PartialEq>(
    what: impl std::fmt::Display,
    expected: T,
    seen: T,
    show: impl Fn(&T) -> String,
) -> Option<String> {
    (expected != seen)
        .then(|| format!("{what}: expected {}, seen {}", show(&expected), show(&seen)))
}

// ---- formatting helpers -----------------------------------------------------

fn hex_range(start: u64, end_incl: u64) -> String {
    format!("[mem {start:#018x}-{end_incl:#018x}]")
}

/// A node set as a list (`0-2,5`), or `(none)`.
fn nodes(set: &BTreeSet<u32>) -> String {
    fmt_or_none(&set.iter().copied().collect::<Vec<_>>())
}

/// A node set as sysfs lists links (`node0 node2`), or `(none)`.
fn node_words(set: &BTreeSet<u32>) -> String {
    if set.is_empty() {
        "(none)".into()
    } else {
        set.iter()
            .map(|n| format!("node{n}"))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// A sorted list as ranges, or `(none)`.
fn fmt_or_none(v: &[u32]) -> String {
    if v.is_empty() {
        "(none)".into()
    } else {
        fmt_cpulist(v)
    }
}

/// One item per line, or `(none)`: how a check shows a list it saw.
fn lines_or_none(lines: &[String]) -> String {
    if lines.is_empty() {
        "(none)".into()
    } else {
        lines.join("\n")
    }
}

fn kib(bytes: u64) -> u64 {
    bytes / KIB
}

#[cfg(test)]
mod tests;
