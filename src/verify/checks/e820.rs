//! The E820 map at its three stages: QEMU's fw_cfg `etc/e820`, the
//! `BIOS-e820:` lines of the map the firmware handed the kernel, and the
//! `user:` lines after `memmap=`; and the kernel's final map that the other
//! checks build on.

use super::{Ctx, Explains, Outcome, Rule, Run, Spec, hex_range, lines};
use crate::e820::{Entry, Kind};
use crate::guest::dump::{E820Line, GuestDump};
use crate::kinds::Firmware;
use crate::layout::firmware::FirmwareWindow;
use crate::linux::e820::{Names, kind_from_name, kind_from_resource_name, type_name};
use crate::verify::Prediction;

pub(super) const FW_CFG: Spec = Spec {
    name: "e820.fw_cfg",
    title: "QEMU's fw_cfg etc/e820, exactly and in QEMU's order",
    compares: "QEMU's own `etc/e820` (read through `qemu_fw_cfg`)",
    how: "exact, in QEMU's order: an oracle for the layout that no firmware or kernel touched",
    prerequisites: &[],
    explains: Some(Explains::Instead(
        "QEMU's own map already differs (see e820.fw_cfg): the QEMU layout, not the firmware \
         model, is the first thing to fix",
    )),
    run: Run::Once(fw_cfg),
};

pub(super) const BIOS: Spec = Spec {
    name: "e820.bios",
    title: "BIOS-e820 lines: the map the firmware handed the kernel",
    compares: "the `BIOS-e820:` lines",
    how: "SeaBIOS: exact, in order. OVMF: exact outside the firmware windows; inside each \
          window the entries must tile it exactly (no gaps, no overlaps, no entry across its \
          edge) with the window's allowed types",
    prerequisites: &["e820.fw_cfg"],
    explains: None,
    run: Run::Once(bios),
};

pub(super) const USER: Spec = Spec {
    name: "e820.user",
    title: "user: lines, the map after memmap=",
    compares: "the `user:` lines after `memmap=`",
    how: "as `e820.bios`; their absence fails when topoc asks for `memmap=`",
    prerequisites: &["e820.fw_cfg"],
    explains: None,
    run: Run::Once(user),
};

/// Linux 7.0 renamed E820 types in its boot log.
const RULE_E820_NAMES: Rule = Rule {
    text: "Linux >= 7.0 prints E820 types as `System RAM`/`device reserved`/`persistent RAM \
           (type N)` instead of `usable`/`reserved`/`persistent (type N)`: the expected lines \
           use the guest's spelling",
    applied_to: "e820.bios, e820.user",
};

/// `[mem A-B] type N` with QEMU's type code (soft reserved in hex).
fn fw_cfg_line(e: &Entry) -> String {
    let code = e.kind.code();
    format!(
        "{} type {}",
        hex_range(e.addr, e.end().saturating_sub(1)),
        if code == Kind::SOFT_RESERVED_CODE {
            "0xefffffff".to_string()
        } else {
            code.to_string()
        }
    )
}

/// The E820 checks on a machine without E820.
fn no_e820(cx: &Ctx) -> Option<Outcome> {
    (!cx.p.e820).then(|| {
        Outcome::not_applicable(
            "the aarch64 virt machine has no E820: its firmware describes memory in the UEFI memory map",
        )
    })
}

fn fw_cfg(cx: &Ctx) -> Outcome {
    if let Some(o) = no_e820(cx) {
        return o;
    }
    let expected: Vec<String> = cx.p.fw_cfg.iter().map(fw_cfg_line).collect();
    let Some(seen) = cx.d.fw_cfg_e820.as_ref() else {
        let why = cx
            .note_about("qemu_fw_cfg")
            .unwrap_or_else(|| "the dump has no fw_cfg etc/e820".into());
        return Outcome::not_applicable(format!(
            "{why} (needs the qemu_fw_cfg module in a QEMU guest; the other E820 checks still apply)"
        ));
    };
    let seen: Vec<String> = seen.iter().map(fw_cfg_line).collect();
    Outcome::compared(
        expected.join("\n"),
        seen.join("\n"),
        lines(&expected, &seen),
        "the QEMU layout model (src/layout/qemu.rs: low/high RAM split, AMD HyperTransport \
         hole from the -cpu vendor, SPM dialect) disagrees with QEMU, or the VM was not \
         started with exactly the emitted qemu.args (-m, -machine, -cpu)",
    )
}

fn bios(cx: &Ctx) -> Outcome {
    if let Some(o) = no_e820(cx) {
        return o;
    }
    let names = cx.kernel.e820_names();
    let o = match cx.dmesg_missing() {
        Some(why) => Outcome::not_applicable(why),
        None => tiled(cx, &cx.p.bios, &cx.d.bios_e820, names),
    };
    with_rule(o, names)
}

fn user(cx: &Ctx) -> Outcome {
    if let Some(o) = no_e820(cx) {
        return o;
    }
    let names = cx.kernel.e820_names();
    let seen = &cx.d.user_e820;
    let o = match (&cx.p.user, cx.dmesg_missing()) {
        (Some(_), Some(why)) => Outcome::not_applicable(why),
        (None, Some(_)) => Outcome::skip(),
        (Some(user), None) if seen.is_empty() => Outcome::compared(
            user.iter()
                .map(|e| entry_text(e, names))
                .collect::<Vec<_>>()
                .join("\n"),
            "(no user: lines)",
            vec!["the kernel printed no user-defined map".into()],
            format!(
                "the guest kernel did not get `{}` (see kernel.cmdline)",
                cx.p.kernel_args.join(" ")
            ),
        )
        .self_explained(),
        (Some(user), None) => tiled(cx, user, seen, names),
        (None, None) if !seen.is_empty() => Outcome::compared(
            "(none: topoc asks for no memmap=)",
            seen.iter().map(line_text).collect::<Vec<_>>().join("\n"),
            vec!["the guest has a user-defined map topoc did not ask for".into()],
            "memmap= or mem= on the guest's kernel command line",
        )
        .self_explained(),
        (None, None) => Outcome::skip(),
    };
    with_rule(o, names)
}

fn with_rule(o: Outcome, names: Names) -> Outcome {
    match names {
        Names::Renamed => o.rule(&RULE_E820_NAMES),
        Names::Classic => o,
    }
}

fn entry_text(e: &Entry, names: Names) -> String {
    format!(
        "{} {}",
        hex_range(e.addr, e.end().saturating_sub(1)),
        type_name(e.kind, names)
    )
}

fn line_text(l: &E820Line) -> String {
    format!("{} {}", hex_range(l.start, l.end), l.kind)
}

fn in_window(windows: &[FirmwareWindow], start: u64, end: u64) -> bool {
    windows
        .iter()
        .any(|w| start < w.region.end() && w.region.start <= end)
}

/// `seen` against `expected`: exact outside the firmware windows; inside
/// each window, entries that tile it with its allowed types.
fn tiled(cx: &Ctx, expected: &[Entry], seen: &[E820Line], names: Names) -> Outcome {
    let windows = &cx.p.windows;
    let exp: Vec<String> = expected.iter().map(|e| entry_text(e, names)).collect();
    let outside: Vec<String> = seen
        .iter()
        .filter(|l| !in_window(windows, l.start, l.end))
        .map(line_text)
        .collect();
    let mut diffs = lines(&exp, &outside);
    let mut expected_text = exp.join("\n");
    for w in windows {
        let kinds: Vec<String> = w.kinds.iter().map(|k| type_name(*k, names)).collect();
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
                Some(k) if w.kinds.contains(&k) && type_name(k, names) == l.kind => {}
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
    Outcome::compared(
        expected_text,
        seen_text.join("\n"),
        diffs,
        match cx.p.firmware {
            Firmware::Seabios => {
                "the SeaBIOS model in src/layout/firmware.rs (its high-zone reservation below the \
                 top of low RAM grows when SeaBIOS drives disks, USB or network boot ROMs: boot \
                 with -nodefaults and only the emitted devices), or the QEMU layout (see \
                 e820.fw_cfg)"
            }
            Firmware::Ovmf | Firmware::OvmfSp | Firmware::Edk2_2020_11 | Firmware::Edk2_2022_11 => {
                "the OVMF model in src/layout/firmware.rs (RAM above 4 GiB passed through, QEMU's \
                 reserved entries dropped, low RAM a firmware window), or the QEMU layout (see \
                 e820.fw_cfg)"
            }
        },
    )
}

/// The kernel's final table: the prediction, with the firmware windows
/// filled from the guest (the boot log, which `e820.bios` checked to tile
/// them; without a boot log, `/sys/firmware/memmap`, where a type other
/// than RAM, ACPI, NVS or unusable counts as reserved).
pub(super) fn kernel_map(p: &Prediction, d: &GuestDump) -> Vec<Entry> {
    if !p.e820 {
        return p.uefi_ram.clone();
    }
    let windows = &p.windows;
    let mut map = p.user.clone().unwrap_or_else(|| p.bios.clone());
    if windows.is_empty() {
        return map;
    }
    let seen = if p.user.is_some() && !d.user_e820.is_empty() {
        &d.user_e820
    } else {
        &d.bios_e820
    };
    if seen.is_empty() {
        for m in d
            .memmap
            .iter()
            .filter(|m| in_window(windows, m.start, m.end))
        {
            let kind = match kind_from_resource_name(&m.kind) {
                Some(k @ (Kind::Ram | Kind::Acpi | Kind::Nvs | Kind::Unusable)) => k,
                _ => Kind::Reserved,
            };
            map.extend(Entry::from_inclusive(m.start, m.end, kind));
        }
    }
    for l in seen.iter().filter(|l| in_window(windows, l.start, l.end)) {
        if let Some(k) = kind_from_name(&l.kind) {
            map.extend(Entry::from_inclusive(l.start, l.end, k));
        }
    }
    map.sort_by_key(|e| e.addr);
    map
}
