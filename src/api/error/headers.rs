//! The headers a problem is answered with beside its body, decided from its
//! code alone (and, for a rate limit, the wait it names): the same rules
//! give every live answer its headers, whoever raised it (a domain error, a
//! middleware refusal, poem's own error), and the spec its declarations.
use super::kind::{ApiError, ErrorCode};
use crate::domain::Error;

impl ErrorCode {
    /// Whether a problem with this code says when to retry: every 429 and
    /// 503 does.
    pub fn retries(self) -> bool {
        matches!(self.status(), 429 | 503)
    }

    /// Whether a problem with this code challenges the client for a bearer
    /// token: every 401 does.
    pub fn challenges(self) -> bool {
        self.status() == 401
    }
}

/// The `Retry-After` seconds of `err`, when its code retries.
pub fn retry_after(err: &ApiError) -> Option<u64> {
    let code = err.code();
    code.retries().then(|| match err {
        ApiError::Domain(Error::RateLimited { retry_after }) => *retry_after,
        // A stream is closed by its client, rarely within a second.
        _ if code == ErrorCode::TooManyStreams => 5,
        _ => 1,
    })
}

/// The `WWW-Authenticate` challenge of `err`, when its code challenges
/// (RFC 6750 §3: a token that was sent and refused is `invalid_token`).
pub fn www_authenticate(err: &ApiError) -> Option<&'static str> {
    let code = err.code();
    code.challenges().then_some(match code {
        ErrorCode::InvalidToken => r#"Bearer error="invalid_token""#,
        ErrorCode::TokenExpired => r#"Bearer error="invalid_token", error_description="expired""#,
        _ => "Bearer",
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::error::problem::tests::every_code;

    #[test]
    fn every_401_challenges_and_every_429_and_503_says_when_to_retry() {
        for (code, err) in every_code() {
            let status = err.status();
            assert_eq!(status, code.status(), "{code:?}");
            let challenge = www_authenticate(&err);
            assert_eq!(challenge.is_some(), status == 401, "{code:?}");
            assert!(challenge.is_none_or(|c| c.starts_with("Bearer")));
            assert_eq!(
                retry_after(&err).is_some(),
                matches!(status, 429 | 503),
                "{code:?}"
            );
        }
        let limited = ApiError::from(Error::RateLimited { retry_after: 42 });
        assert_eq!(retry_after(&limited), Some(42));
        assert_eq!(retry_after(&Error::TooManyStreams.into()), Some(5));
        assert_eq!(
            www_authenticate(&Error::InvalidTicket.into()),
            Some(r#"Bearer error="invalid_token""#)
        );
    }
}
