//! Elements the browser draws by itself: images, files, PDFs, audio, video.

use leptos::either::Either;
use leptos::prelude::*;

use crate::protocol::Element;
use crate::units::human_size;

fn source(element: &Element) -> String {
    crate::root_path::href(element.url.as_deref().unwrap_or_default())
}

/// An image or a server-rendered chart.
#[component]
pub fn ImageView(element: Element) -> impl IntoView {
    view! {
        <img class="element-image" src=source(&element) alt=element.name.clone() loading="lazy"/>
    }
}

/// A download link with the file's name and size.
#[component]
pub fn FileView(element: Element) -> impl IntoView {
    let size = element.bytes.map(human_size).unwrap_or_default();
    view! {
        <a class="element-file" href=source(&element) download=element.name.clone()>
            <span class="element-file-name">{element.name.clone()}</span>
            <span class="element-file-size">{size}</span>
        </a>
    }
}

/// A PDF in the browser's viewer, opened at `props.page`. Only the
/// server's own stored copy is framed (its bytes were checked to be a PDF
/// when stored, and it is served as one); a PDF elsewhere is a link that
/// opens on its own, never a frame of this page. The frame carries no
/// `sandbox` attribute: browsers refuse to run their PDF viewer in a
/// sandboxed frame, so the isolation is in what may be framed (the page's
/// CSP says `frame-src 'self'` too).
#[component]
pub fn PdfView(element: Element) -> impl IntoView {
    let page = element
        .props
        .get("page")
        .and_then(|p| p.as_u64())
        .unwrap_or(1);
    let stored = element.url.as_deref() == Some(Element::content_path(&element.id).as_str());
    let name = element.name.clone();
    let frame = if stored {
        let src = format!("{}#page={page}", source(&element));
        Either::Left(
            view! { <iframe class="element-pdf" src=src title=name data-page=page></iframe> },
        )
    } else {
        Either::Right(view! {
            <a class="element-file" href=source(&element) target="_blank" rel="noopener noreferrer"
                data-testid="element-pdf-link">
                <span class="element-file-name">{name}</span>
            </a>
        })
    };
    view! {
        <figcaption class="element-name">{element.name.clone()}</figcaption>
        {frame}
    }
}

fn auto_play(element: &Element) -> bool {
    element
        .props
        .get("auto_play")
        .and_then(|v| v.as_bool())
        .unwrap_or(false)
}

/// An audio player.
#[component]
pub fn AudioView(element: Element) -> impl IntoView {
    view! {
        <figcaption class="element-name">{element.name.clone()}</figcaption>
        <audio class="element-audio" controls=true autoplay=auto_play(&element) src=source(&element)></audio>
    }
}

/// A video player.
#[component]
pub fn VideoView(element: Element) -> impl IntoView {
    view! {
        <video class="element-video" controls=true autoplay=auto_play(&element) src=source(&element)></video>
    }
}
