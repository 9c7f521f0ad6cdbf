//! A seeded mutation loop over the repository's fixtures, run with the normal test suite on
//! stable Rust: thousands of broken variants of real TypeScript, SQL migrations and Prisma
//! schemas go through extraction (and, for some, cross-file resolution) and the schema readers,
//! none of which may panic. `fuzz/` holds the coverage-guided counterpart (cargo-fuzz, nightly).

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

use backend_brain::schema::parse_schema_file;
use backend_brain::workspace::{extract_text, Config, Workspace};

/// A small deterministic generator (xorshift), so that a failure names a seed to replay.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Fragments that matter to the readers: brackets, quotes, keywords, multi-byte characters.
const TOKENS: [&str; 28] = [
    "(",
    ")",
    "{",
    "}",
    "[",
    "]",
    "'",
    "\"",
    "`",
    "${",
    "/*",
    "*/",
    "//",
    "\n",
    "\r\n",
    ";",
    ",",
    "=>",
    "@",
    "é😀",
    "\u{0}",
    "router.get('/x', h)",
    "export default ",
    "CREATE TABLE ",
    "model M {",
    "ALTER TABLE t ADD ",
    "--",
    "$$",
];

fn mutate(random: &mut Random, text: &[u8]) -> Vec<u8> {
    let mut out = text.to_vec();
    for _ in 0..1 + random.below(4) {
        let at = random.below(out.len() + 1);
        match random.below(6) {
            0 => {
                let end = (at + random.below(64)).min(out.len());
                out.drain(at..end);
            }
            1 => {
                let token = TOKENS[random.below(TOKENS.len())].as_bytes();
                out.splice(at..at, token.iter().copied());
            }
            2 => {
                if let Some(b) = out.get_mut(at) {
                    *b ^= 1 << random.below(8);
                }
            }
            3 => {
                let end = (at + random.below(200)).min(out.len());
                let copy = out[at..end].to_vec();
                let to = random.below(out.len() + 1);
                out.splice(to..to, copy);
            }
            4 => out.truncate(at),
            _ => {
                let byte = random.below(256) as u8;
                out.insert(at, byte);
            }
        }
    }
    out
}

fn fixtures(extensions: &[&str]) -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures");
    let mut out = Vec::new();
    let mut stack = vec![root];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path
                .extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| extensions.contains(&e))
            {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// Runs `check` on `count` mutations of the fixtures, reporting the seed and input of a panic.
fn run(seed: u64, count: usize, extensions: &[&str], check: impl Fn(&Path, &str)) {
    let sources: Vec<(PathBuf, Vec<u8>)> = fixtures(extensions)
        .into_iter()
        .filter_map(|p| Some((p.clone(), std::fs::read(&p).ok()?)))
        .collect();
    assert!(!sources.is_empty(), "fixtures for {extensions:?}");
    let mut random = Random(seed);
    for i in 0..count {
        let (path, text) = &sources[random.below(sources.len())];
        let mutated = mutate(&mut random, text);
        let text = String::from_utf8_lossy(&mutated);
        let outcome = catch_unwind(AssertUnwindSafe(|| check(path, &text)));
        assert!(
            outcome.is_ok(),
            "mutation {i} of {} (seed {seed:#x}) panicked; input:\n{text}",
            path.display()
        );
    }
}

#[test]
fn mutated_typescript_never_breaks_extraction() {
    run(0x7e57_0001, 3000, &["ts", "js", "tsx"], |path, text| {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("x.ts");
        let _ = extract_text(name, text);
    });
}

#[test]
fn mutated_typescript_never_breaks_resolution() {
    run(0x7e57_0002, 300, &["ts", "js"], |path, text| {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("x.ts");
        let mut workspace = Workspace::new(PathBuf::from("/nowhere"), Config::default());
        if workspace.set_text(&format!("src/{name}"), text).is_ok() {
            let _ = workspace.inventory().to_json();
        }
    });
}

#[test]
fn mutated_migrations_and_prisma_schemas_never_break_the_readers() {
    run(0x7e57_0003, 3000, &["sql"], |_, text| {
        let _ = parse_schema_file("db/0001_init.sql", text);
    });
    run(0x7e57_0004, 3000, &["prisma"], |_, text| {
        let _ = parse_schema_file("prisma/schema.prisma", text);
    });
}
