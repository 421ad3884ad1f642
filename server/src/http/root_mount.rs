//! Serving the app under its root path (`[project] root_path`): requests
//! under `/chat/` reach the app with `/chat` taken off their path, so every
//! route, page and file lookup inside sees the app's own paths; `/chat`
//! itself is sent on to `/chat/`; nothing else is the app's. On the way
//! out, a redirect to an app path (`Location: /login`) and a cookie scoped
//! to one (`Path=/auth/oauth/`) get the root path in front, so handlers
//! never need to know it.
//!
//! A reverse proxy in front passes `/chat/…` on unchanged (nginx:
//! `location /chat/ { proxy_pass http://loquat; }`, with no URI after the
//! upstream), and the app adds the root path back to every address it
//! hands the browser (see [`loquat_app::root_path`]).

use axum::extract::{OriginalUri, Request};
use axum::http::header::{LOCATION, SET_COOKIE};
use axum::http::HeaderValue;
use axum::http::StatusCode;
use axum::http::Uri;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::any;
use axum::Router;
use loquat_app::root_path::RootPath;
use tower::ServiceExt;

/// `app` as it is for the site's root; else `app` answering under `root`.
pub(crate) fn mount(root: &RootPath, app: Router) -> Router {
    if root.is_root() {
        return app;
    }
    let home = root.home();
    let under = root.clone();
    Router::new()
        .route(
            root.as_str(),
            any(move |uri: Uri| {
                let home = home.clone();
                async move {
                    // The query goes along (`/chat?x=1` → `/chat/?x=1`).
                    match uri.query() {
                        Some(query) => Redirect::permanent(&format!("{home}?{query}")),
                        None => Redirect::permanent(&home),
                    }
                }
            }),
        )
        // A fallback, not a `/chat/{*rest}` route: a route's path parameters
        // would be seen by the app's own `Path` extractors.
        .fallback(move |request: Request| {
            let (root, app) = (under.clone(), app.clone());
            async move { serve_under(&root, app, request).await }
        })
}

/// `request` served by `app` when it is under `root`, else not found.
async fn serve_under(root: &RootPath, app: Router, request: Request) -> Response {
    if root.strip(request.uri().path()).is_none() || request.uri().path() == root.as_str() {
        return StatusCode::NOT_FOUND.into_response();
    }
    let request = strip_root(root, request);
    match app.oneshot(request).await {
        Ok(response) => add_root(root, response),
        Err(never) => match never {},
    }
}

/// The request with the root path taken off its URI's path (the outer
/// routes only send requests under it); the original URI stays available
/// as [`OriginalUri`].
fn strip_root(root: &RootPath, mut request: Request) -> Request {
    let uri = request.uri().clone();
    let Some(path) = root.strip(uri.path()) else {
        return request;
    };
    let path_and_query = match uri.query() {
        Some(query) => format!("{path}?{query}"),
        None => path.to_string(),
    };
    let mut parts = uri.clone().into_parts();
    let Ok(path_and_query) = path_and_query.parse() else {
        return request;
    };
    parts.path_and_query = Some(path_and_query);
    if let Ok(stripped) = Uri::from_parts(parts) {
        if request.extensions().get::<OriginalUri>().is_none() {
            request.extensions_mut().insert(OriginalUri(uri));
        }
        *request.uri_mut() = stripped;
    }
    request
}

/// The response with the root path in front of an app path it sends the
/// browser to: a redirect's target, and a cookie's `Path`. The app's own
/// `Path=/` becomes the root path too, so two apps under different paths
/// of one host keep their cookies apart; only a `__Host-` cookie keeps
/// `Path=/`, which its prefix requires (the session cookie under a root
/// path is `__Secure-` for that reason, see `auth::cookie`).
fn add_root(root: &RootPath, mut response: Response) -> Response {
    let headers = response.headers_mut();
    if let Some(location) = headers.get(LOCATION).and_then(|l| l.to_str().ok()) {
        if let Ok(value) = HeaderValue::from_str(&root.href(location)) {
            headers.insert(LOCATION, value);
        }
    }
    let cookies: Vec<HeaderValue> = headers
        .get_all(SET_COOKIE)
        .iter()
        .map(|value| scope_cookie(root, value))
        .collect();
    if !cookies.is_empty() {
        headers.remove(SET_COOKIE);
        for cookie in cookies {
            headers.append(SET_COOKIE, cookie);
        }
    }
    response
}

fn scope_cookie(root: &RootPath, value: &HeaderValue) -> HeaderValue {
    let Some(cookie) = value
        .to_str()
        .ok()
        .and_then(|text| cookie::Cookie::parse(text.to_string()).ok())
    else {
        return value.clone();
    };
    let scoped_path = match cookie.path() {
        Some("/") if cookie.name().starts_with("__Host-") => return value.clone(),
        Some("/") => root.as_str().to_string(),
        Some(path) if path.starts_with('/') => root.href(path),
        _ => return value.clone(),
    };
    let mut scoped = cookie.clone();
    scoped.set_path(scoped_path);
    HeaderValue::from_str(&scoped.to_string()).unwrap_or_else(|_| value.clone())
}

#[cfg(test)]
mod tests {
    use axum::body::Body;
    use axum::routing::get;

    use super::*;

    async fn get_path(app: &Router, path: &str) -> (StatusCode, String) {
        let response = app
            .clone()
            .oneshot(Request::get(path).body(Body::empty()).expect("a request"))
            .await
            .expect("infallible");
        let status = response.status();
        let location = response
            .headers()
            .get("location")
            .and_then(|l| l.to_str().ok())
            .map(str::to_string);
        let body = axum::body::to_bytes(response.into_body(), 1 << 16)
            .await
            .expect("a body");
        let body = String::from_utf8_lossy(&body).to_string();
        (status, location.unwrap_or(body))
    }

    fn app() -> Router {
        Router::new()
            .route("/", get(|| async { "home" }))
            .route(
                "/thread/{id}",
                get(
                    |uri: Uri,
                     OriginalUri(original): OriginalUri,
                     axum::extract::Path(id): axum::extract::Path<String>| async move {
                        format!("{id}: {uri} from {original}")
                    },
                ),
            )
            .route("/go", get(|| async { Redirect::to("/login?next=/x") }))
            .route(
                "/cookies",
                get(|| async {
                    (
                        axum::response::AppendHeaders([
                            (SET_COOKIE, "a=1; Path=/auth/oauth/; HttpOnly"),
                            (SET_COOKIE, "b=2; Path=/"),
                            (SET_COOKIE, "__Host-c=3; Path=/; Secure"),
                        ]),
                        "ok",
                    )
                }),
            )
            .fallback(|uri: Uri| async move { (StatusCode::NOT_FOUND, format!("no {uri}")) })
    }

    #[tokio::test]
    async fn redirects_and_scoped_cookies_get_the_root_path_on_the_way_out() {
        let mounted = mount(&RootPath::parse("/chat").expect("a root path"), app());
        assert_eq!(
            get_path(&mounted, "/chat/go").await,
            (StatusCode::SEE_OTHER, "/chat/login?next=/x".into())
        );
        let response = mounted
            .clone()
            .oneshot(
                Request::get("/chat/cookies")
                    .body(Body::empty())
                    .expect("a request"),
            )
            .await
            .expect("infallible");
        let cookies: Vec<&str> = response
            .headers()
            .get_all(SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect();
        assert_eq!(cookies.len(), 3, "{cookies:?}");
        assert!(
            cookies[0].starts_with("a=1") && cookies[0].contains("Path=/chat/auth/oauth/"),
            "{cookies:?}"
        );
        assert!(
            cookies[1].starts_with("b=2") && cookies[1].contains("Path=/chat"),
            "{cookies:?}"
        );
        assert!(
            cookies[2].starts_with("__Host-c=3")
                && cookies[2].contains("Path=/")
                && !cookies[2].contains("/chat"),
            "{cookies:?}"
        );
    }

    #[tokio::test]
    async fn the_app_answers_only_under_its_root_path_and_sees_its_own_paths() {
        let root = RootPath::parse("/chat").expect("a root path");
        let mounted = mount(&root, app());
        assert_eq!(
            get_path(&mounted, "/chat/").await,
            (StatusCode::OK, "home".into())
        );
        assert_eq!(
            get_path(&mounted, "/chat/thread/a?x=1").await,
            (
                StatusCode::OK,
                "a: /thread/a?x=1 from /chat/thread/a?x=1".into()
            )
        );
        // The app's own fallback answers under the root path.
        assert_eq!(
            get_path(&mounted, "/chat/nope").await,
            (StatusCode::NOT_FOUND, "no /nope".into())
        );
        assert_eq!(
            get_path(&mounted, "/chat?next=1").await,
            (StatusCode::PERMANENT_REDIRECT, "/chat/?next=1".into())
        );
        // Outside the root path nothing is the app's.
        for outside in ["/", "/thread/a", "/chatter", "/ws"] {
            assert_eq!(
                get_path(&mounted, outside).await.0,
                StatusCode::NOT_FOUND,
                "{outside}"
            );
        }
    }

    #[tokio::test]
    async fn at_the_site_root_the_app_is_unchanged() {
        let mounted = mount(&RootPath::default(), app());
        assert_eq!(
            get_path(&mounted, "/").await,
            (StatusCode::OK, "home".into())
        );
        assert_eq!(get_path(&mounted, "/nope").await.0, StatusCode::NOT_FOUND);
    }
}
