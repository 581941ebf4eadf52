//! Bulk invites: a pasted list or a CSV of addresses, checked, then invited with bounded
//! concurrency and pacing, each row's fate tracked, failures retried, results exported.
//!
//! Two layers, so the console's pure `App::update` can hold the state while the worker sends:
//!
//! - [`InviteBatch`] is the pure model: parsing ([`InviteBatch::from_text`],
//!   [`InviteBatch::from_csv`]), validation, counts, [`InviteBatch::retry_failed`],
//!   [`InviteBatch::results_csv`], save and load. It does no I/O beyond the file or writer it
//!   is handed and never reads the clock. It is the source of truth: a row that was sent or
//!   already exists is never handed to the runner again.
//! - [`run_invites`] is the runner: it invites the rows of [`InviteBatch::to_send`] and reports
//!   every attempt and result as an [`InviteEvent`], which [`InviteBatch::apply`] folds into
//!   the model.
//!
//! A write that failed ambiguously (5xx, a dropped connection, an unreadable answer) may have
//! gone through. Such a row is never blindly invited again: the runner first asks GoTrue
//! whether the user now exists with a fresh `invited_at`. A row whose outcome is still unknown
//! (the run was cancelled while its request was in flight, or the check itself failed) keeps
//! [`InviteRow::in_doubt_since`], and the next run checks before sending.

mod email;
pub mod file;
mod model;
mod parse;
mod runner;

pub use email::{email_problem, normalize_email};
pub use model::{BatchCounts, InviteBatch, InviteEvent, InviteJob, InviteRow, RowStatus, RunEnd};
pub use runner::{InviteOptions, run_invites};

/// Reading a CSV, or saving and loading a batch.
#[derive(Debug, thiserror::Error)]
pub enum BulkError {
    #[error("the file is empty")]
    Empty,
    #[error("no `email` column: the header row has {}", found_columns(.found))]
    NoEmailColumn { found: Vec<String> },
    #[error("CSV: {0}")]
    Csv(#[from] csv::Error),
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("not a saved invite batch: {0}")]
    Json(#[from] serde_json::Error),
    #[error("a saved invite batch of format version {0}, which this version cannot read")]
    Version(u32),
}

fn found_columns(found: &[String]) -> String {
    if found.is_empty() {
        "no columns".to_owned()
    } else {
        found
            .iter()
            .map(|c| format!("`{c}`"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}
