"""Cuts the example clips in examples/audio/ from LibriSpeech (CC BY 4.0).

Run once with a Python that has numpy and soundfile:
    python scripts/make_example_audio.py ../shared/data/librispeech-train-clean-100
Four speakers (two female, two male); for each an enrolment clip and a
different test clip from the same utterance, 4 s each, 16 kHz FLAC; and
1081-5s.flac, 5 s of a fifth speaker.
"""
import sys
from pathlib import Path

import soundfile as sf

SPEAKERS = ["103-1240-0000", "1034-121119-0000", "1040-133433-0000", "1069-133699-0000"]


def main(src: Path, dst: Path) -> None:
    dst.mkdir(parents=True, exist_ok=True)
    for utt in SPEAKERS:
        wav, sr = sf.read(src / f"{utt}.flac", dtype="int16")
        spk = utt.split("-")[0]
        clip = 4 * sr
        sf.write(dst / f"{spk}-enroll.flac", wav[sr : sr + clip], sr)
        sf.write(dst / f"{spk}-test.flac", wav[-clip - sr : -sr], sr)
    # A 5-s clip of a fifth speaker, for the service round-trip timing.
    wav, sr = sf.read(src / "1081-125237-0000.flac", dtype="int16")
    sf.write(dst / "1081-5s.flac", wav[sr : 6 * sr], sr)


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(__file__).resolve().parent.parent / "examples" / "audio")
