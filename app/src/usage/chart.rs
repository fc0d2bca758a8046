//! The daily-requests chart as SVG markup, built the same on the server and
//! in the browser: it reads without JavaScript, and screen readers get its
//! title, a one-sentence description, and the numbers as a table beside it.

use super::{DayRequests, counted, grouped};
use std::fmt::Write;

const WIDTH: f64 = 640.0;
const HEIGHT: f64 = 220.0;
const LEFT: f64 = 48.0;
const RIGHT: f64 = 8.0;
const TOP: f64 = 12.0;
const BOTTOM: f64 = 28.0;

/// The smallest 1/2/5 × 10ⁿ at or above `max`, so the top gridline is round.
fn axis_top(max: i64) -> i64 {
    let mut step = 1;
    loop {
        for factor in [1, 2, 5] {
            if step * factor >= max {
                return step * factor;
            }
        }
        step *= 10;
    }
}

/// "1,234 requests over the last 30 days; the busiest day was 20 Nov with 300."
pub fn description(days: &[DayRequests]) -> String {
    let total: i64 = days.iter().map(|day| day.requests).sum();
    let busiest = days
        .iter()
        .filter(|day| day.requests > 0)
        .max_by_key(|day| day.requests);
    let span = match (days.first(), days.last()) {
        (Some(first), Some(last)) => format!("from {} to {}", first.label, last.label),
        _ => String::new(),
    };
    match busiest {
        None => format!("No API requests {span}."),
        Some(day) => format!(
            "{} {span}; the busiest day was {} with {}.",
            counted(total, "API request"),
            day.label,
            grouped(day.requests)
        ),
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The chart: one bar per day, gridlines at 0, half and the top, a date
/// under today and every seventh day before it.
pub fn svg(days: &[DayRequests]) -> String {
    let top = axis_top(
        days.iter()
            .map(|day| day.requests)
            .max()
            .unwrap_or(0)
            .max(1),
    );
    let plot_width = WIDTH - LEFT - RIGHT;
    let plot_height = HEIGHT - TOP - BOTTOM;
    let slot = plot_width / days.len().max(1) as f64;
    let y_of = |value: i64| TOP + plot_height * (1.0 - value as f64 / top as f64);
    let mut out = String::new();
    let _ = write!(
        out,
        r#"<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-labelledby="chart-title chart-desc" xmlns="http://www.w3.org/2000/svg"><title id="chart-title">Daily API requests, last {} days</title><desc id="chart-desc">{}</desc>"#,
        days.len(),
        escape(&description(days)),
    );
    for value in [0, top / 2, top] {
        let y = y_of(value);
        let _ = write!(
            out,
            r#"<line class="chart-grid" x1="{LEFT}" x2="{}" y1="{y:.1}" y2="{y:.1}"/><text class="chart-label" x="{}" y="{:.1}" text-anchor="end">{}</text>"#,
            WIDTH - RIGHT,
            LEFT - 6.0,
            y + 4.0,
            grouped(value),
        );
    }
    for (i, day) in days.iter().enumerate() {
        let x = LEFT + slot * i as f64;
        let y = y_of(day.requests);
        let _ = write!(
            out,
            r#"<rect class="chart-bar" x="{:.1}" y="{y:.1}" width="{:.1}" height="{:.1}"><title>{}: {}</title></rect>"#,
            x + slot * 0.15,
            slot * 0.7,
            TOP + plot_height - y,
            escape(&day.label),
            counted(day.requests, "request"),
        );
        if (days.len() - 1 - i).is_multiple_of(7) {
            // Today's date ends at its bar, so it stays inside the chart.
            let (label_x, anchor) = if i + 1 == days.len() {
                (x + slot * 0.85, "end")
            } else {
                (x + slot / 2.0, "middle")
            };
            let _ = write!(
                out,
                r#"<text class="chart-label" x="{label_x:.1}" y="{}" text-anchor="{anchor}">{}</text>"#,
                HEIGHT - 8.0,
                escape(&day.label),
            );
        }
    }
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn days(requests: &[i64]) -> Vec<DayRequests> {
        requests
            .iter()
            .enumerate()
            .map(|(i, &requests)| DayRequests {
                iso: format!("2026-11-{:02}", i + 1),
                label: format!("{} Nov", i + 1),
                requests,
            })
            .collect()
    }

    #[test]
    fn the_axis_ends_on_a_round_number() {
        for (max, top) in [
            (1, 1),
            (3, 5),
            (7, 10),
            (10, 10),
            (11, 20),
            (450, 500),
            (501, 1000),
        ] {
            assert_eq!(axis_top(max), top);
        }
    }

    #[test]
    fn bars_are_as_tall_as_their_counts() {
        let markup = svg(&days(&[0, 50, 100]));
        // The plot is 180 units tall; the axis tops at 100.
        assert!(
            markup.contains(r#"height="0.0"><title>1 Nov: 0 requests"#),
            "{markup}"
        );
        assert!(
            markup.contains(r#"height="90.0"><title>2 Nov: 50 requests"#),
            "{markup}"
        );
        assert!(
            markup.contains(r#"height="180.0"><title>3 Nov: 100 requests"#),
            "{markup}"
        );
        assert!(
            markup.contains(
                "150 API requests from 1 Nov to 3 Nov; the busiest day was 3 Nov with 100."
            )
        );
    }

    #[test]
    fn today_and_every_seventh_day_before_it_are_labelled() {
        let markup = svg(&days(&[1; 30]));
        let labelled: Vec<&str> = markup
            .split(r#"y="212" text-anchor="#)
            .skip(1)
            .map(|rest| rest.split(['>', '<']).nth(1).unwrap())
            .collect();
        assert_eq!(labelled, ["2 Nov", "9 Nov", "16 Nov", "23 Nov", "30 Nov"]);
    }

    #[test]
    fn an_empty_month_says_so() {
        assert_eq!(
            description(&days(&[0, 0])),
            "No API requests from 1 Nov to 2 Nov."
        );
        assert!(svg(&days(&[0, 0])).contains(r#"height="0.0""#));
    }
}
