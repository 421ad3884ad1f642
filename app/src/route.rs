//! Which page an address shows. The app has few pages, so it matches paths
//! itself instead of shipping a client-side router in the bundle.

/// A page of the app.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Page {
    Chat,
    NotFound,
}

/// The page for a path.
pub(crate) fn page_for(path: &str) -> Page {
    match path {
        "/" | "" => Page::Chat,
        _ => Page::NotFound,
    }
}

/// The page for the address being rendered (the request on the server, the
/// location in the browser).
pub(crate) fn current_page() -> Page {
    page_for(&current_path())
}

fn current_path() -> String {
    #[cfg(feature = "hydrate")]
    {
        leptos::prelude::window()
            .location()
            .pathname()
            .unwrap_or_else(|_| "/".into())
    }
    #[cfg(not(feature = "hydrate"))]
    {
        #[cfg(feature = "ssr")]
        if let Some(parts) = leptos::prelude::use_context::<http::request::Parts>() {
            return parts.uri.path().to_string();
        }
        "/".into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_root_is_the_chat() {
        assert_eq!(page_for("/"), Page::Chat);
        assert_eq!(page_for("/thread/unknown"), Page::NotFound);
        assert_eq!(page_for("/nope"), Page::NotFound);
    }
}
