//! The validated fields of a task: each can only be built by checking it.
use std::collections::HashSet;

use super::kinds::normalise_tag;
use crate::domain::error::{FieldError, Violation};
use crate::domain::text::{at_most, storable, visible};

/// A title: trimmed, 1 to 200 characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Title(String);

impl Title {
    pub const MAX_CHARS: usize = 200;

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let title = raw.trim();
        storable("/title", title)?;
        if title.is_empty() {
            return Err(FieldError::new(
                "/title",
                Violation::TooShort,
                "must not be empty",
            ));
        }
        at_most("/title", title, Self::MAX_CHARS)?;
        visible("/title", title)?;
        Ok(Self(title.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

/// Free text of at most `MAX` characters, kept as sent (a description,
/// notes): the rule of every plain text field, each its own alias.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PlainText<const MAX: usize>(String);

/// A description: at most 2000 characters.
pub type Description = PlainText<2000>;

impl<const MAX: usize> PlainText<MAX> {
    pub const MAX_CHARS: usize = MAX;

    /// `raw`, unless it is too long or holds text no database can store;
    /// failures name `pointer`.
    pub fn parse(pointer: &str, raw: String) -> Result<Self, FieldError> {
        at_most(pointer, &raw, MAX)?;
        storable(pointer, &raw)?;
        visible(pointer, &raw)?;
        Ok(Self(raw))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

/// Normalised tags without duplicates: at most 20, each 1 to 50 characters.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Tags(Vec<String>);

impl Tags {
    pub const MAX_TAGS: usize = 20;
    pub const MAX_CHARS: usize = 50;
    /// The most values a request may send, duplicates included: room for
    /// the same tag spelled a few ways, and a bound on the work.
    pub const MAX_RAW: usize = 100;

    /// One tag, normalised; failures name it as `/tags/{index}`.
    pub fn parse_one(index: usize, raw: &str) -> Result<String, FieldError> {
        let tag = normalise_tag(raw);
        let pointer = format!("/tags/{index}");
        storable(&pointer, &tag)?;
        if tag.is_empty() {
            return Err(FieldError::new(
                pointer,
                Violation::TooShort,
                "must not be empty",
            ));
        }
        at_most(&pointer, &tag, Self::MAX_CHARS)?;
        visible(&pointer, &tag)?;
        Ok(tag)
    }

    /// Normalises each tag, merges duplicates (keeping first-seen order) and
    /// enforces the limits, reporting every bad tag, in time linear in the
    /// input: more than `MAX_RAW` values are refused before any is looked
    /// at, and duplicates are found with a set.
    pub fn parse(raw: Vec<String>) -> Result<Self, Vec<FieldError>> {
        if raw.len() > Self::MAX_RAW {
            return Err(vec![Self::too_long("must hold at most 100 values")]);
        }
        let mut tags: Vec<String> = Vec::with_capacity(Self::MAX_TAGS);
        let mut seen = HashSet::with_capacity(Self::MAX_TAGS);
        let mut failures = Vec::new();
        for (index, raw) in raw.iter().enumerate() {
            match Self::parse_one(index, raw) {
                Err(failure) => failures.push(failure),
                Ok(tag) if seen.insert(tag.clone()) => tags.push(tag),
                Ok(_) => {}
            }
        }
        if tags.len() > Self::MAX_TAGS {
            failures.push(Self::too_long("must hold at most 20 distinct tags"));
        }
        match failures.is_empty() {
            true => Ok(Self(tags)),
            false => Err(failures),
        }
    }

    fn too_long(message: &str) -> FieldError {
        FieldError::new("/tags", Violation::TooLong, message)
    }

    pub fn as_slice(&self) -> &[String] {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_are_trimmed_and_counted_in_code_points() {
        assert_eq!(
            Title::parse("  buy milk ").unwrap().into_inner(),
            "buy milk"
        );
        assert!(Title::parse("   ").is_err());
        assert!(Title::parse(&"ü".repeat(200)).is_ok());
        assert!(Title::parse(&"ü".repeat(201)).is_err());
    }

    #[test]
    fn tags_are_normalised_and_merged_before_counting() {
        let tags = Tags::parse(vec![" Home ".into(), "home".into(), "WORK".into()]).unwrap();
        assert_eq!(tags.as_slice(), ["home", "work"]);
        let many: Vec<String> = (0..25).map(|i| format!("t{}", i % 20)).collect();
        assert_eq!(Tags::parse(many).unwrap().as_slice().len(), 20);
        let too_many: Vec<String> = (0..21).map(|i| format!("t{i}")).collect();
        assert!(Tags::parse(too_many).is_err());
        assert!(Tags::parse(vec!["  ".into()]).is_err());
        assert!(Tags::parse(vec!["x".repeat(50)]).is_ok());
        assert!(Tags::parse(vec!["x".repeat(51)]).is_err());
    }

    #[test]
    fn a_long_list_is_refused_before_normalising() {
        let copies = vec!["Same".to_owned(); Tags::MAX_RAW];
        assert_eq!(Tags::parse(copies).unwrap().as_slice(), ["same"]);
        let flood = vec!["Same".to_owned(); 16_000];
        let err = Tags::parse(flood).unwrap_err();
        assert_eq!(
            (err[0].field.as_str(), err[0].message.as_str()),
            ("/tags", "must hold at most 100 values")
        );
    }

    #[test]
    fn nul_is_refused_in_every_task_text() {
        assert_eq!(Title::parse("a\0").unwrap_err().field, "/title");
        assert_eq!(
            Description::parse("/description", "a\0".into())
                .unwrap_err()
                .field,
            "/description"
        );
        let tags = Tags::parse(vec!["a".into(), "b\0".into()]).unwrap_err();
        assert_eq!(tags[0].field, "/tags/1");
    }

    #[test]
    fn every_bad_tag_is_named_by_its_index() {
        let raw = vec!["ok".into(), " ".into(), "x".repeat(51)];
        let failures = Tags::parse(raw).unwrap_err();
        let named: Vec<_> = failures
            .iter()
            .map(|f| (f.field.as_str(), f.code, f.message.as_str()))
            .collect();
        assert_eq!(
            named,
            [
                ("/tags/1", Violation::TooShort, "must not be empty"),
                (
                    "/tags/2",
                    Violation::TooLong,
                    "must be at most 50 characters"
                ),
            ]
        );
    }
}
