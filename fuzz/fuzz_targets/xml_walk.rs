//! `qualys::xml::walk` and `qualys::xml::root_name` on arbitrary bytes.
//!
//! Besides "no panic, no hang": the walk reports a well-nested sequence (every node's path
//! extends or repeats the previous one, never deeper than 64), leaf texts are non-empty and
//! trimmed, a successful walk closes every element it opened, every failure is
//! `bad-response`, and `root_name` agrees with the walk on the root's name.
#![no_main]

use libfuzzer_sys::fuzz_target;
use qualys_connector::ErrorKind;
use qualys_connector::qualys::xml::{self, Flow, Node};

fuzz_target!(|data: &[u8]| {
    let mut stack: Vec<String> = Vec::new();
    let mut first_root: Option<String> = None;
    let result = xml::walk(data, |node| {
        match node {
            Node::Open { path, attributes } => {
                assert!(path.len() <= 64, "depth {}", path.len());
                assert_eq!(path.len(), stack.len() + 1, "open skips a level");
                assert_eq!(&path[..stack.len()], stack.as_slice());
                if first_root.is_none() {
                    first_root = path.first().cloned();
                }
                drop(attributes);
                stack = path.to_vec();
            }
            Node::Text { path, text } => {
                assert_eq!(path, stack.as_slice(), "text outside the open element");
                assert!(!text.is_empty());
                assert_eq!(text.trim(), text);
            }
            Node::Close { path } => {
                assert_eq!(path, stack.as_slice(), "close of another element");
                stack.pop();
            }
        }
        Ok(Flow::Continue)
    });
    let root = xml::root_name(data);
    match result {
        Ok(()) => {
            assert!(stack.is_empty(), "a successful walk left {stack:?} open");
            assert!(first_root.is_some());
            assert_eq!(root, first_root, "root_name disagrees with walk");
        }
        Err(error) => assert_eq!(error.kind, ErrorKind::BadResponse, "{error:?}"),
    }
});
