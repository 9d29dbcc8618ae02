//! `If-Match` (RFC 9110 §13.1.1): which task versions a write may replace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IfMatch {
    /// `*`: any current version.
    Any,
    /// One of these strong entity tags (quotes included).
    Tags(Vec<String>),
}

impl IfMatch {
    /// Reads the header. Entries that are not entity tags can never match,
    /// so a malformed `If-Match` fails its condition (412) rather than the
    /// request (RFC 9110 §13.1.1).
    pub fn parse(header: &str) -> Self {
        let header = header.trim();
        if header == "*" {
            return Self::Any;
        }
        Self::Tags(header.split(',').map(|t| t.trim().to_owned()).collect())
    }

    /// Strong comparison: a weak tag (`W/"…"`) never matches.
    pub fn matches(&self, current: &str) -> bool {
        match self {
            Self::Any => true,
            Self::Tags(tags) => tags.iter().any(|t| t == current),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strong_tags_match_exactly() {
        let m = IfMatch::parse(r#""a-1", "a-2""#);
        assert!(m.matches(r#""a-2""#));
        assert!(!m.matches(r#""a-3""#));
        assert!(IfMatch::parse("*").matches(r#""anything""#));
    }

    #[test]
    fn weak_tags_and_garbage_never_match() {
        assert!(!IfMatch::parse(r#"W/"a-1""#).matches(r#""a-1""#));
        assert!(!IfMatch::parse("a-1").matches(r#""a-1""#));
        assert!(!IfMatch::parse("").matches(r#""""#));
    }
}
