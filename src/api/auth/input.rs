//! The domain's rules for the auth request bodies; the schemas
//! (`schema`) are read strictly first (`schema::strict`). Log-in and the
//! password checks apply no sign-up rule: any non-empty text up to 1024
//! characters.
use super::schema::{
    ChangePasswordRequest, DeleteAccountRequest, LogInRequest, RefreshRequest, SignUpRequest,
};
use crate::api::schema::strict::{FromBody, Read};
use crate::domain::{Error, FieldError, NewAccount, Password, Source, Violation, storable};

impl FromBody for SignUpRequest {
    type Valid = NewAccount;
    const MEASURED_IN_BYTES: &'static [&'static str] = &["password"];

    fn validate(&self) -> Read<NewAccount> {
        let name = self.name.clone().map(String::from);
        let parsed = NewAccount::parse(&self.email, self.password.to_string(), name);
        parsed.map_err(|err| match err {
            Error::Validation(failures) => failures,
            // `NewAccount::parse` fails with nothing else; said plainly if it does.
            other => vec![FieldError::new(
                "",
                Violation::InvalidFormat,
                other.to_string(),
            )],
        })
    }
}

impl FromBody for LogInRequest {
    type Valid = Self;

    fn validate(&self) -> Read<Self> {
        storable("/email", &self.email).map_err(|failure| vec![failure])?;
        Ok(self.clone())
    }
}

impl FromBody for RefreshRequest {
    type Valid = Self;

    fn validate(&self) -> Read<Self> {
        storable("/refresh_token", &self.refresh_token).map_err(|failure| vec![failure])?;
        Ok(self.clone())
    }
}

impl FromBody for ChangePasswordRequest {
    type Valid = Self;
    const MEASURED_IN_BYTES: &'static [&'static str] = &["new_password"];

    fn validate(&self) -> Read<Self> {
        Password::parse(self.new_password.to_string())
            .map_err(|err| vec![err.at(Source::Body, "/new_password")])?;
        Ok(self.clone())
    }
}

impl FromBody for DeleteAccountRequest {
    type Valid = Self;

    fn validate(&self) -> Read<Self> {
        Ok(self.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::auth::schema::MAX_CREDENTIAL_CHARS;
    use crate::api::schema::strict::tests::declared;
    use crate::domain::{Email, Name};

    #[test]
    fn the_declared_limits_are_the_domains() {
        assert_eq!(
            declared::<SignUpRequest>("email").max_length,
            Some(Email::MAX_CHARS)
        );
        assert_eq!(
            declared::<SignUpRequest>("name").max_length,
            Some(Name::MAX_CHARS)
        );
        // Bytes cannot be declared: the spec says only what never admits a
        // password the server refuses (8 characters are at least 8 bytes;
        // any number of characters may be over 72 bytes).
        for password in [
            declared::<SignUpRequest>("password"),
            declared::<ChangePasswordRequest>("new_password"),
        ] {
            assert_eq!(password.min_length, Some(Password::MIN_BYTES));
            assert_eq!(password.max_length, None);
        }
        for credential in [
            declared::<LogInRequest>("email"),
            declared::<LogInRequest>("password"),
            declared::<RefreshRequest>("refresh_token"),
            declared::<ChangePasswordRequest>("current_password"),
            declared::<DeleteAccountRequest>("password"),
        ] {
            assert_eq!(credential.min_length, Some(1));
            assert_eq!(credential.max_length, Some(MAX_CREDENTIAL_CHARS));
        }
    }
}
