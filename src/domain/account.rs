use chrono::{DateTime, Utc};
use unicode_normalization::UnicodeNormalization;
use uuid::Uuid;

use super::error::{Error, FieldError, Violation, invalid};
use super::text::{at_most, is_format, storable, visible};

/// A user account as the rules see it (never its password hash).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub id: Uuid,
    /// Normalised (`Email::normalise`).
    pub email: String,
    pub name: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// A trimmed, normalised address (`Email::normalise`) that looks like an
/// email, without control or format characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub const MAX_CHARS: usize = 254;

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let email = Self::lookup(raw)?;
        at_most("/email", &email, Self::MAX_CHARS)?;
        let fail = || {
            Err(FieldError::new(
                "/email",
                Violation::InvalidFormat,
                "must be a valid email address",
            ))
        };
        let Some((local, domain)) = email.split_once('@') else {
            return fail();
        };
        let plausible = !local.is_empty()
            && !domain.contains('@')
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !email
                .chars()
                .any(|c| c.is_whitespace() || c.is_control() || is_format(c));
        if !plausible {
            return fail();
        }
        Ok(Self(email))
    }

    /// The form an address is stored and looked up in: NFKC, lower-cased,
    /// then NFC. NFKC makes the compatibility spellings of one address
    /// (fullwidth `ａｄａ＠ｅｘａｍｐｌｅ.ｃｏｍ`) and the canonically equivalent
    /// ones (`café` precomposed, `cafe` + U+0301) one account; NFC again
    /// after lower-casing, whose output need not be composed. Only the blanks
    /// the spec's pattern allows around an address are trimmed: any other
    /// space makes it implausible.
    pub fn normalise(raw: &str) -> String {
        let folded: String = raw.trim_matches([' ', '\t', '\r', '\n']).nfkc().collect();
        folded.to_lowercase().nfc().collect()
    }

    /// An address as typed at log-in, normalised for the lookup. No sign-up
    /// rule applies (an implausible address simply matches no account); only
    /// text no database can store is refused, before it reaches a query.
    pub fn lookup(raw: &str) -> Result<String, FieldError> {
        storable("/email", raw)?;
        Ok(Self::normalise(raw))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A password that bcrypt can hash without truncating it: 8..=72 bytes.
pub struct Password(String);

impl Password {
    pub const MIN_BYTES: usize = 8;
    pub const MAX_BYTES: usize = 72;

    pub fn parse(raw: String) -> Result<Self, FieldError> {
        // Never stored, but other bcrypt implementations end a password at
        // its first NUL: one that holds one is refused when it is set.
        storable("/password", &raw)?;
        let (code, message) = match raw.len() {
            n if n < Self::MIN_BYTES => (Violation::TooShort, "must be at least 8 bytes"),
            n if n > Self::MAX_BYTES => (Violation::TooLong, "must be at most 72 bytes"),
            _ => return Ok(Self(raw)),
        };
        Err(FieldError::new("/password", code, message))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn into_inner(self) -> String {
        self.0
    }

    /// Whether `raw` could be an account's password. One over 72 bytes
    /// never is: it could not be set, and bcrypt would compare only its
    /// first 72 bytes, so such a check fails without any bcrypt work.
    pub fn could_match(raw: &str) -> bool {
        raw.len() <= Self::MAX_BYTES
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(***)")
    }
}

/// An optional display name: trimmed, at most 100 characters; blank is none.
pub struct Name;

impl Name {
    pub const MAX_CHARS: usize = 100;

    pub fn parse(raw: Option<String>) -> Result<Option<String>, FieldError> {
        let Some(name) = raw.map(|n| n.trim().to_owned()).filter(|n| !n.is_empty()) else {
            return Ok(None);
        };
        at_most("/name", &name, Self::MAX_CHARS)?;
        storable("/name", &name)?;
        visible("/name", &name)?;
        Ok(Some(name))
    }
}

/// A valid sign-up.
#[derive(Debug)]
pub struct NewAccount {
    pub email: Email,
    pub password: Password,
    pub name: Option<String>,
}

impl NewAccount {
    /// Checks every field, reporting all failures at once.
    pub fn parse(email: &str, password: String, name: Option<String>) -> Result<Self, Error> {
        match (
            Email::parse(email),
            Password::parse(password),
            Name::parse(name),
        ) {
            (Ok(email), Ok(password), Ok(name)) => Ok(Self {
                email,
                password,
                name,
            }),
            (email, password, name) => Err(invalid([
                email.err().into_iter().collect(),
                password.err().into_iter().collect(),
                name.err().into_iter().collect(),
            ])),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_trimmed_and_lower_cased() {
        let email = Email::parse("  Ada.Lovelace@Example.COM ").unwrap();
        assert_eq!(email.as_str(), "ada.lovelace@example.com");
    }

    #[test]
    fn canonically_equivalent_emails_are_one_address() {
        let composed = Email::parse("caf\u{e9}@example.com").unwrap();
        let decomposed = Email::parse("CAFE\u{301}@example.com").unwrap();
        assert_eq!(composed, decomposed);
        assert_eq!(composed.as_str(), "caf\u{e9}@example.com");
        assert_eq!(
            Email::lookup("cafe\u{301}@example.com").unwrap(),
            composed.as_str()
        );
    }

    #[test]
    fn nul_is_refused_in_every_account_field() {
        let email = Email::lookup("a\0@example.com").unwrap_err();
        assert_eq!(email.field, "/email");
        assert!(Email::parse("a\0@example.com").is_err());
        assert_eq!(
            Password::parse("pass\0word".into()).unwrap_err().field,
            "/password"
        );
        assert_eq!(Name::parse(Some("A\0".into())).unwrap_err().field, "/name");
    }

    #[test]
    fn only_passwords_bcrypt_reads_whole_can_match() {
        assert!(Password::could_match(&"a".repeat(72)));
        assert!(!Password::could_match(&"a".repeat(73)));
        assert!(!Password::could_match(&"€".repeat(25)));
    }

    #[test]
    fn implausible_emails_are_refused() {
        for raw in [
            "",
            "ada",
            "@example.com",
            "ada@",
            "ada@example",
            "a b@example.com",
            "a@b@c.com",
            "\u{2003}ada@example.com",
        ] {
            assert!(Email::parse(raw).is_err(), "{raw:?} was accepted");
        }
    }

    #[test]
    fn emails_are_limited_to_254_characters() {
        let at_limit = format!("{}@example.com", "a".repeat(254 - 12));
        assert!(Email::parse(&at_limit).is_ok());
        let past = format!("{}@example.com", "a".repeat(255 - 12));
        assert!(Email::parse(&past).is_err());
    }

    #[test]
    fn passwords_are_limited_in_bytes_not_characters() {
        assert!(Password::parse("a".repeat(8)).is_ok());
        assert!(Password::parse("a".repeat(7)).is_err());
        assert!(Password::parse("a".repeat(72)).is_ok());
        assert!(Password::parse("a".repeat(73)).is_err());
        // 24 three-byte characters are 72 bytes; 25 are 75.
        assert!(Password::parse("€".repeat(24)).is_ok());
        assert!(Password::parse("€".repeat(25)).is_err());
        // Four two-byte characters are 8 bytes: long enough.
        assert!(Password::parse("éééé".into()).is_ok());
        let short = Password::parse("ééé".into()).unwrap_err();
        assert_eq!(
            (short.code, short.message.as_str()),
            (Violation::TooShort, "must be at least 8 bytes")
        );
    }

    #[test]
    fn names_are_optional_trimmed_and_bounded() {
        assert_eq!(Name::parse(None).unwrap(), None);
        assert_eq!(Name::parse(Some("  ".into())).unwrap(), None);
        assert_eq!(
            Name::parse(Some(" Ada ".into())).unwrap(),
            Some("Ada".into())
        );
        assert!(Name::parse(Some("é".repeat(100))).is_ok());
        assert!(Name::parse(Some("é".repeat(101))).is_err());
    }
}
