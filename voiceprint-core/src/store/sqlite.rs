use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use parking_lot::Mutex;
use rusqlite::{params, Connection, OpenFlags, OptionalExtension};

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
        let path = path.as_ref();
        if model_id.trim().is_empty() || dim == 0 {
            return Err(Error::invalid_argument(
                "model_id/dim",
                "need a model id and a positive dimension",
            ));
        }
        let conn = Self::connect(path, true)?;
        let tx_result = (|| -> rusqlite::Result<()> {
            conn.execute_batch(
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
            )?;
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
                conn.execute(
                    "INSERT OR IGNORE INTO meta (key, value) VALUES (?1, ?2)",
                    params![k, v],
                )?;
            }
            Ok(())
        })();
        tx_result.map_err(|e| store_err(path, e))?;
        let store = Self::load(path, conn, options)?;
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
        let path = path.as_ref();
        if !path.is_file() {
            return Err(Error::io(
                path,
                std::io::Error::new(std::io::ErrorKind::NotFound, "no store file here"),
            ));
        }
        let conn = Self::connect(path, false)?;
        Self::load(path, conn, options)
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The in-memory index the store searches (its options, its memory).
    pub fn index(&self) -> &MemoryStore {
        &self.index
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

    fn load(path: &Path, conn: Connection, options: IndexOptions) -> Result<Self> {
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
                let vector = blob
                    .chunks_exact(4)
                    .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                    .collect();
                let labels = serde_json::from_str(&labels)
                    .map_err(|e| store_err(path, format!("record `{id}` has bad labels: {e}")))?;
                if loaded.len() == LOAD_CHUNK {
                    index.upsert_batch(std::mem::take(&mut loaded))?;
                }
                loaded.push(Record {
                    id,
                    vector,
                    meta: RecordMeta {
                        status: if status == 0 {
                            Status::Active
                        } else {
                            Status::Disabled
                        },
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
        index.attach_graph(path, generation);
        Ok(SqliteStore {
            path: path.to_path_buf(),
            conn: Mutex::new(conn),
            index,
            generation: AtomicU64::new(generation),
        })
    }

    /// One upsert with the connection lock held (`upsert` and `update`):
    /// the lock is held across the file and index writes, so both apply
    /// writes in the same order.
    fn upsert_locked(&self, conn: &mut Connection, record: Record) -> Result<()> {
        self.index.check(&record)?;
        let blob: Vec<u8> = record.vector.iter().flat_map(|x| x.to_le_bytes()).collect();
        let labels = serde_json::to_string(&record.meta.labels)
            .map_err(|e| Error::invalid_argument("labels", e.to_string()))?;
        let tx = conn.transaction().map_err(|e| store_err(&self.path, e))?;
        tx.execute(
            UPSERT_SQL,
            params![
                record.id,
                blob,
                (record.meta.status == Status::Disabled) as i64,
                record.meta.created_at_ms,
                record.meta.updated_at_ms,
                record.meta.enrollment_count as i64,
                labels
            ],
        )
        .map_err(|e| store_err(&self.path, e))?;
        bump_generation(&tx).map_err(|e| store_err(&self.path, e))?;
        tx.commit().map_err(|e| store_err(&self.path, e))?;
        self.generation.fetch_add(1, Ordering::SeqCst);
        self.index.upsert(record)
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
        self.upsert_locked(&mut self.conn.lock(), record)
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
        self.upsert_locked(&mut conn, record.clone())?;
        Ok(record)
    }

    fn upsert_batch(&self, records: Vec<Record>) -> Result<()> {
        super::check_distinct_ids(&records)?;
        for r in &records {
            self.index.check(r)?;
        }
        let mut conn = self.conn.lock();
        let tx = conn.transaction().map_err(|e| store_err(&self.path, e))?;
        {
            let mut stmt = tx
                .prepare_cached(UPSERT_SQL)
                .map_err(|e| store_err(&self.path, e))?;
            let mut blob = Vec::with_capacity(self.index.dim() * 4);
            for record in &records {
                blob.clear();
                blob.extend(record.vector.iter().flat_map(|x| x.to_le_bytes()));
                let labels = serde_json::to_string(&record.meta.labels)
                    .map_err(|e| Error::invalid_argument("labels", e.to_string()))?;
                stmt.execute(params![
                    record.id,
                    blob,
                    (record.meta.status == Status::Disabled) as i64,
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
        // Checked above, so the index takes the batch whole.
        self.index.upsert_batch(records)
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
                params![(status == Status::Disabled) as i64, id],
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
    /// it (`<file>.hnsw` and `<file>.hnsw.keys`) when it changed.
    fn flush(&self) -> Result<()> {
        let conn = self.conn.lock();
        conn.pragma_update(None, "wal_checkpoint", "TRUNCATE")
            .map_err(|e| store_err(&self.path, e))?;
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
}
