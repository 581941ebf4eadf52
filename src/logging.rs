//! Logs go to a file under the XDG state directory, never to the screen.

use std::path::PathBuf;
use tracing_subscriber::EnvFilter;

/// `$XDG_STATE_HOME/gotrue-console`, else `~/.local/state/gotrue-console`.
pub fn state_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("XDG_STATE_HOME").filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(dir).join("gotrue-console"));
    }
    let dirs = directories::ProjectDirs::from("", "", "gotrue-console")?;
    Some(
        dirs.state_dir()
            .unwrap_or_else(|| dirs.data_local_dir())
            .to_path_buf(),
    )
}

/// Starts file logging; returns the log file's path. Failing to log is not fatal.
pub fn init() -> Option<PathBuf> {
    let dir = state_dir()?;
    std::fs::create_dir_all(&dir).ok()?;
    let path = dir.join("gotrue-console.log");
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .ok()?;
    let filter = EnvFilter::try_from_env("GOTRUE_CONSOLE_LOG")
        .unwrap_or_else(|_| EnvFilter::new("gotrue_console=info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::sync::Mutex::new(file))
        .with_ansi(false)
        .try_init()
        .ok()?;
    Some(path)
}
