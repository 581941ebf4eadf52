//! The demo's mail and SMS outbox: every message GoTrue would have sent, kept
//! in memory so a person (`GET /demo/outbox`) or a test
//! ([`super::DemoServer::outbox`]) can read the link or code and finish the flow.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// What a message is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutboxKind {
    /// Signup confirmation mail (`/signup`, `/resend type=signup`, `/otp` for a new email).
    Confirmation,
    /// Invitation mail (`/invite`).
    Invite,
    /// Magic link mail (`/magiclink`).
    Magiclink,
    /// Password recovery mail (`/recover`).
    Recovery,
    /// Email change mail, to the new and (secure change) the current address.
    EmailChange,
    /// One-time code by mail (`/otp` with an email of an existing user).
    OtpEmail,
    /// One-time code by SMS (`/otp` with a phone, phone signup, `/resend type=sms`).
    OtpSms,
    /// Phone change code by SMS (`PUT /user` with a new phone).
    PhoneChange,
}

/// One sent message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxMessage {
    /// Increasing number; the newest message has the highest.
    pub id: u64,
    /// When it was sent (RFC 3339).
    pub at: DateTime<Utc>,
    pub kind: OutboxKind,
    /// Email address, or phone number without `+`.
    pub to: String,
    pub subject: String,
    pub body: String,
    /// The verification link (`<url>/verify?token=…&type=…&redirect_to=…`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
    /// The one-time code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub otp: Option<String>,
    pub user_id: Uuid,
}

/// Messages kept at most; older ones are dropped first.
const CAPACITY: usize = 10_000;

#[derive(Default)]
pub struct Outbox {
    next_id: u64,
    messages: std::collections::VecDeque<OutboxMessage>,
}

/// A message before it gets its number.
pub struct Draft {
    pub kind: OutboxKind,
    pub to: String,
    pub subject: String,
    pub body: String,
    pub link: Option<String>,
    pub otp: Option<String>,
    pub user_id: Uuid,
}

impl Outbox {
    pub fn push(&mut self, draft: Draft, at: DateTime<Utc>) {
        self.next_id += 1;
        if self.messages.len() >= CAPACITY {
            self.messages.pop_front();
        }
        self.messages.push_back(OutboxMessage {
            id: self.next_id,
            at,
            kind: draft.kind,
            to: draft.to,
            subject: draft.subject,
            body: draft.body,
            link: draft.link,
            otp: draft.otp,
            user_id: draft.user_id,
        });
    }

    pub fn list(&self) -> Vec<OutboxMessage> {
        self.messages.iter().cloned().collect()
    }

    pub fn clear(&mut self) {
        self.messages.clear();
    }
}
