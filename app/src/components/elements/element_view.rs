use leptos::prelude::*;

use super::custom_view::CustomView;
use super::dataframe_view::DataframeView;
use super::media_view::{AudioView, FileView, ImageView, PdfView, VideoView};
use super::plotly_view::PlotlyView;
use super::task_list_view::TaskListView;
use crate::markdown;
use crate::protocol::{Element, ElementKind};

/// One element, drawn as its kind says; `data-element-type` and
/// `data-display` tell tests (and styles) what it is.
#[component]
pub fn ElementView(element: Element) -> impl IntoView {
    let kind = element.kind;
    let size = element.size.map(|s| s.as_str()).unwrap_or("medium");
    let body = match kind {
        ElementKind::Image | ElementKind::Chart => {
            view! { <ImageView element=element.clone()/> }.into_any()
        }
        ElementKind::Text => text_view(&element),
        ElementKind::File => view! { <FileView element=element.clone()/> }.into_any(),
        ElementKind::Pdf => view! { <PdfView element=element.clone()/> }.into_any(),
        ElementKind::Audio => view! { <AudioView element=element.clone()/> }.into_any(),
        ElementKind::Video => view! { <VideoView element=element.clone()/> }.into_any(),
        ElementKind::Dataframe => view! { <DataframeView element=element.clone()/> }.into_any(),
        ElementKind::Plotly => view! { <PlotlyView element=element.clone()/> }.into_any(),
        ElementKind::Tasklist => view! { <TaskListView element=element.clone()/> }.into_any(),
        ElementKind::Custom => view! { <CustomView element=element.clone()/> }.into_any(),
    };
    view! {
        <figure
            class=format!("element element-{} size-{size}", kind.as_str())
            data-testid="element"
            data-element-type=kind.as_str()
            data-display=element.display.as_str()
            data-element-id=element.id.clone()
        >
            {body}
        </figure>
    }
    .into_any()
}

/// Markdown, or code in `props.language`.
fn text_view(element: &Element) -> AnyView {
    let content = element.prop_str("content").unwrap_or_default();
    // An element's text is the app's data: never raw HTML.
    let md = markdown::for_page().without_html();
    let html = match element.prop_str("language") {
        Some(language) => md.render_code(content, language),
        None => md.render(content),
    };
    view! {
        <figcaption class="element-name">{element.name.clone()}</figcaption>
        <div class="markdown element-text" inner_html=html></div>
    }
    .into_any()
}

/// How lists key an element: a change of content or props draws it anew,
/// except for custom elements, which receive their new props in place (so
/// the component keeps its own state).
pub(crate) fn render_key(element: &Element) -> (String, String, Option<String>) {
    if element.kind == ElementKind::Custom {
        (element.id.clone(), String::new(), None)
    } else {
        (
            element.id.clone(),
            element.props.to_string(),
            element.url.clone(),
        )
    }
}
