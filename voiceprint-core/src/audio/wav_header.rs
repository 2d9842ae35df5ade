//! A look at a WAV header before symphonia opens it, for two cases
//! symphonia 0.5 gets wrong.
//!
//! - A writer that cannot seek back (ffmpeg `-f wav -`, SoX and most
//!   recorders writing to stdout or a socket) leaves the `data` chunk length
//!   at the placeholder `0xFFFFFFFF` and simply stops writing at the end.
//!   symphonia takes it at face value (2^32 - 1 bytes of audio); the decoder
//!   must treat the length as unknown instead of calling the file truncated.
//! - A `fmt ` chunk with a sample rate of 0 makes symphonia panic (a zero
//!   time base); checking the rate first gives the caller
//!   [`crate::Error::InvalidSampleRate`] instead.

/// Bytes of a file's beginning looked at; the `fmt ` and `LIST` chunks that
/// come before `data` fit in far less.
pub(crate) const HEAD_LEN: usize = 4096;

/// Length placeholder of streaming writers (ffmpeg's `wavenc.c` and SoX).
const UNKNOWN_LEN: u32 = u32::MAX;

/// What the first bytes of a RIFF/WAVE file say.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct WavHeader {
    /// The `fmt ` chunk's sample rate, when the chunk lies within the head.
    pub sample_rate: Option<u32>,
    /// The `data` chunk length is the streaming placeholder.
    pub streamed: bool,
}

/// Read the header of `head`, the first bytes of an input; `None` when it is
/// not a RIFF/WAVE file.
pub(crate) fn parse(head: &[u8]) -> Option<WavHeader> {
    if head.get(0..4) != Some(b"RIFF") || head.get(8..12) != Some(b"WAVE") {
        return None;
    }
    let mut header = WavHeader::default();
    let mut pos = 12usize;
    // Each chunk: 4-byte id, u32 length, body.
    while let Some(chunk) = head.get(pos..).filter(|rest| rest.len() >= 8) {
        let (id, len) = (chunk.get(..4), read_u32_le(chunk, 4).unwrap_or(0));
        match id {
            // fmt: format tag u16, channels u16, sample rate u32, ...
            Some(b"fmt ") => header.sample_rate = read_u32_le(chunk, 12),
            Some(b"data") => {
                header.streamed = len == UNKNOWN_LEN;
                break;
            }
            _ => {}
        }
        // Chunks are padded to an even length (RIFF spec).
        let skip = u64::from(len) + u64::from(len & 1) + 8;
        match usize::try_from(skip).ok().and_then(|s| pos.checked_add(s)) {
            Some(next) => pos = next,
            None => break,
        }
    }
    Some(header)
}

fn read_u32_le(bytes: &[u8], at: usize) -> Option<u32> {
    let b: [u8; 4] = bytes.get(at..at.checked_add(4)?)?.try_into().ok()?;
    Some(u32::from_le_bytes(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(data_len: u32, with_list: bool) -> Vec<u8> {
        let mut h = b"RIFF\xff\xff\xff\xffWAVEfmt \x10\x00\x00\x00".to_vec();
        h.extend_from_slice(&[1, 0, 1, 0, 0x80, 0x3e, 0, 0, 0, 0x7d, 0, 0, 2, 0, 16, 0]);
        if with_list {
            h.extend_from_slice(b"LIST\x03\x00\x00\x00abc\x00");
        }
        h.extend_from_slice(b"data");
        h.extend_from_slice(&data_len.to_le_bytes());
        h
    }

    #[test]
    fn placeholder_data_length_is_streamed() {
        for with_list in [false, true] {
            let h = parse(&header(u32::MAX, with_list)).unwrap();
            assert_eq!(
                h,
                WavHeader {
                    sample_rate: Some(16_000),
                    streamed: true
                }
            );
        }
    }

    #[test]
    fn real_lengths_are_not_streamed() {
        let h = parse(&header(64_000, true)).unwrap();
        assert_eq!(h.sample_rate, Some(16_000));
        assert!(!h.streamed);
        // Cut before the data chunk: nothing known about it.
        assert!(!parse(&header(u32::MAX, true)[..40]).unwrap().streamed);
        // A chunk claiming 4 GiB ends the walk.
        let mut huge = b"RIFF\x00\x00\x00\x00WAVEjunk\xff\xff\xff\xff".to_vec();
        huge.extend_from_slice(b"data\xff\xff\xff\xff");
        assert_eq!(parse(&huge), Some(WavHeader::default()));
    }

    #[test]
    fn other_formats_are_not_wav() {
        assert_eq!(parse(b"fLaC\x00\x00\x00\x22"), None);
        assert_eq!(parse(b"RIFF"), None);
        assert_eq!(parse(b"RIFF\x24\x00\x00\x00AVI LIST"), None);
        assert_eq!(parse(b""), None);
    }
}
