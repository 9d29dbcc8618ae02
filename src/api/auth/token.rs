//! The schemas of `POST /api/auth/token`: the OAuth2 password grant (RFC
//! 6749 §4.3), so Swagger UI's Authorize dialog can log in with email and
//! password.
use poem_openapi::{ApiResponse, Object};
use serde::Deserialize;

use super::schema::TokenType;
use crate::api::error::{ApiError, ErrorCode, ErrorSet, OAuthError};
use crate::api::schema::JsonReply;
use crate::auth::IssuedToken;
use crate::domain::storable;

pub struct TokenErrors;
impl ErrorSet for TokenErrors {
    const SCHEMA: &'static str = "IssueTokenProblem";
    const CODES: &'static [&'static [ErrorCode]] = &[&[
        ErrorCode::InvalidRequest,
        ErrorCode::InvalidGrant,
        ErrorCode::UnsupportedGrantType,
        ErrorCode::UnsupportedMediaType,
        ErrorCode::RateLimited,
    ]];
    const DESCRIPTIONS: &'static [(u16, &'static str)] = &[(
        415,
        "Unsupported Media Type: `unsupported_media_type` (the request body is not \
         `application/x-www-form-urlencoded`).",
    )];
}

/// An OAuth2 password-grant request (`application/x-www-form-urlencoded`).
#[derive(Debug, Object, Deserialize)]
#[serde(from = "Vec<(String, String)>")]
pub struct TokenRequest {
    /// Must be `password`.
    pub grant_type: String,
    /// The account's email address.
    #[oai(validator(pattern = r"^[^\u0000]*$"))]
    pub username: String,
    /// The account's password.
    pub password: String,
    /// Ignored: a token always grants full access to its account.
    pub scope: Option<String>,
    /// A parameter sent more than once, which RFC 6749 forbids.
    #[oai(skip)]
    repeated: Option<String>,
}

// Parameters are read by hand so that a missing or repeated one becomes
// `invalid_request` rather than a parse failure (form bodies skip
// poem-openapi's validators anyway). Unknown parameters are ignored.
impl From<Vec<(String, String)>> for TokenRequest {
    fn from(pairs: Vec<(String, String)>) -> Self {
        let mut request = Self {
            grant_type: String::new(),
            username: String::new(),
            password: String::new(),
            scope: None,
            repeated: None,
        };
        let mut seen = Vec::new();
        for (name, value) in pairs {
            let slot = match name.as_str() {
                "grant_type" => &mut request.grant_type,
                "username" => &mut request.username,
                "password" => &mut request.password,
                "scope" => request.scope.get_or_insert_default(),
                _ => continue,
            };
            if seen.contains(&name) {
                request.repeated.get_or_insert(name);
                continue;
            }
            *slot = value;
            seen.push(name);
        }
        request
    }
}

impl TokenRequest {
    /// The email and password of a well-formed password grant.
    pub fn credentials(&self) -> Result<(&str, &str), ApiError> {
        if let Some(name) = &self.repeated {
            return Err(ApiError::repeated_parameter(name));
        }
        match self.grant_type.as_str() {
            "" => return Err(ApiError::missing_parameter("grant_type")),
            "password" => {}
            _ => return Err(ApiError::unsupported_grant_type()),
        }
        for (name, value) in [("username", &self.username), ("password", &self.password)] {
            if value.is_empty() {
                return Err(ApiError::missing_parameter(name));
            }
            if value.len() > 1024 {
                return Err(ApiError::oversized_parameter(name, 1024));
            }
        }
        // The OAuth form's 422: a username no database can store is a
        // malformed request (the password is never stored, only checked).
        storable("username", &self.username).map_err(|err| {
            ApiError::oauth(
                OAuthError::InvalidRequest,
                format!("`username` {}", err.message),
            )
        })?;
        Ok((&self.username, &self.password))
    }
}

/// An OAuth2 access-token response (RFC 6749 §5.1).
#[derive(Debug, Object)]
#[oai(example)]
pub struct AccessToken {
    /// JWT to send as `Authorization: Bearer <access_token>`.
    pub access_token: String,
    /// Always `bearer`.
    pub token_type: TokenType,
    /// Seconds until the access token expires.
    pub expires_in: u64,
}

#[derive(ApiResponse)]
pub enum TokenResponse {
    /// An access token for the account.
    #[oai(status = 200)]
    Ok(
        JsonReply<AccessToken>,
        /// `no-store`: the body holds a credential.
        #[oai(header = "Cache-Control")]
        String,
    ),
}

impl From<IssuedToken> for AccessToken {
    fn from(token: IssuedToken) -> Self {
        Self {
            access_token: token.access_token,
            token_type: TokenType::Bearer,
            expires_in: token.expires_in,
        }
    }
}
