//! `Text<MAX, P, MIN>`: a string member of a request body whose limits are
//! part of its type. The type writes them into the spec (`maxLength`,
//! `minLength`, `pattern`) from the domain's own constants, so the spec
//! cannot state other limits than the rules; the body reader (`strict`)
//! checks the lengths from the same schema. Parsing accepts any JSON string:
//! the pattern is the spec's spelling of a domain rule, which the domain
//! checks and words itself.
use std::borrow::Cow;
use std::marker::PhantomData;
use std::ops::Deref;

use poem_openapi::registry::{MetaSchema, MetaSchemaRef};
use poem_openapi::types::{ParseError, ParseFromJSON, ParseResult, ToJSON, Type};
use serde_json::Value;

/// No upper bound on the length.
pub const UNBOUNDED: usize = usize::MAX;

/// The regular expression a member's schema declares, if any.
pub trait Pattern {
    const REGEX: Option<&'static str>;
}

/// Any text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AnyText;

/// Text without NUL (`domain::storable`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct NoNul;

/// Text without NUL or bidi controls that is not blank (a title, a tag).
/// The domain's rule (`domain::visible`) refuses more invisible text than the
/// pattern can say.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct NotBlank;

/// What `Email::parse` accepts before trimming.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct EmailShape;

impl Pattern for AnyText {
    const REGEX: Option<&'static str> = None;
}

impl Pattern for NoNul {
    const REGEX: Option<&'static str> = Some(r"^[^\u0000]*$");
}

impl Pattern for NotBlank {
    const REGEX: Option<&'static str> = Some(
        r"^[^\u0000\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]*[^\s\u0000\u00ad\u061c\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff\u0300-\u036f][^\u0000\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]*$",
    );
}

impl Pattern for EmailShape {
    const REGEX: Option<&'static str> = Some(
        r"^[ \t\r\n]*[^@\s\x00-\x1f\x7f-\x9f\u00ad\u061c\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff]+@[^@\s.\x00-\x1f\x7f-\x9f\u00ad\u061c\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff][^@\s\x00-\x1f\x7f-\x9f\u00ad\u061c\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff]*\.[^@\s\x00-\x1f\x7f-\x9f\u00ad\u061c\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff]*[^@\s.\x00-\x1f\x7f-\x9f\u00ad\u061c\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff][ \t\r\n]*$",
    );
}

/// A string of `MIN..=MAX` characters matching `P`, as declared.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Text<const MAX: usize, P = NoNul, const MIN: usize = 0>(String, PhantomData<P>);

impl<const MAX: usize, P, const MIN: usize> Text<MAX, P, MIN> {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

impl<const MAX: usize, P, const MIN: usize> Deref for Text<MAX, P, MIN> {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl<const MAX: usize, P, const MIN: usize> From<&str> for Text<MAX, P, MIN> {
    fn from(text: &str) -> Self {
        Self(text.to_owned(), PhantomData)
    }
}

impl<const MAX: usize, P, const MIN: usize> From<Text<MAX, P, MIN>> for String {
    fn from(text: Text<MAX, P, MIN>) -> Self {
        text.0
    }
}

impl<const MAX: usize, P: Pattern + Send + Sync, const MIN: usize> Type for Text<MAX, P, MIN> {
    const IS_REQUIRED: bool = true;
    type RawValueType = String;
    type RawElementValueType = String;

    fn name() -> Cow<'static, str> {
        "string".into()
    }

    fn schema_ref() -> MetaSchemaRef {
        MetaSchemaRef::Inline(Box::new(MetaSchema {
            max_length: (MAX != UNBOUNDED).then_some(MAX),
            min_length: (MIN > 0).then_some(MIN),
            pattern: P::REGEX.map(str::to_owned),
            ..MetaSchema::new("string")
        }))
    }

    fn as_raw_value(&self) -> Option<&String> {
        Some(&self.0)
    }

    fn raw_element_iter<'a>(&'a self) -> Box<dyn Iterator<Item = &'a String> + 'a> {
        Box::new(std::iter::once(&self.0))
    }
}

impl<const MAX: usize, P: Pattern + Send + Sync, const MIN: usize> ParseFromJSON
    for Text<MAX, P, MIN>
{
    fn parse_from_json(value: Option<Value>) -> ParseResult<Self> {
        match value {
            Some(Value::String(text)) => Ok(Self(text, PhantomData)),
            other => Err(ParseError::expected_type(other.unwrap_or_default())),
        }
    }
}

impl<const MAX: usize, P: Pattern + Send + Sync, const MIN: usize> ToJSON for Text<MAX, P, MIN> {
    fn to_json(&self) -> Option<Value> {
        Some(Value::String(self.0.clone()))
    }
}

#[cfg(test)]
mod tests {
    use poem_openapi::validation::{Pattern as Regex, Validator};

    use super::*;
    use crate::domain::{Email, Title, storable};

    fn matches<P: Pattern>(text: &str) -> bool {
        let regex = P::REGEX.expect("a pattern");
        Regex::new(regex).check(&text)
    }

    /// Each pattern says in the spec what the domain rule it stands for
    /// accepts: the samples the rule accepts match, the others do not.
    #[test]
    fn each_pattern_accepts_what_its_domain_rule_accepts() {
        for text in ["", "tab\tand é", "a\0b", "\0"] {
            assert_eq!(
                matches::<NoNul>(text),
                storable("", text).is_ok(),
                "{text:?}"
            );
        }
        for text in [
            "",
            "  ",
            "\t",
            " a ",
            "a\0",
            "ok",
            "ü",
            "\u{200b}",
            "\u{feff}",
            "\u{301}",
            "a\u{202e}b",
        ] {
            assert_eq!(
                matches::<NotBlank>(text),
                Title::parse(text).is_ok(),
                "{text:?}"
            );
        }
        for text in [
            "ada@example.com",
            " ada@example.com\n",
            "nope",
            "a@b",
            "a@.b.c",
            "a@b.c.",
            "a b@c.d",
            "a@b@c.d",
            "a\u{7}@b.c",
            "a\u{200b}@b.c",
            "a@b\u{202e}.c",
        ] {
            let parsed = Email::parse(text).is_ok();
            assert_eq!(matches::<EmailShape>(text), parsed, "{text:?}");
        }
    }

    #[test]
    fn the_limits_are_declared_from_the_type() {
        let MetaSchemaRef::Inline(schema) = <Text<200, NotBlank, 1>>::schema_ref() else {
            panic!("an inline schema")
        };
        assert_eq!(
            (schema.ty, schema.max_length, schema.min_length),
            ("string", Some(200), Some(1))
        );
        let MetaSchemaRef::Inline(open) = <Text<UNBOUNDED, AnyText>>::schema_ref() else {
            panic!("an inline schema")
        };
        assert_eq!(
            (open.max_length, open.min_length, open.pattern),
            (None, None, None)
        );
    }
}
