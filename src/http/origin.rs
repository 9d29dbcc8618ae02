//! The server's own origin, apart from CORS: a request from the server's
//! own pages (Swagger UI at `/docs` sends `Origin` with its POSTs) is not a
//! cross-origin request, so CORS must not refuse it; and the answer to a
//! cross-origin request depends on its `Origin`, so caches are told so with
//! `Vary: Origin`, whether CORS allowed it or not. CORS itself (the allowed
//! origins, or none when `CORS_ORIGINS` is unset) runs below this layer.
use poem::http::{HeaderMap, HeaderValue, header};
use poem::{Endpoint, IntoResponse, Request, Response};

/// Middleware: `serve` the request, knowing its origin.
pub async fn same_origin_or_vary<E: Endpoint>(
    next: &E,
    mut req: Request,
) -> poem::Result<Response> {
    let Some(origin) = req.headers().get(header::ORIGIN) else {
        return next.call(req).await.map(IntoResponse::into_response);
    };
    if is_same_origin(origin, req.headers().get(header::HOST)) {
        // Not a cross-origin request: CORS has nothing to say about it.
        req.headers_mut().remove(header::ORIGIN);
        return next.call(req).await.map(IntoResponse::into_response);
    }
    let mut resp = next.call(req).await?.into_response();
    vary_on_origin(resp.headers_mut());
    Ok(resp)
}

/// `Origin: scheme://host[:port]` naming the host the request was sent to.
fn is_same_origin(origin: &HeaderValue, host: Option<&HeaderValue>) -> bool {
    let (Ok(origin), Some(Ok(host))) = (origin.to_str(), host.map(HeaderValue::to_str)) else {
        return false;
    };
    let authority = origin
        .strip_prefix("http://")
        .or_else(|| origin.strip_prefix("https://"));
    authority.is_some_and(|authority| authority.eq_ignore_ascii_case(host))
}

fn vary_on_origin(headers: &mut HeaderMap) {
    let named = headers.get_all(header::VARY).iter().any(|v| {
        v.to_str()
            .is_ok_and(|v| v.to_ascii_lowercase().contains("origin"))
    });
    if !named {
        headers.append(header::VARY, HeaderValue::from_static("Origin"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_origin_naming_the_requested_host_is_the_same_origin() {
        let same = |origin: &str, host: &str| {
            is_same_origin(
                &HeaderValue::from_str(origin).unwrap(),
                Some(&HeaderValue::from_str(host).unwrap()),
            )
        };
        assert!(same("http://127.0.0.1:8000", "127.0.0.1:8000"));
        assert!(same("https://Tasks.Example", "tasks.example"));
        assert!(!same("http://127.0.0.1:8001", "127.0.0.1:8000"));
        assert!(!same("http://evil.example", "tasks.example"));
        assert!(!same("null", "tasks.example"));
    }
}
