//! One-time codes, token hashes and action links as GoTrue makes them
//! (internal/crypto: `GenerateOtp`, `GenerateTokenHash`; internal/mailer:
//! `GetEmailActionLink`), and the texts of the messages put in the outbox.

use rand::Rng;
use sha2::{Digest, Sha224};
use uuid::Uuid;

use super::outbox::{Draft, OutboxKind};
use super::pagination::go_query_escape;

/// A 6-digit code.
pub fn otp() -> String {
    format!("{:06}", rand::rng().random_range(0..1_000_000u32))
}

/// `hex(sha224(email_or_phone + otp))`.
pub fn token_hash(key: &str, otp: &str) -> String {
    let mut h = Sha224::new();
    h.update(key.as_bytes());
    h.update(otp.as_bytes());
    hex::encode(h.finalize())
}

/// The mailer's `encodeRedirectURL`: escaped only when it holds `&`, `=` or `#`.
fn encode_redirect(redirect_to: &str) -> String {
    if redirect_to.contains(['&', '=', '#']) {
        go_query_escape(redirect_to)
    } else {
        redirect_to.to_string()
    }
}

/// `<url>/verify?token=…&type=…&redirect_to=…`.
pub fn action_link(base_url: &str, token_hash: &str, link_type: &str, redirect_to: &str) -> String {
    format!(
        "{base_url}/verify?token={}&type={}&redirect_to={}",
        go_query_escape(token_hash),
        go_query_escape(link_type),
        encode_redirect(redirect_to)
    )
}

/// A mail with a link and a code, worded like GoTrue's default templates.
pub fn mail(kind: OutboxKind, to: &str, user_id: Uuid, link: Option<String>, otp: &str) -> Draft {
    let (subject, intro, action) = match kind {
        OutboxKind::Confirmation => (
            "Confirm Your Signup",
            "Confirm your signup",
            "Follow this link to confirm your user:",
        ),
        OutboxKind::Invite => (
            "You have been invited",
            "You have been invited",
            "You have been invited to create a user. Follow this link to accept the invite:",
        ),
        OutboxKind::Magiclink | OutboxKind::OtpEmail => (
            "Your Magic Link",
            "Magic Link",
            "Follow this link to login:",
        ),
        OutboxKind::Recovery => (
            "Reset Your Password",
            "Reset Password",
            "Follow this link to reset the password for your user:",
        ),
        OutboxKind::EmailChange => (
            "Confirm Email Change",
            "Confirm Change of Email",
            "Follow this link to confirm the update of your email:",
        ),
        OutboxKind::OtpSms | OutboxKind::PhoneChange => ("", "", ""),
    };
    let mut body = format!("{intro}\n\n{action}\n");
    if let Some(l) = &link {
        body.push_str(l);
        body.push('\n');
    }
    body.push_str(&format!("\nAlternatively, enter the code: {otp}\n"));
    Draft {
        kind,
        to: to.to_string(),
        subject: subject.to_string(),
        body,
        link,
        otp: Some(otp.to_string()),
        user_id,
    }
}

/// An SMS with GoTrue's default template, `Your code is {{ .Code }}`.
pub fn sms(kind: OutboxKind, to: &str, user_id: Uuid, otp: &str) -> Draft {
    Draft {
        kind,
        to: to.to_string(),
        subject: String::new(),
        body: format!("Your code is {otp}"),
        link: None,
        otp: Some(otp.to_string()),
        user_id,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_like_gotrue() {
        // sha224("ada@example.com123456")
        let h = token_hash("ada@example.com", "123456");
        assert_eq!(h.len(), 56);
        assert_eq!(h, token_hash("ada@example.com", "123456"));
        assert_ne!(h, token_hash("ada@example.com", "123457"));
        assert_eq!(otp().len(), 6);
    }

    #[test]
    fn links() {
        assert_eq!(
            action_link(
                "http://127.0.0.1:1",
                "abc",
                "signup",
                "http://localhost:3000"
            ),
            "http://127.0.0.1:1/verify?token=abc&type=signup&redirect_to=http://localhost:3000"
        );
        assert_eq!(
            action_link(
                "http://h",
                "abc",
                "recovery",
                "http://localhost:3000/cb?x=1"
            ),
            "http://h/verify?token=abc&type=recovery&redirect_to=http%3A%2F%2Flocalhost%3A3000%2Fcb%3Fx%3D1"
        );
    }
}
