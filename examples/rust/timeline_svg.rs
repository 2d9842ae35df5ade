//! An SVG timeline of who spoke when: one lane per speaker, a bar per
//! segment (its opacity is the segment's confidence), a time axis, and a
//! legend with each speaker's speech time, gender and known name.

use std::fmt::Write;

use voiceprint_core::diarization::Diarization;

const WIDTH: f64 = 1200.0;
const LEFT: f64 = 230.0;
const RIGHT: f64 = 20.0;
const TOP: f64 = 40.0;
const LANE: f64 = 34.0;
const PALETTE: [&str; 10] = [
    "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7",
    "#9c755f", "#bab0ac",
];

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The timeline of `result` as an SVG document titled `title`.
pub fn timeline_svg(result: &Diarization, title: &str) -> String {
    let lanes = result.speakers.len().max(1);
    let height = TOP + LANE * lanes as f64 + 60.0;
    let duration = result.duration.max(1e-3);
    let x = |t: f64| LEFT + (WIDTH - LEFT - RIGHT) * (t / duration).clamp(0.0, 1.0);
    let mut svg = String::new();
    let _ = writeln!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" font-family="sans-serif" font-size="12">"#
    );
    let _ = writeln!(svg, r#"<rect width="100%" height="100%" fill="white"/>"#);
    let _ = writeln!(
        svg,
        r#"<text x="10" y="22" font-size="15" font-weight="bold">{}</text>"#,
        escape(title)
    );
    for (i, spk) in result.speakers.iter().enumerate() {
        let y = TOP + LANE * i as f64;
        let colour = PALETTE[i % PALETTE.len()];
        let gender = spk.gender.map_or("", |g| g.as_str());
        let f0 = spk
            .median_f0_hz
            .map_or(String::new(), |f| format!(", {f:.0} Hz"));
        let _ = writeln!(
            svg,
            r#"<rect x="0" y="{y}" width="{WIDTH}" height="{LANE}" fill="{}"/>"#,
            if i % 2 == 0 { "#f7f7f7" } else { "#ffffff" }
        );
        let _ = writeln!(
            svg,
            r#"<text x="10" y="{:.1}" fill="{colour}" font-weight="bold">{}</text>"#,
            y + 15.0,
            escape(&spk.label)
        );
        let _ = writeln!(
            svg,
            r##"<text x="10" y="{:.1}" fill="#555">{:.1} s, {} turns {gender}{f0}</text>"##,
            y + 29.0,
            spk.speech_seconds,
            spk.turns
        );
        for seg in result.segments.iter().filter(|s| s.speaker == spk.label) {
            let _ = writeln!(
                svg,
                r#"<rect x="{:.2}" y="{:.1}" width="{:.2}" height="{:.1}" fill="{colour}" fill-opacity="{:.2}"><title>{:.2}-{:.2} s, confidence {:.2}</title></rect>"#,
                x(seg.start),
                y + 6.0,
                (x(seg.end) - x(seg.start)).max(0.5),
                LANE - 12.0,
                0.35 + 0.65 * seg.confidence.clamp(0.0, 1.0),
                seg.start,
                seg.end,
                seg.confidence
            );
        }
    }
    // Time axis with about ten ticks at round values.
    let axis_y = TOP + LANE * lanes as f64 + 10.0;
    let _ = writeln!(
        svg,
        r##"<line x1="{LEFT}" y1="{axis_y}" x2="{:.1}" y2="{axis_y}" stroke="#333"/>"##,
        WIDTH - RIGHT
    );
    let raw = duration / 10.0;
    let step = [
        1.0, 2.0, 5.0, 10.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 900.0, 1800.0,
    ]
    .into_iter()
    .find(|s| *s >= raw)
    .unwrap_or(3600.0);
    let mut t = 0.0;
    while t <= duration + 1e-9 {
        let label = if duration >= 600.0 {
            format!("{}:{:02}", (t / 60.0) as u64, (t % 60.0) as u64)
        } else {
            format!("{t:.0} s")
        };
        let _ = writeln!(
            svg,
            r##"<line x1="{0:.1}" y1="{axis_y}" x2="{0:.1}" y2="{1:.1}" stroke="#333"/><text x="{0:.1}" y="{2:.1}" text-anchor="middle">{label}</text>"##,
            x(t),
            axis_y + 5.0,
            axis_y + 20.0
        );
        t += step;
    }
    if result.is_empty() {
        let _ = writeln!(
            svg,
            r##"<text x="{LEFT}" y="{:.1}" fill="#999">no speech found</text>"##,
            TOP + 20.0
        );
    }
    svg.push_str("</svg>\n");
    svg
}
