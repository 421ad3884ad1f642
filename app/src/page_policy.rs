//! The Content-Security-Policy of the app's pages (server side): scripts
//! are the site's own plus the inline ones carrying the response's nonce,
//! which Leptos makes per render; `frame-ancestors` comes from the server's
//! `[project] frame_ancestors`. The shell sets it on every page it renders.

use leptos::prelude::*;

/// What the policy is made of; the server provides it in context.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PagePolicy {
    frame_ancestors: String,
    /// Only the app's own pages may frame it (also said with
    /// `X-Frame-Options` for browsers without CSP level 2).
    self_framing_only: bool,
    /// cargo-leptos's watch mode injects a live-reload script without a
    /// nonce: inline scripts are allowed then (development only).
    live_reload: bool,
    /// Origins of the app's own stylesheets and script (` https://…`).
    extra_styles: String,
    extra_scripts: String,
    /// The app's theme loads web fonts: fonts from any https origin.
    web_fonts: bool,
}

impl Default for PagePolicy {
    fn default() -> Self {
        PagePolicy::new(&["'self'".to_string()], false)
    }
}

impl PagePolicy {
    /// `frame_ancestors`: CSP sources (`'self'`, `https://…`); none means
    /// `'none'`.
    pub fn new(frame_ancestors: &[String], live_reload: bool) -> PagePolicy {
        let sources: Vec<&str> = frame_ancestors
            .iter()
            .map(|s| s.trim())
            .filter(|s| !s.is_empty())
            .collect();
        let sources = if sources.is_empty() {
            vec!["'none'"]
        } else {
            sources
        };
        PagePolicy {
            self_framing_only: sources == ["'self'"],
            frame_ancestors: sources.join(" "),
            live_reload,
            extra_styles: String::new(),
            extra_scripts: String::new(),
            web_fonts: false,
        }
    }

    /// Also allows what the app's look loads from other sites: its
    /// stylesheets' and script's origins, and web fonts when it has
    /// stylesheets from elsewhere (a font service's, say).
    pub fn allowing(mut self, head: &crate::branding::PageHead) -> PagePolicy {
        let origin = |url: &str| -> Option<String> {
            let rest = url.strip_prefix("https://")?;
            let host = rest.split(['/', '?', '#']).next()?;
            (!host.is_empty()).then(|| format!(" https://{host}"))
        };
        for sheet in &head.stylesheets {
            if let Some(o) = origin(sheet).filter(|o| !self.extra_styles.contains(o.as_str())) {
                self.extra_styles.push_str(&o);
                self.web_fonts = true;
            }
        }
        if let Some(o) = head.script.as_ref().and_then(|s| origin(&s.src)) {
            self.extra_scripts.push_str(&o);
        }
        self
    }

    /// True when only the app's own pages may frame it.
    pub fn self_framing_only(&self) -> bool {
        self.self_framing_only
    }

    /// The policy for a response; without a nonce no inline script runs.
    pub fn csp(&self, nonce: Option<&str>) -> String {
        let extra = &self.extra_scripts;
        let scripts = match nonce {
            _ if self.live_reload => {
                format!("script-src 'self' 'unsafe-inline' 'wasm-unsafe-eval'{extra}")
            }
            Some(nonce) => format!("script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'{extra}"),
            None => format!("script-src 'self' 'wasm-unsafe-eval'{extra}"),
        };
        let styles = format!("style-src 'self' 'unsafe-inline'{}", self.extra_styles);
        let fonts = if self.web_fonts {
            "font-src 'self' data: https:"
        } else {
            "font-src 'self' data:"
        };
        [
            "default-src 'self'",
            &scripts,
            // Leptos and the elements set style attributes.
            &styles,
            // Elements and markdown show media from anywhere; the server
            // never fetches them.
            "img-src * data: blob:",
            "media-src * data: blob:",
            fonts,
            // Same-origin requests and the WebSocket.
            "connect-src 'self'",
            "frame-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            &format!("frame-ancestors {}", self.frame_ancestors),
        ]
        .join("; ")
    }
}

/// Sets the page's policy headers on the response being rendered.
pub(crate) fn set_headers(nonce: Option<&str>) {
    use http::header::{CONTENT_SECURITY_POLICY, X_FRAME_OPTIONS};
    use http::HeaderValue;
    let Some(response) = use_context::<leptos_axum::ResponseOptions>() else {
        return;
    };
    let policy = use_context::<PagePolicy>().unwrap_or_default();
    if let Ok(csp) = HeaderValue::from_str(&policy.csp(nonce)) {
        response.insert_header(CONTENT_SECURITY_POLICY, csp);
    }
    if policy.self_framing_only() {
        response.insert_header(X_FRAME_OPTIONS, HeaderValue::from_static("SAMEORIGIN"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_policy_names_the_nonce_and_the_frame_ancestors() {
        let policy = PagePolicy::new(&["'self'".into(), "https://www.example.com".into()], false);
        let csp = policy.csp(Some("abc"));
        assert!(
            csp.contains("script-src 'self' 'nonce-abc' 'wasm-unsafe-eval'"),
            "{csp}"
        );
        assert!(
            csp.contains("frame-ancestors 'self' https://www.example.com"),
            "{csp}"
        );
        assert!(
            !csp.contains("'unsafe-eval'") && !csp.contains("'unsafe-inline' 'wasm"),
            "{csp}"
        );
        assert!(!policy.self_framing_only());
        assert!(PagePolicy::default().self_framing_only());
        assert!(PagePolicy::new(&[], false)
            .csp(None)
            .contains("frame-ancestors 'none'"));
        assert!(PagePolicy::new(&[], true)
            .csp(Some("n"))
            .contains("'unsafe-inline'"));
    }
}
