//! A bulk invite from a file, for the command line (`gotrue-console users invite --csv`):
//! the batch lives in `FILE.invites.json` beside the list, saved after every event the
//! runner reports, so that a run stopped anywhere (an error, Ctrl-C, a kill) goes on with
//! `--resume` and never sends a row twice; the results go to a CSV at the end.

use super::BulkError;
use super::model::{InviteBatch, InviteEvent, RunEnd};
use super::runner::{InviteOptions, run_invites};
use crate::gotrue::GoTrueClient;
use std::future::Future;
use std::path::{Path, PathBuf};

/// `FILE.invites.json`: the batch of the list at `list`.
pub fn state_path(list: &Path) -> PathBuf {
    let mut p = list.as_os_str().to_owned();
    p.push(".invites.json");
    p.into()
}

/// `team.csv` → `team.results.csv` (any other name gets `.results.csv` added).
pub fn results_path(list: &Path) -> PathBuf {
    match list.extension().and_then(|e| e.to_str()) {
        Some(ext) if ext.eq_ignore_ascii_case("csv") => list.with_extension("results.csv"),
        _ => {
            let mut p = list.as_os_str().to_owned();
            p.push(".results.csv");
            p.into()
        }
    }
}

/// How the batch was come by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Opened {
    /// Read from the list.
    Fresh,
    /// An earlier run's batch; `in_doubt` of its rows may have been sent by it (they are
    /// looked up before anything is sent).
    Resumed { in_doubt: usize },
}

/// Why a file run cannot start.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error(
        "{} holds an earlier run of this list: --resume goes on from it (rows already sent are \
         not sent again); remove it to start over",
        .0.display()
    )]
    Unfinished(PathBuf),
    #[error("{}: {source}", .path.display())]
    Read { path: PathBuf, source: BulkError },
}

/// The batch for `list`: the earlier run's with `resume` (or the list's, when there is
/// none), the list's otherwise. Refuses to start over when an earlier run's batch is there:
/// its sent rows would be sent again.
pub fn open(list: &Path, resume: bool) -> Result<(InviteBatch, Opened), OpenError> {
    let state = state_path(list);
    if state.exists() {
        if !resume {
            return Err(OpenError::Unfinished(state));
        }
        let read = |source| OpenError::Read {
            path: state.clone(),
            source,
        };
        // Loading turns rows saved mid-request back to pending, in doubt.
        let batch = InviteBatch::load(&state).map_err(read)?;
        let in_doubt = batch.counts().in_doubt;
        return Ok((batch, Opened::Resumed { in_doubt }));
    }
    let read = |source| OpenError::Read {
        path: list.to_owned(),
        source,
    };
    let bytes = std::fs::read(list).map_err(|e| read(e.into()))?;
    let is_csv = list
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("csv"));
    let batch = if is_csv {
        InviteBatch::from_csv(bytes.as_slice()).map_err(read)?
    } else {
        InviteBatch::from_text(&String::from_utf8_lossy(&bytes))
    };
    Ok((batch, Opened::Fresh))
}

/// Runs the batch's pending rows, applying and saving every event to `state` as it comes,
/// and calling `progress` after each. `cancel` ending (Ctrl-C) stops the run: rows cut off
/// are reported and saved as pending (in doubt when their request may have gone out).
pub async fn run(
    client: &GoTrueClient,
    batch: &mut InviteBatch,
    state: &Path,
    opts: InviteOptions,
    cancel: impl Future<Output = ()>,
    mut progress: impl FnMut(&InviteBatch),
) -> Result<RunEnd, BulkError> {
    batch.save(state)?;
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let jobs = batch.to_send();
    let mut end = None;
    {
        let runner = run_invites(client, jobs, opts, tx);
        tokio::pin!(runner);
        tokio::pin!(cancel);
        loop {
            tokio::select! {
                // Events first: each is saved before the next is looked at.
                biased;
                Some(event) = rx.recv() => {
                    apply(batch, state, &event, &mut end)?;
                    progress(batch);
                }
                done = &mut runner => {
                    end = Some(done);
                    break;
                }
                () = &mut cancel => break,
            }
        }
        // Dropping the runner (when cancelled) reports its unfinished rows.
    }
    while let Ok(event) = rx.try_recv() {
        apply(batch, state, &event, &mut end)?;
    }
    progress(batch);
    batch.save(state)?;
    Ok(end.unwrap_or(RunEnd::Cancelled))
}

fn apply(
    batch: &mut InviteBatch,
    state: &Path,
    event: &InviteEvent,
    end: &mut Option<RunEnd>,
) -> Result<(), BulkError> {
    if let InviteEvent::Finished(e) = event {
        *end = Some(e.clone());
    }
    if batch.apply(event) {
        batch.save(state)?;
    }
    Ok(())
}
