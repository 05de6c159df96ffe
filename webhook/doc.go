// Package webhook is feedwire's wire contract, for senders and receivers alike: the
// payload of every event in both wire formats (harvestr and featurebase), byte for byte
// as the vendors document them.
//
// It imports only the standard library, so a receiver can depend on it without pulling
// in anything else of feedwire.
package webhook
