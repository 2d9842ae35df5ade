//! [`Audio`] from raw interleaved PCM buffers handed over by a caller.

use super::buffer::Audio;
use super::downmix;
use super::limits::check_sample_rate;
use crate::{Error, Result};

/// `i16` to `f32` the way symphonia converts decoded 16-bit PCM, so a WAV
/// file and the same samples passed as a buffer give identical `Audio`.
#[inline]
pub(crate) fn i16_to_f32(s: i16) -> f32 {
    f32::from(s) / 32_768.0
}

impl Audio {
    /// Audio from interleaved `f32` PCM (`[L, R, L, R, ...]` for stereo),
    /// downmixed to mono by averaging the channels.
    ///
    /// Errors: [`Error::InvalidSampleRate`]; [`Error::InvalidArgument`] for
    /// zero channels or a length that is not a whole number of frames;
    /// [`Error::EmptyInput`]; [`Error::NonFiniteSamples`] with the index in
    /// `interleaved` of the first NaN or infinity.
    ///
    /// ```
    /// use voiceprint_core::audio::Audio;
    ///
    /// let audio = Audio::from_pcm_f32(&[0.5, -0.5, 1.0, 0.0], 48_000, 2)?;
    /// assert_eq!(audio.samples(), &[0.0, 0.5]);
    /// # Ok::<(), voiceprint_core::Error>(())
    /// ```
    pub fn from_pcm_f32(interleaved: &[f32], sample_rate: u32, channels: u16) -> Result<Audio> {
        let channels = check_layout(interleaved.len(), sample_rate, channels)?;
        if let Some(index) = interleaved.iter().position(|s| !s.is_finite()) {
            return Err(Error::NonFiniteSamples { index });
        }
        let mut mono = Vec::with_capacity(interleaved.len() / channels);
        downmix::interleaved_into(interleaved, channels, |s| s, &mut mono);
        Audio::from_mono(mono, sample_rate)
    }

    /// Audio from interleaved 16-bit PCM, scaled by 1/32768 to `[-1, 1)` and
    /// downmixed to mono by averaging the channels.
    ///
    /// Errors: as [`Audio::from_pcm_f32`], without the non-finite case.
    ///
    /// ```
    /// use voiceprint_core::audio::Audio;
    ///
    /// let audio = Audio::from_pcm_i16(&[16384, -32768], 8_000, 1)?;
    /// assert_eq!(audio.samples(), &[0.5, -1.0]);
    /// # Ok::<(), voiceprint_core::Error>(())
    /// ```
    pub fn from_pcm_i16(interleaved: &[i16], sample_rate: u32, channels: u16) -> Result<Audio> {
        let channels = check_layout(interleaved.len(), sample_rate, channels)?;
        let mut mono = Vec::with_capacity(interleaved.len() / channels);
        downmix::interleaved_into(interleaved, channels, i16_to_f32, &mut mono);
        Audio::from_mono(mono, sample_rate)
    }
}

/// Check rate, channel count and frame alignment; return the channel count.
fn check_layout(len: usize, sample_rate: u32, channels: u16) -> Result<usize> {
    check_sample_rate(sample_rate)?;
    let channels = usize::from(channels);
    if channels == 0 {
        return Err(Error::invalid_argument(
            "channels",
            "must be at least 1 (1 = mono, 2 = stereo, ...)",
        ));
    }
    if len == 0 {
        return Err(Error::EmptyInput { what: "audio" });
    }
    if !len.is_multiple_of(channels) {
        return Err(Error::invalid_argument(
            "interleaved",
            format!(
                "{len} samples is not a whole number of {channels}-channel frames; \
                 check the channel count or the end of the buffer"
            ),
        ));
    }
    Ok(channels)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;
    use proptest::prelude::*;

    #[test]
    fn i16_scales_by_32768() {
        let a = Audio::from_pcm_i16(&[0, 1, -1, i16::MAX, i16::MIN], 16_000, 1).unwrap();
        assert_eq!(
            a.samples(),
            &[0.0, 1.0 / 32768.0, -1.0 / 32768.0, 32767.0 / 32768.0, -1.0]
        );
    }

    #[test]
    fn f32_mono_is_kept_exactly() {
        let x = [0.1f32, -0.2, 0.3, 1.5];
        let a = Audio::from_pcm_f32(&x, 22_050, 1).unwrap();
        assert_eq!(a.samples(), &x);
        assert_eq!(a.sample_rate(), 22_050);
    }

    #[test]
    fn channels_are_averaged() {
        let a = Audio::from_pcm_f32(&[1.0, 0.0, 0.5, 0.5, 0.25, -0.25], 16_000, 2).unwrap();
        assert_eq!(a.samples(), &[0.5, 0.5, 0.0]);
        let a = Audio::from_pcm_i16(&[3, 6, 9, -3, -6, -9], 16_000, 3).unwrap();
        assert_eq!(a.samples().len(), 2);
        assert!((a.samples()[0] - 6.0 / 32768.0).abs() < 1e-9);
        assert!((a.samples()[1] + 6.0 / 32768.0).abs() < 1e-9);
    }

    #[test]
    fn layout_errors() {
        let e = Audio::from_pcm_f32(&[0.0; 4], 16_000, 0).unwrap_err();
        assert!(matches!(
            e,
            Error::InvalidArgument {
                name: "channels",
                ..
            }
        ));
        let e = Audio::from_pcm_i16(&[0; 5], 16_000, 2).unwrap_err();
        assert!(matches!(
            e,
            Error::InvalidArgument {
                name: "interleaved",
                ..
            }
        ));
        assert_eq!(
            Audio::from_pcm_f32(&[], 16_000, 1).unwrap_err().kind(),
            ErrorKind::EmptyInput
        );
        assert_eq!(
            Audio::from_pcm_i16(&[], 16_000, 2).unwrap_err().kind(),
            ErrorKind::EmptyInput
        );
        for rate in [0, 999, 384_001] {
            assert_eq!(
                Audio::from_pcm_i16(&[0], rate, 1).unwrap_err().kind(),
                ErrorKind::InvalidSampleRate
            );
            assert_eq!(
                Audio::from_pcm_f32(&[0.0], rate, 1).unwrap_err().kind(),
                ErrorKind::InvalidSampleRate
            );
        }
    }

    #[test]
    fn non_finite_reports_the_interleaved_index() {
        let e = Audio::from_pcm_f32(&[0.0, 0.0, 0.0, f32::NAN], 16_000, 2).unwrap_err();
        assert!(matches!(e, Error::NonFiniteSamples { index: 3 }), "{e}");
        let e = Audio::from_pcm_f32(&[f32::NEG_INFINITY], 16_000, 1).unwrap_err();
        assert!(matches!(e, Error::NonFiniteSamples { index: 0 }), "{e}");
        // Finite input whose channel sum overflows is caught on the mono side.
        let e = Audio::from_pcm_f32(&[f32::MAX, f32::MAX], 16_000, 2).unwrap_err();
        assert!(matches!(e, Error::NonFiniteSamples { index: 0 }), "{e}");
    }

    proptest! {
        #[test]
        fn mono_length_is_frames(
            frames in 1usize..300,
            channels in 1u16..9,
            seed in any::<i16>(),
        ) {
            let n = frames * usize::from(channels);
            let pcm: Vec<i16> = (0..n).map(|i| seed.wrapping_mul(i as i16)).collect();
            let a = Audio::from_pcm_i16(&pcm, 16_000, channels).unwrap();
            prop_assert_eq!(a.samples().len(), frames);
            prop_assert!(a.samples().iter().all(|s| (-1.0..1.0).contains(s)));
        }
    }
}
