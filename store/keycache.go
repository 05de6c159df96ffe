package store

import (
	"sync"
	"time"

	"github.com/feedwire/feedwire"
)

// keyCacheFor is how long Authenticate trusts what it read of a key without reading
// it again. Reading it was a tenth of the CPU of a REST write. A key revoked through
// this store stops working at once; one revoked through another node (Postgres) within
// this time.
const keyCacheFor = time.Second

// maxCachedKeys bounds the cache: past it, it starts afresh.
const maxCachedKeys = 10_000

// keyCache remembers what Authenticate read of each key, by the key's hash.
type keyCache struct {
	mu      sync.Mutex
	entries map[[32]byte]*cachedKey
	// generation counts the forgets, so that a key read before one is not put after it.
	generation uint64
}

// cachedKey is what Authenticate needs of a key to let a request in, as read at read.
type cachedKey struct {
	id        string
	workspace feedwire.Workspace
	lastUsed  *time.Time
	expires   *time.Time
	revoked   *time.Time
	read      time.Time // on the monotonic clock: freshness is not the store's time
}

// get returns the key of hash if it was read within keyCacheFor; if not, the
// generation to put it back with once read.
func (c *keyCache) get(hash [32]byte) (k cachedKey, ok bool, generation uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	cached, ok := c.entries[hash]
	if !ok || time.Since(cached.read) >= keyCacheFor {
		return cachedKey{}, false, c.generation
	}
	return *cached, true, c.generation
}

// put remembers k under hash, unless the keys were forgotten since generation: then k
// may be from before a change.
func (c *keyCache) put(hash [32]byte, k cachedKey, generation uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if generation != c.generation {
		return
	}
	if c.entries == nil || len(c.entries) >= maxCachedKeys {
		c.entries = map[[32]byte]*cachedKey{}
	}
	c.entries[hash] = &k
}

// usedAt notes that the key of hash was recorded as used at t.
func (c *keyCache) usedAt(hash [32]byte, t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if k, ok := c.entries[hash]; ok {
		k.lastUsed = &t
	}
}

// forget drops every key, after a change to any: the next request reads its key again.
func (c *keyCache) forget() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.entries = nil
	c.generation++
}
