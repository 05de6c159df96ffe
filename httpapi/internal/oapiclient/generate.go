// Package oapiclient is a client of feedwire's API that oapi-codegen generated from the
// OpenAPI document the server serves (openapi.json, a snapshot of it). It is not a
// client to use (package client is): the httpapi tests drive the API with it, to show
// that the document makes a client that works without surprises.
//
// When the API changes, regenerate both the snapshot and the client:
//
//	go generate ./httpapi/internal/oapiclient
package oapiclient

//go:generate go test ../.. -run ^TestOpenAPISnapshot$ -update
//go:generate go tool oapi-codegen -config config.yaml openapi.json
