//! Who is calling: access tokens (JWT HS256), the bearer security scheme
//! that yields the caller's id, and passwords (bcrypt, bounded, off the
//! async workers). No queries.
mod jwt_crypto;
mod password;
mod scheme;
mod ticket;
mod token;

pub use jwt_crypto::install as install_jwt_crypto;
pub use password::PasswordHasher;
pub use scheme::BearerAuth;
pub use ticket::{StreamAuth, StreamTicket};
pub use token::{Claims, Credential, IssuedToken, TokenService};
