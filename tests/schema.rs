//! The committed JSON Schema is the one the code generates.

mod support;

use support::{data, golden};

#[test]
fn committed_schema_is_current() {
    if let Err(e) = golden::check("schemas/topoc.schema.json", topoc::parse::schema::render()) {
        panic!("{e}\n(or run `topoc schema > schemas/topoc.schema.json`)");
    }
}

/// TOML as the JSON a schema validator reads.
fn toml_to_json(text: &str) -> Result<serde_json::Value, String> {
    let v: toml::Table = toml::from_str(text).map_err(|e| e.to_string())?;
    serde_json::to_value(v).map_err(|e| e.to_string())
}

fn validator() -> jsonschema::Validator {
    let text = data::read_text(&data::root().join("schemas/topoc.schema.json"));
    let schema: serde_json::Value = serde_json::from_str(&text).expect("the schema is JSON");
    jsonschema::draft202012::new(&schema).expect("the schema is a valid draft 2020-12 schema")
}

/// An independent validator (the `jsonschema` crate, not topoc's parser)
/// accepts every bundled example: what editors show agrees with topoc.
#[test]
fn every_example_validates_against_the_schema() {
    let v = validator();
    let examples = data::files_with_ext("examples", "toml");
    assert!(examples.len() >= 5);
    for path in examples {
        let text = std::fs::read_to_string(&path).expect("read");
        let json = toml_to_json(&text).expect("examples are TOML");
        let errors: Vec<String> = v
            .iter_errors(&json)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{}: {errors:#?}", path.display());
    }
}

/// Codes the schema alone can see: unknown keys, wrong types, bad values,
/// missing keys, unknown language versions, malformed PCI addresses.
const SCHEMA_CODES: [&str; 6] = ["T002", "T003", "T004", "T005", "T006", "T070"];

/// Every bad-input case whose `# expect:` header names a schema-level code
/// fails the schema too, so an editor flags it before topoc runs.
#[test]
fn schema_level_cases_fail_the_schema() {
    let v = validator();
    let mut checked = Vec::new();
    for path in data::files_with_ext("tests/cases", "toml") {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if name.ends_with(".fixed.toml") {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("read");
        let codes: Vec<&str> = text
            .lines()
            .find_map(|l| l.strip_prefix("# expect:"))
            .map(|l| l.split_whitespace().collect())
            .unwrap_or_default();
        let Some(code) = codes.iter().find(|c| SCHEMA_CODES.contains(c)) else {
            continue;
        };
        let json = toml_to_json(&text).unwrap_or_else(|e| panic!("{name} is not TOML: {e}"));
        assert!(
            !v.is_valid(&json),
            "{name} expects {code}, but the schema accepts it"
        );
        checked.push(code.to_string());
    }
    for code in SCHEMA_CODES {
        assert!(
            checked.iter().any(|c| c == code),
            "no schema-level case for {code}"
        );
    }
}
