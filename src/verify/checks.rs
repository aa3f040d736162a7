//! The comparisons. Each function adds named checks to [`Ctx::out`]; the
//! order of the report is the order of [`run`].

use super::predict::Prediction;
use super::{Check, Status};
use crate::acpi::{ChecksumPolicy, Srat};
use crate::decode::dump::{E820Line, Firmware as DumpFirmware, GuestDump};
use crate::e820::{Entry, Kind};
use crate::kinds::Firmware;
use crate::linux::e820::{Names, kind_from_name, type_name};
use crate::linux::hmat::{TargetView, hmat_view};
use crate::linux::numa::{distance, nearest_online, numa_view};
use crate::units::{GIB, KIB, MIB, fmt_cpulist};
use std::collections::{BTreeMap, BTreeSet};

// ---- kernel-version rules -------------------------------------------------

/// Linux 7.0 renamed E820 types in its boot log (Ingo Molnar's E820 series,
/// tag x86-boot-2026-02-09): `usable` → `System RAM`, `reserved` →
/// `device reserved`, `persistent (type N)` → `persistent RAM (type N)`.
const RULE_E820_NAMES: &str = "Linux >= 7.0 prints E820 types as `System RAM`/`device reserved`/\
`persistent RAM (type N)` instead of `usable`/`reserved`/`persistent (type N)`: the expected \
lines use the guest's spelling";
/// From v6.12 ("x86/mm: Don't print out SRAT table information") the SRAT
/// CPU lines are pr_debug.
const RULE_SRAT_CPU_DEBUG: &str = "Linux >= 6.12 prints `SRAT: PXM p -> APIC a -> Node n` only \
at debug level: CPU affinity is checked through the raw SRAT and nodeN/cpulist instead";
/// 2026 kernels keep Soft Reserved ranges in a separate resource tree until a
/// driver claims them (hmem.c "TODO: Add Soft-Reserved memory back to iomem").
const RULE_IOMEM_SOFT_RESERVED: &str = "Linux >= 7.0 may keep Soft Reserved ranges out of \
/proc/iomem (soft_reserve_resource tree; not yet seen on a running kernel): their absence is \
not a failure there, the dax devices still are checked";

/// `(major, minor)` of a release string such as `6.1.0-56-cloud-amd64`.
pub fn kernel_version(release: &str) -> Option<(u32, u32)> {
    let mut it = release.split(|c: char| !c.is_ascii_digit());
    let major = it.next()?.parse().ok()?;
    let minor = it.next()?.parse().ok()?;
    Some((major, minor))
}

// ---- the MemTotal bound ---------------------------------------------------

/// `struct page` is 64 bytes per 4 KiB page: 1/64 of a node's RAM.
const MEMMAP_DIVISOR: u64 = 64;
/// Per node: `NODE_DATA`, page tables, per-CPU areas, zone tables.
const NODE_OVERHEAD: u64 = 16 * MIB;
/// The node holding the kernel image (text, data, bss, early allocations).
const KERNEL_OVERHEAD: u64 = 64 * MIB;
/// The node holding the top of RAM below 4 GiB: the 64 MiB swiotlb buffer.
const SWIOTLB_OVERHEAD: u64 = 64 * MIB;

// ---- helpers --------------------------------------------------------------

struct Ctx<'a> {
    p: &'a Prediction,
    d: &'a GuestDump,
    kver: Option<(u32, u32)>,
    rules: Vec<String>,
    out: Vec<Check>,
    /// The guest numbered its nodes differently from the prediction.
    numbering_differs: bool,
    /// The guest lacks the kernel arguments topoc asked for.
    cmdline_missing: bool,
    /// QEMU's own etc/e820 already differs from the prediction.
    fw_cfg_differs: bool,
}

impl Ctx<'_> {
    fn at_least(&self, major: u32, minor: u32) -> bool {
        self.kver.is_some_and(|v| v >= (major, minor))
    }

    fn rule(&mut self, text: &str, check: &str) {
        let line = format!("{text} (applied to {check})");
        if !self.rules.contains(&line) {
            self.rules.push(line);
        }
    }

    /// Adds a check that passes when `diffs` is empty.
    fn compare(
        &mut self,
        name: &str,
        title: &str,
        expected: String,
        seen: String,
        diffs: Vec<String>,
        cause: impl FnOnce() -> String,
    ) {
        let fail = !diffs.is_empty();
        self.out.push(Check {
            name: name.to_string(),
            title: title.to_string(),
            status: if fail { Status::Fail } else { Status::Pass },
            reason: None,
            expected,
            seen,
            differences: diffs,
            cause: fail.then(cause),
        });
    }

    fn not_applicable(&mut self, name: &str, title: &str, reason: String) {
        self.out.push(Check {
            name: name.to_string(),
            title: title.to_string(),
            status: Status::NotApplicable,
            reason: Some(reason),
            expected: String::new(),
            seen: String::new(),
            differences: Vec::new(),
            cause: None,
        });
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

    /// A cause that mentions node numbering first when that already differs.
    fn node_cause(&self, own: &str) -> String {
        if self.numbering_differs {
            format!(
                "the guest numbered its nodes differently (see numa.pxm-map), so node ids do not \
                 line up; otherwise: {own}"
            )
        } else {
            own.to_string()
        }
    }

    fn spm_cause(&self, own: &str) -> String {
        if self.numbering_differs {
            self.node_cause(own)
        } else if self.cmdline_missing {
            format!(
                "the guest was not booted with the memmap= arguments of kernel-cmdline.txt (see \
                 kernel.cmdline); otherwise: {own}"
            )
        } else {
            own.to_string()
        }
    }
}

fn hex_range(start: u64, end_incl: u64) -> String {
    format!("[mem {start:#018x}-{end_incl:#018x}]")
}

fn nodes(set: &BTreeSet<u32>) -> String {
    if set.is_empty() {
        "(none)".into()
    } else {
        fmt_cpulist(&set.iter().copied().collect::<Vec<_>>())
    }
}

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

fn kib(bytes: u64) -> u64 {
    bytes / KIB
}

/// The name the guest prints for an E820 type.
fn e820_name(k: Kind, v7: bool) -> String {
    type_name(k, if v7 { Names::Renamed } else { Names::Classic })
}

fn e820_text(e: &Entry, v7: bool) -> String {
    format!(
        "{} {}",
        hex_range(e.addr, e.end().saturating_sub(1)),
        e820_name(e.kind, v7)
    )
}

fn line_text(l: &E820Line) -> String {
    format!("{} {}", hex_range(l.start, l.end), l.kind)
}

/// Set differences of two ordered line lists, then an order check.
fn diff_lines(expected: &[String], seen: &[String]) -> Vec<String> {
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

/// `[start, end)` pieces of `a` minus `b`.
fn subtract(pieces: Vec<(u64, u64)>, cut: (u64, u64)) -> Vec<(u64, u64)> {
    let mut out = Vec::new();
    for (s, e) in pieces {
        if cut.1 <= s || cut.0 >= e {
            out.push((s, e));
            continue;
        }
        if s < cut.0 {
            out.push((s, cut.0));
        }
        if cut.1 < e {
            out.push((cut.1, e));
        }
    }
    out
}

fn overlap(a: (u64, u64), b: (u64, u64)) -> Option<(u64, u64)> {
    let s = a.0.max(b.0);
    let e = a.1.min(b.1);
    (s < e).then_some((s, e))
}

// ---- the run ----------------------------------------------------------------

pub fn run(p: &Prediction, d: &GuestDump) -> (Vec<Check>, Vec<String>) {
    let mut cx = Ctx {
        p,
        d,
        kver: d.kernel.as_deref().and_then(kernel_version),
        rules: Vec::new(),
        out: Vec::new(),
        numbering_differs: false,
        cmdline_missing: false,
        fw_cfg_differs: false,
    };
    if !p.problems.is_empty() {
        cx.compare(
            "prediction",
            "topoc could build its own prediction",
            "no problems".into(),
            p.problems.join("\n"),
            p.problems.clone(),
            || "a bug in topoc's ACPI emitters or codec (src/emit/acpi, src/acpi)".into(),
        );
    }
    firmware(&mut cx);
    cmdline(&mut cx);
    fw_cfg(&mut cx);
    let map = e820(&mut cx);
    pxm_map(&mut cx);
    srat_cpus(&mut cx);
    let g = Guest::new(&cx, &map);
    node_lists(&mut cx, &g);
    per_node(&mut cx, &g, &map);
    hmat(&mut cx, &g);
    spm(&mut cx, &g, &map);
    devices(&mut cx);
    tables(&mut cx);
    (cx.out, cx.rules)
}

fn firmware(cx: &mut Ctx) {
    let expected = match cx.p.firmware {
        Firmware::Seabios => DumpFirmware::Bios,
        Firmware::Ovmf | Firmware::OvmfSp => DumpFirmware::Efi,
    };
    let name = |f: DumpFirmware| match f {
        DumpFirmware::Bios => "bios (SeaBIOS)",
        DumpFirmware::Efi => "efi (OVMF)",
    };
    match cx.d.firmware {
        None => cx.not_applicable(
            "firmware",
            "the guest booted through the predicted firmware",
            "the dump does not say how the guest booted".into(),
        ),
        Some(seen) => {
            let diffs = if seen == expected {
                Vec::new()
            } else {
                vec![format!("booted through {}", name(seen))]
            };
            let fw = cx.p.firmware;
            cx.compare(
                "firmware",
                "the guest booted through the predicted firmware",
                format!("{} ({fw})", name(expected)),
                name(seen).into(),
                diffs,
                || {
                    "the prediction is for another firmware: rerun verify with --firmware seabios|ovmf \
                     matching how the VM was started"
                        .into()
                },
            );
        }
    }
}

fn cmdline(cx: &mut Ctx) {
    if cx.p.kernel_args.is_empty() {
        return;
    }
    let title = "the guest kernel got topoc's kernel arguments (kernel-cmdline.txt)";
    let Some(line) = cx.d.cmdline.clone() else {
        cx.not_applicable(
            "kernel.cmdline",
            title,
            "the dump has no /proc/cmdline".into(),
        );
        return;
    };
    let words: Vec<&str> = line.split_whitespace().collect();
    let diffs: Vec<String> =
        cx.p.kernel_args
            .iter()
            .filter(|a| !words.contains(&a.as_str()))
            .map(|a| format!("missing: {a}"))
            .collect();
    cx.cmdline_missing = !diffs.is_empty();
    cx.compare(
        "kernel.cmdline",
        title,
        cx.p.kernel_args.join(" "),
        line,
        diffs,
        || {
            "the VM was started without the contents of kernel-cmdline.txt on the kernel command \
             line (-append or the boot loader): SPM ranges stay ordinary RAM"
                .into()
        },
    );
}

fn fw_cfg(cx: &mut Ctx) {
    let title = "QEMU's fw_cfg etc/e820, exactly and in QEMU's order";
    let fmt = |a: u64, l: u64, k: u32| {
        format!(
            "{} type {}",
            hex_range(a, a.saturating_add(l).saturating_sub(1)),
            if k == Kind::SOFT_RESERVED_CODE {
                "0xefffffff".to_string()
            } else {
                k.to_string()
            }
        )
    };
    let expected: Vec<String> =
        cx.p.fw_cfg
            .iter()
            .map(|e| fmt(e.addr, e.size, e.kind.code()))
            .collect();
    let Some(seen) = cx.d.fw_cfg_e820.as_ref() else {
        let why = cx
            .note_about("qemu_fw_cfg")
            .unwrap_or_else(|| "the dump has no fw_cfg etc/e820".into());
        cx.not_applicable(
            "e820.fw_cfg",
            title,
            format!(
                "{why} (needs the qemu_fw_cfg module in a QEMU guest; the other E820 checks still apply)"
            ),
        );
        return;
    };
    let seen: Vec<String> = seen
        .iter()
        .map(|e| fmt(e.addr, e.size, e.kind.code()))
        .collect();
    let diffs = if expected == seen {
        Vec::new()
    } else {
        diff_lines(&expected, &seen)
    };
    cx.fw_cfg_differs = !diffs.is_empty();
    cx.compare(
        "e820.fw_cfg",
        title,
        expected.join("\n"),
        seen.join("\n"),
        diffs,
        || {
            "the QEMU layout model (src/layout/qemu.rs: low/high RAM split, AMD HyperTransport \
             hole from the -cpu vendor, SPM dialect) disagrees with QEMU, or the VM was not \
             started with exactly the emitted qemu.args (-m, -machine, -cpu)"
                .into()
        },
    );
}

/// Checks the `BIOS-e820:` and `user:` lines; returns the kernel's final map
/// (the predicted one, with the firmware windows filled from the guest).
fn e820(cx: &mut Ctx) -> Vec<Entry> {
    let v7 = cx.at_least(7, 0);
    if v7 {
        cx.rule(RULE_E820_NAMES, "e820.bios, e820.user");
    }
    let windows = cx.p.windows.clone();
    let in_window = |s: u64, e: u64| {
        windows
            .iter()
            .any(|w| s < w.region.end() && w.region.start <= e)
    };
    let check = |cx: &mut Ctx, name: &str, title: &str, expected: &[Entry], seen: &[E820Line]| {
        let exp: Vec<String> = expected.iter().map(|e| e820_text(e, v7)).collect();
        let mut diffs;
        let seen_outside: Vec<&E820Line> =
            seen.iter().filter(|l| !in_window(l.start, l.end)).collect();
        let outside: Vec<String> = seen_outside.iter().map(|l| line_text(l)).collect();
        diffs = if exp == outside {
            Vec::new()
        } else {
            diff_lines(&exp, &outside)
        };
        let mut expected_text = exp.join("\n");
        for w in &windows {
            let kinds: Vec<String> = w.kinds.iter().map(|k| e820_name(*k, v7)).collect();
            expected_text.push_str(&format!(
                "\n{} firmware window: tiled by {} ({})",
                hex_range(w.region.start, w.region.end().saturating_sub(1)),
                kinds.join(", "),
                w.reason
            ));
            let mut inside: Vec<&E820Line> = seen
                .iter()
                .filter(|l| l.start < w.region.end() && w.region.start <= l.end)
                .collect();
            inside.sort_by_key(|l| l.start);
            let mut at = w.region.start;
            for l in &inside {
                if l.start < w.region.start || l.end >= w.region.end() {
                    diffs.push(format!(
                        "{} crosses the edge of the firmware window",
                        line_text(l)
                    ));
                }
                match kind_from_name(&l.kind) {
                    Some(k) if w.kinds.contains(&k) && e820_name(k, v7) == l.kind => {}
                    _ => diffs.push(format!("{}: type not allowed in the window", line_text(l))),
                }
                if l.start > at {
                    diffs.push(format!(
                        "gap {} inside the firmware window",
                        hex_range(at, l.start - 1)
                    ));
                } else if l.start < at {
                    diffs.push(format!("{} overlaps the entry before it", line_text(l)));
                }
                at = at.max(l.end.saturating_add(1));
            }
            if at < w.region.end() {
                diffs.push(format!(
                    "gap {} at the end of the firmware window",
                    hex_range(at, w.region.end() - 1)
                ));
            }
        }
        let seen_text: Vec<String> = seen.iter().map(line_text).collect();
        let firmware = cx.p.firmware;
        let fw_cfg_differs = cx.fw_cfg_differs;
        cx.compare(
            name,
            title,
            expected_text,
            seen_text.join("\n"),
            diffs,
            || match firmware {
                _ if fw_cfg_differs => "QEMU's own map already differs (see e820.fw_cfg): the \
                    QEMU layout, not the firmware model, is the first thing to fix"
                    .into(),
                Firmware::Seabios => "the SeaBIOS model in src/layout/firmware.rs (its high-zone \
                reservation below the top of low RAM grows when SeaBIOS drives disks, USB or \
                network boot ROMs: boot with -nodefaults and only the emitted devices), or the \
                QEMU layout (see e820.fw_cfg)"
                    .into(),
                _ => "the OVMF model in src/layout/firmware.rs (RAM above 4 GiB passed through, \
                QEMU's reserved entries dropped, low RAM a firmware window), or the QEMU layout \
                (see e820.fw_cfg)"
                    .into(),
            },
        );
    };
    let bios = cx.p.bios.clone();
    let seen_bios = cx.d.bios_e820.clone();
    if let Some(why) = cx.dmesg_missing() {
        cx.not_applicable(
            "e820.bios",
            "BIOS-e820 lines: the map the firmware handed the kernel",
            why.clone(),
        );
        if cx.p.user.is_some() {
            cx.not_applicable("e820.user", "user: lines, the map after memmap=", why);
        }
        return final_map(cx);
    }
    check(
        cx,
        "e820.bios",
        "BIOS-e820 lines: the map the firmware handed the kernel",
        &bios,
        &seen_bios,
    );
    let seen_user = cx.d.user_e820.clone();
    match cx.p.user.clone() {
        Some(user) => {
            if seen_user.is_empty() {
                let args = cx.p.kernel_args.join(" ");
                cx.compare(
                    "e820.user",
                    "user: lines, the map after memmap=",
                    user.iter()
                        .map(|e| e820_text(e, v7))
                        .collect::<Vec<_>>()
                        .join("\n"),
                    "(no user: lines)".into(),
                    vec!["the kernel printed no user-defined map".into()],
                    || format!("the guest kernel did not get `{args}` (see kernel.cmdline)"),
                );
            } else {
                check(
                    cx,
                    "e820.user",
                    "user: lines, the map after memmap=",
                    &user,
                    &seen_user,
                );
            }
        }
        None if !seen_user.is_empty() => cx.compare(
            "e820.user",
            "user: lines, the map after memmap=",
            "(none: topoc asks for no memmap=)".into(),
            seen_user
                .iter()
                .map(line_text)
                .collect::<Vec<_>>()
                .join("\n"),
            vec!["the guest has a user-defined map topoc did not ask for".into()],
            || "memmap= or mem= on the guest's kernel command line".into(),
        ),
        None => {}
    }

    final_map(cx)
}

/// The kernel's final table: the prediction, with the firmware windows
/// filled from the guest (the boot log, which `e820.bios` checked to tile
/// them; without a boot log, `/sys/firmware/memmap`).
fn final_map(cx: &Ctx) -> Vec<Entry> {
    let windows = &cx.p.windows;
    let in_window = |s: u64, e: u64| {
        windows
            .iter()
            .any(|w| s < w.region.end() && w.region.start <= e)
    };
    let mut map = cx.p.user.clone().unwrap_or_else(|| cx.p.bios.clone());
    if windows.is_empty() {
        return map;
    }
    let seen = if cx.p.user.is_some() && !cx.d.user_e820.is_empty() {
        &cx.d.user_e820
    } else {
        &cx.d.bios_e820
    };
    if seen.is_empty() {
        for m in cx.d.memmap.iter().filter(|m| in_window(m.start, m.end)) {
            let kind = match m.kind.as_str() {
                "System RAM" => Kind::Ram,
                "ACPI Tables" => Kind::Acpi,
                "ACPI Non-volatile Storage" => Kind::Nvs,
                "Unusable memory" => Kind::Unusable,
                _ => Kind::Reserved,
            };
            map.push(Entry::new(m.start, m.end - m.start + 1, kind));
        }
    }
    for l in seen.iter().filter(|l| in_window(l.start, l.end)) {
        if let Some(k) = kind_from_name(&l.kind) {
            map.push(Entry::new(l.start, l.end - l.start + 1, k));
        }
    }
    map.sort_by_key(|e| e.addr);
    map
}

fn pxm_map(cx: &mut Ctx) {
    let title =
        "PXM → Linux node: first appearance in the SRAT (CPUs and Generic Initiators, then memory)";
    let fmt = |m: &BTreeMap<u32, u32>| {
        m.iter()
            .map(|(p, n)| format!("PXM {p} → node{n}"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    let expected = cx.p.numa.pxm_to_node.clone();
    let mut from_lines: BTreeMap<u32, u32> = BTreeMap::new();
    for m in &cx.d.srat_memory {
        from_lines.insert(m.pxm, m.node);
    }
    for c in &cx.d.srat_cpus {
        from_lines.insert(c.pxm, c.node);
    }
    let raw =
        cx.d.acpi_table("SRAT")
            .and_then(|b| Srat::decode_with(b, ChecksumPolicy::Ignore).ok());
    let diff = |seen: &BTreeMap<u32, u32>, only_seen: bool| -> Vec<String> {
        let mut d = Vec::new();
        for (p, n) in &expected {
            match seen.get(p) {
                Some(s) if s == n => {}
                Some(s) => d.push(format!(
                    "PXM {p}: expected node{n}, the guest made it node{s}"
                )),
                None if !only_seen => d.push(format!(
                    "PXM {p}: expected node{n}, not in the guest's SRAT"
                )),
                None => {}
            }
        }
        for (p, s) in seen {
            if !expected.contains_key(p) {
                d.push(format!("PXM {p} → node{s}: not predicted"));
            }
        }
        d
    };
    match raw {
        Some(srat) => {
            let seen = numa_view(&srat).pxm_to_node;
            let mut diffs = diff(&seen, false);
            for (p, n) in &from_lines {
                if seen.get(p) != Some(n) {
                    diffs.push(format!(
                        "the boot log maps PXM {p} to node{n}, the raw SRAT gives {}",
                        seen.get(p).map_or("nothing".into(), |s| format!("node{s}"))
                    ));
                }
            }
            cx.numbering_differs = !diffs.is_empty();
            cx.compare(
                "numa.pxm-map",
                title,
                fmt(&expected),
                format!(
                    "{}\n(from the guest's raw SRAT, checked against its SRAT boot-log lines)",
                    fmt(&seen)
                ),
                diffs,
                || {
                    "the order of the SRAT's CPU and Generic Initiator structures differs from \
                     topoc's (Generic Initiators come in QEMU's /objects hash order: \
                     src/layout/qom.rs, src/emit/acpi/srat.rs)"
                        .into()
                },
            );
        }
        None => {
            let diffs = diff(&from_lines, true);
            let unseen: Vec<u32> = expected
                .keys()
                .filter(|p| !from_lines.contains_key(p))
                .copied()
                .collect();
            if diffs.is_empty() && !unseen.is_empty() {
                let why = cx
                    .note_about("tables/SRAT")
                    .unwrap_or_else(|| "the dump has no raw SRAT".into());
                cx.not_applicable(
                    "numa.pxm-map",
                    title,
                    format!(
                        "{why}; the boot log does not show PXM {} (Generic Initiator and, from \
                         Linux 6.12, CPU structures are printed at debug level only)",
                        unseen
                            .iter()
                            .map(u32::to_string)
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                );
            } else {
                cx.numbering_differs = !diffs.is_empty();
                cx.compare(
                    "numa.pxm-map",
                    title,
                    fmt(&expected),
                    format!("{}\n(from the SRAT boot-log lines)", fmt(&from_lines)),
                    diffs,
                    || "the SRAT's entry order differs from topoc's".into(),
                );
            }
        }
    }
}

fn srat_cpus(cx: &mut Ctx) {
    let title = "SRAT CPU lines: PXM -> APIC id -> node";
    let numa = &cx.p.numa;
    let expected: Vec<String> = numa
        .cpus
        .iter()
        .map(|(pxm, apic)| {
            let node = numa.node_of(*pxm).unwrap_or(u32::MAX);
            if *apic < 0x100 {
                format!("PXM {pxm} -> APIC {apic:#04x} -> Node {node}")
            } else {
                format!("PXM {pxm} -> X2APIC {apic:#06x} -> Node {node}")
            }
        })
        .collect();
    if let Some(why) = cx.dmesg_missing() {
        cx.not_applicable("numa.srat-cpus", title, why);
        return;
    }
    if cx.d.srat_cpus.is_empty() {
        if cx.at_least(6, 12) {
            cx.rule(RULE_SRAT_CPU_DEBUG, "numa.srat-cpus");
            cx.not_applicable(
                "numa.srat-cpus",
                title,
                "Linux >= 6.12 prints these lines at debug level only".into(),
            );
            return;
        }
        if expected.is_empty() {
            return;
        }
    }
    let seen: Vec<String> =
        cx.d.srat_cpus
            .iter()
            .map(|c| {
                if c.x2apic {
                    format!(
                        "PXM {} -> X2APIC {:#06x} -> Node {}",
                        c.pxm, c.apic_id, c.node
                    )
                } else {
                    format!(
                        "PXM {} -> APIC {:#04x} -> Node {}",
                        c.pxm, c.apic_id, c.node
                    )
                }
            })
            .collect();
    let diffs = if expected == seen {
        Vec::new()
    } else {
        diff_lines(&expected, &seen)
    };
    let cause = cx.node_cause(
        "the CPU-to-node assignment or the APIC id encoding (layout::qemu::apic_id) differs, or \
         the VM was started with another -smp",
    );
    cx.compare(
        "numa.srat-cpus",
        title,
        expected.join("\n"),
        seen.join("\n"),
        diffs,
        || cause,
    );
}

/// The predicted guest state that depends on the kernel's final map and on
/// how SPM was handed out (device-dax or kmem).
struct Guest {
    /// Memblock RAM, `[start, end)`, page-aligned, after the kernel's own
    /// edits (page 0 reserved, 640 KiB-1 MiB removed).
    ram: Vec<(u64, u64)>,
    /// Soft-reserved ranges of the final map, `[start, end)`.
    soft_reserved: Vec<(u64, u64)>,
    /// Soft-reserved memory went to kmem (System RAM) in this guest.
    kmem: bool,
    possible: BTreeSet<u32>,
    online: BTreeSet<u32>,
    /// Online before kmem hot-added anything.
    boot_online: BTreeSet<u32>,
    has_cpu: BTreeSet<u32>,
    has_memory: BTreeSet<u32>,
    has_normal_memory: BTreeSet<u32>,
    generic_initiator: BTreeSet<u32>,
    /// Linux node → CPUs.
    cpus: BTreeMap<u32, Vec<u32>>,
    /// Linux node → boot RAM bytes.
    node_ram: BTreeMap<u32, u64>,
    /// Linux node → bytes kmem hot-added.
    node_kmem: BTreeMap<u32, u64>,
}

impl Guest {
    fn new(cx: &Ctx, map: &[Entry]) -> Guest {
        let numa = &cx.p.numa;
        let mut ram: Vec<(u64, u64)> = map
            .iter()
            .filter(|e| e.kind == Kind::Ram)
            .map(|e| (e.addr, e.end()))
            .collect();
        // e820: update [mem 0x00000000-0x00000fff] usable ==> reserved
        ram = subtract(ram, (0, 0x1000));
        // e820: remove [mem 0x000a0000-0x000fffff] usable
        ram = subtract(ram, (0xa0000, 0x10_0000));
        let ram: Vec<(u64, u64)> = ram
            .into_iter()
            .map(|(s, e)| (s.div_ceil(4 * KIB) * 4 * KIB, e / (4 * KIB) * 4 * KIB))
            .filter(|(s, e)| s < e)
            .collect();
        let soft_reserved: Vec<(u64, u64)> = map
            .iter()
            .filter(|e| e.kind == Kind::SoftReserved)
            .map(|e| (e.addr, e.end()))
            .collect();
        // kmem: the guest handed its dax devices to kmem (`daxctl
        // reconfigure-device --mode=system-ram`, or topoc.kmem=1 in the test
        // initramfs), so soft-reserved memory is online System RAM.
        let kmem =
            !cx.d.dax.is_empty() && cx.d.dax.iter().all(|x| x.driver.as_deref() == Some("kmem"));
        let mut node_ram = BTreeMap::new();
        for m in &numa.memory {
            let r = (m.start, m.end.saturating_add(1));
            let bytes: u64 = ram
                .iter()
                .filter_map(|&x| overlap(x, r))
                .map(|(s, e)| e - s)
                .sum();
            *node_ram.entry(m.node).or_insert(0) += bytes;
        }
        let mut node_kmem = BTreeMap::new();
        if kmem {
            for &(s, e) in &soft_reserved {
                if let Some(n) = numa.node_at(s) {
                    *node_kmem.entry(n).or_insert(0) += e - s;
                }
            }
        }
        let mut cpus: BTreeMap<u32, Vec<u32>> = BTreeMap::new();
        for (cpu, pxm) in &cx.p.cpus {
            if let Some(n) = numa.node_of(*pxm) {
                cpus.entry(n).or_default().push(*cpu);
            }
        }
        let has_cpu: BTreeSet<u32> = cpus.keys().copied().collect();
        let has_normal_memory: BTreeSet<u32> = node_ram
            .iter()
            .filter(|(_, b)| **b > 0)
            .map(|(n, _)| *n)
            .collect();
        let mut has_memory = has_normal_memory.clone();
        has_memory.extend(node_kmem.keys().copied());
        let generic_initiator = numa.generic_initiator_nodes();
        let mut boot_online = has_cpu.clone();
        boot_online.extend(&has_normal_memory);
        boot_online.extend(&generic_initiator);
        let mut online = boot_online.clone();
        online.extend(&has_memory);
        Guest {
            ram,
            soft_reserved,
            kmem,
            possible: numa.possible(),
            online,
            boot_online,
            has_cpu,
            has_memory,
            has_normal_memory,
            generic_initiator,
            cpus,
            node_ram,
            node_kmem,
        }
    }

    fn distance(&self, p: &Prediction, a: u32, b: u32) -> u32 {
        distance(p.slit.as_ref(), &p.numa, a, b)
    }
}

fn node_lists(cx: &mut Ctx, g: &Guest) {
    let lists = cx.d.node_lists.clone();
    /// (file name, predicted set, what the guest shows, what it means)
    type Item<'a> = (&'a str, &'a BTreeSet<u32>, &'a Option<Vec<u32>>, &'a str);
    let items: [Item; 6] = [
        (
            "possible",
            &g.possible,
            &lists.possible,
            "every node the SRAT names",
        ),
        (
            "online",
            &g.online,
            &lists.online,
            "nodes with CPUs, boot RAM or a Generic Initiator (a memory-only node whose memory is \
             all soft-reserved stays offline)",
        ),
        (
            "has_cpu",
            &g.has_cpu,
            &lists.has_cpu,
            "nodes with online CPUs",
        ),
        (
            "has_memory",
            &g.has_memory,
            &lists.has_memory,
            "nodes with RAM (soft-reserved memory counts only once kmem onlines it)",
        ),
        (
            "has_normal_memory",
            &g.has_normal_memory,
            &lists.has_normal_memory,
            "nodes with boot RAM (kmem memory is ZONE_MOVABLE)",
        ),
        (
            "has_generic_initiator",
            &g.generic_initiator,
            &lists.has_generic_initiator,
            "nodes of SRAT Generic Initiator structures",
        ),
    ];
    for (name, expected, seen, what) in items {
        let check = format!("numa.{name}");
        let title = format!("/sys/devices/system/node/{name}: {what}");
        let Some(seen) = seen else {
            let why = cx
                .note_about(&format!("node/{name}"))
                .unwrap_or_else(|| format!("the dump has no node/{name}"));
            if name == "has_generic_initiator" && expected.is_empty() {
                continue;
            }
            cx.compare(
                &check,
                &title,
                nodes(expected),
                "(absent)".into(),
                vec![why],
                || "the guest kernel lacks NUMA support (CONFIG_NUMA, CONFIG_ACPI_NUMA) or ran with numa=off".into(),
            );
            continue;
        };
        let seen: BTreeSet<u32> = seen.iter().copied().collect();
        let mut diffs = Vec::new();
        for n in expected.difference(&seen) {
            diffs.push(format!("missing: {}", cx.p.node_label(*n)));
        }
        for n in seen.difference(expected) {
            diffs.push(format!("unexpected: node{n}"));
        }
        let cause = cx.node_cause(match name {
            "online" | "has_memory" => {
                "a node's memory is not where the SRAT/E820 prediction puts it (see the nodeN.srat \
                 and e820 checks), or SPM was (not) handed to kmem"
            }
            "has_generic_initiator" => {
                "the SRAT lacks the Generic Initiator structures (QEMU < 9.0, or the \
                 acpi-generic-initiator objects were not on the command line)"
            }
            _ => "the SRAT differs from topoc's (see acpi.SRAT)",
        });
        cx.compare(&check, &title, nodes(expected), nodes(&seen), diffs, || {
            cause
        });
    }
}

fn per_node(cx: &mut Ctx, g: &Guest, map: &[Entry]) {
    let numa = cx.p.numa.clone();
    let mut all: BTreeSet<u32> = g.possible.clone();
    all.extend(cx.d.nodes.keys().copied());
    all.extend(cx.d.srat_memory.iter().map(|m| m.node));
    let initmem_printed = !cx.d.initmem.is_empty();
    // Where the MemTotal allowances go.
    let kernel_at =
        cx.d.iomem
            .iter()
            .find(|e| e.name == "Kernel code")
            .map_or(0x100_0000, |e| e.start);
    let kernel_node = numa.node_at(kernel_at);
    let swiotlb_node = g
        .ram
        .iter()
        .filter(|(s, _)| *s < 4 * GIB)
        .map(|&(_, e)| e.min(4 * GIB) - 1)
        .max()
        .and_then(|top| numa.node_at(top));
    let _ = map;

    for n in all {
        let label = cx.p.node_label(n);
        let online = g.online.contains(&n);
        let seen = cx.d.nodes.get(&n).cloned();

        // State.
        let mut what = Vec::new();
        if g.has_cpu.contains(&n) {
            what.push("CPUs");
        }
        if g.has_normal_memory.contains(&n) {
            what.push("RAM");
        }
        if g.node_kmem.contains_key(&n) {
            what.push("kmem SPM");
        }
        if g.generic_initiator.contains(&n) {
            what.push("Generic Initiator");
        }
        let expected_state = if online {
            format!("online ({})", what.join(", "))
        } else if g.possible.contains(&n) {
            "offline (possible only: no CPUs, no RAM; soft-reserved or hot-pluggable memory only)"
                .into()
        } else {
            "not a node".into()
        };
        let seen_state = match &seen {
            Some(_) => "online (has a /sys/devices/system/node directory)".to_string(),
            None => "no /sys/devices/system/node directory".to_string(),
        };
        let diffs = if online == seen.is_some() {
            Vec::new()
        } else if online {
            vec![format!("{label} should be online")]
        } else {
            vec![format!("node{n} should not be online")]
        };
        let cause = cx.node_cause(
            "the node's memory is (not) soft-reserved in the guest (see kernel.cmdline, e820.user), \
             or its CPUs/Generic Initiator are missing from the SRAT",
        );
        cx.compare(
            &format!("node{n}.state"),
            &format!("{label}: online state"),
            expected_state,
            seen_state,
            diffs,
            || cause,
        );

        // SRAT memory ranges.
        let fmt_srat = |node: u32, pxm: u32, s: u64, e: u64, hp: bool| {
            format!(
                "Node {node} PXM {pxm} [mem {s:#010x}-{e:#010x}]{}",
                if hp { " hotplug" } else { "" }
            )
        };
        let exp: Vec<String> = numa
            .memory
            .iter()
            .filter(|m| m.node == n)
            .map(|m| fmt_srat(m.node, m.pxm, m.start, m.end, m.hotplug))
            .collect();
        let got: Vec<String> =
            cx.d.srat_memory
                .iter()
                .filter(|m| m.node == n)
                .map(|m| fmt_srat(m.node, m.pxm, m.start, m.end, m.hotplug))
                .collect();
        if let Some(why) = cx.dmesg_missing() {
            if !exp.is_empty() {
                cx.not_applicable(
                    &format!("node{n}.srat"),
                    &format!("{label}: SRAT memory ranges (ACPI: SRAT: Node N PXM P lines)"),
                    why,
                );
            }
        } else if !exp.is_empty() || !got.is_empty() {
            let diffs = if exp == got {
                Vec::new()
            } else {
                diff_lines(&exp, &got)
            };
            let cause = cx.node_cause(
                "QEMU placed the node's memory elsewhere (node order, sizes, the 640 KiB hole, the \
                 low/high split: compare e820.fw_cfg), or the SRAT differs (acpi.SRAT)",
            );
            cx.compare(
                &format!("node{n}.srat"),
                &format!("{label}: SRAT memory ranges (ACPI: SRAT: Node N PXM P lines)"),
                lines_or_none(&exp),
                lines_or_none(&got),
                diffs,
                || cause,
            );
        }

        // Initmem span.
        if g.possible.contains(&n) || cx.d.initmem.iter().any(|i| i.node == n) {
            let title = format!("{label}: Initmem span (the node's boot RAM, first to last page)");
            if let Some(why) = cx.dmesg_missing() {
                cx.not_applicable(&format!("node{n}.initmem"), &title, why);
            } else if initmem_printed {
                let ranges: Vec<(u64, u64)> = numa
                    .memory
                    .iter()
                    .filter(|m| m.node == n)
                    .map(|m| (m.start, m.end.saturating_add(1)))
                    .collect();
                let pieces: Vec<(u64, u64)> = g
                    .ram
                    .iter()
                    .flat_map(|&x| ranges.iter().filter_map(move |&r| overlap(x, r)))
                    .collect();
                let span = pieces
                    .iter()
                    .map(|p| p.0)
                    .min()
                    .zip(pieces.iter().map(|p| p.1).max());
                let fmt = |r: Option<(u64, u64)>| match r {
                    Some((s, e)) => format!("[mem {s:#018x}-{e:#018x}]"),
                    None => "memoryless".into(),
                };
                let exp = fmt(span.map(|(s, e)| (s, e - 1)));
                let got: Vec<String> =
                    cx.d.initmem
                        .iter()
                        .filter(|i| i.node == n)
                        .map(|i| fmt(i.range))
                        .collect();
                let diffs = if got.len() == 1 && got[0] == exp {
                    Vec::new()
                } else if got.is_empty() {
                    vec!["no Initmem line for this node".into()]
                } else {
                    vec![format!("seen {}", got.join(", "))]
                };
                let cause = cx.node_cause(
                    "the node's RAM differs: its SRAT ranges (nodeN.srat) or the E820 RAM inside \
                     them (e820.bios, e820.user)",
                );
                cx.compare(
                    &format!("node{n}.initmem"),
                    &title,
                    exp,
                    lines_or_none(&got),
                    diffs,
                    || cause,
                );
            } else {
                cx.not_applicable(
                    &format!("node{n}.initmem"),
                    &title,
                    "the boot log has no `Initmem setup node` lines (filtered or reworded by this kernel)".into(),
                );
            }
        }

        let Some(seen) = seen.filter(|_| online) else {
            continue;
        };

        // CPUs.
        let exp_cpus = g.cpus.get(&n).cloned().unwrap_or_default();
        let got_cpus = seen.cpulist.clone();
        let diffs = match &got_cpus {
            Some(c) if *c == exp_cpus => Vec::new(),
            Some(c) => vec![format!(
                "expected CPUs {}, seen {}",
                fmt_or_none(&exp_cpus),
                fmt_or_none(c)
            )],
            None => vec!["no cpulist".into()],
        };
        let cause = cx.node_cause(
            "the node's CPU list (-numa node,cpus= / the SRAT's CPU structures) differs, or fewer \
             CPUs came online than -smp says",
        );
        cx.compare(
            &format!("node{n}.cpulist"),
            &format!("{label}: CPUs"),
            fmt_or_none(&exp_cpus),
            got_cpus.as_deref().map_or("(absent)".into(), fmt_or_none),
            diffs,
            || cause,
        );

        // MemTotal.
        let boot = g.node_ram.get(&n).copied().unwrap_or(0);
        let hot = g.node_kmem.get(&n).copied().unwrap_or(0);
        let total = boot + hot;
        let mut bound = 0;
        let mut parts = Vec::new();
        if boot > 0 {
            bound += total / MEMMAP_DIVISOR + NODE_OVERHEAD;
            parts.push(format!(
                "RAM/{MEMMAP_DIVISOR} for struct pages + {} MiB per node",
                NODE_OVERHEAD / MIB
            ));
            if kernel_node == Some(n) {
                bound += KERNEL_OVERHEAD;
                parts.push(format!(
                    "{} MiB for the kernel image",
                    KERNEL_OVERHEAD / MIB
                ));
            }
            if swiotlb_node == Some(n) {
                bound += SWIOTLB_OVERHEAD;
                parts.push(format!("{} MiB swiotlb", SWIOTLB_OVERHEAD / MIB));
            }
        }
        let exp = if bound == 0 {
            format!("{} kB", kib(total))
        } else {
            format!(
                "between {} kB and {} kB (RAM {} kB{}, less at most {} kB: {})",
                kib(total - bound.min(total)),
                kib(total),
                kib(boot),
                if hot > 0 {
                    format!(" + {} kB kmem", kib(hot))
                } else {
                    String::new()
                },
                kib(bound),
                parts.join(", ")
            )
        };
        let diffs = match seen.mem_total_kib {
            None => vec!["no MemTotal".into()],
            Some(v) if v > kib(total) => vec![format!(
                "MemTotal {v} kB exceeds the node's RAM, {} kB, by {} kB",
                kib(total),
                v - kib(total)
            )],
            Some(v) if v < kib(total - bound.min(total)) => vec![format!(
                "MemTotal {v} kB is {} kB below the node's RAM, more than the {} kB bound",
                kib(total) - v,
                kib(bound)
            )],
            Some(_) => Vec::new(),
        };
        let cause = cx.node_cause(
            "the node has a different amount of RAM (nodeN.srat, e820), soft-reserved memory \
             counted as RAM (kernel.cmdline), or more memory reserved than the bound allows \
             (crashkernel=, hugepages=)",
        );
        cx.compare(
            &format!("node{n}.memtotal"),
            &format!("{label}: MemTotal"),
            exp,
            seen.mem_total_kib
                .map_or("(absent)".into(), |v| format!("{v} kB")),
            diffs,
            || cause,
        );

        // Distances to every online node.
        let exp_d: Vec<u32> = g.online.iter().map(|&m| g.distance(cx.p, n, m)).collect();
        let fmt_d = |v: &[u32]| v.iter().map(u32::to_string).collect::<Vec<_>>().join(" ");
        let diffs = match &seen.distance {
            Some(v) if *v == exp_d => Vec::new(),
            Some(v) => {
                let mut d = Vec::new();
                if v.len() != exp_d.len() {
                    d.push(format!(
                        "{} columns, expected {} (one per online node)",
                        v.len(),
                        exp_d.len()
                    ));
                }
                for ((m, e), s) in g.online.iter().zip(&exp_d).zip(v) {
                    if e != s {
                        d.push(format!("to node{m}: expected {e}, seen {s}"));
                    }
                }
                d
            }
            None => vec!["no distance file".into()],
        };
        let cause = cx.node_cause(
            "the SLIT differs from topoc's (acpi.SLIT; derived distances: model/derive.rs), or a \
             different set of nodes is online",
        );
        cx.compare(
            &format!("node{n}.distance"),
            &format!(
                "{label}: distances to the online nodes {}",
                nodes(&g.online)
            ),
            fmt_d(&exp_d),
            seen.distance.as_deref().map_or("(absent)".into(), fmt_d),
            diffs,
            || cause,
        );
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

fn fmt_or_none(v: &[u32]) -> String {
    if v.is_empty() {
        "(none)".into()
    } else {
        fmt_cpulist(v)
    }
}

fn hmat(cx: &mut Ctx, g: &Guest) {
    let Some(table) = cx.p.hmat.clone() else {
        let with_access: Vec<u32> =
            cx.d.nodes
                .values()
                .filter(|n| !n.access.is_empty())
                .map(|n| n.id)
                .collect();
        if !with_access.is_empty() {
            cx.compare(
                "hmat.absent",
                "no HMAT: no node has accessN attributes",
                "(no access attributes)".into(),
                format!(
                    "attributes on {}",
                    nodes(&with_access.into_iter().collect())
                ),
                vec!["the guest has HMAT attributes topoc did not predict".into()],
                || {
                    "the VM was started with hmat=on and -numa hmat-lb options topoc did not emit"
                        .into()
                },
            );
        }
        return;
    };
    let has_cpu = |n: u32| g.has_cpu.contains(&n);
    let views: Vec<TargetView> = match hmat_view(&table, &cx.p.numa, &has_cpu, &g.online) {
        Ok(v) => v,
        Err(e) => {
            cx.compare(
                "hmat.valid",
                "topoc's HMAT is one Linux accepts",
                "a valid HMAT".into(),
                format!("{e:?}"),
                vec![format!("Linux would ignore topoc's HMAT: {e:?}")],
                || "a bug in src/emit/acpi/hmat.rs".into(),
            );
            Vec::new()
        }
    };
    // Initiator side: targets per (initiator node, class).
    let mut targets: BTreeMap<(u32, usize), BTreeSet<u32>> = BTreeMap::new();
    for v in &views {
        for (k, a) in v.access.iter().enumerate() {
            for &i in &a.initiators {
                targets.entry((i, k)).or_default().insert(v.node);
            }
        }
    }
    let by_node: BTreeMap<u32, &TargetView> = views.iter().map(|v| (v.node, v)).collect();
    for &n in &g.online {
        let label = cx.p.node_label(n);
        let seen_node = cx.d.nodes.get(&n).cloned();
        for class in 0..2usize {
            let view = by_node.get(&n);
            let exp_targets = targets.get(&(n, class)).cloned().unwrap_or_default();
            let seen = seen_node
                .as_ref()
                .and_then(|s| s.access(class as u32))
                .cloned();
            if view.is_none() && exp_targets.is_empty() && seen.is_none() {
                continue;
            }
            let fmt_values =
                |rl: Option<u64>, wl: Option<u64>, rb: Option<u64>, wb: Option<u64>| {
                    let o = |v: Option<u64>| v.map_or("-".to_string(), |v| v.to_string());
                    format!(
                        "latency read {} ns, write {} ns; bandwidth read {} MB/s, write {} MB/s",
                        o(rl),
                        o(wl),
                        o(rb),
                        o(wb)
                    )
                };
            let exp_init = view
                .map(|v| v.access[class].initiators.clone())
                .unwrap_or_default();
            let exp_vals = view.map(|v| {
                let a = &v.access[class];
                (
                    Some(u64::from(a.read_latency)),
                    Some(u64::from(a.write_latency)),
                    Some(u64::from(a.read_bandwidth)),
                    Some(u64::from(a.write_bandwidth)),
                )
            });
            let exp_text = match exp_vals {
                Some((rl, wl, rb, wb)) => format!(
                    "initiators {}; targets {}; {}",
                    node_words(&exp_init),
                    node_words(&exp_targets),
                    fmt_values(rl, wl, rb, wb)
                ),
                None => format!("targets {} (not a memory target)", node_words(&exp_targets)),
            };
            let mut diffs = Vec::new();
            let seen_text = match &seen {
                None => {
                    diffs.push(format!("no access{class} directory"));
                    "(absent)".to_string()
                }
                Some(s) => {
                    let si: BTreeSet<u32> = s.initiators.iter().copied().collect();
                    let st: BTreeSet<u32> = s.targets.iter().copied().collect();
                    if si != exp_init {
                        diffs.push(format!(
                            "initiators: expected {}, seen {}",
                            node_words(&exp_init),
                            node_words(&si)
                        ));
                    }
                    if st != exp_targets {
                        diffs.push(format!(
                            "targets: expected {}, seen {}",
                            node_words(&exp_targets),
                            node_words(&st)
                        ));
                    }
                    let got = (
                        s.read_latency,
                        s.write_latency,
                        s.read_bandwidth,
                        s.write_bandwidth,
                    );
                    let exp = exp_vals.unwrap_or((None, None, None, None));
                    for (what, e, g) in [
                        ("read_latency", exp.0, got.0),
                        ("write_latency", exp.1, got.1),
                        ("read_bandwidth", exp.2, got.2),
                        ("write_bandwidth", exp.3, got.3),
                    ] {
                        if e != g {
                            diffs.push(format!(
                                "{what}: expected {}, seen {}",
                                e.map_or("no file".into(), |v| v.to_string()),
                                g.map_or("no file".into(), |v| v.to_string())
                            ));
                        }
                    }
                    format!(
                        "initiators {}; targets {}; {}",
                        node_words(&si),
                        node_words(&st),
                        fmt_values(got.0, got.1, got.2, got.3)
                    )
                }
            };
            let cause = cx.node_cause(if class == 0 {
                "the HMAT differs (acpi.HMAT): values (QEMU's base units, ps → ns rounding), the \
                 attached initiator of the Memory Proximity Domain Attributes, or the tie rules"
            } else {
                "the HMAT differs (acpi.HMAT); access1 counts only initiators with CPUs"
            });
            cx.compare(
                &format!("node{n}.access{class}"),
                &format!(
                    "{label}: access{class} ({})",
                    if class == 0 {
                        "best initiators of all kinds"
                    } else {
                        "best CPU initiators"
                    }
                ),
                exp_text,
                seen_text,
                diffs,
                || cause,
            );
        }
        // Memory-side caches.
        let exp_c = by_node
            .get(&n)
            .map(|v| v.caches.clone())
            .unwrap_or_default();
        let seen_c = seen_node
            .as_ref()
            .map(|s| s.memory_side_cache.clone())
            .unwrap_or_default();
        if exp_c.is_empty() && seen_c.is_empty() {
            continue;
        }
        let fmt_c =
            |level: u32, size: Option<u64>, line: Option<u64>, ix: Option<u64>, wp: Option<u64>| {
                let o = |v: Option<u64>| v.map_or("-".to_string(), |v| v.to_string());
                format!(
                    "index{level}: size={} line_size={} indexing={} write_policy={}",
                    o(size),
                    o(line),
                    o(ix),
                    o(wp)
                )
            };
        let exp: Vec<String> = exp_c
            .iter()
            .map(|c| {
                fmt_c(
                    c.level,
                    Some(c.size),
                    Some(c.line_size),
                    Some(c.indexing),
                    Some(c.write_policy),
                )
            })
            .collect();
        let got: Vec<String> = seen_c
            .iter()
            .map(|c| fmt_c(c.level, c.size, c.line_size, c.indexing, c.write_policy))
            .collect();
        let diffs = if exp == got {
            Vec::new()
        } else {
            diff_lines(&exp, &got)
        };
        let cause = cx.node_cause("the HMAT's memory-side cache structures differ (acpi.HMAT)");
        cx.compare(
            &format!("node{n}.memory-side-cache"),
            &format!("{label}: memory-side caches"),
            exp.join("\n"),
            lines_or_none(&got),
            diffs,
            || cause,
        );
    }
}

fn spm(cx: &mut Ctx, g: &Guest, map: &[Entry]) {
    let _ = map;
    let seen_sr: Vec<(u64, u64)> =
        cx.d.iomem
            .iter()
            .filter(|e| e.name == "Soft Reserved")
            .map(|e| (e.start, e.end))
            .collect();
    if g.soft_reserved.is_empty() && seen_sr.is_empty() && cx.d.dax.is_empty() {
        return;
    }
    let exp_sr: Vec<String> = g
        .soft_reserved
        .iter()
        .map(|&(s, e)| format!("{:x}-{:x} : Soft Reserved", s, e - 1))
        .collect();
    let got_sr: Vec<String> = seen_sr
        .iter()
        .map(|&(s, e)| format!("{s:x}-{e:x} : Soft Reserved"))
        .collect();
    let title = "soft-reserved ranges in /proc/iomem";
    if let Some(why) = cx.iomem_missing() {
        cx.not_applicable("spm.iomem", title, why);
    } else if got_sr.is_empty() && !exp_sr.is_empty() && cx.at_least(7, 0) {
        cx.rule(RULE_IOMEM_SOFT_RESERVED, "spm.iomem");
        cx.not_applicable(
            "spm.iomem",
            title,
            "Linux >= 7.0 may keep Soft Reserved ranges out of /proc/iomem".into(),
        );
    } else {
        let diffs = diff_lines(&exp_sr, &got_sr);
        let cause = cx.spm_cause(
            "the SPM ranges are elsewhere: the QEMU layout (e820.fw_cfg) or the memmap= \
             arguments (src/layout/qemu.rs kernel_args) differ",
        );
        cx.compare(
            "spm.iomem",
            title,
            exp_sr.join("\n"),
            lines_or_none(&got_sr),
            diffs,
            || cause,
        );
    }

    // Soft-reserved memory is not System RAM (unless kmem onlined it) and
    // not in MemTotal.
    let mut diffs = Vec::new();
    let iomem_ok = cx.iomem_missing().is_none();
    for e in
        cx.d.iomem
            .iter()
            .filter(|e| iomem_ok && e.name == "System RAM")
    {
        for &(s, end) in &g.soft_reserved {
            // `end` is inclusive and read from the guest: 2^64-1 has no successor.
            if let Some((a, b)) = overlap((e.start, e.end.saturating_add(1)), (s, end)) {
                diffs.push(format!(
                    "System RAM {:x}-{:x} overlaps soft-reserved {:x}-{:x}",
                    a,
                    b - 1,
                    s,
                    end - 1
                ));
            }
        }
    }
    let usable: u64 = g.ram.iter().map(|(s, e)| e - s).sum();
    let sr_total: u64 = g.soft_reserved.iter().map(|(s, e)| e - s).sum();
    let limit = if g.kmem { usable + sr_total } else { usable };
    match cx.d.mem_total_kib {
        Some(v) if v > kib(limit) => diffs.push(format!(
            "MemTotal {v} kB exceeds the usable RAM{} ({} kB)",
            if g.kmem { " plus kmem" } else { "" },
            kib(limit)
        )),
        Some(_) => {}
        None => diffs.push("no MemTotal in /proc/meminfo".into()),
    }
    let cause = cx.spm_cause(
        "soft-reserved memory became System RAM: the memmap= arguments did not apply, or a \
         driver (kmem) onlined it",
    );
    cx.compare(
        "spm.memtotal",
        if g.kmem {
            "soft-reserved memory is System RAM only through kmem (System RAM (kmem))"
        } else {
            "soft-reserved memory is not System RAM and not in MemTotal"
        },
        format!(
            "no System RAM inside {} soft-reserved range(s) ({} kB); MemTotal at most {} kB",
            g.soft_reserved.len(),
            kib(sr_total),
            kib(limit)
        ),
        format!(
            "MemTotal {}",
            cx.d.mem_total_kib
                .map_or("(absent)".into(), |v| format!("{v} kB"))
        ),
        diffs,
        || cause,
    );

    // dax devices.
    let numa = &cx.p.numa;
    let driver = if g.kmem { "kmem" } else { "device_dax" };
    let fmt = |res: u64, size: u64, target: i64, numa_node: i64, drv: &str| {
        format!(
            "resource={res:#x} size={size} target_node={target} numa_node={numa_node} driver={drv}"
        )
    };
    let mut exp = Vec::new();
    for &(s, e) in &g.soft_reserved {
        let target = numa.node_at(s).map_or(-1, i64::from);
        // The dax device gets its numa_node when it is created, before kmem
        // onlines anything: the nearest node online at boot. Measured on the
        // mi300a guest with kmem: numa_node stays 3 and 2 after nodes 4 and 5
        // came online.
        let near = if target < 0 {
            -1
        } else {
            let t = target as u32;
            i64::from(nearest_online(t, &g.boot_online, &|a, b| {
                g.distance(cx.p, a, b)
            }))
        };
        exp.push(fmt(s, e - s, target, near, driver));
    }
    let got: Vec<String> =
        cx.d.dax
            .iter()
            .map(|x| {
                fmt(
                    x.resource.unwrap_or(0),
                    x.size.unwrap_or(0),
                    x.target_node.unwrap_or(-1),
                    x.numa_node.unwrap_or(-1),
                    x.driver.as_deref().unwrap_or("(none)"),
                )
            })
            .collect();
    let mut exp_sorted = exp.clone();
    exp_sorted.sort();
    let mut got_sorted = got.clone();
    got_sorted.sort();
    let diffs = if exp_sorted == got_sorted {
        Vec::new()
    } else {
        diff_lines(&exp_sorted, &got_sorted)
    };
    let modules = cx.d.init_notes.clone().unwrap_or_default();
    let cause = cx.spm_cause(&format!(
        "the hmem/dax drivers did not bind (device_dax and dax_hmem must be loaded{}), the range \
         is not covered by the SRAT (target_node -1), or the SRAT puts it in another node",
        if modules.is_empty() {
            String::new()
        } else {
            format!("; the guest said: {modules}")
        }
    ));
    cx.compare(
        "spm.dax",
        &format!("one dax device per soft-reserved range, on its SRAT node, bound to {driver}"),
        exp.join("\n"),
        lines_or_none(&got),
        diffs,
        || cause,
    );
}

fn devices(cx: &mut Ctx) {
    if cx.p.devices.is_empty() {
        return;
    }
    // PCI functions.
    let mut exp = Vec::new();
    let mut got = Vec::new();
    let mut diffs = Vec::new();
    for dev in &cx.p.devices {
        let ids = dev
            .ids
            .map_or(String::new(), |(v, d)| format!(" {v:#06x}:{d:#06x}"));
        exp.push(format!("{} {}{ids}", dev.address, dev.name));
        match cx.d.pci.iter().find(|p| p.address == dev.address) {
            None => diffs.push(format!("no PCI function at {} ({})", dev.address, dev.name)),
            Some(p) => {
                got.push(format!(
                    "{} {:#06x}:{:#06x}",
                    p.address,
                    p.vendor.unwrap_or(0),
                    p.device.unwrap_or(0)
                ));
                if let Some((v, d)) = dev.ids {
                    if p.vendor != Some(v) || p.device != Some(d) {
                        diffs.push(format!(
                            "{}: expected {v:04x}:{d:04x}, seen {:04x}:{:04x}",
                            dev.address,
                            p.vendor.unwrap_or(0),
                            p.device.unwrap_or(0)
                        ));
                    }
                }
            }
        }
    }
    if cx.d.pci.is_empty() {
        cx.not_applicable(
            "pci.devices",
            "the topology's PCI devices at their predicted addresses",
            "the dump lists no PCI devices".into(),
        );
    } else {
        cx.compare(
            "pci.devices",
            "the topology's PCI devices at their predicted addresses",
            exp.join("\n"),
            lines_or_none(&got),
            diffs,
            || "the VM was started without the emitted -device options, or with devices on other slots".into(),
        );
    }

    // Generic Initiator structures name those devices.
    let mut exp_gi: Vec<String> = Vec::new();
    for dev in &cx.p.devices {
        for pxm in &dev.generic_initiator_pxms {
            exp_gi.push(format!(
                "PXM {pxm}: PCI {:04x}:{:02x}:{:02x}.{} ({})",
                0,
                dev.bus,
                dev.devfn >> 3,
                dev.devfn & 7,
                dev.name
            ));
        }
    }
    if exp_gi.is_empty() {
        return;
    }
    let title = "SRAT Generic Initiator structures name the predicted PCI devices";
    let raw =
        cx.d.acpi_table("SRAT")
            .and_then(|b| Srat::decode_with(b, ChecksumPolicy::Ignore).ok());
    let Some(srat) = raw else {
        let why = cx
            .note_about("tables/SRAT")
            .unwrap_or_else(|| "the dump has no raw SRAT".into());
        cx.not_applicable("gi.srat", title, why);
        return;
    };
    let name_of = |bus: u8, devfn: u8| {
        cx.p.devices
            .iter()
            .find(|d| d.bus == bus && d.devfn == devfn)
            .map_or("?".to_string(), |d| d.name.clone())
    };
    let mut got_gi = Vec::new();
    for e in &srat.entries {
        if let crate::acpi::SratEntry::GenericInitiator(g) = e {
            got_gi.push(match &g.handle {
                crate::acpi::DeviceHandle::Pci {
                    segment,
                    bus,
                    devfn,
                } => format!(
                    "PXM {}: PCI {segment:04x}:{bus:02x}:{:02x}.{} ({})",
                    g.pxm,
                    devfn >> 3,
                    devfn & 7,
                    name_of(*bus, *devfn)
                ),
                other => format!("PXM {}: {other:?}", g.pxm),
            });
        }
    }
    let mut a = exp_gi.clone();
    a.sort();
    let mut b = got_gi.clone();
    b.sort();
    let diffs = if a == b {
        Vec::new()
    } else {
        diff_lines(&a, &b)
    };
    cx.compare(
        "gi.srat",
        title,
        a.join("\n"),
        lines_or_none(&b),
        diffs,
        || {
            "the acpi-generic-initiator objects are missing or point at other devices (QEMU < 9.0 \
             has none), or the devices sit on other slots (pci.devices)"
                .into()
        },
    );
}

fn tables(cx: &mut Ctx) {
    let upgrading = cx.p.acpi_oem_revision > 1;
    if upgrading {
        let mut diffs = Vec::new();
        let mut seen = Vec::new();
        for sig in cx.p.tables.keys() {
            let needle = format!("Table Upgrade: override [{sig}-");
            match cx.d.dmesg.iter().find(|l| l.contains(&needle)) {
                Some(l) => seen.push(l.clone()),
                None => diffs.push(format!("no `{needle}...` line")),
            }
        }
        let rev = cx.p.acpi_oem_revision;
        cx.compare(
            "acpi.table-upgrade",
            "the guest replaced QEMU's tables with topoc's (initrd ACPI table upgrade)",
            cx.p.tables
                .keys()
                .map(|s| format!("Table Upgrade: override [{s}-BOCHS -BXPC    ]"))
                .collect::<Vec<_>>()
                .join("\n"),
            lines_or_none(&seen),
            diffs,
            || {
                format!(
                    "the tables were not first in the initrd as an uncompressed cpio under \
                     kernel/firmware/acpi/, their OEM ID/table ID differ from the firmware's, or \
                     their OEM revision ({rev}) is not above the firmware's (QEMU: 1); the kernel \
                     needs CONFIG_ACPI_TABLE_UPGRADE"
                )
            },
        );
    }
    for sig in ["SRAT", "SLIT", "HMAT"] {
        let exp = cx.p.tables.get(sig).cloned();
        let seen = cx.d.acpi_table(sig).map(<[u8]>::to_vec);
        let name = format!("acpi.{sig}");
        let title = format!("raw {sig}, byte for byte, against topoc's");
        match (exp, seen) {
            (None, None) => {}
            (Some(_), None) => {
                let why = cx
                    .note_about(&format!("tables/{sig}"))
                    .unwrap_or_else(|| format!("the dump has no {sig}"));
                if why.contains("unreadable") {
                    cx.not_applicable(&name, &title, why);
                } else {
                    cx.compare(
                        &name,
                        &title,
                        format!("topoc's {sig}"),
                        "(absent)".into(),
                        vec![why],
                        || format!("the VM has no {sig}: started without the NUMA options (or hmat=on for HMAT)"),
                    );
                }
            }
            (None, Some(b)) => cx.compare(
                &name,
                &title,
                format!("no {sig}"),
                format!("{} bytes", b.len()),
                vec![format!("the guest has a {sig} topoc did not predict")],
                || "the VM was started with options topoc did not emit".into(),
            ),
            (Some(e), Some(s)) => {
                let diffs = table_diffs(&e, &s);
                let rev_e = e
                    .get(24..28)
                    .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]));
                let rev_s = s
                    .get(24..28)
                    .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]));
                let lower = sig.to_ascii_lowercase();
                let cause = move || {
                    if rev_e != rev_s {
                        format!(
                            "the OEM revisions differ ({} expected, {} seen): the guest {} QEMU's \
                             table through the initrd table upgrade; verify with \
                             --acpi-oem-revision matching the tables the guest booted with",
                            rev_e.unwrap_or(0),
                            rev_s.unwrap_or(0),
                            if rev_s > rev_e { "replaced" } else { "kept" }
                        )
                    } else {
                        format!(
                            "topoc's {sig} emitter (src/emit/acpi/{lower}.rs) disagrees with the \
                             VM's table, or the VM ran with other NUMA options than qemu.args"
                        )
                    }
                };
                cx.compare(
                    &name,
                    &title,
                    format!(
                        "{} bytes, checksum {:#04x}",
                        e.len(),
                        e.get(9).copied().unwrap_or(0)
                    ),
                    format!(
                        "{} bytes, checksum {:#04x}",
                        s.len(),
                        s.get(9).copied().unwrap_or(0)
                    ),
                    diffs,
                    cause,
                );
            }
        }
    }
}

/// Where two tables differ: header fields by name, then structures.
fn table_diffs(e: &[u8], s: &[u8]) -> Vec<String> {
    if e == s {
        return Vec::new();
    }
    let mut d = Vec::new();
    let fields: [(&str, usize, usize); 8] = [
        ("length", 4, 8),
        ("revision", 8, 9),
        ("checksum", 9, 10),
        ("OEM ID", 10, 16),
        ("OEM table ID", 16, 24),
        ("OEM revision", 24, 28),
        ("creator ID", 28, 32),
        ("creator revision", 32, 36),
    ];
    for (name, a, b) in fields {
        let x = e.get(a..b);
        let y = s.get(a..b);
        if x != y {
            d.push(format!(
                "header {name}: expected {}, seen {}",
                x.map_or("-".into(), hex_bytes),
                y.map_or("-".into(), hex_bytes)
            ));
        }
    }
    let body_e = e.get(36..).unwrap_or_default();
    let body_s = s.get(36..).unwrap_or_default();
    if body_e != body_s {
        let first = body_e
            .iter()
            .zip(body_s)
            .position(|(a, b)| a != b)
            .unwrap_or(body_e.len().min(body_s.len()));
        d.push(format!(
            "body differs from byte {} (expected {}, seen {})",
            36 + first,
            hex_bytes(
                body_e
                    .get(first..(first + 8).min(body_e.len()))
                    .unwrap_or_default()
            ),
            hex_bytes(
                body_s
                    .get(first..(first + 8).min(body_s.len()))
                    .unwrap_or_default()
            )
        ));
        // A structural summary helps more than offsets.
        if let (Ok(a), Ok(b)) = (
            crate::acpi::decode_any_with(e, ChecksumPolicy::Ignore),
            crate::acpi::decode_any_with(s, ChecksumPolicy::Ignore),
        ) {
            match (a, b) {
                (crate::acpi::Table::Srat(a), crate::acpi::Table::Srat(b)) => {
                    let n = a.entries.len().max(b.entries.len());
                    for i in 0..n {
                        let (x, y) = (a.entries.get(i), b.entries.get(i));
                        if x != y {
                            d.push(format!(
                                "structure {i}: expected {}, seen {}",
                                x.map_or("nothing".into(), |x| format!("{x:?}")),
                                y.map_or("nothing".into(), |y| format!("{y:?}"))
                            ));
                        }
                    }
                }
                (crate::acpi::Table::Slit(a), crate::acpi::Table::Slit(b)) => {
                    if a.localities != b.localities {
                        d.push(format!(
                            "localities: expected {}, seen {}",
                            a.localities, b.localities
                        ));
                    } else {
                        let n = a.localities;
                        for i in 0..n {
                            for j in 0..n {
                                let (x, y) = (a.distance(i, j), b.distance(i, j));
                                if x != y {
                                    d.push(format!(
                                        "distance PXM {i} → {j}: expected {}, seen {}",
                                        x.unwrap_or(0),
                                        y.unwrap_or(0)
                                    ));
                                }
                            }
                        }
                    }
                }
                (crate::acpi::Table::Hmat(a), crate::acpi::Table::Hmat(b)) => {
                    let n = a.structures.len().max(b.structures.len());
                    for i in 0..n {
                        let (x, y) = (a.structures.get(i), b.structures.get(i));
                        if x != y {
                            d.push(format!(
                                "structure {i}: expected {}, seen {}",
                                x.map_or("nothing".into(), |x| format!("{x:?}")),
                                y.map_or("nothing".into(), |y| format!("{y:?}"))
                            ));
                        }
                    }
                }
                _ => d.push("different table types".into()),
            }
        }
    }
    d
}

fn hex_bytes(b: &[u8]) -> String {
    b.iter()
        .map(|x| format!("{x:02x}"))
        .collect::<Vec<_>>()
        .join(" ")
}
