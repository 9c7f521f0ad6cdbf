//! Positions at the protocol's edge: byte offsets inside, LSP lines and columns outside, always
//! through the rope (LSP counts `\r\n`, `\n` and a lone `\r` as line breaks; tree-sitter rows do
//! not agree, so they are never used for this).

use ropey::Rope;
use tower_lsp_server::ls_types::{Position, Range};

/// The negotiated `positionEncoding`: what a column counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Encoding {
    Utf8,
    #[default]
    Utf16,
}

/// The byte offset of a position, or `None` when its line is past the end. A column past the
/// end of its line means the end of the line, as the protocol says.
pub fn offset(rope: &Rope, pos: Position, enc: Encoding) -> Option<usize> {
    let line = pos.line as usize;
    if line >= rope.len_lines() {
        return None;
    }
    let line_start_char = rope.line_to_char(line);
    let line_end_char = line_start_char + content_chars(rope, line);
    let char_idx = match enc {
        Encoding::Utf8 => {
            let line_start = rope.char_to_byte(line_start_char);
            let line_end = rope.char_to_byte(line_end_char);
            let byte = (line_start + pos.character as usize).min(line_end);
            // A column inside a multi-byte character lands on its start.
            rope.byte_to_char(byte)
        }
        Encoding::Utf16 => {
            let base = rope.char_to_utf16_cu(line_start_char);
            let end = rope.char_to_utf16_cu(line_end_char);
            rope.utf16_cu_to_char((base + pos.character as usize).min(end))
        }
    };
    Some(rope.char_to_byte(char_idx))
}

/// The position of a byte offset (clamped to the text, and to a character boundary).
pub fn position(rope: &Rope, byte: usize, enc: Encoding) -> Position {
    let byte = byte.min(rope.len_bytes());
    let char_idx = rope.byte_to_char(byte);
    let line = rope.char_to_line(char_idx);
    let line_start_char = rope.line_to_char(line);
    let character = match enc {
        Encoding::Utf8 => rope.char_to_byte(char_idx) - rope.char_to_byte(line_start_char),
        Encoding::Utf16 => rope.char_to_utf16_cu(char_idx) - rope.char_to_utf16_cu(line_start_char),
    };
    Position::new(line as u32, character as u32)
}

pub fn range(rope: &Rope, start: usize, end: usize, enc: Encoding) -> Range {
    Range::new(position(rope, start, enc), position(rope, end, enc))
}

/// The characters of a line without its line break.
fn content_chars(rope: &Rope, line: usize) -> usize {
    let slice = rope.line(line);
    let mut n = slice.len_chars();
    if n > 0 && slice.char(n - 1) == '\n' {
        n -= 1;
    }
    if n > 0 && slice.char(n - 1) == '\r' {
        n -= 1;
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_through_crlf_lone_cr_and_multibyte_text() {
        let text = "a€b\r\nc\rd😀e\nf";
        let rope = Rope::from_str(text);
        for enc in [Encoding::Utf8, Encoding::Utf16] {
            // Between `\r` and `\n` is no position of its own.
            for (byte, _) in text
                .char_indices()
                .filter(|(i, _)| !text[..*i].ends_with('\r'))
            {
                let pos = position(&rope, byte, enc);
                assert_eq!(
                    offset(&rope, pos, enc),
                    Some(byte),
                    "{enc:?} {byte} {pos:?}"
                );
            }
        }
        // `d` follows a lone `\r`: LSP line 2.
        let d = text.find('d').expect("d");
        assert_eq!(position(&rope, d, Encoding::Utf16), Position::new(2, 0));
        let e = text.find('e').expect("e");
        assert_eq!(position(&rope, e, Encoding::Utf16), Position::new(2, 3));
        assert_eq!(position(&rope, e, Encoding::Utf8), Position::new(2, 5));
    }

    #[test]
    fn clamps_columns_and_refuses_lines_past_the_end() {
        let rope = Rope::from_str("ab\r\ncd\n");
        assert_eq!(
            offset(&rope, Position::new(0, 99), Encoding::Utf16),
            Some(2)
        );
        assert_eq!(offset(&rope, Position::new(2, 0), Encoding::Utf16), Some(7));
        assert_eq!(offset(&rope, Position::new(3, 0), Encoding::Utf16), None);
        assert_eq!(offset(&rope, Position::new(9, 0), Encoding::Utf8), None);
    }
}
