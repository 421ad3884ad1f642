//! The files around the app: the browser bundle (WASM, JS, CSS and
//! Loquat's own public files) and the app's `public/` directory.
//!
//! The bundle is embedded in the library by default (feature
//! `embedded-site`), so an app built with plain cargo is complete. A site
//! directory replaces it when `LEPTOS_SITE_ROOT` names one: cargo-leptos
//! builds (`cargo leptos watch`) serve the site they built that way. The
//! app's public directory (default `./public`) is looked at first, so an
//! app's custom elements (`public/elements/<name>.js`) and branding files
//! sit next to the bundle and can replace its files (e.g. `favicon.svg`).

pub(crate) mod branding;
#[cfg(feature = "embedded-site")]
mod embedded;
#[cfg(feature = "embedded-site")]
mod response;

use std::path::{Path, PathBuf};

use loquat_app::branding::{Branding, PageHead};

use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode, Uri};
use axum::response::Response;
use loquat_app::site_assets::SiteAssets;
use tower::ServiceExt;
use tower_http::services::ServeDir;

/// Environment variable naming a built site directory to serve instead of
/// the embedded bundle (the name cargo-leptos uses).
pub const SITE_ROOT_ENV: &str = "LEPTOS_SITE_ROOT";

/// Where the browser bundle comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Bundle {
    /// Compiled into the library.
    #[cfg(feature = "embedded-site")]
    Embedded,
    /// A site directory as cargo-leptos builds it (`pkg/`, public files).
    Directory(PathBuf),
}

/// Why there is no browser bundle to serve.
#[derive(Debug, thiserror::Error)]
pub enum SiteError {
    #[error("{var} is {path}, which is not a directory (build the site there, or unset {var})")]
    MissingDirectory { var: &'static str, path: PathBuf },
    #[error(
        "this build of loquat has no browser bundle (feature `embedded-site` is off) and \
         {var} is not set: build the site with `cargo leptos build` and set {var} to it"
    )]
    NoBundle { var: &'static str },
}

impl Bundle {
    /// `LEPTOS_SITE_ROOT` when set, else the embedded bundle.
    pub fn from_env() -> Result<Bundle, SiteError> {
        match std::env::var_os(SITE_ROOT_ENV) {
            Some(dir) if !dir.is_empty() => {
                let path = PathBuf::from(dir);
                if path.is_dir() {
                    Ok(Bundle::Directory(path))
                } else {
                    Err(SiteError::MissingDirectory {
                        var: SITE_ROOT_ENV,
                        path,
                    })
                }
            }
            _ => Self::built_in(),
        }
    }

    #[cfg(feature = "embedded-site")]
    fn built_in() -> Result<Bundle, SiteError> {
        Ok(Bundle::Embedded)
    }

    #[cfg(not(feature = "embedded-site"))]
    fn built_in() -> Result<Bundle, SiteError> {
        Err(SiteError::NoBundle { var: SITE_ROOT_ENV })
    }
}

/// The bundle plus the app's public directory.
#[derive(Clone, Debug)]
pub(crate) struct Site {
    bundle: Bundle,
    public_dir: PathBuf,
    /// The app's look (Loquat's own until [`Site::with_look`]).
    branding: Branding,
    head: PageHead,
    /// The interface's languages (the shipped ones until
    /// [`Site::with_languages`]).
    languages: crate::i18n::Catalog,
}

impl Site {
    pub(crate) fn new(bundle: Bundle, public_dir: PathBuf) -> Self {
        Site {
            bundle,
            public_dir,
            branding: Branding::default(),
            head: PageHead {
                favicon: "/favicon.svg".into(),
                ..Default::default()
            },
            languages: crate::i18n::Catalog::default(),
        }
    }

    /// Reads the app's translation files from `dir`; `forced` is
    /// `[UI] language`.
    pub(crate) fn with_languages(
        mut self,
        dir: &std::path::Path,
        forced: Option<&str>,
    ) -> Result<Self, crate::i18n::I18nError> {
        self.languages = crate::i18n::Catalog::load(dir, forced)?;
        Ok(self)
    }

    pub(crate) fn languages(&self) -> &crate::i18n::Catalog {
        &self.languages
    }

    /// Reads the app's look from its public directory and `[UI]`.
    pub(crate) fn with_look(
        mut self,
        ui: &crate::config::UiSection,
    ) -> Result<Self, branding::BrandingError> {
        let (branding, head) = branding::load(ui, &self.public_dir)?;
        self.branding = branding;
        self.head = head;
        Ok(self)
    }

    pub(crate) fn branding(&self) -> &Branding {
        &self.branding
    }

    pub(crate) fn head(&self) -> &PageHead {
        &self.head
    }

    /// The URLs the page loads the bundle from.
    pub(crate) fn assets(&self) -> SiteAssets {
        let plain = SiteAssets::default();
        match &self.bundle {
            #[cfg(feature = "embedded-site")]
            Bundle::Embedded => SiteAssets {
                js: embedded::versioned(&plain.js),
                wasm: embedded::versioned(&plain.wasm),
                css: embedded::versioned(&plain.css),
            },
            Bundle::Directory(_) => plain,
        }
    }

    /// Answers a request for one of the site's files; `None` when there is
    /// no such file (the app renders its not-found page then).
    pub(crate) async fn respond(
        &self,
        method: &Method,
        uri: &Uri,
        headers: &HeaderMap,
    ) -> Option<Response> {
        if !matches!(*method, Method::GET | Method::HEAD) || is_hidden(uri) {
            return None;
        }
        if let Some(response) = serve_dir(&self.public_dir, method, uri, headers).await {
            return Some(response);
        }
        match &self.bundle {
            #[cfg(feature = "embedded-site")]
            Bundle::Embedded => {
                embedded::find(uri.path()).map(|file| response::embedded(file, uri, headers))
            }
            Bundle::Directory(dir) => serve_dir(dir, method, uri, headers).await,
        }
    }
}

/// Dot files and dot directories (`.env`, `.git/…`) are never served, in
/// any spelling of the path.
fn is_hidden(uri: &Uri) -> bool {
    let decoded = percent_encoding::percent_decode_str(uri.path()).decode_utf8_lossy();
    decoded
        .split(['/', '\\'])
        .any(|segment| segment.starts_with('.'))
}

/// A file of `dir` (tower-http's `ServeDir` keeps the path inside it).
async fn serve_dir(
    dir: &Path,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
) -> Option<Response> {
    if !dir.is_dir() {
        return None;
    }
    let probe = copy_head(method, uri, headers);
    let service = ServeDir::new(dir).append_index_html_on_directories(false);
    let response = service.oneshot(probe).await.ok()?;
    if matches!(
        response.status(),
        StatusCode::NOT_FOUND | StatusCode::METHOD_NOT_ALLOWED
    ) {
        return None;
    }
    Some(response.map(Body::new))
}

/// The request without its body (a file request has none).
fn copy_head(method: &Method, uri: &Uri, headers: &HeaderMap) -> Request<Body> {
    let mut probe = Request::new(Body::empty());
    *probe.method_mut() = method.clone();
    *probe.uri_mut() = uri.clone();
    *probe.headers_mut() = headers.clone();
    probe
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn dot_segments_are_hidden_however_spelled() {
        for path in [
            "/.env",
            "/elements/.git/config",
            "/%2eenv",
            "/a/%2Egit",
            "/..%2f.env",
        ] {
            let uri: Uri = path.parse().unwrap();
            assert!(is_hidden(&uri), "{path} should be hidden");
        }
        for path in ["/favicon.svg", "/elements/counter.js", "/pkg/loquat.wasm"] {
            let uri: Uri = path.parse().unwrap();
            assert!(!is_hidden(&uri), "{path} should be served");
        }
    }
}
