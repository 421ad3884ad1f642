//! Markdown → HTML for message and step content, shared by server and
//! browser. Raw HTML is escaped unless the app allows it; code blocks get a
//! language label and a copy button; dangerous link schemes are neutralised;
//! `$…$` and `$$…$$` become MathML when the app turns LaTeX on.

mod blocks;
mod highlight;
mod math;
mod options;

pub use blocks::BlockSplitter;
pub use highlight::highlight;
pub use options::{for_page, Markdown};

#[cfg(feature = "ssr")]
pub use math::render_math;
#[cfg(all(feature = "hydrate", not(feature = "ssr")))]
pub(crate) use math::{arrived as math_arrived, connected as math_connected};

/// Whether `html` shows a formula whose markup the browser is waiting for.
pub fn awaits_math(html: &str) -> bool {
    html.contains("data-testid=\"math-pending\"")
}

/// Makes the reactive render that calls it run again when the browser
/// receives math markup (it does nothing on the server).
pub fn track_math() {
    #[cfg(all(feature = "hydrate", not(feature = "ssr")))]
    math::track();
}

use pulldown_cmark::{CodeBlockKind, CowStr, Event, Options, Parser, Tag, TagEnd};

/// A side or page element, linked wherever its name appears in the text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ElementLink {
    pub name: String,
    pub id: String,
    /// Opens on its own page (else in the side panel).
    pub page: bool,
}

impl Markdown {
    /// Renders `source` to HTML.
    pub fn render(&self, source: &str) -> String {
        self.render_linked(source, &[])
    }

    /// Renders `code` as a fenced block in `language` (for step input and
    /// output, and code elements).
    pub fn render_code(&self, code: &str, language: &str) -> String {
        let fence = if code.contains("```") { "~~~~" } else { "```" };
        let plain = Markdown {
            latex: false,
            ..self.clone()
        };
        plain.render(&format!("{fence}{language}\n{code}\n{fence}\n"))
    }

    /// Renders `source` to HTML, turning the names of `links` in plain text
    /// (not in code or existing links) into element links.
    pub fn render_linked(&self, source: &str, links: &[ElementLink]) -> String {
        let mut options = Options::empty();
        options.insert(Options::ENABLE_TABLES);
        options.insert(Options::ENABLE_STRIKETHROUGH);
        options.insert(Options::ENABLE_TASKLISTS);
        if self.latex {
            options.insert(Options::ENABLE_MATH);
        }
        let parser = Parser::new_ext(source, options);
        let mut out = String::with_capacity(source.len() * 3 / 2 + 16);
        // Longest names first, so "chart 2" wins over "chart".
        let mut links: Vec<&ElementLink> = links.iter().filter(|l| !l.name.is_empty()).collect();
        links.sort_by_key(|l| std::cmp::Reverse(l.name.len()));
        let mut plain_depth = 0_i32;
        // A code block of a known language, collected to be highlighted whole.
        let mut code: Option<(String, String)> = None;
        let events = parser.flat_map(|event| {
            if let Some((_, text)) = code.as_mut() {
                return match event {
                    Event::Text(chunk) => {
                        text.push_str(&chunk);
                        Vec::new()
                    }
                    Event::End(TagEnd::CodeBlock) => {
                        let (language, text) = code.take().unwrap_or_default();
                        let body = highlight(&text, &language).unwrap_or_else(|| escape(&text));
                        vec![Event::Html(format!("{body}</code></pre></div>").into())]
                    }
                    other => vec![other],
                };
            }
            if let Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(info))) = &event {
                let language = info.split_whitespace().next().unwrap_or("");
                if highlight::knows(language) {
                    let open = format!(
                        "{}<pre><code class=\"language-{}\">",
                        self.code_head(language),
                        escape(language)
                    );
                    code = Some((language.to_string(), String::new()));
                    return vec![Event::Html(open.into())];
                }
            }
            match &event {
                Event::Start(Tag::CodeBlock(_) | Tag::Link { .. } | Tag::Image { .. }) => {
                    plain_depth += 1
                }
                Event::End(TagEnd::CodeBlock | TagEnd::Link | TagEnd::Image) => plain_depth -= 1,
                Event::Text(text) if plain_depth == 0 && !links.is_empty() => {
                    return link_names(text, &links);
                }
                _ => {}
            }
            self.transform(event)
        });
        pulldown_cmark::html::push_html(&mut out, events);
        out
    }
}

/// `text` with every occurrence of a link's name made an element link.
fn link_names<'a>(text: &str, links: &[&ElementLink]) -> Vec<Event<'a>> {
    let mut events = Vec::new();
    let mut plain = String::new();
    let mut rest = text;
    'scan: while !rest.is_empty() {
        for link in links {
            if rest.starts_with(link.name.as_str()) {
                if !plain.is_empty() {
                    events.push(Event::Text(std::mem::take(&mut plain).into()));
                }
                let (href, target) = if link.page {
                    (
                        crate::root_path::href(&format!("/element/{}", escape(&link.id))),
                        " target=\"_blank\" rel=\"noopener\"",
                    )
                } else {
                    (format!("#element-{}", escape(&link.id)), "")
                };
                events.push(Event::InlineHtml(
                    format!(
                        "<a class=\"element-link\" data-testid=\"element-link\" \
data-element-id=\"{}\" data-display=\"{}\" href=\"{href}\"{target}>{}</a>",
                        escape(&link.id),
                        if link.page { "page" } else { "side" },
                        escape(&link.name)
                    )
                    .into(),
                ));
                rest = &rest[link.name.len()..];
                continue 'scan;
            }
        }
        let mut chars = rest.chars();
        if let Some(c) = chars.next() {
            plain.push(c);
        }
        rest = chars.as_str();
    }
    if !plain.is_empty() {
        events.push(Event::Text(plain.into()));
    }
    events
}

impl Markdown {
    fn transform<'a>(&self, event: Event<'a>) -> Vec<Event<'a>> {
        match event {
            Event::Html(html) | Event::InlineHtml(html) if !self.allow_html => {
                vec![Event::Text(html)]
            }
            Event::InlineMath(tex) => vec![Event::InlineHtml(math::to_mathml(&tex, false).into())],
            Event::DisplayMath(tex) => vec![Event::InlineHtml(math::to_mathml(&tex, true).into())],
            Event::Start(Tag::CodeBlock(kind)) => {
                let language = match &kind {
                    CodeBlockKind::Fenced(info) => info.split_whitespace().next().unwrap_or(""),
                    CodeBlockKind::Indented => "",
                };
                let label = if language.is_empty() {
                    "text"
                } else {
                    language
                };
                vec![
                    Event::Html(self.code_head(label).into()),
                    Event::Start(Tag::CodeBlock(kind)),
                ]
            }
            Event::End(TagEnd::CodeBlock) => {
                vec![Event::End(TagEnd::CodeBlock), Event::Html("</div>".into())]
            }
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            }) => vec![Event::Start(Tag::Link {
                link_type,
                dest_url: safe_url(dest_url),
                title,
                id,
            })],
            Event::Start(Tag::Image {
                link_type,
                dest_url,
                title,
                id,
            }) => vec![Event::Start(Tag::Image {
                link_type,
                dest_url: safe_url(dest_url),
                title,
                id,
            })],
            other => vec![other],
        }
    }

    /// The opening of a code block: its language label and copy button.
    fn code_head(&self, label: &str) -> String {
        format!(
            "<div class=\"code-block\"><div class=\"code-head\"><span class=\"code-lang\">{}</span>\
    <button type=\"button\" class=\"code-copy\" data-copy-code=\"\" data-copied=\"{}\" title=\"{}\">{}</button></div>",
            escape(label),
            escape(&self.copied),
            escape(&self.copy_title),
            escape(&self.copy),
        )
    }
}

/// Link and image targets by allowlist: `http`, `https` and `mailto`
/// URLs, and URLs without a scheme (relative, site paths, `#fragment`).
/// Anything else (`javascript:`, `vbscript:`, `data:`, `file:`, …) becomes
/// `#`. The scheme is read the way browsers read it: tabs and newlines
/// anywhere and leading spaces or control characters do not count.
/// Entities are already decoded by the parser.
fn safe_url(url: CowStr<'_>) -> CowStr<'_> {
    if url_scheme_allowed(&url) {
        url
    } else {
        CowStr::Borrowed("#")
    }
}

fn url_scheme_allowed(url: &str) -> bool {
    let cleaned: String = url
        .trim_start_matches(|c: char| c <= ' ')
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .collect();
    let scheme_end = cleaned.find([':', '/', '?', '#']);
    match scheme_end {
        Some(end) if cleaned[end..].starts_with(':') => {
            let scheme = cleaned[..end].to_ascii_lowercase();
            matches!(scheme.as_str(), "http" | "https" | "mailto")
        }
        // No scheme: relative to the page.
        _ => true,
    }
}

/// Escapes text for use inside HTML.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(source: &str, allow_html: bool) -> String {
        Markdown {
            allow_html,
            ..Markdown::default()
        }
        .render(source)
    }

    fn render_linked(source: &str, allow_html: bool, links: &[ElementLink]) -> String {
        Markdown {
            allow_html,
            ..Markdown::default()
        }
        .render_linked(source, links)
    }

    fn latex() -> Markdown {
        Markdown {
            latex: true,
            ..Markdown::default()
        }
    }

    #[test]
    fn dollars_are_math_only_when_latex_is_on() {
        let source = "The area is $\\pi r^2$.\n\n$$\\sum_{i=1}^n i$$\n";
        let off = render(source, false);
        assert!(!off.contains("<math"), "{off}");
        assert!(off.contains("$\\pi r^2$"), "{off}");
        let on = latex().render(source);
        assert_eq!(on.matches("<math").count(), 2, "{on}");
        assert!(on.contains("math-inline"), "{on}");
        assert!(on.contains("math-display"), "{on}");
        assert!(on.contains("display=\"block\""), "{on}");
        assert!(on.contains("<mi>π</mi>") || on.contains(">π<"), "{on}");
        // Prices stay prices, even with LaTeX on.
        let prices = latex().render("It costs $5 and $10.");
        assert!(!prices.contains("<math"), "{prices}");
    }

    #[test]
    fn math_cannot_smuggle_markup() {
        for source in [
            "$\\text{<img src=x onerror=alert(1)>}$",
            "$x</annotation></semantics></math><img src=x onerror=alert(1)>$",
            "$\\color{red\" onload=\"alert(1)}{x}$",
            "$\\unknowncommand{<b>}$",
            "$\\frac{<img src=x onerror=alert(1)>$",
            "$a<b$",
            "$a<img src=x onerror=alert(1)>$",
            "$\\operatorname{<b>}$",
            "$\\mathrm{<b>x}$",
        ] {
            let html = latex().render(source);
            assert!(!html.contains("<img"), "{source} -> {html}");
            assert!(!html.contains("<b>"), "{source} -> {html}");
            assert!(!html.contains("onload=\""), "{source} -> {html}");
        }
        let bad = latex().render("$\\unknowncommand{<b>}$");
        assert!(bad.contains("math-error"), "{bad}");
        assert!(bad.contains("\\unknowncommand{&lt;b&gt;}"), "{bad}");
    }

    #[test]
    fn code_is_never_math() {
        let html = latex().render("`$x$`\n\n```\n$$y$$\n```\n");
        assert!(!html.contains("<math"), "{html}");
        assert!(!latex().render_code("$x$", "python").contains("<math"));
    }

    #[test]
    fn the_copy_button_speaks_the_pages_language() {
        let md = Markdown {
            copy: "Copier".into(),
            copy_title: "Copier le code".into(),
            copied: "Copié".into(),
            ..Markdown::default()
        };
        let html = md.render("```\nx\n```\n");
        assert!(html.contains(">Copier</button>"), "{html}");
        assert!(html.contains("title=\"Copier le code\""), "{html}");
        assert!(html.contains("data-copied=\"Copié\""), "{html}");
    }

    #[test]
    fn raw_html_is_escaped_unless_allowed() {
        let src = "Hi <script>alert(1)</script>\n\n<div onclick=\"x()\">block</div>\n";
        let safe = render(src, false);
        assert!(!safe.contains("<script>"), "{safe}");
        assert!(!safe.contains("<div onclick"), "{safe}");
        assert!(safe.contains("&lt;script&gt;"), "{safe}");
        let raw = render(src, true);
        assert!(raw.contains("<script>"), "{raw}");
    }

    #[test]
    fn code_blocks_get_a_language_label_and_copy_button() {
        let html = render("```rust\nfn main() {}\n```\n", false);
        assert!(
            html.contains("<span class=\"code-lang\">rust</span>"),
            "{html}"
        );
        assert!(html.contains("data-copy-code"), "{html}");
        assert!(
            html.contains("<code class=\"language-rust\"><span class=\"hl-k\">fn</span> <span class=\"hl-f\">main</span>() {}\n</code>"),
            "{html}"
        );
        let unknown = render("```brainfuck\n+[<]\n```\n", false);
        assert!(
            unknown.contains("<code class=\"language-brainfuck\">+[&lt;]"),
            "{unknown}"
        );
        assert!(render("```\nx\n```\n", false).contains(">text</span>"));
    }

    #[test]
    fn tables_lists_and_headings_render() {
        let html = render(
            "## Title\n\n- a\n- b\n\n| x | y |\n|---|---|\n| 1 | 2 |\n",
            false,
        );
        assert!(html.contains("<h2>Title</h2>"), "{html}");
        assert!(html.contains("<li>a</li>"), "{html}");
        assert!(html.contains("<table>"), "{html}");
    }

    #[test]
    fn element_names_become_links_outside_code_and_links() {
        let links = [
            ElementLink {
                name: "chart".into(),
                id: "e1".into(),
                page: false,
            },
            ElementLink {
                name: "chart 2".into(),
                id: "e2".into(),
                page: true,
            },
        ];
        let html = render_linked(
            "See chart and chart 2. `chart` [chart](https://x)\n\n```\nchart\n```\n",
            false,
            &links,
        );
        assert_eq!(
            html.matches("data-testid=\"element-link\"").count(),
            2,
            "{html}"
        );
        assert!(
            html.contains("data-element-id=\"e1\" data-display=\"side\""),
            "{html}"
        );
        assert!(
            html.contains("href=\"/element/e2\" target=\"_blank\""),
            "{html}"
        );
        assert!(html.contains("<code>chart</code>"), "{html}");
        let escaped = render_linked(
            "<b>x</b>",
            false,
            &[ElementLink {
                name: "b".into(),
                id: "\"><script>".into(),
                page: false,
            }],
        );
        assert!(!escaped.contains("<script>"), "{escaped}");
        assert!(!escaped.contains("<b>"), "{escaped}");
    }

    #[test]
    fn script_urls_are_neutralised() {
        let html = render(
            "[x](javascript:alert(1)) [y]( JavaScript:alert(1)) [ok](https://a.b)",
            false,
        );
        assert!(!html.to_ascii_lowercase().contains("javascript:"), "{html}");
        assert!(html.contains("href=\"https://a.b\""), "{html}");
    }

    #[test]
    fn only_web_mail_and_relative_urls_survive() {
        let refused = [
            "[a](data:text/html,hi)",
            "[a](vbscript:msgbox)",
            "[a](file:///etc/passwd)",
            "![a](file:///etc/passwd)",
            "![a](data:image/svg+xml,x)",
            "[a](&#106;avascript:alert(1))",
            "[a](java&#x09;script:alert(1))",
            "[a](<java\tscript:alert(1)>)",
            "<javascript:alert(1)>",
            "<file:///etc/passwd>",
            "[a][r]\n\n[r]: javascript:alert(1)",
            "[a][r]\n\n[r]: FILE:///etc/passwd",
            "[a](blob:https://x/y)",
        ];
        for markdown in refused {
            let html = render(markdown, false).to_ascii_lowercase();
            for scheme in ["javascript:", "vbscript:", "data:", "file:", "blob:"] {
                assert!(
                    !html.contains(&format!("=\"{scheme}")),
                    "{markdown} -> {html}"
                );
            }
            assert!(html.contains("=\"#\""), "{markdown} -> {html}");
        }
        let kept = [
            (
                "[a](https://example.com/x?y#z)",
                "https://example.com/x?y#z",
            ),
            ("[a](http://example.com)", "http://example.com"),
            ("[a](mailto:ada@example.com)", "mailto:ada@example.com"),
            ("[a](/thread/abc)", "/thread/abc"),
            ("[a](docs/page.html)", "docs/page.html"),
            ("[a](#section)", "#section"),
            ("[a](?q=1)", "?q=1"),
            ("<https://example.com>", "https://example.com"),
            (
                "[a][r]\n\n[r]: https://example.com/ref",
                "https://example.com/ref",
            ),
            ("![a](/element/x/content)", "/element/x/content"),
        ];
        for (markdown, url) in kept {
            let html = render(markdown, false);
            assert!(
                html.contains(&format!("=\"{url}\"")),
                "{markdown} -> {html}"
            );
        }
    }
}
