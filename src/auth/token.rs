use std::sync::Arc;

use chrono::Utc;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, errors::ErrorKind};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::domain::{Error, Result};

/// Seconds of clock skew tolerated on `exp`.
const LEEWAY_SECONDS: u64 = 5;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Claims {
    pub sub: String,
    pub iat: i64,
    pub exp: i64,
    pub iss: String,
    pub aud: String,
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
        Self {
            inner: Arc::new(Inner {
                encoding: EncodingKey::from_secret(secret),
                decoding: DecodingKey::from_secret(secret),
                validation,
                issuer: issuer.to_owned(),
                audience: audience.to_owned(),
                ttl_seconds,
            }),
        }
    }

    pub fn issue(&self, user_id: Uuid) -> Result<IssuedToken> {
        let now = Utc::now().timestamp();
        let claims = Claims {
            sub: user_id.to_string(),
            iat: now,
            exp: now + self.inner.ttl_seconds as i64,
            iss: self.inner.issuer.clone(),
            aud: self.inner.audience.clone(),
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

    /// The user id a valid token was issued to.
    pub fn verify(&self, token: &str) -> Result<Uuid> {
        let data =
            jsonwebtoken::decode::<Claims>(token, &self.inner.decoding, &self.inner.validation)
                .map_err(|err| match err.kind() {
                    ErrorKind::ExpiredSignature => Error::TokenExpired,
                    _ => Error::InvalidToken,
                })?;
        Uuid::parse_str(&data.claims.sub).map_err(|_| Error::InvalidToken)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef";

    fn service() -> TokenService {
        TokenService::new(SECRET, "tasks-api", "tasks-api", 900)
    }

    fn sign(claims: &serde_json::Value, alg: Algorithm, secret: &[u8]) -> String {
        crate::auth::install_jwt_crypto();
        jsonwebtoken::encode(&Header::new(alg), claims, &EncodingKey::from_secret(secret)).unwrap()
    }

    fn claims(overrides: serde_json::Value) -> serde_json::Value {
        let now = Utc::now().timestamp();
        let mut base = serde_json::json!({
            "sub": Uuid::now_v7().to_string(), "iat": now, "exp": now + 60,
            "iss": "tasks-api", "aud": "tasks-api"
        });
        for (k, v) in overrides.as_object().unwrap() {
            if v.is_null() {
                base.as_object_mut().unwrap().remove(k);
            } else {
                base[k] = v.clone();
            }
        }
        base
    }

    #[test]
    fn an_issued_token_verifies_to_its_user() {
        let user = Uuid::now_v7();
        let token = service().issue(user).unwrap();
        assert_eq!(service().verify(&token.access_token).unwrap(), user);
        assert_eq!(token.expires_in, 900);
    }

    #[test]
    fn tokens_are_rejected_for_each_contract_reason() {
        let svc = service();
        let past = Utc::now().timestamp() - 3600;
        let cases = [
            (
                "bad signature",
                sign(
                    &claims(serde_json::json!({})),
                    Algorithm::HS256,
                    b"another-secret-another-secret-xx",
                ),
            ),
            (
                "other alg",
                sign(&claims(serde_json::json!({})), Algorithm::HS384, SECRET),
            ),
            (
                "wrong iss",
                sign(
                    &claims(serde_json::json!({"iss": "x"})),
                    Algorithm::HS256,
                    SECRET,
                ),
            ),
            (
                "wrong aud",
                sign(
                    &claims(serde_json::json!({"aud": "x"})),
                    Algorithm::HS256,
                    SECRET,
                ),
            ),
            (
                "missing sub",
                sign(
                    &claims(serde_json::json!({"sub": null})),
                    Algorithm::HS256,
                    SECRET,
                ),
            ),
            (
                "sub not a uuid",
                sign(
                    &claims(serde_json::json!({"sub": "42"})),
                    Algorithm::HS256,
                    SECRET,
                ),
            ),
        ];
        for (why, token) in cases {
            assert!(
                matches!(svc.verify(&token), Err(Error::InvalidToken)),
                "{why} was accepted"
            );
        }
        let expired = sign(
            &claims(serde_json::json!({"exp": past, "iat": past - 60})),
            Algorithm::HS256,
            SECRET,
        );
        assert!(matches!(svc.verify(&expired), Err(Error::TokenExpired)));
    }

    #[test]
    fn an_unsigned_alg_none_token_is_rejected() {
        use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
        let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
        let payload = URL_SAFE_NO_PAD.encode(claims(serde_json::json!({})).to_string());
        let token = format!("{header}.{payload}.");
        assert!(matches!(service().verify(&token), Err(Error::InvalidToken)));
    }
}
