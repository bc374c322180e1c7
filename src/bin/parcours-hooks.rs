//! `parcours-hooks`: the `parcours` command line plus the test hooks (`PARCOURS_NOW`, a fixed
//! clock; `PARCOURS_EXIT_AFTER_FIRST_FRAME`). Built only with the `test-hooks` feature, which
//! only the tests and benchmarks turn on (a dev-dependency of the package on itself): neither
//! `cargo build --release` nor `cargo install` makes it, and the shipped `parcours` never
//! reads these variables (`tests/release_hooks.rs` proves it on the real binary).

// The shipped binary's source, as a module: its `main` is unused here.
#[allow(dead_code)]
#[path = "../main.rs"]
mod cli;

fn main() -> std::process::ExitCode {
    cli::start(parcours::clock::TestHooks::from_env())
}
