//! Text as the contract measures it.

/// Counts Unicode code points, as every length limit in the contract does.
pub(crate) fn char_len(value: &str) -> usize {
    value.chars().count()
}
