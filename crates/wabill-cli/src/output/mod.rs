//! Where results go: standard output, a device or pipe written in place, or
//! a regular file replaced atomically.
//!
//! A regular file is written to a temporary file created with `O_EXCL` under
//! an unpredictable name in the target's directory (so nobody can plant a
//! link there), given the old file's permissions, and renamed over the
//! target only when the run succeeded. Anything that is not a regular file
//! (`/dev/null`, `/dev/stdout`, a FIFO, `>(gzip > x.gz)`) is opened and
//! written in place: replacing it would break the device or the pipe (as
//! root, a rename over `/dev/null` succeeds). A symlink is followed: the file
//! it points to is replaced and the link stays.

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, IsTerminal, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use tempfile::NamedTempFile;
use wabill::choice::Choice;
use wabill::render::{Format, Offered, offers};

pub mod signals;

/// Where an `-o`/`--rejects` path leads, resolved before anything is read.
#[derive(Clone, Debug)]
pub enum Target {
    Stdout,
    /// Not a regular file: opened for writing, never created or replaced.
    InPlace {
        shown: PathBuf,
        path: PathBuf,
    },
    /// A regular file (or none yet): replaced atomically.
    Replace {
        shown: PathBuf,
        path: PathBuf,
    },
}

/// Symlinks followed before giving up (as the kernel does).
const MAX_LINKS: usize = 40;

impl Target {
    /// The target `path` names (see `resolve`) and the format to write
    /// there (see `format_for`): a command's first step.
    pub fn with_format(
        path: Option<&Path>,
        given: Option<Format>,
        default: Format,
        offered: &[Offered],
    ) -> Result<(Target, Format)> {
        let target = Target::resolve(path)?;
        let format = format_for(given, &target, default, offered)?;
        Ok((target, format))
    }

    /// `None` and `-` are standard output.
    pub fn resolve(path: Option<&Path>) -> Result<Target> {
        let Some(shown) = path else {
            return Ok(Target::Stdout);
        };
        if shown.as_os_str() == "-" {
            return Ok(Target::Stdout);
        }
        let mut path = shown.to_path_buf();
        for _ in 0..MAX_LINKS {
            match fs::symlink_metadata(&path) {
                Ok(meta) if meta.file_type().is_symlink() => {
                    let link = fs::read_link(&path)
                        .with_context(|| format!("cannot read the link {}", shown.display()))?;
                    path = path.parent().unwrap_or(Path::new("")).join(link);
                }
                Ok(meta) if meta.is_dir() => bail!("{} is a directory", shown.display()),
                Ok(meta) if !meta.is_file() => {
                    return Ok(Target::InPlace {
                        shown: shown.to_path_buf(),
                        path,
                    });
                }
                _ => {
                    if path.file_name().is_none() {
                        bail!("{} does not name a file", shown.display());
                    }
                    return Ok(Target::Replace {
                        shown: shown.to_path_buf(),
                        path,
                    });
                }
            }
        }
        bail!("{}: too many levels of symbolic links", shown.display())
    }

    /// The path as the user typed it, for messages.
    pub fn shown(&self) -> Option<&Path> {
        match self {
            Target::Stdout => None,
            Target::InPlace { shown, .. } | Target::Replace { shown, .. } => Some(shown),
        }
    }

    pub fn is_stdout(&self) -> bool {
        matches!(self, Target::Stdout)
    }

    /// The file's extension, lower case (for choosing a format).
    pub fn extension(&self) -> Option<String> {
        let ext = self.shown()?.extension()?.to_str()?;
        Some(ext.to_ascii_lowercase())
    }

    pub fn open(&self) -> Result<Output> {
        Ok(match self {
            Target::Stdout => {
                // CSV cells printed on a terminal have their control
                // characters escaped.
                if signals::stdout_closed() {
                    bail!("standard output is closed: the report cannot be written (give -o FILE)");
                }
                wabill::render::set_terminal(io::stdout().is_terminal());
                Output::Stdout(BufWriter::new(io::stdout()))
            }
            Target::InPlace { shown, path } => {
                let file = OpenOptions::new()
                    .write(true)
                    .open(path)
                    .with_context(|| format!("cannot open {}", shown.display()))?;
                Output::InPlace(BufWriter::new(file), shown.clone())
            }
            Target::Replace { shown, path } => {
                if let Some(input) = read_as(path) {
                    bail!(
                        "{} is an input of this run ({}): choose another file",
                        shown.display(),
                        input.display()
                    );
                }
                let dir = match path.parent() {
                    Some(d) if !d.as_os_str().is_empty() => d,
                    _ => Path::new("."),
                };
                let name = path.file_name().unwrap_or_default().to_string_lossy();
                let prefix = format!(".{name}.");
                let mut builder = tempfile::Builder::new();
                builder.prefix(&prefix).suffix(".wabill-tmp");
                // The old file's mode; a new file gets what `creat` would give.
                let old = fs::metadata(path).ok().map(|m| m.permissions());
                #[cfg(unix)]
                {
                    use std::os::unix::fs::PermissionsExt;
                    builder.permissions(fs::Permissions::from_mode(0o666));
                }
                let temp = builder
                    .tempfile_in(dir)
                    .map_err(without_temp_path)
                    .with_context(|| format!("cannot create {}", shown.display()))?;
                if let Some(perm) = old {
                    fs::set_permissions(temp.path(), perm)
                        .with_context(|| format!("cannot write {}", shown.display()))?;
                }
                Output::Replace {
                    guard: signals::remove_on_signal(temp.path()),
                    writer: BufWriter::new(temp),
                    path: path.clone(),
                    shown: shown.clone(),
                }
            }
        })
    }
}

pub enum Output {
    Stdout(BufWriter<io::Stdout>),
    InPlace(BufWriter<File>, PathBuf),
    /// Dropped without `finish`, the temporary file is removed.
    Replace {
        writer: BufWriter<NamedTempFile>,
        path: PathBuf,
        shown: PathBuf,
        /// Removes the temporary file on SIGINT, SIGTERM, SIGHUP.
        guard: signals::Guard,
    },
}

impl Output {
    /// Standard output, or `-o FILE`.
    pub fn open(path: Option<&Path>) -> Result<Output> {
        Target::resolve(path)?.open()
    }

    pub fn writer(&mut self) -> &mut dyn Write {
        self
    }

    /// Flushes, and for a regular file moves it into place.
    pub fn finish(self) -> Result<()> {
        match self {
            Output::Stdout(mut w) => Ok(w.flush()?),
            Output::InPlace(mut w, shown) => w
                .flush()
                .with_context(|| format!("cannot write {}", shown.display())),
            Output::Replace {
                writer,
                path,
                shown,
                guard,
            } => {
                let context = || format!("cannot write {}", shown.display());
                let temp = writer
                    .into_inner()
                    .map_err(|e| e.into_error())
                    .with_context(context)?;
                temp.as_file().sync_all().with_context(context)?;
                // A file read after the output was opened is refused too.
                if let Some(input) = read_as(&path) {
                    bail!(
                        "{} is an input of this run ({}): choose another file",
                        shown.display(),
                        input.display()
                    );
                }
                temp.persist(&path)
                    .map_err(|e| e.error)
                    .with_context(|| format!("cannot move the output into {}", shown.display()))?;
                drop(guard);
                Ok(())
            }
        }
    }
}

impl Write for Output {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Output::Stdout(w) => w.write(buf),
            Output::InPlace(w, _) => w.write(buf),
            Output::Replace { writer, .. } => writer.write(buf),
        }
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        match self {
            Output::Stdout(w) => w.write_all(buf),
            Output::InPlace(w, _) => w.write_all(buf),
            Output::Replace { writer, .. } => writer.write_all(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Output::Stdout(w) => w.flush(),
            Output::InPlace(w, _) => w.flush(),
            Output::Replace { writer, .. } => writer.flush(),
        }
    }
}

fn usage(message: String) -> anyhow::Error {
    crate::error::Failure::new(crate::error::Exit::Usage, message).into()
}

fn shown_target(target: &Target) -> String {
    target
        .shown()
        .map_or(String::new(), |p| p.display().to_string())
}

/// The format an `-o` file's extension names; a usage error (exit 2) for
/// an extension that names no format wabill writes (`.xlsx`, `.pdf`, …).
/// `None` without an extension (or without a file).
fn named_format(target: &Target) -> Result<Option<Format>> {
    let Some(ext) = target.extension() else {
        return Ok(None);
    };
    match Format::from_extension(&ext) {
        Some(format) => Ok(Some(format)),
        None => Err(usage(format!(
            "-o {}: .{ext} names no format wabill writes (.{}); give --format or another name",
            shown_target(target),
            wabill::render::EXTENSIONS
                .iter()
                .map(|(e, _)| *e)
                .collect::<Vec<_>>()
                .join(" .")
        ))),
    }
}

/// For a command that writes plain text only (`explain`): the `-o`
/// file's extension must name text, or nothing.
pub fn check_text_target(target: &Target) -> Result<()> {
    match named_format(target)? {
        None | Some(Format::Text) => Ok(()),
        Some(name) => Err(usage(format!(
            "-o {}: this command writes text, not {name}",
            shown_target(target)
        ))),
    }
}

/// The output format: `--format` when given, else the one the `-o` file's
/// extension names (see `wabill::render::EXTENSIONS`), else `default`. An
/// extension naming no format, or one the command does not write, is a
/// usage error.
pub fn format_for(
    given: Option<Format>,
    target: &Target,
    default: Format,
    offered: &[Offered],
) -> Result<Format> {
    let format = match given {
        Some(f) => f,
        None => match named_format(target)? {
            None => default,
            Some(format) if offers(offered, format) => format,
            Some(format) => {
                let names: Vec<&str> = offered.iter().map(|(f, _)| f.name()).collect();
                return Err(usage(format!(
                    "-o {}: this command does not write {format} (formats: {}); give --format",
                    shown_target(target),
                    names.join(", ")
                )));
            }
        },
    };
    // A workbook is a zip: on a terminal it would be noise, and a
    // terminal can be left in a bad state by it.
    if format == Format::Xlsx && target.is_stdout() && io::stdout().is_terminal() {
        return Err(usage(
            "--format xlsx: an Excel workbook is not printed on a terminal: \
             give -o FILE.xlsx or redirect standard output"
                .to_string(),
        ));
    }
    Ok(format)
}

/// tempfile's errors name the temporary path; the user typed another.
fn without_temp_path(e: io::Error) -> io::Error {
    let os = e
        .get_ref()
        .and_then(|inner| inner.source())
        .and_then(|s| s.downcast_ref::<io::Error>())
        .and_then(io::Error::raw_os_error);
    match os {
        Some(code) => io::Error::from_raw_os_error(code),
        None => io::Error::from(e.kind()),
    }
}

/// True when both paths name one existing file (same device and inode).
/// Every file the run has read besides its logs (cards, `wabill.toml`,
/// `--actual` exports, `merge` inputs, …): an output naming one of them
/// is refused when it is opened, before anything is written.
static READ: std::sync::Mutex<Vec<PathBuf>> = std::sync::Mutex::new(Vec::new());

/// Reads a file the run needs, noting it as an input (see `READ`).
pub fn read_input(path: &Path) -> io::Result<String> {
    note_input(path);
    fs::read_to_string(path)
}

/// Notes `path` as an input (see `READ`).
pub fn note_input(path: &Path) {
    if let Ok(mut read) = READ.lock() {
        read.push(path.to_path_buf());
    }
}

/// The input `path` is, if it is one (see `READ`).
fn read_as(path: &Path) -> Option<PathBuf> {
    let read = READ.lock().ok()?;
    read.iter().find(|r| same_file(r, path)).cloned()
}

pub fn same_file(a: &Path, b: &Path) -> bool {
    let (Ok(ma), Ok(mb)) = (fs::metadata(a), fs::metadata(b)) else {
        return false;
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        ma.dev() == mb.dev() && ma.ino() == mb.ino()
    }
    #[cfg(not(unix))]
    {
        let _ = (ma, mb);
        matches!((fs::canonicalize(a), fs::canonicalize(b)), (Ok(x), Ok(y)) if x == y)
    }
}

/// Refuses, before anything is read or truncated, an output (`-o`,
/// `--rejects`) that is one of the inputs, and an input given twice.
/// Devices and pipes are exempt from the output check (`-o /dev/stdout`).
pub fn check_paths(inputs: &[&Path], outputs: &[(&str, Option<&Path>)]) -> Result<()> {
    for (i, a) in inputs.iter().enumerate() {
        for b in &inputs[..i] {
            if same_file(a, b) && fs::metadata(a).is_ok_and(|m| m.is_file()) {
                if a == b {
                    bail!("{} is given twice", a.display());
                }
                bail!("{} and {} are the same file", b.display(), a.display());
            }
        }
    }
    for (flag, out) in outputs {
        let Some(out) = out else { continue };
        if out.as_os_str() == "-" || !fs::metadata(out).is_ok_and(|m| m.is_file()) {
            continue;
        }
        if let Some(input) = inputs.iter().find(|i| same_file(i, out)) {
            bail!(
                "{flag} {} is an input ({}): choose another file",
                out.display(),
                input.display()
            );
        }
    }
    Ok(())
}

/// `--rejects FILE` as the engine's destination: written beside the file and
/// moved into place when complete, like `-o`.
pub fn rejects_target(path: &Path) -> wabill::rejects::RejectsTarget {
    let owned = path.to_path_buf();
    wabill::rejects::RejectsTarget {
        name: path.display().to_string(),
        open: std::sync::Arc::new(move || {
            Output::open(Some(&owned))
                .map(|out| Box::new(out) as Box<dyn wabill::rejects::RejectsOut>)
                .map_err(|e| io::Error::other(format!("{e:#}")))
        }),
    }
}

impl wabill::rejects::RejectsOut for Output {
    fn commit(self: Box<Self>) -> io::Result<()> {
        (*self)
            .finish()
            .map_err(|e| io::Error::other(format!("{e:#}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_write_leaves_the_old_file() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("report.csv");
        fs::write(&target, "old").unwrap();
        let mut out = Output::open(Some(&target)).unwrap();
        out.write_all(b"new").unwrap();
        drop(out);
        assert_eq!(fs::read_to_string(&target).unwrap(), "old");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1, "no temp left");
        let mut out = Output::open(Some(&target)).unwrap();
        out.write_all(b"new").unwrap();
        out.finish().unwrap();
        assert_eq!(fs::read_to_string(&target).unwrap(), "new");
    }

    #[cfg(unix)]
    #[test]
    fn keeps_mode_and_follows_links() {
        use std::os::unix::fs::{PermissionsExt, symlink};
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real.csv");
        fs::write(&real, "old").unwrap();
        fs::set_permissions(&real, fs::Permissions::from_mode(0o640)).unwrap();
        let link = dir.path().join("link.csv");
        symlink("real.csv", &link).unwrap();
        let mut out = Output::open(Some(&link)).unwrap();
        out.write_all(b"new").unwrap();
        out.finish().unwrap();
        assert!(
            fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(fs::read_to_string(&real).unwrap(), "new");
        let mode = fs::metadata(&real).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o640);
    }

    #[test]
    fn dash_and_devices() {
        assert!(Target::resolve(Some(Path::new("-"))).unwrap().is_stdout());
        #[cfg(unix)]
        assert!(matches!(
            Target::resolve(Some(Path::new("/dev/null"))).unwrap(),
            Target::InPlace { .. }
        ));
    }
}
