//! `JsonBody<T>`: a JSON request body read member by member as its schema
//! declares (`strict`), then held to the domain's rules, so a 422 names
//! every bad field at once.
//!
//! poem-openapi's `Json` declares `application/json; charset=utf-8`, a
//! media type RFC 8259 does not define and some client generators do not
//! recognise; this declares `application/json` and accepts it with or
//! without `charset=utf-8`. Any other type is 415.
//!
//! A body that fails validation does not end the request at once: its
//! failures are kept (`request::defer`) and the operation's other inputs
//! are still read, so a bad parameter after it is reported with them.
//! Handlers take the body right after the security scheme and call
//! `JsonBody::accept` first.
use poem::{Request, RequestBody, Result};
use poem_openapi::error::ContentTypeError;
use poem_openapi::registry::{MetaMediaType, MetaRequest, Registry};
use poem_openapi::{ApiExtractor, ApiExtractorType, ExtractParamOptions};
use serde_json::Value;

use super::json::APPLICATION_JSON;
use super::strict::{FromBody, Read, read_body};
use crate::api::error::{defer_failures, missing_body};
use crate::domain::{Error, FieldError, Violation};

pub struct JsonBody<T: FromBody>(Read<(T, T::Valid)>);

impl<T: FromBody> JsonBody<T> {
    /// The body as the rules see it, or the 422 naming every field that
    /// failed.
    pub fn accept(self) -> Result<T::Valid, Error> {
        self.accept_as_sent().map(|(_, valid)| valid)
    }

    /// The body as sent too (e.g. to fingerprint it).
    pub fn accept_as_sent(self) -> Result<(T, T::Valid), Error> {
        self.0.map_err(Error::Validation)
    }
}

impl<'a, T: FromBody> ApiExtractor<'a> for JsonBody<T> {
    const TYPES: &'static [ApiExtractorType] = &[ApiExtractorType::RequestObject];
    type ParamType = ();
    type ParamRawType = ();

    fn register(registry: &mut Registry) {
        T::register(registry);
    }

    fn request_meta() -> Option<MetaRequest> {
        Some(request_meta::<T>(true))
    }

    async fn from_request(
        request: &'a Request,
        body: &mut RequestBody,
        _param_opts: ExtractParamOptions<Self::ParamType>,
    ) -> Result<Self> {
        let value = read_json(request, body)
            .await?
            .and_then(|value| value.ok_or_else(|| vec![missing_body()]));
        Ok(Self(deferred(value.and_then(read_body))))
    }
}

/// The request entry of a body of type `T`.
pub fn request_meta<T: FromBody>(required: bool) -> MetaRequest {
    MetaRequest {
        description: None,
        content: vec![MetaMediaType {
            content_type: APPLICATION_JSON,
            schema: T::schema_ref(),
        }],
        required,
    }
}

/// Keeps a body's failures for the rest of the request (see the module).
pub fn deferred<T>(read: Read<T>) -> Read<T> {
    if let Err(failures) = &read {
        defer_failures(failures);
    }
    read
}

/// The body as JSON: `None` when it is empty (with or without a content
/// type); 415 for a media type other than JSON; a 422 failure for text
/// that is not JSON.
pub async fn read_json(
    request: &Request,
    body: &mut RequestBody,
) -> Result<Result<Option<Value>, Vec<FieldError>>> {
    let content_type = request.content_type();
    if let Some(content_type) = content_type
        && !is_json(content_type)
    {
        return Err(ContentTypeError::NotSupported {
            content_type: content_type.to_owned(),
        }
        .into());
    }
    let bytes = body.take()?.into_bytes().await?;
    if bytes.is_empty() {
        return Ok(Ok(None));
    }
    if content_type.is_none() {
        return Err(ContentTypeError::ExpectContentType.into());
    }
    Ok(serde_json::from_slice(&bytes).map(Some).map_err(|err| {
        // serde's "at line 1 column 2" locates the fault; its wording of
        // what it expected is kept out.
        let message = format!(
            "must be valid JSON (line {}, column {})",
            err.line(),
            err.column()
        );
        vec![FieldError::new("", Violation::InvalidFormat, message)]
    }))
}

/// `application/json`, the one media type every operation declares, with no
/// charset but UTF-8. Another `+json` type (`application/merge-patch+json`)
/// has semantics of its own that no operation implements, so it is 415.
fn is_json(content_type: &str) -> bool {
    let Ok(mime) = content_type.parse::<mime::Mime>() else {
        return false;
    };
    let json = mime.type_() == mime::APPLICATION && mime.subtype() == mime::JSON;
    let utf8 = mime
        .get_param(mime::CHARSET)
        .is_none_or(|charset| charset == mime::UTF_8);
    json && utf8
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_is_accepted_with_or_without_a_utf8_charset() {
        for accepted in [
            "application/json",
            "application/json; charset=utf-8",
            "application/json;charset=UTF-8",
        ] {
            assert!(is_json(accepted), "{accepted} was refused");
        }
        for refused in [
            "text/plain",
            "application/json; charset=latin1",
            "application/x-www-form-urlencoded",
            "application/merge-patch+json",
            "application/problem+json",
            "json",
        ] {
            assert!(!is_json(refused), "{refused} was accepted");
        }
    }
}
