//! Reading the one row a unique key names.
use sea_orm::{ConnectionTrait, DbErr, EntityTrait, Select};

/// The row `select` finds by a unique key, if any. Not `.one()`: its
/// `LIMIT ?` is a bound parameter, and SQLite (3.47+) plans with a bound
/// LIMIT's value, so binding it expires the prepared statement and every
/// call parsed and planned the SQL again. The unique key already bounds the
/// result to one row.
pub async fn unique<E: EntityTrait>(
    select: Select<E>,
    db: &impl ConnectionTrait,
) -> Result<Option<E::Model>, DbErr> {
    Ok(select.all(db).await?.pop())
}
