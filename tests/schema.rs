//! The committed JSON Schema is the one the code generates.

#[test]
fn committed_schema_is_current() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas/topoc.schema.json");
    let generated = topoc::schema::render();
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, &generated).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "schemas/topoc.schema.json is stale: run `topoc schema > schemas/topoc.schema.json`"
    );
}
