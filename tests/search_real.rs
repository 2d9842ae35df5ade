//! Search on real speaker embeddings: GE2E voiceprints of 1.6-s windows of
//! the 251 LibriSpeech utterances (many windows per speaker: the clustered
//! shape of a speaker-ID store). The compressed exact scan must return the
//! plain f32 scan's top-10 exactly; the HNSW index and the f16 storage mode
//! are held to recall bars against it, and their figures printed.

use voiceprint_core::audio::{Audio, DecodeOptions};
use voiceprint_core::embed::OnnxSpeakerEncoder;
use voiceprint_core::store::{
    HnswOptions, HnswState, IndexOptions, MemoryStore, Record, RecordMeta, Storage, VectorStore,
};
use voiceprint_tests::{librispeech_dir, librispeech_utterances, runtime, setup_model};

const WINDOW_SECS: f32 = 1.6;
const HOP_SECS: f32 = 1.2;

fn store(options: IndexOptions, records: &[Record]) -> MemoryStore {
    let s = MemoryStore::with_options("ge2e-resemblyzer", 256, options).unwrap();
    s.upsert_batch(records.to_vec()).unwrap();
    s
}

#[test]
fn compressed_scan_hnsw_and_f16_on_real_embeddings() {
    let Some(model) = setup_model("ge2e-resemblyzer.onnx") else {
        return;
    };
    let Some(dir) = librispeech_dir() else { return };
    let enc = OnnxSpeakerEncoder::from_preset(&model, "ge2e-resemblyzer", &runtime()).unwrap();
    let mut records = Vec::new();
    for (path, spk, _) in librispeech_utterances(&dir) {
        let audio = Audio::from_path(&path, &DecodeOptions::default()).unwrap();
        let mut t = 0.0;
        while t + WINDOW_SECS <= audio.duration_secs() {
            let window = audio.slice_secs(t, t + WINDOW_SECS).unwrap();
            let e = enc.embed(&window).unwrap();
            records.push(Record {
                id: format!("{spk}-{:03}", records.len()),
                vector: e.vector,
                meta: RecordMeta::default(),
            });
            t += HOP_SECS;
        }
    }
    // Enough rows for the compressed first pass to be the one used.
    assert!(records.len() > 2048, "{} windows", records.len());
    let plain = store(
        IndexOptions {
            compressed_scan: false,
            ..Default::default()
        },
        &records,
    );
    let compressed = store(IndexOptions::default(), &records);
    let half = store(
        IndexOptions {
            storage: Storage::F16,
            ..Default::default()
        },
        &records,
    );
    let hnsw = store(
        IndexOptions {
            hnsw: Some(HnswOptions {
                min_records: 1,
                ..Default::default()
            }),
            ..Default::default()
        },
        &records,
    );
    assert!(matches!(hnsw.hnsw_state(), HnswState::Ready { .. }));
    let (mut total, mut half_found, mut hnsw_found) = (0usize, 0usize, 0usize);
    for r in records.iter().step_by(7) {
        let want = plain.search(&r.vector, 10, None).unwrap();
        assert_eq!(
            compressed.search(&r.vector, 10, None).unwrap(),
            want,
            "{}",
            r.id
        );
        let h = half.search(&r.vector, 10, None).unwrap();
        let g = hnsw.search(&r.vector, 10, None).unwrap();
        total += want.len();
        half_found += want
            .iter()
            .filter(|m| h.iter().any(|x| x.id == m.id))
            .count();
        hnsw_found += want.iter().filter(|m| g.contains(m)).count();
    }
    let (half_recall, hnsw_recall) = (
        half_found as f64 / total as f64,
        hnsw_found as f64 / total as f64,
    );
    eprintln!(
        "{} real GE2E windows of 251 speakers, {} queries: compressed scan equal to f32; \
         recall@10 f16 rows {half_recall:.4}, HNSW (defaults) {hnsw_recall:.4}",
        records.len(),
        total / 10
    );
    assert!(half_recall >= 0.98, "f16 recall@10 {half_recall}");
    assert!(hnsw_recall >= 0.99, "HNSW recall@10 {hnsw_recall}");
}
