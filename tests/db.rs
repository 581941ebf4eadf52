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
    // has:passkey reads auth.webauthn_credentials (the console's rows do not know passkeys,
    // so only counted and listed here).
    for (filter, pred) in [
        (
            "has:passkey",
            "EXISTS (SELECT 1 FROM auth.webauthn_credentials w WHERE w.user_id = users.id)",
        ),
        (
            "has:passkey is:banned",
            "banned_until > $1 AND EXISTS (SELECT 1 FROM auth.webauthn_credentials w \
             WHERE w.user_id = users.id)",
        ),
        (
            "-has:passkey",
            "NOT EXISTS (SELECT 1 FROM auth.webauthn_credentials w WHERE w.user_id = users.id)",
        ),
    ] {
        let search = UserSearch::parse(filter, now);
        let got = db.status_counts(&search).await.expect("counts").total;
        let expected = count(pred.to_owned()).await;
        assert!(expected > 10, "{filter}: the seed has some");
        assert_eq!(got, expected, "{filter}");
        let page = db
            .users_page(&search, Sort::NEWEST, None, 50)
            .await
            .expect("a page");
        assert_eq!(page.users.len(), 50.min(expected as usize), "{filter}");
    }
}

/// `has:passkey` on a GoTrue older than passkeys (no `auth.webauthn_credentials`): nobody has
/// one. With the table there but not granted: said at connect, and refused, not guessed.
#[tokio::test]
async fn has_passkey_knows_an_older_gotrue_and_a_role_that_may_not_read_them() {
    let c = cluster();
    let admin = pg::connect_superuser(c).await;
    // One statement each: CREATE DATABASE may not run in a transaction.
    for sql in [
        "DROP DATABASE IF EXISTS before_passkeys",
        "CREATE DATABASE before_passkeys",
        "DROP ROLE IF EXISTS narrow",
        "CREATE ROLE narrow LOGIN PASSWORD 'narrow-Secret-5'",
    ] {
        admin.batch_execute(sql).await.expect(sql);
    }
    let url = |role: &str, password: &str| {
        format!(
            "postgres://{role}:{password}@127.0.0.1:{}/before_passkeys",
            c.port
        )
    };
    let (store, conn) = tokio_postgres::connect(
        &url("postgres", pg::SUPERUSER_PASSWORD),
        tokio_postgres::NoTls,
    )
    .await
    .expect("the superuser");
    tokio::spawn(conn);
    let schema = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/db/auth-schema.sql"
    ))
    .expect("the schema");
    store.batch_execute(&schema).await.expect("the schema");
    store
        .batch_execute(
            "INSERT INTO auth.users (id, aud, role, email, created_at, updated_at)
                 SELECT gen_random_uuid(), 'authenticated', 'authenticated',
                        'old' || i || '@example.com', now(), now()
                 FROM generate_series(1, 3) AS i;
             GRANT USAGE ON SCHEMA auth TO narrow;
             GRANT SELECT ON auth.users, auth.identities, auth.mfa_factors TO narrow;",
        )
        .await
        .expect("three users");
    let now = Utc::now();

    // The table there, not granted.
    let (db, info) = Db::connect(
        &Secret::new(url("narrow", "narrow-Secret-5")),
        DbOptions::default(),
    )
    .await
    .expect("the narrow role connects");
    assert_eq!(info.passkeys, gotrue_console::db::PasskeyTable::Unreadable);
    assert!(
        info.warnings
            .iter()
            .any(|w| w.contains("auth.webauthn_credentials")),
        "{:?}",
        info.warnings
    );
    let e = db
        .status_counts(&UserSearch::parse("has:passkey", now))
        .await
        .unwrap_err();
    assert_eq!(e.kind, DbErrorKind::Permission, "{e}");
    assert_eq!(
        db.status_counts(&UserSearch::parse("", now))
            .await
            .expect("everyone")
            .total,
        3
    );

    // An older GoTrue: no table at all.
    store
        .batch_execute("DROP TABLE auth.webauthn_credentials")
        .await
        .expect("as before v2.188.0");
    let (db, info) = Db::connect(
        &Secret::new(url("narrow", "narrow-Secret-5")),
        DbOptions::default(),
    )
    .await
    .expect("connects");
    assert_eq!(info.passkeys, gotrue_console::db::PasskeyTable::Absent);
    for (filter, n) in [("has:passkey", 0), ("-has:passkey", 3)] {
        let got = db
            .status_counts(&UserSearch::parse(filter, now))
            .await
            .expect("counts")
            .total;
        assert_eq!(got, n, "{filter}");
    }
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

/// The demo server's users, exported through its API, written into a database of their
/// own (the fixture schema), as GoTrue would store them; then exported again from there
/// through COPY. The two exports must agree: the demo server cannot share PostgreSQL with
/// us, so the same users are put in both places instead.
#[tokio::test]
async fn an_export_from_the_database_writes_what_the_api_export_writes() {
    use gotrue_console::ops::export::{
        ExportFormat, ExportOptions, export_users, export_users_from_db,
    };
    let demo = gotrue_console::demo::DemoServer::start(common::ci_like_demo_config())
        .await
        .expect("the demo server");
    let api = common::demo_client(&demo);
    let mut api_ndjson = Vec::new();
    let mut api_csv = Vec::new();
    for (format, out) in [
        (ExportFormat::Ndjson, &mut api_ndjson),
        (ExportFormat::Csv, &mut api_csv),
    ] {
        let opts = ExportOptions {
            format,
            ..ExportOptions::default()
        };
        export_users(&api, opts, out, |_, _| {})
            .await
            .expect("the API export");
    }
    let users: Vec<User> = String::from_utf8(api_ndjson.clone())
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).expect("a user"))
        .collect();
    assert!(users.len() > 100, "the demo has users");

    let c = cluster();
    let admin = pg::connect_superuser(c).await;
    admin
        .batch_execute("DROP DATABASE IF EXISTS export_check")
        .await
        .unwrap();
    admin
        .batch_execute("CREATE DATABASE export_check")
        .await
        .unwrap();
    let url = format!(
        "postgres://postgres:{}@127.0.0.1:{}/export_check",
        pg::SUPERUSER_PASSWORD,
        c.port
    );
    let (store, conn) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(conn);
    let schema = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/db/auth-schema.sql"
    ))
    .unwrap();
    store.batch_execute(&schema).await.unwrap();
    let none_if_empty = |s: &str| (!s.is_empty()).then(|| s.to_owned());
    for u in &users {
        store
            .execute(
                "INSERT INTO auth.users (id, aud, role, email, phone, email_confirmed_at,
                    phone_confirmed_at, invited_at, confirmation_sent_at, recovery_sent_at,
                    email_change, email_change_sent_at, phone_change, last_sign_in_at,
                    banned_until, deleted_at, is_anonymous, is_sso_user, raw_app_meta_data,
                    raw_user_meta_data, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15,
                    $16, $17, $18, $19, $20, $21, $22)",
                &[
                    &u.id,
                    &u.aud,
                    &u.role,
                    &none_if_empty(&u.email),
                    &none_if_empty(&u.phone),
                    &u.email_confirmed_at,
                    &u.phone_confirmed_at,
                    &u.invited_at,
                    &u.confirmation_sent_at,
                    &u.recovery_sent_at,
                    &u.new_email,
                    &u.email_change_sent_at,
                    &u.new_phone,
                    &u.last_sign_in_at,
                    &u.banned_until,
                    &u.deleted_at,
                    &u.is_anonymous.unwrap_or(false),
                    &u.is_sso_user.unwrap_or(false),
                    &serde_json::Value::Object(u.app_metadata.clone()),
                    &serde_json::Value::Object(u.user_metadata.clone()),
                    &u.created_at,
                    &u.updated_at,
                ],
            )
            .await
            .expect("a demo user stored");
        for i in u.identities.iter().flatten() {
            store
                .execute(
                    "INSERT INTO auth.identities (id, user_id, provider_id, provider,
                        identity_data, last_sign_in_at, created_at, updated_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                    &[
                        &i.identity_id.unwrap_or_else(Uuid::new_v4),
                        &u.id,
                        &i.id,
                        &i.provider,
                        &serde_json::Value::Object(i.identity_data.clone()),
                        &i.last_sign_in_at,
                        &i.created_at,
                        &i.updated_at,
                    ],
                )
                .await
                .expect("an identity stored");
        }
        for f in u.factors.iter().flatten() {
            let kind = serde_json::to_value(&f.factor_type).unwrap();
            let status = serde_json::to_value(&f.status).unwrap();
            store
                .execute(
                    "INSERT INTO auth.mfa_factors (id, user_id, friendly_name, factor_type,
                        status, phone, created_at, updated_at, last_challenged_at)
                     VALUES ($1, $2, $3, $4::text::auth.factor_type,
                        $5::text::auth.factor_status, $6, $7, $8, $9)",
                    &[
                        &f.id,
                        &u.id,
                        &f.friendly_name,
                        &kind.as_str(),
                        &status.as_str(),
                        &f.phone,
                        &f.created_at.unwrap_or_else(Utc::now),
                        &f.updated_at.unwrap_or_else(Utc::now),
                        &f.last_challenged_at,
                    ],
                )
                .await
                .expect("a factor stored");
        }
    }

    let (db, _) = Db::connect(&Secret::new(url), DbOptions::default())
        .await
        .expect("the export database");
    let mut db_ndjson = Vec::new();
    let mut db_csv = Vec::new();
    export_users_from_db(&db, ExportFormat::Ndjson, None, &mut db_ndjson, |_, _| {})
        .await
        .expect("the COPY export");
    export_users_from_db(&db, ExportFormat::Csv, None, &mut db_csv, |_, _| {})
        .await
        .expect("the COPY export, CSV");

    // CSV: the same header and the same rows, cell for cell (ties in creation time may be
    // in another order, so rows are compared sorted).
    let rows = |csv: &[u8]| {
        let text = String::from_utf8(csv.to_vec()).unwrap();
        let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
        let header = lines.remove(0);
        lines.sort();
        (header, lines)
    };
    let (api_header, api_rows) = rows(&api_csv);
    let (db_header, db_rows) = rows(&db_csv);
    assert_eq!(db_header, api_header);
    assert_eq!(db_rows.len(), api_rows.len());
    for (d, a) in db_rows.iter().zip(&api_rows) {
        assert_eq!(d, a, "a CSV row differs");
    }
    // NDJSON: the same users, field for field. The list of the API may leave out what the
    // database says plainly (no identities: `[]`; not SSO: `false`): the same facts.
    let parsed = |ndjson: &[u8]| {
        let mut users: Vec<User> = String::from_utf8(ndjson.to_vec())
            .unwrap()
            .lines()
            .map(|l| {
                let mut u: User = serde_json::from_str(l).expect("a user line");
                if u.identities.as_deref() == Some(&[]) {
                    u.identities = None;
                }
                if u.is_sso_user == Some(false) {
                    u.is_sso_user = None;
                }
                u
            })
            .collect();
        users.sort_by_key(|u| u.id);
        users
    };
    let from_api = parsed(&api_ndjson);
    let from_db = parsed(&db_ndjson);
    assert_eq!(from_db.len(), from_api.len());
    for (d, a) in from_db.iter().zip(&from_api) {
        assert_eq!(d, a, "a user differs between the exports");
    }
    // Timestamps as GoTrue writes them (Go's RFC 3339 with nanoseconds): UTC as `Z`, the
    // fraction without trailing zeros. Every one, in users, identities and factors.
    fn go_time(t: chrono::DateTime<Utc>) -> String {
        let s = t.format("%Y-%m-%dT%H:%M:%S%.9f").to_string();
        format!("{}Z", s.trim_end_matches('0').trim_end_matches('.'))
    }
    fn times(v: &serde_json::Value, out: &mut Vec<String>) {
        match v {
            serde_json::Value::Object(m) => {
                for (k, v) in m {
                    match v {
                        serde_json::Value::String(s)
                            if k.ends_with("_at") || k == "banned_until" =>
                        {
                            out.push(s.clone())
                        }
                        // Metadata is the user's own: not ours to format.
                        _ if k.ends_with("metadata") || k == "identity_data" => {}
                        _ => times(v, out),
                    }
                }
            }
            serde_json::Value::Array(a) => a.iter().for_each(|v| times(v, out)),
            _ => {}
        }
    }
    let mut seen = 0;
    for line in String::from_utf8(db_ndjson).unwrap().lines() {
        let mut found = Vec::new();
        times(
            &serde_json::from_str(line).expect("a user line"),
            &mut found,
        );
        for s in found {
            let t = chrono::DateTime::parse_from_rfc3339(&s)
                .unwrap_or_else(|e| panic!("{s}: {e}"))
                .with_timezone(&Utc);
            assert_eq!(s, go_time(t), "a timestamp not as GoTrue writes it");
            seen += 1;
        }
    }
    assert!(seen > users.len() * 3, "{seen} timestamps checked");
}

/// The command line end to end: `doctor` reports the database, `users export` reads it with
/// COPY; the URL's password appears nowhere in what either prints.
#[tokio::test]
async fn doctor_and_users_export_use_the_database_given() {
    let c = cluster();
    let demo = gotrue_console::demo::DemoServer::start(common::ci_like_demo_config())
        .await
        .expect("the demo server");
    let dir = common::temp::TempDir::new("db", "cli");
    let out = common::temp::binary_for(&demo, &dir, &["doctor"])
        .env("SUPABASE_DB_URL", c.superuser_url())
        .output()
        .await
        .expect("doctor runs");
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(text.contains("database"), "{text}");
    assert!(text.contains("postgres@127.0.0.1:"), "{text}");
    assert!(text.contains("env SUPABASE_DB_URL"), "{text}");
    assert!(
        text.contains("can INSERT, UPDATE, DELETE auth.users"),
        "{text}"
    );
    assert!(!text.contains(pg::SUPERUSER_PASSWORD), "{text}");

    let file = dir.path("users.csv");
    let file_arg = file.to_string_lossy().into_owned();
    let out = common::temp::binary_for(
        &demo,
        &dir,
        &[
            "users",
            "export",
            "--filter",
            "is:banned",
            "--out",
            &file_arg,
        ],
    )
    .args(["--db-url", &c.reader_url()])
    .output()
    .await
    .expect("the export runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("from the database"), "{stderr}");
    assert!(!stderr.contains(pg::READER_PASSWORD), "{stderr}");
    let csv = std::fs::read_to_string(&file).expect("the export's file");
    let client = pg::connect_superuser(c).await;
    let banned: i64 = client
        .query_one(
            "SELECT count(*) FROM auth.users WHERE banned_until > now()",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(
        csv.lines().count() as i64,
        banned + 1,
        "a header and the banned users"
    );
    assert!(csv.starts_with("id,email,phone,created_at,"));
}

/// A read replica (a hot standby streaming from the test cluster): every read works there,
/// pages, counts, a user, the COPY export, and `doctor` says it is a replica. Nothing the
/// console does needs the primary.
#[tokio::test]
async fn a_read_replica_serves_every_read() {
    use gotrue_console::ops::export::{ExportFormat, export_users_from_db};
    let c = cluster();
    let replica = pg::replica(c);
    let (db, info) = Db::connect(&Secret::new(replica.reader_url()), DbOptions::default())
        .await
        .expect("the reader connects to the replica");
    assert!(info.in_recovery, "the replica is a standby");
    assert!(info.warnings.is_empty(), "{:?}", info.warnings);
    let (standby, conn) = tokio_postgres::connect(&replica.superuser_url(), tokio_postgres::NoTls)
        .await
        .expect("the replica's superuser");
    tokio::spawn(conn);
    let standby = std::sync::Arc::new(standby);
    let count = |sql: &'static str| {
        let s = standby.clone();
        async move {
            let n: i64 = s.query_one(sql, &[]).await.expect(sql).get(0);
            n as u64
        }
    };
    let now = Utc::now();
    let everyone = UserSearch::parse("", now);
    let newest = Sort {
        key: SortKey::Created,
        descending: true,
    };
    let page = db
        .users_page(&everyone, newest, None, 50)
        .await
        .expect("a page");
    assert_eq!(page.users.len(), 50);
    let first: Uuid = standby
        .query_one(
            "SELECT id FROM auth.users ORDER BY created_at DESC, id DESC LIMIT 1",
            &[],
        )
        .await
        .expect("the newest")
        .get(0);
    assert_eq!(page.users[0].id, first);
    let counts = db
        .status_counts(&UserSearch::parse("is:banned", now))
        .await
        .expect("counts");
    assert_eq!(
        counts.total,
        count("SELECT count(*) FROM auth.users WHERE banned_until > now()").await
    );
    let user = db.user(first).await.expect("a user").expect("there");
    assert_eq!(user.id, first);
    let mut out = Vec::new();
    let n = export_users_from_db(
        &db,
        ExportFormat::Ndjson,
        Some("is:banned"),
        &mut out,
        |_, _| {},
    )
    .await
    .expect("COPY on a standby");
    assert_eq!(n, counts.total);
    assert_eq!(out.iter().filter(|b| **b == b'\n').count() as u64, n);
    let all = count("SELECT count(*) FROM auth.users").await;
    assert!(all >= USERS, "the seed replicated: {all}");

    let demo = gotrue_console::demo::DemoServer::start(common::ci_like_demo_config())
        .await
        .expect("the demo server");
    let dir = common::temp::TempDir::new("db", "replica");
    let out = common::temp::binary_for(&demo, &dir, &["doctor"])
        .env("SUPABASE_DB_URL", replica.reader_url())
        .output()
        .await
        .expect("doctor runs");
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(text.contains("a read replica"), "{text}");
    assert!(!text.contains(pg::READER_PASSWORD), "{text}");
}
