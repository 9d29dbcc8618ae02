//! The examples the spec shows for the account and session responses.
use chrono::DateTime;
use poem_openapi::types::Example;

use super::schema::{AuthSession, TokenType};
use super::token::AccessToken;
use crate::api::tasks::EXAMPLE_USER;
use crate::api::{Timestamp, UserBody};

/// An access token's shape (header, claims, signature); not a valid one.
const ACCESS_TOKEN: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIwMTlhZDRjMS0wZjNiLTdhMjAtOWMxZC0zZTVmN2E5YjFkMmYifQ.c2lnbmF0dXJl";

impl Example for UserBody {
    fn example() -> Self {
        Self {
            id: EXAMPLE_USER,
            email: "ada@example.com".into(),
            name: Some("Ada".to_owned()).into(),
            created_at: Timestamp(DateTime::from_timestamp(1_795_500_000, 0).unwrap_or_default()),
        }
    }
}

impl Example for AuthSession {
    fn example() -> Self {
        Self {
            user: UserBody::example(),
            access_token: ACCESS_TOKEN.into(),
            token_type: TokenType::Bearer,
            expires_in: 900,
            refresh_token: "kq3W0n9V5xJm2bT8yR4cZ1aH6uE7pL0s".into(),
        }
    }
}

impl Example for AccessToken {
    fn example() -> Self {
        Self {
            access_token: ACCESS_TOKEN.into(),
            token_type: TokenType::Bearer,
            expires_in: 900,
        }
    }
}
