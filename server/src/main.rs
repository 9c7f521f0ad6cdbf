//! The `backend-brain` binary.

fn main() -> std::process::ExitCode {
    backend_brain::cli::run()
}
