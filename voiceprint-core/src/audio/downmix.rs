//! Downmix to mono by averaging channels, appending to one output `Vec`.
//!
//! Both layouts (interleaved PCM from callers, planar buffers from
//! symphonia) sum the channels in order from `0.0` and scale by
//! `1 / channels`, so the same frames give bit-identical samples whichever
//! way they arrive. Averaging (not summing) keeps the result in `[-1, 1]`,
//! as `librosa.to_mono` and ffmpeg's `-ac 1` do.

/// Append the channel average of each interleaved frame of `interleaved`.
///
/// `channels` must be at least 1; a trailing partial frame is ignored (the
/// callers check divisibility first). `to_f32` is the sample conversion.
pub(crate) fn interleaved_into<S: Copy>(
    interleaved: &[S],
    channels: usize,
    to_f32: impl Fn(S) -> f32,
    out: &mut Vec<f32>,
) {
    if channels <= 1 {
        out.extend(interleaved.iter().map(|&s| to_f32(s)));
        return;
    }
    let scale = 1.0 / channels as f32;
    out.extend(
        interleaved
            .chunks_exact(channels)
            .map(|frame| frame.iter().fold(0.0f32, |acc, &s| acc + to_f32(s)) * scale),
    );
}

/// Append the channel average of planar channels (all of the same length).
pub(crate) fn planar_into<S: Copy>(planes: &[&[S]], to_f32: impl Fn(S) -> f32, out: &mut Vec<f32>) {
    let [first, rest @ ..] = planes else {
        return;
    };
    if rest.is_empty() {
        out.extend(first.iter().map(|&s| to_f32(s)));
        return;
    }
    let start = out.len();
    out.extend(first.iter().map(|&s| 0.0f32 + to_f32(s)));
    let Some(dst) = out.get_mut(start..) else {
        return;
    };
    for plane in rest {
        for (o, &s) in dst.iter_mut().zip(plane.iter()) {
            *o += to_f32(s);
        }
    }
    let scale = 1.0 / planes.len() as f32;
    for o in dst.iter_mut() {
        *o *= scale;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn i16_to_f32(s: i16) -> f32 {
        f32::from(s) / 32_768.0
    }

    #[test]
    fn mono_passes_through_converted() {
        let mut out = vec![9.0];
        interleaved_into(&[16_384i16, -32_768], 1, i16_to_f32, &mut out);
        assert_eq!(out, [9.0, 0.5, -1.0]);
        let mut out = Vec::new();
        planar_into(&[&[16_384i16, -32_768][..]], i16_to_f32, &mut out);
        assert_eq!(out, [0.5, -1.0]);
    }

    #[test]
    fn interleaved_and_planar_agree_bit_for_bit() {
        let left: Vec<f32> = (0..97).map(|i| (i as f32 * 0.37).sin()).collect();
        let mid: Vec<f32> = (0..97).map(|i| (i as f32 * 0.11).cos() * 0.3).collect();
        let right: Vec<f32> = (0..97).map(|i| (i as f32 * 0.73).sin() * 0.9).collect();
        let interleaved: Vec<f32> = (0..97).flat_map(|i| [left[i], mid[i], right[i]]).collect();
        let (mut a, mut b) = (Vec::new(), Vec::new());
        interleaved_into(&interleaved, 3, |s| s, &mut a);
        planar_into(&[&left[..], &mid[..], &right[..]], |s| s, &mut b);
        assert_eq!(a.len(), 97);
        assert_eq!(a, b);
        let expected = (left[5] + mid[5] + right[5]) * (1.0 / 3.0);
        assert_eq!(a[5], expected);
    }

    #[test]
    fn stereo_is_the_mean_of_left_and_right() {
        let mut out = Vec::new();
        interleaved_into(&[16_384i16, 0, -16_384, -16_384], 2, i16_to_f32, &mut out);
        assert_eq!(out, [0.25, -0.5]);
    }

    #[test]
    fn no_planes_appends_nothing() {
        let mut out = vec![1.0];
        planar_into::<f32>(&[], |s| s, &mut out);
        assert_eq!(out, [1.0]);
    }
}
