//! What the demo holds for GoTrue v2.196.0's newer admin surfaces: users' passkeys
//! (`webauthn_credentials`), SAML SSO providers, OAuth server clients and custom OAuth/OIDC
//! providers. Objects are kept as the JSON GoTrue answers, in creation order.

use chrono::{DateTime, Duration, Utc};
use serde_json::Value;
use uuid::Uuid;

use super::gotime;
use super::model::JsonMap;

/// One passkey of a user: GoTrue's `PasskeyListItem` fields.
#[derive(Clone, Debug)]
pub struct DemoPasskey {
    pub id: Uuid,
    pub user_id: Uuid,
    pub friendly_name: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
}

impl DemoPasskey {
    /// `toPasskeyListItem`: `friendly_name` and `last_used_at` left out when empty.
    pub fn to_json(&self) -> Value {
        let mut m = JsonMap::new();
        m.insert("id".into(), Value::String(self.id.to_string()));
        if !self.friendly_name.is_empty() {
            m.insert(
                "friendly_name".into(),
                Value::String(self.friendly_name.clone()),
            );
        }
        m.insert(
            "created_at".into(),
            Value::String(gotime::format(&self.created_at)),
        );
        if let Some(t) = &self.last_used_at {
            m.insert("last_used_at".into(), Value::String(gotime::format(t)));
        }
        Value::Object(m)
    }
}

#[derive(Default)]
pub struct Surfaces {
    pub passkeys: Vec<DemoPasskey>,
    /// SSO providers as GoTrue answers them on get (with `metadata_xml`).
    pub sso: Vec<JsonMap>,
    /// OAuth clients as answered on get (no secret), and each one's secret.
    pub oauth_clients: Vec<(JsonMap, String)>,
    /// Custom providers as answered (no secret).
    pub custom: Vec<JsonMap>,
}

impl Surfaces {
    /// A few passkeys on the first seed users, so the console has some to show.
    pub fn seeded(user_ids: &[Uuid], now: DateTime<Utc>) -> Self {
        let names = ["MacBook Touch ID", "YubiKey 5C", "iPhone"];
        let mut s = Surfaces::default();
        for (n, user_id) in user_ids.iter().take(3).enumerate() {
            for k in 0..=(n % 2) {
                let i = n * 2 + k;
                s.passkeys.push(DemoPasskey {
                    id: Uuid::from_u128(0x5a55_0000_0000_4000_8000_0000_0000_0000 + i as u128),
                    user_id: *user_id,
                    friendly_name: names[(n + k) % names.len()].to_string(),
                    created_at: gotime::truncate(now - Duration::days(30 + i as i64)),
                    last_used_at: (k == 0)
                        .then(|| gotime::truncate(now - Duration::days(i as i64))),
                });
            }
        }
        s
    }

    pub fn passkeys_of(&self, user_id: Uuid) -> Vec<Value> {
        self.passkeys
            .iter()
            .filter(|p| p.user_id == user_id)
            .map(DemoPasskey::to_json)
            .collect()
    }
}

/// A fresh secret for an OAuth client (GoTrue's are 32 random bytes, base64url).
pub fn client_secret() -> String {
    use base64::Engine;
    let bytes: [u8; 32] = rand::random();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

pub fn now_str() -> String {
    gotime::format(&gotime::now())
}
