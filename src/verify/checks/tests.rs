use super::*;
use crate::kinds::Firmware;
use crate::pipeline::{Compiled, Options};
use crate::source::SourceFile;
use crate::target::QemuOverrides;

const TOML: &str = include_str!("../../../tests/verify-data/two-socket.toml");
const DUMP: &str = include_str!("../../../tests/verify-data/two-socket.seabios.dump");

fn compiled(firmware: Option<Firmware>) -> Compiled {
    let opts = Options {
        qemu: QemuOverrides {
            firmware,
            ..QemuOverrides::default()
        },
        ..Options::default()
    };
    match crate::pipeline::compile(&SourceFile::new("two-socket.toml", TOML), &opts) {
        Ok(c) => c,
        Err(d) => panic!("two-socket does not compile: {d:?}"),
    }
}

fn dump(text: &str) -> GuestDump {
    GuestDump::parse(text).unwrap_or_else(|e| panic!("{e}"))
}

fn check<'a>(checks: &'a [Check], name: &str) -> &'a Check {
    match checks.iter().find(|c| c.name == name) {
        Some(c) => c,
        None => panic!("no check {name}"),
    }
}

#[test]
fn registry_is_consistent() {
    for (i, s) in CHECKS.iter().enumerate() {
        assert!(
            CHECKS[..i].iter().all(|o| o.name != s.name),
            "{} twice",
            s.name
        );
        let per_node = !matches!(s.run, Run::Once(_));
        assert_eq!(per_node, s.name.starts_with("nodeN."), "{}", s.name);
        assert_eq!(per_node, s.title.contains("{node}"), "{}", s.title);
        assert!(!s.compares.is_empty() && !s.how.is_empty(), "{}", s.name);
        for p in s.prerequisites {
            let at = CHECKS.iter().position(|o| o.name == *p);
            assert!(
                at.is_some_and(|at| at < i),
                "{}: prerequisite {p} is not an earlier check",
                s.name
            );
            assert!(
                spec(p).is_some_and(|p| p.explains.is_some() && matches!(p.run, Run::Once(_))),
                "{}: prerequisite {p} explains nothing",
                s.name
            );
        }
        if s.explains.is_some() {
            assert!(
                CHECKS.iter().any(|o| o.prerequisites.contains(&s.name)),
                "{} explains no check",
                s.name
            );
        }
    }
}

#[test]
fn titles_fill_in_one_pass() {
    assert_eq!(fill("{node}: a {} b", "n{}{node}", "D"), "n{}{node}: a D b");
    assert_eq!(fill("{x} {", "", ""), "{x} {");
}

#[test]
fn the_report_follows_the_registry_node_by_node() {
    let c = compiled(None);
    let (checks, rules) = run(&Prediction::new(&c), &dump(DUMP));
    assert!(rules.is_empty());
    let names: Vec<&str> = checks.iter().map(|c| c.name.as_str()).collect();
    let at = |n: &str| names.iter().position(|x| *x == n);
    assert!(at("e820.user").is_none(), "two-socket asks for no memmap=");
    assert!(at("numa.has_generic_initiator") < at("node0.state"));
    assert!(at("node0.distance") < at("node1.state"));
    assert!(at("node1.distance") < at("node0.access0"));
    assert!(at("node0.access1") < at("node1.access0"));
    assert!(
        checks.iter().all(|c| c.status == Status::Pass),
        "{checks:?}"
    );
}

#[test]
fn a_failed_prerequisite_explains_what_fails_after_it() {
    let c = compiled(None);
    let d = dump(DUMP);
    // QEMU's map moves: the firmware's map follows, and the first thing to
    // fix is QEMU's layout, not the firmware model.
    let mut p = Prediction::new(&c);
    p.fw_cfg[0].size -= 0x1000;
    p.bios[0].size -= 0x1000;
    let (checks, _) = run(&p, &d);
    assert_eq!(check(&checks, "e820.fw_cfg").status, Status::Fail);
    let bios = check(&checks, "e820.bios");
    assert_eq!(bios.status, Status::Fail);
    assert_eq!(
        bios.cause.as_deref(),
        match spec("e820.fw_cfg").and_then(|s| s.explains) {
            Some(Explains::Instead(text)) => Some(text),
            other => panic!("{other:?}"),
        }
    );
    // Without the prerequisite failing, the check's own cause.
    let mut p = Prediction::new(&c);
    p.bios[0].size -= 0x1000;
    let (checks, _) = run(&p, &d);
    let cause = check(&checks, "e820.bios")
        .cause
        .clone()
        .unwrap_or_default();
    assert!(cause.starts_with("the SeaBIOS model"), "{cause}");
    // A node numbering that differs comes first in a node's cause.
    let mut p = Prediction::new(&c);
    p.numa.pxm_to_node.insert(0, 1);
    p.numa.pxm_to_node.insert(1, 0);
    let (checks, _) = run(&p, &d);
    assert_eq!(check(&checks, "numa.pxm-map").status, Status::Fail);
    let cause = check(&checks, "numa.srat-cpus")
        .cause
        .clone()
        .unwrap_or_default();
    assert!(
        cause.starts_with("the guest numbered its nodes differently")
            && cause.contains("; otherwise: the CPU-to-node assignment"),
        "{cause}"
    );
}

#[test]
fn a_firmware_map_to_the_end_of_the_address_space_does_not_overflow() {
    // Under OVMF, without a boot log, the firmware window is filled from
    // /sys/firmware/memmap: an entry that ends at 2^64 - 1, or one that
    // ends before it starts, must not break the model of the guest.
    let c = compiled(Some(Firmware::Ovmf));
    let p = Prediction::new(&c);
    assert!(!p.windows.is_empty());
    let text = "=====TOPOC-DUMP-BEGIN v1=====\n### firmware\nefi\n### memmap\n\
                0x0-0xffffffffffffffff System RAM\n0x200000-0x100000 Reserved\n\
                ### iomem\n00000000-ffffffffffffffff : System RAM\n\
                ### meminfo\nMemTotal: 1 kB\n=====TOPOC-DUMP-END=====\n";
    let d = dump(text);
    let map = e820::kernel_map(&p, &d);
    assert!(map.iter().any(|e| e.addr == 0 && e.size == u64::MAX));
    assert!(map.iter().all(|e| e.addr != 0x20_0000));
    let (checks, _) = run(&p, &d);
    assert_eq!(check(&checks, "e820.bios").status, Status::NotApplicable);
}

#[test]
fn table_differences_name_header_fields() {
    let c = compiled(None);
    let d = dump(DUMP);
    let mut p = Prediction::new(&c);
    let Some(srat) = p.tables.get_mut("SRAT") else {
        panic!("two-socket has an SRAT");
    };
    srat[24] = 0; // OEM revision 1 → 0
    let (checks, _) = run(&p, &d);
    let ch = check(&checks, "acpi.SRAT");
    assert_eq!(
        ch.differences,
        ["header OEM revision: expected 00 00 00 00, seen 01 00 00 00"]
    );
    assert!(
        ch.cause
            .as_deref()
            .is_some_and(|c| c.starts_with("the OEM revisions differ (0 expected, 1 seen)")),
        "{ch:?}"
    );
    // A table too short for its header says so once.
    if let Some(srat) = p.tables.get_mut("SRAT") {
        srat.truncate(20);
    }
    let (checks, _) = run(&p, &d);
    let ch = check(&checks, "acpi.SRAT");
    assert_eq!(
        ch.differences[0],
        "header: the expected table has 20 bytes, fewer than the 36 of its header"
    );
    assert!(ch.differences[1].starts_with("body differs from byte 36"));
}
