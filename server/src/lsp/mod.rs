//! The language server: the protocol front-end over the features, on `tower-lsp-server`. Only
//! this module knows that crate; positions are converted in [`convert`], state lives in
//! [`state`], and [`server`] answers the protocol.

pub mod convert;
mod server;
mod state;
#[cfg(test)]
mod tests;
mod transport;

use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use tower_lsp_server::{ClientSocket, LspService};

pub use server::{Backend, SHOW_HANDLER};

/// The custom request that returns the CLI's inventory JSON.
pub const INVENTORY_REQUEST: &str = "backendBrain/inventory";
/// The custom request `{ url, method?, uri? }` that returns the routes serving a URL, best
/// first, each with the locations of its registration and its handler.
pub const FIND_ROUTE_REQUEST: &str = "backendBrain/findRoute";

/// The service and the socket for server-to-client messages, to serve over any transport.
pub fn service() -> (LspService<Backend>, ClientSocket) {
    service_noting_shutdown(Arc::default())
}

/// [`service`], setting `shut_down` when the client sends `shutdown`.
fn service_noting_shutdown(shut_down: Arc<AtomicBool>) -> (LspService<Backend>, ClientSocket) {
    LspService::build(move |client| Backend::new(client, shut_down))
        .custom_method(INVENTORY_REQUEST, Backend::inventory)
        .custom_method(FIND_ROUTE_REQUEST, Backend::find_route)
        .finish()
}

/// Serves the protocol over any transport, answering malformed messages instead of ending the
/// session on them (see [`transport`]).
pub async fn serve<I, O>(input: I, output: O, service: LspService<Backend>, socket: ClientSocket)
where
    I: tokio::io::AsyncRead + Unpin + Send + 'static,
    O: tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    transport::serve(input, output, service, socket).await
}

/// Serves the protocol over stdin and stdout until the client exits: 0 when it asked for a
/// `shutdown` first, 1 when it did not (as the protocol specifies for `exit`).
pub fn run_stdio() -> ExitCode {
    // Deeply nested code recurses deeply while parsing and extracting; give threads room.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_stack_size(64 * 1024 * 1024)
        .build();
    let runtime = match runtime {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("backend-brain: cannot start the async runtime: {e}");
            return ExitCode::from(2);
        }
    };
    let shut_down = Arc::new(AtomicBool::new(false));
    let (service, socket) = service_noting_shutdown(shut_down.clone());
    runtime.block_on(serve(
        tokio::io::stdin(),
        tokio::io::stdout(),
        service,
        socket,
    ));
    // A read of stdin may still be waiting on a blocking thread; do not wait for it.
    runtime.shutdown_background();
    if shut_down.load(Ordering::SeqCst) {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
