"""The FastAPI voiceprint service on real speech, through FastAPI's TestClient."""
import os
import pathlib
import statistics
import sys
import time

import pytest
from fastapi.testclient import TestClient

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parents[2]
AUDIO = ROOT / "examples" / "audio"
MODEL = ROOT / "models" / "ge2e-resemblyzer.onnx"
TOKEN = "test-token"


@pytest.fixture()
def client(tmp_path, monkeypatch):
    if not MODEL.exists():
        if os.environ.get("CI") in ("true", "1"):
            pytest.fail("model missing in CI")
        pytest.skip("run scripts/setup.sh first")
    monkeypatch.setenv("VOICEPRINT_DB", str(tmp_path / "api.db"))
    monkeypatch.setenv("VOICEPRINT_TOKEN", TOKEN)
    monkeypatch.setenv("VOICEPRINT_MAX_BYTES", str(400_000))
    sys.path.insert(0, str(HERE.parent))
    import app as service_app

    with TestClient(service_app.app) as c:
        c.headers["Authorization"] = f"Bearer {TOKEN}"
        yield c


def upload(name):
    return {"file": (name, (AUDIO / name).read_bytes(), "audio/flac")}


def test_register_identify_verify_delete_list(client):
    for s in ["103", "1034", "1040", "1069"]:
        r = client.post("/api/v1/voiceprint/register", data={"speaker_id": s}, files=upload(f"{s}-enroll.flac"))
        assert r.status_code == 200, r.text
        assert r.json()["enrollment_count"] == 1
    assert client.get("/api/v1/voiceprint/speakers").json() == {"speakers": ["103", "1034", "1040", "1069"]}
    r = client.post("/api/v1/voiceprint/identify", files=upload("1040-test.flac"))
    assert r.status_code == 200 and r.json()["speaker_id"] == "1040", r.text
    # Candidates exclude the true speaker: the answer is none below threshold.
    r = client.post("/api/v1/voiceprint/identify", data={"speaker_ids": "103,1069"}, files=upload("1040-test.flac"))
    body = r.json()
    assert body["speaker_id"] is None and {m["speaker_id"] for m in body["matches"]} <= {"103", "1069"}
    r = client.post("/api/v1/voiceprint/verify", data={"speaker_id": "1069"}, files=upload("1069-test.flac"))
    assert r.json()["accepted"] is True
    r = client.post("/api/v1/voiceprint/verify", data={"speaker_id": "1069", "threshold": "0.99"}, files=upload("1069-test.flac"))
    assert r.json()["accepted"] is False
    assert client.delete("/api/v1/voiceprint/1034").status_code == 200
    assert client.delete("/api/v1/voiceprint/1034").status_code == 404
    health = client.get("/api/v1/health").json()
    assert health["status"] == "ok" and health["speakers"] == 3 and health["model"] == "ge2e-resemblyzer"


def test_errors_map_to_http_status(client):
    assert client.post("/api/v1/voiceprint/verify", data={"speaker_id": "ghost"}, files=upload("103-test.flac")).status_code == 404
    bad = {"file": ("x.wav", b"not audio at all" * 100, "audio/wav")}
    r = client.post("/api/v1/voiceprint/register", data={"speaker_id": "x"}, files=bad)
    assert r.status_code == 400 and r.json()["error"] == "UnsupportedFormatError"
    big = {"file": ("big.wav", b"\0" * 500_000, "audio/wav")}
    assert client.post("/api/v1/voiceprint/register", data={"speaker_id": "x"}, files=big).status_code == 413
    txt = {"file": ("notes.txt", b"hello", "text/plain")}
    assert client.post("/api/v1/voiceprint/register", data={"speaker_id": "x"}, files=txt).status_code == 415
    anon = TestClient(client.app)
    assert anon.get("/api/v1/voiceprint/speakers").status_code == 401
    assert anon.get("/api/v1/voiceprint/speakers", headers={"Authorization": "Bearer wrong"}).status_code == 403
    assert anon.get("/api/v1/health").status_code == 200


def test_round_trip_timing_on_a_5s_librispeech_clip(client):
    """register + identify of a 5-s LibriSpeech clip (examples/audio/1081-5s.flac),
    median of 20 round trips through the service, printed (not asserted)."""
    data = (AUDIO / "1081-5s.flac").read_bytes()
    times = []
    for i in range(20):
        t0 = time.perf_counter()
        r1 = client.post("/api/v1/voiceprint/register", data={"speaker_id": f"spk{i}"},
                         files={"file": ("clip.flac", data, "audio/flac")})
        r2 = client.post("/api/v1/voiceprint/identify", files={"file": ("clip.flac", data, "audio/flac")})
        times.append(time.perf_counter() - t0)
        assert r1.status_code == 200 and r2.status_code == 200, (r1.text, r2.text)
        assert r2.json()["speaker_id"] is not None
    print(f"\nFastAPI register + identify round trip, 5-s LibriSpeech clip: median {1000 * statistics.median(times):.1f} ms over 20")
