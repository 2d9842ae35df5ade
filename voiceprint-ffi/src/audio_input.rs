//! `vp_audio`: audio as callers hold it (a file path, an encoded buffer, or
//! raw PCM), borrowed for the duration of one call. Mirrors core's
//! `AudioInput`.

use std::ffi::{c_char, c_void};
use std::path::Path;

use voiceprint_core::embed::AudioInput;
use voiceprint_core::Error;

use crate::args::{slice_arg, str_arg};
use crate::error::FfiResult;

/// What a `vp_audio` holds.
#[allow(non_camel_case_types)]
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum vp_audio_kind {
    /// `data` is a NUL-terminated UTF-8 path of a WAV / FLAC / MP3 / OGG
    /// Vorbis / M4A file; `len` and `sample_rate` are ignored.
    Path = 0,
    /// `data` points to `len` bytes of such a file (e.g. an upload);
    /// `sample_rate` is ignored.
    Bytes = 1,
    /// `data` points to `len` mono `float` samples in [-1, 1] at `sample_rate` Hz.
    PcmF32 = 2,
    /// `data` points to `len` mono `int16_t` samples at `sample_rate` Hz.
    PcmI16 = 3,
}

/// One piece of audio passed into the library: borrowed, never freed by
/// it, and only read during the call it is passed to.
///
/// Make one with `vp_audio_path`, `vp_audio_bytes`, `vp_audio_pcm_f32` or
/// `vp_audio_pcm_i16`, or fill the fields directly. Audio of any sample rate
/// is resampled to the model's rate; PCM is mono.
#[allow(non_camel_case_types)]
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct vp_audio {
    /// A `vp_audio_kind` value. (A plain integer so that a bad value is
    /// refused with `VP_STATUS_INVALID_ARGUMENT` rather than misread.)
    pub kind: u32,
    /// The path, bytes or samples, as `kind` says.
    pub data: *const c_void,
    /// Number of bytes (`VP_AUDIO_KIND_BYTES`) or samples (PCM); unused for paths.
    pub len: usize,
    /// Sample rate in Hz of PCM; unused otherwise.
    pub sample_rate: u32,
}

/// Audio from a file path (NUL-terminated UTF-8). Borrows `path`.
#[no_mangle]
pub extern "C" fn vp_audio_path(path: *const c_char) -> vp_audio {
    vp_audio {
        kind: vp_audio_kind::Path as u32,
        data: path.cast(),
        len: 0,
        sample_rate: 0,
    }
}

/// Audio from the `len` bytes of an encoded file (WAV, FLAC, MP3, OGG, M4A).
/// Borrows `data`.
#[no_mangle]
pub extern "C" fn vp_audio_bytes(data: *const u8, len: usize) -> vp_audio {
    vp_audio {
        kind: vp_audio_kind::Bytes as u32,
        data: data.cast(),
        len,
        sample_rate: 0,
    }
}

/// Audio from `len` mono float samples in [-1, 1] at `sample_rate` Hz.
/// Borrows `samples`.
#[no_mangle]
pub extern "C" fn vp_audio_pcm_f32(samples: *const f32, len: usize, sample_rate: u32) -> vp_audio {
    vp_audio {
        kind: vp_audio_kind::PcmF32 as u32,
        data: samples.cast(),
        len,
        sample_rate,
    }
}

/// Audio from `len` mono 16-bit samples at `sample_rate` Hz. Borrows `samples`.
#[no_mangle]
pub extern "C" fn vp_audio_pcm_i16(samples: *const i16, len: usize, sample_rate: u32) -> vp_audio {
    vp_audio {
        kind: vp_audio_kind::PcmI16 as u32,
        data: samples.cast(),
        len,
        sample_rate,
    }
}

/// Core's view of one `vp_audio`.
///
/// # Safety
/// `audio.data` is valid for what `audio.kind` and `audio.len` say, for `'a`.
pub(crate) unsafe fn audio_input<'a>(audio: &vp_audio) -> FfiResult<AudioInput<'a>> {
    const PATH: u32 = vp_audio_kind::Path as u32;
    const BYTES: u32 = vp_audio_kind::Bytes as u32;
    const PCM_F32: u32 = vp_audio_kind::PcmF32 as u32;
    const PCM_I16: u32 = vp_audio_kind::PcmI16 as u32;
    // The caller guarantees `data` holds what `kind` says; the helpers
    // check NULL, alignment and length.
    Ok(match audio.kind {
        PATH => {
            // SAFETY: a path is a NUL-terminated string (caller's contract).
            let path = unsafe { str_arg(audio.data.cast(), "audio.data") }?;
            AudioInput::Path(Path::new(path))
        }
        BYTES => {
            // SAFETY: `len` bytes (caller's contract).
            let bytes = unsafe { slice_arg(audio.data.cast::<u8>(), audio.len, "audio.data") }?;
            AudioInput::Bytes(bytes)
        }
        PCM_F32 => {
            // SAFETY: `len` floats (caller's contract).
            let samples = unsafe { slice_arg(audio.data.cast::<f32>(), audio.len, "audio.data") }?;
            AudioInput::PcmF32 {
                samples,
                sample_rate: audio.sample_rate,
            }
        }
        PCM_I16 => {
            // SAFETY: `len` int16 samples (caller's contract).
            let samples = unsafe { slice_arg(audio.data.cast::<i16>(), audio.len, "audio.data") }?;
            AudioInput::PcmI16 {
                samples,
                sample_rate: audio.sample_rate,
            }
        }
        other => {
            return Err(Error::invalid_argument(
                "audio.kind",
                format!("{other} is not a vp_audio_kind (0 path, 1 bytes, 2 pcm f32, 3 pcm i16)"),
            )
            .into())
        }
    })
}

/// Core's view of an array of `count` `vp_audio`.
///
/// # Safety
/// `items` is NULL or points to `count` `vp_audio`, each valid as
/// [`audio_input`] requires, for `'a`.
pub(crate) unsafe fn audio_inputs<'a>(
    items: *const vp_audio,
    count: usize,
    name: &'static str,
) -> FfiResult<Vec<AudioInput<'a>>> {
    // SAFETY: forwarded contract of this function.
    let items: &[vp_audio] = unsafe { slice_arg(items, count, name) }?;
    items
        .iter()
        // SAFETY: forwarded contract, element by element.
        .map(|a| unsafe { audio_input(a) })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::FfiError;

    #[test]
    fn constructors_fill_kind_and_length() {
        let pcm = [0.0f32; 4];
        let a = vp_audio_pcm_f32(pcm.as_ptr(), 4, 8000);
        // SAFETY: `a` borrows `pcm`, alive for the whole test.
        match unsafe { audio_input(&a) }.unwrap() {
            AudioInput::PcmF32 {
                samples,
                sample_rate,
            } => {
                assert_eq!(samples.len(), 4);
                assert_eq!(sample_rate, 8000);
            }
            other => panic!("{other:?}"),
        }
        let p = vp_audio_path(c"x.flac".as_ptr());
        // SAFETY: a static string.
        let input = unsafe { audio_input(&p) }.unwrap();
        assert!(matches!(input, AudioInput::Path(_)));
    }

    #[test]
    fn bad_kind_and_null_data_are_errors() {
        let mut a = vp_audio_bytes(std::ptr::null(), 10);
        // SAFETY: NULL data is checked before any read.
        let input = unsafe { audio_input(&a) };
        assert!(matches!(input, Err(FfiError::NullPointer(_))));
        a.kind = 42;
        // SAFETY: the kind is checked before `data` is read.
        match unsafe { audio_input(&a) } {
            Err(FfiError::Core(e)) => {
                assert_eq!(e.kind(), voiceprint_core::ErrorKind::InvalidArgument)
            }
            other => panic!("{other:?}"),
        }
        let p = vp_audio_path(std::ptr::null());
        // SAFETY: NULL is checked.
        let input = unsafe { audio_input(&p) };
        assert!(matches!(input, Err(FfiError::NullPointer(_))));
    }
}
