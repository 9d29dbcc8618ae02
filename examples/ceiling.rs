//! The ceiling the benchmarks compare with: a bare poem handler returning a
//! small JSON body, bound and served exactly as the server is
//! (`server::bind`, `server::serve`), on the same runtime, with no
//! database, no auth and no middleware. Whatever an endpoint of the real
//! server reaches is measured as a fraction of what this reaches on the same
//! machine and load.
//!
//! `cargo run --release --example ceiling -- 127.0.0.1:8001`
//! (or `BIND_ADDR=127.0.0.1:8001`; the default is 127.0.0.1:8001).
use poem::web::Json;
use poem::{Route, get, handler};
use serde_json::{Value, json};
use tasks_api::http::server::{ConnectionLimits, bind, serve};
use tasks_api::startup::shutdown_signal;

#[handler]
fn hello() -> Json<Value> {
    Json(json!({"status": "ok", "message": "hello"}))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let addr = std::env::args()
        .nth(1)
        .or_else(|| std::env::var("BIND_ADDR").ok())
        .unwrap_or_else(|| "127.0.0.1:8001".into());
    let (listener, bound) = bind(&addr)?;
    println!("ceiling listening on {bound}");
    serve(
        listener,
        Route::new().at("/", get(hello)),
        ConnectionLimits::default(),
        shutdown_signal(),
        None,
    )
    .await?;
    Ok(())
}
