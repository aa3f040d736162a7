//! How the guest was started: topoc's own prediction, the firmware, the
//! kernel command line.

use super::{Ctx, Explains, Outcome, Run, Spec};
use crate::guest::dump::Firmware as DumpFirmware;
use crate::kinds::Firmware;

pub(super) const PREDICTION: Spec = Spec {
    name: "prediction",
    title: "topoc could build its own prediction",
    compares: "topoc's own SRAT, SLIT and HMAT",
    how: "they decode; the check is in the report only when one does not",
    prerequisites: &[],
    explains: None,
    run: Run::Once(prediction),
};

pub(super) const FIRMWARE: Spec = Spec {
    name: "firmware",
    title: "the guest booted through the predicted firmware",
    compares: "how the guest booted",
    how: "`bios` for SeaBIOS, `efi` for OVMF",
    prerequisites: &[],
    explains: None,
    run: Run::Once(firmware),
};

pub(super) const CMDLINE: Spec = Spec {
    name: "kernel.cmdline",
    title: "the guest kernel got topoc's kernel arguments (kernel-cmdline.txt)",
    compares: "the guest's `/proc/cmdline`",
    how: "contains every argument of `kernel-cmdline.txt`",
    prerequisites: &[],
    explains: Some(Explains::First(
        "the guest was not booted with the memmap= arguments of kernel-cmdline.txt (see \
         kernel.cmdline)",
    )),
    run: Run::Once(cmdline),
};

fn prediction(cx: &Ctx) -> Outcome {
    let problems = &cx.p.problems;
    if problems.is_empty() {
        return Outcome::skip();
    }
    Outcome::compared(
        "no problems",
        problems.join("\n"),
        problems.clone(),
        "a bug in topoc's ACPI emitters or codec (src/emit/acpi, src/acpi)",
    )
}

fn firmware(cx: &Ctx) -> Outcome {
    let expected = match cx.p.firmware {
        Firmware::Seabios => DumpFirmware::Bios,
        Firmware::Ovmf | Firmware::OvmfSp | Firmware::Edk2_2020_11 | Firmware::Edk2_2022_11 => {
            DumpFirmware::Efi
        }
    };
    let name = |f: DumpFirmware| match f {
        DumpFirmware::Bios => "bios (SeaBIOS)",
        DumpFirmware::Efi => "efi (OVMF)",
    };
    let Some(seen) = cx.d.firmware else {
        return Outcome::not_applicable("the dump does not say how the guest booted");
    };
    let diffs = if seen == expected {
        Vec::new()
    } else {
        vec![format!("booted through {}", name(seen))]
    };
    Outcome::compared(
        format!("{} ({})", name(expected), cx.p.firmware),
        name(seen),
        diffs,
        "the prediction is for another firmware: rerun verify with --firmware seabios|ovmf \
         matching how the VM was started",
    )
}

fn cmdline(cx: &Ctx) -> Outcome {
    if cx.p.kernel_args.is_empty() {
        return Outcome::skip();
    }
    let Some(line) = &cx.d.cmdline else {
        return Outcome::not_applicable("the dump has no /proc/cmdline");
    };
    let words: Vec<&str> = line.split_whitespace().collect();
    let diffs: Vec<String> =
        cx.p.kernel_args
            .iter()
            .filter(|a| !words.contains(&a.as_str()))
            .map(|a| format!("missing: {a}"))
            .collect();
    Outcome::compared(
        cx.p.kernel_args.join(" "),
        line.clone(),
        diffs,
        "the VM was started without the contents of kernel-cmdline.txt on the kernel command \
         line (-append or the boot loader): SPM ranges stay ordinary RAM",
    )
}
