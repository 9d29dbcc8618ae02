//! The token endpoint's failures (400), in RFC 6749's terms and in the
//! words the endpoint and its examples say them in.
use super::kind::{ApiError, OAuthError};
use crate::domain::Error;

impl ApiError {
    /// A token request without the form parameter `name` (or with it empty).
    pub fn missing_parameter(name: &str) -> Self {
        Self::oauth(OAuthError::InvalidRequest, format!("`{name}` is required"))
    }

    /// A token request that sends the form parameter `name` twice.
    pub fn repeated_parameter(name: &str) -> Self {
        let detail = format!("`{name}` was sent more than once");
        Self::oauth(OAuthError::InvalidRequest, detail)
    }

    /// A token request whose form parameter `name` is over `max` bytes.
    pub fn oversized_parameter(name: &str, max: usize) -> Self {
        let detail = format!("`{name}` must be at most {max} bytes");
        Self::oauth(OAuthError::InvalidRequest, detail)
    }

    /// A token request for another grant than the password grant.
    pub fn unsupported_grant_type() -> Self {
        let detail = "only `grant_type=password` is supported";
        Self::oauth(OAuthError::UnsupportedGrantType, detail)
    }

    /// A token request with a wrong email or password, in the words of a
    /// log-in's.
    pub fn invalid_grant() -> Self {
        Self::oauth(
            OAuthError::InvalidGrant,
            Error::InvalidCredentials.to_string(),
        )
    }
}
