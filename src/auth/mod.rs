//! Passwords (bcrypt, off the async workers), access tokens (JWT HS256) and
//! the bearer security scheme that turns a request into a `Caller`.
mod password;
mod scheme;
mod token;

pub use password::{PasswordHasher, PasswordTurn};
pub use scheme::{BearerAuth, Caller, Reader};
pub use token::{Claims, IssuedToken, TokenService};
