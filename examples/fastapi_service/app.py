"""The voiceprint REST API, rebuilt on the in-process library.

Run:  VOICEPRINT_TOKEN=secret uvicorn app:app --port 8000   (from this folder)

Environment:
  VOICEPRINT_MODEL      ONNX speaker model (default ../../models/ge2e-resemblyzer.onnx)
  VOICEPRINT_PRESET     model preset (default ge2e-resemblyzer)
  VOICEPRINT_DB         SQLite store file (default voiceprints.db)
  VOICEPRINT_TOKEN      bearer token; requests without it get 401, with a wrong one 403
  VOICEPRINT_MAX_BYTES  largest upload accepted (default 20 MiB)
  VOICEPRINT_THRESHOLD  accept threshold (default: the model's)

Endpoints (all under /api/v1):
  POST   /voiceprint/register   multipart speaker_id, file
  POST   /voiceprint/identify   multipart speaker_ids (comma-separated candidates, optional), file
  POST   /voiceprint/verify     multipart speaker_id, file, optional threshold
  DELETE /voiceprint/{speaker_id}
  GET    /voiceprint/speakers
  GET    /health
The model is loaded once at start-up. The library's calls block while they
decode and embed (with the GIL released), so the async endpoints hand them to
the thread pool (run_in_threadpool): requests then run in parallel and the
event loop stays free for uploads and health checks.
"""
import os
import pathlib
from contextlib import asynccontextmanager
from typing import Optional

from fastapi import Depends, FastAPI, File, Form, HTTPException, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

import voiceprint

HERE = pathlib.Path(__file__).resolve().parent
ALLOWED_TYPES = {
    "audio/wav", "audio/x-wav", "audio/wave", "audio/vnd.wave", "audio/flac", "audio/x-flac", "audio/mpeg",
    "audio/mp3", "audio/ogg", "audio/vorbis", "audio/mp4", "audio/x-m4a", "audio/m4a", "audio/aac",
    "application/octet-stream",
}
ALLOWED_SUFFIXES = {".wav", ".flac", ".mp3", ".ogg", ".m4a", ".mp4", ".aac"}

# Library errors and the HTTP status each maps to.
STATUS = [
    (voiceprint.SpeakerNotFoundError, 404),
    (voiceprint.InputTooLargeError, 413),
    (voiceprint.AudioTooLongError, 413),
    (voiceprint.UnsupportedFormatError, 400),
    (voiceprint.CorruptInputError, 400),
    (voiceprint.EmptyInputError, 400),
    (voiceprint.AudioTooShortError, 400),
    (voiceprint.NonFiniteSamplesError, 400),
    (voiceprint.InvalidSampleRateError, 400),
    (voiceprint.InvalidIdError, 400),
    (voiceprint.InvalidArgumentError, 400),
]


class Service:
    def __init__(self):
        model = pathlib.Path(os.environ.get("VOICEPRINT_MODEL", HERE.parent.parent / "models" / "ge2e-resemblyzer.onnx"))
        preset = os.environ.get("VOICEPRINT_PRESET", "ge2e-resemblyzer")
        threshold = os.environ.get("VOICEPRINT_THRESHOLD")
        self.token = os.environ.get("VOICEPRINT_TOKEN", "")
        self.max_bytes = int(os.environ.get("VOICEPRINT_MAX_BYTES", 20 * 1024 * 1024))
        self.encoder = voiceprint.SpeakerEncoder(model, preset)
        self.store = voiceprint.Store.open(os.environ.get("VOICEPRINT_DB", "voiceprints.db"), self.encoder.model_id, self.encoder.dim)
        self.vp = voiceprint.Voiceprints(self.encoder, self.store, float(threshold) if threshold else None)


@asynccontextmanager
async def lifespan(app: FastAPI):
    app.state.service = Service()
    yield


app = FastAPI(title="voiceprint", version=voiceprint.__version__, lifespan=lifespan)
bearer = HTTPBearer(auto_error=False)


def service(request: Request) -> Service:
    return request.app.state.service


def authorised(creds: Optional[HTTPAuthorizationCredentials] = Depends(bearer), svc: Service = Depends(service)) -> None:
    if not svc.token:
        return
    if creds is None:
        raise HTTPException(401, "missing bearer token", headers={"WWW-Authenticate": "Bearer"})
    if creds.credentials != svc.token:
        raise HTTPException(403, "invalid token")


@app.exception_handler(voiceprint.VoiceprintError)
async def voiceprint_error(_request: Request, exc: voiceprint.VoiceprintError):
    status = next((code for kind, code in STATUS if isinstance(exc, kind)), 500)
    return JSONResponse(status_code=status, content={"error": type(exc).__name__, "detail": str(exc)})


async def read_upload(file: UploadFile, svc: Service) -> bytes:
    suffix = pathlib.Path(file.filename or "").suffix.lower()
    if (file.content_type or "") not in ALLOWED_TYPES and suffix not in ALLOWED_SUFFIXES:
        raise HTTPException(415, f"unsupported upload type {file.content_type!r}")
    data = await file.read(svc.max_bytes + 1)
    if len(data) > svc.max_bytes:
        raise HTTPException(413, f"upload larger than {svc.max_bytes} bytes")
    if not data:
        raise HTTPException(400, "empty upload")
    return data


@app.get("/api/v1/health")
def health(svc: Service = Depends(service)):
    version, library = voiceprint.onnxruntime_info() or ("", "")
    return {"status": "ok", "model": svc.encoder.model_id, "dim": svc.encoder.dim, "speakers": len(svc.vp),
            "onnxruntime": version}


@app.post("/api/v1/voiceprint/register", dependencies=[Depends(authorised)])
async def register(speaker_id: str = Form(...), file: UploadFile = File(...), svc: Service = Depends(service)):
    data = await read_upload(file, svc)
    r = await run_in_threadpool(svc.vp.enroll, speaker_id, data)
    return {"speaker_id": r.speaker_id, "enrollment_count": r.enrollment_count, "updated": r.updated}


@app.post("/api/v1/voiceprint/identify", dependencies=[Depends(authorised)])
async def identify(file: UploadFile = File(...), speaker_ids: Optional[str] = Form(None), svc: Service = Depends(service)):
    data = await read_upload(file, svc)
    candidates = [s.strip() for s in speaker_ids.split(",") if s.strip()] if speaker_ids else None
    who = await run_in_threadpool(svc.vp.identify, data, k=5, candidates=candidates)
    best = who.best
    return {
        "speaker_id": best.speaker_id if best else None,
        "score": best.score if best else (who.matches[0].score if who.matches else None),
        "threshold": who.threshold,
        "matches": [{"speaker_id": m.speaker_id, "score": m.score} for m in who.matches],
    }


@app.post("/api/v1/voiceprint/verify", dependencies=[Depends(authorised)])
async def verify(speaker_id: str = Form(...), file: UploadFile = File(...), threshold: Optional[float] = Form(None),
                 svc: Service = Depends(service)):
    data = await read_upload(file, svc)
    v = await run_in_threadpool(svc.vp.verify, speaker_id, data, threshold=threshold)
    return {"speaker_id": speaker_id, "score": v.score, "threshold": v.threshold, "accepted": v.accepted, "status": v.status}


@app.delete("/api/v1/voiceprint/{speaker_id}", dependencies=[Depends(authorised)])
def delete(speaker_id: str, svc: Service = Depends(service)):
    if not svc.vp.remove(speaker_id):
        raise HTTPException(404, f"no speaker {speaker_id!r}")
    return {"deleted": speaker_id}


@app.get("/api/v1/voiceprint/speakers", dependencies=[Depends(authorised)])
def speakers(svc: Service = Depends(service)):
    return {"speakers": svc.vp.list()}
