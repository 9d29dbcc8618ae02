//! Text as the contract measures it.
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

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

/// Unicode's `Bidi_Control` characters: they reorder the text around them
/// on screen, so what a reader sees is not what is stored.
pub(crate) fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{61C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Format characters (Unicode's `Cf`, as far as text meets them: zero-width
/// spaces and joiners, bidi controls, the byte-order mark, the soft hyphen,
/// invisible operators, tag characters), variation selectors and the Hangul
/// fillers: none of them shows by itself.
pub(crate) fn is_format(c: char) -> bool {
    matches!(c,
        '\u{AD}' | '\u{34F}' | '\u{61C}' | '\u{115F}' | '\u{1160}' | '\u{17B4}' | '\u{17B5}'
        | '\u{180B}'..='\u{180F}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{206F}' | '\u{3164}' | '\u{FE00}'..='\u{FE0F}' | '\u{FEFF}'
        | '\u{FFA0}' | '\u{FFF9}'..='\u{FFFB}' | '\u{1D173}'..='\u{1D17A}'
        | '\u{E0000}'..='\u{E0FFF}')
}

/// What shows nothing by itself: format characters and combining marks.
fn is_invisible(c: char) -> bool {
    is_format(c) || is_combining_mark(c)
}

/// The rule of text people read (titles, descriptions, tags, names): no
/// bidi controls, and when not empty, at least one character that shows.
/// So a title cannot look empty, or read differently from what is stored.
pub fn visible(field: &str, value: &str) -> Result<(), FieldError> {
    if value.chars().any(is_bidi_control) {
        return Err(FieldError::new(
            field,
            Violation::InvalidFormat,
            "must not contain bidirectional control characters",
        ));
    }
    if !value.is_empty() && value.chars().all(|c| c.is_whitespace() || is_invisible(c)) {
        return Err(FieldError::new(
            field,
            Violation::TooShort,
            "must contain a visible character",
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
    fn text_that_shows_nothing_or_reorders_itself_is_refused() {
        for ok in [
            "",
            "Buy milk",
            "e\u{301}",
            "a\u{200B}b",
            "\u{1F44D}\u{FE0F}",
            "עברית",
        ] {
            assert!(visible("/t", ok).is_ok(), "{ok:?}");
        }
        for blank in [
            "\u{200B}",
            "\u{FEFF}",
            "\u{301}\u{302}",
            " \u{2060} ",
            "\u{AD}",
        ] {
            assert_eq!(
                visible("/t", blank).unwrap_err().code,
                Violation::TooShort,
                "{blank:?}"
            );
        }
        for bidi in ["abc\u{202E}fed", "\u{2066}x\u{2069}", "a\u{200F}"] {
            assert_eq!(
                visible("/t", bidi).unwrap_err().code,
                Violation::InvalidFormat,
                "{bidi:?}"
            );
        }
    }

    #[test]
    fn nul_is_refused_naming_the_field() {
        assert!(storable("title", "tab\tand é are fine").is_ok());
        let err = storable("/title", "a\0b").unwrap_err();
        assert_eq!(err.field, "/title");
        assert_eq!(err.code, Violation::InvalidFormat);
    }
}
