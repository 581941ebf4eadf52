//! A session store of the tests' own, behind the console's `SessionStore` trait: the OS
//! keyring of a machine, shared by every console a test starts (keyring's own mock keeps
//! each entry in its `Entry` object alone, so two runs of the console could not share it).

use gotrue_console::gotrue::Session;
use gotrue_console::ops::session_store::{SessionStore, StoreError};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Entries by profile, as JSON (what the keyring would hold).
#[derive(Default)]
pub struct MemoryStore {
    entries: Mutex<HashMap<String, String>>,
}

impl MemoryStore {
    pub fn shared() -> Arc<MemoryStore> {
        Arc::new(MemoryStore::default())
    }

    /// The session kept for `profile`, read the way the console reads it.
    pub fn kept(&self, profile: &str) -> Option<Session> {
        self.load(profile).expect("readable")
    }

    /// Puts a session in, as an earlier console would have.
    pub fn put(&self, profile: &str, session: &Session) {
        self.save(profile, session).expect("saved");
    }
}

impl SessionStore for MemoryStore {
    fn save(&self, profile: &str, session: &Session) -> Result<(), StoreError> {
        let json =
            serde_json::to_string(session).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        self.entries
            .lock()
            .unwrap()
            .insert(profile.to_owned(), json);
        Ok(())
    }

    fn load(&self, profile: &str) -> Result<Option<Session>, StoreError> {
        match self.entries.lock().unwrap().get(profile) {
            Some(json) => serde_json::from_str(json)
                .map(Some)
                .map_err(|e| StoreError::Corrupt(e.to_string())),
            None => Ok(None),
        }
    }

    fn clear(&self, profile: &str) -> Result<(), StoreError> {
        self.entries.lock().unwrap().remove(profile);
        Ok(())
    }
}

/// A machine without a usable keyring, as this kind of container is: reading finds
/// nothing, writing fails the way keyring's kernel backend does there.
pub struct NoKeyring;

impl SessionStore for NoKeyring {
    fn save(&self, _: &str, _: &Session) -> Result<(), StoreError> {
        Err(StoreError::Unavailable(
            "No matching entry found in secure storage".into(),
        ))
    }

    fn load(&self, _: &str) -> Result<Option<Session>, StoreError> {
        Ok(None)
    }

    fn clear(&self, _: &str) -> Result<(), StoreError> {
        Ok(())
    }
}
