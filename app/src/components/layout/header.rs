use leptos::either::Either;
use leptos::prelude::*;

use super::{ProfilePicker, ThemeToggle, ThreadMenu, UserEnvDialog, UserMenu};
use crate::client::{self, ChatStore};
use crate::components::history::SidebarToggle;
use crate::components::icons::PLUS;
use crate::components::settings::SettingsControl;
use crate::i18n::t;
use crate::protocol::{SettingsLocation, UiConfig};

/// History toggle (narrow screens), app name, new chat, theme toggle and,
/// with logins, the signed-in user.
#[component]
pub fn Header() -> impl IntoView {
    let ui = expect_context::<UiConfig>();
    let store = expect_context::<ChatStore>();
    let initial = ui.name.chars().next().unwrap_or('L').to_string();
    view! {
        <header class="header">
            <div class="brand">
                {(!ui.copilot).then(|| view! { <SidebarToggle/> })}
                {logo(&ui.branding).ok_or_else(|| {
                    view! { <span class="brand-mark" aria-hidden="true">{initial}</span> }
                }).map_or_else(Either::Right, Either::Left)}
                <span class="brand-name" data-testid="app-name">{ui.name.clone()}</span>
                {(!ui.profiles.is_empty()).then(|| view! { <ProfilePicker/> })}
            </div>
            <div class="header-actions">
                <button
                    type="button"
                    class="btn btn-ghost"
                    data-testid="new-chat"
                    title=t("header.new_chat_hint")
                    on:click=move |_| client::new_chat(store)
                >
                    <span class="btn-icon-svg" inner_html=PLUS></span>
                    <span class="btn-label">{t("header.new_chat")}</span>
                </button>
                <Show when=move || ui.history>
                    <ThreadMenu/>
                </Show>
                {(!ui.user_env.is_empty()).then(|| view! { <div class="menu"><UserEnvDialog/></div> })}
                {ui.branding.header_links.iter().cloned().map(|link| view! {
                    <a class="btn btn-ghost header-link" data-testid="header-link" href=link.url
                        target="_blank" rel="noopener noreferrer">
                        {link.icon.map(|src| view! { <img class="header-link-icon" src=crate::root_path::href(&src) alt="" width="16" height="16"/> })}
                        <span>{link.name}</span>
                    </a>
                }).collect_view()}
                <SettingsControl place=SettingsLocation::Sidebar/>
                <ThemeToggle/>
                // In the copilot the host page is in charge of signing out.
                {ui.user.clone().filter(|_| !ui.copilot).map(|user| view! { <UserMenu user/> })}
            </div>
        </header>
    }
}

/// The app's logo: one image, or one per theme when both are given.
fn logo(branding: &crate::branding::Branding) -> Option<impl IntoView> {
    let image = |src: String, class: &'static str| {
        view! { <img class=class src=crate::root_path::href(&src) alt="" height="30" data-testid="logo"/> }
    };
    match (branding.logo_light.clone(), branding.logo_dark.clone()) {
        (Some(light), Some(dark)) if light != dark => Some(Either::Left(view! {
            {image(light, "brand-logo logo-light")}
            {image(dark, "brand-logo logo-dark")}
        })),
        (Some(one), _) | (None, Some(one)) => Some(Either::Right(image(one, "brand-logo"))),
        (None, None) => None,
    }
}
