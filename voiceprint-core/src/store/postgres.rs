//! The shared store: records in PostgreSQL, searched in every node's own
//! in-memory index, which follows the other nodes' writes.
//!
//! How nodes stay in step:
//! - Every write transaction first takes change numbers from the counter in
//!   the binding row (`UPDATE .. SET seq = seq + n`, one number per row it
//!   writes). That row lock serialises writers, so numbers are handed out
//!   in commit order, and a node that has seen change `n` has seen every
//!   change before it.
//! - Each row carries the number of the change that last wrote it; a removal
//!   leaves a tombstone (`deleted`, no vector) so other nodes learn of it.
//! - The transaction sends `NOTIFY <table>_changes` with the change number
//!   and ids (never vectors). A listener thread on each node wakes on it and
//!   catches up with `WHERE seq > <last seen>`; it also catches up on a
//!   timer and after every reconnect, so a notification missed while a node
//!   was disconnected or down loses nothing.
//! - A node applies a row only when its change number is newer than the one
//!   it holds for that id, so its own writes (applied at once, for
//!   read-your-writes) and the catch-up can arrive in any order.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use parking_lot::Mutex;
use postgres::fallible_iterator::FallibleIterator;
use postgres::{Client, Config, NoTls, Transaction};
use r2d2_postgres::PostgresConnectionManager;

use super::record::{vector_from_bytes, vector_to_bytes};
use super::{
    check_distinct_ids, check_updated_id, IndexOptions, Match, MemoryStore, Record, RecordMeta,
    Status, VectorStore,
};
use crate::{Error, Result};

/// Version of the tables written by this code; newer ones are refused.
const SCHEMA_VERSION: i64 = 1;

/// Schema migrations, in order: entry `i` takes a store from version `i` to
/// `i + 1`. `{t}` is the table prefix. Never edit a released entry; append.
const MIGRATIONS: &[&str] = &["
    CREATE TABLE {t}_binding (
        singleton BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (singleton),
        schema_version BIGINT NOT NULL,
        model_id TEXT NOT NULL,
        dim INTEGER NOT NULL,
        encryption TEXT,
        seq BIGINT NOT NULL DEFAULT 0,
        created_at_ms BIGINT NOT NULL
    );
    CREATE TABLE {t}_records (
        id TEXT PRIMARY KEY,
        seq BIGINT NOT NULL,
        deleted BOOLEAN NOT NULL DEFAULT FALSE,
        vector BYTEA,
        status SMALLINT NOT NULL DEFAULT 0,
        created_at_ms BIGINT NOT NULL DEFAULT 0,
        updated_at_ms BIGINT NOT NULL DEFAULT 0,
        enrollment_count INTEGER NOT NULL DEFAULT 0,
        labels JSONB NOT NULL DEFAULT '{}'::jsonb
    );
    CREATE INDEX {t}_records_seq ON {t}_records (seq);
"];

/// Rows per statement in batch writes and per chunk when loading.
const CHUNK: usize = 4096;

/// Longest NOTIFY payload PostgreSQL takes is 8000 bytes; ids beyond this
/// are left out (the catch-up reads them anyway).
const MAX_PAYLOAD: usize = 7000;

/// How often the listener looks up from waiting to see whether it should stop.
const WAKE: Duration = Duration::from_millis(100);

/// Settings of a [`PostgresStore`].
///
/// ```
/// use voiceprint_core::store::PostgresOptions;
/// let o = PostgresOptions { table: "speakers".into(), pool_size: 8, ..Default::default() };
/// assert_eq!(o.connect_timeout.as_secs(), 5);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct PostgresOptions {
    /// Prefix of the store's tables (`<table>_binding`, `<table>_records`)
    /// and of its notification channel: several stores (voiceprints,
    /// images) can share one database. Lower-case letters, digits and `_`.
    pub table: String,
    /// Connections kept for writes (searches never touch the server).
    pub pool_size: u32,
    /// Longest wait for a connection, at connect and when the pool is busy.
    pub connect_timeout: Duration,
    /// Longest a statement may run on the server before it is cancelled.
    pub statement_timeout: Duration,
    /// Catch up with other nodes at least this often, even without a
    /// notification (a safety net: notifications are the wake-up).
    pub poll_interval: Duration,
}

impl Default for PostgresOptions {
    fn default() -> Self {
        PostgresOptions {
            table: "voiceprints".into(),
            pool_size: 4,
            connect_timeout: Duration::from_secs(5),
            statement_timeout: Duration::from_secs(30),
            poll_interval: Duration::from_secs(2),
        }
    }
}

/// How a node's copy of a [`PostgresStore`] stands.
#[derive(Clone, Debug, PartialEq)]
pub struct SyncStatus {
    /// The listener holds a live connection.
    pub connected: bool,
    /// Every change up to this number is in this node's index.
    pub seq: i64,
    /// Times the listener has had to reconnect.
    pub reconnects: u64,
    /// The last failure of the listener, if it has not recovered since.
    pub last_error: Option<String>,
}

/// A [`VectorStore`] shared by many processes ("nodes") through one
/// PostgreSQL database.
///
/// Each node loads the records into its own [`MemoryStore`] (exact scan,
/// or HNSW by [`IndexOptions`]) and searches there; writes are PostgreSQL
/// transactions, applied to the writing node's index as soon as they
/// commit (read-your-writes) and to the other nodes' when their listener
/// hears of them, normally within milliseconds (see the README for the
/// measured delay). [`sync_now`](Self::sync_now) catches up on demand.
///
/// Re-enrolment through [`VectorStore::update`] runs under the store's
/// write lock on the server, so concurrent enrolments of one speaker on
/// several nodes all count.
///
/// ```no_run
/// use voiceprint_core::store::{PostgresStore, VectorStore};
/// let store = PostgresStore::create_or_open(
///     "postgresql://voiceprint:secret@db.internal:5432/voiceprint", "ge2e-resemblyzer", 256)?;
/// println!("{} voiceprints", store.len());
/// # Ok::<(), voiceprint_core::Error>(())
/// ```
pub struct PostgresStore {
    shared: Arc<Shared>,
    listener: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresStore")
            .field("server", &self.shared.server)
            .field("table", &self.shared.options.table)
            .field("records", &self.shared.index.len())
            .finish()
    }
}

/// What the store and its listener thread share.
struct Shared {
    /// `host:port/database` for messages (never the password).
    server: String,
    config: Config,
    options: PostgresOptions,
    sql: Sql,
    pool: r2d2::Pool<PostgresConnectionManager<NoTls>>,
    index: MemoryStore,
    applied: Mutex<Applied>,
    status: Mutex<SyncStatus>,
    stop: AtomicBool,
}

/// Change numbers this node has applied.
#[derive(Default)]
struct Applied {
    /// Per id (removed ones included), the change that last wrote it here.
    seq_of: HashMap<String, i64>,
    /// Every change up to this one is applied (advanced by catch-up only:
    /// a node's own write may have overtaken an older one not yet seen).
    high: i64,
}

/// One row change read from the server or made here.
struct Change {
    id: String,
    seq: i64,
    /// `None`: removed.
    record: Option<Record>,
}

/// The statements, with the table prefix filled in.
struct Sql {
    table: String,
    channel: String,
    bump: String,
    upsert: String,
    upsert_many: String,
    select_one: String,
    remove: String,
    set_status: String,
    load: String,
    changes: String,
}

impl Sql {
    fn new(t: &str) -> Self {
        let cols = "id, seq, deleted, vector, status, created_at_ms, updated_at_ms, enrollment_count, labels::text";
        let set = "seq = excluded.seq, deleted = FALSE, vector = excluded.vector, status = excluded.status,
                   created_at_ms = excluded.created_at_ms, updated_at_ms = excluded.updated_at_ms,
                   enrollment_count = excluded.enrollment_count, labels = excluded.labels";
        Sql {
            channel: format!("{t}_changes"),
            table: t.to_string(),
            bump: format!("UPDATE {t}_binding SET seq = seq + $1 RETURNING seq"),
            upsert: format!(
                "INSERT INTO {t}_records (id, seq, vector, status, created_at_ms, updated_at_ms, enrollment_count, labels)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8::text::jsonb)
                 ON CONFLICT (id) DO UPDATE SET {set}"
            ),
            upsert_many: format!(
                "INSERT INTO {t}_records (id, seq, vector, status, created_at_ms, updated_at_ms, enrollment_count, labels)
                 SELECT u.id, $2 + u.ord - 1, u.vector, u.status, u.created, u.updated, u.count, u.labels::jsonb
                 FROM unnest($1::text[], $3::bytea[], $4::smallint[], $5::bigint[], $6::bigint[], $7::integer[], $8::text[])
                      WITH ORDINALITY AS u(id, vector, status, created, updated, count, labels, ord)
                 ON CONFLICT (id) DO UPDATE SET {set}"
            ),
            select_one: format!("SELECT {cols} FROM {t}_records WHERE id = $1 AND NOT deleted"),
            remove: format!(
                "UPDATE {t}_records SET deleted = TRUE, vector = NULL, seq = $2 WHERE id = $1 AND NOT deleted"
            ),
            set_status: format!(
                "UPDATE {t}_records SET status = $2, seq = $3 WHERE id = $1 AND NOT deleted"
            ),
            load: format!("SELECT {cols} FROM {t}_records WHERE NOT deleted"),
            changes: format!(
                "SELECT {cols} FROM {t}_records WHERE seq > $1 ORDER BY seq LIMIT {CHUNK}"
            ),
        }
    }
}

fn check_table(table: &str) -> Result<()> {
    let ok = !table.is_empty()
        && table.len() <= 40
        && table.starts_with(|c: char| c.is_ascii_lowercase() || c == '_')
        && table
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if ok {
        Ok(())
    } else {
        Err(Error::invalid_argument(
            "table",
            format!(
                "{table:?}: use 1-40 lower-case letters, digits and `_`, not starting with a digit"
            ),
        ))
    }
}

/// `host:port/database` of a connection config, for messages.
fn describe(config: &Config) -> String {
    let hosts: Vec<String> = config
        .get_hosts()
        .iter()
        .zip(config.get_ports().iter().chain(std::iter::repeat(&5432)))
        .map(|(h, p)| match h {
            postgres::config::Host::Tcp(h) => format!("{h}:{p}"),
            #[cfg(unix)]
            postgres::config::Host::Unix(path) => format!("{}:{p}", path.display()),
        })
        .collect();
    let hosts = if hosts.is_empty() {
        "localhost:5432".to_string()
    } else {
        hosts.join(",")
    };
    format!(
        "{hosts}/{}",
        config.get_dbname().unwrap_or("(default database)")
    )
}

/// Maps a driver error to the error a caller can act on.
fn pg_err(server: &str, e: postgres::Error) -> Error {
    if let Some(db) = e.as_db_error() {
        let code = db.code().code();
        if code.starts_with("28") {
            return Error::StoreAuth {
                server: server.to_string(),
                detail: db.message().to_string(),
            };
        }
        let hint = match code {
            "3D000" => "; create the database first (createdb)",
            "57014" => "; the statement ran past statement_timeout",
            "57P01" | "57P02" | "57P03" => "; the server is shutting down or starting: retry",
            "53300" => "; the server has no free connection slots: lower pool_size or raise max_connections",
            _ => "",
        };
        if code.starts_with("57P") || code == "53300" {
            return Error::StoreUnreachable {
                server: server.to_string(),
                detail: format!("{}{hint}", db.message()),
            };
        }
        return Error::Store {
            detail: format!("{server}: {} ({code}){hint}", db.message()),
        };
    }
    let io = std::error::Error::source(&e).is_some_and(|s| s.is::<std::io::Error>());
    let text = e.to_string();
    let lost = [
        "connecting to server",
        "communicating with the server",
        "timeout waiting for server",
    ]
    .iter()
    .any(|m| text.contains(m));
    if e.is_closed() || io || lost {
        return Error::StoreUnreachable {
            server: server.to_string(),
            detail: e.to_string(),
        };
    }
    Error::Store {
        detail: format!("{server}: {e}"),
    }
}

fn decode_row(row: &postgres::Row, dim: usize, server: &str) -> Result<Change> {
    let id: String = row.get(0);
    let seq: i64 = row.get(1);
    let deleted: bool = row.get(2);
    if deleted {
        return Ok(Change {
            id,
            seq,
            record: None,
        });
    }
    let blob: Option<Vec<u8>> = row.get(3);
    let corrupt = |detail: String| Error::CorruptRecord {
        store: server.to_string(),
        id: id.clone(),
        detail,
    };
    let blob = blob.ok_or_else(|| corrupt("no vector".into()))?;
    if blob.len() != dim * 4 {
        return Err(corrupt(format!(
            "{} bytes of vector, expected {}",
            blob.len(),
            dim * 4
        )));
    }
    let vector = vector_from_bytes(&blob);
    let labels: String = row.get(8);
    let labels = serde_json::from_str(&labels).map_err(|e| corrupt(format!("bad labels: {e}")))?;
    let status: i16 = row.get(4);
    let count: i32 = row.get(7);
    Ok(Change {
        record: Some(Record {
            id: id.clone(),
            vector,
            meta: RecordMeta {
                status: Status::from_code(status.into()),
                created_at_ms: row.get(5),
                updated_at_ms: row.get(6),
                enrollment_count: u32::try_from(count).unwrap_or(0),
                labels,
            },
        }),
        id,
        seq,
    })
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

fn labels_json(record: &Record) -> Result<String> {
    serde_json::to_string(&record.meta.labels)
        .map_err(|e| Error::invalid_argument("labels", e.to_string()))
}

impl PostgresStore {
    /// Connects to the database at `url` (`postgresql://user:password@host:port/db`)
    /// with default options, creating the store's tables for `model_id` /
    /// `dim` when they do not exist. An existing store must be bound to
    /// the same model and dimension.
    pub fn create_or_open(url: &str, model_id: &str, dim: usize) -> Result<Self> {
        Self::create_or_open_with(
            url,
            model_id,
            dim,
            &PostgresOptions::default(),
            IndexOptions::default(),
        )
    }

    /// [`create_or_open`](Self::create_or_open) with connection and index options.
    pub fn create_or_open_with(
        url: &str,
        model_id: &str,
        dim: usize,
        options: &PostgresOptions,
        index: IndexOptions,
    ) -> Result<Self> {
        if model_id.trim().is_empty() || dim == 0 {
            return Err(Error::invalid_argument(
                "model_id/dim",
                "need a model id and a positive dimension",
            ));
        }
        Self::connect(url, Some((model_id, dim)), options, index)
    }

    /// Opens an existing store, taking its model id and dimension from the
    /// server.
    pub fn open_with(url: &str, options: &PostgresOptions, index: IndexOptions) -> Result<Self> {
        Self::connect(url, None, options, index)
    }

    fn connect(
        url: &str,
        binding: Option<(&str, usize)>,
        options: &PostgresOptions,
        index_options: IndexOptions,
    ) -> Result<Self> {
        check_table(&options.table)?;
        if options.pool_size == 0 {
            return Err(Error::invalid_argument(
                "pool_size",
                "need at least one connection",
            ));
        }
        let mut config: Config = url.parse().map_err(|e| {
            Error::invalid_argument(
                "url",
                format!("not a PostgreSQL URL ({e}); write postgresql://user:password@host:port/database"),
            )
        })?;
        config
            .connect_timeout(options.connect_timeout)
            .keepalives(true)
            .keepalives_idle(Duration::from_secs(30))
            .options(&format!(
                "-c statement_timeout={}",
                options.statement_timeout.as_millis()
            ));
        if config.get_application_name().is_none() {
            config.application_name("voiceprint");
        }
        let server = describe(&config);
        // The first connection is made directly, so that an unreachable
        // server and a refused login get their own errors (the pool would
        // only say it timed out).
        let mut first = config.connect(NoTls).map_err(|e| pg_err(&server, e))?;
        let sql = Sql::new(&options.table);
        let (model_id, dim) = migrate(&mut first, &server, &options.table, binding)?;
        let mut index = MemoryStore::with_options(model_id, dim, index_options)?;
        index.defer_graph(true);
        let high = load(&mut first, &server, &sql, &index)?;
        index.build_deferred_graph();
        let manager = PostgresConnectionManager::new(config.clone(), NoTls);
        let pool = r2d2::Pool::builder()
            .max_size(options.pool_size)
            .min_idle(Some(0))
            .connection_timeout(options.connect_timeout)
            .build_unchecked(manager);
        let shared = Arc::new(Shared {
            server,
            config,
            options: options.clone(),
            sql,
            pool,
            index,
            applied: Mutex::new(Applied {
                seq_of: HashMap::new(),
                high,
            }),
            status: Mutex::new(SyncStatus {
                connected: false,
                seq: high,
                reconnects: 0,
                last_error: None,
            }),
            stop: AtomicBool::new(false),
        });
        let listener = {
            let shared = shared.clone();
            std::thread::Builder::new()
                .name(format!("voiceprint-pg-{}", options.table))
                .spawn(move || shared.listen(Some(first)))
                .map_err(|e| Error::Store {
                    detail: format!("cannot start the listener thread: {e}"),
                })?
        };
        Ok(PostgresStore {
            shared,
            listener: Some(listener),
        })
    }

    /// The in-memory index this node searches (its options, HNSW state, memory).
    pub fn index(&self) -> &MemoryStore {
        &self.shared.index
    }

    /// `host:port/database` of the server.
    pub fn server(&self) -> &str {
        &self.shared.server
    }

    /// How this node's copy stands: connected, up to which change.
    pub fn sync_status(&self) -> SyncStatus {
        self.shared.status.lock().clone()
    }

    /// Catches up with every change committed on the server so far, on
    /// this thread: after it returns, this node sees every write that
    /// committed before the call (other nodes' included).
    pub fn sync_now(&self) -> Result<()> {
        let mut conn = self.shared.conn()?;
        self.shared.catch_up(&mut conn)
    }

    /// The number of the latest change committed on the server.
    pub fn server_seq(&self) -> Result<i64> {
        let mut conn = self.shared.conn()?;
        let t = &self.shared.options.table;
        let row = conn
            .query_one(&format!("SELECT seq FROM {t}_binding"), &[])
            .map_err(|e| pg_err(&self.shared.server, e))?;
        Ok(row.get(0))
    }
}

impl Drop for PostgresStore {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        if let Some(h) = self.listener.take() {
            // The listener looks up every `WAKE`; a panic in it is already
            // logged by the runtime and must not become a second one here.
            let _ = h.join();
        }
    }
}

/// Creates or migrates the tables and checks the binding; returns the
/// store's model id and dimension.
fn migrate(
    client: &mut Client,
    server: &str,
    t: &str,
    binding: Option<(&str, usize)>,
) -> Result<(String, usize)> {
    let err = |e| pg_err(server, e);
    let store = format!("{server} table {t}");
    let mut tx = client.transaction().map_err(err)?;
    // Nodes starting at once must not both create or migrate the tables.
    tx.execute("SELECT pg_advisory_xact_lock(hashtext($1))", &[&t])
        .map_err(err)?;
    let exists: bool = tx
        .query_one(
            "SELECT to_regclass($1) IS NOT NULL",
            &[&format!("{t}_binding")],
        )
        .map_err(err)?
        .get(0);
    let row = if exists {
        tx.query_opt(
            &format!("SELECT schema_version, model_id, dim FROM {t}_binding"),
            &[],
        )
        .map_err(err)?
    } else {
        None
    };
    let (version, model_id, dim) = match (row, binding) {
        (Some(r), _) => (
            r.get::<_, i64>(0),
            r.get::<_, String>(1),
            r.get::<_, i32>(2),
        ),
        (None, Some((model, dim))) => {
            for m in MIGRATIONS {
                tx.batch_execute(&m.replace("{t}", t)).map_err(err)?;
            }
            let dim = i32::try_from(dim)
                .map_err(|_| Error::invalid_argument("dim", format!("{dim} is too large")))?;
            tx.execute(
                &format!(
                    "INSERT INTO {t}_binding (schema_version, model_id, dim, created_at_ms) VALUES ($1, $2, $3, $4)"
                ),
                &[&SCHEMA_VERSION, &model, &dim, &now_ms()],
            )
            .map_err(err)?;
            (SCHEMA_VERSION, model.to_string(), dim)
        }
        (None, None) => {
            return Err(Error::Store {
                detail: format!(
                "{store}: no voiceprint store here; create it by giving a model id and dimension"
            ),
            })
        }
    };
    if version > SCHEMA_VERSION {
        return Err(Error::SchemaTooNew {
            store,
            found: version,
            supported: SCHEMA_VERSION,
        });
    }
    for m in MIGRATIONS
        .iter()
        .skip(usize::try_from(version).unwrap_or(0))
    {
        tx.batch_execute(&m.replace("{t}", t)).map_err(err)?;
    }
    if version < SCHEMA_VERSION {
        tx.execute(
            &format!("UPDATE {t}_binding SET schema_version = $1"),
            &[&SCHEMA_VERSION],
        )
        .map_err(err)?;
    }
    tx.commit().map_err(err)?;
    let dim = usize::try_from(dim).map_err(|_| Error::Store {
        detail: format!("{store}: bad dimension {dim} in its binding row"),
    })?;
    if let Some((want_model, want_dim)) = binding {
        if model_id != want_model {
            return Err(Error::ModelMismatch {
                store: model_id,
                model: want_model.to_string(),
            });
        }
        if dim != want_dim {
            return Err(Error::DimensionMismatch {
                expected: dim,
                actual: want_dim,
            });
        }
    }
    Ok((model_id, dim))
}

/// Loads every live record in one snapshot; returns the change number the
/// snapshot is complete up to.
fn load(client: &mut Client, server: &str, sql: &Sql, index: &MemoryStore) -> Result<i64> {
    let err = |e| pg_err(server, e);
    let mut tx = client
        .build_transaction()
        .isolation_level(postgres::IsolationLevel::RepeatableRead)
        .read_only(true)
        .start()
        .map_err(err)?;
    let high: i64 = tx
        .query_one(&format!("SELECT seq FROM {}_binding", sql.table), &[])
        .map_err(err)?
        .get(0);
    let params: [&(dyn postgres::types::ToSql + Sync); 0] = [];
    let mut rows = tx.query_raw(&sql.load, params).map_err(err)?;
    let mut chunk = Vec::with_capacity(CHUNK);
    while let Some(row) = rows.next().map_err(err)? {
        if let Some(r) = decode_row(&row, index.dim(), server)?.record {
            chunk.push(r);
        }
        if chunk.len() == CHUNK {
            index.upsert_batch(std::mem::take(&mut chunk))?;
        }
    }
    index.upsert_batch(chunk)?;
    drop(rows);
    tx.commit().map_err(err)?;
    Ok(high)
}

impl Shared {
    fn conn(&self) -> Result<r2d2::PooledConnection<PostgresConnectionManager<NoTls>>> {
        self.pool.get().map_err(|e| Error::StoreUnreachable {
            server: self.server.clone(),
            detail: format!(
                "no connection within {:.1} s ({e})",
                self.options.connect_timeout.as_secs_f64()
            ),
        })
    }

    /// Runs one write transaction: takes `n` change numbers (and with them
    /// the store's write lock), runs `body` with the first, sends the
    /// notification and commits. `body` returns the ids it changed (none:
    /// nothing changed, roll back) and a value.
    fn write<T>(
        &self,
        n: usize,
        body: impl FnOnce(&mut Transaction<'_>, i64) -> Result<(Vec<String>, T)>,
    ) -> Result<(i64, T)> {
        let err = |e| pg_err(&self.server, e);
        let n = i64::try_from(n.max(1)).unwrap_or(i64::MAX);
        let mut conn = self.conn()?;
        let mut tx = conn.transaction().map_err(err)?;
        let last: i64 = tx.query_one(&self.sql.bump, &[&n]).map_err(err)?.get(0);
        let first = last - n + 1;
        let (ids, out) = body(&mut tx, first)?;
        if ids.is_empty() {
            tx.rollback().map_err(err)?;
            return Ok((first, out));
        }
        tx.execute(
            "SELECT pg_notify($1, $2)",
            &[&self.sql.channel, &notification(last, &ids)],
        )
        .map_err(err)?;
        tx.commit().map_err(err)?;
        Ok((first, out))
    }

    /// Applies changes to the index, each only when newer than what this
    /// node holds for its id. `complete_to`: the changes are every change
    /// up to this number (a catch-up), so the high-water mark moves.
    fn apply(&self, changes: Vec<Change>, complete_to: Option<i64>) -> Result<()> {
        let mut applied = self.applied.lock();
        let mut upserts = Vec::new();
        for c in changes {
            let known = applied.seq_of.get(&c.id).copied().unwrap_or(i64::MIN);
            if c.seq <= known {
                continue;
            }
            match c.record {
                Some(r) => upserts.push(r),
                None => {
                    if !upserts.is_empty() {
                        self.index.upsert_batch(std::mem::take(&mut upserts))?;
                    }
                    self.index.remove(&c.id)?;
                }
            }
            applied.seq_of.insert(c.id, c.seq);
        }
        if !upserts.is_empty() {
            self.index.upsert_batch(upserts)?;
        }
        if let Some(to) = complete_to {
            applied.high = applied.high.max(to);
            let mut status = self.status.lock();
            status.seq = applied.high;
        }
        Ok(())
    }

    /// Reads and applies every change after the high-water mark. Every row
    /// has its own change number, so a chunk that ends at change `m` holds
    /// every change up to `m` that is still the latest for its id.
    fn catch_up(&self, client: &mut Client) -> Result<()> {
        let err = |e| pg_err(&self.server, e);
        loop {
            let from = self.applied.lock().high;
            let rows = client.query(&self.sql.changes, &[&from]).map_err(err)?;
            let Some(last) = rows.last().map(|r| r.get::<_, i64>(1)) else {
                return Ok(());
            };
            let full = rows.len() == CHUNK;
            let changes = rows
                .iter()
                .map(|r| decode_row(r, self.index.dim(), &self.server))
                .collect::<Result<Vec<_>>>()?;
            self.apply(changes, Some(last))?;
            if !full {
                return Ok(());
            }
        }
    }

    /// The listener: LISTEN, catch up, wait for a notification or the poll
    /// interval, catch up again; reconnect with backoff when the server
    /// goes away.
    fn listen(self: Arc<Self>, first: Option<Client>) {
        let mut client = first;
        let mut backoff = Duration::from_millis(50);
        while !self.stop.load(Ordering::SeqCst) {
            let mut c = match client.take() {
                Some(c) => c,
                None => match self.config.connect(NoTls) {
                    Ok(c) => {
                        self.status.lock().reconnects += 1;
                        c
                    }
                    Err(e) => {
                        self.failed(pg_err(&self.server, e));
                        self.sleep(backoff);
                        backoff = (backoff * 2).min(Duration::from_secs(2));
                        continue;
                    }
                },
            };
            match self.follow(&mut c) {
                Ok(()) => return,
                Err(e) => {
                    self.failed(e);
                    backoff = Duration::from_millis(50);
                    self.sleep(backoff);
                }
            }
        }
    }

    /// Follows one connection until it fails (`Err`) or the store closes (`Ok`).
    fn follow(&self, client: &mut Client) -> Result<()> {
        let err = |e| pg_err(&self.server, e);
        client
            .batch_execute(&format!("LISTEN {}", self.sql.channel))
            .map_err(err)?;
        // Whatever happened while this node was not listening.
        self.catch_up(client)?;
        {
            let mut s = self.status.lock();
            s.connected = true;
            s.last_error = None;
        }
        let mut last_poll = Instant::now();
        loop {
            if self.stop.load(Ordering::SeqCst) {
                return Ok(());
            }
            let woke = {
                let mut notes = client.notifications();
                let woke = notes.timeout_iter(WAKE).next().map_err(err)?.is_some();
                // Several notifications in a row are one catch-up.
                while woke && notes.iter().next().map_err(err)?.is_some() {}
                woke || last_poll.elapsed() >= self.options.poll_interval
            };
            if woke {
                self.catch_up(client)?;
                last_poll = Instant::now();
            }
        }
    }

    fn failed(&self, e: Error) {
        tracing::warn!("voiceprint store {}: {e}", self.server);
        let mut s = self.status.lock();
        s.connected = false;
        s.last_error = Some(e.to_string());
    }

    /// Sleeps up to `d`, returning early when the store closes.
    fn sleep(&self, d: Duration) {
        let end = Instant::now() + d;
        while !self.stop.load(Ordering::SeqCst) && Instant::now() < end {
            std::thread::sleep(WAKE.min(end - Instant::now()));
        }
    }
}

/// The notification payload: `{"seq":N,"ids":[..]}`, ids left out past
/// `MAX_PAYLOAD` bytes (then `"more":true`).
fn notification(seq: i64, ids: &[String]) -> String {
    let mut kept = Vec::new();
    let mut size = 40;
    for id in ids {
        size += id.len() + 4;
        if size > MAX_PAYLOAD {
            break;
        }
        kept.push(id.as_str());
    }
    serde_json::json!({ "seq": seq, "ids": kept, "more": kept.len() < ids.len() }).to_string()
}

impl VectorStore for PostgresStore {
    fn model_id(&self) -> &str {
        self.shared.index.model_id()
    }

    fn dim(&self) -> usize {
        self.shared.index.dim()
    }

    fn len(&self) -> usize {
        self.shared.index.len()
    }

    fn upsert(&self, record: Record) -> Result<()> {
        self.upsert_batch(vec![record])
    }

    fn upsert_batch(&self, records: Vec<Record>) -> Result<()> {
        check_distinct_ids(&records)?;
        for r in &records {
            self.shared.index.check(r)?;
        }
        if records.is_empty() {
            return Ok(());
        }
        let s = &*self.shared;
        let err = |e| pg_err(&s.server, e);
        let (first, ()) = s.write(records.len(), |tx, first| {
            for (j, chunk) in records.chunks(CHUNK).enumerate() {
                let seq = first + (j * CHUNK) as i64;
                let ids: Vec<&str> = chunk.iter().map(|r| r.id.as_str()).collect();
                let vectors: Vec<Vec<u8>> =
                    chunk.iter().map(|r| vector_to_bytes(&r.vector)).collect();
                let status: Vec<i16> = chunk.iter().map(|r| r.meta.status.code()).collect();
                let created: Vec<i64> = chunk.iter().map(|r| r.meta.created_at_ms).collect();
                let updated: Vec<i64> = chunk.iter().map(|r| r.meta.updated_at_ms).collect();
                let counts: Vec<i32> = chunk
                    .iter()
                    .map(|r| i32::try_from(r.meta.enrollment_count).unwrap_or(i32::MAX))
                    .collect();
                let labels = chunk.iter().map(labels_json).collect::<Result<Vec<_>>>()?;
                tx.execute(
                    &s.sql.upsert_many,
                    &[
                        &ids, &seq, &vectors, &status, &created, &updated, &counts, &labels,
                    ],
                )
                .map_err(err)?;
            }
            Ok((records.iter().map(|r| r.id.clone()).collect(), ()))
        })?;
        let changes = records
            .into_iter()
            .zip(first..)
            .map(|(r, seq)| Change {
                id: r.id.clone(),
                seq,
                record: Some(r),
            })
            .collect();
        s.apply(changes, None)
    }

    fn update(
        &self,
        id: &str,
        change: &mut dyn FnMut(Option<Record>) -> Result<Record>,
    ) -> Result<Record> {
        let s = &*self.shared;
        let err = |e| pg_err(&s.server, e);
        // The change counter's row lock (taken first in `write`) keeps every
        // other writer out until this transaction ends, so the row read here
        // is still the row when the new one is written.
        let (seq, record) = s.write(1, |tx, seq| {
            let current = tx
                .query_opt(&s.sql.select_one, &[&id])
                .map_err(err)?
                .map(|row| decode_row(&row, s.index.dim(), &s.server))
                .transpose()?
                .and_then(|c| c.record);
            let record = change(current)?;
            check_updated_id(id, &record)?;
            s.index.check(&record)?;
            let count = i32::try_from(record.meta.enrollment_count).unwrap_or(i32::MAX);
            tx.execute(
                &s.sql.upsert,
                &[
                    &record.id,
                    &seq,
                    &vector_to_bytes(&record.vector),
                    &record.meta.status.code(),
                    &record.meta.created_at_ms,
                    &record.meta.updated_at_ms,
                    &count,
                    &labels_json(&record)?,
                ],
            )
            .map_err(err)?;
            Ok((vec![id.to_string()], record))
        })?;
        s.apply(
            vec![Change {
                id: id.to_string(),
                seq,
                record: Some(record.clone()),
            }],
            None,
        )?;
        Ok(record)
    }

    fn get(&self, id: &str) -> Result<Option<Record>> {
        self.shared.index.get(id)
    }

    fn remove(&self, id: &str) -> Result<bool> {
        let s = &*self.shared;
        let err = |e| pg_err(&s.server, e);
        let (seq, removed) = s.write(1, |tx, seq| {
            let n = tx.execute(&s.sql.remove, &[&id, &seq]).map_err(err)?;
            Ok(if n > 0 {
                (vec![id.to_string()], true)
            } else {
                (Vec::new(), false)
            })
        })?;
        if removed {
            s.apply(
                vec![Change {
                    id: id.to_string(),
                    seq,
                    record: None,
                }],
                None,
            )?;
        }
        Ok(removed)
    }

    fn list(&self) -> Result<Vec<String>> {
        self.shared.index.list()
    }

    fn set_status(&self, id: &str, status: Status) -> Result<()> {
        let s = &*self.shared;
        let err = |e| pg_err(&s.server, e);
        let (seq, record) = s.write(1, |tx, seq| {
            let n = tx
                .execute(&s.sql.set_status, &[&id, &status.code(), &seq])
                .map_err(err)?;
            if n == 0 {
                return Err(Error::NotFound { id: id.to_string() });
            }
            let row = tx.query_one(&s.sql.select_one, &[&id]).map_err(err)?;
            Ok((
                vec![id.to_string()],
                decode_row(&row, s.index.dim(), &s.server)?.record,
            ))
        })?;
        s.apply(
            vec![Change {
                id: id.to_string(),
                seq,
                record,
            }],
            None,
        )
    }

    fn search(&self, query: &[f32], k: usize, candidates: Option<&[&str]>) -> Result<Vec<Match>> {
        self.shared.index.search(query, k, candidates)
    }

    fn search_batch(
        &self,
        queries: &[f32],
        k: usize,
        candidates: Option<&[&str]>,
    ) -> Result<Vec<Vec<Match>>> {
        self.shared.index.search_batch(queries, k, candidates)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::testdata::{rec, unit_vectors};

    /// The test server's URL (`scripts/pg.sh start` prints it), or `None`
    /// with a message; in CI a missing server is a failure.
    fn server() -> Option<String> {
        match std::env::var("VOICEPRINT_TEST_PG_URL") {
            Ok(url) if !url.is_empty() => Some(url),
            _ => {
                assert!(
                    std::env::var("CI").is_err(),
                    "CI must run the PostgreSQL tests: set VOICEPRINT_TEST_PG_URL (scripts/pg.sh start)"
                );
                eprintln!("skipped: no PostgreSQL server (run scripts/pg.sh start and set VOICEPRINT_TEST_PG_URL)");
                None
            }
        }
    }

    /// Options for a table of its own, dropped first.
    fn fresh(url: &str, name: &str) -> PostgresOptions {
        let table = format!("t_{name}_{}", std::process::id());
        let mut c = Client::connect(url, NoTls).unwrap();
        c.batch_execute(&format!(
            "DROP TABLE IF EXISTS {table}_records; DROP TABLE IF EXISTS {table}_binding;"
        ))
        .unwrap();
        PostgresOptions {
            table,
            poll_interval: Duration::from_millis(500),
            ..Default::default()
        }
    }

    fn open(url: &str, o: &PostgresOptions) -> PostgresStore {
        PostgresStore::create_or_open_with(url, "m", 8, o, IndexOptions::default()).unwrap()
    }

    /// Waits until `cond` holds on `store`, up to 5 s.
    fn eventually(what: &str, mut cond: impl FnMut() -> bool) {
        let end = Instant::now() + Duration::from_secs(5);
        while !cond() {
            assert!(Instant::now() < end, "not seen within 5 s: {what}");
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    #[test]
    fn binding_is_checked_and_records_survive_reopen() {
        let Some(url) = server() else { return };
        let o = fresh(&url, "binding");
        let v = unit_vectors(3, 8, 1);
        {
            let s = open(&url, &o);
            s.upsert(rec("a", v[0].clone())).unwrap();
            s.upsert_batch(vec![rec("b", v[1].clone()), rec("c", v[2].clone())])
                .unwrap();
            assert!(s.remove("c").unwrap());
            assert!(!s.remove("c").unwrap());
            s.set_status("b", Status::Disabled).unwrap();
            assert!(matches!(
                s.set_status("zz", Status::Active),
                Err(Error::NotFound { .. })
            ));
        }
        let s = PostgresStore::open_with(&url, &o, IndexOptions::default()).unwrap();
        assert_eq!((s.model_id(), s.dim()), ("m", 8));
        assert_eq!(s.list().unwrap(), vec!["a", "b"]);
        assert_eq!(s.get("a").unwrap().unwrap().vector, v[0]);
        assert_eq!(s.get("b").unwrap().unwrap().meta.status, Status::Disabled);
        let other =
            PostgresStore::create_or_open_with(&url, "other", 8, &o, IndexOptions::default());
        assert!(
            matches!(other, Err(Error::ModelMismatch { .. })),
            "{other:?}"
        );
        let wide = PostgresStore::create_or_open_with(&url, "m", 9, &o, IndexOptions::default());
        assert!(
            matches!(wide, Err(Error::DimensionMismatch { .. })),
            "{wide:?}"
        );
        let none = PostgresStore::open_with(&url, &fresh(&url, "nothing"), IndexOptions::default());
        assert!(matches!(none, Err(Error::Store { .. })), "{none:?}");

        let mut c = Client::connect(&url, NoTls).unwrap();
        c.batch_execute(&format!(
            "UPDATE {}_binding SET schema_version = 99",
            o.table
        ))
        .unwrap();
        let newer = PostgresStore::open_with(&url, &o, IndexOptions::default());
        assert!(
            matches!(
                newer,
                Err(Error::SchemaTooNew {
                    found: 99,
                    supported: 1,
                    ..
                })
            ),
            "{newer:?}"
        );
    }

    #[test]
    fn bad_password_and_dead_port_have_their_own_errors() {
        let Some(url) = server() else { return };
        let bad = url.replacen(":voiceprint@", ":not-the-password@", 1);
        let e = PostgresStore::create_or_open(&bad, "m", 8).unwrap_err();
        assert!(matches!(e, Error::StoreAuth { .. }), "{e:?}");
        assert!(!e.to_string().contains("not-the-password"), "{e}");
        let dead = PostgresStore::create_or_open_with(
            "postgresql://voiceprint:x@127.0.0.1:1/voiceprint",
            "m",
            8,
            &PostgresOptions {
                connect_timeout: Duration::from_secs(1),
                ..Default::default()
            },
            IndexOptions::default(),
        )
        .unwrap_err();
        assert!(matches!(dead, Error::StoreUnreachable { .. }), "{dead:?}");
        assert!(dead.to_string().contains("127.0.0.1:1"), "{dead}");
        let garbage = PostgresStore::create_or_open("not a url", "m", 8).unwrap_err();
        assert!(
            matches!(garbage, Error::InvalidArgument { .. }),
            "{garbage:?}"
        );
    }

    #[test]
    fn a_second_node_follows_every_kind_of_write() {
        let Some(url) = server() else { return };
        let o = fresh(&url, "follow");
        let a = open(&url, &o);
        let b = open(&url, &o);
        let v = unit_vectors(5000, 8, 2);
        a.upsert(rec("x", v[0].clone())).unwrap();
        eventually("upsert", || b.get("x").unwrap().is_some());
        b.set_status("x", Status::Disabled).unwrap();
        eventually("status", || {
            a.get("x").unwrap().unwrap().meta.status == Status::Disabled
        });
        assert!(b.remove("x").unwrap());
        eventually("remove", || a.get("x").unwrap().is_none());
        // A batch larger than one catch-up chunk.
        let batch: Vec<Record> = (0..5000)
            .map(|i| rec(&format!("r{i:05}"), v[i].clone()))
            .collect();
        a.upsert_batch(batch).unwrap();
        eventually("batch", || b.len() == 5000);
        let q = &v[17];
        assert_eq!(
            b.search(q, 10, None).unwrap(),
            a.search(q, 10, None).unwrap()
        );
        b.sync_now().unwrap();
        assert_eq!(b.sync_status().seq, b.server_seq().unwrap());
        assert!(b.sync_status().connected);
        // A third node loads the same state.
        let c = open(&url, &o);
        assert_eq!(c.list().unwrap(), a.list().unwrap());
    }

    #[test]
    fn concurrent_updates_on_two_nodes_all_count() {
        let Some(url) = server() else { return };
        let o = fresh(&url, "update");
        let nodes = [open(&url, &o), open(&url, &o)];
        std::thread::scope(|s| {
            for node in &nodes {
                for _ in 0..2 {
                    s.spawn(move || {
                        for _ in 0..25 {
                            node.update("spk", &mut |old| {
                                let mut r = old.unwrap_or_else(|| {
                                    rec("spk", unit_vectors(1, 8, 3)[0].clone())
                                });
                                r.meta.enrollment_count += 1;
                                Ok(r)
                            })
                            .unwrap();
                        }
                    });
                }
            }
        });
        for n in &nodes {
            n.sync_now().unwrap();
            // 100 updates on top of the first record's count of 1.
            assert_eq!(n.get("spk").unwrap().unwrap().meta.enrollment_count, 101);
        }
        let e = nodes[0].update("spk", &mut |_| Ok(rec("other", vec![0.0; 8])));
        assert!(matches!(e, Err(Error::InvalidArgument { .. })));
        let failing = nodes[0].update("spk", &mut |_| Err(Error::Cancelled));
        assert!(matches!(failing, Err(Error::Cancelled)));
        assert_eq!(
            nodes[0].get("spk").unwrap().unwrap().meta.enrollment_count,
            101
        );
    }
}
