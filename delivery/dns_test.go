package delivery

import (
	"context"
	"encoding/binary"
	"errors"
	"net"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
)

// fakeDNS is a DNS server on 127.0.0.1 that answers A and AAAA queries from a
// function, so that tests decide what names resolve to without the machine's resolver
// or the internet.
type fakeDNS struct {
	conn    net.PacketConn
	answer  func(name string, n int64) ([]netip.Addr, bool)
	queries atomic.Int64
}

// startFakeDNS starts a fakeDNS and returns a resolver that asks it. answer gets the
// name asked (lower case, without the final dot) and how many queries came before
// this one, and returns the name's addresses, or false for a name that does not exist.
// The resolver still reads /etc/hosts first, as Go's does.
func startFakeDNS(t testing.TB, answer func(name string, n int64) ([]netip.Addr, bool)) *net.Resolver {
	t.Helper()
	conn, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &fakeDNS{conn: conn, answer: answer}
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.serve()
	}()
	t.Cleanup(func() { conn.Close(); <-done })
	addr := conn.LocalAddr().String()
	return &net.Resolver{
		PreferGo: true,
		Dial: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "udp", addr)
		},
	}
}

func (s *fakeDNS) serve() {
	buf := make([]byte, 1500)
	for {
		n, from, err := s.conn.ReadFrom(buf)
		if errors.Is(err, net.ErrClosed) {
			return
		}
		if err != nil {
			continue
		}
		if reply, ok := s.reply(buf[:n]); ok {
			s.conn.WriteTo(reply, from)
		}
	}
}

const (
	dnsTypeA    = 1
	dnsTypeAAAA = 28
)

// reply answers one query: its id, its question, and the addresses of the asked type,
// or NXDOMAIN.
func (s *fakeDNS) reply(q []byte) ([]byte, bool) {
	if len(q) < 12 || binary.BigEndian.Uint16(q[4:6]) != 1 {
		return nil, false
	}
	var labels []string
	i := 12
	for i < len(q) && q[i] != 0 {
		l := int(q[i])
		if l > 63 || i+1+l > len(q) {
			return nil, false
		}
		labels = append(labels, strings.ToLower(string(q[i+1:i+1+l])))
		i += 1 + l
	}
	if i+5 > len(q) {
		return nil, false
	}
	question := q[12 : i+5]
	qtype := binary.BigEndian.Uint16(q[i+1 : i+3])
	addrs, exists := s.answer(strings.Join(labels, "."), s.queries.Add(1)-1)

	var answers [][]byte
	for _, a := range addrs {
		var rdata []byte
		switch {
		case qtype == dnsTypeA && a.Is4():
			rdata = a.AsSlice()
		case qtype == dnsTypeAAAA && a.Is6():
			rdata = a.AsSlice()
		default:
			continue
		}
		rr := []byte{0xc0, 12} // the name, as a pointer to the question's
		rr = binary.BigEndian.AppendUint16(rr, qtype)
		rr = binary.BigEndian.AppendUint16(rr, 1)  // class IN
		rr = binary.BigEndian.AppendUint32(rr, 60) // TTL
		rr = binary.BigEndian.AppendUint16(rr, uint16(len(rdata)))
		answers = append(answers, append(rr, rdata...))
	}
	flags := uint16(0x8000 | 0x0080)                  // a response; recursion available
	flags |= binary.BigEndian.Uint16(q[2:4]) & 0x0100 // recursion desired, as asked
	if !exists {
		flags |= 3 // NXDOMAIN
	}
	r := binary.BigEndian.AppendUint16(nil, binary.BigEndian.Uint16(q[0:2]))
	r = binary.BigEndian.AppendUint16(r, flags)
	r = binary.BigEndian.AppendUint16(r, 1)
	r = binary.BigEndian.AppendUint16(r, uint16(len(answers)))
	r = binary.BigEndian.AppendUint32(r, 0) // no authority or additional records
	r = append(r, question...)
	for _, a := range answers {
		r = append(r, a...)
	}
	return r, true
}
