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

/// Where a daemon (`serve-ssh`) logs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum LogTarget {
    /// `serve-ssh.YYYY-MM-DD.log` in the state folder, a new file each day, the last
    /// 14 kept; `serve-ssh.log` links to the current one.
    #[default]
    File,
    /// Standard error, without colours or times: for systemd's journal, which adds both.
    Stderr,
}

/// Days of daemon logs kept.
pub const DAEMON_LOG_DAYS: usize = 14;

fn filter() -> EnvFilter {
    EnvFilter::try_from_env("GOTRUE_CONSOLE_LOG")
        .unwrap_or_else(|_| EnvFilter::new("gotrue_console=info"))
}

/// Starts a daemon's logging; returns the folder of its files (`None` for stderr). Logging
/// to a file it cannot create is an error: a daemon that logs nowhere is blind.
pub fn init_daemon(target: LogTarget) -> Result<Option<PathBuf>, String> {
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter())
        .with_ansi(false);
    match target {
        LogTarget::Stderr => {
            let _ = builder
                .without_time()
                .with_writer(std::io::stderr)
                .try_init();
            Ok(None)
        }
        LogTarget::File => {
            let dir = state_dir().ok_or("no state folder for the logs: use --log stderr")?;
            std::fs::create_dir_all(&dir)
                .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
            let appender = tracing_appender::rolling::Builder::new()
                .rotation(tracing_appender::rolling::Rotation::DAILY)
                .filename_prefix("serve-ssh")
                .filename_suffix("log")
                .max_log_files(DAEMON_LOG_DAYS)
                .latest_symlink("serve-ssh.log")
                .build(&dir)
                .map_err(|e| format!("cannot log in {}: {e}", dir.display()))?;
            let _ = builder.with_writer(appender).try_init();
            Ok(Some(dir))
        }
    }
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
    tracing_subscriber::fmt()
        .with_env_filter(filter())
        .with_writer(std::sync::Mutex::new(file))
        .with_ansi(false)
        .try_init()
        .ok()?;
    Some(path)
}
