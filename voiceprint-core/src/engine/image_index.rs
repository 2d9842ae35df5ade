use std::collections::BTreeMap;
use std::sync::Arc;

use parking_lot::Mutex;

use super::binding::{check_store_binding, now_ms};
use crate::embed::{Embedding, ImageEncoder};
use crate::image::ImageInput;
use crate::store::{Match, Record, RecordMeta, Status, VectorStore};
use crate::{Error, Result};

/// A stored image vector as [`ImageIndex::get`] reports it.
#[derive(Debug, Clone, PartialEq)]
pub struct ImageRecord {
    /// The image id.
    pub id: String,
    /// Its feature vector (unit length).
    pub vector: Vec<f32>,
    /// Status, times and labels.
    pub meta: RecordMeta,
}

/// Image feature vectors: embed, add, search by image or by vector.
///
/// Binds an [`ImageEncoder`] to a [`VectorStore`] made for the same model
/// (the SQLite store makes the index durable). Vectors are stored and
/// queried L2-normalised, so scores are cosines in [-1, 1], whether or not
/// the encoder normalises. `Send + Sync`: many threads can search while
/// others add.
///
/// ```no_run
/// use std::sync::Arc;
/// use voiceprint_core::{embed::OnnxImageEncoder, runtime::RuntimeConfig, store::SqliteStore,
///                       ImageEncoder, ImageIndex};
/// let enc = Arc::new(OnnxImageEncoder::from_profile(
///     "mobilenetv2.onnx", "keras-mobilenetv2", &RuntimeConfig::default())?);
/// let store = Arc::new(SqliteStore::create_or_open("images.db", enc.model_id(), enc.dim())?);
/// let index = ImageIndex::new(enc, store)?;
/// index.add("sku-123", "catalogue/sku-123.jpg".into(), Default::default())?;
/// for m in index.search("upload.webp".into(), 5, None)? {
///     println!("{} {:.3}", m.id, m.score);
/// }
/// # Ok::<(), voiceprint_core::Error>(())
/// ```
pub struct ImageIndex {
    encoder: Arc<dyn ImageEncoder>,
    store: Arc<dyn VectorStore>,
    write_lock: Mutex<()>,
}

impl std::fmt::Debug for ImageIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ImageIndex")
            .field("model_id", &self.encoder.model_id())
            .field("images", &self.store.len())
            .finish()
    }
}

impl ImageIndex {
    /// An index over `store`, which must be bound to the encoder's model id and dimension.
    pub fn new(encoder: Arc<dyn ImageEncoder>, store: Arc<dyn VectorStore>) -> Result<Self> {
        check_store_binding(store.as_ref(), encoder.model_id(), encoder.dim())?;
        Ok(ImageIndex {
            encoder,
            store,
            write_lock: Mutex::new(()),
        })
    }

    /// The encoder.
    pub fn encoder(&self) -> &Arc<dyn ImageEncoder> {
        &self.encoder
    }

    /// The store.
    pub fn store(&self) -> &Arc<dyn VectorStore> {
        &self.store
    }

    /// The unit feature vector of one image, as the index stores it.
    pub fn embed(&self, input: ImageInput<'_>) -> Result<Embedding> {
        self.unit(self.encoder.embed(input)?)
    }

    /// Embeds and stores one image under `id`, replacing any image stored
    /// under it (its creation time is kept). Returns `true` when it replaced one.
    pub fn add(
        &self,
        id: &str,
        input: ImageInput<'_>,
        labels: BTreeMap<String, String>,
    ) -> Result<bool> {
        crate::store::validate_id(id)?;
        let e = self.embed(input)?;
        self.put(id, e.vector, labels)
    }

    /// Embeds several images (decoded and preprocessed in parallel, batched
    /// through the model) and stores them under `ids`; nothing is stored
    /// when any image fails. Returns how many replaced an existing record.
    pub fn add_batch(&self, ids: &[&str], inputs: &[ImageInput<'_>]) -> Result<usize> {
        if ids.len() != inputs.len() {
            return Err(Error::invalid_argument(
                "ids",
                format!("{} ids for {} images", ids.len(), inputs.len()),
            ));
        }
        for id in ids {
            crate::store::validate_id(id)?;
        }
        let embeddings = self.encoder.embed_batch(inputs)?;
        let vectors = embeddings
            .into_iter()
            .map(|e| self.unit(e).map(|e| e.vector))
            .collect::<Result<Vec<_>>>()?;
        let mut replaced = 0;
        for (id, v) in ids.iter().zip(vectors) {
            replaced += usize::from(self.put(id, v, BTreeMap::new())?);
        }
        Ok(replaced)
    }

    /// Stores a vector computed elsewhere (another node, [`embed`](Self::embed)).
    pub fn add_vector(
        &self,
        id: &str,
        vector: &[f32],
        labels: BTreeMap<String, String>,
    ) -> Result<bool> {
        let v = self.unit_vector(vector)?;
        self.put(id, v, labels)
    }

    /// The `k` stored images most similar to `input`, best first;
    /// `candidates` restricts the search to those ids.
    pub fn search(
        &self,
        input: ImageInput<'_>,
        k: usize,
        candidates: Option<&[&str]>,
    ) -> Result<Vec<Match>> {
        let e = self.embed(input)?;
        self.store.search(&e.vector, k, candidates)
    }

    /// [`search`](Self::search) with a query vector (normalised here).
    pub fn search_vector(
        &self,
        vector: &[f32],
        k: usize,
        candidates: Option<&[&str]>,
    ) -> Result<Vec<Match>> {
        let v = self.unit_vector(vector)?;
        self.store.search(&v, k, candidates)
    }

    /// [`search_vector`](Self::search_vector) for many queries at once:
    /// `queries` holds `n` row-major vectors of the encoder's dimension
    /// (each normalised here); one hit list per query, through the store's
    /// batched kernel ([`VectorStore::search_batch`]).
    ///
    /// Errors: [`Error::InvalidArgument`] for an empty or ragged batch or a
    /// zero / non-finite row, [`Error::InvalidArgument`] for `k == 0`.
    pub fn search_vectors(
        &self,
        queries: &[f32],
        k: usize,
        candidates: Option<&[&str]>,
    ) -> Result<Vec<Vec<Match>>> {
        let unit = unit_rows(queries, self.encoder.dim())?;
        self.store.search_batch(&unit, k, candidates)
    }

    /// The stored image, or `None`.
    pub fn get(&self, id: &str) -> Result<Option<ImageRecord>> {
        Ok(self.store.get(id)?.map(|r| ImageRecord {
            id: r.id,
            vector: r.vector,
            meta: r.meta,
        }))
    }

    /// Removes an image; `true` when it existed.
    pub fn remove(&self, id: &str) -> Result<bool> {
        let _guard = self.write_lock.lock();
        self.store.remove(id)
    }

    /// All ids, sorted.
    pub fn list(&self) -> Result<Vec<String>> {
        self.store.list()
    }

    /// Enables or disables an image; a disabled one is never found.
    pub fn set_status(&self, id: &str, status: Status) -> Result<()> {
        let _guard = self.write_lock.lock();
        self.store.set_status(id, status)
    }

    /// Number of stored images (active and disabled).
    pub fn len(&self) -> usize {
        self.store.len()
    }

    /// Whether no image is stored.
    pub fn is_empty(&self) -> bool {
        self.store.is_empty()
    }

    fn put(&self, id: &str, vector: Vec<f32>, labels: BTreeMap<String, String>) -> Result<bool> {
        let _guard = self.write_lock.lock();
        let now = now_ms();
        let existing = self.store.get(id)?;
        let meta = RecordMeta {
            status: existing.as_ref().map(|r| r.meta.status).unwrap_or_default(),
            created_at_ms: existing.as_ref().map_or(now, |r| r.meta.created_at_ms),
            updated_at_ms: now,
            enrollment_count: 1,
            labels,
        };
        self.store.upsert(Record {
            id: id.to_string(),
            vector,
            meta,
        })?;
        Ok(existing.is_some())
    }

    fn unit(&self, e: Embedding) -> Result<Embedding> {
        if &*e.model_id != self.encoder.model_id() {
            return Err(Error::ModelMismatch {
                store: self.encoder.model_id().to_string(),
                model: e.model_id.to_string(),
            });
        }
        let vector = self.unit_vector(&e.vector)?;
        Ok(Embedding {
            vector,
            model_id: e.model_id,
        })
    }

    fn unit_vector(&self, v: &[f32]) -> Result<Vec<f32>> {
        if v.len() != self.encoder.dim() {
            return Err(Error::DimensionMismatch {
                expected: self.encoder.dim(),
                actual: v.len(),
            });
        }
        let mut v = v.to_vec();
        crate::score::l2_normalize(&mut v)?;
        Ok(v)
    }
}

/// Row-major `queries` of `dim` values each, every row L2-normalised.
pub(crate) fn unit_rows(queries: &[f32], dim: usize) -> Result<Vec<f32>> {
    crate::store::check_queries(queries, dim)?;
    let mut out = queries.to_vec();
    for row in out.chunks_exact_mut(dim) {
        crate::score::l2_normalize(row)?;
    }
    Ok(out)
}
