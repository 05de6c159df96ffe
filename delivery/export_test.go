package delivery

// What the external tests (package delivery_test) use of this package's own test code.
var StartFakeDNS = startFakeDNS

// WithBeforeConnect runs f after the address check and before each connect; an error
// from f stops the connect.
func WithBeforeConnect(f func(address string) error) ClientOption {
	return func(o *clientOptions) { o.beforeConnect = f }
}
