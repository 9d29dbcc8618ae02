//! Streams end with their session. Every ended session (a log-out, a
//! revoked refresh-token family, a password change, a deleted account) is
//! written to `session_revocations`; every instance reads the rows of the
//! last minute every couple of seconds and ends its matching streams. One
//! small indexed read per instance, whatever the number of streams, and it
//! works alike on SQLite and PostgreSQL, with or without a pooler.
use std::collections::HashMap;
use std::time::Duration;

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, Set};
use uuid::Uuid;

use super::ChangeHub;
use crate::auth::Credential;
use crate::domain::{Result, timestamp};
use crate::entity::{refresh_token, session_revocation as revocation};
use crate::service::Db;

/// Why a stream ended early, sent as its last event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    /// The access token it was opened with expired.
    TokenExpired,
    /// Its session was logged out.
    LoggedOut,
    /// Its session was revoked (a reused refresh token).
    SessionRevoked,
    /// The account's password changed, ending every session.
    PasswordChanged,
    /// The account was deleted.
    AccountDeleted,
}

impl Ending {
    const ALL: [Self; 5] = [
        Self::TokenExpired,
        Self::LoggedOut,
        Self::SessionRevoked,
        Self::PasswordChanged,
        Self::AccountDeleted,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::TokenExpired => "token_expired",
            Self::LoggedOut => "logged_out",
            Self::SessionRevoked => "session_revoked",
            Self::PasswordChanged => "password_changed",
            Self::AccountDeleted => "account_deleted",
        }
    }

    fn parse(text: &str) -> Self {
        Self::ALL
            .into_iter()
            .find(|e| e.as_str() == text)
            .unwrap_or(Self::SessionRevoked)
    }
}

/// How often each instance looks for ended sessions: a stream outlives its
/// session by at most about this long.
pub const POLL: Duration = Duration::from_secs(2);

/// How far back each look reaches, so that a row committed late (or by an
/// instance whose clock is a little behind) is still found.
const WINDOW: chrono::Duration = chrono::Duration::seconds(60);

/// How long rows are kept: at least as long as an access token lives, so
/// that a stream opened with a token from before a password change is
/// refused however late it comes.
const KEEP: chrono::Duration = chrono::Duration::days(1);

/// Writes down that `session` (or, without one, every session) of the user
/// ended, in the caller's transaction when it has one.
pub async fn record(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    session: Option<Uuid>,
    why: Ending,
) -> Result<()> {
    revocation::Entity::insert(revocation::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(user_id),
        session_id: Set(session),
        reason: Set(why.as_str().to_owned()),
        revoked_at: Set(timestamp(Utc::now())),
    })
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// Why a stream opened with `credential` may not be, if it may not: the
/// session the token names is no longer live; or, for a token of no
/// session, every session of the user ended after it was issued. (A
/// deleted account has no feed: opening its stream is refused before.)
pub async fn ended(db: &impl ConnectionTrait, credential: &Credential) -> Result<Option<Ending>> {
    let Some(session) = credential.session else {
        let issued = DateTime::from_timestamp(credential.issued_at, 0).unwrap_or_default();
        let user_wide = revocation::Entity::find()
            .filter(revocation::Column::UserId.eq(credential.user_id))
            .filter(revocation::Column::SessionId.is_null())
            .filter(revocation::Column::RevokedAt.gte(issued))
            .one(db)
            .await?;
        return Ok(user_wide.map(|row| Ending::parse(&row.reason)));
    };
    let live = refresh_token::Entity::find()
        .filter(refresh_token::Column::FamilyId.eq(session))
        .filter(refresh_token::Column::RevokedAt.is_null())
        .filter(refresh_token::Column::ExpiresAt.gt(timestamp(Utc::now())))
        .count(db)
        .await?;
    if live > 0 {
        return Ok(None);
    }
    let why = revocation::Entity::find()
        .filter(revocation::Column::SessionId.eq(session))
        .one(db)
        .await?;
    Ok(Some(why.map_or(Ending::SessionRevoked, |row| {
        Ending::parse(&row.reason)
    })))
}

/// Ends this instance's streams of every session that ended, every `POLL`
/// while it holds any, until the hub closes. Each row is acted on once.
pub async fn watch(db: Db, hub: ChangeHub) {
    let mut closing = hub.closing();
    let mut seen: HashMap<Uuid, DateTime<Utc>> = HashMap::new();
    let mut ticks = tokio::time::interval(POLL);
    loop {
        tokio::select! {
            _ = closing.wait_for(|closing| *closing) => return,
            _ = ticks.tick() => {}
        }
        // With no stream open there is nothing to end (a stream checks its
        // session when it opens), and the database may sleep (Neon
        // suspends an idle compute).
        if hub.open_streams() == 0 {
            continue;
        }
        let since = Utc::now() - WINDOW;
        let rows = revocation::Entity::find()
            .filter(revocation::Column::RevokedAt.gt(since))
            .all(&db)
            .await;
        let rows = match rows {
            Ok(rows) => rows,
            Err(err) => {
                tracing::warn!(error = %err, "cannot read ended sessions; retrying");
                continue;
            }
        };
        seen.retain(|_, at| *at > since - WINDOW);
        for row in rows {
            if seen.insert(row.id, row.revoked_at).is_none() {
                let why = Ending::parse(&row.reason);
                let at = row.revoked_at.timestamp();
                hub.end_streams(row.user_id, row.session_id, at, why);
            }
        }
    }
}

/// Forgets ended sessions older than any token that could still be shown.
pub async fn purge(db: &impl ConnectionTrait) -> Result<u64> {
    let purged = revocation::Entity::delete_many()
        .filter(revocation::Column::RevokedAt.lt(timestamp(Utc::now() - KEEP)))
        .exec(db)
        .await?;
    Ok(purged.rows_affected)
}
