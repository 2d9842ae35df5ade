//! `vp_diarization`: who spoke when, the result of `vp_diarizer_run`, with
//! its segments (`vp_segment`) and speakers (`vp_diarized_speaker`), and as
//! RTTM or JSON text. Mirrors core's `Diarization`, `Segment`, `Speaker`,
//! `KnownVoice`.

use std::ffi::{c_char, CString};

use voiceprint_core::diarization::{Diarization, KnownVoice};

use crate::args::{out_arg, str_arg};
use crate::error::{ffi_call, ffi_get, FfiError, FfiResult};
use crate::gender::vp_gender;
use crate::owned::Owned;
use crate::status::vp_status;
use crate::strings::{c_string, string_into_raw};

/// One stretch of speech attributed to one speaker.
#[allow(non_camel_case_types)]
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct vp_segment {
    /// Start, seconds from the beginning of the audio.
    pub start: f64,
    /// End, seconds (`end > start`).
    pub end: f64,
    /// NUL-terminated label of the speaker (`SPEAKER_00`, ...), or the
    /// known voice's id when the cluster was matched to one: the `label`
    /// of one of the result's `speakers`.
    pub speaker: *const c_char,
    /// How sure the assignment is, in [0, 1].
    pub confidence: f32,
    /// In subtitle mode the `index` of the subtitle cue this segment is;
    /// -1 otherwise.
    pub subtitle_index: i64,
}

/// One speaker of a diarization. (Not `vp_speaker`, which is an enrolled
/// voice of a `vp_engine`.)
#[allow(non_camel_case_types)]
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct vp_diarized_speaker {
    /// NUL-terminated label segments use: `SPEAKER_00`, ... in order of
    /// first speech, or the known voice's id.
    pub label: *const c_char,
    /// Seconds of speech attributed to this speaker.
    pub speech_seconds: f64,
    /// Number of turns (runs of this speaker's segments).
    pub turns: u32,
    /// The speaker's voiceprint, `dim` floats of unit length: the mean of
    /// its window embeddings (pass it to `vp_gender_classifier_predict`,
    /// or compare it with `vp_cosine`).
    pub centroid: *const f32,
    /// Length of `centroid`.
    pub dim: usize,
    /// The gender classifier's answer; `VP_GENDER_UNKNOWN` also when the
    /// diarizer has none.
    pub gender: vp_gender,
    /// P(female) from the classifier; NaN when there is none.
    pub female_probability: f32,
    /// Median fundamental frequency of the speaker's voiced frames, Hz;
    /// NaN when too little of it is voiced.
    pub median_f0_hz: f32,
    /// NUL-terminated id of the known voice this cluster was matched to
    /// (`vp_diarizer_set_known`); NULL means unknown.
    pub known_id: *const c_char,
    /// Cosine score of that match; NaN when `known_id` is NULL.
    pub known_score: f32,
    /// NUL-terminated id of the best-scoring known voice even below the
    /// threshold (for review); NULL when no known voices were set.
    pub best_candidate_id: *const c_char,
    /// Its cosine score; NaN when `best_candidate_id` is NULL.
    pub best_candidate_score: f32,
}

/// Who spoke when. Owned by the library: read it, do not modify it, free
/// it with `vp_diarization_free`. It may be read by several threads at
/// once, and passed back to `vp_diarization_to_rttm`,
/// `vp_diarization_to_json` and `vp_diarizer_enroll_cluster`.
#[allow(non_camel_case_types)]
#[repr(C)]
pub struct vp_diarization {
    /// Length of the audio, seconds.
    pub duration: f64,
    /// Seconds the voice activity detector found to be speech.
    pub speech_seconds: f64,
    /// `num_segments` segments in time order (two speakers' segments may
    /// overlap); none for silence-only audio.
    pub segments: *const vp_segment,
    /// Number of segments.
    pub num_segments: usize,
    /// `num_speakers` speakers, in order of first speech.
    pub speakers: *const vp_diarized_speaker,
    /// Number of speakers.
    pub num_speakers: usize,
    /// NUL-terminated id of the speaker model the centroids come from.
    pub model_id: *const c_char,
}

/// What a `vp_diarization`'s pointers point into, and core's result for
/// the functions that take it back.
pub(crate) struct DiarizationKeep {
    result: Diarization,
    _segments: Vec<vp_segment>,
    _speakers: Vec<vp_diarized_speaker>,
    _texts: Vec<CString>,
}

/// The C strings of a result. A `CString`'s buffer does not move when the
/// vector holding it grows, so pointers taken along the way stay valid.
struct Texts(Vec<CString>);

impl Texts {
    fn add(&mut self, text: &str) -> *const c_char {
        let c = c_string(text);
        let ptr = c.as_ptr();
        self.0.push(c);
        ptr
    }

    fn voice(&mut self, voice: Option<&KnownVoice>) -> (*const c_char, f32) {
        match voice {
            Some(v) => (self.add(&v.id), v.score),
            None => (std::ptr::null(), f32::NAN),
        }
    }
}

/// Moves core's result into a library-owned `vp_diarization`.
pub(crate) fn diarization_into_raw(result: Diarization) -> *mut vp_diarization {
    let mut texts = Texts(Vec::new());
    let segments: Vec<vp_segment> = result
        .segments
        .iter()
        .map(|s| vp_segment {
            start: s.start,
            end: s.end,
            speaker: texts.add(&s.speaker),
            confidence: s.confidence,
            subtitle_index: s.subtitle_index.map_or(-1, i64::from),
        })
        .collect();
    let speakers: Vec<vp_diarized_speaker> = result
        .speakers
        .iter()
        .map(|s| {
            let (known_id, known_score) = texts.voice(s.known.as_ref());
            let (best_candidate_id, best_candidate_score) = texts.voice(s.best_candidate.as_ref());
            vp_diarized_speaker {
                label: texts.add(&s.label),
                speech_seconds: s.speech_seconds,
                turns: s.turns,
                // Points into core's vector, moved (not copied) into the
                // allocation below; its buffer stays where it is.
                centroid: s.centroid.as_ptr(),
                dim: s.centroid.len(),
                gender: s.gender.map_or(vp_gender::Unknown, vp_gender::from),
                female_probability: s.female_probability.unwrap_or(f32::NAN),
                median_f0_hz: s.median_f0_hz.unwrap_or(f32::NAN),
                known_id,
                known_score,
                best_candidate_id,
                best_candidate_score,
            }
        })
        .collect();
    let public = vp_diarization {
        duration: result.duration,
        speech_seconds: result.speech_seconds,
        segments: segments.as_ptr(),
        num_segments: segments.len(),
        speakers: speakers.as_ptr(),
        num_speakers: speakers.len(),
        model_id: texts.add(&result.model_id),
    };
    let keep = DiarizationKeep {
        result,
        _segments: segments,
        _speakers: speakers,
        _texts: texts.0,
    };
    Owned::into_raw(public, keep)
}

/// Core's result behind a `vp_diarization` the library returned.
///
/// # Safety
/// `ptr` is NULL or a live `vp_diarization` returned by the library, that
/// outlives `'a`.
pub(crate) unsafe fn diarization_arg<'a>(
    ptr: *const vp_diarization,
    name: &'static str,
) -> FfiResult<&'a Diarization> {
    // SAFETY: forwarded contract of this function: only
    // `diarization_into_raw` makes a `vp_diarization`.
    let keep = unsafe { Owned::<vp_diarization, DiarizationKeep>::keep(ptr) };
    keep.map(|k| &k.result).ok_or(FfiError::NullPointer(name))
}

/// Frees a result returned by the library. NULL is a no-op.
///
/// # Safety
/// `diarization` is NULL or was returned by the library and not freed yet.
#[no_mangle]
pub unsafe extern "C" fn vp_diarization_free(diarization: *mut vp_diarization) {
    ffi_get((), || {
        // SAFETY: per this function's contract it came from `diarization_into_raw`.
        unsafe { Owned::<vp_diarization, DiarizationKeep>::free(diarization) };
        Some(())
    })
}

/// The segments as RTTM, one `SPEAKER <file_id> 1 <start> <duration> <NA>
/// <NA> <speaker> <NA> <NA>` line each (times in seconds, 3 decimals):
/// what scoring tools (pyannote.metrics, dscore) read.
///
/// On success `*out` is a new string to free with `vp_string_free`; on
/// failure `*out` is NULL.
///
/// Errors: `VP_STATUS_INVALID_ARGUMENT` (`file_id` empty or holding
/// whitespace), `VP_STATUS_MALFORMED` (a speaker id that RTTM cannot
/// hold), `VP_STATUS_NULL_POINTER`, `VP_STATUS_INVALID_UTF8`.
///
/// # Safety
/// `diarization` is NULL or a live result of the library; `file_id` is
/// NULL or NUL-terminated; `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn vp_diarization_to_rttm(
    diarization: *const vp_diarization,
    file_id: *const c_char,
    out: *mut *mut c_char,
) -> vp_status {
    ffi_call(|| {
        // SAFETY: forwarded contract of this function.
        let out = unsafe { out_arg(out, "out") }?;
        *out = std::ptr::null_mut();
        // SAFETY: as above.
        let result = unsafe { diarization_arg(diarization, "diarization") }?;
        // SAFETY: as above.
        let file_id = unsafe { str_arg(file_id, "file_id") }?;
        *out = string_into_raw(result.to_rttm(file_id)?);
        Ok(())
    })
}

/// The whole result as JSON (segments, speakers with their centroids, ...;
/// the field names of core's types), for `vp_diarization_from_json`.
///
/// On success `*out` is a new string to free with `vp_string_free`; on
/// failure `*out` is NULL.
///
/// Errors: `VP_STATUS_NULL_POINTER`.
///
/// # Safety
/// `diarization` is NULL or a live result of the library; `out` is NULL
/// or writable.
#[no_mangle]
pub unsafe extern "C" fn vp_diarization_to_json(
    diarization: *const vp_diarization,
    out: *mut *mut c_char,
) -> vp_status {
    ffi_call(|| {
        // SAFETY: forwarded contract of this function.
        let out = unsafe { out_arg(out, "out") }?;
        *out = std::ptr::null_mut();
        // SAFETY: as above.
        let result = unsafe { diarization_arg(diarization, "diarization") }?;
        *out = string_into_raw(result.to_json()?);
        Ok(())
    })
}

/// Reads a result written by `vp_diarization_to_json` (stored, or sent by
/// another process). On success `*out` is a new `vp_diarization` to free
/// with `vp_diarization_free`; on failure `*out` is NULL.
///
/// Errors: `VP_STATUS_MALFORMED` (not such JSON, the line in the message),
/// `VP_STATUS_NULL_POINTER`, `VP_STATUS_INVALID_UTF8`.
///
/// # Safety
/// `json` is NULL or NUL-terminated; `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn vp_diarization_from_json(
    json: *const c_char,
    out: *mut *mut vp_diarization,
) -> vp_status {
    ffi_call(|| {
        // SAFETY: forwarded contract of this function.
        let out = unsafe { out_arg(out, "out") }?;
        *out = std::ptr::null_mut();
        // SAFETY: as above.
        let json = unsafe { str_arg(json, "json") }?;
        *out = diarization_into_raw(Diarization::from_json(json)?);
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::CStr;
    use voiceprint_core::diarization::{Segment, Speaker};
    use voiceprint_core::Gender;

    fn sample() -> Diarization {
        let speaker = |label: &str, known: Option<KnownVoice>| Speaker {
            label: label.into(),
            speech_seconds: 1.5,
            turns: 1,
            centroid: vec![0.6, 0.8],
            gender: Some(Gender::Female),
            female_probability: Some(0.9),
            median_f0_hz: None,
            known: known.clone(),
            best_candidate: known,
        };
        Diarization {
            duration: 3.0,
            speech_seconds: 2.5,
            segments: vec![
                Segment {
                    start: 0.25,
                    end: 1.75,
                    speaker: "alice".into(),
                    confidence: 0.9,
                    subtitle_index: Some(4),
                },
                Segment {
                    start: 2.0,
                    end: 3.0,
                    speaker: "SPEAKER_01".into(),
                    confidence: 0.5,
                    subtitle_index: None,
                },
            ],
            speakers: vec![
                speaker(
                    "alice",
                    Some(KnownVoice {
                        id: "alice".into(),
                        score: 0.8,
                    }),
                ),
                speaker("SPEAKER_01", None),
            ],
            model_id: "m".into(),
        }
    }

    fn text(p: *const c_char) -> String {
        // SAFETY: the tests pass strings of live results.
        unsafe { CStr::from_ptr(p) }.to_str().unwrap().to_string()
    }

    #[test]
    fn fields_mirror_core_and_text_forms_round_trip() {
        let raw = diarization_into_raw(sample());
        // SAFETY: `raw` is live until the free at the end; out-pointers are locals.
        unsafe {
            let d = &*raw;
            let segs = std::slice::from_raw_parts(d.segments, d.num_segments);
            let spks = std::slice::from_raw_parts(d.speakers, d.num_speakers);
            assert_eq!((segs[0].subtitle_index, segs[1].subtitle_index), (4, -1));
            assert_eq!(text(segs[1].speaker), "SPEAKER_01");
            assert_eq!(text(spks[0].known_id), "alice");
            assert!(spks[1].known_id.is_null() && spks[1].known_score.is_nan());
            assert!(spks[1].best_candidate_id.is_null());
            assert_eq!(spks[0].gender, vp_gender::Female);
            assert!(spks[0].median_f0_hz.is_nan());
            assert_eq!(
                std::slice::from_raw_parts(spks[0].centroid, spks[0].dim),
                [0.6, 0.8]
            );
            assert_eq!(text(d.model_id), "m");

            let mut rttm = std::ptr::null_mut();
            assert_eq!(
                vp_diarization_to_rttm(raw, c"f1".as_ptr(), &mut rttm),
                vp_status::Ok
            );
            assert!(text(rttm).starts_with("SPEAKER f1 1 0.250 1.500 <NA> <NA> alice"));
            crate::strings::vp_string_free(rttm);
            assert_eq!(
                vp_diarization_to_rttm(raw, c"two words".as_ptr(), &mut rttm),
                vp_status::InvalidArgument
            );
            assert!(rttm.is_null());

            let mut json = std::ptr::null_mut();
            assert_eq!(vp_diarization_to_json(raw, &mut json), vp_status::Ok);
            let mut back = std::ptr::null_mut();
            assert_eq!(vp_diarization_from_json(json, &mut back), vp_status::Ok);
            assert_eq!(diarization_arg(back, "d").unwrap(), &sample());
            vp_diarization_free(back);
            crate::strings::vp_string_free(json);
            assert_eq!(
                vp_diarization_from_json(c"{\"duration\": 1}".as_ptr(), &mut back),
                vp_status::Malformed
            );
            assert!(back.is_null());
            assert_eq!(
                vp_diarization_to_json(std::ptr::null(), &mut json),
                vp_status::NullPointer
            );
            vp_diarization_free(raw);
            vp_diarization_free(std::ptr::null_mut());
        }
    }
}
