//! Parsing: which grammar a file takes, and one reusable parser per thread and grammar.

use std::cell::RefCell;
use std::path::Path;

use tree_sitter::{Parser, Tree};

/// The grammar a source file is parsed with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Grammar {
    /// `.ts`, `.mts`, `.cts`.
    TypeScript,
    /// `.tsx`, and plain JavaScript (`.js`, `.mjs`, `.cjs`, `.jsx`), which the TSX grammar reads.
    Tsx,
}

impl Grammar {
    /// The grammar for a path, or `None` when the file is not a source file this tool reads.
    pub fn for_path(path: &Path) -> Option<Grammar> {
        let name = path.file_name()?.to_str()?;
        if name.ends_with(".d.ts") || name.ends_with(".d.mts") || name.ends_with(".d.cts") {
            return None;
        }
        match path.extension()?.to_str()? {
            "ts" | "mts" | "cts" => Some(Grammar::TypeScript),
            "tsx" | "js" | "mjs" | "cjs" | "jsx" => Some(Grammar::Tsx),
            _ => None,
        }
    }

    fn language(self) -> tree_sitter::Language {
        match self {
            Grammar::TypeScript => tree_sitter_typescript::LANGUAGE_TYPESCRIPT.into(),
            Grammar::Tsx => tree_sitter_typescript::LANGUAGE_TSX.into(),
        }
    }
}

thread_local! {
    static PARSERS: RefCell<[Option<Parser>; 2]> = const { RefCell::new([None, None]) };
}

/// Parses `text`, reusing `old` (already edited to match) for an incremental reparse.
/// Returns `None` only if the grammar cannot be loaded, which the tests rule out.
pub fn parse(grammar: Grammar, text: &str, old: Option<&Tree>) -> Option<Tree> {
    PARSERS.with(|cell| {
        let mut parsers = cell.borrow_mut();
        let slot = &mut parsers[grammar as usize];
        if slot.is_none() {
            let mut parser = Parser::new();
            parser.set_language(&grammar.language()).ok()?;
            *slot = Some(parser);
        }
        slot.as_mut()?.parse(text, old)
    })
}
