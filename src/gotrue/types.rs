//! Request types: what the console asks GoTrue for, as types rather than strings.

use crate::gotrue::secret::Secret;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::fmt;
use std::str::FromStr;
use std::time::Duration;
use uuid::Uuid;

/// Who a sign-up, sign-in or OTP is for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Credential {
    Email(String),
    /// E.164, with or without the leading `+`.
    Phone(String),
}

impl Credential {
    /// An email when the input has an `@`, else a phone number.
    pub fn guess(input: &str) -> Self {
        let input = input.trim();
        if input.contains('@') {
            Credential::Email(input.to_owned())
        } else {
            Credential::Phone(input.to_owned())
        }
    }

    pub(crate) fn insert_into(&self, body: &mut Map<String, Value>) {
        match self {
            Credential::Email(e) => body.insert("email".into(), Value::String(e.clone())),
            Credential::Phone(p) => body.insert("phone".into(), Value::String(p.clone())),
        };
    }
}

impl fmt::Display for Credential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Credential::Email(e) => f.write_str(e),
            Credential::Phone(p) => f.write_str(p),
        }
    }
}

macro_rules! wire_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $wire:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
        pub enum $name {
            $(#[serde(rename = $wire)] $variant),+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $wire),+ }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, String> {
                match s.trim() {
                    $($wire => Ok($name::$variant),)+
                    other => Err(format!(
                        "unknown {} `{other}`: expected one of {}",
                        stringify!($name),
                        [$($wire),+].join(", ")
                    )),
                }
            }
        }
    };
}

wire_enum!(
    /// The `type` of `POST /verify`.
    OtpType {
        Sms => "sms",
        PhoneChange => "phone_change",
        Signup => "signup",
        Invite => "invite",
        Magiclink => "magiclink",
        Recovery => "recovery",
        EmailChange => "email_change",
        Email => "email",
    }
);

impl OtpType {
    /// Whether this OTP is sent to a phone rather than an email address.
    pub fn is_phone(self) -> bool {
        matches!(self, OtpType::Sms | OtpType::PhoneChange)
    }
}

wire_enum!(
    /// The `type` of `POST /resend`.
    ResendType {
        Signup => "signup",
        EmailChange => "email_change",
        Sms => "sms",
        PhoneChange => "phone_change",
    }
);

wire_enum!(
    /// The `type` of `POST /admin/generate_link`.
    LinkType {
        Signup => "signup",
        Invite => "invite",
        Magiclink => "magiclink",
        Recovery => "recovery",
        EmailChangeCurrent => "email_change_current",
        EmailChangeNew => "email_change_new",
    }
);

impl LinkType {
    /// Whether the link needs a password (signup) or a new email (email changes).
    pub fn needs_password(self) -> bool {
        self == LinkType::Signup
    }
    pub fn needs_new_email(self) -> bool {
        matches!(
            self,
            LinkType::EmailChangeCurrent | LinkType::EmailChangeNew
        )
    }
}

wire_enum!(
    /// `POST /logout?scope=`.
    SignOutScope {
        Global => "global",
        Local => "local",
        Others => "others",
    }
);

wire_enum!(
    /// `GET /admin/users?sort=`: GoTrue sorts by `created_at` only.
    UserSort {
        CreatedDesc => "created_at desc",
        CreatedAsc => "created_at asc",
    }
);

/// A ban: for a time, or lifted. Sent as a Go duration (`"24h"`) or `"none"`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BanDuration {
    For(Duration),
    Unban,
}

impl BanDuration {
    pub fn hours(h: u64) -> Self {
        BanDuration::For(Duration::from_secs(h * 3600))
    }

    /// The Go `time.ParseDuration` form: `24h`, `1h30m`, `45s`; `none` to unban.
    pub fn to_go(self) -> String {
        match self {
            BanDuration::Unban => "none".to_owned(),
            BanDuration::For(d) => {
                let total = d.as_secs();
                if total == 0 {
                    return "0s".to_owned();
                }
                let (h, m, s) = (total / 3600, (total % 3600) / 60, total % 60);
                let mut out = String::new();
                if h > 0 {
                    out.push_str(&format!("{h}h"));
                }
                if m > 0 {
                    out.push_str(&format!("{m}m"));
                }
                if s > 0 {
                    out.push_str(&format!("{s}s"));
                }
                out
            }
        }
    }
}

impl Serialize for BanDuration {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_go())
    }
}

/// Fields of `POST /admin/users` and `PUT /admin/users/{id}`. Unset fields are not sent
/// (and so left unchanged by an update). Metadata objects are merged by GoTrue: a key set to
/// `null` is removed.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct AdminUserAttributes {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<Uuid>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password: Option<Secret>,
    /// A bcrypt (or argon2) hash, instead of `password`, when importing users.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password_hash: Option<Secret>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email_confirm: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone_confirm: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_metadata: Option<Map<String, Value>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub app_metadata: Option<Map<String, Value>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ban_duration: Option<BanDuration>,
}

/// `PUT /user`: what a signed-in user may change about themselves.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct UserUpdate {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password: Option<Secret>,
    /// Merged into `user_metadata`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data: Option<Map<String, Value>>,
    /// The reauthentication nonce, when the server requires one for password changes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nonce: Option<Secret>,
}

/// How to verify a one-time code.
#[derive(Clone, Debug, PartialEq)]
pub enum Verification {
    /// The code the user received, with the email or phone it was sent to.
    Token {
        target: Credential,
        token: Secret,
        otp_type: OtpType,
    },
    /// The hash from a link (`token_hash` / `hashed_token`).
    TokenHash {
        token_hash: Secret,
        otp_type: OtpType,
    },
}

/// `POST /admin/generate_link`.
#[derive(Clone, Debug, PartialEq)]
pub struct GenerateLinkRequest {
    pub link_type: LinkType,
    pub email: String,
    /// Required for `signup`.
    pub password: Option<Secret>,
    /// Required for the email-change types.
    pub new_email: Option<String>,
    pub data: Option<Map<String, Value>>,
    pub redirect_to: Option<String>,
}

impl GenerateLinkRequest {
    pub fn new(link_type: LinkType, email: impl Into<String>) -> Self {
        Self {
            link_type,
            email: email.into(),
            password: None,
            new_email: None,
            data: None,
            redirect_to: None,
        }
    }
}

/// Query of `GET /admin/users`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListUsers {
    /// From 1.
    pub page: u32,
    pub per_page: u32,
    /// GoTrue's own filter: a substring of the email, or a match on `full_name`.
    pub filter: Option<String>,
    pub sort: Option<UserSort>,
}

impl Default for ListUsers {
    fn default() -> Self {
        Self {
            page: 1,
            per_page: 50,
            filter: None,
            sort: None,
        }
    }
}

/// Query of `GET /admin/users` paged by cursor: neither `page` nor `per_page` is sent, so a
/// GoTrue with keyset paging (`GOTRUE_EXPERIMENTAL_CURSOR_PAGINATION_ENABLED`) answers by
/// cursor, and any other its first offset page (see [`crate::gotrue::Listing`]).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct KeysetQuery {
    /// Users per page (GoTrue: default 50, at most 1000).
    pub limit: u32,
    /// Where the page starts: the `next_cursor` of the page before; `None` for the first.
    pub cursor: Option<String>,
    /// GoTrue's own filter: a substring of the email, or a match on `full_name`.
    pub filter: Option<String>,
    pub sort: Option<UserSort>,
}

/// Options for streaming every user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AllUsers {
    pub per_page: u32,
    /// Pages fetched at once.
    pub concurrency: usize,
    pub filter: Option<String>,
    /// Oldest first by default: users created while the stream runs land at the end instead
    /// of shifting every page.
    pub sort: UserSort,
    /// Read by cursor when the server can (the first request tells); else, and when false,
    /// by page number.
    pub keyset: bool,
    /// Background reading, paced by the server's latency: after a page that took longer
    /// than [`crate::gotrue::PACE_ABOVE`], each reader waits as long again before the next,
    /// so a slow (busy) server gets at most half of each reader's time.
    pub paced: bool,
    /// Pick up where an earlier read stopped: a batch's [`ResumeAt`].
    pub resume: Option<ResumeAt>,
}

impl Default for AllUsers {
    fn default() -> Self {
        Self {
            per_page: 1000,
            concurrency: 4,
            filter: None,
            sort: UserSort::CreatedAsc,
            keyset: true,
            paced: false,
            resume: None,
        }
    }
}

/// `PUT /admin/users/{id}/factors/{factor_id}`'s body (`adminUserUpdateFactorParams`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct FactorUpdate {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub friendly_name: Option<String>,
    /// A phone factor's number (E.164); GoTrue ignores it on other factors.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
}

/// Where a read of every user stands after a batch, so that another read can go on from
/// there ([`AllUsers::resume`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResumeAt {
    /// By cursor: the next page's cursor, `None` once the last page was read.
    Cursor(Option<String>),
    /// By page number: the page the batch was. A read resumed here reads that page again
    /// (users deleted meanwhile move the later ones back) and the pages after it; the
    /// reader skips the users it already has.
    Page(u32),
}

/// A provider sign-in URL to build (no request is made).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProviderUrl {
    pub provider: String,
    pub redirect_to: Option<String>,
    /// Space-separated, as OAuth wants them.
    pub scopes: Option<String>,
    pub query_params: Vec<(String, String)>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_durations() {
        assert_eq!(BanDuration::hours(24).to_go(), "24h");
        assert_eq!(BanDuration::For(Duration::from_secs(5400)).to_go(), "1h30m");
        assert_eq!(BanDuration::For(Duration::from_secs(45)).to_go(), "45s");
        assert_eq!(BanDuration::Unban.to_go(), "none");
        assert_eq!(
            serde_json::to_string(&BanDuration::hours(1)).unwrap(),
            "\"1h\""
        );
    }

    #[test]
    fn wire_names_round_trip() {
        for t in OtpType::ALL {
            assert_eq!(t.as_str().parse::<OtpType>().unwrap(), *t);
            assert_eq!(serde_json::to_value(t).unwrap(), t.as_str());
        }
        assert_eq!(
            "email_change_new".parse::<LinkType>().unwrap(),
            LinkType::EmailChangeNew
        );
        assert!(
            "bogus"
                .parse::<SignOutScope>()
                .unwrap_err()
                .contains("global")
        );
    }

    #[test]
    fn admin_attributes_send_only_what_is_set() {
        let a = AdminUserAttributes {
            email: Some("a@b.co".into()),
            ban_duration: Some(BanDuration::Unban),
            ..Default::default()
        };
        let v = serde_json::to_value(&a).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"email":"a@b.co","ban_duration":"none"})
        );
    }

    #[test]
    fn credential_guess() {
        assert_eq!(
            Credential::guess(" a@b.c "),
            Credential::Email("a@b.c".into())
        );
        assert_eq!(
            Credential::guess("+15555550100"),
            Credential::Phone("+15555550100".into())
        );
    }
}
