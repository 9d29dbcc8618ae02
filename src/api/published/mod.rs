//! The published API: the one place where what poem-openapi cannot be told
//! per type is written into the spec, and where each operation is served
//! with what its problems need to know about it.
//!
//! `Published<A>` rewrites the operations `A` declare, so that every common
//! client generator reads the document exactly:
//!
//! - `X-Request-Id`, which the middleware reads and writes on every request,
//!   is declared on every operation and every response;
//! - response header names are spelled as HTTP writes them (`ETag`, not the
//!   `ETAG` poem-openapi's derive makes of every name);
//! - a reference is never wrapped: poem-openapi puts any field or parameter
//!   whose type is a named schema into `allOf: [{$ref}, {...}]` once the
//!   field has a description, a default or `nullable`, which generators
//!   read as `T & unknown` or `any`. A described field becomes a bare
//!   `$ref` (its type's schema carries the description), and a nullable or
//!   defaulted enum becomes that enum inline, with `null` among its values
//!   when it is nullable.
//!
//! `finish` then writes into the document what the declarations cannot
//! carry at all: `security: []` on public operations (`document`) and an
//! example of every problem each response can carry (`examples`).
mod document;
mod examples;
mod shape;

use std::collections::HashMap;
use std::sync::Arc;

use poem::endpoint::BoxEndpoint;
use poem::http::Method;
use poem::{Endpoint, EndpointExt};
use poem_openapi::OpenApi;
use poem_openapi::registry::{
    MetaApi, MetaHeader, MetaOperation, MetaOperationParam, MetaParamIn, MetaSchema, MetaSchemaRef,
    Registry,
};

use super::error::Operation;
use crate::http::path_parameters;
use shape::{http_spelling, unwrap_reference};

/// The header a request is known by, in logs and problem bodies.
pub const REQUEST_ID: &str = "X-Request-Id";

const REQUEST_ID_PARAM: &str = "An id for this request, echoed in the `X-Request-Id` response \
header and in problem bodies' `request_id`, and logged. It is kept when it is 1 to 128 \
characters of `A-Z a-z 0-9 . _ : -`; any other value is ignored (never refused) and the server \
makes a UUID instead.";

const REQUEST_ID_HEADER: &str = "This request's id: the client's `X-Request-Id` when it was \
acceptable, else one the server made. Quote it when reporting a problem.";

#[derive(Clone)]
pub struct Published<A>(pub A);

impl<A: OpenApi> OpenApi for Published<A> {
    fn meta() -> Vec<MetaApi> {
        let mut registry = Registry::new();
        A::register(&mut registry);
        let mut apis = A::meta();
        let operations = apis
            .iter_mut()
            .flat_map(|api| api.paths.iter_mut())
            .flat_map(|path| path.operations.iter_mut());
        for operation in operations {
            for param in &mut operation.params {
                unwrap_reference(&mut param.schema, &registry.schemas);
            }
            operation.params.push(request_id_param());
            for response in &mut operation.responses.responses {
                for header in &mut response.headers {
                    header.name = http_spelling(&header.name);
                }
                response.headers.push(MetaHeader {
                    name: REQUEST_ID.to_owned(),
                    description: Some(REQUEST_ID_HEADER.to_owned()),
                    required: true,
                    deprecated: false,
                    schema: MetaSchemaRef::Inline(Box::new(MetaSchema::new("string"))),
                });
            }
        }
        apis
    }

    fn register(registry: &mut Registry) {
        A::register(registry);
        let named = registry.schemas.clone();
        for schema in registry.schemas.values_mut() {
            for (_, property) in &mut schema.properties {
                unwrap_reference(property, &named);
            }
        }
    }

    /// `A`'s routes, each served as a request of its operation (see
    /// `error::Operation`), named from the route poem matches and the
    /// operation's own path template.
    fn add_routes(self, route_table: &mut HashMap<String, HashMap<Method, BoxEndpoint<'static>>>) {
        let mut routes = HashMap::new();
        self.0.add_routes(&mut routes);
        let apis = A::meta();
        let declared = templated_operations(&apis);
        for (pattern, methods) in routes {
            let served = route_table.entry(pattern.clone()).or_default();
            for (method, endpoint) in methods {
                let operation = declared
                    .iter()
                    .filter(|(_, meta)| meta.method == method)
                    .find_map(|(template, meta)| {
                        let path = path_parameters(&pattern, template)?;
                        Some(Arc::new(Operation::new(meta, path)))
                    });
                let endpoint = match operation {
                    Some(operation) => endpoint
                        .around(move |next, req| {
                            Arc::clone(&operation).serve(async move { next.call(req).await })
                        })
                        .boxed(),
                    None => endpoint,
                };
                served.insert(method, endpoint);
            }
        }
    }
}

/// Every operation of `apis`, with its path template.
fn templated_operations(apis: &[MetaApi]) -> Vec<(&str, &MetaOperation)> {
    apis.iter()
        .flat_map(|api| api.paths.iter())
        .flat_map(|path| path.operations.iter().map(|op| (path.path.as_str(), op)))
        .collect()
}

fn request_id_param() -> MetaOperationParam {
    MetaOperationParam {
        name: REQUEST_ID.to_owned(),
        schema: MetaSchemaRef::Inline(Box::new(MetaSchema::new("string"))),
        in_type: MetaParamIn::Header,
        description: Some(REQUEST_ID_PARAM.to_owned()),
        required: false,
        deprecated: false,
        explode: true,
        style: None,
    }
}

/// Finishes the document poem-openapi wrote for `apis` (their
/// `Published::meta`) with what no declaration can carry.
pub(super) fn finish(document: &mut serde_yaml::Value, apis: &[MetaApi]) {
    document::declare_public_operations(document);
    examples::give_error_examples(document, apis);
}
