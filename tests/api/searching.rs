//! `q` ignores case in every script alike on SQLite and PostgreSQL: text and
//! query are compared lower-cased and NFC-normalised (README, "Searching").
use migration::{Migrator, MigratorTrait};
use reqwest::Method;
use sea_orm::ConnectionTrait;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query};
use serde_json::json;
use uuid::Uuid;

use crate::backend_test;
use crate::harness::{Backend, PASSWORD, Session, TestApp, TestDatabase, assert_invalid, field};

/// The titles `q` finds, in title order.
async fn found(app: &TestApp, s: &Session, q: &str) -> Vec<String> {
    let q: String = url::form_urlencoded::byte_serialize(q.as_bytes()).collect();
    let page = app.list(s, &format!("sort=title&order=asc&q={q}")).await;
    field(&page, "title")
        .iter()
        .map(|t| t.as_str().unwrap().to_owned())
        .collect()
}

backend_test!(
    q_ignores_case_in_every_script_and_normalisation,
    |app| async move {
        let s = app.sign_up().await;
        for title in [
            "ÄÖÜ upper",
            "äöü lower",
            "ΟΔΟΣΤΡΩΜΑ",
            "Купить МОЛОКО",
            "Café crème",
        ] {
            app.create_task(&s, json!({"title": title})).await;
        }
        app.create_task(
            &s,
            json!({"title": "Walk", "description": "Große Straße, then the bridge"}),
        )
        .await;
        let umlauts = ["ÄÖÜ upper", "äöü lower"];
        assert_eq!(found(&app, &s, "äöü").await, umlauts);
        assert_eq!(found(&app, &s, "ÄÖÜ").await, umlauts);
        // A Σ that ends the query is not taken for a word's final ς.
        assert_eq!(found(&app, &s, "ΟΔΟΣ").await, ["ΟΔΟΣΤΡΩΜΑ"]);
        assert_eq!(found(&app, &s, "οδοσ").await, ["ΟΔΟΣΤΡΩΜΑ"]);
        assert_eq!(found(&app, &s, "молоко").await, ["Купить МОЛОКО"]);
        assert_eq!(found(&app, &s, "КУПИТЬ").await, ["Купить МОЛОКО"]);
        // Decomposed (NFD) query, composed (NFC) title.
        assert_eq!(
            found(&app, &s, "CAFE\u{301} CRE\u{300}ME").await,
            ["Café crème"]
        );
        assert_eq!(found(&app, &s, "cafe").await, Vec::<String>::new());
        // Lower-casing, not case folding: ß is not "ss".
        assert_eq!(found(&app, &s, "STRAßE").await, ["Walk"]);
        assert_eq!(found(&app, &s, "GROSSE").await, Vec::<String>::new());
    }
);

backend_test!(
    q_finds_decomposed_text_and_keeps_matching_wildcards_literally,
    |app| async move {
        let s = app.sign_up().await;
        app.create_task(&s, json!({"title": "Zu\u{308}rich 100%_sure"}))
            .await;
        app.create_task(&s, json!({"title": "Zurich 100 sure"}))
            .await;
        assert_eq!(found(&app, &s, "ZÜRICH").await, ["Zu\u{308}rich 100%_sure"]);
        assert_eq!(found(&app, &s, "100%_").await, ["Zu\u{308}rich 100%_sure"]);
        assert_eq!(found(&app, &s, "zurich").await, ["Zurich 100 sure"]);
        assert_invalid(app.list_response(&s, "q=a%00b").await, "q").await;
    }
);

backend_test!(
    q_follows_every_change_to_title_and_description,
    |app| async move {
        let s = app.sign_up().await;
        let task = app
            .create_task(
                &s,
                json!({"title": "ÉTÉ", "due_date": "2026-12-01T08:00:00Z", "recurrence": "daily"}),
            )
            .await;
        let path = app.task_path(&s, task["id"].as_str().unwrap());
        let patch = json!({"title": "ÜBER", "description": "ΑΛΦΑ"});
        let resp = app.send(&s, Method::PATCH, &path, Some(patch)).await;
        assert!(resp.status().is_success(), "{}", resp.status());
        assert_eq!(found(&app, &s, "été").await, Vec::<String>::new());
        assert_eq!(found(&app, &s, "über").await, ["ÜBER"]);
        assert_eq!(found(&app, &s, "άλφα").await, Vec::<String>::new());
        assert_eq!(found(&app, &s, "αλφα").await, ["ÜBER"]);

        let put =
            json!({"title": "ЗИМА", "recurrence": "daily", "due_date": "2026-12-01T08:00:00Z"});
        let resp = app.send(&s, Method::PUT, &path, Some(put)).await;
        assert!(resp.status().is_success(), "{}", resp.status());
        assert_eq!(found(&app, &s, "αλφα").await, Vec::<String>::new());
        // Completing it makes the next occurrence, searchable alike.
        app.complete(&s, task["id"].as_str().unwrap(), None).await;
        assert_eq!(found(&app, &s, "зима").await, ["ЗИМА", "ЗИМА"]);
    }
);

/// The name of the migration that added the folded columns.
const FOLDING_MIGRATION: &str = "m20261202_000001_task_search_folded";

backend_test!(
    tasks_stored_before_the_folded_columns_are_found_like_new_ones,
    |backend: Backend| async move {
        let (database, db) = TestDatabase::migrated_before(backend, FOLDING_MIGRATION).await;
        let email = "before@example.com";
        let user_id = Uuid::now_v7();
        let now = chrono::Utc::now();
        let user = Query::insert()
            .into_table(Alias::new("users"))
            .columns(["id", "email", "password_hash", "created_at"].map(Alias::new))
            .values_panic([
                user_id.into(),
                email.into(),
                bcrypt::hash(PASSWORD, 4).unwrap().into(),
                now.into(),
            ])
            .to_owned();
        db.execute(&user).await.unwrap();
        // More than one backfill batch (500), in a few statements.
        let titles = (0..520).map(|i| format!("ÄLTER Nº{i:03}"));
        let mut rows = titles.collect::<Vec<_>>();
        rows.push("ΟΔΟΣ Ύψους".into());
        for chunk in rows.chunks(100) {
            let mut insert = Query::insert();
            insert.into_table(Alias::new("tasks")).columns(
                [
                    "id",
                    "user_id",
                    "title",
                    "description",
                    "completed",
                    "priority",
                    "tags",
                    "version",
                    "created_at",
                    "updated_at",
                ]
                .map(Alias::new),
            );
            for title in chunk {
                insert.values_panic([
                    Uuid::now_v7().into(),
                    user_id.into(),
                    title.as_str().into(),
                    "Straße".into(),
                    false.into(),
                    2i16.into(),
                    "[]".into(),
                    1i64.into(),
                    now.into(),
                    now.into(),
                ]);
            }
            db.execute(&insert).await.unwrap();
        }
        Migrator::up(&db, None).await.unwrap();

        let app = TestApp::over(database).await;
        let body = app.log_in(email, PASSWORD).await.json().await.unwrap();
        let s = Session::from_body(&body);
        assert_eq!(app.list(&s, "q=%C3%A4lter").await["total"], 520);
        assert_eq!(app.list(&s, "q=STRA%C3%9FE").await["total"], 521);
        assert_eq!(found(&app, &s, "οδοσ ύψουσ").await, ["ΟΔΟΣ Ύψους"]);
        // The backfill folded exactly as the app folds a new task.
        app.create_task(&s, json!({"title": "ΟΔΟΣ Ύψους", "description": "Straße"}))
            .await;
        let folded = Query::select()
            .distinct()
            .columns(["title_folded", "description_folded"].map(Alias::new))
            .from(Alias::new("tasks"))
            .and_where(Expr::col(Alias::new("title")).eq("ΟΔΟΣ Ύψους"))
            .to_owned();
        let distinct = app.db.query_all(&folded).await.unwrap();
        assert_eq!(distinct.len(), 1, "old and new rows fold alike");
        let title: String = distinct[0].try_get("", "title_folded").unwrap();
        assert_eq!(title, "οδοσ ύψουσ");
    }
);
