use std::sync::Arc;

use crate::error::{Error, Result};

/// bcrypt hashing and verification on tokio's blocking pool: a hash at cost
/// 12 takes ~250 ms of CPU, which would stall every request sharing an async
/// worker with it.
#[derive(Clone)]
pub struct PasswordHasher {
    cost: u32,
    /// A hash of a random password at the configured cost. Logins for an
    /// unknown email verify against it so they take as long as real ones.
    dummy_hash: Arc<str>,
}

impl PasswordHasher {
    pub async fn new(cost: u32) -> Result<Self> {
        let secret: [u8; 32] = rand::random();
        let dummy_hash = blocking(move || bcrypt::hash(secret, cost)).await??;
        Ok(Self {
            cost,
            dummy_hash: dummy_hash.into(),
        })
    }

    pub async fn hash(&self, password: &str) -> Result<String> {
        let (password, cost) = (password.to_owned(), self.cost);
        Ok(blocking(move || bcrypt::hash(password, cost)).await??)
    }

    /// Verifies against `hash`, or against the dummy hash when there is no
    /// account, so both paths pay the same bcrypt cost. A malformed hash or
    /// an over-long password simply does not match.
    pub async fn verify(&self, password: &str, hash: Option<&str>) -> Result<bool> {
        let matched_account = hash.is_some();
        let hash = hash.map_or_else(|| self.dummy_hash.to_string(), str::to_owned);
        let password = password.to_owned();
        let ok = blocking(move || bcrypt::verify(password, &hash).unwrap_or(false)).await?;
        Ok(ok && matched_account)
    }
}

async fn blocking<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> Result<T> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|err| Error::Internal(format!("password hashing task failed: {err}")))
}

impl From<bcrypt::BcryptError> for Error {
    fn from(err: bcrypt::BcryptError) -> Self {
        Error::Internal(format!("bcrypt: {err}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_hash_verifies_only_its_own_password() {
        let hasher = PasswordHasher::new(4).await.unwrap();
        let hash = hasher.hash("correct horse").await.unwrap();
        assert!(hasher.verify("correct horse", Some(&hash)).await.unwrap());
        assert!(!hasher.verify("wrong horse", Some(&hash)).await.unwrap());
    }

    #[tokio::test]
    async fn an_unknown_account_never_verifies() {
        let hasher = PasswordHasher::new(4).await.unwrap();
        assert!(!hasher.verify("anything at all", None).await.unwrap());
    }
}
