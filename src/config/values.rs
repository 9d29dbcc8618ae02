//! The kinds of value settings take, and how they are read.
use std::fmt;

use clap::ValueEnum;

use crate::http::TrustedProxies;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AppEnv {
    Development,
    Production,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Pretty,
    Json,
}

/// A string that is never written to logs or debug output.
#[derive(Clone)]
pub struct Secret(String);

impl Secret {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Self(value)
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

pub(super) fn proxies(value: &str) -> Result<TrustedProxies, String> {
    value.parse()
}

pub(super) fn secret(value: &str) -> Result<Secret, String> {
    Ok(Secret(value.to_owned()))
}

pub const MIN_SECRET_BYTES: usize = 32;
