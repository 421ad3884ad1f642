//! The declaration of `config.toml`: one serde struct per section.
//!
//! This is the only place a key is listed. Its doc comment is what the
//! generated `config.toml` and `docs/config.md` say about it; its
//! environment variable is `extend("env" = …)` when it has a historical
//! name, else `LOQUAT_<SECTION>_<KEY>` (see [`super::schema`]); its default
//! is the section's `Default`.

use std::collections::BTreeMap;
use std::time::Duration;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::values::{
    checkpoint_period, endpoint, key_prefix, positive, positive_opt, sample_rate, seconds,
};
pub use loquat_app::protocol::{Cot, SettingsLocation};

/// The whole app configuration.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct Config {
    /// Sessions, security and debugging.
    pub project: ProjectConfig,
    /// Opt-in behaviours.
    pub features: FeaturesConfig,
    /// How the chat looks.
    #[serde(rename = "UI")]
    pub ui: UiSection,
    /// Caps against a client taking more than its share. Unset keys keep
    /// the app's own values (Loquat::limits in code, else the defaults
    /// shown); docs/security.md describes every limit.
    pub limits: LimitsSection,
    /// Logins (see docs/auth.md). Any login needs LOQUAT_AUTH_SECRET:
    /// `loquat create-secret` prints one.
    pub auth: AuthSection,
    /// Where the bytes of elements and uploads are kept (see
    /// docs/deploy.md). With kind = "s3", the credentials come from the
    /// environment only: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and
    /// AWS_SESSION_TOKEN), or the machine's role.
    pub storage: StorageSection,
    /// Several servers as one app (see docs/deploy.md): set nats_url on
    /// every server, give them one PostgreSQL (database_url) and one S3
    /// bucket ([storage]), and put any load balancer in front; no sticky
    /// sessions are needed.
    pub cluster: ClusterSection,
}

/// The `[project]` section.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct ProjectConfig {
    /// Seconds a chat session is kept after the browser disconnects, so a
    /// reload or a flaky connection resumes the conversation.
    #[serde(with = "seconds")]
    #[schemars(with = "u64", extend("env" = "LOQUAT_SESSION_TIMEOUT"))]
    pub session_timeout: Duration,
    /// Origins of other sites whose pages may use the app (its WebSocket and
    /// state-changing requests), besides its own: ["https://www.example.com"].
    /// "*" allows any site, which lets any page the user visits chat as them.
    #[schemars(extend("env" = "LOQUAT_ALLOW_ORIGINS"))]
    pub allow_origins: Vec<String>,
    /// Host names the app answers to, besides 127.0.0.1, localhost and [::1]
    /// on its port and the host of LOQUAT_URL: ["chat.internal",
    /// "10.0.0.5:3000"]. Others get 421 (against DNS rebinding). "*" answers
    /// to any.
    #[schemars(extend("env" = "LOQUAT_ALLOWED_HOSTS"))]
    pub allowed_hosts: Vec<String>,
    /// Addresses or networks of the load balancers or reverse proxies in
    /// front of the app: ["10.0.0.2", "10.0.1.0/24"]. Their connections are
    /// not capped per address (they carry many users), and a request's
    /// client address is the last one they add to X-Forwarded-For. Empty:
    /// every peer is a client, and X-Forwarded-For is ignored.
    pub proxies: Vec<String>,
    /// Who may show the app in a frame (CSP frame-ancestors sources):
    /// "'self'", "https://www.example.com", or "'none'".
    #[schemars(extend("env" = "LOQUAT_FRAME_ANCESTORS"))]
    pub frame_ancestors: Vec<String>,
    /// Show the full cause chain of hook errors in the chat (development
    /// only).
    #[schemars(extend("env" = "LOQUAT_DEBUG"))]
    pub debug: bool,
    /// Keep conversations in loquat.db next to this file and show the
    /// history.
    #[schemars(extend("env" = "LOQUAT_PERSISTENCE"))]
    pub persistence: bool,
    /// Keep conversations in this database instead of loquat.db:
    /// "postgres://user:password@host:5432/loquat" (several nodes share
    /// one; `?sslmode=require` for TLS) or "sqlite:///var/lib/chat/loquat.db".
    #[schemars(
        extend("env" = "DATABASE_URL"),
        example = "postgres://loquat@db.internal:5432/loquat"
    )]
    pub database_url: Option<String>,
    /// How often, in seconds (1 to 3600), the text of replies still
    /// streaming is written: a server killed mid-reply loses at most that
    /// many seconds of the reply's end. Completed messages are always
    /// written before the browser sees them; other changes within a second.
    #[serde(with = "checkpoint_period")]
    #[schemars(
        with = "u64",
        range(min = 1, max = 3600),
        extend("env" = "LOQUAT_CHECKPOINT_SECONDS")
    )]
    pub checkpoint_seconds: Duration,
    /// Seconds a sign-in lasts (with logins configured; default 15 days).
    #[serde(with = "seconds")]
    #[schemars(with = "u64", extend("env" = "LOQUAT_USER_SESSION_TIMEOUT"))]
    pub user_session_timeout: Duration,
    /// Values each user gives in the UI, e.g. ["OPENAI_API_KEY"]: kept in
    /// their browser, sent when it connects, read by the app with
    /// chat.user_env(); never stored or logged on the server.
    #[schemars(extend("env" = "LOQUAT_USER_ENV"))]
    pub user_env: Vec<String>,
    /// Serve the app under this path instead of the site's root, e.g.
    /// "/chat" behind a reverse proxy that passes `/chat/…` on unchanged:
    /// pages, the bundle, the WebSocket, uploads, elements and redirects
    /// all live under it (`serve --root-path` overrides it).
    #[schemars(
        with = "String",
        extend("env" = "LOQUAT_ROOT_PATH"),
        example = "/chat"
    )]
    pub root_path: loquat_app::root_path::RootPath,
    /// Origins of the pages that embed the app in a frame and exchange
    /// window messages with it: ["https://www.example.com"]. Messages from
    /// other origins are ignored, and the app's are posted to these only
    /// (never to "*"). The page must also be allowed by frame_ancestors.
    #[schemars(extend("env" = "LOQUAT_WINDOW_MESSAGE_ORIGINS"))]
    pub window_message_origins: Vec<String>,
}

impl ProjectConfig {
    /// `window_message_origins` as origins (`https://host[:port]`), each
    /// checked: a window message's target must be one exact origin.
    ///
    /// # Errors
    ///
    /// [`super::ConfigError::InvalidValue`] for an entry that is not an
    /// `http(s)` origin (a path, a wildcard, `*`).
    pub fn window_message_origins(&self) -> Result<Vec<String>, super::ConfigError> {
        self.window_message_origins
            .iter()
            .map(|entry| {
                let invalid = || super::ConfigError::InvalidValue {
                    key: "project.window_message_origins".to_string(),
                    message: format!(
                        "{entry:?} is not an origin such as \"https://www.example.com\""
                    ),
                };
                let url = url::Url::parse(entry.trim()).map_err(|_| invalid())?;
                let origin = url.origin().ascii_serialization();
                let bare = matches!(url.path(), "" | "/") && url.query().is_none();
                match url.scheme() {
                    "http" | "https" if bare && !origin.contains('*') => Ok(origin),
                    _ => Err(invalid()),
                }
            })
            .collect()
    }

    /// The load balancers `proxies` lists.
    ///
    /// ```
    /// use loquat::config::ProjectConfig;
    ///
    /// let mut project = ProjectConfig { proxies: vec!["10.0.0.0/8".into()], ..Default::default() };
    /// assert!(project.proxies().unwrap().trusts("10.1.2.3".parse().unwrap()));
    /// project.proxies = vec!["nginx".into()];
    /// assert!(project.proxies().is_err());
    /// ```
    ///
    /// # Errors
    ///
    /// [`ConfigError::InvalidValue`](super::ConfigError::InvalidValue)
    /// naming `project.proxies` and the entry that is neither an address
    /// nor a network.
    pub fn proxies(&self) -> Result<crate::auth::TrustedProxies, super::ConfigError> {
        crate::auth::TrustedProxies::parse_exactly(&self.proxies).map_err(|entry| {
            super::ConfigError::InvalidValue {
                key: "project.proxies".to_string(),
                message: format!("{entry:?} is neither an address nor a network"),
            }
        })
    }
}

impl Default for ProjectConfig {
    fn default() -> Self {
        ProjectConfig {
            session_timeout: Duration::from_secs(3600),
            allow_origins: Vec::new(),
            allowed_hosts: Vec::new(),
            proxies: Vec::new(),
            frame_ancestors: vec!["'self'".to_string()],
            debug: false,
            persistence: true,
            database_url: None,
            checkpoint_seconds: Duration::from_secs(5),
            user_session_timeout: Duration::from_secs(15 * 24 * 3600),
            user_env: Vec::new(),
            root_path: Default::default(),
            window_message_origins: Vec::new(),
        }
    }
}

/// The `[features]` section.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct FeaturesConfig {
    /// Render raw HTML inside messages. Only enable if you trust every
    /// message.
    #[schemars(extend("env" = "LOQUAT_UNSAFE_ALLOW_HTML"))]
    pub unsafe_allow_html: bool,
    /// Render LaTeX math in messages, steps and text elements: `$…$`
    /// inline and `$$…$$` on its own line, as MathML. Off by default
    /// because `$` is also money.
    #[schemars(extend("env" = "LOQUAT_LATEX"))]
    pub latex: bool,
    /// Let users edit their earlier messages; the conversation re-runs from
    /// there.
    #[schemars(extend("env" = "LOQUAT_EDIT_MESSAGE"))]
    pub edit_message: bool,
    /// Files users attach to their messages without being asked.
    pub spontaneous_file_upload: UploadConfig,
    /// Thumbs up/down under each assistant reply, with an optional comment;
    /// kept with the thread, exported, and passed to the app's on_feedback.
    #[schemars(extend("env" = "LOQUAT_FEEDBACK"))]
    pub feedback: bool,
    /// Reasons users may pick with their feedback: ["Inaccurate", "Not
    /// helpful"].
    pub feedback_reasons: Vec<String>,
    /// Let users make a read-only link to one of their threads (and revoke
    /// it). Anyone with the link can read the thread, signed in or not,
    /// unless the app's on_shared_thread_view says otherwise.
    #[schemars(extend("env" = "LOQUAT_ALLOW_THREAD_SHARING"))]
    pub allow_thread_sharing: bool,
    /// Tag each thread with the name of its chat profile (when the app
    /// has profiles), so the history can be filtered by profile.
    pub auto_tag_thread: bool,
    /// Tools of MCP servers for the app's hooks (see docs/mcp.md): the
    /// operator's servers, the same for every user. Each chat connects to
    /// a server the first time it uses it and disconnects when it ends.
    pub mcp: McpSection,
    /// Voice input and spoken answers (see docs/audio.md).
    pub audio: AudioSection,
}

impl Default for FeaturesConfig {
    fn default() -> Self {
        FeaturesConfig {
            unsafe_allow_html: false,
            latex: false,
            edit_message: true,
            spontaneous_file_upload: UploadConfig::default(),
            feedback: true,
            feedback_reasons: Vec::new(),
            allow_thread_sharing: false,
            auto_tag_thread: true,
            mcp: McpSection::default(),
            audio: AudioSection::default(),
        }
    }
}

/// The `[features.audio]` section: a microphone button in the composer
/// streams what the user says to the app's on_audio_chunk hook, and the
/// app may answer with streamed audio (see docs/audio.md).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct AudioSection {
    /// Show the microphone button (when the app has an on_audio_chunk
    /// hook) and take audio streams.
    pub enabled: bool,
    /// Samples per second of the audio the app receives (mono, 16-bit
    /// PCM): the browser resamples the microphone to it. 8000 to 48000;
    /// 16000 suits speech recognition, 24000 realtime voice models.
    #[serde(deserialize_with = "sample_rate")]
    #[schemars(range(min = 8000, max = 48000))]
    pub sample_rate: u32,
    /// Longest recording, in seconds: the stream is ended there (the app
    /// gets what came so far, and its on_audio_end).
    #[serde(deserialize_with = "positive")]
    #[schemars(range(min = 1))]
    pub max_seconds: u32,
}

impl Default for AudioSection {
    fn default() -> Self {
        AudioSection {
            enabled: false,
            sample_rate: 24_000,
            max_seconds: 300,
        }
    }
}

/// The `[features.mcp]` section: MCP (Model Context Protocol) servers
/// whose tools the app's hooks list and call (`chat.mcp_tools()`,
/// `chat.call_mcp_tool(…)`; see docs/mcp.md). The servers are the
/// operator's, the same for every user; each chat connects to them the
/// first time it uses them, and disconnects (a stdio server's process is
/// ended) when it ends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct McpSection {
    /// Let chats connect to the servers below.
    pub enabled: bool,
    /// The servers, each a table with a `name` (letters, digits, - and _)
    /// and a `transport`: "streamable_http" with a `url` (http:// or
    /// https://) and optional `headers` = { Authorization = "Bearer …" },
    /// or "stdio" with a `command` (which must be in
    /// allowed_executables), `args` and `env` = { KEY = "value" }. A stdio
    /// server gets PATH, HOME and LANG from Loquat's environment plus its
    /// `env`, nothing else. ("sse", the transport MCP replaced with
    /// streamable HTTP, is not supported by the MCP library Loquat uses.)
    pub servers: Vec<McpServerEntry>,
    /// The programs a stdio server may run: its `command` must be one of
    /// these, as written ("npx", "/usr/local/bin/weather-mcp"); any other
    /// stops the start. Empty: no stdio servers.
    pub allowed_executables: Vec<String>,
    /// Seconds to start or reach a server and complete MCP's handshake.
    #[serde(with = "seconds")]
    #[schemars(with = "u64")]
    pub connect_timeout: Duration,
    /// Seconds a tool call (or a listing of the tools) may take.
    #[serde(with = "seconds")]
    #[schemars(with = "u64")]
    pub call_timeout: Duration,
    /// Largest answer of a tool call, in kilobytes: a larger one is an
    /// error in the hook (and is not kept in memory past this bound on
    /// streamable HTTP).
    #[serde(deserialize_with = "positive")]
    #[schemars(range(min = 1))]
    pub max_result_kb: u32,
    /// Let each user add MCP servers of their own in the chat (the MCP
    /// button of the composer): streamable HTTP only, to a URL whose host
    /// user_allowed_hosts lists. Their list stays in their browser and is
    /// sent to each new chat; the server connects for that chat only.
    pub user_servers: bool,
    /// The hosts users' servers may be on: "mcp.example.com" (any port),
    /// "mcp.example.com:8443" (that port only) or "*.example.com" (any
    /// subdomain). Required with user_servers: without it a user could make
    /// the server reach anything it can (cloud metadata, internal
    /// services).
    pub user_allowed_hosts: Vec<String>,
    /// The most servers a user may add to one chat.
    #[serde(deserialize_with = "positive")]
    #[schemars(range(min = 1))]
    pub max_user_servers: u32,
}

impl Default for McpSection {
    fn default() -> Self {
        McpSection {
            enabled: false,
            servers: Vec::new(),
            allowed_executables: Vec::new(),
            connect_timeout: Duration::from_secs(10),
            call_timeout: Duration::from_secs(60),
            max_result_kb: 1024,
            user_servers: false,
            user_allowed_hosts: Vec::new(),
            max_user_servers: 5,
        }
    }
}

/// One server of `[features.mcp] servers` (checked by
/// [`McpSection::check`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct McpServerEntry {
    /// The server's name in the app (`chat.call_mcp_tool(name, …)`):
    /// 1 to 64 letters, digits, - and _, unique.
    pub name: String,
    /// How to reach it.
    pub transport: McpTransport,
    /// streamable_http: the server's endpoint, http:// or https://.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// streamable_http: headers sent with every request.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, String>,
    /// stdio: the program to run (listed in allowed_executables).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command: Option<String>,
    /// stdio: its arguments.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub args: Vec<String>,
    /// stdio: environment variables it gets besides PATH, HOME and LANG.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub env: BTreeMap<String, String>,
}

/// How an MCP server is reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum McpTransport {
    /// HTTP POSTs, answered with JSON or a stream of events (MCP's
    /// current HTTP transport).
    StreamableHttp,
    /// The older HTTP+SSE transport: refused with an explanation (rmcp,
    /// the MCP library Loquat uses, has no client for it any more).
    Sse,
    /// A child process speaking MCP on its stdin and stdout.
    Stdio,
}

/// The `[features.spontaneous_file_upload]` section.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct UploadConfig {
    /// Let users attach files to their messages (button, drag-and-drop,
    /// paste).
    pub enabled: bool,
    /// MIME types ("image/*", "application/pdf") or extensions (".csv");
    /// ["*/*"] accepts anything. The server checks the files' contents too.
    pub accept: Vec<String>,
    /// Most files per message.
    #[serde(deserialize_with = "positive")]
    #[schemars(range(min = 1))]
    pub max_files: u32,
    /// Largest file, in megabytes.
    #[serde(deserialize_with = "positive")]
    #[schemars(range(min = 1))]
    pub max_size_mb: u32,
}

impl Default for UploadConfig {
    fn default() -> Self {
        UploadConfig {
            enabled: true,
            accept: vec!["*/*".to_string()],
            max_files: 20,
            max_size_mb: 500,
        }
    }
}

/// The `[UI]` section.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct UiSection {
    /// Name of the assistant and title of the app.
    #[schemars(extend("env" = "LOQUAT_UI_NAME"))]
    pub name: String,
    /// Description of the app, used in the page metadata.
    #[schemars(extend("env" = "LOQUAT_UI_DESCRIPTION"))]
    pub description: String,
    /// Chain of thought: how much of the intermediate steps to show.
    /// "full" shows every step, "tool_call" only tool calls, "hidden" none.
    #[schemars(extend("env" = "LOQUAT_COT"))]
    pub cot: Cot,
    /// Collapse long message contents by default.
    #[schemars(extend("env" = "LOQUAT_DEFAULT_COLLAPSE_CONTENT"))]
    pub default_collapse_content: bool,
    /// Reactions users can toggle on messages ("favorite", "like",
    /// "dislike", "star"); hooks read them and conversation filters can use
    /// them. Empty hides them.
    pub reactions: Vec<String>,
    /// Where the chat settings (when the app declares some) open from:
    /// "composer" puts their button in the composer and opens a dialog,
    /// "sidebar" puts it in the header and opens a panel at the side.
    pub chat_settings_location: SettingsLocation,
    /// The theme until the user picks one with the header's toggle:
    /// "system" follows the device, "light" or "dark" fixes it.
    pub default_theme: DefaultTheme,
    /// "wide" lets the chat use the whole width of the window; "default"
    /// keeps it to a readable column.
    pub layout: Layout,
    /// The logo's URL (a path under public/ or an https:// URL), for both
    /// themes; without it, public/logo_light.* and public/logo_dark.* are
    /// used when present, else the app's initial.
    #[schemars(example = "/logo.svg")]
    pub logo: Option<String>,
    /// The favicon's URL; without it, public/favicon.* (svg, png or ico).
    #[schemars(example = "/favicon.png")]
    pub favicon: Option<String>,
    /// A stylesheet of the app's own, loaded after Loquat's (a path under
    /// public/ or an https:// URL).
    #[schemars(example = "/custom.css")]
    pub custom_css: Option<String>,
    /// A script of the app's own, loaded by every page (a path under
    /// public/ or an https:// URL).
    #[schemars(example = "/custom.js")]
    pub custom_js: Option<String>,
    /// Attributes of the custom_js script tag: ["defer"], ["async"],
    /// ["type=module"].
    pub custom_js_attributes: Vec<String>,
    /// An image shown beside the sign-in form (a path under public/ or an
    /// https:// URL).
    #[schemars(example = "/login.jpg")]
    pub login_page_image: Option<String>,
    /// Links in the header, each with a name, a url (a path or an
    /// https:// URL) and an optional icon:
    /// [{ name = "Docs", url = "https://example.com/docs" }].
    pub header_links: Vec<loquat_app::branding::HeaderLink>,
    /// Open intermediate steps by default (else they start collapsed and
    /// open while they run).
    pub default_expand_messages: bool,
    /// The composer's placeholder text; unset, the page language's own
    /// ("Message…" in English).
    #[schemars(example = "Ask me anything…")]
    pub composer_placeholder: Option<String>,
    /// Show every page in this language (a tag such as "fr-FR", or "fr"
    /// for the closest one there is); unset, each browser's preference
    /// (Accept-Language) picks among the translation files, else en-US.
    #[schemars(example = "fr-FR")]
    pub language: Option<String>,
    /// Which conversation buttons the composer shows: any of "rerun",
    /// "undo" and "clear" (send and stop always show).
    pub conversation_buttons: Vec<ConversationButton>,
    /// Show each message's avatar.
    pub show_avatars: bool,
    /// Show each message's author.
    pub show_authors: bool,
    /// Show each message's time.
    pub show_timestamps: bool,
    /// How a message's time is shown, in the browser's time zone:
    /// strftime's %H %M %S %I %p %d %e %m %b %a %Y %y ("%H:%M" is 14:05,
    /// "%e %b, %I:%M %p" is 5 Mar, 02:05 PM).
    pub timestamp_format: String,
}

/// A conversation button of the composer (`[UI] conversation_buttons`).
pub use loquat_app::protocol::ConversationButton;

/// `[UI] default_theme`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum DefaultTheme {
    /// Follow the device's setting.
    #[default]
    System,
    /// Light until the user picks dark.
    Light,
    /// Dark until the user picks light.
    Dark,
}

/// `[UI] layout`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Layout {
    /// A readable column in the middle.
    #[default]
    Default,
    /// The whole width of the window.
    Wide,
}

impl Default for UiSection {
    fn default() -> Self {
        UiSection {
            name: "Loquat".to_string(),
            description: String::new(),
            cot: Cot::Full,
            default_collapse_content: true,
            reactions: vec!["favorite".to_string()],
            chat_settings_location: SettingsLocation::Composer,
            default_theme: DefaultTheme::System,
            layout: Layout::Default,
            logo: None,
            favicon: None,
            custom_css: None,
            custom_js: None,
            custom_js_attributes: Vec::new(),
            login_page_image: None,
            header_links: Vec::new(),
            default_expand_messages: false,
            composer_placeholder: None,
            language: None,
            conversation_buttons: ConversationButton::ALL.to_vec(),
            show_avatars: true,
            show_authors: true,
            show_timestamps: true,
            timestamp_format: "%H:%M".to_string(),
        }
    }
}

/// The `[limits]` section: each key, when set, replaces the value the app
/// gave [`crate::Loquat::limits`] (or its default).
///
/// ```
/// use loquat::config::LimitsSection;
/// use loquat::RuntimeLimits;
///
/// let section = LimitsSection { sessions_per_client: Some(20), ..Default::default() };
/// let limits = section.apply(RuntimeLimits::default());
/// assert_eq!(limits.sessions.max_per_client, 20);
/// assert_eq!(limits.connections.max_per_client, 64);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct LimitsSection {
    /// Open connections from one client address (503 past it).
    #[serde(deserialize_with = "positive_opt")]
    #[schemars(range(min = 1), example = 64)]
    pub connections_per_client: Option<usize>,
    /// Open connections in total (503 past it).
    #[serde(deserialize_with = "positive_opt")]
    #[schemars(range(min = 1), example = 10000)]
    pub connections: Option<usize>,
    /// Live chat sessions from one client address.
    #[serde(deserialize_with = "positive_opt")]
    #[schemars(range(min = 1), example = 100)]
    pub sessions_per_client: Option<usize>,
    /// Live chat sessions of one user.
    #[serde(deserialize_with = "positive_opt")]
    #[schemars(range(min = 1), example = 200)]
    pub sessions_per_user: Option<usize>,
    /// Live chat sessions in total.
    #[serde(deserialize_with = "positive_opt")]
    #[schemars(range(min = 1), example = 10000)]
    pub sessions: Option<usize>,
    /// Uploads streaming in at once, in total (503 past it).
    #[serde(deserialize_with = "positive_opt")]
    #[schemars(range(min = 1), example = 16)]
    pub uploads_at_once: Option<usize>,
}

impl LimitsSection {
    /// `limits` with the keys that are set replaced.
    pub fn apply(&self, mut limits: crate::RuntimeLimits) -> crate::RuntimeLimits {
        let set = |target: &mut usize, value: Option<usize>| {
            if let Some(value) = value {
                *target = value;
            }
        };
        set(
            &mut limits.connections.max_per_client,
            self.connections_per_client,
        );
        set(&mut limits.connections.max_total, self.connections);
        set(
            &mut limits.sessions.max_per_client,
            self.sessions_per_client,
        );
        set(&mut limits.sessions.max_per_user, self.sessions_per_user);
        set(&mut limits.sessions.max_total, self.sessions);
        set(&mut limits.uploads.max_concurrent, self.uploads_at_once);
        limits
    }
}

/// The `[auth]` section (see `docs/auth.md`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct AuthSection {
    /// Sign in with the users of `loquat users add` (kept in loquat.db).
    #[schemars(extend("env" = "LOQUAT_AUTH_PASSWORD_USERS"))]
    pub password_users: bool,
    /// SameSite of the session cookie: "lax", "strict", or "none" (only for
    /// an app shown in a frame of another site; the cookie is then Secure).
    pub cookie_same_site: CookieSameSite,
    /// Addresses or networks of the SSO proxy whose headers a header login
    /// believes ("10.0.0.5", "10.0.0.0/8"); empty means loopback only.
    #[schemars(extend("env" = "LOQUAT_TRUSTED_PROXIES"))]
    pub trusted_proxies: Vec<String>,
}

/// The `SameSite` attribute of the session cookie.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum CookieSameSite {
    /// Sent on top-level navigations from other sites, not on their
    /// requests (the default).
    #[default]
    Lax,
    /// Never sent from other sites: arriving from a link shows the login
    /// page once.
    Strict,
    /// Sent everywhere (always `Secure`): only for an app embedded in
    /// another site's frame.
    None,
}

/// The `[storage]` section: files in the data directory, or objects in
/// an S3 bucket (see [`crate::files::S3FileStorage`]).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct StorageSection {
    /// "local" keeps the files in files/ next to this file; "s3" keeps
    /// them in a bucket of an S3-compatible service (AWS S3, MinIO, R2, …),
    /// so that several servers share them.
    pub kind: StorageKind,
    /// The bucket (kind = "s3"; it must exist).
    #[schemars(example = "chat-files")]
    pub bucket: Option<String>,
    /// The service's URL, for S3-compatible services other than AWS;
    /// unset, AWS's own for the region. http:// only on loopback.
    #[serde(deserialize_with = "endpoint")]
    #[schemars(example = "https://s3.example.com")]
    pub endpoint: Option<String>,
    /// The bucket's region; unset, AWS_REGION (or AWS_DEFAULT_REGION),
    /// else "us-east-1".
    #[schemars(example = "eu-west-1")]
    pub region: Option<String>,
    /// Keys start with this path inside the bucket ("chat/prod"), so that
    /// apps can share a bucket; unset, they are at its top.
    #[serde(deserialize_with = "key_prefix")]
    #[schemars(example = "chat/prod")]
    pub prefix: Option<String>,
}

/// `[storage] kind`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum StorageKind {
    /// Files in the data directory.
    #[default]
    Local,
    /// Objects in an S3-compatible bucket.
    S3,
}

impl StorageSection {
    /// Checks what single keys cannot: "s3" needs a bucket.
    ///
    /// ```
    /// use loquat::config::{StorageKind, StorageSection};
    ///
    /// let section = StorageSection { kind: StorageKind::S3, ..Default::default() };
    /// assert!(section.check().is_err());
    /// let section = StorageSection { bucket: Some("chat-files".into()), ..section };
    /// assert!(section.check().is_ok());
    /// ```
    ///
    /// # Errors
    ///
    /// [`ConfigError::InvalidValue`](super::ConfigError::InvalidValue)
    /// naming `storage.bucket`.
    pub fn check(&self) -> Result<(), super::ConfigError> {
        let blank = self.bucket.as_deref().is_none_or(|b| b.trim().is_empty());
        if self.kind == StorageKind::S3 && blank {
            return Err(super::ConfigError::InvalidValue {
                key: "storage.bucket".to_string(),
                message: "kind = \"s3\" needs the bucket's name (or LOQUAT_STORAGE_BUCKET)"
                    .to_string(),
            });
        }
        Ok(())
    }
}

/// The `[cluster]` section: with `nats_url` set, this server is one node of
/// several that behave as one app (see [`crate::cluster`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct ClusterSection {
    /// The NATS server (with JetStream enabled) the nodes share; several
    /// URLs separated by commas for a NATS cluster. Unset, this server
    /// runs alone.
    #[schemars(example = "nats://10.0.0.7:4222")]
    pub nats_url: Option<String>,
    /// This node's name among the others (letters, digits, - and _);
    /// unset, a fresh random one each start.
    #[schemars(example = "chat-1")]
    pub node_name: Option<String>,
    /// Seconds the event stream keeps a chat's events, so that a browser
    /// reconnecting to another node replays what it missed instead of
    /// reloading the whole chat.
    #[serde(with = "seconds")]
    #[schemars(with = "u64")]
    pub replay_window: Duration,
    /// Seconds a stopping node (SIGTERM) lets running replies finish
    /// before it hands its chats to the other nodes.
    #[serde(with = "seconds")]
    #[schemars(with = "u64")]
    pub drain_timeout: Duration,
}

impl Default for ClusterSection {
    fn default() -> Self {
        ClusterSection {
            nats_url: None,
            node_name: None,
            replay_window: Duration::from_secs(600),
            drain_timeout: Duration::from_secs(30),
        }
    }
}

impl ClusterSection {
    /// True when this server is one node of a cluster.
    #[must_use]
    pub fn enabled(&self) -> bool {
        self.nats_url
            .as_deref()
            .is_some_and(|u| !u.trim().is_empty())
    }

    /// Checks what single keys cannot: a node name fit for NATS subjects.
    ///
    /// ```
    /// use loquat::config::ClusterSection;
    ///
    /// let mut section = ClusterSection { node_name: Some("chat-1".into()), ..Default::default() };
    /// assert!(section.check().is_ok());
    /// section.node_name = Some("chat.1".into());
    /// assert!(section.check().is_err());
    /// ```
    ///
    /// # Errors
    ///
    /// [`ConfigError::InvalidValue`](super::ConfigError::InvalidValue)
    /// naming `cluster.node_name`.
    pub fn check(&self) -> Result<(), super::ConfigError> {
        if let Some(name) = &self.node_name {
            let fits = !name.is_empty()
                && name.len() <= 64
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
            if !fits {
                return Err(super::ConfigError::InvalidValue {
                    key: "cluster.node_name".to_string(),
                    message: "use 1 to 64 letters, digits, - and _".to_string(),
                });
            }
        }
        Ok(())
    }
}
