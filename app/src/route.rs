//! Which page an address shows. The app has few pages, so it matches paths
//! itself instead of shipping a client-side router in the bundle.

/// A page of the app.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Page {
    /// The chat: a new one, or a thread from history.
    Chat {
        thread_id: Option<String>,
    },
    /// One element on a page of its own.
    Element {
        id: String,
    },
    NotFound,
}

/// Provided by the server while rendering `/element/<id>`: the element,
/// which the page also embeds for the browser to hydrate with.
#[derive(Clone, Debug)]
pub struct ElementPageData(pub crate::protocol::Element);

/// Id of the script element holding the element of an element page.
pub const ELEMENT_DATA_ID: &str = "loquat-element";

/// Provided by the server while rendering `/thread/<id>` for a thread that
/// does not exist or is not the user's.
#[derive(Clone, Copy, Debug)]
pub struct ThreadMissing;

/// Attribute on `<html>` telling the browser the server rendered not-found.
pub const NOT_FOUND_ATTR: &str = "data-not-found";

/// Path of a thread's page.
pub fn thread_path(id: &str) -> String {
    format!("/thread/{id}")
}

/// True for strings that can be thread ids (what the server generates, and
/// nothing that could escape a path).
pub fn is_thread_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The page for a path.
pub(crate) fn page_for(path: &str) -> Page {
    match path {
        "/" | "" => Page::Chat { thread_id: None },
        _ => {
            if let Some(id) = path.strip_prefix("/thread/") {
                if is_thread_id(id) {
                    return Page::Chat {
                        thread_id: Some(id.to_string()),
                    };
                }
            }
            match path.strip_prefix("/element/") {
                Some(id) if is_thread_id(id) => Page::Element { id: id.to_string() },
                _ => Page::NotFound,
            }
        }
    }
}

/// The page for the address being rendered (the request on the server, the
/// location in the browser).
pub(crate) fn current_page() -> Page {
    if server_said_missing() {
        return Page::NotFound;
    }
    page_for(&current_path())
}

fn server_said_missing() -> bool {
    #[cfg(feature = "hydrate")]
    {
        leptos::prelude::document()
            .document_element()
            .is_some_and(|html| html.has_attribute(NOT_FOUND_ATTR))
    }
    #[cfg(not(feature = "hydrate"))]
    {
        leptos::prelude::use_context::<ThreadMissing>().is_some()
    }
}

pub(crate) fn current_path() -> String {
    #[cfg(feature = "hydrate")]
    {
        let path = leptos::prelude::window()
            .location()
            .pathname()
            .unwrap_or_else(|_| "/".into());
        // The server serves pages only under the root path.
        match crate::root_path::current().strip(&path) {
            Some(app_path) => app_path.to_string(),
            None => path,
        }
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

/// The element an element page shows: from the server's context while
/// rendering, from the embedded JSON in the browser.
pub(crate) fn page_element() -> Option<crate::protocol::Element> {
    #[cfg(feature = "hydrate")]
    {
        let text = leptos::prelude::document()
            .get_element_by_id(ELEMENT_DATA_ID)?
            .text_content()?;
        serde_json::from_str(&text).ok()
    }
    #[cfg(not(feature = "hydrate"))]
    {
        leptos::prelude::use_context::<ElementPageData>().map(|d| d.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_root_and_threads_are_the_chat() {
        assert_eq!(page_for("/"), Page::Chat { thread_id: None });
        assert_eq!(
            page_for("/thread/0b8e-41_a"),
            Page::Chat {
                thread_id: Some("0b8e-41_a".into())
            }
        );
        assert_eq!(page_for("/thread/"), Page::NotFound);
        assert_eq!(page_for("/thread/a/b"), Page::NotFound);
        assert_eq!(page_for("/thread/..%2f"), Page::NotFound);
        assert_eq!(page_for("/nope"), Page::NotFound);
        assert_eq!(thread_path("x"), "/thread/x");
        assert_eq!(page_for("/element/e-1"), Page::Element { id: "e-1".into() });
        assert_eq!(page_for("/element/e/content"), Page::NotFound);
    }
}
