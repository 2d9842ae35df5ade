//! `vp_index_options`: how a store keeps and searches its vectors (the
//! element type of its rows, the compressed scan, an approximate HNSW
//! index), and `vp_hnsw_status`, what that index is doing. Mirrors core's
//! `IndexOptions`, `Storage`, `HnswOptions`, `HnswQuantization` and
//! `HnswState`.

use voiceprint_core::store::{HnswOptions, HnswQuantization, HnswState, IndexOptions, Storage};
use voiceprint_core::Error;

use crate::error::{FfiError, FfiResult};

/// The element type a store keeps its rows in (in memory: a SQLite file
/// always keeps float32).
#[allow(non_camel_case_types)]
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum vp_storage {
    /// float32, as given: scores are exact.
    F32 = 0,
    /// IEEE half precision: half the memory of float32. Every value is
    /// rounded to 11 significant bits, so a score moves by about 1e-4 on
    /// unit vectors and near-ties can swap; searches are exact over the
    /// rounded values.
    F16 = 1,
}

impl From<Storage> for vp_storage {
    fn from(s: Storage) -> Self {
        match s {
            Storage::F32 => vp_storage::F32,
            Storage::F16 => vp_storage::F16,
        }
    }
}

/// How an HNSW graph stores its own copy of the vectors (the store keeps
/// its rows regardless, and hits are rescored exactly from them).
#[allow(non_camel_case_types)]
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum vp_hnsw_quantization {
    /// 4 bytes a value: the graph's scores are exact dot products.
    F32 = 0,
    /// 2 bytes a value (IEEE half): the graph's scores within about 1e-3.
    F16 = 1,
    /// 1 byte a value, compared by cosine: the graph's scores within about 1e-2.
    I8 = 2,
}

impl From<HnswQuantization> for vp_hnsw_quantization {
    fn from(q: HnswQuantization) -> Self {
        match q {
            HnswQuantization::F32 => vp_hnsw_quantization::F32,
            HnswQuantization::F16 => vp_hnsw_quantization::F16,
            HnswQuantization::I8 => vp_hnsw_quantization::I8,
        }
    }
}

fn bad_enum(field: &'static str, value: u32, values: &str) -> FfiError {
    Error::invalid_argument(field, format!("{value} is not a {values}")).into()
}

fn storage_arg(value: u32) -> FfiResult<Storage> {
    match value {
        v if v == vp_storage::F32 as u32 => Ok(Storage::F32),
        v if v == vp_storage::F16 as u32 => Ok(Storage::F16),
        other => Err(bad_enum("storage", other, "vp_storage (0 f32, 1 f16)")),
    }
}

fn quantization_arg(value: u32) -> FfiResult<HnswQuantization> {
    match value {
        v if v == vp_hnsw_quantization::F32 as u32 => Ok(HnswQuantization::F32),
        v if v == vp_hnsw_quantization::F16 as u32 => Ok(HnswQuantization::F16),
        v if v == vp_hnsw_quantization::I8 as u32 => Ok(HnswQuantization::I8),
        other => Err(bad_enum(
            "hnsw_quantization",
            other,
            "vp_hnsw_quantization (0 f32, 1 f16, 2 i8)",
        )),
    }
}

/// How a store keeps and searches its vectors, for
/// `vp_store_memory_new_with`, `vp_store_sqlite_create_or_open_with` and
/// `vp_store_sqlite_open_with`. Start from `vp_index_options_default()`
/// and change fields. The enum fields are plain integers so that a bad
/// value is refused with `VP_STATUS_INVALID_ARGUMENT` rather than misread.
#[allow(non_camel_case_types)]
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct vp_index_options {
    /// A `vp_storage` value: the element type of the rows in memory.
    pub storage: u32,
    /// Keep an int8 copy of the rows (`dim + 12` bytes a record) for a
    /// first pass of single-query exact scans that reads 4x fewer bytes
    /// than float32; a per-row error bound picks the rows rescored from
    /// the stored values, so results are exactly the full scan's.
    pub compressed_scan: bool,
    /// Keep an approximate HNSW index, built once the store holds
    /// `hnsw_min_records` records and then used by `vp_store_search` and
    /// `vp_store_search_batch` (hits rescored exactly). With a SQLite store
    /// the graph is saved beside the file (`<path>.hnsw`,
    /// `<path>.hnsw.keys`) on `vp_store_flush` and when the store is
    /// closed, and loaded on open when it matches the file, else rebuilt.
    /// The `hnsw_` fields below are read only when this is true.
    pub hnsw_enabled: bool,
    /// The index is built (and used) once the store holds at least this
    /// many records; below it the exact scan is fast enough.
    pub hnsw_min_records: usize,
    /// Neighbours kept per node and layer (the HNSW paper's M), 2-256.
    pub hnsw_connectivity: usize,
    /// Candidates considered while linking a new node (efConstruction),
    /// 1-65536.
    pub hnsw_expansion_add: usize,
    /// Candidates considered while searching (ef), 1-65536; a search for
    /// `k` results uses at least `k`.
    pub hnsw_expansion_search: usize,
    /// A `vp_hnsw_quantization` value: how the graph stores its copy of
    /// the vectors.
    pub hnsw_quantization: u32,
}

/// Core's default options: float32 rows, the compressed scan on, no HNSW
/// index (exact search only), its `hnsw_` fields filled with core's
/// default HNSW settings so that setting `hnsw_enabled` alone turns it on
/// with them. Thread-safe.
#[no_mangle]
pub extern "C" fn vp_index_options_default() -> vp_index_options {
    let d = IndexOptions::default();
    let h = d.hnsw.clone().unwrap_or_default();
    vp_index_options {
        storage: vp_storage::from(d.storage) as u32,
        compressed_scan: d.compressed_scan,
        hnsw_enabled: d.hnsw.is_some(),
        hnsw_min_records: h.min_records,
        hnsw_connectivity: h.connectivity,
        hnsw_expansion_add: h.expansion_add,
        hnsw_expansion_search: h.expansion_search,
        hnsw_quantization: vp_hnsw_quantization::from(h.quantization) as u32,
    }
}

/// Core's options from the C struct; every enum field is checked, the
/// HNSW ones even when the index is off (a bad value is a bug either way).
/// The ranges of the numbers are core's to check.
pub(crate) fn options_arg(o: &vp_index_options) -> FfiResult<IndexOptions> {
    let storage = storage_arg(o.storage)?;
    let quantization = quantization_arg(o.hnsw_quantization)?;
    Ok(IndexOptions {
        storage,
        compressed_scan: o.compressed_scan,
        hnsw: o.hnsw_enabled.then_some(HnswOptions {
            min_records: o.hnsw_min_records,
            connectivity: o.hnsw_connectivity,
            expansion_add: o.hnsw_expansion_add,
            expansion_search: o.hnsw_expansion_search,
            quantization,
        }),
    })
}

/// What a store's HNSW index is doing (`vp_hnsw_status.state`).
#[allow(non_camel_case_types)]
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum vp_hnsw_state {
    /// No HNSW index was asked for: searches are exact.
    Off = 0,
    /// Asked for; built once the store holds `min_records` records.
    Waiting = 1,
    /// In use.
    Ready = 2,
    /// A build or update failed; searches are exact until
    /// `vp_store_rebuild_hnsw` succeeds.
    Failed = 3,
}

/// A store's HNSW index state, from `vp_store_hnsw_state`. Fields that do
/// not belong to the state are 0 / false.
#[allow(non_camel_case_types)]
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct vp_hnsw_status {
    /// Off, waiting, ready or failed.
    pub state: vp_hnsw_state,
    /// Waiting: the number of records that switches the index on.
    pub min_records: usize,
    /// Ready: records in the graph.
    pub records: usize,
    /// Ready: memory the graph holds, in bytes.
    pub memory_bytes: usize,
    /// Ready: the graph was loaded from the file saved beside a SQLite
    /// store rather than rebuilt.
    pub loaded_from_file: bool,
}

/// The C view of core's state, and the failure reason when it failed.
pub(crate) fn hnsw_status(state: HnswState) -> (vp_hnsw_status, Option<String>) {
    let mut s = vp_hnsw_status {
        state: vp_hnsw_state::Off,
        min_records: 0,
        records: 0,
        memory_bytes: 0,
        loaded_from_file: false,
    };
    let mut reason = None;
    match state {
        HnswState::Off => {}
        HnswState::Waiting { min_records } => {
            s.state = vp_hnsw_state::Waiting;
            s.min_records = min_records;
        }
        HnswState::Ready {
            records,
            memory_bytes,
            loaded_from_file,
        } => {
            s.state = vp_hnsw_state::Ready;
            s.records = records;
            s.memory_bytes = memory_bytes;
            s.loaded_from_file = loaded_from_file;
        }
        HnswState::Failed { reason: r } => {
            s.state = vp_hnsw_state::Failed;
            reason = Some(r);
        }
    }
    (s, reason)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_cores_with_the_index_off_but_filled() {
        let o = vp_index_options_default();
        assert_eq!(options_arg(&o).unwrap(), IndexOptions::default());
        let h = HnswOptions::default();
        assert!(!o.hnsw_enabled);
        assert_eq!(o.hnsw_min_records, h.min_records);
        assert_eq!(o.hnsw_connectivity, h.connectivity);
        assert_eq!(o.hnsw_expansion_add, h.expansion_add);
        assert_eq!(o.hnsw_expansion_search, h.expansion_search);
        let on = vp_index_options {
            hnsw_enabled: true,
            ..o
        };
        assert_eq!(options_arg(&on).unwrap().hnsw, Some(h));
    }

    #[test]
    fn every_enum_value_maps_and_bad_ones_are_refused() {
        let o = vp_index_options_default();
        let with = |storage, q| vp_index_options {
            storage,
            hnsw_quantization: q,
            hnsw_enabled: true,
            ..o
        };
        let got = options_arg(&with(1, 2)).unwrap();
        assert_eq!(got.storage, Storage::F16);
        assert_eq!(got.hnsw.unwrap().quantization, HnswQuantization::I8);
        assert_eq!(
            options_arg(&with(0, 1)).unwrap().hnsw.unwrap().quantization,
            HnswQuantization::F16
        );
        for bad in [with(2, 0), with(0, 3), with(u32::MAX, 0)] {
            assert!(matches!(
                options_arg(&bad),
                Err(FfiError::Core(Error::InvalidArgument { .. }))
            ));
        }
        // Checked even with the index off.
        let off = vp_index_options {
            hnsw_enabled: false,
            ..with(0, 7)
        };
        assert!(options_arg(&off).is_err());
    }

    #[test]
    fn status_carries_the_fields_of_its_state_only() {
        let (s, r) = hnsw_status(HnswState::Waiting { min_records: 5 });
        assert_eq!(
            (s.state, s.min_records, s.records),
            (vp_hnsw_state::Waiting, 5, 0)
        );
        assert!(r.is_none());
        let (s, _) = hnsw_status(HnswState::Ready {
            records: 3,
            memory_bytes: 9,
            loaded_from_file: true,
        });
        assert_eq!(s.state, vp_hnsw_state::Ready);
        assert!(s.records == 3 && s.memory_bytes == 9 && s.loaded_from_file && s.min_records == 0);
        let (s, r) = hnsw_status(HnswState::Failed {
            reason: "boom".into(),
        });
        assert_eq!(s.state, vp_hnsw_state::Failed);
        assert_eq!(r.as_deref(), Some("boom"));
    }
}
