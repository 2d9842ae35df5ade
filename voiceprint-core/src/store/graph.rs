//! A store's approximate index: the HNSW graph over its rows, the stable
//! keys that name rows in the graph (rows move when others are removed;
//! keys do not), and the files that keep the graph beside a durable store.
//!
//! The durable store is the source of truth. A saved graph is used on open
//! only when its key file names the same generation of the store (every
//! write transaction bumps it), the same dimension and exactly the store's
//! ids; anything else (a crash after writes, a half-written file, another
//! store's graph) rebuilds it from the rows.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use super::hnsw::{Hnsw, HnswOptions};
use crate::{Error, Result};

/// A key file starts with this.
const MAGIC: &[u8; 8] = b"VPHNSWK1";
/// No row: the slot of a removed key.
const GONE: u32 = u32::MAX;

/// The graph with its key map.
pub(crate) struct Graph {
    pub(crate) hnsw: Hnsw,
    /// Key of each row (by slot).
    keys: Vec<u64>,
    /// Row of each key ever issued, [`GONE`] once removed.
    key_slot: Vec<u32>,
    /// Changed since it was built, loaded or saved.
    pub(crate) dirty: bool,
    /// Came from a saved file rather than a build.
    pub(crate) loaded: bool,
}

impl std::fmt::Debug for Graph {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Graph")
            .field("records", &self.keys.len())
            .field("dirty", &self.dirty)
            .field("loaded", &self.loaded)
            .finish()
    }
}

fn too_many() -> Error {
    Error::invalid_argument(
        "records",
        "the HNSW index holds at most 4 294 967 294 records",
    )
}

impl Graph {
    /// A graph over `n` rows given as `f32` blocks by `rows(start, end)`,
    /// keys `0..n`.
    pub(crate) fn build(
        dim: usize,
        options: &HnswOptions,
        n: usize,
        contiguous: Option<&[f32]>,
        mut block: impl FnMut(usize, usize) -> Vec<f32>,
    ) -> Result<Self> {
        if n >= GONE as usize {
            return Err(too_many());
        }
        let keys: Vec<u64> = (0..n as u64).collect();
        let hnsw = match contiguous {
            Some(all) => Hnsw::build(dim, options, &keys, all)?,
            None => {
                use rayon::prelude::*;
                let hnsw = Hnsw::new(dim, options)?;
                const CHUNK: usize = 65_536;
                for start in (0..n).step_by(CHUNK) {
                    let end = (start + CHUNK).min(n);
                    let values = block(start, end);
                    values
                        .par_chunks_exact(dim)
                        .zip(&keys[start..end])
                        .try_for_each(|(v, &key)| hnsw.add(key, v))?;
                }
                hnsw
            }
        };
        Ok(Graph {
            hnsw,
            key_slot: (0..n as u32).collect(),
            keys,
            dirty: true,
            loaded: false,
        })
    }

    pub(crate) fn len(&self) -> usize {
        self.keys.len()
    }

    /// The row a key names, if it still names one.
    #[inline]
    pub(crate) fn slot(&self, key: u64) -> Option<usize> {
        match self.key_slot.get(usize::try_from(key).ok()?) {
            Some(&s) if s != GONE => Some(s as usize),
            _ => None,
        }
    }

    /// A new key for row `slot` (which must be the next row).
    pub(crate) fn push_key(&mut self, slot: usize) -> Result<u64> {
        if self.key_slot.len() >= GONE as usize - 1 || slot >= GONE as usize {
            return Err(too_many());
        }
        let key = self.key_slot.len() as u64;
        self.key_slot.push(slot as u32);
        self.keys.push(key);
        self.dirty = true;
        Ok(key)
    }

    pub(crate) fn key(&self, slot: usize) -> u64 {
        self.keys[slot]
    }

    /// Row `i` leaves: its key is removed from the graph and the last row,
    /// moved into `i`, keeps its key.
    pub(crate) fn swap_remove(&mut self, i: usize) -> Result<()> {
        let key = self.keys[i];
        self.key_slot[key as usize] = GONE;
        self.keys.swap_remove(i);
        if let Some(&moved) = self.keys.get(i) {
            self.key_slot[moved as usize] = i as u32;
        }
        self.dirty = true;
        self.hnsw.remove(key).map(|_| ())
    }

    /// The graph file and the key file beside a store file.
    pub(crate) fn paths(store: &Path) -> (PathBuf, PathBuf) {
        let mut graph = store.as_os_str().to_owned();
        graph.push(".hnsw");
        let mut keys = graph.clone();
        keys.push(".keys");
        (PathBuf::from(graph), PathBuf::from(keys))
    }

    /// Saves the graph, then its key file naming `generation` and the ids
    /// in key order; each file is written aside and renamed into place, the
    /// key file last, so a reader sees a complete pair or a stale key file
    /// (whose generation no longer matches).
    pub(crate) fn save(&mut self, store: &Path, generation: u64, ids: &[String]) -> Result<()> {
        let (graph_path, keys_path) = Self::paths(store);
        // A key file of the previous generation must not outlive the graph
        // it described while the new graph is written.
        match std::fs::remove_file(&keys_path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                return Err(Error::io(&keys_path, e))
            }
            _ => {}
        }
        self.hnsw.save(&graph_path)?;
        let graph_len = std::fs::metadata(&graph_path)
            .map_err(|e| Error::io(&graph_path, e))?
            .len();
        let tmp = keys_path.with_extension("keys.tmp");
        let write = || -> std::io::Result<()> {
            let mut w = BufWriter::new(File::create(&tmp)?);
            w.write_all(MAGIC)?;
            w.write_all(&generation.to_le_bytes())?;
            w.write_all(&(self.hnsw.dim() as u64).to_le_bytes())?;
            w.write_all(&graph_len.to_le_bytes())?;
            w.write_all(&(self.keys.len() as u64).to_le_bytes())?;
            w.write_all(&(self.key_slot.len() as u64).to_le_bytes())?;
            for (slot, &key) in self.keys.iter().enumerate() {
                let id = ids[slot].as_bytes();
                w.write_all(&key.to_le_bytes())?;
                w.write_all(&(id.len() as u32).to_le_bytes())?;
                w.write_all(id)?;
            }
            let f = w.into_inner().map_err(|e| e.into_error())?;
            f.sync_all()?;
            std::fs::rename(&tmp, &keys_path)
        };
        write().map_err(|e| Error::io(&keys_path, e))?;
        self.dirty = false;
        Ok(())
    }

    /// Loads the saved graph of `store` if it is exactly the store's
    /// current state; `Ok(None)` with the reason when it is not (missing,
    /// stale, damaged), so the caller rebuilds.
    pub(crate) fn load(
        store: &Path,
        generation: u64,
        dim: usize,
        options: &HnswOptions,
        slot_of: &HashMap<String, usize>,
    ) -> std::result::Result<Self, String> {
        let (graph_path, keys_path) = Self::paths(store);
        let file = File::open(&keys_path).map_err(|e| format!("no key file ({e})"))?;
        let mut r = BufReader::new(file);
        let mut magic = [0u8; 8];
        r.read_exact(&mut magic)
            .map_err(|e| format!("key file: {e}"))?;
        if &magic != MAGIC {
            return Err("key file: not a voiceprint HNSW key file".into());
        }
        let mut u64_at = || -> std::result::Result<u64, String> {
            let mut b = [0u8; 8];
            r.read_exact(&mut b).map_err(|e| format!("key file: {e}"))?;
            Ok(u64::from_le_bytes(b))
        };
        let (saved_gen, saved_dim, graph_len, count, issued) =
            (u64_at()?, u64_at()?, u64_at()?, u64_at()?, u64_at()?);
        if saved_gen != generation {
            return Err(format!(
                "saved at generation {saved_gen}, the store is at {generation}"
            ));
        }
        if saved_dim != dim as u64 {
            return Err(format!("saved for dimension {saved_dim}, not {dim}"));
        }
        if count != slot_of.len() as u64 || issued < count || issued >= u64::from(GONE) {
            return Err(format!(
                "saved {count} records, the store has {}",
                slot_of.len()
            ));
        }
        let actual_len = std::fs::metadata(&graph_path)
            .map_err(|e| format!("no graph file ({e})"))?
            .len();
        if actual_len != graph_len {
            return Err(format!(
                "graph file is {actual_len} bytes, the key file says {graph_len}"
            ));
        }
        let n = slot_of.len();
        let mut keys = vec![u64::MAX; n];
        let mut key_slot = vec![GONE; issued as usize];
        let mut id = Vec::new();
        for _ in 0..n {
            let mut b8 = [0u8; 8];
            let mut b4 = [0u8; 4];
            r.read_exact(&mut b8)
                .and_then(|_| r.read_exact(&mut b4))
                .map_err(|e| format!("key file: {e}"))?;
            let key = u64::from_le_bytes(b8);
            let len = u32::from_le_bytes(b4) as usize;
            if len > 4096 {
                return Err("key file: damaged (id too long)".into());
            }
            id.resize(len, 0);
            r.read_exact(&mut id)
                .map_err(|e| format!("key file: {e}"))?;
            let name = std::str::from_utf8(&id).map_err(|_| "key file: damaged id".to_string())?;
            let &slot = slot_of
                .get(name)
                .ok_or_else(|| format!("key file names `{name}`, which the store lacks"))?;
            if key >= issued || keys[slot] != u64::MAX || key_slot[key as usize] != GONE {
                return Err("key file: repeated or out-of-range key".into());
            }
            keys[slot] = key;
            key_slot[key as usize] = slot as u32;
        }
        let hnsw = Hnsw::load(&graph_path, dim, options).map_err(|e| format!("graph: {e}"))?;
        if hnsw.len() != n {
            return Err(format!("graph holds {} vectors, the store {n}", hnsw.len()));
        }
        Ok(Graph {
            hnsw,
            keys,
            key_slot,
            dirty: false,
            loaded: true,
        })
    }
}
