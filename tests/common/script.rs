//! The fixed script the recorder drives against a real GoTrue (`tests/record.rs`): every
//! endpoint the client calls, each error users meet (with and without the API version
//! header), and a leniency sweep of every route that reads a body. Addresses are fixed, so a
//! second recording of the same version differs only where GoTrue changed.

use super::exchange::{Auth, Body, Request, Runner, Step};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

pub const PASSWORD: &str = "correct-horse-battery-1";
/// The phone number with a fixed code (`GOTRUE_SMS_TEST_OTP` in tests/real-gotrue.sh).
pub const TEST_PHONE: &str = "+15555550100";
pub const TEST_OTP: &str = "123456";
pub const REDIRECT: &str = "http://127.0.0.1:3000/welcome";

/// Values the script uses that no answer gives: a token signed with the server's secret that
/// has expired, and one for a session that never existed.
pub fn preset(runner: &mut Runner, jwt_secret: &str) {
    let now = chrono::Utc::now().timestamp();
    let expired = super::mint(
        jwt_secret,
        json!({"role": "authenticated", "aud": "authenticated",
               "sub": "00000000-0000-4000-8000-000000000001",
               "session_id": "00000000-0000-4000-8000-000000000002",
               "iat": now - 7200, "exp": now - 3600}),
    );
    let ghost = super::mint(
        jwt_secret,
        json!({"role": "authenticated", "aud": "authenticated",
               "sub": "00000000-0000-4000-8000-000000000001",
               "session_id": "00000000-0000-4000-8000-000000000002"}),
    );
    runner.vars.insert("expired_jwt".into(), expired);
    runner.vars.insert("ghost_session_jwt".into(), ghost);
    runner
        .vars
        .insert("foreign_es256_jwt".into(), foreign_es256(now));
}

/// A well-formed ES256 access token signed by a key no server knows.
fn foreign_es256(now: i64) -> String {
    use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair};
    let pair = EcdsaKeyPair::generate(&ECDSA_P256_SHA256_FIXED_SIGNING).expect("an EC key");
    let der = pair.to_pkcs8v1().expect("PKCS#8");
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::ES256);
    header.kid = Some("00000000-0000-4000-8000-00000000f0e1".into());
    jsonwebtoken::encode(
        &header,
        &json!({"role": "authenticated", "aud": "authenticated",
                "sub": "00000000-0000-4000-8000-000000000001",
                "session_id": "00000000-0000-4000-8000-000000000002",
                "iat": now, "exp": now + 3600}),
        &jsonwebtoken::EncodingKey::from_ec_der(der.as_ref()),
    )
    .expect("an ES256 token")
}

/// The script for a GoTrue that signs with an asymmetric key (`GOTRUE_JWT_KEYS` holding an
/// ES256 key): its JWKS, and tokens signed with it that GoTrue takes back.
pub fn asymmetric() -> Vec<Step> {
    let mut s = Script::default();
    s.get("jwks: one ES256 key", "/.well-known/jwks.json", Auth::None);
    s.user("es", "asym-user@example.com", true);
    s.sign_in(
        "token: password, signed ES256",
        "es",
        "asym-user@example.com",
    );
    s.get("user: with the ES256 token", "/user", bearer("es_token"));
    s.json(
        "token: refresh, signed ES256",
        "POST",
        "/token?grant_type=refresh_token",
        Auth::Anon,
        json!({"refresh_token": "${es_refresh}"}),
    );
    // The legacy HS256 keys are still taken for admin calls.
    s.get(
        "admin: the HS256 service key still works",
        "/admin/users",
        Auth::Service,
    );
    s.error(
        "an ES256 token with an unknown kid",
        "GET",
        "/user",
        bearer("foreign_es256_jwt"),
        None,
    );
    s.steps
}

/// The script for a GoTrue with `GOTRUE_EXPERIMENTAL_CURSOR_PAGINATION_ENABLED=true`: the
/// users list paged by cursor (`limit`, `cursor`, `pagination` in the body, no total), in
/// both orders and through a filter, what still pages by offset, and the bad cursors.
pub fn keyset() -> Vec<Step> {
    use base64::Engine;
    let b64 = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
    let mut s = Script::default();
    for (email, name) in [
        ("keyset-ada@example.com", "Ada Lovelace"),
        ("keyset-grace@example.com", "Grace Hopper"),
        ("keyset-edsger@example.com", "Edsger Dijkstra"),
        ("keyset-barbara@example.com", "Barbara Liskov"),
        ("other-alan@example.com", "Alan Turing"),
    ] {
        s.json(
            &format!("setup: create {email}"),
            "POST",
            "/admin/users",
            Auth::Service,
            json!({"email": email, "password": PASSWORD, "email_confirm": true,
                   "user_metadata": {"full_name": name}}),
        );
    }
    let get = |s: &mut Script, name: &str, path: &str| {
        s.get(name, path, Auth::Service);
    };
    get(
        &mut s,
        "keyset: neither page nor per_page, 50 at most",
        "/admin/users",
    );
    s.get(
        "keyset: a first page of two",
        "/admin/users?limit=2",
        Auth::Service,
    )
    .cap("c1", "/pagination/next_cursor");
    s.get(
        "keyset: the second page",
        "/admin/users?limit=2&cursor=${c1}",
        Auth::Service,
    )
    .cap("c2", "/pagination/next_cursor");
    get(
        &mut s,
        "keyset: the last page",
        "/admin/users?limit=2&cursor=${c2}",
    );
    s.get(
        "keyset: oldest first",
        "/admin/users?limit=2&sort=created_at%20asc",
        Auth::Service,
    )
    .cap("a1", "/pagination/next_cursor");
    get(
        &mut s,
        "keyset: oldest first, the second page",
        "/admin/users?limit=2&sort=created_at%20asc&cursor=${a1}",
    );
    s.get(
        "keyset: filter by email",
        "/admin/users?limit=3&filter=keyset-",
        Auth::Service,
    )
    .cap("f1", "/pagination/next_cursor");
    get(
        &mut s,
        "keyset: filter, the second page",
        "/admin/users?limit=3&filter=keyset-&cursor=${f1}",
    );
    get(
        &mut s,
        "keyset: filter by name",
        "/admin/users?limit=10&filter=lovelace",
    );
    get(
        &mut s,
        "keyset: filter that matches nothing",
        "/admin/users?limit=10&filter=zzz",
    );
    get(
        &mut s,
        "keyset: a limit over 1000 is 1000",
        "/admin/users?limit=5000",
    );
    get(
        &mut s,
        "keyset: page given: offset paging with a total",
        "/admin/users?page=1&limit=2",
    );
    get(
        &mut s,
        "keyset: per_page given: offset paging",
        "/admin/users?per_page=2",
    );
    let bad = |s: &mut Script, name: &str, query: String| {
        s.error(
            name,
            "GET",
            &format!("/admin/users?{query}"),
            Auth::Service,
            None,
        );
    };
    bad(&mut s, "keyset: limit 0", "limit=0".into());
    bad(&mut s, "keyset: limit not a number", "limit=ten".into());
    bad(
        &mut s,
        "keyset: a cursor that is not base64",
        "cursor=%21%21%21%21".into(),
    );
    bad(
        &mut s,
        "keyset: a cursor that is not JSON",
        format!("cursor={}", b64("not json")),
    );
    bad(
        &mut s,
        "keyset: a cursor without an id",
        format!("cursor={}", b64(r#"{"created_at":"2024-01-01T00:00:00Z"}"#)),
    );
    bad(
        &mut s,
        "keyset: a cursor without a time",
        format!(
            "cursor={}",
            b64(r#"{"id":"7d3c1ed4-3c0b-4b69-9d7a-0e5f0b3c1a11"}"#)
        ),
    );
    bad(
        &mut s,
        "keyset: a sort it does not know",
        "sort=email".into(),
    );
    s.steps
}

/// Every script, by the name of its file.
pub fn all() -> Vec<(&'static str, Vec<Step>)> {
    vec![
        ("auth", auth()),
        ("admin", admin()),
        ("errors", errors()),
        ("leniency", leniency()),
    ]
}

#[derive(Default)]
struct Script {
    steps: Vec<Step>,
}

impl Script {
    fn push(
        &mut self,
        name: &str,
        method: &str,
        path: &str,
        auth: Auth,
        body: Option<Body>,
    ) -> &mut Step {
        self.steps.push(Step {
            name: name.to_owned(),
            request: Request {
                method: method.to_owned(),
                path: path.to_owned(),
                auth,
                api_version: true,
                content_type: None,
                body,
            },
            capture: BTreeMap::new(),
        });
        self.steps.last_mut().expect("just pushed")
    }

    fn get(&mut self, name: &str, path: &str, auth: Auth) -> &mut Step {
        self.push(name, "GET", path, auth, None)
    }

    fn json(&mut self, name: &str, method: &str, path: &str, auth: Auth, body: Value) -> &mut Step {
        self.push(name, method, path, auth, Some(Body::Json(body)))
    }

    /// An error, sent with the API version header and again without it.
    fn error(&mut self, name: &str, method: &str, path: &str, auth: Auth, body: Option<Body>) {
        self.push(name, method, path, auth.clone(), body.clone());
        self.push(
            &format!("{name} (no version header)"),
            method,
            path,
            auth,
            body,
        )
        .request
        .api_version = false;
    }

    fn error_json(&mut self, name: &str, method: &str, path: &str, auth: Auth, body: Value) {
        self.error(name, method, path, auth, Some(Body::Json(body)));
    }

    /// An admin-created user with a password; `${<var>_id}` is its id.
    fn user(&mut self, var: &str, email: &str, confirmed: bool) {
        self.json(
            &format!("setup: create {email}"),
            "POST",
            "/admin/users",
            Auth::Service,
            json!({"email": email, "password": PASSWORD, "email_confirm": confirmed}),
        )
        .cap(&format!("{var}_id"), "/id");
    }

    /// Signs `email` in; `${<var>_token}` and `${<var>_refresh}` are its session.
    fn sign_in(&mut self, name: &str, var: &str, email: &str) {
        self.json(
            name,
            "POST",
            "/token?grant_type=password",
            Auth::Anon,
            json!({"email": email, "password": PASSWORD}),
        )
        .cap(&format!("{var}_token"), "/access_token")
        .cap(&format!("{var}_refresh"), "/refresh_token");
    }
}

trait Capture {
    fn cap(&mut self, var: &str, pointer: &str) -> &mut Self;
}

impl Capture for Step {
    fn cap(&mut self, var: &str, pointer: &str) -> &mut Self {
        self.capture.insert(var.to_owned(), pointer.to_owned());
        self
    }
}

fn bearer(var: &str) -> Auth {
    Auth::Bearer(format!("${{{var}}}"))
}

fn raw(s: &str) -> Option<Body> {
    Some(Body::Raw(s.to_owned()))
}

// ---- the calls a user makes ---------------------------------------------------------------

fn auth() -> Vec<Step> {
    let mut s = Script::default();
    s.get("health", "/health", Auth::None);
    s.get("settings", "/settings", Auth::None);
    s.get(
        "jwks: the public signing keys",
        "/.well-known/jwks.json",
        Auth::None,
    );
    s.get(
        "authorize: a provider sign-in starts with a redirect",
        "/authorize?provider=github&redirect_to=http%3A%2F%2F127.0.0.1%3A3000%2Fwelcome",
        Auth::None,
    );
    s.json(
        "signup: email, auto-confirmed, with data and a redirect",
        "POST",
        "/signup?redirect_to=http%3A%2F%2F127.0.0.1%3A3000%2Fwelcome",
        Auth::Anon,
        json!({"email": "Auth-Grace@Example.com", "password": PASSWORD, "data": {"full_name": "Grace Hopper"}}),
    )
    .cap("grace_token", "/access_token")
    .cap("grace_refresh", "/refresh_token")
    .cap("grace_id", "/user/id");
    s.json(
        "signup: phone, auto-confirmed",
        "POST",
        "/signup",
        Auth::Anon,
        json!({"phone": "+15555550111", "password": PASSWORD}),
    );
    s.sign_in("token: password, by email", "ada", "auth-grace@example.com");
    s.json(
        "token: password, by phone",
        "POST",
        "/token?grant_type=password",
        Auth::Anon,
        json!({"phone": "+15555550111", "password": PASSWORD}),
    );
    s.get("user: get", "/user", bearer("ada_token"));
    s.json(
        "user: update data",
        "PUT",
        "/user",
        bearer("ada_token"),
        json!({"data": {"plan": "pro", "full_name": null}}),
    );
    s.json(
        "token: refresh",
        "POST",
        "/token?grant_type=refresh_token",
        Auth::Anon,
        json!({"refresh_token": "${ada_refresh}"}),
    )
    .cap("ada_token2", "/access_token")
    .cap("ada_refresh2", "/refresh_token");
    s.get(
        "user: get with the refreshed token",
        "/user",
        bearer("ada_token2"),
    );
    s.json(
        "factors: enrol TOTP",
        "POST",
        "/factors",
        bearer("ada_token2"),
        json!({"factor_type": "totp", "friendly_name": "Grace's phone"}),
    )
    .cap("factor_id", "/id");
    s.json(
        "magiclink: a new address",
        "POST",
        "/magiclink",
        Auth::Anon,
        json!({"email": "auth-magic@example.com"}),
    );
    s.json(
        "otp: email, creating the user",
        "POST",
        "/otp?redirect_to=http%3A%2F%2F127.0.0.1%3A3000%2Fwelcome",
        Auth::Anon,
        json!({"email": "auth-otp@example.com", "create_user": true, "data": {"source": "otp"}}),
    );
    s.json(
        "otp: the test phone number",
        "POST",
        "/otp",
        Auth::Anon,
        json!({"phone": TEST_PHONE, "create_user": true}),
    );
    s.json(
        "verify: the SMS code",
        "POST",
        "/verify",
        Auth::Anon,
        json!({"type": "sms", "phone": TEST_PHONE, "token": TEST_OTP}),
    );
    s.json(
        "setup: a recovery code",
        "POST",
        "/admin/generate_link",
        Auth::Service,
        json!({"type": "recovery", "email": "auth-grace@example.com"}),
    )
    .cap("recovery_otp", "/email_otp");
    s.json(
        "verify: recovery code by email",
        "POST",
        "/verify",
        Auth::Anon,
        json!({"type": "recovery", "email": "auth-grace@example.com", "token": "${recovery_otp}"}),
    );
    s.json(
        "setup: a magic link hash",
        "POST",
        "/admin/generate_link",
        Auth::Service,
        json!({"type": "magiclink", "email": "auth-magic@example.com"}),
    )
    .cap("magic_hash", "/hashed_token");
    s.json(
        "verify: magic link by token hash",
        "POST",
        "/verify",
        Auth::Anon,
        json!({"type": "magiclink", "token_hash": "${magic_hash}"}),
    )
    .cap("magic_token", "/access_token");
    s.user("bob", "auth-bob@example.com", true);
    s.json(
        "recover: a known address",
        "POST",
        "/recover?redirect_to=http%3A%2F%2F127.0.0.1%3A3000%2Fwelcome",
        Auth::Anon,
        json!({"email": "auth-bob@example.com"}),
    );
    s.json(
        "recover: an unknown address answers the same",
        "POST",
        "/recover",
        Auth::Anon,
        json!({"email": "auth-nobody@example.com"}),
    );
    s.user("carol", "auth-carol@example.com", false);
    s.json(
        "resend: signup confirmation",
        "POST",
        "/resend",
        Auth::Anon,
        json!({"type": "signup", "email": "auth-carol@example.com"}),
    );
    s.json(
        "resend: SMS code",
        "POST",
        "/resend",
        Auth::Anon,
        json!({"type": "sms", "phone": "+15555550111"}),
    );
    // Three sessions of one user, for the three sign-out scopes.
    for n in 1..=3 {
        s.sign_in(
            &format!("setup: session {n}"),
            &format!("bob{n}"),
            "auth-bob@example.com",
        );
    }
    s.push(
        "logout: others",
        "POST",
        "/logout?scope=others",
        bearer("bob1_token"),
        None,
    );
    s.get(
        "user: the session that signed the others out",
        "/user",
        bearer("bob1_token"),
    );
    s.push(
        "logout: local",
        "POST",
        "/logout?scope=local",
        bearer("bob1_token"),
        None,
    );
    s.sign_in("setup: session 4", "bob4", "auth-bob@example.com");
    s.push(
        "logout: global (the default)",
        "POST",
        "/logout",
        bearer("bob4_token"),
        None,
    );
    s.steps
}

// ---- the admin API ----------------------------------------------------------------------

fn admin() -> Vec<Step> {
    let mut s = Script::default();
    s.get("list: no users yet", "/admin/users", Auth::Service);
    s.json(
        "create: email, confirmed, with metadata",
        "POST",
        "/admin/users",
        Auth::Service,
        json!({"email": "admin-ada@example.com", "password": PASSWORD, "email_confirm": true,
               "user_metadata": {"full_name": "Ada Lovelace"}, "app_metadata": {"plan": "pro"}}),
    )
    .cap("ada_id", "/id");
    s.json(
        "create: phone, confirmed",
        "POST",
        "/admin/users",
        Auth::Service,
        json!({"phone": "+15555550122", "password": PASSWORD, "phone_confirm": true}),
    )
    .cap("phone_id", "/id");
    s.json(
        "create: email, unconfirmed, no password",
        "POST",
        "/admin/users",
        Auth::Service,
        json!({"email": "admin-unconfirmed@example.com"}),
    )
    .cap("unconfirmed_id", "/id");
    s.json(
        "create: with an id and a bcrypt hash",
        "POST",
        "/admin/users",
        Auth::Service,
        json!({"id": "7d3c1ed4-3c0b-4b69-9d7a-0e5f0b3c1a11", "email": "admin-hash@example.com",
               "password_hash": "$2a$10$PQxNUuGSZ6NtpEZxFLqOvOMlu/ZRfBK4U8ZmHjsvBqjtfOqr0QyO6",
               "email_confirm": true}),
    );
    s.json(
        "invite: by email, with data and a redirect",
        "POST",
        "/invite?redirect_to=http%3A%2F%2F127.0.0.1%3A3000%2Fwelcome",
        Auth::Service,
        json!({"email": "admin-invited@example.com", "data": {"team": "support"}}),
    )
    .cap("invited_id", "/id");
    s.get(
        "list: first page of two",
        "/admin/users?page=1&per_page=2",
        Auth::Service,
    );
    s.get(
        "list: second page",
        "/admin/users?page=2&per_page=2",
        Auth::Service,
    );
    s.get(
        "list: last page",
        "/admin/users?page=3&per_page=2",
        Auth::Service,
    );
    s.get(
        "list: past the end",
        "/admin/users?page=9&per_page=2",
        Auth::Service,
    );
    s.get(
        "list: oldest first",
        "/admin/users?page=1&per_page=10&sort=created_at%20asc",
        Auth::Service,
    );
    s.get(
        "list: filter by email",
        "/admin/users?page=1&per_page=10&filter=admin-ada",
        Auth::Service,
    );
    s.get(
        "list: filter by name",
        "/admin/users?page=1&per_page=10&filter=lovelace",
        Auth::Service,
    );
    s.get(
        "list: filter that matches nothing",
        "/admin/users?page=1&per_page=10&filter=zzz",
        Auth::Service,
    );
    s.get("get: a user", "/admin/users/${ada_id}", Auth::Service);
    s.json(
        "update: metadata is merged, null removes a key",
        "PUT",
        "/admin/users/${ada_id}",
        Auth::Service,
        json!({"user_metadata": {"team": "analytics", "full_name": null}, "app_metadata": {"tier": 2}}),
    );
    s.json(
        "update: email and phone",
        "PUT",
        "/admin/users/${unconfirmed_id}",
        Auth::Service,
        json!({"email": "admin-renamed@example.com", "phone": "+15555550133"}),
    );
    s.json(
        "update: confirm the email",
        "PUT",
        "/admin/users/${unconfirmed_id}",
        Auth::Service,
        json!({"email_confirm": true}),
    );
    s.json(
        "update: ban for a day",
        "PUT",
        "/admin/users/${phone_id}",
        Auth::Service,
        json!({"ban_duration": "24h"}),
    );
    s.json(
        "update: lift the ban",
        "PUT",
        "/admin/users/${phone_id}",
        Auth::Service,
        json!({"ban_duration": "none"}),
    );
    s.json(
        "update: role and password",
        "PUT",
        "/admin/users/${ada_id}",
        Auth::Service,
        json!({"role": "authenticated", "password": "another-horse-battery-2"}),
    );
    s.get(
        "factors: none yet",
        "/admin/users/${ada_id}/factors",
        Auth::Service,
    );
    s.json(
        "setup: sign in to enrol a factor",
        "POST",
        "/token?grant_type=password",
        Auth::Anon,
        json!({"email": "admin-ada@example.com", "password": "another-horse-battery-2"}),
    )
    .cap("ada_token", "/access_token");
    s.json(
        "setup: enrol TOTP",
        "POST",
        "/factors",
        bearer("ada_token"),
        json!({"factor_type": "totp", "friendly_name": "Ada's phone"}),
    )
    .cap("factor_id", "/id");
    s.get(
        "factors: one, unverified",
        "/admin/users/${ada_id}/factors",
        Auth::Service,
    );
    s.get(
        "get: a user with a factor",
        "/admin/users/${ada_id}",
        Auth::Service,
    );
    s.json(
        "factors: rename",
        "PUT",
        "/admin/users/${ada_id}/factors/${factor_id}",
        Auth::Service,
        json!({"friendly_name": "Ada's old phone"}),
    );
    s.push(
        "factors: delete",
        "DELETE",
        "/admin/users/${ada_id}/factors/${factor_id}",
        Auth::Service,
        None,
    );
    for (t, extra) in [
        (
            "signup",
            json!({"email": "admin-link-signup@example.com", "password": PASSWORD}),
        ),
        (
            "invite",
            json!({"email": "admin-link-invite@example.com", "data": {"team": "ops"}}),
        ),
        ("magiclink", json!({"email": "admin-ada@example.com"})),
        (
            "recovery",
            json!({"email": "admin-ada@example.com", "redirect_to": REDIRECT}),
        ),
        (
            "email_change_current",
            json!({"email": "admin-hash@example.com", "new_email": "admin-hash2@example.com"}),
        ),
        (
            "email_change_new",
            json!({"email": "admin-renamed@example.com", "new_email": "admin-renamed2@example.com"}),
        ),
    ] {
        let mut body = extra;
        body["type"] = json!(t);
        s.json(
            &format!("generate_link: {t}"),
            "POST",
            "/admin/generate_link",
            Auth::Service,
            body,
        );
    }
    s.get(
        "audit: first page",
        "/admin/audit?page=1&per_page=5",
        Auth::Service,
    );
    s.get(
        "audit: by action",
        "/admin/audit?page=1&per_page=50&query=action%3Auser_invited",
        Auth::Service,
    );
    s.json(
        "delete: soft",
        "DELETE",
        "/admin/users/${invited_id}",
        Auth::Service,
        json!({"should_soft_delete": true}),
    );
    s.get(
        "get: a soft-deleted user",
        "/admin/users/${invited_id}",
        Auth::Service,
    );
    s.json(
        "delete: hard",
        "DELETE",
        "/admin/users/${phone_id}",
        Auth::Service,
        json!({"should_soft_delete": false}),
    );
    s.push(
        "delete: with no body",
        "DELETE",
        "/admin/users/${unconfirmed_id}",
        Auth::Service,
        None,
    );
    s.get(
        "list: after the deletes",
        "/admin/users?page=1&per_page=50",
        Auth::Service,
    );
    s.steps
}

// ---- errors users meet, each with and without the version header --------------------------

fn errors() -> Vec<Step> {
    let mut s = Script::default();
    s.user("ok", "err-ok@example.com", true);
    s.user("unconfirmed", "err-unconfirmed@example.com", false);
    s.user("banned", "err-banned@example.com", true);
    s.json(
        "setup: ban",
        "PUT",
        "/admin/users/${banned_id}",
        Auth::Service,
        json!({"ban_duration": "87600h"}),
    );
    let login = |email: &str, password: &str| json!({"email": email, "password": password});
    s.error_json(
        "wrong password",
        "POST",
        "/token?grant_type=password",
        Auth::Anon,
        login("err-ok@example.com", "wrong-horse-battery"),
    );
    s.error_json(
        "unknown email",
        "POST",
        "/token?grant_type=password",
        Auth::Anon,
        login("err-nobody@example.com", PASSWORD),
    );
    s.error_json(
        "unconfirmed email",
        "POST",
        "/token?grant_type=password",
        Auth::Anon,
        login("err-unconfirmed@example.com", PASSWORD),
    );
    s.error_json(
        "banned user",
        "POST",
        "/token?grant_type=password",
        Auth::Anon,
        login("err-banned@example.com", PASSWORD),
    );
    s.error_json(
        "password grant with no password",
        "POST",
        "/token?grant_type=password",
        Auth::Anon,
        json!({"email": "err-ok@example.com"}),
    );
    s.error_json(
        "unknown grant type",
        "POST",
        "/token?grant_type=magic",
        Auth::Anon,
        json!({}),
    );
    s.error_json(
        "duplicate email on admin create",
        "POST",
        "/admin/users",
        Auth::Service,
        json!({"email": "err-ok@example.com"}),
    );
    s.json(
        "setup: a phone user",
        "POST",
        "/admin/users",
        Auth::Service,
        json!({"phone": "+15555550144", "phone_confirm": true}),
    );
    s.error_json(
        "duplicate phone on admin create",
        "POST",
        "/admin/users",
        Auth::Service,
        json!({"phone": "+15555550144"}),
    );
    s.error_json(
        "duplicate email on sign-up",
        "POST",
        "/signup",
        Auth::Anon,
        login("err-ok@example.com", PASSWORD),
    );
    s.error_json(
        "duplicate email on admin update",
        "PUT",
        "/admin/users/${unconfirmed_id}",
        Auth::Service,
        json!({"email": "err-ok@example.com"}),
    );
    s.error_json(
        "weak password on sign-up",
        "POST",
        "/signup",
        Auth::Anon,
        login("err-weak@example.com", "123"),
    );
    s.error_json(
        "weak password on admin update",
        "PUT",
        "/admin/users/${ok_id}",
        Auth::Service,
        json!({"password": "123"}),
    );
    s.error_json(
        "invalid email on sign-up",
        "POST",
        "/signup",
        Auth::Anon,
        login("not-an-email", PASSWORD),
    );
    s.error_json(
        "invalid email on admin create",
        "POST",
        "/admin/users",
        Auth::Service,
        json!({"email": "not-an-email"}),
    );
    s.error_json(
        "sign-up with neither email nor phone",
        "POST",
        "/signup",
        Auth::Anon,
        json!({"password": PASSWORD}),
    );
    s.error_json(
        "bad email code",
        "POST",
        "/verify",
        Auth::Anon,
        json!({"type": "email", "email": "err-ok@example.com", "token": "000000"}),
    );
    s.error_json(
        "bad SMS code",
        "POST",
        "/verify",
        Auth::Anon,
        json!({"type": "sms", "phone": TEST_PHONE, "token": "000000"}),
    );
    s.error_json("bad token hash", "POST", "/verify", Auth::Anon, json!({"type": "magiclink", "token_hash": "0123456789abcdef0123456789abcdef0123456789abcdef01234567"}));
    s.error_json(
        "verify with an unknown type",
        "POST",
        "/verify",
        Auth::Anon,
        json!({"type": "bogus", "email": "err-ok@example.com", "token": "000000"}),
    );
    s.error_json(
        "verify with no token",
        "POST",
        "/verify",
        Auth::Anon,
        json!({"type": "email", "email": "err-ok@example.com"}),
    );
    s.json(
        "setup: a code, used at once",
        "POST",
        "/admin/generate_link",
        Auth::Service,
        json!({"type": "magiclink", "email": "err-ok@example.com"}),
    )
    .cap("used_otp", "/email_otp");
    s.json(
        "setup: the code is used",
        "POST",
        "/verify",
        Auth::Anon,
        json!({"type": "magiclink", "email": "err-ok@example.com", "token": "${used_otp}"}),
    );
    s.error_json(
        "a used code",
        "POST",
        "/verify",
        Auth::Anon,
        json!({"type": "magiclink", "email": "err-ok@example.com", "token": "${used_otp}"}),
    );
    s.error(
        "admin call with the anon key",
        "GET",
        "/admin/users",
        Auth::Anon,
        None,
    );
    s.sign_in("setup: a user's session", "ok", "err-ok@example.com");
    s.error(
        "admin call with a user's token",
        "GET",
        "/admin/users",
        bearer("ok_token"),
        None,
    );
    s.error(
        "admin call with no token",
        "GET",
        "/admin/users",
        Auth::None,
        None,
    );
    s.error(
        "admin call with a malformed token",
        "GET",
        "/admin/users",
        Auth::Bearer("not-a-jwt".into()),
        None,
    );
    s.error(
        "admin call with a new secret key as bearer",
        "GET",
        "/admin/users",
        Auth::Bearer("sb_secret_0123456789abcdefghijklmnop".into()),
        None,
    );
    s.error(
        "user call with an expired token",
        "GET",
        "/user",
        bearer("expired_jwt"),
        None,
    );
    s.error("user call with no token", "GET", "/user", Auth::None, None);
    s.error(
        "user call with a session that never existed",
        "GET",
        "/user",
        bearer("ghost_session_jwt"),
        None,
    );
    s.error(
        "unknown user: get",
        "GET",
        "/admin/users/3f4c2a10-0000-4000-8000-000000000000",
        Auth::Service,
        None,
    );
    s.error_json(
        "unknown user: update",
        "PUT",
        "/admin/users/3f4c2a10-0000-4000-8000-000000000000",
        Auth::Service,
        json!({"user_metadata": {"a": 1}}),
    );
    s.error_json(
        "unknown user: delete",
        "DELETE",
        "/admin/users/3f4c2a10-0000-4000-8000-000000000000",
        Auth::Service,
        json!({"should_soft_delete": false}),
    );
    s.error(
        "unknown user: factors",
        "GET",
        "/admin/users/3f4c2a10-0000-4000-8000-000000000000/factors",
        Auth::Service,
        None,
    );
    s.error(
        "user id that is not a UUID",
        "GET",
        "/admin/users/not-a-uuid",
        Auth::Service,
        None,
    );
    s.error(
        "unknown factor",
        "DELETE",
        "/admin/users/${ok_id}/factors/3f4c2a10-0000-4000-8000-000000000000",
        Auth::Service,
        None,
    );
    s.error(
        "paging: page is not a number",
        "GET",
        "/admin/users?page=abc&per_page=10",
        Auth::Service,
        None,
    );
    s.error(
        "paging: per_page is not a number",
        "GET",
        "/admin/users?page=1&per_page=ten",
        Auth::Service,
        None,
    );
    s.error(
        "paging: negative page",
        "GET",
        "/admin/users?page=-1&per_page=10",
        Auth::Service,
        None,
    );
    s.error(
        "paging: audit page is not a number",
        "GET",
        "/admin/audit?page=x",
        Auth::Service,
        None,
    );
    s.error_json(
        "bad ban duration",
        "PUT",
        "/admin/users/${ok_id}",
        Auth::Service,
        json!({"ban_duration": "forever"}),
    );
    s.error_json(
        "bad generate_link type",
        "POST",
        "/admin/generate_link",
        Auth::Service,
        json!({"type": "bogus", "email": "err-ok@example.com"}),
    );
    s.error_json(
        "generate_link signup for an existing user",
        "POST",
        "/admin/generate_link",
        Auth::Service,
        json!({"type": "signup", "email": "err-ok@example.com", "password": PASSWORD}),
    );
    s.error_json(
        "generate_link recovery for an unknown user",
        "POST",
        "/admin/generate_link",
        Auth::Service,
        json!({"type": "recovery", "email": "err-nobody@example.com"}),
    );
    s.error_json(
        "invite an existing user",
        "POST",
        "/invite",
        Auth::Service,
        json!({"email": "err-ok@example.com"}),
    );
    s.error_json(
        "otp without creating the user",
        "POST",
        "/otp",
        Auth::Anon,
        json!({"email": "err-nobody@example.com", "create_user": false}),
    );
    s.error_json(
        "recover with no email",
        "POST",
        "/recover",
        Auth::Anon,
        json!({}),
    );
    s.error_json(
        "resend with an unknown type",
        "POST",
        "/resend",
        Auth::Anon,
        json!({"type": "bogus", "email": "err-ok@example.com"}),
    );
    // The per-user send frequency: a second mail to one user within the second.
    s.user("rate", "err-rate@example.com", true);
    s.json(
        "setup: a recovery mail",
        "POST",
        "/recover",
        Auth::Anon,
        json!({"email": "err-rate@example.com"}),
    );
    s.error_json(
        "rate limit: a second recovery mail at once",
        "POST",
        "/recover",
        Auth::Anon,
        json!({"email": "err-rate@example.com"}),
    );
    s.json(
        "setup: a magic link",
        "POST",
        "/magiclink",
        Auth::Anon,
        json!({"email": "err-rate2@example.com"}),
    );
    s.error_json(
        "rate limit: a second magic link at once",
        "POST",
        "/magiclink",
        Auth::Anon,
        json!({"email": "err-rate2@example.com"}),
    );
    s.error(
        "bad JSON: sign-up",
        "POST",
        "/signup",
        Auth::Anon,
        raw(r#"{"email": "err-json@example.com","#),
    );
    s.error(
        "bad JSON: password grant",
        "POST",
        "/token?grant_type=password",
        Auth::Anon,
        raw("{nope"),
    );
    s.error(
        "bad JSON: admin create",
        "POST",
        "/admin/users",
        Auth::Service,
        raw("{]"),
    );
    s.error(
        "bad JSON: not an object",
        "POST",
        "/admin/users",
        Auth::Service,
        raw(r#""a string""#),
    );
    s.error_json(
        "bad JSON: a number for a string",
        "POST",
        "/admin/users",
        Auth::Service,
        json!({"email": 42}),
    );
    // Refresh tokens: malformed, well-formed but unknown, spent.
    s.error_json(
        "refresh: malformed token",
        "POST",
        "/token?grant_type=refresh_token",
        Auth::Anon,
        json!({"refresh_token": "not a token!"}),
    );
    s.error_json(
        "refresh: unknown token",
        "POST",
        "/token?grant_type=refresh_token",
        Auth::Anon,
        json!({"refresh_token": "abcdefghijkl"}),
    );
    s.error_json(
        "refresh: no token",
        "POST",
        "/token?grant_type=refresh_token",
        Auth::Anon,
        json!({}),
    );
    s.json(
        "setup: refresh once",
        "POST",
        "/token?grant_type=refresh_token",
        Auth::Anon,
        json!({"refresh_token": "${ok_refresh}"}),
    )
    .cap("ok_token2", "/access_token");
    s.error_json(
        "refresh: a spent token",
        "POST",
        "/token?grant_type=refresh_token",
        Auth::Anon,
        json!({"refresh_token": "${ok_refresh}"}),
    );
    // A signed-out token.
    s.sign_in("setup: another session", "gone", "err-ok@example.com");
    s.push(
        "setup: sign out",
        "POST",
        "/logout?scope=local",
        bearer("gone_token"),
        None,
    );
    s.error(
        "signed-out token: get the user",
        "GET",
        "/user",
        bearer("gone_token"),
        None,
    );
    s.error(
        "signed-out token: sign out again",
        "POST",
        "/logout",
        bearer("gone_token"),
        None,
    );
    s.error_json(
        "signed-out token: update the user",
        "PUT",
        "/user",
        bearer("gone_token"),
        json!({"data": {"a": 1}}),
    );
    s.sign_in("setup: a third session", "live", "err-ok@example.com");
    s.error_json(
        "user update: email taken",
        "PUT",
        "/user",
        bearer("live_token"),
        json!({"email": "err-unconfirmed@example.com"}),
    );
    s.error_json(
        "user update: weak password",
        "PUT",
        "/user",
        bearer("live_token"),
        json!({"password": "1"}),
    );
    s.error_json(
        "user update: same password",
        "PUT",
        "/user",
        bearer("live_token"),
        json!({"password": PASSWORD}),
    );
    s.error_json(
        "factors: unknown type",
        "POST",
        "/factors",
        bearer("live_token"),
        json!({"factor_type": "carrier-pigeon"}),
    );
    s.error("unknown route", "GET", "/no-such-route", Auth::None, None);
    s.error("wrong method", "DELETE", "/settings", Auth::None, None);
    s.steps
}

// ---- leniency: what Go's encoding/json lets through --------------------------------------

/// A route that reads a body, with a body GoTrue takes. `{tag}` in the body's strings is
/// replaced by a tag unique to each variant, so that no two variants meet the same user.
struct Route {
    name: &'static str,
    method: &'static str,
    path: &'static str,
    auth: Auth,
    body: Value,
    /// Fields a client may leave out.
    optional: &'static [&'static str],
    /// A field that takes a string, and one that takes a bool, if any.
    string_field: Option<&'static str>,
    bool_field: Option<&'static str>,
    /// Created before each variant: a user for routes that change or remove one.
    needs_user: bool,
}

fn routes() -> Vec<Route> {
    vec![
        Route {
            name: "signup",
            method: "POST",
            path: "/signup",
            auth: Auth::Anon,
            body: json!({"email": "len-{tag}@example.com", "password": PASSWORD, "data": {"a": 1}}),
            optional: &["data"],
            string_field: Some("email"),
            bool_field: None,
            needs_user: false,
        },
        Route {
            name: "password grant",
            method: "POST",
            path: "/token?grant_type=password",
            auth: Auth::Anon,
            body: json!({"email": "len-{tag}@example.com", "password": PASSWORD}),
            optional: &[],
            string_field: Some("password"),
            bool_field: None,
            needs_user: true,
        },
        Route {
            name: "refresh grant",
            method: "POST",
            path: "/token?grant_type=refresh_token",
            auth: Auth::Anon,
            body: json!({"refresh_token": "abcdefghijkl"}),
            optional: &[],
            string_field: Some("refresh_token"),
            bool_field: None,
            needs_user: false,
        },
        Route {
            name: "otp",
            method: "POST",
            path: "/otp",
            auth: Auth::Anon,
            body: json!({"email": "len-{tag}@example.com", "create_user": true, "data": {"a": 1}}),
            optional: &["create_user", "data"],
            string_field: Some("email"),
            bool_field: Some("create_user"),
            needs_user: false,
        },
        Route {
            name: "magiclink",
            method: "POST",
            path: "/magiclink",
            auth: Auth::Anon,
            body: json!({"email": "len-{tag}@example.com", "data": {"a": 1}}),
            optional: &["data"],
            string_field: Some("email"),
            bool_field: None,
            needs_user: false,
        },
        Route {
            name: "recover",
            method: "POST",
            path: "/recover",
            auth: Auth::Anon,
            body: json!({"email": "len-{tag}@example.com"}),
            optional: &[],
            string_field: Some("email"),
            bool_field: None,
            needs_user: true,
        },
        Route {
            name: "resend",
            method: "POST",
            path: "/resend",
            auth: Auth::Anon,
            body: json!({"type": "signup", "email": "len-{tag}@example.com"}),
            optional: &[],
            string_field: Some("type"),
            bool_field: None,
            needs_user: false,
        },
        Route {
            name: "verify",
            method: "POST",
            path: "/verify",
            auth: Auth::Anon,
            body: json!({"type": "email", "email": "len-{tag}@example.com", "token": "000000"}),
            optional: &[],
            string_field: Some("token"),
            bool_field: None,
            needs_user: true,
        },
        Route {
            name: "invite",
            method: "POST",
            path: "/invite",
            auth: Auth::Service,
            body: json!({"email": "len-{tag}@example.com", "data": {"a": 1}}),
            optional: &["data"],
            string_field: Some("email"),
            bool_field: None,
            needs_user: false,
        },
        Route {
            name: "admin create",
            method: "POST",
            path: "/admin/users",
            auth: Auth::Service,
            body: json!({"email": "len-{tag}@example.com", "password": PASSWORD, "email_confirm": true,
                         "user_metadata": {"a": 1}, "app_metadata": {"b": 2}, "role": "authenticated"}),
            optional: &[
                "password",
                "email_confirm",
                "user_metadata",
                "app_metadata",
                "role",
            ],
            string_field: Some("email"),
            bool_field: Some("email_confirm"),
            needs_user: false,
        },
        Route {
            name: "admin update",
            method: "PUT",
            path: "/admin/users/${len_id}",
            auth: Auth::Service,
            body: json!({"user_metadata": {"a": 1}, "app_metadata": {"b": 2}, "ban_duration": "none", "email_confirm": true}),
            optional: &[
                "user_metadata",
                "app_metadata",
                "ban_duration",
                "email_confirm",
            ],
            string_field: Some("ban_duration"),
            bool_field: Some("email_confirm"),
            needs_user: true,
        },
        Route {
            name: "admin delete",
            method: "DELETE",
            path: "/admin/users/${len_id}",
            auth: Auth::Service,
            body: json!({"should_soft_delete": false}),
            optional: &["should_soft_delete"],
            string_field: None,
            bool_field: Some("should_soft_delete"),
            needs_user: true,
        },
        Route {
            name: "generate_link",
            method: "POST",
            path: "/admin/generate_link",
            auth: Auth::Service,
            body: json!({"type": "magiclink", "email": "len-{tag}@example.com", "data": {"a": 1}, "redirect_to": REDIRECT}),
            optional: &["data", "redirect_to"],
            string_field: Some("type"),
            bool_field: None,
            needs_user: true,
        },
        Route {
            name: "user update",
            method: "PUT",
            path: "/user",
            auth: bearer("len_user_token"),
            body: json!({"data": {"a": 1}}),
            optional: &["data"],
            string_field: None,
            bool_field: None,
            needs_user: false,
        },
        Route {
            name: "factor enrol",
            method: "POST",
            path: "/factors",
            auth: bearer("len_user_token"),
            body: json!({"factor_type": "totp", "friendly_name": "len {tag}"}),
            optional: &["friendly_name"],
            string_field: Some("factor_type"),
            bool_field: None,
            needs_user: false,
        },
        Route {
            name: "factor update",
            method: "PUT",
            path: "/admin/users/${len_factor_user_id}/factors/${len_factor_id}",
            auth: Auth::Service,
            body: json!({"friendly_name": "len {tag}"}),
            optional: &["friendly_name"],
            string_field: Some("friendly_name"),
            bool_field: None,
            needs_user: false,
        },
    ]
}

fn tagged(v: &Value, tag: &str) -> Value {
    match v {
        Value::String(s) => Value::String(s.replace("{tag}", tag)),
        Value::Array(a) => Value::Array(a.iter().map(|x| tagged(x, tag)).collect()),
        Value::Object(m) => {
            Value::Object(m.iter().map(|(k, x)| (k.clone(), tagged(x, tag))).collect())
        }
        other => other.clone(),
    }
}

fn with(body: &Value, f: impl FnOnce(&mut Map<String, Value>)) -> Value {
    let mut b = body.clone();
    if let Some(m) = b.as_object_mut() {
        f(m);
    }
    b
}

/// Every key with its first letter upper-cased, as a Go client's struct tags might send.
fn capitalised(body: &Value) -> Value {
    match body {
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, v)| {
                    let mut c = k.chars();
                    let key = match c.next() {
                        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
                        None => String::new(),
                    };
                    (key, v.clone())
                })
                .collect(),
        ),
        other => other.clone(),
    }
}

fn leniency() -> Vec<Step> {
    let mut s = Script::default();
    s.user("len_user", "len-user@example.com", true);
    s.sign_in(
        "setup: a session for the user routes",
        "len_user",
        "len-user@example.com",
    );
    s.user("len_factor_user", "len-factor@example.com", true);
    s.sign_in(
        "setup: a session to enrol a factor",
        "len_factor_user",
        "len-factor@example.com",
    );
    s.json(
        "setup: a factor to rename",
        "POST",
        "/factors",
        bearer("len_factor_user_token"),
        json!({"factor_type": "totp", "friendly_name": "len factor"}),
    )
    .cap("len_factor_id", "/id");
    for (i, r) in routes().into_iter().enumerate() {
        let mut variants: Vec<(String, Option<Body>, Option<&str>)> = Vec::new();
        let json = |v: Value| Some(Body::Json(v));
        variants.push(("as a client sends it".into(), json(r.body.clone()), None));
        variants.push((
            "an unknown field".into(),
            json(with(&r.body, |m| {
                m.insert("no_such_field".into(), json!({"x": [1, 2]}));
            })),
            None,
        ));
        for f in r.optional {
            variants.push((
                format!("{f}: null"),
                json(with(&r.body, |m| {
                    m.insert((*f).into(), Value::Null);
                })),
                None,
            ));
        }
        if !r.optional.is_empty() {
            variants.push((
                "optional fields absent".into(),
                json(with(&r.body, |m| {
                    for f in r.optional {
                        m.remove(*f);
                    }
                })),
                None,
            ));
        }
        variants.push(("an empty body".into(), raw(""), None));
        variants.push(("the body null".into(), raw("null"), None));
        variants.push(("an empty object".into(), raw("{}"), None));
        variants.push(("an array".into(), raw("[]"), None));
        variants.push(("keys capitalised".into(), json(capitalised(&r.body)), None));
        variants.push((
            "Content-Type text/plain".into(),
            json(r.body.clone()),
            Some("text/plain"),
        ));
        variants.push(("no Content-Type".into(), json(r.body.clone()), Some("")));
        variants.push((
            "Content-Type form".into(),
            json(r.body.clone()),
            Some("application/x-www-form-urlencoded"),
        ));
        if let Some(f) = r.string_field {
            variants.push((
                format!("{f}: a number"),
                json(with(&r.body, |m| {
                    m.insert(f.into(), json!(12345));
                })),
                None,
            ));
            variants.push((
                format!("{f}: a bool"),
                json(with(&r.body, |m| {
                    m.insert(f.into(), json!(true));
                })),
                None,
            ));
        }
        if let Some(f) = r.bool_field {
            variants.push((
                format!("{f}: the string \"true\""),
                json(with(&r.body, |m| {
                    m.insert(f.into(), json!("true"));
                })),
                None,
            ));
            variants.push((
                format!("{f}: the number 1"),
                json(with(&r.body, |m| {
                    m.insert(f.into(), json!(1));
                })),
                None,
            ));
        }
        if let Some(f) = r.string_field {
            // A key twice: Go keeps the last, so the first may be anything.
            let text = serde_json::to_string(&r.body).unwrap_or_default();
            let dup = text.replacen('{', &format!("{{\"{f}\":\"first-value\","), 1);
            variants.push(("a key twice".into(), raw(&dup), None));
        }
        for (j, (variant, body, content_type)) in variants.into_iter().enumerate() {
            let tag = format!("r{i}v{j}");
            if r.needs_user {
                s.user("len", &format!("len-{tag}@example.com"), true);
            }
            let body = body.map(|b| match b {
                Body::Json(v) => Body::Json(tagged(&v, &tag)),
                Body::Raw(t) => Body::Raw(t.replace("{tag}", &tag)),
            });
            let step = s.push(
                &format!("{}: {variant}", r.name),
                r.method,
                r.path,
                r.auth.clone(),
                body,
            );
            step.request.content_type = content_type.map(str::to_owned);
        }
    }
    s.steps
}

// ---- v2.196.0's newer admin surfaces -------------------------------------------------------

/// The SAML metadata of our own made-up identity provider (`tests/fixtures/saml`).
fn idp_metadata(entity: &str) -> String {
    include_str!("../fixtures/saml/idp-metadata.xml").replace("ENTITY", entity)
}

/// Passkeys, SSO providers, OAuth server clients and custom providers, recorded from a
/// GoTrue with `GOTRUE_SAML_ENABLED=true` (and a key), `GOTRUE_OAUTH_SERVER_ENABLED=true`
/// and custom providers on. A passkey needs a WebAuthn ceremony, so only a user's empty
/// list and the refusals are recorded (tests/conformance_admin_surfaces.rs deletes one).
pub fn surfaces() -> Vec<Step> {
    let mut s = Script::default();
    s.user("pk", "passkeys@example.com", true);
    s.get(
        "passkeys: a user with none",
        "/admin/users/${pk_id}/passkeys",
        Auth::Service,
    );
    s.error(
        "passkeys: delete one that is not there",
        "DELETE",
        "/admin/users/${pk_id}/passkeys/00000000-0000-4000-8000-00000000aaaa",
        Auth::Service,
        None,
    );
    s.error(
        "passkeys: delete with an id that is not a uuid",
        "DELETE",
        "/admin/users/${pk_id}/passkeys/not-a-uuid",
        Auth::Service,
        None,
    );
    s.error(
        "passkeys: of a user that is not there",
        "GET",
        "/admin/users/00000000-0000-4000-8000-00000000bbbb/passkeys",
        Auth::Service,
        None,
    );

    s.get("sso: list, none yet", "/admin/sso/providers", Auth::Service);
    s.json(
        "sso: create from metadata_xml",
        "POST",
        "/admin/sso/providers",
        Auth::Service,
        json!({"type": "saml", "metadata_xml": idp_metadata("recorded"),
               "domains": ["Recorded.Example.com"],
               "attribute_mapping": {"keys": {"email": {"name": "mail"}}},
               "name_id_format": "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"}),
    )
    .cap("sso_id", "/id");
    s.get("sso: get", "/admin/sso/providers/${sso_id}", Auth::Service);
    s.get("sso: list, one", "/admin/sso/providers", Auth::Service);
    s.json(
        "sso: update its domains and disable it",
        "PUT",
        "/admin/sso/providers/${sso_id}",
        Auth::Service,
        json!({"domains": ["recorded.example.com", "b.recorded.example.com"], "disabled": true}),
    );
    s.error_json(
        "sso: create with a type other than saml",
        "POST",
        "/admin/sso/providers",
        Auth::Service,
        json!({"type": "oidc"}),
    );
    s.error_json(
        "sso: create with no metadata",
        "POST",
        "/admin/sso/providers",
        Auth::Service,
        json!({"type": "saml"}),
    );
    s.error_json(
        "sso: create with an http metadata_url",
        "POST",
        "/admin/sso/providers",
        Auth::Service,
        json!({"type": "saml", "metadata_url": "http://idp.example/metadata"}),
    );
    s.error_json(
        "sso: create with a bad name_id_format",
        "POST",
        "/admin/sso/providers",
        Auth::Service,
        json!({"type": "saml", "metadata_xml": idp_metadata("other"), "name_id_format": "x"}),
    );
    s.json(
        "sso: delete",
        "DELETE",
        "/admin/sso/providers/${sso_id}",
        Auth::Service,
        json!({}),
    );
    s.error(
        "sso: get the deleted one",
        "GET",
        "/admin/sso/providers/${sso_id}",
        Auth::Service,
        None,
    );

    s.get(
        "oauth: list, none yet",
        "/admin/oauth/clients",
        Auth::Service,
    );
    s.json(
        "oauth: register a confidential client",
        "POST",
        "/admin/oauth/clients",
        Auth::Service,
        json!({"client_name": "Recorded app", "redirect_uris": ["https://app.example.com/cb"],
               "client_uri": "https://app.example.com"}),
    )
    .cap("oc_id", "/client_id");
    s.get("oauth: get", "/admin/oauth/clients/${oc_id}", Auth::Service);
    s.get("oauth: list, one", "/admin/oauth/clients", Auth::Service);
    s.json(
        "oauth: update its name",
        "PUT",
        "/admin/oauth/clients/${oc_id}",
        Auth::Service,
        json!({"client_name": "Renamed app"}),
    );
    s.push(
        "oauth: regenerate the secret",
        "POST",
        "/admin/oauth/clients/${oc_id}/regenerate_secret",
        Auth::Service,
        None,
    );
    s.json(
        "oauth: register a public client",
        "POST",
        "/admin/oauth/clients",
        Auth::Service,
        json!({"redirect_uris": ["https://spa.example.com/cb"], "client_type": "public"}),
    )
    .cap("pub_id", "/client_id");
    s.error(
        "oauth: regenerate a public client's secret",
        "POST",
        "/admin/oauth/clients/${pub_id}/regenerate_secret",
        Auth::Service,
        None,
    );
    s.error_json(
        "oauth: register without redirect_uris",
        "POST",
        "/admin/oauth/clients",
        Auth::Service,
        json!({"client_name": "x"}),
    );
    s.error_json(
        "oauth: update with nothing",
        "PUT",
        "/admin/oauth/clients/${oc_id}",
        Auth::Service,
        json!({}),
    );
    s.error(
        "oauth: get with an id that is not a uuid",
        "GET",
        "/admin/oauth/clients/nope",
        Auth::Service,
        None,
    );
    s.push(
        "oauth: delete",
        "DELETE",
        "/admin/oauth/clients/${oc_id}",
        Auth::Service,
        None,
    );
    s.error(
        "oauth: get the deleted one",
        "GET",
        "/admin/oauth/clients/${oc_id}",
        Auth::Service,
        None,
    );

    s.get(
        "custom: list, none yet",
        "/admin/custom-providers",
        Auth::Service,
    );
    // GoTrue resolves every URL and refuses loopback and private addresses: addresses of
    // the documentation range need no DNS and pass.
    s.json(
        "custom: create an oauth2 provider",
        "POST",
        "/admin/custom-providers",
        Auth::Service,
        json!({"provider_type": "oauth2", "identifier": "custom:acme", "name": "Acme",
               "client_id": "acme-client", "client_secret": "acme-secret",
               "scopes": ["profile"],
               "authorization_url": "https://203.0.113.10/authorize",
               "token_url": "https://203.0.113.10/token",
               "userinfo_url": "https://203.0.113.10/userinfo"}),
    );
    s.get(
        "custom: get",
        "/admin/custom-providers/custom:acme",
        Auth::Service,
    );
    s.get(
        "custom: list oauth2",
        "/admin/custom-providers?type=oauth2",
        Auth::Service,
    );
    s.get(
        "custom: list oidc",
        "/admin/custom-providers?type=oidc",
        Auth::Service,
    );
    s.error(
        "custom: list with an unknown type",
        "GET",
        "/admin/custom-providers?type=saml",
        Auth::Service,
        None,
    );
    s.json(
        "custom: update its name",
        "PUT",
        "/admin/custom-providers/custom:acme",
        Auth::Service,
        json!({"name": "Acme Corp"}),
    );
    s.error_json(
        "custom: create an oidc provider without issuer",
        "POST",
        "/admin/custom-providers",
        Auth::Service,
        json!({"provider_type": "oidc", "identifier": "custom:oidc", "name": "O",
               "client_id": "c", "client_secret": "s"}),
    );
    s.error_json(
        "custom: create with a loopback URL",
        "POST",
        "/admin/custom-providers",
        Auth::Service,
        json!({"provider_type": "oauth2", "identifier": "custom:loop", "name": "L",
               "client_id": "c", "client_secret": "s",
               "authorization_url": "https://127.0.0.1/a", "token_url": "https://127.0.0.1/t",
               "userinfo_url": "https://127.0.0.1/u"}),
    );
    s.error(
        "custom: get without the custom: prefix",
        "GET",
        "/admin/custom-providers/acme",
        Auth::Service,
        None,
    );
    s.push(
        "custom: delete",
        "DELETE",
        "/admin/custom-providers/custom:acme",
        Auth::Service,
        None,
    );
    s.error(
        "custom: get the deleted one",
        "GET",
        "/admin/custom-providers/custom:acme",
        Auth::Service,
        None,
    );
    s.steps
}

/// What a GoTrue with the OAuth server and custom providers off answers
/// (`GOTRUE_OAUTH_SERVER_ENABLED=false`, `GOTRUE_CUSTOM_OAUTH_ENABLED=false`, SAML off),
/// and an unknown admin route, as a server older than a surface answers it.
pub fn surfaces_off() -> Vec<Step> {
    let mut s = Script::default();
    s.error(
        "off: list OAuth clients",
        "GET",
        "/admin/oauth/clients",
        Auth::Service,
        None,
    );
    s.error(
        "off: regenerate a secret",
        "POST",
        "/admin/oauth/clients/00000000-0000-4000-8000-00000000cccc/regenerate_secret",
        Auth::Service,
        None,
    );
    s.error(
        "off: list custom providers",
        "GET",
        "/admin/custom-providers",
        Auth::Service,
        None,
    );
    s.error(
        "off: get a custom provider",
        "GET",
        "/admin/custom-providers/custom:acme",
        Auth::Service,
        None,
    );
    s.get(
        "off: SSO providers still list (no gate on the admin routes)",
        "/admin/sso/providers",
        Auth::Service,
    );
    s.error(
        "off: an admin route this version does not know",
        "GET",
        "/admin/no-such-surface",
        Auth::Service,
        None,
    );
    s.steps
}
