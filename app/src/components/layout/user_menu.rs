use leptos::either::Either;
use leptos::prelude::*;

use crate::i18n::t;
use crate::protocol::SignedInUser;

/// The signed-in user in the header: avatar (or initial), name, and a
/// sign-out button. A plain form, so signing out works before (and
/// without) hydration.
#[component]
pub fn UserMenu(user: SignedInUser) -> impl IntoView {
    let initial = user
        .name
        .chars()
        .next()
        .map(|c| c.to_uppercase().to_string())
        .unwrap_or_default();
    let avatar = match user.image.clone() {
        Some(src) => Either::Left(view! {
            <img class="user-avatar" src=src alt="" referrerpolicy="no-referrer"/>
        }),
        None => {
            Either::Right(view! { <span class="user-avatar" aria-hidden="true">{initial}</span> })
        }
    };
    view! {
        <div class="user-menu" data-testid="user-menu" title=user.identifier.clone()>
            {avatar}
            <span class="user-name" data-testid="user-name">{user.name.clone()}</span>
            <form
                method="post"
                action=crate::root_path::href("/auth/logout")
                class="logout-form"
                on:submit=|ev| {
                    crate::client::signing_out();
                    crate::client::sign_out_without_cookie(ev);
                }
            >
                <button type="submit" class="btn btn-ghost" data-testid="logout">
                    {t("header.sign_out")}
                </button>
            </form>
        </div>
    }
}
