package delivery

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// BlockedError is the error of a connection feedwire refused to open because its
// address is loopback, private, link-local or otherwise not on the public internet.
// Its message does not name the address: the API shows it to whoever registered the
// URL, and what a name resolves to inside the network is what a probe would want to
// learn. Addr is for the server's own logs.
type BlockedError struct {
	Addr netip.Addr
}

// blockedMessage is the whole of what the API says about a blocked connection.
const blockedMessage = "the address is not public; feedwire delivers to private networks only when serve runs with --allow-private-networks"

func (e *BlockedError) Error() string { return blockedMessage }

// MaxResponseHeaderBytes bounds the status line and headers of an answer. A receiver
// that sends more gets a failed attempt, and feedwire reads no further.
const MaxResponseHeaderBytes = 64 << 10

// ClientOption tunes NewClient.
type ClientOption func(*clientOptions)

type clientOptions struct {
	resolver *net.Resolver
	// beforeConnect, when set, runs after the address check and before each connect;
	// an error stops the connect. Tests use it to see what would be dialled without
	// reaching a public address.
	beforeConnect func(address string) error
}

// WithResolver makes the client resolve host names with r instead of the system's
// resolver.
func WithResolver(r *net.Resolver) ClientOption {
	return func(o *clientOptions) { o.resolver = r }
}

// NewClient returns the HTTP client that makes every outbound request: deliveries and
// harvestr challenges. It never follows redirects, ignores proxy settings, reads at most
// MaxResponseHeaderBytes of an answer's head, and unless allowPrivate it refuses to
// connect to non-public addresses. The check runs on the address actually dialled,
// after DNS, so a name that resolves (or is rebound) to a private address is refused
// too.
func NewClient(allowPrivate bool, maxConnsPerHost int, opts ...ClientOption) *http.Client {
	var o clientOptions
	for _, opt := range opts {
		opt(&o)
	}
	dialer := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second, Resolver: o.resolver}
	dialer.Control = func(network, address string, _ syscall.RawConn) error {
		if !allowPrivate {
			if err := refusePrivate(network, address, nil); err != nil {
				return err
			}
		}
		if o.beforeConnect != nil {
			return o.beforeConnect(address)
		}
		return nil
	}
	transport := &http.Transport{
		Proxy: nil, // a proxy would dial for us, past the address check
		DialContext: func(ctx context.Context, network, address string) (net.Conn, error) {
			return dialer.DialContext(ctx, network, legacyIPv4Host(address))
		},
		ForceAttemptHTTP2:      true,
		MaxIdleConns:           4 * maxConnsPerHost,
		MaxIdleConnsPerHost:    maxConnsPerHost,
		IdleConnTimeout:        90 * time.Second,
		TLSHandshakeTimeout:    10 * time.Second,
		ExpectContinueTimeout:  time.Second,
		DisableCompression:     true,
		MaxResponseHeaderBytes: MaxResponseHeaderBytes, // also bounds HTTP/2 header lists
	}
	return &http.Client{
		Transport: transport,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse // a redirect is the answer, and a failure
		},
	}
}

// refusePrivate is a net.Dialer Control function: it runs after name resolution, just
// before each connect.
func refusePrivate(network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("check %s: %w", address, err)
	}
	if !IsPublic(ap.Addr()) {
		return &BlockedError{Addr: ap.Addr()}
	}
	return nil
}

// legacyIPv4Host rewrites a host:port whose host is an IPv4 address in one of the
// spellings inet_aton and browsers accept (127.1, 0x7f.0.0.1, 2130706433,
// 017700000001) to the dotted quad it means, and returns any other address unchanged.
// Go's resolver takes such a host for a name that does not exist, and the system's
// resolver for the address: either way the answer would not be the one the URL's
// reader sees. Dialling the address it means lets the address check judge it.
func legacyIPv4Host(address string) string {
	host, port, err := net.SplitHostPort(address)
	if err != nil {
		return address
	}
	if ip, ok := parseLegacyIPv4(host); ok {
		return net.JoinHostPort(ip.String(), port)
	}
	return address
}

// parseLegacyIPv4 parses an IPv4 address as the WHATWG URL standard does: one to four
// parts, each decimal, octal (a leading 0) or hex (0x), the last filling the bytes
// the others leave, with one trailing dot allowed.
func parseLegacyIPv4(host string) (netip.Addr, bool) {
	parts := strings.Split(strings.TrimSuffix(host, "."), ".")
	if len(parts) > 4 {
		return netip.Addr{}, false
	}
	var v uint64
	for i, p := range parts {
		n, ok := parseIPv4Part(p)
		last := i == len(parts)-1
		switch {
		case !ok:
			return netip.Addr{}, false
		case !last && n > 255:
			return netip.Addr{}, false
		case last && n >= 1<<(8*(5-len(parts))):
			return netip.Addr{}, false
		case last:
			v |= n
		default:
			v |= n << (8 * (3 - i))
		}
	}
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}), true
}

// parseIPv4Part parses one part of a legacy IPv4 address, at most 32 bits.
func parseIPv4Part(p string) (uint64, bool) {
	base := 10
	switch {
	case p == "":
		return 0, false
	case len(p) >= 2 && (p[:2] == "0x" || p[:2] == "0X"):
		base, p = 16, p[2:]
		if p == "" {
			return 0, true // "0x" is zero
		}
	case len(p) >= 2 && p[0] == '0':
		base, p = 8, p[1:]
	}
	n, err := strconv.ParseUint(p, base, 32)
	return n, err == nil
}

// nonPublic lists the ranges that are not on the public internet, beyond what the
// netip.Addr methods cover (loopback, private, link-local, multicast, unspecified).
var nonPublic = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),       // "this network"
	netip.MustParsePrefix("100.64.0.0/10"),   // carrier-grade NAT (and Alibaba's metadata service)
	netip.MustParsePrefix("192.0.0.0/24"),    // IETF protocol assignments
	netip.MustParsePrefix("192.0.2.0/24"),    // documentation
	netip.MustParsePrefix("192.88.99.0/24"),  // 6to4 relay anycast
	netip.MustParsePrefix("198.18.0.0/15"),   // benchmarking
	netip.MustParsePrefix("198.51.100.0/24"), // documentation
	netip.MustParsePrefix("203.0.113.0/24"),  // documentation
	netip.MustParsePrefix("240.0.0.0/4"),     // reserved, and broadcast
	netip.MustParsePrefix("64:ff9b:1::/48"),  // local-use NAT64
	netip.MustParsePrefix("100::/64"),        // discard
	netip.MustParsePrefix("100:0:0:1::/64"),  // dummy prefix (RFC 9780)
	netip.MustParsePrefix("2001::/23"),       // IETF protocol assignments, Teredo among them
	netip.MustParsePrefix("2001:db8::/32"),   // documentation
	netip.MustParsePrefix("3fff::/20"),       // documentation (RFC 9637)
	netip.MustParsePrefix("5f00::/16"),       // segment routing SIDs (RFC 9602)
	netip.MustParsePrefix("fec0::/10"),       // site-local, deprecated
	netip.MustParsePrefix("fc00::/7"),        // unique local (and AWS's fd00:ec2::254)
}

// IsPublic reports whether ip is an address on the public internet. IPv6 addresses that
// embed an IPv4 address (IPv4-mapped, IPv4-translated, IPv4-compatible, NAT64, 6to4)
// are judged by it. A zone is ignored: it says which interface, not which address.
func IsPublic(ip netip.Addr) bool {
	ip = ip.WithZone("").Unmap()
	if v4, ok := embeddedIPv4(ip); ok {
		ip = v4
	}
	if ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() ||
		ip.IsInterfaceLocalMulticast() || ip.IsMulticast() || ip.IsUnspecified() || !ip.IsValid() {
		return false
	}
	for _, p := range nonPublic {
		if p.Contains(ip) {
			return false
		}
	}
	return true
}

var (
	nat64        = netip.MustParsePrefix("64:ff9b::/96")
	sixToFour    = netip.MustParsePrefix("2002::/16")
	v4compat     = netip.MustParsePrefix("::/96")
	v4translated = netip.MustParsePrefix("::ffff:0:0:0/96") // RFC 2765 and 6145 (SIIT)
)

// embeddedIPv4 returns the IPv4 address an IPv6 address stands for, if it embeds one.
// IPv4-mapped addresses are Unmap's. Teredo's client address is obfuscated, but all of
// 2001::/32 is refused anyway.
func embeddedIPv4(ip netip.Addr) (netip.Addr, bool) {
	if !ip.Is6() {
		return netip.Addr{}, false
	}
	b := ip.As16()
	switch {
	case nat64.Contains(ip), v4translated.Contains(ip),
		v4compat.Contains(ip) && ip != netip.IPv6Unspecified() && ip != netip.IPv6Loopback():
		return netip.AddrFrom4([4]byte(b[12:16])), true
	case sixToFour.Contains(ip):
		return netip.AddrFrom4([4]byte(b[2:6])), true
	}
	return netip.Addr{}, false
}
