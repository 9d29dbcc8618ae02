//! Stream tickets: a browser's `EventSource` cannot send an
//! `Authorization` header, so a client exchanges its bearer token for a
//! ticket that opens one stream, once, within a minute. Tickets are stored
//! (as hashes) in the database, so one issued by any instance works on
//! every instance. A ticket carries the session and lifetime of the token
//! that asked for it: the stream it opens ends with them.
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{Duration, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::auth::Credential;
use crate::domain::{Error, Result, timestamp};
use crate::entity::stream_ticket;
use crate::service::{access, limits};

/// How long a ticket stays valid.
pub const TICKET_TTL_SECONDS: i64 = 60;

/// Tickets one user may be issued per `TICKET_TTL_SECONDS`: more than a
/// few browser tabs reconnecting need, far fewer than a flood of rows.
pub const TICKETS_PER_MINUTE: u32 = 30;

/// A new ticket for the owner's event stream, for the caller holding
/// `credential`; 429 past the user's allowance.
pub async fn issue_ticket(
    db: &impl ConnectionTrait,
    credential: &Credential,
    owner: Uuid,
) -> Result<String> {
    access::owner(db, credential.user_id, owner).await?;
    let window = TICKET_TTL_SECONDS.unsigned_abs();
    limits::admit_user(db, "stream-ticket", owner, TICKETS_PER_MINUTE, window).await?;
    let ticket = URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>());
    stream_ticket::Entity::insert(stream_ticket::ActiveModel {
        ticket_hash: Set(digest(&ticket)),
        user_id: Set(owner),
        expires_at: Set(timestamp(Utc::now()) + Duration::seconds(TICKET_TTL_SECONDS)),
        session_id: Set(credential.session),
        token_issued_at: Set(credential.issued_at),
        token_expires_at: Set(credential.expires_at),
    })
    .exec_without_returning(db)
    .await?;
    Ok(ticket)
}

/// Uses up a ticket: the credential of the token that asked for it, if it
/// is valid, unused, unexpired and that token has not expired (else 401).
/// Whether its session is still live is the caller's to check.
pub async fn redeem_ticket(db: &impl ConnectionTrait, ticket: &str) -> Result<Credential> {
    if ticket.len() > 128 {
        return Err(Error::InvalidTicket);
    }
    // Deleting it is the check: of two requests with one ticket, one
    // deletes the row and the other finds none.
    let used = stream_ticket::Entity::delete_many()
        .filter(stream_ticket::Column::TicketHash.eq(digest(ticket)))
        .filter(stream_ticket::Column::ExpiresAt.gt(timestamp(Utc::now())))
        .filter(stream_ticket::Column::TokenExpiresAt.gt(Utc::now().timestamp()))
        .exec_with_returning(db)
        .await?;
    used.into_iter()
        .next()
        .map(|t| Credential {
            user_id: t.user_id,
            session: t.session_id,
            issued_at: t.token_issued_at,
            expires_at: t.token_expires_at,
        })
        .ok_or(Error::InvalidTicket)
}

/// Forgets expired tickets; answers how many.
pub async fn purge_tickets(db: &impl ConnectionTrait) -> Result<u64> {
    let purged = stream_ticket::Entity::delete_many()
        .filter(stream_ticket::Column::ExpiresAt.lte(timestamp(Utc::now())))
        .exec(db)
        .await?;
    Ok(purged.rows_affected)
}

fn digest(ticket: &str) -> String {
    format!("{:x}", Sha256::digest(ticket.as_bytes()))
}
