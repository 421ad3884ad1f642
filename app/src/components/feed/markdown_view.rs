use leptos::prelude::*;

use crate::client::StepModel;
use crate::markdown::{self, awaits_math, BlockSplitter, ElementLink, Markdown};
use crate::protocol::Display;

/// Rendered blocks: (key, html). Keys change when a block's html changes.
type Blocks = Vec<(u64, String)>;

struct Renderer {
    splitter: BlockSplitter,
    version: u32,
    next_key: u64,
    final_render: bool,
    /// The element links the final render was made with.
    links: Vec<ElementLink>,
    /// The final render shows a formula whose markup is on its way.
    final_awaits_math: bool,
    /// Finished blocks that do (index in the blocks, range of the text).
    blocks_awaiting_math: Vec<(usize, std::ops::Range<usize>)>,
    markdown: Markdown,
}

/// A step's output rendered as markdown. While it streams, finished blocks
/// are rendered once and only the unfinished tail is re-rendered, so the
/// work per token stays bounded however long the message grows; when it
/// ends, the whole text is rendered once more as one document.
#[component]
pub fn MarkdownView(
    model: StepModel,
    /// The `data-testid` of the rendered body.
    #[prop(default = "message-content")]
    testid: &'static str,
) -> impl IntoView {
    let blocks = RwSignal::new(Blocks::new());
    let tail = RwSignal::new(String::new());
    let state = StoredValue::new(Renderer {
        splitter: BlockSplitter::default(),
        version: 0,
        next_key: 0,
        final_render: false,
        links: Vec::new(),
        final_awaits_math: false,
        blocks_awaiting_math: Vec::new(),
        markdown: markdown::for_page(),
    });
    // Side and page elements are linked where their names appear.
    let links = Memo::new(move |_| {
        model.elements.with(|elements| {
            elements
                .iter()
                .filter(|e| e.display != Display::Inline)
                .map(|e| ElementLink {
                    name: e.name.clone(),
                    id: e.id.clone(),
                    page: e.display == Display::Page,
                })
                .collect::<Vec<_>>()
        })
    });

    let refresh = move || {
        // A render waiting for math runs again when it arrives.
        if state.with_value(|r| r.final_awaits_math || !r.blocks_awaiting_math.is_empty()) {
            markdown::track_math();
        }
        let (streaming, language) = model.step.with(|s| (s.streaming, s.language.clone()));
        let version = model.output_version.get();
        model.output.with(|text| {
            state.update_value(|r| {
                let reset = r.version != version || text.len() < r.splitter.stable_end();
                if reset {
                    r.splitter = BlockSplitter::default();
                    r.version = version;
                    r.final_render = false;
                    r.blocks_awaiting_math.clear();
                    blocks.set(Vec::new());
                }
                if let Some(language) = language.as_deref() {
                    // Code output: one block, rendered as a whole.
                    r.next_key += 1;
                    blocks.set(vec![(r.next_key, r.markdown.render_code(text, language))]);
                    return;
                }
                if !streaming {
                    let stale = links.with(|l| *l != r.links);
                    if !r.final_render || reset || stale || r.final_awaits_math {
                        r.final_render = true;
                        r.blocks_awaiting_math.clear();
                        r.links = links.get();
                        r.next_key += 1;
                        let html = r.markdown.render_linked(text, &r.links);
                        r.final_awaits_math = awaits_math(&html);
                        blocks.set(vec![(r.next_key, html)]);
                        tail.set(String::new());
                    }
                    return;
                }
                r.final_render = false;
                r.final_awaits_math = false;
                // Finished blocks are rendered once, unless their math was
                // still on its way: then again, until it is there.
                if !r.blocks_awaiting_math.is_empty() {
                    let waiting = std::mem::take(&mut r.blocks_awaiting_math);
                    blocks.update(|b| {
                        for (index, range) in waiting {
                            let html = r.markdown.render(&text[range.clone()]);
                            if awaits_math(&html) {
                                r.blocks_awaiting_math.push((index, range));
                            }
                            if let Some(block) = b.get_mut(index).filter(|block| block.1 != html) {
                                r.next_key += 1;
                                *block = (r.next_key, html);
                            }
                        }
                    });
                }
                let finished = r.splitter.advance(text);
                if !finished.is_empty() {
                    blocks.update(|b| {
                        for range in finished {
                            r.next_key += 1;
                            let html = r.markdown.render(&text[range.clone()]);
                            if awaits_math(&html) {
                                r.blocks_awaiting_math.push((b.len(), range));
                            }
                            b.push((r.next_key, html));
                        }
                    });
                }
                tail.set(r.markdown.render(&text[r.splitter.stable_end()..]));
            });
        });
    };
    // Server render and hydration start from the same state.
    untrack(refresh);
    Effect::new(move |_| refresh());

    view! {
        <div class="markdown" data-testid=testid>
            <For each=move || blocks.get() key=|(key, _)| *key let:block>
                <div class="md-block" inner_html=block.1></div>
            </For>
            <div class="md-block md-tail" inner_html=move || tail.get()></div>
        </div>
    }
}
