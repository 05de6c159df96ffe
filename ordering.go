package feedwire

// Ordering says whether a webhook's deliveries may arrive in any order or must arrive
// in the order their events were committed.
type Ordering string

// The orderings. Unordered is the default: a webhook's deliveries go side by side, up
// to its concurrency bound, and one that fails is retried while the others go on.
//
// A FIFO webhook gets one delivery at a time, in the order its events were committed
// (the order each delivery was queued to it, replays and tests included). A delivery
// that fails holds every one after it until it succeeds or fails for good, its retries
// keeping its place; Delivery.WaitingFor names the delivery a held one waits behind. A
// recovered delivery takes its old place again, ahead of those queued after it.
const (
	OrderingUnordered Ordering = "unordered"
	OrderingFIFO      Ordering = "fifo"
)

// checkOrdering accepts an empty ordering, which is unordered.
func checkOrdering(p *Problems, o Ordering) {
	if o != "" && o != OrderingUnordered && o != OrderingFIFO {
		p.Add("ordering", "must be unordered or fifo")
	}
}

// OrderingOrDefault returns o, or OrderingUnordered when o is empty.
func OrderingOrDefault(o Ordering) Ordering {
	if o == "" {
		return OrderingUnordered
	}
	return o
}
