//! Chat profiles through a real server: each user is offered their own;
//! a chat starts with the one asked for only if the user is offered it;
//! the page renders with the profile its cookie names (its starters and
//! overrides); a thread keeps its profile (named and tagged in history)
//! and gets it back on resume; a profile's feature overrides hold on the
//! server too.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use loquat::auth::AuthSecret;
use loquat::protocol::{ClientEvent, ErrorCode, StepType, UiConfig};
use loquat::{Chat, ChatProfile, Loquat, Message, Starter, User};
use support::auth::{secret, status_with};
use support::{Client, TestApp};

/// erin is offered Basic and Pro (the default), finn only Basic; Pro turns
/// message editing off and renames the assistant.
fn profile_app() -> Loquat {
    Loquat::new()
        .auth_secret(AuthSecret::new(secret()).unwrap())
        .header_auth(|headers| async move {
            let name = headers.get("x-forwarded-user")?.to_str().ok()?;
            Some(User::new(name))
        })
        .chat_profiles(|user: Option<User>| async move {
            let mut profiles = vec![ChatProfile::new("Basic")
                .description("The **small** one.")
                .starter(Starter::new("Basic question", "What is basic?"))];
            if user.is_some_and(|u| u.identifier == "erin") {
                profiles.push(
                    ChatProfile::new("Pro")
                        .default()
                        .app_name("Pro desk")
                        .app_description("For professionals.")
                        .edit_message(false),
                );
            }
            profiles
        })
        .starters(|_user: Option<User>, profile: Option<String>| async move {
            vec![Starter::new(
                format!("From the hook for {}", profile.unwrap_or_default()),
                "hi",
            )]
        })
        .on_chat_start(|chat: Chat| async move {
            let profile = chat.profile().unwrap_or("none").to_string();
            chat.send(Message::assistant(format!("profile {profile}")))
                .await?;
            Ok(())
        })
        .on_message(|chat: Chat, msg: Message| async move {
            let profile = chat.profile().unwrap_or("none").to_string();
            chat.send(Message::assistant(format!("{profile}: {}", msg.content)))
                .await?;
            Ok(())
        })
}

fn says(client: &Client, text: &str) -> bool {
    client.steps.iter().any(|s| s.output == text)
}

fn ui_of(page: &str) -> UiConfig {
    let start = page
        .find(r#"id="loquat-config">"#)
        .map(|i| i + r#"id="loquat-config">"#.len())
        .expect("the page embeds its settings");
    let end = start + page[start..].find("</script>").expect("closed");
    serde_json::from_str(&page[start..end]).expect("settings JSON")
}

#[tokio::test]
async fn each_user_is_offered_their_own_profiles_and_the_cookie_picks_among_them() {
    let app = TestApp::start(profile_app()).await;
    let (_, page) = status_with(&app, "/", &[("x-forwarded-user", "erin")]).await;
    let erin = ui_of(&page);
    let names: Vec<&str> = erin.profiles.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["Basic", "Pro"]);
    // Pro is erin's default: its overrides and the hook's starters for it.
    assert_eq!(erin.profile.as_deref(), Some("Pro"));
    assert_eq!(erin.name, "Pro desk");
    assert_eq!(erin.description, "For professionals.");
    assert!(!erin.edit_message);
    assert_eq!(erin.starters[0].label, "From the hook for Pro");
    assert!(page.contains(r#"data-testid="profile-picker""#));

    // The cookie picks Basic: its own starters, the app's own name.
    let cookie = [
        ("x-forwarded-user", "erin"),
        ("cookie", "loquat_profile=Basic"),
    ];
    let basic = ui_of(&status_with(&app, "/", &cookie).await.1);
    assert_eq!(basic.profile.as_deref(), Some("Basic"));
    assert_eq!(basic.starters[0].label, "Basic question");
    assert_eq!(basic.name, "Loquat");
    assert!(basic.edit_message);

    // finn is not offered Pro: his cookie for it gets him his default.
    let finn = [
        ("x-forwarded-user", "finn"),
        ("cookie", "loquat_profile=Pro"),
    ];
    let finn = ui_of(&status_with(&app, "/", &finn).await.1);
    let names: Vec<&str> = finn.profiles.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["Basic"]);
    assert_eq!(finn.profile.as_deref(), Some("Basic"));
    app.stop().await;
}

#[tokio::test]
async fn a_chat_gets_the_profile_asked_for_only_if_its_user_is_offered_it() {
    let app = TestApp::start(profile_app()).await;
    let erin = [("x-forwarded-user", "erin")];
    let mut client = Client::connect_with_profile(app.addr, &erin, "Basic")
        .await
        .unwrap();
    client.wait_for(|c| says(c, "profile Basic")).await;

    let finn = [("x-forwarded-user", "finn")];
    let mut client = Client::connect_with_profile(app.addr, &finn, "Pro")
        .await
        .unwrap();
    client.wait_for(|c| says(c, "profile Basic")).await;
    let mut client = Client::connect_with_profile(app.addr, &finn, &"x".repeat(300))
        .await
        .unwrap();
    client.wait_for(|c| says(c, "profile Basic")).await;
    app.stop().await;
}

#[tokio::test]
async fn a_profiles_overrides_hold_on_the_server() {
    let app = TestApp::start(profile_app()).await;
    let erin = [("x-forwarded-user", "erin")];
    let mut client = Client::connect_with_profile(app.addr, &erin, "Pro")
        .await
        .unwrap();
    client.wait_for(|c| says(c, "profile Pro")).await;
    assert_eq!(client.steps[0].name, "Pro desk");
    client.say("first").await;
    client.wait_for(|c| says(c, "Pro: first")).await;
    let first = client.messages_of(StepType::UserMessage)[0].id.clone();
    client
        .send(&ClientEvent::EditMessage {
            id: first,
            content: "changed".into(),
        })
        .await;
    client.wait_for(|c| !c.errors.is_empty()).await;
    assert_eq!(client.error_codes(), vec![ErrorCode::FeatureDisabled]);
    app.stop().await;
}

#[tokio::test]
async fn a_thread_keeps_its_profile_in_history_and_on_resume() {
    let dir = support::TempDir::new();
    let app = TestApp::start_in(profile_app(), loquat::config::Config::default(), &dir.path).await;
    let erin = [("x-forwarded-user", "erin")];
    let mut client = Client::connect_with_profile(app.addr, &erin, "Basic")
        .await
        .unwrap();
    client.say("remember me").await;
    client.wait_for(|c| says(c, "Basic: remember me")).await;
    let thread_id = client.thread_id.clone();
    client.drop_connection().await;
    app.stop().await;

    let app = TestApp::start_in(profile_app(), loquat::config::Config::default(), &dir.path).await;
    let mut client = Client::open_thread_with(app.addr, &erin, &thread_id)
        .await
        .unwrap();
    client.wait_for(|c| c.snapshots > 0).await;
    client.say("again").await;
    client.wait_for(|c| says(c, "Basic: again")).await;
    app.stop().await;

    // Named and tagged in the stored thread.
    let data = loquat::data::SqliteDataLayer::open(dir.path.join(loquat::DATABASE_FILE))
        .await
        .unwrap();
    use loquat::data::DataLayer;
    let user = data.get_or_create_user("erin").await.unwrap();
    let user = loquat::UserId::parse(&user.id).unwrap();
    let (thread, _) = data
        .thread_with_steps(&user, &loquat::ThreadId::parse(&thread_id).unwrap())
        .await
        .unwrap()
        .expect("stored");
    assert_eq!(thread.metadata["chat_profile"], "Basic");
    assert!(
        thread.tags.contains(&"Basic".to_string()),
        "{:?}",
        thread.tags
    );
    data.close().await;
}
