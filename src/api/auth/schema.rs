//! Request and response bodies of the auth operations.
use poem_openapi::types::Example;
use poem_openapi::{ApiResponse, Enum, Object};

use crate::api::UserBody;
use crate::api::schema::{AnyText, EmailShape, JsonReply, NoNul, Text, UNBOUNDED};
use crate::auth::IssuedToken;
use crate::domain::{Email, Name, Password};

/// Token responses must not be stored by caches (RFC 6749 §5.1).
pub const NO_STORE: &str = "no-store";

/// A new account.
#[derive(Debug, Object)]
#[oai(example)]
pub struct SignUpRequest {
    /// Email address, at most 254 characters; trimmed, then compared and
    /// stored in NFKC, lower-cased (fullwidth letters are the ASCII ones).
    /// No control or format characters (zero-width spaces, bidi controls).
    // The pattern is what `Email::parse` accepts (before trimming), so
    // generated clients and contract tests know it.
    pub email: Text<{ Email::MAX_CHARS }, EmailShape>,
    /// 8 to 72 **bytes** of UTF-8 (bcrypt's limit; never truncated), not
    /// characters: 25 × `€` is 25 characters but 75 bytes, too long. A
    /// schema cannot count bytes, so it declares only what never admits a
    /// password the server refuses: at least 8 characters (always at least
    /// 8 bytes), and no maximum (72 characters may be up to 288 bytes). The
    /// server also takes 8 bytes in fewer characters (`éééé`).
    pub password: NewPasswordText,
    /// Optional display name, at most 100 characters; no bidi controls, and
    /// not only invisible characters.
    #[oai(nullable)]
    pub name: Option<Text<{ Name::MAX_CHARS }>>,
}

/// A password being set, as sent: its bounds are in bytes (`Password`).
pub type NewPasswordText = Text<UNBOUNDED, NoNul, { Password::MIN_BYTES }>;

/// A credential that is checked but never set here: any non-empty text up
/// to `MAX_CREDENTIAL_CHARS`.
pub type Credential<P = AnyText> = Text<MAX_CREDENTIAL_CHARS, P, 1>;

/// The most characters of a credential checked but never set here.
pub const MAX_CREDENTIAL_CHARS: usize = 1024;

impl Example for SignUpRequest {
    fn example() -> Self {
        Self {
            email: "ada@example.com".into(),
            password: "correct horse battery".into(),
            name: Some("Ada".into()),
        }
    }
}

/// Credentials for logging in. No sign-up rules apply: a password that
/// could never have been set simply fails with 401.
#[derive(Debug, Clone, Object)]
#[oai(example)]
pub struct LogInRequest {
    /// The account's email address.
    pub email: Credential<NoNul>,
    /// The account's password.
    pub password: Credential,
}

impl Example for LogInRequest {
    fn example() -> Self {
        Self {
            email: "ada@example.com".into(),
            password: "correct horse battery".into(),
        }
    }
}

/// A refresh token to exchange or revoke.
#[derive(Debug, Clone, Object)]
pub struct RefreshRequest {
    /// The `refresh_token` from log-in, sign-up or the last refresh.
    pub refresh_token: Credential<NoNul>,
}

/// A password change.
#[derive(Debug, Clone, Object)]
pub struct ChangePasswordRequest {
    /// The password in use now.
    pub current_password: Credential,
    /// The new password: 8 to 72 **bytes** of UTF-8 (not characters), as
    /// at sign-up, declared the same way.
    pub new_password: NewPasswordText,
}

/// Confirmation for deleting the account.
#[derive(Debug, Clone, Object)]
pub struct DeleteAccountRequest {
    /// The account's password.
    pub password: Credential,
}

/// The kind of access token issued.
#[derive(Debug, Clone, Copy, Enum)]
#[oai(rename_all = "lowercase")]
pub enum TokenType {
    Bearer,
}

/// A signed-in session: the user, an access token and a refresh token.
#[derive(Debug, Object)]
#[oai(example)]
pub struct AuthSession {
    /// The signed-in user.
    pub user: UserBody,
    /// JWT to send as `Authorization: Bearer <access_token>`.
    pub access_token: String,
    /// Always `bearer`.
    pub token_type: TokenType,
    /// Seconds until the access token expires.
    pub expires_in: u64,
    /// Opaque token for `POST /api/auth/refresh`; each one works once.
    pub refresh_token: String,
}

impl AuthSession {
    pub fn new(user: UserBody, token: IssuedToken, refresh_token: String) -> Self {
        Self {
            user,
            access_token: token.access_token,
            token_type: TokenType::Bearer,
            expires_in: token.expires_in,
            refresh_token,
        }
    }
}

#[derive(ApiResponse)]
pub enum SignUpResponse {
    /// The account was created and is signed in.
    #[oai(status = 201)]
    Created(
        JsonReply<AuthSession>,
        /// Where the new user can be read: `/api/auth/me`.
        #[oai(header = "Location")]
        String,
        /// `no-store`: the body holds credentials.
        #[oai(header = "Cache-Control")]
        String,
    ),
}

#[derive(ApiResponse)]
pub enum SessionResponse {
    /// Signed in: a new access token and refresh token.
    #[oai(status = 200)]
    Ok(
        JsonReply<AuthSession>,
        /// `no-store`: the body holds credentials.
        #[oai(header = "Cache-Control")]
        String,
    ),
}

impl From<AuthSession> for SessionResponse {
    fn from(session: AuthSession) -> Self {
        Self::Ok(JsonReply(session), NO_STORE.into())
    }
}

#[derive(ApiResponse)]
pub enum NoContent {
    /// Done.
    #[oai(status = 204)]
    Done,
}
