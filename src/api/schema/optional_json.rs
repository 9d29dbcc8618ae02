//! `OptionalJson<T>`: a JSON request body that may be left out entirely.
//!
//! poem-openapi's `Json<Option<T>>` still demands a `Content-Type` header,
//! so a bare `PATCH` with no body would be refused, and it reads a JSON
//! `null` body as "no body". Here an empty body (with or without a content
//! type) reads as `None`, and a present body must be a `T`.
use poem::{Request, RequestBody, Result};
use poem_openapi::error::{ContentTypeError, ParseRequestPayloadError};
use poem_openapi::payload::{Json, Payload};
use poem_openapi::registry::{MetaMediaType, MetaRequest, Registry};
use poem_openapi::types::{ParseFromJSON, ToJSON};
use poem_openapi::{ApiExtractor, ApiExtractorType, ExtractParamOptions};

pub struct OptionalJson<T>(pub Option<T>);

impl<'a, T: ParseFromJSON + ToJSON> ApiExtractor<'a> for OptionalJson<T> {
    const TYPES: &'static [ApiExtractorType] = &[ApiExtractorType::RequestObject];
    type ParamType = ();
    type ParamRawType = ();

    fn register(registry: &mut Registry) {
        T::register(registry);
    }

    fn request_meta() -> Option<MetaRequest> {
        Some(MetaRequest {
            description: None,
            content: vec![MetaMediaType {
                content_type: Json::<T>::CONTENT_TYPE,
                schema: T::schema_ref(),
            }],
            required: false,
        })
    }

    async fn from_request(
        request: &'a Request,
        body: &mut RequestBody,
        _param_opts: ExtractParamOptions<Self::ParamType>,
    ) -> Result<Self> {
        match request.content_type() {
            None => {
                let bytes = body.take()?.into_bytes().await?;
                if bytes.is_empty() {
                    Ok(Self(None))
                } else {
                    Err(ContentTypeError::ExpectContentType.into())
                }
            }
            Some(content_type) if Json::<T>::check_content_type(content_type) => {
                let bytes = body.take()?.into_bytes().await?;
                if bytes.is_empty() {
                    return Ok(Self(None));
                }
                // A body that is present must be a `T`: JSON `null` is not.
                let value =
                    serde_json::from_slice(&bytes).map_err(|err| ParseRequestPayloadError {
                        reason: err.to_string(),
                    })?;
                let parsed =
                    T::parse_from_json(Some(value)).map_err(|err| ParseRequestPayloadError {
                        reason: err.into_message(),
                    })?;
                Ok(Self(Some(parsed)))
            }
            Some(content_type) => Err(ContentTypeError::NotSupported {
                content_type: content_type.to_owned(),
            }
            .into()),
        }
    }
}
