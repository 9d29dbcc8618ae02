//! Sync helpers: pages of the change feed, and an event stream read one
//! event at a time.
use std::time::Duration;

use chrono::{Duration as Days, Utc};
use reqwest::{Method, RequestBuilder, Response, StatusCode};
use sea_orm::EntityTrait;
use sea_orm::sea_query::Expr;
use serde_json::Value;

use super::{Session, TestApp, purge_tombstones, task_tombstone};

/// One event of a stream.
#[derive(Debug, Clone)]
pub struct SseEvent {
    pub id: String,
    pub event: String,
    pub data: Value,
}

/// An open event stream.
pub struct EventReader {
    resp: Response,
    buffer: String,
}

impl EventReader {
    pub fn new(resp: Response) -> Self {
        assert_eq!(resp.status(), StatusCode::OK, "stream opens");
        let content_type = resp.headers()["content-type"].to_str().unwrap();
        assert!(
            content_type.starts_with("text/event-stream"),
            "{content_type}"
        );
        Self {
            resp,
            buffer: String::new(),
        }
    }

    /// The next event (keep-alive comments skipped) within `wait`; `None`
    /// when none came in time or the stream ended.
    pub async fn next_within(&mut self, wait: Duration) -> Option<SseEvent> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            while let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                if let Some(event) = parse(&block) {
                    return Some(event);
                }
            }
            let chunk = tokio::time::timeout_at(deadline, self.resp.chunk()).await;
            match chunk {
                Ok(Ok(Some(bytes))) => self.buffer.push_str(&String::from_utf8_lossy(&bytes)),
                _ => return None,
            }
        }
    }

    /// Whether a keep-alive comment (`:` line) arrives within `wait`,
    /// before any event.
    pub async fn comment_within(&mut self, wait: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            if self.buffer.starts_with(':') {
                return true;
            }
            match tokio::time::timeout_at(deadline, self.resp.chunk()).await {
                Ok(Ok(Some(bytes))) => self.buffer.push_str(&String::from_utf8_lossy(&bytes)),
                _ => return false,
            }
        }
    }

    /// Whether the server ended the stream within `wait`.
    pub async fn ends_within(&mut self, wait: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            match tokio::time::timeout_at(deadline, self.resp.chunk()).await {
                Ok(Ok(Some(_))) => continue,
                Ok(Ok(None) | Err(_)) => return true,
                Err(_) => return false,
            }
        }
    }
}

fn parse(block: &str) -> Option<SseEvent> {
    let (mut id, mut event, mut data) = (String::new(), String::new(), String::new());
    for line in block.lines() {
        if let Some(v) = line.strip_prefix("id:") {
            id = v.trim().to_owned();
        } else if let Some(v) = line.strip_prefix("event:") {
            event = v.trim().to_owned();
        } else if let Some(v) = line.strip_prefix("data:") {
            data.push_str(v.trim_start());
        }
    }
    (!data.is_empty()).then(|| SseEvent {
        id,
        event,
        data: serde_json::from_str(&data).unwrap(),
    })
}

impl TestApp {
    pub fn changes_request(&self, s: &Session, cursor: Option<&str>, limit: u32) -> RequestBuilder {
        let mut query = vec![("limit", limit.to_string())];
        if let Some(cursor) = cursor {
            query.push(("cursor", cursor.to_owned()));
        }
        self.authed(Method::GET, &format!("/api/{}/changes", s.user_id), s)
            .query(&query)
    }

    /// One page of the feed; it must be answered 200.
    pub async fn changes(&self, s: &Session, cursor: Option<&str>, limit: u32) -> Value {
        let resp = self.changes_request(s, cursor, limit).send().await.unwrap();
        assert_eq!(resp.status(), StatusCode::OK);
        resp.json().await.unwrap()
    }

    /// Every change after `cursor`, paging `limit` at a time: the changes
    /// and the last `next_cursor`.
    pub async fn sync(
        &self,
        s: &Session,
        cursor: Option<&str>,
        limit: u32,
    ) -> (Vec<Value>, String) {
        let mut cursor = cursor.map(str::to_owned);
        let mut changes = vec![];
        for _ in 0..10_000 {
            let page = self.changes(s, cursor.as_deref(), limit).await;
            changes.extend(page["changes"].as_array().unwrap().iter().cloned());
            cursor = Some(page["next_cursor"].as_str().unwrap().to_owned());
            if page["has_more"] == false {
                return (changes, cursor.unwrap());
            }
        }
        panic!("the feed never ended");
    }

    pub fn events_request(&self, s: &Session, last_event_id: Option<&str>) -> RequestBuilder {
        let request = self.authed(Method::GET, &format!("/api/{}/events", s.user_id), s);
        match last_event_id {
            Some(id) => request.header("last-event-id", id),
            None => request,
        }
    }

    /// An open stream of `s`'s changes.
    pub async fn events(&self, s: &Session, last_event_id: Option<&str>) -> EventReader {
        EventReader::new(self.events_request(s, last_event_id).send().await.unwrap())
    }

    /// Makes every tombstone `days` days old, then runs the purge with the
    /// default retention (30 days), as housekeeping does.
    pub async fn age_and_purge_tombstones(&self, days: i64) -> u64 {
        task_tombstone::Entity::update_many()
            .col_expr(
                task_tombstone::Column::DeletedAt,
                Expr::value(Utc::now() - Days::days(days)),
            )
            .exec(&self.db)
            .await
            .unwrap();
        purge_tombstones(&self.db, 30).await.unwrap()
    }
}
