//! E820 maps in two views and three forms.
//!
//! - The VMM's view: fw_cfg `etc/e820` exactly as QEMU builds it (binary,
//!   JSON, and text in QEMU's order).
//! - The guest's view: what the guest kernel prints after the firmware
//!   rewrote the map (`BIOS-e820:` lines, then `user:` lines when
//!   `memmap=` edits it), as text and JSON.

use crate::e820::{Entry, JsonEntry, encode};
use crate::pipeline::Compiled;
use serde::Serialize;

fn vmm(c: &Compiled) -> &[Entry] {
    c.qemu().map_or(&[], |(_, l, _)| l.fw_cfg_e820.as_slice())
}

/// fw_cfg `etc/e820`: packed 20-byte little-endian entries.
pub fn vmm_binary(c: &Compiled) -> Vec<u8> {
    encode(vmm(c))
}

/// `etc/e820` as text, one entry per line in QEMU's order, end inclusive.
pub fn vmm_text(c: &Compiled) -> String {
    vmm(c)
        .iter()
        .map(|e| format!("{}\n", e.linux_line("etc/e820")))
        .collect()
}

#[derive(Serialize)]
struct VmmJson<'a> {
    view: &'static str,
    file: &'static str,
    order: &'static str,
    entries: Vec<JsonEntry>,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    kernel_args: &'a [String],
}

pub fn vmm_json(c: &Compiled) -> String {
    let kernel_args: &[String] = c.qemu().map_or(&[], |(_, l, _)| l.kernel_args.as_slice());
    let j = VmmJson {
        view: "vmm",
        file: "etc/e820",
        order: "as QEMU adds the entries (not sorted)",
        entries: vmm(c).iter().map(JsonEntry::from).collect(),
        kernel_args,
    };
    let mut s = serde_json::to_string_pretty(&j).unwrap_or_default();
    s.push('\n');
    s
}

/// The guest kernel's boot-log lines: `BIOS-e820:` then `user:` lines.
pub fn guest_text(c: &Compiled) -> String {
    let Some((_, _, g)) = c.qemu() else {
        return String::new();
    };
    let mut s: String = g
        .bios
        .iter()
        .map(|e| format!("{}\n", e.linux_line("BIOS-e820")))
        .collect();
    if let Some(user) = &g.user {
        for e in user {
            s.push_str(&e.linux_line("user"));
            s.push('\n');
        }
    }
    s
}

#[derive(Serialize)]
struct Window {
    start: String,
    end_inclusive: String,
    reason: String,
    types: Vec<String>,
}

#[derive(Serialize)]
struct GuestJson {
    view: &'static str,
    firmware: String,
    bios_e820: Vec<JsonEntry>,
    #[serde(skip_serializing_if = "Option::is_none")]
    user_e820: Option<Vec<JsonEntry>>,
    firmware_windows: Vec<Window>,
    dropped_by_firmware: Vec<JsonEntry>,
    assumptions: Vec<String>,
}

pub fn guest_json(c: &Compiled) -> String {
    let Some((_, _, g)) = c.qemu() else {
        return String::new();
    };
    let j = GuestJson {
        view: "guest",
        firmware: g.firmware.to_string(),
        bios_e820: g.bios.iter().map(JsonEntry::from).collect(),
        user_e820: g
            .user
            .as_ref()
            .map(|u| u.iter().map(JsonEntry::from).collect()),
        firmware_windows: g
            .windows
            .iter()
            .map(|w| Window {
                start: format!("{:#x}", w.region.start),
                end_inclusive: format!("{:#x}", w.region.end().saturating_sub(1)),
                reason: w.reason.clone(),
                types: w.kinds.iter().map(|k| k.json_name()).collect(),
            })
            .collect(),
        dropped_by_firmware: g.dropped.iter().map(JsonEntry::from).collect(),
        assumptions: g.assumptions.clone(),
    };
    let mut s = serde_json::to_string_pretty(&j).unwrap_or_default();
    s.push('\n');
    s
}
