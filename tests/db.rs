//! The database reads (src/db) against a real PostgreSQL: the fixture schema seeded with
//! 200,000 users (tests/common/pg.rs). What an admin relies on: a keyset walk in any sort
//! sees every user once, in the order a plain `ORDER BY` gives; search finds what it should;
//! counts are exact; identities and factors come with the user; nothing can write; a role
//! that can write is said; TLS off loopback is required; the password never shows.

mod common;

use chrono::{TimeDelta, Utc};
use common::pg::{self, Cluster};
use gotrue_console::console::screens::user_row::UserRow;
use gotrue_console::db::{
    Cursor, Db, DbErrorKind, DbOptions, Sort, SortKey, SslMode, TextMatch, TlsState, UserSearch,
};
use gotrue_console::gotrue::{FactorStatus, Secret, User};
use std::collections::HashSet;
use std::time::Duration;
use uuid::Uuid;

const USERS: u64 = 200_000;

fn cluster() -> &'static Cluster {
    pg::cluster(USERS)
}

async fn reader() -> Db {
    let (db, _) = Db::connect(&Secret::new(cluster().reader_url()), DbOptions::default())
        .await
        .expect("the reader connects");
    db
}

/// Every page of `search` in `sort`, walked by cursor; the ids in the order seen.
async fn walk(db: &Db, search: &UserSearch, sort: Sort, per_page: usize) -> Vec<User> {
    let mut all = Vec::new();
    let mut after: Option<Cursor> = None;
    loop {
        let page = db
            .users_page(search, sort, after.as_ref(), per_page)
            .await
            .expect("a page");
        assert!(page.users.len() <= per_page);
        all.extend(page.users);
        match page.next {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    all
}

/// The ids in one query, written here apart from src/db.
async fn ids_in_order(sql: &str) -> Vec<Uuid> {
    let client = pg::connect_superuser(cluster()).await;
    client
        .query(sql, &[])
        .await
        .expect("the reference query")
        .iter()
        .map(|r| r.get::<_, Uuid>(0))
        .collect()
}

fn sorts() -> Vec<(Sort, &'static str)> {
    let mut out = Vec::new();
    for (key, col) in [
        (SortKey::Created, "created_at"),
        (SortKey::LastSignIn, "last_sign_in_at"),
        (SortKey::Email, "nullif(email, '')"),
    ] {
        for descending in [false, true] {
            let d = if descending { "DESC" } else { "ASC" };
            out.push((
                Sort { key, descending },
                // Never-signed-in users and users without an email last either way.
                Box::leak(format!("{col} {d} NULLS LAST, id {d}").into_boxed_str()) as &str,
            ));
        }
    }
    out
}

#[tokio::test]
async fn a_keyset_walk_sees_every_user_once_in_each_sort() {
    let db = reader().await;
    let now = Utc::now();
    let everyone = UserSearch::all(now);
    for (sort, order) in sorts() {
        // The whole table for two sorts (nulls on both keys), a filtered part for every sort.
        if matches!(
            (sort.key, sort.descending),
            (SortKey::Created, true) | (SortKey::Email, false)
        ) {
            let seen: Vec<Uuid> = walk(&db, &everyone, sort, 4_999)
                .await
                .iter()
                .map(|u| u.id)
                .collect();
            let expected =
                ids_in_order(&format!("SELECT id FROM auth.users ORDER BY {order}")).await;
            assert_eq!(seen.len(), USERS as usize, "{order}");
            assert!(seen == expected, "{order}: the walk differs from ORDER BY");
        }
        let unconfirmed = UserSearch::parse("is:unconfirmed", now);
        let seen: Vec<Uuid> = walk(&db, &unconfirmed, sort, 733)
            .await
            .iter()
            .map(|u| u.id)
            .collect();
        let expected = ids_in_order(&format!(
            "SELECT id FROM auth.users WHERE NOT is_anonymous AND invited_at IS NULL \
             AND email_confirmed_at IS NULL AND phone_confirmed_at IS NULL ORDER BY {order}"
        ))
        .await;
        assert!(expected.len() > 10_000, "the seed has unconfirmed users");
        assert_eq!(seen.len(), expected.len(), "{order}");
        assert!(seen == expected, "{order}: unconfirmed walk differs");
        let unique: HashSet<Uuid> = seen.iter().copied().collect();
        assert_eq!(unique.len(), seen.len(), "{order}: a user twice");
    }
}

#[tokio::test]
async fn search_finds_prefix_and_substring_matches_in_email_phone_id_and_name() {
    let db = reader().await;
    let now = Utc::now();
    let client = pg::connect_superuser(cluster()).await;
    let ids = |rows: Vec<tokio_postgres::Row>| -> HashSet<Uuid> {
        rows.iter().map(|r| r.get::<_, Uuid>(0)).collect()
    };
    let found = |text: &str, m: TextMatch| {
        let db = db.clone();
        let search = UserSearch {
            text_match: m,
            ..UserSearch::parse(text, now)
        };
        async move {
            walk(&db, &search, Sort::NEWEST, 10_000)
                .await
                .into_iter()
                .map(|u| u.id)
                .collect::<HashSet<Uuid>>()
        }
    };

    // "ros" starts Rosa's emails and sits inside Cross's.
    let sub = found("ros", TextMatch::Substring).await;
    let pre = found("ros", TextMatch::Prefix).await;
    let starts = ids(client
        .query(
            "SELECT id FROM auth.users WHERE starts_with(email, 'ros')",
            &[],
        )
        .await
        .unwrap());
    let inside = ids(client
        .query(
            "SELECT id FROM auth.users WHERE strpos(email, 'ros') > 1",
            &[],
        )
        .await
        .unwrap());
    assert!(!starts.is_empty() && !inside.is_empty());
    assert_eq!(pre, starts, "the prefix search is the emails that start so");
    assert!(starts.is_subset(&sub) && inside.is_subset(&sub));
    assert!(inside.iter().any(|id| !pre.contains(id)));

    // A phone, typed with + and spaces.
    let phone = found("+1555 000 0070", TextMatch::Substring).await;
    let expected = ids(client
        .query(
            "SELECT id FROM auth.users WHERE strpos(phone, '15550000070') > 0",
            &[],
        )
        .await
        .unwrap());
    assert!(!expected.is_empty());
    assert_eq!(phone, expected);

    // An id's first characters, and a name from user_metadata (full_name, or name).
    let some: Uuid = client
        .query_one(
            "SELECT id FROM auth.users ORDER BY id LIMIT 1 OFFSET 777",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    let by_id = found(&some.to_string()[..13], TextMatch::Prefix).await;
    assert!(by_id.contains(&some));
    let by_name = found("seed person 1000", TextMatch::Substring).await;
    let expected = ids(client
        .query(
            "SELECT id FROM auth.users WHERE raw_user_meta_data->>'full_name' LIKE '%Seed Person 1000%'",
            &[],
        )
        .await
        .unwrap());
    assert!(!expected.is_empty());
    assert!(expected.is_subset(&by_name));
    let nick = found("nick10001", TextMatch::Prefix).await;
    let expected = ids(client
        .query(
            "SELECT id FROM auth.users WHERE raw_user_meta_data->>'name' LIKE 'Nick10001%'",
            &[],
        )
        .await
        .unwrap());
    assert!(!expected.is_empty());
    assert!(expected.is_subset(&nick));
    // LIKE's wildcards are text.
    assert!(found("%", TextMatch::Substring).await.is_empty());
    assert!(found("_", TextMatch::Prefix).await.is_empty());
}

#[tokio::test]
async fn counts_by_status_equal_independent_counts() {
    let db = reader().await;
    let now = Utc::now();
    let client = pg::connect_superuser(cluster()).await;
    let count = |pred: String| {
        let client = &client;
        async move {
            client
                .query_one(
                    &format!(
                        "SELECT count(*) FROM auth.users WHERE ({pred}) \
                         AND $1::timestamptz IS NOT NULL"
                    ),
                    &[&now],
                )
                .await
                .expect("a reference count")
                .get::<_, i64>(0) as u64
        }
    };
    let confirmed = "(email_confirmed_at IS NOT NULL OR phone_confirmed_at IS NOT NULL)";
    let c = db
        .status_counts(&UserSearch::all(now))
        .await
        .expect("counts");
    assert_eq!(c.total, USERS);
    assert_eq!(c.anonymous, count("is_anonymous".into()).await);
    assert_eq!(
        c.unconfirmed,
        count(format!(
            "is_anonymous = false AND invited_at IS NULL AND NOT {confirmed}"
        ))
        .await
    );
    assert_eq!(c.confirmed, count(confirmed.to_owned()).await);
    assert_eq!(
        c.invited,
        count(format!("invited_at IS NOT NULL AND NOT {confirmed}")).await
    );
    assert_eq!(c.banned, count("banned_until > $1".into()).await);
    assert_eq!(c.deleted, count("deleted_at IS NOT NULL".into()).await);
    assert_eq!(c.sso, count("is_sso_user".into()).await);
    assert_eq!(
        c.mfa,
        count("id IN (SELECT user_id FROM auth.mfa_factors WHERE status = 'verified')".into())
            .await
    );
    for n in [
        c.anonymous,
        c.unconfirmed,
        c.invited,
        c.banned,
        c.deleted,
        c.sso,
        c.mfa,
    ] {
        assert!(n > 100, "every state is seeded: {c:?}");
    }

    // Each filter the console knows, counted, and checked against the console's own matching
    // of the same users (a page of them).
    let cutoff = now - TimeDelta::days(90);
    let cases: Vec<(&str, String)> = vec![
        ("is:banned", "banned_until > $1".into()),
        ("-is:banned", "(banned_until IS NULL OR banned_until <= $1)".into()),
        ("is:deleted", "deleted_at IS NOT NULL".into()),
        ("is:sso", "is_sso_user".into()),
        (
            "provider:github",
            "(raw_app_meta_data->'providers' ? 'github' OR \
              (NOT raw_app_meta_data ? 'providers' AND raw_app_meta_data->>'provider' = 'github')) \
             "
                .into(),
        ),
        ("provider:google -has:mfa",
            "raw_app_meta_data->'providers' ? 'google' AND NOT EXISTS (SELECT 1 FROM auth.mfa_factors f \
             WHERE f.user_id = users.id AND f.status = 'verified')".into()),
        (
            "inactive:90d",
            format!(
                "(last_sign_in_at IS NULL OR last_sign_in_at <= '{}')",
                cutoff.to_rfc3339()
            ),
        ),
        (
            "created:2024-07-01..2024-07-31",
            "created_at >= '2024-07-01T00:00:00Z' AND created_at < '2024-08-01T00:00:00Z' \
            "
                .into(),
        ),
        (
            "created:..2024-06-02 is:confirmed",
            format!("created_at < '2024-06-03T00:00:00Z' AND {confirmed}"),
        ),
    ];
    for (filter, pred) in cases {
        let search = UserSearch::parse(filter, now);
        let got = db.status_counts(&search).await.expect("counts").total;
        let expected = count(pred).await;
        assert!(expected > 0, "{filter}: the seed has some");
        assert_eq!(got, expected, "{filter}");
        let page = db
            .users_page(&search, Sort::NEWEST, None, 300)
            .await
            .expect("a page");
        for u in &page.users {
            assert!(
                search.query.holds(&UserRow::from_user(u), now),
                "{filter}: the console would not list {}",
                u.id
            );
        }
    }
    // has:passkey is not read from the database: said, not guessed.
    let e = db
        .status_counts(&UserSearch::parse("has:passkey", now))
        .await
        .unwrap_err();
    assert_eq!(e.kind, DbErrorKind::Unsupported);
}

#[tokio::test]
async fn a_user_comes_with_identities_and_factors() {
    let db = reader().await;
    let client = pg::connect_superuser(cluster()).await;
    let row = client
        .query_one(
            "SELECT u.id, (SELECT count(*) FROM auth.identities i WHERE i.user_id = u.id),
                    (SELECT count(*) FROM auth.mfa_factors f WHERE f.user_id = u.id)
             FROM auth.users u
             WHERE (SELECT count(*) FROM auth.identities i WHERE i.user_id = u.id) = 2
               AND (SELECT count(*) FROM auth.mfa_factors f WHERE f.user_id = u.id) = 2
             ORDER BY u.id LIMIT 1",
            &[],
        )
        .await
        .expect("a seeded user with two identities and two factors");
    let id: Uuid = row.get(0);
    let user = db.user(id).await.expect("a read").expect("the user");
    assert_eq!(user.id, id);
    let identities = user.identities.as_ref().expect("identities");
    assert_eq!(identities.len(), 2);
    assert!(identities.iter().all(|i| i.user_id == Some(id)));
    let mut providers: Vec<&str> = identities.iter().map(|i| i.provider.as_str()).collect();
    providers.sort();
    let mut listed = user.providers();
    listed.sort();
    assert_eq!(providers, listed);
    let factors = user.factors.as_ref().expect("factors");
    assert_eq!(factors.len(), 2);
    assert_eq!(user.verified_factors().count(), 1);
    assert!(
        factors
            .iter()
            .any(|f| f.status == FactorStatus::Unverified && f.phone.is_some())
    );
    assert!(user.created_at.is_some() && !user.email.is_empty());
    // The same user in a page is the same user.
    let page = db
        .users_page(
            &UserSearch::parse(&id.to_string(), Utc::now()),
            Sort::NEWEST,
            None,
            5,
        )
        .await
        .expect("a page");
    assert_eq!(page.users, vec![user]);
    // A user without factors has none listed; the anonymous have no identities.
    let anon = db
        .users_page(
            &UserSearch::parse("is:anonymous", Utc::now()),
            Sort::NEWEST,
            None,
            3,
        )
        .await
        .expect("a page");
    assert_eq!(anon.users.len(), 3);
    for u in &anon.users {
        assert_eq!(u.is_anonymous, Some(true));
        assert_eq!(u.identities.as_deref(), Some(&[][..]));
        assert_eq!(u.email, "");
    }
    assert!(db.user(Uuid::nil()).await.expect("a read").is_none());
}

#[tokio::test]
async fn every_query_runs_read_only_and_a_writing_role_is_reported() {
    let c = cluster();
    // The superuser can write: said, as data for the console to show.
    let (db, info) = Db::connect(&Secret::new(c.superuser_url()), DbOptions::default())
        .await
        .expect("the superuser connects");
    assert_eq!(info.role, "postgres");
    assert_eq!(info.can_write_users, vec!["INSERT", "UPDATE", "DELETE"]);
    assert!(info.warnings[0].contains("can INSERT, UPDATE, DELETE auth.users"));
    assert!(!info.in_recovery);
    assert_eq!(info.tls, TlsState::Off);
    // Even so, nothing it runs can write.
    for write in [
        "UPDATE auth.users SET email = 'x@example.com' WHERE id = md5('seed-user-1')::uuid",
        "DELETE FROM auth.mfa_factors",
        "CREATE TABLE auth.stray (id int)",
    ] {
        let tx = db.begin().await.expect("a transaction");
        let e = tx.execute_batch(write).await.unwrap_err();
        assert_eq!(e.code.as_deref(), Some("25006"), "{write}: {e}");
        drop(tx);
    }
    // The failed transaction is gone; the next one works.
    let counts = db
        .status_counts(&UserSearch::all(Utc::now()))
        .await
        .expect("counts after a refused write");
    assert_eq!(counts.total, USERS);
    let client = pg::connect_superuser(c).await;
    let email: String = client
        .query_one(
            "SELECT email FROM auth.users WHERE id = md5('seed-user-1')::uuid",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_ne!(email, "x@example.com");
    // A role that only reads: no warning.
    let (_, info) = Db::connect(&Secret::new(c.reader_url()), DbOptions::default())
        .await
        .expect("the reader connects");
    assert_eq!(info.role, "reader");
    assert!(
        info.can_write_users.is_empty() && info.warnings.is_empty(),
        "{info:?}"
    );
    // The statement timeout is in force.
    let (db, _) = Db::connect(
        &Secret::new(c.reader_url()),
        DbOptions {
            statement_timeout: Duration::from_millis(50),
            ..DbOptions::default()
        },
    )
    .await
    .expect("the reader connects");
    let tx = db.begin().await.expect("a transaction");
    let e = tx.execute_batch("SELECT pg_sleep(5)").await.unwrap_err();
    assert_eq!(e.kind, DbErrorKind::Timeout, "{e}");
}

#[tokio::test]
async fn tls_is_required_off_loopback_unless_the_url_says_otherwise() {
    let c = cluster();
    let connect =
        |url: String| async move { Db::connect(&Secret::new(url), DbOptions::default()).await };
    // By a name that is not loopback and no sslmode: TLS with a checked certificate. The
    // test CA is not among the system's roots, so this fails, saying what to do.
    let e = connect(c.reader_url_by_name("")).await.unwrap_err();
    assert_eq!(e.kind, DbErrorKind::Tls, "{e}");
    assert!(e.message.contains("sslrootcert"), "{e}");
    // The CA given: verified TLS.
    let (_, info) = connect(c.reader_url_by_name(&format!("sslrootcert={}", c.ca_file.display())))
        .await
        .expect("verify-full with the CA");
    assert_eq!(info.tls, TlsState::On(SslMode::VerifyFull));
    assert!(info.warnings.is_empty(), "{info:?}");
    // require: encrypted, unchecked, and said.
    let (_, info) = connect(c.reader_url_by_name("sslmode=require"))
        .await
        .expect("sslmode=require");
    assert_eq!(info.tls, TlsState::On(SslMode::Require));
    assert!(info.warnings[0].contains("not checked"));
    // disable: the URL's choice, with a warning.
    let (_, info) = connect(c.reader_url_by_name("sslmode=disable"))
        .await
        .expect("sslmode=disable");
    assert_eq!(info.tls, TlsState::Off);
    assert!(info.warnings[0].contains("unencrypted"));

    // A server that offers no TLS: the console asks for TLS first and goes no further, so
    // not even the user name crosses in the clear.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let peer = tokio::spawn(async move {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let (mut s, _) = listener.accept().await.unwrap();
        let mut first = [0u8; 8];
        s.read_exact(&mut first).await.unwrap();
        s.write_all(b"N").await.unwrap();
        let mut rest = Vec::new();
        let _ = s.read_to_end(&mut rest).await;
        (first, rest)
    });
    let e = connect(format!(
        "postgres://reader:{}@{}:{port}/postgres?hostaddr=127.0.0.1",
        pg::READER_PASSWORD,
        pg::TLS_HOST
    ))
    .await
    .unwrap_err();
    assert_eq!(e.kind, DbErrorKind::Tls, "{e}");
    assert!(e.message.contains("sslmode=disable"), "{e}");
    let (first, rest) = peer.await.unwrap();
    // PostgreSQL's SSLRequest: length 8, code 80877103.
    assert_eq!(first, [0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f]);
    assert!(rest.is_empty(), "sent after the refusal: {rest:?}");
}

#[tokio::test]
async fn the_password_never_shows() {
    let c = cluster();
    let url = Secret::new(c.reader_url());
    let (db, info) = Db::connect(&url, DbOptions::default())
        .await
        .expect("the reader connects");
    let shown = format!("{db:?} {info:?} {:?} {url} {url:?}", db.target());
    assert!(!shown.contains(pg::READER_PASSWORD), "{shown}");
    assert!(
        info.target.starts_with("reader@127.0.0.1:"),
        "{}",
        info.target
    );
    // A refused login, an unreachable port, a malformed URL: the message names none of it.
    let wrong = "Wrong-Secret-4d2c";
    let refused_port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    for (bad, kind) in [
        (
            format!("postgres://reader:{wrong}@127.0.0.1:{}/postgres", c.port),
            DbErrorKind::Connect,
        ),
        (
            format!("postgres://reader:{wrong}@127.0.0.1:{refused_port}/postgres"),
            DbErrorKind::Connect,
        ),
        (
            format!(
                "postgres://reader:{wrong}@127.0.0.1:{}/postgres?nonsense=1",
                c.port
            ),
            DbErrorKind::Url,
        ),
        (
            format!(
                "postgres://reader:{wrong}@{}:1/postgres?sslmode={wrong}",
                pg::TLS_HOST
            ),
            DbErrorKind::Url,
        ),
    ] {
        let e = Db::connect(&Secret::new(bad.clone()), DbOptions::default())
            .await
            .unwrap_err();
        let text = format!("{e} {e:?}");
        assert!(!text.contains(wrong), "{text}");
        assert_eq!(e.kind, kind, "{text}");
    }
}
