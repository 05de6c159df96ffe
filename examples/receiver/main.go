// Command receiver is a webhook receiver built on feedwire's webhook package: it listens
// on 127.0.0.1:9000, answers the harvestr challenge, and prints every delivery whose
// signature it verified with FEEDWIRE_WEBHOOK_SECRET (and, during a rotation,
// FEEDWIRE_WEBHOOK_OLD_SECRET). It is the receiver of the README's walk-through.
//
//	FEEDWIRE_WEBHOOK_SECRET=our-shared-token go run ./examples/receiver
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"log/slog"
	"net/http"
	"os"

	"github.com/feedwire/feedwire/webhook"
)

func main() {
	addr := "127.0.0.1:9000"
	if a := os.Getenv("ADDR"); a != "" {
		addr = a
	}
	var opts []webhook.Option
	if old := os.Getenv("FEEDWIRE_WEBHOOK_OLD_SECRET"); old != "" {
		opts = append(opts, webhook.WithSecrets(old))
	}
	secret := os.Getenv("FEEDWIRE_WEBHOOK_SECRET")
	if secret == "" {
		log.Fatal("set FEEDWIRE_WEBHOOK_SECRET to the webhook's secret: without one, nothing can be verified")
	}
	h := webhook.NewHandler(secret, opts...)
	h.Deduplicator = webhook.NewMemoryDeduplicator(10_000) // deliveries come at least once
	h.Logger = slog.Default()                              // says why a request was refused
	h.OnAny(func(_ context.Context, event any) error {
		b, err := json.Marshal(event)
		if err != nil {
			return err
		}
		fmt.Printf("%s\n", b)
		return nil
	})
	http.Handle("/", h)
	log.Printf("receiving webhooks on http://%s/", addr)
	log.Fatal(http.ListenAndServe(addr, nil))
}
