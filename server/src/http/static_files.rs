//! What no route matches: a file of the site (the app's public directory,
//! then the browser bundle), else the app's not-found page (status 404).

use axum::body::Body;
use axum::extract::State;
use axum::http::Request;
use axum::response::Response;

use super::router::AppState;

pub(crate) async fn files_or_not_found(
    State(state): State<AppState>,
    request: Request<Body>,
) -> Response {
    let site = &state.site;
    if let Some(response) = site
        .respond(request.method(), request.uri(), request.headers())
        .await
    {
        return response;
    }
    state.render_page(request, || {}).await
}
