//! Settings as flags and environment give them.
use clap::Parser;

use super::*;

#[derive(Parser)]
struct Cli {
    #[command(flatten)]
    settings: Settings,
}

/// The settings these command-line arguments give, with defaults for
/// the rest.
pub(crate) fn parse(args: &[&str]) -> Settings {
    let mut argv = vec!["tasks-api"];
    argv.extend_from_slice(args);
    Cli::try_parse_from(argv).unwrap().settings
}

#[test]
fn secrets_never_appear_in_debug_output() {
    let settings = parse(&[
        "--jwt-secret",
        "super-secret-value-of-32-bytes!!",
        "--database-url",
        "postgres://u:pw@h/db",
    ]);
    let shown = format!("{settings:?}");
    assert!(!shown.contains("super-secret"));
    assert!(!shown.contains("pw@"));
}

#[test]
fn a_short_secret_is_refused() {
    let settings = parse(&["--jwt-secret", "short"]);
    assert!(settings.signing_secret().is_err());
}

#[test]
fn production_requires_a_secret() {
    let settings = parse(&["--app-env", "production"]);
    assert!(settings.signing_secret().is_err());
    assert_eq!(settings.log_format(), LogFormat::Json);
}

#[test]
fn session_and_rate_limit_settings_have_their_defaults() {
    let settings = parse(&[]);
    assert_eq!(settings.refresh_ttl_seconds, 30 * 24 * 3600);
    assert_eq!(settings.auth_failures_per_email, 10);
    assert_eq!(settings.auth_requests_per_ip, 300);
    assert_eq!(settings.auth_window_seconds, 900);
    assert!(settings.trusted_proxies.is_empty());
    assert!(settings.bcrypt_concurrency() >= 1);
}

#[test]
fn trusted_proxies_take_addresses_and_networks() {
    let settings = parse(&["--trusted-proxies", "10.0.0.1, 192.168.0.0/16,::1"]);
    let trusts = |ip: &str| settings.trusted_proxies.trusts(ip.parse().unwrap());
    assert!(trusts("10.0.0.1") && trusts("192.168.7.9") && trusts("::1"));
    assert!(!trusts("10.0.0.2"));
    let argv = ["tasks-api", "--trusted-proxies", "not-an-ip"];
    assert!(Cli::try_parse_from(argv).is_err());
}

#[test]
fn operational_settings_have_their_defaults() {
    let settings = parse(&[]);
    assert_eq!(settings.metrics_addr, None);
    assert_eq!(settings.request_timeout_seconds, 30);
    assert_eq!(settings.max_concurrent_requests, 32);
    assert_eq!(settings.admission_max_wait_ms, 5000);
    assert_eq!(settings.database_statement_timeout_seconds, 10);
    assert_eq!(settings.database_acquire_timeout_ms, 1000);
    assert_eq!(settings.shutdown_grace_seconds, 30);
    let argv = ["tasks-api", "--request-timeout-seconds", "0"];
    assert!(Cli::try_parse_from(argv).is_err());
}

#[test]
fn cors_origins_are_a_comma_list() {
    let settings = parse(&["--cors-origins", "http://a.test,http://b.test"]);
    assert_eq!(settings.cors_origins, ["http://a.test", "http://b.test"]);
}

#[test]
fn a_neon_pooler_host_or_a_separate_direct_url_means_pooled() {
    let neon =
        "postgres://u:pw@ep-cool-name-123-pooler.eu-central-1.aws.neon.tech/db?sslmode=require";
    assert!(parse(&["--database-url", neon]).is_pooled());
    let direct = "postgres://u:pw@ep-cool-name-123.eu-central-1.aws.neon.tech/db?sslmode=require";
    assert!(!parse(&["--database-url", direct]).is_pooled());
    let local = "postgres://u@127.0.0.1:6432/db";
    let both = parse(&["--database-url", local, "--database-direct-url", direct]);
    assert!(both.is_pooled());
    assert_eq!(both.direct_url(), Some(direct));
    let same = parse(&["--database-url", direct, "--database-direct-url", direct]);
    assert!(!same.is_pooled());
    let told = parse(&["--database-url", neon, "--database-pooled", "no"]);
    assert!(!told.is_pooled());
    assert!(parse(&["--database-url", local, "--database-pooled", "yes"]).is_pooled());
    assert!(
        !parse(&[
            "--database-url",
            "sqlite://x.db",
            "--database-pooled",
            "yes"
        ])
        .is_pooled()
    );
}

#[test]
fn the_cursor_key_comes_from_its_own_secret_or_the_jwt_one() {
    let jwt = b"0123456789abcdef0123456789abcdef";
    let short = parse(&["--cursor-secret", "short"]);
    assert!(short.sync.cursor_key(jwt).is_err());
    let owner = uuid::Uuid::nil();
    let cursor = crate::domain::Cursor::start(1);
    let sealed = |settings: &Settings| settings.sync.cursor_key(jwt).unwrap().seal(owner, &cursor);
    let own = parse(&["--cursor-secret", "a cursor secret of thirty-two b!"]);
    let (default, other_default) = (parse(&[]), parse(&[]));
    assert_eq!(sealed(&default), sealed(&other_default));
    assert_ne!(sealed(&own), sealed(&default));
    let shown = format!("{own:?}");
    assert!(!shown.contains("a cursor secret"), "{shown}");
}

#[test]
fn the_stream_cap_stays_below_the_connection_cap() {
    let caps = parse(&[]).sync.stream_caps(1000).unwrap();
    assert_eq!((caps.total, caps.per_user, caps.per_client), (500, 5, 100));
    assert!(
        parse(&["--max-streams", "1000"])
            .sync
            .stream_caps(1000)
            .is_err()
    );
    assert_eq!(
        parse(&["--max-streams", "999"])
            .sync
            .stream_caps(1000)
            .unwrap()
            .total,
        999
    );
}
