"""Raw-vector search on stores: exact kernels, f16 storage, the HNSW index."""

import numpy as np
import pytest

import voiceprint


def unit(n, dim, seed):
    v = np.random.default_rng(seed).standard_normal((n, dim)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def brute(vectors, q, k):
    scores = vectors @ q
    order = np.lexsort((np.arange(len(scores)), -scores))[:k]
    return [str(i) for i in order]


@pytest.fixture(scope="module")
def data():
    return unit(5000, 64, 1), unit(50, 64, 2)


def test_exact_search_and_batches_match_numpy(data):
    vectors, queries = data
    store = voiceprint.Store.memory("m", 64)
    store.upsert_vectors([str(i) for i in range(len(vectors))], vectors)
    assert len(store) == len(vectors)
    ids, scores = store.search_batch(queries, k=10)
    for q, got, sc in zip(queries, ids, scores):
        assert got == brute(vectors, q, 10)
        assert sc.dtype == np.float32 and sc.shape == (10,)
        one_ids, one_scores = store.search(q, k=10)
        assert one_ids == got
        np.testing.assert_array_equal(one_scores, sc)
    # Candidates restrict the answer.
    got, _ = store.search(queries[0], k=3, candidates=["1", "2", "3", "nope"])
    assert set(got) <= {"1", "2", "3"} and len(got) == 3
    plain = voiceprint.Store.memory("m", 64, compressed_scan=False)
    plain.upsert_vectors([str(i) for i in range(len(vectors))], vectors)
    assert plain.search_batch(queries, k=10)[0] == ids
    assert plain.vector_bytes < store.vector_bytes


def test_f16_storage_halves_memory_at_little_cost(data):
    vectors, queries = data
    half = voiceprint.Store.memory("m", 64, storage="f16", compressed_scan=False)
    full = voiceprint.Store.memory("m", 64, compressed_scan=False)
    for s in (half, full):
        s.upsert_vectors([str(i) for i in range(len(vectors))], vectors)
    assert half.storage == "f16"
    assert half.vector_bytes * 2 <= full.vector_bytes + 64
    a, _ = full.search_batch(queries, k=10)
    b, _ = half.search_batch(queries, k=10)
    recall = np.mean([len(set(x) & set(y)) / 10 for x, y in zip(a, b)])
    assert recall >= 0.98


def test_hnsw_index_switches_on_and_respects_removals(data):
    vectors, queries = data
    hnsw = voiceprint.HnswOptions(min_records=4000, expansion_search=128)
    assert hnsw.quantization == "f32" and hnsw.min_records == 4000
    store = voiceprint.Store.memory("m", 64, hnsw=hnsw)
    store.upsert_vectors([str(i) for i in range(3000)], vectors[:3000])
    assert store.hnsw_state() == {"state": "waiting", "min_records": 4000}
    store.upsert_vectors([str(i) for i in range(3000, 5000)], vectors[3000:])
    state = store.hnsw_state()
    assert state["state"] == "ready" and state["records"] == 5000
    ids, _ = store.search_batch(queries, k=10)
    recall = np.mean([len(set(got) & set(brute(vectors, q, 10))) / 10 for q, got in zip(queries, ids)])
    assert recall >= 0.95
    top = ids[0][0]
    assert store.remove(top)
    assert top not in store.search(queries[0], k=10)[0]
    store.rebuild_hnsw()


def test_sqlite_store_saves_and_loads_its_graph(tmp_path, data):
    vectors, queries = data
    path = tmp_path / "v.db"
    hnsw = voiceprint.HnswOptions(min_records=1000)
    store = voiceprint.Store.open(path, "m", 64, hnsw=hnsw)
    store.upsert_vectors([str(i) for i in range(2000)], vectors[:2000])
    want = store.search(queries[0], k=5)[0]
    store.flush()
    del store
    assert (tmp_path / "v.db.hnsw").is_file() and (tmp_path / "v.db.hnsw.keys").is_file()
    again = voiceprint.Store.open(path, hnsw=hnsw)
    assert again.hnsw_state()["loaded_from_file"] is True
    assert again.search(queries[0], k=5)[0] == want


def test_bad_inputs_raise_typed_errors(data):
    vectors, _ = data
    store = voiceprint.Store.memory("m", 64)
    with pytest.raises(voiceprint.DimensionMismatchError):
        store.upsert_vectors(["a"], vectors[:1, :10])
    with pytest.raises(voiceprint.InvalidArgumentError):
        store.upsert_vectors(["a", "b"], vectors[:1])
    with pytest.raises(voiceprint.InvalidArgumentError):
        store.search(vectors[:2], k=1)
    with pytest.raises(voiceprint.InvalidArgumentError):
        voiceprint.Store.memory("m", 64, storage="f8")
    with pytest.raises(voiceprint.InvalidArgumentError):
        voiceprint.HnswOptions(quantization="b1")
    with pytest.raises(voiceprint.InvalidArgumentError):
        voiceprint.Store.memory("m", 64, hnsw=voiceprint.HnswOptions(connectivity=1))
