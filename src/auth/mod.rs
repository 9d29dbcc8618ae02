//! Who is calling: access tokens (JWT HS256), the bearer security scheme
//! that yields the caller's id, and passwords (bcrypt, bounded, off the
//! async workers). No queries.
mod password;
mod scheme;
mod token;

pub use password::{PasswordHasher, PasswordTurn};
pub use scheme::BearerAuth;
pub use token::{Claims, IssuedToken, TokenService};
