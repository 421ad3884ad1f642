//! LaTeX → MathML on the server (`pulldown-latex` 0.8), for its pages and
//! for the browser's `render_math` requests.
//!
//! The renderer writes some of the formula's text into its output
//! unescaped (`\operatorname{<b>}` gives `<mi><b></mi>`, and a parse error
//! quotes the formula as it is), so the text is not trusted to it: `<` and
//! `>` go in as `\lt` and `\gt`, errors never reach it, and what comes out
//! is checked to be MathML elements with known attributes only, else the
//! formula shows as its source.

use pulldown_latex::config::DisplayMode;
use pulldown_latex::{push_mathml, Parser, RenderConfig, Storage};

/// `tex` as a `<math>` element; `display` for a block of its own (`$$…$$`).
pub(super) fn to_mathml(tex: &str, display: bool) -> String {
    let class = super::class(display);
    if tex.len() > crate::protocol::MAX_MATH_TEX_BYTES {
        return super::source(tex, display);
    }
    let input = tex.replace('<', "\\lt ").replace('>', "\\gt ");
    let storage = Storage::new();
    let Ok(events) = Parser::new(&input, &storage).collect::<Result<Vec<_>, _>>() else {
        return super::source(tex, display);
    };
    // The source rides along for copy and assistive tools. The renderer
    // writes it as it is given, so it is given escaped.
    let escaped = crate::markdown::escape(tex);
    let config = RenderConfig {
        display_mode: if display {
            DisplayMode::Block
        } else {
            DisplayMode::Inline
        },
        annotation: Some(&escaped),
        ..RenderConfig::default()
    };
    let mut out = String::with_capacity(tex.len() * 8 + 64);
    out.push_str("<span class=\"");
    out.push_str(class);
    out.push_str("\">");
    let events = events.into_iter().map(Ok::<_, std::fmt::Error>);
    if push_mathml(&mut out, events, config).is_err() || !only_mathml(&out) {
        return super::source(tex, display);
    }
    out.push_str("</span>");
    out
}

/// MathML elements the renderer writes.
const ELEMENTS: &[&str] = &[
    "annotation",
    "math",
    "menclose",
    "merror",
    "mfrac",
    "mi",
    "mmultiscripts",
    "mn",
    "mo",
    "mover",
    "mpadded",
    "mphantom",
    "mprescripts",
    "mroot",
    "mrow",
    "ms",
    "mspace",
    "msqrt",
    "mstyle",
    "msub",
    "msubsup",
    "msup",
    "mtable",
    "mtd",
    "mtext",
    "mtr",
    "munder",
    "munderover",
    "none",
    "semantics",
    "span",
];

/// Attributes the renderer writes (none of them can run anything).
const ATTRIBUTES: &[&str] = &[
    "accent",
    "accentunder",
    "class",
    "columnalign",
    "columnspan",
    "columnspacing",
    "depth",
    "display",
    "displaystyle",
    "encoding",
    "fence",
    "form",
    "height",
    "largeop",
    "linethickness",
    "lspace",
    "mathbackground",
    "mathcolor",
    "mathsize",
    "mathvariant",
    "maxsize",
    "minsize",
    "movablelimits",
    "notation",
    "rowspacing",
    "rowspan",
    "rspace",
    "scriptlevel",
    "separator",
    "stretchy",
    "style",
    "symmetric",
    "voffset",
    "width",
    "xmlns",
];

/// Whether every tag of `html` is a MathML element with known attributes
/// (a `<` that opens no tag is text, as a browser reads it).
fn only_mathml(html: &str) -> bool {
    let mut rest = html;
    while let Some(at) = rest.find('<') {
        rest = &rest[at + 1..];
        let closing = rest.starts_with('/');
        let tag = rest.trim_start_matches('/');
        if !tag.starts_with(|c: char| c.is_ascii_alphabetic()) {
            if closing {
                return false;
            }
            continue;
        }
        let Some(end) = tag.find('>') else {
            return false;
        };
        let (inside, after) = (&tag[..end], &tag[end + 1..]);
        let mut parts = inside.splitn(2, |c: char| c.is_ascii_whitespace());
        let name = parts.next().unwrap_or("").trim_end_matches('/');
        if !ELEMENTS.contains(&name) || !known_attributes(parts.next().unwrap_or("")) {
            return false;
        }
        rest = after;
    }
    true
}

/// Whether `attributes` (`a="1" b="2"`) are all known, with quoted values.
fn known_attributes(attributes: &str) -> bool {
    let mut rest = attributes.trim();
    while !rest.is_empty() && rest != "/" {
        let Some((name, value)) = rest.split_once('=') else {
            return false;
        };
        if !ATTRIBUTES.contains(&name.trim()) {
            return false;
        }
        let Some(value) = value.strip_prefix('"') else {
            return false;
        };
        let Some(close) = value.find('"') else {
            return false;
        };
        rest = value[close + 1..].trim_start();
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_output_check_takes_mathml_and_refuses_the_rest() {
        assert!(only_mathml(
            "<math display=\"block\"><mrow><mo>&lt;</mo><mi mathvariant=\"normal\">x</mi></mrow></math>"
        ));
        assert!(only_mathml("<mo><</mo>"));
        for bad in [
            "<mi><b></mi>",
            "<mi onclick=\"x\">a</mi>",
            "<mi class=x>a</mi>",
            "<img src=x>",
            "<mi>a</mi",
            "</script>",
        ] {
            assert!(!only_mathml(bad), "{bad}");
        }
    }

    #[test]
    fn everyday_formulas_render() {
        for tex in [
            "x = \\frac{-b \\pm \\sqrt{b^2 - 4ac}}{2a}",
            "\\sum_{i=1}^{n} i = \\frac{n(n+1)}{2}",
            "\\int_0^\\infty e^{-x^2}\\,dx = \\tfrac{\\sqrt{\\pi}}{2}",
            "\\begin{pmatrix} a & b \\\\ c & d \\end{pmatrix}",
            "\\begin{aligned} f(x) &= x^2 \\\\ &= x \\cdot x \\end{aligned}",
            "|x| = \\begin{cases} x & x \\ge 0 \\\\ -x & x < 0 \\end{cases}",
            "\\mathbb{R}^n \\quad \\mathcal{O}(n \\log n) \\quad \\text{if } \\hat{x} \\vec{v} \\overline{z}",
            "\\color{red}{x} + \\lim_{h \\to 0} \\binom{n}{k}",
            "\\sqrt[3]{8} = 2, \\; a \\neq b, \\; \\alpha\\beta\\Gamma",
        ] {
            let html = to_mathml(tex, true);
            assert!(html.starts_with("<span class=\"math math-display\"><math"), "{tex} -> {html}");
        }
    }

    #[test]
    fn angle_brackets_are_relations() {
        let html = to_mathml("a<b>c", false);
        assert!(html.contains("<math"), "{html}");
        assert!(!html.contains("math-error"), "{html}");
    }
}
