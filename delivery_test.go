package feedwire

import (
	"fmt"
	"maps"
	"testing"
	"time"
)

func TestShareClaims(t *testing.T) {
	t0 := time.Date(2025, 1, 15, 10, 0, 0, 0, time.UTC)
	at := func(seconds int) time.Time { return t0.Add(time.Duration(seconds) * time.Second) }
	for _, tc := range []struct {
		name string
		due  []DueWebhook
		req  ClaimRequest
		want map[string]int
	}{
		{
			name: "one webhook takes what is due, up to the limit",
			due:  []DueWebhook{{ID: "w1", WorkspaceID: "a", Oldest: at(0), Due: 500}},
			req:  ClaimRequest{Limit: 256},
			want: map[string]int{"w1": 256},
		},
		{
			name: "a webhook's bound counts its attempts under way",
			due:  []DueWebhook{{ID: "w1", WorkspaceID: "a", Oldest: at(0), Due: 500, InFlight: 30}},
			req:  ClaimRequest{Limit: 256, PerWebhook: 32},
			want: map[string]int{"w1": 2},
		},
		{
			name: "a workspace at its bound gets nothing; the other gets its turn",
			due:  []DueWebhook{{ID: "w1", WorkspaceID: "a", Oldest: at(0), Due: 500}, {ID: "w2", WorkspaceID: "b", Oldest: at(9), Due: 1}},
			req:  ClaimRequest{Limit: 10, PerWorkspace: 96, InFlight: InFlight{ByWorkspace: map[string]int{"a": 96}}},
			want: map[string]int{"w2": 1},
		},
		{
			name: "workspaces take turns, so a small one is not behind a big one's backlog",
			due: []DueWebhook{
				{ID: "a1", WorkspaceID: "a", Oldest: at(0), Due: 100}, {ID: "a2", WorkspaceID: "a", Oldest: at(1), Due: 100},
				{ID: "b1", WorkspaceID: "b", Oldest: at(5), Due: 2},
			},
			req:  ClaimRequest{Limit: 6},
			want: map[string]int{"a1": 2, "a2": 2, "b1": 2},
		},
		{
			name: "webhooks of one workspace take turns, the longest waiting first",
			due: []DueWebhook{
				{ID: "late", WorkspaceID: "a", Oldest: at(9), Due: 10}, {ID: "early", WorkspaceID: "a", Oldest: at(0), Due: 10},
			},
			req:  ClaimRequest{Limit: 3},
			want: map[string]int{"early": 2, "late": 1},
		},
		{
			name: "a hanging workspace's 150 webhooks leave room for another's",
			due: append(hanging(150, at(0)),
				DueWebhook{ID: "healthy", WorkspaceID: "b", Oldest: at(30), Due: 1}),
			req: ClaimRequest{Limit: 33, PerWebhook: 32, PerWorkspace: 96,
				InFlight: InFlight{ByWorkspace: map[string]int{"a": 95}}},
			want: map[string]int{"a000": 1, "healthy": 1},
		},
		{
			name: "nothing due, nothing taken",
			req:  ClaimRequest{Limit: 10, PerWebhook: 1},
			want: map[string]int{},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := ShareClaims(tc.due, tc.req); !maps.Equal(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

// hanging returns n webhooks of workspace "a", each with one delivery due since at.
func hanging(n int, at time.Time) []DueWebhook {
	var out []DueWebhook
	for i := range n {
		out = append(out, DueWebhook{ID: fmt.Sprintf("a%03d", i), WorkspaceID: "a", Oldest: at, Due: 1})
	}
	return out
}
