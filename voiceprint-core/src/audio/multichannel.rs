//! [`MultichannelAudio`]: every channel at the file's own rate, for the
//! measurements that are defined per channel (BS.1770 loudness, true peak,
//! stereo image). The speech path keeps its mono [`Audio`].

use std::fs::File;
use std::io::{Cursor, Read, Seek};
use std::path::Path;

use symphonia::core::audio::{AudioBuffer, AudioBufferRef, Channels};
use symphonia::core::conv::IntoSample;
use symphonia::core::sample::Sample;

use super::buffer::Audio;
use super::decode::{decode_guarded_into, Input, Sink};
use super::limits::{check_sample_rate, DecodeOptions};
use super::wav_header::HEAD_LEN;
use crate::{Error, Result};

/// The most channels a [`ChannelLayout`] describes (7.1).
pub const MAX_CHANNELS: usize = 8;

/// Where one channel plays, in the loudspeaker positions BS.1770-4 weights.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChannelPosition {
    /// A single channel.
    Mono,
    /// Front left (ITU M+030).
    FrontLeft,
    /// Front right (ITU M-030).
    FrontRight,
    /// Front centre (M+000).
    FrontCenter,
    /// Low-frequency effects: left out of loudness (BS.1770-4 Table 3).
    Lfe,
    /// Rear or surround left: M+110 in 5.1, M+135 beside side channels in 7.1.
    BackLeft,
    /// Rear or surround right.
    BackRight,
    /// Front left of centre.
    FrontLeftOfCenter,
    /// Front right of centre.
    FrontRightOfCenter,
    /// Rear centre (M+180).
    BackCenter,
    /// Side left (M+090).
    SideLeft,
    /// Side right (M-090).
    SideRight,
}

impl ChannelPosition {
    /// Short name, as in a layout string (`L`, `R`, `C`, `LFE`, `Ls`, ...).
    pub fn name(self) -> &'static str {
        match self {
            ChannelPosition::Mono => "M",
            ChannelPosition::FrontLeft => "L",
            ChannelPosition::FrontRight => "R",
            ChannelPosition::FrontCenter => "C",
            ChannelPosition::Lfe => "LFE",
            ChannelPosition::BackLeft => "Ls",
            ChannelPosition::BackRight => "Rs",
            ChannelPosition::FrontLeftOfCenter => "Lc",
            ChannelPosition::FrontRightOfCenter => "Rc",
            ChannelPosition::BackCenter => "Cs",
            ChannelPosition::SideLeft => "Lss",
            ChannelPosition::SideRight => "Rss",
        }
    }
}

/// The positions of a signal's channels, in channel order.
///
/// ```
/// use voiceprint_core::audio::{ChannelLayout, ChannelPosition};
///
/// let l = ChannelLayout::default_for(6)?;
/// assert_eq!(l.to_string(), "L R C LFE Ls Rs");
/// assert_eq!(l.positions()[3], ChannelPosition::Lfe);
/// assert!(ChannelLayout::default_for(9).is_err());
/// # Ok::<(), voiceprint_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ChannelLayout {
    positions: Vec<ChannelPosition>,
}

impl ChannelLayout {
    /// The usual layout for a channel count, in WAV (SMPTE) order: mono,
    /// stereo, 3.0 (L R C), quad (L R Ls Rs), 5.0, 5.1 (L R C LFE Ls Rs),
    /// 6.1 (L R C LFE Cs Lss Rss), 7.1 (L R C LFE Ls Rs Lss Rss).
    ///
    /// Errors: [`Error::UnsupportedFormat`] for 0 or more than
    /// [`MAX_CHANNELS`] channels.
    pub fn default_for(channels: usize) -> Result<ChannelLayout> {
        use ChannelPosition::*;
        let positions = match channels {
            1 => vec![Mono],
            2 => vec![FrontLeft, FrontRight],
            3 => vec![FrontLeft, FrontRight, FrontCenter],
            4 => vec![FrontLeft, FrontRight, BackLeft, BackRight],
            5 => vec![FrontLeft, FrontRight, FrontCenter, BackLeft, BackRight],
            6 => vec![FrontLeft, FrontRight, FrontCenter, Lfe, BackLeft, BackRight],
            7 => vec![
                FrontLeft,
                FrontRight,
                FrontCenter,
                Lfe,
                BackCenter,
                SideLeft,
                SideRight,
            ],
            8 => vec![
                FrontLeft,
                FrontRight,
                FrontCenter,
                Lfe,
                BackLeft,
                BackRight,
                SideLeft,
                SideRight,
            ],
            n => {
                return Err(Error::UnsupportedFormat {
                    what: "channel layout",
                    detail: format!(
                        "{n} channels: supported are 1 to {MAX_CHANNELS} (mono to 7.1)"
                    ),
                })
            }
        };
        Ok(ChannelLayout { positions })
    }

    /// A layout from explicit positions.
    ///
    /// Errors: [`Error::UnsupportedFormat`] for none, more than
    /// [`MAX_CHANNELS`], a position given twice, or `Mono` beside others.
    pub fn new(positions: Vec<ChannelPosition>) -> Result<ChannelLayout> {
        let refuse = |detail: String| {
            Err(Error::UnsupportedFormat {
                what: "channel layout",
                detail,
            })
        };
        if positions.is_empty() || positions.len() > MAX_CHANNELS {
            return refuse(format!(
                "{} channels: supported are 1 to {MAX_CHANNELS}",
                positions.len()
            ));
        }
        for (i, p) in positions.iter().enumerate() {
            if positions[..i].contains(p) {
                return refuse(format!("position {} appears twice", p.name()));
            }
        }
        if positions.len() > 1 && positions.contains(&ChannelPosition::Mono) {
            return refuse("a mono channel cannot sit beside others".into());
        }
        Ok(ChannelLayout { positions })
    }

    /// From a decoder's channel mask (WAVEFORMATEXTENSIBLE bit order, which
    /// is also the order of the planes).
    fn from_mask(mask: Channels) -> Result<ChannelLayout> {
        use ChannelPosition::*;
        if mask.bits().count_ones() == 1 && mask.contains(Channels::FRONT_LEFT) {
            return ChannelLayout::new(vec![Mono]);
        }
        let table = [
            (Channels::FRONT_LEFT, FrontLeft),
            (Channels::FRONT_RIGHT, FrontRight),
            (Channels::FRONT_CENTRE, FrontCenter),
            (Channels::LFE1, Lfe),
            (Channels::REAR_LEFT, BackLeft),
            (Channels::REAR_RIGHT, BackRight),
            (Channels::FRONT_LEFT_CENTRE, FrontLeftOfCenter),
            (Channels::FRONT_RIGHT_CENTRE, FrontRightOfCenter),
            (Channels::REAR_CENTRE, BackCenter),
            (Channels::SIDE_LEFT, SideLeft),
            (Channels::SIDE_RIGHT, SideRight),
        ];
        let known = table.iter().fold(Channels::empty(), |acc, (c, _)| acc | *c);
        let unknown = mask - known;
        if !unknown.is_empty() {
            return Err(Error::UnsupportedFormat {
                what: "channel layout",
                detail: format!(
                    "channel mask {:#x} holds positions (height, wide or second LFE channels, mask {:#x}) \
                     that BS.1770 loudness is not defined for here",
                    mask.bits(),
                    unknown.bits()
                ),
            });
        }
        ChannelLayout::new(
            table
                .iter()
                .filter(|(c, _)| mask.contains(*c))
                .map(|&(_, p)| p)
                .collect(),
        )
    }

    /// The positions, in channel order.
    pub fn positions(&self) -> &[ChannelPosition] {
        &self.positions
    }

    /// Number of channels.
    pub fn len(&self) -> usize {
        self.positions.len()
    }

    /// Never true: a layout has at least one channel.
    pub fn is_empty(&self) -> bool {
        self.positions.is_empty()
    }

    /// Index of a position, if the layout has it.
    pub fn index_of(&self, position: ChannelPosition) -> Option<usize> {
        self.positions.iter().position(|&p| p == position)
    }
}

impl std::fmt::Display for ChannelLayout {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (i, p) in self.positions.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            f.write_str(p.name())?;
        }
        Ok(())
    }
}

/// A signal with every channel kept: planar `f32`, at its own sample rate.
///
/// Same guarantees as [`Audio`]: at least one frame, finite samples, a
/// sample rate in range, all channels of one length; plus a
/// [`ChannelLayout`] of as many positions as channels.
///
/// ```
/// use voiceprint_core::audio::MultichannelAudio;
///
/// let stereo = MultichannelAudio::from_interleaved(&[0.5, -0.5, 0.25, 0.25], 2, 48_000)?;
/// assert_eq!(stereo.channel(1), Some(&[-0.5f32, 0.25][..]));
/// assert_eq!(stereo.to_mono()?.samples(), &[0.0, 0.25]);
/// # Ok::<(), voiceprint_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct MultichannelAudio {
    channels: Vec<Vec<f32>>,
    sample_rate: u32,
    layout: ChannelLayout,
}

impl MultichannelAudio {
    /// Wrap planar channels without copying them.
    ///
    /// Errors: [`Error::EmptyInput`], [`Error::InvalidSampleRate`],
    /// [`Error::NonFiniteSamples`] (index of the first bad frame),
    /// [`Error::InvalidArgument`] when the channels differ in length or the
    /// layout in count.
    pub fn new(
        channels: Vec<Vec<f32>>,
        sample_rate: u32,
        layout: ChannelLayout,
    ) -> Result<MultichannelAudio> {
        check_sample_rate(sample_rate)?;
        let frames = channels.first().map_or(0, Vec::len);
        if frames == 0 {
            return Err(Error::EmptyInput { what: "audio" });
        }
        if channels.iter().any(|c| c.len() != frames) {
            return Err(Error::invalid_argument(
                "channels",
                "every channel must hold the same number of frames",
            ));
        }
        if layout.len() != channels.len() {
            return Err(Error::invalid_argument(
                "layout",
                format!("{} positions for {} channels", layout.len(), channels.len()),
            ));
        }
        if let Some(index) = channels
            .iter()
            .filter_map(|c| c.iter().position(|s| !s.is_finite()))
            .min()
        {
            return Err(Error::NonFiniteSamples { index });
        }
        Ok(MultichannelAudio {
            channels,
            sample_rate,
            layout,
        })
    }

    /// Planar channels in the usual layout for their count
    /// ([`ChannelLayout::default_for`]).
    pub fn from_planar(channels: Vec<Vec<f32>>, sample_rate: u32) -> Result<MultichannelAudio> {
        let layout = ChannelLayout::default_for(channels.len())?;
        MultichannelAudio::new(channels, sample_rate, layout)
    }

    /// Interleaved `f32` frames (`L R L R ...`), in the usual layout.
    ///
    /// Errors as [`MultichannelAudio::new`], plus [`Error::InvalidArgument`]
    /// when the length is not a multiple of `channels`.
    pub fn from_interleaved(
        interleaved: &[f32],
        channels: usize,
        sample_rate: u32,
    ) -> Result<MultichannelAudio> {
        let layout = ChannelLayout::default_for(channels)?;
        if !interleaved.len().is_multiple_of(channels) {
            return Err(Error::invalid_argument(
                "samples",
                format!(
                    "{} samples do not divide into frames of {channels} channels",
                    interleaved.len()
                ),
            ));
        }
        let frames = interleaved.len() / channels;
        let mut planes = vec![Vec::with_capacity(frames); channels];
        for frame in interleaved.chunks_exact(channels) {
            for (plane, &s) in planes.iter_mut().zip(frame) {
                plane.push(s);
            }
        }
        MultichannelAudio::new(planes, sample_rate, layout)
    }

    /// Decode a file keeping every channel and the file's rate.
    ///
    /// Same formats, limits and damaged-input policy as [`Audio::from_path`];
    /// additionally [`Error::UnsupportedFormat`] for a channel layout outside
    /// [`ChannelLayout`] (height channels, more than 8).
    pub fn from_path(path: impl AsRef<Path>, opts: &DecodeOptions) -> Result<MultichannelAudio> {
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
        let (planes, rate) = decode_guarded_into::<Planes>(Box::new(file), &input, opts)?;
        planes.into_audio(rate)
    }

    /// Decode an encoded file held in memory, keeping every channel.
    pub fn from_bytes(bytes: &[u8], opts: &DecodeOptions) -> Result<MultichannelAudio> {
        opts.validate()?;
        opts.check_bytes(bytes.len() as u64)?;
        if bytes.is_empty() {
            return Err(Error::EmptyInput { what: "audio" });
        }
        let input = Input::new(bytes.len() as u64, bytes, None)?;
        let (planes, rate) =
            decode_guarded_into::<Planes>(Box::new(Cursor::new(bytes.to_vec())), &input, opts)?;
        planes.into_audio(rate)
    }

    /// A mono signal, as one channel of the usual mono layout.
    pub fn from_audio(audio: &Audio) -> MultichannelAudio {
        MultichannelAudio {
            channels: vec![audio.samples().to_vec()],
            sample_rate: audio.sample_rate(),
            layout: ChannelLayout {
                positions: vec![ChannelPosition::Mono],
            },
        }
    }

    /// Number of channels.
    pub fn num_channels(&self) -> usize {
        self.channels.len()
    }

    /// Channel `i`, if it exists.
    pub fn channel(&self, i: usize) -> Option<&[f32]> {
        self.channels.get(i).map(Vec::as_slice)
    }

    /// All channels, planar.
    pub fn channels(&self) -> &[Vec<f32>] {
        &self.channels
    }

    /// Frames (samples per channel).
    pub fn frames(&self) -> usize {
        self.channels.first().map_or(0, Vec::len)
    }

    /// Samples per second.
    pub fn sample_rate(&self) -> u32 {
        self.sample_rate
    }

    /// Length in seconds.
    pub fn duration_secs(&self) -> f64 {
        self.frames() as f64 / f64::from(self.sample_rate)
    }

    /// The channel positions.
    pub fn layout(&self) -> &ChannelLayout {
        &self.layout
    }

    /// The average of the channels other than LFE (all of them when every
    /// channel is LFE), as the speech path's [`Audio`].
    pub fn to_mono(&self) -> Result<Audio> {
        let picked: Vec<&[f32]> = self
            .channels
            .iter()
            .zip(self.layout.positions())
            .filter(|(_, &p)| p != ChannelPosition::Lfe)
            .map(|(c, _)| c.as_slice())
            .collect();
        let picked = if picked.is_empty() {
            self.channels.iter().map(Vec::as_slice).collect()
        } else {
            picked
        };
        let mut mono = Vec::with_capacity(self.frames());
        super::downmix::planar_into(&picked, |s| s, &mut mono);
        Audio::from_mono(mono, self.sample_rate)
    }
}

/// The planar sink of the decoder: one `Vec` per channel, and the channel
/// mask of the first buffer (every later buffer must agree).
#[derive(Default)]
pub(super) struct Planes {
    planes: Vec<Vec<f32>>,
    mask: Option<Channels>,
}

impl Planes {
    fn into_audio(self, rate: u32) -> Result<MultichannelAudio> {
        let layout = match self.mask {
            Some(mask) => ChannelLayout::from_mask(mask)?,
            None => return Err(Error::EmptyInput { what: "audio" }),
        };
        MultichannelAudio::new(self.planes, rate, layout)
    }

    fn push<S: Sample + IntoSample<f32>>(&mut self, buf: &AudioBuffer<S>) {
        for (plane, src) in self.planes.iter_mut().zip(buf.planes().planes()) {
            plane.extend(src.iter().map(|&s| -> f32 { s.into_sample() }));
        }
    }
}

impl Sink for Planes {
    fn reserve(&mut self, frames: usize) {
        // The channel count is known only from the first buffer; reserve then.
        if let Some(first) = self.planes.first_mut() {
            first.reserve(frames);
        }
    }

    fn append(&mut self, decoded: &AudioBufferRef<'_>) -> Result<()> {
        let mask = decoded.spec().channels;
        match self.mask {
            None => {
                let count = mask.count();
                if count == 0 || count > MAX_CHANNELS {
                    return Err(Error::UnsupportedFormat {
                        what: "channel layout",
                        detail: format!(
                            "{count} channels: supported are 1 to {MAX_CHANNELS} (mono to 7.1)"
                        ),
                    });
                }
                self.planes = vec![Vec::new(); count];
                self.mask = Some(mask);
            }
            Some(known) if known != mask => {
                return Err(Error::CorruptInput {
                    what: "audio",
                    detail: "the channel layout changes mid-stream".into(),
                })
            }
            Some(_) => {}
        }
        match decoded {
            AudioBufferRef::U8(b) => self.push(b),
            AudioBufferRef::U16(b) => self.push(b),
            AudioBufferRef::U24(b) => self.push(b),
            AudioBufferRef::U32(b) => self.push(b),
            AudioBufferRef::S8(b) => self.push(b),
            AudioBufferRef::S16(b) => self.push(b),
            AudioBufferRef::S24(b) => self.push(b),
            AudioBufferRef::S32(b) => self.push(b),
            AudioBufferRef::F32(b) => self.push(b),
            AudioBufferRef::F64(b) => self.push(b),
        }
        Ok(())
    }

    fn frames(&self) -> usize {
        self.planes.first().map_or(0, Vec::len)
    }

    fn truncate(&mut self, frames: usize) {
        for p in &mut self.planes {
            p.truncate(frames);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;
    use hound::{SampleFormat, WavSpec, WavWriter};

    fn wav(channels: u16, rate: u32, frames: usize) -> Vec<u8> {
        let mut cursor = Cursor::new(Vec::new());
        let spec = WavSpec {
            channels,
            sample_rate: rate,
            bits_per_sample: 16,
            sample_format: SampleFormat::Int,
        };
        let mut w = WavWriter::new(&mut cursor, spec).unwrap();
        for i in 0..frames {
            for c in 0..channels {
                w.write_sample(((i as i32 * (c as i32 + 1)) % 2000 - 1000) as i16)
                    .unwrap();
            }
        }
        w.finalize().unwrap();
        cursor.into_inner()
    }

    #[test]
    fn decoding_keeps_channels_rate_and_order() {
        for (channels, layout) in [(1u16, "M"), (2, "L R"), (6, "L R C LFE Ls Rs")] {
            let bytes = wav(channels, 44_100, 777);
            let a = MultichannelAudio::from_bytes(&bytes, &DecodeOptions::default()).unwrap();
            assert_eq!(a.num_channels(), usize::from(channels));
            assert_eq!(a.sample_rate(), 44_100);
            assert_eq!(a.frames(), 777);
            assert_eq!(a.layout().to_string(), layout);
            for c in 0..usize::from(channels) {
                let expect = ((5 * (c as i32 + 1)) % 2000 - 1000) as f32 / 32_768.0;
                assert_eq!(a.channel(c).unwrap()[5], expect, "channel {c}");
            }
            // The speech path's downmix of the same bytes is the plain mean
            // (it keeps LFE); the style path's mono leaves LFE out.
            let mono = Audio::from_bytes(&bytes, &DecodeOptions::default()).unwrap();
            assert_eq!(mono.samples().len(), 777);
        }
    }

    #[test]
    fn layouts_beyond_seven_one_are_a_typed_error() {
        let bytes = wav(9, 48_000, 100);
        let err = MultichannelAudio::from_bytes(&bytes, &DecodeOptions::default()).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::UnsupportedFormat, "{err}");
        assert!(ChannelLayout::new(vec![ChannelPosition::FrontLeft; 2]).is_err());
    }

    #[test]
    fn constructors_refuse_ragged_and_non_finite_input() {
        assert_eq!(
            MultichannelAudio::from_planar(vec![vec![0.0; 3], vec![0.0; 2]], 48_000)
                .unwrap_err()
                .kind(),
            ErrorKind::InvalidArgument
        );
        assert_eq!(
            MultichannelAudio::from_planar(vec![vec![0.0, f32::NAN]], 48_000)
                .unwrap_err()
                .kind(),
            ErrorKind::NonFiniteSamples
        );
        assert_eq!(
            MultichannelAudio::from_interleaved(&[0.0; 3], 2, 48_000)
                .unwrap_err()
                .kind(),
            ErrorKind::InvalidArgument
        );
    }

    #[test]
    fn mono_mix_leaves_lfe_out() {
        let planes = vec![
            vec![0.6],
            vec![0.2],
            vec![0.1],
            vec![1.0],
            vec![0.0],
            vec![0.1],
        ];
        let a = MultichannelAudio::from_planar(planes, 48_000).unwrap();
        let m = a.to_mono().unwrap();
        assert!((m.samples()[0] - 0.2).abs() < 1e-6);
    }
}
