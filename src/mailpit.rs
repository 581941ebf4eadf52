//! Mailpit as the Outbox: a local Supabase stack (or any GoTrue pointed at Mailpit's SMTP)
//! catches every mail there, and Mailpit's REST API (`/api/v1/messages`,
//! `/api/v1/message/{ID}`) hands them over, each read for its verification link and code as
//! the demo server's outbox gives them.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Deserialize;

use crate::gotrue::{GoTrueError, OutboxMessage};

/// Messages read per reload: the newest ones.
pub const NEWEST: usize = 50;

#[derive(Clone, Debug)]
pub struct MailpitClient {
    http: reqwest::Client,
    base: String,
}

#[derive(Deserialize)]
struct List {
    #[serde(default)]
    messages: Vec<Summary>,
}

#[derive(Deserialize)]
struct Summary {
    #[serde(rename = "ID")]
    id: String,
}

#[derive(Deserialize)]
struct Address {
    #[serde(rename = "Address", default)]
    address: String,
}

#[derive(Deserialize)]
struct Message {
    #[serde(rename = "ID")]
    id: String,
    #[serde(rename = "Date", default)]
    date: Option<DateTime<Utc>>,
    #[serde(rename = "To", default)]
    to: Vec<Address>,
    #[serde(rename = "Subject", default)]
    subject: String,
    #[serde(rename = "Text", default)]
    text: String,
    #[serde(rename = "HTML", default)]
    html: String,
}

impl MailpitClient {
    pub fn new(base: &str) -> Result<MailpitClient, GoTrueError> {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(15))
            .build()
            .map_err(|e| GoTrueError::transport(format!("cannot build the HTTP client: {e}")))?;
        Ok(MailpitClient {
            http,
            base: base.trim_end_matches('/').to_owned(),
        })
    }

    pub fn url(&self) -> &str {
        &self.base
    }

    async fn get<T: serde::de::DeserializeOwned>(&self, path: &str) -> Result<T, GoTrueError> {
        let url = format!("{}{path}", self.base);
        let r = self
            .http
            .get(&url)
            .send()
            .await
            .map_err(|e| GoTrueError::transport(format!("Mailpit at {}: {e}", self.base)))?;
        let status = r.status();
        let bytes = r
            .bytes()
            .await
            .map_err(|e| GoTrueError::transport(format!("Mailpit at {}: {e}", self.base)))?;
        if !status.is_success() {
            return Err(GoTrueError::decode(
                Some(status.as_u16()),
                format!("Mailpit answered {status} for {path}"),
                &bytes,
            ));
        }
        serde_json::from_slice(&bytes).map_err(|e| {
            GoTrueError::decode(
                Some(status.as_u16()),
                format!("Mailpit's answer to {path} is not what it should be: {e}"),
                &bytes,
            )
        })
    }

    /// The newest messages, newest first, as Outbox messages.
    pub async fn messages(&self) -> Result<Vec<OutboxMessage>, GoTrueError> {
        let list: List = self
            .get(&format!("/api/v1/messages?limit={NEWEST}"))
            .await?;
        let mut out = Vec::with_capacity(list.messages.len());
        for s in list.messages {
            let m: Message = self.get(&format!("/api/v1/message/{}", s.id)).await?;
            out.push(to_outbox(m));
        }
        Ok(out)
    }
}

/// A stable number for Mailpit's string id, so a selection survives a reload.
fn numeric_id(id: &str) -> u64 {
    // FNV-1a.
    id.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

fn to_outbox(m: Message) -> OutboxMessage {
    let text = if m.text.trim().is_empty() {
        strip_tags(&m.html)
    } else {
        m.text
    };
    let link = verify_link(&text).or_else(|| verify_link(&m.html.replace("&amp;", "&")));
    let otp = six_digit_code(&text);
    let kind = link
        .as_deref()
        .and_then(link_type)
        .map(|t| match t.as_str() {
            "signup" => "confirmation".to_owned(),
            other => other.to_owned(),
        })
        .unwrap_or_else(|| {
            if otp.is_some() {
                "otp_email".to_owned()
            } else {
                "mail".to_owned()
            }
        });
    OutboxMessage {
        id: numeric_id(&m.id),
        at: m.date,
        kind,
        to: m
            .to
            .into_iter()
            .next()
            .map(|a| a.address)
            .unwrap_or_default(),
        subject: m.subject,
        body: text,
        link,
        otp,
        user_id: None,
    }
}

/// The first `…/verify?…` link in a mail, as GoTrue's templates put it.
pub fn verify_link(text: &str) -> Option<String> {
    text.split(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | '<' | '>' | '(' | ')'))
        .find(|w| (w.starts_with("http://") || w.starts_with("https://")) && w.contains("/verify?"))
        .map(str::to_owned)
}

fn link_type(link: &str) -> Option<String> {
    url::Url::parse(link)
        .ok()?
        .query_pairs()
        .find(|(k, _)| k == "type")
        .map(|(_, v)| v.into_owned())
}

/// A code of exactly six digits standing alone (GoTrue's `{{ .Token }}`).
pub fn six_digit_code(text: &str) -> Option<String> {
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i].is_ascii_digit() {
            let start = i;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            let before = start.checked_sub(1).map(|j| b[j]);
            let alone = before.is_none_or(|c| !c.is_ascii_alphanumeric() && c != b'=')
                && b.get(i).is_none_or(|c| !c.is_ascii_alphanumeric());
            if i - start == 6 && alone {
                return Some(text[start..i].to_owned());
            }
        } else {
            i += 1;
        }
    }
    None
}

fn strip_tags(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                out.push(' ');
            }
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_and_codes_are_found_in_gotrue_mails() {
        let text = "Follow this link to log in:\nhttp://127.0.0.1:54321/auth/v1/verify?token=abc&type=magiclink&redirect_to=http://localhost:3000\n\nAlternatively, enter the code: 123456\n";
        let link = verify_link(text).unwrap();
        assert!(
            link.ends_with("redirect_to=http://localhost:3000"),
            "{link}"
        );
        assert_eq!(link_type(&link).as_deref(), Some("magiclink"));
        assert_eq!(six_digit_code(text).as_deref(), Some("123456"));
        // Digits inside a token or a longer number are no code.
        assert_eq!(six_digit_code("token=123456 or 1234567 or a123456"), None);
        let html = r#"<a href="http://x.test/auth/v1/verify?token=t&amp;type=recovery">Reset</a>"#;
        assert_eq!(
            verify_link(&html.replace("&amp;", "&")).as_deref(),
            Some("http://x.test/auth/v1/verify?token=t&type=recovery")
        );
        assert_ne!(numeric_id("abc"), numeric_id("abd"));
    }
}
