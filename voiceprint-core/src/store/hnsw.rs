//! Approximate nearest-neighbour search by inner product: an HNSW graph
//! (Malkov & Yashunin, "Efficient and robust approximate nearest neighbor
//! search using Hierarchical Navigable Small World graphs", 2016) kept by the
//! `usearch` C++ core.
//!
//! The stores use it once they hold [`HnswOptions::min_records`] records;
//! below that their exact scan is fast enough and exact. Keys are the
//! stores' own `u64` row keys; the stores keep the vectors and metadata, so
//! this index can always be rebuilt from them.
//!
//! Files: [`Hnsw::save`] writes usearch's serialisation followed by a
//! 40-byte trailer of our own (payload length, checksum, dimension,
//! quantization, format version, magic). [`Hnsw::load`] checks the trailer
//! and the checksum before usearch reads a byte, because usearch trusts the
//! sizes and neighbour ids in its file: a truncated or damaged file is an
//! [`Error::Store`], never a crash.

use std::fmt;
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

use parking_lot::{Condvar, Mutex, RwLock};
use rayon::prelude::*;
use usearch::{Index, IndexOptions, MetricKind, ScalarKind};

use super::record::validate_vector;
use crate::{Error, Result};

/// How the HNSW graph stores its copy of the vectors.
///
/// The stores keep full `f32` vectors regardless; this only trades the
/// index's memory against the precision of its approximate scores.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum HnswQuantization {
    /// 4 bytes a value: scores are exact dot products.
    #[default]
    F32,
    /// 2 bytes a value (IEEE half): scores within about 1e-3.
    F16,
    /// 1 byte a value: each vector is scaled to unit length and rounded to
    /// 1/127 steps, and the index compares by cosine (the dot product of the
    /// unit vectors the stores hold). Scores within about 1e-2.
    I8,
}

impl HnswQuantization {
    /// The name used in options and files: `"f32"`, `"f16"` or `"i8"`.
    pub fn as_str(&self) -> &'static str {
        match self {
            HnswQuantization::F32 => "f32",
            HnswQuantization::F16 => "f16",
            HnswQuantization::I8 => "i8",
        }
    }

    /// Parses [`as_str`](Self::as_str)'s names (ASCII case ignored).
    pub fn parse(s: &str) -> Result<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "f32" => Ok(HnswQuantization::F32),
            "f16" => Ok(HnswQuantization::F16),
            "i8" => Ok(HnswQuantization::I8),
            _ => Err(Error::invalid_argument(
                "quantization",
                format!("{s:?} is not one of \"f32\", \"f16\", \"i8\""),
            )),
        }
    }

    fn scalar_kind(self) -> ScalarKind {
        match self {
            HnswQuantization::F32 => ScalarKind::F32,
            HnswQuantization::F16 => ScalarKind::F16,
            HnswQuantization::I8 => ScalarKind::I8,
        }
    }

    /// usearch's inner product over `i8` returns the raw integer sum (scale
    /// 127², and the rounding changes each vector's norm); its cosine
    /// kernel normalises. usearch's own docs recommend cosine for
    /// low-precision scalars. For unit vectors the two agree.
    fn metric(self) -> MetricKind {
        match self {
            HnswQuantization::F32 | HnswQuantization::F16 => MetricKind::IP,
            HnswQuantization::I8 => MetricKind::Cos,
        }
    }

    fn code(self) -> u8 {
        match self {
            HnswQuantization::F32 => 1,
            HnswQuantization::F16 => 2,
            HnswQuantization::I8 => 3,
        }
    }

    fn from_code(code: u8) -> Option<Self> {
        match code {
            1 => Some(HnswQuantization::F32),
            2 => Some(HnswQuantization::F16),
            3 => Some(HnswQuantization::I8),
            _ => None,
        }
    }
}

/// Options of the approximate index.
///
/// The defaults are sized for speaker embeddings, which cluster by voice:
/// on 192-d speaker-like data (utterances at cosine 0.5 to 0.75 from their
/// voice) they reach recall@10 of 0.999 or more at 100 000 records in about
/// 0.6 ms a query, against 3.4 ms for the exact scan. Data without such
/// structure needs far more: on uniformly random 192-d unit vectors the
/// same index reaches only about 0.58 at 20 000 records (0.99 needs an
/// expansion near 2048) and about 0.25 at 100 000, where 0.99 costs more than
/// the exact scan at any setting. Raise `expansion_search` for recall at
/// the cost of query time, `connectivity` for recall at the cost of memory
/// and build time.
#[derive(Clone, Debug, PartialEq)]
pub struct HnswOptions {
    /// The index is built (and used) once the store holds at least this
    /// many records; below it the exact scan is fast enough.
    pub min_records: usize,
    /// Neighbours kept per node and layer (the paper's `M`); the base layer
    /// keeps twice as many.
    pub connectivity: usize,
    /// Candidates considered while linking a new node (`efConstruction`).
    pub expansion_add: usize,
    /// Candidates considered while searching (`ef`); a search for `k`
    /// results uses at least `k`. Query time grows about linearly with it.
    pub expansion_search: usize,
    /// How the graph stores its copy of the vectors.
    pub quantization: HnswQuantization,
}

impl Default for HnswOptions {
    fn default() -> Self {
        HnswOptions {
            min_records: 50_000,
            connectivity: 16,
            expansion_add: 128,
            expansion_search: 128,
            quantization: HnswQuantization::F32,
        }
    }
}

/// Bounds on the options: beyond them usearch would allocate without limit
/// per node or per search, and no recall target needs them.
const MAX_CONNECTIVITY: usize = 256;
const MAX_EXPANSION: usize = 1 << 16;

impl HnswOptions {
    /// Checks every option is in its domain.
    pub(crate) fn validate(&self) -> Result<()> {
        if !(2..=MAX_CONNECTIVITY).contains(&self.connectivity) {
            return Err(Error::invalid_argument(
                "connectivity",
                format!(
                    "{} is outside 2..={MAX_CONNECTIVITY} (16 suits most data)",
                    self.connectivity
                ),
            ));
        }
        for (name, value) in [
            ("expansion_add", self.expansion_add),
            ("expansion_search", self.expansion_search),
        ] {
            check_expansion(name, value)?;
        }
        Ok(())
    }
}

fn check_expansion(name: &'static str, value: usize) -> Result<()> {
    if !(1..=MAX_EXPANSION).contains(&value) {
        return Err(Error::invalid_argument(
            name,
            format!("{value} is outside 1..={MAX_EXPANSION}"),
        ));
    }
    Ok(())
}

/// usearch marks removed nodes with this key, so it cannot name a vector.
const FREE_KEY: u64 = u64::MAX;

/// Smallest capacity reserved: growth doubles from here.
const MIN_CAPACITY: usize = 1024;

/// Stripes of the per-key lock that makes "remove, then add" one step.
const KEY_STRIPES: usize = 64;

/// An HNSW index of `u64` keys over vectors of one dimension.
///
/// Thread-safe: `add`, `remove` and `search` run concurrently under a shared
/// lock; growing the capacity, saving, and a search with its own expansion
/// take it exclusively for their duration.
pub(crate) struct Hnsw {
    index: Index,
    dim: usize,
    quantization: HnswQuantization,
    expansion_search: usize,
    /// Shared by add/remove/search; exclusive for `reserve` (usearch forbids
    /// any concurrent call while it reallocates), `save` and changing the
    /// expansion (a field usearch reads unsynchronised).
    structure: RwLock<()>,
    /// usearch serves only as many concurrent calls as it has thread
    /// contexts and fails the rest; this makes the excess wait instead.
    contexts: Contexts,
    /// Makes an add's remove-then-insert of one key atomic against another
    /// add or remove of the same key.
    key_locks: Box<[Mutex<()>]>,
}

impl fmt::Debug for Hnsw {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Hnsw")
            .field("dim", &self.dim)
            .field("len", &self.len())
            .field("quantization", &self.quantization)
            .field("connectivity", &self.index.connectivity())
            .field("expansion_search", &self.expansion_search)
            .finish()
    }
}

impl Hnsw {
    /// Empty index of `dim` for inner-product search.
    pub(crate) fn new(dim: usize, options: &HnswOptions) -> Result<Self> {
        let hnsw = Self::unreserved(dim, options)?;
        hnsw.reserve(MIN_CAPACITY)?;
        Ok(hnsw)
    }

    /// Builds from row-major `vectors` (`keys.len() * dim` values), adding
    /// in parallel on rayon's threads. Keys must be distinct and not
    /// `u64::MAX`; values finite.
    pub(crate) fn build(
        dim: usize,
        options: &HnswOptions,
        keys: &[u64],
        vectors: &[f32],
    ) -> Result<Self> {
        let hnsw = Self::unreserved(dim, options)?;
        if keys.len().checked_mul(dim) != Some(vectors.len()) {
            return Err(Error::invalid_argument(
                "vectors",
                format!(
                    "{} values are not {} keys times dimension {dim}",
                    vectors.len(),
                    keys.len()
                ),
            ));
        }
        let mut seen = std::collections::HashSet::with_capacity(keys.len());
        for &key in keys {
            check_key(key)?;
            if !seen.insert(key) {
                return Err(Error::invalid_argument(
                    "keys",
                    format!("key {key} appears twice"),
                ));
            }
        }
        drop(seen);
        if let Some(i) = vectors.iter().position(|x| !x.is_finite()) {
            return Err(Error::invalid_argument(
                "vectors",
                format!("value {i} (of row {}) is not finite", i / dim),
            ));
        }
        hnsw.reserve((keys.len() + hnsw.contexts.total).max(MIN_CAPACITY))?;
        keys.par_iter()
            .zip(vectors.par_chunks_exact(dim))
            .try_for_each(|(&key, vector)| {
                let _context = hnsw.contexts.acquire();
                hnsw.index
                    .add(key, vector)
                    .map_err(native(&format!("adding key {key}")))
            })?;
        Ok(hnsw)
    }

    /// Adds or replaces one vector under `key` (not `u64::MAX`), growing
    /// the capacity (doubling) as needed. A search running meanwhile may
    /// miss the key for that instant; on error the key may be absent.
    pub(crate) fn add(&self, key: u64, vector: &[f32]) -> Result<()> {
        check_key(key)?;
        validate_vector(vector, self.dim)?;
        let _key = self.key_lock(key).lock();
        loop {
            let shared = self.structure.read();
            // At most `contexts.total` adds run at once and each adds one
            // node, so this much room means none can find usearch full.
            let room_needed = self.index.size() + self.contexts.total;
            if room_needed <= self.index.capacity() {
                let _context = self.contexts.acquire();
                self.index
                    .remove(key)
                    .map_err(native(&format!("replacing key {key}")))?;
                self.index
                    .add(key, vector)
                    .map_err(native(&format!("adding key {key}")))?;
                drop(shared);
                return Ok(());
            }
            drop(shared);
            let _exclusive = self.structure.write();
            // Another thread may have grown it while this one waited.
            if self.index.size() + self.contexts.total > self.index.capacity() {
                let doubled = self.index.capacity().saturating_mul(2);
                self.reserve_locked(doubled.max(room_needed))?;
            }
        }
    }

    /// Removes `key` if present; returns whether it was there.
    pub(crate) fn remove(&self, key: u64) -> Result<bool> {
        if key == FREE_KEY {
            return Ok(false);
        }
        let _key = self.key_lock(key).lock();
        let _shared = self.structure.read();
        let removed = self
            .index
            .remove(key)
            .map_err(native(&format!("removing key {key}")))?;
        Ok(removed > 0)
    }

    /// Up to `k` keys nearest `query` by inner product, best first, with
    /// their approximate scores (the dot product, computed on the index's
    /// quantized copy). Only keys for which `allow` is true are returned;
    /// the graph is still walked through the others, so a filter that
    /// allows a good share of the keys still yields `k` results. `expansion`
    /// overrides [`HnswOptions::expansion_search`] for this call; usearch
    /// keeps the expansion on the index, not per call, so such a search
    /// runs alone (other calls wait for it). A panic in `allow` is carried
    /// to the caller after usearch has returned.
    pub(crate) fn search(
        &self,
        query: &[f32],
        k: usize,
        allow: &(dyn Fn(u64) -> bool + Sync),
        expansion: Option<usize>,
    ) -> Result<Vec<(u64, f32)>> {
        validate_vector(query, self.dim)?;
        if k == 0 {
            return Err(Error::invalid_argument("k", "must be at least 1"));
        }
        let expansion = match expansion {
            Some(e) if e != self.expansion_search => {
                check_expansion("expansion", e)?;
                Some(e)
            }
            _ => None,
        };
        // Panics must not unwind through usearch's C++ frames: catch them
        // in the filter, answer "no" from then on, rethrow afterwards.
        let panic = std::cell::RefCell::new(None);
        let filter = |key: u64| {
            if panic.borrow().is_some() {
                return false;
            }
            match catch_unwind(AssertUnwindSafe(|| allow(key))) {
                Ok(allowed) => allowed,
                Err(payload) => {
                    *panic.borrow_mut() = Some(payload);
                    false
                }
            }
        };
        let matches = match expansion {
            None => {
                let _shared = self.structure.read();
                // usearch allocates `k` slots up front: never ask for more
                // than there are.
                let k = k.min(self.index.size());
                if k == 0 {
                    return Ok(Vec::new());
                }
                let _context = self.contexts.acquire();
                self.index.filtered_search(query, k, filter)
            }
            Some(e) => {
                let _exclusive = self.structure.write();
                let k = k.min(self.index.size());
                if k == 0 {
                    return Ok(Vec::new());
                }
                self.index.change_expansion_search(e);
                let result = self.index.filtered_search(query, k, filter);
                self.index.change_expansion_search(self.expansion_search);
                result
            }
        };
        if let Some(payload) = panic.into_inner() {
            resume_unwind(payload);
        }
        let matches = matches.map_err(native("searching"))?;
        Ok(matches
            .keys
            .into_iter()
            .zip(matches.distances)
            // Both metrics are distances `1 - similarity`.
            .map(|(key, distance)| (key, 1.0 - distance))
            .collect())
    }

    /// Number of vectors in the index.
    pub(crate) fn len(&self) -> usize {
        self.index.size()
    }

    /// Dimension of the vectors.
    pub(crate) fn dim(&self) -> usize {
        self.dim
    }

    /// Saves to a file: writes `path` + `.tmp`, syncs it, then renames it
    /// over `path`, so a crash never leaves a half-written file under
    /// `path`. Writers and searches wait while it runs.
    pub(crate) fn save(&self, path: &Path) -> Result<()> {
        let tmp = tmp_path(path);
        let result = self.save_to(&tmp).and_then(|()| {
            std::fs::rename(&tmp, path).map_err(|e| Error::io(path, e))?;
            sync_parent(path);
            Ok(())
        });
        if result.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        result
    }

    /// Loads a saved index. The file must be whole (its checksum is
    /// verified first) and hold vectors of `dim` with the quantization of
    /// `options`, else an error. The graph keeps the connectivity it was
    /// built with; the expansions come from `options`.
    pub(crate) fn load(path: &Path, dim: usize, options: &HnswOptions) -> Result<Self> {
        let trailer = Trailer::verify(path)?;
        if trailer.dim != dim as u64 {
            return Err(Error::DimensionMismatch {
                expected: dim,
                actual: usize::try_from(trailer.dim).unwrap_or(usize::MAX),
            });
        }
        if trailer.quantization != options.quantization {
            return Err(Error::Store {
                detail: format!(
                    "HNSW index {} stores {} vectors, the options ask for {}; \
                     delete the file to rebuild it or set the quantization to {}",
                    path.display(),
                    trailer.quantization.as_str(),
                    options.quantization.as_str(),
                    trailer.quantization.as_str()
                ),
            });
        }
        let hnsw = Self::unreserved(dim, options)?;
        hnsw.index
            .load(native_path(path)?)
            .map_err(native(&format!("loading {}", path.display())))?;
        let index = &hnsw.index;
        if index.dimensions() != dim
            || index.scalar_kind() != options.quantization.scalar_kind()
            || index.metric_kind() != options.quantization.metric()
        {
            return Err(corrupt(path, "its header disagrees with its trailer"));
        }
        index.change_expansion_add(options.expansion_add);
        index.change_expansion_search(options.expansion_search);
        hnsw.reserve((index.size() + hnsw.contexts.total).max(MIN_CAPACITY))?;
        Ok(hnsw)
    }

    /// Bytes of memory the index uses (usearch's estimate, within 10%).
    pub(crate) fn memory_bytes(&self) -> usize {
        self.index.memory_usage()
    }

    /// The index with its options set but no capacity (usearch can neither
    /// add nor search before a reserve).
    fn unreserved(dim: usize, options: &HnswOptions) -> Result<Self> {
        options.validate()?;
        if dim == 0 {
            return Err(Error::invalid_argument("dim", "must be positive"));
        }
        let index = Index::new(&IndexOptions {
            dimensions: dim,
            metric: options.quantization.metric(),
            quantization: options.quantization.scalar_kind(),
            connectivity: options.connectivity,
            expansion_add: options.expansion_add,
            expansion_search: options.expansion_search,
            multi: false,
        })
        .map_err(native("creating the index"))?;
        let threads = std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .max(rayon::current_num_threads());
        Ok(Hnsw {
            index,
            dim,
            quantization: options.quantization,
            expansion_search: options.expansion_search,
            structure: RwLock::new(()),
            contexts: Contexts::new(threads),
            key_locks: (0..KEY_STRIPES).map(|_| Mutex::new(())).collect(),
        })
    }

    fn reserve(&self, capacity: usize) -> Result<()> {
        let _exclusive = self.structure.write();
        self.reserve_locked(capacity)
    }

    /// Grows to `capacity` with one usearch thread context per slot of
    /// `contexts`. The caller holds `structure` exclusively.
    fn reserve_locked(&self, capacity: usize) -> Result<()> {
        self.index
            .reserve_capacity_and_threads(capacity, self.contexts.total)
            .map_err(native(&format!("reserving room for {capacity} vectors")))?;
        if self.index.capacity() < capacity {
            return Err(Error::Store {
                detail: format!(
                    "HNSW index: could not reserve room for {capacity} vectors (out of memory?)"
                ),
            });
        }
        Ok(())
    }

    fn key_lock(&self, key: u64) -> &Mutex<()> {
        // Fibonacci hashing: consecutive keys land on different stripes.
        let stripe = (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 58) as usize;
        &self.key_locks[stripe % self.key_locks.len()]
    }

    fn save_to(&self, tmp: &Path) -> Result<()> {
        let quantization = self.quantization;
        let dim = self.dim as u64;
        // Create it here first so that a missing directory or a permission
        // problem is reported with the operating system's reason.
        File::create(tmp).map_err(|e| Error::io(tmp, e))?;
        {
            let _exclusive = self.structure.write();
            self.index
                .save(native_path(tmp)?)
                .map_err(native(&format!("saving {}", tmp.display())))?;
        }
        let mut file = OpenOptions::new()
            .read(true)
            .append(true)
            .open(tmp)
            .map_err(|e| Error::io(tmp, e))?;
        let io = |e| Error::io(tmp, e);
        let payload_len = file.metadata().map_err(io)?.len();
        let mut trailer = Trailer {
            payload_len,
            checksum: 0,
            dim,
            quantization,
        };
        trailer.checksum = trailer.seal(checksum(&mut file, payload_len).map_err(io)?);
        file.write_all(&trailer.to_bytes()).map_err(io)?;
        file.sync_all().map_err(io)
    }
}

/// A fixed pool of usearch thread contexts, handed out one per call.
#[derive(Debug)]
struct Contexts {
    total: usize,
    free: Mutex<usize>,
    returned: Condvar,
}

impl Contexts {
    fn new(total: usize) -> Self {
        Contexts {
            total,
            free: Mutex::new(total),
            returned: Condvar::new(),
        }
    }

    fn acquire(&self) -> ContextGuard<'_> {
        let mut free = self.free.lock();
        while *free == 0 {
            self.returned.wait(&mut free);
        }
        *free -= 1;
        ContextGuard(self)
    }
}

struct ContextGuard<'a>(&'a Contexts);

impl Drop for ContextGuard<'_> {
    fn drop(&mut self) {
        *self.0.free.lock() += 1;
        self.0.returned.notify_one();
    }
}

fn check_key(key: u64) -> Result<()> {
    if key == FREE_KEY {
        return Err(Error::invalid_argument(
            "key",
            "u64::MAX is reserved (the index marks removed entries with it)",
        ));
    }
    Ok(())
}

/// Turns a usearch (C++) error into a store error saying what was being done.
fn native<E: fmt::Display>(doing: &str) -> impl FnOnce(E) -> Error + '_ {
    move |e| Error::Store {
        detail: format!("HNSW index: {doing}: {e}"),
    }
}

fn corrupt(path: &Path, why: &str) -> Error {
    Error::Store {
        detail: format!(
            "HNSW index {} is truncated or corrupt ({why}); delete it and it will be rebuilt from the store",
            path.display()
        ),
    }
}

/// usearch takes paths as UTF-8 C strings: refuse what it would misread.
fn native_path(path: &Path) -> Result<&str> {
    match path.to_str() {
        Some(s) if !s.contains('\0') => Ok(s),
        _ => Err(Error::invalid_argument(
            "path",
            format!(
                "{} is not valid UTF-8 without NUL bytes, which the index library needs",
                path.display()
            ),
        )),
    }
}

fn tmp_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".tmp");
    PathBuf::from(name)
}

/// Makes the rename durable where the platform allows syncing a directory;
/// best effort, as the file itself is already synced.
fn sync_parent(path: &Path) {
    if let Some(dir) = path.parent() {
        let dir = if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir
        };
        if let Ok(d) = File::open(dir) {
            let _ = d.sync_all();
        }
    }
}

/// What [`Hnsw::save`] appends after usearch's bytes (usearch reads exactly
/// its own length and ignores what follows). Little-endian:
/// payload length u64, checksum u64, dimension u64, format version u32,
/// quantization u8, three zero bytes, magic `VPHNSW\r\n`.
#[derive(Debug, PartialEq)]
struct Trailer {
    payload_len: u64,
    checksum: u64,
    dim: u64,
    quantization: HnswQuantization,
}

const TRAILER_LEN: usize = 40;
const TRAILER_MAGIC: [u8; 8] = *b"VPHNSW\r\n";
const FORMAT_VERSION: u32 = 1;

impl Trailer {
    fn to_bytes(&self) -> [u8; TRAILER_LEN] {
        let mut b = [0u8; TRAILER_LEN];
        b[0..8].copy_from_slice(&self.payload_len.to_le_bytes());
        b[8..16].copy_from_slice(&self.checksum.to_le_bytes());
        b[16..24].copy_from_slice(&self.dim.to_le_bytes());
        b[24..28].copy_from_slice(&FORMAT_VERSION.to_le_bytes());
        b[28] = self.quantization.code();
        b[32..40].copy_from_slice(&TRAILER_MAGIC);
        b
    }

    fn from_bytes(b: &[u8; TRAILER_LEN]) -> std::result::Result<Self, &'static str> {
        let u64_at = |i: usize| {
            let mut w = [0u8; 8];
            w.copy_from_slice(&b[i..i + 8]);
            u64::from_le_bytes(w)
        };
        if b[32..40] != TRAILER_MAGIC {
            return Err("it does not end with a voiceprint HNSW trailer");
        }
        let mut version = [0u8; 4];
        version.copy_from_slice(&b[24..28]);
        if u32::from_le_bytes(version) != FORMAT_VERSION {
            return Err("its format version is not one this library reads");
        }
        let quantization =
            HnswQuantization::from_code(b[28]).ok_or("its quantization code is unknown")?;
        Ok(Trailer {
            payload_len: u64_at(0),
            checksum: u64_at(8),
            dim: u64_at(16),
            quantization,
        })
    }

    /// The stored checksum: the payload's, with the dimension and the
    /// quantization folded in, so that damage to them reads as damage
    /// rather than as an index of another shape.
    fn seal(&self, payload_checksum: u64) -> u64 {
        let mut h = payload_checksum;
        for word in [self.dim, u64::from(self.quantization.code())] {
            h = mix(h ^ word);
        }
        h
    }

    /// Reads the trailer of `path` and checks the length and checksum of
    /// everything before it.
    fn verify(path: &Path) -> Result<Self> {
        let io = |e| Error::io(path, e);
        let mut file = File::open(path).map_err(io)?;
        let len = file.metadata().map_err(io)?.len();
        let Some(payload_len) = len.checked_sub(TRAILER_LEN as u64) else {
            return Err(corrupt(path, "it is shorter than its trailer"));
        };
        file.seek(SeekFrom::Start(payload_len)).map_err(io)?;
        let mut bytes = [0u8; TRAILER_LEN];
        file.read_exact(&mut bytes).map_err(io)?;
        let trailer = Trailer::from_bytes(&bytes).map_err(|why| corrupt(path, why))?;
        if trailer.payload_len != payload_len {
            return Err(corrupt(path, "its length differs from the one recorded"));
        }
        file.seek(SeekFrom::Start(0)).map_err(io)?;
        if trailer.seal(checksum(&mut file, payload_len).map_err(io)?) != trailer.checksum {
            return Err(corrupt(path, "its checksum does not match"));
        }
        Ok(trailer)
    }
}

/// Checksum of the first `len` bytes of `reader`: FxHash's word step
/// (rotate, xor, multiply by an odd constant; a bijection of the state for
/// each word, so a change confined to one 8-byte word always changes the
/// sum) over little-endian words, then splitmix64's finaliser. It catches
/// truncation and accidental damage; it is not meant to resist tampering.
fn checksum(reader: &mut impl Read, len: u64) -> std::io::Result<u64> {
    const K: u64 = 0x517C_C1B7_2722_0A95;
    let mut h = len ^ 0x9E37_79B9_7F4A_7C15;
    let mut buf = vec![0u8; 1 << 20];
    let mut left = len;
    while left > 0 {
        let want = buf.len().min(usize::try_from(left).unwrap_or(usize::MAX));
        let chunk = &mut buf[..want];
        reader.read_exact(chunk)?;
        // Every chunk but the last is a whole number of words.
        let mut words = chunk.chunks_exact(8);
        for w in &mut words {
            let mut word = [0u8; 8];
            word.copy_from_slice(w);
            h = (h.rotate_left(5) ^ u64::from_le_bytes(word)).wrapping_mul(K);
        }
        let tail = words.remainder();
        if !tail.is_empty() {
            let mut word = [0u8; 8];
            word[..tail.len()].copy_from_slice(tail);
            h = (h.rotate_left(5) ^ u64::from_le_bytes(word)).wrapping_mul(K);
        }
        left -= want as u64;
    }
    Ok(mix(h))
}

/// splitmix64's finaliser (Steele, Lea & Flood 2014), a bijection that
/// spreads every input bit over the output.
fn mix(mut h: u64) -> u64 {
    h ^= h >> 30;
    h = h.wrapping_mul(0xBF58_476D_1CE4_E5B9);
    h ^= h >> 27;
    h = h.wrapping_mul(0x94D0_49BB_1331_11EB);
    h ^ (h >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::score::dot;

    /// xorshift64, uniform in [-0.5, 0.5).
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> f32 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            (self.0 >> 40) as f32 / (1u64 << 24) as f32 - 0.5
        }

        fn below(&mut self, n: usize) -> usize {
            ((self.next() + 0.5) * n as f32) as usize % n
        }

        fn unit(&mut self, dim: usize) -> Vec<f32> {
            let v: Vec<f32> = (0..dim).map(|_| self.next()).collect();
            normalised(v)
        }
    }

    fn normalised(mut v: Vec<f32>) -> Vec<f32> {
        let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
        v.iter_mut().for_each(|x| *x /= norm);
        v
    }

    const DIM: usize = 192;

    /// `n` random unit vectors, row-major.
    fn random_set(n: usize, seed: u64) -> Vec<f32> {
        let mut rng = Rng(seed);
        (0..n).flat_map(|_| rng.unit(DIM)).collect()
    }

    /// Speaker-like data: `centres` voices, `per` utterances each, every
    /// utterance its centre plus noise of norm `noise` (0.6: cosines of
    /// about 0.74 within a voice), renormalised. The queries are fresh
    /// utterances of random voices.
    fn clustered_set(
        centres: usize,
        per: usize,
        queries: usize,
        noise: f32,
        seed: u64,
    ) -> (Vec<f32>, Vec<f32>) {
        let mut rng = Rng(seed);
        let noise_norm = noise;
        let centre: Vec<Vec<f32>> = (0..centres).map(|_| rng.unit(DIM)).collect();
        let utterance = |c: &[f32], rng: &mut Rng| {
            let noise = rng.unit(DIM);
            normalised(
                c.iter()
                    .zip(&noise)
                    .map(|(a, n)| a + noise_norm * n)
                    .collect(),
            )
        };
        let data = (0..centres * per)
            .flat_map(|i| utterance(&centre[i / per], &mut rng))
            .collect();
        let queries = (0..queries)
            .flat_map(|_| {
                let c = rng.below(centres);
                utterance(&centre[c], &mut rng)
            })
            .collect();
        (data, queries)
    }

    /// Exact top-`k` keys (row numbers) by dot product.
    fn exact_top(data: &[f32], query: &[f32], k: usize) -> Vec<u64> {
        let mut scored: Vec<(f32, u64)> = data
            .chunks_exact(DIM)
            .enumerate()
            .map(|(i, v)| (dot(v, query), i as u64))
            .collect();
        scored.select_nth_unstable_by(k - 1, |a, b| b.0.total_cmp(&a.0));
        scored[..k].iter().map(|&(_, i)| i).collect()
    }

    /// Mean share of the exact top-10 found in the index's top-10.
    fn recall_at_10(hnsw: &Hnsw, data: &[f32], queries: &[f32], expansion: Option<usize>) -> f64 {
        let found: usize = queries
            .par_chunks_exact(DIM)
            .map(|q| {
                let want = exact_top(data, q, 10);
                let got = hnsw.search(q, 10, &|_| true, expansion).unwrap();
                got.iter().filter(|(key, _)| want.contains(key)).count()
            })
            .sum();
        found as f64 / (queries.len() / DIM * 10) as f64
    }

    fn keys(n: usize) -> Vec<u64> {
        (0..n as u64).collect()
    }

    fn options(quantization: HnswQuantization) -> HnswOptions {
        HnswOptions {
            quantization,
            ..HnswOptions::default()
        }
    }

    #[test]
    fn is_send_and_sync() {
        fn check<T: Send + Sync>() {}
        check::<Hnsw>();
    }

    #[test]
    fn quantization_names_round_trip() {
        for q in [
            HnswQuantization::F32,
            HnswQuantization::F16,
            HnswQuantization::I8,
        ] {
            assert_eq!(HnswQuantization::parse(q.as_str()).unwrap(), q);
            assert_eq!(HnswQuantization::from_code(q.code()), Some(q));
        }
        assert_eq!(
            HnswQuantization::parse(" F16 ").unwrap(),
            HnswQuantization::F16
        );
        assert!(HnswQuantization::parse("bf16").is_err());
        assert_eq!(HnswQuantization::default(), HnswQuantization::F32);
    }

    #[test]
    fn options_are_validated() {
        assert!(HnswOptions::default().validate().is_ok());
        let bad = [
            HnswOptions {
                connectivity: 1,
                ..HnswOptions::default()
            },
            HnswOptions {
                connectivity: 100_000,
                ..HnswOptions::default()
            },
            HnswOptions {
                expansion_add: 0,
                ..HnswOptions::default()
            },
            HnswOptions {
                expansion_search: 0,
                ..HnswOptions::default()
            },
            HnswOptions {
                expansion_search: usize::MAX,
                ..HnswOptions::default()
            },
        ];
        for o in bad {
            assert!(o.validate().is_err(), "{o:?}");
            assert!(Hnsw::new(8, &o).is_err());
        }
        assert!(Hnsw::new(0, &HnswOptions::default()).is_err());
    }

    /// Random unit vectors are HNSW's worst case: with no structure, the
    /// true top-10 stand barely above the rest (dot products near 0.25
    /// against a spread of 0.07), so the default expansion, sized for
    /// speaker-like data, finds only part of them, and 0.99 takes an
    /// expansion that visits a large share of the graph.
    #[test]
    fn recall_on_random_unit_vectors() {
        let data = random_set(20_000, 1);
        let queries = random_set(200, 2);
        let hnsw = Hnsw::build(DIM, &HnswOptions::default(), &keys(20_000), &data).unwrap();
        assert_eq!(hnsw.len(), 20_000);
        assert_eq!(hnsw.dim(), DIM);
        assert!(hnsw.memory_bytes() > 20_000 * DIM * 4);
        let default = recall_at_10(&hnsw, &data, &queries, None);
        let wide = recall_at_10(&hnsw, &data, &queries, Some(RANDOM_EXPANSION));
        eprintln!("recall@10 random f32: {default:.4} (ef 128), {wide:.4} (ef {RANDOM_EXPANSION})");
        assert!(default >= 0.5, "recall@10 {default}");
        assert!(wide >= 0.99, "recall@10 {wide}");
        // The override was for that search only.
        assert_eq!(recall_at_10(&hnsw, &data, &queries, None), default);
        assert!(hnsw
            .search(&queries[..DIM], 10, &|_| true, Some(0))
            .is_err());
    }

    /// The expansion that lifts random-data recall@10 to 0.99 at 20 000.
    const RANDOM_EXPANSION: usize = 2048;

    #[test]
    fn recall_on_clustered_speaker_like_vectors() {
        let (data, queries) = clustered_set(1000, 20, 200, 0.6, 3);
        let hnsw = Hnsw::build(DIM, &HnswOptions::default(), &keys(20_000), &data).unwrap();
        let recall = recall_at_10(&hnsw, &data, &queries, None);
        eprintln!("recall@10 clustered f32: {recall:.4}");
        assert!(recall >= 0.99, "recall@10 {recall}");
    }

    /// On speaker-like data i8 finds the voice; its rounding only reorders
    /// a voice's own utterances, whose scores lie close together.
    #[test]
    fn i8_finds_the_voice_on_clustered_vectors() {
        let per = 20;
        let (data, queries) = clustered_set(250, per, 200, 0.6, 20);
        let hnsw = Hnsw::build(DIM, &options(HnswQuantization::I8), &keys(5_000), &data).unwrap();
        let recall = recall_at_10(&hnsw, &data, &queries, None);
        let voice = |key: u64| key / per as u64;
        let same_voice = queries
            .chunks_exact(DIM)
            .filter(|q| {
                let best = hnsw.search(q, 1, &|_| true, None).unwrap()[0].0;
                voice(best) == voice(exact_top(&data, q, 1)[0])
            })
            .count();
        eprintln!("clustered i8: recall@10 {recall:.4}, top-1 voice right {same_voice}/200");
        assert!(recall >= 0.9, "recall@10 {recall}");
        assert_eq!(same_voice, 200);
    }

    #[test]
    fn quantized_indexes_recall_and_score() {
        let data = random_set(20_000, 4);
        let queries = random_set(200, 5);
        // i8 steps of 1/127 per value are coarser than the gaps between
        // random data's top scores: its recall stops near 0.90 however
        // wide the search (on speaker-like data it is 1.0, see above).
        for (q, bar, tolerance) in [
            (HnswQuantization::F16, 0.99, 2e-3),
            (HnswQuantization::I8, 0.88, 2e-2),
        ] {
            let hnsw = Hnsw::build(DIM, &options(q), &keys(20_000), &data).unwrap();
            let recall = recall_at_10(&hnsw, &data, &queries, Some(RANDOM_EXPANSION));
            eprintln!(
                "recall@10 random {} (ef {RANDOM_EXPANSION}): {recall:.4}",
                q.as_str()
            );
            assert!(recall >= bar, "{q:?}: recall@10 {recall}");
            // Scores approximate the exact dot product.
            let query = &queries[..DIM];
            for (key, score) in hnsw.search(query, 10, &|_| true, None).unwrap() {
                let row = &data[key as usize * DIM..][..DIM];
                let exact = dot(row, query);
                assert!(
                    (score - exact).abs() < tolerance,
                    "{q:?}: {score} vs {exact}"
                );
            }
        }
    }

    #[test]
    fn filtered_search_returns_only_allowed_keys() {
        let data = random_set(3_000, 6);
        let hnsw = Hnsw::build(DIM, &HnswOptions::default(), &keys(3_000), &data).unwrap();
        let mut rng = Rng(7);
        for _ in 0..50 {
            let q = rng.unit(DIM);
            let hits = hnsw.search(&q, 10, &|key| key % 2 == 0, None).unwrap();
            assert_eq!(hits.len(), 10);
            assert!(hits.iter().all(|(key, _)| key % 2 == 0), "{hits:?}");
            assert!(hits.windows(2).all(|w| w[0].1 >= w[1].1), "best first");
            let few = hnsw.search(&q, 10, &|key| key < 3, None).unwrap();
            assert!(few.iter().all(|(key, _)| *key < 3));
        }
        assert!(hnsw
            .search(&data[..DIM], 5, &|_| false, None)
            .unwrap()
            .is_empty());
    }

    #[test]
    fn the_exact_match_comes_first_with_its_score() {
        let data = random_set(2_000, 8);
        let hnsw = Hnsw::build(DIM, &HnswOptions::default(), &keys(2_000), &data).unwrap();
        for i in [0usize, 17, 1999] {
            let hits = hnsw
                .search(&data[i * DIM..][..DIM], 3, &|_| true, None)
                .unwrap();
            assert_eq!(hits[0].0, i as u64);
            assert!((hits[0].1 - 1.0).abs() < 1e-4, "{}", hits[0].1);
        }
        // More results than records: nearly all of them (a graph walk may
        // miss a few nodes), each once.
        let all = hnsw.search(&data[..DIM], 5_000, &|_| true, None).unwrap();
        let distinct: std::collections::HashSet<u64> = all.iter().map(|h| h.0).collect();
        assert!(all.len() <= 2_000 && all.len() >= 1_980, "{}", all.len());
        assert_eq!(distinct.len(), all.len());
    }

    #[test]
    fn removed_keys_vanish_and_adds_replace() {
        let data = random_set(3_000, 9);
        let hnsw = Hnsw::build(DIM, &HnswOptions::default(), &keys(3_000), &data).unwrap();
        let mut rng = Rng(10);
        for key in 0..300u64 {
            assert!(hnsw.remove(key * 10).unwrap());
        }
        assert!(!hnsw.remove(0).unwrap());
        assert!(!hnsw.remove(u64::MAX).unwrap());
        assert_eq!(hnsw.len(), 2_700);
        for _ in 0..100 {
            let hits = hnsw.search(&rng.unit(DIM), 20, &|_| true, None).unwrap();
            assert!(hits.iter().all(|(key, _)| key % 10 != 0), "{hits:?}");
        }
        // Its own vector no longer finds a removed key.
        let hits = hnsw
            .search(&data[10 * DIM..][..DIM], 5, &|_| true, None)
            .unwrap();
        assert!(hits.iter().all(|(key, _)| *key != 10));

        // Replacing moves a key to its new vector.
        let moved = rng.unit(DIM);
        hnsw.add(5, &moved).unwrap();
        assert_eq!(hnsw.len(), 2_700);
        let hits = hnsw.search(&moved, 1, &|_| true, None).unwrap();
        assert_eq!(hits[0].0, 5);
        assert!((hits[0].1 - 1.0).abs() < 1e-4);
        let old = hnsw
            .search(&data[5 * DIM..][..DIM], 1, &|_| true, None)
            .unwrap();
        assert_ne!(old[0].0, 5);

        // Removed slots are reused, then the capacity grows past them.
        for key in 10_000..12_000u64 {
            hnsw.add(key, &rng.unit(DIM)).unwrap();
        }
        assert_eq!(hnsw.len(), 4_700);
        assert!(hnsw.add(u64::MAX, &moved).is_err());
        assert!(hnsw.add(1, &moved[1..]).is_err());
        assert!(hnsw.add(1, &vec![f32::NAN; DIM]).is_err());
    }

    #[test]
    fn concurrent_adds_and_searches_grow_from_empty() {
        let hnsw = Hnsw::new(DIM, &HnswOptions::default()).unwrap();
        assert!(hnsw
            .search(&random_set(1, 1), 5, &|_| true, None)
            .unwrap()
            .is_empty());
        let data = random_set(3_000, 11);
        // More tasks than usearch thread contexts, all at once.
        data.par_chunks_exact(DIM).enumerate().for_each(|(i, v)| {
            hnsw.add(i as u64, v).unwrap();
            if i % 7 == 0 {
                hnsw.search(v, 5, &|_| true, None).unwrap();
            }
            if i % 11 == 0 {
                hnsw.search(v, 5, &|_| true, Some(32)).unwrap();
            }
        });
        assert_eq!(hnsw.len(), 3_000);
        let hits = hnsw
            .search(&data[42 * DIM..][..DIM], 1, &|_| true, None)
            .unwrap();
        assert_eq!(hits[0].0, 42);
    }

    #[test]
    fn a_panicking_filter_panics_in_the_caller() {
        let data = random_set(500, 14);
        let hnsw = Hnsw::build(DIM, &HnswOptions::default(), &keys(500), &data).unwrap();
        let caught = catch_unwind(AssertUnwindSafe(|| {
            hnsw.search(&data[..DIM], 5, &|_| panic!("filter failed"), None)
        }));
        assert!(caught.is_err());
        // The index is still usable.
        assert_eq!(
            hnsw.search(&data[..DIM], 1, &|_| true, None).unwrap()[0].0,
            0
        );
    }

    #[test]
    fn build_refuses_bad_input() {
        let o = HnswOptions::default();
        let data = random_set(10, 15);
        assert!(Hnsw::build(DIM, &o, &keys(9), &data).is_err());
        assert!(Hnsw::build(DIM, &o, &keys(11), &data).is_err());
        assert!(Hnsw::build(DIM + 1, &o, &keys(10), &data).is_err());
        assert!(Hnsw::build(DIM, &o, &[1, 2, 3, 4, 5, 6, 7, 8, 9, 1], &data).is_err());
        let mut with_max = keys(10);
        with_max[3] = u64::MAX;
        assert!(Hnsw::build(DIM, &o, &with_max, &data).is_err());
        let mut nan = data.clone();
        nan[77] = f32::INFINITY;
        assert!(Hnsw::build(DIM, &o, &keys(10), &nan).is_err());
        let empty = Hnsw::build(DIM, &o, &[], &[]).unwrap();
        assert_eq!(empty.len(), 0);
    }

    #[test]
    fn save_and_load_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("index.hnsw");
        let data = random_set(1_500, 16);
        let queries = random_set(50, 17);
        for q in [
            HnswQuantization::F32,
            HnswQuantization::F16,
            HnswQuantization::I8,
        ] {
            let o = options(q);
            let hnsw = Hnsw::build(DIM, &o, &keys(1_500), &data).unwrap();
            hnsw.remove(7).unwrap();
            hnsw.save(&path).unwrap();
            assert!(!tmp_path(&path).exists());
            let loaded = Hnsw::load(&path, DIM, &o).unwrap();
            assert_eq!(loaded.len(), hnsw.len());
            for query in queries.chunks_exact(DIM) {
                assert_eq!(
                    hnsw.search(query, 10, &|_| true, None).unwrap(),
                    loaded.search(query, 10, &|_| true, None).unwrap()
                );
            }
            // Still writable after loading, and a save replaces the file.
            loaded.add(7, &data[..DIM]).unwrap();
            loaded.add(1_000_000, &data[DIM..2 * DIM]).unwrap();
            assert_eq!(loaded.len(), 1_501);
            loaded.save(&path).unwrap();
            assert_eq!(Hnsw::load(&path, DIM, &o).unwrap().len(), 1_501);
        }
    }

    #[test]
    fn load_refuses_other_dims_quantizations_and_damage() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("index.hnsw");
        let o = HnswOptions::default();
        let data = random_set(500, 18);
        Hnsw::build(DIM, &o, &keys(500), &data)
            .unwrap()
            .save(&path)
            .unwrap();
        let bytes = std::fs::read(&path).unwrap();

        assert!(matches!(
            Hnsw::load(&path, 64, &o),
            Err(Error::DimensionMismatch {
                expected: 64,
                actual: 192
            })
        ));
        assert!(matches!(
            Hnsw::load(&path, DIM, &options(HnswQuantization::I8)),
            Err(Error::Store { .. })
        ));
        assert!(matches!(
            Hnsw::load(&dir.path().join("missing"), DIM, &o),
            Err(Error::Io { .. })
        ));

        let damaged = dir.path().join("damaged");
        let is_refused = |content: &[u8]| {
            std::fs::write(&damaged, content).unwrap();
            matches!(Hnsw::load(&damaged, DIM, &o), Err(Error::Store { .. }))
        };
        assert!(is_refused(&[]));
        assert!(is_refused(b"not an index"));
        for cut in [1, 39, 40, 41, 1000, bytes.len() / 2, bytes.len() - 1] {
            assert!(is_refused(&bytes[..cut]), "cut at {cut}");
        }
        for at in [
            0,
            9,
            5_000,
            bytes.len() / 2,
            bytes.len() - 41,
            bytes.len() - 20,
        ] {
            let mut flipped = bytes.clone();
            flipped[at] ^= 0x10;
            assert!(is_refused(&flipped), "flip at {at}");
        }
        let mut rng = Rng(19);
        let garbage: Vec<u8> = (0..bytes.len())
            .map(|_| (rng.next() * 255.0) as u8)
            .collect();
        assert!(is_refused(&garbage));
        // Garbage with a well-formed trailer claiming it.
        let mut forged = garbage[..bytes.len() - TRAILER_LEN].to_vec();
        forged.extend_from_slice(&bytes[bytes.len() - TRAILER_LEN..]);
        assert!(is_refused(&forged));

        // A save into a missing directory is an I/O error and leaves nothing.
        let nowhere = dir.path().join("no/such/dir/index.hnsw");
        let hnsw = Hnsw::build(DIM, &o, &keys(500), &data).unwrap();
        assert!(matches!(hnsw.save(&nowhere), Err(Error::Io { .. })));
    }

    #[test]
    fn checksum_sees_every_word_and_the_length() {
        let bytes: Vec<u8> = (0..100u8).collect();
        let sum = |b: &[u8]| checksum(&mut &b[..], b.len() as u64).unwrap();
        let base = sum(&bytes);
        for i in 0..bytes.len() {
            let mut b = bytes.clone();
            b[i] ^= 1;
            assert_ne!(sum(&b), base, "byte {i}");
        }
        assert_ne!(sum(&bytes[..99]), base);
        let mut padded = bytes.clone();
        padded.push(0);
        assert_ne!(sum(&padded), base);
    }

    /// Speed and recall at scale; run with
    /// `cargo test --release -p voiceprint-core --lib store::hnsw::tests::scale -- --ignored --nocapture`.
    /// `HNSW_SCALE_N` sets the record count (default 100 000);
    /// `HNSW_SCALE_M`, `HNSW_SCALE_EF` and `HNSW_SCALE_EFC` comma-separated
    /// lists of connectivities, search and construction expansions.
    #[test]
    #[ignore]
    fn scale() {
        let env_list = |name: &str, default: &[usize]| -> Vec<usize> {
            std::env::var(name)
                .ok()
                .map(|s| s.split(',').filter_map(|x| x.trim().parse().ok()).collect())
                .unwrap_or_else(|| default.to_vec())
        };
        let n = env_list("HNSW_SCALE_N", &[100_000])[0];
        // HNSW_SCALE_NOISE=60 (per cent): speaker-like clusters of 20; unset: random.
        let (data, queries) = match env_list("HNSW_SCALE_NOISE", &[]).first() {
            Some(&percent) => clustered_set(n / 20, 20, 500, percent as f32 / 100.0, 21),
            None => (random_set(n, 21), random_set(500, 22)),
        };
        let started = std::time::Instant::now();
        let exact: Vec<Vec<u64>> = queries
            .chunks_exact(DIM)
            .map(|q| exact_top(&data, q, 10))
            .collect();
        eprintln!(
            "n={n}: exact scan {:.3} ms/query (1 thread)",
            started.elapsed().as_secs_f64() * 1e3 / exact.len() as f64
        );
        for efc in env_list("HNSW_SCALE_EFC", &[128]) {
            for connectivity in env_list("HNSW_SCALE_M", &[16, 32]) {
                let quantization = std::env::var("HNSW_SCALE_Q")
                    .map_or(Ok(HnswQuantization::F32), |q| HnswQuantization::parse(&q))
                    .unwrap();
                let o = HnswOptions {
                    connectivity,
                    expansion_add: efc,
                    quantization,
                    ..HnswOptions::default()
                };
                let started = std::time::Instant::now();
                let hnsw = Hnsw::build(DIM, &o, &keys(n), &data).unwrap();
                eprintln!(
                    "M={connectivity} efc={efc} {}: build {:.1} s on {} threads, {:.0} MiB, {}",
                    quantization.as_str(),
                    started.elapsed().as_secs_f64(),
                    rayon::current_num_threads(),
                    hnsw.memory_bytes() as f64 / (1 << 20) as f64,
                    hnsw.index.hardware_acceleration()
                );
                for ef in env_list("HNSW_SCALE_EF", &[64, 128, 256]) {
                    let started = std::time::Instant::now();
                    let mut found = 0;
                    for (q, want) in queries.chunks_exact(DIM).zip(&exact) {
                        let got = hnsw.search(q, 10, &|_| true, Some(ef)).unwrap();
                        found += got.iter().filter(|(key, _)| want.contains(key)).count();
                    }
                    let ms = started.elapsed().as_secs_f64() * 1e3 / exact.len() as f64;
                    let recall = found as f64 / (exact.len() * 10) as f64;
                    eprintln!("  ef={ef}: recall@10 {recall:.4}, {ms:.3} ms/query (1 thread)");
                }
            }
        }
    }
}
