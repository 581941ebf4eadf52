//! The transport: one reqwest client, the headers GoTrue wants, and error decoding.

use crate::gotrue::api_key::ApiKeyKind;
use crate::gotrue::base_url::BaseUrl;
use crate::gotrue::error::{ErrorKind, GoTrueError};
use crate::gotrue::secret::Secret;
use reqwest::Method;
use reqwest::header::{HeaderMap, HeaderValue};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The API version header that selects GoTrue's modern error shape.
pub const API_VERSION: &str = "2024-01-01";

/// How to reach a GoTrue server.
#[derive(Clone, Debug)]
pub struct ClientConfig {
    pub base_url: BaseUrl,
    /// The public key: the publishable key (`sb_publishable_…`) or the legacy anon JWT. It is
    /// the `apikey` of public and user calls (hosted projects need it).
    pub anon_key: Option<Secret>,
    /// The admin key: the secret key (`sb_secret_…`) or the legacy service_role JWT. A JWT is
    /// the bearer of every admin call; a secret key goes in `apikey` only (see [`ApiKeyKind`]).
    pub service_role_key: Option<Secret>,
    pub connect_timeout: Duration,
    pub request_timeout: Duration,
    /// Accept any TLS certificate. Only for a self-signed test server.
    pub insecure_tls: bool,
}

impl ClientConfig {
    pub fn new(base_url: BaseUrl) -> Self {
        Self {
            base_url,
            anon_key: None,
            service_role_key: None,
            connect_timeout: Duration::from_secs(5),
            request_timeout: Duration::from_secs(30),
            insecure_tls: false,
        }
    }

    pub fn anon_key(mut self, key: impl Into<Secret>) -> Self {
        self.anon_key = Some(key.into());
        self
    }

    pub fn service_role_key(mut self, key: impl Into<Secret>) -> Self {
        self.service_role_key = Some(key.into());
        self
    }
}

/// What one request did, for the activity panel and the logs. Holds no secrets: the path has
/// no query string and bodies are never recorded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestLog {
    pub method: String,
    pub path: String,
    /// `None` when no HTTP answer came.
    pub status: Option<u16>,
    pub latency: Duration,
    /// GoTrue's error code, or the error kind for transport failures.
    pub code: Option<String>,
}

pub type RequestObserver = Arc<dyn Fn(&RequestLog) + Send + Sync>;

/// Which credentials a request carries.
#[derive(Clone, Copy)]
pub(crate) enum Auth<'a> {
    /// Public endpoints (`/signup`, `/token`, `/otp`…): the anon key.
    Public,
    /// A user's own access token.
    User(&'a Secret),
    /// The service-role key.
    Admin,
}

/// A raw 2xx answer.
pub(crate) struct Answer {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

/// A GoTrue client. Cheap to clone; clones share the connection pool.
#[derive(Clone)]
pub struct GoTrueClient {
    http: reqwest::Client,
    config: Arc<ClientConfig>,
    observer: Option<RequestObserver>,
    /// Whether each key is also sent as the bearer ([`ApiKeyKind::is_bearer`]); worked out once.
    anon_is_bearer: bool,
    service_is_bearer: bool,
}

impl std::fmt::Debug for GoTrueClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GoTrueClient")
            .field("base_url", &self.config.base_url.as_str())
            .finish_non_exhaustive()
    }
}

impl GoTrueClient {
    pub fn new(config: ClientConfig) -> Result<Self, GoTrueError> {
        let http = reqwest::Client::builder()
            .connect_timeout(config.connect_timeout)
            .timeout(config.request_timeout)
            .user_agent(concat!("gotrue-console/", env!("CARGO_PKG_VERSION")))
            .tls_danger_accept_invalid_certs(config.insecure_tls)
            .build()
            .map_err(|e| GoTrueError::transport(format!("cannot build the HTTP client: {e}")))?;
        let bearer = |k: &Option<Secret>| k.as_ref().is_some_and(|k| ApiKeyKind::of(k).is_bearer());
        Ok(Self {
            http,
            anon_is_bearer: bearer(&config.anon_key),
            service_is_bearer: bearer(&config.service_role_key),
            config: Arc::new(config),
            observer: None,
        })
    }

    /// The same client at another base URL (keys, timeouts and observer kept).
    pub fn with_base_url(&self, base: BaseUrl) -> Result<GoTrueClient, GoTrueError> {
        let mut config = self.config().clone();
        config.base_url = base;
        let mut client = GoTrueClient::new(config)?;
        client.observer = self.observer.clone();
        Ok(client)
    }

    /// Calls `observer` after every request with what it did (never with secrets).
    pub fn with_observer(mut self, observer: RequestObserver) -> Self {
        self.observer = Some(observer);
        self
    }

    pub fn config(&self) -> &ClientConfig {
        &self.config
    }

    pub fn base_url(&self) -> &BaseUrl {
        &self.config.base_url
    }

    pub fn has_service_role_key(&self) -> bool {
        self.config.service_role_key.is_some()
    }

    /// The `apikey` of public and user calls, and whether it is also the bearer.
    fn api_key(&self) -> Option<(&Secret, bool)> {
        match (&self.config.anon_key, &self.config.service_role_key) {
            (Some(k), _) => Some((k, self.anon_is_bearer)),
            (None, Some(k)) => Some((k, self.service_is_bearer)),
            (None, None) => None,
        }
    }

    /// The kind of the admin key, if there is one.
    pub fn admin_key_kind(&self) -> Option<ApiKeyKind> {
        self.config.service_role_key.as_ref().map(ApiKeyKind::of)
    }

    /// Sends a request and returns the 2xx answer, or the decoded error.
    pub(crate) async fn send<B: Serialize + ?Sized>(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        auth: Auth<'_>,
        body: Option<&B>,
    ) -> Result<Answer, GoTrueError> {
        // An sb_ key is never a bearer: Supabase's gateway turns it, in `apikey`, into a JWT of
        // its role when no Authorization header is sent, and GoTrue refuses it as a bearer.
        let (apikey, bearer) = match auth {
            Auth::Public => {
                let key = self.api_key();
                (
                    key.map(|(k, _)| k),
                    key.filter(|(_, bearer)| *bearer).map(|(k, _)| k),
                )
            }
            Auth::User(token) => (self.api_key().map(|(k, _)| k), Some(token)),
            Auth::Admin => {
                let Some(key) = self.config.service_role_key.as_ref() else {
                    return Err(no_service_key());
                };
                (Some(key), self.service_is_bearer.then_some(key))
            }
        };
        let mut req = self
            .http
            .request(method.clone(), self.config.base_url.join(path))
            .header("X-Supabase-Api-Version", API_VERSION)
            .header(reqwest::header::ACCEPT, "application/json");
        if !query.is_empty() {
            req = req.query(query);
        }
        if let Some(key) = apikey {
            req = req.header("apikey", sensitive(key)?);
        }
        if let Some(token) = bearer {
            let value = sensitive(&Secret::new(format!("Bearer {}", token.expose())))?;
            req = req.header(reqwest::header::AUTHORIZATION, value);
        }
        if let Some(body) = body {
            req = req.json(body);
        }

        let started = Instant::now();
        let result = self.exchange(req).await;
        let latency = started.elapsed();
        let log = match &result {
            Ok(answer) => RequestLog {
                method: method.to_string(),
                path: path.to_owned(),
                status: Some(answer.status),
                latency,
                code: None,
            },
            Err(err) => RequestLog {
                method: method.to_string(),
                path: path.to_owned(),
                status: err.status,
                latency,
                code: err
                    .code
                    .clone()
                    .or_else(|| Some(err.kind.label().to_owned())),
            },
        };
        tracing::debug!(
            method = %log.method,
            path = %log.path,
            status = ?log.status,
            latency_ms = latency.as_millis() as u64,
            code = ?log.code,
            "gotrue request"
        );
        if let Some(observer) = &self.observer {
            observer(&log);
        }
        result
    }

    async fn exchange(&self, req: reqwest::RequestBuilder) -> Result<Answer, GoTrueError> {
        let resp = req.send().await.map_err(transport_error)?;
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let body = match resp.bytes().await {
            Ok(b) => b.to_vec(),
            Err(e) if (200..300).contains(&status) => {
                return Err(GoTrueError::cut_off(
                    status,
                    format!("the answer was cut off: {}", describe(&e)),
                ));
            }
            // An error answer whose body broke off still has a status worth reporting.
            Err(_) => Vec::new(),
        };
        if (200..300).contains(&status) {
            Ok(Answer {
                status,
                headers,
                body,
            })
        } else {
            let code = headers.get("x-sb-error-code").and_then(|v| v.to_str().ok());
            Err(GoTrueError::from_response(status, code, &body))
        }
    }

    /// A request whose 2xx answer is JSON of type `T`.
    pub(crate) async fn json<T: DeserializeOwned, B: Serialize + ?Sized>(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        auth: Auth<'_>,
        body: Option<&B>,
    ) -> Result<T, GoTrueError> {
        let answer = self.send(method, path, query, auth, body).await?;
        parse_json(&answer)
    }
}

pub(crate) fn parse_json<T: DeserializeOwned>(answer: &Answer) -> Result<T, GoTrueError> {
    serde_json::from_slice(&answer.body).map_err(|e| {
        GoTrueError::decode(
            Some(answer.status),
            format!("unexpected answer from the server: {e}"),
            &answer.body,
        )
    })
}

/// A header value marked sensitive, so reqwest and hyper never print it.
fn sensitive(secret: &Secret) -> Result<HeaderValue, GoTrueError> {
    let mut v = HeaderValue::from_str(secret.expose()).map_err(|_| {
        GoTrueError::local(
            ErrorKind::Validation,
            None,
            "a key or token contains characters that cannot go in an HTTP header",
        )
    })?;
    v.set_sensitive(true);
    Ok(v)
}

fn no_service_key() -> GoTrueError {
    GoTrueError::local(
        ErrorKind::Auth,
        Some("no_service_role_key"),
        "this needs the service-role key, and none is configured",
    )
}

fn transport_error(e: reqwest::Error) -> GoTrueError {
    GoTrueError::transport(describe(&e))
}

/// A reqwest error as one readable line, with its causes, without the URL's query.
fn describe(e: &reqwest::Error) -> String {
    let what = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "could not connect"
    } else if e.is_body() || e.is_decode() {
        "the answer broke off"
    } else {
        "request failed"
    };
    let mut causes = Vec::new();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        let text = s.to_string();
        if !causes.contains(&text) {
            causes.push(text);
        }
        source = s.source();
    }
    let target = e
        .url()
        .map(|u| {
            let mut u = u.clone();
            u.set_query(None);
            format!(" ({u})")
        })
        .unwrap_or_default();
    if causes.is_empty() {
        format!("{what}{target}")
    } else {
        format!("{what}{target}: {}", causes.join(": "))
    }
}
