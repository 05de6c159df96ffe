package delivery

import (
	"encoding/binary"
	"net/netip"
	"testing"
)

// FuzzIsPublic takes any IPv4 address and any 128 bits. Every IPv6 spelling of the IPv4
// address (IPv4-mapped, IPv4-translated, IPv4-compatible, NAT64 and 6to4 with any
// subnet and host bits) must be judged as the IPv4 address itself, with or without a
// zone; any Teredo address is refused; and no address makes IsPublic panic or depend
// on its zone.
func FuzzIsPublic(f *testing.F) {
	f.Add(uint32(0x7f000001), uint64(0), uint64(1))                                         // 127.0.0.1, ::1
	f.Add(uint32(0xa9fea9fe), uint64(0xfd00_0ec2_0000_0000), uint64(0x254))                 // 169.254.169.254, fd00:ec2::254
	f.Add(uint32(0x5db8d70e), uint64(0x2606_2800_021f_cb07), uint64(0x6820_80da_af6b_8b2c)) // public, both
	f.Add(uint32(0x0a000001), uint64(0x0064_ff9b_0000_0000), uint64(0x0a00_0001))           // 10.0.0.1, its NAT64
	f.Fuzz(func(t *testing.T, v4bits uint32, hi, lo uint64) {
		var b4 [4]byte
		binary.BigEndian.PutUint32(b4[:], v4bits)
		v4 := netip.AddrFrom4(b4)
		var b16 [16]byte
		binary.BigEndian.PutUint64(b16[:8], hi)
		binary.BigEndian.PutUint64(b16[8:], lo)
		any6 := netip.AddrFrom16(b16)
		if IsPublic(any6) != IsPublic(any6.WithZone("eth0")) {
			t.Errorf("IsPublic(%s) depends on the zone", any6)
		}

		want := IsPublic(v4)
		for form, ip := range embeddedForms(v4, b16) {
			for _, ip := range []netip.Addr{ip, ip.WithZone("lo")} {
				if got := IsPublic(ip); got != want {
					t.Errorf("IsPublic(%s) = %v, the %s form of %s; want %v as for %s", ip, got, form, v4, want, v4)
				}
			}
		}
		teredo := b16
		teredo[0], teredo[1], teredo[2], teredo[3] = 0x20, 0x01, 0, 0
		if IsPublic(netip.AddrFrom16(teredo)) {
			t.Errorf("IsPublic(%s) = true for a Teredo address", netip.AddrFrom16(teredo))
		}
	})
}

// embeddedForms returns the IPv6 addresses that embed v4, taking the bits a form leaves
// free (6to4's subnet and interface id) from rest.
func embeddedForms(v4 netip.Addr, rest [16]byte) map[string]netip.Addr {
	b := v4.As4()
	at := func(prefix []byte, offset int, fill bool) netip.Addr {
		var a [16]byte
		if fill {
			a = rest
		}
		copy(a[:], prefix)
		copy(a[offset:], b[:])
		return netip.AddrFrom16(a)
	}
	return map[string]netip.Addr{
		"IPv4-mapped":     at([]byte{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff}, 12, false),
		"IPv4-translated": at([]byte{0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0}, 12, false),
		"IPv4-compatible": at(make([]byte, 12), 12, false),
		"NAT64":           at([]byte{0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0}, 12, false),
		"6to4":            at([]byte{0x20, 0x02}, 2, true),
	}
}

// FuzzParseLegacyIPv4 checks that any host parses without panicking, that a dotted
// quad means what netip says it does, and that whatever parses is an IPv4 address.
func FuzzParseLegacyIPv4(f *testing.F) {
	for _, s := range []string{"127.1", "0x7f.1", "2130706433", "017700000001", "1.2.3.4.", "example.com", "::1", "0x", "08.1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, host string) {
		got, ok := parseLegacyIPv4(host)
		if ok && !got.Is4() {
			t.Errorf("parseLegacyIPv4(%q) = %v, not an IPv4 address", host, got)
		}
		if want, err := netip.ParseAddr(host); err == nil && want.Is4() && (!ok || got != want) {
			t.Errorf("parseLegacyIPv4(%q) = %v, %v; want %v", host, got, ok, want)
		}
	})
}
