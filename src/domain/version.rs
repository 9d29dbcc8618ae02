//! Which versions of a task a write may replace: the rule behind
//! `If-Match` (RFC 9110 §13.1.1), in versions rather than header text.

/// The condition a write is made under.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Precondition {
    /// Any current version (`If-Match: *`).
    Any,
    /// One of these versions; empty when no entity tag named this task, so
    /// that nothing matches.
    OneOf(Vec<i64>),
}

impl Precondition {
    pub fn admits(&self, version: i64) -> bool {
        match self {
            Self::Any => true,
            Self::OneOf(versions) => versions.contains(&version),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_named_versions_are_admitted() {
        assert!(Precondition::Any.admits(7));
        assert!(Precondition::OneOf(vec![2, 3]).admits(3));
        assert!(!Precondition::OneOf(vec![2, 3]).admits(4));
        assert!(!Precondition::OneOf(vec![]).admits(1));
    }
}
