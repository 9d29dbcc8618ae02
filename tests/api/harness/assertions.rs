//! What every error answer must look like.
use reqwest::Response;
use serde_json::Value;

/// Asserts an `application/problem+json` answer with this status and code,
/// naming the request id of its `X-Request-Id` header, and returns its body
/// without that id (which differs on every request).
pub async fn assert_problem(resp: Response, status: u16, code: &str) -> Value {
    assert_eq!(resp.status().as_u16(), status, "status for expected {code}");
    let content_type = resp.headers()["content-type"].to_str().unwrap().to_owned();
    assert_eq!(content_type, "application/problem+json");
    let request_id = resp.headers()["x-request-id"].to_str().unwrap().to_owned();
    let mut body: Value = resp.json().await.unwrap();
    let named = body.as_object_mut().and_then(|b| b.remove("request_id"));
    assert_eq!(named, Some(Value::from(request_id)), "{body}");
    assert_eq!(body["code"], code, "{body}");
    assert_eq!(body["status"], status);
    for member in ["type", "title", "detail"] {
        assert!(body[member].is_string(), "problem lacks {member}: {body}");
    }
    body
}

/// The `code`s a `FieldError` may carry (the spec's `FieldErrorCode`).
pub const FIELD_CODES: &[&str] = &[
    "required",
    "too_short",
    "too_long",
    "invalid_format",
    "not_one_of",
    "out_of_range",
    "wrong_type",
];

/// Asserts a 422 naming `field` (a body JSON pointer such as `/title`, or a
/// parameter's name; `*` for any) among its errors, each of which must carry
/// a location, a documented code and a sentence free of validator notation.
pub async fn assert_invalid(resp: Response, field: &str) -> Value {
    let body = assert_problem(resp, 422, "validation_failed").await;
    let errors = body["errors"].as_array().expect("errors array");
    for error in errors {
        let location = error["in"].as_str().unwrap_or_default();
        assert!(
            ["body", "query", "path", "header"].contains(&location),
            "{error}"
        );
        let code = error["code"].as_str().unwrap_or_default();
        assert!(FIELD_CODES.contains(&code), "{error}");
        let message = error["message"].as_str().unwrap_or_default();
        assert!(!message.is_empty(), "{error}");
        for internal in [
            "verification failed",
            "maxLength(",
            "pattern(",
            "failed to parse",
        ] {
            assert!(!message.contains(internal), "{error}");
        }
    }
    let fields: Vec<&str> = errors
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert!(
        field == "*" || fields.contains(&field),
        "expected {field} among {fields:?}"
    );
    body
}

/// One error of a 422: `(in, field, code, message)`.
pub type FieldEntry = (String, String, String, String);

/// Each error of a 422 `validation_failed`, in order, after
/// `assert_invalid`'s checks of every entry.
pub async fn invalid_entries(resp: Response) -> Vec<FieldEntry> {
    let body = assert_invalid(resp, "*").await;
    let text = |e: &Value, k: &str| e[k].as_str().unwrap().to_owned();
    body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                text(e, "in"),
                text(e, "field"),
                text(e, "code"),
                text(e, "message"),
            )
        })
        .collect()
}

/// Asserts a 429 `rate_limited` with a `Retry-After` within the window;
/// returns the body and the seconds to wait.
pub async fn assert_limited(resp: Response, window: u64) -> (Value, u64) {
    let retry_after: u64 = resp.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        (1..=window).contains(&retry_after),
        "Retry-After {retry_after}"
    );
    (assert_problem(resp, 429, "rate_limited").await, retry_after)
}

/// A 400 with RFC 6749's `error` member equal to the problem's `code`.
pub async fn assert_oauth_error(resp: Response, error: &str) -> Value {
    let body = assert_problem(resp, 400, error).await;
    assert_eq!(body["error"], error, "{body}");
    body
}
