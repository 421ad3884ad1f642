//! Persistence throughput of the SQL data layer: steps per second for
//! batched writes, and the time to load a long thread; on SQLite files, or
//! with `--postgres URL` on fresh databases of that PostgreSQL server.
//!
//! ```sh
//! cargo bench -p loquat --bench persistence
//! cargo bench -p loquat --bench persistence -- --threads 100 --steps 100 --batches 1,50,500 --load 1000
//! scripts/services.sh sh -c 'cargo bench -p loquat --bench persistence -- --postgres "$LOQUAT_TEST_POSTGRES_URL"'
//! ```
//!
//! Each write scenario starts from an empty database file in a fresh temp
//! directory and writes `--threads` × `--steps` message steps, one thread
//! after the other, in batches of the given size. A batch carries an upsert
//! of every thread it touches, as the runtime's merged batches do, and is one
//! [`DataLayer::write`] (one transaction). One task writes, as the runtime's
//! single writer does. Then all steps are written again in batches of 50 as
//! updates of existing steps (the end of streaming).
//!
//! The load scenario reads a `--load`-step thread with
//! [`DataLayer::thread_with_steps`] `--runs` times and reports the median.
//! The history scenarios list the first page of 50 threads and run
//! full-text searches over all of them: a word in no message, a rare word
//! (in about one message in a hundred), a word prefix, two words, and a
//! word in almost every message (every thread matches: the worst case of
//! ranking). Each search is also run as the `LIKE` query history used
//! before full-text search, on the same data, for comparison.
// Until `[[bench]] name = "persistence" harness = false` is in Cargo.toml,
// cargo builds this file as a libtest harness, where `main` is never called.
#![cfg_attr(test, allow(dead_code))]

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::Parser;
use std::sync::Arc;

use loquat::data::{DataLayer, ThreadFilter, ThreadRecord, WriteBatch};
use loquat::{Step, StepType, ThreadId, UserId};

#[derive(Debug, Parser)]
#[command(
    name = "persistence",
    about = "Measure the SQL data layer's write and load speed (SQLite, or PostgreSQL with --postgres)"
)]
struct Args {
    /// Threads written in each write scenario.
    #[arg(long, default_value_t = 100)]
    threads: usize,
    /// Steps in each thread.
    #[arg(long, default_value_t = 100)]
    steps: usize,
    /// Batch sizes (steps per transaction) to measure.
    #[arg(long, value_delimiter = ',', default_value = "1,50,500")]
    batches: Vec<usize>,
    /// Steps of the thread loaded in the load scenario.
    #[arg(long, default_value_t = 1000)]
    load: usize,
    /// Repetitions of each read scenario (the median is shown).
    #[arg(long, default_value_t = 20)]
    runs: usize,
    /// Where to create the temp directory (default: the system temp dir).
    #[arg(long)]
    dir: Option<PathBuf>,
    /// Measure PostgreSQL instead of SQLite: a server where this role may
    /// create databases (each scenario gets a new one, dropped after).
    #[arg(long)]
    postgres: Option<String>,
    /// Passed by `cargo bench`; ignored.
    #[arg(long, hide = true)]
    bench: bool,
}

/// A directory removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(base: &Path) -> Result<TempDir, String> {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        let path = base.join(format!(
            "loquat-persistence-bench-{}-{nanos}",
            std::process::id()
        ));
        std::fs::create_dir_all(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        Ok(TempDir(path))
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// One line of the table.
struct Row {
    scenario: String,
    steps: usize,
    transactions: usize,
    time: Duration,
}

impl Row {
    fn steps_per_s(&self) -> f64 {
        self.steps as f64 / self.time.as_secs_f64().max(1e-9)
    }
}

fn main() -> ExitCode {
    let args = Args::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("persistence: cannot start tokio: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(&args)) {
        Ok(rows) => {
            print!("{}", table(&args, &rows));
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("persistence: {e}");
            ExitCode::FAILURE
        }
    }
}

const WORDS: [&str; 16] = [
    "the", "quick", "brown", "fox", "jumps", "over", "lazy", "dog", "while", "models", "stream",
    "tokens", "into", "threads", "of", "chat",
];

/// A word in about one message in a hundred (see [`text`]).
const RARE_WORD: &str = "zeppelin";

/// A message of about 300 characters; one in 101 also says [`RARE_WORD`].
fn text(seed: usize) -> String {
    let mut out = String::with_capacity(320);
    let mut i = seed;
    while out.len() < 300 {
        out.push_str(WORDS[i % WORDS.len()]);
        out.push(' ');
        i = i.wrapping_mul(31).wrapping_add(7);
    }
    if seed.is_multiple_of(101) {
        out.push_str(RARE_WORD);
    }
    out
}

fn thread_id(t: usize) -> String {
    format!("thread-{t:05}")
}

fn step(t: usize, s: usize) -> Step {
    let at = 1_700_000_000_000 + (t * 10_000 + s) as u64;
    let user = s.is_multiple_of(2);
    let mut metadata = serde_json::Map::new();
    if !user {
        metadata.insert("model".into(), serde_json::json!("bench-model"));
        metadata.insert("tokens".into(), serde_json::json!(s * 3));
    }
    Step {
        id: format!("step-{t:05}-{s:05}"),
        thread_id: thread_id(t),
        parent_id: None,
        name: if user { "User" } else { "Assistant" }.into(),
        step_type: if user {
            StepType::UserMessage
        } else {
            StepType::AssistantMessage
        },
        output: text(t * 7 + s),
        metadata,
        created_at: at,
        start: Some(at),
        end: Some(at + 5),
        ..Default::default()
    }
}

fn upsert(t: usize, user_id: &str, updated_at: u64) -> ThreadRecord {
    ThreadRecord {
        id: thread_id(t),
        user_id: user_id.into(),
        name: Some(format!("Thread {t}")),
        created_at: 1_700_000_000_000,
        updated_at,
        tags: vec![],
        metadata: Default::default(),
    }
}

/// Writes `steps` in batches of `size`, each with an upsert of the threads
/// it touches; returns the number of transactions.
async fn write_batches(
    data: &dyn DataLayer,
    user_id: &str,
    steps: &[(usize, Step)],
    size: usize,
) -> Result<usize, String> {
    let mut transactions = 0;
    for chunk in steps.chunks(size.max(1)) {
        let mut threads: Vec<ThreadRecord> = Vec::new();
        for (t, step) in chunk {
            if threads.last().map(|u| u.id.as_str()) != Some(step.thread_id.as_str()) {
                threads.push(upsert(*t, user_id, step.created_at));
            }
        }
        data.write(WriteBatch {
            threads,
            steps: chunk.iter().map(|(_, s)| s.clone()).collect(),
            deleted_steps: vec![],
            ..Default::default()
        })
        .await
        .map_err(|e| e.to_string())?;
        transactions += 1;
    }
    Ok(transactions)
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times.get(times.len() / 2).copied().unwrap_or_default()
}

/// A new, empty store named `name`: a file in `dir`, or a database on the
/// `--postgres` server (made anew).
async fn open(args: &Args, dir: &TempDir, name: &str) -> Result<Arc<dyn DataLayer>, String> {
    use sqlx::Connection;
    let Some(admin) = &args.postgres else {
        return loquat::data::open(None, &dir.0.join(format!("{name}.db")))
            .await
            .map_err(|e| e.to_string());
    };
    let database = format!("loquat_bench_{name}");
    let mut conn = sqlx::PgConnection::connect(admin)
        .await
        .map_err(|e| format!("{admin}: {e}"))?;
    for sql in [
        format!("DROP DATABASE IF EXISTS {database}"),
        format!("CREATE DATABASE {database}"),
    ] {
        sqlx::query(&sql)
            .execute(&mut conn)
            .await
            .map_err(|e| e.to_string())?;
    }
    let mut url = reqwest::Url::parse(admin).map_err(|e| e.to_string())?;
    url.set_path(&database);
    loquat::data::open(Some(url.as_str()), &dir.0.join("unused.db"))
        .await
        .map_err(|e| e.to_string())
}

async fn run(args: &Args) -> Result<Vec<Row>, String> {
    let base = args.dir.clone().unwrap_or_else(std::env::temp_dir);
    let dir = TempDir::new(&base)?;
    let all: Vec<(usize, Step)> = (0..args.threads)
        .flat_map(|t| (0..args.steps).map(move |s| (t, step(t, s))))
        .collect();
    let mut rows = Vec::new();

    for (n, &size) in args.batches.iter().enumerate() {
        let data = open(args, &dir, &format!("write_{n}")).await?;
        let user = data
            .get_or_create_user("bench")
            .await
            .map_err(|e| e.to_string())?;
        let started = Instant::now();
        let transactions = write_batches(&*data, &user.id, &all, size).await?;
        rows.push(Row {
            scenario: format!("insert, batches of {size}"),
            steps: all.len(),
            transactions,
            time: started.elapsed(),
        });
        if n + 1 == args.batches.len() {
            let started = Instant::now();
            let transactions = write_batches(&*data, &user.id, &all, 50).await?;
            rows.push(Row {
                scenario: "update, batches of 50".into(),
                steps: all.len(),
                transactions,
                time: started.elapsed(),
            });
            let user_id = UserId::parse(&user.id).ok_or("malformed user id")?;
            history(args, &*data, &user_id, &mut rows).await?;
            drop(data);
            let like = LikeSearch::open(args, &dir, &format!("write_{n}")).await?;
            like.run(args, &user.id, &mut rows).await?;
            like.close().await;
            continue;
        }
        drop(data);
    }

    // One long thread.
    let data = open(args, &dir, "load").await?;
    let user = data
        .get_or_create_user("bench")
        .await
        .map_err(|e| e.to_string())?;
    let long: Vec<(usize, Step)> = (0..args.load).map(|s| (0, step(0, s))).collect();
    write_batches(&*data, &user.id, &long, 500).await?;
    let user_id = UserId::parse(&user.id).ok_or("malformed user id")?;
    let long_thread = ThreadId::parse(&thread_id(0)).ok_or("malformed thread id")?;
    let mut times = Vec::with_capacity(args.runs);
    for _ in 0..args.runs.max(1) {
        let started = Instant::now();
        let loaded = data
            .thread_with_steps(&user_id, &long_thread)
            .await
            .map_err(|e| e.to_string())?
            .ok_or("the long thread is missing")?;
        times.push(started.elapsed());
        if loaded.1.len() != args.load {
            return Err(format!("loaded {} of {} steps", loaded.1.len(), args.load));
        }
    }
    rows.push(Row {
        scenario: format!("load a {}-step thread (median)", args.load),
        steps: args.load,
        transactions: 1,
        time: median(times),
    });
    drop(data);
    Ok(rows)
}

/// The history sidebar over the threads just written.
async fn history(
    args: &Args,
    data: &dyn DataLayer,
    user_id: &UserId,
    rows: &mut Vec<Row>,
) -> Result<(), String> {
    let mut filters = vec![("list 50 threads (median)", None)];
    filters.extend(
        SEARCHES
            .iter()
            .map(|&(scenario, word)| (scenario, Some(word))),
    );
    for (scenario, search) in filters {
        let filter = ThreadFilter {
            search: search.map(str::to_string),
            cursor: None,
            limit: 50,
        };
        let mut times = Vec::with_capacity(args.runs);
        let mut found = 0;
        for _ in 0..args.runs.max(1) {
            let started = Instant::now();
            let page = data
                .list_threads(user_id, &filter)
                .await
                .map_err(|e| e.to_string())?;
            times.push(started.elapsed());
            found = page.threads.len();
        }
        rows.push(Row {
            scenario: format!("{scenario}, {found} found"),
            steps: 0,
            transactions: 1,
            time: median(times),
        });
    }
    Ok(())
}

/// The history searches measured: full-text through the data layer, and
/// the `LIKE` query of before on the same data.
const SEARCHES: [(&str, &str); 5] = [
    ("search, no match (median)", "zebra"),
    ("search, rare word (median)", RARE_WORD),
    ("search, prefix of a rare word (median)", "zepp"),
    ("search, two words (median)", "quick lazy"),
    ("search, word in every thread (median)", "lazy"),
];

/// History's search before full-text search (server/src/data/sql/mod.rs
/// until migration 0006): a case-insensitive `LIKE` over thread names and
/// message outputs, newest first. Kept here only to compare with.
struct LikeSearch {
    pool: LikePool,
}

enum LikePool {
    Sqlite(sqlx::SqlitePool),
    Postgres(sqlx::PgPool),
}

impl LikeSearch {
    const SQL: &'static str = "SELECT t.id FROM threads t \
        WHERE t.user_id = $1 \
        AND (t.name {like} $2 ESCAPE '\\' OR EXISTS ( \
            SELECT 1 FROM steps s WHERE s.thread_id = t.id \
            AND s.type IN ('user_message', 'assistant_message', 'system_message') \
            AND s.output {like} $2 ESCAPE '\\')) \
        ORDER BY t.updated_at DESC, t.id DESC LIMIT 51";

    /// The store `name` that [`open`] made, opened beside the data layer.
    async fn open(args: &Args, dir: &TempDir, name: &str) -> Result<LikeSearch, String> {
        let pool = match &args.postgres {
            None => LikePool::Sqlite(
                sqlx::SqlitePool::connect_with(
                    sqlx::sqlite::SqliteConnectOptions::new()
                        .filename(dir.0.join(format!("{name}.db"))),
                )
                .await
                .map_err(|e| e.to_string())?,
            ),
            Some(admin) => {
                let mut url = reqwest::Url::parse(admin).map_err(|e| e.to_string())?;
                url.set_path(&format!("loquat_bench_{name}"));
                LikePool::Postgres(
                    sqlx::PgPool::connect(url.as_str())
                        .await
                        .map_err(|e| e.to_string())?,
                )
            }
        };
        Ok(LikeSearch { pool })
    }

    async fn run(&self, args: &Args, user_id: &str, rows: &mut Vec<Row>) -> Result<(), String> {
        for (scenario, search) in SEARCHES {
            // The old search was one literal substring.
            let pattern = format!("%{search}%");
            let mut times = Vec::with_capacity(args.runs);
            let mut found = 0;
            for _ in 0..args.runs.max(1) {
                let started = Instant::now();
                let ids: Vec<String> = match &self.pool {
                    LikePool::Sqlite(pool) => {
                        sqlx::query_scalar(&Self::SQL.replace("{like}", "LIKE"))
                            .bind(user_id)
                            .bind(&pattern)
                            .fetch_all(pool)
                            .await
                    }
                    LikePool::Postgres(pool) => {
                        sqlx::query_scalar(&Self::SQL.replace("{like}", "ILIKE"))
                            .bind(user_id)
                            .bind(&pattern)
                            .fetch_all(pool)
                            .await
                    }
                }
                .map_err(|e| e.to_string())?;
                times.push(started.elapsed());
                found = ids.len().min(50);
            }
            rows.push(Row {
                scenario: format!(
                    "LIKE {}, {found} found",
                    scenario.strip_prefix("search, ").unwrap_or(scenario)
                ),
                steps: 0,
                transactions: 1,
                time: median(times),
            });
        }
        Ok(())
    }

    async fn close(self) {
        match self.pool {
            LikePool::Sqlite(pool) => pool.close().await,
            LikePool::Postgres(pool) => pool.close().await,
        }
    }
}

fn table(args: &Args, rows: &[Row]) -> String {
    let mut out = format!(
        "{} data layer: {} threads x {} steps ({} steps), one writer\n\n",
        if args.postgres.is_some() {
            "PostgreSQL"
        } else {
            "SQLite"
        },
        args.threads,
        args.steps,
        args.threads * args.steps
    );
    out.push_str(&format!(
        "{:<42} {:>8} {:>8} {:>11} {:>11}\n",
        "scenario", "steps", "txns", "time", "steps/s"
    ));
    out.push_str(&format!("{}\n", "-".repeat(84)));
    for row in rows {
        let time = if row.time >= Duration::from_secs(1) {
            format!("{:.2} s", row.time.as_secs_f64())
        } else {
            format!("{:.2} ms", row.time.as_secs_f64() * 1e3)
        };
        let rate = if row.steps == 0 {
            "-".to_string()
        } else {
            format!("{:.0}", row.steps_per_s())
        };
        out.push_str(&format!(
            "{:<42} {:>8} {:>8} {:>11} {:>11}\n",
            row.scenario, row.steps, row.transactions, time, rate
        ));
    }
    out
}
