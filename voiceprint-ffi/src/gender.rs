//! `vp_gender_classifier`: gender from a voiceprint, a logistic-regression
//! head bound to one speaker model; `vp_gender`. Mirrors core's
//! `GenderClassifier`, `GenderPrediction`, `GenderTrainOptions`, `Gender`.

use std::ffi::{c_char, CString};

use voiceprint_core::{Error, Gender, GenderClassifier, GenderTrainOptions};

use crate::args::{out_arg, ref_arg, slice_arg, str_arg};
use crate::error::{ffi_call, ffi_get, FfiError, FfiResult};
use crate::status::vp_status;
use crate::strings::{c_string, string_into_raw};

/// Male or female, as a gender classifier decides.
#[allow(non_camel_case_types)]
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum vp_gender {
    /// Inside the classifier's margin around P(female) = 0.5, or no
    /// classifier at all: it will not say.
    Unknown = 0,
    /// P(female) at or above `0.5 + margin`.
    Female = 1,
    /// P(female) at or below `0.5 - margin`.
    Male = 2,
}

impl From<Gender> for vp_gender {
    fn from(g: Gender) -> Self {
        match g {
            Gender::Female => vp_gender::Female,
            Gender::Male => vp_gender::Male,
            Gender::Unknown => vp_gender::Unknown,
        }
    }
}

/// Core's gender from a C integer (C may pass any value).
fn gender_arg(value: u32) -> FfiResult<Gender> {
    match value {
        v if v == vp_gender::Unknown as u32 => Ok(Gender::Unknown),
        v if v == vp_gender::Female as u32 => Ok(Gender::Female),
        v if v == vp_gender::Male as u32 => Ok(Gender::Male),
        other => Err(Error::invalid_argument(
            "labels",
            format!("{other} is not a vp_gender (0 unknown, 1 female, 2 male)"),
        )
        .into()),
    }
}

/// A gender head for the voiceprints of one speaker model.
///
/// Thread safety: a `const vp_gender_classifier *` may be used by many
/// threads at once; `vp_gender_classifier_set_margin` and `_free` need
/// exclusive use. Diarizers given it keep their own copy.
#[allow(non_camel_case_types)]
pub struct vp_gender_classifier {
    pub(crate) inner: GenderClassifier,
    model_id: CString,
}

impl vp_gender_classifier {
    fn into_raw(inner: GenderClassifier) -> *mut vp_gender_classifier {
        let model_id = c_string(inner.model_id());
        Box::into_raw(Box::new(vp_gender_classifier { inner, model_id }))
    }
}

/// What a gender classifier says about one voiceprint.
#[allow(non_camel_case_types)]
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct vp_gender_prediction {
    /// P(female), in [0, 1].
    pub female_probability: f32,
    /// Female or male outside the margin around 0.5, unknown inside it.
    pub gender: vp_gender,
}

/// How `vp_gender_classifier_train` fits a head. Start from
/// `vp_gender_train_options_default()`.
#[allow(non_camel_case_types)]
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct vp_gender_train_options {
    /// L2 penalty on the weights (1e-3).
    pub l2: f32,
    /// Newton iterations at most (50).
    pub max_iterations: u32,
    /// Stop when half the Newton decrement falls below this (1e-10).
    pub tolerance: f32,
    /// Half-width of the head's "unknown" band around 0.5 (0.25).
    pub margin: f32,
}

/// The default training settings (core's). Thread-safe.
#[no_mangle]
pub extern "C" fn vp_gender_train_options_default() -> vp_gender_train_options {
    let d = GenderTrainOptions::default();
    vp_gender_train_options {
        l2: d.l2,
        max_iterations: d.max_iterations,
        tolerance: d.tolerance,
        margin: d.margin,
    }
}

/// Writes `head` through `out` as a new handle.
///
/// # Safety
/// `out` is NULL or writable.
unsafe fn make(
    out: *mut *mut vp_gender_classifier,
    head: impl FnOnce() -> FfiResult<GenderClassifier>,
) -> FfiResult {
    // SAFETY: forwarded contract of this function.
    let out = unsafe { out_arg(out, "out") }?;
    *out = std::ptr::null_mut();
    *out = vp_gender_classifier::into_raw(head()?);
    Ok(())
}

/// The head the library ships for speaker model `model_id` (today
/// `"ge2e-resemblyzer"`). On success `*out` is a new handle to free with
/// `vp_gender_classifier_free`; on failure `*out` is NULL.
///
/// Errors: `VP_STATUS_NOT_FOUND` (no head shipped for that model: train
/// one with `vp_gender_classifier_train`), `VP_STATUS_NULL_POINTER`,
/// `VP_STATUS_INVALID_UTF8`.
///
/// # Safety
/// `model_id` is NULL or NUL-terminated; `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn vp_gender_classifier_builtin(
    model_id: *const c_char,
    out: *mut *mut vp_gender_classifier,
) -> vp_status {
    ffi_call(|| {
        // SAFETY: forwarded contract of this function.
        unsafe {
            make(out, || {
                let model_id = str_arg(model_id, "model_id")?;
                GenderClassifier::builtin(model_id).ok_or_else(|| {
                    FfiError::NotFound(format!(
                        "the library ships no gender classifier for model `{model_id}`; train one \
                         with vp_gender_classifier_train or load one with vp_gender_classifier_load"
                    ))
                })
            })
        }
    })
}

/// Reads a head saved as JSON (`vp_gender_classifier_to_json`, core's
/// `save`) from the file at `path`.
///
/// On success `*out` is a new handle to free with
/// `vp_gender_classifier_free`; on failure `*out` is NULL.
///
/// Errors: `VP_STATUS_IO`, `VP_STATUS_INVALID_MODEL_SPEC` (not JSON, not
/// a gender head, a newer format, weights that do not match its `dim` or
/// are not finite, a margin outside [0, 0.5)), `VP_STATUS_NULL_POINTER`,
/// `VP_STATUS_INVALID_UTF8`.
///
/// # Safety
/// `path` is NULL or NUL-terminated; `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn vp_gender_classifier_load(
    path: *const c_char,
    out: *mut *mut vp_gender_classifier,
) -> vp_status {
    ffi_call(|| {
        // SAFETY: forwarded contract of this function.
        unsafe { make(out, || Ok(GenderClassifier::load(str_arg(path, "path")?)?)) }
    })
}

/// A head from its JSON text (what `vp_gender_classifier_to_json` gives).
/// Errors and ownership as `vp_gender_classifier_load`, without `VP_STATUS_IO`.
///
/// # Safety
/// `json` is NULL or NUL-terminated; `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn vp_gender_classifier_from_json(
    json: *const c_char,
    out: *mut *mut vp_gender_classifier,
) -> vp_status {
    ffi_call(|| {
        // SAFETY: forwarded contract of this function.
        unsafe {
            make(out, || {
                Ok(GenderClassifier::from_json(str_arg(json, "json")?)?)
            })
        }
    })
}

/// Fits a head for speaker model `model_id` on `n` voiceprints: `rows` is
/// a row-major `n` x `dim` matrix (each row L2-normalised inside), `labels`
/// their `n` genders, each `VP_GENDER_FEMALE` or `VP_GENDER_MALE`.
/// `options` may be NULL for the defaults. Each class weighs half of the
/// loss whatever its count; the same inputs always give the same head.
///
/// On success `*out` is a new handle to free with
/// `vp_gender_classifier_free`; on failure `*out` is NULL.
///
/// Errors: `VP_STATUS_EMPTY_INPUT` (`n` 0), `VP_STATUS_INVALID_ARGUMENT`
/// (`dim` 0, a `VP_GENDER_UNKNOWN` or non-`vp_gender` label, one class
/// only, a zero or non-finite row, an empty model id, bad options),
/// `VP_STATUS_NULL_POINTER`, `VP_STATUS_INVALID_UTF8`.
///
/// # Safety
/// `model_id` is NULL or NUL-terminated; `rows` is NULL or points to
/// `n * dim` floats; `labels` is NULL or points to `n` values; `options`
/// is NULL or valid; `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn vp_gender_classifier_train(
    model_id: *const c_char,
    rows: *const f32,
    n: usize,
    dim: usize,
    labels: *const vp_gender,
    options: *const vp_gender_train_options,
    out: *mut *mut vp_gender_classifier,
) -> vp_status {
    ffi_call(|| {
        // SAFETY: forwarded contract of this function.
        unsafe {
            make(out, || {
                let model_id = str_arg(model_id, "model_id")?;
                if n > 0 && dim == 0 {
                    return Err(Error::invalid_argument(
                        "dim",
                        "must be at least 1 (the length of each voiceprint)",
                    )
                    .into());
                }
                let len = n.checked_mul(dim).ok_or_else(|| {
                    Error::invalid_argument("n", format!("{n} rows of {dim} floats is too many"))
                })?;
                let rows = slice_arg(rows, len, "rows")?;
                // Read as integers: a value C passes that is no `vp_gender`
                // must be refused, not turned into a Rust enum.
                let labels = slice_arg(labels.cast::<u32>(), n, "labels")?
                    .iter()
                    .map(|&v| gender_arg(v))
                    .collect::<FfiResult<Vec<Gender>>>()?;
                let options = match options.as_ref() {
                    Some(o) => GenderTrainOptions {
                        l2: o.l2,
                        max_iterations: o.max_iterations,
                        tolerance: o.tolerance,
                        margin: o.margin,
                    },
                    None => GenderTrainOptions::default(),
                };
                let rows: Vec<&[f32]> = if n == 0 {
                    Vec::new()
                } else {
                    rows.chunks_exact(dim).collect()
                };
                Ok(GenderClassifier::train(model_id, &rows, &labels, &options)?)
            })
        }
    })
}

/// Frees a classifier. NULL is a no-op. Diarizers given it keep their copy.
///
/// # Safety
/// `classifier` is NULL or a live handle not freed yet, not in use by any thread.
#[no_mangle]
pub unsafe extern "C" fn vp_gender_classifier_free(classifier: *mut vp_gender_classifier) {
    ffi_get((), || {
        if !classifier.is_null() {
            // SAFETY: per the contract it came from `Box::into_raw` in
            // `vp_gender_classifier::into_raw` and is freed only once.
            drop(unsafe { Box::from_raw(classifier) });
        }
        Some(())
    })
}

/// The gender of one voiceprint of the head's model (`dim` floats,
/// L2-normalised inside), e.g. a diarized speaker's `centroid`.
///
/// Errors: `VP_STATUS_DIMENSION_MISMATCH`, `VP_STATUS_INVALID_ARGUMENT`
/// (zero or non-finite vector), `VP_STATUS_NULL_POINTER`.
///
/// # Safety
/// `classifier` is NULL or live; `vector` is NULL or points to `dim`
/// floats; `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn vp_gender_classifier_predict(
    classifier: *const vp_gender_classifier,
    vector: *const f32,
    dim: usize,
    out: *mut vp_gender_prediction,
) -> vp_status {
    ffi_call(|| {
        // SAFETY: forwarded contract of this function.
        let out = unsafe { out_arg(out, "out") }?;
        // SAFETY: as above.
        let classifier = unsafe { ref_arg(classifier, "classifier") }?;
        if vector.is_null() {
            return Err(FfiError::NullPointer("vector"));
        }
        // SAFETY: as above.
        let vector = unsafe { slice_arg(vector, dim, "vector") }?;
        let p = classifier.inner.predict_vector(vector)?;
        *out = vp_gender_prediction {
            female_probability: p.female_probability,
            gender: p.gender.into(),
        };
        Ok(())
    })
}

/// The head as JSON (weights, bias, margin, how it was trained), for
/// `vp_gender_classifier_from_json` or a file `vp_gender_classifier_load`
/// reads. On success `*out` is a new string to free with `vp_string_free`;
/// on failure `*out` is NULL.
///
/// Errors: `VP_STATUS_NULL_POINTER`.
///
/// # Safety
/// `classifier` is NULL or live; `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn vp_gender_classifier_to_json(
    classifier: *const vp_gender_classifier,
    out: *mut *mut c_char,
) -> vp_status {
    ffi_call(|| {
        // SAFETY: forwarded contract of this function.
        let out = unsafe { out_arg(out, "out") }?;
        *out = std::ptr::null_mut();
        // SAFETY: as above.
        let classifier = unsafe { ref_arg(classifier, "classifier") }?;
        *out = string_into_raw(classifier.inner.to_json());
        Ok(())
    })
}

/// The speaker model id the head is bound to (e.g. `"ge2e-resemblyzer"`).
/// Owned by the handle, valid until it is freed; NULL for a NULL handle.
///
/// # Safety
/// `classifier` is NULL or a live handle.
#[no_mangle]
pub unsafe extern "C" fn vp_gender_classifier_model_id(
    classifier: *const vp_gender_classifier,
) -> *const c_char {
    ffi_get(std::ptr::null(), || {
        // SAFETY: forwarded contract of this function.
        let c = unsafe { ref_arg(classifier, "classifier") }.ok()?;
        Some(c.model_id.as_ptr())
    })
}

/// Length of the voiceprints it takes; 0 for a NULL handle.
///
/// # Safety
/// `classifier` is NULL or a live handle.
#[no_mangle]
pub unsafe extern "C" fn vp_gender_classifier_dim(
    classifier: *const vp_gender_classifier,
) -> usize {
    ffi_get(0, || {
        // SAFETY: forwarded contract of this function.
        let c = unsafe { ref_arg(classifier, "classifier") }.ok()?;
        Some(c.inner.dim())
    })
}

/// Half-width of the "unknown" band: a prediction is `VP_GENDER_UNKNOWN`
/// when |P(female) - 0.5| < margin. NaN for a NULL handle.
///
/// # Safety
/// `classifier` is NULL or a live handle.
#[no_mangle]
pub unsafe extern "C" fn vp_gender_classifier_margin(
    classifier: *const vp_gender_classifier,
) -> f32 {
    ffi_get(f32::NAN, || {
        // SAFETY: forwarded contract of this function.
        let c = unsafe { ref_arg(classifier, "classifier") }.ok()?;
        Some(c.inner.margin())
    })
}

/// Sets the margin: 0 always decides, values near 0.5 rarely do.
///
/// Errors: `VP_STATUS_INVALID_ARGUMENT` (outside [0, 0.5)),
/// `VP_STATUS_NULL_POINTER`.
///
/// # Safety
/// `classifier` is NULL or a live handle no other thread is using.
#[no_mangle]
pub unsafe extern "C" fn vp_gender_classifier_set_margin(
    classifier: *mut vp_gender_classifier,
    margin: f32,
) -> vp_status {
    ffi_call(|| {
        // SAFETY: forwarded contract of this function.
        let c = unsafe { out_arg(classifier, "classifier") }?;
        c.inner.set_margin(margin)?;
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::CStr;

    #[test]
    fn builtin_predicts_round_trips_and_refuses_unknown_models() {
        let mut head = std::ptr::null_mut();
        let mut none: *mut vp_gender_classifier = std::ptr::dangling_mut();
        // SAFETY: static strings, live out-pointers, each handle freed once.
        unsafe {
            assert_eq!(
                vp_gender_classifier_builtin(c"ge2e-resemblyzer".as_ptr(), &mut head),
                vp_status::Ok
            );
            assert_eq!(
                vp_gender_classifier_builtin(c"campplus".as_ptr(), &mut none),
                vp_status::NotFound
            );
            assert!(none.is_null());
            let dim = vp_gender_classifier_dim(head);
            assert_eq!(dim, 256);
            let v = vec![1.0f32; dim];
            let mut p = vp_gender_prediction {
                female_probability: f32::NAN,
                gender: vp_gender::Unknown,
            };
            assert_eq!(
                vp_gender_classifier_predict(head, v.as_ptr(), dim, &mut p),
                vp_status::Ok
            );
            assert!((0.0..=1.0).contains(&p.female_probability));
            assert_eq!(
                vp_gender_classifier_predict(head, v.as_ptr(), 3, &mut p),
                vp_status::DimensionMismatch
            );
            let mut json = std::ptr::null_mut();
            assert_eq!(vp_gender_classifier_to_json(head, &mut json), vp_status::Ok);
            let mut back = std::ptr::null_mut();
            assert_eq!(
                vp_gender_classifier_from_json(json, &mut back),
                vp_status::Ok
            );
            assert_eq!((*back).inner, (*head).inner);
            assert_eq!(
                CStr::from_ptr(vp_gender_classifier_model_id(back)),
                c"ge2e-resemblyzer"
            );
            crate::strings::vp_string_free(json);
            assert_eq!(
                vp_gender_classifier_set_margin(back, 0.7),
                vp_status::InvalidArgument
            );
            assert_eq!(vp_gender_classifier_set_margin(back, 0.0), vp_status::Ok);
            assert_eq!(vp_gender_classifier_margin(back), 0.0);
            vp_gender_classifier_free(back);
            vp_gender_classifier_free(head);
            vp_gender_classifier_free(std::ptr::null_mut());
        }
    }

    #[test]
    fn train_checks_labels_and_shapes() {
        let rows = [1.0f32, 0.1, 0.9, 0.2, -1.0, 0.1, -0.9, -0.2];
        let labels = [
            vp_gender::Female,
            vp_gender::Female,
            vp_gender::Male,
            vp_gender::Male,
        ];
        let mut head = std::ptr::null_mut();
        // SAFETY: arrays of the stated lengths, live out-pointers.
        unsafe {
            let id = c"toy".as_ptr();
            let train = |labels: *const vp_gender, n: usize, dim: usize, out| {
                vp_gender_classifier_train(id, rows.as_ptr(), n, dim, labels, std::ptr::null(), out)
            };
            assert_eq!(train(labels.as_ptr(), 4, 2, &mut head), vp_status::Ok);
            let mut p = vp_gender_prediction {
                female_probability: 0.5,
                gender: vp_gender::Unknown,
            };
            vp_gender_classifier_predict(head, rows.as_ptr(), 2, &mut p);
            assert_eq!(p.gender, vp_gender::Female);
            vp_gender_classifier_free(head);
            let mut bad = std::ptr::null_mut();
            assert_eq!(
                train(labels.as_ptr(), 0, 2, &mut bad),
                vp_status::EmptyInput
            );
            assert_eq!(
                train(labels.as_ptr(), 4, 0, &mut bad),
                vp_status::InvalidArgument
            );
            assert_eq!(
                train(std::ptr::null(), 4, 2, &mut bad),
                vp_status::NullPointer
            );
            let not_a_gender = [1u32, 1, 2, 7];
            assert_eq!(
                train(not_a_gender.as_ptr().cast(), 4, 2, &mut bad),
                vp_status::InvalidArgument
            );
            assert!(bad.is_null());
        }
    }
}
