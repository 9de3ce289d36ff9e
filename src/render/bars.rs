//! Bar charts of spend by a label (day, market, period) as SVG, for the
//! HTML reports. plotters' SVG backend escapes text and writes a `viewBox`,
//! so the picture scales on a phone. Amounts stay `Decimal` elsewhere; they
//! become `f64` only for pixel geometry here.

use std::io;

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

/// One series of bars: its name (legend) and one amount per label.
pub struct Series<'a> {
    pub name: &'a str,
    pub colour: (u8, u8, u8),
    pub amounts: Vec<Decimal>,
}

pub const ESTIMATE: (u8, u8, u8) = (0x1f, 0x77, 0xb4);
pub const BILLED: (u8, u8, u8) = (0xff, 0x7f, 0x0e);

/// At most this many labels are written under the axis (every n-th).
const MAX_LABELS: usize = 12;

fn plot_error(e: impl std::fmt::Display) -> io::Error {
    io::Error::other(format!("cannot draw the chart: {e}"))
}

/// A bar per label and series, side by side; `y_desc` names the unit.
pub fn svg(title: &str, y_desc: &str, labels: &[String], series: &[Series<'_>]) -> io::Result<String> {
    use plotters::prelude::*;

    let n = labels.len().max(1);
    let max = series
        .iter()
        .flat_map(|s| s.amounts.iter())
        .filter_map(|a| a.to_f64())
        .fold(0.0, f64::max);
    let top = if max > 0.0 { max * 1.1 } else { 1.0 };
    let width = series.len().max(1);
    let step = labels.len().div_ceil(MAX_LABELS).max(1);
    let mut text = String::new();
    {
        let root = SVGBackend::with_string(&mut text, (720, 400)).into_drawing_area();
        root.fill(&WHITE).map_err(plot_error)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 20))
            .margin(16)
            .x_label_area_size(40)
            .y_label_area_size(80)
            .build_cartesian_2d((0..n * width).into_segmented(), 0.0..top)
            .map_err(plot_error)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .light_line_style(TRANSPARENT)
            .x_labels(n * width)
            .x_label_formatter(&|v| match v {
                // One label under the first bar of every step-th group.
                SegmentValue::CenterOf(i) if i % width == 0 && (i / width) % step == 0 => {
                    labels.get(i / width).cloned().unwrap_or_default()
                }
                _ => String::new(),
            })
            .y_desc(y_desc)
            .draw()
            .map_err(plot_error)?;
        for (k, s) in series.iter().enumerate() {
            let fill = RGBColor(s.colour.0, s.colour.1, s.colour.2);
            let bars = s.amounts.iter().enumerate().map(|(i, a)| {
                let x = i * width + k;
                let mut bar = Rectangle::new(
                    [
                        (SegmentValue::Exact(x), 0.0),
                        (SegmentValue::Exact(x + 1), a.to_f64().unwrap_or(0.0)),
                    ],
                    fill.filled(),
                );
                bar.set_margin(0, 0, 1, 1);
                bar
            });
            let drawn = chart.draw_series(bars).map_err(plot_error)?;
            if series.len() > 1 {
                drawn
                    .label(s.name)
                    .legend(move |(x, y)| Rectangle::new([(x, y - 6), (x + 12, y + 6)], fill.filled()));
            }
        }
        if series.len() > 1 {
            chart
                .configure_series_labels()
                .background_style(WHITE.mix(0.9))
                .border_style(BLACK)
                .position(SeriesLabelPosition::UpperRight)
                .draw()
                .map_err(plot_error)?;
        }
        root.present().map_err(plot_error)?;
    }
    Ok(text)
}
