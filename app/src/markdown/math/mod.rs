//! LaTeX math → MathML, which browsers render natively: no script, no
//! fonts to fetch. A formula that does not parse shows as its source, with
//! the rest of the message intact.
//!
//! Only the server renders (`render`): its pages come with their math, and
//! the browser asks it for the formulas it meets later (`browser`: a
//! streamed reply, a thread opened from the history), showing each one's
//! source until the markup comes. So `pulldown-latex` is not part of any
//! app's first load: in the WASM it cost 38.1 KB of brotli (stop 25's
//! measure), 6 % of the first load, for a feature that is off by default.

#[cfg(all(feature = "hydrate", not(feature = "ssr")))]
mod browser;
#[cfg(feature = "ssr")]
mod render;

#[cfg(all(feature = "hydrate", not(feature = "ssr")))]
pub(crate) use browser::{arrived, connected, track};

/// `tex` as markup: rendered on the server; in the browser, what the server
/// rendered, or the source while it is on its way.
pub(super) fn to_mathml(tex: &str, display: bool) -> String {
    #[cfg(feature = "ssr")]
    {
        render::to_mathml(tex, display)
    }
    #[cfg(all(feature = "hydrate", not(feature = "ssr")))]
    {
        if tex.len() > crate::protocol::MAX_MATH_TEX_BYTES {
            return source(tex, display);
        }
        browser::to_mathml(tex, display).unwrap_or_else(|| pending(tex, display))
    }
    #[cfg(not(any(feature = "ssr", feature = "hydrate")))]
    {
        source(tex, display)
    }
}

/// One formula as the server renders it, for a browser's `render_math`.
///
/// ```
/// use loquat_app::markdown::render_math;
/// use loquat_app::protocol::MathSource;
///
/// let euler = MathSource { tex: "e^{i\\pi} + 1 = 0".into(), display: false };
/// assert!(render_math(&euler).html.contains("<msup>"));
/// ```
#[cfg(feature = "ssr")]
pub fn render_math(formula: &crate::protocol::MathSource) -> crate::protocol::RenderedMath {
    crate::protocol::RenderedMath {
        tex: formula.tex.clone(),
        display: formula.display,
        html: render::to_mathml(&formula.tex, formula.display),
    }
}

fn class(display: bool) -> &'static str {
    if display {
        "math math-display"
    } else {
        "math math-inline"
    }
}

/// A formula that could not be rendered, as the text it was.
fn source(tex: &str, display: bool) -> String {
    format!(
        "<code class=\"{} math-error\" data-testid=\"math-error\">{}</code>",
        class(display),
        super::escape(tex)
    )
}

/// A formula whose markup the browser is waiting for, as its text.
#[cfg(all(feature = "hydrate", not(feature = "ssr")))]
fn pending(tex: &str, display: bool) -> String {
    format!(
        "<code class=\"{} math-pending\" data-testid=\"math-pending\">{}</code>",
        class(display),
        super::escape(tex)
    )
}
