//! SVG pictures of a style comparison: the EQ difference curve (reference
//! minus target per 1/3 octave, on a log-frequency axis) and the
//! short-term loudness of both over time, with the target's true-peak
//! overloads marked.

use std::fmt::Write;

use voiceprint_core::style::{StyleAnalysis, StyleComparison, CURVE_STEP_SECS};

const WIDTH: f64 = 900.0;
const HEIGHT: f64 = 360.0;
const LEFT: f64 = 60.0;
const RIGHT: f64 = 20.0;
const TOP: f64 = 40.0;
const BOTTOM: f64 = 45.0;

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn header(svg: &mut String, title: &str) {
    let _ = writeln!(
        svg,
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" font-family="sans-serif" font-size="12">"##
    );
    let _ = writeln!(svg, r##"<rect width="100%" height="100%" fill="white"/>"##);
    let _ = writeln!(
        svg,
        r##"<text x="10" y="22" font-size="15" font-weight="bold">{}</text>"##,
        escape(title)
    );
}

/// The EQ difference curve: what to do to the target to sound like the
/// reference, dB per 1/3-octave band.
pub fn eq_curve_svg(c: &StyleComparison, title: &str) -> String {
    let mut svg = String::new();
    header(&mut svg, title);
    let span = c
        .eq_curve_db
        .iter()
        .fold(6.0f32, |m, v| m.max(v.abs().ceil()))
        .min(30.0) as f64;
    let (f_lo, f_hi) = (20.0f64.ln(), 22_000.0f64.ln());
    let x = |hz: f64| LEFT + (WIDTH - LEFT - RIGHT) * ((hz.ln() - f_lo) / (f_hi - f_lo));
    let y = |db: f64| TOP + (HEIGHT - TOP - BOTTOM) * (0.5 - db / (2.0 * span));
    // Grid: decades of frequency, 3 dB steps.
    for hz in [
        20.0, 50.0, 100.0, 200.0, 500.0, 1000.0, 2000.0, 5000.0, 10_000.0, 20_000.0,
    ] {
        let _ = writeln!(
            svg,
            r##"<line x1="{0:.1}" y1="{TOP}" x2="{0:.1}" y2="{1:.1}" stroke="#ddd"/><text x="{0:.1}" y="{2:.1}" text-anchor="middle">{3}</text>"##,
            x(hz),
            HEIGHT - BOTTOM,
            HEIGHT - BOTTOM + 16.0,
            if hz >= 1000.0 {
                format!("{}k", hz / 1000.0)
            } else {
                format!("{hz}")
            }
        );
    }
    let mut db = -span;
    while db <= span + 1e-9 {
        let colour = if db == 0.0 { "#888" } else { "#eee" };
        let _ = writeln!(
            svg,
            r##"<line x1="{LEFT}" y1="{0:.1}" x2="{1}" y2="{0:.1}" stroke="{colour}"/><text x="{2}" y="{3:.1}" text-anchor="end">{db:+.0}</text>"##,
            y(db),
            WIDTH - RIGHT,
            LEFT - 6.0,
            y(db) + 4.0
        );
        db += 3.0;
    }
    let points: Vec<String> = c
        .bands_hz
        .iter()
        .zip(&c.eq_curve_db)
        .map(|(&hz, &db)| format!("{:.1},{:.1}", x(f64::from(hz)), y(f64::from(db))))
        .collect();
    let _ = writeln!(
        svg,
        r##"<polyline points="{}" fill="none" stroke="#e15759" stroke-width="2.5"/>"##,
        points.join(" ")
    );
    for p in &points {
        let mut xy = p.split(',');
        if let (Some(px), Some(py)) = (xy.next(), xy.next()) {
            let _ = writeln!(
                svg,
                r##"<circle cx="{px}" cy="{py}" r="3" fill="#e15759"/>"##
            );
        }
    }
    let _ = writeln!(
        svg,
        r##"<text x="{LEFT}" y="{:.1}">Hz (1/3 octave) · dB, reference minus target, level-free (shared offset {:+.1} dB; gain to match {})</text>"##,
        HEIGHT - 8.0,
        c.eq_offset_db,
        c.gain_to_match_db
            .map_or("n/a".into(), |g| format!("{g:+.1} dB"))
    );
    svg.push_str("</svg>\n");
    svg
}

/// Short-term loudness of target and reference over time, LUFS.
pub fn loudness_svg(target: &StyleAnalysis, reference: &StyleAnalysis, title: &str) -> String {
    let mut svg = String::new();
    header(&mut svg, title);
    let duration = target.duration_secs.max(reference.duration_secs).max(0.1);
    let finite = |a: &StyleAnalysis| {
        a.loudness
            .short_term_curve
            .iter()
            .copied()
            .filter(|v| v.is_finite())
            .collect::<Vec<f32>>()
    };
    let all: Vec<f32> = finite(target)
        .into_iter()
        .chain(finite(reference))
        .collect();
    let hi = all.iter().fold(-60.0f32, |m, &v| m.max(v)).ceil() as f64 + 2.0;
    let lo = (hi - 40.0).max(all.iter().fold(0.0f32, |m, &v| m.min(v)).floor() as f64 - 2.0);
    let x = |t: f64| LEFT + (WIDTH - LEFT - RIGHT) * (t / duration);
    let y = |l: f64| TOP + (HEIGHT - TOP - BOTTOM) * ((hi - l) / (hi - lo)).clamp(0.0, 1.0);
    let mut l = (lo / 5.0).ceil() * 5.0;
    while l <= hi {
        let _ = writeln!(
            svg,
            r##"<line x1="{LEFT}" y1="{0:.1}" x2="{1}" y2="{0:.1}" stroke="#eee"/><text x="{2}" y="{3:.1}" text-anchor="end">{l:.0}</text>"##,
            y(l),
            WIDTH - RIGHT,
            LEFT - 6.0,
            y(l) + 4.0
        );
        l += 5.0;
    }
    let step = (duration / 10.0).max(1.0).round();
    let mut t = 0.0;
    while t <= duration {
        let _ = writeln!(
            svg,
            r##"<text x="{:.1}" y="{:.1}" text-anchor="middle">{t:.0} s</text>"##,
            x(t),
            HEIGHT - BOTTOM + 16.0
        );
        t += step;
    }
    for (a, colour, name) in [
        (target, "#4e79a7", "target"),
        (reference, "#f28e2b", "reference"),
    ] {
        let points: Vec<String> = a
            .loudness
            .short_term_curve
            .iter()
            .enumerate()
            .filter(|(_, v)| v.is_finite())
            .map(|(i, &v)| {
                format!(
                    "{:.1},{:.1}",
                    x((i + 1) as f64 * CURVE_STEP_SECS),
                    y(f64::from(v))
                )
            })
            .collect();
        let _ = writeln!(
            svg,
            r##"<polyline points="{}" fill="none" stroke="{colour}" stroke-width="1.8"/>"##,
            points.join(" ")
        );
        if let Some(i) = a.integrated_lufs() {
            let _ = writeln!(
                svg,
                r##"<line x1="{LEFT}" y1="{0:.1}" x2="{1}" y2="{0:.1}" stroke="{colour}" stroke-dasharray="6 4"/>"##,
                y(i),
                WIDTH - RIGHT
            );
        }
        let legend_y = if name == "target" { 40.0 } else { 56.0 };
        let _ = writeln!(
            svg,
            r##"<rect x="{0}" y="{1}" width="14" height="4" fill="{colour}"/><text x="{2}" y="{3}">{name}: I {4}, LRA {5}, true peak {6:+.1} dBTP</text>"##,
            WIDTH - 380.0,
            legend_y - 4.0,
            WIDTH - 360.0,
            legend_y,
            a.integrated_lufs()
                .map_or("-inf".into(), |v| format!("{v:.1} LUFS")),
            a.loudness
                .loudness_range_lu
                .map_or("n/a".into(), |v| format!("{v:.1} LU")),
            a.loudness.true_peak_dbtp().max(-99.0)
        );
    }
    let _ = writeln!(
        svg,
        r##"<text x="{LEFT}" y="{:.1}">short-term loudness (3 s), LUFS; dashed: integrated</text>"##,
        HEIGHT - 8.0
    );
    svg.push_str("</svg>\n");
    svg
}
