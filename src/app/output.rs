//! Where results go: standard output, or a file written atomically (a
//! temporary file beside it, renamed into place only when complete, so an
//! interrupted run never leaves half a report).

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

pub enum Output {
    Stdout(BufWriter<io::Stdout>),
    File(AtomicFile),
}

pub struct AtomicFile {
    writer: Option<BufWriter<File>>,
    temp: PathBuf,
    target: PathBuf,
}

impl Output {
    pub fn open(target: Option<&Path>) -> Result<Output> {
        let Some(target) = target else {
            return Ok(Output::Stdout(BufWriter::new(io::stdout())));
        };
        let name = target
            .file_name()
            .context("--output needs a file name")?
            .to_string_lossy();
        let temp = target.with_file_name(format!(".{name}.wabill-tmp-{}", std::process::id()));
        let file =
            File::create(&temp).with_context(|| format!("cannot create {}", temp.display()))?;
        Ok(Output::File(AtomicFile {
            writer: Some(BufWriter::new(file)),
            temp,
            target: target.to_path_buf(),
        }))
    }

    pub fn writer(&mut self) -> &mut dyn Write {
        match self {
            Output::Stdout(w) => w,
            Output::File(f) => f.writer.as_mut().expect("open until finish"),
        }
    }

    /// Flushes, and for a file moves it into place.
    pub fn finish(self) -> Result<()> {
        match self {
            Output::Stdout(mut w) => Ok(w.flush()?),
            Output::File(mut f) => {
                let writer = f.writer.take().expect("finished once");
                let file = writer.into_inner().map_err(|e| e.into_error())?;
                file.sync_all()?;
                std::fs::rename(&f.temp, &f.target)
                    .with_context(|| format!("cannot move the report into {}", f.target.display()))
            }
        }
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        // After a successful rename the temporary file is gone already.
        let _ = std::fs::remove_file(&self.temp);
    }
}
