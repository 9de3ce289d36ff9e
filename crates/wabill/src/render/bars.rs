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
const MAX_LABELS: usize = 6;

fn plot_error(e: impl std::fmt::Display) -> io::Error {
    io::Error::other(format!("cannot draw the chart: {e}"))
}

/// Text sizes in SVG pixels: the picture is 720 px wide and a phone shows
/// it at about half that, so labels are larger than on a desktop chart.
const LABEL_PX: u32 = 18;
const TITLE_PX: u32 = 24;

/// Vertical bars, one group per label (days, periods), series side by side;
/// `y_desc` names the unit.
pub fn columns(
    title: &str,
    y_desc: &str,
    labels: &[String],
    series: &[Series<'_>],
) -> io::Result<String> {
    use plotters::prelude::*;

    let n = labels.len().max(1);
    let width = series.len().max(1);
    let top = top(series);
    let step = labels.len().div_ceil(MAX_LABELS).max(1);
    let mut text = String::new();
    {
        let root = SVGBackend::with_string(&mut text, (720, 420)).into_drawing_area();
        root.fill(&WHITE).map_err(plot_error)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", TITLE_PX))
            .margin(16)
            .x_label_area_size(44)
            .y_label_area_size(90)
            .build_cartesian_2d((0..n * width).into_segmented(), 0.0..top)
            .map_err(plot_error)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .light_line_style(TRANSPARENT)
            .label_style(("sans-serif", LABEL_PX))
            .x_labels(n * width)
            .x_label_formatter(&|v| match v {
                // One label under the first bar of every step-th group.
                SegmentValue::CenterOf(i)
                    if i.is_multiple_of(width) && (i / width).is_multiple_of(step) =>
                {
                    labels.get(i / width).cloned().unwrap_or_default()
                }
                _ => String::new(),
            })
            .y_desc(y_desc)
            .draw()
            .map_err(plot_error)?;
        // A bar per amount: series k's bar of group i, side by side.
        draw_bars(&mut chart, series, (0, 0, 1, 1), |i, k, a| {
            let x = i * width + k;
            [
                (SegmentValue::Exact(x), 0.0),
                (SegmentValue::Exact(x + 1), a),
            ]
        })?;
        root.present().map_err(plot_error)?;
    }
    Ok(text)
}

/// Horizontal bars, one group per label (markets, countries), so long names
/// stay readable; the picture grows with the number of labels.
pub fn rows(
    title: &str,
    x_desc: &str,
    labels: &[String],
    series: &[Series<'_>],
) -> io::Result<String> {
    use plotters::prelude::*;

    let n = labels.len().max(1);
    let width = series.len().max(1);
    let top = top(series);
    let height = 120 + (n * width) as u32 * 26;
    let mut text = String::new();
    {
        let root = SVGBackend::with_string(&mut text, (720, height)).into_drawing_area();
        root.fill(&WHITE).map_err(plot_error)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", TITLE_PX))
            .margin(16)
            .x_label_area_size(50)
            .y_label_area_size(210)
            .build_cartesian_2d(0.0..top, (0..n * width).into_segmented())
            .map_err(plot_error)?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .light_line_style(TRANSPARENT)
            .label_style(("sans-serif", LABEL_PX))
            .x_labels(5)
            .y_labels(n * width)
            .y_label_formatter(&|v| match v {
                // The y axis grows upwards: the first label goes on top.
                SegmentValue::CenterOf(i) if i.is_multiple_of(width) => (n - 1)
                    .checked_sub(i / width)
                    .and_then(|j| labels.get(j))
                    .cloned()
                    .unwrap_or_default(),
                _ => String::new(),
            })
            .x_desc(x_desc)
            .draw()
            .map_err(plot_error)?;
        // The first group on top, its first series uppermost.
        draw_bars(&mut chart, series, (2, 2, 0, 0), |i, k, a| {
            let y = (n - 1 - i) * width + (width - 1 - k);
            [
                (0.0, SegmentValue::Exact(y)),
                (a, SegmentValue::Exact(y + 1)),
            ]
        })?;
        root.present().map_err(plot_error)?;
    }
    Ok(text)
}

/// The axis top: a tenth above the largest bar (1 when all are zero).
fn top(series: &[Series<'_>]) -> f64 {
    let max = series
        .iter()
        .flat_map(|s| s.amounts.iter())
        .filter_map(|a| a.to_f64())
        .fold(0.0, f64::max);
    if max > 0.0 { max * 1.1 } else { 1.0 }
}

fn rgb(s: &Series<'_>) -> plotters::style::RGBColor {
    plotters::style::RGBColor(s.colour.0, s.colour.1, s.colour.2)
}

/// A legend only when there is more than one series to tell apart.
/// Every series' bars, `corners` giving a bar's two corners from its
/// group, its series and its amount; `margins` (top, bottom, left, right)
/// in pixels; the series named in a legend when there are several.
fn draw_bars<'a, DB, CT>(
    chart: &mut plotters::chart::ChartContext<'a, DB, CT>,
    series: &[Series<'_>],
    margins: (u32, u32, u32, u32),
    corners: impl Fn(usize, usize, f64) -> [CT::From; 2],
) -> io::Result<()>
where
    DB: plotters::prelude::DrawingBackend + 'a,
    CT: plotters::coord::CoordTranslate,
{
    use plotters::prelude::*;
    for (k, s) in series.iter().enumerate() {
        let fill = rgb(s);
        let bars = s.amounts.iter().enumerate().map(|(i, a)| {
            let mut bar = Rectangle::new(corners(i, k, a.to_f64().unwrap_or(0.0)), fill.filled());
            bar.set_margin(margins.0, margins.1, margins.2, margins.3);
            bar
        });
        let drawn = chart.draw_series(bars).map_err(plot_error)?;
        if series.len() > 1 {
            drawn
                .label(s.name)
                .legend(move |(x, y)| Rectangle::new([(x, y - 6), (x + 12, y + 6)], fill.filled()));
        }
    }
    legend(chart, series.len())
}

fn legend<'a, DB, CT>(
    chart: &mut plotters::chart::ChartContext<'a, DB, CT>,
    series: usize,
) -> io::Result<()>
where
    DB: plotters::prelude::DrawingBackend + 'a,
    CT: plotters::coord::CoordTranslate,
{
    use plotters::prelude::*;
    if series > 1 {
        chart
            .configure_series_labels()
            .label_font(("sans-serif", LABEL_PX))
            .background_style(WHITE.mix(0.9))
            .border_style(BLACK)
            .position(SeriesLabelPosition::UpperRight)
            .draw()
            .map_err(plot_error)?;
    }
    Ok(())
}
