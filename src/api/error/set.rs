//! What one group of operations can answer with: the codes of its
//! problems, declared once and read by the spec (`declare`) and the replies.
use super::codes::API_COMMON;
use super::kind::ErrorCode;

/// The problems one group of operations can answer with, declared as
/// their error responses: one per status, each listing its codes, all with
/// the group's own problem schema, whose `code` enumerates exactly them.
pub trait ErrorSet: Send + Sync + 'static {
    /// The name of the group's problem schema, e.g. `GetTaskProblem`.
    const SCHEMA: &'static str;
    /// The codes particular to these operations.
    const CODES: &'static [&'static [ErrorCode]];
    /// The codes every operation of its kind can meet.
    const COMMON: &'static [ErrorCode] = API_COMMON;
    /// Descriptions that replace the generated one of a status for this
    /// set's operations (e.g. a 415 for a form, not JSON).
    const DESCRIPTIONS: &'static [(u16, &'static str)] = &[];

    /// Every code, each once, in `ErrorCode`'s order of declaration.
    fn codes() -> Vec<ErrorCode> {
        let mut codes: Vec<ErrorCode> = Self::COMMON
            .iter()
            .chain(Self::CODES.iter().copied().flatten())
            .copied()
            .collect();
        codes.sort_by_key(|code| *code as u8);
        codes.dedup();
        codes
    }
}

/// Declares error sets, each with its problem schema's name and its
/// particular codes (slices of `ErrorCode`s):
/// `error_set! { GetTaskErrors("GetTaskProblem"): BEARER, &[TaskNotFound]; }`.
macro_rules! error_set {
    ($($(#[$doc:meta])* $name:ident($schema:literal): $($codes:expr),+;)+) => {
        $(
            $(#[$doc])*
            pub struct $name;
            impl $crate::api::error::ErrorSet for $name {
                const SCHEMA: &'static str = $schema;
                const CODES: &'static [&'static [$crate::api::error::ErrorCode]] = &[$($codes),+];
            }
        )+
    };
}
pub(crate) use error_set;
