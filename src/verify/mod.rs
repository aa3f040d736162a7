//! `topoc verify`: does a real guest see what topoc predicted?
//!
//! [`verify`] takes a compiled topology and a guest dump (the output of the
//! probe script, `topoc probe-script`, read by [`crate::guest::dump`]) and
//! compares them item by item. Every comparison is a named [`Check`] that
//! passes, fails with what was expected, what the guest showed and the most
//! likely cause, or does not apply, with the reason.
//!
//! What is compared (`book/src/reference/verify.md` has the full rules):
//!
//! - QEMU's own fw_cfg `etc/e820` (exact, in order): an oracle for the
//!   layout that no firmware or kernel has touched;
//! - the `BIOS-e820:` lines (exact under SeaBIOS; under OVMF exact outside the
//!   firmware's windows, and inside each window a tiling with allowed types)
//!   and the `user:` lines after `memmap=` (exact);
//! - node numbering: PXM → Linux node, from the guest's raw SRAT by Linux's
//!   first-appearance rule, against the same rule applied to topoc's SRAT;
//! - per node: online state and the node lists, CPUs, SRAT memory ranges,
//!   `Initmem` span, MemTotal (within a stated bound), distances, HMAT
//!   `access0`/`access1` initiators and values, memory-side caches;
//! - Specific Purpose Memory: soft-reserved ranges in `/proc/iomem`, kept out
//!   of System RAM, and their dax devices with their target nodes;
//! - Generic Initiators: the nodes, the devices their SRAT entries name;
//! - the raw SRAT, SLIT and HMAT, byte for byte, against topoc's tables.
//!
//! The checks are a registry, [`CHECKS`] (`checks/mod.rs`), with one file
//! per area under `checks/`. What Linux makes of the tables and the map is
//! not decided here but in [`crate::linux`], which `predict` and the checks
//! both consult. Differences between kernel versions (log wording, lines
//! that became debug-only) are explicit rules, listed in [`Report::rules`]
//! with the checks they affect.

mod checks;
mod predict;

pub use checks::{CHECKS, Explains, Spec};
pub use predict::Prediction;

use crate::guest::dump::GuestDump;
use crate::pipeline::Compiled;
use serde::Serialize;

/// The outcome of one check.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    Pass,
    Fail,
    NotApplicable,
}

/// One named comparison between prediction and guest.
#[derive(Clone, Debug, Serialize)]
pub struct Check {
    /// Stable dotted name: `e820.bios`, `node2.access0`, `acpi.SRAT`, ...
    pub name: String,
    /// What is compared, in words.
    pub title: String,
    pub status: Status,
    /// Why the check does not apply (only for `not-applicable`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The prediction (lines joined with newlines).
    pub expected: String,
    /// What the guest showed.
    pub seen: String,
    /// On failure: the item-by-item differences.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub differences: Vec<String>,
    /// On failure: the most likely cause.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cause: Option<String>,
}

/// The name and version of `verify --format json`'s document: fields are
/// only added within a version.
pub const FORMAT: &str = "topoc-verify/1";

/// What one verification found.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    /// The machine name from the topology file.
    pub machine: String,
    /// The target and its settings, e.g. `qemu 10.0 q35, seabios, spm kernel-memmap`.
    pub target: String,
    /// The guest kernel release, as the dump says.
    pub kernel: Option<String>,
    /// `bios` or `efi`, as the dump says.
    pub firmware: Option<String>,
    /// Kernel-version rules that changed what a check expects, with the
    /// checks they touched.
    pub rules: Vec<String>,
    pub checks: Vec<Check>,
    pub summary: Summary,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub pass: usize,
    pub fail: usize,
    pub not_applicable: usize,
}

impl Report {
    /// True when no check failed.
    pub fn passed(&self) -> bool {
        self.summary.fail == 0
    }

    pub fn failures(&self) -> impl Iterator<Item = &Check> {
        self.checks.iter().filter(|c| c.status == Status::Fail)
    }

    pub fn check(&self, name: &str) -> Option<&Check> {
        self.checks.iter().find(|c| c.name == name)
    }

    fn count(&mut self) {
        let mut s = Summary::default();
        for c in &self.checks {
            match c.status {
                Status::Pass => s.pass += 1,
                Status::Fail => s.fail += 1,
                Status::NotApplicable => s.not_applicable += 1,
            }
        }
        self.summary = s;
    }

    /// The report as text: one line per passing or inapplicable check, and
    /// for each failure what was expected, what the guest showed, the
    /// differences and the likely cause. With `all`, passing checks also
    /// show their expected value.
    pub fn render_text(&self, all: bool) -> String {
        let mut s = String::new();
        s.push_str(&format!(
            "verify {} against {} (kernel {}, firmware {})\n",
            self.machine,
            self.target,
            self.kernel.as_deref().unwrap_or("unknown"),
            self.firmware.as_deref().unwrap_or("unknown"),
        ));
        for r in &self.rules {
            s.push_str(&format!("rule: {r}\n"));
        }
        for c in &self.checks {
            match c.status {
                Status::Pass => {
                    s.push_str(&format!("ok    {:<28} {}\n", c.name, c.title));
                    if all {
                        s.push_str(&indent("expected", &c.expected));
                    }
                }
                Status::NotApplicable => s.push_str(&format!(
                    "n/a   {:<28} {}: {}\n",
                    c.name,
                    c.title,
                    c.reason.as_deref().unwrap_or("")
                )),
                Status::Fail => {
                    s.push_str(&format!("FAIL  {:<28} {}\n", c.name, c.title));
                    s.push_str(&indent("expected", &c.expected));
                    s.push_str(&indent("seen", &c.seen));
                    for d in &c.differences {
                        s.push_str(&format!("      - {d}\n"));
                    }
                    if let Some(cause) = &c.cause {
                        s.push_str(&indent("likely cause", cause));
                    }
                }
            }
        }
        s.push_str(&format!(
            "{}: {} passed, {} failed, {} not applicable\n",
            if self.passed() {
                "guest agrees"
            } else {
                "guest differs"
            },
            self.summary.pass,
            self.summary.fail,
            self.summary.not_applicable
        ));
        s
    }

    /// The report as one JSON document.
    pub fn render_json(&self) -> String {
        /// The report under its format name, first.
        #[derive(Serialize)]
        struct Versioned<'a> {
            format: &'static str,
            #[serde(flatten)]
            report: &'a Report,
        }
        let doc = Versioned {
            format: FORMAT,
            report: self,
        };
        let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
        s.push('\n');
        s
    }
}

/// The JSON Schema of `verify --format json` ([`FORMAT`]), draft 2020-12:
/// committed as `schemas/verify.schema.json`. Objects are closed, so a
/// field added to [`Report`] or [`Check`] and not here fails the tests that
/// validate recorded reports.
pub fn schema() -> serde_json::Value {
    use serde_json::json;
    let text = json!({ "type": "string" });
    let count = json!({ "type": "integer", "minimum": 0 });
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://topoc.dev/schemas/verify.schema.json",
        "title": format!("topoc verify report, {FORMAT}"),
        "description": "What `topoc verify --format json` prints when it could compare: each check of the guest against topoc's prediction. Usage and I/O errors are the diagnostics report (diagnostics.schema.json) instead.",
        "type": "object",
        "properties": {
            "format": { "enum": [FORMAT], "description": "The format and its version. Within a version, fields are only added." },
            "machine": { "type": "string", "description": "`machine.name` of the topology." },
            "target": { "type": "string", "description": "The target and its settings, in words." },
            "kernel": { "type": ["string", "null"], "description": "The guest kernel release, as the dump says." },
            "firmware": { "type": ["string", "null"], "description": "`bios` or `efi`, as the dump says." },
            "rules": { "type": "array", "items": text, "description": "Kernel-version rules that changed what a check expects." },
            "checks": { "type": "array", "items": { "$ref": "#/$defs/check" } },
            "summary": {
                "type": "object",
                "properties": { "pass": count, "fail": count, "not_applicable": count },
                "required": ["pass", "fail", "not_applicable"],
                "additionalProperties": false,
            },
        },
        "required": ["format", "machine", "target", "kernel", "firmware", "rules", "checks", "summary"],
        "additionalProperties": false,
        "$defs": {
            "check": {
                "type": "object",
                "description": "One comparison of prediction and guest.",
                "properties": {
                    "name": { "type": "string", "description": "Stable dotted name: `e820.bios`, `node2.access0`, `acpi.SRAT`." },
                    "title": { "type": "string", "description": "What is compared, in words (free to change)." },
                    "status": { "enum": ["pass", "fail", "not-applicable"] },
                    "reason": { "type": "string", "description": "Why the check does not apply (not-applicable only)." },
                    "expected": { "type": "string", "description": "The prediction, lines joined with newlines." },
                    "seen": { "type": "string", "description": "What the guest showed." },
                    "differences": { "type": "array", "items": text, "description": "On failure: the item-by-item differences." },
                    "cause": { "type": "string", "description": "On failure: the most likely cause." },
                },
                "required": ["name", "title", "status", "expected", "seen"],
                "additionalProperties": false,
            },
        },
    })
}

/// [`schema`] as pretty JSON with a trailing newline.
pub fn render_schema() -> String {
    let mut s = serde_json::to_string_pretty(&schema()).unwrap_or_default();
    s.push('\n');
    s
}

fn indent(label: &str, text: &str) -> String {
    let mut out = String::new();
    let mut lines = text.lines();
    let first = lines.next().unwrap_or("(nothing)");
    out.push_str(&format!("      {label}: {first}\n"));
    let pad = " ".repeat(8 + label.len());
    for l in lines {
        out.push_str(&format!("{pad}{l}\n"));
    }
    out
}

/// Compares a guest dump with topoc's prediction for `c`.
pub fn verify(c: &Compiled, dump: &GuestDump) -> Report {
    let p = Prediction::new(c);
    verify_prediction(c, &p, dump)
}

/// [`verify`] against an explicit prediction, so that tests can perturb one
/// predicted value and watch the check that covers it fail.
pub fn verify_prediction(c: &Compiled, p: &Prediction, dump: &GuestDump) -> Report {
    let (checks, rules) = if c.target.qemu().is_some() {
        checks::run(p, dump)
    } else {
        let target = format!("{:?}", c.target.kind());
        let check = Check {
            name: "target".into(),
            title: "verify has a guest model for this target".into(),
            status: Status::Fail,
            reason: None,
            expected: "a QEMU guest".into(),
            seen: format!("a prediction for the {target} target"),
            differences: vec![format!("verify models QEMU guests only, not {target}")],
            cause: Some("compile for --target qemu to verify a QEMU guest".into()),
        };
        (vec![check], Vec::new())
    };
    let target = match (c.qemu(), c.libvirt()) {
        (Some((prof, _, _)), Some((lv, _))) => format!(
            "libvirt {} ({}), qemu {} {}, {}, spm {}",
            lv.version.value,
            lv.domain_type.value,
            prof.version.value,
            prof.machine.value,
            prof.firmware.value,
            prof.spm.value
        ),
        (Some((prof, _, _)), None) => format!(
            "qemu {} {}, {}, spm {}",
            prof.version.value, prof.machine.value, prof.firmware.value, prof.spm.value
        ),
        (None, _) => match c.virt() {
            Some((prof, _)) => format!(
                "qemu {} {}, {}, -cpu {}",
                prof.version.value, prof.machine.value, prof.firmware.value, prof.cpu_model.value
            ),
            None => format!("{:?}", c.target.kind()),
        },
    };
    let mut r = Report {
        machine: c.topo.machine.name.value.clone(),
        target,
        kernel: dump.kernel.clone(),
        firmware: dump.firmware.map(|f| {
            match f {
                crate::guest::dump::Firmware::Bios => "bios",
                crate::guest::dump::Firmware::Efi => "efi",
            }
            .to_string()
        }),
        rules,
        checks,
        summary: Summary::default(),
    };
    r.count();
    r
}
