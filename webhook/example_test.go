package webhook_test

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"time"

	"github.com/feedwire/feedwire/webhook"
	"github.com/feedwire/feedwire/webhook/webhooktest"
)

const postCreated = `{"object":"notification_event","id":"notif_0194","topic":"post.created",` +
	`"organizationId":"org","webhookId":"wh","createdAt":"2025-01-15T14:30:00.000Z","deliveryStatus":"pending",` +
	`"data":{"object":"notification_event_data","item":{"object":"post","id":"p1","title":"Dark mode"}}}`

// A receiver registers a function per event type; the handler verifies, decodes and
// dispatches.
func ExampleHandler() {
	h := webhook.NewHandler("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
	h.Deduplicator = webhook.NewMemoryDeduplicator(10_000) // feedwire delivers at least once
	webhook.On(h, webhook.EventPostCreated, func(ctx context.Context, e *webhook.FeaturebaseEvent[webhook.Post]) error {
		fmt.Println("new post:", e.Data.Item.Title)
		return nil
	})
	// http.Handle("/webhooks", h) in a real server; here, a signed test request.
	req, _ := webhooktest.NewRequest("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "/webhooks", []byte(postCreated), time.Now())
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	fmt.Println(rec.Code)
	// Output:
	// new post: Dark mode
	// 200
}

// Verify checks every signature of a delivery and tells why it refuses one.
func ExampleVerify() {
	secret := "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	sent := time.Date(2025, 1, 15, 14, 30, 0, 0, time.UTC)
	req, _ := webhooktest.NewRequest(secret, "/webhooks", []byte(postCreated), sent)

	err := webhook.Verify(secret, req.Header, []byte(postCreated), webhook.WithClock(func() time.Time { return sent }))
	fmt.Println(err)
	err = webhook.Verify(secret, req.Header, []byte(postCreated), webhook.WithClock(func() time.Time { return sent.Add(6 * time.Minute) }))
	fmt.Println(errors.Is(err, webhook.ErrTimestampOutOfRange))
	// Output:
	// <nil>
	// true
}

// Decode returns the typed event of a body's type.
func ExampleDecode() {
	event, err := webhook.Decode([]byte(postCreated))
	if err != nil {
		panic(err)
	}
	switch e := event.(type) {
	case *webhook.FeaturebaseEvent[webhook.Post]:
		fmt.Println(e.Topic, e.Data.Item.ID)
	}
	// Output: post.created p1
}
