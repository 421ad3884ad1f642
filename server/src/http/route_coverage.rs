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
        None,
        None,
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

/// Two users, told apart by a test header, on a runtime with real storage.
struct TwoUsers {
    alice: crate::ids::UserId,
    bob: crate::ids::UserId,
}

#[async_trait::async_trait]
impl Identify for TwoUsers {
    async fn identify(&self, request: &Parts) -> Option<CurrentUser> {
        match request.headers.get("x-test-user")?.to_str().ok()? {
            "alice" => Some(CurrentUser::local(self.alice.clone())),
            "bob" => Some(CurrentUser::local(self.bob.clone())),
            _ => None,
        }
    }
}

const SECRET: &str = "alice's secret plan";

/// Alice's thread, with a message and a stored element, in real SQLite.
async fn two_users() -> (axum::Router, String, String, std::path::PathBuf) {
    use crate::data::{DataLayer, SqliteDataLayer, ThreadRecord, WriteBatch};
    use crate::files::FileStorage;
    use loquat_app::protocol::{Element, ElementKind, Step, StepType};

    let dir = std::env::temp_dir().join(format!("loquat-two-{}", crate::ids::new_token()));
    let data = Arc::new(SqliteDataLayer::open(dir.join("loquat.db")).await.unwrap());
    let alice = data.get_or_create_user("alice").await.unwrap();
    let bob = data.get_or_create_user("bob").await.unwrap();
    let users = TwoUsers {
        alice: crate::ids::UserId::parse(&alice.id).unwrap(),
        bob: crate::ids::UserId::parse(&bob.id).unwrap(),
    };
    let thread = crate::ids::ThreadId::generate().into_string();
    let element = crate::ids::ElementId::generate().into_string();
    let step = Step {
        id: crate::ids::new_id(),
        thread_id: thread.clone(),
        step_type: StepType::UserMessage,
        name: "alice".into(),
        output: SECRET.into(),
        end: Some(1),
        ..Default::default()
    };
    let files = Arc::new(LocalFileStorage::new(dir.join("files")));
    files
        .put(&element, bytes::Bytes::from_static(SECRET.as_bytes()))
        .await
        .unwrap();
    let batch = WriteBatch {
        threads: vec![ThreadRecord {
            id: thread.clone(),
            user_id: alice.id.clone(),
            name: Some("Alice's plans".into()),
            created_at: 1,
            updated_at: 1,
            tags: vec![],
            metadata: Default::default(),
        }],
        steps: vec![step.clone()],
        elements: vec![Element {
            id: element.clone(),
            thread_id: thread.clone(),
            for_id: Some(step.id.clone()),
            kind: ElementKind::Text,
            name: "plan.txt".into(),
            mime: Some("text/plain".into()),
            url: Some(Element::content_path(&element)),
            bytes: Some(SECRET.len() as u64),
            ..Default::default()
        }],
        ..Default::default()
    };
    data.write(batch).await.unwrap();
    let mut config = Config::default();
    config.features.allow_thread_sharing = true;
    let persistence = crate::runtime::persist::Persistence::start(data, users.alice.clone());
    let runtime = Runtime::new(
        Default::default(),
        Arc::new(config),
        RuntimeLimits::default(),
        Some(persistence),
        files,
        None,
        None,
    );
    let site = Site::new(Bundle::from_env().expect("a bundle"), dir.join("public"));
    let bound: SocketAddr = ADDR.parse().unwrap();
    let policy = OriginPolicy::new(bound, None, &[], &[]).unwrap();
    let app = router(runtime, site, policy, Arc::new(users), None);
    (app, thread, element, dir)
}

async fn send_as(
    app: &axum::Router,
    user: &str,
    method: Method,
    path: &str,
    form: Option<String>,
) -> (StatusCode, String) {
    let mut request = Request::builder()
        .method(method)
        .uri(path)
        .header("host", ADDR)
        .header("origin", format!("http://{ADDR}"))
        .header("x-test-user", user);
    let body = match form {
        Some(form) => {
            request = request
                .header("content-type", "application/x-www-form-urlencoded")
                .header("accept", "application/json");
            Body::from(form)
        }
        None => {
            request = request.header("content-type", "application/json");
            Body::from("{}")
        }
    };
    let response = app
        .clone()
        .oneshot(request.body(body).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), 16 * 1024 * 1024)
        .await
        .unwrap_or_default();
    (status, String::from_utf8_lossy(&bytes).into_owned())
}

#[tokio::test]
async fn no_route_or_server_function_lets_one_user_reach_anothers_thread() {
    let (app, thread, element, dir) = two_users().await;
    // Every user route, with alice's ids in it: the kind of id each takes.
    let mut requests: Vec<(Method, String, Option<String>)> = Vec::new();
    for (path, _) in user_routes() {
        let filled = match path {
            "/thread/{id}" | "/api/threads/{id}/export" => path.replace("{id}", &thread),
            "/element/{id}" | "/element/{id}/content" | "/element/{id}/rows" => {
                path.replace("{id}", &element)
            }
            // Sessions are live only; alice has none for bob to reach.
            "/api/sessions/{id}/files" => path.replace("{id}", &crate::ids::new_token()),
            // The handoff mints a sign-in of the caller's own, no ids.
            loquat_app::protocol::WS_PATH
            | "/api/threads/import"
            | "/auth/user"
            | "/auth/frame-handoff" => path.to_string(),
            other => panic!("classify the new user route {other} in this test"),
        };
        let method = if path.contains("files") || path.contains("import") {
            Method::POST
        } else {
            Method::GET
        };
        requests.push((method, filled, None));
    }
    for (path, _) in leptos::server_fn::axum::server_fn_paths() {
        let form = format!("id={thread}&name=taken+by+bob&search=plan");
        requests.push((Method::POST, path.to_string(), Some(form)));
    }
    // Bob reaches nothing of alice's, on any of them.
    for (method, path, form) in &requests {
        let (status, body) = send_as(&app, "bob", method.clone(), path, form.clone()).await;
        assert!(
            !body.contains(SECRET) && !body.contains("Alice's plans"),
            "{method} {path} gave bob alice's data ({status}): {body}"
        );
        assert!(
            !(status.is_success() && (path.contains(&thread) || path.contains(&element))),
            "{method} {path} answered bob {status}"
        );
    }
    // …while alice reaches all of it: the test can tell reaching from not.
    for path in [
        format!("/thread/{thread}"),
        format!("/api/threads/{thread}/export"),
        format!("/element/{element}"),
        format!("/element/{element}/content"),
    ] {
        let (status, body) = send_as(&app, "alice", Method::GET, &path, None).await;
        assert_eq!(status, StatusCode::OK, "{path}: {body}");
    }
    let (_, export) = send_as(
        &app,
        "alice",
        Method::GET,
        &format!("/api/threads/{thread}/export"),
        None,
    )
    .await;
    assert!(export.contains(SECRET));
    // Bob's renames, deletes and shares changed nothing of alice's.
    let form = Some("search=".to_string());
    let (_, list) = send_as(&app, "alice", Method::POST, "/api/threads/list", form).await;
    assert!(
        list.contains("Alice's plans") && list.contains(&thread),
        "{list}"
    );
    let _ = std::fs::remove_dir_all(dir);
}
