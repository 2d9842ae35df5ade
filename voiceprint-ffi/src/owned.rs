//! Library-owned result structs: a public `#[repr(C)]` struct that C reads,
//! allocated together with the Rust values its pointers point into, and
//! freed as one by the struct's `_free` function.

/// `public` is what C sees; `keep` owns the heap buffers that `public`'s
/// pointers point into. `#[repr(C)]` puts `public` at offset 0, so a pointer
/// to the whole is also a pointer to `public`.
#[repr(C)]
pub(crate) struct Owned<P, K> {
    public: P,
    keep: K,
}

impl<P, K> Owned<P, K> {
    /// Moves both into one heap allocation and hands C a pointer to `public`.
    ///
    /// The pointers inside `public` stay valid: moving a `Vec`, `Box` or
    /// `CString` into the allocation does not move its heap buffer.
    pub(crate) fn into_raw(public: P, keep: K) -> *mut P {
        Box::into_raw(Box::new(Owned { public, keep })).cast()
    }

    /// The kept values behind a pointer [`into_raw`](Self::into_raw) made:
    /// what functions taking a result back (RTTM, JSON, enrol a cluster)
    /// read instead of the C view.
    ///
    /// # Safety
    /// `ptr` is NULL or was returned by `Owned::<P, K>::into_raw` with the
    /// same `P` and `K`, and outlives `'a` unfreed.
    pub(crate) unsafe fn keep<'a>(ptr: *const P) -> Option<&'a K>
    where
        P: 'a,
    {
        // SAFETY: per the contract a non-NULL `ptr` is the start of a live
        // `Owned<P, K>` (public is at offset 0 of a repr(C) struct).
        unsafe { ptr.cast::<Owned<P, K>>().as_ref() }.map(|o| &o.keep)
    }

    /// Frees what [`into_raw`](Self::into_raw) made; NULL is a no-op.
    ///
    /// # Safety
    /// `ptr` is NULL or was returned by `Owned::<P, K>::into_raw` with the
    /// same `P` and `K`, and has not been freed yet.
    pub(crate) unsafe fn free(ptr: *mut P) {
        if ptr.is_null() {
            return;
        }
        // SAFETY: per the contract `ptr` is the start of a live
        // `Box<Owned<P, K>>` (public is at offset 0 of a repr(C) struct).
        drop(unsafe { Box::from_raw(ptr.cast::<Owned<P, K>>()) });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[repr(C)]
    struct View {
        data: *const u32,
        len: usize,
    }

    #[test]
    fn public_view_points_into_kept_buffers() {
        let values = vec![1u32, 2, 3];
        let view = View {
            data: values.as_ptr(),
            len: values.len(),
        };
        let raw = Owned::into_raw(view, values);
        // SAFETY: `raw` came from `into_raw` just above and is freed once below.
        unsafe {
            let v = &*raw;
            assert_eq!(std::slice::from_raw_parts(v.data, v.len), &[1, 2, 3]);
            let kept = Owned::<View, Vec<u32>>::keep(raw).unwrap();
            assert_eq!(kept.as_ptr(), v.data);
            assert!(Owned::<View, Vec<u32>>::keep(std::ptr::null()).is_none());
            Owned::<View, Vec<u32>>::free(raw);
            Owned::<View, Vec<u32>>::free(std::ptr::null_mut());
        }
    }
}
