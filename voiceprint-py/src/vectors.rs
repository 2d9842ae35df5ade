//! Batches of query vectors from Python: a 2-D array-like of `n` rows of
//! the model's dimension, flattened row-major for core's batched searches.

use numpy::{AllowTypeChange, PyArrayLikeDyn};
use pyo3::prelude::*;
use voiceprint_core::Error;

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
