package store

import (
	"encoding/base64"
	"encoding/hex"
	"fmt"

	"github.com/feedwire/feedwire"
)

// ListenSession returns the signing secret and webhook id of apiKey's listen streams,
// derived from the key with the store's secret key: stable across streams and restarts,
// never stored, and new when the key is rotated.
func (s *Store) ListenSession(apiKey string) (*feedwire.ListenSession, error) {
	secret, err := s.box.derive("listen secret", apiKey)
	if err != nil {
		return nil, fmt.Errorf("listen session: %w", err)
	}
	id, err := s.box.derive("listen webhook id", apiKey)
	if err != nil {
		return nil, fmt.Errorf("listen session: %w", err)
	}
	return &feedwire.ListenSession{
		Secret: feedwire.SecretPrefix + base64.StdEncoding.EncodeToString(secret),
		// As long as a webhook's id (newObjectID), so bodies keep their length.
		WebhookID: hex.EncodeToString(id[:12]),
	}, nil
}
