#!/usr/bin/env python3
"""Generate the golden fixtures of the `features` module (fbank and GE2E mel).

Run from the repository root with the project's Python tools venv:

    /work/pytools/bin/python scripts/gen_feature_golden.py \
        [--flac ../shared/data/librispeech-train-clean-100/103-1240-0000.flac]

Needs numpy, soundfile, librosa and kaldi-native-fbank (PyPI). Writes
voiceprint-core/tests/fixtures/features/:

- speech_2s_i16.raw      2.0 s of real speech (LibriSpeech 103-1240-0000, 1.0 s
                         to 3.0 s), 16 kHz mono, little-endian int16.
- fbank_<profile>_f32.raw  kaldi-native-fbank output for each profile below,
                         row-major [frames, dim], little-endian f32, before any
                         mean normalisation (the Rust test subtracts the mean
                         itself to check `FeatureNormalization::MeanOverTime`).
- ge2e_mel_f32.raw       Resemblyzer's `wav_to_mel_spectrogram` of the
                         excerpt after `normalize_volume(wav, -30, increase_only=True)`:
                         librosa linear mel power, [frames, 40].
- ge2e_mel_padded_f32.raw the same, after zero-padding the normalised wav to the
                         length Resemblyzer's `embed_utterance` pads it to.
- manifest.json          shapes, the options of every profile and Resemblyzer's
                         `compute_partial_slices` for a set of lengths and rates.

The CI never runs this script; it reads the committed fixtures.
"""

import argparse
import json
import math
import os
import sys

import kaldi_native_fbank as knf
import librosa
import numpy as np
import soundfile as sf

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(REPO, "voiceprint-core", "tests", "fixtures", "features")
# The repository is cloned beside `shared/`; a git worktree sits one level deeper.
FLAC_REL = os.path.join("shared", "data", "librispeech-train-clean-100", "103-1240-0000.flac")
DEFAULT_FLAC = next(
    (c for c in (os.path.join(REPO, "..", FLAC_REL), os.path.join(REPO, "..", "..", FLAC_REL))
     if os.path.exists(c)),
    os.path.join(REPO, "..", FLAC_REL),
)
SAMPLE_RATE = 16000

# Each profile: the kaldi-native-fbank options plus the scale applied to the
# [-1, 1] samples before they are fed (knf has no scale option; the Rust side
# has `FbankOptions::sample_scale`). Field names follow the Rust `FbankOptions`.
PROFILES = {
    # 3D-Speaker CAM++ / ERes2Net: speakerlab FBank -> torchaudio kaldi.fbank defaults.
    "three_d_speaker": dict(
        num_mel_bins=80, window="povey", snip_edges=True, high_freq=0.0,
        low_freq=20.0, sample_scale=1.0,
    ),
    # WeSpeaker: samples * (1 << 15), hamming window (wespeaker/cli/speaker.py).
    "wespeaker": dict(
        num_mel_bins=80, window="hamming", snip_edges=True, high_freq=0.0,
        low_freq=20.0, sample_scale=32768.0,
    ),
    # sherpa-onnx FeatureExtractorConfig defaults (normalize_samples = true).
    "sherpa_onnx": dict(
        num_mel_bins=80, window="povey", snip_edges=False, high_freq=-400.0,
        low_freq=20.0, sample_scale=1.0,
    ),
    # Hamming with Kaldi's reflection padding at the edges.
    "hamming_no_snip": dict(
        num_mel_bins=80, window="hamming", snip_edges=False, high_freq=0.0,
        low_freq=20.0, sample_scale=32768.0,
    ),
    # Less common corners: no power-of-two padding (400-point FFT), blackman,
    # no DC removal, no pre-emphasis, raw log energy in column 0, band limits.
    "blackman_energy_nopow2": dict(
        num_mel_bins=40, window="blackman", snip_edges=True, high_freq=7600.0,
        low_freq=64.0, sample_scale=1.0, round_to_power_of_two=False,
        remove_dc_offset=False, preemphasis=0.0, use_energy=True,
    ),
}

COMMON = dict(
    sample_rate=SAMPLE_RATE, frame_length_ms=25.0, frame_shift_ms=10.0,
    preemphasis=0.97, remove_dc_offset=True, round_to_power_of_two=True,
    use_energy=False, dither=0.0,
)


def knf_fbank(samples, p):
    o = knf.FbankOptions()
    fo = o.frame_opts
    fo.samp_freq = float(p["sample_rate"])
    fo.frame_length_ms = p["frame_length_ms"]
    fo.frame_shift_ms = p["frame_shift_ms"]
    fo.dither = p["dither"]
    fo.preemph_coeff = p["preemphasis"]
    fo.remove_dc_offset = p["remove_dc_offset"]
    fo.window_type = p["window"]
    fo.round_to_power_of_two = p["round_to_power_of_two"]
    fo.snip_edges = p["snip_edges"]
    o.mel_opts.num_bins = p["num_mel_bins"]
    o.mel_opts.low_freq = p["low_freq"]
    o.mel_opts.high_freq = p["high_freq"]
    o.use_energy = p["use_energy"]
    fb = knf.OnlineFbank(o)
    fb.accept_waveform(float(p["sample_rate"]), (samples * np.float32(p["sample_scale"])).astype(np.float32))
    fb.input_finished()
    return np.stack([np.asarray(fb.get_frame(i), dtype=np.float32) for i in range(fb.num_frames_ready)])


# --- Resemblyzer, re-stated (resemblyzer/audio.py and voice_encoder.py, v0.1.4).
INT16_MAX = (2 ** 15) - 1
PARTIAL_FRAMES = 160       # hparams.partials_n_frames
SAMPLES_PER_FRAME = 160    # sampling_rate * mel_window_step / 1000


def normalize_volume(wav, target_dbfs, increase_only):
    """audio.normalize_volume with decrease_only=False."""
    rms = np.sqrt(np.mean((wav * INT16_MAX) ** 2))
    change = target_dbfs - 20 * np.log10(rms / INT16_MAX)
    if change < 0 and increase_only:
        return wav
    return wav * (10 ** (change / 20))


def wav_to_mel_spectrogram(wav):
    """audio.wav_to_mel_spectrogram: librosa defaults, linear mel power."""
    frames = librosa.feature.melspectrogram(
        y=wav, sr=SAMPLE_RATE, n_fft=400, hop_length=160, n_mels=40
    )
    return frames.astype(np.float32).T


def compute_partial_slices(n_samples, rate, min_coverage):
    """VoiceEncoder.compute_partial_slices; returns the mel frame ranges."""
    n_frames = int(np.ceil((n_samples + 1) / SAMPLES_PER_FRAME))
    frame_step = int(np.round((SAMPLE_RATE / rate) / SAMPLES_PER_FRAME))
    assert 0 < frame_step <= PARTIAL_FRAMES
    mel = []
    steps = max(1, n_frames - PARTIAL_FRAMES + frame_step + 1)
    for i in range(0, steps, frame_step):
        mel.append((i, i + PARTIAL_FRAMES))
    start, stop = mel[-1][0] * SAMPLES_PER_FRAME, mel[-1][1] * SAMPLES_PER_FRAME
    coverage = (n_samples - start) / (stop - start)
    if coverage < min_coverage and len(mel) > 1:
        mel = mel[:-1]
    # embed_utterance pads the wav to wav_slices[-1].stop when that is longer.
    padded = max(n_samples, mel[-1][1] * SAMPLES_PER_FRAME)
    return mel, padded


def save_f32(name, a):
    a = np.ascontiguousarray(a, dtype="<f4")
    a.tofile(os.path.join(OUT, name))
    return {"file": name, "frames": int(a.shape[0]), "dim": int(a.shape[1])}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--flac", default=DEFAULT_FLAC)
    args = ap.parse_args()
    os.makedirs(OUT, exist_ok=True)

    pcm, sr = sf.read(args.flac, dtype="int16", start=SAMPLE_RATE, stop=3 * SAMPLE_RATE)
    assert sr == SAMPLE_RATE and pcm.ndim == 1 and len(pcm) == 2 * SAMPLE_RATE
    pcm.astype("<i2").tofile(os.path.join(OUT, "speech_2s_i16.raw"))
    # The Rust side reads the same int16 and divides by 32768, as soundfile does.
    wav = pcm.astype(np.float32) / np.float32(32768.0)

    manifest = {
        "source": "LibriSpeech train-clean-100 103-1240-0000.flac, 1.0 s to 3.0 s",
        "generator": "scripts/gen_feature_golden.py",
        "versions": {"kaldi_native_fbank": getattr(knf, "__version__", "unknown"),
                     "librosa": librosa.__version__, "numpy": np.__version__},
        "input": {"file": "speech_2s_i16.raw", "samples": int(len(pcm)), "sample_rate": SAMPLE_RATE},
        "fbank": {},
    }
    for name, prof in PROFILES.items():
        p = dict(COMMON, **prof)
        feats = knf_fbank(wav, p)
        entry = save_f32(f"fbank_{name}_f32.raw", feats)
        entry["options"] = p
        manifest["fbank"][name] = entry

    norm = normalize_volume(wav, -30, increase_only=True)
    manifest["ge2e"] = save_f32("ge2e_mel_f32.raw", wav_to_mel_spectrogram(norm))
    slices, padded = compute_partial_slices(len(norm), 1.3, 0.75)
    padded_wav = np.pad(norm, (0, padded - len(norm)), "constant")
    manifest["ge2e_padded"] = save_f32("ge2e_mel_padded_f32.raw", wav_to_mel_spectrogram(padded_wav))
    manifest["ge2e_padded"]["padded_samples"] = int(padded)
    manifest["ge2e_padded"]["slices"] = slices

    cases = []
    lengths = [0, 1, 159, 160, 161, 12000, 16000, 25599, 25600, 25601, 32000, 37920,
               40000, 44321, 123457, 480000]
    for rate, cov in [(1.3, 0.75), (0.625, 0.75), (1.0, 0.5), (2.0, 1.0), (10.0, 0.75)]:
        for n in lengths:
            mel, pad = compute_partial_slices(n, rate, cov)
            cases.append({"samples": n, "rate": rate, "min_coverage": cov,
                          "slices": mel, "padded_samples": pad})
    manifest["partial_slices"] = cases

    with open(os.path.join(OUT, "manifest.json"), "w") as f:
        # One line per top-level key keeps the file small yet diffable.
        f.write("{\n")
        f.write(",\n".join(f"{json.dumps(k)}: {json.dumps(v, separators=(',', ':'))}"
                            for k, v in manifest.items()))
        f.write("\n}\n")
    total = sum(os.path.getsize(os.path.join(OUT, n)) for n in os.listdir(OUT))
    print(f"wrote {OUT} ({total} bytes)", file=sys.stderr)


if __name__ == "__main__":
    main()
