//! Keys, tokens and passwords: a string that never prints itself.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// A secret string (service key, access or refresh token, password).
///
/// `Debug` and `Display` print `***`, so a secret cannot reach a log line, a panic message or
/// the screen by accident. Reading it takes an explicit [`Secret::expose`].
#[derive(Clone, Default, PartialEq, Eq, Hash)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret itself: for the wire, or when the user asked to reveal it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Self(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Self(value.to_owned())
    }
}

// Secrets travel to and from GoTrue inside JSON bodies (tokens in a session, a password in a
// sign-in); serde sees the real value, formatting never does.
impl Serialize for Secret {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Secret)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formatting_never_shows_the_value() {
        let s = Secret::new("eyJhbGciOiJIUzI1NiJ9.secret");
        assert_eq!(format!("{s}"), "***");
        assert_eq!(format!("{s:?}"), "***");
        #[derive(Debug)]
        #[allow(dead_code)]
        struct Holder {
            key: Secret,
        }
        let dbg = format!("{:?}", Holder { key: s.clone() });
        assert!(!dbg.contains("secret"), "{dbg}");
        assert_eq!(s.expose(), "eyJhbGciOiJIUzI1NiJ9.secret");
    }

    #[test]
    fn serde_carries_the_real_value() {
        let s = Secret::new("pw");
        assert_eq!(serde_json::to_string(&s).unwrap(), "\"pw\"");
        let back: Secret = serde_json::from_str("\"tok\"").unwrap();
        assert_eq!(back.expose(), "tok");
    }
}
