use std::sync::Arc;

use poem::http::HeaderValue;
use poem::{Endpoint, IntoEndpoint, Request};
use poem_openapi::error::{ParseParamError, ParsePathError};
use poem_openapi::param::{Header, Path, Query};
use poem_openapi::payload::PlainText;
use poem_openapi::{ApiResponse, Enum, OpenApi, OpenApiService};
use uuid::Uuid;

use super::*;
use crate::api::error::operation::Param;

fn said(reason: &str) -> (Violation, String) {
    Broken::read(reason).explain()
}

#[test]
fn validator_notation_becomes_a_sentence() {
    let said = |validator: &str| said(&format!("verification failed. {validator}"));
    assert_eq!(
        said("maximum(100, exclusive: false)"),
        (Violation::OutOfRange, "must be at most 100".into())
    );
    assert_eq!(
        said("maxLength(200)"),
        (Violation::TooLong, "must be at most 200 characters".into())
    );
    assert_eq!(
        said("minLength(1)"),
        (Violation::TooShort, "must not be empty".into())
    );
    assert_eq!(
        said(&format!("pattern(\"{NO_NUL}\")")).0,
        Violation::InvalidFormat
    );
}

#[test]
fn parse_failures_say_what_is_expected() {
    assert_eq!(
        said(r#"failed to parse "string_uuid": invalid character"#),
        (Violation::InvalidFormat, "must be a UUID".into())
    );
    assert_eq!(
        said(r#"failed to parse "integer(uint64)": invalid digit"#).0,
        Violation::WrongType
    );
    assert_eq!(
        said(r#"Type "ClearableStatus" expects an input value."#).0,
        Violation::Required
    );
    assert_eq!(
        said(r#"failed to parse "TaskSortField": Expect a valid enumeration value."#),
        (
            Violation::NotOneOf,
            "must be one of created_at, updated_at, title, due_date, priority".into()
        )
    );
}

#[tokio::test]
async fn path_parameters_are_named_by_their_operations_template_and_others_placed_by_it() {
    let operation = Arc::new(Operation {
        path: vec![
            ("param0".into(), "user_id".into()),
            ("param1".into(), "list_id".into()),
        ],
        params: vec![Param {
            name: "Idempotency-Key".into(),
            source: Source::Header,
            format: None,
        }],
        ..Operation::default()
    });
    let (path, header) = operation
        .serve(async {
            let path = param_failure("param1", None, &Broken::NotA("string_uuid".into()));
            let header = param_failure("Idempotency-Key", None, &Broken::Shorter(1));
            (path, header)
        })
        .await;
    assert_eq!(
        (path.source, path.field.as_str()),
        (Source::Path, "list_id")
    );
    assert_eq!(path.message, "must be a UUID");
    assert_eq!(
        (header.source, header.field.as_str()),
        (Source::Header, "Idempotency-Key")
    );
}

#[derive(Enum)]
enum Direction {
    Up,
}

/// An answer carrying poem-openapi's reason for refusing a parameter.
#[derive(ApiResponse)]
#[oai(bad_request_handler = "refused")]
enum Answer {
    #[oai(status = 200)]
    Ok,
    #[oai(status = 400)]
    Refused(PlainText<String>),
}

fn refused(err: poem::Error) -> Answer {
    let reason = match err.downcast_ref::<ParseParamError>() {
        Some(e) => e.reason.clone(),
        None => err
            .downcast_ref::<ParsePathError>()
            .map_or_else(String::new, |e| e.reason.clone()),
    };
    Answer::Refused(PlainText(reason))
}

struct Pinned;

#[OpenApi]
impl Pinned {
    #[oai(path = "/p/:id", method = "get")]
    async fn get(
        &self,
        id: Path<Uuid>,
        n: Query<u64>,
        flag: Query<Option<bool>>,
        at: Query<Option<chrono::DateTime<chrono::Utc>>>,
        direction: Query<Option<Direction>>,
        #[oai(name = "Key", validator(min_length = 1, max_length = 3))] key: Header<Option<String>>,
    ) -> Answer {
        let _ = (id, n, flag, at, direction, key);
        Answer::Ok
    }
}

/// poem-openapi's reason for refusing the request `query` (with `header`).
async fn reason(path: &str, query: &str, header: Option<(&'static str, &str)>) -> String {
    let endpoint = OpenApiService::new(Pinned, "pinned", "1").into_endpoint();
    let mut req = Request::builder().uri(format!("/p/{path}?{query}").parse().unwrap());
    if let Some((name, value)) = header {
        req = req.header(name, HeaderValue::from_str(value).unwrap());
    }
    let resp = endpoint.call(req.finish()).await.unwrap();
    assert_eq!(resp.status(), 400, "refused");
    resp.into_body().into_string().await.unwrap()
}

/// The English of the poem-openapi version in `Cargo.lock`, which
/// `Broken::read` depends on: when an upgrade rewords it, this fails.
#[tokio::test]
async fn pinned_poem_openapi_reasons_read_as_what_they_mean() {
    let id = Uuid::nil().to_string();
    let cases = [
        ("x", "n=1", None, Broken::NotA("string_uuid".into())),
        (&*id, "", None, Broken::Missing),
        (&*id, "n=x", None, Broken::NotA("integer(uint64)".into())),
        (&*id, "n=1&flag=maybe", None, Broken::NotA("boolean".into())),
        (
            &*id,
            "n=1&at=noon",
            None,
            Broken::NotA("string_date-time".into()),
        ),
        (
            &*id,
            "n=1&direction=Down",
            None,
            Broken::NotA("Direction".into()),
        ),
        (&*id, "n=1", Some(("Key", "")), Broken::Shorter(1)),
        (&*id, "n=1", Some(("Key", "abcd")), Broken::Longer(3)),
    ];
    for (path, query, header, expected) in cases {
        let reason = reason(path, query, header).await;
        assert_eq!(Broken::read(&reason), expected, "{reason}");
    }
    assert_eq!(
        reason(&id, "n=1", Some(("Key", ""))).await,
        "verification failed. minLength(1)"
    );
    assert_eq!(
        reason(&id, "", None).await,
        r#"Type "integer(uint64)" expects an input value."#
    );
    assert!(
        reason("x", "n=1", None)
            .await
            .starts_with(r#"failed to parse "string_uuid": "#)
    );
}
