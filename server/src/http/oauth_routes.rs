//! `GET /auth/oauth/{provider}` starts a sign-in at the provider (303 there,
//! with the pending flow's cookie); `GET /auth/oauth/{provider}/callback`
//! is where it sends the browser back. Both are outside the identity layer
//! (the visitor has no user yet); every failure returns to the login page
//! with a fixed message.

use axum::extract::{Path, Query, Request, State};
use axum::http::header::{CACHE_CONTROL, LOCATION, SET_COOKIE};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::auth_routes::local_path;
use super::router::AppState;
use crate::auth::oauth::{same_state, OAuthError, PendingFlow};

#[derive(Debug, Default, Deserialize)]
pub(crate) struct StartQuery {
    next: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
}

fn redirect(location: &str, cookies: impl IntoIterator<Item = Option<HeaderValue>>) -> Response {
    let mut response = StatusCode::SEE_OTHER.into_response();
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(location) {
        headers.insert(LOCATION, value);
    }
    for cookie in cookies.into_iter().flatten() {
        headers.append(SET_COOKIE, cookie);
    }
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

fn to_login(
    code: &str,
    next: &str,
    cookies: impl IntoIterator<Item = Option<HeaderValue>>,
) -> Response {
    let next = percent_encoding::utf8_percent_encode(next, percent_encoding::NON_ALPHANUMERIC);
    redirect(&format!("/login?error={code}&next={next}"), cookies)
}

pub(crate) async fn start(
    State(state): State<AppState>,
    Path(provider): Path<String>,
    Query(query): Query<StartQuery>,
    request: Request,
) -> Response {
    let next = local_path(query.next.as_deref());
    let Some((auth, oauth)) = state
        .auth
        .as_ref()
        .and_then(|auth| Some((auth, auth.parts.oauth.as_ref()?)))
    else {
        return to_login("not_enabled", &next, []);
    };
    let (parts, _) = request.into_parts();
    let Some(redirect_uri) = auth.redirect_uri(&provider, &parts) else {
        return to_login("unavailable", &next, []);
    };
    let flow = PendingFlow::new(&provider, next.clone());
    match oauth.authorize_url(&provider, &redirect_uri, &flow).await {
        Ok(url) => redirect(
            &url,
            [flow.cookie(&auth.parts.keys, auth.parts.cookie.secure)],
        ),
        Err(err) => {
            if err != OAuthError::UnknownProvider {
                tracing::warn!(%provider, error = %err, "an OAuth sign-in could not start");
            }
            to_login(err.code(), &next, [])
        }
    }
}

pub(crate) async fn callback(
    State(state): State<AppState>,
    Path(provider): Path<String>,
    Query(query): Query<CallbackQuery>,
    request: Request,
) -> Response {
    let Some((auth, oauth)) = state
        .auth
        .as_ref()
        .and_then(|auth| Some((auth, auth.parts.oauth.as_ref()?)))
    else {
        return to_login("not_enabled", "/", []);
    };
    let secure = auth.parts.cookie.secure;
    let clear = || PendingFlow::clear(secure);
    let (parts, _) = request.into_parts();
    let flow = PendingFlow::read(&auth.parts.keys, &parts.headers);
    let next = flow
        .as_ref()
        .map_or_else(|| "/".to_string(), |f| f.next.clone());
    if let Some(error) = &query.error {
        tracing::info!(%provider, %error, "the provider ended the sign-in");
        let code = if error == "access_denied" {
            "oauth_denied"
        } else {
            "oauth_failed"
        };
        return to_login(code, &next, [clear()]);
    }
    let flow = match (flow, &query.state) {
        (Some(flow), Some(returned))
            if flow.provider == provider && same_state(&flow.state, returned) =>
        {
            flow
        }
        _ => {
            tracing::warn!(%provider, "an OAuth callback without its sign-in (state) was refused");
            return to_login("oauth_expired", &next, [clear()]);
        }
    };
    let (Some(code), Some(redirect_uri)) = (query.code, auth.redirect_uri(&provider, &parts))
    else {
        return to_login("oauth_failed", &next, [clear()]);
    };
    let user = match oauth.finish(&provider, &redirect_uri, &flow, code).await {
        Ok(user) => user,
        Err(err) => {
            tracing::warn!(%provider, error = %err, "an OAuth sign-in failed");
            return to_login(err.code(), &next, [clear()]);
        }
    };
    match auth.sign_in(user, &provider).await {
        Ok(signed) => redirect(&next, [clear(), Some(signed.cookie)]),
        Err(err) => to_login(err.code(), &next, [clear()]),
    }
}
