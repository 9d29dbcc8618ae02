//! Auth rate limits, counted in the database so that every
//! instance on it enforces one limit.
//!
//! Each limited key (an email, a client address) has a fixed-window
//! counter: the first hit opens a window of `window_seconds`, and hits past
//! the limit are refused until it closes. Keys are stored as SHA-256 hashes,
//! so a password typed into the email field is not kept in clear.
use std::net::IpAddr;

use chrono::Utc;
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict, Query};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use sha2::{Digest, Sha256};

use crate::domain::Email;
use crate::domain::{Error, Result};
use crate::entity::auth_rate_limit::{Column, Entity};

#[derive(Debug, Clone, Copy)]
pub struct AuthLimits {
    /// Failed password checks per email from one client address per window.
    pub failures_per_email: u32,
    /// Failed password checks per email from every address together per
    /// window: the backstop against guessing from many addresses.
    pub failures_per_email_total: u32,
    /// Auth requests (sign-up, login, token) per client address per window.
    pub requests_per_ip: u32,
    pub window_seconds: u64,
}

impl AuthLimits {
    /// Counts one auth request from `ip`; `RateLimited` past the limit.
    /// An IPv6 client is counted by its /64: one host is usually given a
    /// whole /64, so its single addresses would each have a budget.
    pub async fn admit_ip(&self, db: &impl ConnectionTrait, ip: IpAddr) -> Result<()> {
        self.count(db, &client_key(ip), self.requests_per_ip).await
    }

    /// Reserves one password check for `email` from `client`, counted as a
    /// failure until `forgive` says it succeeded. Once the email's failures
    /// from that client's address, or from every address together, reach
    /// their limit in this window, every further check is refused here,
    /// before any bcrypt work, whether or not an account has that email.
    /// Counting per address first means a stranger's wrong guesses lock out
    /// the stranger, not the owner logging in from elsewhere; the total is
    /// the backstop against guesses spread over many addresses. Reserving
    /// first means concurrent guesses cannot slip past either limit.
    pub async fn begin_password_check(
        &self,
        db: &impl ConnectionTrait,
        email: &str,
        client: IpAddr,
    ) -> Result<()> {
        let from_client = attempt_key(email, client);
        self.count(db, &from_client, self.failures_per_email)
            .await?;
        self.count(db, &email_key(email), self.failures_per_email_total)
            .await
    }

    /// A password check that succeeded was no failure: hands back its
    /// reservations.
    pub async fn forgive(
        &self,
        db: &impl ConnectionTrait,
        email: &str,
        client: IpAddr,
    ) -> Result<()> {
        Entity::update_many()
            .col_expr(Column::Hits, Expr::col(Column::Hits).sub(1))
            .filter(Column::Key.is_in([email_key(email), attempt_key(email, client)]))
            .filter(Column::Hits.gt(0))
            .exec(db)
            .await?;
        Ok(())
    }

    async fn count(&self, db: &impl ConnectionTrait, key: &str, limit: u32) -> Result<()> {
        let now = Utc::now().timestamp();
        let window = i64::try_from(self.window_seconds).unwrap_or(i64::MAX / 2);
        let (hits, closes_at) = hit(db, key, now, window).await?;
        if hits > i64::from(limit) {
            Err(Error::RateLimited {
                retry_after: Ord::max(u64::try_from(closes_at - now).unwrap_or(0), 1),
            })
        } else {
            Ok(())
        }
    }
}

/// Counts one `what` (a scope such as `stream-ticket`) of `user_id`;
/// `RateLimited` past `limit` in a window of `window_seconds`, counted in
/// the database like the auth limits, so every instance shares it.
pub async fn admit_user(
    db: &impl ConnectionTrait,
    what: &str,
    user_id: uuid::Uuid,
    limit: u32,
    window_seconds: u64,
) -> Result<()> {
    let limits = AuthLimits {
        failures_per_email: 0,
        failures_per_email_total: 0,
        requests_per_ip: 0,
        window_seconds,
    };
    let key = key(what, &user_id.to_string());
    limits.count(db, &key, limit).await
}

/// Forgets every window that has closed.
pub async fn purge_expired(db: &impl ConnectionTrait) -> Result<u64> {
    let now = Utc::now().timestamp();
    let deleted = Entity::delete_many()
        .filter(Column::ExpiresAt.lte(now))
        .exec(db)
        .await?;
    Ok(deleted.rows_affected)
}

/// Adds one hit to `key`, opening a new window when the last one has
/// closed, and returns the hits in the window and when it closes. It is a
/// single upsert, so concurrent hits from any instance all count.
async fn hit(db: &impl ConnectionTrait, key: &str, now: i64, window: i64) -> Result<(i64, i64)> {
    // PostgreSQL needs the existing row's columns qualified in DO UPDATE.
    let current = |column: Column| Expr::col((Entity, column));
    let closed = || current(Column::ExpiresAt).lte(now);
    let upsert = Query::insert()
        .into_table(Entity)
        .columns([Column::Key, Column::Hits, Column::ExpiresAt])
        .values_panic([key.into(), 1.into(), (now + window).into()])
        .on_conflict(
            OnConflict::column(Column::Key)
                .values([
                    (
                        Column::Hits,
                        Expr::case(closed(), 1)
                            .finally(current(Column::Hits).add(1))
                            .into(),
                    ),
                    (
                        Column::ExpiresAt,
                        Expr::case(closed(), now + window)
                            .finally(current(Column::ExpiresAt))
                            .into(),
                    ),
                ])
                .to_owned(),
        )
        .returning(Query::returning().columns([Column::Hits, Column::ExpiresAt]))
        .to_owned();
    let row = db
        .query_one(&upsert)
        .await?
        .ok_or_else(|| Error::Internal("the rate-limit upsert returned no row".into()))?;
    let hits: i32 = row.try_get("", "hits")?;
    let closes_at: i64 = row.try_get("", "expires_at")?;
    Ok((hits.into(), closes_at))
}

/// The key a client address is counted under.
fn client_key(ip: IpAddr) -> String {
    key("ip", &client_network(ip))
}

/// Who a client is, for the limits: an IPv4 address (an IPv4-mapped IPv6
/// one included) as it is, an IPv6 address by its /64.
pub fn client_network(ip: IpAddr) -> String {
    match ip.to_canonical() {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => {
            let network = u128::from(v6) & !((1u128 << 64) - 1);
            format!("{}/64", std::net::Ipv6Addr::from(network))
        }
    }
}

/// The key of one email's password checks from one client.
fn attempt_key(email: &str, client: IpAddr) -> String {
    let email = Email::normalise(email);
    key("email-ip", &format!("{email}\n{}", client_network(client)))
}

fn email_key(email: &str) -> String {
    key("email", &Email::normalise(email))
}

fn key(scope: &str, value: &str) -> String {
    let digest = Sha256::digest(value.as_bytes());
    format!("{scope}:{digest:x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv6_clients_are_counted_by_their_64_and_ipv4_ones_alone() {
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        assert_eq!(
            client_key(ip("2001:db8:1:2::1")),
            client_key(ip("2001:db8:1:2:ffff:ffff:ffff:ffff"))
        );
        assert_ne!(
            client_key(ip("2001:db8:1:2::1")),
            client_key(ip("2001:db8:1:3::1"))
        );
        assert_ne!(client_key(ip("192.0.2.1")), client_key(ip("192.0.2.2")));
        assert_eq!(
            client_key(ip("::ffff:192.0.2.1")),
            client_key(ip("192.0.2.1"))
        );
    }

    #[test]
    fn an_emails_checks_are_counted_per_client_network() {
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        let ada = "ada@example.com";
        assert_eq!(
            attempt_key(ada, ip("192.0.2.1")),
            attempt_key(" ADA@example.com", ip("192.0.2.1"))
        );
        assert_ne!(
            attempt_key(ada, ip("192.0.2.1")),
            attempt_key(ada, ip("192.0.2.2"))
        );
        assert_eq!(
            attempt_key(ada, ip("2001:db8::1")),
            attempt_key(ada, ip("2001:db8::2"))
        );
        assert_ne!(attempt_key(ada, ip("192.0.2.1")), email_key(ada));
        assert!(attempt_key(ada, ip("2001:db8::1")).len() <= 80);
    }

    #[test]
    fn keys_are_hashed_and_fit_the_column() {
        let key = email_key(" Ada@Example.com ");
        assert_eq!(key, email_key("ada@example.com"));
        assert!(key.starts_with("email:") && !key.contains("ada"));
        assert!(key.len() <= 80);
    }
}
