package chatinc

import (
	"errors"
	"fmt"
	"strings"
)

// ErrReadOnly is the error of a call that would change Chat Inc made on a
// read-only client (WithReadOnly); nothing was sent.
var ErrReadOnly = errors.New("chatinc: read-only client")

// readPrefix starts the path of every endpoint that only reads (the Chat Inc
// page's "Retrieve ..." calls, some of which are POSTs carrying a query).
const readPrefix = "/v1/retrieve/"

// WithReadOnly makes the client refuse, before sending anything, every call
// to an endpoint that changes Chat Inc (creating campaigns, audiences and
// variable groups, uploads, runs) with ErrReadOnly; only the retrieve
// endpoints (RetrieveAudiences, AudienceContacts, RetrieveVariableGroups,
// RetrieveCampaigns, CampaignDetails) are called. For previews and checks
// that must not touch an account.
func WithReadOnly() Option { return func(c *Client) { c.readOnly = true } }

// IsReadEndpoint reports whether the API path (e.g. "/v1/retrieve/audiences")
// only reads: the endpoints a read-only client calls.
func IsReadEndpoint(path string) bool { return strings.HasPrefix(path, readPrefix) }

// refuseWrite is the error of a read-only client's call to endpoint, or nil.
func (c *Client) refuseWrite(endpoint string) error {
	if !c.readOnly || IsReadEndpoint(endpoint) {
		return nil
	}
	return fmt.Errorf("%w: refusing %s, which changes Chat Inc (nothing was sent)", ErrReadOnly, endpoint)
}
