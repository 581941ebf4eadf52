//! The client against a GoTrue server: the embedded demo server by default, a real GoTrue
//! when `GOTRUE_URL` and `GOTRUE_JWT_SECRET` are set (see `tests/real-gotrue.sh`). Nothing
//! here may rely on the demo server: the same tests prove both.

mod common;

use common::{Target, unique_email, unique_phone};
use futures::StreamExt;
use gotrue_console::gotrue::jwt::decode_unverified;
use gotrue_console::gotrue::{
    AdminUserAttributes, AllUsers, BanDuration, Credential, ErrorKind, FactorStatus, FactorType,
    FactorUpdate, GenerateLinkRequest, GoTrueError, LinkType, ListUsers, OtpType, ProviderUrl,
    ResendType, Secret, SignOutScope, SignUp, SignUpOutcome, UserSort, UserUpdate, Verification,
    VerifyOutcome,
};
use serde_json::{Map, Value, json};
use std::collections::HashSet;

const PASSWORD: &str = "correct-horse-battery-1";

fn obj(v: Value) -> Map<String, Value> {
    v.as_object().cloned().unwrap_or_default()
}

#[track_caller]
fn assert_code(err: &GoTrueError, kind: ErrorKind, codes: &[&str]) {
    assert_eq!(err.kind, kind, "{err:?}");
    let code = err.code.as_deref().unwrap_or_default();
    assert!(
        codes.contains(&code),
        "expected one of {codes:?}, got {err:?}"
    );
}

// ---- server info -------------------------------------------------------------------------

#[tokio::test]
async fn health_reports_a_gotrue_version() {
    let t = Target::new().await;
    let h = t.client.health().await.unwrap();
    assert!(
        h.version.starts_with('v') || h.version.contains('.'),
        "{h:?}"
    );
    assert!(!h.name.is_empty());
}

#[tokio::test]
async fn settings_list_providers() {
    let t = Target::new().await;
    let s = t.client.settings().await.unwrap();
    assert!(s.is_provider_enabled("email"), "{s:?}");
    assert!(s.is_provider_enabled("phone"), "{s:?}");
    assert!(s.enabled_providers().contains(&"email"));
}

// ---- sign up and sign in -----------------------------------------------------------------

#[tokio::test]
async fn sign_up_with_email_then_again() {
    let t = Target::new().await;
    let settings = t.client.settings().await.unwrap();
    let email = unique_email("signup");
    let req = SignUp {
        credential: Credential::Email(email.clone()),
        password: Secret::new(PASSWORD),
        data: Some(obj(json!({"full_name": "Grace Hopper"}))),
        redirect_to: Some("http://localhost:3000/welcome".into()),
    };
    let first = t.client.sign_up(&req).await.unwrap();
    let user = match &first {
        SignUpOutcome::Session(s) => {
            assert!(settings.mailer_autoconfirm);
            s.user.clone().expect("a session carries its user")
        }
        SignUpOutcome::ConfirmationSent(u) => {
            assert!(!settings.mailer_autoconfirm);
            (**u).clone()
        }
    };
    assert_eq!(user.email, email);
    assert_eq!(user.full_name(), Some("Grace Hopper"));

    // The same address again: refused outright when addresses are confirmed at once, else a
    // look-alike user that reveals nothing.
    match t.client.sign_up(&req).await {
        Err(e) => {
            assert!(settings.mailer_autoconfirm);
            assert_code(&e, ErrorKind::Conflict, &["user_already_exists"]);
        }
        Ok(SignUpOutcome::ConfirmationSent(fake)) => {
            assert!(!settings.mailer_autoconfirm);
            assert_eq!(fake.email, email);
        }
        Ok(other) => panic!("a second sign-up must not sign in: {other:?}"),
    }
}

#[tokio::test]
async fn sign_up_with_phone() {
    let t = Target::new().await;
    let settings = t.client.settings().await.unwrap();
    let phone = unique_phone();
    let out = t
        .client
        .sign_up(&SignUp {
            credential: Credential::Phone(format!("+{phone}")),
            password: Secret::new(PASSWORD),
            data: None,
            redirect_to: None,
        })
        .await
        .unwrap();
    let user = match out {
        SignUpOutcome::Session(s) => {
            assert!(settings.phone_autoconfirm);
            s.user.unwrap()
        }
        SignUpOutcome::ConfirmationSent(u) => *u,
    };
    assert_eq!(user.phone, phone, "stored without +");
    assert_eq!(user.email, "");
}

#[tokio::test]
async fn weak_password_on_sign_up_names_the_reason() {
    let t = Target::new().await;
    let err = t
        .client
        .sign_up(&SignUp {
            credential: Credential::Email(unique_email("weak")),
            password: Secret::new("123"),
            data: None,
            redirect_to: None,
        })
        .await
        .unwrap_err();
    assert_code(&err, ErrorKind::Validation, &["weak_password"]);
    assert_eq!(err.status, Some(422));
    assert!(
        err.weak_password_reasons.contains(&"length".to_owned()),
        "{err:?}"
    );
}

#[tokio::test]
async fn sign_in_with_password_and_read_the_claims() {
    let t = Target::new().await;
    let user = t.confirmed_user(PASSWORD).await;
    let session = t.signed_in(&user, PASSWORD).await;
    assert_eq!(session.token_type.to_lowercase(), "bearer");
    assert!(session.expires_in > 0);
    assert!(session.expires_at.is_some());
    assert!(!session.refresh_token.is_empty());
    assert_eq!(session.user.as_ref().map(|u| u.id), Some(user.id));

    let jwt = decode_unverified(session.access_token.expose()).unwrap();
    let c = jwt.claims;
    assert_eq!(c.sub.as_deref(), Some(user.id.to_string().as_str()));
    assert_eq!(c.role.as_deref(), Some("authenticated"));
    assert_eq!(c.aal.as_deref(), Some("aal1"));
    assert_eq!(c.email.as_deref(), Some(user.email.as_str()));
    assert!(c.amr_methods().contains(&"password".to_owned()));
    assert!(c.session_id.is_some());
    assert_eq!(c.is_anonymous, Some(false));
    assert!(c.audiences().contains(&"authenticated".to_owned()));
    assert_eq!(c.exp, session.expires_at);
}

#[tokio::test]
async fn wrong_password_is_invalid_credentials() {
    let t = Target::new().await;
    let user = t.confirmed_user(PASSWORD).await;
    let err = t
        .client
        .sign_in_with_password(
            &Credential::Email(user.email.clone()),
            &Secret::new("nope-nope"),
        )
        .await
        .unwrap_err();
    assert_code(&err, ErrorKind::Auth, &["invalid_credentials"]);
    assert_eq!(err.status, Some(400));
    // An unknown address reads the same: no enumeration.
    let err = t
        .client
        .sign_in_with_password(
            &Credential::Email(unique_email("nobody")),
            &Secret::new(PASSWORD),
        )
        .await
        .unwrap_err();
    assert_code(&err, ErrorKind::Auth, &["invalid_credentials"]);
}

#[tokio::test]
async fn unconfirmed_email_cannot_sign_in() {
    let t = Target::new().await;
    let user = t
        .client
        .create_user(&AdminUserAttributes {
            email: Some(unique_email("unconfirmed")),
            password: Some(Secret::new(PASSWORD)),
            email_confirm: Some(false),
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(user.email_confirmed_at.is_none());
    let err = t
        .client
        .sign_in_with_password(
            &Credential::Email(user.email.clone()),
            &Secret::new(PASSWORD),
        )
        .await
        .unwrap_err();
    assert_code(&err, ErrorKind::Auth, &["email_not_confirmed"]);
}

#[tokio::test]
async fn banned_user_cannot_sign_in_until_unbanned() {
    let t = Target::new().await;
    let user = t.confirmed_user(PASSWORD).await;
    let banned = t
        .client
        .update_user_by_id(
            user.id,
            &AdminUserAttributes {
                ban_duration: Some(BanDuration::hours(24)),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let until = banned.banned_until.expect("banned_until is set");
    let hours = (until - chrono::Utc::now()).num_minutes() as f64 / 60.0;
    assert!((23.0..=24.1).contains(&hours), "banned for {hours} h");

    let cred = Credential::Email(user.email.clone());
    let err = t
        .client
        .sign_in_with_password(&cred, &Secret::new(PASSWORD))
        .await
        .unwrap_err();
    assert_code(&err, ErrorKind::Auth, &["user_banned"]);

    let unbanned = t
        .client
        .update_user_by_id(
            user.id,
            &AdminUserAttributes {
                ban_duration: Some(BanDuration::Unban),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert!(!unbanned.is_banned_at(chrono::Utc::now()));
    t.client
        .sign_in_with_password(&cred, &Secret::new(PASSWORD))
        .await
        .unwrap();
}

// ---- sessions ----------------------------------------------------------------------------

#[tokio::test]
async fn refresh_rotates_and_a_spent_token_is_refused() {
    let t = Target::new().await;
    let user = t.confirmed_user(PASSWORD).await;
    let s0 = t.signed_in(&user, PASSWORD).await;
    let s1 = t.client.refresh_session(&s0.refresh_token).await.unwrap();
    assert_ne!(s1.refresh_token, s0.refresh_token);
    assert_eq!(s1.user.as_ref().map(|u| u.id), Some(user.id));
    let s2 = t.client.refresh_session(&s1.refresh_token).await.unwrap();
    assert_ne!(s2.refresh_token, s1.refresh_token);
    t.client.get_user(&s2.access_token).await.unwrap();

    // s0's token is two rotations old: reuse is refused (and the family revoked).
    let err = t
        .client
        .refresh_session(&s0.refresh_token)
        .await
        .unwrap_err();
    assert_code(&err, ErrorKind::Auth, &["refresh_token_already_used"]);

    // A token of the wrong form is refused before any look-up (token_refresh.go's Validate);
    // a well-formed one that does not exist is not found.
    let err = t
        .client
        .refresh_session(&Secret::new("not-a-refresh-token"))
        .await
        .unwrap_err();
    assert_code(&err, ErrorKind::Validation, &["validation_failed"]);
    assert_eq!(err.status, Some(400));
    let err = t
        .client
        .refresh_session(&Secret::new("abcdefghijkl"))
        .await
        .unwrap_err();
    assert_code(&err, ErrorKind::Auth, &["refresh_token_not_found"]);
}

#[tokio::test]
async fn sign_out_scopes() {
    let t = Target::new().await;
    let user = t.confirmed_user(PASSWORD).await;
    let refused = |e: GoTrueError| assert_eq!(e.kind, ErrorKind::Auth, "{e:?}");

    // others: this session lives, the other ends.
    let a = t.signed_in(&user, PASSWORD).await;
    let b = t.signed_in(&user, PASSWORD).await;
    t.client
        .sign_out(&a.access_token, SignOutScope::Others)
        .await
        .unwrap();
    t.client.get_user(&a.access_token).await.unwrap();
    refused(t.client.get_user(&b.access_token).await.unwrap_err());
    let err = t.client.get_user(&b.access_token).await.unwrap_err();
    assert_code(&err, ErrorKind::Auth, &["session_not_found"]);

    // local: only this session.
    let c = t.signed_in(&user, PASSWORD).await;
    t.client
        .sign_out(&a.access_token, SignOutScope::Local)
        .await
        .unwrap();
    refused(t.client.get_user(&a.access_token).await.unwrap_err());
    t.client.get_user(&c.access_token).await.unwrap();
    // and its refresh token is gone too
    refused(
        t.client
            .refresh_session(&a.refresh_token)
            .await
            .unwrap_err(),
    );

    // global: every session.
    let d = t.signed_in(&user, PASSWORD).await;
    t.client
        .sign_out(&c.access_token, SignOutScope::Global)
        .await
        .unwrap();
    refused(t.client.get_user(&c.access_token).await.unwrap_err());
    refused(t.client.get_user(&d.access_token).await.unwrap_err());
}

#[tokio::test]
async fn get_and_update_the_signed_in_user() {
    let t = Target::new().await;
    let user = t.confirmed_user(PASSWORD).await;
    let s = t.signed_in(&user, PASSWORD).await;
    let me = t.client.get_user(&s.access_token).await.unwrap();
    assert_eq!(me.id, user.id);

    let updated = t
        .client
        .update_user(
            &s.access_token,
            &UserUpdate {
                data: Some(obj(json!({"theme": "dark", "full_name": "Ada"}))),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(updated.user_metadata["theme"], "dark");
    let updated = t
        .client
        .update_user(
            &s.access_token,
            &UserUpdate {
                data: Some(obj(json!({"theme": null, "lang": "en"}))),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(updated.user_metadata.get("lang"), Some(&json!("en")));
    assert_eq!(updated.user_metadata.get("full_name"), Some(&json!("Ada")));

    let err = t
        .client
        .update_user(
            &s.access_token,
            &UserUpdate {
                password: Some(Secret::new(PASSWORD)),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    assert_code(&err, ErrorKind::Validation, &["same_password"]);

    let err = t
        .client
        .update_user(
            &s.access_token,
            &UserUpdate {
                password: Some(Secret::new("12")),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    assert_code(&err, ErrorKind::Validation, &["weak_password"]);

    let new_password = "a-brand-new-secret-2";
    t.client
        .update_user(
            &s.access_token,
            &UserUpdate {
                password: Some(Secret::new(new_password)),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    t.signed_in(&user, new_password).await;
}

#[tokio::test]
async fn user_calls_refuse_garbage_and_missing_tokens() {
    let t = Target::new().await;
    let err = t
        .client
        .get_user(&Secret::new("not.a.jwt"))
        .await
        .unwrap_err();
    assert_code(&err, ErrorKind::Auth, &["bad_jwt"]);
    // Signed with another secret.
    let forged = common::mint(
        "another-secret-another-secret-another-secret",
        json!({"sub": uuid::Uuid::new_v4().to_string(), "role": "authenticated"}),
    );
    let err = t.client.get_user(&Secret::new(forged)).await.unwrap_err();
    assert_code(&err, ErrorKind::Auth, &["bad_jwt"]);
}

// ---- links and codes ---------------------------------------------------------------------

#[tokio::test]
async fn magic_link_then_send_rate_limit() {
    let t = Target::new().await;
    let user = t.confirmed_user(PASSWORD).await;
    t.client.send_magic_link(&user.email, None).await.unwrap();
    // A second mail to the same user within the send frequency is refused per user.
    let err = t
        .client
        .send_magic_link(&user.email, None)
        .await
        .unwrap_err();
    assert_code(
        &err,
        ErrorKind::RateLimited,
        &["over_email_send_rate_limit"],
    );
    assert_eq!(err.status, Some(429));
    assert!(err.message.contains("after"), "{err:?}");
}

#[tokio::test]
async fn email_otp_verified_with_the_generated_code() {
    let t = Target::new().await;
    let user = t.confirmed_user(PASSWORD).await;
    let id = t
        .client
        .send_otp(&Credential::Email(user.email.clone()), false, None, None)
        .await
        .unwrap();
    assert_eq!(id, None, "email OTPs carry no message id");
    // The code the mail would carry, without reading mail: generate_link's email_otp.
    let link = t
        .client
        .generate_link(&GenerateLinkRequest::new(
            LinkType::Magiclink,
            user.email.clone(),
        ))
        .await
        .unwrap();
    assert_eq!(link.email_otp.expose().len(), 6);
    let out = t
        .client
        .verify_otp(&Verification::Token {
            target: Credential::Email(user.email.clone()),
            token: link.email_otp.clone(),
            otp_type: OtpType::Email,
        })
        .await
        .unwrap();
    let VerifyOutcome::Session(s) = out else {
        panic!("a verified OTP signs in: {out:?}");
    };
    assert_eq!(s.user.as_ref().map(|u| u.id), Some(user.id));

    // A code is good once.
    let err = t
        .client
        .verify_otp(&Verification::Token {
            target: Credential::Email(user.email.clone()),
            token: link.email_otp.clone(),
            otp_type: OtpType::Email,
        })
        .await
        .unwrap_err();
    assert_code(&err, ErrorKind::Auth, &["otp_expired"]);
}

#[tokio::test]
async fn otp_for_unknown_email_without_create_user_is_refused() {
    let t = Target::new().await;
    let err = t
        .client
        .send_otp(&Credential::Email(unique_email("ghost")), false, None, None)
        .await
        .unwrap_err();
    assert!(
        matches!(
            err.kind,
            ErrorKind::Validation | ErrorKind::NotFound | ErrorKind::Auth
        ),
        "{err:?}"
    );
    assert_eq!(err.code.as_deref(), Some("otp_disabled"), "{err:?}");
}

#[tokio::test]
async fn recovery_link_verified_by_token_hash() {
    let t = Target::new().await;
    let user = t.confirmed_user(PASSWORD).await;
    let link = t
        .client
        .generate_link(&GenerateLinkRequest::new(
            LinkType::Recovery,
            user.email.clone(),
        ))
        .await
        .unwrap();
    assert_eq!(link.verification_type, "recovery");
    assert!(link.action_link.expose().contains("type=recovery"));
    let out = t
        .client
        .verify_otp(&Verification::TokenHash {
            token_hash: link.hashed_token.clone(),
            otp_type: OtpType::Recovery,
        })
        .await
        .unwrap();
    assert!(matches!(out, VerifyOutcome::Session(_)), "{out:?}");
}

#[tokio::test]
async fn wrong_otp_is_expired_or_invalid() {
    let t = Target::new().await;
    let user = t.confirmed_user(PASSWORD).await;
    let err = t
        .client
        .verify_otp(&Verification::Token {
            target: Credential::Email(user.email.clone()),
            token: Secret::new("000000"),
            otp_type: OtpType::Email,
        })
        .await
        .unwrap_err();
    assert_code(&err, ErrorKind::Auth, &["otp_expired"]);
    assert_eq!(err.status, Some(403));
}

/// GoTrue's test number (`GOTRUE_SMS_TEST_OTP=15555550100:123456`): always the same code.
#[tokio::test]
async fn phone_otp_with_the_test_number_then_password_sign_in() {
    let t = Target::new().await;
    let phone = Credential::Phone("+15555550100".into());
    let id = t.client.send_otp(&phone, true, None, None).await.unwrap();
    let _ = id; // a real SMS provider would give a message id; the test number needs none
    let out = t
        .client
        .verify_otp(&Verification::Token {
            target: phone.clone(),
            token: Secret::new("123456"),
            otp_type: OtpType::Sms,
        })
        .await
        .unwrap();
    let VerifyOutcome::Session(s) = out else {
        panic!("sms verify signs in: {out:?}");
    };
    let user = s.user.clone().unwrap();
    assert_eq!(user.phone, "15555550100");
    assert!(user.phone_confirmed_at.is_some());

    let err = t
        .client
        .verify_otp(&Verification::Token {
            target: phone.clone(),
            token: Secret::new("654321"),
            otp_type: OtpType::Sms,
        })
        .await
        .unwrap_err();
    assert_code(&err, ErrorKind::Auth, &["otp_expired"]);

    let password = format!("phone-pass-{}", uuid::Uuid::new_v4().simple());
    t.client
        .update_user(
            &s.access_token,
            &UserUpdate {
                password: Some(Secret::new(password.clone())),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let signed = t
        .client
        .sign_in_with_password(&phone, &Secret::new(password))
        .await
        .unwrap();
    assert_eq!(signed.user.unwrap().id, user.id);
}

#[tokio::test]
async fn resend_a_signup_confirmation() {
    let t = Target::new().await;
    let user = t
        .client
        .create_user(&AdminUserAttributes {
            email: Some(unique_email("resend")),
            password: Some(Secret::new(PASSWORD)),
            ..Default::default()
        })
        .await
        .unwrap();
    t.client
        .resend(
            ResendType::Signup,
            &Credential::Email(user.email.clone()),
            None,
        )
        .await
        .unwrap();
}

#[tokio::test]
async fn recovery_mail_answers_alike_for_known_and_unknown_addresses() {
    let t = Target::new().await;
    let user = t.confirmed_user(PASSWORD).await;
    t.client
        .reset_password_for_email(&user.email, Some("http://localhost:3000/reset"))
        .await
        .unwrap();
    t.client
        .reset_password_for_email(&unique_email("unknown"), None)
        .await
        .unwrap();
    let after = t.client.get_user_by_id(user.id).await.unwrap();
    assert!(after.recovery_sent_at.is_some());
}

#[tokio::test]
async fn provider_url_is_built_without_a_request() {
    let t = Target::new().await;
    let url = t.client.provider_url(&ProviderUrl {
        provider: "github".into(),
        redirect_to: Some("http://localhost:3000/cb?x=1".into()),
        scopes: Some("repo gist".into()),
        query_params: vec![("prompt".into(), "consent".into())],
    });
    assert!(url.starts_with(&format!("{}/authorize?", t.url)), "{url}");
    assert!(url.contains("provider=github"));
    assert!(url.contains("redirect_to=http%3A%2F%2Flocalhost%3A3000%2Fcb%3Fx%3D1"));
    assert!(url.contains("scopes=repo+gist"));
    assert!(url.contains("prompt=consent"));
}

// ---- the user behind a token or cookie ---------------------------------------------------

#[tokio::test]
async fn user_from_a_jwt_a_cookie_header_and_a_supabase_js_cookie() {
    use base64::Engine;
    let t = Target::new().await;
    let user = t.confirmed_user(PASSWORD).await;
    let s = t.signed_in(&user, PASSWORD).await;

    let found = t
        .client
        .user_from_token_input(s.access_token.expose())
        .await
        .unwrap();
    assert_eq!(found.user.id, user.id);
    assert!(found.refreshed.is_none());
    assert_eq!(
        found.claims.unwrap().email.as_deref(),
        Some(user.email.as_str())
    );

    // An expired access token with its refresh token: refreshed, as getUserByCookie does.
    let claims = decode_unverified(s.access_token.expose()).unwrap().claims;
    let mut expired = serde_json::to_value(&claims).unwrap();
    let past = chrono::Utc::now().timestamp() - 60;
    expired["exp"] = json!(past);
    expired["iat"] = json!(past - 3600);
    let expired = t.mint(expired);
    let header = format!(
        "Cookie: sb-access-token={expired}; sb-refresh-token={}",
        s.refresh_token.expose()
    );
    let found = t.client.user_from_token_input(&header).await.unwrap();
    assert_eq!(found.user.id, user.id);
    let fresh = found.refreshed.expect("the session was refreshed");
    assert_ne!(fresh.refresh_token, s.refresh_token);

    // supabase-js / @supabase/ssr cookie: the session JSON, base64url with a prefix.
    let json = json!({"access_token": fresh.access_token.expose(), "refresh_token": fresh.refresh_token.expose()});
    let cookie = format!(
        "sb-abcdefgh-auth-token=base64-{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json.to_string())
    );
    let found = t.client.user_from_token_input(&cookie).await.unwrap();
    assert_eq!(found.user.id, user.id);
    assert!(found.refreshed.is_none());

    let err = t.client.user_from_token_input("hello").await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::Validation);
    assert_eq!(err.status, None, "refused before any request");
}

// ---- admin: users ------------------------------------------------------------------------

#[tokio::test]
async fn list_filter_page_and_sort() {
    let t = Target::new().await;
    let tag = format!("lst{}", &uuid::Uuid::new_v4().simple().to_string()[..10]);
    let mut ids = Vec::new();
    for i in 0..3 {
        let u = t
            .client
            .create_user(&AdminUserAttributes {
                email: Some(format!("{tag}-{i}@example.com")),
                email_confirm: Some(true),
                ..Default::default()
            })
            .await
            .unwrap();
        ids.push(u.id);
    }
    let all = t
        .client
        .list_users(&ListUsers {
            filter: Some(tag.clone()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(all.total, Some(3));
    assert_eq!(all.users.len(), 3);
    assert_eq!(all.aud.as_deref(), Some("authenticated"));
    let page1 = t
        .client
        .list_users(&ListUsers {
            page: 1,
            per_page: 2,
            filter: Some(tag.clone()),
            sort: Some(UserSort::CreatedAsc),
        })
        .await
        .unwrap();
    assert_eq!(page1.users.len(), 2);
    assert_eq!(page1.next_page, Some(2));
    assert_eq!(page1.last_page, Some(2));
    assert_eq!(page1.users[0].id, ids[0], "oldest first");
    let page2 = t
        .client
        .list_users(&ListUsers {
            page: 2,
            per_page: 2,
            filter: Some(tag.clone()),
            sort: Some(UserSort::CreatedAsc),
        })
        .await
        .unwrap();
    assert_eq!(page2.users.len(), 1);
    assert_eq!(page2.users[0].id, ids[2]);
    assert_eq!(page2.next_page, None);
    let newest = t
        .client
        .list_users(&ListUsers {
            page: 1,
            per_page: 1,
            filter: Some(tag.clone()),
            sort: Some(UserSort::CreatedDesc),
        })
        .await
        .unwrap();
    assert_eq!(newest.users[0].id, ids[2], "newest first");
    assert_eq!(newest.last_page, Some(3));
}

#[tokio::test]
async fn list_filter_matches_full_name_case_insensitively() {
    let t = Target::new().await;
    let name = format!(
        "Zed Quux{}",
        &uuid::Uuid::new_v4().simple().to_string()[..8]
    );
    let u = t
        .client
        .create_user(&AdminUserAttributes {
            email: Some(unique_email("named")),
            user_metadata: Some(obj(json!({"full_name": name}))),
            ..Default::default()
        })
        .await
        .unwrap();
    let page = t
        .client
        .list_users(&ListUsers {
            filter: Some(name.to_lowercase()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(
        page.users.iter().map(|u| u.id).collect::<Vec<_>>(),
        vec![u.id]
    );
}

#[tokio::test]
async fn list_refuses_page_zero_before_sending() {
    let t = Target::new().await;
    let err = t
        .client
        .list_users(&ListUsers {
            page: 0,
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::Validation);
    assert_eq!(err.status, None);
}

#[tokio::test]
async fn stream_all_users_delivers_each_once() {
    let t = Target::new().await;
    let tag = format!("str{}", &uuid::Uuid::new_v4().simple().to_string()[..10]);
    let mut created = HashSet::new();
    for i in 0..23 {
        let u = t
            .client
            .create_user(&AdminUserAttributes {
                email: Some(format!("{tag}-{i:02}@example.com")),
                ..Default::default()
            })
            .await
            .unwrap();
        created.insert(u.id);
    }
    let mut stream = Box::pin(t.client.stream_all_users(AllUsers {
        per_page: 4,
        concurrency: 3,
        filter: Some(tag.clone()),
        ..Default::default()
    }));
    let mut seen = HashSet::new();
    let mut last_loaded = 0;
    let mut batches = 0;
    while let Some(batch) = stream.next().await {
        let batch = batch.unwrap();
        batches += 1;
        // Read by cursor (a GoTrue with keyset paging), there is no total.
        assert!(matches!(batch.total, Some(23) | None), "{:?}", batch.total);
        assert!(batch.loaded >= last_loaded);
        last_loaded = batch.loaded;
        for u in batch.users {
            assert!(seen.insert(u.id), "{} delivered twice", u.email);
        }
    }
    assert_eq!(seen, created);
    assert_eq!(last_loaded, 23);
    assert!(batches >= 6, "{batches} batches of 4");
}

/// A list request without `page` or `per_page`: by cursor on a GoTrue with keyset paging
/// (every user once, newest first, the last page without a cursor), else its first offset
/// page with the total. Either way the first answer says which.
#[tokio::test]
async fn listing_by_cursor_walks_every_user_or_is_the_first_page() {
    let t = Target::new().await;
    let tag = format!("cur{}", &uuid::Uuid::new_v4().simple().to_string()[..10]);
    let mut created = Vec::new();
    for i in 0..5 {
        let u = t
            .client
            .create_user(&AdminUserAttributes {
                email: Some(format!("{tag}-{i}@example.com")),
                ..Default::default()
            })
            .await
            .unwrap();
        created.push(u.email);
    }
    created.reverse();
    let mut query = gotrue_console::gotrue::KeysetQuery {
        limit: 2,
        cursor: None,
        filter: Some(tag.clone()),
        sort: Some(UserSort::CreatedDesc),
    };
    let mut seen = Vec::new();
    let mut pages = 0;
    loop {
        match t.client.list_users_keyset(&query).await.unwrap() {
            gotrue_console::gotrue::Listing::Keyset(page) => {
                pages += 1;
                assert!(page.users.len() <= 2);
                seen.extend(page.users.into_iter().map(|u| u.email));
                match page.next_cursor {
                    Some(c) => {
                        assert!(page.has_more);
                        query.cursor = Some(c);
                    }
                    None => {
                        assert!(!page.has_more);
                        break;
                    }
                }
            }
            gotrue_console::gotrue::Listing::Offset(page) => {
                assert!(query.cursor.is_none(), "the mode changed on the way");
                assert_eq!(page.total, Some(5));
                seen = page.users.into_iter().map(|u| u.email).collect();
                break;
            }
        }
    }
    assert_eq!(seen, created, "every user once, newest first");
    if pages > 0 {
        assert_eq!(pages, 3, "pages of two");
    }
}

#[tokio::test]
async fn get_user_by_id_and_an_unknown_id() {
    let t = Target::new().await;
    let user = t.confirmed_user(PASSWORD).await;
    let got = t.client.get_user_by_id(user.id).await.unwrap();
    assert_eq!(got.email, user.email);
    let identities = got.identities.unwrap_or_default();
    assert_eq!(identities.len(), 1);
    assert_eq!(identities[0].provider, "email");

    let err = t
        .client
        .get_user_by_id(uuid::Uuid::new_v4())
        .await
        .unwrap_err();
    assert_code(&err, ErrorKind::NotFound, &["user_not_found"]);
    assert_eq!(err.status, Some(404));
}

#[tokio::test]
async fn create_users_of_every_kind() {
    let t = Target::new().await;
    let id = uuid::Uuid::new_v4();
    let email = unique_email("Create").to_uppercase();
    let u = t
        .client
        .create_user(&AdminUserAttributes {
            id: Some(id),
            email: Some(email.clone()),
            password: Some(Secret::new(PASSWORD)),
            email_confirm: Some(true),
            role: Some("authenticated".into()),
            user_metadata: Some(obj(json!({"full_name": "Katherine Johnson"}))),
            app_metadata: Some(obj(json!({"plan": "pro"}))),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(u.id, id);
    assert_eq!(
        u.email,
        email.to_lowercase(),
        "emails are stored lower-case"
    );
    assert!(u.email_confirmed_at.is_some());
    assert_eq!(u.app_metadata["plan"], "pro");
    assert_eq!(u.app_metadata["provider"], "email");
    assert_eq!(u.user_metadata["full_name"], "Katherine Johnson");

    let phone = unique_phone();
    let p = t
        .client
        .create_user(&AdminUserAttributes {
            phone: Some(format!("+{phone}")),
            phone_confirm: Some(true),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(p.phone, phone);
    assert!(p.phone_confirmed_at.is_some());
    assert_eq!(p.email, "");

    // An imported bcrypt hash signs in with the password behind it.
    let hash = bcrypt::hash("imported-password-9", 4).unwrap();
    let h = t
        .client
        .create_user(&AdminUserAttributes {
            email: Some(unique_email("hash")),
            password_hash: Some(Secret::new(hash)),
            email_confirm: Some(true),
            ..Default::default()
        })
        .await
        .unwrap();
    t.signed_in(&h, "imported-password-9").await;

    let banned = t
        .client
        .create_user(&AdminUserAttributes {
            email: Some(unique_email("banned")),
            ban_duration: Some(BanDuration::hours(2)),
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(banned.is_banned_at(chrono::Utc::now()));
}

/// (Whether admin create checks password strength depends on the GoTrue version:
/// supabase/auth#1959. Not asserted.)
#[tokio::test]
async fn create_refuses_a_taken_email() {
    let t = Target::new().await;
    let user = t.confirmed_user(PASSWORD).await;
    let err = t
        .client
        .create_user(&AdminUserAttributes {
            email: Some(user.email.clone()),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_code(&err, ErrorKind::Conflict, &["email_exists"]);
    assert_eq!(err.status, Some(422));
}

#[tokio::test]
async fn update_merges_metadata_and_changes_fields() {
    let t = Target::new().await;
    let user = t
        .client
        .create_user(&AdminUserAttributes {
            email: Some(unique_email("merge")),
            user_metadata: Some(obj(json!({"a": 1, "b": 2}))),
            app_metadata: Some(obj(json!({"tier": "free", "org": "x"}))),
            ..Default::default()
        })
        .await
        .unwrap();
    let new_email = unique_email("moved");
    let u = t
        .client
        .update_user_by_id(
            user.id,
            &AdminUserAttributes {
                email: Some(new_email.clone()),
                email_confirm: Some(true),
                user_metadata: Some(obj(json!({"b": null, "c": 3}))),
                app_metadata: Some(obj(json!({"tier": "pro"}))),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(u.email, new_email);
    assert!(u.email_confirmed_at.is_some());
    assert_eq!(u.user_metadata.get("a"), Some(&json!(1)));
    assert_eq!(u.user_metadata.get("b"), None, "null removes a key");
    assert_eq!(u.user_metadata.get("c"), Some(&json!(3)));
    assert_eq!(u.app_metadata.get("tier"), Some(&json!("pro")));
    assert_eq!(u.app_metadata.get("org"), Some(&json!("x")));

    // Password set by an admin works at once.
    t.client
        .update_user_by_id(
            user.id,
            &AdminUserAttributes {
                password: Some(Secret::new("set-by-admin-77")),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    t.client
        .sign_in_with_password(
            &Credential::Email(new_email),
            &Secret::new("set-by-admin-77"),
        )
        .await
        .unwrap();
}

/// GoTrue refuses it (a 422 `email_exists`, or a 500 from the unique index, depending on the
/// version: see API-NOTES.md) and the user keeps the address they had.
#[tokio::test]
async fn update_to_a_taken_email_is_refused() {
    let t = Target::new().await;
    let a = t.confirmed_user(PASSWORD).await;
    let b = t.confirmed_user(PASSWORD).await;
    let err = t
        .client
        .update_user_by_id(
            b.id,
            &AdminUserAttributes {
                email: Some(a.email.clone()),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    assert!(matches!(err.status, Some(422 | 500)), "{err:?}");
    assert!(
        matches!(err.kind, ErrorKind::Conflict | ErrorKind::Server),
        "{err:?}"
    );
    let after = t.client.get_user_by_id(b.id).await.unwrap();
    assert_eq!(after.email, b.email);
}

#[tokio::test]
async fn delete_hard_and_soft() {
    let t = Target::new().await;
    let hard = t.confirmed_user(PASSWORD).await;
    t.client.delete_user(hard.id, false).await.unwrap();
    let err = t.client.get_user_by_id(hard.id).await.unwrap_err();
    assert_code(&err, ErrorKind::NotFound, &["user_not_found"]);

    let soft = t.confirmed_user(PASSWORD).await;
    t.client.delete_user(soft.id, true).await.unwrap();
    // The row stays, marked deleted; the address is freed and the user cannot sign in.
    let err = t
        .client
        .sign_in_with_password(
            &Credential::Email(soft.email.clone()),
            &Secret::new(PASSWORD),
        )
        .await
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::Auth, "{err:?}");
    match t.client.get_user_by_id(soft.id).await {
        Ok(u) => {
            assert!(u.deleted_at.is_some());
            assert_ne!(u.email, soft.email);
        }
        Err(e) => assert_eq!(e.kind, ErrorKind::NotFound),
    }
    t.client
        .create_user(&AdminUserAttributes {
            email: Some(soft.email.clone()),
            ..Default::default()
        })
        .await
        .expect("a soft-deleted user's email can be used again");

    let err = t
        .client
        .delete_user(uuid::Uuid::new_v4(), false)
        .await
        .unwrap_err();
    assert_code(&err, ErrorKind::NotFound, &["user_not_found"]);
}

#[tokio::test]
async fn invite_again_until_accepted_then_refuse() {
    let t = Target::new().await;
    let email = unique_email("invite");
    let u = t
        .client
        .invite_user_by_email(
            &email,
            Some(&obj(json!({"team": "support"}))),
            Some("http://localhost:3000/join"),
        )
        .await
        .unwrap();
    assert_eq!(u.email, email);
    assert!(u.invited_at.is_some());
    assert!(u.email_confirmed_at.is_none());
    assert_eq!(u.user_metadata["team"], "support");

    // Not accepted yet: GoTrue sends the invitation again, same user.
    let again = t
        .client
        .invite_user_by_email(&email, None, None)
        .await
        .unwrap();
    assert_eq!(again.id, u.id);

    // A confirmed address cannot be invited.
    let confirmed = t.confirmed_user(PASSWORD).await;
    let err = t
        .client
        .invite_user_by_email(&confirmed.email, None, None)
        .await
        .unwrap_err();
    assert_code(&err, ErrorKind::Conflict, &["email_exists"]);
    assert_eq!(err.status, Some(422));
}

#[tokio::test]
async fn admin_calls_need_an_admin_key() {
    let t = Target::new().await;
    let user = t.confirmed_user(PASSWORD).await;
    let s = t.signed_in(&user, PASSWORD).await;
    let as_user = t.client_with_service_key(s.access_token.expose());
    let err = as_user.list_users(&ListUsers::default()).await.unwrap_err();
    assert_code(&err, ErrorKind::Auth, &["not_admin"]);
    assert_eq!(err.status, Some(403));
    let err = as_user
        .invite_user_by_email(&unique_email("x"), None, None)
        .await
        .unwrap_err();
    assert_code(&err, ErrorKind::Auth, &["not_admin"]);

    let anon = t.client_with_service_key(&t.mint(json!({"role": "anon"})));
    let err = anon.list_users(&ListUsers::default()).await.unwrap_err();
    assert_code(&err, ErrorKind::Auth, &["not_admin"]);

    let garbage = t.client_with_service_key("garbage");
    let err = garbage.list_users(&ListUsers::default()).await.unwrap_err();
    assert_code(&err, ErrorKind::Auth, &["bad_jwt"]);
}

#[tokio::test]
async fn generate_every_link_type() {
    let t = Target::new().await;
    let user = t.confirmed_user(PASSWORD).await;
    for link_type in LinkType::ALL {
        let mut req = GenerateLinkRequest::new(*link_type, user.email.clone());
        match link_type {
            LinkType::Signup | LinkType::Invite => {
                req.email = unique_email(link_type.as_str());
                req.password = Some(Secret::new(PASSWORD));
            }
            LinkType::EmailChangeCurrent | LinkType::EmailChangeNew => {
                req.new_email = Some(unique_email("new"));
            }
            _ => {}
        }
        req.redirect_to = Some("http://localhost:3000/after".into());
        let link = t
            .client
            .generate_link(&req)
            .await
            .unwrap_or_else(|e| panic!("{link_type}: {e:?}"));
        assert!(
            link.action_link.expose().contains("/verify?"),
            "{link_type}: {}",
            link.action_link.expose()
        );
        assert_eq!(link.email_otp.expose().len(), 6, "{link_type}");
        assert!(!link.hashed_token.is_empty(), "{link_type}");
        assert_eq!(link.user.email, req.email, "{link_type}");
        assert!(!link.verification_type.is_empty());
    }
    let err = t
        .client
        .generate_link(&GenerateLinkRequest::new(
            LinkType::Signup,
            unique_email("nopw"),
        ))
        .await
        .unwrap_err();
    assert_eq!(err.status, None, "refused before sending: {err:?}");
}

#[tokio::test]
async fn mfa_factors_are_listed_and_deleted() {
    let t = Target::new().await;
    let user = t.confirmed_user(PASSWORD).await;
    assert!(t.client.list_factors(user.id).await.unwrap().is_empty());
    let s = t.signed_in(&user, PASSWORD).await;
    let enrolled = t
        .client
        .enroll_totp(&s.access_token, "Work phone")
        .await
        .unwrap();
    assert_eq!(enrolled.factor_type, "totp");
    assert!(!enrolled.totp.unwrap().secret.is_empty());

    let factors = t.client.list_factors(user.id).await.unwrap();
    assert_eq!(factors.len(), 1);
    assert_eq!(factors[0].id, enrolled.id);
    assert_eq!(factors[0].factor_type, FactorType::Totp);
    assert_eq!(factors[0].status, FactorStatus::Unverified);
    assert_eq!(factors[0].friendly_name.as_deref(), Some("Work phone"));

    // Renamed; an empty name keeps the old one.
    let renamed = t
        .client
        .update_factor(
            user.id,
            enrolled.id,
            &FactorUpdate {
                friendly_name: Some("Old phone".into()),
                phone: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(renamed.id, enrolled.id);
    assert_eq!(renamed.friendly_name.as_deref(), Some("Old phone"));
    let kept = t
        .client
        .update_factor(user.id, enrolled.id, &FactorUpdate::default())
        .await
        .unwrap();
    assert_eq!(kept.friendly_name.as_deref(), Some("Old phone"));
    let listed = t.client.list_factors(user.id).await.unwrap();
    assert_eq!(listed[0].friendly_name.as_deref(), Some("Old phone"));
    let err = t
        .client
        .update_factor(user.id, uuid::Uuid::new_v4(), &FactorUpdate::default())
        .await
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::NotFound, "{err:?}");

    let deleted = t.client.delete_factor(user.id, enrolled.id).await.unwrap();
    assert_eq!(deleted.id, enrolled.id);
    assert!(t.client.list_factors(user.id).await.unwrap().is_empty());
    let err = t
        .client
        .delete_factor(user.id, enrolled.id)
        .await
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::NotFound, "{err:?}");
}

#[tokio::test]
async fn audit_log_records_sign_ins_and_filters_by_action() {
    let t = Target::new().await;
    let user = t.confirmed_user(PASSWORD).await;
    t.signed_in(&user, PASSWORD).await;
    let page = t
        .client
        .audit_log(1, 100, Some("action:login"))
        .await
        .unwrap();
    assert!(page.total.unwrap_or(0) >= 1);
    assert!(page.entries.iter().all(|e| e.payload.action == "login"));
    let mine = page
        .entries
        .iter()
        .find(|e| e.payload.actor_id.as_deref() == Some(user.id.to_string().as_str()))
        .expect("the sign-in is in the audit log");
    assert_eq!(
        mine.payload.actor_username.as_deref(),
        Some(user.email.as_str())
    );
    assert!(mine.created_at.is_some());

    let by_author = t
        .client
        .audit_log(1, 50, Some(&format!("author:{}", user.email)))
        .await
        .unwrap();
    assert!(!by_author.entries.is_empty());
    assert!(
        by_author
            .entries
            .iter()
            .all(|e| e.payload.actor_username.as_deref() == Some(user.email.as_str()))
    );
}

#[tokio::test]
async fn an_unreachable_server_is_a_transport_error() {
    // A port nothing listens on: bind one, then let it go.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let c = common::client(&format!("http://127.0.0.1:{port}"), "a", "s");
    let err = c.health().await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::Transport);
    assert!(err.message.contains("connect"), "{err:?}");
}

/// Sign out everywhere (`ops::signout`): a magic link generated and verified, then a global
/// sign-out: every refresh token the user had is refused afterwards, and the user's other
/// sessions are gone. An unconfirmed email is confirmed by the link.
#[tokio::test]
async fn sign_out_everywhere_revokes_every_refresh_token() {
    let t = Target::new().await;
    let user = t.confirmed_user(PASSWORD).await;
    let first = t.signed_in(&user, PASSWORD).await;
    let second = t.signed_in(&user, PASSWORD).await;
    let done = gotrue_console::ops::signout::everywhere(&t.client, &user.email)
        .await
        .unwrap();
    assert!(done.jwt_expiry_secs > 0, "{done:?}");
    assert!(done.tokens_valid_until.is_some());
    for session in [first, second] {
        let err = t
            .client
            .refresh_session(&session.refresh_token)
            .await
            .unwrap_err();
        assert_eq!(err.status, Some(400), "{err:?}");
        assert_eq!(
            err.code.as_deref(),
            Some("refresh_token_not_found"),
            "{err:?}"
        );
    }

    // An unconfirmed user: the link confirms the email.
    let unconfirmed = t
        .client
        .create_user(&AdminUserAttributes {
            email: Some(unique_email("unconf")),
            password: Some(Secret::new(PASSWORD)),
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(unconfirmed.email_confirmed_at.is_none());
    gotrue_console::ops::signout::everywhere(&t.client, &unconfirmed.email)
        .await
        .unwrap();
    let after = t.client.get_user_by_id(unconfirmed.id).await.unwrap();
    assert!(after.email_confirmed_at.is_some());
}
