//! Logins through the real server: password (the app's callback and the
//! built-in users), header (through and around the trusted proxy), bearer
//! tokens and their exchange; sign-out, removed users, expired, tampered
//! and foreign-secret tokens; and two users who each reach only their own
//! conversations on every route.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use loquat::auth::{create_secret, AuthSecret, Claims, TokenKeys};
use loquat::config::Config;
use loquat::protocol::ServerEvent;
use loquat::{Loquat, ServeOptions, User};
use support::auth::{
    chat_as, echo_app, form, http, keys, secret, session_cookie, sign_in, status_with, users_cli,
    with_passwords,
};
use support::{Client, TempDir, TestApp};

#[tokio::test]
async fn logins_without_a_secret_refuse_to_start() {
    if std::env::var_os(loquat::auth::SECRET_ENV).is_some() {
        return; // The environment provides one; nothing to check here.
    }
    let dir = TempDir::new();
    let app = Loquat::new().password_auth(|_, _| async { None });
    let err = app
        .bind(ServeOptions::ephemeral(dir.path.clone()))
        .await
        .err()
        .expect("no secret, no server");
    let text = err.to_string();
    assert!(
        text.contains("LOQUAT_AUTH_SECRET") && text.contains("create-secret"),
        "{text}"
    );
}

#[tokio::test]
async fn a_visitor_is_sent_to_the_login_page_and_refused_elsewhere() {
    let app = TestApp::start(with_passwords()).await;
    let (status, _) = status_with(&app, "/", &[("accept", "text/html")]).await;
    assert_eq!(status, 303);
    let response = http()
        .get(app.url("/thread/abc?x=1"))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.headers()["location"],
        "/login?next=%2Fthread%2Fabc%3Fx%3D1"
    );
    let (status, page) = status_with(&app, "/login", &[]).await;
    assert_eq!(status, 200);
    assert!(page.contains("data-testid=\"login-form\""), "{page}");
    assert_eq!(status_with(&app, "/auth/user", &[]).await.0, 401);
    assert_eq!(app.server_fn("threads/list", &[]).await.0, 401);
    assert_eq!(
        Client::connect_with(app.addr, &[]).await.err(),
        Some(401),
        "the socket needs a user"
    );
}

#[tokio::test]
async fn two_users_each_reach_only_their_own_conversations() {
    let app = TestApp::start(with_passwords()).await;
    each_reaches_only_their_own(&app).await;
}

/// The same with the built-in users (`loquat users add`, no code).
#[tokio::test]
async fn two_built_in_users_each_reach_only_their_own_conversations() {
    let dir = TempDir::new();
    for name in ["alice", "bob"] {
        let upper = name.to_uppercase();
        let args = ["add", name, "--display-name", &upper, "--password-stdin"];
        let (ok, out) = users_cli(&dir.path, &args, "wonderland\n");
        assert!(ok, "{out}");
    }
    let mut config = Config::default();
    config.auth.password_users = true;
    let app = TestApp::start_in(echo_app(), config, &dir.path).await;
    each_reaches_only_their_own(&app).await;
}

/// Alice and bob chat; each opens, exports, lists and resumes their own
/// thread and not the other's.
async fn each_reaches_only_their_own(app: &TestApp) {
    let (alice, alice_thread) = chat_as(app, "alice").await;
    let (bob, bob_thread) = chat_as(app, "bob").await;
    assert_ne!(alice, bob);
    assert_ne!(alice_thread, bob_thread);

    for (cookie, own, other) in [
        (&alice, &alice_thread, &bob_thread),
        (&bob, &bob_thread, &alice_thread),
    ] {
        let headers = [("cookie", cookie.as_str())];
        // Their own thread opens; the other's is not found, everywhere.
        let (status, _) = status_with(app, &format!("/thread/{own}"), &headers).await;
        assert_eq!(status, 200);
        let (status, _) = status_with(app, &format!("/thread/{other}"), &headers).await;
        assert_eq!(status, 404);
        let (status, _) = status_with(app, &format!("/api/threads/{own}/export"), &headers).await;
        assert_eq!(status, 200);
        let (status, body) =
            status_with(app, &format!("/api/threads/{other}/export"), &headers).await;
        assert_eq!(status, 404, "{body}");
        let listed = http()
            .post(app.url("/api/threads/list"))
            .header("cookie", cookie.as_str())
            .header("accept", "application/json")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form(&[("search", "")]))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(listed.contains(own.as_str()), "{listed}");
        assert!(!listed.contains(other.as_str()), "{listed}");
        let opened = Client::open_thread_with(app.addr, &headers, other)
            .await
            .unwrap();
        assert!(
            opened
                .errors
                .iter()
                .any(|e| matches!(e, ServerEvent::Error { .. })),
            "{:?}",
            opened.errors
        );
        assert!(opened.steps.iter().all(|s| !s.output.contains("secret")));
    }
}

#[tokio::test]
async fn signing_out_ends_the_sign_in_on_the_server() {
    let app = TestApp::start(with_passwords()).await;
    let (status, cookie) = sign_in(&app, "alice", "wonderland").await;
    assert_eq!(status, 200);
    let cookie = cookie.unwrap();
    let headers = [("cookie", cookie.as_str())];
    let (status, body) = status_with(&app, "/auth/user", &headers).await;
    assert_eq!(status, 200);
    assert!(
        body.contains("\"identifier\":\"alice\"") && body.contains("ALICE"),
        "{body}"
    );

    // A tab chatting with this sign-in.
    let mut open_tab = Client::connect_with(app.addr, &headers).await.unwrap();
    let response = http()
        .post(app.url("/auth/logout"))
        .header("cookie", cookie.as_str())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 303);
    // Its socket is closed at once ("signed out"), not left attached.
    assert_eq!(open_tab.close_code().await, Some(4401));
    assert_eq!(response.headers()["location"], "/login?signed_out=1");
    let cleared = response.headers()["set-cookie"].to_str().unwrap();
    assert!(cleared.contains("Max-Age=0"), "{cleared}");
    // The old cookie, replayed, is refused.
    assert_eq!(status_with(&app, "/auth/user", &headers).await.0, 401);
    assert_eq!(
        Client::connect_with(app.addr, &headers).await.err(),
        Some(401)
    );
}

#[tokio::test]
async fn wrong_passwords_tampered_expired_and_foreign_tokens_are_refused() {
    let app = TestApp::start(with_passwords()).await;
    assert_eq!(sign_in(&app, "alice", "nope").await, (401, None));
    assert_eq!(sign_in(&app, "mallory", "wonderland").await, (401, None));
    // The page's form goes back to the page with a fixed message.
    let response = http()
        .post(app.url("/auth/login"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form(&[
            ("username", "alice"),
            ("password", "nope"),
            ("next", "/x"),
        ]))
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.headers()["location"],
        "/login?error=bad_credentials&next=%2Fx"
    );

    let (_, cookie) = sign_in(&app, "alice", "wonderland").await;
    let cookie = cookie.unwrap();
    let token = cookie.trim_start_matches("loquat_session=");
    let mut tampered = token.to_string();
    let last = tampered.pop().unwrap();
    tampered.push(if last == 'A' { 'B' } else { 'A' });
    let tampered = format!("loquat_session={tampered}");
    assert_eq!(
        status_with(&app, "/auth/user", &[("cookie", &tampered)])
            .await
            .0,
        401
    );

    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let bearer = |exp: u64| Claims {
        identifier: "carol".into(),
        metadata: Default::default(),
        display_name: Some("Carol".into()),
        exp,
        iat: now,
        sid: None,
    };
    let good = keys().sign(&bearer(now + 600)).unwrap();
    let auth = format!("Bearer {good}");
    let (status, body) = status_with(&app, "/auth/user", &[("authorization", &auth)]).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("carol"), "{body}");

    let expired = format!("Bearer {}", keys().sign(&bearer(now - 600)).unwrap());
    assert_eq!(
        status_with(&app, "/auth/user", &[("authorization", &expired)])
            .await
            .0,
        401
    );
    let foreign_keys = TokenKeys::new(&AuthSecret::new(&create_secret()).unwrap());
    let foreign = format!("Bearer {}", foreign_keys.sign(&bearer(now + 600)).unwrap());
    assert_eq!(
        status_with(&app, "/auth/user", &[("authorization", &foreign)])
            .await
            .0,
        401
    );
    // A bad bearer token is refused even with a good cookie.
    assert_eq!(
        status_with(
            &app,
            "/auth/user",
            &[("authorization", &foreign), ("cookie", &cookie)]
        )
        .await
        .0,
        401
    );
}

#[tokio::test]
async fn a_bearer_token_is_exchanged_for_a_session() {
    let app = TestApp::start(with_passwords()).await;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let claims = Claims {
        identifier: "dave@example.com".into(),
        metadata: serde_json::Map::from_iter([("image".to_string(), "/d.png".into())]),
        display_name: None,
        exp: now + 600,
        iat: now,
        sid: None,
    };
    let token = keys().sign(&claims).unwrap();
    let response = http()
        .post(app.url("/auth/jwt"))
        .header("authorization", format!("Bearer {token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let cookie = session_cookie(&response).expect("a session cookie");
    let (status, body) = status_with(&app, "/auth/user", &[("cookie", &cookie)]).await;
    assert_eq!(status, 200);
    assert!(
        body.contains("dave@example.com") && body.contains("/d.png"),
        "{body}"
    );
    // The cookie stays small whatever the token carried.
    assert!(cookie.len() < 400, "{} bytes", cookie.len());
    // The socket takes the bearer token too.
    let bearer = format!("Bearer {token}");
    assert!(
        Client::connect_with(app.addr, &[("authorization", &bearer)])
            .await
            .is_ok()
    );
    let response = http()
        .post(app.url("/auth/jwt"))
        .header("authorization", "Bearer not-a-token")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 401);
}

#[tokio::test]
async fn sign_ins_from_another_site_are_refused() {
    let app = TestApp::start(with_passwords()).await;
    let response = http()
        .post(app.url("/auth/login"))
        .header("origin", "https://evil.example")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form(&[("username", "alice"), ("password", "wonderland")]))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 403);
    assert!(session_cookie(&response).is_none());
}

#[tokio::test]
async fn guessing_one_account_is_rate_limited() {
    let app = TestApp::start(with_passwords()).await;
    let mut statuses = Vec::new();
    for _ in 0..12 {
        statuses.push(sign_in(&app, "alice", "guess").await.0);
    }
    assert_eq!(&statuses[..10], &[401; 10], "{statuses:?}");
    assert_eq!(statuses[10], 429, "{statuses:?}");
    // The right password does not get through either, for now.
    assert_eq!(sign_in(&app, "alice", "wonderland").await.0, 429);
    // Another account is not held back by alice's.
    assert_eq!(sign_in(&app, "bob", "wonderland").await.0, 200);
}

fn header_app() -> Loquat {
    Loquat::new()
        .auth_secret(AuthSecret::new(secret()).unwrap())
        .header_auth(|headers| async move {
            let name = headers.get("x-forwarded-user")?.to_str().ok()?;
            Some(User::new(name))
        })
}

#[tokio::test]
async fn header_logins_are_believed_only_from_the_trusted_proxy() {
    let forwarded = [("x-forwarded-user", "erin")];
    // The proxy on loopback (the default) is trusted.
    let app = TestApp::start(header_app()).await;
    let (status, body) = status_with(&app, "/auth/user", &forwarded).await;
    assert_eq!(status, 200);
    assert!(body.contains("erin"), "{body}");
    assert_eq!(status_with(&app, "/auth/user", &[]).await.0, 401);
    app.stop().await;

    // Configured for a proxy elsewhere, the same header from here is a
    // client going around it.
    let mut config = Config::default();
    config.auth.trusted_proxies = vec!["10.9.9.9/32".into()];
    let app = TestApp::start_with(header_app(), config).await;
    assert_eq!(status_with(&app, "/auth/user", &forwarded).await.0, 401);
}

#[tokio::test]
async fn built_in_users_sign_in_and_removal_ends_their_sign_ins() {
    let dir = TempDir::new();
    let users = |args: &[&str], stdin: &str| users_cli(&dir.path, args, stdin);
    let (ok, out) = users(&["add", "frank", "--password-stdin"], "correct horse\n");
    assert!(ok, "{out}");
    let (ok, out) = users(&["add", "frank", "--password-stdin"], "correct horse\n");
    assert!(!ok && out.contains("already"), "{out}");
    let (ok, out) = users(&["add", "gina", "--password-stdin"], "short\n");
    assert!(!ok && out.contains("at least"), "{out}");
    let (ok, out) = users(&["list"], "");
    assert!(
        ok && out.contains("frank") && !out.contains("gina"),
        "{out}"
    );

    let mut config = Config::default();
    config.auth.password_users = true;
    let app = Loquat::new().auth_secret(AuthSecret::new(secret()).unwrap());
    let app = TestApp::start_in(app, config, &dir.path).await;
    assert_eq!(sign_in(&app, "frank", "wrong horse").await.0, 401);
    let (status, cookie) = sign_in(&app, "frank", "correct horse").await;
    assert_eq!(status, 200);
    let cookie = cookie.unwrap();
    assert_eq!(
        status_with(&app, "/auth/user", &[("cookie", &cookie)])
            .await
            .0,
        200
    );

    // Removed while the server runs: the next request is refused.
    let (ok, out) = users(&["remove", "frank"], "");
    assert!(ok, "{out}");
    assert_eq!(
        status_with(&app, "/auth/user", &[("cookie", &cookie)])
            .await
            .0,
        401
    );
    assert_eq!(sign_in(&app, "frank", "correct horse").await.0, 401);
    let (ok, out) = users(&["remove", "frank"], "");
    assert!(!ok && out.contains("no user"), "{out}");
}
