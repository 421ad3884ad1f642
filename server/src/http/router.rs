use std::sync::Arc;

use axum::extract::FromRef;
use axum::middleware::from_fn_with_state;
use axum::routing::{get, post, MethodRouter};
use axum::Router;
use leptos::prelude::*;
use leptos_axum::{generate_route_list, LeptosRoutes};
use loquat_app::protocol::{
    FileRules, UiConfig, AUDIO_CLIENT_PATH, AUDIO_WORKLET_PATH, MAX_SAMPLE_RATE, MCP_PANEL_PATH,
    MIN_SAMPLE_RATE, WS_PATH,
};
use loquat_app::{shell, App};
use tower_http::compression::CompressionLayer;

use loquat_app::history::HistoryService;
use loquat_app::page_policy::PagePolicy;

use super::auth_routes;
use super::body_deadline::limit_request_bodies;
use super::cross_site_guard::refuse_cross_site;
use super::current_user::{identify, CurrentUser, Identify};
use super::element;
use super::frame_sign_in;
use super::history::RuntimeHistory;
use super::host_guard::refuse_unknown_hosts;
use super::oauth_routes;
use super::origin_policy::OriginPolicy;
use super::page_context::{with_page_context, PageContext};
use super::page_query::PageQuery;
use super::root_mount;
use super::security_headers::add_security_headers;
use super::shared_page;
use super::static_files::files_or_not_found;
use super::thread_page::thread_page;
use super::transfer;
use super::upload;
use super::ws::ws_handler;
use crate::auth::Auth;
use crate::i18n::Catalog;
use crate::runtime::Runtime;
use crate::site::Site;

/// Provides what every render and server function needs in context.
pub(crate) type ContextFn = Arc<dyn Fn() + Send + Sync>;

#[derive(Clone)]
pub(crate) struct AppState {
    pub(crate) leptos: LeptosOptions,
    pub(crate) runtime: Arc<Runtime>,
    pub(crate) context: ContextFn,
    pub(crate) site: Arc<Site>,
    /// The app's logins; none without any.
    pub(crate) auth: Option<Arc<Auth>>,
}

impl AppState {
    /// Renders the app for `request` with the shared context plus `extra`
    /// (what the page's handler found out: a missing thread, an element).
    pub(crate) async fn render_page(
        &self,
        request: axum::http::Request<axum::body::Body>,
        extra: impl Fn() + Clone + Send + Sync + 'static,
    ) -> axum::response::Response {
        let context = self.context.clone();
        let options = self.leptos.clone();
        let render = leptos_axum::render_app_to_stream_with_context(
            move || {
                context();
                extra();
            },
            move || shell(options.clone()),
        );
        render(request).await
    }
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos.clone()
    }
}

impl FromRef<AppState> for Option<Arc<Auth>> {
    fn from_ref(state: &AppState) -> Self {
        state.auth.clone()
    }
}

impl FromRef<AppState> for Arc<Runtime> {
    fn from_ref(state: &AppState) -> Self {
        state.runtime.clone()
    }
}

/// Leptos settings. The site's files are served by [`Site`], so only what
/// cargo-leptos's watch mode passes (`LEPTOS_ENV`, the live-reload port)
/// matters here.
pub(crate) fn leptos_options() -> LeptosOptions {
    let var = |key: &str, default: &str| std::env::var(key).unwrap_or_else(|_| default.into());
    let env = match var("LEPTOS_ENV", "DEV").to_ascii_lowercase().as_str() {
        "prod" | "production" => leptos::config::Env::PROD,
        _ => leptos::config::Env::DEV,
    };
    let mut options = LeptosOptions::builder()
        .output_name("loquat")
        .site_pkg_dir("pkg")
        .env(env)
        .build();
    if let Ok(port) = var("LEPTOS_RELOAD_PORT", "").parse() {
        options.reload_port = port;
    }
    options
}

pub(crate) fn ui_config(runtime: &Runtime, branding: &loquat_app::branding::Branding) -> UiConfig {
    let config = &runtime.config;
    UiConfig {
        name: config.ui.name.clone(),
        description: config.ui.description.clone(),
        cot: config.ui.cot,
        default_collapse_content: config.ui.default_collapse_content,
        unsafe_allow_html: config.features.unsafe_allow_html,
        latex: config.features.latex,
        history: runtime.persistence.is_some(),
        edit_message: config.features.edit_message,
        reactions: config.ui.reactions.clone(),
        max_frame_bytes: runtime.limits.max_frame_bytes,
        uploads: config.features.spontaneous_file_upload.enabled.then(|| {
            let uploads = &config.features.spontaneous_file_upload;
            FileRules {
                accept: uploads.accept.clone(),
                max_size_bytes: u64::from(uploads.max_size_mb) * 1024 * 1024,
                max_files: uploads.max_files,
            }
        }),
        feedback: config.features.feedback,
        user_env: config.project.user_env.clone(),
        sharing: config.features.allow_thread_sharing && runtime.persistence.is_some(),
        feedback_reasons: config.features.feedback_reasons.clone(),
        user: None,
        settings_location: config.ui.chat_settings_location,
        starters: Vec::new(),
        profiles: Vec::new(),
        profile: None,
        branding: branding.clone(),
        interface: loquat_app::protocol::Interface {
            expand_steps: config.ui.default_expand_messages,
            // Unset: the page language's own (see `ui_for_request`).
            placeholder: config.ui.composer_placeholder.clone().unwrap_or_default(),
            buttons: config.ui.conversation_buttons.clone(),
            avatars: config.ui.show_avatars,
            authors: config.ui.show_authors,
            timestamps: config.ui.show_timestamps,
            timestamp_format: config.ui.timestamp_format.clone(),
        },
        translations: Default::default(),
        root: config.project.root_path.clone(),
        // Checked when the configuration was loaded; one given in code
        // with a bad entry gets none.
        window_origins: config.project.window_message_origins().unwrap_or_default(),
        // Per request (a frame signed in without a cookie).
        access: None,
        copilot: false,
        theme: None,
        // The button shows only for an app that takes the audio.
        audio: (config.features.audio.enabled && runtime.hooks.on_audio_chunk.is_some()).then(
            || loquat_app::protocol::AudioSettings {
                sample_rate: config
                    .features
                    .audio
                    .sample_rate
                    .clamp(MIN_SAMPLE_RATE, MAX_SAMPLE_RATE),
            },
        ),
        // Only when the runtime took the rules (MCP on, user servers on).
        mcp: runtime
            .mcp
            .as_ref()
            .and_then(|mcp| mcp.users.as_ref())
            .map(|rules| loquat_app::protocol::McpUi {
                max_user_servers: u32::try_from(rules.max).unwrap_or(u32::MAX),
            }),
    }
}

/// Every route that acts for a user, with its path: all of them sit behind
/// the identity layer (the route-coverage test walks this same list).
pub(crate) fn user_routes() -> Vec<(&'static str, MethodRouter<AppState>)> {
    vec![
        (WS_PATH, get(ws_handler)),
        ("/thread/{id}", get(thread_page)),
        ("/element/{id}", get(element::page)),
        ("/element/{id}/content", get(element::content)),
        ("/element/{id}/rows", get(element::rows)),
        ("/api/sessions/{id}/files", post(upload::upload)),
        ("/api/threads/{id}/export", get(transfer::export)),
        ("/api/threads/import", post(transfer::import)),
        ("/auth/user", get(auth_routes::current_user)),
        (frame_sign_in::HANDOFF_PATH, get(frame_sign_in::handoff)),
    ]
}

/// The routes a visitor uses before they have a user: signing in and out,
/// and a thread's share link (the token is the permission). Outside the
/// identity layer, inside the boundary's guards.
pub(crate) fn public_routes() -> Vec<(&'static str, MethodRouter<AppState>)> {
    vec![
        ("/login", get(auth_routes::login_page)),
        ("/auth/login", post(auth_routes::password_login)),
        ("/auth/logout", post(auth_routes::logout)),
        ("/auth/jwt", post(auth_routes::jwt_exchange)),
        ("/auth/oauth/{provider}", get(oauth_routes::start)),
        (
            "/auth/oauth/{provider}/callback",
            get(oauth_routes::callback),
        ),
        ("/share/{token}", get(shared_page::shared_page)),
        ("/copilot/index.js", get(super::copilot::loader)),
        (AUDIO_CLIENT_PATH, get(super::page_scripts::audio_client)),
        (AUDIO_WORKLET_PATH, get(super::page_scripts::audio_worklet)),
        (MCP_PANEL_PATH, get(super::page_scripts::mcp_panel)),
    ]
}

/// The composer's placeholder when `[UI] composer_placeholder` is unset.
const PLACEHOLDER_KEY: &str = "composer.placeholder";

/// The UI settings of one render: the app's, with the user the identity
/// layer found for the request.
fn ui_for_request(ui: &UiConfig, languages: &Catalog) -> UiConfig {
    let parts = use_context::<axum::http::request::Parts>();
    let accept_language = parts
        .as_ref()
        .and_then(|parts| parts.headers.get(axum::http::header::ACCEPT_LANGUAGE))
        .and_then(|value| value.to_str().ok());
    let query = PageQuery::parse(parts.as_ref().and_then(|parts| parts.uri.query()));
    let translations = languages.for_request(query.lang.as_deref().or(accept_language));
    let user = parts
        .as_ref()
        .and_then(|parts| parts.extensions.get::<CurrentUser>().cloned())
        .and_then(|user| auth_routes::badge(&user));
    let page = parts
        .as_ref()
        .and_then(|parts| parts.extensions.get::<PageContext>().cloned())
        .unwrap_or_default();
    let access = parts.as_ref().and_then(frame_sign_in::page_access);
    let mut ui = UiConfig {
        user,
        access,
        copilot: query.copilot,
        theme: query.theme.map(str::to_string),
        cot: query.narrow_cot(ui.cot),
        starters: page.starters,
        profiles: page.profiles,
        profile: page.profile.as_ref().map(|p| p.name.clone()),
        ..ui.clone()
    };
    if ui.interface.placeholder.is_empty() {
        ui.interface.placeholder = translations.get(PLACEHOLDER_KEY).to_string();
    }
    if let Some(description) = languages.description(&translations.lang) {
        ui.description = description.to_string();
    }
    ui.translations = (*translations).clone();
    // The picked profile's changes to the app's settings.
    if let Some(overrides) = page.profile.map(|p| p.overrides) {
        if let Some(name) = overrides.name {
            ui.name = name;
        }
        if let Some(description) = overrides.description {
            ui.description = description;
        }
        ui.edit_message = overrides.edit_message.unwrap_or(ui.edit_message);
        ui.feedback = overrides.feedback.unwrap_or(ui.feedback);
    }
    ui
}

/// The app: pages, server functions and the user routes behind the
/// identity layer; only the sign-in routes, `/healthz` and the fallback
/// (the site's files, else the not-found page) are outside it. Then,
/// around everything, the boundary's layers.
pub(crate) fn router(
    runtime: Arc<Runtime>,
    site: Site,
    policy: OriginPolicy,
    identity: Arc<dyn Identify>,
    auth: Option<Arc<Auth>>,
) -> Router {
    let leptos = leptos_options();
    let ui = ui_config(&runtime, site.branding());
    let head = site.head().clone();
    let languages = site.languages().clone();
    let routes = generate_route_list(App);
    let history: HistoryService = Arc::new(RuntimeHistory(runtime.clone()));
    let assets = site.assets();
    let live_reload = std::env::var_os("LEPTOS_WATCH").is_some();
    let page_policy =
        PagePolicy::new(&runtime.config.project.frame_ancestors, live_reload).allowing(site.head());
    let pages = page_policy.clone();
    let context: ContextFn = Arc::new(move || {
        provide_context(ui_for_request(&ui, &languages));
        provide_context(history.clone());
        provide_context(assets.clone());
        provide_context(pages.clone());
        provide_context(head.clone());
    });
    let bodies = runtime.limits.bodies;
    let state = AppState {
        leptos,
        runtime,
        context: context.clone(),
        site: Arc::new(site),
        auth,
    };
    let context = move || context();
    let policy = Arc::new(policy);
    let pages = Arc::new(page_policy);
    let for_users = user_routes()
        .into_iter()
        .fold(Router::new(), |router, (path, route)| {
            router.route(path, route)
        })
        .leptos_routes_with_context(&state, routes, context, {
            let options = state.leptos.clone();
            move || shell(options.clone())
        })
        .layer(from_fn_with_state(state.runtime.clone(), with_page_context))
        .layer(from_fn_with_state(identity, identify));
    let public = public_routes()
        .into_iter()
        .fold(Router::new(), |router, (path, route)| {
            router.route(path, route)
        });
    let root = state.runtime.config.project.root_path.clone();
    let app = Router::new()
        .merge(for_users)
        .merge(public)
        .route("/healthz", get(|| async { "ok" }))
        .fallback(files_or_not_found)
        .with_state(state.clone());
    let app = frame_sign_in::around(app, state);
    root_mount::mount(&root, app)
        .layer(CompressionLayer::new())
        // The last layer runs first: every answer gets the security headers
        // (refusals too); a request for an unknown host is refused before
        // anything else looks at it; then cross-site requests; then every
        // body is held to its pace.
        .layer(from_fn_with_state(bodies, limit_request_bodies))
        .layer(from_fn_with_state(policy.clone(), refuse_cross_site))
        .layer(from_fn_with_state(policy, refuse_unknown_hosts))
        .layer(from_fn_with_state(pages, add_security_headers))
}
