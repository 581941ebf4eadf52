//! A fresh directory under the system temp dir, removed when dropped, with a `config`
//! folder inside for `XDG_CONFIG_HOME`, and the binary run with no config in reach.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

pub struct TempDir(PathBuf);

impl TempDir {
    /// `prefix` names the test binary, `name` the test.
    pub fn new(prefix: &str, name: &str) -> TempDir {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("{prefix}-{}-{n}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("config")).expect("a temp dir");
        TempDir(dir)
    }

    pub fn path(&self, file: &str) -> PathBuf {
        self.0.join(file)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The real binary as `gotrue-console WORDS… --url <demo>`, with the demo's service-role
/// key in the environment and no other connection variable, its config and state in `dir`,
/// and no stdin.
pub fn binary_for(
    demo: &gotrue_console::demo::DemoServer,
    dir: &TempDir,
    words: &[&str],
) -> tokio::process::Command {
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_gotrue-console"));
    cmd.args(words)
        .args(["--url", demo.url()])
        .env("GOTRUE_SERVICE_ROLE_KEY", demo.service_role_key())
        .env("XDG_CONFIG_HOME", dir.path("config"))
        .env("XDG_STATE_HOME", dir.path("state"))
        .stdin(std::process::Stdio::null());
    for var in super::CONNECTION_VARS {
        if *var != "GOTRUE_SERVICE_ROLE_KEY" {
            cmd.env_remove(var);
        }
    }
    cmd
}
