//! Every fixture's inventory equals its hand-written expectation (fixtures/*/expected.txt), and
//! where a fixture has one, what each route and event handler reaches equals `chain.txt`.

use std::path::{Path, PathBuf};

use backend_brain::inventory::{render_chain, render_expected, Inventory};
use backend_brain::workspace::Workspace;

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures")
}

/// The fixture's own backend-brain.toml, which must be valid when present.
fn config(dir: &Path) -> backend_brain::workspace::Config {
    let (config, problem) = Workspace::read_config(dir);
    assert!(problem.is_none(), "{}: {problem:?}", dir.display());
    config
}

/// The inventory of one fixture folder.
fn inventory(dir: &Path) -> Inventory {
    let (workspace, problems) = Workspace::load(dir, config(dir)).expect("fixture folder exists");
    assert!(problems.is_empty(), "{}: {problems:?}", dir.display());
    workspace.inventory()
}

/// A line diff that shows only what differs.
fn diff(expected: &str, actual: &str) -> String {
    let e: Vec<&str> = expected.lines().collect();
    let a: Vec<&str> = actual.lines().collect();
    let mut out = String::new();
    for line in &e {
        if !a.contains(line) {
            out.push_str(&format!("- {line}\n"));
        }
    }
    for line in &a {
        if !e.contains(line) {
            out.push_str(&format!("+ {line}\n"));
        }
    }
    if out.is_empty() {
        out.push_str("(same lines, different order)\n");
    }
    out
}

/// Compares expected.txt (chain.txt is compared by `every_chain_expectation_matches`).
fn check(dir: &Path) -> Result<(), String> {
    compare(dir, "expected.txt", render_expected)
}

/// Compares one expectation file of a fixture with the inventory rendered for it.
fn compare(dir: &Path, file: &str, render: fn(&Inventory) -> String) -> Result<(), String> {
    let expected =
        std::fs::read_to_string(dir.join(file)).map_err(|e| format!("{}: {e}", dir.display()))?;
    let actual = render(&inventory(dir));
    if expected.trim_end() == actual.trim_end() {
        Ok(())
    } else {
        Err(format!(
            "{}/{file}:\n{}",
            dir.display(),
            diff(&expected, &actual)
        ))
    }
}

#[test]
fn showcase_inventory_matches_its_expectation() {
    let dir = fixtures_dir().join("showcase");
    if let Err(e) = check(&dir) {
        panic!("{e}");
    }
}

#[test]
fn nestjs_inventory_matches_its_expectation() {
    let dir = fixtures_dir().join("nestjs");
    if let Err(e) = check(&dir) {
        panic!("{e}");
    }
}

#[test]
fn routing_controllers_inventory_matches_its_expectation() {
    let dir = fixtures_dir().join("routing-controllers");
    if let Err(e) = check(&dir) {
        panic!("{e}");
    }
}

#[test]
fn every_pattern_fixture_matches_its_expectation() {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(fixtures_dir().join("patterns"))
        .expect("fixtures/patterns exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("expected.txt").exists())
        .collect();
    dirs.sort();
    assert!(
        dirs.len() >= 20,
        "expected the pattern fixtures, found {}",
        dirs.len()
    );
    let failures: Vec<String> = dirs.iter().filter_map(|d| check(d).err()).collect();
    assert!(
        failures.is_empty(),
        "{} of {} fixtures differ:\n\n{}",
        failures.len(),
        dirs.len(),
        failures.join("\n")
    );
}

#[test]
fn fastify_koa_and_hono_backends_match_their_expectations() {
    let failures: Vec<String> = ["fastify", "koa", "hono"]
        .iter()
        .filter_map(|name| check(&fixtures_dir().join(name)).err())
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The rendered architecture sections of one fixture folder.
fn actual_architecture(dir: &Path) -> String {
    let (workspace, problems) = Workspace::load(dir, config(dir)).expect("fixture folder exists");
    assert!(problems.is_empty(), "{}: {problems:?}", dir.display());
    backend_brain::architecture::render_architecture(&workspace.inventory())
}

/// Compares a fixture's `architecture.txt` with what the engine derives.
fn check_architecture(dir: &Path) -> Result<(), String> {
    let expected = std::fs::read_to_string(dir.join("architecture.txt"))
        .map_err(|e| format!("{}: {e}", dir.display()))?;
    let actual = actual_architecture(dir);
    if expected.trim_end() == actual.trim_end() {
        Ok(())
    } else {
        Err(format!("{}:\n{}", dir.display(), diff(&expected, &actual)))
    }
}

#[test]
fn architecture_of_the_showcase_and_the_monorepo_matches_their_expectations() {
    let failures: Vec<String> = ["showcase", "monorepo"]
        .iter()
        .filter_map(|name| check_architecture(&fixtures_dir().join(name)).err())
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn monorepo_inventory_matches_its_expectation() {
    let dir = fixtures_dir().join("monorepo");
    if let Err(e) = check(&dir) {
        panic!("{e}");
    }
}

/// Each route's and event handler's services, tables, notifications, integrations and personal
/// data, and the notifications, integrations and personal-data columns of the whole backend.
#[test]
fn every_chain_expectation_matches() {
    let root = fixtures_dir();
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(root.join("patterns"))
        .expect("fixtures/patterns exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .chain([root.join("showcase")])
        .filter(|p| p.join("chain.txt").exists())
        .collect();
    dirs.sort();
    assert!(
        dirs.len() >= 4,
        "expected the showcase and the chain pattern fixtures, found {}",
        dirs.len()
    );
    let failures: Vec<String> = dirs
        .iter()
        .filter_map(|d| compare(d, "chain.txt", render_chain).err())
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
