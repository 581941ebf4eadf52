//! The server's host key (loaded, or made on first run) and the staff's keys (an OpenSSH
//! `authorized_keys` file, read again at every attempt so that removing a line locks a key
//! out at once).

use russh::keys::ssh_key::{LineEnding, PublicKey};
use russh::keys::{Algorithm, HashAlg, PrivateKey};
use std::io::Write;
use std::path::Path;

/// What an accepted key may do, from its line in `authorized_keys`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyGrant {
    /// `SHA256:…`, as `ssh-keygen -lf` prints it.
    pub fingerprint: String,
    /// The comment of the key's line (usually who it is: `ada@laptop`).
    pub comment: String,
    pub read_only: bool,
    pub mask: bool,
}

/// Loads the host key from `path`, or makes an Ed25519 key there (mode 0600) if there is
/// no file. A key file that others can read is refused, as OpenSSH refuses it.
pub fn load_or_create_host_key(path: &Path) -> Result<PrivateKey, String> {
    match std::fs::metadata(path) {
        Ok(meta) => {
            check_private(path, &meta)?;
            let text = std::fs::read_to_string(path)
                .map_err(|e| format!("cannot read the host key {}: {e}", path.display()))?;
            let key = PrivateKey::from_openssh(text.as_bytes()).map_err(|e| {
                format!(
                    "{} is not an OpenSSH private key ({e}); move it away to have a new \
                     one made",
                    path.display()
                )
            })?;
            if key.is_encrypted() {
                return Err(format!(
                    "the host key {} has a passphrase: the server cannot use it",
                    path.display()
                ));
            }
            Ok(key)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => create_host_key(path),
        Err(e) => Err(format!("cannot read the host key {}: {e}", path.display())),
    }
}

fn create_host_key(path: &Path) -> Result<PrivateKey, String> {
    let key = PrivateKey::random(&mut russh::keys::key::safe_rng(), Algorithm::Ed25519)
        .map_err(|e| format!("cannot make a host key: {e}"))?;
    let text = key
        .to_openssh(LineEnding::LF)
        .map_err(|e| format!("cannot encode the host key: {e}"))?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options
        .open(path)
        .map_err(|e| format!("cannot create the host key {}: {e}", path.display()))?;
    file.write_all(text.as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(|e| format!("cannot write the host key {}: {e}", path.display()))?;
    Ok(key)
}

#[cfg(unix)]
fn check_private(path: &Path, meta: &std::fs::Metadata) -> Result<(), String> {
    use std::os::unix::fs::PermissionsExt;
    let mode = meta.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        return Err(format!(
            "the host key {} can be read by others (mode {mode:o}): chmod 600 it",
            path.display()
        ));
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_private(_: &Path, _: &std::fs::Metadata) -> Result<(), String> {
    Ok(())
}

/// `SHA256:…` of a public key.
pub fn fingerprint(key: &PublicKey) -> String {
    key.fingerprint(HashAlg::Sha256).to_string()
}

/// The grant for `key` if a line of `authorized_keys` (its text) lists it. Lines that do
/// not parse, and lines with options this server does not implement (`from=`, `command=`,
/// `expiry-time=`, `cert-authority`, …), grant nothing: a restriction is never ignored.
pub fn find_key(authorized_keys: &str, key: &PublicKey, force_mask: bool) -> Option<KeyGrant> {
    authorized_keys
        .lines()
        .filter_map(parse_line)
        .find(|line| line.key.key_data() == key.key_data())
        .and_then(|line| line.grant(force_mask))
}

/// A line of `authorized_keys`: its options, its key and the key's comment.
#[derive(Debug)]
struct Line {
    options: Vec<String>,
    key: PublicKey,
}

fn parse_line(line: &str) -> Option<Line> {
    let line = line.trim();
    if line.is_empty() || line.starts_with('#') {
        return None;
    }
    if let Ok(key) = PublicKey::from_openssh(line) {
        return Some(Line {
            options: Vec::new(),
            key,
        });
    }
    // Options first: up to the first space outside double quotes.
    let (options, rest) = split_unquoted(line, ' ')?;
    let key = PublicKey::from_openssh(rest.trim_start()).ok()?;
    let mut list = Vec::new();
    let mut rest = options;
    while let Some((option, more)) = split_unquoted(rest, ',') {
        list.push(option.to_owned());
        rest = more;
    }
    list.push(rest.to_owned());
    Some(Line { options: list, key })
}

/// `text` split at the first `sep` outside double quotes (`\"` does not end a quote).
fn split_unquoted(text: &str, sep: char) -> Option<(&str, &str)> {
    let mut quoted = false;
    let mut escaped = false;
    for (i, c) in text.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if quoted => escaped = true,
            '"' => quoted = !quoted,
            c if c == sep && !quoted => return Some((&text[..i], &text[i + c.len_utf8()..])),
            _ => {}
        }
    }
    None
}

impl Line {
    fn grant(&self, force_mask: bool) -> Option<KeyGrant> {
        let comment = self.key.comment().as_str_lossy().to_owned();
        let tags: Vec<&str> = comment.split_whitespace().collect();
        let mut grant = KeyGrant {
            fingerprint: fingerprint(&self.key),
            read_only: tags.contains(&"gotrue-console:read-only"),
            mask: force_mask || tags.contains(&"gotrue-console:mask"),
            comment,
        };
        for option in &self.options {
            let (name, value) = match option.split_once('=') {
                Some((name, value)) => (name.to_ascii_lowercase(), Some(unquote(value))),
                None => (option.to_ascii_lowercase(), None),
            };
            match (name.as_str(), value.as_deref()) {
                ("environment", Some(var)) => match var.split_once('=') {
                    Some(("GOTRUE_CONSOLE_ROLE", role)) => match role {
                        "read-only" => grant.read_only = true,
                        "admin" => {}
                        // An unknown role might be meant to restrict: grant nothing.
                        _ => return None,
                    },
                    Some(("GOTRUE_CONSOLE_MASK", on)) => {
                        grant.mask |= matches!(on, "1" | "true" | "yes");
                    }
                    // Other variables mean nothing to the console.
                    _ => {}
                },
                // The server forwards nothing and runs no rc file, whatever the line says.
                (
                    "restrict"
                    | "no-port-forwarding"
                    | "no-agent-forwarding"
                    | "no-x11-forwarding"
                    | "no-user-rc"
                    | "port-forwarding"
                    | "pty",
                    None,
                ) => {}
                // The console needs a terminal: a key without one cannot use it.
                ("no-pty", None) => return None,
                _ => return None,
            }
        }
        Some(grant)
    }
}

/// `"a b"` → `a b` (and `\"` → `"`).
fn unquote(value: &str) -> String {
    let inner = value
        .strip_prefix('"')
        .and_then(|v| v.strip_suffix('"'))
        .unwrap_or(value);
    inner.replace("\\\"", "\"")
}

#[cfg(test)]
mod tests {
    use super::*;

    const ADA: &str =
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAILM+rvN+ot98qgEN796jTiQfZfG1KaT0PtFDJ/XFSqti";
    const BOB: &str =
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAILdSXBXxrEZqtEUj2mhYmhPd3B7dOM1Y2gYHBcf2Rz8E";

    fn key(line: &str) -> PublicKey {
        PublicKey::from_openssh(line).unwrap()
    }

    #[test]
    fn a_listed_key_is_found_with_its_comment_and_fingerprint() {
        let file = format!("# staff\n\n{ADA} ada@laptop\n");
        let grant = find_key(&file, &key(ADA), false).unwrap();
        assert_eq!(grant.comment, "ada@laptop");
        assert!(grant.fingerprint.starts_with("SHA256:"), "{grant:?}");
        assert!(!grant.read_only && !grant.mask);
        assert_eq!(find_key(&file, &key(BOB), false), None);
    }

    #[test]
    fn roles_from_the_comment() {
        let file = format!("{ADA} support gotrue-console:read-only gotrue-console:mask\n");
        let grant = find_key(&file, &key(ADA), false).unwrap();
        assert!(grant.read_only && grant.mask, "{grant:?}");
        assert_eq!(
            grant.comment,
            "support gotrue-console:read-only gotrue-console:mask"
        );
    }

    #[test]
    fn roles_from_environment_options_with_or_without_a_comment() {
        let file = format!(
            "environment=\"GOTRUE_CONSOLE_ROLE=read-only\",environment=\"GOTRUE_CONSOLE_MASK=1\" {ADA}\n\
             restrict,environment=\"GOTRUE_CONSOLE_ROLE=admin\" {BOB} bob on call\n"
        );
        let ada = find_key(&file, &key(ADA), false).unwrap();
        assert!(ada.read_only && ada.mask, "{ada:?}");
        assert_eq!(ada.comment, "");
        let bob = find_key(&file, &key(BOB), false).unwrap();
        assert!(!bob.read_only && !bob.mask, "{bob:?}");
        assert_eq!(bob.comment, "bob on call");
    }

    #[test]
    fn the_server_wide_mask_applies_to_every_key() {
        let file = format!("{ADA} ada\n");
        assert!(find_key(&file, &key(ADA), true).unwrap().mask);
    }

    #[test]
    fn restrictions_this_server_cannot_honour_lock_the_key_out() {
        for options in [
            "from=\"10.0.0.0/8\"",
            "command=\"/bin/true\"",
            "expiry-time=\"20990101\"",
            "no-pty",
            "cert-authority",
            "environment=\"GOTRUE_CONSOLE_ROLE=auditor\"",
            "principals=\"ada\"",
        ] {
            let file = format!("{options} {ADA} ada\n");
            assert_eq!(find_key(&file, &key(ADA), false), None, "{options}");
        }
    }

    #[test]
    fn quoted_spaces_and_commas_in_options() {
        let file = format!("environment=\"NOTE=a, b c\",no-agent-forwarding {ADA} ada\n");
        assert!(find_key(&file, &key(ADA), false).is_some());
    }

    #[test]
    fn garbage_lines_are_skipped_not_fatal() {
        let file = format!("not a key\nssh-ed25519 AAAA broken\n\u{0}\u{ff}\n{ADA} ada\n");
        assert!(find_key(&file, &key(ADA), false).is_some());
    }

    #[test]
    fn a_host_key_is_made_once_with_mode_0600_then_loaded() {
        let dir = std::env::temp_dir().join(format!("gc-hostkey-{}", uuid::Uuid::new_v4()));
        let path = dir.join("nested").join("host_ed25519");
        let made = load_or_create_host_key(&path).unwrap();
        assert_eq!(made.algorithm(), Algorithm::Ed25519);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
        let loaded = load_or_create_host_key(&path).unwrap();
        assert_eq!(
            fingerprint(loaded.public_key()),
            fingerprint(made.public_key())
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
            let err = load_or_create_host_key(&path).unwrap_err();
            assert!(err.contains("chmod 600"), "{err}");
        }
        std::fs::write(dir.join("junk"), "junk").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(dir.join("junk"), std::fs::Permissions::from_mode(0o600))
                .unwrap();
        }
        assert!(load_or_create_host_key(&dir.join("junk")).is_err());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
