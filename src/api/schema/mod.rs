//! Schema types the operations share: timestamps as the spec writes them,
//! plain `application/json` response bodies, always-present nullable fields, strict per-field JSON readers, and a
//! JSON body that may be left out.
mod json;
mod nullable;
mod optional_json;
pub mod strict;
mod timestamp;

pub use json::JsonBody;
pub use nullable::Nullable;
pub use optional_json::OptionalJson;
pub use timestamp::Timestamp;
