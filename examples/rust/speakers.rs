//! Enrol speakers from audio files and identify or verify others.
//!
//! ```text
//! speakers [--model PATH] [--preset NAME] [--db FILE] enroll ID FILE...
//! speakers [...] identify FILE [--candidates ID,ID,...] [--k N]
//! speakers [...] verify ID FILE [--threshold T]
//! speakers [...] list | remove ID
//! speakers [...] demo DIR        # enrol DIR/*-enroll.*, then identify and verify DIR/*-test.*
//! speakers [...] scores DIR      # JSON lines: every DIR/*-test.* against every DIR/*-enroll.*
//! ```
//! Defaults: `--model models/ge2e-resemblyzer.onnx --preset ge2e-resemblyzer`,
//! `--db` unset (an in-memory store; `demo` always uses one).

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use voiceprint_core::embed::{AudioInput, OnnxSpeakerEncoder, SpeakerEncoder};
use voiceprint_core::runtime::RuntimeConfig;
use voiceprint_core::store::{MemoryStore, SqliteStore, VectorStore};
use voiceprint_core::{Result, Voiceprints};

struct Options {
    model: PathBuf,
    preset: String,
    db: Option<PathBuf>,
    k: usize,
    threshold: Option<f32>,
    candidates: Option<Vec<String>>,
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
            _ => o.rest.push(a),
        }
    }
    if o.rest.is_empty() {
        return Err("missing command: enroll | identify | verify | list | remove | demo".into());
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
