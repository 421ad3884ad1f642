//! Every route that acts for a user passes the identity layer: with an
//! identity that tells nobody, each of them (the user routes, every
//! registered server function, every page) answers 401 to any method, and
//! only the public ones (`/healthz`, the site's files, the not-found page)
//! answer at all.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::Body;
use axum::http::request::Parts;
use axum::http::{Method, Request, StatusCode};
use leptos_axum::generate_route_list;
use tower::ServiceExt;

use super::current_user::{CurrentUser, Identify};
use super::router::{router, user_routes};
use super::OriginPolicy;
use crate::config::Config;
use crate::files::LocalFileStorage;
use crate::runtime::{Runtime, RuntimeLimits};
use crate::site::{Bundle, Site};

/// Tells nobody: every request is unidentified.
struct Nobody;

#[async_trait::async_trait]
impl Identify for Nobody {
    async fn identify(&self, _request: &Parts) -> Option<CurrentUser> {
        None
    }
}

const ADDR: &str = "127.0.0.1:4321";

fn app() -> axum::Router {
    let dir = std::env::temp_dir().join(format!("loquat-routes-{}", crate::ids::new_token()));
    let runtime = Runtime::new(
        Default::default(),
        Arc::new(Config::default()),
        RuntimeLimits::default(),
        None,
        Arc::new(LocalFileStorage::new(dir.join("files"))),
    );
    let site = Site::new(Bundle::from_env().expect("a bundle"), dir.join("public"));
    let bound: SocketAddr = ADDR.parse().unwrap();
    let policy = OriginPolicy::new(bound, None, &[], &[]).unwrap();
    router(runtime, site, policy, Arc::new(Nobody), None)
}

/// `path` with every `{param}` (or `*rest`) segment filled in.
fn concrete(path: &str) -> String {
    path.split('/')
        .map(|segment| {
            if segment.starts_with('{') || segment.starts_with(':') || segment.starts_with('*') {
                "0"
            } else {
                segment
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

async fn status(app: &axum::Router, method: Method, path: &str) -> StatusCode {
    let request = Request::builder()
        .method(method)
        .uri(path)
        .header("host", ADDR)
        .header("origin", format!("http://{ADDR}"))
        .header("content-type", "application/json")
        .body(Body::from("{}"))
        .unwrap();
    app.clone().oneshot(request).await.unwrap().status()
}

#[tokio::test]
async fn no_user_route_server_function_or_page_answers_without_an_identity() {
    let app = app();
    let mut paths: Vec<String> = user_routes()
        .into_iter()
        .map(|(path, _)| concrete(path))
        .collect();
    let server_fns: Vec<String> = leptos::server_fn::axum::server_fn_paths()
        .map(|(path, _)| path.to_string())
        .collect();
    assert!(
        server_fns.iter().any(|p| p.ends_with("/threads/list")),
        "the history server functions are registered: {server_fns:?}"
    );
    paths.extend(server_fns);
    let pages: Vec<String> = generate_route_list(loquat_app::App)
        .iter()
        .map(|route| concrete(route.path()))
        .collect();
    assert!(pages.contains(&"/".to_string()), "{pages:?}");
    paths.extend(pages);
    for path in &paths {
        for method in [Method::GET, Method::POST] {
            assert_eq!(
                status(&app, method.clone(), path).await,
                StatusCode::UNAUTHORIZED,
                "{method} {path} answered without an identity"
            );
        }
    }
}

#[tokio::test]
async fn only_the_public_routes_answer_without_an_identity() {
    let app = app();
    assert_eq!(status(&app, Method::GET, "/healthz").await, StatusCode::OK);
    let assets = loquat_app::site_assets::SiteAssets::default();
    assert_eq!(status(&app, Method::GET, &assets.css).await, StatusCode::OK);
    // The not-found page shows nothing of anyone's.
    assert_eq!(
        status(&app, Method::GET, "/no/such/page").await,
        StatusCode::NOT_FOUND
    );
}
