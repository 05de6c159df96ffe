package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/feedwire/feedwire"
)

// ClaimDeliveries takes due deliveries, as many as req allows and shared out fairly
// between workspaces and webhooks (feedwire.ShareClaims), and leases them until
// req.Now+req.Lease: their due time moves to the lease's end, so if the worker dies they
// are due again then. Deliveries of webhooks that are not active are skipped, except
// tests. It also says when to claim again: when the next delivery a claim could take is
// due, and whether some are due but held back by a concurrency bound.
func (s *Store) ClaimDeliveries(ctx context.Context, req feedwire.ClaimRequest) (*feedwire.Claimed, error) {
	out := &feedwire.Claimed{}
	err := s.claimTx(ctx, func(tx *txn) error {
		due, how, err := dueWebhooks(ctx, tx, req, out)
		if err != nil {
			return err
		}
		due, heads, err := dueInOrder(ctx, tx, due, how.fifo, req, out)
		if err != nil {
			return err
		}
		estimated, err := countDue(ctx, tx, due, heads, how.limits, req, out)
		if err != nil {
			return err
		}
		// Slots count from the clock as the claim runs, not from req.Now: a claim
		// that waited for the database would otherwise give slots already past, and
		// its deliveries would leave at once, close behind another node's.
		paceNow := s.clock().Add(slotLead)
		paces, err := paceDue(ctx, tx, due, how.limits, paceNow, out)
		if err != nil {
			return err
		}
		var ids []string
		dueCount := 0 // what the claim knows to be due: its counts, and what dueIDs found
		shares := feedwire.ShareClaims(due, req)
		for webhookID, n := range shares {
			if head, ok := heads[webhookID]; ok {
				ids = append(ids, head) // a FIFO webhook's one due delivery
				continue
			}
			taken, err := dueIDs(ctx, tx, webhookID, req.Now, n)
			if err != nil {
				return err
			}
			ids = append(ids, taken...)
			if estimated[webhookID] {
				dueCount += len(taken)
				if len(taken) == n && n < req.Limit {
					out.Held = true // the webhook's bound may have left some due
				}
			}
			if err := noteNextDue(ctx, tx, webhookID, req.Now, out); err != nil {
				return err
			}
		}
		for _, w := range due {
			if !estimated[w.ID] {
				dueCount += w.Due
			}
		}
		switch {
		case len(ids) == req.Limit:
			out.Next = req.Now // there may be more due right now
		case len(ids) < dueCount:
			out.Held = true // a workspace's bound held some back
		}
		if len(ids) == 0 {
			return nil
		}
		if out.Claims, err = leaseDeliveries(ctx, tx, ids, s.node+"."+newLease(), req); err != nil {
			return err
		}
		if err := giveSlots(ctx, tx, out.Claims, paces, paceNow); err != nil {
			return err
		}
		return s.attachWebhooks(ctx, tx, out.Claims)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// delivering says how the due webhooks of a claim are delivered to, where it is not
// the default: the rate limits of those that have one, and which are FIFO.
type delivering struct {
	limits map[string]feedwire.RateLimit
	fifo   map[string]bool
}

// dueWebhooks returns the webhooks with deliveries due at req.Now that have room for
// more attempts beside req.InFlight, and how they are delivered to. It notes in out
// when the soonest delivery not yet due, of a webhook with room, will be, and whether
// a webhook with deliveries due has no room. (A FIFO webhook's are seen again by
// dueInOrder, which looks at its head alone.)
func dueWebhooks(ctx context.Context, tx *txn, req feedwire.ClaimRequest, out *feedwire.Claimed) ([]feedwire.DueWebhook, delivering, error) {
	// An active webhook's pending deliveries are due at next_attempt_at (held ones have
	// none); another webhook's are held, but for tests, which go whatever its status.
	rows, err := tx.QueryContext(ctx, `
		SELECT w.id, w.workspace_id, (SELECT min(d.next_attempt_at) FROM deliveries d
			WHERE d.webhook_id = w.id AND d.status = 'pending') AS due, w.rate_per_second, w.rate_burst,
			w.ordering
		FROM webhooks w WHERE w.status = 'active'
		UNION ALL
		SELECT d.webhook_id, d.workspace_id, min(d.next_attempt_at), min(w.rate_per_second), min(w.rate_burst),
			'unordered' -- tests of a webhook that is not active go at once
		FROM deliveries d JOIN webhooks w ON w.id = d.webhook_id
		WHERE d.test = TRUE AND d.status = 'pending' AND w.status != 'active'
		GROUP BY d.webhook_id, d.workspace_id`)
	how := delivering{limits: map[string]feedwire.RateLimit{}, fifo: map[string]bool{}}
	if err != nil {
		return nil, how, fmt.Errorf("claim deliveries: %w", err)
	}
	var due []feedwire.DueWebhook
	for rows.Next() {
		w := feedwire.DueWebhook{}
		var oldest *int64
		var perSecond, burst *int
		var ordering feedwire.Ordering
		if err := rows.Scan(&w.ID, &w.WorkspaceID, &oldest, &perSecond, &burst, &ordering); err != nil {
			rows.Close()
			return nil, how, fmt.Errorf("claim deliveries: %w", err)
		}
		if oldest == nil {
			continue // nothing pending, or all of it held
		}
		if perSecond != nil && burst != nil {
			how.limits[w.ID] = feedwire.RateLimit{PerSecond: *perSecond, Burst: *burst}
		}
		if ordering == feedwire.OrderingFIFO {
			how.fifo[w.ID] = true
		}
		w.Oldest, w.InFlight = time.UnixMilli(*oldest), req.InFlight.ByWebhook[w.ID]
		switch {
		case !hasRoom(req.PerWebhook, w.InFlight) || !hasRoom(req.PerWorkspace, req.InFlight.ByWorkspace[w.WorkspaceID]):
			out.Held = out.Held || !w.Oldest.After(req.Now)
		case w.Oldest.After(req.Now):
			out.ClaimBy(w.Oldest)
		default:
			due = append(due, w)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, how, fmt.Errorf("claim deliveries: %w", err)
	}
	return due, how, nil
}

func hasRoom(bound, inFlight int) bool { return bound <= 0 || inFlight < bound }

// countDue sets how many deliveries each due webhook has due, counted up to what the
// claim could take of it, where the number matters: for every webhook when the claim
// cannot take all that every webhook's bound allows (it is shared out by the counts),
// and for a rate-limited webhook (its pace fits the count). Otherwise a webhook's Due is
// its bound, and dueIDs finds what there is: counting first read the same index
// entries twice (on Postgres, where they include the dead versions of leased
// deliveries, the count was a fifth of a drain's time in the database). It returns the
// webhooks whose Due is only their bound. A FIFO webhook's Due is already its head's 1.
func countDue(ctx context.Context, tx *txn, due []feedwire.DueWebhook, heads map[string]string, limits map[string]feedwire.RateLimit, req feedwire.ClaimRequest, out *feedwire.Claimed) (map[string]bool, error) {
	bounds := make([]int, len(due))
	total, byWorkspace := 0, map[string]int{}
	for i, w := range due {
		bounds[i] = req.Limit
		if req.PerWebhook > 0 {
			bounds[i] = min(bounds[i], req.PerWebhook-w.InFlight)
		}
		if _, ok := heads[w.ID]; ok {
			bounds[i] = w.Due
		}
		total += bounds[i]
		byWorkspace[w.WorkspaceID] += bounds[i]
	}
	countAll := sharingNeedsCounts(total, byWorkspace, req)
	estimated := map[string]bool{}
	for i := range due {
		_, head := heads[due[i].ID]
		_, limited := limits[due[i].ID]
		switch {
		case head:
		case !countAll && !limited:
			due[i].Due = bounds[i]
			estimated[due[i].ID] = true
		default:
			// Counting stops at what the claim could take, so a backlog of millions
			// costs no more than a few.
			err := tx.QueryRowContext(ctx, `SELECT count(*) FROM (SELECT 1 FROM deliveries
				WHERE webhook_id = ? AND status = 'pending' AND next_attempt_at <= ? LIMIT ?) AS due`,
				due[i].ID, millis(req.Now), bounds[i]).Scan(&due[i].Due)
			if err != nil {
				return nil, fmt.Errorf("claim deliveries: %w", err)
			}
			if due[i].Due == bounds[i] && bounds[i] < req.Limit {
				out.Held = true // the webhook's bound may leave some due
			}
		}
	}
	return estimated, nil
}

// sharingNeedsCounts reports whether bounds adding up to total, byWorkspace for each
// workspace, are more than the claim may take: then the claim is shared out by what
// each webhook has due.
func sharingNeedsCounts(total int, byWorkspace map[string]int, req feedwire.ClaimRequest) bool {
	if total > req.Limit {
		return true
	}
	for workspaceID, n := range byWorkspace {
		if req.PerWorkspace > 0 && n > req.PerWorkspace-req.InFlight.ByWorkspace[workspaceID] {
			return true
		}
	}
	return false
}

// noteNextDue notes in out when the webhook's soonest pending delivery that is not due
// yet will be: a retry, or the end of a lease. dueWebhooks cannot see it behind the
// deliveries due now; once a claim has taken those, nothing else would wake the
// dispatcher for it before its poll.
func noteNextDue(ctx context.Context, tx *txn, webhookID string, now time.Time, out *feedwire.Claimed) error {
	var next *int64
	err := tx.QueryRowContext(ctx, `SELECT min(next_attempt_at) FROM deliveries
		WHERE webhook_id = ? AND status = 'pending' AND next_attempt_at > ?`, webhookID, millis(now)).Scan(&next)
	if err != nil {
		return fmt.Errorf("claim deliveries: %w", err)
	}
	if next != nil {
		out.ClaimBy(time.UnixMilli(*next))
	}
	return nil
}

// dueIDs returns the stored ids of up to n of a webhook's due deliveries, the longest
// waiting first. A webhook that is not active only has tests due.
func dueIDs(ctx context.Context, tx *txn, webhookID string, now time.Time, n int) ([]string, error) {
	query := `SELECT d.id FROM deliveries d JOIN webhooks w ON w.id = d.webhook_id
		WHERE d.webhook_id = ? AND d.status = 'pending' AND d.next_attempt_at <= ? AND (w.status = 'active' OR d.test = TRUE)
		ORDER BY d.next_attempt_at LIMIT ?`
	if tx.engine == postgresEngine {
		// Nodes claim side by side: each passes over the rows another is claiming
		// rather than wait for them, and takes the next ones.
		query += ` FOR UPDATE OF d SKIP LOCKED`
	}
	rows, err := tx.QueryContext(ctx, query, webhookID, millis(now), n)
	if err != nil {
		return nil, fmt.Errorf("claim deliveries: %w", err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("claim deliveries: %w", err)
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// leaseDeliveries leases the deliveries with these stored ids and reads them with
// their events, in the order of their ids. It works in chunks (inChunks), so that a
// claim of any size runs a few prepared statements rather than a new text for each
// number of ids.
func leaseDeliveries(ctx context.Context, tx *txn, ids []string, token string, req feedwire.ClaimRequest) ([]*feedwire.Claim, error) {
	slices.Sort(ids)
	var claims []*feedwire.Claim
	err := inChunks(ids, func(part []string) error {
		args := make([]any, 0, len(part)+2)
		args = append(args, millis(req.Now.Add(req.Lease)), token)
		for _, id := range part {
			args = append(args, id)
		}
		_, err := tx.ExecContext(ctx, `UPDATE deliveries SET next_attempt_at = ?, lease = ? WHERE id IN (`+
			placeholders(len(part))+`)`, args...)
		if err != nil {
			return fmt.Errorf("lease deliveries: %w", err)
		}
		read, err := readClaims(ctx, tx, part, token)
		claims = append(claims, read...)
		return err
	})
	return claims, err
}

// readClaims reads the deliveries with these stored ids, leased under token, with
// their events.
func readClaims(ctx context.Context, tx *txn, ids []string, token string) ([]*feedwire.Claim, error) {
	rows, err := tx.QueryContext(ctx, `SELECT d.id, d.workspace_id, d.webhook_id, d.event_id, d.event_type, d.status,
			d.attempts, d.last_attempt_at, d.last_status_code, d.test, d.created_at, d.updated_at,
			e.resource_type, e.resource_id, e.data, e.changes, e.conversation_id, e.conversation_url, e.created_at
		FROM deliveries d JOIN events e ON e.id = d.event_id
		WHERE d.id IN (`+placeholders(len(ids))+`) ORDER BY d.id`, anys(ids)...)
	if err != nil {
		return nil, fmt.Errorf("claim deliveries: %w", err)
	}
	defer rows.Close()
	var claims []*feedwire.Claim
	for rows.Next() {
		c := &feedwire.Claim{Lease: token}
		d, e := &c.Delivery, &c.Event
		var data string
		var changes, conversationID, conversationURL *string
		err := rows.Scan(&d.ID, &d.WorkspaceID, &d.WebhookID, &d.EventID, &d.EventType, &d.Status, &d.Attempts,
			nullTimeColumn{&d.LastAttemptAt}, &d.LastStatusCode, &d.Test, timeColumn{&d.CreatedAt}, timeColumn{&d.UpdatedAt},
			&e.ResourceType, &e.ResourceID, &data, &changes, &conversationID, &conversationURL, timeColumn{&e.CreatedAt})
		if err != nil {
			return nil, fmt.Errorf("claim deliveries: %w", err)
		}
		d.ID = envelopeID(d.ID, d.EventType)
		e.ID, e.WorkspaceID, e.Type, e.Data = d.EventID, d.WorkspaceID, d.EventType, []byte(data)
		e.ConversationID, e.ConversationURL = deref(conversationID), deref(conversationURL)
		if changes != nil {
			e.Changes = []byte(*changes)
		}
		claims = append(claims, c)
	}
	return claims, rows.Err()
}

// attachWebhooks reads each claimed delivery's webhook once.
func (s *Store) attachWebhooks(ctx context.Context, tx *txn, claims []*feedwire.Claim) error {
	byID := map[string]*feedwire.Webhook{}
	for _, c := range claims {
		w, ok := byID[c.Delivery.WebhookID]
		if !ok {
			var err error
			w, err = s.scanWebhook(tx.QueryRowContext(ctx, `SELECT `+webhookColumns+` FROM webhooks WHERE id = ?`, c.Delivery.WebhookID))
			if err != nil {
				return fmt.Errorf("claim deliveries: webhook %s: %w", c.Delivery.WebhookID, err)
			}
			byID[w.ID] = w
		}
		c.Webhook = w
	}
	return nil
}

// RecordAttempts records a batch of finished attempts in one transaction (group
// commit): each attempt, its delivery's new state, and its webhook's health. A delivery
// whose lease another claim took meanwhile keeps the other claim's state; its attempt
// is still recorded, since it happened.
//
// On Postgres, where batches commit side by side, it runs at read committed and locks
// its webhooks first, in the order of their ids: each batch then reads the health the
// last one left and writes it anew, one after another. At the serializable level
// batches that both updated a webhook failed each other, again and again. On SQLite a
// claim does not wait for a record's sync (durableRecord).
func (s *Store) RecordAttempts(ctx context.Context, results []feedwire.AttemptResult, suspendAfter time.Duration) error {
	// A suspension changes an attempt's outcome; a run of fn that Postgres makes again
	// starts from the outcomes as decided, not as the failed run left them.
	decided := make([]feedwire.Attempt, len(results))
	for i, r := range results {
		decided[i] = r.Attempt
	}
	return s.writeTxAs(ctx, sql.LevelReadCommitted, durableRecord, func(tx *txn) error {
		for i := range results {
			results[i].Attempt.Outcome, results[i].Attempt.NextAttemptAt = decided[i].Outcome, decided[i].NextAttemptAt
		}
		webhooks, err := s.lockWebhooks(ctx, tx, results)
		if err != nil {
			return err
		}
		var recorded []*feedwire.AttemptResult
		var suspensions []suspension
		for i := range results {
			r := &results[i]
			w, ok := webhooks[r.Claim.Delivery.WebhookID]
			if !ok {
				continue // the webhook was deleted, and its deliveries with it
			}
			if w.RecordAttempt(&r.Attempt, suspendAfter, r.Claim.Delivery.Test) {
				// Held until the webhook is active again: no next attempt is scheduled.
				r.Attempt.Outcome, r.Attempt.NextAttemptAt = feedwire.OutcomeSuspended, nil
				if err := holdOrRelease(ctx, tx, feedwire.WebhookActive, w, r.Attempt.StartedAt); err != nil {
					return err
				}
				w.UpdatedAt = s.clock()
				suspension, err := newSuspension(w, w.UpdatedAt)
				if err != nil {
					return err
				}
				suspensions = append(suspensions, suspension)
			}
			recorded = append(recorded, r)
		}
		if tx.engine == postgresEngine {
			// Each delivery is found by its primary key. Postgres, whose statistics of
			// a table that grew fast lag behind it, may otherwise join the VALUES list
			// to a scan of the whole table.
			if _, err := tx.ExecContext(ctx, `SET LOCAL enable_hashjoin = off; SET LOCAL enable_mergejoin = off`); err != nil {
				return fmt.Errorf("record attempts: %w", err)
			}
		}
		if err := insertAttempts(ctx, tx, recorded); err != nil {
			return err
		}
		if err := updateAttempted(ctx, tx, recorded, webhooks); err != nil {
			return err
		}
		if err := recordDeliveriesFailed(ctx, tx, recorded, webhooks, s.clock()); err != nil {
			return err
		}
		// updatedAt says when the webhook's settings or status last changed (above, for
		// a suspension), not its health: a PATCH checked against it (UpdateWebhook) must
		// not fail because a delivery was recorded meanwhile.
		for _, w := range webhooks {
			if err := writeWebhook(ctx, tx, w); err != nil {
				return err
			}
		}
		// Recorded once the suspensions are written, so that a suspended operational
		// webhook is not sent its own suspension.
		for _, suspension := range suspensions {
			if err := suspension.record(ctx, tx); err != nil {
				return err
			}
		}
		return nil
	})
}

// lockWebhooks reads the webhooks of the results, by id, each locked for update on
// Postgres, in the order of their ids so that batches never wait for each other in a
// circle. A deleted webhook is missing from the map.
func (s *Store) lockWebhooks(ctx context.Context, tx *txn, results []feedwire.AttemptResult) (map[string]*feedwire.Webhook, error) {
	var ids []string
	for _, r := range results {
		ids = append(ids, r.Claim.Delivery.WebhookID)
	}
	slices.Sort(ids)
	query := `SELECT ` + webhookColumns + ` FROM webhooks WHERE id = ?`
	if tx.engine == postgresEngine {
		query += ` FOR NO KEY UPDATE` // the key share lock of a write queueing deliveries goes on
	}
	webhooks := map[string]*feedwire.Webhook{}
	for _, id := range slices.Compact(ids) {
		w, err := s.scanWebhook(tx.QueryRowContext(ctx, query, id))
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("record attempts: %w", err)
		}
		webhooks[id] = w
	}
	return webhooks, nil
}

// Attempts are written many rows to a statement: a statement's own cost (a round trip
// to Postgres, a step through SQLite's engine) was most of a row's. Batches are cut
// into these sizes, largest first, so that a few statement texts serve every batch
// and stay prepared.
var rowsPerStatement = []int{64, 16, 4, 1}

// inChunks calls write with successive parts of rows, each of a size in
// rowsPerStatement.
func inChunks[T any](rows []T, write func(part []T) error) error {
	for _, size := range rowsPerStatement {
		for len(rows) >= size {
			if err := write(rows[:size]); err != nil {
				return err
			}
			rows = rows[size:]
		}
	}
	return nil
}

// valuesList is n rows of the placeholders row, for a VALUES list.
func valuesList(row string, n int) string {
	return strings.TrimSuffix(strings.Repeat(row+", ", n), ", ")
}

// insertAttempts stores the attempts, giving each its id.
func insertAttempts(ctx context.Context, tx *txn, results []*feedwire.AttemptResult) error {
	return inChunks(results, func(part []*feedwire.AttemptResult) error {
		args := make([]any, 0, 16*len(part))
		for _, r := range part {
			a := &r.Attempt
			id, err := newEventID()
			if err != nil {
				return err
			}
			a.ID = id
			requestHeaders := headerJSON(a.RequestHeaders)
			var responseHeaders *string
			if a.ResponseHeaders != nil {
				h := headerJSON(a.ResponseHeaders)
				responseHeaders = &h
			}
			requestBody := a.RequestBody
			if requestBody == nil {
				requestBody = []byte{} // the request was never built
			}
			args = append(args, a.ID, storedID(r.Claim.Delivery.ID), a.WebhookID, a.Number, millis(a.StartedAt),
				a.Duration.Microseconds(), a.RequestURL, requestHeaders, requestBody, nullZero(a.ResponseStatus),
				responseHeaders, a.ResponseBody, nullZero(string(a.ErrorClass)), nullZero(a.ErrorMessage), a.Outcome,
				nullMillis(a.NextAttemptAt))
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO attempts (id, delivery_id, webhook_id, number, started_at, duration_us,
			request_url, request_headers, request_body, response_status, response_headers, response_body, error_class,
			error_message, outcome, next_attempt_at) VALUES `+valuesList("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", len(part)),
			args...)
		if err != nil {
			return fmt.Errorf("record attempts: %w", err)
		}
		return nil
	})
}

// updateAttempted applies each attempt's outcome to its delivery, if the delivery is
// still under the claim that made the attempt. A pending delivery of a webhook that
// is not active, as the batch leaves it, is held until the webhook is active again.
func updateAttempted(ctx context.Context, tx *txn, results []*feedwire.AttemptResult, webhooks map[string]*feedwire.Webhook) error {
	return inChunks(results, func(part []*feedwire.AttemptResult) error {
		args := make([]any, 0, 7*len(part))
		for _, r := range part {
			a := &r.Attempt
			status, next := feedwire.DeliveryPending, a.NextAttemptAt
			switch a.Outcome {
			case feedwire.OutcomeDelivered:
				status, next = feedwire.DeliverySucceeded, nil
			case feedwire.OutcomeFailed:
				status, next = feedwire.DeliveryFailed, nil
			}
			if status == feedwire.DeliveryPending && webhooks[r.Claim.Delivery.WebhookID].Status != feedwire.WebhookActive {
				next = nil
			}
			args = append(args, storedID(r.Claim.Delivery.ID), r.Claim.Lease, status, a.Number, nullMillis(next),
				millis(a.StartedAt), nullZero(a.ResponseStatus))
		}
		// The values are cast: Postgres gives the columns of a VALUES list a type
		// from the values alone, and takes a parameter for text.
		_, err := tx.ExecContext(ctx, `UPDATE deliveries SET status = v.column3, attempts = v.column4,
			next_attempt_at = v.column5, lease = NULL, last_attempt_at = v.column6, last_status_code = v.column7,
			updated_at = v.column6
			FROM (VALUES `+valuesList("(CAST(? AS TEXT), CAST(? AS TEXT), CAST(? AS TEXT), CAST(? AS BIGINT), "+
			"CAST(? AS BIGINT), CAST(? AS BIGINT), CAST(? AS BIGINT))", len(part))+`) AS v
			WHERE deliveries.id = v.column1 AND deliveries.lease = v.column2`, args...)
		if err != nil {
			return fmt.Errorf("record attempts: %w", err)
		}
		return nil
	})
}

// nullZero stores a zero value as NULL.
func nullZero[T comparable](v T) any {
	var zero T
	if v == zero {
		return nil
	}
	return v
}

// ReleaseLeases makes due at now the leased deliveries that no live process holds. On
// SQLite that is every lease: one serve owns the database (Options.Owner), so at its
// start any lease is a dead process's. On Postgres other nodes may be at work, so it
// releases none; a dead node's leases run out by themselves (a lease moves a delivery's
// due time to its end), and whichever node claims next takes those deliveries.
func (s *Store) ReleaseLeases(ctx context.Context, now time.Time) (int, error) {
	if s.engine == postgresEngine {
		return 0, nil
	}
	return s.releaseLeases(ctx, now, `lease IS NOT NULL`)
}

// ReleaseOwnLeases makes due at now the deliveries this store's own claims still hold:
// what a node stopping cleanly gives back, so that others need not wait for its leases
// to run out. It never touches another node's.
func (s *Store) ReleaseOwnLeases(ctx context.Context, now time.Time) (int, error) {
	return s.releaseLeases(ctx, now, `lease >= ? AND lease < ?`, s.node+".", s.node+"/")
}

// releaseLeases makes the pending deliveries whose lease matches where due at now.
func (s *Store) releaseLeases(ctx context.Context, now time.Time, where string, args ...any) (int, error) {
	var n int64
	err := s.inTx(ctx, func(tx *txn) error {
		res, err := tx.ExecContext(ctx, `UPDATE deliveries SET next_attempt_at = ?, lease = NULL
			WHERE status = 'pending' AND `+where, append([]any{millis(now)}, args...)...)
		if err != nil {
			return fmt.Errorf("release leases: %w", err)
		}
		n, _ = res.RowsAffected()
		tx.deliveries += int(n)
		return nil
	})
	return int(n), err
}

// QueueDepth counts the pending deliveries, held ones included.
func (s *Store) QueueDepth(ctx context.Context) (int, error) {
	var n int
	err := s.read.QueryRowContext(ctx, `SELECT count(*) FROM deliveries WHERE status = 'pending'`).Scan(&n)
	return n, err
}

// QueueStats counts the pending deliveries by state at now and finds the oldest due
// time among the due ones. A delivery is held when it has no due time, or when its
// webhook is not active and it is not a test (tests go whatever the webhook's status).
func (s *Store) QueueStats(ctx context.Context, now time.Time) (feedwire.QueueStats, error) {
	const held = `(d.next_attempt_at IS NULL OR (w.status != 'active' AND d.test = FALSE))`
	var stats feedwire.QueueStats
	var oldest *int64
	err := s.read.QueryRowContext(ctx, `SELECT
			COALESCE(SUM(CASE WHEN `+held+` THEN 0 WHEN d.next_attempt_at <= ? THEN 1 ELSE 0 END), 0),
			COALESCE(SUM(CASE WHEN `+held+` THEN 0 WHEN d.next_attempt_at > ? THEN 1 ELSE 0 END), 0),
			COALESCE(SUM(CASE WHEN `+held+` THEN 1 ELSE 0 END), 0),
			MIN(CASE WHEN `+held+` THEN NULL WHEN d.next_attempt_at <= ? THEN d.next_attempt_at END)
		FROM deliveries d JOIN webhooks w ON w.id = d.webhook_id WHERE d.status = 'pending'`,
		millis(now), millis(now), millis(now)).Scan(&stats.Due, &stats.Waiting, &stats.Held, &oldest)
	if err != nil {
		return stats, fmt.Errorf("queue stats: %w", err)
	}
	if oldest != nil {
		stats.OldestDue = time.UnixMilli(*oldest)
	}
	return stats, nil
}

func newLease() string {
	b := make([]byte, 8)
	rand.Read(b)
	return hex.EncodeToString(b)
}

func placeholders(n int) string {
	return valuesList("?", n)
}
