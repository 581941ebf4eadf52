//! `gotrue-console doctor`: whether the console can work with this connection, and if not,
//! why, one line a check, each with a hint. It never prints a key.

use std::fmt::Write as _;

use chrono::{DateTime, Utc};

use crate::config::{Connection, Source};
use crate::gotrue::{ApiKeyKind, ErrorKind, GoTrueClient, ListUsers};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// ✓
    Ok,
    /// ! works, but worth knowing
    Warn,
    /// ✗ the console cannot work (or not fully)
    Fail,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Check {
    pub verdict: Verdict,
    pub what: &'static str,
    pub detail: String,
    pub hint: Option<String>,
}

impl Check {
    fn new(verdict: Verdict, what: &'static str, detail: impl Into<String>) -> Check {
        Check {
            verdict,
            what,
            detail: detail.into(),
            hint: None,
        }
    }

    fn hint(mut self, hint: impl Into<String>) -> Check {
        self.hint = Some(hint.into());
        self
    }
}

/// Every check, in order. Makes a few requests: `/health` (twice at most, for the URL), one
/// for the clock, `/settings`, and one page of one user.
pub async fn run(conn: &Connection, client: &GoTrueClient, now: DateTime<Utc>) -> Vec<Check> {
    let mut out = settings_checks(conn);

    let mut client = client.clone();
    match client.locate().await {
        Ok((h, None)) => out.push(Check::new(
            Verdict::Ok,
            "GoTrue",
            format!("{} {} at {}", h.name, h.version, client.base_url()),
        )),
        Ok((h, Some(base))) => {
            out.push(
                Check::new(
                    Verdict::Warn,
                    "GoTrue",
                    format!("{} {} under /auth/v1: {base}", h.name, h.version),
                )
                .hint(format!(
                    "{} is a Supabase API URL; the console finds /auth/v1 on its own, or give \
                     url = \"{base}\"",
                    client.base_url()
                )),
            );
            if let Ok(c) = client.with_base_url(base) {
                client = c;
            }
        }
        Err(e) => {
            out.push(
                Check::new(
                    Verdict::Fail,
                    "GoTrue",
                    format!("no GoTrue answers at {}: {e}", client.base_url()),
                )
                .hint(
                    "check the URL: GoTrue itself (http://host:9999), or a Supabase project \
                     (https://<ref>.supabase.co, http://127.0.0.1:54321) whose Auth is under \
                     /auth/v1",
                ),
            );
            // Nothing further can answer.
            return out;
        }
    }

    match client.server_time().await {
        Ok(Some(server)) => {
            let skew = (server - now).num_seconds();
            let detail = format!("the server's clock is {skew:+} s from this machine's");
            out.push(if skew.abs() <= 30 {
                Check::new(Verdict::Ok, "clock", detail)
            } else {
                Check::new(Verdict::Warn, "clock", detail).hint(
                    "tokens carry iat and exp: a clock this far off can make fresh sessions \
                     look expired (or not yet valid); sync it (NTP)",
                )
            });
        }
        Ok(None) => out.push(Check::new(
            Verdict::Warn,
            "clock",
            "the server sent no Date header",
        )),
        Err(e) => out.push(Check::new(Verdict::Warn, "clock", format!("{e}"))),
    }

    out.push(tls_check(conn));

    match client.settings().await {
        Ok(s) => {
            let providers = s.enabled_providers().join(", ");
            out.push(Check::new(
                Verdict::Ok,
                "settings",
                format!(
                    "providers: {providers}; sign-ups {}; autoconfirm email {}, phone {}",
                    if s.disable_signup { "off" } else { "on" },
                    yes_no(s.mailer_autoconfirm),
                    yes_no(s.phone_autoconfirm)
                ),
            ));
            out.push(
                Check::new(
                    Verdict::Ok,
                    "passwords",
                    "GoTrue's /settings does not publish its password rules",
                )
                .hint(
                    "the server's GOTRUE_PASSWORD_MIN_LENGTH and \
                     GOTRUE_PASSWORD_REQUIRED_CHARACTERS decide; a refused password comes back \
                     as weak_password with its reasons",
                ),
            );
        }
        Err(e) => out.push(Check::new(Verdict::Fail, "settings", format!("{e}"))),
    }

    out.push(admin_check(conn, &client).await);
    out.extend(database_checks(conn).await);
    out
}

/// The database, when one is given: that it answers, as whom, TLS, and what the role could
/// do besides reading. Never the URL (its `user@host:port/db` only).
async fn database_checks(conn: &Connection) -> Vec<Check> {
    use crate::db::{Db, DbErrorKind, DbOptions, TlsState};
    let Some(url) = &conn.db_url else {
        return Vec::new();
    };
    let from = source(&conn.sources.db_url);
    match Db::connect(url, DbOptions::default()).await {
        Ok((_, info)) => {
            let tls = match info.tls {
                TlsState::Off => "TLS off".to_owned(),
                TlsState::IfOffered => "TLS if offered".to_owned(),
                TlsState::On(mode) => format!("TLS {}", mode.as_str()),
            };
            let replica = if info.in_recovery {
                ", a read replica"
            } else {
                ""
            };
            let mut out = vec![Check::new(
                Verdict::Ok,
                "database",
                format!(
                    "{} as {}, PostgreSQL {}{replica}, {tls}, read-only transactions{from}",
                    info.target, info.role, info.server_version
                ),
            )];
            for w in info.warnings {
                out.push(Check::new(Verdict::Warn, "database", w));
            }
            out
        }
        Err(e) => {
            let hint = match e.kind {
                DbErrorKind::Url => "give postgres://user:password@host:port/database",
                DbErrorKind::Tls => {
                    "off loopback TLS is required and the certificate checked: sslrootcert=FILE \
                     for a private CA, or sslmode=require / disable in the URL to say otherwise"
                }
                DbErrorKind::Schema => "the URL must be GoTrue's database (its auth schema)",
                DbErrorKind::Permission => "grant the role SELECT on the auth tables",
                _ => "check the host, port, user and password of the database URL",
            };
            vec![Check::new(Verdict::Fail, "database", format!("{e}{from}")).hint(hint)]
        }
    }
}

fn yes_no(b: bool) -> &'static str {
    if b { "yes" } else { "no" }
}

fn source(s: &Option<Source>) -> String {
    s.as_ref().map_or_else(String::new, |s| format!("  ({s})"))
}

/// Where the settings came from, and what kind of key each is.
fn settings_checks(conn: &Connection) -> Vec<Check> {
    let mut out = vec![Check::new(
        Verdict::Ok,
        "url",
        format!("{}  ({})", conn.url, conn.sources.url),
    )];
    if let Some(p) = &conn.profile {
        out.push(Check::new(Verdict::Ok, "profile", p.clone()));
    }
    match &conn.service_role_key {
        None => out.push(
            Check::new(Verdict::Fail, "admin key", "none")
                .hint("set SUPABASE_SECRET_KEY (sb_secret_…) or GOTRUE_SERVICE_ROLE_KEY, or secret_key in the profile"),
        ),
        Some(k) => {
            let kind = ApiKeyKind::of(k);
            let detail = format!("{kind}{}", source(&conn.sources.service_role_key));
            out.push(match kind.admin_problem() {
                None => Check::new(Verdict::Ok, "admin key", detail),
                Some(p) => Check::new(Verdict::Fail, "admin key", detail).hint(p),
            });
        }
    }
    match &conn.anon_key {
        None => out.push(Check::new(Verdict::Warn, "public key", "none").hint(
            "user calls (sign in as a user, codes, links) on a Supabase project need the \
                 publishable key: SUPABASE_PUBLISHABLE_KEY or publishable_key in the profile",
        )),
        Some(k) => {
            let kind = ApiKeyKind::of(k);
            let detail = format!("{kind}{}", source(&conn.sources.anon_key));
            out.push(match kind {
                ApiKeyKind::Secret => Check::new(Verdict::Warn, "public key", detail).hint(
                    "the public key is a secret key: use the publishable key (sb_publishable_…)",
                ),
                _ => Check::new(Verdict::Ok, "public key", detail),
            });
        }
    }
    if let Some(m) = &conn.mailpit_url {
        out.push(Check::new(Verdict::Ok, "mailpit", m.clone()));
    }
    if let Some(from) = &conn.sources.read_only {
        out.push(Check::new(
            Verdict::Ok,
            "read-only",
            format!("yes  ({from})"),
        ));
    }
    for w in &conn.warnings {
        out.push(Check::new(Verdict::Warn, "config", w.clone()));
    }
    out
}

fn tls_check(conn: &Connection) -> Check {
    let url = conn.url.url();
    let host = url.host_str().unwrap_or_default();
    let loopback = host == "localhost"
        || host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    match (url.scheme(), conn.insecure_tls) {
        ("https", false) => Check::new(Verdict::Ok, "TLS", "certificate checked"),
        ("https", true) => Check::new(Verdict::Warn, "TLS", "certificate NOT checked (--insecure)")
            .hint("anyone on the network path can read the keys; for a test server only"),
        (_, _) if loopback => Check::new(Verdict::Ok, "TLS", "plain http on this machine"),
        (_, _) => Check::new(Verdict::Warn, "TLS", format!("plain http to {host}"))
            .hint("keys and tokens cross the network in clear: use https"),
    }
}

async fn admin_check(conn: &Connection, client: &GoTrueClient) -> Check {
    if conn.service_role_key.is_none() {
        return Check::new(Verdict::Fail, "admin call", "not tried: no admin key");
    }
    let one = ListUsers {
        per_page: 1,
        ..ListUsers::default()
    };
    match client.list_users(&one).await {
        Ok(page) => Check::new(
            Verdict::Ok,
            "admin call",
            match page.total {
                Some(n) => format!(
                    "listing users works ({} users)",
                    crate::console::widgets::thousands(n)
                ),
                None => "listing users works".to_owned(),
            },
        ),
        Err(e) => {
            let kind = conn.service_role_key.as_ref().map(ApiKeyKind::of);
            let mut c = Check::new(Verdict::Fail, "admin call", format!("{e}"));
            let hint = match (e.code.as_deref(), &kind) {
                (Some("no_authorization"), Some(ApiKeyKind::Secret)) => Some(
                    "an sb_secret_ key works only through Supabase's gateway: give the \
                     project's API URL (https://<ref>.supabase.co), or the legacy service_role \
                     JWT for a bare GoTrue",
                ),
                (Some("not_admin"), _) => {
                    Some("the key's role is not an admin role (service_role, supabase_admin)")
                }
                (Some("bad_jwt"), _) => Some(
                    "GoTrue cannot verify the key: it was signed with another JWT secret, or \
                     it is not a JWT",
                ),
                _ if e.kind == ErrorKind::Transport => Some("the server did not answer"),
                _ => None,
            };
            if let Some(h) = hint {
                c = c.hint(h);
            }
            c
        }
    }
}

/// Where the console reads its configuration and keeps its state, as doctor prints it.
pub fn paths(config: Option<&std::path::Path>, state: Option<&std::path::Path>) -> Vec<Check> {
    let mut out = Vec::new();
    out.push(match config {
        Some(p) if p.exists() => Check::new(Verdict::Ok, "config file", p.display().to_string()),
        Some(p) => Check::new(
            Verdict::Ok,
            "config file",
            format!("{} (none there: flags and environment only)", p.display()),
        ),
        None => Check::new(
            Verdict::Warn,
            "config file",
            "no config folder (HOME is not set): flags and environment only",
        ),
    });
    out.push(match state {
        Some(d) => Check::new(
            Verdict::Ok,
            "state",
            format!(
                "{} (the log gotrue-console.log; for serve-ssh its host key and journal)",
                d.display()
            ),
        ),
        None => Check::new(
            Verdict::Warn,
            "state",
            "no state folder (HOME is not set): nothing is logged",
        ),
    });
    out
}

/// The report as printed: one line a check, hints under their check.
pub fn render(checks: &[Check]) -> String {
    let mut s = String::new();
    for c in checks {
        let mark = match c.verdict {
            Verdict::Ok => "✓",
            Verdict::Warn => "!",
            Verdict::Fail => "✗",
        };
        let _ = writeln!(s, "{mark} {:<11} {}", c.what, c.detail);
        if let Some(h) = &c.hint {
            let _ = writeln!(s, "  {:<11} hint: {h}", "");
        }
    }
    s
}

/// Whether the console can work: no check failed.
pub fn can_work(checks: &[Check]) -> bool {
    checks.iter().all(|c| c.verdict != Verdict::Fail)
}
