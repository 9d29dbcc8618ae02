//! The validated fields of a task: each can only be built by checking it.
use std::collections::HashSet;

use super::stored::normalise_tag;
use crate::domain::error::FieldError;
use crate::domain::text::{char_len, storable};

/// A title: trimmed, 1 to 200 characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Title(String);

impl Title {
    pub const MAX_CHARS: usize = 200;

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let title = raw.trim();
        storable("title", title)?;
        match char_len(title) {
            0 => Err(FieldError::new("title", "must not be empty")),
            n if n > Self::MAX_CHARS => {
                Err(FieldError::new("title", "must be at most 200 characters"))
            }
            _ => Ok(Self(title.to_owned())),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

/// A description: at most 2000 characters.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Description(String);

impl Description {
    pub const MAX_CHARS: usize = 2000;

    pub fn parse(raw: String) -> Result<Self, FieldError> {
        if char_len(&raw) > Self::MAX_CHARS {
            return Err(FieldError::new(
                "description",
                "must be at most 2000 characters",
            ));
        }
        storable("description", &raw)?;
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

    /// Normalises each tag, merges duplicates (keeping first-seen order) and
    /// enforces the limits, in time linear in the input: more than
    /// `MAX_RAW` values are refused before any is looked at, and duplicates
    /// are found with a set.
    pub fn parse(raw: Vec<String>) -> Result<Self, FieldError> {
        if raw.len() > Self::MAX_RAW {
            return Err(FieldError::new("tags", "at most 100 values"));
        }
        let mut tags: Vec<String> = Vec::with_capacity(Self::MAX_TAGS);
        let mut seen = HashSet::with_capacity(Self::MAX_TAGS);
        for tag in raw.iter().map(|t| normalise_tag(t)) {
            storable("tags", &tag)?;
            match char_len(&tag) {
                0 => return Err(FieldError::new("tags", "tags must not be empty")),
                n if n > Self::MAX_CHARS => {
                    return Err(FieldError::new(
                        "tags",
                        "each tag must be at most 50 characters",
                    ));
                }
                _ if !seen.insert(tag.clone()) => {}
                _ if tags.len() == Self::MAX_TAGS => {
                    return Err(FieldError::new("tags", "at most 20 distinct tags"));
                }
                _ => tags.push(tag),
            }
        }
        Ok(Self(tags))
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
            (err.field.as_str(), err.message.as_str()),
            ("tags", "at most 100 values")
        );
    }

    #[test]
    fn nul_is_refused_in_every_task_text() {
        assert_eq!(Title::parse("a\0").unwrap_err().field, "title");
        assert_eq!(
            Description::parse("a\0".into()).unwrap_err().field,
            "description"
        );
        assert_eq!(Tags::parse(vec!["a\0".into()]).unwrap_err().field, "tags");
    }
}
