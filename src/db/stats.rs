//! What the Stats tab shows, counted in SQL over every user (`ops::stats` makes the tab's
//! figures of it). Three statements in one read-only transaction: the plain counts, the
//! days (sign-ups and last sign-ins, grouped in UTC), and the providers (as
//! `User::providers` reads them).

use super::conn::{Db, malformed};
use super::error::DbError;
use chrono::{DateTime, NaiveDate, Utc};

/// Every user's figures as of a time.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UserFigures {
    pub users: u64,
    /// Signed in within 24 hours, 7 days, 30 days of the time asked (or later).
    pub dau: u64,
    pub wau: u64,
    pub mau: u64,
    /// Not anonymous, neither confirmed nor invited (as the list's status).
    pub unconfirmed: u64,
    /// Invited and not confirmed yet.
    pub invited: u64,
    pub banned: u64,
    pub anonymous: u64,
    pub sso: u64,
    pub deleted: u64,
    /// With a verified MFA factor.
    pub mfa: u64,
    /// Sign-ups per UTC day, every day with one.
    pub signups: Vec<(NaiveDate, u64)>,
    /// Users by the UTC day of their last sign-in.
    pub last_sign_ins: Vec<(NaiveDate, u64)>,
    /// Users per provider name, as stored (`sso:<id>` included).
    pub providers: Vec<(String, u64)>,
}

/// A user's providers, as [`crate::gotrue::User::providers`] reads them: app_metadata's
/// `providers`, else its `provider`, else the identities'.
const PROVIDERS: &str = "CASE
        WHEN jsonb_typeof(u.raw_app_meta_data->'providers') = 'array'
            THEN u.raw_app_meta_data->'providers'
        WHEN jsonb_typeof(u.raw_app_meta_data->'provider') = 'string'
            THEN jsonb_build_array(u.raw_app_meta_data->'provider')
        ELSE (SELECT coalesce(jsonb_agg(DISTINCT i.provider), '[]'::jsonb)
              FROM auth.identities i WHERE i.user_id = u.id) END";

impl Db {
    /// Every user's figures as of `now`.
    pub async fn user_figures(&self, now: DateTime<Utc>) -> Result<UserFigures, DbError> {
        let tx = self.begin().await?;
        let mut f = UserFigures::default();
        let day = chrono::Duration::days(1);
        let (d1, d7, d30) = (now - day, now - day * 7, now - day * 30);
        let row = tx
            .query_one(
                "SELECT count(*),
                    count(*) FILTER (WHERE u.last_sign_in_at IS NOT NULL AND u.last_sign_in_at >= $2),
                    count(*) FILTER (WHERE u.last_sign_in_at IS NOT NULL AND u.last_sign_in_at >= $3),
                    count(*) FILTER (WHERE u.last_sign_in_at IS NOT NULL AND u.last_sign_in_at >= $4),
                    count(*) FILTER (WHERE NOT coalesce(u.is_anonymous, false)
                        AND u.email_confirmed_at IS NULL AND u.phone_confirmed_at IS NULL
                        AND u.invited_at IS NULL),
                    count(*) FILTER (WHERE u.invited_at IS NOT NULL
                        AND u.email_confirmed_at IS NULL AND u.phone_confirmed_at IS NULL),
                    count(*) FILTER (WHERE u.banned_until > $1),
                    count(*) FILTER (WHERE coalesce(u.is_anonymous, false)),
                    count(*) FILTER (WHERE coalesce(u.is_sso_user, false)),
                    count(*) FILTER (WHERE u.deleted_at IS NOT NULL),
                    (SELECT count(DISTINCT f.user_id) FROM auth.mfa_factors f
                        WHERE f.status = 'verified')
                 FROM auth.users u",
                &[&now, &d1, &d7, &d30],
            )
            .await?;
        let n = |i: usize| -> Result<u64, DbError> {
            Ok(row.try_get::<_, i64>(i).map_err(malformed)?.max(0) as u64)
        };
        let s = &mut f;
        s.users = n(0)?;
        s.dau = n(1)?;
        s.wau = n(2)?;
        s.mau = n(3)?;
        s.unconfirmed = n(4)?;
        s.invited = n(5)?;
        s.banned = n(6)?;
        s.anonymous = n(7)?;
        s.sso = n(8)?;
        s.deleted = n(9)?;
        s.mfa = n(10)?;
        // The transaction's time zone is UTC: `::date` is the UTC day, as the tally's.
        let days = tx
            .query(
                "SELECT 'c', u.created_at::date, count(*) FROM auth.users u
                    WHERE u.created_at IS NOT NULL GROUP BY 2
                 UNION ALL
                 SELECT 'l', u.last_sign_in_at::date, count(*) FROM auth.users u
                    WHERE u.last_sign_in_at IS NOT NULL GROUP BY 2",
                &[],
            )
            .await?;
        for r in &days {
            let which: &str = r.try_get(0).map_err(malformed)?;
            let day: NaiveDate = r.try_get(1).map_err(malformed)?;
            let count = r.try_get::<_, i64>(2).map_err(malformed)?.max(0) as u64;
            if which == "c" {
                f.signups.push((day, count));
            } else {
                f.last_sign_ins.push((day, count));
            }
        }
        let providers = tx
            .query(
                &format!(
                    "SELECT pr.name, count(*) FROM auth.users u
                        CROSS JOIN LATERAL jsonb_array_elements_text({PROVIDERS}) AS pr(name)
                     WHERE pr.name <> '' GROUP BY 1"
                ),
                &[],
            )
            .await?;
        for r in &providers {
            let name: String = r.try_get(0).map_err(malformed)?;
            let count = r.try_get::<_, i64>(1).map_err(malformed)?.max(0) as u64;
            f.providers.push((name, count));
        }
        tx.finish().await?;
        Ok(f)
    }
}
