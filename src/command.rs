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
    /// Hand `text` to the user's `$VISUAL`/`$EDITOR` in a file `*.{extension}`, with the
    /// console suspended; the edited text comes back as `ApiReply::Edited` under `id`. Only
    /// a local terminal can do it; elsewhere the answer is an error.
    EditText {
        id: RequestId,
        text: String,
        extension: &'static str,
    },
    Quit,
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
    /// The newest `last` entries of the operator journal (the server's own file).
    ReadJournal {
        path: std::path::PathBuf,
        last: usize,
    },
    /// Reads a CSV of invitations (email plus metadata columns).
    ReadInvites(std::path::PathBuf),
    /// Sends the pending rows' invitations: many `InviteProgress` replies, the last one
    /// `Finished`. Cancelling stops new sends; rows in flight come back as pending.
    RunInvites(Vec<crate::bulk::InviteJob>),
    /// Writes a batch's per-row results as CSV.
    WriteInviteResults {
        path: std::path::PathBuf,
        batch: Box<crate::bulk::InviteBatch>,
    },
    /// Writes the users GoTrue's `filter` finds (and, when set, only those ids: the console's
    /// instant filter) to a file, through `path.partial` so a failure leaves no half file.
    Export {
        path: std::path::PathBuf,
        format: crate::export::ExportFormat,
        filter: Option<String>,
        ids: Option<Vec<UserId>>,
    },
}

impl ApiCall {
    /// A short name for status messages.
    pub fn label(&self) -> &'static str {
        match self {
            ApiCall::Health => "health",
            ApiCall::Settings => "settings",
            ApiCall::LoadUsers { .. } => "load users",
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
            ApiCall::Invite { .. } => "invite",
            ApiCall::Audit { .. } => "load the audit log",
            ApiCall::LookupToken(_) => "look up the token",
            ApiCall::CheckSignature(_) => "check the token's signature",
            ApiCall::Export { .. } => "export users",
            ApiCall::ReadInvites(_) => "read the invitations",
            ApiCall::ReadJournal { .. } => "read the journal",
            ApiCall::RunInvites(_) => "send invitations",
            ApiCall::WriteInviteResults { .. } => "write the results",
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
    Audit(Box<crate::gotrue::AuditPage>),
    TokenUser(Box<crate::gotrue::TokenLookup>),
    Signature(crate::gotrue::jwt::SignatureCheck),
    Journal(Vec<crate::term::ssh::journal::JournalEntry>),
    InvitesRead(Box<crate::bulk::InviteBatch>),
    InviteProgress(crate::bulk::InviteEvent),
    Exported {
        count: u64,
        path: std::path::PathBuf,
    },
    /// The text as the editor left it (`Command::EditText`).
    Edited(String),
}

impl ApiReply {
    /// One of many answers to one request (a users stream's page, an invitation run's
    /// progress): more follow under the same id.
    pub fn is_partial(&self) -> bool {
        match self {
            ApiReply::UsersBatch(_) => true,
            ApiReply::InviteProgress(e) => !matches!(e, crate::bulk::InviteEvent::Finished(_)),
            _ => false,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Outcome {
    pub id: RequestId,
    pub result: Result<ApiReply, GoTrueError>,
}
