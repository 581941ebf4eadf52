//! Effects as data: what `App::update` asks the outside world to do, and what comes back.

use crate::gotrue::{
    AdminUserAttributes, Credential, GenerateLinkRequest, GeneratedLink, GoTrueError, Health,
    OutboxMessage, ResendType, Secret, Session, Settings, SignOutScope, SignUp, SignUpOutcome,
    User, UserId, UsersBatch, Verification, VerifyOutcome,
};

/// Tags a request so its answer finds the screen that asked, and answers to requests that
/// are no longer current are dropped by id, not by luck.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RequestId(pub u64);

#[derive(Clone, Debug, PartialEq)]
pub enum Command {
    /// A GoTrue call, run on the worker.
    Api(RequestId, ApiCall),
    /// Stop a running request (a users stream that was replaced).
    Cancel(RequestId),
    /// Use other keys from now on (a service-role key typed in the console).
    SetServiceKey(Secret),
    /// Talk to GoTrue at this URL from now on (it answered under `/auth/v1`).
    UseBaseUrl(crate::gotrue::BaseUrl),
    /// Put text on the clipboard through OSC 52, which works over SSH too.
    Copy(String),
    /// Connect to another profile of the config file; the answer comes back as
    /// `Msg::Reconnected`.
    SwitchProfile(String),
    /// Work on this machine (files, the editor); the answer comes back as `Msg::Task`.
    Task(RequestId, Task),
    Quit,
}

/// Work on this machine, apart from GoTrue's calls: its failures are this machine's
/// (`TaskError`), never dressed as GoTrue's.
#[derive(Clone, Debug, PartialEq)]
pub enum Task {
    /// The newest `last` entries of the operator journal (the server's own file).
    ReadJournal {
        path: std::path::PathBuf,
        last: usize,
    },
    /// Reads a CSV of invitations (email plus metadata columns).
    ReadInvites(std::path::PathBuf),
    /// Writes a batch's per-row results as CSV.
    WriteInviteResults {
        path: std::path::PathBuf,
        batch: Box<crate::ops::bulk::InviteBatch>,
    },
    /// Writes a bulk run's per-row results as CSV.
    WriteBulkResults {
        path: std::path::PathBuf,
        run: Box<crate::ops::bulk_users::BulkRun>,
    },
    /// Writes the users GoTrue's `filter` finds (and, when set, only those ids: the console's
    /// instant filter) to a file, through `FILE.partial` so a failure leaves no half file.
    Export {
        path: std::path::PathBuf,
        format: crate::ops::export::ExportFormat,
        filter: Option<String>,
        ids: Option<Vec<UserId>>,
    },
    /// Hands `text` to the user's `$VISUAL`/`$EDITOR` in a file `*.{extension}`, with the
    /// console suspended; the edited text comes back as `TaskReply::Edited`. Only a local
    /// terminal can do it; elsewhere the answer is `TaskError::Refused`.
    EditText {
        text: String,
        extension: &'static str,
    },
    /// Saves an unfinished bulk run's state (JSON) to its file; `TaskReply::Done`.
    SaveBulkRun {
        path: std::path::PathBuf,
        json: String,
    },
    /// Reads the unfinished bulk run kept at `path`, if any, as of `now`.
    LoadBulkRun {
        path: std::path::PathBuf,
        now: chrono::DateTime<chrono::Utc>,
    },
    /// Removes a bulk run's state file (finished or closed).
    RemoveBulkRun(std::path::PathBuf),
    /// Keeps the session in the OS keyring for the profile; `TaskReply::Done`.
    KeepSession {
        profile: String,
        session: Box<Session>,
    },
    /// The session kept in the OS keyring for the profile, if any.
    LoadKeptSession { profile: String },
    /// Removes the profile's session from the OS keyring.
    ForgetSession { profile: String },
}

impl Task {
    /// A short name for status messages.
    pub fn label(&self) -> &'static str {
        match self {
            Task::ReadJournal { .. } => "read the journal",
            Task::ReadInvites(_) => "read the invitations",
            Task::WriteInviteResults { .. } | Task::WriteBulkResults { .. } => "write the results",
            Task::Export { .. } => "export users",
            Task::EditText { .. } => "edit in $EDITOR",
            Task::SaveBulkRun { .. } => "save the bulk run's state",
            Task::LoadBulkRun { .. } => "read an unfinished bulk run",
            Task::RemoveBulkRun(_) => "remove the bulk run's state",
            Task::KeepSession { .. } => "keep the session in the OS keyring",
            Task::LoadKeptSession { .. } => "read the session kept in the OS keyring",
            Task::ForgetSession { .. } => "remove the session from the OS keyring",
        }
    }
}

/// A local task's answer.
#[derive(Clone, Debug, PartialEq)]
pub enum TaskReply {
    Journal(Vec<crate::ops::journal::JournalEntry>),
    InvitesRead(Box<crate::ops::bulk::InviteBatch>),
    /// A file was written (an export, a batch's results): how many rows, and where.
    Written {
        count: u64,
        path: std::path::PathBuf,
    },
    /// The text as the editor left it.
    Edited(String),
    /// Done; nothing to show but success (a state file saved, a keyring entry removed).
    Done,
    /// An unfinished bulk run read back (`None`: there is none).
    BulkRun(Option<Box<crate::ops::bulk_users::BulkRun>>),
    /// The session kept in the OS keyring (`None`: nothing kept).
    KeptSession(Option<Box<Session>>),
}

/// Why a local task failed.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum TaskError {
    /// A file could not be read or written.
    #[error("{message}")]
    File {
        path: std::path::PathBuf,
        message: String,
    },
    /// GoTrue failed on the way (an export's pages).
    #[error("{0}")]
    GoTrue(GoTrueError),
    /// This terminal cannot do it (no editor over SSH), or the server's gate refused it.
    #[error("{0}")]
    Refused(String),
    /// The OS keyring could not keep or give back the session.
    #[error("{0}")]
    Keyring(crate::ops::session_store::StoreError),
}

impl TaskError {
    pub fn file(path: &std::path::Path, message: impl std::fmt::Display) -> Self {
        TaskError::File {
            path: path.to_owned(),
            message: message.to_string(),
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct TaskOutcome {
    pub id: RequestId,
    pub result: Result<TaskReply, TaskError>,
}

/// What comes back from the worker: a GoTrue answer or a local task's.
#[derive(Clone, Debug, PartialEq)]
pub enum Answer {
    Api(Outcome),
    Task(TaskOutcome),
}

/// A page of the list read from the database.
#[derive(Clone, Debug, PartialEq)]
pub struct DbUsersQuery {
    /// The console's filter (text and conditions), as typed.
    pub query: String,
    pub sort: crate::db::Sort,
    /// The list read from its other end: `sort`'s exact reverse (users without the key
    /// first).
    pub reverse: bool,
    /// Where the page before ended (`None`: from the top).
    pub cursor: Option<String>,
    pub limit: usize,
    /// What "banned" and "inactive" are measured against.
    pub now: chrono::DateTime<chrono::Utc>,
}

/// GoTrue calls the console makes.
#[derive(Clone, Debug, PartialEq)]
pub enum ApiCall {
    Health,
    Settings,
    /// Streams every user (optionally GoTrue-filtered): many `UsersBatch` replies, then
    /// `UsersDone`.
    LoadUsers {
        filter: Option<String>,
    },
    /// One page of users by cursor (or, from a server without cursors, its first offset
    /// page): `Listing`.
    UsersByCursor(crate::gotrue::KeysetQuery),
    /// One page of users by number: `Listing::Offset`.
    UsersByPage(crate::gotrue::ListUsers),
    /// With a database: one page of users read by SQL, `Listing::Keyset` (its cursor is
    /// [`crate::db::Cursor::encode`]'s).
    DbUsers(DbUsersQuery),
    /// With a database: how many users the filter finds, in all and by status:
    /// `DbCounts`.
    DbCounts {
        query: String,
        now: chrono::DateTime<chrono::Utc>,
    },
    /// With a database: the Stats tab's figures over every user: `Stats`.
    DbStats {
        now: chrono::DateTime<chrono::Utc>,
    },
    GetUser(UserId),
    SignIn {
        credential: Credential,
        password: Secret,
    },
    SignUp(SignUp),
    MagicLink {
        email: String,
    },
    SendOtp {
        target: Credential,
        create_user: bool,
    },
    Verify(Verification),
    Resend {
        kind: ResendType,
        target: Credential,
    },
    Refresh {
        refresh_token: Secret,
    },
    SignOut {
        access_token: Secret,
        scope: SignOutScope,
    },
    Outbox,
    /// `POST /admin/users`. With `generate_password`, the worker makes a strong password
    /// (randomness stays out of the pure app) and returns it once.
    CreateUser {
        attrs: Box<AdminUserAttributes>,
        generate_password: bool,
    },
    UpdateUser(UserId, Box<AdminUserAttributes>),
    /// Sets a generated temporary password and returns it once.
    SetTemporaryPassword(UserId),
    DeleteUser {
        id: UserId,
        soft: bool,
    },
    Recover {
        email: String,
    },
    GenerateLink(Box<GenerateLinkRequest>),
    DeleteFactor {
        user_id: UserId,
        factor_id: uuid::Uuid,
    },
    /// `/settings`, the SSO providers, the OAuth server's clients and the custom providers,
    /// at once, each answered on its own (a surface the server lacks is `Unavailable`); the
    /// custom providers of one type only, when it is given.
    Providers {
        custom_type: Option<crate::gotrue::CustomProviderType>,
    },
    /// `POST /admin/oauth/clients/{id}/regenerate_secret`: the client with its new secret.
    RegenerateClientSecret(String),
    /// Deletes an SSO provider, an OAuth client or a custom provider.
    DeleteSurface(SurfaceId),
    /// Creates or updates an SSO provider, an OAuth client or a custom provider.
    SaveSurface(Box<SurfaceWrite>),
    /// `GET /admin/users/{id}/passkeys`; a server without passkeys answers `Unavailable`.
    Passkeys(UserId),
    DeletePasskey {
        user_id: UserId,
        passkey_id: String,
    },
    /// `PUT /admin/users/{id}/factors/{factor_id}`: a new name, and for a phone factor a
    /// new number (either may be left as it is).
    RenameFactor {
        user_id: UserId,
        factor_id: uuid::Uuid,
        name: Option<String>,
        phone: Option<String>,
    },
    /// [`crate::ops::signout::everywhere`]: a magic link generated and verified, then a
    /// global sign-out.
    SignOutEverywhere {
        user_id: UserId,
        email: String,
    },
    /// [`crate::ops::signout::session_for`]: a session as the user ("see what the user
    /// sees"), answered as a `Session`.
    Impersonate {
        user_id: UserId,
        email: String,
    },
    Invite {
        email: String,
        data: Option<serde_json::Map<String, serde_json::Value>>,
        redirect_to: Option<String>,
    },
    Audit {
        page: u32,
        per_page: u32,
        query: Option<String>,
    },
    /// The user behind a pasted token or cookie (refreshing an expired one).
    LookupToken(Secret),
    /// A pasted token's signature, against the server's JWKS.
    CheckSignature(Secret),
    /// Sends the pending rows' invitations: many `InviteProgress` replies, the last one
    /// `Finished`. Cancelling stops new sends; rows in flight come back as pending.
    /// A bulk invite; `links_only`: generate the links, mail nothing.
    RunInvites {
        jobs: Vec<crate::ops::bulk::InviteJob>,
        links_only: bool,
    },
}

impl ApiCall {
    /// A short name for status messages.
    pub fn label(&self) -> &'static str {
        match self {
            ApiCall::Health => "health",
            ApiCall::Settings => "settings",
            ApiCall::LoadUsers { .. } => "load users",
            ApiCall::UsersByCursor(_) | ApiCall::UsersByPage(_) => "load a page of users",
            ApiCall::DbUsers(_) => "read users from the database",
            ApiCall::DbCounts { .. } => "count users in the database",
            ApiCall::DbStats { .. } => "count the statistics in the database",
            ApiCall::GetUser(_) => "load user",
            ApiCall::SignIn { .. } => "sign in",
            ApiCall::SignUp(_) => "sign up",
            ApiCall::MagicLink { .. } => "send magic link",
            ApiCall::SendOtp { .. } => "send code",
            ApiCall::Verify(_) => "verify",
            ApiCall::Resend { .. } => "resend",
            ApiCall::Refresh { .. } => "refresh session",
            ApiCall::SignOut { .. } => "sign out",
            ApiCall::Outbox => "load outbox",
            ApiCall::CreateUser { .. } => "create user",
            ApiCall::UpdateUser(..) => "update user",
            ApiCall::SetTemporaryPassword(_) => "set a temporary password",
            ApiCall::DeleteUser { .. } => "delete user",
            ApiCall::Recover { .. } => "send recovery mail",
            ApiCall::GenerateLink(_) => "generate link",
            ApiCall::DeleteFactor { .. } => "remove MFA factor",
            ApiCall::Passkeys(_) => "load passkeys",
            ApiCall::Providers { .. } => "load the providers",
            ApiCall::RegenerateClientSecret(_) => "regenerate a client secret",
            ApiCall::DeleteSurface(_) => "delete a provider",
            ApiCall::SaveSurface(w) => w.label(),
            ApiCall::DeletePasskey { .. } => "remove passkey",
            ApiCall::RenameFactor { .. } => "rename MFA factor",
            ApiCall::SignOutEverywhere { .. } => "sign out everywhere",
            ApiCall::Impersonate { .. } => "sign in as the user (impersonate)",
            ApiCall::Invite { .. } => "invite",
            ApiCall::Audit { .. } => "load the audit log",
            ApiCall::LookupToken(_) => "look up the token",
            ApiCall::CheckSignature(_) => "check the token's signature",
            ApiCall::RunInvites { .. } => "send invitations",
        }
    }
}

/// A successful answer.
#[derive(Clone, Debug, PartialEq)]
pub enum ApiReply {
    Health(Health),
    /// GoTrue's health, found under `/auth/v1` of the URL given (see `GoTrueClient::locate`).
    HealthAt(Health, crate::gotrue::BaseUrl),
    Settings(Box<Settings>),
    UsersBatch(UsersBatch),
    UsersDone,
    Listing(Box<crate::gotrue::Listing>),
    /// Users counted in the database.
    DbCounts(crate::db::StatusCounts),
    /// The Stats tab's figures.
    Stats(Box<crate::ops::stats::Stats>),
    User(Box<User>),
    Session(Box<Session>),
    SignedUp(SignUpOutcome),
    Verified(VerifyOutcome),
    /// A mail or SMS went out (magic link, OTP, resend).
    Sent {
        message_id: Option<String>,
    },
    SignedOut,
    Outbox(Vec<OutboxMessage>),
    /// A user was created or changed; `password` is set when the worker generated one.
    UserSaved {
        user: Box<User>,
        password: Option<Secret>,
    },
    Link(Box<GeneratedLink>),
    /// Done; nothing to show but success (delete, remove factor).
    Done,
    /// An MFA factor as GoTrue keeps it after a change.
    Factor(Box<crate::gotrue::Factor>),
    SignedOutEverywhere(crate::ops::signout::SignedOut),
    Audit(Box<crate::gotrue::AuditPage>),
    TokenUser(Box<crate::gotrue::TokenLookup>),
    Signature(crate::gotrue::jwt::SignatureCheck),
    InviteProgress(crate::ops::bulk::InviteEvent),
    Passkeys(crate::gotrue::Availability<Vec<crate::gotrue::Passkey>>),
    Providers(Box<ProviderSurfaces>),
    OAuthClient(Box<crate::gotrue::OAuthClient>),
    /// An SSO provider, OAuth client or custom provider as GoTrue keeps it after a write.
    SurfaceSaved(Box<SavedSurface>),
}

/// One item of the Providers tab, by the id its delete takes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SurfaceId {
    Sso(String),
    OAuthClient(String),
    Custom(String),
}

/// A write to the Providers tab's surfaces: only the fields set are sent. An update names
/// what it changes by the id GoTrue's route takes.
#[derive(Clone, Debug, PartialEq)]
pub enum SurfaceWrite {
    CreateSso(crate::gotrue::SsoProviderParams),
    UpdateSso(String, crate::gotrue::SsoProviderParams),
    RegisterOAuth(crate::gotrue::OAuthClientParams),
    UpdateOAuth(String, crate::gotrue::OAuthClientParams),
    CreateCustom(crate::gotrue::CustomProviderParams),
    UpdateCustom(String, crate::gotrue::CustomProviderParams),
}

impl SurfaceWrite {
    pub fn label(&self) -> &'static str {
        match self {
            SurfaceWrite::CreateSso(_) => "create an SSO provider",
            SurfaceWrite::UpdateSso(..) => "update an SSO provider",
            SurfaceWrite::RegisterOAuth(_) => "register an OAuth client",
            SurfaceWrite::UpdateOAuth(..) => "update an OAuth client",
            SurfaceWrite::CreateCustom(_) => "create a custom provider",
            SurfaceWrite::UpdateCustom(..) => "update a custom provider",
        }
    }

    /// The id an update names (for the journal); none for a create.
    pub fn target(&self) -> Option<&str> {
        match self {
            SurfaceWrite::UpdateSso(id, _)
            | SurfaceWrite::UpdateOAuth(id, _)
            | SurfaceWrite::UpdateCustom(id, _) => Some(id),
            SurfaceWrite::CreateCustom(p) => p.identifier.as_deref(),
            SurfaceWrite::CreateSso(_) | SurfaceWrite::RegisterOAuth(_) => None,
        }
    }
}

/// What GoTrue answered to a [`SurfaceWrite`].
#[derive(Clone, Debug, PartialEq)]
pub enum SavedSurface {
    Sso(crate::gotrue::SsoProvider),
    OAuth(crate::gotrue::OAuthClient),
    Custom(crate::gotrue::CustomProvider),
}

/// What the Providers tab shows, each part as the server answered it.
#[derive(Clone, Debug, PartialEq)]
pub struct ProviderSurfaces {
    pub settings: Result<Settings, GoTrueError>,
    pub sso: Result<crate::gotrue::Availability<Vec<crate::gotrue::SsoProvider>>, GoTrueError>,
    pub oauth: Result<crate::gotrue::Availability<Vec<crate::gotrue::OAuthClient>>, GoTrueError>,
    pub custom:
        Result<crate::gotrue::Availability<Vec<crate::gotrue::CustomProvider>>, GoTrueError>,
}

impl ApiReply {
    /// One of many answers to one request (a users stream's page, an invitation run's
    /// progress): more follow under the same id.
    pub fn is_partial(&self) -> bool {
        match self {
            ApiReply::UsersBatch(_) => true,
            ApiReply::InviteProgress(e) => !matches!(e, crate::ops::bulk::InviteEvent::Finished(_)),
            _ => false,
        }
    }
}

/// A GoTrue call's answer.
#[derive(Clone, Debug, PartialEq)]
pub struct Outcome {
    pub id: RequestId,
    pub result: Result<ApiReply, GoTrueError>,
}

/// A request in flight whose answer is a `T`: the type is fixed where the request is sent
/// (`ctx.send` / `ctx.task` infer it from the field that keeps the `Pending`).
#[derive(Debug)]
pub struct Pending<T> {
    id: RequestId,
    what: &'static str,
    _reply: std::marker::PhantomData<fn() -> T>,
}

impl<T> Clone for Pending<T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for Pending<T> {}

impl<T> PartialEq for Pending<T> {
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id
    }
}

impl<T> Pending<T> {
    pub(crate) fn new(id: RequestId, what: &'static str) -> Self {
        Pending {
            id,
            what,
            _reply: std::marker::PhantomData,
        }
    }

    pub fn id(&self) -> RequestId {
        self.id
    }

    /// Whether `id` answers this request.
    pub fn is(&self, id: RequestId) -> bool {
        self.id == id
    }

    /// The answer as a `T`. An answer of another kind is a bug: logged, and an error.
    pub fn read<R, E>(&self, result: Result<R, E>) -> Result<T, E>
    where
        T: FromReply<R>,
        R: std::fmt::Debug,
        E: Unexpected,
    {
        result.and_then(|r| {
            T::from_reply(r).map_err(|other| {
                tracing::error!(request = self.what, reply = ?other, "unexpected answer (a bug)");
                E::unexpected(self.what)
            })
        })
    }
}

/// Whether `id` answers the request in `slot`.
pub fn answers<T>(slot: &Option<Pending<T>>, id: RequestId) -> bool {
    slot.is_some_and(|p| p.is(id))
}

/// An answer of one kind, taken out of the reply enum.
pub trait FromReply<R>: Sized {
    /// `Err` gives the reply back when it is of another kind.
    fn from_reply(reply: R) -> Result<Self, R>;
}

/// Any answer: for a request whose answer depends on what was sent (a sign-in or a
/// sign-up); the match on it ends in `bug` rather than dropping the rest.
impl FromReply<ApiReply> for ApiReply {
    fn from_reply(reply: ApiReply) -> Result<Self, ApiReply> {
        Ok(reply)
    }
}

/// The error an unexpected answer turns into.
pub trait Unexpected {
    fn unexpected(what: &str) -> Self;
}

impl Unexpected for GoTrueError {
    fn unexpected(what: &str) -> Self {
        GoTrueError::local(
            crate::gotrue::ErrorKind::Decode,
            Some("unexpected_answer"),
            format!("unexpected answer to {what} (a bug in gotrue-console; see the log)"),
        )
    }
}

impl Unexpected for TaskError {
    fn unexpected(what: &str) -> Self {
        TaskError::Refused(format!(
            "unexpected answer to {what} (a bug in gotrue-console; see the log)"
        ))
    }
}

/// An answer a screen has no use for where it came: a bug, logged (and not silently
/// dropped).
pub fn bug(what: &str, reply: &impl std::fmt::Debug) {
    tracing::error!(request = what, reply = ?reply, "unexpected answer (a bug)");
}

macro_rules! from_reply {
    ($enum:ident { $($ty:ty => $variant:ident($bind:ident) => $val:expr),* $(,)? }) => {
        $(
            impl FromReply<$enum> for $ty {
                fn from_reply(reply: $enum) -> Result<Self, $enum> {
                    match reply {
                        $enum::$variant($bind) => Ok($val),
                        other => Err(other),
                    }
                }
            }
        )*
    };
}

from_reply!(ApiReply {
    Box<User> => User(u) => u,
    Box<crate::gotrue::AuditPage> => Audit(p) => p,
    Vec<OutboxMessage> => Outbox(m) => m,
    VerifyOutcome => Verified(v) => v,
    Box<crate::gotrue::TokenLookup> => TokenUser(t) => t,
    crate::gotrue::jwt::SignatureCheck => Signature(s) => s,
    crate::ops::bulk::InviteEvent => InviteProgress(e) => e,
    Box<Session> => Session(s) => s,
    crate::gotrue::Availability<Vec<crate::gotrue::Passkey>> => Passkeys(p) => p,
    Box<ProviderSurfaces> => Providers(p) => p,
    Box<SavedSurface> => SurfaceSaved(s) => s,
    crate::db::StatusCounts => DbCounts(c) => c,
    Box<crate::ops::stats::Stats> => Stats(s) => s,
});

from_reply!(TaskReply {
    Vec<crate::ops::journal::JournalEntry> => Journal(j) => j,
    Box<crate::ops::bulk::InviteBatch> => InvitesRead(b) => b,
    String => Edited(t) => t,
    Option<Box<crate::ops::bulk_users::BulkRun>> => BulkRun(r) => r,
    Option<Box<Session>> => KeptSession(s) => s,
});

/// A task that answers only "done".
#[derive(Clone, Debug, PartialEq)]
pub struct TaskDone;

impl FromReply<TaskReply> for TaskDone {
    fn from_reply(reply: TaskReply) -> Result<Self, TaskReply> {
        match reply {
            TaskReply::Done => Ok(TaskDone),
            other => Err(other),
        }
    }
}

/// A file written by a task: how many rows, and where.
#[derive(Clone, Debug, PartialEq)]
pub struct Written {
    pub count: u64,
    pub path: std::path::PathBuf,
}

impl FromReply<TaskReply> for Written {
    fn from_reply(reply: TaskReply) -> Result<Self, TaskReply> {
        match reply {
            TaskReply::Written { count, path } => Ok(Written { count, path }),
            other => Err(other),
        }
    }
}

/// A page of the users stream, or its end.
#[derive(Clone, Debug, PartialEq)]
pub enum UsersPage {
    Batch(UsersBatch),
    Done,
}

impl FromReply<ApiReply> for UsersPage {
    fn from_reply(reply: ApiReply) -> Result<Self, ApiReply> {
        match reply {
            ApiReply::UsersBatch(b) => Ok(UsersPage::Batch(b)),
            ApiReply::UsersDone => Ok(UsersPage::Done),
            other => Err(other),
        }
    }
}

impl FromReply<ApiReply> for crate::gotrue::Listing {
    fn from_reply(reply: ApiReply) -> Result<Self, ApiReply> {
        match reply {
            ApiReply::Listing(l) => Ok(*l),
            other => Err(other),
        }
    }
}

/// A user created or changed, with the password the worker generated (if it did).
#[derive(Clone, Debug, PartialEq)]
pub struct Saved {
    pub user: Box<User>,
    pub password: Option<Secret>,
}

impl FromReply<ApiReply> for Saved {
    fn from_reply(reply: ApiReply) -> Result<Self, ApiReply> {
        match reply {
            ApiReply::UserSaved { user, password } => Ok(Saved { user, password }),
            other => Err(other),
        }
    }
}

/// A request that answers only "done" (a mail sent, a sign-out, a delete).
#[derive(Clone, Debug, PartialEq)]
pub struct Sent {
    pub message_id: Option<String>,
}

impl FromReply<ApiReply> for Sent {
    fn from_reply(reply: ApiReply) -> Result<Self, ApiReply> {
        match reply {
            ApiReply::Sent { message_id } => Ok(Sent { message_id }),
            ApiReply::SignedOut | ApiReply::Done => Ok(Sent { message_id: None }),
            other => Err(other),
        }
    }
}
