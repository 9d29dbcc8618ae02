//! `Cache-Control: no-store` on every answer of an endpoint, its problems
//! included: what it answers (tokens, account data) is never kept by a
//! browser or a proxy.
use poem::http::{HeaderValue, header};
use poem::{Endpoint, IntoResponse, Request, Response};

pub struct NoStore<E>(pub E);

impl<E: Endpoint> Endpoint for NoStore<E> {
    type Output = Response;

    async fn call(&self, req: Request) -> poem::Result<Response> {
        let mut resp = match self.0.call(req).await {
            Ok(resp) => resp.into_response(),
            // An operation's own problem, already a response.
            Err(err) if err.is_from_response() => err.into_response(),
            Err(err) => return Err(err),
        };
        resp.headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        Ok(resp)
    }
}
