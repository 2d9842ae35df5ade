//! A million-record SQLite store: `upsert_batch` rate, open time, resident
//! memory against the raw vector bytes, and batched / single search at that
//! size. Not a criterion bench (each step runs once, minutes in all):
//!
//! ```text
//! cargo bench -p voiceprint-benches --bench store_scale -- [RECORDS] [DIM]
//! ```

use std::time::Instant;

use voiceprint_benches::unit_vectors;
use voiceprint_core::store::{
    HnswOptions, HnswState, IndexOptions, Record, RecordMeta, SqliteStore, Storage, VectorStore,
};

/// Resident set size of this process, bytes (Linux; 0 elsewhere).
fn rss_bytes() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
        })
        .map_or(0, |kb| kb * 1024)
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    if args.first().map(String::as_str) == Some("open") {
        let dim = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(192);
        return open_and_search(std::path::Path::new(&args[1]), dim);
    }
    let n: usize = args
        .first()
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let dim: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(192);
    let dir = std::env::temp_dir().join(format!("vp-store-scale-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join("scale.db");
    let chunk = 100_000;
    {
        let store = SqliteStore::create_or_open(&path, "bench", dim).expect("store");
        let start = Instant::now();
        let mut done = 0;
        while done < n {
            let m = chunk.min(n - done);
            let records: Vec<Record> = unit_vectors(m, dim, done as u64 + 1)
                .into_iter()
                .enumerate()
                .map(|(i, vector)| Record {
                    id: format!("spk{:08}", done + i),
                    vector,
                    meta: RecordMeta::default(),
                })
                .collect();
            store.upsert_batch(records).expect("upsert_batch");
            done += m;
        }
        let secs = start.elapsed().as_secs_f64();
        println!(
            "upsert_batch: {n} x {dim} in {secs:.1} s = {:.0} records/s (chunks of {chunk}, vector generation included)",
            n as f64 / secs
        );
    }
    // Open in a fresh process, so the memory the writer freed cannot hide
    // in the allocator and flatter the figure.
    let status = std::process::Command::new(std::env::current_exe().expect("exe"))
        .arg("open")
        .arg(&path)
        .arg(dim.to_string())
        .status()
        .expect("child");
    assert!(status.success(), "the open step failed");
    let _ = std::fs::remove_dir_all(&dir);
}

/// The second half, in its own process: open, memory, searches, once for
/// each storage / scan option.
fn open_and_search(path: &std::path::Path, dim: usize) {
    let queries: Vec<f32> = unit_vectors(1000, dim, 0xfeed).concat();
    let mut reference: Option<Vec<Vec<voiceprint_core::Match>>> = None;
    for (name, options) in [
        (
            "f32 rows + i8 first pass (default)",
            IndexOptions::default(),
        ),
        (
            "f32 rows, plain f32 scan",
            IndexOptions {
                compressed_scan: false,
                ..Default::default()
            },
        ),
        (
            "f16 rows + i8 first pass",
            IndexOptions {
                storage: Storage::F16,
                ..Default::default()
            },
        ),
        (
            "HNSW (default HnswOptions), first open: built",
            hnsw_options(),
        ),
        (
            "HNSW (default HnswOptions), second open: loaded from the saved graph",
            hnsw_options(),
        ),
    ] {
        println!("-- {name}");
        let before = rss_bytes();
        let start = Instant::now();
        let store = SqliteStore::open_with(path, options).expect("open");
        let n = store.len();
        let open_secs = start.elapsed().as_secs_f64();
        let after = rss_bytes();
        let raw = (n * dim * 4) as f64;
        println!(
            "open: {n} records in {open_secs:.2} s; resident memory +{:.0} MB for {:.0} MB of raw vectors ({:.2}x); vectors and i8 copy {:.0} MB",
            (after.saturating_sub(before)) as f64 / 1e6,
            raw / 1e6,
            after.saturating_sub(before) as f64 / raw,
            store.index().vector_bytes() as f64 / 1e6,
        );
        let start = Instant::now();
        let hits = store.search_batch(&queries, 10, None).expect("batch");
        println!(
            "search_batch: 1000 queries, top-10, in {:.2} s ({} rayon threads)",
            start.elapsed().as_secs_f64(),
            rayon::current_num_threads()
        );
        let mut times: Vec<f64> = (0..20)
            .map(|i| {
                let q = &queries[i * dim..(i + 1) * dim];
                let t = Instant::now();
                let single = store.search(q, 10, None).expect("search");
                assert_eq!(single, hits[i], "batched and single results differ");
                t.elapsed().as_secs_f64()
            })
            .collect();
        times.sort_by(f64::total_cmp);
        println!(
            "search: single query median {:.1} ms (1 thread)",
            times[times.len() / 2] * 1e3
        );
        match &reference {
            None => reference = Some(hits),
            Some(r) => {
                let (mut same, mut total) = (0usize, 0usize);
                for (a, b) in r.iter().zip(&hits) {
                    total += a.len();
                    same += a.iter().filter(|m| b.iter().any(|h| h.id == m.id)).count();
                }
                println!(
                    "recall@10 against f32 rows: {:.4}",
                    same as f64 / total as f64
                );
            }
        }
        if let HnswState::Ready {
            records,
            memory_bytes,
            loaded_from_file,
        } = store.index().hnsw_state()
        {
            println!(
                "hnsw: {records} records, graph {:.0} MB, loaded from file: {loaded_from_file}",
                memory_bytes as f64 / 1e6
            );
        }
        let start = Instant::now();
        drop(store);
        println!(
            "close (saves a changed graph): {:.2} s",
            start.elapsed().as_secs_f64()
        );
    }
}

fn hnsw_options() -> IndexOptions {
    IndexOptions {
        compressed_scan: false,
        hnsw: Some(HnswOptions {
            min_records: 1,
            ..Default::default()
        }),
        ..Default::default()
    }
}
