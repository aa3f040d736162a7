//! The committed JSON Schema is the one the code generates.

mod support;

use support::run::{Ran, topoc};
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
/// And lint keys that name no code (T007) or give an error a level (T008).
const SCHEMA_CODES: [&str; 8] = [
    "T002", "T003", "T004", "T005", "T006", "T007", "T008", "T070",
];

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

// ------------------------------------------------- the JSON report's schema

#[test]
fn committed_report_schema_is_current() {
    if let Err(e) = golden::check(
        "schemas/diagnostics.schema.json",
        topoc::diag::render::render_schema(),
    ) {
        panic!("{e}\n(or run `UPDATE_GOLDEN=1 cargo test --test schema`)");
    }
}

/// `topoc schema [WHICH]` prints the committed schemas.
#[test]
fn topoc_schema_prints_the_committed_schemas() {
    for (args, file) in [
        (&["schema"][..], "topoc"),
        (&["schema", "input"][..], "topoc"),
        (&["schema", "diagnostics"][..], "diagnostics"),
        (&["schema", "verify"][..], "verify"),
    ] {
        let r = topoc(args).run();
        assert_eq!(r.code(), 0, "{}", r.err());
        let committed = data::read_text(&data::root().join(format!("schemas/{file}.schema.json")));
        assert_eq!(r.out(), committed, "{args:?}");
    }
}

fn report_validator() -> jsonschema::Validator {
    let text = data::read_text(&data::root().join("schemas/diagnostics.schema.json"));
    let schema: serde_json::Value = serde_json::from_str(&text).expect("the schema is JSON");
    jsonschema::draft202012::new(&schema).expect("a valid draft 2020-12 schema")
}

/// The report must be valid against the committed schema; returns it.
fn valid_report(v: &jsonschema::Validator, what: &str, json: &[u8]) -> serde_json::Value {
    let doc: serde_json::Value = serde_json::from_slice(json)
        .unwrap_or_else(|e| panic!("{what}: not JSON ({e}):\n{}", String::from_utf8_lossy(json)));
    let errors: Vec<String> = v
        .iter_errors(&doc)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{what}: {errors:#?}\n{doc:#}");
    assert_eq!(doc["format"], topoc::diag::render::FORMAT, "{what}");
    doc
}

/// Every report the case suite records (`tests/cases/*.json`) is valid
/// against the published schema, and says the exit status it was run with.
#[test]
fn every_case_report_validates() {
    let v = report_validator();
    let reports = data::files_with_ext("tests/cases", "json");
    assert!(reports.len() > 80, "{} reports", reports.len());
    for path in reports {
        let bytes = std::fs::read(&path).expect("read");
        let doc = valid_report(&v, &path.display().to_string(), &bytes);
        let out = std::fs::read_to_string(path.with_extension("out")).expect("the .out beside it");
        let status = out
            .lines()
            .next()
            .and_then(|l| l.strip_prefix("exit: "))
            .expect("an exit line");
        assert_eq!(doc["status"].to_string(), status, "{}", path.display());
    }
}

/// A run that fails before it can check the file: exit 2, nothing on
/// standard error, one report on standard output with the failure.
fn failed(v: &jsonschema::Validator, r: &Ran, kind: &str, says: &str) -> serde_json::Value {
    assert_eq!(r.code(), 2, "{}", r.err());
    assert_eq!(r.err(), "", "errors go into the report");
    let doc = valid_report(v, says, &r.stdout);
    assert_eq!(doc["status"], 2);
    assert_eq!(doc["failure"]["kind"], kind, "{doc:#}");
    let message = doc["failure"]["message"].as_str().unwrap_or_default();
    assert!(message.contains(says), "{message:?} should say {says:?}");
    doc
}

#[test]
fn usage_errors_are_reports_under_format_json() {
    let v = report_validator();
    // clap's own errors: an unknown flag, a missing argument, a bad value,
    // `--format=json` spelt with `=`, and no subcommand at all.
    let r = topoc([
        "check",
        "--format",
        "json",
        "--bogus",
        "examples/mi300a.toml",
    ])
    .run();
    let doc = failed(&v, &r, "usage", "--bogus");
    assert_eq!(doc["command"], "check");
    assert!(doc["file"].is_null());
    failed(
        &v,
        &topoc(["build", "--format=json"]).run(),
        "usage",
        "required",
    );
    let r = topoc(["check", "--format", "json", "--allow", "T020", "x.toml"]).run();
    failed(&v, &r, "usage", "T020 (cpu-in-two-nodes) is an error");
    let r = topoc(["check", "--format", "json", "--deny", "T42", "x.toml"]).run();
    failed(&v, &r, "usage", "did you mean `T042`");
    let r = topoc(["--format", "json"]).run();
    assert!(
        failed(&v, &r, "usage", "")
            .get("command")
            .is_some_and(|c| c.is_null())
    );
    // topoc's own: one code given two levels, an artifact that does not
    // exist, `--emit` onto the standard output the report is printed on.
    let r = topoc([
        "check",
        "--format",
        "json",
        "--allow",
        "T042",
        "--deny",
        "spm-on-cpu-node",
        "examples/mi300a.toml",
    ])
    .run();
    failed(&v, &r, "usage", "both --allow and --deny");
    let r = topoc([
        "build",
        "--format",
        "json",
        "--emit",
        "nope",
        "-o",
        "/dev/null",
        "examples/mi300a.toml",
    ])
    .run();
    failed(&v, &r, "usage", "unknown artifact `nope`");
    let r = topoc([
        "build",
        "--format",
        "json",
        "--emit",
        "srat",
        "examples/mi300a.toml",
    ])
    .run();
    failed(&v, &r, "usage", "give `-o FILE`");
    // --help and --version are not errors, JSON or not.
    let r = topoc(["check", "--format", "json", "--help"]).run();
    assert_eq!(r.code(), 0);
    assert!(r.out().contains("Usage:"));
    // Without --format json, a usage error is text on standard error.
    let r = topoc(["check", "--bogus", "x.toml"]).run();
    assert_eq!((r.code(), r.out().as_str()), (2, ""));
    assert!(r.err().contains("--bogus"));
}

#[test]
fn io_errors_are_reports_under_format_json() {
    let v = report_validator();
    let dir = tempfile::tempdir().expect("tempdir");
    let missing = dir.path().join("missing.toml");
    for cmd in ["check", "build"] {
        let mut args = vec![cmd, "--format", "json"];
        if cmd == "build" {
            args.extend(["--out", "out"]);
        }
        let r = topoc(args.iter().copied().chain([missing.to_str().unwrap()])).run();
        let doc = failed(&v, &r, "io", "cannot read");
        assert_eq!(doc["command"], cmd);
    }
    // An --out that cannot be a directory (below a regular file, which no
    // permission lets anyone write into, root included): the report has
    // the file's warnings and the failure, and nothing is written.
    let file = dir.path().join("a-file");
    std::fs::write(&file, "x").expect("write");
    let out = file.join("out");
    let r = topoc([
        "build",
        "--format",
        "json",
        "--cpu-model",
        "host",
        "--out",
        out.to_str().unwrap(),
        "examples/mi300a.toml",
    ])
    .run();
    let doc = failed(&v, &r, "io", &file.display().to_string());
    assert_eq!(doc["file"], "examples/mi300a.toml");
    assert_eq!(doc["warnings"], 1, "{doc:#}");
    assert_eq!(doc["diagnostics"][0]["code"], "T108");
    assert_eq!(std::fs::read(&file).expect("read"), b"x");
    // inspect and verify print reports of their own; when they cannot read
    // their input, the failure is this report.
    let r = topoc(["inspect", "--format", "json", missing.to_str().unwrap()]).run();
    assert_eq!(failed(&v, &r, "io", "cannot read")["command"], "inspect");
    let r = topoc([
        "verify",
        "--format",
        "json",
        "examples/mi300a.toml",
        "--guest",
        missing.to_str().unwrap(),
    ])
    .run();
    assert_eq!(failed(&v, &r, "io", "cannot read")["command"], "verify");
    // verify needs a valid topology: an invalid one is a usage error, its
    // diagnostics in the report.
    let r = topoc([
        "verify",
        "--format",
        "json",
        "tests/cases/T020-cpu-in-two-nodes.toml",
        "--guest",
        "tests/verify-data/two-socket.seabios.dump",
    ])
    .run();
    let doc = failed(&v, &r, "usage", "the topology is invalid");
    assert_eq!(doc["diagnostics"][0]["code"], "T020", "{doc:#}");
}

/// The levels that applied are in the report: which codes, to what level,
/// set by what, from where; allowed warnings are counted, not listed.
#[test]
fn lint_levels_are_reported() {
    let v = report_validator();
    let r = topoc([
        "check",
        "--format",
        "json",
        "--cpu-model",
        "host",
        "--deny",
        "warnings",
        "--allow",
        "unpinned-cpu-vendor",
        "tests/cases/lints-deny-warnings.toml",
    ])
    .run();
    assert_eq!(r.code(), 0, "{}", r.out());
    let doc = valid_report(&v, "lints", &r.stdout);
    assert_eq!(
        (doc["allowed"].as_u64(), doc["warnings"].as_u64()),
        (Some(2), Some(0))
    );
    let lints = doc["lints"].as_array().expect("lints");
    let find = |code: &str| lints.iter().find(|l| l["code"] == code).cloned();
    let t042 = find("T042").expect("T042");
    assert_eq!(
        (&t042["level"], &t042["from"], &t042["set_by"]),
        (&"allow".into(), &"file".into(), &"T042".into())
    );
    let t108 = find("T108").expect("T108");
    assert_eq!(
        (&t108["level"], &t108["from"]),
        (&"allow".into(), &"command-line".into())
    );
    let t023 = find("T023").expect("T023, by the group");
    assert_eq!(
        (&t023["level"], &t023["set_by"]),
        (&"deny".into(), &"warnings".into())
    );
    assert!(find("T020").is_none(), "errors take no level");
    // Without settings, no lint is listed.
    let r = topoc(["check", "--format", "json", "examples/two-socket.toml"]).run();
    let doc = valid_report(&v, "no lints", &r.stdout);
    assert_eq!(doc["lints"], serde_json::json!([]));
}

/// Every fix of a bad-input case (`tests/cases/*.fixed.toml`) checks clean,
/// so the schema accepts it too: what an editor flags, topoc refuses, and
/// the other way round for the files that show the fix.
#[test]
fn every_fixed_case_validates_against_the_schema() {
    let v = validator();
    let mut n = 0;
    for path in data::files_with_ext("tests/cases", "toml") {
        if !path.to_string_lossy().ends_with(".fixed.toml") {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("read");
        let json = toml_to_json(&text).expect("a fix is TOML");
        let errors: Vec<String> = v
            .iter_errors(&json)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{}: {errors:#?}", path.display());
        n += 1;
    }
    assert!(n > 50, "{n} fixes");
}

// ----------------------------------------------- the verify report's schema

#[test]
fn committed_verify_schema_is_current() {
    if let Err(e) = golden::check("schemas/verify.schema.json", topoc::verify::render_schema()) {
        panic!("{e}\n(or run `UPDATE_GOLDEN=1 cargo test --test schema`)");
    }
}

/// Every verify report recorded from a real guest boot
/// (`tests/verify-data/*.json`) is valid against the published schema, and
/// so is one that fails, with its differences and cause.
#[test]
fn every_verify_report_validates() {
    let text = data::read_text(&data::root().join("schemas/verify.schema.json"));
    let schema: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    let v = jsonschema::draft202012::new(&schema).expect("a valid schema");
    let check = |what: &str, doc: &serde_json::Value| {
        let errors: Vec<String> = v
            .iter_errors(doc)
            .map(|e| format!("{e} at {}", e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{what}: {errors:#?}");
        assert_eq!(doc["format"], topoc::verify::FORMAT);
    };
    let reports = data::files_with_ext("tests/verify-data", "json");
    assert!(!reports.is_empty());
    for path in &reports {
        let doc: serde_json::Value =
            serde_json::from_str(&data::read_text(path)).expect("a report is JSON");
        check(&path.display().to_string(), &doc);
    }
    // The same guest against a machine it was not booted as: checks fail.
    let r = topoc([
        "verify",
        "--format",
        "json",
        "examples/two-socket.toml",
        "--guest",
        "tests/verify-data/mi300a.seabios.dump",
    ])
    .run();
    assert_eq!(r.code(), 1, "{}", r.err());
    let doc: serde_json::Value = serde_json::from_slice(&r.stdout).expect("JSON");
    assert!(doc["summary"]["fail"].as_u64() > Some(0));
    assert!(
        doc["checks"]
            .as_array()
            .is_some_and(|c| c.iter().any(|c| c.get("differences").is_some())),
        "a failing check lists its differences"
    );
    check("a failing verify", &doc);
}
