//! What `TokenService::verify` refuses, and why.
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
fn a_token_from_the_future_is_rejected() {
    let svc = service();
    let now = Utc::now().timestamp();
    let signed = |overrides| sign(&claims(overrides), Algorithm::HS256, SECRET);
    for overrides in [
        serde_json::json!({"nbf": now + 60}),
        serde_json::json!({"iat": now + 60}),
    ] {
        let token = signed(overrides.clone());
        assert!(
            matches!(svc.verify(&token), Err(Error::InvalidToken)),
            "{overrides} was accepted"
        );
    }
    // Within the leeway, and in the past, both are fine.
    assert!(
        svc.verify(&signed(serde_json::json!({"nbf": now + 2})))
            .is_ok()
    );
    assert!(
        svc.verify(&signed(serde_json::json!({"iat": now + 2})))
            .is_ok()
    );
    assert!(
        svc.verify(&signed(serde_json::json!({"nbf": now - 60})))
            .is_ok()
    );
}

#[test]
fn only_the_canonical_spelling_of_sub_is_accepted() {
    let svc = service();
    let user = Uuid::now_v7();
    let signed = |sub: String| {
        let claims = claims(serde_json::json!({ "sub": sub }));
        sign(&claims, Algorithm::HS256, SECRET)
    };
    assert_eq!(svc.verify(&signed(user.to_string())).unwrap(), user);
    for sub in [
        user.to_string().to_uppercase(),
        user.simple().to_string(),
        user.braced().to_string(),
        user.urn().to_string(),
        format!(" {user}"),
    ] {
        assert!(
            matches!(svc.verify(&signed(sub.clone())), Err(Error::InvalidToken)),
            "{sub} was accepted"
        );
    }
}

#[test]
fn an_unsigned_alg_none_token_is_rejected() {
    use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
    let payload = URL_SAFE_NO_PAD.encode(claims(serde_json::json!({})).to_string());
    let token = format!("{header}.{payload}.");
    assert!(matches!(service().verify(&token), Err(Error::InvalidToken)));
}

#[test]
fn a_token_verified_before_still_expires_and_its_forgeries_still_fail() {
    let svc = service();
    let now = Utc::now().timestamp();
    // Within the leeway for about one more second.
    let edge = now - LEEWAY_SECONDS as i64 + 1;
    let token = sign(
        &claims(serde_json::json!({"exp": edge, "iat": edge - 60})),
        Algorithm::HS256,
        SECRET,
    );
    assert!(svc.verify(&token).is_ok());
    let mut forged = token.clone();
    let last = forged.pop().unwrap();
    forged.push(if last == 'A' { 'B' } else { 'A' });
    assert!(matches!(svc.verify(&forged), Err(Error::InvalidToken)));
    assert!(svc.verify(&token).is_ok(), "verified again from memory");
    std::thread::sleep(std::time::Duration::from_millis(2100));
    assert!(matches!(svc.verify(&token), Err(Error::TokenExpired)));
    assert!(matches!(svc.verify(&token), Err(Error::TokenExpired)));
}

#[test]
fn a_session_token_names_its_session_and_a_bad_sid_is_refused() {
    let (user, session) = (Uuid::now_v7(), Uuid::now_v7());
    let token = service().issue_in(user, session).unwrap();
    let credential = service().credential(&token.access_token).unwrap();
    assert_eq!(
        (credential.user_id, credential.session),
        (user, Some(session))
    );
    assert_eq!(credential.expires_at - credential.issued_at, 900);
    let plain = service().issue(user).unwrap();
    assert_eq!(
        service().credential(&plain.access_token).unwrap().session,
        None
    );
    let upper = session.hyphenated().to_string().to_uppercase();
    for sid in ["nonsense", upper.as_str()] {
        let forged = sign(
            &claims(serde_json::json!({"sid": sid})),
            Algorithm::HS256,
            SECRET,
        );
        assert!(service().credential(&forged).is_err(), "{sid}");
    }
}
