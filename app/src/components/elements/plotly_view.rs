use leptos::prelude::*;

use crate::protocol::Element;

/// Where the build puts plotly.js (copied from the npm package). It is
/// fetched only when a plot is first shown, never with the page.
pub const PLOTLY_SRC: &str = "/plotly/plotly.min.js";

/// An interactive Plotly figure, drawn by plotly.js once it has loaded.
#[component]
pub fn PlotlyView(element: Element) -> impl IntoView {
    let host = NodeRef::<leptos::html::Div>::new();
    let error = RwSignal::new(None::<String>);
    let state = RwSignal::new("loading");
    let url = crate::root_path::href(element.url.as_deref().unwrap_or_default());
    Effect::new(move |_| {
        if let Some(div) = host.get() {
            draw(div, url.clone(), state, error);
        }
    });
    view! {
        <figcaption class="element-name">{element.name.clone()}</figcaption>
        <div class="plotly-host" node_ref=host data-testid="plotly" data-state=move || state.get()></div>
        {move || error.get().map(|e| view! { <p class="element-error">{e}</p> })}
    }
}

#[cfg(feature = "hydrate")]
fn draw(
    div: web_sys::HtmlDivElement,
    url: String,
    state: RwSignal<&'static str>,
    error: RwSignal<Option<String>>,
) {
    let i18n = crate::i18n::i18n();
    leptos::task::spawn_local(async move {
        match plot(&div, &url).await {
            Ok(()) => state.set("ready"),
            Err(e) => {
                state.set("failed");
                error.set(Some(i18n.t_with("element.plot_failed", &[("reason", &e)])));
            }
        }
    });
}

#[cfg(feature = "hydrate")]
async fn plot(div: &web_sys::HtmlDivElement, url: &str) -> Result<(), String> {
    use js_sys::{Array, Function, Object, Reflect, JSON};
    use wasm_bindgen::{JsCast, JsValue};

    let (loaded, figure) = futures_join(
        crate::components::dom::load_script(&crate::root_path::href(PLOTLY_SRC), false),
        crate::components::dom::fetch_text(url),
    )
    .await;
    loaded?;
    let figure = JSON::parse(&figure?).map_err(|_| "the figure is not JSON".to_string())?;
    let get = |target: &JsValue, key: &str| Reflect::get(target, &JsValue::from_str(key));
    let plotly = get(&leptos::prelude::window().into(), "Plotly")
        .map_err(|_| "plotly.js is missing".to_string())?;
    let new_plot: Function = get(&plotly, "newPlot")
        .ok()
        .and_then(|f| f.dyn_into().ok())
        .ok_or_else(|| "plotly.js is missing".to_string())?;
    let config = Object::new();
    let _ = Reflect::set(&config, &"responsive".into(), &JsValue::TRUE);
    let data = get(&figure, "data").unwrap_or(JsValue::UNDEFINED);
    let layout = get(&figure, "layout").unwrap_or(JsValue::UNDEFINED);
    let args = Array::of4(div, &data, &layout, &config);
    new_plot
        .apply(&plotly, &args)
        .map(|_| ())
        .map_err(|_| "plotly.js refused the figure".to_string())
}

/// Awaits two futures side by side (no extra crate for one join).
#[cfg(feature = "hydrate")]
async fn futures_join<A, B>(a: A, b: B) -> (A::Output, B::Output)
where
    A: std::future::Future,
    B: std::future::Future,
{
    let mut a = Box::pin(a);
    let mut b = Box::pin(b);
    let mut out_a = None;
    let mut out_b = None;
    std::future::poll_fn(move |cx| {
        if out_a.is_none() {
            if let std::task::Poll::Ready(v) = a.as_mut().poll(cx) {
                out_a = Some(v);
            }
        }
        if out_b.is_none() {
            if let std::task::Poll::Ready(v) = b.as_mut().poll(cx) {
                out_b = Some(v);
            }
        }
        match (out_a.take(), out_b.take()) {
            (Some(x), Some(y)) => std::task::Poll::Ready((x, y)),
            (x, y) => {
                out_a = x;
                out_b = y;
                std::task::Poll::Pending
            }
        }
    })
    .await
}

#[cfg(not(feature = "hydrate"))]
fn draw<T>(
    _div: T,
    _url: String,
    _state: RwSignal<&'static str>,
    _error: RwSignal<Option<String>>,
) {
}
