//! The operator journal: one JSON object per line for every SSH session (start, end, refused)
//! and every request of a session that changes data, with the SSH key that did it.
//!
//! ```json
//! {"time":"2025-06-01T09:30:12.345Z","session":"3f9c2a71d0b4","fingerprint":"SHA256:…","comment":"ada@laptop","event":"session_start","peer":"10.0.0.7:51522","role":"admin","mask":false}
//! {"time":"2025-06-01T09:31:40.002Z","session":"3f9c2a71d0b4","fingerprint":"SHA256:…","comment":"ada@laptop","event":"action","action":"send magic link","target":"ada@example.com"}
//! {"time":"2025-06-01T09:35:02.917Z","session":"3f9c2a71d0b4","fingerprint":"SHA256:…","comment":"ada@laptop","event":"session_end","reason":"quit"}
//! ```
//!
//! An action is written when the console sends it, whether or not the server then accepts
//! it. Never a key, token, password or request body: an action names the call and whom it
//! is about (a user id, an email or a phone).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// One line of the journal.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct JournalEntry {
    pub time: DateTime<Utc>,
    /// The SSH session (one console), the same on all of its lines.
    pub session: String,
    /// The key's `SHA256:…` fingerprint, as `ssh-keygen -lf` prints it.
    pub fingerprint: String,
    /// The comment of the key's `authorized_keys` line.
    pub comment: String,
    pub event: JournalEvent,
    /// `session_start`: the client's address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peer: Option<String>,
    /// `session_start`: `admin` or `read-only`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// `session_start`: whether emails and phones are masked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mask: Option<bool>,
    /// `action`: what was asked (`delete user`, `send magic link`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
    /// `action`: whom it is about, when the call names someone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    /// `session_end`, `session_refused`: why.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JournalEvent {
    SessionStart,
    SessionEnd,
    /// Authenticated, but no console was started (session limit, no terminal).
    SessionRefused,
    Action,
}

impl JournalEntry {
    pub fn new(session: &str, fingerprint: &str, comment: &str, event: JournalEvent) -> Self {
        Self {
            time: Utc::now(),
            session: session.to_owned(),
            fingerprint: fingerprint.to_owned(),
            comment: comment.to_owned(),
            event,
            peer: None,
            role: None,
            mask: None,
            action: None,
            target: None,
            reason: None,
        }
    }
}

/// Appends entries to the journal file, one line each, flushed at once.
pub struct Journal {
    path: PathBuf,
    file: Mutex<std::fs::File>,
}

impl Journal {
    /// Opens `path` for appending (made with mode 0600, with its folder, if new).
    pub fn open(path: &Path) -> Result<Journal, String> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        }
        let mut options = std::fs::OpenOptions::new();
        options.create(true).append(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let file = options
            .open(path)
            .map_err(|e| format!("cannot open the journal {}: {e}", path.display()))?;
        Ok(Journal {
            path: path.to_owned(),
            file: Mutex::new(file),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes one entry. A journal that cannot be written is logged, never fatal to a session.
    pub fn write(&self, entry: &JournalEntry) {
        let mut line = match serde_json::to_vec(entry) {
            Ok(line) => line,
            Err(e) => {
                tracing::error!(error = %e, "journal entry not encodable");
                return;
            }
        };
        line.push(b'\n');
        // One write per line: lines of concurrent sessions never interleave.
        let mut file = self.file.lock().unwrap_or_else(|p| p.into_inner());
        if let Err(e) = file.write_all(&line).and_then(|()| file.flush()) {
            tracing::error!(error = %e, path = %self.path.display(), "journal not written");
        }
    }
}

/// The last `last` entries of a journal file, newest first; unreadable lines are skipped.
pub fn read_last(path: &std::path::Path, last: usize) -> std::io::Result<Vec<JournalEntry>> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(e),
    };
    Ok(text
        .lines()
        .rev()
        .filter_map(|l| serde_json::from_str(l).ok())
        .take(last)
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_are_appended_one_line_each_and_read_back() {
        let dir = std::env::temp_dir().join(format!("gc-journal-{}", uuid::Uuid::new_v4()));
        let path = dir.join("journal.jsonl");
        let journal = Journal::open(&path).unwrap();
        let mut start = JournalEntry::new("s1", "SHA256:a", "ada", JournalEvent::SessionStart);
        start.role = Some("read-only".into());
        journal.write(&start);
        let mut end = JournalEntry::new("s1", "SHA256:a", "ada", JournalEvent::SessionEnd);
        end.reason = Some("quit".into());
        journal.write(&end);
        drop(journal);
        // Reopening appends.
        Journal::open(&path).unwrap().write(&end);
        let text = std::fs::read_to_string(&path).unwrap();
        let entries: Vec<JournalEntry> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(entries.len(), 3);
        assert_eq!(entries[0], start);
        assert_eq!(entries[1].event, JournalEvent::SessionEnd);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}
