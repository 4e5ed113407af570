//! Resumable search cursors: "continue after asset id N", valid for one query only.
//!
//! Host asset searches go in ascending id order, so where a search stopped is one id: the next
//! call asks for `id GREATER N`. A cursor carries that id to the caller and back, opaque to
//! them, and bound to the filters of the query that produced it: resuming with other filters
//! would silently return a mix of two searches, so it is refused.
//!
//! A cursor is the lower-case hex (the `hex` crate) of 17 bytes: a version byte, the id (8 bytes,
//! big-endian) and a check (8 bytes, big-endian), the 64-bit FNV-1a hash of a domain string,
//! the version, the id and the query's filters. A cursor that was altered, made up, or made
//! for other filters fails the check and is `invalid-input`. The check is not a secret: it
//! catches mistakes, it does not stop someone who wants to forge a cursor (which gains them
//! nothing their filters would not give them anyway).

use crate::{Error, Result};

/// The cursor layout this connector writes and reads.
const VERSION: u8 = 1;

/// Version, id and check.
const PAYLOAD_LEN: usize = 1 + 8 + 8;

/// Longest cursor text worth decoding; ours are 34 characters.
const MAX_TEXT_LEN: usize = 64;

/// Mixed into every check, so a cursor is never mistaken for another hash of the same bytes.
const DOMAIN: &[u8] = b"qualys-connector/search-agents/cursor";

const FNV_OFFSET_BASIS: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

/// The cursor that continues after asset `after_id` with the same `filters`.
///
/// `filters` are the query's normalised filters in a fixed order; an absent filter is `None`.
pub fn encode(after_id: u64, filters: &[Option<&str>]) -> String {
    let mut payload = Vec::with_capacity(PAYLOAD_LEN);
    payload.push(VERSION);
    payload.extend_from_slice(&after_id.to_be_bytes());
    payload.extend_from_slice(&checksum(after_id, filters).to_be_bytes());
    hex::encode(payload)
}

/// The asset id a cursor continues after, when [`encode`] made it for these `filters`.
pub fn decode(text: &str, filters: &[Option<&str>]) -> Result<u64> {
    // Upper-case hex would be a second spelling of the same cursor.
    if text.len() > MAX_TEXT_LEN || text.bytes().any(|byte| byte.is_ascii_uppercase()) {
        return Err(not_ours());
    }
    let payload = hex::decode(text).map_err(|_| not_ours())?;
    if payload.len() != PAYLOAD_LEN || payload.first() != Some(&VERSION) {
        return Err(not_ours());
    }
    let (Some(after_id), Some(check)) = (u64_at(&payload, 1), u64_at(&payload, 9)) else {
        return Err(not_ours());
    };
    if check != checksum(after_id, filters) {
        return Err(not_ours());
    }
    Ok(after_id)
}

/// The big-endian `u64` at `start` of `bytes`.
fn u64_at(bytes: &[u8], start: usize) -> Option<u64> {
    let chunk = bytes.get(start..start.checked_add(8)?)?;
    Some(u64::from_be_bytes(chunk.try_into().ok()?))
}

fn not_ours() -> Error {
    Error::invalid_input("the cursor is not one this connector returned for these filters")
        .with_hint(
            "pass next-cursor back unchanged with the same last-checked-in-from, \
             last-checked-in-to, host-name and os, or leave the cursor out to start again",
        )
}

/// FNV-1a over the domain, the version, the id and the filters (each length-prefixed).
fn checksum(after_id: u64, filters: &[Option<&str>]) -> u64 {
    let mut hash = Fnv1a::default();
    hash.write(DOMAIN);
    hash.write(&[VERSION]);
    hash.write(&after_id.to_be_bytes());
    for filter in filters {
        match filter {
            None => hash.write(&[0]),
            Some(text) => {
                hash.write(&[1]);
                hash.write(&(text.len() as u64).to_be_bytes());
                hash.write(text.as_bytes());
            }
        }
    }
    hash.0
}

/// The 64-bit FNV-1a hash.
struct Fnv1a(u64);

impl Default for Fnv1a {
    fn default() -> Self {
        Self(FNV_OFFSET_BASIS)
    }
}

impl Fnv1a {
    fn write(&mut self, bytes: &[u8]) {
        for byte in bytes {
            self.0 = (self.0 ^ u64::from(*byte)).wrapping_mul(FNV_PRIME);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    const FILTERS: [Option<&str>; 4] = [Some("2024-05-01T00:00:00Z"), None, Some("web"), None];

    #[test]
    fn a_cursor_round_trips_with_the_same_filters() {
        for id in [0, 1, 48_213_117, u64::MAX] {
            let cursor = encode(id, &FILTERS);
            assert_eq!(decode(&cursor, &FILTERS).unwrap(), id);
        }
    }

    #[test]
    fn a_cursor_is_short_and_url_safe() {
        let cursor = encode(u64::MAX, &FILTERS);
        assert_eq!(cursor.len(), 34);
        assert!(cursor.chars().all(|c| matches!(c, '0'..='9' | 'a'..='f')));
    }

    #[test]
    fn a_cursor_for_other_filters_is_invalid_input() {
        let cursor = encode(42, &FILTERS);
        let others: [&[Option<&str>]; 4] = [
            &[
                Some("2024-05-01T00:00:00Z"),
                None,
                Some("web"),
                Some("Linux"),
            ],
            &[Some("2024-05-01T00:00:00Z"), None, Some("web2"), None],
            &[None, Some("2024-05-01T00:00:00Z"), Some("web"), None],
            &[None, None, None, None],
        ];
        for filters in others {
            let error = decode(&cursor, filters).unwrap_err();
            assert_eq!(error.kind, ErrorKind::InvalidInput, "{filters:?}");
            assert!(error.hint.is_some());
        }
    }

    #[test]
    fn filters_are_length_prefixed_so_values_cannot_slide_between_them() {
        let cursor = encode(42, &[Some("ab"), Some("c")]);
        assert!(decode(&cursor, &[Some("a"), Some("bc")]).is_err());
    }

    #[test]
    fn every_altered_character_is_invalid_input() {
        let cursor = encode(48_213_117, &FILTERS);
        for index in 0..cursor.len() {
            let mut bytes = cursor.clone().into_bytes();
            bytes[index] = if bytes[index] == b'0' { b'1' } else { b'0' };
            let altered = String::from_utf8(bytes).unwrap();
            let error = decode(&altered, &FILTERS).unwrap_err();
            assert_eq!(error.kind, ErrorKind::InvalidInput, "{altered}");
        }
    }

    #[test]
    fn made_up_cursors_are_invalid_input() {
        let long = "A".repeat(1000);
        for text in [
            "",
            "abc",
            "not hex at all!",
            "00000000000000000000000000000000000",
            "0000000000000000000000000000000000",
            "0100000000000000000000000000000000",
            &long,
        ] {
            assert_eq!(
                decode(text, &FILTERS).unwrap_err().kind,
                ErrorKind::InvalidInput,
                "{text:?}"
            );
        }
    }

    #[test]
    fn a_cursor_has_one_spelling() {
        let cursor = encode(48_213_117, &FILTERS);
        assert!(cursor.bytes().any(|byte| byte.is_ascii_lowercase()));
        let error = decode(&cursor.to_ascii_uppercase(), &FILTERS).unwrap_err();
        assert_eq!(error.kind, ErrorKind::InvalidInput);
    }

    #[test]
    fn another_version_is_invalid_input() {
        let mut bytes = hex::decode(encode(7, &FILTERS)).unwrap();
        bytes[0] = 2;
        assert!(decode(&hex::encode(bytes), &FILTERS).is_err());
    }
}
