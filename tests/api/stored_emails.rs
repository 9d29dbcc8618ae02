//! Addresses stored before they were NFC-normalised: after the migration
//! their owners log in with either spelling, and an address whose normal
//! form another account holds is left alone.
use migration::MigratorTrait;
use reqwest::StatusCode;
use sea_orm::ConnectionTrait;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query};
use uuid::Uuid;

use crate::backend_test;
use crate::harness::{Backend, PASSWORD, TestApp, TestDatabase};

const NFC_MIGRATION: &str = "m20261207_000001_email_nfc";

/// Stores an account as a server before the migration would have.
async fn store(db: &impl ConnectionTrait, email: &str) -> Uuid {
    let id = Uuid::now_v7();
    let user = Query::insert()
        .into_table(Alias::new("users"))
        .columns(["id", "email", "password_hash", "created_at"].map(Alias::new))
        .values_panic([
            id.into(),
            email.into(),
            bcrypt::hash(PASSWORD, 4).unwrap().into(),
            chrono::Utc::now().into(),
        ])
        .to_owned();
    db.execute(&user).await.unwrap();
    id
}

async fn stored_email(app: &TestApp, id: Uuid) -> String {
    let select = Query::select()
        .column(Alias::new("email"))
        .from(Alias::new("users"))
        .and_where(Expr::col(Alias::new("id")).eq(id))
        .to_owned();
    let row = app.db.query_one(&select).await.unwrap().unwrap();
    row.try_get("", "email").unwrap()
}

backend_test!(
    addresses_stored_decomposed_are_normalised_and_still_log_in,
    |backend: Backend| async move {
        let (database, db) = TestDatabase::migrated_before(backend, NFC_MIGRATION).await;
        let (nfc, nfd) = ("café@example.com", "cafe\u{301}@example.com");
        let decomposed = store(&db, nfd).await;
        // One account already holds the normal form of the other's address.
        let (zoe_nfc, zoe_nfd) = ("zoë@example.com", "zoe\u{308}@example.com");
        let holder = store(&db, zoe_nfc).await;
        let other = store(&db, zoe_nfd).await;
        migration::Migrator::up(&db, None).await.unwrap();

        let app = TestApp::over(database).await;
        assert_eq!(stored_email(&app, decomposed).await, nfc);
        for typed in [nfc, nfd, "CAFÉ@example.com"] {
            let resp = app.log_in(typed, PASSWORD).await;
            assert_eq!(resp.status(), StatusCode::OK, "{typed}");
            let body: serde_json::Value = resp.json().await.unwrap();
            assert_eq!(body["user"]["id"], decomposed.to_string(), "{typed}");
        }
        // The collision is left as it was; log-in finds the normal form.
        assert_eq!(stored_email(&app, holder).await, zoe_nfc);
        assert_eq!(stored_email(&app, other).await, zoe_nfd);
        let body: serde_json::Value = app.log_in(zoe_nfd, PASSWORD).await.json().await.unwrap();
        assert_eq!(body["user"]["id"], holder.to_string());
    }
);
