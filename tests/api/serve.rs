//! A server the test controls: its settings, its metrics listener, and when
//! it is told to shut down.
use std::net::SocketAddr;

use sea_orm::{Database, DatabaseConnection};
use tasks_api::config::Settings;
use tasks_api::startup::Application;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::helpers::{Backend, fresh_database, settings};

pub struct Served {
    pub base: String,
    pub metrics: Option<SocketAddr>,
    /// The test's own connection to the server's database.
    pub db: DatabaseConnection,
    pub client: reqwest::Client,
    stop: Option<oneshot::Sender<()>>,
    done: Option<JoinHandle<std::io::Result<()>>>,
    _dir: Option<tempfile::TempDir>,
}

impl Served {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// Signals shutdown and waits for the server to stop.
    pub fn shutdown(&mut self) -> JoinHandle<std::io::Result<()>> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        self.done.take().expect("shut down once")
    }
}

/// Settings for a fresh database of `backend`, adjusted by `tweak`.
pub async fn prepared(
    backend: Backend,
    tweak: impl Fn(&mut Settings),
) -> (Settings, Option<tempfile::TempDir>) {
    let (url, dir) = fresh_database(backend).await;
    let mut settings = settings(&url);
    tweak(&mut settings);
    (settings, dir)
}

pub async fn serve(settings: Settings, dir: Option<tempfile::TempDir>) -> Served {
    let app = Application::build(&settings).await.expect("the app builds");
    let base = format!("http://{}", app.addr());
    let metrics = app.metrics_addr();
    let (stop, stopped) = oneshot::channel::<()>();
    let done = tokio::spawn(app.run_until(async move {
        let _ = stopped.await;
    }));
    let db = Database::connect(settings.database_url.expose())
        .await
        .expect("test db connection");
    Served {
        base,
        metrics,
        db,
        client: reqwest::Client::new(),
        stop: Some(stop),
        done: Some(done),
        _dir: dir,
    }
}
