//! Gender on real voices: 251 LibriSpeech speakers (125 female, 126 male),
//! one utterance each, GE2E voiceprints.
//!
//! - speaker-disjoint 5-fold cross-validation of `GenderClassifier::train`
//!   (whole utterances and their 2-s chunks as training rows): utterance
//!   accuracy asserted >= 98 %, 2-s chunk and per-speaker (chunks as a
//!   cluster) accuracy printed;
//! - the median-F0 baseline with the YIN tracker: the best threshold and
//!   its accuracy (an oracle figure: the threshold is chosen on the same data);
//! - the shipped GE2E head: bound to the preset's model id, >= 98 % on the
//!   utterances (it was trained on them, so this checks the file, not
//!   generalisation; the cross-validated figure is in its JSON).
//!
//! `cargo test -p voiceprint-tests --test gender -- --nocapture` prints the figures.

use std::collections::BTreeMap;
use std::time::Instant;

use voiceprint_core::audio::{Audio, DecodeOptions};
use voiceprint_core::embed::{Embedding, ModelSpec, OnnxSpeakerEncoder, SpeakerEncoder};
use voiceprint_core::features::{PitchOptions, PitchTracker};
use voiceprint_core::{Gender, GenderClassifier, GenderTrainOptions};
use voiceprint_tests::{librispeech_dir, librispeech_utterances, runtime, setup_model};

const MIN_ACCURACY: f32 = 0.98;
const FOLDS: usize = 5;
const CHUNK_SECONDS: f32 = 2.0;

struct Voice {
    speaker: String,
    female: bool,
    whole: Embedding,
    chunks: Vec<Embedding>,
    median_f0: Option<f32>,
}

fn load_voices(enc: &OnnxSpeakerEncoder) -> Option<Vec<Voice>> {
    let dir = librispeech_dir()?;
    let utts = librispeech_utterances(&dir);
    assert!(
        utts.len() >= 200,
        "expected 251 utterances, found {}",
        utts.len()
    );
    let yin = PitchTracker::new(16_000, PitchOptions::default()).unwrap();
    let (mut embed_secs, mut pitch_secs, mut audio_secs) = (0.0, 0.0, 0.0);
    let mut voices = Vec::new();
    for (path, speaker, sex) in utts {
        assert!(
            sex == 'F' || sex == 'M',
            "{speaker}: sex {sex:?} in SPEAKERS.TXT"
        );
        let audio = Audio::from_path(&path, &DecodeOptions::default()).unwrap();
        assert_eq!(audio.sample_rate(), 16_000);
        let d = audio.duration_secs();
        audio_secs += d;
        let n = (d / CHUNK_SECONDS).floor() as usize;
        let mut pieces = vec![audio.clone()];
        for i in 0..n {
            let t = i as f32 * CHUNK_SECONDS;
            pieces.push(audio.slice_secs(t, t + CHUNK_SECONDS).unwrap());
        }
        let start = Instant::now();
        let mut embs = enc.embed_audio_batch(&pieces).unwrap();
        embed_secs += start.elapsed().as_secs_f64();
        let start = Instant::now();
        let median_f0 = yin.median_f0(audio.samples()).unwrap();
        pitch_secs += start.elapsed().as_secs_f64();
        let whole = embs.remove(0);
        voices.push(Voice {
            speaker,
            female: sex == 'F',
            whole,
            chunks: embs,
            median_f0,
        });
    }
    println!(
        "{} utterances, {audio_secs:.0} s: embedded (whole and {CHUNK_SECONDS} s chunks) in {embed_secs:.1} s; \
         pitch in {:.2} s ({:.0}x real time, one thread, test profile)",
        voices.len(),
        pitch_secs,
        f64::from(audio_secs) / pitch_secs
    );
    Some(voices)
}

/// Fold of each voice: females and males dealt round robin in file order.
fn folds(voices: &[Voice]) -> Vec<usize> {
    let (mut f, mut m) = (0, 0);
    voices
        .iter()
        .map(|v| {
            let c = if v.female { &mut f } else { &mut m };
            *c += 1;
            (*c - 1) % FOLDS
        })
        .collect()
}

fn label(female: bool) -> Gender {
    if female {
        Gender::Female
    } else {
        Gender::Male
    }
}

#[derive(Default)]
struct Tally {
    correct: usize,
    total: usize,
    unknown: usize,
}

impl Tally {
    fn add(&mut self, p: voiceprint_core::GenderPrediction, female: bool) {
        self.total += 1;
        self.correct += usize::from((p.female_probability >= 0.5) == female);
        self.unknown += usize::from(p.gender == Gender::Unknown);
    }
    fn accuracy(&self) -> f32 {
        self.correct as f32 / self.total.max(1) as f32
    }
    fn show(&self) -> String {
        format!(
            "{:.2} % ({} of {}; {:.1} % inside the margin)",
            100.0 * self.accuracy(),
            self.correct,
            self.total,
            100.0 * self.unknown as f32 / self.total.max(1) as f32
        )
    }
}

fn cross_validate(model_id: &str, voices: &[Voice]) {
    let fold_of = folds(voices);
    let (mut utts, mut chunks, mut clusters) =
        (Tally::default(), Tally::default(), Tally::default());
    let mut wrong = Vec::new();
    for fold in 0..FOLDS {
        let mut rows: Vec<&[f32]> = Vec::new();
        let mut labels = Vec::new();
        for (v, _) in voices.iter().zip(&fold_of).filter(|(_, &f)| f != fold) {
            for e in std::iter::once(&v.whole).chain(&v.chunks) {
                rows.push(&e.vector);
                labels.push(label(v.female));
            }
        }
        let head =
            GenderClassifier::train(model_id, &rows, &labels, &GenderTrainOptions::default())
                .unwrap();
        for (v, _) in voices.iter().zip(&fold_of).filter(|(_, &f)| f == fold) {
            let p = head.predict(&v.whole).unwrap();
            utts.add(p, v.female);
            if (p.female_probability >= 0.5) != v.female {
                wrong.push((v, p.female_probability));
            }
            for c in &v.chunks {
                chunks.add(head.predict(c).unwrap(), v.female);
            }
            if !v.chunks.is_empty() {
                clusters.add(head.predict_many(&v.chunks).unwrap(), v.female);
            }
        }
    }
    println!("{FOLDS}-fold speaker-disjoint cross-validation, default options (margin 0.25):");
    println!("  whole utterances:        {}", utts.show());
    println!("  {CHUNK_SECONDS} s chunks:             {}", chunks.show());
    println!("  speakers from chunks:    {}", clusters.show());
    for (v, p) in &wrong {
        println!(
            "  misclassified: speaker {} ({}), P(female) {p:.3}, median F0 {:?} Hz",
            v.speaker,
            if v.female { "F" } else { "M" },
            v.median_f0.map(|f| f.round())
        );
    }
    assert!(
        utts.accuracy() >= MIN_ACCURACY,
        "cross-validated utterance accuracy {:.2} % is below {:.0} %",
        100.0 * utts.accuracy(),
        100.0 * MIN_ACCURACY
    );
}

/// The best single median-F0 threshold (female at or above it), searched
/// over 100–250 Hz in 1 Hz steps; unvoiced utterances count as errors.
fn f0_baseline(voices: &[Voice]) {
    let unvoiced = voices.iter().filter(|v| v.median_f0.is_none()).count();
    let accuracy = |t: f32| {
        voices
            .iter()
            .filter(|v| v.median_f0.is_some_and(|f| (f >= t) == v.female))
            .count() as f32
            / voices.len() as f32
    };
    let (best_t, best) = (100..=250)
        .map(|t| (t as f32, accuracy(t as f32)))
        .fold((0.0, 0.0), |a, b| if b.1 > a.1 { b } else { a });
    let median_of = |female: bool| {
        let mut f: Vec<f32> = voices
            .iter()
            .filter(|v| v.female == female)
            .filter_map(|v| v.median_f0)
            .collect();
        f.sort_by(f32::total_cmp);
        f.get(f.len() / 2).copied().unwrap_or(f32::NAN)
    };
    println!(
        "median-F0 baseline (YIN): best threshold {best_t} Hz, accuracy {:.2} %; at 165 Hz {:.2} %; \
         median of medians {:.0} Hz female, {:.0} Hz male; {unvoiced} utterances unvoiced",
        100.0 * best,
        100.0 * accuracy(165.0),
        median_of(true),
        median_of(false)
    );
    assert!(
        best > 0.75,
        "the median-F0 baseline should be far above chance, got {best}"
    );
}

fn shipped_head(enc: &OnnxSpeakerEncoder, voices: &[Voice]) {
    let head = GenderClassifier::for_ge2e().expect("the GE2E head is shipped");
    let preset = ModelSpec::preset("ge2e-resemblyzer").unwrap();
    assert_eq!(head.model_id(), preset.model_id);
    assert_eq!(head.model_id(), enc.model_id());
    assert_eq!(head.dim(), enc.dim());
    let (mut utts, mut chunks) = (Tally::default(), Tally::default());
    for v in voices {
        utts.add(head.predict(&v.whole).unwrap(), v.female);
        for c in &v.chunks {
            chunks.add(head.predict(c).unwrap(), v.female);
        }
    }
    let info = head.training_info();
    println!(
        "shipped head (trained on these speakers): utterances {}, {CHUNK_SECONDS} s chunks {}; \
         its JSON says CV utterance accuracy {:?}, chunk accuracy {:?}",
        utts.show(),
        chunks.show(),
        info.cv_utterance_accuracy,
        info.cv_chunk_accuracy
    );
    assert!(
        utts.accuracy() >= MIN_ACCURACY,
        "shipped head: {}",
        utts.show()
    );
}

#[test]
fn gender_on_librispeech_speakers() {
    let Some(model) = setup_model("ge2e-resemblyzer.onnx") else {
        return;
    };
    let enc = OnnxSpeakerEncoder::from_preset(&model, "ge2e-resemblyzer", &runtime()).unwrap();
    let Some(voices) = load_voices(&enc) else {
        return;
    };
    let by_sex: BTreeMap<bool, usize> = voices.iter().fold(BTreeMap::new(), |mut m, v| {
        *m.entry(v.female).or_default() += 1;
        m
    });
    println!("{by_sex:?} (false: male, true: female)");
    cross_validate(enc.model_id(), &voices);
    f0_baseline(&voices);
    shipped_head(&enc, &voices);
}
