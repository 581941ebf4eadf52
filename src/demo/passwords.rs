//! Password storage. Passwords set through the API get a fast salted SHA-256
//! (bcrypt for 100k synthetic users would take minutes); `password_hash`
//! values given on admin create are real bcrypt hashes and are checked with
//! the bcrypt crate, as GoTrue does.

use sha2::{Digest, Sha256};

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PasswordHash {
    /// sha256(salt ‖ password).
    Salted { salt: [u8; 16], digest: [u8; 32] },
    /// A `$2a$`/`$2b$`/`$2y$` hash.
    Bcrypt(String),
}

impl PasswordHash {
    pub fn new(password: &str) -> Self {
        Self::with_salt(password, rand::random())
    }

    /// Deterministic variant for seed data.
    pub fn with_salt(password: &str, salt: [u8; 16]) -> Self {
        PasswordHash::Salted {
            salt,
            digest: digest(&salt, password),
        }
    }

    /// Accepts a bcrypt hash the way `bcrypt.Cost` does: it must parse.
    pub fn from_bcrypt(hash: &str) -> Result<Self, String> {
        hash.parse::<bcrypt::HashParts>()
            .map(|_| PasswordHash::Bcrypt(hash.to_string()))
            .map_err(|e| e.to_string())
    }

    pub fn verify(&self, password: &str) -> bool {
        match self {
            PasswordHash::Salted { salt, digest: d } => {
                let candidate = digest(salt, password);
                // Compare without an early exit.
                candidate
                    .iter()
                    .zip(d.iter())
                    .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                    == 0
            }
            PasswordHash::Bcrypt(hash) => bcrypt::verify(password, hash).unwrap_or(false),
        }
    }
}

fn digest(salt: &[u8; 16], password: &str) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(salt);
    h.update(password.as_bytes());
    h.finalize().into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn salted_round_trip() {
        let h = PasswordHash::new("analytical-engine-1843");
        assert!(h.verify("analytical-engine-1843"));
        assert!(!h.verify("analytical-engine-1842"));
    }

    #[test]
    fn bcrypt_hashes() {
        let hash = bcrypt::hash("secret-pass", 4).unwrap_or_default();
        let h = PasswordHash::from_bcrypt(&hash);
        assert!(h.as_ref().is_ok_and(|h| h.verify("secret-pass")));
        assert!(h.is_ok_and(|h| !h.verify("other")));
        assert!(PasswordHash::from_bcrypt("not-a-hash").is_err());
        // $2y$ is accepted too.
        let y = hash.replacen("$2b$", "$2y$", 1);
        assert!(PasswordHash::from_bcrypt(&y).is_ok_and(|h| h.verify("secret-pass")));
    }
}
