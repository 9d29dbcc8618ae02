//! Stream tickets: a browser's `EventSource` cannot send an
//! `Authorization` header, so a client exchanges its bearer token for a
//! ticket that opens one stream, once, within a minute. Tickets are stored
//! (as hashes) in the database, so one issued by any instance works on
//! every instance.
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{Duration, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::domain::{Error, Result, timestamp};
use crate::entity::stream_ticket;
use crate::service::access;

/// How long a ticket stays valid.
pub const TICKET_TTL_SECONDS: i64 = 60;

/// A new ticket for the owner's event stream.
pub async fn issue_ticket(db: &impl ConnectionTrait, caller: Uuid, owner: Uuid) -> Result<String> {
    access::owner(db, caller, owner).await?;
    let ticket = URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>());
    stream_ticket::Entity::insert(stream_ticket::ActiveModel {
        ticket_hash: Set(digest(&ticket)),
        user_id: Set(owner),
        expires_at: Set(timestamp(Utc::now()) + Duration::seconds(TICKET_TTL_SECONDS)),
    })
    .exec_without_returning(db)
    .await?;
    Ok(ticket)
}

/// Uses up a ticket: the user it was issued to, if it is valid, unused
/// and unexpired (else 401).
pub async fn redeem_ticket(db: &impl ConnectionTrait, ticket: &str) -> Result<Uuid> {
    if ticket.len() > 128 {
        return Err(Error::InvalidTicket);
    }
    // Deleting it is the check: of two requests with one ticket, one
    // deletes the row and the other finds none.
    let used = stream_ticket::Entity::delete_many()
        .filter(stream_ticket::Column::TicketHash.eq(digest(ticket)))
        .filter(stream_ticket::Column::ExpiresAt.gt(timestamp(Utc::now())))
        .exec_with_returning(db)
        .await?;
    used.into_iter()
        .next()
        .map(|t| t.user_id)
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
