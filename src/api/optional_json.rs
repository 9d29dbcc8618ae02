//! `OptionalJson<T>`: a JSON request body that may be left out entirely.
//!
//! poem-openapi's `Json<Option<T>>` still demands a `Content-Type` header,
//! so a bare `PATCH` with no body would be refused; here a request with no
//! content type and no body reads as `None`.
use poem::{Request, RequestBody, Result};
use poem_openapi::error::ContentTypeError;
use poem_openapi::payload::{Json, ParsePayload, Payload};
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
                let Json(value) =
                    <Json<Option<T>> as ParsePayload>::from_request(request, body).await?;
                Ok(Self(value))
            }
            Some(content_type) => Err(ContentTypeError::NotSupported {
                content_type: content_type.to_owned(),
            }
            .into()),
        }
    }
}
