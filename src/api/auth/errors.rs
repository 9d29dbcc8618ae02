//! The problems each account operation can answer with, as the spec
//! declares them.
use crate::api::error::ErrorCode::*;
use crate::api::error::{BEARER, error_set};

error_set! {
    SignUpErrors("SignUpProblem"): &[
        EmailTaken,
        UnsupportedMediaType,
        ValidationFailed,
        RateLimited,
    ];
    LogInErrors("LogInProblem"): &[
        InvalidCredentials,
        UnsupportedMediaType,
        ValidationFailed,
        RateLimited,
    ];
    CurrentUserErrors("GetCurrentUserProblem"): BEARER;
    RefreshErrors("RefreshSessionProblem"): &[
        InvalidRefreshToken,
        UnsupportedMediaType,
        ValidationFailed,
    ];
    LogOutErrors("LogOutProblem"): &[UnsupportedMediaType, ValidationFailed];
    /// The operations that confirm the caller's password.
    PasswordCheckErrors("PasswordCheckProblem"): BEARER, &[
        WrongPassword,
        UnsupportedMediaType,
        ValidationFailed,
        RateLimited,
    ];
}
