//! `OptionalJson<T>`: a JSON request body that may be left out entirely.
//!
//! poem-openapi's `Json<Option<T>>` still demands a `Content-Type` header,
//! so a bare `PATCH` with no body would be refused, and it reads a JSON
//! `null` body as "no body". Here an empty body (with or without a content
//! type) reads as `None`, and a present body is read like a `JsonBody`.
use poem::{Request, RequestBody, Result};
use poem_openapi::registry::{MetaRequest, Registry};
use poem_openapi::{ApiExtractor, ApiExtractorType, ExtractParamOptions};

use super::body::{deferred, read_json, request_meta};
use super::strict::{FromBody, Read, read_body};
use crate::domain::Error;

pub struct OptionalJson<T: FromBody>(Read<Option<T::Valid>>);

impl<T: FromBody> OptionalJson<T> {
    /// The body if one was sent, or the 422 naming every field that failed.
    pub fn accept(self) -> Result<Option<T::Valid>, Error> {
        self.0.map_err(Error::Validation)
    }
}

impl<'a, T: FromBody> ApiExtractor<'a> for OptionalJson<T> {
    const TYPES: &'static [ApiExtractorType] = &[ApiExtractorType::RequestObject];
    type ParamType = ();
    type ParamRawType = ();

    fn register(registry: &mut Registry) {
        T::register(registry);
    }

    fn request_meta() -> Option<MetaRequest> {
        Some(request_meta::<T>(false))
    }

    async fn from_request(
        request: &'a Request,
        body: &mut RequestBody,
        _param_opts: ExtractParamOptions<Self::ParamType>,
    ) -> Result<Self> {
        let value = read_json(request, body).await?;
        let read = value.and_then(|value| value.map(read_body::<T>).transpose());
        let read = read.map(|body| body.map(|(_, valid)| valid));
        Ok(Self(deferred(read)))
    }
}
