//! Batches of query vectors from Python: a 2-D array-like of `n` rows of
//! the model's dimension, flattened row-major for core's batched searches.

use numpy::{AllowTypeChange, PyArray1, PyArrayLikeDyn};
use pyo3::prelude::*;
use voiceprint_core::{Error, Match};

use crate::errors::to_py;

/// The rows of `queries` (any numeric dtype, converted to float32; C- or
/// Fortran-ordered, or strided) as one row-major `Vec` of `n * dim` values.
///
/// Errors: `InvalidArgumentError` unless it is 2-D with at least one row,
/// `DimensionMismatchError` when its rows are not `dim` wide.
pub fn rows(queries: &Bound<'_, PyAny>, dim: usize) -> PyResult<Vec<f32>> {
    let array: PyArrayLikeDyn<'_, f32, AllowTypeChange> = queries.extract().map_err(|_| {
        to_py(Error::invalid_argument(
            "queries",
            "expected a 2-D numeric array of shape (n, dim)",
        ))
    })?;
    let view = array.as_array();
    let shape = view.shape();
    if shape.len() != 2 || shape[0] == 0 {
        return Err(to_py(Error::invalid_argument(
            "queries",
            format!("expected a 2-D array of shape (n >= 1, {dim}), got shape {shape:?}"),
        )));
    }
    if shape[1] != dim {
        return Err(to_py(Error::DimensionMismatch {
            expected: dim,
            actual: shape[1],
        }));
    }
    // `iter` walks in logical (row-major) order whatever the memory layout.
    Ok(view.iter().copied().collect())
}

/// A batch of hits as Python returns it: `ids[i]` a list, `scores[i]` a
/// float32 array.
pub type BatchHits<'py> = (Vec<Vec<String>>, Vec<Bound<'py, PyArray1<f32>>>);

/// Converts core's per-query matches to [`BatchHits`].
pub fn batch_hits(py: Python<'_>, found: Vec<Vec<Match>>) -> BatchHits<'_> {
    let mut ids = Vec::with_capacity(found.len());
    let mut scores = Vec::with_capacity(found.len());
    for hits in found {
        scores.push(PyArray1::from_iter(py, hits.iter().map(|m| m.score)));
        ids.push(hits.into_iter().map(|m| m.id).collect());
    }
    (ids, scores)
}

/// Borrowed views of an optional candidate list, as core takes it.
pub fn candidate_refs(candidates: &Option<Vec<String>>) -> Option<Vec<&str>> {
    candidates
        .as_ref()
        .map(|c| c.iter().map(String::as_str).collect())
}
