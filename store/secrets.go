package store

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/feedwire/feedwire"
)

// Webhook secrets are sealed at rest with AES-256-GCM: the secret and previous_secret
// columns hold sealedPrefix and the base64 of a random nonce and the ciphertext. The
// key comes from Options.SecretKey or from a file beside the database (keyFile), and a
// known text sealed with it (the secret_check table) makes a store opened with another
// key fail at once rather than at its first delivery.
//
// Writes seal them (secretValues, writeSecrets) and scanWebhook opens them, so every
// reader of a webhook, the dispatcher's claim included, sees it as it was given.

// sealedPrefix marks a sealed value and its format, so that a plain-text value left by
// a feedwire from before sealing is recognised and sealed on open.
const sealedPrefix = "fwsealed1:"

// The additional data bind a sealed value to its use: a sealed webhook secret does not
// open as the check value, nor the other way round.
var (
	secretAAD = []byte("feedwire webhook secret")
	checkAAD  = []byte("feedwire secret check")
)

// checkText is what secret_check holds, sealed.
const checkText = "feedwire secret check"

// secretBox seals and opens webhook secrets, and derives the secrets that are never
// stored (see derive).
type secretBox struct {
	// aead and deriving are set once, by Open, before the store is used.
	aead     cipher.AEAD
	deriving []byte // a key of its own for derive, made from the box's key
}

// setKey makes key, 32 bytes, the box's key.
func (b *secretBox) setKey(key []byte) error {
	if len(key) != 32 {
		return fmt.Errorf("want 32 bytes, got %d", len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return err
	}
	if b.aead, err = cipher.NewGCM(block); err != nil {
		return err
	}
	b.deriving, err = hkdf.Key(sha256.New, key, nil, "feedwire derived secrets", 32)
	return err
}

// derive returns a secret of 32 bytes for purpose and input: the same every time for
// the same key, purpose and input, and nothing anyone without the key can compute.
func (b *secretBox) derive(purpose, input string) ([]byte, error) {
	if b.deriving == nil {
		return nil, errors.New("the store has no secret key to derive secrets from")
	}
	mac := hmac.New(sha256.New, b.deriving)
	mac.Write([]byte(purpose))
	mac.Write([]byte{0})
	mac.Write([]byte(input))
	return mac.Sum(nil), nil
}

// seal returns plain sealed. GCM's random 96-bit nonces are safe for billions of
// seals under one key; a database seals one value per webhook secret it is given.
func (b *secretBox) seal(plain string, aad []byte) string {
	nonce := make([]byte, b.aead.NonceSize())
	rand.Read(nonce) // never returns an error
	return sealedPrefix + base64.RawStdEncoding.EncodeToString(b.aead.Seal(nonce, nonce, []byte(plain), aad))
}

// errWrongKey is a sealed value that does not open: another key sealed it, or it was
// tampered with. Its message never holds the value.
var errWrongKey = errors.New("a sealed webhook secret does not open with this secret key")

// open returns the plain text of a sealed value. A value without sealedPrefix is plain
// text already, as a feedwire from before sealing wrote it: it is returned as it is
// until Migrate seals it.
func (b *secretBox) open(stored string, aad []byte) (string, error) {
	encoded, ok := strings.CutPrefix(stored, sealedPrefix)
	if !ok {
		return stored, nil
	}
	if b.aead == nil {
		return "", errors.New("a webhook secret is sealed, and the store has no secret key")
	}
	raw, err := base64.RawStdEncoding.DecodeString(encoded)
	if err != nil || len(raw) < b.aead.NonceSize() {
		return "", errWrongKey
	}
	n := b.aead.NonceSize()
	plain, err := b.aead.Open(nil, raw[:n], raw[n:], aad)
	if err != nil {
		return "", errWrongKey
	}
	return string(plain), nil
}

// sealOptional seals a nullable secret.
func (b *secretBox) sealOptional(plain *string) *string {
	if plain == nil {
		return nil
	}
	sealed := b.seal(*plain, secretAAD)
	return &sealed
}

// parseSecretKey decodes a key given as 64 hexadecimal digits or in base64.
func parseSecretKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if len(s) == 64 {
		if key, err := hex.DecodeString(s); err == nil {
			return key, nil
		}
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if key, err := enc.DecodeString(s); err == nil && len(key) == 32 {
			return key, nil
		}
	}
	return nil, errors.New("must be 32 random bytes as 64 hexadecimal digits or in base64, such as the output of openssl rand -base64 32")
}

// keyFile returns where the key of the database at path is kept when none is given.
func keyFile(path string) string { return path + ".key" }

// resolveKey gives the box its key: the one given, else the key file's, else, for a
// database with no sealed secrets yet, a new one written to the key file. sealed says
// whether the database has sealed secrets.
func resolveKey(box *secretBox, path, given string, sealed bool) error {
	var key []byte
	var err error
	switch {
	case given != "":
		if key, err = parseSecretKey(given); err != nil {
			return fmt.Errorf("the secret key (FEEDWIRE_SECRET_KEY) %w", err)
		}
	default:
		key, err = readKeyFile(keyFile(path))
		if errors.Is(err, fs.ErrNotExist) {
			if sealed {
				return fmt.Errorf("its webhook secrets are encrypted, and there is no key: set FEEDWIRE_SECRET_KEY to the key it was first started with, or restore %s", keyFile(path))
			}
			key, err = createKeyFile(keyFile(path))
		}
		if err != nil {
			return err
		}
	}
	return box.setKey(key)
}

func readKeyFile(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if err := tighten(path); err != nil {
		return nil, err
	}
	key, err := parseSecretKey(string(b))
	if err != nil {
		return nil, fmt.Errorf("key file %s: %w", path, err)
	}
	return key, nil
}

// createKeyFile writes a new random key to path, readable by its owner only, and
// returns it. The key is written whole to a temporary file first and then linked into
// place, so a process starting at the same moment either wins or reads the winner's key.
func createKeyFile(path string) ([]byte, error) {
	key := make([]byte, 32)
	rand.Read(key) // never returns an error
	// CreateTemp makes the file 0600.
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".new*")
	if err != nil {
		return nil, fmt.Errorf("create key file: %w", err)
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.WriteString(base64.StdEncoding.EncodeToString(key) + "\n")
	if err == nil {
		err = tmp.Sync()
	}
	if closeErr := tmp.Close(); err == nil {
		err = closeErr
	}
	if err == nil {
		err = os.Link(tmp.Name(), path)
	}
	if errors.Is(err, fs.ErrExist) {
		return readKeyFile(path)
	}
	if err != nil {
		return nil, fmt.Errorf("create key file: %w", err)
	}
	// Without the directory's entry on disk a crash could lose the key, and with it
	// every secret sealed after this. Some systems cannot sync a directory; the key
	// is then as durable as they make it.
	if dir, err := os.Open(filepath.Dir(path)); err == nil {
		dir.Sync()
		dir.Close()
	}
	return key, nil
}

// secretsSealed reports whether the database has sealed secrets, and if so checks that
// box opens them.
func secretsSealed(ctx context.Context, db conn) (sealed bool, check string, err error) {
	var tables int
	exists := `SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'secret_check'`
	if db.engine == postgresEngine {
		exists = `SELECT count(*) FROM pg_tables WHERE schemaname = current_schema() AND tablename = 'secret_check'`
	}
	err = db.QueryRowContext(ctx, exists).Scan(&tables)
	if err != nil || tables == 0 {
		return false, "", err
	}
	err = db.QueryRowContext(ctx, `SELECT sealed FROM secret_check WHERE id = 1`).Scan(&check)
	if errors.Is(err, sql.ErrNoRows) {
		return false, "", nil
	}
	return err == nil, check, err
}

// sealSecrets seals the webhook secrets kept in plain text: every one of a database
// sealed for the first time (one from before sealing), and afterwards those an older
// feedwire wrote. It records the check value the first time. The write connection's
// secure_delete zeroes the plain text's old bytes, and a checkpoint that empties the
// WAL removes the copies the WAL held.
func (s *Store) sealSecrets(ctx context.Context) error {
	var sealed int
	err := s.inTx(ctx, func(tx *txn) error {
		var checked int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM secret_check`).Scan(&checked); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, `SELECT id, secret, previous_secret FROM webhooks`)
		if err != nil {
			return err
		}
		type row struct {
			id, secret string
			previous   *string
		}
		var plain []row
		for rows.Next() {
			var r row
			if err := rows.Scan(&r.id, &r.secret, &r.previous); err != nil {
				rows.Close()
				return err
			}
			if checked == 0 || !strings.HasPrefix(r.secret, sealedPrefix) || (r.previous != nil && !strings.HasPrefix(*r.previous, sealedPrefix)) {
				plain = append(plain, r)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, r := range plain {
			_, err := tx.ExecContext(ctx, `UPDATE webhooks SET secret = ?, previous_secret = ? WHERE id = ?`,
				s.sealUnlessSealed(r.secret, checked > 0), s.sealUnlessSealedOptional(r.previous, checked > 0), r.id)
			if err != nil {
				return err
			}
		}
		sealed = len(plain)
		if checked > 0 {
			return nil
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO secret_check (id, sealed, created_at) VALUES (1, ?, ?)`,
			s.box.seal(checkText, checkAAD), millis(s.clock()))
		return err
	})
	if err != nil {
		return fmt.Errorf("seal webhook secrets: %w", err)
	}
	if sealed > 0 && s.engine == sqliteEngine {
		// Busy (another process reading) leaves the WAL for a later checkpoint; the
		// pragma reports that in its row, not as an error.
		if _, err := s.write.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
			return fmt.Errorf("seal webhook secrets: checkpoint: %w", err)
		}
	}
	return nil
}

// sealUnlessSealed seals a stored value. Once the database has been sealed (trust), a
// value with sealedPrefix is sealed already; before, every value is plain text, even
// one that happens to start with the prefix.
func (s *Store) sealUnlessSealed(stored string, trust bool) string {
	if trust && strings.HasPrefix(stored, sealedPrefix) {
		return stored
	}
	return s.box.seal(stored, secretAAD)
}

func (s *Store) sealUnlessSealedOptional(stored *string, trust bool) *string {
	if stored == nil {
		return nil
	}
	sealed := s.sealUnlessSealed(*stored, trust)
	return &sealed
}

// openSecrets opens the sealed secrets of a webhook just read.
func (s *Store) openSecrets(w *feedwire.Webhook) error {
	var err error
	if w.Secret, err = s.box.open(w.Secret, secretAAD); err != nil {
		return err
	}
	if w.PreviousSecret != nil {
		previous, err := s.box.open(*w.PreviousSecret, secretAAD)
		if err != nil {
			return err
		}
		w.PreviousSecret = &previous
	}
	return nil
}
