//! Who spoke when, on the 16 simulated dev conversations of
//! `../shared/data/conversations-dev` (exact RTTM ground truth): the DER
//! (strict and with the usual ±0.25 s collar, scored as pyannote.metrics
//! scores it), the speaker count, known voices matched one to one, gender
//! per speaker, subtitle mode, and the typed errors of bad calls.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use voiceprint_core::audio::{Audio, DecodeOptions};
use voiceprint_core::cluster::{ClusterMethod, ClusterOptions, SpeakerCount};
use voiceprint_core::diarization::{
    corpus_der, diarization_error_rate, read_rttm, subtitles_from_spans, DerReport, Diarization,
    RttmTurn,
};
use voiceprint_core::embed::{AudioInput, OnnxSpeakerEncoder, SpeakerEncoder};
use voiceprint_core::store::MemoryStore;
use voiceprint_core::vad::SileroVad;
use voiceprint_core::{DiarizeOptions, Diarizer, DiarizerConfig, Error, Gender, Voiceprints};
use voiceprint_tests::{librispeech_dir, repo_root, require, runtime, setup_model};

/// The bars: DER at most 10 % strict, the exact speaker count in at
/// least 14 of 16 files, at least 95 % of clusters mapped to the right
/// known voice.
const MAX_STRICT_DER: f64 = 0.10;
const MIN_EXACT_COUNTS: usize = 14;
const MIN_KNOWN_ACCURACY: f64 = 0.95;
/// With all 251 LibriSpeech speakers enrolled the bar guards against
/// regressions only (90.9 % measured; see the README).
const MIN_OPEN_SET_ACCURACY: f64 = 0.85;

fn dev_dir() -> Option<PathBuf> {
    require(
        repo_root().join("../shared/data/conversations-dev"),
        "diarization dev conversations",
        "they are provided beside the checkout as ../shared/data (see its README)",
    )
}

struct Conversation {
    name: String,
    audio: PathBuf,
    reference: Vec<RttmTurn>,
    sexes: BTreeMap<String, Gender>,
}

fn conversations(dir: &Path) -> Vec<Conversation> {
    let manifest = std::fs::read_to_string(dir.join("manifest.tsv")).unwrap();
    let mut out = Vec::new();
    for line in manifest.lines().skip(1) {
        let f: Vec<&str> = line.split('\t').collect();
        let sexes = f[2]
            .split(',')
            .zip(f[3].split(','))
            .map(|(s, x)| {
                let g = if x == "F" {
                    Gender::Female
                } else {
                    Gender::Male
                };
                (s.to_string(), g)
            })
            .collect();
        out.push(Conversation {
            name: f[0].to_string(),
            audio: dir.join(format!("{}.flac", f[0])),
            reference: read_rttm(dir.join(format!("{}.rttm", f[0]))).unwrap(),
            sexes,
        });
    }
    assert_eq!(out.len(), 16, "expected 16 dev conversations");
    out
}

fn engines() -> Option<(Arc<OnnxSpeakerEncoder>, Arc<SileroVad>)> {
    let model = setup_model("ge2e-resemblyzer.onnx")?;
    let vad = setup_model("silero_vad.onnx")?;
    let rt = runtime();
    Some((
        Arc::new(OnnxSpeakerEncoder::from_preset(&model, "ge2e-resemblyzer", &rt).unwrap()),
        Arc::new(SileroVad::load(&vad, &rt).unwrap()),
    ))
}

fn score(conv: &Conversation, result: &Diarization, collar: f64) -> DerReport {
    diarization_error_rate(&conv.reference, &result.segments, collar).unwrap()
}

#[test]
fn dev_set_der_speaker_count_gender_and_known_voices() {
    let (Some(dir), Some((enc, vad))) = (dev_dir(), engines()) else {
        return;
    };
    let convs = conversations(&dir);
    let diarizer = Diarizer::new(enc.clone(), vad.clone()).unwrap();

    let mut strict = Vec::new();
    let mut collar = Vec::new();
    let mut exact = 0;
    let mut gender_right = 0;
    let mut gender_total = 0;
    let mut audio_seconds = 0.0;
    let mut wall = 0.0;
    println!("file    ref hyp  DER strict  DER collar");
    for conv in &convs {
        // Decoding is part of the timed work, as it is for a caller.
        let start = Instant::now();
        let result = diarizer
            .run(AudioInput::Path(&conv.audio), &DiarizeOptions::default())
            .unwrap();
        wall += start.elapsed().as_secs_f64();
        audio_seconds += result.duration;
        let s = score(conv, &result, 0.0);
        let c = score(conv, &result, 0.5);
        exact += usize::from(s.speaker_count_correct());
        for spk in &result.speakers {
            if let (Some(g), Some(truth)) = (
                spk.gender,
                s.mapping.get(&spk.label).and_then(|r| conv.sexes.get(r)),
            ) {
                gender_total += 1;
                gender_right += usize::from(g == *truth);
            }
        }
        println!(
            "{}  {:>3} {:>3}  {:>9.1} %  {:>9.1} %",
            conv.name,
            s.reference_speakers,
            s.hypothesis_speakers,
            100.0 * s.der(),
            100.0 * c.der()
        );
        strict.push(s);
        collar.push(c);
    }
    let total = corpus_der(&strict);
    let total_collar = corpus_der(&collar);
    println!(
        "DER strict {:.2} % (miss {:.2}, false alarm {:.2}, confusion {:.2}); with the 0.25 s collar \
         {:.2} %; speaker count exact in {exact} of {}; gender right for {gender_right} of \
         {gender_total} speakers; {:.0}x real time ({audio_seconds:.0} s in {wall:.1} s)",
        100.0 * total.der(),
        100.0 * total.missed_detection / total.total,
        100.0 * total.false_alarm / total.total,
        100.0 * total.confusion / total.total,
        100.0 * total_collar.der(),
        convs.len(),
        audio_seconds / wall,
    );
    assert!(
        total.der() <= MAX_STRICT_DER,
        "strict DER {:.2} % is above the bar of {:.0} %",
        100.0 * total.der(),
        100.0 * MAX_STRICT_DER
    );
    assert!(
        exact >= MIN_EXACT_COUNTS,
        "speaker count exact in {exact} files, the bar is {MIN_EXACT_COUNTS}"
    );

    // The other clustering method, for the record (the default is the one
    // that does better here).
    let spectral = Diarizer::with_config(
        enc.clone(),
        vad.clone(),
        DiarizerConfig {
            cluster: ClusterOptions {
                method: ClusterMethod::Spectral,
                ..DiarizerConfig::default().cluster
            },
            ..DiarizerConfig::default()
        },
    )
    .unwrap();
    let mut reports = Vec::new();
    let mut spectral_exact = 0;
    for conv in &convs {
        let result = spectral
            .run(AudioInput::Path(&conv.audio), &DiarizeOptions::default())
            .unwrap();
        let r = score(conv, &result, 0.0);
        spectral_exact += usize::from(r.speaker_count_correct());
        reports.push(r);
    }
    println!(
        "spectral clustering (eigengap): DER strict {:.2} %, speaker count exact in {spectral_exact} of {}",
        100.0 * corpus_der(&reports).der(),
        convs.len()
    );

    // Known voices: the held-out last 4 s of each speaker's utterance (audio
    // no conversation uses) is enrolled; each cluster should be named after
    // the reference speaker it covers, and an extra cluster stay unknown.
    // First the cast of the dev set (the 40 speakers of its conversations,
    // as a film's characters would be), then every LibriSpeech speaker
    // (251: an open set six times larger, where near-ties with strangers
    // appear).
    let Some(libri) = librispeech_dir() else {
        return;
    };
    let cast: std::collections::BTreeSet<String> =
        convs.iter().flat_map(|c| c.sexes.keys().cloned()).collect();
    let holdout = std::fs::read_to_string(dir.join("holdout.tsv")).unwrap();
    let mut tails = Vec::new();
    for line in holdout.lines().skip(1) {
        let f: Vec<&str> = line.split('\t').collect();
        let audio = Audio::from_path(libri.join(f[2]), &DecodeOptions::default()).unwrap();
        let d = audio.duration_secs();
        tails.push((
            f[0].to_string(),
            audio.slice_secs((d - 4.0).max(0.0), d).unwrap(),
        ));
    }
    for (set, min_accuracy) in [("cast", MIN_KNOWN_ACCURACY), ("all", MIN_OPEN_SET_ACCURACY)] {
        let store = Arc::new(MemoryStore::new(enc.model_id(), enc.dim()).unwrap());
        let known = Arc::new(Voiceprints::new(enc.clone(), store).unwrap());
        for (id, tail) in tails
            .iter()
            .filter(|(id, _)| set == "all" || cast.contains(id))
        {
            known.enroll(id, &[AudioInput::Audio(tail)]).unwrap();
        }
        let named = Diarizer::new(enc.clone(), vad.clone())
            .unwrap()
            .with_known(known.clone())
            .unwrap();
        let mut right = 0;
        let mut clusters = 0;
        for conv in &convs {
            let result = named
                .run(AudioInput::Path(&conv.audio), &DiarizeOptions::default())
                .unwrap();
            let report = score(conv, &result, 0.0);
            for spk in &result.speakers {
                clusters += 1;
                let truth = report.mapping.get(&spk.label);
                let ok = spk.known.as_ref().map(|k| &k.id) == truth;
                right += usize::from(ok);
                if !ok {
                    println!(
                        "{}: cluster {} (truth {:?}) named {:?}, best candidate {:?}",
                        conv.name, spk.label, truth, spk.known, spk.best_candidate
                    );
                }
            }
        }
        let accuracy = right as f64 / clusters.max(1) as f64;
        println!(
            "known voices ({} enrolled): {right} of {clusters} clusters named after their \
             reference speaker ({:.1} %)",
            known.len(),
            100.0 * accuracy
        );
        assert!(
            accuracy >= min_accuracy,
            "known-voice mapping with {set} enrolled: {:.1} % is below {:.0} %",
            100.0 * accuracy,
            100.0 * min_accuracy
        );
    }
}

#[test]
fn subtitle_lines_get_the_speaker_of_their_voice() {
    let (Some(dir), Some((enc, vad))) = (dev_dir(), engines()) else {
        return;
    };
    let diarizer = Diarizer::new(enc, vad).unwrap();
    let mut right = 0.0;
    let mut total = 0.0;
    for conv in conversations(&dir).iter().take(4) {
        // The reference turns as subtitle lines (as a dubbing script has them).
        let spans: Vec<(f64, f64)> = conv.reference.iter().map(|t| (t.start, t.end)).collect();
        let subs = subtitles_from_spans(&spans).unwrap();
        let result = diarizer
            .run(
                AudioInput::Path(&conv.audio),
                &DiarizeOptions {
                    subtitles: Some(&subs),
                    ..Default::default()
                },
            )
            .unwrap();
        let report = score(conv, &result, 0.0);
        // Every line has speech here, so every line gets a segment.
        assert_eq!(result.segments.len(), subs.len(), "{}", conv.name);
        for seg in &result.segments {
            let index = seg.subtitle_index.unwrap() as usize;
            let truth = &conv.reference[index - 1];
            assert!((seg.start - truth.start).abs() < 1e-3 && (seg.end - truth.end).abs() < 1e-3);
            total += seg.duration();
            if report.mapping.get(&seg.speaker) == Some(&truth.speaker) {
                right += seg.duration();
            }
        }
    }
    println!(
        "subtitle mode: {:.1} % of subtitle time given to the right speaker",
        100.0 * right / total
    );
    assert!(right / total >= 0.9, "{:.3}", right / total);
}

#[test]
fn silence_progress_cancellation_and_bad_calls() {
    let (Some(dir), Some((enc, vad))) = (dev_dir(), engines()) else {
        return;
    };
    let diarizer = Diarizer::new(enc, vad).unwrap();

    // Silence (and a faint noise floor) is an empty result, not an error.
    let quiet: Vec<f32> = (0..16_000 * 5)
        .map(|i| 1e-4 * ((i * 7919 % 1000) as f32 / 1000.0 - 0.5))
        .collect();
    let input = AudioInput::PcmF32 {
        samples: &quiet,
        sample_rate: 16_000,
    };
    let empty = diarizer.run(input, &DiarizeOptions::default()).unwrap();
    assert!(empty.is_empty() && empty.speakers.is_empty());
    assert_eq!(empty.speech_seconds, 0.0);
    assert!((empty.duration - 5.0).abs() < 1e-6);

    let conv = dir.join("conv09.flac");
    let audio = Audio::from_path(&conv, &DecodeOptions::default()).unwrap();
    let input = AudioInput::Audio(&audio);

    // Progress rises from 0 to 1; returning false cancels.
    let seen = Mutex::new(Vec::new());
    let record = |f: f32| {
        seen.lock().unwrap().push(f);
        true
    };
    let opts = DiarizeOptions {
        progress: Some(&record),
        ..Default::default()
    };
    diarizer.run(input, &opts).unwrap();
    let seen = seen.into_inner().unwrap();
    assert_eq!(seen.first(), Some(&0.0));
    assert_eq!(seen.last(), Some(&1.0));
    assert!(seen.windows(2).all(|w| w[0] <= w[1]), "{seen:?}");
    let calls = AtomicUsize::new(0);
    let stop = |_: f32| calls.fetch_add(1, Ordering::SeqCst) < 2;
    let opts = DiarizeOptions {
        progress: Some(&stop),
        ..Default::default()
    };
    assert!(matches!(diarizer.run(input, &opts), Err(Error::Cancelled)));

    // An exact count is honoured.
    let three = diarizer
        .run(
            input,
            &DiarizeOptions {
                count: SpeakerCount::exact(3),
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(three.num_speakers(), 3);

    let bad = |count: SpeakerCount| {
        diarizer.run(
            input,
            &DiarizeOptions {
                count,
                ..Default::default()
            },
        )
    };
    let invalid =
        |r: voiceprint_core::Result<Diarization>| matches!(r, Err(Error::InvalidArgument { .. }));
    assert!(invalid(bad(SpeakerCount::exact(0))));
    assert!(invalid(bad(SpeakerCount::exact(100_000))));
    assert!(invalid(bad(SpeakerCount {
        min: Some(4),
        max: Some(2),
        exact: None,
    })));

    // Subtitles past the end of the audio are refused with the line.
    let subs = subtitles_from_spans(&[(1.0, 2.0), (300.0, 302.0)]).unwrap();
    let err = diarizer
        .run(
            input,
            &DiarizeOptions {
                subtitles: Some(&subs),
                ..Default::default()
            },
        )
        .unwrap_err();
    assert!(matches!(err, Error::InvalidArgument { .. }), "{err}");
    assert!(err.to_string().contains("line 2"), "{err}");
}
