//! Shared helpers for the demo server tests (`tests/demo_*.rs` include this
//! file with `#[path]`; on its own it is an empty test crate).
#![allow(dead_code)]

use std::time::Duration;

use gotrue_console::demo::{DemoConfig, DemoServer};
use reqwest::{Client, Method, RequestBuilder, Response, StatusCode};
use serde_json::Value;

pub const MODERN: (&str, &str) = ("X-Supabase-Api-Version", "2024-01-01");

pub struct Demo {
    pub server: DemoServer,
    pub http: Client,
}

pub struct Answer {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
    pub text: String,
}

impl Answer {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn str(&self, pointer: &str) -> &str {
        self.body
            .pointer(pointer)
            .and_then(Value::as_str)
            .unwrap_or("")
    }
}

impl Demo {
    pub async fn start() -> Demo {
        Self::with(DemoConfig::default()).await
    }

    pub async fn with(cfg: DemoConfig) -> Demo {
        let server = DemoServer::start(cfg).await.expect("demo server starts");
        let http = Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(30))
            .build()
            .expect("client");
        Demo { server, http }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.server.url(), path)
    }

    pub fn req(&self, method: Method, path: &str) -> RequestBuilder {
        self.http
            .request(method, self.url(path))
            .header("apikey", self.server.anon_key())
    }

    pub fn admin(&self, method: Method, path: &str) -> RequestBuilder {
        self.req(method, path)
            .bearer_auth(self.server.service_role_key())
    }

    pub async fn send(rb: RequestBuilder) -> Answer {
        let response = rb.send().await.expect("request is answered");
        Self::read(response).await
    }

    pub async fn read(response: Response) -> Answer {
        let status = response.status();
        let headers = response.headers().clone();
        let text = response.text().await.expect("body");
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Answer {
            status,
            headers,
            body,
            text,
        }
    }

    /// Password login; panics unless it succeeds.
    pub async fn login(&self, email: &str, password: &str) -> Value {
        let a = Self::send(
            self.req(Method::POST, "/token?grant_type=password")
                .json(&serde_json::json!({"email": email, "password": password})),
        )
        .await;
        assert_eq!(a.status, StatusCode::OK, "login of {email}: {}", a.text);
        a.body
    }

    /// The admin list page as (emails, total, link header).
    pub async fn list(&self, query: &str) -> Answer {
        Self::send(self.admin(Method::GET, &format!("/admin/users{query}"))).await
    }

    pub async fn user_id(&self, email: &str) -> String {
        let a = self.list(&format!("?filter={}&per_page=1000", email)).await;
        a.body["users"]
            .as_array()
            .and_then(|users| users.iter().find(|u| u["email"] == email))
            .and_then(|u| u["id"].as_str())
            .unwrap_or_default()
            .to_string()
    }
}

/// Parses `Link: <…>; rel="next", <…>; rel="last"` into (rel, page) pairs.
pub fn link_pages(link: &str) -> Vec<(String, u64)> {
    link.split(", <")
        .filter_map(|part| {
            let part = part.trim_start_matches('<');
            let (url, rel) = part.split_once(">; rel=\"")?;
            let rel = rel.trim_end_matches('"').to_string();
            let query = url.split_once('?')?.1;
            let page = query
                .split('&')
                .find_map(|kv| kv.strip_prefix("page="))?
                .parse()
                .ok()?;
            Some((rel, page))
        })
        .collect()
}

/// The fragment parameters of a redirect `Location`.
pub fn fragment(location: &str) -> Vec<(String, String)> {
    let frag = location.split_once('#').map(|(_, f)| f).unwrap_or("");
    url::form_urlencoded::parse(frag.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

pub fn frag_get<'a>(pairs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}
