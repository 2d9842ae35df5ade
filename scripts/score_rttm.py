"""Scores diarization hypotheses against the dev set's ground truth with
pyannote.metrics, the way benches/diarization_side_by_side.py does: DER strict
(no collar, overlapped speech scored) and with the usual +-0.25 s collar
(pyannote's collar=0.5 is the total width), accumulated over all files
(corpus level), and how many files got the exact speaker count.

  .venv-bench/bin/python scripts/score_rttm.py HYP_DIR [REF_DIR] [-v]

HYP_DIR holds one `convNN.rttm` per reference file (the file id inside is not
checked); a missing one scores as an empty hypothesis. REF_DIR defaults to
../shared/data/conversations-dev; its `convNN.flac` give the scored extent
(UEM), so speech a hypothesis puts after the audio ends is not counted.
The bench environment comes from benches/setup_diarization_peer.sh.
"""

import argparse
import glob
import os
import sys
import warnings

from pyannote.core import Annotation, Segment, Timeline
from pyannote.metrics.diarization import DiarizationErrorRate

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_REF_DIR = os.path.join(ROOT, "..", "shared", "data", "conversations-dev")

# pyannote's collar is the total width around each reference boundary.
COLLARS = {"strict": 0.0, "collar": 0.5}
COMPONENTS = ("missed detection", "false alarm", "confusion")


def parse_rttm(text, uri):
    """An Annotation of the SPEAKER lines of RTTM text (start and duration in
    fields 4 and 5, speaker in field 8)."""
    ann = Annotation(uri=uri)
    for n, line in enumerate(text.splitlines(), 1):
        fields = line.split()
        if not fields or fields[0] != "SPEAKER":
            continue
        if len(fields) < 8:
            raise ValueError(f"{uri}: RTTM line {n} has {len(fields)} fields, expected 10: {line!r}")
        start, duration = float(fields[3]), float(fields[4])
        if duration > 0:
            ann[Segment(start, start + duration), n] = fields[7]
    return ann


def load_rttm(path, uri=None):
    uri = uri or os.path.splitext(os.path.basename(path))[0]
    with open(path, encoding="utf-8") as f:
        return parse_rttm(f.read(), uri)


def write_rttm(path, ann):
    with open(path, "w", encoding="utf-8") as f:
        for seg, _, label in ann.itertracks(yield_label=True):
            f.write(f"SPEAKER {ann.uri} 1 {seg.start:.3f} {seg.duration:.3f} <NA> <NA> {label} <NA> <NA>\n")


def audio_seconds(path):
    import soundfile
    return soundfile.info(path).duration


def reference_files(ref_dir):
    """(uri, rttm path, audio path or None) of every convNN.rttm in ref_dir."""
    out = []
    for rttm in sorted(glob.glob(os.path.join(ref_dir, "*.rttm"))):
        uri = os.path.splitext(os.path.basename(rttm))[0]
        flac = os.path.join(ref_dir, uri + ".flac")
        out.append((uri, rttm, flac if os.path.isfile(flac) else None))
    return out


class Scores:
    """DER (strict and with collar) and speaker-count accuracy of one
    pipeline, per file and accumulated over the corpus."""

    def __init__(self, name):
        self.name = name
        self.metrics = {k: DiarizationErrorRate(collar=c, skip_overlap=False) for k, c in COLLARS.items()}
        self.files = []  # (uri, {kind: components}, n_ref, n_hyp)

    def add(self, uri, reference, hypothesis, duration=None):
        # Without a UEM pyannote guesses the extent from both annotations (and warns).
        uem = Timeline([Segment(0.0, duration)], uri=uri) if duration else None
        per_file = {}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for kind, metric in self.metrics.items():
                per_file[kind] = metric(reference, hypothesis, uem=uem, detailed=True)
        self.files.append((uri, per_file, len(reference.labels()), len(hypothesis.labels())))

    @property
    def count_exact(self):
        return sum(n_ref == n_hyp for _, _, n_ref, n_hyp in self.files)

    def der(self, kind):
        return abs(self.metrics[kind])

    def components(self, kind):
        """Corpus-level miss, false alarm, confusion as fractions of reference speech."""
        acc = self.metrics[kind].accumulated_
        return [acc[c] / acc["total"] if acc["total"] else 0.0 for c in COMPONENTS]


def _pct(x):
    return f"{100 * x:.1f} %"


def _row(cells):
    return "| " + " | ".join(cells) + " |"


HEADER = ["pipeline", "DER strict", "miss", "FA", "conf.", "DER collar", "miss", "FA", "conf.",
          "count exact", "x real time"]


def table(scores_list, xrt=None, per_file=False):
    """A markdown table, one row per pipeline (and per file when asked).
    xrt: {pipeline name: x real time}."""
    xrt = xrt or {}
    lines = [_row(HEADER), _row(["---"] + ["---:"] * (len(HEADER) - 1))]
    for s in scores_list:
        cells = [s.name]
        for kind in COLLARS:
            cells += [_pct(s.der(kind))] + [_pct(c) for c in s.components(kind)]
        cells += [f"{s.count_exact}/{len(s.files)}", f"{xrt[s.name]:.1f}x" if s.name in xrt else "-"]
        lines.append(_row(cells))
    if per_file:
        for s in scores_list:
            for uri, d, n_ref, n_hyp in s.files:
                cells = [f"{s.name} {uri}"]
                for kind in COLLARS:
                    total = d[kind]["total"] or 1.0
                    cells += [_pct(d[kind]["diarization error rate"])] + [_pct(d[kind][c] / total) for c in COMPONENTS]
                cells += [f"{n_hyp} (ref {n_ref})", "-"]
                lines.append(_row(cells))
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("hyp_dir")
    ap.add_argument("ref_dir", nargs="?", default=DEFAULT_REF_DIR)
    ap.add_argument("-v", "--per-file", action="store_true", help="also one row per file")
    ap.add_argument("--name", help="pipeline name in the table (default: HYP_DIR's name)")
    args = ap.parse_args()
    refs = reference_files(args.ref_dir)
    if not refs:
        sys.exit(f"no *.rttm in {args.ref_dir}")
    scores = Scores(args.name or os.path.basename(os.path.normpath(args.hyp_dir)))
    missing = []
    for uri, rttm, flac in refs:
        hyp_path = os.path.join(args.hyp_dir, uri + ".rttm")
        if os.path.isfile(hyp_path):
            hyp = load_rttm(hyp_path, uri)
        else:
            missing.append(uri)
            hyp = Annotation(uri=uri)
        scores.add(uri, load_rttm(rttm, uri), hyp, audio_seconds(flac) if flac else None)
    if missing:
        print(f"warning: no hypothesis for {', '.join(missing)}; scored as empty", file=sys.stderr)
    print(table([scores], per_file=args.per_file))


if __name__ == "__main__":
    main()
