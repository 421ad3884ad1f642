//! Custom elements: a developer's Web Component from
//! `public/elements/<name>.js`, which must define the custom element
//! `loquat-<name>`. Loquat sets its `props` (JSON) and `elementId`
//! properties, and listens for the events it may dispatch (bubbling):
//! `loquat:update-props` (`detail.props`), `loquat:delete`,
//! `loquat:call-action` (`detail.name`, `detail.payload`) and
//! `loquat:send-message` (`detail.content`). Each only ever concerns the
//! element that sent it; the server checks it is in the user's thread.

use leptos::prelude::*;

use crate::protocol::Element;

/// True for component names that make a valid custom element tag and a
/// safe file name: lowercase letters, digits and `-`, starting with a letter.
pub(crate) fn is_component_name(name: &str) -> bool {
    name.len() <= 64
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// Mounts the component with the element's props.
#[component]
pub fn CustomView(element: Element) -> impl IntoView {
    let host = NodeRef::<leptos::html::Div>::new();
    let error = RwSignal::new(None::<String>);
    let name = element.name.clone();
    let valid = is_component_name(&name);
    if !valid {
        error.set(Some(format!("{name:?} is not a valid component name")));
    }
    let initial = element
        .props
        .get("props")
        .cloned()
        .unwrap_or(serde_json::Value::Null);
    // The props as they are now: updates reach the mounted component in
    // place (in the chat; an element page shows the element as loaded).
    let store = use_context::<crate::client::ChatStore>();
    let id = StoredValue::new(element.id.clone());
    let props = Memo::new(move |_| {
        store
            .and_then(|s| id.with_value(|id| s.element_tracked(id)))
            .and_then(|e| e.props.get("props").cloned())
            .unwrap_or_else(|| initial.clone())
    });
    Effect::new(move |mounted: Option<bool>| {
        let json = props.with(|p| p.to_string());
        let Some(div) = host.get() else {
            return false;
        };
        if mounted == Some(true) {
            update(&div, &json);
        } else if valid {
            mount(div, name.clone(), id.get_value(), props, error);
        }
        true
    });
    view! {
        <div class="custom-host" node_ref=host data-testid="custom-element" data-component=element.name.clone()></div>
        {move || error.get().map(|e| view! { <p class="element-error">{e}</p> })}
    }
}

/// Gives the mounted component its new props.
#[cfg(feature = "hydrate")]
fn update(host: &web_sys::HtmlDivElement, props: &str) {
    if let Some(node) = host.first_element_child() {
        let props = js_sys::JSON::parse(props).unwrap_or(wasm_bindgen::JsValue::NULL);
        let _ = js_sys::Reflect::set(&node, &"props".into(), &props);
    }
}

#[cfg(not(feature = "hydrate"))]
fn update<T>(_host: &T, _props: &str) {}

#[cfg(feature = "hydrate")]
fn mount(
    host: web_sys::HtmlDivElement,
    name: String,
    id: String,
    props: Memo<serde_json::Value>,
    error: RwSignal<Option<String>>,
) {
    use js_sys::{Reflect, JSON};
    use wasm_bindgen::JsValue;

    install_bridge();
    leptos::task::spawn_local(async move {
        let src = crate::root_path::href(&format!("/elements/{name}.js"));
        if let Err(e) = crate::components::dom::load_script(&src, true).await {
            error.set(Some(e));
            return;
        }
        let tag = format!("loquat-{name}");
        let Ok(node) = leptos::prelude::document().create_element(&tag) else {
            error.set(Some(format!("cannot create <{tag}>")));
            return;
        };
        // The latest props: they may have changed while the module loaded.
        let props = JSON::parse(&props.with_untracked(|p| p.to_string())).unwrap_or(JsValue::NULL);
        let _ = Reflect::set(&node, &"elementId".into(), &JsValue::from_str(&id));
        let _ = Reflect::set(&node, &"props".into(), &props);
        host.replace_children_with_node_1(&node);
    });
}

#[cfg(not(feature = "hydrate"))]
fn mount<T>(
    _host: T,
    _name: String,
    _id: String,
    _props: Memo<serde_json::Value>,
    _error: RwSignal<Option<String>>,
) {
}

/// Listens once, on the document, for what custom elements dispatch and
/// turns it into client events for the element that sent it.
#[cfg(feature = "hydrate")]
fn install_bridge() {
    use std::cell::Cell;
    use wasm_bindgen::closure::Closure;
    use wasm_bindgen::JsCast;

    thread_local! {
        static INSTALLED: Cell<bool> = const { Cell::new(false) };
    }
    if INSTALLED.with(|i| i.replace(true)) {
        return;
    }
    let document = leptos::prelude::document();
    for kind in [
        "loquat:update-props",
        "loquat:delete",
        "loquat:call-action",
        "loquat:send-message",
    ] {
        let handler = Closure::<dyn Fn(web_sys::Event)>::new(move |event: web_sys::Event| {
            bridge(kind, &event);
        });
        let _ = document.add_event_listener_with_callback(kind, handler.as_ref().unchecked_ref());
        // Lives as long as the page.
        handler.forget();
    }
}

#[cfg(feature = "hydrate")]
fn bridge(kind: &str, event: &web_sys::Event) {
    use crate::protocol::ClientEvent;
    use wasm_bindgen::JsCast;

    let Some(target) = event
        .target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
    else {
        return;
    };
    let Ok(Some(figure)) = target.closest("[data-element-id]") else {
        return;
    };
    let Some(id) = figure.get_attribute("data-element-id") else {
        return;
    };
    let detail: serde_json::Value = event
        .dyn_ref::<web_sys::CustomEvent>()
        .and_then(|e| js_sys::JSON::stringify(&e.detail()).ok())
        .and_then(|s| s.as_string())
        .and_then(|s| serde_json::from_str(&s).ok())
        .unwrap_or_default();
    let text = |key: &str| {
        detail
            .get(key)
            .and_then(|v| v.as_str())
            .unwrap_or_default()
            .to_string()
    };
    let client_event = match kind {
        "loquat:update-props" => ClientEvent::ElementPropsUpdated {
            id,
            props: detail.get("props").cloned().unwrap_or_default(),
        },
        "loquat:delete" => ClientEvent::ElementRemoveRequested { id },
        "loquat:call-action" => ClientEvent::ElementAction {
            id,
            name: text("name"),
            payload: detail.get("payload").cloned().unwrap_or_default(),
        },
        _ => {
            let content = text("content");
            if content.trim().is_empty() {
                return;
            }
            ClientEvent::Send {
                content,
                files: Vec::new(),
                command: None,
            }
        }
    };
    crate::client::send(client_event);
}

#[cfg(test)]
mod tests {
    #[test]
    fn component_names_are_tag_and_file_safe() {
        assert!(super::is_component_name("counter"));
        assert!(super::is_component_name("my-chart2"));
        for bad in ["", "Counter", "../x", "a/b", "a.b", "1abc", "a b"] {
            assert!(!super::is_component_name(bad), "{bad}");
        }
    }
}
