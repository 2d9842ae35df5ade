#!/usr/bin/env bash
# Regenerate the small audio fixtures of voiceprint-core's decode tests.
#
#   apt-get install -y ffmpeg      # only this script needs it, never the tests
#   scripts/make_audio_fixtures.sh [SOURCE.flac]
#
# SOURCE defaults to LibriSpeech 103-1240-0000.flac in ../shared/data (16 kHz
# mono, CC BY 4.0). Writes voiceprint-core/tests/fixtures/audio/:
#   speech_2s.wav            2.0 s from 1.0 s, 16 kHz mono 16-bit PCM (the reference)
#   speech_2s.flac           the same samples, lossless
#   speech_2s.mp3            MPEG-2 Layer III 32 kb/s (LAME, Xing/Info header for gapless)
#   speech_2s.ogg            Vorbis, quality 2
#   speech_2s.m4a            AAC-LC 32 kb/s in MP4
#   speech_0.5s_44k_stereo.wav   0.5 s, 44.1 kHz, L = speech, R = speech / 2, 16-bit
#   speech_0.5s_f32.wav      0.5 s, 16 kHz mono 32-bit float
# The variants are 0.5 s long to keep all fixtures under 300 KB.
# The CI does not run this; it reads the committed files.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
src="${1:-$root/../shared/data/librispeech-train-clean-100/103-1240-0000.flac}"
out="$root/voiceprint-core/tests/fixtures/audio"
mkdir -p "$out"

# -bitexact and no metadata: the files do not change from run to run.
ff() { ffmpeg -hide_banner -loglevel error -y "$@"; }
common=(-map_metadata -1 -fflags +bitexact -flags:a +bitexact)

# Seek after -i so the cut is sample-exact.
ff -i "$src" -ss 1.0 -t 2.0 -ac 1 -ar 16000 -c:a pcm_s16le "${common[@]}" "$out/speech_2s.wav"
ff -i "$out/speech_2s.wav" -c:a flac "${common[@]}" "$out/speech_2s.flac"
ff -i "$out/speech_2s.wav" -c:a libmp3lame -b:a 32k "${common[@]}" "$out/speech_2s.mp3"
ff -i "$out/speech_2s.wav" -c:a libvorbis -q:a 2 "${common[@]}" "$out/speech_2s.ogg"
ff -i "$out/speech_2s.wav" -c:a aac -b:a 32k "${common[@]}" "$out/speech_2s.m4a"

ff -i "$src" -ss 1.0 -t 0.5 -af "aresample=44100,pan=stereo|c0=c0|c1=0.5*c0" \
    -c:a pcm_s16le "${common[@]}" "$out/speech_0.5s_44k_stereo.wav"
ff -i "$src" -ss 1.0 -t 0.5 -ac 1 -c:a pcm_f32le "${common[@]}" "$out/speech_0.5s_f32.wav"

ls -l "$out"
du -ch "$out"/* | tail -1
