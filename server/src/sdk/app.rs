use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use crate::auth::{
    header_callback, logout_hook, oauth_callback, password_callback, Auth, AuthHooks, User,
};
use crate::cli::{Cli, Command, ServeOptions};
use crate::config::Config;
use crate::data::{DataError, DataLayer, LOCAL_USER};
use crate::error::{HookResult, ServeError};
use crate::files::FileStorage;
use crate::http::origin_policy::PUBLIC_URL_ENV;
use crate::http::OriginPolicy;
use crate::runtime::hooks::{chat_hook, chat_with_hook, shared_view_hook, Hooks};
use crate::runtime::persist::Persistence;
use crate::runtime::{Runtime, RuntimeLimits};
use crate::site::{Bundle, Site};

/// File name of the embedded database inside the data directory.
pub const DATABASE_FILE: &str = "loquat.db";

/// Directory inside the data directory where element and upload bytes are
/// kept by default.
pub const FILES_DIR: &str = "files";

/// Where conversations are kept.
#[derive(Clone, Default)]
enum Storage {
    /// SQLite in the data directory, unless the configuration turns it off.
    #[default]
    Embedded,
    Custom(Arc<dyn DataLayer>),
    Off,
}

use super::{ActionCall, Chat, Message};

/// A Loquat app: register hooks, then serve.
///
/// ```no_run
/// use loquat::{Chat, Loquat, Message};
///
/// #[tokio::main]
/// async fn main() -> Result<(), Box<dyn std::error::Error>> {
///     Loquat::new()
///         .on_message(|chat: Chat, msg: Message| async move {
///             chat.send(Message::assistant(format!("Received: {}", msg.content))).await?;
///             Ok(())
///         })
///         .serve()
///         .await?;
///     Ok(())
/// }
/// ```
#[derive(Default)]
#[must_use = "an app does nothing until it is served"]
pub struct Loquat {
    pub(super) hooks: Hooks,
    config: Option<Config>,
    limits: RuntimeLimits,
    storage: Storage,
    files: Option<Arc<dyn FileStorage>>,
    auth: AuthHooks,
}

impl Loquat {
    /// An app with no hooks.
    pub fn new() -> Self {
        Self::default()
    }

    /// Runs when a new chat session starts (a new tab or "new chat").
    pub fn on_chat_start<F, Fut>(mut self, hook: F) -> Self
    where
        F: Fn(Chat) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = HookResult> + Send + 'static,
    {
        self.hooks.on_chat_start = Some(chat_hook(hook));
        self
    }

    /// Runs for every message the user sends. Messages sent while a run is
    /// active wait their turn, in order.
    pub fn on_message<F, Fut>(mut self, hook: F) -> Self
    where
        F: Fn(Chat, Message) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = HookResult> + Send + 'static,
    {
        self.hooks.on_message = Some(chat_with_hook(hook));
        self
    }

    /// Runs when the user clicks an action button named `name` (see
    /// [`crate::Message::action`]). Clicks wait their turn behind the active
    /// run, like messages.
    ///
    /// ```no_run
    /// # use loquat::{Action, ActionCall, Chat, Loquat, Message};
    /// Loquat::new()
    ///     .on_chat_start(|chat: Chat| async move {
    ///         let ask = Message::assistant("Ready?").action(Action::new("go").label("Go!"));
    ///         chat.send(ask).await?;
    ///         Ok(())
    ///     })
    ///     .on_action("go", |chat: Chat, call: ActionCall| async move {
    ///         call.remove().await?;
    ///         chat.send(Message::assistant("Going.")).await?;
    ///         Ok(())
    ///     });
    /// ```
    pub fn on_action<F, Fut>(mut self, name: impl Into<String>, hook: F) -> Self
    where
        F: Fn(Chat, ActionCall) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = HookResult> + Send + 'static,
    {
        self.hooks.actions.insert(name.into(), chat_with_hook(hook));
        self
    }

    /// Runs after the user stopped the active run (which was cancelled).
    pub fn on_stop<F, Fut>(mut self, hook: F) -> Self
    where
        F: Fn(Chat) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = HookResult> + Send + 'static,
    {
        self.hooks.on_stop = Some(chat_hook(hook));
        self
    }

    /// Runs when a session ends (the user started a new chat, or no browser
    /// was attached for `session_timeout`). Sending is no longer possible.
    pub fn on_chat_end<F, Fut>(mut self, hook: F) -> Self
    where
        F: Fn(Chat) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = HookResult> + Send + 'static,
    {
        self.hooks.on_chat_end = Some(chat_hook(hook));
        self
    }

    /// Runs when the user resumes a thread from history (with persistence),
    /// with the thread as stored: name, tags, metadata. What the app
    /// [`crate::UserSession::save`]d in it is already back.
    ///
    /// ```no_run
    /// use loquat::{Chat, Loquat, Message};
    /// use loquat::data::ThreadRecord;
    ///
    /// Loquat::new().on_chat_resume(|chat: Chat, thread: ThreadRecord| async move {
    ///     let name = thread.name.unwrap_or_default();
    ///     chat.send(Message::assistant(format!("Back to “{name}”."))).await?;
    ///     Ok(())
    /// });
    /// ```
    pub fn on_chat_resume<F, Fut>(mut self, hook: F) -> Self
    where
        F: Fn(Chat, crate::data::ThreadRecord) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = HookResult> + Send + 'static,
    {
        self.hooks.on_chat_resume = Some(chat_with_hook(hook));
        self
    }

    /// Signs users in with a username and password that `check` verifies:
    /// it returns the [`User`] they are, or `None` to refuse. Attempts are
    /// rate-limited per account and per address before `check` runs. Needs
    /// `LOQUAT_AUTH_SECRET` (see `docs/auth.md`).
    ///
    /// ```no_run
    /// use loquat::{Loquat, User};
    ///
    /// Loquat::new().password_auth(|username, password| async move {
    ///     // Look the user up in your own store; compare hashes, not text.
    ///     (username == "admin" && password == "change me").then(|| {
    ///         User::new("admin").display_name("Admin").metadata("role", "admin")
    ///     })
    /// });
    /// ```
    pub fn password_auth<F, Fut>(mut self, check: F) -> Self
    where
        F: Fn(String, String) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Option<User>> + Send + 'static,
    {
        self.auth.password = Some(password_callback(check));
        self
    }

    /// Signs users in from the headers an SSO reverse proxy adds: `check`
    /// reads them and returns the [`User`], or `None`. Only requests from
    /// the proxy's addresses (`[auth] trusted_proxies`, default loopback)
    /// are asked; from anywhere else the headers are ignored, so they
    /// cannot be forged around the proxy.
    ///
    /// ```no_run
    /// use loquat::{Loquat, User};
    ///
    /// Loquat::new().header_auth(|headers| async move {
    ///     let email = headers.get("x-forwarded-email")?.to_str().ok()?;
    ///     Some(User::new(email))
    /// });
    /// ```
    pub fn header_auth<F, Fut>(mut self, check: F) -> Self
    where
        F: Fn(axum::http::HeaderMap) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Option<User>> + Send + 'static,
    {
        self.auth.header = Some(header_callback(check));
        self
    }

    /// Decides who may sign in with an OAuth provider. The providers are
    /// the ones configured in the environment (`OAUTH_GITHUB_CLIENT_ID`,
    /// `OAUTH_GOOGLE_CLIENT_ID`, …, see `docs/auth.md`); `check` gets the
    /// provider's id, the access token, the provider's raw user (ID-token
    /// claims and user info, or GitHub's user) and the default [`User`],
    /// and returns the user to sign in, or `None` to refuse. Without it,
    /// every user the provider signs in is accepted as the default user.
    ///
    /// ```no_run
    /// use loquat::{Loquat, User};
    ///
    /// Loquat::new().oauth(|provider, _token, raw, user| async move {
    ///     // Only the company's Google accounts.
    ///     let domain = raw.get("hd").and_then(|v| v.as_str());
    ///     (provider == "google" && domain == Some("example.com")).then_some(user)
    /// });
    /// ```
    pub fn oauth<F, Fut>(mut self, check: F) -> Self
    where
        F: Fn(String, String, serde_json::Value, User) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Option<User>> + Send + 'static,
    {
        self.auth.oauth = Some(oauth_callback(check));
        self
    }

    /// Signs session and bearer tokens with this secret instead of
    /// `LOQUAT_AUTH_SECRET` (for an app that keeps its secrets elsewhere).
    ///
    /// ```
    /// use loquat::auth::{create_secret, AuthSecret};
    ///
    /// let secret = AuthSecret::new(&create_secret()).unwrap();
    /// let app = loquat::Loquat::new().auth_secret(secret);
    /// # let _ = app;
    /// ```
    pub fn auth_secret(mut self, secret: crate::auth::AuthSecret) -> Self {
        self.auth.secret = Some(secret);
        self
    }

    /// Runs when a user signs out (their sign-in has already ended).
    ///
    /// ```no_run
    /// loquat::Loquat::new().on_logout(|user: loquat::User| async move {
    ///     tracing::info!(user = %user.identifier, "signed out");
    /// });
    /// ```
    pub fn on_logout<F, Fut>(mut self, hook: F) -> Self
    where
        F: Fn(User) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        self.auth.on_logout = Some(logout_hook(hook));
        self
    }

    /// Runs when a user gives feedback on an assistant reply (thumbs up or
    /// down, with their comment and reasons once they send them). The
    /// feedback is already stored with the thread; the hook runs beside the
    /// chat, not in its queue.
    ///
    /// ```no_run
    /// use loquat::{Chat, Loquat};
    /// use loquat::data::FeedbackRecord;
    ///
    /// Loquat::new().on_feedback(|_chat: Chat, feedback: FeedbackRecord| async move {
    ///     let verdict = if feedback.value > 0 { "good" } else { "bad" };
    ///     tracing::info!(message = %feedback.for_id, verdict, comment = ?feedback.comment);
    ///     Ok(())
    /// });
    /// ```
    pub fn on_feedback<F, Fut>(mut self, hook: F) -> Self
    where
        F: Fn(Chat, crate::data::FeedbackRecord) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = HookResult> + Send + 'static,
    {
        self.hooks.on_feedback = Some(chat_with_hook(hook));
        self
    }

    /// The chat profiles a user can pick from in the header (none: no
    /// picker): `profiles` gets the signed-in user (none without logins),
    /// so each user can be offered their own. A new chat starts with the
    /// profile the user picked, if they are offered it, else the default
    /// one (else the first); picking another starts a new chat. Hooks read
    /// it with [`Chat::profile`]; a profile's starters replace the app's,
    /// and its overrides change the app's name, description and features
    /// while it is picked. One that takes longer than 5 s offers none.
    ///
    /// ```no_run
    /// use loquat::{ChatProfile, Loquat, Starter, User};
    ///
    /// Loquat::new().chat_profiles(|user: Option<User>| async move {
    ///     let mut profiles = vec![ChatProfile::new("GPT-4o mini")
    ///         .description("Fast and **cheap**.")
    ///         .default()
    ///         .starter(Starter::new("Say hello", "Hello!"))];
    ///     if user.is_some_and(|u| u.identifier == "admin") {
    ///         profiles.push(ChatProfile::new("GPT-4o").description("The large one."));
    ///     }
    ///     profiles
    /// });
    /// ```
    pub fn chat_profiles<F, Fut>(mut self, profiles: F) -> Self
    where
        F: Fn(Option<crate::User>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Vec<crate::ChatProfile>> + Send + 'static,
    {
        self.hooks.chat_profiles = Some(crate::runtime::hooks::profiles_hook(profiles));
        self
    }

    /// Renames messages' authors before they are shown and stored (the
    /// user's messages are by "User", the assistant's by `[UI] name`): a
    /// display name for an agent, a team's name for "User".
    ///
    /// ```no_run
    /// use loquat::Loquat;
    ///
    /// Loquat::new().author_rename(|author: String| async move {
    ///     match author.as_str() {
    ///         "User" => "You".to_string(),
    ///         "planner" => "Planning agent".to_string(),
    ///         _ => author,
    ///     }
    /// });
    /// ```
    pub fn author_rename<F, Fut>(mut self, rename: F) -> Self
    where
        F: Fn(String) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = String> + Send + 'static,
    {
        self.hooks.author_rename = Some(crate::runtime::hooks::rename_hook(rename));
        self
    }

    /// The starters shown on a user's empty chat: suggestions that send
    /// their message when clicked (or fill the composer, with
    /// [`Starter::fill`](crate::Starter::fill)), in a grid. `starters` gets
    /// the signed-in user (none without logins) and the chat profile (none
    /// until the app has profiles), and runs when a chat page is rendered;
    /// one that takes longer than 5 s shows none.
    ///
    /// ```no_run
    /// use loquat::{Loquat, Starter, User};
    ///
    /// Loquat::new().starters(|user: Option<User>, _profile: Option<String>| async move {
    ///     let mut starters = vec![
    ///         Starter::new("Explain superconductors", "Explain superconductors like I'm five.")
    ///             .icon("/public/learn.svg"),
    ///         Starter::new("Write an email", "Write an email to ").fill(),
    ///     ];
    ///     if user.is_some_and(|u| u.identifier.ends_with("@example.com")) {
    ///         starters.push(Starter::new("Our roadmap", "Summarise the roadmap.").command("Search"));
    ///     }
    ///     starters
    /// });
    /// ```
    pub fn starters<F, Fut>(mut self, starters: F) -> Self
    where
        F: Fn(Option<crate::User>, Option<String>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Vec<crate::Starter>> + Send + 'static,
    {
        self.hooks.starters = Some(crate::runtime::hooks::starters_hook(starters));
        self
    }

    /// Runs when the user saves the chat settings (declared with
    /// [`Chat::set_settings`]), with every value as saved; the values were
    /// checked against the inputs first. Queued behind the active run, if
    /// any (the new values are in force at once).
    ///
    /// ```no_run
    /// use loquat::{Chat, Loquat, Message, SettingsValues};
    ///
    /// #[derive(serde::Deserialize)]
    /// struct Tuning {
    ///     temperature: f64,
    /// }
    ///
    /// Loquat::new().on_settings_update(|chat: Chat, values: SettingsValues| async move {
    ///     let tuning: Tuning = values.parse()?;
    ///     chat.send(Message::assistant(format!("Temperature is now {}.", tuning.temperature)))
    ///         .await?;
    ///     Ok(())
    /// });
    /// ```
    pub fn on_settings_update<F, Fut>(mut self, hook: F) -> Self
    where
        F: Fn(Chat, crate::sdk::SettingsValues) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = HookResult> + Send + 'static,
    {
        self.hooks.on_settings_update = Some(chat_with_hook(hook));
        self
    }

    /// Runs when the page that embeds the app in a frame posts it a message
    /// (`iframe.contentWindow.postMessage(value, "https://your-loquat")`),
    /// if that page is of one of `[project] window_message_origins`; the
    /// browser drops messages from other origins. Runs in the chat's queue,
    /// after what the user sent before. Answer with
    /// [`Chat::send_window_message`](crate::Chat::send_window_message).
    ///
    /// ```no_run
    /// use loquat::{Chat, Loquat, Message};
    ///
    /// Loquat::new().on_window_message(|chat: Chat, value: loquat::serde_json::Value| async move {
    ///     if let Some(page) = value.get("page").and_then(|p| p.as_str()) {
    ///         chat.send(Message::system(format!("You are looking at {page}."))).await?;
    ///     }
    ///     chat.send_window_message(loquat::json!({ "received": true })).await?;
    ///     Ok(())
    /// });
    /// ```
    pub fn on_window_message<F, Fut>(mut self, hook: F) -> Self
    where
        F: Fn(Chat, serde_json::Value) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = HookResult> + Send + 'static,
    {
        self.hooks.on_window_message = Some(chat_with_hook(hook));
        self
    }

    /// Runs when a chat connects to one of the MCP servers of
    /// `[features.mcp]`, with the new connection: a chat connects the first
    /// time it uses a server ([`Chat::mcp_tools`], [`Chat::call_mcp_tool`]),
    /// and this hook runs before that call returns. It may use MCP itself.
    /// A failure is logged; the connection stays.
    ///
    /// [`Chat::mcp_tools`]: crate::Chat::mcp_tools
    /// [`Chat::call_mcp_tool`]: crate::Chat::call_mcp_tool
    ///
    /// ```no_run
    /// use loquat::{Chat, Loquat, McpConnection, Message};
    ///
    /// Loquat::new().on_mcp_connect(|chat: Chat, connection: McpConnection| async move {
    ///     let tools = connection.tools().await?;
    ///     let names: Vec<String> = tools.into_iter().map(|t| t.name).collect();
    ///     chat.user_session().set(format!("mcp:{}", connection.name()), names);
    ///     Ok(())
    /// });
    /// ```
    pub fn on_mcp_connect<F, Fut>(mut self, hook: F) -> Self
    where
        F: Fn(Chat, crate::McpConnection) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = HookResult> + Send + 'static,
    {
        self.hooks.on_mcp_connect = Some(chat_with_hook(hook));
        self
    }

    /// Runs when a chat's connection to an MCP server is closed, with the
    /// server's name: the chat ended (after `on_chat_end`), and a stdio
    /// server's process has exited. Sending to the chat is no longer
    /// possible. A failure is logged.
    ///
    /// ```no_run
    /// use loquat::{Chat, Loquat};
    ///
    /// Loquat::new().on_mcp_disconnect(|chat: Chat, server: String| async move {
    ///     tracing::info!(session = chat.session_id(), %server, "MCP server disconnected");
    ///     Ok(())
    /// });
    /// ```
    pub fn on_mcp_disconnect<F, Fut>(mut self, hook: F) -> Self
    where
        F: Fn(Chat, String) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = HookResult> + Send + 'static,
    {
        self.hooks.on_mcp_disconnect = Some(chat_with_hook(hook));
        self
    }

    /// Decides who may read a shared thread (`[features]
    /// allow_thread_sharing`): `check` gets the thread and the viewer (when
    /// the app has logins and they are signed in) and returns whether they
    /// may; a refused viewer sees the not-found page. Without it, anyone
    /// with the link may.
    ///
    /// ```no_run
    /// use loquat::{Loquat, User};
    /// use loquat::data::ThreadRecord;
    ///
    /// // Only signed-in colleagues.
    /// Loquat::new().on_shared_thread_view(|_thread: ThreadRecord, viewer: Option<User>| async move {
    ///     viewer.is_some_and(|user| user.identifier.ends_with("@example.com"))
    /// });
    /// ```
    pub fn on_shared_thread_view<F, Fut>(mut self, check: F) -> Self
    where
        F: Fn(crate::data::ThreadRecord, Option<User>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = bool> + Send + 'static,
    {
        self.hooks.on_shared_thread_view = Some(shared_view_hook(check));
        self
    }

    /// Uses this configuration instead of `<data-dir>/config.toml` + environment.
    pub fn config(mut self, config: Config) -> Self {
        self.config = Some(config);
        self
    }

    /// Keeps conversations in `data` instead of the embedded SQLite file.
    ///
    /// ```no_run
    /// # async fn demo() -> Result<(), loquat::ServeError> {
    /// use std::sync::Arc;
    /// let data = loquat::data::SqliteDataLayer::open("/var/lib/chat/chat.db").await?;
    /// loquat::Loquat::new().data_layer(Arc::new(data)).serve().await
    /// # }
    /// ```
    pub fn data_layer(mut self, data: Arc<dyn DataLayer>) -> Self {
        self.storage = Storage::Custom(data);
        self
    }

    /// Keeps element and upload bytes in `files` instead of where
    /// `[storage]` says (`<data-dir>/files` by default).
    ///
    /// ```no_run
    /// use std::sync::Arc;
    /// use loquat::files::LocalFileStorage;
    ///
    /// let files = Arc::new(LocalFileStorage::new("/var/lib/chat/files"));
    /// let app = loquat::Loquat::new().file_storage(files);
    /// # let _ = app;
    /// ```
    pub fn file_storage(mut self, files: Arc<dyn FileStorage>) -> Self {
        self.files = Some(files);
        self
    }

    /// Keeps nothing: no history, conversations end with their session.
    pub fn without_persistence(mut self) -> Self {
        self.storage = Storage::Off;
        self
    }

    /// Overrides the runtime's protective limits.
    pub fn limits(mut self, limits: RuntimeLimits) -> Self {
        self.limits = limits;
        self
    }

    /// Runs the command line: serves the app (`run --host --port
    /// --data-dir --public-dir`, the default) until Ctrl-C or SIGTERM, or
    /// writes a new app crate (`new <DIR>`).
    pub async fn serve(self) -> Result<(), ServeError> {
        let options = match Cli::command() {
            Command::Run(options) => options,
            Command::New(options) => return new_app(&options),
            Command::Init(options) => return init_app(&options),
            Command::LintTranslations(options) => {
                let dir = options
                    .dir
                    .unwrap_or_else(|| options.data_dir.join(crate::i18n::TRANSLATIONS_DIR));
                let report = crate::i18n::lint_translations(&dir)?;
                if !report.is_clean() {
                    return Err(ServeError::TranslationsLint(report.to_string()));
                }
                print!("{report}");
                return Ok(());
            }
            Command::CreateSecret => {
                println!("{}", crate::auth::create_secret());
                return Ok(());
            }
            Command::Users(command) => {
                println!("{}", crate::auth::run_users_command(command).await?);
                return Ok(());
            }
            Command::ImportChainlit(options) => {
                let report = crate::data::chainlit_import::run_command(&options).await?;
                print!("{report}");
                return Ok(());
            }
        };
        crate::init_tracing();
        if let Some(warning) = crate::config::load_dotenv() {
            tracing::warn!("{warning}");
        }
        let server = self.bind(options).await?;
        println!("Loquat is listening on http://{}", server.local_addr());
        server.run().await
    }

    /// Loads the configuration and binds the listener, without serving yet.
    pub async fn bind(self, options: ServeOptions) -> Result<Server, ServeError> {
        let parts = self.assemble(&options).await?;
        let addr = format!("{}:{}", options.host, options.port);
        let listener = tokio::net::TcpListener::bind(&addr)
            .await
            .map_err(|source| ServeError::Bind { addr, source })?;
        let bound = listener.local_addr()?;
        let policy = parts.policy(bound)?;
        Ok(Server {
            listener,
            runtime: parts.runtime,
            site: parts.site,
            policy,
            auth: parts.auth,
        })
    }

    /// The app as an [`axum::Router`] to serve inside your own axum service,
    /// next to your routes, on your runtime, under your tracing and your
    /// graceful shutdown. `options.host` and `options.port` are the address
    /// your server listens on (the app answers to that host, like to
    /// `LOQUAT_URL`'s); `options.root_path` (or `[project] root_path`) puts
    /// the app under a path of your site.
    ///
    /// Merge [`Embedded::router`] into a router that has no fallback of its
    /// own (Loquat's answers what no route of yours does), serve it with the
    /// client's address (`into_make_service_with_connect_info`), and call
    /// [`Embedded::shutdown`] after your server stops, so that running
    /// replies finish and everything is written.
    ///
    /// ```no_run
    /// use std::net::SocketAddr;
    ///
    /// use axum::{routing::get, Router};
    /// use loquat::{Chat, Loquat, Message, ServeOptions};
    ///
    /// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
    /// let options = ServeOptions {
    ///     port: 8080,
    ///     root_path: Some(loquat::RootPath::parse("/chat")?),
    ///     ..ServeOptions::default()
    /// };
    /// let chat = Loquat::new()
    ///     .on_message(|chat: Chat, msg: Message| async move {
    ///         chat.send(Message::assistant(format!("Received: {}", msg.content))).await?;
    ///         Ok(())
    ///     })
    ///     .into_router(options)
    ///     .await?;
    /// let app = Router::new()
    ///     .route("/", get(|| async { "my site" }))
    ///     .merge(chat.router());
    /// let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
    /// axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>())
    ///     .with_graceful_shutdown(async { let _ = tokio::signal::ctrl_c().await; })
    ///     .await?;
    /// chat.shutdown().await;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn into_router(self, options: ServeOptions) -> Result<Embedded, ServeError> {
        // Checked before anything starts (the data layer, a cluster).
        let addr = format!("{}:{}", options.host, options.port);
        let listens_on: SocketAddr = match addr.parse() {
            Ok(addr) => addr,
            Err(_) => return Err(ServeError::Bind {
                source: std::io::Error::new(
                    std::io::ErrorKind::InvalidInput,
                    "ServeOptions host and port must be the IP address and port your server listens on",
                ),
                addr,
            }),
        };
        let parts = self.assemble(&options).await?;
        let policy = parts.policy(listens_on)?;
        let runtime = parts.runtime.clone();
        let router = start(parts.runtime, parts.site, policy, parts.auth);
        Ok(Embedded { router, runtime })
    }

    /// Everything but the listener: the configuration, the data layer, the
    /// runtime, logins and the site.
    async fn assemble(self, options: &ServeOptions) -> Result<Assembled, ServeError> {
        std::fs::create_dir_all(&options.data_dir).map_err(|source| ServeError::DataDir {
            path: options.data_dir.clone(),
            source,
        })?;
        let mut config = match self.config {
            Some(config) => config,
            None => {
                let config_file = options.data_dir.join("config.toml");
                if !config_file.exists() {
                    // A commented default helps users discover the options.
                    let _ = std::fs::write(&config_file, Config::default_toml());
                }
                let (config, warnings) = Config::from_env(&options.data_dir)?;
                for warning in warnings {
                    tracing::warn!("{warning}");
                    eprintln!("warning: {warning}");
                }
                config
            }
        };
        if let Some(root) = &options.root_path {
            config.project.root_path = root.clone();
        }
        let custom_data = matches!(self.storage, Storage::Custom(_));
        let data: Option<Arc<dyn DataLayer>> = match self.storage {
            Storage::Off => None,
            Storage::Custom(data) => Some(data),
            Storage::Embedded if !config.project.persistence => None,
            Storage::Embedded => Some(
                crate::data::open(
                    config.project.database_url.as_deref(),
                    &options.data_dir.join(DATABASE_FILE),
                )
                .await?,
            ),
        };
        let public_url = std::env::var(PUBLIC_URL_ENV)
            .ok()
            .filter(|url| !url.trim().is_empty());
        // The deployment's [limits] win over the app's own.
        let limits = config.limits.apply(self.limits);
        let auth = crate::auth::build(
            &self.auth,
            &config,
            data.clone(),
            public_url.as_deref(),
            limits.logins,
        )?;
        let persistence = match data {
            Some(data) => {
                let user = data.get_or_create_user(LOCAL_USER).await?;
                // A data layer of the app's own may hand back any string.
                let id = crate::ids::UserId::try_from(user.id)
                    .map_err(|err| DataError::Corrupt(format!("the local user: {err}")))?;
                Some(Persistence::start(data, id))
            }
            None => None,
        };
        // A configuration given in code skipped the checks of loading one.
        config.storage.check()?;
        let mcp = crate::mcp::McpServers::from_section(&config.features.mcp)
            .map_err(crate::config::ConfigError::from)?;
        let files = match self.files {
            Some(files) => files,
            None => crate::files::configured(&config.storage, options.data_dir.join(FILES_DIR))?,
        };
        let cluster = match config.cluster.enabled() {
            true => {
                // Every node must see the same threads.
                let shared = custom_data
                    || config.project.database_url.as_deref().is_some_and(|url| {
                        matches!(
                            crate::data::DatabaseKind::of(url),
                            Ok(crate::data::DatabaseKind::Postgres)
                        )
                    });
                if !shared || persistence.is_none() {
                    return Err(crate::cluster::ClusterError::NeedsSharedDatabase.into());
                }
                if config.storage.kind == crate::config::StorageKind::Local {
                    tracing::warn!(
                        "[cluster] with [storage] kind = \"local\": every node needs the same \
                         files directory (a shared volume), else use kind = \"s3\""
                    );
                }
                Some(crate::cluster::Cluster::join(&config.cluster).await?)
            }
            false => None,
        };
        let runtime = Runtime::new(
            self.hooks,
            Arc::new(config),
            limits,
            persistence,
            files,
            cluster.clone(),
            mcp,
        );
        if let Some(cluster) = &cluster {
            cluster.serve(&runtime).await?;
        }
        let site = Site::new(Bundle::from_env()?, options.public_dir.clone())
            .with_look(&runtime.config.ui)?
            .with_languages(
                &options.data_dir.join(crate::i18n::TRANSLATIONS_DIR),
                runtime.config.ui.language.as_deref(),
            )?;
        Ok(Assembled {
            runtime,
            site,
            auth,
            public_url,
        })
    }
}

/// An app ready to serve, but for the address it serves on.
struct Assembled {
    runtime: Arc<Runtime>,
    site: Site,
    auth: Option<Arc<Auth>>,
    public_url: Option<String>,
}

impl Assembled {
    /// Which hosts and origins the app accepts when served on `bound`.
    fn policy(&self, bound: SocketAddr) -> Result<OriginPolicy, ServeError> {
        let project = &self.runtime.config.project;
        let policy = OriginPolicy::new(
            bound,
            self.public_url.as_deref(),
            &project.allowed_hosts,
            &project.allow_origins,
        )?;
        if bound.ip().is_unspecified()
            && self.public_url.is_none()
            && project.allowed_hosts.is_empty()
        {
            tracing::warn!(
                "listening on every interface, but only loopback host names are accepted: \
                 set {PUBLIC_URL_ENV} or [project] allowed_hosts for the others"
            );
        }
        Ok(policy)
    }
}

/// Starts the runtime's background work and builds the app's router.
fn start(
    runtime: Arc<Runtime>,
    site: Site,
    policy: OriginPolicy,
    auth: Option<Arc<Auth>>,
) -> axum::Router {
    runtime.spawn_sweeper();
    runtime.spawn_heartbeat();
    runtime.spawn_checkpointer();
    runtime.spawn_replay_trimmer();
    let identity: Arc<dyn crate::http::Identify> = match &auth {
        Some(auth) => auth.clone(),
        None => Arc::new(crate::http::LocalUser(runtime.local_user())),
    };
    crate::http::router(runtime, site, policy, identity, auth)
}

/// Lets running replies finish (with a cluster, hands the sessions over)
/// and writes what is not written yet.
async fn finish(runtime: &Runtime) {
    match runtime.cluster.clone() {
        // Running replies finish, everything is written, then the other
        // nodes take the sessions over.
        Some(cluster) => runtime.drain(&cluster).await,
        // Whatever streamed since the last checkpoint is written before exit.
        None => runtime.flush().await,
    }
    // The sessions' MCP servers (a drained node's sessions ended already).
    runtime.close_mcp().await;
}

/// Loquat inside your own axum service (see [`Loquat::into_router`]).
pub struct Embedded {
    router: axum::Router,
    runtime: Arc<Runtime>,
}

impl Embedded {
    /// The app's routes (under its root path), to merge into your router.
    pub fn router(&self) -> axum::Router {
        self.router.clone()
    }

    /// Call after your server has stopped: running replies finish and
    /// everything is written (with a cluster, the other nodes take the
    /// sessions over).
    pub async fn shutdown(self) {
        finish(&self.runtime).await;
    }
}

/// A bound, not yet serving, app.
pub struct Server {
    listener: tokio::net::TcpListener,
    runtime: Arc<Runtime>,
    site: Site,
    policy: OriginPolicy,
    auth: Option<Arc<Auth>>,
}

impl Server {
    /// The address actually bound (useful with port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .unwrap_or_else(|_| SocketAddr::from(([127, 0, 0, 1], 0)))
    }

    /// Number of live sessions (for tests and diagnostics).
    pub fn session_count(&self) -> usize {
        self.runtime.session_count()
    }

    /// Serves until Ctrl-C or SIGTERM.
    pub async fn run(self) -> Result<(), ServeError> {
        self.run_until(shutdown_signal()).await
    }

    /// Serves until `shutdown` completes.
    pub async fn run_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), ServeError> {
        let runtime = self.runtime.clone();
        let limits = runtime.limits.connections;
        // Checked when the configuration was loaded (or is the app's own).
        let proxies = runtime.config.project.proxies()?;
        let app = start(self.runtime, self.site, self.policy, self.auth);
        crate::http::serve::serve(self.listener, app, limits, proxies, shutdown).await;
        finish(&runtime).await;
        Ok(())
    }
}

/// `new <DIR>`: writes the app crate and says what to do next.
fn init_app(options: &crate::starter::InitOptions) -> Result<(), ServeError> {
    let done = crate::starter::init(options)?;
    for path in &done.written {
        println!("wrote {}", path.display());
    }
    for path in &done.kept {
        println!("kept  {} (it exists)", path.display());
    }
    println!("\nEdit them and restart the server: nothing needs a rebuild (see docs/look.md and docs/config.md).");
    Ok(())
}

fn new_app(options: &crate::starter::NewOptions) -> Result<(), ServeError> {
    let created = crate::starter::create(options)?;
    println!(
        "Created {} (package `{}`, {}).\n\nNext:\n    cd {}\n    cargo run\n\nthen open \
         http://127.0.0.1:3000. The first build also compiles the browser bundle (a few \
         minutes, once).",
        created.dir.display(),
        created.name,
        created.dependency,
        created.dir.display(),
    );
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
}
