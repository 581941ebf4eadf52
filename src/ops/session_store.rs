//! Keeping a signed-in session between runs, opt-in, in the OS keyring (never a plain
//! file). Behind [`SessionStore`], which the console's worker holds: the app asks for a
//! save, a load or a clear as a `Task`, and tests give the worker a store of their own
//! (keyring's mock keeps each entry in its `Entry` object alone, so it cannot stand for a
//! keyring shared by two runs).
//!
//! On Linux the backend is the kernel's keyutils (`linux-native`: no D-Bus, no OpenSSL).
//! Where there is no usable session keyring (containers, some CI), a write fails with
//! keyring's `NoEntry`: that becomes [`StoreError::Unavailable`], said plainly, never a panic.

use crate::gotrue::Session;

/// Where a session is kept between runs, by profile.
pub trait SessionStore: Send + Sync {
    fn save(&self, profile: &str, session: &Session) -> Result<(), StoreError>;
    fn load(&self, profile: &str) -> Result<Option<Session>, StoreError>;
    /// Signing out clears it; nothing kept is not an error.
    fn clear(&self, profile: &str) -> Result<(), StoreError>;
}

#[derive(Clone, Debug, thiserror::Error, PartialEq, Eq)]
pub enum StoreError {
    #[error("no usable OS keyring here ({0}): the session is not kept; sign in again next time")]
    Unavailable(String),
    #[error("the kept session is unreadable ({0}); sign in again")]
    Corrupt(String),
}

/// The OS keyring through the `keyring` crate: one entry per profile, the session JSON.
pub struct KeyringStore {
    service: String,
}

impl Default for KeyringStore {
    fn default() -> Self {
        Self {
            service: "gotrue-console".into(),
        }
    }
}

impl KeyringStore {
    fn entry(&self, profile: &str) -> Result<keyring::Entry, StoreError> {
        keyring::Entry::new(&self.service, &format!("session:{profile}"))
            .map_err(|e| StoreError::Unavailable(e.to_string()))
    }
}

impl SessionStore for KeyringStore {
    fn save(&self, profile: &str, session: &Session) -> Result<(), StoreError> {
        let json =
            serde_json::to_string(session).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        self.entry(profile)?
            .set_password(&json)
            .map_err(|e| StoreError::Unavailable(e.to_string()))
    }

    fn load(&self, profile: &str) -> Result<Option<Session>, StoreError> {
        match self.entry(profile)?.get_password() {
            Ok(json) => serde_json::from_str(&json)
                .map(Some)
                .map_err(|e| StoreError::Corrupt(e.to_string())),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(StoreError::Unavailable(e.to_string())),
        }
    }

    fn clear(&self, profile: &str) -> Result<(), StoreError> {
        match self.entry(profile)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(StoreError::Unavailable(e.to_string())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session() -> Session {
        serde_json::from_value(serde_json::json!({
            "access_token": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1MSJ9.c2ln",
            "expires_in": 3600,
            "refresh_token": "r3fr3sh"
        }))
        .unwrap()
    }

    /// keyring's own mock keeps each entry in its `Entry` only, so one entry is used
    /// throughout: save, load, clear, load again.
    #[test]
    fn save_load_clear_with_keyrings_mock() {
        keyring::set_default_credential_builder(keyring::mock::default_credential_builder());
        let entry = keyring::Entry::new("gotrue-console-test", "session:demo").unwrap();
        let json = serde_json::to_string(&session()).unwrap();
        entry.set_password(&json).unwrap();
        let back: Session = serde_json::from_str(&entry.get_password().unwrap()).unwrap();
        assert_eq!(back.refresh_token, session().refresh_token);
        entry.delete_credential().unwrap();
        assert!(matches!(entry.get_password(), Err(keyring::Error::NoEntry)));
    }

    #[test]
    fn errors_say_what_to_do_and_hold_no_secret() {
        let e = StoreError::Unavailable("No matching entry found in secure storage".into());
        assert!(e.to_string().contains("sign in again"), "{e}");
        assert!(!format!("{e:?}").contains("r3fr3sh"));
    }
}
