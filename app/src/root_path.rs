//! Where the app is served from: the site's root (`/`) or a sub-path such as
//! `/chat` behind a reverse proxy (`[project] root_path`, `--root-path`).
//!
//! Inside Loquat every path is the app's own (`/thread/<id>`, `/ws`): the
//! server strips the root path from a request before routing it, and adds
//! it back wherever an address leaves for the browser, through
//! [`RootPath::href`]. Pages, the bundle, server functions, the WebSocket,
//! uploads, elements and redirects all use it, so nothing is requested from
//! `/` when the app lives under `/chat/`.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A validated root path: empty (the site's root) or `/segment[/segment…]`
/// with no trailing slash.
///
/// ```
/// use loquat_app::root_path::RootPath;
///
/// let root = RootPath::parse("/chat/").unwrap();
/// assert_eq!(root.as_str(), "/chat");
/// assert_eq!(root.href("/thread/abc"), "/chat/thread/abc");
/// assert_eq!(root.href("https://cdn.example.com/logo.svg"), "https://cdn.example.com/logo.svg");
/// assert_eq!(root.strip("/chat/ws"), Some("/ws"));
/// assert_eq!(RootPath::parse("/").unwrap().href("/ws"), "/ws");
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
// Checked where it comes in, on the server. The browser takes what the
// server's page says as it is, so the check and its error messages stay
// out of the WASM.
#[cfg_attr(not(feature = "hydrate"), serde(try_from = "String"))]
#[serde(into = "String")]
pub struct RootPath(String);

/// Why a root path was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RootPathError {
    /// It does not start with `/`.
    NotAbsolute(String),
    /// A segment is empty, `.` or `..`, or holds a character other than
    /// ASCII letters, digits, `-`, `_`, `.` and `~`.
    BadSegment(String),
    /// Longer than [`RootPath::MAX_LEN`] bytes.
    TooLong(usize),
}

impl fmt::Display for RootPathError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RootPathError::NotAbsolute(path) => {
                write!(
                    f,
                    "the root path {path:?} must start with '/' (e.g. \"/chat\")"
                )
            }
            RootPathError::BadSegment(path) => write!(
                f,
                "the root path {path:?} may only hold segments of ASCII letters, digits, \
                 '-', '_', '.' and '~' (no empty, '.' or '..' segment)"
            ),
            RootPathError::TooLong(len) => write!(
                f,
                "the root path is {len} bytes long, more than {}",
                RootPath::MAX_LEN
            ),
        }
    }
}

impl std::error::Error for RootPathError {}

impl RootPath {
    /// The longest root path accepted, in bytes.
    pub const MAX_LEN: usize = 200;

    /// Checks and normalizes a root path: `""` and `"/"` are the site's
    /// root, a trailing slash is dropped.
    pub fn parse(path: &str) -> Result<RootPath, RootPathError> {
        let trimmed = path.trim();
        if trimmed.len() > Self::MAX_LEN {
            return Err(RootPathError::TooLong(trimmed.len()));
        }
        if trimmed.is_empty() || trimmed == "/" {
            return Ok(RootPath::default());
        }
        let Some(rest) = trimmed.strip_prefix('/') else {
            return Err(RootPathError::NotAbsolute(trimmed.to_string()));
        };
        let rest = rest.strip_suffix('/').unwrap_or(rest);
        let segment_ok = |s: &str| {
            !s.is_empty()
                && s != "."
                && s != ".."
                && s.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~'))
        };
        if !rest.split('/').all(segment_ok) {
            return Err(RootPathError::BadSegment(trimmed.to_string()));
        }
        Ok(RootPath(format!("/{rest}")))
    }

    /// `""` for the site's root, else `/chat`: what goes before an app path.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// True when the app is served from the site's root.
    pub fn is_root(&self) -> bool {
        self.0.is_empty()
    }

    /// The browser's address of an app address: a path of the app (one
    /// `/` then not another) gets the root path in front; anything else (a
    /// full URL, `//host/…`, `data:`, a relative path, an empty string) is
    /// left as it is.
    pub fn href(&self, url: &str) -> String {
        if self.is_app_path(url) {
            format!("{}{url}", self.0)
        } else {
            url.to_string()
        }
    }

    /// `css` with [`RootPath::href`] applied to each `url(…)` in it, quoted
    /// or not: `url(/bg.png)` becomes `url(/chat/bg.png)`, while full URLs,
    /// `//host/…`, `data:` and relative ones stay as they are (a theme's
    /// variables name files of `public/` by their path on the site).
    ///
    /// ```
    /// use loquat_app::root_path::RootPath;
    ///
    /// let root = RootPath::parse("/chat").unwrap();
    /// assert_eq!(
    ///     root.css_urls(":root{--bg:url( \"/bg.png\") no-repeat;}"),
    ///     ":root{--bg:url( \"/chat/bg.png\") no-repeat;}"
    /// );
    /// ```
    pub fn css_urls(&self, css: &str) -> String {
        if self.is_root() {
            return css.to_string();
        }
        let mut out = String::with_capacity(css.len());
        let mut rest = css;
        while let Some(at) = find_ascii_ci(rest, "url(") {
            let (before, after) = rest.split_at(at + "url(".len());
            out.push_str(before);
            // Spaces and an opening quote stay where they are.
            let start = after.len() - after.trim_start_matches([' ', '\t', '\n']).len();
            let start = start + usize::from(after[start..].starts_with(['"', '\'']));
            out.push_str(&after[..start]);
            if self.is_app_path(&after[start..]) {
                out.push_str(&self.0);
            }
            rest = &after[start..];
        }
        out.push_str(rest);
        out
    }

    /// The app's page at the site: `/chat/` (or `/`).
    pub fn home(&self) -> String {
        format!("{}/", self.0)
    }

    /// The app path of a browser path under this root: `/chat/ws` → `/ws`,
    /// `/chat` → `/`; `None` for a path outside it.
    pub fn strip<'a>(&self, path: &'a str) -> Option<&'a str> {
        if self.is_root() {
            return Some(path);
        }
        match path.strip_prefix(self.0.as_str())? {
            "" => Some("/"),
            rest if rest.starts_with('/') => Some(rest),
            _ => None,
        }
    }

    fn is_app_path(&self, url: &str) -> bool {
        !self.is_root() && url.starts_with('/') && !url.starts_with("//")
    }
}

/// Where `needle` (ASCII) starts in `haystack`, whatever the case.
fn find_ascii_ci(haystack: &str, needle: &str) -> Option<usize> {
    haystack
        .as_bytes()
        .windows(needle.len())
        .position(|window| window.eq_ignore_ascii_case(needle.as_bytes()))
}

impl fmt::Display for RootPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for RootPath {
    type Error = RootPathError;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        RootPath::parse(&value)
    }
}

impl From<RootPath> for String {
    fn from(root: RootPath) -> String {
        root.0
    }
}

#[cfg(feature = "hydrate")]
thread_local! {
    static BROWSER_ROOT: std::cell::RefCell<Option<RootPath>> = const { std::cell::RefCell::new(None) };
}

/// The root path of this page: from the server's settings while rendering,
/// from the page's embedded settings in the browser (read once).
pub fn current() -> RootPath {
    #[cfg(feature = "hydrate")]
    {
        if let Some(root) = BROWSER_ROOT.with_borrow(Clone::clone) {
            return root;
        }
        let root = crate::ui_config::current().root;
        BROWSER_ROOT.with_borrow_mut(|r| *r = Some(root.clone()));
        // Server functions are called at the root path too.
        if !root.is_root() {
            let _ = leptos::server_fn::client::try_set_server_url(Box::leak(
                root.as_str().to_string().into_boxed_str(),
            ));
        }
        root
    }
    #[cfg(not(feature = "hydrate"))]
    {
        // Borrowed: the settings carry the page's translations, too large to
        // copy for every address a render writes.
        leptos::prelude::with_context::<crate::protocol::UiConfig, _>(|ui| ui.root.clone())
            .unwrap_or_default()
    }
}

/// [`RootPath::href`] with this page's root path (and, on a page signed in
/// without a cookie, its media token where the address takes one: see
/// [`crate::access`]).
pub fn href(url: &str) -> String {
    crate::access::with_media_token(url, current().href(url))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn root_paths_are_normalized_or_refused() {
        assert_eq!(RootPath::parse("").unwrap().as_str(), "");
        assert_eq!(RootPath::parse(" / ").unwrap().as_str(), "");
        assert_eq!(RootPath::parse("/chat").unwrap().as_str(), "/chat");
        assert_eq!(RootPath::parse("/chat/").unwrap().as_str(), "/chat");
        assert_eq!(
            RootPath::parse("/a/b-c_d.e~f").unwrap().as_str(),
            "/a/b-c_d.e~f"
        );
        for bad in [
            "chat", "//chat", "/a//b", "/a/../b", "/./a", "/a b", "/a?x", "/a#x", "/%2e%2e", "/é",
        ] {
            assert!(RootPath::parse(bad).is_err(), "{bad} was accepted");
        }
        let long = format!("/{}", "a".repeat(RootPath::MAX_LEN));
        assert_eq!(
            RootPath::parse(&long),
            Err(RootPathError::TooLong(long.len()))
        );
    }

    #[test]
    fn only_app_paths_get_the_root_path() {
        let root = RootPath::parse("/chat").unwrap();
        assert_eq!(root.href("/"), "/chat/");
        assert_eq!(root.href("/pkg/loquat.js?v=1"), "/chat/pkg/loquat.js?v=1");
        for kept in [
            "https://x.test/a",
            "//x.test/a",
            "data:image/png;base64,AA",
            "logo.svg",
            "",
        ] {
            assert_eq!(root.href(kept), kept);
        }
        assert_eq!(RootPath::default().href("/thread/x"), "/thread/x");
        assert_eq!(root.home(), "/chat/");
        assert_eq!(RootPath::default().home(), "/");
    }

    #[test]
    fn css_urls_of_app_paths_get_the_root_path() {
        let root = RootPath::parse("/chat").unwrap();
        let css = ":root{--bg:url(/img/bg.png);--logo:URL('/logo.svg');--x:url( \"/a b.png\")}\
                   @media (x){:root{--cdn:url(https://cdn.test/a.png);--p:url(//h.test/a);\
                   --d:url(data:image/png;base64,AA);--r:url(rel.png);--e:url()}}";
        assert_eq!(
            root.css_urls(css),
            ":root{--bg:url(/chat/img/bg.png);--logo:URL('/chat/logo.svg');\
             --x:url( \"/chat/a b.png\")}@media (x){:root{--cdn:url(https://cdn.test/a.png);\
             --p:url(//h.test/a);--d:url(data:image/png;base64,AA);--r:url(rel.png);--e:url()}}"
        );
        assert_eq!(RootPath::default().css_urls(css), css);
        assert_eq!(root.css_urls("--c:#fff;"), "--c:#fff;");
        // A `url(` cut off at the end, or with multi-byte text around it.
        assert_eq!(root.css_urls("é url("), "é url(");
        assert_eq!(
            root.css_urls("--f:\"Noto é\";--g:url(/é.png)"),
            "--f:\"Noto é\";--g:url(/chat/é.png)"
        );
    }

    #[test]
    fn stripping_keeps_only_paths_under_the_root() {
        let root = RootPath::parse("/chat").unwrap();
        assert_eq!(root.strip("/chat"), Some("/"));
        assert_eq!(root.strip("/chat/"), Some("/"));
        assert_eq!(root.strip("/chat/thread/a"), Some("/thread/a"));
        assert_eq!(root.strip("/chatter"), None);
        assert_eq!(root.strip("/"), None);
        assert_eq!(RootPath::default().strip("/ws"), Some("/ws"));
    }

    #[test]
    fn it_travels_as_a_string_and_is_checked_on_the_way_in() {
        let root = RootPath::parse("/chat").unwrap();
        assert_eq!(serde_json::to_string(&root).unwrap(), "\"/chat\"");
        assert_eq!(
            serde_json::from_str::<RootPath>("\"/chat/\"").unwrap(),
            root
        );
        assert!(serde_json::from_str::<RootPath>("\"/../x\"").is_err());
    }
}
