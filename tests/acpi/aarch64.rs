//! topoc's SRAT, SLIT and HMAT for the aarch64 `virt` machine against the
//! tables QEMU 10.0.2 built in three measured arm64 boots
//! (`tests/data/qemu-aarch64/<boot>/`, see its `PROVENANCE.md`), byte for
//! byte. Each boot is a TOML under `tests/qemu-aarch64/` whose `# fixtures:`
//! line names the tables it must reproduce.
//!
//! One thing differs between a boot's command line and topoc's for the same
//! file: the ids of the `acpi-generic-initiator` objects (`gi0` there,
//! `gi-gpu0-2` here), and QEMU writes the Generic Initiator structures in the
//! hash order of those ids. So the SRAT comparison is done twice: with topoc's
//! own ids, the structures sorted by proximity domain on both sides, and the
//! order on its own: topoc's model of QEMU's object walk
//! (`layout::qom::generic_initiators_in_srat_order`), run on the boot's own
//! `-object` list, must give the order the boot's SRAT has.

use crate::support::data;
use topoc::acpi::srat::{Srat, SratEntry};
use topoc::pipeline::{Options, compile};
use topoc::source::SourceFile;

fn boot_dir(boot: &str) -> std::path::PathBuf {
    data::dir().join("qemu-aarch64").join(boot)
}

/// The proximity domains of the Generic Initiator structures, in table order.
fn gi_pxms(s: &Srat) -> Vec<u32> {
    s.entries
        .iter()
        .filter_map(|e| match e {
            SratEntry::GenericInitiator(g) => Some(g.pxm),
            _ => None,
        })
        .collect()
}

/// The SRAT with its Generic Initiator structures sorted by proximity
/// domain (they come last on `virt`, before any hotplug range), re-encoded.
fn gi_sorted(bytes: &[u8]) -> Vec<u8> {
    let mut s = Srat::decode(bytes).expect("an SRAT");
    let first = s
        .entries
        .iter()
        .position(|e| matches!(e, SratEntry::GenericInitiator(_)))
        .unwrap_or(s.entries.len());
    let n = s.entries[first..]
        .iter()
        .take_while(|e| matches!(e, SratEntry::GenericInitiator(_)))
        .count();
    s.entries[first..first + n].sort_by_key(|e| e.pxm());
    s.header.checksum = 0;
    s.to_bytes().expect("encodes")
}

#[test]
fn virt_tables_match_qemu_byte_for_byte() {
    let mut compared = 0;
    let mut failures = Vec::new();
    for case in data::files_with_ext("tests/qemu-aarch64", "toml") {
        let text = data::read_text(&case);
        let fixtures = text
            .lines()
            .find_map(|l| l.strip_prefix("# fixtures:"))
            .unwrap_or_else(|| panic!("{} has no `# fixtures:` line", case.display()));
        let c = compile(
            &SourceFile::new(case.display().to_string(), text.clone()),
            &Options::default(),
        )
        .unwrap_or_else(|d| {
            panic!(
                "{} does not compile: {:?}",
                case.display(),
                d.iter().map(|d| &d.message).collect::<Vec<_>>()
            )
        });
        assert!(
            c.virt().is_some(),
            "{} is not a virt machine",
            case.display()
        );
        for fixture in fixtures.split_whitespace() {
            let (boot, file) = fixture.split_once('/').unwrap();
            let sig = &file[..4];
            let artifact = topoc::emit::lookup(&sig.to_ascii_lowercase()).unwrap();
            let mut ours = artifact.render(&c).unwrap_or_default();
            let mut theirs = data::read(&boot_dir(boot).join(file));
            if sig == "SRAT" {
                ours = gi_sorted(&ours);
                theirs = gi_sorted(&theirs);
            }
            compared += 1;
            if ours != theirs {
                let first = ours
                    .iter()
                    .zip(&theirs)
                    .position(|(a, b)| a != b)
                    .unwrap_or(ours.len().min(theirs.len()));
                failures.push(format!(
                    "{} {fixture}: {} bytes vs QEMU's {}, first difference at byte {first}",
                    case.display(),
                    ours.len(),
                    theirs.len()
                ));
            }
        }
    }
    assert_eq!(compared, 9, "three tables of three boots");
    assert!(
        failures.is_empty(),
        "differences from QEMU:\n{}",
        failures.join("\n")
    );
}

/// `(qom-type, id)` of each `-object`, and `(id, node)` of each Generic
/// Initiator.
type Objects = (Vec<(String, String)>, Vec<(String, u32)>);

/// The `-object` list of a boot's command line, and each Generic
/// Initiator's node.
fn boot_objects(boot: &str) -> Objects {
    let args = data::read_text(&boot_dir(boot).join("args.txt"));
    let mut objects = Vec::new();
    let mut gi_node = Vec::new();
    for line in args.lines() {
        let Some(o) = line.strip_prefix("-object ") else {
            continue;
        };
        let mut parts = o.split(',');
        let ty = parts.next().unwrap().to_string();
        let mut id = String::new();
        for p in parts {
            if let Some(v) = p.strip_prefix("id=") {
                id = v.to_string();
            }
            if let Some(v) = p.strip_prefix("node=") {
                gi_node.push((id.clone(), v.parse().unwrap()));
            }
        }
        objects.push((ty, id));
    }
    (objects, gi_node)
}

#[test]
fn generic_initiator_order_is_qemus_object_walk() {
    let mut checked = 0;
    for boot in ["a", "b", "c"] {
        let (objects, gi_node) = boot_objects(boot);
        let list: Vec<(&str, &str)> = objects
            .iter()
            .map(|(t, i)| (t.as_str(), i.as_str()))
            .collect();
        let predicted: Vec<u32> = topoc::layout::qom::generic_initiators_in_srat_order(&list)
            .into_iter()
            .map(|id| gi_node.iter().find(|(g, _)| g == id).unwrap().1)
            .collect();
        let srat = Srat::decode(&data::read(&boot_dir(boot).join("SRAT.dat"))).unwrap();
        assert_eq!(predicted, gi_pxms(&srat), "boot {boot}");
        checked += predicted.len();
    }
    // 1 + 8 + 1 Generic Initiators; boot b's eight are out of id order.
    assert_eq!(checked, 10);
}

/// The boot's own guest dump against topoc's prediction for its TOML.
fn verify_boot(boot: &str) -> topoc::verify::Report {
    verify_dump(boot, "dump.txt")
}

/// A dump of the boot's directory against topoc's prediction for its TOML.
fn verify_dump(boot: &str, file: &str) -> topoc::verify::Report {
    let rel = format!("tests/qemu-aarch64/{boot}.toml");
    let text = data::read_text(&data::root().join(&rel));
    let c = compile(&SourceFile::new(rel.clone(), text), &Options::default())
        .unwrap_or_else(|_| panic!("{rel} compiles"));
    let dump = data::read_text(&boot_dir(boot).join(file));
    let dump = topoc::guest::dump::GuestDump::parse(&dump).expect("a dump");
    assert!(dump.warnings.is_empty(), "{boot}: {:?}", dump.warnings);
    topoc::verify::verify(&c, &dump)
}

fn failed(r: &topoc::verify::Report) -> Vec<String> {
    r.checks
        .iter()
        .filter(|c| c.status == topoc::verify::Status::Fail)
        .map(|c| c.name.clone())
        .collect()
}

/// The real arm64 guest of boot A (Linux 6.1 arm64, edk2 2020.11) shows what
/// topoc predicts for the same machine: node numbering in SRAT order (the
/// Generic Initiator node 3 became node 2, the memory-only PXM 2 node 3),
/// memory spans from 1 GiB, distances, HMAT access classes and caches, with
/// the E820 checks not applicable on virt.
#[test]
fn arm64_guest_agrees_with_the_prediction() {
    let r = verify_boot("a");
    assert!(r.passed(), "{}", r.render_text(false));
    let ran = |name: &str| {
        r.checks
            .iter()
            .any(|c| c.name == name && c.status == topoc::verify::Status::Pass)
    };
    for name in [
        "numa.pxm-map",
        "numa.srat-cpus",
        "acpi.SRAT",
        "acpi.HMAT",
        "node3.initmem",
    ] {
        assert!(
            ran(name),
            "{name} was not compared:\n{}",
            r.render_text(true)
        );
    }
}

/// Boot B's command line named its Generic Initiators `gi0`..`gi7`, so QEMU
/// wrote them in another order than it does for topoc's ids, and the guest
/// numbered the eight GI nodes accordingly: verify must see exactly that,
/// and nothing else.
#[test]
fn arm64_guest_with_other_object_ids_differs_only_in_gi_order() {
    let r = verify_boot("b");
    assert_eq!(
        failed(&r),
        vec!["numa.pxm-map", "acpi.SRAT"],
        "{}",
        r.render_text(false)
    );
}

/// Boot A under bookworm's edk2 2022.11: the guest fakes one node. verify
/// fails first on numa.init, naming the firmware, and every NUMA failure
/// after it points there instead of at topoc's tables.
#[test]
fn a_faked_node_is_blamed_on_the_firmware() {
    let r = verify_dump("a", "dump-edk2-2022.11.txt");
    let init = r.check("numa.init").expect("numa.init");
    assert_eq!(init.status, topoc::verify::Status::Fail);
    assert!(
        init.cause
            .as_deref()
            .is_some_and(|c| c.contains("edk2 2022.11") && c.contains("T125")),
        "{:?}",
        init.cause
    );
    for name in ["numa.possible", "numa.online"] {
        let c = r.check(name).expect(name);
        assert_eq!(c.status, topoc::verify::Status::Fail, "{name}");
        assert!(
            c.cause.as_deref().is_some_and(|c| c.contains("numa.init")),
            "{name}: {:?}",
            c.cause
        );
    }
}
