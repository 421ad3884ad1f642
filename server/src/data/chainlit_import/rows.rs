//! Rows as read from either Chainlit schema ([`super::schema`] casts both to
//! these shapes), a page at a time.

/// Rows read per query: enough to keep round trips few, small enough that
/// a database of any size is read in bounded memory.
pub const PAGE_ROWS: i64 = 500;

/// A Chainlit user.
#[derive(Debug, sqlx::FromRow)]
pub struct UserRow {
    pub id: String,
    pub identifier: String,
}

/// A Chainlit thread, with its owner's identifier.
#[derive(Debug, sqlx::FromRow)]
pub struct ThreadRow {
    pub id: String,
    pub name: Option<String>,
    pub created_at: Option<String>,
    /// The last step's time (SQLAlchemy), or the row's `updatedAt`.
    pub updated_at: Option<String>,
    pub user_identifier: Option<String>,
    /// A JSON array of strings.
    pub tags: Option<String>,
    /// A JSON object.
    pub metadata: Option<String>,
    /// Soft-deleted (the official layer's `deletedAt`).
    pub deleted: bool,
}

/// A Chainlit step.
#[derive(Debug, sqlx::FromRow)]
pub struct StepRow {
    pub id: String,
    pub thread_id: Option<String>,
    pub parent_id: Option<String>,
    pub name: Option<String>,
    pub kind: String,
    pub input: Option<String>,
    pub output: Option<String>,
    pub is_error: Option<bool>,
    /// `"true"`, `"false"`, or a language such as `"json"`.
    pub show_input: Option<String>,
    pub language: Option<String>,
    pub metadata: Option<String>,
    pub tags: Option<String>,
    pub created_at: Option<String>,
    pub start_at: Option<String>,
    pub end_at: Option<String>,
}

/// A Chainlit element.
#[derive(Debug, sqlx::FromRow)]
pub struct ElementRow {
    pub id: String,
    pub thread_id: Option<String>,
    pub for_id: Option<String>,
    pub kind: Option<String>,
    pub name: String,
    pub display: Option<String>,
    pub size: Option<String>,
    pub mime: Option<String>,
    pub url: Option<String>,
    /// Where Chainlit's storage client keeps the bytes.
    pub object_key: Option<String>,
    pub language: Option<String>,
    pub page: Option<i32>,
    pub props: Option<String>,
    pub created_at: Option<String>,
}

/// A Chainlit feedback.
#[derive(Debug, sqlx::FromRow)]
pub struct FeedbackRow {
    pub id: String,
    pub thread_id: Option<String>,
    pub for_id: Option<String>,
    pub value: f64,
    pub comment: Option<String>,
}
