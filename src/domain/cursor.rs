//! A position in a user's change feed, handed to clients as an opaque
//! string.
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
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

const VERSION: &str = "c1";

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

    /// A cursor this server handed out; for anything else, a 422 naming the
    /// parameter (`source`, `name`) that carried it.
    pub fn parse(text: &str, source: Source, name: &str) -> Result<Self> {
        Self::decode(text).ok_or_else(|| {
            let message = "is not a cursor this server issued; sync without one";
            Error::field("", message).at(source, name)
        })
    }

    fn decode(text: &str) -> Option<Self> {
        if text.len() > 128 {
            return None;
        }
        let bytes = URL_SAFE_NO_PAD.decode(text).ok()?;
        let text = String::from_utf8(bytes).ok()?;
        let mut parts = text.split('.');
        let (version, seq, id, floor) =
            (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
        if version != VERSION || parts.next().is_some() {
            return None;
        }
        let cursor = Self {
            seq: seq.parse().ok().filter(|n: &i64| *n >= 0)?,
            id: Uuid::try_parse(id).ok()?,
            floor: floor.parse().ok().filter(|n: &i64| *n >= 0)?,
        };
        (cursor.encode() == URL_SAFE_NO_PAD.encode(text.as_bytes())).then_some(cursor)
    }

    /// The opaque text form.
    pub fn encode(&self) -> String {
        let text = format!("{VERSION}.{}.{}.{}", self.seq, self.id.simple(), self.floor);
        URL_SAFE_NO_PAD.encode(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_survives_its_text_form() {
        let cursor = Cursor::start(41).after(7, Uuid::now_v7());
        assert_eq!(
            Cursor::parse(&cursor.encode(), Source::Query, "cursor").unwrap(),
            cursor
        );
        assert_eq!(cursor.covered(), 41);
    }

    #[test]
    fn text_that_is_not_one_of_ours_is_refused() {
        let forged = URL_SAFE_NO_PAD.encode("c1.-1.00000000000000000000000000000000.0");
        for text in ["", "abc", "!!!", forged.as_str(), &"A".repeat(200)] {
            let Err(Error::Validation(failures)) = Cursor::parse(text, Source::Header, "h") else {
                panic!("{text} taken for a cursor");
            };
            assert_eq!(
                (failures[0].source, failures[0].field.as_str()),
                (Source::Header, "h")
            );
        }
    }
}
