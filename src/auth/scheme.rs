//! The bearer security scheme: who is calling, from the token alone. It
//! runs no query; whether the account still exists, and whether the path
//! is the caller's, is the service's to decide.
use poem::Request;
use poem::http::StatusCode;
use poem_openapi::{OAuthScopes, SecurityScheme, auth::Bearer};
use uuid::Uuid;

use super::token::{Credential, TokenService};
use crate::domain::Error;

/// The caller's access token, sent as `Authorization: Bearer <token>`;
/// the spec offers two ways to obtain it, and either works everywhere.
///
/// poem-openapi tries the members in order and reports the last one's error.
/// Both read the same header, so only the last member (`Jwt`) checks the
/// token; the first answers "not me" for free.
///
/// Some generated clients (openapi-generator's typescript-fetch) apply every
/// listed scheme in turn, an OAuth2 one writing the bare token: the bearer
/// scheme is listed last, and the OAuth2 one is named so that it also comes
/// first by name and by the name's hash (that generator's order), so
/// `Bearer <token>` is what is sent.
#[derive(SecurityScheme)]
pub enum BearerAuth {
    Password(PasswordFlow),
    Jwt(JwtBearer),
}

impl BearerAuth {
    /// The user the token was issued to: signed by us, unexpired, for this
    /// issuer and audience. Whether the account still exists is not known.
    pub fn caller(&self) -> Uuid {
        self.credential().user_id
    }

    /// All the token says: its user, session and lifetime.
    pub fn credential(&self) -> Credential {
        match self {
            Self::Jwt(JwtBearer(credential)) | Self::Password(PasswordFlow(credential)) => {
                *credential
            }
        }
    }
}

/// A JWT access token from sign-up, log-in or refresh, sent as
/// `Authorization: Bearer <token>`.
#[derive(SecurityScheme)]
#[oai(
    rename = "bearerAuth",
    ty = "bearer",
    bearer_format = "JWT",
    checker = "authenticate"
)]
pub struct JwtBearer(Credential);

/// Email (as `username`) and password exchanged at `/api/auth/token` for
/// the same bearer token: the OAuth2 password flow, which is what Swagger
/// UI's Authorize dialog offers.
#[derive(SecurityScheme)]
#[oai(
    rename = "accountLogin",
    ty = "oauth2",
    flows(password(token_url = "/api/auth/token", scopes = "Scope")),
    checker = "defer_to_jwt"
)]
pub struct PasswordFlow(Credential);

/// OAuth2 scopes. There is one: a token grants full access to its account.
/// (OpenAPI requires a flow to list its scopes; no operation asks for one.)
#[derive(OAuthScopes)]
#[allow(dead_code)]
pub enum Scope {
    /// Full access to your own account and tasks.
    #[oai(rename = "tasks")]
    Tasks,
}

/// The password flow's token is the same JWT: `JwtBearer`, tried next,
/// authenticates it.
async fn defer_to_jwt(_req: &Request, _bearer: Bearer) -> poem::Result<Credential> {
    Err(reject(Error::InvalidToken))
}

/// Checks the token with the `TokenService` the assembly put in the
/// request's data, and names the caller in the request's log span.
async fn authenticate(req: &Request, bearer: Bearer) -> poem::Result<Credential> {
    let tokens = req
        .data::<TokenService>()
        .ok_or_else(|| reject(Error::Internal("no token service is installed".into())))?;
    let credential = tokens.credential(&bearer.token).map_err(reject)?;
    let user_id = credential.user_id;
    tracing::Span::current().record("user_id", tracing::field::display(user_id));
    Ok(credential)
}

/// Carries the domain error through poem, so that the operation's
/// bad-request handler answers with the matching problem.
fn reject(err: Error) -> poem::Error {
    poem::Error::new(err, StatusCode::UNAUTHORIZED)
}
