use leptos::either::EitherOf10;
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
            EitherOf10::A(view! { <ImageView element=element.clone()/> })
        }
        ElementKind::Text => EitherOf10::B(text_view(&element)),
        ElementKind::File => EitherOf10::C(view! { <FileView element=element.clone()/> }),
        ElementKind::Pdf => EitherOf10::D(view! { <PdfView element=element.clone()/> }),
        ElementKind::Audio => EitherOf10::E(view! { <AudioView element=element.clone()/> }),
        ElementKind::Video => EitherOf10::F(view! { <VideoView element=element.clone()/> }),
        ElementKind::Dataframe => EitherOf10::G(view! { <DataframeView element=element.clone()/> }),
        ElementKind::Plotly => EitherOf10::H(view! { <PlotlyView element=element.clone()/> }),
        ElementKind::Tasklist => EitherOf10::I(view! { <TaskListView element=element.clone()/> }),
        ElementKind::Custom => EitherOf10::J(view! { <CustomView element=element.clone()/> }),
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
}

/// Markdown, or code in `props.language`.
fn text_view(element: &Element) -> impl IntoView {
    let content = element.prop_str("content").unwrap_or_default().to_string();
    let language = element.prop_str("language").map(str::to_string);
    // An element's text is the app's data: never raw HTML.
    let md = markdown::for_page().without_html();
    // Rendered again when math the browser asked for arrives.
    let html = move || match &language {
        Some(language) => md.render_code(&content, language),
        None => md.render(&content),
    };
    view! {
        <figcaption class="element-name">{element.name.clone()}</figcaption>
        <div class="markdown element-text" inner_html=html></div>
    }
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
