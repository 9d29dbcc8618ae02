//! What the problems of one operation depend on, read from the operation's
//! own declaration: its path template's parameter names, where each of its
//! parameters is sent, the media type of its body, whether a stream ticket
//! may stand for the bearer token. The spec's examples are made from it,
//! and each request is served with its operation's (`serve`), so a problem
//! raised while reading the request says the same.
use std::future::Future;
use std::sync::Arc;

use poem_openapi::ApiExtractor;
use poem_openapi::registry::{MetaOperation, MetaParamIn, MetaSchemaRef};

use crate::auth::StreamTicket;
use crate::domain::Source;

/// One operation, as its problems need it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Operation {
    /// Its path parameters, each as poem-openapi names it (`param1`) with
    /// its name in the operation's path template (`task_id`).
    pub path: Vec<(String, String)>,
    /// Its parameters, in the order it declares them.
    pub params: Vec<Param>,
    /// The media type of its request body, when it takes one.
    pub body: Option<&'static str>,
    /// Whether a stream ticket may stand for the bearer token.
    pub tickets: bool,
}

/// One parameter of an operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Param {
    pub name: String,
    /// Where it is sent.
    pub source: Source,
    /// The `format` of its schema (`uuid`, `date-time`), if any.
    pub format: Option<&'static str>,
}

tokio::task_local! {
    static OPERATION: Arc<Operation>;
}

impl Operation {
    /// The operation `meta`, whose path parameters are `path` (see
    /// `http::path_parameters`).
    pub fn new(meta: &MetaOperation, path: Vec<(String, String)>) -> Self {
        let params = meta
            .params
            .iter()
            .map(|param| {
                let source = match param.in_type {
                    MetaParamIn::Path => Source::Path,
                    MetaParamIn::Query => Source::Query,
                    _ => Source::Header,
                };
                let format = match &param.schema {
                    MetaSchemaRef::Inline(schema) => schema.format,
                    MetaSchemaRef::Reference(_) => None,
                };
                Param {
                    name: param.name.clone(),
                    source,
                    format,
                }
            })
            .collect();
        let tickets = StreamTicket::security_schemes()
            .iter()
            .any(|scheme| meta.security.iter().any(|s| s.contains_key(scheme)));
        Self {
            path,
            params,
            body: meta
                .request
                .as_ref()
                .and_then(|request| (request.content.first()).map(|media| media.content_type)),
            tickets,
        }
    }

    /// The operation of the request being served, if known.
    pub fn current() -> Option<Arc<Self>> {
        OPERATION.try_with(Arc::clone).ok()
    }

    /// Serves `call` as a request of this operation.
    pub async fn serve<F: Future>(self: Arc<Self>, call: F) -> F::Output {
        OPERATION.scope(self, call).await
    }

    /// The name in the path template of poem-openapi's path parameter
    /// `poem_name` (`param1` → `task_id`).
    pub fn path_name(&self, poem_name: &str) -> Option<&str> {
        let (_, name) = self.path.iter().find(|(poem, _)| poem == poem_name)?;
        Some(name)
    }

    /// Where the parameter `name` is sent.
    pub fn source(&self, name: &str) -> Option<Source> {
        let param = self.params.iter().find(|param| param.name == name)?;
        Some(param.source)
    }
}
