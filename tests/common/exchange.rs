//! Recorded exchanges with a GoTrue server, shared by the recorder (`tests/record.rs`, run by
//! hand against a real GoTrue) and the replay (`tests/replay.rs`, part of `cargo test`).
//!
//! A recording is a list of exchanges: the request as a template (`${name}` stands for a
//! value an earlier answer gave, `${url}` for the server), what to capture from the answer,
//! and the answer itself with its volatile values (ids, times, tokens, hashes) replaced by
//! typed placeholders. The replay sends the same requests, in order, to a fresh demo server,
//! captures the same values, and compares what comes back field by field.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::fmt;

/// The headers an exchange keeps, lower-cased.
pub const KEPT_HEADERS: &[&str] = &[
    "content-type",
    "x-total-count",
    "link",
    "x-sb-error-code",
    "cache-control",
];

/// The API version header that selects GoTrue's modern error shape.
pub const API_VERSION: &str = "2024-01-01";

/// Who a request speaks as.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Auth {
    /// No `Authorization` header.
    #[default]
    None,
    /// `Bearer` the anon key.
    Anon,
    /// `Bearer` the service-role key.
    Service,
    /// `Bearer` this template (a captured user token, or a malformed one).
    Bearer(String),
}

/// The body of a request.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Body {
    /// JSON, its strings templates.
    Json(Value),
    /// Bytes sent as they are (a template): bad JSON, an empty body.
    Raw(String),
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Request {
    pub method: String,
    /// The path and query, a template.
    pub path: String,
    #[serde(default)]
    pub auth: Auth,
    /// Whether `X-Supabase-Api-Version: 2024-01-01` is sent.
    pub api_version: bool,
    /// The `Content-Type`; `None` sends none. JSON bodies default to `application/json`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<Body>,
}

/// What came back, normalised.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Response {
    pub status: u16,
    /// [`KEPT_HEADERS`] that were present, with the server's URL as `${url}`.
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// `json`, `text` or `empty`.
    pub kind: BodyKind,
    /// The JSON body with placeholders, the text, or null.
    #[serde(default)]
    pub body: Value,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BodyKind {
    Json,
    Text,
    Empty,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Exchange {
    /// Unique within its recording.
    pub name: String,
    pub request: Request,
    /// Variables to take from the answer: name → JSON pointer into the body.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub capture: BTreeMap<String, String>,
    pub response: Response,
}

/// One file of `tests/fixtures/gotrue/<version>/`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Recording {
    /// What the script covers.
    pub script: String,
    /// GoTrue's `/health` version line, as the server said it.
    pub gotrue: String,
    pub exchanges: Vec<Exchange>,
}

/// A step of a script: an exchange before it has an answer.
#[derive(Clone, Debug)]
pub struct Step {
    pub name: String,
    pub request: Request,
    pub capture: BTreeMap<String, String>,
}

// ---- sending ----------------------------------------------------------------------------

/// A raw answer.
pub struct Answer {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub bytes: Vec<u8>,
}

/// Sends requests to one server, keeping the captured variables.
pub struct Runner {
    http: reqwest::Client,
    pub url: String,
    anon: String,
    service: String,
    pub vars: BTreeMap<String, String>,
}

impl Runner {
    pub fn new(url: &str, anon: &str, service: &str) -> Runner {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(std::time::Duration::from_secs(30))
            .build()
            .expect("an HTTP client");
        let mut vars = BTreeMap::new();
        vars.insert("url".to_owned(), url.trim_end_matches('/').to_owned());
        Runner {
            http,
            url: url.trim_end_matches('/').to_owned(),
            anon: anon.to_owned(),
            service: service.to_owned(),
            vars,
        }
    }

    /// `${name}` replaced by its value. An unknown name is an error, naming it.
    pub fn fill(&self, template: &str) -> Result<String, String> {
        let mut out = String::with_capacity(template.len());
        let mut rest = template;
        while let Some(start) = rest.find("${") {
            out.push_str(&rest[..start]);
            let after = &rest[start + 2..];
            let end = after
                .find('}')
                .ok_or_else(|| format!("unclosed ${{ in {template:?}"))?;
            let name = &after[..end];
            let value = self
                .vars
                .get(name)
                .ok_or_else(|| format!("no value captured for ${{{name}}}"))?;
            out.push_str(value);
            rest = &after[end + 1..];
        }
        out.push_str(rest);
        Ok(out)
    }

    fn fill_json(&self, v: &Value) -> Result<Value, String> {
        Ok(match v {
            Value::String(s) => Value::String(self.fill(s)?),
            Value::Array(a) => Value::Array(
                a.iter()
                    .map(|x| self.fill_json(x))
                    .collect::<Result<_, _>>()?,
            ),
            Value::Object(m) => {
                let mut out = Map::new();
                for (k, x) in m {
                    out.insert(k.clone(), self.fill_json(x)?);
                }
                Value::Object(out)
            }
            other => other.clone(),
        })
    }

    pub async fn send(&self, req: &Request) -> Result<Answer, String> {
        let url = format!("{}{}", self.url, self.fill(&req.path)?);
        let method = reqwest::Method::from_bytes(req.method.as_bytes())
            .map_err(|e| format!("method {}: {e}", req.method))?;
        let mut b = self.http.request(method, url);
        match &req.auth {
            Auth::None => {}
            Auth::Anon => b = b.header("Authorization", format!("Bearer {}", self.anon)),
            Auth::Service => b = b.header("Authorization", format!("Bearer {}", self.service)),
            Auth::Bearer(t) => b = b.header("Authorization", format!("Bearer {}", self.fill(t)?)),
        }
        b = b.header("apikey", &self.anon);
        if req.api_version {
            b = b.header("X-Supabase-Api-Version", API_VERSION);
        }
        let content_type = match (&req.content_type, &req.body) {
            (Some(ct), _) => Some(ct.clone()),
            (None, Some(Body::Json(_))) => Some("application/json".to_owned()),
            (None, _) => None,
        };
        if let Some(ct) = content_type.filter(|c| !c.is_empty()) {
            b = b.header("Content-Type", ct);
        }
        match &req.body {
            Some(Body::Json(v)) => {
                let filled = self.fill_json(v)?;
                b = b.body(serde_json::to_vec(&filled).map_err(|e| e.to_string())?);
            }
            Some(Body::Raw(s)) => b = b.body(self.fill(s)?),
            None => {}
        }
        let r = b.send().await.map_err(|e| format!("no answer: {e}"))?;
        let status = r.status().as_u16();
        let headers = r.headers().clone();
        let bytes = r.bytes().await.map_err(|e| format!("body: {e}"))?.to_vec();
        Ok(Answer {
            status,
            headers,
            bytes,
        })
    }

    /// Takes the step's variables from the answer. A missing one is an error.
    pub fn capture(
        &mut self,
        capture: &BTreeMap<String, String>,
        answer: &Answer,
    ) -> Result<(), String> {
        if capture.is_empty() {
            return Ok(());
        }
        let body: Value = serde_json::from_slice(&answer.bytes)
            .map_err(|e| format!("cannot capture from a body that is not JSON: {e}"))?;
        for (name, pointer) in capture {
            let v = body
                .pointer(pointer)
                .ok_or_else(|| format!("nothing at {pointer} to capture as ${{{name}}}"))?;
            let s = match v {
                Value::String(s) => s.clone(),
                Value::Null => {
                    return Err(format!("{pointer} is null, cannot capture ${{{name}}}"));
                }
                other => other.to_string(),
            };
            self.vars.insert(name.clone(), s);
        }
        Ok(())
    }

    /// The answer as a recording keeps it.
    pub fn normalize(&self, answer: &Answer) -> Response {
        let mut headers = BTreeMap::new();
        for h in KEPT_HEADERS {
            if let Some(v) = answer.headers.get(*h) {
                let v = String::from_utf8_lossy(v.as_bytes()).into_owned();
                headers.insert((*h).to_owned(), uncursor(&self.unurl(&v)));
            }
        }
        let text = String::from_utf8_lossy(&answer.bytes);
        let (kind, body) = if answer.bytes.iter().all(u8::is_ascii_whitespace) {
            (BodyKind::Empty, Value::Null)
        } else {
            match serde_json::from_slice::<Value>(&answer.bytes) {
                Ok(v) => (BodyKind::Json, self.placeholders(None, &v)),
                Err(_) => (BodyKind::Text, Value::String(self.untext(text.trim()))),
            }
        };
        Response {
            status: answer.status,
            headers,
            kind,
            body,
        }
    }

    fn unurl(&self, s: &str) -> String {
        s.replace(&self.url, "${url}")
    }

    /// A text body (an HTML redirect) with the server's URL, plain or query-escaped, and
    /// every UUID (an OAuth state) replaced.
    fn untext(&self, s: &str) -> String {
        let escaped = url::form_urlencoded::byte_serialize(self.url.as_bytes()).collect::<String>();
        let s = self.unurl(s).replace(&escaped, "${url}");
        let mut out = String::with_capacity(s.len());
        let mut rest = s.as_str();
        while !rest.is_empty() {
            let candidate = rest.get(..36).filter(|c| is_uuid(c));
            match candidate {
                Some(_) => {
                    out.push_str("<uuid>");
                    rest = &rest[36..];
                }
                None => {
                    let c = rest.chars().next().unwrap_or_default();
                    out.push(c);
                    rest = &rest[c.len_utf8()..];
                }
            }
        }
        out
    }

    fn placeholders(&self, key: Option<&str>, v: &Value) -> Value {
        match v {
            Value::Object(m) => {
                let mut out: Map<String, Value> = m
                    .iter()
                    .map(|(k, x)| (k.clone(), self.placeholders(Some(k), x)))
                    .collect();
                if m.get("deleted_at").is_some_and(Value::is_string) {
                    obfuscated(&mut out);
                }
                Value::Object(out)
            }
            Value::Array(a) => Value::Array(a.iter().map(|x| self.placeholders(key, x)).collect()),
            Value::Number(_) if matches!(key, Some("expires_at")) => Value::String("<unix>".into()),
            Value::String(s) => Value::String(match placeholder_for(key, s) {
                Some(p) => p.to_owned(),
                None => self.unurl_link(s),
            }),
            other => other.clone(),
        }
    }

    /// A URL of the server with its one-time values replaced.
    fn unurl_link(&self, s: &str) -> String {
        let s = self.unurl(s);
        if !s.contains('?') {
            return s;
        }
        let Some((head, query)) = s.split_once('?') else {
            return s;
        };
        let pairs: Vec<String> = query
            .split('&')
            .map(|pair| match pair.split_once('=') {
                Some((k, _)) if matches!(k, "token" | "token_hash" | "code" | "state") => {
                    format!("{k}=<token>")
                }
                _ => pair.to_owned(),
            })
            .collect();
        format!("{head}?{}", pairs.join("&"))
    }
}

/// A soft-deleted user's addresses and identity subjects are hashes of random bytes.
fn obfuscated(user: &mut Map<String, Value>) {
    for k in ["email", "phone", "new_email", "new_phone"] {
        if let Some(v) = user
            .get_mut(k)
            .filter(|v| v.as_str().is_some_and(|s| !s.is_empty()))
        {
            *v = Value::String("<obfuscated>".into());
        }
    }
    if let Some(Value::Array(ids)) = user.get_mut("identities") {
        for identity in ids.iter_mut().filter_map(Value::as_object_mut) {
            for k in ["id", "email"] {
                if let Some(v) = identity
                    .get_mut(k)
                    .filter(|v| v.as_str().is_some_and(|s| !s.is_empty() && s != "<uuid>"))
                {
                    *v = Value::String("<obfuscated>".into());
                }
            }
        }
    }
}

/// The placeholder that stands for a volatile string, by its key or its form.
pub fn placeholder_for(key: Option<&str>, s: &str) -> Option<&'static str> {
    match key {
        Some("refresh_token") if !s.is_empty() => return Some("<refresh_token>"),
        Some("hashed_token" | "token_hash") if !s.is_empty() => return Some("<hash>"),
        Some("email_otp") if !s.is_empty() => return Some("<otp>"),
        Some("message_id") if !s.is_empty() => return Some("<message_id>"),
        Some("secret") if !s.is_empty() => return Some("<totp_secret>"),
        Some("qr_code") if !s.is_empty() => return Some("<qr_code>"),
        Some("uri") if s.starts_with("otpauth:") => return Some("<otpauth_uri>"),
        Some("error_id") if !s.is_empty() => return Some("<error_id>"),
        Some("client_secret") if !s.is_empty() => return Some("<client_secret>"),
        Some("ip_address") if !s.is_empty() => return Some("<ip>"),
        Some("kid") if !s.is_empty() => return Some("<kid>"),
        Some("next_cursor") if is_cursor(s) => return Some("<cursor>"),
        Some("x" | "y") if s.len() == 43 => return Some("<ec_coordinate>"),
        _ => {}
    }
    if is_uuid(s) {
        Some("<uuid>")
    } else if is_jwt(s) {
        // The algorithm is kept: whether tokens are HS256 or ES256 is part of the answer.
        match jsonwebtoken::decode_header(s).map(|h| h.alg) {
            Ok(jsonwebtoken::Algorithm::HS256) => Some("<jwt:HS256>"),
            Ok(jsonwebtoken::Algorithm::ES256) => Some("<jwt:ES256>"),
            Ok(jsonwebtoken::Algorithm::RS256) => Some("<jwt:RS256>"),
            _ => Some("<jwt>"),
        }
    } else if is_time(s) {
        Some("<time>")
    } else {
        None
    }
}

/// A keyset cursor as GoTrue writes it: unpadded base64url of `{"created_at": <time>,
/// "id": <uuid>}`, nothing more.
fn is_cursor(s: &str) -> bool {
    use base64::Engine;
    let Ok(bytes) = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(s) else {
        return false;
    };
    let Ok(Value::Object(m)) = serde_json::from_slice::<Value>(&bytes) else {
        return false;
    };
    m.len() == 2
        && m.get("created_at")
            .and_then(Value::as_str)
            .is_some_and(is_time)
        && m.get("id").and_then(Value::as_str).is_some_and(is_uuid)
}

/// `…cursor=<token>…` in a `Link` header, for a cursor of GoTrue's form.
fn uncursor(link: &str) -> String {
    let mut out = String::new();
    let mut rest = link;
    while let Some(at) = rest.find("cursor=") {
        let (head, tail) = rest.split_at(at + "cursor=".len());
        out.push_str(head);
        let end = tail
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
            .unwrap_or(tail.len());
        let token = &tail[..end];
        out.push_str(if is_cursor(token) { "<cursor>" } else { token });
        rest = &tail[end..];
    }
    out.push_str(rest);
    out
}

fn is_uuid(s: &str) -> bool {
    s.len() == 36 && uuid::Uuid::parse_str(s).is_ok()
}

fn is_jwt(s: &str) -> bool {
    let parts: Vec<&str> = s.split('.').collect();
    parts.len() == 3
        && s.starts_with("eyJ")
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
}

fn is_time(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 19
        && b[4] == b'-'
        && b[7] == b'-'
        && (b[10] == b'T' || b[10] == b' ')
        && chrono::DateTime::parse_from_rfc3339(&s.replacen(' ', "T", 1)).is_ok()
}

// ---- comparing --------------------------------------------------------------------------

/// One way the replayed answer differs from the recorded one.
#[derive(Clone, Debug, PartialEq)]
pub struct Difference {
    pub exchange: String,
    /// `status`, `header link`, `body /user/identities/0/provider`, `capture ${x}`, …
    pub field: String,
    pub recorded: String,
    pub replayed: String,
}

impl fmt::Display for Difference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} · {}: GoTrue {} / demo {}",
            self.exchange, self.field, self.recorded, self.replayed
        )
    }
}

/// Keys whose values are prose: their presence and type are compared, not their words.
const PROSE: &[&str] = &["msg", "message", "error_description", "detail", "hint"];

/// Every difference between what GoTrue answered and what the replay got.
pub fn compare(name: &str, recorded: &Response, replayed: &Response) -> Vec<Difference> {
    let mut out = Vec::new();
    let mut diff = |field: String, a: String, b: String| {
        out.push(Difference {
            exchange: name.to_owned(),
            field,
            recorded: a,
            replayed: b,
        })
    };
    if recorded.status != replayed.status {
        diff(
            "status".into(),
            recorded.status.to_string(),
            replayed.status.to_string(),
        );
    }
    if error_code(recorded) != error_code(replayed) {
        diff(
            "error code".into(),
            format!("{:?}", error_code(recorded)),
            format!("{:?}", error_code(replayed)),
        );
    }
    for h in KEPT_HEADERS {
        let a = recorded.headers.get(*h);
        let b = replayed.headers.get(*h);
        if a != b {
            diff(format!("header {h}"), show(a), show(b));
        }
    }
    if recorded.status != replayed.status {
        // Another answer altogether: its fields would only repeat that.
        return out;
    }
    if recorded.kind != replayed.kind {
        diff(
            "body kind".into(),
            format!("{:?}", recorded.kind),
            format!("{:?}", replayed.kind),
        );
    } else if recorded.kind == BodyKind::Json {
        let mut body = Vec::new();
        compare_json("", None, &recorded.body, &replayed.body, &mut body);
        for (field, a, b) in body {
            diff(format!("body {field}"), a, b);
        }
    }
    out
}

fn show(v: Option<&String>) -> String {
    v.map_or("(absent)".to_owned(), |s| format!("{s:?}"))
}

/// GoTrue's error code, from either error shape.
pub fn error_code(r: &Response) -> Option<String> {
    if r.status < 400 || r.kind != BodyKind::Json {
        return None;
    }
    let b = &r.body;
    ["error_code", "code", "error"]
        .iter()
        .filter_map(|k| b.get(*k))
        .find_map(|v| v.as_str().map(str::to_owned))
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn short(v: &Value) -> String {
    let s = v.to_string();
    if s.chars().count() > 60 {
        format!("{}…", s.chars().take(60).collect::<String>())
    } else {
        s
    }
}

fn compare_json(
    path: &str,
    key: Option<&str>,
    a: &Value,
    b: &Value,
    out: &mut Vec<(String, String, String)>,
) {
    let here = if path.is_empty() { "/" } else { path };
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for (k, va) in x {
                let p = format!("{path}/{k}");
                match y.get(k) {
                    Some(vb) => compare_json(&p, Some(k), va, vb, out),
                    None => out.push((p, short(va), "(absent)".into())),
                }
            }
            for (k, vb) in y {
                if !x.contains_key(k) {
                    out.push((format!("{path}/{k}"), "(absent)".into(), short(vb)));
                }
            }
        }
        (Value::Array(x), Value::Array(y)) => {
            if x.len() != y.len() {
                out.push((
                    format!("{here} length"),
                    x.len().to_string(),
                    y.len().to_string(),
                ));
            }
            for (i, (va, vb)) in x.iter().zip(y).enumerate() {
                compare_json(&format!("{path}/{i}"), key, va, vb, out);
            }
        }
        _ if type_name(a) != type_name(b) => {
            out.push((
                here.to_owned(),
                format!("{} {}", type_name(a), short(a)),
                format!("{} {}", type_name(b), short(b)),
            ));
        }
        (Value::String(_), Value::String(_)) if key.is_some_and(|k| PROSE.contains(&k)) => {}
        _ if a != b => out.push((here.to_owned(), short(a), short(b))),
        _ => {}
    }
}

// ---- files ------------------------------------------------------------------------------

/// `tests/fixtures/gotrue`.
pub fn fixtures_root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/gotrue")
}

/// Every recording of one version, by script name.
pub fn load_version(version: &str) -> Vec<Recording> {
    let dir = fixtures_root().join(version);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    files
        .iter()
        .map(|p| {
            let text =
                std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
        })
        .collect()
}
