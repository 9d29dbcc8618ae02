//! Reading answers: tokens, ETags and pages of tasks.
use reqwest::Response;
use serde_json::Value;

/// The token named `name` (`access_token`, `refresh_token`) in an answer.
pub fn token(body: &Value, name: &str) -> String {
    body[name].as_str().unwrap().to_owned()
}

/// An answer's access and refresh token.
pub fn tokens(body: &Value) -> (String, String) {
    (token(body, "access_token"), token(body, "refresh_token"))
}

pub fn etag(resp: &Response) -> String {
    resp.headers()["etag"].to_str().unwrap().to_owned()
}

/// The ids of a page's tasks, in order.
pub fn ids(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap().to_owned())
        .collect()
}

/// One field of each of a page's tasks, in order.
pub fn field(page: &Value, name: &str) -> Vec<Value> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t[name].clone())
        .collect()
}
