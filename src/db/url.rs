//! The database URL: read once into what to connect to and how (TLS or not), never shown.
//!
//! The URL is a `postgres://` or `postgresql://` URL (or libpq's `key=value` words). Its
//! `sslmode` and `sslrootcert` are read here, as libpq reads them, except for the default:
//!
//! | `sslmode`          | TLS                          | certificate                         |
//! |--------------------|------------------------------|-------------------------------------|
//! | absent, loopback   | off                          | -                                   |
//! | absent, elsewhere  | required                     | checked, and issued for the host    |
//! | `disable`          | off (a warning if not loopback) | -                                |
//! | `allow`, `prefer`  | if the server offers it      | not checked                         |
//! | `require`          | required                     | not checked (encryption only)       |
//! | `verify-ca`        | required                     | signed by `sslrootcert`'s CA        |
//! | `verify-full`      | required                     | checked, and issued for the host    |
//!
//! Loopback is the host's *name*: `localhost`, a `127.x.x.x` or `::1` address, or a Unix
//! socket directory. A name that merely resolves to loopback is not (TLS is about the name).
//! Checked certificates chain to the system's roots, or to `sslrootcert=FILE` alone when given.

use super::error::{DbError, DbErrorKind, redact};
use super::tls::CertCheck;
use crate::gotrue::Secret;
use std::fmt;
use std::net::IpAddr;
use std::path::PathBuf;
use std::str::FromStr;

/// What `sslmode` asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SslMode {
    Disable,
    /// `allow` and `prefer`: TLS when the server offers it.
    Prefer,
    Require,
    VerifyCa,
    VerifyFull,
}

impl SslMode {
    fn parse(value: &str) -> Option<SslMode> {
        Some(match value {
            "disable" => SslMode::Disable,
            "allow" | "prefer" => SslMode::Prefer,
            "require" => SslMode::Require,
            "verify-ca" => SslMode::VerifyCa,
            "verify-full" => SslMode::VerifyFull,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            SslMode::Disable => "disable",
            SslMode::Prefer => "prefer",
            SslMode::Require => "require",
            SslMode::VerifyCa => "verify-ca",
            SslMode::VerifyFull => "verify-full",
        }
    }

    /// How the certificate is checked when TLS is on.
    pub fn cert_check(self) -> CertCheck {
        match self {
            SslMode::Disable | SslMode::Prefer | SslMode::Require => CertCheck::None,
            SslMode::VerifyCa => CertCheck::Chain,
            SslMode::VerifyFull => CertCheck::Full,
        }
    }
}

/// A database to connect to, read from its URL. `Debug` shows where, never the password.
#[derive(Clone)]
pub struct DbTarget {
    pub(crate) config: tokio_postgres::Config,
    /// The mode in force: the URL's, or the default for the host.
    pub sslmode: SslMode,
    /// Whether the URL named the mode (else it is the host's default).
    pub sslmode_given: bool,
    pub root_cert: Option<PathBuf>,
    /// Every host is loopback or a Unix socket.
    pub loopback: bool,
    /// The password and the URL as given, to blot out of any message.
    pub(crate) secrets: Vec<String>,
}

impl DbTarget {
    pub fn parse(url: &Secret) -> Result<DbTarget, DbError> {
        let raw = url.expose().trim();
        let mut secrets = vec![raw.to_owned()];
        let bad = |why: String, secrets: &[String]| {
            DbError::new(
                DbErrorKind::Url,
                redact(&format!("the database URL: {why}"), secrets),
            )
        };
        if raw.is_empty() {
            return Err(bad("it is empty".into(), &secrets));
        }
        let mut sslmode = None;
        let mut root_cert = None;
        let mut take = |key: &str, value: &str, secrets: &[String]| -> Result<bool, DbError> {
            match key {
                "sslmode" => {
                    sslmode = Some(SslMode::parse(value).ok_or_else(|| {
                        bad(
                            format!(
                                "sslmode={value} is not one of disable, allow, prefer, require, \
                                 verify-ca, verify-full"
                            ),
                            secrets,
                        )
                    })?);
                    Ok(true)
                }
                "sslrootcert" => {
                    root_cert = Some(PathBuf::from(value));
                    Ok(true)
                }
                "sslcert" | "sslkey" | "sslpassword" => Err(bad(
                    format!("{key}: client certificates are not supported"),
                    secrets,
                )),
                _ => Ok(false),
            }
        };
        let rest = if raw.starts_with("postgres://") || raw.starts_with("postgresql://") {
            let mut parsed =
                url::Url::parse(raw).map_err(|e| bad(format!("not a URL ({e})"), &secrets))?;
            if let Some(p) = parsed.password() {
                secrets.push(p.to_owned());
                if let Ok(decoded) = percent_decode(p) {
                    secrets.push(decoded);
                }
            }
            let mut kept = Vec::new();
            for (k, v) in parsed.query_pairs() {
                if k == "password" {
                    secrets.push(v.to_string());
                }
                if !take(&k, &v, &secrets)? {
                    kept.push((k.into_owned(), v.into_owned()));
                }
            }
            if kept.is_empty() {
                parsed.set_query(None);
            } else {
                parsed.query_pairs_mut().clear().extend_pairs(kept);
            }
            parsed.to_string()
        } else if raw.contains('=') {
            let mut kept = Vec::new();
            for word in raw.split_whitespace() {
                let (k, v) = word.split_once('=').unwrap_or((word, ""));
                let v = v.trim_matches('\'');
                if k == "password" {
                    secrets.push(v.to_owned());
                }
                if !take(k, v, &secrets)? {
                    kept.push(word);
                }
            }
            kept.join(" ")
        } else {
            return Err(bad(
                "give a postgres://user:password@host:port/database URL".into(),
                &secrets,
            ));
        };
        let config = tokio_postgres::Config::from_str(&rest).map_err(|e| {
            // tokio-postgres names the option, never its value.
            bad(e.to_string(), &secrets)
        })?;
        if config.get_hosts().is_empty() {
            return Err(bad("it names no host".into(), &secrets));
        }
        let loopback = config.get_hosts().iter().all(|h| match h {
            tokio_postgres::config::Host::Tcp(name) => is_loopback_name(name),
            tokio_postgres::config::Host::Unix(_) => true,
        });
        let sslmode_given = sslmode.is_some();
        let sslmode = sslmode.unwrap_or(if loopback {
            SslMode::Disable
        } else {
            SslMode::VerifyFull
        });
        Ok(DbTarget {
            config,
            sslmode,
            sslmode_given,
            root_cert,
            loopback,
            secrets,
        })
    }

    /// `user@host:port/database`, for the header and `doctor`: never the password.
    pub fn describe(&self) -> String {
        let hosts: Vec<String> = self
            .config
            .get_hosts()
            .iter()
            .map(|h| match h {
                tokio_postgres::config::Host::Tcp(name) if name.contains(':') => {
                    format!("[{name}]")
                }
                tokio_postgres::config::Host::Tcp(name) => name.clone(),
                tokio_postgres::config::Host::Unix(dir) => dir.display().to_string(),
            })
            .collect();
        let port = self.config.get_ports().first().copied().unwrap_or(5432);
        format!(
            "{}@{}:{port}/{}",
            self.config.get_user().unwrap_or("?"),
            hosts.join(","),
            self.config
                .get_dbname()
                .or(self.config.get_user())
                .unwrap_or("?")
        )
    }

    /// What the URL says of TLS, for the UI: `TLS off` is worth a warning off loopback.
    pub fn warnings(&self) -> Vec<String> {
        let mut out = Vec::new();
        if !self.loopback {
            match self.sslmode {
                SslMode::Disable => out.push(
                    "the database URL says sslmode=disable: its password and every row cross \
                     the network unencrypted"
                        .to_owned(),
                ),
                SslMode::Prefer => out.push(format!(
                    "the database URL says sslmode={}: unencrypted if the server offers no \
                     TLS, and the certificate is not checked",
                    self.sslmode.as_str()
                )),
                SslMode::Require => out.push(
                    "the database URL says sslmode=require: encrypted, but the server's \
                     certificate is not checked (verify-full does)"
                        .to_owned(),
                ),
                SslMode::VerifyCa | SslMode::VerifyFull => {}
            }
        }
        out
    }
}

impl fmt::Debug for DbTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DbTarget")
            .field("at", &self.describe())
            .field("sslmode", &self.sslmode)
            .field("root_cert", &self.root_cert)
            .field("loopback", &self.loopback)
            .finish_non_exhaustive()
    }
}

/// `localhost`, or an IP address literal of the loopback range.
fn is_loopback_name(name: &str) -> bool {
    let name = name.trim_start_matches('[').trim_end_matches(']');
    name.eq_ignore_ascii_case("localhost")
        || name.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

fn percent_decode(s: &str) -> Result<String, ()> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).map_err(|_| ())?;
            out.push(u8::from_str_radix(hex, 16).map_err(|_| ())?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(url: &str) -> Result<DbTarget, DbError> {
        DbTarget::parse(&Secret::new(url))
    }

    #[test]
    fn loopback_goes_plain_and_elsewhere_needs_verified_tls() {
        let t = target("postgres://reader:pw@127.0.0.1:5432/postgres").unwrap();
        assert!(t.loopback);
        assert_eq!(t.sslmode, SslMode::Disable);
        let t = target("postgresql://reader:pw@localhost/postgres").unwrap();
        assert_eq!(t.sslmode, SslMode::Disable);
        let t = target("postgres://reader:pw@[::1]:6543/postgres").unwrap();
        assert!(t.loopback);
        let t = target("postgres://reader:pw@db.example.com:5432/postgres").unwrap();
        assert!(!t.loopback);
        assert_eq!(t.sslmode, SslMode::VerifyFull);
        assert!(!t.sslmode_given);
        // The host's name decides, not where it resolves (hostaddr).
        let t = target("postgres://r:pw@db.example.com/postgres?hostaddr=127.0.0.1").unwrap();
        assert_eq!(t.sslmode, SslMode::VerifyFull);
        let t = target("host=/var/run/postgresql user=postgres dbname=postgres").unwrap();
        assert!(t.loopback);
        assert_eq!(t.sslmode, SslMode::Disable);
    }

    #[test]
    fn the_url_can_say_otherwise() {
        let t = target("postgres://r:pw@db.example.com/postgres?sslmode=disable").unwrap();
        assert_eq!(t.sslmode, SslMode::Disable);
        assert!(t.warnings()[0].contains("unencrypted"));
        let t = target("postgres://r:pw@db.example.com/postgres?sslmode=require").unwrap();
        assert_eq!(t.sslmode.cert_check(), CertCheck::None);
        let t =
            target("postgres://r:pw@db.example.com/p?sslmode=verify-ca&sslrootcert=/tmp/ca.pem")
                .unwrap();
        assert_eq!(t.sslmode, SslMode::VerifyCa);
        assert_eq!(t.root_cert, Some(PathBuf::from("/tmp/ca.pem")));
        let t = target("postgres://r:pw@localhost/p?sslmode=verify-full").unwrap();
        assert_eq!(t.sslmode, SslMode::VerifyFull);
        assert!(target("postgres://r:pw@localhost/p?sslmode=maybe").is_err());
        assert!(target("postgres://r:pw@localhost/p?sslcert=/x").is_err());
    }

    #[test]
    fn the_password_is_never_shown() {
        let url = "postgres://reader:Hunter2%21Secret@db.example.com:5432/postgres";
        let t = target(url).unwrap();
        let shown = format!("{t:?} {}", t.describe());
        assert!(!shown.contains("Hunter2"), "{shown}");
        assert_eq!(t.describe(), "reader@db.example.com:5432/postgres");
        for bad in [
            "postgres://reader:Hunter2Secret@db.example.com:5432/postgres?bogus=1",
            "postgres://reader:Hunter2Secret@db.example.com:notaport/postgres",
            "postgres://reader:Hunter2Secret@db.example.com/p?sslmode=Hunter2Secret",
            "host=db user=reader password=Hunter2Secret sslmode=Hunter2Secret",
            "Hunter2Secret",
        ] {
            let e = target(bad).unwrap_err();
            let text = format!("{e} {e:?}");
            assert!(!text.contains("Hunter2"), "{text}");
            assert_eq!(e.kind, DbErrorKind::Url);
        }
    }
}
