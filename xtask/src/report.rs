//! Turns the rows the bench binaries append (see `zokio-bench`) into the
//! printed summary, `BENCHMARKS.md` and the ratio chart the README shows.

use std::fmt::Write as _;

/// One median from one bench binary.
#[derive(Debug, Clone)]
pub struct Row {
    pub workload: String,
    pub runtime: String,
    pub value: f64,
    pub unit: String,
    pub higher_is_better: bool,
}

pub fn parse(text: &str) -> Vec<Row> {
    text.lines()
        .filter_map(|line| {
            let mut f = line.split('\t');
            Some(Row {
                workload: f.next()?.to_string(),
                runtime: f.next()?.to_string(),
                value: f.next()?.parse().ok()?,
                unit: f.next()?.to_string(),
                higher_is_better: f.next()? == "higher",
            })
        })
        .collect()
}

/// Workloads in first-seen order, each with its rows (zokio first).
pub fn group(rows: &[Row]) -> Vec<(String, Vec<Row>)> {
    let mut groups: Vec<(String, Vec<Row>)> = Vec::new();
    for row in rows {
        match groups.iter_mut().find(|(w, _)| *w == row.workload) {
            Some((_, g)) => g.push(row.clone()),
            None => groups.push((row.workload.clone(), vec![row.clone()])),
        }
    }
    groups
}

/// Zokio's advantage over `peer` (above 1: zokio is better).
pub fn advantage(zokio: &Row, peer: &Row) -> f64 {
    if zokio.higher_is_better {
        zokio.value / peer.value
    } else {
        peer.value / zokio.value
    }
}

pub fn markdown_table(groups: &[(String, Vec<Row>)]) -> String {
    let mut out =
        String::from("| workload | unit | zokio | peer | peer's figure | zokio's advantage |\n");
    out.push_str("| --- | --- | ---: | --- | ---: | ---: |\n");
    for (workload, rows) in groups {
        let Some(zokio) = rows.first() else { continue };
        let better = if zokio.higher_is_better {
            "higher"
        } else {
            "lower"
        };
        if rows.len() == 1 {
            let _ = writeln!(
                out,
                "| {workload} | {} ({better} is better) | {} | | | |",
                zokio.unit,
                fmt(zokio.value)
            );
        }
        for peer in &rows[1..] {
            let _ = writeln!(
                out,
                "| {workload} | {} ({better} is better) | {} | {} | {} | {:.2}x |",
                zokio.unit,
                fmt(zokio.value),
                peer.runtime,
                fmt(peer.value),
                advantage(zokio, peer)
            );
        }
    }
    out
}

fn fmt(v: f64) -> String {
    if v >= 100.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.2}")
    }
}

/// A horizontal bar per (workload, peer): zokio's advantage on a log scale,
/// with the parity line marked. Green right of parity, red left of it.
pub fn svg(groups: &[(String, Vec<Row>)]) -> String {
    let bars: Vec<(String, f64)> = groups
        .iter()
        .flat_map(|(w, rows)| {
            let zokio = rows.first();
            rows.iter().skip(1).filter_map(move |peer| {
                Some((format!("{w} vs {}", peer.runtime), advantage(zokio?, peer)))
            })
        })
        .collect();
    let (label_w, chart_w, row_h, top) = (300.0, 420.0, 22.0, 40.0);
    let height = top + row_h * bars.len() as f64 + 30.0;
    // log2 scale from 1/8x to 64x; parity in the middle-left.
    let (lo, hi) = (-3.0f64, 6.0f64);
    let x = |ratio: f64| label_w + (ratio.log2().clamp(lo, hi) - lo) / (hi - lo) * chart_w;
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{height}\" font-family=\"sans-serif\" font-size=\"12\">\n\
         <rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n\
         <text x=\"10\" y=\"20\" font-size=\"14\">Zokio's advantage per workload (log scale; right of the line = Zokio better)</text>\n",
        label_w + chart_w + 80.0
    );
    for (i, (label, ratio)) in bars.iter().enumerate() {
        let y = top + row_h * i as f64;
        let (x0, x1) = (x(1.0).min(x(*ratio)), x(1.0).max(x(*ratio)));
        let color = if *ratio >= 1.0 { "#2e8b57" } else { "#c0392b" };
        let _ = writeln!(
            s,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>\
             <rect x=\"{x0:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"{color}\"/>\
             <text x=\"{:.1}\" y=\"{}\">{ratio:.2}x</text>",
            label_w - 8.0,
            y + 14.0,
            escape(label),
            y + 3.0,
            (x1 - x0).max(1.0),
            row_h - 6.0,
            x1 + 4.0,
            y + 14.0
        );
    }
    let _ = writeln!(
        s,
        "<line x1=\"{0:.1}\" y1=\"{1}\" x2=\"{0:.1}\" y2=\"{2}\" stroke=\"black\"/>\n\
         <text x=\"{0:.1}\" y=\"{3}\" text-anchor=\"middle\">1x</text>\n</svg>",
        x(1.0),
        top - 5.0,
        top + row_h * bars.len() as f64,
        top + row_h * bars.len() as f64 + 15.0
    );
    s
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_round_trip_into_a_table_and_a_chart() {
        let rows = parse(
            "spawn\tzokio\t10\tns\tlower\nspawn\ttokio\t30\tns\tlower\nrps\tzokio\t200\treq/s\thigher\nrps\ttokio\t100\treq/s\thigher\n",
        );
        let groups = group(&rows);
        assert_eq!(groups.len(), 2);
        assert_eq!(advantage(&groups[0].1[0], &groups[0].1[1]), 3.0);
        assert_eq!(advantage(&groups[1].1[0], &groups[1].1[1]), 2.0);
        let table = markdown_table(&groups);
        assert!(table.contains("| spawn | ns (lower is better) | 10.00 | tokio | 30.00 | 3.00x |"));
        let chart = svg(&groups);
        assert!(chart.contains("spawn vs tokio") && chart.contains("3.00x"));
    }
}
