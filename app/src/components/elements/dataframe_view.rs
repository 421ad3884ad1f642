use leptos::prelude::*;
use serde_json::Value;

use crate::i18n::{t, t_with};
use crate::protocol::Element;

/// Rows per page.
const PAGE_ROWS: usize = 20;

/// The state of the table view: which page, sorted how, and its rows.
#[derive(Clone, Debug, Default, PartialEq)]
struct View {
    offset: usize,
    sort: Option<usize>,
    desc: bool,
}

#[derive(Clone, Debug, Default, PartialEq, serde::Deserialize)]
struct Page {
    total: usize,
    offset: usize,
    rows: Vec<Vec<Value>>,
}

/// A sortable, paginated table. Rows come from the server a page at a time
/// (sorted there), so a table of any length costs one page in the browser.
#[component]
pub fn DataframeView(element: Element) -> impl IntoView {
    let columns: Vec<String> = element
        .props
        .get("columns")
        .and_then(|c| serde_json::from_value(c.clone()).ok())
        .unwrap_or_default();
    let row_count = element
        .props
        .get("row_count")
        .and_then(|n| n.as_u64())
        .unwrap_or(0) as usize;
    let view_state = RwSignal::new(View::default());
    let page = RwSignal::new(Page {
        total: row_count,
        ..Default::default()
    });
    let error = RwSignal::new(None::<String>);
    let base = crate::root_path::href(&format!("/element/{}/rows", element.id));

    Effect::new(move |_| {
        let View { offset, sort, desc } = view_state.get();
        let mut url = format!("{base}?offset={offset}&limit={PAGE_ROWS}");
        if let Some(column) = sort {
            url.push_str(&format!("&sort={column}&desc={desc}"));
        }
        load(url, page, error);
    });

    let header = columns
        .iter()
        .enumerate()
        .map(|(index, name)| {
            let sorted = move || {
                view_state.with(|v| match v.sort {
                    Some(c) if c == index && v.desc => "descending",
                    Some(c) if c == index => "ascending",
                    _ => "none",
                })
            };
            let click = move |_| {
                view_state.update(|v| {
                    if v.sort == Some(index) {
                        v.desc = !v.desc;
                    } else {
                        v.sort = Some(index);
                        v.desc = false;
                    }
                    v.offset = 0;
                })
            };
            view! {
                <th aria-sort=sorted>
                    <button type="button" class="dataframe-sort" data-testid="dataframe-sort" data-column=index on:click=click>
                        {name.clone()}
                        <span class="sort-mark" aria-hidden="true">
                            {move || match sorted() { "ascending" => "▲", "descending" => "▼", _ => "" }}
                        </span>
                    </button>
                </th>
            }
        })
        .collect_view();

    let status = move || {
        page.with(|p| {
            if p.total == 0 {
                t("table.no_rows")
            } else {
                let first = p.offset + 1;
                let last = (p.offset + p.rows.len()).max(first);
                t_with(
                    "table.rows",
                    &[
                        ("first", &first.to_string()),
                        ("last", &last.to_string()),
                        ("total", &p.total.to_string()),
                    ],
                )
            }
        })
    };
    let go = move |delta: isize| {
        view_state.update(|v| {
            let total = page.with_untracked(|p| p.total);
            let next = v.offset as isize + delta * PAGE_ROWS as isize;
            if next >= 0 && (next as usize) < total {
                v.offset = next as usize;
            }
        })
    };
    let at_start = move || view_state.with(|v| v.offset == 0);
    let at_end = move || {
        let offset = view_state.with(|v| v.offset);
        page.with(|p| offset + PAGE_ROWS >= p.total)
    };

    let table = view! {
            <div class="dataframe-scroll">
                <table>
                    <thead><tr>{header}</tr></thead>
                    <tbody>
                        <For
                            each=move || page.with(|p| p.rows.iter().cloned().enumerate().map(|(i, r)| (p.offset + i, r)).collect::<Vec<_>>())
                            key=|(i, row)| (*i, Value::Array(row.clone()).to_string())
                            let:row
                        >
                            <tr data-testid="dataframe-row">
                                {row.1.iter().map(|cell| view! { <td>{cell_text(cell)}</td> }).collect_view()}
                            </tr>
                        </For>
                    </tbody>
                </table>
            </div>
    };
    let foot = view! {
            <div class="dataframe-foot">
                <span data-testid="dataframe-status">{status}</span>
                {move || error.get().map(|e| view! { <span class="dataframe-error">{e}</span> })}
                <button type="button" class="btn btn-small" data-testid="dataframe-prev" disabled=at_start on:click=move |_| go(-1)>{t("element.previous")}</button>
                <button type="button" class="btn btn-small" data-testid="dataframe-next" disabled=at_end on:click=move |_| go(1)>{t("element.next")}</button>
            </div>
    };
    view! {
        <figcaption class="element-name">{element.name.clone()}</figcaption>
        <div class="dataframe" data-testid="dataframe">{table}{foot}</div>
    }
}

fn cell_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

#[cfg(feature = "hydrate")]
fn load(url: String, page: RwSignal<Page>, error: RwSignal<Option<String>>) {
    let i18n = crate::i18n::i18n();
    leptos::task::spawn_local(async move {
        let loaded = crate::components::dom::fetch_text(&url)
            .await
            .and_then(|text| serde_json::from_str::<Page>(&text).map_err(|e| e.to_string()));
        match loaded {
            Ok(p) => {
                error.set(None);
                page.set(p);
            }
            Err(e) => error.set(Some(i18n.t_with("table.load_failed", &[("reason", &e)]))),
        }
    });
}

#[cfg(not(feature = "hydrate"))]
fn load(_url: String, _page: RwSignal<Page>, _error: RwSignal<Option<String>>) {}
