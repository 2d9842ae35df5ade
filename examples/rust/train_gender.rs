//! Trains the gender head shipped for the GE2E preset (or one for another
//! model), measures it by speaker-disjoint cross-validation and writes it
//! as JSON.
//!
//! ```text
//! cargo run --release -p voiceprint-examples --example train_gender -- \
//!     ../shared/data/librispeech-train-clean-100 voiceprint-core/src/gender/ge2e-resemblyzer.json \
//!     [--model models/ge2e-resemblyzer.onnx] [--preset ge2e-resemblyzer] [--l2 1e-4] [--folds 5]
//! ```
//!
//! DATA_DIR holds `SPEAKERS.TXT` (LibriSpeech's: `ID | SEX | ...`) and
//! `SPEAKER-CHAPTER-UTTERANCE.flac` files. Training rows are each whole
//! utterance and its consecutive 2-s and 4-s chunks (a diarizer predicts on
//! short segments and on clusters of them). Cross-validation: `--folds`
//! folds of speakers, stratified by sex; every figure is on speakers the
//! fold's head never saw. It prints a sweep of the L2 penalty, then trains
//! on everything with `--l2` and writes the head with the command, the
//! data hash and the cross-validated accuracy.
//!
//! The data hash is sha256 over the bytes of `SPEAKERS.TXT`, then for each
//! `.flac` file in name order: its file name, a NUL byte, its bytes.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use sha2::{Digest, Sha256};
use voiceprint_core::audio::{Audio, DecodeOptions};
use voiceprint_core::embed::{Embedding, OnnxSpeakerEncoder, SpeakerEncoder};
use voiceprint_core::runtime::RuntimeConfig;
use voiceprint_core::{Gender, GenderClassifier, GenderTrainOptions, Result};

/// Chunk lengths cut from every utterance for training, seconds.
const TRAIN_CHUNKS: [f32; 2] = [2.0, 4.0];
/// The chunk length the chunk accuracy is measured on, seconds.
const EVAL_CHUNK: f32 = 2.0;
/// Penalties the sweep tries.
const L2_SWEEP: [f32; 7] = [1e-2, 3e-3, 1e-3, 3e-4, 1e-4, 3e-5, 1e-5];

struct Options {
    data: PathBuf,
    out: PathBuf,
    model: PathBuf,
    preset: String,
    l2: f32,
    folds: usize,
}

fn parse_args() -> std::result::Result<Options, String> {
    let mut positional = Vec::new();
    let mut o = Options {
        data: PathBuf::new(),
        out: PathBuf::new(),
        model: PathBuf::from("models/ge2e-resemblyzer.onnx"),
        preset: "ge2e-resemblyzer".to_string(),
        l2: GenderTrainOptions::default().l2,
        folds: 5,
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value"));
        match a.as_str() {
            "--model" => o.model = PathBuf::from(value("--model")?),
            "--preset" => o.preset = value("--preset")?,
            "--l2" => o.l2 = value("--l2")?.parse().map_err(|e| format!("--l2: {e}"))?,
            "--folds" => {
                o.folds = value("--folds")?
                    .parse()
                    .map_err(|e| format!("--folds: {e}"))?
            }
            _ => positional.push(a),
        }
    }
    let [data, out] = <[String; 2]>::try_from(positional).map_err(|_| {
        "usage: train_gender DATA_DIR OUT_JSON [--model PATH] [--preset NAME] [--l2 X] [--folds K]"
    })?;
    if o.folds < 2 {
        return Err("--folds must be at least 2".into());
    }
    o.data = PathBuf::from(data);
    o.out = PathBuf::from(out);
    Ok(o)
}

/// One training or evaluation row.
struct Row {
    embedding: Embedding,
    speaker: usize,
    female: bool,
    /// 0 for a whole utterance, else the chunk length in seconds.
    chunk_seconds: f32,
}

/// One `.flac` file and its speaker's sex.
struct Utterance {
    path: PathBuf,
    female: bool,
}

/// The utterances whose speaker has a sex in `SPEAKERS.TXT`, sorted by file
/// name, and the data hash (hex).
fn utterances(dir: &Path) -> Result<(Vec<Utterance>, String)> {
    let speakers_txt = dir.join("SPEAKERS.TXT");
    let table = std::fs::read_to_string(&speakers_txt)
        .map_err(|e| voiceprint_core::Error::io(&speakers_txt, e))?;
    let sex_of = |spk: &str| {
        table.lines().filter(|l| !l.starts_with(';')).find_map(|l| {
            let mut cols = l.split('|').map(str::trim);
            (cols.next()? == spk).then(|| cols.next()?.chars().next())?
        })
    };
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| voiceprint_core::Error::io(dir, e))?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "flac"))
        .collect();
    files.sort();
    let mut hash = Sha256::new();
    hash.update(table.as_bytes());
    let mut out = Vec::new();
    for path in files {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_string();
        let bytes = std::fs::read(&path).map_err(|e| voiceprint_core::Error::io(&path, e))?;
        hash.update(name.as_bytes());
        hash.update([0u8]);
        hash.update(&bytes);
        let spk = name.split('-').next().unwrap_or_default().to_string();
        match sex_of(&spk) {
            Some('F') => out.push(Utterance { path, female: true }),
            Some('M') => out.push(Utterance {
                path,
                female: false,
            }),
            _ => eprintln!("skipping {name}: speaker {spk} has no sex in SPEAKERS.TXT"),
        }
    }
    let digest: String = hash.finalize().iter().map(|b| format!("{b:02x}")).collect();
    Ok((out, digest))
}

/// Consecutive pieces of `seconds` each (the remainder is dropped).
fn chunks(audio: &Audio, seconds: f32) -> Result<Vec<Audio>> {
    let n = (audio.duration_secs() / seconds).floor() as usize;
    (0..n)
        .map(|i| audio.slice_secs(i as f32 * seconds, (i + 1) as f32 * seconds))
        .collect()
}

fn embed_all(enc: &OnnxSpeakerEncoder, utts: &[Utterance]) -> Result<Vec<Row>> {
    let start = Instant::now();
    let mut rows = Vec::new();
    let mut audio_secs = 0.0;
    for (speaker, Utterance { path, female }) in utts.iter().enumerate() {
        let audio = Audio::from_path(path, &DecodeOptions::default())?;
        let mut pieces = vec![(0.0, vec![audio.clone()])];
        for &len in TRAIN_CHUNKS.iter().chain(std::iter::once(&EVAL_CHUNK)) {
            if !pieces.iter().any(|(l, _)| *l == len) {
                pieces.push((len, chunks(&audio, len)?));
            }
        }
        for (chunk_seconds, audios) in pieces {
            audio_secs += audios.iter().map(Audio::duration_secs).sum::<f32>();
            for e in enc.embed_audio_batch(&audios)? {
                rows.push(Row {
                    embedding: e,
                    speaker,
                    female: *female,
                    chunk_seconds,
                });
            }
        }
    }
    let secs = start.elapsed().as_secs_f32();
    println!(
        "embedded {} rows ({audio_secs:.0} s of audio) from {} utterances in {secs:.1} s ({:.0}x real time)",
        rows.len(),
        utts.len(),
        audio_secs / secs
    );
    Ok(rows)
}

/// Fold of each speaker: females and males dealt round robin in file order,
/// so every fold has both sexes in proportion.
fn folds(utts: &[Utterance], k: usize) -> Vec<usize> {
    let (mut f, mut m) = (0, 0);
    utts.iter()
        .map(|u| {
            let c = if u.female { &mut f } else { &mut m };
            *c += 1;
            (*c - 1) % k
        })
        .collect()
}

fn train(model_id: &str, rows: &[&Row], opts: &GenderTrainOptions) -> Result<GenderClassifier> {
    let vectors: Vec<&[f32]> = rows.iter().map(|r| r.embedding.vector.as_slice()).collect();
    let labels: Vec<Gender> = rows
        .iter()
        .map(|r| {
            if r.female {
                Gender::Female
            } else {
                Gender::Male
            }
        })
        .collect();
    GenderClassifier::train(model_id, &vectors, &labels, opts)
}

#[derive(Default)]
struct Tally {
    correct: usize,
    total: usize,
    unknown: usize,
}

impl Tally {
    fn add(&mut self, p: f32, decided_unknown: bool, female: bool) {
        self.total += 1;
        self.correct += usize::from((p >= 0.5) == female);
        self.unknown += usize::from(decided_unknown);
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

struct Cv {
    utterances: Tally,
    chunks: Tally,
    speakers_from_chunks: Tally,
}

/// Speaker-disjoint k-fold cross-validation: utterance, chunk and per-speaker
/// (the chunks of one speaker as a cluster) accuracy on held-out speakers.
fn cross_validate(
    model_id: &str,
    rows: &[Row],
    fold_of: &[usize],
    k: usize,
    opts: &GenderTrainOptions,
) -> Result<Cv> {
    let mut cv = Cv {
        utterances: Tally::default(),
        chunks: Tally::default(),
        speakers_from_chunks: Tally::default(),
    };
    for fold in 0..k {
        let training: Vec<&Row> = rows
            .iter()
            .filter(|r| {
                fold_of[r.speaker] != fold
                    && TRAIN_CHUNKS
                        .iter()
                        .chain([0.0].iter())
                        .any(|&c| c == r.chunk_seconds)
            })
            .collect();
        let head = train(model_id, &training, opts)?;
        let mut by_speaker: std::collections::BTreeMap<usize, (bool, Vec<Embedding>)> =
            Default::default();
        for r in rows.iter().filter(|r| fold_of[r.speaker] == fold) {
            let p = head.predict(&r.embedding)?;
            let unknown = p.gender == Gender::Unknown;
            if r.chunk_seconds == 0.0 {
                cv.utterances.add(p.female_probability, unknown, r.female);
            } else if r.chunk_seconds == EVAL_CHUNK {
                cv.chunks.add(p.female_probability, unknown, r.female);
                by_speaker
                    .entry(r.speaker)
                    .or_insert((r.female, Vec::new()))
                    .1
                    .push(r.embedding.clone());
            }
        }
        for (female, embeddings) in by_speaker.values() {
            let p = head.predict_many(embeddings)?;
            cv.speakers_from_chunks
                .add(p.female_probability, p.gender == Gender::Unknown, *female);
        }
    }
    Ok(cv)
}

fn run(o: &Options) -> Result<()> {
    let (utts, data_sha256) = utterances(&o.data)?;
    let n_female = utts.iter().filter(|u| u.female).count();
    println!(
        "{} speakers ({n_female} female, {} male), data sha256 {data_sha256}",
        utts.len(),
        utts.len() - n_female
    );
    let enc = OnnxSpeakerEncoder::from_preset(&o.model, &o.preset, &RuntimeConfig::default())?;
    let rows = embed_all(&enc, &utts)?;
    let fold_of = folds(&utts, o.folds);

    println!(
        "{}-fold speaker-disjoint cross-validation (chunk figures on {EVAL_CHUNK} s chunks):",
        o.folds
    );
    for l2 in L2_SWEEP {
        let opts = GenderTrainOptions {
            l2,
            ..GenderTrainOptions::default()
        };
        let cv = cross_validate(enc.model_id(), &rows, &fold_of, o.folds, &opts)?;
        println!(
            "  l2 {l2:<7e} utterances {:.2} %  chunks {:.2} %  speakers from chunks {:.2} %",
            100.0 * cv.utterances.accuracy(),
            100.0 * cv.chunks.accuracy(),
            100.0 * cv.speakers_from_chunks.accuracy()
        );
    }
    let opts = GenderTrainOptions {
        l2: o.l2,
        ..GenderTrainOptions::default()
    };
    let cv = cross_validate(enc.model_id(), &rows, &fold_of, o.folds, &opts)?;
    println!("with l2 {:e}, margin {}:", o.l2, opts.margin);
    println!("  utterances:           {}", cv.utterances.show());
    println!("  {EVAL_CHUNK} s chunks:          {}", cv.chunks.show());
    println!("  speakers from chunks: {}", cv.speakers_from_chunks.show());

    let all: Vec<&Row> = rows
        .iter()
        .filter(|r| {
            TRAIN_CHUNKS
                .iter()
                .chain([0.0].iter())
                .any(|&c| c == r.chunk_seconds)
        })
        .collect();
    let mut head = train(enc.model_id(), &all, &opts)?;
    let args: Vec<String> = std::env::args().skip(1).collect();
    let info = head.training_info_mut();
    info.command = Some(format!(
        "cargo run --release -p voiceprint-examples --example train_gender -- {}",
        args.join(" ")
    ));
    info.data = Some(format!(
        "LibriSpeech train-clean-100, one utterance per speaker ({})",
        o.data.display()
    ));
    info.data_sha256 = Some(data_sha256);
    info.speakers = Some(utts.len());
    info.cv_folds = Some(o.folds);
    info.cv_utterance_accuracy = Some(cv.utterances.accuracy());
    info.cv_chunk_accuracy = Some(cv.chunks.accuracy());
    info.notes = Some(format!(
        "rows: whole utterances and their consecutive {:?} s chunks; cross-validation by speaker, stratified by sex; \
         chunk accuracy on {EVAL_CHUNK} s chunks; accuracy counts P(female) >= 0.5 as female, ignoring the margin; \
         data hash: sha256 of SPEAKERS.TXT, then per .flac in name order its name, a NUL byte and its bytes",
        TRAIN_CHUNKS
    ));
    head.save(&o.out)?;
    println!(
        "wrote {} ({} iterations)",
        o.out.display(),
        head.training_info().iterations
    );
    Ok(())
}

fn main() -> ExitCode {
    let o = match parse_args() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    match run(&o) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
