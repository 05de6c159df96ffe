// Package webhook is feedwire's wire contract, for senders and receivers alike: the
// payload of every event in both wire formats (harvestr and featurebase), byte for byte
// as the vendors document them, and the three signature schemes.
//
// A receiver verifies and decodes deliveries with a Handler:
//
//	h := webhook.NewHandler(os.Getenv("FEEDWIRE_WEBHOOK_SECRET"))
//	webhook.On(h, "post.created", func(ctx context.Context, e *webhook.FeaturebaseEvent[webhook.Post]) error {
//		log.Println("new post:", e.Data.Item.Title)
//		return nil
//	})
//	http.Handle("/webhooks", h)
//
// or with Verify and Decode directly. Package webhooktest signs requests for a
// receiver's own tests.
//
// It imports only the standard library, so a receiver can depend on it without pulling
// in anything else of feedwire.
package webhook
