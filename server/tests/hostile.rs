//! Hostile workspaces: each is indexed without hanging, panicking or overflowing the stack; the
//! hostile file yields at most one problem, and every other file is still indexed.

use std::path::Path;
use std::sync::mpsc;
use std::time::Duration;

use backend_brain::workspace::{self, Config, Problem, Workspace};

/// The file every hostile workspace also holds: its route must always be found.
const APP: &str = "import express from 'express';\nconst app = express();\napp.get('/ok', (req, res) => res.send('ok'));\n";

/// What an index of a hostile workspace came to.
struct Indexed {
    routes: Vec<String>,
    files: Vec<String>,
    problems: Vec<Problem>,
}

/// A temporary workspace with `src/app.ts`.
fn workspace() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    write(dir.path(), "src/app.ts", APP.as_bytes());
    dir
}

fn write(root: &Path, rel: &str, bytes: &[u8]) {
    let path = root.join(rel);
    std::fs::create_dir_all(path.parent().expect("a parent")).expect("folders");
    std::fs::write(path, bytes).expect("write");
}

/// Indexes and resolves on another thread; a hang fails the test instead of stalling it.
fn index_within(
    limit: Duration,
    work: impl FnOnce() -> (Workspace, Vec<Problem>) + Send + 'static,
) -> Indexed {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let (ws, problems) = work();
        let inventory = ws.inventory();
        let _ = tx.send(Indexed {
            routes: inventory.routes.iter().map(|r| r.path.clone()).collect(),
            files: inventory.files.clone(),
            problems,
        });
    });
    rx.recv_timeout(limit)
        .expect("indexing ended in time, without a panic")
}

fn index(root: &Path, config: Config) -> Indexed {
    let root = root.to_path_buf();
    index_within(Duration::from_secs(300), move || {
        Workspace::load(&root, config).expect("the root exists")
    })
}

/// The route of `src/app.ts` is found, and every problem is about `hostile`, one at most.
fn assert_contained(indexed: &Indexed, hostile: &str) {
    assert!(
        indexed.routes.iter().any(|r| r == "/ok"),
        "the rest is indexed: {:?}",
        indexed.routes
    );
    assert!(
        indexed.problems.len() <= 1 && indexed.problems.iter().all(|p| p.path == hostile),
        "at most one message, about {hostile}: {:?}",
        indexed.problems
    );
}

/// One line of minified JavaScript, `size` bytes long.
fn minified(size: usize) -> String {
    let mut out = String::with_capacity(size + 200);
    let mut i = 0;
    while out.len() < size {
        out.push_str(&format!(
            "function a{i}(b,c){{return b.map(function(d){{return d+c*{i}}})}}var e{i}={{k:\"v{i}\",f:a{i},g:[1,2,{{h:a{i}(e{i},2)}}]}};"
        ));
        i += 1;
    }
    out
}

#[test]
fn a_ten_megabyte_minified_bundle() {
    let dir = workspace();
    let bundle = minified(10 * 1024 * 1024);
    // Named as a bundle, it is build output and skipped without a word.
    write(dir.path(), "src/vendor.min.js", bundle.as_bytes());
    let indexed = index(dir.path(), Config::default());
    assert_contained(&indexed, "src/vendor.min.js");
    assert!(indexed.problems.is_empty(), "{:?}", indexed.problems);
    std::fs::remove_file(dir.path().join("src/vendor.min.js")).expect("remove");

    // Named as source, it is over the default size limit: one message.
    write(dir.path(), "src/vendor.js", bundle.as_bytes());
    let indexed = index(dir.path(), Config::default());
    assert_contained(&indexed, "src/vendor.js");
    assert!(
        indexed.problems[0].message.contains("over the"),
        "{:?}",
        indexed.problems
    );

    // With the limit raised, it is parsed and read like any file.
    let mut config = Config::default();
    config.index.max_file_size = 16 * 1024 * 1024;
    let indexed = index(dir.path(), config);
    assert_contained(&indexed, "src/vendor.js");
    assert!(indexed.files.iter().any(|f| f == "src/vendor.js"));
}

#[test]
fn brackets_nested_a_hundred_thousand_deep() {
    let dir = workspace();
    let depth = 100_000;
    let nest = |open: &str, inner: &str, close: &str| {
        format!("{}{inner}{}", open.repeat(depth), close.repeat(depth))
    };
    let files = [
        (
            "src/arrays.ts",
            format!("export const a = {};\n", nest("[", "1", "]")),
        ),
        (
            "src/parens.ts",
            format!("export const p = {};\n", nest("(", "1", ")")),
        ),
        (
            "src/objects.ts",
            format!("export const o = {};\n", nest("{a:", "1", "}")),
        ),
        (
            "src/calls.ts",
            format!("export const c = {};\n", nest("f(", "1", ")")),
        ),
        ("src/blocks.ts", nest("{", "g();", "}")),
        ("src/ifs.ts", nest("if (x) {", "h();", "}")),
        (
            "src/arrows.ts",
            format!("export const f = {};\n", nest("() => ", "1", "")),
        ),
        (
            "src/patterns.ts",
            format!("const {} = v;\n", nest("[", "x", "]")),
        ),
        (
            "src/params.ts",
            format!("function k({}) {{}}\n", nest("{a:", "x", "}")),
        ),
        (
            "src/templates.ts",
            format!("export const t = {};\n", nest("`${", "1", "}`")),
        ),
        ("src/unclosed.ts", "(".repeat(depth)),
    ];
    for (rel, text) in &files {
        write(dir.path(), rel, text.as_bytes());
    }
    let indexed = index(dir.path(), Config::default());
    assert!(
        indexed.routes.iter().any(|r| r == "/ok"),
        "{:?}",
        indexed.routes
    );
    for (rel, _) in &files {
        assert!(indexed.files.iter().any(|f| f == rel), "{rel} is indexed");
        let about: Vec<&Problem> = indexed.problems.iter().filter(|p| p.path == *rel).collect();
        assert!(about.len() <= 1, "{about:?}");
    }
}

#[test]
fn a_binary_file_named_ts_and_invalid_utf8() {
    let dir = workspace();
    let binary: Vec<u8> = (0..65_536u32).map(|i| (i * 7919 % 251) as u8).collect();
    write(dir.path(), "src/blob.ts", &binary);
    let indexed = index(dir.path(), Config::default());
    assert_contained(&indexed, "src/blob.ts");
    assert!(
        indexed.problems[0].message.contains("binary"),
        "{:?}",
        indexed.problems
    );
    std::fs::remove_file(dir.path().join("src/blob.ts")).expect("remove");

    write(
        dir.path(),
        "src/latin1.ts",
        b"export const name = 'caf\xe9';\n",
    );
    let indexed = index(dir.path(), Config::default());
    assert_contained(&indexed, "src/latin1.ts");
    assert!(
        indexed.problems[0].message.contains("UTF-8"),
        "{:?}",
        indexed.problems
    );
}

#[cfg(unix)]
#[test]
fn symlink_loops_and_links_out_of_the_workspace_are_not_followed() {
    use std::os::unix::fs::symlink;
    let dir = workspace();
    let outside = tempfile::tempdir().expect("temp dir");
    write(
        outside.path(),
        "secret.ts",
        b"import express from 'express';\nexpress().get('/secret', (q, r) => r.end());\n",
    );
    let src = dir.path().join("src");
    symlink(&src, src.join("loop")).expect("a link to its own folder");
    symlink(src.join("b.ts"), src.join("a.ts")).expect("a -> b");
    symlink(src.join("a.ts"), src.join("b.ts")).expect("b -> a");
    symlink(outside.path().join("secret.ts"), src.join("secret.ts")).expect("a file link out");
    symlink(outside.path(), src.join("elsewhere")).expect("a folder link out");
    let indexed = index(dir.path(), Config::default());
    assert_contained(&indexed, "");
    assert!(indexed.problems.is_empty(), "{:?}", indexed.problems);
    assert_eq!(indexed.routes, vec!["/ok"]);
    assert_eq!(indexed.files, vec!["src/app.ts"]);
}

#[cfg(unix)]
#[test]
fn an_unreadable_file() {
    use std::os::unix::fs::PermissionsExt;
    let dir = workspace();
    let locked = dir.path().join("src/locked.ts");
    write(
        dir.path(),
        "src/locked.ts",
        b"import express from 'express';\nexpress().get('/locked', (q, r) => r.end());\n",
    );
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).expect("chmod 000");
    // As root, permissions do not stop a read: the file is then simply indexed.
    let readable = std::fs::read(&locked).is_ok();
    let indexed = index(dir.path(), Config::default());
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o644)).expect("chmod back");
    assert_contained(&indexed, "src/locked.ts");
    if readable {
        assert!(
            indexed.routes.iter().any(|r| r == "/locked"),
            "{:?}",
            indexed.routes
        );
        assert!(indexed.problems.is_empty(), "{:?}", indexed.problems);
    } else {
        assert!(!indexed.routes.iter().any(|r| r == "/locked"));
        assert_eq!(indexed.problems.len(), 1, "{:?}", indexed.problems);
    }
}

#[test]
fn a_file_deleted_between_walk_and_read() {
    let dir = workspace();
    write(dir.path(), "src/gone.ts", b"export const gone = 1;\n");
    write(dir.path(), "db/gone.sql", b"CREATE TABLE gone (id int);\n");
    let found = workspace::walk(dir.path(), &Config::default().index);
    assert!(found.sources.iter().any(|s| s == "src/gone.ts"));
    std::fs::remove_file(dir.path().join("src/gone.ts")).expect("remove");
    std::fs::remove_file(dir.path().join("db/gone.sql")).expect("remove");
    let root = dir.path().to_path_buf();
    let indexed = index_within(Duration::from_secs(60), move || {
        Workspace::load_found(&root, Config::default(), found, &|_, _| {})
    });
    assert!(
        indexed.routes.iter().any(|r| r == "/ok"),
        "{:?}",
        indexed.routes
    );
    let paths: Vec<&str> = indexed.problems.iter().map(|p| p.path.as_str()).collect();
    assert_eq!(
        paths,
        vec!["src/gone.ts", "db/gone.sql"],
        "{:?}",
        indexed.problems
    );
    assert_eq!(indexed.files, vec!["src/app.ts"]);
}

#[test]
fn fifty_thousand_files_in_one_folder() {
    let dir = workspace();
    let many = dir.path().join("src/many");
    std::fs::create_dir_all(&many).expect("folder");
    for i in 0..50_000 {
        std::fs::write(
            many.join(format!("f{i}.ts")),
            format!("export const v{i} = {i};\n"),
        )
        .expect("write");
    }
    let indexed = index(dir.path(), Config::default());
    assert_contained(&indexed, "");
    assert!(
        indexed.problems.is_empty(),
        "{:?}",
        &indexed.problems[..5.min(indexed.problems.len())]
    );
    assert_eq!(indexed.files.len(), 50_001);
}
