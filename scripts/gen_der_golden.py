#!/usr/bin/env python3
"""Generate the golden fixture of the diarization error rate.

Run from the repository root with a throwaway venv that has pyannote.metrics:

    python3 -m venv /tmp/dervenv && /tmp/dervenv/bin/pip install pyannote.metrics
    /tmp/dervenv/bin/python scripts/gen_der_golden.py

Writes voiceprint-core/tests/fixtures/diarization/der_golden.json: reference
and hypothesis turns ``[start, end, label]`` of every case, and what
pyannote.metrics' ``DiarizationErrorRate(collar=c, skip_overlap=False)``
gives for them at collar 0 and 0.5 (the detailed components and the rate),
plus its optimal mapping at collar 0. ``voiceprint-core/tests/der_golden.rs``
compares ``diarization_error_rate`` with it.

Cases:
- random: seeded random pairs, 1-4 reference and 0-5 hypothesis speakers,
  turns that overlap (also turns of one speaker overlapping each other),
  hypothesis labels that sometimes reuse reference names, times to the
  millisecond;
- edge: empty reference or hypothesis, identical, one-speaker hypothesis;
- real: three conversations of ../shared/data/conversations-dev (the ones
  with most overlap) against perturbed copies of themselves: boundaries
  shifted, labels swapped on some turns, two speakers merged, one split.

Each turn is its own pyannote track, as ``load_rttm`` makes them, so two
turns of one speaker that overlap count twice, in pyannote and here.
The CI never runs this script; it reads the committed fixture.
"""

import json
import random
import sys
import warnings
from pathlib import Path

import pyannote.metrics
from pyannote.core import Annotation, Segment
from pyannote.metrics.diarization import DiarizationErrorRate

ROOT = Path(__file__).resolve().parent.parent
DEV = ROOT.parent / "shared" / "data" / "conversations-dev"
OUT = ROOT / "voiceprint-core" / "tests" / "fixtures" / "diarization" / "der_golden.json"
COLLARS = [0.0, 0.5]
REAL_FILES = ["conv07", "conv12", "conv15"]

warnings.filterwarnings("ignore", message=".*'uem' was approximated.*")


def ms(t):
    return round(t, 3)


def annotation(turns, uri):
    a = Annotation(uri=uri)
    for i, (s, e, label) in enumerate(turns):
        a[Segment(s, e), f"t{i}"] = label
    return a


def score(reference, hypothesis, name):
    ref = annotation(reference, name)
    hyp = annotation(hypothesis, name)
    results = {}
    for collar in COLLARS:
        metric = DiarizationErrorRate(collar=collar, skip_overlap=False)
        d = metric(ref, hyp, detailed=True)
        results[str(collar)] = {
            "total": d["total"],
            "correct": d["correct"],
            "confusion": d["confusion"],
            "missed_detection": d["missed detection"],
            "false_alarm": d["false alarm"],
            "der": d["diarization error rate"],
        }
    mapping = DiarizationErrorRate().optimal_mapping(ref, hyp)
    return {
        "name": name,
        "reference": [list(t) for t in reference],
        "hypothesis": [list(t) for t in hypothesis],
        "results": results,
        "mapping_collar_0": {str(k): str(v) for k, v in sorted(mapping.items())},
    }


def random_turns(rng, labels, n, length):
    turns = []
    for _ in range(n):
        s = ms(rng.uniform(0.0, length))
        e = ms(s + rng.uniform(0.05, 6.0))
        turns.append((s, e, rng.choice(labels)))
    return sorted(turns)


def random_cases(rng, count):
    cases = []
    for i in range(count):
        n_ref = rng.randint(1, 4)
        n_hyp = rng.randint(0, 5)
        ref_labels = [f"spk{k}" for k in range(n_ref)]
        # Sometimes a reference name on the wrong hypothesis speaker: the
        # mapping, not the names, must decide.
        hyp_labels = [f"spk{(k + 1) % 4}" if rng.random() < 0.3 else f"h{k}" for k in range(n_hyp)]
        hyp_labels = list(dict.fromkeys(hyp_labels))
        length = rng.uniform(5.0, 60.0)
        reference = random_turns(rng, ref_labels, rng.randint(1, 15), length)
        if hyp_labels:
            # Half the time a noisy copy of the reference, else independent.
            if rng.random() < 0.5:
                relabel = {r: rng.choice(hyp_labels) for r in ref_labels}
                hypothesis = []
                for s, e, r in reference:
                    if rng.random() < 0.15:
                        continue  # missed turn
                    s2 = ms(max(0.0, s + rng.uniform(-0.4, 0.4)))
                    e2 = ms(max(s2 + 0.05, e + rng.uniform(-0.4, 0.4)))
                    label = relabel[r] if rng.random() < 0.8 else rng.choice(hyp_labels)
                    hypothesis.append((s2, e2, label))
                hypothesis += random_turns(rng, hyp_labels, rng.randint(0, 3), length)
                hypothesis.sort()
            else:
                hypothesis = random_turns(rng, hyp_labels, rng.randint(1, 15), length)
        else:
            hypothesis = []
        cases.append(score(reference, hypothesis, f"random{i:02d}"))
    return cases


def edge_cases():
    r = [(0.0, 3.0, "a"), (2.5, 6.0, "b"), (6.0, 9.25, "a")]
    return [
        score(r, [], "edge_empty_hypothesis"),
        score([], r, "edge_empty_reference"),
        score(r, r, "edge_identical"),
        score(r, [(0.0, 9.25, "x")], "edge_one_speaker_hypothesis"),
        score(r, [(0.1, 2.9, "x"), (3.0, 6.1, "y"), (6.0, 9.0, "z"), (9.5, 10.0, "w")],
              "edge_more_hypothesis_speakers"),
        score([(0.0, 1.0, "a"), (0.5, 2.0, "a")], [(0.0, 2.0, "x")], "edge_self_overlap"),
    ]


def read_rttm(path):
    turns = []
    for line in path.read_text().splitlines():
        f = line.split()
        if f and f[0] == "SPEAKER":
            s, d = float(f[3]), float(f[4])
            turns.append((ms(s), ms(s + d), f[7]))
    return turns


def real_cases(rng):
    cases = []
    for name in REAL_FILES:
        reference = read_rttm(DEV / f"{name}.rttm")
        labels = sorted({t[2] for t in reference})
        shifted = []
        for s, e, r in reference:
            s2 = ms(max(0.0, s + rng.uniform(-0.3, 0.3)))
            e2 = ms(max(s2 + 0.05, e + rng.uniform(-0.3, 0.3)))
            shifted.append((s2, e2, f"S{labels.index(r)}"))
        swapped = [
            (s, e, rng.choice(labels) if rng.random() < 0.2 else r) for s, e, r in reference
        ]
        merged = [(s, e, labels[0] if r == labels[1] else r) for s, e, r in reference]
        split = [
            (s, e, f"{r}_b" if r == labels[-1] and rng.random() < 0.5 else r)
            for s, e, r in reference
        ]
        for kind, hyp in [("shifted", shifted), ("swapped", swapped), ("merged", merged),
                          ("split", split)]:
            cases.append(score(reference, hyp, f"{name}_{kind}"))
    return cases


def main():
    if not DEV.is_dir():
        sys.exit(f"{DEV} not found: the real cases need ../shared/data/conversations-dev")
    rng = random.Random(20261202)
    cases = random_cases(rng, 36) + edge_cases() + real_cases(rng)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    doc = {
        "generator": "scripts/gen_der_golden.py",
        "reference_implementation": f"pyannote.metrics {pyannote.metrics.__version__} "
        "DiarizationErrorRate(collar=c, skip_overlap=False)",
        "collars": COLLARS,
        "cases": cases,
    }
    OUT.write_text(json.dumps(doc, indent=1) + "\n")
    print(f"wrote {len(cases)} cases to {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
