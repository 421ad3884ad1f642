//! Chainlit's two SQL schemas, and the queries that read each into the
//! same row shapes ([`super::rows`]).
//!
//! The official data layer keeps Prisma-style tables (`"User"`, `"Thread"`,
//! `"Step"`, `"Element"`, `"Feedback"`) with `TIMESTAMP(3)` columns; the
//! SQLAlchemy layer keeps `users`, `threads`, `steps`, `elements`,
//! `feedbacks` with UUID ids and ISO 8601 text times. Both quote camelCase
//! column names. The queries cast everything to text, so one decoder serves
//! both; times of the official layer are printed as ISO text in UTC.

use sqlx::PgConnection;

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
    /// Finds which schema the connected database has (in its current
    /// schema, `public` by default).
    pub async fn detect(conn: &mut PgConnection) -> Result<Schema, ChainlitImportError> {
        let names: Vec<String> = sqlx::query_scalar(
            "SELECT table_name::text FROM information_schema.tables \
             WHERE table_schema = current_schema()",
        )
        .fetch_all(conn)
        .await
        .map_err(|source| ChainlitImportError::Read {
            table: "table list",
            source,
        })?;
        let missing = |schema: Schema| -> Vec<&'static str> {
            Table::ALL
                .iter()
                .map(|table| schema.table(*table))
                .filter(|name| !names.iter().any(|n| n == name))
                .collect()
        };
        let official = missing(Schema::Official);
        if official.is_empty() {
            return Ok(Schema::Official);
        }
        let sql_alchemy = missing(Schema::SqlAlchemy);
        if sql_alchemy.is_empty() {
            return Ok(Schema::SqlAlchemy);
        }
        // Name what is missing of the schema the database is closer to.
        let closer = if official.len() <= sql_alchemy.len() {
            official
        } else {
            sql_alchemy
        };
        Err(ChainlitImportError::NotChainlit(closer.join(", ")))
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
                r#"SELECT "id"::text AS id, "identifier" AS identifier
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
                r#"SELECT t."id"::text AS id, t."name" AS name, t."createdAt"::text AS created_at,
                   (SELECT MAX(s."createdAt"::text) FROM steps s WHERE s."threadId" = t."id")
                       AS updated_at,
                   COALESCE(t."userIdentifier", u."identifier") AS user_identifier,
                   to_json(t."tags")::text AS tags, t."metadata"::text AS metadata,
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
                r#"SELECT "id"::text AS id, "threadId"::text AS thread_id,
                   "parentId"::text AS parent_id, "name" AS name, "type" AS kind,
                   "input" AS input, "output" AS output, "isError" AS is_error,
                   "showInput" AS show_input, "language" AS language,
                   "metadata"::text AS metadata, to_json("tags")::text AS tags,
                   "createdAt"::text AS created_at, "start"::text AS start_at,
                   "end"::text AS end_at FROM steps
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
                r#"SELECT e."id"::text AS id, e."threadId"::text AS thread_id,
                   e."forId"::text AS for_id, e."type" AS kind, e."name" AS name,
                   e."display" AS display, e."size" AS size, e."mime" AS mime, e."url" AS url,
                   e."objectKey" AS object_key, e."language" AS language, e."page" AS page,
                   e."props"::text AS props,
                   (SELECT s."createdAt"::text FROM steps s WHERE s."id" = e."forId")
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
                r#"SELECT "id"::text AS id, "threadId"::text AS thread_id,
                   "forId"::text AS for_id, "value"::float8 AS value, "comment" AS comment
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
