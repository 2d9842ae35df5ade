//! Recognise WAV files written to a pipe.
//!
//! A writer that cannot seek back (ffmpeg `-f wav -`, SoX and most
//! recorders writing to stdout or a socket) leaves the `data` chunk length
//! at the placeholder `0xFFFFFFFF` and simply stops writing at the end.
//! symphonia takes the placeholder at face value (2^32 - 1 bytes of audio);
//! the decoder must treat the length as unknown instead of calling the file
//! truncated.

/// Bytes of a file's beginning looked at; the `fmt ` and `LIST` chunks that
/// come before `data` fit in far less.
pub(crate) const HEAD_LEN: usize = 4096;

/// Length placeholder of streaming writers (ffmpeg's `wavenc.c` and SoX).
const UNKNOWN_LEN: u32 = u32::MAX;

/// `true` when `head`, the first bytes of an input, is a RIFF/WAVE file whose
/// `data` chunk length is the streaming placeholder.
pub(crate) fn is_streamed_wav(head: &[u8]) -> bool {
    if head.get(0..4) != Some(b"RIFF") || head.get(8..12) != Some(b"WAVE") {
        return false;
    }
    let mut pos = 12usize;
    while let (Some(id), Some(len)) = (head.get(pos..pos + 4), read_u32_le(head, pos + 4)) {
        if id == b"data" {
            return len == UNKNOWN_LEN;
        }
        // Chunks are padded to an even length (RIFF spec).
        let skip = u64::from(len) + u64::from(len & 1) + 8;
        match usize::try_from(skip).ok().and_then(|s| pos.checked_add(s)) {
            Some(next) => pos = next,
            None => return false,
        }
    }
    false
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
        assert!(is_streamed_wav(&header(u32::MAX, false)));
        assert!(is_streamed_wav(&header(u32::MAX, true)));
    }

    #[test]
    fn real_lengths_and_other_formats_are_not() {
        assert!(!is_streamed_wav(&header(64_000, true)));
        assert!(!is_streamed_wav(b"fLaC\x00\x00\x00\x22"));
        assert!(!is_streamed_wav(b"RIFF"));
        assert!(!is_streamed_wav(&header(u32::MAX, true)[..40]));
        let mut huge_chunk = b"RIFF\x00\x00\x00\x00WAVEjunk\xff\xff\xff\xff".to_vec();
        huge_chunk.extend_from_slice(b"data\xff\xff\xff\xff");
        assert!(!is_streamed_wav(&huge_chunk));
    }
}
