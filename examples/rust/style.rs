//! Mix and master style from the command line.
//!
//! ```text
//! style analyze FILE [--json]
//! style compare TARGET REFERENCE [--out PREFIX] [--json]
//! style nearest TARGET --library DIR [-k N] [--db FILE]
//! ```
//!
//! `compare` prints what differs (loudness error and the gain that matches
//! it, true peaks and overloads, LRA / PLR / crest / stereo differences,
//! the spectral distances and the EQ curve) and writes `PREFIX-eq.svg`
//! and `PREFIX-loudness.svg`. `nearest` indexes every audio file of DIR
//! (in memory, or in a SQLite file with `--db`, reused on the next run) and
//! prints the closest reference styles with their comparison.

mod style_svg;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use voiceprint_core::store::SqliteStore;
use voiceprint_core::style::{StyleAnalysis, StyleComparison};
use voiceprint_core::{Error, StyleIndex, StyleInput, StyleMatcher};

fn usage() -> ExitCode {
    eprintln!(
        "usage:\n  style analyze FILE [--json]\n  style compare TARGET REFERENCE [--out PREFIX] [--json]\n  style nearest TARGET --library DIR [-k N] [--db FILE]"
    );
    ExitCode::from(2)
}

fn lufs(v: Option<f64>) -> String {
    v.map_or("-inf (silence)".into(), |v| format!("{v:.2} LUFS"))
}

fn opt(v: Option<f64>, unit: &str) -> String {
    v.map_or("n/a".into(), |v| format!("{v:+.2} {unit}"))
}

fn print_analysis(path: &str, a: &StyleAnalysis) {
    let l = &a.loudness;
    println!(
        "{path}: {} Hz, {} ch ({}), {:.1} s",
        a.sample_rate, a.channels, a.layout, a.duration_secs
    );
    println!("  integrated      {}", lufs(l.integrated_lufs));
    println!("  max momentary   {}", lufs(l.momentary_max_lufs));
    println!("  max short-term  {}", lufs(l.short_term_max_lufs));
    match (l.loudness_range_lu, &l.loudness_range_note) {
        (Some(lra), _) => println!("  loudness range  {lra:.1} LU"),
        (None, Some(why)) => println!("  loudness range  none: {why}"),
        (None, None) => println!("  loudness range  none"),
    }
    println!(
        "  true peak       {:+.2} dBTP (sample peak {:+.2} dBFS)",
        l.true_peak_dbtp(),
        l.sample_peak_dbfs()
    );
    println!(
        "  over {:+.1} dBTP  {:.2}% of 400 ms blocks, {:.3}% of samples{}",
        l.overload.ceiling_dbtp,
        100.0 * l.overload.block_ratio,
        100.0 * l.overload.sample_ratio,
        if l.overload.clipped() {
            format!(
                "; CLIPPED ({} samples at full scale)",
                l.overload.clipped_samples
            )
        } else {
            String::new()
        }
    );
    println!(
        "  PLR {}, crest {}",
        opt(a.plr_db(), "dB"),
        opt(a.crest_factor_db, "dB")
    );
    if let Some(s) = a.stereo {
        println!(
            "  stereo: correlation {:+.2}, side/mid {:.1} dB",
            s.correlation, s.side_to_mid_db
        );
    }
}

fn print_comparison(c: &StyleComparison) {
    println!("target vs reference:");
    println!(
        "  loudness error  {}   gain to match {}",
        opt(c.loudness_error_lu, "LU"),
        opt(c.gain_to_match_db, "dB")
    );
    println!(
        "  true peak       target {:+.2} dBTP, reference {:+.2} dBTP; target after the gain {}",
        c.target_true_peak_dbtp,
        c.reference_true_peak_dbtp,
        opt(c.matched_true_peak_dbtp, "dBTP")
    );
    println!(
        "  overloads       target {:.2}% of blocks, reference {:.2}%",
        100.0 * c.target_overload_block_ratio,
        100.0 * c.reference_overload_block_ratio
    );
    println!(
        "  LRA {}, PLR {}, crest {}, correlation {}, side/mid {}",
        opt(c.lra_difference_lu, "LU"),
        opt(c.plr_difference_db, "dB"),
        opt(c.crest_factor_difference_db, "dB"),
        opt(c.correlation_difference, ""),
        opt(c.side_to_mid_difference_db, "dB")
    );
    if let Some(d) = c.stft_distance {
        println!(
            "  MR-STFT         spectral convergence {:.3}, log-magnitude L1 {:.3}",
            d.spectral_convergence, d.log_magnitude_l1
        );
    }
    if let Some(d) = c.log_mel_distance_db {
        println!("  log-mel         {d:.2} dB mean absolute difference");
    }
    println!("  style distance  {:.2}", c.style_distance);
    println!(
        "  EQ curve (reference minus target, level-free, offset {:+.1} dB):",
        c.eq_offset_db
    );
    for (hz, db) in c.bands_hz.iter().zip(&c.eq_curve_db) {
        let bar = "#".repeat((db.abs() * 2.0).round().min(40.0) as usize);
        println!(
            "    {hz:>8.0} Hz {db:+6.1} dB {}{bar}",
            if *db < 0.0 { "-" } else { "+" }
        );
    }
    for n in &c.notes {
        println!("  note: {n}");
    }
}

fn run(args: &[String]) -> Result<ExitCode, Error> {
    let matcher = StyleMatcher::default();
    let flag = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
    };
    let json = args.iter().any(|a| a == "--json");
    let positional: Vec<&String> = {
        let mut out = Vec::new();
        let mut skip = false;
        for a in args.iter().skip(1) {
            if skip {
                skip = false;
                continue;
            }
            if ["--out", "--library", "-k", "--db"].contains(&a.as_str()) {
                skip = true;
            } else if !a.starts_with("--") {
                out.push(a);
            }
        }
        out
    };
    match (args.first().map(String::as_str), positional.as_slice()) {
        (Some("analyze"), [file]) => {
            let a = matcher.analyze(StyleInput::Path(Path::new(file.as_str())))?;
            if json {
                println!("{}", serde_json_string(&a));
            } else {
                print_analysis(file, &a);
            }
        }
        (Some("compare"), [target, reference]) => {
            let (c, ta, ra) = matcher.compare_detailed(
                StyleInput::Path(Path::new(target.as_str())),
                StyleInput::Path(Path::new(reference.as_str())),
            )?;
            if json {
                println!("{}", serde_json_string(&c));
                return Ok(ExitCode::SUCCESS);
            }
            print_analysis(target, &ta);
            print_analysis(reference, &ra);
            print_comparison(&c);
            let prefix = flag("--out").cloned().unwrap_or_else(|| "style".into());
            let title = format!("{} vs {}", file_name(target), file_name(reference));
            let eq = format!("{prefix}-eq.svg");
            let loud = format!("{prefix}-loudness.svg");
            std::fs::write(
                &eq,
                style_svg::eq_curve_svg(&c, &format!("EQ difference: {title}")),
            )
            .map_err(|e| Error::io(&eq, e))?;
            std::fs::write(
                &loud,
                style_svg::loudness_svg(&ta, &ra, &format!("Loudness: {title}")),
            )
            .map_err(|e| Error::io(&loud, e))?;
            println!("wrote {eq} and {loud}");
        }
        (Some("nearest"), [target]) => {
            let Some(dir) = flag("--library") else {
                return Ok(usage());
            };
            let k: usize = flag("-k").and_then(|k| k.parse().ok()).unwrap_or(3);
            let index = match flag("--db") {
                Some(db) => {
                    let store = SqliteStore::create_or_open(
                        db,
                        StyleIndex::MODEL_ID,
                        StyleIndex::STORE_DIM,
                    )?;
                    StyleIndex::new(matcher, Arc::new(store))?
                }
                None => StyleIndex::in_memory(matcher),
            };
            if index.is_empty() {
                let progress = |f: f32| {
                    eprint!("\rindexing {dir}: {:3.0}%", 100.0 * f);
                    true
                };
                let skipped = index.add_folder(Path::new(dir), Some(&progress))?;
                eprintln!();
                for (path, err) in skipped {
                    eprintln!("skipped {path}: {err}");
                }
            }
            println!("{} reference styles; nearest to {target}:", index.len());
            for (rank, m) in index
                .nearest(StyleInput::Path(Path::new(target.as_str())), k, true)?
                .iter()
                .enumerate()
            {
                let c = m.comparison.as_ref();
                println!(
                    "  {}. {:<24} distance {:.2}  gain to match {}  EQ offset {}",
                    rank + 1,
                    m.id,
                    m.distance,
                    opt(c.and_then(|c| c.gain_to_match_db), "dB"),
                    c.map_or("n/a".into(), |c| format!("{:+.1} dB", c.eq_offset_db))
                );
            }
        }
        _ => return Ok(usage()),
    }
    Ok(ExitCode::SUCCESS)
}

fn file_name(p: &str) -> String {
    PathBuf::from(p)
        .file_name()
        .map_or_else(|| p.to_string(), |n| n.to_string_lossy().into_owned())
}

fn serde_json_string<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string_pretty(v).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
