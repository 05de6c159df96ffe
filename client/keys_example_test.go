package client_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"time"

	"github.com/feedwire/feedwire/client"
)

// Rotating the key a deployment uses: the new key is shown once, and the old one keeps
// working for an hour, long enough to roll the new one out.
func ExampleClient_RotateAPIKey() {
	c := client.New("http://127.0.0.1:8080", os.Getenv("FEEDWIRE_API_KEY"))
	ctx := context.Background()
	keys, err := c.APIKeys(ctx, client.ListOptions{})
	if err != nil {
		log.Fatal(err)
	}
	for _, k := range keys.Data {
		if k.Name != nil && *k.Name == "deploy" && k.Status(time.Now()) == "active" {
			rotated, err := c.RotateAPIKey(ctx, k.ID, time.Hour, client.APIKeyInput{})
			if err != nil {
				log.Fatal(err)
			}
			fmt.Println("new key:", rotated.Secret)
			fmt.Println("the old one stops at", rotated.Replaced.RevokedAt)
		}
	}
}
