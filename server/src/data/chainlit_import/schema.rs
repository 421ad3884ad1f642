//! Chainlit's two SQL schemas, and the queries that read each into the
//! same row shapes ([`super::rows`]).
//!
//! The official data layer keeps Prisma-style tables (`"User"`, `"Thread"`,
//! `"Step"`, `"Element"`, `"Feedback"`) with `TIMESTAMP(3)` columns; the
//! SQLAlchemy layer keeps `users`, `threads`, `steps`, `elements`,
//! `feedbacks` with UUID ids and ISO 8601 text times. Both quote camelCase
//! column names. The queries cast everything to text, so one decoder serves
//! both; times of the official layer are printed as ISO text in UTC.

use super::ChainlitImportError;

/// Which of Chainlit's data layers wrote the database.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Schema {
    /// `chainlit.data.chainlit_data_layer` (the Prisma schema).
    Official,
    /// `chainlit.data.sql_alchemy`.
    SqlAlchemy,
}

/// What an import reads, in the order it reads them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Table {
    Users,
    Threads,
    Steps,
    Elements,
    Feedback,
}

impl Table {
    /// Every table, in import order.
    pub const ALL: [Table; 5] = [
        Table::Users,
        Table::Threads,
        Table::Steps,
        Table::Elements,
        Table::Feedback,
    ];

    /// The plural noun used in reports and errors.
    pub fn noun(self) -> &'static str {
        match self {
            Table::Users => "users",
            Table::Threads => "threads",
            Table::Steps => "steps",
            Table::Elements => "elements",
            Table::Feedback => "feedback",
        }
    }
}

/// `TIMESTAMP(3)` as ISO 8601 UTC text (the official layer writes UTC).
macro_rules! iso {
    ($column:literal) => {
        concat!("to_char(", $column, r#", 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')"#)
    };
}

impl Schema {
    /// Which of `candidates` the database with these tables holds, or
    /// what is missing of the closest one.
    pub fn detect(names: &[String], candidates: &[Schema]) -> Result<Schema, ChainlitImportError> {
        let missing = |schema: Schema| -> Vec<&'static str> {
            Table::ALL
                .iter()
                .map(|table| schema.table(*table))
                .filter(|name| !names.iter().any(|n| n == name))
                .collect()
        };
        let mut closest: Option<Vec<&'static str>> = None;
        for schema in candidates {
            let absent = missing(*schema);
            if absent.is_empty() {
                return Ok(*schema);
            }
            if closest.as_ref().is_none_or(|c| absent.len() < c.len()) {
                closest = Some(absent);
            }
        }
        Err(ChainlitImportError::NotChainlit(
            closest.unwrap_or_default().join(", "),
        ))
    }

    /// The table's name in this schema.
    pub fn table(self, table: Table) -> &'static str {
        match (self, table) {
            (Schema::Official, Table::Users) => "User",
            (Schema::Official, Table::Threads) => "Thread",
            (Schema::Official, Table::Steps) => "Step",
            (Schema::Official, Table::Elements) => "Element",
            (Schema::Official, Table::Feedback) => "Feedback",
            (Schema::SqlAlchemy, Table::Users) => "users",
            (Schema::SqlAlchemy, Table::Threads) => "threads",
            (Schema::SqlAlchemy, Table::Steps) => "steps",
            (Schema::SqlAlchemy, Table::Elements) => "elements",
            (Schema::SqlAlchemy, Table::Feedback) => "feedbacks",
        }
    }

    /// The query reading one page of `table` (`$1` rows after skipping
    /// `$2`), in a stable order: steps by thread, then time, so each thread's
    /// steps arrive in the order they happened.
    pub fn page_query(self, table: Table) -> &'static str {
        match (self, table) {
            (Schema::Official, Table::Users) => {
                r#"SELECT "id"::text AS id, "identifier" AS identifier
                   FROM "User" ORDER BY "id" LIMIT $1 OFFSET $2"#
            }
            (Schema::SqlAlchemy, Table::Users) => {
                r#"SELECT CAST("id" AS TEXT) AS id, "identifier" AS identifier
                   FROM users ORDER BY "id" LIMIT $1 OFFSET $2"#
            }
            (Schema::Official, Table::Threads) => concat!(
                r#"SELECT t."id"::text AS id, t."name" AS name, "#,
                iso!(r#"t."createdAt""#),
                " AS created_at, ",
                iso!(r#"t."updatedAt""#),
                r#" AS updated_at, u."identifier" AS user_identifier,
                   to_json(t."tags")::text AS tags, t."metadata"::text AS metadata,
                   t."deletedAt" IS NOT NULL AS deleted
                   FROM "Thread" t LEFT JOIN "User" u ON u."id" = t."userId"
                   ORDER BY t."id" LIMIT $1 OFFSET $2"#
            ),
            (Schema::SqlAlchemy, Table::Threads) => {
                r#"SELECT CAST(t."id" AS TEXT) AS id, t."name" AS name,
                   CAST(t."createdAt" AS TEXT) AS created_at,
                   (SELECT MAX(CAST(s."createdAt" AS TEXT)) FROM steps s
                       WHERE s."threadId" = t."id") AS updated_at,
                   COALESCE(t."userIdentifier", u."identifier") AS user_identifier,
                   CAST(t."tags" AS TEXT) AS tags, CAST(t."metadata" AS TEXT) AS metadata,
                   FALSE AS deleted
                   FROM threads t LEFT JOIN users u ON u."id" = t."userId"
                   ORDER BY t."id" LIMIT $1 OFFSET $2"#
            }
            (Schema::Official, Table::Steps) => concat!(
                r#"SELECT "id"::text AS id, "threadId"::text AS thread_id,
                   "parentId"::text AS parent_id, "name" AS name, "type"::text AS kind,
                   "input" AS input, "output" AS output, "isError" AS is_error,
                   "showInput" AS show_input, NULL::text AS language,
                   "metadata"::text AS metadata, NULL::text AS tags, "#,
                iso!(r#""startTime""#),
                " AS created_at, ",
                iso!(r#""startTime""#),
                " AS start_at, ",
                iso!(r#""endTime""#),
                r#" AS end_at FROM "Step"
                   ORDER BY "threadId", "startTime", "createdAt", "id" LIMIT $1 OFFSET $2"#
            ),
            (Schema::SqlAlchemy, Table::Steps) => {
                r#"SELECT CAST("id" AS TEXT) AS id, CAST("threadId" AS TEXT) AS thread_id,
                   CAST("parentId" AS TEXT) AS parent_id, "name" AS name, "type" AS kind,
                   "input" AS input, "output" AS output, "isError" AS is_error,
                   "showInput" AS show_input, "language" AS language,
                   CAST("metadata" AS TEXT) AS metadata, CAST("tags" AS TEXT) AS tags,
                   CAST("createdAt" AS TEXT) AS created_at, CAST("start" AS TEXT) AS start_at,
                   CAST("end" AS TEXT) AS end_at FROM steps
                   ORDER BY "threadId", "createdAt", "start", "id" LIMIT $1 OFFSET $2"#
            }
            (Schema::Official, Table::Elements) => concat!(
                r#"SELECT "id"::text AS id, "threadId"::text AS thread_id,
                   "stepId"::text AS for_id, "metadata"->>'type' AS kind, "name" AS name,
                   "display" AS display, "size" AS size, "mime" AS mime, "url" AS url,
                   "objectKey" AS object_key, "language" AS language, "page" AS page,
                   "props"::text AS props, "#,
                iso!(r#""createdAt""#),
                r#" AS created_at FROM "Element" ORDER BY "id" LIMIT $1 OFFSET $2"#
            ),
            (Schema::SqlAlchemy, Table::Elements) => {
                r#"SELECT CAST(e."id" AS TEXT) AS id, CAST(e."threadId" AS TEXT) AS thread_id,
                   CAST(e."forId" AS TEXT) AS for_id, e."type" AS kind, e."name" AS name,
                   e."display" AS display, e."size" AS size, e."mime" AS mime, e."url" AS url,
                   e."objectKey" AS object_key, e."language" AS language, e."page" AS page,
                   CAST(e."props" AS TEXT) AS props,
                   (SELECT CAST(s."createdAt" AS TEXT) FROM steps s WHERE s."id" = e."forId")
                       AS created_at
                   FROM elements e ORDER BY e."id" LIMIT $1 OFFSET $2"#
            }
            (Schema::Official, Table::Feedback) => {
                r#"SELECT f."id"::text AS id, s."threadId"::text AS thread_id,
                   f."stepId"::text AS for_id, f."value"::float8 AS value, f."comment" AS comment
                   FROM "Feedback" f LEFT JOIN "Step" s ON s."id" = f."stepId"
                   ORDER BY f."id" LIMIT $1 OFFSET $2"#
            }
            (Schema::SqlAlchemy, Table::Feedback) => {
                r#"SELECT CAST("id" AS TEXT) AS id, CAST("threadId" AS TEXT) AS thread_id,
                   CAST("forId" AS TEXT) AS for_id, CAST("value" AS DOUBLE PRECISION) AS value,
                   "comment" AS comment
                   FROM feedbacks ORDER BY "id" LIMIT $1 OFFSET $2"#
            }
        }
    }
}

impl std::fmt::Display for Schema {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Schema::Official => "Chainlit's official data layer",
            Schema::SqlAlchemy => "Chainlit's SQLAlchemy data layer",
        })
    }
}
