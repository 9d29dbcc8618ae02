//! Refresh tokens, rotation, reuse detection, logout, expiry.
use std::time::Duration;

use reqwest::{Method, StatusCode};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};
use tasks_api::entity::refresh_token;

use crate::backend_test;
use crate::harness::{
    Backend, PASSWORD, TestApp, assert_invalid, assert_overlapped, assert_problem, timed, token,
};

backend_test!(
    sign_up_and_log_in_return_a_refresh_token_stored_only_as_a_hash,
    |app| async move {
        let (email, signed_up) = app.sign_up_body().await;
        let resp = app.log_in(&email, PASSWORD).await;
        assert_eq!(resp.headers()["cache-control"], "no-store");
        let logged_in: Value = resp.json().await.unwrap();
        let (first, second) = (
            token(&signed_up, "refresh_token"),
            token(&logged_in, "refresh_token"),
        );
        assert!(first.len() >= 43, "256 random bits, encoded");
        assert_ne!(first, second);
        let rows = refresh_token::Entity::find().all(&app.db).await.unwrap();
        assert_eq!(rows.len(), 2);
        for row in &rows {
            assert_eq!(row.token_hash.len(), 64);
            assert!(![&first, &second].contains(&&row.token_hash));
        }
        assert_ne!(rows[0].family_id, rows[1].family_id, "one family per login");
    }
);

backend_test!(
    a_refresh_returns_new_tokens_and_retires_the_old_one,
    |app| async move {
        let (email, signed_up) = app.sign_up_body().await;
        let old = token(&signed_up, "refresh_token");
        let resp = app.refresh(&old).await;
        assert_eq!(resp.status(), StatusCode::OK);
        assert_eq!(resp.headers()["cache-control"], "no-store");
        let body: Value = resp.json().await.unwrap();
        assert_eq!(body["user"]["email"], email.as_str());
        assert_eq!(body["token_type"], "bearer");
        assert_eq!(body["expires_in"], 900);
        assert_eq!(app.me(&token(&body, "access_token")).await, StatusCode::OK);
        assert_ne!(token(&body, "refresh_token"), old);
        let again = app.refresh(&old).await;
        assert!(
            again.headers()["www-authenticate"]
                .to_str()
                .unwrap()
                .starts_with("Bearer")
        );
        assert_problem(again, 401, "invalid_refresh_token").await;
    }
);

backend_test!(
    reusing_a_refresh_token_revokes_every_token_descended_from_its_login,
    |app| async move {
        let (email, signed_up) = app.sign_up_body().await;
        let other_login: Value = app.log_in(&email, PASSWORD).await.json().await.unwrap();
        let first = token(&signed_up, "refresh_token");
        let second = app.rotate(&first).await;
        let third = app.rotate(&second).await;
        // An attacker replays the first token: theft.
        assert_problem(app.refresh(&first).await, 401, "invalid_refresh_token").await;
        // Its descendants, including the legitimate client's latest, are dead.
        assert_problem(app.refresh(&third).await, 401, "invalid_refresh_token").await;
        // Another login of the same user is another family and still works.
        app.rotate(&token(&other_login, "refresh_token")).await;
    }
);

backend_test!(
    of_two_concurrent_refreshes_with_one_token_exactly_one_succeeds,
    |app| async move {
        let (_, signed_up) = app.sign_up_body().await;
        let shared = token(&signed_up, "refresh_token");
        let racers: Vec<_> = (0..6)
            .map(|_| {
                let request = app.refresh_request(&shared);
                tokio::spawn(async move {
                    let (resp, span) = timed(request.send()).await;
                    let resp = resp.unwrap();
                    let status = resp.status();
                    (status, resp.json::<Value>().await.unwrap(), span)
                })
            })
            .collect();
        let (mut winners, mut spans) = (vec![], vec![]);
        for racer in racers {
            let (status, body, span) = racer.await.unwrap();
            spans.push(span);
            match status {
                StatusCode::OK => winners.push(token(&body, "refresh_token")),
                _ => assert_eq!(
                    (status.as_u16(), &body["code"]),
                    (401, &json!("invalid_refresh_token"))
                ),
            }
        }
        assert_overlapped(&spans, "refreshes with one token");
        assert_eq!(winners.len(), 1, "exactly one refresh wins");
        // The losers presented a used token: the family is revoked, so even
        // the winner must log in again.
        assert_problem(app.refresh(&winners[0]).await, 401, "invalid_refresh_token").await;
    }
);

backend_test!(
    logging_out_revokes_the_session_but_not_issued_access_tokens,
    |app| async move {
        let (_, signed_up) = app.sign_up_body().await;
        let first = token(&signed_up, "refresh_token");
        let second = app.rotate(&first).await;
        assert_eq!(app.log_out(&second).await.status(), StatusCode::NO_CONTENT);
        assert_problem(app.refresh(&second).await, 401, "invalid_refresh_token").await;
        // Access tokens are short-lived and stay valid until they expire.
        assert_eq!(
            app.me(&token(&signed_up, "access_token")).await,
            StatusCode::OK
        );
        // Logging out twice, or with a token never issued, is not an error.
        assert_eq!(app.log_out(&second).await.status(), StatusCode::NO_CONTENT);
        assert_eq!(
            app.log_out("never-issued").await.status(),
            StatusCode::NO_CONTENT
        );
    }
);

backend_test!(
    refresh_and_logout_name_a_malformed_field,
    |app| async move {
        for path in ["/api/auth/refresh", "/api/auth/logout"] {
            for body in [
                json!({}),
                json!({"refresh_token": 42}),
                json!({"refresh_token": ""}),
            ] {
                let resp = app
                    .request(Method::POST, path)
                    .json(&body)
                    .send()
                    .await
                    .unwrap();
                assert_invalid(resp, "/refresh_token").await;
            }
        }
        assert_problem(
            app.refresh("never-issued").await,
            401,
            "invalid_refresh_token",
        )
        .await;
    }
);

backend_test!(
    an_expired_refresh_token_is_refused_and_then_purged,
    |backend: Backend| async move {
        let app = TestApp::with(backend, |s| s.refresh_ttl_seconds = 1).await;
        let (_, signed_up) = app.sign_up_body().await;
        tokio::time::sleep(Duration::from_millis(1500)).await;
        let expired = token(&signed_up, "refresh_token");
        assert_problem(app.refresh(&expired).await, 401, "invalid_refresh_token").await;
        let purged = tasks_api::service::sessions::purge_expired(&app.db)
            .await
            .unwrap();
        assert_eq!(purged, 1);
        let left = refresh_token::Entity::find()
            .filter(refresh_token::Column::ExpiresAt.lte(chrono::Utc::now()))
            .count(&app.db)
            .await
            .unwrap();
        assert_eq!(left, 0);
    }
);
