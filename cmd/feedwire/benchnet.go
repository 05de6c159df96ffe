package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/feedwire/feedwire/webhook"
)

// listenLocal serves handler on a free port of 127.0.0.1.
func listenLocal(handler http.Handler) (*localServer, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	srv := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	return &localServer{Server: srv, Addr: ln.Addr().String()}, nil
}

type localServer struct {
	*http.Server
	Addr string
}

// localClient is a keep-alive client with room for conns idle connections to one host.
func localClient(conns int) *http.Client {
	// MaxConnsPerHost bounds the connections too: an open-loop phase that falls behind
	// queues its requests here (their latency counts from when each was due) rather
	// than opening one connection per waiting request until the process runs out of
	// file descriptors.
	return &http.Client{Transport: &http.Transport{
		Proxy: nil, MaxIdleConns: conns, MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns, DisableCompression: true,
	}}
}

// apiClient calls feedwire's REST API.
type apiClient struct {
	base, key string
	http      *http.Client
}

// do sends body as JSON and decodes a 2xx answer into out, if out is not nil.
func (c *apiClient) do(ctx context.Context, method, path string, body, out any) error {
	var reqBody io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		reqBody = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, reqBody)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+c.key)
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		return fmt.Errorf("%s %s: %s: %s", method, path, resp.Status, msg)
	}
	if out == nil {
		_, err = io.Copy(io.Discard, resp.Body)
		return err
	}
	return json.NewDecoder(resp.Body).Decode(out)
}

// writeMessages creates n messages from several clients at once; it stops at the
// first failure.
func writeMessages(ctx context.Context, cl *apiClient, n, clients int, message func(i int) map[string]any) error {
	var next atomic.Int64
	errs := make(chan error, clients)
	var wg sync.WaitGroup
	for range clients {
		wg.Go(func() {
			for i := int(next.Add(1)); i <= n; i = int(next.Add(1)) {
				if err := cl.do(ctx, "POST", "/v1/messages", message(i), nil); err != nil {
					errs <- err
					next.Store(int64(n)) // the others stop too
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	return <-errs
}

// firstPayload returns the wire payload of the newest event: a real delivery body.
func firstPayload(ctx context.Context, cl *apiClient) ([]byte, error) {
	var events struct {
		Data []struct {
			Payload json.RawMessage `json:"payload"`
		} `json:"data"`
	}
	if err := cl.do(ctx, "GET", "/v1/events?limit=1", nil, &events); err != nil {
		return nil, err
	}
	if len(events.Data) == 0 || len(events.Data[0].Payload) == 0 {
		return nil, errors.New("the event log has no payload to replay")
	}
	var compact bytes.Buffer
	err := json.Compact(&compact, events.Data[0].Payload)
	return compact.Bytes(), err
}

// rawHTTP POSTs the payload n times from conns connections, signed as feedwire signs a
// harvestr delivery, and returns the POSTs per second.
func rawHTTP(ctx context.Context, url string, payload []byte, secret string, n, conns int) (float64, error) {
	client := localClient(conns)
	defer client.CloseIdleConnections()
	headers := http.Header{}
	headers.Set("Content-Type", "application/json")
	if err := webhook.SignHeaders(headers, webhook.FormatHarvestr, "bench", "msg_bench", payload, time.Now(), secret); err != nil {
		return 0, err
	}
	var next atomic.Int64
	var failed atomic.Value
	start := time.Now()
	var wg sync.WaitGroup
	for range conns {
		wg.Go(func() {
			for int(next.Add(1)) <= n {
				if err := post(ctx, client, url, payload, headers); err != nil {
					failed.Store(err)
					next.Store(int64(n))
					return
				}
			}
		})
	}
	wg.Wait()
	if err, _ := failed.Load().(error); err != nil {
		return 0, err
	}
	return perSecond(n, time.Since(start)), nil
}

func post(ctx context.Context, client *http.Client, url string, payload []byte, headers http.Header) error {
	req, err := http.NewRequestWithContext(ctx, "POST", url, bytes.NewReader(payload))
	if err != nil {
		return err
	}
	req.Header = headers.Clone()
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("receiver answered %s", resp.Status)
	}
	return nil
}

// waitDrained waits until the receiver has counted want requests and the queue is
// empty, that is until every attempt is also recorded.
func waitDrained(ctx context.Context, rcv *benchReceiver, want int64, queueDepth func(context.Context) (int, error)) error {
	tick := time.NewTicker(2 * time.Millisecond)
	defer tick.Stop()
	for rcv.count.Load() < want {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
	for {
		depth, err := queueDepth(ctx)
		if err != nil || depth == 0 {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// benchReceiver is the endpoint every request of the benchmark goes to. It reads and
// decodes each body, as a real receiver would, counts the requests, and notes when the
// deliveries whose message title has the watched prefix arrive.
type benchReceiver struct {
	*localServer
	url   string
	count atomic.Int64

	mu      sync.Mutex
	prefix  string
	arrived map[string]*benchArrival
}

// benchArrival is when the deliveries of one message arrived, first and last, and how many.
type benchArrival struct {
	first, last time.Time
	count       int
}

func startBenchReceiver() (*benchReceiver, error) {
	r := &benchReceiver{arrived: map[string]*benchArrival{}}
	srv, err := listenLocal(http.HandlerFunc(r.serveHTTP))
	if err != nil {
		return nil, err
	}
	r.localServer, r.url = srv, "http://"+srv.Addr+"/webhooks"
	return r, nil
}

func (r *benchReceiver) serveHTTP(w http.ResponseWriter, req *http.Request) {
	var body struct {
		Data struct {
			Title string `json:"title"`
		} `json:"data"`
	}
	if err := json.NewDecoder(req.Body).Decode(&body); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	now := time.Now()
	r.count.Add(1)
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.prefix == "" || !strings.HasPrefix(body.Data.Title, r.prefix) {
		return
	}
	a := r.arrived[body.Data.Title]
	if a == nil {
		a = &benchArrival{first: now}
		r.arrived[body.Data.Title] = a
	}
	a.last = now
	a.count++
}

// watch starts noting the arrival of deliveries whose title starts with prefix.
func (r *benchReceiver) watch(prefix string) {
	r.mu.Lock()
	r.prefix, r.arrived = prefix, map[string]*benchArrival{}
	r.mu.Unlock()
}

// watched is how many watched messages have arrived.
func (r *benchReceiver) watched() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.arrived)
}

// waitWatched waits for n watched messages, or for timeout, and returns what arrived.
func (r *benchReceiver) waitWatched(ctx context.Context, n int, timeout time.Duration) map[string]benchArrival {
	deadline := time.Now().Add(timeout)
	for r.watched() < n && time.Now().Before(deadline) && ctx.Err() == nil {
		time.Sleep(5 * time.Millisecond)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make(map[string]benchArrival, len(r.arrived))
	for title, a := range r.arrived {
		out[title] = *a
	}
	return out
}

// waitCount waits until n deliveries of the message titled title have arrived and
// returns when the last did.
func (r *benchReceiver) waitCount(ctx context.Context, title string, n int, timeout time.Duration) (time.Time, error) {
	deadline := time.Now().Add(timeout)
	for {
		r.mu.Lock()
		a := r.arrived[title]
		var got int
		var last time.Time
		if a != nil {
			got, last = a.count, a.last
		}
		r.mu.Unlock()
		switch {
		case got >= n:
			return last, nil
		case time.Now().After(deadline):
			return time.Time{}, fmt.Errorf("only %d of %d deliveries of %q arrived within %s", got, n, title, timeout)
		case ctx.Err() != nil:
			return time.Time{}, ctx.Err()
		}
		time.Sleep(time.Millisecond)
	}
}
