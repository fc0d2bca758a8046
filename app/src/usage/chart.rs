//! The requests-per-day chart. Its text is the page's HTML, so it stays at
//! the page's size at every width (an SVG scaled to its box scaled its
//! labels with it); each day's bars are a small SVG of their own, their
//! heights as attributes (the content security policy allows no inline
//! styles). Requests are stacked by key, failures stand beside them. Each
//! day takes keyboard focus and shows its numbers on hover and focus;
//! screen readers read them from the day itself, and the page has the
//! numbers as a table too.

use super::{ChartDay, UsageChart, counted, grouped};
use leptos::prelude::*;

/// The top of the y-axis: 2, or the smallest 1/2/5 × 10ⁿ (n ≥ 1) at or
/// above `max`, so both labelled gridlines (the top and its half) are
/// round numbers.
pub fn axis_top(max: i64) -> i64 {
    if max <= 2 {
        return 2;
    }
    let mut step = 10;
    loop {
        for top in [step, 2 * step, 5 * step] {
            if top >= max {
                return top;
            }
        }
        step *= 10;
    }
}

/// "1,234 API requests from 1 Nov to 30 Nov; the busiest day was 20 Nov
/// with 300. 12 failed."
pub fn description(chart: &UsageChart) -> String {
    let days = &chart.days;
    let total: i64 = days.iter().map(ChartDay::total).sum();
    let failed: i64 = days.iter().map(|day| day.failed).sum();
    let busiest = days
        .iter()
        .filter(|day| day.total() > 0)
        .max_by_key(|day| day.total());
    let span = match (days.first(), days.last()) {
        (Some(first), Some(last)) => format!("from {} to {}", first.label, last.label),
        _ => String::new(),
    };
    let requests = match busiest {
        None => format!("No API requests {span}."),
        Some(day) => format!(
            "{} {span}; the busiest day was {} with {}.",
            counted(total, "API request"),
            day.label,
            grouped(day.total())
        ),
    };
    if failed == 0 {
        requests
    } else {
        format!("{requests} {} failed.", grouped(failed))
    }
}

/// Whether day `index` of `len` has its date under it: every day of a
/// week, else the last and every seventh before it.
fn labelled(index: usize, len: usize) -> bool {
    len <= 7 || (len - 1 - index).is_multiple_of(7)
}

/// Bar height in the day's SVG (100 units tall) for `value` of `top`.
fn height(value: i64, top: i64) -> f64 {
    (value as f64 / top as f64 * 100.0).clamp(0.0, 100.0)
}

/// The chart of `chart`, titled `caption`.
#[component]
pub fn RequestsChart(chart: UsageChart, caption: String) -> impl IntoView {
    let description = description(&chart);
    let top = axis_top(
        chart
            .days
            .iter()
            .map(|day| day.total().max(day.failed))
            .max()
            .unwrap_or(0)
            .max(1),
    );
    let legend = chart
        .series
        .iter()
        .enumerate()
        .map(|(index, name)| {
            view! {
                <li><span class=format!("chart-swatch chart-series-{index}") aria-hidden="true"></span>{name.clone()}</li>
            }
        })
        .collect_view();
    let len = chart.days.len();
    let series = chart.series.clone();
    let days = chart
        .days
        .into_iter()
        .enumerate()
        .map(|(index, day)| {
            view! { <Day day series=series.clone() top labelled=labelled(index, len) /> }
        })
        .collect_view();
    view! {
        <figure class="usage-chart" aria-labelledby="chart-title">
            <figcaption id="chart-title">{caption}</figcaption>
            <p class="chart-summary">{description}</p>
            <ul class="chart-legend" aria-label="Series">
                {legend}
                <li><span class="chart-swatch chart-failed" aria-hidden="true"></span>"Failed (4xx, 429, 5xx)"</li>
            </ul>
            <div class="chart-plot">
                <div class="chart-axis" aria-hidden="true">
                    <span>{grouped(top)}</span>
                    <span>{grouped(top / 2)}</span>
                    <span>"0"</span>
                </div>
                <ol class="chart-days">{days}</ol>
            </div>
        </figure>
    }
}

/// One day: its bars, its date (some days), and its numbers in a tooltip.
#[component]
fn Day(day: ChartDay, series: Vec<String>, top: i64, labelled: bool) -> impl IntoView {
    let mut y = 100.0;
    let stack = day
        .requests
        .iter()
        .enumerate()
        .filter(|(_, requests)| **requests > 0)
        .map(|(index, requests)| {
            let tall = height(*requests, top);
            y -= tall;
            view! {
                <rect class=format!("chart-series-{index}") x="1" width="11" y=format!("{y:.2}") height=format!("{tall:.2}") />
            }
        })
        .collect_view();
    let failed_height = height(day.failed, top);
    let breakdown = series
        .iter()
        .zip(&day.requests)
        .filter(|(_, requests)| **requests > 0)
        .map(|(name, requests)| format!("{name} {}", grouped(*requests)))
        .collect::<Vec<_>>()
        .join(", ");
    let mut numbers = format!("{}: {}", day.label, counted(day.total(), "request"));
    if !breakdown.is_empty() && series.len() > 1 {
        numbers.push_str(&format!(" ({breakdown})"));
    }
    numbers.push_str(&format!("; {} failed", grouped(day.failed)));
    view! {
        <li class="chart-day" tabindex="0">
            <svg class="chart-bars" viewBox="0 0 20 100" preserveAspectRatio="none" aria-hidden="true">
                {stack}
                <rect class="chart-failed" x="13" width="6" y=format!("{:.2}", 100.0 - failed_height) height=format!("{failed_height:.2}") />
            </svg>
            <time class="chart-date" datetime=day.iso aria-hidden="true">{labelled.then_some(day.label)}</time>
            <span class="chart-tip">{numbers}</span>
        </li>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chart(requests: &[i64]) -> UsageChart {
        UsageChart {
            series: vec!["laptop".to_owned()],
            days: requests
                .iter()
                .enumerate()
                .map(|(i, &requests)| ChartDay {
                    iso: format!("2026-11-{:02}", i + 1),
                    label: format!("{} Nov", i + 1),
                    requests: vec![requests],
                    failed: 0,
                })
                .collect(),
        }
    }

    #[test]
    fn the_axis_ends_on_a_round_number() {
        for (max, top) in [
            (0, 2),
            (1, 2),
            (3, 10),
            (7, 10),
            (10, 10),
            (11, 20),
            (21, 50),
            (450, 500),
            (501, 1000),
        ] {
            assert_eq!(axis_top(max), top);
            assert_eq!(top % 2, 0, "{top} has a whole half");
        }
    }

    #[test]
    fn bars_are_as_tall_as_their_counts() {
        assert_eq!(height(0, 100), 0.0);
        assert_eq!(height(50, 100), 50.0);
        assert_eq!(height(100, 100), 100.0);
        assert_eq!(
            description(&chart(&[0, 50, 100])),
            "150 API requests from 1 Nov to 3 Nov; the busiest day was 3 Nov with 100."
        );
    }

    #[test]
    fn a_week_is_labelled_every_day_a_month_every_seventh_day_to_today() {
        assert!((0..7).all(|day| labelled(day, 7)));
        let month: Vec<usize> = (0..30).filter(|&day| labelled(day, 30)).collect();
        assert_eq!(month, [1, 8, 15, 22, 29]);
    }

    #[test]
    fn an_empty_month_says_so_and_failures_are_counted() {
        assert_eq!(
            description(&chart(&[0, 0])),
            "No API requests from 1 Nov to 2 Nov."
        );
        let mut failing = chart(&[1, 0]);
        failing.days[1].failed = 3;
        assert_eq!(
            description(&failing),
            "1 API request from 1 Nov to 2 Nov; the busiest day was 1 Nov with 1. 3 failed."
        );
    }
}
