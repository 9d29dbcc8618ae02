//! The event stream as a payload: the events already made, kept alive with
//! a comment while nothing happens.
use std::time::Duration;

use futures_util::stream::BoxStream;
use poem::web::sse::{Event, SSE};
use poem::{IntoResponse, Response};
use poem_openapi::payload::Payload;
use poem_openapi::registry::{MetaSchema, MetaSchemaRef, Registry};
use poem_openapi::types::Type;

use super::schema::ChangeBody;

/// How often an idle stream sends a keep-alive comment, so that proxies
/// and clients do not take it for dead.
const KEEP_ALIVE: Duration = Duration::from_secs(15);

/// A `text/event-stream` body of change events (and a last one that says
/// why the stream ended, when the server ends it).
pub struct Events(pub BoxStream<'static, Event>);

impl Payload for Events {
    const CONTENT_TYPE: &'static str = "text/event-stream";

    fn schema_ref() -> MetaSchemaRef {
        MetaSchemaRef::Inline(Box::new(MetaSchema {
            items: Some(Box::new(ChangeBody::schema_ref())),
            ..MetaSchema::new_with_format("array", "event-stream")
        }))
    }

    fn register(registry: &mut Registry) {
        ChangeBody::register(registry);
    }
}

impl IntoResponse for Events {
    fn into_response(self) -> Response {
        SSE::new(self.0).keep_alive(KEEP_ALIVE).into_response()
    }
}
