//! What no route matches: a file of the site (the app's public directory,
//! then the browser bundle), else the app's not-found page (status 404).

use axum::body::Body;
use axum::extract::State;
use axum::http::Request;
use axum::response::Response;
use loquat_app::shell;

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
    let context = state.context.clone();
    let options = state.leptos.clone();
    let render = leptos_axum::render_app_to_stream_with_context(
        move || context(),
        move || shell(options.clone()),
    );
    render(request).await
}
