use std::collections::HashMap;

use parking_lot::RwLock;

use ndarray::ArrayView2;
use rayon::prelude::*;

use super::check_queries;
use super::record::validate_vector;
use super::topk::TopK;
use super::{validate_id, Match, Record, RecordMeta, Status, VectorStore};
use crate::score::dot;
use crate::{Error, Result};

/// Rows of one contiguous row-major matrix, with ids and metadata beside.
#[derive(Debug, Default)]
struct Rows {
    ids: Vec<String>,
    slot: HashMap<String, usize>,
    vectors: Vec<f32>,
    meta: Vec<RecordMeta>,
}

impl Rows {
    /// Inserts or replaces one checked record of `dim` values.
    fn put(&mut self, record: Record, dim: usize) {
        match self.slot.get(&record.id) {
            Some(&i) => {
                self.vectors[i * dim..(i + 1) * dim].copy_from_slice(&record.vector);
                self.meta[i] = record.meta;
            }
            None => {
                self.slot.insert(record.id.clone(), self.ids.len());
                self.ids.push(record.id);
                self.vectors.extend_from_slice(&record.vector);
                self.meta.push(record.meta);
            }
        }
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
    rows: RwLock<Rows>,
}

impl MemoryStore {
    /// An empty store for vectors of `model_id`, of length `dim`.
    pub fn new(model_id: impl Into<String>, dim: usize) -> Result<Self> {
        let model_id = model_id.into();
        if model_id.trim().is_empty() {
            return Err(Error::invalid_argument("model_id", "must not be empty"));
        }
        if dim == 0 {
            return Err(Error::invalid_argument("dim", "must be positive"));
        }
        Ok(MemoryStore {
            model_id,
            dim,
            rows: RwLock::new(Rows::default()),
        })
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
        Ok(())
    }

    fn upsert_batch(&self, records: Vec<Record>) -> Result<()> {
        super::check_distinct_ids(&records)?;
        for r in &records {
            self.check(r)?;
        }
        let mut rows = self.rows.write();
        let rows = &mut *rows;
        rows.ids.reserve(records.len());
        rows.meta.reserve(records.len());
        rows.vectors.reserve(records.len() * self.dim);
        rows.slot.reserve(records.len());
        for record in records {
            rows.put(record, self.dim);
        }
        Ok(())
    }

    fn get(&self, id: &str) -> Result<Option<Record>> {
        let rows = self.rows.read();
        Ok(rows.slot.get(id).map(|&i| Record {
            id: id.to_string(),
            vector: rows.vectors[i * self.dim..(i + 1) * self.dim].to_vec(),
            meta: rows.meta[i].clone(),
        }))
    }

    fn remove(&self, id: &str) -> Result<bool> {
        let mut rows = self.rows.write();
        let rows = &mut *rows;
        let Some(i) = rows.slot.remove(id) else {
            return Ok(false);
        };
        // Move the last row into the hole so the matrix stays contiguous.
        let last = rows.ids.len() - 1;
        if i != last {
            let (head, tail) = rows.vectors.split_at_mut(last * self.dim);
            head[i * self.dim..(i + 1) * self.dim].copy_from_slice(&tail[..self.dim]);
            rows.ids.swap(i, last);
            rows.meta.swap(i, last);
            rows.slot.insert(rows.ids[i].clone(), i);
        }
        rows.ids.pop();
        rows.meta.pop();
        rows.vectors.truncate(last * self.dim);
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
        let mut top = TopK::new(k);
        let mut score_row = |i: usize| {
            if rows.meta[i].status == Status::Active {
                let v = &rows.vectors[i * self.dim..(i + 1) * self.dim];
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
        Ok(top
            .into_sorted()
            .into_iter()
            .map(|(score, id)| Match {
                id: id.to_string(),
                score,
            })
            .collect())
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
                for start in (lo..hi).step_by(BATCH_ROWS) {
                    let end = (start + BATCH_ROWS).min(hi);
                    let Some(block) = rows.vectors.get(start * dim..end * dim) else {
                        continue;
                    };
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
                                    if rows.meta[r].status == Status::Active {
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
            for id in seen {
                if let Some(&r) = rows.slot.get(id) {
                    best.push(
                        dot(query, &rows.vectors[r * dim..(r + 1) * dim]),
                        &rows.ids[r],
                    );
                }
            }
            out.push(
                best.into_sorted()
                    .into_iter()
                    .map(|(score, id)| Match {
                        id: id.to_string(),
                        score,
                    })
                    .collect(),
            );
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn rec(id: &str, v: Vec<f32>) -> Record {
        Record {
            id: id.into(),
            vector: v,
            meta: RecordMeta {
                enrollment_count: 1,
                ..Default::default()
            },
        }
    }

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
                                 use_cand in any::<bool>()) {
            let s = MemoryStore::new("m", 4).unwrap();
            let mut model: std::collections::BTreeMap<String, (Vec<f32>, bool)> = Default::default();
            for op in ops {
                match op {
                    Op::Upsert(i, v) => {
                        let id = format!("id{i}");
                        s.upsert(rec(&id, v.clone())).unwrap();
                        model.insert(id, (v, true));
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

    /// Deterministic unit vectors (xorshift).
    fn unit_vectors(n: usize, dim: usize, seed: u64) -> Vec<Vec<f32>> {
        let mut s = seed.max(1);
        (0..n)
            .map(|_| {
                let mut v: Vec<f32> = (0..dim)
                    .map(|_| {
                        s ^= s << 13;
                        s ^= s >> 7;
                        s ^= s << 17;
                        (s >> 40) as f32 / (1u64 << 24) as f32 - 0.5
                    })
                    .collect();
                let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
                v.iter_mut().for_each(|x| *x /= norm);
                v
            })
            .collect()
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
