//! Runs GoTrue calls off the UI: each `ApiCall` on its own tokio task, each answer sent back
//! tagged with its request id. The interface never waits on the network.

use crate::console::command::{
    Answer, ApiCall, ApiReply, Outcome, RequestId, Task, TaskError, TaskOutcome, TaskReply,
};
use crate::gotrue::{AdminUserAttributes, AllUsers, GoTrueClient, GoTrueError, Secret};
use futures::StreamExt;
use std::collections::HashMap;
use tokio::sync::mpsc::UnboundedSender;
use tokio::task::AbortHandle;

pub struct Worker {
    client: GoTrueClient,
    /// Where the Outbox comes from when it is not the demo server's: Mailpit.
    mailpit: Option<crate::mailpit::MailpitClient>,
    out: UnboundedSender<Answer>,
    running: HashMap<RequestId, AbortHandle>,
    /// How bulk invitations are paced and retried.
    invite_options: crate::ops::bulk::InviteOptions,
    /// Where a session is kept between runs (the OS keyring); `None`: nowhere here.
    session_store: Option<SharedStore>,
    /// GoTrue's database, for reads by SQL; `None`: none was given.
    database: Option<Database>,
}

/// GoTrue's database for the console's reads: two connections, each opened at its first
/// read and then kept for the run ([`crate::db::Db`] reopens one that dropped; a failed
/// connection is tried again at the next read). Pages of the list have one to themselves,
/// so scrolling never waits behind a count or the Stats tab's scan of every user, which
/// share the other.
#[derive(Clone)]
pub struct Database {
    url: Secret,
    pages: std::sync::Arc<tokio::sync::OnceCell<crate::db::Db>>,
    counts: std::sync::Arc<tokio::sync::OnceCell<crate::db::Db>>,
}

impl Database {
    pub fn new(url: Secret) -> Self {
        Self {
            url,
            pages: std::sync::Arc::default(),
            counts: std::sync::Arc::default(),
        }
    }

    /// The connection for `call`: pages, or counts.
    async fn get(&self, call: &ApiCall) -> Result<&crate::db::Db, crate::db::DbError> {
        let cell = match call {
            ApiCall::DbUsers(_) => &self.pages,
            _ => &self.counts,
        };
        cell.get_or_try_init(|| async {
            let (db, info) =
                crate::db::Db::connect(&self.url, crate::db::DbOptions::default()).await?;
            for warning in &info.warnings {
                tracing::warn!("{warning}");
            }
            Ok(db)
        })
        .await
    }
}

/// A database failure, shown as the console shows any failed call.
fn db_error(e: crate::db::DbError) -> GoTrueError {
    use crate::db::DbErrorKind as K;
    use crate::gotrue::ErrorKind;
    let kind = match e.kind {
        K::Url | K::Unsupported => ErrorKind::Validation,
        K::Tls | K::Connect => ErrorKind::Transport,
        K::Permission => ErrorKind::Auth,
        K::Malformed | K::Schema => ErrorKind::Decode,
        K::Timeout | K::Query => ErrorKind::Server,
    };
    GoTrueError::local(
        kind,
        e.code.as_deref(),
        format!("the database: {}", e.message),
    )
}

/// Runs a read by SQL.
async fn run_db(database: Option<Database>, call: ApiCall) -> Result<ApiReply, GoTrueError> {
    use crate::db::{Cursor, UserSearch};
    let Some(database) = database else {
        return Err(GoTrueError::local(
            crate::gotrue::ErrorKind::Validation,
            None,
            "no database was given (--db-url, SUPABASE_DB_URL or the profile's db_url)",
        ));
    };
    let db = database.get(&call).await.map_err(db_error)?;
    match call {
        ApiCall::DbUsers(q) => {
            let search = UserSearch::parse(&q.query, q.now);
            let after = q
                .cursor
                .as_deref()
                .map(Cursor::decode)
                .transpose()
                .map_err(db_error)?;
            let page = db
                .users_page_in(&search, q.sort, q.reverse, after.as_ref(), q.limit)
                .await
                .map_err(db_error)?;
            Ok(ApiReply::Listing(Box::new(crate::gotrue::Listing::Keyset(
                crate::gotrue::KeysetPage {
                    users: page.users,
                    has_more: page.next.is_some(),
                    next_cursor: page.next.map(|c| c.encode()),
                },
            ))))
        }
        ApiCall::DbCounts { query, now } => {
            let search = UserSearch::parse(&query, now);
            Ok(ApiReply::DbCounts(
                db.status_counts(&search).await.map_err(db_error)?,
            ))
        }
        ApiCall::DbStats { now } => {
            let figures = db.user_figures(now).await.map_err(db_error)?;
            Ok(ApiReply::Stats(Box::new(
                crate::ops::stats::Tally::from_database(now, figures),
            )))
        }
        other => Err(GoTrueError::local(
            crate::gotrue::ErrorKind::Validation,
            None,
            format!("not a database read: {}", other.label()),
        )),
    }
}

/// A session store the worker's threads share.
pub type SharedStore = std::sync::Arc<dyn crate::ops::session_store::SessionStore>;

impl Worker {
    pub fn new(client: GoTrueClient, out: UnboundedSender<Answer>) -> Self {
        Self {
            client,
            mailpit: None,
            out,
            running: HashMap::new(),
            invite_options: crate::ops::bulk::InviteOptions::default(),
            session_store: None,
            database: None,
        }
    }

    /// Keeps sessions in `store` from now on (`None`: the console cannot keep them here).
    pub fn set_session_store(&mut self, store: Option<SharedStore>) {
        self.session_store = store;
    }

    /// Reads users from this database from now on (`None`: through GoTrue only).
    pub fn set_database(&mut self, url: Option<Secret>) {
        self.database = url.map(Database::new);
    }

    /// Paces and retries bulk invitations started from now on with `opts` (tests shorten
    /// the waits).
    pub fn set_invite_options(&mut self, opts: crate::ops::bulk::InviteOptions) {
        self.invite_options = opts;
    }

    pub fn client(&self) -> &GoTrueClient {
        &self.client
    }

    /// Reads the Outbox from this Mailpit from now on.
    pub fn set_mailpit(&mut self, mailpit: Option<crate::mailpit::MailpitClient>) {
        self.mailpit = mailpit;
    }

    /// Uses another client from now on (new keys); requests already running finish.
    pub fn set_client(&mut self, client: GoTrueClient) {
        self.client = client;
    }

    /// Starts a call; its answer arrives on the outcome channel.
    pub fn spawn(&mut self, id: RequestId, call: ApiCall) {
        self.running.retain(|_, handle| !handle.is_finished());
        let client = self.client.clone();
        let out = self.out.clone();
        let mut invite_options = self.invite_options.clone();
        let mailpit = self.mailpit.clone();
        let database = self.database.clone();
        let handle = tokio::spawn(async move {
            if matches!(
                call,
                ApiCall::DbUsers(_) | ApiCall::DbCounts { .. } | ApiCall::DbStats { .. }
            ) {
                let result = run_db(database, call).await;
                let _ = out.send(Answer::Api(Outcome { id, result }));
                return;
            }
            if let (ApiCall::Outbox, Some(mailpit)) = (&call, &mailpit) {
                let result = mailpit.messages().await.map(ApiReply::Outbox);
                let _ = out.send(Answer::Api(Outcome { id, result }));
                return;
            }
            if let ApiCall::LoadUsers { filter } = call {
                stream_users(&client, filter, id, &out).await;
                return;
            }
            if let ApiCall::RunInvites { jobs, links_only } = call {
                invite_options.links_only = links_only;
                run_invites(client, jobs, invite_options, id, out).await;
                return;
            }
            let result = run(&client, call).await;
            let _ = out.send(Answer::Api(Outcome { id, result }));
        });
        self.running.insert(id, handle.abort_handle());
    }

    /// Starts a local task (a file, an export); its answer arrives on the outcome channel.
    /// The editor is not here: the driver runs it, with the terminal.
    pub fn task(&mut self, id: RequestId, task: Task) {
        self.running.retain(|_, handle| !handle.is_finished());
        let client = self.client.clone();
        let out = self.out.clone();
        let store = self.session_store.clone();
        let handle = tokio::spawn(async move {
            let result = run_task(&client, store, task).await;
            let _ = out.send(Answer::Task(TaskOutcome { id, result }));
        });
        self.running.insert(id, handle.abort_handle());
    }

    pub fn cancel(&mut self, id: RequestId) {
        if let Some(handle) = self.running.remove(&id) {
            handle.abort();
        }
    }

    /// Requests still running (for tests and the activity count).
    pub fn in_flight(&mut self) -> usize {
        self.running.retain(|_, handle| !handle.is_finished());
        self.running.len()
    }
}

/// Sends invitations; every event becomes an outcome under the same id. The run itself is a
/// child task: cancelling this request aborts the sending, while the events its guards send
/// on the way out (rows back to pending, `Finished`) still reach the app.
async fn run_invites(
    client: GoTrueClient,
    jobs: Vec<crate::ops::bulk::InviteJob>,
    opts: crate::ops::bulk::InviteOptions,
    id: RequestId,
    out: UnboundedSender<Answer>,
) {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let runner =
        tokio::spawn(async move { crate::ops::bulk::run_invites(&client, jobs, opts, tx).await });
    // Aborting this task (Cancel) drops `guard`, which aborts the runner.
    struct AbortOnDrop(tokio::task::AbortHandle);
    impl Drop for AbortOnDrop {
        fn drop(&mut self) {
            self.0.abort();
        }
    }
    let guard = AbortOnDrop(runner.abort_handle());
    let forward = {
        let out = out.clone();
        tokio::spawn(async move {
            while let Some(ev) = rx.recv().await {
                if out
                    .send(Answer::Api(Outcome {
                        id,
                        result: Ok(ApiReply::InviteProgress(ev)),
                    }))
                    .is_err()
                {
                    return;
                }
            }
        })
    };
    let _ = runner.await;
    drop(guard);
    let _ = forward.await;
}

/// Writes a run's per-row results to `path` with `write`, off the async threads.
async fn write_results(
    path: std::path::PathBuf,
    count: u64,
    write: impl FnOnce(std::fs::File) -> Result<(), String> + Send + 'static,
) -> Result<TaskReply, TaskError> {
    blocking(Box::new(move || {
        let cannot = |e: &dyn std::fmt::Display| {
            TaskError::file(&path, format!("cannot write {}: {e}", path.display()))
        };
        let file = std::fs::File::create(&path).map_err(|e| cannot(&e))?;
        write(file).map_err(|e| cannot(&e))?;
        Ok(TaskReply::Written {
            count,
            path: path.clone(),
        })
    }))
    .await
}

async fn stream_users(
    client: &GoTrueClient,
    filter: Option<String>,
    id: RequestId,
    out: &UnboundedSender<Answer>,
) {
    // Newest first, as the list shows them: pages arrive below what is shown.
    // Paced: it is background work on a server that may be in production.
    let opts = AllUsers {
        filter,
        sort: crate::gotrue::UserSort::CreatedDesc,
        paced: true,
        ..AllUsers::default()
    };
    let mut stream = Box::pin(client.stream_all_users(opts));
    while let Some(item) = stream.next().await {
        let failed = item.is_err();
        let result = item.map(ApiReply::UsersBatch);
        if out.send(Answer::Api(Outcome { id, result })).is_err() || failed {
            return;
        }
    }
    let _ = out.send(Answer::Api(Outcome {
        id,
        result: Ok(ApiReply::UsersDone),
    }));
}

async fn run(client: &GoTrueClient, call: ApiCall) -> Result<ApiReply, GoTrueError> {
    Ok(match call {
        ApiCall::Health => match client.locate().await? {
            (h, None) => ApiReply::Health(h),
            (h, Some(base)) => ApiReply::HealthAt(h, base),
        },
        ApiCall::Settings => ApiReply::Settings(Box::new(client.settings().await?)),
        // Streamed by `stream_users`; a lone call means "nothing more to load".
        ApiCall::LoadUsers { .. } => ApiReply::UsersDone,
        // `spawn` sends these to the database.
        call @ (ApiCall::DbUsers(_) | ApiCall::DbCounts { .. } | ApiCall::DbStats { .. }) => {
            return run_db(None, call).await;
        }
        ApiCall::UsersByCursor(q) => {
            ApiReply::Listing(Box::new(client.list_users_keyset(&q).await?))
        }
        ApiCall::UsersByPage(q) => ApiReply::Listing(Box::new(crate::gotrue::Listing::Offset(
            client.list_users_retrying(&q).await?,
        ))),
        ApiCall::GetUser(id) => ApiReply::User(Box::new(client.get_user_by_id(id).await?)),
        ApiCall::SignIn {
            credential,
            password,
        } => ApiReply::Session(Box::new(
            client.sign_in_with_password(&credential, &password).await?,
        )),
        ApiCall::SignUp(req) => ApiReply::SignedUp(client.sign_up(&req).await?),
        ApiCall::MagicLink { email } => {
            client.send_magic_link(&email, None).await?;
            ApiReply::Sent { message_id: None }
        }
        ApiCall::SendOtp {
            target,
            create_user,
        } => ApiReply::Sent {
            message_id: client.send_otp(&target, create_user, None, None).await?,
        },
        ApiCall::Verify(v) => ApiReply::Verified(client.verify_otp(&v).await?),
        ApiCall::Resend { kind, target } => {
            client.resend(kind, &target, None).await?;
            ApiReply::Sent { message_id: None }
        }
        ApiCall::Refresh { refresh_token } => {
            ApiReply::Session(Box::new(client.refresh_session(&refresh_token).await?))
        }
        ApiCall::SignOut {
            access_token,
            scope,
        } => {
            client.sign_out(&access_token, scope).await?;
            ApiReply::SignedOut
        }
        ApiCall::Outbox => ApiReply::Outbox(client.demo_outbox().await?),
        ApiCall::CreateUser {
            mut attrs,
            generate_password,
        } => {
            let password = generate_password.then(strong_password);
            if let Some(p) = &password {
                attrs.password = Some(p.clone());
            }
            let user = client.create_user(&attrs).await?;
            ApiReply::UserSaved {
                user: Box::new(user),
                password,
            }
        }
        ApiCall::UpdateUser(id, attrs) => ApiReply::UserSaved {
            user: Box::new(client.update_user_by_id(id, &attrs).await?),
            password: None,
        },
        ApiCall::SetTemporaryPassword(id) => {
            let password = strong_password();
            let attrs = AdminUserAttributes {
                password: Some(password.clone()),
                ..AdminUserAttributes::default()
            };
            ApiReply::UserSaved {
                user: Box::new(client.update_user_by_id(id, &attrs).await?),
                password: Some(password),
            }
        }
        ApiCall::DeleteUser { id, soft } => {
            client.delete_user(id, soft).await?;
            ApiReply::Done
        }
        ApiCall::Recover { email } => {
            client.reset_password_for_email(&email, None).await?;
            ApiReply::Sent { message_id: None }
        }
        ApiCall::GenerateLink(req) => ApiReply::Link(Box::new(client.generate_link(&req).await?)),
        ApiCall::Providers { custom_type } => {
            use crate::gotrue::Availability;
            let (settings, sso, oauth, custom) = tokio::join!(
                client.settings(),
                client.list_sso_providers(),
                client.list_oauth_clients(),
                client.list_custom_providers(custom_type),
            );
            ApiReply::Providers(Box::new(crate::console::command::ProviderSurfaces {
                settings,
                sso: Availability::from_result(sso),
                oauth: Availability::from_result(oauth),
                custom: Availability::from_result(custom),
            }))
        }
        ApiCall::DeleteSurface(what) => {
            use crate::console::command::SurfaceId;
            match what {
                SurfaceId::Sso(id) => client.delete_sso_provider(&id).await.map(drop)?,
                SurfaceId::OAuthClient(id) => client.delete_oauth_client(&id).await?,
                SurfaceId::Custom(id) => client.delete_custom_provider(&id).await?,
            }
            ApiReply::Done
        }
        ApiCall::SaveSurface(write) => {
            use crate::console::command::{SavedSurface, SurfaceWrite};
            ApiReply::SurfaceSaved(Box::new(match *write {
                SurfaceWrite::CreateSso(p) => {
                    SavedSurface::Sso(client.create_sso_provider(&p).await?)
                }
                SurfaceWrite::UpdateSso(id, p) => {
                    SavedSurface::Sso(client.update_sso_provider(&id, &p).await?)
                }
                SurfaceWrite::RegisterOAuth(p) => {
                    SavedSurface::OAuth(client.register_oauth_client(&p).await?)
                }
                SurfaceWrite::UpdateOAuth(id, p) => {
                    SavedSurface::OAuth(client.update_oauth_client(&id, &p).await?)
                }
                SurfaceWrite::CreateCustom(p) => {
                    SavedSurface::Custom(client.create_custom_provider(&p).await?)
                }
                SurfaceWrite::UpdateCustom(id, p) => {
                    SavedSurface::Custom(client.update_custom_provider(&id, &p).await?)
                }
            }))
        }
        ApiCall::RegenerateClientSecret(client_id) => ApiReply::OAuthClient(Box::new(
            client.regenerate_oauth_client_secret(&client_id).await?,
        )),
        ApiCall::Passkeys(user_id) => ApiReply::Passkeys(crate::gotrue::Availability::from_result(
            client.list_passkeys(user_id).await,
        )?),
        ApiCall::DeletePasskey {
            user_id,
            passkey_id,
        } => {
            client.delete_passkey(user_id, &passkey_id).await?;
            ApiReply::Done
        }
        ApiCall::DeleteFactor { user_id, factor_id } => {
            client.delete_factor(user_id, factor_id).await?;
            ApiReply::Done
        }
        ApiCall::Impersonate { email, .. } => ApiReply::Session(Box::new(
            crate::ops::signout::session_for(client, &email).await?,
        )),
        ApiCall::SignOutEverywhere { email, .. } => {
            ApiReply::SignedOutEverywhere(crate::ops::signout::everywhere(client, &email).await?)
        }
        ApiCall::RenameFactor {
            user_id,
            factor_id,
            name,
            phone,
        } => {
            let update = crate::gotrue::FactorUpdate {
                friendly_name: name,
                phone,
            };
            let factor = client.update_factor(user_id, factor_id, &update).await?;
            ApiReply::Factor(Box::new(factor))
        }
        ApiCall::Audit {
            page,
            per_page,
            query,
        } => ApiReply::Audit(Box::new(
            client.audit_log(page, per_page, query.as_deref()).await?,
        )),
        ApiCall::LookupToken(input) => ApiReply::TokenUser(Box::new(
            client.user_from_token_input(input.expose()).await?,
        )),
        ApiCall::CheckSignature(input) => {
            let tokens = crate::gotrue::token_input::parse_token_input(input.expose())
                .map_err(|e| local_error(e.to_string()))?;
            let access = tokens
                .access_token
                .ok_or_else(|| local_error("no access token to check".to_owned()))?;
            let jwks = client.jwks().await?;
            ApiReply::Signature(crate::gotrue::jwt::check_signature(access.expose(), &jwks))
        }
        // Sent through `run_invites` in `spawn`; nothing to do alone.
        ApiCall::RunInvites { .. } => ApiReply::Done,
        ApiCall::Invite {
            email,
            data,
            redirect_to,
        } => ApiReply::UserSaved {
            user: Box::new(
                client
                    .invite_user_by_email(&email, data.as_ref(), redirect_to.as_deref())
                    .await?,
            ),
            password: None,
        },
    })
}

/// Runs file work on a blocking thread.
async fn blocking(
    f: Box<dyn FnOnce() -> Result<TaskReply, TaskError> + Send>,
) -> Result<TaskReply, TaskError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| TaskError::Refused(format!("the task stopped: {e}")))?
}

/// What is asked of the session store, on a blocking thread (a keyring may block).
type KeyringWork = Box<
    dyn FnOnce(
            &dyn crate::ops::session_store::SessionStore,
        ) -> Result<TaskReply, crate::ops::session_store::StoreError>
        + Send,
>;

/// Local work, off the UI thread: files are read and written on a blocking thread.
async fn run_task(
    client: &GoTrueClient,
    store: Option<SharedStore>,
    task: Task,
) -> Result<TaskReply, TaskError> {
    use crate::ops::session_store::StoreError;
    let keyring = |f: KeyringWork| async move {
        let Some(store) = store else {
            return Err(TaskError::Keyring(StoreError::Unavailable(
                "this console has none".into(),
            )));
        };
        blocking(Box::new(move || {
            f(store.as_ref()).map_err(TaskError::Keyring)
        }))
        .await
    };
    match task {
        Task::KeepSession { profile, session } => {
            keyring(Box::new(move |s| {
                s.save(&profile, &session).map(|()| TaskReply::Done)
            }))
            .await
        }
        Task::LoadKeptSession { profile } => {
            keyring(Box::new(move |s| {
                s.load(&profile)
                    .map(|kept| TaskReply::KeptSession(kept.map(Box::new)))
            }))
            .await
        }
        Task::ForgetSession { profile } => {
            keyring(Box::new(move |s| {
                s.clear(&profile).map(|()| TaskReply::Done)
            }))
            .await
        }
        Task::SaveBulkRun { path, json } => {
            blocking(Box::new(move || {
                crate::ops::bulk_users::save_run(&path, &json)
                    .map(|()| TaskReply::Done)
                    .map_err(|e| {
                        TaskError::file(&path, format!("cannot write {}: {e}", path.display()))
                    })
            }))
            .await
        }
        Task::LoadBulkRun { path, now } => {
            blocking(Box::new(move || {
                crate::ops::bulk_users::load_run(&path, now)
                    .map(|run| TaskReply::BulkRun(run.map(Box::new)))
                    .map_err(|e| TaskError::file(&path, format!("{}: {e}", path.display())))
            }))
            .await
        }
        Task::RemoveBulkRun(path) => {
            blocking(Box::new(move || {
                crate::ops::bulk_users::remove_run(&path)
                    .map(|()| TaskReply::Done)
                    .map_err(|e| {
                        TaskError::file(&path, format!("cannot remove {}: {e}", path.display()))
                    })
            }))
            .await
        }
        Task::ReadJournal { path, last } => {
            blocking(Box::new(move || {
                crate::ops::journal::read_last(&path, last)
                    .map(TaskReply::Journal)
                    .map_err(|e| {
                        TaskError::file(&path, format!("cannot read {}: {e}", path.display()))
                    })
            }))
            .await
        }
        Task::ReadInvites(path) => {
            blocking(Box::new(move || {
                let file = std::fs::File::open(&path).map_err(|e| {
                    TaskError::file(&path, format!("cannot read {}: {e}", path.display()))
                })?;
                crate::ops::bulk::InviteBatch::from_csv(std::io::BufReader::new(file))
                    .map(|b| TaskReply::InvitesRead(Box::new(b)))
                    .map_err(|e| TaskError::file(&path, format!("{}: {e}", path.display())))
            }))
            .await
        }
        Task::WriteInviteResults { path, batch } => {
            let count = batch.rows.len() as u64;
            write_results(path, count, move |f| {
                batch.results_csv(f).map_err(|e| e.to_string())
            })
            .await
        }
        Task::WriteBulkResults { path, run } => {
            let count = run.rows.len() as u64;
            write_results(path, count, move |f| {
                run.results_csv(f).map_err(|e| e.to_string())
            })
            .await
        }
        Task::Export {
            path,
            format,
            filter,
            ids,
        } => {
            let opts = crate::ops::export::ExportOptions {
                format,
                filter,
                ..crate::ops::export::ExportOptions::default()
            };
            let keep = ids.map(|v| v.into_iter().collect());
            let how = crate::ops::export::ToFile {
                keep,
                ..Default::default()
            };
            match crate::ops::export::export_to_file(client, opts, &path, how, |_, _| {}).await {
                Ok(done) => Ok(TaskReply::Written {
                    count: done.written,
                    path,
                }),
                Err(crate::ops::export::ExportError::GoTrue(e)) => Err(TaskError::GoTrue(e)),
                Err(e) => Err(TaskError::file(&path, e)),
            }
        }
        // The driver runs the editor, which needs the terminal.
        Task::EditText { .. } => Err(TaskError::Refused(
            "An external editor is only available in a local terminal".into(),
        )),
    }
}

/// Input the call cannot use (a pasted token that is not one), said like GoTrue's errors.
fn local_error(message: String) -> GoTrueError {
    GoTrueError::local(crate::gotrue::ErrorKind::Validation, None, message)
}

/// A 20-character password of lower- and upper-case letters, digits and symbols, at least one
/// of each, so that it meets the strictest rule GoTrue's `GOTRUE_PASSWORD_REQUIRED_CHARACTERS`
/// can set (its `/settings` does not say which rule is in force). About 128 bits.
pub fn strong_password() -> Secret {
    use rand::Rng;
    /// Symbols from GoTrue's own list, leaving out quotes, backslash and backtick, which are
    /// awkward to hand over in a chat or a shell.
    const SYMBOLS: &[u8] = b"!@#$%^&*()_+-=[]{};:,.<>/?|~";
    const CLASSES: [&[u8]; 4] = [
        b"abcdefghijklmnopqrstuvwxyz",
        b"ABCDEFGHIJKLMNOPQRSTUVWXYZ",
        b"0123456789",
        SYMBOLS,
    ];
    let all: Vec<u8> = CLASSES.concat();
    let mut rng = rand::rng();
    loop {
        let p: String = (0..20)
            .map(|_| char::from(all[rng.random_range(0..all.len())]))
            .collect();
        if CLASSES
            .iter()
            .all(|class| p.bytes().any(|b| class.contains(&b)))
        {
            return Secret::new(p);
        }
    }
}

#[cfg(test)]
mod password_tests {
    use super::strong_password;

    #[test]
    fn generated_passwords_meet_the_strictest_rule() {
        for _ in 0..200 {
            let p = strong_password();
            let p = p.expose();
            assert_eq!(p.chars().count(), 20);
            assert!(p.chars().any(|c| c.is_ascii_lowercase()), "{p}");
            assert!(p.chars().any(|c| c.is_ascii_uppercase()), "{p}");
            assert!(p.chars().any(|c| c.is_ascii_digit()), "{p}");
            assert!(p.chars().any(|c| c.is_ascii_punctuation()), "{p}");
            assert!(
                !p.contains(['"', '\'', '\\', '`', ' ']),
                "nothing awkward to hand over: {p}"
            );
        }
    }
}
