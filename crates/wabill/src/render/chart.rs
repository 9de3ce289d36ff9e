//! Pictures of monthly spend: a bar chart for the terminal, and a stacked
//! chart by category as SVG (plotters, SVG backend only) or as a
//! self-contained HTML page. Amounts stay `Decimal`; they become `f64` only
//! for pixel geometry.

use std::io::{self, Write};

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use super::{Style, money};
use crate::forecast::ForecastReport;

/// Bar width in character cells for the largest month.
const BAR_CELLS: u64 = 40;
const EIGHTHS: [&str; 8] = ["", "▏", "▎", "▍", "▌", "▋", "▊", "▉"];

/// A bar of `cost / max` of the full width, to the nearest eighth of a cell.
fn bar(cost: Decimal, max: Decimal) -> String {
    if max <= Decimal::ZERO || cost <= Decimal::ZERO {
        return String::new();
    }
    let eighths = (cost * Decimal::from(BAR_CELLS * 8) / max)
        .round()
        .to_u64()
        .unwrap_or(0);
    let mut s = "█".repeat((eighths / 8) as usize);
    s.push_str(EIGHTHS[(eighths % 8) as usize]);
    s
}

/// Monthly spend as horizontal bars, one line a month.
pub fn terminal(report: &ForecastReport, style: Style, out: &mut dyn Write) -> io::Result<()> {
    let max = report
        .months
        .iter()
        .map(|m| m.amounts.cost)
        .max()
        .unwrap_or_default();
    writeln!(out, "Monthly spend ({})", report.meta.currency)?;
    for m in &report.months {
        let bar = bar(m.amounts.cost, max);
        let bar = if style.color && !bar.is_empty() {
            format!("\x1b[36m{bar}\x1b[0m")
        } else {
            bar
        };
        writeln!(out, "{} │{bar} {}", m.month, money(m.amounts.cost))?;
    }
    Ok(())
}

/// Fixed colours per category, so two charts compare at a glance.
fn colour(category: &str) -> plotters::style::RGBColor {
    use plotters::style::RGBColor;
    match category {
        "marketing" => RGBColor(0x1f, 0x77, 0xb4),
        "utility" => RGBColor(0xff, 0x7f, 0x0e),
        "authentication" => RGBColor(0x2c, 0xa0, 0x2c),
        "authentication_international" => RGBColor(0xd6, 0x27, 0x28),
        "service" => RGBColor(0x94, 0x67, 0xbd),
        _ => RGBColor(0x7f, 0x7f, 0x7f),
    }
}

fn categories(report: &ForecastReport) -> Vec<String> {
    let mut all: Vec<String> = report
        .months
        .iter()
        .flat_map(|m| m.cost_by_category.keys().cloned())
        .collect();
    all.sort();
    all.dedup();
    all
}

fn plot_error(e: impl std::fmt::Display) -> io::Error {
    io::Error::other(format!("cannot draw the chart: {e}"))
}

/// A stacked bar per month, one segment per category.
pub fn svg(report: &ForecastReport) -> io::Result<String> {
    use plotters::prelude::*;

    let months = &report.months;
    let max = months
        .iter()
        .map(|m| m.amounts.cost.to_f64().unwrap_or(0.0))
        .fold(0.0, f64::max);
    let top = if max > 0.0 { max * 1.1 } else { 1.0 };
    let n = months.len().max(1);
    let mut text = String::new();
    {
        let root = SVGBackend::with_string(&mut text, (960, 540)).into_drawing_area();
        root.fill(&WHITE).map_err(plot_error)?;
        let title = format!(
            "Forecast monthly spend by category ({})",
            report.meta.currency
        );
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 22))
            .margin(16)
            .x_label_area_size(40)
            .y_label_area_size(80)
            .build_cartesian_2d((0..n).into_segmented(), 0.0..top)
            .map_err(plot_error)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(n)
            .x_label_formatter(&|v| match v {
                SegmentValue::CenterOf(i) => {
                    months.get(*i).map_or(String::new(), |m| m.month.clone())
                }
                _ => String::new(),
            })
            .y_desc(report.meta.currency.as_str())
            .draw()
            .map_err(plot_error)?;
        for category in categories(report) {
            let fill = colour(&category);
            let bars = months.iter().enumerate().filter_map(|(i, m)| {
                let own = m.cost_by_category.get(&category)?.to_f64()?;
                // Segments stack in category order below this one.
                let below: f64 = m
                    .cost_by_category
                    .iter()
                    .take_while(|(c, _)| **c < category)
                    .filter_map(|(_, v)| v.to_f64())
                    .sum();
                let mut bar = Rectangle::new(
                    [
                        (SegmentValue::Exact(i), below),
                        (SegmentValue::Exact(i + 1), below + own),
                    ],
                    fill.filled(),
                );
                bar.set_margin(0, 0, 8, 8);
                Some(bar)
            });
            chart
                .draw_series(bars)
                .map_err(plot_error)?
                .label(category.clone())
                .legend(move |(x, y)| Rectangle::new([(x, y - 6), (x + 12, y + 6)], fill.filled()));
        }
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.9))
            .border_style(BLACK)
            .position(SeriesLabelPosition::UpperLeft)
            .draw()
            .map_err(plot_error)?;
        root.present().map_err(plot_error)?;
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn bars_are_proportional_to_the_eighth() {
        assert_eq!(bar(dec!(10), dec!(10)).chars().count(), 40);
        assert_eq!(bar(dec!(5), dec!(10)), "█".repeat(20));
        // 1/64 of 320 eighths = 5 eighths.
        assert_eq!(bar(dec!(1), dec!(64)), "▋");
        assert_eq!(bar(dec!(0), dec!(64)), "");
    }
}
