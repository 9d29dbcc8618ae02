//! How the auth request bodies are read: field by field, each checked
//! against the same limits the schema declares and the domain's rules, so
//! that one 422 names every bad field. Log-in and the password checks
//! apply no sign-up rule: any non-empty text up to 1024 characters.
use super::schema::{
    ChangePasswordRequest, DeleteAccountRequest, LogInRequest, RefreshRequest, SignUpRequest,
};
use crate::api::schema::strict::{Fields, FromBody, string, text};
use crate::domain::{Email, Name, Password, Source, storable};

/// The most characters of a credential checked but never set here.
pub const MAX_CREDENTIAL_CHARS: usize = 1024;

fn credential(fields: &mut Fields, name: &str) -> Option<String> {
    fields.required(name, text(1, MAX_CREDENTIAL_CHARS))
}

impl FromBody for SignUpRequest {
    fn read(fields: &mut Fields) -> Option<Self> {
        let email = fields.required("email", text(0, Email::MAX_CHARS));
        let email = email.and_then(|e| fields.check(Email::parse(&e)).map(|_| e));
        let password = fields.required("password", string);
        let password =
            password.and_then(|p| fields.check(Password::parse(p)).map(|p| p.into_inner()));
        let name = fields.optional_or_null("name", text(0, Name::MAX_CHARS));
        let name = name.and_then(|n| fields.check(Name::parse(n.clone())).map(|_| n));
        Some(Self {
            email: email?,
            password: password?,
            name: name?,
        })
    }
}

impl FromBody for LogInRequest {
    fn read(fields: &mut Fields) -> Option<Self> {
        let email = credential(fields, "email");
        let email = email.and_then(|e| fields.check(storable("/email", &e)).map(|()| e));
        let password = credential(fields, "password");
        Some(Self {
            email: email?,
            password: password?,
        })
    }
}

impl FromBody for RefreshRequest {
    fn read(fields: &mut Fields) -> Option<Self> {
        let token = credential(fields, "refresh_token");
        let token = token.and_then(|t| fields.check(storable("/refresh_token", &t)).map(|()| t));
        Some(Self {
            refresh_token: token?,
        })
    }
}

impl FromBody for ChangePasswordRequest {
    fn read(fields: &mut Fields) -> Option<Self> {
        let current_password = credential(fields, "current_password");
        let new_password = fields.required("new_password", string).and_then(|p| {
            let checked = Password::parse(p).map_err(|e| e.at(Source::Body, "/new_password"));
            fields.check(checked).map(Password::into_inner)
        });
        Some(Self {
            current_password: current_password?,
            new_password: new_password?,
        })
    }
}

impl FromBody for DeleteAccountRequest {
    fn read(fields: &mut Fields) -> Option<Self> {
        let password = credential(fields, "password")?;
        Some(Self { password })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::schema::strict::tests::declared;

    #[test]
    fn the_readers_limits_are_the_ones_the_spec_declares() {
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
