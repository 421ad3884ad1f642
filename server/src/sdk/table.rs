//! Tables for dataframe elements: built from rows or CSV, stored as JSON,
//! and served to the browser a sorted page at a time.

use std::cmp::Ordering;

use bytes::Bytes;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A table: column names and rows of JSON values (numbers sort as numbers).
///
/// ```
/// use loquat::Table;
/// let table = Table::from_csv("city,people\nLyon,522969\nNice,342669\n").unwrap();
/// assert_eq!(table.columns, ["city", "people"]);
/// assert_eq!(table.rows[1][1], serde_json::json!(342669));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Table {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Value>>,
}

/// Why CSV text could not be read as a table.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CsvError {
    #[error("the CSV has no header row")]
    Empty,
    /// The `csv` reader refused a record.
    #[error("line {line}: {reason}")]
    Unreadable { line: u64, reason: String },
}

/// One page of a table as the browser asks for it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
pub(crate) struct PageQuery {
    #[serde(default)]
    pub(crate) offset: usize,
    #[serde(default)]
    pub(crate) limit: Option<usize>,
    /// Column index to sort by.
    #[serde(default)]
    pub(crate) sort: Option<usize>,
    #[serde(default)]
    pub(crate) desc: bool,
}

/// A page of rows, with the table's total row count.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub(crate) struct TablePage<'a> {
    pub(crate) total: usize,
    pub(crate) offset: usize,
    pub(crate) rows: Vec<&'a Vec<Value>>,
}

/// Largest page served at once.
const MAX_PAGE: usize = 500;

impl Table {
    /// A table with these columns and rows.
    pub fn new(columns: Vec<String>, rows: Vec<Vec<Value>>) -> Self {
        Table { columns, rows }
    }

    /// Reads CSV text with the `csv` crate (first line = column names;
    /// quoted fields with `""` escapes may span lines; rows may be shorter
    /// or longer than the header). Fields that parse as numbers become
    /// numbers.
    pub fn from_csv(text: &str) -> Result<Table, CsvError> {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(text.as_bytes());
        let mut records = reader.records().filter(|r| {
            // Blank lines carry no row.
            !r.as_ref().is_ok_and(|r| r.len() == 1 && r[0].is_empty())
        });
        let unreadable = |err: csv::Error| CsvError::Unreadable {
            line: err.position().map_or(0, csv::Position::line),
            reason: err.to_string(),
        };
        let columns = match records.next() {
            Some(header) => header
                .map_err(unreadable)?
                .iter()
                .map(str::to_string)
                .collect(),
            None => return Err(CsvError::Empty),
        };
        let rows = records
            .map(|record| {
                record
                    .map(|r| r.iter().map(|cell| cell_value(cell.to_string())).collect())
                    .map_err(unreadable)
            })
            .collect::<Result<_, _>>()?;
        Ok(Table { columns, rows })
    }

    pub(crate) fn to_json(&self) -> Bytes {
        Bytes::from(serde_json::to_vec(self).unwrap_or_default())
    }

    /// The rows of one page, sorted as asked. The sort is stable, so equal
    /// cells keep the table's order.
    pub(crate) fn page(&self, query: &PageQuery) -> TablePage<'_> {
        let limit = query.limit.unwrap_or(50).clamp(1, MAX_PAGE);
        let mut order: Vec<&Vec<Value>> = self.rows.iter().collect();
        if let Some(column) = query.sort.filter(|&c| c < self.columns.len()) {
            order.sort_by(|a, b| {
                let ordering = compare(a.get(column), b.get(column));
                if query.desc {
                    ordering.reverse()
                } else {
                    ordering
                }
            });
        }
        let offset = query.offset.min(order.len());
        let end = (offset + limit).min(order.len());
        TablePage {
            total: self.rows.len(),
            offset,
            rows: order[offset..end].to_vec(),
        }
    }
}

/// Numbers before text, text by its characters, empty cells last.
fn compare(a: Option<&Value>, b: Option<&Value>) -> Ordering {
    fn rank(v: Option<&Value>) -> u8 {
        match v {
            Some(Value::Number(_)) => 0,
            Some(Value::Null) | None => 2,
            Some(_) => 1,
        }
    }
    match (a, b) {
        (Some(Value::Number(x)), Some(Value::Number(y))) => {
            let (x, y) = (x.as_f64().unwrap_or(0.0), y.as_f64().unwrap_or(0.0));
            x.partial_cmp(&y).unwrap_or(Ordering::Equal)
        }
        (Some(Value::String(x)), Some(Value::String(y))) => x.cmp(y),
        _ => match rank(a).cmp(&rank(b)) {
            Ordering::Equal => text(a).cmp(&text(b)),
            other => other,
        },
    }
}

fn text(v: Option<&Value>) -> String {
    match v {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    }
}

fn cell_value(cell: String) -> Value {
    let trimmed = cell.trim();
    if let Ok(n) = trimmed.parse::<i64>() {
        return Value::from(n);
    }
    match trimmed.parse::<f64>() {
        Ok(f) if f.is_finite() && !trimmed.is_empty() => Value::from(f),
        _ => Value::String(cell),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn csv_quotes_escapes_and_numbers() {
        let t = Table::from_csv("a,b,c\r\n\"x, y\",\"say \"\"hi\"\"\",1.5\n\"multi\nline\",,7\n")
            .expect("csv");
        assert_eq!(t.columns, ["a", "b", "c"]);
        assert_eq!(
            t.rows[0],
            vec![json!("x, y"), json!("say \"hi\""), json!(1.5)]
        );
        assert_eq!(t.rows[1], vec![json!("multi\nline"), json!(""), json!(7)]);
        assert_eq!(Table::from_csv(""), Err(CsvError::Empty));
        assert_eq!(Table::from_csv("\n\n"), Err(CsvError::Empty));
        // Rows of another length than the header are kept as they are.
        let ragged = Table::from_csv("a,b\n1\n2,3,4\n").expect("ragged");
        assert_eq!(
            ragged.rows,
            vec![vec![json!(1)], vec![json!(2), json!(3), json!(4)]]
        );
    }

    #[test]
    fn pages_sort_numbers_numerically_and_clamp() {
        let rows = (0..120)
            .map(|i| vec![json!(format!("r{i}")), json!(i % 7)])
            .collect();
        let t = Table::new(vec!["name".into(), "n".into()], rows);
        let page = t.page(&PageQuery {
            offset: 0,
            limit: Some(10),
            sort: Some(1),
            desc: true,
        });
        assert_eq!(page.total, 120);
        assert_eq!(page.rows.len(), 10);
        assert!(page.rows.iter().all(|r| r[1] == json!(6)));
        let last = t.page(&PageQuery {
            offset: 115,
            limit: Some(10),
            ..Default::default()
        });
        assert_eq!(last.rows.len(), 5);
        let beyond = t.page(&PageQuery {
            offset: 1_000,
            ..Default::default()
        });
        assert!(beyond.rows.is_empty());
        assert_eq!(
            compare(Some(&json!(10)), Some(&json!(9))),
            Ordering::Greater
        );
        assert_eq!(compare(Some(&json!(1)), Some(&json!("a"))), Ordering::Less);
        assert_eq!(compare(None, Some(&json!("a"))), Ordering::Greater);
    }
}
