package delivery

import (
	"net/netip"
	"testing"
)

func TestIsPublic(t *testing.T) {
	tests := []struct {
		addr   string
		public bool
	}{
		{"93.184.215.14", true},
		{"2606:2800:21f:cb07:6820:80da:af6b:8b2c", true},
		{"127.0.0.1", false},           // loopback
		{"127.8.9.10", false},          // all of 127/8
		{"::1", false},                 // IPv6 loopback
		{"10.1.2.3", false},            // private
		{"172.16.0.1", false},          // private
		{"172.32.0.1", true},           // just outside 172.16/12
		{"192.168.1.1", false},         // private
		{"169.254.169.254", false},     // link-local, cloud metadata
		{"fd00:ec2::254", false},       // unique local, AWS metadata
		{"fe80::1", false},             // IPv6 link-local
		{"100.64.0.1", false},          // carrier-grade NAT
		{"100.100.100.200", false},     // CGNAT, Alibaba metadata
		{"0.0.0.0", false},             // unspecified
		{"::", false},                  // unspecified
		{"224.0.0.1", false},           // multicast
		{"255.255.255.255", false},     // broadcast
		{"198.18.0.1", false},          // benchmarking
		{"::ffff:127.0.0.1", false},    // IPv4-mapped loopback
		{"::ffff:10.0.0.1", false},     // IPv4-mapped private
		{"::ffff:93.184.215.14", true}, // IPv4-mapped public
		{"64:ff9b::a9fe:a9fe", false},  // NAT64 of 169.254.169.254
		{"64:ff9b::5db8:d70e", true},   // NAT64 of a public address
		{"2002:7f00:1::", false},       // 6to4 of 127.0.0.1
		{"::127.0.0.1", false},         // IPv4-compatible loopback
		{"2001:db8::1", false},         // documentation
		{"fc00::1", false},             // unique local
	}
	for _, tt := range tests {
		if got := IsPublic(netip.MustParseAddr(tt.addr)); got != tt.public {
			t.Errorf("IsPublic(%s) = %v, want %v", tt.addr, got, tt.public)
		}
	}
}

func TestRefusePrivateAtConnect(t *testing.T) {
	for address, want := range map[string]bool{
		"127.0.0.1:80":       true,
		"[::1]:443":          true,
		"93.184.215.14:443":  false,
		"[fd00:ec2::254]:80": true,
	} {
		err := refusePrivate("tcp", address, nil)
		if blocked := err != nil; blocked != want {
			t.Errorf("refusePrivate(%s) = %v, want blocked %v", address, err, want)
		}
	}
}
