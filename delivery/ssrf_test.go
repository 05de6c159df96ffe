package delivery

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/feedwire/feedwire"
)

// errNotConnecting is what the tests' beforeConnect hook answers instead of connecting:
// an address that reaches it got past the guard, and no packet is sent to it.
var errNotConnecting = errors.New("test: not connecting")

// connects records the addresses that got past the guard, and never connects.
type connects struct {
	mu    sync.Mutex
	addrs []string
}

func (c *connects) hook(address string) error {
	c.mu.Lock()
	c.addrs = append(c.addrs, address)
	c.mu.Unlock()
	return errNotConnecting
}

func (c *connects) take() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	got := c.addrs
	c.addrs = nil
	return got
}

// anIPAddress matches an IPv4 or IPv6 address in a message: what the API must not show
// about a refused connection.
var anIPAddress = regexp.MustCompile(`\d+\.\d+\.\d+\.\d+|[0-9a-fA-F]*:[0-9a-fA-F]*:[0-9a-fA-F:.]*`)

// nonPublicV4 and nonPublicV6 are one or more addresses of each range feedwire refuses.
var nonPublicV4 = []string{
	"127.0.0.1", "127.8.9.10", "127.255.255.254", // loopback
	"10.0.0.1", "10.255.255.255", "172.16.0.1", "172.31.255.255", "192.168.0.1", "192.168.255.255", // private
	"169.254.0.1", "169.254.169.254", // link-local, the cloud metadata service
	"100.64.0.1", "100.127.255.255", "100.100.100.200", // CGNAT, Alibaba's metadata service
	"0.0.0.0", "0.1.2.3", // this network; 0.0.0.0 reaches this host
	"224.0.0.1", "239.255.255.250", // multicast
	"255.255.255.255", "240.0.0.1", // broadcast, reserved
	"192.0.0.170", "192.0.2.1", "198.18.0.1", "198.51.100.1", "203.0.113.1", "192.88.99.1",
}

var nonPublicV6 = []string{
	"::1", "::", // loopback, unspecified
	"fe80::1", "febf::1", // link-local
	"fc00::1", "fd00:ec2::254", "fdff:ffff::1", // unique local, AWS's metadata service
	"ff02::1", "ff05::1:3", "ff0e::1", // multicast
	"fec0::1", "2001:db8::1", "3fff::1", "100::1", "2001::1", "2001:0:4136:e378:8000:63bf:3fff:fdd2", // site-local, documentation, discard, Teredo
	"64:ff9b:1::a00:1", // local-use NAT64
}

// embeddings returns the IPv6 spellings of an IPv4 address: IPv4-mapped (two ways),
// IPv4-translated, IPv4-compatible, NAT64 and 6to4.
func embeddings(v4 string) []string {
	b := netip.MustParseAddr(v4).As4()
	hex := fmt.Sprintf("%02x%02x:%02x%02x", b[0], b[1], b[2], b[3])
	return []string{
		"::ffff:" + v4, "::ffff:" + hex, "::ffff:0:" + v4, "::ffff:0:" + hex,
		"::" + v4, "0:0:0:0:0:0:" + hex, "64:ff9b::" + v4, "64:ff9b::" + hex, "2002:" + hex + "::1",
	}
}

// ssrfCorpus returns the URL hosts that must all be blocked, and the fake DNS names
// with their answers. Every address is one the guard refuses; none is ever dialled.
func ssrfCorpus() (hosts []string, names map[string][]netip.Addr) {
	hosts = []string{
		// Loopback spelt as inet_aton and browsers read it.
		"127.1", "127.0.1", "0x7f.1", "0x7F.0.0.1", "0x7f000001", "2130706433", "017700000001",
		"0177.0.0.1", "0177.0.0.01", "127.0.0.1.", "0", "0x0", "00", "0.0", "1",
		// IPv6 literals with a zone, which must not hide the address.
		"[fe80::1%25lo]", "[64:ff9b::7f00:1%25lo]", "[fd00::1%25eth0]", "[::ffff:0:7f00:1%25lo]",
		"[0:0:0:0:0:0:0:1]", "[0000:0000:0000:0000:0000:0000:0000:0001]",
		"localhost", "localhost.",
	}
	names = map[string][]netip.Addr{
		"localhost": {netip.MustParseAddr("127.0.0.1"), netip.MustParseAddr("::1")}, // if /etc/hosts lacks it
		"multi.corp.test": {netip.MustParseAddr("10.0.0.1"), netip.MustParseAddr("fd00::1"),
			netip.MustParseAddr("169.254.169.254")},
	}
	add := func(addr string) {
		a := netip.MustParseAddr(addr)
		if a.Is4() {
			hosts = append(hosts, addr)
		} else {
			hosts = append(hosts, "["+addr+"]")
		}
		// A name that resolves to it, as an A or AAAA answer.
		names[fmt.Sprintf("n%d.corp.test", len(names))] = []netip.Addr{a}
	}
	for _, v4 := range nonPublicV4 {
		add(v4)
		for _, v6 := range embeddings(v4) {
			add(v6)
		}
	}
	for _, v6 := range nonPublicV6 {
		add(v6)
	}
	for name := range names {
		hosts = append(hosts, name)
	}
	return hosts, names
}

// TestSSRFCorpus requests every spelling of a non-public address, as a literal and as
// a name the (fake) resolver answers with it, both as a delivery and as a harvestr
// challenge: each is blocked before connecting, and what the API would say names no
// address and no resolver.
func TestSSRFCorpus(t *testing.T) {
	hosts, names := ssrfCorpus()
	resolver := startFakeDNS(t, func(name string, _ int64) ([]netip.Addr, bool) {
		addrs, ok := names[name]
		return addrs, ok
	})
	var dialled connects
	client := NewClient(false, 4, WithResolver(resolver), WithBeforeConnect(dialled.hook))
	ctx := context.Background()
	for _, host := range hosts {
		url := "http://" + host + ":8080/hook"
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, nil)
		if err != nil {
			t.Errorf("%s: %v; want a request, to be blocked", url, err)
			continue
		}
		resp, err := client.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		class, message := describe(err)
		if class != feedwire.ErrorBlocked || message != blockedMessage {
			t.Errorf("%s: class %q (%s; %v), want blocked", url, class, message, err)
		}
		challengeErr := Challenge(ctx, client, url, "")
		var fe *feedwire.Error
		if !errors.As(challengeErr, &fe) || len(fe.Problems) != 1 || !strings.Contains(fe.Problems[0].Message, "not public") {
			t.Errorf("%s: challenge %v, want a problem on url that says the address is not public", url, challengeErr)
		} else if ip := anIPAddress.FindString(fe.Problems[0].Message); ip != "" {
			t.Errorf("%s: the challenge's problem names %s: %s", url, ip, fe.Problems[0].Message)
		}
		if got := dialled.take(); len(got) > 0 {
			t.Errorf("%s: got past the guard to %v", url, got)
		}
	}
	t.Logf("%d hosts blocked (%d of them names from the fake resolver), each as a request and as a challenge", len(hosts), len(names))
}

// TestDNSRebinding resolves one name twice: first to a public address, as when the
// webhook was registered, then to 127.0.0.1. The check runs on every connect, so the
// first is let through to connect and the second is blocked.
func TestDNSRebinding(t *testing.T) {
	var rebound atomic.Bool
	resolver := startFakeDNS(t, func(name string, _ int64) ([]netip.Addr, bool) {
		if name != "rebind.example" {
			return nil, false
		}
		if rebound.Load() {
			return []netip.Addr{netip.MustParseAddr("127.0.0.1")}, true
		}
		return []netip.Addr{netip.MustParseAddr("93.184.215.14")}, true
	})
	var dialled connects
	client := NewClient(false, 4, WithResolver(resolver), WithBeforeConnect(dialled.hook))
	post := func() error {
		req, _ := http.NewRequest(http.MethodPost, "http://rebind.example/hook", nil)
		resp, err := client.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		return err
	}

	err := post()
	if !errors.Is(err, errNotConnecting) || classify(err) == feedwire.ErrorBlocked {
		t.Errorf("public answer: %v, want to get past the guard", err)
	}
	if got := dialled.take(); len(got) != 1 || got[0] != "93.184.215.14:80" {
		t.Errorf("public answer: dialled %v, want 93.184.215.14:80", got)
	}
	rebound.Store(true)
	err = post()
	if class, message := describe(err); class != feedwire.ErrorBlocked || anIPAddress.MatchString(message) {
		t.Errorf("rebound answer: class %q (%s), want blocked, naming no address", class, message)
	}
	if got := dialled.take(); len(got) != 0 {
		t.Errorf("rebound answer: got past the guard to %v", got)
	}
}

// TestPublicAndPrivateAnswers resolves a name to a public and a private address: only
// the public one is dialled.
func TestPublicAndPrivateAnswers(t *testing.T) {
	resolver := startFakeDNS(t, func(string, int64) ([]netip.Addr, bool) {
		return []netip.Addr{netip.MustParseAddr("10.0.0.1"), netip.MustParseAddr("93.184.215.14")}, true
	})
	var dialled connects
	client := NewClient(false, 4, WithResolver(resolver), WithBeforeConnect(dialled.hook))
	req, _ := http.NewRequest(http.MethodPost, "http://mixed.example/hook", nil)
	if resp, err := client.Do(req); err == nil {
		resp.Body.Close()
		t.Fatal("the request went through")
	}
	if got := dialled.take(); len(got) != 1 || got[0] != "93.184.215.14:80" {
		t.Errorf("dialled %v, want only 93.184.215.14:80", got)
	}
}

// TestDNSFailureMessage fails a lookup: the class is dns and the message names the
// host but neither the resolver nor any address.
func TestDNSFailureMessage(t *testing.T) {
	resolver := startFakeDNS(t, func(string, int64) ([]netip.Addr, bool) { return nil, false })
	client := NewClient(false, 4, WithResolver(resolver))
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, "http://nowhere.invalid/hook", nil)
	_, err := client.Do(req)
	class, message := describe(err)
	if class != feedwire.ErrorDNS || message != "lookup nowhere.invalid: no such host" {
		t.Errorf("got %q (%s), want dns: lookup nowhere.invalid: no such host", class, message)
	}
	t.Logf("the error itself: %v; the message: %s", err, message)
	challengeErr := Challenge(ctx, client, "http://nowhere.invalid/hook", "")
	if challengeErr == nil || anIPAddress.MatchString(challengeErr.Error()) || !strings.Contains(challengeErr.Error(), "no such host") {
		t.Errorf("challenge: %v, want a dns failure that names no address", challengeErr)
	}
}

func TestParseLegacyIPv4(t *testing.T) {
	tests := []struct {
		host string
		want string // "" when it is not an IPv4 address
	}{
		{"127.0.0.1", "127.0.0.1"},
		{"127.1", "127.0.0.1"},
		{"127.0.1", "127.0.0.1"},
		{"10.1.65535", "10.1.255.255"},
		{"0x7f.1", "127.0.0.1"},
		{"0X7F.0.0.1", "127.0.0.1"},
		{"0x7f000001", "127.0.0.1"},
		{"2130706433", "127.0.0.1"},
		{"017700000001", "127.0.0.1"},
		{"0177.0.0.1", "127.0.0.1"},
		{"0x", "0.0.0.0"},
		{"1.2.3.4.", "1.2.3.4"},
		{"4294967295", "255.255.255.255"},
		{"4294967296", ""},
		{"256.1.1.1", ""},
		{"1.2.3.256", ""},
		{"1.2.65536", ""},
		{"08.1.1.1", ""}, // 8 is no octal digit
		{"1.2.3.4.5", ""},
		{"1..2", ""},
		{"", ""},
		{".", ""},
		{"example.com", ""},
		{"1e3", ""},
		{"+1.2.3.4", ""},
		{"::1", ""},
	}
	for _, tt := range tests {
		got, ok := parseLegacyIPv4(tt.host)
		if tt.want == "" && ok {
			t.Errorf("parseLegacyIPv4(%q) = %v, want not an address", tt.host, got)
		}
		if tt.want != "" && (!ok || got.String() != tt.want) {
			t.Errorf("parseLegacyIPv4(%q) = %v, %v; want %s", tt.host, got, ok, tt.want)
		}
	}
}

// TestIsPublicEmbedded judges every IPv6 spelling of an IPv4 address as the IPv4
// address, and ignores zones.
func TestIsPublicEmbedded(t *testing.T) {
	var n int
	for _, v4 := range append([]string{"93.184.215.14", "8.8.8.8", "1.1.1.1"}, nonPublicV4...) {
		want := IsPublic(netip.MustParseAddr(v4))
		for _, v6 := range embeddings(v4) {
			for _, s := range []string{v6, v6 + "%lo"} {
				if got := IsPublic(netip.MustParseAddr(s)); got != want {
					t.Errorf("IsPublic(%s) = %v, want %v as for %s", s, got, want, v4)
				}
				n++
			}
		}
	}
	for _, v6 := range nonPublicV6 {
		if IsPublic(netip.MustParseAddr(v6)) || (!strings.Contains(v6, "%") && IsPublic(netip.MustParseAddr(v6+"%lo"))) {
			t.Errorf("IsPublic(%s) = true, with or without a zone", v6)
		}
		n++
	}
	t.Logf("%d addresses judged", n)
}

// TestLegacyIPv4Dials requests http://127.1:port/ with private networks allowed: it
// reaches 127.0.0.1, as in a browser or curl, rather than failing as an unknown name.
func TestLegacyIPv4Dials(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) }))
	t.Cleanup(srv.Close)
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	for _, host := range []string{"127.1", "0x7f.1", "2130706433"} {
		resp, err := NewClient(true, 1).Post("http://"+net.JoinHostPort(host, port)+"/", "text/plain", nil)
		if err != nil {
			t.Errorf("%s: %v, want the receiver on 127.0.0.1", host, err)
			continue
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNoContent {
			t.Errorf("%s: %s, want 204 from the receiver on 127.0.0.1", host, resp.Status)
		}
	}
}
