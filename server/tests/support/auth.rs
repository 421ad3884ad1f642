//! Signing in through the real server, for the tests of logins, sharing
//! and isolation: an echo app whose users are alice and bob, their session
//! cookies, requests as them.

use loquat::auth::{create_secret, AuthSecret, TokenKeys};
use loquat::{Chat, Loquat, Message, User};

use super::{urlencode, Client, TestApp};

/// One secret for the whole file (tokens are minted with it too).
pub fn secret() -> &'static str {
    static SECRET: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    SECRET.get_or_init(create_secret)
}

pub fn keys() -> TokenKeys {
    TokenKeys::new(&AuthSecret::new(secret()).unwrap())
}

/// An echo app whose users are alice and bob (password "wonderland").
pub fn with_passwords() -> Loquat {
    echo_app().password_auth(|username, password| async move {
        (matches!(username.as_str(), "alice" | "bob") && password == "wonderland")
            .then(|| User::new(username.clone()).display_name(username.to_uppercase()))
    })
}

/// The echo app with the file's secret and no login of its own: it greets
/// the user by name and echoes.
pub fn echo_app() -> Loquat {
    Loquat::new()
        .auth_secret(AuthSecret::new(secret()).unwrap())
        .on_chat_start(|chat: Chat| async move {
            let name = chat.user().map_or("nobody", |u| u.name()).to_string();
            chat.send(Message::assistant(format!("Hello {name}")))
                .await?;
            Ok(())
        })
        .on_message(|chat: Chat, msg: Message| async move {
            chat.send(Message::assistant(format!("echo: {}", msg.content)))
                .await?;
            Ok(())
        })
}

/// A form-encoded body.
pub fn form(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={}", urlencode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

pub fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// The `name=value` of the session cookie a response set.
pub fn session_cookie(response: &reqwest::Response) -> Option<String> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("loquat_session=") && !v.starts_with("loquat_session=;"))
        .and_then(|v| v.split(';').next())
        .map(str::to_string)
}

/// Signs in with the JSON form of `POST /auth/login`: (status, cookie).
pub async fn sign_in(app: &TestApp, username: &str, password: &str) -> (u16, Option<String>) {
    let response = http()
        .post(app.url("/auth/login"))
        .header("accept", "application/json")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form(&[("username", username), ("password", password)]))
        .send()
        .await
        .unwrap();
    let cookie = session_cookie(&response);
    (response.status().as_u16(), cookie)
}

pub async fn status_with(app: &TestApp, path: &str, headers: &[(&str, &str)]) -> (u16, String) {
    let mut request = http().get(app.url(path));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.text().await.unwrap_or_default())
}

/// Signs in and chats once: the cookie and the thread.
pub async fn chat_as(app: &TestApp, user: &str) -> (String, String) {
    let (status, cookie) = sign_in(app, user, "wonderland").await;
    assert_eq!(status, 200);
    let cookie = cookie.expect("a session cookie");
    let mut client = Client::connect_with(app.addr, &[("cookie", &cookie)])
        .await
        .expect("the socket accepts a signed-in user");
    let greeting = format!("Hello {}", user.to_uppercase());
    client
        .wait_for(|c| c.steps.iter().any(|s| s.output == greeting))
        .await;
    client.say(&format!("secret of {user}")).await;
    let reply = format!("echo: secret of {user}");
    client
        .wait_for(|c| c.steps.iter().any(|s| s.output == reply))
        .await;
    (cookie, client.thread_id.clone())
}

/// Runs `loquat users <args> --data-dir <dir>` with `stdin`: (succeeded,
/// what it printed).
pub fn users_cli(dir: &std::path::Path, args: &[&str], stdin: &str) -> (bool, String) {
    use std::io::Write;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_loquat"))
        .arg("users")
        .args(args)
        .arg("--data-dir")
        .arg(dir)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr),
    )
}
