//! Enrol speakers from audio files and identify or verify others.
//!
//! ```text
//! speakers [--model PATH] [--preset NAME] [--db FILE] enroll ID FILE...
//! speakers [...] identify FILE [--candidates ID,ID,...] [--k N]
//! speakers [...] verify ID FILE [--threshold T]
//! speakers [...] list | remove ID
//! speakers [...] demo DIR        # enrol DIR/*-enroll.*, then identify and verify DIR/*-test.*
//! speakers [...] scores DIR      # JSON lines: every DIR/*-test.* against every DIR/*-enroll.*
//! speakers [...] diarize FILE [--srt F] [--known DB] [--speakers N] [--out PREFIX]
//! ```
//! Defaults: `--model models/ge2e-resemblyzer.onnx --preset ge2e-resemblyzer`,
//! `--db` unset (an in-memory store; `demo` always uses one).
//!
//! `diarize` prints who spoke when and writes `PREFIX.rttm`, `PREFIX.json`
//! and `PREFIX.svg` (a timeline; PREFIX defaults to the file's name without
//! extension, in the current folder). `--known DB` names the speakers
//! enrolled in that SQLite store; `--srt F` gives each subtitle line a speaker;
//! `--vad PATH` picks the Silero model (default `models/silero_vad.onnx`).

mod timeline_svg;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use voiceprint_core::cluster::SpeakerCount;
use voiceprint_core::diarization::read_srt;
use voiceprint_core::embed::{AudioInput, OnnxSpeakerEncoder, SpeakerEncoder};
use voiceprint_core::runtime::RuntimeConfig;
use voiceprint_core::store::{MemoryStore, SqliteStore, VectorStore};
use voiceprint_core::vad::SileroVad;
use voiceprint_core::{DiarizeOptions, Diarizer, Result, Voiceprints};

struct Options {
    model: PathBuf,
    preset: String,
    db: Option<PathBuf>,
    k: usize,
    threshold: Option<f32>,
    candidates: Option<Vec<String>>,
    srt: Option<PathBuf>,
    known: Option<PathBuf>,
    speakers: Option<usize>,
    out: Option<PathBuf>,
    vad: PathBuf,
    rest: Vec<String>,
}

fn parse_args() -> std::result::Result<Options, String> {
    let mut o = Options {
        model: PathBuf::from("models/ge2e-resemblyzer.onnx"),
        preset: "ge2e-resemblyzer".to_string(),
        db: None,
        k: 3,
        threshold: None,
        candidates: None,
        srt: None,
        known: None,
        speakers: None,
        out: None,
        vad: PathBuf::from("models/silero_vad.onnx"),
        rest: Vec::new(),
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value"));
        match a.as_str() {
            "--model" => o.model = PathBuf::from(value("--model")?),
            "--preset" => o.preset = value("--preset")?,
            "--db" => o.db = Some(PathBuf::from(value("--db")?)),
            "--k" => o.k = value("--k")?.parse().map_err(|e| format!("--k: {e}"))?,
            "--threshold" => {
                o.threshold = Some(
                    value("--threshold")?
                        .parse()
                        .map_err(|e| format!("--threshold: {e}"))?,
                )
            }
            "--candidates" => {
                o.candidates = Some(
                    value("--candidates")?
                        .split(',')
                        .map(str::to_string)
                        .collect(),
                )
            }
            "--srt" => o.srt = Some(PathBuf::from(value("--srt")?)),
            "--known" => o.known = Some(PathBuf::from(value("--known")?)),
            "--out" => o.out = Some(PathBuf::from(value("--out")?)),
            "--vad" => o.vad = PathBuf::from(value("--vad")?),
            "--speakers" => {
                o.speakers = Some(
                    value("--speakers")?
                        .parse()
                        .map_err(|e| format!("--speakers: {e}"))?,
                )
            }
            _ => o.rest.push(a),
        }
    }
    if o.rest.is_empty() {
        return Err(
            "missing command: enroll | identify | verify | list | remove | demo | diarize".into(),
        );
    }
    Ok(o)
}

fn open(o: &Options, force_memory: bool) -> Result<Voiceprints> {
    let start = Instant::now();
    let enc = Arc::new(OnnxSpeakerEncoder::from_preset(
        &o.model,
        &o.preset,
        &RuntimeConfig::default(),
    )?);
    let store: Arc<dyn VectorStore> = match (&o.db, force_memory) {
        (Some(db), false) => Arc::new(SqliteStore::create_or_open(db, enc.model_id(), enc.dim())?),
        _ => Arc::new(MemoryStore::new(enc.model_id(), enc.dim())?),
    };
    eprintln!(
        "model {} ({}-dim) loaded in {:.0} ms",
        enc.model_id(),
        enc.dim(),
        start.elapsed().as_secs_f64() * 1e3
    );
    Voiceprints::new(enc, store)
}

fn files_with(dir: &Path, tag: &str) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| rd.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    v.retain(|p| {
        p.file_stem()
            .and_then(|s| s.to_str())
            .is_some_and(|s| s.ends_with(tag))
    });
    v.sort();
    v
}

fn speaker_of(p: &Path) -> String {
    let stem = p.file_stem().and_then(|s| s.to_str()).unwrap_or("?");
    stem.rsplit_once('-')
        .map(|(a, _)| a)
        .unwrap_or(stem)
        .to_string()
}

fn demo(o: &Options, dir: &Path) -> Result<bool> {
    let vp = open(o, true)?;
    let enroll = files_with(dir, "-enroll");
    let tests = files_with(dir, "-test");
    for f in &enroll {
        let t = Instant::now();
        let out = vp.enroll(&speaker_of(f), &[AudioInput::Path(f)])?;
        println!(
            "enrolled {:<8} from {} ({:.0} ms)",
            out.id,
            f.display(),
            t.elapsed().as_secs_f64() * 1e3
        );
    }
    let mut all_right = true;
    println!(
        "\n{:<26} {:<10} {:>7}   verify(claimed = true speaker)",
        "test file", "identified", "score"
    );
    for f in &tests {
        let truth = speaker_of(f);
        let who = vp.identify(AudioInput::Path(f), o.k, None, o.threshold)?;
        let v = vp.verify(&truth, AudioInput::Path(f), o.threshold)?;
        let (name, score) = who
            .best
            .as_ref()
            .map(|m| (m.id.clone(), m.score))
            .unwrap_or((
                "unknown".into(),
                who.matches.first().map_or(0.0, |m| m.score),
            ));
        all_right &= name == truth && v.accepted;
        let file = f
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        println!(
            "{file:<26} {name:<10} {score:>7.3}   {} score {:.3} (threshold {:.2})",
            if v.accepted { "accepted" } else { "rejected" },
            v.score,
            v.threshold
        );
    }
    println!("\nall test clips identified and verified: {all_right}");
    Ok(all_right)
}

/// Full-precision scores of every test clip against every enrolled speaker,
/// one JSON object per line; the bindings' tests compare their scores to these.
fn scores(o: &Options, dir: &Path) -> Result<bool> {
    let vp = open(o, true)?;
    for f in files_with(dir, "-enroll") {
        vp.enroll(&speaker_of(&f), &[AudioInput::Path(&f)])?;
    }
    for f in files_with(dir, "-test") {
        let e = vp.embed(AudioInput::Path(&f))?;
        for id in vp.list()? {
            let v = vp.verify_embedding(&id, &e, None)?;
            let file = f
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            println!(
                "{{\"file\": {file:?}, \"speaker\": {id:?}, \"score\": {:.9}}}",
                v.score
            );
        }
    }
    Ok(true)
}

fn diarize(o: &Options, file: &Path) -> Result<bool> {
    let rt = RuntimeConfig::default();
    let enc = Arc::new(OnnxSpeakerEncoder::from_preset(&o.model, &o.preset, &rt)?);
    let vad = Arc::new(SileroVad::load(&o.vad, &rt)?);
    let mut diarizer = Diarizer::new(enc.clone(), vad)?;
    if let Some(db) = &o.known {
        let store = Arc::new(SqliteStore::create_or_open(db, enc.model_id(), enc.dim())?);
        diarizer = diarizer.with_known(Arc::new(Voiceprints::new(enc, store)?))?;
    }
    let subtitles = o.srt.as_ref().map(read_srt).transpose()?;
    let last = std::sync::atomic::AtomicU32::new(0);
    let progress = |f: f32| {
        let pct = (f * 100.0) as u32;
        if pct >= last.load(std::sync::atomic::Ordering::Relaxed) + 10 || pct == 100 {
            last.store(pct, std::sync::atomic::Ordering::Relaxed);
            eprint!("\r{pct:3} %");
        }
        true
    };
    let start = Instant::now();
    let result = diarizer.run(
        AudioInput::Path(file),
        &DiarizeOptions {
            count: SpeakerCount {
                exact: o.speakers,
                ..Default::default()
            },
            subtitles: subtitles.as_deref(),
            progress: Some(&progress),
        },
    )?;
    let secs = start.elapsed().as_secs_f64();
    eprintln!(
        "\r{:.1} s of audio in {secs:.2} s ({:.0}x real time)",
        result.duration,
        result.duration / secs
    );
    if result.is_empty() {
        println!("no speech found in {}", file.display());
    }
    println!(
        "  start     end  speaker              confidence{}",
        if subtitles.is_some() { "  line" } else { "" }
    );
    for s in &result.segments {
        let line = s
            .subtitle_index
            .map_or(String::new(), |i| format!("  {i:>4}"));
        println!(
            "{:7.2} {:7.2}  {:<20} {:>10.2}{line}",
            s.start, s.end, s.speaker, s.confidence
        );
    }
    println!();
    println!("speaker              speech  turns  gender   P(female)  F0 Hz  known (score)");
    for spk in &result.speakers {
        println!(
            "{:<20} {:6.1} {:6}  {:<8} {:>9} {:>6}  {}",
            spk.label,
            spk.speech_seconds,
            spk.turns,
            spk.gender.map_or("-", |g| g.as_str()),
            spk.female_probability
                .map_or("-".to_string(), |p| format!("{p:.2}")),
            spk.median_f0_hz
                .map_or("-".to_string(), |f| format!("{f:.0}")),
            match (&spk.known, &spk.best_candidate) {
                (Some(k), _) => format!("{} ({:.2})", k.id, k.score),
                (None, Some(b)) => format!("unknown (closest {} {:.2})", b.id, b.score),
                (None, None) => "unknown".to_string(),
            }
        );
    }
    let stem = file.file_stem().and_then(|s| s.to_str()).unwrap_or("audio");
    let prefix = o.out.clone().unwrap_or_else(|| PathBuf::from(stem));
    let with_ext = |ext: &str| {
        let mut p = prefix.clone().into_os_string();
        p.push(ext);
        PathBuf::from(p)
    };
    result.write_rttm(with_ext(".rttm"), stem)?;
    let json = result.to_json()?;
    std::fs::write(with_ext(".json"), json)
        .map_err(|e| voiceprint_core::Error::io(with_ext(".json"), e))?;
    let svg = timeline_svg::timeline_svg(&result, &format!("{stem}: who spoke when"));
    std::fs::write(with_ext(".svg"), svg)
        .map_err(|e| voiceprint_core::Error::io(with_ext(".svg"), e))?;
    eprintln!(
        "wrote {}, {}, {}",
        with_ext(".rttm").display(),
        with_ext(".json").display(),
        with_ext(".svg").display()
    );
    Ok(true)
}

fn run(o: &Options) -> Result<bool> {
    let cmd = o.rest[0].as_str();
    let args = &o.rest[1..];
    let usage = |what: &str| voiceprint_core::Error::invalid_argument("command", what.to_string());
    match cmd {
        "demo" => demo(
            o,
            Path::new(args.first().map(String::as_str).unwrap_or("examples/audio")),
        ),
        "scores" => scores(
            o,
            Path::new(args.first().map(String::as_str).unwrap_or("examples/audio")),
        ),
        "enroll" => {
            let (id, files) = args
                .split_first()
                .ok_or_else(|| usage("enroll ID FILE..."))?;
            let inputs: Vec<AudioInput> = files
                .iter()
                .map(|f| AudioInput::Path(Path::new(f)))
                .collect();
            let out = open(o, false)?.enroll(id, &inputs)?;
            println!(
                "enrolled {} ({} utterances in total)",
                out.id, out.enrollment_count
            );
            Ok(true)
        }
        "identify" => {
            let file = args.first().ok_or_else(|| usage("identify FILE"))?;
            let cands: Option<Vec<&str>> = o
                .candidates
                .as_ref()
                .map(|c| c.iter().map(String::as_str).collect());
            let who = open(o, false)?.identify(
                AudioInput::Path(Path::new(file)),
                o.k,
                cands.as_deref(),
                o.threshold,
            )?;
            for m in &who.matches {
                println!("{:<20} {:.4}", m.id, m.score);
            }
            println!(
                "best: {}",
                who.best.map(|m| m.id).unwrap_or_else(|| "unknown".into())
            );
            Ok(true)
        }
        "verify" => {
            let [id, file] = args else {
                return Err(usage("verify ID FILE"));
            };
            let v = open(o, false)?.verify(id, AudioInput::Path(Path::new(file)), o.threshold)?;
            println!(
                "score {:.4} threshold {:.3} -> {}",
                v.score,
                v.threshold,
                if v.accepted { "accepted" } else { "rejected" }
            );
            Ok(v.accepted)
        }
        "list" => {
            let vp = open(o, false)?;
            for id in vp.list()? {
                println!("{id}");
            }
            Ok(true)
        }
        "remove" => {
            let id = args.first().ok_or_else(|| usage("remove ID"))?;
            Ok(open(o, false)?.remove(id)?)
        }
        "diarize" => {
            let file = args
                .first()
                .ok_or_else(|| usage("diarize FILE [--srt F] [--known DB]"))?;
            diarize(o, Path::new(file))
        }
        other => Err(usage(&format!("unknown command {other:?}"))),
    }
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
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}
