//! The middleware every request passes, and the connection loop under it:
//! admission (body limit, a place, the deadline), request ids, the request
//! log and metrics, the client's address, the docs page. It knows requests
//! and responses, not tasks.
mod admission;
mod body_limit;
mod client_addr;
mod docs;
mod metrics;
mod no_store;
mod origin;
mod refusal;
mod request_id;
mod request_log;
mod route_table;
pub mod server;

pub use admission::{Admission, Admit, Admitted, Identify};
pub use body_limit::{MAX_BODY_BYTES, read_body};
pub use client_addr::TrustedProxies;
pub use docs::swagger_page;
pub use metrics::{InFlight, Metrics, ResourceGauges};
pub use no_store::NoStore;
pub use origin::same_origin_or_vary;
pub use refusal::Refusal;
pub use request_id::current_request_id;
pub use request_log::RequestLog;
pub use route_table::{RouteTable, path_parameters};
