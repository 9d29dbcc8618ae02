//! Who is asking: the client address that rate limits count against.
//!
//! It is the connection's peer, unless that peer is a proxy listed in
//! `TRUSTED_PROXIES`: then it is the `X-Forwarded-For` entry that proxy
//! appended (the rightmost one), and so on down a chain of trusted proxies.
//! Entries left of the first untrusted hop were written by a client and are
//! never believed.
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::str::FromStr;
use std::sync::Arc;

use ipnet::IpNet;
use poem::Request;

#[derive(Clone, Default)]
pub struct TrustedProxies(Arc<[IpNet]>);

impl TrustedProxies {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn trusts(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        self.0.iter().any(|net| net.contains(&ip))
    }

    /// The address a request's rate limits are counted against.
    pub fn client_of(&self, req: &Request) -> IpAddr {
        let peer = req.remote_addr().as_socket_addr().map(SocketAddr::ip);
        let forwarded = req
            .headers()
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|value| value.to_str().ok());
        // Without a TCP peer (never the case for this server) every such
        // request shares one bucket rather than escaping the limit.
        self.client(peer.unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED)), forwarded)
    }

    fn client<'a>(&self, peer: IpAddr, forwarded: impl Iterator<Item = &'a str>) -> IpAddr {
        let mut client = peer.to_canonical();
        let hops: Vec<&str> = forwarded.flat_map(|line| line.split(',')).collect();
        for hop in hops.into_iter().rev() {
            if !self.trusts(client) {
                break;
            }
            match parse_hop(hop.trim()) {
                Some(ip) => client = ip.to_canonical(),
                // A garbled entry: the last trusted hop is all we know.
                None => break,
            }
        }
        client
    }
}

/// An `X-Forwarded-For` entry: an address, possibly with a port.
fn parse_hop(hop: &str) -> Option<IpAddr> {
    hop.parse::<IpAddr>()
        .or_else(|_| hop.parse::<SocketAddr>().map(|s| s.ip()))
        .ok()
}

impl FromStr for TrustedProxies {
    type Err = String;

    /// A comma-separated list of addresses and CIDR networks.
    fn from_str(list: &str) -> Result<Self, Self::Err> {
        list.split(',')
            .map(str::trim)
            .filter(|item| !item.is_empty())
            .map(|item| {
                item.parse::<IpNet>()
                    .or_else(|_| item.parse::<IpAddr>().map(IpNet::from))
                    .map_err(|_| format!("{item:?} is not an IP address or CIDR network"))
            })
            .collect::<Result<Vec<_>, _>>()
            .map(|nets| Self(nets.into()))
    }
}

impl fmt::Debug for TrustedProxies {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.0.iter().map(ToString::to_string))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client(proxies: &str, peer: &str, forwarded: &[&str]) -> String {
        let proxies: TrustedProxies = proxies.parse().unwrap();
        proxies
            .client(peer.parse().unwrap(), forwarded.iter().copied())
            .to_string()
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_claims() {
        assert_eq!(client("", "203.0.113.9", &["1.2.3.4"]), "203.0.113.9");
        assert_eq!(
            client("10.0.0.1", "203.0.113.9", &["1.2.3.4"]),
            "203.0.113.9"
        );
    }

    #[test]
    fn a_trusted_proxy_names_the_client_it_saw() {
        // The client forged the first entry; the proxy appended the second.
        let forwarded = ["6.6.6.6, 198.51.100.7"];
        assert_eq!(client("10.0.0.0/8", "10.0.0.1", &forwarded), "198.51.100.7");
    }

    #[test]
    fn a_chain_of_trusted_proxies_is_walked_right_to_left() {
        let forwarded = ["6.6.6.6", "198.51.100.7, 10.0.0.2"];
        assert_eq!(client("10.0.0.0/8", "10.0.0.1", &forwarded), "198.51.100.7");
    }

    #[test]
    fn a_trusted_proxy_without_the_header_is_the_client() {
        assert_eq!(client("10.0.0.1", "10.0.0.1", &[]), "10.0.0.1");
        assert_eq!(client("10.0.0.1", "10.0.0.1", &["garbage"]), "10.0.0.1");
    }

    #[test]
    fn mapped_ipv4_addresses_match_ipv4_networks() {
        assert_eq!(
            client("127.0.0.1", "::ffff:127.0.0.1", &["[2001:db8::1]:443"]),
            "2001:db8::1"
        );
    }
}
