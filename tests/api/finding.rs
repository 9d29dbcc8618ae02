//! Filters, alone and combined.
use serde_json::{Value, json};

use crate::backend_test;
use crate::harness::{Session, TestApp, assert_invalid, field};

async fn titles(app: &TestApp, s: &Session, query: &str) -> (Vec<String>, u64) {
    let page = app.list(s, &format!("sort=title&order=asc&{query}")).await;
    let titles = field(&page, "title")
        .iter()
        .map(|t| t.as_str().unwrap().to_owned())
        .collect();
    (titles, page["total"].as_u64().unwrap())
}

/// Four tasks that the filters below tell apart.
async fn create_four(app: &TestApp, s: &Session) {
    let now = chrono::Utc::now();
    let past = (now - chrono::Duration::days(2)).to_rfc3339();
    let future = (now + chrono::Duration::days(2)).to_rfc3339();
    let bodies = vec![
        json!({"title": "Buy MILK", "priority": "high", "tags": ["home", "shop"], "due_date": past}),
        json!({"title": "Call mum", "description": "about the milkman", "priority": "low", "tags": ["family"], "due_date": future}),
        json!({"title": "File taxes", "priority": "urgent", "tags": ["home"], "due_date": past, "completed": true}),
        json!({"title": "Sale 50% off", "priority": "medium", "tags": ["shop"]}),
    ];
    app.create_tasks(s, bodies).await;
}

backend_test!(
    q_matches_title_or_description_case_insensitively,
    |app| async move {
        let s = app.sign_up().await;
        create_four(&app, &s).await;
        assert_eq!(
            titles(&app, &s, "q=milk").await,
            (vec!["Buy MILK".into(), "Call mum".into()], 2)
        );
        assert_eq!(titles(&app, &s, "q=MUM").await.0, ["Call mum"]);
        // LIKE's wildcards are matched literally.
        assert_eq!(titles(&app, &s, "q=50%25").await.0, ["Sale 50% off"]);
        assert_eq!(titles(&app, &s, "q=_").await.1, 0);
    }
);

backend_test!(priority_is_repeatable_and_matches_any, |app| async move {
    let s = app.sign_up().await;
    create_four(&app, &s).await;
    assert_eq!(titles(&app, &s, "priority=urgent").await.0, ["File taxes"]);
    let (both, total) = titles(&app, &s, "priority=high&priority=low").await;
    assert_eq!(
        (both, total),
        (vec!["Buy MILK".into(), "Call mum".into()], 2)
    );
});

backend_test!(tags_must_all_match_and_are_normalised, |app| async move {
    let s = app.sign_up().await;
    create_four(&app, &s).await;
    assert_eq!(
        titles(&app, &s, "tag=home").await.0,
        ["Buy MILK", "File taxes"]
    );
    assert_eq!(
        titles(&app, &s, "tag=%20HOME%20&tag=shop").await.0,
        ["Buy MILK"]
    );
    assert_eq!(titles(&app, &s, "tag=home&tag=family").await.1, 0);
    // A blank tag can match no stored tag, so it is ignored.
    assert_eq!(titles(&app, &s, "tag=home&tag=%20").await.1, 2);
});

backend_test!(
    due_bounds_are_exclusive_and_overdue_means_open_and_late,
    |app| async move {
        let s = app.sign_up().await;
        let at = "2026-12-01T12:00:00Z";
        app.create_task(&s, json!({"title": "exactly", "due_date": at}))
            .await;
        app.create_task(
            &s,
            json!({"title": "before", "due_date": "2026-12-01T11:59:59Z"}),
        )
        .await;
        app.create_task(
            &s,
            json!({"title": "after", "due_date": "2026-12-01T12:00:01Z"}),
        )
        .await;
        app.create_task(&s, json!({"title": "undated"})).await;
        assert_eq!(
            titles(&app, &s, &format!("due_before={at}")).await.0,
            ["before"]
        );
        assert_eq!(
            titles(&app, &s, &format!("due_after={at}")).await.0,
            ["after"]
        );
        let window = "due_after=2026-12-01T11:00:00Z&due_before=2026-12-01T12:30:00.5%2B00:30";
        assert_eq!(titles(&app, &s, window).await.0, ["before", "exactly"]);

        let s2 = app.sign_up().await;
        create_four(&app, &s2).await;
        assert_eq!(titles(&app, &s2, "overdue=true").await.0, ["Buy MILK"]);
        assert_eq!(titles(&app, &s2, "overdue=false").await.1, 4);
    }
);

backend_test!(
    filters_combine_with_status_sorting_and_paging,
    |app| async move {
        let s = app.sign_up().await;
        create_four(&app, &s).await;
        let (found, total) = titles(&app, &s, "tag=home&status=pending").await;
        assert_eq!((found, total), (vec!["Buy MILK".into()], 1));
        let page = app
            .list(&s, "tag=shop&sort=priority&order=desc&limit=1&offset=1")
            .await;
        assert_eq!(page["total"], 2);
        assert_eq!(page["items"][0]["title"], "Sale 50% off");
        assert_eq!(page["items"].as_array().unwrap().len(), 1);
    }
);

backend_test!(
    bad_filter_values_are_422_naming_the_parameter,
    |app| async move {
        let s = app.sign_up().await;
        for (query, param) in [
            ("due_before=tomorrow", "due_before"),
            ("due_after=2026-13-01T00:00:00Z", "due_after"),
            ("priority=critical", "priority"),
            ("priority=high&priority=nope", "priority"),
            ("overdue=maybe", "overdue"),
        ] {
            assert_invalid(app.list_response(&s, query).await, param).await;
        }
    }
);

backend_test!(other_users_tasks_never_match_a_filter, |app| async move {
    let owner = app.sign_up().await;
    create_four(&app, &owner).await;
    let other = app.sign_up().await;
    let page: Value = app.list(&other, "tag=home&q=milk").await;
    assert_eq!(page["total"], 0);
});
