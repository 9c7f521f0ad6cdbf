//! The language server: the protocol front-end over the features, on `tower-lsp-server`. Only
//! this module knows that crate; positions are converted in [`convert`], state lives in
//! [`state`], and [`server`] answers the protocol.

pub mod convert;
mod server;
mod state;
#[cfg(test)]
mod tests;

use std::process::ExitCode;

use tower_lsp_server::{ClientSocket, LspService, Server};

pub use server::{Backend, SHOW_HANDLER};

/// The custom request that returns the CLI's inventory JSON.
pub const INVENTORY_REQUEST: &str = "backendBrain/inventory";
/// The custom request `{ url, method?, uri? }` that returns the routes serving a URL, best
/// first, each with the locations of its registration and its handler.
pub const FIND_ROUTE_REQUEST: &str = "backendBrain/findRoute";

/// The service and the socket for server-to-client messages, to serve over any transport.
pub fn service() -> (LspService<Backend>, ClientSocket) {
    LspService::build(Backend::new)
        .custom_method(INVENTORY_REQUEST, Backend::inventory)
        .custom_method(FIND_ROUTE_REQUEST, Backend::find_route)
        .finish()
}

/// Serves the protocol over stdin and stdout until the client exits.
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
    runtime.block_on(async {
        let (service, socket) = service();
        Server::new(tokio::io::stdin(), tokio::io::stdout(), socket)
            .serve(service)
            .await;
    });
    ExitCode::SUCCESS
}
