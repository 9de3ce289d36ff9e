//! A progress bar on stderr for long reads: only on a terminal, never with
//! --quiet, so piped and timed runs measure work only.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::input::Source;

pub struct Progress(ProgressBar);

impl Progress {
    pub fn new(sources: &[Source], hidden: bool) -> Self {
        if hidden {
            return Progress(ProgressBar::hidden());
        }
        let total: Option<u64> = sources.iter().map(Source::size).sum();
        let bar = match total {
            Some(t) => ProgressBar::with_draw_target(Some(t), ProgressDrawTarget::stderr())
                .with_style(
                    ProgressStyle::with_template(
                        "{spinner} {msg} · {bytes}/{total_bytes} ({bytes_per_sec}, {eta} left)",
                    )
                    .expect("valid template"),
                ),
            None => ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr()).with_style(
                ProgressStyle::with_template("{spinner} {msg} · {bytes} ({bytes_per_sec})")
                    .expect("valid template"),
            ),
        };
        Progress(bar)
    }

    /// Called every 65,536 rows and at the end of each file.
    pub fn update(&self, bytes: u64, rows: u64) {
        self.0.set_position(bytes);
        if !self.0.is_hidden() {
            self.0
                .set_message(format!("{} rows", crate::display::group_digits(rows)));
        }
    }

    pub fn finish(&self) {
        self.0.finish_and_clear();
    }
}
