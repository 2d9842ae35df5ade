//! `vp_label`: the free-form key/value labels of a stored record, in (a
//! borrowed array) and out (part of a library-owned result). Mirrors the
//! `labels` map of core's `RecordMeta`.

use std::collections::BTreeMap;
use std::ffi::{c_char, CString};

use voiceprint_core::Error;

use crate::args::{slice_arg, str_arg};
use crate::error::FfiResult;
use crate::strings::c_string;

/// A free-form label of a stored record (speaker or image).
#[allow(non_camel_case_types)]
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct vp_label {
    /// NUL-terminated UTF-8 key.
    pub key: *const c_char,
    /// NUL-terminated UTF-8 value.
    pub value: *const c_char,
}

/// What keeps the strings of a label array alive: the array C reads and
/// the texts its pointers point into.
pub(crate) type LabelsKeep = (Vec<vp_label>, Vec<CString>);

/// Core's labels as C strings, sorted by key (the map's order).
pub(crate) fn labels_into_c(labels: BTreeMap<String, String>) -> LabelsKeep {
    let mut texts = Vec::with_capacity(labels.len() * 2);
    for (k, v) in labels {
        texts.push(c_string(k));
        texts.push(c_string(v));
    }
    let array = texts
        .chunks_exact(2)
        .map(|kv| vp_label {
            key: kv[0].as_ptr(),
            value: kv[1].as_ptr(),
        })
        .collect();
    (array, texts)
}

/// Core's labels from a borrowed array of `len` labels (NULL for none).
/// A key given twice is refused rather than silently overwritten.
///
/// # Safety
/// `ptr` is NULL or points to `len` labels whose keys and values are NULL
/// or NUL-terminated, all outliving the call.
pub(crate) unsafe fn labels_arg(
    ptr: *const vp_label,
    len: usize,
) -> FfiResult<BTreeMap<String, String>> {
    // SAFETY: forwarded contract of this function.
    let items = unsafe { slice_arg(ptr, len, "labels") }?;
    let mut labels = BTreeMap::new();
    for label in items {
        // SAFETY: as above.
        let key = unsafe { str_arg(label.key, "labels[i].key") }?;
        // SAFETY: as above.
        let value = unsafe { str_arg(label.value, "labels[i].value") }?;
        if labels.insert(key.to_string(), value.to_string()).is_some() {
            return Err(Error::invalid_argument(
                "labels",
                format!("key {key:?} is given more than once; each key holds one value"),
            )
            .into());
        }
    }
    Ok(labels)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::FfiError;
    use std::ffi::CStr;

    #[test]
    fn labels_round_trip_sorted() {
        let given = [
            vp_label {
                key: c"name".as_ptr(),
                value: c"Ada".as_ptr(),
            },
            vp_label {
                key: c"gender".as_ptr(),
                value: c"f".as_ptr(),
            },
        ];
        // SAFETY: `given` holds static strings.
        let map = unsafe { labels_arg(given.as_ptr(), 2) }.unwrap();
        let (array, _texts) = labels_into_c(map);
        // SAFETY: the pointers point into `_texts`, alive here.
        let keys: Vec<&str> = array
            .iter()
            .map(|l| unsafe { CStr::from_ptr(l.key) }.to_str().unwrap())
            .collect();
        assert_eq!(keys, ["gender", "name"]);
        // SAFETY: NULL with length 0 is an empty array.
        assert!(unsafe { labels_arg(std::ptr::null(), 0) }
            .unwrap()
            .is_empty());
    }

    #[test]
    fn null_strings_and_repeated_keys_are_refused() {
        let null_value = [vp_label {
            key: c"k".as_ptr(),
            value: std::ptr::null(),
        }];
        // SAFETY: static strings or NULL.
        let err = unsafe { labels_arg(null_value.as_ptr(), 1) };
        assert!(matches!(err, Err(FfiError::NullPointer("labels[i].value"))));
        let twice = [
            vp_label {
                key: c"k".as_ptr(),
                value: c"1".as_ptr(),
            },
            vp_label {
                key: c"k".as_ptr(),
                value: c"2".as_ptr(),
            },
        ];
        // SAFETY: static strings.
        match unsafe { labels_arg(twice.as_ptr(), 2) } {
            Err(FfiError::Core(e)) => {
                assert_eq!(e.kind(), voiceprint_core::ErrorKind::InvalidArgument)
            }
            other => panic!("{other:?}"),
        }
    }
}
