//! OAuth sign-in against real providers on loopback: the certified
//! `oidc-provider` (OpenID Connect, discovery, PKCE required) and a server
//! speaking GitHub's OAuth protocol (GitHub itself is on the internet),
//! both from end2end/idp, with the real `loquat` binary configured by the
//! same environment variables a deployment uses. Every ID-token check is
//! proven by a provider that breaks it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

use support::process::{free_port, loquat, Proc};
use support::{urlencode, TempDir};

/// Generous: a provider starting on a machine busy with the rest of CI.
const DEADLINE: Duration = Duration::from_secs(90);
const CLIENT_ID: &str = "loquat";
const CLIENT_SECRET: &str = "s3cret-of-the-test-client";

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Starts a provider script; its ready line (JSON). Its log goes to a file
/// that a failure shows. A provider that says nothing for half the deadline
/// is killed and started once more: on a loaded CI machine one start in
/// three runs hung silently (after Node's "unsupported runtime" warning),
/// while the next start is ready in about a second.
fn provider(script: &str, redirect_uris: &[String]) -> (Proc, serde_json::Value) {
    match start_provider(script, redirect_uris, DEADLINE / 2) {
        Ok(started) => started,
        Err(said) => {
            eprintln!(
                "{script} was not ready in {:?}; starting it again. It said:\n{said}",
                DEADLINE / 2
            );
            start_provider(script, redirect_uris, DEADLINE / 2).unwrap_or_else(|said| {
                panic!(
                    "{script} was not ready in {:?}, twice; it said:\n{said}",
                    DEADLINE / 2
                )
            })
        }
    }
}

/// One start of a provider script; what it logged when it is not ready in
/// `wait`.
fn start_provider(
    script: &str,
    redirect_uris: &[String],
    wait: Duration,
) -> Result<(Proc, serde_json::Value), String> {
    let log = std::env::temp_dir().join(format!(
        "loquat-idp-{}-{}.log",
        std::process::id(),
        loquat::auth::create_secret().get(..8).unwrap_or("x")
    ));
    let mut command = Command::new("node");
    command.arg(repo().join("end2end/idp").join(script)).args([
        "--client-id",
        CLIENT_ID,
        "--client-secret",
        CLIENT_SECRET,
    ]);
    for uri in redirect_uris {
        command.args(["--redirect-uri", uri]);
    }
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .expect("node (the browser tests' Node.js) runs the test providers");
    let stdin = child.stdin.take();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        let _ = tx.send(line);
    });
    let Ok(line) = rx.recv_timeout(wait) else {
        let _ = child.kill();
        let _ = child.wait();
        let said = std::fs::read_to_string(&log).unwrap_or_default();
        let _ = std::fs::remove_file(&log);
        return Err(said);
    };
    let ready = serde_json::from_str(&line).unwrap_or_else(|_| {
        let said = std::fs::read_to_string(&log).unwrap_or_default();
        panic!("{script}: ready line {line:?}; it said:\n{said}")
    });
    let _ = std::fs::remove_file(&log);
    Ok((
        Proc {
            child,
            _stdin: stdin,
        },
        ready,
    ))
}

/// A browser stand-in: follows redirects by hand, keeps every cookie by
/// name (the app and the provider set different ones), fills the
/// provider's login form.
struct Browser {
    http: reqwest::Client,
    cookies: std::collections::BTreeMap<String, String>,
}

struct Answer {
    status: u16,
    location: Option<String>,
    body: String,
}

impl Browser {
    fn new() -> Browser {
        Browser {
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            cookies: Default::default(),
        }
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    async fn send(&mut self, request: reqwest::RequestBuilder) -> Answer {
        let response = request
            .header("cookie", self.cookie_header())
            .send()
            .await
            .unwrap();
        for value in response.headers().get_all("set-cookie") {
            let text = value.to_str().unwrap();
            let pair = text.split(';').next().unwrap();
            let (name, value) = pair.split_once('=').unwrap();
            if value.is_empty() || text.contains("Max-Age=0") {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_string(), value.to_string());
            }
        }
        let status = response.status().as_u16();
        let location = response
            .headers()
            .get("location")
            .map(|v| v.to_str().unwrap().to_string());
        let body = response.text().await.unwrap_or_default();
        Answer {
            status,
            location,
            body,
        }
    }

    async fn get(&mut self, url: &str) -> Answer {
        let request = self.http.get(url);
        self.send(request).await
    }

    async fn post_form(&mut self, url: &str, pairs: &[(&str, &str)]) -> Answer {
        let body = pairs
            .iter()
            .map(|(k, v)| format!("{k}={}", urlencode(v)))
            .collect::<Vec<_>>()
            .join("&");
        let request = self
            .http
            .post(url)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body);
        self.send(request).await
    }

    /// Starts at the app's `/auth/oauth/<provider>` and goes through the
    /// provider (signing in as `login`) until the provider sends the
    /// browser back: that callback URL.
    async fn sign_in_at(&mut self, app: &str, provider: &str, login: &str) -> String {
        let start = self
            .get(&format!("{app}/auth/oauth/{provider}?next=/"))
            .await;
        assert_eq!(start.status, 303, "{}", start.body);
        let mut url = start.location.unwrap();
        let callback = format!("{app}/auth/oauth/{provider}/callback");
        for _ in 0..10 {
            if url.starts_with(&callback) {
                return url;
            }
            let answer = self.get(&url).await;
            url = match (answer.status, answer.location) {
                (300..=399, Some(location)) => absolute(&url, &location),
                (200, _) => {
                    // The provider's login form posts to its action.
                    let action = form_action(&answer.body).unwrap_or_else(|| url.clone());
                    let action = absolute(&url, &action);
                    let posted = self
                        .post_form(&action, &[("login", login), ("password", "wonderland")])
                        .await;
                    let location = posted
                        .location
                        .unwrap_or_else(|| panic!("{action}: {} {}", posted.status, posted.body));
                    absolute(&url, &location)
                }
                (status, _) => panic!("{url}: {status} {}", answer.body),
            };
        }
        panic!("the provider never sent the browser back")
    }
}

fn absolute(base: &str, location: &str) -> String {
    url::Url::parse(base)
        .unwrap()
        .join(location)
        .unwrap()
        .to_string()
}

fn form_action(html: &str) -> Option<String> {
    let start = html.find("action=\"")? + "action=\"".len();
    let end = html[start..].find('"')? + start;
    Some(html[start..end].replace("&amp;", "&").replace("&#38;", "&"))
}

/// Where a finished callback sent the browser, and whether it is signed in.
async fn finish(browser: &mut Browser, callback: &str) -> (u16, String) {
    let answer = browser.get(callback).await;
    (answer.status, answer.location.unwrap_or_default())
}

async fn who(browser: &mut Browser, app: &str) -> (u16, String) {
    let answer = browser.get(&format!("{app}/auth/user")).await;
    (answer.status, answer.body)
}

async fn set_mode(control: &str, mode: &str) {
    let response = reqwest::Client::new()
        .post(format!("{control}/mode"))
        .header("content-type", "application/json")
        .body(serde_json::json!({ "mode": mode, "delay_ms": 20_000 }).to_string())
        .send()
        .await
        .unwrap();
    assert!(response.status().is_success(), "mode {mode}");
}

#[tokio::test]
async fn openid_connect_sign_in_with_pkce_and_every_id_token_check() {
    let port = free_port();
    let app = format!("http://127.0.0.1:{port}");
    let (_idp, ready) = provider("oidc.mjs", &[format!("{app}/auth/oauth/generic/callback")]);
    let issuer = ready["issuer"].as_str().unwrap().to_string();
    let control = ready["control"].as_str().unwrap().to_string();
    let dir = TempDir::new();
    let _server = loquat(
        port,
        &dir,
        &[
            ("OAUTH_GENERIC_CLIENT_ID", CLIENT_ID.into()),
            ("OAUTH_GENERIC_CLIENT_SECRET", CLIENT_SECRET.into()),
            ("OAUTH_GENERIC_ISSUER", issuer.clone()),
            ("OAUTH_PROMPT", "login".into()),
        ],
    )
    .await;

    // The login page offers the provider.
    let mut browser = Browser::new();
    let page = browser.get(&format!("{app}/login")).await;
    assert!(
        page.body.contains("data-testid=\"oauth-generic\""),
        "{}",
        page.body
    );

    // The full code flow.
    let callback = browser.sign_in_at(&app, "generic", "alice").await;
    let authorize: serde_json::Value = reqwest::get(format!("{control}/last-authorize"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(authorize["code_challenge_method"], "S256", "{authorize}");
    assert_eq!(authorize["prompt"], "login", "{authorize}");
    assert!(authorize["nonce"].as_str().is_some_and(|n| n.len() >= 32));
    assert!(authorize["state"].as_str().is_some_and(|s| s.len() >= 32));
    let (status, location) = finish(&mut browser, &callback).await;
    assert_eq!((status, location.as_str()), (303, "/"));
    let (status, body) = who(&mut browser, &app).await;
    assert_eq!(status, 200, "{body}");
    assert!(
        body.contains("alice@example.test") && body.contains("Alice"),
        "{body}"
    );

    // A callback is used once.
    let (_, location) = finish(&mut browser, &callback).await;
    assert!(
        location.starts_with("/login?error=oauth_expired"),
        "{location}"
    );

    // A wrong state: refused before the code is used.
    let mut browser = Browser::new();
    let callback = browser.sign_in_at(&app, "generic", "bob").await;
    let forged = callback.replace("state=", "state=x");
    let (_, location) = finish(&mut browser, &forged).await;
    assert!(
        location.starts_with("/login?error=oauth_expired"),
        "{location}"
    );
    assert_eq!(who(&mut browser, &app).await.0, 401);

    // A provider whose ID token breaks one rule is refused each time.
    for mode in [
        "wrong_nonce",
        "wrong_audience",
        "expired",
        "bad_signature",
        "wrong_issuer",
    ] {
        let mut browser = Browser::new();
        let callback = browser.sign_in_at(&app, "generic", "carol").await;
        set_mode(&control, mode).await;
        let (status, location) = finish(&mut browser, &callback).await;
        assert_eq!(status, 303, "{mode}");
        assert!(
            location.starts_with("/login?error=oauth_failed"),
            "{mode}: {location}"
        );
        assert_eq!(who(&mut browser, &app).await.0, 401, "{mode} signed in");
    }

    // The user cancelling at the provider.
    let mut browser = Browser::new();
    let start = browser
        .get(&format!("{app}/auth/oauth/generic?next=/"))
        .await;
    let authorize = start.location.unwrap();
    let first = browser.get(&authorize).await;
    let interaction = absolute(&authorize, &first.location.unwrap());
    let mut back = format!("{interaction}/abort");
    while !back.starts_with(&format!("{app}/auth/oauth/generic/callback")) {
        let answer = browser.get(&back).await;
        back = absolute(&back, &answer.location.expect("the provider redirects"));
    }
    let (_, location) = finish(&mut browser, &back).await;
    assert!(
        location.starts_with("/login?error=oauth_denied"),
        "{location}"
    );

    // A provider too slow to answer: a clear message, not a hung page.
    let mut browser = Browser::new();
    let callback = browser.sign_in_at(&app, "generic", "dave").await;
    set_mode(&control, "slow").await;
    let (_, location) = finish(&mut browser, &callback).await;
    assert!(
        location.starts_with("/login?error=oauth_timeout"),
        "{location}"
    );
}

#[tokio::test]
async fn github_style_oauth2_sign_in() {
    let port = free_port();
    let app = format!("http://127.0.0.1:{port}");
    let (_github, ready) = provider("github.mjs", &[format!("{app}/auth/oauth/github/callback")]);
    let base = ready["base"].as_str().unwrap().to_string();
    let dir = TempDir::new();
    let _server = loquat(
        port,
        &dir,
        &[
            ("OAUTH_GITHUB_CLIENT_ID", CLIENT_ID.into()),
            ("OAUTH_GITHUB_CLIENT_SECRET", CLIENT_SECRET.into()),
            ("OAUTH_GITHUB_ENTERPRISE_URL", base),
        ],
    )
    .await;
    let mut browser = Browser::new();
    let callback = browser.sign_in_at(&app, "github", "octocat").await;
    let (status, location) = finish(&mut browser, &callback).await;
    assert_eq!((status, location.as_str()), (303, "/"));
    let (status, body) = who(&mut browser, &app).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("\"identifier\":\"octocat\""), "{body}");

    // A server configured with a wrong secret gets no sign-in.
    drop(_server);
    let port = free_port();
    let app = format!("http://127.0.0.1:{port}");
    let (_github, ready) = provider("github.mjs", &[format!("{app}/auth/oauth/github/callback")]);
    let _server = loquat(
        port,
        &dir,
        &[
            ("OAUTH_GITHUB_CLIENT_ID", CLIENT_ID.into()),
            ("OAUTH_GITHUB_CLIENT_SECRET", "not-the-secret".into()),
            (
                "OAUTH_GITHUB_ENTERPRISE_URL",
                ready["base"].as_str().unwrap().to_string(),
            ),
        ],
    )
    .await;
    let mut browser = Browser::new();
    let callback = browser.sign_in_at(&app, "github", "octocat").await;
    let (_, location) = finish(&mut browser, &callback).await;
    assert!(
        location.starts_with("/login?error=oauth_failed"),
        "{location}"
    );
    assert_eq!(who(&mut browser, &app).await.0, 401);
}
