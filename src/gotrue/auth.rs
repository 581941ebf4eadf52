//! User flows: everything GoTrue's JS `GoTrueApi` class does.

use crate::gotrue::BaseUrl;
use crate::gotrue::client::{Auth, GoTrueClient, parse_json};
use crate::gotrue::error::{ErrorKind, GoTrueError};
use crate::gotrue::jwt::{Claims, decode_unverified};
use crate::gotrue::models::{Health, Session, Settings, TotpEnrollment, User};
use crate::gotrue::secret::Secret;
use crate::gotrue::token_input::parse_token_input;
use crate::gotrue::types::{
    Credential, ProviderUrl, ResendType, SignOutScope, UserUpdate, Verification,
};
use chrono::Utc;
use reqwest::Method;
use serde_json::{Map, Value, json};

/// What `POST /signup` gave back.
#[derive(Clone, Debug, PartialEq)]
pub enum SignUpOutcome {
    /// Auto-confirmed: signed in.
    Session(Box<Session>),
    /// A confirmation was sent (or, for an already registered address, GoTrue's look-alike
    /// user that hides whether the address exists).
    ConfirmationSent(Box<User>),
}

/// What `POST /verify` gave back.
#[derive(Clone, Debug, PartialEq)]
pub enum VerifyOutcome {
    Session(Box<Session>),
    /// Half of a double email change confirmed; the other address still has to confirm.
    Accepted {
        message: String,
    },
}

/// The user behind a pasted token or cookie.
#[derive(Clone, Debug, PartialEq)]
pub struct TokenLookup {
    pub user: User,
    /// Claims of the access token that was pasted (unverified), when there was one.
    pub claims: Option<Claims>,
    /// Set when the access token had expired or was refused and the refresh token was used:
    /// the new session (the pasted refresh token is spent now).
    pub refreshed: Option<Box<Session>>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct SignUp {
    pub credential: Credential,
    pub password: Secret,
    pub data: Option<Map<String, Value>>,
    pub redirect_to: Option<String>,
}

fn redirect_query(redirect_to: Option<&str>) -> Vec<(&'static str, String)> {
    redirect_to
        .filter(|r| !r.is_empty())
        .map(|r| vec![("redirect_to", r.to_owned())])
        .unwrap_or_default()
}

fn session_from(value: Value, status: u16) -> Result<Session, GoTrueError> {
    serde_json::from_value::<Session>(value)
        .map(|s| s.with_expiry_from(Utc::now()))
        .map_err(|e| GoTrueError::decode(Some(status), format!("expected a session: {e}"), b""))
}

/// The URL that starts a provider sign-in on the server at `base`: GoTrue's
/// `/authorize?provider=…&redirect_to=…&scopes=…` plus any extra parameters.
pub fn provider_url(base: &crate::gotrue::BaseUrl, req: &ProviderUrl) -> String {
    let mut url = base.url().clone();
    let path = format!("{}/authorize", url.path().trim_end_matches('/'));
    url.set_path(&path);
    {
        let mut q = url.query_pairs_mut();
        q.append_pair("provider", &req.provider);
        if let Some(r) = req.redirect_to.as_deref().filter(|r| !r.is_empty()) {
            q.append_pair("redirect_to", r);
        }
        if let Some(s) = req.scopes.as_deref().filter(|s| !s.is_empty()) {
            q.append_pair("scopes", s);
        }
        for (k, v) in &req.query_params {
            q.append_pair(k, v);
        }
    }
    url.to_string()
}

impl GoTrueClient {
    /// `GET /health`.
    pub async fn health(&self) -> Result<Health, GoTrueError> {
        self.json(Method::GET, "/health", &[], Auth::Public, None::<&()>)
            .await
    }

    /// Where GoTrue answers at this URL. `/health` first; when that is not GoTrue's and the
    /// URL has no path (a Supabase API URL, a local stack at `:54321`, a custom domain), then
    /// `/auth/v1/health`: if GoTrue answers there, its health and that URL. Otherwise the
    /// first answer, as [`Self::health`] gave it.
    pub async fn locate(&self) -> Result<(Health, Option<BaseUrl>), GoTrueError> {
        let is_gotrue = |h: &Health| h.name == "GoTrue" || !h.version.is_empty();
        let first = self.health().await;
        if matches!(&first, Ok(h) if is_gotrue(h)) || !self.base_url().is_bare() {
            return first.map(|h| (h, None));
        }
        let moved = self.base_url().under_auth_v1();
        if let Ok(probe) = self.with_base_url(moved.clone())
            && let Ok(h) = probe.health().await
            && is_gotrue(&h)
        {
            return Ok((h, Some(moved)));
        }
        first.map(|h| (h, None))
    }

    /// `GET /.well-known/jwks.json`: the public keys access tokens are signed with (none
    /// when the server signs with its HS256 secret alone).
    pub async fn jwks(&self) -> Result<jsonwebtoken::jwk::JwkSet, GoTrueError> {
        self.json(
            Method::GET,
            "/.well-known/jwks.json",
            &[],
            Auth::Public,
            None::<&()>,
        )
        .await
    }

    /// The server's clock, from the `Date` header of `/health`.
    pub async fn server_time(&self) -> Result<Option<chrono::DateTime<chrono::Utc>>, GoTrueError> {
        let answer = self
            .send(Method::GET, "/health", &[], Auth::Public, None::<&()>)
            .await?;
        Ok(answer
            .headers
            .get(reqwest::header::DATE)
            .and_then(|v| v.to_str().ok())
            .and_then(|d| chrono::DateTime::parse_from_rfc2822(d).ok())
            .map(|d| d.with_timezone(&chrono::Utc)))
    }

    /// `GET /settings`: enabled providers and sign-up rules.
    pub async fn settings(&self) -> Result<Settings, GoTrueError> {
        self.json(Method::GET, "/settings", &[], Auth::Public, None::<&()>)
            .await
    }

    /// `POST /signup` with an email or phone and a password.
    pub async fn sign_up(&self, req: &SignUp) -> Result<SignUpOutcome, GoTrueError> {
        let mut body = Map::new();
        req.credential.insert_into(&mut body);
        body.insert(
            "password".into(),
            Value::String(req.password.expose().to_owned()),
        );
        if let Some(data) = &req.data {
            body.insert("data".into(), Value::Object(data.clone()));
        }
        let query = redirect_query(req.redirect_to.as_deref());
        let answer = self
            .send(Method::POST, "/signup", &query, Auth::Public, Some(&body))
            .await?;
        let value: Value = parse_json(&answer)?;
        if value.get("access_token").is_some() {
            Ok(SignUpOutcome::Session(Box::new(session_from(
                value,
                answer.status,
            )?)))
        } else {
            let user = serde_json::from_value(value).map_err(|e| {
                GoTrueError::decode(Some(answer.status), format!("expected a user: {e}"), b"")
            })?;
            Ok(SignUpOutcome::ConfirmationSent(Box::new(user)))
        }
    }

    /// `POST /token?grant_type=password`.
    pub async fn sign_in_with_password(
        &self,
        credential: &Credential,
        password: &Secret,
    ) -> Result<Session, GoTrueError> {
        let mut body = Map::new();
        credential.insert_into(&mut body);
        body.insert(
            "password".into(),
            Value::String(password.expose().to_owned()),
        );
        let answer = self
            .send(
                Method::POST,
                "/token",
                &[("grant_type", "password".into())],
                Auth::Public,
                Some(&body),
            )
            .await?;
        session_from(parse_json(&answer)?, answer.status)
    }

    /// `POST /token?grant_type=refresh_token`. The refresh token is spent: keep the new one.
    pub async fn refresh_session(&self, refresh_token: &Secret) -> Result<Session, GoTrueError> {
        let body = json!({ "refresh_token": refresh_token.expose() });
        let answer = self
            .send(
                Method::POST,
                "/token",
                &[("grant_type", "refresh_token".into())],
                Auth::Public,
                Some(&body),
            )
            .await?;
        session_from(parse_json(&answer)?, answer.status)
    }

    /// `POST /magiclink`: mails a sign-in link (and creates the user if missing).
    pub async fn send_magic_link(
        &self,
        email: &str,
        redirect_to: Option<&str>,
    ) -> Result<(), GoTrueError> {
        let body = json!({ "email": email });
        let query = redirect_query(redirect_to);
        self.send(
            Method::POST,
            "/magiclink",
            &query,
            Auth::Public,
            Some(&body),
        )
        .await
        .map(drop)
    }

    /// `POST /otp`: a one-time code by email or SMS. Returns the SMS provider's message id
    /// when there is one.
    pub async fn send_otp(
        &self,
        target: &Credential,
        create_user: bool,
        data: Option<&Map<String, Value>>,
        redirect_to: Option<&str>,
    ) -> Result<Option<String>, GoTrueError> {
        let mut body = Map::new();
        target.insert_into(&mut body);
        body.insert("create_user".into(), Value::Bool(create_user));
        if let Some(data) = data {
            body.insert("data".into(), Value::Object(data.clone()));
        }
        let query = redirect_query(redirect_to);
        let answer = self
            .send(Method::POST, "/otp", &query, Auth::Public, Some(&body))
            .await?;
        let value: Value = parse_json(&answer).unwrap_or(Value::Null);
        Ok(value
            .get("message_id")
            .and_then(Value::as_str)
            .map(str::to_owned))
    }

    /// `POST /verify` with a code or a token hash.
    pub async fn verify_otp(
        &self,
        verification: &Verification,
    ) -> Result<VerifyOutcome, GoTrueError> {
        let mut body = Map::new();
        match verification {
            Verification::Token {
                target,
                token,
                otp_type,
            } => {
                target.insert_into(&mut body);
                body.insert(
                    "token".into(),
                    Value::String(token.expose().trim().to_owned()),
                );
                body.insert("type".into(), Value::String(otp_type.as_str().into()));
            }
            Verification::TokenHash {
                token_hash,
                otp_type,
            } => {
                body.insert(
                    "token_hash".into(),
                    Value::String(token_hash.expose().to_owned()),
                );
                body.insert("type".into(), Value::String(otp_type.as_str().into()));
            }
        }
        let answer = self
            .send(Method::POST, "/verify", &[], Auth::Public, Some(&body))
            .await?;
        let value: Value = parse_json(&answer)?;
        if value.get("access_token").is_some() {
            return Ok(VerifyOutcome::Session(Box::new(session_from(
                value,
                answer.status,
            )?)));
        }
        let message = ["msg", "message"]
            .iter()
            .find_map(|k| value.get(*k).and_then(Value::as_str))
            .unwrap_or("accepted")
            .to_owned();
        Ok(VerifyOutcome::Accepted { message })
    }

    /// `POST /resend`: sends the signup confirmation, email change or SMS code again.
    pub async fn resend(
        &self,
        resend_type: ResendType,
        target: &Credential,
        redirect_to: Option<&str>,
    ) -> Result<(), GoTrueError> {
        let mut body = Map::new();
        body.insert("type".into(), Value::String(resend_type.as_str().into()));
        target.insert_into(&mut body);
        if let Some(r) = redirect_to {
            body.insert("options".into(), json!({ "email_redirect_to": r }));
        }
        let query = redirect_query(redirect_to);
        self.send(Method::POST, "/resend", &query, Auth::Public, Some(&body))
            .await
            .map(drop)
    }

    /// `POST /recover`: mails a password recovery link. Answers the same for unknown emails.
    pub async fn reset_password_for_email(
        &self,
        email: &str,
        redirect_to: Option<&str>,
    ) -> Result<(), GoTrueError> {
        let body = json!({ "email": email });
        let query = redirect_query(redirect_to);
        self.send(Method::POST, "/recover", &query, Auth::Public, Some(&body))
            .await
            .map(drop)
    }

    /// `GET /user` with the user's access token.
    pub async fn get_user(&self, access_token: &Secret) -> Result<User, GoTrueError> {
        self.json(
            Method::GET,
            "/user",
            &[],
            Auth::User(access_token),
            None::<&()>,
        )
        .await
    }

    /// `PUT /user`: the signed-in user changes their email, phone, password or data.
    pub async fn update_user(
        &self,
        access_token: &Secret,
        update: &UserUpdate,
    ) -> Result<User, GoTrueError> {
        self.json(
            Method::PUT,
            "/user",
            &[],
            Auth::User(access_token),
            Some(update),
        )
        .await
    }

    /// `POST /logout?scope=…`: ends this session (`local`), every session (`global`), or
    /// every other one (`others`).
    pub async fn sign_out(
        &self,
        access_token: &Secret,
        scope: SignOutScope,
    ) -> Result<(), GoTrueError> {
        self.send(
            Method::POST,
            "/logout",
            &[("scope", scope.as_str().into())],
            Auth::User(access_token),
            None::<&()>,
        )
        .await
        .map(drop)
    }

    /// `POST /factors`: the signed-in user enrols a TOTP factor (left unverified).
    pub async fn enroll_totp(
        &self,
        access_token: &Secret,
        friendly_name: &str,
    ) -> Result<TotpEnrollment, GoTrueError> {
        let body = json!({ "factor_type": "totp", "friendly_name": friendly_name });
        self.json(
            Method::POST,
            "/factors",
            &[],
            Auth::User(access_token),
            Some(&body),
        )
        .await
    }

    /// The URL that starts a provider sign-in (`/authorize?provider=…`). Makes no request.
    pub fn provider_url(&self, req: &ProviderUrl) -> String {
        provider_url(self.base_url(), req)
    }

    /// Finds the user behind whatever was pasted: a JWT, a `Cookie:` header, or a supabase-js
    /// auth cookie. An expired (or refused) access token is refreshed when a refresh token
    /// came with it, as gotrue-js's `getUserByCookie` does.
    pub async fn user_from_token_input(&self, input: &str) -> Result<TokenLookup, GoTrueError> {
        let tokens = parse_token_input(input)
            .map_err(|e| GoTrueError::local(ErrorKind::Validation, None, e.to_string()))?;
        let claims = tokens
            .access_token
            .as_ref()
            .and_then(|t| decode_unverified(t.expose()).ok())
            .map(|d| d.claims);
        let expired = claims
            .as_ref()
            .is_some_and(|c| c.is_expired_at(Utc::now().timestamp()));

        if let Some(access) = tokens.access_token.as_ref().filter(|_| !expired) {
            match self.get_user(access).await {
                Ok(user) => {
                    return Ok(TokenLookup {
                        user,
                        claims,
                        refreshed: None,
                    });
                }
                Err(e) if e.kind == ErrorKind::Auth && tokens.refresh_token.is_some() => {}
                Err(e) => return Err(e),
            }
        }
        let Some(refresh) = tokens.refresh_token.as_ref() else {
            return Err(GoTrueError::local(
                ErrorKind::Auth,
                Some("session_expired"),
                "the access token has expired and no refresh token came with it",
            ));
        };
        let session = self.refresh_session(refresh).await?;
        let user = match session.user.clone() {
            Some(user) => user,
            None => self.get_user(&session.access_token).await?,
        };
        Ok(TokenLookup {
            user,
            claims,
            refreshed: Some(Box::new(session)),
        })
    }
}
