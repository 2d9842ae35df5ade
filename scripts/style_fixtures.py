"""Ground-truth audio for the mix-style matcher: two music-like materials, each
rendered through known processing chains, with the exact band response of
every chain, so a test can check that voiceprint's style analysis recovers
what was done to the audio.

    python scripts/style_fixtures.py [OUT_DIR]     # default target/style-fixtures
    # needs numpy, scipy, soundfile (scripts/requirements-dev.txt)

Writes OUT_DIR/{A,B}_{style}.wav (48 kHz stereo 32-bit float, 12 s each),
OUT_DIR/manifest.json and OUT_DIR/README.txt. Deterministic (fixed seeds) and
idempotent: a rerun writes the same bytes.

Materials. A and B have different content and each has energy in every base-10
1/3-octave band from 25 Hz to 20 kHz: a LibriSpeech voice upsampled 16 -> 48
kHz in the centre (A: 103-1240-0000, B: 1034-121119-0000, the latter looped
since it is 7.9 s long) over a synthetic band: a decaying kick on the beat
(pitch falling to ~55 / ~50 Hz), sustained harmonic chord tones panned across
the image, pink noise partly correlated between the channels, and hi-hat
noise bursts high-passed at 6 kHz. B has its own seed, tempo and chord. Each
material is peak-normalised to -6 dBFS before any style is applied.

Styles. The EQ chains are RBJ audio-EQ-cookbook biquads (Robert
Bristow-Johnson, "Cookbook formulae for audio EQ biquad filter coefficients")
run with scipy.signal.sosfilt from rest; band_response_db in the manifest is
10*log10 of the mean |H(f)|^2 over each band (64 log-spaced points between the
band edges) plus the static gain. `limited` is non-linear (null response).
"""

import json
import sys
from pathlib import Path

import numpy as np
import soundfile as sf
from scipy import signal

ROOT = Path(__file__).resolve().parent.parent
LIBRISPEECH = ROOT.parent / "shared" / "data" / "librispeech-train-clean-100"

SR = 48000
SECONDS = 12.0
FRAMES = int(SR * SECONDS)
PEAK_DBFS = -6.0

# Base-10 third-octave bands (IEC 61260-1 / ANSI S1.11 base-ten system):
# fc = 1000 * 10^(k/10), edges fc * 10^(+-1/20); k = -16..13 is 25.1 Hz .. 19.95 kHz.
BAND_INDICES = range(-16, 14)
BANDS_HZ = [1000.0 * 10.0 ** (k / 10.0) for k in BAND_INDICES]
POINTS_PER_BAND = 64

MATERIALS = {
    # voice file, seed, tempo (BPM), kick end pitch (Hz), chord (Hz)
    "A": dict(voice="103-1240-0000", seed=1031, bpm=120.0, kick_hz=55.0,
              chord=(130.81, 164.81, 196.00, 261.63)),          # C major
    "B": dict(voice="1034-121119-0000", seed=1034, bpm=96.0, kick_hz=50.0,
              chord=(146.83, 174.61, 220.00, 293.66, 349.23)),  # D minor, five voices
}


# --- RBJ cookbook biquads ----------------------------------------------------

def _sos(b0, b1, b2, a0, a1, a2):
    return np.array([[b0 / a0, b1 / a0, b2 / a0, 1.0, a1 / a0, a2 / a0]])


def low_shelf(f0, gain_db, s=1.0, fs=SR):
    a = 10.0 ** (gain_db / 40.0)
    w0 = 2.0 * np.pi * f0 / fs
    cw, alpha = np.cos(w0), np.sin(w0) / 2.0 * np.sqrt((a + 1.0 / a) * (1.0 / s - 1.0) + 2.0)
    k = 2.0 * np.sqrt(a) * alpha
    return _sos(a * ((a + 1) - (a - 1) * cw + k), 2 * a * ((a - 1) - (a + 1) * cw), a * ((a + 1) - (a - 1) * cw - k),
                (a + 1) + (a - 1) * cw + k, -2 * ((a - 1) + (a + 1) * cw), (a + 1) + (a - 1) * cw - k)


def high_shelf(f0, gain_db, s=1.0, fs=SR):
    a = 10.0 ** (gain_db / 40.0)
    w0 = 2.0 * np.pi * f0 / fs
    cw, alpha = np.cos(w0), np.sin(w0) / 2.0 * np.sqrt((a + 1.0 / a) * (1.0 / s - 1.0) + 2.0)
    k = 2.0 * np.sqrt(a) * alpha
    return _sos(a * ((a + 1) + (a - 1) * cw + k), -2 * a * ((a - 1) + (a + 1) * cw), a * ((a + 1) + (a - 1) * cw - k),
                (a + 1) - (a - 1) * cw + k, 2 * ((a - 1) - (a + 1) * cw), (a + 1) - (a - 1) * cw - k)


def peaking(f0, gain_db, q, fs=SR):
    a = 10.0 ** (gain_db / 40.0)
    w0 = 2.0 * np.pi * f0 / fs
    cw, alpha = np.cos(w0), np.sin(w0) / (2.0 * q)
    return _sos(1 + alpha * a, -2 * cw, 1 - alpha * a, 1 + alpha / a, -2 * cw, 1 - alpha / a)


# Each style: (linear filter sections or None, static gain dB, limiter?).
STYLES = {
    "flat": (None, 0.0, False),
    "low_shelf": (low_shelf(100.0, 4.0), 0.0, False),
    "high_cut": (high_shelf(8000.0, -6.0), 0.0, False),
    "mid_dip": (peaking(1000.0, -6.0, 1.0), 0.0, False),
    "smile": (np.vstack([low_shelf(100.0, 4.0), high_shelf(6000.0, 5.0)]), 0.0, False),
    "lofi": (signal.butter(4, 4000.0, btype="low", fs=SR, output="sos"), 0.0, False),
    "limited": (None, 12.0, True),
    "gain_m6": (None, -6.0, False),
    "gain_p3": (None, 3.0, False),
    "gain_m12": (None, -12.0, False),
}

# Look-ahead peak limiter, stereo-linked.
LIMIT_CEILING_DBFS = -1.0
LIMIT_LOOKAHEAD_S = 0.005
LIMIT_RELEASE_S = 0.080


def band_response_db(sos, gain_db):
    out = []
    for fc in BANDS_HZ:
        f = np.geomspace(fc * 10.0 ** (-1 / 20), fc * 10.0 ** (1 / 20), POINTS_PER_BAND)
        if sos is None:
            p = 1.0
        else:
            _, h = signal.sosfreqz(sos, worN=f, fs=SR)
            p = float(np.mean(np.abs(h) ** 2))
        out.append(10.0 * np.log10(p) + gain_db)
    return out


def limit(x, ceiling_dbfs=LIMIT_CEILING_DBFS, lookahead_s=LIMIT_LOOKAHEAD_S, release_s=LIMIT_RELEASE_S):
    """Stereo-linked look-ahead peak limiter, latency-compensated (output aligned
    with the input). The gain needed at each sample is ceiling / peak (at most 1,
    peak over both channels); the target gain is the minimum of that over the next
    5 ms, reached at once (instant attack across the look-ahead window), and the
    gain recovers towards the target with a one-pole release, time constant 80
    ms. Since the gain never exceeds the target, no sample passes the ceiling."""
    ceiling = 10.0 ** (ceiling_dbfs / 20.0)
    peak = np.max(np.abs(x), axis=1)
    need = np.minimum(1.0, ceiling / np.maximum(peak, 1e-30))
    n_ahead = int(round(lookahead_s * SR))
    padded = np.concatenate([need, np.ones(n_ahead)])
    target = np.lib.stride_tricks.sliding_window_view(padded, n_ahead + 1).min(axis=1)
    c = float(np.exp(-1.0 / (release_s * SR)))
    gain = np.empty_like(target)
    g = 1.0
    for i, t in enumerate(target.tolist()):
        g = t if t < g else t + (g - t) * c
        gain[i] = g
    return x * gain[:, None]


# --- materials -----------------------------------------------------------------

def pan(mono, position):
    """Constant-power pan, position -1 (left) .. +1 (right)."""
    theta = (position + 1.0) * np.pi / 4.0
    return np.stack([mono * np.cos(theta), mono * np.sin(theta)], axis=1)


def pink(rng, n):
    spec = np.fft.rfft(rng.standard_normal(n))
    f = np.fft.rfftfreq(n, 1.0 / SR)
    spec *= 1.0 / np.sqrt(np.maximum(f, 15.0))  # 1/f power, held flat below 15 Hz
    spec[0] = 0.0
    y = np.fft.irfft(spec, n)
    return y / np.sqrt(np.mean(y ** 2))


def voice(name):
    x, sr = sf.read(LIBRISPEECH / f"{name}.flac", dtype="float64")
    assert sr == 16000 and x.ndim == 1, (name, sr, x.shape)
    x = signal.resample_poly(x, 3, 1)
    if len(x) < FRAMES:  # loop a short utterance with a 0.25 s gap
        x = np.concatenate([x, np.zeros(SR // 4)])
        x = np.tile(x, FRAMES // len(x) + 1)
    return x[:FRAMES] / np.max(np.abs(x[:FRAMES]))


def material(voice_name, seed, bpm, kick_hz, chord):
    rng = np.random.default_rng(seed)
    t = np.arange(FRAMES) / SR
    beat = 60.0 / bpm
    mix = np.zeros((FRAMES, 2))

    mix += 0.45 * pan(voice(voice_name), 0.0)

    # Kick: pitch falls from 2.5x to the end pitch in ~30 ms, amplitude decays
    # with a 150 ms time constant; one per beat, centre.
    kick = np.zeros(FRAMES)
    n_kick = int(0.6 * SR)
    tk = np.arange(n_kick) / SR
    freq = kick_hz * (1.0 + 1.5 * np.exp(-tk / 0.03))
    one = np.sin(2.0 * np.pi * np.cumsum(freq) / SR) * np.exp(-tk / 0.15)
    for start in np.arange(0.0, SECONDS, beat):
        i = int(start * SR)
        m = min(n_kick, FRAMES - i)
        kick[i:i + m] += one[:m]
    mix += 0.5 * pan(kick, 0.0)

    # Chord: harmonic tones (1/n partials up to 12 kHz) with a slow swell, each
    # panned and slightly detuned between the channels.
    swell = 0.6 + 0.4 * np.sin(2.0 * np.pi * t / (4.0 * beat))
    for j, f0 in enumerate(chord):
        position = -0.6 + 1.2 * j / max(1, len(chord) - 1)
        phases = rng.uniform(0.0, 2.0 * np.pi, size=(2, 64))
        for ch, detune in ((0, 1.0), (1, 1.0015)):
            tone = np.zeros(FRAMES)
            for n in range(1, int(12000.0 / f0) + 1):
                tone += np.sin(2.0 * np.pi * n * f0 * detune * t + phases[ch, n % 64]) / n
            gain = np.cos((position + 1.0) * np.pi / 4.0) if ch == 0 else np.sin((position + 1.0) * np.pi / 4.0)
            mix[:, ch] += 0.04 * gain * swell * tone

    # Pink noise: 60 % shared between channels, the rest independent, panned left of centre.
    common, left, right = pink(rng, FRAMES), pink(rng, FRAMES), pink(rng, FRAMES)
    noise = np.stack([0.6 * common + 0.4 * left, 0.6 * common + 0.4 * right], axis=1)
    mix += 0.05 * noise * np.array([1.1, 0.9])

    # Hi-hats: 4th-order Butterworth high-pass at 6 kHz on white noise, 8ths
    # with accents, 40 ms decay, right of centre.
    hp = signal.butter(4, 6000.0, btype="high", fs=SR, output="sos")
    n_hat = int(0.2 * SR)
    env = np.exp(-np.arange(n_hat) / SR / 0.04)
    hats = np.zeros(FRAMES)
    for k, start in enumerate(np.arange(0.0, SECONDS, beat / 2.0)):
        i = int(start * SR)
        m = min(n_hat, FRAMES - i)
        hit = signal.sosfilt(hp, rng.standard_normal(n_hat)) * env * (1.0 if k % 2 else 0.6)
        hats[i:i + m] += hit[:m]
    mix += 0.25 * pan(hats, 0.35)

    return mix * (10.0 ** (PEAK_DBFS / 20.0) / np.max(np.abs(mix)))


# libsndfile adds a PEAK chunk with a wall-clock timestamp to float WAV files,
# which would make every run's bytes differ; SFC_SET_ADD_PEAK_CHUNK (sndfile.h)
# turns it off. soundfile has no public call for it.
_SFC_SET_ADD_PEAK_CHUNK = 0x1050


def write_float_wav(path, y):
    with sf.SoundFile(path, "w", SR, y.shape[1], subtype="FLOAT", format="WAV") as f:
        sf._snd.sf_command(f._file, _SFC_SET_ADD_PEAK_CHUNK, sf._ffi.NULL, 0)
        f.write(y)


def render(x, style):
    sos, gain_db, limited = STYLES[style]
    y = x if sos is None else signal.sosfilt(sos, x, axis=0)
    y = y * 10.0 ** (gain_db / 20.0)
    if limited:
        y = limit(y)
    return y


def main(argv):
    out = Path(argv[1]) if len(argv) > 1 else ROOT / "target" / "style-fixtures"
    out.mkdir(parents=True, exist_ok=True)
    files = []
    for name, params in MATERIALS.items():
        x = material(params["voice"], params["seed"], params["bpm"], params["kick_hz"], params["chord"])
        for style, (sos, gain_db, limited) in STYLES.items():
            y = render(x, style).astype(np.float32)
            if limited:
                assert np.max(np.abs(y)) <= 10.0 ** (LIMIT_CEILING_DBFS / 20.0) * (1 + 1e-6)
            fname = f"{name}_{style}.wav"
            write_float_wav(out / fname, y)
            files.append({
                "file": fname,
                "material": name,
                "style": style,
                "gain_db": gain_db,
                "band_response_db": None if limited else [round(v, 6) for v in band_response_db(sos, gain_db)],
            })
    manifest = {
        "sample_rate": SR,
        "channels": 2,
        "bands_hz": [round(f, 6) for f in BANDS_HZ],
        "files": files,
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")
    (out / "README.txt").write_text(
        "Generated by scripts/style_fixtures.py (voiceprint): mix-style ground truth, see manifest.json.\n")
    print(f"{len(files)} files in {out}")


if __name__ == "__main__":
    main(sys.argv)
