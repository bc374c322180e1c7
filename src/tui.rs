//! Terminal entry point (interactive screen).
use crate::clock::Clock;
use crate::store::Store;
use std::path::Path;

pub fn run(path: &Path, clock: Clock) -> Result<(), Box<dyn std::error::Error>> {
    let store = Store::open(path, clock)?;
    println!(
        "Base ouverte : {} ({} dossiers)",
        path.display(),
        store.person_ids()?.len()
    );
    Ok(())
}
