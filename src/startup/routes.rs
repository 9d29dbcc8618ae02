//! The OpenAPI service and the route tree around it, with the middleware in
//! the order every request passes it.
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use poem::endpoint::{BoxEndpoint, make_sync};
use poem::middleware::Cors;
use poem::web::{Html, Redirect};
use poem::{Endpoint, EndpointExt, Route, get};
use poem_openapi::{ContactObject, LicenseObject, OpenApiService, ServerObject};
use sea_orm::DatabaseConnection;

use crate::api::auth::AuthApi;
use crate::api::error::problems;
use crate::api::health::HealthApi;
use crate::api::openapi_doc::PublishedApi;
use crate::api::sync::{SyncApi, announce_writes};
use crate::api::tasks::{TaskApi, TaskListApi};
use crate::api::{OwnerGate, Published};
use crate::auth::{PasswordHasher, TokenService};
use crate::config::Settings;
use crate::http::{
    Admission, Metrics, RequestLog, ResourceGauges, RouteTable, same_origin_or_vary, swagger_page,
};
use crate::service::limits::AuthLimits;
use crate::service::sync::ChangeHub;

/// Every operation, one struct per tag.
pub type Apis = (AuthApi, TaskListApi, TaskApi, SyncApi, HealthApi);

pub type Api = PublishedApi<Published<Apis>>;

const DESCRIPTION: &str = "A task-management API: sign up, log in, and manage your own tasks. \
Every task path is scoped to the caller's user id; errors are `application/problem+json` \
(RFC 9457) with a stable `code`.\n\n\
**Your `user_id`.** The `{user_id}` in every `/api/{user_id}/...` path is your own account's \
id: `user.id` in the answer to sign-up (`POST /api/auth/signup`) or log-in \
(`POST /api/auth/login`), or `id` in `GET /api/auth/me` once you are authorised. Any other \
user's id is answered 403.\n\n\
**Authorising.** Send the access token from sign-up, log-in or `POST /api/auth/token` as \
`Authorization: Bearer <token>`. In this page, *Authorize* takes your email (as `username`) \
and password, or a token pasted under `bearerAuth`.";

/// The OpenAPI service of `apis`: the same spec is served, exported and
/// tested.
fn service(apis: Apis) -> Api {
    let service = OpenApiService::new(Published(apis), "tasks-api", env!("CARGO_PKG_VERSION"))
        .description(DESCRIPTION)
        // Linters ask for a contact; the project publishes no address yet.
        .contact(ContactObject::new().name("tasks-api maintainers"))
        // `identifier` is OpenAPI 3.1 only; this spec is 3.0, which takes a `url`.
        .license(LicenseObject::new("MIT").url("https://opensource.org/licenses/MIT"))
        // Relative first: Swagger UI (and any client reading the served spec)
        // then calls the server it fetched the spec from, whatever its port.
        .server(ServerObject::new("/").description("The server this document was fetched from"))
        .server(ServerObject::new("http://127.0.0.1:8000").description("Local development server"));
    PublishedApi::new(service)
}

/// The spec alone, for export and tests. A spec depends only on the
/// operations' types, so the parts they would use are placeholders that are
/// never called.
pub fn openapi() -> Api {
    let db = DatabaseConnection::default();
    let auth = AuthApi {
        db: db.clone(),
        passwords: PasswordHasher::new(4, 1, Duration::ZERO),
        tokens: TokenService::new(&[0; 32], "", "", 0),
        limits: AuthLimits {
            failures_per_email: 0,
            failures_per_email_total: 0,
            requests_per_ip: 0,
            window_seconds: 0,
        },
        proxies: Default::default(),
        refresh_ttl: chrono::Duration::zero(),
    };
    let tasks = (TaskListApi::new(db.clone()), TaskApi::new(db.clone()));
    let sync = SyncApi {
        db: db.clone(),
        hub: ChangeHub::new(sea_orm::DbBackend::Sqlite, 1),
        metrics: Metrics::new(ResourceGauges::default).expect("metrics register"),
    };
    service((auth, tasks.0, tasks.1, sync, HealthApi::new(db)))
}

/// The whole route tree around the API.
pub fn routes(
    apis: Apis,
    metrics: Metrics,
    settings: &Settings,
) -> anyhow::Result<impl Endpoint + 'static> {
    let tokens = apis.0.tokens.clone();
    let hub = apis.3.hub.clone();
    let owners = OwnerGate {
        tokens: tokens.clone(),
        db: apis.0.db.clone(),
    };
    let api = service(apis.clone());
    let (spec_json, spec_yaml) = (api.spec(), api.spec_yaml());
    let table = RouteTable::from_spec(&spec_json);
    let page = swagger_page(&api.swagger_ui_html()).context("the Swagger UI page changed shape")?;
    let api = api.into_service();
    // With no origin configured every cross-origin request is refused (403):
    // poem's CORS would let every origin in when given none.
    let cors = Cors::new()
        .allow_origins(settings.cors_origins.iter().map(String::as_str))
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
        ]);
    let admission = Admission::new(
        settings.max_concurrent_requests as usize,
        Duration::from_millis(settings.admission_max_wait_ms),
        Duration::from_secs(settings.request_timeout_seconds),
        Duration::from_secs(settings.body_read_timeout_seconds),
    );
    let log = RequestLog::new(metrics, table.clone());
    // Nesting the API at "/" would hide the "/" redirect, so it is mounted
    // (unstripped) under each of its top-level prefixes.
    let tree = Route::new()
        .nest_no_strip(
            "/api",
            api.boxed()
                .around(move |next: Arc<BoxEndpoint<'static>>, req| {
                    let owners = owners.clone();
                    async move { owners.serve(next.as_ref(), req).await }
                })
                .boxed()
                .around(move |next: Arc<BoxEndpoint<'static>>, req| {
                    let hub = hub.clone();
                    async move { announce_writes(&hub, next.as_ref(), req).await }
                }),
        )
        .nest_no_strip("/health", service(apis).into_service())
        .at("/", get(make_sync(|_| Redirect::see_other("/docs"))))
        .at("/docs", get(make_sync(move |_| Html(page.clone()))))
        .at(
            "/openapi.json",
            get(make_sync(move |_| {
                spec_response("application/json", &spec_json)
            })),
        )
        .at(
            "/openapi.yaml",
            get(make_sync(move |_| {
                spec_response("application/yaml", &spec_yaml)
            })),
        );
    // Innermost first: admission, the body limit and the deadline (the
    // tree is boxed, and so is this layer, so that a request waiting for a
    // place holds no handler future and the layers above copy no large
    // future), CORS, problem+json for every error raised below (refusals
    // and CORS's included), the server's own origin let past CORS and
    // `Vary: Origin` on cross-origin answers, and outermost the request id,
    // log line, metrics and security headers, so they see every answer. The bearer scheme
    // finds the token service in the request's data.
    Ok(tree
        .boxed()
        .around(move |next, req| {
            let admission = admission.clone();
            async move { admission.serve(next.as_ref(), req).await }
        })
        .boxed()
        .with(cors)
        .boxed()
        .around(move |next: Arc<BoxEndpoint<'static>>, req| {
            let table = table.clone();
            async move { Ok(problems(next.as_ref(), &table, req).await) }
        })
        .boxed()
        .around(|next: Arc<BoxEndpoint<'static>>, req| async move {
            same_origin_or_vary(next.as_ref(), req).await
        })
        .boxed()
        .around(move |next: Arc<BoxEndpoint<'static>>, req| {
            let log = log.clone();
            async move { log.serve(next.as_ref(), req).await }
        })
        .data(tokens))
}

fn spec_response(content_type: &str, spec: &str) -> poem::Response {
    poem::Response::builder()
        .content_type(content_type)
        .body(spec.to_owned())
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    /// Each operation of the served document: its id and its `security`.
    fn operations() -> Vec<(String, Value)> {
        let spec: Value = serde_json::from_str(&super::openapi().spec()).unwrap();
        let paths = spec["paths"].as_object().unwrap().values();
        paths
            .flat_map(|item| item.as_object().unwrap().values())
            .map(|op| {
                (
                    op["operationId"].as_str().unwrap().to_owned(),
                    op["security"].clone(),
                )
            })
            .collect()
    }

    #[test]
    fn the_public_operations_say_so_and_the_others_name_their_schemes() {
        let public = [
            "signUp",
            "logIn",
            "issueToken",
            "refreshSession",
            "logOut",
            "checkLiveness",
            "checkReadiness",
        ];
        for (id, security) in operations() {
            if public.contains(&id.as_str()) {
                assert_eq!(security, json!([]), "{id} is public");
            } else {
                let schemes = security.as_array().map(Vec::len).unwrap_or_default();
                assert!(
                    schemes > 0,
                    "{id} needs credentials but declares {security}"
                );
            }
        }
    }

    #[test]
    fn the_yaml_and_the_docs_page_carry_the_same_published_document() {
        let api = super::openapi();
        let json: Value = serde_json::from_str(&api.spec()).unwrap();
        let yaml: serde_yaml::Value = serde_yaml::from_str(&api.spec_yaml()).unwrap();
        let yaml: Value = serde_json::to_value(yaml).unwrap();
        assert_eq!(yaml, json);
        assert!(api.swagger_ui_html().contains(&api.spec()));
    }

    #[test]
    fn persist_authorization_is_injected_into_poem_openapis_page() {
        let html = super::openapi().swagger_ui_html();
        let page = crate::http::swagger_page(&html).expect("the Swagger UI page changed shape");
        assert!(page.contains("persistAuthorization: true"));
    }
}
