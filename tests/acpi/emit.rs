//! Every ACPI table topoc emits for every bundled example is read by an
//! independent decoder (`iasl -d`) without a complaint, and survives the
//! round trip emit → decode → emit unchanged.

use crate::support::{data, iasl};
use topoc::pipeline::{Options, compile};
use topoc::source::SourceFile;

#[test]
fn every_example_table_is_clean_under_iasl_and_round_trips() {
    let mut tables = 0;
    for path in data::files_with_ext("examples", "toml") {
        let text = std::fs::read_to_string(&path).unwrap();
        let c = compile(
            &SourceFile::new(path.display().to_string(), text),
            &Options::default(),
        )
        .unwrap_or_else(|_| panic!("{} does not compile", path.display()));
        for name in ["srat", "slit", "hmat"] {
            let artifact = topoc::emit::lookup(name).unwrap();
            let Some(bytes) = artifact.render(&c) else {
                continue;
            };
            let label = format!("{}:{name}", path.file_stem().unwrap().to_string_lossy());
            iasl::assert_clean(&label, &bytes);
            let decoded = topoc::acpi::decode_any(&bytes)
                .unwrap_or_else(|e| panic!("{label}: our own table does not decode: {e}"));
            assert_eq!(
                decoded.to_bytes().unwrap(),
                bytes,
                "{label}: decode → encode changed the bytes"
            );
            tables += 1;
        }
    }
    assert!(tables >= 10, "only {tables} tables checked");
}
