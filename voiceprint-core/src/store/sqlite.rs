use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use parking_lot::{Mutex, RwLock};
use rusqlite::{params, Connection, OpenFlags, OptionalExtension, TransactionBehavior};

use super::encryption::{Cipher, StoreKey};
use super::graph::Graph;
use super::record::{vector_from_bytes, vector_to_bytes};
use super::{IndexOptions, Match, MemoryStore, Record, RecordMeta, Status, VectorStore};
use crate::{Error, Result};

/// Records decoded from the file per batch into the index on open.
const LOAD_CHUNK: usize = 8192;

/// Insert or replace one record (`upsert` and `upsert_batch`).
const UPSERT_SQL: &str = "INSERT INTO records (id, vector, status, created_at_ms, updated_at_ms, enrollment_count, labels)
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
     ON CONFLICT(id) DO UPDATE SET vector = excluded.vector, status = excluded.status,
         created_at_ms = excluded.created_at_ms, updated_at_ms = excluded.updated_at_ms,
         enrollment_count = excluded.enrollment_count, labels = excluded.labels";

/// Version of the file layout written by this code; files of a newer one are refused.
const SCHEMA_VERSION: i64 = 1;

/// The embedded default store: one SQLite file (WAL mode), loaded whole
/// into a [`MemoryStore`] on open and searched there.
///
/// Every write is one transaction, committed to the file before the
/// in-memory index changes, so a failed write leaves both as they were.
/// The file records its model id and dimension; opening it for another
/// model is refused. Thread-safe like [`MemoryStore`]; writes are
/// serialised on the connection.
///
/// Opened with a [`StoreKey`] ([`create_or_open_with_key`](Self::create_or_open_with_key)),
/// the file keeps each vector sealed with AES-256-GCM, bound to its model
/// and id (see [`rekey`](Self::rekey) to encrypt, rotate or decrypt a store
/// in place). What is protected is the vectors in the file: ids, labels,
/// status and times stay in plain text there, and the vectors are plain in
/// this process's memory, where the search kernel needs them. An encrypted
/// store never saves its HNSW graph beside the file (the graph holds the
/// vectors), so with HNSW on each open rebuilds it.
///
/// ```no_run
/// use voiceprint_core::store::{SqliteStore, VectorStore};
/// let store = SqliteStore::create_or_open("speakers.db", "ge2e-resemblyzer", 256)?;
/// println!("{} voiceprints", store.len());
/// # Ok::<(), voiceprint_core::Error>(())
/// ```
#[derive(Debug)]
pub struct SqliteStore {
    path: PathBuf,
    conn: Mutex<Connection>,
    index: MemoryStore,
    /// The unlocked key of an encrypted store. Used and swapped only with
    /// `conn` locked (lock order: `conn`, then this), so no write can seal
    /// under a key that a concurrent rekey has just replaced.
    cipher: RwLock<Option<Cipher>>,
    /// Bumped by every write transaction (kept in the meta table), so a
    /// graph saved beside the file can tell whether it is current.
    generation: AtomicU64,
}

/// Bumps the store's generation inside a write transaction.
fn bump_generation(tx: &rusqlite::Transaction<'_>) -> rusqlite::Result<()> {
    tx.execute(
        "INSERT INTO meta (key, value) VALUES ('generation', '1')
         ON CONFLICT(key) DO UPDATE SET value = CAST(value AS INTEGER) + 1",
        [],
    )
    .map(|_| ())
}

fn store_err(path: &Path, e: impl std::fmt::Display) -> Error {
    Error::Store {
        detail: format!("{}: {e}", path.display()),
    }
}

fn mismatch(path: &Path, detail: &str) -> Error {
    Error::EncryptionMismatch {
        store: path.display().to_string(),
        detail: detail.to_string(),
    }
}

/// The meta row holding an encrypted store's header ([`Cipher::create`]).
const ENCRYPTION_KEY: &str = "encryption";

/// Removes a graph saved beside the store: it holds the vectors in plain
/// text, which an encrypted store must not leave on disk. A failure is only
/// logged: the graph is stale for the store's generation either way.
fn remove_saved_graph(store: &Path) {
    let (graph, keys) = Graph::paths(store);
    for file in [keys, graph] {
        match std::fs::remove_file(&file) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                tracing::warn!(
                    "cannot remove {} (it holds vectors in plain text): {e}",
                    file.display()
                );
            }
            _ => {}
        }
    }
}

impl SqliteStore {
    /// Opens `path`, creating it for `model_id` / `dim` when it does not exist.
    /// An existing file must have been made for the same model and dimension.
    pub fn create_or_open(path: impl AsRef<Path>, model_id: &str, dim: usize) -> Result<Self> {
        Self::create_or_open_with(path, model_id, dim, IndexOptions::default())
    }

    /// [`create_or_open`](Self::create_or_open) with storage and index
    /// options for the in-memory copy (the file always keeps `f32`).
    pub fn create_or_open_with(
        path: impl AsRef<Path>,
        model_id: &str,
        dim: usize,
        options: IndexOptions,
    ) -> Result<Self> {
        Self::create_or_open_with_key(path, model_id, dim, options, None)
    }

    /// [`create_or_open_with`](Self::create_or_open_with) for a store
    /// encrypted at rest: a new file made with `Some(key)` seals its vectors
    /// under it; an existing one must be opened with the key it has
    /// ([`Error::WrongKey`] otherwise), and an encrypted store without one,
    /// or a plain store with one, gives [`Error::EncryptionMismatch`].
    pub fn create_or_open_with_key(
        path: impl AsRef<Path>,
        model_id: &str,
        dim: usize,
        options: IndexOptions,
        key: Option<&StoreKey>,
    ) -> Result<Self> {
        let path = path.as_ref();
        if model_id.trim().is_empty() || dim == 0 {
            return Err(Error::invalid_argument(
                "model_id/dim",
                "need a model id and a positive dimension",
            ));
        }
        let conn = Self::connect(path, true)?;
        // One immediate transaction: whether the store is new and its
        // encryption header are decided together, even with another
        // process creating the same file.
        let created = (|| -> Result<Option<Cipher>> {
            let sql = |e| store_err(path, e);
            let tx = rusqlite::Transaction::new_unchecked(&conn, TransactionBehavior::Immediate)
                .map_err(sql)?;
            tx.execute_batch(
                "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
                 CREATE TABLE IF NOT EXISTS records (
                     id TEXT PRIMARY KEY,
                     vector BLOB NOT NULL,
                     status INTEGER NOT NULL,
                     created_at_ms INTEGER NOT NULL,
                     updated_at_ms INTEGER NOT NULL,
                     enrollment_count INTEGER NOT NULL,
                     labels TEXT NOT NULL
                 );",
            )
            .map_err(sql)?;
            let fresh = tx
                .query_row("SELECT 1 FROM meta WHERE key = 'model_id'", [], |_| Ok(()))
                .optional()
                .map_err(sql)?
                .is_none();
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_millis() as i64)
                .unwrap_or(0);
            for (k, v) in [
                ("schema_version", SCHEMA_VERSION.to_string()),
                ("model_id", model_id.to_string()),
                ("dim", dim.to_string()),
                ("created_at_ms", now.to_string()),
            ] {
                tx.execute(
                    "INSERT OR IGNORE INTO meta (key, value) VALUES (?1, ?2)",
                    params![k, v],
                )
                .map_err(sql)?;
            }
            let created = match key {
                Some(key) if fresh => {
                    let (cipher, header) = Cipher::create(key, model_id)?;
                    tx.execute(
                        "INSERT INTO meta (key, value) VALUES (?1, ?2)",
                        params![ENCRYPTION_KEY, header],
                    )
                    .map_err(sql)?;
                    Some(cipher)
                }
                _ => None,
            };
            tx.commit().map_err(sql)?;
            Ok(created)
        })()?;
        let store = Self::load(path, conn, options, key, created)?;
        if store.index.model_id() != model_id {
            return Err(Error::ModelMismatch {
                store: store.index.model_id().to_string(),
                model: model_id.to_string(),
            });
        }
        if store.index.dim() != dim {
            return Err(Error::DimensionMismatch {
                expected: store.index.dim(),
                actual: dim,
            });
        }
        Ok(store)
    }

    /// Opens an existing store file, taking its model id and dimension from it.
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        Self::open_with(path, IndexOptions::default())
    }

    /// [`open`](Self::open) with storage and index options.
    pub fn open_with(path: impl AsRef<Path>, options: IndexOptions) -> Result<Self> {
        Self::open_with_key(path, options, None)
    }

    /// [`open_with`](Self::open_with) for a store that may be encrypted:
    /// `key` must be its key ([`Error::WrongKey`] otherwise, before any
    /// record is read), `None` for a plain store
    /// ([`Error::EncryptionMismatch`] when it does not fit).
    pub fn open_with_key(
        path: impl AsRef<Path>,
        options: IndexOptions,
        key: Option<&StoreKey>,
    ) -> Result<Self> {
        let path = path.as_ref();
        if !path.is_file() {
            return Err(Error::io(
                path,
                std::io::Error::new(std::io::ErrorKind::NotFound, "no store file here"),
            ));
        }
        let conn = Self::connect(path, false)?;
        Self::load(path, conn, options, key, None)
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The in-memory index the store searches (its options, its memory).
    pub fn index(&self) -> &MemoryStore {
        &self.index
    }

    /// Whether the file keeps its vectors encrypted.
    pub fn is_encrypted(&self) -> bool {
        self.cipher.read().is_some()
    }

    /// Re-encrypts every record in one transaction: `Some` to `Some`
    /// rotates the key, `None` to `Some` encrypts a plain store, `Some` to
    /// `None` decrypts it. `old` must be the store's current key
    /// ([`Error::WrongKey`]), or `None` exactly when it is plain
    /// ([`Error::EncryptionMismatch`]); a record that fails its check
    /// ([`Error::CorruptRecord`]) stops the rekey with nothing changed.
    ///
    /// Writes wait while it runs and then use the new key. Afterwards the
    /// file is vacuumed and its WAL emptied so no copy under the old key
    /// (or in plain text) stays in free pages; should that clean-up fail,
    /// the rekey still stands and a warning is logged.
    pub fn rekey(&self, old: Option<&StoreKey>, new: Option<&StoreKey>) -> Result<()> {
        let path = self.path.as_path();
        let sql = |e| store_err(path, e);
        let name = path.display().to_string();
        let (model_id, dim) = (self.index.model_id(), self.index.dim());
        let mut conn = self.conn.lock();
        // The file, not the open handle, says what `old` must be.
        let header: Option<String> = conn
            .query_row(
                "SELECT value FROM meta WHERE key = ?1",
                [ENCRYPTION_KEY],
                |r| r.get(0),
            )
            .optional()
            .map_err(sql)?;
        let current =
            match (header, old) {
                (Some(header), Some(old)) => Some(Cipher::unlock(old, model_id, &header, &name)?),
                (None, None) => None,
                (Some(_), None) => {
                    return Err(mismatch(
                        path,
                        "the store is encrypted: pass its current key (or passphrase) as `old`",
                    ))
                }
                (None, Some(_)) => return Err(mismatch(
                    path,
                    "the store keeps its vectors in plain text: pass `None` as `old` to encrypt it",
                )),
            };
        let (next, next_header) = match new {
            Some(key) => {
                let (cipher, header) = Cipher::create(key, model_id)?;
                (Some(cipher), Some(header))
            }
            None => (None, None),
        };
        // Old bytes of rewritten cells are zeroed rather than left in the
        // pages' free space.
        conn.pragma_update(None, "secure_delete", "ON")
            .map_err(sql)?;
        let tx = conn.transaction().map_err(sql)?;
        {
            let ids: Vec<String> = tx
                .prepare("SELECT id FROM records")
                .and_then(|mut stmt| stmt.query_map([], |r| r.get(0))?.collect())
                .map_err(sql)?;
            let mut read = tx
                .prepare("SELECT vector FROM records WHERE id = ?1")
                .map_err(sql)?;
            let mut write = tx
                .prepare("UPDATE records SET vector = ?1 WHERE id = ?2")
                .map_err(sql)?;
            for id in &ids {
                let blob: Vec<u8> = read.query_row([id], |r| r.get(0)).map_err(sql)?;
                let vector = Self::decode_vector(current.as_ref(), path, dim, id, &blob)?;
                let blob = Self::encode_with(next.as_ref(), id, &vector)?;
                write.execute(params![blob, id]).map_err(sql)?;
            }
        }
        match &next_header {
            Some(header) => tx.execute(
                "INSERT INTO meta (key, value) VALUES (?1, ?2)
                 ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                params![ENCRYPTION_KEY, header],
            ),
            None => tx.execute("DELETE FROM meta WHERE key = ?1", [ENCRYPTION_KEY]),
        }
        .and_then(|_| bump_generation(&tx))
        .map_err(sql)?;
        tx.commit().map_err(sql)?;
        self.generation.fetch_add(1, Ordering::SeqCst);
        let encrypted = next.is_some();
        // Still under the connection lock: the next write seals with this.
        *self.cipher.write() = next;
        if encrypted {
            remove_saved_graph(path);
        }
        if let Err(e) = conn
            .execute_batch("VACUUM")
            .and_then(|_| conn.pragma_update(None, "wal_checkpoint", "TRUNCATE"))
            .and_then(|_| conn.pragma_update(None, "secure_delete", "OFF"))
        {
            tracing::warn!(
                "{name} was rekeyed, but vacuuming it failed ({e}): copies under the old key may remain in its free pages until a VACUUM"
            );
        }
        Ok(())
    }

    /// A vector as the file keeps it: [sealed](Cipher::seal) in an
    /// encrypted store, else its `f32` little-endian bytes. Call with the
    /// connection locked, so a rekey cannot swap the key in between.
    fn encode_vector(&self, id: &str, vector: &[f32]) -> Result<Vec<u8>> {
        Self::encode_with(self.cipher.read().as_ref(), id, vector)
    }

    fn encode_with(cipher: Option<&Cipher>, id: &str, vector: &[f32]) -> Result<Vec<u8>> {
        match cipher {
            Some(cipher) => cipher.seal(id, vector),
            None => Ok(vector_to_bytes(vector)),
        }
    }

    /// The inverse of [`encode_vector`](Self::encode_vector) for a record
    /// of `dim` values.
    fn decode_vector(
        cipher: Option<&Cipher>,
        path: &Path,
        dim: usize,
        id: &str,
        blob: &[u8],
    ) -> Result<Vec<f32>> {
        if let Some(cipher) = cipher {
            return cipher.open(id, blob, dim, &path.display().to_string());
        }
        if blob.len() != dim * 4 {
            return Err(store_err(
                path,
                format!(
                    "record `{id}` has {} bytes of vector, expected {}",
                    blob.len(),
                    dim * 4
                ),
            ));
        }
        Ok(vector_from_bytes(blob))
    }

    fn connect(path: &Path, create: bool) -> Result<Connection> {
        let mut flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
            | OpenFlags::SQLITE_OPEN_URI;
        if create {
            flags |= OpenFlags::SQLITE_OPEN_CREATE;
        }
        let conn = Connection::open_with_flags(path, flags).map_err(|e| store_err(path, e))?;
        // WAL: readers never block the writer and a crash mid-write loses at
        // most the transaction in flight; NORMAL sync is durable in WAL mode
        // except on power loss right after commit.
        conn.pragma_update(None, "journal_mode", "WAL")
            .and_then(|_| conn.pragma_update(None, "synchronous", "NORMAL"))
            .and_then(|_| conn.busy_timeout(std::time::Duration::from_secs(5)))
            .map_err(|e| {
                store_err(
                    path,
                    format!("not a voiceprint store or not an SQLite file ({e})"),
                )
            })?;
        Ok(conn)
    }

    /// Reads a store whole. `created` is the cipher of a store made just now
    /// with `key` (its header was written in the same transaction).
    fn load(
        path: &Path,
        conn: Connection,
        options: IndexOptions,
        key: Option<&StoreKey>,
        created: Option<Cipher>,
    ) -> Result<Self> {
        let get = |key: &str| -> Result<String> {
            conn.query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| {
                r.get::<_, String>(0)
            })
            .optional()
            .map_err(|e| store_err(path, format!("not a voiceprint store ({e})")))?
            .ok_or_else(|| {
                store_err(
                    path,
                    format!("not a voiceprint store (no `{key}` in its meta table)"),
                )
            })
        };
        let version: i64 = get("schema_version")?
            .parse()
            .map_err(|e| store_err(path, e))?;
        if version > SCHEMA_VERSION {
            return Err(Error::SchemaTooNew {
                store: path.display().to_string(),
                found: version,
                supported: SCHEMA_VERSION,
            });
        }
        let model_id = get("model_id")?;
        let dim: usize = get("dim")?.parse().map_err(|e| store_err(path, e))?;
        let generation: u64 = conn
            .query_row("SELECT value FROM meta WHERE key = 'generation'", [], |r| {
                r.get::<_, String>(0)
            })
            .optional()
            .map_err(|e| store_err(path, e))?
            .map_or(Ok(0), |v| v.parse::<u64>())
            .map_err(|e| store_err(path, format!("bad generation: {e}")))?;
        let header: Option<String> = conn
            .query_row(
                "SELECT value FROM meta WHERE key = ?1",
                [ENCRYPTION_KEY],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| store_err(path, e))?;
        // The key is checked before any record is decoded.
        let cipher = match (created, header, key) {
            (Some(cipher), _, _) => Some(cipher),
            (None, Some(header), Some(key)) => Some(Cipher::unlock(
                key,
                &model_id,
                &header,
                &path.display().to_string(),
            )?),
            (None, None, None) => None,
            (None, Some(_), None) => return Err(mismatch(
                path,
                "the store is encrypted: open it with its key or passphrase (`open_with_key`, `create_or_open_with_key`)",
            )),
            (None, None, Some(_)) => return Err(mismatch(
                path,
                "the store keeps its vectors in plain text, yet a key was given: open it without a key, or encrypt it first with `rekey(None, Some(key))`",
            )),
        };
        let mut index = MemoryStore::with_options(model_id, dim, options)?;
        index.defer_graph(true);
        {
            let mut stmt = conn
                .prepare("SELECT id, vector, status, created_at_ms, updated_at_ms, enrollment_count, labels FROM records")
                .map_err(|e| store_err(path, e))?;
            let rows = stmt
                .query_map([], |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, Vec<u8>>(1)?,
                        r.get::<_, i64>(2)?,
                        r.get::<_, i64>(3)?,
                        r.get::<_, i64>(4)?,
                        r.get::<_, i64>(5)?,
                        r.get::<_, String>(6)?,
                    ))
                })
                .map_err(|e| store_err(path, e))?;
            let mut loaded = Vec::new();
            for row in rows {
                let (id, blob, status, created, updated, count, labels) =
                    row.map_err(|e| store_err(path, e))?;
                let vector = Self::decode_vector(cipher.as_ref(), path, dim, &id, &blob)?;
                let labels = serde_json::from_str(&labels)
                    .map_err(|e| store_err(path, format!("record `{id}` has bad labels: {e}")))?;
                if loaded.len() == LOAD_CHUNK {
                    index.upsert_batch(std::mem::take(&mut loaded))?;
                }
                loaded.push(Record {
                    id,
                    vector,
                    meta: RecordMeta {
                        status: Status::from_code(status),
                        created_at_ms: created,
                        updated_at_ms: updated,
                        enrollment_count: u32::try_from(count).unwrap_or(0),
                        labels,
                    },
                });
            }
            // Loaded in chunks: one write lock per chunk, and never a second
            // copy of the whole file in memory (ids are the primary key, so
            // no chunk repeats one).
            index.upsert_batch(loaded)?;
        }
        if cipher.is_some() {
            // A graph left from the store's plain days (or planted) is
            // neither kept on disk nor trusted: attach rebuilds it.
            remove_saved_graph(path);
        }
        index.attach_graph(path, generation);
        Ok(SqliteStore {
            path: path.to_path_buf(),
            conn: Mutex::new(conn),
            index,
            cipher: RwLock::new(cipher),
            generation: AtomicU64::new(generation),
        })
    }

    /// Upserts with the connection lock held (`upsert`, `upsert_batch`
    /// and `update`): one transaction, and the lock is held across the file
    /// and index writes, so both apply writes in the same order. The
    /// records must be checked and distinct.
    fn upsert_locked(&self, conn: &mut Connection, records: Vec<Record>) -> Result<()> {
        let tx = conn.transaction().map_err(|e| store_err(&self.path, e))?;
        {
            let mut stmt = tx
                .prepare_cached(UPSERT_SQL)
                .map_err(|e| store_err(&self.path, e))?;
            for record in &records {
                // Sealed with the connection lock held, so a rekey cannot
                // change the key between sealing and writing.
                let blob = self.encode_vector(&record.id, &record.vector)?;
                let labels = serde_json::to_string(&record.meta.labels)
                    .map_err(|e| Error::invalid_argument("labels", e.to_string()))?;
                stmt.execute(params![
                    record.id,
                    blob,
                    record.meta.status.code(),
                    record.meta.created_at_ms,
                    record.meta.updated_at_ms,
                    record.meta.enrollment_count as i64,
                    labels
                ])
                .map_err(|e| store_err(&self.path, e))?;
            }
        }
        bump_generation(&tx).map_err(|e| store_err(&self.path, e))?;
        tx.commit().map_err(|e| store_err(&self.path, e))?;
        self.generation.fetch_add(1, Ordering::SeqCst);
        // Checked before, so the index takes the batch whole.
        self.index.upsert_batch(records)
    }

    fn write<T>(
        &self,
        f: impl FnOnce(&rusqlite::Transaction<'_>) -> rusqlite::Result<T>,
    ) -> Result<T> {
        let mut conn = self.conn.lock();
        let tx = conn.transaction().map_err(|e| store_err(&self.path, e))?;
        let out = f(&tx)
            .and_then(|out| bump_generation(&tx).map(|_| out))
            .map_err(|e| store_err(&self.path, e))?;
        tx.commit().map_err(|e| store_err(&self.path, e))?;
        self.generation.fetch_add(1, Ordering::SeqCst);
        Ok(out)
    }
}

impl VectorStore for SqliteStore {
    fn model_id(&self) -> &str {
        self.index.model_id()
    }

    fn dim(&self) -> usize {
        self.index.dim()
    }

    fn len(&self) -> usize {
        self.index.len()
    }

    fn upsert(&self, record: Record) -> Result<()> {
        self.index.check(&record)?;
        self.upsert_locked(&mut self.conn.lock(), vec![record])
    }

    fn update(
        &self,
        id: &str,
        change: &mut dyn FnMut(Option<Record>) -> Result<Record>,
    ) -> Result<Record> {
        // Every write holds the connection lock, so the index is current
        // while it is held.
        let mut conn = self.conn.lock();
        let record = change(self.index.get(id)?)?;
        super::check_updated_id(id, &record)?;
        self.index.check(&record)?;
        self.upsert_locked(&mut conn, vec![record.clone()])?;
        Ok(record)
    }

    fn upsert_batch(&self, records: Vec<Record>) -> Result<()> {
        super::check_distinct_ids(&records)?;
        for r in &records {
            self.index.check(r)?;
        }
        self.upsert_locked(&mut self.conn.lock(), records)
    }

    fn get(&self, id: &str) -> Result<Option<Record>> {
        self.index.get(id)
    }

    fn remove(&self, id: &str) -> Result<bool> {
        if !self.index.contains(id) {
            return Ok(false);
        }
        self.write(|tx| tx.execute("DELETE FROM records WHERE id = ?1", [id]))?;
        self.index.remove(id)
    }

    fn list(&self) -> Result<Vec<String>> {
        self.index.list()
    }

    fn set_status(&self, id: &str, status: Status) -> Result<()> {
        if !self.index.contains(id) {
            return Err(Error::NotFound { id: id.to_string() });
        }
        self.write(|tx| {
            tx.execute(
                "UPDATE records SET status = ?1 WHERE id = ?2",
                params![status.code(), id],
            )
        })?;
        self.index.set_status(id, status)
    }

    fn search(&self, query: &[f32], k: usize, candidates: Option<&[&str]>) -> Result<Vec<Match>> {
        self.index.search(query, k, candidates)
    }

    fn search_batch(
        &self,
        queries: &[f32],
        k: usize,
        candidates: Option<&[&str]>,
    ) -> Result<Vec<Vec<Match>>> {
        self.index.search_batch(queries, k, candidates)
    }

    /// Checkpoints the WAL into the file and saves the HNSW graph beside
    /// it (`<file>.hnsw` and `<file>.hnsw.keys`) when it changed, unless
    /// the store is encrypted.
    fn flush(&self) -> Result<()> {
        let conn = self.conn.lock();
        conn.pragma_update(None, "wal_checkpoint", "TRUNCATE")
            .map_err(|e| store_err(&self.path, e))?;
        if self.is_encrypted() {
            // The graph file would hold the vectors in plain text.
            return Ok(());
        }
        // Under the connection lock: no write can slip between the
        // generation read and the save.
        self.index
            .save_graph(&self.path, self.generation.load(Ordering::SeqCst))
    }
}

impl Drop for SqliteStore {
    /// Saves a changed HNSW graph so the next open loads it instead of
    /// rebuilding; a failure only costs that rebuild.
    fn drop(&mut self) {
        let _conn = self.conn.lock();
        if self.is_encrypted() {
            return;
        }
        if let Err(e) = self
            .index
            .save_graph(&self.path, self.generation.load(Ordering::SeqCst))
        {
            tracing::warn!("HNSW index not saved (the next open rebuilds it): {e}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::graph::Graph;
    use super::*;

    fn rec(id: &str, v: Vec<f32>) -> Record {
        let mut meta = RecordMeta {
            enrollment_count: 2,
            created_at_ms: 5,
            updated_at_ms: 7,
            ..Default::default()
        };
        meta.labels.insert("name".into(), format!("Speaker {id}"));
        Record {
            id: id.into(),
            vector: v,
            meta,
        }
    }

    #[test]
    fn a_batch_is_written_whole_or_not_at_all() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("b.db");
        let store = SqliteStore::create_or_open(&path, "m", 3).unwrap();
        store.upsert(rec("old", vec![0.0, 0.0, 1.0])).unwrap();
        let batch: Vec<Record> = (0..20_000)
            .map(|i| {
                let a = i as f32 * 0.001;
                rec(&format!("r{i:05}"), vec![a.cos(), a.sin(), 0.0])
            })
            .collect();
        store.upsert_batch(batch.clone()).unwrap();
        // Replacing in a batch keeps one record per id.
        store
            .upsert_batch(vec![
                rec("old", vec![1.0, 0.0, 0.0]),
                rec("new", vec![0.0, 1.0, 0.0]),
            ])
            .unwrap();
        assert_eq!(store.len(), 20_002);
        // A bad record, or an id twice, refuses the whole batch.
        let bad = vec![
            rec("x1", vec![1.0, 0.0, 0.0]),
            rec("x2", vec![f32::NAN, 0.0, 0.0]),
        ];
        assert!(store.upsert_batch(bad).is_err());
        let twice = vec![rec("y", vec![1.0, 0.0, 0.0]), rec("y", vec![0.0, 1.0, 0.0])];
        assert!(store.upsert_batch(twice).is_err());
        assert!(store.get("x1").unwrap().is_none() && store.get("y").unwrap().is_none());
        let q = [0.6f32, 0.8, 0.0];
        let before = store.search(&q, 5, None).unwrap();
        drop(store);
        let reopened = SqliteStore::open(&path).unwrap();
        assert_eq!(reopened.len(), 20_002);
        assert_eq!(reopened.search(&q, 5, None).unwrap(), before);
        assert_eq!(reopened.get("r00007").unwrap().unwrap(), batch[7]);
        assert_eq!(
            reopened.get("old").unwrap().unwrap().vector,
            vec![1.0, 0.0, 0.0]
        );
    }

    #[test]
    fn round_trip_and_reopen_give_identical_results() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.db");
        let q = [0.6f32, 0.8, 0.0];
        let before;
        {
            let s = SqliteStore::create_or_open(&path, "m", 3).unwrap();
            s.upsert(rec("a", vec![1.0, 0.0, 0.0])).unwrap();
            s.upsert(rec("b", vec![0.0, 1.0, 0.0])).unwrap();
            s.upsert(rec("c", vec![0.0, 0.0, 1.0])).unwrap();
            s.upsert(rec("b", vec![0.0, 0.6, 0.8])).unwrap(); // replace
            s.set_status("c", Status::Disabled).unwrap();
            assert!(s.remove("a").unwrap());
            assert!(!s.remove("a").unwrap());
            s.upsert(rec("d", vec![0.6, 0.8, 0.0])).unwrap();
            before = s.search(&q, 10, None).unwrap();
        }
        let s = SqliteStore::open(&path).unwrap();
        assert_eq!((s.model_id(), s.dim(), s.len()), ("m", 3, 3));
        assert_eq!(s.search(&q, 10, None).unwrap(), before);
        assert_eq!(s.list().unwrap(), vec!["b", "c", "d"]);
        let c = s.get("c").unwrap().unwrap();
        assert_eq!(c.meta.status, Status::Disabled);
        assert_eq!(c.meta.labels["name"], "Speaker c");
        assert_eq!(
            (
                c.meta.enrollment_count,
                c.meta.created_at_ms,
                c.meta.updated_at_ms
            ),
            (2, 5, 7)
        );
        assert_eq!(s.get("b").unwrap().unwrap().vector, vec![0.0, 0.6, 0.8]);
        // create_or_open on an existing file keeps its records.
        drop(s);
        assert_eq!(SqliteStore::create_or_open(&path, "m", 3).unwrap().len(), 3);
    }

    #[test]
    fn other_models_dimensions_and_files_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.db");
        SqliteStore::create_or_open(&path, "m", 3).unwrap();
        assert!(matches!(
            SqliteStore::create_or_open(&path, "other", 3),
            Err(Error::ModelMismatch { .. })
        ));
        assert!(matches!(
            SqliteStore::create_or_open(&path, "m", 4),
            Err(Error::DimensionMismatch { .. })
        ));
        let s = SqliteStore::open(&path).unwrap();
        assert!(matches!(
            s.upsert(rec("x", vec![1.0])),
            Err(Error::DimensionMismatch { .. })
        ));
        assert!(matches!(
            s.upsert(rec("", vec![1.0, 0.0, 0.0])),
            Err(Error::InvalidId { .. })
        ));
        assert!(matches!(
            s.set_status("nobody", Status::Active),
            Err(Error::NotFound { .. })
        ));
        drop(s);

        // A schema from the future.
        let conn = Connection::open(&path).unwrap();
        conn.execute(
            "UPDATE meta SET value = '99' WHERE key = 'schema_version'",
            [],
        )
        .unwrap();
        drop(conn);
        let err = SqliteStore::open(&path).unwrap_err();
        assert!(err.to_string().contains("upgrade"), "{err}");

        // Not SQLite at all.
        let junk = dir.path().join("junk.db");
        std::fs::write(
            &junk,
            b"this is not a database, just text that is long enough to fill a header",
        )
        .unwrap();
        assert!(matches!(SqliteStore::open(&junk), Err(Error::Store { .. })));
        // SQLite, but not ours.
        let foreign = dir.path().join("foreign.db");
        Connection::open(&foreign)
            .unwrap()
            .execute_batch("CREATE TABLE t (x)")
            .unwrap();
        assert!(matches!(
            SqliteStore::open(&foreign),
            Err(Error::Store { .. })
        ));
        assert!(matches!(
            SqliteStore::open(dir.path().join("missing.db")),
            Err(Error::Io { .. })
        ));
    }

    fn random_records(n: usize, dim: usize, seed: u64) -> Vec<Record> {
        crate::store::testdata::unit_vectors(n, dim, seed | 1)
            .into_iter()
            .enumerate()
            .map(|(i, v)| rec(&format!("s{seed}-{i:05}"), v))
            .collect()
    }

    fn hnsw_state(store: &SqliteStore) -> super::super::HnswState {
        store.index().hnsw_state()
    }

    /// The graph is saved beside the file and loaded on the next open when
    /// nothing changed; after writes that were never saved (a crash), or
    /// with a damaged graph file, the open rebuilds it from the rows.
    #[test]
    fn the_hnsw_graph_is_saved_beside_the_file_and_checked_on_open() {
        use super::super::{HnswOptions, HnswState};
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.db");
        let dim = 32;
        let options = IndexOptions {
            hnsw: Some(HnswOptions {
                min_records: 500,
                ..Default::default()
            }),
            ..Default::default()
        };
        let open = || SqliteStore::create_or_open_with(&path, "m", dim, options.clone()).unwrap();
        let q = random_records(1, dim, 99).remove(0).vector;
        let before = {
            let store = open();
            store.upsert_batch(random_records(1000, dim, 1)).unwrap();
            assert!(matches!(
                hnsw_state(&store),
                HnswState::Ready {
                    records: 1000,
                    loaded_from_file: false,
                    ..
                }
            ));
            store.search(&q, 10, None).unwrap()
        };
        let (graph, keys) = Graph::paths(&path);
        assert!(graph.is_file() && keys.is_file());

        // Unchanged: loaded, same answers.
        let store = open();
        assert!(matches!(
            hnsw_state(&store),
            HnswState::Ready {
                records: 1000,
                loaded_from_file: true,
                ..
            }
        ));
        assert_eq!(store.search(&q, 10, None).unwrap(), before);

        // A write, then a "crash": the saved graph is a generation behind.
        let mut extra = random_records(1, dim, 7).remove(0);
        extra.vector = q.clone();
        store.upsert(extra).unwrap();
        store.remove(&before[0].id).unwrap();
        std::mem::forget(store);
        let store = open();
        assert!(matches!(
            hnsw_state(&store),
            HnswState::Ready {
                records: 1000,
                loaded_from_file: false,
                ..
            }
        ));
        let hits = store.search(&q, 10, None).unwrap();
        assert_eq!(hits[0].id, "s7-00000");
        assert!(hits.iter().all(|m| m.id != before[0].id));
        drop(store);

        // A damaged graph file: rebuilt, not trusted, no error.
        let len = std::fs::metadata(&graph).unwrap().len();
        let mut bytes = std::fs::read(&graph).unwrap();
        let mid = bytes.len() / 2;
        bytes[mid..].iter_mut().for_each(|b| *b = !*b);
        std::fs::write(&graph, &bytes).unwrap();
        assert_eq!(std::fs::metadata(&graph).unwrap().len(), len);
        let store = open();
        assert!(matches!(
            hnsw_state(&store),
            HnswState::Ready {
                loaded_from_file: false,
                ..
            }
        ));
        assert_eq!(store.search(&q, 1, None).unwrap()[0].id, "s7-00000");
    }

    #[test]
    fn concurrent_searches_while_writing() {
        let dir = tempfile::tempdir().unwrap();
        let s = SqliteStore::create_or_open(dir.path().join("s.db"), "m", 2).unwrap();
        s.upsert(rec("anchor", vec![1.0, 0.0])).unwrap();
        std::thread::scope(|scope| {
            scope.spawn(|| {
                for i in 0..50 {
                    s.upsert(rec(&format!("w{i}"), vec![0.0, 1.0])).unwrap();
                }
            });
            for _ in 0..2 {
                scope.spawn(|| {
                    for _ in 0..100 {
                        assert_eq!(s.search(&[1.0, 0.0], 1, None).unwrap()[0].id, "anchor");
                    }
                });
            }
        });
        assert_eq!(s.len(), 51);
    }

    fn key(byte: u8) -> StoreKey {
        StoreKey::from_bytes(&[byte; 32]).unwrap()
    }

    fn open_keyed(path: &Path, key: Option<&StoreKey>) -> Result<SqliteStore> {
        SqliteStore::open_with_key(path, IndexOptions::default(), key)
    }

    fn create_keyed(path: &Path, dim: usize, key: Option<&StoreKey>) -> SqliteStore {
        SqliteStore::create_or_open_with_key(path, "m", dim, IndexOptions::default(), key).unwrap()
    }

    /// The store file's bytes, then its WAL's when there is one.
    fn file_bytes(path: &Path) -> Vec<u8> {
        let mut bytes = std::fs::read(path).unwrap();
        let mut wal = path.as_os_str().to_owned();
        wal.push("-wal");
        if let Ok(more) = std::fs::read(PathBuf::from(wal)) {
            bytes.extend(more);
        }
        bytes
    }

    /// How many of the records' vectors show their first 16 bytes (four
    /// `f32` little endian) somewhere in `bytes`.
    fn plaintext_vectors_in(bytes: &[u8], records: &[Record]) -> usize {
        let prefixes: std::collections::HashSet<Vec<u8>> = records
            .iter()
            .map(|r| r.vector[..4].iter().flat_map(|x| x.to_le_bytes()).collect())
            .collect();
        let found: std::collections::HashSet<&[u8]> = bytes
            .windows(16)
            .filter(|w| prefixes.contains(*w))
            .collect();
        found.len()
    }

    fn blob_of(path: &Path, id: &str) -> Vec<u8> {
        Connection::open(path)
            .unwrap()
            .query_row("SELECT vector FROM records WHERE id = ?1", [id], |r| {
                r.get(0)
            })
            .unwrap()
    }

    fn set_blob(path: &Path, id: &str, blob: &[u8]) {
        Connection::open(path)
            .unwrap()
            .execute(
                "UPDATE records SET vector = ?1 WHERE id = ?2",
                params![blob, id],
            )
            .unwrap();
    }

    fn all_records(store: &SqliteStore) -> Vec<Record> {
        store
            .list()
            .unwrap()
            .iter()
            .map(|id| store.get(id).unwrap().unwrap())
            .collect()
    }

    #[test]
    fn an_encrypted_store_answers_like_a_plain_one_across_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let (plain_path, sealed_path) = (dir.path().join("p.db"), dir.path().join("e.db"));
        let dim = 16;
        let records = random_records(300, dim, 3);
        let queries: Vec<f32> = random_records(5, dim, 9)
            .into_iter()
            .flat_map(|r| r.vector)
            .collect();
        for (path, k) in [(&plain_path, None), (&sealed_path, Some(key(1)))] {
            let store = create_keyed(path, dim, k.as_ref());
            assert_eq!(store.is_encrypted(), k.is_some());
            store.upsert_batch(records[..250].to_vec()).unwrap();
            for r in &records[250..] {
                store.upsert(r.clone()).unwrap();
            }
            store
                .upsert(rec(&records[0].id, records[1].vector.clone()))
                .unwrap();
            store.set_status(&records[2].id, Status::Disabled).unwrap();
            assert!(store.remove(&records[3].id).unwrap());
        }
        let plain = SqliteStore::open(&plain_path).unwrap();
        let sealed = open_keyed(&sealed_path, Some(&key(1))).unwrap();
        assert!(sealed.is_encrypted() && !plain.is_encrypted());
        assert_eq!(sealed.len(), 299);
        assert_eq!(
            sealed.search_batch(&queries, 10, None).unwrap(),
            plain.search_batch(&queries, 10, None).unwrap()
        );
        assert_eq!(all_records(&sealed), all_records(&plain));
        drop(sealed);
        // create_or_open with the key opens it as it is.
        let again = create_keyed(&sealed_path, dim, Some(&key(1)));
        assert_eq!(all_records(&again), all_records(&plain));
    }

    /// The point of encryption at rest: no vector is readable in the file
    /// or its WAL, nor in a graph beside them; the same check finds every
    /// vector of a plain store.
    #[test]
    fn an_encrypted_file_holds_no_vector_in_plain_text() {
        use super::super::HnswOptions;
        let dir = tempfile::tempdir().unwrap();
        let dim = 32;
        let records = random_records(200, dim, 5);
        let options = IndexOptions {
            hnsw: Some(HnswOptions {
                min_records: 100,
                ..Default::default()
            }),
            ..Default::default()
        };
        for encrypted in [true, false] {
            let path = dir.path().join(format!("{encrypted}.db"));
            let k = encrypted.then(|| key(1));
            let store =
                SqliteStore::create_or_open_with_key(&path, "m", dim, options.clone(), k.as_ref())
                    .unwrap();
            store.upsert_batch(records[..150].to_vec()).unwrap();
            for r in &records[150..] {
                store.upsert(r.clone()).unwrap();
            }
            // Before the checkpoint the new pages are in the WAL.
            let in_wal = plaintext_vectors_in(&file_bytes(&path), &records);
            store.flush().unwrap();
            drop(store);
            let at_rest = plaintext_vectors_in(&file_bytes(&path), &records);
            let (graph, keys) = Graph::paths(&path);
            if encrypted {
                assert_eq!((in_wal, at_rest), (0, 0));
                assert!(!graph.exists() && !keys.exists());
            } else {
                assert_eq!((in_wal, at_rest), (200, 200));
                assert!(graph.is_file() && keys.is_file());
            }
        }
    }

    #[test]
    fn wrong_missing_or_extra_keys_are_refused_at_open() {
        let dir = tempfile::tempdir().unwrap();
        let (sealed, plain) = (dir.path().join("e.db"), dir.path().join("p.db"));
        create_keyed(&sealed, 3, Some(&key(1)))
            .upsert(rec("a", vec![1.0, 0.0, 0.0]))
            .unwrap();
        create_keyed(&plain, 3, None)
            .upsert(rec("a", vec![1.0, 0.0, 0.0]))
            .unwrap();
        // The key is checked before the records: even with a damaged one.
        let mut blob = blob_of(&sealed, "a");
        blob[20] ^= 1;
        set_blob(&sealed, "a", &blob);
        let wrong = open_keyed(&sealed, Some(&key(2))).unwrap_err();
        assert!(
            matches!(&wrong, Error::WrongKey { store } if store.ends_with("e.db")),
            "{wrong}"
        );
        assert!(matches!(
            SqliteStore::create_or_open_with_key(
                &sealed,
                "m",
                3,
                IndexOptions::default(),
                Some(&key(2))
            ),
            Err(Error::WrongKey { .. })
        ));
        for err in [
            SqliteStore::open(&sealed).unwrap_err(),
            SqliteStore::create_or_open(&sealed, "m", 3).unwrap_err(),
        ] {
            assert!(matches!(err, Error::EncryptionMismatch { .. }), "{err}");
            assert!(err.to_string().contains("open it with its key"), "{err}");
        }
        for err in [
            open_keyed(&plain, Some(&key(1))).unwrap_err(),
            SqliteStore::create_or_open_with_key(
                &plain,
                "m",
                3,
                IndexOptions::default(),
                Some(&key(1)),
            )
            .unwrap_err(),
        ] {
            assert!(matches!(err, Error::EncryptionMismatch { .. }), "{err}");
            assert!(err.to_string().contains("without a key"), "{err}");
        }
        // Refusing a key left the plain store plain.
        assert!(!SqliteStore::open(&plain).unwrap().is_encrypted());
    }

    #[test]
    fn a_tampered_or_moved_blob_is_a_corrupt_record_naming_its_id() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("e.db");
        {
            let store = create_keyed(&path, 3, Some(&key(1)));
            store.upsert(rec("a", vec![1.0, 0.0, 0.0])).unwrap();
            store.upsert(rec("b", vec![0.0, 1.0, 0.0])).unwrap();
            store.upsert(rec("c", vec![0.0, 0.0, 1.0])).unwrap();
        }
        let corrupt_id = |path: &Path| match open_keyed(path, Some(&key(1))) {
            Err(Error::CorruptRecord { id, .. }) => id,
            other => panic!("{other:?}"),
        };
        let b = blob_of(&path, "b");
        let mut flipped = b.clone();
        flipped[b.len() / 2] ^= 0x80;
        set_blob(&path, "b", &flipped);
        assert_eq!(corrupt_id(&path), "b");
        set_blob(&path, "b", &b);
        assert_eq!(open_keyed(&path, Some(&key(1))).unwrap().len(), 3);
        // A valid blob, but sealed for another id.
        set_blob(&path, "c", &blob_of(&path, "a"));
        assert_eq!(corrupt_id(&path), "c");
        let err = open_keyed(&path, Some(&key(1))).unwrap_err();
        assert!(err.to_string().contains("record `c`"), "{err}");
    }

    #[test]
    fn rekey_encrypts_rotates_and_decrypts_in_place() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.db");
        let records = random_records(100, 8, 11);
        let store = create_keyed(&path, 8, None);
        store.upsert_batch(records.clone()).unwrap();
        let before = all_records(&store);
        assert_eq!(plaintext_vectors_in(&file_bytes(&path), &records), 100);

        // None -> Some: and no plain copy is left in free pages or the WAL.
        store.rekey(None, Some(&key(1))).unwrap();
        assert!(store.is_encrypted());
        drop(store);
        assert_eq!(plaintext_vectors_in(&file_bytes(&path), &records), 0);
        assert!(matches!(
            SqliteStore::open(&path),
            Err(Error::EncryptionMismatch { .. })
        ));
        let store = open_keyed(&path, Some(&key(1))).unwrap();
        assert_eq!(all_records(&store), before);

        // Some -> Some; writes afterwards seal under the new key.
        store.rekey(Some(&key(1)), Some(&key(2))).unwrap();
        store
            .upsert(rec("late", records[0].vector.clone()))
            .unwrap();
        drop(store);
        assert!(matches!(
            open_keyed(&path, Some(&key(1))),
            Err(Error::WrongKey { .. })
        ));
        let store = open_keyed(&path, Some(&key(2))).unwrap();
        assert_eq!(
            store.get("late").unwrap().unwrap().vector,
            records[0].vector
        );
        assert!(store.remove("late").unwrap());
        assert_eq!(all_records(&store), before);

        // Some -> None.
        store.rekey(Some(&key(2)), None).unwrap();
        assert!(!store.is_encrypted());
        store
            .upsert(rec("late", records[1].vector.clone()))
            .unwrap();
        drop(store);
        assert!(matches!(
            open_keyed(&path, Some(&key(2))),
            Err(Error::EncryptionMismatch { .. })
        ));
        let store = SqliteStore::open(&path).unwrap();
        assert_eq!(
            store.get("late").unwrap().unwrap().vector,
            records[1].vector
        );
        assert_eq!(plaintext_vectors_in(&file_bytes(&path), &records), 100);
    }

    #[test]
    fn rekey_with_the_wrong_old_key_changes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let (sealed, plain) = (dir.path().join("e.db"), dir.path().join("p.db"));
        let header = |path: &Path| -> Option<String> {
            Connection::open(path)
                .unwrap()
                .query_row("SELECT value FROM meta WHERE key = 'encryption'", [], |r| {
                    r.get(0)
                })
                .optional()
                .unwrap()
        };
        let store = create_keyed(&sealed, 3, Some(&key(1)));
        store.upsert(rec("a", vec![1.0, 0.0, 0.0])).unwrap();
        store.upsert(rec("b", vec![0.0, 1.0, 0.0])).unwrap();
        let (first_header, first_blob) = (header(&sealed), blob_of(&sealed, "a"));
        assert!(matches!(
            store.rekey(Some(&key(2)), Some(&key(3))),
            Err(Error::WrongKey { .. })
        ));
        for old in [None, Some(key(9))] {
            let err = store.rekey(None, old.as_ref()).unwrap_err();
            assert!(matches!(err, Error::EncryptionMismatch { .. }), "{err}");
        }
        // A record failing its check stops the rekey before anything changes.
        let mut bad = blob_of(&sealed, "b");
        bad[13] ^= 1;
        set_blob(&sealed, "b", &bad);
        assert!(matches!(
            store.rekey(Some(&key(1)), Some(&key(3))),
            Err(Error::CorruptRecord { id, .. }) if id == "b"
        ));
        assert_eq!(
            (header(&sealed), blob_of(&sealed, "a")),
            (first_header, first_blob)
        );
        assert!(store.is_encrypted());
        // The store still writes under its key.
        store.upsert(rec("b", vec![0.0, 0.6, 0.8])).unwrap();
        drop(store);
        assert_eq!(
            open_keyed(&sealed, Some(&key(1)))
                .unwrap()
                .get("b")
                .unwrap()
                .unwrap()
                .vector,
            vec![0.0, 0.6, 0.8]
        );

        let store = create_keyed(&plain, 3, None);
        store.upsert(rec("a", vec![1.0, 0.0, 0.0])).unwrap();
        for new in [None, Some(key(2))] {
            let err = store.rekey(Some(&key(1)), new.as_ref()).unwrap_err();
            assert!(matches!(err, Error::EncryptionMismatch { .. }), "{err}");
        }
        assert!(!store.is_encrypted() && header(&plain).is_none());
    }

    /// Writes racing a rekey wait for it and seal under the new key: none
    /// is lost or sealed under the old one.
    #[test]
    fn writes_during_a_rekey_use_the_new_key() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.db");
        let records = random_records(300, 8, 13);
        let store = create_keyed(&path, 8, Some(&key(1)));
        std::thread::scope(|scope| {
            scope.spawn(|| {
                for r in &records {
                    store.upsert(r.clone()).unwrap();
                }
            });
            while store.len() < 50 {
                std::thread::yield_now();
            }
            store.rekey(Some(&key(1)), Some(&key(2))).unwrap();
        });
        drop(store);
        let store = open_keyed(&path, Some(&key(2))).unwrap();
        assert_eq!(store.len(), 300);
        assert_eq!(store.get(&records[299].id).unwrap().unwrap(), records[299]);
    }

    /// Argon2id runs on each create and open (tens of ms): a few only.
    #[test]
    fn a_passphrase_store_opens_with_its_passphrase_only() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.db");
        let pass = StoreKey::passphrase("correct horse battery staple").unwrap();
        create_keyed(&path, 3, Some(&pass))
            .upsert(rec("a", vec![0.0, 0.6, 0.8]))
            .unwrap();
        let header: String = Connection::open(&path)
            .unwrap()
            .query_row("SELECT value FROM meta WHERE key = 'encryption'", [], |r| {
                r.get(0)
            })
            .unwrap();
        assert!(
            header.contains(";kdf=argon2id;m=19456;t=2;p=1;"),
            "{header}"
        );
        let store = open_keyed(&path, Some(&pass)).unwrap();
        assert_eq!(store.get("a").unwrap().unwrap().vector, vec![0.0, 0.6, 0.8]);
        drop(store);
        for wrong in [
            StoreKey::passphrase("Correct horse battery staple").unwrap(),
            key(1),
        ] {
            assert!(matches!(
                open_keyed(&path, Some(&wrong)),
                Err(Error::WrongKey { .. })
            ));
        }
    }
}
