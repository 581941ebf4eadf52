//! Logs go to a file under the XDG state directory, never to the screen.

use std::path::PathBuf;
use tracing_subscriber::EnvFilter;

/// Where logs, the SSH host key and the operator journal live:
/// `$XDG_STATE_HOME/gotrue-console`, else `~/.local/state/gotrue-console` (Linux and macOS);
/// `%LOCALAPPDATA%\gotrue-console` on Windows.
pub fn state_dir() -> Option<PathBuf> {
    use etcetera::BaseStrategy;
    if let Some(dir) = std::env::var_os("XDG_STATE_HOME").filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(dir).join("gotrue-console"));
    }
    let base = etcetera::choose_base_strategy().ok()?;
    // Windows has no state folder: its local (not roaming) application data stands in.
    let dir = base.state_dir().unwrap_or_else(|| base.cache_dir());
    Some(dir.join("gotrue-console"))
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
