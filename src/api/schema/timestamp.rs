//! `Timestamp`: an RFC 3339 date-time that is always written in UTC with a
//! `Z` suffix (`2026-11-24T17:00:00Z`), and read with any offset.
use std::borrow::Cow;

use chrono::{DateTime, SecondsFormat, Utc};
use poem_openapi::registry::{MetaSchema, MetaSchemaRef};
use poem_openapi::types::{
    ParseError, ParseFromJSON, ParseFromParameter, ParseResult, ToJSON, Type,
};
use serde_json::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Timestamp(pub DateTime<Utc>);

impl From<DateTime<Utc>> for Timestamp {
    fn from(value: DateTime<Utc>) -> Self {
        Self(value)
    }
}

impl Timestamp {
    /// Reads an RFC 3339 date-time with any offset.
    pub(crate) fn parse(value: &str) -> ParseResult<Self> {
        DateTime::parse_from_rfc3339(value)
            .map(|dt| Self(dt.with_timezone(&Utc)))
            .map_err(|_| {
                ParseError::custom("expected an RFC 3339 date-time such as 2026-11-24T17:00:00Z")
            })
    }
}

impl Type for Timestamp {
    const IS_REQUIRED: bool = true;
    type RawValueType = Self;
    type RawElementValueType = Self;

    fn name() -> Cow<'static, str> {
        "string_date-time".into()
    }

    fn schema_ref() -> MetaSchemaRef {
        MetaSchemaRef::Inline(Box::new(MetaSchema::new_with_format("string", "date-time")))
    }

    fn as_raw_value(&self) -> Option<&Self::RawValueType> {
        Some(self)
    }

    fn raw_element_iter<'a>(
        &'a self,
    ) -> Box<dyn Iterator<Item = &'a Self::RawElementValueType> + 'a> {
        Box::new(self.as_raw_value().into_iter())
    }
}

impl ParseFromJSON for Timestamp {
    fn parse_from_json(value: Option<Value>) -> ParseResult<Self> {
        match value.unwrap_or_default() {
            Value::String(value) => Self::parse(&value),
            other => Err(ParseError::expected_type(other)),
        }
    }
}

impl ParseFromParameter for Timestamp {
    fn parse_from_parameter(value: &str) -> ParseResult<Self> {
        Self::parse(value)
    }
}

impl Timestamp {
    /// The form the spec gives: RFC 3339, UTC as `Z`.
    fn text(&self) -> String {
        self.0.to_rfc3339_opts(SecondsFormat::AutoSi, true)
    }
}

impl ToJSON for Timestamp {
    fn to_json(&self) -> Option<Value> {
        Some(Value::String(self.text()))
    }
}

/// Written straight through serde (`schema::Serde`), in the same form.
impl serde::Serialize for Timestamp {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.text())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn written_in_utc_with_z() {
        let ts = Timestamp::parse("2026-11-24T19:00:00+02:00").unwrap();
        assert_eq!(ts.to_json().unwrap(), "2026-11-24T17:00:00Z");
    }

    #[test]
    fn anything_but_rfc_3339_is_refused() {
        for bad in ["tomorrow", "2026-11-24", "2026-11-24 17:00:00"] {
            assert!(Timestamp::parse(bad).is_err(), "{bad} was accepted");
        }
    }
}
