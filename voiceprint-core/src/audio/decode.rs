//! [`Audio`] from encoded files and byte buffers, decoded with symphonia.
//!
//! Formats: WAV (8/16/24/32-bit PCM, 32/64-bit float, A-law, µ-law, ADPCM),
//! FLAC, MP3, OGG Vorbis, M4A/AAC. The container is sniffed from the bytes
//! (symphonia's probe reads magic numbers), never from a file name, so a
//! mislabelled upload decodes the same way as a well-named one.
//!
//! Policy for damaged input, applied the same way to every format:
//! - a packet that fails to decode, or a read error inside the stream, is
//!   [`Error::CorruptInput`]: no partial result, no silently dropped audio;
//! - a stream that ends cleanly but holds fewer frames than its header
//!   declares (WAV data-chunk size, FLAC STREAMINFO, MP3 Xing/Info frame
//!   count, Ogg granule position, MP4 `mdhd` duration) is truncated, hence
//!   [`Error::CorruptInput`] as well;
//! - a stream without a declared length that ends at a packet boundary is
//!   accepted as it is: nothing tells a cut from the real end.

use std::fs::File;
use std::io::{Cursor, ErrorKind as IoErrorKind};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;

use symphonia::core::audio::{AudioBuffer, AudioBufferRef, Signal};
use symphonia::core::codecs::{DecoderOptions, CODEC_TYPE_NULL};
use symphonia::core::conv::IntoSample;
use symphonia::core::errors::Error as SymphoniaError;
use symphonia::core::formats::FormatOptions;
use symphonia::core::io::{MediaSource, MediaSourceStream};
use symphonia::core::meta::MetadataOptions;
use symphonia::core::probe::Hint;
use symphonia::core::sample::Sample;

use super::buffer::Audio;
use super::downmix;
use super::limits::{check_sample_rate, DecodeOptions};
use crate::{Error, Result};

/// Upper bound on the decoded frames per encoded byte used to size the output
/// up front: 16-bit PCM gives 0.5, speech MP3/AAC/Vorbis 2-6. A header that
/// claims more (a FLAC of silence, or a lie) grows the buffer as it decodes
/// instead of reserving memory on the header's word.
const MAX_RESERVE_FRAMES_PER_BYTE: u64 = 8;

impl Audio {
    /// Decode an audio file to mono `f32` at its own sample rate.
    ///
    /// The format is sniffed from the content, not from the extension.
    /// Multi-channel audio is averaged to mono; call [`Audio::resample`] to
    /// reach a model's rate.
    ///
    /// Errors: [`Error::Io`] when the file cannot be opened or read;
    /// [`Error::InputTooLarge`] beyond [`DecodeOptions::max_bytes`];
    /// [`Error::EmptyInput`] for a zero-byte file or a stream of zero frames;
    /// [`Error::UnsupportedFormat`]; [`Error::CorruptInput`] for damaged or
    /// truncated streams (see the module docs for the exact policy);
    /// [`Error::AudioTooLong`] beyond [`DecodeOptions::max_seconds`], raised
    /// as soon as the limit is crossed; [`Error::InvalidSampleRate`];
    /// [`Error::NonFiniteSamples`] for NaN or infinity in a float file.
    ///
    /// ```no_run
    /// use voiceprint_core::audio::{Audio, DecodeOptions};
    ///
    /// let audio = Audio::from_path("speech.flac", &DecodeOptions::default())?.resample(16_000)?;
    /// audio.check_duration(1.0, 60.0)?;
    /// # Ok::<(), voiceprint_core::Error>(())
    /// ```
    pub fn from_path(path: impl AsRef<Path>, opts: &DecodeOptions) -> Result<Audio> {
        let path = path.as_ref();
        opts.validate()?;
        let file = File::open(path).map_err(|e| Error::io(path, e))?;
        let byte_len = file.metadata().map_err(|e| Error::io(path, e))?.len();
        opts.check_bytes(byte_len)?;
        if byte_len == 0 {
            return Err(Error::EmptyInput { what: "audio" });
        }
        decode_guarded(Box::new(file), byte_len, Some(path), opts)
    }

    /// Decode an encoded audio file held in memory (an upload, a blob).
    ///
    /// Same formats, limits and errors as [`Audio::from_path`]; the format is
    /// sniffed from the bytes. The bytes are copied once, because symphonia
    /// reads from an owned source.
    ///
    /// ```
    /// use voiceprint_core::audio::{Audio, DecodeOptions};
    /// use voiceprint_core::ErrorKind;
    ///
    /// let err = Audio::from_bytes(b"definitely not audio", &DecodeOptions::default()).unwrap_err();
    /// assert_eq!(err.kind(), ErrorKind::UnsupportedFormat);
    /// ```
    pub fn from_bytes(bytes: &[u8], opts: &DecodeOptions) -> Result<Audio> {
        opts.validate()?;
        let byte_len = bytes.len() as u64;
        opts.check_bytes(byte_len)?;
        if bytes.is_empty() {
            return Err(Error::EmptyInput { what: "audio" });
        }
        decode_guarded(Box::new(Cursor::new(bytes.to_vec())), byte_len, None, opts)
    }
}

/// [`decode`], with a panic inside the third-party demuxers and decoders
/// (a parser bug met on hostile input) turned into [`Error::CorruptInput`]:
/// the library promises callers, and the C and Python faces, an error rather
/// than an unwind for any input. Nothing is shared across the boundary but
/// the input, which is dropped with the closure, hence `AssertUnwindSafe`.
fn decode_guarded(
    source: Box<dyn MediaSource>,
    byte_len: u64,
    path: Option<&Path>,
    opts: &DecodeOptions,
) -> Result<Audio> {
    catch_unwind(AssertUnwindSafe(|| decode(source, byte_len, path, opts))).unwrap_or_else(|_| {
        Err(Error::CorruptInput {
            what: "audio",
            detail: "the decoder failed on malformed data".into(),
        })
    })
}

/// Probe, pick the first audio track, decode it straight into one mono `Vec`.
fn decode(
    source: Box<dyn MediaSource>,
    byte_len: u64,
    path: Option<&Path>,
    opts: &DecodeOptions,
) -> Result<Audio> {
    let stream = MediaSourceStream::new(source, Default::default());
    // Gapless: MP3 (LAME/Xing) and Vorbis encoder delay and padding are
    // trimmed, so decoded length matches the original recording.
    let format_opts = FormatOptions {
        enable_gapless: true,
        ..Default::default()
    };
    let probed = symphonia::default::get_probe()
        .format(
            &Hint::new(),
            stream,
            &format_opts,
            &MetadataOptions::default(),
        )
        .map_err(|e| map_error(e, path))?;
    let mut reader = probed.format;

    let track = reader
        .tracks()
        .iter()
        .find(|t| t.codec_params.codec != CODEC_TYPE_NULL)
        .ok_or_else(|| Error::UnsupportedFormat {
            what: "audio",
            detail: "the container holds no audio track".into(),
        })?;
    let track_id = track.id;
    let declared_frames = track.codec_params.n_frames;
    let mut sample_rate = track.codec_params.sample_rate;
    if let Some(rate) = sample_rate {
        check_sample_rate(rate)?;
    }
    let mut decoder = symphonia::default::get_codecs()
        .make(&track.codec_params, &DecoderOptions::default())
        .map_err(|e| map_error(e, path))?;

    let reserve = declared_frames
        .unwrap_or(0)
        .min(byte_len.saturating_mul(MAX_RESERVE_FRAMES_PER_BYTE))
        .min(sample_rate.map_or(u64::MAX, |r| opts.max_frames(r)));
    let mut mono: Vec<f32> = Vec::with_capacity(usize::try_from(reserve).unwrap_or(0));

    loop {
        let packet = match reader.next_packet() {
            Ok(packet) => packet,
            // symphonia 0.5 reports the end of the stream as an unexpected EOF.
            Err(SymphoniaError::IoError(e)) if e.kind() == IoErrorKind::UnexpectedEof => break,
            // A chained Ogg stream starting a new logical stream: keep the first.
            Err(SymphoniaError::ResetRequired) => break,
            Err(e) => return Err(map_error(e, path)),
        };
        if packet.track_id() != track_id {
            continue;
        }
        let decoded = decoder.decode(&packet).map_err(|e| map_error(e, path))?;
        let rate = decoded.spec().rate;
        match sample_rate {
            None => {
                check_sample_rate(rate)?;
                sample_rate = Some(rate);
            }
            Some(known) if known != rate => {
                return Err(Error::CorruptInput {
                    what: "audio",
                    detail: format!("the sample rate changes mid-stream from {known} to {rate} Hz"),
                });
            }
            Some(_) => {}
        }
        append_mono(&decoded, &mut mono);
        if mono.len() as u64 > opts.max_frames(rate) {
            let frames = declared_frames.unwrap_or(0).max(mono.len() as u64);
            return Err(Error::AudioTooLong {
                seconds: (frames as f64 / f64::from(rate)) as f32,
                maximum: opts.max_seconds,
            });
        }
    }

    let decoded_frames = mono.len() as u64;
    match declared_frames {
        Some(declared) if decoded_frames < declared => {
            return Err(Error::CorruptInput {
                what: "audio",
                detail: format!(
                    "truncated: the header declares {declared} frames, only {decoded_frames} could be decoded"
                ),
            });
        }
        _ if mono.is_empty() => return Err(Error::EmptyInput { what: "audio" }),
        _ => {}
    }
    let Some(sample_rate) = sample_rate else {
        return Err(Error::CorruptInput {
            what: "audio",
            detail: "the stream never states its sample rate".into(),
        });
    };
    Audio::from_mono(mono, sample_rate)
}

/// Average one decoded buffer to mono, converting from its sample format
/// with symphonia's own conversions (`i16 / 32768`, `i24 / 2^23`, ...).
fn append_mono(decoded: &AudioBufferRef<'_>, out: &mut Vec<f32>) {
    match decoded {
        AudioBufferRef::U8(b) => append_planes(b, out),
        AudioBufferRef::U16(b) => append_planes(b, out),
        AudioBufferRef::U24(b) => append_planes(b, out),
        AudioBufferRef::U32(b) => append_planes(b, out),
        AudioBufferRef::S8(b) => append_planes(b, out),
        AudioBufferRef::S16(b) => append_planes(b, out),
        AudioBufferRef::S24(b) => append_planes(b, out),
        AudioBufferRef::S32(b) => append_planes(b, out),
        AudioBufferRef::F32(b) => append_planes(b, out),
        AudioBufferRef::F64(b) => append_planes(b, out),
    }
}

fn append_planes<S: Sample + IntoSample<f32>>(buf: &AudioBuffer<S>, out: &mut Vec<f32>) {
    if buf.frames() == 0 {
        return;
    }
    downmix::planar_into(buf.planes().planes(), |s| s.into_sample(), out);
}

/// symphonia's error, in the caller's terms.
fn map_error(e: SymphoniaError, path: Option<&Path>) -> Error {
    match e {
        SymphoniaError::IoError(io) if io.kind() == IoErrorKind::UnexpectedEof => {
            Error::CorruptInput {
                what: "audio",
                detail: "the data ends in the middle of a header or packet".into(),
            }
        }
        SymphoniaError::IoError(io) => match path {
            Some(path) => Error::io(path, io),
            None => Error::CorruptInput {
                what: "audio",
                detail: io.to_string(),
            },
        },
        SymphoniaError::Unsupported(detail) => Error::UnsupportedFormat {
            what: "audio",
            detail: detail.into(),
        },
        other @ (SymphoniaError::DecodeError(_)
        | SymphoniaError::LimitError(_)
        | SymphoniaError::SeekError(_)
        | SymphoniaError::ResetRequired) => Error::CorruptInput {
            what: "audio",
            detail: other.to_string(),
        },
    }
}
