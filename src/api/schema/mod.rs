//! Schema types the operations share: timestamps as the spec writes them,
//! plain `application/json` response bodies, always-present nullable
//! fields, text members whose type states their limits, the strict reader
//! that checks a body against its declared schema, JSON request bodies
//! (required or optional) read with it, parameters that report every
//! failure, and response bodies written straight through serde.
mod body;
mod json;
pub mod lenient;
mod nullable;
mod optional_json;
pub mod rule;
mod serde_body;
pub mod strict;
mod text;
mod timestamp;

pub use body::JsonBody;
pub use json::JsonReply;
pub use nullable::Nullable;
pub use optional_json::OptionalJson;
pub use serde_body::Serde;
pub use text::{AnyText, EmailShape, NoNul, NotBlank, Text, UNBOUNDED};
pub use timestamp::Timestamp;
