//! Sessions and refresh tokens with GoTrue's rotation rules
//! (internal/api/token_refresh.go, internal/models/refresh_token.go):
//! every refresh revokes the token and issues a child; a revoked token whose
//! child is still the active one gets that same child back; any other reuse
//! is allowed only within the reuse interval (10 s by default), after which
//! the whole session's tokens are revoked and the answer is
//! `refresh_token_already_used`.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use rand::Rng;
use uuid::Uuid;

use super::jwt::AmrEntry;

#[derive(Clone, Debug)]
pub struct Session {
    pub id: Uuid,
    pub user_id: Uuid,
    pub refreshed_at: Option<DateTime<Utc>>,
    pub aal: String,
    pub amr: Vec<AmrEntry>,
}

#[derive(Clone, Debug)]
pub struct RefreshToken {
    pub id: u64,
    pub token: String,
    pub user_id: Uuid,
    pub session_id: Uuid,
    pub parent: Option<String>,
    pub revoked: bool,
    pub updated_at: DateTime<Utc>,
}

/// Why a refresh was refused.
#[derive(Debug, PartialEq, Eq)]
pub enum RefreshRefusal {
    NotFound,
    NoSession,
    AlreadyUsed,
}

#[derive(Default)]
pub struct Sessions {
    sessions: HashMap<Uuid, Session>,
    tokens: HashMap<String, RefreshToken>,
    next_token_id: u64,
}

/// GoTrue's refresh tokens: 12 lower-case letters and digits.
fn new_token_string() -> String {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let mut rng = rand::rng();
    (0..12)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect()
}

impl Sessions {
    /// Starts a session signed in with `method`; returns it and its first
    /// refresh token.
    pub fn create(&mut self, user_id: Uuid, method: &str, now: DateTime<Utc>) -> (Session, String) {
        let session = Session {
            id: Uuid::new_v4(),
            user_id,
            refreshed_at: None,
            aal: "aal1".into(),
            amr: vec![AmrEntry {
                method: method.to_string(),
                timestamp: now.timestamp(),
            }],
        };
        self.sessions.insert(session.id, session.clone());
        let token = self.issue(user_id, session.id, None, now);
        (session, token)
    }

    fn issue(
        &mut self,
        user_id: Uuid,
        session_id: Uuid,
        parent: Option<String>,
        now: DateTime<Utc>,
    ) -> String {
        let mut token = new_token_string();
        while self.tokens.contains_key(&token) {
            token = new_token_string();
        }
        self.next_token_id += 1;
        self.tokens.insert(
            token.clone(),
            RefreshToken {
                id: self.next_token_id,
                token: token.clone(),
                user_id,
                session_id,
                parent,
                revoked: false,
                updated_at: now,
            },
        );
        token
    }

    pub fn get(&self, id: &Uuid) -> Option<&Session> {
        self.sessions.get(id)
    }

    pub fn token(&self, token: &str) -> Option<&RefreshToken> {
        self.tokens.get(token)
    }

    /// Rotates `token` (already looked up, user checked by the caller).
    /// Returns the session and the refresh token to hand out.
    pub fn refresh(
        &mut self,
        token: &str,
        now: DateTime<Utc>,
        reuse_interval: Duration,
    ) -> Result<(Session, String), RefreshRefusal> {
        let rt = self
            .tokens
            .get(token)
            .cloned()
            .ok_or(RefreshRefusal::NotFound)?;
        let Some(session) = self.sessions.get(&rt.session_id).cloned() else {
            self.tokens.remove(token);
            return Err(RefreshRefusal::NoSession);
        };
        let mut issued = None;
        if rt.revoked {
            let active = self
                .tokens
                .values()
                .filter(|t| t.session_id == rt.session_id && !t.revoked)
                .max_by_key(|t| t.id);
            match active {
                Some(active) if active.parent.as_deref() == Some(token) => {
                    issued = Some(active.token.clone());
                }
                _ => {
                    let reuse_until = rt
                        .updated_at
                        .checked_add_signed(reuse_interval)
                        .unwrap_or(DateTime::<Utc>::MAX_UTC);
                    if now > reuse_until {
                        for t in self.tokens.values_mut() {
                            if t.session_id == rt.session_id && !t.revoked {
                                t.revoked = true;
                                t.updated_at = now;
                            }
                        }
                        return Err(RefreshRefusal::AlreadyUsed);
                    }
                }
            }
        }
        let issued = match issued {
            Some(t) => t,
            None => {
                if let Some(t) = self.tokens.get_mut(token) {
                    t.revoked = true;
                    t.updated_at = now;
                }
                self.issue(rt.user_id, rt.session_id, Some(token.to_string()), now)
            }
        };
        if let Some(s) = self.sessions.get_mut(&session.id) {
            s.refreshed_at = Some(now);
        }
        Ok((session, issued))
    }

    /// Ends one session and its tokens.
    pub fn logout_session(&mut self, id: &Uuid) {
        self.sessions.remove(id);
        self.tokens.retain(|_, t| t.session_id != *id);
    }

    /// Ends every session of a user.
    pub fn logout_user(&mut self, user_id: &Uuid) {
        self.sessions.retain(|_, s| s.user_id != *user_id);
        self.tokens.retain(|_, t| t.user_id != *user_id);
    }

    /// Ends every session of a user but one.
    pub fn logout_others(&mut self, user_id: &Uuid, keep: &Uuid) {
        self.sessions
            .retain(|id, s| s.user_id != *user_id || id == keep);
        self.tokens
            .retain(|_, t| t.user_id != *user_id || t.session_id == *keep);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rotation_and_reuse() {
        let mut s = Sessions::default();
        let t0 = Utc::now();
        let user = Uuid::new_v4();
        let (session, a) = s.create(user, "password", t0);
        assert_eq!(a.len(), 12);
        let interval = Duration::seconds(10);
        let (_, b) = s
            .refresh(&a, t0, interval)
            .unwrap_or_else(|_| (session.clone(), String::new()));
        assert_ne!(a, b);
        // A's child B is still active: reusing A hands B back, any time.
        let later = t0 + Duration::seconds(60);
        assert_eq!(s.refresh(&a, later, interval).map(|r| r.1), Ok(b.clone()));
        let (_, c) = s
            .refresh(&b, t0, interval)
            .unwrap_or_else(|_| (session.clone(), String::new()));
        // Within the interval, reusing A (no longer parent of the active
        // token) still works; after it, the family is revoked.
        assert!(s.refresh(&a, t0 + Duration::seconds(5), interval).is_ok());
        assert_eq!(
            s.refresh(&b, later, interval).map(|r| r.1),
            Err(RefreshRefusal::AlreadyUsed)
        );
        assert!(s.token(&c).is_some_and(|t| t.revoked));
        s.logout_user(&user);
        assert_eq!(
            s.refresh(&c, later, interval).map(|r| r.1),
            Err(RefreshRefusal::NotFound)
        );
    }
}
