//! A position in a user's change feed, handed to clients as an opaque
//! string that only this server can make: its fields and the owner's id
//! are sealed with an HMAC-SHA256 tag under the server's cursor key, so a
//! cursor cannot be forged, moved to another feed, or edited (say, raised
//! past a purge of tombstones to dodge `cursor_expired`).
use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use uuid::Uuid;

use super::{Error, Result, Source};
/// Changes are ordered by the owner's sequence number, then by task id (one
/// write, such as clearing completed tasks, can change many tasks under
/// one number). A cursor names the last change a client has, plus the
/// `floor` of a sync that started without a cursor: deletions at or below
/// it happened before the client's first page, which already left those
/// tasks out, so they are not sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    pub seq: i64,
    pub id: Uuid,
    pub floor: i64,
}

/// The first byte of a cursor's binary form.
const VERSION: u8 = 2;
/// Bytes of the tag kept: 128 bits.
const TAG: usize = 16;
/// Version, `seq`, `id`, `floor`.
const FIELDS: usize = 1 + 8 + 16 + 8;

impl Cursor {
    /// Where a sync without a cursor starts, when the owner's latest change
    /// is `latest`.
    pub fn start(latest: i64) -> Self {
        Self {
            seq: 0,
            id: Uuid::nil(),
            floor: latest,
        }
    }

    /// The cursor just after the change (`seq`, `id`).
    pub fn after(self, seq: i64, id: Uuid) -> Self {
        Self { seq, id, ..self }
    }

    /// The highest sequence number this cursor has covered.
    pub fn covered(&self) -> i64 {
        self.seq.max(self.floor)
    }

    fn fields(&self) -> [u8; FIELDS] {
        let mut bytes = [0u8; FIELDS];
        bytes[0] = VERSION;
        bytes[1..9].copy_from_slice(&self.seq.to_be_bytes());
        bytes[9..25].copy_from_slice(self.id.as_bytes());
        bytes[25..].copy_from_slice(&self.floor.to_be_bytes());
        bytes
    }

    fn from_fields(bytes: &[u8]) -> Option<Self> {
        if bytes.len() != FIELDS || bytes[0] != VERSION {
            return None;
        }
        let number = |range: std::ops::Range<usize>| {
            let n = i64::from_be_bytes(bytes[range].try_into().ok()?);
            (n >= 0).then_some(n)
        };
        Some(Self {
            seq: number(1..9)?,
            id: Uuid::from_slice(&bytes[9..25]).ok()?,
            floor: number(25..FIELDS)?,
        })
    }
}

/// The key that seals cursors. Every instance behind one load balancer
/// needs the same one (`CURSOR_SECRET`, or by default the JWT secret it
/// is derived from).
#[derive(Clone)]
pub struct CursorKey(Arc<Hmac<Sha256>>);

impl std::fmt::Debug for CursorKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CursorKey(..)")
    }
}

impl CursorKey {
    /// The key derived from `secret` (HMAC-SHA256 of a fixed label), so
    /// that a secret shared with another use (the JWT secret) never keys
    /// both with the same bytes.
    pub fn derive(secret: &[u8]) -> Self {
        let mut derive = <Hmac<Sha256>>::new_from_slice(secret).expect("HMAC takes any key");
        derive.update(b"tasks-api change-feed cursor key");
        let key = derive.finalize().into_bytes();
        Self(Arc::new(
            <Hmac<Sha256>>::new_from_slice(&key).expect("HMAC takes any key"),
        ))
    }

    fn tagger(&self, owner: Uuid, fields: &[u8]) -> Hmac<Sha256> {
        let mut mac = (*self.0).clone();
        mac.update(owner.as_bytes());
        mac.update(fields);
        mac
    }

    /// The opaque text of `cursor` in `owner`'s feed.
    pub fn seal(&self, owner: Uuid, cursor: &Cursor) -> String {
        let fields = cursor.fields();
        let tag = self.tagger(owner, &fields).finalize().into_bytes();
        let mut bytes = fields.to_vec();
        bytes.extend_from_slice(&tag[..TAG]);
        URL_SAFE_NO_PAD.encode(bytes)
    }

    /// A cursor this server issued for `owner`'s feed; for anything else, a
    /// 422 naming the parameter (`source`, `name`) that carried it.
    pub fn open(&self, owner: Uuid, text: &str, source: Source, name: &str) -> Result<Cursor> {
        self.verify(owner, text).ok_or_else(|| {
            let message = "is not a cursor this server issued for this feed; sync without one";
            Error::field("", message).at(source, name)
        })
    }

    fn verify(&self, owner: Uuid, text: &str) -> Option<Cursor> {
        if text.len() > 128 {
            return None;
        }
        let bytes = URL_SAFE_NO_PAD.decode(text).ok()?;
        if bytes.len() != FIELDS + TAG {
            return None;
        }
        let (fields, tag) = bytes.split_at(FIELDS);
        // Constant time: a forger learns nothing from how long it took.
        self.tagger(owner, fields).verify_truncated_left(tag).ok()?;
        Cursor::from_fields(fields)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> CursorKey {
        CursorKey::derive(b"0123456789abcdef0123456789abcdef")
    }

    #[test]
    fn a_cursor_survives_its_text_form() {
        let owner = Uuid::now_v7();
        let cursor = Cursor::start(41).after(7, Uuid::now_v7());
        let text = key().seal(owner, &cursor);
        assert!(text.len() <= 128, "{text}");
        let opened = key().open(owner, &text, Source::Query, "cursor");
        assert_eq!(opened.unwrap(), cursor);
        assert_eq!(cursor.covered(), 41);
    }

    #[test]
    fn text_that_is_not_one_of_ours_is_refused() {
        let owner = Uuid::now_v7();
        let cursor = Cursor::start(3).after(2, Uuid::now_v7());
        let ours = key().seal(owner, &cursor);
        // The same fields sealed under another key, for another owner, and
        // with a field raised (the tag kept).
        let other_key = CursorKey::derive(b"another secret, another secret!!").seal(owner, &cursor);
        let other_owner = key().seal(Uuid::now_v7(), &cursor);
        let mut raised = URL_SAFE_NO_PAD.decode(&ours).unwrap();
        raised[FIELDS - 1] += 1;
        let raised = URL_SAFE_NO_PAD.encode(raised);
        let cases = [
            "",
            "abc",
            "!!!",
            &"A".repeat(200),
            &other_key,
            &other_owner,
            &raised,
        ];
        for text in cases {
            let Err(Error::Validation(failures)) = key().open(owner, text, Source::Header, "h")
            else {
                panic!("{text} taken for a cursor");
            };
            assert_eq!(
                (failures[0].source, failures[0].field.as_str()),
                (Source::Header, "h")
            );
        }
    }
}
