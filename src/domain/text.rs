//! Text as the contract measures it.
use unicode_normalization::UnicodeNormalization;

use super::error::FieldError;

/// Counts Unicode code points, as every length limit in the contract does.
pub(crate) fn char_len(value: &str) -> usize {
    value.chars().count()
}

/// Refuses text that a database cannot store. PostgreSQL's `text` cannot
/// hold U+0000 (the insert fails with SQLSTATE 22021) while SQLite stores
/// it, so it is refused everywhere, before any query, with a 422 naming
/// `field`. Every other code point a Rust string can hold is valid UTF-8
/// and storable in both.
pub fn storable(field: &str, value: &str) -> Result<(), FieldError> {
    if value.contains('\0') {
        return Err(FieldError::new(field, "must not contain U+0000 (NUL)"));
    }
    Ok(())
}

/// The form in which `q` and the text it searches are compared, so that
/// the match ignores case alike on every database (neither SQLite's
/// `LOWER`, which folds ASCII only, nor PostgreSQL's, which follows the
/// database's locale): Unicode's full lower-case mapping, then NFC, then
/// the final sigma `ς` as `σ`, so a word's end need not be a query's.
/// Lower-casing, not full case folding: `ß` stays `ß`.
///
/// Stored rows keep this form in `title_folded` and `description_folded`;
/// the migration that added them folds existing rows the same way.
pub fn search_folded(value: &str) -> String {
    value
        .to_lowercase()
        .nfc()
        .map(|c| if c == 'ς' { 'σ' } else { c })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_folding_lower_cases_every_script_and_composes() {
        assert_eq!(search_folded("ÄÖÜ Straße"), "äöü straße");
        assert_eq!(search_folded("ΟΔΟΣ Ύψος"), "οδοσ ύψοσ");
        assert_eq!(search_folded("МОСКВА"), "москва");
        // NFD input (A + U+0308) folds to the composed "ä".
        assert_eq!(search_folded("A\u{308}"), "\u{e4}");
        assert_eq!(search_folded("STRASSE"), "strasse");
        assert_eq!(search_folded("50% Off_"), "50% off_");
    }

    #[test]
    fn nul_is_refused_naming_the_field() {
        assert!(storable("title", "tab\tand é are fine").is_ok());
        let err = storable("title", "a\0b").unwrap_err();
        assert_eq!(err.field, "title");
    }
}
