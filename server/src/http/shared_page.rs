//! `GET /share/{token}`: a thread its owner shared, read-only, rendered on
//! the server and complete without JavaScript (no composer, no settings, no
//! app script). Anyone with the link may read it, unless the app's
//! `on_shared_thread_view` says no; a revoked or unknown link is the
//! not-found page. The token is a secret: the page is never cached and
//! sends no referrer.

use axum::extract::{Path, Request, State};
use axum::http::header::{CACHE_CONTROL, REFERRER_POLICY};
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use leptos::prelude::*;
use loquat_app::markdown::Markdown;
use loquat_app::protocol::{Step, StepType};

use super::router::AppState;
use super::standalone_page::{standalone_page, Frame};
use super::Identify;
use crate::data::ThreadRecord;

/// A token as `share_thread` makes them: 64 lowercase hex digits.
fn well_formed(token: &str) -> bool {
    token.len() == 64 && token.bytes().all(|b| b.is_ascii_hexdigit())
}

fn private(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    headers.insert(
        HeaderName::from_static("x-robots-tag"),
        HeaderValue::from_static("noindex, nofollow"),
    );
    response
}

pub(crate) async fn shared_page(
    State(state): State<AppState>,
    Path(token): Path<String>,
    request: Request,
) -> Response {
    let runtime = &state.runtime;
    let css = state.site.assets().css;
    let translations = state.site.languages().for_headers(request.headers());
    let frame = Frame {
        css_href: &css,
        root: &runtime.config.project.root_path,
        look: state.site.head(),
        translations: &translations,
    };
    let name = runtime.config.ui.name.clone();
    let not_found =
        || private((StatusCode::NOT_FOUND, Html(missing_page(&name, &frame))).into_response());
    let Some(persistence) = runtime
        .persistence
        .as_ref()
        .filter(|_| runtime.config.features.allow_thread_sharing)
    else {
        return not_found();
    };
    if !well_formed(&token) {
        return not_found();
    }
    let shared = match persistence
        .data
        .shared_thread(&crate::auth::key_hash(&token))
        .await
    {
        Ok(Some(shared)) => shared,
        Ok(None) => return not_found(),
        Err(err) => {
            tracing::error!(error = %err, "reading a shared thread failed");
            return not_found();
        }
    };
    let (thread, steps, _elements) = shared;
    if let Some(hook) = &runtime.hooks.on_shared_thread_view {
        let (parts, _) = request.into_parts();
        let viewer = match &state.auth {
            Some(auth) => auth.identify(&parts).await.and_then(|user| user.user),
            None => None,
        };
        if !hook(thread.clone(), viewer.map(|user| crate::User::clone(&user))).await {
            return not_found();
        }
    }
    let markdown = Markdown {
        allow_html: runtime.config.features.unsafe_allow_html,
        latex: runtime.config.features.latex,
        ..Markdown::default()
    }
    .translated(frame.translations);
    private(Html(page(&name, &frame, &thread, &steps, &markdown)).into_response())
}

fn page(
    app: &str,
    frame: &Frame<'_>,
    thread: &ThreadRecord,
    steps: &[Step],
    markdown: &Markdown,
) -> String {
    let tr = |key: &str| frame.translations.get(key).to_string();
    let name = thread.name.clone().unwrap_or_else(|| tr("shared.untitled"));
    let messages = steps
        .iter()
        .filter(|s| s.parent_id.is_none() && s.step_type.is_message() && !s.output.is_empty())
        .map(|step| {
            let html = markdown.render(&step.output);
            view! {
                <article
                    class="message"
                    class:from-user=step.step_type == StepType::UserMessage
                    data-testid="message"
                    data-type=step.step_type.as_str()
                >
                    <div class="message-body">
                        <header class="message-meta">
                            <span class="author">{step.name.clone()}</span>
                        </header>
                        <div class="message-content markdown" inner_html=html></div>
                    </div>
                </article>
            }
        })
        .collect::<Vec<_>>();
    let body = view! {
        <main class="shared-page" data-testid="shared-thread">
            <header class="shared-header">
                <span class="brand-name">{app.to_string()}</span>
                <h1 data-testid="shared-thread-name">{name.clone()}</h1>
                <p class="shared-note">{tr("shared.note")}</p>
            </header>
            <section class="feed shared-feed">{messages}</section>
        </main>
    };
    standalone_page(format!("{name} · {app}"), frame, body)
}

fn missing_page(app: &str, frame: &Frame<'_>) -> String {
    let tr = |key: &str| frame.translations.get(key).to_string();
    let body = view! {
        <main class="login-page">
            <section class="login" data-testid="shared-not-found">
                <h1>{tr("shared.missing_title")}</h1>
                <p class="login-notice">
                    {tr("shared.missing_text")}
                </p>
            </section>
        </main>
    };
    standalone_page(format!("{} · {app}", tr("not_found.title")), frame, body)
}

#[cfg(test)]
mod tests {
    use super::well_formed;

    #[test]
    fn only_tokens_of_the_right_shape_are_looked_up() {
        assert!(well_formed(&"ab12".repeat(16)));
        assert!(!well_formed("abc"));
        assert!(!well_formed(&"zz".repeat(32)));
        assert!(!well_formed(&"a".repeat(65)));
    }
}
