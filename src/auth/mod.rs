//! Accounts and the database key.
//!
//! The database is encrypted (SQLCipher) with a random 256-bit key. Each staff account has
//! an X25519 key pair in a small file beside the database (`<db>.comptes`): its private key
//! wrapped with a key derived from its password (Argon2id, then ChaCha20-Poly1305), the
//! database key sealed to its public key (libsodium sealed box). Adding an account needs
//! someone who can already unlock (an admin); removing one or changing a password rotates
//! the database key (re-encrypting the base) so that no earlier copy of the file opens it.
//! Rights are read from the file each time and count only for slots tagged under the
//! current database key (see [`Keyring::verified_account`]).

mod keyring;
pub mod password;
pub mod strength;

pub use keyring::*;
