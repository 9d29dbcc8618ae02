//! The spec, the docs and the health probes.
use reqwest::Method;
use serde_json::Value;

use crate::backend_test;
use crate::harness::{Backend, TestDatabase, assert_overlapped, settings, timed};

backend_test!(the_root_redirects_to_the_docs, |app| async move {
    let resp = app.request(Method::GET, "/").send().await.unwrap();
    assert!(resp.status().is_redirection());
    assert_eq!(resp.headers()["location"], "/docs");
    let docs = app.request(Method::GET, "/docs").send().await.unwrap();
    assert_eq!(docs.status(), 200);
    let html = docs.text().await.unwrap();
    assert!(html.contains("swagger") && html.contains("persistAuthorization: true"));
});

backend_test!(the_server_serves_its_own_spec, |app| async move {
    let spec = app.served_spec().await;
    assert_eq!(spec["info"]["title"], "tasks-api");
    let operation_ids: Vec<&str> = spec["paths"]
        .as_object()
        .unwrap()
        .values()
        .flat_map(|ops| ops.as_object().unwrap().values())
        .filter_map(|op| op["operationId"].as_str())
        .collect();
    for id in [
        "signUp",
        "logIn",
        "getCurrentUser",
        "listTasks",
        "createTask",
        "getTask",
        "replaceTask",
        "updateTask",
        "deleteTask",
        "setTaskCompletion",
    ] {
        assert!(operation_ids.contains(&id), "{id} missing");
    }
    assert_eq!(
        spec["components"]["securitySchemes"]["bearerAuth"]["scheme"],
        "bearer"
    );
    let yaml = app
        .request(Method::GET, "/openapi.yaml")
        .send()
        .await
        .unwrap();
    assert_eq!(yaml.status(), 200);
    assert!(
        yaml.text()
            .await
            .unwrap()
            .contains("operationId: listTasks")
    );
});

backend_test!(health_probes_answer, |app| async move {
    for path in ["/health/live", "/health/ready"] {
        let resp = app.request(Method::GET, path).send().await.unwrap();
        assert_eq!(resp.status(), 200, "{path}");
        let body: Value = resp.json().await.unwrap();
        assert_eq!(body["status"], "ok");
    }
});

// Several instances share one database only on PostgreSQL (SQLite is the
// single-instance embedded default), so this runs on PostgreSQL alone.
backend_test!(
    only Postgres: instances_starting_together_migrate_once,
    |backend: Backend| async move {
        // Three instances on one fresh database, as a deploy starts them.
        let database = TestDatabase::fresh(backend).await;
        let settings = settings(database.url());
        let build = || timed(tasks_api::startup::Application::build(&settings));
        let (a, b, c) = tokio::join!(build(), build(), build());
        let spans = [a.1, b.1, c.1];
        for (app, _) in [a, b, c] {
            app.expect("every instance starts on the shared database");
        }
        assert_overlapped(&spans, "three instances starting");
    }
);
