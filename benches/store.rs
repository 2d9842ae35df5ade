//! Exact search over an in-memory store of unit vectors.

use criterion::{criterion_group, criterion_main, Criterion};
use voiceprint_benches::unit_vectors;
use voiceprint_core::store::{MemoryStore, Record, RecordMeta, Status, VectorStore};

/// The benchmark's vectors.
fn vectors(n: usize, dim: usize) -> Vec<Vec<f32>> {
    unit_vectors(n, dim, 0x9E37_79B9_7F4A_7C15)
}

fn search(c: &mut Criterion) {
    let mut g = c.benchmark_group("search_top10");
    for (n, dim) in [(10_000usize, 256usize), (100_000, 192)] {
        let store = MemoryStore::new("bench", dim).expect("store");
        for (i, v) in vectors(n, dim).into_iter().enumerate() {
            store
                .upsert(Record {
                    id: format!("spk{i:06}"),
                    vector: v,
                    meta: RecordMeta {
                        status: Status::Active,
                        created_at_ms: 0,
                        updated_at_ms: 0,
                        enrollment_count: 1,
                        labels: Default::default(),
                    },
                })
                .expect("upsert");
        }
        let q = vectors(1, dim).remove(0);
        g.bench_function(format!("{n}x{dim}"), |b| {
            b.iter(|| store.search(&q, 10, None).expect("search"))
        });
    }
    g.finish();
}

/// 1,000 queries over 100k x 192: the batched kernel on 1 and 2 threads,
/// against the same queries one `search` at a time.
fn search_batch(c: &mut Criterion) {
    let (n, dim, nq) = (100_000usize, 192usize, 1_000usize);
    let store = MemoryStore::new("bench", dim).expect("store");
    for (i, v) in vectors(n, dim).into_iter().enumerate() {
        store
            .upsert(Record {
                id: format!("spk{i:06}"),
                vector: v,
                meta: RecordMeta::default(),
            })
            .expect("upsert");
    }
    let queries: Vec<f32> = vectors(nq + 1, dim).split_off(1).concat();
    let mut g = c.benchmark_group("search_batch_1000x100000x192_top10");
    g.sample_size(10);
    for threads in [1usize, 2] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("pool");
        g.bench_function(format!("batched_{threads}_threads"), |b| {
            b.iter(|| pool.install(|| store.search_batch(&queries, 10, None).expect("batch")))
        });
    }
    g.bench_function("loop_of_single_searches_1_thread", |b| {
        b.iter(|| {
            queries
                .chunks_exact(dim)
                .map(|q| store.search(q, 10, None).expect("search"))
                .collect::<Vec<_>>()
        })
    });
    g.finish();
}

criterion_group!(benches, search, search_batch);
criterion_main!(benches);
