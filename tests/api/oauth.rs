//! `POST /api/auth/token`, the OAuth2 password grant behind
//! Swagger UI's Authorize dialog, and how the spec declares it.
use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::backend_test;
use crate::harness::{PASSWORD, assert_oauth_error, assert_problem};

backend_test!(the_password_grant_issues_a_bearer_token, |app| async move {
    app.sign_up_as("swagger@example.com").await;
    let form = "grant_type=password&username=Swagger%40example.com&password=correct+horse+battery&scope=tasks";
    let resp = app.token_form(form).await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.headers()["cache-control"], "no-store");
    let body: Value = resp.json().await.unwrap();
    let keys: Vec<&String> = body.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["access_token", "expires_in", "token_type"]);
    assert_eq!(body["token_type"], "bearer");
    assert_eq!(body["expires_in"], 900);
    assert_eq!(
        app.me(body["access_token"].as_str().unwrap()).await,
        StatusCode::OK
    );
});

backend_test!(
    token_failures_are_400_problems_with_an_oauth_error,
    |app| async move {
        app.sign_up_as("grant@example.com").await;
        let pass = format!("password={}", PASSWORD.replace(' ', "+"));
        let wrong = assert_oauth_error(
            app.token_form("grant_type=password&username=grant@example.com&password=nope")
                .await,
            "invalid_grant",
        )
        .await;
        let unknown = assert_oauth_error(
            app.token_form("grant_type=password&username=nobody@example.com&password=nope")
                .await,
            "invalid_grant",
        )
        .await;
        assert_eq!(
            wrong, unknown,
            "an unknown email looks like a wrong password"
        );
        let cases = [
            (
                format!("grant_type=client_credentials&username=grant@example.com&{pass}"),
                "unsupported_grant_type",
            ),
            (
                format!("username=grant@example.com&{pass}"),
                "invalid_request",
            ),
            (format!("grant_type=password&{pass}"), "invalid_request"),
            (
                "grant_type=password&username=grant@example.com".to_owned(),
                "invalid_request",
            ),
            (
                format!("grant_type=password&username=grant@example.com&{pass}&{pass}"),
                "invalid_request",
            ),
            (String::new(), "invalid_request"),
        ];
        for (form, error) in cases {
            assert_oauth_error(app.token_form(&form).await, error).await;
        }
        // The right credentials still work after all that.
        let ok = format!("grant_type=password&username=grant@example.com&{pass}");
        assert_eq!(app.token_form(&ok).await.status(), StatusCode::OK);
    }
);

backend_test!(the_token_endpoint_takes_only_the_form, |app| async move {
    let resp = app
        .request(Method::POST, "/api/auth/token")
        .json(&serde_json::json!({"grant_type": "password"}))
        .send()
        .await
        .unwrap();
    assert_problem(resp, 415, "unsupported_media_type").await;
});

fn spec() -> Value {
    serde_json::from_str(&tasks_api::startup::openapi().spec()).unwrap()
}

#[test]
fn the_spec_offers_a_bearer_token_or_the_oauth2_password_flow() {
    let spec = spec();
    let schemes = &spec["components"]["securitySchemes"];
    assert_eq!(schemes["bearerAuth"]["scheme"], "bearer");
    let flow = &schemes["accountLogin"]["flows"]["password"];
    assert_eq!(flow["tokenUrl"], "/api/auth/token");
    assert!(
        !flow["scopes"].as_object().unwrap().is_empty(),
        "OpenAPI 3.0 requires scopes"
    );
    let security = &spec["paths"]["/api/auth/me"]["get"]["security"];
    let mut names: Vec<&str> = security
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|requirement| requirement.as_object().unwrap().keys())
        .map(String::as_str)
        .collect();
    // Alternatives: either scheme satisfies the operation, in any order.
    names.sort_unstable();
    assert_eq!(names, ["accountLogin", "bearerAuth"]);
    let token = &spec["paths"]["/api/auth/token"]["post"];
    assert!(token["requestBody"]["content"]["application/x-www-form-urlencoded"].is_object());
    assert!(token["responses"]["400"].is_object());
}

#[test]
fn every_session_operation_is_named_tagged_and_declares_its_errors() {
    let spec = spec();
    let op = |path: &str, method: &str| spec["paths"][path][method].clone();
    let expected = [
        (
            "/api/auth/signup",
            "post",
            "signUp",
            &[409, 422, 429, 503][..],
        ),
        ("/api/auth/login", "post", "logIn", &[401, 422, 429, 503]),
        (
            "/api/auth/token",
            "post",
            "issueToken",
            &[400, 415, 429, 503],
        ),
        ("/api/auth/refresh", "post", "refreshSession", &[401, 422]),
        ("/api/auth/logout", "post", "logOut", &[422]),
        (
            "/api/auth/password",
            "post",
            "changePassword",
            &[401, 403, 422, 429, 503],
        ),
        (
            "/api/auth/me",
            "delete",
            "deleteAccount",
            &[401, 403, 422, 429, 503],
        ),
    ];
    for (path, method, id, statuses) in expected {
        let op = op(path, method);
        assert_eq!(op["operationId"], id);
        assert_eq!(op["tags"], serde_json::json!(["Auth"]), "{id}");
        assert!(
            op["summary"].is_string() && op["description"].is_string(),
            "{id}"
        );
        for status in statuses {
            let response = &op["responses"][status.to_string()];
            assert!(
                response["content"]["application/problem+json"].is_object(),
                "{id} does not declare {status}"
            );
        }
    }
    let locked = &op("/api/auth/login", "post")["responses"]["429"]["headers"];
    assert!(
        locked["Retry-After"].is_object() || locked["RETRY-AFTER"].is_object(),
        "{locked}"
    );
    let wrong = op("/api/auth/password", "post")["responses"]["403"]["description"].clone();
    assert!(wrong.as_str().unwrap().contains("wrong_password"));
    let forbidden =
        spec["paths"]["/api/{user_id}/tasks"]["get"]["responses"]["403"]["description"].clone();
    assert!(!forbidden.as_str().unwrap().contains("wrong_password"));
}
