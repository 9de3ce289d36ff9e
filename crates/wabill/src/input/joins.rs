//! What the providers' readers carry from one file of a run to the next:
//! several files form one log, so a WATI status event joins a message sent
//! in an earlier file, and Gupshup's billing events may come in a later file
//! than their message-events (day files split pairs routinely). Reset at
//! the start of every pass over the files (`reset`), checked at its end
//! (`finish`).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use super::InputError;
use super::provider::MapError;

/// A sent message a later status event joins (WATI's status events name
/// only the message).
#[derive(Clone, Debug)]
pub struct Sent {
    pub customer: String,
    pub business: String,
    pub category: String,
    pub id: String,
    /// Every id the message is remembered under.
    pub keys: Vec<String>,
}

#[derive(Debug, Default)]
pub struct Joins {
    /// WATI's sent messages awaiting their last status, by each of their ids.
    pub wati: Mutex<HashMap<String, Arc<Sent>>>,
    /// YCloud's outbound messages (customer, business) by id, until their
    /// last status: a later update may name only the message.
    pub ycloud: Mutex<HashMap<String, (String, String)>>,
    /// Gupshup's message-events and billing-events read in the run.
    pub gupshup_status_events: AtomicU64,
    pub gupshup_billing_events: AtomicU64,
    /// The last Gupshup file read (named by the end check).
    pub gupshup_file: Mutex<Option<String>>,
}

impl Joins {
    /// Forgets everything: a new pass over the run's files.
    pub fn reset(&self) {
        self.lock_wati().clear();
        self.lock_ycloud().clear();
        self.gupshup_status_events.store(0, Ordering::Relaxed);
        self.gupshup_billing_events.store(0, Ordering::Relaxed);
        *self.gupshup_file.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }

    pub fn lock_ycloud(&self) -> std::sync::MutexGuard<'_, HashMap<String, (String, String)>> {
        self.ycloud.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn lock_wati(&self) -> std::sync::MutexGuard<'_, HashMap<String, Arc<Sent>>> {
        self.wati.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The checks of the whole run, once every file is read: Gupshup
    /// message-events with no billing-event in any file.
    pub fn finish(&self) -> Result<(), InputError> {
        let status_events = self.gupshup_status_events.load(Ordering::Relaxed);
        if status_events > 0 && self.gupshup_billing_events.load(Ordering::Relaxed) == 0 {
            let file = self
                .gupshup_file
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .clone()
                .unwrap_or_default();
            return Err(InputError::WholeExport {
                file,
                error: MapError::NoBillingEvents { status_events },
            });
        }
        Ok(())
    }
}
