//! Accounts and the database key.
//!
//! The database is encrypted (SQLCipher) with a random 256-bit key. Each staff account holds
//! that key wrapped with a key derived from its password (Argon2id, then ChaCha20-Poly1305),
//! in a small file beside the database (`<db>.comptes`), like LUKS key slots: adding an
//! account needs someone who can already unlock (an admin); removing one deletes its slot
//! without re-encrypting the database.

mod keyring;
pub mod password;

pub use keyring::*;
