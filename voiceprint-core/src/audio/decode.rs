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
//! - an Ogg stream without its end-of-stream page was cut short:
//!   [`Error::CorruptInput`];
//! - a stream without a declared length (MP3 without a Xing/Info frame, FLAC
//!   with 0 total samples, WAV written to a pipe with the `0xFFFFFFFF`
//!   placeholder length) is accepted as far as it decodes: nothing tells a
//!   cut from the real end;
//! - frames decoded beyond the declared length are codec padding (AAC decodes
//!   whole 1024-frame blocks) and are dropped.
//!
//! Known limit: symphonia 0.5 does not apply MP4 edit lists, so M4A/AAC keeps
//! the encoder's priming frames (1024 for ffmpeg and most encoders; 64 ms at
//! 16 kHz, 23 ms at 44.1 kHz) at the start: AAC audio starts that much late.

use std::fs::File;
use std::io::{Cursor, ErrorKind as IoErrorKind, Read, Seek};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;

use symphonia::core::audio::{AudioBuffer, AudioBufferRef, Signal};
use symphonia::core::codecs::{DecoderOptions, CODEC_TYPE_NULL, CODEC_TYPE_VORBIS};
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
use super::wav_header::{self, HEAD_LEN};
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
    /// [`Error::NonFiniteSamples`] for NaN or infinity in a float file (the
    /// index is that of the mono output).
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
        let mut file = File::open(path).map_err(|e| Error::io(path, e))?;
        let byte_len = file.metadata().map_err(|e| Error::io(path, e))?.len();
        opts.check_bytes(byte_len)?;
        if byte_len == 0 {
            return Err(Error::EmptyInput { what: "audio" });
        }
        let mut head = Vec::with_capacity(HEAD_LEN);
        (&mut file)
            .take(HEAD_LEN as u64)
            .read_to_end(&mut head)
            .and_then(|_| file.rewind())
            .map_err(|e| Error::io(path, e))?;
        let input = Input::new(byte_len, &head, Some(path))?;
        decode_guarded(Box::new(file), &input, opts)
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
        let input = Input::new(byte_len, bytes, None)?;
        decode_guarded(Box::new(Cursor::new(bytes.to_vec())), &input, opts)
    }
}

/// [`decode`], with a panic inside the third-party demuxers and decoders
/// (a parser bug met on hostile input) turned into [`Error::CorruptInput`]:
/// the library promises callers, and the C and Python faces, an error rather
/// than an unwind for any input. Nothing is shared across the boundary but
/// the input, which is dropped with the closure, hence `AssertUnwindSafe`.
fn decode_guarded(
    source: Box<dyn MediaSource>,
    input: &Input<'_>,
    opts: &DecodeOptions,
) -> Result<Audio> {
    let (mono, rate) = decode_guarded_into::<Vec<f32>>(source, input, opts)?;
    Audio::from_mono(mono, rate)
}

/// What is known about an input before symphonia sees it.
pub(super) struct Input<'a> {
    /// Encoded size.
    byte_len: u64,
    /// A WAV from a pipe: its declared length is a placeholder.
    streamed_wav: bool,
    /// The file, for I/O errors; `None` for bytes in memory.
    path: Option<&'a Path>,
}

impl<'a> Input<'a> {
    /// Look at the first bytes; refuse a WAV header's absurd sample rate
    /// before symphonia meets it (see [`wav_header`]).
    pub(super) fn new(byte_len: u64, head: &[u8], path: Option<&'a Path>) -> Result<Input<'a>> {
        let wav = wav_header::parse(head);
        if let Some(rate) = wav.as_ref().and_then(|h| h.sample_rate) {
            check_sample_rate(rate)?;
        }
        Ok(Input {
            byte_len,
            streamed_wav: wav.is_some_and(|h| h.streamed),
            path,
        })
    }
}

/// Where decoded buffers go: one mono `Vec` for the speech path, one plane
/// per channel for the style path ([`super::MultichannelAudio`]).
pub(super) trait Sink: Default {
    /// Room for `frames` more frames.
    fn reserve(&mut self, frames: usize);
    /// Append one decoded buffer.
    fn append(&mut self, decoded: &AudioBufferRef<'_>) -> Result<()>;
    /// Frames held so far.
    fn frames(&self) -> usize;
    /// Keep the first `frames` frames.
    fn truncate(&mut self, frames: usize);
}

impl Sink for Vec<f32> {
    fn reserve(&mut self, frames: usize) {
        Vec::reserve(self, frames);
    }
    fn append(&mut self, decoded: &AudioBufferRef<'_>) -> Result<()> {
        append_mono(decoded, self);
        Ok(())
    }
    fn frames(&self) -> usize {
        self.len()
    }
    fn truncate(&mut self, frames: usize) {
        Vec::truncate(self, frames);
    }
}

/// Decode `source` into `S`, with the policy of the module docs; returns the
/// frames and the sample rate.
pub(super) fn decode_guarded_into<S: Sink>(
    source: Box<dyn MediaSource>,
    input: &Input<'_>,
    opts: &DecodeOptions,
) -> Result<(S, u32)> {
    catch_unwind(AssertUnwindSafe(|| decode::<S>(source, input, opts))).unwrap_or_else(|_| {
        Err(Error::CorruptInput {
            what: "audio",
            detail: "the decoder failed on malformed data".into(),
        })
    })
}

/// Probe, pick the first audio track, decode it straight into the sink.
fn decode<S: Sink>(
    source: Box<dyn MediaSource>,
    input: &Input<'_>,
    opts: &DecodeOptions,
) -> Result<(S, u32)> {
    let path = input.path;
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
    let declared_frames = track.codec_params.n_frames.filter(|_| !input.streamed_wav);
    if declared_frames.is_none() && track.codec_params.codec == CODEC_TYPE_VORBIS {
        // Ogg declares no length up front; symphonia sets `n_frames` from the
        // end-of-stream page (RFC 3533 header flag 0x04). Without one the
        // stream was cut short.
        return Err(Error::CorruptInput {
            what: "audio",
            detail: "truncated: the Ogg stream has no end-of-stream page".into(),
        });
    }
    let mut sample_rate = track.codec_params.sample_rate;
    if let Some(rate) = sample_rate {
        check_sample_rate(rate)?;
    }
    let mut decoder = symphonia::default::get_codecs()
        .make(&track.codec_params, &DecoderOptions::default())
        .map_err(|e| map_error(e, path))?;

    let reserve = declared_frames
        .unwrap_or(0)
        .min(input.byte_len.saturating_mul(MAX_RESERVE_FRAMES_PER_BYTE))
        .min(sample_rate.map_or(u64::MAX, |r| opts.max_frames(r)));
    let mut sink = S::default();
    sink.reserve(usize::try_from(reserve).unwrap_or(0));

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
        sink.append(&decoded)?;
        if sink.frames() as u64 > opts.max_frames(rate) {
            let frames = declared_frames.unwrap_or(0).max(sink.frames() as u64);
            return Err(Error::AudioTooLong {
                seconds: (frames as f64 / f64::from(rate)) as f32,
                maximum: opts.max_seconds,
            });
        }
    }

    let decoded_frames = sink.frames() as u64;
    match declared_frames {
        Some(declared) if decoded_frames < declared => {
            return Err(Error::CorruptInput {
                what: "audio",
                detail: format!(
                    "truncated: the header declares {declared} frames, only {decoded_frames} could be decoded"
                ),
            });
        }
        // AAC decodes whole 1024-frame blocks; the MP4 track duration
        // (`mdhd`) says where the audio ends, the rest is encoder padding.
        Some(declared) => sink.truncate(usize::try_from(declared).unwrap_or(usize::MAX)),
        None => {}
    }
    if sink.frames() == 0 {
        return Err(Error::EmptyInput { what: "audio" });
    }
    let Some(sample_rate) = sample_rate else {
        return Err(Error::CorruptInput {
            what: "audio",
            detail: "the stream never states its sample rate".into(),
        });
    };
    Ok((sink, sample_rate))
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;
    use hound::{SampleFormat, WavSpec, WavWriter};
    use proptest::prelude::*;
    use std::io::Cursor;

    const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/audio");
    const LIBRISPEECH: &str = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../shared/data/librispeech-train-clean-100/103-1240-0000.flac"
    );

    fn opts() -> DecodeOptions {
        DecodeOptions::default()
    }

    fn fixture(name: &str) -> Vec<u8> {
        std::fs::read(format!("{FIXTURES}/{name}")).unwrap()
    }

    /// A WAV file in memory, written by hound; `frames[i]` holds one value per channel.
    fn wav<S: hound::Sample + Copy>(spec: WavSpec, frames: &[Vec<S>]) -> Vec<u8> {
        let mut cursor = Cursor::new(Vec::new());
        let mut w = WavWriter::new(&mut cursor, spec).unwrap();
        for frame in frames {
            for &s in frame {
                w.write_sample(s).unwrap();
            }
        }
        w.finalize().unwrap();
        cursor.into_inner()
    }

    fn spec(channels: u16, bits: u16, format: SampleFormat, rate: u32) -> WavSpec {
        WavSpec {
            channels,
            sample_rate: rate,
            bits_per_sample: bits,
            sample_format: format,
        }
    }

    /// The mono signal symphonia + downmix must give for `frames`.
    fn expected(frames: &[Vec<f32>]) -> Vec<f32> {
        let channels = frames[0].len();
        let scale = 1.0 / channels as f32;
        frames
            .iter()
            .map(|f| {
                if channels == 1 {
                    f[0]
                } else {
                    f.iter().fold(0.0f32, |a, &s| a + s) * scale
                }
            })
            .collect()
    }

    /// A chirp-like test signal in [-1, 1], different per channel.
    fn signal(n: usize, channel: usize) -> impl Iterator<Item = f64> {
        (0..n).map(move |i| {
            let t = i as f64 / 1000.0;
            (t * (3.0 + channel as f64) * (1.0 + t)).sin() * 0.999
        })
    }

    fn int_frames(n: usize, channels: usize, bits: u32) -> Vec<Vec<i32>> {
        let full = f64::from(1u32 << (bits - 1)) - 1.0;
        let chans: Vec<Vec<i32>> = (0..channels)
            .map(|c| signal(n, c).map(|x| (x * full).round() as i32).collect())
            .collect();
        (0..n)
            .map(|i| chans.iter().map(|c| c[i]).collect())
            .collect()
    }

    #[test]
    fn wav_int_round_trips_at_8_16_24_32_bits() {
        for channels in [1u16, 2] {
            for bits in [8u16, 16, 24, 32] {
                let frames = int_frames(1_500, usize::from(channels), u32::from(bits));
                let bytes = if bits == 8 {
                    let f8: Vec<Vec<i8>> = frames
                        .iter()
                        .map(|f| f.iter().map(|&s| s as i8).collect())
                        .collect();
                    wav(spec(channels, 8, SampleFormat::Int, 16_000), &f8)
                } else if bits == 16 {
                    let f16: Vec<Vec<i16>> = frames
                        .iter()
                        .map(|f| f.iter().map(|&s| s as i16).collect())
                        .collect();
                    wav(spec(channels, 16, SampleFormat::Int, 16_000), &f16)
                } else {
                    wav(spec(channels, bits, SampleFormat::Int, 16_000), &frames)
                };
                // symphonia's conversions: u8 / 128 - 1, i16 / 2^15, i24 / 2^23, i32 / 2^31 (via f64).
                let scaled: Vec<Vec<f32>> = frames
                    .iter()
                    .map(|f| {
                        f.iter()
                            .map(|&s| match bits {
                                8 => ((s + 128) as u8) as f32 / 128.0 - 1.0,
                                16 => s as f32 / 32_768.0,
                                24 => s as f32 / 8_388_608.0,
                                _ => (f64::from(s) / 2_147_483_648.0) as f32,
                            })
                            .collect()
                    })
                    .collect();
                let audio = Audio::from_bytes(&bytes, &opts()).unwrap();
                assert_eq!(audio.sample_rate(), 16_000);
                assert_eq!(
                    audio.samples(),
                    &expected(&scaled)[..],
                    "{bits}-bit, {channels} ch"
                );
            }
        }
    }

    #[test]
    fn wav_float_round_trips_mono_and_stereo() {
        for channels in [1u16, 2, 3] {
            let frames: Vec<Vec<f32>> = (0..1_000)
                .map(|i| {
                    (0..channels)
                        .map(|c| ((i * (c as usize + 1)) as f32 * 0.01).sin())
                        .collect()
                })
                .collect();
            let bytes = wav(spec(channels, 32, SampleFormat::Float, 22_050), &frames);
            let audio = Audio::from_bytes(&bytes, &opts()).unwrap();
            assert_eq!(audio.sample_rate(), 22_050);
            assert_eq!(audio.samples(), &expected(&frames)[..], "{channels} ch");
        }
    }

    #[test]
    fn wav_16_bit_equals_the_pcm_constructor() {
        let frames = int_frames(800, 2, 16);
        let pcm: Vec<i16> = frames.iter().flatten().map(|&s| s as i16).collect();
        let f16: Vec<Vec<i16>> = frames
            .iter()
            .map(|f| f.iter().map(|&s| s as i16).collect())
            .collect();
        let bytes = wav(spec(2, 16, SampleFormat::Int, 8_000), &f16);
        assert_eq!(
            Audio::from_bytes(&bytes, &opts()).unwrap(),
            Audio::from_pcm_i16(&pcm, 8_000, 2).unwrap()
        );
    }

    #[test]
    fn from_path_and_from_bytes_agree() {
        let path = format!("{FIXTURES}/speech_2s.flac");
        let a = Audio::from_path(&path, &opts()).unwrap();
        let b = Audio::from_bytes(&fixture("speech_2s.flac"), &opts()).unwrap();
        assert_eq!(a, b);
    }

    #[test]
    fn format_is_sniffed_not_taken_from_the_name() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("really_flac.mp3");
        std::fs::write(&path, fixture("speech_2s.flac")).unwrap();
        let a = Audio::from_path(&path, &opts()).unwrap();
        assert_eq!(
            a,
            Audio::from_path(format!("{FIXTURES}/speech_2s.wav"), &opts()).unwrap()
        );
    }

    #[test]
    fn empty_input_is_empty() {
        assert_eq!(
            Audio::from_bytes(&[], &opts()).unwrap_err().kind(),
            ErrorKind::EmptyInput
        );
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("empty.wav");
        std::fs::write(&path, b"").unwrap();
        assert_eq!(
            Audio::from_path(&path, &opts()).unwrap_err().kind(),
            ErrorKind::EmptyInput
        );
        // A valid WAV header with no frames.
        let bytes = wav::<i16>(spec(1, 16, SampleFormat::Int, 16_000), &[]);
        assert_eq!(
            Audio::from_bytes(&bytes, &opts()).unwrap_err().kind(),
            ErrorKind::EmptyInput
        );
    }

    #[test]
    fn unknown_bytes_are_unsupported() {
        for junk in [
            &b"hello, this is not audio at all"[..],
            &[0u8; 4096][..],
            &b"RIFF\x10\x00\x00\x00AVI LIST"[..],
            &b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"[..],
        ] {
            let e = Audio::from_bytes(junk, &opts()).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::UnsupportedFormat, "{e}");
        }
    }

    #[test]
    fn missing_file_is_an_io_error_naming_the_path() {
        let e = Audio::from_path("/nonexistent/voice.wav", &opts()).unwrap_err();
        assert!(
            matches!(&e, Error::Io { path, .. } if path.ends_with("voice.wav")),
            "{e}"
        );
    }

    /// Outcome of a decode, without dumping the samples in a failure message.
    fn outcome(bytes: &[u8]) -> std::result::Result<(usize, u32), Error> {
        Audio::from_bytes(bytes, &opts()).map(|a| (a.samples().len(), a.sample_rate()))
    }

    #[test]
    fn truncated_files_are_corrupt() {
        for name in [
            "speech_2s.wav",
            "speech_2s.flac",
            "speech_2s.mp3",
            "speech_2s.ogg",
            "speech_2s.m4a",
        ] {
            let bytes = fixture(name);
            assert!(outcome(&bytes).is_ok(), "{name}");
            for keep in [bytes.len() - 1, bytes.len() * 3 / 4, bytes.len() / 2, 100] {
                match outcome(&bytes[..keep]) {
                    Err(e) => assert_eq!(
                        e.kind(),
                        ErrorKind::CorruptInput,
                        "{name} cut at {keep}: {e}"
                    ),
                    Ok(got) => panic!("{name} cut at {keep} decoded as {got:?}"),
                }
            }
        }
        // Cut inside the WAV header.
        let e = outcome(&fixture("speech_2s.wav")[..30]).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::CorruptInput, "{e}");
    }

    #[test]
    fn wav_written_to_a_pipe_decodes_in_full() {
        // Streaming writers leave both RIFF and data lengths at 0xFFFFFFFF.
        let frames = int_frames(1_001, 2, 16);
        let f16: Vec<Vec<i16>> = frames
            .iter()
            .map(|f| f.iter().map(|&s| s as i16).collect())
            .collect();
        let good = wav(spec(2, 16, SampleFormat::Int, 16_000), &f16);
        let data_len_at = good.windows(4).position(|w| w == b"data").unwrap() + 4;
        let piped = patched(&patched(&good, 4, &[0xff; 4]), data_len_at, &[0xff; 4]);
        let want = Audio::from_bytes(&good, &opts()).unwrap();
        assert_eq!(Audio::from_bytes(&piped, &opts()).unwrap(), want);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("piped.wav");
        std::fs::write(&path, &piped).unwrap();
        assert_eq!(Audio::from_path(&path, &opts()).unwrap(), want);
        // A real data length that the file does not reach is still truncation.
        let cut = &good[..good.len() - 400];
        assert_eq!(outcome(cut).unwrap_err().kind(), ErrorKind::CorruptInput);
    }

    /// Patch the little-endian u16 / u32 at `at` in a copy of `bytes`.
    fn patched(bytes: &[u8], at: usize, value: &[u8]) -> Vec<u8> {
        let mut b = bytes.to_vec();
        b[at..at + value.len()].copy_from_slice(value);
        b
    }

    #[test]
    fn absurd_sample_rates_are_refused() {
        let good = wav(
            spec(1, 16, SampleFormat::Int, 16_000),
            &vec![vec![0i16]; 100],
        );
        // Canonical 44-byte header: sample rate at byte 24.
        for rate in [0u32, 500, 999, 384_001, 1_000_000] {
            let e =
                Audio::from_bytes(&patched(&good, 24, &rate.to_le_bytes()), &opts()).unwrap_err();
            assert!(
                matches!(e, Error::InvalidSampleRate { rate: r, min: 1_000, max: 384_000 } if r == rate),
                "{rate}: {e}"
            );
        }
        let e = Audio::from_bytes(&patched(&good, 24, &0u32.to_le_bytes()), &opts()).unwrap_err();
        assert!(
            matches!(
                e.kind(),
                ErrorKind::InvalidSampleRate | ErrorKind::CorruptInput
            ),
            "{e}"
        );
    }

    #[test]
    fn zero_channels_are_refused() {
        let good = wav(
            spec(1, 16, SampleFormat::Int, 16_000),
            &vec![vec![0i16]; 100],
        );
        // Channel count at byte 22.
        let e = Audio::from_bytes(&patched(&good, 22, &0u16.to_le_bytes()), &opts()).unwrap_err();
        assert!(
            matches!(
                e.kind(),
                ErrorKind::CorruptInput | ErrorKind::UnsupportedFormat
            ),
            "{e}"
        );
    }

    #[test]
    fn non_finite_float_samples_are_reported_with_their_index() {
        for bad in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY] {
            let mut frames = vec![vec![0.25f32]; 50];
            frames[17][0] = bad;
            let bytes = wav(spec(1, 32, SampleFormat::Float, 16_000), &frames);
            let e = Audio::from_bytes(&bytes, &opts()).unwrap_err();
            assert!(matches!(e, Error::NonFiniteSamples { index: 17 }), "{e}");
        }
    }

    #[test]
    fn byte_limit_is_checked_before_decoding() {
        let bytes = fixture("speech_2s.wav");
        let small = DecodeOptions {
            max_bytes: 1_000,
            ..opts()
        };
        let e = Audio::from_bytes(&bytes, &small).unwrap_err();
        assert!(
            matches!(e, Error::InputTooLarge { what: "audio", limit: 1_000, unit: "bytes", actual } if actual == bytes.len() as u64),
            "{e}"
        );
        let e = Audio::from_path(format!("{FIXTURES}/speech_2s.wav"), &small).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InputTooLarge);
    }

    #[test]
    fn duration_limit_stops_decoding() {
        let short = DecodeOptions {
            max_seconds: 1.5,
            ..opts()
        };
        for name in ["speech_2s.wav", "speech_2s.flac", "speech_2s.mp3"] {
            let e = Audio::from_bytes(&fixture(name), &short).unwrap_err();
            assert!(
                matches!(e, Error::AudioTooLong { seconds, maximum } if seconds > 1.5 && maximum == 1.5),
                "{name}: {e}"
            );
        }
        let e = Audio::from_bytes(
            &fixture("speech_2s.wav"),
            &DecodeOptions {
                max_seconds: f32::NAN,
                ..opts()
            },
        )
        .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidArgument);
    }

    #[test]
    fn librispeech_flac_decodes() {
        let Ok(bytes) = std::fs::read(LIBRISPEECH) else {
            println!(
                "skipped: {LIBRISPEECH} is absent (the shared data sits beside the repository)"
            );
            return;
        };
        let audio = Audio::from_bytes(&bytes, &opts()).unwrap();
        assert_eq!(audio.sample_rate(), 16_000);
        // 14.09 s per its STREAMINFO (ffprobe: 225 440 frames).
        assert!(
            (audio.duration_secs() - 14.09).abs() < 0.01,
            "{}",
            audio.duration_secs()
        );
        let peak = audio.samples().iter().fold(0.0f32, |m, s| m.max(s.abs()));
        assert!(peak > 0.1 && peak <= 1.0, "peak {peak}");
        // The fixture is a cut of this file from 1.0 s: same samples.
        let cut = Audio::from_path(format!("{FIXTURES}/speech_2s.wav"), &opts()).unwrap();
        assert_eq!(&audio.samples()[16_000..48_000], cut.samples());
    }

    #[test]
    fn a_decoder_panic_becomes_corrupt_input() {
        // Found by `random_bytes_never_panic`: symphonia-codec-aac 0.5.5's
        // ADTS reader calls `step_by(0)` while estimating the duration of
        // this junk-prefixed stream (adts.rs, `approximate_frame_count`).
        let mut bytes = [0u8; 29];
        bytes[13..18].copy_from_slice(&[0xff, 0xf1, 0, 0, 0xf4]);
        let e = outcome(&bytes).unwrap_err();
        assert!(
            matches!(
                e.kind(),
                ErrorKind::CorruptInput | ErrorKind::UnsupportedFormat
            ),
            "{e}"
        );
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2_048)) {
            let _ = Audio::from_bytes(&bytes, &opts());
        }

        #[test]
        fn random_header_plus_bytes_never_panic(
            which in 0usize..5,
            tail in proptest::collection::vec(any::<u8>(), 0..512),
        ) {
            // A real magic number followed by junk reaches deeper into each demuxer.
            let magic: &[u8] = [&b"RIFF\x24\x08\x00\x00WAVEfmt "[..], b"fLaC", b"ID3\x03\x00", b"OggS\x00\x02", b"\x00\x00\x00\x20ftypM4A "][which];
            let mut bytes = magic.to_vec();
            bytes.extend_from_slice(&tail);
            let _ = Audio::from_bytes(&bytes, &opts());
        }

        #[test]
        fn truncated_or_damaged_files_never_panic(
            which in 0usize..5,
            cut in 0.0f64..1.0,
            flips in proptest::collection::vec((0.0f64..1.0, any::<u8>()), 0..4),
        ) {
            let name = ["speech_2s.wav", "speech_2s.flac", "speech_2s.mp3", "speech_2s.ogg", "speech_2s.m4a"][which];
            let mut bytes = fixture(name);
            for (at, value) in flips {
                let i = (at * bytes.len() as f64) as usize;
                bytes[i] ^= value;
            }
            let keep = (cut * bytes.len() as f64) as usize;
            let _ = Audio::from_bytes(&bytes[..keep], &opts());
        }
    }
}
