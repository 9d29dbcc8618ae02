//! `tasks-api seed`: the bulk seeder writes what it says, its users can log
//! in with the shared password, and its sessions file drives the API.
use reqwest::{Method, StatusCode};
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::Value;
use tasks_api::auth::TokenService;
use tasks_api::cli::seed;
use tasks_api::entity::{task, task_tag, user};

use crate::backend_test;
use crate::harness::{JWT_SECRET, Session};

const PLAN: seed::Plan = seed::Plan {
    users: 3,
    tasks_per_user: 5,
    password_cost: 4,
};

backend_test!(
    seeding_creates_the_users_and_tasks_and_a_seeded_user_can_log_in,
    |app| async move {
        let seeded = seed::run(&app.db, &PLAN).await.unwrap();
        assert_eq!((seeded.users.len(), seeded.tasks), (3, 15));
        assert_eq!(user::Entity::find().count(&app.db).await.unwrap(), 3);
        assert_eq!(task::Entity::find().count(&app.db).await.unwrap(), 15);
        // Tasks 0, 2 and 4 are tagged "work", task 0 also "home".
        assert_eq!(task_tag::Entity::find().count(&app.db).await.unwrap(), 12);

        let resp = app.log_in(&seed::email(2), seed::PASSWORD).await;
        assert_eq!(resp.status(), StatusCode::OK);
        let session = Session::from_body(&resp.json().await.unwrap());
        let page: Value = app
            .authed(Method::GET, &app.tasks_path(&session), &session)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(page["total"], 5);
        assert_eq!(page["items"][0]["title"], "Seeded task 4", "newest first");
    }
);

backend_test!(
    seeding_the_same_users_twice_is_refused_and_writes_nothing,
    |app| async move {
        seed::run(&app.db, &PLAN).await.unwrap();
        assert!(seed::run(&app.db, &PLAN).await.is_err());
        assert_eq!(user::Entity::find().count(&app.db).await.unwrap(), 3);
        assert_eq!(task::Entity::find().count(&app.db).await.unwrap(), 15);
    }
);

backend_test!(
    the_sessions_file_holds_working_tokens_and_task_ids,
    |app| async move {
        let seeded = seed::run(&app.db, &PLAN).await.unwrap();
        let tokens = TokenService::new(JWT_SECRET.as_bytes(), "tasks-api", "tasks-api", 900);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sessions.txt");
        seed::write_sessions(&path, &tokens, &seeded).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text.lines().count(), 3);
        let fields: Vec<&str> = text.lines().next().unwrap().split(' ').collect();
        assert_eq!(
            fields.len(),
            2 + 5,
            "user, token and every task (at most 10)"
        );
        let session = Session {
            user_id: fields[0].to_owned(),
            token: fields[1].to_owned(),
        };
        let resp = app
            .authed(Method::GET, &app.task_path(&session, fields[2]), &session)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::OK);
    }
);
