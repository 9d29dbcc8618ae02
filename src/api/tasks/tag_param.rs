//! `TagParam`: one value of the list's repeatable `tag` filter. A query
//! parameter's list items take no validator in poem-openapi, so the item
//! type says itself what it accepts: any text without NUL (which no stored
//! tag can hold, and PostgreSQL cannot take as a parameter).
use std::borrow::Cow;

use poem_openapi::registry::{MetaSchema, MetaSchemaRef};
use poem_openapi::types::{ParseError, ParseFromParameter, ParseResult, Type};

use crate::api::schema::rule::NO_NUL;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagParam(pub String);

impl Type for TagParam {
    const IS_REQUIRED: bool = true;
    type RawValueType = Self;
    type RawElementValueType = Self;

    fn name() -> Cow<'static, str> {
        "string_tag".into()
    }

    fn schema_ref() -> MetaSchemaRef {
        MetaSchemaRef::Inline(Box::new(MetaSchema {
            pattern: Some(NO_NUL.to_owned()),
            ..MetaSchema::new("string")
        }))
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

impl ParseFromParameter for TagParam {
    fn parse_from_parameter(value: &str) -> ParseResult<Self> {
        if value.contains('\0') {
            return Err(ParseError::custom("must not contain U+0000 (NUL)"));
        }
        Ok(Self(value.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tag_value_may_be_any_text_but_nul() {
        assert_eq!(
            TagParam::parse_from_parameter(" Home ").unwrap(),
            TagParam(" Home ".into())
        );
        assert!(TagParam::parse_from_parameter("a\0b").is_err());
    }
}
