//! Every kind of damage is rejected with the byte offset where it starts.

mod common;

use common::*;
use kqent_trace::{TraceError, PREAMBLE_LEN, RECORD_LEN};

fn header_len(bytes: &[u8]) -> u64 {
    u32::from_le_bytes(bytes[12..16].try_into().unwrap()) as u64
}

fn json_len(bytes: &[u8]) -> u64 {
    u32::from_le_bytes(bytes[24..28].try_into().unwrap()) as u64
}

fn sample() -> Vec<u8> {
    trace_bytes(&meta(), &records(20, 250))
}

#[test]
fn truncation_at_every_length_names_the_incomplete_part() {
    let full = sample();
    let h = header_len(&full);
    for cut in 0..full.len() {
        let err = read_all(full[..cut].to_vec()).unwrap_err();
        let msg = err.to_string();
        match err {
            TraceError::BadMagic { found } => {
                assert_eq!(cut, 0, "{msg}");
                assert!(found.is_empty());
                assert!(msg.contains("empty"), "{msg}");
            }
            TraceError::Truncated {
                offset,
                expected,
                actual,
            } => {
                assert_eq!(actual, cut as u64);
                let want_offset = if (cut as u64) < PREAMBLE_LEN {
                    0
                } else if (cut as u64) < h {
                    PREAMBLE_LEN
                } else {
                    h + (cut as u64 - h) / RECORD_LEN * RECORD_LEN
                };
                assert_eq!(offset, want_offset, "cut {cut}: {msg}");
                if cut as u64 >= PREAMBLE_LEN {
                    assert_eq!(expected, full.len() as u64);
                }
                assert!(msg.contains(&format!("at byte {offset}")), "{msg}");
            }
            other => panic!("cut at {cut}: unexpected {other}"),
        }
    }
}

#[test]
fn excess_bytes_are_named() {
    let mut b = sample();
    let end = b.len() as u64;
    b.extend_from_slice(&[0; 5]);
    let msg = read_all(b).unwrap_err().to_string();
    assert_eq!(
        msg,
        format!("corrupt trace at byte {end}: 5 unexpected bytes after the last of 20 records")
    );
}

#[test]
fn bad_magic_is_not_a_trace() {
    let mut b = sample();
    b[0] = b'X';
    let e = read_all(b).unwrap_err();
    assert!(matches!(e, TraceError::BadMagic { .. }));
    assert_eq!(
        e.to_string(),
        "not a kqent trace: bad magic at byte 0 (found \"XQENTTRC\")"
    );
    // A NIST symbol file.
    let e = read_all(vec![0, 1, 1, 0, 1, 0, 0, 0, 1]).unwrap_err();
    assert!(e.to_string().contains("0x[00 01 01 00"), "{e}");
}

#[test]
fn other_versions_are_unsupported() {
    let mut b = sample();
    b[8] = 2;
    let e = read_all(b).unwrap_err();
    assert!(matches!(
        e,
        TraceError::UnsupportedVersion {
            found: 2,
            supported: 1
        }
    ));
    assert!(e.to_string().contains("byte 8"), "{e}");
}

fn corrupt_offset(b: Vec<u8>) -> (u64, String) {
    match read_all(b).unwrap_err() {
        e @ TraceError::Corrupt { offset, .. } => (offset, e.to_string()),
        other => panic!("expected Corrupt, got {other}"),
    }
}

#[test]
fn preamble_fields_are_checked() {
    let mut b = sample();
    b[10] = 32; // record size
    assert_eq!(corrupt_offset(b).0, 10);

    let mut b = sample();
    b[28] = 1; // reserved
    assert_eq!(corrupt_offset(b).0, 28);

    let mut b = sample();
    b[12..16].copy_from_slice(&u32::MAX.to_le_bytes()); // header length
    assert_eq!(corrupt_offset(b).0, 12);

    let mut b = sample();
    b[24..28].copy_from_slice(&0u32.to_le_bytes()); // JSON length
    assert_eq!(corrupt_offset(b).0, 24);

    let mut b = sample();
    b[16] = 21; // count disagrees with metadata
    let (off, msg) = corrupt_offset(b);
    assert_eq!(off, 16, "{msg}");
    assert!(msg.contains("samples 20"), "{msg}");

    let mut b = sample();
    b[16..24].copy_from_slice(&(u64::MAX - 1).to_le_bytes());
    assert_eq!(corrupt_offset(b).0, 16);
}

#[test]
fn unfinished_sentinel_is_reported() {
    let mut b = sample();
    b[16..24].copy_from_slice(&u64::MAX.to_le_bytes());
    assert!(matches!(read_all(b).unwrap_err(), TraceError::Unfinished));
}

#[test]
fn json_damage_names_its_offset() {
    let full = sample();
    let jl = json_len(&full) as usize;
    let json = std::str::from_utf8(&full[32..32 + jl]).unwrap();

    // A syntax error: the offset points at the bad byte.
    let at = json.find("\"backend\"").unwrap() + 32;
    let mut b = full.clone();
    b[at] = b'#';
    let (off, msg) = corrupt_offset(b);
    assert_eq!(off, at as u64, "{msg}");
    assert!(msg.contains("invalid metadata JSON"), "{msg}");

    // JSON cut short by a smaller length field.
    let mut b = full.clone();
    b[24..28].copy_from_slice(&((jl - 1) as u32).to_le_bytes());
    let (off, msg) = corrupt_offset(b);
    assert!(off >= 32 && off <= 32 + jl as u64, "{msg}");

    // Non-space in the padding.
    let mut b = full.clone();
    b[32 + jl + 100] = b'x';
    let (off, _) = corrupt_offset(b);
    assert_eq!(off, 32 + jl as u64 + 100);

    // Valid JSON, wrong type for a field.
    let mut b = full.clone();
    let at = json.find("\"timeout_ms\":1").unwrap() + 32 + "\"timeout_ms\":".len();
    b[at] = b'"';
    let (off, msg) = corrupt_offset(b);
    assert!(off >= 32 && off < 32 + jl as u64, "{msg}");
}

#[test]
fn record_damage_names_record_and_offset() {
    let full = sample();
    let h = header_len(&full);

    let mut b = full.clone();
    let at = (h + 12 * RECORD_LEN + 20) as usize;
    b[at] = 0x60;
    let (_, msg) = corrupt_offset(b);
    assert_eq!(
        msg,
        format!("corrupt trace at byte {at}: record 12 has unknown kind bits 0x60")
    );

    let mut b = full.clone();
    let at = (h + 5 * RECORD_LEN) as usize;
    b[at..at + 8].copy_from_slice(&0u64.to_le_bytes());
    let (off, msg) = corrupt_offset(b);
    assert_eq!(off, at as u64, "{msg}");
    assert!(msg.contains("record 5 has start offset 0 ns"), "{msg}");

    let mut b = full.clone();
    let at = (h + 19 * RECORD_LEN + 24) as usize;
    b[at] = 1;
    let (off, msg) = corrupt_offset(b);
    assert_eq!(off, at as u64, "{msg}");
    assert!(msg.contains("without restarts"), "{msg}");

    // A duration that breaks the recorded tick: caught after the last record.
    let mut b = full.clone();
    let at = (h + 3 * RECORD_LEN + 8) as usize;
    b[at] ^= 1;
    let (off, msg) = corrupt_offset(b);
    assert_eq!(off, PREAMBLE_LEN, "{msg}");
    assert!(msg.contains("tick_ns 250"), "{msg}");
}

#[test]
fn every_single_byte_flip_is_handled_without_panic() {
    let full = trace_bytes(&meta(), &records(4, 8));
    for i in 0..full.len() {
        for mask in [0x01u8, 0x80, 0xff] {
            let mut b = full.clone();
            b[i] ^= mask;
            if let Err(e) = read_all(b) {
                // Every message is one line.
                assert!(!e.to_string().contains('\n'), "{e}");
            }
        }
    }
}
