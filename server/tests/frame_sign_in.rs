//! Signing in inside a frame of another site, without cookies, through the
//! real server: the frame's sign-in page, a host's bearer token and the
//! popup's handoff becoming sign-ins of the frame's own, the token on the
//! WebSocket's subprotocol, media tokens (read-only, media routes only,
//! the user's own data only), and signing out in the frame leaving the
//! user's other sign-in alone.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use loquat::auth::Claims;
use support::auth::{chat_as, form, http, keys, sign_in, status_with, with_passwords};
use support::{Client, TestApp};

/// A cross-site frame's navigation, as a browser sends it.
const FRAMED: [(&str, &str); 3] = [
    ("accept", "text/html"),
    ("sec-fetch-dest", "iframe"),
    ("sec-fetch-site", "cross-site"),
];

fn bearer_token(identifier: &str) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    keys()
        .sign(&Claims {
            identifier: identifier.into(),
            metadata: Default::default(),
            display_name: Some(identifier.to_uppercase()),
            exp: now + 600,
            iat: now,
            sid: None,
        })
        .unwrap()
}

/// The page `POST /auth/frame` answers with `token`: (status, body,
/// cache-control).
async fn post_frame(app: &TestApp, token: &str, next: &str) -> (u16, String, String) {
    let response = http()
        .post(app.url("/auth/frame"))
        .header("origin", format!("http://{}", app.addr))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form(&[("token", token), ("next", next)]))
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let cache = response
        .headers()
        .get("cache-control")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    (status, response.text().await.unwrap(), cache)
}

/// The tokens a page embeds in its settings: (session token, media token,
/// path).
fn page_access(html: &str) -> (String, String, String) {
    let start = html
        .find("\"access\":")
        .expect("the page carries its tokens")
        + 9;
    let access: serde_json::Value = serde_json::Deserializer::from_str(&html[start..])
        .into_iter()
        .next()
        .unwrap()
        .unwrap();
    let field = |name: &str| access[name].as_str().unwrap().to_string();
    (field("token"), field("media"), field("path"))
}

fn protocols(token: &str) -> String {
    format!("loquat, loquat.token.{token}")
}

#[tokio::test]
async fn a_cross_site_frame_without_a_cookie_is_sent_to_the_frame_sign_in() {
    let app = TestApp::start(with_passwords()).await;
    let response = http()
        .get(app.url("/thread/abc?x=1"))
        .headers(
            FRAMED
                .iter()
                .map(|(k, v)| (k.parse().unwrap(), v.parse().unwrap()))
                .collect(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 303);
    assert_eq!(
        response.headers()["location"],
        "/auth/frame?next=%2Fthread%2Fabc%3Fx%3D1"
    );
    // A page of the app's own site (or a same-site frame, which keeps the
    // cookie) goes to the login page as before.
    let (status, _) = status_with(&app, "/", &[("accept", "text/html")]).await;
    assert_eq!(status, 303);
    let (status, page) = status_with(&app, "/auth/frame?next=/thread/abc", &[]).await;
    assert_eq!(status, 200);
    assert!(
        page.contains("data-testid=\"frame-sign-in\"")
            && page.contains("src=\"/auth/frame.js\"")
            && page.contains("value=\"/thread/abc\"")
            && page.contains("data-login=\"/login?next=/auth/frame-handoff\""),
        "{page}"
    );
    let (status, script) = status_with(&app, "/auth/frame.js", &[]).await;
    assert_eq!(status, 200);
    assert!(script.contains("loquat:access-token"), "{script}");
    // The sign-in's `next` may lead to the handoff, and nowhere else of
    // signing in.
    let (_, login) = status_with(&app, "/login?next=/auth/frame-handoff", &[]).await;
    assert!(login.contains("value=\"/auth/frame-handoff\""), "{login}");
}

#[tokio::test]
async fn a_host_token_signs_the_frame_in_and_the_frame_sends_its_token_itself() {
    let app = TestApp::start(with_passwords()).await;
    let (status, page, cache) = post_frame(&app, &bearer_token("carol"), "/").await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(cache, "no-store");
    assert!(page.contains("CAROL"), "the page is carol's: {page}");
    let (token, media, path) = page_access(&page);
    assert_eq!(path, "/");
    // A sign-in of the frame's own, not the host's token.
    assert_ne!(token, bearer_token("carol"));

    // The socket takes the token as its subprotocol (a browser's WebSocket
    // cannot send headers), and the chat is carol's.
    let mut client = Client::connect_with(
        app.addr,
        &[("sec-websocket-protocol", protocols(&token).as_str())],
    )
    .await
    .expect("the socket accepts the frame's token");
    client
        .wait_for(|c| c.steps.iter().any(|s| s.output == "Hello CAROL"))
        .await;
    client.say("from the frame").await;
    client
        .wait_for(|c| c.steps.iter().any(|s| s.output == "echo: from the frame"))
        .await;
    let thread = client.thread_id.clone();
    let bearer = format!("Bearer {token}");
    let (status, user) = status_with(&app, "/auth/user", &[("authorization", &bearer)]).await;
    assert_eq!((status, user.contains("carol")), (200, true), "{user}");

    // The media token reads carol's media routes, and nothing else.
    let export = format!("/api/threads/{thread}/export");
    let (status, body) = status_with(&app, &format!("{export}?media_token={media}"), &[]).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("from the frame"));
    assert_eq!(status_with(&app, &export, &[]).await.0, 401);
    let (status, _) = status_with(&app, &format!("/auth/user?media_token={media}"), &[]).await;
    assert_eq!(status, 401, "a media token is no sign-in");
    let media_bearer = format!("Bearer {media}");
    let (status, _) = status_with(&app, "/auth/user", &[("authorization", &media_bearer)]).await;
    assert_eq!(status, 401, "a media token is no bearer token");
    assert_eq!(
        Client::connect_with(
            app.addr,
            &[("sec-websocket-protocol", protocols(&media).as_str())]
        )
        .await
        .err(),
        Some(401),
        "a media token opens no socket"
    );
    let response = http()
        .post(app.url(&format!("/api/threads/import?media_token={media}")))
        .header("origin", format!("http://{}", app.addr))
        .header("content-type", "application/json")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status().as_u16(),
        401,
        "a media token writes nothing"
    );

    // Another user's thread is not found with carol's media token.
    let (_, bobs) = chat_as(&app, "bob").await;
    let (status, _) = status_with(
        &app,
        &format!("/api/threads/{bobs}/export?media_token={media}"),
        &[],
    )
    .await;
    assert_eq!(status, 404);

    // A bad token on the socket is refused, not passed on to a cookie.
    assert_eq!(
        Client::connect_with(
            app.addr,
            &[("sec-websocket-protocol", protocols("nonsense").as_str())]
        )
        .await
        .err(),
        Some(401)
    );

    // The frame's reload posts the kept session token: the same sign-in.
    let (status, again, _) = post_frame(&app, &token, &format!("/thread/{thread}")).await;
    assert_eq!(status, 200);
    let (same, _, path) = page_access(&again);
    assert_eq!((same, path), (token, format!("/thread/{thread}")));
}

#[tokio::test]
async fn refused_and_cross_site_frame_sign_ins_get_no_page_of_the_app() {
    let app = TestApp::start(with_passwords()).await;
    let (status, page, _) = post_frame(&app, "not-a-token", "/").await;
    assert_eq!(status, 401);
    assert!(
        page.contains("data-testid=\"frame-sign-in-page\"")
            && page.contains("data-refused=\"true\"")
            && page.contains("data-auto=\"false\"")
            && !page.contains("\"access\":"),
        "{page}"
    );
    // A media token is no session token.
    let (_, good, _) = post_frame(&app, &bearer_token("carol"), "/").await;
    let (_, media, _) = page_access(&good);
    assert_eq!(post_frame(&app, &media, "/").await.0, 401);
    // Another site's page cannot post a token to the frame (a login CSRF).
    let response = http()
        .post(app.url("/auth/frame"))
        .header("origin", "https://evil.example")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form(&[("token", &bearer_token("carol")), ("next", "/")]))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 403);
    // `next` stays on the site.
    let (status, page, _) = post_frame(&app, &bearer_token("carol"), "//evil.example/").await;
    assert_eq!(status, 200);
    assert_eq!(page_access(&page).2, "/");
    // The handoff needs a signed-in user.
    assert_eq!(status_with(&app, "/auth/frame-handoff", &[]).await.0, 401);
}

#[tokio::test]
async fn signing_out_in_the_frame_leaves_the_users_other_sign_in() {
    let app = TestApp::start(with_passwords()).await;
    let (status, cookie) = sign_in(&app, "alice", "wonderland").await;
    assert_eq!(status, 200);
    let cookie = cookie.unwrap();
    // The popup, signed in by its cookie, hands the frame a token of a
    // sign-in of its own.
    let (status, handoff) = status_with(&app, "/auth/frame-handoff", &[("cookie", &cookie)]).await;
    assert_eq!(status, 200);
    let token = handoff
        .split("data-token=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the handoff carries a token")
        .to_string();
    assert!(!cookie.contains(&token));
    let (status, page, _) = post_frame(&app, &token, "/").await;
    assert_eq!(status, 200);
    assert!(page.contains("ALICE"));
    let (_, media, _) = page_access(&page);
    let element = format!("/element/x/content?media_token={media}");
    assert_eq!(status_with(&app, &element, &[]).await.0, 404, "signed in");
    let bearer = format!("Bearer {token}");
    let response = http()
        .post(app.url("/auth/logout"))
        .header("origin", format!("http://{}", app.addr))
        .header("authorization", &bearer)
        .header("accept", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 204);
    // The frame's sign-in has ended, its media token with it ...
    assert_eq!(
        status_with(&app, "/auth/user", &[("authorization", &bearer)])
            .await
            .0,
        401
    );
    assert_eq!(status_with(&app, &element, &[]).await.0, 401);
    assert_eq!(post_frame(&app, &token, "/").await.0, 401);
    // ... and the app's own tab is still signed in.
    let (status, user) = status_with(&app, "/auth/user", &[("cookie", &cookie)]).await;
    assert_eq!((status, user.contains("alice")), (200, true));
}
