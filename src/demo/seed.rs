//! Demo data: the committed persona and seed users in
//! `assets/demo-users.json`, and synthetic extra users made on the fly.
//!
//! Both come from one deterministic generator in this file. The seed file is
//! its output; the unit test `seed_file_matches_generator` keeps them in step
//! (run it with `DEMO_REGENERATE_SEED=1` to rewrite the file after changing
//! the generator). Timestamps are relative to a fixed epoch, so every run
//! shows the same data.

use chrono::{DateTime, Duration, TimeZone, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::audit::{Action, Actor, AuditLog};
use super::errors::DemoError;
use super::model::{Factor, FactorStatus, Identity, IdentityData, JsonMap, User, canonical_map};
use super::passwords::PasswordHash;

/// The embedded seed file.
pub const SEED_JSON: &str = include_str!("../../assets/demo-users.json");

/// Password of every synthetic extra user.
pub const SYNTHETIC_PASSWORD: &str = "demo-password";

/// All seed timestamps lie before this instant (2025-06-01T00:00:00Z).
pub fn epoch() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 6, 1, 0, 0, 0)
        .single()
        .unwrap_or_default()
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SeedIdentity {
    pub identity_id: Uuid,
    pub provider: String,
    /// The provider's subject.
    pub id: String,
    pub identity_data: JsonMap,
    pub created_at: DateTime<Utc>,
    pub last_sign_in_at: Option<DateTime<Utc>>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SeedFactor {
    pub id: Uuid,
    pub friendly_name: String,
    pub factor_type: String,
    pub status: FactorStatus,
    pub created_at: DateTime<Utc>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SeedUser {
    pub id: Uuid,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub phone: String,
    /// Plain password (documented for personas); hashed on load.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
    /// A bcrypt hash, as accepted by admin create's `password_hash`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password_hash: Option<String>,
    pub role: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email_confirmed_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_confirmed_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invited_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confirmation_sent_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_sign_in_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub banned_until: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deleted_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub new_email: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub new_phone: String,
    pub user_metadata: JsonMap,
    pub app_metadata: JsonMap,
    pub identities: Vec<SeedIdentity>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub factors: Vec<SeedFactor>,
}

/// A deterministic id from a label.
fn stable_uuid(label: &str) -> Uuid {
    let digest = Sha256::digest(label.as_bytes());
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    uuid::Builder::from_random_bytes(bytes).into_uuid()
}

/// A deterministic salt for seeded passwords.
fn salt_for(id: &Uuid) -> [u8; 16] {
    let digest = Sha256::digest(id.as_bytes());
    let mut salt = [0u8; 16];
    salt.copy_from_slice(&digest[..16]);
    salt
}

fn base32_secret(id: &Uuid) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    Sha256::digest(id.as_bytes())
        .iter()
        .take(32)
        .map(|b| ALPHABET[(*b as usize) % 32] as char)
        .collect()
}

fn obj(v: Value) -> JsonMap {
    match v {
        Value::Object(m) => canonical_map(m),
        _ => JsonMap::new(),
    }
}

impl SeedUser {
    /// The stored user.
    pub fn into_user(self) -> Result<User, DemoError> {
        let mut u = User::blank(self.id, self.created_at);
        u.email = self.email.to_lowercase();
        u.phone = self.phone;
        u.role = self.role;
        u.password = match (self.password, self.password_hash) {
            (Some(pw), _) => Some(PasswordHash::with_salt(&pw, salt_for(&self.id))),
            (None, Some(hash)) => Some(
                PasswordHash::from_bcrypt(&hash)
                    .map_err(|e| DemoError::Seed(format!("user {}: {e}", self.id)))?,
            ),
            (None, None) => None,
        };
        u.updated_at = self.updated_at;
        u.email_confirmed_at = self.email_confirmed_at;
        u.phone_confirmed_at = self.phone_confirmed_at;
        u.invited_at = self.invited_at;
        u.confirmation_sent_at = self.confirmation_sent_at;
        u.last_sign_in_at = self.last_sign_in_at;
        u.banned_until = self.banned_until;
        u.deleted_at = self.deleted_at;
        u.email_change = self.new_email;
        u.phone_change = self.new_phone;
        u.user_metadata = canonical_map(self.user_metadata);
        u.app_metadata = canonical_map(self.app_metadata);
        u.identities = self
            .identities
            .into_iter()
            .map(|i| Identity {
                identity_id: i.identity_id,
                provider_id: i.id,
                user_id: self.id,
                identity_data: IdentityData::from_map(i.identity_data),
                provider: i.provider,
                last_sign_in_at: i.last_sign_in_at,
                created_at: i.created_at,
                updated_at: i.last_sign_in_at.unwrap_or(i.created_at),
            })
            .collect();
        u.factors = self
            .factors
            .into_iter()
            .map(|f| Factor {
                id: f.id,
                created_at: f.created_at,
                updated_at: f.created_at,
                status: f.status,
                friendly_name: f.friendly_name,
                factor_type: f.factor_type,
                secret: base32_secret(&f.id),
                phone: String::new(),
                last_challenged_at: None,
            })
            .collect();
        Ok(u)
    }
}

/// Parses the embedded seed file.
pub fn load_seed() -> Result<Vec<SeedUser>, DemoError> {
    serde_json::from_str(SEED_JSON).map_err(|e| DemoError::Seed(e.to_string()))
}

/// Sign-up and sign-in history for the seed users.
pub fn seed_audit(users: &[User]) -> AuditLog {
    let mut log = AuditLog::default();
    for u in users {
        let actor = Actor::user(u);
        let provider = u
            .app_metadata
            .get("provider")
            .cloned()
            .unwrap_or(Value::String("email".into()));
        let mut traits = JsonMap::new();
        traits.insert("provider".into(), provider);
        if let Some(invited) = u.invited_at {
            let mut t = JsonMap::new();
            t.insert("user_email".into(), Value::String(u.email.clone()));
            t.insert("user_id".into(), Value::String(u.id.to_string()));
            log.record(
                &Actor::admin("service_role"),
                Action::UserInvited,
                Some(t),
                "",
                invited,
            );
        } else {
            log.record(
                &actor,
                Action::UserSignedUp,
                Some(traits.clone()),
                "",
                u.created_at,
            );
        }
        if let Some(at) = u.last_sign_in_at {
            log.record(&actor, Action::Login, Some(traits), "", at);
        }
    }
    log
}

const FIRST: &[&str] = &[
    "Alice", "Bruno", "Chen", "Dana", "Emeka", "Farah", "Gustav", "Hana", "Ivan", "Jia", "Kofi",
    "Lena", "Mateo", "Nadia", "Oskar", "Priya", "Quentin", "Rosa", "Sven", "Tariq", "Uma",
    "Viktor", "Wen", "Ximena", "Yusuf", "Zoe", "Aiko", "Bilal", "Carmen", "Dmitri", "Elif", "Femi",
    "Greta", "Hugo", "Ines", "Jonas", "Keiko", "Luca", "Maya", "Nils", "Olga", "Pablo", "Rania",
    "Sami", "Tomas", "Ulla", "Vera", "Wanjiru", "Yara", "Zain",
];

const LAST: &[&str] = &[
    "Adeyemi",
    "Berg",
    "Costa",
    "Dubois",
    "Eriksen",
    "Fischer",
    "Garcia",
    "Hoffmann",
    "Ito",
    "Jensen",
    "Kowalski",
    "Lindqvist",
    "Moreau",
    "Nakamura",
    "Okafor",
    "Petrov",
    "Quispe",
    "Rossi",
    "Schmidt",
    "Tanaka",
    "Usman",
    "Vargas",
    "Weber",
    "Xu",
    "Yilmaz",
    "Zimmermann",
    "Alvarez",
    "Bianchi",
    "Chowdhury",
    "Dimitrov",
    "Engel",
    "Fernandes",
    "Gupta",
    "Haddad",
    "Ivanova",
    "Jovanovic",
    "Kim",
    "Larsen",
    "Mendes",
    "Novak",
];

const DOMAINS: &[&str] = &[
    "example.com",
    "example.org",
    "example.net",
    "mail.example.com",
];
const LOCALES: &[&str] = &[
    "en-US", "en-GB", "de-DE", "fr-FR", "ja-JP", "pt-BR", "es-ES",
];
const PLANS: &[&str] = &["free", "free", "free", "pro", "team"];

fn pick<'a>(rng: &mut StdRng, items: &[&'a str]) -> &'a str {
    items[rng.random_range(0..items.len())]
}

fn t(v: DateTime<Utc>) -> DateTime<Utc> {
    super::gotime::truncate(v)
}

fn email_identity(
    user: Uuid,
    email: &str,
    verified: bool,
    at: DateTime<Utc>,
    last: Option<DateTime<Utc>>,
) -> SeedIdentity {
    SeedIdentity {
        identity_id: stable_uuid(&format!("identity:email:{user}")),
        provider: "email".into(),
        id: user.to_string(),
        identity_data: Identity::standard_data(user, Some(email), None, verified, false),
        created_at: at,
        last_sign_in_at: last.or(Some(at)),
    }
}

fn phone_identity(
    user: Uuid,
    phone: &str,
    verified: bool,
    at: DateTime<Utc>,
    last: Option<DateTime<Utc>>,
) -> SeedIdentity {
    SeedIdentity {
        identity_id: stable_uuid(&format!("identity:phone:{user}")),
        provider: "phone".into(),
        id: user.to_string(),
        identity_data: Identity::standard_data(user, None, Some(phone), false, verified),
        created_at: at,
        last_sign_in_at: last.or(Some(at)),
    }
}

#[allow(clippy::too_many_arguments)]
fn oauth_identity(
    user: Uuid,
    provider: &str,
    subject: &str,
    email: &str,
    name: &str,
    login: &str,
    at: DateTime<Utc>,
    last: Option<DateTime<Utc>>,
) -> SeedIdentity {
    let avatar = match provider {
        "github" => format!("https://avatars.githubusercontent.com/u/{subject}?v=4"),
        _ => format!("https://lh3.googleusercontent.com/a/{subject}=s96-c"),
    };
    let mut data = obj(json!({
        "avatar_url": avatar,
        "email": email,
        "email_verified": true,
        "full_name": name,
        "iss": if provider == "github" { "https://api.github.com" } else { "https://accounts.google.com" },
        "name": name,
        "phone_verified": false,
        "picture": avatar,
        "provider_id": subject,
        "sub": subject,
    }));
    if provider == "github" {
        data.insert("preferred_username".into(), Value::String(login.into()));
        data.insert("user_name".into(), Value::String(login.into()));
    }
    SeedIdentity {
        identity_id: stable_uuid(&format!("identity:{provider}:{user}")),
        provider: provider.into(),
        id: subject.into(),
        identity_data: canonical_map(data),
        created_at: at,
        last_sign_in_at: last.or(Some(at)),
    }
}

fn totp(user: Uuid, name: &str, verified: bool, at: DateTime<Utc>) -> SeedFactor {
    SeedFactor {
        id: stable_uuid(&format!("factor:{user}:{name}")),
        friendly_name: name.into(),
        factor_type: "totp".into(),
        status: if verified {
            FactorStatus::Verified
        } else {
            FactorStatus::Unverified
        },
        created_at: at,
    }
}

/// The named personas (see `assets/README.md`).
#[cfg(test)]
fn personas() -> Vec<SeedUser> {
    let e = epoch();
    let day = Duration::days(1);
    let mut out = Vec::new();

    // Ada Lovelace: admin-ish app_metadata, email + GitHub, verified TOTP.
    let id = stable_uuid("persona:ada");
    let created = e - day * 700;
    let last = Some(e - Duration::hours(3));
    out.push(SeedUser {
        id,
        email: "ada@example.com".into(),
        phone: String::new(),
        password: Some("analytical-engine-1843".into()),
        password_hash: None,
        role: "authenticated".into(),
        created_at: created,
        updated_at: e - day * 2,
        email_confirmed_at: Some(created + Duration::minutes(4)),
        phone_confirmed_at: None,
        invited_at: None,
        confirmation_sent_at: Some(created),
        last_sign_in_at: last,
        banned_until: None,
        deleted_at: None,
        new_email: String::new(),
        new_phone: String::new(),
        user_metadata: obj(json!({
            "avatar_url": "https://avatars.githubusercontent.com/u/1815?v=4",
            "email_verified": true,
            "full_name": "Ada Lovelace",
            "locale": "en-GB",
        })),
        app_metadata: obj(json!({
            "provider": "email",
            "providers": ["email", "github"],
            "role": "admin",
            "permissions": ["users:read", "users:write", "audit:read"],
        })),
        identities: vec![
            email_identity(id, "ada@example.com", true, created, last),
            oauth_identity(
                id,
                "github",
                "1815",
                "ada@example.com",
                "Ada Lovelace",
                "ada-l",
                created + day * 30,
                last,
            ),
        ],
        factors: vec![totp(id, "Ada's phone", true, created + day * 40)],
    });

    // Banned, far into the future.
    let id = stable_uuid("persona:banned");
    let created = e - day * 400;
    out.push(SeedUser {
        id,
        email: "banned@example.com".into(),
        phone: String::new(),
        password: Some("banned-user-password".into()),
        password_hash: None,
        role: "authenticated".into(),
        created_at: created,
        updated_at: e - day * 20,
        email_confirmed_at: Some(created + Duration::minutes(9)),
        phone_confirmed_at: None,
        invited_at: None,
        confirmation_sent_at: Some(created),
        last_sign_in_at: Some(e - day * 21),
        banned_until: Some(e + Duration::hours(876_000)),
        deleted_at: None,
        new_email: String::new(),
        new_phone: String::new(),
        user_metadata: obj(json!({"email_verified": true, "full_name": "Mallory Banned"})),
        app_metadata: obj(json!({"provider": "email", "providers": ["email"]})),
        identities: vec![email_identity(
            id,
            "banned@example.com",
            true,
            created,
            Some(e - day * 21),
        )],
        factors: vec![],
    });

    // Signed up, never confirmed.
    let id = stable_uuid("persona:unconfirmed");
    let created = e - day * 12;
    out.push(SeedUser {
        id,
        email: "unconfirmed@example.com".into(),
        phone: String::new(),
        password: Some("unconfirmed-user-password".into()),
        password_hash: None,
        role: "authenticated".into(),
        created_at: created,
        updated_at: created,
        email_confirmed_at: None,
        phone_confirmed_at: None,
        invited_at: None,
        confirmation_sent_at: Some(created),
        last_sign_in_at: None,
        banned_until: None,
        deleted_at: None,
        new_email: String::new(),
        new_phone: String::new(),
        user_metadata: obj(json!({"full_name": "Una Confirmed"})),
        app_metadata: obj(json!({"provider": "email", "providers": ["email"]})),
        identities: vec![email_identity(
            id,
            "unconfirmed@example.com",
            false,
            created,
            None,
        )],
        factors: vec![],
    });

    // Invited, invitation not accepted.
    let id = stable_uuid("persona:invited");
    let created = e - day * 5;
    out.push(SeedUser {
        id,
        email: "invited@example.com".into(),
        phone: String::new(),
        password: None,
        password_hash: None,
        role: "authenticated".into(),
        created_at: created,
        updated_at: created,
        email_confirmed_at: None,
        phone_confirmed_at: None,
        invited_at: Some(created),
        confirmation_sent_at: Some(created),
        last_sign_in_at: None,
        banned_until: None,
        deleted_at: None,
        new_email: String::new(),
        new_phone: String::new(),
        user_metadata: obj(json!({"full_name": "Ivy Invited", "team": "design"})),
        app_metadata: obj(json!({"provider": "email", "providers": ["email"]})),
        identities: vec![email_identity(
            id,
            "invited@example.com",
            false,
            created,
            None,
        )],
        factors: vec![],
    });

    // The phone persona: GOTRUE_SMS_TEST_OTP makes its code always 123456.
    let id = stable_uuid("persona:phone");
    let created = e - day * 200;
    let last = Some(e - day);
    out.push(SeedUser {
        id,
        email: String::new(),
        phone: "15555550100".into(),
        password: Some("phone-user-password".into()),
        password_hash: None,
        role: "authenticated".into(),
        created_at: created,
        updated_at: e - day,
        email_confirmed_at: None,
        phone_confirmed_at: Some(created + Duration::minutes(1)),
        invited_at: None,
        confirmation_sent_at: Some(created),
        last_sign_in_at: last,
        banned_until: None,
        deleted_at: None,
        new_email: String::new(),
        new_phone: String::new(),
        user_metadata: obj(json!({"full_name": "Pat Phone"})),
        app_metadata: obj(json!({"provider": "phone", "providers": ["phone"]})),
        identities: vec![phone_identity(id, "15555550100", true, created, last)],
        factors: vec![],
    });

    // Grace Hopper: Google only, no password.
    let id = stable_uuid("persona:grace");
    let created = e - day * 650;
    let last = Some(e - day * 4);
    out.push(SeedUser {
        id,
        email: "grace@example.com".into(),
        phone: String::new(),
        password: None,
        password_hash: None,
        role: "authenticated".into(),
        created_at: created,
        updated_at: e - day * 4,
        email_confirmed_at: Some(created),
        phone_confirmed_at: None,
        invited_at: None,
        confirmation_sent_at: None,
        last_sign_in_at: last,
        banned_until: None,
        deleted_at: None,
        new_email: String::new(),
        new_phone: String::new(),
        user_metadata: obj(json!({
            "avatar_url": "https://lh3.googleusercontent.com/a/grace=s96-c",
            "email": "grace@example.com",
            "email_verified": true,
            "full_name": "Grace Hopper",
            "iss": "https://accounts.google.com",
            "name": "Grace Hopper",
            "phone_verified": false,
            "picture": "https://lh3.googleusercontent.com/a/grace=s96-c",
            "provider_id": "104729000000000000001",
            "sub": "104729000000000000001",
        })),
        app_metadata: obj(json!({"provider": "google", "providers": ["google"]})),
        identities: vec![oauth_identity(
            id,
            "google",
            "104729000000000000001",
            "grace@example.com",
            "Grace Hopper",
            "",
            created,
            last,
        )],
        factors: vec![],
    });

    // An imported user with a bcrypt hash (password `bcrypt-imported-1`).
    let id = stable_uuid("persona:bcrypt");
    let created = e - day * 300;
    let hash = bcrypt::hash_with_salt("bcrypt-imported-1", 4, salt_for(&id))
        .map(|h| h.format_for_version(bcrypt::Version::TwoB))
        .unwrap_or_default();
    out.push(SeedUser {
        id,
        email: "imported@example.com".into(),
        phone: String::new(),
        password: None,
        password_hash: Some(hash),
        role: "authenticated".into(),
        created_at: created,
        updated_at: created,
        email_confirmed_at: Some(created),
        phone_confirmed_at: None,
        invited_at: None,
        confirmation_sent_at: None,
        last_sign_in_at: None,
        banned_until: None,
        deleted_at: None,
        new_email: String::new(),
        new_phone: String::new(),
        user_metadata: obj(json!({"full_name": "Ingrid Imported", "legacy_id": 4711})),
        app_metadata: obj(
            json!({"provider": "email", "providers": ["email"], "imported_from": "legacy-auth"}),
        ),
        identities: vec![email_identity(
            id,
            "imported@example.com",
            true,
            created,
            None,
        )],
        factors: vec![],
    });
    out
}

/// The soft-deleted shape GoTrue leaves behind (`SoftDeleteUser`).
fn soft_deleted(mut u: SeedUser, at: DateTime<Utc>) -> SeedUser {
    let ob = |v: &str| {
        use base64::Engine;
        let mut h = Sha256::new();
        h.update(u.id.to_string().as_bytes());
        h.update(v.as_bytes());
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(h.finalize())
    };
    let email = ob(&u.email);
    let phone: String = ob(&u.phone).chars().take(15).collect();
    let new_email = ob("");
    let new_phone: String = ob("").chars().take(15).collect();
    u.email = email;
    u.phone = phone;
    u.new_email = new_email;
    u.new_phone = new_phone;
    u.password = None;
    u.password_hash = None;
    u.deleted_at = Some(at);
    u.updated_at = at;
    u.user_metadata = JsonMap::new();
    u.app_metadata = JsonMap::new();
    for i in u.identities.iter_mut() {
        i.identity_data = JsonMap::new();
        let mut h = Sha256::new();
        h.update(u.id.to_string().as_bytes());
        h.update(format!("{}:{}", i.provider, i.id).as_bytes());
        use base64::Engine;
        i.id = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(h.finalize());
    }
    u.factors.clear();
    u
}

/// The picks that say who a generated user is: the name, the mail domain and the kind
/// of account (`roll` below 15 is a phone sign-up, which has no email).
#[derive(Clone, Copy, Debug)]
pub struct Names {
    pub first: &'static str,
    pub last: &'static str,
    pub domain: &'static str,
    roll: u32,
}

impl Names {
    /// The seed file's users draw them from the one generator, in this order.
    fn draw(rng: &mut StdRng) -> Self {
        let first = pick(rng, FIRST);
        let last = pick(rng, LAST);
        let domain = pick(rng, DOMAINS);
        let roll = rng.random_range(0..100);
        Names {
            first,
            last,
            domain,
            roll,
        }
    }

    /// The `n`th synthetic user's, from `n` alone (a few multiplications), so that a
    /// filter can scan a million of them without making any.
    pub fn synthetic(n: usize) -> Self {
        let h = mix(n as u64 ^ SYNTHETIC_SALT);
        let h2 = mix(h);
        let h3 = mix(h2);
        Names {
            first: FIRST[(h % FIRST.len() as u64) as usize],
            last: LAST[(h2 % LAST.len() as u64) as usize],
            domain: DOMAINS[(h3 % DOMAINS.len() as u64) as usize],
            roll: (mix(h3) % 100) as u32,
        }
    }

    pub fn has_email(&self) -> bool {
        self.roll >= 15
    }

    /// `metadata.full_name`.
    pub fn full_name(&self) -> String {
        format!("{} {}", self.first, self.last)
    }

    /// The email a synthetic user `n` with these names has (when [`Self::has_email`]).
    pub fn synthetic_email(&self, n: usize, out: &mut String) {
        use std::fmt::Write;
        out.clear();
        for part in [self.first, ".", self.last] {
            out.extend(part.chars().flat_map(char::to_lowercase));
        }
        let _ = write!(out, ".{n}@{}", self.domain);
    }
}

/// SplitMix64's finaliser: a well-spread 64-bit hash of `z`.
fn mix(z: u64) -> u64 {
    let z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    let z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

const SYNTHETIC_SALT: u64 = 0x5eed_0002_0000_0000;

/// A synthetic user's phone number: `1666` and the user's number, at least seven digits.
pub fn synthetic_phone(n: usize) -> String {
    format!("1666{n:07}")
}

/// The user number behind a synthetic phone number, if it is one.
pub fn synthetic_phone_number(phone: &str) -> Option<usize> {
    let digits = phone.strip_prefix("1666")?;
    let n: usize = digits.parse().ok()?;
    (synthetic_phone(n) == phone).then_some(n)
}

/// The user number behind a synthetic email, if it is one: `first.last.N@domain`.
pub fn synthetic_email_number(email: &str) -> Option<usize> {
    let (local, _) = email.split_once('@')?;
    let (_, n) = local.rsplit_once('.')?;
    if n.is_empty() || n.starts_with('0') && n.len() > 1 || !n.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    n.parse().ok()
}

/// The `n`th synthetic user's id.
pub fn synthetic_id(n: usize) -> Uuid {
    stable_uuid(&format!("synthetic:{n}"))
}

/// When synthetic users were made: `count` of them spread over the two years before
/// the epoch, each in its own slot, so `created_at` rises strictly with the number.
#[derive(Clone, Copy, Debug)]
pub struct SyntheticSpan {
    start: DateTime<Utc>,
    step_ms: i64,
}

impl SyntheticSpan {
    pub fn new(count: usize) -> Self {
        let span_ms: i64 = 730 * 24 * 3600 * 1000;
        SyntheticSpan {
            start: epoch() - Duration::milliseconds(span_ms),
            step_ms: (span_ms / (count.max(1) as i64)).max(1),
        }
    }

    pub fn created_at(&self, n: usize) -> DateTime<Utc> {
        let jitter = (mix(n as u64 ^ SYNTHETIC_SALT ^ 0x7111) % self.step_ms as u64) as i64;
        t(self.start + Duration::milliseconds(self.step_ms * n as i64 + jitter))
    }

    /// The whole `n`th synthetic user, the same every time it is asked for.
    pub fn user(&self, n: usize) -> User {
        let mut rng = StdRng::seed_from_u64(mix(n as u64 ^ SYNTHETIC_SALT ^ 0x0ca7));
        let created = self.created_at(n);
        // Making a user fails only on a malformed bcrypt hash, which these never have.
        generated(&mut rng, n, Some(Names::synthetic(n)), created)
            .into_user()
            .unwrap_or_else(|_| User::blank(synthetic_id(n), created))
    }
}

/// One generated user: the `n`th of the seed file (`names` drawn from `rng`) or of the
/// synthetic users (`names` given, from [`Names::synthetic`]).
fn generated(rng: &mut StdRng, n: usize, names: Option<Names>, created: DateTime<Utc>) -> SeedUser {
    let e = epoch();
    let synthetic = names.is_some();
    let names = names.unwrap_or_else(|| Names::draw(rng));
    let (first, last_name, domain) = (names.first, names.last, names.domain);
    let full_name = names.full_name();
    let email = if synthetic {
        let mut email = String::new();
        names.synthetic_email(n, &mut email);
        email
    } else {
        let local = format!("{}.{}", first.to_lowercase(), last_name.to_lowercase());
        format!("{local}{n}@{domain}")
    };
    let label = if synthetic { "synthetic" } else { "seed" };
    let id = stable_uuid(&format!("{label}:{n}"));
    let roll = names.roll;
    // Mostly signed in recently; some never.
    let span = (e - created).num_minutes().max(1);
    let last = if rng.random_range(0..10) < 8 {
        Some(t(created + Duration::minutes(rng.random_range(0..span))))
    } else {
        None
    };
    let mut u = SeedUser {
        id,
        email: email.clone(),
        phone: String::new(),
        password: Some(if synthetic {
            SYNTHETIC_PASSWORD.into()
        } else {
            format!("seed-password-{n}")
        }),
        password_hash: None,
        role: "authenticated".into(),
        created_at: created,
        updated_at: last.unwrap_or(created),
        email_confirmed_at: Some(t(created + Duration::seconds(rng.random_range(30..3600)))),
        phone_confirmed_at: None,
        invited_at: None,
        confirmation_sent_at: Some(created),
        last_sign_in_at: last,
        banned_until: None,
        deleted_at: None,
        new_email: String::new(),
        new_phone: String::new(),
        user_metadata: obj(json!({"email_verified": true, "full_name": full_name})),
        app_metadata: obj(json!({"provider": "email", "providers": ["email"]})),
        identities: Vec::new(),
        factors: Vec::new(),
    };
    if rng.random_range(0..4) == 0 {
        u.user_metadata
            .insert("locale".into(), Value::String(pick(rng, LOCALES).into()));
    }
    if rng.random_range(0..5) == 0 {
        u.app_metadata
            .insert("plan".into(), Value::String(pick(rng, PLANS).into()));
    }
    let login = format!("{}{}", first.to_lowercase(), rng.random_range(1..999));
    match roll {
        // Phone sign-ups.
        0..=14 => {
            let phone = if synthetic {
                synthetic_phone(n)
            } else {
                format!("1555{:07}", 1_000_000 + (n * 7) % 8_999_999)
            };
            u.email = String::new();
            u.phone = phone.clone();
            u.email_confirmed_at = None;
            u.phone_confirmed_at = Some(t(created + Duration::seconds(40)));
            u.user_metadata = obj(json!({"full_name": full_name}));
            u.app_metadata = obj(json!({"provider": "phone", "providers": ["phone"]}));
            u.identities = vec![phone_identity(id, &phone, true, created, last)];
        }
        // GitHub only.
        15..=29 => {
            let subject = format!("{}", 100_000 + n * 37);
            u.password = None;
            u.confirmation_sent_at = None;
            u.email_confirmed_at = Some(created);
            let ident = oauth_identity(
                id, "github", &subject, &email, &full_name, &login, created, last,
            );
            u.user_metadata = ident.identity_data.clone();
            u.app_metadata = obj(json!({"provider": "github", "providers": ["github"]}));
            u.identities = vec![ident];
        }
        // Google only.
        30..=39 => {
            let subject = format!("1047{:017}", n * 7919);
            u.password = None;
            u.confirmation_sent_at = None;
            u.email_confirmed_at = Some(created);
            let ident = oauth_identity(
                id, "google", &subject, &email, &full_name, "", created, last,
            );
            u.user_metadata = ident.identity_data.clone();
            u.app_metadata = obj(json!({"provider": "google", "providers": ["google"]}));
            u.identities = vec![ident];
        }
        // Email, later linked to GitHub.
        40..=44 => {
            let subject = format!("{}", 200_000 + n * 41);
            u.identities = vec![
                email_identity(id, &email, true, created, last),
                oauth_identity(
                    id,
                    "github",
                    &subject,
                    &email,
                    &full_name,
                    &login,
                    created + Duration::days(3),
                    last,
                ),
            ];
            u.app_metadata
                .insert("providers".into(), json!(["email", "github"]));
        }
        // Never confirmed.
        45..=51 => {
            u.email_confirmed_at = None;
            u.last_sign_in_at = None;
            u.updated_at = created;
            u.user_metadata = obj(json!({"full_name": full_name}));
            u.identities = vec![email_identity(id, &email, false, created, None)];
        }
        // Invited, pending.
        52..=54 => {
            u.password = None;
            u.email_confirmed_at = None;
            u.last_sign_in_at = None;
            u.updated_at = created;
            u.invited_at = Some(created);
            u.user_metadata = obj(json!({"full_name": full_name}));
            u.identities = vec![email_identity(id, &email, false, created, None)];
        }
        // Invited and accepted.
        55..=57 => {
            u.invited_at = Some(created);
            u.identities = vec![email_identity(id, &email, true, created, last)];
        }
        _ => {
            u.identities = vec![email_identity(id, &email, true, created, last)];
        }
    }
    // MFA: about one in ten confirmed users.
    if u.last_sign_in_at.is_some() && rng.random_range(0..10) == 0 {
        let verified = rng.random_range(0..4) != 0;
        let name = if verified {
            "Authenticator app"
        } else {
            "New authenticator"
        };
        u.factors
            .push(totp(id, name, verified, t(created + Duration::days(1))));
    }
    u.user_metadata = canonical_map(std::mem::take(&mut u.user_metadata));
    u.app_metadata = canonical_map(std::mem::take(&mut u.app_metadata));
    if !synthetic {
        // A few banned and a few soft-deleted users, at fixed positions.
        match n % 50 {
            7 => u.banned_until = Some(e + Duration::days(rng.random_range(1..365))),
            23 => {
                let at = t(created + Duration::days(1));
                u = soft_deleted(u, at);
            }
            _ => {}
        }
    }
    u
}

/// How many generated users the seed file has besides the personas.
#[cfg(test)]
const SEED_GENERATED: usize = 293;

/// The seed file's content.
#[cfg(test)]
pub fn generate_seed() -> Vec<SeedUser> {
    let mut rng = StdRng::seed_from_u64(0x5eed_0001);
    let e = epoch();
    let mut out = personas();
    for n in 0..SEED_GENERATED {
        let offset = rng.random_range(1..(730 * 24 * 60));
        let created = t(e - Duration::minutes(offset)
            + Duration::seconds(rng.random_range(0..60))
            + Duration::microseconds(rng.random_range(0..1_000_000)));
        out.push(generated(&mut rng, n, None, created));
    }
    out.sort_by_key(|u| (u.created_at, u.id));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_file_matches_generator() {
        let generated = generate_seed();
        let text = serde_json::to_string_pretty(&generated).unwrap_or_default() + "\n";
        if std::env::var_os("DEMO_REGENERATE_SEED").is_some() {
            let path = concat!(env!("CARGO_MANIFEST_DIR"), "/assets/demo-users.json");
            assert!(std::fs::write(path, &text).is_ok());
            return;
        }
        assert!(
            text == SEED_JSON,
            "assets/demo-users.json is stale: run `DEMO_REGENERATE_SEED=1 cargo test --lib seed_file`"
        );
    }

    #[test]
    fn seed_loads_with_personas() {
        let users: Vec<User> = load_seed()
            .unwrap_or_default()
            .into_iter()
            .filter_map(|s| s.into_user().ok())
            .collect();
        assert!(users.len() >= 300);
        let ada = users.iter().find(|u| u.email == "ada@example.com");
        assert!(ada.is_some_and(|u| {
            u.password
                .as_ref()
                .is_some_and(|p| p.verify("analytical-engine-1843"))
        }));
        assert!(users.iter().any(|u| u.phone == "15555550100"));
        assert!(users.iter().any(|u| u.deleted_at.is_some()));
        assert!(
            users
                .iter()
                .any(|u| u.identities.iter().any(|i| i.provider == "github"))
        );
        let imported = users.iter().find(|u| u.email == "imported@example.com");
        assert!(imported.is_some_and(|u| {
            u.password
                .as_ref()
                .is_some_and(|p| p.verify("bcrypt-imported-1"))
        }));
    }

    #[test]
    fn synthetic_users_are_deterministic_unique_and_found_by_their_columns() {
        let span = SyntheticSpan::new(500);
        let a: Vec<User> = (0..500).map(|n| span.user(n)).collect();
        let b: Vec<User> = (0..500).map(|n| span.user(n)).collect();
        assert!(
            a.iter()
                .zip(b.iter())
                .all(|(x, y)| x.id == y.id && x.email == y.email && x.created_at == y.created_at)
        );
        let mut emails: Vec<_> = a
            .iter()
            .filter(|u| !u.email.is_empty())
            .map(|u| u.email.clone())
            .collect();
        let n = emails.len();
        emails.sort();
        emails.dedup();
        assert_eq!(emails.len(), n);
        assert!(n > 300 && n < 500, "most have an email, some a phone: {n}");
        // created_at rises strictly with the number; the columns lead back to it.
        assert!(a.windows(2).all(|w| w[0].created_at < w[1].created_at));
        for (n, u) in a.iter().enumerate() {
            assert_eq!(u.id, synthetic_id(n));
            let names = Names::synthetic(n);
            assert_eq!(u.full_name(), Some(names.full_name().as_str()));
            assert_eq!(names.has_email(), !u.email.is_empty(), "user {n}");
            if names.has_email() {
                assert_eq!(synthetic_email_number(&u.email), Some(n));
            } else {
                assert_eq!(synthetic_phone_number(&u.phone), Some(n));
            }
        }
        assert_eq!(synthetic_email_number("ada@example.com"), None);
        assert_eq!(synthetic_email_number("a.b.007@example.com"), None);
        assert_eq!(synthetic_phone_number("16660000042"), Some(42));
        assert_eq!(synthetic_phone_number("1666042"), None);
    }
}
