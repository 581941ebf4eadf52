//! The Stats tab, driven against the demo server: its figures agree with the users GoTrue
//! lists (counted here on their own, from the API), a window of a big server is marked
//! partial, `t` shows weeks, and the screen at 80x24 and 120x40.

mod common;

use chrono::{DateTime, Utc};
use common::harness::{Harness, api, now, snapshot};
use gotrue_console::demo::DemoConfig;
use gotrue_console::gotrue::{ListUsers, User};

async fn every_user(api: &gotrue_console::gotrue::GoTrueClient) -> Vec<User> {
    let mut out = Vec::new();
    for page in 1.. {
        let got = api
            .list_users(&ListUsers {
                page,
                per_page: 1000,
                ..Default::default()
            })
            .await
            .expect("a page");
        let done = got.users.len() < 1000;
        out.extend(got.users);
        if done {
            break;
        }
    }
    out
}

fn count(users: &[User], f: impl Fn(&User) -> bool) -> usize {
    users.iter().filter(|u| f(u)).count()
}

fn within(t: Option<DateTime<Utc>>, days: i64) -> bool {
    t.is_some_and(|t| now() - t <= chrono::Duration::days(days))
}

#[tokio::test]
async fn the_figures_agree_with_the_users_gotrue_lists() {
    let mut h = Harness::new(120, 40).await;
    let users = every_user(&api(&h)).await;
    h.char('0');
    h.until("the figures", |app| app.stats().stats().is_some())
        .await;
    let s = h.screen();
    let banned = count(&users, |u| u.banned_until.is_some_and(|b| b > now()));
    let anonymous = count(&users, |u| u.is_anonymous == Some(true));
    let deleted = count(&users, |u| u.deleted_at.is_some());
    let mfa = count(&users, |u| u.verified_factors().next().is_some());
    let mau = count(&users, |u| within(u.last_sign_in_at, 30));
    let google = count(&users, |u| u.providers().iter().any(|p| p == "google"));
    for part in [
        format!("counted from all {} users (loaded)", users.len()),
        format!("users {}", users.len()),
        format!("banned {banned} "),
        format!("anonymous {anonymous} "),
        format!("deleted {deleted}"),
        format!("30 days {mau} "),
        format!("({mfa} of {} who can sign in)", users.len() - anonymous),
    ] {
        assert!(s.contains(&part), "{part}:\n{s}");
    }
    let stats = h.app().stats().stats().expect("figures").clone();
    assert_eq!(
        stats
            .providers
            .iter()
            .find(|p| p.0 == "google")
            .map(|p| p.1),
        Some(google as u64)
    );
    // Sign-ups per day: each bar is the users created that day.
    for (day, n) in &stats.signups_daily {
        let made = count(&users, |u| {
            u.created_at.is_some_and(|c| c.date_naive() == *day)
        });
        assert_eq!(*n, made as u64, "{day}");
    }
    assert!(
        stats.signups_daily.iter().any(|d| d.1 > 0),
        "some bar is not empty"
    );
}

#[tokio::test]
async fn t_shows_weeks_and_r_counts_again() {
    let mut h = Harness::new(120, 40).await;
    h.char('0');
    h.until("the figures", |app| app.stats().stats().is_some())
        .await;
    assert!(h.screen().contains("Sign-ups per day"), "{}", h.screen());
    h.char('t');
    let s = h.screen();
    assert!(s.contains("Sign-ups per week, 12 weeks"), "{s}");
    let before = h.app().stats().stats().expect("figures").users;
    // A user deleted through the API is gone from the figures once the list has it and R
    // counts again.
    let api = api(&h);
    api.create_user(&gotrue_console::gotrue::AdminUserAttributes {
        email: Some("stats-new@example.com".into()),
        ..Default::default()
    })
    .await
    .expect("a user");
    h.char('1');
    h.char('R');
    h.until("the list read again", |app| {
        app.users().total_loaded() as u64 == before + 1
            && matches!(
                app.users().load_state(),
                gotrue_console::console::screens::users::Load::Done
            )
    })
    .await;
    h.char('0');
    h.char('R');
    assert_eq!(h.app().stats().stats().expect("figures").users, before + 1);
}

#[tokio::test]
async fn a_window_of_a_big_server_is_marked_partial() {
    let mut h = Harness::with(
        120,
        40,
        DemoConfig {
            extra_users: 100_000,
            ..DemoConfig::default()
        },
    )
    .await;
    h.until("the window", |app| {
        app.users().windowed().is_some() && app.users().selected_row().is_some()
    })
    .await;
    h.char('0');
    let s = h.screen();
    let held = h.app().users().total_loaded();
    assert!(
        s.contains(&format!(
            "PARTIAL: the {} users held of 100,300 (L on Users loads all",
            gotrue_console::console::widgets::thousands(held as u64)
        )),
        "{s}"
    );
}

#[tokio::test]
async fn the_stats_tab_at_80x24_and_120x40() {
    for (w, hgt) in [(80u16, 24u16), (120, 40)] {
        let mut h = Harness::new(w, hgt).await;
        h.char('0');
        h.until("the figures", |app| app.stats().stats().is_some())
            .await;
        snapshot(&format!("stats_{w}x{hgt}"), &h.screen());
        h.char('t');
        snapshot(&format!("stats_weekly_{w}x{hgt}"), &h.screen());
    }
}
