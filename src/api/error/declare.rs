//! The spec entries of an `ErrorSet`: one response per status its codes
//! have, saying which codes that status carries and what each means, with
//! the headers always sent with it, and the set's own problem schema, whose
//! `code` enumerates the set's codes so a typed client can narrow on it.
use std::collections::HashSet;
use std::sync::{Mutex, OnceLock, PoisonError};

use poem::http::StatusCode;
use poem_openapi::registry::{
    MetaHeader, MetaMediaType, MetaResponse, MetaResponses, MetaSchema, MetaSchemaRef, Registry,
};
use poem_openapi::types::{ToJSON, Type};
use serde_json::Value;

use super::kind::{ApiError, ErrorCode};
use super::operation::Operation;
use super::problem::{PROBLEM_JSON, Problem};
use super::set::ErrorSet;

/// The error responses of the set `E`, in status order.
pub fn responses<E: ErrorSet>() -> MetaResponses {
    let codes = E::codes();
    let mut statuses: Vec<u16> = codes.iter().map(|code| code.status()).collect();
    statuses.sort_unstable();
    statuses.dedup();
    let responses = statuses
        .into_iter()
        .map(|status| {
            let here: Vec<ErrorCode> = codes
                .iter()
                .copied()
                .filter(|code| code.status() == status)
                .collect();
            let description = E::DESCRIPTIONS
                .iter()
                .find(|(s, _)| *s == status)
                .map_or_else(|| intern(describe(status, &here)), |(_, text)| *text);
            MetaResponse {
                description,
                status: Some(status),
                status_range: None,
                content: vec![MetaMediaType {
                    content_type: PROBLEM_JSON,
                    schema: MetaSchemaRef::Reference(E::SCHEMA.to_owned()),
                }],
                headers: headers(&here),
            }
        })
        .collect();
    MetaResponses { responses }
}

/// Registers the set's problem schema: `Problem` with `code` narrowed to
/// the set's codes, and without the members none of them carries.
pub fn register<E: ErrorSet>(registry: &mut Registry) {
    Problem::register(registry);
    if registry.schemas.contains_key(E::SCHEMA) {
        return;
    }
    let Some(mut schema) = registry.schemas.get(&*Problem::name()).cloned() else {
        return;
    };
    let codes = E::codes();
    let oauth = [
        ErrorCode::InvalidRequest,
        ErrorCode::InvalidGrant,
        ErrorCode::UnsupportedGrantType,
    ];
    let has_oauth = codes.iter().any(|code| oauth.contains(code));
    schema.properties.retain(|(name, _)| match *name {
        "errors" => codes.contains(&ErrorCode::ValidationFailed),
        "error" => has_oauth,
        _ => true,
    });
    for (name, property) in &mut schema.properties {
        match *name {
            "code" => *property = string_enum(CODE, codes.iter().map(ToJSON::to_json)),
            "error" => *property = string_enum(ERROR, oauth.iter().map(ToJSON::to_json)),
            _ => {}
        }
    }
    schema.title = Some(E::SCHEMA.to_owned());
    schema.description = Some(SCHEMA);
    // The first particular code, else a common one: always one of `code`'s.
    let shown = E::CODES.iter().copied().flatten().next().copied();
    schema.example = Some(example(shown.or_else(|| codes.first().copied())));
    registry.schemas.insert(E::SCHEMA.to_owned(), schema);
}

const SCHEMA: &str = "A problem detail (RFC 9457) these operations answer with. `code` is the \
stable name to branch on; each response lists the codes it can carry.";
const CODE: &str = "Machine-readable problem name: one of the codes these operations answer with.";
const ERROR: &str = "RFC 6749 §5.2 error (token endpoint 400s only); equals `code`.";

/// An inline string enum: generators type it as a union of its values.
fn string_enum(
    description: &'static str,
    items: impl Iterator<Item = Option<Value>>,
) -> MetaSchemaRef {
    MetaSchemaRef::Inline(Box::new(MetaSchema {
        description: Some(description),
        enum_items: items.flatten().collect(),
        ..MetaSchema::new("string")
    }))
}

/// A problem as the set answers it, for `code` (or a generic one): the
/// first of the code's samples.
fn example(code: Option<ErrorCode>) -> Value {
    let code = code.unwrap_or(ErrorCode::InternalError);
    let samples = ApiError::samples(code, &Operation::default());
    samples.first().map(ApiError::example).unwrap_or_default()
}

/// "Unauthorized: `missing_token` (no bearer token was sent) or ...".
fn describe(status: u16, codes: &[ErrorCode]) -> String {
    let reason = StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("Error");
    let listed: Vec<String> = codes
        .iter()
        .map(|code| {
            let name = code.to_json().and_then(|v| v.as_str().map(str::to_owned));
            format!("`{}` ({})", name.unwrap_or_default(), code.meaning())
        })
        .collect();
    let listed = match listed.split_last() {
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
        None => String::new(),
    };
    let after = if status == 400 {
        " `error` (RFC 6749 §5.2) equals `code`."
    } else if codes.iter().any(|code| code.retries()) {
        " Retry after `Retry-After` seconds."
    } else {
        ""
    };
    format!("{reason}: {listed}.{after}")
}

/// The headers every response with these codes carries: the codes decide
/// them as they do for every live answer (see `headers`).
fn headers(codes: &[ErrorCode]) -> Vec<MetaHeader> {
    let header = |name: &str, description: &str, schema| MetaHeader {
        name: name.to_owned(),
        description: Some(description.to_owned()),
        required: true,
        deprecated: false,
        schema,
    };
    let mut headers = Vec::new();
    if codes.iter().any(|code| code.challenges()) {
        headers.push(header(
            "WWW-Authenticate",
            "The authentication scheme to use: `Bearer` (with `error=\"invalid_token\"` for a \
             bad or expired token).",
            String::schema_ref(),
        ));
    }
    if codes.iter().any(|code| code.retries()) {
        headers.push(header(
            "Retry-After",
            "Seconds to wait before retrying.",
            u32::schema_ref(),
        ));
    }
    headers
}

/// A description made once and kept: the spec's texts are `&'static str`,
/// and the spec is built more than once (served, exported, tested).
fn intern(text: String) -> &'static str {
    static SEEN: OnceLock<Mutex<HashSet<&'static str>>> = OnceLock::new();
    let mut seen = SEEN
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    if let Some(known) = seen.get(text.as_str()) {
        return known;
    }
    let text: &'static str = Box::leak(text.into_boxed_str());
    seen.insert(text);
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_description_names_each_code_and_what_it_means() {
        let text = describe(401, &[ErrorCode::MissingToken, ErrorCode::TokenExpired]);
        assert_eq!(
            text,
            "Unauthorized: `missing_token` (no bearer token was sent) or `token_expired` \
             (the bearer token has expired)."
        );
        assert!(describe(503, &[ErrorCode::ServerBusy]).ends_with("`Retry-After` seconds."));
    }

    #[test]
    fn the_same_text_is_kept_once() {
        let a = intern("some words".to_owned());
        let b = intern("some words".to_owned());
        assert!(std::ptr::eq(a, b));
    }
}
