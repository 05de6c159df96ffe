package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// crashEvents is how many acknowledged events the crash test must see delivered.
const crashEvents = 2000

// TestSIGKILLLosesNothing runs feedwire serve as a process, creates messages for a local
// receiver from several clients at once, kills the server with SIGKILL while it is both
// taking writes and delivering, restarts it on the same database, and checks that every
// message the API acknowledged arrives at least once.
func TestSIGKILLLosesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs feedwire as a process")
	}
	bin := buildFeedwire(t)
	dsn := "sqlite:" + filepath.Join(t.TempDir(), "feedwire.db")
	rcv := newCountingReceiver(t)

	srv := startProcess(t, bin, dsn)
	key := runKeysCreate(t, bin, dsn)
	call(t, key, "POST", srv.url+"/v1/webhooks", map[string]any{
		"name": "crash", "url": rcv.URL, "format": "harvestr", "topics": []string{"MESSAGE_CREATED"},
	}, 201)
	user := call(t, key, "POST", srv.url+"/v1/users", map[string]any{"name": "Ada", "type": "customer"}, 201)
	body := func(i int) map[string]any {
		return map[string]any{"title": fmt.Sprintf("message %d", i), "content": "x", "channel": "MAIL",
			"requesterId": user["id"], "submitterId": user["id"]}
	}

	acked := newIDSet()
	// Kill once the receiver has seen a quarter of the events: writes and deliveries are
	// both under way then.
	killed := make(chan bool)
	go func() {
		arrived := rcv.waitFor(crashEvents/4, time.Minute)
		if arrived {
			srv.kill(t)
		}
		killed <- arrived
	}()
	createMessages(srv.url, key, body, acked, crashEvents, 8)
	if !<-killed {
		t.Fatalf("only %d deliveries arrived within a minute, %d writes acknowledged", rcv.distinct(), acked.len())
	}
	beforeKill := acked.len()
	t.Logf("SIGKILL after %d acknowledged writes, %d deliveries received", beforeKill, rcv.distinct())

	srv = startProcess(t, bin, dsn)
	createMessages(srv.url, key, body, acked, crashEvents-acked.len(), 8)
	if acked.len() != crashEvents {
		t.Fatalf("only %d writes were acknowledged after the restart, want %d", acked.len(), crashEvents)
	}

	deadline := time.After(90 * time.Second)
	for _, id := range acked.ids() {
		select {
		case <-rcv.arrivedCh(id):
		case <-deadline:
			t.Fatalf("after 90s, %d of %d acknowledged events have not arrived", crashEvents-rcv.countOf(acked.ids()), crashEvents)
		}
	}
	t.Logf("all %d acknowledged events arrived; %d deliveries arrived twice or more (at-least-once), %d requests in all",
		crashEvents, rcv.duplicates(), rcv.total())
}

// buildFeedwire compiles the command into a temporary directory.
func buildFeedwire(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "feedwire")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func runKeysCreate(t *testing.T, bin, dsn string, env ...string) string {
	t.Helper()
	cmd := exec.Command(bin, "keys", "create", "--database", dsn)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("keys create: %v", err)
	}
	return strings.TrimSpace(string(out))
}

// process is feedwire serve running as a child process.
type process struct {
	cmd *exec.Cmd
	url string
	log *bytes.Buffer
}

var listening = regexp.MustCompile(`msg=listening addr=(\S+)`)

// startProcess runs feedwire serve on dsn, with env added to this process's environment.
func startProcess(t *testing.T, bin, dsn string, env ...string) *process {
	t.Helper()
	cmd := exec.Command(bin, "serve", "--addr", "127.0.0.1:0", "--database", dsn, "--allow-private-networks", "--metrics-addr", "off")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Env = append(append(os.Environ(), "FEEDWIRE_LOG_LEVEL=info"), env...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &process{cmd: cmd, log: &bytes.Buffer{}}
	t.Cleanup(func() { p.kill(t) })
	lines := bufio.NewScanner(stderr)
	for lines.Scan() {
		p.log.WriteString(lines.Text() + "\n")
		if m := listening.FindStringSubmatch(lines.Text()); m != nil {
			p.url = "http://" + m[1]
			break
		}
	}
	if p.url == "" {
		t.Fatalf("feedwire serve did not start:\n%s", p.log)
	}
	go io.Copy(io.Discard, stderr)
	waitHealthy(t, p.url)
	return p
}

// kill sends SIGKILL and reaps the process; it does nothing if the process is gone.
func (p *process) kill(t *testing.T) {
	t.Helper()
	if p.cmd.ProcessState != nil {
		return
	}
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		return
	}
	p.cmd.Wait()
}

// createMessages creates n messages from several clients and adds the id of each one
// the API acknowledged with 201. A client stops at its first failure: the server died.
func createMessages(url, key string, body func(int) map[string]any, acked *idSet, n, clients int) {
	var next sync.Mutex
	i := 0
	var wg sync.WaitGroup
	for range clients {
		wg.Go(func() {
			for {
				next.Lock()
				if i >= n {
					next.Unlock()
					return
				}
				i++
				b := body(i)
				next.Unlock()
				id, ok := postMessage(url, key, b)
				if !ok {
					return
				}
				acked.add(id)
			}
		})
	}
	wg.Wait()
}

func postMessage(url, key string, body map[string]any) (string, bool) {
	b, _ := json.Marshal(body)
	req, _ := http.NewRequestWithContext(context.Background(), "POST", url+"/v1/messages", bytes.NewReader(b))
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", false
	}
	defer resp.Body.Close()
	var m struct {
		ID string `json:"id"`
	}
	if resp.StatusCode != 201 || json.NewDecoder(resp.Body).Decode(&m) != nil {
		return "", false
	}
	return m.ID, true
}

// idSet is a set of ids safe for concurrent use.
type idSet struct {
	mu  sync.Mutex
	set map[string]bool
}

func newIDSet() *idSet { return &idSet{set: map[string]bool{}} }

func (s *idSet) add(id string) {
	s.mu.Lock()
	s.set[id] = true
	s.mu.Unlock()
}

func (s *idSet) len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.set)
}

func (s *idSet) ids() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	ids := make([]string, 0, len(s.set))
	for id := range s.set {
		ids = append(ids, id)
	}
	return ids
}

// countingReceiver counts the deliveries of each message, by the message id in the data.
type countingReceiver struct {
	*httptest.Server
	mu       sync.Mutex
	counts   map[string]int
	arrived  map[string]chan struct{}
	requests int
	grew     chan struct{}
}

func newCountingReceiver(t *testing.T) *countingReceiver {
	t.Helper()
	r := &countingReceiver{counts: map[string]int{}, arrived: map[string]chan struct{}{}, grew: make(chan struct{}, 1)}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		var p struct {
			Data struct {
				ID string `json:"id"`
			} `json:"data"`
		}
		if err := json.NewDecoder(req.Body).Decode(&p); err != nil || p.Data.ID == "" {
			return // the challenge
		}
		r.mu.Lock()
		r.counts[p.Data.ID]++
		r.requests++
		if r.counts[p.Data.ID] == 1 {
			close(r.channel(p.Data.ID))
		}
		r.mu.Unlock()
		select {
		case r.grew <- struct{}{}:
		default:
		}
	}))
	t.Cleanup(r.Close)
	return r
}

// channel returns the channel closed when the message first arrives; r.mu is held.
func (r *countingReceiver) channel(id string) chan struct{} {
	ch, ok := r.arrived[id]
	if !ok {
		ch = make(chan struct{})
		r.arrived[id] = ch
	}
	return ch
}

func (r *countingReceiver) arrivedCh(id string) <-chan struct{} {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.channel(id)
}

// waitFor reports whether n distinct messages arrived before the timeout.
func (r *countingReceiver) waitFor(n int, timeout time.Duration) bool {
	deadline := time.After(timeout)
	for r.distinct() < n {
		select {
		case <-r.grew:
		case <-deadline:
			return false
		}
	}
	return true
}

func (r *countingReceiver) distinct() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.counts)
}

func (r *countingReceiver) countOf(ids []string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, id := range ids {
		if r.counts[id] > 0 {
			n++
		}
	}
	return n
}

func (r *countingReceiver) duplicates() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, c := range r.counts {
		if c > 1 {
			n++
		}
	}
	return n
}

func (r *countingReceiver) total() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.requests
}
