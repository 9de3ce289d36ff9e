//! Temporary output files removed when the run is stopped by SIGINT,
//! SIGTERM or SIGHUP: the handler unlinks every temporary file still
//! registered (`unlink` is async-signal-safe), then dies of the signal
//! as it would have without a handler (same exit status for the shell).

/// A registered temporary file; dropping it unregisters the file.
pub struct Guard {
    #[cfg(unix)]
    slot: Option<usize>,
}

#[cfg(unix)]
mod imp {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    use std::path::Path;
    use std::ptr::null_mut;
    use std::sync::Once;
    use std::sync::atomic::{AtomicPtr, Ordering};

    /// Temporary files in use at once (an output and a rejects file, a
    /// few more for safety); a file that finds no slot is only left
    /// behind on a signal, as before.
    const SLOTS: usize = 32;
    static TEMPS: [AtomicPtr<libc::c_char>; SLOTS] = [const { AtomicPtr::new(null_mut()) }; SLOTS];
    static INSTALL: Once = Once::new();

    extern "C" fn on_signal(signal: libc::c_int) {
        for slot in &TEMPS {
            let path = slot.load(Ordering::SeqCst);
            if !path.is_null() {
                // SAFETY: `path` is a leaked, never freed, NUL-terminated string.
                unsafe { libc::unlink(path) };
            }
        }
        // SAFETY: restoring the default action and raising the signal
        // again are async-signal-safe.
        unsafe {
            libc::signal(signal, libc::SIG_DFL);
            libc::raise(signal);
        }
    }

    fn install() {
        INSTALL.call_once(|| {
            for signal in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP] {
                // SAFETY: the handler only calls async-signal-safe functions.
                unsafe {
                    libc::signal(
                        signal,
                        on_signal as extern "C" fn(libc::c_int) as libc::sighandler_t,
                    )
                };
            }
        });
    }

    pub fn register(path: &Path) -> Option<usize> {
        install();
        let c = CString::new(path.as_os_str().as_bytes()).ok()?;
        // Leaked on purpose: the handler may read it at any moment.
        let raw = c.into_raw();
        TEMPS.iter().position(|slot| {
            slot.compare_exchange(null_mut(), raw, Ordering::SeqCst, Ordering::SeqCst)
                .is_ok()
        })
    }

    pub fn unregister(slot: usize) {
        TEMPS[slot].store(null_mut(), Ordering::SeqCst);
    }
}

static STDOUT_CLOSED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Notes whether standard output is closed (`wabill … >&-`). It must run
/// before Rust's runtime starts (the binary calls it from `.init_array`):
/// the runtime reopens a closed descriptor 1 on /dev/null, and a report
/// written there would be lost with exit 0.
pub fn check_stdout() {
    #[cfg(unix)]
    {
        // SAFETY: F_GETFD only reads the descriptor's flags.
        if unsafe { libc::fcntl(1, libc::F_GETFD) } == -1 {
            STDOUT_CLOSED.store(true, std::sync::atomic::Ordering::Relaxed);
        }
    }
}

/// Whether standard output was closed when the run started.
pub fn stdout_closed() -> bool {
    STDOUT_CLOSED.load(std::sync::atomic::Ordering::Relaxed)
}

/// Registers a temporary file to remove on SIGINT, SIGTERM or SIGHUP.
pub fn remove_on_signal(path: &std::path::Path) -> Guard {
    #[cfg(unix)]
    {
        Guard {
            slot: imp::register(path),
        }
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        Guard {}
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        #[cfg(unix)]
        if let Some(slot) = self.slot.take() {
            imp::unregister(slot);
        }
    }
}
