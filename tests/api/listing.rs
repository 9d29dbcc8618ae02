//! Listing tasks: the defaults, paging, status and sorting.
use serde_json::{Value, json};

use crate::backend_test;
use crate::harness::{assert_invalid, field, ids};

backend_test!(
    a_list_defaults_to_newest_first_fifty_per_page,
    |app| async move {
        let s = app.sign_up().await;
        let created = app
            .create_tasks(
                &s,
                (0..3).map(|i| json!({"title": format!("t{i}")})).collect(),
            )
            .await;
        let page = app.list(&s, "").await;
        assert_eq!(
            (
                page["total"].clone(),
                page["limit"].clone(),
                page["offset"].clone()
            ),
            (json!(3), json!(50), json!(0))
        );
        let mut newest_first: Vec<String> = created
            .iter()
            .map(|t| t["id"].as_str().unwrap().to_owned())
            .collect();
        newest_first.reverse();
        assert_eq!(ids(&page), newest_first);
    }
);

backend_test!(paging_neither_repeats_nor_skips, |app| async move {
    let s = app.sign_up().await;
    // Every task shares its priority, so only the id tie-break orders them.
    let created = app
        .create_tasks(
            &s,
            (0..11)
                .map(|i| json!({"title": format!("t{i}"), "priority": "high"}))
                .collect(),
        )
        .await;
    for sort in ["created_at", "priority", "title", "due_date", "updated_at"] {
        for order in ["asc", "desc"] {
            let mut seen = Vec::new();
            for offset in (0..12).step_by(4) {
                let page = app
                    .list(
                        &s,
                        &format!("sort={sort}&order={order}&limit=4&offset={offset}"),
                    )
                    .await;
                assert_eq!(page["total"], 11);
                seen.extend(ids(&page));
            }
            let mut unique = seen.clone();
            unique.sort();
            unique.dedup();
            assert_eq!(
                (seen.len(), unique.len()),
                (created.len(), created.len()),
                "{sort} {order}"
            );
        }
    }
});

backend_test!(
    a_page_past_the_end_still_counts_every_match,
    |app| async move {
        let s = app.sign_up().await;
        app.create_tasks(
            &s,
            vec![
                json!({"title": "a", "priority": "high"}),
                json!({"title": "b", "priority": "high"}),
                json!({"title": "c", "priority": "low"}),
            ],
        )
        .await;
        for (query, total) in [
            ("offset=3", 3),
            ("offset=50&limit=10", 3),
            ("priority=high&offset=2", 2),
            ("priority=urgent&offset=0", 0),
            ("priority=urgent&offset=5", 0),
        ] {
            let page = app.list(&s, query).await;
            assert_eq!(
                (page["items"].clone(), page["total"].clone()),
                (json!([]), json!(total)),
                "{query}"
            );
        }
        // The last page's rows carry the total too.
        let last = app.list(&s, "priority=high&offset=1").await;
        assert_eq!((ids(&last).len(), last["total"].clone()), (1, json!(2)));
    }
);

backend_test!(status_filters_by_completion, |app| async move {
    let s = app.sign_up().await;
    app.create_tasks(
        &s,
        vec![
            json!({"title": "open"}),
            json!({"title": "done", "completed": true}),
        ],
    )
    .await;
    let pending = app.list(&s, "status=pending").await;
    assert_eq!(
        (pending["total"].clone(), field(&pending, "title")),
        (json!(1), vec![json!("open")])
    );
    let completed = app.list(&s, "status=completed").await;
    assert_eq!(field(&completed, "title"), vec![json!("done")]);
    assert_eq!(app.list(&s, "status=all").await["total"], 2);
});

backend_test!(sorting_follows_each_documented_order, |app| async move {
    let s = app.sign_up().await;
    app.create_tasks(
        &s,
        vec![
            json!({"title": "b", "priority": "low", "due_date": "2026-12-02T00:00:00Z"}),
            json!({"title": "a", "priority": "urgent"}),
            json!({"title": "c", "priority": "medium", "due_date": "2026-12-01T00:00:00Z"}),
            json!({"title": "d", "priority": "high"}),
        ],
    )
    .await;
    let titles = |page: &Value| {
        field(page, "title")
            .into_iter()
            .map(|v| v.as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        titles(&app.list(&s, "sort=title&order=asc").await),
        ["a", "b", "c", "d"]
    );
    assert_eq!(
        titles(&app.list(&s, "sort=title&order=desc").await),
        ["d", "c", "b", "a"]
    );
    assert_eq!(
        titles(&app.list(&s, "sort=priority&order=desc").await),
        ["a", "d", "c", "b"]
    );
    assert_eq!(
        titles(&app.list(&s, "sort=priority&order=asc").await),
        ["b", "c", "d", "a"]
    );
    // Tasks without a due date come last in both directions.
    let asc = titles(&app.list(&s, "sort=due_date&order=asc").await);
    assert_eq!(asc[..2], ["c", "b"]);
    let desc = titles(&app.list(&s, "sort=due_date&order=desc").await);
    assert_eq!(desc[..2], ["b", "c"]);
    assert!(
        asc[2..]
            .iter()
            .chain(&desc[2..])
            .all(|t| t == "a" || t == "d")
    );
});

backend_test!(list_parameters_are_validated, |app| async move {
    let s = app.sign_up().await;
    assert_eq!(app.list(&s, "limit=1").await["limit"], 1);
    assert_eq!(app.list(&s, "limit=100").await["limit"], 100);
    assert_eq!(app.list(&s, "offset=5").await["offset"], 5);
    let far = app.list(&s, "offset=9007199254740991").await;
    assert_eq!(far["items"], serde_json::json!([]));
    for (query, param) in [
        ("offset=9007199254740992", "offset"),
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("limit=ten", "limit"),
        ("offset=-1", "offset"),
        ("offset=-959044", "offset"),
        ("status=done", "status"),
        ("sort=colour", "sort"),
        ("order=up", "order"),
    ] {
        assert_invalid(app.list_response(&s, query).await, param).await;
    }
});

backend_test!(
    every_task_a_list_shows_is_the_task_its_own_url_shows,
    |app| async move {
        let s = app.sign_up().await;
        let bodies = vec![
            json!({"title": "plain"}),
            json!({"title": "quotes \" and \\ backslash", "description": "line\nbreak\ttab"}),
            json!({"title": "Ünïcødé 🚀 ✓", "tags": ["émoji 🚀", "b"], "priority": "urgent"}),
            json!({"title": "due", "due_date": "2031-02-03T04:05:06.789Z", "priority": "low"}),
            json!({"title": "due, whole second", "due_date": "2031-02-03T04:05:06Z"}),
            json!({"title": "repeats", "recurrence": "weekly", "due_date": "2030-01-01T00:00:00Z"}),
            json!({"title": "done", "completed": true, "priority": "high"}),
        ];
        let created = app.create_tasks(&s, bodies).await;
        // Completing a recurring task names its next occurrence.
        let repeats = created[5]["id"].as_str().unwrap();
        app.complete(&s, repeats, Some(json!({"completed": true})))
            .await;

        let page = app.list(&s, "limit=100").await;
        let items = page["items"].as_array().unwrap();
        assert_eq!(items.len(), created.len() + 1, "{page}");
        assert!(
            items.iter().any(|t| t["next_task_id"].is_string()),
            "{page}"
        );
        for item in items {
            let own = app.get_task(&s, item["id"].as_str().unwrap()).await;
            assert_eq!(item, &own);
        }
    }
);

backend_test!(
    a_task_whose_stored_tags_do_not_read_lists_with_none,
    |app| async move {
        use sea_orm::{ConnectionTrait, DbBackend, Statement};
        let s = app.sign_up().await;
        let task = app
            .create_task(&s, json!({"title": "odd tags", "tags": ["a"]}))
            .await;
        let id: uuid::Uuid = task["id"].as_str().unwrap().parse().unwrap();
        let backend = app.db.get_database_backend();
        let sql = match backend {
            DbBackend::Postgres => "UPDATE tasks SET tags = $1 WHERE id = $2",
            _ => "UPDATE tasks SET tags = ? WHERE id = ?",
        };
        for stored in ["not json", r#"{"a": 1}"#, "[1, 2]"] {
            let update = Statement::from_sql_and_values(backend, sql, [stored.into(), id.into()]);
            app.db.execute_raw(update).await.unwrap();
            let page = app.list(&s, "").await;
            assert_eq!(page["items"][0]["tags"], json!([]), "{stored}: {page}");
            let own = app.get_task(&s, task["id"].as_str().unwrap()).await;
            assert_eq!(page["items"][0], own, "{stored}");
        }
    }
);
