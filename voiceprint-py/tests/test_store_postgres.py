"""The shared PostgreSQL store, with nodes in separate processes on one database.

Needs the server ``scripts/pg.sh start`` runs (``VOICEPRINT_TEST_PG_URL``);
skipped without it, except in CI, where it must run.
"""
import os
import pathlib
import signal
import subprocess
import sys
import textwrap
import time
import uuid

import numpy as np
import pytest

import voiceprint

ROOT = pathlib.Path(__file__).resolve().parents[2]
URL = os.environ.get("VOICEPRINT_TEST_PG_URL", "")
if not URL:
    if os.environ.get("CI"):
        raise RuntimeError("CI must run the PostgreSQL tests: set VOICEPRINT_TEST_PG_URL (scripts/pg.sh start)")
    pytest.skip("no PostgreSQL server (scripts/pg.sh start, then set VOICEPRINT_TEST_PG_URL)", allow_module_level=True)

MODEL = ROOT / "models" / "ge2e-resemblyzer.onnx"
AUDIO = ROOT / "examples" / "audio"
DIM = 16


def unit(n, seed, dim=DIM):
    v = np.random.default_rng(seed).standard_normal((n, dim)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


@pytest.fixture
def table():
    return "py_" + uuid.uuid4().hex[:12]


def node(script, table, *args):
    """A node: a separate Python process running `script` on the shared store."""
    code = textwrap.dedent(
        f"""
        import sys, time, numpy as np, voiceprint
        URL, TABLE, DIM = {URL!r}, {table!r}, {DIM}
        def unit(n, seed, dim=DIM):
            v = np.random.default_rng(seed).standard_normal((n, dim)).astype(np.float32)
            return v / np.linalg.norm(v, axis=1, keepdims=True)
        def say(*a):
            print(*a, flush=True)
        """
    ) + textwrap.dedent(script)
    return subprocess.Popen(
        [sys.executable, "-c", code, *map(str, args)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def wait_until(cond, timeout=5.0):
    end = time.time() + timeout
    while not cond():
        if time.time() > end:
            return False
        time.sleep(0.002)
    return True


def test_a_write_on_one_node_is_seen_on_another_within_200_ms(table):
    b = voiceprint.Store.open(URL, "m", DIM, table=table)
    a = node(
        """
        s = voiceprint.Store.open(URL, "m", DIM, table=TABLE)
        say("ready")
        for i in range(5):
            sys.stdin.readline()
            s.upsert_vectors([f"spk{i}"], unit(1, i))
            say(time.time())
        sys.stdin.readline()
        s.sync_now()
        say(",".join(s.list()))
        """,
        table,
    )
    assert a.stdout.readline().strip() == "ready", a.stderr.read()
    delays = []
    for i in range(5):
        a.stdin.write("go\n")
        a.stdin.flush()
        q = unit(1, i)[0]
        assert wait_until(lambda: f"spk{i}" in b.list()), f"spk{i} never reached node B"
        seen = time.time()
        committed = float(a.stdout.readline())
        delays.append(seen - committed)
        ids, scores = b.search(q, k=1)
        assert ids[0] == f"spk{i}" and scores[0] == pytest.approx(1.0, abs=1e-5)
    assert max(delays) < 0.2, delays
    # Removed on B, gone on A.
    assert b.remove("spk0")
    a.stdin.write("list\n")
    a.stdin.flush()
    assert a.stdout.readline().strip() == "spk1,spk2,spk3,spk4"
    assert a.wait(10) == 0, a.stderr.read()


def test_a_node_killed_mid_write_leaves_no_partial_batch(table):
    b = voiceprint.Store.open(URL, "m", DIM, table=table)
    n = 60000
    a = node(
        """
        s = voiceprint.Store.open(URL, "m", DIM, table=TABLE)
        ids = [f"r{i:06d}" for i in range(int(sys.argv[1]))]
        v = unit(len(ids), 7)
        say("writing")
        s.upsert_vectors(ids, v)
        say("done")
        """,
        table,
        n,
    )
    assert a.stdout.readline().strip() == "writing", a.stderr.read()
    time.sleep(0.15)
    a.send_signal(signal.SIGKILL)
    a.wait(10)
    b.sync_now()
    time.sleep(0.3)
    b.sync_now()
    assert len(b) in (0, n), len(b)
    again = voiceprint.Store.open(URL, table=table)
    assert len(again) == len(b)


def test_a_node_that_was_down_catches_up_and_a_server_restart_is_survived(table):
    b = voiceprint.Store.open(URL, "m", DIM, table=table)
    b.upsert_vectors(["before"], unit(1, 1))
    # Down: written while this node was not running; loaded on restart.
    subprocess.run(
        [sys.executable, "-c", f"import voiceprint, numpy as np; s = voiceprint.Store.open({URL!r}, table={table!r}); "
         f"v = np.ones((1, {DIM}), np.float32) / {DIM ** 0.5}; s.upsert_vectors(['while-down'], v)"],
        check=True,
    )
    restarted = voiceprint.Store.open(URL, table=table)
    assert restarted.list() == ["before", "while-down"]
    # The server restarts under running nodes: they reconnect and catch up.
    subprocess.run([str(ROOT / "scripts" / "pg.sh"), "restart"], check=True, stdout=subprocess.DEVNULL)
    writer = None
    for _ in range(50):
        try:
            writer = voiceprint.Store.open(URL, table=table)
            break
        except voiceprint.StoreError:
            time.sleep(0.1)
    assert writer is not None
    deadline = time.time() + 10
    while True:
        try:
            writer.upsert_vectors(["after-restart"], unit(1, 3))
            break
        except voiceprint.StoreError:
            assert time.time() < deadline
            time.sleep(0.1)
    assert wait_until(lambda: "after-restart" in b.list(), timeout=10), "node B did not catch up after the restart"
    assert wait_until(lambda: "after-restart" in restarted.list(), timeout=10)
    # And B can write again through its pool.
    b.upsert_vectors(["b-after"], unit(1, 4))
    assert wait_until(lambda: "b-after" in writer.list(), timeout=10)


@pytest.mark.skipif(not MODEL.exists(), reason="run scripts/setup.sh for the GE2E model")
def test_four_nodes_re_enrolling_one_speaker_count_every_utterance(table):
    enc = voiceprint.SpeakerEncoder(str(MODEL), "ge2e-resemblyzer")
    rounds = 5
    nodes = [
        node(
            f"""
            enc = voiceprint.SpeakerEncoder({str(MODEL)!r}, "ge2e-resemblyzer")
            vp = voiceprint.Voiceprints(enc, voiceprint.Store.open(URL, enc.model_id, enc.dim, table=TABLE))
            audio = {str(AUDIO / "103-enroll.flac")!r}
            say("ready")
            sys.stdin.readline()
            for _ in range({rounds}):
                vp.enroll("reader-103", [audio])
            say("done")
            """,
            table,
        )
        for _ in range(4)
    ]
    for p in nodes:
        assert p.stdout.readline().strip() == "ready", p.stderr.read()
    for p in nodes:
        p.stdin.write("go\n")
        p.stdin.flush()
    for p in nodes:
        assert p.stdout.readline().strip() == "done", p.stderr.read()
        assert p.wait(30) == 0
    store = voiceprint.Store.open(URL, enc.model_id, enc.dim, table=table)
    vp = voiceprint.Voiceprints(enc, store)
    info = vp.get("reader-103")
    assert info.enrollment_count == 4 * rounds
    # Every enrolment averaged the same utterance: the voiceprint is its embedding.
    assert float(np.dot(info.vector, enc.embed(str(AUDIO / "103-enroll.flac")))) > 0.999


def test_errors_name_the_server(table):
    with pytest.raises(voiceprint.StoreAuthError):
        voiceprint.Store.open(URL.replace(":voiceprint@", ":wrong@", 1), "m", DIM, table=table)
    with pytest.raises(voiceprint.StoreUnreachableError, match="127.0.0.1:1"):
        voiceprint.Store.open("postgresql://u:p@127.0.0.1:1/db", "m", DIM, connect_timeout=1.0)
    voiceprint.Store.open(URL, "m", DIM, table=table)
    with pytest.raises(voiceprint.ModelMismatchError):
        voiceprint.Store.open(URL, "other", DIM, table=table)
    with pytest.raises(voiceprint.InvalidArgumentError):
        voiceprint.Store.open(URL, "m", DIM, table="Bad-Name")
