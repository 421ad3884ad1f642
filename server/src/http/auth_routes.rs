//! The routes of signing in and out, outside the identity layer (a visitor
//! has no user yet) but behind the boundary's guards like every route:
//!
//! - `GET /login`: the sign-in page (signed in already: on to `next`);
//! - `POST /auth/login`: username and password, from the page's form (303
//!   on to `next`, or back to the page with an error code) or from a
//!   program (`Accept: application/json`: 200 or 401 with JSON);
//! - `POST /auth/logout`: ends the sign-in on the server, clears the cookie;
//! - `POST /auth/jwt`: exchanges a bearer token for a session cookie.
//!
//! `GET /auth/user` (who is signed in) is a user route, inside the layer.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use axum::extract::{ConnectInfo, Query, Request, State};
use axum::http::header::{ACCEPT, CACHE_CONTROL, LOCATION, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::{Extension, Form, Json};
use loquat_app::protocol::SignedInUser;
use serde::Deserialize;

use super::api_error::ApiError;
use super::login_page::{LoginPage, ProviderButton};
use super::router::AppState;
use super::CurrentUser;
use crate::auth::{bearer_token, LoginError, SignedIn};
use crate::http::Identify;

/// Longest `next` kept, in bytes.
const MAX_NEXT_BYTES: usize = 2048;

#[derive(Debug, Default, Deserialize)]
pub(crate) struct LoginQuery {
    error: Option<String>,
    next: Option<String>,
    signed_out: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct LoginForm {
    username: String,
    password: String,
    #[serde(default)]
    next: Option<String>,
}

/// `next` when it is a path of this app, else `/`: never a way off-site,
/// nor to a route of signing in or out (but the frame's handoff, where the
/// sign-in popup ends).
pub(crate) fn local_path(next: Option<&str>) -> String {
    match next {
        Some(path) if path == super::frame_sign_in::HANDOFF_PATH => path.to_string(),
        Some(path)
            if path.starts_with('/')
                && !path.starts_with("//")
                && !path.starts_with("/\\")
                && path.len() <= MAX_NEXT_BYTES
                && !path.chars().any(|c| c.is_control() || c == '\\')
                && !path.starts_with("/auth/")
                && !path.starts_with("/login") =>
        {
            path.to_string()
        }
        _ => "/".to_string(),
    }
}

fn see_other(location: &str) -> Response {
    let mut response = StatusCode::SEE_OTHER.into_response();
    if let Ok(value) = HeaderValue::from_str(location) {
        response.headers_mut().insert(LOCATION, value);
    }
    response
}

fn wants_json(headers: &HeaderMap) -> bool {
    headers
        .get(ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("application/json") && !v.contains("text/html"))
}

fn client_of(peer: Option<Extension<ConnectInfo<SocketAddr>>>) -> IpAddr {
    peer.map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |p| p.0 .0.ip())
}

/// The page back with an error code (and where to go after).
fn back_to_login(code: &str, next: &str) -> Response {
    let next = percent_encoding::utf8_percent_encode(next, percent_encoding::NON_ALPHANUMERIC);
    see_other(&format!("/login?error={code}&next={next}"))
}

pub(crate) fn badge(user: &CurrentUser) -> Option<SignedInUser> {
    user.user.as_ref().map(|user| SignedInUser {
        identifier: user.identifier.clone(),
        name: user.name().to_string(),
        image: user.image().map(str::to_string),
    })
}

fn no_logins() -> Response {
    ApiError::NotFound("this app has no logins").into_response()
}

pub(crate) async fn login_page(
    State(state): State<AppState>,
    Query(query): Query<LoginQuery>,
    request: Request,
) -> Response {
    let Some(auth) = &state.auth else {
        return see_other("/");
    };
    let next = local_path(query.next.as_deref());
    let (parts, _) = request.into_parts();
    if auth.identify(&parts).await.is_some() {
        return see_other(&next);
    }
    let status = match (&query.error, &query.signed_out) {
        (Some(code), _) => Some(code.clone()),
        (None, Some(_)) => Some("signed_out".to_string()),
        _ => None,
    };
    let page = LoginPage {
        app_name: state.runtime.config.ui.name.clone(),
        css_href: state.site.assets().css,
        root: state.runtime.config.project.root_path.clone(),
        look: state.site.head().clone(),
        logo: state.site.branding().logo_light.clone(),
        image: state.site.head().login_image.clone(),
        password: auth.parts.password.is_some(),
        header: auth.parts.header.is_some(),
        providers: auth
            .parts
            .oauth
            .iter()
            .flat_map(|oauth| oauth.buttons())
            .map(|(id, label)| ProviderButton {
                id: id.to_string(),
                label: label.to_string(),
            })
            .collect(),
        status,
        next,
        translations: state.site.languages().for_headers(&parts.headers),
    };
    let mut response = Html(page.render()).into_response();
    response
        .headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// A sign-in's answer: on to `next` (or JSON) with the cookie.
fn signed_in(signed: SignedIn, next: &str, json: bool) -> Response {
    let mut response = if json {
        Json(serde_json::json!({ "user": badge(&signed.user) })).into_response()
    } else {
        see_other(next)
    };
    response.headers_mut().insert(SET_COOKIE, signed.cookie);
    response
        .headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

fn refused(err: LoginError, next: &str, json: bool) -> Response {
    if !json {
        return back_to_login(err.code(), next);
    }
    let status = match err {
        LoginError::BadCredentials => StatusCode::UNAUTHORIZED,
        LoginError::Throttled => StatusCode::TOO_MANY_REQUESTS,
        LoginError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        LoginError::NotEnabled => StatusCode::NOT_FOUND,
    };
    let body = serde_json::json!({ "error": err.code(), "message": err.to_string() });
    (status, Json(body)).into_response()
}

pub(crate) async fn password_login(
    State(state): State<AppState>,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Response {
    let Some(auth) = &state.auth else {
        return no_logins();
    };
    let json = wants_json(&headers);
    let next = local_path(form.next.as_deref());
    let client = client_of(peer);
    let user = match auth
        .check_password(&form.username, &form.password, client)
        .await
    {
        Ok(user) => user,
        Err(err) => return refused(err, &next, json),
    };
    match auth.sign_in(user, "password").await {
        Ok(signed) => signed_in(signed, &next, json),
        Err(err) => refused(err, &next, json),
    }
}

pub(crate) async fn logout(State(state): State<AppState>, request: Request) -> Response {
    let Some(auth) = &state.auth else {
        return no_logins();
    };
    let json = wants_json(request.headers());
    let (parts, _) = request.into_parts();
    if let Some(user) = auth.identify(&parts).await {
        auth.sign_out(&user).await;
    }
    let mut response = if json {
        StatusCode::NO_CONTENT.into_response()
    } else {
        see_other("/login?signed_out=1")
    };
    response
        .headers_mut()
        .insert(SET_COOKIE, auth.parts.cookie.clear());
    response
}

pub(crate) async fn jwt_exchange(State(state): State<AppState>, request: Request) -> Response {
    let Some(auth) = &state.auth else {
        return no_logins();
    };
    let user = match bearer_token(request.headers()) {
        Some(token) => auth.bearer_user(token).await,
        None => None,
    };
    let Some(user) = user else {
        return refused(LoginError::BadCredentials, "/", true);
    };
    match auth.sign_in(user, "jwt").await {
        Ok(signed) => signed_in(signed, "/", true),
        Err(err) => refused(err, "/", true),
    }
}

/// `GET /auth/user`: who the request acts for (`null` for the local user of
/// an app without logins).
pub(crate) async fn current_user(user: CurrentUser) -> Response {
    Json(serde_json::json!({ "user": badge(&user) })).into_response()
}

#[cfg(test)]
mod tests {
    use super::local_path;

    #[test]
    fn next_stays_on_the_site() {
        assert_eq!(local_path(Some("/thread/abc?x=1")), "/thread/abc?x=1");
        for bad in [
            "https://evil.example/",
            "//evil.example",
            "/\\evil.example",
            "javascript:alert(1)",
            "/a\nb",
            "/auth/logout",
            "/login?next=/x",
            "",
        ] {
            assert_eq!(local_path(Some(bad)), "/", "{bad:?}");
        }
        assert_eq!(local_path(None), "/");
    }
}
