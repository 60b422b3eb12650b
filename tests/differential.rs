//! staid's TOML reader against the `toml` crate and its JSON reader against
//! `serde_json`, over generated documents and mutations of them, with a
//! fixed seed: where the reference reads a document, staid reads the same
//! tree (for TOML, with every value at the same line and column); where the
//! reference refuses it, staid refuses it.
//!
//! The differences are staid's documented policies, applied to the
//! reference's side before comparing:
//! - TOML integers past `i64` are kept (up to `i128`) for `u64` and `i128`
//!   fields; the `toml` crate's document parser keeps their text, and that
//!   text is read the same way here.
//! - JSON: a duplicate key is an error, the top level must be an object,
//!   `null` sets nothing in a table and is an error as a list item, an empty file sets
//!   nothing, a leading byte-order mark is skipped, a number written without
//!   a fraction or exponent is an integer (so `-0` is `0`, and one past `u64`
//!   is exact), and nesting stops at 80 levels.

mod reference;
#[path = "support/rng.rs"]
mod rng;

use std::fmt::Write as _;
use std::time::Instant;

use reference::{
    json_reads, same_json, staid_json, staid_toml, staid_toml_places, toml_places, toml_reads, Tree,
};
use rng::Rng;
use staid::ProblemKind;

/// Documents generated per format; each is also mutated `MUTANTS` times.
const DOCUMENTS: usize = 2000;
const MUTANTS: usize = 5;

// The generators: documents built from a seeded xorshift, and mutations
// of them.

const TOML_SCALARS: &[&str] = &[
    "0",
    "-0",
    "+17",
    "1_000",
    "9223372036854775807",
    "-9223372036854775808",
    "18446744073709551615",
    "0xDEAD_beef",
    "0o755",
    "0b1101",
    "0x0",
    "1.5",
    "-0.0",
    "5e+22",
    "1e06",
    "-2E-2",
    "6.626e-34",
    "9_224_617.445_991",
    "inf",
    "-inf",
    "+nan",
    "nan",
    "true",
    "false",
    "1979-05-27T07:32:00Z",
    "1979-05-27 07:32:00-07:00",
    "1979-05-27t07:32:00.999999z",
    "1979-05-27T07:32:00",
    "1979-05-27",
    "07:32:00",
    "00:32:00.5",
    "07:32",
    "1979-05-27 07:32",
    "2000-02-29",
    "07:32:60",
    "\"\"",
    "\"plain\"",
    "\"tab\\tnewline\\n\\\"quote\\\" \\u00e9 \\U0001F600\"",
    "\"\\e\\x41\"",
    "'C:\\path'",
    "'it\"s'",
    "\"é😀\"",
    "\"\"\"\nline one\nline \\\n   joined\"\"\"",
    "'''\nraw \\n\n'''",
    "\"\"\"a\"\"b\"\"\"",
    "'''x''y'''",
    "\"\\\\\"",
];

const TOML_KEYS: &[&str] = &[
    "a",
    "b",
    "name",
    "port",
    "1234",
    "with-dash",
    "under_score",
    "\"quoted key\"",
    "'lit.eral'",
    "\"é\"",
    "\"\"",
    "\"a\\u0062\"",
    "x1",
    "_",
    "-",
];

/// A key not used yet in the table being written.
fn toml_key(rng: &mut Rng, used: &mut Vec<String>) -> String {
    let mut key = rng.pick(TOML_KEYS).to_owned();
    if used.contains(&key) {
        key = format!("k{}", used.len());
    }
    used.push(key.clone());
    key
}

fn toml_inline(rng: &mut Rng, depth: usize, out: &mut String) {
    match rng.below(if depth > 4 { 1 } else { 10 }) {
        0..=6 => out.push_str(rng.pick(TOML_SCALARS)),
        7 | 8 => {
            out.push('[');
            let n = rng.below(4);
            for i in 0..n {
                if i > 0 {
                    out.push_str(rng.pick(&[",", ", ", ",\n  ", " ,"]));
                }
                toml_inline(rng, depth + 1, out);
            }
            if n > 0 && rng.chance(20) {
                out.push(',');
            }
            if rng.chance(20) {
                out.push_str(" # c\n");
            }
            out.push(']');
        }
        _ => {
            out.push('{');
            let mut used = Vec::new();
            let n = rng.below(4);
            for i in 0..n {
                out.push_str(if i > 0 { ", " } else { " " });
                out.push_str(&toml_key(rng, &mut used));
                if rng.chance(25) {
                    out.push('.');
                    out.push_str(&toml_key(rng, &mut Vec::new()));
                }
                out.push_str(" = ");
                toml_inline(rng, depth + 1, out);
            }
            out.push_str(if n > 0 { " }" } else { "}" });
        }
    }
}

/// The key-value lines of a table, then its sub-tables and arrays of
/// tables under their headers.
fn toml_table(rng: &mut Rng, path: &str, depth: usize, out: &mut String) {
    let mut used = Vec::new();
    for _ in 0..rng.below(5) {
        let key = toml_key(rng, &mut used);
        out.push_str(&key);
        if rng.chance(20) {
            let _ = write!(out, ".{}", toml_key(rng, &mut Vec::new()));
        }
        out.push_str(rng.pick(&[" = ", "=", " =\t"]));
        toml_inline(rng, depth, out);
        out.push_str(rng.pick(&["\n", "\n", " # note\n", "\r\n", "\n\n"]));
    }
    if depth > 3 {
        return;
    }
    for _ in 0..rng.below(3) {
        let key = toml_key(rng, &mut used);
        let sub = if path.is_empty() {
            key
        } else {
            format!("{path}.{key}")
        };
        if rng.chance(30) {
            for _ in 0..1 + rng.below(2) {
                let _ = writeln!(out, "[[{sub}]]");
                toml_table(rng, &sub, depth + 1, out);
            }
        } else {
            let _ = writeln!(out, "{}", rng.pick(&["[", "[ "]).to_owned() + &sub + "]");
            toml_table(rng, &sub, depth + 1, out);
        }
    }
}

fn toml_document(rng: &mut Rng) -> String {
    let mut out = String::new();
    if rng.chance(3) {
        out.push('\u{feff}');
    }
    if rng.chance(20) {
        out.push_str("# a configuration\n");
    }
    toml_table(rng, "", 0, &mut out);
    out
}

const JSON_SCALARS: &[&str] = &[
    "0",
    "-0",
    "17",
    "-17",
    "1.5",
    "-0.0",
    "1e10",
    "1E-7",
    "6.626e-34",
    "2.5e+3",
    "9223372036854775807",
    "18446744073709551615",
    "18446744073709551616",
    "170141183460469231731687303715884105727",
    "1e-400",
    "true",
    "false",
    "null",
    "\"\"",
    "\"plain\"",
    "\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"",
    "\"\\u00e9\\ud83d\\ude00\"",
    "\"é😀\u{7f}\"",
    "\"\\u0000\"",
    "\"\u{2028}\"",
];

const JSON_KEYS: &[&str] = &[
    "\"a\"",
    "\"b\"",
    "\"port\"",
    "\"\"",
    "\"é\"",
    "\"a b\"",
    "\"\\u0061\"",
];

fn json_value(rng: &mut Rng, depth: usize, out: &mut String) {
    let ws = |rng: &mut Rng| rng.pick(&["", "", " ", "\n  ", "\t", "\r\n"]);
    match rng.below(if depth > 5 { 1 } else { 10 }) {
        0..=5 => out.push_str(rng.pick(JSON_SCALARS)),
        6 | 7 => {
            out.push('[');
            for i in 0..rng.below(4) {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(ws(rng));
                json_value(rng, depth + 1, out);
            }
            out.push_str(ws(rng));
            out.push(']');
        }
        _ => json_object(rng, depth, out),
    }
}

fn json_object(rng: &mut Rng, depth: usize, out: &mut String) {
    out.push('{');
    let mut used = Vec::new();
    for i in 0..rng.below(5) {
        if i > 0 {
            out.push(',');
        }
        out.push_str(rng.pick(&["", " ", "\n  "]));
        let mut key = rng.pick(JSON_KEYS);
        // `"a"` and `"\u0061"` are the same key.
        let mut name = key.replace("\\u0061", "a");
        if used.contains(&name) {
            name = format!("\"k{i}\"");
            key = &name;
        }
        out.push_str(key);
        used.push(name);
        out.push_str(rng.pick(&[":", ": ", " : "]));
        json_value(rng, depth + 1, out);
    }
    out.push_str(rng.pick(&["", "\n"]));
    out.push('}');
}

fn json_document(rng: &mut Rng) -> String {
    let mut out = String::new();
    if rng.chance(3) {
        out.push('\u{feff}');
    }
    json_object(rng, 0, &mut out);
    if rng.chance(20) {
        out.push('\n');
    }
    out
}

/// Characters that turn valid text into text that is almost valid.
const INSERTS: &[&str] = &[
    "=", "[", "]", "{", "}", ",", ".", "\"", "'", "\\", "\n", "\r", "\t", "#", " ", "0", "1", "x",
    "_", "e", "E", "+", "-", ":", "T", "Z", "z", "u", "\u{0}", "\u{1}", "\u{b}", "\u{c}", "\u{7f}",
    "é", "\u{feff}", "\u{a0}", "\u{2028}", "\u{660}", "\"\"\"", "'''", "null", "inf",
];

/// One to three edits at character boundaries: delete, insert, replace,
/// repeat or drop a line, or cut the text short.
fn mutate(rng: &mut Rng, text: &str) -> String {
    let mut text = text.to_owned();
    for _ in 0..1 + rng.below(3) {
        let bounds: Vec<usize> = text
            .char_indices()
            .map(|(i, _)| i)
            .chain([text.len()])
            .collect();
        let at = bounds[rng.below(bounds.len())];
        let next = bounds.iter().copied().find(|&b| b > at).unwrap_or(at);
        match rng.below(6) {
            0 => drop(text.drain(at..next)),
            1 => text.insert_str(at, rng.pick(INSERTS)),
            2 => text.replace_range(at..next, rng.pick(INSERTS)),
            3 => {
                let lines: Vec<&str> = text.split_inclusive('\n').collect();
                let i = rng
                    .below(lines.len().max(1))
                    .min(lines.len().saturating_sub(1));
                let line = lines.get(i).copied().unwrap_or("").to_owned();
                let start: usize = lines[..i].iter().map(|l| l.len()).sum();
                text.insert_str(start, &line);
            }
            4 => {
                let lines: Vec<&str> = text.split_inclusive('\n').collect();
                if !lines.is_empty() {
                    let i = rng.below(lines.len());
                    text = lines
                        .iter()
                        .enumerate()
                        .filter(|&(j, _)| j != i)
                        .map(|(_, l)| *l)
                        .collect();
                }
            }
            _ => text.truncate(at),
        }
    }
    text
}

/// How a run went, for the failure message and the README's numbers.
#[derive(Default, Debug)]
struct Count {
    cases: usize,
    accepted: usize,
    refused: usize,
    /// Cases that differ only by a documented policy.
    by_policy: usize,
    /// Values whose line and column were compared.
    places: usize,
}

#[track_caller]
fn differ(text: &str, staid: &Result<Tree, Vec<ProblemKind>>, reference: &Option<Tree>) -> ! {
    panic!("staid and the reference differ on {text:?}\n  staid:     {staid:?}\n  reference: {reference:?}")
}

/// Runs `DOCUMENTS` generated documents, and `MUTANTS` mutations of each,
/// through `compare`, which counts the case and says whether the reference
/// read it; then checks what both formats must: the generator mostly writes
/// valid documents, or the trees are hardly compared, and a good share of
/// the cases is read alike.
fn compare_generated(
    seed: u64,
    generate: fn(&mut Rng) -> String,
    mut compare: impl FnMut(&str, &mut Count) -> bool,
) -> Count {
    let mut rng = Rng(seed);
    let mut count = Count::default();
    let mut valid = 0;
    for _ in 0..DOCUMENTS {
        let document = generate(&mut rng);
        let mutants: Vec<String> = (0..MUTANTS).map(|_| mutate(&mut rng, &document)).collect();
        for (n, text) in std::iter::once(&document).chain(&mutants).enumerate() {
            count.cases += 1;
            let read = compare(text, &mut count);
            if n == 0 && read {
                valid += 1;
            }
        }
    }
    assert!(
        valid * 10 > DOCUMENTS * 9,
        "{valid} of {DOCUMENTS} generated documents valid"
    );
    assert!(count.accepted * 4 > count.cases, "{count:?}");
    count
}

#[test]
fn toml_reads_as_the_toml_crate_reads() {
    let started = Instant::now();
    let count = compare_generated(0x5eed_57a1_d070_0001, toml_document, |text, count| {
        let reference = toml_reads(text);
        let staid = staid_toml(text);
        match (&staid, &reference) {
            (Ok(a), Some(b)) if a == b => {
                count.accepted += 1;
                // And every value where the `toml` crate has it.
                let (mine, theirs) = (staid_toml_places(text), toml_places(text));
                assert_eq!(mine, theirs, "{text:?}");
                count.places += mine.len();
            }
            (Err(_), None) => count.refused += 1,
            _ => differ(text, &staid, &reference),
        }
        reference.is_some()
    });
    assert!(count.places > 10 * count.accepted, "{count:?}");
    println!("TOML: {count:?} in {:?}", started.elapsed());
}

#[test]
fn json_reads_as_serde_json_reads() {
    let started = Instant::now();
    let count = compare_generated(0x5eed_57a1_d070_0002, json_document, |text, count| {
        let reference = json_reads(text);
        let staid = staid_json(text);
        match (&staid, &reference) {
            (Ok(a), Some(b)) if same_json(a, b) => count.accepted += 1,
            (Err(_), None) => count.refused += 1,
            (Err(kinds), Some(_)) if kinds == &[ProblemKind::TooDeep] => count.by_policy += 1,
            _ => differ(text, &staid, &reference),
        }
        reference.is_some()
    });
    println!("JSON: {count:?} in {:?}", started.elapsed());
}
