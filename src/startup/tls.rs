//! Saying plainly why a TLS connection to PostgreSQL was refused: the TLS
//! library's words ("UnknownIssuer") do not tell an operator which setting
//! to fix.
use sea_orm::{DbErr, RuntimeErr};

/// `err` with what it means added, when it is a TLS failure.
pub fn explain(err: DbErr) -> DbErr {
    let text = err.to_string();
    let why = if text.contains("UnknownIssuer") {
        "wrong CA: the database's certificate is not signed by the CA in `sslrootcert` \
         (without `sslrootcert`, by a CA this system trusts)"
    } else if text.contains("not valid for name") {
        "wrong host name: the database's certificate does not name the host in the URL \
         (`sslmode=verify-full` checks it; `verify-ca` does not)"
    } else if text.contains("server does not support TLS") {
        "no TLS: the database accepts only plain-text connections, and `sslmode` requires TLS"
    } else if text.contains("invalid peer certificate") {
        "the database's certificate was refused"
    } else {
        return err;
    };
    DbErr::Conn(RuntimeErr::Internal(format!(
        "TLS to the database failed, {why} ({text})"
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(text: &str) -> String {
        explain(DbErr::Conn(RuntimeErr::Internal(text.into()))).to_string()
    }

    #[test]
    fn each_tls_refusal_says_which_setting_is_wrong() {
        let ca =
            refused("error communicating with database: invalid peer certificate: UnknownIssuer");
        assert!(ca.contains("wrong CA"), "{ca}");
        let name = refused(
            "invalid peer certificate: certificate not valid for name \"127.0.0.1\"; \
             certificate is only valid for DnsName(\"localhost\")",
        );
        assert!(
            name.contains("wrong host name") && name.contains("127.0.0.1"),
            "{name}"
        );
        let plain = refused(
            "error occurred while attempting to establish a TLS connection: server does not support TLS",
        );
        assert!(plain.contains("no TLS"), "{plain}");
        let other = refused("password authentication failed");
        assert!(!other.contains("TLS"), "{other}");
    }
}
