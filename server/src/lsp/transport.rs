//! The message framing in front of `tower-lsp-server`, which stops reading at the first message it
//! cannot decode (bad JSON, a body cut short or run long by a wrong `Content-Length`) and so ends
//! the session. Here each frame from the client is checked first: a malformed one is answered
//! with a JSON-RPC error (`-32700` parse error, or `-32600` invalid request with its id), junk
//! between frames is skipped, and only well-formed messages reach the server. A `$/` request
//! (every `$/` method of the protocol is a notification) is answered `-32601` method not found
//! here, as the protocol asks: the server would drop it unanswered.

use serde_json::{json, Value};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::sync::mpsc;
use tower_lsp_server::jsonrpc::{Request, Response};
use tower_lsp_server::{ClientSocket, LspService, Server};

use super::Backend;

/// The longest header section read before the bytes are taken for junk.
const MAX_HEADER: usize = 8 * 1024;
/// The largest body accepted; a larger `Content-Length` is a framing error, not an allocation.
const MAX_BODY: usize = 256 * 1024 * 1024;
const HEADER_END: &[u8] = b"\r\n\r\n";
const CONTENT_LENGTH: &[u8] = b"Content-Length";

/// Serves `service` over `input` and `output` until the server ends (after `exit`) or the input
/// does.
pub async fn serve<I, O>(input: I, output: O, service: LspService<Backend>, socket: ClientSocket)
where
    I: AsyncRead + Unpin + Send + 'static,
    O: AsyncWrite + Unpin + Send + 'static,
{
    let (to_server, server_in) = tokio::io::duplex(1 << 16);
    let (server_out, from_server) = tokio::io::duplex(1 << 16);
    let (frames, mut outgoing) = mpsc::unbounded_channel::<Vec<u8>>();
    let server = tokio::spawn(Server::new(server_in, server_out, socket).serve(service));
    let writer = tokio::spawn(async move {
        let mut output = output;
        while let Some(frame) = outgoing.recv().await {
            if output.write_all(&frame).await.is_err() || output.flush().await.is_err() {
                return;
            }
        }
    });
    let replies = frames.clone();
    let forward_out = tokio::spawn(async move {
        let mut reader = FrameReader::new(from_server);
        while let Some(next) = reader.next().await {
            if let Ok(body) = next {
                if replies.send(framed(&body)).is_err() {
                    return;
                }
            }
        }
    });
    let forward_in = tokio::spawn(forward_input(input, to_server, frames));
    let _ = server.await;
    // The server is done: what the client still sends goes nowhere.
    forward_in.abort();
    let _ = forward_in.await;
    let _ = forward_out.await;
    let _ = writer.await;
}

/// Passes well-formed messages from the client to the server and answers the others.
async fn forward_input<I, W>(input: I, mut server: W, replies: mpsc::UnboundedSender<Vec<u8>>)
where
    I: AsyncRead + Unpin,
    W: AsyncWrite + Unpin,
{
    let mut reader = FrameReader::new(input);
    while let Some(next) = reader.next().await {
        let Ok(body) = next else {
            continue;
        };
        match check(&body) {
            Ok(()) => {
                if server.write_all(&framed(&body)).await.is_err() {
                    return;
                }
            }
            Err(error) => {
                if replies.send(framed(error.to_string().as_bytes())).is_err() {
                    return;
                }
            }
        }
    }
}

/// Whether a body is a message the server can decode; the error response to send if not.
fn check(body: &[u8]) -> Result<(), Value> {
    let parse_error = || json!({"jsonrpc": "2.0", "error": {"code": -32700, "message": "Parse error"}, "id": null});
    let text = std::str::from_utf8(body).map_err(|_| parse_error())?;
    let value: Value = serde_json::from_str(text).map_err(|_| parse_error())?;
    let id = match value.get("id") {
        Some(id @ (Value::Number(_) | Value::String(_))) => id.clone(),
        _ => Value::Null,
    };
    if serde_json::from_value::<Response>(value.clone()).is_ok() {
        return Ok(());
    }
    if let Ok(request) = serde_json::from_value::<Request>(value) {
        if request.id().is_some() && request.method().starts_with("$/") {
            return Err(json!({
                "jsonrpc": "2.0",
                "error": {"code": -32601, "message": format!("Method not found: {}", request.method())},
                "id": id,
            }));
        }
        return Ok(());
    }
    Err(json!({
        "jsonrpc": "2.0",
        "error": {"code": -32600, "message": "Invalid request"},
        "id": id,
    }))
}

fn framed(body: &[u8]) -> Vec<u8> {
    let mut out = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
    out.extend_from_slice(body);
    out
}

/// Reads `Content-Length` frames from a byte stream.
struct FrameReader<R> {
    reader: R,
    buffer: Vec<u8>,
    eof: bool,
}

impl<R: AsyncRead + Unpin> FrameReader<R> {
    fn new(reader: R) -> Self {
        FrameReader {
            reader,
            buffer: Vec::new(),
            eof: false,
        }
    }

    /// The next frame's body, `Err(())` for junk that was skipped, `None` at the end of input.
    async fn next(&mut self) -> Option<Result<Vec<u8>, ()>> {
        loop {
            if let Some(end) = find(&self.buffer, HEADER_END) {
                let Some(length) = content_length(&self.buffer[..end]) else {
                    self.skip_junk();
                    return Some(Err(()));
                };
                let start = end + HEADER_END.len();
                while self.buffer.len() < start + length {
                    if !self.fill().await {
                        return None;
                    }
                }
                let body = self.buffer[start..start + length].to_vec();
                self.buffer.drain(..start + length);
                return Some(Ok(body));
            }
            if self.buffer.len() > MAX_HEADER {
                self.skip_junk();
                return Some(Err(()));
            }
            if !self.fill().await {
                return None;
            }
        }
    }

    /// Drops bytes up to the next `Content-Length` after the first byte, where a frame may start.
    fn skip_junk(&mut self) {
        let next = self
            .buffer
            .get(1..)
            .and_then(|rest| find(rest, CONTENT_LENGTH))
            .map(|i| i + 1);
        let keep_from = next.unwrap_or_else(|| {
            // A `Content-Length` may be arriving in pieces: keep the tail that could start one.
            let len = self.buffer.len();
            (1..CONTENT_LENGTH.len())
                .rev()
                .find(|n| len >= *n && self.buffer[len - n..] == CONTENT_LENGTH[..*n])
                .map_or(len, |n| len - n)
        });
        self.buffer.drain(..keep_from.max(1).min(self.buffer.len()));
    }

    /// Reads more input; `false` at its end.
    async fn fill(&mut self) -> bool {
        if self.eof {
            return false;
        }
        let mut chunk = [0u8; 64 * 1024];
        match self.reader.read(&mut chunk).await {
            Ok(0) | Err(_) => {
                self.eof = true;
                false
            }
            Ok(n) => {
                self.buffer.extend_from_slice(&chunk[..n]);
                true
            }
        }
    }
}

/// The `Content-Length` of a header section, when it has a sound one.
fn content_length(headers: &[u8]) -> Option<usize> {
    let text = std::str::from_utf8(headers).ok()?;
    let mut length = None;
    for line in text.split("\r\n") {
        let (name, value) = line.split_once(':')?;
        if name.trim().eq_ignore_ascii_case("content-length") {
            length = Some(value.trim().parse::<usize>().ok()?);
        }
    }
    length.filter(|n| *n <= MAX_BODY)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn frames(input: &[u8]) -> Vec<Result<Vec<u8>, ()>> {
        let mut reader = FrameReader::new(input);
        let mut out = Vec::new();
        while let Some(next) = reader.next().await {
            out.push(next);
        }
        out
    }

    #[tokio::test]
    async fn junk_between_frames_is_skipped_and_reading_goes_on() {
        let input = b"garbage\r\n\r\nContent-Length: 2\r\n\r\n{}xyzContent-Length: 3\r\n\r\n[1]";
        let read = frames(input).await;
        assert_eq!(
            read,
            vec![Err(()), Ok(b"{}".to_vec()), Err(()), Ok(b"[1]".to_vec())]
        );
    }

    #[tokio::test]
    async fn a_header_without_an_end_is_junk_past_the_limit() {
        let mut input = vec![b'a'; MAX_HEADER + 10];
        input.extend_from_slice(b"Content-Length: 2\r\n\r\n{}");
        let read = frames(&input).await;
        assert_eq!(read.last(), Some(&Ok(b"{}".to_vec())));
        assert!(read[..read.len() - 1].iter().all(|r| r.is_err()));
    }

    #[tokio::test]
    async fn an_absurd_length_is_refused_without_allocating_it() {
        let read = frames(b"Content-Length: 99999999999\r\n\r\n{}").await;
        assert_eq!(read, vec![Err(())]);
    }

    #[test]
    fn bodies_are_checked_as_the_server_would_decode_them() {
        assert!(check(br#"{"jsonrpc":"2.0","id":1,"method":"x"}"#).is_ok());
        assert!(check(br#"{"jsonrpc":"2.0","id":1,"result":null}"#).is_ok());
        assert_eq!(
            check(b"{not json").expect_err("bad JSON")["error"]["code"],
            -32700
        );
        assert_eq!(
            check(b"\xff\xfe").expect_err("not UTF-8")["error"]["code"],
            -32700
        );
        let invalid = check(br#"{"jsonrpc":"1.0","id":7,"method":"x"}"#).expect_err("not 2.0");
        assert_eq!(invalid["error"]["code"], -32600);
        assert_eq!(invalid["id"], 7);
        let dollar =
            check(br#"{"jsonrpc":"2.0","id":"a","method":"$/x"}"#).expect_err("$/ request");
        assert_eq!(
            (&dollar["error"]["code"], &dollar["id"]),
            (&json!(-32601), &json!("a"))
        );
        assert!(check(br#"{"jsonrpc":"2.0","method":"$/x"}"#).is_ok());
    }
}
