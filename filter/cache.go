package filter

import "sync"

// maxCached bounds a Cache: past it, the cache starts afresh. Each workspace has at
// most a few hundred webhooks, so this is rarely reached, and never grows without end.
const maxCached = 4096

// Cache keeps compiled filters by their JSON text, so that a filter stored with a
// webhook is compiled once, when it is first met, and not for every event the webhook
// is considered for. It is safe for concurrent use; the zero Cache is ready.
type Cache struct {
	mu     sync.Mutex
	byText map[string]*Filter
}

// Parse returns the compiled filter of raw, compiling it only the first time.
func (c *Cache) Parse(raw []byte) (*Filter, error) {
	c.mu.Lock()
	f, ok := c.byText[string(raw)]
	c.mu.Unlock()
	if ok {
		return f, nil
	}
	f, err := Parse(raw)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.byText == nil || len(c.byText) >= maxCached {
		c.byText = map[string]*Filter{}
	}
	c.byText[string(raw)] = f
	return f, nil
}
