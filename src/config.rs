//! Connection profiles: which GoTrue server to talk to, with which keys.
//!
//! Settings are layered, lowest to highest:
//!
//! 1. defaults (not read-only, not production, no keys, no URL);
//! 2. one profile of the config file (`$XDG_CONFIG_HOME/gotrue-console/config.toml`, or
//!    `--config FILE`), chosen by `--profile`, else `GOTRUE_CONSOLE_PROFILE`, else the file's
//!    `default_profile`, else the only profile if there is exactly one;
//! 3. the environment: `GOTRUE_URL`, `GOTRUE_ANON_KEY`, `GOTRUE_SERVICE_ROLE_KEY`, and Supabase's
//!    `SUPABASE_URL`, `SUPABASE_SECRET_KEY`, `SUPABASE_PUBLISHABLE_KEY` and the deprecated
//!    `SUPABASE_SERVICE_ROLE_KEY`, `SUPABASE_ANON_KEY` (`GOTRUE_` names win, then the new ones);
//! 4. flags: `--url` or `--project-ref`, `--profile`, `--read-only`.
//!
//! A profile named with `--profile` (or switched to in the console) was chosen on purpose:
//! what it sets wins over the environment, and a warning names each variable it overrode.
//!
//! A profile key is a literal (`service_role_key`, or Supabase's name `secret_key`; the public
//! key is `anon_key` or `publishable_key`), an environment variable (`…_env`) or a command
//! whose trimmed stdout is the key (`…_command`, run with `sh -c`, 10 s timeout). Commands run
//! only for the profile being resolved, and only when nothing higher up already supplies that
//! key. A profile's `project_ref` stands for `url = "https://<ref>.supabase.co"`.
//!
//! Keys are [`Secret`]s from the moment they are read: no error, warning or `Debug` output of
//! this module contains one. Resolution may run commands and so blocks; from async code call it
//! inside `spawn_blocking`.

use std::collections::BTreeMap;
use std::fmt;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use serde::Deserialize;

use crate::gotrue::Secret;
use crate::gotrue::base_url::{BaseUrl, BaseUrlError};

/// How long a `*_command` may take to print its key.
pub const KEY_COMMAND_TIMEOUT: Duration = Duration::from_secs(10);

/// The environment variable that picks a profile when `--profile` is not given.
pub const PROFILE_ENV: &str = "GOTRUE_CONSOLE_PROFILE";

/// Settings from command-line flags; all optional.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConsoleOverrides {
    /// `--url`: wins over the environment and the profile.
    pub url: Option<String>,
    /// `--project-ref REF`: `https://REF.supabase.co`, as `--url` would.
    pub project_ref: Option<String>,
    /// `--supabase-local`: the local stack of the project in the current directory, as
    /// `supabase status -o env` describes it.
    pub supabase_local: bool,
    /// `--mailpit URL`: the Outbox is this Mailpit's messages.
    pub mailpit: Option<String>,
    /// `--profile`: wins over `GOTRUE_CONSOLE_PROFILE` and `default_profile`.
    pub profile: Option<String>,
    /// `--read-only`: forces read-only on (a profile can never turn it off).
    pub read_only: bool,
    /// `--config FILE`: instead of the default path; unlike the default, it must exist.
    pub config_path: Option<PathBuf>,
    /// `--insecure`: accept any TLS certificate (a profile can turn it on too, never off).
    pub insecure_tls: bool,
    /// `--db-url`: GoTrue's database, for reads straight from PostgreSQL.
    pub db_url: Option<Secret>,
}

/// Where one setting came from, for display; never the value itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A command-line flag such as `--url`.
    Flag(&'static str),
    /// A process environment variable such as `GOTRUE_URL`.
    Env(String),
    /// A literal value in a profile of the config file.
    Profile { profile: String, path: PathBuf },
    /// The environment variable a profile names (`*_env`).
    ProfileEnv { profile: String, var: String },
    /// The command a profile names (`*_command`).
    ProfileCommand { profile: String, command: String },
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Flag(flag) => write!(f, "flag {flag}"),
            Source::Env(var) => write!(f, "env {var}"),
            Source::Profile { profile, path } => {
                write!(f, "profile {profile} ({})", path.display())
            }
            Source::ProfileEnv { profile, var } => write!(f, "env {var} (profile {profile})"),
            Source::ProfileCommand { profile, command } => {
                write!(f, "command `{command}` (profile {profile})")
            }
        }
    }
}

/// Where each part of a [`Connection`] came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sources {
    pub url: Source,
    pub anon_key: Option<Source>,
    pub service_role_key: Option<Source>,
    /// `None` when the connection is not read-only.
    pub read_only: Option<Source>,
    /// Where the database URL came from, if one did.
    pub db_url: Option<Source>,
}

/// A resolved connection: what the console talks to, and how.
#[derive(Debug, Clone)]
pub struct Connection {
    /// The profile used, if any.
    pub profile: Option<String>,
    pub url: BaseUrl,
    pub anon_key: Option<Secret>,
    pub service_role_key: Option<Secret>,
    pub read_only: bool,
    pub production: bool,
    /// TLS certificates are not checked (`--insecure`, or `insecure_tls` in the profile).
    pub insecure_tls: bool,
    /// The profile keeps its session in the OS keyring (`keep_session = true`).
    pub keep_session: bool,
    /// To show the user at start-up (or after a profile switch).
    pub warnings: Vec<String>,
    pub sources: Sources,
    /// The local stack's Mailpit (`MAILPIT_URL`, or `INBUCKET_URL` of older CLIs).
    pub mailpit_url: Option<String>,
    /// GoTrue's database, for reads straight from PostgreSQL: `--db-url`, a profile's
    /// `db_url` (or `db_url_env`, `db_url_command`), `SUPABASE_DB_URL`, or the local stack's
    /// `DB_URL`.
    pub db_url: Option<Secret>,
}

/// One `[profiles.NAME]` table, as written.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProfileConfig {
    pub url: Option<String>,
    /// A hosted Supabase project's ref: the URL `https://<ref>.supabase.co` (Auth under
    /// `/auth/v1`). Instead of `url`.
    pub project_ref: Option<String>,
    /// `"supabase-local"`: the URL and keys come from `supabase status -o env`, run in
    /// `project_dir` (default: the current directory).
    pub source: Option<String>,
    pub project_dir: Option<PathBuf>,
    pub anon_key: Option<Secret>,
    pub anon_key_env: Option<String>,
    pub anon_key_command: Option<String>,
    /// Supabase's new public key (`sb_publishable_…`): instead of the anon key.
    pub publishable_key: Option<Secret>,
    pub publishable_key_env: Option<String>,
    pub publishable_key_command: Option<String>,
    pub service_role_key: Option<Secret>,
    pub service_role_key_env: Option<String>,
    pub service_role_key_command: Option<String>,
    /// Supabase's new admin key (`sb_secret_…`): instead of the service_role key.
    pub secret_key: Option<Secret>,
    pub secret_key_env: Option<String>,
    pub secret_key_command: Option<String>,
    /// GoTrue's PostgreSQL (`postgres://…`), for reads straight from the database; as a
    /// key, or from an environment variable or a command.
    pub db_url: Option<Secret>,
    pub db_url_env: Option<String>,
    pub db_url_command: Option<String>,
    #[serde(default)]
    pub read_only: bool,
    #[serde(default)]
    pub production: bool,
    /// Accept any TLS certificate: for a test server with a self-signed one.
    #[serde(default)]
    pub insecure_tls: bool,
    /// Keep the Session tab's signed-in session between runs, in the OS keyring (never a
    /// file): signed in again from it at start-up, cleared by signing out.
    #[serde(default)]
    pub keep_session: bool,
}

/// A parsed config file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConfigFile {
    pub path: PathBuf,
    pub default_profile: Option<String>,
    pub profiles: BTreeMap<String, ProfileConfig>,
    /// The `[keys.<context>]` bindings, checked: `ConfigFile::keymap` lays them over the
    /// defaults.
    pub keys: Vec<crate::console::keys::KeyOverride>,
    /// `theme = "dark" | "light" | "mono"`.
    pub theme: Option<crate::console::widgets::theme::Theme>,
    /// `mouse = true`: clicks and the wheel (off by default).
    pub mouse: Option<bool>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    default_profile: Option<String>,
    #[serde(default)]
    profiles: BTreeMap<String, ProfileConfig>,
    /// `[keys.users] open = "o"` or `open = ["o", "enter"]`.
    #[serde(default)]
    keys: BTreeMap<String, BTreeMap<String, toml::Spanned<KeySpec>>>,
    theme: Option<crate::console::widgets::theme::Theme>,
    mouse: Option<bool>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum KeySpec {
    One(String),
    Many(Vec<String>),
}

impl ConfigFile {
    /// Reads and checks the file at `path`; `Ok(None)` if there is no such file.
    pub fn load(path: &Path) -> Result<Option<ConfigFile>, ConfigError> {
        match std::fs::read_to_string(path) {
            Ok(text) => Self::parse(&text, path).map(Some),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(source) => Err(ConfigError::Read {
                path: path.to_owned(),
                source,
            }),
        }
    }

    /// Parses and checks config text; `path` is where it came from, for messages.
    ///
    /// Checks everything that needs no environment or command: the TOML itself, unknown keys,
    /// profile URLs, empty values, a key given in more than one form, and `default_profile`.
    pub fn parse(text: &str, path: &Path) -> Result<ConfigFile, ConfigError> {
        let raw: RawFile = toml::from_str(text).map_err(|e| parse_error(text, path, &e))?;
        let mut keys = Vec::new();
        for (context, actions) in raw.keys {
            for (action, spec) in actions {
                let line = text[..spec.span().start.min(text.len())]
                    .matches('\n')
                    .count()
                    + 1;
                keys.push(crate::console::keys::KeyOverride {
                    context: context.clone(),
                    action,
                    keys: match spec.into_inner() {
                        KeySpec::One(k) => vec![k],
                        KeySpec::Many(ks) => ks,
                    },
                    line,
                });
            }
        }
        // In the file's order, so that a clash names the later line.
        keys.sort_by_key(|k| k.line);
        let file = ConfigFile {
            path: path.to_owned(),
            default_profile: raw.default_profile,
            profiles: raw.profiles,
            keys,
            theme: raw.theme,
            mouse: raw.mouse,
        };
        file.keymap()?;
        for (name, profile) in &file.profiles {
            check_profile(profile).map_err(|problem| ConfigError::Profile {
                path: file.path.clone(),
                line: profile_line(text, name),
                profile: name.clone(),
                problem,
            })?;
        }
        if let Some(default) = &file.default_profile
            && !file.profiles.contains_key(default)
        {
            return Err(ConfigError::UnknownProfile {
                name: default.clone(),
                from: ProfileFrom::DefaultProfile,
                path: file.path.clone(),
                available: file.names_owned(),
            });
        }
        Ok(file)
    }

    /// `$XDG_CONFIG_HOME/gotrue-console/config.toml`, else the platform's config directory.
    pub fn default_path() -> Option<PathBuf> {
        default_path_in(&process_env)
    }

    /// The keys in force: the defaults with the file's `[keys]` laid over them.
    pub fn keymap(&self) -> Result<crate::console::keys::Keymap, ConfigError> {
        crate::console::keys::Keymap::with_overrides(&self.keys).map_err(|e| ConfigError::Keys {
            path: self.path.clone(),
            line: e.line,
            problem: e.problem,
        })
    }

    /// Profile names, sorted.
    pub fn profile_names(&self) -> Vec<&str> {
        self.profiles.keys().map(String::as_str).collect()
    }

    fn names_owned(&self) -> Vec<String> {
        self.profiles.keys().cloned().collect()
    }
}

/// The real process environment, for [`resolve`]'s `env` argument.
pub fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

fn default_path_in(env: &dyn Fn(&str) -> Option<String>) -> Option<PathBuf> {
    // etcetera reads XDG_CONFIG_HOME from the real environment; honour it from the environment
    // we were given (tests pass their own), on every platform.
    if let Some(xdg) = env("XDG_CONFIG_HOME").filter(|v| Path::new(v).is_absolute()) {
        return Some(
            PathBuf::from(xdg)
                .join("gotrue-console")
                .join("config.toml"),
        );
    }
    use etcetera::BaseStrategy;
    // ~/.config/gotrue-console on Linux and macOS, %APPDATA%\gotrue-console on Windows.
    etcetera::choose_base_strategy()
        .ok()
        .map(|base| base.config_dir().join("gotrue-console").join("config.toml"))
}

/// Why a profile was chosen, for the message when it does not exist.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProfileFrom {
    /// `--profile NAME`.
    Flag,
    /// `GOTRUE_CONSOLE_PROFILE`.
    Env,
    /// The file's `default_profile`.
    DefaultProfile,
    /// Asked for directly ([`resolve_profile`], e.g. the in-console profile switch).
    Requested,
}

impl fmt::Display for ProfileFrom {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProfileFrom::Flag => f.write_str("--profile"),
            ProfileFrom::Env => f.write_str(PROFILE_ENV),
            ProfileFrom::DefaultProfile => f.write_str("default_profile"),
            ProfileFrom::Requested => f.write_str("profile switch"),
        }
    }
}

/// Something wrong with one profile.
#[derive(Debug, thiserror::Error)]
pub enum ProfileProblem {
    #[error("{key} is given more than one way ({}): keep one", forms.join(", "))]
    Conflict {
        key: &'static str,
        forms: Vec<&'static str>,
    },
    #[error("{field} is empty")]
    Empty { field: &'static str },
    #[error("source `{0}` is not one the console knows: the only one is \"supabase-local\"")]
    UnknownSource(String),
    #[error("url: {0}")]
    BadUrl(BaseUrlError),
    #[error("{field} names the environment variable {var}, which is not set (or empty)")]
    EnvNotSet { field: &'static str, var: String },
    #[error("{field} `{command}` {failure}")]
    Command {
        field: &'static str,
        command: String,
        failure: CommandFailure,
    },
}

/// How a key command failed. Never holds the command's output.
#[derive(Debug, thiserror::Error)]
pub enum CommandFailure {
    #[error("could not be started: {0}")]
    Spawn(io::Error),
    #[error("did not finish within {} s and was killed", .0.as_secs_f32())]
    Timeout(Duration),
    #[error("failed ({}{}); run it in a shell to see why", .0, not_found_hint(.0))]
    Status(ExitStatus),
    #[error("printed nothing on stdout")]
    Empty,
    #[error("printed something that is not UTF-8")]
    NotUtf8,
    #[error("could not be waited for: {0}")]
    Wait(io::Error),
}

fn not_found_hint(status: &ExitStatus) -> &'static str {
    // What sh exits with when it cannot find the program.
    if status.code() == Some(127) {
        ", command not found"
    } else {
        ""
    }
}

/// Everything that can go wrong; `Display` says what and where, never a key.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file exists but cannot be read.
    #[error("cannot read config file {}: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    /// `--config FILE` names a file that does not exist.
    #[error("config file {} (from --config) does not exist", path.display())]
    NotFound { path: PathBuf },
    /// Not valid TOML, or not the shape of a config file.
    #[error("{}", parse_message(path, *line, *column, key.as_deref(), table.as_deref(), message))]
    Parse {
        path: PathBuf,
        line: usize,
        column: usize,
        /// The key on that line, when there is one.
        key: Option<String>,
        /// The `[table]` that line is in, when there is one.
        table: Option<String>,
        message: String,
    },
    /// A profile is wrong (in the file, or when its env variable or command is used).
    #[error(
        "profile `{profile}` in {}{}: {problem}",
        path.display(),
        line.map(|l| format!(" (line {l})")).unwrap_or_default()
    )]
    Profile {
        path: PathBuf,
        line: Option<usize>,
        profile: String,
        problem: ProfileProblem,
    },
    /// A `[keys]` binding that cannot be: an unknown context, action or key, or two actions
    /// on one key.
    #[error("{}, line {line}: {problem}", path.display())]
    Keys {
        path: PathBuf,
        line: usize,
        problem: String,
    },
    /// A profile was asked for that is not in the file (or there is no file).
    #[error("{}", unknown_profile_message(name, *from, path, available))]
    UnknownProfile {
        name: String,
        from: ProfileFrom,
        path: PathBuf,
        /// The profiles the file does have.
        available: Vec<String>,
    },
    /// A profile was asked for, and there is no config file.
    #[error("{}", no_config_file_message(name, *from, path.as_deref()))]
    NoConfigFile {
        name: String,
        from: ProfileFrom,
        /// Where the file was looked for.
        path: Option<PathBuf>,
    },
    /// `--supabase-local` (or `source = "supabase-local"`): `supabase status` did not give
    /// what the console needs.
    #[error("--supabase-local: {0}")]
    LocalStack(String),
    /// A URL from a flag or the environment is not a usable URL.
    #[error("{from}: {error}")]
    BadUrl { from: Source, error: BaseUrlError },
    /// No URL from any layer.
    #[error("{}", no_url_message(profile.as_deref(), path.as_deref(), unchosen))]
    NoUrl {
        /// The profile in use (it has no `url`).
        profile: Option<String>,
        /// The config file looked in.
        path: Option<PathBuf>,
        /// Profiles of a file that has several and no `default_profile`.
        unchosen: Vec<String>,
    },
}

fn parse_message(
    path: &Path,
    line: usize,
    column: usize,
    key: Option<&str>,
    table: Option<&str>,
    message: &str,
) -> String {
    let mut s = format!("{}, line {line}, column {column}", path.display());
    match (key, table) {
        (Some(k), Some(t)) => s.push_str(&format!(" (key `{k}` in [{t}])")),
        (Some(k), None) => s.push_str(&format!(" (key `{k}`)")),
        (None, Some(t)) => s.push_str(&format!(" (in [{t}])")),
        (None, None) => {}
    }
    s.push_str(": ");
    s.push_str(message);
    s
}

fn unknown_profile_message(
    name: &str,
    from: ProfileFrom,
    path: &Path,
    available: &[String],
) -> String {
    let have = if available.is_empty() {
        "it has no profiles".to_owned()
    } else {
        format!("its profiles are: {}", available.join(", "))
    };
    format!(
        "no profile `{name}` (from {from}) in {}: {have}",
        path.display()
    )
}

fn no_config_file_message(name: &str, from: ProfileFrom, path: Option<&Path>) -> String {
    match path {
        Some(p) => format!(
            "profile `{name}` (from {from}) asked for, but there is no config file at {}",
            p.display()
        ),
        None => format!(
            "profile `{name}` (from {from}) asked for, but there is no config file \
             (no config directory is known: use --config FILE)"
        ),
    }
}

fn no_url_message(profile: Option<&str>, path: Option<&Path>, unchosen: &[String]) -> String {
    let file = path.map_or_else(|| "the config file".to_owned(), |p| p.display().to_string());
    let why = match profile {
        Some(p) => format!("no GoTrue URL: profile `{p}` has no url, and no other layer gives one"),
        None if !unchosen.is_empty() => format!(
            "no GoTrue URL: {file} has several profiles ({}) and no default_profile, \
             so none was used; pick one with --profile NAME",
            unchosen.join(", ")
        ),
        None => "no GoTrue URL".to_owned(),
    };
    format!(
        "{why}. Give one by: the --url URL flag; the GOTRUE_URL (or SUPABASE_URL) environment \
         variable; or a profile with `url = \"...\"` in {file}. (--demo needs no URL.)"
    )
}

impl Connection {
    /// The client settings for this connection.
    pub fn client_config(
        &self,
        request_timeout: std::time::Duration,
    ) -> crate::gotrue::ClientConfig {
        let mut client = crate::gotrue::ClientConfig::new(self.url.clone());
        client.anon_key = self.anon_key.clone();
        client.service_role_key = self.service_role_key.clone();
        client.request_timeout = request_timeout;
        client.insecure_tls = self.insecure_tls;
        client
    }

    /// What the console shows of this connection (never a key).
    pub fn app_config(&self) -> crate::console::app::AppConfig {
        crate::console::app::AppConfig {
            server: self.url.to_string(),
            profile: self.profile.clone(),
            read_only: self.read_only,
            production: self.production,
            has_service_key: self.service_role_key.is_some(),
            admin_key_kind: self
                .service_role_key
                .as_ref()
                .map(crate::gotrue::ApiKeyKind::of),
            warnings: self.warnings.clone(),
            insecure_tls: self.insecure_tls,
            keep_session: self.keep_session,
            mailpit: self.mailpit_url.clone(),
            database: self.db_url.clone(),
            ..crate::console::app::AppConfig::default()
        }
    }
}

/// The keys in force for the config file at `path` (the defaults when there is none).
pub fn keymap(path: Option<&Path>) -> Result<crate::console::keys::Keymap, ConfigError> {
    let keys = prefs(path, &PrefFlags::default(), None)?.keys;
    Ok(std::sync::Arc::unwrap_or_clone(keys))
}

pub use crate::console::app::Prefs;

/// The command line's say in the preferences.
#[derive(Clone, Copy, Debug, Default)]
pub struct PrefFlags {
    pub theme: Option<crate::console::widgets::theme::Theme>,
    /// `--mouse` (`Some(true)`) or `--no-mouse` (`Some(false)`).
    pub mouse: Option<bool>,
}

/// The preferences from the config file at `path` and the flags: the keys in force, the
/// theme (`--theme`, else the file's, else mono under `NO_COLOR`), and the mouse (the flag,
/// else the file's, else off).
pub fn prefs(
    path: Option<&Path>,
    flags: &PrefFlags,
    no_color: Option<&str>,
) -> Result<Prefs, ConfigError> {
    let file = path.map(ConfigFile::load).transpose()?.flatten();
    let keys = match &file {
        Some(file) => file.keymap()?,
        None => crate::console::keys::Keymap::default(),
    };
    let theme = crate::console::widgets::theme::Theme::choose(
        flags.theme,
        file.as_ref().and_then(|f| f.theme),
        no_color,
    );
    let mouse = flags
        .mouse
        .or(file.as_ref().and_then(|f| f.mouse))
        .unwrap_or(false);
    Ok(Prefs {
        keys: std::sync::Arc::new(keys),
        theme,
        mouse,
    })
}

/// Resolves the connection from the config file, `env` and the flags.
///
/// `env` looks up environment variables (pass [`process_env`] for the real one); it is also
/// where `XDG_CONFIG_HOME` is read.
pub fn resolve(
    overrides: &ConsoleOverrides,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Connection, ConfigError> {
    let path = match &overrides.config_path {
        Some(p) => Some(p.clone()),
        None => default_path_in(env),
    };
    let file = match &path {
        Some(p) => ConfigFile::load(p)?,
        None => None,
    };
    if file.is_none()
        && let Some(p) = &overrides.config_path
    {
        return Err(ConfigError::NotFound { path: p.clone() });
    }

    let chosen = if let Some(name) = &overrides.profile {
        Some((name.clone(), ProfileFrom::Flag))
    } else if let Some(name) = env_value(env, PROFILE_ENV) {
        Some((name, ProfileFrom::Env))
    } else if let Some(f) = &file {
        match (&f.default_profile, f.profiles.len()) {
            (Some(name), _) => Some((name.clone(), ProfileFrom::DefaultProfile)),
            (None, 1) => f
                .profiles
                .keys()
                .next()
                .map(|n| (n.clone(), ProfileFrom::DefaultProfile)),
            _ => None,
        }
    } else {
        None
    };

    if overrides.supabase_local && overrides.profile.is_none() {
        let dir = std::env::current_dir()
            .map_err(|e| ConfigError::LocalStack(format!("no current directory: {e}")))?;
        return local_stack_connection(
            &ProfileConfig::default(),
            "supabase-local",
            &dir,
            overrides,
            env,
        );
    }
    match (chosen, &file) {
        (Some((name, from)), Some(f)) => resolve_in(f, &name, from, overrides, env),
        (Some((name, from)), None) => Err(ConfigError::NoConfigFile { name, from, path }),
        (None, _) => {
            let unchosen = file
                .as_ref()
                .map(ConfigFile::names_owned)
                .unwrap_or_default();
            let mut conn = build(None, false, overrides, env).map_err(|e| match e {
                ConfigError::NoUrl { profile, .. } => ConfigError::NoUrl {
                    profile,
                    path: path.clone(),
                    unchosen: unchosen.clone(),
                },
                other => other,
            })?;
            if let Some(f) = &file {
                conn.warnings.extend(permission_warning(f));
            }
            Ok(conn)
        }
    }
}

/// Resolves profile `name` of `file`, with the environment and flags layered on top as in
/// [`resolve`] (`overrides.profile` and `overrides.config_path` are ignored). For a profile on
/// its own, pass an `env` that returns `None` and default overrides.
pub fn resolve_profile(
    file: &ConfigFile,
    name: &str,
    overrides: &ConsoleOverrides,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Connection, ConfigError> {
    resolve_in(file, name, ProfileFrom::Requested, overrides, env)
}

fn resolve_in(
    file: &ConfigFile,
    name: &str,
    from: ProfileFrom,
    overrides: &ConsoleOverrides,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Connection, ConfigError> {
    let Some(profile) = file.profiles.get(name) else {
        return Err(ConfigError::UnknownProfile {
            name: name.to_owned(),
            from,
            path: file.path.clone(),
            available: file.names_owned(),
        });
    };
    // The file may have been built by hand rather than loaded: check it here too.
    check_profile(profile).map_err(|problem| ConfigError::Profile {
        path: file.path.clone(),
        line: None,
        profile: name.to_owned(),
        problem,
    })?;
    if profile.source.as_deref() == Some(LOCAL_SOURCE) || overrides.supabase_local {
        let dir = match &profile.project_dir {
            Some(d) => d.clone(),
            None => std::env::current_dir()
                .map_err(|e| ConfigError::LocalStack(format!("no current directory: {e}")))?,
        };
        let mut conn = local_stack_connection(profile, name, &dir, overrides, env)?;
        conn.warnings.extend(permission_warning(file));
        return Ok(conn);
    }
    // A profile named on the command line (or in the console) was chosen on purpose: what
    // it sets wins over the environment, and what it overrides is said.
    let explicit = matches!(from, ProfileFrom::Flag | ProfileFrom::Requested);
    let mut conn = build(Some((name, profile, &file.path)), explicit, overrides, env).map_err(
        |e| match e {
            ConfigError::NoUrl { profile, .. } => ConfigError::NoUrl {
                profile,
                path: Some(file.path.clone()),
                unchosen: Vec::new(),
            },
            other => other,
        },
    )?;
    conn.warnings.extend(permission_warning(file));
    Ok(conn)
}

type ProfileRef<'a> = (&'a str, &'a ProfileConfig, &'a Path);

/// The layering itself. The URL is settled first, so that no command runs for a connection
/// that cannot be made. With `explicit`, the profile was chosen on purpose and what it sets
/// wins over the environment (never over flags).
fn build(
    profile: Option<ProfileRef<'_>>,
    explicit: bool,
    overrides: &ConsoleOverrides,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Connection, ConfigError> {
    let mut warnings = Vec::new();
    let bad = |from: Source| move |error| ConfigError::BadUrl { from, error };
    let profile_source = |name: &str, path: &Path| Source::Profile {
        profile: name.to_owned(),
        path: path.to_owned(),
    };
    // The profile's URL, from `url` or `project_ref`.
    let profile_url = match profile {
        Some((name, p, path)) => {
            let url = match (&p.url, &p.project_ref) {
                (Some(u), _) => Some(BaseUrl::parse(u)),
                (None, Some(r)) => Some(project_url(r)),
                (None, None) => None,
            };
            match url {
                Some(u) => Some((
                    u.map_err(|e| profile_error(name, path)(ProfileProblem::BadUrl(e)))?,
                    profile_source(name, path),
                )),
                None => None,
            }
        }
        None => None,
    };
    // From the environment: GOTRUE_URL is GoTrue itself, SUPABASE_URL a project's API URL.
    let env_url = if let Some(u) = env_value(env, "GOTRUE_URL") {
        let from = Source::Env("GOTRUE_URL".into());
        Some((BaseUrl::parse(&u).map_err(bad(from.clone()))?, from))
    } else if let Some(u) = env_value(env, "SUPABASE_URL") {
        let from = Source::Env("SUPABASE_URL".into());
        Some((
            BaseUrl::from_supabase_url(&u).map_err(bad(from.clone()))?,
            from,
        ))
    } else {
        None
    };
    // --url > --project-ref > (explicit profile > environment) > profile.
    let flag_url = if let Some(u) = &overrides.url {
        let from = Source::Flag("--url");
        Some((BaseUrl::parse(u).map_err(bad(from.clone()))?, from))
    } else if let Some(r) = &overrides.project_ref {
        let from = Source::Flag("--project-ref");
        Some((project_url(r).map_err(bad(from.clone()))?, from))
    } else {
        None
    };
    let (url, url_source) = match (flag_url, env_url, profile_url) {
        (Some(flag), _, p) => {
            if let (Some((name, _, _)), Some((pu, _))) = (profile, &p)
                && *pu != flag.0
            {
                warnings.push(format!(
                    "{} overrides the url of profile `{name}`: using {}, not {pu}",
                    flag.1, flag.0
                ));
            }
            flag
        }
        (None, Some(e), Some(p)) if explicit => {
            if e.0 != p.0 {
                let name = profile.map_or("", |(n, _, _)| n);
                warnings.push(format!(
                    "{} is set, but profile `{name}` was chosen: using its url {}, not {}",
                    e.1, p.0, e.0
                ));
            }
            p
        }
        (None, Some(e), p) => {
            if let (Some((name, _, _)), Some((pu, _))) = (profile, &p)
                && *pu != e.0
            {
                warnings.push(format!(
                    "{} overrides the url of profile `{name}`: using {}, not {pu}",
                    e.1, e.0
                ));
            }
            e
        }
        (None, None, Some(p)) => p,
        (None, None, None) => {
            return Err(ConfigError::NoUrl {
                profile: profile.map(|(name, _, _)| name.to_owned()),
                path: None,
                unchosen: Vec::new(),
            });
        }
    };

    let mut key = |kind: &KeyKind| -> Result<Option<(Secret, Source)>, ConfigError> {
        let from_env = kind
            .envs
            .iter()
            .find_map(|var| env_value(env, var).map(|v| (var, v)));
        let profile_sets =
            profile.is_some_and(|(_, p, _)| kind.forms(p).iter().any(|(_, set)| *set));
        if let Some((var, v)) = from_env {
            match profile {
                Some((name, _, _)) if profile_sets && explicit => {
                    warnings.push(format!(
                        "env {var} is set, but profile `{name}` was chosen: using its {}",
                        kind.field
                    ));
                }
                Some((name, _, _)) if profile_sets => {
                    warnings.push(format!(
                        "env {var} overrides the {} of profile `{name}`",
                        kind.field
                    ));
                    return Ok(Some((Secret::new(v), Source::Env((*var).to_owned()))));
                }
                _ => return Ok(Some((Secret::new(v), Source::Env((*var).to_owned())))),
            }
        }
        let Some((name, p, path)) = profile else {
            return Ok(None);
        };
        kind.read_profile(name, p, path, env)
            .map_err(profile_error(name, path))
    };
    let anon = key(&ANON)?;
    let service = key(&SERVICE)?;
    // --db-url > (explicit profile > SUPABASE_DB_URL) > profile, as the keys.
    let db = match &overrides.db_url {
        Some(u) => Some((u.clone(), Source::Flag("--db-url"))),
        None => key(&DB_URL)?,
    };

    let (read_only, read_only_source) = if overrides.read_only {
        (true, Some(Source::Flag("--read-only")))
    } else if let Some((name, p, path)) = profile
        && p.read_only
    {
        let from = Source::Profile {
            profile: name.to_owned(),
            path: path.to_owned(),
        };
        (true, Some(from))
    } else {
        (false, None)
    };

    let insecure_tls = overrides.insecure_tls || profile.is_some_and(|(_, p, _)| p.insecure_tls);
    if insecure_tls {
        // First: it is the one flashed at start-up.
        warnings.insert(0, INSECURE_WARNING.to_owned());
    }

    let (anon_key, anon_source) = anon.unzip();
    let (service_role_key, service_source) = service.unzip();
    let (db_url, db_source) = db.unzip();
    Ok(Connection {
        profile: profile.map(|(name, _, _)| name.to_owned()),
        url,
        anon_key,
        service_role_key,
        read_only,
        production: profile.is_some_and(|(_, p, _)| p.production),
        insecure_tls,
        keep_session: profile.is_some_and(|(_, p, _)| p.keep_session),
        warnings,
        sources: Sources {
            url: url_source,
            anon_key: anon_source,
            service_role_key: service_source,
            read_only: read_only_source,
            db_url: db_source,
        },
        mailpit_url: overrides.mailpit.clone(),
        db_url,
    })
}

/// What `--insecure` (or `insecure_tls`) means, said where it is in force.
pub const INSECURE_WARNING: &str = "TLS certificates are NOT checked (--insecure): anyone on the \
     network path can read the service key and every token. Use it for a test server only.";

/// Wraps a problem found while resolving a profile (so with no line number).
fn profile_error(name: &str, path: &Path) -> impl FnOnce(ProfileProblem) -> ConfigError {
    move |problem| ConfigError::Profile {
        path: path.to_owned(),
        line: None,
        profile: name.to_owned(),
        problem,
    }
}

/// One of the two keys, and the names it goes by: its legacy names, then Supabase's new ones.
struct KeyKind {
    /// The key as warnings name it.
    field: &'static str,
    /// Environment variables, first found wins.
    envs: &'static [&'static str],
    forms: &'static [KeyForms],
}

/// The three ways a profile can give one name of a key.
struct KeyForms {
    field: &'static str,
    env_field: &'static str,
    command_field: &'static str,
    literal: fn(&ProfileConfig) -> Option<&Secret>,
    env: fn(&ProfileConfig) -> Option<&String>,
    command: fn(&ProfileConfig) -> Option<&String>,
}

const ANON: KeyKind = KeyKind {
    field: "anon_key",
    envs: &[
        "GOTRUE_ANON_KEY",
        "SUPABASE_PUBLISHABLE_KEY",
        "SUPABASE_ANON_KEY",
    ],
    forms: &[
        KeyForms {
            field: "anon_key",
            env_field: "anon_key_env",
            command_field: "anon_key_command",
            literal: |p| p.anon_key.as_ref(),
            env: |p| p.anon_key_env.as_ref(),
            command: |p| p.anon_key_command.as_ref(),
        },
        KeyForms {
            field: "publishable_key",
            env_field: "publishable_key_env",
            command_field: "publishable_key_command",
            literal: |p| p.publishable_key.as_ref(),
            env: |p| p.publishable_key_env.as_ref(),
            command: |p| p.publishable_key_command.as_ref(),
        },
    ],
};

const SERVICE: KeyKind = KeyKind {
    field: "service_role_key",
    envs: &[
        "GOTRUE_SERVICE_ROLE_KEY",
        "SUPABASE_SECRET_KEY",
        "SUPABASE_SERVICE_ROLE_KEY",
    ],
    forms: &[
        KeyForms {
            field: "service_role_key",
            env_field: "service_role_key_env",
            command_field: "service_role_key_command",
            literal: |p| p.service_role_key.as_ref(),
            env: |p| p.service_role_key_env.as_ref(),
            command: |p| p.service_role_key_command.as_ref(),
        },
        KeyForms {
            field: "secret_key",
            env_field: "secret_key_env",
            command_field: "secret_key_command",
            literal: |p| p.secret_key.as_ref(),
            env: |p| p.secret_key_env.as_ref(),
            command: |p| p.secret_key_command.as_ref(),
        },
    ],
};

/// The database URL: a secret like the keys, with the same three forms in a profile.
const DB_URL: KeyKind = KeyKind {
    field: "db_url",
    envs: &["SUPABASE_DB_URL"],
    forms: &[KeyForms {
        field: "db_url",
        env_field: "db_url_env",
        command_field: "db_url_command",
        literal: |p| p.db_url.as_ref(),
        env: |p| p.db_url_env.as_ref(),
        command: |p| p.db_url_command.as_ref(),
    }],
};

impl KeyKind {
    /// Each form's field name, and whether the profile sets it.
    fn forms(&self, p: &ProfileConfig) -> Vec<(&'static str, bool)> {
        self.forms
            .iter()
            .flat_map(|f| {
                [
                    (f.field, (f.literal)(p).is_some()),
                    (f.env_field, (f.env)(p).is_some()),
                    (f.command_field, (f.command)(p).is_some()),
                ]
            })
            .collect()
    }

    fn check(&self, p: &ProfileConfig) -> Result<(), ProfileProblem> {
        let forms: Vec<&'static str> = self
            .forms(p)
            .iter()
            .filter(|(_, set)| *set)
            .map(|(f, _)| *f)
            .collect();
        if forms.len() > 1 {
            return Err(ProfileProblem::Conflict {
                key: self.field,
                forms,
            });
        }
        let empty = self.forms.iter().find_map(|f| {
            (f.literal)(p)
                .is_some_and(|s| s.expose().trim().is_empty())
                .then_some(f.field)
                .or_else(|| {
                    (f.env)(p)
                        .is_some_and(|s| s.trim().is_empty())
                        .then_some(f.env_field)
                })
                .or_else(|| {
                    (f.command)(p)
                        .is_some_and(|s| s.trim().is_empty())
                        .then_some(f.command_field)
                })
        });
        match empty {
            Some(field) => Err(ProfileProblem::Empty { field }),
            None => Ok(()),
        }
    }

    fn read_profile(
        &self,
        name: &str,
        p: &ProfileConfig,
        path: &Path,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Option<(Secret, Source)>, ProfileProblem> {
        for forms in self.forms {
            if let Some(found) = forms.read_profile(name, p, path, env)? {
                return Ok(Some(found));
            }
        }
        Ok(None)
    }
}

impl KeyForms {
    fn read_profile(
        &self,
        name: &str,
        p: &ProfileConfig,
        path: &Path,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Option<(Secret, Source)>, ProfileProblem> {
        if let Some(s) = (self.literal)(p) {
            let from = Source::Profile {
                profile: name.to_owned(),
                path: path.to_owned(),
            };
            return Ok(Some((Secret::new(s.expose().trim()), from)));
        }
        if let Some(var) = (self.env)(p) {
            let var = var.trim();
            let value = env_value(env, var).ok_or_else(|| ProfileProblem::EnvNotSet {
                field: self.env_field,
                var: var.to_owned(),
            })?;
            let from = Source::ProfileEnv {
                profile: name.to_owned(),
                var: var.to_owned(),
            };
            return Ok(Some((Secret::new(value), from)));
        }
        if let Some(command) = (self.command)(p) {
            let value = run_key_command(command, KEY_COMMAND_TIMEOUT).map_err(|failure| {
                ProfileProblem::Command {
                    field: self.command_field,
                    command: command.clone(),
                    failure,
                }
            })?;
            let from = Source::ProfileCommand {
                profile: name.to_owned(),
                command: command.clone(),
            };
            return Ok(Some((value, from)));
        }
        Ok(None)
    }
}

/// A profile's `source` for a local stack.
pub const LOCAL_SOURCE: &str = "supabase-local";

/// The variable that names the Supabase CLI (default `supabase`): `npx supabase`, a path.
pub const SUPABASE_CLI_ENV: &str = "GOTRUE_CONSOLE_SUPABASE_CLI";

/// What `supabase status -o env` says of a running local stack.
#[derive(Debug)]
struct LocalStack {
    api_url: String,
    secret: Option<Secret>,
    publishable: Option<Secret>,
    mailpit_url: Option<String>,
    db_url: Option<Secret>,
    /// A deprecated name was used (an older CLI).
    legacy_names: Vec<&'static str>,
}

/// `KEY="value"` lines, as the CLI prints them.
fn parse_status_env(text: &str) -> BTreeMap<String, String> {
    text.lines()
        .filter_map(|l| l.trim().split_once('='))
        .map(|(k, v)| {
            let v = v.trim();
            let v = v
                .strip_prefix('"')
                .and_then(|v| v.strip_suffix('"'))
                .unwrap_or(v);
            (k.trim().to_owned(), v.to_owned())
        })
        .filter(|(k, v)| !k.is_empty() && !v.is_empty())
        .collect()
}

fn read_local_stack(
    dir: &Path,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<LocalStack, ConfigError> {
    let cli = env_value(env, SUPABASE_CLI_ENV).unwrap_or_else(|| "supabase".to_owned());
    let quoted = format!("'{}'", dir.display().to_string().replace('\'', r"'\''"));
    let command = format!("cd {quoted} && {cli} status -o env");
    let out = run_key_command(&command, KEY_COMMAND_TIMEOUT).map_err(|f| {
        ConfigError::LocalStack(match f {
            CommandFailure::Status(s) if s.code() == Some(127) => format!(
                "the Supabase CLI (`{cli}`) is not on PATH: install it, set \
                 {SUPABASE_CLI_ENV}, or give --url and the keys"
            ),
            CommandFailure::Status(_) => format!(
                "`{cli} status` failed in {}: is the local stack running (`supabase start`), \
                 and is this a Supabase project directory?",
                dir.display()
            ),
            other => format!("`{cli} status -o env` {other}"),
        })
    })?;
    let vars = parse_status_env(out.expose());
    let mut legacy_names = Vec::new();
    let mut pick = |new: &'static str, old: &'static str| -> Option<String> {
        vars.get(new).cloned().or_else(|| {
            let v = vars.get(old).cloned();
            if v.is_some() {
                legacy_names.push(old);
            }
            v
        })
    };
    let api_url = pick("API_URL", "API_URL").ok_or_else(|| {
        ConfigError::LocalStack(format!(
            "`{cli} status -o env` printed no API_URL: is the local stack running?"
        ))
    })?;
    let secret = pick("SECRET_KEY", "SERVICE_ROLE_KEY").map(Secret::new);
    let publishable = pick("PUBLISHABLE_KEY", "ANON_KEY").map(Secret::new);
    let mailpit_url = pick("MAILPIT_URL", "INBUCKET_URL");
    let db_url = vars.get("DB_URL").cloned().map(Secret::new);
    Ok(LocalStack {
        api_url,
        secret,
        publishable,
        mailpit_url,
        db_url,
        legacy_names,
    })
}

/// The connection to a local stack: its URL and keys as if the profile `name` had them,
/// chosen on purpose (so they win over the environment; flags still win).
fn local_stack_connection(
    base: &ProfileConfig,
    name: &str,
    dir: &Path,
    overrides: &ConsoleOverrides,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Connection, ConfigError> {
    let stack = read_local_stack(dir, env)?;
    let api = BaseUrl::from_supabase_url(&stack.api_url)
        .map_err(|e| ConfigError::LocalStack(format!("API_URL is not a usable URL: {e}")))?;
    // The stack's DB_URL, unless the profile names its own database.
    let own_db = DB_URL.forms(base).iter().any(|(_, set)| *set);
    let profile = ProfileConfig {
        url: Some(api.to_string()),
        service_role_key: stack.secret.clone(),
        anon_key: stack.publishable.clone(),
        db_url: if own_db {
            base.db_url.clone()
        } else {
            stack.db_url.clone()
        },
        source: None,
        ..base.clone()
    };
    let mut conn = build(Some((name, &profile, dir)), true, overrides, env)?;
    for old in &stack.legacy_names {
        conn.warnings.push(format!(
            "supabase status gave the deprecated {old}: update the Supabase CLI for the new keys"
        ));
    }
    conn.mailpit_url = overrides.mailpit.clone().or(stack.mailpit_url);
    Ok(conn)
}

/// `https://<ref>.supabase.co`, Auth under `/auth/v1`. A ref is letters and digits.
fn project_url(project_ref: &str) -> Result<BaseUrl, BaseUrlError> {
    let r = project_ref.trim().to_ascii_lowercase();
    if r.is_empty() || !r.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(BaseUrlError::Invalid(format!(
            "project ref `{}`: a ref is letters and digits only",
            project_ref.trim()
        )));
    }
    BaseUrl::from_supabase_url(&format!("https://{r}.supabase.co"))
}

/// What can be checked about a profile without the environment or running anything.
fn check_profile(p: &ProfileConfig) -> Result<(), ProfileProblem> {
    if p.url.is_some() && p.project_ref.is_some() {
        return Err(ProfileProblem::Conflict {
            key: "url",
            forms: vec!["url", "project_ref"],
        });
    }
    if let Some(url) = &p.url {
        BaseUrl::parse(url).map_err(ProfileProblem::BadUrl)?;
    }
    if let Some(r) = &p.project_ref {
        project_url(r).map_err(ProfileProblem::BadUrl)?;
    }
    if let Some(source) = &p.source {
        if source != LOCAL_SOURCE {
            return Err(ProfileProblem::UnknownSource(source.clone()));
        }
        for (field, set) in [
            ("url", p.url.is_some()),
            ("project_ref", p.project_ref.is_some()),
        ]
        .into_iter()
        .chain(SERVICE.forms(p))
        .chain(ANON.forms(p))
        {
            if set {
                return Err(ProfileProblem::Conflict {
                    key: "source",
                    forms: vec!["source = \"supabase-local\"", field],
                });
            }
        }
    }
    ANON.check(p)?;
    SERVICE.check(p)?;
    DB_URL.check(p)
}

/// An environment variable, trimmed; unset and blank are the same.
fn env_value(env: &dyn Fn(&str) -> Option<String>, name: &str) -> Option<String> {
    env(name)
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

/// Runs `command` with `sh -c` and returns its trimmed stdout. Stdin and stderr are not
/// connected (the console may own the terminal). The output never reaches an error.
fn run_key_command(command: &str, timeout: Duration) -> Result<Secret, CommandFailure> {
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(command)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(CommandFailure::Spawn)?;
    let deadline = Instant::now() + timeout;

    // Read stdout on a thread, so a chatty command cannot fill the pipe and stall, and a
    // grandchild holding the pipe open cannot hang us past the deadline.
    let (tx, rx) = mpsc::channel();
    if let Some(mut stdout) = child.stdout.take() {
        thread::spawn(move || {
            let mut buf = Vec::new();
            let result = stdout.read_to_end(&mut buf).map(|_| buf);
            let _ = tx.send(result);
        });
    }

    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() >= deadline => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(CommandFailure::Timeout(timeout));
            }
            Ok(None) => thread::sleep(Duration::from_millis(5)),
            Err(e) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(CommandFailure::Wait(e));
            }
        }
    };
    if !status.success() {
        return Err(CommandFailure::Status(status));
    }
    let out = match rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
        Ok(Ok(out)) => out,
        Ok(Err(e)) => return Err(CommandFailure::Wait(e)),
        Err(mpsc::RecvTimeoutError::Timeout) => return Err(CommandFailure::Timeout(timeout)),
        Err(mpsc::RecvTimeoutError::Disconnected) => Vec::new(),
    };
    let out = String::from_utf8(out).map_err(|_| CommandFailure::NotUtf8)?;
    let key = out.trim();
    if key.is_empty() {
        return Err(CommandFailure::Empty);
    }
    Ok(Secret::new(key))
}

/// A warning if the file holds a literal key and others may read it.
#[cfg(unix)]
fn permission_warning(file: &ConfigFile) -> Option<String> {
    use std::os::unix::fs::PermissionsExt;

    let service = file
        .profiles
        .values()
        .any(|p| p.service_role_key.is_some() || p.secret_key.is_some());
    let anon = file
        .profiles
        .values()
        .any(|p| p.anon_key.is_some() || p.publishable_key.is_some());
    if !service && !anon {
        return None;
    }
    let mode = std::fs::metadata(&file.path).ok()?.permissions().mode() & 0o777;
    if mode & 0o044 == 0 {
        return None;
    }
    let what = if service {
        "a service-role key"
    } else {
        "an anon key"
    };
    let name = file
        .path
        .file_name()
        .map_or_else(|| "the config file".into(), |n| n.to_string_lossy());
    Some(format!(
        "{name} is readable by other users (mode {mode:03o}) and holds {what}: chmod 600 {}",
        file.path.display()
    ))
}

#[cfg(not(unix))]
fn permission_warning(_file: &ConfigFile) -> Option<String> {
    None
}

/// A TOML error as a [`ConfigError::Parse`]: file, line, column, key and table. The `toml`
/// crate's own rendering quotes the offending source line, which may hold a key, so it is not
/// used; serde's messages quote string values, which are removed.
fn parse_error(text: &str, path: &Path, e: &toml::de::Error) -> ConfigError {
    let offset = e.span().map_or(0, |s| s.start).min(text.len());
    let offset = (0..=offset)
        .rev()
        .find(|&i| text.is_char_boundary(i))
        .unwrap_or(0);
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    let line_text = text[line_start..].lines().next().unwrap_or("");
    let key = line_text
        .split_once('=')
        .map(|(k, _)| k.trim())
        .filter(|k| !k.is_empty() && k.chars().all(is_key_char))
        .map(str::to_owned);
    let table = text[..line_start]
        .lines()
        .rev()
        .map(str::trim)
        .find(|l| l.starts_with('['))
        .and_then(table_name);
    ConfigError::Parse {
        path: path.to_owned(),
        line,
        column,
        key,
        table,
        message: redact_strings(e.message().trim()),
    }
}

fn is_key_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '"' | '\'' | ' ')
}

/// `[profiles.prod]` → `profiles.prod` (also for `[[...]]`, and with a trailing comment).
fn table_name(header: &str) -> Option<String> {
    let inner = header.trim_start_matches('[');
    let end = inner.find(']')?;
    let name = inner[..end].trim();
    (!name.is_empty() && name.chars().all(is_key_char)).then(|| name.to_owned())
}

/// The line of `[profiles.NAME]`, if the profile is written as a table header.
fn profile_line(text: &str, name: &str) -> Option<usize> {
    let wanted = [
        format!("profiles.{name}"),
        format!("profiles.\"{name}\""),
        format!("profiles.'{name}'"),
    ];
    text.lines()
        .position(|l| {
            let l = l.trim();
            l.starts_with('[')
                && !l.starts_with("[[")
                && table_name(l).is_some_and(|t| {
                    let t: String = t.split('.').map(str::trim).collect::<Vec<_>>().join(".");
                    wanted.contains(&t)
                })
        })
        .map(|i| i + 1)
}

/// serde's `invalid type: string "…"` quotes the value, which could be a key put in the
/// wrong place: drop every `"…"` after the word `string`.
fn redact_strings(message: &str) -> String {
    const MARK: &str = "string \"";
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    while let Some(i) = rest.find(MARK) {
        out.push_str(&rest[..i + MARK.len() - 2]);
        let after = &rest[i + MARK.len()..];
        let mut escaped = false;
        let mut end = after.len();
        for (j, c) in after.char_indices() {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => {
                    end = j + 1;
                    break;
                }
                _ => {}
            }
        }
        rest = &after[end..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;
    use std::sync::atomic::{AtomicUsize, Ordering};

    const SERVICE_KEY: &str = "service-SECRET-value-1";
    const ANON_KEY: &str = "anon-SECRET-value-2";

    /// A temp dir that cleans up after itself, used as `XDG_CONFIG_HOME`.
    struct TempDir(PathBuf);

    impl TempDir {
        fn new(tag: &str) -> Self {
            static N: AtomicUsize = AtomicUsize::new(0);
            let dir = std::env::temp_dir().join(format!(
                "gotrue-console-config-test-{}-{tag}-{}",
                std::process::id(),
                N.fetch_add(1, Ordering::SeqCst)
            ));
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).unwrap();
            TempDir(dir)
        }

        fn config_path(&self) -> PathBuf {
            self.0.join("gotrue-console").join("config.toml")
        }

        /// Writes the default config file (mode 600).
        fn write_config(&self, text: &str) -> PathBuf {
            let path = self.config_path();
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, text).unwrap();
            set_mode(&path, 0o600);
            path
        }

        fn env(&self, vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + use<> {
            let mut map: BTreeMap<String, String> = vars
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect();
            map.insert(
                "XDG_CONFIG_HOME".into(),
                self.0.to_string_lossy().into_owned(),
            );
            move |k| map.get(k).cloned()
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn set_mode(path: &Path, mode: u32) {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
    }

    fn no_flags() -> ConsoleOverrides {
        ConsoleOverrides::default()
    }

    fn two_profiles() -> String {
        format!(
            r#"
default_profile = "local"

[profiles.local]
url = "http://127.0.0.1:9999"
anon_key = "{ANON_KEY}"
service_role_key = "{SERVICE_KEY}"

[profiles.prod]
url = "https://abcd.supabase.co"
read_only = true
production = true
"#
        )
    }

    fn err_text(r: Result<Connection, ConfigError>) -> String {
        match r {
            Ok(c) => panic!("expected an error, got {c:?}"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn env_only_without_a_file() {
        let dir = TempDir::new("env-only");
        let env = dir.env(&[
            ("GOTRUE_URL", "http://localhost:9999/"),
            ("GOTRUE_ANON_KEY", ANON_KEY),
            ("GOTRUE_SERVICE_ROLE_KEY", SERVICE_KEY),
        ]);
        let c = resolve(&no_flags(), &env).unwrap();
        assert_eq!(c.profile, None);
        assert_eq!(c.url.as_str(), "http://localhost:9999");
        assert_eq!(c.anon_key.unwrap().expose(), ANON_KEY);
        assert_eq!(c.service_role_key.unwrap().expose(), SERVICE_KEY);
        assert!(!c.read_only && !c.production);
        assert!(c.warnings.is_empty(), "{:?}", c.warnings);
        assert_eq!(c.sources.url, Source::Env("GOTRUE_URL".into()));
        assert_eq!(
            c.sources.service_role_key,
            Some(Source::Env("GOTRUE_SERVICE_ROLE_KEY".into()))
        );
        assert_eq!(c.sources.read_only, None);
    }

    #[test]
    fn gotrue_env_wins_over_supabase_env() {
        let dir = TempDir::new("precedence");
        let env = dir.env(&[
            ("GOTRUE_URL", "http://gotrue.test:9999"),
            ("SUPABASE_URL", "http://supabase.test:54321"),
            ("GOTRUE_ANON_KEY", "gotrue-anon"),
            ("SUPABASE_ANON_KEY", "supabase-anon"),
            ("GOTRUE_SERVICE_ROLE_KEY", "gotrue-service"),
            ("SUPABASE_SERVICE_ROLE_KEY", "supabase-service"),
        ]);
        let c = resolve(&no_flags(), &env).unwrap();
        assert_eq!(c.url.as_str(), "http://gotrue.test:9999");
        assert_eq!(c.anon_key.unwrap().expose(), "gotrue-anon");
        assert_eq!(c.service_role_key.unwrap().expose(), "gotrue-service");

        // The SUPABASE_ ones are used when they are alone; blank counts as unset.
        let env = dir.env(&[
            ("GOTRUE_URL", "  "),
            ("SUPABASE_URL", "http://supabase.test:54321"),
            ("SUPABASE_ANON_KEY", "supabase-anon"),
            ("SUPABASE_SERVICE_ROLE_KEY", "supabase-service\n"),
        ]);
        let c = resolve(&no_flags(), &env).unwrap();
        assert_eq!(c.url.as_str(), "http://supabase.test:54321/auth/v1");
        assert_eq!(c.anon_key.unwrap().expose(), "supabase-anon");
        assert_eq!(c.service_role_key.unwrap().expose(), "supabase-service");
        assert_eq!(
            c.sources.anon_key,
            Some(Source::Env("SUPABASE_ANON_KEY".into()))
        );
    }

    #[test]
    fn supabase_url_gets_auth_v1() {
        let dir = TempDir::new("supabase-url");
        let env = dir.env(&[("SUPABASE_URL", "http://localhost:54321")]);
        let c = resolve(&no_flags(), &env).unwrap();
        assert_eq!(c.url.as_str(), "http://localhost:54321/auth/v1");
        // GOTRUE_URL is GoTrue itself: a bare local host stays bare.
        let env = dir.env(&[("GOTRUE_URL", "http://localhost:54321")]);
        let c = resolve(&no_flags(), &env).unwrap();
        assert_eq!(c.url.as_str(), "http://localhost:54321");
    }

    #[test]
    fn file_profile_is_used() {
        let dir = TempDir::new("file");
        let path = dir.write_config(&two_profiles());
        let c = resolve(&no_flags(), &dir.env(&[])).unwrap();
        assert_eq!(c.profile.as_deref(), Some("local"));
        assert_eq!(c.url.as_str(), "http://127.0.0.1:9999");
        assert_eq!(c.anon_key.unwrap().expose(), ANON_KEY);
        assert_eq!(c.service_role_key.unwrap().expose(), SERVICE_KEY);
        let from_file = Source::Profile {
            profile: "local".into(),
            path: path.clone(),
        };
        assert_eq!(c.sources.url, from_file);
        assert_eq!(c.sources.service_role_key, Some(from_file));
        assert!(c.warnings.is_empty(), "{:?}", c.warnings);
        assert_eq!(
            c.sources.url.to_string(),
            format!("profile local ({})", path.display())
        );
    }

    #[test]
    fn supabase_new_key_names_from_the_environment() {
        let dir = TempDir::new("sb-env");
        let env = dir.env(&[
            ("SUPABASE_URL", "https://abcd.supabase.co"),
            ("SUPABASE_SECRET_KEY", "sb_secret_env"),
            ("SUPABASE_PUBLISHABLE_KEY", "sb_publishable_env"),
            // The deprecated names lose to the new ones.
            ("SUPABASE_SERVICE_ROLE_KEY", SERVICE_KEY),
            ("SUPABASE_ANON_KEY", ANON_KEY),
        ]);
        let c = resolve(&no_flags(), &env).unwrap();
        assert_eq!(c.url.as_str(), "https://abcd.supabase.co/auth/v1");
        assert_eq!(
            c.service_role_key.as_ref().unwrap().expose(),
            "sb_secret_env"
        );
        assert_eq!(c.anon_key.as_ref().unwrap().expose(), "sb_publishable_env");
        assert_eq!(
            c.sources.service_role_key,
            Some(Source::Env("SUPABASE_SECRET_KEY".into()))
        );
        assert_eq!(
            c.app_config().admin_key_kind,
            Some(crate::gotrue::ApiKeyKind::Secret)
        );
        // GOTRUE_ names still win over every SUPABASE_ one.
        let env = dir.env(&[
            ("GOTRUE_URL", "http://127.0.0.1:9999"),
            ("GOTRUE_SERVICE_ROLE_KEY", SERVICE_KEY),
            ("SUPABASE_SECRET_KEY", "sb_secret_env"),
        ]);
        let c = resolve(&no_flags(), &env).unwrap();
        assert_eq!(c.service_role_key.unwrap().expose(), SERVICE_KEY);
    }

    #[test]
    fn the_database_url_comes_from_a_flag_a_profile_or_the_environment() {
        let dir = TempDir::new("db-url");
        dir.write_config(
            r#"
[profiles.hosted]
url = "http://auth.test"
db_url_command = "printf 'postgres://reader:from-command@db.test/postgres'"
"#,
        );
        let c = resolve(&no_flags(), &dir.env(&[])).unwrap();
        assert_eq!(
            c.db_url.as_ref().unwrap().expose(),
            "postgres://reader:from-command@db.test/postgres"
        );
        assert!(matches!(
            c.sources.db_url,
            Some(Source::ProfileCommand { .. })
        ));
        // SUPABASE_DB_URL over a profile that was not chosen on purpose (a command not run).
        let env = dir.env(&[("SUPABASE_DB_URL", "postgres://env@db.test/postgres")]);
        let c = resolve(&no_flags(), &env).unwrap();
        assert_eq!(
            c.db_url.unwrap().expose(),
            "postgres://env@db.test/postgres"
        );
        assert_eq!(
            c.sources.db_url,
            Some(Source::Env("SUPABASE_DB_URL".into()))
        );
        // --db-url over everything.
        let flags = ConsoleOverrides {
            db_url: Some(Secret::new("postgres://flag@db.test/postgres")),
            ..no_flags()
        };
        let c = resolve(&flags, &env).unwrap();
        assert_eq!(
            c.db_url.unwrap().expose(),
            "postgres://flag@db.test/postgres"
        );
        assert_eq!(c.sources.db_url, Some(Source::Flag("--db-url")));
        // Two forms at once are refused; a URL never reaches a message.
        dir.write_config(
            "[profiles.x]\nurl = \"http://a.test\"\ndb_url = \"postgres://u:hidden-pw@h/d\"\ndb_url_env = \"V\"\n",
        );
        let e = err_text(resolve(&no_flags(), &dir.env(&[])));
        assert!(e.contains("db_url is given more than one way"), "{e}");
        assert!(!e.contains("hidden-pw"), "{e}");
    }

    #[test]
    fn profiles_take_secret_and_publishable_keys_and_a_project_ref() {
        let dir = TempDir::new("sb-profile");
        dir.write_config(
            r#"
[profiles.hosted]
project_ref = "abcdefghijklmnopqrst"
secret_key_env = "MY_SECRET"
publishable_key = "sb_publishable_file"
"#,
        );
        let env = dir.env(&[("MY_SECRET", "sb_secret_from_env")]);
        let c = resolve(&no_flags(), &env).unwrap();
        assert_eq!(
            c.url.as_str(),
            "https://abcdefghijklmnopqrst.supabase.co/auth/v1"
        );
        assert_eq!(c.service_role_key.unwrap().expose(), "sb_secret_from_env");
        assert_eq!(c.anon_key.unwrap().expose(), "sb_publishable_file");
        assert_eq!(
            c.sources.service_role_key,
            Some(Source::ProfileEnv {
                profile: "hosted".into(),
                var: "MY_SECRET".into()
            })
        );

        // A key given under both its names, or a url and a project_ref, is refused.
        for (body, needle) in [
            (
                "[profiles.x]\nurl = \"http://a.test\"\nsecret_key = \"sb_secret_a\"\nservice_role_key = \"b\"\n",
                "service_role_key is given more than one way (service_role_key, secret_key)",
            ),
            (
                "[profiles.x]\nurl = \"http://a.test\"\nproject_ref = \"abcd\"\n",
                "url is given more than one way (url, project_ref)",
            ),
            (
                "[profiles.x]\nproject_ref = \"not a ref!\"\n",
                "letters and digits only",
            ),
        ] {
            dir.write_config(body);
            let msg = err_text(resolve(&no_flags(), &dir.env(&[])));
            assert!(msg.contains(needle), "{msg}");
        }
    }

    #[test]
    fn project_ref_flag_is_a_supabase_url() {
        let dir = TempDir::new("ref-flag");
        let flags = ConsoleOverrides {
            project_ref: Some("AbCd1234".into()),
            ..no_flags()
        };
        let c = resolve(&flags, &dir.env(&[("GOTRUE_URL", "http://env.test")])).unwrap();
        assert_eq!(c.url.as_str(), "https://abcd1234.supabase.co/auth/v1");
        assert_eq!(c.sources.url, Source::Flag("--project-ref"));
    }

    #[test]
    fn a_profile_chosen_with_the_flag_wins_over_the_environment() {
        let dir = TempDir::new("explicit");
        dir.write_config(&two_profiles());
        let env = dir.env(&[
            ("GOTRUE_URL", "http://stray.test:1"),
            ("SUPABASE_SECRET_KEY", "sb_secret_stray"),
        ]);
        let flags = ConsoleOverrides {
            profile: Some("local".into()),
            ..no_flags()
        };
        let c = resolve(&flags, &env).unwrap();
        assert_eq!(c.url.as_str(), "http://127.0.0.1:9999");
        assert_eq!(c.service_role_key.as_ref().unwrap().expose(), SERVICE_KEY);
        for said in [
            "env GOTRUE_URL is set, but profile `local` was chosen: using its url http://127.0.0.1:9999",
            "env SUPABASE_SECRET_KEY is set, but profile `local` was chosen: using its service_role_key",
        ] {
            assert!(
                c.warnings.iter().any(|w| w.contains(said)),
                "{:?}",
                c.warnings
            );
        }
        // What the profile does not set still comes from the environment.
        let flags = ConsoleOverrides {
            profile: Some("prod".into()),
            ..no_flags()
        };
        let c = resolve(&flags, &env).unwrap();
        assert_eq!(c.url.as_str(), "https://abcd.supabase.co/auth/v1");
        assert_eq!(c.service_role_key.unwrap().expose(), "sb_secret_stray");
        // A flag still wins over the chosen profile.
        let flags = ConsoleOverrides {
            profile: Some("local".into()),
            url: Some("http://flag.test".into()),
            ..no_flags()
        };
        assert_eq!(
            resolve(&flags, &env).unwrap().url.as_str(),
            "http://flag.test"
        );
        // Without the flag, the default profile yields to the environment as before.
        let c = resolve(&no_flags(), &env).unwrap();
        assert_eq!(c.url.as_str(), "http://stray.test:1");
    }

    /// A stand-in for the Supabase CLI that prints `status` as a running stack would.
    fn fake_cli(dir: &TempDir, status: &str, exit: i32) -> String {
        let path = dir.0.join("fake-supabase");
        std::fs::write(
            &path,
            format!("#!/bin/sh\n[ \"$1 $2 $3\" = \"status -o env\" ] || exit 9\ncat <<'EOF'\n{status}\nEOF\nexit {exit}\n"),
        )
        .unwrap();
        set_mode(&path, 0o755);
        path.display().to_string()
    }

    const STATUS: &str = r#"ANON_KEY="eyJ-legacy-anon"
API_URL="http://127.0.0.1:54321"
DB_URL="postgresql://postgres:postgres@127.0.0.1:54322/postgres"
MAILPIT_URL="http://127.0.0.1:54324"
PUBLISHABLE_KEY="sb_publishable_local"
SECRET_KEY="sb_secret_local"
SERVICE_ROLE_KEY="eyJ-legacy-service""#;

    #[test]
    fn supabase_local_reads_supabase_status() {
        let dir = TempDir::new("local");
        let cli = fake_cli(&dir, STATUS, 0);
        let flags = ConsoleOverrides {
            supabase_local: true,
            ..no_flags()
        };
        // A stray variable loses to the stack that was asked for.
        let env = dir.env(&[
            (SUPABASE_CLI_ENV, cli.as_str()),
            ("GOTRUE_SERVICE_ROLE_KEY", "stray"),
        ]);
        let c = resolve(&flags, &env).unwrap();
        assert_eq!(c.url.as_str(), "http://127.0.0.1:54321/auth/v1");
        assert_eq!(
            c.service_role_key.as_ref().unwrap().expose(),
            "sb_secret_local"
        );
        assert_eq!(
            c.anon_key.as_ref().unwrap().expose(),
            "sb_publishable_local"
        );
        assert_eq!(c.mailpit_url.as_deref(), Some("http://127.0.0.1:54324"));
        assert!(
            c.db_url
                .as_ref()
                .unwrap()
                .expose()
                .starts_with("postgresql://")
        );
        assert!(
            c.warnings
                .iter()
                .any(|w| w.contains("env GOTRUE_SERVICE_ROLE_KEY is set")),
            "{:?}",
            c.warnings
        );
        // No warning, error or Debug output holds a key or the database URL.
        let shown = format!("{c:?} {:?}", c.warnings);
        for secret in [
            "sb_secret_local",
            "sb_publishable_local",
            "postgres:postgres",
        ] {
            assert!(!shown.contains(secret), "{shown}");
        }

        // An older CLI: the legacy names, and a warning saying so.
        let old = fake_cli(
            &dir,
            "API_URL=\"http://127.0.0.1:54321\"\nANON_KEY=\"eyJ-a\"\nSERVICE_ROLE_KEY=\"eyJ-s\"\nINBUCKET_URL=\"http://127.0.0.1:54324\"",
            0,
        );
        let c = resolve(&flags, &dir.env(&[(SUPABASE_CLI_ENV, old.as_str())])).unwrap();
        assert_eq!(c.service_role_key.as_ref().unwrap().expose(), "eyJ-s");
        assert_eq!(c.mailpit_url.as_deref(), Some("http://127.0.0.1:54324"));
        assert!(
            c.warnings
                .iter()
                .any(|w| w.contains("deprecated SERVICE_ROLE_KEY"))
        );
    }

    #[test]
    fn supabase_local_says_what_is_wrong() {
        let dir = TempDir::new("local-bad");
        let flags = ConsoleOverrides {
            supabase_local: true,
            ..no_flags()
        };
        let missing = dir.0.join("no-such-cli").display().to_string();
        let msg = err_text(resolve(
            &flags,
            &dir.env(&[(SUPABASE_CLI_ENV, missing.as_str())]),
        ));
        assert!(msg.contains("is not on PATH"), "{msg}");
        let stopped = fake_cli(&dir, "supabase local development setup is not running.", 1);
        let msg = err_text(resolve(
            &flags,
            &dir.env(&[(SUPABASE_CLI_ENV, stopped.as_str())]),
        ));
        assert!(msg.contains("is the local stack running"), "{msg}");
        let empty = fake_cli(&dir, "NOTHING=here", 0);
        let msg = err_text(resolve(
            &flags,
            &dir.env(&[(SUPABASE_CLI_ENV, empty.as_str())]),
        ));
        assert!(msg.contains("printed no API_URL"), "{msg}");
    }

    #[test]
    fn a_profile_can_be_a_local_stack() {
        let dir = TempDir::new("local-profile");
        let cli = fake_cli(&dir, STATUS, 0);
        dir.write_config(&format!(
            "[profiles.local]\nsource = \"supabase-local\"\nproject_dir = \"{}\"\nread_only = true\n",
            dir.0.display()
        ));
        let c = resolve(&no_flags(), &dir.env(&[(SUPABASE_CLI_ENV, cli.as_str())])).unwrap();
        assert_eq!(c.profile.as_deref(), Some("local"));
        assert!(c.read_only);
        assert_eq!(
            c.service_role_key.as_ref().unwrap().expose(),
            "sb_secret_local"
        );
        for (body, needle) in [
            ("[profiles.x]\nsource = \"elsewhere\"\n", "the only one is"),
            (
                "[profiles.x]\nsource = \"supabase-local\"\nurl = \"http://a.test\"\n",
                "source is given more than one way",
            ),
        ] {
            dir.write_config(body);
            let msg = err_text(resolve(&no_flags(), &dir.env(&[])));
            assert!(msg.contains(needle), "{msg}");
        }
    }

    #[test]
    fn env_overrides_file_and_flags_override_env() {
        let dir = TempDir::new("layers");
        dir.write_config(&two_profiles());
        let env = dir.env(&[
            ("GOTRUE_URL", "http://env.test:1"),
            ("GOTRUE_SERVICE_ROLE_KEY", "env-service"),
        ]);
        let c = resolve(&no_flags(), &env).unwrap();
        assert_eq!(c.profile.as_deref(), Some("local"));
        assert_eq!(c.url.as_str(), "http://env.test:1");
        assert_eq!(c.service_role_key.unwrap().expose(), "env-service");
        // The anon key is not overridden: it still comes from the file.
        assert_eq!(c.anon_key.unwrap().expose(), ANON_KEY);
        assert!(
            c.warnings
                .iter()
                .any(|w| w.contains("env GOTRUE_URL overrides the url of profile `local`")),
            "{:?}",
            c.warnings
        );
        assert!(
            c.warnings.iter().any(|w| w.contains(
                "env GOTRUE_SERVICE_ROLE_KEY overrides the service_role_key of profile `local`"
            )),
            "{:?}",
            c.warnings
        );

        let flags = ConsoleOverrides {
            url: Some("http://flag.test:2".into()),
            ..no_flags()
        };
        let c = resolve(&flags, &env).unwrap();
        assert_eq!(c.url.as_str(), "http://flag.test:2");
        assert_eq!(c.sources.url, Source::Flag("--url"));
        assert_eq!(c.sources.url.to_string(), "flag --url");
    }

    #[test]
    fn bad_url_names_its_source() {
        let dir = TempDir::new("bad-url");
        let env = dir.env(&[("GOTRUE_URL", "ftp://x.org")]);
        let msg = err_text(resolve(&no_flags(), &env));
        assert!(msg.starts_with("env GOTRUE_URL: "), "{msg}");
        assert!(msg.contains("http://"), "{msg}");

        dir.write_config("[profiles.a]\nurl = \"ftp://x.org\"\n");
        let msg = ConfigFile::load(&dir.config_path())
            .unwrap_err()
            .to_string();
        assert!(msg.contains("profile `a`"), "{msg}");
        assert!(msg.contains("(line 1)"), "{msg}");
        assert!(msg.contains("url:"), "{msg}");
    }

    #[test]
    fn insecure_tls_from_the_flag_or_the_profile_warns_first() {
        let dir = TempDir::new("insecure");
        dir.write_config(
            "[profiles.staging]\nurl = \"https://staging.test\"\ninsecure_tls = true\n\n\
             [profiles.prod]\nurl = \"https://prod.test\"\n",
        );
        let env = dir.env(&[]);
        let pick = |name: &str, insecure_tls: bool| ConsoleOverrides {
            profile: Some(name.into()),
            insecure_tls,
            ..no_flags()
        };
        let c = resolve(&pick("staging", false), &env).unwrap();
        assert!(c.insecure_tls);
        assert!(
            c.client_config(std::time::Duration::from_secs(1))
                .insecure_tls
        );
        assert!(c.app_config().insecure_tls);
        assert_eq!(
            c.warnings.first().map(String::as_str),
            Some(INSECURE_WARNING)
        );
        let c = resolve(&pick("prod", false), &env).unwrap();
        assert!(!c.insecure_tls && c.warnings.is_empty(), "{:?}", c.warnings);
        let c = resolve(&pick("prod", true), &env).unwrap();
        assert!(c.insecure_tls);
        assert_eq!(
            c.warnings.first().map(String::as_str),
            Some(INSECURE_WARNING)
        );
    }

    #[test]
    fn keep_session_is_the_profiles_choice_and_off_by_default() {
        let dir = TempDir::new("keep-session");
        dir.write_config(&two_profiles().replace(
            "[profiles.prod]",
            "[profiles.kept]\nurl = \"http://127.0.0.1:9999\"\nkeep_session = true\n\n[profiles.prod]",
        ));
        let env = dir.env(&[]);
        let c = resolve(&no_flags(), &env).unwrap();
        assert!(!c.keep_session && !c.app_config().keep_session, "opt-in");
        let flags = ConsoleOverrides {
            profile: Some("kept".into()),
            ..no_flags()
        };
        let c = resolve(&flags, &env).unwrap();
        assert!(c.keep_session && c.app_config().keep_session);
        assert_eq!(c.app_config().profile_key(), "kept");
    }

    #[test]
    fn read_only_and_production() {
        let dir = TempDir::new("read-only");
        dir.write_config(&two_profiles());
        let env = dir.env(&[]);
        // The profile can turn read-only on...
        let flags = ConsoleOverrides {
            profile: Some("prod".into()),
            ..no_flags()
        };
        let c = resolve(&flags, &env).unwrap();
        assert!(c.read_only && c.production);
        assert!(matches!(c.sources.read_only, Some(Source::Profile { .. })));
        // ...the flag forces it on where the profile does not.
        let flags = ConsoleOverrides {
            read_only: true,
            ..no_flags()
        };
        let c = resolve(&flags, &env).unwrap();
        assert_eq!(c.profile.as_deref(), Some("local"));
        assert!(c.read_only && !c.production);
        assert_eq!(c.sources.read_only, Some(Source::Flag("--read-only")));
        let c = resolve(&no_flags(), &env).unwrap();
        assert!(!c.read_only);
        // Without any profile too.
        let env = dir.env(&[("GOTRUE_URL", "http://x.test")]);
        let flags = ConsoleOverrides {
            read_only: true,
            config_path: None,
            ..no_flags()
        };
        std::fs::remove_file(dir.config_path()).unwrap();
        assert!(resolve(&flags, &env).unwrap().read_only);
    }

    #[test]
    fn profile_selection_order() {
        let dir = TempDir::new("selection");
        dir.write_config(
            r#"
default_profile = "a"
[profiles.a]
url = "http://a.test"
[profiles.b]
url = "http://b.test"
[profiles.c]
url = "http://c.test"
"#,
        );
        let pick = |flag: Option<&str>, env_profile: Option<&str>| {
            let flags = ConsoleOverrides {
                profile: flag.map(str::to_owned),
                ..no_flags()
            };
            let vars: Vec<(&str, &str)> =
                env_profile.map(|p| (PROFILE_ENV, p)).into_iter().collect();
            resolve(&flags, &dir.env(&vars)).unwrap().profile.unwrap()
        };
        assert_eq!(pick(None, None), "a");
        assert_eq!(pick(None, Some("b")), "b");
        assert_eq!(pick(Some("c"), Some("b")), "c");
        assert_eq!(pick(Some("c"), None), "c");

        // The only profile, when there is no default.
        dir.write_config("[profiles.solo]\nurl = \"http://solo.test\"\n");
        assert_eq!(pick(None, None), "solo");

        // Several and no default: none is used.
        dir.write_config(
            "[profiles.x]\nurl = \"http://x.test\"\n[profiles.y]\nurl = \"http://y.test\"\n",
        );
        let c = resolve(&no_flags(), &dir.env(&[("GOTRUE_URL", "http://env.test")])).unwrap();
        assert_eq!(c.profile, None);
        assert_eq!(c.url.as_str(), "http://env.test");
        let msg = err_text(resolve(&no_flags(), &dir.env(&[])));
        assert!(msg.contains("several profiles (x, y)"), "{msg}");
        assert!(msg.contains("--profile"), "{msg}");
    }

    #[test]
    fn missing_profile_lists_the_others() {
        let dir = TempDir::new("missing-profile");
        let path = dir.write_config(&two_profiles());
        let flags = ConsoleOverrides {
            profile: Some("staging".into()),
            ..no_flags()
        };
        let msg = err_text(resolve(&flags, &dir.env(&[])));
        assert_eq!(
            msg,
            format!(
                "no profile `staging` (from --profile) in {}: its profiles are: local, prod",
                path.display()
            )
        );
        let msg = err_text(resolve(&no_flags(), &dir.env(&[(PROFILE_ENV, "qa")])));
        assert!(
            msg.contains("no profile `qa` (from GOTRUE_CONSOLE_PROFILE)"),
            "{msg}"
        );
        assert!(msg.contains("local, prod"), "{msg}");

        let file = ConfigFile::load(&path).unwrap().unwrap();
        assert_eq!(file.profile_names(), ["local", "prod"]);
        let msg = err_text(resolve_profile(&file, "nope", &no_flags(), &|_| None));
        assert!(msg.contains("its profiles are: local, prod"), "{msg}");

        // No file at all.
        std::fs::remove_file(&path).unwrap();
        let msg = err_text(resolve(&flags, &dir.env(&[])));
        assert_eq!(
            msg,
            format!(
                "profile `staging` (from --profile) asked for, but there is no config file at {}",
                path.display()
            )
        );

        // A default_profile that names nothing is caught when the file is loaded.
        dir.write_config("default_profile = \"gone\"\n[profiles.here]\nurl = \"http://h.test\"\n");
        let msg = err_text(resolve(&no_flags(), &dir.env(&[])));
        assert!(
            msg.contains("no profile `gone` (from default_profile)"),
            "{msg}"
        );
        assert!(msg.contains("its profiles are: here"), "{msg}");
    }

    #[test]
    fn env_form_keys() {
        let dir = TempDir::new("env-keys");
        dir.write_config(
            r#"
[profiles.p]
url = "http://p.test"
anon_key_env = "MY_ANON"
service_role_key_env = "MY_SERVICE"
"#,
        );
        let env = dir.env(&[("MY_ANON", "a-from-env"), ("MY_SERVICE", " s-from-env\n")]);
        let c = resolve(&no_flags(), &env).unwrap();
        assert_eq!(c.anon_key.unwrap().expose(), "a-from-env");
        assert_eq!(c.service_role_key.unwrap().expose(), "s-from-env");
        assert_eq!(
            c.sources.service_role_key.unwrap().to_string(),
            "env MY_SERVICE (profile p)"
        );

        let env = dir.env(&[("MY_ANON", "a-from-env")]);
        let msg = err_text(resolve(&no_flags(), &env));
        assert!(msg.contains("profile `p`"), "{msg}");
        assert!(
            msg.contains(
                "service_role_key_env names the environment variable MY_SERVICE, which is not set"
            ),
            "{msg}"
        );
    }

    #[test]
    fn command_form_keys() {
        let dir = TempDir::new("command-keys");
        dir.write_config(
            r#"
[profiles.p]
url = "http://p.test"
anon_key_command = "printf ' anon-cmd \n'"
service_role_key_command = "printf key"
"#,
        );
        let c = resolve(&no_flags(), &dir.env(&[])).unwrap();
        assert_eq!(c.anon_key.unwrap().expose(), "anon-cmd");
        assert_eq!(c.service_role_key.unwrap().expose(), "key");
        assert_eq!(
            c.sources.service_role_key.unwrap().to_string(),
            "command `printf key` (profile p)"
        );
    }

    #[test]
    fn failing_command_names_profile_and_command_not_output() {
        let dir = TempDir::new("command-fails");
        dir.write_config(
            "[profiles.p]\nurl = \"http://p.test\"\nservice_role_key_command = \"echo LEAKED-OUTPUT; echo LEAKED-ERR >&2; exit 3\"\n",
        );
        let msg = err_text(resolve(&no_flags(), &dir.env(&[])));
        assert!(msg.contains("profile `p`"), "{msg}");
        assert!(
            msg.contains(
                "service_role_key_command `echo LEAKED-OUTPUT; echo LEAKED-ERR >&2; exit 3`"
            ),
            "{msg}"
        );
        assert!(msg.contains("exit status: 3"), "{msg}");
        let without_command = msg.replace("`echo LEAKED-OUTPUT; echo LEAKED-ERR >&2; exit 3`", "");
        assert!(!without_command.contains("LEAKED"), "{msg}");

        dir.write_config(
            "[profiles.p]\nurl = \"http://p.test\"\nanon_key_command = \"printf '  \\n'\"\n",
        );
        let msg = err_text(resolve(&no_flags(), &dir.env(&[])));
        assert!(msg.contains("profile `p`"), "{msg}");
        assert!(msg.contains("printed nothing"), "{msg}");

        dir.write_config(
            "[profiles.p]\nurl = \"http://p.test\"\nanon_key_command = \"no-such-program-zz\"\n",
        );
        let msg = err_text(resolve(&no_flags(), &dir.env(&[])));
        assert!(
            msg.contains("(exit status: 127, command not found)"),
            "{msg}"
        );
    }

    #[test]
    fn command_times_out() {
        let started = Instant::now();
        let r = run_key_command("sleep 5; printf late", Duration::from_millis(200));
        assert!(matches!(r, Err(CommandFailure::Timeout(_))), "{r:?}");
        assert!(started.elapsed() < Duration::from_secs(3));
    }

    #[test]
    fn commands_run_only_when_needed() {
        let dir = TempDir::new("lazy");
        let marker_a = dir.0.join("ran-a");
        let marker_b = dir.0.join("ran-b");
        dir.write_config(&format!(
            r#"
default_profile = "a"
[profiles.a]
url = "http://a.test"
service_role_key_command = "touch '{}'; printf a"
[profiles.b]
url = "http://b.test"
service_role_key_command = "touch '{}'; printf b"
"#,
            marker_a.display(),
            marker_b.display()
        ));
        // Loading the file runs nothing.
        let file = ConfigFile::load(&dir.config_path()).unwrap().unwrap();
        assert!(!marker_a.exists() && !marker_b.exists());
        // An env key wins, so the command is not run.
        let env = dir.env(&[("SUPABASE_SERVICE_ROLE_KEY", "env-key")]);
        let c = resolve(&no_flags(), &env).unwrap();
        assert_eq!(c.service_role_key.unwrap().expose(), "env-key");
        assert!(!marker_a.exists());
        // Only the chosen profile's command runs.
        let c = resolve(&no_flags(), &dir.env(&[])).unwrap();
        assert_eq!(c.service_role_key.unwrap().expose(), "a");
        assert!(marker_a.exists() && !marker_b.exists());
        let c = resolve_profile(&file, "b", &no_flags(), &|_| None).unwrap();
        assert_eq!(c.profile.as_deref(), Some("b"));
        assert_eq!(c.service_role_key.unwrap().expose(), "b");
        assert!(marker_b.exists());
    }

    #[test]
    fn conflicting_key_forms() {
        let dir = TempDir::new("conflict");
        dir.write_config(&format!(
            r#"
[profiles.ok]
url = "http://ok.test"

[profiles.twice]
url = "http://t.test"
service_role_key = "{SERVICE_KEY}"
service_role_key_command = "printf x"
"#
        ));
        let msg = err_text(resolve(&no_flags(), &dir.env(&[])));
        assert!(msg.contains("profile `twice`"), "{msg}");
        assert!(msg.contains("(line 5)"), "{msg}");
        assert!(
            msg.contains("service_role_key is given more than one way (service_role_key, service_role_key_command)"),
            "{msg}"
        );
        assert!(!msg.contains(SERVICE_KEY), "{msg}");

        dir.write_config("[profiles.e]\nanon_key_env = \"A\"\nanon_key_command = \"printf a\"\n");
        let msg = err_text(resolve(&no_flags(), &dir.env(&[])));
        assert!(
            msg.contains("anon_key is given more than one way (anon_key_env, anon_key_command)"),
            "{msg}"
        );

        dir.write_config("[profiles.e]\nservice_role_key_env = \"\"\n");
        let msg = err_text(resolve(&no_flags(), &dir.env(&[])));
        assert!(msg.contains("service_role_key_env is empty"), "{msg}");
    }

    #[test]
    fn no_url_says_how_to_give_one() {
        let dir = TempDir::new("no-url");
        let msg = err_text(resolve(
            &no_flags(),
            &dir.env(&[("GOTRUE_ANON_KEY", ANON_KEY)]),
        ));
        for needed in ["--url", "GOTRUE_URL", "SUPABASE_URL", "profile", "--demo"] {
            assert!(msg.contains(needed), "{needed} missing from: {msg}");
        }
        assert!(
            msg.contains(&dir.config_path().display().to_string()),
            "{msg}"
        );
        assert!(!msg.contains(ANON_KEY));

        dir.write_config("[profiles.keys]\nanon_key_env = \"A\"\n");
        let msg = err_text(resolve(&no_flags(), &dir.env(&[("A", "a")])));
        assert!(msg.contains("profile `keys` has no url"), "{msg}");
        assert!(msg.contains("--demo"), "{msg}");
    }

    #[test]
    fn config_flag_and_xdg_path() {
        let dir = TempDir::new("paths");
        // The default file lives under XDG_CONFIG_HOME; missing is fine.
        let env = dir.env(&[("GOTRUE_URL", "http://x.test")]);
        assert!(resolve(&no_flags(), &env).unwrap().profile.is_none());
        assert_eq!(
            default_path_in(&env),
            Some(dir.0.join("gotrue-console/config.toml"))
        );
        // --config must exist.
        let other = dir.0.join("elsewhere.toml");
        let flags = ConsoleOverrides {
            config_path: Some(other.clone()),
            ..no_flags()
        };
        let msg = err_text(resolve(&flags, &env));
        assert!(
            msg.contains("elsewhere.toml") && msg.contains("does not exist"),
            "{msg}"
        );
        std::fs::write(&other, "[profiles.there]\nurl = \"http://there.test\"\n").unwrap();
        let c = resolve(&flags, &dir.env(&[])).unwrap();
        assert_eq!(c.profile.as_deref(), Some("there"));
        assert_eq!(c.url.as_str(), "http://there.test");
    }

    #[test]
    fn bad_toml_names_file_line_and_key() {
        let dir = TempDir::new("bad-toml");
        let path = dir.write_config(&format!(
            "default_profile = \"p\"\n\n[profiles.p]\nurl = \"http://p.test\"\nservice_role_key = \"{SERVICE_KEY}\nread_only = true\n"
        ));
        let msg = err_text(resolve(&no_flags(), &dir.env(&[])));
        assert!(
            msg.starts_with(&format!("{}, line 5,", path.display())),
            "{msg}"
        );
        assert!(
            msg.contains("key `service_role_key` in [profiles.p]"),
            "{msg}"
        );
        assert!(!msg.contains(SERVICE_KEY), "{msg}");

        // A typo in a key name.
        dir.write_config("[profiles.p]\nurl = \"http://p.test\"\nreadonly = true\n");
        let msg = err_text(resolve(&no_flags(), &dir.env(&[])));
        assert!(msg.contains("line 3"), "{msg}");
        assert!(msg.contains("readonly"), "{msg}");

        // A key where a boolean belongs: the value is not repeated.
        dir.write_config(&format!(
            "[profiles.p]\nurl = \"http://p.test\"\nread_only = \"{SERVICE_KEY}\"\n"
        ));
        let msg = err_text(resolve(&no_flags(), &dir.env(&[])));
        assert!(
            msg.contains("line 3") && msg.contains("key `read_only`"),
            "{msg}"
        );
        assert!(!msg.contains(SERVICE_KEY), "{msg}");
    }

    #[test]
    fn redacts_quoted_strings() {
        assert_eq!(
            redact_strings(r#"invalid type: string "a\"b", expected a boolean"#),
            "invalid type: string, expected a boolean"
        );
        assert_eq!(redact_strings("unknown field `x`"), "unknown field `x`");
    }

    #[test]
    fn world_readable_literal_key_warns() {
        let dir = TempDir::new("perms");
        let path = dir.write_config(&two_profiles());
        set_mode(&path, 0o644);
        let c = resolve(&no_flags(), &dir.env(&[])).unwrap();
        let expected = format!(
            "config.toml is readable by other users (mode 644) and holds a service-role key: chmod 600 {}",
            path.display()
        );
        assert_eq!(c.warnings, [expected]);
        // Also when another profile is used: the file holds the key either way.
        let flags = ConsoleOverrides {
            profile: Some("prod".into()),
            ..no_flags()
        };
        assert_eq!(resolve(&flags, &dir.env(&[])).unwrap().warnings.len(), 1);

        set_mode(&path, 0o640);
        let c = resolve(&no_flags(), &dir.env(&[])).unwrap();
        assert!(c.warnings[0].contains("(mode 640)"), "{:?}", c.warnings);

        set_mode(&path, 0o600);
        assert!(
            resolve(&no_flags(), &dir.env(&[]))
                .unwrap()
                .warnings
                .is_empty()
        );

        // Only an anon key.
        dir.write_config(&format!(
            "[profiles.p]\nurl = \"http://p.test\"\nanon_key = \"{ANON_KEY}\"\n"
        ));
        set_mode(&path, 0o604);
        let c = resolve(&no_flags(), &dir.env(&[])).unwrap();
        assert!(
            c.warnings[0].contains("holds an anon key"),
            "{:?}",
            c.warnings
        );

        // No literal key: nothing to protect.
        dir.write_config(
            "[profiles.p]\nurl = \"http://p.test\"\nservice_role_key_command = \"printf k\"\n",
        );
        set_mode(&path, 0o644);
        assert!(
            resolve(&no_flags(), &dir.env(&[]))
                .unwrap()
                .warnings
                .is_empty()
        );
    }

    #[test]
    fn debug_output_holds_no_key() {
        let dir = TempDir::new("debug");
        dir.write_config(&two_profiles());
        let c = resolve(&no_flags(), &dir.env(&[])).unwrap();
        let dbg = format!("{c:?}");
        assert!(dbg.contains("***"), "{dbg}");
        assert!(
            !dbg.contains(SERVICE_KEY) && !dbg.contains(ANON_KEY),
            "{dbg}"
        );
        assert!(!dbg.contains("SECRET"), "{dbg}");
        let file = ConfigFile::load(&dir.config_path()).unwrap().unwrap();
        let dbg = format!("{file:?}");
        assert!(!dbg.contains("SECRET"), "{dbg}");

        let env = dir.env(&[("GOTRUE_SERVICE_ROLE_KEY", SERVICE_KEY)]);
        let c = resolve(&no_flags(), &env).unwrap();
        let all = format!("{c:?} {:?}", c.warnings);
        assert!(!all.contains("SECRET"), "{all}");
    }

    #[test]
    fn example_config_parses() {
        let text = include_str!("../assets/config.example.toml");
        let file = ConfigFile::parse(text, Path::new("config.example.toml")).unwrap();
        assert_eq!(file.default_profile.as_deref(), Some("local"));
        assert_eq!(file.profile_names(), ["local", "prod", "stack"]);
        let prod = &file.profiles["prod"];
        assert!(prod.read_only && prod.production);
        assert!(prod.secret_key_command.is_some() && prod.project_ref.is_some());
        assert_eq!(file.profiles["stack"].source.as_deref(), Some(LOCAL_SOURCE));
        let c = resolve_profile(&file, "local", &no_flags(), &|_| None).unwrap();
        assert_eq!(c.url.as_str(), "http://127.0.0.1:9999");
        assert!(c.service_role_key.is_some());
    }
}
