//! The committed spec (`openapi/`) is what client authors, the generated
//! TypeScript client and the contract tests read: it must say exactly what
//! the server serves.
use std::path::Path;

const REFRESH: &str = "run `scripts/export-openapi.sh` to refresh it, then commit the result";

fn committed(file: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("openapi")
        .join(file);
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}; {REFRESH}", path.display()))
}

fn assert_same(file: &str, served: &str) {
    let committed = committed(file);
    if committed.trim_end() != served.trim_end() {
        let line = committed
            .lines()
            .zip(served.lines())
            .position(|(a, b)| a != b)
            .map_or_else(
                || "the files differ in length".to_owned(),
                |i| format!("first difference at line {}", i + 1),
            );
        panic!("openapi/{file} is out of date with the server's spec ({line}); {REFRESH}");
    }
}

#[test]
fn the_committed_json_spec_matches_the_served_one() {
    assert_same("openapi.json", &tasks_api::startup::openapi().spec());
}

#[test]
fn the_committed_yaml_spec_matches_the_served_one() {
    assert_same("openapi.yaml", &tasks_api::startup::openapi().spec_yaml());
}
