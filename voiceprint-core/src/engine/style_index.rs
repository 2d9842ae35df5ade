//! [`StyleIndex`]: a library of reference styles in a [`VectorStore`],
//! searched for the nearest style.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use parking_lot::Mutex;

use super::binding::{check_store_binding, now_ms};
use super::diarizer_config::Progress;
use super::style_matcher::{StyleInput, StyleMatcher};
use crate::store::{MemoryStore, Record, RecordMeta, VectorStore};
use crate::style::{
    compare_analyses, StyleAnalysis, StyleComparison, STYLE_VECTOR_DIM, STYLE_VECTOR_VERSION,
};
use crate::{Error, Result};

/// Radius the style vectors are lifted onto the unit sphere with (see
/// [`lift`]); every clamped style vector is far inside it.
const LIFT_RADIUS: f64 = 100.0;

/// Label holding a reference's analysis (JSON, curves left out).
pub const ANALYSIS_LABEL: &str = "style_analysis";

/// One hit of [`StyleIndex::nearest`].
#[derive(Debug, Clone, PartialEq)]
pub struct StyleMatch {
    /// The reference id.
    pub id: String,
    /// Euclidean distance between the style vectors (0: the same style).
    pub distance: f64,
    /// The comparison of the target with this reference, when asked for.
    pub comparison: Option<StyleComparison>,
}

/// Stored form of a style vector `x`: `[x/R, −‖x‖²/(2R²), b]` with `b`
/// completing a unit vector. Against the query `[q/R, 1, 0]` the dot
/// product is `(q·x − ‖x‖²/2)/R²`, so the store's dot-product search ranks
/// by Euclidean distance exactly, and every stored vector is unit length
/// as the stores expect.
fn lift(x: &[f32]) -> Vec<f32> {
    let r2 = LIFT_RADIUS * LIFT_RADIUS;
    let norm2: f64 = x.iter().map(|&v| f64::from(v) * f64::from(v)).sum::<f64>() / r2;
    let a = -norm2 / 2.0;
    let b = (1.0 - norm2 - a * a).max(0.0).sqrt();
    let mut v: Vec<f32> = x
        .iter()
        .map(|&v| (f64::from(v) / LIFT_RADIUS) as f32)
        .collect();
    v.push(a as f32);
    v.push(b as f32);
    v
}

/// A library of reference styles: one style vector per reference, bound to
/// [`STYLE_VECTOR_VERSION`], in any [`VectorStore`] (a `SqliteStore` makes
/// it durable). Each record keeps the reference's analysis as a label, so
/// [`nearest`](Self::nearest) can compare without the reference audio.
///
/// ```no_run
/// use voiceprint_core::{StyleIndex, StyleMatcher};
///
/// let index = StyleIndex::in_memory(StyleMatcher::default());
/// index.add("warm-vinyl", "refs/warm.flac".into(), Default::default())?;
/// index.add("modern-loud", "refs/loud.flac".into(), Default::default())?;
/// for m in index.nearest("my-mix.wav".into(), 1, true)? {
///     println!("{} at {:.2}: {:?} dB to match", m.id, m.distance,
///              m.comparison.and_then(|c| c.gain_to_match_db));
/// }
/// # Ok::<(), voiceprint_core::Error>(())
/// ```
pub struct StyleIndex {
    matcher: StyleMatcher,
    store: Arc<dyn VectorStore>,
    write_lock: Mutex<()>,
}

impl std::fmt::Debug for StyleIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StyleIndex")
            .field("references", &self.store.len())
            .finish()
    }
}

impl StyleIndex {
    /// The store's model id: the style vector version.
    pub const MODEL_ID: &'static str = STYLE_VECTOR_VERSION;
    /// The store's dimension (the style vector plus two lifting terms).
    pub const STORE_DIM: usize = STYLE_VECTOR_DIM + 2;

    /// An index over `store`, which must be made for
    /// ([`MODEL_ID`](Self::MODEL_ID), [`STORE_DIM`](Self::STORE_DIM)):
    /// [`Error::ModelMismatch`] for a store of another style version.
    pub fn new(matcher: StyleMatcher, store: Arc<dyn VectorStore>) -> Result<Self> {
        check_store_binding(store.as_ref(), Self::MODEL_ID, Self::STORE_DIM)?;
        Ok(StyleIndex {
            matcher,
            store,
            write_lock: Mutex::new(()),
        })
    }

    /// An index in memory.
    pub fn in_memory(matcher: StyleMatcher) -> Self {
        let store: Arc<dyn VectorStore> = match MemoryStore::new(Self::MODEL_ID, Self::STORE_DIM) {
            Ok(s) => Arc::new(s),
            // MODEL_ID is not empty and STORE_DIM not zero.
            Err(_) => unreachable!("a memory store with a fixed valid binding"),
        };
        StyleIndex {
            matcher,
            store,
            write_lock: Mutex::new(()),
        }
    }

    /// The matcher the index analyses with.
    pub fn matcher(&self) -> &StyleMatcher {
        &self.matcher
    }

    /// The store.
    pub fn store(&self) -> &Arc<dyn VectorStore> {
        &self.store
    }

    /// Number of references.
    pub fn len(&self) -> usize {
        self.store.len()
    }

    /// Whether the library is empty.
    pub fn is_empty(&self) -> bool {
        self.store.is_empty()
    }

    /// All reference ids, sorted.
    pub fn list(&self) -> Result<Vec<String>> {
        self.store.list()
    }

    /// Analyse a reference and add (or replace) it under `id`.
    pub fn add(
        &self,
        id: &str,
        input: StyleInput<'_>,
        labels: BTreeMap<String, String>,
    ) -> Result<StyleAnalysis> {
        let mut labels = labels;
        if let StyleInput::Path(p) = &input {
            labels
                .entry("source".into())
                .or_insert_with(|| p.display().to_string());
        }
        let analysis = self.matcher.analyze(input)?;
        self.add_analysis(id, &analysis, labels)?;
        Ok(analysis)
    }

    /// Add (or replace) a reference from its analysis.
    ///
    /// Errors: [`Error::EmptyInput`] for a silent reference (it has no
    /// style), [`Error::InvalidId`].
    pub fn add_analysis(
        &self,
        id: &str,
        analysis: &StyleAnalysis,
        labels: BTreeMap<String, String>,
    ) -> Result<()> {
        if analysis.integrated_lufs().is_none() {
            return Err(Error::EmptyInput {
                what: "reference (silent: nothing rises above the -70 LUFS gate)",
            });
        }
        let mut labels = labels;
        let json = serde_json::to_string(analysis)
            .map_err(|e| Error::invalid_argument("analysis", e.to_string()))?;
        labels.insert(ANALYSIS_LABEL.into(), json);
        let _guard = self.write_lock.lock();
        let now = now_ms();
        let created = self.store.get(id)?.map_or(now, |r| r.meta.created_at_ms);
        self.store.upsert(Record {
            id: id.to_string(),
            vector: lift(&analysis.style_vector()),
            meta: RecordMeta {
                created_at_ms: created,
                updated_at_ms: now,
                enrollment_count: 1,
                labels,
                ..Default::default()
            },
        })
    }

    /// Add every audio file of a folder (not recursing), named by file stem;
    /// files that do not decode are skipped and returned with their error.
    /// `progress(fraction done)` is called after each file; returning `false`
    /// cancels ([`Error::Cancelled`]), keeping what was added.
    pub fn add_folder(
        &self,
        dir: &Path,
        mut progress: Option<Progress<'_>>,
    ) -> Result<Vec<(String, Error)>> {
        let mut files: Vec<_> = std::fs::read_dir(dir)
            .map_err(|e| Error::io(dir, e))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_file())
            .collect();
        files.sort();
        let total = files.len();
        let mut skipped = Vec::new();
        for (i, path) in files.iter().enumerate() {
            let id = path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            match self.add(&id, StyleInput::Path(path), BTreeMap::new()) {
                Ok(_) => {}
                Err(e @ (Error::Io { .. } | Error::Store { .. })) => return Err(e),
                Err(e) => skipped.push((path.display().to_string(), e)),
            }
            if let Some(p) = progress.as_mut() {
                if !p((i + 1) as f32 / total.max(1) as f32) {
                    return Err(Error::Cancelled);
                }
            }
        }
        Ok(skipped)
    }

    /// A reference's stored analysis.
    pub fn get(&self, id: &str) -> Result<Option<StyleAnalysis>> {
        let Some(record) = self.store.get(id)? else {
            return Ok(None);
        };
        record
            .meta
            .labels
            .get(ANALYSIS_LABEL)
            .map(|json| {
                serde_json::from_str(json).map_err(|e| Error::Store {
                    detail: format!("the stored analysis of {id:?} does not parse: {e}"),
                })
            })
            .transpose()
    }

    /// Remove a reference; `true` when it existed.
    pub fn remove(&self, id: &str) -> Result<bool> {
        let _guard = self.write_lock.lock();
        self.store.remove(id)
    }

    /// The `k` references nearest in style to `target`, nearest first, with
    /// the comparison against each when `with_comparison`.
    pub fn nearest(
        &self,
        target: StyleInput<'_>,
        k: usize,
        with_comparison: bool,
    ) -> Result<Vec<StyleMatch>> {
        let analysis = self.matcher.analyze(target)?;
        self.nearest_to(&analysis, k, with_comparison)
    }

    /// [`nearest`](Self::nearest) from an analysis.
    pub fn nearest_to(
        &self,
        target: &StyleAnalysis,
        k: usize,
        with_comparison: bool,
    ) -> Result<Vec<StyleMatch>> {
        if k == 0 {
            return Err(Error::invalid_argument("k", "must be at least 1"));
        }
        let q = target.style_vector();
        let q_norm2: f64 = q.iter().map(|&v| f64::from(v) * f64::from(v)).sum::<f64>()
            / (LIFT_RADIUS * LIFT_RADIUS);
        let mut query: Vec<f32> = q
            .iter()
            .map(|&v| (f64::from(v) / LIFT_RADIUS) as f32)
            .collect();
        query.push(1.0);
        query.push(0.0);
        let hits = self.store.search(&query, k, None)?;
        let mut out = Vec::with_capacity(hits.len());
        for hit in hits {
            let reference = self.get(&hit.id)?;
            let d2 = (q_norm2 - 2.0 * f64::from(hit.score)).max(0.0);
            // Recompute from the stored analysis where it is at hand: exact,
            // free of the f32 rounding of the lifted dot product.
            let distance = match &reference {
                Some(r) => {
                    let rv = r.style_vector();
                    q.iter()
                        .zip(&rv)
                        .map(|(a, b)| f64::from(a - b).powi(2))
                        .sum::<f64>()
                        .sqrt()
                }
                None => d2.sqrt() * LIFT_RADIUS,
            };
            out.push(StyleMatch {
                id: hit.id,
                distance,
                comparison: match (with_comparison, &reference) {
                    (true, Some(r)) => Some(compare_analyses(target, r)),
                    _ => None,
                },
            });
        }
        out.sort_by(|a, b| a.distance.total_cmp(&b.distance).then(a.id.cmp(&b.id)));
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lift_ranks_by_euclidean_distance() {
        let xs: Vec<Vec<f32>> = (0..40)
            .map(|i| {
                (0..5)
                    .map(|j| ((i * 7 + j * 13) % 17) as f32 / 3.0 - 2.5)
                    .collect()
            })
            .collect();
        let q: Vec<f32> = vec![0.3, -1.0, 2.0, 0.0, 1.5];
        let mut query: Vec<f32> = q
            .iter()
            .map(|&v| (f64::from(v) / LIFT_RADIUS) as f32)
            .collect();
        query.extend([1.0, 0.0]);
        let dot = |a: &[f32], b: &[f32]| a.iter().zip(b).map(|(x, y)| x * y).sum::<f32>();
        let dist = |x: &[f32]| {
            x.iter()
                .zip(&q)
                .map(|(a, b)| (a - b) * (a - b))
                .sum::<f32>()
        };
        let mut by_dot: Vec<usize> = (0..xs.len()).collect();
        by_dot.sort_by(|&a, &b| dot(&lift(&xs[b]), &query).total_cmp(&dot(&lift(&xs[a]), &query)));
        let mut by_dist: Vec<usize> = (0..xs.len()).collect();
        by_dist.sort_by(|&a, &b| dist(&xs[a]).total_cmp(&dist(&xs[b])));
        assert_eq!(by_dot[..5], by_dist[..5]);
        for x in &xs {
            let n: f32 = lift(x).iter().map(|v| v * v).sum();
            assert!((n - 1.0).abs() < 1e-5);
        }
    }
}
