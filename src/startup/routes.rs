//! The route tree, and the ring of middleware every request passes on its
//! way to it, listed in the order a request meets them.
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use poem::endpoint::{BoxEndpoint, make_sync};
use poem::middleware::Cors;
use poem::web::{Html, Redirect};
use poem::{EndpointExt, IntoResponse, Request, Route, get};

use super::apis::Apis;
use crate::api::error::problems;
use crate::auth::TokenService;
use crate::config::Settings;
use crate::http::{Admission, Identify, RequestLog, RouteTable, same_origin_or_vary, swagger_page};
use crate::mcp;

/// One layer of the ring: it wraps everything after it.
type Layer = Box<dyn FnOnce(BoxEndpoint<'static>) -> BoxEndpoint<'static>>;

/// The whole server: the ring around the route tree.
pub fn routes(apis: &Apis, settings: &Settings) -> anyhow::Result<BoxEndpoint<'static>> {
    let api = apis.service();
    let (spec_json, spec_yaml) = (api.spec(), api.spec_yaml());
    let table = RouteTable::from_spec(&spec_json);
    let page = swagger_page(&api.swagger_ui_html()).context("the Swagger UI page changed shape")?;
    let api = Arc::new(api.into_service().boxed());
    // Nesting the API at "/" would hide the "/" redirect, so it is mounted
    // (unstripped) under each of its top-level prefixes.
    let tree = mcp::mount(
        Route::new(),
        api.clone(),
        table.clone(),
        &spec_json,
        settings,
    )?
    .nest_no_strip("/api", api.clone())
    .nest_no_strip("/health", api)
    .at("/", get(make_sync(|_| Redirect::see_other("/docs"))))
    .at("/docs", get(make_sync(move |_| Html(page.clone()))))
    .at(
        "/openapi.json",
        get(make_sync(move |_| spec("application/json", &spec_json))),
    )
    .at(
        "/openapi.yaml",
        get(make_sync(move |_| spec("application/yaml", &spec_yaml))),
    );
    let log = RequestLog::new(apis.metrics.clone(), table.clone());
    let admission = Admission::new(
        settings.max_concurrent_requests as usize,
        Duration::from_millis(settings.admission_max_wait_ms),
        Duration::from_secs(settings.request_timeout_seconds),
        Duration::from_secs(settings.body_read_timeout_seconds),
    );
    let (tokens, db) = (apis.auth.tokens.clone(), apis.auth.db.clone());
    let per_user = settings.quotas.max_concurrent_requests_per_user as usize;
    let admission = admission.with_shares(per_user, bearer_user(tokens.clone()));
    let cors = cors(&settings.cors_origins);
    // Each layer is boxed: a request waiting in one holds no future of the
    // layers after it, and no layer copies a large future into its own.
    let ring: Vec<Layer> = vec![
        // The request id, its log line, metrics and security headers: they
        // see every answer.
        Box::new(move |next| {
            layer(next, move |next, req| {
                let log = log.clone();
                async move { log.serve(next.as_ref(), req).await }
            })
        }),
        // The server's own origin is let past CORS; `Vary: Origin` on
        // cross-origin answers.
        Box::new(|next| {
            layer(next, |next, req| async move {
                same_origin_or_vary(next.as_ref(), req).await
            })
        }),
        // problem+json for every error raised after it, refusals included.
        Box::new(move |next| {
            layer(next, move |next, req| {
                let table = table.clone();
                async move { Ok(problems(next.as_ref(), &table, req).await) }
            })
        }),
        // Browser origins: only those of `CORS_ORIGINS`.
        Box::new(move |next| next.with(cors).boxed()),
        // The body limit, the deadline; the operations then take a place, or
        // not, as each declares.
        Box::new(move |next| {
            layer(next, move |next, req| {
                let admission = admission.clone();
                async move { admission.serve(next.as_ref(), req).await }
            })
        }),
        // What the bearer scheme and the owner of a user's path are read with.
        Box::new(move |next| next.data(tokens).data(db).boxed()),
    ];
    Ok(ring
        .into_iter()
        .rev()
        .fold(tree.boxed(), |inner, wrap| wrap(inner)))
}

/// The user a request's valid bearer token names (an HMAC check, a few
/// microseconds), which admission counts its share by.
fn bearer_user(tokens: TokenService) -> Identify {
    Arc::new(move |req: &Request| {
        let (scheme, token) = req.header("authorization")?.split_once(' ')?;
        let user = scheme
            .eq_ignore_ascii_case("bearer")
            .then(|| tokens.verify(token.trim()));
        user?.ok()
    })
}

/// `next` wrapped in `around`, boxed.
fn layer<F, Fut, R>(next: BoxEndpoint<'static>, around: F) -> BoxEndpoint<'static>
where
    F: Fn(Arc<BoxEndpoint<'static>>, Request) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = poem::Result<R>> + Send + 'static,
    R: IntoResponse + 'static,
{
    next.around(around).map_to_response().boxed()
}

/// With no origin configured every cross-origin request is refused (403):
/// poem's CORS would let every origin in when given none.
fn cors(origins: &[String]) -> Cors {
    Cors::new()
        .allow_origins(origins.iter().map(String::as_str))
        .allow_origins_fn(|_| false)
        .allow_headers([
            "authorization",
            "content-type",
            "if-match",
            "if-none-match",
            "idempotency-key",
            "x-request-id",
        ])
        .expose_headers([
            "etag",
            "location",
            "retry-after",
            "www-authenticate",
            "x-request-id",
        ])
}

fn spec(content_type: &str, spec: &str) -> poem::Response {
    poem::Response::builder()
        .content_type(content_type)
        .body(spec.to_owned())
}

#[cfg(test)]
mod tests;
