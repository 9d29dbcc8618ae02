use std::sync::Arc;

use chrono::Utc;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, errors::ErrorKind};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::domain::{Error, Result};

mod verified;
use verified::Verified;

/// Seconds of clock skew tolerated on `exp`, `nbf` and `iat`.
const LEEWAY_SECONDS: u64 = 5;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Claims {
    pub sub: String,
    pub iat: i64,
    pub exp: i64,
    pub iss: String,
    pub aud: String,
    /// The session (refresh-token family) the token was issued in; none
    /// for a token from the OAuth2 password grant, which opens no session.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
}

/// What a valid token says about its holder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Credential {
    pub user_id: Uuid,
    /// The session it was issued in, if any.
    pub session: Option<Uuid>,
    /// `iat` and `exp`, in seconds since the epoch.
    pub issued_at: i64,
    pub expires_at: i64,
}

pub struct IssuedToken {
    pub access_token: String,
    pub expires_in: u64,
}

/// Issues and checks HS256 access tokens.
#[derive(Clone)]
pub struct TokenService {
    inner: Arc<Inner>,
}

struct Inner {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    issuer: String,
    audience: String,
    ttl_seconds: u64,
    verified: Verified,
}

impl TokenService {
    pub fn new(secret: &[u8], issuer: &str, audience: &str, ttl_seconds: u64) -> Self {
        super::jwt_crypto::install();
        // Only HS256 is accepted: a token naming any other algorithm,
        // `none` included, fails before its signature is looked at.
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[issuer]);
        validation.set_audience(&[audience]);
        validation.set_required_spec_claims(&["exp", "iat", "iss", "aud", "sub"]);
        validation.leeway = LEEWAY_SECONDS;
        // We never issue `nbf`, but a token that carries one is held to it.
        validation.validate_nbf = true;
        Self {
            inner: Arc::new(Inner {
                encoding: EncodingKey::from_secret(secret),
                decoding: DecodingKey::from_secret(secret),
                validation,
                issuer: issuer.to_owned(),
                audience: audience.to_owned(),
                ttl_seconds,
                verified: Verified::default(),
            }),
        }
    }

    /// A token outside any session (the OAuth2 password grant).
    pub fn issue(&self, user_id: Uuid) -> Result<IssuedToken> {
        self.sign(user_id, None)
    }

    /// A token of the session `session` (a refresh-token family), so that
    /// what it keeps open ends with the session.
    pub fn issue_in(&self, user_id: Uuid, session: Uuid) -> Result<IssuedToken> {
        self.sign(user_id, Some(session))
    }

    fn sign(&self, user_id: Uuid, session: Option<Uuid>) -> Result<IssuedToken> {
        let now = Utc::now().timestamp();
        let claims = Claims {
            sub: user_id.to_string(),
            iat: now,
            exp: now + self.inner.ttl_seconds as i64,
            iss: self.inner.issuer.clone(),
            aud: self.inner.audience.clone(),
            sid: session.map(|id| id.to_string()),
        };
        let access_token = jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &self.inner.encoding,
        )
        .map_err(|err| Error::Internal(format!("signing a token failed: {err}")))?;
        Ok(IssuedToken {
            access_token,
            expires_in: self.inner.ttl_seconds,
        })
    }

    /// The user id a valid token was issued to. Beyond the signature and
    /// `exp`/`nbf`, a token must not claim to be issued in the future, and
    /// its `sub` must be the user id exactly as `issue` writes it (lower-case
    /// hyphenated): one account has one spelling. A token with a `crit`
    /// header is refused.
    pub fn verify(&self, token: &str) -> Result<Uuid> {
        Ok(self.credential(token)?.user_id)
    }

    /// Everything a valid token says: `verify`'s checks, and a `sid`, when
    /// present, must be a canonical UUID too.
    pub fn credential(&self, token: &str) -> Result<Credential> {
        let now = Utc::now().timestamp();
        if let Some(credential) = self.inner.verified.get(token) {
            // As jsonwebtoken's own check: expired once `exp` is more than
            // the leeway behind.
            if credential.expires_at < now.saturating_sub(LEEWAY_SECONDS as i64) {
                self.inner.verified.forget(token);
                return Err(Error::TokenExpired);
            }
            return Ok(credential);
        }
        // RFC 7515 §4.1.11: a `crit` header names extensions the recipient
        // must understand; we understand none, so such a token is refused.
        let header = jsonwebtoken::decode_header(token).map_err(|_| Error::InvalidToken)?;
        if header.crit.is_some() {
            return Err(Error::InvalidToken);
        }
        let data =
            jsonwebtoken::decode::<Claims>(token, &self.inner.decoding, &self.inner.validation)
                .map_err(|err| match err.kind() {
                    ErrorKind::ExpiredSignature => Error::TokenExpired,
                    _ => Error::InvalidToken,
                })?;
        let claims = data.claims;
        if claims.iat > now.saturating_add(LEEWAY_SECONDS as i64) {
            return Err(Error::InvalidToken);
        }
        let user_id = Uuid::try_parse(&claims.sub).map_err(|_| Error::InvalidToken)?;
        if user_id.hyphenated().to_string() != claims.sub {
            return Err(Error::InvalidToken);
        }
        let session = match claims.sid.as_deref() {
            None => None,
            Some(sid) => match Uuid::try_parse(sid) {
                Ok(id) if id.hyphenated().to_string() == sid => Some(id),
                _ => return Err(Error::InvalidToken),
            },
        };
        let credential = Credential {
            user_id,
            session,
            issued_at: claims.iat,
            expires_at: claims.exp,
        };
        self.inner.verified.put(token, credential);
        Ok(credential)
    }
}

#[cfg(test)]
mod tests;
