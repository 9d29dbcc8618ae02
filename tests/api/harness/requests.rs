//! Typed requests to a `TestApp`, one helper per thing a test asks of the
//! API. Helpers named `*_request` return the unsent request, for tests that
//! send it from another task.
use reqwest::{Method, RequestBuilder, Response, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

use super::{PASSWORD, TestApp};

/// A signed-up user and their access token.
#[derive(Debug, Clone)]
pub struct Session {
    pub user_id: String,
    pub token: String,
}

impl Session {
    /// The session a sign-up, log-in or refresh answer describes.
    pub fn from_body(body: &Value) -> Self {
        Self {
            user_id: body["user"]["id"].as_str().unwrap().to_owned(),
            token: body["access_token"].as_str().unwrap().to_owned(),
        }
    }
}

/// Accounts and sessions (`/api/auth/...`).
impl TestApp {
    /// The spec the running server publishes at `/openapi.json`.
    pub async fn served_spec(&self) -> Value {
        let resp = self.request(Method::GET, "/openapi.json").send().await;
        resp.unwrap().json().await.unwrap()
    }

    pub fn authed(&self, method: Method, path: &str, session: &Session) -> RequestBuilder {
        self.request(method, path).bearer_auth(&session.token)
    }

    pub fn sign_up_request(&self, email: &str, password: &str) -> RequestBuilder {
        self.request(Method::POST, "/api/auth/signup")
            .json(&json!({"email": email, "password": password}))
    }

    /// The raw answer to a sign-up with this body.
    pub async fn sign_up_with(&self, body: Value) -> Response {
        self.request(Method::POST, "/api/auth/signup")
            .json(&body)
            .send()
            .await
            .unwrap()
    }

    pub async fn sign_up_status(&self, email: &str) -> StatusCode {
        let resp = self.sign_up_request(email, PASSWORD).send().await.unwrap();
        resp.status()
    }

    /// Signs `email` up with `PASSWORD`; the sign-up must succeed.
    pub async fn sign_up_as(&self, email: &str) -> Session {
        Session::from_body(&self.sign_up_body_as(email).await)
    }

    /// Signs a new user up.
    pub async fn sign_up(&self) -> Session {
        self.sign_up_as(&format!("user-{}@example.com", Uuid::now_v7().simple()))
            .await
    }

    /// Signs a new user up: their email, and the whole answer (user, access
    /// and refresh token).
    pub async fn sign_up_body(&self) -> (String, Value) {
        let email = format!("s-{}@example.com", Uuid::now_v7().simple());
        let body = self.sign_up_body_as(&email).await;
        (email, body)
    }

    async fn sign_up_body_as(&self, email: &str) -> Value {
        let resp = self.sign_up_request(email, PASSWORD).send().await.unwrap();
        assert_eq!(resp.status(), StatusCode::CREATED, "sign-up of {email}");
        resp.json().await.unwrap()
    }

    pub fn log_in_request(&self, email: &str, password: &str) -> RequestBuilder {
        self.request(Method::POST, "/api/auth/login")
            .json(&json!({"email": email, "password": password}))
    }

    pub async fn log_in(&self, email: &str, password: &str) -> Response {
        self.log_in_request(email, password).send().await.unwrap()
    }

    /// `POST /api/auth/token` with this form body, as written.
    pub async fn token_form(&self, form: &str) -> Response {
        self.request(Method::POST, "/api/auth/token")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form.to_owned())
            .send()
            .await
            .unwrap()
    }

    /// The OAuth2 password grant for these credentials.
    pub fn token_grant_request(&self, email: &str, password: &str) -> RequestBuilder {
        self.request(Method::POST, "/api/auth/token").form(&[
            ("grant_type", "password"),
            ("username", email),
            ("password", password),
        ])
    }

    pub async fn token_grant(&self, email: &str, password: &str) -> Response {
        self.token_grant_request(email, password)
            .send()
            .await
            .unwrap()
    }

    pub fn refresh_request(&self, refresh_token: &str) -> RequestBuilder {
        self.request(Method::POST, "/api/auth/refresh")
            .json(&json!({"refresh_token": refresh_token}))
    }

    pub async fn refresh(&self, refresh_token: &str) -> Response {
        self.refresh_request(refresh_token).send().await.unwrap()
    }

    /// Refreshes successfully and returns the new refresh token.
    pub async fn rotate(&self, refresh_token: &str) -> String {
        let resp = self.refresh(refresh_token).await;
        assert_eq!(resp.status(), StatusCode::OK);
        let body: Value = resp.json().await.unwrap();
        body["refresh_token"].as_str().unwrap().to_owned()
    }

    pub async fn log_out(&self, refresh_token: &str) -> Response {
        self.request(Method::POST, "/api/auth/logout")
            .json(&json!({"refresh_token": refresh_token}))
            .send()
            .await
            .unwrap()
    }

    /// The status of `GET /api/auth/me` with this access token.
    pub async fn me(&self, access_token: &str) -> StatusCode {
        let req = self.request(Method::GET, "/api/auth/me");
        req.bearer_auth(access_token).send().await.unwrap().status()
    }

    /// `GET /api/auth/me` with this `Authorization` header, or none.
    pub async fn me_with(&self, authorization: Option<String>) -> Response {
        let mut req = self.request(Method::GET, "/api/auth/me");
        if let Some(value) = authorization {
            req = req.header("authorization", value);
        }
        req.send().await.unwrap()
    }

    pub async fn change_password(&self, access: &str, current: &str, new: &str) -> Response {
        self.request(Method::POST, "/api/auth/password")
            .bearer_auth(access)
            .json(&json!({"current_password": current, "new_password": new}))
            .send()
            .await
            .unwrap()
    }

    pub async fn delete_account(&self, access: &str, password: &str) -> Response {
        self.request(Method::DELETE, "/api/auth/me")
            .bearer_auth(access)
            .json(&json!({"password": password}))
            .send()
            .await
            .unwrap()
    }
}

/// Tasks (`/api/{user_id}/tasks...`).
impl TestApp {
    pub fn tasks_path(&self, session: &Session) -> String {
        format!("/api/{}/tasks", session.user_id)
    }

    pub fn task_path(&self, session: &Session, task_id: &str) -> String {
        format!("/api/{}/tasks/{}", session.user_id, task_id)
    }

    pub fn create_task_request(&self, session: &Session, body: &Value) -> RequestBuilder {
        self.authed(Method::POST, &self.tasks_path(session), session)
            .json(body)
    }

    /// Creates a task and returns its JSON.
    pub async fn create_task(&self, session: &Session, body: Value) -> Value {
        let resp = self
            .create_task_request(session, &body)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::CREATED, "create {body}");
        resp.json().await.unwrap()
    }

    /// Creates each task in turn and returns them.
    pub async fn create_tasks(&self, session: &Session, bodies: Vec<Value>) -> Vec<Value> {
        let mut created = Vec::new();
        for body in bodies {
            created.push(self.create_task(session, body).await);
        }
        created
    }

    /// A create with an `Idempotency-Key` and this body, as written.
    pub async fn create_keyed(&self, session: &Session, key: &str, body: &str) -> Response {
        self.authed(Method::POST, &self.tasks_path(session), session)
            .header("idempotency-key", key)
            .header("content-type", "application/json")
            .body(body.to_owned())
            .send()
            .await
            .unwrap()
    }

    /// The `/complete` path of one of `session`'s tasks.
    pub fn complete_path(&self, session: &Session, task_id: &str) -> String {
        format!("{}/complete", self.task_path(session, task_id))
    }

    /// Sets (`Some(body)`) or toggles (`None`) a task's completion; the task
    /// as answered.
    pub async fn complete(&self, session: &Session, task_id: &str, body: Option<Value>) -> Value {
        let path = self.complete_path(session, task_id);
        let resp = self.send(session, Method::PATCH, &path, body).await;
        assert_eq!(resp.status(), StatusCode::OK, "complete {task_id}");
        resp.json().await.unwrap()
    }

    pub async fn get_task(&self, session: &Session, task_id: &str) -> Value {
        let resp = self
            .authed(Method::GET, &self.task_path(session, task_id), session)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::OK);
        resp.json().await.unwrap()
    }

    /// The raw response to a list request with this query string.
    pub async fn list_response(&self, session: &Session, query: &str) -> Response {
        let path = format!("{}?{query}", self.tasks_path(session));
        self.authed(Method::GET, &path, session)
            .send()
            .await
            .unwrap()
    }

    pub async fn list(&self, session: &Session, query: &str) -> Value {
        let resp = self.list_response(session, query).await;
        assert_eq!(resp.status(), StatusCode::OK, "list ?{query}");
        resp.json().await.unwrap()
    }

    /// The ETag a `GET` of `path` answers with.
    pub async fn current_etag(&self, session: &Session, path: &str) -> String {
        let resp = self.authed(Method::GET, path, session).send().await;
        super::etag(&resp.unwrap())
    }

    /// Any request as `session`, with an optional JSON body.
    pub async fn send(
        &self,
        session: &Session,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> Response {
        self.send_if_match(session, method, path, None, body).await
    }

    /// Any request as `session`, with an optional `If-Match` and JSON body.
    pub async fn send_if_match(
        &self,
        session: &Session,
        method: Method,
        path: &str,
        if_match: Option<&str>,
        body: Option<Value>,
    ) -> Response {
        let mut req = self.authed(method, path, session);
        if let Some(tag) = if_match {
            req = req.header("if-match", tag);
        }
        with_body(req, body).send().await.unwrap()
    }

    /// Any request without a token, with an optional JSON body.
    pub async fn send_anonymous(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> Response {
        with_body(self.request(method, path), body)
            .send()
            .await
            .unwrap()
    }
}

fn with_body(req: RequestBuilder, body: Option<Value>) -> RequestBuilder {
    match body {
        Some(body) => req.json(&body),
        None => req,
    }
}
