//! The rules a `Lenient` parameter is held to, built from poem-openapi's
//! validators: each writes its limits into the parameter's schema and
//! checks a value against the same limits, failing with the limit it
//! broke (`Broken::Above(100)`), which `error::param` turns into a code and
//! a sentence as it does for every other parameter.
use poem_openapi::registry::MetaSchema;
use poem_openapi::types::Type;
use poem_openapi::validation::{
    MaxItems, MaxLength, Maximum, Minimum, Pattern, Validator, ValidatorMeta,
};

use crate::api::error::Broken;

/// Text without NUL, which no stored text holds and PostgreSQL cannot take
/// as a parameter.
pub const NO_NUL: &str = r"^[^\u0000]*$";

/// 2^53 - 1, the largest integer every JSON client holds exactly.
pub const MAX_SAFE_INTEGER: u64 = (1 << 53) - 1;

/// A rule for parameter values of type `T`.
pub trait Rule<T> {
    /// Writes the rule into the parameter's schema.
    fn declare(schema: &mut MetaSchema);
    /// The first limit `value` breaks, if any.
    fn broken(value: &T) -> Option<Broken>;
}

/// No rule beyond the type's own.
pub struct Unchecked;

impl<T> Rule<T> for Unchecked {
    fn declare(_: &mut MetaSchema) {}
    fn broken(_: &T) -> Option<Broken> {
        None
    }
}

/// A whole number from `MIN` to `MAX`.
pub struct Range<const MIN: u64, const MAX: u64>;

impl<const MIN: u64, const MAX: u64> Range<MIN, MAX> {
    fn validators() -> (Minimum, Maximum) {
        (
            Minimum::new(MIN as f64, false),
            Maximum::new(MAX as f64, false),
        )
    }
}

impl<const MIN: u64, const MAX: u64> Rule<u64> for Range<MIN, MAX> {
    fn declare(schema: &mut MetaSchema) {
        let (min, max) = Self::validators();
        min.update_meta(schema);
        max.update_meta(schema);
    }

    fn broken(value: &u64) -> Option<Broken> {
        let (min, max) = Self::validators();
        if !min.check(value) {
            Some(Broken::Below(MIN))
        } else if !max.check(value) {
            Some(Broken::Above(MAX))
        } else {
            None
        }
    }
}

/// Optional text of at most `MAX` characters, without NUL.
pub struct Text<const MAX: usize>;

impl<const MAX: usize> Rule<Option<String>> for Text<MAX> {
    fn declare(schema: &mut MetaSchema) {
        MaxLength::new(MAX).update_meta(schema);
        Pattern::new(NO_NUL).update_meta(schema);
    }

    fn broken(value: &Option<String>) -> Option<Broken> {
        let text = value.as_ref()?;
        if !MaxLength::new(MAX).check(text) {
            Some(Broken::Longer(MAX))
        } else if text.contains('\0') {
            // The pattern's meaning, without compiling it per request.
            Some(Broken::Nul)
        } else {
            None
        }
    }
}

/// A parameter that may be repeated at most `MAX` times.
pub struct Repeated<const MAX: usize>;

impl<const MAX: usize, T: Type> Rule<Option<Vec<T>>> for Repeated<MAX> {
    fn declare(schema: &mut MetaSchema) {
        MaxItems::new(MAX).update_meta(schema);
    }

    fn broken(value: &Option<Vec<T>>) -> Option<Broken> {
        let items = value.as_ref()?;
        (!MaxItems::new(MAX).check(items)).then_some(Broken::Repeated(MAX))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_range_declares_and_checks_the_same_bounds() {
        let mut schema = MetaSchema::ANY;
        <Range<1, 100> as Rule<u64>>::declare(&mut schema);
        assert_eq!((schema.minimum, schema.maximum), (Some(1.0), Some(100.0)));
        assert_eq!(<Range<1, 100>>::broken(&1), None);
        assert_eq!(<Range<1, 100>>::broken(&100), None);
        assert_eq!(<Range<1, 100>>::broken(&0), Some(Broken::Below(1)));
        assert_eq!(<Range<1, 100>>::broken(&101), Some(Broken::Above(100)));
    }

    #[test]
    fn text_counts_characters_and_refuses_nul() {
        let fits = Some("é".repeat(3));
        assert_eq!(<Text<3>>::broken(&fits), None);
        assert_eq!(<Text<3>>::broken(&None), None);
        assert_eq!(
            <Text<3>>::broken(&Some("abcd".into())),
            Some(Broken::Longer(3))
        );
        assert_eq!(<Text<3>>::broken(&Some("a\0".into())), Some(Broken::Nul));
    }

    #[test]
    fn repeats_are_counted() {
        assert_eq!(<Repeated<2>>::broken(&Some(vec![1, 2])), None);
        assert_eq!(
            <Repeated<2>>::broken(&Some(vec![1, 2, 3])),
            Some(Broken::Repeated(2))
        );
    }
}
