//! Tells the integration tests (tests/api) whether they have a PostgreSQL
//! server. Without `TEST_DATABASE_URL`, every test's PostgreSQL leg is
//! compiled as ignored, with its reason, so `cargo test` on a fresh clone runs
//! the SQLite leg and says plainly that the PostgreSQL one did not run.
//! `scripts/test.sh` always sets the variable, so CI runs both legs.
fn main() {
    println!("cargo::rustc-check-cfg=cfg(no_test_postgres)");
    println!("cargo::rerun-if-env-changed=TEST_DATABASE_URL");
    println!("cargo::rerun-if-changed=build.rs");
    if std::env::var_os("TEST_DATABASE_URL").is_none_or(|url| url.is_empty()) {
        println!("cargo::rustc-cfg=no_test_postgres");
    }
}
