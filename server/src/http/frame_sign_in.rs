//! Signing in inside a frame of another site, where the browser keeps no
//! cookie of the app's (third-party cookies blocked, Safari's default; and
//! the session cookie is `SameSite=Lax`, which a cross-site frame never
//! sends). The frame holds a token instead (see `crate::auth::frame_access`
//! and `loquat_app::access`):
//!
//! 1. A page visit without a user, from a cross-site frame, goes to
//!    `GET /auth/frame?next=…` instead of the login page: a page whose
//!    script (`/auth/frame.js`) finds a token, in this order: in the
//!    frame's address (`#access_token=…`, set by the host page), kept by the
//!    frame from before (`sessionStorage`), or asked of the host page by a
//!    window message (only to `[project] window_message_origins`); else it
//!    shows a button that signs in in a popup.
//! 2. The popup is a first-party window: the login page as usual, then
//!    `GET /auth/frame-handoff`, which starts a sign-in of the frame's own
//!    (signing out in one leaves the other alone) and posts its token to the
//!    window that opened it, at the app's own origin only.
//! 3. The frame posts the token to `POST /auth/frame` (a form, so the
//!    answer is the page itself): the page at `next`, rendered through the
//!    identity layer as the token's user, with the tokens it then sends
//!    itself. A host's bearer token becomes a sign-in of the frame's own.

use axum::body::Body;
use axum::extract::{DefaultBodyLimit, Query, Request, State};
use axum::http::header::{
    ACCEPT, AUTHORIZATION, CACHE_CONTROL, CONTENT_LENGTH, CONTENT_TYPE, COOKIE,
};
use axum::http::request::Parts;
use axum::http::{HeaderValue, Method, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::{Form, Router};
use leptos::prelude::*;
use loquat_app::i18n::{I18n, Translations};
use serde::Deserialize;
use tower::ServiceExt;

use super::auth_routes::local_path;
use super::router::AppState;
use super::standalone_page::{standalone_page, Frame};
use super::CurrentUser;
use crate::auth::{FrameAccess, LoginError};

/// The frame's sign-in page, and where it posts its token.
pub(crate) const FRAME_PATH: &str = "/auth/frame";
/// The popup's last page: hands the frame its token.
pub(crate) const HANDOFF_PATH: &str = "/auth/frame-handoff";
/// The script of both pages.
const SCRIPT_PATH: &str = "/auth/frame.js";
/// The script itself (plain JavaScript, no build step: it runs before,
/// and without, the app's bundle).
const SCRIPT: &str = include_str!("frame_sign_in.js");
/// Largest form `POST /auth/frame` reads: a token and a path.
const MAX_FORM_BYTES: usize = 32 * 1024;

/// `app` with the frame's sign-in routes in front: `POST /auth/frame`
/// answers with a page of `app`, so it needs `app` itself.
pub(crate) fn around(app: Router, state: AppState) -> Router {
    let inner = app.clone();
    Router::new()
        .route(
            FRAME_PATH,
            get(page)
                .post(
                    move |State(state): State<AppState>, parts: Parts, form: Form<FrameForm>| {
                        sign_in(state, inner.clone(), parts, form.0)
                    },
                )
                .layer(DefaultBodyLimit::max(MAX_FORM_BYTES)),
        )
        .route(SCRIPT_PATH, get(script))
        .with_state(state)
        .fallback_service(app)
}

/// True when `parts` is a navigation of a frame in a page of another site:
/// the browser sends no `SameSite=Lax` cookie there, and keeps none.
pub(crate) fn in_cross_site_frame(parts: &Parts) -> bool {
    let header = |name| parts.headers.get(name).and_then(|v| v.to_str().ok());
    matches!(header("sec-fetch-dest"), Some("iframe" | "frame"))
        && header("sec-fetch-site") == Some("cross-site")
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct FrameQuery {
    next: Option<String>,
    signed_out: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct FrameForm {
    token: String,
    #[serde(default)]
    next: Option<String>,
}

/// What the page says above its button.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Notice {
    /// Nothing: the script looks for a token by itself.
    None,
    /// The frame signed out: it waits for the user.
    SignedOut,
    /// The token was refused: the frame forgets it and waits.
    Refused,
    /// Signing in is not possible now.
    Unavailable,
}

/// `GET /auth/frame`.
async fn page(
    State(state): State<AppState>,
    Query(query): Query<FrameQuery>,
    parts: Parts,
) -> Response {
    if state.auth.is_none() {
        return super::ApiError::NotFound("this app has no logins").into_response();
    }
    let notice = if query.signed_out.is_some() {
        Notice::SignedOut
    } else {
        Notice::None
    };
    let next = local_path(query.next.as_deref());
    no_store(Html(render(&state, &parts, &next, notice)).into_response())
}

/// `POST /auth/frame`: the page at `next` for the token's user, or this
/// page again when the token is refused.
async fn sign_in(state: AppState, app: Router, parts: Parts, form: FrameForm) -> Response {
    let Some(auth) = state.auth.clone() else {
        return super::ApiError::NotFound("this app has no logins").into_response();
    };
    let next = local_path(form.next.as_deref());
    let access = match auth.frame_access(form.token.trim()).await {
        Ok(access) => access,
        Err(err) => {
            let (status, notice) = match err {
                LoginError::Unavailable => (StatusCode::SERVICE_UNAVAILABLE, Notice::Unavailable),
                _ => (StatusCode::UNAUTHORIZED, Notice::Refused),
            };
            let html = render(&state, &parts, &next, notice);
            return no_store((status, Html(html)).into_response());
        }
    };
    let Ok(authorization) = HeaderValue::from_str(&format!("Bearer {}", access.token)) else {
        return super::ApiError::Internal("a token that is not a header").into_response();
    };
    let Ok(uri) = next.parse() else {
        return super::ApiError::Internal("a local path that is not a URI").into_response();
    };
    // The same request, as a visit of `next` with the token: everything
    // else it says (language, host, peer) stays as the browser said it.
    let mut parts = parts;
    parts.method = Method::GET;
    parts.uri = uri;
    for name in [CONTENT_TYPE, CONTENT_LENGTH, COOKIE] {
        parts.headers.remove(name);
    }
    parts.headers.insert(AUTHORIZATION, authorization);
    parts
        .headers
        .insert(ACCEPT, HeaderValue::from_static("text/html"));
    parts.extensions.remove::<CurrentUser>();
    parts.extensions.insert(access);
    match app.oneshot(Request::from_parts(parts, Body::empty())).await {
        Ok(response) => no_store(response),
        Err(never) => match never {},
    }
}

/// `GET /auth/frame-handoff`, in the sign-in popup (a user route: the
/// identity layer found the user from the popup's own cookie).
pub(crate) async fn handoff(
    State(state): State<AppState>,
    user: CurrentUser,
    parts: Parts,
) -> Response {
    let (Some(auth), Some(profile)) = (state.auth.clone(), user.user.clone()) else {
        return super::ApiError::NotFound("this app has no logins").into_response();
    };
    let token = match auth
        .new_session(crate::auth::User::clone(&profile), "frame")
        .await
    {
        Ok(started) => started.token,
        Err(err) => {
            tracing::warn!(error = %err, "a frame's sign-in could not start");
            return super::ApiError::Busy("signing in is not possible right now".into())
                .into_response();
        }
    };
    let translations = state.site.languages().for_headers(&parts.headers);
    let i18n = I18n(translations.clone());
    let body = view! {
        <main class="login-page">
            <section class="login" id="loquat-handoff" data-token=token data-testid="frame-handoff">
                <p class="login-notice">{i18n.t("login.handoff_done")}</p>
            </section>
        </main>
        <script src=state.runtime.config.project.root_path.href(SCRIPT_PATH)></script>
    };
    let title = i18n.t_with("login.title", &[("app", &state.runtime.config.ui.name)]);
    let css = state.site.assets().css;
    let html = standalone_page(title, &frame(&state, &css, &translations), body);
    no_store(Html(html).into_response())
}

/// `GET /auth/frame.js`.
async fn script() -> Response {
    super::builtin_script::serve(SCRIPT)
}

/// The frame's sign-in page.
fn render(state: &AppState, parts: &Parts, next: &str, notice: Notice) -> String {
    let config = &state.runtime.config;
    let root = &config.project.root_path;
    let translations = state.site.languages().for_headers(&parts.headers);
    let i18n = I18n(translations.clone());
    let app_name = config.ui.name.clone();
    let login = root.href(&format!("/login?next={HANDOFF_PATH}"));
    let origins = config
        .project
        .window_message_origins()
        .unwrap_or_default()
        .join(" ");
    let message = match notice {
        Notice::None => None,
        Notice::SignedOut => Some((i18n.t("login.signed_out"), false)),
        Notice::Refused => Some((i18n.t("login.bad_token"), true)),
        Notice::Unavailable => Some((i18n.t("login.unavailable"), true)),
    };
    let message = message.map(|(text, is_error)| {
        if is_error {
            view! { <p class="login-error" role="alert" data-testid="login-error">{text}</p> }
                .into_any()
        } else {
            view! { <p class="login-notice" data-testid="login-notice">{text}</p> }.into_any()
        }
    });
    let body = view! {
        <main class="login-page">
            <section
                class="login"
                id="loquat-frame"
                data-testid="frame-sign-in-page"
                data-login=login
                data-origins=origins
                data-auto=(notice == Notice::None).to_string()
                data-refused=(notice == Notice::Refused).then_some("true")
            >
                <div class="login-brand">
                    <h1 data-testid="login-app-name">{app_name.clone()}</h1>
                </div>
                {message}
                <p>{i18n.t_with("login.frame_prompt", &[("app", &app_name)])}</p>
                <button type="button" class="btn btn-primary btn-block" id="loquat-frame-sign-in"
                    data-testid="frame-sign-in">
                    {i18n.t("login.submit")}
                </button>
                <p class="login-error" role="alert" id="loquat-frame-blocked" hidden
                    data-testid="frame-popup-blocked">
                    {i18n.t("login.frame_popup_blocked")}
                </p>
                <form id="loquat-frame-form" method="post" action=root.href(FRAME_PATH) hidden>
                    <input type="hidden" name="token" value=""/>
                    <input type="hidden" name="next" value=next.to_string()/>
                </form>
            </section>
        </main>
        <script src=root.href(SCRIPT_PATH)></script>
    };
    let title = i18n.t_with("login.title", &[("app", &app_name)]);
    let css = state.site.assets().css;
    standalone_page(title, &frame(state, &css, &translations), body)
}

fn frame<'a>(state: &'a AppState, css: &'a str, translations: &'a Translations) -> Frame<'a> {
    Frame {
        css_href: css,
        root: &state.runtime.config.project.root_path,
        look: state.site.head(),
        translations,
    }
}

/// Neither page nor its tokens are kept by a cache.
fn no_store(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// The tokens of a page rendered by `POST /auth/frame`, for its settings.
pub(crate) fn page_access(parts: &Parts) -> Option<loquat_app::protocol::PageAccess> {
    parts
        .extensions
        .get::<FrameAccess>()
        .map(|access| loquat_app::protocol::PageAccess {
            token: access.token.clone(),
            media: access.media.clone(),
            path: parts
                .uri
                .path_and_query()
                .map_or_else(|| "/".to_string(), |path| path.as_str().to_string()),
        })
}
