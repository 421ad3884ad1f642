//! `GET /login`: the sign-in page, rendered on the server and complete
//! without JavaScript: the app's name and mark, one button per OAuth
//! provider, the password form when password sign-in is on, and a fixed
//! message for the error code it was sent back with (never text from the
//! URL).

use std::sync::Arc;

use leptos::prelude::*;

use loquat_app::branding::PageHead;
use loquat_app::i18n::{I18n, Translations};
use loquat_app::root_path::RootPath;

use super::standalone_page::{standalone_page, Frame};

/// An OAuth provider's button.
#[derive(Clone, Debug)]
pub(crate) struct ProviderButton {
    pub(crate) id: String,
    pub(crate) label: String,
}

/// What the page shows.
#[derive(Clone, Debug)]
pub(crate) struct LoginPage {
    pub(crate) app_name: String,
    pub(crate) css_href: String,
    pub(crate) password: bool,
    pub(crate) header: bool,
    pub(crate) providers: Vec<ProviderButton>,
    /// An error code (`bad_credentials`, …) or `signed_out`.
    pub(crate) status: Option<String>,
    /// A local path to return to after signing in.
    pub(crate) next: String,
    /// The app's look (theme, stylesheets, favicon).
    pub(crate) look: PageHead,
    /// The app's logo, instead of its initial.
    pub(crate) logo: Option<String>,
    /// `[UI] login_page_image`: shown beside the form.
    pub(crate) image: Option<String>,
    /// The page's language (from the request's `Accept-Language`).
    pub(crate) translations: Arc<Translations>,
    /// Where the app is served from.
    pub(crate) root: RootPath,
}

impl Default for LoginPage {
    fn default() -> Self {
        LoginPage {
            app_name: String::new(),
            css_href: String::new(),
            password: false,
            header: false,
            providers: Vec::new(),
            status: None,
            next: String::new(),
            look: PageHead::default(),
            logo: None,
            image: None,
            translations: crate::i18n::english(),
            root: RootPath::default(),
        }
    }
}

/// The translation key of the text shown for a status code, and whether it
/// is an error; `None` for codes it does not know.
fn message(code: &str) -> Option<(&'static str, bool)> {
    let error = |key| Some((key, true));
    match code {
        "signed_out" => Some(("login.signed_out", false)),
        "bad_credentials" => error("login.bad_credentials"),
        "too_many_attempts" => error("login.too_many_attempts"),
        "unavailable" => error("login.unavailable"),
        "not_enabled" => error("login.not_enabled"),
        "bad_token" => error("login.bad_token"),
        "oauth_failed" => error("login.oauth_failed"),
        "oauth_denied" => error("login.oauth_denied"),
        "oauth_expired" => error("login.oauth_expired"),
        "oauth_timeout" => error("login.oauth_timeout"),
        _ => None,
    }
}

impl LoginPage {
    pub(crate) fn render(self) -> String {
        let LoginPage {
            app_name,
            css_href,
            password,
            header,
            providers,
            status,
            next,
            look,
            logo,
            image,
            translations,
            root,
        } = self;
        let i18n = I18n(translations.clone());
        let tr = |key: &str| i18n.t(key);
        let initial = app_name.chars().next().unwrap_or('L').to_string();
        let with_image = image.is_some();
        let title = i18n.t_with("login.title", &[("app", &app_name)]);
        let notice = status.as_deref().and_then(message).map(|(key, is_error)| {
            let text = tr(key);
            if is_error {
                view! { <p class="login-error" role="alert" data-testid="login-error">{text}</p> }
                    .into_any()
            } else {
                view! { <p class="login-notice" data-testid="login-notice">{text}</p> }.into_any()
            }
        });
        let has_providers = !providers.is_empty();
        let provider_next = next.clone();
        let buttons = providers
            .into_iter()
            .map(|p| {
                let href = root.href(&format!(
                    "/auth/oauth/{}?next={}",
                    p.id,
                    percent_encoding::utf8_percent_encode(&provider_next, QUERY)
                ));
                view! {
                    <a class="btn btn-block" href=href data-testid=format!("oauth-{}", p.id)>
                        {i18n.t_with("login.continue_with", &[("provider", &p.label)])}
                    </a>
                }
            })
            .collect::<Vec<_>>();
        let form = password.then(|| {
            view! {
                {has_providers.then(|| view! { <div class="login-divider">{tr("login.or")}</div> })}
                <form class="login-form" method="post" action=root.href("/auth/login") data-testid="login-form">
                    <label>
                        {tr("login.username")}
                        <input name="username" autocomplete="username" required
                            maxlength="256" data-testid="login-username"/>
                    </label>
                    <label>
                        {tr("login.password")}
                        <input name="password" type="password" autocomplete="current-password"
                            required maxlength="1024" data-testid="login-password"/>
                    </label>
                    <input type="hidden" name="next" value=next.clone()/>
                    <button type="submit" class="btn btn-primary btn-block" data-testid="login-submit">
                        {tr("login.submit")}
                    </button>
                </form>
            }
        });
        let proxy_only = (header && !password && !has_providers).then(|| {
            view! {
                <p class="login-notice">
                    {tr("login.proxy_only")}
                </p>
            }
        });
        let body = view! {
            <main class="login-page" class:with-image=with_image>
                {image.map(|src| view! { <img class="login-image" src=root.href(&src) alt="" data-testid="login-image"/> })}
                <section class="login" data-testid="login-page">
                    <div class="login-brand">
                        {match logo {
                            Some(src) => view! { <img class="brand-logo" src=root.href(&src) alt="" height="30" data-testid="logo"/> }.into_any(),
                            None => view! { <span class="brand-mark" aria-hidden="true">{initial}</span> }.into_any(),
                        }}
                        <h1 data-testid="login-app-name">{app_name}</h1>
                    </div>
                    {notice}
                    <div class="login-providers">{buttons}</div>
                    {form}
                    {proxy_only}
                </section>
            </main>
        };
        let frame = Frame {
            css_href: &css_href,
            root: &root,
            look: &look,
            translations: &translations,
        };
        standalone_page(title, &frame, body)
    }
}

/// Characters escaped in a query value.
const QUERY: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'/')
    .remove(b'-')
    .remove(b'_')
    .remove(b'.');

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_escapes_what_it_shows_and_ignores_unknown_codes() {
        let html = LoginPage {
            app_name: "<b>Bot</b>".into(),
            css_href: "/pkg/loquat.css".into(),
            password: true,
            status: Some("<script>".into()),
            next: "/\"><script>alert(1)</script>".into(),
            ..LoginPage::default()
        }
        .render();
        assert!(!html.contains("<script>"), "{html}");
        assert!(!html.contains("<b>Bot"), "{html}");
        assert!(html.contains("data-testid=\"login-form\""), "{html}");
        assert!(!html.contains("login-error"), "{html}");
    }

    #[test]
    fn buttons_for_providers_and_the_error_for_a_known_code() {
        let html = LoginPage {
            app_name: "Bot".into(),
            providers: vec![ProviderButton {
                id: "github".into(),
                label: "GitHub".into(),
            }],
            status: Some("bad_credentials".into()),
            next: "/thread/a b".into(),
            ..LoginPage::default()
        }
        .render();
        assert!(
            html.contains("href=\"/auth/oauth/github?next=/thread/a%20b\""),
            "{html}"
        );
        assert!(html.contains("Continue with GitHub"), "{html}");
        assert!(
            html.contains("The username or password is not right."),
            "{html}"
        );
        assert!(!html.contains("login-form"), "{html}");
    }

    #[test]
    fn the_apps_look_logo_and_image_are_on_the_page() {
        let html = LoginPage {
            app_name: "Bot".into(),
            password: true,
            look: PageHead {
                favicon: "/favicon.png".into(),
                theme_css: Some(":root{--accent:#0a7;}".into()),
                ..PageHead::default()
            },
            logo: Some("/logo_light.svg".into()),
            image: Some("/login.jpg".into()),
            ..LoginPage::default()
        }
        .render();
        assert!(
            html.contains(r#"<img src="/login.jpg" alt="" data-testid="login-image""#),
            "{html}"
        );
        assert!(html.contains(r#"src="/logo_light.svg""#), "{html}");
        assert!(html.contains(":root{--accent:#0a7;}"), "{html}");
        assert!(html.contains(r#"href="/favicon.png""#), "{html}");
        assert!(!html.contains("brand-mark"), "{html}");
    }
}
