//! Signing a user out everywhere. GoTrue has no admin call for it, and a ban or a delete
//! leaves the access tokens already issued working until they expire
//! (supabase/supabase#48487). What can be done: obtain a session for the user (a magic link
//! generated with the admin key, so no mail is sent, then verified), and sign that session
//! out with `scope=global`, which revokes every refresh token of the user's. What remains
//! is said by [`Effects`], and what stops it for a given user by [`refusal`].

use crate::gotrue::{
    ErrorKind, GenerateLinkRequest, GoTrueClient, GoTrueError, LinkType, OtpType, Session,
    SignOutScope, User, Verification, VerifyOutcome,
};
use chrono::{DateTime, Utc};

/// Why a user cannot be signed out everywhere this way, before anything is sent.
pub fn refusal(email: &str, banned: bool, deleted: bool) -> Option<String> {
    if deleted {
        return Some("The user is deleted: GoTrue signs no one in as a deleted user.".into());
    }
    if email.is_empty() {
        return Some(
            "The user has no email. GoTrue's admin API signs a user in only through an email \
             link it generates; a phone code would send them an SMS."
                .into(),
        );
    }
    if banned {
        return Some(
            "The user is banned: GoTrue refuses to sign them in, and already refuses their \
             refresh tokens (a refresh checks the ban). The access tokens issued before the \
             ban work until they expire (the server's JWT expiry)."
                .into(),
        );
    }
    None
}

/// For an unconfirmed email: the link confirms it.
fn unconfirmed(email_confirmed: bool) -> Option<String> {
    (!email_confirmed).then(|| {
        "Their email is not confirmed: verifying the link confirms it, as if they had clicked \
         it."
        .to_owned()
    })
}

/// What the sign-out does beyond revoking the refresh tokens, for the confirmation.
pub fn effects(email_confirmed: bool) -> Vec<String> {
    let mut lines = vec![
        "GoTrue has no admin call for it: the console signs in as the user with a magic link \
         it generates (no mail is sent), then signs that session out with scope=global, which \
         revokes every refresh token of theirs."
            .to_owned(),
        "What remains: access tokens already issued work until they expire (the server's JWT \
         expiry). Their record shows this sign-in (last_sign_in_at), and GoTrue's audit log a \
         login and a logout."
            .to_owned(),
    ];
    lines.extend(unconfirmed(email_confirmed));
    lines
}

/// How it went.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignedOut {
    /// When the last access token issued before now expires at the latest: the one this
    /// sign-out itself was given, issued last.
    pub tokens_valid_until: Option<DateTime<Utc>>,
    /// The server's JWT expiry, in seconds.
    pub jwt_expiry_secs: i64,
}

/// What starting a session as the user does, for the confirmation ("see what the user
/// sees", as Supabase Studio offers).
pub fn impersonation_effects(email_confirmed: bool) -> Vec<String> {
    let mut lines = vec![
        "The console signs in as the user with a magic link it generates (no mail is sent) \
         and shows the session in the Session tab, marked as started from the admin console."
            .to_owned(),
        "Their record shows this sign-in (last_sign_in_at), and GoTrue's audit log a login. \
         X on the Session tab signs this one session out (scope=local); their other sessions \
         stay."
            .to_owned(),
    ];
    lines.extend(unconfirmed(email_confirmed));
    lines
}

/// A session as the user with this email: a magic link generated with the admin key (no
/// mail is sent), then verified. Two writes, none retried.
pub async fn session_for(client: &GoTrueClient, email: &str) -> Result<Session, GoTrueError> {
    let link = client
        .generate_link(&GenerateLinkRequest::new(
            LinkType::Magiclink,
            email.to_owned(),
        ))
        .await?;
    // GoTrue may answer a magic link for an unconfirmed user as a sign-up link.
    let otp_type = link
        .verification_type
        .parse::<OtpType>()
        .unwrap_or(OtpType::Magiclink);
    let outcome = client
        .verify_otp(&Verification::TokenHash {
            token_hash: link.hashed_token,
            otp_type,
        })
        .await?;
    match outcome {
        VerifyOutcome::Session(session) => Ok(*session),
        _ => Err(GoTrueError::local(
            ErrorKind::Decode,
            None,
            "verifying the generated link gave no session",
        )),
    }
}

/// Signs the user with this email out everywhere: generate a magic link, verify it, sign
/// the session out globally. Three writes, none retried; if the last fails, the error says
/// that a session was opened and not closed.
pub async fn everywhere(client: &GoTrueClient, email: &str) -> Result<SignedOut, GoTrueError> {
    let session = session_for(client, email).await?;
    if let Err(mut e) = client
        .sign_out(&session.access_token, SignOutScope::Global)
        .await
    {
        // GoTrue's own status and code stay; the message says what is left open.
        e.message = format!(
            "a session was opened for the user, but signing it out failed: {}. Its refresh \
             token stays valid: try again",
            e.message
        );
        return Err(e);
    }
    Ok(SignedOut {
        tokens_valid_until: session
            .expires_at
            .and_then(|t| DateTime::<Utc>::from_timestamp(t, 0)),
        jwt_expiry_secs: session.expires_in,
    })
}

/// [`refusal`] for a whole user.
pub fn refusal_for(user: &User, now: DateTime<Utc>) -> Option<String> {
    refusal(
        &user.email,
        user.banned_until.is_some_and(|t| t > now),
        user.deleted_at.is_some(),
    )
}
