//! Admission under contention: places, the password queue, the deadline.
use super::*;
use poem::http::{Method, StatusCode};
use poem::{EndpointExt, handler};

#[handler]
async fn slow() -> &'static str {
    tokio::time::sleep(Duration::from_millis(300)).await;
    "done"
}

async fn app(limit: usize, max_wait_ms: u64) -> Arc<impl Endpoint<Output = Response>> {
    app_with_deadline(limit, max_wait_ms, 5_000).await
}

/// Places for `limit` requests, every wait at most `max_wait_ms`.
async fn app_with_deadline(
    limit: usize,
    max_wait_ms: u64,
    deadline_ms: u64,
) -> Arc<impl Endpoint<Output = Response>> {
    let max_wait = Duration::from_millis(max_wait_ms);
    let admission = Admission::new(
        limit,
        max_wait,
        Duration::from_millis(deadline_ms),
        Duration::from_secs(10),
    )
    // Requests saying `x-user: N` are user N's, at most 2 at once.
    .with_shares(
        2,
        Arc::new(|req: &Request| {
            let user = req.header("x-user")?.parse().ok()?;
            Some(uuid::Uuid::from_u128(user))
        }),
    );
    let place = |endpoint| Admitted {
        endpoint,
        admit: Admit::Place,
    };
    let no_place = |endpoint| Admitted {
        endpoint,
        admit: Admit::NoPlace,
    };
    let app = poem::Route::new()
        .at("/v1/:user/tasks", place(slow))
        .at("/v1/auth/login", poem::post(no_place(slow)))
        .at("/v1/auth/signup", poem::post(no_place(slow)))
        .at("/v1/auth/token", poem::post(no_place(slow)))
        .at("/v1/auth/me", place(slow))
        .at("/health/live", slow)
        .boxed()
        .around(move |next, req| {
            let admission = admission.clone();
            async move { admission.serve(next.as_ref(), req).await }
        });
    Arc::new(app)
}

/// Sends `GET path` in a task of its own; its status when answered.
fn get(
    app: &Arc<impl Endpoint<Output = Response> + 'static>,
    path: &'static str,
) -> tokio::task::JoinHandle<StatusCode> {
    send(app, Method::GET, path)
}

fn send(
    app: &Arc<impl Endpoint<Output = Response> + 'static>,
    method: Method,
    path: &'static str,
) -> tokio::task::JoinHandle<StatusCode> {
    let app = app.clone();
    tokio::spawn(async move {
        let req = Request::builder().method(method).uri_str(path).finish();
        app.call(req)
            .await
            .map_or_else(|e| e.status(), |r| r.status())
    })
}

#[tokio::test]
async fn a_request_beyond_the_limit_waits_and_then_gets_503_server_busy() {
    let app = app(1, 50).await;
    let first = get(&app, "/v1/u/tasks");
    tokio::time::sleep(Duration::from_millis(20)).await;
    let second = app
        .call(Request::builder().uri_str("/v1/u/tasks").finish())
        .await
        .unwrap_err();
    assert_eq!(second.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(matches!(
        second.downcast_ref::<Refusal>(),
        Some(Refusal::ServerBusy)
    ));
    assert_eq!(first.await.unwrap(), StatusCode::OK);
}

#[tokio::test]
async fn password_operations_take_no_place_and_wait_for_none() {
    let app = app(1, 50).await;
    let busy = get(&app, "/v1/u/tasks");
    tokio::time::sleep(Duration::from_millis(20)).await;
    // The password operations queue for the bcrypt threads instead.
    let started = std::time::Instant::now();
    let logins: Vec<_> = ["/v1/auth/login", "/v1/auth/signup", "/v1/auth/token"]
        .into_iter()
        .map(|path| send(&app, Method::POST, path))
        .collect();
    for login in logins {
        assert_eq!(login.await.unwrap(), StatusCode::OK);
    }
    assert!(
        started.elapsed() < Duration::from_millis(600),
        "they ran together"
    );
    assert_eq!(busy.await.unwrap(), StatusCode::OK);
}

#[tokio::test]
async fn logins_and_probes_take_no_place() {
    let app = app(1, 50).await;
    let busy = get(&app, "/v1/u/tasks");
    tokio::time::sleep(Duration::from_millis(20)).await;
    let login = send(&app, Method::POST, "/v1/auth/login");
    let live = get(&app, "/health/live");
    // Other auth operations do take one.
    let me = get(&app, "/v1/auth/me");
    assert_eq!(me.await.unwrap(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(login.await.unwrap(), StatusCode::OK);
    assert_eq!(live.await.unwrap(), StatusCode::OK);
    assert_eq!(busy.await.unwrap(), StatusCode::OK);
}

#[tokio::test]
async fn every_api_request_has_the_deadline_logins_included_and_probes_not() {
    let app = app_with_deadline(4, 50, 100).await;
    let timeout = StatusCode::GATEWAY_TIMEOUT;
    assert_eq!(get(&app, "/v1/u/tasks").await.unwrap(), timeout);
    let login = send(&app, Method::POST, "/v1/auth/login");
    assert_eq!(login.await.unwrap(), timeout);
    assert_eq!(get(&app, "/health/live").await.unwrap(), StatusCode::OK);
}

#[tokio::test]
async fn waiting_requests_are_admitted_as_places_free_up() {
    let app = app(2, 2_000).await;
    let requests: Vec<_> = (0..6).map(|_| get(&app, "/v1/u/tasks")).collect();
    for request in requests {
        assert_eq!(request.await.unwrap(), StatusCode::OK);
    }
}

#[tokio::test]
async fn poems_own_errors_pass_through_for_the_problems_layer() {
    let app = app(1, 50).await;
    let err = app
        .call(Request::builder().uri_str("/v1/nowhere").finish())
        .await
        .unwrap_err();
    assert_eq!(err.status(), StatusCode::NOT_FOUND);
}

/// `GET /v1/u/tasks` as user `user`, in a task of its own.
fn as_user(
    app: &Arc<impl Endpoint<Output = Response> + 'static>,
    user: u128,
) -> tokio::task::JoinHandle<StatusCode> {
    let app = app.clone();
    tokio::spawn(async move {
        let req = Request::builder()
            .uri_str("/v1/u/tasks")
            .header("x-user", user.to_string())
            .finish();
        app.call(req)
            .await
            .map_or_else(|e| e.status(), |r| r.status())
    })
}

#[tokio::test]
async fn one_user_past_its_share_waits_then_gets_429_while_others_are_served() {
    let app = app(4, 50).await;
    let heavy: Vec<_> = (0..2).map(|_| as_user(&app, 1)).collect();
    tokio::time::sleep(Duration::from_millis(20)).await;
    // Two places are still free, but not for user 1.
    let started = std::time::Instant::now();
    assert_eq!(
        as_user(&app, 1).await.unwrap(),
        StatusCode::TOO_MANY_REQUESTS
    );
    assert!(
        started.elapsed() < Duration::from_millis(200),
        "it waited its bound only"
    );
    let (other, anonymous) = (as_user(&app, 2), get(&app, "/v1/u/tasks"));
    assert_eq!(other.await.unwrap(), StatusCode::OK);
    assert_eq!(anonymous.await.unwrap(), StatusCode::OK);
    for request in heavy {
        assert_eq!(request.await.unwrap(), StatusCode::OK);
    }
}

#[tokio::test]
async fn a_user_past_its_share_is_served_in_turn() {
    let app = app(8, 2_000).await;
    let started = std::time::Instant::now();
    let requests: Vec<_> = (0..4).map(|_| as_user(&app, 1)).collect();
    for request in requests {
        assert_eq!(request.await.unwrap(), StatusCode::OK);
    }
    // Two at a time, though eight places were free.
    assert!(
        started.elapsed() >= Duration::from_millis(600),
        "{:?}",
        started.elapsed()
    );
}
