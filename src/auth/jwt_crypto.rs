//! The cryptography jsonwebtoken signs and checks tokens with: HMAC alone.
//!
//! Access tokens are HS256 and nothing else is accepted, so the crate is
//! built without its RustCrypto backend, which brings RSA, ECDSA and EdDSA
//! code this server never runs (the `rsa` crate's RUSTSEC-2023-0071 among
//! it), and is given this provider instead: jsonwebtoken's own extension
//! point, on RustCrypto's `hmac` and `sha2`. HS384 and HS512 are there so
//! that a token signed with them can still be read and refused for its
//! algorithm (the validation names HS256 alone); any other algorithm is an
//! error.
use std::sync::Once;

use hmac::{Hmac, Mac};
use jsonwebtoken::Algorithm;
use jsonwebtoken::crypto::{CryptoProvider, JwtSigner, JwtVerifier, KeyUtils};
use jsonwebtoken::errors::{ErrorKind, Result};
use jsonwebtoken::signature::{self, Signer, Verifier};
use sha2::{Sha256, Sha384, Sha512};

static PROVIDER: CryptoProvider = CryptoProvider {
    signer_factory: |algorithm, key| Ok(Box::new(Keyed::new(*algorithm, key.as_bytes())?)),
    verifier_factory: |algorithm, key| {
        Ok(Box::new(Keyed::new(*algorithm, key.try_get_as_bytes()?)?))
    },
    key_utils: KeyUtils::new_unimplemented(),
};

/// Makes this provider the process's, once, before any token is handled.
pub fn install() {
    static INSTALLED: Once = Once::new();
    // Another caller may have installed it first; it is the same one.
    INSTALLED.call_once(|| {
        let _ = PROVIDER.install_default();
    });
}

/// An HMAC key for one of the HS algorithms.
enum Keyed {
    Hs256(Hmac<Sha256>),
    Hs384(Hmac<Sha384>),
    Hs512(Hmac<Sha512>),
}

impl Keyed {
    fn new(algorithm: Algorithm, key: &[u8]) -> Result<Self> {
        let invalid = |_| ErrorKind::InvalidKeyFormat;
        Ok(match algorithm {
            Algorithm::HS256 => Self::Hs256(Hmac::new_from_slice(key).map_err(invalid)?),
            Algorithm::HS384 => Self::Hs384(Hmac::new_from_slice(key).map_err(invalid)?),
            Algorithm::HS512 => Self::Hs512(Hmac::new_from_slice(key).map_err(invalid)?),
            _ => return Err(ErrorKind::InvalidAlgorithm.into()),
        })
    }

    fn algorithm(&self) -> Algorithm {
        match self {
            Self::Hs256(_) => Algorithm::HS256,
            Self::Hs384(_) => Algorithm::HS384,
            Self::Hs512(_) => Algorithm::HS512,
        }
    }
}

impl Signer<Vec<u8>> for Keyed {
    fn try_sign(&self, message: &[u8]) -> std::result::Result<Vec<u8>, signature::Error> {
        Ok(match self {
            Self::Hs256(mac) => mac
                .clone()
                .chain_update(message)
                .finalize()
                .into_bytes()
                .to_vec(),
            Self::Hs384(mac) => mac
                .clone()
                .chain_update(message)
                .finalize()
                .into_bytes()
                .to_vec(),
            Self::Hs512(mac) => mac
                .clone()
                .chain_update(message)
                .finalize()
                .into_bytes()
                .to_vec(),
        })
    }
}

impl Verifier<Vec<u8>> for Keyed {
    fn verify(&self, message: &[u8], tag: &Vec<u8>) -> std::result::Result<(), signature::Error> {
        // `verify_slice` compares in constant time.
        let checked = match self {
            Self::Hs256(mac) => mac.clone().chain_update(message).verify_slice(tag),
            Self::Hs384(mac) => mac.clone().chain_update(message).verify_slice(tag),
            Self::Hs512(mac) => mac.clone().chain_update(message).verify_slice(tag),
        };
        checked.map_err(signature::Error::from_source)
    }
}

impl JwtSigner for Keyed {
    fn algorithm(&self) -> Algorithm {
        Keyed::algorithm(self)
    }
}

impl JwtVerifier for Keyed {
    fn algorithm(&self) -> Algorithm {
        Keyed::algorithm(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hs256_signs_as_the_rfc_4231_test_vector_says() {
        // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
        let mac = Keyed::new(Algorithm::HS256, b"Jefe").unwrap();
        let tag = mac.try_sign(b"what do ya want for nothing?").unwrap();
        let hex: String = tag.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(
            hex,
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        assert!(mac.verify(b"what do ya want for nothing?", &tag).is_ok());
        assert!(mac.verify(b"what do ya want for something?", &tag).is_err());
    }

    #[test]
    fn asymmetric_algorithms_are_not_provided() {
        assert!(Keyed::new(Algorithm::RS256, b"key").is_err());
        assert!(Keyed::new(Algorithm::ES256, b"key").is_err());
    }
}
