//! The browser side of the chat: the reactive store the components read, and
//! (when hydrated) the WebSocket connection that feeds it.

mod audio;
mod connection;
#[cfg(feature = "hydrate")]
mod page_script;
#[cfg(feature = "hydrate")]
mod socket;
mod store;
#[cfg(feature = "hydrate")]
pub mod upload;
pub mod user_env;
#[cfg(feature = "hydrate")]
mod user_mcp;
#[cfg(feature = "hydrate")]
mod window_messages;

pub use connection::ConnectionState;

pub use store::{ChatStore, StepModel, ThreadChange};

/// Posts an app's window message to the page that embeds this one (browser
/// only; see `window_messages`).
pub(crate) fn post_window_message(value: &serde_json::Value) {
    #[cfg(feature = "hydrate")]
    window_messages::post(value);
    #[cfg(not(feature = "hydrate"))]
    let _ = value;
}

/// Calls a function of the embedding page for the app (browser only; see
/// `window_messages::call_fn`).
pub(crate) fn call_page_fn(id: String, name: String, args: serde_json::Value) {
    #[cfg(feature = "hydrate")]
    window_messages::call_fn(id, name, args);
    #[cfg(not(feature = "hydrate"))]
    let _ = (id, name, args);
}

/// The server rendered formulas the page asked for (browser only).
pub(crate) fn math_rendered(formulas: Vec<crate::protocol::RenderedMath>) {
    #[cfg(all(feature = "hydrate", not(feature = "ssr")))]
    crate::markdown::math_arrived(formulas);
    #[cfg(not(all(feature = "hydrate", not(feature = "ssr"))))]
    let _ = formulas;
}

/// The socket is attached to its session: math the page could not ask
/// for while it was away is asked for now.
fn attached() {
    #[cfg(all(feature = "hydrate", not(feature = "ssr")))]
    crate::markdown::math_connected();
}

/// The chat's MCP servers changed (browser only; see `user_mcp`).
pub(crate) fn mcp_listed(servers: &[crate::protocol::McpServerState]) {
    #[cfg(feature = "hydrate")]
    user_mcp::listed(servers);
    #[cfg(not(feature = "hydrate"))]
    let _ = servers;
}

/// The user's last MCP change was refused, for the reason `message`.
pub(crate) fn mcp_refused(message: &str) {
    #[cfg(feature = "hydrate")]
    user_mcp::refused(message);
    #[cfg(not(feature = "hydrate"))]
    let _ = message;
}

/// A click in the composer's MCP control: on its button, the MCP panel
/// opens in the control's panel root (browser only).
pub fn mcp_clicked(click: &leptos::ev::MouseEvent, close_icon: &str) {
    #[cfg(feature = "hydrate")]
    user_mcp::clicked(click, close_icon);
    #[cfg(not(feature = "hydrate"))]
    let _ = (click, close_icon);
}

/// Plays the app's next piece of audio stream `stream` (base64 PCM16)
/// after what it played before (browser only; see `audio`).
pub(crate) fn play_audio(stream: &str, sample_rate: u32, data: &str) {
    #[cfg(feature = "hydrate")]
    audio::play(stream, sample_rate, data);
    #[cfg(not(feature = "hydrate"))]
    let _ = (stream, sample_rate, data);
}

/// The app's audio stream `stream` is complete.
pub(crate) fn end_audio(stream: &str) {
    #[cfg(feature = "hydrate")]
    audio::end(stream);
    #[cfg(not(feature = "hydrate"))]
    let _ = stream;
}

/// The server refused or ended the recording: the microphone stops.
pub(crate) fn audio_refused() {
    #[cfg(feature = "hydrate")]
    audio::refused();
}

/// A click in the composer's voice controls: on the microphone button,
/// starts or stops recording at the page's `sample_rate` (browser only).
pub fn voice_clicked(click: &leptos::ev::MouseEvent, sample_rate: u32) {
    #[cfg(feature = "hydrate")]
    audio::clicked(click, sample_rate);
    #[cfg(not(feature = "hydrate"))]
    let _ = (click, sample_rate);
}

/// Sends a client event over the live socket; false when not connected.
pub fn send(event: crate::protocol::ClientEvent) -> bool {
    #[cfg(feature = "hydrate")]
    {
        socket::send(&event)
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = event;
        false
    }
}

/// The page is signing out (its form is being sent): the socket's close
/// that follows is expected, and neither reconnects nor leads elsewhere.
pub fn signing_out() {
    #[cfg(feature = "hydrate")]
    socket::signing_out();
}

/// On a page signed in without a cookie, signing out is a script's
/// request with the page's token (the form would send none): it ends the
/// frame's sign-in, then the frame asks to sign in again. Other pages let
/// the form go.
pub fn sign_out_without_cookie(ev: leptos::ev::SubmitEvent) {
    #[cfg(feature = "hydrate")]
    {
        let Some(authorization) = crate::access::authorization() else {
            return;
        };
        ev.prevent_default();
        leptos::task::spawn_local(async move {
            let _ = gloo_net::http::Request::post(&crate::root_path::href("/auth/logout"))
                .header("Authorization", &authorization)
                .header("Accept", "application/json")
                .send()
                .await;
            crate::access::sign_in_again("/", true);
        });
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = ev;
}

/// Opens the connection and keeps it alive (browser only); with
/// `thread_id`, resumes that thread.
pub fn start(store: ChatStore, thread_id: Option<String>) {
    #[cfg(feature = "hydrate")]
    socket::start(store, thread_id);
    #[cfg(not(feature = "hydrate"))]
    let _ = (store, thread_id);
}

/// Switches the tab to a thread from history.
pub fn open_thread(store: ChatStore, thread_id: String) {
    #[cfg(feature = "hydrate")]
    socket::open_thread(store, thread_id);
    #[cfg(not(feature = "hydrate"))]
    let _ = (store, thread_id);
}

/// Ends the current chat and starts a new session.
pub fn new_chat(store: ChatStore) {
    #[cfg(feature = "hydrate")]
    socket::new_chat(store);
    #[cfg(not(feature = "hydrate"))]
    let _ = store;
}

/// Leaves the current chat and opens a new one with the chat profile
/// `name`: the choice is kept in a cookie (the server reads it to render
/// the page with that profile, and checks that the user is offered it).
pub fn switch_profile(store: ChatStore, name: &str) {
    #[cfg(feature = "hydrate")]
    socket::switch_profile(store, name);
    #[cfg(not(feature = "hydrate"))]
    let _ = (store, name);
}
