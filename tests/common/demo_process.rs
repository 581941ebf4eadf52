//! `gotrue-console demo-server` as a process of its own, with the URL and keys its first
//! line prints; stopped on drop. Included by path from tests/terminal.rs and
//! benches/process.rs, which both need a server outside the process they measure.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

pub struct DemoProcess {
    child: Child,
    pub url: String,
    pub anon_key: String,
    pub service_role_key: String,
}

impl DemoProcess {
    /// Starts `bin demo-server --listen 127.0.0.1:0 ARGS` and waits for its JSON line.
    pub fn start(bin: &str, args: &[&str]) -> DemoProcess {
        let mut child = Command::new(bin)
            .args(["demo-server", "--listen", "127.0.0.1:0"])
            .args(args)
            .env("XDG_STATE_HOME", std::env::temp_dir().join("gc-demo-state"))
            .stdout(Stdio::piped())
            .spawn()
            .expect("the demo server starts");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("its stdout"))
            .read_line(&mut line)
            .expect("the demo server's JSON line");
        let j: serde_json::Value = serde_json::from_str(&line).expect("a JSON line");
        let field = |k: &str| j[k].as_str().expect(k).to_owned();
        DemoProcess {
            url: field("url"),
            anon_key: field("anon_key"),
            service_role_key: field("service_role_key"),
            child,
        }
    }

    /// The connection as the console reads it from the environment.
    #[allow(dead_code)] // benches/process.rs only
    pub fn env(&self) -> [(&'static str, String); 3] {
        [
            ("GOTRUE_URL", self.url.clone()),
            ("GOTRUE_ANON_KEY", self.anon_key.clone()),
            ("GOTRUE_SERVICE_ROLE_KEY", self.service_role_key.clone()),
        ]
    }
}

impl Drop for DemoProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
