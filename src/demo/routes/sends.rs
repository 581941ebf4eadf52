//! Sending mail and SMS the way GoTrue's `sendConfirmation`, `sendInvite`,
//! `sendPasswordRecovery`, `sendMagicLink`, `sendEmailChange` (mail.go) and
//! `sendPhoneConfirmation` (phone.go) do: check the per-user frequency on the
//! matching `*_sent_at`, store the token hash, stamp the time. Here the
//! message goes to the outbox instead of SMTP or an SMS provider.

use chrono::{DateTime, Duration, Utc};

use super::super::errors::{ApiError, ApiResult};
use super::super::mailer;
use super::super::model::User;
use super::super::outbox::{Draft, OutboxKind};
use super::super::state::Settings;

/// GoTrue's `validateSentWithinFrequencyLimit` / `generateFrequencyLimitErrorMessage`.
pub fn check_frequency(
    sent_at: Option<DateTime<Utc>>,
    frequency: Duration,
    now: DateTime<Utc>,
    code: &str,
) -> ApiResult<()> {
    if let Some(sent) = sent_at {
        // An absurd configured frequency must not overflow the clock.
        let until = sent
            .checked_add_signed(frequency)
            .unwrap_or(DateTime::<Utc>::MAX_UTC);
        if until > now {
            let left = (until - now).num_seconds();
            return Err(ApiError::too_many(
                code,
                format!("For security purposes, you can only request this after {left} seconds."),
            ));
        }
    }
    Ok(())
}

const EMAIL_LIMIT: &str = "over_email_send_rate_limit";
const SMS_LIMIT: &str = "over_sms_send_rate_limit";

/// Signup confirmation (also what `/otp` and `/magiclink` send a new user).
pub fn confirmation(
    s: &Settings,
    u: &mut User,
    redirect: &str,
    now: DateTime<Utc>,
) -> ApiResult<Draft> {
    check_frequency(u.confirmation_sent_at, s.send_frequency, now, EMAIL_LIMIT)?;
    let otp = mailer::otp();
    let hash = mailer::token_hash(&u.email, &otp);
    let link = mailer::action_link(&s.url, &hash, "signup", redirect);
    u.confirmation_token = hash;
    u.confirmation_sent_at = Some(now);
    Ok(mailer::mail(
        OutboxKind::Confirmation,
        &u.email,
        u.id,
        Some(link),
        &otp,
    ))
}

/// Invitation: no frequency limit in GoTrue.
pub fn invite(s: &Settings, u: &mut User, redirect: &str, now: DateTime<Utc>) -> Draft {
    let otp = mailer::otp();
    let hash = mailer::token_hash(&u.email, &otp);
    let link = mailer::action_link(&s.url, &hash, "invite", redirect);
    u.confirmation_token = hash;
    u.confirmation_sent_at = Some(now);
    u.invited_at = Some(now);
    mailer::mail(OutboxKind::Invite, &u.email, u.id, Some(link), &otp)
}

/// Password recovery.
pub fn recovery(
    s: &Settings,
    u: &mut User,
    redirect: &str,
    now: DateTime<Utc>,
) -> ApiResult<Draft> {
    check_frequency(u.recovery_sent_at, s.send_frequency, now, EMAIL_LIMIT)?;
    let otp = mailer::otp();
    let hash = mailer::token_hash(&u.email, &otp);
    let link = mailer::action_link(&s.url, &hash, "recovery", redirect);
    u.recovery_token = hash;
    u.recovery_sent_at = Some(now);
    Ok(mailer::mail(
        OutboxKind::Recovery,
        &u.email,
        u.id,
        Some(link),
        &otp,
    ))
}

/// Magic link; shares the recovery token and timer, as in GoTrue.
pub fn magic_link(
    s: &Settings,
    u: &mut User,
    redirect: &str,
    kind: OutboxKind,
    now: DateTime<Utc>,
) -> ApiResult<Draft> {
    check_frequency(u.recovery_sent_at, s.send_frequency, now, EMAIL_LIMIT)?;
    let otp = mailer::otp();
    let hash = mailer::token_hash(&u.email, &otp);
    let link = mailer::action_link(&s.url, &hash, "magiclink", redirect);
    u.recovery_token = hash;
    u.recovery_sent_at = Some(now);
    Ok(mailer::mail(kind, &u.email, u.id, Some(link), &otp))
}

/// Email change: a code for the new address and, with secure email change,
/// one for the current address.
pub fn email_change(
    s: &Settings,
    u: &mut User,
    new_email: &str,
    redirect: &str,
    now: DateTime<Utc>,
) -> ApiResult<Vec<Draft>> {
    check_frequency(u.email_change_sent_at, s.send_frequency, now, EMAIL_LIMIT)?;
    let mut drafts = Vec::new();
    let otp_new = mailer::otp();
    let hash_new = mailer::token_hash(new_email, &otp_new);
    u.email_change = new_email.to_string();
    u.email_change_token_new = hash_new.clone();
    drafts.push(mailer::mail(
        OutboxKind::EmailChange,
        new_email,
        u.id,
        Some(mailer::action_link(
            &s.url,
            &hash_new,
            "email_change",
            redirect,
        )),
        &otp_new,
    ));
    u.email_change_token_current = String::new();
    if s.secure_email_change && !u.email.is_empty() {
        let otp_current = mailer::otp();
        let hash_current = mailer::token_hash(&u.email, &otp_current);
        u.email_change_token_current = hash_current.clone();
        drafts.push(mailer::mail(
            OutboxKind::EmailChange,
            &u.email,
            u.id,
            Some(mailer::action_link(
                &s.url,
                &hash_current,
                "email_change",
                redirect,
            )),
            &otp_current,
        ));
    }
    u.email_change_confirm_status = 0;
    u.email_change_sent_at = Some(now);
    Ok(drafts)
}

/// Which SMS: a sign-in / confirmation code or a phone change code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SmsPurpose {
    Confirmation,
    PhoneChange,
}

/// `sendPhoneConfirmation`. Returns the draft and the message id GoTrue
/// would answer with (`test-otp` for numbers with a fixed test code).
pub fn sms(
    s: &Settings,
    u: &mut User,
    phone: &str,
    purpose: SmsPurpose,
    now: DateTime<Utc>,
) -> ApiResult<(Draft, String)> {
    let sent_at = match purpose {
        SmsPurpose::Confirmation => u.confirmation_sent_at,
        SmsPurpose::PhoneChange => u.phone_change_sent_at,
    };
    check_frequency(sent_at, s.send_frequency, now, SMS_LIMIT)?;
    let (otp, message_id) = match s.test_otp(phone) {
        Some(fixed) => (fixed.to_string(), "test-otp".to_string()),
        None => (
            mailer::otp(),
            format!("demo-{}", uuid::Uuid::new_v4().simple()),
        ),
    };
    let hash = mailer::token_hash(phone, &otp);
    let kind = match purpose {
        SmsPurpose::Confirmation => {
            u.confirmation_token = hash;
            u.confirmation_sent_at = Some(now);
            OutboxKind::OtpSms
        }
        SmsPurpose::PhoneChange => {
            u.phone_change = phone.to_string();
            u.phone_change_token = hash;
            u.phone_change_sent_at = Some(now);
            OutboxKind::PhoneChange
        }
    };
    Ok((mailer::sms(kind, phone, u.id, &otp), message_id))
}
