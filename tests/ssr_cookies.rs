//! @supabase/ssr itself reads the session cookies src/gotrue/cookies.rs writes: this test
//! writes our cookies for a few sessions (small, chunked, chunked with multi-byte text, both
//! encodings, two kinds of URL) and runs tests/ssr/check.mjs, which compares them with ssr's
//! own `createChunks`, decodes them with its `combineChunks`, and has a `createServerClient`
//! find the session in our `Cookie:` header. Needs Node and `npm ci` in tests/ssr
//! (tests/ssr/run.sh does both, and sets SSR_CHECK_REQUIRED so a missing Node fails).

use gotrue_console::gotrue::Session;
use gotrue_console::gotrue::cookies::{
    CookieEncoding, SessionCookies, auth_token_value, storage_key,
};
use serde_json::json;
use std::path::Path;
use std::process::Command;

fn session(metadata_len: usize, text: &str) -> Session {
    let note: String = text.chars().cycle().take(metadata_len).collect();
    serde_json::from_value(json!({
        "access_token": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1MSJ9.c2ln",
        "token_type": "bearer",
        "expires_in": 3600,
        // Far ahead, so ssr's getSession takes it as is (no refresh over the network).
        "expires_at": 4_000_000_000i64,
        "refresh_token": "r3fr3sh",
        "user": {
            "id": "0b6e8a1e-0000-4000-8000-000000000001",
            "aud": "authenticated",
            "role": "authenticated",
            "email": "ada@example.com",
            "user_metadata": { "note": note },
            "created_at": "2026-01-01T00:00:00Z"
        }
    }))
    .expect("a session")
}

#[test]
fn supabase_ssr_reads_our_cookies() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/ssr");
    let required = std::env::var_os("SSR_CHECK_REQUIRED").is_some();
    if !dir.join("node_modules/@supabase/ssr").exists() {
        assert!(
            !required,
            "tests/ssr has no node_modules: run tests/ssr/run.sh"
        );
        eprintln!("skipped: @supabase/ssr is not installed (tests/ssr/run.sh installs it)");
        return;
    }
    let mut cases = Vec::new();
    for (name, len, text) in [
        ("small", 10, "x"),
        ("chunked", 9000, "x"),
        ("chunked multi-byte", 5000, "é 😀\""),
    ] {
        let s = session(len, text);
        for (url, encoding, label) in [
            (
                "https://abcd.supabase.co",
                CookieEncoding::Base64Url,
                "base64url",
            ),
            ("http://localhost:54321", CookieEncoding::Raw, "raw"),
        ] {
            let c = SessionCookies::new(&s, url, encoding);
            cases.push(json!({
                "name": name,
                "url": url,
                "encoding": label,
                "key": storage_key(url),
                "session_json": auth_token_value(&s, CookieEncoding::Raw).expose(),
                "cookies": c.ssr.iter().map(|k| json!({"name": k.name, "value": k.value.expose()})).collect::<Vec<_>>(),
                "header": c.header().expose(),
            }));
        }
    }
    let file = std::env::temp_dir().join(format!("ssr-cookies-{}.json", std::process::id()));
    std::fs::write(&file, serde_json::to_vec(&cases).unwrap()).unwrap();
    let out = match Command::new("node")
        .arg("check.mjs")
        .arg(&file)
        .current_dir(&dir)
        .output()
    {
        Ok(out) => out,
        Err(e) => {
            let _ = std::fs::remove_file(&file);
            assert!(!required, "node did not run: {e}");
            eprintln!("skipped: node did not run: {e}");
            return;
        }
    };
    let _ = std::fs::remove_file(&file);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(stdout.contains("6 cases read by @supabase/ssr"), "{stdout}");
    // The chunked cases really were chunked.
    assert!(
        stdout.contains("chunked (base64url): 4 cookie(s)"),
        "{stdout}"
    );
}
