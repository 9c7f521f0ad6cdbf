//! Following an edit without resolving must give exactly the inventory a fresh resolution gives:
//! random keystrokes across the showcase's source files, each compared field by field (spans,
//! docs and every position included) with a full resolution of the edited workspace.

use std::path::Path;
use std::sync::Arc;

use backend_brain::workspace::{extract_text, Workspace};

struct Random(u64);

impl Random {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n.max(1) as u64) as usize
    }
}

fn char_boundary(text: &str, mut at: usize) -> usize {
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

#[test]
fn followed_inventories_equal_fresh_resolutions() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/showcase");
    let (config, _) = Workspace::read_config(&root);
    let (mut workspace, _) = Workspace::load(&root, config).expect("showcase loads");
    let mut inventory = workspace.inventory();
    let mut texts: Vec<(String, String)> = inventory
        .files
        .iter()
        .filter(|rel| rel.ends_with(".ts"))
        .map(|rel| {
            let text = std::fs::read_to_string(root.join(rel)).expect("readable");
            (rel.clone(), text)
        })
        .collect();
    texts.sort();
    // Mostly what typing does between tokens and inside comments, docs and strings; a few
    // edits that change lines or names, which must not be followed.
    let typed = [" ", "x", "é", "/* note */", "\t", "😀", "\n", "a."];
    let mut random = Random(0x5eed_f011_0a5e);
    let (mut followed, mut resolved) = (0, 0);
    for _ in 0..150 {
        let pick = random.below(texts.len());
        let (rel, text) = &mut texts[pick];
        let start = char_boundary(text, random.below(text.len()));
        if random.below(4) == 0 {
            let end = char_boundary(text, (start + 1 + random.below(3)).min(text.len()));
            text.replace_range(start..end, "");
        } else {
            text.insert_str(start, typed[random.below(typed.len())]);
        }
        let facts = Arc::new(extract_text(rel, text).expect("parses"));
        let mut moved = inventory.clone();
        let ok = workspace.set_facts_following(rel, facts, &mut moved);
        let fresh = workspace.inventory();
        if ok {
            followed += 1;
            assert_eq!(
                format!("{moved:#?}"),
                format!("{fresh:#?}"),
                "following an edit of {rel} differs from resolving it; text now:\n{text}"
            );
        } else {
            resolved += 1;
        }
        inventory = fresh;
    }
    // Both paths were taken, so the comparison above has run.
    assert!(followed > 30, "followed {followed}, resolved {resolved}");
    assert!(resolved > 10, "followed {followed}, resolved {resolved}");
}
