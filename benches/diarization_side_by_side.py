"""Diarization side by side: voiceprint's Diarizer and the peer pipeline of
../shared/data/README.md over the same dev conversations, scored the same way
(scripts/score_rttm.py: pyannote.metrics DER strict and with a +-0.25 s
collar, corpus level; exact speaker count; x real time).

  benches/setup_diarization_peer.sh [--with-voiceprint]     # once
  .venv-bench/bin/python benches/diarization_side_by_side.py [--only peer|voiceprint]
      [--threads 1,2] [--peer-config readme,unrefined,best] [--per-file] [--write-rttm DIR]

The peer is Resemblyzer's continuous embeddings (4 per second) on its own
preprocess_wav (webrtcvad silence trimming), clustered by spectralcluster with
min_clusters=2, max_clusters=8 and the ICASSP 2018 refinement ("Speaker
Diarization with LSTM", Wang et al.; spectralcluster's configs.py) with Gaussian
blur sigma 1 and p-percentile 0.95, on one torch thread (--peer-config readme;
this literal configuration does not reproduce the README's figures, see
PEER_CONFIGS for the others). Each partial embedding's label covers the trimmed
audio nearest its centre, mapped back to the original timeline through the VAD
mask; the speech is what that mask keeps.

x real time is total audio seconds over the wall seconds of decode + VAD +
embeddings + clustering, model loading excluded (each pipeline is warmed up on
one file first, untimed). Timings are of a shared machine: rerun before quoting.
"""

import os

# One thread for the peer's BLAS (the eigendecomposition of spectralcluster),
# set before numpy loads; voiceprint's ONNX Runtime has its own thread pool.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402

import numpy as np  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "scripts"))
import score_rttm  # noqa: E402
from score_rttm import Annotation, Segment  # noqa: E402

DATA_DIR = os.path.normpath(os.path.join(ROOT, "..", "shared", "data", "conversations-dev"))


# --- peer: Resemblyzer + webrtcvad + spectralcluster -------------------------

# Peer clustering presets. "readme" is what ../shared/data/README.md names:
# Gaussian blur 1 and p-percentile 0.95 in spectralcluster's ICASSP 2018
# refinement sequence (its configs.py; "Speaker Diarization with LSTM", Wang
# et al. 2018), affinity matrix without a Laplacian. "unrefined" passes the
# same numbers but no refinement_sequence, so spectralcluster refines nothing
# (an easy mistake with its API; its speaker counts match the README's 7/16).
# "best" is the best of about 60 variants tried on this dev set: the same
# refinement with a hard threshold and the random-walk Laplacian.
# Measured (DER strict / collar, count exact): readme 47.9 % / 41.0 %, 4/16;
# unrefined 36.1 % / 28.6 %, 7/16; best 24.0 % / 15.7 %, 11/16; the README
# says 28.9 % / 24.0 %, 7/16.
PEER_CONFIGS = {
    "readme": dict(sequence="icassp2018", soft_multiplier=0.01, laplacian=None),
    "unrefined": dict(sequence=None, soft_multiplier=0.01, laplacian=None),
    "best": dict(sequence="icassp2018", soft_multiplier=0.0, laplacian="RandomWalk"),
}


class Peer:
    def __init__(self, config="readme", rate=4.0, min_clusters=2, max_clusters=8):
        import torch
        torch.set_num_threads(1)
        if torch.get_num_interop_threads() != 1:
            torch.set_num_interop_threads(1)  # allowed once per process, before any parallel work
        from resemblyzer import VoiceEncoder
        from spectralcluster import configs, refinement, LaplacianType, SpectralClusterer
        self.name = f"peer {config} 1thread"
        self.encoder = VoiceEncoder("cpu", verbose=False)
        self.rate = rate
        c = PEER_CONFIGS[config]
        self.clusterer = SpectralClusterer(
            min_clusters=min_clusters,
            max_clusters=max_clusters,
            refinement_options=refinement.RefinementOptions(
                gaussian_blur_sigma=1,
                p_percentile=0.95,
                thresholding_soft_multiplier=c["soft_multiplier"],
                thresholding_type=refinement.ThresholdType.RowMax,
                refinement_sequence=configs.ICASSP2018_REFINEMENT_SEQUENCE if c["sequence"] else None),
            laplacian_type=getattr(LaplacianType, c["laplacian"]) if c["laplacian"] else None,
            custom_dist="cosine")

    @staticmethod
    def preprocess(path):
        """Resemblyzer's preprocess_wav, also returning the per-sample VAD mask
        of what it keeps (audio.trim_long_silences, which returns only the
        trimmed audio): (audio at 16 kHz, mask, trimmed audio)."""
        import librosa
        import webrtcvad
        from resemblyzer import audio, hparams as hp
        from scipy.ndimage import binary_dilation

        wav, source_sr = librosa.load(path, sr=None)
        wav = librosa.resample(wav, orig_sr=source_sr, target_sr=hp.sampling_rate)
        wav = audio.normalize_volume(wav, hp.audio_norm_target_dBFS, increase_only=True)

        window = (hp.vad_window_length * hp.sampling_rate) // 1000
        wav = wav[:len(wav) - len(wav) % window]
        pcm = (np.round(wav * audio.int16_max)).astype(np.int16).tobytes()
        vad = webrtcvad.Vad(mode=3)
        flags = np.array([vad.is_speech(pcm[i * 2:(i + window) * 2], sample_rate=hp.sampling_rate)
                          for i in range(0, len(wav), window)])
        width = hp.vad_moving_average_width
        padded = np.concatenate((np.zeros((width - 1) // 2), flags, np.zeros(width // 2)))
        avg = np.cumsum(padded, dtype=float)
        avg[width:] = avg[width:] - avg[:-width]
        mask = np.round(avg[width - 1:] / width).astype(bool)
        mask = binary_dilation(mask, np.ones(hp.vad_max_silence_length + 1))
        mask = np.repeat(mask, window)
        return wav, mask, wav[mask]

    def check_preprocess(self, path):
        """That preprocess() keeps exactly what Resemblyzer's preprocess_wav keeps."""
        from resemblyzer import preprocess_wav
        ours = self.preprocess(path)[2]
        theirs = preprocess_wav(path)
        if ours.shape != theirs.shape or not np.allclose(ours, theirs):
            raise AssertionError(f"peer preprocessing differs from resemblyzer.preprocess_wav on {path}: "
                                 f"{ours.shape} vs {theirs.shape}")

    def diarize(self, path, uri, num_speakers=None):
        from resemblyzer import hparams as hp
        wav, mask, trimmed = self.preprocess(path)
        sr = hp.sampling_rate
        ann = Annotation(uri=uri)
        if len(trimmed) == 0:
            return ann
        _, partials, splits = self.encoder.embed_utterance(trimmed, return_partials=True, rate=self.rate)
        if num_speakers:
            self.clusterer.min_clusters = self.clusterer.max_clusters = num_speakers
        labels = self.clusterer.predict(partials)
        # Resemblyzer's demo02_diarization.py times a partial at its centre.
        centres = np.array([(s.start + s.stop) / 2 for s in splits])
        per_sample = labels[np.searchsorted((centres[1:] + centres[:-1]) / 2, np.arange(len(trimmed)))]
        kept = np.flatnonzero(mask)  # trimmed sample i is original sample kept[i]
        cut = np.flatnonzero((np.diff(kept) != 1) | (np.diff(per_sample) != 0)) + 1
        starts = np.concatenate(([0], cut))
        ends = np.concatenate((cut, [len(kept)])) - 1
        for a, b in zip(starts, ends):
            ann[Segment(kept[a] / sr, (kept[b] + 1) / sr)] = f"SPEAKER_{int(per_sample[a]):02d}"
        return ann.support(collar=0.0)


# --- voiceprint ---------------------------------------------------------------

class VoiceprintPipeline:
    def __init__(self, voiceprint, threads, model, vad, run_kwargs):
        self.name = f"voiceprint {threads}thread"
        enc = voiceprint.SpeakerEncoder(model, "ge2e-resemblyzer", threads=threads)
        self.diarizer = voiceprint.Diarizer(enc, vad=vad)
        self.run_kwargs = run_kwargs
        self.last = None

    def diarize(self, path, uri, num_speakers=None):
        kwargs = dict(self.run_kwargs)
        if num_speakers:
            kwargs["num_speakers"] = num_speakers
        res = self.diarizer.run(path, **kwargs)
        self.last = res
        ann = Annotation(uri=uri)
        for i, seg in enumerate(res.segments):
            if seg.end > seg.start:
                ann[Segment(float(seg.start), float(seg.end)), i] = seg.speaker
        return ann

    def rttm(self, uri):
        return self.last.to_rttm(uri)


def load_voiceprint():
    """The voiceprint module, or None with the reason it can't diarize."""
    try:
        import voiceprint
    except ImportError as e:
        return None, f"voiceprint is not installed in this environment ({e}); " \
                     "benches/setup_diarization_peer.sh --with-voiceprint installs it"
    if not hasattr(voiceprint, "Diarizer"):
        return None, f"this voiceprint ({getattr(voiceprint, '__file__', '?')}) has no Diarizer yet (issue 9); " \
                     "rebuild it with benches/setup_diarization_peer.sh --with-voiceprint"
    return voiceprint, None


# --- the run --------------------------------------------------------------------

def run_pipeline(pipe, files, scores, oracle_count, rttm_dir):
    """Diarizes every file, scores it; returns x real time."""
    uri, _, flac, _, ref = files[0]
    pipe.diarize(flac, uri, len(ref.labels()) if oracle_count else None)  # warm-up, untimed
    audio_total = wall_total = 0.0
    for uri, _, flac, duration, ref in files:
        t = time.perf_counter()
        hyp = pipe.diarize(flac, uri, len(ref.labels()) if oracle_count else None)
        wall_total += time.perf_counter() - t
        audio_total += duration
        scores.add(uri, ref, hyp, duration)
        if rttm_dir:
            folder = os.path.join(rttm_dir, pipe.name.replace(" ", "_"))
            os.makedirs(folder, exist_ok=True)
            path = os.path.join(folder, uri + ".rttm")
            if hasattr(pipe, "rttm"):
                with open(path, "w", encoding="utf-8") as f:
                    f.write(pipe.rttm(uri))
            else:
                score_rttm.write_rttm(path, hyp)
        print(f"  {pipe.name} {uri}: {len(hyp.labels())} speakers (ref {len(ref.labels())})", file=sys.stderr)
    return audio_total / wall_total


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", choices=["peer", "voiceprint"], help="run one pipeline only")
    ap.add_argument("--peer-config", default="readme",
                    help=f"peer clustering presets, comma separated, of {', '.join(PEER_CONFIGS)} (default readme)")
    ap.add_argument("--threads", default="1,2", help="voiceprint's thread counts, comma separated (default 1,2)")
    ap.add_argument("--per-file", action="store_true", help="also one row per file and pipeline")
    ap.add_argument("--write-rttm", metavar="DIR", help="write each pipeline's hypotheses to DIR/<pipeline>/convNN.rttm")
    ap.add_argument("--data", default=DATA_DIR, help="folder of convNN.flac + convNN.rttm (default %(default)s)")
    ap.add_argument("--oracle-count", action="store_true",
                    help="give both pipelines the true number of speakers (peer: min=max clusters, voiceprint: num_speakers=)")
    ap.add_argument("--min-speakers", type=int, help="voiceprint run(min_speakers=); default: the Diarizer's")
    ap.add_argument("--max-speakers", type=int, help="voiceprint run(max_speakers=); default: the Diarizer's")
    ap.add_argument("--model", default=os.path.join(ROOT, "models", "ge2e-resemblyzer.onnx"))
    ap.add_argument("--vad", default=os.path.join(ROOT, "models", "silero_vad.onnx"))
    args = ap.parse_args()
    warnings.filterwarnings("ignore")  # librosa/scipy deprecations inside Resemblyzer

    if not os.path.isdir(args.data):
        sys.exit(f"{args.data} not found: the dev conversations live in ../shared/data (see its README.md)")
    files = []
    for uri, rttm, flac in score_rttm.reference_files(args.data):
        if flac is None:
            sys.exit(f"{rttm} has no {uri}.flac beside it")
        files.append((uri, rttm, flac, score_rttm.audio_seconds(flac), score_rttm.load_rttm(rttm, uri)))
    audio_seconds = sum(f[3] for f in files)
    print(f"{len(files)} conversations, {audio_seconds:.1f} s of audio, from {os.path.normpath(args.data)}",
          file=sys.stderr)

    pipelines = []
    if args.only != "voiceprint":
        for config in args.peer_config.split(","):
            if config not in PEER_CONFIGS:
                sys.exit(f"unknown --peer-config {config!r}: one of {', '.join(PEER_CONFIGS)}")
            pipelines.append(("peer", config))
    if args.only != "peer":
        voiceprint, why = load_voiceprint()
        if voiceprint is None:
            if args.only == "voiceprint":
                sys.exit(why)
            print(f"skipping voiceprint: {why}. Running the peer alone.", file=sys.stderr)
        else:
            run_kwargs = {k: v for k, v in (("min_speakers", args.min_speakers),
                                            ("max_speakers", args.max_speakers)) if v is not None}
            for threads in (int(t) for t in args.threads.split(",")):
                pipelines.append(("voiceprint", (voiceprint, threads, run_kwargs)))

    all_scores, xrt = [], {}
    for kind, extra in pipelines:
        if kind == "peer":
            pipe = Peer(extra)
            pipe.check_preprocess(files[0][2])
        else:
            voiceprint, threads, run_kwargs = extra
            pipe = VoiceprintPipeline(voiceprint, threads, args.model, args.vad, run_kwargs)
        scores = score_rttm.Scores(pipe.name)
        xrt[pipe.name] = run_pipeline(pipe, files, scores, args.oracle_count, args.write_rttm)
        all_scores.append(scores)

    print(f"\n{len(files)} conversations, {audio_seconds:.1f} s; DER over all files (pyannote.metrics, "
          f"collar = +-0.25 s); count exact = files with the true number of speakers"
          f"{'; oracle speaker count' if args.oracle_count else ''}\n")
    print(score_rttm.table(all_scores, xrt, per_file=args.per_file))


if __name__ == "__main__":
    main()
