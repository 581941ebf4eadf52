//! Many users: every page of a large demo is walked once, and a million synthetic users
//! answer like a table of a million (newest first, the oldest page, a filter, lookups by
//! id, email and phone, changes). How fast is `benches/demo_scale.rs`'s business; the
//! walk uses fewer users in debug builds so the suite stays quick.

#[path = "demo_support.rs"]
mod support;

use gotrue_console::demo::{DemoConfig, SYNTHETIC_PASSWORD};
use reqwest::StatusCode;
use support::{Demo, link_pages};

fn extra_users() -> usize {
    if cfg!(debug_assertions) {
        20_000
    } else {
        100_000
    }
}

#[tokio::test]
async fn many_users_load_and_page_quickly() {
    let n = extra_users();
    let d = Demo::with(DemoConfig {
        extra_users: n,
        ..DemoConfig::default()
    })
    .await;

    let first = d.list("?per_page=1000").await;
    let total: usize = first
        .header("x-total-count")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    assert!(total >= n + 300);

    // Walk every page by the Link header: every user once, newest first.
    let mut page = 1;
    let mut seen = std::collections::HashSet::new();
    let mut previous = String::from("9999");
    loop {
        let a = d.list(&format!("?page={page}&per_page=1000")).await;
        assert_eq!(a.status, StatusCode::OK);
        for u in a.body["users"].as_array().into_iter().flatten() {
            let created = u["created_at"].as_str().unwrap_or_default().to_string();
            assert!(created <= previous, "{created} after {previous}");
            previous = created;
            assert!(seen.insert(u["id"].as_str().unwrap_or_default().to_string()));
        }
        match link_pages(a.header("link").unwrap_or_default())
            .into_iter()
            .find(|(rel, _)| rel == "next")
        {
            Some((_, next)) => page = next,
            None => break,
        }
    }
    assert_eq!(seen.len(), total);

    // A filter scans them all and still answers.
    let filtered = d.list("?filter=.1234%40&per_page=10").await;
    assert_eq!(filtered.status, StatusCode::OK);
    assert!(filtered.header("x-total-count").is_some());

    // Synthetic users can sign in.
    let email = first.body["users"]
        .as_array()
        .and_then(|u| {
            u.iter().filter_map(|u| u["email"].as_str()).find(|e| {
                e.contains('.')
                    && e.split('@').next().is_some_and(|l| {
                        l.rsplit('.')
                            .next()
                            .is_some_and(|n| n.chars().all(|c| c.is_ascii_digit()))
                    })
            })
        })
        .unwrap_or_default()
        .to_string();
    if !email.is_empty() {
        let a = Demo::send(
            d.req(reqwest::Method::POST, "/token?grant_type=password")
                .json(&serde_json::json!({"email": email, "password": SYNTHETIC_PASSWORD})),
        )
        .await;
        // Unconfirmed synthetic users answer email_not_confirmed; both prove the password.
        assert!(
            a.status == StatusCode::OK || a.body["error_code"] == "email_not_confirmed",
            "{}",
            a.text
        );
    }
}

/// A million synthetic users: the total, the newest and the oldest page, a filter that
/// finds one user among them, lookups by id, email and phone, and a change and a delete
/// that the list then shows.
#[tokio::test]
async fn a_million_users_answer_like_a_table_of_a_million() {
    let d = Demo::with(DemoConfig {
        extra_users: 1_000_000,
        ..DemoConfig::default()
    })
    .await;
    let first = d.list("?per_page=50").await;
    assert_eq!(first.status, StatusCode::OK);
    assert_eq!(first.header("x-total-count"), Some("1000300"));
    let users = first.body["users"].as_array().cloned().unwrap_or_default();
    assert_eq!(users.len(), 50);
    // The newest is the last synthetic user: its email or phone carries its number.
    let top = &users[0];
    let number = |u: &serde_json::Value| {
        let email = u["email"].as_str().unwrap_or_default();
        let phone = u["phone"].as_str().unwrap_or_default();
        email
            .split('@')
            .next()
            .and_then(|l| l.rsplit('.').next())
            .filter(|n| !n.is_empty() && !email.is_empty())
            .map(str::to_string)
            .unwrap_or_else(|| {
                phone
                    .trim_start_matches("1666")
                    .trim_start_matches('0')
                    .to_string()
            })
    };
    assert_eq!(number(top), "999999", "{top}");

    // The last page holds the oldest users; the very oldest is a seed user or user 0.
    let last = d.list("?per_page=1000&page=1001").await;
    let oldest = last.body["users"].as_array().cloned().unwrap_or_default();
    assert_eq!(oldest.len(), 300);
    let second_to_last = d.list("?per_page=1000&page=1000").await;
    let ids: Vec<&str> = second_to_last.body["users"]
        .as_array()
        .into_iter()
        .flatten()
        .chain(oldest.iter())
        .filter_map(|u| u["id"].as_str())
        .collect();
    let unique: std::collections::HashSet<&&str> = ids.iter().collect();
    assert_eq!(unique.len(), 1300, "the last two pages do not overlap");

    // Find one user by the filter, then by id, email and phone.
    // One who signed up with a password (the others came by GitHub, Google or phone).
    let email = users
        .iter()
        .filter(|u| u["app_metadata"]["provider"] == "email")
        .filter_map(|u| u["email"].as_str())
        .next()
        .unwrap_or_default()
        .to_string();
    let local = email.split('@').next().unwrap_or_default().to_string();
    let found = d.list(&format!("?filter={local}%40")).await;
    assert_eq!(found.header("x-total-count"), Some("1"), "{}", found.text);
    let id = found.str("/users/0/id").to_string();
    let by_id = Demo::send(d.admin(reqwest::Method::GET, &format!("/admin/users/{id}"))).await;
    assert_eq!(by_id.str("/email"), email);
    let signed_in = Demo::send(
        d.req(reqwest::Method::POST, "/token?grant_type=password")
            .json(
                &serde_json::json!({"email": email.to_uppercase(), "password": SYNTHETIC_PASSWORD}),
            ),
    )
    .await;
    assert!(
        signed_in.status == StatusCode::OK || signed_in.body["error_code"] == "email_not_confirmed",
        "{}",
        signed_in.text
    );
    if let Some(phone) = users
        .iter()
        .filter_map(|u| u["phone"].as_str())
        .find(|p| !p.is_empty())
    {
        let otp = Demo::send(
            d.req(reqwest::Method::POST, "/otp")
                .json(&serde_json::json!({"phone": phone, "create_user": false})),
        )
        .await;
        assert_eq!(otp.status, StatusCode::OK, "{phone}: {}", otp.text);
    }

    // A change shows in the list; a delete takes the user out of the total.
    let renamed = Demo::send(
        d.admin(reqwest::Method::PUT, &format!("/admin/users/{id}"))
            .json(&serde_json::json!({"user_metadata": {"full_name": "Renamed Once"}})),
    )
    .await;
    assert_eq!(renamed.status, StatusCode::OK, "{}", renamed.text);
    let now = d.list("?filter=Renamed%20Once").await;
    assert_eq!(now.str("/users/0/id"), id);
    let deleted = Demo::send(d.admin(reqwest::Method::DELETE, &format!("/admin/users/{id}"))).await;
    assert_eq!(deleted.status, StatusCode::OK, "{}", deleted.text);
    let after = d.list("?per_page=1").await;
    assert_eq!(after.header("x-total-count"), Some("1000299"));
    let again = Demo::send(d.admin(reqwest::Method::GET, &format!("/admin/users/{id}"))).await;
    assert_eq!(again.status, StatusCode::NOT_FOUND);
}
