//! topoc's qemu-flavor SRAT, SLIT and HMAT against QEMU's own expected tables
//! (`tests/data/acpi/x86/{pc,q35}/` upstream, copied into
//! `tests/data/qemu-acpi/`), byte for byte. Each case is a TOML under
//! `tests/qemu-acpi/` whose `# fixtures:` line names the tables it must
//! reproduce.

use crate::support::data;
use topoc::kinds::QemuMachine;
use topoc::pipeline::{Options, compile};
use topoc::source::SourceFile;

#[test]
fn tables_match_qemu_byte_for_byte() {
    let mut compared = 0;
    let mut failures = Vec::new();
    for case in data::files_with_ext("tests/qemu-acpi", "toml") {
        let text = data::read_text(&case);
        let fixtures = text
            .lines()
            .find_map(|l| l.strip_prefix("# fixtures:"))
            .unwrap_or_else(|| panic!("{} has no `# fixtures:` line", case.display()));
        for fixture in fixtures.split_whitespace() {
            let (machine, file) = fixture.split_once('/').unwrap();
            let sig = &file[..4];
            let mut opts = Options::default();
            opts.qemu.machine = QemuMachine::parse(machine);
            let c = compile(
                &SourceFile::new(case.display().to_string(), text.clone()),
                &opts,
            )
            .unwrap_or_else(|d| {
                panic!(
                    "{} does not compile: {:?}",
                    case.display(),
                    d.iter().map(|d| &d.message).collect::<Vec<_>>()
                )
            });
            let artifact = topoc::emit::lookup(&sig.to_ascii_lowercase()).unwrap();
            let ours = artifact.render(&c).unwrap_or_default();
            let theirs = data::read(&data::qemu_table(machine, file));
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
    assert!(compared >= 18, "only {compared} fixtures compared");
    assert!(
        failures.is_empty(),
        "differences from QEMU:\n{}",
        failures.join("\n")
    );
}
