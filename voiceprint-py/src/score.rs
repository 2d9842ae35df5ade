use numpy::PyReadonlyArray1;
use pyo3::prelude::*;

use crate::errors::IntoPyResult;

/// Cosine similarity of two 1-D float32 vectors, in [-1, 1].
///
/// >>> voiceprint.cosine(np.array([1, 0], np.float32), np.array([1, 1], np.float32))
/// 0.7071...
#[pyfunction]
pub fn cosine(a: PyReadonlyArray1<'_, f32>, b: PyReadonlyArray1<'_, f32>) -> PyResult<f32> {
    let a = a.as_array().to_vec();
    let b = b.as_array().to_vec();
    voiceprint_core::score::cosine(&a, &b).py()
}
