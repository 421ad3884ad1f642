//! Translations through a real server: the page is rendered in the
//! language the request's Accept-Language picks (with the fallback order),
//! from the shipped files and the app's own in the data directory, or in
//! the one `[UI] language` forces; Arabic pages are right to left; and
//! `loquat lint-translations` names a missing and an unknown key and fails.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use loquat::config::Config;
use loquat::Loquat;
use support::auth::status_with;
use support::TestApp;

fn html_tag(page: &str) -> &str {
    let start = page.find("<html").expect("an html tag");
    let end = page[start..].find('>').expect("its end") + start;
    &page[start..=end]
}

/// The strings the page brought, from its embedded settings.
fn strings(page: &str) -> serde_json::Value {
    let marker = "id=\"loquat-config\">";
    let start = page.find(marker).expect("the page's settings") + marker.len();
    let end = page[start..].find("</script>").expect("their end") + start;
    let ui: serde_json::Value = serde_json::from_str(&page[start..end]).expect("json");
    ui["translations"]["strings"].clone()
}

#[tokio::test]
async fn each_page_is_in_the_language_its_request_asks_for() {
    let dir = support::TempDir::new();
    std::fs::create_dir_all(dir.path.join("translations")).unwrap();
    std::fs::write(
        dir.path.join("translations/pt-BR.json"),
        r#"{"composer": {"placeholder": "Escreva uma mensagem…"}}"#,
    )
    .unwrap();
    let app = TestApp::start_in(Loquat::new(), Config::default(), &dir.path).await;

    let (status, french) =
        status_with(&app, "/", &[("accept-language", "fr-CA,fr;q=0.9,en;q=0.5")]).await;
    assert_eq!(status, 200);
    assert!(
        html_tag(&french).contains("lang=\"fr-FR\""),
        "{}",
        html_tag(&french)
    );
    assert!(html_tag(&french).contains("dir=\"ltr\""));
    let fr = strings(&french);
    assert_eq!(fr["composer.placeholder"], "Écrivez un message…");
    assert!(french.contains("placeholder=\"Écrivez un message…\""));

    let (_, arabic) = status_with(&app, "/", &[("accept-language", "ar")]).await;
    assert!(
        html_tag(&arabic).contains("lang=\"ar-SA\""),
        "{}",
        html_tag(&arabic)
    );
    assert!(html_tag(&arabic).contains("dir=\"rtl\""));

    // The app's own language; what its file lacks is in English.
    let (_, portuguese) = status_with(&app, "/", &[("accept-language", "pt-PT")]).await;
    assert!(html_tag(&portuguese).contains("lang=\"pt-BR\""));
    let pt = strings(&portuguese);
    let (_, english) = status_with(&app, "/", &[("accept-language", "ja-JP")]).await;
    assert!(html_tag(&english).contains("lang=\"en-US\""));
    let en = strings(&english);
    assert_eq!(pt["composer.placeholder"], "Escreva uma mensagem…");
    assert_eq!(pt["composer.send"], en["composer.send"]);
    assert_eq!(en["composer.placeholder"], "Message…");
    assert_ne!(fr["composer.send"], en["composer.send"]);
    app.stop().await;
}

#[tokio::test]
async fn ui_language_shows_every_page_in_one_and_an_app_placeholder_wins() {
    let mut config = Config::default();
    config.ui.language = Some("de".into());
    config.ui.composer_placeholder = Some("Frag mich".into());
    let app = TestApp::start_with(Loquat::new(), config).await;
    let (_, page) = status_with(&app, "/", &[("accept-language", "fr-FR")]).await;
    assert!(
        html_tag(&page).contains("lang=\"de-DE\""),
        "{}",
        html_tag(&page)
    );
    assert!(page.contains("placeholder=\"Frag mich\""));
    app.stop().await;

    // A language there is no file for is refused at start, by name.
    let mut config = Config::default();
    config.ui.language = Some("tlh".into());
    let err = Loquat::new()
        .config(config)
        .bind(loquat::ServeOptions::ephemeral(
            support::TempDir::new().path.clone(),
        ))
        .await
        .err()
        .expect("refused");
    assert!(err.to_string().contains("tlh"), "{err}");
}

#[test]
fn lint_translations_names_missing_and_unknown_keys_and_fails() {
    let dir = support::TempDir::new();
    let translations = dir.path.join("translations");
    std::fs::create_dir_all(&translations).unwrap();
    std::fs::write(
        translations.join("fr-FR.json"),
        r#"{"composer": {"send": "Envoyer", "sned": "Envoyer"}}"#,
    )
    .unwrap();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_loquat"))
        .arg("lint-translations")
        .arg("--data-dir")
        .arg(&dir.path)
        .output()
        .expect("run loquat");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(!output.status.success(), "{text}");
    assert!(text.contains("fr-FR: unknown key composer.sned"), "{text}");
    assert!(
        text.contains("fr-FR: missing key composer.placeholder"),
        "{text}"
    );

    // A complete file passes.
    let english = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/translations/en-US.json"
    ))
    .unwrap();
    std::fs::write(translations.join("fr-FR.json"), english).unwrap();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_loquat"))
        .args(["lint-translations"])
        .arg(&translations)
        .output()
        .expect("run loquat");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(String::from_utf8_lossy(&output.stdout).contains("fr-FR: ok"));
}

#[tokio::test]
async fn pages_say_they_vary_with_the_language_and_the_bundle_does_not() {
    let app = TestApp::start(Loquat::new()).await;
    let client = reqwest::Client::new();
    let page = client
        .get(app.url("/"))
        .header("accept-language", "fr-FR")
        .send()
        .await
        .unwrap();
    let vary: Vec<String> = page
        .headers()
        .get_all("vary")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(',').map(|s| s.trim().to_ascii_lowercase()))
        .collect();
    assert!(vary.iter().any(|v| v == "accept-language"), "{vary:?}");
    let css = client.get(app.url("/pkg/loquat.css")).send().await.unwrap();
    assert_eq!(css.status(), 200);
    let css_vary: Vec<_> = css.headers().get_all("vary").iter().collect();
    assert!(
        !css_vary
            .iter()
            .any(|v| v.to_str().unwrap_or("").contains("accept-language")),
        "{css_vary:?}"
    );
    app.stop().await;
}
