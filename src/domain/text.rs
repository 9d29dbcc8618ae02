//! Text as the contract measures it.
use super::error::{FieldError, Violation};

/// Counts Unicode code points, as every length limit in the contract does.
pub(crate) fn char_len(value: &str) -> usize {
    value.chars().count()
}

/// Refuses text that a database cannot store. PostgreSQL's `text` cannot
/// hold U+0000 (the insert fails with SQLSTATE 22021) while SQLite stores
/// it, so it is refused everywhere, before any query, with a 422 naming
/// `field`. Every other code point a Rust string can hold is valid UTF-8
/// and storable in both. `field` is the body pointer reported.
pub fn storable(field: &str, value: &str) -> Result<(), FieldError> {
    if value.contains('\0') {
        return Err(FieldError::new(
            field,
            Violation::InvalidFormat,
            "must not contain the NUL character (U+0000)",
        ));
    }
    Ok(())
}

/// `field` must hold at most `max` characters.
pub(crate) fn at_most(field: &str, value: &str, max: usize) -> Result<(), FieldError> {
    if char_len(value) > max {
        return Err(FieldError::new(
            field,
            Violation::TooLong,
            format!("must be at most {max} characters"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nul_is_refused_naming_the_field() {
        assert!(storable("title", "tab\tand é are fine").is_ok());
        let err = storable("/title", "a\0b").unwrap_err();
        assert_eq!(err.field, "/title");
        assert_eq!(err.code, Violation::InvalidFormat);
    }
}
