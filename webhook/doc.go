// Package webhook is feedwire's wire contract, for senders and receivers alike: the
// payload of every event in both wire formats (harvestr and featurebase), byte for byte
// as the vendors document them, the payloads of feedwire's own operational events
// (OperationalEvent), and the three signature schemes.
//
// A receiver verifies and decodes deliveries with a Handler:
//
//	h := webhook.NewHandler(os.Getenv("FEEDWIRE_WEBHOOK_SECRET"))
//	webhook.On(h, webhook.EventPostCreated, func(ctx context.Context, e *webhook.FeaturebaseEvent[webhook.Post]) error {
//		log.Println("new post:", e.Data.Item.Title)
//		return nil
//	})
//	http.Handle("/webhooks", h)
//
// The handler also answers the harvestr challenge, so a harvestr webhook can be
// registered to it. To rotate a webhook's secret without missing a delivery, give the
// handler both secrets, webhook.NewHandler(newSecret, webhook.WithSecrets(oldSecret)),
// before or during the grace period, and drop the old one after it: feedwire signs
// webhook-signature with both secrets meanwhile, and the vendor headers with the old
// one until the period ends.
//
// or with Verify and Decode directly. Package webhooktest signs requests for a
// receiver's own tests.
//
// It imports only the standard library, so a receiver can depend on it without pulling
// in anything else of feedwire.
package webhook
