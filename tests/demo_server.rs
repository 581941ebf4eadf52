//! The embedded demo server, spoken to with raw HTTP: the GoTrue behaviour
//! real clients rely on.

#[path = "demo_support.rs"]
mod support;

use std::time::Duration;

use gotrue_console::demo::{DemoConfig, OutboxKind};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use support::{Demo, MODERN, frag_get, fragment, link_pages};

const ADA: &str = "ada@example.com";
const ADA_PASSWORD: &str = "analytical-engine-1843";

#[tokio::test]
async fn health_and_settings_look_like_gotrue() {
    let d = Demo::start().await;
    let h = Demo::send(d.req(Method::GET, "/health")).await;
    assert_eq!(h.status, StatusCode::OK);
    assert_eq!(h.str("/name"), "GoTrue");
    assert!(h.str("/version").starts_with("v2."));
    assert_eq!(h.header("content-type"), Some("application/json"));
    let s = Demo::send(d.req(Method::GET, "/settings")).await;
    assert_eq!(s.body["external"]["email"], true);
    assert_eq!(s.body["external"]["github"], true);
    assert_eq!(s.body["external"]["apple"], false);
    assert_eq!(s.body["mailer_autoconfirm"], false);
    assert_eq!(s.body["disable_signup"], false);
}

#[tokio::test]
async fn errors_come_in_both_shapes_with_the_code_header() {
    let d = Demo::start().await;
    let body = json!({"email": ADA, "password": "wrong"});
    let legacy = Demo::send(
        d.req(Method::POST, "/token?grant_type=password")
            .json(&body),
    )
    .await;
    assert_eq!(legacy.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        legacy.body,
        json!({"code": 400, "error_code": "invalid_credentials", "msg": "Invalid login credentials"})
    );
    assert_eq!(
        legacy.header("x-sb-error-code"),
        Some("invalid_credentials")
    );
    assert_eq!(legacy.header("retry-after"), None);

    let modern = Demo::send(
        d.req(Method::POST, "/token?grant_type=password")
            .header(MODERN.0, MODERN.1)
            .json(&body),
    )
    .await;
    assert_eq!(
        modern.body,
        json!({"code": "invalid_credentials", "message": "Invalid login credentials"})
    );
    assert_eq!(
        modern.header("x-sb-error-code"),
        Some("invalid_credentials")
    );
    assert_eq!(modern.header("x-supabase-api-version"), Some("2024-01-01"));

    // A later date is the modern shape too; garbage is the legacy one.
    let later = Demo::send(
        d.req(Method::POST, "/token?grant_type=password")
            .header(MODERN.0, "2031-07-04")
            .json(&body),
    )
    .await;
    assert_eq!(later.str("/code"), "invalid_credentials");
    let garbage = Demo::send(
        d.req(Method::POST, "/token?grant_type=password")
            .header(MODERN.0, "soon")
            .json(&body),
    )
    .await;
    assert_eq!(garbage.body["code"], 400);

    // weak_password carries its reasons in both shapes.
    let weak = json!({"email": "weak@example.com", "password": "123"});
    let w = Demo::send(d.req(Method::POST, "/signup").json(&weak)).await;
    assert_eq!(w.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(w.body["error_code"], "weak_password");
    assert_eq!(w.body["weak_password"]["reasons"], json!(["length"]));
    assert_eq!(w.str("/msg"), "Password should be at least 6 characters.");
    let w = Demo::send(
        d.req(Method::POST, "/signup")
            .header(MODERN.0, MODERN.1)
            .json(&weak),
    )
    .await;
    assert_eq!(w.body["code"], "weak_password");
    assert_eq!(w.body["weak_password"]["reasons"], json!(["length"]));

    // Malformed JSON is GoTrue's bad_json, never a crash.
    let bad = Demo::send(
        d.req(Method::POST, "/signup")
            .header("content-type", "application/json")
            .body("{not json"),
    )
    .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert_eq!(bad.body["error_code"], "bad_json");
    let empty = Demo::send(d.req(Method::POST, "/token?grant_type=password")).await;
    assert_eq!(empty.body["error_code"], "bad_json");
}

#[tokio::test]
async fn admin_endpoints_want_an_admin_token() {
    let d = Demo::start().await;
    let none = Demo::send(d.req(Method::GET, "/admin/users")).await;
    assert_eq!(none.status, StatusCode::UNAUTHORIZED);
    assert_eq!(none.body["error_code"], "no_authorization");
    let anon = Demo::send(
        d.req(Method::GET, "/admin/users")
            .bearer_auth(d.server.anon_key()),
    )
    .await;
    assert_eq!(anon.status, StatusCode::FORBIDDEN);
    assert_eq!(anon.body["error_code"], "not_admin");
    assert_eq!(anon.str("/msg"), "User not allowed");
    let bad = Demo::send(d.req(Method::GET, "/admin/users").bearer_auth("a.b.c")).await;
    assert_eq!(bad.status, StatusCode::FORBIDDEN);
    assert_eq!(bad.body["error_code"], "bad_jwt");
    let invite = Demo::send(
        d.req(Method::POST, "/invite")
            .bearer_auth(d.server.anon_key())
            .json(&json!({"email": "x@example.com"})),
    )
    .await;
    assert_eq!(invite.body["error_code"], "not_admin");

    let malformed = Demo::send(d.admin(Method::GET, "/admin/users/not-a-uuid")).await;
    assert_eq!(malformed.status, StatusCode::NOT_FOUND);
    assert_eq!(malformed.body["error_code"], "validation_failed");
    let missing = Demo::send(d.admin(
        Method::GET,
        "/admin/users/00000000-0000-4000-8000-000000000000",
    ))
    .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(missing.body["error_code"], "user_not_found");
}

#[tokio::test]
async fn list_pages_with_link_and_total_count() {
    let d = Demo::start().await;
    let first = d.list("").await;
    let total: u64 = first
        .header("x-total-count")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    assert!(total >= 300, "seed has a few hundred users, got {total}");
    assert_eq!(first.body["aud"], "authenticated");
    assert_eq!(first.body["users"].as_array().map(Vec::len), Some(50));
    // The list does not load identities.
    assert_eq!(first.body["users"][0]["identities"], Value::Null);

    let per_page = 7;
    let last_page = total.div_ceil(per_page);
    assert!(last_page >= 10, "multi-digit page numbers");
    let page10 = d.list(&format!("?page=10&per_page={per_page}")).await;
    let link = page10.header("link").unwrap_or_default();
    let pages = link_pages(link);
    assert_eq!(
        pages,
        vec![("next".to_string(), 11), ("last".to_string(), last_page)],
        "{link}"
    );
    assert!(link.starts_with("</admin/users?page=11&per_page=7>; rel=\"next\""));

    // Walking every page by the Link header sees every user once.
    let mut seen = std::collections::HashSet::new();
    let mut page = 1;
    loop {
        let a = d.list(&format!("?page={page}&per_page=40")).await;
        for u in a.body["users"].as_array().cloned().unwrap_or_default() {
            assert!(seen.insert(u["id"].as_str().unwrap_or_default().to_string()));
        }
        let next = link_pages(a.header("link").unwrap_or_default())
            .into_iter()
            .find(|(rel, _)| rel == "next");
        match next {
            Some((_, n)) => page = n,
            None => break,
        }
    }
    assert_eq!(seen.len() as u64, total);

    // On the last page there is only rel="last".
    let last = d
        .list(&format!("?page={last_page}&per_page={per_page}"))
        .await;
    assert_eq!(
        link_pages(last.header("link").unwrap_or_default()),
        vec![("last".to_string(), last_page)]
    );

    let bad = d.list("?page=many").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        bad.str("/msg"),
        "Bad Pagination Parameters: strconv.ParseUint: parsing \"many\": invalid syntax"
    );
    let zero = d.list("?per_page=0").await;
    assert_eq!(zero.body["error_code"], "validation_failed");
}

#[tokio::test]
async fn filter_and_sort() {
    let d = Demo::start().await;
    let by_email = d.list("?filter=ada%40example").await;
    let emails: Vec<&str> = by_email.body["users"]
        .as_array()
        .map(|u| u.iter().filter_map(|u| u["email"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(emails, vec![ADA]);
    // Email matching is case-sensitive (stored lower-case)...
    let upper = d.list("?filter=ADA%40EXAMPLE").await;
    assert_eq!(upper.header("x-total-count"), Some("0"));
    // ...full_name is case-insensitive.
    let by_name = d.list("?filter=lovelace").await;
    assert_eq!(by_name.body["users"][0]["email"], ADA);

    let desc = d.list("?per_page=5").await;
    let asc = d.list("?per_page=5&sort=created_at%20asc").await;
    let times = |a: &support::Answer| -> Vec<String> {
        a.body["users"]
            .as_array()
            .map(|u| {
                u.iter()
                    .map(|u| u["created_at"].as_str().unwrap_or_default().to_string())
                    .collect()
            })
            .unwrap_or_default()
    };
    let (d_times, a_times) = (times(&desc), times(&asc));
    assert!(d_times.windows(2).all(|w| w[0] >= w[1]), "{d_times:?}");
    assert!(a_times.windows(2).all(|w| w[0] <= w[1]), "{a_times:?}");
    assert!(d_times[0] > a_times[0]);
    let bad = d.list("?sort=email").await;
    assert_eq!(
        bad.str("/msg"),
        "Bad Sort Parameters: bad field for sort 'email'"
    );
}

#[tokio::test]
async fn admin_create_update_merges_metadata() {
    let d = Demo::start().await;
    let created = Demo::send(d.admin(Method::POST, "/admin/users").json(&json!({
        "email": "Merge@Example.com",
        "password": "merge-password",
        "email_confirm": true,
        "user_metadata": {"full_name": "Merle Merge", "keep": 1},
        "app_metadata": {"plan": "pro"},
        "unknown_field": "ignored",
    })))
    .await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.text);
    assert_eq!(created.str("/email"), "merge@example.com");
    assert_eq!(created.str("/phone"), "");
    assert_eq!(created.body["app_metadata"]["provider"], "email");
    assert_eq!(created.body["app_metadata"]["plan"], "pro");
    assert_eq!(created.body["identities"][0]["provider"], "email");
    assert!(created.body.get("factors").is_none());
    let id = created.str("/id").to_string();

    let dup = Demo::send(d.admin(Method::POST, "/admin/users").json(&json!({
        "email": "merge@example.com", "password": "x-password"
    })))
    .await;
    assert_eq!(dup.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(dup.body["error_code"], "email_exists");
    assert_eq!(
        dup.str("/msg"),
        "A user with this email address has already been registered"
    );

    let updated = Demo::send(d.admin(Method::PUT, &format!("/admin/users/{id}")).json(
        &json!({"user_metadata": {"keep": null, "added": true}, "app_metadata": {"plan": null}}),
    ))
    .await;
    assert_eq!(
        updated.body["user_metadata"],
        json!({"added": true, "email_verified": true, "full_name": "Merle Merge"})
    );
    assert!(updated.body["app_metadata"].get("plan").is_none());
    assert_eq!(updated.body["app_metadata"]["provider"], "email");

    // Phone stored without the plus.
    let phone = Demo::send(
        d.admin(Method::PUT, &format!("/admin/users/{id}"))
            .json(&json!({"phone": "+1 555 000 1234"})),
    )
    .await;
    assert_eq!(phone.str("/phone"), "15550001234");

    // Taking another user's email on update: Postgres' error passes through.
    let clash = Demo::send(
        d.admin(Method::PUT, &format!("/admin/users/{id}"))
            .json(&json!({"email": ADA})),
    )
    .await;
    assert_eq!(clash.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(clash.body["code"], "23505");
    let clash = Demo::send(
        d.admin(Method::PUT, &format!("/admin/users/{id}"))
            .header(MODERN.0, MODERN.1)
            .json(&json!({"email": ADA})),
    )
    .await;
    assert_eq!(clash.body["code"], "unexpected_failure");
    let still = Demo::send(d.admin(Method::GET, &format!("/admin/users/{id}"))).await;
    assert_eq!(still.str("/email"), "merge@example.com");
}

#[tokio::test]
async fn bcrypt_password_hash_on_create_signs_in() {
    let d = Demo::start().await;
    let hash = bcrypt::hash("hashed-secret", 4).expect("hash");
    let created = Demo::send(d.admin(Method::POST, "/admin/users").json(&json!({
        "email": "hashed@example.com", "password_hash": hash, "email_confirm": true
    })))
    .await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.text);
    d.login("hashed@example.com", "hashed-secret").await;
    d.login("imported@example.com", "bcrypt-imported-1").await;
}

#[tokio::test]
async fn ban_and_unban() {
    let d = Demo::start().await;
    let banned = Demo::send(
        d.req(Method::POST, "/token?grant_type=password")
            .json(&json!({"email": "banned@example.com", "password": "banned-user-password"})),
    )
    .await;
    assert_eq!(banned.body["error_code"], "user_banned");
    assert_eq!(banned.str("/msg"), "User is banned");

    let id = d.user_id(ADA).await;
    let bad = Demo::send(
        d.admin(Method::PUT, &format!("/admin/users/{id}"))
            .json(&json!({"ban_duration": "forever"})),
    )
    .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        bad.str("/msg"),
        "invalid format for ban duration: time: invalid duration \"forever\""
    );
    let ban = Demo::send(
        d.admin(Method::PUT, &format!("/admin/users/{id}"))
            .json(&json!({"ban_duration": "1h30m"})),
    )
    .await;
    assert!(ban.body["banned_until"].is_string());
    let refused = Demo::send(
        d.req(Method::POST, "/token?grant_type=password")
            .json(&json!({"email": ADA, "password": ADA_PASSWORD})),
    )
    .await;
    assert_eq!(refused.body["error_code"], "user_banned");
    let unban = Demo::send(
        d.admin(Method::PUT, &format!("/admin/users/{id}"))
            .json(&json!({"ban_duration": "none"})),
    )
    .await;
    assert!(unban.body.get("banned_until").is_none());
    d.login(ADA, ADA_PASSWORD).await;

    let unconfirmed = Demo::send(d.req(Method::POST, "/token?grant_type=password").json(
        &json!({"email": "unconfirmed@example.com", "password": "unconfirmed-user-password"}),
    ))
    .await;
    assert_eq!(unconfirmed.body["error_code"], "email_not_confirmed");
}

#[tokio::test]
async fn soft_and_hard_delete() {
    let d = Demo::start().await;
    let id = d.user_id("grace@example.com").await;
    let soft = Demo::send(
        d.admin(Method::DELETE, &format!("/admin/users/{id}"))
            .json(&json!({"should_soft_delete": true})),
    )
    .await;
    assert_eq!(soft.status, StatusCode::OK);
    assert_eq!(soft.body, json!({}));
    let after = Demo::send(d.admin(Method::GET, &format!("/admin/users/{id}"))).await;
    assert!(after.body["deleted_at"].is_string());
    assert_ne!(after.str("/email"), "grace@example.com");
    assert_eq!(after.body["user_metadata"], json!({}));
    assert_eq!(after.body["identities"][0]["identity_data"], Value::Null);
    // Still listed.
    let listed = d.list("?per_page=1000").await;
    assert!(
        listed.body["users"]
            .as_array()
            .is_some_and(|u| u.iter().any(|u| u["id"] == id.as_str()))
    );
    // Gone for good.
    let hard = Demo::send(d.admin(Method::DELETE, &format!("/admin/users/{id}"))).await;
    assert_eq!(hard.body, json!({}));
    let gone = Demo::send(d.admin(Method::GET, &format!("/admin/users/{id}"))).await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);

    // A soft-deleted user cannot sign in any more.
    let ada = d.user_id(ADA).await;
    Demo::send(
        d.admin(Method::DELETE, &format!("/admin/users/{ada}"))
            .json(&json!({"should_soft_delete": true})),
    )
    .await;
    let refused = Demo::send(
        d.req(Method::POST, "/token?grant_type=password")
            .json(&json!({"email": ADA, "password": ADA_PASSWORD})),
    )
    .await;
    assert_eq!(refused.body["error_code"], "invalid_credentials");
}

#[tokio::test]
async fn sessions_user_and_logout() {
    let d = Demo::start().await;
    let session = d.login(ADA, ADA_PASSWORD).await;
    assert_eq!(session["token_type"], "bearer");
    assert_eq!(session["expires_in"], 3600);
    assert!(session["expires_at"].as_i64().is_some());
    let access = session["access_token"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let refresh = session["refresh_token"].as_str().unwrap_or_default();
    assert!(refresh.len() >= 12);
    assert_eq!(session["user"]["email"], ADA);
    assert_eq!(session["user"]["factors"][0]["status"], "verified");

    let claims = jsonwebtoken::dangerous::insecure_decode::<Value>(&access)
        .map(|t| t.claims)
        .unwrap_or(Value::Null);
    assert_eq!(claims["aud"], "authenticated");
    assert_eq!(claims["role"], "authenticated");
    assert_eq!(claims["aal"], "aal1");
    assert_eq!(claims["amr"][0]["method"], "password");
    assert_eq!(claims["email"], ADA);
    assert!(claims["session_id"].is_string());

    let me = Demo::send(d.req(Method::GET, "/user").bearer_auth(&access)).await;
    assert_eq!(me.status, StatusCode::OK);
    assert_eq!(me.str("/email"), ADA);

    let out = Demo::send(
        d.req(Method::POST, "/logout?scope=local")
            .bearer_auth(&access),
    )
    .await;
    assert_eq!(out.status, StatusCode::NO_CONTENT);
    assert_eq!(out.text, "");
    let after = Demo::send(d.req(Method::GET, "/user").bearer_auth(&access)).await;
    assert_eq!(after.status, StatusCode::FORBIDDEN);
    assert_eq!(after.body["error_code"], "session_not_found");
    let no_token = Demo::send(d.req(Method::GET, "/user")).await;
    assert_eq!(no_token.status, StatusCode::UNAUTHORIZED);

    // others: the caller's session survives, the others end.
    let a = d.login(ADA, ADA_PASSWORD).await;
    let b = d.login(ADA, ADA_PASSWORD).await;
    let (ta, tb) = (
        a["access_token"].as_str().unwrap_or_default(),
        b["access_token"].as_str().unwrap_or_default(),
    );
    let out = Demo::send(d.req(Method::POST, "/logout?scope=others").bearer_auth(ta)).await;
    assert_eq!(out.status, StatusCode::NO_CONTENT);
    assert_eq!(
        Demo::send(d.req(Method::GET, "/user").bearer_auth(ta))
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        Demo::send(d.req(Method::GET, "/user").bearer_auth(tb))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    // global (the default) ends the rest.
    Demo::send(d.req(Method::POST, "/logout").bearer_auth(ta)).await;
    assert_eq!(
        Demo::send(d.req(Method::GET, "/user").bearer_auth(ta))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let bad_scope = Demo::send(d.req(Method::POST, "/logout?scope=some").bearer_auth(ta)).await;
    assert_eq!(bad_scope.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn refresh_tokens_rotate_and_reuse_is_refused() {
    let d = Demo::start().await;
    let refresh = |t: String| {
        d.req(Method::POST, "/token?grant_type=refresh_token")
            .json(&json!({ "refresh_token": t }))
    };
    let s0 = d.login(ADA, ADA_PASSWORD).await;
    let a = s0["refresh_token"].as_str().unwrap_or_default().to_string();
    let r1 = Demo::send(refresh(a.clone())).await;
    assert_eq!(r1.status, StatusCode::OK, "{}", r1.text);
    let b = r1.str("/refresh_token").to_string();
    assert_ne!(a, b);
    // The parent of the active token gets that same child back.
    let again = Demo::send(refresh(a.clone())).await;
    assert_eq!(again.str("/refresh_token"), b);

    d.server
        .set_refresh_token_reuse_interval(Duration::from_secs(0));
    let r2 = Demo::send(refresh(b.clone())).await;
    let c = r2.str("/refresh_token").to_string();
    assert_ne!(c, b);
    // Now `a` is neither active nor the parent of the active one.
    tokio::time::sleep(Duration::from_millis(5)).await;
    let reused = Demo::send(refresh(a)).await;
    assert_eq!(reused.status, StatusCode::BAD_REQUEST);
    assert_eq!(reused.body["error_code"], "refresh_token_already_used");
    assert_eq!(reused.str("/msg"), "Invalid Refresh Token: Already Used");

    // Well-formed (12 lower-case letters and digits) but unknown: not found.
    let missing = Demo::send(refresh("nonexistent1".into())).await;
    assert_eq!(missing.body["error_code"], "refresh_token_not_found");
    assert_eq!(
        missing.str("/msg"),
        "Invalid Refresh Token: Refresh Token Not Found"
    );
    // Of the wrong form, or none at all: refused before any look-up, as GoTrue v2.196.0 does.
    for malformed in ["nonexistent12", "NOTLOWERCASE", ""] {
        let r = Demo::send(refresh(malformed.into())).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{malformed:?}");
        assert_eq!(r.body["error_code"], "validation_failed", "{malformed:?}");
        assert_eq!(r.str("/msg"), "Refresh token is not valid");
    }

    // Logged out: the refresh token is gone.
    let s = d.login(ADA, ADA_PASSWORD).await;
    let access = s["access_token"].as_str().unwrap_or_default();
    let rt = s["refresh_token"].as_str().unwrap_or_default().to_string();
    Demo::send(d.req(Method::POST, "/logout").bearer_auth(access)).await;
    let after = Demo::send(refresh(rt)).await;
    assert_eq!(after.body["error_code"], "refresh_token_not_found");
}

#[tokio::test]
async fn signup_mail_link_confirms_and_signs_in() {
    let d = Demo::start().await;
    let signup = Demo::send(
        d.req(Method::POST, "/signup")
            .json(&json!({"email": "New.Person@Example.com", "password": "new-person-pw", "data": {"full_name": "New Person"}})),
    )
    .await;
    assert_eq!(signup.status, StatusCode::OK, "{}", signup.text);
    assert_eq!(signup.str("/email"), "new.person@example.com");
    assert!(signup.body.get("access_token").is_none());
    assert!(signup.body["confirmation_sent_at"].is_string());
    assert_eq!(
        signup.body["identities"][0]["identity_data"]["full_name"],
        "New Person"
    );

    let mail = d
        .server
        .outbox()
        .into_iter()
        .rev()
        .find(|m| m.to == "new.person@example.com")
        .expect("confirmation mail");
    assert_eq!(mail.kind, OutboxKind::Confirmation);
    let link = mail.link.clone().unwrap_or_default();
    assert!(
        link.starts_with(&format!("{}/verify?token=", d.server.url())),
        "{link}"
    );
    assert!(link.contains("type=signup"));
    assert_eq!(mail.otp.as_deref().map(str::len), Some(6));

    // Same over HTTP.
    let outbox = Demo::send(d.admin(Method::GET, "/demo/outbox")).await;
    assert!(
        outbox
            .body
            .as_array()
            .is_some_and(|m| m.iter().any(|m| m["link"] == link.as_str()))
    );

    // Following the link: 303 to site_url with the session in the fragment.
    let resp = d.http.get(&link).send().await.expect("verify");
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let location = resp
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    assert!(location.starts_with("http://localhost:3000#"), "{location}");
    let frag = fragment(&location);
    assert_eq!(frag_get(&frag, "type"), Some("signup"));
    assert_eq!(frag_get(&frag, "token_type"), Some("bearer"));
    let access = frag_get(&frag, "access_token")
        .unwrap_or_default()
        .to_string();
    let me = Demo::send(d.req(Method::GET, "/user").bearer_auth(&access)).await;
    assert!(me.body["email_confirmed_at"].is_string());
    d.login("new.person@example.com", "new-person-pw").await;

    // The link is spent.
    let resp = d.http.get(&link).send().await.expect("verify again");
    let location = resp
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let frag = fragment(&location);
    assert_eq!(frag_get(&frag, "error_code"), Some("otp_expired"));
    assert_eq!(frag_get(&frag, "error"), Some("access_denied"));

    // Signing up again with a confirmed email: a decoy user, no session.
    let again = Demo::send(
        d.req(Method::POST, "/signup")
            .json(&json!({"email": "new.person@example.com", "password": "other-password"})),
    )
    .await;
    assert_eq!(again.status, StatusCode::OK);
    assert_ne!(again.str("/id"), me.str("/id"));
    assert_eq!(again.body["identities"], json!([]));
}

#[tokio::test]
async fn signup_otp_code_and_send_frequency() {
    let d = Demo::start().await;
    let body = json!({"email": "code@example.com", "password": "code-password"});
    assert_eq!(
        Demo::send(d.req(Method::POST, "/signup").json(&body))
            .await
            .status,
        StatusCode::OK
    );
    // A second send within the frequency window is refused.
    let resend = Demo::send(
        d.req(Method::POST, "/resend")
            .json(&json!({"type": "signup", "email": "code@example.com"})),
    )
    .await;
    assert_eq!(resend.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(resend.body["error_code"], "over_email_send_rate_limit");
    let msg = resend.str("/msg");
    assert!(
        msg.starts_with("For security purposes, you can only request this after ")
            && msg.ends_with(" seconds."),
        "{msg}"
    );
    assert_eq!(resend.header("retry-after"), None);

    let otp = d
        .server
        .outbox()
        .into_iter()
        .rev()
        .find(|m| m.to == "code@example.com")
        .and_then(|m| m.otp)
        .unwrap_or_default();
    let wrong = Demo::send(
        d.req(Method::POST, "/verify")
            .json(&json!({"type": "signup", "email": "code@example.com", "token": "000000"})),
    )
    .await;
    assert_eq!(wrong.status, StatusCode::FORBIDDEN);
    assert_eq!(wrong.body["error_code"], "otp_expired");
    assert_eq!(wrong.str("/msg"), "Token has expired or is invalid");
    let ok = Demo::send(
        d.req(Method::POST, "/verify")
            .json(&json!({"type": "signup", "email": "code@example.com", "token": otp})),
    )
    .await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.text);
    assert!(ok.body["access_token"].is_string());
    assert!(ok.body["user"]["email_confirmed_at"].is_string());

    // Recovery: once, then 429.
    let r1 = Demo::send(d.req(Method::POST, "/recover").json(&json!({"email": ADA}))).await;
    assert_eq!(r1.body, json!({}));
    let r2 = Demo::send(d.req(Method::POST, "/recover").json(&json!({"email": ADA}))).await;
    assert_eq!(r2.body["error_code"], "over_email_send_rate_limit");
    // Unknown emails get the same empty answer.
    let r3 = Demo::send(
        d.req(Method::POST, "/recover")
            .json(&json!({"email": "nobody@example.com"})),
    )
    .await;
    assert_eq!(r3.body, json!({}));
}

#[tokio::test]
async fn phone_persona_uses_the_fixed_code() {
    let d = Demo::start().await;
    let sent = Demo::send(
        d.req(Method::POST, "/otp")
            .json(&json!({"phone": "+15555550100"})),
    )
    .await;
    assert_eq!(sent.status, StatusCode::OK, "{}", sent.text);
    assert_eq!(sent.body, json!({"message_id": "test-otp"}));
    let sms = d.server.outbox().pop().expect("sms");
    assert_eq!(sms.kind, OutboxKind::OtpSms);
    assert_eq!(sms.to, "15555550100");
    assert_eq!(sms.otp.as_deref(), Some("123456"));
    let ok = Demo::send(
        d.req(Method::POST, "/verify")
            .json(&json!({"type": "sms", "phone": "+15555550100", "token": "123456"})),
    )
    .await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.text);
    assert_eq!(ok.body["user"]["phone"], "15555550100");
    let claims = jsonwebtoken::dangerous::insecure_decode::<Value>(ok.str("/access_token"))
        .map(|t| t.claims)
        .unwrap_or(Value::Null);
    assert_eq!(claims["amr"][0]["method"], "otp");
}

#[tokio::test]
async fn generate_link_for_every_type_sends_nothing() {
    let d = Demo::start().await;
    let before = d.server.outbox().len();
    let link = |body: Value| d.admin(Method::POST, "/admin/generate_link").json(&body);

    // signup (new user) and its token_hash.
    let s = Demo::send(link(
        json!({"type": "signup", "email": "gl-signup@example.com", "password": "gl-password"}),
    ))
    .await;
    assert_eq!(s.status, StatusCode::OK, "{}", s.text);
    assert_eq!(s.str("/verification_type"), "signup");
    assert_eq!(s.str("/email"), "gl-signup@example.com");
    assert_eq!(s.str("/email_otp").len(), 6);
    assert!(s.str("/action_link").contains("type=signup"));
    assert_eq!(s.str("/redirect_to"), "http://localhost:3000");
    let v = Demo::send(
        d.req(Method::POST, "/verify")
            .json(&json!({"type": "signup", "token_hash": s.str("/hashed_token")})),
    )
    .await;
    assert_eq!(v.status, StatusCode::OK, "{}", v.text);

    // magiclink for an unknown email becomes a signup.
    let m = Demo::send(link(
        json!({"type": "magiclink", "email": "gl-new@example.com"}),
    ))
    .await;
    assert_eq!(m.str("/verification_type"), "signup");
    // magiclink for a known one, verified with the code.
    let m = Demo::send(link(json!({"type": "magiclink", "email": ADA}))).await;
    assert_eq!(m.str("/verification_type"), "magiclink");
    let v = Demo::send(
        d.req(Method::POST, "/verify")
            .json(&json!({"type": "magiclink", "email": ADA, "token": m.str("/email_otp")})),
    )
    .await;
    assert_eq!(v.status, StatusCode::OK, "{}", v.text);

    // recovery via the link itself.
    let r = Demo::send(link(
        json!({"type": "recovery", "email": ADA, "redirect_to": "http://localhost:3000/reset"}),
    ))
    .await;
    assert_eq!(r.str("/redirect_to"), "http://localhost:3000/reset");
    let resp = d
        .http
        .get(r.str("/action_link"))
        .send()
        .await
        .expect("link");
    let location = resp
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    assert!(
        location.starts_with("http://localhost:3000/reset#access_token="),
        "{location}"
    );
    let missing = Demo::send(link(
        json!({"type": "recovery", "email": "nobody@example.com"}),
    ))
    .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(missing.body["error_code"], "user_not_found");

    // invite.
    let i = Demo::send(link(
        json!({"type": "invite", "email": "gl-invite@example.com"}),
    ))
    .await;
    assert!(i.body["invited_at"].is_string());
    let v = Demo::send(
        d.req(Method::POST, "/verify")
            .json(&json!({"type": "invite", "token_hash": i.str("/hashed_token")})),
    )
    .await;
    assert_eq!(v.status, StatusCode::OK, "{}", v.text);
    let dup = Demo::send(link(json!({"type": "invite", "email": ADA}))).await;
    assert_eq!(dup.body["error_code"], "email_exists");

    // email change, both halves.
    let cur = Demo::send(link(json!({"type": "email_change_current", "email": "gl-signup@example.com", "new_email": "gl-changed@example.com"}))).await;
    assert_eq!(cur.status, StatusCode::OK, "{}", cur.text);
    assert_eq!(cur.str("/new_email"), "gl-changed@example.com");
    let new = Demo::send(link(json!({"type": "email_change_new", "email": "gl-signup@example.com", "new_email": "gl-changed@example.com"}))).await;
    assert_eq!(new.str("/verification_type"), "email_change_new");
    assert!(new.str("/action_link").contains("type=email_change"));
    let taken = Demo::send(link(
        json!({"type": "email_change_new", "email": "gl-signup@example.com", "new_email": ADA}),
    ))
    .await;
    assert_eq!(taken.body["error_code"], "email_exists");

    let bad = Demo::send(link(json!({"type": "nonsense", "email": ADA}))).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        d.server.outbox().len(),
        before,
        "generate_link sends no mail"
    );
}

#[tokio::test]
async fn invite_then_accept() {
    let d = Demo::start().await;
    let invited = Demo::send(
        d.admin(Method::POST, "/invite")
            .json(&json!({"email": "guest@example.com", "data": {"team": "ops"}})),
    )
    .await;
    assert_eq!(invited.status, StatusCode::OK, "{}", invited.text);
    assert!(invited.body["invited_at"].is_string());
    let mail = d.server.outbox().pop().expect("invite mail");
    assert_eq!(mail.kind, OutboxKind::Invite);
    let v = Demo::send(
        d.req(Method::POST, "/verify")
            .json(&json!({"type": "invite", "email": "guest@example.com", "token": mail.otp})),
    )
    .await;
    assert_eq!(v.status, StatusCode::OK, "{}", v.text);
    assert!(v.body["user"]["email_confirmed_at"].is_string());
}

#[tokio::test]
async fn mfa_factors_for_admins_and_users() {
    let d = Demo::start().await;
    let ada = d.user_id(ADA).await;
    let factors = Demo::send(d.admin(Method::GET, &format!("/admin/users/{ada}/factors"))).await;
    assert_eq!(factors.body.as_array().map(Vec::len), Some(1));
    assert_eq!(factors.body[0]["factor_type"], "totp");
    assert_eq!(factors.body[0]["friendly_name"], "Ada's phone");

    // A user enrolls an (unverified) TOTP factor.
    let created = Demo::send(d.admin(Method::POST, "/admin/users").json(&json!({
        "email": "mfa@example.com", "password": "mfa-password", "email_confirm": true
    })))
    .await;
    let uid = created.str("/id").to_string();
    let s = d.login("mfa@example.com", "mfa-password").await;
    let token = s["access_token"].as_str().unwrap_or_default();
    let enrolled = Demo::send(
        d.req(Method::POST, "/factors")
            .bearer_auth(token)
            .json(&json!({"factor_type": "totp", "friendly_name": "Laptop"})),
    )
    .await;
    assert_eq!(enrolled.status, StatusCode::OK, "{}", enrolled.text);
    assert_eq!(enrolled.str("/type"), "totp");
    assert!(enrolled.str("/totp/uri").starts_with("otpauth://totp/"));
    assert!(
        enrolled
            .str("/totp/qr_code")
            .starts_with("data:image/svg+xml")
    );
    let fid = enrolled.str("/id").to_string();
    let conflict = Demo::send(
        d.req(Method::POST, "/factors")
            .bearer_auth(token)
            .json(&json!({"factor_type": "totp", "friendly_name": "Laptop"})),
    )
    .await;
    assert_eq!(conflict.body["error_code"], "mfa_factor_name_conflict");

    let user = Demo::send(d.admin(Method::GET, &format!("/admin/users/{uid}"))).await;
    assert_eq!(user.body["factors"][0]["status"], "unverified");
    let deleted =
        Demo::send(d.admin(Method::DELETE, &format!("/admin/users/{uid}/factors/{fid}"))).await;
    assert_eq!(deleted.status, StatusCode::OK);
    assert_eq!(deleted.str("/id"), fid);
    let user = Demo::send(d.admin(Method::GET, &format!("/admin/users/{uid}"))).await;
    assert!(user.body.get("factors").is_none());
    let again =
        Demo::send(d.admin(Method::DELETE, &format!("/admin/users/{uid}/factors/{fid}"))).await;
    assert_eq!(again.body["error_code"], "mfa_factor_not_found");
}

#[tokio::test]
async fn audit_log_records_and_filters() {
    let d = Demo::start().await;
    d.login(ADA, ADA_PASSWORD).await;
    let all = Demo::send(d.admin(Method::GET, "/admin/audit?per_page=5")).await;
    assert_eq!(all.status, StatusCode::OK);
    assert_eq!(all.body.as_array().map(Vec::len), Some(5));
    assert!(all.header("x-total-count").is_some());
    assert!(
        all.header("link")
            .is_some_and(|l| l.contains("rel=\"last\""))
    );
    let newest = &all.body[0];
    assert_eq!(newest["payload"]["action"], "login");
    assert_eq!(newest["payload"]["actor_username"], ADA);
    assert_eq!(newest["payload"]["log_type"], "account");

    let logins =
        Demo::send(d.admin(Method::GET, "/admin/audit?query=action:login&per_page=1000")).await;
    assert!(
        logins
            .body
            .as_array()
            .is_some_and(|e| !e.is_empty() && e.iter().all(|e| e["payload"]["action"] == "login"))
    );
    let by_author = Demo::send(d.admin(Method::GET, "/admin/audit?query=author:LOVELACE")).await;
    assert!(by_author.body.as_array().is_some_and(|e| !e.is_empty()));
    let bad = Demo::send(d.admin(Method::GET, "/admin/audit?query=who:me")).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert_eq!(bad.str("/msg"), "Invalid query scope: who:me");
}

#[tokio::test]
async fn autoconfirm_signups_get_a_session() {
    let d = Demo::with(DemoConfig {
        mailer_autoconfirm: true,
        phone_autoconfirm: true,
        ..DemoConfig::default()
    })
    .await;
    let s = Demo::send(
        d.req(Method::POST, "/signup")
            .json(&json!({"email": "auto@example.com", "password": "auto-password"})),
    )
    .await;
    assert_eq!(s.status, StatusCode::OK, "{}", s.text);
    assert!(s.body["access_token"].is_string());
    assert!(s.body["user"]["email_confirmed_at"].is_string());
    let again = Demo::send(
        d.req(Method::POST, "/signup")
            .json(&json!({"email": "auto@example.com", "password": "auto-password"})),
    )
    .await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(again.body["error_code"], "user_already_exists");
    let settings = Demo::send(d.req(Method::GET, "/settings")).await;
    assert_eq!(settings.body["mailer_autoconfirm"], true);
}

#[tokio::test]
async fn user_updates_password_and_email() {
    let d = Demo::start().await;
    let created = Demo::send(d.admin(Method::POST, "/admin/users").json(&json!({
        "email": "self@example.com", "password": "self-password", "email_confirm": true
    })))
    .await;
    assert_eq!(created.status, StatusCode::OK);
    let s = d.login("self@example.com", "self-password").await;
    let token = s["access_token"].as_str().unwrap_or_default();
    let same = Demo::send(
        d.req(Method::PUT, "/user")
            .bearer_auth(token)
            .json(&json!({"password": "self-password"})),
    )
    .await;
    assert_eq!(same.body["error_code"], "same_password");
    let changed = Demo::send(
        d.req(Method::PUT, "/user")
            .bearer_auth(token)
            .json(&json!({"password": "self-password-2", "data": {"nick": "me"}})),
    )
    .await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.text);
    assert_eq!(changed.body["user_metadata"]["nick"], "me");
    d.login("self@example.com", "self-password-2").await;

    let email = Demo::send(
        d.req(Method::PUT, "/user")
            .bearer_auth(token)
            .json(&json!({"email": "self-new@example.com"})),
    )
    .await;
    assert_eq!(email.str("/new_email"), "self-new@example.com");
    let mails: Vec<_> = d
        .server
        .outbox()
        .into_iter()
        .filter(|m| m.kind == OutboxKind::EmailChange)
        .collect();
    assert_eq!(mails.len(), 2, "secure email change mails both addresses");
    for m in &mails {
        let link = m.link.clone().unwrap_or_default();
        let resp = d.http.get(&link).send().await.expect("verify");
        assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    }
    let s = d.login("self-new@example.com", "self-password-2").await;
    assert_eq!(s["user"]["email"], "self-new@example.com");
}

#[tokio::test]
async fn cors_preflight_and_headers() {
    let d = Demo::start().await;
    let pre = d
        .http
        .request(Method::OPTIONS, d.url("/token?grant_type=password"))
        .header("Origin", "http://localhost:5173")
        .header("Access-Control-Request-Method", "POST")
        .header(
            "Access-Control-Request-Headers",
            "apikey, x-client-info, content-type",
        )
        .send()
        .await
        .expect("preflight");
    assert!(pre.status().is_success());
    let h = pre.headers();
    assert_eq!(
        h.get("access-control-allow-origin")
            .and_then(|v| v.to_str().ok()),
        Some("http://localhost:5173")
    );
    assert!(
        h.get("access-control-allow-headers")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.to_lowercase().contains("apikey"))
    );
    let list = Demo::send(
        d.admin(Method::GET, "/admin/users?per_page=1")
            .header("Origin", "http://localhost:5173"),
    )
    .await;
    assert!(
        list.header("access-control-expose-headers")
            .is_some_and(|v| v.contains("X-Total-Count") && v.contains("Link"))
    );
}

#[tokio::test]
async fn email_otp_and_redirect_rules() {
    let d = Demo::start().await;
    let sent = Demo::send(
        d.req(
            Method::POST,
            "/otp?redirect_to=http://localhost:3000/welcome",
        )
        .json(&json!({"email": ADA})),
    )
    .await;
    assert_eq!(sent.body, json!({}));
    let mail = d.server.outbox().pop().expect("otp mail");
    assert_eq!(mail.kind, OutboxKind::OtpEmail);
    let link = mail.link.clone().unwrap_or_default();
    assert!(link.contains("type=magiclink"), "{link}");
    assert!(
        link.ends_with("redirect_to=http://localhost:3000/welcome"),
        "{link}"
    );
    let ok = Demo::send(
        d.req(Method::POST, "/verify")
            .json(&json!({"type": "email", "email": ADA, "token": mail.otp})),
    )
    .await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.text);

    // create_user=false for an unknown address.
    let refused = Demo::send(
        d.req(Method::POST, "/otp")
            .json(&json!({"email": "stranger@example.com", "create_user": false})),
    )
    .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(refused.body["error_code"], "otp_disabled");

    // A redirect_to on another site is ignored: site_url instead.
    let resp = d
        .http
        .get(d.url("/verify?type=signup&token=nope&redirect_to=https://evil.example/x"))
        .send()
        .await
        .expect("verify");
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let location = resp
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    assert!(
        location.starts_with("http://localhost:3000#error=access_denied"),
        "{location}"
    );
}

#[tokio::test]
async fn concurrent_requests_do_not_block_each_other() {
    let d = std::sync::Arc::new(Demo::start().await);
    let mut tasks = Vec::new();
    for i in 0..40 {
        let d = d.clone();
        tasks.push(tokio::spawn(async move {
            match i % 4 {
                0 => d.login(ADA, ADA_PASSWORD).await["access_token"].is_string(),
                1 => d.list("?per_page=100").await.status == StatusCode::OK,
                2 => {
                    Demo::send(d.admin(Method::POST, "/admin/users").json(
                        &json!({"email": format!("par{i}@example.com"), "password": "parallel-pw"}),
                    ))
                    .await
                    .status
                        == StatusCode::OK
                }
                _ => {
                    let s = d.login(ADA, ADA_PASSWORD).await;
                    let rt = s["refresh_token"].as_str().unwrap_or_default().to_string();
                    Demo::send(
                        d.req(Method::POST, "/token?grant_type=refresh_token")
                            .json(&json!({ "refresh_token": rt })),
                    )
                    .await
                    .status
                        == StatusCode::OK
                }
            }
        }));
    }
    for t in tasks {
        assert!(
            tokio::time::timeout(Duration::from_secs(30), t)
                .await
                .expect("no deadlock")
                .expect("task")
        );
    }
}
