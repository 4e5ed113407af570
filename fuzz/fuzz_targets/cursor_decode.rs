//! `qualys::cursor::decode`, with the query's filters, on a structured input (`arbitrary`).
//!
//! * Any text: a failure is `invalid-input`; a text that decodes is exactly the cursor
//!   `encode` writes for that id and those filters (no second spelling of a cursor).
//! * A real cursor (`encode` of the input's id and filters) decodes to its id, and with one
//!   character changed (`flip`) it no longer decodes to anything.
//!
//! Seed layout (front to back): 8 bytes id (little-endian), 4 × `Option<String>` (a `0` byte
//! is `None`), `flip` (`0` is `None`), then the cursor text to the end.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use qualys_connector::ErrorKind;
use qualys_connector::qualys::cursor;

#[derive(Debug, Arbitrary)]
struct Input {
    after_id: u64,
    filters: [Option<String>; 4],
    /// Position and replacement (taken from the URL-safe alphabet) of one character.
    flip: Option<(u8, u8)>,
    text: String,
}

const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

fuzz_target!(|input: Input| {
    let filters: Vec<Option<&str>> = input.filters.iter().map(Option::as_deref).collect();
    match cursor::decode(&input.text, &filters) {
        Ok(id) => assert_eq!(cursor::encode(id, &filters), input.text),
        Err(error) => assert_eq!(error.kind, ErrorKind::InvalidInput, "{error:?}"),
    }
    let real = cursor::encode(input.after_id, &filters);
    assert_eq!(cursor::decode(&real, &filters), Ok(input.after_id));
    if let Some((at, with)) = input.flip {
        let mut altered = real.clone().into_bytes();
        let at = usize::from(at) % altered.len();
        let with = ALPHABET[usize::from(with) % ALPHABET.len()];
        if altered[at] != with {
            altered[at] = with;
            let altered = String::from_utf8(altered).expect("ASCII");
            let error = cursor::decode(&altered, &filters)
                .expect_err("a cursor with one character changed still decodes");
            assert_eq!(error.kind, ErrorKind::InvalidInput);
        }
    }
});
