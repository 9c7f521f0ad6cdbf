//! Per-file extraction and resolution of arbitrary bytes; seeded with the fixtures' TypeScript
//! (see fuzz/README.md), libFuzzer's mutations of it are broken real-looking code.
#![no_main]

use backend_brain::workspace::{extract_text, Config, Workspace};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let _ = extract_text("input.tsx", &text);
    let mut workspace = Workspace::new("/nowhere".into(), Config::default());
    if workspace.set_text("src/input.ts", &text).is_ok() {
        let _ = workspace.inventory().to_json();
    }
});
