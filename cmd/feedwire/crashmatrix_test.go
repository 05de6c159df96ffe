package main

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	_ "modernc.org/sqlite" // the integrity check opens the database as the server does
)

// TestCrashMatrix kills feedwire serve with SIGKILL at more than twenty points, in five
// kinds of work, all on one database: while it takes writes (ingest), while it works
// through a backlog (delivery), while receivers fail and it records the failures and
// schedules retries (retry), while a replay job runs (replay), and while feedwire migrate
// applies a migration (migration). After every kill PRAGMA integrity_check must say ok
// and a migration must be all there or not at all; at the end every event the API
// acknowledged must have reached every webhook that matches it: two subscribed from the
// start, one that got the events by the replay.
func TestCrashMatrix(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs feedwire as a process")
	}
	m := newCrashMatrix(t)
	start := time.Now().Add(-time.Minute)

	m.restart()
	m.key = runKeysCreate(t, m.bin, m.dsn)
	m.addWebhook("a", nil)
	// b retries every second, so that the retry phase sees retries, not waits.
	m.addWebhook("b", []string{"1s", "1s", "1s", "1s", "1s", "1s", "1s", "1s", "1s", "1s"})
	user := call(t, m.key, "POST", m.srv.url+"/v1/users", map[string]any{"name": "Ada", "type": "customer"}, 201)
	m.user = user["id"].(string)

	// Ingest: eight clients write without pause; each kill lands among their requests.
	for range 6 {
		m.killWhileWriting("ingest", 150)
		m.restart()
	}

	// Delivery: the receiver holds every request while 1,500 events are written, so a
	// backlog builds whatever the machine's speed, then answers slowly; each kill lands
	// while workers post the backlog.
	m.rcv.setDelay(60 * time.Millisecond)
	m.rcv.hold()
	m.write(1500)
	m.rcv.release()
	for range 5 {
		m.waitArrivals("a", 100)
		m.kill("delivery")
		m.restart()
	}

	// Retry: b answers 500 to the first two attempts of every event; each kill lands while
	// failures are recorded and retries scheduled and made.
	m.rcv.setDelay(0)
	m.rcv.failFirst("b", 2)
	m.write(300)
	for range 5 {
		m.waitFailures("b", 60)
		m.kill("retry")
		m.restart()
	}

	// Replay: a webhook made now gets every earlier event from a replay job, which
	// resumes after each kill. The first kill comes as soon as the job is accepted.
	m.rcv.setDelay(20 * time.Millisecond)
	r := m.addWebhook("r", nil)
	call(t, m.key, "POST", m.srv.url+"/v1/webhooks/"+r+"/replay", map[string]any{"since": start.Format(time.RFC3339)}, 202)
	m.kill("replay")
	m.restart()
	for range 3 {
		m.waitArrivals("r", 200)
		m.kill("replay")
		m.restart()
	}

	// Migration: with a migration undone, feedwire migrate is killed after a
	// growing delay; each time the migration must be whole or absent.
	m.kill("") // a plain stop: the server must not hold the database
	applied := 0
	for _, delay := range []time.Duration{0, 5 * time.Millisecond, 15 * time.Millisecond, 30 * time.Millisecond, 60 * time.Millisecond} {
		m.undoLastMigration()
		if m.killMigrate(delay) {
			applied++
		}
	}
	t.Logf("migration: %d of %d kills came after the migration committed, the others before or during it", applied, m.kills["migration"])

	m.rcv.failFirst("b", 0)
	m.rcv.setDelay(0)
	m.restart()
	lost := m.waitAll([]string{"a", "b", "r"}, 2*time.Minute)
	m.kill("")

	kills := 0
	for _, n := range m.kills {
		kills += n
	}
	t.Logf("crash matrix: %d acknowledged events, %d SIGKILLs (ingest %d, delivery %d, retry %d, replay %d, migration %d), integrity_check ok after each",
		m.acked.len(), kills, m.kills["ingest"], m.kills["delivery"], m.kills["retry"], m.kills["replay"], m.kills["migration"])
	t.Logf("crash matrix: lost %d; events delivered more than once (at least once allows it): a %d, b %d, r %d",
		lost, m.rcv.duplicates("a"), m.rcv.duplicates("b"), m.rcv.duplicates("r"))
	if kills < 20 {
		t.Errorf("got %d kill points, want at least 20", kills)
	}
	if lost > 0 {
		t.Errorf("%d acknowledged events never reached a webhook that matches them", lost)
	}
}

// crashMatrix is one database, the server running on it, and what it acknowledged.
type crashMatrix struct {
	t        *testing.T
	bin, dsn string
	path     string
	srv      *process
	rcv      *pathReceiver
	key      string
	user     string
	webhooks map[string]string // receiver path name → webhook id
	acked    *idSet
	kills    map[string]int
}

func newCrashMatrix(t *testing.T) *crashMatrix {
	path := filepath.Join(t.TempDir(), "feedwire.db")
	return &crashMatrix{
		t: t, bin: buildFeedwire(t), dsn: "sqlite:" + path, path: path,
		rcv: newPathReceiver(t), webhooks: map[string]string{}, acked: newIDSet(), kills: map[string]int{},
	}
}

func (m *crashMatrix) restart() { m.srv = startProcess(m.t, m.bin, m.dsn) }

// kill sends SIGKILL, counts it under its phase ("" counts nothing) and checks the
// database the process left behind.
func (m *crashMatrix) kill(phase string) {
	m.srv.kill(m.t)
	if phase != "" {
		m.kills[phase]++
	}
	m.checkIntegrity()
}

func (m *crashMatrix) addWebhook(name string, schedule []string) string {
	body := map[string]any{"name": name, "url": m.rcv.URL + "/" + name, "format": "harvestr", "topics": []string{"MESSAGE_CREATED"}}
	if schedule != nil {
		body["retrySchedule"] = schedule
	}
	w := call(m.t, m.key, "POST", m.srv.url+"/v1/webhooks", body, 201)
	m.webhooks[name] = w["id"].(string)
	return w["id"].(string)
}

func (m *crashMatrix) message(i int) map[string]any {
	return map[string]any{"title": fmt.Sprintf("message %d", i), "content": "x", "channel": "MAIL",
		"requesterId": m.user, "submitterId": m.user}
}

// write creates n messages and fails the test unless all are acknowledged.
func (m *crashMatrix) write(n int) {
	before := m.acked.len()
	createMessages(m.srv.url, m.key, m.message, m.acked, n, 8)
	if got := m.acked.len() - before; got != n {
		m.t.Fatalf("%d of %d writes acknowledged with the server up", got, n)
	}
}

// killWhileWriting keeps eight clients writing without pause and kills the server once
// n more writes are acknowledged, among the requests still under way.
func (m *crashMatrix) killWhileWriting(phase string, n int) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		createMessages(m.srv.url, m.key, m.message, m.acked, 1_000_000, 8)
	}()
	m.waitCount("acknowledged writes", n, m.acked.len)
	m.kill(phase)
	<-done // each client stops at its first failed request
}

func (m *crashMatrix) waitArrivals(name string, n int) {
	m.waitCount(name+" deliveries", n, func() int { return m.rcv.successes(name) })
}

func (m *crashMatrix) waitFailures(name string, n int) {
	m.waitCount(name+" failed attempts", n, func() int { return m.rcv.failures(name) })
}

// waitCount waits until count() has grown by n.
func (m *crashMatrix) waitCount(what string, n int, count func() int) {
	m.t.Helper()
	before := count()
	deadline := time.Now().Add(time.Minute)
	for count()-before < n {
		if time.Now().After(deadline) {
			m.t.Fatalf("%s grew by %d in a minute, want %d", what, count()-before, n)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// waitAll waits until every acknowledged event reached every named webhook and returns
// how many (event, webhook) pairs are still missing at the timeout.
func (m *crashMatrix) waitAll(names []string, timeout time.Duration) int {
	deadline := time.Now().Add(timeout)
	for {
		missing := 0
		for _, name := range names {
			missing += len(m.acked.ids()) - m.rcv.arrivedOf(name, m.acked.ids())
		}
		if missing == 0 || time.Now().After(deadline) {
			return missing
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// checkIntegrity runs PRAGMA integrity_check on the database a killed process left.
func (m *crashMatrix) checkIntegrity() {
	m.t.Helper()
	db := m.open()
	defer db.Close()
	var result string
	if err := db.QueryRow(`PRAGMA integrity_check`).Scan(&result); err != nil || result != "ok" {
		m.t.Fatalf("integrity_check after a kill: got %q, %v, want ok", result, err)
	}
}

func (m *crashMatrix) open() *sql.DB {
	m.t.Helper()
	db, err := sql.Open("sqlite", "file:"+m.path+"?_pragma=busy_timeout(5000)")
	if err != nil {
		m.t.Fatal(err)
	}
	return db
}

// lastMigration is the migration the migration phase undoes and redoes, 0008, whose
// work (four indexes) can be taken back exactly: its version and the indexes it creates.
var lastMigration = struct {
	version int
	indexes []string
}{8, []string{"deliveries_due_by_webhook", "deliveries_leased", "deliveries_tests", "deliveries_pending_by_age"}}

func (m *crashMatrix) undoLastMigration() {
	m.t.Helper()
	db := m.open()
	defer db.Close()
	for _, index := range lastMigration.indexes {
		if _, err := db.Exec(`DROP INDEX IF EXISTS ` + index); err != nil {
			m.t.Fatal(err)
		}
	}
	if _, err := db.Exec(`DELETE FROM schema_migrations WHERE version = ?`, lastMigration.version); err != nil {
		m.t.Fatal(err)
	}
}

// killMigrate runs feedwire migrate, kills it after delay, checks that the migration is
// whole or absent, and reports whether it was applied.
func (m *crashMatrix) killMigrate(delay time.Duration) bool {
	m.t.Helper()
	cmd := exec.Command(m.bin, "migrate", "--database", m.dsn)
	if err := cmd.Start(); err != nil {
		m.t.Fatal(err)
	}
	time.Sleep(delay)
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	m.kills["migration"]++
	m.checkIntegrity()

	db := m.open()
	defer db.Close()
	var recorded, indexes int
	if err := db.QueryRow(`SELECT count(*) FROM schema_migrations WHERE version = ?`, lastMigration.version).Scan(&recorded); err != nil {
		m.t.Fatal(err)
	}
	list := "'" + strings.Join(lastMigration.indexes, "','") + "'"
	if err := db.QueryRow(`SELECT count(*) FROM sqlite_schema WHERE type = 'index' AND name IN (` + list + `)`).Scan(&indexes); err != nil {
		m.t.Fatal(err)
	}
	if indexes != recorded*len(lastMigration.indexes) {
		m.t.Fatalf("killed after %s: migration %d recorded %d times with %d of its %d indexes, want all or nothing",
			delay, lastMigration.version, recorded, indexes, len(lastMigration.indexes))
	}
	return recorded == 1
}

// pathReceiver receives the webhooks of the crash matrix, one path per webhook, and
// counts per path which messages arrived (answered 2xx) and how many attempts it failed.
type pathReceiver struct {
	*httptest.Server
	mu        sync.Mutex
	delay     time.Duration
	held      chan struct{}             // while not nil, requests wait until it is closed
	failCount map[string]int            // path → how many first attempts of each message fail
	attempts  map[string]map[string]int // path → message id → attempts
	arrived   map[string]map[string]int // path → message id → attempts answered 2xx
	failed    map[string]int            // path → attempts answered 500
}

func newPathReceiver(t *testing.T) *pathReceiver {
	r := &pathReceiver{failCount: map[string]int{}, attempts: map[string]map[string]int{},
		arrived: map[string]map[string]int{}, failed: map[string]int{}}
	r.Server = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.Close)
	return r
}

func (r *pathReceiver) serve(w http.ResponseWriter, req *http.Request) {
	id := messageID(req)
	if id == "" {
		return // the harvestr challenge
	}
	name := strings.TrimPrefix(req.URL.Path, "/")
	r.mu.Lock()
	delay := r.delay
	if r.attempts[name] == nil {
		r.attempts[name], r.arrived[name] = map[string]int{}, map[string]int{}
	}
	r.attempts[name][id]++
	fail := r.attempts[name][id] <= r.failCount[name]
	held := r.held
	r.mu.Unlock()

	if held != nil {
		select {
		case <-held:
		case <-req.Context().Done():
			return
		}
	}
	time.Sleep(delay)
	r.mu.Lock()
	defer r.mu.Unlock()
	if fail {
		r.failed[name]++
		w.WriteHeader(500)
		return
	}
	r.arrived[name][id]++
}

func messageID(req *http.Request) string {
	var p struct {
		Data struct {
			ID string `json:"id"`
		} `json:"data"`
	}
	if json.NewDecoder(req.Body).Decode(&p) != nil {
		return ""
	}
	return p.Data.ID
}

func (r *pathReceiver) setDelay(d time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.delay = d
}

// hold makes requests wait until release, within their timeout (5 s by default).
func (r *pathReceiver) hold() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.held = make(chan struct{})
}

func (r *pathReceiver) release() {
	r.mu.Lock()
	defer r.mu.Unlock()
	close(r.held)
	r.held = nil
}

func (r *pathReceiver) failFirst(name string, n int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.failCount[name] = n
}

func (r *pathReceiver) successes(name string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.arrived[name])
}

func (r *pathReceiver) failures(name string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.failed[name]
}

func (r *pathReceiver) arrivedOf(name string, ids []string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, id := range ids {
		if r.arrived[name][id] > 0 {
			n++
		}
	}
	return n
}

// duplicates counts the messages that arrived at name more than once.
func (r *pathReceiver) duplicates(name string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, c := range r.arrived[name] {
		if c > 1 {
			n++
		}
	}
	return n
}
