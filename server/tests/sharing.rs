//! Share links through the real server: the owner makes a read-only link
//! (an unguessable token, kept only as its hash) that anyone can open
//! without signing in and without JavaScript; nobody else can make or end
//! one for the thread; revoking ends it; `on_shared_thread_view` may deny.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use loquat::config::Config;
use loquat::data::ThreadRecord;
use loquat::User;
use support::auth::{chat_as, form, http, status_with, with_passwords};
use support::TestApp;

fn sharing() -> Config {
    let mut config = Config::default();
    config.features.allow_thread_sharing = true;
    config
}

/// Calls a history server function as the user with `cookie`.
async fn call(app: &TestApp, cookie: &str, name: &str, id: &str) -> (u16, String) {
    call_from(app, &[], cookie, name, id).await
}

/// The same, with extra headers (another site's `Origin`, say).
async fn call_from(
    app: &TestApp,
    headers: &[(&str, &str)],
    cookie: &str,
    name: &str,
    id: &str,
) -> (u16, String) {
    let mut request = http().post(app.url(&format!("/api/threads/{name}")));
    for (header, value) in headers {
        request = request.header(*header, *value);
    }
    let response = request
        .header("cookie", cookie)
        .header("accept", "application/json")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form(&[("id", id)]))
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.text().await.unwrap_or_default())
}

#[tokio::test]
async fn the_owner_shares_a_read_only_link_and_revokes_it() {
    let app = TestApp::start_with(with_passwords(), sharing()).await;
    let (alice, thread) = chat_as(&app, "alice").await;
    let (bob, _) = chat_as(&app, "bob").await;

    // Bob can neither share nor see alice's thread through the API.
    assert_eq!(call(&app, &bob, "share", &thread).await.0, 404);

    let (status, body) = call(&app, &alice, "share", &thread).await;
    assert_eq!(status, 200, "{body}");
    let path: String = serde_json::from_str(&body).unwrap();
    let token = path.strip_prefix("/share/").unwrap();
    assert_eq!(token.len(), 64);
    assert!(
        !token.contains(&thread.replace('-', "")),
        "not the thread id"
    );

    // Anyone opens it, signed in or not: the thread, read-only.
    let response = http().get(app.url(&path)).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(response.headers()["cache-control"], "no-store");
    assert_eq!(response.headers()["referrer-policy"], "no-referrer");
    let page = response.text().await.unwrap();
    assert!(page.contains("data-testid=\"shared-thread\""), "{page}");
    assert!(page.contains("secret of alice") && page.contains("echo: secret of alice"));
    for absent in ["<script", "composer", "data-testid=\"settings", "user-menu"] {
        assert!(!page.contains(absent), "{absent} on the shared page");
    }

    // Bob ending it does nothing; alice ending it does.
    assert_eq!(call(&app, &bob, "unshare", &thread).await.0, 200);
    assert_eq!(status_with(&app, &path, &[]).await.0, 200);
    assert_eq!(call(&app, &alice, "unshare", &thread).await.0, 200);
    let (status, page) = status_with(&app, &path, &[]).await;
    assert_eq!(status, 404);
    assert!(page.contains("shared-not-found"), "{page}");

    // A new link replaces the old; a made-up one is not found.
    let (_, first) = call(&app, &alice, "share", &thread).await;
    let (_, second) = call(&app, &alice, "share", &thread).await;
    let first: String = serde_json::from_str(&first).unwrap();
    let second: String = serde_json::from_str(&second).unwrap();
    assert_eq!(status_with(&app, &first, &[]).await.0, 404);
    assert_eq!(status_with(&app, &second, &[]).await.0, 200);
    let made_up = format!("/share/{}", "ab".repeat(32));
    assert_eq!(status_with(&app, &made_up, &[]).await.0, 404);

    // Only the hash is stored (in the database or its write-ahead log).
    let token = second.strip_prefix("/share/").unwrap();
    for file in [
        loquat::DATABASE_FILE.to_string(),
        format!("{}-wal", loquat::DATABASE_FILE),
    ] {
        let bytes = std::fs::read(app.data_dir.join(file)).unwrap_or_default();
        assert!(!bytes.windows(token.len()).any(|w| w == token.as_bytes()));
    }
}

#[tokio::test]
async fn sharing_is_off_unless_enabled_and_the_app_may_deny_a_viewer() {
    let app = TestApp::start(with_passwords()).await;
    let (alice, thread) = chat_as(&app, "alice").await;
    assert_eq!(call(&app, &alice, "share", &thread).await.0, 404);
    app.stop().await;

    let denying = with_passwords().on_shared_thread_view(
        |_thread: ThreadRecord, viewer: Option<User>| async move {
            viewer.is_some_and(|user| user.identifier == "bob")
        },
    );
    let app = TestApp::start_with(denying, sharing()).await;
    let (alice, thread) = chat_as(&app, "alice").await;
    let (bob, _) = chat_as(&app, "bob").await;
    let (_, path) = call(&app, &alice, "share", &thread).await;
    let path: String = serde_json::from_str(&path).unwrap();
    assert_eq!(
        status_with(&app, &path, &[]).await.0,
        404,
        "anonymous denied"
    );
    assert_eq!(
        status_with(&app, &path, &[("cookie", &bob)]).await.0,
        200,
        "bob allowed"
    );
}

#[tokio::test]
async fn another_site_can_neither_make_nor_end_a_link() {
    let app = TestApp::start_with(with_passwords(), sharing()).await;
    let (alice, thread) = chat_as(&app, "alice").await;
    let cross_site: [&[(&str, &str)]; 3] = [
        &[("origin", "https://evil.example")],
        &[("origin", "null")],
        &[("sec-fetch-site", "cross-site")],
    ];
    for headers in cross_site {
        let (status, body) = call_from(&app, headers, &alice, "share", &thread).await;
        assert_eq!(status, 403, "{headers:?}: {body}");
        assert!(!body.contains("/share/"), "{headers:?}: no link in {body}");
    }

    // Alice's own page makes a link; no other site ends it.
    let (status, path) = call(&app, &alice, "share", &thread).await;
    assert_eq!(status, 200, "{path}");
    let path: String = serde_json::from_str(&path).unwrap();
    for headers in cross_site {
        let (status, _) = call_from(&app, headers, &alice, "unshare", &thread).await;
        assert_eq!(status, 403, "{headers:?}");
        assert_eq!(status_with(&app, &path, &[]).await.0, 200, "{headers:?}");
    }
    assert_eq!(call(&app, &alice, "unshare", &thread).await.0, 200);
    assert_eq!(status_with(&app, &path, &[]).await.0, 404);
}
