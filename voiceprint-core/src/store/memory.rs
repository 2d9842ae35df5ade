use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};

use half::f16;
use half::slice::HalfFloatSliceExt;

use parking_lot::RwLock;

use ndarray::ArrayView2;
use rayon::prelude::*;

use super::check_queries;
use super::graph::Graph;
use super::hnsw::HnswOptions;
use super::record::validate_vector;
use super::scan::Int8Rows;
use super::topk::TopK;
use super::{validate_id, Match, Record, RecordMeta, Status, VectorStore};
use super::{HnswState, IndexOptions, Storage};
use crate::score::dot;
use crate::{Error, Result};

/// The stored rows: one contiguous row-major matrix of `f32`, or of `f16`
/// in the half-memory storage mode.
#[derive(Debug)]
enum Matrix {
    F32(Vec<f32>),
    F16(Vec<f16>),
}

impl Matrix {
    fn new(storage: Storage) -> Self {
        match storage {
            Storage::F32 => Matrix::F32(Vec::new()),
            Storage::F16 => Matrix::F16(Vec::new()),
        }
    }

    fn reserve(&mut self, values: usize) {
        match self {
            Matrix::F32(m) => m.reserve(values),
            Matrix::F16(m) => m.reserve(values),
        }
    }

    fn bytes(&self) -> usize {
        match self {
            Matrix::F32(m) => m.capacity() * 4,
            Matrix::F16(m) => m.capacity() * 2,
        }
    }

    fn push(&mut self, v: &[f32]) {
        match self {
            Matrix::F32(m) => m.extend_from_slice(v),
            Matrix::F16(m) => m.extend(v.iter().map(|&x| f16::from_f32(x))),
        }
    }

    fn set(&mut self, i: usize, dim: usize, v: &[f32]) {
        match self {
            Matrix::F32(m) => m[i * dim..(i + 1) * dim].copy_from_slice(v),
            Matrix::F16(m) => m[i * dim..(i + 1) * dim].convert_from_f32_slice(v),
        }
    }

    /// Moves the last row into row `i` and drops the last.
    fn swap_remove(&mut self, i: usize, dim: usize, last: usize) {
        fn move_last<T: Copy>(m: &mut Vec<T>, i: usize, dim: usize, last: usize) {
            m.copy_within(last * dim..(last + 1) * dim, i * dim);
            m.truncate(last * dim);
        }
        match self {
            Matrix::F32(m) => move_last(m, i, dim, last),
            Matrix::F16(m) => move_last(m, i, dim, last),
        }
    }

    /// Row `i` as stored, widened to `f32` into `buf` when needed.
    fn row<'a>(&'a self, i: usize, dim: usize, buf: &'a mut Vec<f32>) -> &'a [f32] {
        self.block(i, i + 1, dim, buf)
    }

    /// Rows `start..end` as one `f32` slice (borrowed, or widened into `buf`).
    fn block<'a>(
        &'a self,
        start: usize,
        end: usize,
        dim: usize,
        buf: &'a mut Vec<f32>,
    ) -> &'a [f32] {
        match self {
            Matrix::F32(m) => &m[start * dim..end * dim],
            Matrix::F16(m) => {
                let src = &m[start * dim..end * dim];
                buf.resize(src.len(), 0.0);
                src.convert_to_f32_slice(buf);
                buf
            }
        }
    }
}

/// Rows of one contiguous matrix, with ids and metadata beside, and the
/// `i8` copy of the compressed scan when it is on.
#[derive(Debug)]
struct Rows {
    ids: Vec<String>,
    slot: HashMap<String, usize>,
    vectors: Matrix,
    int8: Option<Int8Rows>,
    meta: Vec<RecordMeta>,
    /// The HNSW graph, once built or loaded.
    graph: Option<Graph>,
    /// Why the graph was dropped, after a failure (searches are exact then).
    graph_failed: Option<String>,
}

impl Rows {
    /// A copy of the record with this id, if any (`get` and `update`).
    fn record(&self, id: &str, dim: usize) -> Option<Record> {
        let mut buf = Vec::new();
        self.slot.get(id).map(|&i| Record {
            id: id.to_string(),
            vector: self.vectors.row(i, dim, &mut buf).to_vec(),
            meta: self.meta[i].clone(),
        })
    }

    fn new(dim: usize, options: &IndexOptions) -> Self {
        Rows {
            ids: Vec::new(),
            slot: HashMap::new(),
            vectors: Matrix::new(options.storage),
            int8: options.compressed_scan.then(|| Int8Rows::new(dim)),
            meta: Vec::new(),
            graph: None,
            graph_failed: None,
        }
    }

    fn reserve(&mut self, rows: usize, dim: usize) {
        self.ids.reserve(rows);
        self.meta.reserve(rows);
        self.slot.reserve(rows);
        self.vectors.reserve(rows * dim);
        if let Some(q) = &mut self.int8 {
            q.reserve(rows);
        }
    }

    /// Inserts or replaces one checked record of `dim` values, and the
    /// graph's copy when there is a graph.
    fn put(&mut self, record: Record, dim: usize) {
        let changed = self.put_row(record, dim);
        self.graph_put(&[changed], dim);
    }

    /// Inserts or replaces the row; returns its slot and whether it is new.
    /// The graph is brought up to date by [`graph_put`](Self::graph_put).
    fn put_row(&mut self, record: Record, dim: usize) -> (usize, bool) {
        let (i, new) = match self.slot.get(&record.id) {
            Some(&i) => {
                self.vectors.set(i, dim, &record.vector);
                self.meta[i] = record.meta;
                (i, false)
            }
            None => {
                let i = self.ids.len();
                self.slot.insert(record.id.clone(), i);
                self.ids.push(record.id);
                self.vectors.push(&record.vector);
                self.meta.push(record.meta);
                (i, true)
            }
        };
        if let Some(q) = &mut self.int8 {
            // Quantise the row as stored (f16-rounded in that mode), so the
            // bounds hold against the values the rescoring reads.
            let mut buf = Vec::new();
            let stored = self.vectors.row(i, dim, &mut buf);
            if i == q.len() {
                q.push(stored);
            } else {
                q.set(i, stored);
            }
        }
        (i, new)
    }

    /// Adds (or replaces) the graph's vectors of rows just written, in
    /// parallel for a batch. A failure drops the graph: searches stay
    /// correct (exact) and [`MemoryStore::hnsw_state`] says why.
    fn graph_put(&mut self, changed: &[(usize, bool)], dim: usize) {
        let Some(graph) = &mut self.graph else {
            return;
        };
        let result = (|| -> Result<()> {
            let mut work = Vec::with_capacity(changed.len());
            for &(i, new) in changed {
                let key = if new {
                    graph.push_key(i)?
                } else {
                    graph.key(i)
                };
                work.push((i, key));
            }
            graph.dirty = true;
            let (vectors, hnsw) = (&self.vectors, &graph.hnsw);
            if work.len() < 64 {
                let mut buf = Vec::new();
                work.iter()
                    .try_for_each(|&(i, key)| hnsw.add(key, vectors.row(i, dim, &mut buf)))
            } else {
                work.par_iter()
                    .try_for_each_init(Vec::new, |buf, &(i, key)| {
                        hnsw.add(key, vectors.row(i, dim, buf))
                    })
            }
        })();
        if let Err(e) = result {
            self.drop_graph(e);
        }
    }

    fn drop_graph(&mut self, e: Error) {
        tracing::warn!("HNSW index dropped, searches are exact until it is rebuilt: {e}");
        self.graph = None;
        self.graph_failed = Some(e.to_string());
    }

    /// Builds the graph from every row.
    fn build_graph(&mut self, dim: usize, options: &HnswOptions) {
        let start = std::time::Instant::now();
        let n = self.ids.len();
        let vectors = &self.vectors;
        let contiguous = match vectors {
            Matrix::F32(m) => Some(&m[..]),
            Matrix::F16(_) => None,
        };
        let built = Graph::build(dim, options, n, contiguous, |a, b| {
            let mut buf = Vec::new();
            vectors.block(a, b, dim, &mut buf).to_vec()
        });
        match built {
            Ok(g) => {
                tracing::info!(
                    "HNSW index of {n} records built in {:.1} s",
                    start.elapsed().as_secs_f64()
                );
                self.graph = Some(g);
                self.graph_failed = None;
            }
            Err(e) => self.drop_graph(e),
        }
    }

    /// Removes row `i` by moving the last row into its place, so the
    /// matrix stays contiguous.
    fn swap_remove(&mut self, i: usize, dim: usize) {
        let last = self.ids.len() - 1;
        if let Some(graph) = &mut self.graph {
            if let Err(e) = graph.swap_remove(i) {
                self.drop_graph(e);
            }
        }
        self.vectors.swap_remove(i, dim, last);
        if let Some(q) = &mut self.int8 {
            q.swap_remove(i);
        }
        self.ids.swap_remove(i);
        self.meta.swap_remove(i);
        if i != last {
            self.slot.insert(self.ids[i].clone(), i);
        }
    }

    fn is_active(&self, i: usize) -> bool {
        self.meta[i].status == Status::Active
    }
}

/// The exact search kernel: all vectors in one contiguous `f32` matrix,
/// scored with a vectorised dot product, top-k kept in a bounded heap.
///
/// Thread-safe: searches share a read lock, writes take the write lock.
///
/// ```
/// use voiceprint_core::store::{MemoryStore, Record, RecordMeta, VectorStore};
/// let store = MemoryStore::new("demo", 2).unwrap();
/// store.upsert(Record { id: "a".into(), vector: vec![1.0, 0.0], meta: RecordMeta::default() }).unwrap();
/// store.upsert(Record { id: "b".into(), vector: vec![0.0, 1.0], meta: RecordMeta::default() }).unwrap();
/// let hits = store.search(&[0.8, 0.6], 1, None).unwrap();
/// assert_eq!(hits[0].id, "a");
/// ```
#[derive(Debug)]
pub struct MemoryStore {
    model_id: String,
    dim: usize,
    options: IndexOptions,
    /// Stores smaller than this scan in `f32` even with the compressed scan on.
    compressed_min_rows: usize,
    /// A durable store is loading: the graph waits for `attach_graph`.
    defer_graph: bool,
    rows: RwLock<Rows>,
}

/// Below this many records a single query reads the `f32` rows directly:
/// the matrix fits in cache and the first pass would not pay for itself.
const COMPRESSED_MIN_ROWS: usize = 2048;

impl MemoryStore {
    /// An empty store for vectors of `model_id`, of length `dim`, with the
    /// default [`IndexOptions`].
    pub fn new(model_id: impl Into<String>, dim: usize) -> Result<Self> {
        Self::with_options(model_id, dim, IndexOptions::default())
    }

    /// An empty store with the given storage and index options.
    ///
    /// ```
    /// use voiceprint_core::store::{IndexOptions, MemoryStore, Storage, VectorStore};
    /// let options = IndexOptions { storage: Storage::F16, ..Default::default() };
    /// let store = MemoryStore::with_options("demo", 192, options).unwrap();
    /// assert_eq!(store.options().storage, Storage::F16);
    /// assert!(store.is_empty());
    /// ```
    pub fn with_options(
        model_id: impl Into<String>,
        dim: usize,
        options: IndexOptions,
    ) -> Result<Self> {
        let model_id = model_id.into();
        if model_id.trim().is_empty() {
            return Err(Error::invalid_argument("model_id", "must not be empty"));
        }
        if dim == 0 {
            return Err(Error::invalid_argument("dim", "must be positive"));
        }
        if let Some(h) = &options.hnsw {
            h.validate()?;
        }
        Ok(MemoryStore {
            model_id,
            dim,
            compressed_min_rows: COMPRESSED_MIN_ROWS,
            defer_graph: false,
            rows: RwLock::new(Rows::new(dim, &options)),
            options,
        })
    }

    /// Holds the graph back while a durable store loads its rows.
    pub(crate) fn defer_graph(&mut self, defer: bool) {
        self.defer_graph = defer;
    }

    /// The storage and index options this store was made with.
    pub fn options(&self) -> &IndexOptions {
        &self.options
    }

    /// Bytes of memory held for the vectors: the matrix, and the `i8` copy
    /// when the compressed scan is on (ids and metadata not counted).
    pub fn vector_bytes(&self) -> usize {
        let rows = self.rows.read();
        rows.vectors.bytes() + rows.int8.as_ref().map_or(0, Int8Rows::bytes)
    }

    /// Checks a record before any write (shared with the SQLite store, which
    /// must refuse a record before touching its file).
    pub(crate) fn check(&self, record: &Record) -> Result<()> {
        validate_id(&record.id)?;
        validate_vector(&record.vector, self.dim)
    }

    pub(crate) fn contains(&self, id: &str) -> bool {
        self.rows.read().slot.contains_key(id)
    }
}

impl VectorStore for MemoryStore {
    fn model_id(&self) -> &str {
        &self.model_id
    }

    fn dim(&self) -> usize {
        self.dim
    }

    fn len(&self) -> usize {
        self.rows.read().ids.len()
    }

    fn upsert(&self, record: Record) -> Result<()> {
        self.check(&record)?;
        let mut rows = self.rows.write();
        let rows = &mut *rows;
        rows.put(record, self.dim);
        self.maybe_build(rows);
        Ok(())
    }

    fn upsert_batch(&self, records: Vec<Record>) -> Result<()> {
        super::check_distinct_ids(&records)?;
        for r in &records {
            self.check(r)?;
        }
        let mut rows = self.rows.write();
        let rows = &mut *rows;
        rows.reserve(records.len(), self.dim);
        let changed: Vec<(usize, bool)> = records
            .into_iter()
            .map(|record| rows.put_row(record, self.dim))
            .collect();
        rows.graph_put(&changed, self.dim);
        self.maybe_build(rows);
        Ok(())
    }

    fn update(
        &self,
        id: &str,
        change: &mut dyn FnMut(Option<Record>) -> Result<Record>,
    ) -> Result<Record> {
        let mut rows = self.rows.write();
        let rows = &mut *rows;
        let record = change(rows.record(id, self.dim))?;
        super::check_updated_id(id, &record)?;
        self.check(&record)?;
        rows.put(record.clone(), self.dim);
        self.maybe_build(rows);
        Ok(record)
    }

    fn get(&self, id: &str) -> Result<Option<Record>> {
        Ok(self.rows.read().record(id, self.dim))
    }

    fn remove(&self, id: &str) -> Result<bool> {
        let mut rows = self.rows.write();
        let rows = &mut *rows;
        let Some(i) = rows.slot.remove(id) else {
            return Ok(false);
        };
        rows.swap_remove(i, self.dim);
        Ok(true)
    }

    fn list(&self) -> Result<Vec<String>> {
        let mut ids = self.rows.read().ids.clone();
        ids.sort();
        Ok(ids)
    }

    fn set_status(&self, id: &str, status: Status) -> Result<()> {
        let mut rows = self.rows.write();
        let i = *rows
            .slot
            .get(id)
            .ok_or_else(|| Error::NotFound { id: id.to_string() })?;
        rows.meta[i].status = status;
        Ok(())
    }

    fn search_batch(
        &self,
        queries: &[f32],
        k: usize,
        candidates: Option<&[&str]>,
    ) -> Result<Vec<Vec<Match>>> {
        if k == 0 {
            return Err(Error::invalid_argument("k", "must be at least 1"));
        }
        check_queries(queries, self.dim)?;
        if let Some(i) = queries.iter().position(|x| !x.is_finite()) {
            return Err(Error::invalid_argument(
                "queries",
                format!("value {i} is not finite"),
            ));
        }
        {
            let rows = self.rows.read();
            if rows.graph.is_some() {
                return queries
                    .par_chunks_exact(self.dim)
                    .map(|q| self.search_in(&rows, q, k, candidates))
                    .collect();
            }
        }
        match candidates {
            // A candidate list is short (an identify among a few): the
            // single-query kernel is already the fast path.
            Some(_) => queries
                .chunks_exact(self.dim)
                .map(|q| self.search(q, k, candidates))
                .collect(),
            None => self.search_batch_all(queries, k),
        }
    }

    fn search(&self, query: &[f32], k: usize, candidates: Option<&[&str]>) -> Result<Vec<Match>> {
        if k == 0 {
            return Err(Error::invalid_argument("k", "must be at least 1"));
        }
        validate_vector(query, self.dim)?;
        let rows = self.rows.read();
        self.search_in(&rows, query, k, candidates)
    }
}

impl MemoryStore {
    /// One checked query against locked rows: the HNSW graph when there is
    /// one (unless a short candidate list makes the exact kernel cheaper),
    /// else the compressed scan for a whole large store, else the `f32`
    /// kernel.
    fn search_in(
        &self,
        rows: &Rows,
        query: &[f32],
        k: usize,
        candidates: Option<&[&str]>,
    ) -> Result<Vec<Match>> {
        if let Some(graph) = &rows.graph {
            let few =
                candidates.is_some_and(|c| c.len() <= EXACT_CANDIDATES.max(rows.ids.len() / 8));
            if !few {
                return Ok(to_matches(
                    self.search_graph(rows, graph, query, k, candidates)?,
                ));
            }
        }
        if candidates.is_none() && rows.ids.len() >= self.compressed_min_rows {
            if let Some(int8) = &rows.int8 {
                return Ok(to_matches(self.search_compressed(rows, int8, query, k)));
            }
        }
        let mut top = TopK::new(k);
        let mut buf = Vec::new();
        let mut score_row = |i: usize| {
            if rows.is_active(i) {
                let v = rows.vectors.row(i, self.dim, &mut buf);
                top.push(dot(query, v), &rows.ids[i]);
            }
        };
        match candidates {
            None => (0..rows.ids.len()).for_each(&mut score_row),
            Some(ids) => {
                let mut slots: Vec<usize> = ids
                    .iter()
                    .filter_map(|id| rows.slot.get(*id).copied())
                    .collect();
                slots.sort_unstable();
                slots.dedup();
                slots.into_iter().for_each(&mut score_row);
            }
        }
        Ok(to_matches(top))
    }

    /// The approximate path: usearch's filtered search admits only rows
    /// that exist, are active and (with a candidate list) are among the
    /// candidates, so a removed or disabled record is never returned; the
    /// hits are rescored with the `f32` dot product of the stored rows.
    fn search_graph<'a>(
        &self,
        rows: &'a Rows,
        graph: &Graph,
        query: &[f32],
        k: usize,
        candidates: Option<&[&str]>,
    ) -> Result<TopK<'a>> {
        let allowed: Option<Vec<u64>> = candidates.map(|ids| {
            let mut bits = vec![0u64; rows.ids.len().div_ceil(64)];
            for &s in ids.iter().filter_map(|id| rows.slot.get(*id)) {
                bits[s / 64] |= 1 << (s % 64);
            }
            bits
        });
        let allow = |key: u64| -> bool {
            graph.slot(key).is_some_and(|s| {
                rows.is_active(s)
                    && allowed
                        .as_ref()
                        .is_none_or(|b| b.get(s / 64).is_some_and(|w| w >> (s % 64) & 1 == 1))
            })
        };
        let found = graph.hnsw.search(query, k, &allow, None)?;
        let mut top = TopK::new(k);
        let mut buf = Vec::new();
        for (key, _) in found {
            if let Some(s) = graph.slot(key) {
                top.push(
                    dot(query, rows.vectors.row(s, self.dim, &mut buf)),
                    &rows.ids[s],
                );
            }
        }
        Ok(top)
    }

    /// Builds the graph once the store reaches the size the caller set.
    fn maybe_build(&self, rows: &mut Rows) {
        if let Some(options) = &self.options.hnsw {
            if rows.graph.is_none()
                && rows.graph_failed.is_none()
                && !self.defer_graph
                && rows.ids.len() >= options.min_records.max(1)
            {
                rows.build_graph(self.dim, options);
            }
        }
    }

    /// What the approximate index is doing.
    ///
    /// ```
    /// use voiceprint_core::store::{HnswOptions, HnswState, IndexOptions, MemoryStore};
    /// let hnsw = HnswOptions { min_records: 10_000, ..Default::default() };
    /// let options = IndexOptions { hnsw: Some(hnsw), ..Default::default() };
    /// let store = MemoryStore::with_options("demo", 8, options).unwrap();
    /// assert!(matches!(store.hnsw_state(), HnswState::Waiting { min_records: 10_000 }));
    /// ```
    pub fn hnsw_state(&self) -> HnswState {
        let Some(options) = &self.options.hnsw else {
            return HnswState::Off;
        };
        let rows = self.rows.read();
        match (&rows.graph, &rows.graph_failed) {
            (Some(g), _) => HnswState::Ready {
                records: g.len(),
                memory_bytes: g.hnsw.memory_bytes(),
                loaded_from_file: g.loaded,
            },
            (None, Some(reason)) => HnswState::Failed {
                reason: reason.clone(),
            },
            (None, None) => HnswState::Waiting {
                min_records: options.min_records,
            },
        }
    }

    /// Rebuilds the approximate index from the rows now, whatever the
    /// store's size: after a failure, or to compact a graph that has seen
    /// many removals. Blocks writers (not the caller's other searches
    /// until the swap) for the build's duration.
    pub fn rebuild_hnsw(&self) -> Result<()> {
        let Some(options) = &self.options.hnsw else {
            return Err(Error::invalid_argument(
                "hnsw",
                "this store has no HNSW index: open or create it with HNSW options (Rust IndexOptions::hnsw, Python hnsw=, C vp_index_options.hnsw_enabled)",
            ));
        };
        let mut rows = self.rows.write();
        rows.build_graph(self.dim, options);
        match &rows.graph_failed {
            Some(reason) => Err(Error::Store {
                detail: format!("HNSW build failed: {reason}"),
            }),
            None => Ok(()),
        }
    }

    /// Saves the graph beside a durable store when it changed since it was
    /// built, loaded or saved.
    pub(crate) fn save_graph(&self, store: &std::path::Path, generation: u64) -> Result<()> {
        let mut rows = self.rows.write();
        let rows = &mut *rows;
        match &mut rows.graph {
            Some(g) if g.dirty => g.save(store, generation, &rows.ids),
            _ => Ok(()),
        }
    }

    /// Turns the graph on after a durable store loaded its rows: the saved
    /// graph when it matches the store exactly, else a build.
    /// Ends a bulk load begun with `defer_graph(true)` where no graph was
    /// saved (the PostgreSQL store): builds the graph once, when due.
    pub(crate) fn build_deferred_graph(&mut self) {
        self.defer_graph = false;
        let mut rows = self.rows.write();
        self.maybe_build(&mut rows);
    }

    pub(crate) fn attach_graph(&mut self, store: &std::path::Path, generation: u64) {
        self.defer_graph = false;
        let Some(options) = self.options.hnsw.clone() else {
            return;
        };
        let mut rows = self.rows.write();
        if rows.ids.len() < options.min_records.max(1) {
            return;
        }
        let start = std::time::Instant::now();
        match Graph::load(store, generation, self.dim, &options, &rows.slot) {
            Ok(g) => {
                tracing::info!(
                    "HNSW index of {} records loaded in {:.2} s",
                    g.len(),
                    start.elapsed().as_secs_f64()
                );
                rows.graph = Some(g);
            }
            Err(why) => {
                tracing::info!("HNSW index rebuilt: the saved one is not usable ({why})");
                rows.build_graph(self.dim, &options);
            }
        }
    }
}

/// Candidate lists up to this long (or an eighth of the store) are scored
/// exactly even when there is a graph: filtered graph search loses recall
/// when few nodes pass the filter, and scoring them all is cheap.
const EXACT_CANDIDATES: usize = 16_384;

fn to_matches(top: TopK<'_>) -> Vec<Match> {
    top.into_sorted()
        .into_iter()
        .map(|(score, id)| Match {
            id: id.to_string(),
            score,
        })
        .collect()
}

impl MemoryStore {
    /// The compressed exact scan (see [`scan`](super::scan)): the `i8`
    /// first pass keeps the `k` best lower bounds and collects every active
    /// row whose upper bound reaches the `k`-th of them; only those are
    /// rescored with the `f32` dot product, so the result is the `f32` scan's.
    fn search_compressed<'a>(
        &self,
        rows: &'a Rows,
        int8: &Int8Rows,
        query: &[f32],
        k: usize,
    ) -> TopK<'a> {
        let q = int8.query(query);
        // Min-heap of the k best lower bounds; its top is the bar `L`.
        let mut lower: BinaryHeap<Reverse<TotalF32>> = BinaryHeap::with_capacity(k + 1);
        let mut bar = f32::NEG_INFINITY;
        let mut picked: Vec<(usize, f32)> = Vec::with_capacity(4 * k + 64);
        int8.scan(&q, |i, a, e| {
            let upper = a + e;
            if upper >= bar && rows.is_active(i) {
                picked.push((i, upper));
                let lo = a - e;
                if lower.len() < k {
                    lower.push(Reverse(TotalF32(lo)));
                    if lower.len() == k {
                        bar = lower.peek().map_or(bar, |r| r.0 .0);
                    }
                } else if lo > bar {
                    lower.pop();
                    lower.push(Reverse(TotalF32(lo)));
                    bar = lower.peek().map_or(bar, |r| r.0 .0);
                }
            }
        });
        let mut top = TopK::new(k);
        let mut buf = Vec::new();
        for (i, upper) in picked {
            if upper >= bar {
                let v = rows.vectors.row(i, self.dim, &mut buf);
                top.push(dot(query, v), &rows.ids[i]);
            }
        }
        top
    }
}

/// An `f32` ordered by `total_cmp`, for the heap of lower bounds.
#[derive(Clone, Copy, PartialEq)]
struct TotalF32(f32);
impl Eq for TotalF32 {}
impl PartialOrd for TotalF32 {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for TotalF32 {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.total_cmp(&other.0)
    }
}

/// Records scored per matrix product in [`MemoryStore::search_batch`].
const BATCH_ROWS: usize = 4096;
/// Queries per matrix product.
const BATCH_QUERIES: usize = 256;
/// Extra candidates the matrix product keeps per query, rescored with the
/// single-query kernel so batched and single results are the same.
const RESCORE_MARGIN: usize = 8;

impl MemoryStore {
    /// The batched kernel: blocks of queries times blocks of records through
    /// a matrix product (matrixmultiply, with runtime AVX/FMA detection),
    /// record ranges spread over rayon's threads, a per-query bounded heap
    /// with a threshold test, then the best `k + 8` rescored with the same
    /// dot product [`search`](VectorStore::search) uses.
    fn search_batch_all(&self, queries: &[f32], k: usize) -> Result<Vec<Vec<Match>>> {
        let dim = self.dim;
        let n = queries.len() / dim;
        let rows = self.rows.read();
        let m = rows.ids.len();
        let keep = k + RESCORE_MARGIN;
        let threads = rayon::current_num_threads().max(1);
        let span = m.div_ceil(threads).max(BATCH_ROWS);
        let ranges: Vec<(usize, usize)> = (0..m)
            .step_by(span)
            .map(|s| (s, (s + span).min(m)))
            .collect();
        let partials: Vec<Vec<TopK<'_>>> = ranges
            .par_iter()
            .map(|&(lo, hi)| {
                let mut tops: Vec<TopK<'_>> = (0..n).map(|_| TopK::new(keep)).collect();
                let mut wide = Vec::new();
                for start in (lo..hi).step_by(BATCH_ROWS) {
                    let end = (start + BATCH_ROWS).min(hi);
                    let block = rows.vectors.block(start, end, dim, &mut wide);
                    let Ok(v) = ArrayView2::from_shape((end - start, dim), block) else {
                        continue;
                    };
                    for q0 in (0..n).step_by(BATCH_QUERIES) {
                        let q1 = (q0 + BATCH_QUERIES).min(n);
                        let Some(qs) = queries.get(q0 * dim..q1 * dim) else {
                            continue;
                        };
                        let Ok(q) = ArrayView2::from_shape((q1 - q0, dim), qs) else {
                            continue;
                        };
                        let scores = q.dot(&v.t());
                        for (row, top) in scores.rows().into_iter().zip(&mut tops[q0..q1]) {
                            let mut threshold = top.threshold();
                            for (j, &score) in row.iter().enumerate() {
                                if score >= threshold {
                                    let r = start + j;
                                    if rows.is_active(r) {
                                        top.push(score, &rows.ids[r]);
                                        threshold = top.threshold();
                                    }
                                }
                            }
                        }
                    }
                }
                tops
            })
            .collect();
        let mut out = Vec::with_capacity(n);
        for (qi, query) in queries.chunks_exact(dim).enumerate() {
            let mut best = TopK::new(k);
            let mut seen: Vec<&str> = Vec::with_capacity(keep * partials.len());
            for part in &partials {
                if let Some(top) = part.get(qi) {
                    seen.extend(top.ids());
                }
            }
            let mut buf = Vec::new();
            for id in seen {
                if let Some(&r) = rows.slot.get(id) {
                    best.push(dot(query, rows.vectors.row(r, dim, &mut buf)), &rows.ids[r]);
                }
            }
            out.push(to_matches(best));
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn refuses_bad_records_and_queries() {
        let s = MemoryStore::new("m", 3).unwrap();
        assert!(matches!(
            s.upsert(rec("a", vec![1.0, 0.0])),
            Err(Error::DimensionMismatch { .. })
        ));
        assert!(matches!(
            s.upsert(rec("", vec![1.0, 0.0, 0.0])),
            Err(Error::InvalidId { .. })
        ));
        assert!(s.upsert(rec("a", vec![f32::NAN, 0.0, 0.0])).is_err());
        assert!(matches!(
            s.search(&[1.0, 0.0, 0.0], 0, None),
            Err(Error::InvalidArgument { .. })
        ));
        assert!(matches!(
            s.search(&[1.0], 1, None),
            Err(Error::DimensionMismatch { .. })
        ));
        assert!(matches!(
            s.set_status("x", Status::Disabled),
            Err(Error::NotFound { .. })
        ));
        assert!(MemoryStore::new("m", 0).is_err());
        assert!(MemoryStore::new("", 2).is_err());
    }

    #[test]
    fn disabled_records_are_never_matched() {
        let s = MemoryStore::new("m", 2).unwrap();
        s.upsert(rec("a", vec![1.0, 0.0])).unwrap();
        s.upsert(rec("b", vec![0.0, 1.0])).unwrap();
        s.set_status("a", Status::Disabled).unwrap();
        let hits = s.search(&[1.0, 0.0], 5, None).unwrap();
        assert_eq!(
            hits.iter().map(|m| m.id.as_str()).collect::<Vec<_>>(),
            vec!["b"]
        );
        assert!(s.search(&[1.0, 0.0], 5, Some(&["a"])).unwrap().is_empty());
        assert_eq!(s.get("a").unwrap().unwrap().meta.status, Status::Disabled);
    }

    #[derive(Debug, Clone)]
    enum Op {
        Upsert(u8, Vec<f32>),
        Remove(u8),
        Disable(u8),
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            (0u8..12, proptest::collection::vec(-1.0f32..1.0, 4))
                .prop_map(|(i, v)| Op::Upsert(i, v)),
            (0u8..12).prop_map(Op::Remove),
            (0u8..12).prop_map(Op::Disable),
        ]
    }

    proptest! {
        /// Random op sequences against a naive model: a map of id -> (vector, active),
        /// searched by full sort.
        #[test]
        fn matches_a_naive_model(ops in proptest::collection::vec(op(), 0..60),
                                 q in proptest::collection::vec(-1.0f32..1.0, 4),
                                 k in 1usize..8,
                                 cand in proptest::collection::vec(0u8..14, 0..5),
                                 use_cand in any::<bool>(),
                                 half in any::<bool>(),
                                 compressed in any::<bool>()) {
            let storage = if half { Storage::F16 } else { Storage::F32 };
            let options = IndexOptions { storage, compressed_scan: compressed, ..Default::default() };
            let mut s = MemoryStore::with_options("m", 4, options).unwrap();
            // Every full scan goes through the compressed first pass.
            s.compressed_min_rows = 0;
            // The model holds the values as stored.
            let stored = |v: &[f32]| -> Vec<f32> {
                if half { v.iter().map(|&x| f16::from_f32(x).to_f32()).collect() } else { v.to_vec() }
            };
            let mut model: std::collections::BTreeMap<String, (Vec<f32>, bool)> = Default::default();
            for op in ops {
                match op {
                    Op::Upsert(i, v) => {
                        let id = format!("id{i}");
                        s.upsert(rec(&id, v.clone())).unwrap();
                        model.insert(id, (stored(&v), true));
                    }
                    Op::Remove(i) => {
                        let id = format!("id{i}");
                        prop_assert_eq!(s.remove(&id).unwrap(), model.remove(&id).is_some());
                    }
                    Op::Disable(i) => {
                        let id = format!("id{i}");
                        let r = s.set_status(&id, Status::Disabled);
                        match model.get_mut(&id) {
                            Some(e) => { r.unwrap(); e.1 = false; }
                            None => prop_assert!(r.is_err()),
                        }
                    }
                }
            }
            prop_assert_eq!(s.len(), model.len());
            prop_assert_eq!(s.list().unwrap(), model.keys().cloned().collect::<Vec<_>>());
            for (id, (v, _)) in &model {
                prop_assert_eq!(&s.get(id).unwrap().unwrap().vector, v);
            }
            let cand_ids: Vec<String> = cand.iter().map(|i| format!("id{i}")).collect();
            let cand_refs: Vec<&str> = cand_ids.iter().map(String::as_str).collect();
            let filter = use_cand.then_some(cand_refs.as_slice());
            let got = s.search(&q, k, filter).unwrap();
            let mut want: Vec<(f32, String)> = model.iter()
                .filter(|(id, (_, active))| *active && filter.is_none_or(|f| f.contains(&id.as_str())))
                .map(|(id, (v, _))| (dot(&q, v), id.clone()))
                .collect();
            want.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
            want.truncate(k);
            prop_assert_eq!(got.len(), want.len());
            for (g, w) in got.iter().zip(&want) {
                prop_assert_eq!(&g.id, &w.1);
                prop_assert!((g.score - w.0).abs() < 1e-6);
            }
        }
    }

    use crate::store::testdata::{rec, unit_vectors};

    /// A store of `n` random unit vectors of `dim`, every 997th a copy of
    /// the one before (exact ties) and every 101st disabled.
    fn random_store(n: usize, dim: usize, options: IndexOptions) -> MemoryStore {
        let store = MemoryStore::with_options("m", dim, options).unwrap();
        let vectors = unit_vectors(n, dim, 11);
        let records = (0..n)
            .map(|i| {
                let v = if i % 997 == 996 {
                    &vectors[i - 1]
                } else {
                    &vectors[i]
                };
                rec(&format!("r{i:07}"), v.clone())
            })
            .collect();
        store.upsert_batch(records).unwrap();
        for i in (0..n).step_by(101) {
            store
                .set_status(&format!("r{i:07}"), Status::Disabled)
                .unwrap();
        }
        store
    }

    /// The compressed first pass returns exactly the f32 scan's top-k (ids,
    /// order and scores) on a million random vectors, queries that are
    /// stored vectors (a near-1 top score and a tie) and fresh ones.
    #[test]
    fn compressed_scan_equals_the_f32_scan_on_a_million_vectors() {
        let (n, dim) = (1_000_000, 192);
        let mut store = random_store(n, dim, IndexOptions::default());
        let mut queries = unit_vectors(12, dim, 5);
        for i in [995usize, 996, 500_000] {
            queries.push(store.get(&format!("r{i:07}")).unwrap().unwrap().vector);
        }
        for (qi, q) in queries.iter().enumerate() {
            for k in [1, 10] {
                store.compressed_min_rows = 0;
                let fast = store.search(q, k, None).unwrap();
                store.compressed_min_rows = usize::MAX;
                let full = store.search(q, k, None).unwrap();
                assert_eq!(fast, full, "query {qi}, k {k}");
            }
        }
    }

    /// The f16 storage mode against f32 on the same vectors: recall@10 of
    /// the f32 top-10 and the largest score change.
    #[test]
    fn f16_storage_costs_little_accuracy() {
        let (n, dim) = (20_000, 192);
        let exact = random_store(n, dim, IndexOptions::default());
        let half = random_store(
            n,
            dim,
            IndexOptions {
                storage: Storage::F16,
                ..Default::default()
            },
        );
        let (mut found, mut total, mut worst) = (0usize, 0usize, 0.0f32);
        for q in unit_vectors(100, dim, 77) {
            let a = exact.search(&q, 10, None).unwrap();
            let b = half.search(&q, 10, None).unwrap();
            total += a.len();
            found += a.iter().filter(|m| b.iter().any(|h| h.id == m.id)).count();
            for m in &b {
                let s = exact.search(&q, 1, Some(&[m.id.as_str()])).unwrap()[0].score;
                worst = worst.max((s - m.score).abs());
            }
        }
        let recall = found as f64 / total as f64;
        eprintln!("f16 storage: recall@10 {recall:.4}, largest score change {worst:.2e}");
        assert!(recall >= 0.99, "recall@10 {recall}");
        assert!(worst < 1e-3, "largest score change {worst}");
        assert!(half.vector_bytes() * 100 < exact.vector_bytes() * 65);
    }

    fn hnsw_options(min_records: usize) -> IndexOptions {
        IndexOptions {
            hnsw: Some(HnswOptions {
                min_records,
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    fn ids(hits: &[Match]) -> Vec<&str> {
        hits.iter().map(|m| m.id.as_str()).collect()
    }

    /// The graph switches on at the size the caller set, finds what the
    /// exact scan finds (recall), and never returns a removed, disabled or
    /// non-candidate record; short candidate lists are scored exactly.
    #[test]
    fn hnsw_index_switches_on_and_respects_every_write() {
        let (n, dim) = (6_000, 48);
        let exact = random_store(n, dim, IndexOptions::default());
        // Random 48-d vectors are the hardest case for a graph (no
        // clusters); with the default ef of 128 recall@10 sits right at
        // 0.99 and the parallel build makes it vary run to run, so this
        // test searches wider to check the wiring, not the tuning.
        let mut options = hnsw_options(n);
        if let Some(h) = options.hnsw.as_mut() {
            h.expansion_search = 256;
        }
        let approx = MemoryStore::with_options("m", dim, options).unwrap();
        let mut all: Vec<Record> = exact
            .list()
            .unwrap()
            .iter()
            .map(|id| exact.get(id).unwrap().unwrap())
            .collect();
        let last = all.pop().unwrap();
        approx.upsert_batch(all).unwrap();
        assert!(matches!(approx.hnsw_state(), HnswState::Waiting { .. }));
        approx.upsert(last).unwrap();
        let HnswState::Ready {
            records,
            loaded_from_file,
            memory_bytes,
        } = approx.hnsw_state()
        else {
            panic!("graph not built: {:?}", approx.hnsw_state());
        };
        assert_eq!((records, loaded_from_file), (n, false));
        assert!(memory_bytes > 0);

        let queries = unit_vectors(100, dim, 123);
        let (mut found, mut total) = (0, 0);
        for q in &queries {
            let want = exact.search(q, 10, None).unwrap();
            let got = approx.search(q, 10, None).unwrap();
            total += want.len();
            found += want.iter().filter(|m| got.contains(m)).count();
        }
        let recall = found as f64 / total as f64;
        assert!(recall >= 0.99, "recall@10 {recall}");
        let batch = approx.search_batch(&queries.concat(), 10, None).unwrap();
        for (q, b) in queries.iter().zip(&batch) {
            assert_eq!(b, &approx.search(q, 10, None).unwrap());
        }

        // Removal, disabling and replacement show at once.
        let q = &queries[0];
        let top = approx.search(q, 3, None).unwrap();
        assert!(approx.remove(&top[0].id).unwrap());
        approx.set_status(&top[1].id, Status::Disabled).unwrap();
        let after = approx.search(q, 10, None).unwrap();
        assert!(!ids(&after).contains(&top[0].id.as_str()));
        assert!(!ids(&after).contains(&top[1].id.as_str()));
        let moved = approx.list().unwrap()[17].clone();
        approx.upsert(rec(&moved, q.clone())).unwrap();
        let hit = &approx.search(q, 1, None).unwrap()[0];
        assert_eq!(hit.id, moved);
        assert!((hit.score - dot(q, q)).abs() < 1e-5);

        // Few candidates: exact; many: the filtered graph, only candidates.
        let listed = approx.list().unwrap();
        let few: Vec<&str> = listed.iter().take(50).map(String::as_str).collect();
        assert_eq!(
            approx.search(q, 5, Some(&few)).unwrap(),
            exact_among(&approx, q, 5, &few)
        );
        let many: Vec<&str> = listed.iter().step_by(2).map(String::as_str).collect();
        let got = approx.search(&queries[1], 10, Some(&many)).unwrap();
        assert_eq!(got.len(), 10);
        assert!(got.iter().all(|m| many.contains(&m.id.as_str())));
        let want = exact_among(&approx, &queries[1], 10, &many);
        let overlap = want.iter().filter(|m| got.contains(m)).count();
        assert!(overlap >= 9, "filtered recall {overlap}/10");

        approx.rebuild_hnsw().unwrap();
        assert!(
            matches!(approx.hnsw_state(), HnswState::Ready { records, .. } if records == n - 1)
        );
    }

    /// The exact top-k among `ids`, by scoring each one.
    fn exact_among(store: &MemoryStore, q: &[f32], k: usize, ids: &[&str]) -> Vec<Match> {
        let mut all: Vec<Match> = ids
            .iter()
            .filter_map(|id| store.get(id).unwrap())
            .filter(|r| r.meta.status == Status::Active)
            .map(|r| Match {
                score: dot(q, &r.vector),
                id: r.id,
            })
            .collect();
        all.sort_by(|a, b| b.score.total_cmp(&a.score).then_with(|| a.id.cmp(&b.id)));
        all.truncate(k);
        all
    }

    #[test]
    fn batched_search_equals_single_searches_across_blocks() {
        // More records than one matrix block and more queries than one
        // query block; some disabled; duplicated vectors for exact ties.
        let dim = 24;
        let store = MemoryStore::new("m", dim).unwrap();
        let vectors = unit_vectors(9_000, dim, 7);
        for (i, v) in vectors.iter().enumerate() {
            let v = if i % 1000 == 999 {
                vectors[i - 1].clone()
            } else {
                v.clone()
            };
            store.upsert(rec(&format!("r{i:05}"), v)).unwrap();
        }
        for i in (0..9_000).step_by(37) {
            store
                .set_status(&format!("r{i:05}"), Status::Disabled)
                .unwrap();
        }
        let queries: Vec<f32> = unit_vectors(300, dim, 11).concat();
        for k in [1, 10, 50] {
            let batch = store.search_batch(&queries, k, None).unwrap();
            assert_eq!(batch.len(), 300);
            for (q, hits) in queries.chunks_exact(dim).zip(&batch) {
                assert_eq!(hits, &store.search(q, k, None).unwrap());
            }
        }
        let candidates = ["r00001", "r08999", "r00037", "nope"];
        let batch = store
            .search_batch(&queries[..2 * dim], 3, Some(&candidates))
            .unwrap();
        for (q, hits) in queries.chunks_exact(dim).zip(&batch) {
            assert_eq!(hits, &store.search(q, 3, Some(&candidates)).unwrap());
            assert!(
                hits.iter().all(|h| h.id != "r00037"),
                "a disabled record came back"
            );
        }
    }

    #[test]
    fn batched_search_refuses_ragged_or_bad_queries() {
        let store = MemoryStore::new("m", 4).unwrap();
        store.upsert(rec("a", vec![1.0, 0.0, 0.0, 0.0])).unwrap();
        for bad in [
            &[][..],
            &[1.0, 0.0, 0.0][..],
            &[f32::NAN, 0.0, 0.0, 0.0][..],
        ] {
            assert_eq!(
                store.search_batch(bad, 1, None).unwrap_err().kind(),
                crate::ErrorKind::InvalidArgument
            );
        }
        assert!(store.search_batch(&[1.0, 0.0, 0.0, 0.0], 0, None).is_err());
        let empty = MemoryStore::new("m", 4).unwrap();
        assert_eq!(
            empty.search_batch(&[1.0, 0.0, 0.0, 0.0], 3, None).unwrap(),
            vec![Vec::<Match>::new()]
        );
    }

    #[test]
    fn concurrent_readers_and_a_writer() {
        let s = MemoryStore::new("m", 8).unwrap();
        for i in 0..100 {
            let mut v = vec![0.0; 8];
            v[i % 8] = 1.0;
            s.upsert(rec(&format!("s{i:03}"), v)).unwrap();
        }
        std::thread::scope(|scope| {
            scope.spawn(|| {
                for i in 100..300 {
                    let mut v = vec![0.0; 8];
                    v[i % 8] = 1.0;
                    s.upsert(rec(&format!("s{i:03}"), v)).unwrap();
                    if i % 3 == 0 {
                        s.remove(&format!("s{:03}", i - 100)).unwrap();
                    }
                }
            });
            for _ in 0..3 {
                scope.spawn(|| {
                    for _ in 0..200 {
                        let hits = s
                            .search(&[1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0], 5, None)
                            .unwrap();
                        assert_eq!(hits.len(), 5);
                        assert!(hits.iter().all(|m| (m.score - 1.0).abs() < 1e-6));
                    }
                });
            }
        });
        let removed = (100..300).filter(|i| i % 3 == 0).count();
        assert_eq!(s.len(), 300 - removed);
    }
}
