//! Who may call: the REST API's own bearer tokens. A request without a
//! valid one is answered 401 with a challenge naming the protected-resource
//! metadata (RFC 9728), which names this server as its authorization
//! server, whose metadata (RFC 8414) names the token endpoint: so a client
//! finds where tokens come from.
use poem::http::{HeaderValue, header};
use poem::web::Json;
use poem::{Endpoint, IntoResponse, Request, Response};
use poem_openapi::OperationId;
use serde_json::{Value, json};

use super::handler::Caller;
use super::label;
use crate::api::error::ApiError;
use crate::auth::TokenService;
use crate::domain::Error;

pub const PROTECTED_RESOURCE: &str = "/.well-known/oauth-protected-resource";
pub const AUTHORIZATION_SERVER: &str = "/.well-known/oauth-authorization-server";

/// Lets a request through only with a valid access token, naming its user
/// (`Caller`) for the tools.
pub struct Guard<E>(pub E);

impl<E: Endpoint> Endpoint for Guard<E> {
    type Output = Response;

    async fn call(&self, mut req: Request) -> poem::Result<Response> {
        // The body is already in memory (admission read it, within its limit).
        let body = req.take_body().into_bytes().await?;
        let operation = OperationId(label::operation(&body));
        req.set_body(body);
        let mut resp = self.guarded(req).await?;
        resp.set_data(operation);
        Ok(resp)
    }
}

impl<E: Endpoint> Guard<E> {
    async fn guarded(&self, mut req: Request) -> poem::Result<Response> {
        let token = bearer(&req);
        let verified = match (req.data::<TokenService>(), token) {
            (Some(tokens), Some(token)) => tokens.verify(token),
            (Some(_), None) => Err(Error::InvalidToken),
            (None, _) => Err(Error::Internal("no token service is installed".into())),
        };
        match verified {
            Ok(user_id) => {
                tracing::Span::current().record("user_id", tracing::field::display(user_id));
                req.extensions_mut().insert(Caller(user_id));
                self.0.call(req).await.map(IntoResponse::into_response)
            }
            Err(err) => Ok(challenge(&req, token.is_some(), err)),
        }
    }
}

fn bearer(req: &Request) -> Option<&str> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// The 401 problem, its challenge naming the metadata document (with
/// RFC 6750's `invalid_token` when a token was sent and refused).
fn challenge(req: &Request, sent: bool, err: Error) -> Response {
    let err = ApiError::Domain(err);
    let status = err.status();
    let mut resp = err.into_response();
    if status == 401 {
        let metadata = format!("{}{PROTECTED_RESOURCE}", base(req));
        let refused = if sent {
            r#"error="invalid_token", "#
        } else {
            ""
        };
        let value = format!(r#"Bearer {refused}resource_metadata="{metadata}""#);
        if let Ok(value) = HeaderValue::from_str(&value) {
            resp.headers_mut().insert(header::WWW_AUTHENTICATE, value);
        }
    }
    resp
}

/// This server's URL as the client addressed it.
pub fn base(req: &Request) -> String {
    let forwarded = req.headers().get("x-forwarded-proto");
    let https = forwarded.is_some_and(|proto| proto.as_bytes().eq_ignore_ascii_case(b"https"));
    let scheme = if https {
        "https"
    } else {
        req.scheme().as_str()
    };
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|host| host.to_str().ok())
        .unwrap_or("localhost");
    format!("{scheme}://{host}")
}

/// RFC 9728: the MCP endpoint is the resource, this server its
/// authorization server.
pub fn protected_resource(req: &Request) -> Json<Value> {
    let base = base(req);
    Json(json!({
        "resource": format!("{base}/mcp"),
        "authorization_servers": [base],
        "bearer_methods_supported": ["header"],
        "resource_name": "tasks-api",
        "resource_documentation": format!("{base}/docs"),
    }))
}

/// RFC 8414: the token endpoint (`token_path`, from the API's document)
/// and the one grant it takes.
pub fn authorization_server(req: &Request, token_path: &str) -> Json<Value> {
    let base = base(req);
    Json(json!({
        "issuer": base,
        "token_endpoint": format!("{base}{token_path}"),
        "grant_types_supported": ["password"],
        "token_endpoint_auth_methods_supported": ["none"],
        "response_types_supported": [],
        "service_documentation": format!("{base}/docs"),
    }))
}
