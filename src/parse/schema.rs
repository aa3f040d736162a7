//! The JSON Schema of the input language, generated from [`crate::parse::spec`].
//!
//! `topoc schema` prints it and `schemas/topoc.schema.json` is a committed
//! copy that a test keeps current. Editors use it through taplo's
//! `#:schema` directive for completion and validation.

use crate::parse::spec::{ALL_TABLES, Field, ROOT, TableSpec, Ty, VERSIONS};
use serde_json::{Map, Value, json};

const SIZE_UNITS: &str = "B|KiB|MiB|GiB|TiB|PiB|K|M|G|T|KB|MB|GB|TB";
const NUMBER: &str = r"[0-9][0-9_]*(\.[0-9]+)?";

fn def_name(t: &TableSpec) -> String {
    if t.path.is_empty() {
        "topology".into()
    } else {
        t.path.replace('.', "-")
    }
}

fn reference(t: &TableSpec) -> Value {
    json!({ "$ref": format!("#/$defs/{}", def_name(t)) })
}

/// Only keywords every draft since 4 knows are used for validation (`enum`,
/// not `const`): some editors' validators are older than the declared draft,
/// and an ignored `const` would make `oneOf` match twice.
fn size_schema() -> Value {
    json!({ "oneOf": [
        { "type": "string", "pattern": format!(r"^\s*{NUMBER}\s*({SIZE_UNITS})\s*$") },
        { "enum": [0] }
    ]})
}

fn ref_schema() -> Value {
    json!({ "oneOf": [ { "type": "string" }, { "type": "integer", "minimum": 0 } ] })
}

fn ty_schema(ty: &Ty) -> Value {
    match ty {
        Ty::Int { min, max } => json!({ "type": "integer", "minimum": min, "maximum": max }),
        Ty::Bool => json!({ "type": "boolean" }),
        Ty::Str => json!({ "type": "string" }),
        Ty::Name => json!({ "type": "string", "pattern": "^[A-Za-z][A-Za-z0-9._-]{0,63}$" }),
        Ty::Enum(words) => json!({ "enum": words }),
        Ty::Size => size_schema(),
        Ty::Latency => {
            json!({ "type": "string", "pattern": format!(r"^\s*{NUMBER}\s*(ps|ns|us|µs|ms)\s*$") })
        }
        Ty::Bandwidth => {
            json!({ "type": "string", "pattern": format!(r"^\s*{NUMBER}\s*({SIZE_UNITS})/s\s*$") })
        }
        Ty::CpuList => json!({ "oneOf": [
            { "type": "string", "pattern": r"^\s*([0-9]+(\s*-\s*[0-9]+)?(\s*,\s*[0-9]+(\s*-\s*[0-9]+)?)*)?\s*$" },
            { "type": "integer", "minimum": 0 },
            { "type": "array", "items": { "type": "integer", "minimum": 0 }, "uniqueItems": true }
        ]}),
        Ty::Pci => {
            json!({ "type": "string", "pattern": r"^\s*([0-9a-fA-F]{1,4}:)?[0-9a-fA-F]{1,2}:[0-1]?[0-9a-fA-F]\.[0-7]\s*$" })
        }
        Ty::Ref => ref_schema(),
        Ty::RefList => json!({ "type": "array", "items": ref_schema() }),
        Ty::BoolOrSize => json!({ "oneOf": [ { "type": "boolean" }, size_schema() ] }),
        Ty::BoolOrTables(t) => {
            json!({ "oneOf": [ { "type": "boolean" }, { "type": "array", "items": reference(t) } ] })
        }
        Ty::Table(t) => reference(t),
        Ty::Tables(t) => json!({ "type": "array", "items": reference(t) }),
        Ty::Lints => lints_schema(),
    }
}

/// `[lints]`: keys are the codes, their names and `warnings`, as `topoc
/// explain --list` writes them (T007 otherwise); a warning takes any level,
/// an error only `deny` (T008 otherwise).
fn lints_schema() -> Value {
    use crate::diag::{Severity, codes, lint};
    let levels = json!({ "enum": lint::Level::KEYWORDS });
    let mut names = vec![json!(lint::WARNINGS)];
    let mut props = Map::new();
    props.insert(lint::WARNINGS.into(), levels.clone());
    for c in codes::ALL {
        let v = match c.severity {
            Severity::Warning => levels.clone(),
            Severity::Error => json!({ "enum": ["deny"] }),
        };
        for key in [c.code, c.name] {
            names.push(json!(key));
            props.insert(key.into(), v.clone());
        }
    }
    json!({
        "type": "object",
        "propertyNames": { "enum": names },
        "properties": props,
    })
}

/// Parses a TOML value as written in the spec's examples into JSON.
fn example(text: &str) -> Option<Value> {
    let doc: toml::Table = toml::from_str(&format!("x = {text}")).ok()?;
    serde_json::to_value(doc.get("x")?).ok()
}

fn field_schema(f: &Field) -> Value {
    let mut s = ty_schema(&f.ty);
    if let Value::Object(o) = &mut s {
        let mut desc = f.doc.to_string();
        if let Some(d) = f.default {
            desc.push_str(&format!(" Default: {d}."));
        }
        o.insert("description".into(), Value::String(desc));
        if let Some(ex) = f.example.and_then(example) {
            o.insert("examples".into(), json!([ex]));
        }
    }
    s
}

fn table_schema(t: &TableSpec) -> Value {
    let mut props = Map::new();
    for f in t.fields {
        props.insert(f.key.to_string(), field_schema(f));
    }
    let required: Vec<&str> = t
        .fields
        .iter()
        .filter(|f| f.required)
        .map(|f| f.key)
        .collect();
    let mut o = json!({
        "type": "object",
        "description": t.doc,
        "properties": props,
        "additionalProperties": false,
    });
    if !required.is_empty() {
        o["required"] = json!(required);
    }
    o
}

/// The whole schema.
pub fn schema() -> Value {
    let mut defs = Map::new();
    for t in ALL_TABLES.iter().filter(|t| !t.path.is_empty()) {
        defs.insert(def_name(t), table_schema(t));
    }
    let mut root = Map::new();
    root.insert(
        "$schema".into(),
        json!("https://json-schema.org/draft/2020-12/schema"),
    );
    root.insert(
        "$id".into(),
        json!("https://topoc.dev/schemas/topoc.schema.json"),
    );
    root.insert(
        "title".into(),
        json!("topoc topology, input language version 1"),
    );
    if let Value::Object(mut body) = table_schema(&ROOT) {
        // The parser reads any integer as the version so it can report an
        // unknown one as T006; an editor should flag anything but the
        // versions this topoc reads.
        if let Some(Value::Object(v)) = body.get_mut("properties").and_then(|p| p.get_mut("topoc"))
        {
            v.remove("minimum");
            v.remove("maximum");
            v.insert("enum".into(), json!(VERSIONS));
        }
        root.extend(body);
    }
    root.insert("$defs".into(), Value::Object(defs));
    Value::Object(root)
}

/// The schema as pretty JSON with a trailing newline.
pub fn render() -> String {
    let mut s = serde_json::to_string_pretty(&schema()).unwrap_or_default();
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_example_parses() {
        for t in ALL_TABLES {
            for f in t.fields {
                if let Some(e) = f.example {
                    assert!(
                        example(e).is_some(),
                        "{}.{} example {e} is not TOML",
                        t.path,
                        f.key
                    );
                }
            }
        }
    }
}
