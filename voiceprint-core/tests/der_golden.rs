//! The diarization error rate against pyannote.metrics'
//! `DiarizationErrorRate(collar=c, skip_overlap=False)` on 54 cases (random
//! pairs with overlaps, missing and extra speakers; edge cases; three real
//! dev conversations against perturbed copies), at collar 0 and 0.5.
//!
//! Fixture: `tests/fixtures/diarization/der_golden.json`, made by
//! `scripts/gen_der_golden.py` (see its header; CI never regenerates it).
//!
//! Metric: every component (seconds) and the rate within 1e-6 absolute;
//! the optimal mapping at collar 0 equal.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde_json::Value;
use voiceprint_core::diarization::{corpus_der, diarization_error_rate, DerReport};

const TOLERANCE: f64 = 1e-6;

fn fixture() -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/diarization/der_golden.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn turns(v: &Value) -> Vec<(f64, f64, String)> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t[0].as_f64().unwrap(),
                t[1].as_f64().unwrap(),
                t[2].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn components(r: &DerReport) -> [(&'static str, f64); 6] {
    let c = r.components;
    [
        ("total", c.total),
        ("correct", c.correct),
        ("confusion", c.confusion),
        ("missed_detection", c.missed_detection),
        ("false_alarm", c.false_alarm),
        ("der", r.der()),
    ]
}

#[test]
fn der_equals_pyannote_metrics() {
    let doc = fixture();
    let cases = doc["cases"].as_array().unwrap();
    assert!(cases.len() >= 50);
    let mut max_dev = 0.0f64;
    let mut worst = String::new();
    let mut failures = Vec::new();
    for collar in [0.0, 0.5] {
        let mut reports = Vec::new();
        for case in cases {
            let name = case["name"].as_str().unwrap();
            let reference = turns(&case["reference"]);
            let hypothesis = turns(&case["hypothesis"]);
            let got = diarization_error_rate(&reference, &hypothesis, collar).unwrap();
            let want = &case["results"][format!("{collar:?}")];
            for (field, value) in components(&got) {
                let expected = want[field].as_f64().unwrap();
                let dev = (value - expected).abs();
                if dev > max_dev {
                    max_dev = dev;
                    worst = format!("{name} collar {collar} {field}");
                }
                if dev > TOLERANCE {
                    failures.push(format!(
                        "{name} collar {collar} {field}: {value} vs pyannote {expected}"
                    ));
                }
            }
            if collar == 0.0 {
                let want: BTreeMap<String, String> =
                    serde_json::from_value(case["mapping_collar_0"].clone()).unwrap();
                if got.mapping != want {
                    failures.push(format!(
                        "{name} mapping {:?} vs pyannote {want:?}",
                        got.mapping
                    ));
                }
            }
            reports.push(got);
        }
        // Corpus level: the ratio of the sums, as pyannote's abs(metric).
        let sum = |f: &str| -> f64 {
            cases
                .iter()
                .map(|c| c["results"][format!("{collar:?}")][f].as_f64().unwrap())
                .sum()
        };
        let want = (sum("confusion") + sum("missed_detection") + sum("false_alarm")) / sum("total");
        let got = corpus_der(&reports).der();
        assert!(
            (got - want).abs() < TOLERANCE,
            "corpus DER at collar {collar}: {got} vs {want}"
        );
    }
    println!(
        "max deviation from pyannote.metrics over {} cases x 2 collars: {max_dev:e} ({worst})",
        cases.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The 16 dev references read with `read_rttm` (the project's own reader)
/// and scored against themselves and against a one-speaker hypothesis.
#[test]
fn dev_references_read_and_score() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/data/conversations-dev");
    if !dir.is_dir() {
        eprintln!(
            "skipping: {} not found (the shared data is not part of a clone)",
            dir.display()
        );
        return;
    }
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "rttm") {
            continue;
        }
        let turns = voiceprint_core::diarization::read_rttm(&path).unwrap();
        let files = voiceprint_core::diarization::turns_by_file(turns.clone());
        assert_eq!(files.len(), 1, "{}", path.display());
        let same = diarization_error_rate(&turns, &turns, 0.0).unwrap();
        assert_eq!(same.der(), 0.0);
        assert!(same.speaker_count_correct());
        let end = turns.iter().map(|t| t.end).fold(0.0, f64::max);
        let one = diarization_error_rate(&turns, &[(0.0, end, "S")], 0.5).unwrap();
        // Pauses are false alarm, the other speakers confusion, overlaps
        // (two reference speakers, one hypothesis) missed detection.
        assert!(one.der() > 0.0 && one.mapping.len() == 1);
        n += 1;
    }
    assert_eq!(n, 16);
}
