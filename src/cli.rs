//! Command-line definitions.

use crate::demo::DemoServerArgs;
use crate::ops::export::ExportFormat;
use clap::{Parser, Subcommand};
use std::path::PathBuf;

const AFTER_HELP: &str = "\
CONNECTION (lowest to highest: defaults < config file < environment < flags)
  Config file   $XDG_CONFIG_HOME/gotrue-console/config.toml (~/.config/…), profiles like:
                  [profiles.hosted]
                  project_ref = \"abcdefghijklmnopqrst\"   # or url = \"https://…\"
                  secret_key_env = \"SUPABASE_SECRET_KEY\"  # or secret_key / _command
                  publishable_key = \"sb_publishable_…\"
                  [profiles.local]
                  url = \"http://127.0.0.1:9999\"
                  service_role_key = \"eyJ…\"       # the legacy JWT keys work too
                  anon_key = \"eyJ…\"
                  read_only = false
                  production = false
                  keep_session = true     # the Session tab's sign-in, in the OS keyring
                default_profile = \"local\" picks one; GOTRUE_CONSOLE_PROFILE or --profile too.
                A profile named with --profile wins over the environment (and says so).
  Environment   GOTRUE_URL, GOTRUE_ANON_KEY, GOTRUE_SERVICE_ROLE_KEY, or Supabase's
                SUPABASE_URL (a project URL: /auth/v1 is added), SUPABASE_SECRET_KEY,
                SUPABASE_PUBLISHABLE_KEY (or the deprecated SUPABASE_SERVICE_ROLE_KEY,
                SUPABASE_ANON_KEY). GOTRUE_* win over SUPABASE_*.
  Keys          sb_secret_ and sb_publishable_ keys go in the apikey header only; the legacy
                JWT keys are also sent as the bearer. No key is ever printed.
  Without an admin key the console opens on the Session tab, where one can be typed
  (kept in memory only).

LOGS
  $XDG_STATE_HOME/gotrue-console/gotrue-console.log (~/.local/state/…), never the screen.
  GOTRUE_CONSOLE_LOG=debug for more. Keys, tokens and passwords are never logged.

STATE
  An unfinished bulk run on marked users: $XDG_STATE_HOME/gotrue-console/bulk-PROFILE.json,
  offered (and resumed, never sending twice) at the next start. A kept session
  (keep_session = true, or K on the Session tab): the OS keyring, never a file.

EXAMPLES
  gotrue-console --demo                      the console on a built-in demo server
  SUPABASE_URL=https://REF.supabase.co SUPABASE_SECRET_KEY=sb_secret_… gotrue-console
  gotrue-console --project-ref REF               (with SUPABASE_SECRET_KEY set)
  GOTRUE_URL=http://127.0.0.1:9999 GOTRUE_SERVICE_ROLE_KEY=eyJ… gotrue-console
  gotrue-console --profile prod --read-only
  gotrue-console users export --profile prod --out users.csv
  gotrue-console demo-server --listen 127.0.0.1:9998 --users 100000
  gotrue-console serve-ssh --authorized-keys staff_keys --profile prod --read-only";

/// A fast, keyboard-driven terminal admin console for GoTrue (Supabase Auth).
#[derive(Debug, Parser)]
#[command(name = "gotrue-console", version, after_help = AFTER_HELP)]
pub struct Cli {
    #[command(flatten)]
    pub console: ConsoleArgs,
    #[command(subcommand)]
    pub command: Option<Cmd>,
}

#[derive(Debug, clap::Args)]
pub struct ConsoleArgs {
    /// GoTrue URL, or a Supabase project URL (https://<ref>.supabase.co).
    #[arg(long, global = true)]
    pub url: Option<String>,
    /// A hosted Supabase project by its ref: the same as --url https://REF.supabase.co.
    #[arg(long, value_name = "REF", global = true, conflicts_with = "url")]
    pub project_ref: Option<String>,
    /// The local Supabase stack of the project in this directory: its URL and keys from
    /// `supabase status -o env` (needs the Supabase CLI and `supabase start`).
    #[arg(long, global = true, conflicts_with_all = ["url", "project_ref"])]
    pub supabase_local: bool,
    /// GoTrue's PostgreSQL (postgres://…): `doctor` checks it, `users export` reads it
    /// with COPY. Better from SUPABASE_DB_URL or a profile's db_url_command: a flag's value
    /// shows in the process list. Never shown or logged.
    #[arg(long, value_name = "URL", global = true)]
    pub db_url: Option<String>,
    /// A Mailpit that catches the server's mail (http://127.0.0.1:54324 on a local stack):
    /// its messages become the Outbox tab, links and codes ready to use.
    #[arg(long, value_name = "URL", global = true)]
    pub mailpit: Option<String>,
    /// A profile of the config file.
    #[arg(long, global = true)]
    pub profile: Option<String>,
    /// Hide and refuse every action that changes data.
    #[arg(long, global = true)]
    pub read_only: bool,
    /// Mask emails and phone numbers until revealed with `*` (screen shares, demos).
    #[arg(long)]
    pub mask: bool,
    /// Colours: dark (the default), light, or mono (none; NO_COLOR chooses it too).
    /// Overrides the config file's `theme`.
    #[arg(long, value_enum, global = true)]
    pub theme: Option<crate::console::widgets::theme::Theme>,
    /// Clicks and the wheel: click a row to select it (again to open it), a tab to go
    /// there; the wheel scrolls. Off by default (the terminal's own selection keeps
    /// working); `mouse = true` in the config file turns it on.
    #[arg(long, global = true, overrides_with = "no_mouse")]
    pub mouse: bool,
    /// Turns off a config file's `mouse = true`.
    #[arg(long, global = true, overrides_with = "mouse")]
    pub no_mouse: bool,
    /// Another config file.
    #[arg(long, value_name = "FILE", global = true)]
    pub config: Option<PathBuf>,
    /// Run on a built-in demo server (seeded users, an outbox), signed in as admin.
    #[arg(long, conflicts_with_all = ["url", "project_ref", "supabase_local", "profile", "mailpit", "insecure"])]
    pub demo: bool,
    /// With --demo: synthetic users added to the seed users.
    #[arg(long, value_name = "N", default_value_t = 0, requires = "demo")]
    pub demo_users: usize,
    /// Accept any TLS certificate (self-signed, expired, another host's). For a test server
    /// only: anyone on the network path could read the service key. The console says so in
    /// its header, and `users export` on stderr.
    #[arg(long, global = true)]
    pub insecure: bool,
    /// How long one request may take: 30, 30s, 2m (the grammar of ban lengths).
    #[arg(long, value_name = "DURATION", default_value = "30s", global = true,
          value_parser = crate::duration::parse_flag)]
    pub timeout: std::time::Duration,
}

#[derive(Debug, Subcommand)]
pub enum Cmd {
    /// Run the embedded GoTrue-compatible demo server alone; prints one JSON line with its
    /// URL and keys.
    DemoServer(DemoServerArgs),
    /// Serve the console over SSH: every session gets its own console on this server's
    /// profile (or its own demo data with --demo); staff need only their SSH key.
    ServeSsh(ServeSshArgs),
    /// Check the connection: where each setting came from, the key kinds, the URL, GoTrue's
    /// version and settings, the clock, TLS and an admin call. Exit status 0 only if the
    /// console can work.
    Doctor,
    /// Print a shell completion script: `gotrue-console completions bash >
    /// ~/.local/share/bash-completion/completions/gotrue-console` (zsh: into a folder of
    /// `$fpath` as `_gotrue-console`; fish: `~/.config/fish/completions/gotrue-console.fish`).
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff): `gotrue-console man > gotrue-console.1`, then `man
    /// ./gotrue-console.1`, or install it under `~/.local/share/man/man1/`.
    Man,
    /// Print the keys in force: every context, key, action and description, with the
    /// config file's `[keys]` bindings applied (the names are those `[keys]` takes).
    Keys,
    /// Users of the configured server, from the command line.
    Users {
        #[command(subcommand)]
        cmd: UsersCmd,
    },
}

#[derive(Debug, Subcommand)]
pub enum UsersCmd {
    /// Export every user (or those matching --filter) as CSV or NDJSON, page by page, to
    /// stdout or a file. Needs a service-role key.
    Export(ExportArgs),
    /// Invite everyone in a CSV (an `email` column; the other columns become each user's
    /// metadata) or a list of addresses, paced, with a per-row result: the same runner as
    /// the console's Invites tab. Needs a service-role key.
    Invite(InviteArgs),
}

#[derive(Debug, clap::Args)]
pub struct InviteArgs {
    /// The addresses: a CSV with an `email` column (`.csv`), or one address a line.
    #[arg(long, value_name = "FILE")]
    pub csv: PathBuf,
    /// Generate each invite link (generate_link, type invite) instead of mailing it: no mail
    /// goes out, and the links go into the results' `link` column for sending by other
    /// means. Whoever has a link signs in as that user.
    #[arg(long)]
    pub links_only: bool,
    /// Go on from FILE.invites.json, which every run keeps beside FILE: rows already sent
    /// are never sent again, and rows an interrupted run may have sent are looked up first.
    #[arg(long)]
    pub resume: bool,
    /// Where the results CSV goes [default: FILE.results.csv].
    #[arg(long, value_name = "FILE")]
    pub results: Option<PathBuf>,
    /// Where the invite links lead (redirect_to) [default: GoTrue's site URL].
    #[arg(long, value_name = "URL")]
    pub redirect_to: Option<String>,
    /// Invitations in flight at once.
    #[arg(long, value_name = "N", default_value_t = 4,
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=16))]
    pub concurrency: usize,
}

#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    /// Output format [default: csv when --out ends in .csv, else ndjson].
    #[arg(long, value_enum)]
    pub format: Option<ExportFormat>,
    /// GoTrue's filter: an email substring or a full name.
    #[arg(long, value_name = "TEXT")]
    pub filter: Option<String>,
    /// Write to FILE instead of stdout. Written as FILE.partial and renamed when complete,
    /// so a failed export never leaves a truncated FILE; an export that stops after its
    /// first batch leaves FILE.partial and FILE.partial.state for --resume.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Go on from FILE.partial where an earlier export to --out FILE stopped (an error,
    /// Ctrl-C): after the last cursor or page it wrote, with its format, filter and page
    /// size. Without an unfinished export there, it starts from the top.
    #[arg(long, requires = "out")]
    pub resume: bool,
    /// Users per request.
    #[arg(long, value_name = "N", default_value_t = 1000,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub per_page: u32,
    /// Pages fetched at once.
    #[arg(long, value_name = "N", default_value_t = 4,
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=32))]
    pub concurrency: usize,
}

/// The console flags (the ids of [`ConsoleArgs`]'s fields).
pub const CONSOLE_FLAGS: [&str; 16] = [
    "url",
    "project_ref",
    "supabase_local",
    "db_url",
    "mailpit",
    "profile",
    "read_only",
    "mask",
    "theme",
    "mouse",
    "no_mouse",
    "config",
    "demo",
    "demo_users",
    "insecure",
    "timeout",
];

/// The console flags that subcommand `sub` (`None`: the console itself) acts on. Any other
/// given on the command line is refused, wherever it stands: a flag that does nothing is
/// worse than an error (`--mask serve-ssh` once showed every email).
pub fn flags_taken(sub: Option<&str>) -> &'static [&'static str] {
    // The connection's flags, and Mailpit's (which doctor checks too). What these commands
    // do only reads, so `--read-only` holds for them as it is.
    const DOCTOR: [&str; 10] = [
        "url",
        "project_ref",
        "supabase_local",
        "profile",
        "config",
        "insecure",
        "timeout",
        "read_only",
        "db_url",
        "mailpit",
    ];
    // The console reads the database when given one; over SSH it does not (a remote user
    // would read the host's database with the host's credentials): --db-url is refused there.
    const CONSOLE: [&str; 16] = [
        "db_url",
        "url",
        "project_ref",
        "supabase_local",
        "mailpit",
        "profile",
        "read_only",
        "mask",
        "theme",
        "mouse",
        "no_mouse",
        "config",
        "demo",
        "demo_users",
        "insecure",
        "timeout",
    ];
    match sub {
        None => &CONSOLE,
        Some("serve-ssh") => &CONSOLE[1..],
        Some("doctor") => &DOCTOR,
        // An export: the connection and the database, not Mailpit.
        Some("users") => &DOCTOR[..9],
        Some("keys") => &["config"],
        // demo-server, completions, man: none.
        _ => &[],
    }
}

impl Cli {
    /// Parses the process's command line; an error (or a console flag the subcommand would
    /// ignore) prints clap's message and exits.
    pub fn parse_checked() -> Self {
        Self::try_parse_checked_from(std::env::args_os()).unwrap_or_else(|e| e.exit())
    }

    /// Parses `args`, refusing a console flag that the chosen subcommand does not act on.
    pub fn try_parse_checked_from<I, T>(args: I) -> Result<Self, clap::Error>
    where
        I: IntoIterator<Item = T>,
        T: Into<std::ffi::OsString> + Clone,
    {
        use clap::{CommandFactory, FromArgMatches};
        let mut cmd = Self::command();
        let matches = cmd.try_get_matches_from_mut(args)?;
        let sub = matches.subcommand_name();
        let taken = flags_taken(sub);
        // `users invite` writes through GoTrue's API only: the database does nothing there.
        let invite = matches.subcommand().and_then(|(_, m)| m.subcommand_name()) == Some("invite");
        for id in CONSOLE_FLAGS {
            let given = matches.value_source(id) == Some(clap::parser::ValueSource::CommandLine);
            if given && (!taken.contains(&id) || (invite && id == "db_url")) {
                let flag = format!("--{}", id.replace('_', "-"));
                let sub = match matches.subcommand() {
                    Some((s, m)) => m
                        .subcommand_name()
                        .map_or_else(|| s.to_owned(), |inner| format!("{s} {inner}")),
                    None => String::new(),
                };
                return Err(cmd.error(
                    clap::error::ErrorKind::ArgumentConflict,
                    format!("{flag} does nothing for `{sub}`: leave it out"),
                ));
            }
        }
        Self::from_arg_matches(&matches).map_err(|e| e.format(&mut cmd))
    }
}

impl ConsoleArgs {
    /// The flags that take part in the console's preferences.
    pub fn pref_flags(&self) -> crate::config::PrefFlags {
        crate::config::PrefFlags {
            theme: self.theme,
            mouse: match (self.mouse, self.no_mouse) {
                (true, _) => Some(true),
                (_, true) => Some(false),
                _ => None,
            },
        }
    }

    /// The flags that take part in resolving the connection.
    pub fn overrides(&self) -> crate::config::ConsoleOverrides {
        crate::config::ConsoleOverrides {
            url: self.url.clone(),
            project_ref: self.project_ref.clone(),
            supabase_local: self.supabase_local,
            mailpit: self.mailpit.clone(),
            profile: self.profile.clone(),
            read_only: self.read_only,
            config_path: self.config.clone(),
            insecure_tls: self.insecure,
            db_url: self.db_url.clone().map(crate::gotrue::Secret::new),
        }
    }
}

/// `gotrue-console serve-ssh`.
#[derive(Debug, Clone, clap::Args)]
pub struct ServeSshArgs {
    /// Where to listen (`127.0.0.1:0` picks a free port).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:2222")]
    pub listen: std::net::SocketAddr,
    /// OpenSSH authorized_keys file: the keys that may connect, read again at every
    /// attempt. A key's comment or options can make it read-only
    /// (`gotrue-console:read-only`, `environment="GOTRUE_CONSOLE_ROLE=read-only"`) or masked
    /// (`gotrue-console:mask`, `environment="GOTRUE_CONSOLE_MASK=1"`).
    #[arg(long, value_name = "FILE")]
    pub authorized_keys: std::path::PathBuf,
    /// The server's private host key; an Ed25519 key is made there (mode 0600) when there
    /// is none [default: $XDG_STATE_HOME/gotrue-console/ssh_host_ed25519_key].
    #[arg(long, value_name = "FILE")]
    pub host_key: Option<std::path::PathBuf>,
    /// Give every session a fresh demo server of its own instead of the profile's server.
    #[arg(long)]
    pub demo: bool,
    /// With --demo: synthetic users added to each session's seed users.
    #[arg(long, value_name = "N", default_value_t = 0, requires = "demo")]
    pub demo_users: usize,
    /// Consoles open at once; one more is told so and closed.
    #[arg(long, value_name = "N", default_value_t = 16,
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=1024))]
    pub max_sessions: usize,
    /// A console without a key press for this long is closed (`90s`, `30m`, `2h`).
    #[arg(long, value_name = "DURATION", default_value = "30m", value_parser = crate::duration::parse_flag)]
    pub idle_timeout: std::time::Duration,
    /// The operator journal, JSON lines: every session and every change, with the SSH key
    /// [default: $XDG_STATE_HOME/gotrue-console/ssh-journal.jsonl].
    #[arg(long, value_name = "FILE")]
    pub journal: Option<std::path::PathBuf>,
    /// Mask emails and phone numbers in every session (`a••@example.com`), for screen
    /// shares and public demos.
    #[arg(long)]
    pub mask: bool,
    /// Where the server logs: `file` (the state folder's `serve-ssh.YYYY-MM-DD.log`, one a
    /// day, two weeks kept, `serve-ssh.log` the current one) or `stderr` (for systemd's
    /// journal).
    #[arg(long, value_enum, value_name = "WHERE", default_value = "file")]
    pub log: crate::logging::LogTarget,
}
