//! ETags and If-Match, the racing writers included.
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::backend_test;
use crate::harness::{assert_in_flight_together, assert_overlapped, assert_problem, etag, timed};

backend_test!(every_write_changes_the_etag, |app| async move {
    let s = app.sign_up().await;
    let task = app.create_task(&s, json!({"title": "v1"})).await;
    let path = app.task_path(&s, task["id"].as_str().unwrap());
    let mut seen = vec![app.current_etag(&s, &path).await];
    for (method, suffix, body) in [
        (Method::PUT, "", Some(json!({"title": "v2"}))),
        (Method::PATCH, "", Some(json!({"title": "v3"}))),
        (Method::PATCH, "/complete", None),
    ] {
        let resp = app.send(&s, method, &format!("{path}{suffix}"), body).await;
        assert_eq!(resp.status(), StatusCode::OK);
        let tag = etag(&resp);
        assert_eq!(
            tag,
            app.current_etag(&s, &path).await,
            "the response carries the new ETag"
        );
        assert!(!seen.contains(&tag), "ETag {tag} was reused");
        seen.push(tag);
    }
});

backend_test!(
    a_stale_if_match_is_412_and_changes_nothing,
    |app| async move {
        let s = app.sign_up().await;
        let task = app.create_task(&s, json!({"title": "original"})).await;
        let path = app.task_path(&s, task["id"].as_str().unwrap());
        let stale = app.current_etag(&s, &path).await;
        let resp = app
            .send_if_match(
                &s,
                Method::PATCH,
                &path,
                Some(&stale),
                Some(json!({"title": "first"})),
            )
            .await;
        assert_eq!(resp.status(), StatusCode::OK);
        let fresh = etag(&resp);
        let before = app.get_task(&s, task["id"].as_str().unwrap()).await;
        for (method, suffix, body) in [
            (Method::PUT, "", Some(json!({"title": "lost update"}))),
            (Method::PATCH, "", Some(json!({"title": "lost update"}))),
            (Method::PATCH, "/complete", Some(json!({"completed": true}))),
            (Method::DELETE, "", None),
        ] {
            let resp = app
                .send_if_match(&s, method, &format!("{path}{suffix}"), Some(&stale), body)
                .await;
            assert_problem(resp, 412, "precondition_failed").await;
        }
        assert_eq!(app.get_task(&s, task["id"].as_str().unwrap()).await, before);
        // The current ETag, a list containing it, or `*` all match.
        let resp = app
            .send_if_match(
                &s,
                Method::PATCH,
                &path,
                Some(&format!("{stale}, {fresh}")),
                Some(json!({})),
            )
            .await;
        assert_eq!(resp.status(), StatusCode::OK);
        let resp = app
            .send_if_match(
                &s,
                Method::PATCH,
                &path,
                Some("*"),
                Some(json!({"title": "star"})),
            )
            .await;
        assert_eq!(resp.status(), StatusCode::OK);
        let tag = etag(&resp);
        assert_eq!(
            app.send_if_match(&s, Method::DELETE, &path, Some(&tag), None)
                .await
                .status(),
            StatusCode::NO_CONTENT
        );
    }
);

backend_test!(
    a_weak_or_malformed_if_match_never_matches,
    |app| async move {
        let s = app.sign_up().await;
        let task = app.create_task(&s, json!({"title": "t"})).await;
        let path = app.task_path(&s, task["id"].as_str().unwrap());
        let tag = app.current_etag(&s, &path).await;
        let weak = app
            .send_if_match(
                &s,
                Method::PATCH,
                &path,
                Some(&format!("W/{tag}")),
                Some(json!({})),
            )
            .await;
        assert_problem(weak, 412, "precondition_failed").await;
        // An If-Match that names no entity tag fails its condition.
        let garbage = app
            .send_if_match(&s, Method::PATCH, &path, Some("not-a-tag"), Some(json!({})))
            .await;
        assert_problem(garbage, 412, "precondition_failed").await;
    }
);

backend_test!(
    two_writers_racing_with_one_etag_get_one_200_and_one_412,
    |app| async move {
        let s = app.sign_up().await;
        for round in 0..8 {
            let task = app
                .create_task(&s, json!({"title": format!("race {round}")}))
                .await;
            let path = app.task_path(&s, task["id"].as_str().unwrap());
            let tag = app.current_etag(&s, &path).await;
            let ((a, a_span), (b, b_span)) = tokio::join!(
                timed(app.send_if_match(
                    &s,
                    Method::PATCH,
                    &path,
                    Some(&tag),
                    Some(json!({"title": "writer a"}))
                )),
                timed(app.send_if_match(
                    &s,
                    Method::PUT,
                    &path,
                    Some(&tag),
                    Some(json!({"title": "writer b"}))
                )),
            );
            assert_overlapped(&[a_span, b_span], &format!("round {round}"));
            let mut statuses = [a.status().as_u16(), b.status().as_u16()];
            statuses.sort();
            assert_eq!(statuses, [200, 412], "round {round}");
            let winner = if a.status() == StatusCode::OK {
                "writer a"
            } else {
                "writer b"
            };
            assert_eq!(
                app.get_task(&s, task["id"].as_str().unwrap()).await["title"],
                winner
            );
        }
    }
);

backend_test!(
    many_unconditional_patches_of_one_task_all_succeed,
    |app| async move {
        // Without If-Match a patch that keeps losing the race takes the
        // row's lock instead of failing: none of these may answer 500.
        let s = app.sign_up().await;
        let task = app.create_task(&s, json!({"title": "contended"})).await;
        let path = app.task_path(&s, task["id"].as_str().unwrap());
        let mut writers = tokio::task::JoinSet::new();
        for n in 0..40 {
            let request = app
                .authed(Method::PATCH, &path, &s)
                .json(&json!({"title": format!("writer {n}")}));
            writers.spawn(timed(async move { request.send().await.unwrap() }));
        }
        let mut spans = vec![];
        while let Some(writer) = writers.join_next().await {
            let (resp, span) = writer.unwrap();
            spans.push(span);
            assert_eq!(resp.status().as_u16(), 200);
        }
        // Half of them at once at least: the last few may start late on a
        // loaded machine, which makes them no less racers of the others.
        assert_in_flight_together(&spans, 20, "forty patches");
        let resp = app
            .authed(
                Method::GET,
                &app.task_path(&s, task["id"].as_str().unwrap()),
                &s,
            )
            .send()
            .await
            .unwrap();
        let etag = resp.headers()["etag"].to_str().unwrap().to_owned();
        assert!(etag.ends_with("-41\""), "41 writes in all, got {etag}");
    }
);
