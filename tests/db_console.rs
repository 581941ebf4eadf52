//! The console with a database (`--db-url`): the users list, its search and counts, and the
//! Stats tab read GoTrue's PostgreSQL by SQL. Checked against a real PostgreSQL (the
//! fixture schema, 200,000 seeded users, tests/common/pg.rs) with queries written here
//! apart from src/db: the list's two ends in every sort, `/` as SQL with exact counts, the
//! figures of the Stats tab, bounded memory, and a failing database said without its
//! password.

mod common;

use common::harness::{Harness, now, snapshot};
use common::pg::{self, Cluster};
use gotrue_console::console::screens::user_window::MAX_ROWS;
use gotrue_console::db::{Cursor, Db, DbOptions, Sort, SortKey, UserSearch};
use gotrue_console::gotrue::Secret;
use gotrue_console::ops::stats::Source;
use ratatui::crossterm::event::KeyCode;
use uuid::Uuid;

const USERS: u64 = 200_000;

fn cluster() -> &'static Cluster {
    pg::cluster(USERS)
}

/// The console on the demo server (for writes), its list read from the cluster.
async fn console(width: u16, height: u16) -> Harness {
    let url = cluster().reader_url();
    Harness::build()
        .size(width, height)
        .config(move |c| c.database = Some(Secret::new(url)))
        .start()
        .await
}

/// One column of the first row of `sql`, written here apart from src/db.
async fn first_id(sql: &str) -> Uuid {
    let client = pg::connect_superuser(cluster()).await;
    client
        .query_one(sql, &[])
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .get(0)
}

async fn count(sql: &str) -> u64 {
    let client = pg::connect_superuser(cluster()).await;
    let n: i64 = client
        .query_one(sql, &[])
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .get(0);
    n as u64
}

fn selected(h: &Harness) -> Option<Uuid> {
    h.app().users().selected_row().map(|r| r.id)
}

/// Waits until the selection is a user (the page under it was read).
async fn until_selected(h: &mut Harness, what: &str) -> Uuid {
    h.until(what, |app| app.users().selected_row().is_some())
        .await;
    selected(h).expect("a user is selected")
}

#[tokio::test]
async fn a_list_read_from_its_other_end_is_the_same_list_backwards() {
    let (db, _) = Db::connect(&Secret::new(cluster().reader_url()), DbOptions::default())
        .await
        .expect("the reader connects");
    // Banned users: a few thousand, with and without a last sign-in and an email.
    let search = UserSearch::parse("is:banned", now());
    for key in [SortKey::Created, SortKey::LastSignIn, SortKey::Email] {
        for descending in [false, true] {
            let sort = Sort { key, descending };
            let mut ends: Vec<Vec<Uuid>> = Vec::new();
            for reverse in [false, true] {
                let mut seen = Vec::new();
                let mut after: Option<Cursor> = None;
                loop {
                    let page = db
                        .users_page_in(&search, sort, reverse, after.as_ref(), 97)
                        .await
                        .expect("a page");
                    seen.extend(page.users.iter().map(|u| u.id));
                    match page.next {
                        // As the console carries it: as text.
                        Some(next) => {
                            after = Some(Cursor::decode(&next.encode()).expect("our cursor"))
                        }
                        None => break,
                    }
                }
                ends.push(seen);
            }
            let mut backwards = ends[1].clone();
            backwards.reverse();
            assert!(ends[0].len() > 1_000, "{sort:?}: the seed bans users");
            assert!(
                ends[0] == backwards,
                "{sort:?}: read from the end, the list is not the same backwards"
            );
        }
    }
}

#[tokio::test]
async fn the_list_reads_the_database_in_every_sort_from_either_end() {
    let mut h = console(120, 40).await;
    let users = h.app().users();
    assert!(users.reads_database());
    h.until("the count", |app| {
        app.users().windowed().and_then(|w| w.total()) == Some(USERS as usize)
    })
    .await;
    let s = h.screen();
    assert!(s.contains("of 200,000] · sort created ↓ · SQL"), "{s}");
    // (sort key, the console's key presses to reach it, ORDER BY of the top, of the end)
    let cases = [
        ("created, newest first", "", "created_at DESC, id DESC"),
        ("created, oldest first", "S", "created_at ASC, id ASC"),
        (
            "last sign-in",
            "s",
            "last_sign_in_at DESC NULLS LAST, id DESC",
        ),
        ("email", "s", "nullif(email, '') ASC NULLS LAST, id ASC"),
    ];
    for (what, keys, order) in cases {
        for c in keys.chars() {
            h.char(c);
        }
        // The top: the first user of the order.
        h.key(KeyCode::Char('g'));
        let top = first_id(&format!(
            "SELECT id FROM auth.users ORDER BY {order} LIMIT 1"
        ))
        .await;
        h.until(&format!("{what}: the first user"), |app| {
            app.users().selected_row().map(|r| r.id) == Some(top)
        })
        .await;
        // The end (`G`): read from the other end, not walked to.
        h.char('G');
        let reversed = order
            .replace("DESC", "\u{0}")
            .replace("ASC", "DESC")
            .replace('\u{0}', "ASC")
            .replace("NULLS LAST", "NULLS FIRST");
        let last = first_id(&format!(
            "SELECT id FROM auth.users ORDER BY {reversed} LIMIT 1"
        ))
        .await;
        h.until(&format!("{what}: the last user"), |app| {
            app.users().selected_row().map(|r| r.id) == Some(last)
        })
        .await;
        let w = h.app().users().windowed().expect("a window");
        assert!(w.held() <= MAX_ROWS, "{what}: {} rows held", w.held());
        assert_eq!(w.total(), Some(USERS as usize), "{what}");
    }
    let s = h.screen();
    assert!(s.contains("–200000 of 200,000]"), "at the end: {s}");
}

#[tokio::test]
async fn slash_searches_the_database_with_exact_counts_by_status() {
    let mut h = console(120, 40).await;
    h.char('/');
    h.text("lena.moreau");
    // Enter asks at once (a pause in typing would too).
    h.key(KeyCode::Enter);
    let expected = count(
        "SELECT count(*) FROM auth.users WHERE email ILIKE '%lena.moreau%' \
         OR raw_user_meta_data->>'full_name' ILIKE '%lena.moreau%' \
         OR raw_user_meta_data->>'name' ILIKE '%lena.moreau%'",
    )
    .await;
    assert!(expected > 100, "the seed has many");
    h.until("the search's count", |app| {
        app.users().database_counts().map(|c| c.total) == Some(expected)
    })
    .await;
    h.until("the first page", |app| {
        app.users().windowed().is_some_and(|w| w.held() > 0)
    })
    .await;
    let users = h.app().users();
    assert_eq!(users.database_query(), Some("lena.moreau"));
    assert_eq!(
        users.windowed().and_then(|w| w.total()),
        Some(expected as usize)
    );
    for r in users.view_rows() {
        assert!(r.email.contains("lena.moreau"), "{}", r.email);
    }
    let unconfirmed = count(
        "SELECT count(*) FROM auth.users WHERE email ILIKE '%lena.moreau%' \
         AND NOT is_anonymous AND invited_at IS NULL \
         AND email_confirmed_at IS NULL AND phone_confirmed_at IS NULL",
    )
    .await;
    let s = h.screen();
    let said = format!("SQL: {expected} users");
    assert!(s.contains(&said), "{said}: {s}");
    assert!(
        s.contains(&format!("· {unconfirmed} unconfirmed")),
        "{unconfirmed} unconfirmed: {s}"
    );
    snapshot("db_users_search_120x40", &s);

    // Conditions are SQL too, over every user (not the rows held).
    h.char('x');
    h.char('/');
    h.text("is:banned has:mfa");
    h.key(KeyCode::Enter);
    let banned_mfa = count(&format!(
        "SELECT count(*) FROM auth.users u WHERE u.banned_until > '{}' AND EXISTS \
         (SELECT 1 FROM auth.mfa_factors f WHERE f.user_id = u.id AND f.status = 'verified')",
        now().to_rfc3339()
    ))
    .await;
    assert!(banned_mfa > 10, "the seed has banned users with MFA");
    h.until("the conditions' count", |app| {
        app.users().database_counts().map(|c| c.total) == Some(banned_mfa)
    })
    .await;
    let w = h.app().users().windowed().expect("a window");
    assert_eq!(w.total(), Some(banned_mfa as usize));

    // `x` clears it: everyone again.
    h.char('x');
    h.until("everyone", |app| {
        app.users().database_counts().map(|c| c.total) == Some(USERS)
    })
    .await;
    assert_eq!(h.app().users().database_query(), Some(""));
}

#[tokio::test]
async fn the_stats_tab_counts_every_user_in_the_database() {
    let mut h = console(120, 40).await;
    h.char('0');
    h.until("the database's figures", |app| {
        app.stats().stats().is_some()
    })
    .await;
    let stats = h.app().stats().stats().expect("figures").clone();
    assert_eq!(stats.source, Source::Database);
    assert_eq!(stats.users, USERS);
    let at = now().to_rfc3339();
    let sql = |cond: &str| format!("SELECT count(*) FROM auth.users u WHERE {cond}");
    assert_eq!(
        stats.banned,
        count(&sql(&format!("banned_until > '{at}'"))).await
    );
    assert_eq!(stats.anonymous, count(&sql("is_anonymous")).await);
    assert_eq!(stats.sso, count(&sql("is_sso_user")).await);
    assert_eq!(stats.deleted, count(&sql("deleted_at IS NOT NULL")).await);
    assert_eq!(
        stats.mfa,
        count(&sql(
            "EXISTS (SELECT 1 FROM auth.mfa_factors f WHERE f.user_id = u.id \
             AND f.status = 'verified')"
        ))
        .await
    );
    assert_eq!(
        stats.mau,
        count(&sql(&format!(
            "last_sign_in_at >= timestamptz '{at}' - interval '30 days'"
        )))
        .await
    );
    // The last 30 days of sign-ups, day by day.
    let client = pg::connect_superuser(cluster()).await;
    for (day, n) in &stats.signups_daily {
        let c: i64 = client
            .query_one(
                "SELECT count(*) FROM auth.users WHERE (created_at AT TIME ZONE 'UTC')::date = $1",
                &[day],
            )
            .await
            .expect("a day's count")
            .get(0);
        assert_eq!(*n, c as u64, "sign-ups on {day}");
    }
    assert!(stats.signups_daily.iter().any(|(_, n)| *n > 0));
    let github = count(&sql("raw_app_meta_data->'providers' ? 'github' \
         OR (NOT raw_app_meta_data ? 'providers' AND raw_app_meta_data->>'provider' = 'github')"))
    .await;
    assert!(
        stats.providers.contains(&("github".to_owned(), github)),
        "github {github}: {:?}",
        stats.providers
    );
    let s = h.screen();
    assert!(s.contains("from the database: every user"), "{s}");
    assert!(!s.contains("PARTIAL"), "{s}");
    snapshot("db_stats_120x40", &s);
}

#[tokio::test]
async fn the_first_screen_from_the_database_at_80x24() {
    let mut h = console(80, 24).await;
    h.until("the count", |app| app.users().database_counts().is_some())
        .await;
    until_selected(&mut h, "the first user").await;
    h.settle().await;
    snapshot("db_users_80x24", &h.screen());
    h.char('0');
    h.until("the database's figures", |app| {
        app.stats().stats().is_some()
    })
    .await;
    snapshot("db_stats_80x24", &h.screen());
    // `/` at 80 columns: the filter line's counts are cut, not wrapped.
    h.char('1');
    h.char('/');
    h.text("lena.moreau");
    h.key(KeyCode::Enter);
    h.until("the search's count", |app| {
        app.users()
            .database_counts()
            .is_some_and(|c| c.total < USERS)
    })
    .await;
    until_selected(&mut h, "the first match").await;
    h.settle().await;
    snapshot("db_users_search_80x24", &h.screen());
}

#[tokio::test]
async fn the_first_screen_from_the_database_at_120x40() {
    let mut h = console(120, 40).await;
    h.until("the count", |app| app.users().database_counts().is_some())
        .await;
    until_selected(&mut h, "the first user").await;
    h.settle().await;
    snapshot("db_users_120x40", &h.screen());
}

#[tokio::test]
async fn a_database_that_refuses_says_why_without_its_password() {
    let url = cluster()
        .reader_url()
        .replace(pg::READER_PASSWORD, "Wrong-Pass-3141");
    let mut h = Harness::build()
        .config(move |c| c.database = Some(Secret::new(url)))
        .start_without_waiting()
        .await;
    h.until("the failed load", |app| {
        matches!(
            app.users().load_state(),
            gotrue_console::console::screens::users::Load::Failed(_)
        )
    })
    .await;
    let s = h.screen();
    assert!(s.contains("the database:"), "{s}");
    assert!(s.contains("password authentication failed"), "{s}");
    assert!(!s.contains("Wrong-Pass-3141"), "{s}");
    // The Stats tab says so too, and R asks again.
    h.char('0');
    h.until("the failed count", |app| app.stats().failure().is_some())
        .await;
    let s = h.screen();
    assert!(s.contains("Counting in the database failed"), "{s}");
    assert!(!s.contains("Wrong-Pass-3141"), "{s}");
}

/// Given a read replica (a hot standby of the cluster), the list, `/` and Stats read it:
/// nothing the console reads needs the primary.
#[tokio::test]
async fn the_console_reads_a_read_replica() {
    let url = pg::replica(cluster()).reader_url();
    let mut h = Harness::build()
        .config(move |c| c.database = Some(Secret::new(url)))
        .start()
        .await;
    h.until("the count from the replica", |app| {
        app.users().database_counts().map(|c| c.total) == Some(USERS)
    })
    .await;
    let top = first_id("SELECT id FROM auth.users ORDER BY created_at DESC, id DESC LIMIT 1").await;
    assert_eq!(until_selected(&mut h, "the newest user").await, top);
    h.char('/');
    h.text("is:anonymous");
    h.key(KeyCode::Enter);
    let anonymous = count("SELECT count(*) FROM auth.users WHERE is_anonymous").await;
    h.until("the anonymous users counted", |app| {
        app.users().database_counts().map(|c| c.total) == Some(anonymous)
    })
    .await;
    h.char('0');
    h.until("the replica's figures", |app| app.stats().stats().is_some())
        .await;
    let stats = h.app().stats().stats().expect("figures");
    assert_eq!(
        (stats.source.clone(), stats.users),
        (Source::Database, USERS)
    );
}
