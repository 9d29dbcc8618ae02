//! The assembled spec and routes, as a client and the layers see them.
use std::time::Duration;

use poem::http::Method;
use poem::{IntoEndpoint, Request};
use serde_json::{Value, json};

use crate::http::{Admission, Admit};

/// Each operation of the served document: its id and its `security`.
fn operations() -> Vec<(String, Value)> {
    let spec: Value = serde_json::from_str(&crate::startup::openapi().spec()).unwrap();
    let paths = spec["paths"].as_object().unwrap().values();
    paths
        .flat_map(|item| item.as_object().unwrap().values())
        .map(|op| {
            (
                op["operationId"].as_str().unwrap().to_owned(),
                op["security"].clone(),
            )
        })
        .collect()
}

#[test]
fn the_public_operations_say_so_and_the_others_name_their_schemes() {
    let public = [
        "signUp",
        "logIn",
        "issueToken",
        "refreshSession",
        "logOut",
        "checkLiveness",
        "checkReadiness",
    ];
    for (id, security) in operations() {
        if public.contains(&id.as_str()) {
            assert_eq!(security, json!([]), "{id} is public");
        } else {
            let schemes = security.as_array().map(Vec::len).unwrap_or_default();
            assert!(
                schemes > 0,
                "{id} needs credentials but declares {security}"
            );
        }
    }
}

#[test]
fn the_yaml_and_the_docs_page_carry_the_same_published_document() {
    let api = crate::startup::openapi();
    let json: Value = serde_json::from_str(&api.spec()).unwrap();
    let yaml: serde_yaml::Value = serde_yaml::from_str(&api.spec_yaml()).unwrap();
    let yaml: Value = serde_json::to_value(yaml).unwrap();
    assert_eq!(yaml, json);
    assert!(api.swagger_ui_html().contains(&api.spec()));
}

#[test]
fn persist_authorization_is_injected_into_poem_openapis_page() {
    let html = crate::startup::openapi().swagger_ui_html();
    let page = crate::http::swagger_page(&html).expect("the Swagger UI page changed shape");
    assert!(page.contains("persistAuthorization: true"));
}

/// Each operation of the served spec, called with no credentials behind the
/// admission layer: its id, its tag, how it was admitted and whether its
/// answer may be stored.
async fn admissions() -> Vec<(String, String, Option<Admit>, bool)> {
    let api = crate::startup::openapi();
    let spec: Value = serde_json::from_str(&api.spec()).unwrap();
    let admission = Admission::new(
        4,
        Duration::from_millis(100),
        Duration::from_secs(5),
        Duration::from_secs(5),
    );
    let endpoint = api.into_service().into_endpoint();
    let mut seen = Vec::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        let uri: String = path
            .split('/')
            .map(|s| {
                if s.starts_with('{') {
                    uuid::Uuid::nil().to_string()
                } else {
                    s.to_owned()
                }
            })
            .collect::<Vec<_>>()
            .join("/");
        for (method, op) in item.as_object().unwrap() {
            let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let req = Request::builder().method(method).uri_str(&uri).finish();
            let resp = match admission.serve(&endpoint, req).await {
                Ok(resp) => resp,
                Err(err) => err.into_response(),
            };
            let no_store = resp
                .headers()
                .get("cache-control")
                .is_some_and(|v| v == "no-store");
            seen.push((
                op["operationId"].as_str().unwrap().to_owned(),
                op["tags"][0].as_str().unwrap().to_owned(),
                resp.data::<Admit>().copied(),
                no_store,
            ));
        }
    }
    seen
}

#[tokio::test]
async fn each_operation_declares_how_it_is_admitted() {
    let checks_password = [
        "signUp",
        "logIn",
        "issueToken",
        "changePassword",
        "deleteAccount",
    ];
    for (id, tag, admit, no_store) in admissions().await {
        let expected = match (tag.as_str(), id.as_str()) {
            ("Health", _) => None,
            (_, "streamChanges") => Some(Admit::Stream),
            (_, id) if checks_password.contains(&id) => Some(Admit::NoPlace),
            _ => Some(Admit::Place),
        };
        assert_eq!(admit, expected, "{id}");
        assert_eq!(no_store, tag == "Auth", "{id}: answers never stored");
    }
}

#[test]
fn admission_counts_a_request_as_the_user_its_valid_bearer_token_names() {
    let tokens = crate::auth::TokenService::new(&[7; 32], "tasks-api", "tasks-api", 900);
    let user = uuid::Uuid::now_v7();
    let token = tokens.issue(user).unwrap().access_token;
    let identify = super::bearer_user(tokens);
    let with = |value: String| Request::builder().header("authorization", value).finish();
    assert_eq!(identify(&with(format!("Bearer {token}"))), Some(user));
    assert_eq!(identify(&with(format!("bearer {token}"))), Some(user));
    // No token, another scheme or a forged one: no user to count it as.
    assert_eq!(identify(&Request::builder().finish()), None);
    assert_eq!(identify(&with(format!("Basic {token}"))), None);
    assert_eq!(identify(&with(format!("Bearer {token}x"))), None);
}
