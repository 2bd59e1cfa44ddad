//! The suite's results: one row per figure with the same figure of An Otter Wiki and nginx
//! where they have one, the ratio "how many times better robot.wtf is", the issue's target, and
//! the renderings (a terminal table, `docs/BENCHMARKS.md`, SVG charts).

use std::fmt::Write as _;

/// Which way a figure is better.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Better {
    Higher,
    Lower,
}

/// A target from the issue, and whether this run met it.
#[derive(Debug, Clone)]
pub struct Target {
    pub text: String,
    pub met: bool,
}

/// One measured figure.
#[derive(Debug, Clone)]
pub struct Row {
    pub section: &'static str,
    pub what: String,
    pub unit: &'static str,
    pub better: Better,
    pub robot: f64,
    pub otterwiki: Option<f64>,
    pub nginx: Option<f64>,
    pub target: Option<Target>,
}

impl Row {
    pub fn new(
        section: &'static str,
        what: impl Into<String>,
        unit: &'static str,
        better: Better,
        robot: f64,
    ) -> Row {
        Row {
            section,
            what: what.into(),
            unit,
            better,
            robot,
            otterwiki: None,
            nginx: None,
            target: None,
        }
    }

    pub fn otterwiki(mut self, value: f64) -> Row {
        self.otterwiki = Some(value);
        self
    }

    pub fn nginx(mut self, value: f64) -> Row {
        self.nginx = Some(value);
        self
    }

    pub fn target(mut self, text: impl Into<String>, met: bool) -> Row {
        self.target = Some(Target {
            text: text.into(),
            met,
        });
        self
    }

    /// How many times better robot.wtf is than `other` (below 1: worse).
    pub fn advantage(&self, other: f64) -> f64 {
        advantage(self.better, self.robot, other)
    }
}

/// `robot / other` for figures where higher is better, `other / robot` where lower is.
pub fn advantage(better: Better, robot: f64, other: f64) -> f64 {
    match better {
        Better::Higher => robot / other.max(f64::MIN_POSITIVE),
        Better::Lower => other / robot.max(f64::MIN_POSITIVE),
    }
}

/// Where and on what the suite ran.
#[derive(Debug, Clone, Default)]
pub struct RunInfo {
    pub date: String,
    pub machine: String,
    pub commit: String,
    pub versions: String,
    pub corpus: String,
    pub duration_secs: f64,
    pub notes: Vec<String>,
}

/// A figure as the table shows it.
pub fn number(value: f64, unit: &str) -> String {
    let digits = if value >= 100.0 {
        0
    } else if value >= 10.0 {
        1
    } else {
        2
    };
    format!("{value:.digits$} {unit}")
}

fn ratio(value: f64) -> String {
    if value >= 10.0 {
        format!("{value:.0}×")
    } else {
        format!("{value:.2}×")
    }
}

fn cells(row: &Row) -> [String; 7] {
    let other = |v: Option<f64>| v.map(|v| number(v, row.unit)).unwrap_or_else(|| "–".into());
    // A ratio over a zero (no refused saves) says nothing: no ratio is shown.
    let versus = |v: Option<f64>| {
        v.map(|v| row.advantage(v))
            .filter(|r| r.is_finite() && *r > 0.0)
            .map(ratio)
            .unwrap_or_else(|| "–".into())
    };
    let target = row
        .target
        .as_ref()
        .map(|t| format!("{} {}", if t.met { "✓" } else { "✗" }, t.text))
        .unwrap_or_default();
    [
        row.what.clone(),
        number(row.robot, row.unit),
        other(row.otterwiki),
        versus(row.otterwiki),
        other(row.nginx),
        versus(row.nginx),
        target,
    ]
}

const HEADERS: [&str; 7] = [
    "figure",
    "robot.wtf",
    "An Otter Wiki",
    "× Otter",
    "nginx",
    "× nginx",
    "target",
];

/// Rows grouped by section, sections in the order they first appear, rows in the order taken
/// (a section measured in two places of the run still prints as one).
fn grouped(rows: &[Row]) -> Vec<Row> {
    let mut sections: Vec<&str> = Vec::new();
    for row in rows {
        if !sections.contains(&row.section) {
            sections.push(row.section);
        }
    }
    let mut out = rows.to_vec();
    out.sort_by_key(|row| sections.iter().position(|s| *s == row.section));
    out
}

/// The table for a terminal.
pub fn text_table(rows: &[Row]) -> String {
    let rows = &grouped(rows);
    let all: Vec<[String; 7]> = rows.iter().map(cells).collect();
    let widths: Vec<usize> = (0..7)
        .map(|i| {
            all.iter()
                .map(|c| c[i].chars().count())
                .chain([HEADERS[i].len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    let line = |out: &mut String, cols: &[&str]| {
        for (i, col) in cols.iter().enumerate() {
            let pad = widths[i].saturating_sub(col.chars().count());
            let _ = write!(out, "{col}{}  ", " ".repeat(pad));
        }
        out.push('\n');
    };
    let mut section = "";
    line(&mut out, &HEADERS);
    for (row, c) in rows.iter().zip(&all) {
        if row.section != section {
            section = row.section;
            let _ = writeln!(out, "-- {section}");
        }
        line(&mut out, &c.iter().map(String::as_str).collect::<Vec<_>>());
    }
    out
}

/// `docs/BENCHMARKS.md`.
pub fn markdown(rows: &[Row], info: &RunInfo, charts: &[(&str, &str)]) -> String {
    let rows = &grouped(rows);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# Benchmarks\n\nWritten by `scripts/bench` (the `robot-bench` driver in `crates/bench`); \
         do not edit by hand. Every figure below comes from one run on one machine: robot.wtf, \
         An Otter Wiki and nginx side by side, loaded by the same clients.\n"
    );
    let _ = writeln!(out, "- **Date:** {}", info.date);
    let _ = writeln!(out, "- **Machine:** {}", info.machine);
    let _ = writeln!(out, "- **Commit:** {}", info.commit);
    let _ = writeln!(out, "- **Versions:** {}", info.versions);
    let _ = writeln!(out, "- **Corpus:** {}", info.corpus);
    let _ = writeln!(out, "- **Suite run time:** {:.0} s\n", info.duration_secs);
    let _ = writeln!(
        out,
        "\"× Otter\" and \"× nginx\" say how many times better robot.wtf is (more requests per \
         second, or less time or memory); below 1× it is worse.\n"
    );
    let _ = writeln!(out, "| {} |", HEADERS.join(" | "));
    let _ = writeln!(out, "|{}", "---|".repeat(HEADERS.len()));
    let mut section = "";
    for row in rows {
        if row.section != section {
            section = row.section;
            let _ = writeln!(out, "| **{section}** |{}", " |".repeat(HEADERS.len() - 1));
        }
        let c = cells(row);
        let escaped: Vec<String> = c.iter().map(|s| s.replace('|', "\\|")).collect();
        let _ = writeln!(out, "| {} |", escaped.join(" | "));
    }
    out.push('\n');
    for (file, title) in charts {
        let _ = writeln!(out, "![{title}]({file})\n");
    }
    if !info.notes.is_empty() {
        let _ = writeln!(out, "## How it was measured\n");
        for note in &info.notes {
            let _ = writeln!(out, "- {note}");
        }
    }
    out
}

/// A horizontal bar chart on a log scale: `bars` are (label, value) with values > 0; a line
/// marks 1 (equal) when `reference_line` is set.
pub fn bar_chart(title: &str, axis: &str, bars: &[(String, f64)], reference_line: bool) -> String {
    // A ratio over a zero (no refused saves, say) has no bar: it would stretch the scale forever.
    let bars: Vec<&(String, f64)> = bars
        .iter()
        .filter(|(_, v)| v.is_finite() && *v > 0.0)
        .collect();
    const LABEL_W: f64 = 330.0;
    const PLOT_W: f64 = 440.0;
    const BAR_H: f64 = 22.0;
    const TOP: f64 = 44.0;
    let values: Vec<f64> = bars.iter().map(|(_, v)| v.max(1e-3)).collect();
    let lo = values
        .iter()
        .copied()
        .fold(if reference_line { 1.0 } else { f64::MAX }, f64::min)
        .log10()
        .floor()
        .min(0.0);
    let hi = values
        .iter()
        .copied()
        .fold(1.0, f64::max)
        .log10()
        .ceil()
        .max(lo + 1.0);
    let x = |v: f64| LABEL_W + (v.max(1e-3).log10() - lo) / (hi - lo) * PLOT_W;
    let height = TOP + bars.len() as f64 * (BAR_H + 6.0) + 40.0;
    let width = LABEL_W + PLOT_W + 90.0;
    let mut svg = String::new();
    let _ = writeln!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12">"#
    );
    let _ = writeln!(
        svg,
        r##"<rect width="100%" height="100%" fill="#ffffff"/>"##
    );
    let _ = writeln!(
        svg,
        r#"<text x="10" y="22" font-size="15" font-weight="bold">{}</text>"#,
        escape(title)
    );
    let bottom = TOP + bars.len() as f64 * (BAR_H + 6.0);
    let mut decade = lo;
    while decade <= hi + 1e-9 {
        let v = 10f64.powf(decade);
        let gx = x(v);
        let _ = writeln!(
            svg,
            r##"<line x1="{gx:.1}" y1="{TOP}" x2="{gx:.1}" y2="{bottom}" stroke="#dddddd"/>"##
        );
        let _ = writeln!(
            svg,
            r##"<text x="{gx:.1}" y="{:.1}" text-anchor="middle" fill="#555">{}</text>"##,
            bottom + 14.0,
            tick(v)
        );
        decade += 1.0;
    }
    if reference_line {
        let rx = x(1.0);
        let _ = writeln!(
            svg,
            r##"<line x1="{rx:.1}" y1="{:.1}" x2="{rx:.1}" y2="{bottom}" stroke="#cc3333" stroke-dasharray="4 3"/>"##,
            TOP - 6.0
        );
    }
    for (i, ((label, _), value)) in bars.iter().map(|b| (&b.0, b.1)).zip(&values).enumerate() {
        let y = TOP + i as f64 * (BAR_H + 6.0);
        let start = x(10f64.powf(lo));
        let end = x(*value);
        let colour = if reference_line && *value < 1.0 {
            "#cc6633"
        } else {
            "#3a7bd5"
        };
        let _ = writeln!(
            svg,
            r#"<text x="{:.1}" y="{:.1}" text-anchor="end">{}</text>"#,
            LABEL_W - 8.0,
            y + 15.0,
            escape(label)
        );
        let _ = writeln!(
            svg,
            r#"<rect x="{start:.1}" y="{y:.1}" width="{:.1}" height="{BAR_H}" fill="{colour}"/>"#,
            (end - start).max(1.0)
        );
        let _ = writeln!(
            svg,
            r#"<text x="{:.1}" y="{:.1}">{}</text>"#,
            end + 4.0,
            y + 15.0,
            tick_value(*value)
        );
    }
    let _ = writeln!(
        svg,
        r##"<text x="{:.1}" y="{:.1}" text-anchor="middle" fill="#333">{}</text>"##,
        LABEL_W + PLOT_W / 2.0,
        bottom + 32.0,
        escape(axis)
    );
    svg.push_str("</svg>\n");
    svg
}

fn tick(v: f64) -> String {
    if v >= 1.0 {
        format!("{v:.0}")
    } else {
        format!("{v}")
    }
}

fn tick_value(v: f64) -> String {
    if v >= 100.0 {
        format!("{v:.0}")
    } else if v >= 1.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows() -> Vec<Row> {
        vec![
            Row::new("Page views", "public view", "req/s", Better::Higher, 5000.0)
                .otterwiki(100.0)
                .nginx(20000.0)
                .target(">= 0.5× nginx", false),
            Row::new("Saves", "one writer p50", "ms", Better::Lower, 2.0).otterwiki(60.0),
            Row::new("Memory", "RSS idle", "MB", Better::Lower, 40.0),
        ]
    }

    #[test]
    fn ratios_say_how_many_times_better_either_way() {
        let r = rows();
        assert_eq!(r[0].advantage(100.0), 50.0);
        assert_eq!(r[0].advantage(20000.0), 0.25);
        assert_eq!(r[1].advantage(60.0), 30.0, "less time is better");
    }

    #[test]
    fn the_tables_carry_every_figure_ratio_and_target() {
        let text = text_table(&rows());
        assert!(text.contains("-- Page views"), "{text}");
        assert!(
            text.contains("50×") && text.contains("0.25×") && text.contains("30×"),
            "{text}"
        );
        assert!(text.contains("✗ >= 0.5× nginx"), "{text}");
        let none_refused = Row::new("Saves", "refused", "", Better::Lower, 0.0).otterwiki(27.0);
        let text = text_table(&[none_refused]);
        assert!(!text.contains("inf"), "{text}");

        let mut split = rows();
        split.push(Row::new(
            "Page views",
            "later view",
            "req/s",
            Better::Higher,
            1.0,
        ));
        let text = text_table(&split);
        assert_eq!(text.matches("-- Page views").count(), 1, "{text}");
        let later = text.find("later view").expect("row");
        assert!(later < text.find("-- Saves").expect("saves"), "{text}");
        let info = RunInfo {
            date: "2026-12-06".into(),
            commit: "abc1234".into(),
            ..RunInfo::default()
        };
        let md = markdown(&rows(), &info, &[("chart.svg", "speed")]);
        assert!(md.contains("| **Saves** |"), "{md}");
        assert!(
            md.contains("| one writer p50 | 2.00 ms | 60.0 ms | 30× | – | – |  |"),
            "{md}"
        );
        assert!(md.contains("![speed](chart.svg)"));
        assert!(md.contains("abc1234"));
    }

    #[test]
    fn charts_draw_longer_bars_for_bigger_values_on_a_log_scale() {
        let svg = bar_chart(
            "Speed-up",
            "times faster",
            &[
                ("a <b>".into(), 2.0),
                ("c".into(), 200.0),
                ("d".into(), 0.5),
            ],
            true,
        );
        assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
        assert!(svg.contains("a &lt;b&gt;"), "labels are escaped");
        let widths: Vec<f64> = svg
            .lines()
            .filter(|l| l.starts_with("<rect x="))
            .filter_map(|l| l.split("width=\"").nth(1)?.split('"').next()?.parse().ok())
            .collect();
        assert_eq!(widths.len(), 3);
        assert!(widths[1] > widths[0] && widths[0] > widths[2], "{widths:?}");
        assert!(svg.contains("#cc6633"), "a bar below 1× stands out");

        let odd = bar_chart(
            "t",
            "x",
            &[
                ("inf".into(), f64::INFINITY),
                ("zero".into(), 0.0),
                ("nan".into(), f64::NAN),
                ("ok".into(), 3.0),
            ],
            true,
        );
        assert!(
            !odd.contains(">inf<") && !odd.contains(">zero<") && odd.contains(">ok<"),
            "{odd}"
        );
    }
}
