//! What the tests that run the real `motcua serve` share.

use std::io::{BufRead, BufReader};
use std::process::Child;

/// The address a started `motcua serve` (with stdout piped) listens on, from the line it prints;
/// the rest of its output is drained so that it never blocks on a full pipe.
pub fn address_of(server: &mut Child) -> String {
    let mut lines = BufReader::new(server.stdout.take().expect("stdout piped")).lines();
    let addr = loop {
        let line = lines.next().expect("server output").expect("readable output");
        if let Some(rest) = line.strip_prefix("motcua đang chạy tại ") {
            break rest.split_whitespace().next().expect("an address").trim_start_matches("http://").to_owned();
        }
    };
    std::thread::spawn(move || for _ in lines {});
    addr
}
