import os
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
AUDIO = ROOT / "examples" / "audio"
LIBRISPEECH = ROOT.parent / "shared" / "data" / "librispeech-train-clean-100"


def _require(path: pathlib.Path, how: str) -> pathlib.Path:
    if path.exists():
        return path
    if os.environ.get("CI") in ("true", "1"):
        pytest.fail(f"{path} missing in CI: {how}")
    pytest.skip(f"{path} not found: {how}")


@pytest.fixture(scope="session")
def model_path() -> pathlib.Path:
    return _require(pathlib.Path(os.environ.get("VOICEPRINT_MODEL", ROOT / "models" / "ge2e-resemblyzer.onnx")),
                    "run scripts/setup.sh")


@pytest.fixture(scope="session")
def encoder(model_path):
    import voiceprint

    return voiceprint.SpeakerEncoder(model_path, "ge2e-resemblyzer", threads=1)


@pytest.fixture(scope="session")
def librispeech() -> pathlib.Path:
    return _require(LIBRISPEECH, "provided beside the checkout as ../shared/data")


def clip(name: str) -> pathlib.Path:
    return AUDIO / name


SPEAKERS = ["103", "1034", "1040", "1069"]
