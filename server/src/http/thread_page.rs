//! `/thread/{id}`: the chat page for a thread of history, or the not-found
//! page (status 404) when it does not exist or is not the user's.

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::Request;
use axum::response::Response;
use leptos::prelude::provide_context;
use loquat_app::route::ThreadMissing;

use super::router::AppState;
use super::CurrentUser;
use crate::ids::ThreadId;

pub(crate) async fn thread_page(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    request: Request<Body>,
) -> Response {
    let runtime = &state.runtime;
    let exists = match ThreadId::parse(&id) {
        Some(id) => runtime.thread_visible(user.id(), &id).await,
        None => false,
    };
    state
        .render_page(request, move || {
            if !exists {
                provide_context(ThreadMissing);
            }
        })
        .await
}
