//! The `{user_id}` that starts every path of a user's data, read with the
//! caller's token as one input: the token is checked once, and a caller
//! naming another user's path is answered 401 (its own account is gone) or
//! 403 before any other input of the operation is read, so that a
//! stranger's malformed request is told "not yours", not what was wrong
//! with it.
use crate::service::Db;
use futures_util::FutureExt;
use poem::http::StatusCode;
use poem::{Request, RequestBody, Result};
use poem_openapi::registry::{MetaParamIn, MetaSchemaRef, Registry};
use poem_openapi::types::Type;
use poem_openapi::{ApiExtractor, ApiExtractorType, ExtractParamOptions};
use uuid::Uuid;

use super::schema::lenient;
use crate::auth::{BearerAuth, Credential};
use crate::domain::Error;
use crate::service::access;

/// The caller's own `{user_id}`. Operations name it `owner::Path`: the
/// operation macro reads an argument as a path parameter (by position)
/// only when its type's path has a segment named `Path`.
pub struct Path(lenient::Path<Uuid>, Credential);

impl Path {
    /// What the caller's token says (its session and lifetime).
    pub fn credential(&self) -> Credential {
        self.1
    }

    /// The owner, who is the caller; or the 422 naming every failure of
    /// the request when `{user_id}` is no user id at all.
    pub fn take(self) -> std::result::Result<Uuid, Error> {
        self.0.take()
    }
}

impl<'a> ApiExtractor<'a> for Path {
    const TYPES: &'static [ApiExtractorType] = &[
        ApiExtractorType::SecurityScheme,
        ApiExtractorType::Parameter,
    ];
    const PARAM_IS_REQUIRED: bool = true;
    type ParamType = Uuid;
    type ParamRawType = Uuid;

    fn register(registry: &mut Registry) {
        <BearerAuth as ApiExtractor>::register(registry);
        Uuid::register(registry);
    }

    fn security_schemes() -> Vec<&'static str> {
        <BearerAuth as ApiExtractor>::security_schemes()
    }

    fn param_in() -> Option<MetaParamIn> {
        Some(MetaParamIn::Path)
    }

    fn param_schema_ref() -> Option<MetaSchemaRef> {
        Some(Uuid::schema_ref())
    }

    async fn from_request(
        request: &'a Request,
        body: &mut RequestBody,
        param_opts: ExtractParamOptions<Uuid>,
    ) -> Result<Self> {
        let no_options = ExtractParamOptions {
            name: "",
            ignore_case: false,
            default_value: None,
            example_value: None,
            explode: true,
            style: None,
        };
        // Boxed, as poem-openapi's own extractors are (rust-lang/rust#100013).
        let auth = BearerAuth::from_request(request, body, no_options)
            .boxed()
            .await?;
        let caller = auth.caller();
        let path = lenient::Path::<Uuid>::from_request(request, body, param_opts)
            .boxed()
            .await?;
        if let Some(owner) = path.peek().filter(|owner| *owner != caller) {
            let db = request
                .data::<Db>()
                .ok_or_else(|| Error::Internal("no database in the request's data".into()));
            let refused = match db {
                Ok(db) => access::owner(db, caller, owner).await.err(),
                Err(err) => Some(err),
            };
            if let Some(refused) = refused {
                return Err(poem::Error::new(refused, StatusCode::FORBIDDEN));
            }
        }
        Ok(Self(path, auth.credential()))
    }
}
